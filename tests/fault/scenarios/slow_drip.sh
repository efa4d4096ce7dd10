#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# slow_drip - while FAULT_N messages flow, ten clients keep sessions open
# against the verify listener, dripping one byte every half second: half
# of them inside a command line that never ends, half inside the message
# data.  With command_timeout and data_timeout at 3 s, every drip session
# must be cut (421 4.4.2) within 10 s, none may be held longer, and the
# messages must keep flowing meanwhile: the drippers hold neither a
# worker nor the mail.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin slow_drip || exit 1
f_conf "$SD" "command_timeout = 3s" "data_timeout = 3s" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
f_wait_handled $((FAULT_N / 10)) 120 || f_fail "no progress" || rc=1
before=$(f_delivered)
t0=$(date +%s)
"$PY" "$FAULT_DIR/drip.py" --port "$P_VERIFY" --sessions 10 --duration 15 \
    --interval 0.5 --give-up 30 >"$SD/drip.out" 2>"$SD/drip.err" ||
    f_fail "drip.py failed: $(cat "$SD/drip.err")" || rc=1
during=$(( $(f_delivered) - before ))
t_log "$(tr '\n' ' ' <"$SD/drip.out")"
t_log "$during messages delivered during $(( $(date +%s) - t0 ))s of drip"
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
for kind in command data; do
	line=$(grep "kind=$kind " "$SD/drip.out")
	held=$(echo "$line" | sed -n 's/.* held=\([0-9]*\).*/\1/p')
	life=$(echo "$line" | sed -n 's/.* max_life=\([0-9.]*\).*/\1/p')
	n=$(echo "$line" | sed -n 's/.* closed=\([0-9]*\).*/\1/p')
	echo "$line" | grep -q 'replies=421$' ||
	    f_fail "$kind drippers got other replies than 421: $line" || rc=1
	[ "${held:-1}" = 0 ] && [ "${n:-0}" -ge 10 ] &&
	    awk -v l="${life:-99}" 'BEGIN { exit !(l <= 10) }' ||
	    f_fail "$kind drippers not cut in time: $line" || rc=1
	SC_NOTE="${SC_NOTE:-}${SC_NOTE:+ }${kind}_drips=$n max_life_${kind}=${life}s"
done
[ "$during" -gt 0 ] ||
    f_fail "no message was delivered while the drippers were connected" ||
    rc=1
f_check || rc=1
f_end || rc=1
exit $rc
