/*
 * Spawner event loop (see spawner.h).
 *
 * Invariants:
 *  - single-threaded: jail_start()'s raw clone and the embedded
 *    interpreter (warm mode) both require it;
 *  - every execution is in exactly one place: the FIFO queue, a running
 *    slot, or answered and freed; nothing is answered twice;
 *  - nothing blocks on a jail's own setup: a slot holds its execution from
 *    the clone on, and the child's setup verdict is one more event, so
 *    other executions' output and ends are served meanwhile;
 *  - an execution is answered once its runner has reported (a complete
 *    result document, see has_report), its jail's init has been
 *    sent SIGKILL and the output it wrote before reporting has been read;
 *    otherwise only when that init has been reaped (so its whole pid
 *    namespace is gone) and all three pipes reached EOF.  Either way the
 *    slot stays taken until the init is reaped and the cgroup removed, so
 *    a jail being torn down still counts against --slots;
 *  - the front is untrusted: a malformed message drops it (we exit and
 *    the supervisor restarts the pair).
 */
#include "spawner/spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipc/proto.h"
#include "jail/jail.h"
#include "spawner/forkmem.h"
#include "spawner/lean.h"
#include "spawner/payload.h"
#include "supervisor/supervisor.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/proctitle.h"
#include "util/time.h"
#include "util/wipemem.h"

enum stream_id { STREAM_RESULT = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM__N = 3 };

struct stream {
	int fd;        /* read end, -1 once at EOF */
	char *buf;     /* cap bytes of wipemem: no jail forked from us inherits them */
	size_t len;    /* bytes kept */
	size_t cap;    /* keep at most this many */
	uint64_t total; /* bytes the jail wrote */
	bool truncated;
};

struct execution {
	uint64_t id;
	int script_fd;
	int ctl_fd;          /* pre-built jail: where its script will be sent, else -1 */
	int host_offset;     /* added to the sandbox uid (see jail.h), -1 when none held */
	uint32_t timeout_ms;
	uint64_t memory_bytes;
	enum payload_pages pages; /* warm: the page set its jail copies up front */
	uint64_t t_enqueued, t_started, t_running, t_deadline;
	struct jail_proc *proc;
	struct stream streams[STREAM__N];
	bool setting_up;     /* the jail has not given its setup verdict yet */
	bool prebuilt;       /* it runs in a jail of the pool */
	bool lean;           /* warm: its script fits the lean zygote (payload_fits_lean) */
	bool cloned_lean;    /* its jail was cloned by the lean zygote */
	bool answered;       /* its result has been sent; the slot waits for the reap */
	bool exited;
	bool killed;
	int outcome; /* set when we decided to kill, else -1 */
	int setup_stage, setup_err; /* with OUTCOME_SETUP_FAILED: the layer and errno */
	int status;
	struct cgroup_usage usage;
	struct execution *next; /* queue link */
};

struct spawner {
	const struct pyexec_config *cfg;
	int sock;
	bool said_hello; /* IPC_STATUS may follow only then */
	int beat_fd;
	int epfd;
	int sigfd;
	struct jail *jail;
	struct payload *payload;
	struct lean_zygote *lean; /* warm, unless --single-zygote: NULL, or lost if it failed */
	struct ipc_limits limits;
	struct execution **slots; /* cfg->slots entries */
	struct execution **pool;  /* cfg->pool pre-built jails waiting for a script */
	uint32_t npool;
	uint64_t pool_retry_at; /* after a failed build, the next waits until then */
	uint64_t offsets_used[2]; /* host uid offsets held by running or pooled jails */
	struct execution *queue_head, *queue_tail;
	uint32_t queued, running;
	uint32_t lingering; /* running executions already answered, their jails dying */
	uint64_t seq;
	uint64_t seq_at_check; /* warm: s->seq when the zygote's huge pages were last checked */
	size_t huge_bytes;     /* warm: the zygote's huge-page bytes after the last collapse */
	uint64_t executions, setup_failures;
	bool stopping;
	char *scratch; /* STREAM_SCRATCH_BYTES of wipemem: where output beyond a cap is dropped */
};

#define STREAM_SCRATCH_BYTES 65536

/* The lean zygote readies itself while we import the preload list: it is done long before. */
#define LEAN_READY_TIMEOUT_MS 10000

/* epoll tags: kind in the low byte, slot index above. */
enum {
	TAG_SOCK = 1,
	TAG_SIGNAL = 2,
	TAG_PIDFD = 3,
	TAG_STREAM0 = 4, /* ..6 */
	TAG_SETUP = 7,
	TAG_LEAN = 8, /* the lean zygote's socket: readable only when it is gone */
};
#define TAG(kind, slot) ((uint64_t)(kind) | ((uint64_t)(slot) << 8))

/* Lowest host-uid offset no live jail holds: jails alive at once never share a host uid. */
static int offset_take(struct spawner *s)
{
	for (int i = 0; i < 128; i++) {
		if (!(s->offsets_used[i / 64] & (1ull << (i % 64)))) {
			s->offsets_used[i / 64] |= 1ull << (i % 64);
			return i;
		}
	}
	return -1;
}

static void offset_release(struct spawner *s, struct execution *e)
{
	if (e->host_offset >= 0 && e->host_offset < 128)
		s->offsets_used[e->host_offset / 64] &= ~(1ull << (e->host_offset % 64));
	e->host_offset = -1;
}

static void execution_free(struct execution *e)
{
	if (!e)
		return;
	if (e->ctl_fd >= 0)
		close(e->ctl_fd);
	jail_proc_free(e->proc);
	for (int i = 0; i < STREAM__N; i++) {
		if (e->streams[i].fd >= 0)
			close(e->streams[i].fd);
		wipemem_unmap(e->streams[i].buf, e->streams[i].cap);
	}
	if (e->script_fd >= 0)
		close(e->script_fd);
	free(e);
}

static void send_result(struct spawner *s, struct execution *e, int outcome, int stage, int err)
{
	union ipc_msg m;
	const void *bufs[3];
	size_t lens[3];
	_cleanup_close_ int fd = -1;
	uint64_t now = time_now_us();
	char idbuf[24], outbuf[16];
	int r;

	memset(&m, 0, sizeof(m));
	m.result.h.type = IPC_RESULT;
	m.result.h.id = e->id;
	m.result.outcome = (uint32_t)outcome;
	m.result.setup_stage = stage;
	m.result.setup_errno = err;
	if (e->exited && WIFEXITED(e->status))
		m.result.exit_code = WEXITSTATUS(e->status);
	if (e->exited && WIFSIGNALED(e->status))
		m.result.term_signal = WTERMSIG(e->status);
	if (e->streams[STREAM_STDOUT].truncated)
		m.result.flags |= RESULT_STDOUT_TRUNCATED;
	if (e->streams[STREAM_STDERR].truncated)
		m.result.flags |= RESULT_STDERR_TRUNCATED;
	if (e->prebuilt)
		m.result.flags |= RESULT_PREBUILT_JAIL;
	if (e->cloned_lean)
		m.result.flags |= RESULT_LEAN_ZYGOTE;
	m.result.queue_us = (e->t_started ? e->t_started : now) - e->t_enqueued;
	m.result.setup_us = e->t_running ? e->t_running - e->t_started : 0;
	m.result.wall_us = e->t_running ? now - e->t_running : 0;
	m.result.cpu_us = e->usage.cpu_us;
	m.result.peak_memory_bytes = e->usage.peak_memory_bytes;
	/* A result cut at the limit is no JSON document: send none. */
	m.result.result_len = outcome == OUTCOME_RESULT_LIMIT ? 0 : e->streams[STREAM_RESULT].len;
	m.result.stdout_len = e->streams[STREAM_STDOUT].len;
	m.result.stderr_len = e->streams[STREAM_STDERR].len;

	for (int i = 0; i < STREAM__N; i++) {
		bufs[i] = e->streams[i].buf;
		lens[i] = i == STREAM_RESULT ? m.result.result_len : e->streams[i].len;
	}
	fd = fd_memfd_from("pyexec-result", bufs, lens, 3);
	if (fd < 0) {
		/* Cannot carry the outputs: still answer, as an internal error without them. */
		m.result.outcome = OUTCOME_INTERNAL;
		m.result.setup_errno = -fd;
		m.result.result_len = m.result.stdout_len = m.result.stderr_len = 0;
		m.result.flags = 0;
		fd = fd_memfd_from("pyexec-result", bufs, lens, 0);
	}
	r = fd < 0 ? fd : ipc_send(s->sock, &m, fd);
	snprintf(idbuf, sizeof(idbuf), "%" PRIu64, e->id);
	snprintf(outbuf, sizeof(outbuf), "%d", (int)m.result.outcome);
	if (r < 0)
		log_event(LOG_ERROR, "result_send_failed", "id", idbuf, "error", strerror(-r), NULL);
	else
		log_event(LOG_DEBUG, "exec_done", "id", idbuf, "outcome", outbuf, NULL);
	s->executions++;
}

/*
 * The buffer is reserved whole and backed as it fills.  It is never
 * ordinary heap: in warm mode we are the zygote, and output an execution
 * left in our heap would be readable, freed or not, in every later jail.
 */
static int stream_open(struct stream *st, size_t cap, int *write_end)
{
	void *buf = NULL;
	int p[2], r;

	r = wipemem_map(cap, &buf);
	if (r < 0)
		return r;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = neg_errno();
		wipemem_unmap(buf, cap);
		return r;
	}
	/* The jail's end must block: a script's write must wait for us, not fail. */
	if (fcntl(p[1], F_SETFL, 0) < 0) {
		r = neg_errno();
		close(p[0]);
		close(p[1]);
		wipemem_unmap(buf, cap);
		return r;
	}
	st->fd = p[0];
	st->buf = buf;
	st->cap = cap;
	*write_end = p[1];
	return 0;
}

static void kill_execution(struct execution *e, int outcome)
{
	if (e->outcome < 0)
		e->outcome = outcome;
	if (!e->killed) {
		e->killed = true;
		if (e->proc)
			jail_proc_kill(e->proc);
	}
}

/* Reads what is available; returns true at EOF. */
static bool stream_drain(struct spawner *s, struct execution *e, int idx)
{
	struct stream *st = &e->streams[idx];

	for (;;) {
		char *dst = s->scratch;
		size_t room = STREAM_SCRATCH_BYTES;
		ssize_t n;

		if (st->len < st->cap) {
			dst = st->buf + st->len;
			room = st->cap - st->len;
		}
		n = read(st->fd, dst, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return false;
			n = 0; /* treat read errors as EOF: the jail is going away */
		}
		if (n == 0) {
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, st->fd, NULL);
			close(st->fd);
			st->fd = -1;
			return true;
		}
		st->total += (uint64_t)n;
		if (dst == s->scratch) {
			/* Beyond the cap: dropped, but counted. */
			st->truncated = true;
		} else {
			st->len += (size_t)n;
		}
		if (idx == STREAM_RESULT && st->total > s->cfg->max_result_bytes) {
			st->truncated = true;
			kill_execution(e, OUTCOME_RESULT_LIMIT);
		}
		if (idx != STREAM_RESULT &&
		    e->streams[STREAM_STDOUT].total + e->streams[STREAM_STDERR].total >
			    s->cfg->output_kill_bytes)
			kill_execution(e, OUTCOME_OUTPUT_LIMIT);
	}
}

static bool execution_done(const struct execution *e)
{
	if (!e->exited || e->setting_up)
		return false;
	for (int i = 0; i < STREAM__N; i++)
		if (e->streams[i].fd >= 0)
			return false;
	return true;
}

static int classify(const struct spawner *s, const struct execution *e)
{
	(void)s;
	if (e->outcome >= 0)
		return e->outcome;
	if (WIFSIGNALED(e->status)) {
		int sig = WTERMSIG(e->status);
		if (e->usage.oom_kills > 0 && sig == SIGKILL)
			return OUTCOME_MEMORY;
		if (sig == SIGXCPU)
			return OUTCOME_CPU_LIMIT;
		return OUTCOME_SIGNALED;
	}
	if (e->usage.oom_kills > 0 && WEXITSTATUS(e->status) != 0 &&
	    e->streams[STREAM_RESULT].len == 0)
		return OUTCOME_MEMORY;
	return OUTCOME_EXITED;
}

static void start_next(struct spawner *s);

/*
 * Whether the result stream holds the runner's whole report: at EOF, a
 * document ended by the newline the runner writes after it (runner.py),
 * not one cut short by a kill.
 */
static bool has_report(const struct execution *e)
{
	const struct stream *st = &e->streams[STREAM_RESULT];

	return st->fd < 0 && !st->truncated && st->len > 0 && st->buf[st->len - 1] == '\n';
}

/* The newline is the runner's end mark, not part of the document the front parses. */
static void strip_report_mark(struct execution *e)
{
	if (has_report(e))
		e->streams[STREAM_RESULT].len--;
}

static void finish(struct spawner *s, uint32_t slot)
{
	struct execution *e = s->slots[slot];
	int outcome = classify(s, e);

	/* The cgroup goes before the answer: a client that saw the answer sees no leftovers. */
	jail_proc_free(e->proc);
	e->proc = NULL;
	offset_release(s, e);
	if (e->answered) {
		s->lingering--;
	} else {
		strip_report_mark(e);
		send_result(s, e, outcome, e->setup_stage, e->setup_err);
	}
	s->slots[slot] = NULL;
	s->running--;
	execution_free(e);
}

static void log_setup_failure(const struct execution *e, int stage, int err)
{
	char idbuf[24];
	snprintf(idbuf, sizeof(idbuf), "%" PRIu64, e->id);
	log_event(LOG_ERROR, "sandbox_setup_failed", "id", idbuf, "stage", jail_stage_name(stage),
		  "error", strerror(err), NULL);
}

/* The jail of e failed a layer (err > 0): it is killed and answered as a setup failure. */
static void setup_failed(struct spawner *s, struct execution *e, int stage, int err)
{
	/* Killed in its setup because its client left: that is no sandbox failure. */
	bool cancelled = e->killed && e->outcome == OUTCOME_CANCELLED;

	if (!cancelled) {
		log_setup_failure(e, stage, err);
		s->setup_failures++;
	}
	/* Explicitly: a jail cloned since shares the pipe, so closing it would not end the watch. */
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, jail_proc_setup_fd(e->proc), NULL);
	e->setting_up = false;
	e->setup_stage = stage;
	e->setup_err = err;
	kill_execution(e, OUTCOME_SETUP_FAILED);
}

/* Takes the setup verdict of the jail in slot, if it is in: the script's time starts now. */
static void on_setup(struct spawner *s, uint32_t slot)
{
	struct execution *e = s->slots[slot];
	int stage = JAIL_STAGE_NONE, r;

	if (!e || !e->setting_up)
		return;
	r = jail_proc_setup_poll(e->proc, &stage);
	if (r == 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, jail_proc_setup_fd(e->proc), NULL);
	if (r < 0) {
		setup_failed(s, e, stage, -r);
		return;
	}
	e->setting_up = false;
	e->t_running = time_now_us();
	e->t_deadline = e->t_running + (uint64_t)e->timeout_ms * 1000;
}

/*
 * The runner of the jail in slot has reported and nothing was decided
 * against the execution: it is answered now, without waiting for its
 * jail's teardown (freeing an address space copied from the zygote takes a
 * few ms of kernel time).  Init gets SIGKILL first, which takes the pid
 * namespace and everything in it; what the runner printed before
 * reporting is already in the pipes (it flushes first); CPU and memory
 * come from the cgroup, as at a reap.  Without cgroup usage figures it
 * waits for the reap as before.
 */
static void answer_early(struct spawner *s, uint32_t slot)
{
	struct execution *e = s->slots[slot];
	struct cgroup_usage u;

	if (e->answered || e->exited || e->killed || e->setting_up || e->outcome >= 0 ||
	    !has_report(e))
		return;
	if (jail_proc_usage(e->proc, &u) < 0 || (!u.cpu_us && !u.peak_memory_bytes))
		return;
	strip_report_mark(e);
	jail_proc_kill_init(e->proc);
	e->killed = true;
	for (int i = STREAM_STDOUT; i <= STREAM_STDERR; i++)
		if (e->streams[i].fd >= 0)
			(void)stream_drain(s, e, i);
	e->usage = u;
	send_result(s, e, OUTCOME_EXITED, 0, 0);
	e->answered = true;
	s->lingering++;
}

static void on_pidfd(struct spawner *s, uint32_t slot)
{
	struct execution *e = s->slots[slot];
	int status, r;

	if (!e || e->exited)
		return;
	/* A jail that dies in its setup has given its verdict (its end of the pipe is closed). */
	on_setup(s, slot);
	if (e->setting_up)
		setup_failed(s, e, JAIL_STAGE_SYNC, EPROTO);
	/* An answered execution's usage was taken at its report. */
	r = jail_proc_reap(e->proc, &status, e->answered ? NULL : &e->usage);
	if (r <= 0)
		return;
	e->exited = true;
	e->status = status;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, jail_proc_pidfd(e->proc), NULL);
	/* The pid namespace is gone, so every writer is gone: drain to EOF now. */
	for (int i = 0; i < STREAM__N; i++)
		if (e->streams[i].fd >= 0)
			while (!stream_drain(s, e, i))
				;
}

/* What the spawner sends a pre-built jail, with the script's memfd attached. */
struct pool_go {
	uint32_t cpu_seconds;
};

/*
 * Payload of a pre-built jail: every layer is already in place (seccomp
 * included); it prepares the payload (payload_prepare), waits on fd 3 for
 * its script, puts the script at fd 3, lowers RLIMIT_CPU to the request's,
 * and runs the ordinary payload.
 * EOF instead of a script means the jail is being discarded.
 */
static int pool_payload(void *arg)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct pool_go go;
	struct iovec iov = { .iov_base = &go, .iov_len = sizeof(go) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	struct rlimit rl;
	ssize_t n;
	int fd;

	if (payload_prepare(arg) < 0)
		_exit(4); /* a broken runner: the request then builds its own jail and gets the error */
	do {
		n = recvmsg(3, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	cm = n == (ssize_t)sizeof(go) ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		_exit(0);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	/* dup2 closes the control socket that held fd 3 and clears close-on-exec. */
	if (dup2(fd, 3) < 0)
		_exit(127);
	close(fd);
	rl.rlim_cur = go.cpu_seconds;
	rl.rlim_max = (rlim_t)go.cpu_seconds + 1;
	if (setrlimit(RLIMIT_CPU, &rl) < 0)
		_exit(127);
	return payload_run(arg);
}

/*
 * Children of ours that no execution holds: a jail the lean zygote cloned
 * (with CLONE_PARENT) whose reply never came.  Without its pid nobody
 * would reap it.  Every child of the spawner is a tracked jail, the lean
 * zygote, or such a stray.
 */
static void reap_strays(struct spawner *s)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *tok = buf, *end; *tok; tok = end) {
		long pid = strtol(tok, &end, 10);
		bool known = false;

		if (end == tok)
			break;
		for (uint32_t i = 0; i < s->cfg->slots && !known; i++) {
			const struct execution *e = s->slots[i];
			known = e && e->proc && jail_proc_pid(e->proc) == pid;
		}
		for (uint32_t i = 0; i < s->npool && !known; i++)
			known = s->pool[i]->proc && jail_proc_pid(s->pool[i]->proc) == pid;
		if (known || pid <= 0 || pid == lean_zygote_pid(s->lean))
			continue;
		(void)kill((pid_t)pid, SIGKILL);
		while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

/* Tells the front which helper processes serve (IPC_STATUS): after hello, and on a change. */
static void send_status(struct spawner *s)
{
	union ipc_msg m;
	pid_t lean = lean_zygote_sock(s->lean) >= 0 ? lean_zygote_pid(s->lean) : -1;
	int r;

	if (!s->said_hello)
		return; /* the hello's status follows it */
	memset(&m, 0, sizeof(m));
	m.status.h.type = IPC_STATUS;
	m.status.lean_zygote_pid = lean > 0 ? (uint32_t)lean : 0;
	r = ipc_send(s->sock, &m, -1);
	if (r < 0)
		log_event(LOG_ERROR, "status_failed", "error", strerror(-r), NULL);
}

/* The lean zygote stopped answering (r: how): from now on every jail is cloned here. */
static void lose_lean_zygote(struct spawner *s, int r)
{
	if (lean_zygote_sock(s->lean) >= 0)
		(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, lean_zygote_sock(s->lean), NULL);
	lean_zygote_lose(s->lean, r < 0 ? strerror(-r) : "its socket closed");
	reap_strays(s);
	send_status(s);
}

/*
 * Starts building a jail for e: its three output pipes, its cgroup (memory
 * limit e->memory_bytes) and namespaces; the child's own part of the setup
 * goes on after this returns (jail_start).  pooled: fd 3 is a control
 * socket and the script comes later (pool_payload); else fd 3 is
 * e->script_fd.
 */
static int build_jail(struct spawner *s, struct execution *e, bool pooled, uint32_t cpu_seconds,
		      int *stage)
{
	struct jail_run run;
	int write_ends[STREAM__N] = { -1, -1, -1 };
	int ctl[2] = { -1, -1 };
	char name[48];
	int r = 0;

	for (int i = 0; i < STREAM__N && r == 0; i++) {
		size_t cap = i == STREAM_RESULT ? s->cfg->max_result_bytes : s->cfg->max_output_bytes;
		r = stream_open(&e->streams[i], cap, &write_ends[i]);
	}
	if (r == 0 && pooled && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		r = neg_errno();
	if (r == 0) {
		e->host_offset = offset_take(s);
		if (e->host_offset < 0)
			r = -EAGAIN;
	}
	if (r < 0) {
		*stage = JAIL_STAGE_FDS;
		goto out;
	}

	snprintf(name, sizeof(name), "exec-%" PRIu64, ++s->seq);
	memset(&run, 0, sizeof(run));
	run.name = name;
	run.limits.memory_bytes = e->memory_bytes;
	run.limits.pids_max = s->cfg->pids_max;
	run.limits.cpu_percent = s->cfg->cpu_percent;
	run.cpu_seconds = cpu_seconds;
	run.host_id_offset = (uint32_t)e->host_offset;
	run.fds[0] = -1;
	run.fds[1] = write_ends[STREAM_STDOUT];
	run.fds[2] = write_ends[STREAM_STDERR];
	run.fds[3] = pooled ? ctl[1] : e->script_fd;
	run.fds[4] = write_ends[STREAM_RESULT];
	run.payload = pooled ? pool_payload : payload_run;
	run.payload_arg = s->payload;
	run.payload_execs = !pooled && payload_execs(s->payload);
	/* The pages it copies before its run; a pre-built jail copies the larger set as it waits. */
	if (!pooled)
		payload_use_pages(s->payload, e->pages);
	r = -ENOTCONN;
	if (!pooled && e->lean && lean_zygote_sock(s->lean) >= 0) {
		bool lost;

		r = jail_start_in(s->jail, &run, lean_zygote_sock(s->lean), &lost, &e->proc, stage);
		e->cloned_lean = r == 0;
		if (lost)
			lose_lean_zygote(s, r);
		else if (r < 0)
			log_event(LOG_WARN, "lean_clone_failed", "stage", jail_stage_name(*stage),
				  "error", strerror(-r), NULL);
	}
	/* Also when the lean zygote failed: the jail is the same from here. */
	if (r < 0)
		r = jail_start(s->jail, &run, &e->proc, stage);
	if (r == 0 && pooled)
		e->ctl_fd = TAKE_FD(ctl[0]);
out:
	for (int i = 0; i < STREAM__N; i++)
		closep(&write_ends[i]);
	closep(&ctl[0]);
	closep(&ctl[1]);
	return r;
}

/*
 * Hands a pre-built jail its request: the request's memory limit, then the
 * script.  A jail still in its setup is waited for: it was started before
 * this request, so it is ready sooner than a new one would be.
 */
static int pool_assign(struct execution *p, struct execution *e)
{
	struct pool_go go = { .cpu_seconds = (e->timeout_ms + 999) / 1000 + 1 };
	int stage = JAIL_STAGE_NONE;
	int r;

	r = jail_proc_setup_wait(p->proc, &stage);
	if (r < 0) {
		log_event(LOG_WARN, "pool_build_failed", "stage", jail_stage_name(stage), "error",
			  strerror(-r), NULL);
		return r;
	}
	r = jail_proc_set_memory(p->proc, e->memory_bytes);
	if (r < 0)
		return r;
	r = fd_send_with_fd(p->ctl_fd, &go, sizeof(go), e->script_fd, MSG_DONTWAIT);
	if (r < 0)
		return r;
	/* The jail now owns everything p held. */
	e->proc = TAKE_PTR(p->proc);
	e->host_offset = p->host_offset;
	p->host_offset = -1;
	for (int i = 0; i < STREAM__N; i++) {
		e->streams[i] = p->streams[i];
		p->streams[i].fd = -1;
		p->streams[i].buf = NULL;
	}
	return 0;
}

/* The oldest is the likeliest to have finished its setup and its page copy. */
static struct execution *pool_take_oldest(struct spawner *s)
{
	struct execution *p = s->pool[0];

	memmove(&s->pool[0], &s->pool[1], (size_t)(--s->npool) * sizeof(*s->pool));
	return p;
}

static void run_execution(struct spawner *s, uint32_t slot, struct execution *e)
{
	int stage = JAIL_STAGE_NONE;
	int r = -EAGAIN;

	e->t_started = time_now_us();
	e->setting_up = false;
	while (s->npool > 0 && r < 0) {
		struct execution *p = pool_take_oldest(s);
		r = pool_assign(p, e);
		if (r < 0)
			offset_release(s, p);
		e->prebuilt = r == 0;
		execution_free(p); /* after a failure this discards the pre-built jail */
	}
	if (r < 0) {
		r = build_jail(s, e, false, (e->timeout_ms + 999) / 1000 + 1, &stage);
		e->setting_up = r == 0;
	}
	closep(&e->script_fd);
	if (r < 0)
		goto fail;

	if (e->setting_up) {
		/* The setup's own bound; on_setup() starts the script's clock. */
		e->t_deadline = e->t_started + (uint64_t)JAIL_SETUP_TIMEOUT_MS * 1000;
	} else {
		e->t_running = time_now_us();
		e->t_deadline = e->t_running + (uint64_t)e->timeout_ms * 1000;
	}
	s->slots[slot] = e;
	s->running++;
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(TAG_PIDFD, slot) };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, jail_proc_pidfd(e->proc), &ev) < 0) {
			kill_execution(e, OUTCOME_INTERNAL);
		}
		ev.data.u64 = TAG(TAG_SETUP, slot);
		if (e->setting_up &&
		    epoll_ctl(s->epfd, EPOLL_CTL_ADD, jail_proc_setup_fd(e->proc), &ev) < 0)
			kill_execution(e, OUTCOME_INTERNAL);
		for (int i = 0; i < STREAM__N; i++) {
			ev.events = EPOLLIN;
			ev.data.u64 = TAG(TAG_STREAM0 + i, slot);
			if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, e->streams[i].fd, &ev) < 0)
				kill_execution(e, OUTCOME_INTERNAL);
		}
	}
	return;
fail: {
	log_setup_failure(e, stage, -r);
	s->setup_failures++;
	jail_proc_free(e->proc);
	e->proc = NULL;
	offset_release(s, e);
	send_result(s, e, OUTCOME_SETUP_FAILED, stage, -r);
	execution_free(e);
}
}

static struct execution *execution_new(void)
{
	struct execution *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->script_fd = -1;
	e->ctl_fd = -1;
	e->host_offset = -1;
	e->outcome = -1;
	for (int i = 0; i < STREAM__N; i++)
		e->streams[i].fd = -1;
	return e;
}

/*
 * A build holds this loop for the length of a fork (milliseconds with
 * pandas loaded), and a result or a request that arrives meanwhile waits
 * for it.  So the pool is refilled one jail per turn of the loop, and only
 * when that delays nobody: nothing queued, no jail in its setup, and every
 * execution still running has run POOL_QUIET_US already (a short script is
 * about to report; a long one does not mind a few milliseconds more).
 * After a failed build the next one waits POOL_RETRY_US.
 * Returns when the next build may start: UINT64_MAX for not now.
 */
#define POOL_QUIET_US 20000u
#define POOL_RETRY_US 1000000u

static uint64_t pool_refill_at(const struct spawner *s)
{
	uint64_t at = s->pool_retry_at;

	if (s->stopping || s->npool >= s->cfg->pool || s->queued > 0)
		return UINT64_MAX;
	for (uint32_t i = 0; i < s->cfg->slots; i++) {
		const struct execution *e = s->slots[i];
		if (!e || e->answered || e->exited)
			continue;
		if (e->setting_up || !e->t_running)
			return UINT64_MAX;
		at = MAX(at, e->t_running + POOL_QUIET_US);
	}
	return at;
}

/*
 * Keeps cfg->pool jails built ahead of requests, so that a request's path
 * skips the clone and the sandbox setup.  A failure just leaves the pool
 * short (requests then build their own jail, failing closed as usual).
 */
static void pool_fill(struct spawner *s, uint64_t now)
{
	struct execution *p;
	int stage = 0, r;

	if (pool_refill_at(s) > now)
		return;
	s->pool_retry_at = now + POOL_RETRY_US; /* until this build has succeeded */
	p = execution_new();
	if (!p)
		return;
	p->memory_bytes = s->cfg->memory_default_bytes;
	r = build_jail(s, p, true, s->cfg->timeout_max_ms / 1000 + 2, &stage);
	if (r < 0) {
		log_event(LOG_WARN, "pool_build_failed", "stage", jail_stage_name(stage), "error",
			  strerror(-r), NULL);
		jail_proc_free(p->proc);
		p->proc = NULL;
		offset_release(s, p);
		execution_free(p);
		return;
	}
	s->pool[s->npool++] = p;
	s->pool_retry_at = 0;
}

static void start_next(struct spawner *s)
{
	for (uint32_t slot = 0; slot < s->cfg->slots && s->queue_head; slot++) {
		struct execution *e;
		if (s->slots[slot])
			continue;
		e = s->queue_head;
		s->queue_head = e->next;
		if (!s->queue_head)
			s->queue_tail = NULL;
		s->queued--;
		e->next = NULL;
		run_execution(s, slot, e);
	}
}

/*
 * IPC_CANCEL: the client of execution id is gone.  A queued execution is
 * answered and dropped, a running one killed (answered when its jail has
 * ended); an id we do not hold has ended already, and its answer crossed
 * the cancel on the way.
 */
static void cancel_execution(struct spawner *s, uint64_t id)
{
	for (struct execution **pp = &s->queue_head, *prev = NULL; *pp;
	     prev = *pp, pp = &(*pp)->next) {
		struct execution *e = *pp;

		if (e->id != id)
			continue;
		*pp = e->next;
		if (s->queue_tail == e)
			s->queue_tail = prev;
		s->queued--;
		send_result(s, e, OUTCOME_CANCELLED, 0, 0);
		execution_free(e);
		return;
	}
	for (uint32_t i = 0; i < s->cfg->slots; i++) {
		struct execution *e = s->slots[i];

		if (e && e->id == id && !e->answered) {
			kill_execution(e, OUTCOME_CANCELLED);
			return;
		}
	}
}

/* 0, or -EBADMSG when the front broke the protocol (we then drop it). */
static int on_message(struct spawner *s, union ipc_msg *m, int fd)
{
	struct execution *e;

	if (m->h.type == IPC_CANCEL) {
		cancel_execution(s, m->h.id);
		return 0;
	}
	if (m->h.type != IPC_EXEC) {
		if (fd >= 0)
			close(fd);
		return m->h.type == IPC_STATS_REQ ? 0 : -EBADMSG;
	}
	if (fd_check_sealed(fd, m->exec.script_len) < 0) {
		close(fd);
		return -EBADMSG;
	}
	e = execution_new();
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	e->id = m->h.id;
	e->script_fd = fd;
	e->timeout_ms = m->exec.timeout_ms;
	e->memory_bytes = m->exec.memory_bytes;
	e->lean = lean_zygote_sock(s->lean) >= 0 &&
		  payload_fits_lean(s->payload, fd, m->exec.script_len);
	/* A lean script imports no preloaded module: the base set, should it fork from us after all. */
	e->pages = e->lean ? PAYLOAD_PAGES_BASE
			   : payload_pages_for(s->payload, fd, m->exec.script_len);
	e->t_enqueued = time_now_us();

	if (s->queued + s->running - s->lingering >= s->cfg->slots + s->cfg->queue) {
		/* The front admits no more than this; a front that does is misbehaving. */
		send_result(s, e, OUTCOME_INTERNAL, 0, EBUSY);
		execution_free(e);
		return 0;
	}
	if (s->queue_tail)
		s->queue_tail->next = e;
	else
		s->queue_head = e;
	s->queue_tail = e;
	s->queued++;
	return 0;
}

static void check_deadlines(struct spawner *s, uint64_t now)
{
	for (uint32_t i = 0; i < s->cfg->slots; i++) {
		struct execution *e = s->slots[i];
		if (!e || e->exited || e->answered || now < e->t_deadline)
			continue;
		if (e->setting_up)
			setup_failed(s, e, JAIL_STAGE_SYNC, ETIMEDOUT);
		else
			kill_execution(e, OUTCOME_TIMEOUT);
	}
}

static int next_timeout_ms(const struct spawner *s, uint64_t now)
{
	uint64_t best = UINT64_MAX;
	for (uint32_t i = 0; i < s->cfg->slots; i++) {
		const struct execution *e = s->slots[i];
		if (e && !e->exited && !e->killed && e->t_deadline < best)
			best = e->t_deadline;
	}
	best = MIN(best, pool_refill_at(s)); /* one pool build per turn: see pool_fill() */
	/* Idle: still wake once a second, for the supervisor's heartbeat. */
	if (best == UINT64_MAX)
		return 1000;
	if (best <= now)
		return 0;
	return (int)MIN((best - now + 999) / 1000, 1000u);
}

static void send_hello(struct spawner *s)
{
	const struct cgroup_manager *cg = jail_cgroups(s->jail);
	union ipc_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.hello.h.type = IPC_HELLO;
	m.hello.isolation = jail_isolation(s->jail);
	m.hello.cgroup_version = (uint32_t)cgroup_manager_version(cg);
	m.hello.cgroup_limits = cgroup_manager_limits(cg);
	m.hello.mode = s->cfg->mode;
	m.hello.spawner_pid = (uint32_t)getpid();
	m.hello.spawner_uid = (uint32_t)geteuid();
	m.hello.sandbox_uid = s->cfg->sandbox_uid;
	snprintf(m.hello.python_version, sizeof(m.hello.python_version), "%s",
		 payload_python_version(s->payload));
	snprintf(m.hello.cgroup_path, sizeof(m.hello.cgroup_path), "%s", cgroup_manager_path(cg));
	r = ipc_send(s->sock, &m, -1);
	s->said_hello = r == 0;
	if (r < 0)
		log_event(LOG_ERROR, "hello_failed", "error", strerror(-r), NULL);
}

static int probe_payload(void *arg)
{
	(void)arg;
	_exit(0);
}

/* Builds one jail end to end at start-up, so a host that cannot isolate fails before serving. */
static int self_test(struct spawner *s, const char **why)
{
	struct jail_run run;
	struct jail_proc *p = NULL;
	struct cgroup_usage u;
	int stage = 0, status = 0, r;
	uint64_t start = time_now_us();

	memset(&run, 0, sizeof(run));
	run.name = "selftest";
	run.limits.memory_bytes = 64 << 20;
	run.limits.pids_max = 8;
	run.limits.cpu_percent = 100;
	run.cpu_seconds = 5;
	for (int i = 0; i < 5; i++)
		run.fds[i] = -1;
	run.payload = probe_payload;
	run.payload_execs = false;
	r = jail_spawn(s->jail, &run, &p, &stage);
	if (r < 0) {
		*why = jail_stage_name(stage);
		return r;
	}
	while ((r = jail_proc_reap(p, &status, &u)) == 0) {
		if (time_now_us() - start > 10 * 1000000u) {
			r = -ETIMEDOUT;
			break;
		}
		usleep(1000);
	}
	jail_proc_free(p);
	if (r < 0) {
		*why = "reap";
		return r;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*why = "probe exit status";
		return -EIO;
	}
	return 0;
}

static void shutdown_all(struct spawner *s)
{
	struct execution *e;
	for (uint32_t i = 0; i < s->cfg->slots; i++) {
		if (s->slots[i]) {
			execution_free(s->slots[i]);
			s->slots[i] = NULL;
		}
	}
	while ((e = s->queue_head)) {
		s->queue_head = e->next;
		execution_free(e);
	}
	s->queue_tail = NULL;
	while (s->npool > 0)
		execution_free(s->pool[--s->npool]);
}

static void log_zygote_memory(const struct forkmem_stats *st, uint64_t took_us)
{
	char anon[32], huge[32], before[32], took[32];

	snprintf(before, sizeof(before), "%zu", st->huge_before >> 10);
	snprintf(anon, sizeof(anon), "%zu", st->anon_bytes >> 10);
	snprintf(huge, sizeof(huge), "%zu", st->huge_bytes >> 10);
	snprintf(took, sizeof(took), "%" PRIu64, took_us);
	log_event(st->error ? LOG_INFO : LOG_DEBUG, "zygote_memory", "anon_kb", anon, "huge_kb",
		  huge, "huge_kb_before", before, "took_us", took, "collapse_error", st->error ? strerror(-st->error) : "",
		  NULL);
}

/* Huge pages for the zygote's memory: see forkmem.h.  Logged, never fatal. */
static void prepare_zygote_memory(struct spawner *s)
{
	struct forkmem_stats st;
	uint64_t t0 = time_now_us();

	forkmem_after_preload(&st);
	s->huge_bytes = st.huge_bytes;
	log_zygote_memory(&st, time_now_us() - t0);
}

/* The pages each execution writes, copied by each child up front (hotpages.h).  Logged, never fatal. */
static void learn_zygote_pages(struct spawner *s)
{
	struct payload_pages_stats st;
	char base[24], base_ranges[24], data[24], data_ranges[24], took[24];
	uint64_t t0 = time_now_us();
	int r = payload_learn_pages(s->payload, &st);

	snprintf(base, sizeof(base), "%zu", st.base_pages);
	snprintf(base_ranges, sizeof(base_ranges), "%zu", st.base_ranges);
	snprintf(data, sizeof(data), "%zu", st.data_pages);
	snprintf(data_ranges, sizeof(data_ranges), "%zu", st.data_ranges);
	snprintf(took, sizeof(took), "%" PRIu64, time_now_us() - t0);
	log_event(r < 0 ? LOG_WARN : LOG_INFO, "zygote_pages", "base_pages", base, "base_ranges",
		  base_ranges, "data_pages", data, "data_ranges", data_ranges, "took_us", took,
		  "error", r < 0 ? strerror(-r) : "", NULL);
}

/*
 * The zygote's huge pages stay whole as long as nothing writes to them
 * (forkmem.c fences the heap for that).  Should something split them all
 * the same, every so many forks, when nothing runs (or after many more if
 * something always does), collapse them again: some milliseconds.
 */
#define COLLAPSE_CHECK_IDLE 64
#define COLLAPSE_CHECK_BUSY 1024

static void maintain_zygote_memory(struct spawner *s)
{
	uint64_t forks = s->seq - s->seq_at_check;
	struct forkmem_stats st;
	uint64_t t0;

	if (s->cfg->mode != EXEC_MODE_WARM || s->stopping)
		return;
	if (forks < COLLAPSE_CHECK_IDLE || (s->running > 0 && forks < COLLAPSE_CHECK_BUSY))
		return;
	s->seq_at_check = s->seq;
	if (forkmem_huge_bytes() + (2u << 20) > s->huge_bytes)
		return;
	t0 = time_now_us();
	forkmem_collapse(&st);
	s->huge_bytes = st.huge_bytes;
	log_zygote_memory(&st, time_now_us() - t0);
}

static int setup(struct spawner *s, const struct pyexec_config *cfg, int sock)
{
	char subtree[64];
	struct jail_params jp;
	const char *why = "";
	sigset_t mask;
	int r, stage;

	s->cfg = cfg;
	s->sock = sock;
	s->epfd = -1;
	s->sigfd = -1;
	s->limits = (struct ipc_limits){
		.max_script_bytes = cfg->max_script_bytes,
		.max_result_bytes = cfg->max_result_bytes,
		.max_output_bytes = cfg->max_output_bytes,
		.timeout_max_ms = cfg->timeout_max_ms,
		.memory_max_bytes = cfg->memory_max_bytes,
	};
	s->slots = calloc(cfg->slots, sizeof(*s->slots));
	s->pool = calloc(cfg->pool ? cfg->pool : 1, sizeof(*s->pool));
	if (!s->slots || !s->pool)
		return -ENOMEM;
	r = wipemem_map(STREAM_SCRATCH_BYTES, (void **)&s->scratch);
	if (r < 0)
		return r;

	/* Root's supplementary groups must not reach any jail. */
	if (setgroups(0, NULL) < 0)
		return neg_errno();

	snprintf(subtree, sizeof(subtree), "pyexec-%d", (int)getppid());
	jp = (struct jail_params){
		.sandbox_uid = cfg->sandbox_uid,
		.sandbox_gid = cfg->sandbox_gid,
		.tmp_bytes = cfg->tmp_bytes,
		.nofile = cfg->nofile_max,
		/* 128 instances per uid by default, shared by all jails (userns.h): split them. */
		.inotify_per_jail = MAX(1u, MIN(16u, 96u / (cfg->slots + cfg->pool + 1))),
		.cgroup = cfg->cgroup,
		.allow_no_cgroup = cfg->allow_no_cgroup,
		.cgroup_name = subtree,
	};
	r = jail_new(&jp, &s->jail, &why, &stage);
	if (r < 0) {
		log_event(LOG_ERROR, "jail_init_failed", "reason", why, "stage",
			  stage != JAIL_STAGE_NONE ? jail_stage_name(stage) : "", "error",
			  strerror(-r), NULL);
		return r;
	}
	r = payload_new(cfg, &s->payload, &why);
	if (r < 0) {
		log_event(LOG_ERROR, "payload_init_failed", "mode", config_mode_name(cfg->mode),
			  "reason", why, "error", strerror(-r), NULL);
		return r;
	}
	/* Every warm jail is a fork of us: it must not find our argv or environment in /proc/1. */
	proctitle_wipe(cfg->mode == EXEC_MODE_WARM ? "pyexec-zygote" : "pyexec-spawner");
	if (cfg->mode == EXEC_MODE_WARM && !cfg->single_zygote) {
		/* Before the preload list: see lean.h.  Never fatal. */
		r = lean_zygote_start(s->jail, s->payload, &s->lean);
		if (r < 0)
			log_event(LOG_WARN, "lean_zygote_failed", "error", strerror(-r), NULL);
	}
	r = payload_preload(s->payload, cfg, &why);
	if (r < 0) {
		log_event(LOG_ERROR, "payload_init_failed", "mode", config_mode_name(cfg->mode),
			  "reason", why, "error", strerror(-r), NULL);
		return r;
	}
	if (cfg->mode == EXEC_MODE_WARM) {
		prepare_zygote_memory(s);
		learn_zygote_pages(s);
	}
	r = self_test(s, &why);
	if (r < 0) {
		log_event(LOG_ERROR, "sandbox_self_test_failed", "stage", why, "error", strerror(-r),
			  NULL);
		return r;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return neg_errno();
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd < 0)
		return neg_errno();
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return neg_errno();
	if (s->lean && lean_zygote_ready(s->lean, LEAN_READY_TIMEOUT_MS) == 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(TAG_LEAN, 0) };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, lean_zygote_sock(s->lean), &ev) < 0)
			lose_lean_zygote(s, neg_errno());
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(TAG_SOCK, 0) };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, sock, &ev) < 0)
			return neg_errno();
		ev.data.u64 = TAG(TAG_SIGNAL, 0);
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev) < 0)
			return neg_errno();
	}
	r = fd_set_nonblock(sock);
	if (r < 0)
		return r;
	return 0;
}

#define SUBTREES_MAX 8 /* one per cgroup hierarchy; the supervisor takes as many */

/*
 * The cgroup subtrees are removed with the jail (cgroup.c); one still
 * there afterwards is logged, and the supervisor then removes it.
 */
static void teardown(struct spawner *s)
{
	char left[SUBTREES_MAX][PATH_MAX];
	size_t n = 0;

	shutdown_all(s);
	lean_zygote_free(s->lean);
	payload_free(s->payload);
	for (const char *p; s->jail && n < SUBTREES_MAX &&
			    (p = cgroup_manager_subtree(jail_cgroups(s->jail), n));)
		snprintf(left[n++], PATH_MAX, "%s", p);
	jail_free(s->jail);
	for (size_t i = 0; i < n; i++)
		if (access(left[i], F_OK) == 0 || errno != ENOENT)
			log_event(LOG_WARN, "cgroup_subtree_left", "path", left[i], NULL);
	free(s->slots);
	free(s->pool);
	wipemem_unmap(s->scratch, STREAM_SCRATCH_BYTES);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
}

int spawner_main(const struct pyexec_config *cfg, int sock, int beat_fd)
{
	struct spawner s;
	int rc = 0;
	int r;

	/*
	 * The API keys are the front's alone, and every warm jail is a fork
	 * of this process: our copy of them goes first.  cfg points at the
	 * caller's (non-const) struct, duplicated into this process by fork().
	 */
	config_forget_secrets((struct pyexec_config *)cfg);
	memset(&s, 0, sizeof(s));
	s.beat_fd = beat_fd;
	log_set_role("spawner");
	/* Die with the supervisor rather than outlive it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);

	r = setup(&s, cfg, sock);
	if (r < 0) {
		teardown(&s);
		return 1;
	}
	for (size_t i = 0; cgroup_manager_subtree(jail_cgroups(s.jail), i); i++)
		supervisor_link_report_dir(beat_fd, cgroup_manager_subtree(jail_cgroups(s.jail), i));
	send_hello(&s);
	send_status(&s);
	log_event(LOG_INFO, "spawner_ready", "mode", config_mode_name(cfg->mode), NULL);

	while (!s.stopping || s.running > 0) {
		struct epoll_event evs[32];
		uint64_t now = time_now_us();
		int n = epoll_wait(s.epfd, evs, ARRAY_SIZE(evs), next_timeout_ms(&s, now));

		if (n < 0 && errno != EINTR) {
			rc = 1;
			break;
		}
		supervisor_link_beat(s.beat_fd);
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			uint32_t kind = (uint32_t)(tag & 0xff), slot = (uint32_t)(tag >> 8);

			if (kind == TAG_SOCK) {
				for (;;) {
					union ipc_msg m;
					int fd = -1;
					r = ipc_recv(s.sock, &s.limits, &m, &fd);
					if (r == -EAGAIN)
						break;
					if (r == 0)
						r = on_message(&s, &m, fd);
					if (r < 0) {
						if (r != -EPIPE)
							log_event(LOG_ERROR, "front_dropped", "error",
								  strerror(-r), NULL);
						s.stopping = true;
						epoll_ctl(s.epfd, EPOLL_CTL_DEL, s.sock, NULL);
						for (uint32_t k = 0; k < cfg->slots; k++)
							if (s.slots[k])
								kill_execution(s.slots[k],
									       OUTCOME_INTERNAL);
						break;
					}
				}
			} else if (kind == TAG_SIGNAL) {
				struct signalfd_siginfo si;
				while (read(s.sigfd, &si, sizeof(si)) == sizeof(si))
					;
				/* Asked to stop: nobody will read answers, kill what runs. */
				s.stopping = true;
				for (uint32_t k = 0; k < cfg->slots; k++)
					if (s.slots[k])
						kill_execution(s.slots[k], OUTCOME_INTERNAL);
			} else if (kind == TAG_LEAN) {
				/* Between requests it never writes: it has exited, or broke. */
				lose_lean_zygote(&s, 0);
			} else if (kind == TAG_SETUP && slot < cfg->slots) {
				on_setup(&s, slot);
			} else if (kind == TAG_PIDFD && slot < cfg->slots) {
				on_pidfd(&s, slot);
			} else if (kind >= TAG_STREAM0 && kind < TAG_STREAM0 + STREAM__N &&
				   slot < cfg->slots && s.slots[slot]) {
				struct execution *e = s.slots[slot];
				int idx = (int)kind - TAG_STREAM0;
				if (e->streams[idx].fd >= 0)
					(void)stream_drain(&s, e, idx);
			}
		}
		now = time_now_us();
		check_deadlines(&s, now);
		for (uint32_t k = 0; k < cfg->slots; k++) {
			if (s.slots[k] && execution_done(s.slots[k]))
				finish(&s, k);
			else if (s.slots[k] && s.slots[k]->streams[STREAM_RESULT].fd < 0)
				answer_early(&s, k);
		}
		if (s.stopping) {
			/* Queued work will never be answered: drop it. */
			struct execution *e;
			while ((e = s.queue_head)) {
				s.queue_head = e->next;
				execution_free(e);
			}
			s.queue_tail = NULL;
			s.queued = 0;
		} else {
			start_next(&s);
			pool_fill(&s, time_now_us());
			maintain_zygote_memory(&s);
		}
	}

	teardown(&s);
	log_event(LOG_INFO, "spawner_stopped", NULL);
	return rc;
}
