#!/bin/bash
# tests/ops/metrics.sh - the Prometheus endpoint of a running daemon.
#
# NSD serves a DNSSEC-signed zone ops.test (DKIM keys, SPF, DMARC); a
# "dkimgate serve" with a sign and a verify listener and metrics_listen
# relays to a recording sink (tests/lib/smtp_sink.py). Known sessions and
# messages are sent to both listeners, then /metrics is scraped, checked
# with prometheus_client's parser (every family with HELP and TYPE), and
# the counters must equal what was sent: sessions, messages, bytes,
# spooled messages, return port replies, signing outcomes and signatures,
# DKIM/SPF/DMARC results, DNS look-ups. Then a worker is killed: the
# restart is counted, no counter goes down, and the next messages add to
# the old counts. Other paths answer 404.
#
# usage: DKIMGATE=/path/to/dkimgate tests/ops/metrics.sh
# Exit 0 pass, 1 fail, 77 when a tool is missing; one summary line.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/common.sh"
. "$top/tests/lib/nsd.sh"
DKIMGATE=${DKIMGATE:-$top/dkimgate}
TOOL="$PY $here/ops_tool.py"

skip() {
	echo "ops-metrics: SKIP: $*"
	exit 77
}
[ -x "$DKIMGATE" ] || skip "no dkimgate binary at $DKIMGATE"
nsd_have_tools || skip "nsd, ldns-keygen, ldns-signzone, dig or openssl missing"
command -v ss >/dev/null 2>&1 || skip "ss (iproute2) missing"
$PY -c 'import prometheus_client.parser, smtplib' 2>/dev/null ||
    skip "python3-prometheus-client missing"

work=$(mktemp -d /tmp/ops-metrics.XXXXXX) || exit 1
chmod 755 "$work"
sink_pid=""
dg_pid=""
cleanup() {
	[ -n "$dg_pid" ] && kill_wait "$dg_pid" TERM 20
	[ -n "$sink_pid" ] && kill_wait "$sink_pid"
	nsd_stop "$work/dns"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "ops-metrics: kept $work"
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
die() {
	echo "ops-metrics: FAIL: $*"
	t_tail "$work/dkimgate.log" 20
	exit 1
}

# keys and the zone
dom=ops.test
mkdir -p "$work/keys" "$work/sink" "$work/spool" "$work/msg"
chmod 777 "$work/sink"
chmod 1777 "$work/spool"
"$DKIMGATE" keygen --domain $dom --selector rsa --directory "$work/keys" \
    >/dev/null || die "keygen rsa"
"$DKIMGATE" keygen --domain $dom --selector ed --type ed25519 \
    --directory "$work/keys" >/dev/null || die "keygen ed25519"
{
	cat "$work/keys/rsa.txt" "$work/keys/ed.txt"
	echo '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"'
	echo '_dmarc IN TXT "v=DMARC1; p=none"'
} > "$work/zone.body"
nsd_setup "$work/dns" || die "nsd_setup"
nsd_add_zone "$work/dns" $dom signed "$work/zone.body" || die "zone"
nsd_start "$work/dns" || die "nsd_start"

lsign=$(port_pick)
lverify=$(port_pick)
rport=$(port_pick)
mport=$(port_pick)
cat > "$work/keytable" <<EOF
*@$dom $dom rsa $work/keys/rsa.private
*@$dom $dom ed $work/keys/ed.private
EOF
cat > "$work/dkimgate.conf" <<EOF
listen = 127.0.0.1:$lsign mode=sign, 127.0.0.1:$lverify mode=verify
return_address = 127.0.0.1:$rport
workers = 2
key_table = $work/keytable
spool_directory = $work/spool
spool_threshold = 4k
dns_resolver = 127.0.0.1@$NSD_PORT
dns_trust_anchor = $work/dns/trust-anchors.ds
authserv_id = mx.ops.test
metrics_listen = 127.0.0.1:$mport
verbose = ${OPS_VERBOSE:-no}
EOF

$PY "$top/tests/lib/smtp_sink.py" --dir "$work/sink" --port "$rport" \
    > "$work/sink.log" 2>&1 &
sink_pid=$!
"$DKIMGATE" serve -f -c "$work/dkimgate.conf" > "$work/dkimgate.log" 2>&1 &
dg_pid=$!
wait_port "$rport" || die "sink not up"
for p in $lsign $lverify $mport; do
	wait_port "$p" 20 || die "dkimgate not listening on $p"
done

# the messages: CRLF, no line starting with a dot (known wire bytes)
msg() {
	local file=$1 from=$2 subject=$3 body=$4
	{
		[ -n "$from" ] && printf 'From: %s\r\n' "$from"
		printf 'To: b@example.net\r\nSubject: %s\r\n' "$subject"
		printf 'Message-ID: <%s@ops.test>\r\n\r\n' "$subject"
		printf '%s\r\n' "$body"
	} > "$work/msg/$file"
}
msg signed.eml a@$dom signed "a signed message"
msg big.eml a@$dom big "$(head -c 9000 /dev/zero | tr '\0' 'x' |
    fold -w 70 | sed 's/$/\r/' | tr -d '\n')"
msg nokey.eml a@elsewhere.test nokey "no key for this domain"
msg nofrom.eml "" nofrom "no From field"
msg v-base.eml a@$dom vbase "to be verified"
msg v-base2.eml a@$dom vbase2 "to be verified as well"
msg v-none.eml a@$dom vnone "never signed"
"$DKIMGATE" sign --domain $dom --selector rsa \
    --key "$work/keys/rsa.private" "$work/msg/v-base.eml" \
    > "$work/msg/v-pass.eml" || die "dkimgate sign"
"$DKIMGATE" sign --domain $dom --selector rsa \
    --key "$work/keys/rsa.private" "$work/msg/v-base2.eml" \
    > "$work/msg/v-pass2.eml" || die "dkimgate sign"
sed 's/to be verified/to be changed/' "$work/msg/v-pass.eml" \
    > "$work/msg/v-fail.eml"
grep -q $'^DKIM-Signature:.*\r$' "$work/msg/v-pass.eml" ||
    die "dkimgate sign did not keep CRLF"

m=$work/msg
cat > "$work/sign.list" <<EOF
s1 sender@$dom b@example.net $m/signed.eml
s1 sender@$dom b@example.net $m/big.eml
s2 sender@$dom b@example.net $m/nokey.eml
s3 sender@$dom b@example.net $m/nofrom.eml
EOF
cat > "$work/verify.list" <<EOF
v1 sender@$dom b@example.net $m/v-pass.eml
v1 sender@$dom b@example.net $m/v-fail.eml
v2 x@nospf.$dom b@example.net $m/v-none.eml
v2 x@nospf.$dom b@example.net $m/v-pass2.eml
EOF
$TOOL send "$lsign" "$work/sign.list" > "$work/send-sign.log" 2>&1 ||
    { cat "$work/send-sign.log"; die "sending to the sign listener"; }
$TOOL send "$lverify" "$work/verify.list" > "$work/send-verify.log" 2>&1 ||
    { cat "$work/send-verify.log"; die "sending to the verify listener"; }
sbytes=$(awk '{n += $4} END {print n}' "$work/send-sign.log")
vbytes=$(awk '{n += $4} END {print n}' "$work/send-verify.log")
nstored=$(find "$work/sink" -name '*.env' | wc -l)
[ "$nstored" = 8 ] || failed "sink holds $nstored messages, want 8"

# every message is logged before it is counted: wait for the 8 lines
msglines() {
	[ "$(grep -ac ' message queue_id=' "$work/dkimgate.log")" -ge 8 ]
}
t_wait_for 10 msglines || failed "fewer than 8 message log lines"

url=http://127.0.0.1:$mport/metrics
$TOOL scrape "$url" "$work/scrape1" > "$work/scrape1.log" 2>&1 ||
    { cat "$work/scrape1.log"; die "scrape"; }

S="listener=\"127.0.0.1:$lsign\",mode=\"sign\""
V="listener=\"127.0.0.1:$lverify\",mode=\"verify\""
cat > "$work/expect1" <<EOF
dkimgate_sessions_total{$S} == 3
dkimgate_sessions_total{$V} == 2
dkimgate_messages_total{$S,outcome="delivered"} == 4
dkimgate_messages_total{$V,outcome="delivered"} == 4
dkimgate_messages_total{$S,outcome="deferred"} == 0
dkimgate_messages_total{$S,outcome="other"} == 0
dkimgate_received_bytes_total{$S} == $sbytes
dkimgate_received_bytes_total{$V} == $vbytes
dkimgate_spooled_messages_total{$S} == 1
dkimgate_spooled_messages_total{$V} == 0
dkimgate_return_replies_total{$S,class="2xx"} == 4
dkimgate_return_replies_total{$V,class="2xx"} == 4
dkimgate_return_replies_total{$S,class="failure"} == 0
dkimgate_signing_total{$S,result="signed"} == 2
dkimgate_signing_total{$S,result="unsigned"} == 2
dkimgate_signatures_total{$S,algorithm="rsa-sha256"} == 2
dkimgate_signatures_total{$S,algorithm="ed25519-sha256"} == 2
dkimgate_results_total{$V,kind="dkim",result="pass"} == 2
dkimgate_results_total{$V,kind="dkim",result="fail"} == 1
dkimgate_results_total{$V,kind="dkim",result="none"} == 1
dkimgate_results_total{$V,kind="dkim",result="temperror"} == 0
dkimgate_results_total{$V,kind="spf",result="pass"} == 2
dkimgate_results_total{$V,kind="spf",result="none"} == 2
dkimgate_results_total{$V,kind="dmarc",result="pass"} == 3
dkimgate_results_total{$V,kind="dmarc",result="fail"} == 1
dkimgate_dns_lookups_total{dnssec="secure",status="ok"} > 0
dkimgate_dns_lookups_total{dnssec="bogus",status="bogus"} == 0
dkimgate_dns_lookup_duration_seconds_count >= 8
dkimgate_dns_lookup_duration_seconds_bucket{le="+Inf"} == dkimgate_dns_lookup_duration_seconds_count
dkimgate_worker_restarts_total == 0
dkimgate_start_time_seconds > 0
EOF
$TOOL expect "$work/scrape1" "$work/expect1" > "$work/expect1.log" 2>&1 ||
    { cat "$work/expect1.log"; failed "counters after the first messages"; }

# a page that is not /metrics
code=$($PY -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=10)
    print(200)
except urllib.error.HTTPError as e:
    print(e.code)
' "http://127.0.0.1:$mport/")
[ "$code" = 404 ] || failed "GET / answered $code, want 404"

# kill a worker: it is restarted, its counts stay, new ones add up
wpid=$(ps -o pid= --ppid "$dg_pid" | head -n 1 | tr -d ' ')
[ -n "$wpid" ] || die "no worker process found"
kill -KILL "$wpid"
restarted() {
	$TOOL scrape "$url" "$work/scrape-r" >/dev/null 2>&1 &&
	    grep -q '^dkimgate_worker_restarts_total 1.0$' "$work/scrape-r"
}
t_wait_for 15 restarted || failed "worker restart not counted"
grep -aq "worker .* killed by signal 9; restarting" "$work/dkimgate.log" ||
    failed "no restart log line"
workers2() {
	[ "$(ps -o pid= --ppid "$dg_pid" | wc -l)" -ge 2 ]
}
t_wait_for 15 workers2 || failed "the worker was not started again"
cat > "$work/sign2.list" <<EOF
s4 sender@$dom b@example.net $m/signed.eml
s4 sender@$dom b@example.net $m/nokey.eml
EOF
$TOOL send "$lsign" "$work/sign2.list" > "$work/send-sign2.log" 2>&1 ||
    { cat "$work/send-sign2.log"; die "sending after the restart"; }
sbytes2=$(awk '{n += $4} END {print n}' "$work/send-sign2.log")
msglines10() {
	[ "$(grep -ac ' message queue_id=' "$work/dkimgate.log")" -ge 10 ]
}
t_wait_for 10 msglines10 || failed "fewer than 10 message log lines"
$TOOL scrape "$url" "$work/scrape2" > "$work/scrape2.log" 2>&1 ||
    { cat "$work/scrape2.log"; die "second scrape"; }
$TOOL monotonic "$work/scrape1" "$work/scrape2" > "$work/mono.log" 2>&1 ||
    { cat "$work/mono.log"; failed "a counter went down"; }
cat > "$work/expect2" <<EOF
dkimgate_worker_restarts_total == 1
dkimgate_sessions_total{$S} == 4
dkimgate_messages_total{$S,outcome="delivered"} == 6
dkimgate_received_bytes_total{$S} == $((sbytes + sbytes2))
dkimgate_signing_total{$S,result="signed"} == 3
dkimgate_signing_total{$S,result="unsigned"} == 3
dkimgate_signatures_total{$S,algorithm="rsa-sha256"} == 3
dkimgate_results_total{$V,kind="dkim",result="pass"} == 2
EOF
$TOOL expect "$work/scrape2" "$work/expect2" > "$work/expect2.log" 2>&1 ||
    { cat "$work/expect2.log"; failed "counters after the restart"; }

nsamples=$(wc -l < "$work/scrape2")
summary="$(tail -n 1 "$work/expect1.log"); $(tail -n 1 "$work/mono.log");"
summary="$summary $nsamples samples"
# a sanitizer build reports memory errors in the daemon's log
if grep -aqE "ERROR: (Address|Leak)Sanitizer|runtime error:" \
    "$work/dkimgate.log"; then
	grep -aE -A5 "ERROR: (Address|Leak)Sanitizer|runtime error:" \
	    "$work/dkimgate.log" | head -20
	failed "sanitizer report in the daemon's log"
fi
if [ $fail = 0 ]; then
	echo "ops-metrics: PASS ($summary)"
	exit 0
fi
t_tail "$work/dkimgate.log" 30
echo "ops-metrics: FAIL ($summary)"
exit 1
