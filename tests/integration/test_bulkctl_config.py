"""bulkctl config, used as Postfix's postconf: -n, -d, one value, -x,
-h, name=value edits of main.cf (comments kept, checked as start-up
checks, nothing written when refused) and -M for master.cf."""
import os
import shutil
import smtplib
import subprocess

import pytest

from conftest import ALICE, BULKCTL, BULKHEAD, DOMAIN, wait_until

MAIN = (
    "# bulkhead's main configuration\n"
    "myhostname = mx.example.org\n"
    "\n"
    "# where mail stays\n"
    "mydestination = $myhostname,\n"
    "    localhost\n"
    "# the size limit, in bytes\n"
    "message_size_limit = 20000000\n"
    "smtpd_timeout = 60s\n"
)

MASTER = (
    "# the listeners\n"
    "smtp      inet  n       -       y       -       -       smtpd\n"
    "submission inet n - y - - smtpd\n"
    "  -o smtpd_tls_security_level=encrypt\n"
    "127.0.0.1:2525 inet n - y - - smtpd\n"
)


def config(d, *args):
    return subprocess.run([BULKCTL, "-c", str(d), "config"] + list(args),
                          capture_output=True, text=True, timeout=30)


@pytest.fixture
def confdir(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN)
    (tmp_path / "master.cf").write_text(MASTER)
    return tmp_path


def test_n_prints_what_main_cf_sets_as_written(confdir):
    r = config(confdir, "-n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "message_size_limit = 20000000\n"
        "mydestination = $myhostname, localhost\n"
        "myhostname = mx.example.org\n"
        "smtpd_timeout = 60s\n")


def test_d_prints_the_defaults(confdir):
    r = config(confdir, "-d", "mydestination", "message_size_limit",
               "smtpd_banner", "queue_directory")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "mydestination = $myhostname, localhost.$mydomain, localhost\n"
        "message_size_limit = 10240000\n"
        "smtpd_banner = $myhostname ESMTP $mail_name\n"
        "queue_directory = /var/spool/bulkhead\n")
    # Without names: every parameter, sorted, each once.
    r = config(confdir, "-d")
    names = [line.split(" =")[0] for line in r.stdout.splitlines()]
    assert names == sorted(names) and len(names) == len(set(names))
    assert "message_size_limit = 10240000" in r.stdout.splitlines()


def test_one_value_raw_expanded_and_value_only(confdir):
    r = config(confdir, "mydestination", "recipient_delimiter")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("mydestination = $myhostname, localhost\n"
                        "recipient_delimiter =\n")
    r = config(confdir, "-x", "mydestination", "smtpd_banner")
    assert r.stdout == ("mydestination = mx.example.org, localhost\n"
                        "smtpd_banner = mx.example.org ESMTP bulkhead\n")
    r = config(confdir, "-h", "message_size_limit")
    assert r.stdout == "20000000\n"
    # All of them: main.cf's values where it sets them.
    r = config(confdir)
    assert "message_size_limit = 20000000\n" in r.stdout
    assert "home_mailbox = Maildir/\n" in r.stdout


def test_unknown_parameter_is_an_error(confdir):
    r = config(confdir, "mydestination", "no_such_parameter")
    assert r.returncode == 1
    assert "unknown parameter no_such_parameter" in r.stderr
    assert r.stdout == "mydestination = $myhostname, localhost\n"


def test_edit_keeps_comments_and_replaces_the_logical_line(confdir):
    os.chmod(confdir / "main.cf", 0o640)
    r = config(confdir, "mydestination=$myhostname, example.net",
               "message_size_limit = 1000",
               "recipient_delimiter=+")
    assert r.returncode == 0, r.stderr
    assert (confdir / "main.cf").read_text() == (
        "# bulkhead's main configuration\n"
        "myhostname = mx.example.org\n"
        "\n"
        "# where mail stays\n"
        "mydestination = $myhostname, example.net\n"
        "# the size limit, in bytes\n"
        "message_size_limit = 1000\n"
        "smtpd_timeout = 60s\n"
        "recipient_delimiter = +\n")
    assert os.stat(confdir / "main.cf").st_mode & 0o7777 == 0o640
    assert sorted(os.listdir(confdir)) == ["main.cf", "master.cf"]
    r = config(confdir, "-n", "mydestination", "recipient_delimiter")
    assert r.stdout == ("mydestination = $myhostname, example.net\n"
                        "recipient_delimiter = +\n")


def test_edit_removes_a_second_definition(confdir):
    with open(confdir / "main.cf", "a") as f:
        f.write("smtpd_timeout = 90s\n# end\n")
    r = config(confdir, "smtpd_timeout=30s")
    assert r.returncode == 0, r.stderr
    text = (confdir / "main.cf").read_text()
    assert text.count("smtpd_timeout") == 1
    assert "smtpd_timeout = 30s\n" in text and text.endswith("# end\n")


def test_edit_creates_a_missing_main_cf(tmp_path):
    r = config(tmp_path, "message_size_limit=5000")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "main.cf").read_text() == "message_size_limit = 5000\n"


@pytest.mark.parametrize("arg, words", [
    ("message_size_limit=lots", ["message_size_limit", "'lots'",
                                 "not a decimal number"]),
    ("sandbox=prison", ["sandbox", "chroot or jail"]),
    ("mydestination=bad..domain", ["mydestination", "bad..domain"]),
    ("queue_directory=relative/path", ["queue_directory", "absolute"]),
    # A value fine alone that conflicts with another: start-up's
    # relation checks refuse it too.
    ("maximal_backoff_time=10s", ["maximal_backoff_time",
                                  "minimal_backoff_time"]),
    ("smtpd_user=_bhqueue", ["same user as"]),
    ("no_such_parameter=1", ["unknown parameter no_such_parameter"]),
    ("config_directory=/tmp", ["config_directory cannot be set"]),
])
def test_bad_value_refused_and_main_cf_untouched(confdir, arg, words):
    before = (confdir / "main.cf").read_bytes()
    st = os.stat(confdir / "main.cf")
    r = config(confdir, "smtpd_timeout=30s", arg)
    assert r.returncode == 1, (r.stdout, r.stderr)
    for w in words:
        assert w in r.stderr, r.stderr
    assert (confdir / "main.cf").read_bytes() == before
    assert os.stat(confdir / "main.cf").st_ino == st.st_ino
    assert sorted(os.listdir(confdir)) == ["main.cf", "master.cf"]
    # The daemon's own check agrees that the file is still good.
    r = subprocess.run([BULKHEAD, "-c", str(confdir), "-P",
                        "smtpd_timeout"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "1m\n", r


def test_M_prints_services_as_postconf_does(confdir):
    r = config(confdir, "-M")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "smtp       inet  n       -       y       -       -       smtpd\n"
        "submission inet  n       -       y       -       -       smtpd "
        "-o smtpd_tls_security_level=encrypt\n"
        "127.0.0.1:2525 inet n    -       y       -       -       smtpd\n")
    r = config(confdir, "-M", "submission/inet")
    assert r.stdout.startswith("submission inet") and \
        len(r.stdout.splitlines()) == 1
    r = config(confdir, "-M", "pickup/unix")
    assert r.returncode == 1 and "pickup/unix" in r.stderr
    if shutil.which("postconf"):
        pc = subprocess.run(["postconf", "-c", str(confdir), "-M"],
                            capture_output=True, text=True)
        assert config(confdir, "-M").stdout == pc.stdout


def test_M_refuses_a_master_cf_the_daemon_refuses(confdir):
    with open(confdir / "master.cf", "a") as f:
        f.write("pickup unix n - y 60 1 pickup\n")
    r = config(confdir, "-M")
    assert r.returncode == 1
    assert "master.cf:6" in r.stderr and "unix" in r.stderr


def test_edit_reaches_the_running_daemon(make_daemon, users):
    """An edit the daemon then runs with: message_size_limit lowered
    with bulkctl config, master restarted, a bigger message refused."""
    d = make_daemon()
    r = config(d.dir, "message_size_limit=2000")
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d.dir, "main.cf")) as f:
        assert "sandbox = chroot\n" in f.read()
    d.stop()
    d.start()
    wait_until(lambda: d.log_count("smtpd: ready") >= 2, "the new smtpd")
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.esmtp_features["size"] == "2000"
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail("s@remote.example", ["%s@%s" % (ALICE, DOMAIN)],
                       b"Subject: big\r\n\r\n" + b"x" * 3000 + b"\r\n",
                       mail_options=["SIZE=3020"])
        assert e.value.smtp_code == 552
