#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# return_refused - the Postfix return smtpd is stopped (its master.cf
# service removed, postfix reload: connections are refused) for a while
# as FAULT_N messages flow, then started again.  dkimgate answers 4xx
# (421 at the greeting or 451 at the end of DATA), Postfix keeps the
# messages queued and delivers them once the return port is back.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin return_refused || exit 1
f_conf "$SD" "return_connect_timeout = 3s" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
# refused - at least 20 deferrals with a 4xx from dkimgate
refused() {
	f_at_least 20 f_pflog 'status=deferred .*(refused to talk to me: 421|said: 4[0-9][0-9] )'
}
f_fault_window f_return_stop f_return_start 4 refused ||
    f_fail "dkimgate gave Postfix no 4xx while the return port was down" ||
    rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
SC_NOTE="deferred=$(f_pflog 'status=deferred')"
f_check || rc=1
f_end || rc=1
exit $rc
