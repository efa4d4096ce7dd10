#!/bin/bash
# tests/valgrind-unit.sh - every unit test program under valgrind (CI entry
# point of the fuzz area).
#
# Runs each built tests/unit/test_* program of a build directory as
#   valgrind --error-exitcode=1 --leak-check=full
#            --errors-for-leak-kinds=definite --trace-children=no
# from the build directory. A program passes when it exits 0 under
# valgrind: its own tests passed and valgrind found no invalid access, no
# use of uninitialised memory and no definite leak. Test programs that
# fork children without exec keep valgrind in the child; a child's own
# report is written to the same log, and --child-silent-after-fork keeps
# it out of the way unless VALGRIND_CHILDREN=1 (then children are checked
# too and their errors fail the test).
# Prints "PASS <test>" / "FAIL <test>" and a closing "N passed, M failed";
# exits 0 when all passed, 1 otherwise, 77 when valgrind is missing or the
# build directory was built with --enable-sanitizers (ASan and valgrind do
# not mix).
#
# Environment:
#   BUILDDIR          configured build directory; its unit test programs
#                     are built first ("make check TESTS=") when missing.
#                     Unset: the current directory if it is a build
#                     directory of this tree, else a fresh gcc build under
#                     the scratch directory.
#   VALGRIND_ONLY     test names to run (default: all), e.g. "test_buf"
#   VALGRIND_TIMEOUT  seconds per program (default 900)
#   VALGRIND_TMP      scratch directory for logs (default: mktemp -d)
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=${VALGRIND_TMP:-$(mktemp -d /tmp/dkimgate-valgrind.XXXXXX)}
TIMEOUT=${VALGRIND_TIMEOUT:-900}
mkdir -p "$TMP"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind-unit: valgrind not installed: skipped"
	exit 77
fi

# the current directory, when it is a build directory of this source tree
if [ -z "${BUILDDIR:-}" ] && [ -f Makefile ] &&
    grep -q "^abs_top_srcdir = $SRC\$" Makefile; then
	BUILDDIR=$(pwd)
fi
if [ -z "${BUILDDIR:-}" ]; then
	BUILDDIR=$TMP/build
	mkdir -p "$BUILDDIR"
	if [ ! -x "$SRC/configure" ]; then
		(cd "$SRC" && autoreconf -fi) >"$TMP/autoreconf.log" 2>&1 || {
			echo "valgrind-unit: autoreconf failed (see $TMP/autoreconf.log)"
			echo "0 passed, 1 failed"
			exit 1
		}
	fi
	(cd "$BUILDDIR" && "$SRC/configure") >"$TMP/configure.log" 2>&1 || {
		echo "valgrind-unit: configure failed (see $TMP/configure.log)"
		echo "0 passed, 1 failed"
		exit 1
	}
fi
if ! make -C "$BUILDDIR" -j2 check TESTS= >"$TMP/make.log" 2>&1; then
	tail -n 30 "$TMP/make.log"
	echo "valgrind-unit: building the unit tests failed (see $TMP/make.log)"
	echo "0 passed, 1 failed"
	exit 1
fi
if grep -q '^AM_CFLAGS *=.*-fsanitize=address' "$BUILDDIR/Makefile"; then
	echo "valgrind-unit: $BUILDDIR is a sanitizer build: skipped"
	exit 77
fi

tests=()
for t in "$BUILDDIR"/tests/unit/test_*; do
	case $t in *.o | *.c | *.h | *.log | *.trs) continue ;; esac
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
	n=$(basename "$t")
	if [ -n "${VALGRIND_ONLY:-}" ]; then
		case " $VALGRIND_ONLY " in *" $n "*) ;; *) continue ;; esac
	fi
	tests+=("$t")
done
if [ ${#tests[@]} -eq 0 ]; then
	echo "valgrind-unit: no unit test program in $BUILDDIR/tests/unit"
	echo "0 passed, 1 failed"
	exit 1
fi

silent=--child-silent-after-fork=yes
[ "${VALGRIND_CHILDREN:-0}" = 1 ] && silent=--child-silent-after-fork=no
echo "valgrind-unit: ${#tests[@]} programs, logs in $TMP"
pass=0
fail=0
for t in "${tests[@]}"; do
	n=$(basename "$t")
	log=$TMP/$n.log
	start=$(date +%s)
	(cd "$BUILDDIR" && timeout "$TIMEOUT" valgrind -q --error-exitcode=1 \
	    --leak-check=full --errors-for-leak-kinds=definite \
	    --trace-children=no "$silent" --track-fds=no \
	    --log-file="$log.valgrind.%p" "$t") >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		echo "PASS $n (${secs}s)"
		pass=$((pass + 1))
	else
		why="exit $rc"
		[ "$rc" -eq 124 ] && why="timeout after ${TIMEOUT}s"
		echo "FAIL $n ($why; log: $log, valgrind: $log.valgrind.*)"
		pat='^==[0-9]+== (Invalid|Conditional|Use of|  *(at|by) '
		pat="$pat|[0-9,]+ bytes in)"
		cat "$log".valgrind.* 2>/dev/null | grep -E "$pat" |
			head -n 12 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
