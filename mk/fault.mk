## fault area: tests/fault, the fault-injection suite (a real Postfix and
## NSD around dkimgate: workers and supervisor killed, return port refused,
## stalled, closed, 4xx/5xx, DNS dead/slow/SERVFAIL, spool file system
## full, session limit, slow-drip clients), access and privilege checks,
## and log/header injection.  tests/run-all.sh runs tests/fault/run.sh as
## a script suite; "make check-fault [FAULT='scenario ...']" runs it here
## (as root).

FAULT_FILES = tests/fault/run.sh tests/fault/lib.sh \
	tests/fault/faultmail.py tests/fault/return_proxy.py \
	tests/fault/dns_proxy.py tests/fault/drip.py tests/fault/inject.py \
	tests/fault/scenarios/worker_kill.sh \
	tests/fault/scenarios/supervisor_kill.sh \
	tests/fault/scenarios/return_refused.sh \
	tests/fault/scenarios/return_stall.sh \
	tests/fault/scenarios/return_close.sh \
	tests/fault/scenarios/return_4xx.sh \
	tests/fault/scenarios/return_5xx.sh \
	tests/fault/scenarios/dns_dead.sh \
	tests/fault/scenarios/dns_slow.sh \
	tests/fault/scenarios/dns_servfail.sh \
	tests/fault/scenarios/dns_tempfail.sh \
	tests/fault/scenarios/spool_full.sh \
	tests/fault/scenarios/session_limit.sh \
	tests/fault/scenarios/slow_drip.sh \
	tests/fault/scenarios/access.sh \
	tests/fault/scenarios/privilege.sh \
	tests/fault/scenarios/injection.sh

EXTRA_DIST += $(FAULT_FILES)

check-fault: all
	DKIMGATE=$(abs_top_builddir)/dkimgate \
	    bash $(abs_top_srcdir)/tests/fault/run.sh $(FAULT)

.PHONY: check-fault
