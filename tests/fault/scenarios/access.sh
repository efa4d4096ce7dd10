#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# access - who may connect, and where listeners bind:
#  * with client_networks = 127.0.0.1/32 a client bound to 127.0.0.2 gets
#    554 5.7.1 at connect and is logged; 127.0.0.1 gets 220;
#  * the built-in default listener is on loopback (127.0.0.1);
#  * check-config warns loudly about a sign listener on a non-loopback
#    address (0.0.0.0, [::], a public address) and about client_networks
#    beyond loopback with a sign listener; not about a loopback one.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin access || exit 1
f_conf "$SD" "workers = 1" "client_networks = 127.0.0.1/32" || exit 1
f_dg_start || exit 1
rc=0
other=$("$PY" "$FAULT_DIR/inject.py" greet --port "$P_VERIFY" \
    --source 127.0.0.2 2>&1)
own=$("$PY" "$FAULT_DIR/inject.py" greet --port "$P_VERIFY" 2>&1)
t_log "from 127.0.0.2: $(echo "$other" | tr '\n' ' ')"
t_log "from 127.0.0.1: $(echo "$own" | tr '\n' ' ')"
echo "$other" | head -n 1 | grep -q '^554 5\.7\.1 ' &&
    echo "$other" | grep -q '^closed$' ||
    f_fail "127.0.0.2 was not refused with 554 5.7.1: $other" || rc=1
grep -q 'reject client=127\.0\.0\.2 reason="not in client_networks"' \
    "$SD/dkimgate.log" ||
    f_fail "the refused client was not logged" || rc=1
echo "$own" | head -n 1 | grep -q '^220 ' ||
    f_fail "127.0.0.1 was not served: $own" || rc=1
f_dg_stop
[ $rc = 0 ] && echo "PASS access_client_networks (127.0.0.2 refused 554 5.7.1 and logged, 127.0.0.1 served)"

# the built-in default: an empty configuration file
: >"$SD/empty.conf"
listen=$("$DKIMGATE" check-config -c "$SD/empty.conf" 2>/dev/null |
    sed -n 's/^listen = //p')
case $listen in
127.0.0.1:*) echo "PASS access_default_loopback (listen = $listen)" ;;
*) f_fail "the default listener is not on loopback: $listen"; rc=1 ;;
esac

# check-config warnings for sign listeners
sed 's/^/*@fault.test fault.test rsa /' <<<"$T/keys/rsa.pem" >"$SD/keytable"
warn=0
for addr in 0.0.0.0 '[::]' 192.0.2.25 127.0.0.1; do
	cat >"$SD/sign.conf" <<EOT
listen = $addr:$P_SIGN mode=sign
key_table = $SD/keytable
user = nobody
EOT
	out=$("$DKIMGATE" check-config -q -c "$SD/sign.conf" 2>&1)
	st=$?
	shown=$addr
	[ "$addr" = '[::]' ] && shown='\[::\]'
	if [ "$addr" = 127.0.0.1 ]; then
		if [ $st != 0 ] || echo "$out" | grep -q WARNING; then
			f_fail "check-config warned about a loopback sign" \
			    "listener: $out"
			rc=1
		fi
		continue
	fi
	if [ $st = 0 ] && echo "$out" | grep -q "^WARNING: listener $shown:$P_SIGN signs mail and listens on a non-loopback address: anyone who can connect can get mail signed with your domains' keys\."; then
		warn=$((warn + 1))
	else
		f_fail "no warning for a sign listener on $addr: $out"
		rc=1
	fi
done
printf 'listen = 127.0.0.1:%s mode=sign\nkey_table = %s\nuser = nobody\nclient_networks = 127.0.0.0/8, 10.0.0.0/8\n' \
    "$P_SIGN" "$SD/keytable" >"$SD/nets.conf"
"$DKIMGATE" check-config -q -c "$SD/nets.conf" 2>&1 |
    grep -q '^WARNING: client_networks (.*) admits clients beyond loopback, and a listener signs mail' &&
    warn=$((warn + 1)) ||
    { f_fail "no warning for client_networks beyond loopback"; rc=1; }
[ $warn = 4 ] && echo "PASS access_sign_warnings (check-config warns for 0.0.0.0, [::], 192.0.2.25 and wide client_networks; not for 127.0.0.1)"
f_end || rc=1
exit $rc
