"""The relay's AUTH to a smarthost (smtp_sasl_auth_enable,
smtp_sasl_password_maps), against the scripted Python server of
test_relay.py taught AUTH PLAIN and LOGIN (it checks the credentials and
refuses MAIL before a successful AUTH), with STARTTLS from the test CA,
and a real one: a private Postfix with Dovecot SASL."""
import base64
import os
import shutil
import ssl
import tempfile

import pytest

from conftest import wait_until
from test_relay import Script, relay_daemon, send, status_lines, \
    script_server, test_ca  # noqa: F401

USER, PASSWORD = "relayuser", "s3cret pass"


def auth_script(ca_dir=None, mechs="PLAIN LOGIN"):
    """A server that offers AUTH (after STARTTLS when ca_dir is given)
    and wants USER and PASSWORD; sc.auths records what it was sent."""
    sc = Script(ext=("PIPELINING", "8BITMIME", "AUTH " + mechs))
    sc.auths = []
    sc.authed = False
    if ca_dir:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(ca_dir, "good.pem"),
                            os.path.join(ca_dir, "good.key"))
        sc.tls = ctx

    def verdict(h, user, pw, mech):
        sc.auths.append((mech, user, pw, sc.tls_done))
        if (user, pw) == (USER, PASSWORD):
            sc.authed = True
            h.send(b"235 2.7.0 Authentication successful\r\n")
        else:
            h.send(b"535 5.7.8 Error: authentication failed: "
                   b"authentication failure\r\n")

    def hook(cmd, h):
        if cmd != "AUTH":
            return None
        words = sc.lines[-1].rstrip(b"\r\n").split()
        if words[1].upper() == b"PLAIN":
            _, user, pw = base64.b64decode(words[2]).split(b"\0")
        else:
            h.send(b"334 VXNlcm5hbWU6\r\n")
            user = base64.b64decode(h.rfile.readline().strip())
            h.send(b"334 UGFzc3dvcmQ6\r\n")
            pw = base64.b64decode(h.rfile.readline().strip())
        verdict(h, user.decode(), pw.decode(), words[1].decode().upper())
        return "handled"
    sc.hook = hook
    sc.rules["MAIL"] = lambda arg, n: None if sc.authed else \
        "530 5.7.0 Authentication required"
    return sc


def password_file(lines):
    tmp = tempfile.mkdtemp(prefix="bh-sasl-")
    os.chmod(tmp, 0o755)
    path = os.path.join(tmp, "sasl_passwd")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(lines)
    return path


def auth_daemon(make_daemon, port, table, level="may", extra="",
                test_ca=None, sandbox="chroot"):
    return relay_daemon(make_daemon, port, sandbox=sandbox, extra=(
        "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:%s\n"
        "smtp_tls_security_level = %s\n%s%s" % (
            table, level, "smtp_tls_CAfile = %s/ca.pem\n" % test_ca
            if test_ca else "", extra)))


def test_auth_plain_over_tls(make_daemon, script_server, test_ca, sandbox):
    """Credentials for the relayhost: AUTH PLAIN after STARTTLS, then
    the mail goes out (today: no AUTH, the server refuses MAIL)."""
    sc, port = script_server(auth_script(test_ca))
    table = password_file("[127.0.0.1]:%d  %s:%s\n" % (port, USER, PASSWORD))
    try:
        d = auth_daemon(make_daemon, port, table, test_ca=test_ca,
                        sandbox=sandbox)
        send(d, ["bob@remote.example"])
        wait_until(lambda: status_lines(d, "sent"), "sent")
        assert sc.auths == [("PLAIN", USER, PASSWORD, 1)], sc.auths
        assert len(sc.txns) == 1
    finally:
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


def test_auth_login_when_plain_is_not_offered(make_daemon, script_server,
                                              test_ca):
    sc, port = script_server(auth_script(test_ca, mechs="LOGIN"))
    table = password_file("[127.0.0.1]  wrong:entry\n"
                          "[127.0.0.1]:%d  %s:%s\n" % (port, USER, PASSWORD))
    try:
        d = auth_daemon(make_daemon, port, table, test_ca=test_ca)
        send(d, ["bob@remote.example"])
        wait_until(lambda: status_lines(d, "sent"), "sent")
        assert sc.auths == [("LOGIN", USER, PASSWORD, 1)], sc.auths
    finally:
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


def test_wrong_password_defers(make_daemon, script_server, test_ca):
    """A 535: the mail is deferred, the log says SASL authentication
    failed with the server's reply, nothing is sent."""
    sc, port = script_server(auth_script(test_ca))
    table = password_file("[127.0.0.1]:%d  %s:wrong\n" % (port, USER))
    try:
        d = auth_daemon(make_daemon, port, table, test_ca=test_ca)
        send(d, ["bob@remote.example"])
        line = wait_until(lambda: status_lines(d, "deferred"),
                          "deferred")[0]
        assert ("SASL authentication failed; server 127.0.0.1[127.0.0.1]:%d "
                "said: 535 5.7.8 Error: authentication failed" % port) in \
            line, line
        assert sc.auths == [("PLAIN", USER, "wrong", 1)] and sc.txns == []
    finally:
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


def test_no_credentials_for_the_host_no_auth(make_daemon, script_server,
                                             test_ca):
    """The table has no entry for this next hop: no AUTH is tried (the
    server then refuses MAIL, and the mail bounces with its reply)."""
    sc, port = script_server(auth_script(test_ca))
    table = password_file("[192.0.2.1]:587  %s:%s\n" % (USER, PASSWORD))
    try:
        d = auth_daemon(make_daemon, port, table, test_ca=test_ca)
        send(d, ["bob@remote.example"])
        line = wait_until(lambda: status_lines(d, "bounced"), "bounced")[0]
        assert "530 5.7.0 Authentication required" in line, line
        assert sc.auths == [] and not any(l.upper().startswith(b"AUTH")
                                          for l in sc.lines)
    finally:
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


def test_no_password_in_clear(make_daemon, script_server):
    """Without TLS (smtp_sasl_security_options = noplaintext, noanonymous,
    Postfix's default) PLAIN and LOGIN are not used: the hop fails and
    the mail is deferred; no password crosses in clear."""
    sc, port = script_server(auth_script(None))
    table = password_file("[127.0.0.1]:%d  %s:%s\n" % (port, USER, PASSWORD))
    try:
        d = auth_daemon(make_daemon, port, table, level="none")
        send(d, ["bob@remote.example"])
        line = wait_until(lambda: status_lines(d, "deferred"),
                          "deferred")[0]
        assert ("SASL authentication failed; cannot authenticate to server "
                "127.0.0.1[127.0.0.1]:%d: no mechanism available without "
                "TLS" % port) in line, line
        assert sc.auths == [] and sc.txns == []
    finally:
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


# ---- a real server: a private Postfix with Dovecot SASL ----

def _bench_compare():
    """scripts/bench-compare's Postfix class: a private instance."""
    import importlib.machinery
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "scripts", "bench-compare")
    loader = importlib.machinery.SourceFileLoader("bench_compare", path)
    spec = importlib.util.spec_from_loader("bench_compare", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


@pytest.fixture
def postfix_with_dovecot(test_ca):
    """A private Postfix whose smtpd offers STARTTLS (the test CA's
    certificate for 127.0.0.1) and AUTH through a private Dovecot auth
    service (user dora, password doras-pw), relays only for
    authenticated clients, and holds relayed mail (defer_transports)."""
    if not os.path.exists("/usr/sbin/postfix") or \
            shutil.which("dovecot") is None:
        pytest.skip("postfix and dovecot-core are needed "
                    "(scripts/install-deps)")
    import test_auth
    conf = test_auth.DOVECOT_CONF
    test_auth.DOVECOT_CONF = conf.replace("mode = 0600", "mode = 0666")
    try:                                # Postfix's smtpd is not root
        dv = test_auth.Dovecot()
    finally:
        test_auth.DOVECOT_CONF = conf
    bc = _bench_compare()
    tmp = tempfile.mkdtemp(prefix="bh-pfsasl-")
    os.chmod(tmp, 0o755)
    pf = bc.Postfix(tmp)
    try:
        pf.postconf(
            "syslog_name = postfix-rt-sasl",
            "mynetworks = 192.0.2.1/32",
            "smtpd_sasl_auth_enable = yes",
            "smtpd_sasl_type = dovecot",
            "smtpd_sasl_path = " + dv.socket,
            "smtpd_tls_security_level = may",
            "smtpd_tls_auth_only = yes",
            "smtpd_tls_cert_file = %s/good.pem" % test_ca,
            "smtpd_tls_key_file = %s/good.key" % test_ca,
            "smtpd_relay_restrictions = permit_sasl_authenticated, "
            "reject_unauth_destination",
            "defer_transports = smtp")
        pf.start()
        yield pf
    finally:
        pf.stop()
        dv.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def test_auth_to_postfix_with_dovecot(make_daemon, postfix_with_dovecot,
                                      test_ca):
    """A real smarthost that requires AUTH: Postfix's smtpd with Dovecot
    SASL.  The right password: Postfix takes the mail (and logs the SASL
    login); a wrong one: deferred, "SASL authentication failed" with
    Postfix's 535; no entry for the host: no AUTH, Postfix refuses the
    relay and the mail bounces."""
    pf = postfix_with_dovecot
    cases = (("dora:doras-pw", "sent", "250 2.0.0 Ok: queued as"),
             ("dora:wrong", "deferred", "SASL authentication failed; "
              "server 127.0.0.1[127.0.0.1]:%d said: 535 5.7.8 Error: "
              "authentication failed" % pf.port),
             (None, "bounced", "Relay access denied"))
    for creds, status, text in cases:
        table = password_file("[127.0.0.1]:%d  %s\n" % (
            pf.port if creds else 1, creds or "x:y"))
        try:
            d = auth_daemon(make_daemon, pf.port, table, test_ca=test_ca)
            send(d, ["bob@remote.example"])
            line = wait_until(lambda: status_lines(d, status), status)[0]
            assert text in line, line
        finally:
            shutil.rmtree(os.path.dirname(table), ignore_errors=True)
    with open(pf.logfile) as f:
        log = f.read()
    assert log.count("sasl_method=PLAIN, sasl_username=dora") == 1, log
    assert "authentication failed" in log, log
