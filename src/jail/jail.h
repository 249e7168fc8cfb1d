/*
 * The jail: builds a fresh sandbox per execution and runs a payload in it.
 *
 * A struct jail is the per-daemon part (prepared once, in the privileged
 * spawner: seccomp program, cgroup subtree).  jail_start() creates one
 * execution's cgroup, clones a child into new user, pid, mount, net, ipc
 * and uts namespaces, maps its ids, places it in the cgroup, and lets it
 * finish the setup on its own side (jail.c lists the order and why).  The
 * payload is either an exec (cold mode: python3 with the runner) or a
 * function called in-process (warm mode: a fork of the preloaded zygote).
 *
 * Fail closed: if any layer cannot be set up the child reports {stage,
 * errno} on a close-on-exec pipe and exits; the verdict (jail_proc_setup_poll)
 * is -errno with the stage, and the payload never starts.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "jail/cgroup.h"
#include "jail/stage.h"
#include "util/macros.h"

struct jail;
struct jail_proc;

struct jail_params {
	uint32_t sandbox_uid; /* host ids the jail's uid/gid 1000 map to */
	uint32_t sandbox_gid;
	uint64_t tmp_bytes;
	uint32_t nofile;
	uint32_t inotify_per_jail; /* this jail's share of the creator's inotify instances */
	enum cgroup_want cgroup;
	bool allow_no_cgroup;
	const char *cgroup_name; /* the daemon's subtree, e.g. "pyexec-1234" */
};

/*
 * Prepares the per-daemon state.  0 and *out, or -errno with *why set to
 * a static reason and *stage to the mount that failed (JAIL_STAGE_NONE
 * when the failure was not a mount's).
 */
int jail_new(const struct jail_params *p, struct jail **out, const char **why, int *stage) _wur_;
void jail_free(struct jail *j);

uint32_t jail_isolation(const struct jail *j); /* ISO_* bits of proto.h */
const struct cgroup_manager *jail_cgroups(const struct jail *j);

struct jail_run {
	const char *name;             /* cgroup directory name, unique among running jails */
	struct cgroup_limits limits;  /* memory, pids, cpu */
	uint32_t cpu_seconds;         /* RLIMIT_CPU */
	/*
	 * Added to the host uid/gid: executions running at the same time get
	 * distinct host ids (the spawner uses the slot number), because some
	 * kernel limits are counted per host uid across user namespaces
	 * (inotify instances, pending signals, pipe buffer pages).
	 */
	uint32_t host_id_offset;
	int fds[5];                   /* become fds 0..4 in the jail; -1 means /dev/null */
	/*
	 * Runs in the jail after every layer is in place.  An exec payload
	 * (payload_execs) returns only on failure, with -errno, which is
	 * reported as JAIL_STAGE_EXEC.  An in-process payload must end with
	 * _exit(); the setup pipe is closed before it runs.
	 */
	int (*payload)(void *arg);
	void *payload_arg;
	bool payload_execs;
};

/* A child that has not given its setup verdict within this time is considered hung. */
#define JAIL_SETUP_TIMEOUT_MS 10000

/*
 * Builds the jail and releases the child, which finishes the setup on its
 * own side while the caller goes on: the verdict arrives later on
 * jail_proc_setup_fd() (see jail_proc_setup_poll).  On success returns 0
 * and *out; on failure -errno with *stage naming the layer, and nothing
 * is left behind.
 */
int jail_start(struct jail *j, const struct jail_run *run, struct jail_proc **out, int *stage) _wur_;

/*
 * A zygote: a process forked from the spawner earlier, whose memory (a
 * different set of imported modules, say) a jail's child should start
 * from instead of the spawner's.  It only clones: with CLONE_PARENT, so
 * the child is the spawner's own as with jail_start() (the spawner maps
 * its ids, reaps it and holds its pidfd, passed back over the socket),
 * and everything else of jail_start() stays in the spawner.  The child
 * then runs the zygote's payload, not run->payload.
 *
 * In the zygote: serves clone requests on sock until it reads EOF, then
 * exits; never returns.  j is the zygote's copy of the spawner's jail.
 */
_Noreturn void jail_zygote_serve(struct jail *j, int sock, int (*payload)(void *arg), void *arg);

/*
 * jail_start() with the child cloned by the zygote at zygote_sock.  *lost
 * is set when the zygote did not answer as it should (gone, hung, or a
 * reply out of step); the socket is then of no further use, and the jail
 * can be started with jail_start() instead.
 */
int jail_start_in(struct jail *j, const struct jail_run *run, int zygote_sock, bool *lost,
		  struct jail_proc **out, int *stage) _wur_;

/* jail_start(), then waits for the verdict: 0 once the payload has started, or -errno with *stage. */
int jail_spawn(struct jail *j, const struct jail_run *run, struct jail_proc **out, int *stage) _wur_;

/*
 * Readable (or at EOF) when the setup verdict can be taken.  It stays open
 * until jail_proc_free(): a caller that polls it with epoll must remove it
 * once the verdict is in, since later forks of the caller share the open
 * file, so that closing it would not end the registration.
 */
int jail_proc_setup_fd(const struct jail_proc *p);

/*
 * Takes the setup verdict without blocking: 1 once the payload has
 * started, 0 while the child still sets up, -errno with *stage if a layer
 * failed (the child then exits by itself).  Once given, the same verdict
 * is returned again.
 */
int jail_proc_setup_poll(struct jail_proc *p, int *stage) _wur_;

/* Waits up to JAIL_SETUP_TIMEOUT_MS for the verdict: 0 (started) or -errno with *stage. */
int jail_proc_setup_wait(struct jail_proc *p, int *stage) _wur_;

pid_t jail_proc_pid(const struct jail_proc *p);
int jail_proc_pidfd(const struct jail_proc *p); /* readable once the jail's init has exited */

/* Sets the jail's cgroup memory limit (for pre-built jails).  0 or -errno. */
int jail_proc_set_memory(struct jail_proc *p, uint64_t bytes) _wur_;

/* SIGKILLs the jail's init (which takes its whole pid namespace) and every process of its cgroup. */
void jail_proc_kill(struct jail_proc *p);

/* SIGKILLs the jail's init only, without waiting: its pid namespace goes with it. */
void jail_proc_kill_init(struct jail_proc *p);

/* Usage so far of a jail that still runs, from its cgroup: 0, or -ENOTSUP without one. */
int jail_proc_usage(struct jail_proc *p, struct cgroup_usage *usage) _wur_;

/*
 * Reaps the init without blocking.  Returns 1 and the wait status when it
 * has exited, 0 if it still runs, -errno on error.  Fills *usage (unless
 * NULL) from the cgroup (or rusage without cgroups).
 */
int jail_proc_reap(struct jail_proc *p, int *status, struct cgroup_usage *usage) _wur_;

/* Kills if still running, reaps, removes the cgroup.  NULL is fine. */
void jail_proc_free(struct jail_proc *p);
