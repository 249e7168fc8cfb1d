/*
 * Cgroup detection, the manager and execution objects both versions share,
 * the "none" backend and the dispatch through struct cgroup_ops.  Parsers
 * and file helpers live in cgroup_util.c.
 *
 * Invariants (see cgroup.h): we remove only directories we created (each
 * is recorded as an fd the moment mkdir succeeds), write limits only into
 * them, and never move a process other than the one handed to attach (v2's
 * init may move the caller itself, see cgroup_v2.c).  The backends are
 * reached only through m->ops and get the text of /proc/self/cgroup and
 * /proc/self/mountinfo read once here.
 */
#include "jail/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/proto.h"
#include "jail/cgroup_internal.h"

/* ----------------------------------------------------------- none backend */

static int none_init(_unused_ struct cgroup_manager *m, _unused_ const char *proc_cgroup,
		     _unused_ const char *mountinfo)
{
	return 0;
}

static void none_fini(_unused_ struct cgroup_manager *m)
{
}

static int none_create(_unused_ struct cgroup_exec *c, _unused_ const struct cgroup_limits *lim)
{
	return 0;
}

static int none_attach(_unused_ struct cgroup_exec *c, _unused_ pid_t pid)
{
	return 0;
}

static int none_usage(_unused_ struct cgroup_exec *c, struct cgroup_usage *out)
{
	*out = (struct cgroup_usage){ 0 };
	return 0;
}

static int none_kill(_unused_ struct cgroup_exec *c)
{
	return -ENOTSUP;
}

static const struct cgroup_ops cgroup_none_ops = {
	.version = IPC_CGROUP_NONE,
	.init = none_init,
	.fini = none_fini,
	.create = none_create,
	.attach = none_attach,
	.usage = none_usage,
	.kill = none_kill,
};

/* ---------------------------------------------------------------- manager */

static void manager_reset(struct cgroup_manager *m)
{
	m->ops = &cgroup_none_ops;
	m->limits = 0;
	m->nhier = 0;
	for (size_t i = 0; i < CG_MAX_HIER; i++)
		m->hier[i] = (struct cg_hier){ .own_fd = -1, .subtree_fd = -1 };
	m->orphans = NULL;
	m->norphans = 0;
	m->v2_enabled_in_own = 0;
	m->v2_moved_pid = 0;
	m->v2_leaf_fd = -1;
	m->v2_leaf_name = NULL;
}

/* Tries once (or with retries) to remove every orphan; drops those gone. */
static void reap_orphans(struct cgroup_manager *m, bool retry)
{
	struct cg_orphan **pp = &m->orphans;

	while (*pp) {
		struct cg_orphan *o = *pp;

		if (cg_rmdir_at(m->hier[o->hier].subtree_fd, o->name, retry) == 0) {
			*pp = o->next;
			free(o);
			m->norphans--;
		} else {
			pp = &o->next;
		}
	}
}

/* Releases fds and memory only: for a forked copy of the manager. */
static void manager_forget(struct cgroup_manager *m)
{
	while (m->orphans) {
		struct cg_orphan *o = m->orphans;
		m->orphans = o->next;
		free(o);
	}
	for (size_t i = 0; i < CG_MAX_HIER; i++) {
		cg_close(&m->hier[i].subtree_fd);
		cg_close(&m->hier[i].own_fd);
		free(m->hier[i].subtree_path);
	}
	cg_close(&m->v2_leaf_fd);
	free(m->v2_leaf_name);
}

/*
 * Undoes whatever init (complete or not) made, in reverse: execution
 * orphans, the subtrees, the backend's extra state, then the fds on the
 * daemon's own cgroups.  Leaves m as manager_reset() does.
 */
static void manager_teardown(struct cgroup_manager *m)
{
	reap_orphans(m, true);
	for (size_t i = CG_MAX_HIER; i-- > 0;) {
		struct cg_hier *h = &m->hier[i];

		if (h->subtree_fd >= 0) {
			cg_close(&h->subtree_fd);
			(void)!cg_rmdir_at(h->own_fd, m->name, true);
		}
	}
	m->ops->fini(m);
	/* Orphans still populated after the retries stay behind, forgotten. */
	manager_forget(m);
	manager_reset(m);
}

static int read_self(const char *file, char **out)
{
	return cg_read_at(AT_FDCWD, file, out);
}

/* Errors meaning "this version cannot be used here", for AUTO's fallback. */
static bool unusable(int r)
{
	return r == -ENOTSUP || r == -ENOENT || r == -EACCES || r == -EPERM || r == -EROFS ||
	       r == -EBUSY;
}

static int try_init(struct cgroup_manager *m, const struct cgroup_ops *ops, const char *pc,
		    const char *mi)
{
	int r;

	m->ops = ops;
	r = ops->init(m, pc, mi);
	if (r < 0)
		manager_teardown(m);
	return r;
}

int cgroup_manager_new(enum cgroup_want want, const char *name, struct cgroup_manager **out)
{
	_cleanup_free_ char *pc = NULL, *mi = NULL;
	struct cgroup_manager *m;
	int r;

	r = cg_name_check(name);
	if (r < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	manager_reset(m);
	m->owner = getpid();
	m->name = strdup(name);
	if (!m->name) {
		r = -ENOMEM;
		goto fail;
	}
	if (want == CGROUP_WANT_NONE)
		goto done;

	r = read_self("/proc/self/cgroup", &pc);
	if (r < 0)
		goto fail;
	r = read_self("/proc/self/mountinfo", &mi);
	if (r < 0)
		goto fail;

	switch (want) {
	case CGROUP_WANT_V2:
		r = try_init(m, &cgroup_v2_ops, pc, mi);
		break;
	case CGROUP_WANT_V1:
		r = try_init(m, &cgroup_v1_ops, pc, mi);
		break;
	case CGROUP_WANT_AUTO:
	default:
		r = try_init(m, &cgroup_v2_ops, pc, mi);
		if (r < 0 && unusable(r))
			r = try_init(m, &cgroup_v1_ops, pc, mi);
		if (r < 0 && unusable(r))
			r = 0; /* the none backend, left by the teardown */
		break;
	}
	if (r == -ENOENT)
		r = -ENOTSUP;
	if (r < 0)
		goto fail;
done:
	*out = m;
	return 0;
fail:
	free(m->name);
	free(m);
	return r;
}

int cgroup_manager_version(const struct cgroup_manager *m)
{
	return m->ops->version;
}

uint32_t cgroup_manager_limits(const struct cgroup_manager *m)
{
	return m->limits;
}

const char *cgroup_manager_path(const struct cgroup_manager *m)
{
	for (size_t i = 0; i < m->nhier; i++)
		if (m->hier[i].ctl & CG_CTL_MEMORY)
			return m->hier[i].subtree_path;
	return "";
}

const char *cgroup_manager_subtree(const struct cgroup_manager *m, size_t i)
{
	return i < m->nhier ? m->hier[i].subtree_path : NULL;
}

unsigned cgroup_manager_orphans(const struct cgroup_manager *m)
{
	return m->norphans;
}

void cgroup_manager_free(struct cgroup_manager *m)
{
	if (!m)
		return;
	if (getpid() == m->owner)
		manager_teardown(m);
	else
		manager_forget(m);
	free(m->name);
	free(m);
}

/* ------------------------------------------------------------- executions */

/*
 * Removes the execution's directories, last made first; with orphan, those
 * that stay are handed to the manager.
 */
static void exec_remove(struct cgroup_exec *c, bool retry, bool orphan)
{
	struct cgroup_manager *m = c->m;

	for (size_t i = CG_MAX_HIER; i-- > 0;) {
		struct cg_orphan *o;
		size_t nl;

		if (c->fd[i] < 0)
			continue;
		cg_close(&c->fd[i]);
		if (cg_rmdir_at(m->hier[i].subtree_fd, c->name, retry) == 0 || !orphan)
			continue;
		nl = strlen(c->name);
		o = malloc(sizeof(*o) + nl + 1);
		if (!o)
			continue; /* leaked directory; nothing better to do without memory */
		o->hier = i;
		memcpy(o->name, c->name, nl + 1);
		o->next = m->orphans;
		m->orphans = o;
		m->norphans++;
	}
}

int cgroup_exec_create(struct cgroup_manager *m, const char *name, const struct cgroup_limits *lim,
		       struct cgroup_exec **out)
{
	struct cgroup_exec *c;
	int r;

	r = cg_name_check(name);
	if (r < 0)
		return r;
	if (m->orphans)
		reap_orphans(m, false);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->m = m;
	for (size_t i = 0; i < CG_MAX_HIER; i++)
		c->fd[i] = -1;
	c->name = strdup(name);
	if (!c->name) {
		free(c);
		return -ENOMEM;
	}
	r = m->ops->create(c, lim);
	if (r < 0) {
		/* Fresh and empty, so removable at once; fail closed either way. */
		exec_remove(c, true, true);
		free(c->name);
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

static void r_close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int cgroup_exec_attach(struct cgroup_exec *c, pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	return c->m->ops->attach(c, pid);
}

int cgroup_exec_join_fds(struct cgroup_exec *c, int *fds, size_t max)
{
	/* v1: "tasks" moves one thread; v2 has no such file outside threaded cgroups. */
	const char *file = c->m->ops->version == IPC_CGROUP_V1 ? "tasks" : "cgroup.procs";
	size_t n = 0;

	for (size_t i = 0; i < CG_MAX_HIER; i++) {
		int fd;
		if (c->fd[i] < 0)
			continue;
		if (n == max) {
			r_close_all(fds, n);
			return -E2BIG;
		}
		fd = openat(c->fd[i], file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			int r = neg_errno();
			r_close_all(fds, n);
			return r;
		}
		fds[n++] = fd;
	}
	return (int)n;
}

int cgroup_join_self(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (write(fds[i], "0", 1) != 1)
			return neg_errno();
	return 0;
}

int cgroup_exec_usage(struct cgroup_exec *c, struct cgroup_usage *out)
{
	struct cgroup_usage u = { 0 };
	int r = c->m->ops->usage(c, &u);

	if (r < 0)
		return r;
	*out = u;
	return 0;
}

int cgroup_exec_set_memory(struct cgroup_exec *c, uint64_t bytes)
{
	if (!(c->m->limits & CGL_MEMORY) || !c->m->ops->set_memory || bytes == 0)
		return 0;
	return c->m->ops->set_memory(c, bytes);
}

int cgroup_exec_kill(struct cgroup_exec *c)
{
	return c->m->ops->kill(c);
}

void cgroup_exec_destroy(struct cgroup_exec *c)
{
	if (!c)
		return;
	if (getpid() == c->m->owner) {
		exec_remove(c, true, true);
	} else {
		for (size_t i = 0; i < CG_MAX_HIER; i++)
			cg_close(&c->fd[i]);
	}
	free(c->name);
	free(c);
}
