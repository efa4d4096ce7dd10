## Signing area: key and signing tables, signer, sign mode, sign/keygen CLI.
libdkimgate_a_SOURCES += \
	src/keytable.c src/keytable.h \
	src/dkim_sign.c src/dkim_sign.h \
	src/mode_sign.c \
	src/cmd_sign.c

## tests/lib/nsd.sh: shared NSD test helper (signing interop, verify tests)
EXTRA_DIST += tests/lib/nsd.sh
