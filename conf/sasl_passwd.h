/*
 * sasl_passwd.h: smtp_sasl_password_maps, Postfix's client credential
 * table in its text form ("hash:/path" names the text file).  One entry
 * a logical line:
 *
 *	destination	username:password
 *
 * destination: "[host]:port" or "[host]" as relayhost and transport_maps
 * write the next hop, or a recipient domain (MX routing).  The password
 * is the rest of the line after the first colon.  Only master reads the
 * file (a root-owned file, not readable by others), once per lookup;
 * relay gets the one entry of the destination it talks to.
 */
#ifndef BH_SASL_PASSWD_H
#define BH_SASL_PASSWD_H

#include <stddef.h>

#define SASL_PASSWD_FIELD_MAX	256	/* user or password, with the NUL */
#define SASL_PASSWD_SIZE_MAX	(1 << 20)

/*
 * The entry for dest in the table text buf (named fname in errors),
 * "[host]:25" also as "[host]": 1 (user, pass set), 0 none, -1 a bad
 * line (err "fname:line: ...").  dest "" only checks the table.
 */
int	sasl_passwd_lookup_buffer(const char *buf, size_t len,
	    const char *fname, const char *dest, char *user, char *pass,
	    char *err, size_t errlen);
/* The same for a file, which must be root's and not readable by others. */
int	sasl_passwd_lookup(const char *path, const char *dest, char *user,
	    char *pass, char *err, size_t errlen);

#endif
