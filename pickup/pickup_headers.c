/*
 * pickup_headers.c: the header lines pickup puts before a local
 * submission (pickup.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pickup/pickup.h"

/* The full name as an RFC 5322 phrase: quoted unless it is all atext. */
static void
phrase(const char *s, char *out, size_t len)
{
	const char	*p;
	size_t		 o = 0;
	int		 plain = 1;

	for (p = s; *p != '\0'; p++)
		if (strchr("()<>[]:;@\\,.\"", *p) != NULL)
			plain = 0;
	if (plain) {
		snprintf(out, len, "%s", s);
		return;
	}
	if (len < 3) {
		out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (p = s; *p != '\0' && o + 3 < len; p++) {
		if (*p == '"' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = '"';
	out[o] = '\0';
}

size_t
pickup_headers(const struct pickup_hdr_in *in, char *buf, size_t len)
{
	char		date[64], stamp[32], name[2 * DROP_FULLNAME_MAX + 3];
	struct tm	tm;
	size_t		off;
	int		n;

	localtime_r(&in->now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z (%Z)", &tm);
	n = snprintf(buf, len, "Received: by %s (%s, from userid %u)\n"
	    "\tid %s; %s\n", in->myhostname, in->mail_name,
	    (unsigned)in->uid, in->qid, date);
	if (n < 0 || (size_t)n >= len)
		return 0;
	off = (size_t)n;
	if (!(in->have & DROP_HAVE_DATE)) {
		n = snprintf(buf + off, len - off, "Date: %s\n", date);
		if (n < 0 || (size_t)n >= len - off)
			return 0;
		off += (size_t)n;
	}
	if (!(in->have & DROP_HAVE_MSGID)) {
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		n = snprintf(buf + off, len - off, "Message-ID: <%s.%s@%s>\n",
		    stamp, in->qid, in->myhostname);
		if (n < 0 || (size_t)n >= len - off)
			return 0;
		off += (size_t)n;
	}
	if (!(in->have & DROP_HAVE_FROM)) {
		if (in->fullname[0] != '\0') {
			phrase(in->fullname, name, sizeof(name));
			n = snprintf(buf + off, len - off, "From: %s <%s>\n",
			    name, in->from);
		} else
			n = snprintf(buf + off, len - off, "From: %s\n",
			    in->from);
		if (n < 0 || (size_t)n >= len - off)
			return 0;
		off += (size_t)n;
	}
	return off;
}
