/*
 * restrictions.c: Postfix's restriction lists, the elements bulkhead has
 * (see restrictions.h).
 */
#include <stdio.h>
#include <string.h>

#include "smtpd/restrictions.h"

static const char *const known[] = {
	"permit_mynetworks", "permit_sasl_authenticated",
	"reject_unauth_destination", "defer_unauth_destination", "reject",
	"reject_sender_login_mismatch", NULL
};

#define SEPS	" \t,"

/* The next element of *p into buf; 0 at the end. */
static int
next(const char **p, char *buf, size_t len)
{
	size_t n;

	*p += strspn(*p, SEPS);
	if (**p == '\0')
		return 0;
	n = strcspn(*p, SEPS);
	if (n >= len)
		n = len - 1;	/* too long for any known name */
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += strcspn(*p, SEPS);
	return 1;
}

int
restr_check(const char *list, char *why, size_t whylen)
{
	char	el[64];
	int	i;

	if (strlen(list) >= RESTR_LIST_MAX) {
		snprintf(why, whylen, "longer than %d characters",
		    RESTR_LIST_MAX - 1);
		return -1;
	}
	while (next(&list, el, sizeof(el))) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(el, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			snprintf(why, whylen, "%s is not supported (use "
			    "permit_mynetworks, permit_sasl_authenticated, "
			    "reject_unauth_destination, defer_unauth_"
			    "destination, reject, reject_sender_login_"
			    "mismatch)", el);
			return -1;
		}
	}
	return 0;
}

enum restr_result
restr_eval(const char *list, int in_mynetworks, int logged_in)
{
	char el[64];

	while (next(&list, el, sizeof(el))) {
		if (strcmp(el, "permit_mynetworks") == 0 && in_mynetworks)
			return RESTR_PERMIT;
		if (strcmp(el, "permit_sasl_authenticated") == 0 && logged_in)
			return RESTR_PERMIT;
		if (strcmp(el, "reject_unauth_destination") == 0 ||
		    strcmp(el, "defer_unauth_destination") == 0)
			return RESTR_DEFAULT;
		if (strcmp(el, "reject") == 0)
			return RESTR_REJECT;
		if (strcmp(el, "reject_sender_login_mismatch") == 0)
			return RESTR_LOGIN_MISMATCH;
	}
	return RESTR_DEFAULT;
}
