"""Master, root, only opens and stats main.cf and master.cf: they are
parsed by "bulkhead -x config-parse", which master forks and which
becomes nobody with no groups, no_new_privs and a seccomp allowlist
before it reads a byte; master decodes what it sends.  A test-build
hook makes the parser log its pid and uid when main.cf holds a marker
line, and another makes it pause, so that a test can stop it: master
serves on, kills it at its deadline and keeps the running
configuration."""
import os
import pwd
import re
import signal
import socket

from conftest import BOB, DOMAIN, WAIT, children, maildir_messages, \
    wait_until

WHOAMI = "#bh-test-hook: config parser whoami\n"
PAUSE = "#bh-test-hook: config parser pause\n"
LINE = re.compile(r"bulkhead/([\w-]+)\[(\d+)\]: (?:warning: )?"
                  r"config parser: pid (\d+) uid (\d+)")


def parses(d, tag):
    """(pid, uid) of each parse of main.cf logged under tag."""
    out = []
    for t, logged_pid, pid, uid in LINE.findall(d.logtext()):
        if t == tag:
            assert logged_pid == pid
            out.append((int(pid), int(uid)))
    return out


def banner(d):
    with socket.create_connection(("127.0.0.1", d.port), timeout=WAIT) as s:
        return s.makefile("rb").readline().decode()


def test_main_cf_is_parsed_neither_in_master_nor_as_root(make_daemon,
                                                         users):
    d = make_daemon(extra_main=WHOAMI)
    nobody = pwd.getpwnam("nobody").pw_uid
    master = d.proc.pid
    assert parses(d, "master") == [], "master parsed main.cf itself"
    seen = parses(d, "config-parse")
    assert len(seen) == 1, d.logtext()
    assert seen[0][0] != master and seen[0][1] == nobody != 0, seen
    # a reload parses in a new child, as nobody again
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: d.log_count("reloading: restarting the "
                                   "compartments") >= 1, "the reload")
    seen = parses(d, "config-parse")
    assert len(seen) == 2, seen
    assert all(pid != master and uid == nobody for pid, uid in seen), seen
    assert parses(d, "master") == []


def test_master_serves_while_a_stopped_parser_is_reloading(make_daemon,
                                                           users):
    """nobody may stop the parser (SIGSTOP): master goes on serving while
    it hangs (bob's message needs a writer that master forks), kills it
    at its deadline and keeps the running configuration."""
    d = make_daemon(extra_main="smtpd_banner = $myhostname ESMTP before\n")
    assert "ESMTP before" in banner(d)
    with open(os.path.join(d.dir, "main.cf"), "a") as f:
        f.write(PAUSE + "smtpd_banner = $myhostname ESMTP after\n")
    d.proc.send_signal(signal.SIGHUP)
    pid = wait_until(lambda: children(d.proc.pid, [b"-x", b"config-parse"]),
                     "the configuration parser")[0]
    os.kill(pid, signal.SIGSTOP)
    with d.smtp() as s:
        s.sendmail("sender@remote.example", ["%s@%s" % (BOB, DOMAIN)],
                   b"Subject: meanwhile\r\n\r\nserved\r\n")
    maildir_messages(users[BOB])
    assert pid in children(d.proc.pid, [b"-x", b"config-parse"]), \
        "bob's mail waited until master was done with the parser"
    wait_until(lambda: d.log_count("reload failed, keeping the running "
                                   "configuration") >= 1,
               "the stopped parser's end", timeout=30)
    assert "configuration parser %d: no answer within 10 s, killed" % pid \
        in d.logtext()
    assert "reloading: restarting the compartments" not in d.logtext()
    assert "ESMTP before" in banner(d)


def test_main_cf_may_be_a_symbolic_link(make_daemon, users):
    """A main.cf that is a symbolic link (a configuration kept elsewhere,
    as admins do with Postfix) is followed, at start and on reload.
    Was: refused (O_NOFOLLOW), and the daemon did not start."""
    d = make_daemon(start=False,
                    extra_main="smtpd_banner = $myhostname ESMTP linked\n")
    real = os.path.join(d.dir, "main.cf.real")
    os.rename(os.path.join(d.dir, "main.cf"), real)
    os.symlink(real, os.path.join(d.dir, "main.cf"))
    d.start()
    assert "ESMTP linked" in banner(d)
    with open(real, "a") as f:
        f.write("smtpd_banner = $myhostname ESMTP relinked\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "ESMTP relinked" in banner(d), "the reload")
