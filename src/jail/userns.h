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
