"""
SCRAM-SHA-256 (RFC 5802, 7677) on SMTP AUTH (RFC 4954): offered only when
the auth compartment's backend, Dovecot, offers it; smtpd relays each
client response to auth and each server challenge back as "334 base64"
(the server-final message too, answered by the client's empty line), and
auth relays them to Dovecot.  The real daemon and a real Dovecot auth
service; the client is written here with hashlib and hmac (smtplib has
no SCRAM), and checks the server's signature.
"""
import base64
import hashlib
import hmac
import os
import re
import shutil
import smtplib
import tempfile
import time

import pytest

from conftest import ALICE, DOMAIN, WAIT, wait_until
from test_auth import (DOVECOT_CONF, Dovecot, auth_daemon,  # noqa: F401
                       b64, dovecot_main, sasl, tls_session, wait_auth,
                       wait_log, with_passwd)
from test_tls import certs, message_with  # noqa: F401

A = "%s@%s" % (ALICE, DOMAIN)
OK = (235, b"2.7.0 Authentication successful")
SCRAM_READY = r"SASL: Dovecot at .*: ready, SCRAM-SHA-256 offered"


class ScramClient:
    """The client side of SCRAM-SHA-256, without channel binding."""

    def __init__(self, user, password, nonce=None):
        self.password = password.encode()
        self.nonce = nonce or base64.b64encode(os.urandom(18)).decode()
        name = user.replace("=", "=3D").replace(",", "=2C")
        self.bare = "n=%s,r=%s" % (name, self.nonce)
        self.server_sig = None

    def first(self):
        return "n,," + self.bare

    def final(self, server_first):
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        assert attrs["r"].startswith(self.nonce), server_first
        salt, iters = base64.b64decode(attrs["s"]), int(attrs["i"])
        salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, iters)
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = "c=biws,r=" + attrs["r"]
        msg = ",".join((self.bare, server_first, without_proof)).encode()
        sig = hmac.new(stored_key, msg, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        self.server_sig = hmac.new(server_key, msg, "sha256").digest()
        return without_proof + ",p=" + b64(proof)

    def verify(self, server_final):
        return server_final == "v=" + b64(self.server_sig)


def unb64(msg):
    return base64.b64decode(msg, validate=True).decode()


def scram_login(s, user, password, initial=True):
    """The exchange on an smtplib session: the final reply, and whether
    the server proved it knows the password (its signature)."""
    c = ScramClient(user, password)
    if initial:
        code, msg = s.docmd("AUTH", "SCRAM-SHA-256 " + b64(c.first()))
    else:
        assert s.docmd("AUTH", "SCRAM-SHA-256") == (334, b"")
        code, msg = s.docmd(b64(c.first()))
    if code != 334:             # an unknown login fails at once
        return (code, msg), False
    code, msg = s.docmd(b64(c.final(unb64(msg))))
    if code != 334:
        return (code, msg), False
    verified = c.verify(unb64(msg))
    return s.docmd(""), verified       # RFC 4954: an empty response


def scram_sha256_hash(password, salt=b"bulkhead-salt-16", iters=4096):
    """Dovecot's stored {SCRAM-SHA-256}: iterations, salt, StoredKey,
    ServerKey; the password itself is not in the passdb."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return "{SCRAM-SHA-256}%d,%s,%s,%s" % (
        iters, b64(salt), b64(hashlib.sha256(client_key).digest()),
        b64(server_key))


class ScramDovecot(Dovecot):
    """The test's Dovecot with SCRAM-SHA-256 among its mechanisms: dora's
    password in the clear ({PLAIN}: Dovecot derives the keys), erin's
    as SCRAM keys only."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bh-dovecot-scram-")
        self.socket = os.path.join(self.dir, "auth-client")
        os.chmod(self.dir, 0o755)
        for sub in ("run", "state"):
            os.mkdir(os.path.join(self.dir, sub))
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.write("dora:{PLAIN}doras-pw\nerin:%s\n"
                    % scram_sha256_hash("erins-pw"))
        conf = DOVECOT_CONF.format(d=self.dir).replace(
            "auth_mechanisms = plain login",
            "auth_mechanisms = plain login scram-sha-256")
        assert "scram-sha-256" in conf
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.start()


@pytest.fixture
def scram_dovecot():
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot-core is not installed (scripts/install-deps)")
    dv = ScramDovecot()
    yield dv
    dv.cleanup()


@pytest.fixture
def dovecot_plain():
    """The Dovecot of test_auth.py: PLAIN and LOGIN only."""
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot-core is not installed (scripts/install-deps)")
    dv = Dovecot()
    yield dv
    dv.cleanup()


def scram_daemon(auth_daemon, dv, extra="", **kw):  # noqa: F811
    d = auth_daemon(dovecot_main(dv) + extra, **kw)
    wait_log(d, SCRAM_READY)
    return d


def mechanisms(d):
    with tls_session(d) as s:
        return s.esmtp_features["auth"].split()


def test_ehlo_offers_scram_only_when_the_backend_does(
        auth_daemon, scram_dovecot, dovecot_plain):  # noqa: F811
    d = scram_daemon(auth_daemon, scram_dovecot)
    assert mechanisms(d) == ["PLAIN", "LOGIN", "SCRAM-SHA-256"]
    # Dovecot without SCRAM: not offered, and refused as unknown
    d2 = auth_daemon(dovecot_main(dovecot_plain))
    wait_log(d2, r"SASL: Dovecot at .*: ready, SCRAM-SHA-256 not offered")
    assert mechanisms(d2) == ["PLAIN", "LOGIN"]
    # the file backend (crypt hashes) can never run SCRAM
    d3 = auth_daemon(sasl(), setup=with_passwd())
    wait_auth(d3)
    assert mechanisms(d3) == ["PLAIN", "LOGIN"]
    with tls_session(d3) as s:
        code, msg = s.docmd("AUTH", "SCRAM-SHA-256 " +
                            b64(ScramClient("alice", "x").first()))
        assert (code, msg[:5]) == (504, b"5.5.4")


@pytest.mark.parametrize("sandbox", ["chroot", "jail"])
def test_scram_login_then_send(auth_daemon, scram_dovecot, users,  # noqa
                               sandbox):
    d = scram_daemon(auth_daemon, scram_dovecot, sandbox=sandbox)
    for user, pw, initial in (("dora", "doras-pw", True),
                              ("erin", "erins-pw", False)):
        with tls_session(d) as s:
            reply, verified = scram_login(s, user, pw, initial)
            assert reply == OK, (user, reply)
            assert verified, "the server's signature is wrong"
            assert s.docmd("AUTH", "PLAIN")[0] == 503
            s.mail("%s@remote.example" % user, ["AUTH=<>"])
            s.rcpt(A)
            code, msg = s.data(b"Subject: scram\r\n\r\nafter SCRAM\r\n")
            assert code == 250
        qid = re.search(rb"queued as ([0-9A-F]+)", msg).group(1).decode()
        assert b"with ESMTPSA id" in message_with(d, users, qid)
        wait_log(d, r"%s: client=unknown\[127\.0\.0\.1\], "
                 r"sasl_method=SCRAM-SHA-256, sasl_username=%s\n"
                 % (qid, user))
    # PLAIN and LOGIN through the same Dovecot are as before
    with tls_session(d) as s:
        s.user, s.password = "dora", "doras-pw"
        assert s.auth("LOGIN", s.auth_login) == OK
    wait_log(d, r"auth\[\d+\]: login erin from \[127\.0\.0\.1\]")


def test_scram_wrong_password_is_535_and_counted(auth_daemon,  # noqa
                                                   scram_dovecot):
    d = scram_daemon(auth_daemon, scram_dovecot,
                     "smtpd_sasl_failure_limit = 3\n")
    for user in ("dora", "erin"):
        with tls_session(d) as s:
            reply, verified = scram_login(s, user, "wrong")
            code, msg = reply
            assert (code, msg[:5]) == (535, b"5.7.8"), reply
            assert not verified
            assert s.noop()[0] == 250
    # an unknown login fails the same way
    with tls_session(d) as s:
        reply, _ = scram_login(s, "nobody-here", "x")
        assert reply[0] == 535, reply
    # three failures from this client: over smtpd_sasl_failure_limit,
    # refused at once, whatever the mechanism and the password
    with tls_session(d) as s:
        code, msg = s.docmd("AUTH", "SCRAM-SHA-256 " +
                            b64(ScramClient("dora", "x").first()))
        assert (code, msg[:5]) == (450, b"4.7.1"), (code, msg)
        code, msg = s.docmd("AUTH", "PLAIN " + b64("\0dora\0doras-pw"))
        assert (code, msg[:5]) == (450, b"4.7.1"), (code, msg)
    wait_until(lambda: len(re.findall(
        r"warning: unknown\[127\.0\.0\.1\]: SASL SCRAM-SHA-256 "
        r"authentication failed: authentication failure",
        d.logtext())) == 3, "three SCRAM failures logged")
    wait_log(d, r"auth\[\d+\]: warning: authentication failed for erin "
             r"from \[127\.0\.0\.1\]")


def test_scram_cancel_and_bad_responses(auth_daemon, scram_dovecot):  # noqa
    d = scram_daemon(auth_daemon, scram_dovecot)
    with tls_session(d) as s:
        # "*" after the server-first message: aborted, the session goes on
        c = ScramClient("dora", "doras-pw")
        code, msg = s.docmd("AUTH", "SCRAM-SHA-256 " + b64(c.first()))
        assert code == 334 and unb64(msg).startswith("r=" + c.nonce)
        assert s.docmd("*") == (501, b"5.7.0 Authentication aborted")
        assert s.noop()[0] == 250
        # "*" before the first message
        assert s.docmd("AUTH", "SCRAM-SHA-256") == (334, b"")
        assert s.docmd("*") == (501, b"5.7.0 Authentication aborted")
        # bad base64 in the middle ends the exchange too
        code, msg = s.docmd("AUTH", "SCRAM-SHA-256 " +
                            b64(ScramClient("dora", "x").first()))
        assert code == 334
        assert s.docmd("%%%%")[0] == 501
        # and a proper exchange still works in the same session
        reply, verified = scram_login(s, "dora", "doras-pw")
        assert reply == OK and verified
    # the cancelled exchanges were ended at Dovecot, not left waiting:
    # auth and its connection are as they were
    log = d.logtext()
    assert "connection dropped" not in log
    assert "protocol violation" not in log
    assert "SASL SCRAM-SHA-256 authentication failed" not in log


def test_scram_client_gone_mid_exchange(auth_daemon, scram_dovecot):  # noqa
    """Clients that hang up between steps leave nothing behind: the next
    ones log in, and auth never sees an exchange it did not start."""
    d = scram_daemon(auth_daemon, scram_dovecot)
    for _ in range(5):
        s = tls_session(d)
        code, _ = s.docmd("AUTH", "SCRAM-SHA-256 " +
                          b64(ScramClient("dora", "x").first()))
        assert code == 334
        s.close()
    with tls_session(d) as s:
        reply, verified = scram_login(s, "erin", "erins-pw")
        assert reply == OK and verified
    log = d.logtext()
    assert "protocol violation" not in log and "killing" not in log


def test_fail2ban_still_matches_plain_failures(auth_daemon,  # noqa: F811
                                               scram_dovecot):
    """The PLAIN failure lines are unchanged next to SCRAM's (fail2ban's
    stock postfix filter lists LOGIN, PLAIN, CRAM-MD5 and DIGEST-MD5
    only: a SCRAM failure line, in Postfix's shape, is not matched by it,
    as for Postfix)."""
    if shutil.which("fail2ban-regex") is None:
        pytest.skip("fail2ban is not installed (scripts/install-deps)")
    from test_auth import fail2ban_matches
    d = scram_daemon(auth_daemon, scram_dovecot, "syslog_name = postfix\n")
    with tls_session(d) as s:
        assert s.docmd("AUTH", "PLAIN " + b64("\0dora\0wrong"))[0] == 535
    with tls_session(d) as s:
        assert scram_login(s, "dora", "wrong")[0][0] == 535
    wait_until(lambda: "SASL SCRAM-SHA-256 authentication failed" in
               d.logtext(), "the SCRAM failure")
    n, out = fail2ban_matches(d.logtext(), "postfix[mode=auth]")
    assert n == 1, out


# ---- a compromised smtpd gets nothing but a verdict on an exchange ----

def hostile(mode):
    def setup(d):
        with open(os.path.join(d.dir, "test-hook-hostile-auth"), "w") as f:
            f.write(mode + "\n")
    return setup


def assert_smtpd_killed_by_auth(d, why):
    auth_pid = d.wait_role("auth")
    wait_log(d, r"master\[\d+\]: .*killing smtpd \(pid \d+\)")
    wait_log(d, r"auth\[%d\]: security: protocol violation from smtpd: %s"
             % (auth_pid, why))
    wait_log(d, r"master\[\d+\]: security: auth reports a protocol "
             r"violation by smtpd: %s" % why)
    assert d.pids().get("auth") == auth_pid      # auth was not restarted


@pytest.mark.parametrize("mode,why", [
    ("step-unstarted", "a SASL step of no exchange"),
    ("step-twice", "a SASL step before the last was answered"),
    ("step-after", "a SASL step of no exchange"),
    ("abort-unstarted", "a SASL abort of no exchange")])
def test_hostile_smtpd_steps_out_of_turn(auth_daemon, scram_dovecot,  # noqa
                                         mode, why):
    d = auth_daemon(dovecot_main(scram_dovecot), setup=hostile(mode))
    wait_log(d, r"test hook: hostile smtpd sends auth '%s'" % mode)
    if mode == "step-after":
        wait_log(d, r"test hook: hostile smtpd steps a decided exchange")
    assert_smtpd_killed_by_auth(d, why)


def test_hostile_smtpd_step_to_the_file_backend(auth_daemon):  # noqa: F811
    def setup(d):
        with_passwd()(d)
        hostile("step-twice")(d)
    d = auth_daemon(sasl(), setup=setup)
    wait_auth(d)
    assert_smtpd_killed_by_auth(d, "a SASL step for a backend without "
                                   "SCRAM")


def test_bad_dovecot_challenge_is_dropped(auth_daemon):  # noqa: F811
    """A scripted server offers SCRAM, then answers a PLAIN request with
    a challenge and a SCRAM request with one that is not base64: auth
    drops it each time, the clients get 454."""
    import socket
    tmp = tempfile.mkdtemp(prefix="bh-fake-dovecot-")
    path = os.path.join(tmp, "auth-client")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(WAIT)
    hello = (b"VERSION\t1\t2\nMECH\tPLAIN\nMECH\tSCRAM-SHA-256\t"
             b"mutual-auth\nDONE\n")
    try:
        d = auth_daemon(sasl("smtpd_sasl_type = dovecot\n"
                             "smtpd_sasl_path = %s\n" % path))
        conn, _ = srv.accept()
        conn.settimeout(WAIT)
        conn.recv(4096)
        conn.sendall(hello)
        wait_log(d, SCRAM_READY)
        with tls_session(d) as s:
            first = ScramClient("dora", "x").first()
            s.putcmd("AUTH", "SCRAM-SHA-256 " + b64(first))
            req = conn.recv(4096)
            assert req == (b"AUTH\t1\tSCRAM-SHA-256\tservice=smtp\tnologin"
                           b"\trip=127.0.0.1\tsecured\tresp=%s\n"
                           % b64(first).encode())
            conn.sendall(b"CONT\t1\tnot*base64\n")
            assert s.getreply() == (454, b"4.7.0 Temporary authentication "
                                         b"failure")
        wait_log(d, r"Dovecot at .*: protocol error: connection dropped")
        conn.close()
        # the next request connects again (at most once a second): a
        # challenge to a PLAIN request
        time.sleep(1.1)
        with tls_session(d) as s:
            s.putcmd("AUTH", "PLAIN " + b64("\0dora\0doras-pw"))
            conn, _ = srv.accept()
            conn.settimeout(WAIT)
            assert conn.recv(4096).startswith(b"VERSION\t1\t2\n")
            conn.sendall(hello)
            assert conn.recv(4096).startswith(b"AUTH\t2\tPLAIN\t")
            conn.sendall(b"CONT\t2\tYWJj\n")
            assert s.getreply()[0] == 454
        wait_log(d, r"Dovecot at .*: a challenge to a PLAIN request: "
                 r"connection dropped")
        assert d.pids().get("auth")
        conn.close()
    finally:
        srv.close()
        shutil.rmtree(tmp, ignore_errors=True)
