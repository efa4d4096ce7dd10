#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# return_4xx - the return port (fault proxy) answers 451 instead of the
# return smtpd, in turn to MAIL, RCPT, DATA and the final dot, for a while
# as FAULT_N messages flow.  dkimgate passes each reply on verbatim,
# Postfix defers and retries, every message arrives.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin return_4xx || exit 1
f_conf "$SD" "return_address = 127.0.0.1:$P_RPROXY" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
f_fault_window "f_rmode tempfail" "f_rmode pass" 3 \
    f_rstat_at_least tempfailed 100 ||
    f_fail "the proxy answered fewer than 100 commands with 451" || rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
n451=$(f_pflog 'status=deferred .*said: 451 4\.3\.0 fault proxy')
kinds=$(tail -n +"$((PFLOG_START + 1))" "$(pf_log "$T" pf)" |
    sed -n 's/.*said: 451 4\.3\.0 fault proxy: \([a-z A-Z]*\).*/\1/p' |
    sort -u | sed 's/ *$//; s/ /_/g' | tr '\n' ',')
SC_NOTE="tempfailed=$(f_stat "$P_RCTL" tempfailed) kinds=${kinds%,}"
f_check || rc=1
[ "$n451" -gt 0 ] ||
    f_fail "Postfix never saw the proxy's 451 (dkimgate did not relay it)" ||
    rc=1
f_end || rc=1
exit $rc
