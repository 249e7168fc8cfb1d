/*
 * Unit test of the cgroup module.
 *
 * Part one runs anywhere: the pure parsers of /proc/self/cgroup and
 * /proc/self/mountinfo on sample text from v1, hybrid and pure-v2 hosts
 * (so the v2 path's detection is checked on a v1-only machine), and the
 * "none" backend.
 *
 * Part two needs root and a usable controller: it creates a real manager
 * and execution cgroups, attaches forked children, and checks that the
 * memory limit OOM-kills, the pids limit stops forks, the CPU limit
 * throttles, usage is read, kill empties the cgroup, and that every
 * directory made is gone afterwards (and that nothing else was touched:
 * a second manager of the same name fails without harming the first).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc/proto.h"
#include "jail/cgroup.h"
#include "jail/cgroup_internal.h"
#include "tap.h"

/* ------------------------------------------------------------ sample text */

/* This host (cgroup v1 plus an empty unified mount). */
static const char host_proc_cgroup[] = "9:name=systemd:/\n"
				       "8:pids:/\n"
				       "7:blkio:/\n"
				       "4:memory:/process_api/c983b3ff41b3cc226bba7ec0a14cb3bc\n"
				       "3:cpuset:/\n"
				       "2:cpuacct:/\n"
				       "1:cpu:/\n"
				       "0::/\n";

static const char host_mountinfo[] =
	"22 1 0:20 / / rw,relatime - overlay overlay rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A systemd host on v1 with cpu and cpuacct mounted together. */
static const char joined_proc_cgroup[] = "11:cpu,cpuacct:/system.slice/pyexec.service\n"
					 "6:memory:/system.slice/pyexec.service\n"
					 "5:pids:/system.slice/pyexec.service\n"
					 "1:name=systemd:/system.slice/pyexec.service\n"
					 "0::/system.slice/pyexec.service\n";

static const char joined_mountinfo[] =
	"25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
	"cgroup2 rw,nsdelegate\n"
	"30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
	"cgroup rw,cpu,cpuacct\n"
	"31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
	"cgroup rw,memory\n"
	"32 25 0:29 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:16 - cgroup "
	"cgroup rw,cpuset\n";

/* A pure v2 host (systemd's default), as the qemu guest will be. */
static const char v2_proc_cgroup[] = "0::/system.slice/pyexec.service\n";
static const char v2_mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"24 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 master:1 - cgroup2 "
	"cgroup2 rw,nsdelegate,memory_recursiveprot\n";

/* A container without a cgroup namespace: the mount's root is a subdirectory. */
static const char docker_mountinfo[] =
	"700 690 0:29 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"
	"701 690 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

/* ---------------------------------------------------------- parser tests */

static void test_list_has(void)
{
	CHECK(cg_list_has("rw,cpu,cpuacct", "cpu"), "list: cpu in rw,cpu,cpuacct");
	CHECK(cg_list_has("rw,cpu,cpuacct", "cpuacct"), "list: cpuacct in rw,cpu,cpuacct");
	CHECK(!cg_list_has("rw,cpuacct", "cpu"), "list: cpu is not a prefix match of cpuacct");
	CHECK(!cg_list_has("rw,cpuset", "cpu"), "list: cpu is not in cpuset");
	CHECK(cg_list_has("cpuset cpu io memory hugetlb pids\n", "pids"),
	      "list: space-separated with newline");
	CHECK(!cg_list_has("hugetlb\n", "memory"), "list: memory not in hugetlb");
	CHECK(!cg_list_has("rw,name=systemd", "systemd"), "list: name=systemd is not systemd");
	CHECK(!cg_list_has("", "memory"), "list: empty");
	CHECK(!cg_list_has("a,b", ""), "list: empty word never matches");
}

static void check_proc(const char *text, const char *ctl, int want_r, const char *want_path,
		       const char *what)
{
	char *path = (char *)"untouched";
	int r = cg_parse_proc_cgroup(text, ctl, &path);

	CHECK_EQ_INT(r, want_r, what);
	if (want_r == 0)
		CHECK_EQ_STR(path, want_path, what);
	else
		CHECK_EQ_STR(path, "untouched", "output untouched on failure");
	if (r == 0)
		free(path);
}

static void test_proc_cgroup(void)
{
	check_proc(host_proc_cgroup, "memory", 0, "/process_api/c983b3ff41b3cc226bba7ec0a14cb3bc",
		   "proc: host memory");
	check_proc(host_proc_cgroup, "pids", 0, "/", "proc: host pids");
	check_proc(host_proc_cgroup, "cpu", 0, "/", "proc: host cpu (not cpuacct's line)");
	check_proc(host_proc_cgroup, NULL, 0, "/", "proc: host v2 line");
	check_proc(host_proc_cgroup, "hugetlb", -ENOENT, NULL, "proc: absent controller");
	check_proc(host_proc_cgroup, "systemd", -ENOENT, NULL, "proc: name=systemd is not systemd");
	check_proc(joined_proc_cgroup, "cpuacct", 0, "/system.slice/pyexec.service",
		   "proc: joined cpu,cpuacct");
	check_proc(v2_proc_cgroup, NULL, 0, "/system.slice/pyexec.service", "proc: pure v2");
	check_proc(v2_proc_cgroup, "memory", -ENOENT, NULL, "proc: no v1 line on pure v2");
	check_proc("4:memory:/a\n", NULL, -ENOENT, NULL, "proc: no v2 line on pure v1");
	check_proc("0::/../../elsewhere\n", NULL, -ENOTSUP, NULL,
		   "proc: outside our cgroup namespace");
	check_proc("0::/a:b\n", NULL, 0, "/a:b", "proc: ':' inside the path");
	check_proc("0::/last", NULL, 0, "/last", "proc: no final newline");
	check_proc("", NULL, -ENOENT, NULL, "proc: empty");
	check_proc("garbage\n1:x\n", "x", -ENOENT, NULL, "proc: malformed lines ignored");
}

static void check_mi(const char *text, const char *ctl, const char *own, int want_r,
		     const char *want_dir, const char *what)
{
	char *dir = (char *)"untouched";
	int r = cg_parse_mountinfo(text, ctl, own, &dir);

	CHECK_EQ_INT(r, want_r, what);
	if (want_r == 0)
		CHECK_EQ_STR(dir, want_dir, what);
	else
		CHECK_EQ_STR(dir, "untouched", "output untouched on failure");
	if (r == 0)
		free(dir);
}

static void test_mountinfo(void)
{
	check_mi(host_mountinfo, "memory", "/process_api/c983", 0,
		 "/sys/fs/cgroup/memory/process_api/c983", "mi: host memory");
	check_mi(host_mountinfo, "pids", "/", 0, "/sys/fs/cgroup/pids", "mi: host pids at root");
	check_mi(host_mountinfo, "cpu", "/", 0, "/sys/fs/cgroup/cpu", "mi: host cpu, not cpuacct");
	check_mi(host_mountinfo, "cpuacct", "/", 0, "/sys/fs/cgroup/cpuacct", "mi: host cpuacct");
	check_mi(host_mountinfo, NULL, "/", 0, "/sys/fs/cgroup/unified", "mi: host unified");
	check_mi(host_mountinfo, "hugetlb", "/", -ENOENT, NULL, "mi: unmounted controller");
	check_mi(host_mountinfo, "systemd", "/", -ENOENT, NULL, "mi: name=systemd is not systemd");

	check_mi(joined_mountinfo, "cpu", "/system.slice/pyexec.service", 0,
		 "/sys/fs/cgroup/cpu,cpuacct/system.slice/pyexec.service", "mi: joined cpu");
	check_mi(joined_mountinfo, "cpuacct", "/system.slice/pyexec.service", 0,
		 "/sys/fs/cgroup/cpu,cpuacct/system.slice/pyexec.service", "mi: joined cpuacct");
	check_mi(joined_mountinfo, "pids", "/", -ENOENT, NULL, "mi: joined host has no pids");

	check_mi(v2_mountinfo, NULL, "/system.slice/pyexec.service", 0,
		 "/sys/fs/cgroup/system.slice/pyexec.service", "mi: pure v2");
	check_mi(v2_mountinfo, NULL, "/", 0, "/sys/fs/cgroup", "mi: pure v2 root");
	check_mi(v2_mountinfo, "memory", "/", -ENOENT, NULL, "mi: pure v2 has no v1 memory");

	check_mi(docker_mountinfo, "memory", "/docker/abc", 0, "/sys/fs/cgroup/memory",
		 "mi: bind root equal to own");
	check_mi(docker_mountinfo, "memory", "/docker/abc/sub", 0, "/sys/fs/cgroup/memory/sub",
		 "mi: own below the bind root");
	check_mi(docker_mountinfo, "memory", "/docker/abcdef", -ENOTSUP, NULL,
		 "mi: a name prefix is not a path prefix");
	check_mi(docker_mountinfo, "memory", "/other", -ENOTSUP, NULL,
		 "mi: own outside every mount of it");
	check_mi(docker_mountinfo, NULL, "/docker/abc/x", 0, "/sys/fs/cgroup/x",
		 "mi: v2 bind root");
	check_mi(docker_mountinfo, NULL, "/docker/../etc", -ENOTSUP, NULL, "mi: '..' refused");

	check_mi("40 31 0:38 / /mnt/my\\040cg rw - cgroup2 none rw\n", NULL, "/x", 0,
		 "/mnt/my cg/x", "mi: octal escape in mount point");
	check_mi("40 31 0:38 / /a rw - cgroup2 none rw\n"
		 "41 31 0:38 / /b rw - cgroup2 none rw\n",
		 NULL, "/x", 0, "/b/x", "mi: the last mount wins");
	check_mi("40 31 0:38 / /a rw shared:1 master:2 propagate_from:3 - cgroup2 none rw\n", NULL,
		 "/", 0, "/a", "mi: several optional fields");
	check_mi("40 31 0:38 / /a rw - cgroup2\n", NULL, "/", -ENOENT, NULL,
		 "mi: truncated line ignored");
	check_mi("40 31 0:38 / /a rw cgroup2 none rw\n", NULL, "/", -ENOENT, NULL,
		 "mi: line without separator ignored");
}

static void check_keyed(const char *text, const char *key, int want_r, uint64_t want,
			const char *what)
{
	uint64_t v = 777;
	int r = cg_parse_keyed(text, key, &v);

	CHECK_EQ_INT(r, want_r, what);
	CHECK_EQ_INT(v, want_r == 0 ? want : 777, what);
}

static void test_keyed(void)
{
	static const char events[] = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
	static const char oomctl[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n";
	static const char cpustat[] = "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n";
	uint64_t v = 9;

	check_keyed(events, "oom_kill", 0, 2, "keyed: memory.events oom_kill");
	check_keyed(events, "oom", 0, 3, "keyed: oom is not oom_kill");
	check_keyed(oomctl, "oom_kill", 0, 5, "keyed: memory.oom_control oom_kill");
	check_keyed(cpustat, "usage_usec", 0, 123456, "keyed: cpu.stat usage_usec");
	check_keyed("nr_periods 0\nnr_throttled 0\n", "usage_usec", -ENOENT, 0,
		    "keyed: v1 cpu.stat has no usage");
	check_keyed("oom_kill x\n", "oom_kill", -EINVAL, 0, "keyed: not a number");
	check_keyed("oom_kill\n", "oom_kill", -ENOENT, 0, "keyed: key without value");

	CHECK(cg_parse_u64("4096\n", &v) == 0 && v == 4096, "u64: with newline");
	CHECK_EQ_INT(cg_parse_u64("max\n", &v), -EINVAL, "u64: max");
	CHECK_EQ_INT(cg_parse_u64("-1", &v), -EINVAL, "u64: negative");
	CHECK_EQ_INT(cg_parse_u64("", &v), -EINVAL, "u64: empty");
	CHECK_EQ_INT(cg_parse_u64("12 3", &v), -EINVAL, "u64: trailing junk");
	CHECK_EQ_INT(cg_parse_u64("99999999999999999999999", &v), -ERANGE, "u64: overflow");
	CHECK_EQ_INT(v, 4096, "u64: output untouched on failure");
}

static void test_names(void)
{
	char longname[300];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_EQ_INT(cg_name_check("exec-1"), 0, "name: exec-1");
	CHECK_EQ_INT(cg_name_check(""), -EINVAL, "name: empty");
	CHECK_EQ_INT(cg_name_check("a/b"), -EINVAL, "name: slash");
	CHECK_EQ_INT(cg_name_check(".."), -EINVAL, "name: ..");
	CHECK_EQ_INT(cg_name_check("a..b"), -EINVAL, "name: contains ..");
	CHECK_EQ_INT(cg_name_check("."), -EINVAL, "name: .");
	CHECK_EQ_INT(cg_name_check("a\nb"), -EINVAL, "name: control character");
	CHECK_EQ_INT(cg_name_check(longname), -EINVAL, "name: longer than NAME_MAX");
}

static void test_none(void)
{
	struct cgroup_manager *m = NULL;
	struct cgroup_exec *c = NULL;
	struct cgroup_limits lim = { .memory_bytes = 1 << 20, .pids_max = 4, .cpu_percent = 10 };
	struct cgroup_usage u = { .cpu_us = 1, .peak_memory_bytes = 1, .oom_kills = 1 };
	int r;

	r = cgroup_manager_new(CGROUP_WANT_NONE, "pyexec-none", &m);
	CHECK_EQ_INT(r, 0, "none: manager");
	if (r < 0)
		return;
	CHECK_EQ_INT(cgroup_manager_version(m), IPC_CGROUP_NONE, "none: version");
	CHECK_EQ_INT(cgroup_manager_limits(m), 0, "none: enforces nothing");
	CHECK_EQ_STR(cgroup_manager_path(m), "", "none: path");
	CHECK_EQ_INT(cgroup_exec_create(m, "a/b", &lim, &c), -EINVAL, "none: bad name refused");
	r = cgroup_exec_create(m, "exec-1", &lim, &c);
	CHECK_EQ_INT(r, 0, "none: exec");
	if (r == 0) {
		CHECK_EQ_INT(cgroup_exec_attach(c, getpid()), 0, "none: attach is a no-op");
		CHECK_EQ_INT(cgroup_exec_usage(c, &u), 0, "none: usage");
		CHECK(u.cpu_us == 0 && u.peak_memory_bytes == 0 && u.oom_kills == 0,
		      "none: usage is zero");
		CHECK_EQ_INT(cgroup_exec_kill(c), -ENOTSUP, "none: kill says it cannot");
		cgroup_exec_destroy(c);
	}
	cgroup_manager_free(m);
	cgroup_exec_destroy(NULL);
	cgroup_manager_free(NULL);
	{
		struct cgroup_manager *keep = (struct cgroup_manager *)&u;
		CHECK_EQ_INT(cgroup_manager_new(CGROUP_WANT_AUTO, "../x", &keep), -EINVAL,
			     "manager: bad name refused");
		CHECK(keep == (struct cgroup_manager *)&u, "manager: output untouched on failure");
	}
}

/* ------------------------------------------------------------ live tests */

#define MiB (1024ull * 1024)

static const char *walk_needle;
static int walk_count;

static int walk_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_D && strstr(path, walk_needle))
		walk_count++;
	return 0;
}

/* Directories anywhere under /sys/fs/cgroup whose path contains needle. */
static int count_dirs(const char *needle)
{
	walk_needle = needle;
	walk_count = 0;
	if (nftw("/sys/fs/cgroup", walk_cb, 32, FTW_PHYS) < 0)
		return -1;
	return walk_count;
}

static int read_text(const char *dir, const char *file, char *buf, size_t size)
{
	char path[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	/* A control file of a test cgroup, read for a check. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static bool dir_exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reaps c (and any orphaned grandchild reparented to us), waiting at most ~5 s. */
static int reap(pid_t pid)
{
	int st = 0;

	for (int i = 0; i < 5000; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0)
			return -1;
		usleep(1000);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return st;
}

/*
 * Forks a child that waits until the parent has attached it, then runs
 * body(report_fd).  Returns the pid (and the read end of the report pipe
 * in *rfd) or -1.
 */
static pid_t spawn_attached(struct cgroup_exec *c, void (*body)(int), int *rfd)
{
	int go[2], rep[2];
	pid_t pid;
	int r;
	char b = 'g';

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(99);
		body(rep[1]);
		_exit(0);
	}
	close(go[0]);
	close(rep[1]);
	r = cgroup_exec_attach(c, pid);
	CHECK_EQ_INT(r, 0, "attach the child");
	if (r < 0) {
		kill(pid, SIGKILL);
		reap(pid);
		close(go[1]);
		close(rep[0]);
		return -1;
	}
	if (write(go[1], &b, 1) != 1)
		b = 0;
	close(go[1]);
	*rfd = rep[0];
	return pid;
}

static void body_eat_memory(int fd)
{
	(void)fd;
	/* Touch far more than the limit, a MiB at a time. */
	for (int i = 0; i < 512; i++) {
		char *p = malloc(MiB);
		if (!p)
			_exit(2);
		memset(p, i, MiB);
	}
	_exit(0);
}

static void body_fork_many(int fd)
{
	int ok = 0, err = 0;

	for (int i = 0; i < 32; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		ok++;
	}
	int rep[2] = { ok, err };
	if (write(fd, rep, sizeof(rep)) != sizeof(rep))
		_exit(3);
	for (;;)
		pause();
}

static void body_spin(int fd)
{
	struct timespec t0, t;

	(void)fd;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 600000000L);
	_exit(0);
}

static void body_sleep(int fd)
{
	(void)fd;
	for (;;)
		pause();
}

static void live_memory(struct cgroup_manager *m)
{
	struct cgroup_limits lim = { .memory_bytes = 32 * MiB, .pids_max = 16 };
	struct cgroup_exec *c = NULL;
	struct cgroup_usage u = { 0 };
	char buf[256];
	int r, rfd = -1, st;
	pid_t pid;

	r = cgroup_exec_create(m, "exec-mem", &lim, &c);
	CHECK_EQ_INT(r, 0, "memory: create execution cgroup");
	if (r < 0)
		return;
	CHECK(dir_exists(cgroup_manager_path(m), "exec-mem"), "memory: directory exists");
	if (cgroup_manager_version(m) == IPC_CGROUP_V1)
		r = read_text(cgroup_manager_path(m), "exec-mem/memory.limit_in_bytes", buf,
			      sizeof(buf));
	else
		r = read_text(cgroup_manager_path(m), "exec-mem/memory.max", buf, sizeof(buf));
	CHECK(r == 0 && strtoull(buf, NULL, 10) == 32 * MiB, "memory: limit written (%s)",
	      r == 0 ? strtok(buf, "\n") : "unreadable");

	pid = spawn_attached(c, body_eat_memory, &rfd);
	if (pid > 0) {
		st = reap(pid);
		close(rfd);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "memory: child over the limit was SIGKILLed (status 0x%x)", st);
		r = cgroup_exec_usage(c, &u);
		CHECK_EQ_INT(r, 0, "memory: usage");
		printf("# usage: cpu_us=%" PRIu64 " peak=%" PRIu64 " oom_kills=%" PRIu64 "\n",
		       u.cpu_us, u.peak_memory_bytes, u.oom_kills);
		CHECK(u.oom_kills > 0, "memory: oom kill counted (%" PRIu64 ")", u.oom_kills);
		CHECK(u.peak_memory_bytes > 16 * MiB && u.peak_memory_bytes <= 32 * MiB,
		      "memory: peak near the limit (%" PRIu64 ")", u.peak_memory_bytes);
	}
	CHECK_EQ_INT(cgroup_exec_kill(c), 0, "memory: kill of an empty cgroup");
	cgroup_exec_destroy(c);
	CHECK(!dir_exists(cgroup_manager_path(m), "exec-mem"), "memory: directory removed");
}

static void live_pids(struct cgroup_manager *m)
{
	struct cgroup_limits lim = { .memory_bytes = 64 * MiB, .pids_max = 8 };
	struct cgroup_exec *c = NULL;
	char buf[4096];
	int r, rfd = -1, st, rep[2] = { -1, -1 };
	pid_t pid;

	r = cgroup_exec_create(m, "exec-pids", &lim, &c);
	CHECK_EQ_INT(r, 0, "pids: create execution cgroup");
	if (r < 0)
		return;
	pid = spawn_attached(c, body_fork_many, &rfd);
	if (pid > 0) {
		ssize_t n = read(rfd, rep, sizeof(rep));
		close(rfd);
		CHECK(n == sizeof(rep), "pids: child reported");
		CHECK(rep[0] == 7 && rep[1] == EAGAIN,
		      "pids: 7 forks then EAGAIN under pids.max=8 (got %d, errno %d)", rep[0],
		      rep[1]);
		r = cgroup_exec_kill(c);
		CHECK_EQ_INT(r, 0, "pids: kill");
		r = read_text(cgroup_manager_path(m), "exec-pids/cgroup.procs", buf, sizeof(buf));
		CHECK(r == 0 && buf[0] == '\0', "pids: cgroup.procs empty after kill");
		st = reap(pid);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "pids: child was SIGKILLed");
	}
	cgroup_exec_destroy(c);
	CHECK(!dir_exists(cgroup_manager_path(m), "exec-pids"), "pids: directory removed");
	CHECK_EQ_INT(cgroup_manager_orphans(m), 0, "pids: no orphan");
}

static void live_cpu(struct cgroup_manager *m)
{
	struct cgroup_limits lim = { .memory_bytes = 64 * MiB, .pids_max = 8, .cpu_percent = 20 };
	struct cgroup_exec *c = NULL;
	struct cgroup_usage u = { 0 };
	int r, rfd = -1, st;
	pid_t pid;

	if (!(cgroup_manager_limits(m) & CGL_CPU)) {
		SKIP("cpu: no CPU bandwidth controller");
		return;
	}
	r = cgroup_exec_create(m, "exec-cpu", &lim, &c);
	CHECK_EQ_INT(r, 0, "cpu: create execution cgroup");
	if (r < 0)
		return;
	pid = spawn_attached(c, body_spin, &rfd);
	if (pid > 0) {
		st = reap(pid);
		close(rfd);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "cpu: spinner exited");
		r = cgroup_exec_usage(c, &u);
		CHECK_EQ_INT(r, 0, "cpu: usage");
		/* 600 ms of wall time at 20%: ~120 ms of CPU, far below 600. */
		CHECK(u.cpu_us > 50000 && u.cpu_us < 350000,
		      "cpu: throttled to about 20%% (%" PRIu64 " us in 600 ms)", u.cpu_us);
	}
	cgroup_exec_destroy(c);
	CHECK(!dir_exists(cgroup_manager_path(m), "exec-cpu"), "cpu: directory removed");
}

static void live_failures(struct cgroup_manager *m, const char *mname)
{
	struct cgroup_limits lim = { .memory_bytes = 64 * MiB, .pids_max = 8 };
	struct cgroup_exec *c = NULL, *c2 = (struct cgroup_exec *)&lim;
	char needle[512];
	int r, rfd = -1;
	pid_t pid;

	CHECK_EQ_INT(cgroup_exec_create(m, "..", &lim, &c2), -EINVAL, "fail: '..' refused");
	CHECK_EQ_INT(cgroup_exec_create(m, "a/b", &lim, &c2), -EINVAL, "fail: '/' refused");
	CHECK(c2 == (struct cgroup_exec *)&lim, "fail: output untouched");

	/* The kernel refuses pids.max above PID_MAX_LIMIT: a mid-create failure. */
	lim.pids_max = UINT32_MAX;
	r = cgroup_exec_create(m, "exec-bad", &lim, &c2);
	CHECK_EQ_INT(r, -EINVAL, "fail: kernel-refused limit is an error");
	snprintf(needle, sizeof(needle), "/%s/exec-bad", mname);
	CHECK_EQ_INT(count_dirs(needle), 0, "fail: nothing left of the failed create");
	lim.pids_max = 8;

	r = cgroup_exec_create(m, "exec-dup", &lim, &c);
	CHECK_EQ_INT(r, 0, "fail: create exec-dup");
	if (r == 0) {
		CHECK_EQ_INT(cgroup_exec_create(m, "exec-dup", &lim, &c2), -EEXIST,
			     "fail: a second exec-dup is EEXIST");
		CHECK(dir_exists(cgroup_manager_path(m), "exec-dup"),
		      "fail: the first exec-dup is intact");

		/* Destroy while a process is still inside: handed over as orphan. */
		pid = spawn_attached(c, body_sleep, &rfd);
		cgroup_exec_destroy(c);
		CHECK(cgroup_manager_orphans(m) > 0, "fail: populated cgroup becomes an orphan");
		if (pid > 0) {
			kill(pid, SIGKILL);
			reap(pid);
			close(rfd);
		}
		r = cgroup_exec_create(m, "exec-next", &lim, &c);
		CHECK_EQ_INT(r, 0, "fail: next create");
		CHECK_EQ_INT(cgroup_manager_orphans(m), 0, "fail: orphan reaped by the next create");
		CHECK(!dir_exists(cgroup_manager_path(m), "exec-dup"), "fail: orphan removed");
		if (r == 0)
			cgroup_exec_destroy(c);
	}
}

static void live(void)
{
	struct cgroup_manager *m = NULL, *m2 = NULL;
	char name[64], name2[64], self_before[4096], self_now[4096];
	int r, before;

	if (geteuid() != 0) {
		SKIP("live cgroup tests need root");
		return;
	}
	/* Orphaned grandchildren come back to us, to be reaped. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(name, sizeof(name), "pyexec-test-%d", (int)getpid());
	snprintf(name2, sizeof(name2), "pyexec-test2-%d", (int)getpid());
	before = count_dirs(name);
	CHECK_EQ_INT(before, 0, "live: no leftover of ours before");
	if (read_text("/proc/self", "cgroup", self_before, sizeof(self_before)) < 0)
		self_before[0] = '\0';

	r = cgroup_manager_new(CGROUP_WANT_AUTO, name, &m);
	CHECK_EQ_INT(r, 0, "live: manager (auto)");
	if (r < 0)
		return;
	if (cgroup_manager_version(m) == IPC_CGROUP_NONE) {
		cgroup_manager_free(m);
		/* Forcing either version must fail without leaving anything. */
		r = cgroup_manager_new(CGROUP_WANT_V2, name2, &m2);
		CHECK(r == -ENOTSUP || r == -EBUSY, "live: forced v2 unusable here (%d)", r);
		if (r == 0)
			cgroup_manager_free(m2);
		r = cgroup_manager_new(CGROUP_WANT_V1, name2, &m2);
		CHECK(r == -ENOTSUP, "live: forced v1 unusable here (%d)", r);
		if (r == 0)
			cgroup_manager_free(m2);
		CHECK_EQ_INT(count_dirs(name2), 0, "live: failed forced managers left nothing");
		SKIP("live: no usable cgroup controller on this host");
		return;
	}
	printf("# version=%d limits=0x%x path=%s\n", cgroup_manager_version(m),
	       cgroup_manager_limits(m), cgroup_manager_path(m));
	if (read_text("/proc/self", "cgroup", self_now, sizeof(self_now)) == 0) {
		char *v2 = strstr(self_now, "0::");
		printf("# our v2 cgroup now: %s", v2 ? v2 : "(none)\n");
	}
	CHECK((cgroup_manager_limits(m) & (CGL_MEMORY | CGL_PIDS)) == (CGL_MEMORY | CGL_PIDS),
	      "live: memory and pids enforceable");
	CHECK(count_dirs(name) >= 1, "live: subtree created (%d dirs)", count_dirs(name));

	/* Same name again: refused, and the first manager's dirs untouched. */
	r = cgroup_manager_new(CGROUP_WANT_AUTO, name, &m2);
	CHECK_EQ_INT(r, -EEXIST, "live: second manager of the same name is EEXIST");
	if (r == 0)
		cgroup_manager_free(m2);
	{
		struct stat st;
		CHECK(stat(cgroup_manager_path(m), &st) == 0, "live: first subtree intact");
	}

	/* Forcing the version this host does not offer fails and leaves nothing. */
	if (cgroup_manager_version(m) == IPC_CGROUP_V1) {
		r = cgroup_manager_new(CGROUP_WANT_V2, name2, &m2);
		CHECK(r == -ENOTSUP || r == -EBUSY, "live: forced v2 unavailable here (%d)", r);
	} else {
		r = cgroup_manager_new(CGROUP_WANT_V1, name2, &m2);
		CHECK(r == -ENOTSUP, "live: forced v1 unavailable here (%d)", r);
	}
	if (r == 0)
		cgroup_manager_free(m2);
	CHECK_EQ_INT(count_dirs(name2), 0, "live: failed forced manager left nothing");

	live_memory(m);
	live_pids(m);
	live_cpu(m);
	live_failures(m, name);

	{
		/* A fork freeing its copy (e.g. a child's cleanup) must not remove anything. */
		int before_fork = count_dirs(name);
		pid_t pid = fork();
		if (pid == 0) {
			cgroup_manager_free(m);
			_exit(0);
		}
		if (pid > 0)
			reap(pid);
		CHECK_EQ_INT(count_dirs(name), before_fork, "live: a fork's free removes nothing");
	}

	cgroup_manager_free(m);
	CHECK_EQ_INT(count_dirs(name), 0, "live: every directory removed after free");
	r = read_text("/proc/self", "cgroup", self_now, sizeof(self_now));
	CHECK(r == 0 && strcmp(self_now, self_before) == 0,
	      "live: we are back in the cgroups we started in");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_list_has();
	test_proc_cgroup();
	test_mountinfo();
	test_keyed();
	test_names();
	test_none();
	live();
	return tap_done();
}
