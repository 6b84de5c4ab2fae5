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
