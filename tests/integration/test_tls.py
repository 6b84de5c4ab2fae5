"""
STARTTLS and implicit TLS, with certificates the test makes with
openssl req, spoken to by python smtplib, raw sockets, swaks, openssl
s_client and curl.
"""
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile

import pytest

from conftest import ALICE, DOMAIN, WAIT, Daemon, free_port, wait_until
from dialogue import CLOSE, Dialogue

A = "%s@%s" % (ALICE, DOMAIN)


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="bh-tls-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=mx." + DOMAIN], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)        # root only: smtpd reads it before the drop
    yield cert, key
    shutil.rmtree(d, ignore_errors=True)


def start(users, certs, level="may", sandbox="chroot", wrapper_port=None,
          extra_service=""):
    tmp = tempfile.mkdtemp(prefix="bh-tls-it-")
    os.chmod(tmp, 0o755)
    extra = ("smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n"
             "smtpd_tls_security_level = %s\n" % (certs[0], certs[1], level))
    d = Daemon(tmp, free_port(), sandbox, extra, "postmaster: %s\n" % ALICE)
    with open(os.path.join(tmp, "master.cf"), "a") as f:
        if wrapper_port:
            f.write("127.0.0.1:%d inet n - y - - smtpd\n"
                    "  -o smtpd_tls_wrappermode=yes\n" % wrapper_port)
        f.write(extra_service)
    d.start()
    return d


@pytest.fixture
def tls_daemon(users, certs):
    made = []

    def make(**kw):
        d = start(users, certs, **kw)
        made.append(d)
        return d
    yield make
    for d in made:
        d.stop()
        log = d.logtext()
        shutil.rmtree(d.dir, ignore_errors=True)
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                    "blocked call #", "SIGSYS"):
            assert bad not in log, log


def client_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def message_with(d, users, qid):
    new = os.path.join(users[ALICE].pw_dir, "Maildir", "new")
    tag = (" id " + qid).encode()

    def find():
        for n in os.listdir(new) if os.path.isdir(new) else []:
            with open(os.path.join(new, n), "rb") as f:
                data = f.read()
            if tag in data.split(b"\n\n", 1)[0]:
                return data
        return None
    return wait_until(find, "message " + qid)


@pytest.mark.parametrize("sandbox", ["chroot", "jail"])
def test_smtplib_starttls(tls_daemon, users, sandbox):
    d = tls_daemon(sandbox=sandbox)
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
        s.ehlo("client.example")
        assert s.has_extn("starttls")
        code, _ = s.starttls(context=client_ctx())
        assert code == 220
        assert s.sock.version() in ("TLSv1.2", "TLSv1.3")
        s.ehlo("client.example")
        assert not s.has_extn("starttls")      # not offered twice
        s.mail("sender@remote.example")
        s.rcpt(A)
        code, msg = s.data(b"Subject: tls\r\n\r\nover TLS\r\n")
        assert code == 250
    qid = re.search(rb"queued as ([0-9A-F]+)", msg).group(1).decode()
    data = message_with(d, users, qid)
    assert re.search(rb"\n\t\(using TLSv1\.[23] with cipher \S+ "
                     rb"\(\d+/\d+ bits\)\)\n\tby mx\.test\.example "
                     rb"\(bulkhead\) with ESMTPS id " + qid.encode(), data)
    assert "TLS connection established from unknown[127.0.0.1]" in \
        d.logtext()


def test_plaintext_after_starttls_is_discarded(tls_daemon):
    """CVE-2011-0411: commands pipelined with STARTTLS in plaintext must
    not run inside the TLS session."""
    d = tls_daemon()
    c = Dialogue(d.port)
    c.expect(220)
    c.send(b"EHLO client.example\r\n")
    c.expect(250)
    c.send(b"STARTTLS\r\nMAIL FROM:<evil@remote.example>\r\n")
    c.expect(220)
    tls = client_ctx().wrap_socket(c.sock)
    f = tls.makefile("rb")
    # the session starts over: MAIL needs EHLO first, and the injected
    # MAIL was never a transaction
    tls.sendall(b"RCPT TO:<" + A.encode() + b">\r\n")
    assert f.readline().startswith(b"503 5.5.1")
    tls.sendall(b"EHLO client.example\r\n")
    lines = []
    while True:
        line = f.readline()
        lines.append(line)
        if line[3:4] == b" ":
            break
    assert lines[-1].startswith(b"250 ")
    tls.sendall(b"RCPT TO:<" + A.encode() + b">\r\n")
    assert f.readline().startswith(b"503 5.5.1 Error: need MAIL")
    tls.sendall(b"STARTTLS\r\n")
    assert f.readline().startswith(b"554 5.5.1")
    tls.sendall(b"QUIT\r\n")
    assert f.readline().startswith(b"221")
    tls.close()
    assert "discarding %d octets sent after STARTTLS" % len(
        b"MAIL FROM:<evil@remote.example>\r\n") in d.logtext()


def test_starttls_refused_in_a_transaction_and_with_argument(tls_daemon):
    d = tls_daemon()
    c = Dialogue(d.port)
    c.expect(220)
    c.send(b"EHLO c.example\r\nSTARTTLS now\r\nMAIL FROM:<s@remote.example>"
           b"\r\nSTARTTLS\r\nRSET\r\nQUIT\r\n")
    c.expect(250, 501, 250, 503, 250, 221, CLOSE)
    c.close()


def test_encrypt_level_requires_starttls(tls_daemon):
    d = tls_daemon(level="encrypt")
    c = Dialogue(d.port)
    c.expect(220)
    c.send(b"EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\n")
    (_, lines) = c.expect(250, 530)
    assert lines[0].startswith(b"530 5.7.0 Must issue a STARTTLS")
    c.close()
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
        s.starttls(context=client_ctx())
        s.ehlo("client.example")
        assert s.mail("s@remote.example")[0] == 250


def test_tls_1_1_is_refused(tls_daemon):
    d = tls_daemon()
    out = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % d.port,
         "-starttls", "smtp", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        input=b"", capture_output=True, timeout=WAIT)
    assert out.returncode != 0
    out = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % d.port,
         "-starttls", "smtp", "-tls1_2"],
        input=b"QUIT\r\n", capture_output=True, timeout=WAIT)
    assert b"Protocol  : TLSv1.2" in out.stdout, out.stdout[-2000:]


def test_openssl_s_client_starttls(tls_daemon):
    d = tls_daemon()
    out = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % d.port,
         "-starttls", "smtp", "-quiet"],
        input=b"EHLO client.example\r\nQUIT\r\n", capture_output=True,
        timeout=WAIT)
    assert b"250 " in out.stdout and b"221 2.0.0 Bye" in out.stdout, out


def test_swaks_tls(tls_daemon, users):
    d = tls_daemon()
    out = subprocess.run(
        ["swaks", "--server", "127.0.0.1:%d" % d.port, "--tls", "--pipeline",
         "--from", "sender@remote.example", "--to", A, "--body", "swaks",
         "--timeout", "15"], capture_output=True, timeout=WAIT * 2)
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    m = re.search(rb"<~  250 2\.0\.0 Ok: queued as ([0-9A-F]+)", out.stdout)
    assert m, out.stdout
    assert b"with ESMTPS id" in message_with(d, users, m.group(1).decode())


def test_curl_starttls(tls_daemon, users):
    d = tls_daemon()
    with tempfile.NamedTemporaryFile() as msg:
        msg.write(b"Subject: curl\r\n\r\nvia curl\r\n")
        msg.flush()
        out = subprocess.run(
            ["curl", "-sS", "--ssl-reqd", "-k", "--max-time", "15",
             "smtp://127.0.0.1:%d" % d.port, "--mail-from",
             "sender@remote.example", "--mail-rcpt", A, "--upload-file",
             msg.name], capture_output=True, timeout=WAIT * 2)
    assert out.returncode == 0, out.stderr
    wait_until(lambda: "with ESMTPS" in "".join(
        open(os.path.join(users[ALICE].pw_dir, "Maildir", "new", n),
             errors="replace").read()
        for n in os.listdir(os.path.join(users[ALICE].pw_dir, "Maildir",
                                         "new"))), "curl's message")


def test_implicit_tls_listener(users, certs):
    wport = free_port()
    d = start(users, certs, level="none", wrapper_port=wport)
    try:
        raw = socket.create_connection(("127.0.0.1", wport), timeout=WAIT)
        tls = client_ctx().wrap_socket(raw)
        f = tls.makefile("rb")
        assert f.readline().startswith(b"220 ")
        tls.sendall(b"EHLO c.example\r\n")
        lines = []
        while True:
            line = f.readline()
            lines.append(line)
            if line[3:4] == b" ":
                break
        assert not any(b"STARTTLS" in l for l in lines)
        tls.sendall(b"QUIT\r\n")
        assert f.readline().startswith(b"221")
        tls.close()
        # the plain listener, TLS level none: no STARTTLS there
        with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
            s.ehlo("client.example")
            assert not s.has_extn("starttls")
            assert s.docmd("STARTTLS")[0] == 502
    finally:
        d.stop()
        shutil.rmtree(d.dir, ignore_errors=True)


def test_security_level_per_service(users, certs):
    """master.cf -o smtpd_tls_security_level=encrypt on one service (a
    submission port), none in main.cf for the other."""
    sport = free_port()
    d = start(users, certs, level="none", extra_service=(
        "127.0.0.1:%d inet n - y - - smtpd\n"
        "  -o smtpd_tls_security_level=encrypt\n" % sport))
    try:
        with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
            s.ehlo("client.example")
            assert not s.has_extn("starttls")
            assert s.mail("s@remote.example")[0] == 250
        with smtplib.SMTP("127.0.0.1", sport, timeout=WAIT) as s:
            s.ehlo("client.example")
            assert s.has_extn("starttls")
            code, msg = s.mail("s@remote.example")
            assert code == 530 and msg.startswith(b"5.7.0"), msg
            s.rset()
            s.starttls(context=client_ctx())
            s.ehlo("client.example")
            assert s.mail("s@remote.example")[0] == 250
    finally:
        d.stop()
        shutil.rmtree(d.dir, ignore_errors=True)
