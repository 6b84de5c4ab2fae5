/*
 * runner_fork.c: master's answer to local's IPC_RUNNER_OPEN, a |command
 * or /file target of an alias or a ~/.forward.
 *
 * local names the source (an alias file by its index in master's own
 * alias_maps and the alias name, or a user's ~/.forward) and the target.
 * master decides whose rights the delivery gets from trusted data alone:
 * the account after the writer's own checks for a ~/.forward; the alias
 * file's owner (default_privs when root owns it) for an alias.  The
 * runner it forks re-reads the source as that user and delivers only a
 * target the source really lists: local never chooses what runs.  A
 * target behind :include: files waits for the chain's verification
 * (include_verify.c), which master does not wait for.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/mailbox_path.h"
#include "master/master.h"
#include "privsep/sandbox.h"

static int
list_has(const struct bh_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

const char *
take_account(const struct passwd *pw, struct runner_target *t)
{
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	if (strlcpy(t->login, pw->pw_name, sizeof(t->login)) >=
	    sizeof(t->login) || strlcpy(t->home, pw->pw_dir != NULL ?
	    pw->pw_dir : "/", sizeof(t->home)) >= sizeof(t->home) ||
	    strlcpy(t->shell, pw->pw_shell != NULL && pw->pw_shell[0] != '\0' ?
	    pw->pw_shell : "/bin/sh", sizeof(t->shell)) >= sizeof(t->shell))
		return "account name, home or shell too long";
	return NULL;
}

/* The account a file's owner stands for: default_privs for root. */
struct passwd *
owner_account(const struct master *m, uid_t owner)
{
	return owner == 0 ? getpwnam(m->cf.default_privs) : getpwuid(owner);
}

/* The runner's identity, as both runner commands take it. */
int
runner_add_identity(char **argv, int argc, const struct runner_target *t,
    uid_t owner, struct runner_ids *ids)
{
	snprintf(ids->uid, sizeof(ids->uid), "%u", (unsigned)t->uid);
	snprintf(ids->gid, sizeof(ids->gid), "%u", (unsigned)t->gid);
	snprintf(ids->owner, sizeof(ids->owner), "%u", (unsigned)owner);
	argv[argc++] = "-u";
	argv[argc++] = ids->uid;
	argv[argc++] = "-g";
	argv[argc++] = ids->gid;
	argv[argc++] = "-L";
	argv[argc++] = (char *)t->login;
	argv[argc++] = "-H";
	argv[argc++] = (char *)t->home;
	argv[argc++] = "-E";
	argv[argc++] = (char *)t->shell;
	argv[argc++] = "-O";
	argv[argc++] = ids->owner;
	return argc;
}

/*
 * An alias file of master's alias_maps, or the :include: file that lists
 * the target: a regular file (never a link) whose owner's rights the
 * delivery gets, default_privs for root (Postfix's rule).  The runner
 * checks that the file lists the target; here only whose it is counts.
 * chain_st: the last file of a verified :include: chain
 * (include_verify.c), or NULL when there is none.
 */
static const char *
alias_owner(struct master *m, const struct msg_runner_open *req,
    const struct stat *chain_st, struct runner_target *t, const char **dsn,
    int *security)
{
	struct stat	 st;
	struct passwd	*pw;
	const char	*path;

	memset(&st, 0, sizeof(st));	/* no file examined: not regular */
	if (chain_st != NULL)
		st = *chain_st;
	*dsn = "4.7.0";
	*security = 1;
	if (req->map >= m->cf.alias_maps.n)
		return "no such alias_maps entry";
	path = req->depth > 0 && req->kind != RUNNER_INCLUDE ?
	    req->chain[req->depth - 1] : m->cf.alias_maps.v[req->map];
	if (path == m->cf.alias_maps.v[req->map] && lstat(path, &st) == -1) {
		*security = 0;
		*dsn = "4.3.0";
		return "cannot examine the alias or :include: file";
	}
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
		return "alias or :include: file is a symbolic link or not a "
		    "regular file";
	t->owner = st.st_uid;
	errno = 0;
	pw = owner_account(m, st.st_uid);
	if (pw == NULL) {
		*dsn = "4.3.0";
		return "alias file owner (or default_privs) has no account";
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return "alias file owner has uid or gid 0";
	/*
	 * An :include: file's owner (not root's: default_privs is the
	 * admin's choice) passes a mailbox writer's account rules: no
	 * runner as a system account or below local_minimum_uid.
	 */
	if (path != m->cf.alias_maps.v[req->map] && st.st_uid != 0) {
		int		 sec;

		if (account_refusal(pw->pw_name, pw->pw_uid,
		    pw->pw_gid, pw->pw_dir, m->cf.local_minimum_uid, dsn,
		    &sec) != NULL) {
			*dsn = "4.7.0";
			return ":include: file owner is not an account mail "
			    "may run as (system account or below "
			    "local_minimum_uid)";
		}
	}
	*security = 0;
	*dsn = "4.3.0";
	return take_account(pw, t);
}

/* May this kind of target come from this kind of source at all? */
static const char *
runner_allowed(const struct master *m, const struct msg_runner_open *req,
    const char **dsn, int *security)
{
	const struct bh_strlist	*allow;

	*security = 0;
	allow = req->kind == RUNNER_COMMAND ? &m->cf.allow_mail_to_commands :
	    &m->cf.allow_mail_to_files;
	/* Reading an :include: file needs no permission (as in Postfix). */
	if (req->kind != RUNNER_INCLUDE && !list_has(allow,
	    req->source == RUNNER_FORWARD ? "forward" : req->depth > 0 ?
	    "include" : "alias")) {
		*dsn = "5.7.1";
		return req->kind == RUNNER_COMMAND ?
		    "mail to command is restricted" :
		    "mail to file is restricted";
	}
	if (req->source == RUNNER_ALIAS && req->map >= m->cf.alias_maps.n) {
		*dsn = "4.7.0";
		*security = 1;
		return "no such alias_maps entry";
	}
	return NULL;
}

static const char *
runner_check(struct master *m, const struct msg_runner_open *req,
    const struct stat *chain_st, struct runner_target *t, const char **dsn,
    int *security)
{
	struct passwd		*pw;
	const char		*why;

	memset(t, 0, sizeof(*t));
	if (req->source == RUNNER_ALIAS)
		return alias_owner(m, req, chain_st, t, dsn, security);
	if ((why = account_check(m, req->name, &pw, dsn, security)) != NULL)
		return why;
	t->owner = pw->pw_uid;
	*dsn = "4.3.0";
	return take_account(pw, t);
}

static pid_t
start_runner(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_runner_open *req, const struct runner_target *t)
{
	struct runner_ids	ids;
	char			tl[24], att[16], del[16], stale[16];
	char			*argv[48];
	int			argc = 0;
	uint32_t		i;

	snprintf(tl, sizeof(tl), "%ld", m->cf.command_time_limit);
	snprintf(att, sizeof(att), "%ld", m->cf.deliver_lock_attempts);
	snprintf(del, sizeof(del), "%ld", m->cf.deliver_lock_delay);
	snprintf(stale, sizeof(stale), "%ld", m->cf.stale_lock_time);
	argv[argc++] = "bulkhead";
	argv[argc++] = "-x";
	argv[argc++] = "runner";
	argc = runner_add_identity(argv, argc, t, t->owner, &ids);
	if (req->source == RUNNER_ALIAS) {
		argv[argc++] = "-A";
		argv[argc++] = m->cf.alias_maps.v[req->map];
		for (i = 0; i < req->depth && i < IPC_INCLUDE_DEPTH; i++) {
			argv[argc++] = "-I";
			argv[argc++] = (char *)req->chain[i];
		}
	} else {
		argv[argc++] = "-F";
		argv[argc++] = (char *)req->suffix;
	}
	argv[argc++] = "-n";
	argv[argc++] = (char *)req->name;
	argv[argc++] = "-k";
	argv[argc++] = req->kind == RUNNER_COMMAND ? "command" :
	    req->kind == RUNNER_FILE ? "file" : "include";
	argv[argc++] = "-t";
	argv[argc++] = (char *)req->value;
	argv[argc++] = "-T";
	argv[argc++] = tl;
	argv[argc++] = "-D";
	argv[argc++] = m->cf.recipient_delimiter;
	argv[argc++] = "-a";
	argv[argc++] = att;
	argv[argc++] = "-d";
	argv[argc++] = del;
	argv[argc++] = "-s";
	argv[argc++] = stale;
	argv[argc++] = "-S";
	argv[argc++] = (char *)seccomp_get_mode();
	argv[argc] = NULL;
	return child_start(m, c, id, IPC_RUNNER_OPEN_OK, "runner", argv);
}

/* The answer to a request master does not serve, with a log line. */
void
runner_refuse(struct ipc_chan *c, uint32_t id, const char *name,
    const char *why, const char *dsn, int security)
{
	if (security)
		log_security("refused runner for %s from local: %s", name, why);
	else
		log_warnx("no runner for %s: %s", name, why);
	ipc_reply_error(c, id, dsn, why);
}

/*
 * Whose rights, then the runner; for an alias target behind :include:
 * files, after include_verify.c verified the chain (chain_st: the stat
 * of its last file).
 */
void
runner_continue(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_runner_open *req, const struct stat *chain_st)
{
	struct runner_target		t;
	const char			*why, *dsn;
	char				 name[IPC_USER_MAX + 1];
	int				 security;
	pid_t				 pid;

	printable(name, req->name, sizeof(name));
	if ((why = runner_check(m, req, chain_st, &t, &dsn, &security))
	    != NULL) {
		runner_refuse(c, id, name, why, dsn, security);
		return;
	}
	if ((pid = start_runner(m, c, id, req, &t)) != -1)
		log_debug("runner for %s (uid %u) is pid %d", name,
		    (unsigned)t.uid, (int)pid);
}

void
runner_open(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_runner_open *req)
{
	const char	*why, *dsn;
	char		 name[IPC_USER_MAX + 1];
	int		 security;

	if ((why = runner_allowed(m, req, &dsn, &security)) != NULL) {
		printable(name, req->name, sizeof(name));
		runner_refuse(c, id, name, why, dsn, security);
		return;
	}
	/* Master answers when the chain's verifiers have (never waits). */
	if (req->source == RUNNER_ALIAS && req->depth > 0)
		include_verify_start(m, c, id, req);
	else
		runner_continue(m, c, id, req, NULL);
}
