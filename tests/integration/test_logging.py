"""Log lines in Postfix's shape, which pflogsumm and fail2ban read:
"MMM DD HH:MM:SS host bulkhead/ROLE[pid]: text", with the role and the
pid of the process the line is about, in maillog_file and in -d output;
syslog_name replaces "bulkhead"."""
import os
import re
import shutil
import socket
import subprocess
import tempfile

from conftest import ALICE, BULKHEAD, DOMAIN, LOG_LINE, Daemon, free_port, \
    maildir_messages, wait_until

HOST = socket.gethostname().split(".")[0]


def lines(text):
    return [l for l in text.split("\n") if l]


def check_shape(d, text, name="bulkhead"):
    pids = d.pids()
    roles = set()
    for line in lines(text):
        m = re.match(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) "
                     r"%s/(\w+)\[(\d+)\]: \S" % re.escape(name), line)
        assert m, line
        host, role, pid = m.group(1), m.group(2), int(m.group(3))
        assert host == HOST, line
        if role == "master":
            assert pid == d.proc.pid, line
        elif role in pids:
            # The compartment's own pid, not master's (a restarted one
            # may have logged under an older pid).
            assert pid != d.proc.pid, line
        roles.add(role)
    return roles


def send(d):
    with d.smtp() as s:
        s.sendmail("s@remote.example", [ALICE + "@" + DOMAIN],
                   b"Subject: log\r\n\r\nbody\r\n")
    wait_until(lambda: "status=sent" in d.logtext(), "a delivery")


def test_debug_output_has_postfix_shape(make_daemon, users):
    d = make_daemon()
    send(d)
    text = d.logtext()
    roles = check_shape(d, text)
    assert {"master", "smtpd", "queue", "local", "lookup"} <= roles, roles
    pids = d.pids()
    assert re.search(r"bulkhead/smtpd\[%d\]: ready" % pids["smtpd"], text)
    assert re.search(r"bulkhead/queue\[%d\]: [0-9A-F]{16}: to=<%s@%s>, "
                     r"relay=local, .*status=sent" % (pids["queue"], ALICE,
                                                      DOMAIN), text)
    assert LOG_LINE.match(lines(text)[0])


def test_maillog_file_and_syslog_name(make_daemon, users):
    """Started as a daemon (no -d), with maillog_file and syslog_name."""
    d = make_daemon(extra_main="syslog_name = bulkhead-out\n")
    d.stop()
    logfile = os.path.join(d.dir, "file.log")
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write("maillog_file = %s\n" % logfile)
    r = subprocess.run([BULKHEAD, "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr

    def pid():
        try:
            with open(os.path.join(d.dir, "master.pid")) as f:
                return int(f.read())
        except FileNotFoundError:
            return None
    master = wait_until(pid, "the daemon's pid file")
    try:
        def text():
            try:
                with open(logfile) as f:
                    return f.read()
            except FileNotFoundError:
                return ""
        wait_until(lambda: re.search(r"bulkhead-out/smtpd\[\d+\]: ready",
                                     text()), "smtpd in maillog_file")
        wait_until(lambda: re.search(r"bulkhead-out/queue\[\d+\]: ready",
                                     text()), "queue in maillog_file")
        with d.smtp() as s:
            s.sendmail("s@remote.example", [ALICE + "@" + DOMAIN],
                       b"Subject: log\r\n\r\nbody\r\n")
        wait_until(lambda: "status=sent" in text(), "a delivery")
        for line in lines(text()):
            m = re.match(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) "
                         r"bulkhead-out/(\w+)\[(\d+)\]: \S", line)
            assert m, line
            assert m.group(1) == HOST
            assert (m.group(2) == "master") == (int(m.group(3)) == master), \
                line
    finally:
        os.kill(master, 15)
        wait_until(lambda: not os.path.exists("/proc/%d" % master),
                   "master to stop")
    maildir_messages(users[ALICE])


def test_foreground_logs_as_a_daemon(make_daemon, users):
    """-F (systemd's Type=simple): master stays the process that was
    started, writes the pid file, and logs to maillog_file as a daemon
    does, nothing to stderr; SIGTERM stops it."""
    d = make_daemon()
    d.stop()
    logfile = os.path.join(d.dir, "file.log")
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write("maillog_file = %s\n" % logfile)
    errfile = os.path.join(d.dir, "stderr")
    with open(errfile, "w") as err:
        p = subprocess.Popen([BULKHEAD, "-F", "-c", d.dir], stderr=err,
                             stdout=subprocess.DEVNULL)
    try:
        def text():
            try:
                with open(logfile) as f:
                    return f.read()
            except FileNotFoundError:
                return ""
        wait_until(lambda: re.search(r"bulkhead/queue\[\d+\]: ready",
                                     text()), "queue in maillog_file")
        assert p.poll() is None, "master left the foreground"
        with open(os.path.join(d.dir, "master.pid")) as f:
            assert int(f.read()) == p.pid
        with d.smtp() as s:
            s.sendmail("s@remote.example", [ALICE + "@" + DOMAIN],
                       b"Subject: fg\r\n\r\nbody\r\n")
        wait_until(lambda: "status=sent" in text(), "a delivery")
        assert re.search(r"bulkhead/master\[%d\]: starting" % p.pid,
                         text())
    finally:
        p.terminate()
        p.wait(timeout=30)
    assert p.returncode == 0
    with open(errfile) as f:
        assert f.read() == ""
    maildir_messages(users[ALICE])


def test_bad_syslog_name_is_refused(make_daemon, users):
    d = make_daemon()
    d.stop()
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write("syslog_name = bad name\n")
    r = subprocess.run([BULKHEAD, "-n", "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert "syslog_name" in r.stderr, r.stderr


# In a private mount namespace: a tmpfs on /dev with the device nodes the
# daemon needs and a datagram socket at /dev/log that stands in for
# syslogd, writing what it receives to $1/syslog.out; the daemon runs
# (no -d, no maillog_file: syslog) until $1/stop appears.
SYSLOG_NS = r"""
set -e
mount -t tmpfs tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/urandom c 1 9
mknod -m 666 /dev/random c 1 8
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[1], "w").close()
while True:
    d = s.recv(8192)
    with open(sys.argv[1], "ab") as f:
        f.write(d + b"\n")
' "$1/syslog.out" &
srv=$!
while [ ! -f "$1/syslog.out" ]; do sleep 0.1; done
"$2" -c "$1"
while [ ! -f "$1/stop" ]; do sleep 0.1; done
kill "$(cat "$1/master.pid")"
while [ -f "$1/master.pid" ]; do sleep 0.1; done
kill $srv
"""


def test_syslog_ident(users):
    """Through syslog: the mail facility and the ident
    bulkhead/ROLE[pid] with the pid of the process the line is about."""
    tmp = tempfile.mkdtemp(prefix="bh-it-")
    os.chmod(tmp, 0o755)
    out = os.path.join(tmp, "syslog.out")
    try:
        d = Daemon(tmp, free_port(), "chroot", "", "postmaster: root\n")
        p = subprocess.Popen(["unshare", "-m", "--propagation", "private",
                              "sh", "-c", SYSLOG_NS, "sh", tmp, BULKHEAD])

        def text():
            try:
                with open(out, "rb") as f:
                    return f.read().decode("utf-8", "replace")
            except FileNotFoundError:
                return ""
        try:
            wait_until(lambda: re.search(r"bulkhead/smtpd\[\d+\]: ready",
                                         text()), "smtpd ready in syslog")
            wait_until(lambda: re.search(r"bulkhead/local\[\d+\]: ready",
                                         text()), "local ready in syslog")
            with d.smtp() as s:
                s.sendmail("s@remote.example", [ALICE + "@" + DOMAIN],
                           b"Subject: syslog\r\n\r\nbody\r\n")
            wait_until(lambda: "status=sent" in text(), "a delivery")
            with open(os.path.join(tmp, "master.pid")) as f:
                master = int(f.read())
        finally:
            open(os.path.join(tmp, "stop"), "w").close()
            p.wait(timeout=30)
        roles = set()
        for line in text().split("\n"):
            if not line:
                continue
            m = re.match(r"^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d "
                         r"bulkhead/(\w+)\[(\d+)\]: \S", line)
            assert m, line
            assert int(m.group(1)) >> 3 == 2, line       # LOG_MAIL
            assert (m.group(2) == "master") == (int(m.group(3)) == master), \
                line
            roles.add(m.group(2))
        assert {"master", "smtpd", "queue", "local", "lookup"} <= roles
        maildir_messages(users[ALICE])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
