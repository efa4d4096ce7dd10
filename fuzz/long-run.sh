#!/bin/bash
# fuzz/long-run.sh - long libFuzzer runs (outside CI), one harness at a
# time, at nice 19, and a Markdown table of the figures (fuzz/RESULTS.md).
#
# Each harness runs until 10 million executions or LONG_SECONDS seconds,
# whichever comes first, from its seed corpus (and dictionary), keeping
# what it finds in OUT/<harness>/work and any crash in OUT/<harness>/:
#   cd OUT/<harness> && nice -n 19 BUILDDIR/fuzz/<harness> \
#       -runs=10000000 -max_total_time=LONG_SECONDS -timeout=10 \
#       -rss_limit_mb=2048 -print_final_stats=1 [-dict=fuzz/dict/<h>.dict] \
#       work fuzz/corpus/<harness>
# Then prints one table row per harness: executions, seconds, exec/s,
# coverage (libFuzzer's cov: edges and ft: features at the end), corpus,
# crash files and the exit status (0: no crash).
#
# Environment: BUILDDIR (a build directory where "make fuzz" ran; default
# the current directory), OUT (default /tmp/dkimgate-fuzz-long),
# LONG_SECONDS (default 3600), HARNESSES (default: all).
# "fuzz/long-run.sh table" only prints the table of an earlier run.
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-$(pwd)}
OUT=${OUT:-/tmp/dkimgate-fuzz-long}
T=${LONG_SECONDS:-3600}
mkdir -p "$OUT"

if [ -z "${HARNESSES:-}" ]; then
	HARNESSES=
	for f in "$SRC"/fuzz/fuzz_*.c; do
		HARNESSES="$HARNESSES $(basename "$f" .c)"
	done
fi

if [ "${1:-}" != table ]; then
	for h in $HARNESSES; do
		d=$OUT/$h
		mkdir -p "$d/work"
		dict=()
		[ -f "$SRC/fuzz/dict/$h.dict" ] &&
			dict=("-dict=$SRC/fuzz/dict/$h.dict")
		start=$(date +%s)
		(cd "$d" && nice -n 19 "$BUILDDIR/fuzz/$h" -runs=10000000 \
		    -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 \
		    -print_final_stats=1 "${dict[@]}" work \
		    "$SRC/fuzz/corpus/$h" >log 2>&1)
		echo "$h rc=$? secs=$(($(date +%s) - start))" >>"$OUT/summary"
	done
fi

echo "| harness | executions | seconds | exec/s | cov | ft | corpus | crashes |"
echo "|---|---|---|---|---|---|---|---|"
for h in $HARNESSES; do
	d=$OUT/$h
	[ -f "$d/log" ] || continue
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log")
	last=$(grep -E '^#[0-9]+' "$d/log" | tail -n 1)
	cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
	ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
	corp=$(echo "$last" | grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' |
		awk '{print $2}')
	sum=$(grep "^$h rc" "$OUT/summary" 2>/dev/null | tail -n 1)
	secs=${sum##*secs=}
	rc=$(echo "$sum" | sed -n 's/.*rc=\([0-9]*\).*/\1/p')
	crashes=$(find "$d" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 \
		-name 'leak-*' -o -maxdepth 1 -name 'timeout-*' -o \
		-maxdepth 1 -name 'oom-*' | wc -l)
	echo "| $h | ${execs:-?} | ${secs:-?} | ${eps:-?} | ${cov:-?} |" \
	    "${ft:-?} | ${corp:-?} | $crashes (exit ${rc:-?}) |"
done
