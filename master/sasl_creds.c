/*
 * sasl_creds.c: master answers queue's IPC_SASL_LOOKUP from
 * smtp_sasl_password_maps (conf/sasl_passwd.c), read for each lookup:
 * the table stays with root; queue gets one destination's entry and
 * hands it to relay with that destination's delivery only.
 */
#include <string.h>

#include "conf/sasl_passwd.h"
#include "lib/log.h"
#include "master/master.h"
#include "privsep/ipc.h"
#include "privsep/ipc_msgs.h"

void
sasl_lookup(struct master *m, struct ipc_chan *c, uint32_t id,
    const struct msg_sasl_lookup *q)
{
	static uint8_t		 buf[IPC_PAYLOAD_MAX];
	struct msg_sasl_creds	 r;
	struct wbuf		 wb;
	char			 err[512];
	size_t			 i;
	int			 rc = 0;

	memset(&r, 0, sizeof(r));
	if (strcmp(m->cf.smtp_sasl_auth_enable, "yes") != 0) {
		log_security("refused a SASL credential lookup to queue: "
		    "smtp_sasl_auth_enable is no");
		ipc_reply_error(c, id, "4.7.0", "SASL is not enabled");
		return;
	}
	for (i = 0; i < m->cf.smtp_sasl_password_maps.n && rc == 0; i++)
		rc = sasl_passwd_lookup(m->cf.smtp_sasl_password_maps.v[i],
		    q->dest, r.user, r.pass, err, sizeof(err));
	if (rc == 1)
		r.found = 1;
	else
		memset(&r, 0, sizeof(r));
	if (rc == -1 || ipc_check_sasl_creds(&r) != NULL) {
		log_warnx("smtp_sasl_password_maps: %s", rc == -1 ? err :
		    "credentials that are not text");
		ipc_reply_error(c, id, "4.7.0", "smtp_sasl_password_maps "
		    "lookup failure");
		explicit_bzero(&r, sizeof(r));
		return;
	}
	wb_init(&wb, buf, sizeof(buf));
	enc_sasl_creds(&wb, &r);
	ipc_reply(c, IPC_SASL_CREDS, id, &wb, -1);
	explicit_bzero(&r, sizeof(r));
	explicit_bzero(buf, sizeof(buf));
}
