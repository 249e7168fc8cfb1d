/*
 * See hotpages.h.
 */
#include "spawner/hotpages.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/fd.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096u
#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_EXCLUSIVE (UINT64_C(1) << 56)
/*
 * Larger mappings are reservations, not memory an execution writes
 * (AddressSanitizer's shadow is terabytes): not scanned.
 */
#define MAX_SCANNED_MAPPING (UINT64_C(1) << 30)

struct range {
	uint64_t start;
	uint64_t len;
};

/* The ranges as iovecs: what process_madvise() takes, and madvise() one at a time. */
struct hotpages {
	struct iovec *iov;
	size_t n;
	size_t pages;
};

/*
 * Calls fn for every private, writable mapping of this process (the only
 * kind a fork shares copy-on-write).  0 or -errno.
 */
static int each_private_writable(int (*fn)(uint64_t start, uint64_t end, void *arg), void *arg)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int r = 0;

	if (!f)
		return neg_errno();
	while (r == 0 && fgets(line, sizeof(line), f)) {
		uint64_t start, end;
		char perms[8];

		if (!strchr(line, '\n') && !feof(f)) {
			/* A path longer than the buffer: skip the rest of the line. */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &start, &end, perms) != 3)
			continue;
		if (perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p')
			r = fn(start, end, arg);
	}
	fclose(f);
	return r;
}

struct report {
	int out;
	int pagemap;
	struct range pending[256];
	size_t npending;
	struct range cur;
	size_t budget; /* pages still allowed */
};

static int report_flush(struct report *rep)
{
	int r = 0;

	if (rep->npending)
		r = fd_write_all(rep->out, rep->pending, rep->npending * sizeof(rep->pending[0]));
	rep->npending = 0;
	return r;
}

static int report_page(struct report *rep, uint64_t addr)
{
	if (rep->cur.len && rep->cur.start + rep->cur.len == addr) {
		rep->cur.len += PAGE;
		return 0;
	}
	if (rep->cur.len) {
		rep->pending[rep->npending++] = rep->cur;
		if (rep->npending == ARRAY_SIZE(rep->pending)) {
			int r = report_flush(rep);
			if (r < 0)
				return r;
		}
	}
	rep->cur = (struct range){ .start = addr, .len = PAGE };
	return 0;
}

static int report_mapping(uint64_t start, uint64_t end, void *arg)
{
	struct report *rep = arg;
	uint64_t entries[512];

	if (end - start > MAX_SCANNED_MAPPING)
		return 0;
	for (uint64_t at = start; at < end && rep->budget;) {
		size_t want = (size_t)MIN((end - at) / PAGE, (uint64_t)ARRAY_SIZE(entries));
		ssize_t got = pread(rep->pagemap, entries, want * sizeof(entries[0]),
				    (off_t)(at / PAGE * sizeof(entries[0])));
		size_t n;

		if (got <= 0)
			return got < 0 ? neg_errno() : 0;
		n = (size_t)got / sizeof(entries[0]);
		for (size_t i = 0; i < n && rep->budget; i++) {
			if ((entries[i] & (PM_PRESENT | PM_EXCLUSIVE)) != (PM_PRESENT | PM_EXCLUSIVE))
				continue;
			int r = report_page(rep, at + i * PAGE);
			if (r < 0)
				return r;
			rep->budget--;
		}
		at += n * PAGE;
	}
	return 0;
}

int hotpages_report_self(int fd)
{
	struct report rep = { .out = fd, .budget = HOTPAGES_MAX_PAGES };
	int r;

	rep.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (rep.pagemap < 0)
		return neg_errno();
	r = each_private_writable(report_mapping, &rep);
	if (r == 0 && rep.cur.len)
		rep.pending[rep.npending++] = rep.cur;
	if (r == 0)
		r = report_flush(&rep);
	close(rep.pagemap);
	return r;
}

struct mappings {
	struct range *r;
	size_t n, cap;
};

static int collect_mapping(uint64_t start, uint64_t end, void *arg)
{
	struct mappings *m = arg;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct range *nr = realloc(m->r, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		m->r = nr;
		m->cap = cap;
	}
	m->r[m->n++] = (struct range){ .start = start, .len = end - start };
	return 0;
}

/* Appends the part of [start, start+len) that lies in the mappings m (sorted, as maps lists them). */
static int keep_inside(struct hotpages *h, size_t *cap, const struct mappings *m, struct range in)
{
	for (size_t i = 0; i < m->n && h->pages < HOTPAGES_MAX_PAGES; i++) {
		uint64_t lo = MAX(in.start, m->r[i].start);
		uint64_t hi = MIN(in.start + in.len, m->r[i].start + m->r[i].len);
		uint64_t pages;

		if (lo >= hi)
			continue;
		pages = MIN((hi - lo) / PAGE, (uint64_t)(HOTPAGES_MAX_PAGES - h->pages));
		if (h->n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			struct iovec *niov = realloc(h->iov, ncap * sizeof(*niov));
			if (!niov)
				return -ENOMEM;
			h->iov = niov;
			*cap = ncap;
		}
		h->iov[h->n++] = (struct iovec){ .iov_base = (void *)(uintptr_t)lo,
						 .iov_len = (size_t)(pages * PAGE) };
		h->pages += (size_t)pages;
	}
	return 0;
}

int hotpages_read(int fd, struct hotpages **out)
{
	struct mappings m = { 0 };
	struct hotpages *h = calloc(1, sizeof(*h));
	size_t cap = 0;
	int r;

	if (!h)
		return -ENOMEM;
	r = each_private_writable(collect_mapping, &m);
	while (r == 0) {
		struct range in;

		r = fd_read_exact(fd, &in, sizeof(in));
		if (r == -EPIPE) { /* EOF: the report ends (a cut last pair is dropped) */
			r = 0;
			break;
		}
		if (r == 0 && (in.start % PAGE || in.len % PAGE || in.start + in.len < in.start))
			r = -EINVAL;
		if (r == 0)
			r = keep_inside(h, &cap, &m, in);
	}
	free(m.r);
	if (r < 0) {
		hotpages_free(h);
		return r;
	}
	*out = h;
	return 0;
}

size_t hotpages_pages(const struct hotpages *h)
{
	return h ? h->pages : 0;
}

size_t hotpages_ranges(const struct hotpages *h)
{
	return h ? h->n : 0;
}

/*
 * Populates ranges [0, n) with as few system calls as the kernel allows:
 * since Linux 6.13 process_madvise() takes any advice for the caller
 * itself, MADV_POPULATE_WRITE included, over IOV_MAX ranges per call.
 * Where each system call crosses a hypervisor that is ~2 us saved per
 * range (the pandas set has ~720: measured with 700 one-page ranges in a
 * fork child, 4.9 ms one call each, 3.4 ms batched).  Returns how many
 * leading ranges are done: a kernel that refuses (older, or a tracer
 * without the call) leaves them all to the one-call-each loop below, and
 * a call that stops part-way (its byte count says where) leaves the rest.
 */
static size_t apply_batched(const struct hotpages *h)
{
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	size_t done = 0;

	if (self < 0)
		return 0;
	while (done < h->n) {
		size_t batch = MIN(h->n - done, (size_t)IOV_MAX);
		ssize_t bytes = syscall(SYS_process_madvise, self, h->iov + done, batch,
					MADV_POPULATE_WRITE, 0u);
		size_t full = 0;

		if (bytes <= 0)
			break;
		/* Ranges done in full; a cut one is redone below (populating is idempotent). */
		while (full < batch && (size_t)bytes >= h->iov[done + full].iov_len)
			bytes -= (ssize_t)h->iov[done + full++].iov_len;
		done += full;
		if (full < batch)
			break;
	}
	close(self);
	return done;
}

size_t hotpages_apply(const struct hotpages *h)
{
	size_t refused = 0, first;

	if (!h || !h->n)
		return 0;
	first = apply_batched(h);
	for (size_t i = first; i < h->n; i++) {
		if (madvise(h->iov[i].iov_base, h->iov[i].iov_len, MADV_POPULATE_WRITE) == 0)
			continue;
		if (errno == EINVAL && refused == i - first) /* a kernel without it: none will work */
			return h->n - first;
		refused++;
	}
	return refused;
}

void hotpages_free(struct hotpages *h)
{
	if (!h)
		return;
	free(h->iov);
	free(h);
}
