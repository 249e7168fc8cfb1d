/*
 * The ordered stages of building a jail.  A child that fails at a stage
 * reports {stage, errno} to its parent on a close-on-exec pipe and exits;
 * the execution then fails with a message naming the stage.
 */
#pragma once

enum jail_stage {
	JAIL_STAGE_NONE = 0,
	JAIL_STAGE_CGROUP_CREATE,
	JAIL_STAGE_CLONE,
	JAIL_STAGE_USERNS_MAP,
	JAIL_STAGE_CGROUP_ATTACH,
	JAIL_STAGE_SYNC,
	JAIL_STAGE_MOUNT_PRIVATE,
	JAIL_STAGE_MOUNT_ROOT,
	JAIL_STAGE_MOUNT_BIND,
	JAIL_STAGE_MOUNT_PROC,
	JAIL_STAGE_MOUNT_DEV,
	JAIL_STAGE_MOUNT_TMP,
	JAIL_STAGE_MOUNT_ETC,
	JAIL_STAGE_PIVOT_ROOT,
	JAIL_STAGE_MOUNT_READONLY,
	JAIL_STAGE_CGROUPNS,
	JAIL_STAGE_HOSTNAME,
	JAIL_STAGE_NET,
	JAIL_STAGE_USERNS_LIMITS,
	JAIL_STAGE_RLIMITS,
	JAIL_STAGE_FDS,
	JAIL_STAGE_SETGROUPS,
	JAIL_STAGE_SETUID,
	JAIL_STAGE_CAPS,
	JAIL_STAGE_NO_NEW_PRIVS,
	JAIL_STAGE_SECCOMP,
	JAIL_STAGE_EXEC,
	JAIL_STAGE__MAX,
};

/* A short, stable name ("mount_proc"); "unknown" for out-of-range values. */
const char *jail_stage_name(int stage);
