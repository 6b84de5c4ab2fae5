"""The pid file: a master killed with SIGKILL and not yet reaped (a
zombie), or a pid that is not bulkhead's, does not stop a new start; a
running master does."""
import os
import signal
import subprocess

from conftest import ALICE, BULKHEAD, DOMAIN, maildir_messages, wait_until


def state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def pidfile(d):
    return os.path.join(d.dir, "master.pid")


def restart_works(d, users):
    n = d.log_count("queue: ready")
    d.start()
    wait_until(lambda: d.log_count("queue: ready") > n, "a new queue")
    assert d.proc.poll() is None, d.logtext()[-2000:]
    assert "already running" not in d.logtext()
    with d.smtp() as s:
        s.sendmail("a@remote.example", [ALICE + "@" + DOMAIN],
                   b"Subject: after restart\r\n\r\nbody\r\n")
    assert b"after restart" in maildir_messages(users[ALICE])[0][0]


def test_start_after_master_killed_and_not_reaped(make_daemon, users):
    d = make_daemon()
    old = d.proc
    children = list(d.pids().values())
    os.kill(old.pid, signal.SIGKILL)
    # Not reaped: the old master stays a zombie while we start again.
    wait_until(lambda: state(old.pid) == "Z", "master to be a zombie")
    for p in children:   # PR_SET_PDEATHSIG takes the compartments along
        wait_until(lambda: state(p) in (None, "Z"), "pid %d to die" % p)
    with open(pidfile(d)) as f:
        assert int(f.read()) == old.pid
    d.log.close()
    try:
        restart_works(d, users)
        assert state(old.pid) == "Z"     # still there, still not running
    finally:
        old.wait()


def test_start_when_pid_file_names_another_program(make_daemon, users):
    d = make_daemon()
    d.stop()
    other = subprocess.Popen(["sleep", "60"])
    try:
        with open(pidfile(d), "w") as f:
            f.write("%d\n" % other.pid)
        restart_works(d, users)
    finally:
        other.kill()
        other.wait()


def test_running_master_refuses_a_second(make_daemon, users):
    d = make_daemon()
    r = subprocess.run([BULKHEAD, "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 1
    assert "already running" in r.stderr
