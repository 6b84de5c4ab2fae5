/*
 * fuzz_config.c: main.cf and master.cf, both from the same input.
 *
 * A parse either fails with "name:line: ..." or succeeds; a successful
 * main.cf must also build (or fail to build) a typed configuration
 * without crashing, and everything must free cleanly.  No file system,
 * no logging: the parsers take (pointer, length).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "conf/mastercf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_error(const char *err, const char *fname)
{
	/* Every error names the file it came from. */
	if (strncmp(err, fname, strlen(fname)) != 0)
		abort();
}

static void
fuzz_maincf(const uint8_t *data, size_t size)
{
	struct cf_table		tab;
	struct bh_config	cf;
	char			err[CF_ERR_MAX];

	memset(&tab, 0, sizeof(tab));
	memset(&cf, 0, sizeof(cf));
	err[0] = '\0';
	if (cf_parse_buffer(&tab, (const char *)data, size, "main.cf", err,
	    sizeof(err)) == -1) {
		check_error(err, "main.cf");
		cf_free(&tab);
		return;
	}
	if (config_build(&cf, &tab, BH_CONFIG_DIR, NULL, err, sizeof(err))
	    == 0) {
		if (cf.myhostname == NULL || cf.queue_directory == NULL ||
		    cf.queue_directory[0] != '/')
			abort();
	}
	config_free(&cf);
	cf_free(&tab);
}

static void
fuzz_mastercf(const uint8_t *data, size_t size)
{
	struct mcf_table	tab;
	char			err[CF_ERR_MAX];
	size_t			i;

	memset(&tab, 0, sizeof(tab));
	err[0] = '\0';
	if (mcf_parse_buffer(&tab, (const char *)data, size, "master.cf", err,
	    sizeof(err)) == -1) {
		check_error(err, "master.cf");
		mcf_free(&tab);
		return;
	}
	for (i = 0; i < tab.n; i++)
		if (tab.v[i].port == NULL || atoi(tab.v[i].port) < 1 ||
		    atoi(tab.v[i].port) > 65535 ||
		    tab.v[i].nopts > MCF_OPT_MAX)
			abort();
	mcf_free(&tab);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_maincf(data, size);
	fuzz_mastercf(data, size);
	return 0;
}
