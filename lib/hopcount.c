/*
 * hopcount.c: see hopcount.h.
 */
#include <string.h>
#include <strings.h>

#include "lib/hopcount.h"

#define RECEIVED	"received"

static enum hop_line
kind(const char *l, size_t n, int prefix)
{
	size_t	i, name;

	if (n == 0)
		return prefix ? HOP_FIELD : HOP_END;
	if (l[0] == ' ' || l[0] == '\t')
		return HOP_CONTINUATION;
	/* RFC 5322 ftext: printable US-ASCII but ':' */
	for (i = 0; i < n && l[i] > ' ' && l[i] < 127 && l[i] != ':'; i++)
		;
	if ((name = i) == 0)
		return HOP_END;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == n && prefix)
		return HOP_FIELD;	/* undecided: the colon may follow */
	if (i == n || l[i] != ':')
		return HOP_END;
	if (name == strlen(RECEIVED) && strncasecmp(l, RECEIVED, name) == 0)
		return HOP_RECEIVED;
	return HOP_FIELD;
}

enum hop_line
hop_line_kind(const char *l, size_t n)
{
	return kind(l, n, 0);
}

enum hop_line
hop_prefix_kind(const char *l, size_t n)
{
	return kind(l, n, 1);
}

size_t
hop_count(const char *msg, size_t len)
{
	const char	*nl;
	size_t		 off, n, hops = 0;
	enum hop_line	 k;

	for (off = 0; off < len; off += n + 1) {
		nl = memchr(msg + off, '\n', len - off);
		n = nl == NULL ? len - off : (size_t)(nl - (msg + off));
		if ((k = hop_line_kind(msg + off, n)) == HOP_END)
			break;
		if (k == HOP_RECEIVED)
			hops++;
		if (nl == NULL)
			break;
	}
	return hops;
}
