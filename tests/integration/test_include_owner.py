"""A command in an :include: file runs as that file's owner; that owner
must pass the account rules a mailbox writer's does (local_minimum_uid,
no system account): an include file a system account owns gets no
runner as that account."""
import os
import pwd

from conftest import ALICE, DOMAIN
from test_commands import outcome, read, rec, send  # noqa: F401 (fixture)
from test_include import incdir  # noqa: F401 (fixture)


def test_include_owned_by_a_system_account_runs_nothing(make_daemon,
                                                        users, incdir, rec):
    script, out = rec
    daemon = pwd.getpwnam("daemon")         # uid 1 on Debian
    assert daemon.pw_uid < 1000
    inc = incdir("sys", '"|%s sys"\n' % script, owner=daemon)
    d = make_daemon(aliases="postmaster: %s\nsys: :include:%s\n"
                    % (ALICE, inc),
                    extra_main="allow_mail_to_commands = alias, forward, "
                    "include\n")
    dsn, status, text = send(d, "sys@" + DOMAIN)
    assert not os.path.exists(os.path.join(out, "sys.uid")), \
        "ran as uid " + read(out, "sys.uid")
    assert status in ("deferred", "bounced"), (dsn, status, text)
    assert "security: refused runner" in d.logtext()


def test_include_chain_cannot_probe_root_only_paths(make_daemon, users):
    """A compromised local names include files master would lstat as
    root: whether a file in a root-only directory exists must not show
    in master's answer.  Master looks at each file of the chain with the
    rights of the one that names it (default_privs for a root-owned
    alias file), so both answers are the same refusal."""
    import shutil
    import tempfile
    secret = tempfile.mkdtemp(prefix="bh-secret-")   # root's, 0700
    os.chmod(secret, 0o700)
    there = os.path.join(secret, "there")
    with open(there, "w") as f:
        f.write("x\n")
    try:
        d = make_daemon(aliases="postmaster: %s\n" % ALICE,
                        extra_main="allow_mail_to_commands = alias, "
                        "forward, include\n")
        d.stop()
        with open(os.path.join(d.dir, "test-hostile-runner-open"),
                  "w") as f:
            f.write("alias:0\tpostmaster\tcommand\t/bin/true\t%s\n" % there)
            f.write("alias:0\tpostmaster\tcommand\t/bin/true\t%s/nothere\n"
                    % secret)
        d.start()
        from conftest import wait_until
        # the answers may come in either order: wait for both
        wait_until(lambda: d.log_count("test hook: RUNNER_OPEN #0") >= 1 and
                   d.log_count("test hook: RUNNER_OPEN #1") >= 1,
                   "the hostile requests' answers")
        log = d.logtext()
        import re
        a = re.search(r"test hook: RUNNER_OPEN #0 (.*)", log).group(1)
        b = re.search(r"test hook: RUNNER_OPEN #1 (.*)", log).group(1)
        assert a == b, (a, b)
        assert a.startswith("refused")
    finally:
        shutil.rmtree(secret, ignore_errors=True)


def test_include_chain_is_verified_before_its_path_is_touched(make_daemon,
                                                              users):
    """Master verifies an :include: chain before it touches a path local
    names: a runner as default_privs reads the alias file master knows and
    checks that the alias lists the first file; only then is that file
    examined (with those rights), and the next link is checked by a runner
    as its owner.  A compromised local that names a file default_privs
    can see but no alias lists, or one that does not exist, gets one and
    the same refusal, and no runner is started as the file's owner."""
    import re
    import shutil
    import tempfile
    from conftest import BOB, wait_until
    bob = users[BOB]
    pub = tempfile.mkdtemp(prefix="bh-probe-")
    os.chmod(pub, 0o755)
    there = os.path.join(pub, "there")
    with open(there, "w") as f:
        f.write('"|/bin/true"\n')
    os.chown(there, bob.pw_uid, bob.pw_gid)
    try:
        d = make_daemon(aliases="postmaster: %s\n" % ALICE,
                        extra_main="allow_mail_to_commands = alias, "
                        "forward, include\n")
        d.stop()
        with open(os.path.join(d.dir, "test-hostile-runner-open"),
                  "w") as f:
            f.write("alias:0\tpostmaster\tcommand\t/bin/true\t%s\n" % there)
            f.write("alias:0\tpostmaster\tcommand\t/bin/true\t%s/nothere\n"
                    % pub)
        d.start()
        # Each chain is checked on its own now, so the answers may come
        # in either order: wait for both.
        wait_until(lambda: d.log_count("test hook: RUNNER_OPEN #0") >= 1 and
                   d.log_count("test hook: RUNNER_OPEN #1") >= 1,
                   "the hostile requests' answers")
        log = d.logtext()
        a = re.search(r"test hook: RUNNER_OPEN #0 (.*)", log).group(1)
        b = re.search(r"test hook: RUNNER_OPEN #1 (.*)", log).group(1)
        assert a == b, (a, b)
        assert a.startswith("refused: 4.7.0"), a
        # the verifying runner (as default_privs) said why
        assert re.search(r"runner\[\d+\]: security: refusing :include: "
                         r"%s for postmaster: alias postmaster in \S+ does "
                         r"not list" % re.escape(there), log), log
    finally:
        shutil.rmtree(pub, ignore_errors=True)
