/*
 * bulkctl_queue.c: mailq, the JSON listing, flush, hold, release, delete,
 * requeue and cat.  The listing layout is Postfix's mailq with its long
 * queue id widths (17/8/19), since bulkhead's ids are 16 characters.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/utf8.h"
#include "tools/bulkctl_queue.h"
#include "privsep/control.h"

#define MQ_ID_WIDTH	17
#define MQ_SIZE_WIDTH	8
#define MQ_TIME_WIDTH	19
/* Postfix's L_STRING_FORMAT "%-17s %8s %-19s %s" with empty columns. */
#define RCPT_INDENT	(MQ_ID_WIDTH + 1 + MQ_SIZE_WIDTH + 1 + MQ_TIME_WIDTH + 1)

/* Wait up to control_timeout for fd to be ready; -1 after a message. */
static int
wait_fd(const struct bh_config *cf, int fd, short events)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	long		ms = cf->control_timeout * 1000;
	int		n;

	if (ms <= 0 || ms > INT_MAX)
		ms = INT_MAX;
	while ((n = poll(&pfd, 1, (int)ms)) == -1 && errno == EINTR)
		;
	if (n == 1)
		return 0;
	if (n == 0)
		fprintf(stderr, "bulkctl: timed out after %lds waiting for "
		    "the queue at %s (control_timeout)\n",
		    cf->control_timeout, cf->control_socket);
	else
		fprintf(stderr, "bulkctl: poll: %s\n", strerror(errno));
	return -1;
}

/*
 * Send the request lines, read the whole answer (malloc'd, NUL ended);
 * each step waits at most control_timeout.
 */
static char *
ask(const struct bh_config *cf, const char *req, size_t reqlen, size_t *len)
{
	char	*buf = NULL, *nb;
	size_t	 cap = 0, off = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = control_connect(cf->control_socket)) == -1) {
		fprintf(stderr, "bulkctl: cannot reach the queue at %s: %s "
		    "(is bulkhead running?)\n", cf->control_socket,
		    strerror(errno));
		return NULL;
	}
	while (reqlen > 0) {
		if (wait_fd(cf, fd, POLLOUT) == -1) {
			close(fd);
			return NULL;
		}
		if ((n = write(fd, req, reqlen)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bulkctl: write: %s\n",
			    strerror(errno));
			close(fd);
			return NULL;
		}
		req += n;
		reqlen -= n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		if (off + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "bulkctl: out of memory\n");
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		if (wait_fd(cf, fd, POLLIN) == -1) {
			free(buf);
			close(fd);
			return NULL;
		}
		if ((n = read(fd, buf + off, cap - off - 1)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bulkctl: read: %s\n", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	buf[off] = '\0';
	*len = off;
	return buf;
}

static int
parse_msg(char *line, struct ql_msg *m)
{
	char	*f[6];
	int	 i;

	for (i = 0; i < 6; i++)
		if ((f[i] = strsep(&line, "\t")) == NULL)
			return -1;
	if (line == NULL)
		return -1;
	strlcpy(m->queue, f[1], sizeof(m->queue));
	strlcpy(m->id, f[2], sizeof(m->id));
	m->arrival = strtoll(f[3], NULL, 10);
	m->size = strtoll(f[4], NULL, 10);
	strlcpy(m->sender, line, sizeof(m->sender));
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
			strlcpy(when, asctime(localtime(&t)), sizeof(when));
			printf("%-*s %*lld %.*s %s\n", MQ_ID_WIDTH, idst,
			    MQ_SIZE_WIDTH, m.size, MQ_TIME_WIDTH, when,
			    m.sender[0] ? m.sender : "MAILER-DAEMON");
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
				    reason : "reason unavailable");
				printf("%78s\n", r);
				strlcpy(last, reason, sizeof(last));
			}
			printf("%*s%s\n", RCPT_INDENT, "", addr);
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
	char	*out;
	size_t	 len;
	int	 rc;

	if ((out = ask(cf, "list\n", 5, &len)) == NULL)
		return 2;
	if (strncmp(out, "error ", 6) == 0) {
		fprintf(stderr, "bulkctl: %s", out + 6);
		free(out);
		return 1;
	}
	rc = json ? print_json(out) : print_mailq(out);
	free(out);
	return rc;
}

/* Print what the queue answered; count "ok N" lines.  1 if any error. */
static int
report(const char *op, char *out)
{
	char	*line;
	long	 total = 0;
	int	 bad = 0;

	while ((line = strsep(&out, "\n")) != NULL) {
		if (strncmp(line, "ok ", 3) == 0)
			total += strtol(line + 3, NULL, 10);
		else if (strncmp(line, "error ", 6) == 0) {
			fprintf(stderr, "bulkctl: %s\n", line + 6);
			bad = 1;
		}
	}
	fprintf(stderr, "bulkctl: %s%s: %ld message%s\n",
	    (char[]){ (char)toupper((unsigned char)op[0]), '\0' }, op + 1,
	    total, total == 1 ? "" : "s");
	return bad;
}

int
bulkctl_flush(const struct bh_config *cf)
{
	char	*out;
	size_t	 len;
	int	 rc;

	if ((out = ask(cf, "flush\n", 6, &len)) == NULL)
		return 2;
	rc = report("flushed", out);
	free(out);
	return rc;
}

static int
add_line(char **req, size_t *len, const char *op, const char *id)
{
	size_t	 n = strlen(op) + strlen(id) + 2;
	char	*nr;

	if ((nr = realloc(*req, *len + n + 1)) == NULL)
		return -1;
	*req = nr;
	snprintf(*req + *len, n + 1, "%s %s\n", op, id);
	*len += n;
	return 0;
}

/* Ids as postsuper -d - reads them: one or more per line, blank-separated. */
static int
ids_from_stdin(char **req, size_t *len, const char *op)
{
	char	 line[4096], *p, *id;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		p = line;
		while ((id = strsep(&p, " \t\r\n")) != NULL)
			if (*id != '\0' && add_line(req, len, op, id) == -1)
				return -1;
	}
	return 0;
}

int
bulkctl_change(const struct bh_config *cf, const char *op, int argc,
    char **argv)
{
	char	*req = NULL, *out;
	size_t	 len = 0, olen;
	int	 i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (ids_from_stdin(&req, &len, op) == -1)
				goto nomem;
		} else if (add_line(&req, &len, op, argv[i]) == -1)
			goto nomem;
	}
	if (len == 0) {
		free(req);
		return 0;
	}
	out = ask(cf, req, len, &olen);
	free(req);
	if (out == NULL)
		return 2;
	if (strcmp(op, "cat") == 0) {
		rc = strncmp(out, "error ", 6) == 0;
		if (rc)
			fprintf(stderr, "bulkctl: %s", out + 6);
		else
			fwrite(out, 1, olen, stdout);
	} else
		rc = report(strcmp(op, "delete") == 0 ? "deleted" :
		    strcmp(op, "hold") == 0 ? "placed on hold" :
		    strcmp(op, "release") == 0 ? "released from hold" :
		    "requeued", out);
	free(out);
	return rc;
nomem:
	free(req);
	fprintf(stderr, "bulkctl: out of memory\n");
	return 2;
}
