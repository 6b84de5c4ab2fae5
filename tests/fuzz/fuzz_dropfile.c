/*
 * fuzz_dropfile.c: the drop file's envelope parser and header scan,
 * pickup's hostile input (pickup/dropfile.c).
 *
 * Whatever parses is within bounds: 1 .. DROP_RCPT_MAX recipients, each
 * an address drop_addr_valid() accepts, an envelope that ends inside
 * the input and within DROP_ENVELOPE_MAX, known DSN values; a failure
 * says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pickup/dropfile.h"
#include "privsep/ipc_msgs.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drop_env	 e;
	char		 err[256];
	const char	*p = (const char *)data;
	size_t		 i;

	err[0] = '\0';
	if (drop_parse_env(p, size, &e, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || e.rcpt != NULL)
			abort();
		return 0;
	}
	if (e.nrcpt == 0 || e.nrcpt > DROP_RCPT_MAX || e.env_len > size ||
	    e.env_len > DROP_ENVELOPE_MAX || p[e.env_len - 1] != '\n' ||
	    p[e.env_len - 2] != '\n')
		abort();
	for (i = 0; i < e.nrcpt; i++)
		if (!drop_addr_valid(e.rcpt[i], strlen(e.rcpt[i])))
			abort();
	if ((e.sender[0] != '\0' &&
	    !drop_addr_valid(e.sender, strlen(e.sender))) ||
	    (e.notify & ~DSN_NOTIFY_MASK) != 0 || e.ret >= DSN_RET_MAX ||
	    !drop_text_valid(e.fullname, strlen(e.fullname),
	    DROP_FULLNAME_MAX))
		abort();
	if ((drop_scan_headers(p + e.env_len, size - e.env_len) &
	    ~(unsigned)(DROP_HAVE_DATE | DROP_HAVE_MSGID | DROP_HAVE_FROM))
	    != 0)
		abort();
	drop_env_free(&e);
	return 0;
}
