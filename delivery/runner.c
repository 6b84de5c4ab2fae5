/*
 * runner.c: one |command or /file delivery.  Master forks and execs it
 * with the uid and gid it derived (the ~/.forward's user, or the alias
 * file's owner, default_privs for root) and the source local named.  It
 * enters its sandbox as that user (no chroot: a command needs the file
 * system), then re-reads the source itself, as the writer reads it, and
 * delivers only if the target local asked for is really listed there.
 * Otherwise it logs a security event and exits RUNNER_EXIT_REFUSED
 * without running anything; master logs that too.
 *
 * It serves one IPC_WRITE_MAIL from local on fd 3 (the message on a
 * pipe, as a writer gets it), answers, and exits.  For an :include:
 * file (-k include) it serves one IPC_INCLUDE_READ instead: the file's
 * bytes, read with the rights of the alias file's owner, for local to
 * parse.  A target reached through :include: files (-I, in order) is
 * checked along that chain: the alias lists the first file, each file
 * the next, the last one the target.
 *
 * Handlers:
 *   on_write_mail	run the command, or append to the file
 *   on_include_read	read the :include: file for local
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf/aliases.h"
#include "delivery/forward.h"
#include "delivery/forward_read.h"
#include "delivery/mbox.h"
#include "delivery/runner.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/strl.h"
#include "lib/xmalloc.h"
#include "privsep/ipc_msgs.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

#define RUNNER_IDLE		60	/* seconds local may take to ask */
#ifdef BH_TEST_HOOKS
/* An alias file line that makes a verifying runner hang (tests only). */
#define RUNNER_STALL_HOOK	"#bh-test-hook: include verifier stall\n"
#endif
#define ALIAS_FILE_MAX		(16 * 1024 * 1024)	/* = lookup's */

struct runner {
	struct event_base	*base;
	struct ipc_chan		*chan;
	const char		*login, *home, *shell;
	const char		*alias_file;	/* -A, or NULL: ~/.forward */
	const char		*suffix;	/* -F */
	const char		*name;		/* -n: alias name or user */
	const char		*target;	/* -t */
	int			 command;	/* -k command */
	int			 include;	/* -k include; else file */
	int			 verify_only;	/* -V: check the source, exit */
	const char		*chain[IPC_INCLUDE_DEPTH];	/* -I */
	int			 depth;
	uid_t			 owner;		/* -O */
	long			 time_limit;	/* -T */
	const char		*delims;	/* -D */
	struct mbox_locking	 lk;
	char			 dsn[IPC_DSN_MAX];	/* set: cannot check */
	char			 why[IPC_TEXT_MAX];
};

enum listed { LISTED_NO, LISTED_YES, LISTED_UNKNOWN };

/* Each :include: file of the chain lists the next, the last the target. */
static enum listed
chain_lists(struct runner *r)
{
	static struct msg_forward_data	 fd;
	static struct forward		 f;
	enum forward_kind		 kind;
	const char			*want;
	char				 err[256];
	size_t				 k;
	uid_t				 owner = (uid_t)-1;
	int				 i;

	for (i = 0; i < r->depth; i++) {
		memset(&fd, 0, sizeof(fd));
		include_read(r->chain[i], &fd, &owner);
		if (fd.status != FORWARD_FOUND) {
			snprintf(r->why, sizeof(r->why), ":include: file "
			    "%.200s: %.200s", r->chain[i], fd.status ==
			    FORWARD_NONE ? "does not exist" : fd.reason);
			return LISTED_UNKNOWN;
		}
		if (forward_parse(&f, fd.text, strlen(fd.text), err,
		    sizeof(err)) == -1) {
			snprintf(r->why, sizeof(r->why), "%.200s: %.200s",
			    r->chain[i], err);
			return LISTED_UNKNOWN;
		}
		kind = i + 1 < r->depth || r->include ? FWD_INCLUDE :
		    r->command ? FWD_COMMAND : FWD_FILE;
		want = i + 1 < r->depth ? r->chain[i + 1] : r->target;
		for (k = 0; k < f.n; k++)
			if (f.v[k].kind == kind &&
			    strcmp(f.v[k].value, want) == 0)
				break;
		if (k == f.n) {
			snprintf(r->why, sizeof(r->why), ":include: file "
			    "%.200s does not list %.200s", r->chain[i], want);
			return LISTED_NO;
		}
	}
	/* A command or file in an :include: file: master took its owner. */
	if (r->depth > 0 && !r->include && owner != r->owner) {
		snprintf(r->why, sizeof(r->why), ":include: file %.200s "
		    "changed owner since master looked", r->chain[r->depth - 1]);
		return LISTED_NO;
	}
	return LISTED_YES;
}

static enum listed
alias_lists(struct runner *r)
{
	static struct alias_table	 t;
	const struct alias_entry	*e;
	struct stat			 st;
	enum alias_kind			 kind;
	const char			*want;
	char				 err[ALIAS_ERR_MAX], *buf;
	ssize_t				 n;
	size_t				 i;
	int				 fd;

	if ((fd = open(r->alias_file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		snprintf(r->why, sizeof(r->why), "alias file %s: %s",
		    r->alias_file, strerror(errno));
		return errno == ELOOP ? LISTED_NO : LISTED_UNKNOWN;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != r->owner && (r->depth == 0 || r->include)) ||
	    st.st_size > ALIAS_FILE_MAX) {
		close(fd);
		snprintf(r->why, sizeof(r->why), "alias file %s changed owner "
		    "or kind since master looked", r->alias_file);
		return LISTED_NO;
	}
	buf = xmalloc(st.st_size + 1);
	n = fd_read_all(fd, buf, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		snprintf(r->why, sizeof(r->why), "cannot read alias file %s",
		    r->alias_file);
		return LISTED_UNKNOWN;
	}
#ifdef BH_TEST_HOOKS
	/*
	 * Test builds: a verifier (-V) that hangs, as one its user stopped
	 * would (test_include_verify.py).
	 */
	if (r->verify_only && memmem(buf, n, RUNNER_STALL_HOOK,
	    sizeof(RUNNER_STALL_HOOK) - 1) != NULL)
		sleep(60);
#endif
	if (aliases_parse_buffer(&t, buf, n, r->alias_file, err, sizeof(err))
	    == -1) {
		free(buf);
		snprintf(r->why, sizeof(r->why), "%s", err);
		return LISTED_UNKNOWN;
	}
	free(buf);
	/* The alias lists the first :include: file, or the target. */
	kind = r->depth > 0 || r->include ? ALIAS_INCLUDE : r->command ?
	    ALIAS_COMMAND : ALIAS_FILE;
	want = r->depth > 0 ? r->chain[0] : r->target;
	if ((e = aliases_lookup(&t, r->name)) != NULL)
		for (i = 0; i < e->ntargets; i++)
			if (e->targets[i].kind == kind &&
			    strcmp(e->targets[i].value, want) == 0)
				return chain_lists(r);
	snprintf(r->why, sizeof(r->why), "alias %s in %s does not list %s%s",
	    r->name, r->alias_file, kind == ALIAS_COMMAND ? "|" :
	    kind == ALIAS_INCLUDE ? ":include:" : "", want);
	return LISTED_NO;
}

static enum listed
forward_lists(struct runner *r)
{
	static struct msg_forward_data	 fd;
	static struct forward		 f;
	enum forward_kind		 kind = r->command ? FWD_COMMAND :
					    FWD_FILE;
	char				 err[256];
	size_t				 i;

	memset(&fd, 0, sizeof(fd));
	forward_read(r->home, r->suffix, &fd);
	if (fd.status != FORWARD_FOUND) {
		snprintf(r->why, sizeof(r->why), "~/.forward of %.64s: %.300s",
		    r->name, fd.status == FORWARD_NONE ? "none" : fd.reason);
		return LISTED_NO;
	}
	if (forward_parse(&f, fd.text, strlen(fd.text), err, sizeof(err))
	    == -1) {
		snprintf(r->why, sizeof(r->why), "%s", err);
		return LISTED_NO;
	}
	for (i = 0; i < f.n; i++)
		if (f.v[i].kind == kind && strcmp(f.v[i].value, r->target) == 0)
			return LISTED_YES;
	snprintf(r->why, sizeof(r->why), "~/.forward of %s does not list "
	    "%s%s", r->name, r->command ? "|" : "", r->target);
	return LISTED_NO;
}

/*
 * The one check that matters: the target is in the file its author
 * wrote.  Not listed: a compromised local (or a source changed under
 * us); nothing runs.  Unreadable: a temporary failure for local.
 */
static void
verify_source(struct runner *r)
{
	enum listed l;

	l = r->alias_file != NULL ? alias_lists(r) : forward_lists(r);
	if (l == LISTED_YES)
		return;
	if (l == LISTED_UNKNOWN) {
		xstrlcpy(r->dsn, "4.3.0", sizeof(r->dsn));
		log_warnx("%s", r->why);
		return;
	}
	log_security("refusing %s %s for %s: %s", r->command ? "command" :
	    r->include ? ":include:" : "file", r->target, r->name, r->why);
	exit(RUNNER_EXIT_REFUSED);
}

/* RECIPIENT and its parts, as local(8) exports them. */
static void
split_recipient(const char *rcpt, const char *delims, char *local,
    char *domain, char *ext, size_t len)
{
	const char	*at = strrchr(rcpt, '@');
	size_t		 n = at != NULL ? (size_t)(at - rcpt) : strlen(rcpt);
	size_t		 base;

	if (n >= len)
		n = len - 1;
	memcpy(local, rcpt, n);
	local[n] = '\0';
	strlcpy_text(domain, at != NULL ? at + 1 : "", len);
	ext[0] = '\0';
	if (delims != NULL && delims[0] != '\0' &&
	    (base = strcspn(local, delims)) > 0 && base < n)
		strlcpy_text(ext, local + base + 1, len);
}

#define ENV_MAX	12

static void
make_env(const struct runner *r, const struct msg_write_mail *m,
    char (*env)[IPC_ADDR_MAX + 32], char **envp)
{
	char	local[IPC_ADDR_MAX], domain[IPC_ADDR_MAX], ext[IPC_ADDR_MAX];
	int	i = 0;

	split_recipient(m->delivered_to, r->delims, local, domain, ext,
	    sizeof(local));
#define SETENV(fmt, val)						\
	do {								\
		snprintf(env[i], sizeof(env[i]), fmt, val);		\
		envp[i] = env[i];					\
		i++;							\
	} while (0)
	SETENV("HOME=%s", r->home);
	SETENV("LOGNAME=%s", r->login);
	SETENV("USER=%s", r->login);
	SETENV("SHELL=%s", r->shell);
	SETENV("PATH=%s", "/usr/bin:/bin");
	SETENV("SENDER=%s", m->return_path);
	SETENV("RECIPIENT=%s", m->delivered_to);
	SETENV("ORIGINAL_RECIPIENT=%s", m->orig_rcpt[0] != '\0' ?
	    m->orig_rcpt : m->delivered_to);
	SETENV("LOCAL=%s", local);
	SETENV("DOMAIN=%s", domain);
	SETENV("EXTENSION=%s", ext);
#undef SETENV
	envp[i] = NULL;
}

static void
deliver(struct runner *r, const struct msg_write_mail *m, int fd, char *dsn,
    char *why, int *ok)
{
	static char		 env[ENV_MAX][IPC_ADDR_MAX + 32];
	char			*envp[ENV_MAX + 1];
	struct maildir_msg	 mm;
	struct runner_cmd	 rc;

	mm.return_path = m->return_path;
	mm.delivered_to = m->delivered_to;
	mm.content_len = m->content_len;
	mm.content_fd = fd;
	if (!r->command) {
		*ok = mbox_deliver(r->target, &r->lk, &mm, dsn, IPC_DSN_MAX,
		    why, IPC_TEXT_MAX) == 0;
		return;
	}
	make_env(r, m, env, envp);
	rc.command = r->target;
	rc.cwd = r->home;
	rc.envp = envp;
	rc.time_limit = r->time_limit;
	*ok = runner_command(&rc, &mm, dsn, IPC_DSN_MAX, why,
	    IPC_TEXT_MAX) == 0;
}

static void
on_write_mail(struct runner *r, uint32_t id, const struct msg_write_mail *m,
    int fd)
{
	char			dsn[IPC_DSN_MAX], why[IPC_TEXT_MAX];
	int			flags, ok;

	if (r->dsn[0] != '\0') {
		close(fd);
		ipc_reply_error(r->chan, id, r->dsn, r->why);
		goto done;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		close(fd);
		ipc_reply_error(r->chan, id, "4.3.0", "bad content pipe");
		goto done;
	}
	deliver(r, m, fd, dsn, why, &ok);
	close(fd);
	if (ok) {
		log_info("%s: delivered to %s %s", m->qid, r->command ?
		    "command" : "file", r->target);
		ipc_reply(r->chan, IPC_OK, id, NULL, -1);
	} else {
		log_info("%s: %s %s: %s %s", m->qid, r->command ? "command" :
		    "file", r->target, dsn, why);
		ipc_reply_error(r->chan, id, dsn, why);
	}
done:
	ipc_chan_flush(r->chan);
	exit(0);
}

/* The :include: file's bytes, as ~/.forward's are handed over. */
static void
on_include_read(struct runner *r, uint32_t id)
{
	static struct msg_forward_data	f;
	static uint8_t			buf[IPC_PAYLOAD_MAX];
	struct wbuf			wb;
	uid_t				owner;

	memset(&f, 0, sizeof(f));
	if (r->dsn[0] != '\0') {
		ipc_reply_error(r->chan, id, r->dsn, r->why);
		goto done;
	}
	include_read(r->target, &f, &owner);
	wb_init(&wb, buf, sizeof(buf));
	enc_forward_data(&wb, &f);
	ipc_reply(r->chan, IPC_INCLUDE_DATA, id, &wb, -1);
done:
	ipc_chan_flush(r->chan);
	exit(0);
}

static void
chan_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct runner *r = arg;

	/* The table lets only WRITE_MAIL (with its fd) and INCLUDE_READ in. */
	if (h->type == IPC_INCLUDE_READ && r->include) {
		on_include_read(r, h->id);
		return;
	}
	if (h->type != IPC_WRITE_MAIL || r->include) {
		if (fd != -1)
			close(fd);
		ipc_chan_fail(c, "not what this runner was made for");
		return;
	}
	on_write_mail(r, h->id, &msg->write_mail, fd);
}

static void
chan_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	ipc_chan_flush(c);
	exit(violation ? 1 : 0);
}

static void
on_idle(evutil_socket_t fd, short ev, void *arg)
{
	exit(0);
}

static void
usage(void)
{
	fatalx("usage: bulkhead -x runner -u UID -g GID -L LOGIN -H HOME "
	    "-E SHELL -O OWNER (-A ALIASFILE [-I INCLUDE ...] | -F SUFFIX) "
	    "-n NAME -k command|file|include -t TARGET -T LIMIT [-D DELIMS] "
	    "[-a ATTEMPTS -d DELAY -s STALE] [-S MODE] [-V]");
}

static void
parse_args(struct worker_env *we, struct sandbox_spec *sb, int argc,
    char **argv)
{
	struct runner	*r = we->arg;
	const char	*errstr = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv,
	    "u:g:L:H:E:O:A:F:I:n:k:t:T:D:a:d:s:S:V")) != -1) {
		switch (ch) {
		case 'V':
			r->verify_only = 1;
			break;
		case 'u':
			sb->uid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			break;
		case 'g':
			sb->gid = strtonum(optarg, 1, UINT32_MAX - 1, &errstr);
			break;
		case 'O':
			r->owner = strtonum(optarg, 0, UINT32_MAX - 1, &errstr);
			break;
		case 'L':
			r->login = optarg;
			break;
		case 'H':
			r->home = optarg;
			break;
		case 'E':
			r->shell = optarg;
			break;
		case 'A':
			r->alias_file = optarg;
			break;
		case 'F':
			r->suffix = optarg;
			break;
		case 'n':
			r->name = optarg;
			break;
		case 'k':
			r->command = strcmp(optarg, "command") == 0;
			r->include = strcmp(optarg, "include") == 0;
			if (!r->command && !r->include &&
			    strcmp(optarg, "file") != 0)
				usage();
			break;
		case 'I':
			if (r->depth == IPC_INCLUDE_DEPTH || optarg[0] != '/')
				usage();
			r->chain[r->depth++] = optarg;
			break;
		case 't':
			r->target = optarg;
			break;
		case 'T':
			r->time_limit = strtonum(optarg, 1, INT_MAX, &errstr);
			break;
		case 'D':
			r->delims = optarg;
			break;
		case 'a':
			r->lk.attempts = strtonum(optarg, 1, 1000, &errstr);
			break;
		case 'd':
			r->lk.delay = strtonum(optarg, 1, 86400, &errstr);
			break;
		case 's':
			r->lk.stale = strtonum(optarg, 1, INT_MAX, &errstr);
			break;
		case 'S':
			seccomp_set_mode(optarg);
			break;
		default:
			usage();
		}
		if (errstr != NULL)
			fatalx("runner: bad number: %s", errstr);
	}
	if (sb->uid == 0 || sb->gid == 0 || r->login == NULL ||
	    r->home == NULL || r->shell == NULL || r->name == NULL ||
	    r->target == NULL || r->time_limit == 0 ||
	    (r->alias_file == NULL) == (r->suffix == NULL) ||
	    (r->alias_file != NULL && r->alias_file[0] != '/') ||
	    r->home[0] != '/' || (!r->command && r->target[0] != '/') ||
	    (r->alias_file == NULL && (r->depth > 0 || r->include)))
		usage();
}

static void
runner_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct runner	*r = we->arg;
	struct timeval	 tv = { RUNNER_IDLE, 0 };
	struct event	*idle;

	r->base = we->base;
	r->chan = we->local;
	if ((idle = evtimer_new(r->base, on_idle, r)) == NULL ||
	    evtimer_add(idle, &tv) == -1)
		fatalx("idle timer");
}

/*
 * As its user now: is the target still listed in its source?  With -V
 * that is all: master asks, link by link, before it looks at the path
 * of an :include: file (runner_fork.c), and reads the exit status.
 */
static void
runner_start(struct worker_env *we)
{
	struct runner *r = we->arg;

	verify_source(r);
	if (r->verify_only)
		exit(r->dsn[0] != '\0' ? RUNNER_EXIT_UNKNOWN :
		    RUNNER_EXIT_LISTED);
}

int
runner_main(int argc, char **argv)
{
	static struct worker_env	we;
	static struct runner		r;
	static const struct worker_role	role = {
		.role = ROLE_RUNNER,
		.parse = parse_args,
		.prepare = runner_prepare,
		.start = runner_start,
		.chan_msg = chan_msg,
		.chan_closed = chan_closed,
		.chan_as = ROLE_RUNNER,
	};

	r.lk.attempts = 20;		/* Postfix's defaults, if not given */
	r.lk.delay = 1;
	r.lk.stale = 500;
	return worker_main(&role, &we, &r, argc, argv);
}
