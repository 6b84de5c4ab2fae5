#!/bin/sh
# The installed bulkhead, as root on Debian 12 (a stage of scripts/test.sh):
#
#  1. ./configure --prefix=/usr --sysconfdir=/etc && make install, run in
#     a throwaway root: the binaries, manual pages, systemd unit,
#     sysusers.d file and logrotate snippet are where a system MTA's are;
#     systemd-analyze verify accepts the unit; systemd-sysusers makes the
#     accounts from the sysusers.d file; bulkhead-setup and bulkhead -n
#     pass; logrotate reads the snippet.
#  2. dpkg-buildpackage -us -uc -b from a copy of the tree, then lintian:
#     any error fails; warnings and infos are printed (today: none, and
#     one info, no init.d script; an override would go, with its reason,
#     in debian/bulkhead.lintian-overrides).
#  3. dpkg -i of that package in another throwaway root, where any other
#     mail-transport-agent is removed first (the package conflicts with
#     them): postinst made the accounts, the spool and the configuration
#     and enabled bulkhead.service; the unit verifies; the daemon from
#     the package starts there and delivers a message to a Maildir; then
#     dpkg --purge runs prerm and postrm.
#
# A throwaway root is an overlay over this machine's / in a private mount
# namespace (unshare -m), with a tmpfs as the upper layer: make install and
# dpkg write only into that tmpfs, which goes away with the namespace, so
# this machine's /usr, /etc, accounts and dpkg database stay as they were
# (dpkg -i on the machine itself would replace its MTA).  This takes
# seconds, where a debootstrap chroot would download and unpack a whole
# system; the price is that the package is installed over this machine's
# packages rather than a minimal Debian (its Depends are checked by dpkg
# all the same).  No systemd runs in the throwaway root, so postinst
# enables the unit but does not start it; the script starts the daemon.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "test-package: run as root" >&2; exit 1; }

work=$top/build-package
rm -rf "$work"
mkdir -p "$work"

fail() {
	echo "test-package: $*" >&2
	exit 1
}

# in_root NAME SCRIPT: run SCRIPT with sh -eu as root of a throwaway root
# (the overlay described above), with /proc, /dev and an empty /run and
# /tmp; $top is visible at the same path.  Every process SCRIPT starts
# must be gone when it ends.
in_root() {
	mkdir -p "$work/$1"
	unshare --mount --propagation private sh -eu -c '
		r=$1
		mount -t tmpfs -o mode=755 tmpfs "$r"
		mkdir "$r/upper" "$r/work" "$r/root"
		mount -t overlay overlay \
		    -o "lowerdir=/,upperdir=$r/upper,workdir=$r/work" "$r/root"
		mount -t proc proc "$r/root/proc"
		mount --rbind /dev "$r/root/dev"
		mount -t tmpfs -o mode=755 tmpfs "$r/root/run"
		mount -t tmpfs -o mode=1777 tmpfs "$r/root/tmp"
		exec chroot "$r/root" sh -eu -c "$2"
	' in_root "$work/$1" "$2"
}

# The shell functions the scripts run in a throwaway root share.
# /usr/local is left out of PATH: a quick start's copy lives there.
lib='
PATH=/usr/sbin:/usr/bin:/sbin:/bin
check() { if ! eval "$1"; then echo "test-package: FAILED: $1" >&2; exit 1; fi; }
status() { dpkg-query -W -f "\${db:Status-Abbrev}" "$1"; }
provides() { dpkg-query -W -f "\${Provides}" "$1"; }
free_port() { python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])"; }
# run_daemon: start bulkhead on a free loopback port, deliver one message
# to a new account, stop the daemon.
run_daemon() {
	port=$(free_port)
	# (a useradd on this machine at the same moment leaves its lock
	# visible through the overlay for a moment: try again)
	useradd --create-home --shell /bin/sh bhpkgtest 2>/dev/null ||
	    { sleep 1; useradd --create-home --shell /bin/sh bhpkgtest; }
	bulkctl config "mydestination = localhost" \
	    "inet_interfaces = loopback-only" \
	    "maillog_file = /var/log/bulkhead.log"
	printf "127.0.0.1:%s inet n - y - - smtpd\n" "$port" >/etc/bulkhead/master.cf
	bulkhead-setup >/dev/null
	bulkhead
	trap "kill \$(cat /run/bulkhead.pid) 2>/dev/null || :" EXIT
	i=0
	until swaks --silent 2 --server "127.0.0.1:$port" \
	    --to bhpkgtest@localhost --body "installed" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 50 ] || { cat /var/log/bulkhead.log
			echo "test-package: no SMTP on $port" >&2; exit 1; }
		sleep 0.2
	done
	i=0
	until grep -qs installed ~bhpkgtest/Maildir/new/*; do
		i=$((i + 1))
		[ $i -le 100 ] || { cat /var/log/bulkhead.log
			echo "test-package: no delivery" >&2; exit 1; }
		sleep 0.1
	done
	echo "test-package: the message arrived in ~bhpkgtest/Maildir/new"
	# Local submission as an ordinary user: sendmail, the installed
	# set-gid bulkdrop, pickup.
	printf "Subject: submitted\n\nvia sendmail\n" |
	    su bhpkgtest -s /bin/sh -c "/usr/sbin/sendmail -i bhpkgtest@localhost"
	i=0
	until grep -qs "via sendmail" ~bhpkgtest/Maildir/new/*; do
		i=$((i + 1))
		[ $i -le 100 ] || { cat /var/log/bulkhead.log
			echo "test-package: the sendmail message was not delivered" >&2
			exit 1; }
		sleep 0.1
	done
	echo "test-package: sendmail as bhpkgtest delivered through pickup"
	pid=$(cat /run/bulkhead.pid)
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	trap - EXIT
}
'

echo "=== make install (--prefix=/usr --sysconfdir=/etc) in a throwaway root"
mkdir "$work/build"
(
	cd "$work/build"
	"$top/configure" --prefix=/usr --sysconfdir=/etc --quiet
	make -j2 >/dev/null
)
in_root make-install "$lib"'
# A system without bulkhead: this machine'"'"'s accounts, spool and
# configuration are removed from the throwaway root.
for u in _bhsmtpd _bhqueue _bhlookup _bhlocal; do userdel "$u" 2>/dev/null || :; done
rm -rf /etc/bulkhead /var/spool/bulkhead
cd "'"$work/build"'"
make install >/dev/null
for f in /usr/sbin/bulkhead /usr/sbin/bulkctl /usr/sbin/bulkhead-setup; do
	check "test -x $f"
done
check "test \"\$(readlink /usr/sbin/mailq)\" = bulkctl"
check "test \"\$(readlink /usr/sbin/newaliases)\" = bulkctl"
for m in man5/bulkhead.conf.5 man5/master.cf.5 man5/aliases.5 man5/forward.5 \
    man8/bulkhead.8 man8/bulkctl.8 man8/bulkhead-setup.8; do
	check "test -f /usr/share/man/$m"
done
check "grep -q /etc/bulkhead/main.cf /usr/share/man/man5/bulkhead.conf.5"
unit=/usr/lib/systemd/system/bulkhead.service
check "grep -qx \"ExecStart=/usr/sbin/bulkhead -c /etc/bulkhead -F\" $unit"
check "grep -qx \"ExecReload=/bin/kill -HUP \\\$MAINPID\" $unit"
check "grep -qx Restart=on-failure $unit"
systemd-analyze verify $unit
check "test \"\$(bulkhead -P config_directory)\" = /etc/bulkhead"
# The accounts from sysusers.d.
systemd-sysusers bulkhead.conf
for u in _bhsmtpd _bhqueue _bhlookup _bhlocal; do
	check "getent passwd $u >/dev/null && getent group $u >/dev/null"
done
bulkhead-setup >/dev/null
check "test -d /var/spool/bulkhead -a -f /etc/bulkhead/main.cf"
bulkhead -n
logrotate -d /etc/logrotate.d/bulkhead 2>&1 | grep -q "rotating pattern: /var/log/bulkhead.log"
run_daemon
make uninstall >/dev/null
check "test ! -e $unit -a ! -e /usr/sbin/bulkhead -a ! -e /usr/lib/sysusers.d/bulkhead.conf"
echo "test-package: make install: ok"
'

echo "=== dpkg-buildpackage -us -uc -b"
src=$work/src/bulkhead-$(dpkg-parsechangelog -S Version)
mkdir -p "$src"
# The tree as committed or not, without builds and generated files.
tar --exclude='./build*' --exclude=./.git --exclude=./autom4te.cache \
    -cf - . | (cd "$src" && tar xf -)
(
	cd "$src"
	if ! DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b \
	    >"$work/dpkg-buildpackage.log" 2>&1; then
		tail -n 40 "$work/dpkg-buildpackage.log"
		exit 1
	fi
)
deb=$(ls "$work"/src/bulkhead_*.deb)
dpkg-deb -c "$deb"

echo "=== lintian"
lintian --allow-root --fail-on error --display-info "$deb"

echo "=== dpkg -i in a throwaway root"
in_root dpkg "$lib"'
# No service is started or stopped from here (invoke-rc.d and
# deb-systemd-invoke ask policy-rc.d), not even this machine'"'"'s own.
printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
# Another MTA (Postfix, Exim) conflicts with the package: removed here,
# in the throwaway root only.
for p in $(dpkg-query -W -f "\${Package} \${db:Status-Abbrev} \${Provides}\n" |
    awk "/^[^ ]+ ii .*mail-transport-agent/ { print \$1 }"); do
	dpkg --remove --force-depends "$p" >/dev/null 2>&1
done
# A system without bulkhead, as above.
for u in _bhsmtpd _bhqueue _bhlookup _bhlocal; do userdel "$u" 2>/dev/null || :; done
rm -rf /etc/bulkhead /var/spool/bulkhead
dpkg -i "'"$deb"'"
check "status bulkhead | grep -q ^ii"
for u in _bhsmtpd _bhqueue _bhlookup _bhlocal; do
	check "getent passwd $u >/dev/null"
done
check "test -f /etc/bulkhead/main.cf -a -f /etc/bulkhead/master.cf"
check "test -d /var/spool/bulkhead"
check "test \"\$(stat -c %U /var/spool/bulkhead)\" = _bhqueue"
check "test -L /etc/systemd/system/multi-user.target.wants/bulkhead.service"
check "test \"\$(readlink -f /usr/bin/mailq)\" = /usr/sbin/bulkctl"
check "provides bulkhead | grep -q mail-transport-agent"
for f in $(dpkg -L bulkhead); do check "test ! -u $f"; done
# the one set-id file: the drop helper, set-gid bulkdrop
check "test \"\$(stat -c %G:%a /usr/sbin/bulkdrop)\" = bulkdrop:2755"
check "test \"\$(readlink -f /usr/lib/sendmail)\" = /usr/sbin/sendmail"
check "getent passwd _bhpickup _bhrelay _bhauth >/dev/null"
systemd-analyze verify /lib/systemd/system/bulkhead.service
bulkhead -n
run_daemon
# (--force-depends: mail(1) and friends depend on an MTA)
dpkg --purge --force-depends bulkhead
check "test ! -e /etc/bulkhead -a ! -e /var/spool/bulkhead -a ! -e /usr/sbin/bulkhead"
check "test ! -e /etc/systemd/system/multi-user.target.wants/bulkhead.service"
echo "test-package: dpkg -i, start, deliver, purge: ok"
'
echo "test-package: all ok"
