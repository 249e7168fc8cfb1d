/*
 * The jail's filesystem view (child side, inside the new user and mount
 * namespaces): a fresh tmpfs root holding read-only binds of what Python
 * needs, generated /etc files, its own /proc, a minimal /dev and a
 * size-limited writable /tmp; then pivot_root into it and detach the host's
 * tree.  Nothing here is visible outside the jail's mount namespace.
 */
#pragma once

#include <stdint.h>

#include "util/macros.h"

struct jail_mnt_params {
	uint64_t tmp_bytes; /* size of the writable /tmp */
};

/*
 * Builds the root and enters it.  On failure returns -errno and sets
 * *stage to the enum jail_stage that failed.  Leaves the cwd at /tmp.
 */
int jail_mnt_setup(const struct jail_mnt_params *p, int *stage) _wur_;
