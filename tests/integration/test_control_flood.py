"""The control socket is open to every local user (mailq).  A user who
floods it (thousands of connections held open, requests not read) must
not take queue's file descriptors or time: SMTP mail is still accepted
and delivered meanwhile."""
import os
import pwd
import resource
import subprocess
import sys
import time

from conftest import ALICE, BOB, DOMAIN, maildir_messages

FLOOD = r"""
import socket, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
held, refused = [], 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        s.setblocking(False)
        held.append(s)
    except OSError:
        refused += 1
        if held and len(held) > 19000:
            held.pop(0).close()
        time.sleep(0.001)
print(len(held), refused)
"""


def test_control_flood_by_a_user_does_not_stop_mail(make_daemon, users):
    d = make_daemon()
    bob = users[BOB]

    def as_bob():
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        os.setgroups([])
        os.setgid(bob.pw_gid)
        os.setuid(bob.pw_uid)
    flood = subprocess.Popen([sys.executable, "-c", FLOOD,
                              os.path.join(d.dir, "control"), "25"],
                             preexec_fn=as_bob, stdout=subprocess.PIPE)
    try:
        time.sleep(5)       # queue has taken what it takes by now
        for i in range(3):
            with d.smtp() as s:
                s.sendmail("a@remote.example", [ALICE + "@" + DOMAIN],
                           ("Subject: during flood %d\r\n\r\nx\r\n"
                            % i).encode())
        got = maildir_messages(users[ALICE], timeout=10, count=3)
        assert len(got) == 3
        assert flood.poll() is None, "the flood ended early"
    finally:
        flood.kill()
        flood.wait()
    log = d.logtext()
    assert "control: uid %d has too many connections: refused" % bob.pw_uid in log
