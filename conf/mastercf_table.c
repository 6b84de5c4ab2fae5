/*
 * mastercf_table.c: freeing a master.cf table, apart from its parser:
 * master builds one from the parser's output (config_decode.c) and
 * links no parser.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/mastercf.h"

void
mcf_service_clear(struct mcf_service *svc)
{
	size_t	 i;

	free(svc->name);
	free(svc->host);
	free(svc->port);
	free(svc->command);
	free(svc->file);
	for (i = 0; i < svc->nopts && i < MCF_OPT_MAX; i++) {
		free(svc->opts[i].name);
		free(svc->opts[i].value);
	}
	memset(svc, 0, sizeof(*svc));
}

void
mcf_free(struct mcf_table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		mcf_service_clear(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
