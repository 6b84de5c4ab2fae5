/*
 * test_runner.c: the runner's command delivery (runner_exec.c) with a
 * real /bin/sh: the message on stdin, the fixed environment, exit status
 * mapping (Postfix's sys_exits table), signals, the time limit.
 */
#include <sys/wait.h>

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

#include "delivery/runner.h"

#define MSG	"Subject: t\n\nbody line\n"

static char	out_path[64];
static char	dsn[16], why[512];

static int
setup(void **state)
{
	int fd;

	snprintf(out_path, sizeof(out_path), "/tmp/test_runner.XXXXXX");
	if ((fd = mkstemp(out_path)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	unlink(out_path);
	return 0;
}

/* Run cmd with MSG on stdin and FOO=bar in the environment. */
static int
run(const char *cmd, long limit)
{
	char *const		envp[] = { "FOO=bar", "PATH=/usr/bin:/bin",
				    NULL };
	struct runner_cmd	rc = { cmd, "/", envp, limit };
	struct maildir_msg	m;
	int			p[2], r;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], MSG, strlen(MSG)), (ssize_t)strlen(MSG));
	close(p[1]);
	m.return_path = "s@example.org";
	m.delivered_to = "list@example.net";
	m.content_len = strlen(MSG);
	m.content_fd = p[0];
	dsn[0] = why[0] = '\0';
	r = runner_command(&rc, &m, dsn, sizeof(dsn), why, sizeof(why));
	close(p[0]);
	return r;
}

static void
test_message_and_environment(void **state)
{
	char	cmd[256], buf[512];
	FILE	*f;
	size_t	n;

	snprintf(cmd, sizeof(cmd), "cat > %s; test \"$FOO\" = bar", out_path);
	assert_int_equal(run(cmd, 10), 0);
	assert_non_null(f = fopen(out_path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, "Return-Path: <s@example.org>\n"
	    "Delivered-To: list@example.net\n" MSG);
}

static void
test_exit_status_mapping(void **state)
{
	assert_int_equal(run("exit 75", 10), -1);
	assert_string_equal(dsn, "4.3.0");
	assert_string_equal(why, "temporary failure");
	assert_int_equal(run("echo 'no such box'; exit 67", 10), -1);
	assert_string_equal(dsn, "5.1.1");
	assert_string_equal(why, "user unknown. Command output: no such box ");
	assert_int_equal(run("exit 71", 10), -1);
	assert_string_equal(dsn, "4.3.0");
	assert_int_equal(run("exit 73", 10), -1);
	assert_string_equal(dsn, "5.2.0");
	assert_int_equal(run("exit 3", 10), -1);
	assert_string_equal(dsn, "5.3.0");
	assert_string_equal(why, "command died with status 3: \"exit 3\"");
	assert_int_equal(run("kill -9 $$", 10), -1);
	assert_string_equal(dsn, "4.3.0");
	assert_non_null(strstr(why, "command died with signal 9"));
	/* Not reading the message is the command's business. */
	assert_int_equal(run("exit 0", 10), 0);
}

static void
test_output_is_cut_and_printable(void **state)
{
	const char	*p;

	assert_int_equal(run("printf 'a\\tb\\001'; head -c 1000 /dev/zero | "
	    "tr '\\0' x; exit 1", 10), -1);
	p = strstr(why, "Command output: ");
	assert_non_null(p);
	p += strlen("Command output: ");
	assert_int_equal(strlen(p), RUNNER_OUTPUT_MAX);
	assert_memory_equal(p, "a b xxx", 7);
}

static void
test_time_limit_kills_the_group(void **state)
{
	char	cmd[256];

	/* A background child keeps the output open: the group dies too. */
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; sleep 30",
	    out_path);
	assert_int_equal(run(cmd, 1), -1);
	assert_string_equal(dsn, "4.2.0");
	assert_non_null(strstr(why, "command time limit exceeded"));
}

static void
test_sys_exits_table(void **state)
{
	const char *text;

	assert_string_equal(runner_exit_dsn(64, &text), "5.3.0");
	assert_string_equal(text, "command line usage error");
	assert_string_equal(runner_exit_dsn(78, &text), "5.3.5");
	assert_string_equal(runner_exit_dsn(77, &text), "5.7.0");
	assert_string_equal(runner_exit_dsn(74, &text), "5.3.0");
	assert_string_equal(runner_exit_dsn(1, &text), "5.3.0");
	assert_null(text);
}

/*
 * The fds a command must not inherit are closed also when close_range(2)
 * is not there (the fallback, forced here).
 */
static void
close_from_check(int use_close_range)
{
	pid_t	pid;
	int	st, fd, i, bad = 0;

	if ((pid = fork()) == 0) {
		for (i = 0; i < 5; i++)
			(void)open("/dev/null", O_RDONLY);
		(void)dup2(0, 200);
		if (runner_close_from(3, use_close_range) == -1)
			_exit(2);
		for (fd = 3; fd < 256; fd++)
			if (fcntl(fd, F_GETFD) != -1)
				bad = 1;
		_exit(bad || fcntl(0, F_GETFD) == -1 ? 1 : 0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_close_from(void **state)
{
	close_from_check(1);
	close_from_check(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_message_and_environment,
		    setup, teardown),
		cmocka_unit_test(test_exit_status_mapping),
		cmocka_unit_test(test_output_is_cut_and_printable),
		cmocka_unit_test_setup_teardown(test_time_limit_kills_the_group,
		    setup, teardown),
		cmocka_unit_test(test_sys_exits_table),
		cmocka_unit_test(test_close_from),
	};

	/* As in the runner (sandbox_enter): a command that exits before
	   reading its message is EPIPE, not the death of the test. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
