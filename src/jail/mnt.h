/*
 * The jail's filesystem view: a tmpfs root holding read-only binds of what
 * Python needs, generated /etc files and a minimal /dev, built once by the
 * spawner in a mount namespace of its own and read-only as a filesystem;
 * each jail (child side, inside its new user and mount namespaces) adds its
 * own /proc, a size-limited writable /tmp and /dev/shm, then pivots into it
 * and detaches the host's tree.  Nothing here is visible on the host.
 */
#pragma once

#include <stdint.h>

#include "util/macros.h"

struct jail_mnt_params {
	uint64_t tmp_bytes; /* size of the writable /tmp */
};

/*
 * In the spawner, once, before any jail: moves the calling process into a
 * new mount namespace of its own and builds there the part of the root
 * every jail shares.  Its /tmp is then a small tmpfs holding that, not the
 * host's.  On failure returns -errno and sets *stage to the enum jail_stage
 * that failed.
 */
int jail_mnt_template_build(int *stage) _wur_;

/*
 * In a jail whose mount namespace is a copy of the spawner's (after
 * jail_mnt_template_build): adds its own parts to the root and enters it.  On failure returns -errno and sets
 * *stage to the enum jail_stage that failed.  Leaves the cwd at /tmp.
 */
int jail_mnt_setup(const struct jail_mnt_params *p, int *stage) _wur_;
