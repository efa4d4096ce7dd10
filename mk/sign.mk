## Signing area: key and signing tables, signer, sign mode, sign/keygen CLI.
libdkimgate_a_SOURCES += src/cmd_sign.c
