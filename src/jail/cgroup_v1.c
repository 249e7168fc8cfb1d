/*
 * cgroup v1 backend: one hierarchy per controller (or per group of
 * controllers mounted together, e.g. "cpu,cpuacct"), each with its own
 * subtree <own>/<name> below the daemon's cgroup *in that hierarchy*, which
 * differs between hierarchies (here memory's is /process_api/<hash>, pids'
 * is /).  An execution is a directory <subtree>/<exec> in every one.
 *
 * memory and pids are required; cpu (bandwidth) and cpuacct (usage) are
 * used when mounted.  Limits are set only on execution directories, never
 * on the subtree or the daemon's own group.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "ipc/proto.h"
#include "jail/cgroup_internal.h"

static const struct {
	const char *name;
	uint32_t bit;
	bool required;
} v1_ctls[] = {
	{ "memory", CG_CTL_MEMORY, true },
	{ "pids", CG_CTL_PIDS, true },
	{ "cpu", CG_CTL_CPU, false },
	{ "cpuacct", CG_CTL_CPUACCT, false },
};

/* CFS period the kernel defaults to (100 ms), used if cpu.cfs_period_us is unreadable. */
#define V1_CFS_PERIOD_US 100000u

/* The index of the hierarchy serving ctl, or -1. */
static int hier_of(const struct cgroup_manager *m, uint32_t ctl)
{
	for (size_t i = 0; i < m->nhier; i++)
		if (m->hier[i].ctl & ctl)
			return (int)i;
	return -1;
}

/*
 * Finds the daemon's own directory of controller ctl and either joins the
 * hierarchy already opened for that directory or opens a new one.
 * -ENOENT when the controller is not there for us.
 */
static int add_ctl(struct cgroup_manager *m, const char *pc, const char *mi, const char *ctl,
		   uint32_t bit)
{
	_cleanup_free_ char *own = NULL, *dir = NULL, *sub = NULL;
	_cleanup_close_ int fd = -1;
	struct cg_hier *h;
	struct statfs sfs;
	int r;

	r = cg_parse_proc_cgroup(pc, ctl, &own);
	if (r < 0)
		return r;
	r = cg_parse_mountinfo(mi, ctl, own, &dir);
	if (r < 0)
		return r;
	if (asprintf(&sub, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, m->name) < 0) {
		sub = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->nhier; i++) {
		if (strcmp(m->hier[i].subtree_path, sub) == 0) {
			m->hier[i].ctl |= bit;
			return 0;
		}
	}
	if (m->nhier == CG_MAX_HIER)
		return -E2BIG;
	fd = cg_open_dir(dir);
	if (fd < 0)
		return fd;
	/* What mountinfo named must really be a v1 cgroup directory. */
	if (fstatfs(fd, &sfs) < 0)
		return neg_errno();
	if (sfs.f_type != CGROUP_SUPER_MAGIC)
		return -ENOTSUP;
	h = &m->hier[m->nhier++];
	h->ctl = bit;
	h->own_fd = TAKE_FD(fd);
	h->subtree_fd = -1;
	h->subtree_path = TAKE_PTR(sub);
	return 0;
}

static int v1_init(struct cgroup_manager *m, const char *pc, const char *mi)
{
	int r, i;

	for (size_t k = 0; k < ARRAY_SIZE(v1_ctls); k++) {
		r = add_ctl(m, pc, mi, v1_ctls[k].name, v1_ctls[k].bit);
		if (r == -ENOENT || r == -ENOTSUP) {
			if (v1_ctls[k].required)
				return -ENOTSUP;
			continue;
		}
		if (r < 0)
			return r;
	}
	/* Teardown removes exactly the subtrees whose fd is set. */
	for (size_t k = 0; k < m->nhier; k++) {
		r = cg_mkdir_at(m->hier[k].own_fd, m->name);
		if (r < 0)
			return r;
		m->hier[k].subtree_fd = r;
	}
	m->limits = CGL_MEMORY | CGL_PIDS;
	/* CFS bandwidth control is optional in the kernel (CONFIG_CFS_BANDWIDTH). */
	i = hier_of(m, CG_CTL_CPU);
	if (i >= 0 && cg_exists_at(m->hier[i].subtree_fd, "cpu.cfs_quota_us") == 0)
		m->limits |= CGL_CPU;
	return 0;
}

static void v1_fini(_unused_ struct cgroup_manager *m)
{
}

static int set_memory(int dfd, uint64_t bytes)
{
	int r;

	r = cg_write_u64_at(dfd, "memory.limit_in_bytes", bytes);
	if (r < 0)
		return r;
	/*
	 * memsw (RAM+swap) exists only with swap accounting; set equal so swap
	 * cannot extend the limit.  It must be written after the RAM limit:
	 * the kernel refuses memsw < limit.
	 */
	r = cg_write_u64_at(dfd, "memory.memsw.limit_in_bytes", bytes);
	if (r < 0 && r != -ENOENT)
		return r;
	/* Prefer OOM over swapping the script out; not every kernel allows it. */
	(void)!cg_write_at(dfd, "memory.swappiness", "0");
	return 0;
}

static int set_cpu(int dfd, uint32_t percent)
{
	uint64_t period = V1_CFS_PERIOD_US, quota;

	if (cg_read_u64_at(dfd, "cpu.cfs_period_us", &period) < 0 || period == 0)
		period = V1_CFS_PERIOD_US;
	quota = period * percent / 100;
	/* The kernel's minimum quota is 1 ms. */
	if (quota < 1000)
		quota = 1000;
	return cg_write_u64_at(dfd, "cpu.cfs_quota_us", quota);
}

static int v1_create(struct cgroup_exec *c, const struct cgroup_limits *lim)
{
	struct cgroup_manager *m = c->m;
	int i, r;

	for (size_t k = 0; k < m->nhier; k++) {
		r = cg_mkdir_at(m->hier[k].subtree_fd, c->name);
		if (r < 0)
			return r;
		c->fd[k] = r;
	}
	i = hier_of(m, CG_CTL_MEMORY);
	if (lim->memory_bytes && (m->limits & CGL_MEMORY)) {
		r = set_memory(c->fd[i], lim->memory_bytes);
		if (r < 0)
			return r;
	}
	i = hier_of(m, CG_CTL_PIDS);
	if (lim->pids_max && (m->limits & CGL_PIDS)) {
		r = cg_write_u64_at(c->fd[i], "pids.max", lim->pids_max);
		if (r < 0)
			return r;
	}
	i = hier_of(m, CG_CTL_CPU);
	if (lim->cpu_percent && (m->limits & CGL_CPU)) {
		r = set_cpu(c->fd[i], lim->cpu_percent);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_attach(struct cgroup_exec *c, pid_t pid)
{
	for (size_t k = 0; k < c->m->nhier; k++) {
		/* cgroup.procs moves the whole thread group, unlike tasks. */
		int r = cg_write_pid_at(c->fd[k], "cgroup.procs", pid);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_usage(struct cgroup_exec *c, struct cgroup_usage *out)
{
	struct cgroup_manager *m = c->m;
	uint64_t v;
	int i, r;

	i = hier_of(m, CG_CTL_CPUACCT);
	if (i >= 0) {
		r = cg_read_u64_at(c->fd[i], "cpuacct.usage", &v);
		if (r < 0)
			return r;
		out->cpu_us = v / 1000;
	} else if ((i = hier_of(m, CG_CTL_CPU)) >= 0) {
		/* Without cpuacct, some kernels report usage in cpu.stat. */
		if (cg_read_keyed_at(c->fd[i], "cpu.stat", "usage_usec", &v) == 0)
			out->cpu_us = v;
	}

	i = hier_of(m, CG_CTL_MEMORY);
	r = cg_read_u64_at(c->fd[i], "memory.max_usage_in_bytes", &out->peak_memory_bytes);
	if (r < 0)
		return r;
	r = cg_read_keyed_at(c->fd[i], "memory.oom_control", "oom_kill", &out->oom_kills);
	if (r == -ENOENT) {
		/*
		 * "oom_kill" appeared in 4.13; before, failcnt (times the limit
		 * was hit) is the best hint, reported as one kill.  Delete when
		 * kernels < 4.13 no longer matter.
		 */
		r = cg_read_u64_at(c->fd[i], "memory.failcnt", &v);
		if (r < 0)
			return r;
		out->oom_kills = v > 0;
	} else if (r < 0) {
		return r;
	}
	return 0;
}

static int v1_kill(struct cgroup_exec *c)
{
	int ret = 0;

	/*
	 * Every hierarchy holds the same processes unless an attach failed
	 * half-way; sweeping each catches those too.
	 */
	for (size_t k = 0; k < c->m->nhier; k++) {
		int r = cg_kill_procs(c->fd[k]);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* A changed limit: memsw must never drop below the RAM limit, so the order depends on the direction. */
static int v1_set_memory(struct cgroup_exec *c, uint64_t bytes)
{
	int dfd = c->fd[hier_of(c->m, CG_CTL_MEMORY)];
	int r = cg_write_u64_at(dfd, "memory.limit_in_bytes", bytes);

	if (r == -EINVAL) {
		/* Raising above memsw: memsw first. */
		r = cg_write_u64_at(dfd, "memory.memsw.limit_in_bytes", bytes);
		if (r < 0)
			return r;
		return cg_write_u64_at(dfd, "memory.limit_in_bytes", bytes);
	}
	if (r < 0)
		return r;
	r = cg_write_u64_at(dfd, "memory.memsw.limit_in_bytes", bytes);
	return r == -ENOENT ? 0 : r;
}

const struct cgroup_ops cgroup_v1_ops = {
	.version = IPC_CGROUP_V1,
	.init = v1_init,
	.fini = v1_fini,
	.create = v1_create,
	.attach = v1_attach,
	.usage = v1_usage,
	.kill = v1_kill,
	.set_memory = v1_set_memory,
};
