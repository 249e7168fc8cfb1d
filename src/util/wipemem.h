/*
 * Memory that a child process does not inherit: anonymous pages marked
 * MADV_WIPEONFORK, which a fork or clone child (any child with its own
 * address space) sees as zeros.  For what one execution leaves in a
 * process that later executions are forked from: in warm mode that is the
 * spawner itself, and every byte it ever wrote to ordinary memory, freed
 * or not, is readable in the next jail it forks.
 */
#pragma once

#include <stddef.h>

#include "util/macros.h"

/* Maps len bytes (rounded up to pages; touched pages only are backed).  0 or -errno. */
int wipemem_map(size_t len, void **out) _wur_;
/* Unmaps what wipemem_map() returned for the same len; NULL is a no-op. */
void wipemem_unmap(void *p, size_t len);
