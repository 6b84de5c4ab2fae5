#!/bin/sh
# The whole test suite, as root on Debian 12: installs what it needs,
# builds a test build (--enable-test-hooks) in build-test/, runs the unit
# tests and fuzz corpus replays (make check), then the integration tests
# against the real daemon (real users, spool, chroot and jail).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

[ "$(id -u)" -eq 0 ] || { echo "scripts/test.sh: run as root" >&2; exit 1; }
scripts/install-deps
./bootstrap >/dev/null
rm -rf build-test
mkdir build-test
cd build-test
../configure --enable-test-hooks --quiet
make -j2
if ! make -j2 check; then
	cat test-suite.log
	exit 1
fi
cd "$top"

BULKHEAD=$top/build-test/bulkhead BULKCTL=$top/build-test/bulkctl \
BULKHEAD_SETUP=$top/scripts/bulkhead-setup \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
