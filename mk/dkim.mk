## DKIM signing area: crypto, canonicalization, tag lists, keys, sign mode.
libdkimgate_a_SOURCES += src/cmd_sign.c
