/*
 * smtp_reply.h: the SMTP client's reply parser (RFC 5321 4.2) and the
 * EHLO keyword reader.  Both take bytes straight from a remote server
 * and are fuzzed (tests/fuzz/fuzz_smtp_reply.c); they do not log.
 *
 * A reply is one or more lines "NNN-text" ending with "NNN text" (or
 * "NNN"), each line ended by CRLF (a bare LF is taken too, as Postfix's
 * client does).  Anything else -- a line without three digits, a code
 * outside 200..599, a continuation with another code, a line longer
 * than SMTP_REPLY_LINE_MAX, more than SMTP_REPLY_LINES_MAX lines -- is
 * a protocol error, which the client treats as a dropped connection (a
 * deferral).
 */
#ifndef BH_SMTP_REPLY_H
#define BH_SMTP_REPLY_H

#include <stddef.h>
#include <stdint.h>

/* Postfix's line_length_limit: longer lines are a protocol error here. */
#define SMTP_REPLY_LINE_MAX	2048
#define SMTP_REPLY_LINES_MAX	100	/* a never-ending reply ends here */
#define SMTP_REPLY_TEXT_MAX	512	/* kept of the text, for notices */

enum smtp_reply_rc {
	SMTP_REPLY_MORE = 0,	/* a whole reply is not there yet */
	SMTP_REPLY_DONE,	/* r holds a whole reply */
	SMTP_REPLY_BAD		/* protocol error: r->error says which */
};

struct smtp_reply {
	int		 code;		/* 200 .. 599 */
	char		 dsn[16];	/* the first "5.1.1" of its lines, or "" */
	/* the lines' texts, enhanced code cut, joined by a blank, control
	   characters made '?', cut at SMTP_REPLY_TEXT_MAX - 1 */
	char		 text[SMTP_REPLY_TEXT_MAX];
	size_t		 nlines;
	const char	*error;		/* SMTP_REPLY_BAD: why */
	/* the last line fed, cleaned and terminated (for EHLO keywords) */
	char		 line[SMTP_REPLY_LINE_MAX + 1];
	/* if set (after smtp_reply_init): called with each line's text */
	void		(*line_fn)(void *arg, const char *text);
	void		*line_arg;
};

/* Start a new reply. */
void	smtp_reply_init(struct smtp_reply *);

/*
 * Feed one line (without its line end).  Returns SMTP_REPLY_MORE after
 * a continuation line, SMTP_REPLY_DONE after the last line, or
 * SMTP_REPLY_BAD.
 */
enum smtp_reply_rc smtp_reply_line(struct smtp_reply *, const char *line,
	    size_t len);

/*
 * Take lines from buf[0 .. len): stops after the line that ends a reply
 * (DONE), at a protocol error (BAD), or when no whole line is left
 * (MORE).  *used: the bytes consumed.  More than SMTP_REPLY_LINE_MAX
 * bytes without a line end is BAD.
 */
enum smtp_reply_rc smtp_reply_parse(struct smtp_reply *, const char *buf,
	    size_t len, size_t *used);

/* What a server's EHLO reply offers (its lines after the first). */
#define SMTP_EXT_PIPELINING	0x01
#define SMTP_EXT_SIZE		0x02
#define SMTP_EXT_8BITMIME	0x04
#define SMTP_EXT_SMTPUTF8	0x08
#define SMTP_EXT_DSN		0x10
#define SMTP_EXT_STARTTLS	0x20
#define SMTP_EXT_AUTH		0x40
#define SMTP_EXT_ENHANCED	0x80
#define SMTP_EXT_AUTH_PLAIN	0x100	/* AUTH's mechanisms */
#define SMTP_EXT_AUTH_LOGIN	0x200

struct smtp_ext {
	uint32_t	 flags;		/* SMTP_EXT_* */
	uint64_t	 size;		/* SIZE's limit; 0: none given */
};

/* Read one EHLO line's keyword (and SIZE's value) into ext. */
void	smtp_ext_line(struct smtp_ext *, const char *text);

#endif
