/*
 * Resource limits applied inside the jail (child side).  They back up the
 * cgroup limits and bound what cgroups do not: CPU seconds per process,
 * file size, open files, core dumps.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/macros.h"

struct jail_rlimits {
	uint32_t cpu_seconds; /* RLIMIT_CPU soft limit; hard = soft + 1 */
	uint64_t fsize_bytes; /* RLIMIT_FSIZE */
	uint32_t nofile;      /* RLIMIT_NOFILE */
	uint32_t nproc;       /* RLIMIT_NPROC, 0 = leave (the pids cgroup bounds it) */
};

/* Lowers every limit (never raises past the current hard limit).  0 or -errno. */
int jail_rlimits_apply(const struct jail_rlimits *l) _wur_;
