/*
 * smtpd.c: the smtpd compartment.  It accepts on the listeners master
 * opened, runs one SMTP session per connection (session.c), and asks
 * lookup and queue for what it may not decide or touch itself.
 *
 * Handlers:
 *   on_accept		a new connection
 *   smtpd_on_peer	a channel to queue or lookup (peers.c)
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "lib/log.h"
#include "lib/xmalloc.h"
#include "privsep/sandbox.h"
#include "smtpd/smtpd.h"
#include "smtpd/tls.h"

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct smtpd	*sd = arg;
	int		 i = evconnlistener_get_fd(l) - WORKER_MASTER_FD - 1;

	session_accept(sd, fd, sa, salen, i >= 0 && i < sd->we.nlisteners ?
	    &sd->listeners[i] : NULL);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	log_warn("accept");
}

static void
listen_all(struct smtpd *sd)
{
	struct evconnlistener	*l;
	int			 i;

	for (i = 0; i < sd->we.nlisteners; i++) {
		/* libevent accepts in a loop until EAGAIN. */
		if (evutil_make_socket_nonblocking(WORKER_MASTER_FD + 1 + i)
		    == -1)
			fatal("listener %d", i);
		l = evconnlistener_new(sd->we.base, on_accept, sd,
		    LEV_OPT_CLOSE_ON_FREE, 0, WORKER_MASTER_FD + 1 + i);
		if (l == NULL)
			fatalx("cannot use listener %d", i);
		evconnlistener_set_error_cb(l, on_accept_error);
	}
}

/*
 * A session holds its socket and, during DATA, a queue file: two fds at
 * most.  Stay within the hard RLIMIT_NOFILE master left us; when it is
 * too low for two per session, every session still gets its socket and
 * queue files are rationed (session.c, no_fd_for_data); when it is too
 * low even for that, fewer sessions are allowed.
 */
static rlim_t
size_session_limit(struct smtpd *sd)
{
	struct rlimit	rl;
	rlim_t		want = (rlim_t)sd->we.cf.smtpd_session_limit * 2 +
			    SMTPD_FD_RESERVE;
	rlim_t		least = (rlim_t)sd->we.cf.smtpd_session_limit +
			    2 * SMTPD_FD_RESERVE;

	sd->session_limit = sd->we.cf.smtpd_session_limit;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) {
		want = rl.rlim_max;
		if (want < least) {
			sd->session_limit = want > 4 * SMTPD_FD_RESERVE ?
			    want - 2 * SMTPD_FD_RESERVE : SMTPD_FD_RESERVE;
			log_warnx("RLIMIT_NOFILE hard limit %llu: at most %d "
			    "sessions instead of smtpd_session_limit = %ld",
			    (unsigned long long)rl.rlim_max,
			    sd->session_limit, sd->we.cf.smtpd_session_limit);
		}
	}
	sd->nofile = want;
	return want;
}

/*
 * TLS, before the privilege drop: the certificate (the file may be
 * root's).  The private key is never read here: keys holds it and signs
 * for smtpd (tls_keys.c).
 */
static void
tls_setup(struct smtpd *sd)
{
	const struct bh_config	*cf = &sd->we.cf;
	char			 err[512];
	int			 i, any = 0;

	sd->listeners = xcalloc(sd->we.nlisteners + 1,
	    sizeof(*sd->listeners));
	if (tls_listeners(cf, WORKER_MASTER_FD + 1, sd->we.nlisteners,
	    sd->listeners, err, sizeof(err)) == -1)
		fatalx("%s", err);
	for (i = 0; i < sd->we.nlisteners; i++)
		any |= sd->listeners[i].wrapper ||
		    tls_level_offers(sd->listeners[i].level);
	if (!any)
		return;
	if ((sd->tls = tls_server_ctx(cf, err, sizeof(err))) == NULL)
		fatalx("TLS: %s", err);
}

/* smtpd_sender_login_maps, read before the drop: "map, map ..." */
static void
sender_logins_setup(struct smtpd *sd)
{
	char	*maps = xstrdup(sd->we.cf.smtpd_sender_login_maps), *m, *p;
	char	 err[512];

	for (p = maps; (m = strsep(&p, " \t,")) != NULL; ) {
		if (*m == '\0')
			continue;
		if (sl_load(&sd->sender_logins, m, err, sizeof(err)) == -1)
			fatalx("smtpd_sender_login_maps: %s", err);
	}
	free(maps);
}

/* Before the privilege drop: listeners, TLS certificate, the session
   limit. */
static void
smtpd_prepare(struct worker_env *we, struct sandbox_spec *sb)
{
	struct smtpd *sd = we->arg;

	listen_all(sd);
	tls_setup(sd);
	sender_logins_setup(sd);
#ifdef BH_TEST_HOOKS
	hostile_auth_load(&sd->we.cf);
#endif
	sb->nofile = size_session_limit(sd);
}

static void
smtpd_ready(struct worker_env *we)
{
	log_info("ready: %d listeners", we->nlisteners);
}

int
smtpd_main(int argc, char **argv)
{
	static struct smtpd		sd;
	static const struct worker_role	role = {
		.role = ROLE_SMTPD,
		.prepare = smtpd_prepare,
		.ready = smtpd_ready,
		.on_peer = smtpd_on_peer,
	};

	RB_INIT(&sd.waiters);
	RB_INIT(&sd.clients);
	sd.auth_mechs = AUTH_MECHS_BASE;
	return worker_main(&role, &sd.we, &sd, argc, argv);
}
