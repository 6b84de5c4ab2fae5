"""How local delivery expands aliases, ~/.forward and :include: files, and
resolves their targets, as Postfix does: by the account a target reaches,
never by its text; a target that cannot be run fails for its recipient
alone; nothing ends "sent" with no mailbox written."""
import os
import pwd
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ALICE, BOB, BULKCTL, BULKHEAD, DOMAIN, PREFIX, \
    maildir_messages, split_delivered, wait_until

DELIM = "recipient_delimiter = +\n"


def outcome(d, rcpt):
    """(dsn, status, text) of the last log line about rcpt, or None."""
    found = None
    for m in re.finditer(r": to=<%s>, (?:orig_to=<[^>]*>, )?relay=local, "
                         r"delay=\d+, dsn=(\S+), status=(\w+) \((.*)\)"
                         % re.escape(rcpt), d.logtext()):
        found = m.groups()
    return found


def send(d, rcpts, body=b"x\r\n"):
    if isinstance(rcpts, str):
        rcpts = [rcpts]
    with d.smtp() as s:
        assert s.sendmail("s@remote.example", rcpts,
                          b"Subject: e\r\n\r\n" + body) == {}
    for r in rcpts:
        wait_until(lambda: outcome(d, r), "the outcome for " + r)
    return [outcome(d, r) for r in rcpts]


def new_files(pw):
    try:
        return sorted(os.listdir(os.path.join(pw.pw_dir, "Maildir", "new")))
    except FileNotFoundError:
        return []


def delivered_to(pw, count):
    return sorted(split_delivered(data)[1]
                  for data, _ in maildir_messages(pw, count=count))


@pytest.fixture
def dotforward(users):
    made = []

    def put(user, text, name=".forward"):
        pw = users[user]
        path = os.path.join(pw.pw_dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(path, 0o644)
        made.append(path)
    yield put
    for p in made:
        if os.path.lexists(p):
            os.unlink(p)


@pytest.fixture
def outdir():
    """A sticky world-writable directory commands record into."""
    top = tempfile.mkdtemp(prefix="bhx-out-")
    os.chmod(top, 0o1777)
    yield top
    shutil.rmtree(top, ignore_errors=True)


def aliases(extra=""):
    return "postmaster: {a}\nteam: {a}, {b}\n".format(a=ALICE, b=BOB) + extra


# ---- nothing is "sent" with no mailbox written ----

def test_forward_to_own_extension_reaches_the_mailbox(make_daemon, users,
                                                      dotforward):
    dotforward(ALICE, "%s+foo\n" % ALICE)
    d = make_daemon(extra_main=DELIM)
    (got,) = send(d, ALICE + "@" + DOMAIN)
    assert got[:2] == ("2.0.0", "sent"), got
    assert "0 mailboxes" not in got[2]
    assert len(maildir_messages(users[ALICE])) == 1


def test_forward_to_alias_that_lists_the_user(make_daemon, users, dotforward):
    dotforward(ALICE, "team\n")
    d = make_daemon(extra_main=DELIM)
    (got,) = send(d, ALICE + "@" + DOMAIN)
    assert got[:2] == ("2.0.0", "sent"), got
    assert len(maildir_messages(users[ALICE])) == 1
    assert len(maildir_messages(users[BOB])) == 1
    # exactly once each
    assert len(new_files(users[ALICE])) == 1
    assert len(new_files(users[BOB])) == 1


def test_forward_loop_between_two_users_is_not_sent(make_daemon, users,
                                                     dotforward):
    """alice -> bob, bob -> alice, both reached through one alias: the
    mail lands in a mailbox, or the recipient fails; never "sent" with
    nothing written."""
    dotforward(ALICE, BOB + "\n")
    dotforward(BOB, ALICE + "\n")
    d = make_daemon(extra_main=DELIM)
    (got,) = send(d, "team@" + DOMAIN)
    written = len(new_files(users[ALICE])) + len(new_files(users[BOB]))
    assert not (got[1] == "sent" and written == 0), got
    assert "0 mailboxes" not in got[2], got


# ---- a command's identity includes its uid ----

def test_same_forward_command_runs_for_each_user(make_daemon, users,
                                                 dotforward, outdir):
    cmd = '"|/bin/sh -c \'id -u > %s/ran.$(id -u)\'"\n' % outdir
    dotforward(ALICE, cmd)
    dotforward(BOB, cmd)
    d = make_daemon(extra_main=DELIM)
    (got,) = send(d, "team@" + DOMAIN)
    assert got[:2] == ("2.0.0", "sent"), got
    uids = sorted(int(n.split(".")[1]) for n in os.listdir(outdir))
    assert uids == sorted([users[ALICE].pw_uid, users[BOB].pw_uid])


# ---- a tab in a target fails its recipient alone ----

def test_forward_command_with_tab_bounces_alone(make_daemon, users,
                                                dotforward, sandbox):
    dotforward(ALICE, '"|/bin/cat\t-"\n')
    d = make_daemon(sandbox, extra_main=DELIM)
    local = d.wait_role("local")
    (got,) = send(d, ALICE + "@" + DOMAIN)
    assert got[0].startswith("5.") and got[1] == "bounced", got
    assert "control character" in got[2], got
    # local was not killed, and bob's mail still flows
    (got,) = send(d, BOB + "@" + DOMAIN)
    assert got[:2] == ("2.0.0", "sent"), got
    assert len(maildir_messages(users[BOB])) == 1
    assert d.pids().get("local") == local
    assert "protocol violation" not in d.logtext()
    # the recipient whose command cannot run got no mailbox copy either
    assert new_files(users[ALICE]) == []


def test_alias_with_tab_target_is_reported_and_bounces(make_daemon, users):
    d = make_daemon(extra_main=DELIM, aliases=aliases(
        'tabby: "|/bin/cat\t-"\ntabfile: "/tmp/a\tb"\n'))
    r = subprocess.run([BULKCTL, "-c", d.dir, "aliases", "check"],
                       capture_output=True, text=True, timeout=30)
    path = d.dir + "/aliases"
    assert "%s:3: alias tabby:" % path in r.stderr, r.stderr
    assert "%s:4: alias tabfile:" % path in r.stderr, r.stderr
    assert "control character" in r.stderr
    got = send(d, ["tabby@" + DOMAIN, "tabfile@" + DOMAIN])
    for g in got:
        assert g[0].startswith("5.") and g[1] == "bounced", g


# ---- /dev/null is delivered, nothing written ----

def test_dev_null_alias_is_delivered(make_daemon, users):
    d = make_daemon(extra_main=DELIM,
                    aliases=aliases("devnull: /dev/null\n"
                                    "both: /dev/null, %s\n" % ALICE))
    got = send(d, ["devnull@" + DOMAIN, "both@" + DOMAIN])
    for g in got:
        assert g[:2] == ("2.0.0", "sent"), g
    assert len(maildir_messages(users[ALICE])) == 1


# ---- targets resolve as in Postfix ----

def test_alias_targets_with_extension_and_local_domain(make_daemon, users):
    d = make_daemon(extra_main=DELIM, aliases=aliases(
        "list: {a}+lists\n"
        "carol: {a}@localhost\n"
        "dave: {a}@{dom}\n"
        "erin: {A}+Tag@{DOM}\n".format(a=ALICE, A=ALICE.upper(),
                                       dom=DOMAIN, DOM=DOMAIN.upper())))
    # one message each: one message reaches a mailbox once
    for r in ["list@" + DOMAIN, "carol@" + DOMAIN, "dave@" + DOMAIN,
              "erin@" + DOMAIN]:
        (got,) = send(d, r)
        assert got[:2] == ("2.0.0", "sent"), (r, got)
    dt = delivered_to(users[ALICE], 4)
    assert ("%s+lists@%s" % (ALICE, DOMAIN)).encode() in dt, dt
    assert ("%s+tag@%s" % (ALICE, DOMAIN)).encode() in dt, dt


def test_alias_target_extension_reads_forward_ext(make_daemon, users,
                                                  dotforward):
    dotforward(ALICE, BOB + "\n", name=".forward+lists")
    d = make_daemon(extra_main=DELIM,
                    aliases=aliases("list: %s+lists\n" % ALICE))
    (got,) = send(d, "list@" + DOMAIN)
    assert got[:2] == ("2.0.0", "sent"), got
    assert len(maildir_messages(users[BOB])) == 1
    assert new_files(users[ALICE]) == []


def test_forward_target_with_extension(make_daemon, users, dotforward):
    dotforward(ALICE, "%s+fromalice@localhost\n" % BOB)
    d = make_daemon(extra_main=DELIM)
    (got,) = send(d, ALICE + "@" + DOMAIN)
    assert got[:2] == ("2.0.0", "sent"), got
    (b,) = delivered_to(users[BOB], 1)
    assert b == ("%s+fromalice@%s" % (BOB, DOMAIN)).encode(), b


# ---- a domain literal of this host is local ----

def test_domain_literal_of_this_host(make_daemon, users, sandbox):
    d = make_daemon(sandbox, extra_main=DELIM)
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail("s@remote.example")
        assert s.rcpt(ALICE + "@[127.0.0.1]")[0] == 250
        code, _ = s.rcpt(ALICE + "@[192.0.2.77]")
        assert 500 <= code < 600, code
        s.data(b"Subject: lit\r\n\r\nx\r\n")
    (data, _), = maildir_messages(users[ALICE])
    assert split_delivered(data)[1] == ("%s@[127.0.0.1]" % ALICE).encode()


# ---- RCPT refuses what delivery would refuse ----

@pytest.fixture
def odd_accounts():
    made = []

    def add(name, home, *extra):
        subprocess.run(["userdel", "-r", name], capture_output=True)
        subprocess.run(["useradd", "--badname", "-m", "-d", home, "-s",
                        "/bin/sh"] + list(extra) + [name], check=True,
                       capture_output=True)
        made.append(name)
        return pwd.getpwnam(name)
    yield add
    for n in made:
        subprocess.run(["userdel", "-r", n], capture_output=True)


def test_rcpt_refuses_account_delivery_cannot_use(make_daemon, users,
                                                  odd_accounts):
    dollar = odd_accounts(PREFIX + "mach$", "/home/%smach" % PREFIX)
    slash = odd_accounts(PREFIX + "slash", "/home/%sslash/" % PREFIX)
    group0 = odd_accounts(PREFIX + "grp0", "/home/%sgrp0" % PREFIX,
                          "-g", "0")
    assert slash.pw_dir.endswith("/")
    d = make_daemon(extra_main=DELIM)
    with d.smtp() as s:
        s.ehlo("client.example")
        s.mail("s@remote.example")
        code, msg = s.rcpt(dollar.pw_name + "@" + DOMAIN)
        assert 550 <= code < 560, (code, msg)
        code, msg = s.rcpt(group0.pw_name + "@" + DOMAIN)
        assert 550 <= code < 560, (code, msg)
        code, msg = s.rcpt(slash.pw_name + "@" + DOMAIN)
        assert code == 250, (code, msg)
        s.data(b"Subject: odd\r\n\r\nx\r\n")
    wait_until(lambda: outcome(d, slash.pw_name + "@" + DOMAIN), "outcome")
    assert outcome(d, slash.pw_name + "@" + DOMAIN)[:2] == ("2.0.0", "sent")
    assert len(maildir_messages(slash)) == 1
    log = d.logtext()
    assert "recipient %s@%s refused: the account cannot receive mail: " \
        "malformed user name" % (dollar.pw_name, DOMAIN) in log, log
    # no false security alarm about the normalised home
    assert not [ln for ln in log.splitlines()
                if "security" in ln.lower() and slash.pw_name in ln], log


# ---- a root-owned 0600 alias file with commands ----

def test_unreadable_alias_file_with_commands_is_refused(make_daemon, users):
    d = make_daemon(extra_main=DELIM)
    path = d.dir + "/aliases"
    with open(path, "w") as f:
        f.write(aliases("prog: |/bin/true\n"))
    os.chown(path, 0, 0)
    os.chmod(path, 0o600)
    r = subprocess.run([BULKHEAD, "-n", "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0
    assert "%s:3:" % path in r.stderr and "default_privs" in r.stderr, \
        r.stderr
    # without commands, files or :include: the mode does not matter
    with open(path, "w") as f:
        f.write(aliases())
    r = subprocess.run([BULKHEAD, "-n", "-c", d.dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr


# ---- ORIGINAL_RECIPIENT is the address before expansion

def test_original_recipient_is_before_expansion(make_daemon, users,
                                                 dotforward, outdir):
    dotforward(ALICE, '"|/bin/sh -c \'env > %s/env.alice\'"\n' % outdir)
    d = make_daemon(extra_main=DELIM, aliases=aliases(
        "prog: \"|/bin/sh -c 'env > %s/env.prog'\"\nouter: prog\n"
        % outdir))
    got = send(d, ["Outer@" + DOMAIN, "team+x@" + DOMAIN])
    for g in got:
        assert g[:2] == ("2.0.0", "sent"), got

    def env(tag):
        with open(os.path.join(outdir, "env." + tag)) as f:
            return dict(ln.split("=", 1) for ln in f.read().splitlines()
                        if "=" in ln)
    assert env("prog")["ORIGINAL_RECIPIENT"] == "Outer@" + DOMAIN
    assert env("prog")["RECIPIENT"] == "prog@" + DOMAIN
    assert env("alice")["ORIGINAL_RECIPIENT"] == "team+x@" + DOMAIN


# ---- an alias overlapping a direct recipient ----

def test_alias_and_direct_recipient_give_one_copy(make_daemon, users):
    d = make_daemon(extra_main=DELIM, aliases=aliases(
        "list: {a}+lists, {b}\n".format(a=ALICE, b=BOB)))
    got = send(d, ["team@" + DOMAIN, ALICE + "@" + DOMAIN,
                   "list@" + DOMAIN, ALICE.upper() + "+x@" + DOMAIN])
    for g in got:
        assert g[:2] == ("2.0.0", "sent"), got
    assert len(maildir_messages(users[ALICE])) == 1
    assert len(maildir_messages(users[BOB])) == 1
    import time
    time.sleep(1)
    assert len(new_files(users[ALICE])) == 1, new_files(users[ALICE])
    assert len(new_files(users[BOB])) == 1, new_files(users[BOB])
    # another message is another copy
    send(d, [ALICE + "@" + DOMAIN])
    assert len(maildir_messages(users[ALICE], count=2)) == 2


# ---- a property test over random aliases and .forward files ----

def test_random_forward_and_alias_graphs(make_daemon, users, dotforward,
                                         outdir):
    """Random alias files and ~/.forward files: every mailbox gets at most
    one copy of a message, every command runs at most once per uid, no
    recipient is deferred, and none is "sent" with nothing written."""
    import random
    names = ["a1", "a2", "a3"]
    cmd = '"|/bin/sh -c \'echo x >> %s/cmd.$(id -u)\'"' % outdir
    for seed in range(10):
        rnd = random.Random(seed)

        def target(owner=None):
            c = rnd.choice(["alias", "aliasext", "user", "userext", "cmd"])
            if c == "alias":
                return rnd.choice(names)
            if c == "aliasext":
                return rnd.choice(names) + "+z"
            u = owner if owner and rnd.random() < 0.3 else \
                rnd.choice([ALICE, BOB])
            if c == "user":
                return u
            if c == "userext":
                return u + "+y"
            return cmd
        text = "".join("%s: %s\n" % (n, ", ".join(
            target() for _ in range(rnd.randint(1, 3)))) for n in names)
        for u in (ALICE, BOB):
            fwd = [target(u) for _ in range(rnd.randint(0, 2))]
            if fwd:
                dotforward(u, ", ".join(fwd) + "\n")
            else:
                p = os.path.join(users[u].pw_dir, ".forward")
                if os.path.lexists(p):
                    os.unlink(p)
        for f in os.listdir(outdir):
            os.unlink(os.path.join(outdir, f))
        # notices of failed members go to postmaster: /dev/null keeps
        # other messages out of the mailboxes and commands counted here
        d = make_daemon(extra_main=DELIM,
                        aliases="postmaster: /dev/null\n" + text)
        rcpts = rnd.sample([ALICE, BOB] + names, rnd.randint(1, 4))
        got = send(d, [r + "@" + DOMAIN for r in rcpts])
        ctx = (seed, text, rcpts, got)
        d.stop()
        for g in got:
            assert g[1] in ("sent", "bounced"), ctx
            assert "0 mailboxes" not in g[2] or "command" in g[2], ctx
        for u in (ALICE, BOB):
            assert len(new_files(users[u])) <= 1, ctx
        for f in os.listdir(outdir):
            with open(os.path.join(outdir, f)) as fh:
                assert fh.read().count("x") == 1, (f, ctx)
        written = sum(len(new_files(users[u])) for u in (ALICE, BOB)) + \
            len(os.listdir(outdir))
        if any(g[1] == "sent" for g in got):
            assert written > 0, ctx


# ---- an expansion larger than one answer ----

def test_alias_beyond_one_answer_is_reported(make_daemon, users):
    """aliases check names an alias that expands to more than one lookup
    answer carries (file:line); mail to it bounces, lookup stays up."""
    many = ", ".join("%s+x%d" % (ALICE, i) for i in range(3)) + ", " + \
        ", ".join('"|/bin/true %d"' % i for i in range(5))
    d = make_daemon(extra_main=DELIM, aliases=aliases("big: %s\n" % many))
    r = subprocess.run([BULKCTL, "-c", d.dir, "aliases", "check"],
                       capture_output=True, text=True, timeout=30)
    assert "%s/aliases:3: alias big: expands to more than 4 commands" \
        % d.dir in r.stderr, r.stderr
    lookup = d.wait_role("lookup")
    (got,) = send(d, "big@" + DOMAIN)
    assert got[0].startswith("5.") and got[1] == "bounced", got
    assert d.pids().get("lookup") == lookup


def test_include_command_with_tab_bounces_alone(make_daemon, users):
    top = tempfile.mkdtemp(prefix="bhx-inc-")
    try:
        os.chmod(top, 0o755)
        path = os.path.join(top, "list")
        with open(path, "w") as f:
            f.write('%s, "|/bin/cat\t-"\n' % BOB)
        os.chmod(path, 0o644)
        d = make_daemon(extra_main=DELIM,
                        aliases=aliases("inc: :include:%s\n" % path))
        local = d.wait_role("local")
        (got,) = send(d, "inc@" + DOMAIN)
        assert got[0].startswith("5.") and got[1] == "bounced", got
        assert "control character" in got[2], got
        (got,) = send(d, ALICE + "@" + DOMAIN)
        assert got[:2] == ("2.0.0", "sent"), got
        assert d.pids().get("local") == local
        assert "protocol violation" not in d.logtext()
    finally:
        shutil.rmtree(top, ignore_errors=True)
