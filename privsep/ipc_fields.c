/*
 * ipc_fields.c: what every payload's codec shares: the field validators
 * (one per field type, declared in ipc_msgs.h), the encoders' own check,
 * and the empty payload ("none") with its row of the codec table.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "lib/log.h"
#include "privsep/codec.h"
#include "privsep/ipc_codec.h"
#include "privsep/ipc_msgs.h"

#define QID_LEN	16

int
qid_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return i == QID_LEN;
}

static int
no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* "4.3.0", "5.1.1", "2.0.0" (RFC 3463 class.subject.detail) */
static int
dsn_valid(const char *s)
{
	int parts = 0, digits = 0;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			if (++digits > 3)
				return 0;
		} else if (*s == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else
			return 0;
	}
	return parts == 2 && digits > 0;
}

static int
user_valid(const char *s)
{
	if (*s == '\0' || *s == '-' || strchr(s, '/') != NULL ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

/* The field validators, one per field type (used by ipc_check.c). */
int
ipc_valid_text(const char *s)
{
	return no_controls(s);
}

int
ipc_valid_dsn(const char *s)
{
	return dsn_valid(s);
}

int
ipc_valid_user(const char *s)
{
	return user_valid(s);
}

int	ipc_enc_unchecked;

/*
 * An encoder refuses what its decoder would: a sender that let such a
 * value through has a bug, found here rather than by the receiver (which
 * would have the sender killed as compromised).  Senders of outside
 * values call ipc_check_*() first and handle a refusal themselves.
 */
void
ipc_enc_check(const char *what, const char *why)
{
	if (ipc_enc_unchecked)	/* a test playing a compromised sender */
		return;
	if (why != NULL)
		fatalx("%s: %s", what, why);
}

int
dec_empty(struct rbuf *rb)
{
	return rb_end(rb);
}

/* "", or a punctuation delimiter, then an extension: a file name in home. */
static int
suffix_valid(const char *suffix)
{
	const char *p;

	if (suffix[0] == '\0')
		return 1;
	if (!ispunct((unsigned char)suffix[0]) || suffix[0] == '/' ||
	    suffix[1] == '\0')
		return 0;
	for (p = suffix + 1; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._+-=", *p) == NULL)
			return 0;
	return 1;
}

/*
 * A command is any text without control characters; a file an absolute
 * path.  suffix (forward sources): "" or a delimiter and an extension,
 * as IPC_FORWARD_READ takes it.
 */
static int
target_valid(uint32_t kind, const char *value, const char *suffix)
{
	if (value[0] == '\0' || !no_controls(value))
		return 0;
	if ((kind == RUNNER_FILE || kind == RUNNER_INCLUDE) &&
	    value[0] != '/')
		return 0;
	if (kind != RUNNER_FILE && kind != RUNNER_COMMAND &&
	    kind != RUNNER_INCLUDE)
		return 0;
	if (suffix == NULL || suffix[0] == '\0')
		return 1;
	return suffix_valid(suffix);
}

int
ipc_valid_suffix(const char *s)
{
	return suffix_valid(s);
}

int
ipc_valid_target(uint32_t kind, const char *value, const char *suffix)
{
	return target_valid(kind, value, suffix);
}

void
ipc_text_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int
dec_none(struct rbuf *rb, void *m)
{
	return dec_empty(rb);
}

static void
enc_none(struct wbuf *wb, const void *m)
{
}

static const char *
check_none(const void *m)
{
	return NULL;
}

const struct ipc_codec ipc_codec_none = {
	"none", 0, dec_none, enc_none, check_none
};
