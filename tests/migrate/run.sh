#!/bin/bash
# tests/migrate/run.sh - migrating from OpenDKIM and dkim-filter with
# "dkimgate import-opendkim" (README "Migrating from OpenDKIM /
# dkim-filter", dkimgate(8) MIGRATING FROM OPENDKIM).
#
# Three set-ups are written into a temporary /etc-like tree, each with keys
# made by openssl as their users made them:
#   opendkim-tables  opendkim.conf with KeyTable + SigningTable (refile:)
#                    for two domains (RSA 2048 and Ed25519), InternalHosts,
#                    Canonicalization, SignHeaders, OversignHeaders,
#                    SignatureTTL, AuthservID, TrustAnchorFile, Socket, ...
#   opendkim-single  Debian's single-key form: Domain, Selector, KeyFile,
#                    SubDomains
#   dkim-filter      the seed article's dkim-filter.conf with a KeyList
#                    ("*@beispiel.de:beispiel.de:/etc/postfix/dkim/beispiel",
#                    a 1024-bit key from "openssl genrsa")
# For each: import-opendkim writes dkimgate.conf; it must name the OpenDKIM
# tables themselves (left unchanged), pass "dkimgate check-config -c", and,
# run by "dkimgate serve" (its ports moved to free ones) with a recording
# sink as the return port, sign exactly the mail the OpenDKIM set-up
# signed: d=, s=, algorithm, canonicalization, x= and oversigning as
# configured, verified by python3-dkim against the public half of the same
# key files; a changed body or Subject must fail; other senders unsigned.
#
# usage: DKIMGATE=/path/to/dkimgate tests/migrate/run.sh
# Exit 0 pass, 1 fail, 77 skip; one summary line at the end.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/common.sh"
. "$SRC/tests/lib/postfix.sh"
HERE=$SRC/tests/migrate

if [ -z "${DKIMGATE:-}" ] || [ ! -x "$DKIMGATE" ]; then
	t_skip "set DKIMGATE to the dkimgate binary"
fi
t_need openssl ss setsid sha256sum "$PY"
"$PY" -c 'import dkim, nacl' 2>/dev/null ||
    t_skip "python3-dkim (with python3-nacl) missing"
[ -f /usr/share/dns/root.key ] || t_skip "dns-root-data missing"

T=$(mktemp -d /tmp/dkimgate-migrate.XXXXXX) || exit 1
t_mkdir_world "$T"
# cleanup - stop what is still running, remove the temporary tree
# shellcheck disable=SC2317  # (called through the EXIT trap)
cleanup() {
	local d
	for d in "$T"/run-*; do
		[ -d "$d" ] || continue
		dg_stop "$d"
		sink_stop "$d" sink
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "migrate: kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

fails=0
passed=()
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# genrsa BITS FILE - an RSA key as OpenDKIM users make them (PKCS#1 PEM,
# like opendkim-genkey); genrsa_seed FILE - as the seed article does
genrsa() {
	openssl genrsa -traditional -out "$2" "$1" 2>/dev/null &&
	    chmod 600 "$2"
}

# migrate NAME CONF EXPECT KEYS - import CONF, check, sign, verify
migrate() {
	local name=$1 conf=$2 expect=$3 keys=$4 d=$T/run-$1 rc lport rport
	local before after
	t_log "=== $name: dkimgate import-opendkim $conf"
	mkdir -p "$d"
	t_mkdir_world "$d"
	before=$(cat "$T/etc/opendkim/"* "$T/etc/dkim-keys.conf" 2>/dev/null |
	    sha256sum)
	"$DKIMGATE" import-opendkim -o "$d/dkimgate.conf" "$conf" \
	    >"$d/import.out" 2>"$d/import.err"
	rc=$?
	if [ $rc != 0 ]; then
		cat "$d/import.err" >&2
		fail "$name: import-opendkim exited $rc"
		return
	fi
	after=$(cat "$T/etc/opendkim/"* "$T/etc/dkim-keys.conf" 2>/dev/null |
	    sha256sum)
	[ "$before" = "$after" ] ||
	    fail "$name: import-opendkim changed the OpenDKIM files"
	if ! "$DKIMGATE" check-config -c "$d/dkimgate.conf" >"$d/check.out" \
	    2>"$d/check.err"; then
		cat "$d/check.err" >&2
		fail "$name: check-config rejects the imported configuration"
		return
	fi
	t_log "$name: check-config passed"
	# the same test on a copy that only moves the ports and the spool
	lport=$(port_pick)
	rport=$(port_pick)
	cp "$d/dkimgate.conf" "$d/run.conf"
	t_mkdir_world "$d/spool" && chmod 1777 "$d/spool"
	dg_conf_set "$d/run.conf" "listen = 127.0.0.1:$lport mode=sign" \
	    "return_address = 127.0.0.1:$rport" "workers = 1" \
	    "spool_directory = $d/spool"
	sink_start "$d" sink "$rport" || { fail "$name: sink"; return; }
	dg_start "$d" "$d/run.conf" || { fail "$name: dkimgate serve"; return; }
	if ! "$PY" "$HERE/signed.py" send "$lport" "$expect" \
	    >"$d/send.log" 2>&1; then
		cat "$d/send.log" >&2
		fail "$name: sending failed"
	fi
	dg_stop "$d"
	sink_stop "$d" sink
	if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' \
	    "$d/dkimgate.log" "$d/import.err"; then
		fail "$name: sanitizer report in $d/dkimgate.log or import.err"
	fi
	if "$PY" "$HERE/signed.py" check "$d/sink/msg" "$expect" "$keys" \
	    >"$d/check-signed.log" 2>&1; then
		sed 's/^/    /' "$d/check-signed.log" >&2
		passed+=("$name")
	else
		sed 's/^/    /' "$d/check-signed.log" >&2
		t_tail "$d/dkimgate.log" 20
		fail "$name: signatures"
	fi
}

# want NAME FILE REGEX - the imported file has a line matching REGEX
want() {
	grep -Eq "$3" "$2" || fail "$1: no line /$3/ in $2"
}

mkdir -p "$T/etc/opendkim" "$T/etc/dkimkeys" "$T/etc/postfix/dkim"

#
# 1. OpenDKIM with KeyTable and SigningTable
#
if ! genrsa 2048 "$T/etc/dkimkeys/example.com.private" ||
    ! openssl genpkey -algorithm ed25519 \
    -out "$T/etc/dkimkeys/example.org.ed25519" 2>/dev/null ||
    ! chmod 600 "$T/etc/dkimkeys/example.org.ed25519"; then
	t_fail "openssl could not make keys"
fi
cat >"$T/etc/opendkim/key.table" <<EOF
# KeyTable: name domain:selector:keyfile
example.com	example.com:2026a:$T/etc/dkimkeys/example.com.private
example.org	example.org:ed2026:$T/etc/dkimkeys/example.org.ed25519
EOF
cat >"$T/etc/opendkim/signing.table" <<EOF
# SigningTable (refile:): From address pattern, KeyTable name
*@example.com		example.com
*@*.example.com		example.com
*@example.org		example.org
EOF
cat >"$T/etc/opendkim/TrustedHosts" <<EOF
127.0.0.1
::1
localhost
192.168.10.0/24
2001:db8:10::/48
mail.example.com
EOF
cat >"$T/etc/opendkim/opendkim.conf" <<EOF
# opendkim.conf - OpenDKIM 2.11 signing for two domains, verifying the rest
Syslog			yes
SyslogSuccess		yes
LogWhy			yes
UMask			007
UserID			opendkim
PidFile			/run/opendkim/opendkim.pid
Socket			inet:8891@localhost
Mode			sv
Canonicalization	relaxed/simple
SignHeaders		From,To,Cc,Subject,Date,Message-ID,MIME-Version
OversignHeaders		From,Subject
KeyTable		refile:$T/etc/opendkim/key.table
SigningTable		refile:$T/etc/opendkim/signing.table
InternalHosts		$T/etc/opendkim/TrustedHosts
ExternalIgnoreList	refile:$T/etc/opendkim/TrustedHosts
AuthservID		mx.example.net
TrustAnchorFile		/usr/share/dns/root.key
MinimumKeyBits		1024
SignatureTTL		604800
AutoRestart		yes
RequireSafeKeys		yes
EOF
cat >"$T/expect-tables" <<EOF
alice@example.com	d=example.com s=2026a a=rsa-sha256 c=relaxed/simple x=604800 o=From,Subject
bob@lists.example.com	d=example.com s=2026a a=rsa-sha256 c=relaxed/simple x=604800 o=From,Subject
carol@example.org	d=example.org s=ed2026 a=ed25519-sha256 c=relaxed/simple x=604800 o=From,Subject
dave@other.example	-
EOF
cat >"$T/keys-tables" <<EOF
2026a example.com $T/etc/dkimkeys/example.com.private
ed2026 example.org $T/etc/dkimkeys/example.org.ed25519
EOF
migrate opendkim-tables "$T/etc/opendkim/opendkim.conf" \
    "$T/expect-tables" "$T/keys-tables"
c=$T/run-opendkim-tables/dkimgate.conf
if [ -f "$c" ]; then
	# the very same files, and the options as the task lists them
	want tables "$c" "^key_table = refile:$T/etc/opendkim/key.table\$"
	want tables "$c" "^signing_table = refile:$T/etc/opendkim/signing.table\$"
	want tables "$c" '^listen = 127\.0\.0\.1:10027 mode=sign,$'
	want tables "$c" '^	127\.0\.0\.1:10026 mode=verify$'
	want tables "$c" '^sign_canonicalization = relaxed/simple$'
	want tables "$c" '^oversign_headers = From, Subject$'
	want tables "$c" '^authserv_id = mx\.example\.net$'
	want tables "$c" '^dns_trust_anchor = /usr/share/dns/root\.key$'
	want tables "$c" '^dkim_min_rsa_bits = 1024$'
	want tables "$c" '^client_networks = 127\.0\.0\.0/8, \[::1\]/128, 192\.168\.10\.0/24,'
	want tables "$c" '#   Socket inet:8891@localhost \(line 8\): dkimgate is not'
	want tables "$c" '#      192\.168\.10\.0/24 FILTER dkimgate-sign:\[127\.0\.0\.1\]:10027'
	want tables "$c" 'remove the OpenDKIM milter \(inet:localhost:8891\)'
	grep -q '"mail.example.com" is not an address' \
	    "$T/run-opendkim-tables/import.err" ||
	    fail "tables: no warning for the host name in InternalHosts"
	# check-config sees the values
	want tables "$T/run-opendkim-tables/check.out" \
	    '^signature_ttl = 7d$'
fi

#
# 2. OpenDKIM's single-key form (Debian's commented example, enabled)
#
genrsa 2048 "$T/etc/dkimkeys/example.private" ||
    t_fail "openssl could not make a key"
cat >"$T/etc/opendkim.conf" <<EOF
# Debian's default opendkim.conf with its signing example enabled
Syslog			yes
SyslogSuccess		yes
Canonicalization	relaxed/simple
OversignHeaders		From
SubDomains		yes
Domain			example.com
Selector		2020
KeyFile			$T/etc/dkimkeys/example.private
UserID			opendkim
UMask			007
Socket			local:/run/opendkim/opendkim.sock
PidFile			/run/opendkim/opendkim.pid
TrustAnchorFile		/usr/share/dns/root.key
EOF
cat >"$T/expect-single" <<EOF
alice@example.com	d=example.com s=2020 a=rsa-sha256 c=relaxed/simple o=From
x@sub.example.com	d=example.com s=2020 a=rsa-sha256 c=relaxed/simple o=From
y@example.net	-
EOF
echo "2020 example.com $T/etc/dkimkeys/example.private" >"$T/keys-single"
migrate opendkim-single "$T/etc/opendkim.conf" "$T/expect-single" \
    "$T/keys-single"
c=$T/run-opendkim-single/dkimgate.conf
if [ -f "$c" ]; then
	want single "$c" "^key_table = $T/run-opendkim-single/key.table\$"
	want single "$T/run-opendkim-single/key.table" \
	    "^\\*@example\\.com	example\\.com	2020	$T/etc/dkimkeys/example\\.private\$"
	want single "$c" 'remove the OpenDKIM milter \(unix:/run/opendkim/opendkim\.sock\)'
fi

#
# 3. The seed article: dkim-filter with a KeyList, key by openssl genrsa
#
(cd "$T" && openssl genrsa -out beispiel.private 1024 2>/dev/null &&
    openssl rsa -in beispiel.private -out beispiel.public -pubout \
    -outform PEM 2>/dev/null &&
    cp beispiel.private "$T/etc/postfix/dkim/beispiel") ||
    t_fail "openssl could not make the seed's key"
echo "*@beispiel.de:beispiel.de:$T/etc/postfix/dkim/beispiel" \
    >"$T/etc/dkim-keys.conf"
cat >"$T/etc/dkim-filter.conf" <<EOF
# /etc/dkim-filter.conf (dkim-filter 2.8, Debian): only the KeyList set
Syslog			yes
UMask			002
KeyList			$T/etc/dkim-keys.conf
EOF
cat >"$T/expect-seed" <<EOF
info@beispiel.de	d=beispiel.de s=beispiel a=rsa-sha256 c=relaxed/relaxed o=From,Subject,Date,To,Cc
someone@other.example	-
EOF
echo "beispiel beispiel.de $T/etc/postfix/dkim/beispiel" >"$T/keys-seed"
migrate dkim-filter "$T/etc/dkim-filter.conf" "$T/expect-seed" \
    "$T/keys-seed"
c=$T/run-dkim-filter/dkimgate.conf
if [ -f "$c" ]; then
	want seed "$c" "^key_list = $T/etc/dkim-keys\\.conf\$"
	want seed "$c" '#   UMask 002 \(line 3\): there is no socket file'
fi

if [ $fails = 0 ]; then
	echo "migrate: PASS (${#passed[@]} set-ups imported, checked, signed" \
	    "and verified: ${passed[*]})"
	exit 0
fi
echo "migrate: FAIL ($fails problems; passed: ${passed[*]:-none})"
exit 1
