/*
 * bulkctl_queue.c: mailq, the JSON listing, flush, hold, release, delete,
 * requeue and cat, as IPC requests to queue on the control socket (the
 * ADMIN_* rows of the message table; queue/admin.c answers).  The
 * listing layout is Postfix's mailq with its long queue id widths
 * (17/8/19), since bulkhead's ids are 16 characters.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/safeprint.h"
#include "lib/strl.h"
#include "lib/utf8.h"
#include "privsep/codec.h"
#include "privsep/control.h"
#include "privsep/ipc.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"
#include "tools/bulkctl_queue.h"

#define MQ_ID_WIDTH	17
#define MQ_SIZE_WIDTH	8
#define MQ_TIME_WIDTH	19
/* Postfix's L_STRING_FORMAT "%-17s %8s %-19s %s" with empty columns. */
#define RCPT_INDENT	(MQ_ID_WIDTH + 1 + MQ_SIZE_WIDTH + 1 + MQ_TIME_WIDTH + 1)

/*
 * A conversation with queue: one IPC channel (ROLE_CONTROL to ROLE_QUEUE)
 * on the control socket, requests pipelined, answers handled as they
 * come; every wait is at most control_timeout.
 */
struct session {
	const struct bh_config	*cf;
	struct event_base	*base;
	struct ipc_chan		*chan;
	struct event		*timer;
	int			 done;
	int			 rc;		/* 2: no answer, or a bad one */
	int			 bad;		/* queue refused a request */
	long			 total;		/* ADMIN_DONE counts */
	char			*out;		/* the listing, as lines */
	size_t			 len, cap;
	struct safeprint	 text;		/* cat's output, made safe */
};

static const char *queue_names[ADMIN_Q_MAX] = { "active", "deferred", "hold" };

static void
session_stop(struct session *s, int rc)
{
	if (rc > s->rc)
		s->rc = rc;
	s->done = 1;
	event_base_loopbreak(s->base);
}

static void
arm_timer(struct session *s)
{
	struct timeval tv = { s->cf->control_timeout, 0 };

	if (s->cf->control_timeout > 0)
		evtimer_add(s->timer, &tv);
}

static void
on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct session *s = arg;

	fprintf(stderr, "bulkctl: timed out after %lds waiting for the queue "
	    "at %s (control_timeout)\n", s->cf->control_timeout,
	    s->cf->control_socket);
	session_stop(s, 2);
}

/* Append a formatted line to the listing. */
static void __attribute__((format(printf, 2, 3)))
out_add(struct session *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*nb;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->out + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			session_stop(s, 2);
			return;
		}
		if ((size_t)n < s->cap - s->len) {
			s->len += n;
			return;
		}
		if ((nb = realloc(s->out, s->cap * 2 + n + 1)) == NULL) {
			fprintf(stderr, "bulkctl: out of memory\n");
			session_stop(s, 2);
			return;
		}
		s->out = nb;
		s->cap = s->cap * 2 + n + 1;
	}
}

/* The table lets only the notes and replies below come here. */
static void
on_note(struct session *s, const struct ipc_hdr *h, const union ipc_msg *msg)
{
	const struct msg_admin_entry	*e = &msg->admin_entry;

	switch (h->type) {
	case IPC_ADMIN_ENTRY:
		out_add(s, "M\t%s\t%s\t%llu\t%llu\t0\t%s\n",
		    queue_names[e->queue], e->qid,
		    (unsigned long long)e->arrival,
		    (unsigned long long)e->size, e->sender);
		break;
	case IPC_ADMIN_RCPT:
		out_add(s, "R\t%s\t%s\n", msg->admin_rcpt.addr,
		    msg->admin_rcpt.reason);
		break;
	case IPC_ADMIN_TEXT:
		/* Queued bytes: no escape sequence reaches the terminal. */
		safeprint_chunk(&s->text, stdout, msg->admin_text.data,
		    msg->admin_text.len);
		break;
	}
}

static void
on_reply(struct session *s, const struct ipc_hdr *h, const union ipc_msg *msg)
{
	switch (h->type) {
	case IPC_ADMIN_DONE:
		s->total += msg->admin_done.n;
		break;
	case IPC_ERROR:
		fprintf(stderr, "bulkctl: %s\n", msg->error.text);
		s->bad = 1;
		break;
	}
}

static void
session_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct session	*s = arg;
	int		 reply = ipc_type_info(h->type)->kind == IPC_REPLY;

	if (fd != -1)
		close(fd);
	arm_timer(s);
	if (reply)
		on_reply(s, h, msg);
	else
		on_note(s, h, msg);
	if (reply && ipc_chan_npending(c) == 0)
		session_stop(s, 0);
}

static void
session_closed(struct ipc_chan *c, const char *why, int violation,
    void *arg)
{
	struct session *s = arg;

	if (s->done)
		return;
	fprintf(stderr, "bulkctl: %s from the queue at %s: %s\n",
	    violation ? "a bad answer" : "no answer", s->cf->control_socket,
	    why);
	session_stop(s, 2);
}

static int
session_open(struct session *s, const struct bh_config *cf)
{
	int fd;

	memset(s, 0, sizeof(*s));
	s->cf = cf;
	if ((fd = control_connect(cf->control_socket)) == -1) {
		fprintf(stderr, "bulkctl: cannot reach the queue at %s: %s "
		    "(is bulkhead running?)\n", cf->control_socket,
		    strerror(errno));
		return -1;
	}
	if ((s->base = event_base_new()) == NULL ||
	    (s->timer = evtimer_new(s->base, on_timeout, s)) == NULL ||
	    (s->out = malloc(s->cap = 4096)) == NULL) {
		fprintf(stderr, "bulkctl: out of memory\n");
		close(fd);
		return -1;
	}
	s->out[0] = '\0';
	ipc_codecs_use(ipc_codecs_all);
	s->chan = ipc_chan_new(s->base, fd, ROLE_CONTROL, ROLE_QUEUE,
	    session_msg, session_closed, s);
	return 0;
}

/* Wait for every answer; 0, or 2 when queue did not (properly) answer. */
static int
session_run(struct session *s)
{
	if (ipc_chan_npending(s->chan) > 0 && !s->done) {
		arm_timer(s);
		event_base_dispatch(s->base);
	}
	s->done = 1;
	safeprint_end(&s->text, stdout);
	return s->rc;
}

static void
session_close(struct session *s)
{
	if (s->chan != NULL)
		ipc_chan_free(s->chan);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->base != NULL)
		event_base_free(s->base);
	free(s->out);
}

static int
parse_msg(char *line, struct ql_msg *m)
{
	char	*f[6] = { NULL };	/* gcc's analyser loses the loop */
	int	 i;

	for (i = 0; i < 6; i++)
		if ((f[i] = strsep(&line, "\t")) == NULL)
			return -1;
	if (line == NULL)
		return -1;
	if (strlcpy(m->queue, f[1], sizeof(m->queue)) >= sizeof(m->queue) ||
	    strlcpy(m->id, f[2], sizeof(m->id)) >= sizeof(m->id) ||
	    strlcpy(m->sender, line, sizeof(m->sender)) >= sizeof(m->sender))
		return -1;
	m->arrival = strtoll(f[3], NULL, 10);
	m->size = strtoll(f[4], NULL, 10);
	return 0;
}

/*
 * A JSON string.  Well-formed UTF-8 passes as it is; any other octet
 * >= 0x80 (a sender from a file or an agent's reason need not be UTF-8)
 * is written as \u0080-\u00ff, the character of the same value, so that
 * the line stays valid JSON.
 */
static void
json_str(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), n;

	putchar('"');
	while (len > 0) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else if (*p < 0x80)
			putchar(*p);
		else if ((n = utf8_seqlen(p, len)) > 0) {
			fwrite(p, 1, n, stdout);
			p += n;
			len -= n;
			continue;
		} else
			printf("\\u%04x", *p);
		p++;
		len--;
	}
	putchar('"');
}

/* The recipient part of an "R" line: address and reason. */
static void
split_rcpt(char *line, char **addr, char **reason)
{
	*addr = line + 2;
	if ((*reason = strchr(*addr, '\t')) != NULL)
		*(*reason)++ = '\0';
	else
		*reason = "";
}

static int
print_json(char *out)
{
	struct ql_msg	 m;
	char		*line, *addr, *reason;
	int		 open = 0, nr = 0;

	while ((line = strsep(&out, "\n")) != NULL) {
		if (line[0] == 'M' && parse_msg(line, &m) == 0) {
			if (open)
				printf("]}\n");
			printf("{\"queue_name\": ");
			json_str(m.queue);
			printf(", \"queue_id\": ");
			json_str(m.id);
			printf(", \"arrival_time\": %lld, \"message_size\": "
			    "%lld, \"forced_expire\": false, \"sender\": ",
			    m.arrival, m.size);
			json_str(m.sender);
			printf(", \"recipients\": [");
			open = 1;
			nr = 0;
		} else if (line[0] == 'R' && line[1] == '\t' && open) {
			split_rcpt(line, &addr, &reason);
			printf("%s{\"address\": ", nr++ ? ", " : "");
			json_str(addr);
			if (reason[0] != '\0') {
				printf(", \"delay_reason\": ");
				json_str(reason);
			}
			printf("}");
		}
	}
	if (open)
		printf("]}\n");
	return 0;
}

static int
print_mailq(char *out)
{
	struct ql_msg	 m;
	char		*line, *addr, *reason, idst[80], when[32], last[1024];
	char		 safe[4 * 1024];
	long long	 bytes = 0;
	int		 n = 0, deferred = 0;
	time_t		 t;

	while ((line = strsep(&out, "\n")) != NULL) {
		if (line[0] == 'M' && parse_msg(line, &m) == 0) {
			if (n++ == 0)
				printf("%-*s %*s %-*s %s\n", MQ_ID_WIDTH,
				    "----Queue ID-----", MQ_SIZE_WIDTH,
				    "--Size--", MQ_TIME_WIDTH,
				    "---Arrival Time----",
				    "--Sender/Recipient------");
			else
				printf("\n");
			/*
			 * The id and its status (* active, ! hold, else a
			 * blank) in the first column, as Postfix's
			 * L_SENDER_FORMAT "%-17s %8ld %19.19s %s".
			 */
			snprintf(idst, sizeof(idst), "%s%c", m.id,
			    strcmp(m.queue, "active") == 0 ? '*' :
			    strcmp(m.queue, "hold") == 0 ? '!' : ' ');
			t = (time_t)m.arrival;
			strlcpy_text(when, asctime(localtime(&t)), sizeof(when));
			printf("%-*s %*lld %.*s %s\n", MQ_ID_WIDTH, idst,
			    MQ_SIZE_WIDTH, m.size, MQ_TIME_WIDTH, when,
			    m.sender[0] ? safeprint_str(m.sender, safe,
			    sizeof(safe)) : "MAILER-DAEMON");
			bytes += m.size;
			deferred = strcmp(m.queue, "deferred") == 0;
			last[0] = '\1';
			last[1] = '\0';
		} else if (line[0] == 'R' && line[1] == '\t' && n > 0) {
			split_rcpt(line, &addr, &reason);
			/* A reason line before each change of reason. */
			if (deferred && strcmp(reason, last) != 0) {
				char r[1100];

				snprintf(r, sizeof(r), "(%s)", reason[0] ?
				    safeprint_str(reason, safe, sizeof(safe)) :
				    "reason unavailable");
				printf("%78s\n", r);
				strlcpy_text(last, reason, sizeof(last));
			}
			printf("%*s%s\n", RCPT_INDENT, "",
			    safeprint_str(addr, safe, sizeof(safe)));
		}
	}
	if (n == 0) {
		printf("Mail queue is empty\n");
		return 0;
	}
	printf("\n-- %lld Kbytes in %d Request%s.\n", bytes / 1024, n,
	    n == 1 ? "" : "s");
	return 0;
}

int
bulkctl_mailq(const struct bh_config *cf, int json)
{
	struct session	s;
	int		rc;

	if (session_open(&s, cf) == -1)
		return 2;
	ipc_request(s.chan, IPC_ADMIN_LIST, NULL, -1);
	if ((rc = session_run(&s)) == 0)
		rc = json ? print_json(s.out) : print_mailq(s.out);
	session_close(&s);
	return rc;
}

/* The summary of a change: "bulkctl: Deleted: 2 messages". */
static void
report(const char *op, long total)
{
	fprintf(stderr, "bulkctl: %s%s: %ld message%s\n",
	    (char[]){ (char)toupper((unsigned char)op[0]), '\0' }, op + 1,
	    total, total == 1 ? "" : "s");
}

int
bulkctl_flush(const struct bh_config *cf)
{
	struct session	s;
	int		rc;

	if (session_open(&s, cf) == -1)
		return 2;
	ipc_request(s.chan, IPC_ADMIN_FLUSH, NULL, -1);
	if ((rc = session_run(&s)) == 0) {
		report("flushed", s.total);
		rc = s.bad;
	}
	session_close(&s);
	return rc;
}

struct idlist {
	char	**id;
	size_t	  n, cap;
};

static int
add_id(struct idlist *l, const char *id)
{
	char **nv;

	if (l->n == l->cap) {
		if ((nv = reallocarray(l->id, l->cap ? l->cap * 2 : 16,
		    sizeof(*nv))) == NULL)
			return -1;
		l->id = nv;
		l->cap = l->cap ? l->cap * 2 : 16;
	}
	if ((l->id[l->n] = strdup(id)) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Ids as postsuper -d - reads them: one or more per line, blank-separated. */
static int
ids_from_stdin(struct idlist *l)
{
	char	 line[4096], *p, *id;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		p = line;
		while ((id = strsep(&p, " \t\r\n")) != NULL)
			if (*id != '\0' && add_id(l, id) == -1)
				return -1;
	}
	return 0;
}

static void
idlist_free(struct idlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->id[i]);
	free(l->id);
}

/*
 * One request per id.  An id queue's decoder would refuse is refused
 * here, as queue used to answer it, and never sent.
 */
static void
send_change(struct session *s, const char *op, const char *id)
{
	static const char	*ops[ADMIN_OP_MAX] = {
		"hold", "release", "delete", "requeue"
	};
	uint8_t			 buf[IPC_QID_MAX + 16];
	struct wbuf		 wb;
	struct msg_admin_change	 ch;
	struct msg_qid		 q;
	uint32_t		 i;

	wb_init(&wb, buf, sizeof(buf));
	if (strcmp(op, "cat") == 0) {
		if (strlcpy(q.qid, id, sizeof(q.qid)) >= sizeof(q.qid) ||
		    ipc_check_qid(&q) != NULL) {
			if (strcmp(id, ADMIN_ALL) == 0)
				fprintf(stderr, "bulkctl: %s: no such "
				    "message\n", id);
			else
				fprintf(stderr, "bulkctl: bad request\n");
			s->bad = 1;
			return;
		}
		enc_qid(&wb, &q);
		ipc_request(s->chan, IPC_ADMIN_CAT, &wb, -1);
		return;
	}
	for (i = 0; i < ADMIN_OP_MAX && strcmp(op, ops[i]) != 0; i++)
		;
	ch.op = i;
	if (strlcpy(ch.id, id, sizeof(ch.id)) >= sizeof(ch.id) ||
	    ipc_check_admin_change(&ch) != NULL) {
		fprintf(stderr, "bulkctl: %s\n", i == ADMIN_OP_MAX ?
		    "unknown command" : "bad request");
		s->bad = 1;
		return;
	}
	enc_admin_change(&wb, &ch);
	ipc_request(s->chan, IPC_ADMIN_CHANGE, &wb, -1);
}

int
bulkctl_change(const struct bh_config *cf, const char *op, int argc,
    char **argv)
{
	struct idlist	 ids = { NULL, 0, 0 };
	struct session	 s;
	size_t		 n;
	int		 i, rc;

	for (i = 0; i < argc; i++)
		if ((strcmp(argv[i], "-") == 0 ? ids_from_stdin(&ids) :
		    add_id(&ids, argv[i])) == -1) {
			idlist_free(&ids);
			fprintf(stderr, "bulkctl: out of memory\n");
			return 2;
		}
	if (ids.n == 0) {
		idlist_free(&ids);
		return 0;
	}
	if (session_open(&s, cf) == -1) {
		idlist_free(&ids);
		return 2;
	}
	for (n = 0; n < ids.n; n++)
		send_change(&s, op, ids.id[n]);
	idlist_free(&ids);
	if ((rc = session_run(&s)) == 0) {
		if (strcmp(op, "cat") != 0)
			report(strcmp(op, "delete") == 0 ? "deleted" :
			    strcmp(op, "hold") == 0 ? "placed on hold" :
			    strcmp(op, "release") == 0 ? "released from hold" :
			    "requeued", s.total);
		rc = s.bad;
	}
	session_close(&s);
	return rc;
}
