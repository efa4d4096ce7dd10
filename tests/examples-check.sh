#!/bin/sh
# tests/examples-check.sh - every file in postfix-examples/ starts with a
# header comment naming it and saying what it is for; every dkimgate.conf.*
# example passes "dkimgate check-config"; every master.cf.* example parses
# with "postconf -M" (when Postfix is installed).
# Run by "make check" from the top build directory ($srcdir is set by it).
srcdir=${srcdir:-.}
ex=$srcdir/postfix-examples
bin=./dkimgate
fail=0
n=0
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for f in "$ex"/*; do
	name=$(basename "$f")
	n=$((n + 1))
	if [ "$name" != README ] &&
	    ! head -n 1 "$f" | grep -q "^# postfix-examples/$name - ."; then
		echo "FAIL: $name: no '# postfix-examples/$name - purpose' header"
		fail=1
	fi
	case $name in
	dkimgate.conf.*)
		if "$bin" check-config -c "$f" >"$tmp/out" 2>&1; then
			echo "ok: check-config $name"
		else
			echo "FAIL: check-config $name:"
			cat "$tmp/out"
			fail=1
		fi ;;
	master.cf.*)
		command -v postconf >/dev/null 2>&1 || continue
		mkdir -p "$tmp/etc"
		: >"$tmp/etc/main.cf"
		cp "$f" "$tmp/etc/master.cf"
		if postconf -c "$tmp/etc" -M >"$tmp/out" 2>&1 &&
		    [ -s "$tmp/out" ] && ! grep -qi 'warning\|fatal' "$tmp/out"; then
			echo "ok: postconf -M $name"
		else
			echo "FAIL: postconf -M $name:"
			cat "$tmp/out"
			fail=1
		fi ;;
	esac
done
echo "examples-check: $n files, $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
