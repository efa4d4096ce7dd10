## spf area: sources, unit tests, data
## SPF (RFC 7208) and DMARC (RFC 9989) on the asynchronous DNS of dns.h.
libdkimgate_a_SOURCES += src/spf.c src/spf.h src/dmarc.c src/dmarc.h

UNIT_TESTS += tests/unit/test_spf
tests_unit_test_spf_SOURCES = tests/unit/test_spf.c \
	tests/unit/mock_dns.c tests/unit/mock_dns.h
tests_unit_test_spf_CFLAGS = $(UT_FLAGS)
tests_unit_test_spf_LDADD = $(UT_LIBS)

## The RFC 7208 conformance suite, every case, through the mock resolver.
UNIT_TESTS += tests/spf/test_spf_suite
tests_spf_test_spf_suite_SOURCES = tests/spf/test_spf_suite.c \
	tests/unit/mock_dns.c tests/unit/mock_dns.h
tests_spf_test_spf_suite_CFLAGS = $(UT_FLAGS) -I$(top_srcdir)/tests/unit
tests_spf_test_spf_suite_LDADD = $(UT_LIBS)

EXTRA_DIST += tests/spf/yaml2txt.py \
	tests/vectors/spf/README \
	tests/vectors/spf/rfc7208-tests.yml \
	tests/vectors/spf/rfc7208-tests.txt \
	tests/vectors/spf/rfc7208-tests.LICENSE \
	tests/vectors/spf/rfc7208-tests.CHANGES

## The converted suite must match the YAML it comes from.
TESTS += tests/spf/check-conversion.sh
EXTRA_DIST += tests/spf/check-conversion.sh

UNIT_TESTS += tests/unit/test_dmarc
tests_unit_test_dmarc_SOURCES = tests/unit/test_dmarc.c \
	tests/unit/mock_dns.c tests/unit/mock_dns.h
tests_unit_test_dmarc_CFLAGS = $(UT_FLAGS)
tests_unit_test_dmarc_LDADD = $(UT_LIBS)

## tests/spf/run.sh: SPF and DMARC through NSD on loopback (signed,
## unsigned, bogus zones) with "dkimgate verify --client-ip ...", and the
## RFC 7208 suite served by NSD; run by tests/run-all.sh (tests/*/run*.sh)
## and by "make check-interop".
EXTRA_DIST += tests/spf/run.sh tests/spf/suite2zone.py
check-interop: check-interop-spf
check-interop-spf: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/spf/run.sh

.PHONY: check-interop-spf

## End-to-end cases (make check-e2e) through Postfix and NSD: before the
## queue, DMARC reject with 550 5.7.1; after the queue, XFORWARD facts for
## SPF and never a bounce; A-R results and the quarantine header.
EXTRA_DIST += tests/e2e/spfdmarc_before_queue/pre \
	tests/e2e/spfdmarc_before_queue/test \
	tests/e2e/spfdmarc_before_queue/post \
	tests/e2e/spfdmarc_after_queue/pre \
	tests/e2e/spfdmarc_after_queue/test \
	tests/e2e/spfdmarc_after_queue/post
