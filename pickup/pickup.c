/*
 * pickup.c: the pickup compartment.  It runs as pickup_user, chrooted
 * (or jailed) in the drop directory $queue_directory/maildrop, without
 * network, and turns each complete drop file that bulkdrop(8) left
 * there into a queued message, one file at a time:
 *
 *   scan		the directory (at start, on inotify, every 60 s)
 *   file_open	open without following links, check owner and mode,
 *			parse the envelope (dropfile.c) as hostile input
 *   UID_QUERY	lookup names the file's owner uid: the sender
 *   MSG_CREATE	queue's new file, as smtpd gets it
 *   (write)	Received:, the missing headers, the message
 *   MSG_RCPT ...	every recipient
 *   MSG_COMMIT	queue has it on disk: only then is the drop file removed
 *			(with MSG_FLAG_HOPS when its header reached
 *			hopcount_limit: queue bounces it, as Postfix does)
 *
 * A file that is not a good drop file is moved to corrupt/ with a log
 * line, never removed.  A temporary failure leaves the file for the
 * next scan.  pickup killed at any point loses nothing: queue drops
 * what was not committed, and the file is still there.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/fdio.h"
#include "lib/hopcount.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "pickup/dropfile.h"
#include "pickup/pickup.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"

#define PICKUP_WAKEUP	60		/* s: Postfix's pickup wakeup */
#define STALE_AGE	86400		/* s: an unfinished file is left */
#define UNKNOWN_UID_AGE	3600		/* s: an owner lookup does not know */
#define HEAD_MAX	(DROP_ENVELOPE_MAX + 65536)
#define SKIP_MAX	64

enum job_state { J_IDLE, J_UID, J_CREATE, J_RCPT, J_COMMIT };

struct job {
	enum job_state	 state;
	char		 name[DROP_NAME_LEN + 1];
	int		 fd;		/* the drop file */
	struct stat	 st;
	struct drop_env	 env;
	unsigned	 have;		/* DROP_HAVE_* */
	size_t		 hops;		/* Received: fields, ours included */
	char		 login[IPC_USER_MAX + 1];
	char		 sender[IPC_ADDR_MAX];
	char		 qid[IPC_QID_MAX];
	uint32_t	 req;		/* the request awaited (RCPT: the
					   first of them) */
	uint32_t	 req_last;	/* RCPT: the last */
	size_t		 rcpt_wait;	/* RCPT replies still due */
	uint64_t	 size;
};

struct pickup {
	struct worker_env	 we;
	struct ipc_chan		*queue;
	struct ipc_chan		*lookup;
	struct event		*timer;
	struct event		*notify;
	int			 inotify_fd;
	int			 rescan;
	int			 hold_off;	/* a temporary failure: wait
						   for the timer */
	/* files that wait for the timer on their own (an owner lookup
	   does not know yet), so that they hold up no other */
	char			 skip[SKIP_MAX][DROP_NAME_LEN + 1];
	size_t			 nskip;
	struct job		 job;
};

static void	scan(struct pickup *);

/* ---- the file in hand ---- */

static void
job_end(struct pickup *p)
{
	struct job *j = &p->job;

	if (j->fd != -1)
		close(j->fd);
	drop_env_free(&j->env);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->state = J_IDLE;
}

/* Not a good drop file: into corrupt/, never deleted. */
static void
move_aside(const char *name, uid_t uid, const char *why)
{
	char	to[NAME_MAX + 16];

	snprintf(to, sizeof(to), "corrupt/%s", name);
	if (rename(name, to) == -1)
		log_warn("%s: uid=%u: malformed drop file (%s), and cannot "
		    "move it to maildrop/corrupt", name, (unsigned)uid, why);
	else
		log_warnx("%s: uid=%u: malformed drop file moved to "
		    "maildrop/corrupt: %s", name, (unsigned)uid, why);
}

/* The file in hand is bad: aside with it.  The caller looks on. */
static void
job_fail(struct pickup *p, const char *why)
{
	move_aside(p->job.name, p->job.st.st_uid, why);
	job_end(p);
}

/* A temporary failure: the file stays for the next timer scan. */
static void
job_defer(struct pickup *p, const char *why)
{
	log_warnx("%s: uid=%u: %s; will try again", p->job.name,
	    (unsigned)p->job.st.st_uid, why);
	if (p->job.qid[0] != '\0' && p->queue != NULL) {
		struct msg_qid	 q;
		uint8_t		 buf[64];
		struct wbuf	 wb;

		STRLCPY_ARRAY(q.qid, p->job.qid);
		wb_init(&wb, buf, sizeof(buf));
		enc_qid(&wb, &q);
		ipc_request(p->queue, IPC_MSG_ABORT, &wb, -1);
	}
	job_end(p);
	p->hold_off = 1;
}

/*
 * Open name and check it as bulkdrop leaves a complete file: a regular
 * file, one link, mode 0744.  1: a job started; 0: nothing to do now.
 */
static int
file_open(struct pickup *p, const char *name)
{
	struct job	*j = &p->job;
	struct stat	 st;
	char		*head, err[256];
	size_t		 max;

	j->fd = open(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	xstrlcpy(j->name, name, sizeof(j->name));
	if (j->fd == -1) {
		if (lstat(name, &st) == -1)
			return 0;			/* gone */
		j->st = st;
		if (S_ISLNK(st.st_mode))
			job_fail(p, "a symbolic link");
		else if (S_ISREG(st.st_mode) &&
		    (st.st_mode & 07777) == 0600 &&
		    st.st_mtime + STALE_AGE < time(NULL))
			job_fail(p, "left unfinished by bulkdrop");
		else if (!S_ISREG(st.st_mode))
			job_fail(p, "not a regular file");
		else
			job_end(p);	/* 0600: bulkdrop is writing it */
		return 0;
	}
	if (fstat(j->fd, &j->st) == -1) {
		job_end(p);
		return 0;
	}
	if (!S_ISREG(j->st.st_mode) || j->st.st_nlink != 1 ||
	    (j->st.st_mode & 07777) != 0744) {
		job_fail(p, "not a regular file of mode 0744 with one link");
		return 0;
	}
	if ((unsigned long long)j->st.st_size >
	    (unsigned long long)p->we.cf.message_size_limit +
	    DROP_ENVELOPE_MAX) {
		job_fail(p, "larger than message_size_limit");
		return 0;
	}
	max = (size_t)j->st.st_size < HEAD_MAX ? (size_t)j->st.st_size :
	    HEAD_MAX;
	head = xmalloc(max + 1);
	if (pread(j->fd, head, max, 0) != (ssize_t)max) {
		free(head);
		job_defer(p, "cannot read the drop file");
		return 0;
	}
	if (drop_parse_env(head, max, &j->env, err, sizeof(err)) == -1) {
		free(head);
		job_fail(p, err);
		return 0;
	}
	/* the message itself within message_size_limit (pickup's
	   RLIMIT_FSIZE is that plus the headers it adds) */
	if ((unsigned long long)j->st.st_size - j->env.env_len >
	    (unsigned long long)p->we.cf.message_size_limit) {
		free(head);
		job_fail(p, "the message is larger than message_size_limit");
		return 0;
	}
	j->have = drop_scan_headers(head + j->env.env_len,
	    max - j->env.env_len);
	j->hops = 1 + hop_count(head + j->env.env_len, max - j->env.env_len);
	free(head);
	return 1;
}

/* ---- asking lookup, then queue ---- */

static void
ask_uid(struct pickup *p)
{
	struct msg_uid	 m = { (uint32_t)p->job.st.st_uid };
	uint8_t		 buf[16];
	struct wbuf	 wb;

	wb_init(&wb, buf, sizeof(buf));
	enc_uid(&wb, &m);
	p->job.state = J_UID;
	p->job.req = ipc_request(p->lookup, IPC_UID_QUERY, &wb, -1);
}

static int
trusted(const struct pickup *p)
{
	size_t	i;

	if (p->job.st.st_uid == 0)
		return 1;
	for (i = 0; i < p->we.cf.trusted_users.n; i++)
		if (strcmp(p->we.cf.trusted_users.v[i], p->job.login) == 0)
			return 1;
	return 0;
}

/* An address without a domain gets @myhostname (Postfix: myorigin). */
static void
qualify(const struct pickup *p, const char *a, char *out, size_t len)
{
	if (a[0] == '\0' || strchr(a, '@') != NULL)
		snprintf(out, len, "%s", a);
	else
		snprintf(out, len, "%s@%s", a, p->we.cf.myhostname);
}

static void
on_login(struct pickup *p, const struct msg_login *m)
{
	struct job	*j = &p->job;
	char		 own[IPC_ADDR_MAX];

	STRLCPY_ARRAY(j->login, m->name);
	qualify(p, j->login, own, sizeof(own));
	if (j->env.have_sender && trusted(p))
		qualify(p, j->env.sender, j->sender, sizeof(j->sender));
	else {
		if (j->env.have_sender && strcmp(j->env.sender, own) != 0 &&
		    strcmp(j->env.sender, j->login) != 0)
			log_warnx("%s: uid=%u (%s) may not set the sender "
			    "<%s> (-f; not in trusted_users): sender is <%s>",
			    j->name, (unsigned)j->st.st_uid, j->login,
			    j->env.sender, own);
		STRLCPY_ARRAY(j->sender, own);
	}
	j->state = J_CREATE;
	j->req = ipc_request(p->queue, IPC_MSG_CREATE, NULL, -1);
}

/* Our header lines, then the message from the drop file, into qfd. */
static int
write_message(struct pickup *p, int qfd)
{
	struct job		*j = &p->job;
	struct pickup_hdr_in	 in;
	char			 buf[65536], from[IPC_ADDR_MAX];
	size_t			 n;
	ssize_t			 r;
	off_t			 off;

	qualify(p, j->login, from, sizeof(from));
	in.myhostname = p->we.cf.myhostname;
	in.mail_name = p->we.cf.mail_name;
	in.qid = j->qid;
	in.uid = j->st.st_uid;
	in.from = j->sender[0] != '\0' ? j->sender : from;
	in.fullname = j->env.fullname;
	in.have = j->have;
	in.now = time(NULL);
	if ((n = pickup_headers(&in, buf, sizeof(buf))) == 0 ||
	    fd_write_all(qfd, buf, n) == -1)
		return -1;
	j->size = n;
	for (off = (off_t)j->env.env_len; off < j->st.st_size; off += r) {
		if ((r = pread(j->fd, buf, sizeof(buf), off)) <= 0)
			return -1;
		if (fd_write_all(qfd, buf, (size_t)r) == -1)
			return -1;
		j->size += (uint64_t)r;
	}
	return 0;
}

static void
send_rcpts(struct pickup *p)
{
	struct job	*j = &p->job;
	struct msg_rcpt	 m;
	uint8_t		 buf[2 * IPC_ADDR_MAX + 64];
	struct wbuf	 wb;
	size_t		 i;

	j->state = J_RCPT;
	j->rcpt_wait = j->env.nrcpt;
	for (i = 0; i < j->env.nrcpt; i++) {
		memset(&m, 0, sizeof(m));
		STRLCPY_ARRAY(m.qid, j->qid);
		qualify(p, j->env.rcpt[i], m.addr, sizeof(m.addr));
		m.notify = j->env.notify;
		wb_init(&wb, buf, sizeof(buf));
		enc_rcpt(&wb, &m);
		j->req_last = ipc_request(p->queue, IPC_MSG_RCPT, &wb, -1);
		if (i == 0)
			j->req = j->req_last;
	}
}

static void
on_created(struct pickup *p, const struct msg_qid *m, int qfd)
{
	struct job *j = &p->job;

	STRLCPY_ARRAY(j->qid, m->qid);
	if (qfd == -1 || write_message(p, qfd) == -1) {
		if (qfd != -1)
			close(qfd);
		job_defer(p, "cannot write the queue file");
		return;
	}
	close(qfd);
	send_rcpts(p);
}

static void
send_commit(struct pickup *p)
{
	struct job		*j = &p->job;
	static struct msg_commit m;
	uint8_t			 buf[IPC_PAYLOAD_MAX];
	struct wbuf		 wb;

	memset(&m, 0, sizeof(m));
	STRLCPY_ARRAY(m.qid, j->qid);
	STRLCPY_ARRAY(m.sender, j->sender);
	m.size = j->size;
	m.ret = j->env.ret;
	STRLCPY_ARRAY(m.envid, j->env.envid);
	m.flags = j->env.body8 ? MSG_FLAG_8BITMIME : 0;
	if (j->hops >= (size_t)p->we.cf.hopcount_limit) {
		/* Postfix's cleanup bounces it: queue does, with 5.4.0 */
		log_warnx("%s: message rejected: hopcount exceeded (%zu "
		    "Received: header fields): it is bounced", j->qid,
		    j->hops);
		m.flags |= MSG_FLAG_HOPS;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_commit(&wb, &m);
	j->state = J_COMMIT;
	j->req = ipc_request(p->queue, IPC_MSG_COMMIT, &wb, -1);
}

/* queue has the message on disk: now the drop file may go. */
static void
on_committed(struct pickup *p)
{
	struct job *j = &p->job;

	log_info("%s: uid=%u from=<%s> (drop file %s)", j->qid,
	    (unsigned)j->st.st_uid, j->sender, j->name);
	if (unlink(j->name) == -1)
		log_warn("%s: cannot remove the drop file %s", j->qid,
		    j->name);
	job_end(p);
	scan(p);
}

/* ---- channels ---- */

/* A reply to the job in hand (not to an aborted job's request). */
static int
awaited(const struct job *j, uint32_t id)
{
	switch (j->state) {
	case J_CREATE:
	case J_COMMIT:
		return id == j->req;
	case J_RCPT:
		return id - j->req <= j->req_last - j->req;
	default:
		return 0;
	}
}

static void
queue_msg(struct pickup *p, const struct ipc_hdr *h, const union ipc_msg *m,
    int fd)
{
	struct job *j = &p->job;

	if (!awaited(j, h->id)) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (h->type == IPC_ERROR) {
		if (fd != -1)
			close(fd);
		job_defer(p, m->error.text);
	} else if (j->state == J_CREATE)
		on_created(p, &m->qid, fd);
	else if (j->state == J_RCPT) {
		if (--j->rcpt_wait == 0)
			send_commit(p);
	} else
		on_committed(p);
}

static void
peer_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *m, int fd, void *arg)
{
	struct pickup *p = arg;

	if (c == p->queue) {
		queue_msg(p, h, m, fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if (c != p->lookup || p->job.state != J_UID || h->id != p->job.req)
		return;		/* an old lookup's answer to a dropped job */
	if (h->type == IPC_UID_REPLY && m->login.uid != p->job.st.st_uid)
		job_defer(p, "lookup answered for another uid");
	else if (h->type == IPC_UID_REPLY)
		on_login(p, &m->login);
	else if (p->job.st.st_mtime + UNKNOWN_UID_AGE >= time(NULL) &&
	    p->nskip < SKIP_MAX) {
		/* an account made a moment ago: lookup's next snapshot;
		   the other files go on meanwhile */
		log_warnx("%s: uid=%u: its owner's uid has no account (yet); "
		    "will try again", p->job.name, (unsigned)p->job.st.st_uid);
		xstrlcpy(p->skip[p->nskip++], p->job.name,
		    sizeof(p->skip[0]));
		job_end(p);
		scan(p);
	} else {
		job_fail(p, "its owner's uid has no account");
		scan(p);
	}
}

static void
peer_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	struct pickup *p = arg;

	if (violation)
		worker_peer_violation(&p->we, ipc_chan_peer(c), why);
	if (c == p->queue) {
		p->queue = NULL;
		if (p->job.state != J_IDLE) {
			p->job.qid[0] = '\0';	/* queue dropped it */
			job_defer(p, "queue went away");
			p->hold_off = 0;
		}
	} else if (c == p->lookup) {
		p->lookup = NULL;
		if (p->job.state == J_UID)
			job_end(p);
	}
	ipc_chan_free(c);
}

static void
on_peer(struct worker_env *we, enum bh_role peer, int fd)
{
	struct pickup	 *p = we->arg;
	struct ipc_chan	**slot;

	if (peer == ROLE_QUEUE)
		slot = &p->queue;
	else if (peer == ROLE_LOOKUP)
		slot = &p->lookup;
	else {
		close(fd);
		fatalx("master handed pickup a channel to %s",
		    ipc_role_name(peer));
	}
	if (*slot != NULL)
		peer_closed(*slot, "replaced", 0, p);
	*slot = ipc_chan_new(we->base, fd, ROLE_PICKUP, peer, peer_msg,
	    peer_closed, p);
	/* a new lookup (a new passwd snapshot): ask it again */
	if (peer == ROLE_LOOKUP && p->job.state == J_UID)
		ask_uid(p);
	scan(p);
}

/* ---- the directory ---- */

static void
scan(struct pickup *p)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 i;

	if (p->job.state != J_IDLE) {
		p->rescan = 1;
		return;
	}
	if (p->queue == NULL || p->lookup == NULL || p->hold_off)
		return;
	p->rescan = 0;
	if ((d = opendir(".")) == NULL) {
		log_warn("cannot read the drop directory");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "corrupt") == 0)
			continue;
		if (!drop_name_valid(de->d_name)) {
			move_aside(de->d_name, 0, "not a drop file's name");
			continue;
		}
		for (i = 0; i < p->nskip; i++)
			if (strcmp(p->skip[i], de->d_name) == 0)
				break;
		if (i < p->nskip)
			continue;	/* until the timer */
		if (file_open(p, de->d_name)) {
			ask_uid(p);
			break;
		}
		if (p->hold_off)
			break;		/* a temporary failure: later */
	}
	closedir(d);
}

static void
on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct pickup *p = arg;

	p->hold_off = 0;
	p->nskip = 0;
	scan(p);
}

static void
on_inotify(evutil_socket_t fd, short ev, void *arg)
{
	struct pickup	*p = arg;
	char		 buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	scan(p);
}

/* ---- the compartment ---- */

/* Inside the drop directory: corrupt/, the watch, the timer. */
static void
pickup_start(struct worker_env *we)
{
	struct pickup	*p = we->arg;
	struct timeval	 tv = { PICKUP_WAKEUP, 0 };

	if (mkdir("corrupt", 0700) == -1 && errno != EEXIST)
		fatal("mkdir maildrop/corrupt");
	if ((p->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(p->inotify_fd, ".", IN_CLOSE_WRITE | IN_ATTRIB |
	    IN_MOVED_TO) == -1)
		fatal("inotify on the drop directory");
	if ((p->notify = event_new(we->base, p->inotify_fd,
	    EV_READ | EV_PERSIST, on_inotify, p)) == NULL ||
	    event_add(p->notify, NULL) == -1 ||
	    (p->timer = event_new(we->base, -1, EV_PERSIST, on_timer, p))
	    == NULL || event_add(p->timer, &tv) == -1)
		fatalx("pickup events");
}

static void
pickup_ready(struct worker_env *we)
{
	log_info("ready");
	scan(we->arg);
}

int
pickup_main(int argc, char **argv)
{
	static struct pickup		p;
	static const struct worker_role	role = {
		.role = ROLE_PICKUP,
		.start = pickup_start,
		.ready = pickup_ready,
		.on_peer = on_peer,
	};

	p.job.fd = -1;
	p.inotify_fd = -1;
	return worker_main(&role, &p.we, &p, argc, argv);
}
