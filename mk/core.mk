## Relay core: process model, SMTP relay, message store, modes seam.
libdkimgate_a_SOURCES += \
	src/cmd.h \
	src/log.c src/log.h \
	src/xmalloc.c src/xmalloc.h \
	src/buf.c src/buf.h \
	src/mode.c src/mode.h \
	src/worker.c src/worker.h \
	src/supervisor.c src/supervisor.h \
	src/daemon.c src/daemon.h \
	src/smtp_proto.c src/smtp_proto.h \
	src/netio.c src/netio.h \
	src/msgfile.c src/msgfile.h \
	src/smtp_client.c src/smtp_client.h \
	src/smtp_server.c src/smtp_server.h \
	src/spool.c src/spool.h \
	src/dns.h src/crypto.h src/dkim_canon.h \
	src/config.h src/netaddr.h src/rfc5322.h

UNIT_TESTS += tests/unit/test_smtp_proto tests/unit/test_spool
tests_unit_test_smtp_proto_SOURCES = tests/unit/test_smtp_proto.c
tests_unit_test_smtp_proto_CFLAGS = $(UT_FLAGS)
tests_unit_test_smtp_proto_LDADD = $(UT_LIBS)
tests_unit_test_spool_SOURCES = tests/unit/test_spool.c
tests_unit_test_spool_CFLAGS = $(UT_FLAGS)
tests_unit_test_spool_LDADD = $(UT_LIBS)
UNIT_TESTS += tests/unit/test_relay
tests_unit_test_relay_SOURCES = tests/unit/test_relay.c
tests_unit_test_relay_CFLAGS = $(UT_FLAGS)
tests_unit_test_relay_LDADD = $(UT_LIBS)
UNIT_TESTS += tests/unit/test_netio
tests_unit_test_netio_SOURCES = tests/unit/test_netio.c
tests_unit_test_netio_CFLAGS = $(UT_FLAGS)
tests_unit_test_netio_LDADD = $(UT_LIBS)
