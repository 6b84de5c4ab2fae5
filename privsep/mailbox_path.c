/*
 * mailbox_path.c: master's checks on names and paths.  See mailbox_path.h.
 */
#include <string.h>

#include "privsep/mailbox_path.h"

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
