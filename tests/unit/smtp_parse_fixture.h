/*
 * smtp_parse_fixture.h: what the SMTP parser tests share: exact-size
 * copies of their inputs (ASan catches a read past the end) and short
 * forms of the parser calls.
 */
#ifndef BH_SMTP_PARSE_FIXTURE_H
#define BH_SMTP_PARSE_FIXTURE_H

#include <sys/types.h>

#include <stddef.h>

#include "smtpd/smtp_parse.h"

#define ALL_FLAGS	(SMTP_ADDR_ALLOW_NULL | SMTP_ADDR_ALLOW_UTF8 | \
			    SMTP_ADDR_POSTMASTER)

char *	exact_copy(const char *s, size_t n);
void	parse_cmd_n(const char *line, size_t len, struct smtp_cmd *cmd,
	    char *arg, size_t argsz);
enum smtp_verb	parse_cmd(const char *line, char *arg, size_t argsz);
enum smtp_parse_err	mailrcpt_n(const char *arg, size_t len,
	    const char *prefix, int flags, struct smtp_mailrcpt *out);
enum smtp_parse_err	mail(const char *arg, int flags,
	    struct smtp_mailrcpt *out);
enum smtp_parse_err	rcpt(const char *arg, int flags,
	    struct smtp_mailrcpt *out);
enum smtp_parse_err	path_n(const char *s, size_t len, int flags,
	    struct smtp_addr *out, size_t *consumed);
enum smtp_parse_err	path(const char *s, int flags, struct smtp_addr *out);
int	helo(const char *s);
char *	repeat(char *buf, size_t bufsz, char c, size_t n);
char *	domain_of(char *buf, size_t bufsz, size_t n);
void	assert_format(const struct smtp_addr *a, const char *want);
void	assert_roundtrip(const char *p, int flags, const char *want_local,
	    const char *want_domain, const char *want_formatted);

/* test_smtp_addr.c */
void	test_dot_string(void **state);
void	test_quoted_local(void **state);
void	test_domains(void **state);
void	test_address_literals(void **state);
void	test_source_route(void **state);
void	test_limit_local(void **state);
void	test_limit_domain(void **state);
void	test_limit_path(void **state);
void	test_utf8(void **state);
void	test_control_chars(void **state);
void	test_postmaster(void **state);
void	test_parse_path_consumed(void **state);
void	test_format(void **state);
void	test_helo(void **state);

#endif
