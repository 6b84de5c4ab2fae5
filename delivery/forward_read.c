/*
 * forward_read.c: read ~/.forward as the user (the writer for local, and
 * the runner to check a command or file it was asked for), with the
 * checks forward(5) describes.  See forward_read.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "delivery/forward_read.h"
#include "lib/fdio.h"

/* At most IPC_FORWARD_MAX bytes without NUL: FORWARD_FOUND, or why not. */
static void
read_text(int fd, struct msg_forward_data *f)
{
	ssize_t n;

	if ((n = fd_read_all(fd, f->text, sizeof(f->text))) == -1)
		snprintf(f->reason, sizeof(f->reason), "%s", strerror(errno));
	else if ((size_t)n >= sizeof(f->text))
		snprintf(f->reason, sizeof(f->reason), "larger than %d bytes",
		    IPC_FORWARD_MAX);
	else if (memchr(f->text, '\0', n) != NULL)
		snprintf(f->reason, sizeof(f->reason), "contains a NUL byte");
	else {
		f->text[n] = '\0';
		f->status = FORWARD_FOUND;
	}
}

/*
 * ~/.forward, opened as the user without following a link, used only if
 * it is a regular file of the user's that nobody else may write, in a
 * home directory that nobody else may write.  Anything else is ignored
 * with the reason (local logs it) and mail goes to the mailbox.
 */
/* An open that failed: none there (ENOENT), or why it was refused. */
static void
open_failed(struct msg_forward_data *f)
{
	if (errno == ENOENT)
		f->status = FORWARD_NONE;
	else
		snprintf(f->reason, sizeof(f->reason), "%s",
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
}

void
forward_read(const char *home, const char *suffix,
    struct msg_forward_data *f)
{
	struct stat	st;
	char		name[sizeof(".forward") + IPC_USER_MAX + 1];
	int		dfd, fd = -1;

	f->status = FORWARD_IGNORED;
	if ((dfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(f->reason, sizeof(f->reason), "home directory: %s",
		    strerror(errno));
		return;
	}
	if (fstat(dfd, &st) == -1 || (st.st_uid != geteuid() &&
	    st.st_uid != 0) || (st.st_mode & 022) != 0) {
		close(dfd);
		snprintf(f->reason, sizeof(f->reason), "home directory is "
		    "writable by others or not the user's");
		return;
	}
	/* ~/.forward+ext first, then ~/.forward (Postfix's forward_path). */
	if (suffix[0] != '\0') {
		snprintf(name, sizeof(name), ".forward%s", suffix);
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	}
	if (suffix[0] == '\0' || (fd == -1 && errno == ENOENT))
		fd = openat(dfd, ".forward", O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd == -1) {
		open_failed(f);
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		snprintf(f->reason, sizeof(f->reason), "not a regular file");
	else if (st.st_uid != geteuid())
		snprintf(f->reason, sizeof(f->reason), "not owned by the user");
	else if ((st.st_mode & 022) != 0)
		snprintf(f->reason, sizeof(f->reason), "group or world "
		    "writable");
	else
		read_text(fd, f);
	if (f->status != FORWARD_FOUND)
		memset(f->text, 0, sizeof(f->text));
	close(fd);
}

void
include_read(const char *path, struct msg_forward_data *f, uid_t *owner)
{
	struct stat	st;
	int		fd;

	f->status = FORWARD_IGNORED;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		open_failed(f);
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		snprintf(f->reason, sizeof(f->reason), "not a regular file");
	else {
		*owner = st.st_uid;
		read_text(fd, f);
	}
	if (f->status != FORWARD_FOUND)
		memset(f->text, 0, sizeof(f->text));
	close(fd);
}
