# tests/lib/common.sh - shared bash helpers for dkimgate's script tests.
# shellcheck shell=bash
#
# Source it (". tests/lib/common.sh"); it defines functions only and sets
# a few variables:
#   PY            the Debian python3 (/usr/bin/python3): the first python3 in
#                 PATH may be another one without python3-dkim
#   T_LIBDIR      absolute path of tests/lib
#   T_SRCDIR      absolute path of the source tree
#
# Conventions (common to every script suite of the project): a script exits
# 0 when everything passed, 1 when something failed and 77 when a tool it
# needs is missing (skip).  Processes are stopped by PID only, never by name.

T_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_SRCDIR=$(cd "$T_LIBDIR/../.." && pwd)
PY=${PY:-/usr/bin/python3}

# t_log - print a time-stamped progress line to stderr
t_log() {
	printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# t_fail - print a failure reason and exit 1
t_fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# t_skip - print why the test is skipped and exit 77
t_skip() {
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

# t_need - skip (exit 77) unless every named command exists
t_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || t_skip "needs $c"
	done
}

# t_need_root - skip unless running as root (Postfix master refuses others)
t_need_root() {
	[ "$(id -u)" = 0 ] || t_skip "needs root"
}

# t_wait_for - poll "$@" every 0.1 s until it succeeds; give up after
# TIMEOUT seconds (first argument) with status 1.  Never a blind sleep.
t_wait_for() {
	local timeout=$1 deadline
	shift
	deadline=$(( $(date +%s%N) / 1000000 + timeout * 1000 ))
	while ! "$@"; do
		if [ "$(( $(date +%s%N) / 1000000 ))" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# port_in_use - true if any TCP socket (listening or not) uses local PORT
port_in_use() {
	[ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
}

# port_listening - true if something listens on TCP 127.0.0.1:PORT
port_listening() {
	[ -n "$(ss -Htln "( sport = :$1 )" 2>/dev/null)" ]
}

# port_closed - true if nothing listens on TCP PORT
port_closed() {
	! port_listening "$1"
}

# port_pick - print a random free TCP port in 10000..32767 (below the
# ephemeral range) that this shell has not handed out before
T_PICKED_PORTS=" "
port_pick() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 10000 + (RANDOM * 32768 + RANDOM) % 22768 ))
		case $T_PICKED_PORTS in *" $p "*) continue ;; esac
		port_in_use "$p" && continue
		T_PICKED_PORTS="$T_PICKED_PORTS$p "
		echo "$p"
		return 0
	done
	t_fail "no free port found"
}

# wait_port - wait up to TIMEOUT seconds until PORT listens
wait_port() {
	t_wait_for "${2:-10}" port_listening "$1"
}

# wait_port_closed - wait up to TIMEOUT seconds until PORT no longer listens
wait_port_closed() {
	t_wait_for "${2:-10}" port_closed "$1"
}

# pid_alive - true if PID exists and is not a zombie.  An exited daemon can
# sit as a zombie under PID 1 for a while here: a zombie counts as gone.
pid_alive() {
	local st
	[ -n "$1" ] || return 1
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" \
	    2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# pid_gone - negation of pid_alive, for t_wait_for
pid_gone() {
	! pid_alive "$1"
}

# pgrp_members - print the PIDs of live (non-zombie) processes in PGID
pgrp_members() {
	local f pid rest
	for f in /proc/[0-9]*/stat; do
		{ read -r rest <"$f"; } 2>/dev/null || continue
		pid=${rest%% *}
		rest=${rest##*) }
		# rest: "STATE PPID PGRP ..."
		set -- $rest
		[ "$3" = "$PGID_WANTED" ] || continue
		[ "$1" = Z ] || [ "$1" = X ] || echo "$pid"
	done
}

# pgrp_gone - true if no live process is left in process group $1
pgrp_gone() {
	local PGID_WANTED=$1
	[ -z "$(pgrp_members)" ]
}

# kill_wait - send SIG (default TERM) to PID, wait up to TIMEOUT seconds
# (default 10) until it is gone, then SIGKILL it.  Returns 0 once gone.
kill_wait() {
	local pid=$1 sig=${2:-TERM} timeout=${3:-10}
	pid_alive "$pid" || return 0
	kill -"$sig" "$pid" 2>/dev/null
	t_wait_for "$timeout" pid_gone "$pid" && return 0
	kill -KILL "$pid" 2>/dev/null
	t_wait_for 5 pid_gone "$pid"
}

# kill_pgrp_wait - signal a whole process group and wait until all its
# members are gone (SIGKILL after TIMEOUT seconds)
kill_pgrp_wait() {
	local pgid=$1 sig=${2:-TERM} timeout=${3:-10}
	pgrp_gone "$pgid" && return 0
	kill -"$sig" -- "-$pgid" 2>/dev/null
	t_wait_for "$timeout" pgrp_gone "$pgid" && return 0
	kill -KILL -- "-$pgid" 2>/dev/null
	t_wait_for 5 pgrp_gone "$pgid"
}

# t_mkdir_world - make directory DIR searchable by unprivileged daemons
# (postfix, nobody): mktemp -d makes 0700 directories
t_mkdir_world() {
	mkdir -p "$1" && chmod 755 "$1"
}

# t_tail - print the last N (default 30) lines of FILE, indented, if it exists
t_tail() {
	[ -f "$1" ] || return 0
	echo "--- tail of $1" >&2
	tail -n "${2:-30}" "$1" | sed 's/^/    /' >&2
}
