"""Real clients without TLS: smtplib with SMTPUTF8, swaks pipelining, curl."""
import email.message
import os
import re
import subprocess
import tempfile

from conftest import ALICE, DOMAIN, WAIT, tag, wait_until

A = "%s@%s" % (ALICE, DOMAIN)


def delivered(users, qid):
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


def queued_ids(d):
    return re.findall(tag("smtpd") + r"([0-9A-F]{16}): client=",
                      d.logtext())


def test_smtplib_smtputf8_send_message(make_daemon, users):
    d = make_daemon()
    msg = email.message.EmailMessage()
    msg["From"] = "J\u00f6rg <j\u00f6rg@b\u00fccher.example>"
    msg["To"] = A
    msg["Subject"] = "gr\u00fc\u00dfe"
    msg.set_content("h\u00e9llo\n")
    with d.smtp() as s:
        s.ehlo("client.example")
        assert s.has_extn("smtputf8")
        # smtplib adds SMTPUTF8 and BODY=8BITMIME itself for this message
        refused = s.send_message(msg)
        assert refused == {}
    (qid,) = queued_ids(d)
    data = delivered(users, qid)
    assert b"Return-Path: <j\xc3\xb6rg@b\xc3\xbccher.example>" in data
    assert b"with UTF8SMTP id " + qid.encode() in data
    assert "h\u00e9llo".encode() in data


def test_swaks_pipelining(make_daemon, users):
    d = make_daemon()
    out = subprocess.run(
        ["swaks", "--server", "127.0.0.1:%d" % d.port, "--pipeline",
         "--from", "sender@remote.example", "--to", A, "--body", "piped",
         "--timeout", "15"], capture_output=True, timeout=WAIT * 2)
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    m = re.search(rb"<-  250 2\.0\.0 Ok: queued as ([0-9A-F]+)", out.stdout)
    assert m, out.stdout
    assert b"\npiped\n" in delivered(users, m.group(1).decode())


def test_curl_plain(make_daemon, users):
    d = make_daemon()
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"Subject: curl\r\n\r\nvia curl\r\n.leading dot\r\n")
        f.flush()
        out = subprocess.run(
            ["curl", "-sS", "--max-time", "15",
             "smtp://127.0.0.1:%d" % d.port, "--mail-from",
             "sender@remote.example", "--mail-rcpt", A, "--upload-file",
             f.name], capture_output=True, timeout=WAIT * 2)
    assert out.returncode == 0, out.stderr
    wait_until(lambda: queued_ids(d), "curl's message to be queued")
    data = delivered(users, queued_ids(d)[0])
    assert data.endswith(b"\n\nvia curl\n.leading dot\n")
