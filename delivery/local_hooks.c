/*
 * local_hooks.c: test builds only (--enable-test-hooks).  local plays a
 * compromised local against master's checks: requests read from files
 * in the configuration directory are sent to master once local is ready,
 * and master's answers are logged.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delivery/local.h"
#include "lib/log.h"
#include "lib/strl.h"

#define HOSTILE_MAX	32
/* Test builds: requests local sends master as a compromised local would. */
struct hostile {
	char		 user[HOSTILE_MAX][IPC_USER_MAX + 1];
	uint32_t	 id[HOSTILE_MAX];
	size_t		 n;
	/* test-hostile-runner-open: RUNNER_OPEN requests */
	struct msg_runner_open run[HOSTILE_MAX];
	uint32_t	 run_id[HOSTILE_MAX];
	size_t		 nrun;
	/* test-hostile-flood "N USER": N WRITER_OPENs at once */
	unsigned long	 nflood;
	char		 flood_user[IPC_USER_MAX + 1];
	uint32_t	 flood_first, flood_last;
};

static struct hostile hostile;

/*
 * Test builds only.  If the configuration directory holds a file
 * "test-hostile-writer-open", each of its lines (raw bytes, up to 64) is
 * sent to master as the user of an IPC_WRITER_OPEN once local is ready,
 * and master's answer is logged.  The integration tests use it to play a
 * compromised local against master's checks.
 */
void
hostile_load(struct local *lo)
{
	char		 path[PATH_MAX], buf[4096], *line, *nl;
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "%s/test-hostile-writer-open",
	    lo->we.cf.config_directory);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = buf; *line != '\0' && hostile.n < HOSTILE_MAX;
	    line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		xstrlcpy(hostile.user[hostile.n++], line,
		    sizeof(hostile.user[0]));
	}
}

/*
 * "test-hostile-runner-open": lines "forward USER KIND VALUE" or
 * "alias:MAP NAME KIND VALUE [CHAIN]" (KIND command, file or include;
 * tab-separated; CHAIN: include files, ','-separated), each sent to
 * master as an IPC_RUNNER_OPEN.
 */
void
hostile_load_runner(struct local *lo)
{
	struct msg_runner_open	*r;
	char			 path[PATH_MAX], buf[4096], *line, *nl;
	char			*f[5], *cp;
	ssize_t			 n;
	int			 fd, k;

	snprintf(path, sizeof(path), "%s/test-hostile-runner-open",
	    lo->we.cf.config_directory);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = buf; line != NULL && *line != '\0' &&
	    hostile.nrun < HOSTILE_MAX; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		memset(f, 0, sizeof(f));
		for (k = 0; k < 5 && line != NULL; k++)
			f[k] = strsep(&line, k < 4 ? "\t" : "");
		if (k < 4 || f[3] == NULL)
			continue;
		r = &hostile.run[hostile.nrun++];
		memset(r, 0, sizeof(*r));
		r->source = strcmp(f[0], "forward") == 0 ? RUNNER_FORWARD :
		    RUNNER_ALIAS;
		if (strncmp(f[0], "alias:", 6) == 0)
			r->map = (uint32_t)strtoul(f[0] + 6, NULL, 10);
		xstrlcpy(r->name, f[1], sizeof(r->name));
		r->kind = strcmp(f[2], "file") == 0 ? RUNNER_FILE :
		    strcmp(f[2], "include") == 0 ? RUNNER_INCLUDE :
		    RUNNER_COMMAND;
		xstrlcpy(r->value, f[3], sizeof(r->value));
		/* An optional fifth field: the include chain, ','-split. */
		while (f[4] != NULL && r->depth < IPC_INCLUDE_DEPTH &&
		    (cp = strsep(&f[4], ",")) != NULL)
			xstrlcpy(r->chain[r->depth++], cp,
			    sizeof(r->chain[0]));
	}
}

/* "test-hostile-flood": "N USER", N requests sent at once, answers
   swallowed: a compromised local flooding master. */
void
hostile_load_flood(struct local *lo)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/test-hostile-flood",
	    lo->we.cf.config_directory);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fscanf(f, "%lu %32s", &hostile.nflood, hostile.flood_user) != 2)
		hostile.nflood = 0;
	fclose(f);
}

static void
hostile_send_flood(struct local *lo)
{
	struct msg_writer_open	 w;
	uint8_t			 buf[IPC_USER_MAX + 16];
	struct wbuf		 wb;
	unsigned long		 i;
	uint32_t		 id;

	if (hostile.nflood == 0)
		return;
	log_info("test hook: flooding master with %lu WRITER_OPEN",
	    hostile.nflood);
	memset(&w, 0, sizeof(w));
	STRLCPY_ARRAY(w.user, hostile.flood_user);
	for (i = 0; i < hostile.nflood; i++) {
		wb_init(&wb, buf, sizeof(buf));
		enc_writer_open(&wb, &w);
		id = ipc_request(lo->we.master, IPC_WRITER_OPEN, &wb, -1);
		if (i == 0)
			hostile.flood_first = id;
		hostile.flood_last = id;
	}
}

void
hostile_send(struct local *lo)
{
	struct msg_writer_open	 w;
	uint8_t			 buf[IPC_USER_MAX + 16];
	struct wbuf		 wb;
	size_t			 i;

	ipc_enc_unchecked = 1;		/* playing a compromised local */
	for (i = 0; i < hostile.n; i++) {
		memset(&w, 0, sizeof(w));
		STRLCPY_ARRAY(w.user, hostile.user[i]);
		wb_init(&wb, buf, sizeof(buf));
		enc_writer_open(&wb, &w);
		hostile.id[i] = ipc_request(lo->we.master,
		    IPC_WRITER_OPEN, &wb, -1);
	}
	for (i = 0; i < hostile.nrun; i++) {
		uint8_t rbuf[sizeof(struct msg_runner_open) + 64];

		wb_init(&wb, rbuf, sizeof(rbuf));
		enc_runner_open(&wb, &hostile.run[i]);
		hostile.run_id[i] = ipc_request(lo->we.master,
		    IPC_RUNNER_OPEN, &wb, -1);
	}
	ipc_enc_unchecked = 0;
	hostile_send_flood(lo);
}

/* 1 if this was the answer to a hostile RUNNER_OPEN (logged, consumed). */
static int
hostile_runner_answer(struct local *lo, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd)
{
	size_t			 i;

	for (i = 0; i < hostile.nrun; i++)
		if (hostile.run_id[i] == h->id && h->id != 0)
			break;
	if (i == hostile.nrun)
		return 0;
	hostile.run_id[i] = 0;
	/* Closing the channel at once: the runner checks its source first,
	   before it waits for a message. */
	if (fd != -1)
		close(fd);
	if (h->type == IPC_ERROR)
		log_info("test hook: RUNNER_OPEN #%zu refused: %s %s", i,
		    msg->error.dsn, msg->error.text);
	else
		log_info("test hook: RUNNER_OPEN #%zu granted", i);
	return 1;
}

/* 1 if this was the answer to a hostile request (logged, consumed). */
int
hostile_answer(struct local *lo, const struct ipc_hdr *h,
    const union ipc_msg *msg, int fd)
{
	size_t			 i;

	if (hostile_runner_answer(lo, h, msg, fd))
		return 1;
	if (hostile.nflood > 0 && h->id >= hostile.flood_first &&
	    h->id <= hostile.flood_last) {
		if (fd != -1)
			close(fd);
		return 1;
	}
	for (i = 0; i < hostile.n; i++)
		if (hostile.id[i] == h->id && h->id != 0)
			break;
	if (i == hostile.n)
		return 0;
	hostile.id[i] = 0;
	if (fd != -1)
		close(fd);
	if (h->type == IPC_ERROR)
		log_info("test hook: WRITER_OPEN #%zu refused: %s %s", i,
		    msg->error.dsn, msg->error.text);
	else
		log_info("test hook: WRITER_OPEN #%zu granted", i);
	return 1;
}
