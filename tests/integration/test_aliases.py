"""The alias matrix end to end: plain, several targets, nested, loop,
+extension, case, a remote target (not deliverable by this release)."""
import os
import re
import time

from conftest import ALICE, BOB, DOMAIN, maildir_messages, split_delivered, \
    wait_until

ALIASES = """\
# the matrix
postmaster: {a}
team: {a}, {b}
Big-Team: team,
\t{a}
loop1: loop2
loop2: loop1
remote: someone@remote.example
mixed: {a}, someone@remote.example
owner-team: {a}
"""


def outcome(d, rcpt):
    """(dsn, status, text) of the last log line about rcpt, or None.
    Only rcpt's own lines: ": to=<rcpt>", not a member's "orig_to=<rcpt>"."""
    found = None
    for m in re.finditer(r": to=<%s>, relay=local, delay=\d+, dsn=(\S+), "
                         r"status=(\w+) \((.*)\)" % re.escape(rcpt),
                         d.logtext()):
        found = m.groups()
    return found


def daemon(make_daemon, sandbox="chroot"):
    # default_transport = local: remote alias targets have no route (with
    # the default, smtp, they go out by MX: test_relay_route.py)
    return make_daemon(sandbox, aliases=ALIASES.format(a=ALICE, b=BOB),
                       extra_main="recipient_delimiter = +\n"
                       "default_transport = local\n")


def delivered_to(pw, count):
    return sorted(split_delivered(data)[1]
                  for data, _ in maildir_messages(pw, count=count))


def test_alias_matrix(make_daemon, users):
    d = daemon(make_daemon)
    rcpts = [ALICE + "+news@" + DOMAIN,           # extension kept
             ALICE.upper() + "@" + DOMAIN.upper(),  # case
             "TEAM+x@" + DOMAIN,                   # alias, extension, case
             "big-team@" + DOMAIN]                 # nested, deduplicated
    with d.smtp() as s:
        assert s.sendmail("s@remote.example", rcpts,
                          b"Subject: m\r\n\r\nx\r\n") == {}
    for r in rcpts:
        wait_until(lambda: outcome(d, r), "the outcome for " + r)
        assert outcome(d, r)[1] == "sent", outcome(d, r)
    a = ("%s@%s" % (ALICE, DOMAIN)).encode()
    b = ("%s@%s" % (BOB, DOMAIN)).encode()
    # alice: +news, ALICE, via team, via big-team: one mailbox, one copy
    # per message (this asserted 4 copies before), with
    # the Delivered-To of whichever recipient reached it first
    time.sleep(1)
    (dt,) = delivered_to(users[ALICE], 1)
    assert dt in (("%s+news@%s" % (ALICE, DOMAIN)).encode(), a), dt
    assert delivered_to(users[BOB], 1) == [b]


def test_owner_alias_becomes_the_sender(make_daemon, users, sandbox):
    """Mail through team, which has owner-team, goes out with sender
    owner-team@domain (Return-Path), so problems reach the list owner;
    mail to a user directly, or with a null sender, keeps its sender."""
    d = daemon(make_daemon, sandbox)
    with d.smtp() as s:
        s.sendmail("s@remote.example", ["team@" + DOMAIN],
                   b"Subject: 1\r\n\r\nx\r\n")
        s.sendmail("s@remote.example", [ALICE + "@" + DOMAIN],
                   b"Subject: 2\r\n\r\nx\r\n")
        s.sendmail("", ["team@" + DOMAIN], b"Subject: 3\r\n\r\nx\r\n")
    got = {}
    for data, _ in maildir_messages(users[ALICE], count=3):
        rp, _, _, rest = split_delivered(data)
        got[re.search(rb"Subject: (\d)", rest).group(1)] = rp
    assert got == {b"1": ("owner-team@" + DOMAIN).encode(),
                   b"2": b"s@remote.example", b"3": b""}
    (data, _), (data2, _) = maildir_messages(users[BOB], count=2)
    assert {split_delivered(data)[0], split_delivered(data2)[0]} == \
        {("owner-team@" + DOMAIN).encode(), b""}


def test_alias_failures_are_clear(make_daemon, users):
    d = daemon(make_daemon)
    with d.smtp() as s:
        s.sendmail("s@remote.example", ["loop1@" + DOMAIN, "remote@" + DOMAIN,
                                        "mixed@" + DOMAIN],
                   b"Subject: f\r\n\r\nx\r\n")
    for r, dsn, text in [
            ("loop1@" + DOMAIN, "5.4.6", "loop"),
            ("remote@" + DOMAIN, "5.3.0",
             "someone@remote.example (remote address) is not supported")]:
        wait_until(lambda: outcome(d, r), "the outcome for " + r)
        got = outcome(d, r)
        assert got[0] == dsn and got[1] == "bounced" and text in got[2], got
    # mixed: alice gets it, the remote member bounces alone
    wait_until(lambda: outcome(d, "mixed@" + DOMAIN), "mixed's outcome")
    assert outcome(d, "mixed@" + DOMAIN)[:2] == ("2.0.0", "sent")
    assert re.search(r"to=<someone@remote\.example>, orig_to=<mixed@%s>, "
                     r"relay=local, delay=\d+, dsn=5\.3\.0, status=bounced "
                     r"\(alias target someone@remote\.example \(remote "
                     r"address\) is not supported" % re.escape(DOMAIN),
                     d.logtext())


def check(d, text):
    import subprocess
    from conftest import BULKHEAD
    path = d.dir + "/aliases"
    with open(path, "w") as f:
        f.write(text)
    return path, subprocess.run([BULKHEAD, "-n", "-c", d.dir],
                                capture_output=True, text=True, timeout=30)


def test_aliases_check_reports_line_numbers(make_daemon, users):
    """bulkhead -n is newaliases' check: file:line for what cannot work."""
    d = daemon(make_daemon)
    path, r = check(d, "# header\n"
                    "staff: {a},\n"
                    "\tnosuchuser_h5x\n"
                    "fwd: {b}, x@remote.example\n"
                    "sys: daemon\n"
                    "ext: {a}+tag, team2\n"
                    "team2: {b}\n"
                    "prog: |/bin/true\n".format(a=ALICE, b=BOB))
    assert r.returncode == 0, r.stderr          # warnings, not errors
    err = r.stderr
    assert "%s:2: alias staff: nosuchuser_h5x: no such alias or user" % path \
        in err
    assert "%s:4: alias fwd: x@remote.example: remote address" % path in err
    assert "%s:5: alias sys: daemon: system account" % path in err
    assert "alias prog" not in err      # allow_mail_to_commands has alias
    assert "alias ext" not in err               # user+ext and an alias: fine
    assert "no postmaster alias" in err
    path, r = check(d, "postmaster: {a}\n".format(a=ALICE))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    path, r = check(d, "postmaster: {a}\nbroken line\n".format(a=ALICE))
    assert r.returncode != 0
    assert "%s:2:" % path in r.stderr


def test_list_failure_goes_to_its_owner(make_daemon, users):
    """A list member that does not exist bounces alone: the others get
    the message, and the notice goes to the list's owner-NAME (Postfix's
    owner_request_special), or to the poster when there is none.  A list
    with no deliverable member at all bounces as a whole, to its owner."""
    import email
    import email.policy

    def parse(data):
        return email.message_from_bytes(data, policy=email.policy.compat32)

    def status_of(msg):
        return msg.get_payload()[1].get_payload()[1]

    def subjects(pw):
        new = os.path.join(pw.pw_dir, "Maildir", "new")
        out = []
        for n in os.listdir(new) if os.path.isdir(new) else []:
            with open(os.path.join(new, n), "rb") as f:
                out.append(parse(f.read())["Subject"])
        return out

    aliases = ("postmaster: {a}\ncrew: {a}, nosuchuser-zz\n"
               "owner-crew: {b}\nrabble: {b}, nosuchuser-zz\n"
               "deadlist: nosuchuser-zz, nosuchuser-yy\n"
               "owner-deadlist: {b}\n").format(a=ALICE, b=BOB)
    d = make_daemon(aliases=aliases)
    poster = "%s@%s" % (ALICE, DOMAIN)
    with d.smtp() as s:
        s.sendmail(poster, ["crew@" + DOMAIN], b"Subject: to crew\r\n\r\nx\r\n")
    wait_until(lambda: outcome(d, "crew@" + DOMAIN), "crew's outcome")
    assert outcome(d, "crew@" + DOMAIN)[1] == "sent"
    # alice, a member, has the post; bob, the owner, the notice
    data, _ = maildir_messages(users[ALICE], count=1)[0]
    assert parse(data)["Subject"] == "to crew"
    data, _ = maildir_messages(users[BOB], count=1)[0]
    msg = parse(data)
    assert msg.get_content_type() == "multipart/report"
    assert msg["To"] == "<owner-crew@%s>" % DOMAIN
    st = status_of(msg)
    assert st["Final-Recipient"] == "rfc822; nosuchuser-zz@" + DOMAIN
    assert st["Original-Recipient"] == "rfc822; crew@" + DOMAIN
    assert st["Action"] == "failed" and st["Status"] == "5.1.1"
    assert "to=<nosuchuser-zz@%s>, orig_to=<crew@%s>" % (DOMAIN, DOMAIN) \
        in d.logtext()
    assert d.log_count("sender non-delivery notification") == 1

    # rabble has no owner: bob gets the post, the poster the notice.
    with d.smtp() as s:
        s.sendmail(poster, ["rabble@" + DOMAIN], b"Subject: 2\r\n\r\nx\r\n")
    wait_until(lambda: "2" in subjects(users[BOB]), "the post to rabble")
    got = [parse(data) for data, _ in maildir_messages(users[ALICE],
                                                        count=2)]
    notice = [m for m in got if m.get_content_type() ==
              "multipart/report"][0]
    assert notice["To"] == "<%s>" % poster
    assert status_of(notice)["Final-Recipient"] == \
        "rfc822; nosuchuser-zz@" + DOMAIN

    # Nobody deliverable: the whole list bounces, to its owner.
    with d.smtp() as s:
        s.sendmail(poster, ["deadlist@" + DOMAIN], b"Subject: 3\r\n\r\nx\r\n")
    wait_until(lambda: d.log_count("sender non-delivery notification") == 3,
               "the third notice")
    notices = [parse(data) for data, _ in maildir_messages(users[BOB],
                                                           count=3)
               if parse(data)["To"] == "<owner-deadlist@%s>" % DOMAIN]
    assert len(notices) == 1
    assert status_of(notices[0])["Final-Recipient"] == \
        "rfc822; deadlist@" + DOMAIN
    assert len(maildir_messages(users[ALICE], count=2)) == 2
