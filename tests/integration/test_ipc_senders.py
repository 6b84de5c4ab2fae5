"""A value an outsider or a user can put in an IPC
message is refused by its sender with the receiver's own rules, where it
arose: never a message that gets the honest sender killed."""
import os
import re

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until


def outcome(d, rcpt):
    found = None
    for m in re.finditer(r": to=<%s>, relay=local, delay=\d+, dsn=(\S+), "
                         r"status=(\w+)" % re.escape(rcpt), d.logtext()):
        found = m.groups()
    return found


def assert_nobody_killed(d):
    log = d.logtext()
    for bad in ("security:", "killing", "protocol violation"):
        assert bad not in log, log[-3000:]


def test_forward_command_with_a_tab_kills_nothing(make_daemon, users):
    """A |command target with a tab in ~/.forward: master's runner check
    refuses it, and local used to send it anyway and get killed, again at
    every retry.  Now the recipient fails for good (5.3.0) and local
    lives on; another user's mail is delivered."""
    pw = users[ALICE]
    path = os.path.join(pw.pw_dir, ".forward")
    with open(path, "w") as f:
        f.write('"|/bin/echo\tx"\n')
    os.chown(path, pw.pw_uid, pw.pw_gid)
    os.chmod(path, 0o644)
    try:
        d = make_daemon()
        local = d.wait_role("local")
        with d.smtp() as s:
            s.sendmail("s@remote.example", [ALICE + "@" + DOMAIN],
                       b"Subject: tab\r\n\r\nx\r\n")
            s.sendmail("s@remote.example", [BOB + "@" + DOMAIN],
                       b"Subject: other\r\n\r\ny\r\n")
        rcpt = ALICE + "@" + DOMAIN
        wait_until(lambda: outcome(d, rcpt), "alice's outcome")
        dsn, status = outcome(d, rcpt)
        assert dsn.startswith("5.") and status == "bounced", (dsn, status)
        assert b"other" in maildir_messages(users[BOB])[0][0]
        assert d.pids()["local"] == local
        assert_nobody_killed(d)
    finally:
        os.unlink(path)


def test_mail_parameters_are_checked_before_queue(make_daemon, users):
    """ENVID and ORCPT as xtext may decode to anything; what queue's
    decoder would refuse is refused at MAIL or RCPT (501), and the
    session, and every other one, goes on."""
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.docmd("MAIL", "FROM:<a@remote.example> ENVID=a+0Ab")[0] \
            == 501
        assert s.docmd("MAIL", "FROM:<a@remote.example> ENVID=ok")[0] \
            == 250
        assert s.docmd("RCPT", "TO:<%s@%s> ORCPT=rfc822;+1Bx" %
                       (ALICE, DOMAIN))[0] == 501
        assert s.docmd("RCPT", "TO:<%s@%s> ORCPT=rfc822;x" %
                       (ALICE, DOMAIN))[0] == 250
        assert s.data(b"Subject: fine\r\n\r\nz\r\n")[0] == 250
    assert b"fine" in maildir_messages(users[ALICE])[0][0]
    assert_nobody_killed(d)
