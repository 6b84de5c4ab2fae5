"""bulkhead -d on the admin's terminal: a user's .forward command must not
reach that terminal (TIOCSTI pushes keystrokes into the root shell that
reads it), and nothing a compartment writes goes to it unfiltered."""
import fcntl
import os
import shutil
import tempfile
import termios
import threading
import time

import pytest

from conftest import ALICE, DOMAIN, wait_until

# Runs as the .forward's user: every way to the terminal it can think of.
STI = r"""#!/usr/bin/python3
import fcntl, os, sys, termios
out = sys.argv[1]
done = []
def push(fd, where):
    try:
        for c in b"echo PWNED\n":
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
        done.append(where)
    except OSError as e:
        done.append("%s:%s" % (where, e.errno))
try:
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    push(fd, "tty")
except OSError as e:
    done.append("open-tty:%d" % e.errno)
for fd in (0, 1, 2):
    push(fd, "fd%d" % fd)
os.write(2, b"\x1b]0;owned\x07 from the command\n")
sys.stdin.read()
with open(out + ".tmp", "w") as f:
    f.write(" ".join(done) + "\n")
os.rename(out + ".tmp", out)
"""


@pytest.fixture
def sti(users):
    top = tempfile.mkdtemp(prefix="bh-sti-")
    os.chmod(top, 0o755)
    out = os.path.join(top, "out")
    os.mkdir(out)
    os.chmod(out, 0o1777)
    script = os.path.join(top, "sti.py")
    with open(script, "w") as f:
        f.write(STI)
    os.chmod(script, 0o755)
    pw = users[ALICE]
    fwd = os.path.join(pw.pw_dir, ".forward")
    with open(fwd, "w") as f:
        f.write('"|%s %s/result"\n' % (script, out))
    os.chown(fwd, pw.pw_uid, pw.pw_gid)
    os.chmod(fwd, 0o644)
    yield os.path.join(out, "result")
    os.unlink(fwd)
    shutil.rmtree(top, ignore_errors=True)


def test_forward_command_cannot_type_into_the_terminal(make_daemon, sti):
    d = make_daemon(start=False)
    master_fd, slave_fd = os.openpty()
    seen = []

    def pump():
        # The terminal's screen: copied into the log the fixture reads.
        with open(d.logfile, "ab") as log:
            while True:
                try:
                    b = os.read(master_fd, 4096)
                except OSError:
                    return
                if not b:
                    return
                seen.append(b)
                log.write(b)
                log.flush()
    t = threading.Thread(target=pump, daemon=True)
    t.start()

    def controlling_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    d.start(stdin=slave_fd, stdout=slave_fd, stderr=slave_fd,
            preexec_fn=controlling_terminal)
    with d.smtp() as s:
        s.sendmail("a@remote.example", [ALICE + "@" + DOMAIN],
                   b"Subject: tty\r\n\r\nbody\r\n")
    wait_until(lambda: os.path.exists(sti), "the command to run")
    with open(sti) as f:
        report = f.read().split()
    time.sleep(0.5)
    # What reached the terminal's input queue: a root shell reading
    # this terminal would run it.
    os.set_blocking(slave_fd, False)
    try:
        typed = os.read(slave_fd, 4096)
    except BlockingIOError:
        typed = b""
    d.stop()
    os.close(slave_fd)
    os.close(master_fd)
    screen = b"".join(seen)
    assert b"PWNED" not in typed, (report, typed)
    assert not any(w in ("tty", "fd0", "fd1", "fd2") for w in report), \
        report
    # The command's stderr is its own (its output goes to the bounce);
    # no raw escape sequence from anything below master reaches the
    # screen.
    assert b"\x1b]0;owned" not in screen


def test_runner_filter_refuses_tiocsti():
    """The runner's seccomp list fails TIOCSTI and TIOCLINUX with EPERM,
    whatever the terminal."""
    import subprocess
    from conftest import BULKHEAD
    pfc = subprocess.run([BULKHEAD, "-x", "policy", "runner"],
                         capture_output=True, check=True).stdout.decode()
    assert "0x%x" % termios.TIOCSTI in pfc.lower() or \
        str(termios.TIOCSTI) in pfc, pfc
    assert "0x%x" % 0x541C in pfc.lower() or str(0x541C) in pfc, pfc
