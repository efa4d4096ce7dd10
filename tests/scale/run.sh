#!/bin/bash
# tests/scale/run.sh - two dkimgate instances behind one Postfix
# content_filter next hop (postfix-examples/README.scale, layout 1).
#
# A private Postfix 3.7 (tests/lib/postfix.sh) is built from
# postfix-examples/{main.cf.scale,master.cf.scale}, with the example
# addresses and ports replaced: the next hop [dkimgate-pool]:PORT resolves,
# through an /etc/hosts bind-mounted over the real one in a private mount
# namespace that only this Postfix sees (unshare), to 127.0.0.1 and
# 127.0.0.2, where two dkimgate instances (postfix-examples/
# dkimgate.conf.scale, mode=pass) listen on the same port and hand mail
# back to the one return smtpd, which relays it to a recording sink.
#
#   1. load spreads: of 200 messages sent with both instances up, each
#      instance's log shows at least 10% (its "outcome=delivered" lines);
#   2. stopping one loses nothing: 400 more messages are queued, released
#      at once, and while they flow the instance on 127.0.0.2 gets SIGTERM
#      (it drains its sessions and exits); every one of the 600 messages
#      must reach the sink byte for byte, the stopped instance must take no
#      message after it exited, the other must take the rest, Postfix must
#      log the refused connections to 127.0.0.2 it skipped, and nothing may
#      bounce. Duplicates are allowed only where Postfix itself logged
#      "may be sent more than once"; they are counted and printed.
#
# usage: DKIMGATE=/path/to/dkimgate tests/scale/run.sh    (as root)
# Exit 0 pass, 1 fail, 77 skip; one summary line at the end.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/common.sh"
. "$SRC/tests/lib/postfix.sh"
EX=$SRC/postfix-examples
MAILPY=$T_LIBDIR/e2e_mail.py
N1=200
N2=400

t_need_root
t_need postfix postconf postqueue ss setsid unshare mount "$PY"
if [ -z "${DKIMGATE:-}" ] || [ ! -x "$DKIMGATE" ]; then
	t_skip "set DKIMGATE to the dkimgate binary"
fi
unshare --mount --propagation private true 2>/dev/null ||
    t_skip "cannot make a private mount namespace (unshare --mount)"

T=$(mktemp -d /tmp/dkimgate-scale.XXXXXX) || exit 1
t_mkdir_world "$T"
pf_started=0
# cleanup - stop Postfix, both instances and the sink by PID
# shellcheck disable=SC2317  # (called through the EXIT trap)
cleanup() {
	[ "$pf_started" = 1 ] && pf_stop "$T" pf
	dg_stop "$T/a"
	dg_stop "$T/b"
	sink_stop "$T" sink
	if [ "${KEEP:-0}" = 1 ]; then
		echo "scale: kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

# a free port that is free on 127.0.0.2 as well (port_pick checks every
# local address, so it is)
P_SMTP=$(port_pick)
P_FILTER=$(port_pick)
P_RETURN=$(port_pick)
P_SINK=$(port_pick)

# example - print postfix-examples/FILE with the example addresses
# and ports replaced by the test's
example() {
	sed -e "s/^smtp\([[:space:]][[:space:]]*inet[[:space:]]\)/127.0.0.1:$P_SMTP\1/" \
	    -e "s/192\.0\.2\.1:10028/127.0.0.1:$P_RETURN/g" \
	    -e "s/:10027\([^0-9]\|$\)/:$P_FILTER\1/g" \
	    -e "s/192\.0\.2\.11/127.0.0.1/g" \
	    -e "s/192\.0\.2\.12/127.0.0.2/g" \
	    -e "s/192\.0\.2\.1\/32/127.0.0.1\/32/g" \
	    "$EX/$1"
}

# listening_on ADDR PORT - something listens on exactly ADDR:PORT
# shellcheck disable=SC2317  # (called through t_wait_for)
listening_on() {
	[ -n "$(ss -Htln "( src = $1:$2 )" 2>/dev/null)" ]
}

# delivered DIR - how many messages the instance in DIR handed back
delivered() {
	grep -c ' message queue_id=.* outcome=delivered ' "$1/dkimgate.log" \
	    2>/dev/null
}
# shellcheck disable=SC2317  # (called through t_wait_for)
delivered_at_least() {
	[ "$(delivered "$1")" -ge "$2" ]
}

# 1. Postfix from the examples
pf_setup "$T" pf || t_fail "pf_setup"
pf_conf "$T" pf "relayhost = [127.0.0.1]:$P_SINK" "queue_run_delay = 1s" \
    "minimal_backoff_time = 1s" "maximal_backoff_time = 2s" ||
    t_fail "postconf"
example main.cf.scale >>"$T/pf/etc/main.cf"
example master.cf.scale | pf_master_add "$T" pf
grep -q "content_filter=dkimgate-pool:\[dkimgate-pool\]:$P_FILTER" \
    "$T/pf/etc/master.cf" || t_fail "master.cf.scale did not convert"
# the hosts file this Postfix sees: the real one plus the pool's lines
{ cat /etc/hosts; example hosts.scale; } >"$T/hosts"
[ "$(grep -c '^127\.0\.0\.[12][[:space:]]*dkimgate-pool$' "$T/hosts")" = 2 ] ||
    t_fail "postfix-examples/hosts.scale did not convert"

# 2. the two instances, from the same example file
for x in a b; do
	mkdir -p "$T/$x/spool"
	t_mkdir_world "$T/$x"
	chmod 1777 "$T/$x/spool"
	example dkimgate.conf.scale >"$T/$x/dkimgate.conf"
	addr=127.0.0.1
	[ $x = b ] && addr=127.0.0.2
	dg_conf_set "$T/$x/dkimgate.conf" \
	    "listen = $addr:$P_FILTER mode=pass" "user = nobody" \
	    "workers = 2" "spool_directory = $T/$x/spool"
done
grep -q "^return_address = 127.0.0.1:$P_RETURN\$" "$T/a/dkimgate.conf" ||
    t_fail "dkimgate.conf.scale did not convert"

sink_start "$T" sink "$P_SINK" || t_fail "sink did not start"
dg_start "$T/a" "$T/a/dkimgate.conf" || t_fail "instance a did not start"
dg_start "$T/b" "$T/b/dkimgate.conf" || t_fail "instance b did not start"
t_wait_for 20 listening_on 127.0.0.2 "$P_FILTER" ||
    t_fail "instance b does not listen on 127.0.0.2:$P_FILTER"
t_wait_for 20 listening_on 127.0.0.1 "$P_FILTER" ||
    t_fail "instance a does not listen on 127.0.0.1:$P_FILTER"

# Postfix in its own mount namespace, with the pool in its /etc/hosts
if ! postfix -c "$T/pf/etc" check >"$T/pf-check.log" 2>&1; then
	t_tail "$(pf_log "$T" pf)"
	t_fail "postfix check failed"
fi
# shellcheck disable=SC2016  # (the inner sh expands $1 and $2)
unshare --mount --propagation private sh -c \
    'mount --bind "$1" /etc/hosts && exec postfix -c "$2" start' \
    sh "$T/hosts" "$T/pf/etc" >"$T/pf-start.log" 2>&1 ||
    t_fail "postfix start in a mount namespace failed"
pf_started=1
for p in $(pf_inet_ports "$T" pf); do
	wait_port "$p" 20 || t_fail "postfix does not listen on $p"
done
t_log "Postfix $P_SMTP -> [dkimgate-pool]:$P_FILTER (127.0.0.1, 127.0.0.2)" \
    "-> return $P_RETURN -> sink $P_SINK"

# 3. load spreads over both instances
"$PY" "$MAILPY" send --port "$P_SMTP" --run scale1 --count $N1 \
    --threads 4 --profile small --manifest "$T/manifest.1" ||
    t_fail "Postfix did not accept every message"
sink_wait_count "$T" sink $N1 180 ||
    t_fail "only $(sink_count "$T" sink) of $N1 messages arrived"
pf_wait_queue_empty "$T" pf 60 || t_fail "queue not empty after run 1"
a1=$(delivered "$T/a")
b1=$(delivered "$T/b")
t_log "run 1: $N1 messages, instance a (127.0.0.1) $a1, b (127.0.0.2) $b1"
fails=0
if [ $((a1 + b1)) -lt $N1 ]; then
	echo "FAIL: the instances handed back $((a1 + b1)) of $N1" >&2
	fails=$((fails + 1))
fi
for n in "$a1" "$b1"; do
	if [ "$n" -lt $((N1 / 10)) ]; then
		echo "FAIL: one instance got only $n of $N1 (a=$a1 b=$b1)" >&2
		fails=$((fails + 1))
	fi
done

# 4. stop instance b (SIGTERM) while the next run flows
if ! pf_conf "$T" pf "defer_transports = dkimgate-pool" ||
    ! pf_reload "$T" pf; then
	t_fail "could not hold the pool transport"
fi
"$PY" "$MAILPY" send --port "$P_SMTP" --run scale2 --count $N2 \
    --threads 4 --profile small --manifest "$T/manifest.2" ||
    t_fail "Postfix did not accept every message of run 2"
[ "$(sink_count "$T" sink)" = $N1 ] || t_fail "mail passed while held"
if ! pf_conf "$T" pf "defer_transports =" || ! pf_reload "$T" pf ||
    ! pf_flush "$T" pf; then
	t_fail "could not release the pool transport"
fi
t_wait_for 120 delivered_at_least "$T/b" $((b1 + 30)) ||
    t_fail "instance b took only $(( $(delivered "$T/b") - b1 )) of run 2"
bpid=$(dg_pid "$T/b")
at_term=$(( $(delivered "$T/a") + $(delivered "$T/b") - a1 - b1 ))
kill -TERM "$bpid" || t_fail "could not signal instance b"
t_log "SIGTERM to instance b (pid $bpid) after $at_term messages of run 2"
t_wait_for 60 pgrp_gone "$bpid" ||
    t_fail "instance b did not exit after SIGTERM"
b_stop=$(delivered "$T/b")
t_log "instance b exited; it had handed back $((b_stop - b1)) of run 2"
[ "$at_term" -lt $N2 ] || t_fail "run 2 was over before the SIGTERM"

sink_wait_count "$T" sink $((N1 + N2)) 300 ||
    t_fail "only $(sink_count "$T" sink) of $((N1 + N2)) messages arrived"
pf_wait_queue_empty "$T" pf 60 || t_fail "queue not empty after run 2"
a2=$(( $(delivered "$T/a") - a1 ))
b2=$(( $(delivered "$T/b") - b1 ))
t_log "run 2: $N2 messages, instance a $a2, b $b2 (b stopped)"

# nothing after the exit, the rest on a
if [ "$(delivered "$T/b")" != "$b_stop" ]; then
	echo "FAIL: instance b handed back mail after it exited" >&2
	fails=$((fails + 1))
fi
if [ "$a2" -lt $((N2 - b2)) ]; then
	echo "FAIL: a took $a2, b $b2: $((N2 - a2 - b2)) messages unaccounted" >&2
	fails=$((fails + 1))
fi
grep -q 'draining' "$T/b/dkimgate.log" ||
    echo "note: instance b logged no drain" >&2
refused=$(grep -cE "connect to dkimgate-pool\[127\.0\.0\.2\]:$P_FILTER: Connection refused" \
    "$(pf_log "$T" pf)")
t_log "Postfix skipped the stopped instance $refused times (connection refused)"
if [ "$refused" -lt 1 ]; then
	echo "FAIL: Postfix never tried (and skipped) the stopped instance" >&2
	fails=$((fails + 1))
fi
bounced=$(grep -c 'status=bounced' "$(pf_log "$T" pf)")
if [ "$bounced" != 0 ]; then
	echo "FAIL: $bounced messages bounced" >&2
	fails=$((fails + 1))
fi
deferred=$(grep -c 'relay=dkimgate-pool.*status=deferred' "$(pf_log "$T" pf)")
dg_stop "$T/a"
if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$T/a/dkimgate.log" \
    "$T/b/dkimgate.log"; then
	echo "FAIL: sanitizer report in an instance's dkimgate.log" >&2
	fails=$((fails + 1))
fi

# every message exactly once, byte for byte
awk '
	/: message-id=</ {
		q = $6; sub(/:$/, "", q)
		m = $0; sub(/.*message-id=</, "", m); sub(/@src.example>.*/, "", m)
		id[q] = m
	}
	/more than once/ && !/temporarily suspended/ {
		q = $6; sub(/:$/, "", q)
		if (q in id) print id[q]
	}' "$(pf_log "$T" pf)" | sort -u >"$T/allowdup"
cat "$T/manifest.1" "$T/manifest.2" >"$T/manifest.all"
if ! "$PY" "$MAILPY" check --manifest "$T/manifest.all" --sink "$T/sink/msg" \
    --allow-dup "$T/allowdup" --profile small >"$T/check.out" 2>&1; then
	cat "$T/check.out" >&2
	echo "FAIL: lost, altered or unexplained duplicate messages" >&2
	fails=$((fails + 1))
fi
dups=$(sed -n 's/.* duplicates=\([0-9]*\) .*/\1/p' "$T/check.out")

if [ $fails = 0 ]; then
	echo "scale: PASS ($((N1 + N2)) messages delivered once each;" \
	    "run 1 a=$a1 b=$b1; run 2 a=$a2 b=$b2 with b stopped by SIGTERM" \
	    "mid-run; refused-and-skipped=$refused deferred=$deferred" \
	    "duplicates=${dups:-?})"
	exit 0
fi
echo "scale: FAIL ($fails problems; run 1 a=$a1 b=$b1; run 2 a=$a2 b=$b2;" \
    "duplicates=${dups:-?})"
exit 1
