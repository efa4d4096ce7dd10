# tests/lib/postfix.sh - private loopback Postfix instances, a recording SMTP
# shellcheck shell=bash
# sink and dkimgate start/stop, for the end-to-end tests (tests/e2e).
#
# Source it after tests/lib/common.sh.  Needs root (Postfix's master refuses
# to run as anyone else).  Everything an instance uses lives in DIR/NAME:
#   DIR/NAME/etc      config_directory (main.cf, master.cf)
#   DIR/NAME/spool    queue_directory
#   DIR/NAME/data     data_directory (created by "postfix check", owner postfix)
#   DIR/NAME/maillog  the instance's log (postlogd; there is no syslog here)
# Every gotcha noted in the shared recipe "private, loopback-only Postfix"
# is handled here: DIR must be searchable by user postfix (chmod 755),
# chroot is off for every service, maillog_file needs maillog_file_prefixes
# and the postlog service, master.pid is space-padded, an exited daemon may
# stay a zombie for a while (counts as gone).
#
# Functions (all return non-zero on failure, none exits the shell):
#   pf_setup DIR NAME                 write main.cf + master.cf of a new instance
#   pf_conf DIR NAME 'p = v' ...      postconf -e
#   pf_master_add DIR NAME < snippet  append lines to master.cf
#   pf_start / pf_stop DIR NAME       start and wait for every inet listener /
#                                     stop master by PID and wait until gone
#   pf_reload DIR NAME                postfix reload
#   pf_wait_queue_empty DIR NAME SEC  poll postqueue -p until empty
#   pf_queue_count DIR NAME           print the number of queued messages
#   pf_flush DIR NAME                 postqueue -f (retry deferred mail now)
#   pf_log DIR NAME                   print the maillog path
#   sink_start DIR NAME PORT          start tests/lib/smtp_sink.py in DIR/NAME
#   sink_stop DIR NAME
#   sink_count DIR NAME               print how many messages were stored
#   sink_wait_count DIR NAME N SEC    wait until at least N are stored
#   dg_conf_set CONF 'name = value'.. replace or add dkimgate.conf parameters
#   dg_listen_ports CONF              print the ports of the listen parameter
#   dg_start DIR CONF                 run "$DKIMGATE serve -f -c CONF" in its
#                                     own process group, wait for its listeners
#   dg_stop DIR                       SIGTERM the group, wait until all gone
#   dg_kill DIR                       SIGKILL the group (supervisor + workers)
#   dg_pid DIR                        print the supervisor PID
# With DKIMGATE_STANDIN=1, dg_start runs tests/lib/standin_relay.py instead
# of the daemon (to check the harness itself); DKIMGATE_WRAPPER, if set, is
# put in front of the dkimgate command (e.g. "valgrind -q").

PF_DAEMON_DIR=${PF_DAEMON_DIR:-$(postconf -h daemon_directory 2>/dev/null)}

# pf_etc - print the config directory of instance DIR/NAME
pf_etc() {
	echo "$1/$2/etc"
}

# pf_log - print the maillog path of instance DIR/NAME
pf_log() {
	echo "$1/$2/maillog"
}

# pf_setup - create instance DIR/NAME with the recipe's minimal main.cf and
# master.cf (no listener yet: add one with pf_master_add)
pf_setup() {
	local d=$1/$2
	t_mkdir_world "$1" || return 1
	t_mkdir_world "$d" || return 1
	mkdir -p "$d/etc" "$d/spool" || return 1
	cat >"$d/etc/main.cf" <<EOF
# Private test instance $2 (tests/lib/postfix.sh)
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/maillog
maillog_file_prefixes = $d
myhostname = $2.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
biff = no
EOF
	cat >"$d/etc/master.cf" <<'EOF'
# Private test instance (tests/lib/postfix.sh): chroot off everywhere.
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# pf_conf - set main.cf parameters of instance DIR/NAME
pf_conf() {
	local etc
	etc=$(pf_etc "$1" "$2")
	shift 2
	postconf -c "$etc" -e "$@"
}

# pf_master_add - append master.cf lines (stdin) to instance DIR/NAME
pf_master_add() {
	cat >>"$(pf_etc "$1" "$2")/master.cf"
}

# pf_inet_ports - print the ports of the active "ADDR:PORT inet" services
pf_inet_ports() {
	awk '/^[^#[:space:]]/ && $2 == "inet" {
		n = split($1, a, ":"); if (n > 1) print a[n] }' \
	    "$(pf_etc "$1" "$2")/master.cf"
}

# pf_master_pid - print the PID of the instance's master (file is padded)
pf_master_pid() {
	tr -d ' \n' <"$1/$2/spool/pid/master.pid" 2>/dev/null
}

# pf_start - check and start instance DIR/NAME, wait for its listeners
pf_start() {
	local etc p
	etc=$(pf_etc "$1" "$2")
	# postfix writes its errors to stderr only on a terminal: on failure
	# show the maillog, or run check under a pty if there is no maillog
	if ! postfix -c "$etc" check >/dev/null 2>&1; then
		echo "postfix check failed for $1/$2" >&2
		t_tail "$(pf_log "$1" "$2")"
		script -qc "postfix -c $etc check" /dev/null >&2 </dev/null
		return 1
	fi
	if ! postfix -c "$etc" start >/dev/null 2>&1; then
		echo "postfix start failed for $1/$2" >&2
		t_tail "$(pf_log "$1" "$2")"
		return 1
	fi
	for p in $(pf_inet_ports "$1" "$2"); do
		if ! wait_port "$p" 20; then
			echo "postfix $1/$2: nothing listens on port $p" >&2
			t_tail "$(pf_log "$1" "$2")"
			return 1
		fi
	done
}

# pf_stop - stop instance DIR/NAME by its master PID and wait until gone
pf_stop() {
	local pid
	pid=$(pf_master_pid "$1" "$2")
	[ -n "$pid" ] || return 0
	kill_wait "$pid" TERM 20
}

# pf_reload - make master re-read main.cf and master.cf
pf_reload() {
	postfix -c "$(pf_etc "$1" "$2")" reload >/dev/null 2>&1
}

# pf_queue_empty - true if the queue of DIR/NAME is empty
pf_queue_empty() {
	postqueue -c "$(pf_etc "$1" "$2")" -p 2>/dev/null |
	    grep -q '^Mail queue is empty'
}

# pf_wait_queue_empty - wait up to TIMEOUT seconds for an empty queue
pf_wait_queue_empty() {
	t_wait_for "${3:-60}" pf_queue_empty "$1" "$2"
}

# pf_queue_count - print the number of messages in the queue
pf_queue_count() {
	postqueue -c "$(pf_etc "$1" "$2")" -j 2>/dev/null | wc -l
}

# pf_flush - ask the queue manager to retry deferred mail now
pf_flush() {
	postqueue -c "$(pf_etc "$1" "$2")" -f
}

# sink_start - start the recording sink on 127.0.0.1:PORT, messages in
# DIR/NAME/msg, PID in DIR/NAME/sink.pid
sink_start() {
	local d=$1/$2 port=$3
	mkdir -p "$d/msg" || return 1
	"$PY" "$T_LIBDIR/smtp_sink.py" --dir "$d/msg" --port "$port" \
	    --pidfile "$d/sink.pid" >>"$d/sink.log" 2>&1 &
	echo $! >"$d/sink.pid"
	echo "$port" >"$d/sink.port"
	if ! wait_port "$port" 10; then
		echo "sink $d did not start" >&2
		t_tail "$d/sink.log"
		return 1
	fi
}

# sink_stop - stop the sink of DIR/NAME by PID
sink_stop() {
	local pid
	pid=$(cat "$1/$2/sink.pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	kill_wait "$pid" TERM 10
}

# sink_count - print how many complete messages DIR/NAME's sink stored
sink_count() {
	find "$1/$2/msg" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l
}

# sink_has - true if the sink stored at least N messages
sink_has() {
	[ "$(sink_count "$1" "$2")" -ge "$3" ]
}

# sink_wait_count - wait up to TIMEOUT seconds for at least N messages
sink_wait_count() {
	t_wait_for "${4:-60}" sink_has "$1" "$2" "$3"
}

# dg_conf_set - in dkimgate.conf CONF, replace each named parameter (with
# its continuation lines) or append it: dg_conf_set CONF 'name = value' ...
dg_conf_set() {
	local conf=$1 kv name
	shift
	for kv in "$@"; do
		name=$(printf '%s' "${kv%%=*}" | tr -d ' \t')
		awk -v n="$name" '
			skip && /^[ \t]/ { next }
			{ skip = 0 }
			$0 ~ "^" n "[ \t]*=" { skip = 1; next }
			{ print }' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
		printf '%s\n' "$kv" >>"$conf"
	done
}

# dg_listen_ports - print the listening ports of CONF's listen parameter
dg_listen_ports() {
	awk '
		/^[ \t]/ && inl { v = v " " $0; next }
		{ inl = 0 }
		/^listen[ \t]*=/ { inl = 1; sub(/^listen[ \t]*=/, ""); v = $0 }
		END {
			n = split(v, spec, ",")
			for (i = 1; i <= n; i++) {
				split(spec[i], w, " ")
				m = split(w[1], a, ":")
				if (m > 1) print a[m]
			}
		}' "$1"
}

# dg_pid - print the PID (= process group) of the dkimgate run in DIR
dg_pid() {
	cat "$1/dkimgate.pid" 2>/dev/null
}

# dg_start - start dkimgate with CONF in its own session/process group;
# log in DIR/dkimgate.log, PID in DIR/dkimgate.pid; wait for the listeners
dg_start() {
	local dir=$1 conf=$2 pid p
	local -a cmd
	if [ "${DKIMGATE_STANDIN:-0}" = 1 ]; then
		cmd=("$PY" "$T_LIBDIR/standin_relay.py" "$conf")
	else
		[ -x "${DKIMGATE:-}" ] || {
			echo "DKIMGATE is not set to an executable" >&2
			return 1
		}
		# DKIMGATE_WRAPPER: optional command words put in front
		# (e.g. "valgrind -q"), split on blanks on purpose
		# shellcheck disable=SC2206
		cmd=(${DKIMGATE_WRAPPER:-} "$DKIMGATE" serve -f -c "$conf")
	fi
	rm -f "$dir/dkimgate.pid"
	echo "=== $(date +%T) start: ${cmd[*]}" >>"$dir/dkimgate.log"
	# the sh records its own PID, then becomes dkimgate: that PID is the
	# session and process-group leader, so -PID reaches every worker
	setsid sh -c 'echo $$ >"$0"; exec "$@"' "$dir/dkimgate.pid" \
	    "${cmd[@]}" >>"$dir/dkimgate.log" 2>&1 </dev/null &
	t_wait_for 10 test -s "$dir/dkimgate.pid" || {
		echo "dkimgate did not start" >&2
		return 1
	}
	pid=$(dg_pid "$dir")
	for p in $(dg_listen_ports "$conf"); do
		if ! t_wait_for 20 dg_port_or_dead "$pid" "$p" ||
		    ! pid_alive "$pid"; then
			echo "dkimgate (pid $pid) is not listening on $p" >&2
			t_tail "$dir/dkimgate.log"
			return 1
		fi
	done
}

# dg_port_or_dead - true once PORT listens or PID has died (stop polling)
dg_port_or_dead() {
	port_listening "$2" || ! pid_alive "$1"
}

# dg_stop - SIGTERM dkimgate's process group and wait until all are gone
dg_stop() {
	local pid
	pid=$(dg_pid "$1")
	[ -n "$pid" ] || return 0
	kill_pgrp_wait "$pid" TERM 30
}

# dg_kill - SIGKILL dkimgate's whole process group (supervisor and
# workers) at once, and wait until every member is gone
dg_kill() {
	local pid
	pid=$(dg_pid "$1")
	[ -n "$pid" ] || return 1
	kill -KILL -- "-$pid" 2>/dev/null
	t_wait_for 10 pgrp_gone "$pid"
}
