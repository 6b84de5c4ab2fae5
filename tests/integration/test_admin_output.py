"""bulkctl prints queued data (a client's or a user's bytes) to the
admin's terminal: mailq and cat show control characters as escapes, so
that no escape sequence in a message reaches the terminal."""
import os
import subprocess
import time

from conftest import ALICE, BULKCTL, DOMAIN, wait_until
from test_admin import plant
from test_queue import qfile

EVIL = b"\x1b]0;owned\x07\x1b[2J\x9b6n\r"


def test_cat_and_mailq_show_no_control_characters(make_daemon, users):
    d = make_daemon(extra_main="control_socket = $config_directory/control\n")
    d.stop()
    qid = "%09X%05X%02X" % (int(time.time()) - 60, 9, 0)
    plant(d, qid, ["%s@%s" % (ALICE, DOMAIN)])
    content = (b"Subject: hello " + EVIL + b"\n\nbody " + EVIL +
               b" caf\xc3\xa9\n")
    good = qfile(qid, "%s@%s" % (ALICE, DOMAIN))
    path = os.path.join(d.spool, "active", qid)
    with open(path, "rb") as f:
        data = f.read()
    # plant()'s content, replaced by one with escape sequences (the
    # envelope records the content's length twice: Z and the trailer).
    old = good[:good.index(b"V2\n")]
    data = data.replace(old, content)
    data = data.replace(b"Z%d\n" % len(old), b"Z%d\n" % len(content))
    data = data.replace(b"BHQ2 %016x\n" % len(old),
                        b"BHQ2 %016x\n" % len(content))
    with open(path, "wb") as f:
        f.write(data)
    d.start()
    wait_until(lambda: d.log_count("queue: ready: 1 messages") >= 1,
               "queue to load the planted file")
    cat = subprocess.run([BULKCTL, "-c", d.dir, "cat", qid],
                         capture_output=True, timeout=30)
    assert cat.returncode == 0, cat.stderr
    assert b"body " in cat.stdout
    for bad in (b"\x1b", b"\x07", b"\x9b", b"\r"):
        assert bad not in cat.stdout, cat.stdout
    assert b"\\033]0;owned\\007" in cat.stdout
    assert b"caf\xc3\xa9" in cat.stdout     # UTF-8 text as it is
    mq = subprocess.run([BULKCTL, "-c", d.dir, "mailq"],
                        capture_output=True, timeout=30)
    assert mq.returncode == 0, mq.stderr
    assert b"\x1b" not in mq.stdout
