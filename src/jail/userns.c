#include "jail/userns.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/fd.h"

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	return fd_write_all(fd, text, strlen(text));
}

int jail_userns_map(pid_t pid, uint32_t host_uid, uint32_t host_gid)
{
	char line[64];
	int r;

	snprintf(line, sizeof(line), "%u %u 1\n", JAIL_INNER_ID, host_uid);
	r = write_proc(pid, "uid_map", line);
	if (r < 0)
		return r;
	/*
	 * We write gid_map as a privileged parent, so setgroups stays allowed
	 * for the child: it needs setgroups(0, NULL) once to shed the
	 * spawner's supplementary groups, which would otherwise still count
	 * for permission checks on host files.
	 */
	snprintf(line, sizeof(line), "%u %u 1\n", JAIL_INNER_ID, host_gid);
	return write_proc(pid, "gid_map", line);
}
