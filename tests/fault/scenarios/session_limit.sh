#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# session_limit - max_sessions = 4 (2 workers: 2 sessions each) while
# Postfix opens up to 20 parallel sessions to the filter: the sessions
# beyond the limit get "421 4.7.0" at once, Postfix defers those messages
# and retries them; every message arrives.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin session_limit || exit 1
f_conf "$SD" "max_sessions = 4" "workers = 2" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
n421=$(f_pflog 'status=deferred .*refused to talk to me: 421 4\.7\.0 ')
nlog=$(grep -c 'reason="too many sessions"' "$SD/dkimgate.log")
SC_NOTE="refused_421=$n421"
f_check || rc=1
[ "$n421" -gt 0 ] && [ "$nlog" -gt 0 ] ||
    f_fail "no session was refused with 421 4.7.0 ($n421 in Postfix's" \
    "log, $nlog in dkimgate's)" || rc=1
f_end || rc=1
exit $rc
