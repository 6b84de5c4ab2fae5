"""A full disk during delivery: deferred with 4.3.1, no partial message
visible (Maildir: nothing in new/ or tmp/; mbox: truncated back, still
parses), and delivered once space returns.  The full disk is a small
tmpfs mounted as a test user's home or as the mail spool."""
import grp
import mailbox
import os
import re
import subprocess
import tempfile

import pytest

from conftest import DOMAIN, PREFIX, wait_until

FULL = PREFIX + "full"
BODY = b"Subject: big %d\r\n\r\n" + (b"y" * 75 + b"\r\n") * 400  # ~30 KiB
FAST_RETRY = ("minimal_backoff_time = 1s\nmaximal_backoff_time = 1s\n"
              "queue_run_delay = 1s\n")


def mount_tmpfs(path, size="256k"):
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
                    "tmpfs", path], check=True)


def fill(path):
    """Fill the file system that holds path; return the filler's name."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    os.close(fd)
    return filler


@pytest.fixture
def full_user():
    """An account whose home directory is its own small tmpfs."""
    home = tempfile.mkdtemp(prefix="bh-full-")
    os.chmod(home, 0o755)
    subprocess.run(["userdel", FULL], stderr=subprocess.DEVNULL)
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh", FULL],
                   check=True)
    mount_tmpfs(home)
    import pwd
    pw = pwd.getpwnam(FULL)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    yield pw
    # local keeps a writer a few seconds for its user's next delivery: it
    # holds the mailbox open until it goes (bounded by its idle time).
    wait_until(lambda: subprocess.run(["pgrep", "-u", FULL],
                                      stdout=subprocess.DEVNULL).returncode
               != 0, "the kept writer to exit", timeout=30)
    subprocess.run(["umount", home], check=True)
    os.rmdir(home)
    subprocess.run(["userdel", FULL], check=True)


def outcomes(d, rcpt):
    return re.findall(r": to=<%s>, relay=local, delay=\d+, dsn=(\S+), "
                      r"status=(\w+) \(([^)]*)" % re.escape(rcpt),
                      d.logtext())


def send(d, rcpt, n):
    with d.smtp() as s:
        assert s.sendmail("s@remote.example", [rcpt], BODY % n) == {}


def test_disk_full_during_maildir_delivery(make_daemon, full_user):
    rcpt = FULL + "@" + DOMAIN
    d = make_daemon(extra_main=FAST_RETRY)
    maildir = os.path.join(full_user.pw_dir, "Maildir")
    filler = fill(full_user.pw_dir)
    send(d, rcpt, 1)
    wait_until(lambda: outcomes(d, rcpt), "a delivery attempt")
    dsn, status, text = outcomes(d, rcpt)[0]
    assert (dsn, status) == ("4.3.1", "deferred"), outcomes(d, rcpt)
    assert "No space left on device" in text
    for sub in ("new", "tmp", "cur"):     # nothing, not even half a file
        assert os.listdir(os.path.join(maildir, sub)) == [], sub
    os.unlink(filler)
    wait_until(lambda: os.listdir(os.path.join(maildir, "new")),
               "delivery after space returned")
    wait_until(lambda: outcomes(d, rcpt)[-1][1] == "sent", "status=sent")
    names = os.listdir(os.path.join(maildir, "new"))
    assert len(names) == 1                # exactly once
    with open(os.path.join(maildir, "new", names[0]), "rb") as f:
        data = f.read()
    assert data.endswith(BODY[BODY.index(b"\r\n\r\n") + 4:].replace(
        b"\r\n", b"\n"))
    assert os.listdir(os.path.join(maildir, "tmp")) == []


def test_disk_full_during_mbox_delivery(make_daemon, users):
    from conftest import ALICE
    rcpt = ALICE + "@" + DOMAIN
    spool = tempfile.mkdtemp(prefix="bh-fullspool-")
    mount_tmpfs(spool)
    try:
        os.chown(spool, 0, grp.getgrnam("mail").gr_gid)
        os.chmod(spool, 0o2775)
        d = make_daemon(extra_main=FAST_RETRY + "home_mailbox =\n"
                        "mail_spool_directory = %s\n" % spool)
        path = os.path.join(spool, ALICE)
        send(d, rcpt, 1)
        wait_until(lambda: [o for o in outcomes(d, rcpt) if o[1] == "sent"],
                   "the first message")
        size = os.path.getsize(path)
        filler = fill(spool)
        send(d, rcpt, 2)
        wait_until(lambda: len(outcomes(d, rcpt)) >= 2, "a second attempt")
        dsn, status, text = outcomes(d, rcpt)[1]
        assert (dsn, status) == ("4.3.1", "deferred"), outcomes(d, rcpt)
        assert os.path.getsize(path) == size      # truncated back
        assert not os.path.exists(path + ".lock")
        os.unlink(filler)
        wait_until(lambda: outcomes(d, rcpt)[-1][1] == "sent",
                   "delivery after space returned")
        box = mailbox.mbox(path, create=False)
        subjects = sorted(m["Subject"] for m in box)
        box.close()
        assert subjects == ["big 1", "big 2"]     # each exactly once
    finally:
        subprocess.run(["umount", spool], check=True)
        os.rmdir(spool)
