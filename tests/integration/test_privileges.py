"""Every compartment in its compartment: checked by bulkctl audit and,
independently, straight from /proc."""
import os
import pwd
import subprocess

from conftest import BOB, BULKCTL, DOMAIN, maildir_messages

ROLES = ("smtpd", "queue", "lookup", "local", "pickup", "relay", "auth",
         "keys",
         "dns")
ZERO = "0000000000000000"


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def test_bulkctl_audit_table(make_daemon, sandbox):
    d = make_daemon(sandbox)
    r = subprocess.run([BULKCTL, "-c", d.dir, "audit"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ROLE", "PID", "UID", "GID", "GROUPS",
                                "CAPEFF", "CAPBND", "NNP", "SECCOMP",
                                "ROOT", "NS"]
    rows = {}
    for line in lines[1:]:
        f = line.split()
        rows[f[0]] = f
    assert set(rows) == {"master"} | set(ROLES)
    uids = set()
    for role in ROLES:
        f = rows[role]
        uid = f[2:6]
        assert len(set(uid)) == 1 and uid[0] != "0", f
        uids.add(uid[0])
        cap_eff, cap_bnd, nnp, sec, root, ns = f[-6:]
        assert cap_eff == ZERO and cap_bnd == ZERO, f
        assert nnp == "1" and sec == "2", f
        if sandbox == "chroot":
            want = {"queue": d.spool,
                    "pickup": os.path.join(d.spool, "maildrop")}.get(
                        role, "/var/empty")
            assert root == want, f
            assert ns == "-"
        elif role in ("relay", "dns"):
            # relay and dns reach out: the host's network, all else own
            assert root == "/"
            assert set(ns.split(",")) == {"mnt", "pid", "ipc", "uts"}, f
        else:
            assert root == "/"
            assert set(ns.split(",")) >= {"mnt", "pid", "net", "ipc", "uts"}
    assert len(uids) == len(ROLES)  # each compartment has its own uid


def test_compartments_seen_from_proc(make_daemon, sandbox):
    d = make_daemon(sandbox)
    pids = d.pids()
    assert set(pids) == set(ROLES)
    for role, pid in pids.items():
        st = proc_status(pid)
        uid = st["Uid"]
        gid = st["Gid"]
        assert len(set(uid)) == 1 and uid[0] != "0", (role, uid)
        assert len(set(gid)) == 1 and gid[0] != "0", (role, gid)
        assert st["Groups"] == [gid[0]], (role, st["Groups"])
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert st[cap] == [ZERO], (role, cap)
        assert st["NoNewPrivs"] == ["1"]
        assert st["Seccomp"] == ["2"]
        # non-dumpable: /proc/PID/status belongs to root, not to the worker
        assert os.stat("/proc/%d/status" % pid).st_uid == 0
        with open("/proc/%d/environ" % pid, "rb") as f:
            assert f.read().strip(b"\0") == b"", role
        with open("/proc/%d/limits" % pid) as f:
            limits = f.read()
        assert [l for l in limits.splitlines()
                if l.startswith("Max core file size")][0].split()[4:6] == \
            ["0", "0"], role
        root = os.listdir("/proc/%d/root" % pid)
        if role == "queue":
            assert {"incoming", "active", "corrupt"} <= set(root)
        elif role == "pickup":
            assert root == ["corrupt"], root    # the drop directory
        else:
            assert root == [], (role, root)   # an empty root
        # only the fds it was given, plus libevent's own
        fds = os.listdir("/proc/%d/fd" % pid)
        assert len(fds) < 16, (role, fds)
    users = {pwd.getpwuid(int(proc_status(p)["Uid"][0])).pw_name
             for p in pids.values()}
    assert users == {"_bhsmtpd", "_bhqueue", "_bhlookup", "_bhlocal",
                     "_bhpickup", "_bhrelay",
                     "_bhauth", "_bhkeys", "_bhdns"}


def test_mailbox_written_as_the_recipient(make_daemon, users):
    d = make_daemon()
    with d.smtp() as s:
        s.sendmail("a@remote.example", [BOB + "@" + DOMAIN],
                   b"Subject: x\r\n\r\nx\r\n")
    (data, st), = maildir_messages(users[BOB])
    home = users[BOB].pw_dir
    for sub in ("Maildir", "Maildir/new", "Maildir/tmp", "Maildir/cur"):
        s2 = os.stat(os.path.join(home, sub))
        assert s2.st_uid == users[BOB].pw_uid, sub
    assert st.st_uid == users[BOB].pw_uid
