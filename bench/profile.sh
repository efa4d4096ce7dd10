#!/bin/bash
# bench/profile.sh - where dkimgate's CPU goes for one benchmark cell.
#
# usage: bench/profile.sh [--build DIR] [--dkimgate F] MODE SIZE [COUNT]
#
#   MODE   pass | sign-rsa | sign-ed | sign-both | verify-rsa | verify-ed
#   SIZE   4k | 100k | 25m
#   COUNT  messages to send (default 2000 for 4k, 300 for 100k, 3 for 25m)
#
# Runs the cell three ways against one dkimgate worker (workers = 1),
# smtp-source -> dkimgate -> smtp-sink on loopback, as bench/run.sh does:
#   1. plain: user and system CPU per message from /proc (utime, stime),
#      which says how much of the cost is the kernel's (the relay's
#      system calls) and how much is dkimgate's own code and OpenSSL;
#   2. strace -c: system calls per message, by call;
#   3. valgrind --tool=callgrind: instructions per message by function,
#      user space only (perf is the better tool where hardware counters
#      exist: this script is for machines where `perf stat -e
#      instructions true` does not work, such as this VM).
# Prints the three summaries; keeps everything in a temporary directory
# that it names at the end.  Needs root, smtp-source, smtp-sink, strace,
# valgrind (callgrind_annotate); verify modes also need NSD's tools.
#
# "A && B || t_fail ..." below means "fail unless both worked" (SC2015).
# shellcheck disable=SC2015 source-path=SCRIPTDIR/..
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PY=/usr/bin/python3

# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
# shellcheck source=tests/lib/postfix.sh
. "$top/tests/lib/postfix.sh"
# shellcheck source=tests/lib/nsd.sh
. "$top/tests/lib/nsd.sh"

BUILD=${BENCH_BUILD:-/tmp/build-bench}
DKIMGATE=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift ;;
	--dkimgate) DKIMGATE=$2; shift ;;
	-*) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 2 ] || { sed -n '2,/^# "A &&/p' "$0" | sed '$d;s/^# \{0,1\}//'
	exit 2; }
MODE=$1
SIZE=$2
case $SIZE in
4k) BYTES=4096 COUNT=${3:-2000} WARM=50 ;;
100k) BYTES=102400 COUNT=${3:-300} WARM=10 ;;
25m) BYTES=26214400 COUNT=${3:-3} WARM=1 ;;
*) echo "profile.sh: SIZE is 4k, 100k or 25m" >&2; exit 2 ;;
esac
: "${DKIMGATE:=$BUILD/dkimgate}"
export DKIMGATE
[ -x "$DKIMGATE" ] || t_fail "no dkimgate at $DKIMGATE (run bench/run.sh" \
    "once, or give --dkimgate)"
[ "$(id -u)" = 0 ] || t_skip "needs root"
t_need smtp-source smtp-sink strace valgrind callgrind_annotate

case $MODE in
pass) FROM=bench@pass.bench.test ;;
sign-rsa|verify-rsa) FROM=bench@rsa.bench.test ;;
sign-ed|verify-ed) FROM=bench@ed.bench.test ;;
sign-both) FROM=bench@both.bench.test ;;
*) echo "profile.sh: unknown MODE $MODE" >&2; exit 2 ;;
esac

W=$(mktemp -d /tmp/dkimgate-profile.XXXXXX) || exit 1
chmod 755 "$W"
SINK_PID=""
# cleanup - stop everything started here, by PID (called by the trap)
# shellcheck disable=SC2317
cleanup() {
	[ -d "$W/dg" ] && dg_stop "$W/dg"
	[ -n "$SINK_PID" ] && kill_wait "$SINK_PID" TERM 5
	nsd_stop "$W/dns"
	t_log "kept $W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$W/keys" "$W/spool" "$W/dg"
chmod 1777 "$W/spool"
chmod 755 "$W/dg"
"$DKIMGATE" keygen --domain rsa.bench.test --selector rsa \
    --directory "$W/keys" >/dev/null &&
    "$DKIMGATE" keygen --domain ed.bench.test --selector ed --type ed25519 \
    --directory "$W/keys" >/dev/null || t_fail "keygen"
cat >"$W/keytable" <<EOF
*@rsa.bench.test   rsa.bench.test   rsa  $W/keys/rsa.private
*@ed.bench.test    ed.bench.test    ed   $W/keys/ed.private
*@both.bench.test  both.bench.test  rsa  $W/keys/rsa.private
*@both.bench.test  both.bench.test  ed   $W/keys/ed.private
EOF
"$PY" "$here/mkmsg.py" "$BYTES" rcpt@sink.test "$W/msg.eml:$FROM" ||
    t_fail "mkmsg.py"
DNS=""
case $MODE in
verify-rsa)
	"$DKIMGATE" sign --domain rsa.bench.test --selector rsa \
	    --key "$W/keys/rsa.private" "$W/msg.eml" >"$W/signed.eml" ;;
verify-ed)
	"$DKIMGATE" sign --domain ed.bench.test --selector ed \
	    --key "$W/keys/ed.private" --algorithm ed25519-sha256 \
	    "$W/msg.eml" >"$W/signed.eml" ;;
esac
case $MODE in
verify-*)
	mv "$W/signed.eml" "$W/msg.eml"
	nsd_have_tools || t_skip "needs nsd, ldns-signzone, dig"
	nsd_setup "$W/dns" || exit 1
	: >"$W/zone.body"
	nsd_add_dkim_key "$W/zone.body" rsa rsa.bench.test \
	    "$W/keys/rsa.private" rsa &&
	    nsd_add_dkim_key "$W/zone.body" ed ed.bench.test \
	    "$W/keys/ed.private" ed25519 &&
	    nsd_add_zone "$W/dns" bench.test signed "$W/zone.body" &&
	    nsd_start "$W/dns" || t_fail "NSD"
	T_PICKED_PORTS="$T_PICKED_PORTS$NSD_PORT "
	DNS="dns_resolver = 127.0.0.1@$NSD_PORT
dns_trust_anchor = $W/dns/trust-anchors.ds"
	LMODE=verify ;;
pass) LMODE=pass ;;
*) LMODE=sign ;;
esac

SINK_PORT=$(port_pick)
PORT=$(port_pick)
smtp-sink -c -m 4000 -u nobody "127.0.0.1:$SINK_PORT" 1024 \
    >"$W/sink.out" 2>&1 &
SINK_PID=$!
wait_port "$SINK_PORT" 10 || t_fail "smtp-sink did not start"
cat >"$W/dg/dkimgate.conf" <<EOF
listen = 127.0.0.1:$PORT mode=$LMODE
return_address = 127.0.0.1:$SINK_PORT
workers = 1
user = nobody
myhostname = bench.test
key_table = $W/keytable
spool_directory = $W/spool
spf_enable = no
dmarc_enable = no
$DNS
EOF

# send N SESSIONS - the cell's traffic, many messages per session
send() {
	smtp-source -d -s "$2" -m "$1" -f "$FROM" -t rcpt@sink.test \
	    -F "$W/msg.eml" "127.0.0.1:$PORT" >>"$W/source.log" 2>&1 ||
	    t_fail "smtp-source failed (see $W/source.log)"
}
sess=10
[ "$SIZE" = 25m ] && sess=1

# 1. plain run: user and system time of the worker
dg_start "$W/dg" "$W/dg/dkimgate.conf" || t_fail "dkimgate did not start"
pid=$(dg_pid "$W/dg")
send "$WARM" 1
worker=$(pgrep -P "$pid" | head -n 1)
read -r u0 s0 <<<"$(awk '{print $14, $15}' "/proc/$worker/stat")"
send "$COUNT" "$sess"
read -r u1 s1 <<<"$(awk '{print $14, $15}' "/proc/$worker/stat")"
tick=$(getconf CLK_TCK)
echo "== $MODE $SIZE: $COUNT messages, $sess sessions, 1 worker"
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="$COUNT" -v t="$tick" 'BEGIN {
	printf "CPU per message: user %.3f ms, system %.3f ms, total %.3f ms\n",
	    u * 1000 / t / n, s * 1000 / t / n, (u + s) * 1000 / t / n }'

# 2. system calls per message
strace -c -f -p "$worker" -o "$W/strace.txt" 2>"$W/strace.err" &
spid=$!
t_wait_for 10 grep -q attached "$W/strace.err" || t_fail "strace did not attach"
send "$COUNT" "$sess"
kill -INT "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
echo "== system calls per message (strace -c)"
awk -v n="$COUNT" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
	printf "  %-14s %7.1f\n", $NF, $4 / n; tot += $4 }
	END { printf "  %-14s %7.1f\n", "total", tot / n }' "$W/strace.txt"
dg_stop "$W/dg"

# 3. callgrind: user-space instructions by function.  The worker is
# forked, not exec'd, so valgrind follows it and writes one file per
# process when it exits, as user nobody: into a directory nobody may
# write.
mkdir -p "$W/cg"
chmod 1777 "$W/cg"
DKIMGATE_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$W/cg/cg.%p" \
    dg_start "$W/dg" "$W/dg/dkimgate.conf" ||
    t_fail "dkimgate under valgrind did not start"
pid=$(dg_pid "$W/dg")
send "$WARM" 1
send "$COUNT" "$sess"
dg_stop "$W/dg"
# the worker's file is the one with the most instructions
cg=$(grep -H '^totals:' "$W"/cg/cg.* | sort -t' ' -k2 -n | tail -n 1 |
    cut -d: -f1)
echo "== callgrind, user space ($cg; start-up and $WARM warm-up" \
    "message(s) included)"
callgrind_annotate --inclusive=no "$cg" 2>/dev/null |
    awk '/^-+$/ { n++ } n >= 4 && NF > 0 && !/^-/' | head -n 25
echo "== inclusive"
callgrind_annotate --inclusive=yes "$cg" 2>/dev/null |
    awk '/^-+$/ { n++ } n >= 4 && NF > 0 && !/^-/' |
    grep -v '???:0x' | head -n 40
