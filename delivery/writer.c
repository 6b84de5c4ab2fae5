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
 *   on_idle		nobody needs us any more
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

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
};

static void
on_write_mail(struct writer *w, uint32_t id, struct rbuf *rb, int fd)
{
	struct msg_write_mail	m;
	struct maildir_msg	mm;
	char			dsn[IPC_DSN_MAX], why[IPC_TEXT_MAX];

	if (dec_write_mail(rb, &m) == -1) {
		close(fd);
		ipc_chan_fail(w->chan, "bad WRITE_MAIL payload");
		return;
	}
	mm.return_path = m.return_path;
	mm.delivered_to = m.delivered_to;
	mm.content_len = m.content_len;
	mm.content_fd = fd;
	if ((w->mbox ? mbox_deliver(w->mailbox, &mm, dsn, sizeof(dsn), why,
	    sizeof(why)) : maildir_deliver(w->mailbox, w->hostname, &mm, dsn,
	    sizeof(dsn), why, sizeof(why))) == -1)
		ipc_reply_error(w->chan, id, dsn, why);
	else
		ipc_reply(w->chan, IPC_OK, id, NULL, -1);
	close(fd);
}

static void
chan_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *rb,
    int fd, void *arg)
{
	struct writer	*w = arg;
	struct timeval	 tv = { WRITER_IDLE, 0 };

	/* The table lets only IPC_WRITE_MAIL (with its fd) reach here. */
	on_write_mail(w, h->id, rb, fd);
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

int
writer_main(int argc, char **argv)
{
	struct writer		 w;
	struct sandbox_spec	 sb;
	struct timeval		 tv = { WRITER_IDLE, 0 };
	const char		*errstr = NULL;
	int			 ch;

	sandbox_close_fds(WORKER_MASTER_FD + 1);
	log_init("writer", 1);
	memset(&w, 0, sizeof(w));
	memset(&sb, 0, sizeof(sb));
	while ((ch = getopt(argc, argv, "u:g:G:k:m:h:S:")) != -1) {
		switch (ch) {
		case 'u':
			sb.uid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			break;
		case 'g':
			sb.gid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			break;
		case 'G':
			sb.spool_gid = strtonum(optarg, 1, UINT32_MAX - 1,
			    &errstr);
			break;
		case 'k':
			if (strcmp(optarg, "mbox") == 0)
				w.mbox = 1;
			else if (strcmp(optarg, "maildir") != 0)
				fatalx("writer: unknown mailbox kind %s",
				    optarg);
			break;
		case 'm':
			w.mailbox = optarg;
			break;
		case 'h':
			w.hostname = optarg;
			break;
		case 'S':
			seccomp_set_mode(optarg);
			break;
		default:
			fatalx("usage: bulkhead -x writer -u UID -g GID "
			    "[-G SPOOLGID] [-k maildir|mbox] -m MAILBOX "
			    "-h HOSTNAME");
		}
		if (errstr != NULL)
			fatalx("bad uid or gid: %s", errstr);
	}
	if (sb.uid == 0 || sb.gid == 0 || w.mailbox == NULL ||
	    w.mailbox[0] != '/' || w.hostname == NULL)
		fatalx("writer: missing or bad arguments");

	if ((w.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	w.chan = ipc_chan_new(w.base, WORKER_MASTER_FD, ROLE_WRITER,
	    ROLE_LOCAL, chan_msg, chan_closed, &w);
	if ((w.idle_ev = evtimer_new(w.base, on_idle, &w)) == NULL ||
	    evtimer_add(w.idle_ev, &tv) == -1)
		fatalx("idle timer");

	sb.role = ROLE_WRITER;
	sb.root = NULL;
	sb.mode = SANDBOX_CHROOT;
	sb.nofile = 32;
	sb.fsize = RLIM_INFINITY;
	sandbox_enter(&sb);
	event_base_dispatch(w.base);
	return 0;
}
