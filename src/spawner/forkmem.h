/*
 * Making the warm zygote cheap to fork and its children cheap to end.
 *
 * fork() copies the page-table entry of every anonymous page and the
 * child's exit tears each one down again: with pandas imported that is
 * ~10k entries, measured here at some 4 ms in the spawner per fork and
 * 5 ms in each child's exit.  Backed by transparent huge pages, the same
 * memory is one entry per 2 MiB.  A child's first write into such a
 * region splits its own mapping and copies 4 KiB as before, so what a
 * child is charged for does not change.
 *
 * Huge pages need large, aligned, mostly-filled mappings; the zygote's
 * memory is made of those in three steps: forkmem_before_python()
 * gathers Python's object arenas into one reservation and keeps malloc
 * in its contiguous heap, forkmem_after_preload() collapses what the
 * preloads filled and returns malloc to its usual behaviour.
 * Performance only: where the kernel lacks MADV_COLLAPSE (before 6.1) or
 * huge pages are off, memory stays as it was and nothing fails.
 */
#ifndef PYEXEC_SPAWNER_FORKMEM_H
#define PYEXEC_SPAWNER_FORKMEM_H

#include <stddef.h>

struct forkmem_stats {
	size_t anon_bytes; /* Anonymous of the whole process afterwards */
	size_t huge_before; /* AnonHugePages before */
	size_t huge_bytes; /* AnonHugePages afterwards */
	int error;         /* first madvise error (-errno), 0 if none */
};

/* In the zygote, before Python is initialised. */
void forkmem_before_python(void);

/* In the zygote, after the preloads and gc.freeze(), before the first fork. */
void forkmem_after_preload(struct forkmem_stats *st);

/* AnonHugePages of this process, in bytes (0 if unknown). */
size_t forkmem_huge_bytes(void);

/* Collapses again what writes have split since (some milliseconds). */
void forkmem_collapse(struct forkmem_stats *st);

#endif
