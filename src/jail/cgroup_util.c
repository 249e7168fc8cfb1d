/*
 * The cgroup module's helpers shared by both backends: pure parsers of
 * /proc/self/cgroup, mountinfo and control-file text (unit-tested on
 * sample text), control-file reads and writes relative to directory fds,
 * mkdir/rmdir of exactly the names we create, and the SIGKILL loop.
 *
 * Nothing here logs or keeps state; every function returns 0 or -errno and
 * leaves its outputs untouched on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jail/cgroup_internal.h"

/*
 * Control files are small; cgroup.procs of the daemon's own cgroup and
 * mountinfo on a busy host are the largest things read here.
 */
#define CG_READ_MAX (4u << 20)

/* rmdir retries: ~5 ms in total, for processes still finishing their exit. */
#define RMDIR_TRIES 20
#define RMDIR_WAIT_NS 250000L

/*
 * Kill loop bound: each round signals everything listed, then waits 1 ms
 * for the killed to leave; pids.max bounds how many can appear per round.
 */
#define KILL_ROUNDS 200
#define KILL_WAIT_NS 1000000L

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void cg_close(int *fd)
{
	closep(fd);
}

/* ---------------------------------------------------------------- parsers */

static bool is_sep(char ch)
{
	return ch == ' ' || ch == ',' || ch == '\n' || ch == '\t';
}

/* cg_list_has() on the range [p, end). */
static bool list_has_range(const char *p, const char *end, const char *word)
{
	size_t wl = strlen(word);

	if (wl == 0)
		return false;
	while (p < end) {
		const char *start;

		while (p < end && is_sep(*p))
			p++;
		start = p;
		while (p < end && !is_sep(*p))
			p++;
		if ((size_t)(p - start) == wl && memcmp(start, word, wl) == 0)
			return true;
	}
	return false;
}

bool cg_list_has(const char *list, const char *word)
{
	return list_has_range(list, list + strlen(list), word);
}

/* A cgroup path we can map to a directory: absolute, no "." or ".." part. */
static bool path_plain(const char *path)
{
	const char *p = path;

	if (path[0] != '/')
		return false;
	while (*p) {
		const char *start;
		size_t len;

		while (*p == '/')
			p++;
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if ((len == 1 && start[0] == '.') || (len == 2 && start[0] == '.' && start[1] == '.'))
			return false;
	}
	return true;
}

/* Copies [s, e) into a new string. */
static char *dup_range(const char *s, const char *e)
{
	size_t len = (size_t)(e - s);
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

int cg_parse_proc_cgroup(const char *text, const char *ctl, char **path)
{
	const char *line = text;

	while (*line) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		bool match = false;

		if (c2) {
			if (!ctl) {
				/* "0::/path": hierarchy 0 with an empty controller list. */
				match = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
			} else {
				match = list_has_range(c1 + 1, c2, ctl);
			}
		}
		if (match) {
			/* The path is the rest of the line: cgroup names may hold ':'. */
			char *p = dup_range(c2 + 1, eol);
			if (!p)
				return -ENOMEM;
			if (!path_plain(p)) {
				free(p);
				return -ENOTSUP;
			}
			*path = p;
			return 0;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

/* Undoes mountinfo's octal escapes (\040 for space, \011, \012, \134) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Splits a line (modified in place) into whitespace-separated fields. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	return n;
}

/*
 * If root (a mount's root inside its hierarchy) is own or an ancestor of
 * it, the part of own below root ("" when equal); else NULL.
 */
static const char *below_root(const char *root, const char *own)
{
	size_t rl = strlen(root);

	if (strcmp(root, "/") == 0)
		return own;
	if (strncmp(own, root, rl) != 0)
		return NULL;
	if (own[rl] == '\0' || own[rl] == '/')
		return own + rl;
	return NULL;
}

int cg_parse_mountinfo(const char *text, const char *ctl, const char *own_path, char **dir)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_free_ char *best = NULL;
	bool mounted = false;
	char *save = NULL;

	if (!path_plain(own_path))
		return -ENOTSUP;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/*
		 * "id parent maj:min root mountpoint opts [optional...] - fstype
		 * source superopts": optional fields vary, so find the "-".
		 */
		char *f[64];
		size_t n = split_fields(line, f, ARRAY_SIZE(f));
		size_t dash = 6;
		const char *rest;
		char *mp;
		size_t mpl;

		while (dash < n && strcmp(f[dash], "-") != 0)
			dash++;
		if (dash + 3 >= n)
			continue;
		if (ctl) {
			if (strcmp(f[dash + 1], "cgroup") != 0 || !cg_list_has(f[dash + 3], ctl))
				continue;
		} else if (strcmp(f[dash + 1], "cgroup2") != 0) {
			continue;
		}
		mounted = true;
		unescape_octal(f[3]);
		unescape_octal(f[4]);
		rest = below_root(f[3], own_path);
		if (!rest)
			continue;
		mp = f[4];
		mpl = strlen(mp);
		/* "/" + "/a" must give "/a", not "//a". */
		if (mpl > 0 && mp[mpl - 1] == '/')
			mp[--mpl] = '\0';
		if (strcmp(rest, "/") == 0)
			rest = "";
		/*
		 * The last match wins: a later mount on the same place hides an
		 * earlier one, and mountinfo lists mounts in the order made.
		 */
		free(best);
		best = NULL;
		if (asprintf(&best, "%s%s", mpl ? mp : (rest[0] ? "" : "/"), rest) < 0) {
			best = NULL;
			return -ENOMEM;
		}
	}
	if (!best)
		return mounted ? -ENOTSUP : -ENOENT;
	*dir = TAKE_PTR(best);
	return 0;
}

/*
 * A decimal number filling [p, end) but for one optional final newline.
 * The caller guarantees that the text goes on to a NUL or '\n' at end.
 */
static int parse_u64_range(const char *p, const char *end, uint64_t *out)
{
	char *stop = NULL;
	unsigned long long v;

	/* strtoull would accept a sign or leading blanks. */
	if (p >= end || *p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &stop, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (stop < end && *stop == '\n' && stop + 1 == end)
		stop++;
	if (stop != end)
		return -EINVAL;
	*out = v;
	return 0;
}

int cg_parse_u64(const char *text, uint64_t *out)
{
	return parse_u64_range(text, text + strlen(text), out);
}

int cg_parse_keyed(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	const char *line = text;

	while (*line) {
		const char *eol = strchrnul(line, '\n');

		if ((size_t)(eol - line) > kl && strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return parse_u64_range(line + kl + 1, eol, out);
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

int cg_name_check(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX)
		return -EINVAL;
	if (strchr(name, '/') || strstr(name, "..") || strcmp(name, ".") == 0)
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	return 0;
}

/* ----------------------------------------------------------- file helpers */

int cg_read_at(int dfd, const char *file, char **out)
{
	/*
	 * Control files and /proc files: read-only, close-on-exec, no
	 * follow of a symlink (a cgroup directory never holds one).
	 */
	_cleanup_close_ int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return neg_errno();
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb;

			if (cap >= CG_READ_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}

int cg_write_at(int dfd, const char *file, const char *value)
{
	/* A control file of a cgroup we created (or own's subtree_control / procs). */
	_cleanup_close_ int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return neg_errno();
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return neg_errno();
	/* A partial write would be a partly applied limit. */
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int cg_write_u64_at(int dfd, const char *file, uint64_t v)
{
	char buf[24]; /* 20 digits of UINT64_MAX */

	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_write_at(dfd, file, buf);
}

int cg_write_pid_at(int dfd, const char *file, pid_t pid)
{
	return cg_write_u64_at(dfd, file, (uint64_t)pid);
}

int cg_read_u64_at(int dfd, const char *file, uint64_t *out)
{
	_cleanup_free_ char *text = NULL;
	int r = cg_read_at(dfd, file, &text);

	if (r < 0)
		return r;
	return cg_parse_u64(text, out);
}

int cg_read_keyed_at(int dfd, const char *file, const char *key, uint64_t *out)
{
	_cleanup_free_ char *text = NULL;
	int r = cg_read_at(dfd, file, &text);

	if (r < 0)
		return r;
	return cg_parse_keyed(text, key, out);
}

int cg_exists_at(int dfd, const char *file)
{
	struct stat st;

	if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return neg_errno();
	return 0;
}

int cg_open_dir(const char *path)
{
	/*
	 * A cgroup directory found through mountinfo, held as O_PATH: it is
	 * only ever a base for *at() calls, never read itself.
	 */
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	return fd;
}

int cg_open_dir_at(int dfd, const char *name)
{
	/* A directory we just created; O_NOFOLLOW as it cannot be a link. */
	int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return neg_errno();
	return fd;
}

int cg_mkdir_at(int dfd, const char *name)
{
	int fd, r;

	/* EEXIST is an error: a directory we did not create is not ours to use. */
	if (mkdirat(dfd, name, 0755) < 0)
		return neg_errno();
	fd = cg_open_dir_at(dfd, name);
	if (fd < 0) {
		r = fd;
		(void)!cg_rmdir_at(dfd, name, false);
		return r;
	}
	return fd;
}

int cg_rmdir_at(int dfd, const char *name, bool retry)
{
	for (int i = 0;; i++) {
		int r;

		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
			return 0;
		r = neg_errno();
		if (r == -ENOENT)
			return 0;
		if (r != -EBUSY || !retry || i + 1 >= RMDIR_TRIES)
			return r;
		sleep_ns(RMDIR_WAIT_NS);
	}
}

/* The pids listed in dfd's cgroup.procs (malloc'd array, may be empty). */
static int read_pids(int dfd, pid_t **out, size_t *n_out)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	char *p;
	int r;

	r = cg_read_at(dfd, "cgroup.procs", &text);
	if (r < 0)
		return r;
	p = text;
	while (*p) {
		char *end = NULL;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno != 0 || v < 0 || v > INT_MAX || (*end != '\n' && *end != '\0'))
			return -EBADMSG;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			pid_t *np = reallocarray(pids, ncap, sizeof(*np));
			if (!np)
				return -ENOMEM;
			pids = np;
			cap = ncap;
		}
		pids[n++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	*out = TAKE_PTR(pids);
	*n_out = n;
	return 0;
}

static bool pid_listed(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/*
 * Signals every pid of `pids` that is still in the cgroup.  A pid read from
 * cgroup.procs may be reused by an unrelated process before kill(2) runs,
 * so: take a pidfd for each (which pins whatever process holds the pid
 * now), re-read cgroup.procs, and signal only pidfds whose pid is still
 * listed.  If the pinned process is alive it holds that pid, so it is the
 * one in the cgroup; if it died, the signal fails harmlessly with ESRCH.
 */
static int kill_listed(int dfd, const pid_t *pids, size_t n)
{
	_cleanup_free_ int *pidfds = calloc(n, sizeof(int));
	_cleanup_free_ pid_t *again = NULL;
	size_t nagain = 0;
	pid_t self = getpid();
	bool legacy = false;
	int r;

	if (!pidfds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		pidfds[i] = -1;
		/* pid 0: a process of a pid namespace we cannot see; nothing to signal. */
		if (pids[i] <= 0 || pids[i] == self || legacy)
			continue;
		pidfds[i] = sys_pidfd_open(pids[i]);
		/* pidfd_open is Linux 5.3; delete this fallback when older kernels go. */
		if (pidfds[i] < 0 && errno == ENOSYS)
			legacy = true;
	}
	if (legacy) {
		for (size_t i = 0; i < n; i++) {
			cg_close(&pidfds[i]);
			if (pids[i] > 0 && pids[i] != self)
				(void)kill(pids[i], SIGKILL);
		}
		return 0;
	}
	r = read_pids(dfd, &again, &nagain);
	for (size_t i = 0; i < n; i++) {
		if (r >= 0 && pidfds[i] >= 0 && pid_listed(again, nagain, pids[i]))
			(void)sys_pidfd_send_signal(pidfds[i], SIGKILL);
		cg_close(&pidfds[i]);
	}
	return r < 0 ? r : 0;
}

int cg_kill_procs(int dfd)
{
	for (int round = 0; round < KILL_ROUNDS; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r;

		r = read_pids(dfd, &pids, &n);
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		r = kill_listed(dfd, pids, n);
		if (r < 0)
			return r;
		/* The killed stay listed until they have exited. */
		sleep_ns(KILL_WAIT_NS);
	}
	return -EBUSY;
}
