/*
 * sendmail_smtp.c: sendmail -bs, SMTP on standard input and output, as
 * Postfix's sendmail -bs offers it to programs such as Alpine.  It runs
 * as the user, like the rest of sendmail: each message becomes a drop
 * file through bulkdrop, and MAIL FROM counts as -f does (pickup takes
 * it only from root and trusted_users).  HELO, EHLO, MAIL, RCPT, DATA,
 * RSET, NOOP, VRFY (252) and QUIT; no pipelining, no BDAT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/xmalloc.h"
#include "pickup/dropfile.h"
#include "tools/sendmail.h"

#define LINE_MAX_SMTP	1000		/* RFC 5321 text line, CRLF too */

struct smtp {
	struct opts		*o;
	const struct bh_config	*cf;
	int			 helo;
	int			 mail;
	char			 sender[DROP_ADDR_MAX + 3];
	struct sm_rcpts		 rcpts;
	char			 line[LINE_MAX_SMTP + 2];
};

static void __attribute__((format(printf, 1, 0)))
vreply(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
	fputs("\r\n", stdout);
	fflush(stdout);
}

static void __attribute__((format(printf, 1, 2)))
reply(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreply(fmt, ap);
	va_end(ap);
}

/* One line, CRLF or LF cut; 0 at the end of input, -1 too long. */
static int
get_line(struct smtp *s)
{
	size_t	n;
	int	c;

	if (fgets(s->line, sizeof(s->line), stdin) == NULL)
		return 0;
	n = strlen(s->line);
	if (n > 0 && s->line[n - 1] != '\n' && !feof(stdin)) {
		while ((c = getchar()) != EOF && c != '\n')
			;		/* the rest of an overlong line */
		return -1;
	}
	while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
		s->line[--n] = '\0';
	return 1;
}

static void
reset(struct smtp *s)
{
	s->mail = 0;
	s->sender[0] = '\0';
	sm_rcpts_free(&s->rcpts);
	s->o->sender = NULL;
	s->o->body = NULL;
}

/* "FROM:<addr> params" or "TO:<addr> params": the address in out. */
static int
path_arg(const char *arg, const char *kw, char *out, size_t len,
    const char **params)
{
	const char	*p, *end;
	size_t		 k = strlen(kw);

	if (strncasecmp(arg, kw, k) != 0)
		return -1;
	for (p = arg + k; *p == ' '; p++)
		;
	if (*p != '<' || (end = strchr(p, '>')) == NULL)
		return -1;
	*params = end + 1;
	if (end == p + 1) {
		out[0] = '\0';
		return 1;		/* <> */
	}
	return sm_parse_addr(p, (size_t)(end - p + 1), out, len);
}

static void
cmd_mail(struct smtp *s, const char *arg)
{
	char		 addr[DROP_ADDR_MAX + 1];
	const char	*params;
	int		 rc;

	if (s->mail) {
		reply("503 5.5.1 Error: nested MAIL command");
		return;
	}
	if ((rc = path_arg(arg, "FROM:", addr, sizeof(addr), &params)) == -1) {
		reply("501 5.1.7 Bad sender address syntax");
		return;
	}
	if (strcasestr(params, "BODY=8BITMIME") != NULL)
		s->o->body = "8bitmime";
	snprintf(s->sender, sizeof(s->sender), "%s", rc == 1 ? "<>" : addr);
	s->o->sender = s->sender;
	s->mail = 1;
	reply("250 2.1.0 Ok");
}

static void
cmd_rcpt(struct smtp *s, const char *arg)
{
	char		 addr[DROP_ADDR_MAX + 1];
	const char	*params;

	if (!s->mail) {
		reply("503 5.5.1 Error: need MAIL command");
		return;
	}
	if (path_arg(arg, "TO:", addr, sizeof(addr), &params) != 0) {
		reply("501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (s->rcpts.n >= DROP_RCPT_MAX) {
		reply("452 4.5.3 Error: too many recipients");
		return;
	}
	sm_rcpts_add(&s->rcpts, addr);
	reply("250 2.1.5 Ok");
}

/* The message up to ".", unstuffed, LF line ends, bounded. */
static int
read_data(struct smtp *s, struct sm_msg *m)
{
	size_t	cap = 0, n, limit = (size_t)s->cf->message_size_limit;
	int	big = 0, rc;

	m->buf = NULL;
	m->len = 0;
	for (;;) {
		if ((rc = get_line(s)) == 0) {
			free(m->buf);
			return -1;	/* the end of input inside DATA */
		}
		if (rc == 1 && strcmp(s->line, ".") == 0)
			break;
		n = strlen(s->line);
		if (big || m->len + n + 1 > limit) {
			big = 1;
			continue;
		}
		if (m->len + n + 2 > cap) {
			cap = (m->len + n + 2) * 2;
			m->buf = xreallocarray(m->buf, cap, 1);
		}
		memcpy(m->buf + m->len, s->line + (s->line[0] == '.'),
		    n - (s->line[0] == '.'));
		m->len += n - (s->line[0] == '.');
		m->buf[m->len++] = '\n';
	}
	if (big) {
		free(m->buf);
		m->buf = NULL;
		return 1;
	}
	return 0;
}

static void
cmd_data(struct smtp *s)
{
	struct sm_msg	m;
	int		rc;

	if (!s->mail || s->rcpts.n == 0) {
		reply("503 5.5.1 Error: need RCPT command");
		return;
	}
	reply("354 End data with <CR><LF>.<CR><LF>");
	if ((rc = read_data(s, &m)) == -1)
		exit(EX_NOINPUT);
	if (rc == 1)
		reply("552 5.3.4 Error: message file too big");
	else {
		fflush(stdout);
		rc = sm_drop(s->o, &s->rcpts, &m);
		free(m.buf);
		if (rc == EX_OK)
			reply("250 2.0.0 Ok: queued");
		else if (rc == EX_TEMPFAIL)
			reply("451 4.3.0 Error: queue file write error");
		else
			reply("554 5.3.0 Error: cannot queue the message");
	}
	reset(s);
}

int
sm_smtp(struct opts *o, const struct bh_config *cf)
{
	struct smtp	 s;
	char		*arg;
	int		 rc;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.cf = cf;
	reset(&s);
	reply("220 %s ESMTP bulkhead (sendmail -bs)", cf->myhostname);
	while ((rc = get_line(&s)) != 0) {
		if (rc == -1) {
			reply("500 5.5.2 Error: line too long");
			continue;
		}
		arg = s.line + strcspn(s.line, " ");
		if (*arg == ' ')
			*arg++ = '\0';
		if (strcasecmp(s.line, "HELO") == 0) {
			s.helo = 1;
			reply("250 %s", cf->myhostname);
		} else if (strcasecmp(s.line, "EHLO") == 0) {
			s.helo = 1;
			printf("250-%s\r\n250-8BITMIME\r\n", cf->myhostname);
			reply("250 ENHANCEDSTATUSCODES");
		} else if (strcasecmp(s.line, "MAIL") == 0)
			cmd_mail(&s, arg);
		else if (strcasecmp(s.line, "RCPT") == 0)
			cmd_rcpt(&s, arg);
		else if (strcasecmp(s.line, "DATA") == 0)
			cmd_data(&s);
		else if (strcasecmp(s.line, "RSET") == 0) {
			reset(&s);
			reply("250 2.0.0 Ok");
		} else if (strcasecmp(s.line, "NOOP") == 0)
			reply("250 2.0.0 Ok");
		else if (strcasecmp(s.line, "VRFY") == 0)
			reply("252 2.0.0 Send mail and see");
		else if (strcasecmp(s.line, "QUIT") == 0) {
			reply("221 2.0.0 Bye");
			break;
		} else
			reply("502 5.5.2 Error: command not recognized");
	}
	reset(&s);
	return EX_OK;
}
