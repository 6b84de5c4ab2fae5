/*
 * smtp_mail.c: what the relay's SMTP client sends of a message: MAIL
 * and RCPT with their ESMTP parameters (SIZE, BODY, SMTPUTF8, DSN in
 * xtext), the refusals before MAIL (a UTF-8 envelope without SMTPUTF8,
 * a message over SIZE, 8-bit content without 8BITMIME: no conversion is
 * done), and the content itself, from the queue file, with CRLF line
 * ends and dot-stuffing.  The dialogue around it is smtp_client.c's.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "lib/log.h"
#include "relay/relay.h"

#define BODY_CHUNK	16384
#define BODY_HIGH	65536	/* output buffered before we wait */

static int
is_ascii(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return 0;
	return 1;
}

/* RFC 3461 xtext of s into out. */
static void
xtext(const char *s, char *out, size_t outsz)
{
	size_t	n = 0;

	for (; *s != '\0' && n + 4 < outsz; s++) {
		unsigned char c = *s;

		if (c < 33 || c > 126 || c == '+' || c == '=')
			n += (size_t)snprintf(out + n, outsz - n, "+%02X", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}


/* ---- the message ---- */

/* Does the content hold an octet over 127?  -1: cannot read it. */
static int
content_8bit(struct rsess *s)
{
	static uint8_t	buf[BODY_CHUNK];
	uint64_t	off = 0;
	ssize_t		n, i;

	while (off < s->req.content_len) {
		n = pread(s->msgfd, buf, sizeof(buf) < s->req.content_len - off
		    ? sizeof(buf) : s->req.content_len - off, (off_t)off);
		if (n <= 0)
			return -1;
		for (i = 0; i < n; i++)
			if (buf[i] & 0x80)
				return 1;
		off += (uint64_t)n;
	}
	return 0;
}

/* More content into the output, dot-stuffed with CRLF; the end, ".". */
void
pump_body(struct rsess *s)
{
	static uint8_t	 in[BODY_CHUNK];
	static char	 out[2 * BODY_CHUNK + 4];
	struct evbuffer	*ob = bufferevent_get_output(s->bev);
	uint64_t	 left;
	ssize_t		 n, i;
	size_t		 o;

	while (evbuffer_get_length(ob) < BODY_HIGH) {
		left = s->req.content_len - s->body_off;
		if (left == 0) {
			evbuffer_add_printf(ob, "%s.\r\n", s->body_bol ? "" :
			    "\r\n");
			s->state = RS_DOT;
			arm(s, cf_of(s)->smtp_data_done_timeout);
			return;
		}
		n = pread(s->msgfd, in, left < sizeof(in) ? left : sizeof(in),
		    (off_t)s->body_off);
		if (n <= 0) {
			log_warnx("%s: cannot read the queue file",
			    s->req.qid);
			decide_rest(s, DELIVER_DEFER, "4.3.0", "cannot read "
			    "the queue file", 0);
			answer(s);
			rsess_free(s);
			return;
		}
		for (i = 0, o = 0; i < n; i++) {
			if (s->body_bol && in[i] == '.')
				out[o++] = '.';
			if (in[i] == '\n') {
				out[o++] = '\r';
				s->body_bol = 1;
			} else
				s->body_bol = 0;
			out[o++] = (char)in[i];
		}
		evbuffer_add(ob, out, o);
		s->body_off += (uint64_t)n;
	}
	arm(s, cf_of(s)->smtp_data_xfer_timeout);
}

void
send_rcpt(struct rsess *s, uint32_t i)
{
	const struct msg_relay_rcpt	*rc = &s->req.rcpt[i];
	char				 params[IPC_ADDR_MAX * 4 + 64];
	char				 x[IPC_ADDR_MAX * 3];
	const char			*semi;
	size_t				 n = 0;

	params[0] = '\0';
	if ((s->ext.flags & SMTP_EXT_DSN) && rc->notify != 0) {
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    " NOTIFY=%s%s%s%s",
		    rc->notify & DSN_NOTIFY_NEVER ? "NEVER" : "",
		    rc->notify & DSN_NOTIFY_SUCCESS ? "SUCCESS," : "",
		    rc->notify & DSN_NOTIFY_FAILURE ? "FAILURE," : "",
		    rc->notify & DSN_NOTIFY_DELAY ? "DELAY," : "");
		if (params[n - 1] == ',')
			params[--n] = '\0';
	}
	if ((s->ext.flags & SMTP_EXT_DSN) && rc->orcpt[0] != '\0' &&
	    (semi = strchr(rc->orcpt, ';')) != NULL &&
	    n < sizeof(params)) {
		xtext(semi + 1, x, sizeof(x));
		snprintf(params + n, sizeof(params) - n, " ORCPT=%.*s;%s",
		    (int)(semi - rc->orcpt), rc->orcpt, x);
	}
	send_line(s, "RCPT TO:<%s>%s\r\n", rc->addr, params);
	s->sent++;
}

void
send_mail(struct rsess *s)
{
	char	params[IPC_ENVID_MAX * 3 + 128], x[IPC_ENVID_MAX * 3];
	size_t	n = 0;

	params[0] = '\0';
	if (s->ext.flags & SMTP_EXT_SIZE)
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    " SIZE=%llu", (unsigned long long)s->req.content_len);
	if ((s->ext.flags & SMTP_EXT_8BITMIME) &&
	    (s->req.flags & MSG_FLAG_8BITMIME))
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    " BODY=8BITMIME");
	if ((s->ext.flags & SMTP_EXT_SMTPUTF8) &&
	    (s->req.flags & MSG_FLAG_SMTPUTF8))
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    " SMTPUTF8");
	if ((s->ext.flags & SMTP_EXT_DSN) && s->req.ret != DSN_RET_NONE)
		n += (size_t)snprintf(params + n, sizeof(params) - n,
		    " RET=%s", s->req.ret == DSN_RET_FULL ? "FULL" : "HDRS");
	if ((s->ext.flags & SMTP_EXT_DSN) && s->req.envid[0] != '\0') {
		xtext(s->req.envid, x, sizeof(x));
		snprintf(params + n, sizeof(params) - n, " ENVID=%s", x);
	}
	send_line(s, "MAIL FROM:<%s>%s\r\n", s->req.sender, params);
	s->sent = 1;
}

/* What this server cannot take, refused before MAIL: 1 if so. */
int
refuse_early(struct rsess *s)
{
	char		text[IPC_TEXT_MAX];
	uint32_t	i;
	int		utf8 = !is_ascii(s->req.sender), eight;

	for (i = 0; i < s->req.nrcpt; i++)
		utf8 |= !is_ascii(s->req.rcpt[i].addr);
	if (utf8 && !(s->ext.flags & SMTP_EXT_SMTPUTF8)) {
		textf(text, sizeof(text), "SMTPUTF8 is required, but was "
		    "not offered by host %s", s->hopname);
		decide_rest(s, DELIVER_BOUNCE, "5.6.7", text, 0);
		return 1;
	}
	if (s->ext.size != 0 && s->req.content_len > s->ext.size) {
		textf(text, sizeof(text), "message size %llu exceeds size "
		    "limit %llu of server %s",
		    (unsigned long long)s->req.content_len,
		    (unsigned long long)s->ext.size, s->hopname);
		decide_rest(s, DELIVER_BOUNCE, "5.3.4", text, 0);
		return 1;
	}
	if (s->ext.flags & SMTP_EXT_8BITMIME)
		return 0;
	if ((eight = content_8bit(s)) == -1) {
		decide_rest(s, DELIVER_DEFER, "4.3.0", "cannot read the "
		    "queue file", 0);
		return 1;
	}
	if (eight) {
		textf(text, sizeof(text), "message has 8-bit content, but "
		    "host %s does not announce 8BITMIME and no conversion to "
		    "7 bits is done", s->hopname);
		decide_rest(s, DELIVER_BOUNCE, "5.6.3", text, 0);
		return 1;
	}
	return 0;
}
