#include "jail/rlimit.h"

#include <sys/resource.h>

static int lower(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit cur, want;

	if (getrlimit(resource, &cur) < 0)
		return neg_errno();
	/* Without CAP_SYS_RESOURCE a hard limit can only go down. */
	want.rlim_max = hard < cur.rlim_max ? hard : cur.rlim_max;
	want.rlim_cur = soft < want.rlim_max ? soft : want.rlim_max;
	if (setrlimit(resource, &want) < 0)
		return neg_errno();
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
