#!/bin/bash
# tests/e2e/run.sh - run the end-to-end cases: tests/e2e/run.sh [CASE...]
#
# Each case is a directory tests/e2e/CASE with the scripts pre, test and post
# (post always runs, so whatever pre started is stopped).  A script exiting
# 77 means a needed tool is missing: the case is skipped.  Output: one line
# "PASS name", "FAIL name" or "SKIP name" per case, then a count; exit
# status 1 if any case failed, 77 if all were skipped, else 0.
#
# Environment:
#   DKIMGATE         the dkimgate binary under test (make check-e2e sets it)
#   DKIMGATE_STANDIN=1  run the harness against tests/lib/standin_relay.py
#   E2E_TMP          where case directories go (default: a new /tmp dir)
#   E2E_KEEP=1       keep the directories of passed cases too
#   E2E_TIMEOUT      seconds allowed per script (default 900)
set -u

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${E2E_TIMEOUT:-900}

if [ "${DKIMGATE_STANDIN:-0}" != 1 ]; then
	if [ -z "${DKIMGATE:-}" ] || [ ! -x "$DKIMGATE" ]; then
		echo "run.sh: set DKIMGATE to the dkimgate binary" >&2
		exit 2
	fi
	DKIMGATE=$(cd "$(dirname "$DKIMGATE")" && pwd)/$(basename "$DKIMGATE")
	export DKIMGATE
fi

if [ $# -gt 0 ]; then
	cases=("$@")
else
	cases=()
	for d in "$E2E_DIR"/*/; do
		[ -f "$d/test" ] && cases+=("$(basename "$d")")
	done
fi

if [ -z "${E2E_TMP:-}" ]; then
	E2E_TMP=$(mktemp -d /tmp/dkimgate-e2e.XXXXXX) || exit 2
fi
mkdir -p "$E2E_TMP" && chmod 755 "$E2E_TMP"

npass=0
nfail=0
nskip=0
current=

# run_post - run the current case's post script (also on interrupt)
run_post() {
	[ -n "$current" ] || return 0
	T=$E2E_TMP/$current timeout -k 10 120 \
	    bash "$E2E_DIR/$current/post" >>"$E2E_TMP/$current/post.log" 2>&1
}
trap 'echo "interrupted" >&2; run_post; exit 1' INT TERM

# run_step - run one script of case $1 with its log; print its exit status
run_step() {
	local c=$1 step=$2 rc
	[ -f "$E2E_DIR/$c/$step" ] || { echo 0; return; }
	T=$E2E_TMP/$c timeout -k 10 "$TIMEOUT" bash "$E2E_DIR/$c/$step" \
	    >"$E2E_TMP/$c/$step.log" 2>&1 </dev/null
	rc=$?
	[ $rc = 124 ] && echo "$step: timed out after $TIMEOUT s" \
	    >>"$E2E_TMP/$c/$step.log"
	echo $rc
}

for c in "${cases[@]}"; do
	if [ ! -f "$E2E_DIR/$c/test" ]; then
		echo "FAIL $c (no such case)"
		nfail=$((nfail + 1))
		continue
	fi
	T=$E2E_TMP/$c
	rm -rf "$T"
	mkdir -p "$T" && chmod 755 "$T"
	current=$c
	start=$(date +%s)
	rc=$(run_step "$c" pre)
	if [ "$rc" = 0 ]; then
		rc=$(run_step "$c" test)
	fi
	prc=$(run_step "$c" post)
	current=
	secs=$(( $(date +%s) - start ))
	if [ "$rc" = 77 ]; then
		why=$(grep -h -m1 '^SKIP:' "$T/pre.log" "$T/test.log" \
		    2>/dev/null | head -n 1)
		echo "SKIP $c (${why:-skipped})"
		nskip=$((nskip + 1))
	elif [ "$rc" = 0 ] && [ "$prc" = 0 ]; then
		echo "PASS $c (${secs}s)"
		npass=$((npass + 1))
		[ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$T"
	else
		echo "FAIL $c (${secs}s, status $rc, post $prc; logs in $T)"
		for f in pre test post; do
			t_log=$T/$f.log
			[ -s "$t_log" ] || continue
			echo "--- $c/$f (last 40 lines)"
			tail -n 40 "$t_log" | sed 's/^/    /'
		done
		nfail=$((nfail + 1))
	fi
done

echo "e2e: $npass passed, $nfail failed, $nskip skipped"
[ "${E2E_KEEP:-0}" = 1 ] || [ $nfail -gt 0 ] || rmdir "$E2E_TMP" 2>/dev/null
[ $nfail -gt 0 ] && exit 1
[ $npass = 0 ] && [ $nskip -gt 0 ] && exit 77
exit 0
