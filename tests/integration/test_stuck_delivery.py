"""A local user can stop (SIGSTOP) the writers and runners that run as
that user: here alice's ~/.forward command stops its runner.  Deliveries
get a deadline (local_time_limit): the stopped process is killed and the
recipient deferred, and one user's stuck deliveries hold at most
local_destination_concurrency_limit of queue's slots, so mail for
everyone else keeps arriving."""
import os
import re
import signal
import time

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until

LIMIT = 4    # local_time_limit in this test, seconds


def kill_user(uid):
    for p in os.listdir("/proc"):
        try:
            if not p.isdigit():
                continue
            with open("/proc/%s/status" % p) as f:
                if re.search(r"^Uid:\s+%d\s" % uid, f.read(), re.M):
                    os.kill(int(p), signal.SIGKILL)
        except OSError:
            pass


def test_stopped_runners_hold_no_one_elses_mail(make_daemon, users):
    alice = users[ALICE]
    fwd = os.path.join(alice.pw_dir, ".forward")
    with open(fwd, "w") as f:
        f.write('"|kill -STOP $PPID; kill -STOP $$"\n')
    os.chown(fwd, alice.pw_uid, alice.pw_gid)
    os.chmod(fwd, 0o644)
    try:
        d = make_daemon(extra_main="local_time_limit = %ds\n" % LIMIT)
        with d.smtp() as s:
            for i in range(60):
                s.sendmail("a@remote.example", [ALICE + "@" + DOMAIN],
                           ("Subject: alice %d\r\n\r\nx\r\n" % i).encode())
        time.sleep(1)
        t0 = time.monotonic()
        with d.smtp() as s:
            s.sendmail("a@remote.example", [BOB + "@" + DOMAIN],
                       b"Subject: for bob\r\n\r\nbody\r\n")
        data, _ = maildir_messages(users[BOB], timeout=LIMIT + 2)[0]
        assert b"Subject: for bob" in data
        assert time.monotonic() - t0 < LIMIT + 2
        # The stopped runner is killed, alice's recipient deferred.
        wait_until(lambda: re.search(r"killing runner \(pid \d+\): stopped",
                                     d.logtext()), "a stopped runner killed",
                   timeout=3 * LIMIT)
        wait_until(lambda: re.search(
            r"to=<%s@%s>.*status=deferred \(delivery time limit exceeded"
            % (ALICE, DOMAIN), d.logtext()), "alice deferred",
            timeout=3 * LIMIT)
    finally:
        os.unlink(fwd)
        kill_user(alice.pw_uid)
