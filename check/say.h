/*
 * say.h: one record to master from a checker child (the alias checker,
 * the configuration parser): a line on stdout, the pipe master reads.
 */
#ifndef BH_CHECK_SAY_H
#define BH_CHECK_SAY_H

void	checker_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
