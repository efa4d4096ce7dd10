## DKIM verification area: DNS, key records, verify mode, A-R.
libdkimgate_a_SOURCES += src/cmd_verify.c \
	src/dns.c src/dns_packet.c \
	src/authres.c src/authres.h \
	src/dkim_verify.c src/dkim_verify.h \
	src/mode_verify.c

UNIT_TESTS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_CFLAGS = $(UT_FLAGS)
tests_unit_test_dns_LDADD = $(UT_LIBS)

UNIT_TESTS += tests/unit/test_authres
tests_unit_test_authres_SOURCES = tests/unit/test_authres.c
tests_unit_test_authres_CFLAGS = $(UT_FLAGS)
tests_unit_test_authres_LDADD = $(UT_LIBS)

## verifier and verify mode against the DNS mock (mock_dns.c replaces
## dns.c at link time; D's SPF/DMARC tests link it the same way)
MOCK_DNS = tests/unit/mock_dns.c tests/unit/mock_dns.h
UNIT_TESTS += tests/unit/test_dkim_verify
tests_unit_test_dkim_verify_SOURCES = tests/unit/test_dkim_verify.c \
	$(MOCK_DNS)
tests_unit_test_dkim_verify_CFLAGS = $(UT_FLAGS)
tests_unit_test_dkim_verify_LDADD = $(UT_LIBS)

EXTRA_DIST += tests/unit/data/verify/README \
	tests/unit/data/verify/rsa512.pem \
	tests/unit/data/verify/rsa1024.pem \
	tests/unit/data/verify/rsa2048.pem \
	tests/unit/data/verify/ed25519.pem
