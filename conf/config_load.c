/*
 * config_load.c: main.cf and master.cf from a configuration directory,
 * parsed and typed.  Used by "bulkhead -x config-parse" on the files
 * master opened for it (from their text), by the tools ("bulkhead -n",
 * "-P"), and by workers (which read the same root-owned files before
 * they drop privileges).  Master itself parses neither: it decodes what
 * the parser sends (config_decode.c) and runs config_system.c's checks.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config_load.h"
#include "lib/textfile.h"

int
config_load_text(struct bh_config *cf, const char *dir, const char *buf,
    size_t len, cf_warn_fn warn, char *err, size_t errlen)
{
	struct cf_table	tab = { NULL, 0 };
	char		path[PATH_MAX];
	int		rc;

	/* No main.cf: every parameter has its default. */
	if (buf == NULL)
		return config_build(cf, &tab, dir, warn, err, errlen);
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	if (cf_parse_buffer(&tab, buf, len, path, err, errlen) == -1)
		return -1;
	rc = config_build(cf, &tab, dir, warn, err, errlen);
	cf_free(&tab);
	return rc;
}

int
config_load(struct bh_config *cf, const char *dir, cf_warn_fn warn,
    char *err, size_t errlen)
{
	struct dbuf	d = { NULL, 0, 0 };
	char		path[PATH_MAX];
	struct stat	st;
	int		rc;

	snprintf(path, sizeof(path), "%s/main.cf", dir);
	if (stat(path, &st) == -1 && errno == ENOENT)
		return config_load_text(cf, dir, NULL, 0, warn, err, errlen);
	if (text_slurp(path, CF_FILE_MAX, &d, err, errlen) == -1) {
		free(d.p);
		return -1;
	}
	rc = config_load_text(cf, dir, d.p != NULL ? d.p : "", d.len, warn,
	    err, errlen);
	free(d.p);
	return rc;
}

int
config_load_mastercf_text(struct mcf_table *mcf, const char *dir,
    const char *buf, size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/master.cf", dir);
	if (mcf_parse_buffer(mcf, buf, len, path, err, errlen) == -1)
		return -1;
	if (mcf->n == 0) {
		snprintf(err, errlen, "%s: no service declared", path);
		return -1;
	}
	return 0;
}

int
config_load_mastercf(struct mcf_table *mcf, const char *dir, char *err,
    size_t errlen)
{
	struct dbuf	d = { NULL, 0, 0 };
	char		path[PATH_MAX];
	int		rc = -1;

	memset(mcf, 0, sizeof(*mcf));
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	if (text_slurp(path, MCF_FILE_MAX, &d, err, errlen) == 0)
		rc = config_load_mastercf_text(mcf, dir, d.p != NULL ? d.p :
		    "", d.len, err, errlen);
	free(d.p);
	return rc;
}
