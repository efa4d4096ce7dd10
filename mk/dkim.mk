## DKIM primitives area: crypto, canonicalization, tag lists, signature
## and key-record parsers.
libdkimgate_a_SOURCES += \
	src/crypto.c \
	src/dkim_canon.c \
	src/dkim_tag.c src/dkim_tag.h \
	src/dkim_sig.c src/dkim_sig.h \
	src/dkim_key.c src/dkim_key.h
