#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# injection - log and header injection: one SMTP session straight to the
# verify listener with CR, LF, NUL, ESC and other control bytes in
# EHLO/HELO, in XFORWARD attributes (xtext +0D+0A, +1B, +00), in MAIL
# FROM, in header fields and DKIM-Signature tags, and ';', ')' and quotes
# in XFORWARD values, MAIL FROM and the d=/s= tags, plus a forged
# Authentication-Results field with our authserv-id (inject.py send).
# Then (inject.py check): dkimgate's log holds no raw control byte and
# every line is a record of its own; the delivered message has exactly
# one Authentication-Results field, ours, that parses back per RFC 8601
# with a result for each signature, and no injected field.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin injection || exit 1
f_conf "$SD" "workers = 1" || exit 1
f_dg_start || exit 1
rc=0
"$PY" "$FAULT_DIR/inject.py" send --port "$P_VERIFY" --id inject.1 \
    >"$SD/send.out" 2>&1
cat "$SD/send.out" >&2
# control bytes in HELO names and in decoded XFORWARD values are refused
# (501), a NUL in a command line is a syntax error (500); the rest passes
grep -q "'EHLO evil.x1b\[31m.example' -> 501" "$SD/send.out" &&
    grep -q "'HELO a.rb.example' -> 501" "$SD/send.out" &&
    grep -q "'XFORWARD NAME=evil+0D+0AX-Injected:+20name ADDR=127.0.0.1' -> 501" "$SD/send.out" &&
    grep -q "'XFORWARD HELO=evil+1B\[31m IDENT=Q+00X' -> 501" "$SD/send.out" &&
    grep -q "'MAIL FROM:<a@b>.x00 trailing' -> 500" "$SD/send.out" &&
    grep -q "'MAIL FROM:<ev.x1b\[1mil.x7f@fault.test>' -> 501" "$SD/send.out" &&
    grep -q '^message -> 250' "$SD/send.out" ||
    f_fail "unexpected replies (see $SD/send.out)" || rc=1
sink_wait_count "$SD" sink 1 60 || f_fail "the message did not arrive" || rc=1
f_dg_stop
"$PY" "$FAULT_DIR/inject.py" check --log "$SD/dkimgate.log" \
    --sink "$SD/sink/msg" --id inject.1 --authserv-id "$AUTHSERV" \
    >"$SD/check.out" 2>&1
crc=$?
cat "$SD/check.out" >&2
if [ $crc = 0 ] && [ $rc = 0 ]; then
	echo "PASS injection log_lines=$(sed -n 's/^log: \([0-9]*\) lines.*/\1/p' "$SD/check.out") authres=1"
else
	f_fail "see $SD/check.out"
	rc=1
fi
f_end || rc=1
exit $rc
