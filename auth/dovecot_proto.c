/*
 * dovecot_proto.c: Dovecot's authentication protocol, client side (see
 * dovecot_proto.h).  Everything the server says is checked: a known
 * command, decimal ids and versions, no control character, no line
 * longer than DVC_LINE_MAX, a challenge in strict base64; anything
 * else breaks the connection, which the auth compartment then drops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dovecot_proto.h"
#include "lib/strl.h"
#include "smtpd/sasl.h"

#define DVC_FIELDS_MAX	64

static int
parse_u32(const char *s, uint32_t *out)
{
	unsigned long long	v = 0;
	const char		*p;

	if (*s == '\0' || strlen(s) > 10)
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Split at TABs in place; -1 on too many fields or a control char. */
static int
split(char *s, char **f, int max)
{
	int	n = 0;
	char	*p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return -1;
	f[n++] = s;
	for (p = s; *p != '\0'; p++)
		if (*p == '\t') {
			if (n == max)
				return -1;
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* OK and FAIL: id, then key=value or flag parameters. */
static int
parse_result(char **f, int n, struct dvc_line *out)
{
	int i;

	if (n < 2 || parse_u32(f[1], &out->id) == -1 || out->id == 0)
		return -1;
	for (i = 2; i < n; i++) {
		if (strncmp(f[i], "user=", 5) == 0) {
			if (strlen(f[i] + 5) >= sizeof(out->user) ||
			    f[i][5] == '\0')
				return -1;
			xstrlcpy(out->user, f[i] + 5, sizeof(out->user));
		} else if (strcmp(f[i], "temp") == 0 ||
		    strcmp(f[i], "code=temp_fail") == 0)
			out->temp = 1;	/* 2.3 says both */
	}
	return 0;
}

/* CONT: id, then the challenge in strict base64 (maybe empty). */
static int
parse_cont(char **f, int n, struct dvc_line *out)
{
	long dlen;

	if (n != 3 || parse_u32(f[1], &out->id) == -1 || out->id == 0)
		return -1;
	if ((dlen = b64_decode(f[2], strlen(f[2]), out->data,
	    sizeof(out->data))) < 0)
		return -1;
	out->len = (size_t)dlen;
	return 0;
}

int
dvc_parse(const char *line, size_t len, struct dvc_line *out)
{
	char	 buf[DVC_LINE_MAX + 1], *f[DVC_FIELDS_MAX];
	int	 n, i;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	if (len > DVC_LINE_MAX || memchr(line, '\0', len) != NULL)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if ((n = split(buf, f, DVC_FIELDS_MAX)) < 1)
		return -1;
	if (strcmp(f[0], "VERSION") == 0) {
		out->kind = DVC_VERSION;
		if (n != 3 || parse_u32(f[2], &v) == -1 ||
		    parse_u32(f[1], &v) == -1)
			return -1;
		out->major = v;		/* the minor may be any */
	} else if (strcmp(f[0], "MECH") == 0) {
		out->kind = DVC_MECH;
		if (n < 2 || f[1][0] == '\0')
			return -1;
		out->mech = strcmp(f[1], "PLAIN") == 0 ? AUTH_MECH_PLAIN :
		    strcmp(f[1], "SCRAM-SHA-256") == 0 ?
		    AUTH_MECH_SCRAM_SHA256 : 0;
		for (i = 2; i < n; i++)		/* its flags: words */
			if (f[i][0] == '\0')
				return -1;
	} else if (strcmp(f[0], "SPID") == 0 || strcmp(f[0], "CUID") == 0) {
		out->kind = f[0][0] == 'S' ? DVC_SPID : DVC_CUID;
		if (n != 2 || parse_u32(f[1], &v) == -1)
			return -1;
	} else if (strcmp(f[0], "COOKIE") == 0) {
		out->kind = DVC_COOKIE;
		if (n != 2 || strspn(f[1], "0123456789abcdef") != strlen(f[1]))
			return -1;
	} else if (strcmp(f[0], "DONE") == 0) {
		out->kind = DVC_DONE;
		if (n != 1)
			return -1;
	} else if (strcmp(f[0], "OK") == 0) {
		out->kind = DVC_OK;
		return parse_result(f, n, out);
	} else if (strcmp(f[0], "FAIL") == 0) {
		out->kind = DVC_FAIL;
		return parse_result(f, n, out);
	} else if (strcmp(f[0], "CONT") == 0) {
		out->kind = DVC_CONT;
		return parse_cont(f, n, out);
	} else
		return -1;
	return 0;
}

int
dvc_feed(struct dvc_conn *c, const struct dvc_line *l)
{
	if (c->state == DVC_BROKEN)
		return -1;
	if (c->state == DVC_HANDSHAKE) {
		if (!c->version_seen && (l->kind != DVC_VERSION ||
		    l->major != 1))
			goto broken;
		switch (l->kind) {
		case DVC_VERSION:
			if (c->version_seen)
				goto broken;
			c->version_seen = 1;
			return 0;
		case DVC_MECH:
			if (l->mech != 0)
				c->mechs |= AUTH_MECH_BIT(l->mech);
			return 0;
		case DVC_SPID:
		case DVC_CUID:
		case DVC_COOKIE:
			return 0;
		case DVC_DONE:
			if (!(c->mechs & AUTH_MECH_BIT(AUTH_MECH_PLAIN)))
				goto broken;	/* we can ask nothing */
			c->state = DVC_READY;
			return 0;
		default:
			goto broken;
		}
	}
	if (l->kind == DVC_OK || l->kind == DVC_FAIL || l->kind == DVC_CONT)
		return 1;
broken:
	c->state = DVC_BROKEN;
	return -1;
}

uint32_t
dvc_offered(const struct dvc_conn *c)
{
	return AUTH_MECHS_BASE |
	    (c->mechs & AUTH_MECH_BIT(AUTH_MECH_SCRAM_SHA256));
}

int
dvc_handshake(char *buf, size_t len, long pid)
{
	int n = snprintf(buf, len, "VERSION\t1\t2\nCPID\t%ld\n", pid);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* RFC 4616 for Dovecot: [authzid] NUL user NUL password, base64. */
int
dvc_auth_line(char *buf, size_t len, uint32_t id,
    const struct msg_auth_check *m)
{
	unsigned char	raw[3 * IPC_AUTH_NAME_MAX];
	char		b64[4 * IPC_AUTH_NAME_MAX + 8];
	size_t		za = strlen(m->authzid), zu = strlen(m->user);
	size_t		zp = strlen(m->password), n;
	int		r;

	if (za + zu + zp + 2 > sizeof(raw))
		return -1;
	memcpy(raw, m->authzid, za);
	raw[za] = '\0';
	memcpy(raw + za + 1, m->user, zu);
	raw[za + 1 + zu] = '\0';
	memcpy(raw + za + zu + 2, m->password, zp);
	n = za + zu + zp + 2;
	r = b64_encode(raw, n, b64, sizeof(b64)) < 0 ? -1 :
	    snprintf(buf, len, "AUTH\t%u\tPLAIN\tservice=smtp\tnologin\t"
	    "rip=%s\t%sresp=%s\n", id, m->client_addr,
	    (m->flags & AUTH_FLAG_TLS) ? "secured\t" : "", b64);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	return r < 0 || (size_t)r >= len ? -1 : r;
}

static int
finish_line(int r, size_t len)
{
	return r < 0 || (size_t)r >= len ? -1 : r;
}

int
dvc_step_line(char *buf, size_t len, uint32_t id,
    const struct msg_auth_step *m)
{
	char	b64[IPC_AUTH_DATA_MAX / 3 * 4 + 8];
	int	r;

	if (m->op != AUTH_STEP_START || !auth_mech_relayed(m->mech) ||
	    b64_encode(m->data, m->len, b64, sizeof(b64)) < 0)
		return -1;
	r = snprintf(buf, len, "AUTH\t%u\t%s\tservice=smtp\tnologin\t"
	    "rip=%s\t%sresp=%s\n", id, sasl_mech_name(m->mech),
	    m->client_addr, (m->flags & AUTH_FLAG_TLS) ? "secured\t" : "",
	    b64);
	explicit_bzero(b64, sizeof(b64));
	return finish_line(r, len);
}

int
dvc_cont_line(char *buf, size_t len, uint32_t id, const uint8_t *data,
    size_t dlen)
{
	char	b64[IPC_AUTH_DATA_MAX / 3 * 4 + 8];
	int	r;

	if (dlen > IPC_AUTH_DATA_MAX ||
	    b64_encode(data, dlen, b64, sizeof(b64)) < 0)
		return -1;
	r = snprintf(buf, len, "CONT\t%u\t%s\n", id, b64);
	explicit_bzero(b64, sizeof(b64));
	return finish_line(r, len);
}

int
dvc_cancel_line(char *buf, size_t len, uint32_t id)
{
	return finish_line(snprintf(buf, len, "CANCEL\t%u\n", id), len);
}
