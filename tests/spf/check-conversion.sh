#!/bin/sh
# check-conversion.sh - the committed tests/vectors/spf/rfc7208-tests.txt
# must be exactly what tests/spf/yaml2txt.py makes of rfc7208-tests.yml.
# Needs Debian's /usr/bin/python3 with python3-yaml; exits 77 (skip)
# without them.
srcdir=${srcdir:-.}
py=/usr/bin/python3
[ -x "$py" ] || exit 77
"$py" -c 'import yaml' 2>/dev/null || exit 77
tmp=${TMPDIR:-/tmp}/spf-conv.$$
trap 'rm -f "$tmp"' EXIT
"$py" "$srcdir/tests/spf/yaml2txt.py" \
    "$srcdir/tests/vectors/spf/rfc7208-tests.yml" > "$tmp" || exit 1
if ! cmp -s "$tmp" "$srcdir/tests/vectors/spf/rfc7208-tests.txt"; then
	echo "rfc7208-tests.txt is stale: regenerate it with yaml2txt.py" >&2
	diff -u "$srcdir/tests/vectors/spf/rfc7208-tests.txt" "$tmp" | head -20 >&2
	exit 1
fi
exit 0
