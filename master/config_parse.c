/*
 * config_parse.c: main.cf and master.cf, parsed without master parsing a
 * byte of them.  Master (root) opens both files (no symlink followed, a
 * FIFO does not stop it, regular files only) and starts "bulkhead -x
 * config-parse" with only those descriptors and a pipe (checker.c).  It
 * becomes nobody with nothing left (check/config_parser.c), parses, and
 * sends the typed configuration back (conf/config_wire.h), which master
 * decodes strictly against its layout (conf/config_decode.c).  The
 * checks that need root (accounts, spool, key files) run in master on
 * what it decoded (conf/config_system.c).
 *
 * At start-up master waits for it, within PARSE_WAIT_MS.  On reload it
 * runs beside the event loop: a parser that hangs or is stopped does
 * not stop master, which kills it at the deadline and keeps the running
 * configuration.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config_wire.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "master/master.h"
#include "privsep/sandbox.h"

#define PARSE_WAIT_MS	10000

/* dir/name opened for the parser; optional and missing: *fd = -1. */
static int
open_conf(const char *dir, const char *name, int optional, int *fd,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* a symbolic link is followed, as Postfix does: the directory is
	   root's, and so is what it links to */
	if ((*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) == -1) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(*fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, S_ISREG(st.st_mode) ?
		    strerror(errno) : "not a regular file");
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/* Start the parser on main.cf and (with_mcf) master.cf. */
static pid_t
parser_start(const struct master *m, int with_mcf, int *in, char *err,
    size_t errlen)
{
	char	*argv[12];
	int	 fds[2], mfd = -1, mcfd = -1, argc = 0;
	size_t	 n = 0;
	pid_t	 pid = -1;

	if (open_conf(m->confdir, "main.cf", 1, &mfd, err, errlen) == -1 ||
	    (with_mcf && open_conf(m->confdir, "master.cf", 0, &mcfd, err,
	    errlen) == -1))
		goto done;
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "config-parse";
	argv[argc++] = "-c";
	argv[argc++] = (char *)m->confdir;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	if (mfd != -1) {
		argv[argc++] = "-m";
		fds[n++] = mfd;
	}
	if (mcfd != -1) {
		argv[argc++] = "-M";
		fds[n++] = mcfd;
	}
	argv[argc] = NULL;
	pid = checker_spawn(m, argv, fds, n, in, err, errlen);
done:
	if (mfd != -1)
		close(mfd);
	if (mcfd != -1)
		close(mcfd);
	return pid;
}

static void
log_line(int prio, const char *line, void *arg)
{
	log_emit_as(log_clamp_prio(prio), "config-parse", *(pid_t *)arg,
	    line);
}

/* The configuration from the parser's output and exit status. */
static int
parse_result(pid_t pid, char *out, size_t got, int status,
    struct bh_config *cf, struct mcf_table *mcf, char *err, size_t errlen)
{
	int	 parse_error, ok;

	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (config_decode(out, got, cf, mcf, log_line, &pid, &parse_error,
	    err, errlen) == 0 && ok)
		return 0;
	if (!parse_error && !ok) {	/* killed, crashed: cut short */
		config_free(cf);
		mcf_free(mcf);
		snprintf(err, errlen, "the configuration parser failed "
		    "(%s %d)", WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
	}
	return -1;
}

int
config_parse_wait(const struct master *m, struct bh_config *cf,
    struct mcf_table *mcf, char *err, size_t errlen)
{
	char	*out;
	int	 in, status = 0, rc;
	size_t	 got;
	pid_t	 pid;

	if ((pid = parser_start(m, 1, &in, err, errlen)) == -1)
		return -1;
	out = xmalloc(CFG_WIRE_MAX + 1);
	got = checker_collect(pid, in, out, CFG_WIRE_MAX + 1, PARSE_WAIT_MS,
	    &status);
	close(in);
	rc = parse_result(pid, out, got, status, cf, mcf, err, errlen);
	free(out);
	return rc;
}

/* The caller's callback, for the job's. */
struct parse_wait {
	config_parsed	 done;
};

static void
job_done(struct master *m, pid_t pid, char *out, size_t got, int status,
    int cancelled, void *arg)
{
	struct parse_wait	*w = arg;
	config_parsed		 done = w->done;
	struct bh_config	*cf = xcalloc(1, sizeof(*cf));
	char			 err[CF_ERR_MAX];

	free(w);
	if (cancelled)
		snprintf(err, sizeof(err), "master is stopping");
	if (cancelled || parse_result(pid, out, got, status, cf, NULL, err,
	    sizeof(err)) == -1) {
		free(cf);
		done(m, NULL, err);
		return;
	}
	done(m, cf, NULL);
}

int
config_parse_start(struct master *m, config_parsed done, char *err,
    size_t errlen)
{
	struct parse_wait	*w;
	int			 in;
	pid_t			 pid;

	if (m->ccheck != NULL) {
		snprintf(err, errlen, "the configuration parser is running");
		return -1;
	}
	if ((pid = parser_start(m, 0, &in, err, errlen)) == -1)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->done = done;
	checker_job_start(m, &m->ccheck, "configuration parser", pid, in,
	    CFG_WIRE_MAX + 1, PARSE_WAIT_MS, job_done, w);
	return 0;
}
