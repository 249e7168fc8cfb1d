/*
 * Internal to src/jail/: the child's side of a jail's construction, shared
 * by the two places a jail's child is cloned from, the spawner itself
 * (jail.c) and a zygote serving it (zygote.c).
 */
#pragma once

#include <sched.h>
#include <signal.h>
#include <stddef.h>

#include "jail/jail.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The network namespace the child makes itself (jail.c, step 0). */
#define JAIL_CLONE_FLAGS                                                                    \
	(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD | \
	 SIGCHLD)

#define JAIL_JOIN_FDS_MAX 4

struct child_ctx {
	const struct jail *jail;
	const struct jail_run *run;
	int sync_fd;
	int report_fd;
	int join_fds[JAIL_JOIN_FDS_MAX]; /* cgroup files the child writes itself into */
	size_t njoin;
};

/* In the new child: the rest of the setup, then the payload (jail.c). */
_Noreturn void jail_child_main(const struct child_ctx *c);

/*
 * In the spawner: asks the zygote at sock to clone the child of ctx.
 * Returns its pid (and *pidfd), or -errno; *lost is set when the zygote
 * did not answer as it should, after which sock is of no further use.
 */
long jail_zygote_clone(int sock, const struct child_ctx *ctx, int *pidfd, bool *lost);
