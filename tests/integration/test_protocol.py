"""SMTP replies for this slice: RFC 5321 codes with RFC 3463 details."""
import os
import socket

from conftest import ALICE, BOB, DOMAIN, WAIT, wait_until


def test_unknown_local_user_is_refused_at_rcpt(make_daemon):
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail("a@remote.example")
        code, msg = s.rcpt("nosuchuser@" + DOMAIN)
        assert code == 550
        assert msg.startswith(b"5.1.1 <nosuchuser@test.example>")
        # system accounts (uid below local_minimum_uid, and nobody) are
        # not mailboxes
        for system in ("daemon", "nobody"):
            code, msg = s.rcpt(system + "@" + DOMAIN)
            assert code == 550 and msg.startswith(b"5.1.1"), system
        # the transaction survives a refused recipient
        assert s.rcpt(ALICE + "@" + DOMAIN)[0] == 250
    # smtpd's log line travels to master asynchronously
    wait_until(lambda: "550 5.1.1 <nosuchuser@test.example>" in d.logtext(),
               "the reject log line")


def test_relay_is_denied(make_daemon):
    """An open-relay test from outside mynetworks: 127.0.0.2 (all of
    127/8 is loopback; the default mynetworks is 127.0.0.1/32, ::1/128)."""
    import smtplib
    d = make_daemon()
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT,
                      source_address=("127.0.0.2", 0)) as s:
        s.ehlo("client.example")
        s.mail("a@remote.example")
        for rcpt in ("someone@elsewhere.example", "x@[192.0.2.1]",
                     "a%b@elsewhere.example",
                     "@" + DOMAIN + ":x@elsewhere.example"):
            code, msg = s.rcpt(rcpt)
            assert code == 554 and msg.startswith(b"5.7.1"), rcpt
        # our own domains are still accepted
        assert s.rcpt(ALICE + "@" + DOMAIN)[0] == 250
        s.rset()
    assert "554 5.7.1 <someone@elsewhere.example>: Relay access denied" \
        in d.logtext()


def test_relay_allowed_but_not_available(make_daemon):
    """Inside mynetworks, or to relay_domains, relaying is allowed; with no
    route to the domain (default_transport = local, no relayhost), the
    recipient is deferred (451 4.4.0), never accepted."""
    import smtplib
    d = make_daemon(extra_main="relay_domains = relay.example\n"
                    "mynetworks = 127.0.0.3/32\n"
                    # no MX routing (default_transport = smtp would send
                    # it on): nowhere to send it
                    "default_transport = local\n")
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT,
                      source_address=("127.0.0.3", 0)) as s:
        s.ehlo("client.example")
        s.mail("a@remote.example")
        code, msg = s.rcpt("someone@elsewhere.example")
        assert code == 451 and msg.startswith(b"4.4.0"), msg
        assert s.docmd("DATA")[0] == 503      # nothing was accepted
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT,
                      source_address=("127.0.0.2", 0)) as s:
        s.ehlo("client.example")
        s.mail("a@remote.example")
        assert s.rcpt("x@relay.example")[0] == 451
        assert s.rcpt("x@elsewhere.example")[0] == 554
    assert "relaying is allowed for this client, but no transport sends " \
        "mail to that destination (default_transport = local without " \
        "relayhost or transport_maps entry)" in d.logtext()
    assert "no relay agent" not in d.logtext()


def test_commands_out_of_sequence(make_daemon):
    d = make_daemon()
    with d.smtp() as s:
        assert s.docmd("MAIL", "FROM:<a@remote.example>")[0] == 503
        s.ehlo("client.example")
        assert s.docmd("RCPT", "TO:<%s@test.example>" % ALICE)[0] == 503
        assert s.docmd("DATA")[0] == 503
        assert s.docmd("MAIL", "FROM:<a@remote.example>")[0] == 250
        assert s.docmd("MAIL", "FROM:<a@remote.example>")[0] == 503
        assert s.docmd("DATA")[0] == 503
        assert s.docmd("RSET")[0] == 250
        assert s.docmd("RCPT", "TO:<%s@test.example>" % ALICE)[0] == 503


def test_syntax_errors(make_daemon):
    d = make_daemon()
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.docmd("XYZZY")[0] == 502
        assert s.docmd("MAIL", "FROM:missing-brackets@x")[0] == 501
        assert s.docmd("MAIL", "FROM:<a@remote.example> FOO=BAR")[0] == 555
        assert s.docmd("MAIL", "FROM:<a@remote.example>")[0] == 250
        assert s.docmd("RCPT", "TO:<not an address>")[0] == 501
        assert s.docmd("NOOP")[0] == 250
        assert s.docmd("VRFY", ALICE)[0] == 252
        code, _ = s.docmd("X" * 600)
        assert code == 500


def test_ehlo_advertises_size(make_daemon):
    d = make_daemon(extra_main="message_size_limit = 4000\n")
    with d.smtp() as s:
        code, msg = s.ehlo("client.example")
        assert code == 250
        assert b"SIZE 4000" in msg and b"PIPELINING" in msg
        assert s.docmd("MAIL", "FROM:<a@remote.example> SIZE=5000")[0] == 552


def test_oversized_message_is_refused_and_nothing_is_queued(make_daemon):
    d = make_daemon(extra_main="message_size_limit = 4000\n")
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail("a@remote.example")
        s.rcpt(ALICE + "@" + DOMAIN)
        code, msg = s.data(b"Subject: big\r\n\r\n" + b"y" * 8000 + b"\r\n")
        assert code == 552 and msg.startswith(b"5.3.4")
        # the session goes on
        assert s.docmd("NOOP")[0] == 250
    # queue removes the aborted file right after smtpd's 552
    wait_until(lambda: os.listdir(os.path.join(d.spool, "incoming")) == [],
               "the aborted incoming file to go")
    assert os.listdir(os.path.join(d.spool, "active")) == []
    assert "commit" not in d.logtext() and "queue active" not in d.logtext()


def test_pipelined_commands_are_answered_in_order(make_daemon, users):
    d = make_daemon()
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=WAIT)
    f = sock.makefile("rb")
    assert f.readline().startswith(b"220 ")
    sock.sendall(b"EHLO client.example\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    sock.sendall(("MAIL FROM:<a@remote.example>\r\n"
                  "RCPT TO:<{a}@test.example>\r\n"
                  "RCPT TO:<nosuchuser@test.example>\r\n"
                  "RCPT TO:<{b}@test.example>\r\n"
                  "DATA\r\n").format(a=ALICE, b=BOB).encode())
    codes = [f.readline()[:3] for _ in range(5)]
    assert codes == [b"250", b"250", b"550", b"250", b"354"]
    sock.sendall(b"Subject: p\r\n\r\npipelined\r\n.\r\nQUIT\r\n")
    assert f.readline().startswith(b"250 2.0.0 Ok: queued as ")
    assert f.readline().startswith(b"221 ")
    sock.close()


def _assert_no_kill(d):
    log = d.logtext()
    for bad in ("security:", "killing", "protocol violation"):
        assert bad not in log, log[-3000:]


def test_orcpt_with_control_characters_is_refused(make_daemon, users):
    """ORCPT=rfc822;a+0D+0Ab decodes to a CR LF.  smtpd
    refuses it (501 5.5.4, as ENVID) instead of handing it to queue, whose
    decoder took it as a protocol violation and had smtpd killed: every
    other session went down with it."""
    import smtplib
    d = make_daemon()
    other = d.smtp()
    other.ehlo("client.example")
    assert other.mail("a@remote.example")[0] == 250
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT,
                      source_address=("127.0.0.2", 0)) as s:
        s.ehlo("evil.example")
        assert s.mail("x@remote.example")[0] == 250
        for orcpt in ("rfc822;a+0D+0Ab", "rfc822;a+00b", "rfc822;a+09b",
                      "rfc822;a+7F", "rfc822;+E2+80+A8"):
            code, msg = s.docmd("RCPT", "TO:<%s@%s> ORCPT=%s" %
                                (ALICE, DOMAIN, orcpt))
            assert code == 501 and msg.startswith(b"5.5.4"), (orcpt, msg)
        # the session goes on; a clean ORCPT is taken
        code, _ = s.docmd("RCPT", "TO:<%s@%s> ORCPT=rfc822;a+20b@x" %
                          (ALICE, DOMAIN))
        assert code == 250
    # the session that was open all along still sends mail
    assert other.rcpt("%s@%s" % (ALICE, DOMAIN))[0] == 250
    code, msg = other.data(b"Subject: survived\r\n\r\nstill here\r\n")
    assert code == 250, msg
    other.quit()
    from conftest import maildir_messages
    got = maildir_messages(users[ALICE])
    assert b"still here" in got[0][0]
    _assert_no_kill(d)


def test_long_rcpt_line_with_orcpt_is_accepted(make_daemon, users):
    """RFC 3461 lets NOTIFY and ORCPT lengthen a RCPT
    line by 500 octets, and a relay's ORCPT in xtext may be longer still;
    a 900-octet RCPT line is taken and the message delivered.  Other
    commands keep the 512-octet limit."""
    from conftest import maildir_messages
    d = make_daemon()
    orcpt = "rfc822;" + "+41" * 200 + "@relay.example"
    head = "RCPT TO:<%s@%s> NOTIFY=SUCCESS,FAILURE ORCPT=" % (ALICE, DOMAIN)
    pad = 900 - 2 - len(head) - len(orcpt)
    assert pad > 0
    orcpt = "rfc822;" + "b" * pad + "+41" * 200 + "@relay.example"
    line = head + orcpt
    assert len(line) + 2 == 900
    with d.smtp() as s:
        s.ehlo("relay.example")
        assert s.mail("a@remote.example")[0] == 250
        s.send((line + "\r\n").encode())
        code, msg = s.getreply()
        assert code == 250, msg
        code, msg = s.data(b"Subject: long rcpt\r\n\r\nbody\r\n")
        assert code == 250, msg
        # beyond a parameter's bound, or the line's: refused, the session
        # goes on
        assert s.mail("a@remote.example")[0] == 250
        s.send(("RCPT TO:<%s@%s> ORCPT=rfc822;%s\r\n" %
                (ALICE, DOMAIN, "x" * 1100)).encode())
        assert s.getreply()[0] == 501
        s.send(("RCPT TO:<%s@%s> ORCPT=rfc822;%s NOTIFY=%s\r\n" %
                (ALICE, DOMAIN, "x" * 1000, "N" * 1100)).encode())
        assert s.getreply()[0] == 500
        assert s.noop()[0] == 250
    got = maildir_messages(users[ALICE])
    assert b"long rcpt" in got[0][0]
