"""A compromised compartment against root master: a flood of requests
gets it killed and restarted with backoff, and a restart that fails
(master out of file descriptors) is tried again until it works."""
import os
import resource
import signal
import time

from conftest import ALICE, DOMAIN, maildir_messages, wait_until


def send(d, rcpt, subject):
    with d.smtp() as s:
        s.sendmail("a@remote.example", [rcpt],
                   ("Subject: %s\r\n\r\nbody\r\n" % subject).encode())


def test_request_flood_kills_the_flooder(make_daemon, users):
    d = make_daemon(start=False)
    # A test build's local sends this many WRITER_OPENs at once when
    # it is ready, and swallows the answers.
    flood = os.path.join(d.dir, "test-hostile-flood")
    with open(flood, "w") as f:
        f.write("20000 root\n")
    d.start()
    wait_until(lambda: d.log_count("request flood from local") >= 1,
               "master to notice the flood")
    os.unlink(flood)
    wait_until(lambda: d.log_count("restarting local in") >= 1,
               "local restarted with backoff")
    wait_until(lambda: d.log_count("local: ready") >= 2, "local again")
    log = d.logtext()
    assert "security: killing local" in log
    # Master did not answer (and log) the whole flood.
    assert log.count("writer for root") < 2000, log.count("writer for root")
    send(d, ALICE + "@" + DOMAIN, "after flood")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after flood" in data


def test_failed_restart_is_retried(make_daemon, users):
    """Master out of fds when queue dies: socketpair fails; once fds are
    there again, queue comes back without anyone's help."""
    d = make_daemon()
    master = d.proc.pid
    queue = d.wait_role("queue")
    soft, hard = resource.prlimit(master, resource.RLIMIT_NOFILE)
    # Every new fd of master's fails from now on (EMFILE).
    resource.prlimit(master, resource.RLIMIT_NOFILE, (3, hard))
    try:
        os.kill(queue, signal.SIGKILL)
        wait_until(lambda: "socketpair for queue" in d.logtext(),
                   "a failed restart")
        time.sleep(1.5)
    finally:
        resource.prlimit(master, resource.RLIMIT_NOFILE, (soft, hard))
    d.wait_role("queue", not_pid=queue)
    wait_until(lambda: d.log_count("queue: ready") >= 2, "queue again")
    send(d, ALICE + "@" + DOMAIN, "after exhaustion")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: after exhaustion" in data
