/*
 * Front <-> spawner broker (see broker.h).
 *
 * Invariants, all under b->lock:
 *  - a job is in b->pending from just before its IPC_EXEC is sent until
 *    exactly one party takes it out (the result, a send failure, a drop
 *    or a fail-all); whoever takes it out calls done, after unlocking;
 *  - in_flight == length of b->pending, and never exceeds
 *    cfg->slots + cfg->queue;
 *  - once `dropped` is set nothing is sent on the socket again (it is
 *    shut down, not closed, so the fd number cannot be reused under a
 *    concurrent sender) until the supervisor hands over a new spawner;
 *  - b->sock changes only in the reading thread and only under the lock,
 *    and senders use it only under the lock, so an old socket can be
 *    closed as soon as it has been swapped out.
 *
 * The reading thread owns the receive side; any thread may send (under
 * the lock, so messages from different requests are never interleaved
 * with the table update that describes them).  The thread runs until
 * broker_stop(): a dropped spawner may be replaced.
 */
#include "http/broker.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util/fd.h"
#include "util/log.h"

struct pending {
	struct pending *next;
	uint64_t id;
	void *cookie;
	char request_id[72];
	uint32_t timeout_ms;
	uint64_t memory_bytes;
	bool cancel_sent;
};

struct http_broker {
	const struct pyexec_config *cfg;
	struct ipc_limits limits;
	int sock;
	int ctl;     /* the supervisor's control socket, or -1 */
	int stop_fd; /* eventfd: wakes the thread for broker_stop() */
	broker_done_fn done;
	pthread_t thread;
	bool started, stopped;

	pthread_mutex_t lock;
	struct pending *pending;
	uint32_t in_flight;
	uint64_t last_id;
	bool ready, dropped, draining;
	bool abandoned; /* fail_all ran: results for unknown ids are late, not hostile */
	uint64_t replacements; /* spawner sockets taken from the control socket */
	struct ipc_hello hello;
	struct ipc_status status; /* the latest, zeroed until one comes */
};

static const char msg_unavailable[] = "The sandbox service is unavailable";
static const char msg_restarted[] = "The sandbox service restarted during the execution; retry";

/* Answers a job that the spawner will never (or may no longer) answer. */
static void answer_failed(struct http_broker *b, struct pending *p, const char *message)
{
	struct response resp = { 0 };

	if (response_error(503, "unavailable", message, p->request_id, &resp) < 0)
		resp.body = NULL;
	b->done(p->cookie, &resp, NULL);
}

/* Takes the whole table out under the lock; the caller answers each entry. */
static struct pending *take_all_locked(struct http_broker *b)
{
	struct pending *list = b->pending;

	b->pending = NULL;
	b->in_flight = 0;
	return list;
}

static void answer_list(struct http_broker *b, struct pending *list, const char *message)
{
	while (list) {
		struct pending *next = list->next;
		answer_failed(b, list, message);
		free(list);
		list = next;
	}
}

static struct pending *take_locked(struct http_broker *b, uint64_t id)
{
	for (struct pending **pp = &b->pending; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct pending *p = *pp;
			*pp = p->next;
			b->in_flight--;
			return p;
		}
	}
	return NULL;
}

/*
 * Gives up on the spawner: no message from it is believed any more.  The
 * socket is shut down so the spawner sees EOF and stops too (and the
 * supervisor, seeing it exit, may start another).
 */
static void drop_spawner(struct http_broker *b, const char *reason, int err)
{
	struct pending *list;
	char errbuf[16];

	pthread_mutex_lock(&b->lock);
	if (b->dropped) {
		pthread_mutex_unlock(&b->lock);
		return;
	}
	b->dropped = true;
	list = take_all_locked(b);
	pthread_mutex_unlock(&b->lock);

	shutdown(b->sock, SHUT_RDWR);
	(void)snprintf(errbuf, sizeof(errbuf), "%d", -err);
	log_event(LOG_ERROR, "spawner_lost", "reason", reason, "errno", errbuf, NULL);
	answer_list(b, list, msg_unavailable);
}

static int on_hello(struct http_broker *b, const struct ipc_hello *h)
{
	char iso[16], cg[16];

	pthread_mutex_lock(&b->lock);
	if (b->ready) {
		pthread_mutex_unlock(&b->lock);
		return -EBADMSG; /* said hello twice */
	}
	b->hello = *h;
	b->ready = true;
	pthread_mutex_unlock(&b->lock);

	(void)snprintf(iso, sizeof(iso), "0x%x", h->isolation);
	(void)snprintf(cg, sizeof(cg), "%u", h->cgroup_version);
	log_event(LOG_INFO, "spawner_ready", "python", h->python_version, "isolation", iso,
		  "cgroup_version", cg, NULL);
	return 0;
}

/* Handles one IPC_RESULT; consumes fd.  -EBADMSG means the spawner broke the protocol. */
static int on_result(struct http_broker *b, const struct ipc_result *res, int fd_in)
{
	_cleanup_close_ int fd = fd_in;
	_cleanup_free_ char *buf = NULL;
	const struct ipc_limits *lim = &b->limits;
	struct response resp = { 0 };
	struct response_exec ex;
	struct pending *p;
	uint64_t total;
	int r;

	/* ipc_recv checked these against the same limits; a second look costs nothing. */
	if (res->result_len > lim->max_result_bytes || res->stdout_len > lim->max_output_bytes ||
	    res->stderr_len > lim->max_output_bytes)
		return -EBADMSG;
	total = res->result_len + res->stdout_len + res->stderr_len;
	if (fd < 0 || fd_check_sealed(fd, total) < 0)
		return -EBADMSG;

	pthread_mutex_lock(&b->lock);
	p = take_locked(b, res->h.id);
	if (!p && b->abandoned) {
		pthread_mutex_unlock(&b->lock);
		return 0; /* its request was already answered by broker_fail_all() */
	}
	pthread_mutex_unlock(&b->lock);
	if (!p)
		return -EBADMSG;

	r = fd_read_sealed(fd, total, &buf);
	if (r == 0) {
		ex = (struct response_exec){
			.cfg = b->cfg,
			.request_id = p->request_id,
			.timeout_ms = p->timeout_ms,
			.memory_bytes = p->memory_bytes,
		};
		r = response_from_result(res, &ex, buf, res->result_len, buf + res->result_len,
					 res->stdout_len, buf + res->result_len + res->stdout_len,
					 res->stderr_len, &resp);
	}
	if (r < 0) {
		/* Our own failure (memory), not the spawner's: this request gets a 500. */
		char e[16];
		(void)snprintf(e, sizeof(e), "%d", -r);
		log_event(LOG_ERROR, "result_unreadable", "request_id", p->request_id, "errno", e,
			  NULL);
		if (response_error(500, "internal_error", "The result could not be processed",
				   p->request_id, &resp) < 0)
			resp.body = NULL;
	}
	b->done(p->cookie, &resp, res);
	free(p);
	return 0;
}

static int dispatch(struct http_broker *b, union ipc_msg *msg, int fd)
{
	switch (msg->h.type) {
	case IPC_HELLO:
		closep(&fd); /* ipc_recv guarantees there is none; belt and braces */
		return on_hello(b, &msg->hello);
	case IPC_RESULT:
		if (!b->ready) {
			closep(&fd);
			return -EBADMSG;
		}
		return on_result(b, &msg->result, fd);
	case IPC_STATUS:
		closep(&fd);
		if (!b->ready)
			return -EBADMSG; /* before its hello */
		pthread_mutex_lock(&b->lock);
		b->status = msg->status;
		pthread_mutex_unlock(&b->lock);
		return 0;
	case IPC_STATS:
		/* Not requested by this front yet; harmless. */
		closep(&fd);
		return 0;
	default:
		/* EXEC and STATS_REQ only travel front -> spawner. */
		closep(&fd);
		return -EBADMSG;
	}
}

/*
 * One control message from the supervisor: the byte 'S' and the socket of
 * a freshly started spawner.  The supervisor is trusted (it is our
 * privileged parent), but a malformed message still only costs its fds.
 */
static int ctl_recv(int ctl, int *fd_out)
{
	char control[CMSG_SPACE(sizeof(int) * 4)];
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	int fds[4], type = 0;
	socklen_t tlen = sizeof(type);
	size_t nfds = 0;
	ssize_t n;

	n = recvmsg(ctl, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : neg_errno();
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) && nfds < 4; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (n == 0 && nfds == 0)
		return -EPIPE;
	if (n != 1 || byte != 'S' || nfds != 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    getsockopt(fds[0], SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_SEQPACKET) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return -EBADMSG;
	}
	*fd_out = fds[0];
	return 0;
}

/* The supervisor restarted the spawner: forget the old one, wait for the new one's hello. */
static void replace_spawner(struct http_broker *b, int fd)
{
	struct pending *list;
	int old, r;

	r = fd_set_nonblock(fd);
	if (r < 0) {
		close(fd);
		log_event(LOG_ERROR, "spawner_replace_failed", "reason", "fcntl failed", NULL);
		return;
	}
	pthread_mutex_lock(&b->lock);
	old = b->sock;
	b->sock = fd;
	b->replacements++;
	list = take_all_locked(b);
	b->ready = false;
	b->dropped = false;
	memset(&b->hello, 0, sizeof(b->hello));
	memset(&b->status, 0, sizeof(b->status));
	pthread_mutex_unlock(&b->lock);
	close(old);
	log_event(LOG_WARN, "spawner_replaced", NULL);
	answer_list(b, list, msg_restarted);
}

/* Reads one spawner message; false when the spawner had to be dropped. */
static bool read_spawner(struct http_broker *b)
{
	union ipc_msg msg;
	int fd = -1, r;

	r = ipc_recv(b->sock, &b->limits, &msg, &fd);
	if (r == -EAGAIN || r == -EINTR)
		return true;
	if (r == 0)
		r = dispatch(b, &msg, fd);
	if (r == 0)
		return true;
	drop_spawner(b,
		     r == -EPIPE     ? "spawner closed the connection"
		     : r == -EBADMSG ? "spawner broke the protocol"
				     : "receive failed",
		     r);
	return false;
}

static void *broker_main(void *arg)
{
	struct http_broker *b = arg;
	bool reading = true;

	for (;;) {
		/* Negative fds are ignored by poll(): a dropped spawner or a closed ctl. */
		struct pollfd pfd[3] = {
			{ .fd = b->stop_fd, .events = POLLIN },
			{ .fd = b->ctl, .events = POLLIN },
			{ .fd = reading ? b->sock : -1, .events = POLLIN },
		};
		int fd = -1, r;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			drop_spawner(b, "poll failed", neg_errno());
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			r = ctl_recv(b->ctl, &fd);
			if (r == 0) {
				replace_spawner(b, fd);
				reading = true;
				continue;
			}
			if (r == -EBADMSG) {
				log_event(LOG_ERROR, "control_message_invalid", NULL);
			} else if (r != -EAGAIN) {
				/* The supervisor is gone; PR_SET_PDEATHSIG stops us soon. */
				closep(&b->ctl);
			}
		}
		if (reading && pfd[2].revents)
			reading = read_spawner(b);
	}
	return NULL;
}

int broker_new(const struct pyexec_config *cfg, int sock, int ctl, broker_done_fn done,
	       struct http_broker **out)
{
	struct http_broker *b;
	int r;

	r = fd_set_nonblock(sock);
	if (r < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->stop_fd < 0) {
		r = neg_errno();
		free(b);
		return r;
	}
	r = -pthread_mutex_init(&b->lock, NULL);
	if (r < 0) {
		close(b->stop_fd);
		free(b);
		return r;
	}
	b->cfg = cfg;
	b->sock = sock;
	b->ctl = ctl;
	b->done = done;
	b->limits = (struct ipc_limits){
		.max_script_bytes = cfg->max_script_bytes,
		.max_result_bytes = cfg->max_result_bytes,
		.max_output_bytes = cfg->max_output_bytes,
		.timeout_max_ms = cfg->timeout_max_ms,
		.memory_max_bytes = cfg->memory_max_bytes,
	};
	*out = b;
	return 0;
}

int broker_start(struct http_broker *b)
{
	int r = -pthread_create(&b->thread, NULL, broker_main, b);

	if (r == 0)
		b->started = true;
	return r;
}

int broker_submit(struct http_broker *b, const struct broker_job *job)
{
	const void *bufs[] = { job->req->script };
	const size_t lens[] = { job->req->script_len };
	_cleanup_close_ int memfd = -1;
	union ipc_msg msg;
	struct pending *p;
	int r;

	/* Everything that can fail for local reasons happens before the job is visible. */
	memfd = fd_memfd_from("pyexec-script", bufs, lens, 1);
	if (memfd < 0)
		return memfd;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cookie = job->cookie;
	(void)snprintf(p->request_id, sizeof(p->request_id), "%s", job->request_id);
	p->timeout_ms = job->req->timeout_ms;
	p->memory_bytes = job->req->memory_bytes;

	memset(&msg, 0, sizeof(msg));
	msg.exec.h.type = IPC_EXEC;
	msg.exec.timeout_ms = job->req->timeout_ms;
	msg.exec.memory_bytes = job->req->memory_bytes;
	msg.exec.script_len = job->req->script_len;

	pthread_mutex_lock(&b->lock);
	if (b->draining)
		r = -ESHUTDOWN;
	else if (!b->ready || b->dropped)
		r = -ENOTCONN;
	else if (b->in_flight >= b->cfg->slots + b->cfg->queue)
		r = -EBUSY;
	else
		r = 0;
	if (r < 0) {
		pthread_mutex_unlock(&b->lock);
		free(p);
		return r;
	}
	p->id = msg.exec.h.id = ++b->last_id;
	p->next = b->pending;
	b->pending = p;
	b->in_flight++;
	/*
	 * Suspend before sending: the reading thread needs this lock to find
	 * the job, so its answer cannot overtake the suspension.
	 */
	job->suspend(job->cookie, p->id);
	r = ipc_send(b->sock, &msg, memfd);
	if (r < 0)
		p = take_locked(b, p->id);
	pthread_mutex_unlock(&b->lock);

	if (r < 0) {
		char e[16];
		(void)snprintf(e, sizeof(e), "%d", -r);
		/* EAGAIN: the spawner is not reading; EPIPE: it is gone (the thread will see EOF). */
		log_event(LOG_WARN, "spawner_send_failed", "request_id", p->request_id, "errno", e,
			  NULL);
		answer_failed(b, p, msg_unavailable);
		free(p);
	}
	return 0;
}

void broker_cancel(struct http_broker *b, uint64_t exec_id)
{
	union ipc_msg msg;
	struct pending *p;

	memset(&msg, 0, sizeof(msg));
	msg.cancel.h.type = IPC_CANCEL;
	msg.cancel.h.id = exec_id;
	pthread_mutex_lock(&b->lock);
	for (p = b->pending; p && p->id != exec_id; p = p->next)
		;
	/* Once: the answer is on its way from the spawner, or the next sweep asks again. */
	if (p && !p->cancel_sent && b->ready && !b->dropped && ipc_send(b->sock, &msg, -1) == 0)
		p->cancel_sent = true;
	pthread_mutex_unlock(&b->lock);
}

void broker_drain(struct http_broker *b)
{
	pthread_mutex_lock(&b->lock);
	b->draining = true;
	pthread_mutex_unlock(&b->lock);
}

void broker_fail_all(struct http_broker *b, const char *message)
{
	struct pending *list;

	pthread_mutex_lock(&b->lock);
	list = take_all_locked(b);
	b->abandoned = true;
	pthread_mutex_unlock(&b->lock);
	answer_list(b, list, message);
}

void broker_get_status(struct http_broker *b, struct broker_status *st)
{
	pthread_mutex_lock(&b->lock);
	st->ready = b->ready;
	st->healthy = b->ready && !b->dropped;
	st->draining = b->draining;
	st->in_flight = b->in_flight;
	st->spawner_restarts = b->replacements;
	st->hello = b->hello;
	st->lean_zygote_pid = b->status.lean_zygote_pid;
	pthread_mutex_unlock(&b->lock);
}

void broker_stop(struct http_broker *b)
{
	uint64_t one = 1;

	if (b->stopped)
		return;
	b->stopped = true;
	if (b->started) {
		/* An eventfd write of 1 cannot fail short of a counter overflow. */
		if (write(b->stop_fd, &one, sizeof(one)) < 0)
			log_event(LOG_ERROR, "broker_stop_failed", NULL);
		pthread_join(b->thread, NULL);
	}
	broker_fail_all(b, "The service is shutting down");
}

void broker_free(struct http_broker *b)
{
	if (!b)
		return;
	broker_stop(b);
	close(b->stop_fd);
	close(b->sock);
	closep(&b->ctl);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
