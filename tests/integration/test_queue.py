"""The queue compartment: DSN notices, damaged queue files, restart."""
import email
import email.policy
import os
import time

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until

ALIASES = ("postmaster: {a}\nteam: {a}, {b}\n"
           "broken: nosuchuser-{a}-x\n").format(a=ALICE, b=BOB)


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.compat32)


def report_parts(msg):
    """(human, per-message fields, [per-recipient fields], original)."""
    assert msg.get_content_type() == "multipart/report", msg
    assert msg.get_param("report-type") == "delivery-status"
    parts = msg.get_payload()
    assert len(parts) in (2, 3), [p.get_content_type() for p in parts]
    assert parts[0].get_content_type() == "text/plain"
    assert parts[1].get_content_type() == "message/delivery-status"
    blocks = parts[1].get_payload()   # one Message per field block
    return parts[0], blocks[0], blocks[1:], parts[2] if len(parts) > 2 \
        else None


def test_bounce_is_a_multipart_report(make_daemon, users):
    """A recipient that fails for good: the sender gets an RFC 3464 DSN
    with the right Action/Status per recipient; the others deliver."""
    d = make_daemon(aliases=ALIASES)
    sender = "%s@%s" % (ALICE, DOMAIN)
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.mail(sender)[0] == 250
        assert s.rcpt("broken@" + DOMAIN)[0] == 250
        assert s.rcpt("%s@%s" % (BOB, DOMAIN))[0] == 250
        code, _ = s.data(b"Subject: will bounce\r\nX-Tag: t1\r\n\r\n"
                         b"original body\r\n")
        assert code == 250
    bob = maildir_messages(users[BOB])
    assert b"original body" in bob[0][0]
    data, _ = maildir_messages(users[ALICE])[0]
    assert data.startswith(b"Return-Path: <>\n")   # a notice is from <>
    msg = parse(data)
    assert msg["To"] == "<%s>" % sender
    assert msg["Auto-Submitted"] == "auto-replied"
    human, per_msg, per_rcpt, orig = report_parts(msg)
    assert per_msg["Reporting-MTA"] == "dns; mx." + DOMAIN
    assert per_msg["Arrival-Date"]
    assert len(per_rcpt) == 1            # only the failed recipient
    r = per_rcpt[0]
    assert r["Final-Recipient"] == "rfc822; broken@" + DOMAIN
    assert r["Action"] == "failed"
    assert r["Status"].startswith("5."), r["Status"]
    # No RET: the whole message comes back.
    assert orig.get_content_type() == "message/rfc822"
    inner = orig.get_payload()[0]
    assert inner["X-Tag"] == "t1"
    assert "original body" in inner.get_payload()
    log = d.logtext()
    assert "sender non-delivery notification" in log
    assert "DSN bounces are not implemented" not in log
    # The original is gone from the queue once the notice is queued.
    wait_until(lambda: not os.listdir(os.path.join(d.spool, "active")),
               "the queue to empty")


def test_no_bounce_to_null_sender(make_daemon, users):
    """A message from <> that fails goes to postmaster, never to <>."""
    d = make_daemon(aliases=ALIASES)
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.mail("<>")[0] == 250
        assert s.rcpt("broken@" + DOMAIN)[0] == 250
        assert s.data(b"Subject: a bounce\r\n\r\nbody\r\n")[0] == 250
    # postmaster is ALICE through the aliases.
    data, _ = maildir_messages(users[ALICE])[0]
    msg = parse(data)
    assert msg["To"] == "<postmaster@mx.%s>" % DOMAIN
    _, _, per_rcpt, _ = report_parts(msg)
    assert per_rcpt[0]["Action"] == "failed"
    log = d.logtext()
    assert "to=<>" not in log
    wait_until(lambda: not os.listdir(os.path.join(d.spool, "active")),
               "the queue to empty")
    assert not os.listdir(os.path.join(users[BOB].pw_dir, "Maildir", "new")) \
        if os.path.isdir(os.path.join(users[BOB].pw_dir, "Maildir",
                                      "new")) else True


# ---- damaged queue files ------------------------------------------------

QID_GOOD = "%09X0000101" % int(time.time())


def qfile(qid, rcpt, content=b"Subject: planted\n\nplanted body\n",
          version=b"2", named_qid=None):
    """A queue file as queue writes it (see queue/qfile.h)."""
    env = b"".join([
        b"V" + version + b"\n",
        b"I" + (named_qid or qid).encode() + b"\n",
        b"T%d\n" % int(time.time()),
        b"Z%d\n" % len(content),
        b"Ssender@remote.example\n", b"Hclient.example\n",
        b"C127.0.0.1\n", b"N\n", b"Q0\n", b"F0\n", b"X\n", b"W-\n",
        b"R-- 0000000000000000 00000000 0 " + rcpt.encode() + b"\n",
        b"O\n", b"E\n"])
    return content + env + b"BHQ2 %016x\n" % len(content)


def test_corrupt_files_moved_aside(make_daemon, users):
    """Damaged files of many kinds go to corrupt/ with a log line, never
    deleted; a good file planted with them is delivered."""
    d = make_daemon()
    d.stop()
    active = os.path.join(d.spool, "active")
    st = os.stat(active)
    base = int(time.time())
    good = qfile(QID_GOOD, "%s@%s" % (BOB, DOMAIN))
    names = ["%09X%05X%02X" % (base, i, 0) for i in range(1, 8)]
    bad = {
        names[0]: good[:len(good) // 2],                  # truncated
        names[1]: qfile(names[1], "x@y", version=b"9"),   # bad version
        names[2]: os.urandom(3000),                       # garbage
        names[3]: qfile(names[3], "x@y", named_qid=QID_GOOD),  # wrong id
        names[4]: b"",                                    # empty
        names[5]: good[:-1],                              # trailer cut
        "not-a-queue-id": qfile(names[6], "x@y"),         # bad name
    }
    files = dict(bad)
    files[QID_GOOD] = good
    for name, data in files.items():
        path = os.path.join(active, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, st.st_uid, st.st_gid)
        os.chmod(path, 0o600)
    d.start()
    wait_until(lambda: d.log_count("queue: ready") >= 2, "queue to restart")
    data, _ = maildir_messages(users[BOB])[0]
    assert data.endswith(b"planted body\n"), data
    corrupt = os.path.join(d.spool, "corrupt")
    wait_until(lambda: len(os.listdir(corrupt)) == len(bad),
               "the damaged files in corrupt/")
    for name, content in bad.items():
        with open(os.path.join(corrupt, name), "rb") as f:
            assert f.read() == content, name      # moved, byte for byte
    log = d.logtext()
    for name in bad:
        assert "%s: corrupt queue file" % name in log, name
    wait_until(lambda: not os.listdir(active), "the queue to empty")


def test_restart_keeps_schedule(make_daemon, users):
    """A deferred recipient's next try survives a restart: the file holds
    it, and a restart does not retry it early."""
    d = make_daemon()
    d.stop()
    active = os.path.join(d.spool, "active")
    st = os.stat(active)
    qid = "%09X0000201" % int(time.time())
    data = qfile(qid, "%s@%s" % (BOB, DOMAIN))
    later = int(time.time()) + 3600
    data = data.replace(b"R-- 0000000000000000 00000000",
                        b"R-- %016x 00000003" % later)
    path = os.path.join(active, qid)
    with open(path, "wb") as f:
        f.write(data)
    os.chown(path, st.st_uid, st.st_gid)
    d.start()
    time.sleep(2)
    assert os.path.exists(path)
    new = os.path.join(users[BOB].pw_dir, "Maildir", "new")
    assert not os.path.isdir(new) or not os.listdir(new)
    d.stop()
    # Now due: delivered at the next start.
    data = data.replace(b"R-- %016x" % later, b"R-- %016x" % 1)
    with open(path, "wb") as f:
        f.write(data)
    d.start()
    out, _ = maildir_messages(users[BOB])[0]
    assert out.endswith(b"planted body\n")


def test_delay_warning_then_expiry_bounce(make_daemon, users):
    """A recipient that keeps failing temporarily: one delay warning after
    delay_warning_time, a failure notice once maximal_queue_lifetime is
    over; both RFC 3464 reports to the sender, with the recipient's
    Action and a 4.x.x Status."""
    d = make_daemon(aliases=ALIASES, extra_main=(
        "minimal_backoff_time = 1s\nmaximal_backoff_time = 1s\n"
        "queue_run_delay = 1s\ndelay_warning_time = 1s\n"
        "maximal_queue_lifetime = 6s\n"))
    bob = users[BOB]
    # A Maildir the writer cannot use: delivery fails temporarily.
    md = os.path.join(bob.pw_dir, "Maildir")
    with open(md, "w") as f:
        f.write("not a directory\n")
    try:
        sender = "%s@%s" % (ALICE, DOMAIN)
        with d.smtp() as s:
            s.sendmail(sender, ["%s@%s" % (BOB, DOMAIN)],
                       b"Subject: stuck\r\nX-Tag: t2\r\n\r\nstuck body\r\n")
        notes = maildir_messages(users[ALICE], count=2, timeout=30)
    finally:
        os.unlink(md)
    kinds = {}
    for data, _ in notes:
        msg = parse(data)
        _, per_msg, per_rcpt, orig = report_parts(msg)
        assert len(per_rcpt) == 1
        r = per_rcpt[0]
        assert r["Final-Recipient"] == "rfc822; %s@%s" % (BOB, DOMAIN)
        assert r["Status"].startswith("4."), r["Status"]
        kinds[r["Action"]] = msg
    assert set(kinds) == {"delayed", "failed"}, list(kinds)
    assert kinds["delayed"]["Subject"].startswith("Delayed Mail")
    assert kinds["failed"]["Subject"] == "Undelivered Mail Returned to " \
        "Sender"
    log = d.logtext()
    assert "sender delay notification" in log
    assert "status=expired" in log
    wait_until(lambda: not os.listdir(os.path.join(d.spool, "active")),
               "the queue to empty")


def test_delivered_files_are_emptied_and_reused(make_daemon, users):
    """A delivered message's queue file is emptied at once (no mail
    lingers in the spool), kept in spare/, and the next message received
    reuses it; a restart empties spare/."""
    d = make_daemon()
    spare = os.path.join(d.spool, "spare")
    rcpt = "%s@%s" % (BOB, DOMAIN)

    def spares():
        return {n: os.lstat(os.path.join(spare, n)) for n in os.listdir(spare)}

    with d.smtp() as s:
        s.sendmail("a@remote.example", [rcpt],
                   b"Subject: one\r\n\r\n" + b"secret body\r\n" * 100)
    maildir_messages(users[BOB], count=1)
    first = wait_until(lambda: spares() or None, "a file in spare/")
    assert len(first) == 1, first
    (name, st), = first.items()
    assert st.st_size == 0 and st.st_nlink == 1
    assert st.st_mode & 0o7777 == 0o600
    assert "%s: removed" % name in d.logtext()
    with d.smtp() as s:
        _, _ = s.ehlo("c.example")
        s.mail("a@remote.example")
        s.rcpt(rcpt)
        code, reply = s.data(b"Subject: two\r\n\r\nsecond\r\n")
    assert code == 250
    qid = reply.decode().rsplit(" ", 1)[1]
    maildir_messages(users[BOB], count=2)
    # The second message came in the first one's file (same inode), now
    # emptied again under its own id.
    now = wait_until(lambda: spares().get(qid), "%s in spare/" % qid)
    assert now.st_ino == st.st_ino and now.st_size == 0
    assert name not in spares()
    d.stop()
    d.start()
    wait_until(lambda: spares() == {}, "spare/ to be emptied")
