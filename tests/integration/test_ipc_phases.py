"""A channel knows its phase, as OpenSSH's monitor does: a worker says
READY once, and before READY it may only log and say READY.  Anything
else is a protocol violation: the channel is dropped, the sender killed
and restarted, and the log says why.  The test build's hooks play the
compromised worker."""
import os
import re
import signal

from conftest import ALICE, DOMAIN, maildir_messages, wait_until


def send(d, rcpt, subject):
    with d.smtp() as s:
        s.sendmail("a@remote.example", [rcpt],
                   ("Subject: %s\r\n\r\nbody\r\n" % subject).encode())


def test_second_ready_kills_the_sender(make_daemon, users):
    """SIGRTMIN+3 makes a test build's worker say READY again."""
    d = make_daemon()
    old = d.wait_role("lookup")
    os.kill(old, signal.SIGRTMIN + 3)
    d.wait_role("lookup", not_pid=old)
    log = d.logtext()
    assert re.search(r"security: protocol violation from lookup: "
                     r"IPC_READY after READY", log), log[-3000:]
    assert re.search(r"security: killing lookup \(pid %d\)" % old, log)
    wait_until(lambda: d.log_count("lookup: ready") >= 2, "lookup again")
    send(d, ALICE + "@" + DOMAIN, "after a second READY")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after a second READY" in data


def test_privileged_note_before_ready_kills_the_sender(make_daemon, users):
    """A restarted smtpd that accuses queue before it says READY is the
    one killed; queue, which did nothing, keeps running."""
    d = make_daemon()
    queue = d.wait_role("queue")
    old = d.wait_role("smtpd")
    hook = os.path.join(d.dir, "test-hook-early")
    with open(hook, "w") as f:
        f.write("smtpd\n")
    try:
        os.kill(old, signal.SIGKILL)
        wait_until(lambda: re.search(
            r"security: protocol violation from smtpd: "
            r"IPC_PEER_VIOLATION before READY", d.logtext()),
            "smtpd's early accusation refused")
    finally:
        os.unlink(hook)
    log = d.logtext()
    assert re.search(r"security: killing smtpd \(pid \d+\)", log)
    assert "smtpd reports a protocol violation by queue" not in log
    assert d.pids()["queue"] == queue
    wait_until(lambda: d.log_count("smtpd: ready") >= 2, "smtpd again")
    send(d, ALICE + "@" + DOMAIN, "after an early accusation")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after an early accusation" in data
