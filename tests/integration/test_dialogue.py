"""
Scripted SMTP dialogues: raw bytes in, reply codes out, for every command
in every state, pipelined batches, end-of-data variants, over-long lines,
NUL bytes, unknown parameters, pre-greet talkers and limits.
"""
import os
import re
import select
import shutil
import tempfile
import time

import pytest

from conftest import (ALICE, BOB, DOMAIN, WAIT, Daemon, free_port,
                      wait_until)
from dialogue import CLOSE, Dialogue, run

A = ("%s@%s" % (ALICE, DOMAIN)).encode()
B = ("%s@%s" % (BOB, DOMAIN)).encode()
EHLO = (b"EHLO client.example\r\n", [250])
MAIL = (b"MAIL FROM:<s@remote.example>\r\n", [250])
RCPT = (b"RCPT TO:<" + A + b">\r\n", [250])
DATA = (b"DATA\r\n", [354])


def start(users, extra_main=""):
    tmp = tempfile.mkdtemp(prefix="bh-dlg-")
    os.chmod(tmp, 0o755)
    d = Daemon(tmp, free_port(), "chroot", extra_main,
               "postmaster: %s\n" % ALICE)
    d.start()
    return d


def stop(d):
    d.stop()
    log = d.logtext()
    shutil.rmtree(d.dir, ignore_errors=True)
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                "blocked call #"):
        assert bad not in log, log


@pytest.fixture(scope="module")
def daemon(users):
    d = start(users)
    yield d
    stop(d)


@pytest.fixture
def daemon_with(users):
    made = []

    def make(extra_main):
        d = start(users, extra_main)
        made.append(d)
        return d
    yield make
    for d in made:
        stop(d)


def body_of(data):
    """The message as stored, after Return-Path, Delivered-To, Received."""
    m = re.match(rb"^Return-Path: <[^>]*>\nDelivered-To: [^\n]+\n"
                 rb"Received: from [^\n]*\n(?:\t[^\n]*\n)+", data)
    assert m, data[:300]
    return data[m.end():]


# ---- every command in every state ----

STATE_CASES = {
    "before HELO": [
        (b"MAIL FROM:<s@remote.example>\r\n", [503]),
        (b"RCPT TO:<" + A + b">\r\n", [503]),
        (b"DATA\r\n", [503]),
        (b"RSET\r\n", [250]),
        (b"NOOP\r\n", [250]),
        (b"VRFY " + A + b"\r\n", [252]),
        (b"EXPN team\r\n", [502]),
        (b"HELP\r\n", [214]),
        (b"STARTTLS\r\n", [502]),
        (b"BDAT 4 LAST\r\nNOOP", [503]),   # the 4 octets are skipped

        (b"AUTH PLAIN\r\n", [503]),
        (b"XYZZY\r\n", [502]),
        (b"QUIT\r\n", [221, CLOSE]),
    ],
    "after HELO": [
        (b"HELO client.example\r\n", [250]),
        (b"RCPT TO:<" + A + b">\r\n", [503]),
        (b"DATA\r\n", [503]),
        (b"MAIL FROM:<s@remote.example> SIZE=10\r\n", [555]),  # no EHLO
        MAIL,
        (b"QUIT\r\n", [221, CLOSE]),
    ],
    "after MAIL": [
        EHLO, MAIL,
        (b"MAIL FROM:<s@remote.example>\r\n", [503]),
        (b"DATA\r\n", [503]),
        (b"NOOP\r\n", [250]),
        (b"VRFY x\r\n", [252]),
        RCPT,
        (b"RCPT TO:<" + B + b">\r\n", [250]),
        (b"MAIL FROM:<s@remote.example>\r\n", [503]),
        (b"RSET\r\n", [250]),
        (b"RCPT TO:<" + A + b">\r\n", [503]),
        (b"DATA\r\n", [503]),
    ],
    "EHLO resets the transaction": [
        EHLO, MAIL, RCPT, EHLO,
        (b"DATA\r\n", [503]),
        (b"RCPT TO:<" + A + b">\r\n", [503]),
        MAIL,
    ],
    "verbs are case-insensitive": [
        (b"ehlo client.example\r\n", [250]),
        (b"mail from:<s@remote.example>\r\n", [250]),
        (b"Rcpt To:<" + A + b">\r\n", [250]),
        (b"rSeT\r\n", [250]),
        (b"nOoP\r\n", [250]),
        (b"quit\r\n", [221, CLOSE]),
    ],
    "syntax errors": [
        (b"HELO\r\n", [501]),
        (b"EHLO\r\n", [501]),
        EHLO,
        (b"MAIL\r\n", [501]),
        (b"MAIL TO:<s@remote.example>\r\n", [501]),
        (b"MAIL FROM:s@remote.example\r\n", [501]),
        MAIL,
        (b"RCPT TO:<>\r\n", [501]),
        (b"RCPT FROM:<" + A + b">\r\n", [501]),
        (b"RCPT TO:<a b@test.example>\r\n", [501]),
        (b"RSET now\r\n", [501]),
        (b"VRFY\r\n", [501]),
        (b"MAILFROM:<s@remote.example>\r\n", [502]),
    ],
    "unknown parameters": [
        EHLO,
        (b"MAIL FROM:<s@remote.example> FOO=BAR\r\n", [555]),
        (b"MAIL FROM:<s@remote.example> BODY=9BIT\r\n", [501]),
        (b"MAIL FROM:<s@remote.example> SIZE=1 SIZE=2\r\n", [501]),
        (b"MAIL FROM:<s@remote.example> BODY=8BITMIME SIZE=100\r\n", [250]),
        (b"RCPT TO:<" + A + b"> XFOO\r\n", [555]),
        RCPT,
    ],
    "SIZE: early 552": [
        EHLO,
        (b"MAIL FROM:<s@remote.example> SIZE=12a\r\n", [501]),
        (b"MAIL FROM:<s@remote.example> SIZE=99999999999999999999\r\n",
         [552]),
        (b"MAIL FROM:<s@remote.example> SIZE=10240001\r\n", [552]),
        (b"MAIL FROM:<s@remote.example> SIZE=10240000\r\n", [250]),
    ],
    "DSN parameters": [
        EHLO,
        (b"MAIL FROM:<s@remote.example> RET=FULLER\r\n", [501]),
        (b"MAIL FROM:<s@remote.example> ENVID=a=b\r\n", [501]),
        (b"MAIL FROM:<s@remote.example> ENVID=a+2\r\n", [501]),
        (b"MAIL FROM:<s@remote.example> RET=HDRS ENVID=id+2B1\r\n", [250]),
        (b"RCPT TO:<" + A + b"> NOTIFY=NEVER,SUCCESS\r\n", [501]),
        (b"RCPT TO:<" + A + b"> NOTIFY=SOMETIMES\r\n", [501]),
        (b"RCPT TO:<" + A + b"> ORCPT=rfc822\r\n", [501]),
        (b"RCPT TO:<" + A + b"> ORCPT=rfc822;a+ZZb\r\n", [501]),
        (b"RCPT TO:<" + A + b"> NOTIFY=SUCCESS,DELAY "
         b"ORCPT=rfc822;x+40y.example\r\n", [250]),
        (b"RCPT TO:<" + B + b"> NOTIFY=never\r\n", [250]),
    ],
    "SMTPUTF8 addresses only with SMTPUTF8": [
        EHLO,
        (b"MAIL FROM:<j\xc3\xb6rg@remote.example>\r\n", [553]),
        (b"MAIL FROM:<j\xc3\xb6rg@remote.example> SMTPUTF8\r\n", [250]),
        (b"RCPT TO:<" + A + b">\r\n", [250]),
        (b"RSET\r\n", [250]),
        MAIL,
        (b"RCPT TO:<j\xc3\xb6rg@test.example>\r\n", [553]),
        (b"RSET\r\n", [250]),
        (b"MAIL FROM:<j\xc3@remote.example> SMTPUTF8\r\n", [501]),
    ],
    "line length: 512 octets with CRLF is the limit": [
        (b"NOOP " + b"x" * 505 + b"\r\n", [250]),
        (b"NOOP " + b"x" * 506 + b"\r\n", [500]),
        # longer than smtpd's buffer, in several packets: one 500
        ([b"NOOP " + b"y" * 1500, b"y" * 1500, b"y" * 1500 + b"\r\n"],
         [500]),
        (b"NOOP\r\n", [250]),
    ],
    "NUL in a command": [
        (b"NOOP\x00\r\n", [500]),
        (b"EHLO a\x00b\r\n", [500]),
        (b"NOOP\r\n", [250]),
    ],
    "commands split across packets": [
        ([b"EH", b"LO client.exa", b"mple\r", b"\n"], [250]),
        ([b"MAIL FROM:<s@remote.example>\r\nRC",
          b"PT TO:<" + A + b">\r\n"], [250, 250]),
    ],
    "a pipelined transaction in one packet": [
        EHLO,
        (b"MAIL FROM:<s@remote.example>\r\nRCPT TO:<" + A + b">\r\n"
         b"RCPT TO:<nosuchuser@test.example>\r\nRCPT TO:<" + B + b">\r\n"
         b"DATA\r\n", [250, 250, 550, 250, 354]),
        (b"Subject: x\r\n\r\nbody\r\n.\r\nRSET\r\nMAIL FROM:<>\r\n"
         b"NOOP\r\nQUIT\r\n", [250, 250, 250, 250, 221, CLOSE]),
    ],
    "BDAT: chunks, LAST, mixing rules": [
        EHLO, MAIL, RCPT,
        (b"BDAT 5\r\nSubje", [250]),
        (b"DATA\r\n", [503]),
        (b"RCPT TO:<" + B + b">\r\n", [503]),
        (b"MAIL FROM:<s@remote.example>\r\n", [503]),
        (b"NOOP\r\n", [250]),
        (b"BDAT 0\r\n", [250]),
        ([b"BDAT 10 LAST\r\nct: x\r", b"\n\r\nb"], [250]),
        (b"BDAT 3 LAST\r\nabc", [503]),
        MAIL, RCPT, DATA,
        (b"x\r\n.\r\n", [250]),
    ],
    "BDAT: errors reset the transaction, chunk data is never a command": [
        EHLO,
        (b"BDAT 6\r\nQUIT\r\n", [503]),
        MAIL,
        (b"RCPT TO:<nosuchuser@test.example>\r\n", [550]),
        (b"BDAT 6 LAST\r\nQUIT\r\n", [554]),
        (b"BDAT 6\r\nQUIT\r\n", [503]),
        (b"BDAT six\r\n", [501]),
        (b"BDAT 1 FIRST\r\n", [501]),
        MAIL, RCPT,
        (b"BDAT 0 LAST\r\n", [250]),
        (b"QUIT\r\n", [221, CLOSE]),
    ],
    "bare LF ends a command: 550 and disconnect": [
        (b"NOOP\n", [550, CLOSE]),
    ],
}


@pytest.mark.parametrize("name", sorted(STATE_CASES))
def test_dialogue(daemon, name):
    run(daemon.port, STATE_CASES[name])


def test_help_names_the_commands(daemon):
    d = run(daemon.port, [(b"HELP\r\n", [214])])
    assert any(b"MAIL" in t and t.startswith(b"S: 214") for t in
               d.transcript)


def test_ehlo_keywords(daemon):
    d = Dialogue(daemon.port)
    d.expect(220)
    d.send(b"EHLO client.example\r\n")
    (lines,) = d.expect(250)
    kw = {l[4:].split(b" ")[0] for l in lines[1:]}
    assert {b"PIPELINING", b"SIZE", b"ENHANCEDSTATUSCODES", b"8BITMIME",
            b"DSN", b"SMTPUTF8", b"CHUNKING"} <= kw
    d.close()


# ---- message data ----

def send_message(port, body, pieces=None):
    """Send body (already SMTP-encoded, ending in CRLF.CRLF) and return
    the dialogue; pieces splits body into separate writes."""
    d = Dialogue(port)
    d.expect(220)
    d.send(b"EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\n"
           b"RCPT TO:<" + A + b">\r\nDATA\r\n")
    d.expect(250, 250, 250, 354)
    d.send(pieces if pieces else body)
    return d


def delivered(users, reply):
    """The stored body of the message that reply ("250 ... queued as ID")
    acknowledged, once it is in alice's Maildir."""
    m = re.search(rb"queued as ([0-9A-F]+)", reply[0])
    assert m, reply
    tag = b" id " + m.group(1)
    new = os.path.join(users[ALICE].pw_dir, "Maildir", "new")

    def find():
        for n in os.listdir(new) if os.path.isdir(new) else []:
            with open(os.path.join(new, n), "rb") as f:
                data = f.read()
            if tag in data.split(b"\n\n", 1)[0]:
                return data
        return None
    return body_of(wait_until(find, "message %s" % m.group(1).decode()))


def test_dot_stuffing_is_exact(daemon, users):
    body = (b"Subject: dots\r\n\r\n..\r\n...\r\n.x\r\n..x\r\n x.\r\n"
            b". \r\n.\r\n")
    d = send_message(daemon.port, body)
    (r,) = d.expect(250)
    d.close()
    assert delivered(users, r) == (b"Subject: dots\n\n.\n..\nx\n.x\n x.\n"
                                b" \n")


def test_end_of_data_split_across_packets(daemon, users):
    d = send_message(daemon.port, None,
                     [b"Subject: s\r\n\r\nbody\r", b"\n.", b"\r", b"\n"])
    (r,) = d.expect(250)
    d.send(b"QUIT\r\n")
    d.expect(221, CLOSE)
    assert delivered(users, r) == b"Subject: s\n\nbody\n"


def test_bdat_content_is_stored_exactly(daemon, users):
    d = Dialogue(daemon.port)
    d.expect(220)
    d.send(b"EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\n"
           b"RCPT TO:<" + A + b">\r\n")
    d.expect(250, 250, 250)
    # a CRLF split across two chunks; dots are not special in BDAT
    d.send(b"BDAT 13\r\nSubject: b\r\n\r")
    d.expect(250)
    d.send([b"BDAT 9 LAST\r\n\n.\r\n..x\r\n"])
    (lines,) = d.expect(250)
    assert b"queued as" in lines[0]
    d.close()
    assert delivered(users, lines) == b"Subject: b\n\n.\n..x\n"


def test_header_size_limit(daemon_with, users):
    d0 = daemon_with("header_size_limit = 60\n")
    body = (b"Subject: first header\r\n"        # 22 octets stored
            b"X-Kept: yes\r\n"                    # 34
            b"X-Long: " + b"h" * 50 + b"\r\n"      # would cross 60
            b"X-Dropped: yes\r\n"
            b"\r\nthe body stays\r\n.\r\n")
    d = send_message(d0.port, body)
    (r,) = d.expect(250)
    d.close()
    got = delivered(users, r)
    assert got == b"Subject: first header\nX-Kept: yes\n\nthe body stays\n"
    assert "header_size_limit 60 exceeded" in d0.logtext()


def test_bdat_over_the_size_limit(daemon_with):
    d0 = daemon_with("message_size_limit = 1000\n")
    run(d0.port, [
        EHLO, MAIL, RCPT,
        (b"BDAT 600\r\n" + b"x" * 600, [250]),
        (b"BDAT 600\r\n" + b"x" * 600, [552]),
        (b"BDAT 10 LAST\r\n" + b"x" * 10, [503]),
        MAIL, RCPT,
        (b"BDAT 10 LAST\r\n" + b"x" * 10, [250]),
    ])
    wait_until(lambda: os.listdir(os.path.join(d0.spool, "incoming")) == [],
               "the aborted incoming file to go")


def test_bdat_bare_lf_is_refused(daemon):
    run(daemon.port, [
        EHLO, MAIL, RCPT,
        (b"BDAT 8 LAST\r\na\nb\r\n.\r\n", [550, CLOSE]),
    ])


def test_nul_bytes_and_long_lines_pass_through(daemon, users):
    # Under 64 KiB in all: local hands the writer a pipe whose read end is
    # non-blocking (delivery/local_writer.c), so a larger message can be
    # deferred with EAGAIN.  smtpd's splitting of lines over 64 KiB is
    # covered by the session fuzz corpus (long_data_line).
    long_line = b"z" * 60000
    body = b"Subject: n\r\n\r\na\x00b\r\n" + long_line + b"\r\n.\r\n"
    d = send_message(daemon.port, body)
    (r,) = d.expect(250)
    d.close()
    assert delivered(users, r) == b"Subject: n\n\na\x00b\n" + long_line + b"\n"


@pytest.mark.parametrize("body,what", [
    (b"Subject: x\r\n\r\nsmuggle\n.\nMAIL FROM:<e@vil>\r\n.\r\n", "LF"),
    (b"Subject: x\r\n\r\nsmuggle\n.\r\nRCPT TO:<e@vil>\r\n.\r\n", "LF"),
    (b"Subject: x\r\n\r\nsmuggle\r\n.\n.\r\n", "LF"),
    (b"Subject: x\r\n\r\nsmuggle\r.\r\n.\r\n", "CR"),
    (b"Subject: x\r\n\r\nsmuggle\r\n.\r.\r\n", "CR"),
    (b"Subject: x\nno CR anywhere\n.\n", "LF"),
])
def test_bare_newline_rejected(daemon, users, body, what):
    """smtpd_forbid_bare_newline = reject (default): 550 5.5.2, nothing
    queued, and the session ends, so nothing after the message is read
    as a command."""
    before = daemon.log_count("queue active")
    d = send_message(daemon.port, body)
    (lines,) = d.expect(550)
    assert lines[0] == ("550 5.5.2 Error: bare <%s> received" %
                        what).encode()
    assert d.closed()
    d.close()
    time.sleep(0.3)
    assert daemon.log_count("queue active") == before
    assert "e@vil" not in daemon.logtext()


def test_bare_newline_normalized(daemon_with, users):
    d0 = daemon_with("smtpd_forbid_bare_newline = normalize\n")
    # <LF>.<LF> and <CR>.<CR> never end the message; they are line ends
    body = (b"Subject: n\r\n\r\none\ntwo\rthree\r\n.\nfour\n.\r\nfive"
            b"\r\n.\r\n")
    d = send_message(d0.port, body)
    (r,) = d.expect(250)
    d.send(b"NOOP\n")         # a bare LF command is normalized too
    d.expect(250)
    d.close()
    assert delivered(users, r) == (b"Subject: n\n\none\ntwo\nthree\n\nfour\n"
                                b"\nfive\n")


# ---- pre-greet, limits ----

def test_pregreet_talker_is_refused(daemon_with):
    d0 = daemon_with("smtpd_greet_wait = 2s\n")
    d = Dialogue(d0.port)
    d.send(b"EHLO spam.example\r\n")
    (lines,) = d.expect(554)
    assert b"5.5.1" in lines[0]
    assert d.closed()
    d.close()
    # smtpd's log line travels to master apart from the reply: wait for it
    wait_until(lambda: "PREGREET" in d0.logtext(), "the PREGREET log line")
    # a client that waits gets the greeting
    run(d0.port, [EHLO, (b"QUIT\r\n", [221, CLOSE])])


def test_timeout_and_byte_a_second(daemon_with):
    d0 = daemon_with("smtpd_timeout = 2s\n")
    d = Dialogue(d0.port)
    d.expect(220)
    t0 = time.monotonic()
    (lines,) = d.expect(421)
    assert lines[0].startswith(b"421 4.4.2")
    assert d.closed()
    assert time.monotonic() - t0 < WAIT
    d.close()
    # a client that keeps sending, a byte a second, is cut off all the same
    d = Dialogue(d0.port)
    d.expect(220)
    t0 = time.monotonic()
    for c in b"NOOP NOOP NOOP NOOP":
        d.send(bytes([c]))
        if select.select([d.sock], [], [], 0.5)[0]:
            break           # the server spoke
    (lines,) = d.expect(421)
    assert lines[0].startswith(b"421 4.4.2")
    assert time.monotonic() - t0 < 6
    d.close()


def test_error_limits(daemon_with):
    d0 = daemon_with("smtpd_hard_error_limit = 4\nsmtpd_soft_error_limit = 2\n"
                     "smtpd_error_sleep_time = 1s\n")
    d = Dialogue(d0.port)
    d.expect(220)
    d.send(b"XYZZY\r\nXYZZY\r\n")
    d.expect(502, 502)
    t0 = time.monotonic()
    d.send(b"XYZZY\r\n")       # the third error is beyond the soft limit
    d.expect(502)
    assert time.monotonic() - t0 >= 0.8
    d.send(b"XYZZY\r\n")
    (_, lines) = d.expect(502, 421)
    assert lines[0].startswith(b"421 4.7.0")
    assert d.closed()
    d.close()


def test_connection_limits(daemon_with):
    d0 = daemon_with("smtpd_client_connection_count_limit = 2\n"
                     "smtpd_session_limit = 5\n"
                     "mynetworks = 127.0.0.9/32\n")

    def greeted(source):
        c = Dialogue(d0.port, source=source)
        c.expect(220)
        return c
    a, b = greeted("127.0.0.1"), greeted("127.0.0.1")
    c = Dialogue(d0.port)
    (lines,) = c.expect(421)
    assert lines[0].startswith(b"421 4.7.0") and b"127.0.0.1" in lines[0]
    assert c.closed()
    c.close()
    # mynetworks is exempt from the per-client limit, as in Postfix
    e, f, g = (greeted("127.0.0.9") for _ in range(3))
    # five sessions: the total limit applies to everyone
    h = Dialogue(d0.port, source="127.0.0.3")
    (lines,) = h.expect(421)
    assert lines[0] == b"421 4.7.0 mx.test.example Error: too many connections"
    h.close()
    for x in (a, b, e, f, g):
        x.send(b"QUIT\r\n")
        x.expect(221, CLOSE)
        x.close()
    # room again
    run(d0.port, [(b"QUIT\r\n", [221, CLOSE])])


def test_pipelining_client_that_does_not_read_is_not_dropped(daemon_with):
    d0 = daemon_with("smtpd_junk_command_limit = 1000000\n")
    d = Dialogue(d0.port)
    d.expect(220)
    n = 20000
    # 120 KB of commands, 280 KB of replies, none read until all is sent:
    # smtpd stops reading while its output is full, and goes on when the
    # client reads.
    d.send(b"NOOP\r\n" * n + b"QUIT\r\n")
    codes = []
    while True:
        code, _ = d.reply()
        if code is None:
            break
        codes.append(code)
    assert codes == [250] * n + [221]
    d.close()
