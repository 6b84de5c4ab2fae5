/*
 * audit.c: read a process's credentials and confinement from /proc.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strl.h"
#include "tools/audit.h"

static void
field(const char *line, const char *name, char *dst, size_t len)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	strlcpy_text(dst, line, len);
	dst[strcspn(dst, "\n")] = '\0';
	/* tabs between the fields become single spaces */
	for (char *p = dst; *p; p++)
		if (*p == '\t')
			*p = ' ';
}

static void
read_role(pid_t pid, char *role, size_t len)
{
	char	path[64], buf[512];
	FILE	*f;
	size_t	n, i;
	char	*args[8];
	int	argc = 0;

	xstrlcpy(role, "?", len);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (i = 0; i < n && argc < 8; i += strlen(buf + i) + 1)
		args[argc++] = buf + i;
	if (argc >= 3 && strcmp(args[1], "-x") == 0)
		strlcpy_text(role, args[2], len);
	else
		xstrlcpy(role, "master", len);
}

static void
read_namespaces(pid_t pid, pid_t master, char *out, size_t len)
{
	static const char *const kinds[] = {
		"mnt", "pid", "net", "ipc", "uts", "user"
	};
	char		path[64];
	struct stat	a, b;
	size_t		i;

	out[0] = '\0';
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		    kinds[i]);
		if (stat(path, &a) == -1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)master,
		    kinds[i]);
		if (stat(path, &b) == -1 || a.st_ino == b.st_ino)
			continue;
		if (out[0] != '\0')
			strlcat(out, ",", len);
		strlcat(out, kinds[i], len);
	}
	if (out[0] == '\0')
		xstrlcpy(out, "-", len);
}

static int
row_ok(const struct audit_row *r)
{
	return strncmp(r->uid, "0 ", 2) != 0 && strstr(r->uid, " 0 ") == NULL &&
	    strcmp(r->capeff, "0000000000000000") == 0 &&
	    strcmp(r->capbnd, "0000000000000000") == 0 &&
	    r->nnp == 1 && r->seccomp == 2;
}

int
audit_read(pid_t pid, pid_t master, struct audit_row *r)
{
	char	path[64], line[512], nnp[8] = "", sec[8] = "";
	FILE	*f;
	ssize_t	n;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		field(line, "Uid", r->uid, sizeof(r->uid));
		field(line, "Gid", r->gid, sizeof(r->gid));
		field(line, "Groups", r->groups, sizeof(r->groups));
		field(line, "CapEff", r->capeff, sizeof(r->capeff));
		field(line, "CapBnd", r->capbnd, sizeof(r->capbnd));
		field(line, "NoNewPrivs", nnp, sizeof(nnp));
		field(line, "Seccomp", sec, sizeof(sec));
	}
	fclose(f);
	r->nnp = atoi(nnp);
	r->seccomp = atoi(sec);
	if (r->groups[0] == '\0')
		xstrlcpy(r->groups, "-", sizeof(r->groups));
	while (strlen(r->groups) > 1 && r->groups[strlen(r->groups) - 1] == ' ')
		r->groups[strlen(r->groups) - 1] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if ((n = readlink(path, r->root, sizeof(r->root) - 1)) == -1)
		xstrlcpy(r->root, "?", sizeof(r->root));
	else
		r->root[n] = '\0';
	read_role(pid, r->role, sizeof(r->role));
	read_namespaces(pid, master, r->ns, sizeof(r->ns));
	r->ok = pid != master && row_ok(r);
	return 0;
}

static pid_t
parent_of(pid_t pid)
{
	char	path[64], buf[512], *p;
	FILE	*f;
	int	ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

int
audit_collect(pid_t master, struct audit_row *rows, int max)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if (max < 1 || audit_read(master, master, &rows[n]) == -1)
		return -1;
	n++;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n < max) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (parent_of(pid) == master &&
		    audit_read(pid, master, &rows[n]) == 0)
			n++;
	}
	closedir(d);
	return n;
}

void
audit_print_header(void)
{
	printf("%-7s %7s %-23s %-23s %-8s %-16s %-16s %3s %7s %-24s %s\n",
	    "ROLE", "PID", "UID", "GID", "GROUPS", "CAPEFF", "CAPBND", "NNP",
	    "SECCOMP", "ROOT", "NS");
}

void
audit_print_row(const struct audit_row *r)
{
	printf("%-7s %7d %-23s %-23s %-8s %-16s %-16s %3d %7d %-24s %s%s\n",
	    r->role, (int)r->pid, r->uid, r->gid, r->groups, r->capeff,
	    r->capbnd, r->nnp, r->seccomp, r->root, r->ns,
	    (strcmp(r->role, "master") == 0 || r->ok) ? "" : "  <-- FAIL");
}
