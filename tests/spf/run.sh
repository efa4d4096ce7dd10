#!/bin/bash
# run.sh - SPF and DMARC through real DNS: NSD on loopback
# (tests/lib/nsd.sh) and "dkimgate verify --client-ip --helo --mail-from".
#
# Part 1: hand-written zones, DNSSEC-signed (org.test, psd.test), unsigned
# (plain.test) and bogus (bogus.test, expired signatures). Checks the
# spf= and dmarc= results of the Authentication-Results field: ip4, mx,
# include, exp=, the HELO identity for the null reverse-path, DNSSEC
# secure/insecure/bogus, DMARC pass by SPF and by DKIM (a message signed by
# "dkimgate sign"), relaxed alignment, sp for an existing subdomain, np for
# a non-existent one, a PSD record (psd=y), t=y, and DMARC without SPF
# inputs; RFC 9989 details: an RFC 7489 pct= is ignored (C.5.2), "V=DMARC1"
# is a record (4.8), a U-label From domain is looked up as its A-label
# (5.3.1), and the applied policy is policy.dmarc (9.1).
#
# Part 2: the RFC 7208 conformance suite through NSD: each scenario's
# zone data (tests/spf/suite2zone.py) is served as a root zone, every test
# runs through "dkimgate verify"; only the tests that need a query to time
# out are left out (see suite2zone.py).
#
# usage: DKIMGATE=/path/to/dkimgate tests/spf/run.sh
# Exit 0 pass, 1 fail, 77 when a tool is missing; one summary line last.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DKIMGATE=${DKIMGATE:-$top/dkimgate}
PY=/usr/bin/python3

. "$top/tests/lib/nsd.sh"

skip() {
	echo "spf: SKIP: $*"
	exit 77
}

[ -x "$DKIMGATE" ] || skip "no dkimgate binary at $DKIMGATE"
nsd_have_tools || skip "nsd, ldns-keygen, ldns-signzone, dig or openssl missing"
[ -x "$PY" ] || skip "no $PY"

work=$(mktemp -d /tmp/spf-test.XXXXXX) || exit 1
chmod 755 "$work"
cleanup() {
	nsd_stop "$work/dns"
	[ -d "$work/suite-dns" ] && nsd_stop "$work/suite-dns"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "spf: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

fail=0
nchecks=0
failed() {
	echo "FAIL: $*"
	fail=1
}

# unfold - an RFC 5322 field on one line
unfold() {
	tr -d '\r' | awk 'NR > 1 && /^[ \t]/ { sub(/^[ \t]+/, " "); \
	    printf "%s", $0; next } { if (NR > 1) print ""; printf "%s", $0 } \
	    END { print "" }'
}

# --- Part 1: zones ---
dns=$work/dns
nsd_setup "$dns" || exit 1

cat > "$work/org.body" <<'EOF'
@		IN TXT	"v=spf1 ip4:192.0.2.0/24 mx include:_spf.org.test -all exp=why.org.test"
@		IN MX	10 mail.org.test.
mail		IN A	198.51.100.25
_spf		IN TXT	"v=spf1 ip4:203.0.113.0/25 ?all"
why		IN TXT	"%{i} is not allowed to send mail for %{d}"
h		IN A	192.0.2.10
h		IN TXT	"v=spf1 a -all"
sub		IN A	192.0.2.11
sub		IN TXT	"v=spf1 ip4:192.0.2.0/24 -all"
_dmarc		IN TXT	"v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:dmarc@org.test"
testing		IN A	192.0.2.12
_dmarc.testing	IN TXT	"v=DMARC1; p=reject; t=y"
legacy		IN A	192.0.2.13
_dmarc.legacy	IN TXT	"v=DMARC1; p=quarantine; pct=0"
upper		IN A	192.0.2.14
_dmarc.upper	IN TXT	"V=DMARC1; p=none"
xn--bcher-kva	IN A	192.0.2.15
_dmarc.xn--bcher-kva	IN TXT	"v=DMARC1; p=quarantine"
EOF
cat > "$work/psd.body" <<'EOF'
_dmarc		IN TXT	"v=DMARC1; p=reject; psd=y"
brand		IN TXT	"v=spf1 ip4:192.0.2.0/24 -all"
EOF
cat > "$work/plain.body" <<'EOF'
@		IN TXT	"v=spf1 ip4:192.0.2.0/24 -all"
_dmarc		IN TXT	"v=DMARC1; p=quarantine"
EOF
cp "$work/plain.body" "$work/bogus.body"
# the parent of them all, so that the DMARC tree walk ends in an answer
printf 'x IN A 192.0.2.99\n' > "$work/test.body"

# a DKIM key for org.test, signing with dkimgate itself
openssl genrsa -traditional -out "$work/s1.pem" 2048 2>/dev/null ||
    { echo "spf: openssl genrsa failed"; exit 1; }
nsd_add_dkim_key "$work/org.body" s1 org.test "$work/s1.pem" ||
    exit 1

nsd_add_zone "$dns" org.test signed "$work/org.body" &&
nsd_add_zone "$dns" psd.test signed "$work/psd.body" &&
nsd_add_zone "$dns" plain.test plain "$work/plain.body" &&
nsd_add_zone "$dns" bogus.test bogus "$work/bogus.body" &&
nsd_add_zone "$dns" test plain "$work/test.body" &&
nsd_start "$dns" || { echo "spf: cannot start NSD"; exit 1; }

printf 'dns_timeout = 3s\n' > "$work/dkimgate.conf"

# msg FROM - a small message from FROM
msg() {
	printf 'From: Someone <%s>\r\nTo: rcpt@example.net\r\n' "$1"
	printf 'Subject: test\r\nMessage-ID: <%s.%s@test>\r\n\r\nHello.\r\n' \
	    "$RANDOM" "$RANDOM"
}

# verify FILE ARGS... - print the unfolded A-R field
verify() {
	local f=$1
	shift
	"$DKIMGATE" verify -c "$work/dkimgate.conf" \
	    --resolver "127.0.0.1@$NSD_PORT" \
	    --trust-anchor "$dns/trust-anchors.ds" --authserv-id mx.test \
	    "$@" "$f" 2>>"$work/verify.log" | unfold
}

# expect NAME OUTPUT TEXT... - each TEXT must be in OUTPUT
expect() {
	local name=$1 out=$2 t
	shift 2
	nchecks=$((nchecks + 1))
	for t in "$@"; do
		case $out in
		*"$t"*) ;;
		*) failed "$name: '$t' not in: $out"; return ;;
		esac
	done
}

# reject NAME OUTPUT TEXT - TEXT must not be in OUTPUT
reject() {
	nchecks=$((nchecks + 1))
	case $2 in
	*"$3"*) failed "$1: '$3' in: $2" ;;
	esac
}

msg a@org.test > "$work/org.eml"
out=$(verify "$work/org.eml" --client-ip 192.0.2.10 --helo h.org.test \
    --mail-from a@org.test)
expect "ip4 pass, secure, DMARC pass by SPF" "$out" \
    "spf=pass (matched ip4:192.0.2.0/24; secure) smtp.mailfrom=a@org.test smtp.helo=h.org.test" \
    "dmarc=pass (p=reject dis=none) header.from=org.test policy.dmarc=none"

out=$(verify "$work/org.eml" --client-ip 198.51.100.25 --helo mail.org.test \
    --mail-from '<a@org.test>')
expect "mx pass" "$out" "spf=pass (matched mx; secure)"

out=$(verify "$work/org.eml" --client-ip 203.0.113.5 --helo x.example \
    --mail-from a@org.test)
expect "include pass matches" "$out" \
    "spf=pass (matched include:_spf.org.test; secure)"

out=$(verify "$work/org.eml" --client-ip 203.0.113.200 --helo x.example \
    --mail-from a@org.test)
expect "include neutral is no match; -all with exp=" "$out" \
    'spf=fail (matched -all; secure) reason="203.0.113.200 is not allowed to send mail for org.test"' \
    "dmarc=fail (p=reject dis=quarantine) header.from=org.test"

out=$(verify "$work/org.eml" --client-ip 192.0.2.10 --helo h.org.test \
    --mail-from '<>')
expect "null reverse-path: HELO identity" "$out" \
    "spf=pass (matched a; secure) smtp.helo=h.org.test" \
    "dmarc=pass (p=reject dis=none)"
reject "null reverse-path: no smtp.mailfrom" "$out" "smtp.mailfrom"

out=$(verify "$work/org.eml" --client-ip 192.0.2.10 --helo h.org.test \
    --mail-from bounce@sub.org.test)
expect "relaxed SPF alignment (sub.org.test / org.test)" "$out" \
    "spf=pass (matched ip4:192.0.2.0/24; secure) smtp.mailfrom=bounce@sub.org.test" \
    "dmarc=pass (p=reject dis=none) header.from=org.test"

msg a@sub.org.test > "$work/sub.eml"
out=$(verify "$work/sub.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@sub.org.test)
expect "existing subdomain: sp" "$out" "spf=fail" \
    "dmarc=fail (p=quarantine dis=quarantine) header.from=sub.org.test"

msg a@ghost.org.test > "$work/ghost.eml"
out=$(verify "$work/ghost.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@org.test)
expect "non-existent subdomain: np" "$out" \
    "dmarc=fail (p=reject dis=quarantine) header.from=ghost.org.test"

msg a@testing.org.test > "$work/testing.eml"
out=$(verify "$work/testing.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@testing.org.test)
expect "t=y: one step down" "$out" \
    "dmarc=fail (p=reject dis=quarantine) header.from=testing.org.test"

msg a@legacy.org.test > "$work/legacy.eml"
out=$(verify "$work/legacy.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@legacy.org.test)
expect "RFC 7489 pct=0 is ignored (RFC 9989 C.5.2)" "$out" \
    "dmarc=fail (p=quarantine dis=quarantine) header.from=legacy.org.test policy.dmarc=quarantine"

msg a@upper.org.test > "$work/upper.eml"
out=$(verify "$work/upper.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@upper.org.test)
expect "V=DMARC1 is a DMARC record (RFC 9989 4.8)" "$out" \
    "dmarc=fail (p=none dis=none) header.from=upper.org.test policy.dmarc=none"

msg "a@b$(printf '\303\274')cher.org.test" > "$work/idn.eml"
out=$(verify "$work/idn.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@org.test)
expect "U-label From domain as A-label (RFC 9989 5.3.1)" "$out" \
    "dmarc=fail (p=quarantine dis=quarantine) header.from=xn--bcher-kva.org.test"

msg a@brand.psd.test > "$work/psd.eml"
out=$(verify "$work/psd.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@brand.psd.test)
expect "PSD record (psd=y) applies below it" "$out" \
    "spf=fail (matched -all; secure)" \
    "dmarc=fail (p=reject dis=quarantine) header.from=brand.psd.test"

msg a@plain.test > "$work/plain.eml"
out=$(verify "$work/plain.eml" --client-ip 192.0.2.1 --helo x.example \
    --mail-from a@plain.test)
expect "unsigned zone: insecure" "$out" \
    "spf=pass (matched ip4:192.0.2.0/24; insecure)" \
    "dmarc=pass (p=quarantine dis=none) header.from=plain.test"

msg a@bogus.test > "$work/bogus.eml"
out=$(verify "$work/bogus.eml" --client-ip 192.0.2.1 --helo x.example \
    --mail-from a@bogus.test)
expect "bogus zone: never a pass" "$out" \
    "spf=temperror (DNSSEC failure looking up bogus.test)" \
    "dmarc=temperror"

# DKIM-aligned pass while SPF fails
"$DKIMGATE" sign --domain org.test --selector s1 --key "$work/s1.pem" \
    "$work/org.eml" > "$work/signed.eml" 2>>"$work/verify.log" ||
    failed "dkimgate sign"
out=$(verify "$work/signed.eml" --client-ip 198.51.100.99 --helo x.example \
    --mail-from a@org.test)
expect "DMARC pass by DKIM, SPF fail" "$out" \
    "dkim=pass (2048-bit key; secure) header.d=org.test" "spf=fail" \
    "dmarc=pass (p=reject dis=none) header.from=org.test"

# no SPF inputs: the DKIM results only (DESIGN's command-line contract)
out=$(verify "$work/org.eml")
reject "no SPF inputs: no spf=" "$out" "spf="
reject "no SPF inputs: no dmarc=" "$out" "dmarc="
expect "no SPF inputs: DKIM only" "$out" "dkim=none"
out=$(verify "$work/signed.eml")
reject "no SPF inputs, signed: no dmarc=" "$out" "dmarc="
expect "no SPF inputs, signed: DKIM only" "$out" \
    "dkim=pass (2048-bit key; secure) header.d=org.test"

nchecks=$((nchecks + 1))
if "$DKIMGATE" verify --helo x.example "$work/org.eml" >/dev/null 2>&1; then
	failed "--helo without --client-ip must be a usage error"
fi

nsd_stop "$dns"
part1=$nchecks

# --- Part 2: the RFC 7208 suite through NSD ---
suite=$work/suite
mkdir -p "$suite"
nscen=$("$PY" "$here/suite2zone.py" "$top/tests/vectors/spf/rfc7208-tests.txt" \
    "$suite") || { echo "spf: suite2zone.py failed"; exit 1; }

# libunbound answers the RFC 6303 / documentation reverse zones itself
cat > "$work/unbound.conf" <<'EOF'
server:
	local-zone: "168.192.in-addr.arpa." transparent
	local-zone: "2.0.192.in-addr.arpa." transparent
	local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." transparent
EOF
printf 'dns_timeout = 3s\ndmarc_enable = no\ndns_unbound_config = %s\n' \
    "$work/unbound.conf" > "$work/suite.conf"
printf 'x IN TXT "anchor"\n' > "$work/anchor.body"
printf 'From: a@example.com\r\nSubject: x\r\n\r\nx\r\n' > "$work/suite.eml"

npass=0
nrun=0
for n in $(seq 0 $((nscen - 1))); do
	sdns=$work/suite-dns
	rm -rf "$sdns"
	nsd_setup "$sdns" || exit 1
	# a signed zone only for a trust anchor: every suite name is insecure
	nsd_add_zone "$sdns" anchor.test signed "$work/anchor.body" ||
	    exit 1
	cp "$suite/$n/root.zone" "$sdns/zones/root.zone"
	printf '. %s\n' "$sdns/zones/root.zone" >> "$sdns/zones.list"
	nsd_start "$sdns" || { failed "scenario $n: NSD did not start"; \
	    continue; }
	while IFS=$'\t' read -r name helo host mailfrom results; do
		nrun=$((nrun + 1))
		out=$("$DKIMGATE" verify -c "$work/suite.conf" \
		    --resolver "127.0.0.1@$NSD_PORT" \
		    --trust-anchor "$sdns/trust-anchors.ds" --authserv-id mx.test \
		    --client-ip "$host" --helo "$helo" --mail-from "$mailfrom" \
		    "$work/suite.eml" 2>>"$work/suite.log" | unfold)
		got=$(printf '%s' "$out" | sed -n 's/.*spf=\([a-z]*\).*/\1/p')
		case ",$results," in
		*",$got,"*) npass=$((npass + 1)) ;;
		*) failed "suite $name: got '${got:-nothing}', expected $results: $out" ;;
		esac
	done < "$suite/$n/tests.tsv"
	nsd_stop "$sdns"
done
nchecks=$((nchecks + nrun))

echo "spf: part 1: $part1 checks; part 2: RFC 7208 suite through NSD:" \
    "$npass of $nrun cases pass"
if [ $fail -ne 0 ]; then
	echo "spf: FAIL ($nchecks checks)"
	exit 1
fi
echo "spf: PASS ($nchecks checks)"
exit 0
