#!/bin/bash
# run-sign.sh - signing interop: every message of tests/interop/corpus is
# signed by "dkimgate sign" with an RSA-2048 and an Ed25519 key in all
# four canonicalization pairs (plus once with both keys at once), and
# must verify with python3-dkim and with Mail::DKIM, both fetching the
# keys over DNS from a DNSSEC-signed zone served by NSD on loopback
# (tests/lib/nsd.sh); a copy with a tampered header and one with a
# tampered body must fail with both.
#
# Also checked: the output is the prepended field(s) followed by the
# input bytes unchanged, and LF input gets LF-only signature fields.
#
# usage: DKIMGATE=/path/to/dkimgate tests/interop/run-sign.sh
# Exit 0 when all is as expected, 1 on a failure, 77 when a tool is
# missing. Ends with one summary line.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DKIMGATE=${DKIMGATE:-$top/dkimgate}
PY=/usr/bin/python3

. "$top/tests/lib/nsd.sh"

skip() {
	echo "interop-sign: SKIP: $*"
	exit 77
}

[ -x "$DKIMGATE" ] || skip "no dkimgate binary at $DKIMGATE"
nsd_have_tools || skip "nsd, ldns-keygen, ldns-signzone, dig or openssl missing"
$PY -c 'import dkim, dns.resolver' 2>/dev/null ||
    skip "python3-dkim or python3-dnspython missing"
perl -MMail::DKIM::Verifier -MNet::DNS -e 1 2>/dev/null ||
    skip "libmail-dkim-perl or libnet-dns-perl missing"

work=$(mktemp -d /tmp/interop-sign.XXXXXX) || exit 1
cleanup() {
	nsd_stop "$work/dns"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "interop-sign: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

fail=0
note() {
	echo "interop-sign: $*"
}
failed() {
	echo "FAIL: $*"
	fail=1
}

domain=sign.test
mkdir -p "$work/keys" "$work/out"
"$DKIMGATE" keygen --domain $domain --selector rsa --directory "$work/keys" ||
    { echo "interop-sign: keygen rsa failed"; exit 1; }
"$DKIMGATE" keygen --domain $domain --selector ed --type ed25519 \
    --directory "$work/keys" ||
    { echo "interop-sign: keygen ed25519 failed"; exit 1; }
[ "$(stat -c %a "$work/keys/rsa.private")" = 600 ] ||
    failed "keygen: rsa.private is not mode 600"
"$DKIMGATE" keygen --domain $domain --selector rsa \
    --directory "$work/keys" 2>/dev/null &&
    failed "keygen overwrote an existing key"

# command-line errors: non-zero exit and a one-line message
expect_error() {
	local want=$1 what=$2 rc
	shift 2
	"$@" > "$work/err.out" 2> "$work/err.txt" < "${STDIN:-/dev/null}"
	rc=$?
	if [ "$rc" != "$want" ] || [ -s "$work/err.out" ] ||
	    [ "$(wc -l < "$work/err.txt")" != 1 ]; then
		failed "$what: exit $rc (want $want), stdout $(wc -c \
		    < "$work/err.out") bytes, stderr: $(cat "$work/err.txt")"
	fi
}
K="--domain $domain --selector rsa --key $work/keys/rsa.private"
# shellcheck disable=SC2086
{
expect_error 2 "sign without --key" "$DKIMGATE" sign --domain $domain \
    --selector rsa "$here/corpus/01-simple-crlf.eml"
expect_error 2 "sign with unpaired --key" "$DKIMGATE" sign $K \
    --key "$work/keys/ed.private" "$here/corpus/01-simple-crlf.eml"
expect_error 2 "sign with a bad --canon" "$DKIMGATE" sign $K \
    --canon loose "$here/corpus/01-simple-crlf.eml"
expect_error 1 "sign with a missing key" "$DKIMGATE" sign --domain $domain \
    --selector rsa --key "$work/keys/none" "$here/corpus/01-simple-crlf.eml"
expect_error 1 "sign a missing file" "$DKIMGATE" sign $K "$work/none.eml"
expect_error 1 "sign with the wrong --algorithm" "$DKIMGATE" sign $K \
    --algorithm ed25519-sha256 "$here/corpus/01-simple-crlf.eml"
printf 'Subject: no From\n\nbody\n' > "$work/nofrom.eml"
STDIN="$work/nofrom.eml" expect_error 1 "sign a message without From" \
    "$DKIMGATE" sign $K
expect_error 2 "keygen --bits 512" "$DKIMGATE" keygen --domain $domain \
    --selector small --bits 512 --directory "$work/keys"
}

nsd_setup "$work/dns" || exit 1
cat "$work/keys/rsa.txt" "$work/keys/ed.txt" > "$work/zone.body"
nsd_add_zone "$work/dns" $domain signed "$work/zone.body" || exit 1
nsd_start "$work/dns" || exit 1
dig +short @127.0.0.1 -p "$NSD_PORT" rsa._domainkey.$domain TXT |
    grep -q 'p=' || { echo "interop-sign: key record not served"; exit 1; }

list_py="$work/list.py"
list_pl="$work/list.pl"
: > "$list_py"
: > "$list_pl"
nmsg=0
nsigned=0
ntamper=0
for msg in "$here"/corpus/*.eml; do
	name=$(basename "$msg" .eml)
	nmsg=$((nmsg + 1))
	for combo in rsa ed both; do
		case $combo in
		both) canons="relaxed/relaxed" ;;
		*) canons="simple/simple simple/relaxed relaxed/simple \
		    relaxed/relaxed" ;;
		esac
		for canon in $canons; do
			out="$work/out/$name.$combo.${canon/\//-}.eml"
			case $combo in
			rsa)
				args="--domain $domain --selector rsa --key \
				    $work/keys/rsa.private"
				nsig=1; algs=rsa-sha256 ;;
			ed)
				args="--domain $domain --selector ed --key \
				    $work/keys/ed.private \
				    --algorithm ed25519-sha256"
				nsig=1; algs=ed25519-sha256 ;;
			both)
				args="--domain $domain --selector rsa --key \
				    $work/keys/rsa.private --domain $domain \
				    --selector ed --key $work/keys/ed.private"
				nsig=2; algs=rsa-sha256,ed25519-sha256 ;;
			esac
			# shellcheck disable=SC2086
			if ! "$DKIMGATE" sign $args --canon "$canon" "$msg" \
			    > "$out" 2> "$out.err"; then
				failed "sign $name $combo $canon: $(cat \
				    "$out.err")"
				continue
			fi
			nsigned=$((nsigned + 1))
			# the input follows the new fields byte for byte
			insz=$(stat -c %s "$msg")
			outsz=$(stat -c %s "$out")
			if ! tail -c "$insz" "$out" | cmp -s - "$msg"; then
				failed "$name $combo $canon: message bytes changed"
			fi
			n=$(head -c $((outsz - insz)) "$out" |
			    grep -c '^DKIM-Signature:')
			[ "$n" = "$nsig" ] ||
			    failed "$name $combo $canon: $n fields, want $nsig"
			# LF input: no CR in what was prepended
			if ! head -c 300 "$msg" | grep -q $'\r'; then
				if head -c $((outsz - insz)) "$out" |
				    grep -q $'\r'; then
					failed "$name: CR in fields for LF input"
				fi
			fi
			echo "$out pass $nsig" >> "$list_py"
			echo "$out pass $nsig $algs" >> "$list_pl"
			# header tamper: the From field changes
			perl -0pe 's/^(from\s*:)/$1X/mi' "$out" > "$out.hdr"
			cmp -s "$out" "$out.hdr" &&
			    failed "$name: header tamper changed nothing"
			# body tamper: a line more at the end
			{ cat "$out"; printf '\ntampered\n'; } > "$out.body"
			for t in hdr body; do
				echo "$out.$t fail $nsig" >> "$list_py"
				echo "$out.$t fail $nsig $algs" >> "$list_pl"
				ntamper=$((ntamper + 1))
			done
		done
	done
done

note "$nmsg messages, $nsigned signed copies, $ntamper tampered copies"
if ! $PY "$here/verify_dkimpy.py" "$NSD_PORT" "$list_py" \
    > "$work/dkimpy.log" 2>&1; then
	fail=1
fi
grep '^BAD' "$work/dkimpy.log" | head -20
py_summary=$(tail -n 1 "$work/dkimpy.log")
if ! perl "$here/verify_maildkim.pl" "$NSD_PORT" "$list_pl" \
    > "$work/maildkim.log" 2>&1; then
	fail=1
fi
grep '^BAD' "$work/maildkim.log" | head -20
pl_summary=$(tail -n 1 "$work/maildkim.log")
note "$py_summary"
note "$pl_summary"
if [ $fail = 0 ]; then
	echo "interop-sign: PASS ($nmsg messages, $nsigned signed," \
	    "$ntamper tampered; $py_summary; $pl_summary)"
	exit 0
fi
echo "interop-sign: FAIL ($nmsg messages, $nsigned signed," \
    "$ntamper tampered; $py_summary; $pl_summary)"
exit 1
