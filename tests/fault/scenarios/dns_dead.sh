#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# dns_dead - dkimgate's DNS server (a fault proxy in front of NSD) is
# stopped: its UDP and TCP ports are closed, so every query meets a closed port,
# for a while as FAULT_N signed messages flow through the verify listener
# (dns_failure_action = accept, the default).  Every message is delivered:
# during the fault with dkim=temperror (checked: at least one), before and
# after it with dkim=pass; each with one well-formed Authentication-Results
# field.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin dns_dead || exit 1
f_conf "$SD" "dns_failure_action = accept" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
# temperrors - messages dkimgate delivered with dkim=temperror
temperrors() {
	grep -c ' outcome=delivered dkim=temperror' "$SD/dkimgate.log"
}
f_fault_window "f_dmode dead" "f_dmode pass" 4 f_at_least 20 temperrors ||
    f_fail "fewer than 20 messages saw the DNS fault" || rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
SC_NOTE="dkim_temperror=$(temperrors)"
f_check --expect-temperror || rc=1
f_end || rc=1
exit $rc
