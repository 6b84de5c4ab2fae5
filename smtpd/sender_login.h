/*
 * sender_login.h: smtpd_sender_login_maps, which login owns which
 * envelope sender.  Each map is a text file ("hash:/path",
 * "texthash:/path" or a plain path), one "address  login, login..." a
 * line ('#' comments, Postfix's syntax); a key "@domain" covers the
 * domain.  Read by smtpd before its privilege drop (the file is not
 * secret); the first map with the key wins.
 */
#ifndef BH_SENDER_LOGIN_H
#define BH_SENDER_LOGIN_H

#include <stddef.h>

struct sl_entry {
	char	*key;		/* lower-cased address or "@domain" */
	char	*logins;	/* ", "-separated, as in the file */
};

struct sender_logins {
	struct sl_entry	*v;
	size_t		 n;
};

/*
 * Add a map's text (Postfix's logical lines: comments, blank lines,
 * continuation by leading white space); -1 with err "fname:N: ..." on a
 * bad line.
 */
int	sl_parse(struct sender_logins *, const char *buf, size_t len,
	    const char *fname, char *err, size_t errlen);
int	sl_load(struct sender_logins *, const char *spec, char *err,
	    size_t errlen);
/* The logins owning sender (NULL: nobody). */
const char *sl_owners(const struct sender_logins *, const char *sender);
/* Does login own sender?  A sender nobody owns is owned by no login. */
int	sl_owns(const struct sender_logins *, const char *sender,
	    const char *login);
void	sl_free(struct sender_logins *);

#endif
