/*
 * Per-execution cgroups: memory, pids and CPU limits, usage accounting and
 * a reliable kill of everything an execution started.
 *
 * One cgroup_manager per daemon (the spawner) owns a subtree named by the
 * caller (e.g. "pyexec-<pid>") created *below* the daemon's own cgroup of
 * every controller it uses; one cgroup_exec per execution is a leaf in that
 * subtree.  cgroup v1 and v2 sit behind one internal ops table
 * (cgroup_internal.h); a third "none" backend enforces nothing.
 *
 * Invariants:
 *  - Only directories this module created are ever removed, and limits are
 *    only written into directories this module created.  The daemon's own
 *    cgroup is touched in exactly two v2 cases: enabling controllers in its
 *    cgroup.subtree_control (undone at free), and moving the calling
 *    process into a "<name>-daemon" leaf when the no-internal-process rule
 *    demands it (moved back at free).  No other process is ever moved.
 *  - Every function that fails leaves nothing behind it created and its
 *    output parameters untouched; callers fail closed on any error.
 *
 * Not thread-safe: the spawner is single-threaded.  A forked child that
 * frees its copy of a manager or execution only releases memory and fds:
 * directories are removed only by the process that created them.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "util/macros.h"

struct cgroup_manager;
struct cgroup_exec;

/* 0 in a field means "no limit" for that resource. */
struct cgroup_limits {
	uint64_t memory_bytes; /* RAM; swap is capped so it cannot extend it */
	uint32_t pids_max;     /* processes + threads */
	uint32_t cpu_percent;  /* CPU bandwidth, 100 = one CPU */
};

struct cgroup_usage {
	uint64_t cpu_us;            /* user+system CPU of every process in it */
	uint64_t peak_memory_bytes; /* 0 when the kernel cannot tell (v2 < 5.19) */
	uint64_t oom_kills;         /* processes killed by the OOM killer */
};

/*
 * Detects the cgroup setup and creates the daemon's subtree `name` below the
 * daemon's own cgroup in every controller used.
 *
 * want AUTO: v2 when the unified hierarchy offers memory and pids to our
 * cgroup, else v1 when memory and pids hierarchies are mounted, else a
 * "none" manager.  V1/V2 force one and return -ENOTSUP when it is not
 * usable (-EBUSY when v2 is present but our cgroup holds other processes).
 * NONE returns a manager that enforces nothing.
 *
 * name must be a single path component without ".." (-EINVAL otherwise);
 * -EEXIST if the subtree already exists (it is not ours to reuse), or, on
 * v2, if a live manager of this name already moved the caller.
 * On success *out is owned by the caller (cgroup_manager_free).
 */
int cgroup_manager_new(enum cgroup_want want, const char *name, struct cgroup_manager **out) _wur_;

/* IPC_CGROUP_NONE / IPC_CGROUP_V1 / IPC_CGROUP_V2. */
int cgroup_manager_version(const struct cgroup_manager *m);

/* CGL_* bits of the limits this manager really enforces. */
uint32_t cgroup_manager_limits(const struct cgroup_manager *m);

/*
 * Where execution cgroups are created: the subtree directory (v2), the
 * memory controller's subtree directory (v1), "" for none.  Owned by m.
 */
const char *cgroup_manager_path(const struct cgroup_manager *m);

/*
 * The i-th subtree directory (one per hierarchy used), NULL past the last.
 * The supervisor keeps these to remove what a crashed spawner left.
 */
const char *cgroup_manager_subtree(const struct cgroup_manager *m, size_t i);

/*
 * Execution directories that cgroup_exec_destroy() could not remove (still
 * populated); they are retried at every cgroup_exec_create() and at free.
 * Non-zero means processes escaped a kill: worth logging.
 */
unsigned cgroup_manager_orphans(const struct cgroup_manager *m);

/*
 * Removes the subtree (only directories this manager created), restores
 * what it changed in the daemon's own v2 cgroup, frees m.  Every
 * cgroup_exec of m must have been destroyed first.  NULL is a no-op.
 */
void cgroup_manager_free(struct cgroup_manager *m);

/*
 * Creates <subtree>/<name> in every controller used and writes the limits
 * in lim that cgroup_manager_limits() says are enforceable (others are
 * ignored: the caller decided at start-up whether running without them is
 * allowed).  On any failure removes what it made and returns -errno:
 * -EINVAL for a bad name, -EEXIST if it exists, or the kernel's error for a
 * limit it refused.  On success *out is owned by the caller
 * (cgroup_exec_destroy) and keeps a pointer to m.
 */
int cgroup_exec_create(struct cgroup_manager *m, const char *name, const struct cgroup_limits *lim,
		       struct cgroup_exec **out) _wur_;

/*
 * Moves process pid (all its threads) into the execution's cgroup of every
 * controller.  On failure the process may be in some of them: the caller
 * must kill it.
 */
int cgroup_exec_attach(struct cgroup_exec *c, pid_t pid) _wur_;

/*
 * Opens (parent side, as root) the files through which a child joins the
 * execution's cgroups by itself: v1 each hierarchy's "tasks", v2
 * "cgroup.procs".  Fills fds (O_CLOEXEC, owned by the caller) and returns
 * how many, 0 for the none backend, or -errno.
 *
 * Why: a write of another pid to cgroup.procs takes the global threadgroup
 * rwsem for writing, which costs an RCU grace period (10-20 ms here) on
 * every execution; a thread moving itself through v1's "tasks" skips that
 * lock (kernel/cgroup/cgroup.c, cgroup_procs_write_start).  Permission is
 * checked against the opener's credentials (since 5.16), so the child may
 * do it after changing ids.
 */
int cgroup_exec_join_fds(struct cgroup_exec *c, int *fds, size_t max) _wur_;

/*
 * Child side: moves the calling thread (which must be its process's only
 * one) into every cgroup behind fds by writing "0".  0 or -errno.
 */
int cgroup_join_self(const int *fds, size_t n) _wur_;

/*
 * Changes the memory limit of an existing execution cgroup (a pre-built
 * jail that gets its request's limit).  0 when memory is not enforced.
 */
int cgroup_exec_set_memory(struct cgroup_exec *c, uint64_t bytes) _wur_;

/* Reads the execution's accounting into *out; zeros for the none backend. */
int cgroup_exec_usage(struct cgroup_exec *c, struct cgroup_usage *out) _wur_;

/*
 * SIGKILLs every process in the execution's cgroup: cgroup.kill on v2 when
 * the kernel has it (5.14), else signals from a loop over cgroup.procs
 * (pidfds guard against pid reuse).  Either way it then waits, bounded
 * (~0.2 s plus reads), until cgroup.procs is empty.  Returns 0 once it is,
 * -EBUSY when processes were still listed when the loop gave up, -ENOTSUP
 * for the none backend (the caller must kill by other means, e.g. the pid
 * namespace).
 */
int cgroup_exec_kill(struct cgroup_exec *c) _wur_;

/*
 * Removes the directories cgroup_exec_create() made, retrying briefly
 * (a few ms) while the last killed processes finish exiting; what still
 * cannot be removed is handed to the manager (cgroup_manager_orphans).
 * Frees c.  NULL is a no-op.
 */
void cgroup_exec_destroy(struct cgroup_exec *c);
