"""
Fixtures for the integration tests: the real bulkhead daemon, started as
root with real users, a real spool and a real chroot or jail, on a free
127.0.0.1 port.  Paths to the binaries come from the environment
(BULKHEAD, BULKCTL, BULKHEAD_SETUP), set by scripts/test.sh.
"""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BULKHEAD = os.environ.get("BULKHEAD", os.path.join(TOP, "bulkhead"))
BULKCTL = os.environ.get("BULKCTL", os.path.join(TOP, "bulkctl"))
SETUP = os.environ.get("BULKHEAD_SETUP",
                       os.path.join(TOP, "scripts", "bulkhead-setup"))

DOMAIN = "test.example"
# Test accounts; BH_TEST_USER_PREFIX lets two runs share a machine.
PREFIX = os.environ.get("BH_TEST_USER_PREFIX", "bh")
ALICE = PREFIX + "alice"
BOB = PREFIX + "bob"
USERS = [ALICE, BOB]
WAIT = 15.0   # seconds: the upper bound of every wait in these tests


ROLES = ("master", "smtpd", "queue", "lookup", "local", "writer", "runner",
         "pickup", "relay", "auth",
         "keys", "dns")
# A log line: "Dec  2 20:38:46 host bulkhead/queue[4242]: text"
# ("bulkhead" is syslog_name).
LOG_LINE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ "
                      r"[\w.-]+(?:/[\w.-]+)*/(%s)\[(\d+)\]: (.*)$"
                      % "|".join(ROLES))


def tag(role):
    """A regex for the tag of role's log lines, up to the text."""
    return r"[\w./-]*/%s\[\d+\]: " % role


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("the integration tests must run as root", returncode=1)
    # scripts/test.sh runs these in the normal build only (-m "not load"
    # in the ASan build): minutes of load and crash loops whose code
    # paths the other tests already take under the sanitizers.
    config.addinivalue_line(
        "markers", "load: a load or crash-loop test, normal build only in CI")


def children(ppid, args):
    """pids of ppid's children whose argv[1:] starts with args (bytes)."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % p) as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == ppid and argv[1:1 + len(args)] == list(args):
            out.append(int(p))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


@pytest.fixture(scope="session")
def users():
    """Two ordinary accounts (uid >= 1000) with home directories, and
    no Maildir yet: a run that was killed may have left a test's broken
    one (a file in its place) for the next run to trip over."""
    for u in USERS:
        try:
            pwd.getpwnam(u)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell",
                            "/bin/sh", u], check=True)
        md = os.path.join(pwd.getpwnam(u).pw_dir, "Maildir")
        if os.path.isdir(md) and not os.path.islink(md):
            shutil.rmtree(md)
        elif os.path.lexists(md):
            os.unlink(md)
    return {u: pwd.getpwnam(u) for u in USERS}


class Daemon:
    def __init__(self, tmp, port, sandbox, extra_main, aliases):
        self.dir = tmp
        self.port = port
        self.sandbox = sandbox
        self.spool = os.path.join(tmp, "spool")
        self.logfile = os.path.join(tmp, "maillog")
        self.proc = None
        self.auth_down = False     # a test that keeps auth from starting
        with open(os.path.join(tmp, "main.cf"), "w") as f:
            f.write(
                "myhostname = mx.%s\n"
                "mydestination = %s, $myhostname, localhost\n"
                "queue_directory = %s\n"
                "pid_file = %s/master.pid\n"
                "alias_maps = hash:%s/aliases\n"
                "control_socket = %s/control\n"
                "sandbox = %s\n%s" % (DOMAIN, DOMAIN, self.spool, tmp, tmp,
                                       tmp, sandbox, extra_main))
        with open(os.path.join(tmp, "master.cf"), "w") as f:
            f.write("# test listener\n"
                    "127.0.0.1:%d inet n - y - - smtpd\n" % port)
        with open(os.path.join(tmp, "aliases"), "w") as f:
            f.write(aliases)
        subprocess.run([SETUP, "-c", tmp], check=True,
                       env=dict(os.environ, BULKHEAD=BULKHEAD),
                       stdout=subprocess.DEVNULL)

    def start(self, **popen_kw):
        """popen_kw: what a test changes in master's start (cwd, env,
        inherited fds, limits); stdout and stderr go to the log."""
        self.log = open(self.logfile, "ab")
        kw = dict(stdout=self.log, stderr=self.log)
        kw.update(popen_kw)
        self.proc = subprocess.Popen([BULKHEAD, "-d", "-c", self.dir], **kw)
        wait_until(lambda: self.log_count("smtpd: ready") >= 1,
                   "smtpd to be ready")
        wait_until(lambda: self.log_count("queue: ready") >= 1
                   and self.log_count("local: ready") >= 1
                   and self.log_count("lookup: ready") >= 1
                   and self.log_count("relay: ready") >= 1
                   and self.log_count("dns: ready") >= 1
                   and (self.auth_down or
                        self.log_count("auth: ready") >= 1),
                   "all compartments to be ready")

    def stop(self):
        if self.proc is None:
            return
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def logtext(self):
        with open(self.logfile, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_count(self, needle):
        """How often needle occurs in the log.  A needle "ROLE: text"
        (the log's shape before it became Postfix's) counts the lines of
        that compartment with that text: "queue: ready" matches
        "... bulkhead/queue[4242]: ready"."""
        m = re.match(r"(%s): " % "|".join(ROLES), needle)
        if m is None:
            return self.logtext().count(needle)
        return len(re.findall(tag(m.group(1)) + re.escape(needle[m.end():]),
                              self.logtext()))

    def pids(self):
        """role -> pid of the running compartments (children of master)."""
        out = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    argv = f.read().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.proc.pid and len(argv) > 2 and argv[1] == b"-x":
                out[argv[2].decode()] = int(d)
        return out

    def wait_role(self, role, not_pid=None):
        def found():
            p = self.pids().get(role)
            return p if p and p != not_pid else None
        return wait_until(found, "%s to run" % role)

    def smtp(self):
        import smtplib
        return smtplib.SMTP("127.0.0.1", self.port, timeout=WAIT)


@pytest.fixture(params=["chroot", "jail"])
def sandbox(request):
    return request.param


@pytest.fixture
def make_daemon(users):
    made = []

    def make(sandbox="chroot", extra_main="",
             aliases=None, start=True):
        if aliases is None:
            aliases = "postmaster: {a}\nteam: {a}, {b}\n".format(a=ALICE,
                                                                 b=BOB)
        tmp = tempfile.mkdtemp(prefix="bh-it-")
        os.chmod(tmp, 0o755)
        for u, pw in users.items():
            shutil.rmtree(os.path.join(pw.pw_dir, "Maildir"),
                          ignore_errors=True)
        d = Daemon(tmp, free_port(), sandbox, extra_main, aliases)
        made.append(d)
        if start:
            d.start()
        return d

    yield make
    for d in made:
        d.stop()
        log = d.logtext()
        if os.environ.get("BH_KEEP_LOGS"):
            shutil.copy(d.logfile, "/tmp/bh-last-maillog")
        shutil.rmtree(d.dir, ignore_errors=True)
        # In a sanitizer build a report must fail the test that caused it,
        # even when master restarted the compartment and mail still flowed.
        for bad in ("AddressSanitizer", "runtime error:",
                    "LeakSanitizer", "blocked call #"):
            assert bad not in log, log


def maildir_messages(pw, timeout=WAIT, count=1):
    """Wait for count files in ~/Maildir/new and return their bytes."""
    new = os.path.join(pw.pw_dir, "Maildir", "new")

    def ready():
        try:
            names = sorted(os.listdir(new))
        except FileNotFoundError:
            return None
        return names if len(names) >= count else None
    names = wait_until(ready, "%d message(s) in %s" % (count, new), timeout)
    out = []
    for n in names:
        path = os.path.join(new, n)
        st = os.stat(path)
        with open(path, "rb") as f:
            out.append((f.read(), st))
    return out


RECEIVED = re.compile(
    rb"^Received: from (\S+) \(unknown \[127\.0\.0\.1\]\)\n"
    rb"\tby mx\.test\.example \(bulkhead\) with E?SMTP id ([0-9A-F]{16})"
    rb"(?:\n\tfor <[^>]+>)?; [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} "
    rb"\d\d:\d\d:\d\d [+-]\d{4} \([A-Za-z0-9+-]+\)\n")


def split_delivered(data):
    """(return_path, delivered_to, queue id, rest) of a delivered file."""
    m = re.match(rb"^Return-Path: <([^>]*)>\nDelivered-To: ([^\n]+)\n", data)
    assert m, data[:200]
    rest = data[m.end():]
    r = RECEIVED.match(rest)
    assert r, rest[:300]
    return m.group(1), m.group(2), r.group(2), rest[r.end():]
