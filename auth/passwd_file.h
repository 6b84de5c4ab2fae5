/*
 * passwd_file.h: the auth compartment's file backend (smtpd_sasl_type =
 * passwd-file): "login:crypt-hash[:ignored...]" a line, read once, as
 * root, before the compartment is entered, and then only in memory.
 */
#ifndef BH_PASSWD_FILE_H
#define BH_PASSWD_FILE_H

#include <stddef.h>

#define PWFILE_SIZE_MAX	(8 * 1024 * 1024)

struct pwentry {
	char	*user;
	char	*hash;
};

struct pwfile {
	struct pwentry	*v;		/* sorted by user */
	size_t		 n;
	char		*dummy;		/* hashed for an unknown user */
};

/* Parse the file's text; -1 with err = "line N: ..." for a bad line. */
int	pwfile_parse(struct pwfile *, const char *buf, size_t len, char *err,
	    size_t errlen);
/*
 * Read and parse path: a regular file owned by root and writable by
 * nobody else; no file is no logins.  Also makes the dummy hash (of the
 * first entry's method).
 */
int	pwfile_load(struct pwfile *, const char *path, char *err,
	    size_t errlen);
/* The hash of a user, or NULL. */
const char *pwfile_hash(const struct pwfile *, const char *user);
/*
 * 1: the password is the user's; 0: it is not, or there is no such
 * user (then the dummy is hashed, so that both take as long).
 */
int	pwfile_verify(const struct pwfile *, const char *user,
	    const char *password);
void	pwfile_free(struct pwfile *);

/* A line "user:hash" for bulkctl passwd; -1 if the name is not valid. */
int	pwfile_user_valid(const char *user);

#endif
