# tests/e2e/common.sh - sourced by every tests/e2e/<case>/{pre,test,post}.
# shellcheck shell=bash
#
# run.sh gives each case a fresh directory $T (world-searchable, so that
# postfix and nobody can use it) and runs pre, then test if pre succeeded,
# then post whatever happened.  The three scripts are separate processes:
# state (ports, what was started) goes through $T/state.env, written with
# e2e_save and read back when this file is sourced.
#
# The instances are built from the files in postfix-examples/ themselves,
# with their fixed ports (25, 587, 10026 verify, 10027 sign, 10028 return,
# 10029 before-queue) replaced by free ones (e2e_example).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_DIR/../lib/common.sh"
. "$E2E_DIR/../lib/postfix.sh"
EXAMPLES=$T_SRCDIR/postfix-examples
MAILPY=$T_LIBDIR/e2e_mail.py

: "${T:?T, the case directory, is set by tests/e2e/run.sh}"
[ -f "$T/state.env" ] && . "$T/state.env"

# e2e_save - remember shell variables for the later scripts of the case
e2e_save() {
	local v
	for v in "$@"; do
		printf '%s=%q\n' "$v" "${!v}" >>"$T/state.env"
	done
}

# e2e_pick_ports - pick free ports for every example port, save them
e2e_pick_ports() {
	P_SMTP=$(port_pick)
	P_SUBMISSION=$(port_pick)
	P_VERIFY=$(port_pick)
	P_SIGN=$(port_pick)
	P_RETURN=$(port_pick)
	P_BEFORE=$(port_pick)
	P_SINK=$(port_pick)
	e2e_save P_SMTP P_SUBMISSION P_VERIFY P_SIGN P_RETURN P_BEFORE P_SINK
}

# e2e_example - print postfix-examples/FILE with its ports replaced by the
# picked ones (service names smtp/submission become 127.0.0.1:PORT)
e2e_example() {
	sed -e "s/^smtp\([[:space:]][[:space:]]*inet[[:space:]]\)/127.0.0.1:$P_SMTP\1/" \
	    -e "s/^submission\([[:space:]][[:space:]]*inet[[:space:]]\)/127.0.0.1:$P_SUBMISSION\1/" \
	    -e "s/:10026\([^0-9]\|$\)/:$P_VERIFY\1/g" \
	    -e "s/:10027\([^0-9]\|$\)/:$P_SIGN\1/g" \
	    -e "s/:10028\([^0-9]\|$\)/:$P_RETURN\1/g" \
	    -e "s/:10029\([^0-9]\|$\)/:$P_BEFORE\1/g" \
	    "$EXAMPLES/$1"
}

# e2e_postfix - create and configure the Postfix instance "pf" from the
# example files named (master.cf.* and main.cf.* snippets), delivering
# everything it queues to the sink
e2e_postfix() {
	local f
	pf_setup "$T" pf || return 1
	# Test-only settings, each for a reason:
	#  relayhost: the sink is the next hop for everything reinjected;
	#  short queue/backoff times: deferred mail is retried within seconds
	#  (the cases that stop a component expect and count the retries);
	#  message_size_limit 40 MB: the bulk case sends 30 MB messages.
	pf_conf "$T" pf \
	    "relayhost = [127.0.0.1]:$P_SINK" \
	    "queue_run_delay = 1s" \
	    "minimal_backoff_time = 1s" \
	    "maximal_backoff_time = 2s" \
	    "message_size_limit = 40000000" || return 1
	for f in "$@"; do
		case $f in
		main.cf.*)
			e2e_example "$f" >>"$T/pf/etc/main.cf" ;;
		master.cf.*)
			e2e_example "$f" | pf_master_add "$T" pf ;;
		*)
			echo "e2e_postfix: unknown example $f" >&2
			return 1 ;;
		esac
	done
}

# e2e_dkimgate_conf - write $T/dkimgate.conf from the example dkimgate.conf
# FILE with every listener's mode set to MODE (pass, sign, verify), plus
# test-local settings given as further 'name = value' arguments
e2e_dkimgate_conf() {
	local file=$1 mode=$2
	shift 2
	e2e_example "$file" |
	    sed -e "s/mode=[a-z]*/mode=$mode/g" >"$T/dkimgate.conf" || return 1
	t_mkdir_world "$T/dgspool" && chmod 1777 "$T/dgspool"
	dg_conf_set "$T/dkimgate.conf" \
	    "user = nobody" \
	    "spool_directory = $T/dgspool" \
	    "$@"
}

# e2e_start_all - start the sink, dkimgate and Postfix (in that order, so
# that nothing is deferred while the chain comes up)
e2e_start_all() {
	sink_start "$T" sink "$P_SINK" || return 1
	dg_start "$T" "$T/dkimgate.conf" || return 1
	pf_start "$T" pf || return 1
}

# e2e_stop_all - stop whatever pre started (post runs this, always); fail
# if dkimgate's log holds a sanitizer report (ASan/UBSan builds)
e2e_stop_all() {
	pf_stop "$T" pf
	dg_stop "$T"
	sink_stop "$T" sink
	if grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
	    "$T/dkimgate.log" 2>/dev/null; then
		echo "sanitizer report in $T/dkimgate.log:" >&2
		grep -m 20 -E 'Sanitizer|runtime error:|^    #' \
		    "$T/dkimgate.log" >&2
		return 1
	fi
	return 0
}

# e2e_send - send messages into Postfix's port-25 listener (or PORT):
# e2e_send PORT RUN COUNT [more e2e_mail.py send options]
e2e_send() {
	local port=$1 run=$2 count=$3
	shift 3
	"$PY" "$MAILPY" send --port "$port" --run "$run" --count "$count" \
	    --manifest "$T/manifest.$run" "$@"
}

# e2e_check - check the sink against the manifest of RUN
e2e_check() {
	local run=$1
	shift
	"$PY" "$MAILPY" check --manifest "$T/manifest.$run" \
	    --sink "$T/sink/msg" "$@"
}

# e2e_ids - print "NNNNNN id sender" for every message in the sink
e2e_ids() {
	"$PY" "$MAILPY" ids --sink "$T/sink/msg"
}

# e2e_log_count - count maillog lines matching the extended regex
e2e_log_count() {
	grep -cE "$1" "$(pf_log "$T" pf)" 2>/dev/null
}

# e2e_wait_delivered - wait until the sink holds N messages and Postfix's
# queue is empty (TIMEOUT seconds for both together)
e2e_wait_delivered() {
	local n=$1 timeout=${2:-120}
	sink_wait_count "$T" sink "$n" "$timeout" || {
		echo "only $(sink_count "$T" sink) of $n messages arrived" >&2
		return 1
	}
	pf_wait_queue_empty "$T" pf 60 || {
		echo "queue not empty:" >&2
		postqueue -c "$T/pf/etc" -p | tail -n 20 >&2
		return 1
	}
}

# e2e_pre_after_queue - the usual "pre" of an after-queue case: Postfix
# built from main.cf.dkimgate, master.cf.verify and master.cf.return (port
# 25 -> content_filter -> dkimgate -> return smtpd -> sink), dkimgate from
# dkimgate.conf.after-queue with every listener in MODE; further arguments
# are dkimgate.conf settings for the case
e2e_pre_after_queue() {
	local mode=$1
	shift
	t_need_root
	t_need postfix postconf postqueue ss setsid "$PY"
	e2e_pick_ports
	e2e_postfix main.cf.dkimgate master.cf.verify master.cf.return ||
	    return 1
	e2e_dkimgate_conf dkimgate.conf.after-queue "$mode" "$@" || return 1
	e2e_start_all
}
