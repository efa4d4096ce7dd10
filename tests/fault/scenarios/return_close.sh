#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# return_close - the return port (fault proxy) closes the connection in
# the middle of the message data, for a while as FAULT_N messages flow:
# dkimgate answers 451, Postfix retries, every message arrives once.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin return_close || exit 1
f_conf "$SD" "return_address = 127.0.0.1:$P_RPROXY" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
f_fault_window "f_rmode close" "f_rmode pass" 3 f_rstat_at_least closed 50 ||
    f_fail "the proxy closed fewer than 50 transactions" || rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
closed=$(f_stat "$P_RCTL" closed)
deferred=$(f_outcomes deferred)
SC_NOTE="closed=$closed dkimgate_451=$deferred"
f_check || rc=1
[ "$deferred" -gt 0 ] ||
    f_fail "dkimgate logged no deferred transaction" || rc=1
f_end || rc=1
exit $rc
