/*
 * qid.c: queue id generation.  See qid.h.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>

#include "queue/qid.h"

void
qid_new(struct qid_gen *g, char out[QID_LEN + 1])
{
	struct timeval	tv;
	uint64_t	sec;
	uint32_t	usec;

	gettimeofday(&tv, NULL);
	sec = tv.tv_sec;
	usec = tv.tv_usec;
	if (sec < g->last_sec || (sec == g->last_sec && usec <= g->last_usec)) {
		sec = g->last_sec;
		usec = g->last_usec + 1;
		if (usec >= 1000000) {
			sec++;
			usec = 0;
		}
	}
	g->last_sec = sec;
	g->last_usec = usec;
	snprintf(out, QID_LEN + 1, "%09llX%05X%02X",
	    (unsigned long long)(sec & 0xfffffffffULL), (unsigned)usec,
	    (unsigned)(arc4random() & 0xff));
}
