"""Hop-count protection (Postfix's hopcount_limit, default 50): a message
whose header carries that many Received: fields, the one this host adds
included, is refused at the end of DATA with "554 5.4.0 Error: too many
hops" (nothing queued), or bounced when it is a local submission; a mail
loop therefore ends in a bounce instead of going round forever."""
import os
import re
import shutil
import socket
import tempfile
import time

from conftest import ALICE, BOB, DOMAIN, WAIT, maildir_messages, wait_until
from test_relay import FAST, status_lines
from test_sendmail import plant

RCVD = ("Received: from hop%d.example (hop%d.example [192.0.2.%d])\r\n"
        "\tby relay%d.example (Postfix) with ESMTP id ABC%d\r\n"
        "\tfor <x@example.org>; Thu, 3 Dec 2026 12:00:00 +0000\r\n")


def received(n):
    return "".join(RCVD % (k, k, k % 250 + 1, k, k) for k in range(n))


def message(n, subject="hops"):
    return ("%sSubject: %s\r\nFrom: <x@example.org>\r\n\r\nbody\r\n"
            % (received(n), subject)).encode()


def new_files(pw):
    try:
        return os.listdir(os.path.join(pw.pw_dir, "Maildir", "new"))
    except FileNotFoundError:
        return []


def test_too_many_received_fields_are_refused(make_daemon, users):
    """49 Received: fields from the client and the one smtpd adds make
    50: refused at the end of DATA with Postfix's reply, nothing queued
    or delivered, the session goes on; 48 (49 with ours) are delivered
    with every field kept."""
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail("x@example.org")
        assert s.rcpt("%s@%s" % (ALICE, DOMAIN))[0] == 250
        code, msg = s.data(message(49))
        assert (code, msg) == (554, b"5.4.0 Error: too many hops"), \
            (code, msg)
        # the session goes on: the next message is taken
        s.mail("x@example.org")
        assert s.rcpt("%s@%s" % (ALICE, DOMAIN))[0] == 250
        code, msg = s.data(message(48, "kept"))
        assert code == 250, (code, msg)
    [(data, _)] = maildir_messages(users[ALICE])
    head = data.split(b"\n\n", 1)[0]
    assert len(re.findall(rb"^Received:", head, re.M)) == 49, head
    assert b"Subject: kept" in head
    time.sleep(0.5)
    assert len(new_files(users[ALICE])) == 1
    log = d.logtext()
    assert re.search(r"[0-9A-F]{16}: reject: END-OF-MESSAGE from "
                     r"unknown\[127\.0\.0\.1\]: 554 5\.4\.0 Error: too many "
                     r"hops; from=<x@example\.org>", log), log
    assert log.count("(queue active)") == 1, log


def raw_session(d):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=WAIT)
    f = s.makefile("rb")

    def reply():
        lines = []
        while True:
            line = f.readline()
            assert line, lines
            lines.append(line)
            if line[3:4] != b"-":
                return lines[-1]
    reply()
    return s, reply


def test_received_split_across_chunks_counts(make_daemon, users):
    """BDAT chunks that cut the field names apart, names in any case and
    with blanks before the colon: every Received: field counts; the
    limit is a parameter (hopcount_limit = 5)."""
    d = make_daemon(extra_main="hopcount_limit = 5\n")
    head = ("Received: a\r\n\tfolded\r\nRECEIVED: b\r\nreceived : c\r\n"
            "Received-SPF: none\r\nReceived: d\r\nSubject: cut\r\n\r\n"
            "Received: in the body\r\n").encode()
    cut = head.index(b"eived : c")
    s, reply = raw_session(d)
    try:
        s.sendall(b"EHLO client.example\r\n")
        assert reply().startswith(b"250 ")
        s.sendall(b"MAIL FROM:<x@example.org>\r\n")
        assert reply().startswith(b"250")
        s.sendall(b"RCPT TO:<%s@%s>\r\n" % (ALICE.encode(), DOMAIN.encode()))
        assert reply().startswith(b"250")
        s.sendall(b"BDAT %d\r\n" % cut + head[:cut])
        assert reply().startswith(b"250")
        s.sendall(b"BDAT %d LAST\r\n" % (len(head) - cut) + head[cut:])
        assert reply() == b"554 5.4.0 Error: too many hops\r\n"
        # four fields and ours make five: one less is delivered
        head2 = head.replace(b"Received: d\r\n", b"")
        s.sendall(b"MAIL FROM:<x@example.org>\r\n")
        assert reply().startswith(b"250")
        s.sendall(b"RCPT TO:<%s@%s>\r\n" % (ALICE.encode(), DOMAIN.encode()))
        assert reply().startswith(b"250")
        s.sendall(b"BDAT %d LAST\r\n" % len(head2) + head2)
        assert reply().startswith(b"250 2.0.0 Ok: queued as")
        s.sendall(b"QUIT\r\n")
        reply()
    finally:
        s.close()
    [(data, _)] = maildir_messages(users[ALICE])
    assert b"Subject: cut" in data


def test_local_submission_with_too_many_hops_bounces(make_daemon, users):
    """A drop file whose header has 49 Received: fields (pickup adds the
    50th): as Postfix's cleanup does, the message is not delivered and
    its sender gets a notice (5.4.0, too many hops); the drop file is
    gone.  48 are delivered."""
    d = make_daemon()
    uid = users[ALICE].pw_uid
    env = b"bulkdrop 1\nrcpt %s@%s\n\n" % (BOB.encode(), DOMAIN.encode())
    body = message(49, "looped").replace(b"\r\n", b"\n")
    plant(d, "0123456789ABCDE1", env + body, uid)
    [(notice, _)] = maildir_messages(users[ALICE])
    assert b"5.4.0" in notice and b"too many hops" in notice, notice
    assert re.search(rb"Final-Recipient: rfc822; ?%s@%s" % (
        BOB.encode(), DOMAIN.encode()), notice, re.I), notice
    log = d.logtext()
    assert "message rejected: hopcount exceeded (50 Received: header " \
        "fields)" in log, log
    assert re.search(r"to=<%s@%s>, relay=none, .*dsn=5\.4\.0, "
                     r"status=bounced \(too many hops\)" % (BOB, DOMAIN),
                     log), log
    wait_until(lambda: os.listdir(os.path.join(d.spool, "maildrop")) ==
               ["corrupt"], "the drop file to go")
    assert new_files(users[BOB]) == []
    body = message(48, "not looped").replace(b"\r\n", b"\n")
    plant(d, "0123456789ABCDE2", env + body, uid)
    [(data, _)] = maildir_messages(users[BOB])
    assert b"Subject: not looped" in data


def test_relay_loop_ends_in_a_bounce(make_daemon, users):
    """Two hosts send loop.example to each other (transport_maps,
    smtp:[127.0.0.1]:the other's port; each greets with a name of its
    own, so relay's EHLO check cannot see the loop): each pass adds a
    Received: field until smtpd refuses the 50th with 554 5.4.0; the
    relay bounces the recipient and the sender gets the notice.
    Bounded: no further pass after that."""
    tmp = tempfile.mkdtemp(prefix="bh-loop-")
    os.chmod(tmp, 0o755)
    tables = [os.path.join(tmp, "transport%d" % i) for i in (0, 1)]
    for t in tables:
        with open(t, "w") as f:       # the ports are known below
            f.write("loop.example smtp:[127.0.0.1]:25\n")
    ds = [make_daemon(start=False, extra_main="transport_maps = %s\n%s%s"
                      % (t, FAST, extra))
          for t, extra in ((tables[0], ""),
                           (tables[1], "myhostname = mx2.%s\n" % DOMAIN))]
    for t, other in ((tables[0], ds[1]), (tables[1], ds[0])):
        with open(t, "w") as f:
            f.write("loop.example smtp:[127.0.0.1]:%d\n" % other.port)
    for d in ds:
        d.start()
    with ds[0].smtp() as s:
        s.sendmail("%s@%s" % (ALICE, DOMAIN), ["a@loop.example"],
                   b"Subject: round and round\r\n\r\nhello\r\n")

    def bounces():
        return status_lines(ds[0], "bounced") + status_lines(ds[1],
                                                            "bounced")
    bounced = wait_until(bounces, "a bounce", timeout=90)
    assert "to=<a@loop.example>, relay=127.0.0.1[127.0.0.1]:" in \
        bounced[0] and "dsn=5.4.0" in bounced[0] and \
        "554 5.4.0 Error: too many hops" in bounced[0], bounced
    [(notice, _)] = wait_until(lambda: maildir_messages(users[ALICE]),
                               "the notice")
    assert b"too many hops" in notice and b"a@loop.example" in notice

    def passes():
        return sum(len(re.findall(r"from=<%s@%s>, size=\d+, nrcpt=1 "
                                  r"\(queue active\)" % (ALICE, DOMAIN),
                                  d.logtext())) for d in ds)
    # passes 1 .. 49 carry that many fields; the 50th is refused
    assert passes() == 49, passes()
    time.sleep(2)
    assert passes() == 49
    assert len(bounces()) == 1
    assert sum(d.log_count("Error: too many hops") for d in ds) >= 1
    shutil.rmtree(tmp, ignore_errors=True)


def test_relay_loop_to_myself_ends_at_the_first_pass(make_daemon, users):
    """transport_maps sends loop.example back to bulkhead itself
    (smtp:[127.0.0.1]:its own port): relay sees its own myhostname in the
    EHLO reply, as Postfix's smtp(8) does, and the recipient bounces 5.4.6
    at the first pass, with a notice to the sender."""
    tmp = tempfile.mkdtemp(prefix="bh-loop-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "transport")
    with open(table, "w") as f:       # the port is known below
        f.write("loop.example smtp:[127.0.0.1]:25\n")
    d = make_daemon(start=False, extra_main="transport_maps = %s\n%s"
                    % (table, FAST))
    with open(table, "w") as f:
        f.write("loop.example smtp:[127.0.0.1]:%d\n" % d.port)
    d.start()
    with d.smtp() as s:
        s.sendmail("%s@%s" % (ALICE, DOMAIN), ["a@loop.example"],
                   b"Subject: round and round\r\n\r\nhello\r\n")
    bounced = wait_until(lambda: status_lines(d, "bounced"), "a bounce")
    assert "to=<a@loop.example>, relay=127.0.0.1[127.0.0.1]:%d" % d.port \
        in bounced[0] and "dsn=5.4.6, status=bounced (mail for " \
        "loop.example loops back to myself)" in bounced[0], bounced
    [(notice, _)] = wait_until(lambda: maildir_messages(users[ALICE]),
                               "the notice")
    assert b"loops back to myself" in notice and b"a@loop.example" in notice
    assert d.log_count("replied to HELO/EHLO with my own hostname mx.%s"
                       % DOMAIN) == 1
    time.sleep(1)
    assert len(status_lines(d, "bounced")) == 1
    shutil.rmtree(tmp, ignore_errors=True)
