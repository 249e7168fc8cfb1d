#include "jail/stage.h"

static const char *const names[JAIL_STAGE__MAX] = {
	[JAIL_STAGE_NONE] = "none",
	[JAIL_STAGE_CGROUP_CREATE] = "cgroup_create",
	[JAIL_STAGE_CLONE] = "clone",
	[JAIL_STAGE_USERNS_MAP] = "userns_map",
	[JAIL_STAGE_CGROUP_ATTACH] = "cgroup_attach",
	[JAIL_STAGE_SYNC] = "sync",
	[JAIL_STAGE_MOUNT_PRIVATE] = "mount_private",
	[JAIL_STAGE_MOUNT_ROOT] = "mount_root",
	[JAIL_STAGE_MOUNT_BIND] = "mount_bind",
	[JAIL_STAGE_MOUNT_PROC] = "mount_proc",
	[JAIL_STAGE_MOUNT_DEV] = "mount_dev",
	[JAIL_STAGE_MOUNT_TMP] = "mount_tmp",
	[JAIL_STAGE_MOUNT_ETC] = "mount_etc",
	[JAIL_STAGE_PIVOT_ROOT] = "pivot_root",
	[JAIL_STAGE_MOUNT_READONLY] = "mount_readonly",
	[JAIL_STAGE_CGROUPNS] = "cgroup_namespace",
	[JAIL_STAGE_HOSTNAME] = "hostname",
	[JAIL_STAGE_NET] = "network",
	[JAIL_STAGE_USERNS_LIMITS] = "userns_limits",
	[JAIL_STAGE_RLIMITS] = "rlimits",
	[JAIL_STAGE_FDS] = "fds",
	[JAIL_STAGE_SETGROUPS] = "setgroups",
	[JAIL_STAGE_SETUID] = "setuid",
	[JAIL_STAGE_CAPS] = "capabilities",
	[JAIL_STAGE_NO_NEW_PRIVS] = "no_new_privs",
	[JAIL_STAGE_SECCOMP] = "seccomp",
	[JAIL_STAGE_EXEC] = "exec",
};

const char *jail_stage_name(int stage)
{
	if (stage < 0 || stage >= JAIL_STAGE__MAX || !names[stage])
		return "unknown";
	return names[stage];
}
