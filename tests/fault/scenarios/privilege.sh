#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# privilege - after binding and loading the keys the workers run as the
# unprivileged user:
#  * the supervisor is root, every worker has uid/gid nobody (real,
#    effective, saved, file system) and no other group;
#  * the signing key is root-owned, mode 0600, which nobody cannot read,
#    and still signs: messages sent through the sign listener arrive with
#    a DKIM-Signature that python3-dkim verifies against the published key;
#  * a key file that group or others may read stops the start;
#  * the systemd unit passes "systemd-analyze verify" and its
#    "systemd-analyze security" exposure is recorded (tests/systemd-unit.sh).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
f_begin privilege || exit 1
key=$T/keys/rsa.pem
chown root:root "$key" && chmod 0600 "$key" || exit 1
printf '*@fault.test fault.test rsa %s\n' "$key" >"$SD/keytable"
f_conf "$SD" "workers = 2" "user = nobody" "key_table = $SD/keytable" \
    "listen = 127.0.0.1:$P_SIGN mode=sign, 127.0.0.1:$P_VERIFY mode=verify" ||
    exit 1
f_dg_start || exit 1
rc=0
nob=$(id -u nobody)
nog=$(id -g nobody)
sup=$(dg_pid "$SD")
mapfile -t w < <(f_workers)
# ids PID KEY - the Uid/Gid/Groups line of PID's /proc status
ids() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status"
}
[ "$(ids "$sup" Uid)" = "0 0 0 0" ] ||
    f_fail "supervisor uids: $(ids "$sup" Uid)" || rc=1
[ ${#w[@]} = 2 ] || f_fail "${#w[@]} workers, want 2" || rc=1
for p in "${w[@]}"; do
	[ "$(ids "$p" Uid)" = "$nob $nob $nob $nob" ] &&
	    [ "$(ids "$p" Gid)" = "$nog $nog $nog $nog" ] &&
	    [ "$(ids "$p" Groups)" = "$nog" ] ||
	    f_fail "worker $p: Uid $(ids "$p" Uid) Gid $(ids "$p" Gid)" \
	    "Groups $(ids "$p" Groups)" || rc=1
done
psout=$(ps -o user=,pid= -p "$sup" -p "$(echo "${w[@]}" | tr ' ' ,)")
t_log "ps: $(echo "$psout" | tr '\n' ' ')"
# the user the workers run as cannot read the key
if setpriv --reuid="$nob" --regid="$nog" --clear-groups cat "$key" \
    >/dev/null 2>&1; then
	f_fail "user nobody can read $key"
	rc=1
fi
# ... which still signs
"$PY" - "$P_SIGN" <<'PYEOF' >"$SD/sign.out" 2>&1 || rc=1
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="mua.test")
for i in range(20):
    s.sendmail("alice@fault.test", ["rcpt@dest.example"],
               ("From: Alice <alice@fault.test>\r\nTo: rcpt@dest.example\r\n"
                "Subject: signed %d\r\nMessage-ID: <priv.%d@fault.test>\r\n"
                "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n"
                "\r\nsigned by a worker running as nobody\r\n" % (i, i))
               .encode())
s.quit()
PYEOF
sink_wait_count "$SD" sink 20 60 || f_fail "signed messages missing" || rc=1
txt=$(sed -n 's/.*TXT ( \(.*\) )$/\1/p' "$T/fault.body" | tr -d '" ')
"$PY" - "$SD/sink/msg" "$txt" <<'PYEOF' >>"$SD/sign.out" 2>&1 || rc=1
import dkim, glob, sys
record = sys.argv[2].replace("k=rsa;", "k=rsa; ").encode()
def dnsfunc(name, timeout=5):
    assert name == b"rsa._domainkey.fault.test.", name
    return record
n = ok = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    data = open(f, "rb").read()
    # the Received fields Postfix added on top are not signed
    while data.startswith(b"Received:"):
        end = data.index(b"\r\n", 0)
        while data[end + 2:end + 3] in (b" ", b"\t"):
            end = data.index(b"\r\n", end + 2)
        data = data[end + 2:]
    n += 1
    ok += bool(dkim.verify(data, dnsfunc=dnsfunc))
print("verified %d of %d" % (ok, n))
sys.exit(0 if ok == n == 20 else 1)
PYEOF
t_log "$(tail -n 1 "$SD/sign.out")"
f_dg_stop
# a key that group or others may read stops the start
cp -p "$key" "$SD/loose.pem" && chmod 0640 "$SD/loose.pem"
sed "s|$key|$SD/loose.pem|" "$SD/keytable" >"$SD/loose.table"
sed "s|^key_table = .*|key_table = $SD/loose.table|" "$SD/dkimgate.conf" \
    >"$SD/loose.conf"
if out=$("$DKIMGATE" check-config -q -c "$SD/loose.conf" 2>&1); then
	f_fail "a group-readable key was accepted"
	rc=1
else
	t_log "group-readable key refused: $out"
fi
if [ $rc = 0 ]; then
	echo "PASS privilege_drop (supervisor root, workers uid/gid $nob/$nog" \
	    "only; root 0600 key unreadable by them signs: $(tail -n 1 "$SD/sign.out"))"
fi
# the systemd unit: systemd-analyze verify and security
if command -v systemd-analyze >/dev/null 2>&1; then
	sysout=$(cd "$(dirname "$DKIMGATE")" &&
	    srcdir=$T_SRCDIR sh "$T_SRCDIR/tests/systemd-unit.sh" 2>&1)
	st=$?
	score=$(echo "$sysout" | sed -n 's/^systemd-analyze security exposure: //p')
	if [ $st = 0 ] && [ -n "$score" ]; then
		echo "PASS privilege_systemd_unit (verify clean, exposure $score)"
	else
		f_fail "tests/systemd-unit.sh: $sysout"
		rc=1
	fi
else
	f_fail "systemd-analyze is missing"
	rc=1
fi
f_end || rc=1
exit $rc
