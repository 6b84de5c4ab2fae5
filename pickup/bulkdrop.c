/*
 * bulkdrop: the set-gid helper that puts one local submission into the
 * drop directory (Postfix's postdrop).  It runs as the calling user with
 * the effective group bulkdrop, which alone may create files in
 * $queue_directory/maildrop (mode 1730, owned by pickup_user, group
 * bulkdrop): a user can neither list, read nor touch that directory
 * without it.
 *
 * It parses nothing but its arguments and the (root-owned) main.cf for
 * queue_directory and message_size_limit.  It copies its standard input
 * unread into a new file (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 while
 * written), at most message_size_limit + DROP_ENVELOPE_MAX bytes, fsyncs
 * it and marks it complete with mode 0744, as Postfix does.  The file
 * records nothing it could lie about: who submitted it is the file's
 * owner, which the kernel set to our real uid.  pickup reads what is in
 * it as hostile input.
 *
 *   bulkdrop [-c config_dir]
 *
 * A config_dir other than the default is taken from a user other than
 * root only when it and its main.cf are root's and no one else may
 * write them (bulkdrop(8)).  Exit status: sysexits(3).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/config_load.h"
#include "pickup/dropfile.h"

#ifdef BH_SANITIZER
/*
 * Sanitizer builds: a set-gid process is not dumpable, so LeakSanitizer
 * cannot stop it at exit to look for leaks and ends with a fatal error
 * instead; leaks are the unit tests' to find.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

#define DROP_DIR_MODE	01730
#define DROP_DONE_MODE	0744

static int	 dir_fd = -1, out_fd = -1;
static char	 tmp_name[DROP_NAME_LEN + 1];
static volatile sig_atomic_t created;

/* The message of die(), apart: a va_list the callee only reads. */
static void __attribute__((format(printf, 1, 0)))
vwarnmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "bulkdrop: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list	ap;

	if (created)
		(void)unlinkat(dir_fd, tmp_name, 0);
	va_start(ap, fmt);
	vwarnmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

/* A signal while we write: the half-written file goes. */
static void
on_signal(int sig)
{
	if (created)
		(void)unlinkat(dir_fd, tmp_name, 0);
	_exit(128 + sig);
}

/*
 * A configuration directory a user names is trusted only if root owns it
 * and its main.cf and no one else may write either: otherwise a user
 * could name a drop directory and a size limit of his own.
 */
static int
confdir_trusted(const char *dir)
{
	char		path[PATH_MAX];
	struct stat	st;

	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & 022) != 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s/main.cf", dir) >=
	    (int)sizeof(path))
		return 0;
	if (lstat(path, &st) == -1)
		return errno == ENOENT;
	return S_ISREG(st.st_mode) && st.st_uid == 0 &&
	    (st.st_mode & 022) == 0;
}

static void
open_drop_dir(const struct bh_config *cf)
{
	char		path[PATH_MAX];
	struct stat	st;

	if (snprintf(path, sizeof(path), "%s/maildrop", cf->queue_directory)
	    >= (int)sizeof(path))
		die(EX_CONFIG, "%s: queue_directory too long",
		    cf->queue_directory);
	/* O_PATH: the group may search and write the directory, not read */
	if ((dir_fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(dir_fd, &st) == -1)
		die(EX_UNAVAILABLE, "cannot open the drop directory: %s "
		    "(run bulkhead-setup)", strerror(errno));
	if ((st.st_mode & 07777) != DROP_DIR_MODE || st.st_uid == 0 ||
	    (getuid() != 0 && st.st_gid != getegid()))
		die(EX_CONFIG, "%s is not a drop directory (mode 1730, "
		    "group bulkdrop; run bulkhead-setup)", path);
}

static void
create_file(void)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 r[DROP_NAME_LEN / 2];
	int			 fd, i, tries;

	for (tries = 0; tries < 10; tries++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			die(EX_OSERR, "getrandom: %s", strerror(errno));
		for (i = 0; i < DROP_NAME_LEN / 2; i++) {
			tmp_name[2 * i] = hex[r[i] >> 4];
			tmp_name[2 * i + 1] = hex[r[i] & 15];
		}
		tmp_name[DROP_NAME_LEN] = '\0';
		fd = openat(dir_fd, tmp_name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1) {
			out_fd = fd;
			created = 1;
			return;
		}
		if (errno != EEXIST)
			die(errno == ENOSPC || errno == EDQUOT ? EX_TEMPFAIL :
			    EX_CANTCREAT, "cannot create a drop file: %s",
			    strerror(errno));
	}
	die(EX_CANTCREAT, "cannot create a drop file: %s", "name clash");
}

static void
copy_input(unsigned long long limit)
{
	char			buf[65536];
	unsigned long long	total = 0;
	ssize_t			n, w, off;

	for (;;) {
		if ((n = read(STDIN_FILENO, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			die(EX_NOINPUT, "cannot read the message: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		if ((total += (unsigned long long)n) > limit)
			die(EX_DATAERR, "%s", "message file too big "
			    "(message_size_limit)");
		for (off = 0; off < n; off += w)
			if ((w = write(out_fd, buf + off, (size_t)(n - off))) == -1
			    && errno != EINTR)
				die(errno == ENOSPC || errno == EDQUOT ||
				    errno == EFBIG ? EX_TEMPFAIL : EX_IOERR,
				    "cannot write the drop file: %s",
				    strerror(errno));
			else if (w == -1)
				w = 0;
	}
	if (total == 0)
		die(EX_NOINPUT, "%s", "empty input");
}

int
main(int argc, char **argv)
{
	struct bh_config	cf;
	const char		*confdir = BH_CONFIG_DIR;
	char			err[512];
	int			ch;
	struct sigaction	sa;

	umask(077);
	/* 0, 1 and 2 open, so that no file we open takes their place */
	while ((ch = open("/dev/null", O_RDWR)) != -1 && ch <= 2)
		;
	if (ch == -1)
		return EX_OSERR;
	close(ch);
	while ((ch = getopt(argc, argv, "c:")) != -1)
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		default:
			fprintf(stderr, "usage: bulkdrop [-c config_dir]\n");
			return EX_USAGE;
		}
	if (optind != argc) {
		fprintf(stderr, "usage: bulkdrop [-c config_dir]\n");
		return EX_USAGE;
	}
	if (getuid() != 0 && strcmp(confdir, BH_CONFIG_DIR) != 0 &&
	    !confdir_trusted(confdir))
		die(EX_USAGE, "%s: not root's; only root may name another "
		    "configuration directory", confdir);
	memset(&cf, 0, sizeof(cf));
	if (config_load(&cf, confdir, NULL, err, sizeof(err)) == -1)
		die(EX_CONFIG, "%s", err);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	open_drop_dir(&cf);
	create_file();
	copy_input((unsigned long long)cf.message_size_limit +
	    DROP_ENVELOPE_MAX);
	if (fsync(out_fd) == -1 || fchmod(out_fd, DROP_DONE_MODE) == -1 ||
	    close(out_fd) == -1)
		die(EX_IOERR, "cannot finish the drop file: %s",
		    strerror(errno));
	created = 0;
	config_free(&cf);
	return EX_OK;
}
