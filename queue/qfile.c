/*
 * qfile.c: queue file envelope format.  See qfile.h.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/qfile.h"

int
qenv_add_rcpt(struct qenv *env, const char *addr)
{
	struct qrcpt *r;

	if (env->nrcpt >= QFILE_RCPT_MAX ||
	    strlen(addr) >= sizeof(r->addr))
		return -1;
	if ((r = reallocarray(env->rcpt, env->nrcpt + 1, sizeof(*r))) == NULL)
		return -1;
	env->rcpt = r;
	r += env->nrcpt++;
	strlcpy(r->addr, addr, sizeof(r->addr));
	r->status = QRCPT_PENDING;
	r->status_off = 0;
	return 0;
}

void
qenv_free(struct qenv *env)
{
	free(env->rcpt);
	env->rcpt = NULL;
	env->nrcpt = 0;
}

static int
field_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Append "<tag><value>\n"; -1 when the value may not be stored. */
static int
put(char **buf, size_t *len, size_t *cap, char tag, const char *value)
{
	size_t	n = strlen(value), ncap;
	char	*nb;

	if (!field_ok(value))
		return -1;
	while (*len + n + 2 > *cap) {
		/* cap grows only with buf: after a failed realloc, the next
		 * put() must not write into a NULL or short buffer. */
		ncap = *cap ? *cap * 2 : 1024;
		if ((nb = realloc(*buf, ncap)) == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	(*buf)[(*len)++] = tag;
	memcpy(*buf + *len, value, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	return 0;
}

char *
qfile_format(struct qenv *env, size_t *lenp)
{
	char	*buf = NULL, num[32], rec[IPC_ADDR_MAX + 2];
	size_t	 len = 0, cap = 0, i;
	int	 bad = 0;

	bad |= put(&buf, &len, &cap, 'V', "1");
	bad |= put(&buf, &len, &cap, 'I', env->qid);
	snprintf(num, sizeof(num), "%" PRIu64, env->arrival);
	bad |= put(&buf, &len, &cap, 'T', num);
	snprintf(num, sizeof(num), "%" PRIu64, env->size);
	bad |= put(&buf, &len, &cap, 'Z', num);
	bad |= put(&buf, &len, &cap, 'S', env->sender);
	bad |= put(&buf, &len, &cap, 'H', env->helo);
	bad |= put(&buf, &len, &cap, 'C', env->client_addr);
	bad |= put(&buf, &len, &cap, 'N', env->client_name);
	for (i = 0; i < env->nrcpt && !bad; i++) {
		/* Write nothing the reader would refuse. */
		if (strchr("-DB", env->rcpt[i].status) == NULL ||
		    env->rcpt[i].status == '\0' || env->rcpt[i].addr[0] == '\0') {
			bad = 1;
			break;
		}
		env->rcpt[i].status_off = len + 1;
		snprintf(rec, sizeof(rec), "%c%s", env->rcpt[i].status,
		    env->rcpt[i].addr);
		bad |= put(&buf, &len, &cap, 'R', rec);
	}
	bad |= put(&buf, &len, &cap, 'E', "");
	snprintf(num, sizeof(num), "HQ1 %016" PRIx64, env->size);
	bad |= put(&buf, &len, &cap, 'B', num);
	if (bad || env->nrcpt == 0) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

int64_t
qfile_parse_trailer(const char *buf, size_t len, uint64_t file_size)
{
	uint64_t	off = 0;
	size_t		i;

	if (len != QFILE_TRAILER_LEN || memcmp(buf, "BHQ1 ", 5) != 0 ||
	    buf[len - 1] != '\n')
		return -1;
	for (i = 5; i < len - 1; i++) {
		int c = (unsigned char)buf[i];

		if (c >= '0' && c <= '9')
			off = off << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			off = off << 4 | (c - 'a' + 10);
		else
			return -1;
	}
	if (file_size < QFILE_TRAILER_LEN ||
	    off > file_size - QFILE_TRAILER_LEN ||
	    file_size - QFILE_TRAILER_LEN - off > QFILE_ENVELOPE_MAX)
		return -1;
	return (int64_t)off;
}

struct cursor {
	const char	*p;
	size_t		 len;
	size_t		 off;
};

/* Next line with the expected tag; value copied into dst. */
static int
take(struct cursor *c, char tag, char *dst, size_t dstsz)
{
	const char	*nl;
	size_t		 n;

	if (c->off >= c->len || c->p[c->off] != tag)
		return -1;
	if ((nl = memchr(c->p + c->off, '\n', c->len - c->off)) == NULL)
		return -1;
	n = nl - (c->p + c->off) - 1;
	if (n >= dstsz)
		return -1;
	memcpy(dst, c->p + c->off + 1, n);
	dst[n] = '\0';
	if (strlen(dst) != n || !field_ok(dst))
		return -1;
	c->off += n + 2;
	return 0;
}

static int
take_u64(struct cursor *c, char tag, uint64_t *v)
{
	char	num[24], *end;
	size_t	i;

	if (take(c, tag, num, sizeof(num)) == -1 || num[0] == '\0' ||
	    (num[0] == '0' && num[1] != '\0'))
		return -1;
	for (i = 0; num[i]; i++)
		if (!isdigit((unsigned char)num[i]))
			return -1;
	errno = 0;
	*v = strtoull(num, &end, 10);
	return errno == ERANGE ? -1 : 0;
}

static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

int
qfile_parse_envelope(const char *buf, size_t len, struct qenv *env,
    char *err, size_t errlen)
{
	struct cursor	 c = { buf, len, 0 };
	char		 ver[4], rec[IPC_ADDR_MAX + 2], end[1];
	size_t		 off;

	memset(env, 0, sizeof(*env));
	if (take(&c, 'V', ver, sizeof(ver)) == -1 || strcmp(ver, "1") != 0)
		return fail(err, errlen, "bad or unknown version record");
	if (take(&c, 'I', env->qid, sizeof(env->qid)) == -1 ||
	    !qid_valid(env->qid))
		return fail(err, errlen, "bad queue id record");
	if (take_u64(&c, 'T', &env->arrival) == -1 ||
	    take_u64(&c, 'Z', &env->size) == -1)
		return fail(err, errlen, "bad arrival or size record");
	if (take(&c, 'S', env->sender, sizeof(env->sender)) == -1 ||
	    take(&c, 'H', env->helo, sizeof(env->helo)) == -1 ||
	    take(&c, 'C', env->client_addr, sizeof(env->client_addr)) == -1 ||
	    take(&c, 'N', env->client_name, sizeof(env->client_name)) == -1)
		return fail(err, errlen, "bad sender or client record");
	while (c.off < c.len && c.p[c.off] == 'R') {
		off = c.off + 1;
		if (take(&c, 'R', rec, sizeof(rec)) == -1 || rec[0] == '\0' ||
		    rec[1] == '\0' || strchr("-DB", rec[0]) == NULL ||
		    qenv_add_rcpt(env, rec + 1) == -1) {
			qenv_free(env);
			return fail(err, errlen, "bad recipient record");
		}
		env->rcpt[env->nrcpt - 1].status = rec[0];
		env->rcpt[env->nrcpt - 1].status_off = off;
	}
	if (env->nrcpt == 0 || take(&c, 'E', end, sizeof(end)) == -1 ||
	    c.off != c.len) {
		qenv_free(env);
		return fail(err, errlen, "missing recipients or end record");
	}
	return 0;
}
