"""A message's way through: SMTP in, Maildir out, through every compartment."""
import re
import subprocess

from conftest import ALICE, BOB, DOMAIN, maildir_messages, split_delivered, \
    tag, wait_until

SENDER = "sender@remote.example"

# Lines that exercise transparency (RFC 5321 4.5.2), 8-bit text, blank
# lines, trailing blanks and a long line.
BODY = (b"From: Sender <sender@remote.example>\r\n"
        b"To: team@test.example\r\n"
        b"Subject: compartments\r\n"
        b"\r\n"
        b"first line\r\n"
        b".leading dot\r\n"
        b"..two dots\r\n"
        b". \r\n"
        b"\r\n"
        b"trailing blanks   \r\n"
        b"8-bit: \xc3\xa9t\xc3\xa9\r\n"
        + b"x" * 900 + b"\r\n"
        b"last line\r\n")


def expected_body(raw):
    return raw.replace(b"\r\n", b"\n")


def test_smtplib_to_two_users_and_an_alias(make_daemon, sandbox, users):
    d = make_daemon(sandbox)
    rcpts = [ALICE + "@" + DOMAIN, BOB + "@" + DOMAIN, "team@" + DOMAIN]
    with d.smtp() as s:
        s.ehlo("client.example")
        refused = s.sendmail(SENDER, rcpts, BODY)
        assert refused == {}
    # Each is a recipient itself and a member of "team": one mailbox gets
    # one copy per message (this was 2 copies before).
    wait_until(lambda: re.search(tag("queue") + r"[0-9A-F]{16}: removed",
                                 d.logtext()), "the message to be done")
    for user in (ALICE, BOB):
        pw = users[user]
        msgs = maildir_messages(pw, count=1)
        assert len(msgs) == 1
        qids = set()
        for data, st in msgs:
            rp, dt, qid, rest = split_delivered(data)
            assert rp == SENDER.encode()
            assert dt == ("%s@%s" % (user, DOMAIN)).encode()
            assert rest == expected_body(BODY)
            assert st.st_uid == pw.pw_uid and st.st_gid == pw.pw_gid
            assert st.st_mode & 0o777 == 0o600
            qids.add(qid)
        assert len(qids) == 1      # one queue file for the one message
    qid = qids.pop().decode()
    # The files are in place before queue hears back and removes the
    # message: wait for that, or a slow (sanitizer) run races it.
    wait_until(lambda: d.log_count("queue: %s: removed" % qid),
               "the queue file to be removed")
    log = d.logtext()
    assert re.search(tag("queue") + r"%s: from=<%s>, size=\d+, nrcpt=3 "
                     r"\(queue active\)" % (qid, SENDER), log)
    for r in rcpts:
        assert re.search(tag("queue") + r"%s: to=<%s>, relay=local, "
                         r"delay=\d+, dsn=2\.0\.0, status=sent" % (qid, r),
                         log), r
    assert d.log_count("queue: %s: removed" % qid) == 1


def swaks_sent_data(transcript):
    """The message as swaks sent it (its " -> " lines after 354), in LF
    form and with the transparency dots removed, as a reader sees it."""
    lines, inside = [], False
    for line in transcript.split("\n"):
        if line.startswith("<-  354"):
            inside = True
        elif inside and line == " -> .":
            break
        elif inside and line.startswith(" -> "):
            text = line[4:]
            lines.append(text[1:] if text.startswith(".") else text)
    return ("\n".join(lines) + "\n").encode()


def test_swaks_to_two_users_and_an_alias(make_daemon, users):
    d = make_daemon()
    out = subprocess.run(
        ["swaks", "--server", "127.0.0.1:%d" % d.port,
         "--from", SENDER, "--helo", "swaks.example",
         "--to", "%s@%s,%s@%s,team@%s" % (ALICE, DOMAIN, BOB, DOMAIN, DOMAIN),
         "--header", "Subject: swaks test",
         "--body", "hello from swaks\n.dotted line\nend"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"<-  250 2\.0\.0 Ok: queued as [0-9A-F]{16}",
                     out.stdout)
    sent = swaks_sent_data(out.stdout)
    assert b"Subject: swaks test\n" in sent
    assert b"\n\nhello from swaks\n.dotted line\nend\n" in sent
    # one copy per mailbox and message, though alias and user overlap
    wait_until(lambda: re.search(tag("queue") + r"[0-9A-F]{16}: removed",
                                 d.logtext()), "the message to be done")
    for user in (ALICE, BOB):
        msgs = maildir_messages(users[user], count=1)
        assert len(msgs) == 1
        for data, _ in msgs:
            _, dt, _, rest = split_delivered(data)
            assert dt == ("%s@%s" % (user, DOMAIN)).encode()
            assert rest == sent


def test_postmaster_without_domain(make_daemon, users):
    """RFC 5321 4.5.1: <Postmaster> must be accepted."""
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail(SENDER)
        code, msg = s.rcpt("<Postmaster>")
        assert code == 250, msg
        code, msg = s.data(b"Subject: hi\r\n\r\nto the postmaster\r\n")
        assert code == 250, msg
    data, _ = maildir_messages(users[ALICE])[0]
    assert split_delivered(data)[3].endswith(b"\nto the postmaster\n")


def test_null_sender(make_daemon, users):
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.mail("<>")[0] == 250
        assert s.rcpt(BOB + "@" + DOMAIN)[0] == 250
        assert s.data(b"Subject: bounce\r\n\r\nbody\r\n")[0] == 250
    data, _ = maildir_messages(users[BOB])[0]
    assert data.startswith(b"Return-Path: <>\n")
