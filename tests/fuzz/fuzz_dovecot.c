/*
 * fuzz_dovecot.c: the Dovecot authentication protocol parser and the
 * handshake state (auth/dovecot_proto.c), fed the input as the server's
 * lines.  A line that parses says what it is; an OK's login name is one
 * the auth compartment may hand smtpd or one it refuses, never anything
 * longer; a challenge (CONT) is at most what a step to smtpd carries;
 * the connection never leaves BROKEN; and the AUTH, CONT and CANCEL
 * lines built from a request are one line of TAB-separated fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dovecot_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static void
check_auth_line(const uint8_t *data, size_t size)
{
	struct msg_auth_check	m;
	char			line[DVC_REQ_MAX];
	size_t			n = size < 200 ? size : 200;
	int			len;

	memset(&m, 0, sizeof(m));
	m.mech = AUTH_MECH_PLAIN;
	strcpy(m.client_addr, "192.0.2.1");
	strcpy(m.user, "alice");
	memcpy(m.password, data, n);
	m.password[n] = '\0';
	if (ipc_check_auth_check(&m) != NULL)
		return;
	len = dvc_auth_line(line, sizeof(line), 7, &m);
	CHECK(len > 0 && (size_t)len == strlen(line));
	CHECK(memchr(line, '\n', (size_t)len) == line + len - 1);
}

/* The lines of a relayed exchange, whatever octets the client sent. */
static void
check_step_lines(const uint8_t *data, size_t size)
{
	static struct msg_auth_step	m;
	char				line[DVC_REQ_MAX];
	size_t				n = size < IPC_AUTH_DATA_MAX ? size :
					    IPC_AUTH_DATA_MAX;
	int				len;

	memset(&m, 0, sizeof(m));
	m.xid = 1;
	m.op = AUTH_STEP_START;
	m.mech = AUTH_MECH_SCRAM_SHA256;
	strcpy(m.client_addr, "192.0.2.1");
	memcpy(m.data, data, n);
	m.len = (uint32_t)n;
	len = dvc_step_line(line, sizeof(line), 7, &m);
	CHECK(len > 0 && (size_t)len == strlen(line));
	CHECK(memchr(line, '\n', (size_t)len) == line + len - 1);
	len = dvc_cont_line(line, sizeof(line), 7, data, n);
	CHECK(len > 0 && (size_t)len == strlen(line));
	CHECK(memchr(line, '\n', (size_t)len) == line + len - 1);
	CHECK(strchr(line + 7, '\t') == NULL);		/* "CONT\t7\t" */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	static struct dvc_line	 l;
	struct dvc_conn		 c;
	int			 rc, broken = 0;

	check_auth_line(data, size);
	check_step_lines(data, size);
	memset(&c, 0, sizeof(c));
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (dvc_parse(p, (size_t)(nl - p), &l) == 0) {
			CHECK(l.kind >= DVC_VERSION && l.kind <= DVC_CONT);
			CHECK(strlen(l.user) < sizeof(l.user));
			if (l.kind == DVC_OK || l.kind == DVC_FAIL ||
			    l.kind == DVC_CONT)
				CHECK(l.id != 0);
			CHECK(l.len <= IPC_AUTH_DATA_MAX);
			if (l.kind != DVC_CONT)
				CHECK(l.len == 0);
			rc = dvc_feed(&c, &l);
			CHECK(rc >= -1 && rc <= 1);
			if (rc == 1)
				CHECK(c.state == DVC_READY);
		} else
			c.state = DVC_BROKEN;
		if (broken)
			CHECK(c.state == DVC_BROKEN);
		broken = c.state == DVC_BROKEN;
		p = nl + 1;
	}
	return 0;
}
