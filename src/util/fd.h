/*
 * File-descriptor helpers: whole reads and writes that survive EINTR and
 * short transfers, sealed memfds for handing buffers across processes, and
 * SCM_RIGHTS fd passing.  All fds are created O_CLOEXEC.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/macros.h"

/* Write all of buf; returns 0 or -errno. */
int fd_write_all(int fd, const void *buf, size_t len) _wur_;
/* Read exactly len bytes; -EPIPE if EOF comes first. */
int fd_read_exact(int fd, void *buf, size_t len) _wur_;

/*
 * A memfd holding a copy of the given buffers, sealed against any further
 * change (F_SEAL_SEAL|SHRINK|GROW|WRITE) and rewound.  Returns the fd or -errno.
 */
int fd_memfd_from(const char *name, const void *const bufs[], const size_t lens[], size_t n) _wur_;

/*
 * Checks that fd is a memfd sealed as fd_memfd_from() seals it and that its
 * size is exactly expected_size; returns 0 or -EBADMSG.  Used on fds
 * received from another process, which is never trusted.
 */
int fd_check_sealed(int fd, uint64_t expected_size) _wur_;

/* Reads the whole content of a sealed memfd of known size into a new buffer. */
int fd_read_sealed(int fd, uint64_t size, char **out) _wur_;

/*
 * One sendmsg(2) of buf[0..len) with fd attached (SCM_RIGHTS) when fd >= 0;
 * flags are sendmsg's (MSG_NOSIGNAL is always added).  0, -EMSGSIZE on a
 * short send, or -errno.
 */
int fd_send_with_fd(int sock, const void *buf, size_t len, int fd, int flags) _wur_;

/* The same with fds[0..n) attached (none when n is 0); -EINVAL above FD_SEND_MAX. */
#define FD_SEND_MAX 16
int fd_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t n, int flags) _wur_;

int fd_set_nonblock(int fd) _wur_;

/* Makes every fd >= from_fd close on exec, or closes them (close_range). */
int fd_close_from(int from_fd) _wur_;
