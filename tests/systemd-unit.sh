#!/bin/sh
# tests/systemd-unit.sh - check contrib/dkimgate.service with
# "systemd-analyze verify" (with the built binary in place of
# /usr/sbin/dkimgate, which a build tree does not have installed) and record
# the "systemd-analyze security --offline=yes" exposure score, which must
# stay at or below 3.0 ("OK").  Exit 77 without systemd-analyze.
# Run by "make check" from the top build directory ($srcdir is set by it).
srcdir=${srcdir:-.}
unit=$srcdir/contrib/dkimgate.service
bin=$(pwd)/dkimgate
command -v systemd-analyze >/dev/null 2>&1 || {
	echo "SKIP: needs systemd-analyze"
	exit 77
}
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
grep -q '^ExecStart=/usr/sbin/dkimgate serve -f' "$unit" ||
    { echo "FAIL: ExecStart is not /usr/sbin/dkimgate serve -f"; exit 1; }
grep -q '^Type=notify$' "$unit" || { echo "FAIL: not Type=notify"; exit 1; }
sed "s|/usr/sbin/dkimgate|$bin|g" "$unit" >"$tmp/dkimgate.service"
if ! systemd-analyze verify --man=no "$tmp/dkimgate.service" \
    >"$tmp/verify.out" 2>&1 || [ -s "$tmp/verify.out" ]; then
	echo "FAIL: systemd-analyze verify:"
	cat "$tmp/verify.out"
	exit 1
fi
echo "systemd-analyze verify: clean"
systemd-analyze security --offline=yes "$tmp/dkimgate.service" \
    >"$tmp/security.out" 2>&1
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
    "$tmp/security.out")
[ -n "$score" ] || { echo "FAIL: no exposure score"; cat "$tmp/security.out"; exit 1; }
echo "systemd-analyze security exposure: $score"
if awk -v s="$score" 'BEGIN { exit !(s > 3.0) }'; then
	echo "FAIL: exposure $score > 3.0"
	grep '✗' "$tmp/security.out"
	exit 1
fi
exit 0
