#!/bin/bash
# run-sign-daemon.sh - signing through the daemon: "dkimgate serve" with a
# mode=sign listener relays every message of tests/interop/corpus (sent by
# a Python SMTP client) to a recording sink (tests/lib/smtp_sink.py); each
# stored message must carry an RSA and an Ed25519 DKIM-Signature that
# python3-dkim and Mail::DKIM verify with keys fetched from NSD on
# loopback, and tampered copies must fail. A message without From, one
# with two From fields and one from a domain without a key must arrive
# unsigned, with the reason in the daemon's log line.
#
# usage: DKIMGATE=/path/to/dkimgate tests/interop/run-sign-daemon.sh
# Exit 0 when all is as expected, 1 on a failure, 77 when a tool is
# missing. Ends with one summary line.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DKIMGATE=${DKIMGATE:-$top/dkimgate}
PY=/usr/bin/python3

. "$top/tests/lib/nsd.sh"

skip() {
	echo "interop-sign-daemon: SKIP: $*"
	exit 77
}

[ -x "$DKIMGATE" ] || skip "no dkimgate binary at $DKIMGATE"
nsd_have_tools || skip "nsd, ldns-keygen, ldns-signzone, dig or openssl missing"
$PY -c 'import dkim, dns.resolver, smtplib' 2>/dev/null ||
    skip "python3-dkim or python3-dnspython missing"
perl -MMail::DKIM::Verifier -MNet::DNS -e 1 2>/dev/null ||
    skip "libmail-dkim-perl or libnet-dns-perl missing"

work=$(mktemp -d /tmp/interop-sign-daemon.XXXXXX) || exit 1
chmod 755 "$work"
sink_pid=""
dg_pid=""
cleanup() {
	[ -n "$dg_pid" ] && kill "$dg_pid" 2>/dev/null && wait "$dg_pid"
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null &&
	    wait "$sink_pid"
	nsd_stop "$work/dns"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "interop-sign-daemon: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

fail=0
failed() {
	echo "FAIL: $*"
	fail=1
}

# wait_listen PORT - poll until something listens on 127.0.0.1:PORT
wait_listen() {
	local i
	for i in $(seq 1 100); do
		ss -Htln 2>/dev/null | awk '{print $4}' |
		    grep -qx "127.0.0.1:$1" && return 0
		sleep 0.1
	done
	return 1
}

domain=sign.test
mkdir -p "$work/keys" "$work/sink"
chmod 777 "$work/sink"
"$DKIMGATE" keygen --domain $domain --selector rsa --directory "$work/keys" &&
    "$DKIMGATE" keygen --domain $domain --selector ed --type ed25519 \
    --directory "$work/keys" || { echo "interop-sign-daemon: keygen failed"
	exit 1; }

nsd_setup "$work/dns" || exit 1
cat "$work/keys/rsa.txt" "$work/keys/ed.txt" > "$work/zone.body"
nsd_add_zone "$work/dns" $domain signed "$work/zone.body" || exit 1
nsd_start "$work/dns" || exit 1

lport=$(nsd_pick_port) || exit 1
rport=$(nsd_pick_port) || exit 1
while [ "$rport" = "$lport" ] || [ "$rport" = "$NSD_PORT" ]; do
	rport=$(nsd_pick_port) || exit 1
done
cat > "$work/keytable" <<EOF
*@$domain $domain rsa $work/keys/rsa.private
*@$domain $domain ed $work/keys/ed.private
EOF
cat > "$work/dkimgate.conf" <<EOF
listen = 127.0.0.1:$lport mode=sign
return_address = 127.0.0.1:$rport
workers = 1
key_table = $work/keytable
spool_directory = $work
EOF

$PY "$top/tests/lib/smtp_sink.py" --dir "$work/sink" --port "$rport" \
    > "$work/sink.log" 2>&1 &
sink_pid=$!
"$DKIMGATE" serve -f -c "$work/dkimgate.conf" > "$work/dkimgate.log" 2>&1 &
dg_pid=$!
wait_listen "$rport" || { echo "interop-sign-daemon: sink not up"; exit 1; }
wait_listen "$lport" || { echo "interop-sign-daemon: dkimgate not up:"
	tail -n 5 "$work/dkimgate.log"; exit 1; }

# send the corpus, then three messages that must stay unsigned
printf 'Subject: no From\r\n\r\nbody\r\n' > "$work/nofrom.eml"
printf 'From: a@%s\r\nFrom: b@%s\r\nSubject: two\r\n\r\nbody\r\n' \
    $domain $domain > "$work/twofrom.eml"
printf 'From: a@elsewhere.test\r\nSubject: no key\r\n\r\nbody\r\n' \
    > "$work/nokey.eml"
ls "$here"/corpus/*.eml > "$work/send.list"
printf '%s\n' "$work/nofrom.eml" "$work/twofrom.eml" "$work/nokey.eml" \
    >> "$work/send.list"
if ! $PY - "$lport" "$work/send.list" > "$work/send.log" 2>&1 <<'EOF'
import smtplib
import sys

s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
for path in open(sys.argv[2]).read().split():
    with open(path, "rb") as f:
        msg = f.read()
    # SMTP ends the message with CRLF; smtplib adds one if missing
    s.sendmail("sender@sign.test", ["rcpt@example.net"], msg)
s.quit()
EOF
then
	cat "$work/send.log"
	echo "interop-sign-daemon: sending failed"
	exit 1
fi
nsent=$(wc -l < "$work/send.list")
ncorpus=$((nsent - 3))
nstored=$(find "$work/sink" -name '*.env' | wc -l)
[ "$nstored" = "$nsent" ] || failed "sent $nsent messages, sink has $nstored"

list_py="$work/list.py"
list_pl="$work/list.pl"
: > "$list_py"
: > "$list_pl"
ntamper=0
for i in $(seq 1 "$nstored"); do
	f=$work/sink/$(printf '%06d' "$i").eml
	n=$(grep -c '^DKIM-Signature:' "$f")
	if [ "$i" -gt "$ncorpus" ]; then
		[ "$n" = 0 ] || failed "$(sed -n "${i}p" "$work/send.list") \
		    was signed"
		continue
	fi
	if [ "$n" != 2 ]; then
		failed "$(sed -n "${i}p" "$work/send.list"): $n signatures"
		continue
	fi
	echo "$f pass 2" >> "$list_py"
	echo "$f pass 2 rsa-sha256,ed25519-sha256" >> "$list_pl"
	perl -0pe 's/^(from\s*:)/$1X/mi' "$f" > "$f.hdr"
	{ cat "$f"; printf '\r\ntampered\r\n'; } > "$f.body"
	for t in hdr body; do
		echo "$f.$t fail 2" >> "$list_py"
		echo "$f.$t fail 2 rsa-sha256,ed25519-sha256" >> "$list_pl"
		ntamper=$((ntamper + 1))
	done
done
for why in "no From field" "several From fields" "no key for a@elsewhere.test"; do
	grep -q "dkim=unsigned ($why)" "$work/dkimgate.log" ||
	    failed "no log line with dkim=unsigned ($why)"
done
nsigned=$(grep -c 'dkim=signed d=sign.test s=rsa, d=sign.test s=ed' \
    "$work/dkimgate.log")
[ "$nsigned" = "$ncorpus" ] ||
    failed "log has $nsigned signed messages, want $ncorpus"

$PY "$here/verify_dkimpy.py" "$NSD_PORT" "$list_py" > "$work/dkimpy.log" 2>&1 ||
    fail=1
grep '^BAD' "$work/dkimpy.log" | head -10
py_summary=$(tail -n 1 "$work/dkimpy.log")
perl "$here/verify_maildkim.pl" "$NSD_PORT" "$list_pl" \
    > "$work/maildkim.log" 2>&1 || fail=1
grep '^BAD' "$work/maildkim.log" | head -10
pl_summary=$(tail -n 1 "$work/maildkim.log")
summary="$nsent sent, $nstored relayed, $ncorpus signed expected,"
summary="$summary $ntamper tampered; $py_summary; $pl_summary"
if [ $fail = 0 ]; then
	echo "interop-sign-daemon: PASS ($summary)"
	exit 0
fi
echo "interop-sign-daemon: FAIL ($summary)"
exit 1
