# tests/fault/lib.sh - shared set-up and helpers of the fault-injection
# suite (tests/fault/run.sh sources it; so do the scenario scripts).
# shellcheck shell=bash source-path=SCRIPTDIR
#
# One chain serves every scenario; it is built from the same pieces as the
# end-to-end tests (tests/e2e/common.sh, which builds the Postfix instance
# from postfix-examples/, and tests/lib/postfix.sh, nsd.sh):
#
#   faultmail.py send --25--> Postfix smtpd --queue--> dkimgate-verify
#     --> dkimgate (verify listener) --> [return_proxy.py] --> Postfix
#     return smtpd --queue--> relayhost: the recording sink (one directory
#     per scenario)
#
#   dkimgate's DNS: dns_proxy.py --> NSD, serving the DNSSEC-signed zone
#   fault.test (DKIM key, SPF, DMARC, all with TTL 0: libunbound caches
#   none of them, so every message asks and meets a DNS fault at once).
#
# Each message is DKIM-signed (one signature per body size, valid for every
# message: faultmail.py template), so a healthy chain gives dkim=pass and a
# DNS fault dkim=temperror.  Messages are accounted for by Message-ID.
#
# State shared with the scenario scripts (exported by fault_setup):
#   T               the work directory
#   P_SMTP          Postfix front door; P_VERIFY dkimgate's verify listener;
#   P_RETURN        the Postfix return smtpd; P_SINK the sink;
#   P_RPROXY/P_RCTL the return proxy and its control port;
#   P_DNS/P_DCTL    the DNS proxy and its control port; NSD_PORT NSD.
#   AUTHSERV        the authserv-id written by dkimgate
#   FAULT_N         messages per scenario (default 2000)

FAULT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${T:?T, the work directory, must be set before sourcing lib.sh}"
# shellcheck source=../e2e/common.sh
. "$FAULT_DIR/../e2e/common.sh"
# shellcheck source=../lib/nsd.sh
. "$T_LIBDIR/nsd.sh"
FAULTMAIL=$FAULT_DIR/faultmail.py
FAULT_N=${FAULT_N:-2000}
AUTHSERV=mx.fault.test

# f_ctl - send one control line to a proxy's control PORT, print the answer
f_ctl() {
	local port=$1 line=$2 answer
	exec 9<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s\n' "$line" >&9
	IFS= read -r -t 10 answer <&9
	exec 9<&- 9>&-
	printf '%s\n' "$answer"
}

# f_rmode / f_dmode - set the mode of the return proxy / the DNS proxy
f_rmode() {
	[ "$(f_ctl "$P_RCTL" "mode $1")" = "ok $1" ]
}
# f_dmode - (see above)
f_dmode() {
	[ "$(f_ctl "$P_DCTL" "mode $1")" = "ok $1" ]
}

# f_stat - print counter NAME of the proxy on control PORT
f_stat() {
	f_ctl "$1" stats | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# f_py_start - start a python helper in the background with its PID in
# $T/NAME.pid and its log in $T/NAME.log: f_py_start NAME SCRIPT ARGS...
f_py_start() {
	local name=$1
	shift
	"$PY" "$@" --pidfile "$T/$name.pid" >>"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
}

# f_py_stop - stop the helper NAME by its PID
f_py_stop() {
	local pid
	pid=$(cat "$T/$1.pid" 2>/dev/null)
	[ -n "$pid" ] && kill_wait "$pid" TERM 10
	rm -f "$T/$1.pid"
}

# fault_setup - keys, NSD, the proxies, Postfix; everything but dkimgate
# and the sink, which each scenario starts itself
fault_setup() {
	local z=$T/fault.body
	e2e_pick_ports
	P_RPROXY=$(port_pick)
	P_RCTL=$(port_pick)
	P_DNS=$(port_pick)
	P_DCTL=$(port_pick)
	export T P_SMTP P_VERIFY P_SIGN P_RETURN P_SINK P_RPROXY P_RCTL \
	    P_DNS P_DCTL AUTHSERV FAULT_N
	mkdir -p "$T/keys" && chmod 755 "$T/keys" || return 1
	openssl genrsa -traditional -out "$T/keys/rsa.pem" 2048 2>/dev/null ||
	    return 1
	nsd_setup "$T/dns" || return 1
	: >"$z"
	nsd_add_dkim_key "$z" rsa fault.test "$T/keys/rsa.pem" rsa || return 1
	{
		echo '@ IN TXT "v=spf1 ip4:127.0.0.0/8 -all"'
		echo '_dmarc IN TXT "v=DMARC1; p=none"'
	} >>"$z"
	# TTL 0 on the records the checks look up: never cached
	sed -i -e 's/^\(rsa\._domainkey\.fault\.test\.\) IN /\1 0 IN /' \
	    -e 's/^\(@\|_dmarc\) IN TXT/\1 0 IN TXT/' "$z" || return 1
	printf 'x IN A 192.0.2.1\n' >"$T/test.body"
	nsd_add_zone "$T/dns" fault.test signed "$z" &&
	    nsd_add_zone "$T/dns" test plain "$T/test.body" &&
	    nsd_start "$T/dns" || return 1
	"$PY" "$FAULTMAIL" template --key "$T/keys/rsa.pem" \
	    --domain fault.test --selector rsa --out "$T/template.json" ||
	    return 1
	f_py_start dnsproxy "$FAULT_DIR/dns_proxy.py" --port "$P_DNS" \
	    --upstream-port "$NSD_PORT" --control-port "$P_DCTL" --slow 5
	f_py_start rproxy "$FAULT_DIR/return_proxy.py" --port "$P_RPROXY" \
	    --upstream-port "$P_RETURN" --control-port "$P_RCTL" \
	    --stall-hold 20
	wait_port "$P_DCTL" 10 && wait_port "$P_RCTL" 10 || {
		t_tail "$T/dnsproxy.log"
		t_tail "$T/rproxy.log"
		return 1
	}
	e2e_postfix main.cf.dkimgate master.cf.verify master.cf.return ||
	    return 1
	# Test-only settings on top of e2e_postfix's short retry times:
	#  no cached connections to dkimgate, which the scenarios kill and
	#  restart; a failed filter session must not throttle the filter
	#  destination for the whole queue run (the 421/4xx scenarios cause
	#  many); bounces for the 5xx scenario go to the sink as well.
	pf_conf "$T" pf \
	    "maximal_backoff_time = 1s" \
	    "smtp_connection_cache_on_demand = no" \
	    "dkimgate-verify_destination_concurrency_failed_cohort_limit = 100" \
	    "default_process_limit = 200" || return 1
	pf_start "$T" pf
}

# fault_teardown - stop everything fault_setup and the scenarios started
# (a scenario that was interrupted may have left its dkimgate, its sink
# or its tmpfs behind)
fault_teardown() {
	local d
	[ -n "${T:-}" ] || return 0
	for d in "$T"/*/; do
		[ -f "$d/dkimgate.pid" ] && dg_stop "${d%/}"
		[ -f "$d/sink/sink.pid" ] && sink_stop "${d%/}" sink
		mountpoint -q "${d}spool" 2>/dev/null && umount "${d}spool"
	done
	pf_stop "$T" pf
	f_py_stop rproxy
	f_py_stop dnsproxy
	nsd_stop "$T/dns"
}

# f_conf - write the dkimgate.conf of scenario dir D: the example
# after-queue file, verify mode, the test DNS, then 'name = value' extras
f_conf() {
	local d=$1
	shift
	mkdir -p "$d" && chmod 755 "$d"
	e2e_dkimgate_conf dkimgate.conf.after-queue verify \
	    "dns_resolver = 127.0.0.1@$P_DNS" \
	    "dns_trust_anchor = $T/dns/trust-anchors.ds" \
	    "dns_timeout = 2s" \
	    "authserv_id = $AUTHSERV" \
	    "return_timeout = 10s" \
	    "return_data_timeout = 10s" \
	    "drain_timeout = 30s" \
	    "$@" || return 1
	mv "$T/dkimgate.conf" "$d/dkimgate.conf"
}

# f_begin NAME - start a scenario: its directory $T/NAME (SD), a fresh
# sink; print what it does
f_begin() {
	SC=$1
	SD=$T/$SC
	rm -rf "$SD"
	mkdir -p "$SD" && chmod 755 "$SD"
	SC_START=$(date +%s)
	PFLOG_START=$(wc -l <"$(pf_log "$T" pf)")
	# whatever way the scenario ends, its dkimgate and sink are stopped
	# (f_end may run twice: it is idempotent); F_ON_EXIT runs after that
	trap 'f_end >/dev/null 2>&1; eval "${F_ON_EXIT:-}"' EXIT
	sink_start "$SD" sink "$P_SINK" || return 1
	f_rmode pass && f_dmode pass || return 1
	t_log "=== scenario $SC"
}

# f_dg_start / f_dg_stop / f_dg_kill - dkimgate of the current scenario
f_dg_start() {
	dg_start "$SD" "$SD/dkimgate.conf" || return 1
	# not a job of ours any more: no "Killed" notice when a scenario
	# kills it (it is stopped by its PID file)
	disown 2>/dev/null
	return 0
}
# f_dg_stop - (see above)
f_dg_stop() {
	dg_stop "$SD"
}

# f_pflog REGEX - count the Postfix log lines of this scenario matching
# the extended REGEX
f_pflog() {
	tail -n +"$((PFLOG_START + 1))" "$(pf_log "$T" pf)" | grep -cE "$1"
}

# f_children PID - print the PIDs of PID's live children (the workers of
# a supervisor)
f_children() {
	local parent=$1 f rest pid
	for f in /proc/[0-9]*/stat; do
		{ read -r rest <"$f"; } 2>/dev/null || continue
		pid=${rest%% *}
		# after the command name: "STATE PPID PGRP ..."
		# shellcheck disable=SC2086
		set -- ${rest##*) }
		[ "$2" = "$parent" ] || continue
		case $1 in Z|X) continue ;; esac
		echo "$pid"
	done
}

# f_workers - the worker PIDs of the scenario's dkimgate
f_workers() {
	f_children "$(dg_pid "$SD")"
}

# f_send N [faultmail send options] - send N messages of run $SC into
# Postfix, in the background; its PID in SEND_PID
f_send() {
	local n=$1
	shift
	"$PY" "$FAULTMAIL" send --port "$P_SMTP" --run "$SC" --count "$n" \
	    --template "$T/template.json" --manifest "$SD/manifest" \
	    --threads 8 "$@" >"$SD/send.log" 2>&1 &
	SEND_PID=$!
}

# f_send_wait - wait for the sender; fail if Postfix refused a message
f_send_wait() {
	wait "$SEND_PID" || {
		cat "$SD/send.log" >&2
		return 1
	}
}

# f_delivered - how many messages the scenario's sink holds
f_delivered() {
	sink_count "$SD" sink
}

# f_handled - how many transactions dkimgate has logged (any outcome)
f_handled() {
	grep -c ' message queue_id=' "$SD/dkimgate.log" 2>/dev/null
}

# f_outcomes - how many transactions dkimgate logged with outcome=WORD
f_outcomes() {
	grep -c " outcome=$1" "$SD/dkimgate.log" 2>/dev/null
}

# f_at_least - true once COMMAND's output (a number) is >= N
f_at_least() {
	local n=$1 v
	shift
	v=$("$@")
	[ "${v:-0}" -ge "$n" ]
}

# f_wait_progress N [TIMEOUT] - wait until the sink holds N messages
f_wait_progress() {
	t_wait_for "${2:-120}" f_at_least "$1" f_delivered
}

# f_wait_handled N [TIMEOUT] - wait until dkimgate has finished N
# transactions (the sink lags behind: Postfix queues each message again)
f_wait_handled() {
	t_wait_for "${2:-120}" f_at_least "$1" f_handled
}

# f_drained - true when Postfix's queue is empty and the sink holds at
# least N messages
f_drained() {
	f_at_least "$1" f_delivered && pf_queue_empty "$T" pf
}

# f_wait_all N [TIMEOUT] - flush and wait until N messages arrived and the
# queue is empty; the queue is flushed every few seconds, so deferred mail
# is retried at once
f_wait_all() {
	local n=$1 timeout=${2:-180} end
	end=$(( $(date +%s) + timeout ))
	while [ "$(date +%s)" -lt "$end" ]; do
		t_wait_for 3 f_drained "$n" && return 0
		pf_flush "$T" pf
	done
	echo "after ${timeout}s: $(f_delivered) of $n in the sink," \
	    "$(pf_queue_count "$T" pf) queued" >&2
	postqueue -c "$T/pf/etc" -p | tail -n 12 >&2
	return 1
}

# f_check [faultmail check options] - account for every message; print
# the PASS/FAIL line of the scenario; the sender's manifest decides "sent"
f_check() {
	local out rc secs
	out=$("$PY" "$FAULTMAIL" check --manifest "$SD/manifest" \
	    --sink "$SD/sink/msg" --authserv-id "$AUTHSERV" "$@" \
	    2>"$SD/check.err")
	rc=$?
	cat "$SD/check.err" >&2
	echo "$out" >"$SD/check.out"
	secs=$(( $(date +%s) - SC_START ))
	# shellcheck disable=SC2046
	set -- $(echo "$out" | tr ' ' '\n' |
	    sed -n 's/^\(sent\|delivered\|bounced\|lost\|dup\)=//p')
	if [ $rc = 0 ] && [ "${4:-1}" = 0 ]; then
		echo "PASS $SC sent=$1 delivered=$2 lost=$4 dup=$5" \
		    "bounced=$3 (${secs}s)${SC_NOTE:+ $SC_NOTE}"
		return 0
	fi
	echo "FAIL $SC sent=${1:-?} delivered=${2:-?} lost=${4:-?}" \
	    "dup=${5:-?} bounced=${3:-?} (${secs}s): $out"
	return 1
}

# f_fail MESSAGE - the FAIL line of the current scenario
f_fail() {
	echo "FAIL $SC: $*"
	return 1
}

# f_end - stop dkimgate and the sink of the scenario; empty the queue if
# something was left in it; fail on a sanitizer report
f_end() {
	local rc=0
	f_dg_stop
	sink_stop "$SD" sink
	f_rmode pass
	f_dmode pass
	if ! pf_queue_empty "$T" pf; then
		postsuper -c "$T/pf/etc" -d ALL >/dev/null 2>&1
	fi
	if grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
	    "$SD/dkimgate.log" 2>/dev/null; then
		f_fail "sanitizer report in $SD/dkimgate.log"
		grep -m 10 -E 'Sanitizer|runtime error:' "$SD/dkimgate.log" >&2
		rc=1
	fi
	return $rc
}

# f_fault_window SET CLEAR SECONDS [COND...] - once dkimgate has handled
# a tenth of the messages, run SET (e.g. "f_rmode stall"), keep the fault for
# SECONDS and until COND (a command) holds, at most 60 s, then run CLEAR;
# false when COND never held
f_fault_window() {
	local set=$1 clear=$2 secs=$3 end ok=0
	shift 3
	f_wait_handled $((FAULT_N / 10)) 180 || {
		echo "no progress before the fault" >&2
		return 1
	}
	$set || return 1
	t_log "fault on ($set) after $(f_handled) transactions"
	end=$(( $(date +%s) + secs ))
	while [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.2
	done
	if [ $# = 0 ] || t_wait_for 60 "$@"; then
		ok=1
	fi
	$clear
	t_log "fault off ($clear) after $(f_handled) transactions"
	[ $ok = 1 ]
}

# f_rstat_at_least NAME N - the return proxy's counter NAME is >= N
f_rstat_at_least() {
	[ "$(f_stat "$P_RCTL" "$1")" -ge "$2" ]
}

# f_dstat_at_least NAME N - the DNS proxy's counter NAME is >= N
f_dstat_at_least() {
	[ "$(f_stat "$P_DCTL" "$1")" -ge "$2" ]
}

# f_return_service - the return smtpd's master.cf service name
f_return_service() {
	echo "127.0.0.1:$P_RETURN"
}

# f_return_stop - stop the Postfix return smtpd (take its service out of
# master.cf, reload) and wait until its port is closed
f_return_stop() {
	local mc=$T/pf/etc/master.cf
	cp "$mc" "$T/master.cf.full" || return 1
	awk -v svc="$(f_return_service)" '
		$1 == svc { skip = 1; next }
		skip && /^[ \t]/ { next }
		{ skip = 0; print }' "$T/master.cf.full" >"$mc"
	pf_reload "$T" pf && wait_port_closed "$P_RETURN" 20
}

# f_return_start - put the return smtpd back, wait until it listens
f_return_start() {
	cp "$T/master.cf.full" "$T/pf/etc/master.cf" &&
	    pf_reload "$T" pf && wait_port "$P_RETURN" 20
}
