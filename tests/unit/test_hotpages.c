/*
 * spawner/hotpages: a fork that wrote some pages reports exactly those (of
 * a buffer shared with its parent), a later fork that applies the set
 * owns them before writing anything, with their contents intact, and a
 * report is checked against the reader's own mappings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawner/hotpages.h"
#include "tap.h"

#define PG 4096u
#define NPAGES 64
#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_EXCLUSIVE (UINT64_C(1) << 56)

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
static void check_apply(char *buf, struct hotpages *h)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int bad = 0;
		uint64_t before = owned_pages(buf), after;

		if ((before & written_mask()) != 0)
			bad |= 1; /* a fresh fork owns none of them yet */
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
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 1), "a new fork owns none of the pages at first");
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 2), "after apply it owns every page the probe wrote");
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 4), "and no page of the buffer the probe did not write");
	CHECK(WIFEXITED(st) && !(WEXITSTATUS(st) & 8), "the contents are the parent's, unchanged");
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
	if (madvise(buf, PG, 23 /* MADV_POPULATE_WRITE */) < 0 && errno == EINVAL) {
		SKIP("MADV_POPULATE_WRITE needs Linux 5.14");
	} else {
		check_apply(buf, h);
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

int main(void)
{
	test_learn_and_apply();
	test_read_checks();
	return tap_done();
}
