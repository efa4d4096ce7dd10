#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# return_5xx - the return port (fault proxy) answers 554 to the final dot
# of every marked message (1 in 50; Message-ID "...reject@") and accepts
# all others.  dkimgate relays the 554, so Postfix bounces exactly the
# marked messages to their sender (rejected as instructed, not lost); all
# others arrive.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin return_5xx || exit 1
f_conf "$SD" "return_address = 127.0.0.1:$P_RPROXY" || exit 1
f_dg_start || exit 1
f_rmode reject || exit 1
f_send "$FAULT_N" --reject-every 50
rc=0
f_send_wait || f_fail "Postfix refused messages" || rc=1
# the marked ones come back as bounces, which the sink receives too
f_wait_all "$FAULT_N" 300
rejected=$(f_stat "$P_RCTL" rejected)
SC_NOTE="rejected_as_instructed=$rejected"
f_check || rc=1
[ "$(f_outcomes rejected)" -gt 0 ] ||
    f_fail "dkimgate logged no rejected transaction" || rc=1
f_end || rc=1
exit $rc
