## ops area: metrics endpoint (Prometheus text over evhttp) and key
## rotation decided by the supervisor.
libdkimgate_a_SOURCES += \
	src/metrics.c src/metrics.h \
	src/keyrot.c src/keyrot.h

UNIT_TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(UT_FLAGS)
tests_unit_test_metrics_LDADD = $(UT_LIBS)

## key rotation: table syntax, decisions, the supervisor's checks (with
## the DNS mock, tests/unit/mock_dns.c) and a forked worker
UNIT_TESTS += tests/unit/test_keyrot
tests_unit_test_keyrot_SOURCES = tests/unit/test_keyrot.c \
	tests/unit/mock_dns.c tests/unit/mock_dns.h
tests_unit_test_keyrot_CFLAGS = $(UT_FLAGS) -I$(top_srcdir)/tests/unit
tests_unit_test_keyrot_LDADD = $(UT_LIBS)

## Script suites (root, NSD, python3-prometheus-client): tests/ops/run.sh
## runs metrics.sh (a scrape of a running daemon against what was sent)
## and rotation.sh (a successor key published in NSD while messages flow);
## tests/run-all.sh finds it (tests/*/run*.sh).
OPS_TEST_FILES = \
	tests/ops/run.sh \
	tests/ops/metrics.sh \
	tests/ops/rotation.sh \
	tests/ops/ops_tool.py
EXTRA_DIST += $(OPS_TEST_FILES)

check-ops: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/ops/run.sh

.PHONY: check-ops
