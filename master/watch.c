/*
 * watch.c: keep lookup's view of accounts and aliases fresh.
 *
 * lookup answers from a snapshot of passwd and the alias files, taken
 * before it entered its empty root.  Every WATCH_INTERVAL seconds master
 * stats those files; when one changed (mtime, size or inode: useradd and
 * editors replace files), it checks the alias files and starts a new
 * lookup, which takes a new snapshot, and hands it to smtpd and local;
 * the old one answers what it was asked and then exits (spawn_handover):
 * clients never see the reload.  A broken alias file keeps the running
 * lookup and says why, as a failed reload does.
 */
#include <sys/stat.h>

#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "master/master.h"

#define WATCH_INTERVAL	5	/* seconds */

static const char *const system_files[] = { "/etc/passwd", "/etc/group" };

/* A cheap fingerprint of one file; 0 when it cannot be read. */
static unsigned long long
fingerprint(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return 0;
	return (unsigned long long)st.st_mtim.tv_sec * 1000003ULL ^
	    (unsigned long long)st.st_mtim.tv_nsec * 31ULL ^
	    (unsigned long long)st.st_ino << 20 ^ (unsigned long long)st.st_size;
}

static unsigned long long
fingerprint_all(const struct master *m)
{
	unsigned long long	sum = 0;
	size_t			i;

	for (i = 0; i < sizeof(system_files) / sizeof(system_files[0]); i++)
		sum = sum * 1099511628211ULL + fingerprint(system_files[i]);
	for (i = 0; i < m->cf.alias_maps.n; i++)
		sum = sum * 1099511628211ULL +
		    fingerprint(m->cf.alias_maps.v[i]);
	return sum;
}

static void
on_checked(struct master *m, int ok, const char *err, void *arg)
{
	if (m->stopping)
		return;
	if (!ok) {
		log_warnx("alias file changed but is broken, keeping the "
		    "running lookup: %s", err);
		return;
	}
	log_info("accounts or aliases changed: restarting lookup (a new one "
	    "takes over; the old one answers what it was asked)");
	spawn_handover(m, ROLE_LOOKUP);
}

static void
on_watch(evutil_socket_t fd, short ev, void *arg)
{
	struct master		*m = arg;
	unsigned long long	 now = fingerprint_all(m);
	char			 err[CF_ERR_MAX];

	/* A check still running: this change is seen on a later look. */
	if (now == m->watch_sum || m->stopping || m->acheck != NULL)
		return;
	m->watch_sum = now;
	if (alias_check_start(m, &m->cf, on_checked, NULL, err,
	    sizeof(err)) == -1)
		on_checked(m, 0, err, NULL);
}

void
watch_start(struct master *m)
{
	struct timeval tv = { WATCH_INTERVAL, 0 };

	m->watch_sum = fingerprint_all(m);
	if ((m->watch_ev = event_new(m->base, -1, EV_PERSIST, on_watch, m))
	    == NULL || event_add(m->watch_ev, &tv) == -1)
		fatalx("watch timer");
}

/* After a reload the alias files may be others: start from them. */
void
watch_reset(struct master *m)
{
	m->watch_sum = fingerprint_all(m);
}
