"""The relay's TLS beyond STARTTLS levels: secure (the certificate must
name the next-hop domain), smtp_tls_policy_maps per destination, and
DANE against a real DNSSEC-signed zone served by unbound.  Servers are
the scripted Python server of test_relay.py, on loopback."""
import os
import random
import re
import shutil
import ssl
import subprocess
import tempfile
import threading

import pytest

from conftest import ALICE, DOMAIN, free_port, wait_until
from test_relay import FAST, Handler, Script, Server, relay_daemon, send, \
    status_lines, script_server, test_ca, unbound_server  # noqa: F401


def make_cert(ca_dir, name, sans):
    """A server certificate the test CA signs, for sans (DNS names)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=ca_dir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ext = os.path.join(ca_dir, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % ",".join("DNS:" + s for s in sans))
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
        "-out", name + ".csr", "-subj", "/CN=" + sans[0])
    run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey",
        "ca.key", "-CAcreateserial", "-out", name + ".pem", "-days", "2",
        "-extfile", ext)
    return os.path.join(ca_dir, name)


def tls_server(host, port, certbase):
    """A scripted server on host:port that offers STARTTLS with the
    certificate certbase.pem."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certbase + ".pem", certbase + ".key")
    sc = Script()
    sc.tls = ctx
    srv = Server((host, port), Handler)
    srv.script = sc
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return sc, srv


def write_table(text):
    tmp = tempfile.mkdtemp(prefix="bh-tp-")
    os.chmod(tmp, 0o755)
    path = os.path.join(tmp, "table")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_secure_needs_the_nexthop_name(make_daemon, unbound_server,
                                       test_ca):
    """smtp_tls_security_level = secure: the certificate must name the
    next-hop domain or a subdomain (smtp_tls_secure_cert_match's default
    "nexthop, dot-nexthop").  One MX host serves two domains: its
    certificate (mx.tls.bh-dns.example) fits tls.bh-dns.example, not
    other.bh-dns.example, whose mail is deferred."""
    host = "127.0.0.%d" % random.randint(150, 250)
    cert = make_cert(test_ca, "mxtls", ["mx.tls.bh-dns.example"])
    dns = unbound_server(zone="bh-dns.example.", records=[
        "tls.bh-dns.example. MX 10 mx.tls.bh-dns.example.",
        "other.bh-dns.example. MX 10 mx.tls.bh-dns.example.",
        "mx.tls.bh-dns.example. A %s" % host,
    ])
    sc, srv = tls_server(host, 25, cert)
    table = write_table("*  smtp:\n")
    try:
        d = make_daemon(extra_main="transport_maps = %s\n"
                        "dns_resolvers = [127.0.0.1]:%d\n"
                        "smtp_tls_security_level = secure\n"
                        "smtp_tls_CAfile = %s/ca.pem\n%s" %
                        (table, dns, test_ca, FAST))
        send(d, ["a@tls.bh-dns.example", "b@other.bh-dns.example"],
             sender="%s@%s" % (ALICE, DOMAIN))
        sent = wait_until(lambda: status_lines(d, "sent"), "sent")
        assert "to=<a@tls.bh-dns.example>, relay=mx.tls.bh-dns.example" \
            "[%s]:25" % host in sent[0], sent
        deferred = wait_until(lambda: status_lines(d, "deferred"),
                              "deferred")
        assert "to=<b@other.bh-dns.example>" in deferred[0] and \
            "Server certificate not verified: Trusted TLS connection" in \
            deferred[0], deferred
        assert len(sc.txns) == 1 and "a@tls.bh-dns.example" in \
            sc.txns[0][1][0], sc.txns
        assert "Verified TLS connection established to " \
            "mx.tls.bh-dns.example[%s]:25" % host in d.logtext()
    finally:
        srv.shutdown()
        srv.server_close()
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


@pytest.mark.parametrize("level,policy,which,want", [
    # the table turns TLS off where the default demands it
    ("encrypt", "none", None, "sent"),
    # the table demands secure with its own name, where the default is none
    ("none", "secure match=localhost", "good", "sent"),
    ("none", "secure match=mail.nomatch.example", "good", "deferred"),
    # verify for this next hop, where the default may takes anything
    ("may", "verify", "bad", "deferred"),
])
def test_policy_maps_override_the_level(make_daemon, script_server, test_ca,
                                        level, policy, which, want):
    """smtp_tls_policy_maps: the entry for the next hop ("[address]:port",
    as relayhost writes it) wins over smtp_tls_security_level."""
    if which is None:
        sc, port = script_server()          # no STARTTLS at all
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(test_ca, which + ".pem"),
                            os.path.join(test_ca, which + ".key"))
        sc = Script()
        sc.tls = ctx
        sc, port = script_server(sc)
    table = write_table("# policies\n.example.org  encrypt\n"
                        "[127.0.0.1]:%d  %s\n" % (port, policy))
    try:
        d = relay_daemon(make_daemon, port, extra=(
            "smtp_tls_security_level = %s\nsmtp_tls_CAfile = %s/ca.pem\n"
            "smtp_tls_policy_maps = hash:%s\n" % (level, test_ca, table)))
        send(d, ["bob@remote.example"])
        line = wait_until(lambda: status_lines(d, want), want)[0]
        if want == "sent":
            assert len(sc.txns) == 1
            if which is not None:
                assert re.search(r"Verified TLS connection established to "
                                 r"127\.0\.0\.1\[127\.0\.0\.1\]:%d" % port,
                                 d.logtext()), d.logtext()
        else:
            assert "Server certificate not verified" in line, line
            assert sc.txns == []
    finally:
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)


def test_bad_policy_table_is_refused_at_start(make_daemon):
    d = make_daemon()
    table = os.path.join(d.dir, "tls_policy")
    with open(table, "w") as f:
        f.write("ok.example may\n[127.0.0.1]:2525 secure\n"
                "bad.example  sometimes\n")
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write("smtp_tls_policy_maps = hash:%s\n" % table)
    r = subprocess.run([os.environ.get("BULKHEAD", "bulkhead"), "-n", "-c",
                        d.dir], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "smtp_tls_policy_maps: %s:3: unknown level" % table in \
        r.stderr, r.stderr
