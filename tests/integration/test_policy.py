"""bulkhead -x policy ROLE prints the seccomp filter a compartment loads
(libseccomp's pseudo filter code).  tests/policy/ROLE.pfc is the reviewed
copy: a change to a compartment's policy fails here until that file is
regenerated, so every change shows up in review as a diff of it.

The stored copies are the table's policy (-t), which is what a build
without sanitizers loads; a sanitizer build (--enable-sanitizers) adds
the calls ASan and UBSan need, and says so in its first line.

The copies were made on Debian 12 x86_64 (libseccomp 2.5.4): another
architecture numbers the calls differently, and the comparison is
skipped there."""
import difflib
import os
import platform
import re
import subprocess

import pytest

from conftest import BULKHEAD

ROLES = ("smtpd", "queue", "lookup", "local", "writer", "runner", "pickup",
         "relay", "auth", "keys",
         "dns")
STORED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "policy")
SANITIZER_MARK = "# sanitizer build"


def policy(*args):
    return subprocess.run([BULKHEAD, "-x", "policy"] + list(args),
                          capture_output=True, text=True, timeout=30)


def allowed(pfc):
    """Syscalls the filter lets through in some form, by name."""
    return set(re.findall(r'# filter for syscall "([a-z0-9_]+)"', pfc))


@pytest.mark.skipif(platform.machine() != "x86_64",
                    reason="the stored copies are x86_64's")
@pytest.mark.parametrize("role", ROLES)
def test_policy_matches_the_stored_copy(role):
    r = policy("-t", role)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(STORED, role + ".pfc")) as f:
        want = f.read()
    if r.stdout != want:
        diff = "".join(difflib.unified_diff(
            want.splitlines(True), r.stdout.splitlines(True),
            "tests/policy/%s.pfc" % role, "bulkhead -x policy -t " + role))
        pytest.fail("the seccomp policy of %s changed; if that is meant, "
                    "regenerate tests/policy/%s.pfc with "
                    "'bulkhead -x policy -t %s':\n%s" % (role, role, role,
                                                         diff))


@pytest.mark.parametrize("role", ROLES)
def test_loaded_policy_is_the_tables(role):
    """Without -t: what this build loads.  That is the table's policy,
    unless this is a sanitizer build, which only adds calls."""
    eff, tab = policy(role), policy("-t", role)
    assert eff.returncode == 0 and tab.returncode == 0, eff.stderr
    if eff.stdout.startswith(SANITIZER_MARK):
        assert allowed(tab.stdout) <= allowed(eff.stdout)
    else:
        assert eff.stdout == tab.stdout


@pytest.mark.parametrize("role", ("smtpd", "queue", "lookup", "local",
                                  "writer", "pickup", "auth", "keys"))
def test_allowlists_deny_what_a_compartment_must_never_do(role):
    """Anything not listed kills the process; none of these is listed."""
    pfc = policy("-t", role).stdout
    assert pfc.rstrip().endswith("# pseudo filter code end\n#"), pfc
    assert "  # default action\n  action KILL_PROCESS;" in pfc
    never = {"execve", "execveat", "fork", "vfork", "socket", "connect",
             "bind", "ptrace", "unshare", "setns", "mount", "chroot",
             "setuid", "setresuid", "setgid", "setgroups", "capset",
             "open_by_handle_at", "bpf", "kill", "prctl"}
    assert not (allowed(pfc) & never), allowed(pfc) & never
    # clone only for queue's threads, with glibc's thread flags.
    if role == "queue":
        assert re.search(r'"clone".*\n\s+if \(\$syscall == \d+\)\n\s+if '
                         r'\(\$a0\.hi32 == 0\)\n\s+if \(\$a0\.lo32 == '
                         r'4001536\)\n\s+action ALLOW;', pfc), pfc
    else:
        assert "clone" not in allowed(pfc)


def test_relay_may_connect_and_nothing_of_the_file_system():
    """relay: TCP sockets (AF_INET, AF_INET6 only) and connect; no file
    call but pread on the fd queue gave it, no process, no credentials."""
    pfc = policy("-t", "relay").stdout
    assert "  # default action\n  action KILL_PROCESS;" in pfc
    calls = allowed(pfc)
    assert {"socket", "connect", "getsockopt", "pread64"} <= calls, calls
    never = {"open", "openat", "creat", "unlink", "unlinkat", "rename",
             "mkdir", "execve", "execveat", "fork", "vfork", "clone",
             "bind", "listen", "accept4", "ptrace", "unshare", "setns",
             "mount", "chroot", "setuid", "setresuid", "setgroups",
             "kill", "prctl", "newfstatat"}
    assert not (calls & never), calls & never
    # socket only for AF_INET (2) and AF_INET6 (10)
    sock = pfc[pfc.index('"socket"'):]
    sock = re.split(r"# filter for syscall|# default action", sock)[0]
    assert sorted(re.findall(r"\$a0\.lo32 == (\d+)", sock)) == \
        ["10", "2"], sock


def test_dns_may_reach_resolvers_and_nothing_of_the_file_system():
    """dns: UDP/TCP sockets (AF_INET, AF_INET6 only), connect and bind
    (libunbound's random source ports), its worker thread; no file call,
    no process, no credentials."""
    pfc = policy("-t", "dns").stdout
    assert "  # default action\n  action KILL_PROCESS;" in pfc
    calls = allowed(pfc)
    assert {"socket", "connect", "bind"} <= calls, calls
    never = {"open", "openat", "creat", "unlink", "unlinkat", "rename",
             "mkdir", "execve", "execveat", "fork", "vfork", "listen",
             "accept4", "ptrace", "unshare", "setns", "mount", "chroot",
             "setuid", "setresuid", "setgroups", "kill", "prctl",
             "newfstatat", "pread64"}
    assert not (calls & never), calls & never
    sock = pfc[pfc.index('"socket"'):]
    sock = re.split(r"# filter for syscall|# default action", sock)[0]
    assert sorted(re.findall(r"\$a0\.lo32 == (\d+)", sock)) == \
        ["10", "2"], sock
    # clone: threads only
    assert re.search(r'"clone".*\n\s+if \(\$syscall == \d+\)\n\s+if '
                     r'\(\$a0\.hi32 == 0\)\n\s+if \(\$a0\.lo32 == '
                     r'4001536\)\n\s+action ALLOW;', pfc), pfc


def test_runner_denies_namespaces_and_ptrace():
    pfc = policy("-t", "runner").stdout
    assert "  # default action\n  action ALLOW;" in pfc
    for call in ("ptrace", "unshare", "setns", "mount", "bpf"):
        assert re.search(r'"%s".*\n\s+if \(\$syscall == \d+\)\n\s+'
                         r'action ERRNO\(1\);' % call, pfc), call


def test_default_action_follows_S():
    assert "  # default action\n  action TRAP;" in \
        policy("-S", "trap", "-t", "smtpd").stdout
    assert "  # default action\n  action LOG;" in \
        policy("-S", "log", "-t", "lookup").stdout


@pytest.mark.parametrize("args", (["master"], ["nosuchrole"], [],
                                  ["smtpd", "queue"], ["-q", "smtpd"]))
def test_bad_arguments_print_usage(args):
    r = policy(*args)
    assert r.returncode == 2
    assert "bulkhead -x policy" in r.stderr and r.stdout == ""
