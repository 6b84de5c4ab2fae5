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


# ---- DANE (RFC 7672) against a DNSSEC-signed zone ----

LDNS_KEYGEN = "/usr/bin/ldns-keygen"
LDNS_SIGNZONE = "/usr/bin/ldns-signzone"
UNBOUND = "/usr/sbin/unbound"


@pytest.fixture
def signed_zone():
    """make(zone, records, unsigned=(zone, records)): a zone signed with
    ldns-signzone and served by a real unbound from auth-zone (with an
    unsigned local zone beside it); returns (port, trust anchor file:
    the zone's DS record)."""
    made = []

    def make(zone, records, unsigned=None):
        from test_relay import _udp_answers
        tmp = tempfile.mkdtemp(prefix="bh-dnssec-")
        os.chmod(tmp, 0o755)

        def run(*args):
            return subprocess.run(list(args), check=True, cwd=tmp,
                                  capture_output=True, text=True).stdout
        ksk = run(LDNS_KEYGEN, "-a", "ECDSAP256SHA256", "-k", zone).strip()
        zsk = run(LDNS_KEYGEN, "-a", "ECDSAP256SHA256", zone).strip()
        with open(os.path.join(tmp, "zone"), "w") as f:
            f.write("$ORIGIN %s.\n$TTL 300\n"
                    "@ IN SOA ns.%s. root.%s. 1 3600 600 86400 300\n"
                    "@ IN NS ns.%s.\nns IN A 127.0.0.1\n"
                    % (zone, zone, zone, zone))
            for r in records:
                f.write(r + "\n")
        run(LDNS_SIGNZONE, "zone", ksk, zsk)
        ta = os.path.join(tmp, "trust-anchor")
        shutil.copy(os.path.join(tmp, ksk + ".ds"), ta)
        for _ in range(5):
            port = free_port()
            conf = os.path.join(tmp, "unbound.conf")
            with open(conf, "w") as f:
                f.write("server:\n  interface: 127.0.0.1\n  port: %d\n"
                        "  do-daemonize: no\n  username: \"\"\n"
                        "  chroot: \"\"\n  directory: \"%s\"\n"
                        "  pidfile: \"\"\n  use-syslog: no\n  do-ip6: no\n"
                        "  access-control: 127.0.0.0/8 allow\n"
                        % (port, tmp))
                if unsigned:
                    f.write("  local-zone: \"%s.\" static\n" % unsigned[0])
                    for r in unsigned[1]:
                        f.write("  local-data: \"%s\"\n" % r)
                f.write("auth-zone:\n  name: \"%s.\"\n  zonefile: \"%s\"\n"
                        "  for-downstream: yes\n  for-upstream: yes\n"
                        % (zone, os.path.join(tmp, "zone.signed")))
            log = open(os.path.join(tmp, "log"), "wb")
            p = subprocess.Popen([UNBOUND, "-d", "-c", conf], stdout=log,
                                 stderr=log)
            made.append(p)
            try:
                wait_until(lambda: p.poll() is not None or
                           _udp_answers(port), "unbound", 10)
            except AssertionError:
                pass
            if p.poll() is None and _udp_answers(port):
                return port, ta, tmp
        with open(os.path.join(tmp, "log"), "rb") as f:
            raise AssertionError("unbound did not start: %r" % f.read())
    yield make
    for p in made:
        p.terminate()
        p.wait()


def spki_sha256(certbase):
    pub = subprocess.run(["openssl", "x509", "-in", certbase + ".pem",
                          "-noout", "-pubkey"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"],
                         input=pub, check=True, capture_output=True).stdout
    import hashlib
    return hashlib.sha256(der).hexdigest()


@pytest.mark.parametrize("how", ["level", "policy"])
def test_dane(make_daemon, signed_zone, test_ca, how, sandbox):
    """smtp_tls_security_level = dane (or a dane entry in
    smtp_tls_policy_maps), with a real DNSSEC-signed zone and its DS as
    dns_trust_anchor_file: a DANE-EE(3) SPKI SHA-256 record that matches
    the server's key delivers with "Verified TLS connection"; one that
    does not defers (nothing delivered); a TLSA record in an unsigned
    zone is ignored (TLS as at may, delivered)."""
    base = random.randint(10, 70) * 3
    good, bad, plain = ("127.0.0.%d" % base, "127.0.0.%d" % (base + 1),
                        "127.0.0.%d" % (base + 2))
    cert = make_cert(test_ca, "dane", ["mx.good.bh-dane.example"])
    digest = spki_sha256(cert)
    port, ta, zdir = signed_zone("bh-dane.example", [
        "good IN MX 10 mx.good.bh-dane.example.",
        "mx.good IN A %s" % good,
        "_25._tcp.mx.good IN TLSA 3 1 1 %s" % digest,
        "bad IN MX 10 mx.bad.bh-dane.example.",
        "mx.bad IN A %s" % bad,
        "_25._tcp.mx.bad IN TLSA 3 1 1 %s" % ("00" * 32),
    ], unsigned=("bh-nodane.example", [
        "bh-nodane.example. MX 10 mx.bh-nodane.example.",
        "mx.bh-nodane.example. A %s" % plain,
        "_25._tcp.mx.bh-nodane.example. TLSA 3 1 1 %s" % ("00" * 32),
    ]))
    servers = [tls_server(h, 25, cert) for h in (good, bad, plain)]
    table = write_table("*  smtp:\n")
    policy = write_table(".bh-dane.example dane\nbh-nodane.example dane\n")
    level = "dane" if how == "level" else \
        "may\nsmtp_tls_policy_maps = %s" % policy
    try:
        d = make_daemon(sandbox, extra_main="transport_maps = %s\n"
                        "dns_resolvers = [127.0.0.1]:%d\n"
                        "dns_trust_anchor_file = %s\n"
                        "smtp_tls_security_level = %s\n%s" %
                        (table, port, ta, level, FAST))
        send(d, ["a@good.bh-dane.example", "b@bad.bh-dane.example",
                 "c@bh-nodane.example"], sender="%s@%s" % (ALICE, DOMAIN))
        wait_until(lambda: len(status_lines(d, "sent")) == 2, "2 sent")
        sent = "\n".join(status_lines(d, "sent"))
        assert "to=<a@good.bh-dane.example>, relay=mx.good.bh-dane.example" \
            "[%s]:25" % good in sent, sent
        assert "to=<c@bh-nodane.example>, relay=mx.bh-nodane.example" \
            "[%s]:25" % plain in sent, sent
        deferred = wait_until(lambda: status_lines(d, "deferred"),
                              "deferred")
        assert "to=<b@bad.bh-dane.example>" in deferred[0] and \
            "Server certificate not verified" in deferred[0], deferred
        log = d.logtext()
        assert "Verified TLS connection established to " \
            "mx.good.bh-dane.example[%s]:25" % good in log, log
        assert "Verified TLS connection established to " \
            "mx.bh-nodane.example" not in log, log
        assert len(servers[0][0].txns) == 1 and servers[1][0].txns == [] \
            and len(servers[2][0].txns) == 1
    finally:
        for sc, srv in servers:
            srv.shutdown()
            srv.server_close()
        shutil.rmtree(zdir, ignore_errors=True)
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)
        shutil.rmtree(os.path.dirname(policy), ignore_errors=True)


@pytest.mark.parametrize("how", ["level", "policy"])
def test_dane_unusable_records_and_named_next_hops(make_daemon, signed_zone,
                                                   test_ca, how):
    """RFC 7672 2.2: a host whose validated TLSA records are all
    unusable (here PKIX-EE, usage 1) gets TLS without authentication, as
    at encrypt (was: as at may): the one that offers STARTTLS gets the
    mail over TLS, the one that does not is deferred, nothing sent in
    clear.  DANE for [name]:port next hops (was: none): TLSA at
    _PORT._tcp.name, when the name's address answer is validated; a
    match delivers with "Verified", a mismatch defers.  With "policy",
    the table's key for those next hops is [name]:port."""
    base = random.randint(10, 70) * 3
    tls_ok, plain, named, namedbad = ("127.0.0.%d" % (base + k)
                                      for k in range(4))
    nport = free_port()
    cert = make_cert(test_ca, "dane2", ["mx.example.invalid"])
    digest = spki_sha256(cert)
    port, ta, zdir = signed_zone("bh-dane.example", [
        "unus IN MX 10 mx.unus.bh-dane.example.",
        "mx.unus IN A %s" % tls_ok,
        "_25._tcp.mx.unus IN TLSA 1 1 1 %s" % digest,
        "clear IN MX 10 mx.clear.bh-dane.example.",
        "mx.clear IN A %s" % plain,
        "_25._tcp.mx.clear IN TLSA 1 1 1 %s" % digest,
        "smart IN A %s" % named,
        "_%d._tcp.smart IN TLSA 3 1 1 %s" % (nport, digest),
        "smartbad IN A %s" % namedbad,
        "_%d._tcp.smartbad IN TLSA 3 1 1 %s" % (nport, "00" * 32),
    ])
    servers = [tls_server(tls_ok, 25, cert), tls_server(named, nport, cert),
               tls_server(namedbad, nport, cert)]
    sc_plain, srv_plain = tls_server(plain, 25, cert)
    sc_plain.tls = None                 # no STARTTLS offered
    servers.append((sc_plain, srv_plain))
    table = write_table("named.example smtp:[smart.bh-dane.example]:%d\n"
                        "namedbad.example smtp:[smartbad.bh-dane.example]"
                        ":%d\n*  smtp:\n" % (nport, nport))
    policy = write_table(".bh-dane.example dane\n"
                         "[smart.bh-dane.example]:%d dane\n"
                         "[smartbad.bh-dane.example]:%d dane\n"
                         % (nport, nport))
    level = "dane" if how == "level" else \
        "may\nsmtp_tls_policy_maps = %s" % policy
    try:
        d = make_daemon(extra_main="transport_maps = %s\n"
                        "dns_resolvers = [127.0.0.1]:%d\n"
                        "dns_trust_anchor_file = %s\n"
                        "smtp_tls_security_level = %s\n%s" %
                        (table, port, ta, level, FAST))
        send(d, ["a@unus.bh-dane.example", "b@clear.bh-dane.example",
                 "c@named.example", "e@namedbad.example"],
             sender="%s@%s" % (ALICE, DOMAIN))
        wait_until(lambda: len(status_lines(d, "sent")) == 2, "2 sent")
        sent = "\n".join(status_lines(d, "sent"))
        assert "to=<a@unus.bh-dane.example>, relay=mx.unus.bh-dane." \
            "example[%s]:25" % tls_ok in sent, sent
        assert "to=<c@named.example>, relay=smart.bh-dane.example" \
            "[%s]:%d" % (named, nport) in sent, sent

        def deferred(rcpt):
            return [l for l in status_lines(d, "deferred")
                    if "to=<%s>" % rcpt in l]
        line = wait_until(lambda: deferred("b@clear.bh-dane.example"),
                          "b deferred")[0]
        assert "TLS is required, but was not offered by host" in line, line
        line = wait_until(lambda: deferred("e@namedbad.example"),
                          "e deferred")[0]
        assert "Server certificate not verified" in line, line
        log = d.logtext()
        assert "Untrusted TLS connection established to mx.unus.bh-dane." \
            "example[%s]:25" % tls_ok in log, log
        assert "every TLSA record of mx.unus.bh-dane.example is " \
            "unusable" in log, log
        assert "Verified TLS connection established to smart.bh-dane." \
            "example[%s]:%d" % (named, nport) in log, log
        assert len(servers[0][0].txns) == 1 and \
            len(servers[1][0].txns) == 1 and servers[2][0].txns == [] and \
            sc_plain.txns == [], [s[0].txns for s in servers]
    finally:
        for sc, srv in servers:
            srv.shutdown()
            srv.server_close()
        shutil.rmtree(zdir, ignore_errors=True)
        shutil.rmtree(os.path.dirname(table), ignore_errors=True)
        shutil.rmtree(os.path.dirname(policy), ignore_errors=True)
