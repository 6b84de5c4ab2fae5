"""Postfix's log readers on bulkhead's log: pflogsumm's report of a run
with deliveries, a bounce and rejects, and fail2ban's stock postfix
filter on the reject lines (unknown user, relay denied).

With syslog_name = postfix both tools run as shipped; with bulkhead's
own syslog_name they are told the name, as for a Postfix instance with
another syslog_name: pflogsumm --syslog-name, and the filter's _daemon
parameter (the filter file itself unchanged)."""
import re
import shutil
import subprocess

import pytest

from conftest import ALICE, BOB, DOMAIN, wait_until

F2B_FILTER = "/etc/fail2ban/filter.d/postfix.conf"


def run_traffic(d):
    """4 messages received (3 to alice; 1 from bob to an alias with an
    unknown member: alice gets it, the member bounces, the notice goes
    to bob), then 2 unknown users and 1 relay attempt refused."""
    with d.smtp() as s:
        s.ehlo("client.example")
        for i in range(3):
            s.sendmail("s@remote.example", ["%s@%s" % (ALICE, DOMAIN)],
                       b"Subject: %d\r\n\r\nbody\r\n" % i)
        s.sendmail("%s@%s" % (BOB, DOMAIN), ["mixed@%s" % DOMAIN],
                   b"Subject: mixed\r\n\r\nbody\r\n")
        for rcpt, code in (("nosuch1@" + DOMAIN, 550),
                           ("nosuch2@" + DOMAIN, 550),
                           ("x@remote.example", 554)):
            s.mail("s@remote.example")
            assert s.rcpt(rcpt)[0] == code
            s.rset()
    wait_until(lambda: d.logtext().count("status=sent") == 5 and
               "status=bounced" in d.logtext(), "5 deliveries and a bounce")
    d.stop()
    return d.logfile


def totals(report):
    """pflogsumm's Grand Totals: {'received': 4, ...}."""
    out = {}
    for m in re.finditer(r"^\s+(\d+)\s+(received|delivered|forwarded|"
                         r"deferred|bounced|rejected)\b", report, re.M):
        out.setdefault(m.group(2), int(m.group(1)))
    return out


@pytest.mark.parametrize("name", ["bulkhead", "postfix"])
def test_pflogsumm_and_fail2ban_read_the_log(make_daemon, users, name):
    for tool in ("pflogsumm", "fail2ban-regex"):
        assert shutil.which(tool), "%s missing: run scripts/install-deps" \
            % tool
    d = make_daemon(extra_main="syslog_name = %s\n"
                    "mynetworks = 192.0.2.0/24\n" % name,
                    aliases="postmaster: {a}\nmixed: {a}, nosuchzz\n"
                    .format(a=ALICE))
    log = run_traffic(d)

    args = [] if name == "postfix" else ["--syslog-name=" + name]
    r = subprocess.run(["pflogsumm"] + args + [log], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert totals(r.stdout) == {"received": 4, "delivered": 5,
                                "forwarded": 0, "deferred": 0,
                                "bounced": 1, "rejected": 3}, r.stdout
    # The reject detail groups by Postfix's reason, as for Postfix.
    assert re.search(r"Recipient address rejected: User unknown in local "
                     r"recipient table \(total: 2\)", r.stdout), r.stdout
    assert "Relay access denied (total: 1)" in r.stdout, r.stdout
    assert "nosuchzz" in r.stdout    # the bounce detail

    filt = F2B_FILTER if name == "postfix" else \
        'postfix[_daemon="%s/\\w+"]' % name
    r = subprocess.run(["fail2ban-regex", "--out", "msg", log, filt],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    matched = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(matched) == 3, r.stdout
    assert sum("User unknown" in l for l in matched) == 2, matched
    assert sum("Relay access denied" in l for l in matched) == 1, matched
    for l in matched:
        assert re.search(r" %s/smtpd\[\d+\]: NOQUEUE: reject: RCPT from "
                         r"unknown\[127\.0\.0\.1\]: " % name, l), l
    r = subprocess.run(["fail2ban-regex", "--out", "ip", log, filt],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["127.0.0.1"] * 3, r.stdout
