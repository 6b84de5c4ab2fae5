/*
 * auth_connect.c: master connects the auth compartment to Dovecot's
 * authentication socket (smtpd_sasl_type = dovecot).  auth lives in an
 * empty root (and, with sandbox = jail, a network namespace of its own)
 * and may not create sockets, so master, which reads the path from its
 * own configuration, connects and hands over the descriptor.  auth
 * names nothing: it can get a connection to that socket and no other.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "master/master.h"
#include "privsep/ipc.h"

void
auth_connect(struct master *m, struct ipc_chan *c, uint32_t id)
{
	const char		*path = m->cf.smtpd_sasl_path;
	struct sockaddr_un	 sun;
	int			 fd;

	if (strcmp(m->cf.smtpd_sasl_type, "dovecot") != 0) {
		log_security("refused a Dovecot connection to auth: "
		    "smtpd_sasl_type is %s", m->cf.smtpd_sasl_type);
		ipc_reply_error(c, id, "4.7.0", "not a dovecot backend");
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ipc_reply_error(c, id, "4.7.0", "smtpd_sasl_path too long");
		return;
	}
	memcpy(sun.sun_path, path, strlen(path));
	/* non-blocking: a full backlog fails at once, master never waits
	   (and auth's event loop gets a non-blocking descriptor) */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warnx("SASL: Connect to %s failed: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		ipc_reply_error(c, id, "4.7.0", "cannot connect to Dovecot");
		return;
	}
	ipc_reply(c, IPC_AUTH_CONNECT_OK, id, NULL, fd);
}
