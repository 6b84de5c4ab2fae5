/*
 * local_expand.c: what a ~/.forward (read by the user's writer) or an
 * :include: file (read by a runner, as the alias file's owner) adds to a
 * job: accounts, each one mailbox however reached, looked up by lookup;
 * commands, files and nested :include: files, as targets for runners.
 * Each is a node of the job's worklist (worklist.h) below the one that
 * led to it: a WL_FORWARD below the account, a WL_ADDRESS per lookup
 * outstanding below the .forward or :include: file, the accounts and
 * targets lookup answers with below that address.  A .forward stands or
 * falls as a whole (wl_drop_below()); an account reached from a .forward
 * does not have its own .forward read (wl_by_forward()).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "delivery/dupfilter.h"
#include "delivery/forward.h"
#include "delivery/resolve.h"
#include "delivery/local.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "relay/transport.h"

/*
 * user+ext@domain reached user: "+ext" (lower-cased), for ~/.forward+ext.
 * Anything else (an alias led here, no extension): "".
 */
void
forward_suffix(const struct job *j, const char *user, char *out, size_t len)
{
	const char	*rcpt = j->d.rcpt, *at = strrchr(rcpt, '@');
	const char	*delims = j->lo->we.cf.recipient_delimiter;
	size_t		 n = at != NULL ? (size_t)(at - rcpt) : strlen(rcpt);
	size_t		 base, i, ulen = strlen(user);

	out[0] = '\0';
	if (cur_ext(j)[0] != '\0') {	/* a target user+ext reached user */
		xstrlcpy(out, cur_ext(j), len);
		return;
	}
	if (delims == NULL || *delims == '\0')
		return;
	base = strcspn(rcpt, delims);
	if (base != ulen || base >= n || n - base >= len ||
	    strncasecmp(rcpt, user, ulen) != 0)
		return;
	/* Only what the writer accepts as a file name; else no suffix. */
	if (n - base < 2 || rcpt[base] == '/' ||
	    !ispunct((unsigned char)rcpt[base]))
		return;
	for (i = base + 1; i < n; i++)
		if (!isalnum((unsigned char)rcpt[i]) &&
		    strchr("._+-=", rcpt[i]) == NULL)
			return;
	for (i = 0; i < n - base; i++)
		out[i] = tolower((unsigned char)rcpt[base + i]);
	out[i] = '\0';
}

const char *
cur_user(const struct job *j)
{
	return j->wl.cur->value;
}

/* The extension the address that reached the current user carried. */
const char *
cur_ext(const struct job *j)
{
	return j->wl.cur->ext;
}

/*
 * Add an account a .forward or :include: file reaches (below the address
 * that led to it), once per job: an account is one mailbox, whatever
 * address reached it.  One a .forward reached does not have its own
 * .forward read (wl_by_forward()).
 */
static void
add_job_user(struct job *j, struct wl_node *parent, const char *user,
    const char *ext, const char *what)
{
	if (wl_add_user(&j->wl, parent, user, ext, 1) == -1)
		job_fail(j, "5.3.0", what);
}

/*
 * A command or file for a runner, once per job and per account it runs
 * as (dup_target_key(): the same command in two users' .forward files
 * runs twice, as each).  -1 when it cannot be (master would refuse it):
 * the recipient fails for good.
 */
static int
add_target(struct job *j, struct wl_node *node, uint32_t source,
    uint32_t kind, uint32_t map, const char *name, const char *suffix,
    const char *value, const struct msg_runner_open *parent)
{
	static struct msg_runner_open	 t;
	uint32_t			 k;
	const char			*why;
	char				 text[IPC_TEXT_MAX];

	if ((why = resolve_target_problem(kind, value)) != NULL ||
	    !ipc_valid_target(kind, value, suffix)) {
		if (why == NULL)
			why = "bad ~/.forward extension";
		snprintf(text, sizeof(text), "%s target of %s: %s", source ==
		    RUNNER_FORWARD ? "~/.forward" : "alias", name, why);
		log_warnx("%s: %s", j->d.qid, text);
		job_fail(j, "5.3.0", text);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.source = source;
	t.kind = kind;
	t.map = map;
	if (strlcpy(t.name, name, sizeof(t.name)) >= sizeof(t.name) ||
	    strlcpy(t.suffix, suffix, sizeof(t.suffix)) >= sizeof(t.suffix) ||
	    strlcpy(t.value, value, sizeof(t.value)) >= sizeof(t.value) ||
	    (kind == RUNNER_INCLUDE && strlen(value) >= IPC_PATH_MAX)) {
		job_fail(j, "5.3.0", "command or file name too long");
		return -1;
	}
	/* Found in an :include: file: the files that lead to it. */
	if (parent != NULL) {
		for (k = 0; k < parent->depth; k++)
			STRLCPY_ARRAY(t.chain[k], parent->chain[k]);
		/* an :include: path: under IPC_PATH_MAX, checked above */
		xstrlcpy(t.chain[k], parent->value, sizeof(t.chain[k]));
		t.depth = parent->depth + 1;
	}
	if (wl_add_target(&j->wl, node, &t) == -1) {
		job_fail(j, "5.3.0", "too many commands and files");
		return -1;
	}
	return 0;
}

void
add_alias_targets(struct job *j, const struct msg_expand_ok *x,
    struct wl_node *node)
{
	uint32_t i;

	for (i = 0; i < x->ntargets; i++)
		(void)add_target(j, node, RUNNER_ALIAS, x->targets[i].kind,
		    x->targets[i].map, x->targets[i].name, "",
		    x->targets[i].value, NULL);
}

/* The .forward's lookups are answered. */
static void
forward_done(struct job *j, struct wl_node *fwd)
{
	/* All or nothing, or a retry would deliver some copies twice. */
	if (fwd->failed) {
		wl_drop_below(&j->wl, fwd);
		fwd->self = 0;
	}
	fwd->state = WL_DONE;
	if (j->writer == NULL)		/* it died while lookup answered */
		next_user(j);
	else if (fwd->self)
		start_writing(j);
	else
		writer_done(j);
}

/* lookup's answer for one address (a) of a .forward. */
void
forward_expanded(struct job *j, struct wl_node *a, uint32_t type,
    const union ipc_msg *msg)
{
	const struct msg_expand_ok	*x = NULL;
	struct wl_node			*fwd = a->parent;
	const struct msg_error		*e;
	uint32_t			 i;
	int				 ok;

	a->state = WL_DONE;
	if ((ok = type == IPC_EXPAND_OK))	/* msg NULL: lookup died */
		x = &msg->expand_ok;
	if (ok && x->nfailed > 0) {
		/* A .forward stands or falls as a whole. */
		log_warnx("%s: %s: .forward target: %s", j->d.qid,
		    cur_user(j), x->failed[0].text);
		job_fail(j, x->failed[0].dsn, x->failed[0].text);
		fwd->failed = 1;
	} else if (ok) {
		/* The account itself (user+ext, an alias that lists it):
		   its own mailbox, as in Postfix. */
		for (i = 0; i < x->n; i++)
			if (strcmp(x->users[i], cur_user(j)) == 0)
				fwd->self = 1;
			else
				add_job_user(j, a, x->users[i], x->ext[i],
				    ".forward expands too far");
		add_alias_targets(j, x, a);
	} else if (type == IPC_ERROR) {
		e = &msg->error;
		log_warnx("%s: %s: .forward target: %s", j->d.qid,
		    cur_user(j), e->text);
		job_fail(j, e->dsn, e->text);
		fwd->failed = 1;
	} else {
		job_fail(j, "4.3.0", "lookup unavailable");
		fwd->failed = 1;
	}
	if (wl_waiting(&j->wl) == NULL)
		forward_done(j, fwd);
}

/* Ask lookup whom a local .forward target reaches. */
static void
forward_lookup(struct job *j, struct wl_node *fwd, const char *local)
{
	ask_lookup(j, wl_add(&j->wl, fwd, WL_ADDRESS, local), IPC_EXPAND,
	    local);
}

/* May this remote .forward address be sent on (queue's relay)? */
static int
forward_remote_ok(const struct job *j, const char *addr)
{
	const struct bh_config	*cf = &j->lo->we.cf;
	const char		*at = strrchr(addr, '@');

	return transport_default_remote(cf->relayhost, cf->default_transport) &&
	    at != NULL &&
	    at != addr && at[1] != '\0' && at[1] != '[' &&
	    strlen(addr) < IPC_ADDR_MAX && ipc_valid_text(addr) &&
	    strchr(addr, ' ') == NULL;
}

/*
 * Sort the targets: the user's own name (or \user) means the mailbox;
 * other local addresses go to lookup; commands and files become the
 * job's targets, for runners; remote addresses go back to queue with
 * the result when a route sends mail off this host (else, rather than
 * lose or bounce mail, the whole .forward is ignored).  Returns the
 * reason to ignore it, or NULL with *self and the local parts filled.
 */
static const char *
forward_sort(struct job *j, struct wl_node *fwd, const struct forward *f,
    int *self, char (*local)[IPC_ADDR_MAX], size_t *nlocal,
    char (*remote)[IPC_ADDR_MAX], size_t *nremote)
{
	const struct forward_entry	*e;
	const char			*at;
	size_t				 i, k, n;

	*self = 0;
	*nlocal = 0;
	*nremote = 0;
	for (i = 0; i < f->n; i++) {
		e = &f->v[i];
		if (e->kind == FWD_COMMAND || e->kind == FWD_FILE) {
			if (add_target(j, fwd, RUNNER_FORWARD, e->kind ==
			    FWD_COMMAND ? RUNNER_COMMAND : RUNNER_FILE, 0,
			    cur_user(j), fwd->value, e->value, NULL) == -1)
				fwd->failed = 1;
			continue;
		}
		if (e->kind == FWD_INCLUDE)
			return "include files";
		at = strrchr(e->value, '@');
		if (at != NULL && !resolve_is_local_domain(at + 1,
		    &j->lo->we.cf)) {
			/* with a relayhost, queue sends them on */
			if (!forward_remote_ok(j, e->value))
				return "remote addresses";
			if (*nremote + j->nremote >= IPC_REMOTE_MAX)
				return "more remote addresses than one result "
				    "carries";
			xstrlcpy(remote[(*nremote)++], e->value, IPC_ADDR_MAX);
			continue;
		}
		n = at ? (size_t)(at - e->value) : strlen(e->value);
		if (n == 0 || n >= IPC_ADDR_MAX)
			return "empty or overlong addresses";
		for (k = 0; k < n; k++)
			local[*nlocal][k] = tolower((unsigned char)e->value[k]);
		local[*nlocal][n] = '\0';
		if (strcmp(local[*nlocal], cur_user(j)) == 0)
			*self = 1;
		else
			(*nlocal)++;
	}
	return NULL;
}

void
on_forward(struct job *j, const struct msg_forward_data *fd)
{
	static struct forward		 f;
	static char			 local[FORWARD_ENTRIES_MAX][IPC_ADDR_MAX];
	static char			 remote[IPC_REMOTE_MAX][IPC_ADDR_MAX];
	size_t				 nrem, r;
	char				 err[256], suffix[IPC_USER_MAX + 1];
	struct wl_node			*fwd;
	const char			*why;
	size_t				 i, n, tbase = j->wl.ntargets;
	int				 self;

	if (fd->status == FORWARD_NONE) {
		start_writing(j);
		return;
	}
	if (fd->status == FORWARD_IGNORED) {
		log_warnx("%s: %s: ~/.forward ignored: %s", j->d.qid,
		    cur_user(j), fd->reason);
		start_writing(j);
		return;
	}
	if (forward_parse(&f, fd->text, strlen(fd->text), err, sizeof(err))
	    == -1) {
		log_warnx("%s: %s: ~/.forward ignored: %s", j->d.qid,
		    cur_user(j), err);
		start_writing(j);
		return;
	}
	forward_suffix(j, cur_user(j), suffix, sizeof(suffix));
	fwd = wl_add(&j->wl, j->wl.cur, WL_FORWARD, suffix);
	why = forward_sort(j, fwd, &f, &self, local, &n, remote, &nrem);
	if (fwd->failed || why != NULL) {
		wl_drop_below(&j->wl, fwd);
		fwd->state = WL_DONE;
	}
	if (fwd->failed) {	/* a target cannot run: none at all */
		writer_done(j);
		return;
	}
	if (why != NULL) {
		log_warnx("%s: %s: ~/.forward ignored: it names %s, which this "
		    "release does not deliver", j->d.qid, cur_user(j), why);
		start_writing(j);
		return;
	}
	for (r = 0; r < nrem; r++)
		xstrlcpy(j->remote[j->nremote++], remote[r], IPC_ADDR_MAX);
	if (nrem > 0)
		log_info("%s: %s: forwarded by ~/.forward to %zu remote "
		    "address%s", j->d.qid, cur_user(j), nrem,
		    nrem == 1 ? "" : "es");
	if (n == 0)
		fwd->state = WL_DONE;
	if (n == 0 && !self && nrem > 0 && j->wl.ntargets == tbase) {
		writer_done(j);		/* remote only: no mailbox */
		return;
	}
	if (n == 0 && (self || j->wl.ntargets == tbase)) {
		/* empty, or only the user: the mailbox (and the commands) */
		start_writing(j);
		return;
	}
	if (n == 0) {		/* commands and files only: no mailbox */
		n = j->wl.ntargets - tbase;
		log_info("%s: %s: forwarded by ~/.forward to %zu command%s "
		    "or file%s", j->d.qid, cur_user(j), n, n == 1 ? "" : "s",
		    n == 1 ? "" : "s");
		writer_done(j);
		return;
	}
	if (j->lo->lookup == NULL) {
		fwd->state = WL_DONE;
		job_fail(j, "4.3.0", "lookup unavailable");
		writer_done(j);
		return;
	}
	log_info("%s: %s: forwarded by ~/.forward to %zu local address%s%s",
	    j->d.qid, cur_user(j), n, n == 1 ? "" : "es",
	    self ? " and the mailbox" : "");
	fwd->self = self;
	for (i = 0; i < n; i++)
		forward_lookup(j, fwd, local[i]);
}

/* The runner is there: the :include: file, please. */
void
include_ask(struct job *j)
{
	ipc_request(j->writer, IPC_INCLUDE_READ, NULL, -1);
}

/* Ask lookup whom an address of an :include: file reaches. */
static void
include_lookup(struct job *j, struct wl_node *inc, const char *local)
{
	ask_lookup(j, wl_add(&j->wl, inc, WL_ADDRESS, local), IPC_EXPAND,
	    local);
}

/* lookup's answer for one address (a) of an :include: file. */
void
include_expanded(struct job *j, struct wl_node *a, uint32_t type,
    const union ipc_msg *msg)
{
	const struct msg_expand_ok	*x;
	const struct msg_error		*e;
	uint32_t			 i;

	a->state = WL_DONE;
	if (type == IPC_EXPAND_OK) {		/* msg NULL: lookup died */
		x = &msg->expand_ok;
		/* A member like any recipient: its .forward counts. */
		for (i = 0; i < x->n; i++)
			add_job_user(j, a, x->users[i], x->ext[i],
			    ":include: expands too far");
		add_alias_targets(j, x, a);
		add_failed_members(j, x);
	} else if (type == IPC_ERROR) {
		e = &msg->error;
		log_warnx("%s: :include: address: %s", j->d.qid, e->text);
		job_fail(j, e->dsn, e->text);
	} else
		job_fail(j, "4.3.0", "lookup unavailable");
	if (wl_waiting(&j->wl) == NULL)
		next_target(j);
}

/*
 * A remote address of an :include: file goes out as an alias's or a
 * .forward's does: with the result, for queue to add as a recipient.
 */
static void
include_remote(struct job *j, const struct msg_runner_open *t,
    const char *addr)
{
	struct msg_failed	 f;
	const char		*why = NULL;

	if (!forward_remote_ok(j, addr))
		why = "remote address in an :include: file, and no route "
		    "sends mail off this host";
	else if (j->nremote >= IPC_REMOTE_MAX)
		why = "more remote addresses than one result carries";
	if (why != NULL) {
		log_info("%s: :include: file %s: <%s>: %s", j->d.qid, t->value,
		    addr, why);
		/* that member bounces alone, as an alias's, if queue's
		   rule for a failed member takes it */
		memset(&f, 0, sizeof(f));
		if (j->nfailed < IPC_FAILED_MAX &&
		    strlcpy(f.addr, addr, sizeof(f.addr)) < sizeof(f.addr)) {
			xstrlcpy(f.dsn, "5.3.0", sizeof(f.dsn));
			xstrlcpy(f.text, why, sizeof(f.text));
		}
		if (f.dsn[0] != '\0' && ipc_check_failed(1, &f) == NULL)
			j->failed[j->nfailed++] = f;
		else
			job_fail(j, "5.3.0", why);
		return;
	}
	xstrlcpy(j->remote[j->nremote++], addr, IPC_ADDR_MAX);
	log_info("%s: :include: file %s: forwarded to remote address <%s>",
	    j->d.qid, t->value, addr);
}

/*
 * The runner read an :include: file (as the alias file's owner): its
 * local addresses go to lookup and become recipients, remote ones go
 * back to queue with the result (as an alias's); its commands, files and
 * nested :include: files become targets that carry the chain of files
 * that led to them, for master and the runner to check.
 */
void
on_include(struct job *j, const struct msg_forward_data *fd)
{
	static struct forward		 f;
	struct wl_node			*inc = j->wl.cur;
	const struct msg_runner_open	*t = inc->t;
	const struct forward_entry	*e;
	char				 err[512], local[IPC_ADDR_MAX];
	const char			*at;
	size_t				 i, k, n;

	writer_release(j, 0);
	if (fd->status != FORWARD_FOUND) {
		snprintf(err, sizeof(err), ":include: file %.200s %.200s",
		    t->value, fd->status == FORWARD_NONE ? "does not exist" :
		    fd->reason);
		log_warnx("%s: %s", j->d.qid, err);
		job_fail(j, "4.3.0", err);
		next_target(j);
		return;
	}
	if (forward_parse(&f, fd->text, strlen(fd->text), err, sizeof(err))
	    == -1) {
		log_warnx("%s: :include: file %s: %s", j->d.qid, t->value,
		    err);
		job_fail(j, "4.3.0", err);
		next_target(j);
		return;
	}
	if (f.n > 0 && t->depth == IPC_INCLUDE_DEPTH) {
		job_fail(j, "5.4.6", ":include: files nested too deeply");
		next_target(j);
		return;
	}
	for (i = 0; i < f.n; i++) {
		e = &f.v[i];
		if (e->kind != FWD_ADDRESS && e->kind != FWD_SELF) {
			(void)add_target(j, inc, RUNNER_ALIAS, e->kind ==
			    FWD_COMMAND ? RUNNER_COMMAND : e->kind == FWD_FILE ?
			    RUNNER_FILE : RUNNER_INCLUDE, t->map, t->name, "",
			    e->value, t);
			continue;
		}
		at = strrchr(e->value, '@');
		if (at != NULL && !resolve_is_local_domain(at + 1,
		    &j->lo->we.cf)) {
			include_remote(j, t, e->value);
			continue;
		}
		n = at ? (size_t)(at - e->value) : strlen(e->value);
		if (n == 0 || n >= sizeof(local)) {
			job_fail(j, "5.3.0", ":include: file names an empty "
			    "or overlong address");
			continue;
		}
		for (k = 0; k < n; k++)
			local[k] = tolower((unsigned char)e->value[k]);
		local[n] = '\0';
		if (j->lo->lookup == NULL) {
			job_fail(j, "4.3.0", "lookup unavailable");
			continue;
		}
		include_lookup(j, inc, local);
	}
	log_info("%s: :include: file %s: %zu target%s", j->d.qid, t->value,
	    f.n, f.n == 1 ? "" : "s");
	if (wl_waiting(&j->wl) == NULL)
		next_target(j);
}
