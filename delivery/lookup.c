/*
 * lookup.c: the lookup compartment.  It answers smtpd (is this recipient
 * ours?) and local (whom does it reach?) from a snapshot of passwd and the
 * aliases taken before it entered an empty root (the alias files' bytes:
 * it parses them only after its privilege drop).
 *
 * Handlers:
 *   on_rcpt_check	smtpd's IPC_RCPT_CHECK
 *   on_rcpt_check_client	smtpd's IPC_RCPT_CHECK_CLIENT
 *   on_expand		local's IPC_EXPAND
 *   on_owner		local's IPC_OWNER_QUERY
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>

#include <event2/event.h>

#include "delivery/resolve.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "conf/own_addrs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

struct lookup {
	struct worker_env	 we;
	struct userdb		 users;
	struct alias_table	 aliases;
	struct resolver		 res;
	int			 map_line[IPC_MAPS_MAX];
	char			*alias_bytes;	/* read as root, parsed after */
	size_t			 alias_len;
	struct bh_strlist	 own_addrs;
	struct transport_table	 transports[BH_LIST_MAX];
	struct ipc_chan		*peers[ROLE_COUNT];
	int			 retiring;	/* replaced: exit when unused */
};

/* A refused account that exists: say why, once per RCPT. */
static void
log_refused_account(struct lookup *lk, const char *addr, uint32_t verdict)
{
	const char *why;

	if (verdict == RCPT_UNKNOWN_USER &&
	    (why = resolve_account_problem(&lk->res, addr)) != NULL)
		log_warnx("recipient %s refused: the account cannot receive "
		    "mail: %s", addr, why);
}

static void
on_rcpt_check(struct lookup *lk, struct ipc_chan *c, uint32_t id,
    const struct msg_addr *req)
{
	struct msg_rcpt_verdict	 rep;
	uint8_t			 buf[16];
	struct wbuf		 wb;

	rep.verdict = resolve_rcpt(&lk->res, req->addr);
	log_refused_account(lk, req->addr, rep.verdict);
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt_verdict(&wb, &rep);
	ipc_reply(c, IPC_RCPT_CHECK_REPLY, id, &wb, -1);
}

static void
on_rcpt_check_client(struct lookup *lk, struct ipc_chan *c, uint32_t id,
    const struct msg_rcpt_check *req)
{
	struct msg_rcpt_verdict	 rep;
	uint8_t			 buf[16];
	struct wbuf		 wb;

	rep.verdict = resolve_rcpt_client(&lk->res, req->addr,
	    req->client_addr, req->trusted);
	log_refused_account(lk, req->addr, rep.verdict);
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt_verdict(&wb, &rep);
	ipc_reply(c, IPC_RCPT_CHECK_REPLY, id, &wb, -1);
}

static void
on_expand(struct lookup *lk, struct ipc_chan *c, uint32_t id,
    const struct msg_addr *req)
{
	static struct msg_expand_ok rep;	/* 13 KiB: not on the stack */
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct wbuf		 wb;
	char			 dsn[IPC_DSN_MAX], text[IPC_TEXT_MAX];
	const char		*why;

	if (resolve_expand(&lk->res, req->addr, &rep, dsn, sizeof(dsn), text,
	    sizeof(text)) == -1) {
		ipc_reply_error(c, id, dsn, text);
		return;
	}
	/* local would take it for a violation: refuse it here, for good. */
	if ((why = ipc_check_expand_ok(&rep)) != NULL) {
		log_warnx("%s: cannot hand over the expansion: %s", req->addr,
		    why);
		ipc_reply_error(c, id, "5.3.0", "alias expansion names a user "
		    "or target this system cannot deliver to");
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_expand_ok(&wb, &rep);
	if (wb.err) {		/* more than one IPC message can carry */
		log_warnx("expansion of %s does not fit in one answer "
		    "(%u accounts, %u commands or files)", req->addr, rep.n,
		    rep.ntargets);
		ipc_reply_error(c, id, "5.3.0", "alias expands too far");
		return;
	}
	ipc_reply(c, IPC_EXPAND_OK, id, &wb, -1);
}

static void
on_owner(struct lookup *lk, struct ipc_chan *c, uint32_t id,
    const struct msg_addr *req)
{
	struct msg_owner	 rep;
	uint8_t			 buf[IPC_ADDR_MAX + 8];
	struct wbuf		 wb;

	resolve_owner(&lk->res, req->addr, rep.addr, sizeof(rep.addr));
	if (ipc_check_owner(&rep) != NULL) {
		log_warnx("%s: owner %s not usable: ignored", req->addr,
		    rep.addr);
		rep.addr[0] = '\0';
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_owner(&wb, &rep);
	ipc_reply(c, IPC_OWNER_REPLY, id, &wb, -1);
}

/* pickup: whose is the drop file's owner uid?  The first passwd entry
   with it, as getpwuid() answers. */
static void
on_uid(struct lookup *lk, struct ipc_chan *c, uint32_t id,
    const struct msg_uid *req)
{
	struct msg_login	 rep;
	uint8_t			 buf[IPC_USER_MAX + 16];
	struct wbuf		 wb;
	size_t			 i, n;

	for (i = 0; i < lk->users.n; i++)
		if (lk->users.v[i].uid == req->uid)
			break;
	if (i == lk->users.n) {
		ipc_reply_error(c, id, "5.1.8", "no such uid");
		return;
	}
	rep.uid = req->uid;
	n = strlen(lk->users.v[i].name);
	if (n < sizeof(rep.name))
		memcpy(rep.name, lk->users.v[i].name, n + 1);
	if (n >= sizeof(rep.name) || ipc_check_login(&rep) != NULL) {
		log_warnx("uid %u: login name not usable", (unsigned)req->uid);
		ipc_reply_error(c, id, "5.1.8", "unusable login name");
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_login(&wb, &rep);
	ipc_reply(c, IPC_UID_REPLY, id, &wb, -1);
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct lookup *lk = arg;

	if (fd != -1)
		close(fd);	/* the table allows none here; never reached */
	if (h->type == IPC_RCPT_CHECK)
		on_rcpt_check(lk, c, h->id, &msg->addr);
	else if (h->type == IPC_RCPT_CHECK_CLIENT)
		on_rcpt_check_client(lk, c, h->id, &msg->rcpt_check);
	else if (h->type == IPC_EXPAND)
		on_expand(lk, c, h->id, &msg->addr);
	else if (h->type == IPC_OWNER_QUERY)
		on_owner(lk, c, h->id, &msg->addr);
	else if (h->type == IPC_UID_QUERY)
		on_uid(lk, c, h->id, &msg->uid);
	else
		ipc_chan_fail(c, "unexpected message type");
}

/*
 * Master replaced this lookup with a new snapshot (IPC_SIG_RETIRE): its
 * peers send it nothing new and close their ends once it answered the
 * rest; it answers at once, so then nothing is owed and it exits.
 */
static void
exit_if_retired(struct lookup *lk)
{
	if (!lk->retiring || lk->peers[ROLE_SMTPD] != NULL ||
	    lk->peers[ROLE_LOCAL] != NULL || lk->peers[ROLE_PICKUP] != NULL)
		return;
	log_info("retired: every peer has moved to the new lookup");
	event_base_loopexit(lk->we.base, NULL);
}

static void
on_retire(evutil_socket_t sig, short ev, void *arg)
{
	struct lookup *lk = arg;

	lk->retiring = 1;
	exit_if_retired(lk);
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct lookup	*lk = arg;
	enum bh_role	 peer = ipc_chan_peer(c);

	if (violation)
		worker_peer_violation(&lk->we, peer, why);
	if (lk->peers[peer] == c)
		lk->peers[peer] = NULL;
	ipc_chan_free(c);
	exit_if_retired(lk);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct lookup *lk = we->arg;

	if (peer != ROLE_SMTPD && peer != ROLE_LOCAL && peer != ROLE_PICKUP) {
		close(fd);
		fatalx("master handed lookup a channel to %s",
		    ipc_role_name(peer));
	}
	ipc_chan_free(lk->peers[peer]);
	lk->peers[peer] = ipc_chan_new(we->base, fd, ROLE_LOOKUP, peer,
	    peer_msg, peer_closed, lk);
}

/*
 * Read every alias file, before the privilege drop (the files may be
 * root's only).  Postfix searches alias_maps in order and the first
 * match wins; the table keeps the last definition of a name, so the
 * files are concatenated last-to-first.  Nothing is parsed as root:
 * parse_aliases does that once lookup is its own user.
 */
static void
read_aliases(struct lookup *lk)
{
	const struct bh_strlist	*maps = &lk->we.cf.alias_maps;
	char			*all = NULL;
	size_t			 len = 0, i, k;
	int			 fd, line = 1;
	struct stat		 st;

	if (maps->n > IPC_MAPS_MAX)
		fatalx("alias_maps: more than %d files", IPC_MAPS_MAX);
	for (i = maps->n; i-- > 0; ) {
		/* O_NONBLOCK: a FIFO put there does not hang lookup */
		if ((fd = open(maps->v[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK))
		    == -1)
			fatal("alias_maps %s", maps->v[i]);
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_size > 16 * 1024 * 1024)
			fatalx("alias_maps %s: unreadable, not a regular file "
			    "or too large", maps->v[i]);
		all = xreallocarray(all, len + st.st_size + 2, 1);
		if (fd_read_all(fd, all + len, st.st_size) != st.st_size)
			fatal("read %s", maps->v[i]);
		/* Where this file starts: commands name their file. */
		lk->map_line[i] = line;
		for (k = len; k < len + (size_t)st.st_size; k++)
			line += all[k] == '\n';
		len += st.st_size;
		all[len++] = '\n';
		line++;
		close(fd);
	}
	lk->alias_bytes = all;
	lk->alias_len = len;
}

/* As lookup_user, in the sandbox: the bytes read_aliases took. */
static void
parse_aliases(struct worker_env *we)
{
	struct lookup		*lk = we->arg;
	const struct bh_strlist	*maps = &we->cf.alias_maps;
	char			 err[ALIAS_ERR_MAX];

	if (aliases_parse_buffer(&lk->aliases, lk->alias_bytes ?
	    lk->alias_bytes : "", lk->alias_len, maps->n == 1 ? maps->v[0] :
	    "alias_maps", err, sizeof(err)) == -1)
		fatalx("%s", err);
	free(lk->alias_bytes);
	lk->alias_bytes = NULL;
}

/*
 * transport_maps, for RCPT: which other domains have somewhere to go.
 * A file that does not load leaves the table out (queue then defers
 * such mail; master checked the files at start).
 */
static void
load_transports(struct lookup *lk)
{
	char	err[512];
	size_t	i;

	for (i = 0; i < lk->we.cf.transport_maps.n; i++)
		if (transport_parse_file(&lk->transports[i],
		    lk->we.cf.transport_maps.v[i], err, sizeof(err)) == -1) {
			log_warnx("transport_maps: %s", err);
			return;
		}
	lk->res.transports = lk->transports;
	lk->res.ntransports = lk->we.cf.transport_maps.n;
}

/* Before the privilege drop: the snapshot of accounts and aliases. */
static void
lookup_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct lookup	*lk = we->arg;
	struct event	*ev;

	if ((ev = evsignal_new(we->base, IPC_SIG_RETIRE, on_retire, lk))
	    == NULL || evsignal_add(ev, NULL) == -1)
		fatalx("cannot handle the retire signal");
	userdb_load(&lk->users);
	read_aliases(lk);
	lk->res.cf = &we->cf;
	lk->res.users = &lk->users;
	lk->res.aliases = &lk->aliases;
	lk->res.map_line = lk->map_line;
	lk->res.nmaps = we->cf.alias_maps.n;
	/* From master: in jail mode, lookup sees no interface of the host. */
	own_addrs_parse(we->own_addrs, &lk->own_addrs);
	lk->res.own_addrs = &lk->own_addrs;
	load_transports(lk);
}

static void
lookup_ready(struct worker_env *we)
{
	struct lookup *lk = we->arg;

	log_info("ready: %zu accounts, %zu aliases", lk->users.n,
	    lk->aliases.n);
}

int
lookup_main(int argc, char **argv)
{
	static struct lookup		lk;
	static const struct worker_role	role = {
		.role = ROLE_LOOKUP,
		.prepare = lookup_prepare,
		.start = parse_aliases,
		.ready = lookup_ready,
		.on_peer = on_peer,
	};
	int				rc;

	rc = worker_main(&role, &lk.we, &lk, argc, argv);
	/* Retired: what it still has to say reaches master. */
	ipc_chan_flush(lk.we.master);
	return rc;
}
