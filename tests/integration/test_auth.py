"""
SMTP AUTH (RFC 4954): smtpd runs the exchange and relays it to the auth
compartment, which alone reads the credentials.  The real daemon with
TLS certificates made by the test, spoken to with smtplib, raw
dialogues, swaks and curl.
"""
import base64
import os
import re
import shutil
import smtplib
import socket
import ssl

import pytest

import tempfile

from conftest import ALICE, DOMAIN, WAIT, Daemon, free_port
from test_tls import certs, client_ctx, message_with  # noqa: F401

A = "%s@%s" % (ALICE, DOMAIN)
AUTH_ON = "smtpd_sasl_auth_enable = yes\n"


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def start(certs, extra="", services="", sandbox="chroot",  # noqa: F811
          setup=None):
    tmp = tempfile.mkdtemp(prefix="bh-auth-it-")
    os.chmod(tmp, 0o755)
    main = ("smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n"
            "smtpd_tls_security_level = may\n%s" % (certs[0], certs[1], extra))
    d = Daemon(tmp, free_port(), sandbox, main, "postmaster: %s\n" % ALICE)
    with open(os.path.join(tmp, "master.cf"), "a") as f:
        f.write(services)
    if setup:
        setup(d)
    d.start()
    return d


@pytest.fixture
def auth_daemon(users, certs):  # noqa: F811
    made = []

    def make(extra="", **kw):
        d = start(certs, extra, **kw)
        made.append(d)
        return d
    yield make
    for d in made:
        d.stop()
        log = d.logtext()
        if os.environ.get("BH_KEEP_LOGS"):
            shutil.copy(d.logfile, "/tmp/bh-last-maillog")
        shutil.rmtree(d.dir, ignore_errors=True)
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                    "blocked call #", "SIGSYS"):
            assert bad not in log, log


def tls_session(d, port=None):
    s = smtplib.SMTP("127.0.0.1", port or d.port, timeout=WAIT)
    s.ehlo("client.example")
    s.starttls(context=client_ctx())
    s.ehlo("client.example")
    return s


def test_auth_not_offered_unless_enabled(auth_daemon):
    d = auth_daemon()
    with tls_session(d) as s:
        assert not s.has_extn("auth")
        assert s.docmd("AUTH", "PLAIN " + b64("\0%s\0pw" % ALICE))[0] == 503


def test_auth_only_after_tls_by_default(auth_daemon):
    d = auth_daemon(AUTH_ON)
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
        s.ehlo("client.example")
        assert not s.has_extn("auth")
        code, msg = s.docmd("AUTH", "PLAIN " + b64("\0%s\0pw" % ALICE))
        assert (code, msg[:5]) == (530, b"5.7.0")
        s.starttls(context=client_ctx())
        s.ehlo("client.example")
        assert s.esmtp_features["auth"].split() == ["PLAIN", "LOGIN"]


def test_auth_without_tls_when_allowed(auth_daemon):
    d = auth_daemon(AUTH_ON + "smtpd_tls_auth_only = no\n")
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
        s.ehlo("client.example")
        assert s.has_extn("auth")


def test_exchange_errors(auth_daemon):
    d = auth_daemon(AUTH_ON)
    with tls_session(d) as s:
        assert s.docmd("AUTH", "PLAIN not*base64")[0] == 501
        assert s.docmd("AUTH", "CRAM-MD5")[0] == 504
        assert s.docmd("AUTH")[0] == 501
        # "*" cancels; the session goes on
        assert s.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")
        assert s.docmd("*") == (501, b"5.7.0 Authentication aborted")
        assert s.docmd("AUTH", "PLAIN")[0] == 334
        assert s.docmd("%%%%")[0] == 501
        # a malformed PLAIN response is a failure, never sent to auth
        code, msg = s.docmd("AUTH", "PLAIN " + b64("alice-no-nuls"))
        assert (code, msg[:5]) == (535, b"5.7.8")
        # an over-long response ends the exchange
        assert s.docmd("AUTH", "PLAIN")[0] == 334
        code, msg = s.docmd("A" * 3000)
        assert (code, msg[:5]) == (500, b"5.5.6")
        assert s.docmd("NOOP")[0] == 250
        # AUTH inside a transaction
        s.mail("sender@remote.example")
        assert s.docmd("AUTH", "PLAIN")[0] == 503
    log = d.logtext()
    assert re.search(r"warning: unknown\[127\.0\.0\.1\]: SASL PLAIN "
                     r"authentication failed: authentication failure", log)


def test_mail_from_auth_parameter(auth_daemon):
    d = auth_daemon(AUTH_ON)
    with tls_session(d) as s:
        assert s.mail("sender@remote.example", ["AUTH=<>"])[0] == 250
    d2 = auth_daemon()
    with tls_session(d2) as s:
        assert s.mail("sender@remote.example", ["AUTH=<>"])[0] == 555
