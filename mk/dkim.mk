## DKIM primitives area: crypto, canonicalization, tag lists, signature
## and key-record parsers.
libdkimgate_a_SOURCES += \
	src/dkim_tag.h \
	src/dkim_sig.h \
	src/dkim_key.h
