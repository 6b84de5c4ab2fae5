/*
 * fuzz_qfile.c: the queue file reader (envelope and trailer), version 3
 * (and version 2, which it still reads).
 *
 * Whatever qfile_parse_envelope accepts is well formed, and the writer
 * turns it back into exactly the same bytes (the format is canonical;
 * a version 2 envelope comes back as version 3, the V record's digit
 * the only change), which parse again to the same fields.  The last 22
 * bytes are also tried as a trailer, for a file of a size derived from
 * the input length.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/ipc_msgs.h"
#include "queue/qfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void
check_env(const struct qenv *e, const char *buf, size_t len)
{
	char		sched[QRCPT_SCHED_LEN + 1];
	size_t		i;
	uint32_t	k;

	if (!qid_valid(e->qid) || !clean(e->sender) || !clean(e->helo) ||
	    !clean(e->client_addr) || !clean(e->client_name) ||
	    !clean(e->envid) || e->ret >= DSN_RET_MAX ||
	    (e->flags & ~QFLAG_MASK) != 0 ||
	    strchr("-W", e->warned) == NULL || e->warned == '\0' ||
	    e->warn_off >= len || buf[e->warn_off] != e->warned)
		abort();
	if (e->nrcpt == 0 || e->nrcpt > QFILE_RCPT_MAX || e->rcpt == NULL)
		abort();
	for (i = 0; i < e->nrcpt; i++) {
		if (e->rcpt[i].addr[0] == '\0' || !clean(e->rcpt[i].addr) ||
		    strchr("-DB", e->rcpt[i].status) == NULL ||
		    e->rcpt[i].status == '\0' ||
		    strchr("-N", e->rcpt[i].notice) == NULL ||
		    e->rcpt[i].notice == '\0' ||
		    e->rcpt[i].notify > DSN_NOTIFY_MASK ||
		    !clean(e->rcpt[i].orcpt) ||
		    e->rcpt[i].ndone > QRCPT_DONE_MAX ||
		    (e->rcpt[i].ndone > 0 && e->rcpt[i].done == NULL))
			abort();
		for (k = 0; k < e->rcpt[i].ndone; k++)
			if (!member_key_valid(e->rcpt[i].done[k]))
				abort();
		if (e->rcpt[i].status_off + QRCPT_SCHED_OFF + QRCPT_SCHED_LEN
		    >= len ||
		    buf[e->rcpt[i].status_off] != e->rcpt[i].status ||
		    buf[e->rcpt[i].status_off + QRCPT_NOTICE_OFF] !=
		    e->rcpt[i].notice)
			abort();
		qfile_format_sched(&e->rcpt[i], sched);
		if (memcmp(buf + e->rcpt[i].status_off + QRCPT_SCHED_OFF,
		    sched, QRCPT_SCHED_LEN) != 0)
			abort();
	}
}

static void
same_env(const struct qenv *a, const struct qenv *b)
{
	size_t i;

	if (strcmp(a->qid, b->qid) != 0 || a->arrival != b->arrival ||
	    a->size != b->size || strcmp(a->sender, b->sender) != 0 ||
	    strcmp(a->helo, b->helo) != 0 ||
	    strcmp(a->client_addr, b->client_addr) != 0 ||
	    strcmp(a->client_name, b->client_name) != 0 ||
	    a->ret != b->ret || a->flags != b->flags ||
	    strcmp(a->envid, b->envid) != 0 || a->warned != b->warned ||
	    a->warn_off != b->warn_off || a->nrcpt != b->nrcpt)
		abort();
	for (i = 0; i < a->nrcpt; i++)
		if (strcmp(a->rcpt[i].addr, b->rcpt[i].addr) != 0 ||
		    strcmp(a->rcpt[i].orcpt, b->rcpt[i].orcpt) != 0 ||
		    a->rcpt[i].status != b->rcpt[i].status ||
		    a->rcpt[i].notice != b->rcpt[i].notice ||
		    a->rcpt[i].notify != b->rcpt[i].notify ||
		    a->rcpt[i].next_try != b->rcpt[i].next_try ||
		    a->rcpt[i].attempts != b->rcpt[i].attempts ||
		    a->rcpt[i].status_off != b->rcpt[i].status_off ||
		    a->rcpt[i].ndone != b->rcpt[i].ndone ||
		    (a->rcpt[i].ndone > 0 && memcmp(a->rcpt[i].done,
		    b->rcpt[i].done, a->rcpt[i].ndone *
		    sizeof(a->rcpt[i].done[0])) != 0))
			abort();
}

static void
check_trailer(const char *t, uint64_t file_size)
{
	int64_t	off;
	char	again[QFILE_TRAILER_LEN + 1];

	if ((off = qfile_parse_trailer(t, QFILE_TRAILER_LEN, file_size)) == -1)
		return;
	if (off < 0 || file_size < QFILE_TRAILER_LEN ||
	    (uint64_t)off > file_size - QFILE_TRAILER_LEN ||
	    file_size - QFILE_TRAILER_LEN - (uint64_t)off > QFILE_ENVELOPE_MAX)
		abort();
	snprintf(again, sizeof(again), "BHQ2 %016" PRIx64 "\n", (uint64_t)off);
	if (memcmp(again, t, QFILE_TRAILER_LEN) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	struct qenv	 a, b;
	char		 err[256], *buf;
	size_t		 len, elen;

	err[0] = '\0';
	if (qfile_parse_envelope(in, size, &a, err, sizeof(err)) == 0) {
		check_env(&a, in, size);
		if ((buf = qfile_format(&a, &len)) == NULL ||
		    len < QFILE_TRAILER_LEN)
			abort();
		elen = len - QFILE_TRAILER_LEN;
		/* V2 or V3 in, V3 out; everything else the same bytes */
		if (elen != size || size < 2 || buf[0] != 'V' ||
		    buf[1] != '3' || (in[1] != '2' && in[1] != '3') ||
		    memcmp(buf + 2, in + 2, size - 2) != 0)
			abort();
		if (qfile_parse_envelope(buf, elen, &b, err, sizeof(err)) != 0)
			abort();
		same_env(&a, &b);
		check_env(&b, buf, elen);
		if (a.size <= INT64_MAX - len &&
		    qfile_parse_trailer(buf + elen, QFILE_TRAILER_LEN,
		    a.size + len) != (int64_t)a.size)
			abort();
		qenv_free(&a);
		qenv_free(&b);
		free(buf);
	} else if (err[0] == '\0' || a.rcpt != NULL || a.nrcpt != 0)
		abort();

	if (size >= QFILE_TRAILER_LEN) {
		check_trailer(in + size - QFILE_TRAILER_LEN, size);
		check_trailer(in + size - QFILE_TRAILER_LEN,
		    (uint64_t)size * 4099 + data[0]);
		check_trailer(in + size - QFILE_TRAILER_LEN,
		    (uint64_t)size << 40);
	}
	return 0;
}
