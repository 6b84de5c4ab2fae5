"""Master's own start: whatever the shell that started it left behind (a
working directory, open files, environment variables, a low limit on
open files) neither reaches the compartments nor breaks them."""
import os
import resource
import tempfile

from conftest import ALICE, DOMAIN, maildir_messages


def send(d, rcpt, subject):
    with d.smtp() as s:
        s.sendmail("a@remote.example", [rcpt],
                   ("Subject: %s\r\n\r\nbody\r\n" % subject).encode())


def test_master_drops_cwd_fds_and_environment(make_daemon, users):
    d = make_daemon(start=False)
    cwd = tempfile.mkdtemp(prefix="bh-cwd-")
    secret = os.path.join(cwd, "secret")
    with open(secret, "w") as f:
        f.write("root's file\n")
    leak = os.open(secret, os.O_RDONLY)
    env = dict(os.environ, BH_SECRET_TOKEN="hunter2",
               LD_PRELOAD="", MALLOC_CHECK_="3")
    try:
        d.start(cwd=cwd, env=env, pass_fds=(leak,))
    finally:
        os.close(leak)
    master = d.proc.pid
    assert os.readlink("/proc/%d/cwd" % master) == "/"
    fds = os.listdir("/proc/%d/fd" % master)
    targets = []
    for fd in fds:
        try:
            targets.append(os.readlink("/proc/%d/fd/%s" % (master, fd)))
        except OSError:
            pass
    assert secret not in targets, targets
    with open("/proc/%d/environ" % master, "rb") as f:
        environ = f.read()
    assert b"hunter2" not in environ
    assert b"BH_SECRET_TOKEN" not in environ
    assert b"MALLOC_CHECK_" not in environ
    # The compartments and a writer see none of it either.
    for role, pid in d.pids().items():
        assert os.readlink("/proc/%d/cwd" % pid) != cwd, role
    send(d, ALICE + "@" + DOMAIN, "clean start")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: clean start" in data
    os.unlink(secret)
    os.rmdir(cwd)


def test_low_nofile_hard_limit_does_not_crash_loop(make_daemon, users):
    """queue wants 4096 open files; under a hard limit of 1024 it must
    still start (master's children raise the limit while still root),
    not die on setrlimit and be restarted forever."""
    d = make_daemon(start=False)

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 1024))
    d.start(preexec_fn=low_limit)
    send(d, ALICE + "@" + DOMAIN, "low limit")
    data, _ = maildir_messages(users[ALICE])[0]
    assert b"Subject: low limit" in data
    log = d.logtext()
    assert "restarting queue" not in log, log
    assert "setrlimit" not in log, log
