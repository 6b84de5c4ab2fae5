/*
 * bulkctl_passwd.c: bulkctl passwd USER.  Reads the password from the
 * terminal (twice, without echo) or one line of standard input, hashes
 * it with libxcrypt's default method (yescrypt on Debian 12), and
 * writes smtpd_sasl_path anew: the other lines as they were, this
 * login's line replaced or added, into a temporary file (root, 0600)
 * that is fsynced and renamed over the old one, and the directory
 * fsynced, so that a crash leaves the old file or the new one.
 */
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth/passwd_file.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "tools/bulkctl_passwd.h"

#define PW_MAX	(IPC_AUTH_PASS_MAX - 1)

/* One line from fd 0, without its end; -1 on EOF, error or overlong. */
static int
read_line(char *buf, size_t len)
{
	size_t	n = 0;
	char	c;
	ssize_t	r;

	while ((r = read(STDIN_FILENO, &c, 1)) == 1 && c != '\n') {
		if (n + 1 >= len || c == '\0')
			return -1;
		buf[n++] = c;
	}
	if (r == -1 || (r == 0 && n == 0))
		return -1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static int
prompt(const char *what, char *buf, size_t len)
{
	struct termios	old, quiet;
	int		rc;

	/* echo off before the prompt: what is typed after it is kept */
	if (tcgetattr(STDIN_FILENO, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
		return -1;
	fprintf(stderr, "%s", what);
	rc = read_line(buf, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return rc;
}

static int
get_password(char *pw, size_t len)
{
	char again[PW_MAX + 2];
	int  rc = 0;

	if (!isatty(STDIN_FILENO))
		return read_line(pw, len);
	if (prompt("New password: ", pw, len) == -1 ||
	    prompt("Retype new password: ", again, sizeof(again)) == -1)
		rc = -1;
	else if (strcmp(pw, again) != 0) {
		fprintf(stderr, "bulkctl: the passwords differ\n");
		rc = -1;
	}
	explicit_bzero(again, sizeof(again));
	return rc;
}

/* "$y$..." for pw; NULL on failure. */
static char *
make_hash(const char *pw)
{
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd = xcalloc(1, sizeof(*cd));
	char			*h = NULL;

	if (crypt_gensalt_rn(NULL, 0, NULL, 0, setting, sizeof(setting))
	    != NULL && crypt_rn(pw, setting, cd, sizeof(*cd)) != NULL &&
	    cd->output[0] != '*')
		h = xstrdup(cd->output);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return h;
}

/* The current file's text ("" if none); NULL if it cannot be trusted. */
static char *
read_old(const char *path)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT ? xstrdup("") : NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    st.st_size > PWFILE_SIZE_MAX) {
		close(fd);
		errno = EPERM;
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return buf;
}

/* The old lines without user's, then user's new one. */
static int
write_lines(FILE *f, const char *old, const char *user, const char *hash)
{
	size_t		 ulen = strlen(user);
	const char	*p, *nl;

	for (p = old; *p != '\0'; p = nl) {
		nl = strchr(p, '\n');
		nl = nl != NULL ? nl + 1 : p + strlen(p);
		if (strncmp(p, user, ulen) == 0 && p[ulen] == ':')
			continue;
		fwrite(p, 1, (size_t)(nl - p), f);
		if (nl[-1] != '\n')
			fputc('\n', f);
	}
	fprintf(f, "%s:%s\n", user, hash);
	return fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
}

static int
replace_file(const char *path, const char *old, const char *user,
    const char *hash)
{
	char	 tmp[4096], dir[4096];
	FILE	*f;
	int	 fd, dfd;

	snprintf(tmp, sizeof(tmp), "%s.bulkctl-%d", path, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	if (fchown(fd, 0, 0) == -1 || fchmod(fd, 0600) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (write_lines(f, old, user, hash) == -1 || fclose(f) != 0 ||
	    rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	xstrlcpy(dir, path, sizeof(dir));
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int
bulkctl_passwd(const struct bh_config *cf, const char *user)
{
	const char	*path = cf->smtpd_sasl_path;
	char		 pw[PW_MAX + 2], *hash = NULL, *old = NULL;
	int		 rc = 1;

	if (strcmp(cf->smtpd_sasl_type, "passwd-file") != 0) {
		fprintf(stderr, "bulkctl: smtpd_sasl_type is %s, not "
		    "passwd-file: set passwords there\n", cf->smtpd_sasl_type);
		return 1;
	}
	if (!pwfile_user_valid(user)) {
		fprintf(stderr, "bulkctl: bad login name (no white space, "
		    "':' or control character, at most 255 bytes)\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bulkctl: passwd must run as root\n");
		return 1;
	}
	if (get_password(pw, sizeof(pw)) == -1 || pw[0] == '\0' ||
	    strlen(pw) > PW_MAX) {
		fprintf(stderr, "bulkctl: no password read (one line, 1 to %d "
		    "bytes)\n", PW_MAX);
		goto out;
	}
	if ((hash = make_hash(pw)) == NULL) {
		fprintf(stderr, "bulkctl: cannot hash the password\n");
		goto out;
	}
	if ((old = read_old(path)) == NULL) {
		fprintf(stderr, "bulkctl: %s: %s (it must be a regular file "
		    "owned by root)\n", path, strerror(errno));
		goto out;
	}
	if (replace_file(path, old, user, hash) == -1) {
		fprintf(stderr, "bulkctl: cannot write %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	printf("password of %s set in %s; reload bulkhead (SIGHUP) to use "
	    "it\n", user, path);
	rc = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	free(hash);
	free(old);
	return rc;
}
