#!/bin/sh
# scripts/fuzz.sh SRCDIR HARNESS...: what `make fuzz` runs, in a build
# configured with --enable-fuzzing.
#
# Each libFuzzer harness runs for FUZZTIME seconds (default 60) from its
# seed corpus SRCDIR/tests/fuzz/corpus/<name>/, with SRCDIR/tests/fuzz/
# <name>.dict and the flags in <name>.options if there are.  New inputs
# go to fuzz-out/<name>/corpus; a crash, leak or timeout leaves its input
# in fuzz-out/<name>/ (crash-*, leak-*, timeout-*) and fails the run.  Then the same harnesses are built as
# plain replayers with clang source-based coverage (in fuzz-cov/, a build
# of its own) and replayed over seeds plus new inputs; llvm-cov reports the
# lines and branches reached in the files each harness exercises.
# Prints one summary line per harness: executions, new inputs, coverage.
# Exit status: 0 when every harness ran clean.  FUZZ_JOBS (default 2)
# harnesses run at once.
set -u
[ $# -ge 2 ] || { echo "usage: $0 srcdir harness..." >&2; exit 2; }
srcdir=$(cd "$1" && pwd)
shift
fuzztime=${FUZZTIME:-60}
out=$(pwd)/fuzz-out
cov=$(pwd)/fuzz-cov
# The per-input limit: far above any input's normal time under ASan.
input_timeout=${FUZZ_INPUT_TIMEOUT:-10}
# ASan's quarantine of freed memory (256 MB by default) sends each new
# input's allocations to fresh pages: page faults and TLB flushes were
# most of the time of the harnesses that allocate per input (ipc,
# config, aliases: 2x to 8x).  16 MB still holds everything one input
# frees many times over, so a use after free is still caught.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
export ASAN_OPTIONS

find_tool() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
	done
	return 1
}
profdata=$(find_tool llvm-profdata-14 llvm-profdata) || profdata=
llvmcov=$(find_tool llvm-cov-14 llvm-cov) || llvmcov=

failed=
summary=$out/summary
mkdir -p "$out"
: >"$summary"

# fuzz_one HARNESS: run it; leaves fuzz-out/<name>/{log,corpus}.
fuzz_one() {
	prog=$1
	name=$(basename "$prog" | sed 's/^fuzz_//')
	dir=$out/$name
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	set -- -max_total_time="$fuzztime" -timeout="$input_timeout" \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$dir/"
	if [ -f "$srcdir/tests/fuzz/$name.dict" ]; then
		set -- "$@" -dict="$srcdir/tests/fuzz/$name.dict"
	fi
	# Per-target libFuzzer flags, OSS-Fuzz style: tests/fuzz/<name>.options
	# with "key = value" lines under [libfuzzer] (e.g. max_len = 8192).
	if [ -f "$srcdir/tests/fuzz/$name.options" ]; then
		# shellcheck disable=SC2046
		set -- "$@" $(awk '
		    /^\[/ { on = ($0 == "[libfuzzer]"); next }
		    on && /^[a-z_]+[ \t]*=/ {
			split($0, kv, "=")
			gsub(/[ \t]/, "", kv[1]); gsub(/[ \t]/, "", kv[2])
			print "-" kv[1] "=" kv[2]
		    }' "$srcdir/tests/fuzz/$name.options")
	fi
	echo "=== fuzz $name: ${fuzztime}s"
	# The outer limit only catches a hung fuzzer; libFuzzer stops itself.
	timeout -k 10 $((fuzztime + 300)) "$prog" "$@" "$dir/corpus" \
	    "$srcdir/tests/fuzz/corpus/$name" >"$dir/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	new=$(find "$dir/corpus" -type f | wc -l)
	artefacts=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' \
	    -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
	    sort)
	if [ $rc -ne 0 ] || [ -n "$artefacts" ]; then
		failed="$failed $name"
		echo "FAIL: $name (exit $rc)"
		# The sanitizer or libFuzzer report, without the progress lines.
		grep -v -E '^#[0-9]+' "$dir/log" | tail -n 60
		for a in $artefacts; do
			echo "  input: $a"
			echo "  reproduce: $prog $a"
		done
		status=FAIL
	else
		status=ok
	fi
	printf '%s %s %s %s %s\n' "$name" "$status" "${execs:-?}" \
	    "${rate:-?}" "$new" >>"$summary"
}

# cov_build HARNESS...: the same harnesses as plain coverage replayers.
cov_build() {
	if [ -z "$profdata" ] || [ -z "$llvmcov" ]; then
		echo "fuzz.sh: llvm-profdata/llvm-cov not found (apt-get install llvm-14): no coverage" >&2
		return 1
	fi
	mkdir -p "$cov"
	(
		cd "$cov" || exit 1
		# Configure again whenever these flags change.
		flags="CC=clang CFLAGS=-g -O1 -Wno-error -fprofile-instr-generate -fcoverage-mapping LDFLAGS=-fprofile-instr-generate"
		if [ ! -f Makefile ] || [ "$(cat flags 2>/dev/null)" != "$flags" ]; then
			rm -f flags
			"$srcdir/configure" --quiet CC=clang \
			    CFLAGS="-g -O1 -Wno-error -fprofile-instr-generate -fcoverage-mapping" \
			    LDFLAGS="-fprofile-instr-generate" || exit 1
			echo "$flags" >flags
		fi
		# bhpaths.h is a BUILT_SOURCE, made by "make all" but not
		# when single targets are asked for
		make bhpaths.h >/dev/null && make -j2 "$@" >/dev/null
	)
}

# cov_one HARNESS: replay seeds + new inputs, report the covered files.
cov_one() {
	name=$(basename "$1" | sed 's/^fuzz_//')
	bin=$cov/tests/fuzz/fuzz_$name
	dir=$out/$name
	rm -f "$dir"/*.profraw
	LLVM_PROFILE_FILE="$dir/cov.profraw" "$bin" \
	    "$srcdir/tests/fuzz/corpus/$name" "$dir/corpus" >/dev/null 2>&1 ||
	    { echo "coverage replay of $name failed" >&2; return 1; }
	"$profdata" merge -sparse -o "$dir/cov.profdata" "$dir/cov.profraw" ||
	    return 1
	# Every file of the project the harness reached, without the harness.
	"$llvmcov" report "$bin" -instr-profile="$dir/cov.profdata" \
	    -ignore-filename-regex='tests/' >"$dir/coverage" || return 1
	# llvm-cov report columns: Filename, Regions, Missed, Cover,
	# Functions, Missed, Executed, Lines, Missed, Cover, Branches, Missed,
	# Cover.  Keep the files with any line run.
	awk -v name="$name" -v sum="$dir/cov.summary" '
	    NR <= 2 || /^TOTAL/ || /^-/ { next }
	    $8 > $9 {
		printf "    %-14s %-24s lines %5d/%-5d %7s  branches %7s\n",
		    name, $1, $8 - $9, $8, $10, $13
		lines += $8; missed += $9
	    }
	    END {
		if (lines > 0)
			printf "lines %.1f%% (%d/%d)\n", 100 * (lines - missed) / lines,
			    lines - missed, lines >sum
	    }' "$dir/coverage"
}

# FUZZ_JOBS harnesses at a time (default 2: each fuzzer is one process
# on one core, so two keep both cores busy and halve the wall time).
jobs=${FUZZ_JOBS:-2}
running=0
for prog in "$@"; do
	fuzz_one "$prog" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
# fuzz_one ran in subshells: its verdicts are in the summary.
failed="$failed$(awk '$2 == "FAIL" { printf " %s", $1 }' "$summary")"

echo "=== coverage (llvm-cov)"
if cov_build "$@"; then
	for prog in "$@"; do
		cov_one "$prog" || failed="$failed coverage:$(basename "$prog")"
	done
else
	failed="$failed coverage-build"
fi

echo "=== fuzz summary (${fuzztime}s each; details in $out)"
echo "harness        result     executions     exec/s  new inputs  coverage of its files"
while read -r name status execs rate new; do
	c=$(cat "$out/$name/cov.summary" 2>/dev/null) || c="no coverage"
	printf '%-14s %-6s %14s %10s %11s  %s\n' "$name" "$status" \
	    "$execs" "$rate" "$new" "$c"
done <"$summary"
if [ -n "$failed" ]; then
	echo "make fuzz: FAILED:$failed"
	exit 1
fi
echo "make fuzz: all harnesses clean"
