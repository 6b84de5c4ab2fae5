"""
Local submission the Postfix way: sendmail(1) runs as the user and pipes
a drop file to the set-gid bulkdrop, which writes it into the drop
directory ($queue_directory/maildrop, 1730 pickup:bulkdrop); the pickup
compartment hands it to queue.  Everything here runs the real programs
as an ordinary test user.
"""
import grp
import re
import os
import pwd
import shutil
import stat
import subprocess

import pytest

from conftest import ALICE, BOB, BULKHEAD, DOMAIN, maildir_messages, \
    wait_until, WAIT

BINDIR = os.path.dirname(os.path.abspath(BULKHEAD))
BULKDROP = os.environ.get("BULKDROP", os.path.join(BINDIR, "bulkdrop"))
SENDMAIL = os.environ.get("SENDMAIL", os.path.join(BINDIR, "sendmail"))


def install_tools(d):
    """Copies of bulkdrop (set-gid bulkdrop, as make install and
    bulkhead-setup leave it) and sendmail beside each other, as
    installed."""
    bindir = os.path.join(d.dir, "bin")
    os.makedirs(bindir, exist_ok=True)
    os.chmod(bindir, 0o755)
    for src in (BULKDROP, SENDMAIL):
        if os.path.exists(src):
            shutil.copy(src, bindir)
    bd = os.path.join(bindir, "bulkdrop")
    shutil.chown(bd, "root", "bulkdrop")
    os.chmod(bd, 0o2755)
    return bindir


def as_user(name):
    pw = pwd.getpwnam(name)

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


def run_as(name, argv, data=b"", **kw):
    pw = pwd.getpwnam(name)
    env = {"PATH": "/usr/bin:/bin", "HOME": pw.pw_dir, "USER": name,
           "LOGNAME": name}
    return subprocess.run(argv, input=data, capture_output=True,
                          preexec_fn=as_user(name), env=env, cwd="/",
                          timeout=WAIT, **kw)


def drop_dir(d):
    return os.path.join(d.spool, "maildrop")


def drop_files(d):
    return sorted(n for n in os.listdir(drop_dir(d)) if n != "corrupt")


DROP = (b"bulkdrop 1\nrcpt %s@%s\n\nSubject: dropped\n\nhello\n"
        % (ALICE.encode(), DOMAIN.encode()))


def test_drop_directory_is_set_up(make_daemon):
    d = make_daemon()
    st = os.stat(drop_dir(d))
    assert stat.S_IMODE(st.st_mode) == 0o1730
    assert pwd.getpwuid(st.st_uid).pw_name == "_bhpickup"
    assert grp.getgrgid(st.st_gid).gr_name == "bulkdrop"
    assert stat.S_IMODE(os.stat(d.spool).st_mode) == 0o711


def test_bulkdrop_writes_a_file_owned_by_the_user(make_daemon, users):
    d = make_daemon()
    d.stop()        # no pickup: the file stays for us to look at
    bindir = install_tools(d)
    r = run_as(ALICE, [os.path.join(bindir, "bulkdrop"), "-c", d.dir],
               DROP)
    assert r.returncode == 0, r.stderr
    names = drop_files(d)
    assert len(names) == 1 and len(names[0]) == 16
    st = os.lstat(os.path.join(drop_dir(d), names[0]))
    # the uid is the kernel's, the file complete (x bit) and fsynced
    assert st.st_uid == users[ALICE].pw_uid
    assert stat.S_IMODE(st.st_mode) == 0o744 and st.st_nlink == 1
    with open(os.path.join(drop_dir(d), names[0]), "rb") as f:
        assert f.read() == DROP


def test_user_cannot_read_list_or_touch_the_drop_directory(make_daemon):
    d = make_daemon()
    d.stop()
    bindir = install_tools(d)
    assert run_as(ALICE, [os.path.join(bindir, "bulkdrop"), "-c", d.dir],
                  DROP).returncode == 0
    name = drop_files(d)[0]
    path = os.path.join(drop_dir(d), name)
    for argv in (["ls", drop_dir(d)], ["cat", path], ["rm", "-f", path],
                 ["ln", "-s", "/etc/shadow",
                  os.path.join(drop_dir(d), "0123456789ABCDEF")],
                 ["touch", os.path.join(drop_dir(d), "x")]):
        r = run_as(BOB, argv)
        assert r.returncode != 0, argv
        assert b"Permission denied" in r.stderr, r.stderr
    assert drop_files(d) == [name]


def test_bulkdrop_limits_and_refusals(make_daemon):
    d = make_daemon(extra_main="message_size_limit = 1000\n")
    d.stop()
    bindir = install_tools(d)
    bd = os.path.join(bindir, "bulkdrop")
    # over message_size_limit + the envelope's 256 KiB: nothing left
    r = run_as(ALICE, [bd, "-c", d.dir], b"x" * (1000 + 256 * 1024 + 1))
    assert r.returncode == 65, r
    assert b"too big" in r.stderr
    # a configuration directory the user controls
    own = os.path.join(pwd.getpwnam(ALICE).pw_dir, "cf")
    r = run_as(ALICE, ["mkdir", "-p", own])
    shutil.copy(os.path.join(d.dir, "main.cf"), own)
    shutil.chown(own, ALICE)
    r = run_as(ALICE, [bd, "-c", own], DROP)
    assert r.returncode == 64 and b"only root" in r.stderr, r
    shutil.rmtree(own)
    # empty input, arguments
    assert run_as(ALICE, [bd, "-c", d.dir], b"").returncode == 66
    assert run_as(ALICE, [bd, "-c", d.dir, "extra"], DROP).returncode == 64
    assert drop_files(d) == []


def test_no_setuid_file_installed(tmp_path):
    """make install DESTDIR=...: nothing set-uid; bulkdrop at most
    set-gid."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(BULKHEAD)))
    build = os.path.dirname(os.path.abspath(BULKHEAD))
    if not os.path.exists(os.path.join(build, "Makefile")):
        pytest.skip("no build directory with a Makefile")
    dest = tmp_path / "root"
    r = subprocess.run(["make", "-C", build, "install", "DESTDIR=%s" % dest],
                       capture_output=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    found = []
    for root, dirs, files in os.walk(dest):
        for n in files:
            st = os.lstat(os.path.join(root, n))
            if st.st_mode & stat.S_ISUID:
                found.append(n)
    assert found == []
    sbin = [p for p in dest.rglob("sbin")][0]
    assert (sbin / "bulkdrop").exists()
    st = os.stat(sbin / "bulkdrop")
    assert st.st_mode & stat.S_ISGID
    assert grp.getgrgid(st.st_gid).gr_name == "bulkdrop"
    del top


def read_drop(d):
    names = drop_files(d)
    assert len(names) == 1, names
    with open(os.path.join(drop_dir(d), names[0]), "rb") as f:
        return f.read()


def test_sendmail_writes_the_drop_file(make_daemon):
    d = make_daemon()
    d.stop()
    sm = os.path.join(install_tools(d), "sendmail")
    msg = (b"From: me\r\nTo: Alice <%s@%s>\r\nBcc: %s,\r\n  root\r\n"
           b"Subject: t\r\n\r\nline\r\n.\r\nafter the dot\r\n"
           % (ALICE.encode(), DOMAIN.encode(), BOB.encode()))
    r = run_as(ALICE, [sm, "-C", d.dir, "-t", "-i", "-FAlice Test",
                       "-N", "SUCCESS,failure", "-oem", "-odb",
                       "-B8BITMIME"], msg)
    assert r.returncode == 0, r.stderr
    data = read_drop(d)
    env, _, content = data.partition(b"\n\n")
    lines = env.split(b"\n")
    assert lines[0] == b"bulkdrop 1"
    assert b"fullname Alice Test" in lines
    assert b"notify success,failure" in lines
    assert b"body 8bitmime" in lines
    assert [x for x in lines if x.startswith(b"rcpt ")] == [
        b"rcpt %s@%s" % (ALICE.encode(), DOMAIN.encode()),
        b"rcpt " + BOB.encode(), b"rcpt root"]
    # Bcc gone, CRLF now LF, -i: the dot line is text
    assert b"Bcc" not in content
    assert content == (b"From: me\nTo: Alice <%s@%s>\nSubject: t\n\n"
                       b"line\n.\nafter the dot\n"
                       % (ALICE.encode(), DOMAIN.encode()))


def test_sendmail_errors(make_daemon):
    d = make_daemon(extra_main="message_size_limit = 2000\n")
    d.stop()
    sm = os.path.join(install_tools(d), "sendmail")
    cf = ["-C", d.dir]
    r = run_as(ALICE, [sm] + cf, b"Subject: x\n\nbody\n")
    assert r.returncode == 64 and b"no recipient" in r.stderr, r
    r = run_as(ALICE, [sm, "-t"] + cf, b"Subject: x\n\nbody\n")
    assert r.returncode == 64 and b"no recipient" in r.stderr, r
    r = run_as(ALICE, [sm] + cf + ["a@@b"], b"x\n")
    assert r.returncode == 65 and b"malformed" in r.stderr, r
    r = run_as(ALICE, [sm, "-t"] + cf, b"To: a b c <\n\nx\n")
    assert r.returncode == 65 and b"malformed" in r.stderr, r
    r = run_as(ALICE, [sm] + cf + [ALICE], b"x" * 3000)
    assert r.returncode == 65 and b"too big" in r.stderr, r
    r = run_as(ALICE, [sm, "-Z"] + cf + [ALICE], b"x\n")
    assert r.returncode == 64 and b"illegal option" in r.stderr, r
    r = run_as(ALICE, [sm, "-R", "most"] + cf + [ALICE], b"x\n")
    assert r.returncode == 64, r
    # standard input that cannot be read (a directory)
    fd = os.open("/", os.O_RDONLY)
    try:
        r = subprocess.run([sm] + cf + [ALICE], stdin=fd,
                           capture_output=True, preexec_fn=as_user(ALICE),
                           timeout=WAIT)
    finally:
        os.close(fd)
    assert r.returncode == 66 and b"cannot read" in r.stderr, r
    assert drop_files(d) == []
    # without -i a line of one dot ends the message; -f is written as
    # asked (pickup decides whether it counts)
    r = run_as(ALICE, [sm, "-f", "boss@example.org"] + cf + [BOB],
               b"Subject: x\n\nbody\n.\nnot sent\n")
    assert r.returncode == 0, r
    data = read_drop(d)
    assert b"sender boss@example.org\n" in data
    assert data.endswith(b"\n\nSubject: x\n\nbody\n")


def delivered(pw, count=1):
    """(Return-Path, whole message) of each file in ~/Maildir/new."""
    out = []
    for data, _ in maildir_messages(pw, count=count):
        rp = data.split(b"\n", 1)[0]
        out.append((rp, data))
    return out


def test_sendmail_t_i_as_a_user_is_delivered(make_daemon, users, sandbox):
    d = make_daemon(sandbox=sandbox)
    sm = os.path.join(install_tools(d), "sendmail")
    msg = ("To: %s@%s\nCc: %s\nBcc: %s\nSubject: via sendmail\n\n"
           "hello from python\n" % (ALICE, DOMAIN, BOB, BOB)).encode()
    r = run_as(ALICE, [sm, "-C", d.dir, "-t", "-i"], msg)
    assert r.returncode == 0, r.stderr
    for u in (ALICE, BOB):
        [(rp, data)] = delivered(users[u])
        assert rp == b"Return-Path: <%s@mx.%s>" % (ALICE.encode(),
                                                   DOMAIN.encode())
        head = data.split(b"\n\n", 1)[0]
        assert re.search(rb"\nReceived: by mx\.test\.example \(bulkhead, "
                         rb"from userid %d\)\n\tid [0-9A-F]{16}; "
                         % users[ALICE].pw_uid, head), head
        assert re.search(rb"\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} ",
                         head), head
        assert re.search(rb"\nMessage-ID: <\d{14}\.[0-9A-F]{16}@mx\."
                         rb"test\.example>\n", head), head
        assert b"\nFrom: %s@mx.%s\n" % (ALICE.encode(),
                                        DOMAIN.encode()) in head
        assert b"Bcc" not in data
        assert data.endswith(b"\n\nhello from python\n")
    assert drop_files(d) == []
    assert d.log_count("pickup: ") > 0
    assert re.search(r"pickup\[\d+\]: [0-9A-F]{16}: uid=%d from=<%s@" %
                     (users[ALICE].pw_uid, ALICE), d.logtext())
