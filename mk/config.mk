## config area: configuration parser, socket addresses, RFC 5322 header
## and address parsing (engineer F).
libdkimgate_a_SOURCES += \
	src/config.c \
	src/netaddr.c \
	src/rfc5322.c
