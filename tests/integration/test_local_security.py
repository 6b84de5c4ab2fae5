"""Master's checks on writer requests, played by a compromised local.

In test builds (--enable-test-hooks) local sends master one
IPC_WRITER_OPEN per line of <confdir>/test-hostile-writer-open once it is
ready, exactly as a local that an attacker controls could, and logs
master's answer.  Master must refuse every request that is not for an
ordinary account with a clean mailbox path, and log the attacks as
security events.  The end-to-end tests then show that a symbolic link in
the mailbox path stops real deliveries (deferred, nothing written where
the link points) and that mail flows once the link is gone.
"""
import os
import pwd
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import (ALICE, BOB, BULKHEAD, DOMAIN, PREFIX, maildir_messages,
                      wait_until)

DOTDOT = PREFIX + "dotdot"
HOSTILE = "test-hostile-writer-open"


@pytest.fixture
def dotdot_user():
    """An account whose home directory has a '..' segment."""
    home = "/tmp/../tmp/%s-home" % DOTDOT
    subprocess.run(["userdel", DOTDOT], stderr=subprocess.DEVNULL)
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh", DOTDOT],
                   check=True)
    assert ".." in pwd.getpwnam(DOTDOT).pw_dir
    yield DOTDOT
    subprocess.run(["userdel", DOTDOT], check=True)


def play_local(d, requests):
    """Restart the daemon with a hostile local; return its answers."""
    d.stop()
    with open(os.path.join(d.dir, HOSTILE), "wb") as f:
        f.write(b"".join(r + b"\n" for r in requests))
    before = d.log_count("test hook: WRITER_OPEN")
    d.start()
    try:
        wait_until(lambda: d.log_count("test hook: WRITER_OPEN") - before ==
                   len(requests), "master to answer every hostile request")
    except AssertionError:
        raise AssertionError(d.logtext())
    answers = {}
    for m in re.finditer(r"test hook: WRITER_OPEN #(\d+) (.*)",
                         d.logtext()):
        answers[int(m.group(1))] = m.group(2)
    return answers


def test_master_refuses_hostile_writer_requests(make_daemon, users,
                                                 dotdot_user):
    alice = users[ALICE]
    maildir = os.path.join(alice.pw_dir, "Maildir")
    target = tempfile.mkdtemp(prefix="bh-stolen-")
    os.chown(target, users[BOB].pw_uid, users[BOB].pw_gid)
    d = make_daemon()
    os.symlink(target, maildir)
    try:
        requests = [
            (b"root", "refused: 4.3.0 mail for root must be aliased", False),
            (b"daemon", "refused: 4.7.0 system account", True),
            (b"bin", "refused: 4.7.0 system account", True),
            (b"nobody", "refused: 4.7.0 system account", True),
            (PREFIX.encode() + b"nosuchuser", "refused: 5.1.1 no such user",
             False),
            (dotdot_user.encode(), "refused: 4.3.0 home directory is not a "
             "canonical absolute path", True),
            (ALICE.encode(), "refused: 4.7.0 mailbox path has a symbolic "
             "link", True),
            (BOB.encode(), "granted", False),    # the hook itself works
        ]
        answers = play_local(d, [r for r, _, _ in requests])
        log = d.logtext()
        for i, (req, want, security) in enumerate(requests):
            assert answers[i].startswith(want), (req, answers[i])
            if security:
                line = "security: refused writer for %s from local:" % \
                    req.decode()
                assert line in log, (req, log)
        assert os.listdir(target) == []   # nothing created through the link
    finally:
        os.unlink(maildir)
        shutil.rmtree(target)


@pytest.mark.parametrize("name", [b"../../etc", b"x/../root", b"root\x1b[2J",
                                  b"", b"-root"])
def test_malformed_user_name_drops_local(make_daemon, name):
    """A name no lookup could produce is a protocol violation: master
    drops the channel, logs it as a security event and restarts local."""
    d = make_daemon()
    d.stop()
    with open(os.path.join(d.dir, HOSTILE), "wb") as f:
        f.write(name + b"\n")
    d.start()
    wait_until(lambda: d.log_count("security: killing local") >= 1 and
               d.log_count("local: ready") >= 3,
               "master to kill and restart local")
    log = d.logtext()
    assert "security: protocol violation from local: bad WRITER_OPEN " \
        "payload" in log
    assert "granted" not in log
    assert "\x1b" not in log          # no terminal escapes in the log


def deferred(d, rcpt):
    return d.log_count("to=<%s>" % rcpt) and \
        "status=deferred" in [l for l in d.logtext().splitlines()
                              if "to=<%s>" % rcpt in l][-1]


@pytest.mark.parametrize("link", ["Maildir", "Maildir/new"])
def test_symlink_in_maildir_defers_and_writes_nothing(make_daemon, users,
                                                      link):
    """A link at the Maildir is refused by master (security event); a link
    inside it (swapped in after master looked) by the writer's O_NOFOLLOW.
    Either way the message is deferred and the link's target untouched."""
    alice = users[ALICE]
    rcpt = ALICE + "@" + DOMAIN
    d = make_daemon(extra_main="minimal_backoff_time = 1s\n"
                    "maximal_backoff_time = 2s\nqueue_run_delay = 1s\n")
    target = tempfile.mkdtemp(prefix="bh-stolen-")
    os.chown(target, users[BOB].pw_uid, users[BOB].pw_gid)
    if link == "Maildir/new":
        for sub in ("", "tmp", "cur"):
            p = os.path.join(alice.pw_dir, "Maildir", sub)
            os.makedirs(p, exist_ok=True)
            os.chown(p, alice.pw_uid, alice.pw_gid)
    path = os.path.join(alice.pw_dir, link)
    os.symlink(target, path)
    try:
        with d.smtp() as s:
            s.sendmail("a@remote.example", [rcpt], b"Subject: s\r\n\r\nx\r\n")
        wait_until(lambda: deferred(d, rcpt), "the delivery to be deferred")
        assert os.listdir(target) == []
        log = d.logtext()
        if link == "Maildir":
            assert "security: refused writer for %s from local: mailbox " \
                "path has a symbolic link" % ALICE in log
        else:
            assert "is a symbolic link, not a directory, or not owned" in log
        assert "status=sent" not in log
    finally:
        os.unlink(path)
        os.rmdir(target)
    # The link is gone: the next attempt delivers, exactly once.
    (data, st), = maildir_messages(alice)
    assert st.st_uid == alice.pw_uid
    assert b"Subject: s" in data


def test_maildir_owned_by_someone_else_is_refused(make_daemon, users):
    alice, bob = users[ALICE], users[BOB]
    maildir = os.path.join(alice.pw_dir, "Maildir")
    d = make_daemon()
    os.makedirs(maildir)
    os.chown(maildir, bob.pw_uid, bob.pw_gid)
    answers = play_local(d, [ALICE.encode()])
    assert answers[0].startswith("refused: 4.7.0 mailbox path not owned by "
                                 "the recipient"), answers
    assert ("security: refused writer for %s from local: mailbox path not "
            "owned" % ALICE) in d.logtext()


@pytest.mark.parametrize("value,what", [
    ("root", "default_privs may not be root"),
    (PREFIX + "nosuchuser", "does not exist"),
])
def test_default_privs_may_not_be_root(make_daemon, value, what):
    d = make_daemon()
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write("default_privs = %s\n" % value)
    r = subprocess.run([BULKHEAD, "-n", "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert what in r.stderr, r.stderr
    if value == "root":
        n = sum(1 for _ in open(os.path.join(d.dir, "main.cf")))
        assert "main.cf:%d:" % n in r.stderr, r.stderr
