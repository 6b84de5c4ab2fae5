/*
 * userdb.h: a snapshot of the passwd database, taken by lookup before it
 * enters its compartment (an empty root has no /etc/passwd).  Master
 * restarts lookup on reload, which takes a fresh snapshot.
 */
#ifndef BH_USERDB_H
#define BH_USERDB_H

#include <sys/types.h>
#include <stddef.h>

struct userdb_entry {
	char	*name;
	uid_t	 uid;
	gid_t	 gid;
	char	*home;
};

struct userdb {
	struct userdb_entry	*v;
	size_t			 n;
};

int	userdb_load(struct userdb *);
/* userdb_add: gid = uid, home /home/NAME (for tests). */
void	userdb_add(struct userdb *, const char *name, uid_t uid);
void	userdb_add_account(struct userdb *, const char *name, uid_t uid,
	    gid_t gid, const char *home);
void	userdb_sort(struct userdb *);
const struct userdb_entry *userdb_find(const struct userdb *, const char *);
void	userdb_free(struct userdb *);

#endif
