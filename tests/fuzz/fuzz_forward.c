/*
 * fuzz_forward.c: the ~/.forward parser.
 *
 * Whatever parses is within bounds and well formed: at most
 * FORWARD_ENTRIES_MAX targets, each non-empty, NUL-terminated inside its
 * buffer, of a known kind, an address without blanks; a failure says
 * where (".forward:N:").
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delivery/forward.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct forward	 f;
	char			 err[256];
	size_t			 i, n;

	err[0] = '\0';
	if (forward_parse(&f, (const char *)data, size, err, sizeof(err))
	    == -1) {
		if (strncmp(err, ".forward:", 9) != 0)
			abort();
		return 0;
	}
	if (f.n > FORWARD_ENTRIES_MAX || size > FORWARD_SIZE_MAX)
		abort();
	for (i = 0; i < f.n; i++) {
		n = strnlen(f.v[i].value, sizeof(f.v[i].value));
		if (n == 0 || n == sizeof(f.v[i].value))
			abort();
		if (f.v[i].kind > FWD_INCLUDE)
			abort();
		if ((f.v[i].kind == FWD_ADDRESS || f.v[i].kind == FWD_SELF) &&
		    strpbrk(f.v[i].value, " \t\r\n\"\\") != NULL)
			abort();
		if ((f.v[i].kind == FWD_FILE || f.v[i].kind == FWD_INCLUDE) &&
		    f.v[i].value[0] != '/')
			abort();
	}
	return 0;
}
