/*
 * fuzz_config_wire.c: master's decoder of the configuration parser's
 * output (conf/config_decode.c), the bytes a compromised parser
 * controls.  The input is decoded twice, with and without master.cf's
 * services.  What is taken must be within the layout (kinds, ranges,
 * list lengths), and must encode and decode again to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config_layout.h"
#include "conf/config_wire.h"
#include "lib/textfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
quiet(int prio, const char *line, void *arg)
{
	(void)prio;
	(void)line;
	(void)arg;
}

static void
check_taken(const struct bh_config *cf)
{
	const struct param_layout	*p;
	const char			*f;
	long long			 v;
	size_t				 i;

	for (i = 0; i < nparam_layout; i++) {
		p = &param_layout[i];
		f = (const char *)cf + p->off;
		switch (p->kind) {
		case K_STR:
			if (*(char *const *)f == NULL)
				abort();
			continue;
		case K_LIST:
			if (((const struct bh_strlist *)f)->n > BH_LIST_MAX)
				abort();
			continue;
		case K_LLONG:
			v = *(const long long *)f;
			break;
		case K_SANDBOX:
			v = *(const enum sandbox_mode *)f;
			break;
		default:
			v = *(const long *)f;
			break;
		}
		if (v < p->min || v > p->max)
			abort();
	}
}

static void
decode_one(const uint8_t *data, size_t size, int with_mcf)
{
	struct bh_config	 cf, cf2;
	struct mcf_table	 mcf, mcf2;
	struct dbuf		 a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	char			 err[CF_ERR_MAX], *buf;
	int			 pe;

	if ((buf = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(buf, data, size);
	if (config_decode(buf, size, &cf, with_mcf ? &mcf : NULL, quiet, NULL,
	    &pe, err, sizeof(err)) == -1) {
		free(buf);
		return;
	}
	free(buf);
	check_taken(&cf);
	if (config_encode(&cf, with_mcf ? &mcf : NULL, &a, err,
	    sizeof(err)) == 0) {
		if (config_decode(a.p, a.len, &cf2, with_mcf ? &mcf2 : NULL,
		    quiet, NULL, &pe, err, sizeof(err)) == -1)
			abort();
		/* a.p was decoded in place: encode the first again */
		free(a.p);
		a.p = NULL;
		a.len = a.cap = 0;
		if (config_encode(&cf, with_mcf ? &mcf : NULL, &a, err,
		    sizeof(err)) == -1 || config_encode(&cf2, with_mcf ?
		    &mcf2 : NULL, &b, err, sizeof(err)) == -1 ||
		    a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
			abort();
		config_free(&cf2);
		if (with_mcf)
			mcf_free(&mcf2);
	}
	free(a.p);
	free(b.p);
	config_free(&cf);
	if (with_mcf)
		mcf_free(&mcf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1024 * 1024)
		return 0;
	decode_one(data, size, 0);
	decode_one(data, size, 1);
	return 0;
}
