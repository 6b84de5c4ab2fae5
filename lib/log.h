/*
 * log.h: logging for every bulkhead process.
 *
 * Master writes to syslog (mail facility), to maillog_file, or to stderr
 * with -d, for itself and for the workers.  Workers never open a log themselves: a sandboxed process cannot
 * reconnect to /dev/log when syslogd restarts.  A worker installs a sink that
 * forwards each formatted line to master over its IPC channel.
 *
 * Lines about a message start with its queue id ("<id>: ..."), as Postfix
 * does, so that one grep follows a message through every compartment.
 */
#ifndef BH_LOG_H
#define BH_LOG_H

#include <sys/types.h>

#include <stdarg.h>

#define BH_LOG_LINE_MAX	1024

/* Where formatted lines go; prio is a syslog priority (LOG_INFO, ...). */
typedef void (*log_sink_fn)(int prio, const char *line);

/*
 * Every line, in maillog_file, on stderr (-d) or through syslog, has
 * Postfix's shape:
 *	Dec  2 20:38:46 host bulkhead/smtpd[4242]: 06B1...: client=...
 * the host name up to its first dot, syslog_name ("bulkhead"), the role
 * of the process the line is about and that process's own pid.
 */
void	log_init(const char *role, int to_stderr);
void	log_set_file(const char *path);		/* maillog_file; NULL = syslog */
void	log_set_sink(log_sink_fn sink);		/* workers: forward to master */
void	log_set_ident(const char *role);
void	log_set_name(const char *syslog_name);
void	log_set_verbose(int verbose);
void	log_emit(int prio, const char *line);	/* master: write one line */
/* Master: write a line a worker (role, pid) sent. */
void	log_emit_as(int prio, const char *role, pid_t pid, const char *line);

void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_security(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Copy untrusted text for a log line: non-printables become '?'. */
const char *log_printable(const char *s, size_t len, char *buf, size_t bufsz);
int	log_clamp_prio(int prio);

#endif
