#!/bin/bash
# tests/ops/run.sh - the ops script suites: the metrics endpoint of a
# running daemon (metrics.sh) and key rotation end to end (rotation.sh).
# Found by tests/run-all.sh (tests/*/run*.sh); "make check-ops" runs it.
#
# usage: DKIMGATE=/path/to/dkimgate tests/ops/run.sh [metrics|rotation ...]
# Prints "PASS name" / "FAIL name" / "SKIP name" per suite and one summary
# line; exit 0 when all passed, 77 when all were skipped, 1 otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
suites=${*:-metrics rotation}
npass=0
nfail=0
nskip=0
for s in $suites; do
	bash "$here/$s.sh"
	case $? in
	0)	echo "PASS $s"; npass=$((npass + 1)) ;;
	77)	echo "SKIP $s"; nskip=$((nskip + 1)) ;;
	*)	echo "FAIL $s"; nfail=$((nfail + 1)) ;;
	esac
done
echo "ops: $npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ] || exit 1
[ $npass = 0 ] && [ $nskip -gt 0 ] && exit 77
exit 0
