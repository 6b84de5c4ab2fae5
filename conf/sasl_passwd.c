/*
 * sasl_passwd.c: smtp_sasl_password_maps files (see sasl_passwd.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/sasl_passwd.h"
#include "lib/textfile.h"

#define SASL_PASSWD_LINES_MAX	100000

static int
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* One line: its key is dest (2), alt (1), neither (0), or bad (-1). */
static int
parse_line(const char *line, const char *dest, const char *alt, char *user,
    char *pass, const char **why)
{
	size_t		 kn, un, pn;
	const char	*v, *colon;
	int		 r;

	kn = strcspn(line, " \t");
	for (v = line + kn; *v == ' ' || *v == '\t'; v++)
		;
	if (kn == 0 || *v == '\0') {
		*why = "expected: destination username:password";
		return -1;
	}
	if ((colon = strchr(v, ':')) == NULL || colon == v) {
		*why = "the value must be username:password";
		return -1;
	}
	un = (size_t)(colon - v);
	pn = strlen(colon + 1);
	while (pn > 0 && (colon[pn] == ' ' || colon[pn] == '\t'))
		pn--;
	if (pn == 0 || un >= SASL_PASSWD_FIELD_MAX ||
	    pn >= SASL_PASSWD_FIELD_MAX || !printable(v, un + 1 + pn) ||
	    memchr(v, ' ', un) != NULL || memchr(v, '\t', un) != NULL) {
		*why = "username and password: 1 to 255 printable characters "
		    "each, no blank in the username";
		return -1;
	}
	if (strlen(dest) == kn && strncasecmp(line, dest, kn) == 0)
		r = 2;
	else if (alt[0] != '\0' && strlen(alt) == kn &&
	    strncasecmp(line, alt, kn) == 0)
		r = 1;
	else
		return 0;
	memcpy(user, v, un);
	user[un] = '\0';
	memcpy(pass, colon + 1, pn);
	pass[pn] = '\0';
	return r;
}

int
sasl_passwd_lookup_buffer(const char *buf, size_t len, const char *fname,
    const char *dest, char *user, char *pass, char *err, size_t errlen)
{
	struct lreader	 lr;
	struct dbuf	 lb;
	char		 alt[SASL_PASSWD_FIELD_MAX + 8] = "";
	const char	*why;
	size_t		 n = strlen(dest);
	int		 first, rc, found = 0, r;

	if (dest[0] == '\0')
		dest = "\n";		/* matches no key: a check */
	if (dest[0] == '[' && n > 4 && n - 3 < sizeof(alt) &&
	    strcmp(dest + n - 3, ":25") == 0) {
		memcpy(alt, dest, n - 3);
		alt[n - 3] = '\0';
	}
	memset(&lb, 0, sizeof(lb));
	lline_init(&lr, buf, len, fname, SASL_PASSWD_LINES_MAX);
	while ((rc = lline_next(&lr, &lb, &first, err, errlen)) == 1) {
		r = parse_line(lb.p, dest, found ? "" : alt, user, pass, &why);
		if (r == -1) {
			snprintf(err, errlen, "%s:%d: %s", fname, first, why);
			rc = -1;
			break;
		}
		if (r > 0)
			found = 1;
		if (r == 2)		/* the exact key wins over "[host]" */
			break;
	}
	free(lb.p);
	return rc == -1 ? -1 : found;
}

int
sasl_passwd_lookup(const char *path, const char *dest, char *user,
    char *pass, char *err, size_t errlen)
{
	struct stat	st;
	struct dbuf	b;
	int		rc;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: must be owned by root and readable "
		    "by root only (chmod 600)", path);
		return -1;
	}
	memset(&b, 0, sizeof(b));
	if (text_slurp(path, SASL_PASSWD_SIZE_MAX, &b, err, errlen) == -1)
		return -1;
	rc = sasl_passwd_lookup_buffer(b.p != NULL ? b.p : "", b.len, path,
	    dest, user, pass, err, errlen);
	if (b.p != NULL)
		explicit_bzero(b.p, b.cap);
	free(b.p);
	return rc;
}
