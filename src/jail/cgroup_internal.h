/*
 * Shared between cgroup.c (detection, common part, dispatch),
 * cgroup_util.c (parsers, file helpers) and the two backends cgroup_v1.c
 * and cgroup_v2.c; not for other modules, except the unit test, which
 * calls the pure parsers on sample text.
 *
 * Directories are held as O_PATH directory fds, and every control file is
 * opened relative to one: paths are resolved once, at creation, so a long
 * path only matters to the initial open, and removal is an unlinkat() on the
 * parent fd of exactly the name we created.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jail/cgroup.h"
#include "util/macros.h"

/* Controllers as this module uses them (v1 hierarchies may carry several). */
enum {
	CG_CTL_MEMORY = 1u << 0,
	CG_CTL_PIDS = 1u << 1,
	CG_CTL_CPU = 1u << 2,
	CG_CTL_CPUACCT = 1u << 3, /* v1 only: v2 accounts CPU in cpu.stat always */
};

/* One per v1 hierarchy used (memory, pids, cpu, cpuacct: at most four). */
#define CG_MAX_HIER 4

struct cg_hier {
	uint32_t ctl;      /* CG_CTL_* bits served by this hierarchy */
	int own_fd;        /* the daemon's own cgroup: parent of the subtree */
	int subtree_fd;    /* <own>/<name>, created by us */
	char *subtree_path;
};

/* An execution directory destroy could not remove: hier index + name. */
struct cg_orphan {
	struct cg_orphan *next;
	size_t hier;
	char name[];
};

struct cgroup_ops;

struct cgroup_manager {
	const struct cgroup_ops *ops;
	uint32_t limits; /* CGL_* */
	char *name;
	/*
	 * The process that made the directories; in any other (a fork that
	 * frees its copy) free and destroy only release memory and fds.
	 */
	pid_t owner;
	size_t nhier; /* 0 for none; 1 for v2 */
	struct cg_hier hier[CG_MAX_HIER];
	struct cg_orphan *orphans;
	unsigned norphans;
	/* v2 only */
	uint32_t v2_enabled_in_own; /* CG_CTL_* we added to <own>/cgroup.subtree_control */
	pid_t v2_moved_pid;         /* > 0: we moved it into <own>/<name>-daemon */
	int v2_leaf_fd;             /* that leaf, -1 if none */
	char *v2_leaf_name;
};

struct cgroup_exec {
	struct cgroup_manager *m;
	char *name;
	int fd[CG_MAX_HIER]; /* per m->hier[i]: our directory, -1 when not made */
};

/*
 * The backend table.  init fills m->hier/nhier/limits (and the v2 fields)
 * or returns -errno having undone everything; create makes c->fd[] and
 * writes limits, leaving whatever it made in c->fd[] for the common code to
 * remove on failure.
 */
struct cgroup_ops {
	int version; /* IPC_CGROUP_* */
	int (*init)(struct cgroup_manager *m, const char *proc_cgroup, const char *mountinfo);
	void (*fini)(struct cgroup_manager *m);
	int (*create)(struct cgroup_exec *c, const struct cgroup_limits *lim);
	int (*attach)(struct cgroup_exec *c, pid_t pid);
	int (*usage)(struct cgroup_exec *c, struct cgroup_usage *out);
	int (*kill)(struct cgroup_exec *c);
	int (*set_memory)(struct cgroup_exec *c, uint64_t bytes);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* ---- cgroup_util.c: pure parsers (unit-tested on sample text) ---- */

/*
 * True if word occurs in list as a whole item; items are separated by
 * spaces, commas or newlines ("cpu" is not in "cpuacct,cpuset").
 */
bool cg_list_has(const char *list, const char *word);

/*
 * The daemon's cgroup path from /proc/self/cgroup text: for ctl (a v1
 * controller name) the line whose controller list holds it, for ctl NULL
 * the v2 line "0::/path".  *path is malloc'd.  -ENOENT if no such line,
 * -ENOTSUP if the path is not absolute (e.g. "/../x" outside our cgroup
 * namespace, which we cannot resolve to a directory).
 */
int cg_parse_proc_cgroup(const char *text, const char *ctl, char **path) _wur_;

/*
 * The directory of cgroup own_path from /proc/self/mountinfo text: a mount
 * of type "cgroup" whose super options hold ctl, or of type "cgroup2" for
 * ctl NULL, whose root is own_path or an ancestor of it; the result is the
 * mount point plus the rest of own_path (malloc'd).  -ENOENT if the
 * hierarchy is not mounted, -ENOTSUP if no mount of it shows own_path.
 */
int cg_parse_mountinfo(const char *text, const char *ctl, const char *own_path, char **dir) _wur_;

/*
 * The value of `key` in "key value" lines (memory.events, cpu.stat,
 * memory.oom_control).  -ENOENT if absent, -EINVAL if not a number.
 */
int cg_parse_keyed(const char *text, const char *key, uint64_t *out) _wur_;

/* A single unsigned number, optionally newline-terminated. */
int cg_parse_u64(const char *text, uint64_t *out) _wur_;

/* 0 if name is one path component we may create: no '/', no "..". */
int cg_name_check(const char *name) _wur_;

/* ---- cgroup_util.c: file helpers (relative to a directory fd) ---- */

/* Whole content of a control file, NUL-terminated, malloc'd; capped. */
int cg_read_at(int dfd, const char *file, char **out) _wur_;
/* One write(2) of value: cgroup files take a value per write. */
int cg_write_at(int dfd, const char *file, const char *value) _wur_;
int cg_write_u64_at(int dfd, const char *file, uint64_t v) _wur_;
/* Writes a pid (cgroup.procs); pid > 0. */
int cg_write_pid_at(int dfd, const char *file, pid_t pid) _wur_;
int cg_read_u64_at(int dfd, const char *file, uint64_t *out) _wur_;
int cg_read_keyed_at(int dfd, const char *file, const char *key, uint64_t *out) _wur_;
/* 0 if file exists in dfd, -ENOENT if not, other -errno. */
int cg_exists_at(int dfd, const char *file) _wur_;

/* An O_PATH directory fd for an absolute path, or for name below dfd. */
int cg_open_dir(const char *path) _wur_;
int cg_open_dir_at(int dfd, const char *name) _wur_;

/*
 * mkdir name below dfd and open it; -EEXIST if it exists (never adopted).
 * On failure after the mkdir the directory is removed again.
 */
int cg_mkdir_at(int dfd, const char *name) _wur_;

/*
 * rmdir name below dfd; with retry, waits out EBUSY for a few ms (killed
 * processes leave the cgroup when they finish exiting).  ENOENT is success.
 */
int cg_rmdir_at(int dfd, const char *name, bool retry) _wur_;

/* SIGKILL loop over dfd's cgroup.procs until it is empty (bounded). */
int cg_kill_procs(int dfd) _wur_;

void cg_close(int *fd);
