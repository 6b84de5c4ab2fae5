#!/bin/sh
# Quick start, as root on Debian 12: install the build dependencies, build
# and install bulkhead, create its accounts and directories, write a demo
# configuration (loopback port 2525, a "demo" user) if /etc/bulkhead has
# none, and start the daemon.
set -eu
cd "$(dirname "$0")/.."
confdir=/etc/bulkhead

[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root" >&2; exit 1; }
scripts/install-deps
# Out of the source tree, in a build directory of its own, so that
# scripts/test.sh (build-asan/, build-test/) works before or after this.
# A tree configured in place by an older quick start is cleaned first.
if [ -f config.status ]; then
	make distclean >/dev/null
fi
./bootstrap >/dev/null
mkdir -p build-quickstart
(
	cd build-quickstart
	# Programs under /usr/local, the configuration in /etc/bulkhead.
	../configure --quiet --sysconfdir=/etc
	make -j2 >/dev/null
	make install >/dev/null
)

if [ ! -f "$confdir/main.cf" ]; then
	mkdir -p "$confdir"
	cat > "$confdir/main.cf" <<'CF'
# Demo configuration written by scripts/quickstart.sh; see bulkhead.conf(5).
mydestination = $myhostname, localhost
inet_interfaces = loopback-only
alias_maps = /etc/bulkhead/aliases
maillog_file = /var/log/bulkhead.log
CF
	cat > "$confdir/master.cf" <<'CF'
# service       type private unpriv chroot wakeup maxproc command
127.0.0.1:2525  inet n       -      y      -      -       smtpd
CF
	printf 'postmaster: demo\nroot: demo\n' > "$confdir/aliases"
	echo "wrote a demo configuration in $confdir"
fi
if ! getent passwd demo >/dev/null; then
	useradd --create-home --shell /bin/sh demo
	echo "created user demo"
fi
/usr/local/sbin/bulkhead-setup -c "$confdir"

# Restart if an earlier quick start left one running.
pidfile=$(/usr/local/sbin/bulkhead -c "$confdir" -P pid_file)
if [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then
	while [ -f "$pidfile" ]; do sleep 0.2; done
fi
/usr/local/sbin/bulkhead -c "$confdir"
sleep 1
/usr/local/sbin/bulkctl -c "$confdir" audit
cat <<MSG

bulkhead is running (log: /var/log/bulkhead.log).  Send it a message:
  swaks --server 127.0.0.1:2525 --to demo@localhost --body "hello"
or, as any user, with sendmail (nothing set-uid; see sendmail(1)):
  printf 'To: demo\nSubject: hi\n\nhello\n' | /usr/local/sbin/sendmail -t -i
and read it:
  ls ~demo/Maildir/new
MSG
