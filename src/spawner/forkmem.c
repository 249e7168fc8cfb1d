/*
 * See forkmem.h.
 *
 * Arenas: CPython takes its small-object arenas (1 MiB) one mmap() at a
 * time, and shared libraries loaded between two of them keep them from
 * merging.  Ours come from one 2 MiB-aligned reservation, made PROT_NONE
 * and opened slot by slot, so the used part is a single read-write
 * mapping (and only it counts as committed memory).  A freed arena gives
 * its pages back with MADV_DONTNEED and its slot is reused.  The zygote is
 * single-threaded, and in a child CPython calls these under the GIL.
 *
 * Collapsing: private, writable, anonymous mappings (the heap, the arena
 * reservation, numpy's buffers), aligned inward to 2 MiB, and only blocks
 * at least 3/4 resident, so that a mostly untouched buffer is not filled
 * with zeros.  MADV_COLLAPSE, not MADV_HUGEPAGE: the mappings keep their
 * flags, so a child's fresh faults stay 4 KiB pages.
 */
#include "spawner/forkmem.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <Python.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define HUGE_SIZE (2UL << 20)
#define SMALL_PAGE 4096UL
#define PAGES_PER_HUGE (HUGE_SIZE / SMALL_PAGE)

#define MAX_COLLAPSE_MAPPING (1UL << 30)

#define ARENA_SLOT (1UL << 20)  /* CPython 3.11's ARENA_SIZE on 64-bit */
#define ARENA_SLOTS 1024        /* 1 GiB of address space */
#define MMAP_THRESHOLD_DEFAULT (128 * 1024)
#define MMAP_THRESHOLD_PRELOAD (32 * 1024 * 1024) /* glibc's maximum */

/*
 * The heap's end before Python: below it live the spawner's own long-lived
 * objects, which it keeps writing, so no huge page is made there.
 */
static uintptr_t heap_before_python;

static struct {
	char *base;      /* NULL: not reserved, arenas go to plain mmap */
	size_t opened;   /* slots made read-write, from the base up */
	uint64_t used[ARENA_SLOTS / 64];
} region;

static void *plain_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static bool in_region(const void *p)
{
	return region.base && (const char *)p >= region.base &&
	       (const char *)p < region.base + ARENA_SLOTS * ARENA_SLOT;
}

static void *arena_alloc(void *ctx, size_t size)
{
	(void)ctx;
	if (!region.base || size > ARENA_SLOT)
		return plain_alloc(size);
	for (size_t w = 0; w < ARENA_SLOTS / 64; w++) {
		size_t i;

		if (region.used[w] == UINT64_MAX)
			continue;
		i = w * 64 + (size_t)__builtin_ctzll(~region.used[w]);
		if (i >= region.opened) {
			/* Slots open in order, so i == opened: the read-write part grows by one. */
			if (mprotect(region.base + i * ARENA_SLOT, ARENA_SLOT, PROT_READ | PROT_WRITE) < 0)
				return plain_alloc(size);
			region.opened = i + 1;
		}
		region.used[w] |= UINT64_C(1) << (i % 64);
		return region.base + i * ARENA_SLOT;
	}
	return plain_alloc(size);
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (!in_region(ptr)) {
		munmap(ptr, size);
		return;
	}
	size_t i = (size_t)((char *)ptr - region.base) / ARENA_SLOT;
	(void)madvise(ptr, ARENA_SLOT, MADV_DONTNEED);
	region.used[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

static void reserve_region(void)
{
	size_t len = ARENA_SLOTS * ARENA_SLOT;
	char *raw = mmap(NULL, len + HUGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t aligned;

	if (raw == MAP_FAILED)
		return;
	aligned = ((uintptr_t)raw + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	if (aligned > (uintptr_t)raw)
		munmap(raw, aligned - (uintptr_t)raw);
	munmap((char *)aligned + len, (uintptr_t)raw + HUGE_SIZE - aligned);
	region.base = (char *)aligned;
}

void forkmem_before_python(void)
{
	PyObjectArenaAllocator a = { .ctx = NULL, .alloc = arena_alloc, .free = arena_free };

	heap_before_python = (uintptr_t)sbrk(0);
	reserve_region();
	PyObject_SetArenaAllocator(&a);
	/* Until the preloads are done, no malloc()ed block becomes a mapping of its own. */
	(void)mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_PRELOAD);
}

static size_t rollup_kb(const char *key)
{
	char line[256];
	size_t kb = 0, klen = strlen(key);
	FILE *f = fopen("/proc/self/smaps_rollup", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			(void)sscanf(line + klen + 1, "%zu", &kb);
	fclose(f);
	return kb;
}

size_t forkmem_huge_bytes(void)
{
	return rollup_kb("AnonHugePages") * 1024;
}

/* Whether at least 3/4 of the 2 MiB at lo is resident. */
static bool mostly_resident(uintptr_t lo)
{
	unsigned char vec[PAGES_PER_HUGE];
	size_t in = 0;

	if (mincore((void *)lo, HUGE_SIZE, vec) < 0)
		return false;
	for (size_t i = 0; i < PAGES_PER_HUGE; i++)
		in += vec[i] & 1;
	return in * 4 >= PAGES_PER_HUGE * 3;
}

void forkmem_collapse(struct forkmem_stats *st)
{
	char line[512];
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->huge_before = forkmem_huge_bytes();
	f = fopen("/proc/self/maps", "re");
	if (!f) {
		st->error = -errno;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;
		char perms[8], dev[16];
		unsigned long off, inode;
		int n = 0;

		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, perms, &off, dev, &inode,
			   &n) < 6)
			continue;
		/* Anonymous: no inode, and no name but the heap's (not [stack], [vvar]...). */
		if (inode != 0 || strcmp(perms, "rw-p") != 0)
			continue;
		/* Not a sanitizer's terabytes of shadow: mincore() over them would take seconds. */
		if (hi - lo > MAX_COLLAPSE_MAPPING)
			continue;
		if (line[n] != '\n' && line[n] != '\0' && strncmp(line + n, "[heap]", 6) != 0)
			continue;
		if (lo < heap_before_python && heap_before_python < hi)
			lo = heap_before_python;
		lo = (lo + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
		hi &= ~(HUGE_SIZE - 1);
		for (uintptr_t a = lo; a < hi; a += HUGE_SIZE) {
			if (!mostly_resident(a))
				continue;
			if (madvise((void *)a, HUGE_SIZE, MADV_COLLAPSE) < 0 && st->error == 0)
				st->error = -errno;
		}
	}
	fclose(f);
	st->huge_bytes = forkmem_huge_bytes();
	st->anon_bytes = rollup_kb("Anonymous") * 1024;
}

/*
 * Takes every free malloc() block below the last 2 MiB boundary of the
 * heap, for good: from then on the spawner's own allocations (and a
 * child's) come from above it, and never write into, and so split, the
 * huge pages below.  What this holds was free memory the preloads left,
 * already resident and shared by every child.
 *
 * Large sizes first, halving: glibc serves them best-fit from any larger
 * free block.  Then every small chunk size, one by one, because the
 * per-thread cache and the fast bins serve only their exact size.  A size
 * is done when malloc() answers from above the fence.
 */
#define FENCE_MAX_BLOCKS (1u << 20)
#define MALLOC_ALIGN 16
#define MALLOC_OVERHEAD 8 /* a chunk's size field */
#define SMALL_CHUNK_MAX 1024

static bool fence_size(size_t request, uintptr_t fence, unsigned *blocks)
{
	while (*blocks < FENCE_MAX_BLOCKS) {
		void *p = malloc(request);

		if (!p)
			return false;
		if ((uintptr_t)p >= fence) {
			free(p);
			return true;
		}
		(*blocks)++; /* kept: never freed */
	}
	return false;
}

static void fence_heap(void)
{
	uintptr_t fence = (uintptr_t)sbrk(0) & ~(HUGE_SIZE - 1);
	unsigned blocks = 0;

	for (size_t size = ARENA_SLOT; size > SMALL_CHUNK_MAX; size /= 2)
		if (!fence_size(size, fence, &blocks))
			return;
	for (size_t chunk = SMALL_CHUNK_MAX; chunk >= 2 * MALLOC_ALIGN; chunk -= MALLOC_ALIGN)
		if (!fence_size(chunk - MALLOC_OVERHEAD, fence, &blocks))
			return;
}

void forkmem_after_preload(struct forkmem_stats *st)
{
	fence_heap();
	forkmem_collapse(st);
	(void)mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_DEFAULT);
}
