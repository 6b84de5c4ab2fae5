"""bulkctl and queue speak the message table's ADMIN_* messages on the
control socket (SOCK_SEQPACKET), decoded as strictly as every other IPC
channel: what only a broken or hostile client sends drops its connection
with a log line, and queue, and every other client, go on."""
import os
import re
import socket
import struct

from conftest import wait_until
from test_admin import ctl, daemon, queue_with_two

IPC_ADMIN_CHANGE = 34       # privsep/ipc.h: rows are numbered from 1


def datagram(mtype, payload, mid):
    return struct.pack("<IIII", mtype, len(payload), mid, 0) + payload


def test_bad_admin_request_drops_only_that_client(make_daemon, users):
    d, q1, q2, a, b = queue_with_two(make_daemon)
    queue = d.wait_role("queue")
    sock = os.path.join(d.dir, "control")
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as c:
        c.settimeout(15)
        c.connect(sock)
        # ADMIN_CHANGE with an operation no decoder accepts (9), as root
        op = struct.pack("<I", 9) + struct.pack("<H", 16) + q1.encode()
        c.send(datagram(IPC_ADMIN_CHANGE, op, 1))
        assert c.recv(65536) == b""         # dropped, no answer
    wait_until(lambda: re.search(r"security: protocol violation from "
                                 r"bulkctl: bad ADMIN_CHANGE payload",
                                 d.logtext()), "the violation logged")
    assert d.pids()["queue"] == queue
    assert os.path.exists(os.path.join(d.spool, "active", q1))
    r = ctl(d, "mailq")
    assert r.returncode == 0 and q1 in r.stdout and q2 in r.stdout, r


def test_control_socket_is_seqpacket(make_daemon, users):
    """A stream client (the old line protocol) cannot even connect."""
    d = daemon(make_daemon)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        try:
            c.connect(os.path.join(d.dir, "control"))
            connected = True
        except OSError:
            connected = False
    assert not connected
    assert ctl(d, "mailq").stdout == "Mail queue is empty\n"
