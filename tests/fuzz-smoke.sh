#!/bin/bash
# tests/fuzz-smoke.sh - short libFuzzer runs of every harness (CI entry
# point of the fuzz area).
#
# For each harness in fuzz/ (fuzz/fuzz_<parser>.c, built with clang and
# -fsanitize=fuzzer,address,undefined by "make fuzz"):
#   1. replay every input in fuzz/regressions/<harness>/ (inputs that once
#      crashed or broke an invariant; each must now pass);
#   2. fuzz for FUZZ_SECONDS seconds (default 10) starting from the seed
#      corpus fuzz/corpus/<harness>/ (and the dictionary fuzz/dict/
#      <harness>.dict when there is one). New inputs go to a scratch
#      directory; the source tree is never written.
# Prints "PASS <harness>" or "FAIL <harness>" per harness and a closing
# "N passed, M failed" line; exits 0 when all passed, 1 otherwise, 77
# when no clang is installed. A failing run's log and crash input are
# kept under the scratch directory (printed).
#
# Environment:
#   BUILDDIR      a configured build directory; "make fuzz" is run in it.
#                 Unset: the current directory if it is a build directory
#                 of this tree, else a fresh one is configured under the
#                 scratch directory (only "make fuzz" is built there).
#   FUZZ_SECONDS  seconds per harness (default 10)
#   FUZZ_ONLY     harness names to run (default: all), e.g. "fuzz_dot"
#   FUZZ_TMP      scratch directory (default: mktemp -d)
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
SECS=${FUZZ_SECONDS:-10}
TMP=${FUZZ_TMP:-$(mktemp -d /tmp/dkimgate-fuzz.XXXXXX)}
mkdir -p "$TMP"

if ! command -v clang >/dev/null 2>&1 &&
    ! command -v clang-14 >/dev/null 2>&1; then
	echo "fuzz-smoke: clang not installed: skipped"
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
			echo "fuzz-smoke: autoreconf failed (see $TMP/autoreconf.log)"
			echo "0 passed, 1 failed"
			exit 1
		}
	fi
	(cd "$BUILDDIR" && "$SRC/configure") >"$TMP/configure.log" 2>&1 || {
		echo "fuzz-smoke: configure failed (see $TMP/configure.log)"
		echo "0 passed, 1 failed"
		exit 1
	}
fi
if ! make -C "$BUILDDIR" fuzz >"$TMP/make-fuzz.log" 2>&1; then
	tail -n 30 "$TMP/make-fuzz.log"
	echo "fuzz-smoke: make fuzz failed (see $TMP/make-fuzz.log)"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "fuzz-smoke: $SECS s per harness, scratch directory $TMP"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0
fail=0
for src in "$SRC"/fuzz/fuzz_*.c; do
	h=$(basename "$src" .c)
	if [ -n "${FUZZ_ONLY:-}" ]; then
		case " $FUZZ_ONLY " in *" $h "*) ;; *) continue ;; esac
	fi
	bin=$BUILDDIR/fuzz/$h
	log=$TMP/$h.log
	ok=1
	if [ ! -x "$bin" ]; then
		echo "fuzz-smoke: $bin was not built" >"$log"
		ok=0
	fi
	# 1. regressions: each file once
	reg=$SRC/fuzz/regressions/$h
	if [ "$ok" = 1 ] && [ -d "$reg" ] &&
	    [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
		if ! "$bin" -runs=1 "$reg"/* >"$log.regress" 2>&1; then
			ok=0
			cat "$log.regress" >>"$log"
		fi
	fi
	# 2. a short fuzzing run from the seed corpus
	if [ "$ok" = 1 ]; then
		work=$TMP/$h.corpus
		mkdir -p "$work" "$TMP/$h.artifacts"
		dict=()
		[ -f "$SRC/fuzz/dict/$h.dict" ] &&
			dict=("-dict=$SRC/fuzz/dict/$h.dict")
		if ! (cd "$TMP/$h.artifacts" && "$bin" -max_total_time="$SECS" \
		    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		    "${dict[@]}" "$work" "$SRC/fuzz/corpus/$h") >"$log" 2>&1
		then
			ok=0
		fi
	fi
	if [ "$ok" = 1 ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "PASS $h (${execs:-?} executions)"
		pass=$((pass + 1))
	else
		echo "FAIL $h (log: $log)"
		grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" |
			head -n 8 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
