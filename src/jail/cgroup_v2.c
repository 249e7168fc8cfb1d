/*
 * cgroup v2 backend: one unified hierarchy.  The daemon's cgroup <own>
 * (from "0::/path") gets a child <own>/<name> (the subtree), and each
 * execution a leaf <own>/<name>/<exec>.
 *
 * A controller works in a child only if every ancestor lists it in
 * cgroup.subtree_control, so we enable memory, pids (and cpu when offered)
 * in <own> and in the subtree.  The "no internal processes" rule
 * (Documentation/admin-guide/cgroup-v2.rst) refuses that in a non-root
 * <own> that holds processes (EBUSY).  If the caller is the only process
 * there, it moves itself into a leaf <own>/<name>-daemon and retries; if
 * anyone else is there, v2 is not usable for us (we never move others).
 * At free, in this order: the subtree goes, the controllers we enabled in
 * <own> are disabled again (processes cannot enter a cgroup that has
 * controllers in subtree_control), the caller moves back, the leaf goes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "ipc/proto.h"
#include "jail/cgroup_internal.h"

/* Where the caller moves itself: <own>/<name>-daemon. */
#define V2_LEAF_SUFFIX "-daemon"

/* cpu.max period: the kernel's default, 100 ms. */
#define V2_CPU_PERIOD_US 100000u

static const struct {
	const char *name;
	uint32_t bit;
} v2_ctls[] = {
	{ "memory", CG_CTL_MEMORY },
	{ "pids", CG_CTL_PIDS },
	{ "cpu", CG_CTL_CPU },
};

/* "+memory +pids" (sign '+') or "-memory -pids" for the bits in mask. */
static void ctl_string(uint32_t mask, char sign, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(v2_ctls); k++) {
		int n;

		if (!(mask & v2_ctls[k].bit))
			continue;
		n = snprintf(buf + len, size - len, "%s%c%s", len ? " " : "", sign, v2_ctls[k].name);
		/* Cannot happen with the callers' 64 bytes; stop rather than overrun. */
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}

/* CG_CTL_* bits of the controllers named in a controllers-style list. */
static uint32_t ctl_mask(const char *list)
{
	uint32_t mask = 0;

	for (size_t k = 0; k < ARRAY_SIZE(v2_ctls); k++)
		if (cg_list_has(list, v2_ctls[k].name))
			mask |= v2_ctls[k].bit;
	return mask;
}

static int read_mask(int dfd, const char *file, uint32_t *out)
{
	_cleanup_free_ char *text = NULL;
	int r = cg_read_at(dfd, file, &text);

	if (r < 0)
		return r;
	*out = ctl_mask(text);
	return 0;
}

/* 0 if cgroup.procs of dfd lists only `self`; -EBUSY if anyone else. */
static int only_self(int dfd, pid_t self)
{
	_cleanup_free_ char *text = NULL;
	char want[24];
	int r;

	r = cg_read_at(dfd, "cgroup.procs", &text);
	if (r < 0)
		return r;
	(void)snprintf(want, sizeof(want), "%d\n", (int)self);
	return strcmp(text, want) == 0 ? 0 : -EBUSY;
}

/*
 * Moves the caller into <own>/<name>-daemon so that <own> holds no process
 * and may enable controllers.  Records the move before anything can fail
 * after it, so the teardown undoes exactly what happened.
 */
static int move_self_to_leaf(struct cgroup_manager *m, int own_fd)
{
	pid_t self = getpid();
	int r;

	r = only_self(own_fd, self);
	if (r < 0)
		return r;
	if (asprintf(&m->v2_leaf_name, "%s" V2_LEAF_SUFFIX, m->name) < 0) {
		m->v2_leaf_name = NULL;
		return -ENOMEM;
	}
	r = cg_mkdir_at(own_fd, m->v2_leaf_name);
	if (r < 0) {
		free(m->v2_leaf_name);
		m->v2_leaf_name = NULL;
		return r;
	}
	m->v2_leaf_fd = r;
	r = cg_write_pid_at(m->v2_leaf_fd, "cgroup.procs", self);
	if (r < 0)
		return r;
	m->v2_moved_pid = self;
	return 0;
}

static int v2_init(struct cgroup_manager *m, const char *pc, const char *mi)
{
	_cleanup_free_ char *own = NULL, *dir = NULL;
	struct cg_hier *h = &m->hier[0];
	size_t nl = strlen(m->name);
	uint32_t offered, enabled, want, missing;
	char *base;
	struct statfs sfs;
	char buf[64];
	int r;

	r = cg_parse_proc_cgroup(pc, NULL, &own);
	if (r < 0)
		return r == -ENOENT ? -ENOTSUP : r;
	/*
	 * Inside "<name>-daemon" a manager of this name already moved us:
	 * another would nest below it and move us again.
	 */
	base = strrchr(own, '/') + 1;
	if (strncmp(base, m->name, nl) == 0 && strcmp(base + nl, V2_LEAF_SUFFIX) == 0) {
		/*
		 * The supervisor moved the whole daemon into this leaf before
		 * forking (supervisor.c, adopt_leaf): the cgroup to manage is
		 * its parent, which now holds no process.  The supervisor, not
		 * this manager, owns the leaf.
		 */
		if (base - 1 == own)
			base[0] = '\0';
		else
			base[-1] = '\0';
	}
	r = cg_parse_mountinfo(mi, NULL, own, &dir);
	if (r < 0)
		return r == -ENOENT ? -ENOTSUP : r;
	r = cg_open_dir(dir);
	if (r < 0)
		return r;
	h->own_fd = r;
	m->nhier = 1;
	if (asprintf(&h->subtree_path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, m->name) < 0) {
		h->subtree_path = NULL;
		return -ENOMEM;
	}
	if (fstatfs(h->own_fd, &sfs) < 0)
		return neg_errno();
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTSUP;

	/*
	 * cgroup.controllers of <own>: what its parent lets it hand down.  On
	 * a hybrid host the unified mount usually offers none of ours.
	 */
	r = read_mask(h->own_fd, "cgroup.controllers", &offered);
	if (r < 0)
		return r;
	if ((offered & (CG_CTL_MEMORY | CG_CTL_PIDS)) != (CG_CTL_MEMORY | CG_CTL_PIDS))
		return -ENOTSUP;
	want = offered;

	r = read_mask(h->own_fd, "cgroup.subtree_control", &enabled);
	if (r < 0)
		return r;
	missing = want & ~enabled;
	if (missing) {
		ctl_string(missing, '+', buf, sizeof(buf));
		r = cg_write_at(h->own_fd, "cgroup.subtree_control", buf);
		if (r == -EBUSY) {
			r = move_self_to_leaf(m, h->own_fd);
			if (r < 0)
				return r;
			r = cg_write_at(h->own_fd, "cgroup.subtree_control", buf);
		}
		if (r < 0)
			return r;
		m->v2_enabled_in_own = missing;
	}

	r = cg_mkdir_at(h->own_fd, m->name);
	if (r < 0)
		return r;
	h->subtree_fd = r;
	ctl_string(want, '+', buf, sizeof(buf));
	r = cg_write_at(h->subtree_fd, "cgroup.subtree_control", buf);
	if (r < 0)
		return r;

	h->ctl = want;
	m->limits = CGL_MEMORY | CGL_PIDS;
	if (want & CG_CTL_CPU)
		m->limits |= CGL_CPU;
	return 0;
}

/* Runs after the common teardown removed the subtree; see the file comment for the order. */
static void v2_fini(struct cgroup_manager *m)
{
	int own_fd = m->hier[0].own_fd;
	char buf[64];
	bool back = m->v2_moved_pid <= 0;

	if (own_fd < 0)
		return;
	if (m->v2_enabled_in_own) {
		ctl_string(m->v2_enabled_in_own, '-', buf, sizeof(buf));
		/* Fails if someone else's child now delegates them: then stay put. */
		if (cg_write_at(own_fd, "cgroup.subtree_control", buf) == 0)
			m->v2_enabled_in_own = 0;
	}
	if (m->v2_moved_pid > 0 && m->v2_enabled_in_own == 0) {
		back = cg_write_pid_at(own_fd, "cgroup.procs", m->v2_moved_pid) == 0;
	}
	if (m->v2_leaf_fd >= 0) {
		cg_close(&m->v2_leaf_fd);
		/* Still populated (we could not move back, or our children are there): leave it. */
		if (back)
			(void)!cg_rmdir_at(own_fd, m->v2_leaf_name, true);
	}
}

static int v2_create(struct cgroup_exec *c, const struct cgroup_limits *lim)
{
	struct cgroup_manager *m = c->m;
	int dfd, r;

	r = cg_mkdir_at(m->hier[0].subtree_fd, c->name);
	if (r < 0)
		return r;
	c->fd[0] = dfd = r;

	if (lim->memory_bytes && (m->limits & CGL_MEMORY)) {
		r = cg_write_u64_at(dfd, "memory.max", lim->memory_bytes);
		if (r < 0)
			return r;
		/* Absent without swap accounting (CONFIG_MEMCG_SWAP / swapaccount=0). */
		r = cg_write_at(dfd, "memory.swap.max", "0");
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (lim->pids_max && (m->limits & CGL_PIDS)) {
		r = cg_write_u64_at(dfd, "pids.max", lim->pids_max);
		if (r < 0)
			return r;
	}
	if (lim->cpu_percent && (m->limits & CGL_CPU)) {
		uint64_t quota = (uint64_t)V2_CPU_PERIOD_US * lim->cpu_percent / 100;
		char buf[48];

		/* The kernel's minimum quota is 1 ms. */
		if (quota < 1000)
			quota = 1000;
		(void)snprintf(buf, sizeof(buf), "%" PRIu64 " %u", quota, V2_CPU_PERIOD_US);
		r = cg_write_at(dfd, "cpu.max", buf);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_attach(struct cgroup_exec *c, pid_t pid)
{
	return cg_write_pid_at(c->fd[0], "cgroup.procs", pid);
}

static int v2_usage(struct cgroup_exec *c, struct cgroup_usage *out)
{
	int dfd = c->fd[0], r;

	/* cpu.stat is a core file: present even without the cpu controller. */
	r = cg_read_keyed_at(dfd, "cpu.stat", "usage_usec", &out->cpu_us);
	if (r < 0)
		return r;
	/* memory.peak is 5.19+; before that there is no peak: report 0. */
	r = cg_read_u64_at(dfd, "memory.peak", &out->peak_memory_bytes);
	if (r < 0 && r != -ENOENT)
		return r;
	r = cg_read_keyed_at(dfd, "memory.events", "oom_kill", &out->oom_kills);
	if (r < 0 && r != -ENOENT)
		return r;
	return 0;
}

static int v2_kill(struct cgroup_exec *c)
{
	/*
	 * cgroup.kill (5.14) kills atomically, racing forks included, but
	 * returns before the processes have exited; the loop then waits
	 * (bounded) until cgroup.procs is empty, so that destroy can follow.
	 * Without cgroup.kill the loop does the killing too: delete that
	 * fallback when kernels < 5.14 no longer matter.
	 */
	int r = cg_write_at(c->fd[0], "cgroup.kill", "1");

	if (r < 0 && r != -ENOENT)
		return r;
	return cg_kill_procs(c->fd[0]);
}

static int v2_set_memory(struct cgroup_exec *c, uint64_t bytes)
{
	return cg_write_u64_at(c->fd[0], "memory.max", bytes);
}

const struct cgroup_ops cgroup_v2_ops = {
	.version = IPC_CGROUP_V2,
	.init = v2_init,
	.fini = v2_fini,
	.create = v2_create,
	.attach = v2_attach,
	.usage = v2_usage,
	.kill = v2_kill,
	.set_memory = v2_set_memory,
};
