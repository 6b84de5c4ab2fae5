/*
 * sendmail_msg.h: sendmail(1)'s work on the message it reads, as the
 * user: the end of input (-i), line ends, the size limit, and -t's
 * recipients from To:, Cc: and Bcc: (Bcc: removed).  Unit-tested by
 * tests/unit/test_sendmail_msg.c.
 */
#ifndef BH_SENDMAIL_MSG_H
#define BH_SENDMAIL_MSG_H

#include <stddef.h>
#include <stdio.h>

struct sm_msg {
	char	*buf;		/* the message, LF line ends */
	size_t	 len;
};

struct sm_rcpts {
	char	**v;
	size_t	  n;
};

enum sm_read {
	SM_READ_OK = 0,
	SM_READ_ERROR,		/* errno says why */
	SM_READ_TOO_BIG
};

/*
 * Read the message from fd: CRLF becomes LF; unless dot_ends is 0 (-i),
 * a line of a single "." ends it.  At most limit bytes.
 */
enum sm_read sm_read_message(int fd, int dot_ends, size_t limit,
	    struct sm_msg *);
/*
 * -t: add the addresses of the To:, Cc: and Bcc: headers to r and cut
 * the Bcc: headers out of m.  Returns 0, or -1 with a malformed
 * address (not one drop_addr_valid() accepts) in bad.
 */
int	sm_extract_rcpts(struct sm_msg *m, struct sm_rcpts *r, char *bad,
	    size_t badlen);
/*
 * One address as a user writes it on the command line or in a header
 * ("Name <a@b>", "a@b (Name)", "<a@b>"): the bare address in out.
 * 0, or -1 if it is not one drop_addr_valid() accepts.  An empty
 * address (a group's end, "<>") gives 1: nothing to add.
 */
int	sm_parse_addr(const char *s, size_t n, char *out, size_t outlen);
void	sm_rcpts_add(struct sm_rcpts *, const char *);
void	sm_rcpts_free(struct sm_rcpts *);

#endif
