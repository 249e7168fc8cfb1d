/*
 * The zygote's pages that every execution writes, copied in one pass.
 *
 * A child forked from the warm zygote shares its memory copy-on-write,
 * and CPython writes to every object it touches (reference counts), so
 * each execution copies the same few hundred pages again, one page fault
 * each.  Where page faults are expensive (a VM whose hypervisor shadows
 * the guest's page tables: ~15-25 us each, measured), that is most of a
 * warm execution's time.  MADV_POPULATE_WRITE (Linux 5.14) breaks the
 * sharing of a whole range in one system call, with no fault per page.
 *
 * Which pages: learned once at start-up from trusted probe runs of the
 * runner in plain forks of the zygote (payload.c), which report the pages
 * they have made their own (/proc/self/pagemap: present and exclusively
 * mapped).  No user script ever contributes to a set.
 *
 * Performance only: a set that cannot be learned is empty, and a range
 * that cannot be populated is left to fault as before.
 */
#ifndef PYEXEC_SPAWNER_HOTPAGES_H
#define PYEXEC_SPAWNER_HOTPAGES_H

#include <stddef.h>

#include "util/macros.h"

/* Upper bound of one set, in pages (32 MiB): a probe that wrote more is cut there. */
#define HOTPAGES_MAX_PAGES 8192u

struct hotpages;

/*
 * In a probe child, as its last act: writes the pages of its private
 * writable mappings that it no longer shares (present, exclusively
 * mapped) to fd, as coalesced (start, length) pairs of uint64_t.
 * 0 or -errno.
 */
int hotpages_report_self(int fd);

/*
 * In the zygote: reads a probe's report from fd until EOF and keeps what
 * lies in the zygote's own private writable mappings, at most
 * HOTPAGES_MAX_PAGES pages.  0 and *out (possibly empty), or -errno.
 */
int hotpages_read(int fd, struct hotpages **out) _wur_;

size_t hotpages_pages(const struct hotpages *h);  /* 0 for NULL */
size_t hotpages_ranges(const struct hotpages *h); /* 0 for NULL */

/*
 * In a child of the zygote: makes every page of h its own now.  NULL is
 * an empty set.  Returns the number of ranges the kernel refused (left
 * to fault one page at a time, as without this).
 */
size_t hotpages_apply(const struct hotpages *h);

void hotpages_free(struct hotpages *h);

#endif
