/*
 * qfile_fixture.h: what the test_qfile*.c files share: a valid envelope,
 * one record a line, and the helpers that parse it with a line replaced.
 */
#ifndef BH_QFILE_FIXTURE_H
#define BH_QFILE_FIXTURE_H

#include <sys/types.h>

#include <stddef.h>

#include "queue/qfile.h"

#define QID_A	"0123456789ABCDEF"
/* Line numbers in base_lines. */
#define L_Q	8
#define L_F	9
#define L_X	10
#define L_W	11
#define L_R1	12
#define L_O1	13
#define L_R2	14
#define L_E	16
#define NBASE	17

extern const char *base_lines[NBASE];
void	env_fill(struct qenv *env, size_t nrcpt);
void	assert_env_equal(const struct qenv *a, const struct qenv *b);
size_t	join(char *buf, size_t cap, const char **lines, size_t n,
	    ssize_t skip);
size_t	with_line(char *buf, size_t cap, size_t i, const char *repl);
int	parse(const char *buf, size_t len, struct qenv *env);
void	reject(const char *buf, size_t len, const char *what);
void	reject_line(size_t i, const char *repl);
void	accept_line(size_t i, const char *repl, struct qenv *env);

/* test_qfile_format.c */
void	test_trailer(void **state);
void	test_format_refuses(void **state);
void	test_format_output_parses(void **state);
void	test_add_rcpt_limits(void **state);
void	test_qid_increasing(void **state);
void	test_qid_clock_back(void **state);

#endif
