/*
 * ipc_fixture.h: what the test_ipc*.c files share: valid payloads of each
 * message (mk_*), decoding a payload (try_*), channel receivers (rx_*).
 */
#ifndef BH_IPC_FIXTURE_H
#define BH_IPC_FIXTURE_H

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

#define QID_A	"0123456789ABCDEF"

/* --- decoders: generic checks over every message --------------------- */

#define TRY(name, type)							\
int									\
try_##name(const uint8_t *p, size_t n)					\
{									\
	static type	m;						\
	struct rbuf	rb;						\
									\
	memset(&m, 0, sizeof(m));					\
	rb_init(&rb, p, n);						\
	return dec_##name(&rb, &m);					\
}

/* --- channels -------------------------------------------------------- */

struct rx {
	int		 nmsg;
	struct ipc_hdr	 h;
	uint8_t		 payload[IPC_PAYLOAD_MAX];
	size_t		 len;
	int		 fd;
	int		 nclose;
	int		 violation;
	char		 why[128];
};

/* ipc_fixture.c */
char	*repeat(char c, size_t n);
size_t	raw_str(uint8_t *p, const void *s, size_t n);
int	try_empty(const uint8_t *p, size_t n);
size_t	mk_log(struct wbuf *wb);
size_t	mk_setup_peer(struct wbuf *wb);
size_t	mk_peer_violation(struct wbuf *wb);
size_t	mk_error(struct wbuf *wb);
size_t	mk_empty(struct wbuf *wb);
size_t	mk_addr(struct wbuf *wb);
size_t	mk_rcpt_verdict(struct wbuf *wb);
size_t	mk_qid(struct wbuf *wb);
size_t	mk_rcpt(struct wbuf *wb);
size_t	mk_commit(struct wbuf *wb);
size_t	mk_deliver(struct wbuf *wb);
size_t	mk_deliver_result(struct wbuf *wb);
size_t	mk_expand_ok(struct wbuf *wb);
size_t	mk_writer_open(struct wbuf *wb);
size_t	mk_write_mail(struct wbuf *wb);
int	error_with(const char *dsn, const char *text);
struct ipc_hdr	hdr(uint32_t type, uint32_t len, uint32_t id, uint32_t flags);
void	rx_msg(struct ipc_chan *c, const struct ipc_hdr *h,
	    const union ipc_msg *msg, int fd, void *arg);
void	rx_close(struct ipc_chan *c, const char *why, int violation,
	    void *arg);
void	rx_init(struct rx *rx);
void	run(struct event_base *base);
int	try_log(const uint8_t *p, size_t n);
int	try_setup_peer(const uint8_t *p, size_t n);
int	try_peer_violation(const uint8_t *p, size_t n);
int	try_error(const uint8_t *p, size_t n);
int	try_addr(const uint8_t *p, size_t n);
int	try_rcpt_verdict(const uint8_t *p, size_t n);
int	try_qid(const uint8_t *p, size_t n);
int	try_rcpt(const uint8_t *p, size_t n);
int	try_commit(const uint8_t *p, size_t n);
int	try_deliver(const uint8_t *p, size_t n);
int	try_deliver_result(const uint8_t *p, size_t n);
int	try_deliver_progress(const uint8_t *p, size_t n);
int	try_expand_ok(const uint8_t *p, size_t n);
int	try_writer_open(const uint8_t *p, size_t n);
int	try_write_mail(const uint8_t *p, size_t n);
int	try_forward_data(const uint8_t *p, size_t n);
int	try_owner(const uint8_t *p, size_t n);
int	try_forward_read(const uint8_t *p, size_t n);
int	try_runner_open(const uint8_t *p, size_t n);

/* test_ipc_codec.c */
void	test_codec_roundtrip(void **state);
void	test_codec_short(void **state);
void	test_codec_overlong(void **state);
void	test_codec_embedded_nul(void **state);
void	test_codec_trailing(void **state);
void	test_codec_sticky(void **state);
void	test_codec_wbuf_overflow(void **state);

/* test_ipc_decode.c */
void	test_dec_forward_data(void **state);
void	test_dec_owner(void **state);
void	test_dec_forward_read(void **state);
void	test_dec_truncated_and_trailing(void **state);
void	test_dec_log(void **state);
void	test_dec_roles(void **state);
void	test_dec_error(void **state);
void	test_dec_empty(void **state);
void	test_dec_addr(void **state);
void	test_dec_rcpt_verdict(void **state);
void	test_dec_qid(void **state);
void	test_dec_rcpt(void **state);
void	test_dec_commit(void **state);

/* test_ipc_deliver.c */
void	test_dec_deliver(void **state);
void	test_deliver_done_keys(void **state);
void	test_deliver_progress(void **state);
void	test_member_keys(void **state);
void	test_deliver_result_remote(void **state);
void	test_dec_deliver_result(void **state);
void	test_dec_dsn_class_one_digit(void **state);

/* test_ipc_local.c */
void	test_dec_expand_targets(void **state);
void	test_dec_failed_members(void **state);
void	test_dec_runner_open(void **state);
void	test_dec_runner_open_chain(void **state);
void	test_dec_expand_ok(void **state);
void	test_dec_writer_open(void **state);
void	test_dec_write_mail(void **state);

/* test_ipc_hdr.c */
void	test_hdr_unknown_type(void **state);
void	test_hdr_directions(void **state);
void	test_hdr_fields(void **state);
void	test_role_names(void **state);

/* test_ipc_chan.c */
int	setup_chan(void **state);
int	setup_chan_smtpd(void **state);
int	teardown_chan(void **state);
void	test_chan_valid_request(void **state);
void	test_chan_len_mismatch(void **state);
void	test_chan_len_mismatch_longer(void **state);
void	test_chan_short_header(void **state);
void	test_chan_empty_datagram(void **state);
void	test_chan_oversize(void **state);
void	test_chan_wrong_direction(void **state);
void	test_chan_reply_type_from_smtpd(void **state);
void	test_chan_unexpected_fd(void **state);
void	test_chan_fd_without_flag(void **state);
void	test_chan_flag_without_fd(void **state);
void	test_chan_two_fds(void **state);
void	test_chan_three_fds(void **state);
void	test_chan_unsolicited_reply(void **state);
void	test_chan_eof(void **state);
void	test_chan_stops_after_violation(void **state);
void	test_chan_request_reply(void **state);
void	test_chan_wrong_reply_type(void **state);
void	test_chan_request_ok(void **state);

/* test_ipc_pair.c */
int	setup_pair(void **state);
int	teardown_pair(void **state);
void	test_pair_fd_passing(void **state);
void	test_pair_note(void **state);
void	test_pair_reply_error_long(void **state);

#endif
