/*
 * test_smtp_addr.c: SMTP paths: local parts, domains, literals, limits,
 * UTF-8, formatting, and HELO names (their main is test_smtp_parse.c's).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtpd/smtp_parse.h"

#include "tests/unit/smtp_parse_fixture.h"

/* ---- local parts --------------------------------------------------------- */

void
test_dot_string(void **state)
{
	struct smtp_addr a;

	assert_roundtrip("<first.last+tag@example.com>", 0,
	    "first.last+tag", "example.com", "first.last+tag@example.com");
	assert_roundtrip("<!#$%&'*+-/=?^_`{|}~@x>", 0,
	    "!#$%&'*+-/=?^_`{|}~", "x", "!#$%&'*+-/=?^_`{|}~@x");

	assert_int_equal(path("<.a@b>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a.@b>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a..b@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a b@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a(b)@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a,b@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a\"b\"@c>", 0, &a), SMTP_PARSE_SYNTAX);
}

void
test_quoted_local(void **state)
{
	struct smtp_addr a;

	/* Escapes removed when stored, put back when formatted. */
	assert_roundtrip("<\"john \\\"q\\\" doe\"@example.com>", 0,
	    "john \"q\" doe", "example.com", "\"john \\\"q\\\" doe\"@example.com");
	assert_roundtrip("<\"a\\\\b\"@x>", 0, "a\\b", "x", "\"a\\\\b\"@x");
	assert_roundtrip("<\"a@b\"@x>", 0, "a@b", "x", "\"a@b\"@x");
	assert_roundtrip("<\".a\"@x>", 0, ".a", "x", "\".a\"@x");
	assert_roundtrip("<\"a..b\"@x>", 0, "a..b", "x", "\"a..b\"@x");
	/* Quoting that was not needed goes away. */
	assert_roundtrip("<\"abc\"@x>", 0, "abc", "x", "abc@x");
	assert_roundtrip("<\"a.b\"@x>", 0, "a.b", "x", "a.b@x");
	/* A needless escape of an ordinary character. */
	assert_roundtrip("<\"\\a\\ b\"@x>", 0, "a b", "x", "\"a b\"@x");
	/* The empty quoted string is grammatical. */
	assert_roundtrip("<\"\"@x>", 0, "", "x", "\"\"@x");

	assert_int_equal(path("<\"abc@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"abc\\\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"abc", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"abc\\", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\"b@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\".b@x>", 0, &a), SMTP_PARSE_SYNTAX);
	/* No control characters, not even escaped or in quotes. */
	assert_int_equal(path("<\"a\tb\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\\\tb\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<\"a\\\x7f\"@x>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<\"a\\\0\"@x>", 9, 0, &a, &(size_t){ 0 }),
	    SMTP_PARSE_SYNTAX);
}

/* ---- domains and literals ------------------------------------------------ */

void
test_domains(void **state)
{
	struct smtp_addr a;

	assert_roundtrip("<u@Mail-1.Example.COM>", 0, "u", "Mail-1.Example.COM",
	    "u@Mail-1.Example.COM");
	assert_roundtrip("<u@123.example>", 0, "u", "123.example",
	    "u@123.example");
	assert_roundtrip("<u@xn--bcher-kva.example>", 0, "u",
	    "xn--bcher-kva.example", "u@xn--bcher-kva.example");

	assert_int_equal(path("<u@-a.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a-.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a..example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@example.>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a_b.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<u@a b>", 0, &a), SMTP_PARSE_SYNTAX);
}

void
test_address_literals(void **state)
{
	static const char *bad[] = {
		"<u@[300.1.1.1]>", "<u@[1.2.3]>", "<u@[1.2.3.4.5]>",
		"<u@[1234.1.1.1]>", "<u@[1.2.3.]>", "<u@[.1.2.3]>",
		"<u@[1.2.3.4 ]>", "<u@[]>", "<u@[abc]>",
		"<u@[IPv6:zz]>", "<u@[IPv6:]>", "<u@[IPv6:1::2::3]>",
		"<u@[IPv6:1:2:3:4:5:6:7:8:9]>", "<u@[IPv6:fe80::1%eth0]>",
		"<u@[IPv6:1.2.3.4]>",
		"<u@[:x]>", "<u@[-:x]>", "<u@[tag-:x]>", "<u@[tag:]>",
		"<u@[a_b:x]>",
		"<u@[a[b]>", "<u@[a\\b:c]>", "<u@[1.2.3.4>", "<u@[1.2.3.4",
		"<u@[1.2.3.4]x>", "<u@[1.2.3.4].x>", "<u@x[1.2.3.4]>",
	};
	struct smtp_addr a;
	size_t i;

	assert_roundtrip("<u@[192.0.2.1]>", 0, "u", "[192.0.2.1]",
	    "u@[192.0.2.1]");
	assert_roundtrip("<u@[0.0.0.0]>", 0, "u", "[0.0.0.0]", "u@[0.0.0.0]");
	assert_roundtrip("<u@[255.255.255.255]>", 0, "u",
	    "[255.255.255.255]", "u@[255.255.255.255]");
	assert_roundtrip("<u@[IPv6:2001:db8::1]>", 0, "u",
	    "[IPv6:2001:db8::1]", "u@[IPv6:2001:db8::1]");
	assert_roundtrip("<u@[ipv6:::1]>", 0, "u", "[ipv6:::1]",
	    "u@[ipv6:::1]");
	assert_roundtrip("<u@[IPv6:::ffff:192.0.2.1]>", 0, "u",
	    "[IPv6:::ffff:192.0.2.1]", "u@[IPv6:::ffff:192.0.2.1]");
	/* A general literal is accepted for its syntax alone. */
	assert_roundtrip("<u@[x-tag:some;thing:else]>", 0, "u",
	    "[x-tag:some;thing:else]", "u@[x-tag:some;thing:else]");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(path(bad[i], 0, &a), SMTP_PARSE_SYNTAX);
}

void
test_source_route(void **state)
{
	struct smtp_addr a;

	/* Checked, then dropped (RFC 5321 appendix C). */
	assert_roundtrip("<@a.example,@b.example:u@c.example>", 0, "u",
	    "c.example", "u@c.example");
	assert_roundtrip("<@a.example:\"x y\"@c.example>", 0, "x y",
	    "c.example", "\"x y\"@c.example");

	assert_int_equal(path("<@a.example u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a,b:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a,:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a.example:>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a.example>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a-:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a:@b:u@c>", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a", 0, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<@a,", 0, &a), SMTP_PARSE_SYNTAX);
}

/* ---- limits ----------------------------------------------------------- */

void
test_limit_local(void **state)
{
	struct smtp_addr a;
	char local[100], p[200];

	snprintf(p, sizeof(p), "<%s@x>", repeat(local, sizeof(local), 'l', 64));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_string_equal(a.local, local);
	snprintf(p, sizeof(p), "<%s@x>", repeat(local, sizeof(local), 'l', 65));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* Quoted: the 64 counts the quotes, as they travel on the wire. */
	snprintf(p, sizeof(p), "<\"%s\"@x>",
	    repeat(local, sizeof(local), ' ', 62));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_string_equal(a.local, local);
	snprintf(p, sizeof(p), "<\"%s\"@x>",
	    repeat(local, sizeof(local), ' ', 63));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* ... and the backslashes: 31 escaped quotes are 64 on the wire. */
	repeat(local, sizeof(local), 'x', 62);
	for (size_t i = 0; i < 62; i += 2)
		memcpy(local + i, "\\\"", 2);
	snprintf(p, sizeof(p), "<\"%s\"@x>", local);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_int_equal(strlen(a.local), 31);
	snprintf(p, sizeof(p), "<\"%sa\"@x>", local);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* A UTF-8 sequence straddling the limit. */
	repeat(local, sizeof(local), 'l', 62);
	snprintf(p, sizeof(p), "<%s\xc3\xa9@x>", local);
	assert_int_equal(path(p, SMTP_ADDR_ALLOW_UTF8, &a), SMTP_PARSE_OK);
	snprintf(p, sizeof(p), "<%s\xe2\x82\xac@x>", local);
	assert_int_equal(path(p, SMTP_ADDR_ALLOW_UTF8, &a),
	    SMTP_PARSE_TOO_LONG);
}

void
test_limit_domain(void **state)
{
	struct smtp_addr a;
	char dom[300], label[100], p[400];

	/* 255 octets is a domain; the 256-octet path limit is tested below. */
	assert_true(helo(domain_of(dom, sizeof(dom), 255)));
	assert_false(helo(domain_of(dom, sizeof(dom), 256)));
	snprintf(p, sizeof(p), "<u@%s>", domain_of(dom, sizeof(dom), 256));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
	snprintf(p, sizeof(p), "<u@%s>", domain_of(dom, sizeof(dom), 255));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);	/* path 259 */

	/* A dot after 255 octets is one too many. */
	snprintf(p, sizeof(p), "<u@%s.x>", domain_of(dom, sizeof(dom), 255));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* An address literal is a domain too, brackets included. */
	memset(dom, 'a', 254);
	memcpy(dom, "[x:", 3);
	memcpy(dom + 254, "]", 2);
	assert_int_equal(strlen(dom), 255);
	assert_true(helo(dom));
	snprintf(p, sizeof(p), "<u@%.254sa]>", dom);	/* 256 */
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
	snprintf(p, sizeof(p), "<u@%.254saa", dom);	/* no "]" in sight */
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);

	/* Labels: 63 octets fine, 64 not. */
	snprintf(p, sizeof(p), "<u@%s.example>",
	    repeat(label, sizeof(label), 'a', 63));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	snprintf(p, sizeof(p), "<u@%s.example>",
	    repeat(label, sizeof(label), 'a', 64));
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_SYNTAX);
	assert_true(helo(repeat(label, sizeof(label), 'a', 63)));
	assert_false(helo(repeat(label, sizeof(label), 'a', 64)));
}

void
test_limit_path(void **state)
{
	struct smtp_mailrcpt m;
	struct smtp_addr a;
	char local[100], dom[300], p[420], line[450];

	/* 1 + 64 + 1 + 189 + 1 = 256 */
	snprintf(p, sizeof(p), "<%s@%s>", repeat(local, sizeof(local), 'l', 64),
	    domain_of(dom, sizeof(dom), 189));
	assert_int_equal(strlen(p), 256);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_OK);
	assert_string_equal(a.domain, dom);
	snprintf(line, sizeof(line), "TO:%s NOTIFY=NEVER", p);
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_OK);

	snprintf(p, sizeof(p), "<%s@%s>", local,
	    domain_of(dom, sizeof(dom), 190));
	assert_int_equal(strlen(p), 257);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
	assert_string_equal(a.local, "");
	snprintf(line, sizeof(line), "TO:%s", p);
	assert_int_equal(rcpt(line, 0, &m), SMTP_PARSE_TOO_LONG);

	/* The source route counts too, although it is dropped. */
	snprintf(p, sizeof(p), "<@r.example:%s@%s>", local,
	    domain_of(dom, sizeof(dom), 179));
	assert_int_equal(strlen(p), 257);
	assert_int_equal(path(p, 0, &a), SMTP_PARSE_TOO_LONG);
}

/* ---- UTF-8 and control characters -------------------------------------- */

void
test_utf8(void **state)
{
	static const char *malformed[] = {
		"<\xc3(@x>",			/* bad continuation */
		"<\xc0\xaf@x>",			/* overlong '/' */
		"<\xc1\xbf@x>",
		"<\xe0\x80\xaf@x>",		/* overlong, 3 octets */
		"<\xf0\x80\x80\xaf@x>",		/* overlong, 4 octets */
		"<\xed\xa0\x80@x>",		/* surrogate U+D800 */
		"<\xf4\x90\x80\x80@x>",		/* above U+10FFFF */
		"<\xf5\x80\x80\x80@x>",
		"<\xff@x>",
		"<\x80@x>",			/* lone continuation */
		"<u@\xe2\x82>",			/* truncated before '>' */
		"<\"\xe2\x82\"@x>",
	};
	struct smtp_mailrcpt m;
	struct smtp_addr a;
	size_t i;

	assert_int_equal(path("<\xc3\xbcser@ex\xc3\xa4mple.de>", 0, &a),
	    SMTP_PARSE_UTF8);
	assert_int_equal(path("<user@ex\xc3\xa4mple.de>", 0, &a),
	    SMTP_PARSE_UTF8);
	assert_int_equal(path("<\"\xc3\xbc\"@x>", 0, &a), SMTP_PARSE_UTF8);
	assert_int_equal(path("<@r\xc3\xa4:u@x>", 0, &a), SMTP_PARSE_UTF8);

	assert_roundtrip("<\xc3\xbcser@ex\xc3\xa4mple.de>",
	    SMTP_ADDR_ALLOW_UTF8, "\xc3\xbcser", "ex\xc3\xa4mple.de",
	    "\xc3\xbcser@ex\xc3\xa4mple.de");
	assert_int_equal(path("<\xc3\xbcser@ex\xc3\xa4mple.de>",
	    SMTP_ADDR_ALLOW_UTF8, &a), SMTP_PARSE_OK);
	assert_true(a.is_utf8);
	assert_int_equal(path("<user@ex\xc3\xa4mple.de>",
	    SMTP_ADDR_ALLOW_UTF8, &a), SMTP_PARSE_OK);
	assert_true(a.is_utf8);
	assert_int_equal(path("<user@example.de>", SMTP_ADDR_ALLOW_UTF8, &a),
	    SMTP_PARSE_OK);
	assert_false(a.is_utf8);
	/* Four-octet sequence, and UTF-8 inside quotes. */
	assert_roundtrip("<\xf0\x9f\x93\xa7@x>", SMTP_ADDR_ALLOW_UTF8,
	    "\xf0\x9f\x93\xa7", "x", "\xf0\x9f\x93\xa7@x");
	assert_roundtrip("<\"\xc3\xa9 t\xc3\xa9\"@x>", SMTP_ADDR_ALLOW_UTF8,
	    "\xc3\xa9 t\xc3\xa9", "x", "\"\xc3\xa9 t\xc3\xa9\"@x");

	assert_int_equal(mail("FROM:<\xc3\xbc@x> SMTPUTF8",
	    SMTP_ADDR_ALLOW_UTF8, &m), SMTP_PARSE_OK);
	assert_true(m.addr.is_utf8);
	assert_string_equal(m.params[0].keyword, "SMTPUTF8");

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(path(malformed[i], SMTP_ADDR_ALLOW_UTF8, &a),
		    SMTP_PARSE_SYNTAX);
	/* A literal is ASCII even under SMTPUTF8. */
	assert_int_equal(path("<u@[\xc3\xa4:x]>", SMTP_ADDR_ALLOW_UTF8, &a),
	    SMTP_PARSE_SYNTAX);
	/* A sequence cut off by the end of the input is malformed too. */
	assert_int_equal(path_n("<u@x\xe2\x82", 6, SMTP_ADDR_ALLOW_UTF8, &a,
	    &(size_t){ 0 }), SMTP_PARSE_SYNTAX);
}

void
test_control_chars(void **state)
{
	struct smtp_addr a;
	size_t c;
	char p[32];

	for (c = 1; c < 32; c++) {
		snprintf(p, sizeof(p), "<a%cb@x>", (int)c);
		assert_int_equal(path(p, ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
		snprintf(p, sizeof(p), "<ab@x%cy>", (int)c);
		assert_int_equal(path(p, ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
		snprintf(p, sizeof(p), "<\"a%cb\"@x>", (int)c);
		assert_int_equal(path(p, ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
	}
	assert_int_equal(path("<a\x7f@x>", ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a@x\x7f>", ALL_FLAGS, &a), SMTP_PARSE_SYNTAX);
	assert_int_equal(path("<a@[1.2.3.4\x7f]>", ALL_FLAGS, &a),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<a\0b@x>", 7, ALL_FLAGS, &a, &(size_t){ 0 }),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<ab@x\0>", 7, ALL_FLAGS, &a, &(size_t){ 0 }),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<\"a\0\"@x>", 8, ALL_FLAGS, &a,
	    &(size_t){ 0 }), SMTP_PARSE_SYNTAX);
}

/* ---- Postmaster, bare paths, formatting, HELO --------------------------- */

void
test_postmaster(void **state)
{
	struct smtp_mailrcpt m;

	assert_int_equal(rcpt("TO:<Postmaster>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_OK);
	assert_string_equal(m.addr.local, "Postmaster");
	assert_string_equal(m.addr.domain, "");
	assert_false(m.addr.is_null);
	assert_format(&m.addr, "Postmaster");

	/* Kept as written. */
	assert_int_equal(rcpt("TO:<POSTMASTER> NOTIFY=NEVER",
	    SMTP_ADDR_POSTMASTER, &m), SMTP_PARSE_OK);
	assert_string_equal(m.addr.local, "POSTMASTER");
	assert_int_equal(m.nparams, 1);
	assert_roundtrip("<postMaster>", SMTP_ADDR_POSTMASTER, "postMaster", "",
	    "postMaster");

	assert_int_equal(rcpt("TO:<Postmaster>", 0, &m), SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<Postmasterx>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<Postmaste>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<\"Postmaster\">", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<@r:Postmaster>", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(rcpt("TO:<Postmaster", SMTP_ADDR_POSTMASTER, &m),
	    SMTP_PARSE_SYNTAX);

	/* With a domain it is an ordinary mailbox. */
	assert_int_equal(rcpt("TO:<postmaster@example.com>",
	    SMTP_ADDR_POSTMASTER, &m), SMTP_PARSE_OK);
	assert_string_equal(m.addr.domain, "example.com");
}

void
test_parse_path_consumed(void **state)
{
	struct smtp_addr a;
	size_t n;

	assert_int_equal(path_n("<a@b> SIZE=1", 12, 0, &a, &n), SMTP_PARSE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(path_n("<a@b>junk", 9, 0, &a, &n), SMTP_PARSE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(path_n("<>", 2, SMTP_ADDR_ALLOW_NULL, &a, &n),
	    SMTP_PARSE_OK);
	assert_int_equal(n, 2);
	assert_true(a.is_null);
	assert_int_equal(path_n("<Postmaster>>", 13, SMTP_ADDR_POSTMASTER, &a,
	    &n), SMTP_PARSE_OK);
	assert_int_equal(n, 12);

	n = 99;
	assert_int_equal(path_n("<a@b", 4, 0, &a, &n), SMTP_PARSE_SYNTAX);
	assert_int_equal(n, 0);
	assert_int_equal(path_n("", 0, 0, &a, &n), SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("<", 1, ALL_FLAGS, &a, &n), SMTP_PARSE_SYNTAX);
	assert_int_equal(path_n("a@b", 3, 0, &a, &n), SMTP_PARSE_SYNTAX);
}

void
test_format(void **state)
{
	struct smtp_addr a;
	char buf[64];

	assert_int_equal(path("<a@b.c>", 0, &a), SMTP_PARSE_OK);
	/* Exactly enough room: 5 octets and the NUL. */
	assert_int_equal(smtp_addr_format(&a, buf, 6), 0);
	assert_string_equal(buf, "a@b.c");
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(smtp_addr_format(&a, buf, 5), -1);
	assert_string_equal(buf, "");		/* never a truncated address */
	assert_int_equal(smtp_addr_format(&a, buf, 0), -1);

	/* The quotes and escapes need room as well. */
	assert_int_equal(path("<\"a\\\"b\"@c>", 0, &a), SMTP_PARSE_OK);
	assert_int_equal(smtp_addr_format(&a, buf, 9), 0);
	assert_string_equal(buf, "\"a\\\"b\"@c");
	assert_int_equal(smtp_addr_format(&a, buf, 8), -1);

	memset(&a, 0, sizeof(a));
	a.is_null = 1;
	assert_int_equal(smtp_addr_format(&a, buf, 1), 0);
	assert_string_equal(buf, "");
}

void
test_helo(void **state)
{
	static const char *good[] = {
		"mail.example.com", "mail.example.com.", "localhost", "a",
		"1.2.3.4", "xn--bcher-kva.example", "A-1.b-2",
		"[192.0.2.1]", "[IPv6:2001:db8::1]", "[x-tag:abc]",
	};
	static const char *bad[] = {
		"", ".", "-a.com", "a-.com", "a..b", "a.com..", ".a.com",
		"a b", "a_b", "a@b", "[300.1.1.1]", "[IPv6:zz]", "[1.2.3.4",
		"[1.2.3.4].", "[1.2.3.4]x", "ex\xc3\xa4mple.de", "a\tb",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(helo(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(helo(bad[i]));
	assert_false(smtp_valid_helo("a\0b", 3));
	assert_false(smtp_valid_helo(NULL, 0));
}
