#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# dns_tempfail - with dns_failure_action = tempfail, dkimgate's DNS server
# (fault proxy in front of NSD) is stopped for a while as FAULT_N signed
# messages flow: the messages that meet the fault get 451 4.7.5 and stay
# in Postfix's queue; once DNS is back they are retried and delivered.
# No message may arrive with dkim=temperror.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin dns_tempfail || exit 1
f_conf "$SD" "dns_failure_action = tempfail" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
# deferred - deferrals with dkimgate's 451 4.7.5 in Postfix's log
deferred() {
	f_pflog 'status=deferred .*said: 451 4\.7\.5 '
}
f_fault_window "f_dmode dead" "f_dmode pass" 4 f_at_least 20 deferred ||
    f_fail "fewer than 20 messages were deferred with 451 4.7.5" || rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
SC_NOTE="deferred_4.7.5=$(deferred)"
f_check --no-temperror || rc=1
f_end || rc=1
exit $rc
