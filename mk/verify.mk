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

## tests/verify/run.sh: verification against NSD on loopback (signed,
## unsigned and bogus zones), messages signed by python3-dkim and
## Mail::DKIM; run by tests/run-all.sh (tests/*/run*.sh) and by
## "make check-interop".
VERIFY_TEST_FILES = \
	tests/verify/run.sh \
	tests/verify/compare.py \
	tests/verify/sign_dkimpy.py \
	tests/verify/sign_maildkim.pl \
	tests/verify/tool_dkimpy.py \
	tests/verify/tool_maildkim.pl \
	tests/verify/msgs/01-plain-crlf.eml \
	tests/verify/msgs/02-lf-folded.eml \
	tests/verify/msgs/03-empty-body.eml \
	tests/verify/msgs/04-utf8-multipart.eml
EXTRA_DIST += $(VERIFY_TEST_FILES)

check-interop: check-interop-verify
check-interop-verify: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/verify/run.sh

.PHONY: check-interop-verify
