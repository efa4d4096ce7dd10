## DKIM verification area: DNS, key records, verify mode, A-R.
libdkimgate_a_SOURCES += src/cmd_verify.c \
	src/dns.c src/dns_packet.c \
	src/authres.c src/authres.h

UNIT_TESTS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_CFLAGS = $(UT_FLAGS)
tests_unit_test_dns_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_authres
tests_unit_test_authres_SOURCES = tests/unit/test_authres.c
tests_unit_test_authres_CFLAGS = $(UT_FLAGS)
tests_unit_test_authres_LDADD = $(UT_LIBS)
