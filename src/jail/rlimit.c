#include "jail/rlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/valgrind.h"

/*
 * valgrind keeps RLIMIT_NOFILE for itself (it reserves the top of the fd
 * range): a process it runs cannot lower its own hard fd limit, setrlimit
 * and prlimit on pid 0 or getpid() fail with EPERM or change only
 * valgrind's private copy, and the exec'd payload would inherit the
 * spawner's limit.  prlimit() on another pid is passed to the kernel as
 * is, so under valgrind a short-lived child of the jail's pid 1 (same
 * user namespace and ids, so allowed to) lowers it for us.  Never used
 * natively.
 */
static int lower_from_child(int resource, const struct rlimit *want)
{
	pid_t self = getpid(), k;
	int pfd[2], err = EIO, st;
	ssize_t n;

	/* The verdict comes through a pipe: valgrind's --error-exitcode may stand in for the status. */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return neg_errno();
	k = fork();
	if (k < 0) {
		err = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -err;
	}
	if (k == 0) {
		err = prlimit(self, resource, want, NULL) < 0 ? errno : 0;
		_exit(write(pfd[1], &err, sizeof(err)) == (ssize_t)sizeof(err) ? 0 : 1);
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(k, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(err))
		return -EIO;
	return err ? -err : 0;
}

static int lower(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit cur, want;

	if (getrlimit(resource, &cur) < 0)
		return neg_errno();
	/* Without CAP_SYS_RESOURCE a hard limit can only go down. */
	want.rlim_max = hard < cur.rlim_max ? hard : cur.rlim_max;
	want.rlim_cur = soft < want.rlim_max ? soft : want.rlim_max;
	if (setrlimit(resource, &want) < 0) {
		if (errno == EPERM && resource == RLIMIT_NOFILE && running_on_valgrind())
			return lower_from_child(resource, &want);
		return neg_errno();
	}
	return 0;
}

int jail_rlimits_apply(const struct jail_rlimits *l)
{
	int r;

	r = lower(RLIMIT_CORE, 0, 0);
	if (r < 0)
		return r;
	r = lower(RLIMIT_CPU, l->cpu_seconds, (rlim_t)l->cpu_seconds + 1);
	if (r < 0)
		return r;
	r = lower(RLIMIT_FSIZE, l->fsize_bytes, l->fsize_bytes);
	if (r < 0)
		return r;
	r = lower(RLIMIT_NOFILE, l->nofile, l->nofile);
	if (r < 0)
		return r;
	/* POSIX message queues live in the jail's ipc namespace; keep them tiny. */
	r = lower(RLIMIT_MSGQUEUE, 64 * 1024, 64 * 1024);
	if (r < 0)
		return r;
	r = lower(RLIMIT_MEMLOCK, 64 * 1024, 64 * 1024);
	if (r < 0)
		return r;
	/* Pending signals are charged to the jail's creator too (userns.h): keep each jail's few. */
	r = lower(RLIMIT_SIGPENDING, 512, 512);
	if (r < 0)
		return r;
	if (l->nproc) {
		r = lower(RLIMIT_NPROC, l->nproc, l->nproc);
		if (r < 0)
			return r;
	}
	return 0;
}
