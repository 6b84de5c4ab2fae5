"""Outbound mail through the relay compartment, to real servers on
loopback that the tests start: Postfix's smtp-sink, and a scripted
Python SMTP server (for replies and misbehaviour a test chooses).
relayhost = [127.0.0.1]:PORT (a numeric smarthost: no DNS)."""
import os
import pwd
import re
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import ALICE, BULKCTL, DOMAIN, WAIT, free_port, \
    maildir_messages, wait_until

SINK = "/usr/sbin/smtp-sink"
FAST = ("minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\n"
        "queue_run_delay = 1s\n")


class Script:
    """What the scripted server says.  ext: the EHLO keywords; reply(cmd,
    arg, n) may return a reply line for a command (n: how often that
    command came so far); None takes the default.  Transactions are
    recorded as (mail, [rcpts], data bytes)."""

    def __init__(self, ext=("PIPELINING", "8BITMIME", "SIZE 10240000",
                            "ENHANCEDSTATUSCODES"), greeting=None):
        self.ext = list(ext)
        self.greeting = greeting or b"220 sink.example ESMTP\r\n"
        self.name = "sink.example"    # the name EHLO and HELO answer with
        self.rules = {}
        self.counts = {}
        self.txns = []
        self.lines = []
        self.connections = 0
        self.hook = None      # hook(cmd, handler) -> True: stop,
        #                       "handled": answered, go on
        self.tls = None       # an ssl.SSLContext: STARTTLS offered
        self.tls_done = 0

    def reply(self, cmd, arg):
        n = self.counts.get(cmd, 0)
        self.counts[cmd] = n + 1
        r = self.rules.get(cmd)
        return r(arg, n) if callable(r) else r


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, b):
        self.wfile.write(b)
        self.wfile.flush()

    def handle(self):
        sc = self.server.script
        sc.connections += 1
        self.send(sc.greeting if isinstance(sc.greeting, bytes)
                  else sc.greeting(self))
        mail, rcpts = None, []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            sc.lines.append(line)
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            cmd, _, arg = text.partition(" ")
            cmd = cmd.upper()
            if cmd.startswith("MAIL"):
                cmd = "MAIL"
            elif cmd.startswith("RCPT"):
                cmd = "RCPT"
            if sc.hook:
                r = sc.hook(cmd, self)
                if r == "handled":
                    continue
                if r:
                    return
            custom = sc.reply(cmd, text)
            if custom is not None:
                if custom == "CLOSE":
                    return
                self.send(custom.encode() + b"\r\n")
                if cmd == "DATA" and custom.startswith("354"):
                    data = self.read_data()
                    if data is None:
                        return
                    r = sc.reply(".", "") or "250 2.0.0 Ok: queued as S"
                    if r == "CLOSE":
                        return
                    if r.startswith("2"):
                        sc.txns.append((mail, rcpts, data))
                    self.send(r.encode() + b"\r\n")
                    mail, rcpts = None, []
                elif cmd == "RCPT" and custom.startswith("2"):
                    rcpts.append(text)
                continue
            if cmd == "STARTTLS" and sc.tls is not None:
                self.send(b"220 2.0.0 Ready to start TLS\r\n")
                try:
                    self.request = sc.tls.wrap_socket(self.request,
                                                      server_side=True)
                except OSError:
                    return
                sc.tls_done += 1
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
                continue
            if cmd == "EHLO":
                ext = sc.ext + (["STARTTLS"] if sc.tls is not None and
                                not sc.tls_done else [])
                out = ["250-" + sc.name] + ["250-" + e for e in ext]
                out[-1] = "250 " + out[-1][4:]
                self.send(("\r\n".join(out) + "\r\n").encode())
            elif cmd == "HELO":
                self.send(("250 %s\r\n" % sc.name).encode())
            elif cmd == "MAIL":
                mail, rcpts = text, []
                self.send(b"250 2.1.0 Ok\r\n")
            elif cmd == "RCPT":
                rcpts.append(text)
                self.send(b"250 2.1.5 Ok\r\n")
            elif cmd == "DATA":
                self.send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = self.read_data()
                if data is None:
                    return
                r = sc.reply(".", "") or "250 2.0.0 Ok: queued as S"
                if r == "CLOSE":
                    return
                if r.startswith("2"):
                    sc.txns.append((mail, rcpts, data))
                self.send(r.encode() + b"\r\n")
                mail, rcpts = None, []
            elif cmd == "RSET":
                mail, rcpts = None, []
                self.send(b"250 2.0.0 Ok\r\n")
            elif cmd == "QUIT":
                self.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.send(b"502 5.5.2 Error: command not recognized\r\n")

    def read_data(self):
        out = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            if line == b".\r\n":
                return b"".join(out)
            out.append(line)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


@pytest.fixture
def script_server():
    made = []

    def make(script=None):
        sc = script or Script()
        srv = Server(("127.0.0.1", 0), Handler)
        srv.script = sc
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        made.append(srv)
        return sc, srv.server_address[1]
    yield make
    for srv in made:
        srv.shutdown()
        srv.server_close()


def relay_daemon(make_daemon, port, sandbox="chroot", extra=""):
    return make_daemon(sandbox, extra_main="relayhost = [127.0.0.1]:%d\n%s%s"
                       % (port, FAST, extra))


def send(d, rcpts, body="Subject: hi\r\n\r\nhello\r\n",
         sender="someone@client.example", **kw):
    with d.smtp() as s:
        s.sendmail(sender, rcpts, body, **kw)


def status_lines(d, status):
    return [l for l in d.logtext().splitlines()
            if "status=%s" % status in l and "relay=" in l and
            "relay=local" not in l]


def test_trusted_client_relays_through_smtp_sink(make_daemon, sandbox):
    """A client in mynetworks relays to a remote domain (today: 451
    4.4.0); smtp-sink, a real server, takes the message."""
    port = free_port()
    dump = tempfile.mkdtemp(prefix="bh-sink-")
    os.chmod(dump, 0o777)
    sink = subprocess.Popen([SINK, "-u", "nobody", "-d",
                             os.path.join(dump, "%H%M%S."),
                             "127.0.0.1:%d" % port, "10"])
    try:
        wait_until(lambda: _can_connect(port), "smtp-sink")
        d = relay_daemon(make_daemon, port, sandbox)
        send(d, ["bob@remote.example"])
        line = wait_until(lambda: status_lines(d, "sent"), "status=sent")[0]
        assert re.search(r": to=<bob@remote\.example>, "
                         r"relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d, "
                         r"delay=[\d.]+, delays=[\d.]+/0/[\d.]+/[\d.]+, "
                         r"dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok" % port,
                         line), line
        files = wait_until(lambda: os.listdir(dump), "a dump file")
        with open(os.path.join(dump, files[0]), "rb") as f:
            dumped = f.read()
        assert b"bob@remote.example" in dumped and b"hello" in dumped
    finally:
        sink.terminate()
        sink.wait()
        shutil.rmtree(dump, ignore_errors=True)


def _can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_several_recipients_one_transaction(make_daemon, script_server):
    sc, port = script_server()
    d = relay_daemon(make_daemon, port)
    rcpts = ["r%d@remote.example" % i for i in range(5)]
    send(d, rcpts, body="Subject: x\r\n\r\n.leading dot\r\nend\r\n")
    wait_until(lambda: len(status_lines(d, "sent")) == 5, "5 sent")
    assert len(sc.txns) == 1
    mail, got, data = sc.txns[0]
    assert mail.startswith("MAIL FROM:<someone@client.example>")
    assert [r.split()[1] for r in got] == \
        ["TO:<%s>" % r for r in rcpts]
    # dot-stuffed on the wire, CRLF line ends
    assert b"\r\n..leading dot\r\nend\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_rcpt_5xx_bounces_with_the_reply_quoted(make_daemon, script_server,
                                                users):
    """One recipient refused with 550: it bounces, the notice to the
    (local) sender quotes the remote reply; the other is delivered."""
    sc, port = script_server()
    sc.rules["RCPT"] = lambda arg, n: \
        "550 5.1.1 <nobody@remote.example>: Recipient address rejected: " \
        "User unknown" if "nobody@" in arg else None
    d = relay_daemon(make_daemon, port)
    send(d, ["nobody@remote.example", "bob@remote.example"],
         sender="%s@%s" % (ALICE, DOMAIN))
    bounced = wait_until(lambda: status_lines(d, "bounced"), "bounced")[0]
    assert "to=<nobody@remote.example>" in bounced
    assert "dsn=5.1.1" in bounced
    assert "host 127.0.0.1[127.0.0.1]:%d said: 550 5.1.1 " \
        "<nobody@remote.example>: Recipient address rejected: User " \
        "unknown (in reply to RCPT TO command)" % port in bounced, bounced
    wait_until(lambda: status_lines(d, "sent"), "the other sent")
    notice = maildir_messages(users[ALICE])[0][0]
    assert b"Final-Recipient: rfc822; nobody@remote.example" in notice
    assert b"550 5.1.1 <nobody@remote.example>: Recipient address " \
        b"rejected: User unknown" in notice, notice


def test_4xx_then_success_on_retry(make_daemon, script_server):
    sc, port = script_server()
    sc.rules["RCPT"] = lambda arg, n: \
        "451 4.3.0 Try again later" if n == 0 else None
    d = relay_daemon(make_daemon, port)
    send(d, ["bob@remote.example"])
    deferred = wait_until(lambda: status_lines(d, "deferred"), "deferred")[0]
    assert "dsn=4.3.0" in deferred and "451 4.3.0 Try again later" in \
        deferred and "in reply to RCPT TO command" in deferred, deferred
    wait_until(lambda: status_lines(d, "sent"), "sent on retry", 20)
    assert len(sc.txns) == 1


def test_dead_host_defers(make_daemon):
    port = free_port()          # nobody listens there
    d = relay_daemon(make_daemon, port)
    send(d, ["bob@remote.example"])
    line = wait_until(lambda: status_lines(d, "deferred"), "deferred")[0]
    assert "relay=none" in line and "dsn=4.4.1" in line, line
    assert "connect to 127.0.0.1[127.0.0.1]:%d: Connection refused" % port \
        in line, line
    r = subprocess.run([BULKCTL, "-c", d.dir, "mailq"], capture_output=True,
                       text=True, timeout=30)
    assert "bob@remote.example" in r.stdout, r.stdout


def test_8bit_to_server_without_8bitmime_bounces(make_daemon, script_server):
    sc, port = script_server(Script(ext=("PIPELINING",)))
    d = relay_daemon(make_daemon, port)
    send(d, ["bob@remote.example"],
         body="Subject: x\r\n\r\ncaf\xc3\xa9\r\n".encode("latin-1"),
         mail_options=["BODY=8BITMIME"])
    line = wait_until(lambda: status_lines(d, "bounced"), "bounced")[0]
    assert "dsn=5.6.3" in line and "8BITMIME" in line, line
    assert [t for t in sc.txns if t[0] != "MAIL FROM:<>"] == []


def test_utf8_envelope_to_server_without_smtputf8_bounces(make_daemon,
                                                          script_server):
    sc, port = script_server(Script(ext=("PIPELINING", "8BITMIME")))
    d = relay_daemon(make_daemon, port)
    with d.smtp() as s:
        s.ehlo()
        s.mail("someone@client.example", ["SMTPUTF8"])
        code, _ = s.rcpt("j\u00f6rg@remote.example")
        assert code == 250
        s.data(b"Subject: x\r\n\r\nhi\r\n")
    line = wait_until(lambda: status_lines(d, "bounced"), "bounced")[0]
    assert "dsn=5.6.7" in line and "SMTPUTF8 is required" in line, line
    # the message did not go; its bounce to the remote sender did
    notices = wait_until(lambda: sc.txns, "the notice to the sender")
    assert [(m, r) for m, r, _ in notices] == \
        [("MAIL FROM:<>", ["RCPT TO:<someone@client.example>"])], notices
    assert b"Status: 5.6.7" in notices[0][2], notices[0][2]


def test_dsn_parameters_pass_through(make_daemon, script_server):
    sc, port = script_server(Script(ext=("PIPELINING", "8BITMIME", "DSN")))
    d = relay_daemon(make_daemon, port)
    with d.smtp() as s:
        s.sendmail("someone@client.example", ["bob@remote.example"],
                   "Subject: x\r\n\r\nhi\r\n",
                   mail_options=["RET=HDRS", "ENVID=abc+2Bd"],
                   rcpt_options=["NOTIFY=SUCCESS,FAILURE",
                                 "ORCPT=rfc822;bob@remote.example"])
    wait_until(lambda: status_lines(d, "sent"), "sent")
    mail, rcpts, _ = sc.txns[0]
    assert "RET=HDRS" in mail and "ENVID=abc+2Bd" in mail, mail
    assert "NOTIFY=SUCCESS,FAILURE" in rcpts[0], rcpts
    assert "ORCPT=rfc822;bob@remote.example" in rcpts[0], rcpts


def test_no_pipelining_and_helo_fallback(make_daemon, script_server):
    """A server without PIPELINING gets one command at a time; one that
    refuses EHLO gets HELO."""
    sc, port = script_server(Script(ext=()))
    sc.rules["EHLO"] = "502 5.5.2 Error: command not recognized"
    d = relay_daemon(make_daemon, port)
    send(d, ["a@remote.example", "b@remote.example"])
    wait_until(lambda: len(status_lines(d, "sent")) == 2, "sent")
    cmds = [l.split()[0].upper() for l in sc.lines]
    assert cmds[:6] == [b"EHLO", b"HELO", b"MAIL", b"RCPT", b"RCPT",
                        b"DATA"], cmds


@pytest.mark.parametrize("how", ["garbage", "long_line", "endless", "stall",
                                 "close_in_data"])
def test_hostile_server_defers_and_relay_survives(make_daemon, script_server,
                                                  how):
    sc, port = script_server()
    if how == "garbage":
        sc.greeting = b"\x00\xff hello there, not SMTP\r\n"
    elif how == "long_line":
        sc.greeting = b"220 " + b"x" * 5000 + b"\r\n"
    elif how == "endless":
        def endless(h):
            try:
                for _ in range(1000):
                    h.wfile.write(b"220-more and more\r\n")
                h.wfile.flush()
            except OSError:
                pass
            return b""
        sc.greeting = endless
    elif how == "stall":
        sc.rules["MAIL"] = lambda arg, n: time.sleep(6) or None
    elif how == "close_in_data":
        sc.rules["."] = "CLOSE"
    d = relay_daemon(make_daemon, port,
                     extra="smtp_helo_timeout = 2s\nsmtp_mail_timeout = 2s\n"
                     "smtp_rcpt_timeout = 2s\n")
    relay_pid = d.pids()["relay"]
    send(d, ["bob@remote.example"])
    line = wait_until(lambda: status_lines(d, "deferred"), "deferred")[0]
    assert "dsn=4." in line, line
    want = {"garbage": "malformed reply line",
            "long_line": "reply line too long",
            "endless": "too many reply lines",
            "stall": "timed out while sending MAIL FROM",
            "close_in_data": "lost connection with host"}[how]
    assert want in line, line
    assert d.pids()["relay"] == relay_pid     # it survived
    assert "relay" in d.pids()


def test_transport_maps(make_daemon, script_server, users):
    """transport_maps: smtp:[address]:port overrides relayhost, error:
    bounces with its text, retry: defers, discard: drops, and what no
    entry names goes to relayhost (dead here: deferred)."""
    sc, port = script_server()
    dead = free_port()
    tmp = tempfile.mkdtemp(prefix="bh-tr-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "transport")
    with open(table, "w") as f:
        f.write("# test table\n"
                "a.example        smtp:[127.0.0.1]:%d\n"
                ".a.example       smtp:[127.0.0.1]:%d\n"
                "gone.example     error:5.1.2 this domain is gone\n"
                "later.example    retry:4.4.7 held here for now\n"
                "spam.example     discard:dropped\n" % (port, port))
    try:
        d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n"
                        "transport_maps = hash:%s\n%s" % (dead, table, FAST))
        send(d, ["x@a.example", "y@mx.a.example", "z@gone.example",
                 "w@later.example", "v@spam.example", "u@other.example"],
             sender="%s@%s" % (ALICE, DOMAIN))
        wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 sent")
        sent = status_lines(d, "sent")
        assert any("to=<x@a.example>, relay=127.0.0.1[127.0.0.1]:%d" % port
                   in l for l in sent), sent
        assert any("to=<v@spam.example>, relay=none" in l and
                   "dsn=2.0.0, status=sent (dropped)" in l for l in sent), sent
        # both a.example recipients in one transaction; spam.example never
        assert len(sc.txns) == 1 and len(sc.txns[0][1]) == 2, sc.txns
        bounced = wait_until(lambda: status_lines(d, "bounced"), "bounced")
        assert "to=<z@gone.example>, relay=none" in bounced[0]
        assert "dsn=5.1.2, status=bounced (this domain is gone)" in \
            bounced[0], bounced
        deferred = wait_until(
            lambda: len(status_lines(d, "deferred")) >= 2 and
            status_lines(d, "deferred"), "deferred")
        text = "\n".join(deferred)
        assert "to=<w@later.example>, relay=none" in text
        assert "dsn=4.4.7, status=deferred (held here for now)" in text
        assert "to=<u@other.example>, relay=none" in text and \
            "Connection refused" in text, text
        notice = maildir_messages(users[ALICE])[0][0]
        assert b"this domain is gone" in notice
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_transport_table_is_refused_at_start(make_daemon):
    d = make_daemon()
    table = os.path.join(d.dir, "transport")
    with open(table, "w") as f:
        f.write("ok.example local:\nbad.example smtp:mx_bad.example\n")
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write("transport_maps = hash:%s\n" % table)
    r = subprocess.run([os.environ.get("BULKHEAD", "bulkhead"), "-n", "-c",
                        d.dir], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "transport_maps: %s:2: bad next hop: write a host name, " \
        "name:port, [name]:port or [address]:port" % table in r.stderr, \
        r.stderr


def test_alias_to_remote_addresses_goes_out(make_daemon, script_server,
                                             users):
    """An alias that lists remote addresses (today: bounced 5.3.0): with
    a relayhost they go out, with the original sender and ORCPT, next to
    the local member's copy."""
    sc, port = script_server(Script(ext=("PIPELINING", "8BITMIME", "DSN")))
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n%s" % (port, FAST),
                    aliases="postmaster: %s\n"
                    "fwd: %s, admin@remote.example, Other@Far.Example\n"
                    "away: boss@remote.example\n" % (ALICE, ALICE))
    send(d, ["fwd@%s" % DOMAIN, "away@%s" % DOMAIN],
         sender="someone@client.example")
    maildir_messages(users[ALICE])
    wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 relayed")
    got = sorted(r for _, rs, _ in sc.txns for r in rs)
    assert [r.split()[1] for r in got] == [
        "TO:<Other@Far.Example>", "TO:<admin@remote.example>",
        "TO:<boss@remote.example>"], got
    assert all("ORCPT=rfc822;" in r for r in got), got
    assert any("ORCPT=rfc822;fwd@%s" % DOMAIN in r for r in got), got
    assert all(m.startswith("MAIL FROM:<someone@client.example>")
               for m, _, _ in sc.txns), sc.txns
    log = d.logtext()
    assert "to=<fwd@%s>: forwarded to <admin@remote.example>" % DOMAIN in log
    assert "to=<away@%s>, relay=local" % DOMAIN in log and \
        "status=sent (forwarded to 1 remote address)" in log, log
    assert "5.3.0" not in log


def test_transport_maps_alone_lets_a_trusted_client_relay(make_daemon,
                                                         script_server):
    """No relayhost: a domain transport_maps sends somewhere is accepted
    from a trusted client; any other remote domain still gets 451."""
    import smtplib
    sc, port = script_server()
    tmp = tempfile.mkdtemp(prefix="bh-tr-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "transport")
    with open(table, "w") as f:
        f.write("partner.example smtp:[127.0.0.1]:%d\n" % port)
    try:
        # default_transport = local: no MX routing for the others
        d = make_daemon(extra_main="transport_maps = %s\n"
                        "default_transport = local\n%s" % (table, FAST))
        with d.smtp() as s:
            s.ehlo()
            s.mail("someone@client.example")
            assert s.rcpt("a@partner.example")[0] == 250
            code, msg = s.rcpt("b@elsewhere.example")
            assert code == 451 and b"4.4.0" in msg, (code, msg)
            s.data(b"Subject: x\r\n\r\nhi\r\n")
        wait_until(lambda: status_lines(d, "sent"), "sent")
        assert [r.split()[1] for _, rs, _ in sc.txns for r in rs] == \
            ["TO:<a@partner.example>"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def forward_file(users):
    made = []

    def put(user, text):
        pw = users[user]
        path = os.path.join(pw.pw_dir, ".forward")
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(path, 0o644)
        made.append(path)
    yield put
    for p in made:
        if os.path.lexists(p):
            os.unlink(p)


def test_forward_to_remote_addresses_goes_out(make_daemon, script_server,
                                              users, forward_file):
    """~/.forward with remote addresses (today: the whole file ignored):
    with a relayhost they go out; \\user keeps a copy, without it the
    mailbox gets none."""
    from conftest import BOB
    sc, port = script_server()
    forward_file(ALICE, "\\%s, copy@remote.example\n" % ALICE)
    forward_file(BOB, "away@remote.example\n")
    d = relay_daemon(make_daemon, port)
    send(d, ["%s@%s" % (ALICE, DOMAIN), "%s@%s" % (BOB, DOMAIN)],
         sender="someone@client.example")
    maildir_messages(users[ALICE])
    wait_until(lambda: len(status_lines(d, "sent")) == 2, "2 relayed")
    got = sorted(r.split()[1] for _, rs, _ in sc.txns for r in rs)
    assert got == ["TO:<away@remote.example>", "TO:<copy@remote.example>"]
    log = d.logtext()
    assert "forwarded by ~/.forward to 1 remote address" in log
    assert "~/.forward ignored" not in log
    time.sleep(1)
    assert not os.path.exists(os.path.join(users[BOB].pw_dir, "Maildir",
                                           "new")) or \
        os.listdir(os.path.join(users[BOB].pw_dir, "Maildir", "new")) == []


# ---- MX routing through the dns compartment, against a real unbound ----

UNBOUND = "/usr/sbin/unbound"


@pytest.fixture
def unbound_server():
    """A real name server on 127.0.0.1:PORT (unbound with local data);
    make(records) starts it with those local-data lines."""
    made = []

    def make(records, zone="bh-dns.example."):
        tmp = tempfile.mkdtemp(prefix="bh-unbound-")
        os.chmod(tmp, 0o755)
        for _ in range(5):          # a port another test took: again
            port = free_port()
            conf = os.path.join(tmp, "unbound.conf")
            with open(conf, "w") as f:
                f.write("server:\n  interface: 127.0.0.1\n  port: %d\n"
                        "  do-daemonize: no\n  username: \"\"\n"
                        "  chroot: \"\"\n  directory: \"%s\"\n"
                        "  pidfile: \"\"\n  use-syslog: no\n  do-ip6: no\n"
                        "  access-control: 127.0.0.0/8 allow\n"
                        "  local-zone: \"%s\" static\n" % (port, tmp, zone))
                for r in records:
                    f.write("  local-data: \"%s\"\n" % r)
            log = open(os.path.join(tmp, "log"), "wb")
            p = subprocess.Popen([UNBOUND, "-d", "-c", conf], stdout=log,
                                 stderr=log)
            made.append((p, tmp))
            try:
                wait_until(lambda: p.poll() is not None or
                           _udp_answers(port), "unbound", 10)
            except AssertionError:
                pass
            if p.poll() is None and _udp_answers(port):
                return port
        with open(os.path.join(tmp, "log"), "rb") as f:
            raise AssertionError("unbound did not start: %r" % f.read())
    yield make
    for p, tmp in made:
        p.terminate()
        p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _udp_answers(port):
    # a minimal query for "example. SOA"
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" \
        b"\x07example\x00\x00\x06\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        try:
            s.sendto(q, ("127.0.0.1", port))
            return s.recv(512)[:2] == b"\x12\x34"
        except OSError:
            return False


def loopback_server(script_server_factory, host):
    """A scripted server on host:25 (MX hops use port 25)."""
    sc = Script()
    srv = Server((host, 25), Handler)
    srv.script = sc
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return sc, srv


def test_mx_routing_through_dns(make_daemon, unbound_server, users):
    """transport_maps '* smtp:' sends remote mail to the domain's MX
    hosts, looked up by the dns compartment from a real resolver: MX
    preference order with fallback (the first host is dead), the
    implicit MX (a domain with an A record only), a null MX bounce
    (5.1.10), a domain that does not exist (5.1.2)."""
    import random
    base = random.randint(2, 70) * 2
    dead, live, plain = ("127.0.0.%d" % base, "127.0.0.%d" % (base + 1),
                         "127.0.0.%d" % (base + 100))
    dns = unbound_server(zone="bh-dns.example.", records=[
        "mx.bh-dns.example. MX 10 mail1.bh-dns.example.",
        "mx.bh-dns.example. MX 20 mail2.bh-dns.example.",
        "mail1.bh-dns.example. A %s" % dead,
        "mail2.bh-dns.example. A %s" % live,
        "plain.bh-dns.example. A %s" % plain,
        "nullmx.bh-dns.example. MX 0 .",
    ])
    servers = []
    try:
        sc_live, srv = loopback_server(None, live)
        servers.append(srv)
        sc_plain, srv = loopback_server(None, plain)
        servers.append(srv)
        tmp = tempfile.mkdtemp(prefix="bh-tr-")
        os.chmod(tmp, 0o755)
        table = os.path.join(tmp, "transport")
        with open(table, "w") as f:
            f.write("*  smtp:\n")
        d = make_daemon(extra_main="transport_maps = %s\n"
                        "dns_resolvers = [127.0.0.1]:%d\n%s" %
                        (table, dns, FAST))
        send(d, ["a@mx.bh-dns.example", "b@mx.bh-dns.example", "c@plain.bh-dns.example", "d@nullmx.bh-dns.example",
                 "e@nosuch.bh-dns.example"], sender="%s@%s" % (ALICE, DOMAIN))
        wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 sent")
        sent = "\n".join(status_lines(d, "sent"))
        assert "to=<a@mx.bh-dns.example>, relay=mail2.bh-dns.example[%s]:25" % live in sent
        assert "to=<c@plain.bh-dns.example>, relay=plain.bh-dns.example[%s]:25" % plain in sent
        assert len(sc_live.txns) == 1 and len(sc_live.txns[0][1]) == 2
        bounced = "\n".join(wait_until(
            lambda: len(status_lines(d, "bounced")) == 2 and
            status_lines(d, "bounced"), "2 bounced"))
        assert "to=<d@nullmx.bh-dns.example>, relay=none" in bounced and \
            "dsn=5.1.10" in bounced and "(nullMX)" in bounced, bounced
        assert "to=<e@nosuch.bh-dns.example>, relay=none" in bounced and \
            "dsn=5.1.2" in bounced and "Host or domain name not found" in \
            bounced, bounced
        log = d.logtext()
        assert "connect to mail1.bh-dns.example[%s]:25: Connection refused" % dead \
            in log, log
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()



# ---- STARTTLS in the client: smtp_tls_security_level ----

@pytest.fixture(scope="module")
def test_ca():
    """A test CA, a server certificate it signed for 127.0.0.1, and one a
    stranger signed."""
    d = tempfile.mkdtemp(prefix="bh-ca-")
    os.chmod(d, 0o755)

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for ca in ("ca", "other"):
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
            ca + ".key", "-out", ca + ".pem", "-days", "2", "-subj",
            "/CN=bulkhead test " + ca)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, ca in (("good", "ca"), ("bad", "other")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout",
            name + ".key", "-out", name + ".csr", "-subj", "/CN=127.0.0.1")
        run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
            "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".pem",
            "-days", "2", "-extfile", "san.ext")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def tls_script(ca_dir, which):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(ca_dir, which + ".pem"),
                        os.path.join(ca_dir, which + ".key"))
    sc = Script()
    sc.tls = ctx
    return sc


@pytest.mark.parametrize("level,which,want", [
    ("may", "good", "Verified"),
    ("encrypt", "bad", "Untrusted"),
    ("verify", "good", "Verified"),
])
def test_starttls_levels(make_daemon, script_server, test_ca, level, which,
                         want):
    sc, port = script_server(tls_script(test_ca, which))
    d = relay_daemon(make_daemon, port, extra="smtp_tls_security_level = "
                     "%s\nsmtp_tls_CAfile = %s/ca.pem\n" % (level, test_ca))
    send(d, ["bob@remote.example"])
    wait_until(lambda: status_lines(d, "sent"), "sent")
    assert sc.tls_done == 1 and len(sc.txns) == 1
    assert re.search(r"relay\[\d+\]: [0-9A-F]{16}: %s TLS connection "
                     r"established to 127\.0\.0\.1\[127\.0\.0\.1\]:%d: "
                     r"TLSv1\.[23] with cipher \S+ \(\d+/\d+ bits\)"
                     % (want, port), d.logtext()), d.logtext()


def test_verify_refuses_a_wrong_certificate(make_daemon, script_server,
                                            test_ca):
    sc, port = script_server(tls_script(test_ca, "bad"))
    d = relay_daemon(make_daemon, port, extra="smtp_tls_security_level = "
                     "verify\nsmtp_tls_CAfile = %s/ca.pem\n" % test_ca)
    send(d, ["bob@remote.example"])
    line = wait_until(lambda: status_lines(d, "deferred"), "deferred")[0]
    assert "Server certificate not verified: Untrusted TLS connection" in \
        line, line
    assert sc.txns == []


def test_encrypt_without_starttls_defers(make_daemon, script_server):
    sc, port = script_server()          # no STARTTLS offered
    d = relay_daemon(make_daemon, port,
                     extra="smtp_tls_security_level = encrypt\n")
    send(d, ["bob@remote.example"])
    line = wait_until(lambda: status_lines(d, "deferred"), "deferred")[0]
    assert "TLS is required, but was not offered by host" in line, line
    assert sc.txns == []
