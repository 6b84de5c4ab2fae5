/*
 * config_encode.c: the parser's side of config_wire.h.
 */
#include <stdio.h>
#include <string.h>

#include "conf/config_layout.h"
#include "conf/config_wire.h"
#include "lib/textfile.h"

static const char kind_tag[] = { 'S', 'L', 'N', 'Q', 'T', 'X' };

/* "TAG VALUE\n"; a value holding a newline cannot be sent. */
static int
put(struct dbuf *d, const char *tag, const char *value, char *err,
    size_t errlen)
{
	if (strchr(value, '\n') != NULL) {
		snprintf(err, errlen, "a value holds a newline: %s", tag);
		return -1;
	}
	if (dbuf_add(d, tag, strlen(tag)) == -1 ||
	    dbuf_add(d, " ", 1) == -1 ||
	    dbuf_add(d, value, strlen(value)) == -1 ||
	    dbuf_add(d, "\n", 1) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
put_param(struct dbuf *d, const struct bh_config *cf, size_t i, char *err,
    size_t errlen)
{
	const struct param_layout	*p = &param_layout[i];
	const void			*f = (const char *)cf + p->off;
	const struct bh_strlist		*l = f;
	char				 tag[64], num[32];
	size_t				 j;

	snprintf(tag, sizeof(tag), "p %zu %c", i, kind_tag[p->kind]);
	switch (p->kind) {
	case K_STR:
		return put(d, tag, *(char *const *)f != NULL ?
		    *(char *const *)f : "", err, errlen);
	case K_LIST:
		snprintf(num, sizeof(num), "%zu", l->n);
		if (put(d, tag, num, err, errlen) == -1)
			return -1;
		for (j = 0; j < l->n && j < BH_LIST_MAX; j++)
			if (put(d, "i", l->v[j], err, errlen) == -1)
				return -1;
		return 0;
	case K_LLONG:
		snprintf(num, sizeof(num), "%lld", *(const long long *)f);
		break;
	case K_SANDBOX:
		snprintf(num, sizeof(num), "%d", (int)*(const enum
		    sandbox_mode *)f);
		break;
	default:
		snprintf(num, sizeof(num), "%ld", *(const long *)f);
		break;
	}
	return put(d, tag, num, err, errlen);
}

static int
put_service(struct dbuf *d, const struct mcf_service *s, char *err,
    size_t errlen)
{
	char	 line[256];
	size_t	 i;

	snprintf(line, sizeof(line), "s %d %ld %zu", s->line, s->maxproc,
	    s->nopts);
	if (dbuf_add(d, line, strlen(line)) == -1 ||
	    dbuf_add(d, "\n", 1) == -1 ||
	    put(d, "f", s->file, err, errlen) == -1 ||
	    put(d, "n", s->name, err, errlen) == -1 ||
	    (s->host != NULL ? put(d, "h", s->host, err, errlen) :
	    dbuf_add(d, "H\n", 2)) == -1 ||
	    put(d, "t", s->port, err, errlen) == -1 ||
	    put(d, "c", s->command, err, errlen) == -1)
		goto fail;
	for (i = 0; i < s->nopts; i++) {
		if (strchr(s->opts[i].name, ' ') != NULL ||
		    (size_t)snprintf(line, sizeof(line), "o %s",
		    s->opts[i].name) >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: option name cannot be "
			    "sent", s->file, s->line);
			return -1;
		}
		if (put(d, line, s->opts[i].value, err, errlen) == -1)
			return -1;
	}
	return 0;
fail:
	if (err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	return -1;
}

int
config_encode(const struct bh_config *cf, const struct mcf_table *mcf,
    struct dbuf *d, char *err, size_t errlen)
{
	char	 num[32];
	size_t	 i;

	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; i < nparam_layout; i++)
		if (put_param(d, cf, i, err, errlen) == -1)
			return -1;
	if (mcf != NULL) {
		snprintf(num, sizeof(num), "%zu", mcf->n);
		if (put(d, "m", num, err, errlen) == -1)
			return -1;
		for (i = 0; i < mcf->n; i++)
			if (put_service(d, &mcf->v[i], err, errlen) == -1)
				return -1;
	}
	if (dbuf_add(d, ".\n", 2) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
