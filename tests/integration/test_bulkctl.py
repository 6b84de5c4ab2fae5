"""bulkctl against odd queues and a queue that does not answer."""
import json
import os
import socket
import subprocess
import time

from conftest import ALICE, BULKCTL, DOMAIN, wait_until
from test_admin import plant


def test_list_json_with_non_utf8_sender(make_daemon, users):
    """A sender that is not UTF-8 (smtpd refuses one, but a queue file
    may hold it: an older release, a local submission) still gives JSON
    that python's json module parses, each such octet as the character
    of its value."""
    d = make_daemon(extra_main="control_socket = $config_directory/control\n")
    d.stop()
    qid = "%09X%05X%02X" % (int(time.time()) - 60, 7, 0)
    raw = b"caf\xe9\xff\xc3(@remote.example"
    plant(d, qid, ["%s@%s" % (ALICE, DOMAIN)],
          sender=raw.decode("latin-1"))
    path = os.path.join(d.spool, "active", qid)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:   # plant() wrote the sender as UTF-8
        f.write(data.replace(raw.decode("latin-1").encode(), raw))
    d.start()
    wait_until(lambda: d.log_count("queue: ready: 1 messages") >= 1,
               "queue to load the planted file")
    # Over SMTP such a sender cannot come in: smtpd takes UTF-8 only.
    with socket.create_connection(("127.0.0.1", d.port), timeout=15) as c:
        f = c.makefile("rb")
        f.readline()
        c.sendall(b"EHLO client.example\r\n")
        while f.readline()[3:4] == b"-":
            pass
        c.sendall(b"MAIL FROM:<" + raw + b"> SMTPUTF8\r\n")
        assert f.readline()[:1] == b"5"
    r = subprocess.run([BULKCTL, "-c", d.dir, "list", "-j"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.decode("utf-8")
            .splitlines()]
    by_id = {o["queue_id"]: o for o in objs}
    assert by_id[qid]["sender"] == "caf\xe9\xff\xc3(@remote.example"


def test_utf8_sender_round_trips(make_daemon, users):
    """A UTF-8 sender (SMTPUTF8) is listed as it was sent."""
    d = make_daemon(extra_main=(
        "control_socket = $config_directory/control\n"
        "minimal_backoff_time = 1h\nmaximal_backoff_time = 1h\n"))
    bob_md = os.path.join(users[list(users)[1]].pw_dir, "Maildir")
    with open(bob_md, "w") as f:
        f.write("not a directory\n")
    try:
        with d.smtp() as s:
            s.ehlo("client.example")
            sender = "j\xf6rg@remote.example"
            s.sendmail(sender, ["%s@%s" % (list(users)[1], DOMAIN)],
                       b"Subject: x\r\n\r\nx\r\n", mail_options=["SMTPUTF8"])
        wait_until(lambda: "status=deferred" in d.logtext(), "a deferral")
        r = subprocess.run([BULKCTL, "-c", d.dir, "list", "-j"],
                           capture_output=True, timeout=30)
    finally:
        os.unlink(bob_md)
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.decode("utf-8")
            .splitlines()]
    assert [o["sender"] for o in objs] == [sender]


def test_control_socket_that_never_answers(tmp_path):
    """A queue that accepts the connection and never answers: bulkctl
    gives up after control_timeout with a clear error, exit status 2."""
    sock = str(tmp_path / "control")
    with open(tmp_path / "main.cf", "w") as f:
        f.write("control_socket = %s\ncontrol_timeout = 2s\n" % sock)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(sock)
    srv.listen(4)
    try:
        t0 = time.monotonic()
        r = subprocess.run([BULKCTL, "-c", str(tmp_path), "mailq"],
                           capture_output=True, text=True, timeout=30)
        took = time.monotonic() - t0
    finally:
        srv.close()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "timed out" in r.stderr, r.stderr
    assert "control_timeout" in r.stderr, r.stderr
    assert 1.5 < took < 10, took
