/*
 * dropfile.h: the drop file, a local submission on its way from
 * sendmail(1) through bulkdrop(8) to pickup (bulkdrop(8) documents the
 * format).  sendmail writes it as the user, bulkdrop copies it into the
 * drop directory unread, pickup parses it as hostile input: the only
 * trusted fact about a drop file is its owner's uid, which the kernel
 * set.
 *
 *   bulkdrop 1\n
 *   sender ADDR\n	(at most once: -f; honoured for trusted users)
 *   fullname TEXT\n	(at most once: -F)
 *   notify LIST\n	(at most once: -N, "never" or success,delay,failure)
 *   ret full|hdrs\n	(at most once: -R)
 *   envid TEXT\n	(at most once: -V)
 *   body 7bit|8bitmime\n (at most once: -B)
 *   rcpt ADDR\n	(1 .. DROP_RCPT_MAX)
 *   \n
 *   the message, LF line ends
 */
#ifndef BH_DROPFILE_H
#define BH_DROPFILE_H

#include <stddef.h>
#include <stdint.h>

#define DROP_MAGIC		"bulkdrop 1\n"
#define DROP_ENVELOPE_MAX	(256 * 1024)	/* the envelope block */
#define DROP_RCPT_MAX		1000
#define DROP_ADDR_MAX		254		/* RFC 5321 path, no <> */
#define DROP_FULLNAME_MAX	200
#define DROP_ENVID_MAX		100		/* RFC 3461 */
/* A drop file's name: DROP_NAME_LEN upper-case hex digits. */
#define DROP_NAME_LEN		16

struct drop_env {
	int	 have_sender;
	char	 sender[DROP_ADDR_MAX + 1];	/* "" = the null sender */
	char	 fullname[DROP_FULLNAME_MAX + 1];
	uint32_t notify;			/* DSN_NOTIFY_* (ipc_msgs.h) */
	uint32_t ret;				/* enum dsn_ret */
	char	 envid[DROP_ENVID_MAX + 1];
	int	 body8;				/* BODY=8BITMIME */
	char	(*rcpt)[DROP_ADDR_MAX + 1];
	size_t	 nrcpt;
	size_t	 rcpt_cap;	/* allocated */
	size_t	 env_len;	/* bytes up to and with the empty line */
};

/* Headers of the message the submitter left out (drop_scan_headers). */
#define DROP_HAVE_DATE		0x01
#define DROP_HAVE_MSGID		0x02
#define DROP_HAVE_FROM		0x04

/*
 * Parse the envelope at the start of buf (len bytes, which may run on
 * into the message).  0: e filled (free with drop_env_free), else -1
 * with a reason in err.
 */
int	drop_parse_env(const char *buf, size_t len, struct drop_env *e,
	    char *err, size_t errlen);
void	drop_env_free(struct drop_env *);
/*
 * An envelope address: local-part (dot-string) [@ domain], at most
 * DROP_ADDR_MAX bytes, no <>.  1 if valid.
 */
int	drop_addr_valid(const char *s, size_t n);
/* fullname: printable UTF-8, no control character, bounded. */
int	drop_text_valid(const char *s, size_t n, size_t max);
/*
 * Which of Date:, Message-ID:, From: the header section at the start
 * of the message (len bytes; it may be cut short) has.
 */
unsigned drop_scan_headers(const char *msg, size_t len);
/* A drop file name as bulkdrop makes them. */
int	drop_name_valid(const char *name);

#endif
