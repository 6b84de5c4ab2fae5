""":include:/path alias targets: read by a runner as the alias file's
owner (default_privs for root), parsed by local, the addresses looked up
like any recipient; nested files, loops, a missing file; commands in an
:include: file run as that file's owner if allow_mail_to_commands names
include."""
import os
import pwd
import re
import shutil
import tempfile

import pytest

from conftest import ALICE, BOB, DOMAIN, maildir_messages, wait_until
from test_commands import outcome, read, rec, send  # noqa: F401 (fixture)
from test_relay import script_server  # noqa: F401 (fixture)


@pytest.fixture
def incdir():
    """Root-owned include files in a root-owned 0755 directory."""
    top = tempfile.mkdtemp(prefix="bhc-inc-")
    os.chmod(top, 0o755)

    def put(name, text, owner=None):
        path = os.path.join(top, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        if owner is not None:
            os.chown(path, owner.pw_uid, owner.pw_gid)
        return path
    yield put
    shutil.rmtree(top, ignore_errors=True)


def test_include_reaches_its_members(make_daemon, users, incdir, sandbox):
    members = incdir("members", "# the list\n%s\n%s\n" % (ALICE, BOB))
    d = make_daemon(sandbox, aliases="postmaster: %s\nlist: :include:%s\n"
                    % (ALICE, members))
    assert send(d, "list@" + DOMAIN)[:2] == ("2.0.0", "sent")
    for u in (ALICE, BOB):
        (data, _), = maildir_messages(users[u])
        assert b"command body" in data


def test_nested_include_and_loop_end(make_daemon, users, incdir):
    """a lists b and alice; b lists a again (a loop) and bob: each member
    gets one copy and the loop ends."""
    top = os.path.dirname(incdir("probe", ""))
    a, b = os.path.join(top, "a"), os.path.join(top, "b")
    incdir("a", ":include:%s, %s\n" % (b, ALICE))
    incdir("b", ":include:%s\n%s\n" % (a, BOB))
    d = make_daemon(aliases="postmaster: %s\nnest: :include:%s\n"
                    % (ALICE, a))
    assert send(d, "nest@" + DOMAIN)[:2] == ("2.0.0", "sent")
    assert len(maildir_messages(users[ALICE])) == 1
    assert len(maildir_messages(users[BOB])) == 1


def test_include_remote_addresses_go_out(make_daemon, users, incdir,
                                        script_server):
    """A remote address in an :include: file (was: bounced 5.3.0) goes
    out as a remote alias target does: a recipient of the message with
    the alias as ORCPT and the original sender, next to the local
    member's copy; without a route off the host it still bounces
    5.3.0."""
    from test_relay import FAST, Script, status_lines
    sc, port = script_server(Script(ext=("PIPELINING", "8BITMIME", "DSN")))
    inc = incdir("mixed", "%s\nboss@remote.example, Other@Far.Example\n"
                 % ALICE)
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n%s"
                    % (port, FAST),
                    aliases="postmaster: %s\nlist: :include:%s\n"
                    % (ALICE, inc))
    assert send(d, "list@" + DOMAIN)[:2] == ("2.0.0", "sent")
    maildir_messages(users[ALICE])
    wait_until(lambda: len(status_lines(d, "sent")) == 2, "2 relayed")
    got = sorted(r for _, rs, _ in sc.txns for r in rs)
    assert [r.split()[1] for r in got] == [
        "TO:<Other@Far.Example>", "TO:<boss@remote.example>"], got
    assert all("ORCPT=rfc822;list@%s" % DOMAIN in r for r in got), got
    assert all(m.startswith("MAIL FROM:<s@remote.example>")
               for m, _, _ in sc.txns), sc.txns
    log = d.logtext()
    assert "to=<list@%s>: forwarded to <boss@remote.example>" % DOMAIN \
        in log, log
    assert "5.3.0" not in log, log
    # no way off the host: the remote member bounces, alice gets hers
    d = make_daemon(extra_main="default_transport = local\n",
                    aliases="postmaster: %s\nlist: :include:%s\n"
                    % (ALICE, inc))
    assert send(d, "list@" + DOMAIN)[:2] == ("2.0.0", "sent")
    assert any(b"command body" in m for m, _ in
               maildir_messages(users[ALICE]))
    log = d.logtext()
    assert "<boss@remote.example>: remote address in an :include: file, " \
        "and no route sends mail off this host" in log, log
    assert re.search(r"to=<boss@remote\.example>, orig_to=<list@%s>.*"
                     r"dsn=5\.3\.0, status=bounced" % DOMAIN, log), log


def test_missing_include_defers(make_daemon, users, incdir):
    top = os.path.dirname(incdir("probe", ""))
    d = make_daemon(aliases="postmaster: %s\ngone: :include:%s/nothere\n"
                    % (ALICE, top))
    dsn, status, text = send(d, "gone@" + DOMAIN)
    assert (dsn, status) == ("4.3.0", "deferred"), text
    assert "does not exist" in text


def test_command_in_include_is_restricted_by_default(make_daemon, users,
                                                     incdir, rec):
    script, out = rec
    inc = incdir("cmds", '"|%s inc"\n' % script)
    d = make_daemon(aliases="postmaster: %s\ncmds: :include:%s\n"
                    % (ALICE, inc))
    dsn, status, text = send(d, "cmds@" + DOMAIN)
    assert (dsn, status) == ("5.7.1", "bounced"), text
    assert "mail to command is restricted" in text
    assert not os.listdir(out)


@pytest.mark.parametrize("owner", ["root", "user"])
def test_command_in_include_runs_as_its_owner(make_daemon, users, incdir,
                                              rec, owner):
    script, out = rec
    pw = users[ALICE] if owner == "user" else None
    inc = incdir("cmds", '"|%s inc"\n' % script, owner=pw)
    d = make_daemon(aliases="postmaster: %s\ncmds: :include:%s\n"
                    % (ALICE, inc),
                    extra_main="allow_mail_to_commands = alias, forward, "
                    "include\n")
    assert send(d, "cmds@" + DOMAIN)[:2] == ("2.0.0", "sent")
    want = pw.pw_uid if pw else pwd.getpwnam("nobody").pw_uid
    assert int(read(out, "inc.uid")) == want
