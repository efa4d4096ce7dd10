#!/bin/bash
# tests/ops/rotation.sh - key rotation without an outage, end to end.
#
# NSD serves the DNSSEC-signed zone rot.test with the record of the
# current key (s=2026-11) only. "dkimgate serve" signs with a key table
# in which s=2026-12 is the successor of s=2026-11 (successor-of=), with
# key_check_interval = 1s and rotation_overlap = 3s, while three
# persistent SMTP sessions send messages without pause. Then:
#   1. the successor's record is not published: the supervisor checks
#      (and says so) and no message is signed with s=2026-12;
#   2. the record is published (zone re-signed, NSD reloaded): after the
#      next check the successor takes over: for 3 s both keys sign, then
#      the new key alone; the sessions stay open throughout (no reload);
#   3. the new key is promoted in the key table (successor-of= dropped)
#      and dkimgate reloaded with SIGHUP: sessions of the old workers are
#      closed between transactions only, and signing goes on.
# Every message sent must arrive exactly once, signed, and every
# signature must verify with python3-dkim against NSD - those made with
# the old key after the switch too. The signing time (t=) of each message
# must fit the switch time the metrics endpoint reports. The metrics
# report each step.
#
# usage: DKIMGATE=/path/to/dkimgate tests/ops/rotation.sh
# KEEP=1 keeps the work directory. Exit 0 pass, 1 fail, 77 when a tool
# is missing; one summary line.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/common.sh"
. "$top/tests/lib/nsd.sh"
DKIMGATE=${DKIMGATE:-$top/dkimgate}
TOOL="$PY $here/ops_tool.py"
OLD=2026-11
NEW=2026-12
OVERLAP=3

skip() {
	echo "ops-rotation: SKIP: $*"
	exit 77
}
[ -x "$DKIMGATE" ] || skip "no dkimgate binary at $DKIMGATE"
nsd_have_tools || skip "nsd, ldns-keygen, ldns-signzone, dig or openssl missing"
command -v ss >/dev/null 2>&1 || skip "ss (iproute2) missing"
$PY -c 'import dkim, dns.resolver, prometheus_client.parser' 2>/dev/null ||
    skip "python3-dkim, python3-dnspython or python3-prometheus-client missing"

work=$(mktemp -d /tmp/ops-rotation.XXXXXX) || exit 1
chmod 755 "$work"
sink_pid=""
dg_pid=""
stream_pid=""
cleanup() {
	touch "$work/stop"
	[ -n "$stream_pid" ] && kill_wait "$stream_pid" TERM 30
	[ -n "$dg_pid" ] && kill_wait "$dg_pid" TERM 20
	[ -n "$sink_pid" ] && kill_wait "$sink_pid"
	nsd_stop "$work/dns"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "ops-rotation: kept $work"
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
	echo "ops-rotation: FAIL: $*"
	t_tail "$work/dkimgate.log" 30
	exit 1
}

dom=rot.test
mkdir -p "$work/keys" "$work/sink" "$work/spool"
chmod 777 "$work/sink"
chmod 1777 "$work/spool"
for s in $OLD $NEW; do
	"$DKIMGATE" keygen --domain $dom --selector "$s" --bits 1024 \
	    --directory "$work/keys" >/dev/null || die "keygen $s"
done

# a zone whose negative answers are cached for one second only (SOA
# minimum and TTL 1), so the published record is seen at once
zone_body() {
	echo "@ 1 IN SOA ns.$dom. hostmaster.$dom. ( $1 3600 600 86400 1 )"
	echo "@ IN NS ns.$dom."
	echo "ns IN A 127.0.0.1"
	shift
	for s in "$@"; do
		cat "$work/keys/$s.txt"
	done
}
zone_body 1 $OLD > "$work/zone1.body"
zone_body 2 $OLD $NEW > "$work/zone2.body"
nsd_setup "$work/dns" || die "nsd_setup"
nsd_add_zone "$work/dns" $dom signed "$work/zone1.body" || die "zone"
nsd_start "$work/dns" || die "nsd_start"

lport=$(port_pick)
rport=$(port_pick)
mport=$(port_pick)
cat > "$work/keytable" <<EOF
*@$dom $dom $OLD $work/keys/$OLD.private
*@$dom $dom $NEW $work/keys/$NEW.private successor-of=$OLD
EOF
cat > "$work/dkimgate.conf" <<EOF
listen = 127.0.0.1:$lport mode=sign
return_address = 127.0.0.1:$rport
workers = 2
key_table = $work/keytable
key_check_interval = 1s
rotation_overlap = ${OVERLAP}s
drain_timeout = 30s
spool_directory = $work/spool
dns_resolver = 127.0.0.1@$NSD_PORT
dns_trust_anchor = $work/dns/trust-anchors.ds
metrics_listen = 127.0.0.1:$mport
verbose = ${OPS_VERBOSE:-no}
EOF

$PY "$top/tests/lib/smtp_sink.py" --dir "$work/sink" --port "$rport" \
    > "$work/sink.log" 2>&1 &
sink_pid=$!
"$DKIMGATE" serve -f -c "$work/dkimgate.conf" > "$work/dkimgate.log" 2>&1 &
dg_pid=$!
wait_port "$rport" || die "sink not up"
wait_port "$lport" 20 || die "dkimgate not listening"
wait_port "$mport" 20 || die "no metrics endpoint"

url=http://127.0.0.1:$mport/metrics
scrape() {
	$TOOL scrape "$url" "$work/$1" > "$work/$1.log" 2>&1
}
# metric NAME{LABELS} - its value in the last scrape "now" (or empty)
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$work/now"
}
PAIR="domain=\"$dom\",selector=\"$OLD\",successor=\"$NEW\""
RL="dkimgate_key_rotation_state{$PAIR}"
ST="dkimgate_key_rotation_switch_time_seconds{$PAIR}"
stored() {
	find "$work/sink" -name '*.env' | wc -l
}

$TOOL stream "$lport" "$work" "$work/stop" 3 $dom \
    > "$work/stream.out" 2>&1 &
stream_pid=$!

# 1. not published: several checks say so, the old key signs
missing3() {
	scrape now && awk -v k='dkimgate_key_checks_total{result="missing"}' \
	    '$1 == k && $2 >= 3 { ok = 1 } END { exit !ok }' "$work/now"
}
t_wait_for 30 missing3 || die "no three checks of the unpublished record"
[ "$(metric "$RL")" = 0.0 ] ||
    failed "rotation state $(metric "$RL") before publication"
grep -aq "s=$NEW (successor of s=$OLD) waits: record missing" \
    "$work/dkimgate.log" || failed "no log line for the unpublished record"
some() {
	[ "$(stored)" -ge "$1" ]
}
t_wait_for 30 some 30 || die "messages do not arrive"
n_before=$(stored)

# 2. publish the record; the successor takes over at the next check
nsd_update_zone "$work/dns" $dom signed "$work/zone2.body" ||
    die "zone update"
visible() {
	dig +short +time=1 +tries=1 @127.0.0.1 -p "$NSD_PORT" \
	    "$NEW._domainkey.$dom" TXT | grep -q 'v=DKIM1'
}
t_wait_for 20 visible || die "NSD does not serve the new record"
switched() {
	grep -aq "s=$NEW takes over from s=$OLD" "$work/dkimgate.log"
}
t_wait_for 30 switched || die "the successor did not take over"
scrape during
overlapped() {
	grep -aq "s=$NEW: overlap over, s=$OLD no longer signs" \
	    "$work/dkimgate.log"
}
t_wait_for 30 overlapped || die "the overlap did not end"
n_switch=$(stored)
t_wait_for 30 some $((n_switch + 30)) || die "messages stopped arriving"
scrape now || die "scrape"
cp "$work/now" "$work/after"
cat > "$work/expect-after" <<EOF
$RL == 2
dkimgate_key_rotation_events_total{event="switch"} == 1
dkimgate_key_rotation_events_total{event="overlap-end"} == 1
dkimgate_key_rotation_events_total{event="revert"} == 0
dkimgate_key_record_match{domain="$dom",result="match",role="successor",selector="$NEW"} == 1
$ST > 0
dkimgate_key_checks_total{result="match"} >= 1
dkimgate_signing_total{listener="127.0.0.1:$lport",mode="sign",result="signed"} > 0
dkimgate_signing_total{listener="127.0.0.1:$lport",mode="sign",result="unsigned"} == 0
EOF
$TOOL expect "$work/after" "$work/expect-after" > "$work/expect-after.log" \
    2>&1 || { cat "$work/expect-after.log"; failed "rotation metrics"; }
t_switch=$(awk -v k="$ST" '$1 == k { printf "%d", $2 }' "$work/after")
t_hup=$(date +%s.%N)

# 3. promote the new key and reload: the old workers drain
cat > "$work/keytable.new" <<EOF
*@$dom $dom $NEW $work/keys/$NEW.private
EOF
mv "$work/keytable.new" "$work/keytable"
kill -HUP "$dg_pid"
reloaded() {
	grep -aq "reloaded: 2 worker(s)" "$work/dkimgate.log"
}
t_wait_for 20 reloaded || die "no reload"
n_hup=$(stored)
t_wait_for 30 some $((n_hup + 30)) || die "messages stopped after the reload"

touch "$work/stop"
wait "$stream_pid"
stream_rc=$?
stream_pid=""
[ $stream_rc = 0 ] || failed "the sender saw failed transactions:" \
    "$(grep -c ' fail ' "$work/stream.log")"

# every message sent and accepted arrived once
nok=$(grep -c ' ok 250$' "$work/stream.log")
n=$(stored)
[ "$nok" = "$n" ] || failed "$nok messages accepted, $n stored"
ndup=$(grep -h '^X-Seq:' "$work"/sink/*.eml | sort | uniq -d | wc -l)
[ "$ndup" = 0 ] || failed "$ndup messages stored twice"
# no session was closed before the reload (only the first connects)
early=$(awk -v t="$t_hup" '$4 == "reconnect" && $5 != "start" && $1 < t' \
    "$work/stream.log" | wc -l)
[ "$early" = 0 ] || failed "$early sessions reconnected before the reload"

# classify each stored message by the selectors of its signatures and
# check them against the time it was signed (t=) and the switch time
: > "$work/verify.list"
$PY - "$work/sink" "$n" "$n_before" "$t_switch" "$OVERLAP" "$OLD" "$NEW" \
    "$work/verify.list" > "$work/classify.log" 2>&1 <<'EOF' ||
import re, sys
sink, n, n_before, t_sw, ov, old, new, out = sys.argv[1:]
n, n_before, t_sw, ov = int(n), int(n_before), int(t_sw), int(ov)
bad = 0
counts = {"old": 0, "both": 0, "new": 0}
with open(out, "w") as lst:
    for i in range(1, n + 1):
        path = "%s/%06d.eml" % (sink, i)
        msg = open(path, "rb").read().decode()
        head = msg.split("\r\n\r\n", 1)[0]
        sigs = re.findall(r"^DKIM-Signature:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)",
                          head, re.M)
        sels, times = [], []
        for s in sigs:
            s = re.sub(r"\s+", "", s)
            sels.append(re.search(r"(?:^|;)s=([^;]*)", s).group(1))
            times.append(int(re.search(r"(?:^|;)t=([0-9]+)", s).group(1)))
        kind = {(old,): "old", (old, new): "both", (new,): "new"}.get(
            tuple(sels))
        if kind is None:
            print("BAD %s: selectors %s" % (path, sels))
            bad += 1
            continue
        counts[kind] += 1
        t = times[0]
        if i <= n_before and kind != "old":
            print("BAD %s (before publication): %s" % (path, kind))
            bad += 1
        if t < t_sw and kind != "old":
            print("BAD %s signed at %d before the switch (%d): %s" % (
                path, t, t_sw, kind))
            bad += 1
        if t > t_sw and t < t_sw + ov - 1 and kind != "both":
            print("BAD %s signed at %d in the overlap: %s" % (path, t, kind))
            bad += 1
        if t > t_sw + ov and kind != "new":
            print("BAD %s signed at %d after the overlap: %s" % (path, t,
                                                                 kind))
            bad += 1
        lst.write("%s pass %d\n" % (path, len(sels)))
print("classify: %d old, %d both, %d new, %d wrong" % (
    counts["old"], counts["both"], counts["new"], bad))
sys.exit(1 if bad or not all(counts.values()) else 0)
EOF
    { head -n 20 "$work/classify.log"
	failed "signatures do not follow the rotation"; }

# every signature verifies, old ones included, against NSD
$PY "$top/tests/interop/verify_dkimpy.py" "$NSD_PORT" "$work/verify.list" \
    > "$work/dkimpy.log" 2>&1 ||
    { grep '^BAD' "$work/dkimpy.log" | head -10; failed "python3-dkim"; }

for line in "s=$NEW (successor of s=$OLD) waits: record missing" \
    "s=$NEW takes over from s=$OLD: its record is published and matches" \
    "(DNSSEC secure); s=$OLD signs as well for $OVERLAP s" \
    "s=$NEW: overlap over, s=$OLD no longer signs" "reloaded: 2 worker(s)"; do
	grep -aqF "$line" "$work/dkimgate.log" ||
	    failed "no log line: $line"
done

summary="$n messages, $(tail -n 1 "$work/classify.log");"
summary="$summary $(tail -n 1 "$work/dkimpy.log")"
# a sanitizer build reports memory errors in the daemon's log
if grep -aqE "ERROR: (Address|Leak)Sanitizer|runtime error:" \
    "$work/dkimgate.log"; then
	grep -aE -A5 "ERROR: (Address|Leak)Sanitizer|runtime error:" \
	    "$work/dkimgate.log" | head -20
	failed "sanitizer report in the daemon's log"
fi
if [ $fail = 0 ]; then
	echo "ops-rotation: PASS ($summary)"
	exit 0
fi
t_tail "$work/dkimgate.log" 30
echo "ops-rotation: FAIL ($summary)"
exit 1
