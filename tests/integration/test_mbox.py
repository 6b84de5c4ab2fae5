"""mbox delivery into a Debian-like mail spool (root:mail 2775): created
by master for the recipient, locked with a dotlock and fcntl the way mutt
and procmail do, framed so that python's mailbox module parses it."""
import fcntl
import grp
import mailbox
import os
import shutil
import stat
import tempfile
import threading
import time

import pytest

from conftest import ALICE, BOB, DOMAIN, wait_until

BODY = (b"Subject: %d\r\n\r\nFrom the start of a line\r\n"
        b"middle %d\r\n.leading dot\r\nlast line without newline")


@pytest.fixture
def spool():
    d = tempfile.mkdtemp(prefix="bh-spool-")
    mail = grp.getgrnam("mail").gr_gid
    os.chown(d, 0, mail)
    os.chmod(d, 0o2775)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def mbox_daemon(make_daemon, spool, sandbox="chroot"):
    return make_daemon(sandbox, extra_main="home_mailbox =\n"
                       "mail_spool_directory = %s\n" % spool)


def send(d, n, rcpt):
    with d.smtp() as s:
        s.sendmail("s%d@remote.example" % n, [rcpt], BODY % (n, n))


def messages(path):
    box = mailbox.mbox(path, create=False)
    try:
        return [(m["Subject"], m.get_from(), m.get_payload(decode=False))
                for m in box]
    finally:
        box.close()


def writers(d):
    """pid -> /proc status of the running writers."""
    out = {}
    for p in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/status" % p) as f:
                st = dict(l.split(":", 1) for l in f.read().splitlines())
        except (OSError, ValueError):
            continue
        if argv[1:3] == [b"-x", b"writer"] and \
                int(st["PPid"].split()[0]) == d.proc.pid:
            out[int(p)] = st
    return out


def test_concurrent_deliveries_wait_for_a_reader_lock(make_daemon, users,
                                                       spool, sandbox):
    alice = users[ALICE]
    rcpt = ALICE + "@" + DOMAIN
    path = os.path.join(spool, ALICE)
    d = mbox_daemon(make_daemon, spool, sandbox)

    send(d, 0, rcpt)    # master creates the mailbox for alice
    wait_until(lambda: os.path.exists(path) and len(messages(path)) == 1,
               "the first message")
    st = os.lstat(path)
    assert st.st_uid == alice.pw_uid and stat.S_IMODE(st.st_mode) == 0o600
    # the writer removes its dotlock after the message is in the file
    wait_until(lambda: not os.path.exists(path + ".lock"), "the unlock")

    # A reader (mutt, procmail) holds both locks.
    lockfd = os.open(path + ".lock", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    box = open(path, "rb+")
    fcntl.lockf(box, fcntl.LOCK_EX)
    size = os.path.getsize(path)
    try:
        threads = [threading.Thread(target=send, args=(d, n, rcpt))
                   for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=15)
        # Both writers are there, waiting, as alice with the spool's group.
        # (A writer starts as root and drops before it reads a byte:
        # wait for both to have dropped.)
        def dropped():
            ws = writers(d)
            return len(ws) == 2 and all(
                st["Uid"].split()[0] != "0" for st in ws.values()) and ws
        ws = wait_until(dropped, "two writers")
        mail = grp.getgrnam("mail").gr_gid
        for st in ws.values():
            assert st["Uid"].split() == [str(alice.pw_uid)] * 4
            assert sorted(map(int, st["Groups"].split())) == \
                sorted({alice.pw_gid, mail})
        time.sleep(2)
        assert os.path.getsize(path) == size    # nobody wrote past the lock
    finally:
        fcntl.lockf(box, fcntl.LOCK_UN)
        box.close()
        os.close(lockfd)
        os.unlink(path + ".lock")

    wait_until(lambda: len(messages(path)) == 3, "all three messages")
    got = messages(path)
    assert sorted(s for s, _, _ in got) == ["0", "1", "2"]   # each once
    for subj, frm, body in got:
        n = int(subj)
        assert frm.startswith("s%d@remote.example " % n)
        assert body == (">From the start of a line\nmiddle %d\n"
                        ".leading dot\nlast line without newline\n" % n)
    with open(path, "rb") as f:
        data = f.read()
    assert data.endswith(b"without newline\n\n")
    assert data.count(b"\nReturn-Path: <s1@remote.example>\n"
                      b"Delivered-To: %s\n" % rcpt.encode()) == 1
    # The last writer unlocks after its fsync, a moment after the message
    # is visible: the lock must go, not be gone at this very instant.
    wait_until(lambda: not os.path.exists(path + ".lock"), "the last unlock")
    assert "status=deferred" not in d.logtext()


def test_symlinked_spool_mailbox_is_refused(make_daemon, users, spool):
    """Anyone in group mail could plant /var/mail/USER -> ~USER/.profile;
    master refuses it and the writer would not follow it either."""
    alice = users[ALICE]
    rcpt = ALICE + "@" + DOMAIN
    target = os.path.join(alice.pw_dir, "planted-target")
    with open(target, "w") as f:
        f.write("echo hello\n")
    os.chown(target, alice.pw_uid, alice.pw_gid)
    path = os.path.join(spool, ALICE)
    os.symlink(target, path)
    d = mbox_daemon(make_daemon, spool)
    try:
        send(d, 1, rcpt)
        wait_until(lambda: "security: refused writer for %s from local: "
                   "mailbox is a symbolic link" % ALICE in d.logtext(),
                   "the refusal")
        wait_until(lambda: "status=deferred" in d.logtext(), "deferral")
        with open(target) as f:
            assert f.read() == "echo hello\n"
    finally:
        os.unlink(path)
        os.unlink(target)


def test_mbox_in_home(make_daemon, users):
    bob = users[BOB]
    path = os.path.join(bob.pw_dir, "Mailbox")
    if os.path.exists(path):
        os.unlink(path)
    d = make_daemon(extra_main="home_mailbox = Mailbox\n")
    try:
        send(d, 7, BOB + "@" + DOMAIN)
        wait_until(lambda: os.path.exists(path) and
                   len(messages(path)) == 1, "the message")
        assert os.lstat(path).st_uid == bob.pw_uid
        (subj, _, body), = messages(path)
        assert subj == "7" and body.startswith(">From the start")
    finally:
        os.unlink(path)


def test_lock_busy_defers_then_delivers(make_daemon, users, spool):
    """A reader that keeps the dotlock past deliver_lock_attempts: the
    delivery is deferred with 4.2.0, nothing is written, and it goes
    through on the next attempt once the lock is gone."""
    import re
    rcpt = ALICE + "@" + DOMAIN
    path = os.path.join(spool, ALICE)
    d = make_daemon(extra_main="home_mailbox =\n"
                    "mail_spool_directory = %s\n"
                    "deliver_lock_attempts = 2\ndeliver_lock_delay = 1s\n"
                    "minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\n"
                    "queue_run_delay = 1s\n" % spool)
    lock = path + ".lock"
    os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL))

    def outcomes():
        return re.findall(r": to=<%s>, relay=local, delay=\d+, dsn=(\S+), "
                          r"status=(\w+) \(([^)]*)\)" % re.escape(rcpt),
                          d.logtext())
    try:
        send(d, 5, rcpt)
        wait_until(outcomes, "a first attempt")
        dsn, status, text = outcomes()[0]
        assert (dsn, status) == ("4.2.0", "deferred"), outcomes()
        assert "is locked" in text
        assert os.path.getsize(path) == 0      # created by master, empty
    finally:
        os.unlink(lock)
    wait_until(lambda: outcomes()[-1][1] == "sent", "delivery")
    assert [s for s, _, _ in messages(path)] == ["5"]


def test_stop_waits_for_writers_then_kills_them(make_daemon, users, spool):
    """A writer still waiting at shutdown (here for a reader's dotlock) is
    waited for, then killed: when bulkhead has stopped, no writer of it is
    left to add to a mailbox later.  The message stays queued and is
    delivered once after the restart."""
    rcpt = ALICE + "@" + DOMAIN
    path = os.path.join(spool, ALICE)
    d = mbox_daemon(make_daemon, spool)
    send(d, 0, rcpt)
    wait_until(lambda: os.path.exists(path) and len(messages(path)) == 1,
               "the first message")
    wait_until(lambda: not os.path.exists(path + ".lock"), "the unlock")
    lock = path + ".lock"
    os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    try:
        send(d, 1, rcpt)
        ws = wait_until(lambda: writers(d), "a writer waiting for the lock")
        d.stop()
        left = [p for p in ws if os.path.exists("/proc/%d" % p)]
        assert left == [], "writers outlived master: %r" % left
        assert "killing them" in d.logtext()
    finally:
        os.unlink(lock)
    time.sleep(1)
    assert [s for s, _, _ in messages(path)] == ["0"]
    d.start()
    wait_until(lambda: len(messages(path)) == 2, "the second message")
    assert sorted(s for s, _, _ in messages(path)) == ["0", "1"]
