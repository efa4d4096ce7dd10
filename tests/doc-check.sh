#!/bin/sh
# tests/doc-check.sh - fail when a configuration parameter is undocumented.
#
# Reads the parameter names from the one parameter table in src/config.c
# (rows of the form: <TAB>{ "name", PT_...; cross-checked against what
# "dkimgate check-config" prints when the program is built) and checks that
# each has an ".It Cm name" entry in man/dkimgate.conf.5 and a "name ="
# line (possibly commented out) in contrib/dkimgate.conf; and that every
# ".It Cm" entry of the man page's PARAMETERS section names a real
# parameter.
# Exit 0 when all is documented, 1 otherwise (99 if the files are missing).

srcdir=${srcdir:-$(dirname "$0")/..}
table=$srcdir/src/config.c
page=$srcdir/man/dkimgate.conf.5
example=$srcdir/contrib/dkimgate.conf

for f in "$table" "$page" "$example"; do
	if [ ! -r "$f" ]; then
		echo "doc-check: cannot read $f" >&2
		exit 99
	fi
done

names=$(sed -n 's/^	{ "\([a-z0-9_]*\)", PT_.*/\1/p' "$table")
if [ -z "$names" ]; then
	echo "doc-check: no parameter rows found in $table" >&2
	exit 99
fi

fail=0

# When the program is built, its effective configuration lists every
# parameter of the table: a row the pattern above misses (say, a row
# formatted differently) must not escape the check.
dkimgate=${DKIMGATE:-./dkimgate}
if [ -x "$dkimgate" ]; then
	printed=$("$dkimgate" check-config -c /dev/null 2>/dev/null |
	    sed -n 's/^\([a-z0-9_]*\) =.*/\1/p')
	for p in $printed; do
		case " $(echo $names) " in
		*" $p "*) ;;
		*)	echo "doc-check: parameter $p (printed by" \
			    "check-config) not found in the table rows of" \
			    "src/config.c"
			fail=1 ;;
		esac
	done
fi

count=0
for n in $names; do
	count=$((count + 1))
	if ! grep -Eq "^\.It Cm $n( |\$)" "$page"; then
		echo "doc-check: parameter $n is not documented in" \
		    "man/dkimgate.conf.5 (.It Cm $n)"
		fail=1
	fi
	if ! grep -Eq "^#?$n =" "$example"; then
		echo "doc-check: parameter $n is missing from" \
		    "contrib/dkimgate.conf"
		fail=1
	fi
done

# The reverse: entries in PARAMETERS that are not in the table. Only the
# top-level entries count (the listen attributes are nested "Cm mode=").
documented=$(sed -n '/^\.Sh PARAMETERS/,/^\.Sh /p' "$page" |
    sed -n 's/^\.It Cm \([a-z0-9_]*\)\( .*\)\{0,1\}$/\1/p')
for d in $documented; do
	found=0
	for n in $names; do
		[ "$n" = "$d" ] && found=1 && break
	done
	if [ $found -eq 0 ]; then
		echo "doc-check: man/dkimgate.conf.5 documents $d," \
		    "which is not a parameter"
		fail=1
	fi
done

if [ $fail -eq 0 ]; then
	echo "doc-check: all $count parameters documented"
fi
exit $fail
