"""|command and /file targets of aliases and ~/.forward: run by a runner
master forks as the alias file's owner (default_privs for root) or the
.forward's user, with a fixed environment, a time limit and Postfix's
sysexits mapping; a target local asks for that its source does not list
is refused and nothing runs."""
import mailbox
import os
import pwd
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ALICE, BULKCTL, DOMAIN, maildir_messages, wait_until

SCRIPT = """\
#!/bin/sh
# rec.sh TAG [EXIT [SLEEP]]: record who ran us, with what, then exit.
out={out}/$1
id -u > $out.uid.tmp && mv $out.uid.tmp $out.uid
id -g > $out.gid
env > $out.env
cat > $out.stdin
[ -n "$3" ] && sleep $3
echo "output of $1, exit ${{2:-0}}"
touch $out.done
exit ${{2:-0}}
"""

# What the runner sets (Postfix local(8)'s list); sh adds PWD itself.
FIXED_ENV = {"HOME", "LOGNAME", "USER", "SHELL", "PATH", "SENDER",
             "RECIPIENT", "ORIGINAL_RECIPIENT", "LOCAL", "DOMAIN",
             "EXTENSION"}


@pytest.fixture
def rec():
    """A root-owned 0755 script outside the spool, and a sticky
    world-writable directory it records into."""
    top = tempfile.mkdtemp(prefix="bhc-cmd-")
    os.chmod(top, 0o755)
    out = os.path.join(top, "out")
    os.mkdir(out)
    os.chmod(out, 0o1777)
    script = os.path.join(top, "rec.sh")
    with open(script, "w") as f:
        f.write(SCRIPT.format(out=out))
    os.chmod(script, 0o755)
    yield script, out
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def forward(users):
    made = []

    def put(text):
        pw = users[ALICE]
        path = os.path.join(pw.pw_dir, ".forward")
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(path, 0o644)
        made.append(path)
    yield put
    for p in made:
        if os.path.lexists(p):
            os.unlink(p)


def outcome(d, rcpt):
    """(dsn, status, text) of the last log line about rcpt, or None."""
    found = None
    for m in re.finditer(r": to=<%s>, relay=local, delay=\d+, dsn=(\S+), "
                         r"status=(\w+) \((.*)\)" % re.escape(rcpt),
                         d.logtext()):
        found = m.groups()
    return found


def send(d, rcpt, sender="s@remote.example", body=b"command body\r\n"):
    with d.smtp() as s:
        s.sendmail(sender, [rcpt], b"Subject: cmd\r\nFrom: <%s>\r\n\r\n"
                   % sender.encode() + body)
    wait_until(lambda: outcome(d, rcpt), "the outcome for " + rcpt)
    return outcome(d, rcpt)


def read(out, name):
    with open(os.path.join(out, name)) as f:
        return f.read()


def env_of(out, tag):
    return dict(line.split("=", 1) for line in
                read(out, tag + ".env").splitlines() if "=" in line)


def test_alias_command_runs_as_default_privs(make_daemon, users, rec,
                                             sandbox):
    script, out = rec
    d = make_daemon(sandbox, aliases='postmaster: %s\nprog: "|%s prog"\n'
                    % (ALICE, script),
                    extra_main="recipient_delimiter = +\n")
    assert send(d, "prog+ext@" + DOMAIN) == (
        "2.0.0", "sent", "delivered to 0 mailboxes and 1 command or file")
    nobody = pwd.getpwnam("nobody")
    assert int(read(out, "prog.uid")) == nobody.pw_uid
    assert int(read(out, "prog.gid")) == nobody.pw_gid
    env = env_of(out, "prog")
    assert set(env) - {"PWD"} == FIXED_ENV, env
    assert env["PATH"] == "/usr/bin:/bin"
    assert env["USER"] == env["LOGNAME"] == "nobody"
    assert env["SENDER"] == "s@remote.example"
    assert env["RECIPIENT"] == "prog+ext@" + DOMAIN
    assert env["LOCAL"] == "prog+ext"
    assert env["DOMAIN"] == DOMAIN
    assert env["EXTENSION"] == "ext"
    stdin = read(out, "prog.stdin")
    assert stdin.startswith("Return-Path: <s@remote.example>\n"
                            "Delivered-To: prog+ext@%s\n" % DOMAIN), stdin
    assert "Subject: cmd\n" in stdin and stdin.endswith("command body\n")


def test_forward_command_runs_as_the_user(make_daemon, users, rec, forward,
                                          sandbox):
    script, out = rec
    forward('"|%s fwd"\n' % script)
    d = make_daemon(sandbox)
    assert send(d, ALICE + "@" + DOMAIN)[:2] == ("2.0.0", "sent")
    pw = users[ALICE]
    assert int(read(out, "fwd.uid")) == pw.pw_uid
    assert int(read(out, "fwd.gid")) == pw.pw_gid
    env = env_of(out, "fwd")
    assert set(env) - {"PWD"} == FIXED_ENV, env
    assert env["HOME"] == pw.pw_dir and env["USER"] == ALICE
    assert env.get("PWD") == pw.pw_dir     # cwd: the user's home
    assert "command body" in read(out, "fwd.stdin")
    # Only the command: nothing went to the mailbox.
    assert not os.path.exists(os.path.join(pw.pw_dir, "Maildir", "new")) \
        or not os.listdir(os.path.join(pw.pw_dir, "Maildir", "new"))


def test_tempfail_defers_and_stays_queued(make_daemon, users, rec):
    script, out = rec
    d = make_daemon(aliases='postmaster: %s\ntf: "|%s tf 75"\n'
                    % (ALICE, script))
    dsn, status, text = send(d, "tf@" + DOMAIN)
    assert (dsn, status) == ("4.3.0", "deferred"), text
    assert "temporary failure" in text and "output of tf" in text
    r = subprocess.run([BULKCTL, "-c", d.dir, "mailq"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "tf@" + DOMAIN in r.stdout, r.stdout


@pytest.mark.parametrize("code,dsn,words", [
    (67, "5.1.1", "user unknown"),
    (1, "5.3.0", "command died with status 1"),
])
def test_failure_bounces_with_the_output(make_daemon, users, rec, code, dsn,
                                         words):
    script, out = rec
    d = make_daemon(aliases='postmaster: %s\nfail: "|%s fail %d"\n'
                    % (ALICE, script, code))
    got = send(d, "fail@" + DOMAIN, sender="%s@%s" % (ALICE, DOMAIN))
    assert got[:2] == (dsn, "bounced"), got
    assert words in got[2] and "output of fail, exit %d" % code in got[2]
    data, _ = maildir_messages(users[ALICE])[0]
    assert data.startswith(b"Return-Path: <>\n")
    assert ("output of fail, exit %d" % code).encode() in data


def test_time_limit_defers(make_daemon, users, rec):
    script, out = rec
    d = make_daemon(aliases='postmaster: %s\nslow: "|%s slow 0 30"\n'
                    % (ALICE, script),
                    extra_main="command_time_limit = 2s\n")
    dsn, status, text = send(d, "slow@" + DOMAIN)
    assert (dsn, status) == ("4.2.0", "deferred"), text
    assert "command time limit exceeded" in text
    assert not os.path.exists(os.path.join(out, "slow.done"))


def test_commands_restricted_to_forward(make_daemon, users, rec):
    script, out = rec
    d = make_daemon(aliases='postmaster: %s\nprog: "|%s prog"\n'
                    % (ALICE, script),
                    extra_main="allow_mail_to_commands = forward\n")
    dsn, status, text = send(d, "prog@" + DOMAIN)
    assert (dsn, status) == ("5.7.1", "bounced"), text
    assert "mail to command is restricted" in text
    assert not os.listdir(out)


def mbox_messages(path):
    box = mailbox.mbox(path, create=False)
    try:
        return [box.get_bytes(k) for k in box.keys()], box
    finally:
        box.close()


def test_file_from_alias_and_forward(make_daemon, users, rec, forward):
    _, out = rec
    alias_file = os.path.join(out, "list.mbox")
    pw = users[ALICE]
    saved = os.path.join(pw.pw_dir, "saved.mbox")
    if os.path.lexists(saved):
        os.unlink(saved)
    forward('"%s"\n' % saved)
    d = make_daemon(aliases="postmaster: %s\nlist: %s\n" % (ALICE,
                                                            alias_file))
    body = b"From the start\r\nline\r\n"
    assert send(d, "list@" + DOMAIN, body=body)[:2] == ("2.0.0", "sent")
    assert send(d, ALICE + "@" + DOMAIN, body=body)[:2] == ("2.0.0", "sent")
    try:
        for path, owner in ((alias_file, pwd.getpwnam("nobody").pw_uid),
                            (saved, pw.pw_uid)):
            st = os.lstat(path)
            assert st.st_uid == owner and st.st_mode & 0o777 == 0o600
            msgs, _ = mbox_messages(path)
            assert len(msgs) == 1
            assert b"\n>From the start\nline\n" in msgs[0], msgs[0]
            with open(path, "rb") as f:
                assert f.read().startswith(b"From s@remote.example ")
    finally:
        os.unlink(saved)


def test_file_in_a_directory_its_owner_cannot_write(make_daemon, users):
    """No dotlock can be made next to the file (the runner runs as
    nobody, the directory is root's): delivered under the fcntl lock
    alone, with a warning, not deferred until it expires."""
    top = tempfile.mkdtemp(prefix="bhc-ro-")
    try:
        os.chmod(top, 0o755)
        path = os.path.join(top, "list.mbox")
        nobody = pwd.getpwnam("nobody")
        with open(path, "w"):
            pass
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
        os.chmod(path, 0o600)
        d = make_daemon(aliases="postmaster: %s\nlist: %s\n" % (ALICE,
                                                                path))
        dsn, status, text = send(d, "list@" + DOMAIN)
        assert (dsn, status) == ("2.0.0", "sent"), text
        msgs, _ = mbox_messages(path)
        assert len(msgs) == 1
        assert not os.path.exists(path + ".lock")
        assert "using the fcntl lock alone" in d.logtext()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_file_that_is_a_symlink_is_refused(make_daemon, users, rec):
    _, out = rec
    target = os.path.join(out, "victim")
    with open(target, "w") as f:
        f.write("untouched\n")
    link = os.path.join(out, "link.mbox")
    os.symlink(target, link)
    d = make_daemon(aliases="postmaster: %s\nlist: %s\n" % (ALICE, link))
    dsn, status, text = send(d, "list@" + DOMAIN)
    assert status == "deferred" and dsn.startswith("4."), text
    assert read(out, "victim") == "untouched\n"


def test_hostile_runner_requests_are_refused(make_daemon, users, rec,
                                            forward):
    """A compromised local asks master for commands no source lists:
    the runner (as the user, or as nobody for the root-owned aliases)
    re-reads the source, refuses, nothing runs, security is logged."""
    script, out = rec
    forward("\\%s\n" % ALICE)
    d = make_daemon(aliases="postmaster: %s\n" % ALICE)
    d.stop()
    with open(os.path.join(d.dir, "test-hostile-runner-open"), "w") as f:
        f.write("forward\t%s\tcommand\t%s evil1\n" % (ALICE, script))
        f.write("alias:0\tpostmaster\tcommand\t%s evil2\n" % script)
        f.write("alias:0\tpostmaster\tfile\t%s/evil3\n" % out)
        f.write("alias:5\tpostmaster\tcommand\t%s evil4\n" % script)
        f.write("alias:0\tpostmaster\tinclude\t/etc/passwd\n")
    d.start()
    wait_until(lambda: d.log_count("test hook: RUNNER_OPEN #4") >= 1,
               "the hostile requests' answers")
    wait_until(lambda: d.log_count("refused a target its source does "
                                   "not list") >= 4,
               "master to log four refusals")
    log = d.logtext()
    assert "refusing command %s evil1 for %s" % (script, ALICE) in log
    assert "refusing command %s evil2 for postmaster" % script in log
    assert "refusing file %s/evil3 for postmaster" % out in log
    assert "refusing :include: /etc/passwd for postmaster" in log
    assert "test hook: RUNNER_OPEN #3 refused: 4.7.0" in log
    assert "security:" in log
    assert not os.listdir(out)


def test_second_alias_file_owned_by_a_user(make_daemon, users, rec):
    """A command in the second of two alias_maps, a file the user owns:
    master finds the file by its index and runs the command as its
    owner."""
    script, out = rec
    second = os.path.join(os.path.dirname(out), "aliases2")
    with open(second, "w") as f:
        f.write('second: "|%s second"\n' % script)
    pw = users[ALICE]
    os.chown(second, pw.pw_uid, pw.pw_gid)
    os.chmod(second, 0o644)
    d = make_daemon(aliases="postmaster: %s\n" % ALICE,
                    extra_main="alias_maps = hash:$config_directory/aliases,"
                    " hash:%s\n" % second)
    assert send(d, "second@" + DOMAIN)[:2] == ("2.0.0", "sent")
    assert int(read(out, "second.uid")) == pw.pw_uid
