/*
 * Root filesystem construction, in two parts.
 *
 * Once, in the spawner (jail_mnt_template_build), the part every jail
 * shares, built in the spawner's own mount namespace, which nothing
 * outside it sees:
 *
 *  1. unshare(CLONE_NEWNS) and make every mount private (MS_REC|MS_PRIVATE),
 *     so nothing done here propagates back to the host (mount_namespaces(7)).
 *  2. A small tmpfs on /tmp holds the template, so the spawner's own /tmp
 *     stays usable, and a tmpfs at /tmp/root becomes every jail's "/".
 *  3. Bind the host's /usr read-only (and its submounts, each remounted
 *     read-only: MS_REMOUNT acts on one mount only), keeping the flags the
 *     kernel locked on the original mount (nosuid, nodev, noexec, atime),
 *     hence statvfs().
 *  4. /bin, /lib, /lib64, /sbin: the same symlinks as the host when the host
 *     has merged /usr (Debian 12), else read-only binds.
 *  5. /etc: generated passwd/group/hosts plus a few read-only files.
 *  6. /dev: tmpfs with binds of the harmless character devices (a tmpfs
 *     mounted in a user namespace could hold no device nodes of its own).
 *  7. Empty mount points for /proc, /tmp, /dev/shm; then the root's tmpfs
 *     and /dev's are made read-only as filesystems (superblocks), which only
 *     a process with CAP_SYS_ADMIN in the initial user namespace can undo:
 *     every jail sees the same files, and none can change them for another.
 *
 * Per jail, in the child (jail_mnt_setup), inside its new user and mount
 * namespaces, whose mount table starts as a copy of the spawner's:
 *
 *  1. MS_REC|MS_PRIVATE again (the copy keeps the spawner's propagation).
 *  2. A recursive bind of the template onto itself: mounts copied into a
 *     less privileged user namespace are locked (MNT_LOCKED), and
 *     pivot_root(2) refuses a locked new root; the bind is the jail's own.
 *  3. /proc: a new procfs, which shows only this pid namespace.
 *  4. /tmp and /dev/shm: size-limited tmpfs of its own, the only writable
 *     places.
 *  5. pivot_root(".", ".") then detach the old root (pivot_root(2), NOTES).
 *  6. Remount "/" read-only (it is already; belt and braces).
 *
 * Building the shared part once took the jail's mount set-up from ~25
 * mounts and as many file operations to five mounts (measured in
 * docs/PERFORMANCE.md).
 */
#include "jail/mnt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail/stage.h"
#include "jail/userns.h"
#include "util/fd.h"

/*
 * In the spawner's mount namespace only: HOLDER is a tmpfs over its /tmp,
 * TEMPLATE the jails' shared root inside it.
 */
#define HOLDER "/tmp"
#define TEMPLATE HOLDER "/root"
#define ROOT_OPTS "size=1m,nr_inodes=256,mode=0755"
#define DEV_OPTS "size=64k,nr_inodes=64,mode=0755"

static int fail(int *stage, int s)
{
	int r = neg_errno();
	*stage = s;
	return r;
}

/* MS_* flags the kernel locks on a mount we inherited from a more privileged namespace. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int remount_ro(const char *path, unsigned long extra)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | extra | locked_flags(path);
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return neg_errno();
	return 0;
}

/*
 * Remounts read-only every mount at or below `prefix`, reading our own
 * mountinfo (field 5 is the mount point, with octal escapes for spaces).
 */
static int remount_tree_ro(const char *prefix)
{
	char line[4096];
	size_t plen = strlen(prefix);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r = 0;

	if (!f)
		return neg_errno();
	while (fgets(line, sizeof(line), f)) {
		char mp[PATH_MAX];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (strncmp(mp, prefix, plen) != 0 || (mp[plen] != '\0' && mp[plen] != '/'))
			continue;
		if (strchr(mp, '\\'))
			continue; /* escaped names: not produced by Debian's /usr layout */
		r = remount_ro(mp, MS_NODEV);
		if (r < 0)
			break;
	}
	fclose(f);
	return r;
}

static int bind_ro(const char *src, const char *dst)
{
	int r;
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return neg_errno();
	r = remount_tree_ro(dst);
	return r;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return neg_errno();
	return fd_write_all(fd, text, strlen(text));
}

static int touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return neg_errno();
	close(fd);
	return 0;
}

/* A top-level host path that is a symlink is recreated; a directory is bound read-only. */
static int mirror_top(const char *name, int *stage)
{
	char host[PATH_MAX], jail[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(host, sizeof(host), "/%s", name);
	snprintf(jail, sizeof(jail), TEMPLATE "/%s", name);
	if (lstat(host, &st) < 0)
		return errno == ENOENT ? 0 : fail(stage, JAIL_STAGE_MOUNT_BIND);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			return fail(stage, JAIL_STAGE_MOUNT_BIND);
		target[n] = '\0';
		if (symlink(target, jail) < 0)
			return fail(stage, JAIL_STAGE_MOUNT_BIND);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(jail, 0755) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_BIND);
	if (bind_ro(host, jail) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_BIND);
	return 0;
}

static int setup_etc(int *stage)
{
	static const char passwd[] = "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
				     "sandbox:x:1000:1000:pyexec sandbox:/tmp:/usr/sbin/nologin\n"
				     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
	static const char group[] = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
	static const char hosts[] = "127.0.0.1\tlocalhost pyexec\n::1\tlocalhost ip6-localhost\n";
	static const char nsswitch[] = "passwd: files\ngroup: files\nhosts: files\n";
	/* Read-only copies of host files Python and its libraries read at start. */
	static const char *const binds[] = { "/etc/ld.so.cache", "/etc/python3.11/sitecustomize.py",
					     "/etc/python3/debian_config", "/etc/mime.types" };
	char target[PATH_MAX], jail[PATH_MAX];
	ssize_t n;

	if (mkdir(TEMPLATE "/etc", 0755) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_ETC);
	if (write_file(TEMPLATE "/etc/passwd", passwd, 0644) < 0 ||
	    write_file(TEMPLATE "/etc/group", group, 0644) < 0 ||
	    write_file(TEMPLATE "/etc/hosts", hosts, 0644) < 0 ||
	    write_file(TEMPLATE "/etc/hostname", "pyexec\n", 0644) < 0 ||
	    write_file(TEMPLATE "/etc/nsswitch.conf", nsswitch, 0644) < 0 ||
	    write_file(TEMPLATE "/etc/resolv.conf", "", 0644) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_ETC);

	/* /etc/localtime is a symlink into /usr/share/zoneinfo on Debian: recreate it. */
	n = readlink("/etc/localtime", target, sizeof(target) - 1);
	if (n > 0 && target[0] == '/' && strncmp(target, "/usr/", 5) == 0) {
		target[n] = '\0';
		if (symlink(target, TEMPLATE "/etc/localtime") < 0)
			return fail(stage, JAIL_STAGE_MOUNT_ETC);
	}

	/*
	 * Debian's alternatives symlinks: libblas.so.3 and liblapack.so.3, which
	 * numpy links against, resolve through /etc/alternatives.
	 */
	{
		struct stat st;
		if (stat("/etc/alternatives", &st) == 0 && S_ISDIR(st.st_mode)) {
			if (mkdir(TEMPLATE "/etc/alternatives", 0755) < 0 ||
			    bind_ro("/etc/alternatives", TEMPLATE "/etc/alternatives") < 0)
				return fail(stage, JAIL_STAGE_MOUNT_ETC);
		}
	}

	for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
		struct stat st;
		if (stat(binds[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		snprintf(jail, sizeof(jail), TEMPLATE "%s", binds[i]);
		/* Create parent directories one level deep (/etc/python3.11). */
		{
			char dir[PATH_MAX];
			char *slash;
			snprintf(dir, sizeof(dir), "%s", jail);
			slash = strrchr(dir, '/');
			if (slash && slash != dir) {
				*slash = '\0';
				if (mkdir(dir, 0755) < 0 && errno != EEXIST)
					return fail(stage, JAIL_STAGE_MOUNT_ETC);
			}
		}
		if (touch(jail, 0644) < 0)
			return fail(stage, JAIL_STAGE_MOUNT_ETC);
		if (mount(binds[i], jail, NULL, MS_BIND, NULL) < 0 || remount_ro(jail, MS_NODEV) < 0)
			return fail(stage, JAIL_STAGE_MOUNT_ETC);
	}
	return 0;
}

static int setup_dev(int *stage)
{
	static const char *const devices[] = { "null", "zero", "full", "random", "urandom" };
	static const char *const links[][2] = { { "/proc/self/fd", "fd" },
						{ "/proc/self/fd/0", "stdin" },
						{ "/proc/self/fd/1", "stdout" },
						{ "/proc/self/fd/2", "stderr" } };
	char path[PATH_MAX];

	if (mkdir(TEMPLATE "/dev", 0755) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_DEV);
	if (mount("tmpfs", TEMPLATE "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, DEV_OPTS) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_DEV);
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		char host[64];
		snprintf(host, sizeof(host), "/dev/%s", devices[i]);
		snprintf(path, sizeof(path), TEMPLATE "/dev/%s", devices[i]);
		if (touch(path, 0666) < 0)
			return fail(stage, JAIL_STAGE_MOUNT_DEV);
		if (mount(host, path, NULL, MS_BIND, NULL) < 0)
			return fail(stage, JAIL_STAGE_MOUNT_DEV);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), TEMPLATE "/dev/%s", links[i][1]);
		if (symlink(links[i][0], path) < 0)
			return fail(stage, JAIL_STAGE_MOUNT_DEV);
	}
	/* Where each jail mounts its own. */
	if (mkdir(TEMPLATE "/dev/shm", 01777) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_DEV);
	/* The dev tmpfs holds only what we placed: freeze the filesystem itself. */
	if (mount(NULL, TEMPLATE "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  DEV_OPTS) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_DEV);
	return 0;
}

int jail_mnt_template_build(int *stage)
{
	int r;

	if (unshare(CLONE_NEWNS) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_PRIVATE);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_PRIVATE);
	if (mount("tmpfs", HOLDER, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=64k,nr_inodes=16,mode=0755") < 0)
		return fail(stage, JAIL_STAGE_MOUNT_ROOT);
	if (mkdir(TEMPLATE, 0755) < 0 ||
	    mount("tmpfs", TEMPLATE, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_OPTS) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_ROOT);

	if (mkdir(TEMPLATE "/usr", 0755) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_BIND);
	r = bind_ro("/usr", TEMPLATE "/usr");
	if (r < 0) {
		*stage = JAIL_STAGE_MOUNT_BIND;
		return r;
	}
	{
		static const char *const tops[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
		for (size_t i = 0; i < ARRAY_SIZE(tops); i++) {
			r = mirror_top(tops[i], stage);
			if (r < 0)
				return r;
		}
	}
	r = setup_etc(stage);
	if (r < 0)
		return r;
	r = setup_dev(stage);
	if (r < 0)
		return r;

	/* Mount points of what each jail gets its own of, and empty places scripts probe. */
	if (mkdir(TEMPLATE "/proc", 0555) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_PROC);
	if (mkdir(TEMPLATE "/tmp", 01777) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_TMP);
	if (mkdir(TEMPLATE "/home", 0755) < 0 || mkdir(TEMPLATE "/root", 0755) < 0 ||
	    mkdir(TEMPLATE "/var", 0755) < 0 || symlink("/tmp", TEMPLATE "/var/tmp") < 0)
		return fail(stage, JAIL_STAGE_MOUNT_ROOT);

	/* The filesystem read-only, then this mount of it (what a jail's copy starts from). */
	if (mount(NULL, TEMPLATE, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, ROOT_OPTS) < 0 ||
	    mount(NULL, TEMPLATE, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_READONLY);
	return 0;
}

int jail_mnt_setup(const struct jail_mnt_params *p, int *stage)
{
	char opts[128];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_PRIVATE);
	if (mount(TEMPLATE, TEMPLATE, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_ROOT);
	if (mount("proc", TEMPLATE "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_PROC);
	if (mount("tmpfs", TEMPLATE "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16m,nr_inodes=1024,mode=1777") < 0)
		return fail(stage, JAIL_STAGE_MOUNT_DEV);
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=16384,mode=1777",
		 (unsigned long long)p->tmp_bytes);
	if (mount("tmpfs", TEMPLATE "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_TMP);

	/*
	 * pivot_root(".", "."): the old root is stacked on the new one at the
	 * same place; the umount then detaches it (pivot_root(2), NOTES).
	 */
	if (chdir(TEMPLATE) < 0)
		return fail(stage, JAIL_STAGE_PIVOT_ROOT);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(stage, JAIL_STAGE_PIVOT_ROOT);
	if (umount2(".", MNT_DETACH) < 0)
		return fail(stage, JAIL_STAGE_PIVOT_ROOT);
	if (chdir("/") < 0)
		return fail(stage, JAIL_STAGE_PIVOT_ROOT);

	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return fail(stage, JAIL_STAGE_MOUNT_READONLY);
	if (chdir("/tmp") < 0)
		return fail(stage, JAIL_STAGE_MOUNT_READONLY);
	return 0;
}
