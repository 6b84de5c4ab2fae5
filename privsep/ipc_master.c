/*
 * ipc_master.c: the payloads of the messages master handles, and the
 * codec table its channels decode with (ipc_codecs_master).
 *
 * Master receives a worker's log lines, its reports of a peer's
 * violation, local's requests for a writer or a runner and queue's
 * requests for SASL credentials; it sends IPC_SETUP_PEER, the
 * credentials and IPC_ERROR.  Only these codecs are linked into master
 * (scripts/master-lines.sh): every other payload's is in ipc_msgs.c
 * and its neighbours, which the compartments register with
 * ipc_codecs_all.  The rows here are the same objects the full table
 * names, so master decodes each message it may receive exactly as any
 * other receiver would; a message master may not receive never gets
 * past the table (ipc_check_header), and a payload without a row here
 * drops the channel like any payload that does not decode.
 * tests/unit/test_ipc_table.c checks that every row whose receivers
 * include master has its codec here.
 */
#include <stdint.h>
#include <string.h>

#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

/* A field of a string type: "" is allowed where nonempty is 0. */
static int
text_ok(const char *s, int nonempty)
{
	return (!nonempty || s[0] != '\0') && ipc_valid_text(s);
}

const char *
ipc_check_log(const struct msg_log *m)
{
	return m->prio > 7 ? "log priority out of range" : NULL;
}

void
enc_log(struct wbuf *wb, const struct msg_log *m)
{
	ipc_enc_check("enc_log", ipc_check_log(m));
	wb_u32(wb, m->prio);
	wb_str(wb, m->line);
}

int
dec_log(struct rbuf *rb, struct msg_log *m)
{
	rb_u32(rb, &m->prio);
	rb_str(rb, m->line, sizeof(m->line));
	if (rb_end(rb) == -1 || ipc_check_log(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_setup_peer(const struct msg_setup_peer *m)
{
	return m->role == ROLE_MASTER || m->role >= ROLE_COUNT ?
	    "bad role" : NULL;
}

void
enc_setup_peer(struct wbuf *wb, const struct msg_setup_peer *m)
{
	ipc_enc_check("enc_setup_peer", ipc_check_setup_peer(m));
	wb_u32(wb, m->role);
}

int
dec_setup_peer(struct rbuf *rb, struct msg_setup_peer *m)
{
	rb_u32(rb, &m->role);
	if (rb_end(rb) == -1 || ipc_check_setup_peer(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_peer_violation(const struct msg_peer_violation *m)
{
	if (m->role == ROLE_MASTER || m->role >= ROLE_COUNT)
		return "bad role";
	return text_ok(m->reason, 0) ? NULL : "control character in reason";
}

void
enc_peer_violation(struct wbuf *wb, const struct msg_peer_violation *m)
{
	ipc_enc_check("enc_peer_violation", ipc_check_peer_violation(m));
	wb_u32(wb, m->role);
	wb_str(wb, m->reason);
}

int
dec_peer_violation(struct rbuf *rb, struct msg_peer_violation *m)
{
	rb_u32(rb, &m->role);
	rb_str(rb, m->reason, sizeof(m->reason));
	if (rb_end(rb) == -1 || ipc_check_peer_violation(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_error(const struct msg_error *m)
{
	if (!ipc_valid_dsn(m->dsn) || m->dsn[0] == '2')
		return "bad enhanced status code";
	return text_ok(m->text, 0) ? NULL : "control character in text";
}

void
enc_error(struct wbuf *wb, const struct msg_error *m)
{
	ipc_enc_check("enc_error", ipc_check_error(m));
	wb_str(wb, m->dsn);
	wb_str(wb, m->text);
}

int
dec_error(struct rbuf *rb, struct msg_error *m)
{
	rb_str(rb, m->dsn, sizeof(m->dsn));
	rb_str(rb, m->text, sizeof(m->text));
	if (rb_end(rb) == -1 || ipc_check_error(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_writer_open(const struct msg_writer_open *m)
{
	return ipc_valid_user(m->user) ? NULL : "bad user name";
}

void
enc_writer_open(struct wbuf *wb, const struct msg_writer_open *m)
{
	ipc_enc_check("enc_writer_open", ipc_check_writer_open(m));
	wb_str(wb, m->user);
}

int
dec_writer_open(struct rbuf *rb, struct msg_writer_open *m)
{
	rb_str(rb, m->user, sizeof(m->user));
	if (rb_end(rb) == -1 || ipc_check_writer_open(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_runner_open(const struct msg_runner_open *m)
{
	uint32_t i;

	if (m->depth > IPC_INCLUDE_DEPTH)
		return "include chain too deep";
	for (i = 0; i < m->depth; i++)
		if (!ipc_valid_target(RUNNER_INCLUDE, m->chain[i], NULL))
			return "bad include file in the chain";
	if (m->source >= RUNNER_SOURCE_MAX)
		return "bad source";
	if (!ipc_valid_target(m->kind, m->value, m->suffix))
		return "bad target";
	if (m->source == RUNNER_ALIAS)	/* an alias name: any text */
		return m->map < IPC_MAPS_MAX && text_ok(m->name, 1) &&
		    m->suffix[0] == '\0' && (m->kind != RUNNER_INCLUDE ||
		    strlen(m->value) < IPC_PATH_MAX) ? NULL :
		    "bad alias source";
	/* A ~/.forward names no :include: file. */
	return m->map == 0 && ipc_valid_user(m->name) && m->depth == 0 &&
	    m->kind != RUNNER_INCLUDE ? NULL : "bad .forward source";
}

void
enc_runner_open(struct wbuf *wb, const struct msg_runner_open *m)
{
	uint32_t i;

	ipc_enc_check("enc_runner_open", ipc_check_runner_open(m));
	wb_u32(wb, m->source);
	wb_u32(wb, m->kind);
	wb_u32(wb, m->map);
	wb_str(wb, m->name);
	wb_str(wb, m->suffix);
	wb_str(wb, m->value);
	wb_u32(wb, m->depth);
	for (i = 0; i < m->depth && i < IPC_INCLUDE_DEPTH; i++)
		wb_str(wb, m->chain[i]);
}

int
dec_runner_open(struct rbuf *rb, struct msg_runner_open *m)
{
	uint32_t i;

	rb_u32(rb, &m->source);
	rb_u32(rb, &m->kind);
	rb_u32(rb, &m->map);
	rb_str(rb, m->name, sizeof(m->name));
	rb_str(rb, m->suffix, sizeof(m->suffix));
	rb_str(rb, m->value, sizeof(m->value));
	if (rb_u32(rb, &m->depth) == -1 || m->depth > IPC_INCLUDE_DEPTH)
		return -1;
	for (i = 0; i < m->depth; i++)
		if (rb_str(rb, m->chain[i], sizeof(m->chain[i])) == -1)
			return -1;
	if (rb_end(rb) == -1 || ipc_check_runner_open(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_sasl_lookup(const struct msg_sasl_lookup *m)
{
	if (!text_ok(m->dest, 1) || strchr(m->dest, ' ') != NULL)
		return "bad destination";
	return NULL;
}

void
enc_sasl_lookup(struct wbuf *wb, const struct msg_sasl_lookup *m)
{
	ipc_enc_check("enc_sasl_lookup", ipc_check_sasl_lookup(m));
	wb_str(wb, m->dest);
}

int
dec_sasl_lookup(struct rbuf *rb, struct msg_sasl_lookup *m)
{
	rb_str(rb, m->dest, sizeof(m->dest));
	if (rb_end(rb) == -1 || ipc_check_sasl_lookup(m) != NULL)
		return -1;
	return 0;
}

const char *
ipc_check_sasl_creds(const struct msg_sasl_creds *m)
{
	if (m->found > 1 || !text_ok(m->user, m->found) ||
	    !text_ok(m->pass, m->found) || strchr(m->user, ' ') != NULL ||
	    (!m->found && (m->user[0] != '\0' || m->pass[0] != '\0')))
		return "bad credentials";
	return NULL;
}

void
enc_sasl_creds(struct wbuf *wb, const struct msg_sasl_creds *m)
{
	ipc_enc_check("enc_sasl_creds", ipc_check_sasl_creds(m));
	wb_u32(wb, m->found);
	wb_str(wb, m->user);
	wb_str(wb, m->pass);
}

int
dec_sasl_creds(struct rbuf *rb, struct msg_sasl_creds *m)
{
	rb_u32(rb, &m->found);
	rb_str(rb, m->user, sizeof(m->user));
	rb_str(rb, m->pass, sizeof(m->pass));
	if (rb_end(rb) == -1 || ipc_check_sasl_creds(m) != NULL)
		return -1;
	return 0;
}

IPC_CODEC_DEFINE(log)
IPC_CODEC_DEFINE(setup_peer)
IPC_CODEC_DEFINE(peer_violation)
IPC_CODEC_DEFINE(error)
IPC_CODEC_DEFINE(writer_open)
IPC_CODEC_DEFINE(runner_open)
IPC_CODEC_DEFINE(sasl_lookup)
IPC_CODEC_DEFINE(sasl_creds)

/* What master decodes: the payloads of the rows it is a receiver of. */
const struct ipc_codec *const ipc_codecs_master[IPC_PAYLOAD_COUNT] = {
	[IPC_PAYLOAD_none] = &ipc_codec_none,
	[IPC_PAYLOAD_log] = &ipc_codec_log,
	[IPC_PAYLOAD_peer_violation] = &ipc_codec_peer_violation,
	[IPC_PAYLOAD_error] = &ipc_codec_error,
	[IPC_PAYLOAD_writer_open] = &ipc_codec_writer_open,
	[IPC_PAYLOAD_runner_open] = &ipc_codec_runner_open,
	[IPC_PAYLOAD_sasl_lookup] = &ipc_codec_sasl_lookup,
};
