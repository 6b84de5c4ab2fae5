/*
 * mailbox_path.c: master's checks on names and paths.  See mailbox_path.h.
 */
#include <string.h>

#include "privsep/ipc_msgs.h"
#include "privsep/mailbox_path.h"
#include "privsep/sandbox.h"

/*
 * A user name as local may send it: what useradd accepts, and nothing a
 * path could be built from.  lookup never produces anything else, so a
 * name that fails here comes from a compromised local.
 */
int
user_name_ok(const char *user)
{
	const char *p;

	if (user[0] == '\0' || user[0] == '-' || user[0] == '.')
		return 0;
	for (p = user; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.' || (*p == '$' && p[1] == '\0')))
			return 0;
	return 1;
}

/* Absolute, no "." or ".." segment, no empty segment, not "/" itself. */
int
path_canonical(const char *path)
{
	const char	*p, *seg;
	size_t		 n;

	if (path[0] != '/' || path[1] == '\0')
		return 0;
	for (p = path + 1;; p = seg + n + 1) {
		seg = p;
		n = strcspn(seg, "/");
		if (n == 0 && seg[0] == '\0')
			return 1;	/* one trailing '/' */
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (seg[n] == '\0')
			return 1;
	}
}

/* Is path, canonical, dir itself or below it? */
int
path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return path_canonical(path) && strncmp(path, dir, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0');
}

const char *
account_refusal(const char *name, unsigned long uid, unsigned long gid,
    const char *home, long minimum_uid, const char **dsn, int *security)
{
	*security = 0;
	if (!user_name_ok(name) || !ipc_valid_user(name)) {
		*dsn = "5.1.3";
		*security = 1;
		return "malformed user name";
	}
	if (uid == 0) {
		*dsn = "4.3.0";
		return "mail for root must be aliased to a user";
	}
	if ((long)uid < minimum_uid || uid >= BH_OVERFLOW_UID) {
		*dsn = "4.7.0";
		*security = 1;
		return "system account (uid below local_minimum_uid, or nobody)";
	}
	if (gid == 0) {
		*dsn = "4.7.0";
		*security = 1;
		return "account has primary group 0";
	}
	if (home == NULL || !path_canonical(home)) {
		*dsn = "4.3.0";
		*security = 1;
		return "home directory is not a canonical absolute path";
	}
	return NULL;
}
