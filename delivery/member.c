/*
 * member.c: alias member keys.  See member.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sha2.h>

#include "delivery/member.h"

static void
key_part(char *buf, size_t len, size_t *off, const char *s)
{
	size_t n = strlen(s) + 1;	/* with its NUL: parts stay apart */

	if (*off + n > len)
		n = len - *off;
	memcpy(buf + *off, s, n);
	*off += n;
}

void
member_key(const char *user, const struct msg_runner_open *t,
    char out[IPC_MEMBER_KEY_LEN + 1])
{
	static char	buf[sizeof(struct msg_runner_open) + 128];
	char		num[64], hex[SHA256_DIGEST_STRING_LENGTH];
	size_t		off = 0;
	uint32_t	k;

	if (t == NULL) {
		key_part(buf, sizeof(buf), &off, "mailbox");
		key_part(buf, sizeof(buf), &off, user);
	} else {
		snprintf(num, sizeof(num), "target %u %u %u %u",
		    (unsigned)t->source, (unsigned)t->kind, (unsigned)t->map,
		    (unsigned)t->depth);
		key_part(buf, sizeof(buf), &off, num);
		key_part(buf, sizeof(buf), &off, t->name);
		key_part(buf, sizeof(buf), &off, t->suffix);
		for (k = 0; k < t->depth && k < IPC_INCLUDE_DEPTH; k++)
			key_part(buf, sizeof(buf), &off, t->chain[k]);
		key_part(buf, sizeof(buf), &off, t->value);
	}
	SHA256Data((const uint8_t *)buf, off, hex);
	memcpy(out, hex, IPC_MEMBER_KEY_LEN);
	out[IPC_MEMBER_KEY_LEN] = '\0';
}
