"""A compartment's report that its peer broke the protocol is unproven:
a compromised smtpd could send one after another to keep queue down.
The accused is restarted at once without a growing backoff, and only a
few reports a minute from one compartment are believed."""
import os
import signal
import time

from conftest import ALICE, DOMAIN, maildir_messages, wait_until


def send(d, rcpt, subject):
    with d.smtp() as s:
        s.sendmail("a@remote.example", [rcpt],
                   ("Subject: %s\r\n\r\nbody\r\n" % subject).encode())


def test_false_reports_cost_no_backoff_and_are_rate_limited(make_daemon,
                                                            users):
    d = make_daemon()
    smtpd = d.wait_role("smtpd")
    # A test build's SIGRTMIN+1 makes smtpd report queue (its peer).
    for i in range(3):
        q = d.wait_role("queue")
        t0 = time.monotonic()
        os.kill(smtpd, signal.SIGRTMIN + 1)
        d.wait_role("queue", not_pid=q)
        wait_until(lambda: d.log_count("queue: ready") >= i + 2,
                   "queue ready again")
        # At once, not after 1, 2, 4 seconds of backoff.
        assert time.monotonic() - t0 < 1.0, i
    log = d.logtext()
    assert "restarting queue in" not in log, log
    assert log.count("reports a protocol violation by queue") == 3
    # The fourth within the minute is logged, not believed.
    q = d.wait_role("queue")
    for i in range(5):
        os.kill(smtpd, signal.SIGRTMIN + 1)
        time.sleep(0.1)
    wait_until(lambda: d.log_count("report from smtpd not believed") >= 5,
               "reports refused")
    time.sleep(0.5)
    assert d.pids()["queue"] == q
    assert d.pids()["smtpd"] == smtpd
    send(d, ALICE + "@" + DOMAIN, "after reports")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after reports" in data
