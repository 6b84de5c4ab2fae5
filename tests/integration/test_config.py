"""Bad configuration stops start-up with file:line and what is wrong."""
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import ALICE, BOB, BULKHEAD, DOMAIN, maildir_messages, wait_until

GOOD_MAIN = ("myhostname = mx.test.example\n"
             "queue_directory = {d}/spool\n"
             "pid_file = {d}/master.pid\n"
             "alias_maps = {d}/aliases\n")
GOOD_MASTER = "127.0.0.1:2599 inet n - y - - smtpd\n"


@pytest.fixture
def confdir(users):
    d = tempfile.mkdtemp(prefix="bh-cf-")
    os.makedirs(os.path.join(d, "spool"))
    shutil.chown(os.path.join(d, "spool"), "_bhqueue", "_bhqueue")
    os.chmod(os.path.join(d, "spool"), 0o700)
    with open(os.path.join(d, "aliases"), "w") as f:
        f.write("postmaster: %s\n" % ALICE)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text.format(d=d))


def check(d):
    return subprocess.run([BULKHEAD, "-n", "-c", d], capture_output=True,
                          text=True, timeout=30)


def test_good_configuration_checks_silently(confdir):
    write(confdir, "main.cf", GOOD_MAIN)
    write(confdir, "master.cf", GOOD_MASTER)
    r = check(confdir)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""


@pytest.mark.parametrize("name,text,where,what", [
    ("main.cf", GOOD_MAIN + "# comment\nthis line has no equals sign\n",
     "main.cf:6:", "missing '='"),
    ("main.cf", GOOD_MAIN + "message_size_limit = lots\n",
     "main.cf:5:", "message_size_limit"),
    ("main.cf", GOOD_MAIN + "sandbox = paper\n", "main.cf:5:", "sandbox"),
    ("main.cf", GOOD_MAIN + "smtpd_user = _bhqueue\n", "main.cf:5:",
     "_bhqueue"),
    ("master.cf", "# services\n127.0.0.1:2599 unix n - y - - smtpd\n",
     "master.cf:2:", "inet"),
    ("master.cf", "127.0.0.1:2599 inet n n y - - smtpd\n",
     "master.cf:1:", "root"),
    ("aliases", "postmaster: x\nno colon here\n", "aliases:2:",
     "':'"),
])
def test_bad_line_names_file_and_line(confdir, name, text, where, what):
    write(confdir, "main.cf", GOOD_MAIN)
    write(confdir, "master.cf", GOOD_MASTER)
    write(confdir, name, text)
    r = check(confdir)
    assert r.returncode != 0
    assert os.path.join(confdir, where) in r.stderr, r.stderr
    assert what in r.stderr, r.stderr
    # the daemon itself refuses to start on the same file
    r2 = subprocess.run([BULKHEAD, "-d", "-c", confdir], capture_output=True,
                        text=True, timeout=30)
    assert r2.returncode != 0 and where in r2.stderr


def test_missing_account_stops_start_up(confdir):
    write(confdir, "main.cf", GOOD_MAIN + "lookup_user = bh-no-such-user\n")
    write(confdir, "master.cf", GOOD_MASTER)
    r = check(confdir)
    assert r.returncode != 0
    assert "bh-no-such-user does not exist" in r.stderr


def test_unknown_parameter_only_warns(confdir):
    write(confdir, "main.cf", GOOD_MAIN + "smtpd_tls_fancy = yes\n")
    write(confdir, "master.cf", GOOD_MASTER)
    r = check(confdir)
    assert r.returncode == 0
    assert "main.cf:5: unknown parameter smtpd_tls_fancy" in r.stderr


def test_reload_with_a_broken_file_keeps_running(make_daemon, users):
    d = make_daemon()
    path = os.path.join(d.dir, "main.cf")
    with open(path, "a") as f:
        f.write("garbage without equals\n")
    with open(path) as f:
        bad = len(f.read().splitlines())     # the line just written
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reload failed" in d.logtext(), "reload failure")
    assert "main.cf:%d: missing '='" % bad in d.logtext()
    with d.smtp() as s:
        s.sendmail("a@remote.example", [BOB + "@" + DOMAIN],
                   b"Subject: still up\r\n\r\nx\r\n")
    assert b"still up" in maildir_messages(users[BOB])[0][0]


def test_reload_applies_a_good_change(make_daemon, users):
    d = make_daemon()
    with open(os.path.join(d.dir, "aliases"), "a") as f:
        f.write("newalias: %s\n" % BOB)
    old = d.wait_role("lookup")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_role("lookup", not_pid=old)
    wait_until(lambda: d.log_count("lookup: ready") >= 2, "new lookup")
    wait_until(lambda: d.log_count("smtpd: ready") >= 2, "new smtpd")
    with d.smtp() as s:
        s.sendmail("a@remote.example", ["newalias@" + DOMAIN],
                   b"Subject: via new alias\r\n\r\nx\r\n")
    assert b"via new alias" in maildir_messages(users[BOB])[0][0]


def test_new_alias_is_seen_without_reload(make_daemon, users):
    """master notices the alias file changed and restarts lookup."""
    d = make_daemon()
    old = d.wait_role("lookup")
    with open(os.path.join(d.dir, "aliases"), "a") as f:
        f.write("lateralias: %s\n" % ALICE)
    d.wait_role("lookup", not_pid=old)
    assert "accounts or aliases changed: restarting lookup" in d.logtext()
    wait_until(lambda: d.log_count("lookup: ready") >= 2, "new lookup")
    with d.smtp() as s:
        s.sendmail("a@remote.example", ["lateralias@" + DOMAIN],
                   b"Subject: late alias\r\n\r\nx\r\n")
    assert b"late alias" in maildir_messages(users[ALICE])[0][0]


def test_broken_alias_edit_keeps_the_running_lookup(make_daemon):
    d = make_daemon()
    old = d.wait_role("lookup")
    with open(os.path.join(d.dir, "aliases"), "a") as f:
        f.write("this line has no colon\n")
    wait_until(lambda: "alias file changed but is broken" in d.logtext(),
               "the broken alias file to be noticed")
    assert "aliases:3:" in d.logtext()
    assert d.pids()["lookup"] == old
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail("a@remote.example")
        assert s.rcpt("team@" + DOMAIN)[0] == 250


def test_newaliases_checks_the_alias_files(confdir, users):
    """bulkctl aliases check, also called as newaliases: a syntax error
    by file:line (exit 1); a target nothing can deliver warns (exit 0);
    no daemon needed."""
    from conftest import BULKCTL
    write(confdir, "main.cf", GOOD_MAIN)
    write(confdir, "master.cf", GOOD_MASTER)
    newaliases = os.path.join(confdir, "newaliases")
    os.symlink(BULKCTL, newaliases)
    for argv in ([BULKCTL, "-c", confdir, "aliases", "check"],
                 [newaliases, "-c", confdir]):
        write(confdir, "aliases", "postmaster: %s\n" % ALICE)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        write(confdir, "aliases", "postmaster: %s\n# c\nno colon\n" % ALICE)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert r.returncode == 1
        assert os.path.join(confdir, "aliases:3: missing ':'") in r.stderr
        write(confdir, "aliases", "postmaster: %s\nx: bh-nosuchuser\n" %
              ALICE)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0
        assert "aliases:2: alias x: bh-nosuchuser: no such alias or user" \
            in r.stderr, r.stderr


def make_cert(d, name, cn):
    cert = os.path.join(d, name + ".crt")
    key = os.path.join(d, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + cn], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    return cert, key


def test_check_reads_the_tls_key_and_certificate(confdir):
    """bulkhead -n loads smtpd_tls_cert_file and smtpd_tls_key_file as
    start-up does: a missing file, one that is not PEM, and a key that
    is not the certificate's are each reported with the file and why."""
    cert, key = make_cert(confdir, "one", "mx.test.example")
    cert2, key2 = make_cert(confdir, "two", "other.test.example")
    write(confdir, "master.cf", GOOD_MASTER)

    def tls(c, k):
        write(confdir, "main.cf", GOOD_MAIN +
              "smtpd_tls_security_level = may\n"
              "smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n" % (c, k))
        return check(confdir)

    r = tls(cert, key)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    missing = os.path.join(confdir, "nosuch.key")
    r = tls(cert, missing)
    assert r.returncode != 0
    assert "smtpd_tls_key_file %s: No such file or directory" % missing \
        in r.stderr, r.stderr
    r = tls(cert, cert)          # a certificate is not a key
    assert r.returncode != 0
    assert "smtpd_tls_key_file %s:" % cert in r.stderr, r.stderr
    r = tls(key, key)            # nor a key a certificate
    assert r.returncode != 0
    assert "smtpd_tls_cert_file %s:" % key in r.stderr, r.stderr
    r = tls(cert, key2)
    assert r.returncode != 0
    assert "smtpd_tls_key_file %s does not match" % key2 in r.stderr, \
        r.stderr
    assert cert in r.stderr
    r = tls(cert2, key2)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_bad_transport_table_stops_the_daemon(confdir):
    """transport_maps is parsed by the checker master starts (as root,
    like queue and lookup), not by master: a bad table still stops
    start-up with its file and line."""
    table = os.path.join(confdir, "transport")
    with open(table, "w") as f:
        f.write("ok.example local:\nbad.example smtp:mx_bad.example\n")
    write(confdir, "main.cf", GOOD_MAIN + "transport_maps = hash:%s\n" % table)
    write(confdir, "master.cf", GOOD_MASTER)
    r = subprocess.run([BULKHEAD, "-d", "-c", confdir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert "transport_maps: %s:2:" % table in r.stderr, r.stderr


def test_alias_file_that_is_a_fifo_is_refused_at_once(confdir):
    """An alias file replaced by a FIFO (with no writer) must not hang
    the check or the daemon's start: master opens it without blocking and
    sees it is not a regular file."""
    write(confdir, "main.cf", GOOD_MAIN)
    write(confdir, "master.cf", GOOD_MASTER)
    path = os.path.join(confdir, "aliases")
    os.unlink(path)
    os.mkfifo(path)
    for argv in ([BULKHEAD, "-n", "-c", confdir],
                 [BULKHEAD, "-d", "-c", confdir]):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        assert r.returncode != 0
        assert "%s: not a regular file" % path in r.stderr, r.stderr
