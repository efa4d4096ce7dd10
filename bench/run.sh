#!/bin/bash
# bench/run.sh - dkimgate benchmarks (one command: build if needed, run,
# write bench/results/latest.{md,png,raw}).
#
# usage: bench/run.sh [--quick] [--reps N] [--build DIR] [--out DIR]
#                     [--sections LIST] [--dkimgate FILE] [--keep]
#
#   --quick      small message counts, two repetitions (1-3 minutes); the
#                default full run takes 5-10 minutes on a 2-CPU machine
#   --reps N     repetitions of every timed cell (medians are quoted)
#   --build DIR  out-of-tree build directory (default /tmp/build-bench);
#                configured (without sanitizers, -O2) and built when the
#                dkimgate binary is missing or older than a source file
#   --out DIR    where the results go (default: bench/results in the tree)
#   --sections   comma list of: core (throughput/CPU/RSS per mode, size
#                and session style), latency, dnslat (verification with
#                a DNS server that answers in 20 ms), scale (1 vs 2
#                workers), memory (idle sessions, 25 MB message), system
#                (Postfix + dkimgate vs Postfix + OpenDKIM, before-queue
#                proxy); default all
#   --dkimgate F use the dkimgate binary F as it is (no build)
#   --keep       keep the work directory (logs, configs) for inspection
#
# What runs, all on loopback: Postfix's smtp-source -> dkimgate ->
# Postfix's smtp-sink, in pass, sign (RSA-2048, Ed25519, both) and
# verify (RSA-2048, Ed25519; keys served by NSD from a DNSSEC-signed zone,
# tests/lib/nsd.sh; the resolver cache is warmed first) modes; `openssl
# speed` for the same primitives; bench/smtp-lat for the latency that
# dkimgate adds, also with a DNS server that answers in 20 ms
# (tests/fault/dns_proxy.py in front of NSD); private Postfix instances (tests/lib/postfix.sh) and
# Debian's OpenDKIM for the whole-system comparison.  CPU time comes from
# /proc (utime+stime of the whole process tree, bench/proctree.py).
#
# This is a benchmark, not a test: it never fails on a number.  It exits
# 1 only when something did not work (a message not delivered, a daemon
# that did not start) and 77 when a tool is missing or it is not root.
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

QUICK=0
REPS=""
BUILD=${BENCH_BUILD:-/tmp/build-bench}
OUT=$here/results
SECTIONS=core,latency,dnslat,scale,memory,system
KEEP=0
DKIMGATE_BIN=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--reps) REPS=$2; shift ;;
	--build) BUILD=$2; shift ;;
	--out) OUT=$2; shift ;;
	--sections) SECTIONS=$2; shift ;;
	--keep) KEEP=1 ;;
	--dkimgate) DKIMGATE_BIN=$2; shift ;;
	-h|--help) sed -n '2,/^# "A &&/p' "$0" | sed '$d;s/^# \{0,1\}//'
		exit 0 ;;
	*) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

# message counts per cell: [size] one-per-session, many-per-session,
# parallel sessions; latency samples per size
if [ "$QUICK" = 1 ]; then
	: "${REPS:=2}"
	N_4K_ONE=300 N_4K_MANY=600 N_100K=80 N_25M=1
	L_4K=300 L_100K=60 L_25M=1
	N_SCALE=600 N_SYS=400 SPEED_SECS=1 IDLE_LIST="500"
else
	: "${REPS:=3}"
	N_4K_ONE=1500 N_4K_MANY=3000 N_100K=300 N_25M=4
	L_4K=1000 L_100K=200 L_25M=3
	N_SCALE=2500 N_SYS=1500 SPEED_SECS=2 IDLE_LIST="500 1000"
fi
SESS=10		# parallel smtp-source sessions for 4 KB and 100 KB
SESS_25M=$(( N_25M > 1 ? 2 : 1 ))	# and for 25 MB
SESS_SYS=20	# smtp-source sessions into Postfix

has_section() {
	case ",$SECTIONS," in *",$1,"*) return 0 ;; esac
	return 1
}

# --- prerequisites -----------------------------------------------------

[ "$(id -u)" = 0 ] || t_skip "run.sh needs root (private Postfix, NSD)"
for t in smtp-source smtp-sink postfix postconf gnuplot openssl ss; do
	command -v "$t" >/dev/null 2>&1 || t_skip "needs $t"
done
nsd_have_tools || t_skip "needs nsd, ldns-keygen, ldns-signzone, dig"
if has_section dnslat; then
	"$PY" -c 'import dns.asyncquery' 2>/dev/null ||
	    t_skip "needs python3-dnspython (section dnslat)"
fi
if has_section system; then
	command -v opendkim >/dev/null 2>&1 || [ -x /usr/sbin/opendkim ] ||
	    t_skip "needs opendkim (Debian package opendkim)"
fi

# --- build -------------------------------------------------------------

# build_needed - true when the dkimgate binary is missing or older than
# a source file or the build system
build_needed() {
	[ -x "$BUILD/dkimgate" ] || return 0
	[ -n "$(find "$top/src" "$top/Makefile.am" "$top/configure.ac" \
	    "$top/mk" -newer "$BUILD/dkimgate" -print -quit)" ]
}

if [ -n "$DKIMGATE_BIN" ]; then
	[ -x "$DKIMGATE_BIN" ] || t_fail "$DKIMGATE_BIN is not executable"
elif build_needed; then
	t_log "building dkimgate in $BUILD"
	if [ ! -x "$top/configure" ] ||
	    [ "$top/configure.ac" -nt "$top/configure" ]; then
		(cd "$top" && autoreconf -fi) >/dev/null 2>&1 ||
		    t_fail "autoreconf failed"
	fi
	mkdir -p "$BUILD" || exit 1
	if [ ! -f "$BUILD/Makefile" ]; then
		(cd "$BUILD" && "$top/configure" >configure.out 2>&1) ||
		    { tail -n 20 "$BUILD/configure.out"
		    t_fail "configure failed"; }
	fi
	(cd "$BUILD" && make -j"$(nproc)" dkimgate >make.out 2>&1) ||
	    { tail -n 20 "$BUILD/make.out"; t_fail "make failed"; }
fi
DKIMGATE=${DKIMGATE_BIN:-$BUILD/dkimgate}
export DKIMGATE
LAT=$BUILD/bench/smtp-lat
mkdir -p "$BUILD/bench"
if [ ! -x "$LAT" ] || [ "$here/smtp_lat.c" -nt "$LAT" ]; then
	${CC:-cc} -O2 -Wall -Wextra -Wformat=2 -Wmissing-prototypes \
	    -Wstrict-prototypes -Wshadow -Werror -o "$LAT" \
	    "$here/smtp_lat.c" || t_fail "cannot compile bench/smtp_lat.c"
fi

# the file descriptor budget of everything started here: two sockets
# per session, 1000+ idle sessions
ulimit -n 65536 2>/dev/null || ulimit -n 8192

# --- work directory and cleanup ----------------------------------------

W=$(mktemp -d /tmp/dkimgate-bench.XXXXXX) || exit 1
chmod 755 "$W"
RAW=$W/raw.txt
: >"$RAW"
SINK_PIDS=""
OD_PID=""
IDLE_PID=""
DNSP_PID=""
PF_UP=0

# cleanup - stop everything started here, by PID (called by the trap)
# shellcheck disable=SC2317
cleanup() {
	local p
	[ -n "$IDLE_PID" ] && kill_wait "$IDLE_PID" TERM 5
	[ -n "$DNSP_PID" ] && kill_wait "$DNSP_PID" TERM 5
	for d in "$W"/dg-*; do
		[ -d "$d" ] && dg_stop "$d"
	done
	[ "$PF_UP" = 1 ] && pf_stop "$W" pf
	[ -n "$OD_PID" ] && kill_wait "$OD_PID" TERM 10
	for p in $SINK_PIDS; do
		kill_wait "$p" TERM 5
	done
	nsd_stop "$W/dns"
	if [ "$KEEP" = 1 ]; then
		t_log "kept $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# record - append one measurement line (key=value pairs) to the raw file
record() {
	echo "$*" >>"$RAW"
}

# ms_now - monotonic-enough wall clock in milliseconds
ms_now() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# tree_cpu - CPU milliseconds of the process trees rooted at the PIDs
tree_cpu() {
	"$PY" "$here/proctree.py" cpu "$@"
}

# fsub A B - A minus B for decimal numbers
fsub() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'
}

# machine_ticks - "BUSY TOTAL" clock ticks of all CPUs since boot
# (/proc/stat).  Idle and iowait are not busy, and neither is time of
# niced processes (the "nice" column): background jobs at nice 19 soak
# up every idle cycle but yield to the benchmark at once, so counting
# them would show the machine saturated when it is not.
machine_ticks() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $3 - $5 - $6, t; exit }' /proc/stat
}

# busy B0 A0 B1 A1 - CPUs the machine kept busy between two
# machine_ticks readings
busy() {
	awk -v b=$(($3 - $1)) -v a=$(($4 - $2)) -v n="$(nproc)" \
	    'BEGIN { printf "%.3f", a ? n * b / a : 0 }'
}

# tree_mem - "rss_kb=.. hwm_sum_kb=.. hwm_max_kb=.." of the trees
tree_mem() {
	"$PY" "$here/proctree.py" mem "$@"
}

# tree_reset - reset the peak RSS of the trees
tree_reset() {
	"$PY" "$here/proctree.py" reset "$@"
}

# kv - print the value of KEY in a "k=v k=v" string
kv() {
	local k
	for k in $2; do
		case $k in "$1="*) echo "${k#*=}"; return ;; esac
	done
}

# sink_start_bench NAME PORT - smtp-sink with a message counter (-c) on
# 127.0.0.1:PORT; its PID goes to $W/NAME.pid
sink_start_bench() {
	smtp-sink -c -m 4000 -u nobody "127.0.0.1:$2" 1024 >"$W/$1.out" 2>&1 &
	echo $! >"$W/$1.pid"
	SINK_PIDS="$SINK_PIDS $!"
	wait_port "$2" 10 || t_fail "smtp-sink $1 did not start"
}

# sink_mesg NAME - messages the sink has received so far
sink_mesg() {
	local m
	m=$(tail -c 200 "$W/$1.out" 2>/dev/null | tr '\r' '\n' |
	    sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1)
	echo "${m:-0}"
}

# sink_reached NAME N - true once the sink has received N messages
# (called through t_wait_for)
# shellcheck disable=SC2317
sink_reached() {
	[ "$(sink_mesg "$1")" -ge "$2" ]
}

# --- machine and versions ----------------------------------------------

{
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null)"
	echo "dirty=$(git -C "$top" status --porcelain -- src 2>/dev/null |
	    wc -l)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	    head -n 1)"
	echo "ncpu=$(nproc)"
	echo "kernel=$(uname -r)"
	echo "openssl=$(openssl version | cut -d' ' -f2)"
	echo "postfix=$(postconf -h mail_version 2>/dev/null)"
	echo "opendkim=$( (opendkim -V 2>/dev/null || /usr/sbin/opendkim -V) |
	    sed -n '1s/.*v\([0-9][^ ]*\).*/\1/p')"
	echo "libevent=$(pkg-config --modversion libevent_core 2>/dev/null)"
	echo "libunbound=$(pkg-config --modversion libunbound 2>/dev/null)"
	echo "quick=$QUICK"
	echo "reps=$REPS"
	echo "sess=$SESS"
	echo "sess_25m=$SESS_25M"
	echo "sess_sys=$SESS_SYS"
	echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$W/meta.txt"

# --- openssl speed -----------------------------------------------------

t_log "openssl speed (-seconds $SPEED_SECS)"
openssl speed -seconds "$SPEED_SECS" -mr -evp sha256 \
    >"$W/speed-sha256.txt" 2>&1 || t_fail "openssl speed sha256"
openssl speed -seconds "$SPEED_SECS" -mr rsa2048 \
    >"$W/speed-rsa2048.txt" 2>&1 || t_fail "openssl speed rsa2048"
openssl speed -seconds "$SPEED_SECS" -mr ed25519 \
    >"$W/speed-ed25519.txt" 2>&1 || t_fail "openssl speed ed25519"

# --- keys, DNS, messages -----------------------------------------------

t_log "keys, DNSSEC zone (NSD), messages"
mkdir -p "$W/keys" "$W/msg" "$W/spool"
chmod 1777 "$W/spool"
"$DKIMGATE" keygen --domain rsa.bench.test --selector rsa \
    --directory "$W/keys" >/dev/null &&
    "$DKIMGATE" keygen --domain ed.bench.test --selector ed --type ed25519 \
    --directory "$W/keys" >/dev/null || t_fail "dkimgate keygen"
cat >"$W/keytable" <<EOF
*@rsa.bench.test   rsa.bench.test   rsa  $W/keys/rsa.private
*@ed.bench.test    ed.bench.test    ed   $W/keys/ed.private
*@both.bench.test  both.bench.test  rsa  $W/keys/rsa.private
*@both.bench.test  both.bench.test  ed   $W/keys/ed.private
EOF
nsd_setup "$W/dns" || t_fail "nsd_setup"
: >"$W/zone.body"
nsd_add_dkim_key "$W/zone.body" rsa rsa.bench.test "$W/keys/rsa.private" rsa &&
    nsd_add_dkim_key "$W/zone.body" ed ed.bench.test "$W/keys/ed.private" \
    ed25519 || t_fail "nsd_add_dkim_key"
# the same RSA key as selector rsa0 with TTL 0: no resolver caches it, so
# every message verified with it waits for the DNS server (section dnslat)
nsd_dkim_record rsa0 rsa.bench.test "$W/keys/rsa.private" rsa |
    sed 's/\. IN TXT /. 0 IN TXT /' >>"$W/zone.body" ||
    t_fail "nsd_dkim_record rsa0"
nsd_add_zone "$W/dns" bench.test signed "$W/zone.body" ||
    t_fail "nsd_add_zone"
nsd_start "$W/dns" || t_fail "nsd_start"
T_PICKED_PORTS="$T_PICKED_PORTS$NSD_PORT "

SIZES="4k 100k 25m"
# size_bytes SIZE - wire size of the messages of class SIZE
size_bytes() {
	case $1 in
	4k) echo 4096 ;;
	100k) echo 102400 ;;
	25m) echo 26214400 ;;
	esac
}
# mode_from MODE - the envelope and From: sender used in MODE
mode_from() {
	case $1 in
	pass) echo "bench@pass.bench.test" ;;
	sign-rsa|verify-rsa) echo "bench@rsa.bench.test" ;;
	sign-ed|verify-ed) echo "bench@ed.bench.test" ;;
	sign-both) echo "bench@both.bench.test" ;;
	esac
}
RCPT=rcpt@sink.test
for size in $SIZES; do
	"$PY" "$here/mkmsg.py" "$(size_bytes "$size")" "$RCPT" \
	    "$W/msg/pass-$size.eml:$(mode_from pass)" \
	    "$W/msg/sign-rsa-$size.eml:$(mode_from sign-rsa)" \
	    "$W/msg/sign-ed-$size.eml:$(mode_from sign-ed)" \
	    "$W/msg/sign-both-$size.eml:$(mode_from sign-both)" ||
	    t_fail "mkmsg.py"
	# verify messages: signed once by "dkimgate sign", then sent as is
	"$DKIMGATE" sign --domain rsa.bench.test --selector rsa \
	    --key "$W/keys/rsa.private" "$W/msg/sign-rsa-$size.eml" \
	    >"$W/msg/verify-rsa-$size.eml" &&
	    "$DKIMGATE" sign --domain rsa.bench.test --selector rsa0 \
	    --key "$W/keys/rsa.private" "$W/msg/sign-rsa-$size.eml" \
	    >"$W/msg/verify-rsa0-$size.eml" &&
	    "$DKIMGATE" sign --domain ed.bench.test --selector ed \
	    --key "$W/keys/ed.private" --algorithm ed25519-sha256 \
	    "$W/msg/sign-ed-$size.eml" >"$W/msg/verify-ed-$size.eml" ||
	    t_fail "dkimgate sign (verify messages)"
done

# --- dkimgate and the sink ---------------------------------------------

SINK_PORT=$(port_pick)
P_PASS=$(port_pick)
P_SIGN=$(port_pick)
P_VERIFY=$(port_pick)
sink_start_bench sink "$SINK_PORT"
SINK_PID=$(cat "$W/sink.pid")

# dg_write_conf DIR WORKERS LISTEN RETURN - a dkimgate.conf for the
# benchmark; DG_RESOLVER replaces NSD as the DNS server
dg_write_conf() {
	mkdir -p "$1" && chmod 755 "$1"
	cat >"$1/dkimgate.conf" <<EOF
listen = $3
return_address = 127.0.0.1:$4
workers = $2
user = nobody
myhostname = bench.test
authserv_id = bench.test
max_sessions = 5000
key_table = $W/keytable
spool_directory = $W/spool
dns_resolver = ${DG_RESOLVER:-127.0.0.1@$NSD_PORT}
dns_trust_anchor = $W/dns/trust-anchors.ds
spf_enable = no
dmarc_enable = no
EOF
}

# dg_up NAME WORKERS LISTEN [RETURN] - start a dkimgate instance in
# $W/dg-NAME that hands messages to port RETURN (default: the sink)
dg_up() {
	dg_write_conf "$W/dg-$1" "$2" "$3" "${4:-$SINK_PORT}"
	"$DKIMGATE" check-config -c "$W/dg-$1/dkimgate.conf" \
	    >"$W/dg-$1/check.out" 2>&1 ||
	    { cat "$W/dg-$1/check.out"; t_fail "dkimgate check-config"; }
	dg_start "$W/dg-$1" "$W/dg-$1/dkimgate.conf" ||
	    t_fail "dkimgate $1 did not start"
}

dg_up main 2 "127.0.0.1:$P_PASS mode=pass, 127.0.0.1:$P_SIGN mode=sign, \
127.0.0.1:$P_VERIFY mode=verify"
DG_PID=$(dg_pid "$W/dg-main")

# mode_port MODE - the listener of the main instance for MODE
mode_port() {
	case $1 in
	pass) echo "$P_PASS" ;;
	sign-*) echo "$P_SIGN" ;;
	verify-*) echo "$P_VERIFY" ;;
	esac
}

# cell_counts SIZE STYLE - "MESSAGES SESSIONS" of a throughput cell
cell_counts() {
	case $1/$2 in
	4k/one) echo "$N_4K_ONE $SESS" ;;
	4k/many) echo "$N_4K_MANY $SESS" ;;
	100k/*) echo "$N_100K $SESS" ;;
	25m/*) echo "$N_25M $SESS_25M" ;;
	esac
}

# source_run PORT FILE FROM N SESSIONS STYLE - run smtp-source, print
# "WALL_S USER_S SYS_S" of it; status is smtp-source's
source_run() {
	local d=""
	[ "$6" = many ] && d=-d
	local TIMEFORMAT='%R %U %S'
	{ time smtp-source $d -s "$5" -m "$4" -f "$3" -t "$RCPT" -F "$2" \
	    "127.0.0.1:$1" >>"$W/source.log" 2>&1; } 2>&1
}

# tput_cell TAG MODE SIZE STYLE REP DGPID PORT [N SESS] - one timed
# smtp-source run through dkimgate; appends a kind=tput record
tput_cell() {
	local tag=$1 mode=$2 size=$3 style=$4 rep=$5 pid=$6 port=$7
	local n s c0 c1 k0 k1 m0 m1 t rc mem ok=1 wall usr sys b0 b1 a0 a1
	read -r n s <<<"$(cell_counts "$size" "$style")"
	n=${8:-$n}
	s=${9:-$s}
	tree_reset "$pid" "$SINK_PID"
	m0=$(sink_mesg sink)
	read -r c0 k0 <<<"$("$PY" "$here/proctree.py" cpu-each "$pid" \
	    "$SINK_PID")"
	read -r b0 a0 <<<"$(machine_ticks)"
	t=$(source_run "$port" "$W/msg/$mode-$size.eml" "$(mode_from "$mode")" \
	    "$n" "$s" "$style")
	rc=$?
	read -r b1 a1 <<<"$(machine_ticks)"
	read -r c1 k1 <<<"$("$PY" "$here/proctree.py" cpu-each "$pid" \
	    "$SINK_PID")"
	mem=$(tree_mem "$pid")
	t_wait_for 10 sink_reached sink $((m0 + n)) || true
	m1=$(sink_mesg sink)
	if [ "$rc" != 0 ] || [ $((m1 - m0)) != "$n" ]; then
		ok=0
		echo "FAILED: $tag $mode $size $style rep $rep: smtp-source" \
		    "rc=$rc, sink got $((m1 - m0)) of $n" >&2
		tail -n 3 "$W/source.log" >&2
	fi
	read -r wall usr sys <<<"$t"
	record "kind=$tag mode=$mode size=$size style=$style rep=$rep" \
	    "msgs=$n sess=$s wall_s=$wall" \
	    "src_cpu_ms=$(awk -v u="$usr" -v s="$sys" 'BEGIN { print (u + s) * 1000 }')" \
	    "dg_cpu_ms=$(fsub "$c1" "$c0") sink_cpu_ms=$(fsub "$k1" "$k0")" \
	    "$mem machine_busy=$(busy "$b0" "$a0" "$b1" "$a1") ok=$ok"
	[ "$ok" = 1 ]
}

MODES="pass sign-rsa sign-ed sign-both verify-rsa verify-ed"
FAILS=0

# warm-up: every worker loads its code paths, the resolver caches of both
# workers get the DNSKEY chain and the keys (cache warm, as the task says)
t_log "warm-up (resolver caches of every worker)"
for m in $MODES; do
	source_run "$(mode_port "$m")" "$W/msg/$m-4k.eml" "$(mode_from "$m")" \
	    100 8 one >/dev/null || t_fail "warm-up $m failed"
done

# --- core: throughput, CPU, RSS ----------------------------------------

if has_section core; then
	for rep in $(seq 1 "$REPS"); do
		t_log "core: repetition $rep of $REPS"
		for size in $SIZES; do
			for m in $MODES; do
				for style in one many; do
					tput_cell tput "$m" "$size" "$style" \
					    "$rep" "$DG_PID" "$(mode_port "$m")" ||
					    FAILS=$((FAILS + 1))
				done
			done
		done
	done
	# every verified message must have passed, every signed one signed:
	# dkimgate logs one line per message with the outcome
	log=$W/dg-main/dkimgate.log
	nvpass=$(grep -c 'mode=verify outcome=delivered dkim=pass ' "$log")
	nbad=$(grep 'mode=verify ' "$log" |
	    grep -vc 'mode=verify outcome=delivered dkim=pass ')
	nsig=$(grep -c 'mode=sign outcome=delivered dkim=signed' "$log")
	record "kind=check verify_pass=$nvpass verify_not_pass=$nbad" \
	    "signed=$nsig"
	if [ "$nbad" != 0 ] || [ "$nvpass" = 0 ]; then
		echo "FAILED: $nbad verify results were not pass," \
		    "$nvpass were:" >&2
		grep 'mode=verify ' "$log" | grep -v 'dkim=pass ' |
		    head -n 3 >&2
		FAILS=$((FAILS + 1))
	fi
fi

# --- latency added per message -----------------------------------------

# lat_count SIZE - "SAMPLES WARMUP" of the latency runs for SIZE
lat_count() {
	case $1 in
	4k) echo "$L_4K 20" ;;
	100k) echo "$L_100K 5" ;;
	25m) echo "$L_25M $((L_25M > 1))" ;;
	esac
}

if has_section latency; then
	for rep in $(seq 1 "$REPS"); do
		t_log "latency: repetition $rep of $REPS"
		for size in $SIZES; do
			read -r n warm <<<"$(lat_count "$size")"
			for m in sink $MODES; do
				if [ "$m" = sink ]; then
					port=$SINK_PORT
					f=$W/msg/pass-$size.eml
					from=$(mode_from pass)
				else
					port=$(mode_port "$m")
					f=$W/msg/$m-$size.eml
					from=$(mode_from "$m")
				fi
				read -r b0 a0 <<<"$(machine_ticks)"
				out=$("$LAT" lat -k -n "$n" -w "$warm" -f "$from" \
				    -t "$RCPT" "$f" "127.0.0.1:$port" \
				    2>>"$W/lat.log") || {
					echo "FAILED: latency $m $size" >&2
					tail -n 2 "$W/lat.log" >&2
					FAILS=$((FAILS + 1))
					continue
				}
				read -r b1 a1 <<<"$(machine_ticks)"
				record "kind=lat mode=$m size=$size rep=$rep $out" \
				    "machine_busy=$(busy "$b0" "$a0" "$b1" "$a1")"
			done
		done
	done
fi

# --- dnslat: verification with a DNS server that answers in 20 ms -------

# One worker whose resolver asks tests/fault/dns_proxy.py, which forwards
# to NSD and holds every answer back for DNSLAT_MS.  The messages are
# signed with selector rsa0, whose key record has TTL 0, so every message
# waits for the server (the DNSKEY chain, TTL 300, stays cached as in
# real life).  Each message is timed from its final dot to the reply:
# sent at once (pause 0), the look-up that starts at the end of the
# header block cannot be done by the final dot; with the body sent
# DNSLAT_PAUSE ms after the header block (a slower sender), it can.
DNSLAT_MS=20
DNSLAT_PAUSE=30
if has_section dnslat; then
	t_log "dnslat: DNS server answering in $DNSLAT_MS ms"
	DNSP_PORT=$(port_pick)
	DNSP_CTL=$(port_pick)
	T_PICKED_PORTS="$T_PICKED_PORTS$DNSP_PORT $DNSP_CTL "
	"$PY" "$top/tests/fault/dns_proxy.py" --port "$DNSP_PORT" \
	    --upstream-port "$NSD_PORT" --control-port "$DNSP_CTL" \
	    --slow "$(awk -v m="$DNSLAT_MS" 'BEGIN { print m / 1000 }')" \
	    >"$W/dns_proxy.log" 2>&1 &
	DNSP_PID=$!
	wait_port "$DNSP_CTL" 10 || t_fail "dns_proxy.py did not start"
	"$PY" - "$DNSP_CTL" <<'PYEOF' || t_fail "dns_proxy.py: mode slow"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"mode slow\n")
if not s.recv(100).startswith(b"ok"):
    sys.exit(1)
PYEOF
	P_DNSLAT=$(port_pick)
	DG_RESOLVER="127.0.0.1@$DNSP_PORT" dg_up dnslat 1 \
	    "127.0.0.1:$P_DNSLAT mode=verify"
	read -r n warm <<<"$(lat_count 4k)"
	n=$(( n > 200 ? 200 : n ))
	for rep in $(seq 1 "$REPS"); do
		for pause in 0 "$DNSLAT_PAUSE"; do
			for m in sink verify-rsa0; do
				if [ "$m" = sink ]; then
					port=$SINK_PORT
					f=$W/msg/pass-4k.eml
				else
					port=$P_DNSLAT
					f=$W/msg/verify-rsa0-4k.eml
				fi
				out=$("$LAT" lat -k -n "$n" -w 3 -p "$pause" \
				    -f "$(mode_from verify-rsa)" -t "$RCPT" "$f" \
				    "127.0.0.1:$port" 2>>"$W/lat.log") || {
					echo "FAILED: dnslat $m pause $pause" >&2
					tail -n 2 "$W/lat.log" >&2
					FAILS=$((FAILS + 1))
					continue
				}
				record "kind=dnslat mode=$m size=4k pause_ms=$pause" \
				    "dns_ms=$DNSLAT_MS rep=$rep $out"
			done
		done
	done
	# the look-ups really went to the server: one pass per message
	npass=$(grep -c 'mode=verify outcome=delivered dkim=pass ' \
	    "$W/dg-dnslat/dkimgate.log")
	nq=$("$PY" - "$DNSP_CTL" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"stats\n")
print(s.recv(1000).decode().strip())
PYEOF
)
	record "kind=dnslat_check verified_pass=$npass" \
	    "proxy_${nq// / proxy_}"
	dg_stop "$W/dg-dnslat"
	kill_wait "$DNSP_PID" TERM 5
	DNSP_PID=""
fi

# --- scale: 1 worker vs 2 workers, CPU-bound (sign RSA-2048) -----------

if has_section scale; then
	for w in 1 2; do
		P_SCALE=$(port_pick)
		dg_up "w$w" "$w" "127.0.0.1:$P_SCALE mode=sign"
		pid=$(dg_pid "$W/dg-w$w")
		source_run "$P_SCALE" "$W/msg/sign-rsa-4k.eml" \
		    "$(mode_from sign-rsa)" 100 8 many >/dev/null
		for rep in $(seq 1 "$REPS"); do
			t_log "scale: $w worker(s), repetition $rep of $REPS"
			tput_cell "scale$w" sign-rsa 4k many "$rep" "$pid" \
			    "$P_SCALE" "$N_SCALE" 20 || FAILS=$((FAILS + 1))
		done
		dg_stop "$W/dg-w$w"
		rm -rf "$W/dg-w$w"
	done
fi

# --- memory: idle sessions; a 25 MB message in sign mode ----------------

# idle_ready - true once the idle client has printed "ready" (called
# through t_wait_for)
# shellcheck disable=SC2317
idle_ready() {
	grep -q '^ready' "$W/idle.out" 2>/dev/null ||
	    ! pid_alive "$IDLE_PID"
}

# mem_fresh - start a fresh dkimgate (2 workers, one sign listener) in
# $W/dg-mem and send it a few 4 KB messages, so that what is measured next
# is not hidden by heap memory that earlier runs left free in the workers;
# sets MEM_PID and MEM_PORT
mem_fresh() {
	MEM_PORT=$(port_pick)
	dg_up mem 2 "127.0.0.1:$MEM_PORT mode=sign"
	MEM_PID=$(dg_pid "$W/dg-mem")
	source_run "$MEM_PORT" "$W/msg/sign-rsa-4k.eml" \
	    "$(mode_from sign-rsa)" 8 2 one >/dev/null ||
	    t_fail "memory: warm-up failed"
}

# mem_stop - stop the instance that mem_fresh started
mem_stop() {
	dg_stop "$W/dg-mem"
	rm -rf "$W/dg-mem"
}

if has_section memory; then
	for rep in $(seq 1 "$REPS"); do
		for n in $IDLE_LIST; do
			t_log "memory: $n idle sessions, repetition $rep"
			mem_fresh
			base=$(tree_mem "$MEM_PID")
			rm -f "$W/idle.fifo"
			mkfifo "$W/idle.fifo"
			: >"$W/idle.out"
			"$LAT" idle -n "$n" "127.0.0.1:$MEM_PORT" \
			    <"$W/idle.fifo" >"$W/idle.out" 2>&1 &
			IDLE_PID=$!
			exec 9>"$W/idle.fifo"
			if ! t_wait_for 60 idle_ready ||
			    ! grep -q '^ready' "$W/idle.out"; then
				echo "FAILED: idle sessions:" \
				    "$(cat "$W/idle.out")" >&2
				FAILS=$((FAILS + 1))
			else
				held=$(tree_mem "$MEM_PID")
				record "kind=idle sessions=$n rep=$rep" \
				    "base_rss_kb=$(kv rss_kb "$base")" \
				    "held_rss_kb=$(kv rss_kb "$held")" \
				    "held_hwm_sum_kb=$(kv hwm_sum_kb "$held")" \
				    "held_nproc=$(kv nproc "$held")"
			fi
			exec 9>&-
			kill_wait "$IDLE_PID" TERM 20
			IDLE_PID=""
			mem_stop
		done
	done
	SPOOL_T=$(awk -F' = ' '$1 == "spool_threshold" {print $2}' \
	    "$W/dg-main/check.out")
	for rep in $(seq 1 "$REPS"); do
		t_log "memory: 25 MB message (sign RSA-2048), repetition $rep"
		mem_fresh
		before=$(tree_mem "$MEM_PID")
		tree_reset "$MEM_PID"
		c0=$(tree_cpu "$MEM_PID")
		t0=$(ms_now)
		out=$("$LAT" lat -n 1 -f "$(mode_from sign-rsa)" -t "$RCPT" \
		    "$W/msg/sign-rsa-25m.eml" "127.0.0.1:$MEM_PORT" \
		    2>>"$W/lat.log") || FAILS=$((FAILS + 1))
		t1=$(ms_now)
		c1=$(tree_cpu "$MEM_PID")
		after=$(tree_mem "$MEM_PID")
		record "kind=big rep=$rep bytes=$(size_bytes 25m)" \
		    "spool_threshold=$SPOOL_T wall_ms=$((t1 - t0))" \
		    "dg_cpu_ms=$(fsub "$c1" "$c0")" \
		    "before_rss_kb=$(kv rss_kb "$before")" \
		    "after_hwm_sum_kb=$(kv hwm_sum_kb "$after")" \
		    "after_hwm_max_kb=$(kv hwm_max_kb "$after")" \
		    "after_rss_kb=$(kv rss_kb "$after")" \
		    "dot_to_reply_us=$(kv p50_us "$out")"
		mem_stop
	done
fi

# --- whole system: Postfix + dkimgate vs Postfix + OpenDKIM --------------

# od_start - OpenDKIM (Debian package) signing with the same RSA key on a
# unix socket that Postfix's smtpd (user postfix) can connect to
od_start() {
	local d=$W/opendkim
	mkdir -p "$d" && chmod 755 "$d"
	cp "$W/keys/rsa.private" "$d/rsa.private"
	chmod 600 "$d/rsa.private"
	echo "rsa._domainkey.rsa.bench.test rsa.bench.test:rsa:$d/rsa.private" \
	    >"$d/KeyTable"
	echo "*@rsa.bench.test rsa._domainkey.rsa.bench.test" >"$d/SigningTable"
	cat >"$d/opendkim.conf" <<EOF
Mode			s
Socket			local:$d/opendkim.sock
UMask			000
PidFile			$d/opendkim.pid
KeyTable		$d/KeyTable
SigningTable		refile:$d/SigningTable
Canonicalization	relaxed/relaxed
Syslog			no
SyslogSuccess		no
OversignHeaders		From
# the work directory is under /tmp (mode 1777): without this, OpenDKIM
# refuses the key as unsafe and tempfails every message
RequireSafeKeys		false
EOF
	opendkim -f -x "$d/opendkim.conf" >"$d/opendkim.log" 2>&1 &
	OD_PID=$!
	t_wait_for 10 test -S "$d/opendkim.sock" ||
	    { cat "$d/opendkim.log"; t_fail "opendkim did not start"; }
}

# sys_cell SETUP PORT REP - smtp-source into Postfix's smtpd on PORT;
# measures until the sink has every message; records kind=sys
sys_cell() {
	local setup=$1 port=$2 rep=$3 n=$N_SYS m0 t0 t1 p0 p1 f0 f1 ok=1 t rc
	local filter=$DG_SYS_PID b0 b1 a0 a1
	[ "$setup" = opendkim ] && filter=$OD_PID
	m0=$(sink_mesg sink)
	read -r p0 f0 <<<"$("$PY" "$here/proctree.py" cpu-each "$PF_PID" \
	    "$filter")"
	read -r b0 a0 <<<"$(machine_ticks)"
	t0=$(ms_now)
	t=$(source_run "$port" "$W/msg/sign-rsa-4k.eml" \
	    "$(mode_from sign-rsa)" "$n" "$SESS_SYS" many)
	rc=$?
	t_wait_for 300 sink_reached sink $((m0 + n)) || ok=0
	t1=$(ms_now)
	read -r b1 a1 <<<"$(machine_ticks)"
	read -r p1 f1 <<<"$("$PY" "$here/proctree.py" cpu-each "$PF_PID" \
	    "$filter")"
	[ "$rc" = 0 ] || ok=0
	[ "$ok" = 1 ] || echo "FAILED: system $setup rep $rep: rc=$rc," \
	    "sink got $(( $(sink_mesg sink) - m0 )) of $n" >&2
	record "kind=sys setup=$setup rep=$rep msgs=$n wall_ms=$((t1 - t0))" \
	    "source_s=${t%% *} postfix_cpu_ms=$(fsub "$p1" "$p0")" \
	    "filter_cpu_ms=$(fsub "$f1" "$f0")" \
	    "machine_busy=$(busy "$b0" "$a0" "$b1" "$a1") ok=$ok"
	# let the queue settle and Postfix's connection caches expire
	pf_wait_queue_empty "$W" pf 60 || true
	[ "$ok" = 1 ]
}

if has_section system; then
	t_log "system: private Postfix, dkimgate (after- and before-queue)," \
	    "OpenDKIM"
	P_AQ=$(port_pick)	# smtpd -> content_filter -> dkimgate
	P_OD=$(port_pick)	# smtpd with the OpenDKIM milter
	P_BQ=$(port_pick)	# smtpd with smtpd_proxy_filter = dkimgate
	P_DG_AQ=$(port_pick)	# dkimgate after-queue listener
	P_DG_BQ=$(port_pick)	# dkimgate before-queue listener
	P_RET=$(port_pick)	# return smtpd
	P_DUMP=$(port_pick)	# smtp-sink that keeps messages (checks)
	od_start
	# mail to @dump.test goes to a sink that stores it, so that one
	# message through each path can be checked for its signature
	mkdir -p "$W/dump"
	chmod 1777 "$W/dump"
	smtp-sink -u nobody -d "$W/dump/%H%M%S." "127.0.0.1:$P_DUMP" 100 \
	    >"$W/dump.out" 2>&1 &
	echo $! >"$W/dump.pid"
	SINK_PIDS="$SINK_PIDS $!"
	wait_port "$P_DUMP" 10 || t_fail "smtp-sink (dump) did not start"
	pf_setup "$W" pf || t_fail "pf_setup"
	pf_conf "$W" pf "relayhost = [127.0.0.1]:$SINK_PORT" \
	    "transport_maps = inline:{dump.test=smtp:[127.0.0.1]:$P_DUMP}" \
	    "smtp_connection_cache_on_demand = yes" \
	    "milter_default_action = tempfail" \
	    "message_size_limit = 52428800" || t_fail "pf_conf"
	pf_master_add "$W" pf <<EOF
127.0.0.1:$P_AQ inet n - n - - smtpd
  -o content_filter=dkimgate:[127.0.0.1]:$P_DG_AQ
127.0.0.1:$P_OD inet n - n - - smtpd
  -o smtpd_milters=unix:$W/opendkim/opendkim.sock
127.0.0.1:$P_BQ inet n - n - - smtpd
  -o smtpd_proxy_filter=127.0.0.1:$P_DG_BQ
dkimgate unix - - n - 20 smtp
127.0.0.1:$P_RET inet n - n - - smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_helo_restrictions=
  -o smtpd_client_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
EOF
	pf_start "$W" pf || t_fail "Postfix did not start"
	PF_UP=1
	PF_PID=$(pf_master_pid "$W" pf)
	dg_up sys 2 "127.0.0.1:$P_DG_AQ mode=sign, \
127.0.0.1:$P_DG_BQ mode=sign queue=before" "$P_RET"
	DG_SYS_PID=$(dg_pid "$W/dg-sys")
	# every path must sign: one message each to the storing sink
	for p in "$P_AQ" "$P_OD" "$P_BQ"; do
		n0=$(find "$W/dump" -type f | wc -l)
		smtp-source -F "$W/msg/sign-rsa-4k.eml" -f "$(mode_from sign-rsa)" \
		    -t check@dump.test "127.0.0.1:$p" >>"$W/source.log" 2>&1
		t_wait_for 60 sh -c "[ \$(find '$W/dump' -type f | wc -l) -gt $n0 ]" ||
		    t_fail "system check through port $p: nothing arrived" \
		    "(see $(pf_log "$W" pf))"
		f=$(find "$W/dump" -type f -printf '%T@ %p\n' | sort -n |
		    tail -n 1 | cut -d' ' -f2-)
		if grep -q '^DKIM-Signature:.*d=rsa\.bench\.test' "$f" ||
		    grep -A3 '^DKIM-Signature:' "$f" |
		    grep -q 'd=rsa\.bench\.test'; then
			record "kind=check sys_port=$p signed=1"
		else
			record "kind=check sys_port=$p signed=0"
			echo "FAILED: the message through port $p is not signed" >&2
			FAILS=$((FAILS + 1))
		fi
	done
	# warm-up of every path (Postfix processes, connection caches)
	for p in "$P_AQ" "$P_OD" "$P_BQ"; do
		m0=$(sink_mesg sink)
		source_run "$p" "$W/msg/sign-rsa-4k.eml" \
		    "$(mode_from sign-rsa)" 50 5 many >/dev/null
		t_wait_for 60 sink_reached sink $((m0 + 50)) ||
		    t_fail "system warm-up through port $p: nothing arrived" \
		    "(see $(pf_log "$W" pf))"
	done
	for rep in $(seq 1 "$REPS"); do
		t_log "system: repetition $rep of $REPS"
		sys_cell dkimgate "$P_AQ" "$rep" || FAILS=$((FAILS + 1))
		sys_cell opendkim "$P_OD" "$rep" || FAILS=$((FAILS + 1))
		sys_cell proxy "$P_BQ" "$rep" || FAILS=$((FAILS + 1))
	done
	# what arrived must be signed: count the signatures in the logs
	record "kind=check sys_dg_signed=$(grep -c 'outcome=delivered dkim=signed' \
	    "$W/dg-sys/dkimgate.log")"
fi

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$W/meta.txt"

# --- report ------------------------------------------------------------

t_log "report"
"$PY" "$here/report.py" --raw "$RAW" --meta "$W/meta.txt" \
    --speed-dir "$W" --out "$OUT" || t_fail "report.py failed"
t_log "results: $OUT/latest.md, $OUT/latest.png"
if [ "$FAILS" != 0 ]; then
	echo "run.sh: $FAILS measurement(s) failed (see above)" >&2
	exit 1
fi
exit 0
