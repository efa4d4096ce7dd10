#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# supervisor_kill - SIGKILL the dkimgate supervisor (only it) three times
# while FAULT_N messages flow, and start a new one at once each time.  The
# orphaned workers must drain and exit on their own; the new supervisor
# must bind the ports while they still hold theirs (SO_REUSEPORT).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin supervisor_kill || exit 1
f_conf "$SD" "workers = 2" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
orphans=()
inflight=0
for at in 3 6 9; do
	f_wait_handled $((FAULT_N * at / 12)) 120 ||
	    { f_fail "no progress to $((FAULT_N * at / 12))"; break; }
	sup=$(dg_pid "$SD")
	mapfile -t w < <(f_workers)
	# the log lines of the killed generation stay in dkimgate.log
	# (appended to by the next one), so f_handled keeps counting
	kill -KILL "$sup"
	[ "$(f_handled)" -lt "$FAULT_N" ] && inflight=$((inflight + 1))
	t_wait_for 10 pid_gone "$sup" || f_fail "supervisor $sup did not die"
	orphans+=("${w[@]}")
	if ! f_dg_start; then
		f_fail "a new supervisor could not start while the old" \
		    "workers (${w[*]}) drain"
		rc=1
		break
	fi
	t_log "supervisor $sup killed after $(f_handled) transactions," \
	    "new one $(dg_pid "$SD"); old workers ${w[*]}"
done
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
# every orphaned worker drains and exits by itself (drain_timeout 30s)
left=()
for p in "${orphans[@]}"; do
	t_wait_for 40 pid_gone "$p" || left+=("$p")
done
# ... and says so (PR_SET_PDEATHSIG, or its check of the parent PID)
drained=0
for p in "${orphans[@]}"; do
	grep -q "dkimgate\[$p\] worker [0-9]*: draining" "$SD/dkimgate.log" &&
	    drained=$((drained + 1))
done
SC_NOTE="kills=3 orphans=${#orphans[@]}"
f_check || rc=1
[ $inflight -gt 0 ] ||
    f_fail "every kill came after the last delivery: nothing tested" || rc=1
[ ${#left[@]} = 0 ] ||
    f_fail "orphaned workers still running: ${left[*]}" || rc=1
[ "$drained" -ge "${#orphans[@]}" ] ||
    f_fail "only $drained of ${#orphans[@]} orphans logged draining" || rc=1
f_end || rc=1
exit $rc
