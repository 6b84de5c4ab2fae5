/*
 * fuzz_ipc_roundtrip.c: the sender's side of every IPC message.
 *
 * The other IPC harness starts from bytes on the wire; this one starts
 * where a sender does, from field values, and checks the rule of the
 * security notes: whatever a sender may send, the receiver accepts.
 *
 * Input: one selector byte, then field material.  A selector below 0xfe
 * (modulo the number of payloads: selector i is payload i + 1 of
 * IPC_PAYLOADS) builds that message from a valid template whose fields the
 * input overwrites one by one (a control byte per field says keep, or
 * take raw bytes: a length and that many octets); if the message's
 * validator (ipc_check_*) accepts it, it is encoded, must fit a payload,
 * must decode, and must encode again to the same bytes.  Selectors 0xfe
 * and 0xff run smtpd's own parsers on the input (RCPT with NOTIFY
 * and ORCPT, MAIL with ENVID, HELO) and require that what they accept
 * passes the validator of the message smtpd builds from it.
 *
 * The builders are in roundtrip_build.c, the input's field readers in
 * roundtrip_input.[ch]; here: the round trip and smtpd's parsers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "privsep/codec.h"
#include "privsep/ipc_msgs.h"
#include "smtpd/dsn_param.h"
#include "smtpd/smtp_parse.h"

#include "tests/fuzz/roundtrip_input.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MSG_COUNT	(IPC_PAYLOAD_COUNT - 1)
/* The last two selectors run smtpd's parsers; the others build a payload. */
#define SEL_SMTPD_RCPT	0xfe
#define SEL_SMTPD_MAIL	0xff

/* Whatever the validator accepts encodes, decodes, and encodes the same. */
static void
roundtrip(const struct ipc_codec *d, const void *m)
{
	static uint8_t	 b1[IPC_PAYLOAD_MAX], b2[IPC_PAYLOAD_MAX];
	struct wbuf	 w1, w2;
	struct rbuf	 rb;
	void		*back;

	if (d->check(m) != NULL)
		return;
	wb_init(&w1, b1, sizeof(b1));
	d->enc(&w1, m);
	if (w1.err)
		abort();		/* a valid message must fit */
	if ((back = calloc(1, d->size)) == NULL)
		abort();
	rb_init(&rb, b1, w1.len);
	if (d->dec(&rb, back) != 0)
		abort();		/* the receiver refused it */
	wb_init(&w2, b2, sizeof(b2));
	d->enc(&w2, back);
	if (w2.err || w2.len != w1.len || memcmp(b1, b2, w1.len) != 0)
		abort();		/* it changed on the way */
	free(back);
}

/* ---- smtpd's parsers, then the message smtpd builds from them ---- */

/* RCPT TO:<...> NOTIFY=... ORCPT=... as cmd_rcpt() takes it. */
static void
smtpd_rcpt(const char *line, size_t len)
{
	struct smtp_mailrcpt	mr;
	struct msg_rcpt		r;
	size_t			i;

	if (smtp_parse_mailrcpt(line, len, "TO:", SMTP_ADDR_POSTMASTER |
	    SMTP_ADDR_ALLOW_UTF8 | SMTP_PARAM_LONG, &mr) != SMTP_PARSE_OK ||
	    mr.addr.is_null)
		return;
	memset(&r, 0, sizeof(r));
	strlcpy(r.qid, QID, sizeof(r.qid));
	if (smtp_addr_format(&mr.addr, r.addr, sizeof(r.addr)) == -1)
		return;
	for (i = 0; i < mr.nparams; i++) {
		const struct smtp_param *p = &mr.params[i];

		if (strcmp(p->keyword, "NOTIFY") == 0 && p->has_value &&
		    dsn_parse_notify(p->value, strlen(p->value),
		    &r.notify) == -1)
			return;
		if (strcmp(p->keyword, "ORCPT") == 0 && p->has_value &&
		    dsn_parse_orcpt(p->value, strlen(p->value), r.orcpt,
		    sizeof(r.orcpt)) == -1)
			return;
	}
	if (ipc_check_rcpt(&r) != NULL)
		abort();
	roundtrip(ipc_codec(IPC_PAYLOAD_rcpt), &r);
}

/* MAIL FROM:<...> ENVID=... and a HELO name, as cmd_mail()/cmd_helo(). */
static void
smtpd_mail(const char *line, size_t len)
{
	struct smtp_mailrcpt	mr;
	struct msg_commit	c;
	size_t			i, hl;

	memset(&c, 0, sizeof(c));
	strlcpy(c.qid, QID, sizeof(c.qid));
	strlcpy(c.client_addr, "192.0.2.1", sizeof(c.client_addr));
	strlcpy(c.client_name, "unknown", sizeof(c.client_name));
	/* the HELO name: the first 64 octets, made printable */
	hl = len < 64 ? len : 64;
	log_printable(line, hl, c.helo, sizeof(c.helo));
	if (smtp_parse_mailrcpt(line, len, "FROM:", SMTP_ADDR_ALLOW_NULL |
	    SMTP_ADDR_ALLOW_UTF8, &mr) != SMTP_PARSE_OK ||
	    smtp_addr_format(&mr.addr, c.sender, sizeof(c.sender)) == -1)
		return;
	for (i = 0; i < mr.nparams; i++) {
		const struct smtp_param *p = &mr.params[i];

		if (strcmp(p->keyword, "ENVID") == 0 && p->has_value &&
		    dsn_parse_envid(p->value, strlen(p->value), c.envid,
		    sizeof(c.envid)) == -1)
			return;
	}
	if (ipc_check_commit(&c) != NULL)
		abort();
	roundtrip(ipc_codec(IPC_PAYLOAD_commit), &c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src	 s;
	void		*m;
	unsigned	 sel;

	if (size < 1)
		return 0;
	s.p = data + 1;
	s.n = size - 1;
	if (data[0] == SEL_SMTPD_RCPT) {
		smtpd_rcpt((const char *)s.p, s.n);
		return 0;
	}
	if (data[0] == SEL_SMTPD_MAIL) {
		smtpd_mail((const char *)s.p, s.n);
		return 0;
	}
	sel = data[0] % MSG_COUNT;
	if ((m = calloc(1, ipc_codec(sel + 1)->size)) == NULL)
		abort();
	msgs[sel + 1].build(&s, m);
	roundtrip(ipc_codec(sel + 1), m);
	free(m);
	return 0;
}
