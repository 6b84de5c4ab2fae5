"""Mail that smtpd acknowledged cannot be changed by smtpd.

A test-build hook plays a compromised smtpd: for a sender named
tamper-after-commit@..., it keeps a copy of the fd it wrote the content
through and, once the client has its 250, writes through it again, where
queue keeps the envelope.  The message must stay as the client sent it, on disk and in the
mailbox, across a restart."""
import os

from conftest import BOB, DOMAIN, maildir_messages, wait_until
from test_crash import flush

BODY = b"Subject: sealed\r\n\r\n" + b"the original body\r\n" * 50


def test_smtpd_cannot_change_a_committed_message(make_daemon, users):
    d = make_daemon()
    bob = users[BOB]
    md = os.path.join(bob.pw_dir, "Maildir")
    # Bob's delivery defers, so the message waits in the queue.
    with open(md, "w") as f:
        f.write("not a directory\n")
    try:
        with d.smtp() as s:
            s.sendmail("tamper-after-commit@remote.example",
                       ["%s@%s" % (BOB, DOMAIN)], BODY)
        wait_until(lambda: "test hook: write after commit" in d.logtext(),
                   "the hook's attempt")
        wait_until(lambda: "status=deferred" in d.logtext(), "a deferral")
        log = d.logtext()
        line = log.split("test hook: write after commit")[1].split("\n")[0]
        assert "succeeded" not in line, line
        # Restarted, queue loads the file again from disk.
        d.stop()
    finally:
        os.unlink(md)
    d.start()
    flush(d)            # the deferral's retry time has not come yet
    out, _ = maildir_messages(bob)[0]
    assert b"TTTTTTTT" not in out
    assert out.replace(b"\r\n", b"\n").endswith(
        BODY.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]), out[-200:]
    assert "corrupt queue file" not in d.logtext()
