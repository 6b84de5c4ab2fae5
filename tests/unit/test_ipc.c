/*
 * test_ipc.c: the IPC unit tests: payload codec (test_ipc_codec.c),
 * message decoders (test_ipc_decode.c, test_ipc_deliver.c,
 * test_ipc_local.c), header checks (test_ipc_hdr.c) and real
 * SOCK_SEQPACKET channels (test_ipc_chan.c, test_ipc_pair.c); what they
 * share is ipc_fixture.[ch].  Here: the validators shared by sender and
 * receiver, and main.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "privsep/codec.h"
#include "privsep/ipc.h"
#include "delivery/member.h"
#include "privsep/ipc_msgs.h"

#include "tests/unit/ipc_fixture.h"

/*
 * The shared validators: one function decides for sender and receiver.
 * What ipc_check_*() refuses, the decoder refuses; what it accepts,
 * the decoder accepts (the fuzz harness fuzz_ipc_roundtrip checks the
 * second half for every message).
 */
/* The relay request's DANE records: the unusable mark, and the flags. */
static void
test_check_relay_dane(void **state)
{
	static struct msg_relay		m;
	struct msg_dns_tlsa_query	tq;

	(void)state;
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, QID_A, sizeof(m.qid));
	strlcpy(m.sender, "a@b.example", sizeof(m.sender));
	m.nrcpt = 1;
	strlcpy(m.rcpt[0].addr, "c@d.example", sizeof(m.rcpt[0].addr));
	m.nhops = 2;
	strlcpy(m.hops[0].name, "mx1.d.example", sizeof(m.hops[0].name));
	strlcpy(m.hops[0].addr, "192.0.2.1", sizeof(m.hops[0].addr));
	m.hops[0].port = 25;
	m.hops[1] = m.hops[0];
	strlcpy(m.hops[1].name, "mx2.d.example", sizeof(m.hops[1].name));
	m.tls_level = 5;		/* dane */
	assert_null(ipc_check_relay(&m));
	/* a hop's flags: the best-MX mark only */
	m.hops[0].flags = IPC_HOP_BEST;
	assert_null(ipc_check_relay(&m));
	m.hops[1].flags = 0x02;
	assert_non_null(ipc_check_relay(&m));
	m.hops[1].flags = 0;
	/* pickup's hop flag is not relay's */
	m.flags = MSG_FLAG_HOPS;
	assert_non_null(ipc_check_relay(&m));
	m.flags = MSG_FLAG_RELAY;
	assert_null(ipc_check_relay(&m));
	/* mx1: every record unusable; mx2: a record */
	m.ntlsa = 2;
	m.tlsa[0].hop = 0;
	m.tlsa[0].usage = IPC_TLSA_UNUSABLE;
	m.tlsa[1].hop = 1;
	m.tlsa[1].usage = 3;
	m.tlsa[1].selector = 1;
	m.tlsa[1].mtype = 1;
	m.tlsa[1].len = 32;
	assert_null(ipc_check_relay(&m));
	/* the mark beside a record of the same host, or with data */
	m.tlsa[1].hop = 0;
	assert_non_null(ipc_check_relay(&m));
	m.tlsa[1].hop = 1;
	m.tlsa[0].len = 1;
	assert_non_null(ipc_check_relay(&m));
	m.tlsa[0].len = 0;
	m.tlsa[0].hop = 2;		/* no such hop */
	assert_non_null(ipc_check_relay(&m));

	/* TLSA queries name the port: _PORT._tcp.HOST */
	memset(&tq, 0, sizeof(tq));
	tq.nhosts = 1;
	strlcpy(tq.hosts[0], "mx1.d.example", sizeof(tq.hosts[0]));
	assert_non_null(ipc_check_dns_tlsa_query(&tq));
	tq.port = 587;
	assert_null(ipc_check_dns_tlsa_query(&tq));
	tq.port = 65536;
	assert_non_null(ipc_check_dns_tlsa_query(&tq));
}

static void
test_check_shared(void **state)
{
	struct msg_rcpt		r, r2;
	struct msg_rcpt_check	c, c2;
	struct msg_error	e, e2;
	uint8_t			buf[2048];
	struct wbuf		wb;
	struct rbuf		rb;

	memset(&r, 0, sizeof(r));
	strlcpy(r.qid, "0123456789ABCDEF", sizeof(r.qid));
	strlcpy(r.addr, "a@b.example", sizeof(r.addr));
	strlcpy(r.orcpt, "rfc822;a b@c", sizeof(r.orcpt));
	assert_null(ipc_check_rcpt(&r));
	strlcpy(r.orcpt, "rfc822;a\r\nb", sizeof(r.orcpt));
	assert_non_null(ipc_check_rcpt(&r));
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt(&wb, &r);		/* unchecked in this test program */
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_rcpt(&rb, &r2), -1);
	r.orcpt[0] = '\0';
	r.notify = DSN_NOTIFY_NEVER | DSN_NOTIFY_DELAY;
	assert_non_null(ipc_check_rcpt(&r));
	assert_false(ipc_valid_notify(r.notify));

	memset(&c, 0, sizeof(c));
	strlcpy(c.addr, "a@b.example", sizeof(c.addr));
	strlcpy(c.client_addr, "::ffff:192.0.2.1", sizeof(c.client_addr));
	assert_null(ipc_check_rcpt_check(&c));
	strlcpy(c.client_addr, "unknown", sizeof(c.client_addr));
	assert_non_null(ipc_check_rcpt_check(&c));
	wb_init(&wb, buf, sizeof(buf));
	enc_rcpt_check(&wb, &c);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_rcpt_check(&rb, &c2), -1);

	memset(&e, 0, sizeof(e));
	strlcpy(e.dsn, "5.1.1", sizeof(e.dsn));
	strlcpy(e.text, "unknown\tuser", sizeof(e.text));
	assert_non_null(ipc_check_error(&e));
	strlcpy(e.text, "unknown user", sizeof(e.text));
	assert_null(ipc_check_error(&e));
	wb_init(&wb, buf, sizeof(buf));
	enc_error(&wb, &e);
	rb_init(&rb, buf, wb.len);
	assert_int_equal(dec_error(&rb, &e2), 0);
	assert_string_equal(e2.text, "unknown user");
	strlcpy(e.dsn, "2.0.0", sizeof(e.dsn));
	assert_non_null(ipc_check_error(&e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_shared),
		cmocka_unit_test(test_check_relay_dane),
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_short),
		cmocka_unit_test(test_codec_overlong),
		cmocka_unit_test(test_codec_embedded_nul),
		cmocka_unit_test(test_codec_trailing),
		cmocka_unit_test(test_codec_sticky),
		cmocka_unit_test(test_codec_wbuf_overflow),
		cmocka_unit_test(test_dec_truncated_and_trailing),
		cmocka_unit_test(test_dec_log),
		cmocka_unit_test(test_dec_roles),
		cmocka_unit_test(test_dec_error),
		cmocka_unit_test(test_dec_empty),
		cmocka_unit_test(test_dec_addr),
		cmocka_unit_test(test_dec_rcpt_verdict),
		cmocka_unit_test(test_dec_qid),
		cmocka_unit_test(test_dec_rcpt),
		cmocka_unit_test(test_dec_commit),
		cmocka_unit_test(test_dec_deliver),
		cmocka_unit_test(test_deliver_done_keys),
		cmocka_unit_test(test_member_keys),
		cmocka_unit_test(test_deliver_progress),
		cmocka_unit_test(test_dec_deliver_result),
		cmocka_unit_test(test_deliver_result_remote),
		cmocka_unit_test(test_dec_failed_members),
		cmocka_unit_test(test_dec_dsn_class_one_digit),
		cmocka_unit_test(test_dec_expand_ok),
		cmocka_unit_test(test_dec_expand_targets),
		cmocka_unit_test(test_dec_runner_open),
		cmocka_unit_test(test_dec_runner_open_chain),
		cmocka_unit_test(test_dec_writer_open),
		cmocka_unit_test(test_dec_forward_data),
		cmocka_unit_test(test_dec_owner),
		cmocka_unit_test(test_dec_forward_read),
		cmocka_unit_test(test_dec_write_mail),
		cmocka_unit_test(test_hdr_unknown_type),
		cmocka_unit_test(test_hdr_directions),
		cmocka_unit_test(test_hdr_fields),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test_setup_teardown(test_chan_valid_request,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_len_mismatch,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_len_mismatch_longer,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_short_header,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_empty_datagram,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_oversize,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_wrong_direction,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_reply_type_from_smtpd,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_unexpected_fd,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_fd_without_flag,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_flag_without_fd,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_two_fds,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_three_fds,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_unsolicited_reply,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_eof,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_stops_after_violation,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_request_ok,
		    setup_chan, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_request_reply,
		    setup_chan_smtpd, teardown_chan),
		cmocka_unit_test_setup_teardown(test_chan_wrong_reply_type,
		    setup_chan_smtpd, teardown_chan),
		cmocka_unit_test_setup_teardown(test_pair_fd_passing,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_note,
		    setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_pair_reply_error_long,
		    setup_pair, teardown_pair),
	};

	signal(SIGPIPE, SIG_IGN);
	/* Most tests here encode what no honest sender may, to see the
	   decoders refuse it: the encoders' own check would stop them. */
	ipc_enc_unchecked = 1;
	ipc_codecs_use(ipc_codecs_all);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
