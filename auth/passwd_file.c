/*
 * passwd_file.c: the file backend of the auth compartment (see
 * passwd_file.h).  Hashes are checked with libxcrypt's crypt_rn, so any
 * method it knows works: yescrypt ($y$), bcrypt ($2b$), sha512-crypt
 * ($6$), ...
 */
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/passwd_file.h"
#include "lib/xmalloc.h"

int
pwfile_user_valid(const char *user)
{
	const unsigned char *p;

	if (*user == '\0' || strlen(user) > 255)
		return 0;
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p <= ' ' || *p == ':' || *p == 0x7f)
			return 0;
	return 1;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pwentry *)a)->user,
	    ((const struct pwentry *)b)->user);
}

/* One line (no newline); 0 if taken or skipped, -1 if bad. */
static int
parse_line(struct pwfile *pw, char *line, const char **why)
{
	char	*colon, *hash, *end;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	if ((colon = strchr(line, ':')) == NULL) {
		*why = "no ':' after the login name";
		return -1;
	}
	*colon = '\0';
	hash = colon + 1;
	if ((end = strchr(hash, ':')) != NULL)
		*end = '\0';
	if (!pwfile_user_valid(line)) {
		*why = "bad login name";
		return -1;
	}
	/* a hash is printable, without blanks: "*" or "!" lock the login */
	if (*hash == '\0' || strcspn(hash, " \t\r\v\f") != strlen(hash)) {
		*why = "bad hash";
		return -1;
	}
	pw->v = xreallocarray(pw->v, pw->n + 1, sizeof(*pw->v));
	pw->v[pw->n].user = xstrdup(line);
	pw->v[pw->n].hash = xstrdup(hash);
	pw->n++;
	return 0;
}

int
pwfile_parse(struct pwfile *pw, const char *buf, size_t len, char *err,
    size_t errlen)
{
	char		*copy, *line, *nl;
	const char	*why = NULL;
	size_t		 i;
	int		 lineno = 0;

	memset(pw, 0, sizeof(*pw));
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in the file");
		return -1;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && *line != '\0'; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (parse_line(pw, line, &why) == -1) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			explicit_bzero(copy, len);
			free(copy);
			pwfile_free(pw);
			return -1;
		}
	}
	explicit_bzero(copy, len);
	free(copy);
	qsort(pw->v, pw->n, sizeof(*pw->v), entry_cmp);
	for (i = 1; i < pw->n; i++)
		if (strcmp(pw->v[i - 1].user, pw->v[i].user) == 0) {
			snprintf(err, errlen, "login %s is listed twice",
			    pw->v[i].user);
			pwfile_free(pw);
			return -1;
		}
	return 0;
}

/* A hash of a password nobody knows, made like the file's first one,
   so that an unknown user costs what a known one does. */
static int
make_dummy(struct pwfile *pw)
{
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*prefix = NULL;
	struct crypt_data	*cd;
	int			 ok = 0;

	if (pw->n > 0 && pw->v[0].hash[0] == '$')
		prefix = pw->v[0].hash;
	cd = xcalloc(1, sizeof(*cd));
	/* the prefix with its cost: crypt_gensalt takes "$y$j9T$..." */
	if ((prefix == NULL || crypt_gensalt_rn(prefix, 0, NULL, 0, setting,
	    sizeof(setting)) == NULL) && crypt_gensalt_rn(NULL, 0, NULL, 0,
	    setting, sizeof(setting)) == NULL)
		goto out;
	if (crypt_rn("no password matches this", setting, cd,
	    sizeof(*cd)) == NULL || cd->output[0] == '*')
		goto out;
	pw->dummy = xstrdup(cd->output);
	ok = 1;
out:
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok ? 0 : -1;
}

int
pwfile_load(struct pwfile *pw, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, rc;

	memset(pw, 0, sizeof(*pw));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 &&
	    errno == ENOENT) {
		/* no file: no logins (SASL may well be off) */
		if (make_dummy(pw) == -1) {
			snprintf(err, errlen, "cannot make a dummy hash");
			return -1;
		}
		return 0;
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0 || st.st_size > PWFILE_SIZE_MAX) {
		snprintf(err, errlen, "%s: must be a regular file owned by root, "
		    "writable by root only, at most %d bytes", path,
		    PWFILE_SIZE_MAX);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	rc = pwfile_parse(pw, buf, got, err, errlen);
	explicit_bzero(buf, got);
	free(buf);
	if (rc == -1)
		return -1;
	if (make_dummy(pw) == -1) {
		snprintf(err, errlen, "%s: cannot make a dummy hash", path);
		pwfile_free(pw);
		return -1;
	}
	return 0;
}

const char *
pwfile_hash(const struct pwfile *pw, const char *user)
{
	struct pwentry	 key, *e;

	memset(&key, 0, sizeof(key));
	key.user = (char *)user;
	if (pw->n == 0)
		return NULL;
	e = bsearch(&key, pw->v, pw->n, sizeof(*pw->v), entry_cmp);
	return e != NULL ? e->hash : NULL;
}

/* Equal strings, in a time that does not depend on where they differ. */
static int
same(const char *a, const char *b)
{
	size_t		la = strlen(a), lb = strlen(b), i;
	unsigned char	d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int
pwfile_verify(const struct pwfile *pw, const char *user,
    const char *password)
{
	const char		*hash = pwfile_hash(pw, user);
	struct crypt_data	*cd;
	int			 ok;

	cd = xcalloc(1, sizeof(*cd));
	ok = crypt_rn(password, hash != NULL ? hash :
	    (pw->dummy != NULL ? pw->dummy : "*"), cd, sizeof(*cd)) != NULL &&
	    cd->output[0] != '*' && hash != NULL && same(cd->output, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

void
pwfile_free(struct pwfile *pw)
{
	size_t i;

	for (i = 0; i < pw->n; i++) {
		free(pw->v[i].user);
		explicit_bzero(pw->v[i].hash, strlen(pw->v[i].hash));
		free(pw->v[i].hash);
	}
	free(pw->v);
	free(pw->dummy);
	memset(pw, 0, sizeof(*pw));
}
