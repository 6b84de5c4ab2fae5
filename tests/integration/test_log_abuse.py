"""A compartment's log lines go through master: it may not choose an
emergency priority (journald walls those to every terminal), nor drown
the log."""
import os
import re
import signal
import socket
import subprocess
import threading
import time

from conftest import BULKHEAD, children, tag, wait_until

# A private mount namespace whose /dev/log is the test's own socket;
# the rest of /dev is the real one, bound entry by entry.
NS_START = r"""
set -e
mkdir -p "$1/olddev"
mount --bind /dev "$1/olddev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for f in null zero full random urandom tty; do
    touch /dev/$f
    mount --bind "$1/olddev/$f" /dev/$f
done
touch /dev/log
mount --bind "$1/devlog" /dev/log
exec "$2" -c "$3"
"""

LOG_MAIL = 2 << 3


def test_emergency_priority_is_clamped(make_daemon):
    d = make_daemon(start=False)
    open(d.logfile, "ab").close()       # it logs to syslog: ours
    ns = os.path.join(d.dir, "ns")
    os.mkdir(ns)
    path = os.path.join(ns, "devlog")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    got = []

    def collect():
        while True:
            try:
                got.append(sock.recv(4096))
            except OSError:
                return
    threading.Thread(target=collect, daemon=True).start()
    subprocess.run(["unshare", "-m", "--propagation", "private", "sh",
                    "-c", NS_START, "sh", ns, BULKHEAD, d.dir], check=True)
    pidfile = os.path.join(d.dir, "master.pid")
    try:
        wait_until(lambda: any(b"smtpd" in g and b"ready" in g
                               for g in got), "smtpd ready (syslog)")
        master = int(open(pidfile).read())
        [smtpd] = children(master, [b"-x", b"smtpd"])
        os.kill(smtpd, signal.SIGRTMIN + 4)
        line = wait_until(lambda: [g for g in got
                                   if b"test hook: emergency" in g],
                          "the hook's line")[0]
        pri = int(line[1:line.index(b">")])
        assert pri & 7 >= 3, line          # LOG_ERR or less urgent
        assert pri & ~7 == LOG_MAIL, line
    finally:
        try:
            os.kill(int(open(pidfile).read()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        time.sleep(1)
        sock.close()


def test_log_flood_is_rate_limited(make_daemon):
    d = make_daemon()
    smtpd = d.wait_role("smtpd")
    os.kill(smtpd, signal.SIGRTMIN + 5)     # 5000 lines at once
    wait_until(lambda: d.log_count("log flood line 900") >= 1, "the flood")
    # Another line after the flood brings the count out.
    time.sleep(1.2)
    os.kill(smtpd, signal.SIGRTMIN + 4)
    wait_until(lambda: d.log_count("test hook: emergency") >= 1,
               "a line after the flood")
    log = d.logtext()
    assert re.search(tag("smtpd") + r"\d+ lines suppressed", log), log[-500:]
    assert log.count("log flood line") <= 2000, log.count("log flood line")
    assert d.pids()["smtpd"] == smtpd
