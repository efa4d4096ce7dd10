#!/bin/bash
# run.sh - DKIM verification against a real DNS server: NSD on loopback
# (tests/lib/nsd.sh) serves a DNSSEC-signed zone (signed.test), an
# unsigned one (plain.test) and a bogus one (bogus.test, expired RRSIGs,
# its DS in the trust anchor), each holding the same set of key records.
#
# Messages (tests/verify/msgs: CRLF and LF, folded headers, empty body,
# 8-bit MIME) are signed by python3-dkim and by Mail::DKIM with RSA 1024,
# 2048 and 4096 and Ed25519 (python only: Debian 12's Mail::DKIM has no
# Ed25519) in all four canonicalizations, with l=, and with several
# signatures where one is good and one is bad. "dkimgate verify" must give
# the same pass/fail as both tools give (the tools also fetch every key
# from the same NSD), tampered headers and bodies must fail, keys in the
# signed zone must be reported "secure" and in the unsigned zone
# "insecure", and under the bogus zone no signature may pass (the tools
# do not validate DNSSEC and do pass those: that difference is the point).
# RFC 8301 cases (512-bit key, rsa-sha1) must give "policy", a revoked key
# "permerror". Then "dkimgate testkey" is checked, and finally NSD is
# stopped: a look-up must give temperror within dns_timeout.
#
# usage: DKIMGATE=/path/to/dkimgate tests/verify/run.sh
# Exit 0 pass, 1 fail, 77 when a tool is missing; one summary line last.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DKIMGATE=${DKIMGATE:-$top/dkimgate}
PY=/usr/bin/python3
TIMEOUT=3		# dns_timeout for dkimgate, seconds

. "$top/tests/lib/nsd.sh"

skip() {
	echo "verify: SKIP: $*"
	exit 77
}

[ -x "$DKIMGATE" ] || skip "no dkimgate binary at $DKIMGATE"
nsd_have_tools || skip "nsd, ldns-keygen, ldns-signzone, dig or openssl missing"
$PY -c 'import dkim, dns.resolver' 2>/dev/null ||
    skip "python3-dkim or python3-dnspython missing"
perl -MMail::DKIM::Signer -MMail::DKIM::Verifier -MNet::DNS -e 1 \
    2>/dev/null || skip "libmail-dkim-perl or libnet-dns-perl missing"

work=$(mktemp -d /tmp/verify-test.XXXXXX) || exit 1
chmod 755 "$work"
cleanup() {
	nsd_stop "$work/dns"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "verify: kept $work"
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
check() {
	nchecks=$((nchecks + 1))
}

# --- keys and zones ---
keys=$work/keys
mkdir -p "$keys" "$work/msg"
for b in 512 1024 2048 4096; do
	openssl genrsa -traditional -out "$keys/r$b.pem" $b 2>/dev/null ||
	    { echo "verify: openssl genrsa $b failed"; exit 1; }
done
openssl genrsa -traditional -out "$keys/other.pem" 2048 2>/dev/null &&
openssl genpkey -algorithm ed25519 -out "$keys/ed.pem" 2>/dev/null ||
    { echo "verify: key generation failed"; exit 1; }
# python3-dkim takes an Ed25519 key as the base64 of its 32-byte seed
openssl pkey -in "$keys/ed.pem" -outform DER | tail -c 32 | base64 \
    > "$keys/ed.seed"

nsd_setup "$work/dns" || exit 1
for z in signed plain bogus; do
	body=$work/$z.body
	: > "$body"
	for s in r512 r1024 r2048 r4096; do
		nsd_add_dkim_key "$body" $s $z.test "$keys/$s.pem" rsa ||
		    exit 1
	done
	nsd_add_dkim_key "$body" ed $z.test "$keys/ed.pem" ed25519 || exit 1
	# "wrong" publishes another key than the one that signs as "wrong"
	nsd_dkim_record wrong $z.test "$keys/other.pem" rsa >> "$body" ||
	    exit 1
	printf 'revoked._domainkey.%s. IN TXT "v=DKIM1; k=rsa; p="\n' \
	    $z.test >> "$body"
	nsd_add_zone "$work/dns" $z.test $z "$body" || exit 1
done
# a plain "test" zone, so DMARC's tree walk (which dkimgate verify also
# runs) ends in NXDOMAIN instead of a refused query
printf 'x IN A 192.0.2.1\n' > "$work/test.body"
nsd_add_zone "$work/dns" test plain "$work/test.body" || exit 1
nsd_start "$work/dns" || exit 1
PORT=$NSD_PORT
TA=$work/dns/trust-anchors.ds
printf 'dns_timeout = %ss\n' $TIMEOUT > "$work/dkimgate.conf"

# gate FILE - dkimgate's Authentication-Results field for FILE
gate() {
	"$DKIMGATE" verify -c "$work/dkimgate.conf" \
	    --resolver "127.0.0.1@$PORT" --trust-anchor "$TA" \
	    --authserv-id mx.verify.test "$1"
}

# selector key files: signing key for each selector name
keyfile() {
	case $1 in
	wrong) echo "$keys/r2048.pem" ;;	# DNS has other.pem's key
	revoked) echo "$keys/r2048.pem" ;;
	ed) echo "$keys/ed.seed" ;;
	*) echo "$keys/$1.pem" ;;
	esac
}

# sign_py IN OUT ZONE SEL ALG CANON [length]
sign_py() {
	local in=$1 out=$2 z=$3 sel=$4 alg=$5 canon=$6 len=${7:-}
	$PY "$here/sign_dkimpy.py" "$(keyfile "$sel")" $z.test $sel $alg \
	    "$canon" $len < "$in" > "$out.tmp" && mv "$out.tmp" "$out" ||
	    { failed "python3-dkim could not sign $out"; return 1; }
}

# sign_pl IN OUT ZONE SEL CANON [LENGTH]
sign_pl() {
	local in=$1 out=$2 z=$3 sel=$4 canon=$5 len=${6:-}
	perl "$here/sign_maildkim.pl" "$(keyfile "$sel")" $z.test $sel \
	    "$canon" $len < "$in" > "$out.tmp" && mv "$out.tmp" "$out" ||
	    { failed "Mail::DKIM could not sign $out"; return 1; }
}

manifest=$work/manifest
: > "$manifest"
# want FILE ZONE EXPECT [SPECIAL]  (EXPECT: pass/fail per signature)
want() {
	echo "$1 $2 $3 ${4:--}" >> "$manifest"
}

# tamper FILE ZONE EXPECT - a header and a body tamper of FILE must fail
tamper() {
	local f=$1 z=$2 n fails
	n=$(echo "$3" | tr ',' '\n' | wc -l)
	fails=$(yes fail | head -n "$n" | paste -sd,)
	perl -pe 's/^(Subject:\s*)/${1}Re: /i' "$f" > "$f.hdr"
	cmp -s "$f" "$f.hdr" && failed "header tamper changed nothing: $f"
	want "$f.hdr" "$z" "$fails"
	{ cat "$f"; printf 'tampered\r\n'; } > "$f.body"
	want "$f.body" "$z" "$fails"
}

# --- the matrix: every message x key x canonicalization x signer ---
i=0
for m in "$here"/msgs/*.eml; do
	name=$(basename "$m" .eml)
	for sel in r1024 r2048 r4096 ed; do
		for canon in simple/simple simple/relaxed relaxed/simple \
		    relaxed/relaxed; do
			i=$((i + 1))
			# alternate the zones so both see every combination
			if [ $((i % 2)) = 0 ]; then z=signed; else z=plain; fi
			in=$work/msg/$name.$z.eml
			[ -f "$in" ] || sed "s/%DOMAIN%/$z.test/g" "$m" > "$in"
			c=${canon/\//-}
			alg=rsa-sha256
			[ $sel = ed ] && alg=ed25519-sha256
			out=$work/msg/$name.$z.$sel.$c.py.eml
			if sign_py "$in" "$out" $z $sel $alg $canon; then
				want "$out" $z pass
				tamper "$out" $z pass
			fi
			[ $sel = ed ] && continue
			out=$work/msg/$name.$z.$sel.$c.pl.eml
			if sign_pl "$in" "$out" $z $sel $canon; then
				want "$out" $z pass
				tamper "$out" $z pass
			fi
		done
	done
done

base=$work/msg/01-plain-crlf
lfmsg=$work/msg/02-lf-folded
for z in signed plain bogus; do
	for m in 01-plain-crlf 02-lf-folded; do
		[ -f "$work/msg/$m.$z.eml" ] ||
		    sed "s/%DOMAIN%/$z.test/g" "$here/msgs/$m.eml" \
		    > "$work/msg/$m.$z.eml"
	done
done

# --- l=: text appended after signing still passes, changes inside fail ---
for z in signed plain; do
	out=$base.$z.len.py.eml
	sign_py "$base.$z.eml" "$out" $z r2048 rsa-sha256 relaxed/relaxed \
	    length && {
		want "$out" $z pass
		{ cat "$out"; printf 'appended by a mailing list\r\n'; } \
		    > "$out.app"
		want "$out.app" $z pass
		perl -pe 's/figures/FIGURES/' "$out" > "$out.chg"
		want "$out.chg" $z fail
	}
	out=$base.$z.len.pl.eml
	sign_pl "$base.$z.eml" "$out" $z r2048 simple/simple 20 && {
		want "$out" $z pass
		{ cat "$out"; printf 'appended\r\n'; } > "$out.app"
		want "$out.app" $z pass
	}
done

# --- several signatures; one good one bad ---
for z in signed plain; do
	a=$work/msg/multi.$z.a.eml
	b=$work/msg/multi.$z.b.eml
	c=$work/msg/multi.$z.eml
	sign_py "$base.$z.eml" "$a" $z r2048 rsa-sha256 relaxed/relaxed &&
	sign_py "$a" "$b" $z ed ed25519-sha256 relaxed/simple &&
	sign_pl "$b" "$c" $z r1024 relaxed/relaxed &&
	    want "$c" $z pass,pass,pass
	# the top signature made with a key DNS does not publish
	c=$work/msg/goodbad.$z.eml
	sign_py "$base.$z.eml" "$a" $z r2048 rsa-sha256 simple/simple &&
	sign_pl "$a" "$c" $z wrong relaxed/relaxed &&
	    want "$c" $z fail,pass
	c=$work/msg/badgood.$z.eml
	sign_py "$lfmsg.$z.eml" "$a" $z wrong rsa-sha256 relaxed/relaxed &&
	sign_py "$a" "$c" $z ed ed25519-sha256 simple/simple &&
	    want "$c" $z pass,fail
done

# --- the bogus zone: never a pass, whatever the tools say ---
for sel in r2048 ed r1024; do
	alg=rsa-sha256
	[ $sel = ed ] && alg=ed25519-sha256
	out=$work/msg/bogus.$sel.eml
	sign_py "$base.bogus.eml" "$out" bogus $sel $alg relaxed/relaxed &&
	    want "$out" bogus pass bogus
done
out=$work/msg/bogus.pl.eml
sign_pl "$lfmsg.bogus.eml" "$out" bogus r4096 simple/simple &&
    want "$out" bogus pass bogus

# --- RFC 8301 and a revoked key ---
for z in signed plain; do
	out=$work/msg/weak512.$z.eml
	sign_pl "$base.$z.eml" "$out" $z r512 relaxed/relaxed &&
	    want "$out" $z pass weak
	out=$work/msg/sha1.$z.eml
	sign_py "$base.$z.eml" "$out" $z r2048 rsa-sha1 relaxed/relaxed &&
	    want "$out" $z pass weak
	out=$work/msg/revoked.$z.eml
	sign_py "$base.$z.eml" "$out" $z revoked rsa-sha256 \
	    relaxed/relaxed && want "$out" $z fail revoked
done

# --- run the three verifiers ---
nfiles=$(wc -l < "$manifest")
echo "verify: $nfiles signed messages, NSD on 127.0.0.1@$PORT"
cut -d' ' -f1 "$manifest" | xargs $PY "$here/tool_dkimpy.py" "$PORT" \
    > "$work/dkimpy.out" 2> "$work/dkimpy.err" ||
    failed "python3-dkim verifier run failed: $(tail -n 3 "$work/dkimpy.err")"
cut -d' ' -f1 "$manifest" | xargs perl "$here/tool_maildkim.pl" "$PORT" \
    > "$work/maildkim.out" 2> "$work/maildkim.err" ||
    failed "Mail::DKIM verifier run failed: $(tail -n 3 "$work/maildkim.err")"
: > "$work/gate.out"
while read -r f _; do
	if ! gate "$f" > "$f.ar" 2> "$f.err"; then
		failed "dkimgate verify $f exited non-zero: $(head -n 1 "$f.err")"
	fi
	echo "$f $(tr '\n' '\001' < "$f.ar")" >> "$work/gate.out"
done < "$manifest"
if ! $PY "$here/compare.py" "$manifest" "$work/dkimpy.out" \
    "$work/maildkim.out" "$work/gate.out" > "$work/compare.log"; then
	fail=1
fi
grep -E '^BAD' "$work/compare.log" | head -30
summary=$(tail -n 1 "$work/compare.log")
echo "verify: $summary"

# --- output format, unsigned, line ends, usage ---
out=$(gate "$base.signed.eml")
check
[ "$(printf '%s\n' "$out" | grep -c '^Authentication-Results:')" = 1 ] &&
    printf '%s' "$out" | tr -d '\r\n\t' |
    grep -q 'mx.verify.test; *dkim=none' ||
    failed "unsigned message: want one field with dkim=none, got: $out"
f=$work/msg/01-plain-crlf.signed.r2048.relaxed-relaxed.py.eml
[ -f "$f" ] || f=$(ls "$work"/msg/01-plain-crlf.signed.*.py.eml | head -n 1)
check
gate "$f" | grep -q $'\r$' || failed "CRLF input: the field should use CRLF"
f=$(ls "$work"/msg/02-lf-folded.signed.*.py.eml | head -n 1)
check
gate "$f" | grep -q $'\r' && failed "LF input: CR in the output field"
check
gate "$f" | grep -q 'dkim=pass' || failed "LF input: no pass for $f"
check
"$DKIMGATE" verify --no-such-option "$f" > /dev/null 2> "$work/usage.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$work/usage.err")" = 1 ] ||
    failed "usage error: exit $rc (want 2) with $(wc -l < "$work/usage.err") lines"
check
"$DKIMGATE" verify -c "$work/dkimgate.conf" --resolver "127.0.0.1@$PORT" \
    --trust-anchor "$TA" "$work/no-such-file" > /dev/null 2> "$work/nf.err"
rc=$?
[ $rc != 0 ] && [ "$(wc -l < "$work/nf.err")" = 1 ] ||
    failed "unreadable input: exit $rc with $(wc -l < "$work/nf.err") lines"
check
gate - < "$f" | grep -q 'dkim=pass' || failed "stdin input: no pass"
check
"$DKIMGATE" verify -c "$work/dkimgate.conf" --resolver "127.0.0.1@$PORT" \
    --trust-anchor "$work/no-such-anchor" "$f" > /dev/null 2>&1 &&
    failed "a missing trust-anchor file was accepted"

# --- testkey ---
# tk WANT_RC PATTERN ARGS...
tk() {
	local want=$1 pat=$2 out rc
	shift 2
	check
	out=$("$DKIMGATE" testkey -c "$work/dkimgate.conf" \
	    --resolver "127.0.0.1@$PORT" --trust-anchor "$TA" "$@" 2>&1)
	rc=$?
	if [ $rc != "$want" ] || ! printf '%s' "$out" | grep -q "$pat"; then
		failed "testkey $*: exit $rc (want $want), output: $out"
	fi
}
tk 0 'matches.*DNSSEC secure' --domain signed.test --selector r2048 \
    --key "$keys/r2048.pem"
tk 0 'matches.*DNSSEC insecure' --domain plain.test --selector r4096 \
    --key "$keys/r4096.pem"
tk 0 'matches.*ed25519.*DNSSEC secure' --domain signed.test --selector ed \
    --key "$keys/ed.pem"
tk 1 'does NOT match' --domain signed.test --selector wrong \
    --key "$keys/r2048.pem"
tk 1 'no key record' --domain signed.test --selector nokey \
    --key "$keys/r2048.pem"
tk 1 'bogus' --domain bogus.test --selector r2048 --key "$keys/r2048.pem"
tk 1 'revoked' --domain plain.test --selector revoked \
    --key "$keys/r2048.pem"
check
"$DKIMGATE" testkey --domain signed.test > /dev/null 2>&1
[ $? = 2 ] || failed "testkey without --selector/--key: want exit 2"

# --- DNS down: temperror within the timeout, message still processed ---
nsd_stop "$work/dns"
f=$(ls "$work"/msg/01-plain-crlf.signed.r1024.*.pl.eml | head -n 1)
check
t0=$(date +%s%N)
out=$(gate "$f" 2>/dev/null)
rc=$?
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
if [ $rc != 0 ] || ! printf '%s' "$out" | grep -q 'dkim=temperror'; then
	failed "NSD stopped: want exit 0 and temperror, got exit $rc: $out"
fi
check
[ $ms -le $(( TIMEOUT * 1000 + 1500 )) ] ||
    failed "NSD stopped: took $ms ms, timeout is $TIMEOUT s"
echo "verify: with NSD stopped: temperror after $ms ms (timeout ${TIMEOUT} s)"

if [ $fail = 0 ]; then
	echo "verify: PASS ($summary; $nchecks CLI checks)"
	exit 0
fi
echo "verify: FAIL ($summary; $nchecks CLI checks)"
exit 1
