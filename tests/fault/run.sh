#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# tests/fault/run.sh - dkimgate's fault-injection, access and injection
# suite: tests/fault/run.sh [SCENARIO...]
#
# Builds one chain (tests/fault/lib.sh: Postfix from postfix-examples/, NSD
# with a signed zone, a fault proxy in front of the return smtpd and one in
# front of NSD, a recording sink) and runs each scenario script
# tests/fault/scenarios/NAME.sh against it; every scenario starts its own
# dkimgate.  A scenario prints one line per check:
#   PASS name sent=N delivered=N lost=0 dup=N ...
#   FAIL name ...
# and the suite ends with "fault: N passed, M failed".  Exit status 0 when
# everything passed, 1 when something failed, 77 when a tool is missing.
#
# Environment:
#   DKIMGATE    the dkimgate binary (tests/run-all.sh sets it), or BUILDDIR
#               holding it
#   FAULT_N     messages per scenario (default 2000)
#   FAULT_TMP   work directory, emptied first (default: a new
#               /tmp/dkimgate-fault.XXXXXX, removed when everything passed
#               unless FAULT_KEEP=1)
# Needs root (Postfix), postfix, nsd and ldns-utils, python3-dkim and
# python3-dnspython (Debian's /usr/bin/python3).
set -u

FAULT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/common.sh
. "$FAULT_DIR/../lib/common.sh"

if [ -z "${DKIMGATE:-}" ] && [ -n "${BUILDDIR:-}" ]; then
	DKIMGATE=$BUILDDIR/dkimgate
fi
[ -n "${DKIMGATE:-}" ] && [ -x "$DKIMGATE" ] ||
    { echo "run.sh: set DKIMGATE to the dkimgate binary" >&2; exit 2; }
DKIMGATE=$(cd "$(dirname "$DKIMGATE")" && pwd)/$(basename "$DKIMGATE")
export DKIMGATE

t_need_root
t_need postfix postconf postqueue postsuper ss setsid openssl dig "$PY"
"$PY" -c 'import dkim' 2>/dev/null || t_skip "needs python3-dkim"
"$PY" -c 'import dns.asyncquery' 2>/dev/null ||
    t_skip "needs python3-dnspython"

ALL="worker_kill supervisor_kill return_refused return_stall return_close
return_4xx return_5xx dns_dead dns_slow dns_servfail dns_tempfail
spool_full session_limit slow_drip access privilege injection"
if [ $# -gt 0 ]; then
	SCENARIOS=$*
else
	SCENARIOS=$ALL
fi

if [ -n "${FAULT_TMP:-}" ]; then
	# a fresh directory: a Postfix queue or state left by an earlier run
	# would mix with this one
	T=$FAULT_TMP
	rm -rf "$T"
else
	T=$(mktemp -d /tmp/dkimgate-fault.XXXXXX) || exit 2
fi
mkdir -p "$T" && chmod 755 "$T"
export T
# shellcheck source=lib.sh
. "$FAULT_DIR/lib.sh"
nsd_have_tools || t_skip "needs nsd, ldns-keygen, ldns-signzone, dig"

trap 'fault_teardown; exit 1' INT TERM
START=$(date +%s)
t_log "fault: work directory $T, $FAULT_N messages per scenario"
if ! fault_setup >"$T/setup.log" 2>&1; then
	cat "$T/setup.log" >&2
	fault_teardown
	echo "FAIL setup (see $T/setup.log)"
	exit 1
fi

npass=0
nfail=0
for sc in $SCENARIOS; do
	f=$FAULT_DIR/scenarios/$sc.sh
	if [ ! -f "$f" ]; then
		echo "FAIL $sc (no such scenario)"
		nfail=$((nfail + 1))
		continue
	fi
	# each scenario: its own process, its output on our stdout, its
	# progress on stderr and in $T/$sc.log
	bash "$f" 2> >(tee "$T/$sc.log" >&2) | tee "$T/$sc.out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS ' "$T/$sc.out")
	n=$(grep -c '^FAIL ' "$T/$sc.out")
	if [ "$rc" != 0 ] && [ "$n" = 0 ]; then
		echo "FAIL $sc (exit status $rc)"
		n=1
	fi
	npass=$((npass + p))
	nfail=$((nfail + n))
done

fault_teardown
echo "fault: $npass passed, $nfail failed ($(( $(date +%s) - START ))s," \
    "work directory $T)"
if [ $nfail = 0 ] && [ "${FAULT_KEEP:-0}" != 1 ] &&
    [ -z "${FAULT_TMP:-}" ]; then
	rm -rf "$T"
fi
[ $nfail = 0 ]
