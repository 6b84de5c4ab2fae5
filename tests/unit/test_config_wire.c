/*
 * test_config_wire.c: the typed configuration as the parser sends it
 * (config_encode) and as master takes it (config_decode): a round trip,
 * and master refusing what a compromised parser could send instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/config_int.h"
#include "conf/config_layout.h"
#include "conf/config_wire.h"
#include "conf/mastercf.h"
#include "lib/textfile.h"

#define MAIN_CF \
	"myhostname = mail.example.org\n" \
	"mynetworks = 10.0.0.0/8, 127.0.0.1/32\n" \
	"message_size_limit = 5000\n" \
	"maximal_queue_lifetime = 2d\n" \
	"sandbox = jail\n"
#define MASTER_CF \
	"127.0.0.1:2525 inet n - y - 5 smtpd -o smtpd_banner=hi\n" \
	"[::1]:smtp inet n - y - - smtpd\n"

static int	nlogs;
static char	lastlog[256];

static void
logfn(int prio, const char *line, void *arg)
{
	(void)arg;
	nlogs++;
	snprintf(lastlog, sizeof(lastlog), "%d %s", prio, line);
}

static void
build(struct bh_config *cf, struct mcf_table *mcf)
{
	struct cf_table	 tab;
	char		 err[CF_ERR_MAX];

	assert_int_equal(cf_parse_buffer(&tab, MAIN_CF, strlen(MAIN_CF),
	    "main.cf", err, sizeof(err)), 0);
	if (config_build(cf, &tab, "/etc/bulkhead", NULL, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	cf_free(&tab);
	if (mcf_parse_buffer(mcf, MASTER_CF, strlen(MASTER_CF), "master.cf",
	    err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* The encoding of MAIN_CF and MASTER_CF, NUL-terminated (malloc'd). */
static char *
good(void)
{
	struct bh_config	 cf;
	struct mcf_table	 mcf;
	struct dbuf		 d = { NULL, 0, 0 };
	char			 err[CF_ERR_MAX];

	build(&cf, &mcf);
	assert_int_equal(config_encode(&cf, &mcf, &d, err, sizeof(err)), 0);
	config_free(&cf);
	mcf_free(&mcf);
	return d.p;
}

static int
decode(const char *text, size_t len, struct bh_config *cf,
    struct mcf_table *mcf, int *parse_error, char *err, size_t errlen)
{
	char	*b;
	int	 rc;

	b = malloc(len ? len : 1);	/* no NUL after it: ASan sees */
	assert_non_null(b);
	memcpy(b, text, len);
	rc = config_decode(b, len, cf, mcf, logfn, NULL, parse_error, err,
	    errlen);
	free(b);
	return rc;
}

static char *
printed(const struct bh_config *cf)
{
	FILE	*f = tmpfile();
	char	*s;
	long	 n;

	assert_non_null(f);
	config_print(cf, fileno(f));
	n = lseek(fileno(f), 0, SEEK_END);
	s = calloc(1, n + 1);
	assert_int_equal(pread(fileno(f), s, n, 0), n);
	fclose(f);
	return s;
}

static void
test_round_trip(void **state)
{
	struct bh_config	 cf, back, other;
	struct mcf_table	 mcf, mback;
	char			*text = good(), err[CF_ERR_MAX], *a, *b;
	int			 pe;

	(void)state;
	build(&cf, &mcf);
	if (decode(text, strlen(text), &back, &mback, &pe, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	a = printed(&cf);
	b = printed(&back);
	assert_string_equal(a, b);
	assert_int_equal(back.message_size_limit, 5000);
	assert_int_equal(back.maximal_queue_lifetime, 2 * 86400);
	assert_int_equal(back.sandbox, SANDBOX_JAIL);
	assert_int_equal(back.mynetworks.n, 2);
	assert_int_equal(mback.n, 2);
	assert_string_equal(mback.v[0].host, "127.0.0.1");
	assert_string_equal(mback.v[0].port, "2525");
	assert_int_equal(mback.v[0].maxproc, 5);
	assert_int_equal(mback.v[0].nopts, 1);
	assert_string_equal(mback.v[0].opts[0].name, "smtpd_banner");
	assert_string_equal(mback.v[0].opts[0].value, "hi");
	assert_string_equal(mback.v[0].file, "master.cf");
	assert_int_equal(mback.v[1].line, 2);
	assert_string_equal(mback.v[1].host, "::1");
	assert_int_equal(mback.v[1].maxproc, -1);
	/* without master.cf (a reload) there is none in the output */
	assert_int_not_equal(decode(text, strlen(text), &other, NULL, &pe,
	    err, sizeof(err)), 0);
	assert_null(other.myhostname);
	free(a);
	free(b);
	config_free(&cf);
	config_free(&back);
	mcf_free(&mcf);
	mcf_free(&mback);
	free(text);
}

/* The parser's own verdict and its log lines reach master. */
static void
test_verdict_and_logs(void **state)
{
	const char		*t = "l3 a log line\nw main.cf:2: unknown "
				    "parameter x\ne main.cf:3: bad value\n";
	struct bh_config	 cf;
	struct mcf_table	 mcf;
	char			 err[CF_ERR_MAX];
	int			 pe;

	(void)state;
	nlogs = 0;
	assert_int_equal(decode(t, strlen(t), &cf, &mcf, &pe, err,
	    sizeof(err)), -1);
	assert_int_equal(pe, 1);
	assert_string_equal(err, "main.cf:3: bad value");
	assert_int_equal(nlogs, 2);
	assert_int_equal(lastlog[0], '0' + LOG_WARNING);
	assert_null(cf.myhostname);
}

/*
 * good() with the line after prefix's newline (prefix is "\nSTART")
 * replaced: the newline and that line become repl.
 */
static char *
edit(const char *prefix, const char *repl)
{
	char	*t = good(), *at, *nl, *out;

	at = strstr(t, prefix);
	if (at == NULL)
		fail_msg("no line %s", prefix);
	nl = strchr(at + 1, '\n') + 1;
	out = malloc(strlen(t) + strlen(repl) + 1);
	memcpy(out, t, at - t);
	strcpy(out + (at - t), repl);
	strcat(out, nl);
	free(t);
	return out;
}

static char *
param_line(const char *name, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i < nparam_layout; i++)
		if (strcmp(param_layout[i].name, name) == 0)
			break;
	assert_true(i < nparam_layout);
	snprintf(buf, len, "\np %zu ", i);
	return buf;
}

static void
refused(const char *text, size_t len, const char *why)
{
	struct bh_config	 cf;
	struct mcf_table	 mcf;
	char			 err[CF_ERR_MAX] = "";
	int			 pe = 0;

	if (decode(text, len, &cf, &mcf, &pe, err, sizeof(err)) != -1)
		fail_msg("taken: %s", why);
	assert_int_equal(pe, 0);
	if (strstr(err, why) == NULL)
		fail_msg("%s: not %s", err, why);
	assert_null(cf.myhostname);
	assert_int_equal(cf.mynetworks.n, 0);
	assert_int_equal(mcf.n, 0);
	assert_null(mcf.v);
}

/* Replace parameter name's line (after its "\n") by repl. */
static void
refused_param(const char *name, const char *repl, const char *why)
{
	char	 pfx[32], *t;

	param_line(name, pfx, sizeof(pfx));
	t = edit(pfx, repl);
	refused(t, strlen(t), why);
	free(t);
}

static void
test_wrong_kind(void **state)
{
	char	 l[64];

	(void)state;
	param_line("myhostname", l, sizeof(l));
	snprintf(l, sizeof(l), "\np 1 N 5\n");
	refused_param("myhostname", l, "not of its kind");
	param_line("message_size_limit", l, sizeof(l));
	strcat(l, "N 5000\n");
	refused_param("message_size_limit", l, "not of its kind");
}

static void
test_out_of_range(void **state)
{
	char	 l[64];

	(void)state;
	param_line("message_size_limit", l, sizeof(l));
	strcat(l, "Q 0\n");
	refused_param("message_size_limit", l, "not a number within");
	param_line("smtpd_session_limit", l, sizeof(l));
	strcat(l, "N 1000001\n");
	refused_param("smtpd_session_limit", l, "not a number within");
	param_line("sandbox", l, sizeof(l));
	strcat(l, "X 2\n");
	refused_param("sandbox", l, "not a number within");
	param_line("smtpd_timeout", l, sizeof(l));
	strcat(l, "T 99999999999999999999\n");
	refused_param("smtpd_timeout", l, "not a number within");
	param_line("smtpd_timeout", l, sizeof(l));
	strcat(l, "T 30x\n");
	refused_param("smtpd_timeout", l, "not a number within");
	param_line("smtpd_timeout", l, sizeof(l));
	strcat(l, "T \n");
	refused_param("smtpd_timeout", l, "not a number within");
}

static void
test_oversized_list(void **state)
{
	char	 l[64];

	(void)state;
	param_line("relay_domains", l, sizeof(l));
	snprintf(l + strlen(l), sizeof(l) - strlen(l), "L %d\n",
	    BH_LIST_MAX + 1);
	refused_param("relay_domains", l, "bad list length");
	/* a count larger than the elements sent */
	param_line("relay_domains", l, sizeof(l));
	strcat(l, "L 1\n");
	refused_param("relay_domains", l, "element 0 missing");
}

static void
test_unknown_index(void **state)
{
	char	 l[64];

	(void)state;
	param_line("relay_domains", l, sizeof(l));
	snprintf(l, sizeof(l), "\np %zu S x\n", nparam_layout);
	refused_param("relay_domains", l, "unknown parameter index");
	param_line("relay_domains", l, sizeof(l));
	snprintf(l, sizeof(l), "\np 0 S x\n");
	refused_param("relay_domains", l, "out of order");
	param_line("relay_domains", l, sizeof(l));
	refused_param("relay_domains", "\n", "out of order");
	param_line("relay_domains", l, sizeof(l));
	refused_param("relay_domains", "\nq 1 2\n", "missing");
}

static void
test_truncated(void **state)
{
	char	*t = good();
	size_t	 len = strlen(t), cut;

	(void)state;
	for (cut = 0; cut < len; cut += 1 + cut / 7)
		refused(t, cut, cut == 0 ? "missing" : "");
	refused(t, len - 1, "truncated");
	free(t);
}

static void
test_framing(void **state)
{
	char	*t = good(), *u;
	size_t	 len = strlen(t);

	(void)state;
	/* a NUL anywhere */
	u = strdup(t);
	u[len / 2] = '\0';
	refused(u, len, "NUL");
	free(u);
	/* after the end */
	u = malloc(len + 8);
	memcpy(u, t, len);
	memcpy(u + len, "p 0 S x\n", 8);
	refused(u, len + 8, "after the end");
	free(u);
	/* an unknown record before the configuration */
	u = malloc(len + 6);
	memcpy(u, "x foo\n", 6);
	memcpy(u + 6, t, len);
	refused(u, len + 6, "");
	free(u);
	/* more than CFG_WIRE_MAX */
	u = calloc(1, CFG_WIRE_MAX + 2);
	memcpy(u, t, len);
	refused(u, CFG_WIRE_MAX + 1, "more than");
	free(u);
	free(t);
}

static void
test_bad_services(void **state)
{
	char	*t;

	(void)state;
	t = edit("\nm 2\n", "\nm 0\n");
	refused(t, strlen(t), "services missing");
	free(t);
	t = edit("\nm 2\n", "\nm 257\n");
	refused(t, strlen(t), "services missing");
	free(t);
	t = edit("\nt 2525\n", "\nt 99999\n");
	refused(t, strlen(t), "bad port");
	free(t);
	t = edit("\nt 2525\n", "\nt 25a\n");
	refused(t, strlen(t), "bad port");
	free(t);
	t = edit("\ns 1 5 1\n", "\ns 1 5 33\n");
	refused(t, strlen(t), "bad line, maxproc or option count");
	free(t);
	t = edit("\ns 1 5 1\n", "\ns 1 100001 1\n");
	refused(t, strlen(t), "bad line, maxproc or option count");
	free(t);
	t = edit("\ns 1 5 1\n", "\ns 1 5 2\n");
	refused(t, strlen(t), "option 1 missing");
	free(t);
	t = edit("\nc smtpd\n", "\n");
	refused(t, strlen(t), "command missing");
	free(t);
	t = edit("\nh 127.0.0.1\n", "\nh \n");
	refused(t, strlen(t), "host missing");
	free(t);
}

/* Both tables come from config_params.h: the same rows in the same order. */
static void
test_layout_is_the_table(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(nparam_layout, nparams);
	for (i = 0; i < nparams; i++) {
		assert_string_equal(param_layout[i].name, params[i].name);
		assert_int_equal(param_layout[i].kind, params[i].kind);
		assert_int_equal(param_layout[i].off, params[i].off);
		if (params[i].kind != K_STR && params[i].kind != K_LIST &&
		    params[i].kind != K_SANDBOX) {
			assert_int_equal(param_layout[i].min, params[i].min);
			assert_int_equal(param_layout[i].max, params[i].max);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_verdict_and_logs),
		cmocka_unit_test(test_wrong_kind),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_oversized_list),
		cmocka_unit_test(test_unknown_index),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_bad_services),
		cmocka_unit_test(test_layout_is_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
