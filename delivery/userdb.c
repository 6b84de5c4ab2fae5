/*
 * userdb.c: the passwd snapshot.  See userdb.h.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery/userdb.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

void
userdb_add_account(struct userdb *db, const char *name, uid_t uid,
    gid_t gid, const char *home)
{
	struct userdb_entry *v;

	v = xreallocarray(db->v, db->n + 1, sizeof(*v));
	db->v = v;
	v[db->n].name = xstrdup(name);
	v[db->n].home = xstrdup(home != NULL ? home : "");
	v[db->n].uid = uid;
	v[db->n].gid = gid;
	db->n++;
}

void
userdb_add(struct userdb *db, const char *name, uid_t uid)
{
	char home[256];

	snprintf(home, sizeof(home), "/home/%s", name);
	userdb_add_account(db, name, uid, uid, home);
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct userdb_entry *)a)->name,
	    ((const struct userdb_entry *)b)->name);
}

void
userdb_sort(struct userdb *db)
{
	if (db->n > 0)
		qsort(db->v, db->n, sizeof(*db->v), entry_cmp);
}

int
userdb_load(struct userdb *db)
{
	struct passwd *pw;

	setpwent();
	while ((pw = getpwent()) != NULL)
		userdb_add_account(db, pw->pw_name, pw->pw_uid, pw->pw_gid,
		    pw->pw_dir);
	endpwent();
	userdb_sort(db);
	return 0;
}

const struct userdb_entry *
userdb_find(const struct userdb *db, const char *name)
{
	struct userdb_entry key;

	if (db->n == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.name = (char *)name;
	return bsearch(&key, db->v, db->n, sizeof(*db->v), entry_cmp);
}

void
userdb_free(struct userdb *db)
{
	size_t i;

	for (i = 0; i < db->n; i++) {
		free(db->v[i].name);
		free(db->v[i].home);
	}
	free(db->v);
	db->v = NULL;
	db->n = 0;
}
