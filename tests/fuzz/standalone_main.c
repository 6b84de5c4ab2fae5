/*
 * standalone_main.c: replay fuzz inputs without libFuzzer.
 *
 * Each argument is a file, or a directory whose regular files are all run
 * in name order (so a failure is reproducible run to run).  Every input is
 * copied into a buffer of exactly its size, as libFuzzer does, so that a
 * sanitizer build sees a read one byte past the end.  This lets the corpus
 * run as a regression test with a plain compiler (gcc, no -fsanitize=fuzzer).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Read the whole file into an exact-size buffer; NULL on error. */
static uint8_t *
read_input(const char *path, size_t *sizep)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (errno == 0)
			errno = EINVAL;
		close(fd);
		return NULL;
	}
	/* malloc(0) may return NULL: give an empty input one unread byte. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The file shrank under us, or a read error. */
			if (n == 0)
				errno = EIO;
			free(buf);
			close(fd);
			return NULL;
		}
		off += (size_t)n;
	}
	close(fd);
	*sizep = off;
	return buf;
}

static int
run_file(const char *path)
{
	uint8_t *data;
	size_t size = 0;

	errno = 0;
	if ((data = read_input(path, &size)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

/* Run every regular file in dir, sorted by name; returns the count or -1. */
static long
run_dir(const char *dir)
{
	struct dirent **ents;
	struct stat st;
	char path[4096];
	long count = 0;
	int i, n;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (count >= 0) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			    ents[i]->d_name) >= sizeof(path)) {
				fprintf(stderr, "%s/%s: name too long\n", dir,
				    ents[i]->d_name);
				count = -1;
			} else if (stat(path, &st) == 0 &&
			    S_ISREG(st.st_mode)) {
				if (run_file(path) == -1)
					count = -1;
				else
					count++;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

int
main(int argc, char *argv[])
{
	struct stat st;
	long total = 0, n;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode))
			n = run_dir(argv[i]);
		else
			n = run_file(argv[i]) == 0 ? 1 : -1;
		if (n == -1)
			return 1;
		total += n;
	}
	printf("%ld inputs ok\n", total);
	return 0;
}
