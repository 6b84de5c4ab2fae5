/*
 * say.c: a checker's records to master (say.h).  write(2) straight to
 * the pipe: stdio would fstat and lseek, which the checkers' seccomp
 * filters kill.  A record is one line: a newline inside is made a blank,
 * so that no text can forge a record of its own; a long one is cut.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/say.h"
#include "lib/fdio.h"
#include "lib/log.h"

void
checker_say(const char *fmt, ...)
{
	char	line[BH_LOG_LINE_MAX + 32];
	va_list	ap;
	int	n;
	char	*nl;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n] = '\0';
	while ((nl = strchr(line, '\n')) != NULL)
		*nl = ' ';
	line[n++] = '\n';
	(void)fd_write_all(STDOUT_FILENO, line, n);
}
