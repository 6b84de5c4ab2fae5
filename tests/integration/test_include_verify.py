"""Master verifies an :include: chain link by link, with runners that
have the rights of the files' owners (test_include_owner.py).  Those
processes run as users, who may stop them (SIGSTOP): root master must
not wait for one.  A test-build hook (a marker line in the alias file)
makes the verifying runner hang; meanwhile mail for another user is
delivered at once, and the stuck recipient is deferred when the
verifier's deadline passes, not lost: once verification works again,
the retry delivers it."""
import os
import re
import subprocess

from conftest import ALICE, BOB, BULKCTL, DOMAIN, children, \
    maildir_messages, wait_until
from test_commands import outcome, rec  # noqa: F401 (fixture)
from test_include import incdir  # noqa: F401 (fixture)

STALL = "#bh-test-hook: include verifier stall\n"


def verifiers(d):
    """pids of master's children that are verifying runners (-V)."""
    return children(d.proc.pid, [b"-x", b"runner", b"-V"])


def verifying(pid):
    """Is pid still a verifying runner (not gone, not a zombie)?"""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"-V" in f.read().split(b"\0")
    except OSError:
        return False


def test_stuck_verifier_holds_no_one_elses_mail(make_daemon, users, incdir,
                                                rec):
    script, out = rec
    inc = incdir("cmds", '"|%s slow"\n' % script)
    aliases = "postmaster: %s\nslow: :include:%s\n" % (ALICE, inc)
    d = make_daemon(aliases=STALL + aliases,
                    extra_main="allow_mail_to_commands = alias, forward, "
                    "include\n")
    with d.smtp() as s:
        s.sendmail("a@remote.example", ["slow@" + DOMAIN],
                   b"Subject: slow\r\n\r\nx\r\n")
    stuck = wait_until(lambda: verifiers(d), "a verifying runner")[0]
    with d.smtp() as s:
        s.sendmail("a@remote.example", [BOB + "@" + DOMAIN],
                   b"Subject: for bob\r\n\r\nbody\r\n")
    data, _ = maildir_messages(users[BOB], timeout=10)[0]
    assert b"Subject: for bob" in data
    assert verifying(stuck), \
        "bob's mail waited until master was done with the stuck verifier"

    # The stuck verifier is killed at its deadline and slow deferred,
    # with nothing run.
    wait_until(lambda: outcome(d, "slow@" + DOMAIN), "slow's outcome")
    dsn, status, text = outcome(d, "slow@" + DOMAIN)
    assert (dsn, status) == ("4.3.0", "deferred"), text
    assert "cannot verify the :include: chain" in text
    assert re.search(r"verifying runner \(pid %d\) for slow did not answer "
                     r"within \d+s: killed" % stuck, d.logtext())
    assert not os.path.exists(os.path.join(out, "slow.uid"))
    wait_until(lambda: not verifying(stuck), "the stuck verifier to go")

    # Not lost: with a verifier that answers, the retry delivers it.
    with open(os.path.join(d.dir, "aliases"), "w") as f:
        f.write(aliases)
    r = subprocess.run([BULKCTL, "-c", d.dir, "flush"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    wait_until(lambda: outcome(d, "slow@" + DOMAIN)[1] == "sent",
               "slow delivered on the retry")
    assert os.path.exists(os.path.join(out, "slow.uid"))
