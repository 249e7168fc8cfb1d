/*
 * Ordered jail construction.  Parent side (privileged spawner):
 *
 *   1. cgroup: create the execution's group and write its limits first, so
 *      the child is never runnable outside its limits for long.
 *   2. clone() with CLONE_NEWUSER|NEWPID|NEWNS|NEWIPC|NEWUTS: the
 *      other namespaces are then owned by the new user namespace, which is
 *      what lets the child mount inside them (user_namespaces(7)).  The
 *      network namespace the child makes itself (step 0 below).
 *      CLONE_PIDFD gives a pollable handle that cannot be confused with a
 *      recycled pid.  With jail_start_in() a zygote makes this one call
 *      (zygote.c), with CLONE_PARENT so that the child is still ours, and
 *      passes the pidfd back; every other step stays here.
 *   3. write uid_map/gid_map (only a process outside the namespace can).
 *   4. release the child through the sync pipe; it first joins its
 *      cgroup itself, through files we opened for it (cgroup.h says why),
 *      so no instruction of it runs outside its namespaces' id map or
 *      before it is under its limits.
 *
 * Child side (pid 1 of its pid namespace), in this order:
 *
 *   0. unshare(CLONE_NEWNET), right after joining its cgroup: a new
 *      network namespace is the costliest part of a clone (~0.5 ms, its
 *      sysctl tables and loopback), and made here it is no longer spent in
 *      the spawner, whose one loop every other execution waits on, and is
 *      charged to the jail's own memory limit.  Owned by the jail's user
 *      namespace, as if clone() had made it; it fails the jail like any
 *      other step.
 *   a. setgroups(0), setresgid/setresuid(1000): first, because files it
 *      creates on its own tmpfs need a mapped fsuid (else EOVERFLOW).  The
 *      capabilities of the new user namespace survive this change since
 *      that namespace's uid 0 is unmapped (capabilities(7), "Effect of
 *      user ID changes": only a change away from uid 0 clears them).
 *   b. mounts and pivot_root (mnt.c).
 *   c. unshare(CLONE_NEWCGROUP): after the parent attached us, so the
 *      namespace's root is our own execution cgroup.
 *   d. hostname, fds 0..4, rlimits, parent-death signal (after the uid
 *      change, which clears it).
 *   e. drop every capability, then no_new_privs, then seccomp last: the
 *      filter refuses calls (mount, unshare...) the earlier steps needed.
 *   f. the payload.
 *
 * Any failure: {stage, errno} goes to the parent on the close-on-exec
 * report pipe and the child _exit()s.  EOF on that pipe without a report
 * means the payload has started.
 */
#include "jail/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc/proto.h"
#include "jail/caps.h"
#include "jail/child.h"
#include "jail/mnt.h"
#include "jail/rlimit.h"
#include "jail/seccomp.h"
#include "jail/userns.h"
#include "util/fd.h"
#include "util/valgrind.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct jail {
	struct jail_params params;
	struct jail_seccomp *seccomp;
	struct cgroup_manager *cgroups;
	uint32_t isolation;
};

struct setup_report {
	int32_t stage;
	int32_t err; /* positive errno */
};

struct jail_proc {
	pid_t pid;
	int pidfd;
	bool reaped;
	struct cgroup_exec *cg;
	int report_fd;             /* setup verdict pipe (non-blocking), open until jail_proc_free */
	struct setup_report report; /* what has arrived of a failure report */
	size_t report_got;
	int setup_rc;              /* the verdict once taken: 1, or -errno */
	int setup_stage;
};

int jail_new(const struct jail_params *p, struct jail **out, const char **why, int *stage)
{
	struct jail *j = calloc(1, sizeof(*j));
	int r;

	*stage = JAIL_STAGE_NONE;
	if (!j)
		return -ENOMEM;
	j->params = *p;
	r = jail_seccomp_new(&j->seccomp);
	if (r < 0) {
		*why = "cannot build the seccomp filter";
		goto fail;
	}
	r = jail_mnt_template_build(stage);
	if (r < 0) {
		*why = "cannot build the jails' shared root (a private mount namespace)";
		goto fail;
	}
	r = cgroup_manager_new(p->cgroup, p->cgroup_name, &j->cgroups);
	if (r < 0) {
		*why = "cannot set up the cgroup subtree";
		goto fail;
	}
	if (cgroup_manager_version(j->cgroups) == IPC_CGROUP_NONE && !p->allow_no_cgroup) {
		*why = "no usable cgroup controller for memory and pids limits; "
		       "start with --allow-no-cgroup to run with weaker isolation";
		r = -ENOTSUP;
		goto fail;
	}
	j->isolation = ISO_USERNS | ISO_PIDNS | ISO_MNTNS | ISO_NETNS | ISO_IPCNS | ISO_UTSNS |
		       ISO_CGROUPNS | ISO_SECCOMP | ISO_NO_NEW_PRIVS | ISO_CAPS_DROPPED | ISO_RLIMITS |
		       ISO_PIVOT_ROOT;
	*out = j;
	return 0;
fail:
	jail_free(j);
	return r;
}

void jail_free(struct jail *j)
{
	if (!j)
		return;
	cgroup_manager_free(j->cgroups);
	jail_seccomp_free(j->seccomp);
	free(j);
}

uint32_t jail_isolation(const struct jail *j)
{
	return j->isolation;
}

const struct cgroup_manager *jail_cgroups(const struct jail *j)
{
	return j->cgroups;
}

static _Noreturn void child_fail(int report_fd, int stage, int neg_err)
{
	struct setup_report rep = { .stage = stage, .err = neg_err < 0 ? -neg_err : EIO };
	/* Best effort: if the parent is gone there is nobody to tell. */
	if (write(report_fd, &rep, sizeof(rep)) < 0)
		_exit(126);
	_exit(126);
}

/*
 * Places run->fds at 0..4 and the report pipe at 5, closing everything
 * else the spawner had open (other executions' pipes, the front's socket).
 * Returns the new report fd or -errno.
 */
static int install_fds(const struct jail_run *run, int report_fd)
{
	int tmp[5], rep;

	for (int i = 0; i < 5; i++) {
		int src = run->fds[i];
		if (src < 0) {
			src = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (src < 0)
				return neg_errno();
		}
		/* Move above every target first so no dup2 clobbers a source. */
		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, 64);
		if (tmp[i] < 0)
			return neg_errno();
	}
	rep = fcntl(report_fd, F_DUPFD_CLOEXEC, 64);
	if (rep < 0)
		return neg_errno();
	for (int i = 0; i < 5; i++)
		if (dup2(tmp[i], i) < 0)
			return neg_errno();
	if (dup3(rep, 5, O_CLOEXEC) < 0)
		return neg_errno();
	if (fd_close_from(6) < 0)
		return neg_errno();
	return 5;
}

/*
 * The new UTS namespace starts with copies of the host's names: replace
 * both.  Returns 0 or -errno.
 *
 * valgrind 3.19 has no amd64 wrapper for setdomainname(2): it answers
 * ENOSYS without making the call.  That failed every jail under memcheck
 * (stage "hostname"), and was why the daemon could not run there; the
 * clone itself, namespace flags and CLONE_PIDFD included, valgrind follows
 * like a fork.  So under valgrind only, and only when the inherited domain
 * name is the kernel's unset "(none)" (it then says nothing about the
 * host), that ENOSYS is not a failure.  Natively any error fails the jail.
 */
static int set_uts_names(void)
{
	struct utsname u;
	int err;

	if (sethostname("pyexec", 6) < 0)
		return neg_errno();
	if (setdomainname("pyexec", 6) == 0)
		return 0;
	err = errno;
	if (err == ENOSYS && running_on_valgrind() && uname(&u) == 0 &&
	    strcmp(u.domainname, "(none)") == 0)
		return 0;
	return err > 0 ? -err : -EIO;
}

/*
 * Every signal to its default, as a fresh process has them: a disposition
 * the spawner inherited or set (SIGPIPE ignored, its own handlers) would
 * otherwise reach the script, and an ignored one survives execve.  The
 * raw system call, because glibc's sigaction() refuses the two signals it
 * reserves for itself (32 and 33: thread cancellation and the set*id
 * broadcast), and those too arrive ignored when the daemon's parent
 * ignored them.  A handler glibc itself installed on one of those stays:
 * a warm child runs in this process's glibc, which needs it.
 */
static void reset_signal_dispositions(void)
{
	struct kernel_sigaction {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} now, dfl = { .handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++) {
		bool reserved = sig >= 32 && sig < SIGRTMIN;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (reserved && (syscall(SYS_rt_sigaction, sig, NULL, &now, sizeof(now.mask)) < 0 ||
				 now.handler != SIG_IGN))
			continue;
		(void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	}
}

_Noreturn void jail_child_main(const struct child_ctx *c)
{
	const struct jail_params *p = &c->jail->params;
	struct jail_mnt_params mp = { .tmp_bytes = p->tmp_bytes };
	struct jail_rlimits rl = {
		.cpu_seconds = c->run->cpu_seconds,
		.fsize_bytes = p->tmp_bytes,
		.nofile = p->nofile,
		.nproc = cgroup_manager_version(c->jail->cgroups) == IPC_CGROUP_NONE ? 256 : 0,
	};
	int report = c->report_fd;
	int stage = JAIL_STAGE_SYNC;
	char go;
	int r;

	if (read(c->sync_fd, &go, 1) != 1)
		_exit(125); /* the parent gave up on us */
	close(c->sync_fd);

	/* Before anything else, so every page the jail touches is charged to it. */
	r = cgroup_join_self(c->join_fds, c->njoin);
	if (r < 0)
		child_fail(report, JAIL_STAGE_CGROUP_ATTACH, r);
	for (size_t i = 0; i < c->njoin; i++)
		close(c->join_fds[i]);
	if (unshare(CLONE_NEWNET) < 0)
		child_fail(report, JAIL_STAGE_NET, neg_errno());

	if (setgroups(0, NULL) < 0)
		child_fail(report, JAIL_STAGE_SETGROUPS, neg_errno());
	if (setresgid(JAIL_INNER_ID, JAIL_INNER_ID, JAIL_INNER_ID) < 0 ||
	    setresuid(JAIL_INNER_ID, JAIL_INNER_ID, JAIL_INNER_ID) < 0)
		child_fail(report, JAIL_STAGE_SETUID, neg_errno());

	r = jail_mnt_setup(&mp, &stage);
	if (r < 0)
		child_fail(report, stage, r);

	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(report, JAIL_STAGE_CGROUPNS, neg_errno());
	r = set_uts_names();
	if (r < 0)
		child_fail(report, JAIL_STAGE_HOSTNAME, r);
	/* After the last unshare above: namespace creation is set to 0 here. */
	r = jail_userns_limits(p->inotify_per_jail);
	if (r < 0)
		child_fail(report, JAIL_STAGE_USERNS_LIMITS, r);

	/*
	 * The spawner blocks SIGTERM/SIGINT/SIGHUP for its signalfd, and a
	 * blocked mask survives fork and execve: give the script the
	 * defaults a fresh process has.
	 */
	{
		sigset_t none;
		reset_signal_dispositions();
		sigemptyset(&none);
		if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
			child_fail(report, JAIL_STAGE_FDS, neg_errno());
	}

	r = install_fds(c->run, report);
	if (r < 0)
		child_fail(report, JAIL_STAGE_FDS, r);
	report = r;

	r = jail_rlimits_apply(&rl);
	if (r < 0)
		child_fail(report, JAIL_STAGE_RLIMITS, r);
	/* If the spawner dies, the whole jail goes with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(report, JAIL_STAGE_RLIMITS, neg_errno());

	r = jail_caps_drop_all();
	if (r < 0)
		child_fail(report, JAIL_STAGE_CAPS, r);
	r = jail_no_new_privs();
	if (r < 0)
		child_fail(report, JAIL_STAGE_NO_NEW_PRIVS, r);
	/*
	 * setresuid() above left the process non-dumpable, as every change of
	 * credentials does; the execve() of python3 (cold) makes it dumpable
	 * again, and a warm child never execs.  Dumpable, its /proc/self
	 * entries are its own, as in cold mode: environ readable,
	 * oom_score_adj raisable.  ptrace and process_vm_* stay refused by
	 * seccomp, core dumps by RLIMIT_CORE 0.
	 */
	if (!c->run->payload_execs && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		child_fail(report, JAIL_STAGE_NO_NEW_PRIVS, neg_errno());
	r = jail_seccomp_apply(c->jail->seccomp);
	if (r < 0)
		child_fail(report, JAIL_STAGE_SECCOMP, r);

	if (!c->run->payload_execs)
		close(report);
	r = c->run->payload(c->run->payload_arg);
	if (c->run->payload_execs)
		child_fail(report, JAIL_STAGE_EXEC, r);
	_exit(127);
}

/* Takes the verdict from what has arrived: 1, 0 (more to come) or -errno with p->setup_stage. */
static int read_verdict(struct jail_proc *p)
{
	for (;;) {
		ssize_t k = read(p->report_fd, (char *)&p->report + p->report_got,
				 sizeof(p->report) - p->report_got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return 0;
		if (k < 0) {
			p->setup_stage = JAIL_STAGE_SYNC;
			return neg_errno();
		}
		p->report_got += (size_t)k;
		if (k == 0 && p->report_got == 0)
			return 1; /* EOF without a report: the payload has started */
		if (k > 0 && p->report_got < sizeof(p->report))
			continue;
		break;
	}
	if (p->report_got != sizeof(p->report) || p->report.stage <= 0 ||
	    p->report.stage >= JAIL_STAGE__MAX || p->report.err <= 0) {
		p->setup_stage = JAIL_STAGE_SYNC;
		return -EPROTO;
	}
	p->setup_stage = p->report.stage;
	return -p->report.err;
}

int jail_proc_setup_fd(const struct jail_proc *p)
{
	return p->report_fd;
}

int jail_proc_setup_poll(struct jail_proc *p, int *stage)
{
	if (p->setup_rc == 0) {
		int r = read_verdict(p);
		if (r == 0)
			return 0;
		p->setup_rc = r;
	}
	if (p->setup_rc < 0)
		*stage = p->setup_stage;
	return p->setup_rc;
}

int jail_proc_setup_wait(struct jail_proc *p, int *stage)
{
	struct timespec now;
	int64_t deadline_ms, left;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + JAIL_SETUP_TIMEOUT_MS;
	while ((r = jail_proc_setup_poll(p, stage)) == 0) {
		struct pollfd pfd = { .fd = p->report_fd, .events = POLLIN };
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline_ms - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		if (left <= 0) {
			*stage = JAIL_STAGE_SYNC;
			return -ETIMEDOUT;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			*stage = JAIL_STAGE_SYNC;
			return neg_errno();
		}
	}
	return r < 0 ? r : 0;
}

/*
 * Raw clone: glibc's clone() wants a separate stack, and fork() cannot
 * take namespace flags.  The child behaves like a fork child.
 */
static long clone_here(const struct child_ctx *ctx, int *pidfd)
{
	long pid = syscall(SYS_clone, JAIL_CLONE_FLAGS, NULL, pidfd, NULL, 0);

	if (pid == 0)
		jail_child_main(ctx);
	return pid < 0 ? neg_errno() : pid;
}

/* jail_start(), with the clone made here (zygote_sock < 0) or by the zygote at zygote_sock. */
static int start(struct jail *j, const struct jail_run *run, int zygote_sock, bool *lost,
		 struct jail_proc **out, int *stage)
{
	_cleanup_close_ int sync_r = -1, sync_w = -1, rep_r = -1, rep_w = -1;
	struct jail_proc *p;
	struct child_ctx ctx;
	int pipefd[2];
	int pidfd = -1;
	long pid;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = -1;
	p->pidfd = -1;
	p->report_fd = -1;

	r = cgroup_exec_create(j->cgroups, run->name, &run->limits, &p->cg);
	if (r < 0) {
		*stage = JAIL_STAGE_CGROUP_CREATE;
		goto fail;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = neg_errno();
		*stage = JAIL_STAGE_CLONE;
		goto fail;
	}
	sync_r = pipefd[0];
	sync_w = pipefd[1];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = neg_errno();
		*stage = JAIL_STAGE_CLONE;
		goto fail;
	}
	rep_r = pipefd[0];
	rep_w = pipefd[1];
	if (fcntl(rep_r, F_SETFL, O_NONBLOCK) < 0) {
		r = neg_errno();
		*stage = JAIL_STAGE_CLONE;
		goto fail;
	}

	ctx = (struct child_ctx){ .jail = j, .run = run, .sync_fd = sync_r, .report_fd = rep_w };
	r = cgroup_exec_join_fds(p->cg, ctx.join_fds, ARRAY_SIZE(ctx.join_fds));
	if (r < 0) {
		*stage = JAIL_STAGE_CGROUP_ATTACH;
		goto fail;
	}
	ctx.njoin = (size_t)r;
	pid = zygote_sock < 0 ? clone_here(&ctx, &pidfd)
			      : jail_zygote_clone(zygote_sock, &ctx, &pidfd, lost);
	if (pid < 0)
		r = (int)pid;
	for (size_t i = 0; i < ctx.njoin; i++)
		close(ctx.join_fds[i]);
	if (pid < 0) {
		*stage = JAIL_STAGE_CLONE;
		goto fail;
	}

	p->pid = (pid_t)pid;
	p->pidfd = pidfd;
	closep(&sync_r);
	closep(&rep_w);

	r = jail_userns_map(p->pid, j->params.sandbox_uid + run->host_id_offset,
			    j->params.sandbox_gid + run->host_id_offset);
	if (r < 0) {
		*stage = JAIL_STAGE_USERNS_MAP;
		goto fail;
	}
	r = fd_write_all(sync_w, "g", 1);
	if (r < 0) {
		*stage = JAIL_STAGE_SYNC;
		goto fail;
	}
	closep(&sync_w);
	p->report_fd = TAKE_FD(rep_r);
	*out = p;
	return 0;
fail:
	jail_proc_free(p);
	return r;
}

int jail_start(struct jail *j, const struct jail_run *run, struct jail_proc **out, int *stage)
{
	return start(j, run, -1, NULL, out, stage);
}

int jail_start_in(struct jail *j, const struct jail_run *run, int zygote_sock, bool *lost,
		  struct jail_proc **out, int *stage)
{
	*lost = false;
	return start(j, run, zygote_sock, lost, out, stage);
}

int jail_spawn(struct jail *j, const struct jail_run *run, struct jail_proc **out, int *stage)
{
	struct jail_proc *p;
	int r = jail_start(j, run, &p, stage);

	if (r < 0)
		return r;
	r = jail_proc_setup_wait(p, stage);
	if (r < 0) {
		jail_proc_free(p);
		return r;
	}
	*out = p;
	return 0;
}

pid_t jail_proc_pid(const struct jail_proc *p)
{
	return p->pid;
}

int jail_proc_pidfd(const struct jail_proc *p)
{
	return p->pidfd;
}

int jail_proc_set_memory(struct jail_proc *p, uint64_t bytes)
{
	return p->cg ? cgroup_exec_set_memory(p->cg, bytes) : 0;
}

void jail_proc_kill_init(struct jail_proc *p)
{
	if (p->pid > 0 && !p->reaped) {
		/*
		 * kill(2) is as exact as the pidfd for a child we have not
		 * reaped (its pid cannot be reused yet), so it stands in when
		 * pidfd_send_signal is refused with ENOSYS (valgrind 3.19 has
		 * no wrapper for it; a filter of an outer sandbox may do so).
		 */
		if (p->pidfd < 0 ||
		    (syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0) < 0 && errno == ENOSYS))
			(void)kill(p->pid, SIGKILL);
	}
}

int jail_proc_usage(struct jail_proc *p, struct cgroup_usage *usage)
{
	return p->cg ? cgroup_exec_usage(p->cg, usage) : -ENOTSUP;
}

void jail_proc_kill(struct jail_proc *p)
{
	jail_proc_kill_init(p);
	if (p->cg) {
		/* Best effort: -ENOTSUP without cgroups, where the pid namespace does it. */
		int r = cgroup_exec_kill(p->cg);
		(void)r;
	}
}

int jail_proc_reap(struct jail_proc *p, int *status, struct cgroup_usage *usage)
{
	struct rusage ru;
	struct cgroup_usage u = { 0 };
	int st;
	pid_t w;

	if (p->reaped)
		return -ECHILD;
	do {
		w = wait4(p->pid, &st, WNOHANG, &ru);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return neg_errno();
	if (w == 0)
		return 0;
	p->reaped = true;
	*status = st;
	if (!usage)
		return 1;
	if (p->cg && cgroup_exec_usage(p->cg, &u) >= 0 && (u.cpu_us || u.peak_memory_bytes)) {
		/* cgroup numbers cover every process of the jail */
	} else {
		u.cpu_us = (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec +
			   (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec;
		u.peak_memory_bytes = (uint64_t)ru.ru_maxrss * 1024;
	}
	*usage = u;
	return 1;
}

void jail_proc_free(struct jail_proc *p)
{
	if (!p)
		return;
	if (p->pid > 0 && !p->reaped) {
		int st;
		jail_proc_kill(p);
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
		p->reaped = true;
	}
	if (p->cg) {
		int r = cgroup_exec_kill(p->cg);
		(void)r;
		cgroup_exec_destroy(p->cg);
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->report_fd >= 0)
		close(p->report_fd);
	free(p);
}
