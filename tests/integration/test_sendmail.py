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
import signal
import stat
import subprocess
import time

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
    # a root-owned configuration whose "drop directory" is not one
    # (mode 0777, not group bulkdrop): bulkdrop writes nothing there
    other = os.path.join(d.dir, "other")
    os.makedirs(os.path.join(other, "spool", "maildrop"))
    os.chmod(os.path.join(other, "spool", "maildrop"), 0o777)
    os.chmod(os.path.join(other, "spool"), 0o755)
    with open(os.path.join(other, "main.cf"), "w") as f:
        f.write("queue_directory = %s/spool\n" % other)
    r = run_as(ALICE, [bd, "-c", other], DROP)
    assert r.returncode == 78 and b"not a drop directory" in r.stderr, r
    assert os.listdir(os.path.join(other, "spool", "maildrop")) == []
    # empty input, arguments
    assert run_as(ALICE, [bd, "-c", d.dir], b"").returncode == 66
    assert run_as(ALICE, [bd, "-c", d.dir, "extra"], DROP).returncode == 64
    assert drop_files(d) == []


def test_no_setuid_file_installed(tmp_path):
    """make install DESTDIR=...: nothing set-uid; bulkdrop at most
    set-gid."""
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
    assert (sbin / "sendmail").exists()
    assert not os.stat(sbin / "sendmail").st_mode & (stat.S_ISUID |
                                                     stat.S_ISGID)


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


def plant(d, name, data, uid, mode=0o744, age=0):
    """A drop file made by hand (as root), renamed into place whole."""
    tmp = os.path.join(d.dir, name + ".t")
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, uid, -1)
    os.chmod(tmp, mode)
    if age:
        t = time.time() - age
        os.utime(tmp, (t, t))
    os.rename(tmp, os.path.join(drop_dir(d), name))


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


def test_cron_command_line(make_daemon, users):
    """What cron runs for alice's job: sendmail -FCronDaemon -i
    -B8BITMIME -oem alice, as alice, a message without From:."""
    d = make_daemon()
    sm = os.path.join(install_tools(d), "sendmail")
    msg = (b"To: %s\nSubject: Cron <%s@mx> echo hi\nMIME-Version: 1.0\n"
           b"Content-Type: text/plain; charset=UTF-8\n"
           b"Content-Transfer-Encoding: 8bit\n\nhi \xc3\xa9\n"
           % (ALICE.encode(), ALICE.encode()))
    r = run_as(ALICE, [sm, "-C", d.dir, "-FCronDaemon", "-i",
                       "-B8BITMIME", "-oem", ALICE], msg)
    assert r.returncode == 0, r.stderr
    [(rp, data)] = delivered(users[ALICE])
    assert rp == b"Return-Path: <%s@mx.%s>" % (ALICE.encode(),
                                               DOMAIN.encode())
    assert b"\nFrom: CronDaemon <%s@mx.%s>\n" % (ALICE.encode(),
                                                 DOMAIN.encode()) in data
    assert data.endswith(b"\n\nhi \xc3\xa9\n")


def test_submission_while_stopped_is_delivered_after_start(make_daemon,
                                                           users):
    d = make_daemon()
    d.stop()
    sm = os.path.join(install_tools(d), "sendmail")
    for i in range(3):
        r = run_as(BOB, [sm, "-C", d.dir, ALICE],
                   b"Subject: while stopped %d\n\nbody\n" % i)
        assert r.returncode == 0, r.stderr
    assert len(drop_files(d)) == 3
    ready = d.log_count("pickup: ready")
    d.start()
    wait_until(lambda: d.log_count("pickup: ready") > ready, "pickup")
    got = delivered(users[ALICE], count=3)
    assert len(got) == 3
    assert sorted(re.search(rb"Subject: while stopped (\d)", m).group(1)
                  for _, m in got) == [b"0", b"1", b"2"]
    for rp, _ in got:
        assert rp == b"Return-Path: <%s@mx.%s>" % (BOB.encode(),
                                                   DOMAIN.encode())
    wait_until(lambda: drop_files(d) == [], "the drop files to go")


def test_sender_is_the_uid_not_what_the_file_says(make_daemon, users):
    """-f by an ordinary user is logged and ignored; From:/Return-Path:
    headers change nothing; root (trusted) may set the sender."""
    d = make_daemon()
    sm = os.path.join(install_tools(d), "sendmail")
    r = run_as(ALICE, [sm, "-C", d.dir, "-f", "boss@example.org", BOB],
               b"From: boss@example.org\nReturn-Path: <boss@example.org>\n"
               b"Subject: forged\n\nx\n")
    assert r.returncode == 0, r.stderr
    [(rp, data)] = delivered(users[BOB])
    assert rp == b"Return-Path: <%s@mx.%s>" % (ALICE.encode(),
                                               DOMAIN.encode())
    assert b"from userid %d)" % users[ALICE].pw_uid in data
    wait_until(lambda: re.search(
        r"uid=%d \(%s\) may not set the sender <boss@example.org>"
        % (users[ALICE].pw_uid, ALICE), d.logtext()), "the -f log line")
    shutil.rmtree(os.path.join(users[BOB].pw_dir, "Maildir"))
    # a drop file written by hand, owned by alice, claiming root's sender
    plant(d, "00000000000000AA", b"bulkdrop 1\nsender root\nrcpt %s\n\n"
          b"Subject: y\n\ny\n" % BOB.encode(), users[ALICE].pw_uid)
    [(rp, data)] = delivered(users[BOB])
    assert rp == b"Return-Path: <%s@mx.%s>" % (ALICE.encode(),
                                               DOMAIN.encode())
    shutil.rmtree(os.path.join(users[BOB].pw_dir, "Maildir"))
    # root is trusted
    r = subprocess.run([sm, "-C", d.dir, "-f", "boss@example.org", BOB],
                       input=b"Subject: z\n\nz\n", capture_output=True,
                       timeout=WAIT)
    assert r.returncode == 0, r.stderr
    [(rp, data)] = delivered(users[BOB])
    assert rp == b"Return-Path: <boss@example.org>"
    assert b"from userid 0)" in data




def test_bad_drop_files_are_moved_aside_never_followed(make_daemon, users):
    """As if the bulkdrop group were compromised: a symbolic link, a
    hard link, a malformed envelope: each goes to maildrop/corrupt with
    a log line; nothing is read through a link, nothing deleted."""
    d = make_daemon()
    secret = os.path.join(d.dir, "secret")
    with open(secret, "wb") as f:
        f.write(b"bulkdrop 1\nrcpt %s\n\nSubject: secret\n\nx\n"
                % BOB.encode())
    os.chmod(secret, 0o644)
    os.symlink(secret, os.path.join(drop_dir(d), "00000000000000B1"))
    os.link(secret, os.path.join(drop_dir(d), "00000000000000B2"))
    plant(d, "00000000000000B3", b"bulkdrop 1\nrcpt a b\n\nx\n",
          users[ALICE].pw_uid)
    plant(d, "00000000000000B4", b"not a drop file\n", users[ALICE].pw_uid)
    # bulkdrop still writing (0600): left alone; left so for two days:
    # aside
    plant(d, "00000000000000B6", b"bulkdrop 1\n", users[ALICE].pw_uid,
          mode=0o600, age=2 * 86400)
    plant(d, "00000000000000B7", b"bulkdrop 1\n", users[ALICE].pw_uid,
          mode=0o600)
    # and a good one after them still goes through
    plant(d, "00000000000000B5", b"bulkdrop 1\nrcpt %s\n\nSubject: ok\n\n"
          b"ok\n" % ALICE.encode(), users[ALICE].pw_uid)
    [(rp, data)] = delivered(users[ALICE])
    assert b"Subject: ok" in data
    corrupt = os.path.join(drop_dir(d), "corrupt")
    wait_until(lambda: len(os.listdir(corrupt)) == 5, "5 files aside")
    assert sorted(os.listdir(corrupt)) == ["00000000000000B%d" % i
                                           for i in (1, 2, 3, 4, 6)]
    assert drop_files(d) == ["00000000000000B7"]
    for name, why in (("B1", "symbolic link"), ("B2", "one link"),
                      ("B3", "malformed recipient"),
                      ("B4", "not a drop file"),
                      ("B6", "left unfinished by bulkdrop")):
        wait_until(lambda: re.search(
            r"pickup\[\d+\]: warning: 00000000000000%s: uid=\d+: "
            r"malformed drop file moved to maildrop/corrupt: .*%s"
            % (name, why), d.logtext()), "the log line for " + name)
    assert not os.path.exists(os.path.join(users[BOB].pw_dir, "Maildir",
                                           "new")) or \
        os.listdir(os.path.join(users[BOB].pw_dir, "Maildir", "new")) == []
    assert d.pids().get("pickup")          # and pickup still runs


def test_kill_pickup_mid_file_loses_and_duplicates_nothing(make_daemon,
                                                            users):
    """pickup killed while queue holds its half-made message: queue drops
    it, the drop file stays, the new pickup queues it once."""
    d = make_daemon()
    sm = os.path.join(install_tools(d), "sendmail")
    queue = d.pids()["queue"]
    pickup = d.pids()["pickup"]
    os.kill(queue, signal.SIGSTOP)
    try:
        r = run_as(ALICE, [sm, "-C", d.dir, BOB], b"Subject: once\n\nx\n")
        assert r.returncode == 0, r.stderr
        time.sleep(0.5)        # pickup has asked queue for a file
        os.kill(pickup, signal.SIGKILL)
        time.sleep(0.2)
    finally:
        os.kill(queue, signal.SIGCONT)
    d.wait_role("pickup", not_pid=pickup)
    [(rp, data)] = delivered(users[BOB])
    assert b"Subject: once" in data
    time.sleep(2)
    assert len(os.listdir(os.path.join(users[BOB].pw_dir, "Maildir",
                                       "new"))) == 1
    assert drop_files(d) == []


MAILX = shutil.which("bsd-mailx") or "/usr/bin/bsd-mailx"


@pytest.mark.skipif(not os.path.exists(MAILX),
                    reason="bsd-mailx is not installed (scripts/install-deps)")
def test_mail_s_from_bsd_mailx(make_daemon, users):
    """mail -s as bob: mailx runs "sendmail -i [-oem] alice@..." (here a
    wrapper that adds -C, through mailx's sendmail variable)."""
    d = make_daemon()
    bindir = install_tools(d)
    wrapper = os.path.join(bindir, "sendmail-wrapper")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec %s/sendmail -C %s \"$@\"\n"
                % (bindir, d.dir))
    os.chmod(wrapper, 0o755)
    rc = os.path.join(d.dir, "mailrc")
    with open(rc, "w") as f:
        f.write("set sendmail=%s\n" % wrapper)
    os.chmod(rc, 0o644)
    pw = pwd.getpwnam(BOB)
    env = {"PATH": "/usr/bin:/bin", "HOME": pw.pw_dir, "USER": BOB,
           "LOGNAME": BOB, "MAILRC": rc}
    r = subprocess.run([MAILX, "-s", "hello from mailx",
                        "%s@%s" % (ALICE, DOMAIN)],
                       input=b"a line from mailx\n", capture_output=True,
                       preexec_fn=as_user(BOB), env=env, cwd="/",
                       timeout=WAIT)
    assert r.returncode == 0, r
    [(rp, data)] = delivered(users[ALICE])
    assert rp == b"Return-Path: <%s@mx.%s>" % (BOB.encode(),
                                               DOMAIN.encode())
    assert b"\nSubject: hello from mailx\n" in data
    assert b"from userid %d)" % users[BOB].pw_uid in data
    assert re.search(rb"\nFrom: .*%s@mx\.test\.example" % BOB.encode(),
                     data)
    assert data.endswith(b"a line from mailx\n")


def test_sendmail_bs_smtp_on_stdin(make_daemon, users):
    """sendmail -bs as alice: an SMTP dialogue on stdin and stdout; MAIL
    FROM counts as -f does (not for a user)."""
    d = make_daemon()
    sm = os.path.join(install_tools(d), "sendmail")
    dialogue = (b"EHLO client\r\nMAIL FROM:<boss@example.org> BODY=8BITMIME"
                b"\r\nRCPT TO:<%s>\r\nRCPT TO:<a b>\r\nDATA\r\n"
                b"Subject: over -bs\r\n\r\n..dot stuffed\r\nline\r\n.\r\n"
                b"NOOP\r\nQUIT\r\n" % BOB.encode())
    r = run_as(ALICE, [sm, "-C", d.dir, "-bs"], dialogue)
    assert r.returncode == 0, r
    codes = [l[:3] for l in r.stdout.split(b"\r\n") if l[3:4] == b" "]
    assert codes == [b"220", b"250", b"250", b"250", b"501", b"354",
                     b"250", b"250", b"221"], r.stdout
    assert b"250 2.0.0 Ok: queued" in r.stdout
    [(rp, data)] = delivered(users[BOB])
    assert rp == b"Return-Path: <%s@mx.%s>" % (ALICE.encode(),
                                               DOMAIN.encode())
    assert data.endswith(b"Subject: over -bs\n\n.dot stuffed\nline\n")


def test_full_disk_leaves_no_partial_drop_file(make_daemon):
    """The drop directory's file system is full: sendmail exits 75
    (EX_TEMPFAIL) and bulkdrop removes what it had written."""
    d = make_daemon()
    d.stop()
    sm = os.path.join(install_tools(d), "sendmail")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=1730",
                    "tmpfs", drop_dir(d)], check=True)
    try:
        shutil.chown(drop_dir(d), "_bhpickup", "bulkdrop")
        os.chmod(drop_dir(d), 0o1730)
        r = run_as(ALICE, [sm, "-C", d.dir, BOB],
                   b"Subject: big\n\n" + b"y" * 200000 + b"\n")
        assert r.returncode == 75, r
        assert b"cannot write the drop file" in r.stderr
        assert os.listdir(drop_dir(d)) == []
    finally:
        subprocess.run(["umount", drop_dir(d)], check=True)


def test_trusted_users_may_set_the_sender(make_daemon, users):
    d = make_daemon(extra_main="trusted_users = root, %s\n" % BOB)
    sm = os.path.join(install_tools(d), "sendmail")
    r = run_as(BOB, [sm, "-C", d.dir, "-f", "lists@example.org", ALICE],
               b"Subject: from a list\n\nx\n")
    assert r.returncode == 0, r.stderr
    [(rp, data)] = delivered(users[ALICE])
    assert rp == b"Return-Path: <lists@example.org>"
    assert b"from userid %d)" % users[BOB].pw_uid in data


def test_oversize_message_in_a_small_envelope_goes_aside(make_daemon, users):
    """The file may be message_size_limit + 256 KiB; the message in it
    no more than message_size_limit: else aside, and pickup lives."""
    d = make_daemon(extra_main="message_size_limit = 1000\n")
    plant(d, "00000000000000C1", b"bulkdrop 1\nrcpt %s\n\n" % ALICE.encode()
          + b"x" * 5000, users[ALICE].pw_uid)
    wait_until(lambda: os.listdir(os.path.join(drop_dir(d), "corrupt"))
               == ["00000000000000C1"], "the file aside")
    wait_until(lambda: "larger than message_size_limit" in d.logtext(),
               "the log line")
    pickup = d.pids()["pickup"]
    plant(d, "00000000000000C2", b"bulkdrop 1\nrcpt %s\n\nSubject: small"
          b"\n\nx\n" % ALICE.encode(), users[ALICE].pw_uid)
    [(rp, data)] = delivered(users[ALICE])
    assert d.pids()["pickup"] == pickup


def test_unknown_uid_waits_then_goes_aside(make_daemon, users):
    """A drop file whose owner uid has no account: kept for lookup's next
    snapshot (a new account), moved aside once it is an hour old."""
    d = make_daemon()
    plant(d, "00000000000000D1", b"bulkdrop 1\nrcpt %s\n\nx\n"
          % ALICE.encode(), 54321)
    wait_until(lambda: "00000000000000D1: uid=54321: its owner's uid has "
               "no account (yet); will try again" in d.logtext(),
               "the deferral")
    # and it holds up no other file
    plant(d, "00000000000000D0", b"bulkdrop 1\nrcpt %s\n\nSubject: next"
          b"\n\nx\n" % ALICE.encode(), users[ALICE].pw_uid)
    [(rp, data)] = delivered(users[ALICE])
    assert b"Subject: next" in data
    assert drop_files(d) == ["00000000000000D1"]
    os.remove(os.path.join(drop_dir(d), "00000000000000D1"))
    d.stop()
    plant(d, "00000000000000D2", b"bulkdrop 1\nrcpt %s\n\nx\n"
          % ALICE.encode(), 54321, age=7200)
    d.start()
    corrupt = os.path.join(drop_dir(d), "corrupt")
    wait_until(lambda: os.listdir(corrupt) == ["00000000000000D2"],
               "the old file aside")
