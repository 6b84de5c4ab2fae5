/*
 * log.c: one logging path for every process.
 *
 * Master formats and writes lines itself.  A worker installs a sink
 * (log_set_sink) that forwards each line to master over its IPC channel;
 * before the sink exists (early start-up, as root) lines go to stderr.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strl.h"

struct log_state {
	char		name[32];	/* syslog_name: "bulkhead" */
	char		role[32];	/* "master", "smtpd", ... */
	char		host[64];	/* the host name up to its first dot */
	int		to_stderr;
	int		verbose;
	int		file_fd;	/* maillog_file, or -1 */
	log_sink_fn	sink;
};

/* The one piece of process-wide state: where this process's lines go. */
static struct log_state logst = { "bulkhead", "master", "localhost", 1, 0,
    -1, NULL };

void
log_init(const char *role, int to_stderr)
{
	char	host[256];

	log_set_ident(role);
	/* Now: a sandboxed process may not be allowed uname(2) later. */
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		if (host[0] != '\0')
			strlcpy_text(logst.host, host, sizeof(logst.host));
	}
	logst.to_stderr = to_stderr;
}

void
log_set_ident(const char *role)
{
	strlcpy_text(logst.role, role, sizeof(logst.role));
}

void
log_set_name(const char *name)
{
	if (name != NULL && *name != '\0')
		strlcpy_text(logst.name, name, sizeof(logst.name));
}

void
log_set_file(const char *path)
{
	int fd;

	if (logst.file_fd != -1)
		close(logst.file_fd);
	logst.file_fd = -1;
	if (path == NULL || *path == '\0')
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_warn("cannot open maillog_file %s; using syslog", path);
		return;
	}
	logst.file_fd = fd;
}

void
log_set_sink(log_sink_fn sink)
{
	logst.sink = sink;
}

void
log_set_verbose(int verbose)
{
	logst.verbose = verbose;
}

/* "MMM DD HH:MM:SS host name/role[pid]: line", as syslogd writes it. */
static void
write_line(int fd, const char *role, pid_t pid, const char *line)
{
	char		 buf[BH_LOG_LINE_MAX + 256], stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		xstrlcpy(stamp, "-", sizeof(stamp));
	n = snprintf(buf, sizeof(buf), "%s %s %s/%s[%d]: %s\n", stamp,
	    logst.host, logst.name, role, (int)pid, line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	/* A short or failed log write has nowhere better to be reported. */
	if (write(fd, buf, n) < 0)
		return;
}

/*
 * syslog(3) with the tag "name/role[pid]" of the process the line is
 * about: the ident carries the pid, since LOG_PID would add master's.
 */
static void
syslog_line(int prio, const char *role, pid_t pid, const char *line)
{
	static char	tag[96];

	snprintf(tag, sizeof(tag), "%s/%s[%d]", logst.name, role, (int)pid);
	openlog(tag, LOG_NDELAY, LOG_MAIL);
	syslog(prio, "%s", line);
}

/*
 * A compartment's priority as master logs it: never above LOG_ERR (what
 * a security event is), so that no compartment can raise an emergency
 * that journald or syslogd broadcasts to every terminal; out of range
 * is LOG_DEBUG's end.
 */
int
log_clamp_prio(int prio)
{
	if (prio < LOG_ERR)
		return LOG_ERR;
	if (prio > LOG_DEBUG)
		return LOG_DEBUG;
	return prio;
}

void
log_emit_as(int prio, const char *role, pid_t pid, const char *line)
{
	if (logst.file_fd != -1)
		write_line(logst.file_fd, role, pid, line);
	else if (logst.to_stderr)
		write_line(STDERR_FILENO, role, pid, line);
	else
		syslog_line(prio, role, pid, line);
}

void
log_emit(int prio, const char *line)
{
	if (logst.sink != NULL) {
		logst.sink(prio, line);
		return;
	}
	log_emit_as(prio, logst.role, getpid(), line);
}

/* The format attribute lets clang check vlog's callers (-Wformat=2). */
static void	vlog(int, const char *, const char *, va_list, int)
		    __attribute__((format(printf, 3, 0)));

static void
vlog(int prio, const char *prefix, const char *fmt, va_list ap, int errnum)
{
	char	line[BH_LOG_LINE_MAX + 128], msg[BH_LOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		snprintf(line, sizeof(line), "%s%s: %s", prefix, msg,
		    strerror(errnum));
	else
		snprintf(line, sizeof(line), "%s%s", prefix, msg);
	log_emit(prio, line);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!logst.verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "", fmt, ap, 0);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning: ", fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning: ", fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

/* A refused request or a protocol violation: something is attacking us. */
void
log_security(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "security: ", fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

const char *
log_printable(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t i, j = 0;

	if (bufsz == 0)
		return "";
	for (i = 0; i < len && j + 1 < bufsz; i++) {
		unsigned char c = s[i];
		buf[j++] = (c >= 32 && c < 127) ? c : '?';
	}
	buf[j] = '\0';
	return buf;
}
