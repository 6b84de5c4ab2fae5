"""The queue's envelope and schedule: duplicate recipients, deferred scans
that drain the queue, a Message-Id of its own for every notice."""
import email
import email.policy
import os
import re
import time

import pytest

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until

ALIASES = ("postmaster: {a}\n"
           "broken: nosuchuser-{a}-x\n").format(a=ALICE)


def queue_empty(d):
    return not os.listdir(os.path.join(d.spool, "active"))


def test_duplicate_rcpts_give_one_copy(make_daemon, users):
    """100 RCPTs of one address (the domain in any case) are one envelope
    recipient: each RCPT gets 250, the mailbox gets one copy."""
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.mail("sender@remote.example")[0] == 250
        for i in range(100):
            dom = DOMAIN.upper() if i % 2 else DOMAIN
            assert s.rcpt("%s@%s" % (ALICE, dom))[0] == 250
        assert s.rcpt("%s@%s" % (BOB, DOMAIN))[0] == 250
        code, reply = s.data(b"Subject: dup\r\n\r\nonce only\r\n")
        assert code == 250
    qid = reply.split()[-1].decode()
    maildir_messages(users[BOB])
    wait_until(lambda: queue_empty(d), "the queue to empty")
    new = os.path.join(users[ALICE].pw_dir, "Maildir", "new")
    assert len(os.listdir(new)) == 1
    log = d.logtext()
    assert "%s: from=<sender@remote.example>, size=" % qid in log
    assert re.search(r"%s: from=<[^>]*>, size=\d+, nrcpt=2 " % qid, log)
    assert log.count("%s: to=<%s@" % (qid, ALICE)) == 1


@pytest.mark.load
def test_deferred_recipients_drain_in_one_scan(make_daemon, users):
    """100 deferred recipients, more than the delivery concurrency: once
    the mailbox is repaired, one deferred scan retries them all, well
    before the next queue_run_delay."""
    d = make_daemon(extra_main=(
        "recipient_delimiter = +\nminimal_backoff_time = 1s\n"
        "maximal_backoff_time = 1s\nqueue_run_delay = 30s\n"))
    bob = users[BOB]
    md = os.path.join(bob.pw_dir, "Maildir")
    with open(md, "w") as f:
        f.write("not a directory\n")
    try:
        with d.smtp() as s:
            s.sendmail("sender@remote.example",
                       ["%s+%d@%s" % (BOB, i, DOMAIN) for i in range(100)],
                       b"Subject: deferred\r\n\r\nlater\r\n")
        wait_until(lambda: d.log_count("status=deferred") >= 100,
                   "100 deferrals", timeout=60)
    finally:
        os.unlink(md)
    # Repaired: the Maildir made here, so that no retry races to make it.
    for sub in ("", "new", "cur", "tmp"):
        os.mkdir(os.path.join(md, sub), 0o700)
        os.chown(os.path.join(md, sub), bob.pw_uid, bob.pw_gid)
    since = len(d.logtext())

    def retried():
        """The recipients tried since the repair."""
        return len(set(re.findall(r": to=<([^>]+)>, relay=local, [^\n]*"
                                  r"status=(?:sent|deferred)",
                                  d.logtext()[since:])))
    # The next deferred scan starts within queue_run_delay (30s); from its
    # first retry on, that one scan must try all 100, before the next
    # scan (which used to take the second 40).  A retry may still defer
    # (a busy machine can hit master's writer limit): it waits for its
    # backoff and a later scan, as in Postfix.
    wait_until(lambda: retried() >= 1, "the first retry", timeout=45)
    first = time.monotonic()
    wait_until(lambda: retried() >= 100, "100 retries in one scan",
               timeout=25)
    assert time.monotonic() - first < 25
    wait_until(lambda: d.log_count("status=sent") >= 100, "100 deliveries",
               timeout=100)
    wait_until(lambda: queue_empty(d), "the queue to empty")


def test_notices_have_distinct_message_ids(make_daemon, users):
    """A failure notice and a success report about one message are two
    messages, each with its own Message-Id."""
    d = make_daemon(aliases=ALIASES)
    sender = "%s@%s" % (ALICE, DOMAIN)
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.mail(sender)[0] == 250
        assert s.rcpt("broken@" + DOMAIN)[0] == 250
        assert s.rcpt("%s@%s" % (BOB, DOMAIN),
                      ["NOTIFY=SUCCESS"])[0] == 250
        assert s.data(b"Subject: two notices\r\n\r\nbody\r\n")[0] == 250
    notes = maildir_messages(users[ALICE], count=2)
    msgs = [email.message_from_bytes(data, policy=email.policy.compat32)
            for data, _ in notes]
    subjects = sorted(m["Subject"] for m in msgs)
    assert subjects == ["Successful Mail Delivery Report",
                        "Undelivered Mail Returned to Sender"], subjects
    ids = [m["Message-Id"] for m in msgs]
    assert all(ids), ids
    assert ids[0] != ids[1], ids
    wait_until(lambda: queue_empty(d), "the queue to empty")
