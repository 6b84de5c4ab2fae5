/*
 * qid.h: queue ids.  16 upper-case hex digits: 9 of seconds, 5 of
 * microseconds, 2 random.  They sort by arrival, are safe as file names,
 * and never repeat: the generator never goes back in time (a clock step
 * backwards borrows from the last id), and the file is created O_EXCL.
 */
#ifndef BH_QID_H
#define BH_QID_H

#include <stdint.h>

#define QID_LEN		16

struct qid_gen {
	uint64_t	last_sec;
	uint32_t	last_usec;
};

void	qid_new(struct qid_gen *, char out[QID_LEN + 1]);

#endif
