/*
 * hostile_auth.c: test builds only (--enable-test-hooks).  smtpd plays
 * a compromised smtpd against the auth compartment, to show that it can
 * ask auth for nothing but a verdict on an exchange: a file
 * "test-hook-hostile-auth" in the configuration directory, read before
 * the privilege drop, names what smtpd sends auth once it has its
 * channel:
 *   type	IPC_EXPAND, a request of local's to lookup (no row lets
 *		smtpd send auth anything but IPC_AUTH_CHECK)
 *   reply	IPC_AUTH_VERDICT, a verdict of its own making
 *   forged	IPC_AUTH_CHECK whose payload auth's validator refuses (an
 *		empty password, a control character in the user name)
 *   dump	IPC_AUTH_CHECK asking for the user "*" with the password
 *		"*": an honest question, which gets a verdict and nothing
 *		more
 */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strl.h"
#include "smtpd/smtpd.h"

static char hostile[16];

void
hostile_auth_load(const struct bh_config *cf)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/test-hook-hostile-auth",
	    cf->config_directory);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(hostile, sizeof(hostile), f) == NULL)
		hostile[0] = '\0';
	hostile[strcspn(hostile, "\n")] = '\0';
	fclose(f);
}

void
hostile_auth_send(struct ipc_chan *c)
{
	uint8_t			buf[2048];
	struct wbuf		wb;
	struct msg_addr		a;
	struct msg_auth_check	m;
	struct msg_auth_verdict	v;

	if (hostile[0] == '\0')
		return;
	log_warnx("test hook: hostile smtpd sends auth '%s'", hostile);
	wb_init(&wb, buf, sizeof(buf));
	memset(&m, 0, sizeof(m));
	m.mech = AUTH_MECH_PLAIN;
	xstrlcpy(m.client_addr, "127.0.0.1", sizeof(m.client_addr));
	if (strcmp(hostile, "type") == 0) {
		xstrlcpy(a.addr, "root@localhost", sizeof(a.addr));
		enc_addr(&wb, &a);
		ipc_request(c, IPC_EXPAND, &wb, -1);
	} else if (strcmp(hostile, "reply") == 0) {
		memset(&v, 0, sizeof(v));
		v.verdict = AUTH_OK;
		xstrlcpy(v.user, "root", sizeof(v.user));
		enc_auth_verdict(&wb, &v);
		ipc_reply(c, IPC_AUTH_VERDICT, 1, &wb, -1);
	} else if (strcmp(hostile, "forged") == 0) {
		xstrlcpy(m.user, "al\nice", sizeof(m.user));
		ipc_enc_unchecked = 1;
		enc_auth_check(&wb, &m);
		ipc_enc_unchecked = 0;
		ipc_request(c, IPC_AUTH_CHECK, &wb, -1);
	} else if (strcmp(hostile, "dump") == 0) {
		xstrlcpy(m.user, "*", sizeof(m.user));
		xstrlcpy(m.password, "*", sizeof(m.password));
		enc_auth_check(&wb, &m);
		ipc_request(c, IPC_AUTH_CHECK, &wb, -1);
	}
}
