#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# return_stall - the return port (a fault proxy in front of the return
# smtpd) stops reading in the middle of the message data and never
# answers, for a while as FAULT_N messages flow.  dkimgate gives up after
# return_data_timeout, answers 451 and aborts the return transaction
# without the final dot; Postfix retries; every message arrives.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin return_stall || exit 1
f_conf "$SD" "return_address = 127.0.0.1:$P_RPROXY" \
    "return_data_timeout = 3s" "return_timeout = 3s" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
f_fault_window "f_rmode stall" "f_rmode pass" 5 f_rstat_at_least stalled 20 ||
    f_fail "the proxy stalled fewer than 20 transactions" || rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
stalled=$(f_stat "$P_RCTL" stalled)
deferred=$(f_outcomes deferred)
SC_NOTE="stalled=$stalled dkimgate_451=$deferred"
f_check || rc=1
[ "$deferred" -gt 0 ] ||
    f_fail "dkimgate logged no deferred transaction" || rc=1
f_end || rc=1
exit $rc
