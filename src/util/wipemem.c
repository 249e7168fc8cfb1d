#include "util/wipemem.h"

#include <errno.h>
#include <sys/mman.h>

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18 /* Linux 4.14 */
#endif

int wipemem_map(size_t len, void **out)
{
	void *p;

	if (len == 0)
		return -EINVAL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		return neg_errno();
	/* Fail closed: without the advice the memory would reach every later jail. */
	if (madvise(p, len, MADV_WIPEONFORK) < 0) {
		int r = neg_errno();
		munmap(p, len);
		return r;
	}
	*out = p;
	return 0;
}

void wipemem_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}
