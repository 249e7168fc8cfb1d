/*
 * Framing and validation for the front <-> spawner protocol (see proto.h).
 *
 * Invariants: a message is exactly one SOCK_SEQPACKET datagram of exactly
 * ipc_msg_size(type) bytes carrying zero or one fd; anything else (short,
 * long, truncated, extra fds, wrong magic/version, out-of-range fields) is
 * -EBADMSG.  Received fds are always closed on a validation failure so a
 * hostile peer cannot make us leak them.
 */
#include "ipc/proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fd.h"

size_t ipc_msg_size(uint16_t type)
{
	switch (type) {
	case IPC_HELLO:
		return sizeof(struct ipc_hello);
	case IPC_EXEC:
		return sizeof(struct ipc_exec);
	case IPC_RESULT:
		return sizeof(struct ipc_result);
	case IPC_STATS_REQ:
		return sizeof(struct ipc_stats_req);
	case IPC_CANCEL:
		return sizeof(struct ipc_cancel);
	case IPC_STATS:
		return sizeof(struct ipc_stats);
	case IPC_STATUS:
		return sizeof(struct ipc_status);
	default:
		return 0;
	}
}

/* Which message types must carry an fd (1), must not (0). */
static int type_wants_fd(uint16_t type)
{
	return type == IPC_EXEC || type == IPC_RESULT;
}

static bool str_terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int ipc_validate(const void *buf, size_t len, bool has_fd, const struct ipc_limits *lim)
{
	struct ipc_header h;
	size_t want;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != IPC_MAGIC || h.version != IPC_VERSION)
		return -EBADMSG;
	want = ipc_msg_size(h.type);
	if (want == 0 || len != want)
		return -EBADMSG;
	if (has_fd != (type_wants_fd(h.type) != 0))
		return -EBADMSG;

	switch (h.type) {
	case IPC_HELLO: {
		struct ipc_hello m;
		memcpy(&m, buf, sizeof(m));
		if (m.cgroup_version > IPC_CGROUP_V2 || m.mode > 1)
			return -EBADMSG;
		if (!str_terminated(m.python_version, sizeof(m.python_version)) ||
		    !str_terminated(m.cgroup_path, sizeof(m.cgroup_path)))
			return -EBADMSG;
		break;
	}
	case IPC_EXEC: {
		struct ipc_exec m;
		memcpy(&m, buf, sizeof(m));
		if (m.flags != 0 || m.timeout_ms == 0 || m.timeout_ms > lim->timeout_max_ms)
			return -EBADMSG;
		if (m.memory_bytes == 0 || m.memory_bytes > lim->memory_max_bytes)
			return -EBADMSG;
		if (m.script_len == 0 || m.script_len > lim->max_script_bytes)
			return -EBADMSG;
		break;
	}
	case IPC_RESULT: {
		struct ipc_result m;
		memcpy(&m, buf, sizeof(m));
		if (m.outcome > OUTCOME__MAX)
			return -EBADMSG;
		if (m.result_len > lim->max_result_bytes || m.stdout_len > lim->max_output_bytes ||
		    m.stderr_len > lim->max_output_bytes)
			return -EBADMSG;
		if (m.setup_errno < 0 || m.term_signal < 0 || m.term_signal > 64)
			return -EBADMSG;
		if (m.flags & ~(uint32_t)RESULT_FLAGS_ALL)
			return -EBADMSG;
		break;
	}
	case IPC_STATUS: {
		struct ipc_status m;
		memcpy(&m, buf, sizeof(m));
		if (m.pad != 0 || m.lean_zygote_pid > INT32_MAX)
			return -EBADMSG;
		break;
	}
	default:
		break;
	}
	return 0;
}

int ipc_send(int sock, union ipc_msg *msg, int fd)
{
	size_t len = ipc_msg_size(msg->h.type);

	if (len == 0)
		return -EINVAL;
	msg->h.magic = IPC_MAGIC;
	msg->h.version = IPC_VERSION;
	return fd_send_with_fd(sock, msg, len, fd, 0);
}

int ipc_recv(int sock, const struct ipc_limits *lim, union ipc_msg *msg, int *fd_out)
{
	/* One byte more than the largest message, so an oversized one shows as MSG_TRUNC. */
	char buf[sizeof(union ipc_msg) + 1];
	/* Room for several fds, so a peer sending extras gets all of them closed. */
	char control[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	int fds[8];
	size_t nfds = 0;
	ssize_t n;
	int r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control;
	mh.msg_controllen = sizeof(control);

	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return neg_errno();

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k && nfds < ARRAY_SIZE(fds); i++)
				memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
		}
	}

	r = 0;
	/*
	 * An empty datagram is EOF on SOCK_SEQPACKET, unless it carried fds:
	 * that is a peer breaking the protocol, and the fds must not leak.
	 */
	if (n == 0)
		r = nfds ? -EBADMSG : -EPIPE;
	else if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) || nfds > 1)
		r = -EBADMSG;
	if (r == 0)
		r = ipc_validate(buf, (size_t)n, nfds == 1, lim);
	if (r < 0) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return r;
	}
	memset(msg, 0, sizeof(*msg));
	memcpy(msg, buf, (size_t)n);
	*fd_out = nfds == 1 ? fds[0] : -1;
	return 0;
}
