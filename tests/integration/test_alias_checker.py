"""The alias checker master starts at start-up, on reload and when an
alias file changes (bulkhead -x alias-check) reads the files master
handed it and then parses them in lookup's compartment: the empty root,
lookup_user, no capabilities and lookup's seccomp filter.  A test-build
hook (a marker line in the alias file) makes it pause there, so that
/proc shows it, or hang, as a checker lookup_user stopped would: master
serves on and kills it at its deadline.  A broken alias file still stops
start-up with file:line."""
import os
import pwd
import signal
import subprocess

from conftest import ALICE, BOB, BULKHEAD, DOMAIN, children, \
    maildir_messages, wait_until

PAUSE = "#bh-test-hook: alias checker pause\n"
STALL = "#bh-test-hook: alias checker stall\n"


def checkers(master):
    """pids of master's children that are alias checkers."""
    return children(master, [b"-x", b"alias-check"])


def status(pid):
    """/proc/PID/status as a dict, and the root; None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            st = dict(line.rstrip("\n").split(":\t", 1) for line in f
                      if ":\t" in line)
        st["root"] = os.readlink("/proc/%d/root" % pid)
        return st
    except OSError:
        return None


def test_checker_parses_in_lookups_compartment(make_daemon, users):
    d = make_daemon()
    empty = subprocess.run([BULKHEAD, "-c", d.dir, "-P", "empty_directory"],
                           capture_output=True, text=True,
                           timeout=30).stdout.strip()
    lookup_uid = pwd.getpwnam("_bhlookup").pw_uid
    with open(os.path.join(d.dir, "aliases"), "a") as f:
        f.write(PAUSE + "lateralias: %s\n" % ALICE)
    pid = wait_until(lambda: checkers(d.proc.pid), "the alias checker")[0]

    def sandboxed():
        st = status(pid)
        if st is None:
            raise AssertionError("the checker ended outside a filter")
        return st if st["Seccomp"] == "2" else None
    st = wait_until(sandboxed, "the checker in its compartment")
    assert st["root"] == empty, st
    assert st["Uid"].split() == [str(lookup_uid)] * 4, st
    assert st["NoNewPrivs"] == "1", st
    assert st["CapEff"] == st["CapBnd"] == "0" * 16, st
    # It passes the file, and the new lookup takes over.
    wait_until(lambda: d.log_count("accounts or aliases changed") >= 1,
               "the checked aliases to be taken")
    assert "alias file changed but is broken" not in d.logtext()


def test_broken_alias_file_stops_start_with_file_and_line(make_daemon,
                                                          users):
    d = make_daemon(start=False)
    open(d.logfile, "ab").close()       # never started: nothing logged
    with open(os.path.join(d.dir, "aliases"), "w") as f:
        f.write(PAUSE + "postmaster: %s\n# c\nno colon\n" % ALICE)
    r = subprocess.run([BULKHEAD, "-d", "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert os.path.join(d.dir, "aliases:4: missing ':' after alias name") in r.stderr, \
        r.stderr


def test_master_serves_while_a_checker_hangs(make_daemon, users):
    """The checker runs as lookup_user, who may stop it.  While it hangs,
    master goes on: a reload asked meanwhile waits for it, and bob's
    first message, for which master must fork a writer, is delivered
    while the checker still runs.  At the deadline master kills it and
    keeps what runs; then the reload runs its own check."""
    d = make_daemon()
    with open(os.path.join(d.dir, "aliases"), "a") as f:
        f.write(STALL + "lateralias: %s\n" % ALICE)
    pid = wait_until(lambda: checkers(d.proc.pid), "the alias checker")[0]
    wait_until(lambda: (status(pid) or {}).get("Seccomp") == "2",
               "the checker in its compartment")
    os.kill(d.proc.pid, signal.SIGHUP)
    with d.smtp() as s:
        s.sendmail("sender@remote.example", ["%s@%s" % (BOB, DOMAIN)],
                   b"Subject: meanwhile\r\n\r\nserved\r\n")
    maildir_messages(users[BOB])
    assert status(pid) is not None, \
        "bob's mail waited until master was done with the checker"
    wait_until(lambda: d.log_count("alias file changed but is broken") >= 1,
               "the hung checker's end", timeout=30)
    assert "alias file checker %d: no answer within 10 s, killed" % pid \
        in d.logtext()
    # The reload asked meanwhile checks the same file: refused too.
    wait_until(lambda: d.log_count("reload failed, keeping the running "
                                   "configuration") >= 1,
               "the reload's own check", timeout=30)
    assert "reloading: restarting the compartments" not in d.logtext()
