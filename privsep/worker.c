/*
 * worker.c: the skeleton of every compartment (worker_main), and the
 * part of it that talks to master.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/compartment.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"
#include "conf/config_load.h"
#include "lib/strl.h"
#include "privsep/sandbox.h"
#include "privsep/worker.h"

/* The log sink needs the channel; this is the one pointer it may use. */
static struct ipc_chan *log_chan;

static void
log_to_master(int prio, const char *line)
{
	uint8_t		buf[1100];
	struct wbuf	wb;
	struct msg_log	m;

	m.prio = prio;
	strlcpy_text(m.line, line, sizeof(m.line));
	wb_init(&wb, buf, sizeof(buf));
	enc_log(&wb, &m);
	ipc_note(log_chan, IPC_LOG, &wb, -1);
	if (prio <= 2)		/* LOG_CRIT: fatal() exits right after */
		ipc_chan_flush(log_chan);
}

static void
master_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd, void *arg)
{
	struct worker_env	*we = arg;

	if (h->type == IPC_SETUP_PEER) {
		we->on_peer(we, msg->setup_peer.role, fd);
		return;
	}
	if (we->on_master_reply != NULL &&
	    ipc_type_info(h->type)->kind == IPC_REPLY) {
		we->on_master_reply(we, h, msg, fd);
		return;
	}
	if (fd != -1)
		close(fd);
	fatalx("unexpected %s from master", ipc_type_name(h->type));
}

static void
master_closed(struct ipc_chan *c, const char *why, int violation, void *arg)
{
	/* Master is gone or insane: nothing sensible is left to do. */
	log_set_sink(NULL);
	_exit(violation ? 1 : 0);
}

static void
on_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	struct worker_env *we = arg;

	event_base_loopexit(we->base, NULL);
}

#ifdef BH_TEST_HOOKS
/*
 * Test builds only.  SIGUSR1: send master a malformed message (a LOG
 * with a priority no decoder accepts), as a compromised worker might.
 * SIGUSR2: attempt a forbidden system call.  SIGRTMIN+1: report queue
 * for a protocol violation (a false accusation unless queue is a peer).
 * SIGRTMIN+3: a second READY.  SIGRTMIN+4: a LOG_EMERG line; SIGRTMIN+5:
 * a flood of log lines.  And early_hook() below.
 */
/* SIGRTMIN+1: accuse queue of a violation, whether or not it is a peer. */
static void
on_sigrt_accuse(evutil_socket_t sig, short ev, void *arg)
{
	worker_peer_violation(arg, ROLE_QUEUE, "test hook accusation");
}

/* SIGRTMIN+4: a LOG_EMERG line, which journald would wall to every
   terminal; SIGRTMIN+5: 5000 lines at once. */
static void
on_sigrt_emerg(evutil_socket_t sig, short ev, void *arg)
{
	uint8_t		buf[128];
	struct wbuf	wb;
	struct msg_log	m;

	m.prio = 0;
	strlcpy_text(m.line, "test hook: emergency", sizeof(m.line));
	wb_init(&wb, buf, sizeof(buf));
	enc_log(&wb, &m);
	ipc_note(log_chan, IPC_LOG, &wb, -1);
}

static void
on_sigrt_flood(evutil_socket_t sig, short ev, void *arg)
{
	int i;

	for (i = 0; i < 5000; i++)
		log_info("test hook: log flood line %d", i);
}

/* SIGRTMIN+3: say READY once more, as a compromised worker might. */
static void
on_sigrt_ready(evutil_socket_t sig, short ev, void *arg)
{
	struct worker_env *we = arg;

	ipc_note(we->master, IPC_READY, NULL, -1);
}

/*
 * A file "test-hook-early" in the configuration directory naming this
 * role: before entering the compartment (so before READY), accuse a
 * peer of a protocol violation, a privileged note.
 */
static void
early_hook(struct worker_env *we, const char *confdir)
{
	char	 path[1024], line[32];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/test-hook-early", confdir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, ipc_role_name(we->role)) == 0)
			worker_peer_violation(we, we->role == ROLE_QUEUE ?
			    ROLE_SMTPD : ROLE_QUEUE, "test hook: before READY");
	}
	fclose(f);
}

static void
on_sigusr1(evutil_socket_t sig, short ev, void *arg)
{
	uint8_t		buf[64];
	struct wbuf	wb;

	wb_init(&wb, buf, sizeof(buf));
	wb_u32(&wb, 99);
	wb_str(&wb, "forged");
	ipc_note(log_chan, IPC_LOG, &wb, -1);
}

static void
on_sigusr2(evutil_socket_t sig, short ev, void *arg)
{
	log_warnx("test hook: attempting a forbidden system call");
	ipc_chan_flush(log_chan);
	(void)unshare(CLONE_NEWUSER);
	log_warnx("test hook: forbidden call was NOT blocked");
}
#endif

static void
usage(void)
{
	fatalx("usage: bulkhead -x ROLE -c DIR [-L N] [-S MODE] [-v]");
}

/* Parse "-c DIR -L N -S MODE [-A ADDRS] -v", read the config, connect to
   master. */
static void
worker_init(struct worker_env *we, enum bh_role role, int argc, char **argv)
{
	const char	*confdir = NULL;
	char		 err[CF_ERR_MAX];
	struct event	*ev;
	int		 ch;

	we->role = role;
	log_init(ipc_role_name(role), 1);
	while ((ch = getopt(argc, argv, "A:c:L:S:v")) != -1) {
		switch (ch) {
		case 'A':
			we->own_addrs = optarg;
			break;
		case 'c':
			confdir = optarg;
			break;
		case 'L':
			we->nlisteners = atoi(optarg);
			break;
		case 'S':
			seccomp_set_mode(optarg);
			break;
		case 'v':
			log_set_verbose(1);
			break;
		default:
			usage();
		}
	}
	if (confdir == NULL || we->nlisteners < 0 || we->nlisteners > 64)
		usage();
	sandbox_close_fds(WORKER_MASTER_FD + 1 + we->nlisteners);
	ipc_codecs_use(ipc_codecs_all);
	if ((we->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	we->master = ipc_chan_new(we->base, WORKER_MASTER_FD, role,
	    ROLE_MASTER, master_msg, master_closed, we);
	log_chan = we->master;
	log_set_sink(log_to_master);
	if (config_load(&we->cf, confdir, NULL, err, sizeof(err)) == -1)
		fatalx("%s", err);

	if ((ev = evsignal_new(we->base, SIGTERM, on_sigterm, we)) == NULL ||
	    evsignal_add(ev, NULL) == -1)
		fatalx("cannot handle SIGTERM");
#ifdef BH_TEST_HOOKS
	if ((ev = evsignal_new(we->base, SIGUSR2, on_sigusr2, we)) == NULL ||
	    evsignal_add(ev, NULL) == -1 ||
	    (ev = evsignal_new(we->base, SIGUSR1, on_sigusr1, we)) == NULL ||
	    evsignal_add(ev, NULL) == -1 ||
	    (ev = evsignal_new(we->base, SIGRTMIN + 1, on_sigrt_accuse, we))
	    == NULL || evsignal_add(ev, NULL) == -1 ||
	    (ev = evsignal_new(we->base, SIGRTMIN + 3, on_sigrt_ready, we))
	    == NULL || evsignal_add(ev, NULL) == -1 ||
	    (ev = evsignal_new(we->base, SIGRTMIN + 4, on_sigrt_emerg, we))
	    == NULL || evsignal_add(ev, NULL) == -1 ||
	    (ev = evsignal_new(we->base, SIGRTMIN + 5, on_sigrt_flood, we))
	    == NULL || evsignal_add(ev, NULL) == -1)
		fatalx("cannot handle the test signals");
	early_hook(we, confdir);
#endif
}

/* A writer or runner: master forked it for local, whose channel is fd 3. */
static void
forked_init(const struct worker_role *wr, struct worker_env *we,
    struct sandbox_spec *sb, int argc, char **argv)
{
	we->role = wr->role;
	sandbox_close_fds(WORKER_MASTER_FD + 1);
	log_init(ipc_role_name(wr->role), 1);
	wr->parse(we, sb, argc, argv);
	ipc_codecs_use(ipc_codecs_all);
	if ((we->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	we->local = ipc_chan_new(we->base, WORKER_MASTER_FD, wr->chan_as,
	    ROLE_LOCAL, wr->chan_msg, wr->chan_closed, we->arg);
}

int
worker_main(const struct worker_role *wr, struct worker_env *we, void *arg,
    int argc, char **argv)
{
	const struct compartment	*c = compartment(wr->role);
	struct sandbox_spec		 sb;
	int				 spawned;

	if (c == NULL)
		fatalx("no compartment for %s", ipc_role_name(wr->role));
	spawned = c->start == COMP_SPAWNED;
	memset(&sb, 0, sizeof(sb));
	we->arg = arg;
	we->on_peer = wr->on_peer;
	we->on_master_reply = wr->on_master_reply;
	if (spawned)
		worker_init(we, wr->role, argc, argv);
	else
		forked_init(wr, we, &sb, argc, argv);
	compartment_spec(wr->role, spawned ? &we->cf : NULL, &sb);
	if (wr->prepare != NULL)
		wr->prepare(we, &sb);
	if (sb.nofile == COMP_NOFILE_BY_ROLE)
		fatalx("%s: no RLIMIT_NOFILE", ipc_role_name(wr->role));
	sandbox_enter(&sb);
	if (wr->start != NULL)
		wr->start(we);
	if (spawned) {
		/* Tell master the compartment is entered. */
		ipc_note(we->master, IPC_READY, NULL, -1);
		if (wr->ready != NULL)
			wr->ready(we);
		else
			log_info("ready");
	}
	event_base_dispatch(we->base);
	return 0;
}

void
worker_peer_violation(struct worker_env *we, enum bh_role peer,
    const char *why)
{
	uint8_t				 buf[IPC_TEXT_MAX + 16];
	struct wbuf			 wb;
	struct msg_peer_violation	 m;

	m.role = peer;
	strlcpy_text(m.reason, why, sizeof(m.reason));
	ipc_text_clean(m.reason);
	wb_init(&wb, buf, sizeof(buf));
	enc_peer_violation(&wb, &m);
	ipc_note(we->master, IPC_PEER_VIOLATION, &wb, -1);
}
