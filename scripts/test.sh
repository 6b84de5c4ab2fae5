#!/bin/sh
# The whole test suite, as root on Debian 12.  It installs what it needs,
# then for each of two builds -- the normal one and one with ASan+UBSan,
# both with test hooks (--enable-test-hooks) -- it runs the unit tests and
# fuzz corpus replays (make check) and the integration tests against the
# real daemon (real users, spool, chroot and jail).  Compiler warnings
# are errors in every build here (--enable-werror).  Then make distcheck
# checks the release tarball, the fuzzers run for a bounded time and the
# static checks (see the blocks at the end).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
began=$(date +%s)
# stage TEXT: a stage's header, with the minutes and seconds since the
# start, so that a slow stage shows in the log.
stage() {
	t=$(($(date +%s) - began))
	printf '=== %s  [%d:%02d]\n' "$*" $((t / 60)) $((t % 60))
}

[ "$(id -u)" -eq 0 ] || { echo "scripts/test.sh: run as root" >&2; exit 1; }
scripts/install-deps
# Every build below is in a directory of its own; a source tree that was
# configured in place (an older quick start) would stop them all.
if [ -f config.status ]; then
	make distclean >/dev/null
fi
./bootstrap >/dev/null

# run_suite NAME PYTEST-MARKS CONFIGURE-FLAGS...: PYTEST-MARKS selects the
# integration tests (-m); the ASan build leaves out the load and
# crash-loop tests (marked "load"), which take minutes under ASan and whose
# code paths the other tests take as well.
run_suite() {
	name=$1
	marks=$2
	shift 2
	stage "$name build: unit tests and fuzz corpora"
	rm -rf "build-$name"
	mkdir "build-$name"
	(
		cd "build-$name"
		../configure --enable-test-hooks --enable-werror --quiet "$@"
		make -j2 >/dev/null
		if ! make -j2 check; then
			cat test-suite.log
			exit 1
		fi
	)
	stage "$name build: integration tests"
	BULKHEAD=$top/build-$name/bulkhead BULKCTL=$top/build-$name/bulkctl \
	BULKHEAD_SETUP=$top/scripts/bulkhead-setup \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider --durations=12 \
	    -m "$marks" tests/integration
}

run_suite asan "not load" --enable-sanitizers
# The static checks (cppcheck, clang-tidy, gcc -fanalyzer) start their own
# clang build and need no daemon: they run at the lowest priority beside
# the test build, whose integration tests mostly wait on sockets and
# timers, and their verdict is read at the end.  This saves their three
# to four minutes of the run.
rm -rf build-static
nice -n 19 scripts/static-check.sh "$top/build-static" \
    >static-check.log 2>&1 &
static_pid=$!
run_suite test "load or not load"

# The release tarball: make distcheck builds it, then from it (read-only
# sources, a build directory of its own) builds, runs make check (unit
# tests and fuzz corpora, not the integration tests), installs into a
# scratch prefix, checks the installed files (make installcheck) and
# uninstalls.
stage "release tarball: make distcheck"
(
	cd build-test
	if ! make -j2 distcheck >distcheck.log 2>&1; then
		tail -n 60 distcheck.log
		exit 1
	fi
	tail -n 4 distcheck.log
)

# The installed bulkhead: ./configure --prefix=/usr --sysconfdir=/etc &&
# make install, and the Debian package (dpkg-buildpackage, lintian,
# dpkg -i and --purge), each in a throwaway root; see the script.
stage "installation: make install and the Debian package"
sh scripts/test-package.sh

# ---- fuzzing and static checks ----
# A libFuzzer build (clang, ASan+UBSan) runs every harness for FUZZTIME
# seconds (30 unless set) and prints per harness the executions and the
# llvm-cov coverage reached; any crash, leak or timeout fails.  Then
# the static checks' verdict (started above): cppcheck, clang-tidy and
# gcc -fanalyzer must report nothing.
fuzztime=${FUZZTIME:-30}
stage "fuzz build: every harness for ${fuzztime}s"
rm -rf build-fuzz
mkdir build-fuzz
(
	cd build-fuzz
	../configure --enable-fuzzing --enable-werror CC=clang --quiet
	make -j2 >/dev/null
	make fuzz FUZZTIME="$fuzztime"
)
stage "static checks (run beside the test build)"
if ! wait "$static_pid"; then
	cat static-check.log
	exit 1
fi
grep '^=== ' static-check.log
stage "all stages passed"
# ---- end fuzzing and static checks ----
