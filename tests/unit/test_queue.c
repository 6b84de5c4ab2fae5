/*
 * test_queue.c: queue's receive and deliver logic against fake peers.
 *
 * The real queue code (queue.c, queue_receive.c, queue_deliver.c,
 * queue_notice.c, the spool and the fsync pool) runs in a temporary
 * spool directory; the test plays master (it hands queue one end of a
 * SOCK_SEQPACKET socketpair with queue_on_peer) and smtpd or local on the
 * other end, speaking the real IPC protocol, so every message either
 * side sends is checked by ipc_chan as in the daemon.  The event loop
 * runs until the fake has what it waits for.
 *
 * The scheduler tick is the test's: run_ev only counts how often queue
 * asked for a run, and deliveries start with deliver_one().
 *
 * The fakes and smtpd's side of a message are queue_fixture.[ch]; the
 * tests are test_queue_receive.c and test_queue_deliver.c; here: main.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "lib/log.h"
#include "privsep/ipc_msgs.h"
#include "privsep/worker.h"
#include "queue/fsync_pool.h"
#include "queue/queue.h"
#include "queue/spool.h"

#include "tests/unit/queue_fixture.h"

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receive_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_receive_commit_without_rcpt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_receive_bad_payload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_receive_smtpd_gone_during_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_from_pickup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_sent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_defer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_bounce, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_local_gone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_bad_result, setup,
		    teardown),
	};

	ipc_codecs_use(ipc_codecs_all);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
