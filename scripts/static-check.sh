#!/bin/sh
# scripts/static-check.sh [DIR]: cppcheck, clang-tidy and gcc -fanalyzer
# over bulkhead's C sources (every source folder, as srcre below lists
# them; not the tests).
#
# DIR (default build-static in the source tree) is a clang build of its
# own, configured with --enable-test-hooks so that the test-only code is
# checked too; `bear` records its compile commands, which both tools read.
# clang-tidy's checks are in .clang-tidy (each disabled check says why);
# single false positives are in scripts/static-check.supp (each line says
# why).  Prints every remaining finding; exit status 1 if there is any.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build-static}
supp=$top/scripts/static-check.supp
srcre="^$top/(lib|privsep|master|conf|check|tools|smtpd|auth|keys|queue|delivery|pickup|relay|dns)/"

for t in bear cppcheck clang-tidy run-clang-tidy gcc; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "static-check: $t not found (scripts/install-deps)" >&2
		exit 2
	}
done

# Compile commands, from a clean build so that every file is seen.
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
(
	cd "$dir" || exit 1
	if [ ! -f Makefile ]; then
		[ -x "$top/configure" ] || (cd "$top" && ./bootstrap >/dev/null)
		"$top/configure" --quiet CC=clang --enable-test-hooks \
		    --enable-werror || exit 1
	fi
	make clean >/dev/null
	bear --output compile_commands.json -- make -j2 >build.log 2>&1 ||
	    { tail -n 30 build.log; exit 1; }
) || { echo "static-check: build in $dir failed" >&2; exit 2; }

# filter: keep "file:line:col: warning|error: text [check]" lines not in
# the suppression file; paths are printed relative to the source tree.
filter() {
	awk -v top="$top/" -v dir="$dir/" -v supp="$supp" '
	BEGIN {
		FS = "|"
		while ((getline l < supp) > 0) {
			if (l ~ /^#/ || l !~ /\|/)
				continue
			split(l, f, "|")
			n++; scheck[n] = f[1]; sfile[n] = f[2]; stext[n] = f[3]
		}
		FS = " "
	}
	match($0, /^[^ :]+:[0-9]+:[0-9]+: (warning|error): /) {
		split($0, p, ":")
		file = p[1]; line = p[2]
		if (file !~ /^\//)
			file = dir file
		while (sub(/\/[^\/]+\/\.\.\//, "/", file))
			;
		sub("^" top, "", file)
		check = $NF
		gsub(/[\[\]]/, "", check)
		src = ""
		for (i = 0; i < line; i++)
			if ((getline src < (top file)) <= 0)
				break
		close(top file)
		for (i = 1; i <= n; i++)
			if (sfile[i] == file && index(src, stext[i]) > 0 &&
			    index("," check ",", "," scheck[i] ",") > 0)
				next
		rest = substr($0, index($0, ": ") + 2)
		out = file ":" line ": " rest
		if (!(out in seen)) {
			seen[out] = 1
			print out
		}
	}'
}

files=$(sed -n 's/^ *"file": "\(.*\)",*$/\1/p' "$dir/compile_commands.json" |
    grep -E "$srcre" | sort -u)
[ -n "$files" ] || { echo "static-check: no sources found" >&2; exit 2; }
nfiles=$(echo "$files" | wc -l)

echo "=== cppcheck ($nfiles files)"
# sys/queue.h and sys/tree.h are macros cppcheck must see to parse the
# structs that use them; findings inside system headers are not ours.
cppcheck -q -j2 --project="$dir/compile_commands.json" \
    --file-filter="$top/lib/*" --file-filter="$top/privsep/*" \
    --file-filter="$top/smtpd/*" --file-filter="$top/queue/*" \
    --file-filter="$top/delivery/*" --file-filter="$top/master/*" \
    --file-filter="$top/conf/*" --file-filter="$top/tools/*" \
    --file-filter="$top/pickup/*" \
    --file-filter="$top/auth/*" --file-filter="$top/keys/*" \
    --file-filter="$top/relay/*" --file-filter="$top/dns/*" \
    --include=/usr/include/bsd/sys/queue.h \
    --include=/usr/include/bsd/sys/tree.h \
    --suppress='*:/usr/include/*' \
    --enable=warning,portability,performance --inline-suppr \
    --template='{file}:{line}:{column}: warning: {message} [{id}]' \
    >"$dir/cppcheck.out" 2>&1
cpp_rc=$?
filter <"$dir/cppcheck.out" >"$dir/cppcheck.findings"
cat "$dir/cppcheck.findings"
cpp_n=$(wc -l <"$dir/cppcheck.findings")

echo "=== clang-tidy ($nfiles files; checks in .clang-tidy)"
run-clang-tidy -j2 -quiet -p "$dir" "$srcre" >"$dir/clang-tidy.out" 2>&1
tidy_rc=$?
sed 's/\x1b\[[0-9;]*m//g' "$dir/clang-tidy.out" | filter \
    >"$dir/clang-tidy.findings"
cat "$dir/clang-tidy.findings"
tidy_n=$(wc -l <"$dir/clang-tidy.findings")

echo "=== gcc -fanalyzer"
# gcc 12's leak check (-Wanalyzer-malloc-leak) does not follow pointers
# stored into RB trees and TAILQs and reports every such node as leaked;
# leaks are left to clang-analyzer's unix.Malloc above and to LSan in the
# unit tests and fuzzers.
fan=$dir/fanalyzer
mkdir -p "$fan"
(
	cd "$fan" || exit 1
	if [ ! -f Makefile ]; then
		"$top/configure" --quiet CC=gcc --enable-test-hooks \
		    CFLAGS="-g -O1 -fanalyzer -Wno-analyzer-malloc-leak -Wno-error" ||
		    exit 1
	fi
	make clean >/dev/null
	make -j2 >build.log 2>&1 || { tail -n 30 build.log; exit 1; }
)
fan_rc=$?
grep -F -e '[-Wanalyzer-' "$fan/build.log" | filter >"$dir/fanalyzer.findings"
cat "$dir/fanalyzer.findings"
fan_n=$(wc -l <"$dir/fanalyzer.findings")

echo "=== static checks: cppcheck $cpp_n, clang-tidy $tidy_n, gcc -fanalyzer $fan_n finding(s)"
status=0
if [ "$cpp_rc" -ne 0 ]; then
	echo "cppcheck failed (exit $cpp_rc); see $dir/cppcheck.out"
	status=1
fi
if [ "$tidy_rc" -ne 0 ] && [ "$tidy_n" -eq 0 ]; then
	echo "clang-tidy failed (exit $tidy_rc); see $dir/clang-tidy.out"
	status=1
fi
if [ "$fan_rc" -ne 0 ]; then
	echo "gcc -fanalyzer build failed; see $fan/build.log"
	status=1
fi
[ "$cpp_n" -eq 0 ] && [ "$tidy_n" -eq 0 ] && [ "$fan_n" -eq 0 ] || status=1
exit $status
