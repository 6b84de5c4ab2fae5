"""Routing of outbound mail without a relayhost: MX routing by
default_transport (Postfix's default "smtp"), host names as next hops
(relayhost and transport_maps), relay_domains as a backup MX, the
per-destination and global concurrency limits, and connection reuse.
A real unbound on loopback answers for the test domains; the mail hosts
are scripted servers on 127.0.0.x."""
import os
import random
import shutil
import signal
import socket
import smtplib
import tempfile
import threading
import time

from conftest import ALICE, DOMAIN, WAIT, free_port, wait_until
from test_relay import FAST, Handler, Script, Server, loopback_server, \
    script_server, send, status_lines, unbound_server  # noqa: F401

ZONE = "bh-route.example."


def addrs(n):
    """n loopback addresses of a random block, for mail hosts on :25."""
    base = random.randint(2, 60) * 4
    return ["127.0.1.%d" % (base + k) for k in range(n)]


def stop(servers):
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def dns_main(dns, extra=""):
    return "dns_resolvers = [127.0.0.1]:%d\n%s%s" % (dns, FAST, extra)


def test_default_transport_routes_by_mx(make_daemon, unbound_server,
                                        users):
    """No relayhost, no transport_maps: default_transport = smtp sends
    remote mail to the domain's MX hosts.  A trusted client's relay (was
    451 4.4.0), a remote alias target (was bounced 5.3.0) and a bounce
    to a remote sender all go out through the MX lookup."""
    live, = addrs(1)
    dns = unbound_server(zone=ZONE, records=[
        "far.bh-route.example. MX 10 mail.bh-route.example.",
        "mail.bh-route.example. A %s" % live,
        "nullmx.bh-route.example. MX 0 .",
    ])
    sc, srv = loopback_server(None, live)
    try:
        d = make_daemon(extra_main=dns_main(dns),
                        aliases="postmaster: %s\n"
                        "fwd: %s, boss@far.bh-route.example\n"
                        % (ALICE, ALICE))
        with d.smtp() as s:
            s.ehlo()
            s.mail("someone@client.example")
            assert s.rcpt("bob@far.bh-route.example")[0] == 250
            assert s.rcpt("fwd@%s" % DOMAIN)[0] == 250
            s.data(b"Subject: out\r\n\r\nby MX\r\n")
        # a remote sender whose mail bounces (null MX): the notice goes
        # out by MX too
        send(d, ["x@nullmx.bh-route.example"],
             sender="sender@far.bh-route.example")
        wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 sent")
        sent = "\n".join(status_lines(d, "sent"))
        for rcpt in ("bob@far.bh-route.example", "boss@far.bh-route.example",
                     "sender@far.bh-route.example"):
            assert "to=<%s>, relay=mail.bh-route.example[%s]:25" % (
                rcpt, live) in sent, sent
        got = sorted(r.split()[1] for _, rs, _ in sc.txns for r in rs)
        assert got == ["TO:<bob@far.bh-route.example>",
                       "TO:<boss@far.bh-route.example>",
                       "TO:<sender@far.bh-route.example>"], got
        notice = [data for mail, rs, data in sc.txns
                  if "sender@far" in rs[0]]
        assert sc.txns and notice, sc.txns
        assert b"x@nullmx.bh-route.example" in notice[0]
        assert any(m.startswith("MAIL FROM:<>") for m, rs, _ in sc.txns
                   if "sender@far" in rs[0])
        log = d.logtext()
        assert "5.3.0" not in log and "4.4.0" not in log, log
    finally:
        stop([srv])


def test_default_transport_local_keeps_mail_in(make_daemon, unbound_server):
    """default_transport = local: no outbound mail but what relayhost or
    transport_maps route (a trusted client gets 451 4.4.0 again), and
    default_transport = error: bounces remote mail with its text."""
    d = make_daemon(extra_main="default_transport = local\n")
    with d.smtp() as s:
        s.ehlo()
        s.mail("someone@client.example")
        code, msg = s.rcpt("bob@far.bh-route.example")
        assert code == 451 and msg.startswith(b"4.4.0"), (code, msg)
    d = make_daemon(extra_main="default_transport = error:5.7.1 "
                    "no mail leaves this host\n%s" % FAST)
    send(d, ["bob@far.bh-route.example"], sender="%s@%s" % (ALICE, DOMAIN))
    line = wait_until(lambda: status_lines(d, "bounced"), "bounced")[0]
    assert "to=<bob@far.bh-route.example>, relay=none" in line and \
        "dsn=5.7.1, status=bounced (no mail leaves this host)" in line, line


def test_host_names_as_next_hops(make_daemon, unbound_server,
                                 script_server):
    """relayhost = [name]:port looks up the name's address only (its MX
    points to a dead host); transport_maps smtp:name:port looks up the
    MX of name, smtp:[name]:port its address.  Names are resolved by the
    dns compartment, the log names the host."""
    dead, = addrs(1)
    sc, port = script_server()
    dns = unbound_server(zone=ZONE, records=[
        "direct.bh-route.example. A 127.0.0.1",
        "direct.bh-route.example. MX 10 dead.bh-route.example.",
        "dead.bh-route.example. A %s" % dead,
        "smart.bh-route.example. MX 10 smtp1.bh-route.example.",
        "smtp1.bh-route.example. A 127.0.0.1",
    ])
    tmp = tempfile.mkdtemp(prefix="bh-tr-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "transport")
    with open(table, "w") as f:
        f.write("via-mx.example  smtp:smart.bh-route.example:%d\n"
                "via-host.example  smtp:[direct.bh-route.example]:%d\n"
                % (port, port))
    try:
        d = make_daemon(extra_main=dns_main(
            dns, "relayhost = [direct.bh-route.example]:%d\n"
            "transport_maps = %s\n" % (port, table)))
        send(d, ["a@via-mx.example", "b@via-host.example",
                 "c@elsewhere.example"])
        wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 sent")
        sent = "\n".join(status_lines(d, "sent"))
        assert "to=<a@via-mx.example>, relay=smtp1.bh-route.example" \
            "[127.0.0.1]:%d" % port in sent, sent
        assert "to=<b@via-host.example>, relay=direct.bh-route.example" \
            "[127.0.0.1]:%d" % port in sent, sent
        assert "to=<c@elsewhere.example>, relay=direct.bh-route.example" \
            "[127.0.0.1]:%d" % port in sent, sent
        assert dead not in d.logtext()
        # relayhost = name:port: the MX hosts of that name
        d2 = make_daemon(extra_main=dns_main(
            dns, "relayhost = smart.bh-route.example:%d\n" % port))
        send(d2, ["e@elsewhere.example"])
        line = wait_until(lambda: status_lines(d2, "sent"), "sent")[0]
        assert "to=<e@elsewhere.example>, relay=smtp1.bh-route.example" \
            "[127.0.0.1]:%d" % port in line, line
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_relay_domains_backup_mx(make_daemon, unbound_server, users):
    """relay_domains: mail for it is accepted from any client and sent to
    the MX hosts preferred to us (myhostname is its second MX: the third,
    worse one, is not tried); where we are the best MX, it bounces
    5.4.6 (loops back to myself), as in Postfix."""
    primary, worse = addrs(2)
    me = "mx.%s." % DOMAIN          # conftest's myhostname
    dns = unbound_server(zone=ZONE, records=[
        "backup.bh-route.example. MX 10 primary.bh-route.example.",
        "backup.bh-route.example. MX 20 %s" % me,
        "backup.bh-route.example. MX 30 worse.bh-route.example.",
        "primary.bh-route.example. A %s" % primary,
        "worse.bh-route.example. A %s" % worse,
        "loop.bh-route.example. MX 10 %s" % me,
    ])
    sc, srv = loopback_server(None, primary)
    sc_worse, srv_worse = loopback_server(None, worse)
    try:
        sc.rules["RCPT"] = lambda arg, n: \
            "450 4.2.0 try later" if n == 0 else None
        d = make_daemon(extra_main=dns_main(
            dns, "relay_domains = backup.bh-route.example, "
            "loop.bh-route.example\nmynetworks = 127.0.0.9/32\n"))
        with smtplib.SMTP("127.0.0.1", d.port, timeout=WAIT) as s:
            s.ehlo("outside.example")
            s.mail("someone@outside.bh-route.example")
            assert s.rcpt("x@backup.bh-route.example")[0] == 250
            assert s.rcpt("y@loop.bh-route.example")[0] == 250
            assert s.rcpt("z@other.bh-route.example")[0] == 554
            s.data(b"Subject: backup\r\n\r\nhold it\r\n")
        # the primary defers once: held by the backup, then sent there
        wait_until(lambda: status_lines(d, "sent"), "sent", 25)
        sent = status_lines(d, "sent")[0]
        assert "to=<x@backup.bh-route.example>, relay=primary." \
            "bh-route.example[%s]:25" % primary in sent, sent
        bounced = "\n".join(wait_until(
            lambda: [l for l in status_lines(d, "bounced")
                     if "to=<y@loop" in l], "bounced"))
        assert "to=<y@loop.bh-route.example>, relay=none" in bounced and \
            "dsn=5.4.6" in bounced and "loops back to myself" in bounced, \
            bounced
        assert sc_worse.connections == 0
    finally:
        stop([srv, srv_worse])


class Counting(Script):
    """A server that counts connections open at once and transactions
    (MAIL to the end of DATA) under way at once, across servers sharing
    one counter, and answers the end of DATA after a pause."""

    def __init__(self, shared, pause=0.3):
        super().__init__()
        self.shared = shared
        self.greeting = self.greet
        self.rules["."] = self.end_of_data
        self.rules["MAIL"] = self.mail
        self.pause = pause

    def bump(self, key, by):
        with self.shared["lock"]:
            self.shared[key] += by
            peak = key + "_max"
            self.shared[peak] = max(self.shared[peak], self.shared[key])

    def greet(self, handler):
        self.bump("conns", 1)
        orig = handler.finish

        def finish():
            self.bump("conns", -1)
            orig()
        handler.finish = finish
        return b"220 sink.example ESMTP\r\n"

    def mail(self, arg, n):
        self.bump("txns", 1)
        return None

    def end_of_data(self, arg, n):
        time.sleep(self.pause)
        self.bump("txns", -1)
        return None


def counter():
    return {"lock": threading.Lock(), "conns": 0, "conns_max": 0,
            "txns": 0, "txns_max": 0}


def test_destination_concurrency_limit(make_daemon, script_server):
    """default_destination_concurrency_limit = 2: ten messages to one
    destination, the server never has more than 2 connections open, and
    all ten arrive."""
    shared = counter()
    sc, port = script_server(Counting(shared))
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n"
                    "default_destination_concurrency_limit = 2\n%s"
                    % (port, FAST))
    with d.smtp() as s:
        for k in range(10):
            s.sendmail("someone@client.example", ["r%d@far.example" % k],
                       "Subject: %d\r\n\r\nhi\r\n" % k)
    wait_until(lambda: len(status_lines(d, "sent")) == 10, "10 sent", 30)
    assert len(sc.txns) == 10
    assert shared["conns_max"] <= 2, shared
    assert shared["txns_max"] == 2, shared      # the limit was used


def test_global_relay_limit(make_daemon, script_server):
    """default_process_limit = 1: relay sessions in flight, over every
    destination: two destinations, one transaction at a time."""
    shared = counter()
    sc1, port1 = script_server(Counting(shared, 0.2))
    sc2, port2 = script_server(Counting(shared, 0.2))
    tmp = tempfile.mkdtemp(prefix="bh-tr-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "transport")
    with open(table, "w") as f:
        f.write("one.example smtp:[127.0.0.1]:%d\n"
                "two.example smtp:[127.0.0.1]:%d\n" % (port1, port2))
    try:
        d = make_daemon(extra_main="transport_maps = %s\n"
                        "default_process_limit = 1\n%s" % (table, FAST))
        with d.smtp() as s:
            for k in range(4):
                s.sendmail("someone@client.example",
                           ["a%d@one.example" % k, "b%d@two.example" % k],
                           "Subject: %d\r\n\r\nhi\r\n" % k)
        wait_until(lambda: len(status_lines(d, "sent")) == 8, "8 sent", 30)
        assert len(sc1.txns) == 4 and len(sc2.txns) == 4
        assert shared["txns_max"] == 1, shared
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_connection_reuse(make_daemon, script_server):
    """smtp_connection_cache_on_demand: ten messages to one destination
    go over at most two connections (the concurrency limit), with RSET
    between transactions; the idle connection is closed with QUIT after
    smtp_connection_cache_time_limit."""
    shared = counter()
    sc, port = script_server(Counting(shared, 0.05))
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n"
                    "default_destination_concurrency_limit = 2\n%s"
                    % (port, FAST))
    with d.smtp() as s:
        for k in range(10):
            s.sendmail("someone@client.example", ["r%d@far.example" % k],
                       "Subject: %d\r\n\r\nhi\r\n" % k)
    wait_until(lambda: len(status_lines(d, "sent")) == 10, "10 sent", 30)
    assert len(sc.txns) == 10
    assert sc.connections <= 2, sc.connections
    assert sc.counts.get("RSET", 0) >= 8, sc.counts
    # idle for smtp_connection_cache_time_limit (2s): QUIT, closed
    wait_until(lambda: sc.counts.get("QUIT", 0) == sc.connections and
               shared["conns"] == 0, "the cached connections closed", 10)
    # smtp_connection_cache_on_demand = no: one connection a message
    sc, port = script_server()
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n"
                    "smtp_connection_cache_on_demand = no\n"
                    "default_destination_concurrency_limit = 1\n%s"
                    % (port, FAST))
    with d.smtp() as s:
        for k in range(3):
            s.sendmail("someone@client.example", ["r%d@far.example" % k],
                       "Subject: %d\r\n\r\nhi\r\n" % k)
    wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 sent", 30)
    assert sc.connections == 3 and sc.counts.get("RSET", 0) == 0


def test_cached_connection_closed_by_the_server(make_daemon, script_server):
    """A server that drops the cached connection: the next message gets
    a fresh connection, nothing deferred."""
    sc, port = script_server()
    sc.rules["RSET"] = lambda arg, n: "CLOSE" if n == 0 else None
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n"
                    "default_destination_concurrency_limit = 1\n%s"
                    % (port, FAST))
    with d.smtp() as s:
        for k in range(3):
            s.sendmail("someone@client.example", ["r%d@far.example" % k],
                       "Subject: %d\r\n\r\nhi\r\n" % k)
    wait_until(lambda: len(status_lines(d, "sent")) == 3, "3 sent", 30)
    assert not status_lines(d, "deferred")
    assert sc.counts.get("RSET", 0) >= 2        # taken from the cache
    assert sc.connections >= 2                  # and connected again
    assert "cached connection failed" in d.logtext()


def test_backup_mx_knows_itself_by_address(make_daemon, unbound_server,
                                           sandbox):
    """This host among the MX hosts by its address, not its name (was:
    by myhostname only), as Postfix's smtp(8) finds itself: an MX host
    whose address is ours (127.0.0.1 of inet_interfaces = all, or one of
    proxy_interfaces) at the best preference bounces 5.4.6; as a backup
    it cuts off itself and every worse host (the dead primary defers,
    the worse host is never tried); better hosts without an address
    defer 4.4.4; a [name] next hop at port 25 that is this host bounces
    5.4.6.  In both sandboxes (jail: dns in the host's network, master's
    view of the addresses)."""
    primary, worse = addrs(2)
    dns = unbound_server(zone=ZONE, records=[
        "byaddr.bh-route.example. MX 10 alias.bh-route.example.",
        "alias.bh-route.example. A 127.0.0.1",
        "proxied.bh-route.example. MX 10 nat.bh-route.example.",
        "nat.bh-route.example. A 192.0.2.77",
        "second.bh-route.example. MX 10 primary.bh-route.example.",
        "second.bh-route.example. MX 20 alias.bh-route.example.",
        "second.bh-route.example. MX 30 worse.bh-route.example.",
        "primary.bh-route.example. A %s" % primary,
        "worse.bh-route.example. A %s" % worse,
        "noprim.bh-route.example. MX 10 noaddr.bh-route.example.",
        "noprim.bh-route.example. MX 20 alias.bh-route.example.",
    ])
    tmp = tempfile.mkdtemp(prefix="bh-self-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "transport")
    with open(table, "w") as f:
        f.write("selfname.example smtp:[alias.bh-route.example]\n")
    sc_worse, srv_worse = loopback_server(None, worse)   # primary: dead
    try:
        d = make_daemon(sandbox, extra_main=dns_main(
            dns, "relay_domains = byaddr.bh-route.example, "
            "proxied.bh-route.example, second.bh-route.example, "
            "noprim.bh-route.example\nproxy_interfaces = 192.0.2.77\n"
            "transport_maps = %s\n" % table))
        send(d, ["a@byaddr.bh-route.example", "b@proxied.bh-route.example",
                 "c@second.bh-route.example", "d@noprim.bh-route.example",
                 "e@selfname.example"], sender="%s@%s" % (ALICE, DOMAIN))

        def outcome(rcpt, status):
            return [l for l in status_lines(d, status)
                    if "to=<%s>" % rcpt in l]
        for rcpt, name in (("a@byaddr.bh-route.example",
                            "byaddr.bh-route.example"),
                           ("b@proxied.bh-route.example",
                            "proxied.bh-route.example"),
                           ("e@selfname.example", "alias.bh-route.example")):
            line = wait_until(lambda: outcome(rcpt, "bounced"),
                              "%s bounced" % rcpt)[0]
            assert "relay=none" in line and "dsn=5.4.6" in line and \
                "mail for %s loops back to myself" % name in line, line
        line = wait_until(lambda: outcome("d@noprim.bh-route.example",
                                          "deferred"), "4.4.4")[0]
        assert "dsn=4.4.4" in line and "unable to find primary relay for " \
            "noprim.bh-route.example" in line, line
        line = wait_until(lambda: outcome("c@second.bh-route.example",
                                          "deferred"), "c deferred")[0]
        assert "primary.bh-route.example" in d.logtext()
        time.sleep(1)
        assert sc_worse.connections == 0 and not outcome(
            "c@second.bh-route.example", "sent"), d.logtext()
    finally:
        stop([srv_worse])
        shutil.rmtree(tmp, ignore_errors=True)


class HeldResolver:
    """A UDP forwarder to unbound that swallows queries while held, so an
    MX lookup can be caught in flight."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.held = threading.Event()
        self.held.set()
        self.seen = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            try:
                q, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if self.held.is_set():
                self.seen.set()
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
                up.settimeout(2)
                up.sendto(q, ("127.0.0.1", self.upstream))
                try:
                    self.sock.sendto(up.recv(4096), peer)
                except socket.timeout:
                    pass

    def close(self):
        self.done = True
        self.thread.join()
        self.sock.close()


def test_mx_lookup_in_flight_when_dns_dies(make_daemon, unbound_server):
    """dns is killed while queue waits for its MX answer: the recipient
    is not lost nor left in flight; queue asks the restarted dns again
    and the message is delivered, once."""
    live, = addrs(1)
    dns = unbound_server(zone=ZONE, records=[
        "far.bh-route.example. MX 10 mail.bh-route.example.",
        "mail.bh-route.example. A %s" % live,
    ])
    gate = HeldResolver(dns)
    sc, srv = loopback_server(None, live)
    try:
        d = make_daemon(extra_main=dns_main(gate.port))
        send(d, ["bob@far.bh-route.example"],
             sender="%s@%s" % (ALICE, DOMAIN))
        assert gate.seen.wait(WAIT), "no MX query reached the resolver"
        old = d.wait_role("dns")
        os.kill(old, signal.SIGKILL)
        d.wait_role("dns", not_pid=old)
        gate.held.clear()
        wait_until(lambda: status_lines(d, "sent"), "sent")
        time.sleep(1)
        sent = status_lines(d, "sent")
        assert len(sent) == 1 and "to=<bob@far.bh-route.example>, " \
            "relay=mail.bh-route.example[%s]:25" % live in sent[0], sent
        got = [r.split()[1] for _, rs, _ in sc.txns for r in rs]
        assert got == ["TO:<bob@far.bh-route.example>"], sc.txns
    finally:
        stop([srv])
        gate.close()


def test_ehlo_with_my_own_hostname_is_a_loop(make_daemon, unbound_server):
    """A mail host that answers EHLO with this host's myhostname is a
    mail loop (Postfix's smtp(8) check): at a worse MX host the next host
    is tried; at a host of the best preference the mail bounces with
    5.4.6 and no other host is tried.  Was: delivered to the loop."""
    dead, loop_worse, good, loop_best, good2 = addrs(5)
    dns = unbound_server(zone=ZONE, records=[
        "worse.bh-route.example. MX 10 dead.bh-route.example.",
        "worse.bh-route.example. MX 20 loop1.bh-route.example.",
        "worse.bh-route.example. MX 30 good.bh-route.example.",
        "best.bh-route.example. MX 10 loop2.bh-route.example.",
        "best.bh-route.example. MX 20 good2.bh-route.example.",
        "dead.bh-route.example. A %s" % dead,
        "loop1.bh-route.example. A %s" % loop_worse,
        "good.bh-route.example. A %s" % good,
        "loop2.bh-route.example. A %s" % loop_best,
        "good2.bh-route.example. A %s" % good2,
    ])
    servers = []
    try:
        scs = {}
        for name, addr in (("loop1", loop_worse), ("good", good),
                           ("loop2", loop_best), ("good2", good2)):
            sc, srv = loopback_server(None, addr)
            servers.append(srv)
            scs[name] = sc
        d = make_daemon(extra_main=dns_main(dns))
        me = "MX.%s" % DOMAIN.upper()      # compared without case
        scs["loop1"].name = scs["loop2"].name = me
        send(d, ["a@worse.bh-route.example"],
             sender="%s@%s" % (ALICE, DOMAIN))
        send(d, ["b@best.bh-route.example"],
             sender="%s@%s" % (ALICE, DOMAIN))
        wait_until(lambda: status_lines(d, "sent") and
                   status_lines(d, "bounced"), "sent and bounced")
        sent = "\n".join(status_lines(d, "sent"))
        assert "to=<a@worse.bh-route.example>, relay=good.bh-route." \
            "example[%s]:25" % good in sent, sent
        bounced = [ln for ln in status_lines(d, "bounced")
                   if "to=<b@best.bh-route.example>" in ln]
        assert bounced and "dsn=5.4.6, status=bounced (mail for " \
            "best.bh-route.example loops back to myself)" in bounced[0], \
            bounced
        got = lambda n: [r.split()[1] for _, rs, _ in scs[n].txns
                         for r in rs]
        assert got("good") == ["TO:<a@worse.bh-route.example>"]
        assert got("loop1") == [] and got("loop2") == [] and \
            got("good2") == [], (scs["loop1"].txns, scs["good2"].txns)
        log = d.logtext()
        for addr in (loop_worse, loop_best):
            assert "host loop%d.bh-route.example[%s]:25 replied to " \
                "HELO/EHLO with my own hostname mx.%s" % (
                    1 if addr == loop_worse else 2, addr, DOMAIN) in log, log
    finally:
        stop(servers)


def test_ehlo_with_my_own_hostname_at_the_relayhost(make_daemon,
                                                    script_server):
    """relayhost = [address]:port is reached without an MX lookup: a loop
    there bounces with 5.4.6, as at the best MX host."""
    sc, port = script_server()
    sc.name = "mx.%s" % DOMAIN
    d = make_daemon(extra_main="relayhost = [127.0.0.1]:%d\n%s"
                    % (port, FAST))
    send(d, ["c@far.example"], sender="%s@%s" % (ALICE, DOMAIN))
    line = wait_until(lambda: status_lines(d, "bounced"), "bounced")[0]
    assert "to=<c@far.example>, relay=127.0.0.1[127.0.0.1]:%d" % port \
        in line and "dsn=5.4.6, status=bounced (mail for far.example " \
        "loops back to myself)" in line, line
    assert sc.txns == [], sc.txns
