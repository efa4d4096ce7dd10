## Relay core: process model, config, SMTP, spool, header parsing.
libdkimgate_a_SOURCES += \
	src/cmd.h \
	src/log.c src/log.h \
	src/xmalloc.c src/xmalloc.h \
	src/buf.c src/buf.h \
	src/mode.h src/worker.h src/dns.h src/crypto.h src/dkim_canon.h \
	src/config.h src/netaddr.h src/rfc5322.h
