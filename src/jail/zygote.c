/*
 * Cloning in a zygote (see jail.h, jail_zygote_serve).
 *
 * One request, one reply, over a SOCK_SEQPACKET pair; the spawner sends
 * the next only after the reply to the last (or never again: a late or
 * missing reply loses the zygote for good, so replies cannot fall out of
 * step).  The request carries the child's fds, in this order:
 *
 *   the sync pipe's read end, the report pipe's write end,
 *   the cgroup files to join (njoin), then run->fds[i] for every bit i
 *   of fd_mask (the others are -1: /dev/null in the jail).
 *
 * The reply carries the pidfd when err is 0.  The zygote holds no fd of
 * a request after its reply: the child has its own copies.
 */
#include "jail/child.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/fd.h"

#define ZYGOTE_MAGIC 0x7a79676fu /* "zygo" */
#define RUN_FDS 5
#define REQUEST_FDS_MAX (2 + JAIL_JOIN_FDS_MAX + RUN_FDS)
_Static_assert(REQUEST_FDS_MAX <= FD_SEND_MAX, "a request's fds fit one fd_send_fds()");
/* A lean clone takes under a millisecond; this only bounds a zygote that hangs. */
#define REPLY_TIMEOUT_MS 5000

struct clone_request {
	uint32_t magic;
	uint32_t seq;
	uint32_t cpu_seconds;
	uint32_t fd_mask; /* bit i: run->fds[i] is attached */
	uint32_t njoin;
};

struct clone_reply {
	uint32_t magic;
	uint32_t seq;
	int32_t err; /* positive errno, or 0 with the pidfd attached */
	int32_t pid;
};

/*
 * Receives one message into buf and the fds attached to it (all of them
 * are closed again if they are more than max or the message is cut).
 * Returns its length (0 at EOF) or -errno; *n is the number of fds kept.
 */
static ssize_t recv_fds(int sock, void *buf, size_t len, int *fds, size_t max, size_t *n)
{
	char control[CMSG_SPACE(sizeof(int) * REQUEST_FDS_MAX)];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	bool bad = false;
	ssize_t k;

	*n = 0;
	do {
		k = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return neg_errno();
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t got;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < got; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*n < max)
				fds[(*n)++] = fd;
			else {
				close(fd);
				bad = true;
			}
		}
	}
	if (bad || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		while (*n > 0)
			close(fds[--(*n)]);
		return -EPROTO;
	}
	return k;
}

long jail_zygote_clone(int sock, const struct child_ctx *ctx, int *pidfd, bool *lost)
{
	static uint32_t seq;
	struct clone_request rq = { .magic = ZYGOTE_MAGIC, .seq = ++seq,
				    .cpu_seconds = ctx->run->cpu_seconds,
				    .njoin = (uint32_t)ctx->njoin };
	struct clone_reply rp;
	int fds[REQUEST_FDS_MAX], got[1];
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	size_t n = 0, ngot = 0;
	ssize_t k;
	int r;

	if (ctx->njoin > JAIL_JOIN_FDS_MAX)
		return -EINVAL;
	fds[n++] = ctx->sync_fd;
	fds[n++] = ctx->report_fd;
	for (size_t i = 0; i < ctx->njoin; i++)
		fds[n++] = ctx->join_fds[i];
	for (int i = 0; i < RUN_FDS; i++) {
		if (ctx->run->fds[i] < 0)
			continue;
		rq.fd_mask |= 1u << i;
		fds[n++] = ctx->run->fds[i];
	}
	*lost = true; /* until a reply in step has come */
	r = fd_send_fds(sock, &rq, sizeof(rq), fds, n, 0);
	if (r < 0)
		return r;
	do {
		r = poll(&pfd, 1, REPLY_TIMEOUT_MS);
	} while (r < 0 && errno == EINTR);
	if (r <= 0)
		return r < 0 ? neg_errno() : -ETIMEDOUT;
	k = recv_fds(sock, &rp, sizeof(rp), got, ARRAY_SIZE(got), &ngot);
	if (k < 0)
		return (long)k;
	if ((size_t)k != sizeof(rp) || rp.magic != ZYGOTE_MAGIC || rp.seq != rq.seq ||
	    rp.err < 0 || (rp.err == 0) != (ngot == 1) || (rp.err == 0 && rp.pid <= 0)) {
		if (ngot)
			close(got[0]);
		return k == 0 ? -EPIPE : -EPROTO;
	}
	*lost = false;
	if (rp.err)
		return -rp.err;
	*pidfd = got[0];
	return rp.pid;
}

/* Clones the child a valid request describes; a positive errno, or 0 with *pid and *pidfd. */
static int serve_one(struct jail *j, const struct clone_request *rq, const int *fds, size_t n,
		     int (*payload)(void *), void *arg, long *pid, int *pidfd)
{
	struct jail_run run;
	struct child_ctx ctx;
	size_t next;

	if (rq->magic != ZYGOTE_MAGIC || rq->njoin > JAIL_JOIN_FDS_MAX ||
	    (rq->fd_mask & ~((1u << RUN_FDS) - 1)) ||
	    n != 2 + rq->njoin + (size_t)__builtin_popcount(rq->fd_mask))
		return EPROTO;
	memset(&run, 0, sizeof(run));
	run.cpu_seconds = rq->cpu_seconds;
	run.payload = payload;
	run.payload_arg = arg;
	run.payload_execs = false;
	ctx = (struct child_ctx){ .jail = j, .run = &run, .sync_fd = fds[0], .report_fd = fds[1],
				  .njoin = rq->njoin };
	for (size_t i = 0; i < rq->njoin; i++)
		ctx.join_fds[i] = fds[2 + i];
	next = 2 + rq->njoin;
	for (int i = 0; i < RUN_FDS; i++)
		run.fds[i] = rq->fd_mask & (1u << i) ? fds[next++] : -1;
	/* CLONE_PARENT: the spawner, our parent, becomes the child's parent too. */
	*pid = syscall(SYS_clone, JAIL_CLONE_FLAGS | CLONE_PARENT, NULL, pidfd, NULL, 0);
	if (*pid == 0)
		jail_child_main(&ctx);
	return *pid < 0 ? errno : 0;
}

_Noreturn void jail_zygote_serve(struct jail *j, int sock, int (*payload)(void *arg), void *arg)
{
	for (;;) {
		struct clone_request rq;
		struct clone_reply rp = { .magic = ZYGOTE_MAGIC };
		int fds[REQUEST_FDS_MAX], pidfd = -1;
		size_t n = 0;
		long pid = -1;
		ssize_t k = recv_fds(sock, &rq, sizeof(rq), fds, ARRAY_SIZE(fds), &n);

		if (k == 0)
			_exit(0); /* the spawner closed its end */
		if (k < 0 && k != -EPROTO)
			_exit(1);
		rp.seq = (size_t)k == sizeof(rq) ? rq.seq : 0;
		rp.err = (size_t)k == sizeof(rq) ? serve_one(j, &rq, fds, n, payload, arg, &pid, &pidfd)
						: EPROTO;
		rp.pid = (int32_t)pid;
		while (n > 0)
			close(fds[--n]);
		if (fd_send_fds(sock, &rp, sizeof(rp), &pidfd, rp.err ? 0 : 1, 0) < 0)
			_exit(1);
		if (pidfd >= 0)
			close(pidfd);
	}
}
