"""
Local delivery neither repeats nor fails mail because of how it keeps
its progress and its writers (issue 17 items 3 and 4, issue 11 item 6).
"""
import os
import pwd
import shutil
import subprocess
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
        subprocess.run(["userdel", "-r", u], stderr=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh",
                        u], check=True)
    yield {u: pwd.getpwnam(u) for u in MANY_USERS}
    for u in MANY_USERS:
        subprocess.run(["userdel", "-r", u], stderr=subprocess.DEVNULL,
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
