"""lookup replaced under load: a planned reload (passwd or alias change)
is invisible to clients, and a lookup that dies while smtpd is sending
to it leaves no session waiting forever."""
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import ALICE, BOB, DOMAIN, PREFIX, WAIT, maildir_messages, \
    wait_until


def _maildir_count(pw):
    try:
        return len(os.listdir(os.path.join(pw.pw_dir, "Maildir", "new")))
    except FileNotFoundError:
        return 0


def test_lookup_dies_while_smtpd_sends(make_daemon):
    """smtpd is paused with a RCPT in its socket; lookup dies and master
    starts another; smtpd resumes and sends the RCPT into the dead
    channel (EPIPE).  The session gets an answer, smtpd lives on, and
    later requests on the new channel (whose ids start again at 1) do
    not meet a stale waiter."""
    d = make_daemon()
    smtpd = d.wait_role("smtpd")
    s = d.smtp()
    s.ehlo("client.example")
    assert s.mail("a@remote.example")[0] == 250
    for rnd in range(3):
        lookup = d.wait_role("lookup")
        ready = d.log_count("lookup: ready")
        os.kill(smtpd, signal.SIGSTOP)
        try:
            s.send(("RCPT TO:<%s@%s>\r\n" % (ALICE, DOMAIN)).encode())
            time.sleep(0.2)
            os.kill(lookup, signal.SIGKILL)
            d.wait_role("lookup", not_pid=lookup)
            wait_until(lambda: d.log_count("lookup: ready") > ready,
                       "the new lookup")
        finally:
            os.kill(smtpd, signal.SIGCONT)
        code, msg = s.getreply()
        assert code in (250, 451), (rnd, code, msg)
        for _ in range(5):
            assert s.rcpt("%s@%s" % (BOB, DOMAIN))[0] == 250, rnd
    code, msg = s.data(b"Subject: after\r\n\r\nbody\r\n")
    assert code == 250, msg
    s.quit()
    assert d.pids()["smtpd"] == smtpd
    assert "in use" not in d.logtext()


def test_alias_edit_while_smtpd_is_paused(make_daemon):
    """The issue's own reproduction: smtpd paused with a RCPT in its
    socket, the alias file edited (master replaces lookup), smtpd
    resumed.  The old lookup is still there for smtpd's RCPT, so the
    answer is a plain 250, smtpd lives, and the new alias works."""
    d = make_daemon()
    smtpd = d.wait_role("smtpd")
    s = d.smtp()
    s.ehlo("client.example")
    assert s.mail("a@remote.example")[0] == 250
    for rnd in range(2):
        ready = d.log_count("lookup: ready")
        os.kill(smtpd, signal.SIGSTOP)
        try:
            s.send(("RCPT TO:<%s@%s>\r\n" % (ALICE, DOMAIN)).encode())
            with open(os.path.join(d.dir, "aliases"), "a") as f:
                f.write("paused%d: %s\n" % (rnd, BOB))
            wait_until(lambda: d.log_count("lookup: ready") > ready,
                       "the new lookup")
        finally:
            os.kill(smtpd, signal.SIGCONT)
        code, msg = s.getreply()
        assert code == 250, (rnd, code, msg)
        assert s.rcpt("paused%d@%s" % (rnd, DOMAIN))[0] == 250
    code, msg = s.data(b"Subject: paused\r\n\r\nbody\r\n")
    assert code == 250, msg
    s.quit()
    assert d.pids()["smtpd"] == smtpd
    wait_until(lambda: d.log_count("retired lookup") >= 2,
               "the old lookups to exit")
    log = d.logtext()
    assert "lost lookup" not in log and "in use" not in log


SESSIONS = 4
PER_SESSION = 50
UNKNOWN = 6     # refused recipients per message: more lookups, no mail


def _sender(d, n, replies, errors):
    try:
        with d.smtp() as s:
            s.ehlo("load%d.example" % n)
            for i in range(PER_SESSION):
                code, msg = s.mail("load%d@remote.example" % n)
                replies.append(("MAIL", code, msg))
                for to in (ALICE, "list"):
                    code, msg = s.rcpt("%s@%s" % (to, DOMAIN))
                    replies.append(("RCPT", code, msg))
                for k in range(UNKNOWN):
                    code, msg = s.rcpt("nosuch%d@%s" % (k, DOMAIN))
                    replies.append(("RCPT unknown", code, msg))
                code, msg = s.data(("Subject: load %d %d\r\n\r\nx\r\n" %
                                    (n, i)).encode())
                replies.append(("DATA", code, msg))
                time.sleep(0.3)
    except Exception as e:     # reported by the test, not lost
        errors.append(repr(e))


@pytest.mark.load
def test_reload_under_load_is_invisible(make_daemon, users, sandbox):
    """200 messages over 4 sessions while users are added and the alias
    file is edited (each a new lookup): no 4xx reply, none lost."""
    aliases = "postmaster: {a}\nteam: {a}, {b}\nlist: {b}\n".format(
        a=ALICE, b=BOB)
    # the refused recipients are not errors this test is about
    d = make_daemon(sandbox, aliases=aliases,
                    extra_main="smtpd_hard_error_limit = 100000\n"
                    "smtpd_soft_error_limit = 100000\n")
    added = []
    replies, errors = [], []
    threads = [threading.Thread(target=_sender,
                                args=(d, n, replies, errors))
               for n in range(SESSIONS)]
    for t in threads:
        t.start()
    try:
        for k in range(3):
            time.sleep(5.2)    # master looks every 5 s
            if k % 2 == 0:
                u = "%sld%d" % (PREFIX, k)
                subprocess.run(["useradd", "-M", u], check=True,
                               stdout=subprocess.DEVNULL)
                added.append(u)
            with open(os.path.join(d.dir, "aliases"), "a") as f:
                f.write("extra%d: %s\n" % (k, ALICE))
    finally:
        for t in threads:
            t.join(timeout=120)
        for u in added:
            subprocess.run(["userdel", u], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    assert not errors, errors
    bad = [r for r in replies if r[1] != (550 if r[0] == "RCPT unknown"
                                          else 250)]
    assert not bad, (len(bad), bad[:10])
    assert len(replies) == (4 + UNKNOWN) * SESSIONS * PER_SESSION
    log = d.logtext()
    assert "lost lookup" not in log
    assert log.count("retiring lookup") >= 2, log[-3000:]
    # the old ones exit by themselves once their peers let them go
    wait_until(lambda: d.log_count("retired lookup") >=
               d.log_count("retiring lookup"), "the old lookups to exit")
    assert "still running after" not in d.logtext()
    total = SESSIONS * PER_SESSION
    wait_until(lambda: _maildir_count(users[ALICE]) == total and
               _maildir_count(users[BOB]) == total,
               "every message in the Maildirs", timeout=60)
