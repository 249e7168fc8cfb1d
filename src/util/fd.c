#include "util/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fd_read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int fd_memfd_from(const char *name, const void *const bufs[], const size_t lens[], size_t n)
{
	_cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int r;

	if (fd < 0)
		return neg_errno();
	for (size_t i = 0; i < n; i++) {
		if (lens[i] == 0)
			continue;
		r = fd_write_all(fd, bufs[i], lens[i]);
		if (r < 0)
			return r;
	}
	if (fcntl(fd, F_ADD_SEALS, ALL_SEALS) < 0)
		return neg_errno();
	if (lseek(fd, 0, SEEK_SET) < 0)
		return neg_errno();
	return TAKE_FD(fd);
}

int fd_check_sealed(int fd, uint64_t expected_size)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || (seals & ALL_SEALS) != ALL_SEALS)
		return -EBADMSG;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EBADMSG;
	if ((uint64_t)st.st_size != expected_size)
		return -EBADMSG;
	return 0;
}

int fd_read_sealed(int fd, uint64_t size, char **out)
{
	_cleanup_free_ char *buf = NULL;
	size_t done = 0;

	if (size > SIZE_MAX - 1)
		return -EFBIG;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return -ENOMEM;
	while (done < size) {
		ssize_t n = pread(fd, buf + done, (size_t)size - done, (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (n == 0)
			return -EBADMSG;
		done += (size_t)n;
	}
	buf[size] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}

int fd_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t n, int flags)
{
	char control[CMSG_SPACE(sizeof(int) * FD_SEND_MAX)];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t k;

	if (n > FD_SEND_MAX)
		return -EINVAL;
	if (n > 0) {
		struct cmsghdr *cm;
		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	do {
		k = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return neg_errno();
	if ((size_t)k != len)
		return -EMSGSIZE;
	return 0;
}

int fd_send_with_fd(int sock, const void *buf, size_t len, int fd, int flags)
{
	return fd_send_fds(sock, buf, len, &fd, fd >= 0 ? 1 : 0, flags);
}

int fd_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return neg_errno();
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return neg_errno();
	return 0;
}

int fd_close_from(int from_fd)
{
	if (syscall(SYS_close_range, (unsigned)from_fd, ~0U, 0) < 0)
		return neg_errno();
	return 0;
}
