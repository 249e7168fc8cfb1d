/*
 * User-namespace id mapping (parent side).  The jail's only uid and gid are
 * 1000, mapped to one unprivileged host uid/gid chosen by the operator, so
 * whatever the script manages to touch on the host it touches as that
 * nobody-like id, never as root.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "util/macros.h"

#define JAIL_INNER_ID 1000u

/* Writes /proc/<pid>/{uid_map,setgroups,gid_map}.  0 or -errno. */
int jail_userns_map(pid_t pid, uint32_t host_uid, uint32_t host_gid) _wur_;

/*
 * Child side, inside the new user namespace and after its last unshare:
 * lowers the namespace's own counters (/proc/sys/user/max_*).
 *
 * Why: these counts are charged up the user-namespace hierarchy to the
 * namespace's creator, the spawner's root uid, so without a per-jail cap
 * one execution could take every inotify instance (128 by default) from
 * all the others.  Namespace creation is also set to 0 here, behind
 * seccomp's refusal.  Missing files (old kernels) are skipped.
 */
int jail_userns_limits(uint32_t inotify_instances) _wur_;
