## Signing area: key and signing tables, signer, sign mode, sign/keygen CLI.
libdkimgate_a_SOURCES += src/cmd_sign.c

## tests/lib/nsd.sh: shared NSD test helper (signing interop, verify tests)
EXTRA_DIST += tests/lib/nsd.sh
