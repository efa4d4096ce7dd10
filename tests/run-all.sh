#!/bin/bash
# tests/run-all.sh - the one command that runs every test of dkimgate.
#
# As root on a fresh Debian 12 machine it installs what the build and the
# tests need (contrib/install-deps.sh, Debian's archive only), then:
#   autoreconf; gcc --enable-werror build, "make check" and "make check-e2e";
#   clang --enable-werror build (program and unit tests); --enable-sanitizers
#   build, its unit tests and the e2e cases again under ASan+UBSan; the unit
#   tests under valgrind; "make distcheck"; mandoc -Tlint on the man pages;
#   the script suites (script_suites below).  Two lanes run side by side:
#   gcc (build, unit, e2e, valgrind, scripts) and the rest (clang, ASan,
#   distcheck, mandoc); RUNALL_LANES=1 runs them one after the other.
# Every test program, script, e2e case and step counts once; the output
# ends with exactly one line "N passed, M failed" and the exit status is
# non-zero if anything failed.  A skipped test counts as failed (everything
# is installed first, so nothing should skip), unless RUNALL_ALLOW_SKIP=1.
# Logs of every step are kept in a temporary directory (printed at the
# start); the tail of a failing step's log is printed.
#
# Environment: RUNALL_TMP (log/build directory), RUNALL_SKIP_DEPS=1 (do not
# run install-deps.sh), RUNALL_ONLY="step ..." (run only those steps:
# deps autoreconf gcc clang fuzz asan valgrind distcheck mandoc scripts;
# RUNALL_FUZZ_SECONDS, seconds per libFuzzer harness, default 5),
# MAKEFLAGS_J (default -j2).
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)

# The script suites of the other areas: each is run once, with DKIMGATE set
# to the gcc build's binary, and counts as one test (exit 0 pass, 77 skip,
# anything else fail).  The list is found by the convention
# tests/<area>/run*.sh (tests/e2e/run.sh runs through make check-e2e).
script_suites() {
	local f
	for f in "$SRC"/tests/*/run*.sh; do
		[ -f "$f" ] || continue
		case $f in */tests/e2e/*) continue ;; esac
		echo "$f"
	done
}

TMP=${RUNALL_TMP:-$(mktemp -d /tmp/dkimgate-runall.XXXXXX)}
mkdir -p "$TMP" && chmod 755 "$TMP"
J=${MAKEFLAGS_J:--j2}
ONLY=" ${RUNALL_ONLY:-deps autoreconf gcc clang fuzz asan valgrind distcheck mandoc scripts} "
START=$(date +%s)

echo "run-all: source $SRC, logs and builds in $TMP"

# want - true if step $1 is selected
want() {
	case $ONLY in *" $1 "*) return 0 ;; esac
	return 1
}

# result - count one result: result NAME pass|fail|skip [LOG]; results go
# to the file $RESULTS (one per lane) and are counted at the end
RESULTS=$TMP/results.main
: >"$RESULTS"
result() {
	local name=$1 what=$2 log=${3:-}
	echo "$what $name" >>"$RESULTS"
	case $what in
	pass)	echo "PASS $name" ;;
	skip)	echo "SKIP $name" ;;
	*)	echo "FAIL $name"
		if [ -n "$log" ] && [ -f "$log" ]; then
			echo "--- last 40 lines of $log"
			tail -n 40 "$log" | sed 's/^/    /'
		fi ;;
	esac
}

# step - run a command with its output in $TMP/NAME.log, count it as one
# result: step NAME CMD...
step() {
	local name=$1 log=$TMP/$1.log t0
	shift
	t0=$(date +%s)
	echo "=== $name: $*" >"$log"
	if "$@" >>"$log" 2>&1; then
		result "$name ($(( $(date +%s) - t0 ))s)" pass
		return 0
	fi
	result "$name" fail "$log"
	return 1
}

# count_trs - count the automake .trs results under build dir $1
count_trs() {
	local dir=$1 label=$2 trs res name
	while IFS= read -r trs; do
		res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
		name=$label:${trs#"$dir"/}
		name=${name%.trs}
		case $res in
		PASS|XFAIL)	result "$name" pass ;;
		SKIP)		result "$name" skip ;;
		*)		result "$name" fail "${trs%.trs}.log" ;;
		esac
	done < <(find "$dir" -name '*.trs' | sort)
}

# check_step - "make check" in build dir $1: every test counts
check_step() {
	local dir=$1 label=$2 log=$TMP/$2-check.log rc before t0
	find "$dir" -name '*.trs' -delete 2>/dev/null
	t0=$(date +%s)
	(cd "$dir" && make $J check) >"$log" 2>&1
	rc=$?
	echo "($label make check: $(( $(date +%s) - t0 ))s)"
	before=$(grep -c '^fail ' "$RESULTS")
	count_trs "$dir" "$label"
	# a failure no counted test explains (e.g. a test that did not build)
	if [ $rc != 0 ] && [ "$(grep -c '^fail ' "$RESULTS")" = "$before" ]; then
		result "$label:make-check" fail "$log"
	fi
}

# lines_step - run a command printing "PASS x"/"FAIL x"/"SKIP x" lines;
# count each line: lines_step LABEL CMD...
lines_step() {
	local label=$1 log=$TMP/$1.log nfail=0 rc t0
	shift
	t0=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	echo "($label: $(( $(date +%s) - t0 ))s)"
	while read -r what name; do
		case $what in
		PASS)	result "$label:$name" pass ;;
		FAIL)	result "$label:$name" fail; nfail=$((nfail + 1)) ;;
		SKIP)	result "$label:$name" skip ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$log")
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		echo "--- last 60 lines of $log"
		tail -n 60 "$log" | sed 's/^/    /'
		# a failure that no FAIL line accounts for (build error, crash)
		[ $nfail = 0 ] && result "$label (exit status $rc)" fail
	fi
}

# build - configure and build in $TMP/build-NAME: build NAME CONFIGURE-ARGS
build() {
	local name=$1 dir=$TMP/build-$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	step "build-$name" sh -c "cd '$dir' && '$SRC/configure' $* && make $J"
}

if want deps; then
	if [ "${RUNALL_SKIP_DEPS:-0}" = 1 ]; then
		echo "run-all: RUNALL_SKIP_DEPS=1, not installing packages"
	elif [ "$(id -u)" = 0 ]; then
		step deps "$SRC/contrib/install-deps.sh" all
	else
		echo "run-all: not root, not installing packages"
	fi
fi

if want autoreconf; then
	step autoreconf sh -c "cd '$SRC' && autoreconf -fi"
fi

# Two lanes run side by side (RUNALL_LANES=1: one after the other): much
# of the time is spent waiting (Postfix, timers, valgrind), not computing.
# lane_gcc - gcc build, unit tests, e2e, valgrind, script suites
lane_gcc() {
	local ok=0 s name log t0 rc
	if want gcc || want valgrind || want scripts; then
		build gcc CC=gcc --enable-werror && ok=1
	fi
	[ $ok = 1 ] || return 0
	if want gcc; then
		check_step "$TMP/build-gcc" gcc
		lines_step gcc-e2e make -C "$TMP/build-gcc" check-e2e
	fi
	if want valgrind; then
		lines_step valgrind make -s -C "$TMP/build-gcc" check-valgrind
	fi
	if want scripts; then
		export DKIMGATE=$TMP/build-gcc/dkimgate
		export BUILDDIR=$TMP/build-gcc
		while IFS= read -r s; do
			name=script:${s#"$SRC"/}
			log=$TMP/$(echo "${s#"$SRC"/}" | tr / _).log
			t0=$(date +%s)
			(cd "$SRC" && bash "$s") >"$log" 2>&1 </dev/null
			rc=$?
			name="$name ($(( $(date +%s) - t0 ))s)"
			case $rc in
			0)	result "$name" pass ;;
			77)	result "$name" skip ;;
			*)	result "$name" fail "$log" ;;
			esac
		done < <(script_suites)
	fi
}

# lane_other - clang build, sanitizer build with unit tests and e2e,
# distcheck, man page lint
lane_other() {
	local page
	if want clang; then
		# the program and every unit test program must compile cleanly
		build clang CC=clang --enable-werror &&
		    step clang-check-programs make -C "$TMP/build-clang" $J \
		    check TESTS=
	fi
	if want fuzz; then
		# every libFuzzer harness: its regression inputs, then a short
		# run from its seed corpus (one PASS/FAIL line each)
		mkdir -p "$TMP/build-fuzz"
		if (cd "$TMP/build-fuzz" && "$SRC/configure" CC=clang \
		    >"$TMP/fuzz-configure.log" 2>&1); then
			lines_step fuzz env BUILDDIR="$TMP/build-fuzz" \
			    FUZZ_SECONDS="${RUNALL_FUZZ_SECONDS:-5}" \
			    FUZZ_TMP="$TMP/fuzz" bash "$SRC/tests/fuzz-smoke.sh"
		else
			result fuzz-configure fail "$TMP/fuzz-configure.log"
		fi
	fi
	if want asan &&
	    build asan CC=gcc --enable-werror --enable-sanitizers; then
		export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
		export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
		check_step "$TMP/build-asan" asan
		lines_step asan-e2e make -C "$TMP/build-asan" check-e2e
		unset ASAN_OPTIONS UBSAN_OPTIONS
	fi
	if want distcheck; then
		mkdir -p "$TMP/build-dist"
		step distcheck sh -c "cd '$TMP/build-dist' && '$SRC/configure' >/dev/null && make $J distcheck"
	fi
	if want mandoc; then
		for page in "$SRC"/man/*.[1-9]; do
			[ -f "$page" ] || continue
			step "mandoc:$(basename "$page")" \
			    mandoc -Tlint -Wwarning "$page"
		done
	fi
}

if [ "${RUNALL_LANES:-2}" = 1 ]; then
	RESULTS=$TMP/results.gcc; : >"$RESULTS"; lane_gcc
	RESULTS=$TMP/results.other; : >"$RESULTS"; lane_other
else
	(RESULTS=$TMP/results.gcc; : >"$RESULTS"; lane_gcc) &
	lane1=$!
	(RESULTS=$TMP/results.other; : >"$RESULTS"; lane_other) &
	lane2=$!
	wait $lane1
	wait $lane2
fi

echo "run-all: $(( $(date +%s) - START )) s, logs in $TMP"
all=$(cat "$TMP"/results.*)
NPASS=$(grep -c '^pass ' <<<"$all")
NFAIL=$(grep -c '^fail ' <<<"$all")
NSKIP=$(grep -c '^skip ' <<<"$all")
if [ "$NSKIP" -gt 0 ]; then
	echo "skipped: $(sed -n 's/^skip //p' <<<"$all" | tr '\n' ' ')"
	if [ "${RUNALL_ALLOW_SKIP:-0}" != 1 ]; then
		echo "(a skip counts as a failure: RUNALL_ALLOW_SKIP=1 to allow)"
		NFAIL=$((NFAIL + NSKIP))
	fi
fi
[ "$NFAIL" -gt 0 ] && echo "failed: $(sed -n 's/^fail //p' <<<"$all" | tr '\n' ' ')"
echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" = 0 ]
