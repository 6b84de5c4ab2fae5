"""
SMTP AUTH (RFC 4954): smtpd runs the exchange and relays it to the auth
compartment, which alone reads the credentials.  The real daemon with
TLS certificates made by the test, spoken to with smtplib, raw
dialogues, swaks and curl.
"""
import base64
import os
import select
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import time

import pytest

import tempfile

from conftest import (ALICE, BULKCTL, DOMAIN, WAIT, Daemon, free_port,
                      wait_until)
from test_relay import script_server  # noqa: F401
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
    try:
        d.start()
    except BaseException:
        d.stop()                # no daemon left behind by a failed start
        shutil.rmtree(tmp, ignore_errors=True)
        raise
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


def wait_log(d, regex):
    """Log lines reach the file through master: wait for them."""
    return wait_until(lambda: re.search(regex, d.logtext()), regex)


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
    wait_log(d, r"warning: unknown\[127\.0\.0\.1\]: SASL PLAIN "
             r"authentication failed: authentication failure")


def test_mail_from_auth_parameter(auth_daemon):
    d = auth_daemon(AUTH_ON)
    with tls_session(d) as s:
        assert s.mail("sender@remote.example", ["AUTH=<>"])[0] == 250
    d2 = auth_daemon()
    with tls_session(d2) as s:
        assert s.mail("sender@remote.example", ["AUTH=<>"])[0] == 555


# ---- the auth compartment, file backend ----

def hashes():
    """Logins of the test password file: yescrypt, sha512-crypt, bcrypt
    hashes made with libxcrypt (python's crypt) and openssl."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import crypt
    sha = subprocess.run(["openssl", "passwd", "-6", "bobs-pw"],
                         capture_output=True, text=True, check=True)
    return {
        "alice": crypt.crypt("alices-pw", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1"),
        "bob": sha.stdout.strip(),
        "carol": crypt.crypt("carols-pw", crypt.mksalt(crypt.METHOD_BLOWFISH)),
    }


PASSWORDS = {"alice": "alices-pw", "bob": "bobs-pw", "carol": "carols-pw"}


def write_passwd(d, mode=0o600, text=None):
    path = os.path.join(d.dir, "sasl_passwd")
    if text is None:
        text = "# test logins\n" + "".join(
            "%s:%s\n" % kv for kv in hashes().items())
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def sasl(extra=""):
    return AUTH_ON + extra


def with_passwd(**kw):
    def setup(d):
        write_passwd(d, **kw)
        d.auth_down = kw.get("mode", 0o600) & 0o022 != 0
    return setup


def wait_auth(d):
    wait_until(lambda: d.log_count("auth: ready") >= 1, "auth to be ready")


@pytest.mark.parametrize("sandbox", ["chroot", "jail"])
def test_login_each_hash_and_mechanism(auth_daemon, users, sandbox):
    d = auth_daemon(sasl(), setup=with_passwd(), sandbox=sandbox)
    wait_auth(d)
    assert re.search(r"auth\[\d+\]: ready: 3 logins", d.logtext())
    for login, pw in PASSWORDS.items():
        for mech in ("PLAIN", "LOGIN"):
            with tls_session(d) as s:
                s.user, s.password = login, pw
                code, msg = s.auth(mech, getattr(s, "auth_" + mech.lower()),
                                   initial_response_ok=(login != "bob"))
                assert (code, msg) == (
                    235, b"2.7.0 Authentication successful"), (login, mech)
                # a second AUTH after a login
                assert s.docmd("AUTH", "PLAIN")[0] == 503
    wait_log(d, r"auth\[\d+\]: login carol from \[127\.0\.0\.1\]")


def test_login_then_send(auth_daemon, users):
    d = auth_daemon(sasl(), setup=with_passwd())
    wait_auth(d)
    with tls_session(d) as s:
        s.login("alice", "alices-pw")
        s.mail("alice@remote.example", ["AUTH=<>"])
        s.rcpt(A)
        code, msg = s.data(b"Subject: auth\r\n\r\nsent after a login\r\n")
        assert code == 250
    qid = re.search(rb"queued as ([0-9A-F]+)", msg).group(1).decode()
    data = message_with(d, users, qid)
    assert re.search(rb"with ESMTPSA id " + qid.encode(), data)
    wait_log(d, r"%s: client=unknown\[127\.0\.0\.1\], sasl_method=PLAIN, "
             r"sasl_username=alice\n" % qid)


def test_login_relays_through_the_relayhost(auth_daemon, script_server):
    """permit_sasl_authenticated lets a logged-in client relay now that
    relay exists: to a remote domain, through the relayhost; the same
    client without a login may not (127.0.0.1 is not in mynetworks
    here)."""
    sc, port = script_server()
    d = auth_daemon(sasl("mynetworks = 192.0.2.0/24\n"
                         "relayhost = [127.0.0.1]:%d\n" % port),
                    setup=with_passwd())
    wait_auth(d)
    with tls_session(d) as s:
        s.mail("alice@remote.example")
        code, msg = s.rcpt("carol@elsewhere.example")
        assert code == 554, (code, msg)
    with tls_session(d) as s:
        s.login("alice", "alices-pw")
        s.sendmail("alice@remote.example", ["carol@elsewhere.example"],
                   b"Subject: relayed\r\n\r\nthrough the smarthost\r\n")
    wait_until(lambda: sc.txns, "the smarthost to take the message")
    mail, rcpts, data = sc.txns[0]
    assert "alice@remote.example" in mail, mail
    assert any("carol@elsewhere.example" in r for r in rcpts), rcpts
    assert b"through the smarthost" in data
    wait_log(d, r"to=<carol@elsewhere\.example>, relay=127\.0\.0\.1"
             r"\[127\.0\.0\.1\]:%d, .*status=sent" % port)


def test_wrong_password_and_unknown_user(auth_daemon):
    d = auth_daemon(sasl("smtpd_sasl_failure_delay = 0\n"),
                    setup=with_passwd())
    wait_auth(d)
    for user, pw in (("alice", "wrong"), ("nobody-here", "alices-pw"),
                     ("bob", "alices-pw")):
        with tls_session(d) as s:
            with pytest.raises(smtplib.SMTPAuthenticationError) as e:
                s.login(user, pw)
            assert e.value.smtp_code == 535
            assert e.value.smtp_error.startswith(b"5.7.8 ")
    # an authorization identity other than the login is refused
    with tls_session(d) as s:
        code, _ = s.docmd("AUTH", "PLAIN " + b64("bob\0alice\0alices-pw"))
        assert code == 535
    # smtplib's login() tries PLAIN, then LOGIN: 3 x 2 + 1
    wait_until(lambda: len(re.findall(
        r"warning: unknown\[127\.0\.0\.1\]: SASL (PLAIN|LOGIN) "
        r"authentication failed: authentication failure",
        d.logtext())) == 7, "seven failures logged")


def test_swaks_auth(auth_daemon, users):
    d = auth_daemon(sasl(), setup=with_passwd())
    wait_auth(d)
    for mech, ok in (("PLAIN", True), ("LOGIN", True), ("PLAIN", False)):
        out = subprocess.run(
            ["swaks", "--server", "127.0.0.1:%d" % d.port, "--tls",
             "--auth", mech, "--auth-user", "carol", "--auth-password",
             "carols-pw" if ok else "nope", "--from",
             "carol@remote.example", "--to", A, "--body", "swaks auth",
             "--timeout", "15"], capture_output=True, timeout=WAIT * 2)
        text = out.stdout.decode()
        if ok:
            assert out.returncode == 0, text
            assert "<~  235 2.7.0 Authentication successful" in text
        else:
            assert out.returncode != 0
            assert "<~* 535 5.7.8" in text, text


def test_curl_login(auth_daemon, users):
    d = auth_daemon(sasl(), setup=with_passwd())
    wait_auth(d)
    with tempfile.NamedTemporaryFile() as msg:
        msg.write(b"Subject: curl auth\r\n\r\nvia curl, logged in\r\n")
        msg.flush()
        for user, pw, want in (("bob", "bobs-pw", 0), ("bob", "x", 67)):
            out = subprocess.run(
                ["curl", "-sS", "--ssl-reqd", "-k", "--max-time", "15",
                 "smtp://127.0.0.1:%d" % d.port, "--user",
                 "%s:%s" % (user, pw), "--login-options", "AUTH=PLAIN",
                 "--mail-from", "bob@remote.example", "--mail-rcpt", A,
                 "--upload-file", msg.name], capture_output=True,
                timeout=WAIT * 2)
            assert out.returncode == want, out.stderr
    wait_log(d, "sasl_username=bob")


def test_backend_down_is_454(auth_daemon):
    """A password file auth may not trust (writable by others): auth does
    not start, and AUTH gets a temporary failure, never a crash."""
    d = auth_daemon(sasl(), setup=with_passwd(mode=0o666))
    wait_until(lambda: "must be a regular file owned by root" in d.logtext(),
               "auth to refuse the file")
    with tls_session(d) as s:
        code, msg = s.docmd("AUTH", "PLAIN " + b64("\0alice\0alices-pw"))
        assert (code, msg) == (454, b"4.7.0 Temporary authentication "
                                    b"failure")
        assert s.noop()[0] == 250
    wait_log(d, "SASL PLAIN authentication failed: Connection lost to "
             "authentication server")


def timed_failure(d, user="alice"):
    with tls_session(d) as s:
        t = time.monotonic()
        code, msg = s.docmd("AUTH", "PLAIN " + b64("\0%s\0wrong" % user))
        return code, msg, time.monotonic() - t


def test_brute_force_is_slowed_then_refused(auth_daemon):
    d = auth_daemon(sasl("smtpd_sasl_failure_delay = 1s\n"
                         "smtpd_sasl_failure_limit = 3\n"),
                    setup=with_passwd())
    wait_auth(d)
    results = [timed_failure(d) for _ in range(3)]
    assert [r[0] for r in results] == [535, 535, 535]
    # the verdict is held back, longer with every failure: 1s, 2s, 3s
    assert results[0][2] >= 0.9
    assert results[2][2] >= 2.9
    assert results[2][2] > results[0][2] + 1.5
    # over the limit: refused at once, even with the right password
    with tls_session(d) as s:
        code, msg = s.docmd("AUTH", "PLAIN " + b64("\0alice\0alices-pw"))
        assert (code, msg[:5]) == (450, b"4.7.1")
    wait_log(d, "answer held back 3s")
    wait_log(d, "too many AUTH requests or failures")


def test_client_auth_rate_limit(auth_daemon):
    d = auth_daemon(sasl("smtpd_client_auth_rate_limit = 2\n"),
                    setup=with_passwd())
    wait_auth(d)
    codes = []
    for _ in range(3):
        with tls_session(d) as s:
            codes.append(s.docmd("AUTH", "PLAIN " +
                                 b64("\0alice\0alices-pw"))[0])
    assert codes == [235, 235, 450]


# ---- bulkctl passwd ----

def bulkctl_passwd(d, login, stdin):
    return subprocess.run([BULKCTL, "-c", d.dir, "passwd", login],
                          input=stdin, capture_output=True, timeout=30)


def test_bulkctl_passwd(auth_daemon):
    def setup(d):
        write_passwd(d)
        r = bulkctl_passwd(d, "dave", b"daves-pw\n")
        assert r.returncode == 0, r.stderr
        # bob's line is replaced, the others are kept
        assert bulkctl_passwd(d, "bob", b"new-bob-pw\r\n").returncode == 0
        # refused: a bad login, an empty password
        assert bulkctl_passwd(d, "da:ve", b"x\n").returncode == 1
        assert bulkctl_passwd(d, "eve", b"\n").returncode == 1
        assert bulkctl_passwd(d, "eve", b"").returncode == 1
    d = auth_daemon(sasl(), setup=setup)
    wait_auth(d)
    path = os.path.join(d.dir, "sasl_passwd")
    st = os.stat(path)
    assert (st.st_uid, st.st_mode & 0o777) == (0, 0o600)
    with open(path) as f:
        text = f.read()
    assert re.search(r"^dave:\$y\$", text, re.M)          # yescrypt
    assert len(re.findall(r"^bob:", text, re.M)) == 1
    assert "# test logins\n" in text and "\ncarol:$2b$" in text
    assert not os.path.exists(path + ".bulkctl-")
    wait_log(d, r"auth\[\d+\]: ready: 4 logins")
    for login, pw, code in (("dave", "daves-pw", 235), ("bob", "new-bob-pw",
                            235), ("bob", "bobs-pw", 535),
                            ("alice", "alices-pw", 235)):
        with tls_session(d) as s:
            assert s.docmd("AUTH", "PLAIN " + b64("\0%s\0%s" % (login, pw))
                           )[0] == code, login


def test_bulkctl_passwd_on_a_terminal():
    import pty
    tmp = tempfile.mkdtemp(prefix="bh-auth-pty-")
    try:
        with open(os.path.join(tmp, "main.cf"), "w") as f:
            f.write("smtpd_sasl_path = %s/sasl_passwd\n" % tmp)
        open(os.path.join(tmp, "master.cf"), "w").close()
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(BULKCTL, [BULKCTL, "-c", tmp, "passwd", "erin"])
        out = b""
        for answer in (b"erins-pw\n", b"erins-pw\n"):
            while b"password: " not in out.split(b"\n")[-1]:
                ready, _, _ = select.select([fd], [], [], WAIT)
                if not ready:
                    os.kill(pid, 9)
                    pytest.fail("no prompt from bulkctl: %r" % out)
                out += os.read(fd, 1024)
            assert b"erins-pw" not in out        # no echo
            os.write(fd, answer)
            out += b"\n"
        # Read what it still writes until it exits (a terminal whose
        # output nobody reads can hold it up), within WAIT.
        deadline = time.monotonic() + WAIT
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail("bulkctl passwd did not finish: %r" % out)
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 1024)
                except OSError:
                    pass
        assert os.WEXITSTATUS(status) == 0, out
        with open(os.path.join(tmp, "sasl_passwd")) as f:
            assert f.read().startswith("erin:$y$")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the Dovecot backend ----

DOVECOT_CONF = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols =
ssl = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service auth {{
  unix_listener {d}/auth-client {{
    mode = 0600
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """A private Dovecot auth service on a socket in a temporary
    directory, with a passwd-file passdb."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bh-dovecot-")
        self.socket = os.path.join(self.dir, "auth-client")
        os.chmod(self.dir, 0o755)       # dovecot's auth runs as dovecot
        for sub in ("run", "state"):
            os.mkdir(os.path.join(self.dir, sub))
        dora = subprocess.run(["openssl", "passwd", "-6", "doras-pw"],
                              capture_output=True, text=True,
                              check=True).stdout.strip()
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.write("dora:{CRYPT}%s\nbob:{CRYPT}%s\n" % (
                dora, hashes()["bob"]))
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(d=self.dir))
        self.start()

    def start(self):
        # a session of its own: stop() ends its auth process too
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        wait_until(lambda: os.path.exists(self.socket), "dovecot's socket")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=WAIT)
        # the master gone, its children follow: wait for the last
        wait_until(lambda: not any(
            os.path.exists("/proc/%d" % p) for p in self.children()),
            "dovecot's processes to end")

    def children(self):
        out = []
        for p in os.listdir("/proc"):
            try:
                if p.isdigit() and os.getpgid(int(p)) == self.proc.pid:
                    out.append(int(p))
            except OSError:
                pass
        return out

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def dovecot():
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot-core is not installed (scripts/install-deps)")
    dv = Dovecot()
    yield dv
    dv.cleanup()


def dovecot_main(dv):
    return sasl("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = %s\n"
                "smtpd_sasl_failure_delay = 0\n" % dv.socket)


@pytest.mark.parametrize("sandbox", ["chroot", "jail"])
def test_dovecot_backend(auth_daemon, dovecot, users, sandbox):
    d = auth_daemon(dovecot_main(dovecot), sandbox=sandbox)
    wait_log(d, r"auth\[\d+\]: ready: Dovecot at ")
    for login, pw, mech, code in (
            ("dora", "doras-pw", "PLAIN", 235),
            ("dora", "doras-pw", "LOGIN", 235),
            ("bob", "bobs-pw", "PLAIN", 235),
            ("dora", "wrong", "PLAIN", 535),
            ("nobody-here", "doras-pw", "LOGIN", 535)):
        with tls_session(d) as s:
            s.user, s.password = login, pw
            try:
                got = s.auth(mech, getattr(s, "auth_" + mech.lower()))[0]
            except smtplib.SMTPAuthenticationError as e:
                got = e.smtp_code
            assert got == code, (login, mech)
            if code == 235 and login == "dora":
                s.mail("dora@remote.example")
                s.rcpt(A)
                assert s.data(b"Subject: dovecot\r\n\r\nhi\r\n")[0] == 250
    wait_log(d, r"client=unknown\[127\.0\.0\.1\], sasl_method=PLAIN, "
             r"sasl_username=dora")
    wait_log(d, r"SASL LOGIN authentication failed: authentication failure")


def test_dovecot_down_and_back(auth_daemon, dovecot):
    d = auth_daemon(dovecot_main(dovecot))
    wait_log(d, r"auth\[\d+\]: ready: Dovecot at ")
    dovecot.stop()
    # Dovecot's auth process outlives its master for a moment: wait
    # until auth saw the connection go
    wait_log(d, r"SASL: Dovecot at .*: (closed by the server|read error)")
    with tls_session(d) as s:
        code, msg = s.docmd("AUTH", "PLAIN " + b64("\0dora\0doras-pw"))
        assert (code, msg) == (454, b"4.7.0 Temporary authentication "
                                    b"failure")
        assert s.noop()[0] == 250
    # Dovecot comes back: auth connects again, no restart of anything
    os.unlink(dovecot.socket)
    dovecot.start()

    def logs_in():
        time.sleep(1.1)         # auth tries at most once a second
        with tls_session(d) as s:
            return s.docmd("AUTH", "PLAIN " + b64("\0dora\0doras-pw"))[0] \
                == 235
    wait_until(logs_in, "a login through the new Dovecot")


def test_dovecot_garbage_is_dropped(auth_daemon, certs):  # noqa: F811
    """A server that answers garbage: auth drops the connection, the
    client gets 454, and nothing crashes."""
    tmp = tempfile.mkdtemp(prefix="bh-fake-dovecot-")
    path = os.path.join(tmp, "auth-client")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(4)
    try:
        d = auth_daemon(sasl("smtpd_sasl_type = dovecot\n"
                             "smtpd_sasl_path = %s\n" % path))
        conn, _ = srv.accept()
        conn.recv(4096)
        conn.sendall(b"VERSION\t1\t2\nMECH\tPLAIN\nDONE\n")
        with tls_session(d) as s:
            s.sock.settimeout(WAIT)
            s.putcmd("AUTH", "PLAIN " + b64("\0dora\0doras-pw"))
            req = conn.recv(4096)
            assert req.startswith(b"AUTH\t1\tPLAIN\tservice=smtp\t")
            assert b"doras-pw" not in req       # base64 inside resp=
            assert b"\trip=127.0.0.1\tsecured\t" in req   # over TLS
            conn.sendall(b"OK\t1\tuser=do\x01ra\n")     # a control char
            assert s.getreply() == (454, b"4.7.0 Temporary authentication "
                                         b"failure")
        wait_log(d, r"Dovecot at .*: protocol error: connection dropped")
        assert conn.recv(4096) == b""            # auth closed it
        conn.close()
        assert d.pids().get("auth")              # and lives on
    finally:
        srv.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---- policy: submission services, relay, sender login maps ----

def services(sub_port, subs_port):
    """Postfix's stock submission (587) and submissions (465) services,
    on free ports."""
    return ("127.0.0.1:%d inet n - y - - smtpd\n"
            "  -o syslog_name=postfix/submission\n"
            "  -o smtpd_tls_security_level=encrypt\n"
            "  -o smtpd_sasl_auth_enable=yes\n"
            "  -o smtpd_tls_auth_only=yes\n"
            "  -o smtpd_recipient_restrictions=\n"
            "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
            "127.0.0.1:%d inet n - y - - smtpd\n"
            "  -o syslog_name=postfix/submissions\n"
            "  -o smtpd_tls_wrappermode=yes\n"
            "  -o smtpd_sasl_auth_enable=yes\n"
            "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
            % (sub_port, subs_port))


def test_submission_service(auth_daemon, users):
    sub = free_port()
    # default_transport = local: no MX routing, so that a permitted relay
    # meets the 451 4.4.0 of "nowhere to send it" below
    d = auth_daemon("default_transport = local\n",
                    services=services(sub, free_port()),
                    setup=with_passwd())
    wait_auth(d)
    # port 25 (the test's listener): no AUTH at all
    with tls_session(d) as s:
        assert not s.has_extn("auth")
    with smtplib.SMTP("127.0.0.1", sub, timeout=WAIT) as s:
        s.ehlo("client.example")
        # no AUTH before STARTTLS, and no mail without TLS
        assert not s.has_extn("auth")
        assert s.docmd("AUTH", "PLAIN " + b64("\0alice\0alices-pw"))[0] \
            == 530
        code, msg = s.docmd("MAIL", "FROM:<alice@remote.example>")
        assert (code, msg[:5]) == (530, b"5.7.0")
        s.starttls(context=client_ctx())
        s.ehlo("client.example")
        assert s.has_extn("auth")
        # not logged in: refused, even for a local user
        s.mail("alice@remote.example")
        code, msg = s.rcpt(A)
        assert (code, msg[:5]) == (554, b"5.7.1")
        s.rset()
        s.login("alice", "alices-pw")
        s.mail("alice@remote.example")
        assert s.rcpt(A)[0] == 250
        # a remote recipient: relay permitted, as for mynetworks today
        code, msg = s.rcpt("someone@elsewhere.example")
        assert (code, msg[:5]) == (451, b"4.4.0")
        code, msg = s.data(b"Subject: submission\r\n\r\nport 587\r\n")
        assert code == 250
    qid = re.search(rb"queued as ([0-9A-F]+)", msg).group(1).decode()
    assert b"with ESMTPSA id" in message_with(d, users, qid)


def test_submissions_wrapper_mode(auth_daemon, users):
    subs = free_port()
    d = auth_daemon(services=services(free_port(), subs),
                    setup=with_passwd())
    wait_auth(d)
    with smtplib.SMTP_SSL("127.0.0.1", subs, timeout=WAIT,
                          context=client_ctx()) as s:
        s.ehlo("client.example")
        assert s.esmtp_features["auth"].split() == ["PLAIN", "LOGIN"]
        s.login("bob", "bobs-pw")
        s.mail("bob@remote.example")
        s.rcpt(A)
        code, msg = s.data(b"Subject: submissions\r\n\r\nport 465\r\n")
        assert code == 250
    qid = re.search(rb"queued as ([0-9A-F]+)", msg).group(1).decode()
    assert b"with ESMTPSA id" in message_with(d, users, qid)


def test_sender_login_maps(auth_daemon, certs):  # noqa: F811
    tmp = tempfile.mkdtemp(prefix="bh-slm-")
    try:
        maps = os.path.join(tmp, "sender_login")
        with open(maps, "w") as f:
            f.write("# sender  logins\n"
                    "alice@%s  alice\n"
                    "shared@%s  alice, bob\n"
                    "@remote.example  bob\n" % (DOMAIN, DOMAIN))
        d = auth_daemon(sasl("smtpd_sender_login_maps = hash:%s\n"
                             "smtpd_sender_restrictions = "
                             "reject_sender_login_mismatch\n" % maps),
                        setup=with_passwd())
        wait_auth(d)
        with tls_session(d) as s:
            # not logged in: an address a login owns is refused
            code, msg = s.mail("alice@" + DOMAIN)
            assert (code, msg) == (553, b"5.7.1 <alice@%s>: Sender address "
                                   b"rejected: not logged in" %
                                   DOMAIN.encode())
            assert s.mail("nobody@elsewhere.example")[0] == 250
            s.rset()
            s.login("alice", "alices-pw")
            assert s.mail("alice@" + DOMAIN)[0] == 250
            s.rset()
            assert s.mail("shared@" + DOMAIN)[0] == 250
            s.rset()
            code, msg = s.mail("bob@remote.example")
            assert (code, msg) == (553, b"5.7.1 <bob@remote.example>: "
                                   b"Sender address rejected: not owned by "
                                   b"user alice")
            # an address nobody owns is owned by no login either
            assert s.mail("nobody@elsewhere.example")[0] == 553
            assert s.mail("<>")[0] == 250
        with tls_session(d) as s:
            s.login("bob", "bobs-pw")
            assert s.mail("anyone@remote.example")[0] == 250
        wait_log(d, r"reject: MAIL from unknown\[127\.0\.0\.1\]: 553 5\.7\.1 "
                 r"<bob@remote\.example>: Sender address rejected: not owned "
                 r"by user alice")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- fail2ban, audit, a hostile smtpd ----

def fail2ban_matches(log, filt):
    with tempfile.NamedTemporaryFile("w", suffix=".log") as f:
        f.write(log)
        f.flush()
        r = subprocess.run(["fail2ban-regex", "--print-all-matched",
                            f.name, filt], capture_output=True, text=True,
                           timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"^Lines: \d+ lines, \d+ ignored, (\d+) matched", r.stdout,
                  re.M)
    assert m, r.stdout
    return int(m.group(1)), r.stdout


@pytest.mark.parametrize("syslog_name,filt", [
    # the stock jail, unchanged, with Postfix's log tag
    ("postfix", "postfix[mode=auth]"),
    # bulkhead's own tag: the stock filter told its daemon name
    ("bulkhead", r"postfix[mode=auth, _daemon=bulkhead/\w+]")])
def test_fail2ban_postfix_sasl_filter(auth_daemon, syslog_name, filt):
    if shutil.which("fail2ban-regex") is None:
        pytest.skip("fail2ban is not installed (scripts/install-deps)")
    d = auth_daemon(sasl("smtpd_sasl_failure_delay = 0\n"
                         "syslog_name = %s\n" % syslog_name),
                    setup=with_passwd())
    wait_auth(d)
    for user, pw in (("alice", "wrong"), ("nobody", "x"), ("bob", "y")):
        with tls_session(d) as s:
            assert s.docmd("AUTH", "PLAIN " + b64("\0%s\0%s" % (user, pw))
                           )[0] == 535
    with tls_session(d) as s:
        s.login("alice", "alices-pw")           # a success: no match
    wait_until(lambda: d.logtext().count("SASL PLAIN authentication "
                                         "failed") == 3, "three failures")
    n, out = fail2ban_matches(d.logtext(), filt)
    assert n == 3, out
    assert "127.0.0.1" in out


def test_audit_shows_auth(auth_daemon):
    d = auth_daemon(sasl(), setup=with_passwd())
    wait_auth(d)
    r = subprocess.run([BULKCTL, "-c", d.dir, "audit"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    row = [ln.split() for ln in r.stdout.splitlines()
           if ln.startswith("auth ")]
    assert len(row) == 1, r.stdout
    f = row[0]
    uid = f[2:6]
    assert len(set(uid)) == 1 and uid[0] != "0"
    assert f[-6:-2] == ["0000000000000000", "0000000000000000", "1", "2"]
    assert f[-2] == "/var/empty"
    # auth cannot read the password file any more: it is root's
    import pwd
    assert pwd.getpwuid(int(uid[0])).pw_name == "_bhauth"


@pytest.mark.parametrize("hostile", ["type", "reply", "forged"])
def test_hostile_smtpd_gets_nothing_from_auth(auth_daemon, hostile):
    """A compromised smtpd sends auth what no honest one does: auth drops
    the channel, reports smtpd, master kills smtpd; auth lives on and
    answers the next smtpd."""
    def setup(d):
        write_passwd(d)
        with open(os.path.join(d.dir, "test-hook-hostile-auth"), "w") as f:
            f.write(hostile + "\n")
    d = auth_daemon(sasl(), setup=setup)
    wait_auth(d)
    auth_pid = d.wait_role("auth")
    wait_log(d, r"test hook: hostile smtpd sends auth '%s'" % hostile)
    wait_log(d, r"master\[\d+\]: .*killing smtpd \(pid \d+\)")
    why = ("bad AUTH_CHECK payload" if hostile == "forged" else
           "message type not allowed in this direction")
    wait_log(d, r"auth\[%d\]: security: protocol violation from smtpd: %s"
             % (auth_pid, why))
    wait_log(d, r"master\[\d+\]: security: auth reports a protocol "
             r"violation by smtpd: %s" % why)
    log = d.logtext()
    assert d.pids().get("auth") == auth_pid      # auth was not restarted
    assert not re.search(r"auth \(pid %d\) (exited|killed)" % auth_pid, log)
    assert re.search(r"auth\[%d\]: .*" % auth_pid, log)


def test_hostile_smtpd_honest_question_gets_a_verdict(auth_daemon):
    def setup(d):
        write_passwd(d)
        with open(os.path.join(d.dir, "test-hook-hostile-auth"), "w") as f:
            f.write("dump\n")
    d = auth_daemon(sasl(), setup=setup)
    wait_auth(d)
    wait_log(d, r"auth\[\d+\]: warning: authentication failed for \* from "
             r"\[127\.0\.0\.1\]")
    assert "killing smtpd" not in d.logtext()


@pytest.mark.parametrize("wrapper", [False, True])
def test_msmtp(auth_daemon, users, wrapper):
    if shutil.which("msmtp") is None:
        pytest.skip("msmtp is not installed (scripts/install-deps)")
    sub, subs = free_port(), free_port()
    d = auth_daemon(services=services(sub, subs), setup=with_passwd())
    wait_auth(d)
    tmp = tempfile.mkdtemp(prefix="bh-msmtp-")
    try:
        conf = os.path.join(tmp, "msmtprc")
        with open(conf, "w") as f:
            f.write("account default\nhost 127.0.0.1\nport %d\ntls on\n"
                    "tls_starttls %s\ntls_certcheck off\nauth login\n"
                    "user carol\npassword carols-pw\n"
                    "from carol@remote.example\n"
                    % (subs if wrapper else sub,
                       "off" if wrapper else "on"))
        os.chmod(conf, 0o600)
        r = subprocess.run(["msmtp", "-C", conf, A],
                           input=b"Subject: msmtp\r\n\r\nfrom msmtp\r\n",
                           capture_output=True, timeout=WAIT * 2)
        assert r.returncode == 0, r.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    m = wait_log(d, r"(\w+): client=unknown\[127\.0\.0\.1\], sasl_method=LOGIN,"
                 r" sasl_username=carol")
    assert b"with ESMTPSA id" in message_with(d, users, m.group(1))
