/*
 * test_ipc_hdr.c: header checks: unknown types, directions, fields, role
 * names.
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

void
test_hdr_unknown_type(void **state)
{
	struct ipc_hdr	h;

	assert_null(ipc_type_info(IPC_NONE));
	assert_null(ipc_type_info(IPC_TYPE_COUNT));
	assert_null(ipc_type_info(UINT32_MAX));
	h = hdr(IPC_NONE, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_MASTER, ROLE_SMTPD, 0),
	    "unknown message type");
	h = hdr(IPC_TYPE_COUNT, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "unknown message type");
	h = hdr(0x80000001, 0, 1, 0);
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
}

/* A header that is right in every way but direction. */
static struct ipc_hdr
good_hdr(uint32_t type, int *have_fd)
{
	const struct ipc_type_info *ti = ipc_type_info(type);

	*have_fd = ti->fd == IPC_FD_REQUIRED;
	return hdr(type, 0, ti->kind == IPC_NOTE ? 0 : 7,
	    *have_fd ? IPC_HDR_FD : 0);
}

void
test_hdr_directions(void **state)
{
	const struct ipc_type_info	*ti;
	struct ipc_hdr			 h;
	uint32_t			 t;
	int				 self, peer, have_fd, allowed, nok;
	const char			*why;

	for (t = IPC_NONE + 1; t < IPC_TYPE_COUNT; t++) {
		ti = ipc_type_info(t);
		assert_non_null(ti);
		assert_string_equal(ipc_type_name(t), ti->name);
		assert_int_equal(ti->senders & ~R_ALL, 0);
		assert_int_equal(ti->receivers & ~R_ALL, 0);
		if (ti->kind == IPC_REQ) {
			assert_non_null(ipc_type_info(ti->reply));
			assert_int_equal(ipc_type_info(ti->reply)->kind,
			    IPC_REPLY);
		}
		nok = 0;
		for (self = 0; self < ROLE_COUNT; self++)
			for (peer = 0; peer < ROLE_COUNT; peer++) {
				h = good_hdr(t, &have_fd);
				allowed = (ti->senders & (1u << peer)) &&
				    (ti->receivers & (1u << self));
				why = ipc_check_header(&h, self, peer,
				    have_fd);
				if (allowed && why != NULL)
					fail_msg("%s %s -> %s refused: %s",
					    ti->name, ipc_role_name(peer),
					    ipc_role_name(self), why);
				if (!allowed && (why == NULL || strcmp(why,
				    "message type not allowed in this "
				    "direction") != 0))
					fail_msg("%s %s -> %s accepted",
					    ti->name, ipc_role_name(peer),
					    ipc_role_name(self));
				nok += allowed;
			}
		if (nok == 0)
			fail_msg("%s can travel nowhere", ti->name);
	}

	/* A few directions by name, both ways. */
	h = good_hdr(IPC_MSG_CREATE, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, have_fd));
	h = good_hdr(IPC_DELIVER, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_QUEUE, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_LOCAL, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, have_fd));
	h = good_hdr(IPC_WRITER_OPEN_OK, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_MASTER, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_LOCAL, ROLE_SMTPD,
	    have_fd));
	h = good_hdr(IPC_SETUP_PEER, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_MASTER, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_WRITER, ROLE_MASTER,
	    have_fd));
	h = good_hdr(IPC_LOG, &have_fd);
	assert_null(ipc_check_header(&h, ROLE_MASTER, ROLE_LOOKUP, have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_MASTER, ROLE_WRITER,
	    have_fd));
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, have_fd));
}

void
test_hdr_fields(void **state)
{
	struct ipc_hdr	h;

	h = hdr(IPC_MSG_CREATE, IPC_PAYLOAD_MAX, 1, 0);
	assert_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
	h.len = IPC_PAYLOAD_MAX + 1;
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "payload too long");
	h.len = UINT32_MAX;
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));

	h = hdr(IPC_MSG_CREATE, 0, 1, 0x2);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "unknown header flags");
	h.flags = 0x80000000;
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
	h.flags = IPC_HDR_FD | 0x100;
	assert_non_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1));

	/* Flag without fd, fd without flag. */
	h = hdr(IPC_MSG_CREATE_OK, 0, 1, IPC_HDR_FD);
	assert_null(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, 1));
	assert_string_equal(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, 0),
	    "fd flag does not match the attached fd");
	h = hdr(IPC_MSG_CREATE, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1),
	    "fd flag does not match the attached fd");

	/* Required fd missing, unexpected fd. */
	h = hdr(IPC_MSG_CREATE_OK, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_SMTPD, ROLE_QUEUE, 0),
	    "required fd missing");
	h = hdr(IPC_SETUP_PEER, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_LOCAL, ROLE_MASTER, 0),
	    "required fd missing");
	h = hdr(IPC_MSG_CREATE, 0, 1, IPC_HDR_FD);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1),
	    "unexpected fd");
	h = hdr(IPC_OK, 0, 1, IPC_HDR_FD);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 1),
	    "unexpected fd");

	/* Ids: notes have none, requests and replies must. */
	h = hdr(IPC_LOG, 0, 1, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_MASTER, ROLE_SMTPD, 0),
	    "note with a request id");
	h.id = 0;
	assert_null(ipc_check_header(&h, ROLE_MASTER, ROLE_SMTPD, 0));
	h = hdr(IPC_MSG_CREATE, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "request or reply without an id");
	h = hdr(IPC_OK, 0, 0, 0);
	assert_string_equal(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0),
	    "request or reply without an id");
	h = hdr(IPC_OK, 0, UINT32_MAX, 0);
	assert_null(ipc_check_header(&h, ROLE_QUEUE, ROLE_SMTPD, 0));
}

void
test_role_names(void **state)
{
	enum bh_role	r, back;

	for (r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(ipc_role_from_name(ipc_role_name(r), &back),
		    0);
		assert_int_equal(back, r);
	}
	assert_string_equal(ipc_role_name(ROLE_COUNT), "unknown");
	assert_int_equal(ipc_role_from_name("unknown", &back), -1);
	assert_int_equal(ipc_role_from_name("", &back), -1);
	assert_string_equal(ipc_type_name(IPC_NONE), "unknown");
	assert_string_equal(ipc_type_name(IPC_MSG_CREATE), "IPC_MSG_CREATE");
}
