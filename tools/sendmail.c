/*
 * sendmail: the sendmail(1) command of bulkhead, for cron, mail(1),
 * mutt, PHP's mail() and scripts.  It is neither set-uid nor set-gid:
 * it runs as the user, reads the message, and pipes a drop file
 * (pickup/dropfile.h) to the set-gid bulkdrop, which puts it into the
 * drop directory for the pickup compartment.  The mailq (-bp),
 * newaliases (-bi) and flush (-q) modes run bulkctl; -bs speaks SMTP on
 * standard input (sendmail_smtp.c).
 *
 * Options are Postfix's sendmail(1)'s; those that make no sense here are
 * accepted and ignored as Postfix does.  Exit status: sysexits(3).
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/config_load.h"
#include "lib/xmalloc.h"
#include "pickup/dropfile.h"
#include "tools/sendmail.h"
#include "tools/sendmail_msg.h"


/* The message of die(), apart: a va_list the callee only reads. */
static void __attribute__((format(printf, 1, 0)))
vwarnmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "sendmail: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarnmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sendmail [-itv] [-B type] [-C config_dir] "
	    "[-F full_name] [-f sender]\n"
	    "\t[-N dsn] [-R ret] [-V envid] [-o option] [-b mode] [-q] "
	    "[recipient ...]\n");
	exit(EX_USAGE);
}

/* A program beside this one (installed: $sbindir). */
static void
sibling(const char *name, char *path, size_t len)
{
	char	self[PATH_MAX], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		die(EX_OSERR, "/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if (snprintf(path, len, "%s/%s", self, name) >= (int)len)
		die(EX_OSERR, "%s: path too long", name);
}

/* The option's value: the rest of the argument, else the next one. */
static const char *
value(int argc, char **argv, int *i)
{
	if (argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		usage();
	return argv[++*i];
}

/* Postfix's -C takes main.cf's directory or the file itself. */
static const char *
config_dir(const char *v)
{
	size_t	n = strlen(v);

	if (n > 8 && strcmp(v + n - 8, "/main.cf") == 0)
		return xstrndup(v, n - 8);
	return v;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int		 i;
	const char	*v;

	memset(o, 0, sizeof(*o));
	o->confdir = BH_CONFIG_DIR;
	o->mode = 'm';
	o->dot_ends = 1;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0';
	    i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		switch (argv[i][1]) {
		case 'B':
			o->body = value(argc, argv, &i);
			break;
		case 'C':
		case 'c':
			o->confdir = config_dir(value(argc, argv, &i));
			o->confdir_given = 1;
			break;
		case 'F':
			o->fullname = value(argc, argv, &i);
			break;
		case 'f':
		case 'r':
			o->sender = value(argc, argv, &i);
			break;
		case 'N':
			o->notify = value(argc, argv, &i);
			break;
		case 'R':
			o->ret = value(argc, argv, &i);
			break;
		case 'V':
			/* Postfix: -V envid; -XV and -V alone: verbose */
			o->envid = value(argc, argv, &i);
			break;
		case 'b':
			v = value(argc, argv, &i);
			if (strlen(v) != 1 || strchr("mpivsd", v[0]) == NULL)
				die(EX_USAGE, "-b%s: unsupported mode", v);
			o->mode = v[0];
			break;
		case 'i':
			o->dot_ends = 0;
			break;
		case 'o':
			/* -oi is -i; -oem, -oee, -odb ...: ignored */
			v = value(argc, argv, &i);
			if (strcmp(v, "i") == 0)
				o->dot_ends = 0;
			break;
		case 'O':
		case 'h':
		case 'L':
		case 'X':
			(void)value(argc, argv, &i);	/* ignored */
			break;
		case 'q':
			/* -q, -q30m, -qR..., -qS...: flush the queue */
			o->queue_run = 1;
			break;
		case 't':
			o->extract = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'G':
		case 'n':
		case 'U':
		case 'm':
		case 'e':
			break;			/* ignored, as by Postfix */
		default:
			die(EX_USAGE, "%s: illegal option", argv[i]);
		}
	}
	return i;
}

static void __attribute__((noreturn))
run_bulkctl(const struct opts *o, const char *argv0, const char *cmd)
{
	char	path[PATH_MAX];
	char	*av[6];
	int	ac = 0;

	sibling("bulkctl", path, sizeof(path));
	av[ac++] = (char *)argv0;
	if (o->confdir_given) {
		av[ac++] = "-c";
		av[ac++] = (char *)o->confdir;
	}
	if (cmd != NULL)
		av[ac++] = (char *)cmd;
	av[ac] = NULL;
	execv(path, av);
	die(EX_UNAVAILABLE, "%s: %s", path, strerror(errno));
}

/* The drop file's envelope; the values are checked as pickup will. */
static void
write_envelope(FILE *f, const struct opts *o, const struct sm_rcpts *r)
{
	size_t	i;

	fputs(DROP_MAGIC, f);
	if (o->sender != NULL)
		fprintf(f, "sender %s\n", o->sender);
	if (o->fullname != NULL)
		fprintf(f, "fullname %s\n", o->fullname);
	if (o->notify != NULL)
		fprintf(f, "notify %s\n", o->notify);
	if (o->ret != NULL)
		fprintf(f, "ret %s\n", strcasecmp(o->ret, "full") == 0 ?
		    "full" : "hdrs");
	if (o->envid != NULL)
		fprintf(f, "envid %s\n", o->envid);
	if (o->body != NULL)
		fprintf(f, "body %s\n", strcasecmp(o->body, "8bitmime") == 0 ?
		    "8bitmime" : "7bit");
	for (i = 0; i < r->n; i++)
		fprintf(f, "rcpt %s\n", r->v[i]);
	fputc('\n', f);
}

/* Check what the user gave as pickup will check it: errors here. */
static void
check_opts(struct opts *o, char *sender, size_t slen)
{
	static char	notify[64];
	struct drop_env	e;
	char		err[256];
	char		env[1024];
	int		n;

	if (o->sender != NULL) {
		if (sm_parse_addr(o->sender, strlen(o->sender), sender, slen)
		    == -1)
			die(EX_USAGE, "-f %s: malformed sender address",
			    o->sender);
		o->sender = sender[0] == '\0' ? "<>" : sender;
	}
	if (o->fullname != NULL && !drop_text_valid(o->fullname,
	    strlen(o->fullname), DROP_FULLNAME_MAX))
		die(EX_USAGE, "-F: a full name is printable text of at most "
		    "%d bytes", DROP_FULLNAME_MAX);
	if (o->ret != NULL && strcasecmp(o->ret, "full") != 0 &&
	    strcasecmp(o->ret, "hdrs") != 0)
		die(EX_USAGE, "-R %s: full or hdrs", o->ret);
	if (o->body != NULL && strcasecmp(o->body, "8bitmime") != 0 &&
	    strcasecmp(o->body, "7bit") != 0)
		die(EX_USAGE, "-B %s: 7BIT or 8BITMIME", o->body);
	/* -N and -V: the drop file parser's own rules */
	if (o->notify != NULL) {
		if (strlen(o->notify) >= sizeof(notify))
			die(EX_USAGE, "-N %s: too long", o->notify);
		for (n = 0; o->notify[n] != '\0'; n++)
			notify[n] = (char)tolower((unsigned char)o->notify[n]);
		notify[n] = '\0';
		o->notify = notify;
	}
	n = snprintf(env, sizeof(env), "%s%s%s%s%s%s%srcpt x\n\n", DROP_MAGIC,
	    o->notify ? "notify " : "", o->notify ? o->notify : "",
	    o->notify ? "\n" : "", o->envid ? "envid " : "",
	    o->envid ? o->envid : "", o->envid ? "\n" : "");
	if (n >= (int)sizeof(env) ||
	    drop_parse_env(env, strlen(env), &e, err, sizeof(err)) == -1)
		die(EX_USAGE, "-N %s / -V %s: malformed (-N: never, or "
		    "success,delay,failure; -V: printable, at most %d bytes)",
		    o->notify ? o->notify : "-", o->envid ? o->envid : "-",
		    DROP_ENVID_MAX);
	drop_env_free(&e);
}

/* Pipe the drop file to bulkdrop and return its exit status. */
int
sm_drop(const struct opts *o, const struct sm_rcpts *r, const struct sm_msg *m)
{
	char	path[PATH_MAX];
	int	p[2], status;
	pid_t	pid;
	FILE	*f;

	sibling("bulkdrop", path, sizeof(path));
	if (pipe(p) == -1)
		die(EX_OSERR, "pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		die(EX_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(p[0], STDIN_FILENO) == -1)
			_exit(EX_OSERR);
		close(p[0]);
		close(p[1]);
		if (o->confdir_given)
			execl(path, "bulkdrop", "-c", o->confdir, (char *)NULL);
		else
			execl(path, "bulkdrop", (char *)NULL);
		fprintf(stderr, "sendmail: %s: %s\n", path, strerror(errno));
		_exit(EX_UNAVAILABLE);
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	if ((f = fdopen(p[1], "w")) == NULL)
		die(EX_OSERR, "fdopen: %s", strerror(errno));
	write_envelope(f, o, r);
	fwrite(m->buf, 1, m->len, f);
	fclose(f);			/* bulkdrop's exit says what counts */
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die(EX_OSERR, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	die(EX_SOFTWARE, "bulkdrop killed by signal %d", WTERMSIG(status));
}

/* -F's default: the first field of the user's GECOS, as Postfix. */
static void
default_fullname(struct opts *o)
{
	static char	 name[DROP_FULLNAME_MAX + 1];
	struct passwd	*pw;
	size_t		 n;

	if (o->fullname != NULL || (pw = getpwuid(getuid())) == NULL ||
	    pw->pw_gecos == NULL)
		return;
	n = strcspn(pw->pw_gecos, ",");
	if (n == 0 || n > DROP_FULLNAME_MAX ||
	    !drop_text_valid(pw->pw_gecos, n, DROP_FULLNAME_MAX))
		return;
	memcpy(name, pw->pw_gecos, n);
	name[n] = '\0';
	o->fullname = name;
}

static int
verify(int argc, char **argv, int first)
{
	char	addr[DROP_ADDR_MAX + 1];
	int	i, rc = EX_OK;

	for (i = first; i < argc; i++)
		if (sm_parse_addr(argv[i], strlen(argv[i]), addr,
		    sizeof(addr)) != 0) {
			printf("%s: malformed address\n", argv[i]);
			rc = EX_DATAERR;
		} else
			printf("%s: address syntax ok (no delivery check)\n",
			    addr);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct bh_config cf;
	struct sm_rcpts	 r = { NULL, 0 };
	struct sm_msg	 m;
	char		 err[512], addr[DROP_ADDR_MAX + 1];
	char		 sender[DROP_ADDR_MAX + 1];
	int		 first, i, rc;
	size_t		 envlen;

	first = parse_opts(argc, argv, &o);
	if (o.queue_run)
		run_bulkctl(&o, "bulkctl", "flush");
	switch (o.mode) {
	case 'p':
		run_bulkctl(&o, "mailq", NULL);
	case 'i':
		run_bulkctl(&o, "newaliases", NULL);
	case 'v':
		return verify(argc, argv, first);
	case 's':
		memset(&cf, 0, sizeof(cf));
		if (config_load(&cf, o.confdir, NULL, err, sizeof(err)) == -1)
			die(EX_CONFIG, "%s", err);
		check_opts(&o, sender, sizeof(sender));
		default_fullname(&o);
		rc = sm_smtp(&o, &cf);
		config_free(&cf);
		return rc;
	case 'd':
		die(EX_USAGE, "-bd: run bulkhead(8) to start the daemon");
	default:
		break;
	}
	memset(&cf, 0, sizeof(cf));
	if (config_load(&cf, o.confdir, NULL, err, sizeof(err)) == -1)
		die(EX_CONFIG, "%s", err);
	check_opts(&o, sender, sizeof(sender));
	default_fullname(&o);
	for (i = first; i < argc; i++) {
		if (sm_parse_addr(argv[i], strlen(argv[i]), addr,
		    sizeof(addr)) != 0)
			die(EX_DATAERR, "%s: malformed recipient address",
			    argv[i]);
		sm_rcpts_add(&r, addr);
	}
	switch (sm_read_message(STDIN_FILENO, o.dot_ends,
	    (size_t)cf.message_size_limit, &m)) {
	case SM_READ_ERROR:
		die(EX_NOINPUT, "cannot read the message from standard "
		    "input: %s", strerror(errno));
	case SM_READ_TOO_BIG:
		die(EX_DATAERR, "message too big: message_size_limit is %lld "
		    "bytes", cf.message_size_limit);
	default:
		break;
	}
	if (o.extract && sm_extract_rcpts(&m, &r, err, sizeof(err)) == -1)
		die(EX_DATAERR, "malformed recipient address in the message "
		    "header: %s", err);
	if (r.n == 0)
		die(EX_USAGE, "no recipient addresses%s", o.extract ?
		    " found in the message header" : " given");
	if (r.n > DROP_RCPT_MAX)
		die(EX_USAGE, "more than %d recipients", DROP_RCPT_MAX);
	for (envlen = 1024, i = 0; (size_t)i < r.n; i++)
		envlen += strlen(r.v[i]) + 6;
	if (envlen > DROP_ENVELOPE_MAX)
		die(EX_USAGE, "the recipient list is longer than %d bytes",
		    DROP_ENVELOPE_MAX - 1024);
	rc = sm_drop(&o, &r, &m);
	if (o.verbose && rc == EX_OK)
		fprintf(stderr, "sendmail: queued for %zu recipient%s\n", r.n,
		    r.n == 1 ? "" : "s");
	free(m.buf);
	sm_rcpts_free(&r);
	config_free(&cf);
	return rc;
}
