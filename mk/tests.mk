## tests area (harness): end-to-end cases through a real Postfix, the
## systemd unit check, the whole-suite runner, examples and contrib files.

## Script tests run by "make check".
TESTS += tests/systemd-unit.sh tests/examples-check.sh

## End-to-end cases: tests/e2e/CASE/{pre,test,post}.
E2E_FILES = tests/e2e/run.sh tests/e2e/common.sh \
	tests/e2e/pass_bulk/pre tests/e2e/pass_bulk/test \
	tests/e2e/pass_bulk/post \
	tests/e2e/pass_return_down/pre tests/e2e/pass_return_down/test \
	tests/e2e/pass_return_down/post \
	tests/e2e/pass_kill/pre tests/e2e/pass_kill/test \
	tests/e2e/pass_kill/post \
	tests/e2e/pass_oversize/pre tests/e2e/pass_oversize/test \
	tests/e2e/pass_oversize/post \
	tests/e2e/pass_dsn/pre tests/e2e/pass_dsn/test \
	tests/e2e/pass_dsn/post \
	tests/e2e/pass_before_queue/pre tests/e2e/pass_before_queue/test \
	tests/e2e/pass_before_queue/post

EXTRA_DIST += \
	README.md NEWS \
	tests/systemd-unit.sh tests/examples-check.sh tests/run-all.sh \
	tests/lib/common.sh tests/lib/postfix.sh tests/lib/smtp_sink.py \
	tests/lib/standin_relay.py tests/lib/e2e_mail.py \
	$(E2E_FILES) \
	postfix-examples/README \
	postfix-examples/main.cf.dkimgate \
	postfix-examples/master.cf.verify \
	postfix-examples/master.cf.sign \
	postfix-examples/master.cf.return \
	postfix-examples/master.cf.before-queue \
	postfix-examples/dkimgate.conf.after-queue \
	postfix-examples/dkimgate.conf.before-queue \
	contrib/dkimgate.service contrib/install-deps.sh contrib/quickstart.sh

## make check-e2e [E2E="case ..."]: the end-to-end cases (root, Postfix).
check-e2e: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/e2e/run.sh $(E2E)

## make check-valgrind: every unit test program under valgrind, VALGRIND_JOBS
## at a time (several wait on timers, so this is faster than one by one);
## one "PASS name" / "FAIL name" line each (tests/run-all.sh counts them).
VALGRIND_JOBS = 2
VALGRIND_FLAGS = -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --track-fds=no
check-valgrind: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo $$t; done | \
	    xargs -P $(VALGRIND_JOBS) -I{} sh -c \
	    'if valgrind $(VALGRIND_FLAGS) ./{} >{}.valgrind.log 2>&1; then \
	        echo "PASS {}"; \
	    else \
	        echo "FAIL {} (see {}.valgrind.log)"; exit 1; \
	    fi'

## make print-unit-tests: the unit test programs, one per line.
print-unit-tests:
	@for t in $(UNIT_TESTS); do echo $$t; done

CLEANFILES += tests/unit/*.valgrind.log

.PHONY: check-e2e check-valgrind print-unit-tests
