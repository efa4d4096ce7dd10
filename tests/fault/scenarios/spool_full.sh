#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# spool_full - spool_directory on a 4 MB tmpfs mounted by the test,
# spool_threshold 16k (the 40 KB and 400 KB messages go to disk), and the
# file system filled up for a while as FAULT_N messages flow: messages
# that must be spooled get "451 4.3.0" and stay queued in Postfix; once
# space is freed they are retried and delivered.  No spool file may be
# left behind (the file system is empty again at the end).  The last
# buffered write of a spool file happens when the message is sent on, so
# the failure may also show up there: same 451 4.3.0.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin spool_full || exit 1
mnt=$SD/spool
mkdir -p "$mnt" && mount -t tmpfs -o size=4m,mode=1777 tmpfs "$mnt" ||
    { f_fail "cannot mount a tmpfs on $mnt"; exit 1; }
# shellcheck disable=SC2034  # run by f_begin's exit trap, after f_end
F_ON_EXIT='umount "$mnt"'
f_conf "$SD" "spool_directory = $mnt" "spool_threshold = 16k" || exit 1
f_dg_start || exit 1
f_send "$FAULT_N"
rc=0
# fill: fill the file system and keep it full (space that a finished
# spool file frees is taken again at once) until unfill
fill() {
	touch "$SD/filling"
	(
		while [ -e "$SD/filling" ]; do
			dd if=/dev/zero bs=16k >>"$mnt/filler" 2>/dev/null
			sleep 0.02
		done
	) &
	FILLER=$!
	t_wait_for 10 full
}
# full - the file system has (almost) no space left
full() {
	[ "$(df --output=avail "$mnt" | tail -n 1)" -lt 64 ]
}
# unfill - stop filling, free the space
unfill() {
	rm -f "$SD/filling"
	wait "$FILLER"
	rm -f "$mnt/filler"
}
# spool_errors - transactions dkimgate logged as spool-error
spool_errors() {
	f_outcomes spool-error
}
f_fault_window fill unfill 4 f_at_least 10 spool_errors ||
    f_fail "fewer than 10 messages met the full spool" || rc=1
f_send_wait || f_fail "Postfix refused messages" || rc=1
f_wait_all "$FAULT_N" 300
n451=$(f_pflog 'status=deferred .*said: 451 4\.3\.0 .*cannot store the message')
used=$(df --output=used "$mnt" | tail -n 1)
SC_NOTE="spool_errors=$(spool_errors) deferred_451=$n451"
f_check || rc=1
[ "$n451" -gt 0 ] ||
    f_fail "Postfix saw no 451 4.3.0 for the full spool" || rc=1
[ "$used" -lt 64 ] ||
    f_fail "${used}k still used in the spool: files left behind" || rc=1
f_end || rc=1
exit $rc
