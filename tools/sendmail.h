/*
 * sendmail.h: the sendmail command's options, shared by its modes
 * (sendmail.c; sendmail_smtp.c: -bs).
 */
#ifndef BH_SENDMAIL_H
#define BH_SENDMAIL_H

#include "conf/config.h"
#include "tools/sendmail_msg.h"

struct opts {
	const char	*confdir;	/* -C, -c */
	int		 confdir_given;
	char		 mode;		/* -b: m (send), p, i, v, s */
	int		 extract;	/* -t */
	int		 dot_ends;	/* not -i, -oi */
	const char	*sender;	/* -f, -r */
	const char	*fullname;	/* -F */
	const char	*notify;	/* -N */
	const char	*ret;		/* -R */
	const char	*envid;		/* -V */
	const char	*body;		/* -B */
	int		 queue_run;	/* -q */
	int		 verbose;	/* -v */
};

/* Pipe one drop file to bulkdrop; its exit status (sysexits(3)). */
int	sm_drop(const struct opts *, const struct sm_rcpts *,
	    const struct sm_msg *);
/* -bs: SMTP on standard input and output; the exit status. */
int	sm_smtp(struct opts *, const struct bh_config *);

#endif
