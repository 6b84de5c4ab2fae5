"""bulkctl's queue commands over the control socket: mailq (Postfix's
layout), the JSON listing, flush, hold, release, delete, requeue, cat;
only root may change the queue."""
import json
import os
import pwd
import re
import subprocess
import time

from conftest import (ALICE, BOB, BULKCTL, DOMAIN, maildir_messages,
                      tag, wait_until)
from test_queue import qfile

FUTURE = int(time.time()) + 3600


def plant(d, qid, rcpts, subdir="active", sender="sender@remote.example"):
    """A queue file whose recipients are deferred for an hour."""
    data = qfile(qid, rcpts[0])
    if len(rcpts) > 1:
        extra = b"".join(b"R-- 0000000000000000 00000000 0 " + r.encode()
                         + b"\nO\n" for r in rcpts[1:])
        data = data.replace(b"E\nBHQ2", extra + b"E\nBHQ2")
    data = data.replace(b"R-- 0000000000000000 00000000",
                        b"R-- %016x 00000002" % FUTURE)
    data = data.replace(b"Ssender@remote.example", b"S" + sender.encode())
    path = os.path.join(d.spool, subdir, qid)
    st = os.stat(os.path.join(d.spool, "active"))
    with open(path, "wb") as f:
        f.write(data)
    os.chown(path, st.st_uid, st.st_gid)
    return data


def ctl(d, *args, user=None, stdin=None, prog=None):
    cmd = [BULKCTL, "-c", d.dir] + list(args)
    kw = {}
    if user is not None:
        pw = pwd.getpwnam(user)
        kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
    if prog is not None:
        return subprocess.run([prog, "-c", d.dir] + list(args),
                              capture_output=True, text=True, input=stdin,
                              timeout=30, **kw)
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin,
                          timeout=30, **kw)


def daemon(make_daemon):
    """A daemon whose control socket is its own (not /run's)."""
    tmp_ctl = "control_socket = $config_directory/control\n"
    return make_daemon(extra_main=tmp_ctl)


def queue_with_two(make_daemon):
    d = daemon(make_daemon)
    d.stop()
    base = int(time.time()) - 60
    q1 = "%09X%05X%02X" % (base, 1, 0)
    q2 = "%09X%05X%02X" % (base, 2, 0)
    a = "%s@%s" % (ALICE, DOMAIN)
    b = "%s@%s" % (BOB, DOMAIN)
    plant(d, q1, [a, b])
    plant(d, q2, [b], subdir="hold", sender="")
    d.start()
    # start() saw the first run's lines; wait for this run's queue.
    wait_until(lambda: d.log_count("queue: ready: 2 messages") >= 1,
               "queue to load the planted files")
    return d, q1, q2, a, b


def asc(t):
    return time.asctime(time.localtime(t))[:19]


def test_mailq_layout_and_json(make_daemon, users):
    d, q1, q2, a, b = queue_with_two(make_daemon)
    r = ctl(d, "mailq")
    assert r.returncode == 0, r.stderr
    arrival = int(time.time())   # qfile() stamps the planting time
    size = len(b"Subject: planted\n\nplanted body\n")
    # Postfix's mailq with long queue ids: 17/8/19 columns.
    header = ("----Queue ID----- --Size-- ---Arrival Time---- "
              "--Sender/Recipient------\n")
    footer = "\n\n-- 0 Kbytes in 2 Requests.\n"
    assert r.stdout.startswith(header), r.stdout
    assert r.stdout.endswith(footer), r.stdout
    blocks = r.stdout[len(header):-len(footer)].split("\n\n")
    by_id = {b.split("\n")[0][:16]: b.split("\n") for b in blocks}
    assert len(by_id) == 2, r.stdout
    m1 = by_id[q1]
    assert m1[0][:17] == q1 + " "           # deferred: no marker
    assert m1[0][17] == " "
    assert m1[0][18:26] == "%8d" % size
    assert m1[0][27:46] in (asc(arrival), asc(arrival - 1), asc(arrival - 2))
    assert m1[0][47:] == "sender@remote.example"
    # Deferred: a reason line right-aligned to 78 columns, then the
    # recipients, indented to the sender column.
    assert m1[1] == "%78s" % "(reason unavailable)"
    assert m1[2:] == [" " * 47 + a, " " * 47 + b]
    m2 = by_id[q2]
    assert m2[0][:17] == q2 + "!"           # hold
    assert m2[0][47:] == "MAILER-DAEMON"
    assert m2[1:] == [" " * 47 + b]

    # The JSON listing: postqueue -j's fields, one object per line.
    r = ctl(d, "list", "-j")
    assert r.returncode == 0, r.stderr
    objs = {o["queue_id"]: o for o in map(json.loads,
                                          r.stdout.splitlines())}
    assert set(objs) == {q1, q2}
    assert objs[q1]["queue_name"] == "deferred"
    assert objs[q2]["queue_name"] == "hold"
    assert objs[q1]["message_size"] == size
    assert objs[q1]["sender"] == "sender@remote.example"
    assert objs[q2]["sender"] == ""
    assert objs[q1]["forced_expire"] is False
    assert abs(objs[q1]["arrival_time"] - arrival) < 5
    assert [x["address"] for x in objs[q1]["recipients"]] == [a, b]

    # Anyone may list, also as "mailq".
    os.symlink(BULKCTL, os.path.join(d.dir, "mailq"))
    r = ctl(d, user=ALICE, prog=os.path.join(d.dir, "mailq"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("----Queue ID-----")
    assert q1 in r.stdout and q2 in r.stdout


# Postfix's postqueue/showq_compat.c, long queue ids.
L_STRING_FORMAT = "%-17s %8s %-19s %s\n"
L_SENDER_FORMAT = "%-17s %8d %19.19s %s\n"


def postfix_block(qid, status, size, arrival, sender, rcpts):
    """One message as Postfix's mailq prints it: rcpts are (address,
    reason) pairs, a reason line before each change of reason."""
    out = L_SENDER_FORMAT % (qid + status, size, asc(arrival), sender)
    saved = ""
    for addr, why in rcpts:
        if why != saved:
            saved = why
            show = why or "reason unavailable"
            out += "%*s(%s)\n" % (max(76 - len(show), 0), "", show)
        out += L_STRING_FORMAT % ("", "", "", addr)
    return out


def test_mailq_postfix_columns(make_daemon, users):
    """mailq byte for byte as Postfix's: the blank after the status
    column, the sender at column 48, recipients indented 47; held (!),
    active (*) and deferred messages, a deferred reason line."""
    d = daemon(make_daemon)
    d.stop()
    base = int(time.time()) - 60
    q1 = "%09X%05X%02X" % (base, 1, 0)
    q2 = "%09X%05X%02X" % (base, 2, 0)
    q3 = "%09X%05X%02X" % (base, 3, 0)
    a = "%s@%s" % (ALICE, DOMAIN)
    b = "%s@%s" % (BOB, DOMAIN)
    plant(d, q2, [b], subdir="hold", sender="")
    # Never tried, not due for an hour: in the active queue.
    data = plant(d, q3, [a])
    with open(os.path.join(d.spool, "active", q3), "wb") as f:
        f.write(data.replace(b"%016x 00000002" % FUTURE,
                             b"%016x 00000000" % FUTURE))
    bob = users[BOB]
    md = os.path.join(bob.pw_dir, "Maildir")
    with open(md, "w") as f:
        f.write("not a directory\n")
    try:
        d.start()
        wait_until(lambda: d.log_count("queue: ready: 2 messages") >= 1,
                   "queue to load the planted files")
        with d.smtp() as s:
            s.sendmail("sender@remote.example", [b],
                       b"Subject: stuck\r\n\r\nstuck\r\n")
        wait_until(lambda: "status=deferred" in d.logtext(), "a deferral")
        r = ctl(d, "mailq")
    finally:
        os.unlink(md)
    assert r.returncode == 0, r.stderr
    log = d.logtext()
    q4 = re.search(tag("queue") + r"([0-9A-F]{16}): to=<[^>]*>, [^\n]*"
                   r"status=deferred", log).group(1)
    reason = log.split("status=deferred (")[1].split(")\n")[0]
    size4 = int(log.split(q4 + ": from=<sender@remote.example>, size=")[1]
                .split(",")[0])
    size = len(b"Subject: planted\n\nplanted body\n")
    blocks = r.stdout.split("\n\n")
    assert blocks[0] + "\n" == L_STRING_FORMAT % (
        "----Queue ID-----", "--Size--", "---Arrival Time----",
        "--Sender/Recipient------") + blocks[0].split("\n", 1)[1] + "\n"
    assert blocks[-1] == "-- %d Kbytes in 3 Requests.\n" % (
        (2 * size + size4) // 1024)
    got = {}
    for blk in [blocks[0].split("\n", 1)[1]] + blocks[1:-1]:
        got[blk[:16]] = blk + "\n"
    arrival4 = [t for t in range(int(time.time()) - 20, int(time.time()) + 1)
                if postfix_block(q4, " ", size4, t, "sender@remote.example",
                                 [(b, reason)]) == got.get(q4)]
    assert arrival4, (got.get(q4), postfix_block(
        q4, " ", size4, time.time(), "sender@remote.example", [(b, reason)]))
    planted = [t for t in range(int(time.time()) - 20, int(time.time()) + 1)
               if got.get(q2) == postfix_block(q2, "!", size, t,
                                               "MAILER-DAEMON", [(b, "")])
               and got.get(q3) == postfix_block(q3, "*", size, t,
                                                "sender@remote.example",
                                                [(a, "")])]
    assert planted, r.stdout
    assert set(got) == {q2, q3, q4}, r.stdout


def test_only_root_changes(make_daemon, users):
    d, q1, q2, a, b = queue_with_two(make_daemon)
    for op in ("delete", "hold", "release", "requeue", "cat"):
        r = ctl(d, op, q1, user=ALICE)
        assert r.returncode != 0, op
        assert "permission denied" in r.stderr, r.stderr
    r = ctl(d, "delete", "ALL", user=ALICE)
    assert "permission denied" in r.stderr
    assert os.path.exists(os.path.join(d.spool, "active", q1))
    assert os.path.exists(os.path.join(d.spool, "hold", q2))
    # flush is open to all, as Postfix's authorized_flush_users default.
    r = ctl(d, "flush", user=ALICE)
    assert r.returncode == 0, r.stderr


def test_hold_release_requeue_delete_cat(make_daemon, users):
    d, q1, q2, a, b = queue_with_two(make_daemon)
    r = ctl(d, "cat", q1)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("*** ENVELOPE RECORDS active/%s ***\n" % q1)
    assert "\nsender: sender@remote.example\n" in out
    assert "\nrecipient: %s (pending)\n" % a in out
    assert ("*** MESSAGE CONTENTS active/%s ***\nSubject: planted\n\n"
            "planted body\n*** HEADER EXTRACTED" % q1) in out
    assert out.endswith("*** MESSAGE FILE END active/%s ***\n" % q1)

    r = ctl(d, "hold", q1)
    assert r.returncode == 0 and "1 message" in r.stderr, r.stderr
    assert os.path.exists(os.path.join(d.spool, "hold", q1))
    r = ctl(d, "list", "-j")
    assert {json.loads(x)["queue_name"] for x in r.stdout.splitlines()} \
        == {"hold"}
    # Released: the backoff no longer holds it back, it goes out at once
    # (it may already be gone when release returns).
    r = ctl(d, "release", q1)
    assert r.returncode == 0 and "1 message" in r.stderr, r.stderr
    data, _ = maildir_messages(users[ALICE])[0]
    assert data.endswith(b"planted body\n")
    wait_until(lambda: not os.path.exists(
        os.path.join(d.spool, "active", q1)), "q1 to leave the queue")
    assert not os.path.exists(os.path.join(d.spool, "hold", q1))

    # Requeue: q2's retry time is reset to now, in the file too, but a
    # held message stays held until released.
    held = os.path.join(d.spool, "hold", q2)
    with open(held, "rb") as f:
        assert b"R-- 0000000000000000" not in f.read()
    r = ctl(d, "requeue", q2)
    assert r.returncode == 0 and "Requeued: 1 message" in r.stderr, r.stderr
    with open(held, "rb") as f:
        assert b"R-- 0000000000000000" in f.read()
    wait_until(lambda: "%s: requeued" % q2 in d.logtext(), "the requeue")

    # delete - reads ids from stdin, as postsuper -d -.
    r = ctl(d, "delete", "-", stdin=q2 + "\n")
    assert r.returncode == 0, r.stderr
    assert "Deleted: 1 message" in r.stderr
    assert not os.path.exists(os.path.join(d.spool, "hold", q2))
    assert "%s: removed" % q2 in d.logtext()
    r = ctl(d, "delete", "0123456789ABCDEF")
    assert r.returncode == 1 and "no such message" in r.stderr
    r = ctl(d, "mailq")
    assert r.stdout == "Mail queue is empty\n"


def test_delete_all(make_daemon, users):
    d, q1, q2, a, b = queue_with_two(make_daemon)
    r = ctl(d, "delete", "ALL")
    assert r.returncode == 0, r.stderr
    assert "Deleted: 2 messages" in r.stderr
    assert not os.listdir(os.path.join(d.spool, "active"))
    assert not os.listdir(os.path.join(d.spool, "hold"))
    assert ctl(d, "mailq").stdout == "Mail queue is empty\n"
