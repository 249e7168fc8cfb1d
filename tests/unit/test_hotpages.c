/*
 * spawner/hotpages: a fork that wrote some pages reports exactly those (of
 * a buffer shared with its parent), a later fork that applies the set
 * owns them before writing anything, with their contents intact, and a
 * report is checked against the reader's own mappings.  Both ways of
 * applying are checked, each with the other's system call refused by a
 * seccomp filter in the fork: process_madvise() in batches (Linux 6.13),
 * over more ranges than one batch takes, and madvise() one range at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawner/hotpages.h"
#include "tap.h"

#define PG 4096u
#define NPAGES 64
#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_EXCLUSIVE (UINT64_C(1) << 56)
#define POPULATE_WRITE 23 /* MADV_POPULATE_WRITE */

/* Which system call a fork refuses (ENOSYS) before it applies a set. */
enum deny { DENY_NONE, DENY_MADVISE, DENY_PROCESS_MADVISE };

static const char *const deny_name[] = { "", " (madvise refused: batched)",
					 " (process_madvise refused: one call per range)" };

/* In a fork only: 0, or -1 if the filter cannot be loaded. */
static int deny_syscall(enum deny d)
{
	scmp_filter_ctx ctx;
	int r;

	if (d == DENY_NONE)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -1;
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
			     d == DENY_MADVISE ? SCMP_SYS(madvise) : SCMP_SYS(process_madvise), 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r == 0 ? 0 : -1;
}

/* Whether this kernel takes MADV_POPULATE_WRITE from process_madvise() on the caller. */
static bool batched_supported(void *page)
{
	struct iovec iov = { .iov_base = page, .iov_len = PG };
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	bool ok = self >= 0 &&
		  syscall(SYS_process_madvise, self, &iov, 1, POPULATE_WRITE, 0u) == (long)PG;

	if (self >= 0)
		close(self);
	return ok;
}

static const int written[] = { 3, 4, 5, 10, 40 };

static bool is_written(int i)
{
	for (size_t k = 0; k < sizeof(written) / sizeof(written[0]); k++)
		if (written[k] == i)
			return true;
	return false;
}

/* Bit mask (one bit per page of buf) of the pages this process owns alone. */
static uint64_t owned_pages(const char *buf)
{
	uint64_t entries[NPAGES], mask = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 :
			     pread(fd, entries, sizeof(entries),
				   (off_t)((uintptr_t)buf / PG * sizeof(uint64_t)));

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(entries))
		return UINT64_MAX;
	for (int i = 0; i < NPAGES; i++)
		if ((entries[i] & (PM_PRESENT | PM_EXCLUSIVE)) == (PM_PRESENT | PM_EXCLUSIVE))
			mask |= UINT64_C(1) << i;
	return mask;
}

static uint64_t written_mask(void)
{
	uint64_t m = 0;
	for (int i = 0; i < NPAGES; i++)
		if (is_written(i))
			m |= UINT64_C(1) << i;
	return m;
}

/* A probe: writes the chosen pages of buf, reports to fd. */
static struct hotpages *learn_from_child(char *buf)
{
	struct hotpages *h = NULL;
	int p[2];
	pid_t pid;
	int st = 0, r;

	if (pipe(p) < 0)
		return NULL;
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < NPAGES; i++)
			if (is_written(i))
				buf[i * PG + 1] = 'w';
		_exit(hotpages_report_self(p[1]) == 0 ? 0 : 1);
	}
	close(p[1]);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the probe child reported");
	r = hotpages_read(p[0], &h); /* CHECK evaluates its condition twice */
	CHECK(r == 0 && h, "the report reads");
	close(p[0]);
	return h;
}

/* In a fresh fork: apply h, then check ownership and contents; exit status = failures. */
static void check_apply(char *buf, struct hotpages *h, enum deny deny)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int bad = 0;
		uint64_t before = owned_pages(buf), after;

		if ((before & written_mask()) != 0)
			bad |= 1; /* a fresh fork owns none of them yet */
		if (deny_syscall(deny) < 0)
			_exit(16);
		(void)hotpages_apply(h);
		after = owned_pages(buf);
		if ((after & written_mask()) != written_mask())
			bad |= 2;
		if (after & ~written_mask())
			bad |= 4; /* pages the probe did not write stay shared */
		for (int i = 0; i < NPAGES; i++)
			if (buf[i * PG] != (char)('a' + i % 26) || buf[i * PG + 1] != 'p')
				bad |= 8;
		hotpages_free(h); /* the fork's copy */
		_exit(bad);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 16), "the seccomp filter loads%s", deny_name[deny]);
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 1), "a new fork owns none of the pages at first%s",
	      deny_name[deny]);
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 2), "after apply it owns every page the probe wrote%s",
	      deny_name[deny]);
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 4),
	      "and no page of the buffer the probe did not write%s", deny_name[deny]);
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 8), "the contents are the parent's, unchanged%s",
	      deny_name[deny]);
}

static void test_learn_and_apply(void)
{
	char *buf = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct hotpages *h;

	if (buf == MAP_FAILED) {
		CHECK(0, "mmap");
		return;
	}
	/* No huge page: the buffer's pages are to be shared one by one. */
	(void)madvise(buf, NPAGES * PG, MADV_NOHUGEPAGE);
	for (int i = 0; i < NPAGES; i++) {
		buf[i * PG] = (char)('a' + i % 26);
		buf[i * PG + 1] = 'p';
	}
	h = learn_from_child(buf);
	CHECK(hotpages_pages(h) >= 5, "the set holds at least the 5 pages written (%zu)",
	      hotpages_pages(h));
	if (madvise(buf, PG, POPULATE_WRITE) < 0 && errno == EINVAL) {
		SKIP("MADV_POPULATE_WRITE needs Linux 5.14");
	} else {
		check_apply(buf, h, DENY_NONE);
		check_apply(buf, h, DENY_PROCESS_MADVISE);
		if (batched_supported(buf))
			check_apply(buf, h, DENY_MADVISE);
		else
			SKIP("process_madvise(MADV_POPULATE_WRITE) on oneself needs Linux 6.13");
	}
	CHECK(buf[3 * PG + 1] == 'p', "the parent's own pages are untouched by its children");
	hotpages_free(h);
	munmap(buf, NPAGES * PG);
}

/* Reads the pairs pairs[0..n) as a report. */
static int read_pairs(const uint64_t *pairs, size_t n, struct hotpages **out)
{
	int p[2], r;

	if (pipe(p) < 0)
		return -errno;
	if (write(p[1], pairs, n * 2 * sizeof(uint64_t)) != (ssize_t)(n * 2 * sizeof(uint64_t)))
		return -EIO;
	close(p[1]);
	r = hotpages_read(p[0], out);
	close(p[0]);
	return r;
}

static void test_read_checks(void)
{
	size_t big_len = (HOTPAGES_MAX_PAGES + 1000) * (size_t)PG;
	char *big = mmap(NULL, big_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct hotpages *h = NULL;

	if (big == MAP_FAILED || ro == MAP_FAILED) {
		CHECK(0, "mmap");
		return;
	}
	{
		uint64_t pairs[] = { (uintptr_t)big + 1, PG };
		int r = read_pairs(pairs, 1, &h);
		CHECK(r == -EINVAL && !h, "an unaligned range is refused");
	}
	{
		uint64_t pairs[] = { (uintptr_t)big, UINT64_MAX - PG + 1 };
		int r = read_pairs(pairs, 1, &h);
		CHECK(r == -EINVAL && !h, "a range that wraps is refused");
	}
	{
		uint64_t pairs[] = { (uintptr_t)ro, 4 * PG, PG, PG };
		int r = read_pairs(pairs, 2, &h);
		CHECK(r == 0 && h && hotpages_pages(h) == 0,
		      "read-only and unmapped ranges are dropped (%zu pages)", hotpages_pages(h));
		hotpages_free(h);
		h = NULL;
	}
	{
		uint64_t pairs[] = { (uintptr_t)big - 16 * PG, big_len + 32 * PG };
		int r = read_pairs(pairs, 1, &h);
		CHECK(r == 0 && hotpages_pages(h) == HOTPAGES_MAX_PAGES,
		      "a range is clipped to the mapping and the set to %u pages (%zu)",
		      HOTPAGES_MAX_PAGES, hotpages_pages(h));
		hotpages_free(h);
		h = NULL;
	}
	{
		uint64_t pairs[] = { (uintptr_t)big, 2 * PG, (uintptr_t)big + 8 * PG, PG };
		size_t refused;
		int r = read_pairs(pairs, 2, &h);

		CHECK(r == 0 && hotpages_ranges(h) == 2, "two ranges kept");
		munmap(big + 8 * PG, PG);
		refused = hotpages_apply(h);
		CHECK(refused == 1, "a range unmapped since is refused (%zu)", refused);
		hotpages_free(h);
	}
	{
		size_t refused = hotpages_apply(NULL);
		CHECK(refused == 0 && hotpages_pages(NULL) == 0, "NULL is the empty set");
	}
	munmap(big, big_len);
	munmap(ro, 4 * PG);
}

/*
 * More ranges than one process_madvise() call takes (IOV_MAX): every other
 * page of a buffer, so no two coalesce.  With madvise() refused, only the
 * batches can have copied them, the last batch included.
 */
static void test_many_ranges(void)
{
	const size_t ranges = IOV_MAX + IOV_MAX / 2, pages = 2 * ranges;
	char *buf = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *pairs;
	struct hotpages *h = NULL;
	int r, st = 0;
	pid_t pid;

	if (buf == MAP_FAILED) {
		CHECK(0, "mmap");
		return;
	}
	(void)madvise(buf, pages * PG, MADV_NOHUGEPAGE);
	memset(buf, 'p', pages * PG);
	if (!batched_supported(buf)) {
		SKIP("process_madvise(MADV_POPULATE_WRITE) on oneself needs Linux 6.13");
		munmap(buf, pages * PG);
		return;
	}
	pairs = calloc(2 * ranges, sizeof(*pairs));
	for (size_t i = 0; pairs && i < ranges; i++) {
		pairs[2 * i] = (uintptr_t)buf + 2 * i * PG;
		pairs[2 * i + 1] = PG;
	}
	r = pairs ? read_pairs(pairs, ranges, &h) : -ENOMEM;
	CHECK(r == 0 && hotpages_ranges(h) == ranges, "%zu one-page ranges kept (%zu)", ranges,
	      hotpages_ranges(h));
	pid = fork();
	if (pid == 0) {
		uint64_t pm = 0;
		int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), bad = 0;

		if (fd < 0 || deny_syscall(DENY_MADVISE) < 0)
			_exit(2);
		(void)hotpages_apply(h);
		for (size_t i = 0; i < pages; i++) {
			bool want = i % 2 == 0;
			if (pread(fd, &pm, sizeof(pm), (off_t)(((uintptr_t)buf / PG + i) * sizeof(pm))) !=
			    (ssize_t)sizeof(pm))
				_exit(2);
			if (((pm & (PM_PRESENT | PM_EXCLUSIVE)) == (PM_PRESENT | PM_EXCLUSIVE)) != want)
				bad = 1;
		}
		_exit(bad);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "batched, a fork owns exactly the %zu pages of the set, past the first batch", ranges);
	hotpages_free(h);
	free(pairs);
	munmap(buf, pages * PG);
}

int main(void)
{
	test_learn_and_apply();
	test_many_ranges();
	test_read_checks();
	return tap_done();
}
