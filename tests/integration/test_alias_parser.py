"""Master, root, only opens and stats the alias files: the parser runs
in processes without root's rights (a checker master forks as
lookup_user, and lookup after its privilege drop), so a file that
exploits a parser bug gains no root.  A test-build hook makes the
parser log its pid and uid when a file holds a marker line."""
import os
import pwd
import re
import signal

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until

WHOAMI = "#bh-test-hook: alias parser whoami\n"
LINE = re.compile(r"alias parser: pid (\d+) uid (\d+)")


def parsers(d):
    return [(int(p), int(u)) for p, u in LINE.findall(d.logtext())]


def test_no_alias_parser_runs_as_root_or_in_master(make_daemon, users):
    d = make_daemon(aliases=WHOAMI + "postmaster: %s\n" % ALICE)
    lookup_uid = pwd.getpwnam("_bhlookup").pw_uid
    master = d.proc.pid
    # at start: master's check and lookup's snapshot
    wait_until(lambda: len(parsers(d)) >= 2, "the parsers at start")
    seen = parsers(d)
    assert all(uid == lookup_uid and pid != master for pid, uid in seen), \
        seen
    # an edit: master's check again, then the new lookup
    old = d.wait_role("lookup")
    with open(os.path.join(d.dir, "aliases"), "a") as f:
        f.write("lateralias: %s\n" % BOB)
    d.wait_role("lookup", not_pid=old)
    wait_until(lambda: len(parsers(d)) >= len(seen) + 2, "the parsers "
               "after the edit")
    # a reload
    n = len(parsers(d))
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: len(parsers(d)) >= n + 2, "the parsers after a "
               "reload")
    seen = parsers(d)
    assert all(uid == lookup_uid and pid != master for pid, uid in seen), \
        seen
    wait_until(lambda: d.log_count("lookup: ready") >= 3, "new lookup")
    wait_until(lambda: d.log_count("smtpd: ready") >= 2, "new smtpd")
    with d.smtp() as s:
        s.sendmail("a@remote.example", ["lateralias@" + DOMAIN],
                   b"Subject: late alias\r\n\r\nx\r\n")
    assert b"late alias" in maildir_messages(users[BOB])[0][0]
