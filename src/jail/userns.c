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

int jail_userns_limits(uint32_t inotify_instances)
{
	static const char *const zero[] = { "max_user_namespaces", "max_mnt_namespaces",
					    "max_pid_namespaces",  "max_net_namespaces",
					    "max_ipc_namespaces",  "max_uts_namespaces",
					    "max_cgroup_namespaces", "max_time_namespaces" };
	char path[96], value[16];
	int fd, r;

	for (size_t i = 0; i <= ARRAY_SIZE(zero) + 1; i++) {
		const char *name;
		if (i < ARRAY_SIZE(zero)) {
			name = zero[i];
			snprintf(value, sizeof(value), "0");
		} else if (i == ARRAY_SIZE(zero)) {
			name = "max_inotify_instances";
			snprintf(value, sizeof(value), "%u", inotify_instances);
		} else {
			name = "max_inotify_watches";
			snprintf(value, sizeof(value), "%u", inotify_instances * 1024);
		}
		snprintf(path, sizeof(path), "/proc/sys/user/%s", name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return neg_errno();
		}
		r = fd_write_all(fd, value, strlen(value));
		close(fd);
		if (r < 0)
			return r;
	}
	return 0;
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
