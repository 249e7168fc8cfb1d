/*
 * Seccomp policy: default allow, with the kernel surface an untrusted
 * Python program never needs refused with an errno (EPERM, or ENOSYS where
 * libc falls back gracefully).  Grouped by the reason for the refusal; see
 * docs/SECURITY.md for the table.
 *
 * Why a deny list and not an allow list: CPython, numpy, scipy and pandas
 * use a wide and version-dependent set of system calls (and subprocess may
 * exec any binary under /usr); an allow list that breaks a library at
 * random is a worse failure than a deny list over the namespaces, uid
 * mapping and read-only mounts that already contain the process.  Every
 * call that reaches kernel attack surface not needed for computation
 * (namespaces, mounts, BPF, perf, keyrings, io_uring, userfaultfd, module
 * and kexec loading, handle-based opens, non-unix sockets) is refused.
 *
 * Non-native ABIs (i386, x32) are killed by libseccomp's bad-arch action.
 */
#include "jail/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdbool.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct jail_seccomp {
	struct sock_filter *insns;
	unsigned short len;
};

/* Calls refused with EPERM outright. */
static const char *const denied[] = {
	/* changing the mount table or the root */
	"mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
	"fsconfig", "fsmount", "fspick", "mount_setattr",
	/* entering or creating namespaces (clone flags are filtered below) */
	"unshare", "setns",
	/* inspecting or driving other processes */
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	/* large, historically buggy kernel surfaces */
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "fanotify_init", "lookup_dcookie",
	/* kernel AIO: its event budget (fs.aio-max-nr) is one for the whole host */
	"io_setup",
	/* per-process LDT: an old, rarely used x86 surface (16-bit segments) */
	"modify_ldt",
	/* keyrings: not namespaced */
	"add_key", "request_key", "keyctl",
	/* kernel modules, kexec, reboot, swap */
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
	"swapon", "swapoff",
	/* file handles bypass the mount namespace's view of paths */
	"open_by_handle_at", "name_to_handle_at",
	/* host-global clocks and accounting */
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "acct", "syslog",
	/* hardware and legacy interfaces */
	"iopl", "ioperm", "quotactl", "quotactl_fd", "vhangup", "uselib", "nfsservctl",
	"sysfs", "_sysctl",
	/* identity changes of the hostname or domain inside the jail */
	"sethostname", "setdomainname",
	/* memory policy calls that reach across NUMA nodes / other processes */
	"move_pages", "migrate_pages", "mbind", "set_mempolicy", "set_mempolicy_home_node",
	/* memory outside the kernel's direct map: a young allocator nobody here needs */
	"memfd_secret",
	/* page-cache residency of any readable file: a side channel into the host's cache */
	"cachestat",
};

/*
 * Calls newer than the libseccomp this is built with may know by name
 * (2.5.4 knows none of these): refused by number.  Since Linux 5.1 (call
 * 424) a new call gets one number on every architecture but alpha.
 */
static const struct {
	const char *name;
	int nr;
} denied_by_number[] = {
	{ "statmount", 457 }, /* the mount table, queried by mount id */
	{ "listmount", 458 },
	{ "open_tree_attr", 467 }, /* open_tree() plus mount attributes */
};

/*
 * A default-allow filter would let every call a later kernel adds through
 * unreviewed.  Calls from here to the end of the native table are answered
 * ENOSYS, as by a kernel that lacks them, so libraries fall back.  469
 * (file_setattr, Linux 6.17) is the last call this policy was reviewed
 * against; 470 (listns) and later are refused.
 */
#define FIRST_UNREVIEWED_SYSCALL 470
#define LAST_NATIVE_SYSCALL 511 /* x32's numbers start at 512 on x86_64 */

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
		    const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);

	/*
	 * Fail closed: a name libseccomp does not know would otherwise drop
	 * its rule silently.  (A call the architecture lacks resolves to a
	 * negative pseudo-number, which libseccomp accepts and ignores.)
	 */
	if (nr == __NR_SCMP_ERROR)
		return -ENOSYS;
	return seccomp_rule_add_array(ctx, action, nr, n, args);
}

static int build(scmp_filter_ctx ctx)
{
	const uint64_t ns_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
				  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWTIME;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0, NULL);
		if (r < 0)
			return r;
	}

	for (size_t i = 0; i < ARRAY_SIZE(denied_by_number); i++) {
		int nr = seccomp_syscall_resolve_name(denied_by_number[i].name);

		if (nr == __NR_SCMP_ERROR)
			nr = denied_by_number[i].nr;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0)
			return r;
	}
	for (int nr = FIRST_UNREVIEWED_SYSCALL; nr <= LAST_NATIVE_SYSCALL; nr++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		if (r < 0)
			return r;
	}

	/* clone(2) with any namespace flag: EPERM.  Threads and fork stay allowed. */
	{
		/* libseccomp cannot say "flags & mask != 0": one rule per namespace bit. */
		for (unsigned bit = 0; bit < 64; bit++) {
			uint64_t f = 1ull << bit;
			struct scmp_arg_cmp c;
			if (!(ns_flags & f))
				continue;
			c = (struct scmp_arg_cmp)SCMP_A0(SCMP_CMP_MASKED_EQ, f, f);
			r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c);
			if (r < 0)
				return r;
		}
	}
	/* clone3 passes flags in memory a filter cannot read: ENOSYS makes glibc fall back to clone. */
	r = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	if (r < 0)
		return r;

	/* Sockets: only AF_UNIX (multiprocessing, asyncio self-pipes).  No inet, netlink, packet. */
	{
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
		r = add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
		if (r < 0)
			return r;
		r = add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socketpair", 1, &c);
		if (r < 0)
			return r;
	}

	/*
	 * personality(2): refuse the flags that weaken the address space
	 * (ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, ADDR_COMPAT_LAYOUT,
	 * READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT).  libseccomp allows one
	 * comparison per argument per rule, hence one rule per flag.
	 */
	{
		static const uint64_t bad[] = { 0x0040000, 0x0100000, 0x0200000, 0x0400000, 0x0800000 };
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, bad[i], bad[i]);
			r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &c);
			if (r < 0)
				return r;
		}
	}

	/* ioctl TIOCSTI / TIOCLINUX would inject input into a terminal; there is none, refuse anyway. */
	{
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0x5412 /* TIOCSTI */);
		r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &c);
		if (r < 0)
			return r;
		c = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0x541C /* TIOCLINUX */);
		r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Front-only refusals, on top of build(). */
static int build_front(scmp_filter_ctx ctx)
{
	static const char *const front_denied[] = { "execve", "execveat", "fork", "vfork",
						    "socket", "socketpair", "connect", "bind",
						    "listen", "memfd_secret", "chmod", "fchmod",
						    "fchmodat", "chown", "fchown", "lchown",
						    "fchownat", "link", "linkat", "symlink",
						    "symlinkat", "mknod", "mknodat" };
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(front_denied); i++) {
		r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), front_denied[i], 0, NULL);
		if (r < 0)
			return r;
	}
	/* clone without CLONE_THREAD makes a process: refused; threads are how MHD works. */
	{
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c);
		if (r < 0)
			return r;
	}
	return 0;
}

static int seccomp_new(struct jail_seccomp **out, bool front);

int jail_seccomp_new(struct jail_seccomp **out)
{
	return seccomp_new(out, false);
}

int jail_seccomp_new_front(struct jail_seccomp **out)
{
	return seccomp_new(out, true);
}

static int seccomp_new(struct jail_seccomp **out, bool front)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	_cleanup_close_ int fd = -1;
	struct jail_seccomp *s = NULL;
	struct stat st;
	int r;

	if (!ctx)
		return -ENOMEM;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* we set no_new_privs ourselves */
	if (r < 0)
		goto out;
	r = build(ctx);
	if (r < 0)
		goto out;
	if (front) {
		r = build_front(ctx);
		if (r < 0)
			goto out;
	}

	fd = memfd_create("pyexec-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = neg_errno();
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		r = neg_errno();
		goto out;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		r = -E2BIG;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	s->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	s->insns = malloc((size_t)st.st_size);
	if (!s->insns) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fd, s->insns, (size_t)st.st_size, 0) != st.st_size) {
		r = -EIO;
		goto out;
	}
	*out = TAKE_PTR(s);
	r = 0;
out:
	jail_seccomp_free(s);
	seccomp_release(ctx);
	return r;
}

void jail_seccomp_free(struct jail_seccomp *s)
{
	if (!s)
		return;
	free(s->insns);
	free(s);
}

int jail_seccomp_apply(const struct jail_seccomp *s)
{
	struct sock_fprog prog = { .len = s->len, .filter = s->insns };
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return neg_errno();
	return 0;
}

unsigned jail_seccomp_length(const struct jail_seccomp *s)
{
	return s->len;
}
