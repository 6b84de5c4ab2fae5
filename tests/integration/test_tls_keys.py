"""
The TLS private key lives in the keys compartment only (issue 12, item
10): smtpd holds the certificate and asks keys for each signature.  These
tests look where an attacker inside smtpd would: its memory, and the key
file from its account; and they kill keys to see smtpd fail handshakes
cleanly until master has restarted it.
"""
import os
import pwd
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import tempfile

import pytest

from conftest import ALICE, BULKCTL, DOMAIN, WAIT, Daemon, free_port, \
    wait_until

A = "%s@%s" % (ALICE, DOMAIN)


def make_certs(kind):
    """kind: rsa, ec, or rsa-one-file (the key in the certificate's file,
    smtpd_tls_key_file left at its default, $smtpd_tls_cert_file)."""
    d = tempfile.mkdtemp(prefix="bh-keys-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    newkey = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
              if kind == "ec" else ["-newkey", "rsa:2048"])
    subprocess.run(["openssl", "req", "-x509"] + newkey +
                   ["-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=mx." + DOMAIN], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    if kind == "rsa-one-file":
        with open(cert) as c, open(key) as k:
            both = k.read() + c.read()
        os.unlink(cert)
        os.unlink(key)
        key = cert
        with open(os.open(cert, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(both)
    return d, cert, key


@pytest.fixture(params=["rsa", "ec", "rsa-one-file"])
def keyed(request, users):
    """A daemon with STARTTLS and a key of the param's kind."""
    d, cert, key = make_certs(request.param)
    tmp = tempfile.mkdtemp(prefix="bh-keys-it-")
    os.chmod(tmp, 0o755)
    extra = ("smtpd_tls_cert_file = %s\nsmtpd_tls_security_level = may\n"
             % cert)
    if key != cert:
        extra += "smtpd_tls_key_file = %s\n" % key
    daemon = Daemon(tmp, free_port(), "chroot", extra,
                    "postmaster: %s\n" % ALICE)
    daemon.start()
    yield daemon, request.param, cert, key
    daemon.stop()
    log = daemon.logtext()
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                "blocked call #", "SIGSYS"):
        assert bad not in log, log


def client_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def starttls(d, tls13=True):
    """One STARTTLS handshake and a NOOP; the negotiated cipher."""
    ctx = client_ctx()
    if not tls13:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
        s.ehlo("client.example")
        s.starttls(context=ctx)
        s.ehlo("client.example")
        assert s.noop()[0] == 250
        return s.sock.cipher()


def secrets(key):
    """Byte strings that only a holder of the private key has: the
    secret numbers, big- and little-endian (OpenSSL's BIGNUM limbs are
    little-endian words on x86_64), and a line of the PEM file."""
    out = []

    def num(v):
        b = v.to_bytes((v.bit_length() + 7) // 8, "big")
        # 32 bytes from the middle: long enough to be unique
        mid = len(b) // 2
        be = b[max(0, mid - 16):mid + 16]
        le = v.to_bytes(len(b), "little")[max(0, mid - 16):mid + 16]
        out.extend([be, le])

    text = subprocess.run(["openssl", "pkey", "-in", key, "-text",
                           "-noout"], check=True, capture_output=True,
                          text=True).stdout
    for field in ("privateExponent", "prime1", "prime2", "priv"):
        m = re.search(r"^%s:\s*\n((?:\s+[0-9a-f:]+\n)+)" % field, text,
                      re.M)
        if m:
            num(int(re.sub(r"[\s:]", "", m.group(1)), 16))
    with open(key) as f:
        pem = f.read()
    body = pem.split("-----BEGIN PRIVATE KEY-----")[1].split("-----")[0]
    lines = body.split()
    out.append(lines[len(lines) // 2].encode())
    assert len(out) >= 3, text
    return out


def memory_of(pid):
    """Every readable mapping of pid's address space (as root)."""
    chunks = []
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if perms[0] != "r" or "[vsyscall]" in line:
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            # An ASan build reserves terabytes of shadow memory: it holds
            # no data of the program's, and would not fit in this one.
            if hi - lo > 256 << 20:
                continue
            try:
                mem.seek(lo)
                chunks.append(mem.read(hi - lo))
            except OSError:
                continue
    return b"".join(chunks)


def test_starttls_works_with_the_oracle(keyed):
    d, kind, cert, key = keyed
    assert starttls(d)[1] == "TLSv1.3"
    assert starttls(d, tls13=False)[1] == "TLSv1.2"
    out = subprocess.run(["openssl", "s_client", "-starttls", "smtp",
                          "-connect", "127.0.0.1:%d" % d.port, "-brief"],
                         input="QUIT\r\n", capture_output=True, text=True,
                         timeout=WAIT)
    assert "CONNECTION ESTABLISHED" in out.stderr, out.stderr


def test_smtpd_memory_holds_no_private_key(keyed):
    d, kind, cert, key = keyed
    starttls(d)                     # the key has been used
    pids = d.pids()
    mem = memory_of(pids["smtpd"])
    assert len(mem) > 1 << 20
    found = [s.hex() for s in secrets(key) if s in mem]
    assert not found, "smtpd's memory holds %s key bytes" % kind
    # the search finds what is there: the keys process has the numbers
    kmem = memory_of(pids["keys"])
    assert any(s in kmem for s in secrets(key)[:-1])


def test_smtpd_cannot_open_the_key_file(keyed):
    d, kind, cert, key = keyed
    pids = d.pids()
    smtpd = pids["smtpd"]
    with open("/proc/%d/status" % smtpd) as f:
        uid = int(re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1))
    # its account cannot read the file (root only, 0600) ...
    r = subprocess.run(["setpriv", "--reuid", str(uid), "--regid",
                        str(pwd.getpwuid(uid).pw_gid), "--clear-groups",
                        "cat", key], capture_output=True)
    assert r.returncode != 0 and b"BEGIN" not in r.stdout
    # ... nor see it from its root
    root = os.readlink("/proc/%d/root" % smtpd)
    assert not os.path.exists(os.path.join(root, key.lstrip("/")))
    # keys is a compartment of its own account
    with open("/proc/%d/status" % pids["keys"]) as f:
        st = f.read()
    kuid = int(re.search(r"^Uid:\s+(\d+)", st, re.M).group(1))
    assert kuid not in (0, uid)
    assert re.search(r"^Seccomp:\s+2$", st, re.M)
    assert os.readlink("/proc/%d/root" % pids["keys"]) == "/var/empty"
    # every session of smtpd's waits while keys signs: keys runs first
    with open("/proc/%d/stat" % pids["keys"]) as f:
        assert int(f.read().rsplit(")", 1)[1].split()[16]) == -5


def test_killed_oracle_fails_handshakes_then_recovers(keyed):
    d, kind, cert, key = keyed
    starttls(d)
    pids = d.pids()
    os.kill(pids["keys"], signal.SIGSTOP)
    try:
        # a stopped oracle: the handshake fails, smtpd lives
        with pytest.raises((ssl.SSLError, smtplib.SMTPException, OSError)):
            starttls(d)
        assert d.pids()["smtpd"] == pids["smtpd"]
        # smtpd now takes keys for stuck: the next one waits 200 ms, not
        # the first wait's 2 s, since every session waits with it (the
        # log says so; a timed assertion would fail on a loaded machine)
        with pytest.raises((ssl.SSLError, smtplib.SMTPException, OSError)):
            starttls(d)
        wait_until(lambda: "key oracle: no answer in 200 ms" in d.logtext(),
                   "the shorter wait in the log")
    finally:
        os.kill(pids["keys"], signal.SIGKILL)
    d.wait_role("keys", not_pid=pids["keys"])

    def works():
        try:
            return starttls(d)
        except (ssl.SSLError, smtplib.SMTPException, OSError):
            return None
    wait_until(works, "handshakes after keys' restart")
    assert d.pids()["smtpd"] == pids["smtpd"]
    # plain SMTP never needed keys
    with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
        assert s.noop()[0] == 250


def test_audit_lists_keys(keyed):
    d, kind, cert, key = keyed
    if kind != "rsa":
        pytest.skip("once is enough")
    r = subprocess.run([BULKCTL, "-c", d.dir, "audit"], capture_output=True,
                       text=True, timeout=WAIT)
    rows = [ln.split() for ln in r.stdout.splitlines()[1:] if ln.strip()]
    keys = [f for f in rows if f[0] == "keys"]
    assert len(keys) == 1, r.stdout
    assert "FAIL" not in r.stdout, r.stdout
