#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# worker_kill - SIGKILL a random dkimgate worker at random moments while
# FAULT_N messages flow; the supervisor restarts each one.  Postfix gets no
# 250 for the transactions a kill cuts and delivers them again: nothing is
# lost; a message whose 250 from the return smtpd was in flight at the
# kill arrives twice (counted as dup).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin worker_kill || exit 1
f_conf "$SD" "workers = 2" || exit 1
f_dg_start || exit 1
sup=$(dg_pid "$SD")
f_send "$FAULT_N"
kills=0
# kill until dkimgate has handled four fifths, at random intervals of
# 0.2-1 s
while [ "$(f_handled)" -lt $((FAULT_N * 4 / 5)) ] && [ $kills -lt 40 ]; do
	sleep "0.$(( 2 + RANDOM % 8 ))"
	mapfile -t w < <(f_workers)
	[ ${#w[@]} -gt 0 ] || continue
	victim=${w[RANDOM % ${#w[@]}]}
	kill -KILL "$victim" 2>/dev/null && kills=$((kills + 1))
done
pid_alive "$sup" || f_fail "the supervisor died"
f_send_wait || f_fail "Postfix refused messages"
f_wait_all "$FAULT_N" 300
restarts=$(grep -c 'killed by signal 9; restarting' "$SD/dkimgate.log")
cut=$(f_pflog 'status=deferred .*(lost connection|Connection reset|421 )')
t_log "kills=$kills restarts=$restarts transactions cut=$cut"
SC_NOTE="kills=$kills cut=$cut"
rc=0
f_check || rc=1
[ "$restarts" = "$kills" ] ||
    f_fail "$kills workers killed, $restarts restarts logged" || rc=1
[ "$kills" -ge 3 ] && [ "$cut" -gt 0 ] ||
    f_fail "the kills cut no transaction: nothing tested" || rc=1
f_end || rc=1
exit $rc
