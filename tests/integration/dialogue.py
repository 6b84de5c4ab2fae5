"""
A scripted SMTP dialogue over a raw socket, with control over packet
boundaries: each send() is one write with TCP_NODELAY, and a list of
pieces is sent as separate writes with a short pause between them.

A script is a list of steps (bytes or [bytes, ...], expected), where
expected is a list of reply codes in order; "close" means the server
closes the connection there.  The first reply (the greeting) is read by
run() unless greet=False.
"""
import socket
import time

from conftest import WAIT

CLOSE = "close"


class Dialogue:
    def __init__(self, port, host="127.0.0.1", source=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(WAIT)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.transcript = []

    def close(self):
        self.sock.close()

    def send(self, data, pause=0.05):
        pieces = data if isinstance(data, list) else [data]
        for i, p in enumerate(pieces):
            if i > 0:
                time.sleep(pause)
            self.transcript.append(b"C: " + p)
            self.sock.sendall(p)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.transcript.append(b"S: " + line)
        return line

    def reply(self):
        """(code, [lines]) of one reply, or (None, []) at end of file."""
        lines = []
        while True:
            line = self._line()
            if line is None:
                return None, lines
            lines.append(line)
            assert len(line) >= 3 and line[:3].isdigit(), line
            if len(line) == 3 or line[3:4] == b" ":
                return int(line[:3]), lines
            assert line[3:4] == b"-", line

    def expect(self, *codes):
        got = []
        for want in codes:
            code, lines = self.reply()
            got.append(lines)
            if want == CLOSE:
                assert code is None, self.why(want, lines)
            else:
                assert code == want, self.why(want, lines)
        return got

    def closed(self):
        """True if the server closed the connection (EOF, nothing more)."""
        try:
            return self._line() is None
        except ConnectionResetError:
            return True

    def why(self, want, lines):
        return "expected %s, got %r\n%s" % (
            want, lines, b"\n".join(self.transcript).decode("latin-1"))


def run(port, script, greet=True, source=None):
    d = Dialogue(port, source=source)
    try:
        if greet:
            d.expect(220)
        for data, codes in script:
            if data is not None:
                d.send(data)
            d.expect(*codes)
    finally:
        d.close()
    return d
