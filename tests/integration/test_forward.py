"""~/.forward: read as the user, used only when it is safe, parsed by
local; a bad one is ignored with a log line and the mail is kept."""
import os
import re
import time

import pytest

from conftest import ALICE, BOB, DOMAIN, maildir_messages, split_delivered, \
    tag, wait_until


@pytest.fixture
def forward_files(users):
    made = []

    def put(user, text, mode=0o644, owner=None, name=".forward"):
        pw = users[user]
        path = os.path.join(pw.pw_dir, name)
        with open(path, "w") as f:
            f.write(text)
        uid, gid = owner if owner is not None else (pw.pw_uid, pw.pw_gid)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        made.append(path)
        return path
    yield put
    for p in made:
        if os.path.lexists(p):
            os.unlink(p)


def outcome(d, rcpt):
    found = None
    for m in re.finditer(r": to=<%s>, relay=local, delay=\d+, dsn=(\S+), "
                         r"status=(\w+)" % re.escape(rcpt), d.logtext()):
        found = m.groups()
    return found


def send(d, user):
    rcpt = user + "@" + DOMAIN
    with d.smtp() as s:
        s.sendmail("s@remote.example", [rcpt], b"Subject: fwd\r\n\r\nx\r\n")
    wait_until(lambda: outcome(d, rcpt), "the outcome")
    return outcome(d, rcpt)


def new_count(pw):
    try:
        return len(os.listdir(os.path.join(pw.pw_dir, "Maildir", "new")))
    except FileNotFoundError:
        return 0


def test_forward_to_self_and_another_user(make_daemon, users, forward_files,
                                          sandbox):
    forward_files(ALICE, "# keep a copy\n\\%s, %s\n" % (ALICE.upper(), BOB))
    d = make_daemon(sandbox)
    assert send(d, ALICE) == ("2.0.0", "sent")
    (a, _), = maildir_messages(users[ALICE])
    (b, _), = maildir_messages(users[BOB])
    assert split_delivered(b)[1] == ("%s@%s" % (BOB, DOMAIN)).encode()
    assert "%s: forwarded by ~/.forward to 1 local address and the " \
        "mailbox" % ALICE in d.logtext()


@pytest.mark.parametrize("case,reason", [
    ("group_writable", "group or world writable"),
    ("world_writable", "group or world writable"),
    ("owned_by_root", "not owned by the user"),
    ("symlink", "is a symbolic link"),
    ("remote", "it names remote addresses, which this release does not "
     "deliver"),
    ("syntax", ".forward:1: unterminated quote"),
])
def test_unsafe_or_unusable_forward_is_ignored(make_daemon, users,
                                              forward_files, case, reason):
    alice = users[ALICE]
    text = BOB + "\n"
    if case == "group_writable":
        forward_files(ALICE, text, mode=0o664)
    elif case == "world_writable":
        forward_files(ALICE, text, mode=0o646)
    elif case == "owned_by_root":
        forward_files(ALICE, text, owner=(0, 0))
    elif case == "symlink":
        real = os.path.join(alice.pw_dir, "real-forward")
        with open(real, "w") as f:
            f.write(text)
        os.chown(real, alice.pw_uid, alice.pw_gid)
        link = forward_files(ALICE, "")
        os.unlink(link)
        os.symlink(real, link)
    elif case == "remote":
        forward_files(ALICE, "%s, someone@remote.example\n" % BOB)
    elif case == "syntax":
        forward_files(ALICE, "\"%s\n" % BOB)
    # default_transport = local: remote addresses have no route (with the
    # default, smtp, they go out by MX: test_relay_route.py)
    d = make_daemon(extra_main="default_transport = local\n")
    try:
        assert send(d, ALICE) == ("2.0.0", "sent")
        maildir_messages(alice)                 # kept in alice's mailbox
        assert new_count(users[BOB]) == 0       # and not forwarded
        assert re.search(tag("local"), d.logtext())
        assert re.search(tag("local") + r"warning: [0-9A-F]{16}: %s: "
                         r"~/\.forward ignored: .*%s"
                         % (ALICE, re.escape(reason)), d.logtext()), \
            d.logtext()
    finally:
        if case == "symlink":
            os.unlink(real)


def test_forward_loop_ends_at_the_mailbox(make_daemon, users, forward_files):
    """alice -> bob and bob -> alice: bob's .forward is not read for mail
    a .forward sent him, so the loop ends in his mailbox."""
    forward_files(ALICE, BOB + "\n")
    forward_files(BOB, ALICE + "\n")
    d = make_daemon()
    assert send(d, ALICE) == ("2.0.0", "sent")
    maildir_messages(users[BOB])
    time.sleep(0.5)
    assert new_count(users[ALICE]) == 0
    assert new_count(users[BOB]) == 1


def test_forward_to_unknown_user_bounces(make_daemon, users, forward_files):
    """One bad target fails the whole .forward: no copy to the others or
    the mailbox, so the bounce tells the whole story."""
    forward_files(ALICE, "\\%s, %s, nosuchuser_h5fwd\n" % (ALICE, BOB))
    d = make_daemon()
    assert send(d, ALICE) == ("5.1.1", "bounced")
    time.sleep(0.5)
    assert new_count(users[ALICE]) == 0 and new_count(users[BOB]) == 0
    assert "%s: .forward target: unknown user nosuchuser_h5fwd" % ALICE \
        in d.logtext(), d.logtext()


def test_forward_with_extension(make_daemon, users, forward_files):
    """user+ext reads ~/.forward+ext first, then ~/.forward (Postfix's
    forward_path); plain user reads only ~/.forward."""
    forward_files(ALICE, BOB + "\n", name=".forward+news")
    d = make_daemon(extra_main="recipient_delimiter = +\n")
    with d.smtp() as s:
        s.sendmail("s@remote.example", [ALICE + "+NEWS@" + DOMAIN],
                   b"Subject: 1\r\n\r\nx\r\n")
    (data, _), = maildir_messages(users[BOB])
    assert b"Subject: 1" in data
    # the file is in place before queue hears back and logs the outcome
    wait_until(lambda: outcome(d, ALICE + "+NEWS@" + DOMAIN), "the outcome")
    assert outcome(d, ALICE + "+NEWS@" + DOMAIN) == ("2.0.0", "sent")
    with d.smtp() as s:
        s.sendmail("s@remote.example", [ALICE + "+other@" + DOMAIN,
                                        ALICE + "@" + DOMAIN],
                   b"Subject: 2\r\n\r\nx\r\n")
    # both reach alice's mailbox, which gets one copy per message
    # (this was 2 copies before)
    wait_until(lambda: outcome(d, ALICE + "+other@" + DOMAIN) and
               outcome(d, ALICE + "@" + DOMAIN), "both outcomes")
    assert len(maildir_messages(users[ALICE], count=1)) == 1
    assert new_count(users[BOB]) == 1
