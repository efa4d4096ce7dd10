## config area: configuration parser, socket addresses, RFC 5322 header
## and address parsing (engineer F).
libdkimgate_a_SOURCES += \
	src/config.c \
	src/netaddr.c \
	src/rfc5322.c

UNIT_TESTS += tests/unit/test_netaddr
tests_unit_test_netaddr_SOURCES = tests/unit/test_netaddr.c
tests_unit_test_netaddr_CFLAGS = $(UT_FLAGS)
tests_unit_test_netaddr_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_rfc5322
tests_unit_test_rfc5322_SOURCES = tests/unit/test_rfc5322.c
tests_unit_test_rfc5322_CFLAGS = $(UT_FLAGS)
tests_unit_test_rfc5322_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UT_FLAGS) -DTEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_LDADD = $(UT_LIBS)

## Every parameter of the table must be documented in dkimgate.conf(5) and
## present in the example file (tests/doc-check.sh reads src/config.c).
TESTS += tests/doc-check.sh
EXTRA_DIST += tests/doc-check.sh contrib/dkimgate.conf
dist_man_MANS += man/dkimgate.conf.5
