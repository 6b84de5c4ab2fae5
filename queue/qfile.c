/*
 * qfile.c: queue file envelope format.  See qfile.h.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strl.h"
#include "queue/qfile.h"

int
qenv_add_rcpt(struct qenv *env, const char *addr)
{
	return qenv_add_rcpt_dsn(env, addr, 0, "");
}

/*
 * Room for one more recipient.  The array holds the power of two at or
 * above nrcpt, so it grows only when nrcpt reaches one: a message with
 * ten thousand recipients is not copied ten thousand times (and under
 * ASan every realloc copies).
 */
static int
rcpt_room(struct qenv *env)
{
	struct qrcpt	*nr;
	size_t		 n = env->nrcpt;

	if (n != 0 && (n & (n - 1)) != 0)
		return 0;
	if ((nr = reallocarray(env->rcpt, n == 0 ? 1 : 2 * n,
	    sizeof(*nr))) == NULL)
		return -1;
	env->rcpt = nr;
	return 0;
}

int
qenv_add_rcpt_dsn(struct qenv *env, const char *addr, uint32_t notify,
    const char *orcpt)
{
	struct qrcpt *r;

	if (env->nrcpt >= QFILE_RCPT_MAX ||
	    strlen(addr) >= sizeof(r->addr) ||
	    strlen(orcpt) >= sizeof(r->orcpt) || notify > DSN_NOTIFY_MASK)
		return -1;
	if (rcpt_room(env) == -1)
		return -1;
	r = env->rcpt + env->nrcpt++;
	memset(r, 0, sizeof(*r));
	xstrlcpy(r->addr, addr, sizeof(r->addr));
	xstrlcpy(r->orcpt, orcpt, sizeof(r->orcpt));
	r->status = QRCPT_PENDING;
	r->notice = QNOTICE_NONE;
	r->notify = notify;
	return 0;
}

int
qrcpt_done_add(struct qrcpt *r, const char *key)
{
	char		(*nd)[IPC_MEMBER_KEY_LEN + 1];
	uint32_t	 i;

	if (!member_key_valid(key))
		return -1;
	for (i = 0; i < r->ndone; i++)
		if (strcmp(r->done[i], key) == 0)
			return 0;
	if (r->ndone >= QRCPT_DONE_MAX ||
	    (nd = reallocarray(r->done, r->ndone + 1, sizeof(*nd))) == NULL)
		return -1;
	r->done = nd;
	xstrlcpy(r->done[r->ndone++], key, sizeof(r->done[0]));
	return 1;
}

void
qenv_free(struct qenv *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++)
		free(env->rcpt[i].done);
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

void
qfile_format_sched(const struct qrcpt *r, char out[QRCPT_SCHED_LEN + 1])
{
	snprintf(out, QRCPT_SCHED_LEN + 1, "%016" PRIx64 " %08" PRIx32,
	    r->next_try, r->attempts);
}

static int
rcpt_storable(const struct qrcpt *r)
{
	return (r->status == QRCPT_PENDING || r->status == QRCPT_DELIVERED ||
	    r->status == QRCPT_BOUNCED) &&
	    (r->notice == QNOTICE_NONE || r->notice == QNOTICE_QUEUED) &&
	    r->notify <= DSN_NOTIFY_MASK && r->addr[0] != '\0';
}

static int
put_rcpt(char **buf, size_t *len, size_t *cap, struct qrcpt *r)
{
	char		rec[IPC_ADDR_MAX + 64], sched[QRCPT_SCHED_LEN + 1];
	uint32_t	i;

	if (!rcpt_storable(r) || r->ndone > QRCPT_DONE_MAX)
		return -1;
	qfile_format_sched(r, sched);
	r->status_off = *len + 1;
	snprintf(rec, sizeof(rec), "%c%c %s %x %s", r->status, r->notice,
	    sched, (unsigned)r->notify, r->addr);
	if (put(buf, len, cap, 'R', rec) == -1 ||
	    put(buf, len, cap, 'O', r->orcpt) == -1)
		return -1;
	for (i = 0; i < r->ndone; i++)
		if (!member_key_valid(r->done[i]) ||
		    put(buf, len, cap, 'M', r->done[i]) == -1)
			return -1;
	return 0;
}

char *
qfile_format(struct qenv *env, size_t *lenp)
{
	return qfile_format_at(env, env->size, lenp);
}

char *
qfile_format_at(struct qenv *env, uint64_t env_off, size_t *lenp)
{
	char	*buf = NULL, num[32], w[2];
	size_t	 len = 0, cap = 0, i;
	int	 bad = 0;

	bad |= put(&buf, &len, &cap, 'V', QFILE_VERSION);
	bad |= put(&buf, &len, &cap, 'I', env->qid);
	snprintf(num, sizeof(num), "%" PRIu64, env->arrival);
	bad |= put(&buf, &len, &cap, 'T', num);
	snprintf(num, sizeof(num), "%" PRIu64, env->size);
	bad |= put(&buf, &len, &cap, 'Z', num);
	bad |= put(&buf, &len, &cap, 'S', env->sender);
	bad |= put(&buf, &len, &cap, 'H', env->helo);
	bad |= put(&buf, &len, &cap, 'C', env->client_addr);
	bad |= put(&buf, &len, &cap, 'N', env->client_name);
	/* Write nothing the reader would refuse. */
	if (env->ret >= DSN_RET_MAX || (env->flags & ~QFLAG_MASK) ||
	    (env->warned != QWARN_NONE && env->warned != QWARN_SENT))
		bad = 1;
	snprintf(num, sizeof(num), "%" PRIu32, env->ret);
	bad |= put(&buf, &len, &cap, 'Q', num);
	snprintf(num, sizeof(num), "%" PRIu32, env->flags);
	bad |= put(&buf, &len, &cap, 'F', num);
	bad |= put(&buf, &len, &cap, 'X', env->envid);
	env->warn_off = len + 1;
	w[0] = env->warned;
	w[1] = '\0';
	bad |= put(&buf, &len, &cap, 'W', w);
	for (i = 0; i < env->nrcpt && !bad; i++)
		bad |= put_rcpt(&buf, &len, &cap, &env->rcpt[i]);
	bad |= put(&buf, &len, &cap, 'E', "");
	snprintf(num, sizeof(num), "HQ2 %016" PRIx64, env_off);
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

	if (len != QFILE_TRAILER_LEN || memcmp(buf, "BHQ2 ", 5) != 0 ||
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

/* Exactly width lower-case hex digits. */
static int
hex_fixed(const char *s, size_t width, uint64_t *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < width; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			*v = *v << 4 | (uint64_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			*v = *v << 4 | (uint64_t)(s[i] - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

/* "sn <16 hex> <8 hex> <1 hex> address" */
static int
parse_rcpt(const char *rec, struct qrcpt *r)
{
	uint64_t	v;

	memset(r, 0, sizeof(*r));
	if (strlen(rec) < 32 || rec[2] != ' ' || rec[19] != ' ' ||
	    rec[28] != ' ' || rec[30] != ' ' ||
	    strlen(rec + 31) >= sizeof(r->addr))
		return -1;
	r->status = rec[0];
	r->notice = rec[1];
	if (hex_fixed(rec + 3, 16, &r->next_try) == -1 ||
	    hex_fixed(rec + 20, 8, &v) == -1)
		return -1;
	r->attempts = (uint32_t)v;
	if (hex_fixed(rec + 29, 1, &v) == -1)
		return -1;
	r->notify = (uint32_t)v;
	if (strlcpy(r->addr, rec + 31, sizeof(r->addr)) >= sizeof(r->addr))
		return -1;
	return rcpt_storable(r) ? 0 : -1;
}

static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

static int
parse_dsn_fields(struct cursor *c, struct qenv *env)
{
	uint64_t	ret, flags;
	char		w[2];

	if (take_u64(c, 'Q', &ret) == -1 || ret >= DSN_RET_MAX ||
	    take_u64(c, 'F', &flags) == -1 || (flags & ~QFLAG_MASK) ||
	    take(c, 'X', env->envid, sizeof(env->envid)) == -1)
		return -1;
	env->ret = (uint32_t)ret;
	env->flags = (uint32_t)flags;
	env->warn_off = c->off + 1;
	if (take(c, 'W', w, sizeof(w)) == -1 ||
	    (w[0] != QWARN_NONE && w[0] != QWARN_SENT))
		return -1;
	env->warned = w[0];
	return 0;
}

/* A recipient's M records (version 3): each key once, in file order. */
static int
parse_done(struct cursor *c, struct qrcpt *r)
{
	char	key[IPC_MEMBER_KEY_LEN + 2];

	while (c->off < c->len && c->p[c->off] == 'M')
		if (take(c, 'M', key, sizeof(key)) == -1 ||
		    qrcpt_done_add(r, key) != 1)
			return -1;
	return 0;
}

static int
parse_recipients(struct cursor *c, struct qenv *env, int v3)
{
	char		rec[IPC_ADDR_MAX + 32];
	struct qrcpt	r;
	size_t		off;

	while (c->off < c->len && c->p[c->off] == 'R') {
		off = c->off + 1;
		if (env->nrcpt >= QFILE_RCPT_MAX ||
		    take(c, 'R', rec, sizeof(rec)) == -1 ||
		    parse_rcpt(rec, &r) == -1 ||
		    take(c, 'O', r.orcpt, sizeof(r.orcpt)) == -1)
			return -1;
		if (v3 && parse_done(c, &r) == -1) {
			free(r.done);
			return -1;
		}
		r.status_off = off;
		if (rcpt_room(env) == -1) {
			free(r.done);
			return -1;
		}
		env->rcpt[env->nrcpt++] = r;
	}
	return 0;
}

int
qfile_parse_envelope(const char *buf, size_t len, struct qenv *env,
    char *err, size_t errlen)
{
	struct cursor	 c = { buf, len, 0 };
	char		 ver[4], end[1];

	memset(env, 0, sizeof(*env));
	if (take(&c, 'V', ver, sizeof(ver)) == -1 ||
	    (strcmp(ver, QFILE_VERSION) != 0 &&
	    strcmp(ver, QFILE_VERSION_OLD) != 0))
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
	if (parse_dsn_fields(&c, env) == -1)
		return fail(err, errlen, "bad DSN or flags record");
	if (parse_recipients(&c, env, strcmp(ver, QFILE_VERSION) == 0) == -1) {
		qenv_free(env);
		return fail(err, errlen, "bad recipient record");
	}
	if (env->nrcpt == 0 || take(&c, 'E', end, sizeof(end)) == -1 ||
	    c.off != c.len) {
		qenv_free(env);
		return fail(err, errlen, "missing recipients or end record");
	}
	return 0;
}
