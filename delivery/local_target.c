/*
 * local_target.c: the |command, /file and :include: targets of a job
 * (of an alias, a ~/.forward or an :include: file), delivered after the
 * mailboxes, each by a runner master forks for that source (see
 * runner.c); /dev/null is delivered with nothing written.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "delivery/dupfilter.h"
#include "delivery/local.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"

/*
 * /dev/null as a file target is delivered with nothing written, as in
 * Postfix (no runner, no lock), when mail to files is allowed for its
 * source.  1 if t was that.
 */
static int
dev_null(struct job *j, const struct msg_runner_open *t)
{
	const struct bh_strlist	*allow = &j->lo->we.cf.allow_mail_to_files;
	const char		*src;
	size_t			 i;

	if (t->kind != RUNNER_FILE || strcmp(t->value, "/dev/null") != 0)
		return 0;
	src = t->source == RUNNER_FORWARD ? "forward" : t->depth > 0 ?
	    "include" : "alias";
	for (i = 0; i < allow->n; i++)
		if (strcasecmp(allow->v[i], src) == 0) {
			log_info("%s: /dev/null of %s: delivered, nothing "
			    "written", j->d.qid, t->name);
			j->nrun++;
			return 1;
		}
	log_warnx("%s: file /dev/null of %s: mail to file is restricted",
	    j->d.qid, t->name);
	job_fail(j, "5.7.1", "mail to file is restricted");
	return 1;
}

/*
 * The same command or file, run as the same account, for another
 * recipient of this message (a user reached directly and through an
 * alias): it runs once per message, as a mailbox gets one copy.  1 if
 * another recipient holds it (then this one has it too).
 */
static int
target_claimed_elsewhere(struct job *j, const struct msg_runner_open *t)
{
	char		key[DUP_KEY_MAX];
	uint32_t	holder;

	if (t->kind == RUNNER_INCLUDE)
		return 0;	/* its addresses are claimed one by one */
	dup_target_key(t, key, sizeof(key));
	if (dup_claim(j->lo->dups, j->d.qid, key, j->d.rcpt_index, &holder)
	    == 0)
		return 0;
	log_info("%s: %s of %s runs for recipient #%u already: not run "
	    "twice", j->d.qid, t->kind == RUNNER_COMMAND ? "a command" :
	    "a file", t->name, holder);
	j->nrun++;
	return 1;
}

/*
 * Everything went, and nothing was written: every address this one led
 * to was already being delivered in this job.  Never "sent" with no
 * mailbox: such an expansion is a forwarding loop.
 */
static void
nothing_delivered(struct job *j)
{
	/* remote addresses count: queue sends them on (relayhost) */
	if (j->defer || j->bounce || j->nsent + j->nrun + j->nremote > 0)
		return;
	log_warnx("%s: %s: expansion reaches no mailbox, command or file",
	    j->d.qid, j->d.rcpt);
	job_fail(j, "5.4.6", "mail forwarding loop: the expansion reaches no "
	    "mailbox");
}

/* The mailboxes are done: now each command, file and :include: file. */
void
next_target(struct job *j)
{
	const struct msg_runner_open	*t;
	struct wl_node			*n;
	const char			*why;

	/* An :include: file added accounts: their mailboxes first. */
	if ((n = wl_next(&j->wl)) != NULL && n->kind == WL_USER) {
		next_user(j);
		return;
	}
	while ((n = wl_next(&j->wl)) != NULL) {
		wl_take(&j->wl, n);
		t = n->t;
		/* What master would refuse as a violation fails here, for good. */
		if ((why = ipc_check_runner_open(t)) != NULL) {
			log_warnx("%s: to=<%s>: target %s cannot be run: %s",
			    j->d.qid, j->d.rcpt, t->value, why);
			job_fail(j, "5.3.0", "command or file target cannot be run");
		} else if (t->kind != RUNNER_INCLUDE &&
		    member_was_done(j, NULL, t)) {
			log_info("%s: %s%s: delivered by an earlier attempt, "
			    "skipped", j->d.qid,
			    t->kind == RUNNER_COMMAND ? "|" : "", t->value);
			j->nrun++;
		} else if (!dev_null(j, t) && !target_claimed_elsewhere(j, t))
			break;
	}
	if (n == NULL) {
		nothing_delivered(j);
		job_finish(j);
		return;
	}
	j->runner_wait = 1;
	open_request(j);
}

/* master forked a runner for the current target. */
void
runner_answer(struct job *j, const struct ipc_hdr *h, int fd)
{
	const struct msg_runner_open	*t = j->wl.cur->t;
	struct wslot			*ws;

	j->runner_wait = 0;
	if (h->type == IPC_RUNNER_OPEN_OK) {
		ws = xcalloc(1, sizeof(*ws));
		ws->lo = j->lo;
		ws->runner = 1;
		STRLCPY_ARRAY(ws->user, t->name);
		ws->chan = ipc_chan_new(j->lo->we.base, fd, ROLE_LOCAL,
		    ROLE_RUNNER, writer_msg, writer_closed, ws);
		if ((ws->idle_ev = evtimer_new(j->lo->we.base, on_slot_idle,
		    ws)) == NULL)
			fatalx("runner idle timer");
		ws->job = j;
		j->slot = ws;
		j->writer = ws->chan;
		if (t->kind == RUNNER_INCLUDE)
			include_ask(j);
		else
			start_writing(j);
		return;
	}
	fatalx("bad answer from master");
}

/* master did not fork a runner for the current target: why. */
void
runner_refused(struct job *j, const struct msg_error *e)
{
	const struct msg_runner_open	*t = j->wl.cur->t;

	j->runner_wait = 0;
	log_warnx("%s: %s %s%s of %s: %s", j->d.qid, t->kind ==
	    RUNNER_COMMAND ? "command" : "file", t->kind == RUNNER_COMMAND ?
	    "|" : "", t->value, t->name, e->text);
	job_fail(j, e->dsn, e->text);
	next_target(j);
}
