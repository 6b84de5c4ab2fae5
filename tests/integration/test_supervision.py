"""One compartment floods, the ship floats: master restarts what dies."""
import os
import re
import signal

import pytest

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until


def send(d, rcpt, subject):
    with d.smtp() as s:
        s.sendmail("a@remote.example", [rcpt],
                   ("Subject: %s\r\n\r\nbody\r\n" % subject).encode())


def test_killed_smtpd_is_restarted_and_mail_flows(make_daemon, users):
    d = make_daemon()
    old = d.wait_role("smtpd")
    os.kill(old, signal.SIGKILL)
    new = d.wait_role("smtpd", not_pid=old)
    assert new != old
    assert "smtpd (pid %d) killed by signal 9" % old in d.logtext()
    wait_until(lambda: d.log_count("smtpd: ready") >= 2, "smtpd ready")
    send(d, ALICE + "@" + DOMAIN, "after restart")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after restart" in data


@pytest.mark.parametrize("role", ["smtpd", "queue", "lookup", "local",
                                  "keys"])
def test_forbidden_system_call_kills_and_restarts(make_daemon, users, role):
    """A test build's SIGUSR2 makes the worker call unshare(2)."""
    d = make_daemon()
    old = d.wait_role(role)
    os.kill(old, signal.SIGUSR2)
    d.wait_role(role, not_pid=old)
    log = d.logtext()
    assert "%s (pid %d) killed by SIGSYS: seccomp violation" % (role, old) \
        in log
    assert "forbidden call was NOT blocked" not in log
    wait_until(lambda: d.log_count("%s: ready" % role) >= 2,
               role + " ready again")
    send(d, BOB + "@" + DOMAIN, "after seccomp kill")
    data, _ = maildir_messages(users[BOB])[0]
    assert b"Subject: after seccomp kill" in data


@pytest.mark.parametrize("role", ["smtpd", "lookup"])
def test_malformed_ipc_message_restarts_the_offender(make_daemon, users,
                                                     role):
    """A test build's SIGUSR1 makes the worker send master a bad LOG."""
    d = make_daemon()
    old = d.wait_role(role)
    os.kill(old, signal.SIGUSR1)
    d.wait_role(role, not_pid=old)
    log = d.logtext()
    assert re.search(r"security: protocol violation from %s: bad LOG "
                     r"payload" % role, log)
    assert re.search(r"security: killing %s \(pid %d\)" % (role, old), log)
    wait_until(lambda: d.log_count("%s: ready" % role) >= 2,
               role + " ready again")
    send(d, ALICE + "@" + DOMAIN, "after violation")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after violation" in data


def test_sigterm_stops_everything(make_daemon):
    d = make_daemon()
    pids = d.pids()
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=15) == 0
    for pid in pids.values():
        assert not os.path.exists("/proc/%d" % pid) or \
            open("/proc/%d/stat" % pid).read().split()[2] == "Z"
    assert not os.path.exists(os.path.join(d.dir, "master.pid"))


def test_false_accusation_kills_the_accuser(make_daemon):
    """A worker may only report its own peers: lookup never talks to
    queue, so its report about queue is itself the violation."""
    d = make_daemon()
    queue = d.wait_role("queue")
    lookup = d.wait_role("lookup")
    os.kill(lookup, signal.SIGRTMIN + 1)
    d.wait_role("lookup", not_pid=lookup)
    assert re.search(r"security: protocol violation from lookup: "
                     r"PEER_VIOLATION about a role that is not its peer",
                     d.logtext())
    assert d.pids()["queue"] == queue


def test_peer_report_restarts_the_peer(make_daemon):
    """local talks to queue: its report gets queue restarted."""
    d = make_daemon()
    queue = d.wait_role("queue")
    local = d.wait_role("local")
    os.kill(local, signal.SIGRTMIN + 1)
    d.wait_role("queue", not_pid=queue)
    assert "local reports a protocol violation by queue" in d.logtext()
    assert d.pids()["local"] == local
