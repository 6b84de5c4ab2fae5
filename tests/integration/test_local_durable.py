"""
Local delivery neither repeats nor fails mail because of how it keeps
its progress and its writers.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import (ALICE, BOB, PREFIX, WAIT, maildir_messages,
                      wait_until)

MANY = 70
MANY_USERS = ["%sm%02d" % (PREFIX, i) for i in range(MANY)]


@pytest.fixture(scope="module")
def many_users():
    """70 throw-away accounts, removed afterwards."""
    for u in MANY_USERS:
        subprocess.run(["userdel", "-f", "-r", u], stderr=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh",
                        u], check=True)
    yield {u: pwd.getpwnam(u) for u in MANY_USERS}
    for u in MANY_USERS:
        subprocess.run(["userdel", "-f", "-r", u], stderr=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL)


def count_new(pw):
    try:
        return len(os.listdir(os.path.join(pw.pw_dir, "Maildir", "new")))
    except FileNotFoundError:
        return 0


def test_one_message_to_70_users(make_daemon, many_users):
    """Idle writers local keeps never push it past master's writer limit:
    every one of 70 recipients of one message is delivered at the first
    attempt, and nothing is deferred with 4.3.2."""
    d = make_daemon()
    with d.smtp() as s:
        s.sendmail("sender@example.org",
                   ["%s@test.example" % u for u in MANY_USERS],
                   b"Subject: many\r\n\r\nto seventy\r\n")
    wait_until(lambda: all(count_new(pw) == 1
                           for pw in many_users.values()),
               "70 deliveries", timeout=60)
    # the files are in place before queue hears back and logs
    wait_until(lambda: d.logtext().count("status=") >= MANY, "70 outcomes")
    log = d.logtext()
    assert "4.3.2" not in log, log
    assert "too many concurrent writers" not in log
    assert log.count("status=sent") == MANY, log
    assert "status=deferred" not in log


def test_writer_limit_is_a_parameter(make_daemon, many_users):
    """local_writer_limit = 2 with 10 recipients: deliveries wait for a
    slot instead of failing."""
    d = make_daemon(extra_main="local_writer_limit = 2\n"
                    "local_writer_idle_limit = 1\n")
    rcpts = MANY_USERS[:10]
    with d.smtp() as s:
        s.sendmail("sender@example.org",
                   ["%s@test.example" % u for u in rcpts],
                   b"Subject: few\r\n\r\nto ten\r\n")
    wait_until(lambda: all(count_new(many_users[u]) == 1 for u in rcpts),
               "10 deliveries", timeout=60)
    log = d.logtext()
    assert "4.3.2" not in log, log
    assert "status=deferred" not in log


CAROL = PREFIX + "carol"
FAST_RETRY = ("minimal_backoff_time = 1s\nmaximal_backoff_time = 1s\n"
              "queue_run_delay = 1s\n")
RUNS_SCRIPT = """\
#!/bin/sh
cat > /dev/null
echo run >> {out}/runs
"""


@pytest.fixture
def carol():
    subprocess.run(["userdel", "-f", "-r", CAROL], stderr=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh",
                    CAROL], check=True)
    yield pwd.getpwnam(CAROL)
    subprocess.run(["userdel", "-f", "-r", CAROL], stderr=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)


@pytest.fixture
def runs():
    """A root-owned script that counts its runs in a sticky directory."""
    top = tempfile.mkdtemp(prefix="bhd-cmd-")
    os.chmod(top, 0o755)
    out = os.path.join(top, "out")
    os.mkdir(out)
    os.chmod(out, 0o1777)
    script = os.path.join(top, "count.sh")
    with open(script, "w") as f:
        f.write(RUNS_SCRIPT.format(out=out))
    os.chmod(script, 0o755)
    yield script, os.path.join(out, "runs")
    shutil.rmtree(top, ignore_errors=True)


def nruns(path):
    try:
        with open(path) as f:
            return len(f.readlines())
    except FileNotFoundError:
        return 0


def test_member_defer_repeats_nobody(make_daemon, users, carol, runs):
    """An alias of three mailboxes and a command: carol's Maildir is a
    symbolic link, so her delivery defers, again and again.  The others
    keep exactly one copy (the command ran once) over 3 retries, and once
    carol's Maildir is repaired she gets exactly one copy too."""
    script, runfile = runs
    link = os.path.join(carol.pw_dir, "Maildir")
    os.symlink("/tmp", link)
    d = make_daemon(extra_main=FAST_RETRY, aliases=(
        "postmaster: {a}\nlist: {a}, {b}, {c}, \"|{s}\"\n".format(
            a=ALICE, b=BOB, c=CAROL, s=script)))
    with d.smtp() as s:
        s.sendmail("sender@example.org", ["list@test.example"],
                   b"Subject: members\r\n\r\none each\r\n")
    wait_until(lambda: d.log_count("to=<list@test.example>") >= 4
               and d.log_count("status=deferred") >= 4,
               "a first attempt and 3 retries", timeout=30)
    assert len(maildir_messages(users[ALICE])) == 1
    assert len(maildir_messages(users[BOB])) == 1
    assert count_new(users[ALICE]) == 1 and count_new(users[BOB]) == 1
    assert nruns(runfile) == 1
    assert "skipped" in d.logtext()

    # What was delivered is on disk: a new queue process knows it too.
    queue = d.pids()["queue"]
    os.kill(queue, 9)
    d.wait_role("queue", not_pid=queue)
    n = d.log_count("status=deferred")
    wait_until(lambda: d.log_count("status=deferred") > n,
               "a retry by the new queue", timeout=30)
    assert count_new(users[ALICE]) == 1 and count_new(users[BOB]) == 1
    assert nruns(runfile) == 1

    os.unlink(link)
    wait_until(lambda: "status=sent" in d.logtext(), "the retry to succeed",
               timeout=30)
    assert len(maildir_messages(carol)) == 1
    time.sleep(1.5)     # nothing more arrives
    assert count_new(carol) == 1
    assert count_new(users[ALICE]) == 1 and count_new(users[BOB]) == 1
    assert nruns(runfile) == 1
    log = d.logtext()
    assert log.count("status=sent") == 1, log


def test_torn_appended_envelope(make_daemon, users):
    """A crash of the machine while queue appended a new envelope (with
    M records) leaves a torn end: the envelope before it is in force, the
    file is cut back to it and the message delivered, not called corrupt.
    A version 2 file is read as before."""
    from test_queue import qfile
    d = make_daemon()
    d.stop()
    active = os.path.join(d.spool, "active")
    st = os.stat(active)
    base = int(time.time())
    qid3 = "%09X%05X%02X" % (base, 0x301, 0)
    qid2 = "%09X%05X%02X" % (base, 0x302, 0)
    v3 = qfile(qid3, "%s@test.example" % BOB, version=b"3")
    env2 = v3[v3.index(b"V3\n"):v3.index(b"BHQ2 ")].replace(
        b"\nO\n", b"\nO\nM" + b"0" * 32 + b"\n")
    torn = v3 + env2 + b"BHQ2 0000"          # the trailer half written
    files = {qid3: torn, qid2: qfile(qid2, "%s@test.example" % ALICE)}
    for name, data in files.items():
        path = os.path.join(active, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, st.st_uid, st.st_gid)
        os.chmod(path, 0o600)
    d.start()
    assert maildir_messages(users[BOB])[0][0].endswith(b"planted body\n")
    assert maildir_messages(users[ALICE])[0][0].endswith(b"planted body\n")
    log = d.logtext()
    assert "%s: a torn envelope" % qid3 in log, log
    assert "corrupt" not in log


SLOW_SCRIPT = """\
#!/bin/sh
cat > /dev/null
echo run >> {out}/slow
[ -e {out}/fast ] || sleep 4
exit 0
"""


def test_command_not_repeated_after_local_crash(make_daemon, users, runs):
    """An alias of two commands; local is killed while the second runs.
    The first is recorded the moment it is done (a progress note to
    queue), so the retry runs only the second."""
    script, runfile = runs
    out = os.path.dirname(runfile)
    slow = os.path.join(os.path.dirname(out), "slow.sh")
    with open(slow, "w") as f:
        f.write(SLOW_SCRIPT.format(out=out))
    os.chmod(slow, 0o755)
    d = make_daemon(aliases="postmaster: %s\nlist: \"|%s\", \"|%s\"\n" % (
        ALICE, script, slow))
    with d.smtp() as s:
        s.sendmail("sender@example.org", ["list@test.example"],
                   b"Subject: two commands\r\n\r\nbody\r\n")
    slowfile = os.path.join(out, "slow")
    wait_until(lambda: os.path.exists(slowfile), "the second command")
    local = d.pids()["local"]
    os.kill(local, 9)
    d.wait_role("local", not_pid=local)
    open(os.path.join(out, "fast"), "w").close()
    wait_until(lambda: "status=sent" in d.logtext(), "the retry", timeout=30)
    assert nruns(runfile) == 1, d.logtext()
    assert "delivered by an earlier attempt, skipped" in d.logtext()
