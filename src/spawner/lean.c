/*
 * See lean.h.
 */
#include "spawner/lean.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawner/forkmem.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/proctitle.h"
#include "util/time.h"

#define READY_BYTE 'R'
#define STOP_GRACE_MS 5000

struct lean_zygote {
	pid_t pid; /* -1 once lost */
	int sock;  /* -1 once lost */
};

/* In the forked zygote: ready itself, say so, then clone jails until the spawner hangs up. */
static _Noreturn void zygote_main(struct jail *j, struct payload *p, int sock, pid_t parent)
{
	struct forkmem_stats fm;
	struct payload_pages_stats ps;
	char pages[24], ranges[24], huge[24], took[24];
	uint64_t t0 = time_now_us();
	int r;

	/* It lives for the spawner alone. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	/* Not the front's socket, the supervisor's heartbeat or the cgroup directories. */
	if (dup2(sock, 3) < 0 || fd_close_from(4) < 0)
		_exit(1);
	sock = 3;
	log_set_role("lean-zygote");
	proctitle_wipe("pyexec-lean-zygote");
	payload_forked(p);
	forkmem_after_preload(&fm);
	r = payload_learn_pages(p, &ps);
	snprintf(pages, sizeof(pages), "%zu", ps.base_pages);
	snprintf(ranges, sizeof(ranges), "%zu", ps.base_ranges);
	snprintf(huge, sizeof(huge), "%zu", fm.huge_bytes >> 10);
	snprintf(took, sizeof(took), "%" PRIu64, time_now_us() - t0);
	log_event(r < 0 ? LOG_WARN : LOG_INFO, "lean_zygote_ready", "pages", pages, "ranges",
		  ranges, "huge_kb", huge, "took_us", took, "error", r < 0 ? strerror(-r) : "",
		  NULL);
	{
		char ready = READY_BYTE;
		if (send(sock, &ready, 1, MSG_NOSIGNAL) != 1)
			_exit(1);
	}
	jail_zygote_serve(j, sock, payload_run, p);
}

int lean_zygote_start(struct jail *j, struct payload *p, struct lean_zygote **out)
{
	struct lean_zygote *z = calloc(1, sizeof(*z));
	pid_t parent = getpid();
	int sv[2];

	if (!z)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(z);
		return neg_errno();
	}
	z->pid = fork();
	if (z->pid < 0) {
		int r = neg_errno();
		close(sv[0]);
		close(sv[1]);
		free(z);
		return r;
	}
	if (z->pid == 0) {
		/* The spawner's handle on it is no concern of its own. */
		free(z);
		close(sv[0]);
		zygote_main(j, p, sv[1], parent);
	}
	close(sv[1]);
	z->sock = sv[0];
	*out = z;
	return 0;
}

int lean_zygote_ready(struct lean_zygote *z, int timeout_ms)
{
	struct pollfd pfd = { .fd = z->sock, .events = POLLIN };
	char ready = 0;
	int r;

	if (z->sock < 0)
		return -ENOTCONN;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		r = -ETIMEDOUT;
	else if (r > 0 && (recv(z->sock, &ready, 1, MSG_DONTWAIT) != 1 || ready != READY_BYTE))
		r = -EPIPE;
	if (r < 0) {
		lean_zygote_lose(z, r == -ETIMEDOUT ? "not ready in time" : "did not start");
		return r;
	}
	return 0;
}

int lean_zygote_sock(const struct lean_zygote *z)
{
	return z ? z->sock : -1;
}

pid_t lean_zygote_pid(const struct lean_zygote *z)
{
	return z ? z->pid : -1;
}

/*
 * Closes its socket and reaps it.  grace_ms: how long it may take to exit
 * on its own first (it does at EOF, at once; under valgrind, after its
 * leak check), before SIGKILL.
 */
static void stop(struct lean_zygote *z, int grace_ms)
{
	if (z->sock >= 0)
		close(z->sock);
	z->sock = -1;
	if (z->pid <= 0)
		return;
	for (int waited = 0; waited < grace_ms; waited += 10) {
		pid_t w = waitpid(z->pid, NULL, WNOHANG);
		if (w == z->pid || (w < 0 && errno == ECHILD)) {
			z->pid = -1;
			return;
		}
		(void)poll(NULL, 0, 10);
	}
	(void)kill(z->pid, SIGKILL);
	while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
		;
	z->pid = -1;
}

void lean_zygote_lose(struct lean_zygote *z, const char *why)
{
	if (!z || z->pid < 0)
		return;
	log_event(LOG_ERROR, "lean_zygote_lost", "reason", why, NULL);
	stop(z, 0);
}

void lean_zygote_free(struct lean_zygote *z)
{
	if (!z)
		return;
	stop(z, STOP_GRACE_MS);
	free(z);
}
