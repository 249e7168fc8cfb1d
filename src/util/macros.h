/*
 * Small language helpers shared by every module: cleanup attributes for
 * scope-bound ownership, explicit hand-over of ownership, and the
 * warn_unused_result marker that every fallible function carries.
 *
 * Convention (see README "Error convention"): fallible functions return
 * int, >= 0 on success and -errno on failure; output parameters are left
 * untouched on failure.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _wur_ __attribute__((warn_unused_result))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* close(2) that keeps errno, for cleanup paths that must not clobber it. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_FD(fd)                    \
	({                             \
		int _taken_fd = (fd);  \
		(fd) = -1;             \
		_taken_fd;             \
	})
#define TAKE_PTR(p)                            \
	({                                     \
		__typeof__(p) _taken_ptr = (p); \
		(p) = NULL;                    \
		_taken_ptr;                    \
	})

/* -errno of the last failed call, never 0 (a libc bug must not read as success). */
static inline int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
