/*
 * writer.c: the per-recipient writer.  Master forks and execs it for one
 * account, with that account's uid, gid and mailbox path as arguments
 * (master derived them; local only named the user).  It enters its
 * compartment as that user, then serves local's IPC_WRITE_MAIL requests
 * on fd 3 until local closes the channel or it sits idle.  The mailbox
 * is a Maildir (-k maildir, the default) or an mbox file (-k mbox); for
 * an mbox in the mail spool, -G names the spool's group, which the
 * writer keeps as its one supplementary group to create the dotlock.
 *
 * Handlers:
 *   on_write_mail	one message into the mailbox
 *   on_forward_read	read ~/.forward for local, as the user
 *   on_idle		nobody needs us any more
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "delivery/forward_read.h"
#include "delivery/maildir.h"
#include "delivery/mbox.h"
#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

#define WRITER_IDLE	10	/* seconds */

struct writer {
	struct event_base	*base;
	struct ipc_chan		*chan;
	struct event		*idle_ev;
	const char		*mailbox;
	const char		*hostname;
	int			 mbox;		/* -k mbox: an mbox file */
	const char		*home;		/* -H: for ~/.forward */
	struct mbox_locking	 lk;		/* -a -d -s */
};

static void
on_write_mail(struct writer *w, uint32_t id, const struct msg_write_mail *m,
    int fd)
{
	struct maildir_msg	mm;
	char			dsn[IPC_DSN_MAX], why[IPC_TEXT_MAX];
	int			flags;

	/* A non-blocking pipe would fail with EAGAIN whenever local lags. */
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		close(fd);
		ipc_reply_error(w->chan, id, "4.3.0", "bad content pipe");
		return;
	}
	mm.return_path = m->return_path;
	mm.delivered_to = m->delivered_to;
	mm.content_len = m->content_len;
	mm.content_fd = fd;
	mm.qid = m->qid;
	mm.rcpt_index = m->rcpt_index;
	if ((w->mbox ? mbox_deliver(w->mailbox, &w->lk, &mm, dsn, sizeof(dsn), why,
	    sizeof(why)) : maildir_deliver(w->mailbox, w->hostname, &mm, dsn,
	    sizeof(dsn), why, sizeof(why))) == -1)
		ipc_reply_error(w->chan, id, dsn, why);
	else
		ipc_reply(w->chan, IPC_OK, id, NULL, -1);
	close(fd);
}

static void
on_forward_read(struct writer *w, uint32_t id,
    const struct msg_forward_read *req)
{
	static struct msg_forward_data	f;
	static uint8_t			buf[IPC_PAYLOAD_MAX];
	struct wbuf			wb;

	memset(&f, 0, sizeof(f));
	if (w->home == NULL)
		f.status = FORWARD_NONE;
	else
		forward_read(w->home, req->suffix, &f);
	wb_init(&wb, buf, sizeof(buf));
	enc_forward_data(&wb, &f);
	ipc_reply(w->chan, IPC_FORWARD_DATA, id, &wb, -1);
}

static void
chan_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct writer	*w = arg;
	struct timeval	 tv = { WRITER_IDLE, 0 };

	/* The table lets only these two (WRITE_MAIL with its fd) here. */
	if (h->type == IPC_FORWARD_READ)
		on_forward_read(w, h->id, &msg->forward_read);
	else
		on_write_mail(w, h->id, &msg->write_mail, fd);
	evtimer_add(w->idle_ev, &tv);
}

static void
chan_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	ipc_chan_flush(c);
	exit(violation ? 1 : 0);
}

static void
on_idle(evutil_socket_t fd, short ev, void *arg)
{
	exit(0);
}

/* Master's arguments: the account, the mailbox, how to lock it. */
static void
writer_parse(struct worker_env *we, struct sandbox_spec *sb, int argc,
    char **argv)
{
	struct writer	*w = we->arg;
	const char	*errstr = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv, "a:d:s:u:g:G:H:k:m:h:S:")) != -1) {
		switch (ch) {
		case 'u':
			sb->uid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			break;
		case 'g':
			sb->gid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			break;
		case 'G':
			sb->spool_gid = strtonum(optarg, 1, UINT32_MAX - 1,
			    &errstr);
			break;
		case 'H':
			w->home = optarg;
			break;
		case 'a':
			w->lk.attempts = strtonum(optarg, 1, 1000, &errstr);
			break;
		case 'd':
			w->lk.delay = strtonum(optarg, 1, 86400, &errstr);
			break;
		case 's':
			w->lk.stale = strtonum(optarg, 1, INT_MAX, &errstr);
			break;
		case 'k':
			if (strcmp(optarg, "mbox") == 0)
				w->mbox = 1;
			else if (strcmp(optarg, "maildir") != 0)
				fatalx("writer: unknown mailbox kind %s",
				    optarg);
			break;
		case 'm':
			w->mailbox = optarg;
			break;
		case 'h':
			w->hostname = optarg;
			break;
		case 'S':
			seccomp_set_mode(optarg);
			break;
		default:
			fatalx("usage: bulkhead -x writer -u UID -g GID "
			    "[-G SPOOLGID] [-H HOME] [-k maildir|mbox] "
			    "[-a ATTEMPTS -d DELAY -s STALE] -m MAILBOX "
			    "-h HOSTNAME");
		}
		if (errstr != NULL)
			fatalx("bad uid or gid: %s", errstr);
	}
	if (sb->uid == 0 || sb->gid == 0 || w->mailbox == NULL ||
	    w->mailbox[0] != '/' || w->hostname == NULL ||
	    (w->home != NULL && w->home[0] != '/'))
		fatalx("writer: missing or bad arguments");
}

static void
writer_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct writer	*w = we->arg;
	struct timeval	 tv = { WRITER_IDLE, 0 };

	w->base = we->base;
	w->chan = we->local;
	if ((w->idle_ev = evtimer_new(w->base, on_idle, w)) == NULL ||
	    evtimer_add(w->idle_ev, &tv) == -1)
		fatalx("idle timer");
}

int
writer_main(int argc, char **argv)
{
	static struct worker_env	we;
	static struct writer		w;
	static const struct worker_role	role = {
		.role = ROLE_WRITER,
		.parse = writer_parse,
		.prepare = writer_prepare,
		.chan_msg = chan_msg,
		.chan_closed = chan_closed,
		.chan_as = ROLE_WRITER,
	};

	w.lk.attempts = 20;		/* Postfix's defaults, if not given */
	w.lk.delay = 1;
	w.lk.stale = 500;
	return worker_main(&role, &we, &w, argc, argv);
}
