/*
 * Fuzz target for ipc/proto: the decoder at the privilege boundary.
 *
 * Input: one control byte, then the message bytes.
 *   bit 0     has_fd, as ipc_validate() is told
 *   bit 1     also send the bytes through a real SOCK_SEQPACKET socketpair
 *             to ipc_recv(), with bits 2..5 fds attached (0..15, so that
 *             "extra fds" and "more fds than the control buffer" happen)
 *   bits 6, 7 /health inputs (healthy, reason) when a HELLO validates
 *
 * Checks:
 *  - ipc_validate() accepts exactly what proto.h specifies, re-stated here
 *    field by field (magic, version, known type, exact size, fd iff EXEC or
 *    RESULT, every range against the daemon's default limits);
 *  - ipc_recv() gives the answer that spec implies, copies the message
 *    exactly, hands out the one fd (close-on-exec) or none, leaves its
 *    outputs alone on failure, and never leaves a received fd open (the
 *    lowest free fd number is the same before and after);
 *  - what a validated message feeds downstream stays well-formed: a HELLO
 *    into response_health() (its strings are arbitrary bytes), a RESULT's
 *    full int32 ranges into response_from_result()'s messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "http/response.h"
#include "ipc/proto.h"

#define MAX_SEND_FDS 15

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pyexec_config cfg;
static struct ipc_limits lim;
static int sv[2] = { -1, -1 }; /* [0] the hostile peer, [1] our end, non-blocking */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_config(&cfg, NULL);
	lim = fuzz_ipc_limits(&cfg);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	FUZZ_CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	return 0;
}

/* proto.h's rules, written out again from the header. */
static bool spec_valid(const uint8_t *p, size_t len, bool has_fd)
{
	struct ipc_header h;

	if (len < sizeof(h))
		return false;
	memcpy(&h, p, sizeof(h));
	if (h.magic != IPC_MAGIC || h.version != IPC_VERSION)
		return false;
	switch (h.type) {
	case IPC_HELLO: {
		struct ipc_hello m;
		if (len != sizeof(m) || has_fd)
			return false;
		memcpy(&m, p, sizeof(m));
		return m.cgroup_version <= IPC_CGROUP_V2 && m.mode <= EXEC_MODE_WARM &&
		       memchr(m.python_version, '\0', sizeof(m.python_version)) &&
		       memchr(m.cgroup_path, '\0', sizeof(m.cgroup_path));
	}
	case IPC_EXEC: {
		struct ipc_exec m;
		if (len != sizeof(m) || !has_fd)
			return false;
		memcpy(&m, p, sizeof(m));
		return m.flags == 0 && m.timeout_ms >= 1 && m.timeout_ms <= lim.timeout_max_ms &&
		       m.memory_bytes >= 1 && m.memory_bytes <= lim.memory_max_bytes &&
		       m.script_len >= 1 && m.script_len <= lim.max_script_bytes;
	}
	case IPC_RESULT: {
		struct ipc_result m;
		if (len != sizeof(m) || !has_fd)
			return false;
		memcpy(&m, p, sizeof(m));
		return m.outcome <= OUTCOME_CANCELLED && m.result_len <= lim.max_result_bytes &&
		       m.stdout_len <= lim.max_output_bytes && m.stderr_len <= lim.max_output_bytes &&
		       m.setup_errno >= 0 && m.term_signal >= 0 && m.term_signal <= 64 &&
		       (m.flags & ~(uint32_t)RESULT_FLAGS_ALL) == 0;
	}
	case IPC_STATS_REQ:
		return len == sizeof(struct ipc_stats_req) && !has_fd;
	case IPC_CANCEL:
		return len == sizeof(struct ipc_cancel) && !has_fd;
	case IPC_STATS:
		return len == sizeof(struct ipc_stats) && !has_fd;
	case IPC_STATUS: {
		struct ipc_status m;
		if (len != sizeof(m) || has_fd)
			return false;
		memcpy(&m, p, sizeof(m));
		return m.pad == 0 && m.lean_zygote_pid <= 0x7fffffffu;
	}
	default:
		return false;
	}
}

static void check_hello(const struct ipc_hello *hello, uint8_t ctl)
{
	struct response resp = { 0 };
	struct response_health h = {
		.cfg = &cfg,
		.hello = hello,
		.healthy = ctl & 0x40,
		.reason = ctl & 0x80 ? "fuzz reason" : NULL,
		.front_pid = 2,
		.front_uid = 65534,
		.busy = 1,
		.queued = 0,
		.lean_zygote_pid = ctl & 0x20 ? hello->spawner_pid + 1 : 0,
	};
	const json_t *iso, *lean;
	char *want;
	size_t want_len;
	json_t *doc;
	int r;

	r = response_health(&h, &resp);
	FUZZ_CHECK(r == 0, "response_health: %d", r);
	FUZZ_CHECK(resp.status == (h.healthy ? 200u : 503u), "health status %u", resp.status);
	doc = fuzz_check_body(&resp);

	fuzz_utf8_repair(hello->python_version,
			 strnlen(hello->python_version, sizeof(hello->python_version)), &want,
			 &want_len);
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(doc, "python"), want, want_len),
		   "\"python\" is not the repaired python_version");
	free(want);

	iso = json_object_get(doc, "isolation");
	fuzz_utf8_repair(hello->cgroup_path, strnlen(hello->cgroup_path, sizeof(hello->cgroup_path)),
			 &want, &want_len);
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(json_object_get(iso, "cgroup"), "path"), want,
				       want_len),
		   "isolation.cgroup.path is not the repaired cgroup_path");
	free(want);

	lean = json_object_get(json_object_get(doc, "processes"), "lean_zygote");
	if (h.lean_zygote_pid)
		FUZZ_CHECK(json_integer_value(json_object_get(lean, "pid")) == h.lean_zygote_pid,
			   "processes.lean_zygote.pid is not the status's");
	else
		FUZZ_CHECK(json_is_null(lean), "processes.lean_zygote is not null without one");

	json_decref(doc);
	response_release(&resp);
}

static void check_result(const struct ipc_result *res)
{
	static const char *const types[] = { "no_result",     "timeout",      "memory_limit",
					     "killed",        "output_limit", "result_too_large",
					     "sandbox_error", "internal_error", "client_gone" };
	struct response resp = { 0 };
	struct response_exec ex = {
		.cfg = &cfg,
		.request_id = "fuzz-request-id",
		.timeout_ms = cfg.timeout_default_ms,
		.memory_bytes = cfg.memory_default_bytes,
	};
	bool known = false;
	json_t *doc;
	int r;

	/* No memfd here: the document and outputs are fuzz_response's job. */
	r = response_from_result(res, &ex, NULL, 0, NULL, 0, NULL, 0, &resp);
	FUZZ_CHECK(r == 0, "response_from_result: %d", r);
	doc = fuzz_check_body(&resp);
	FUZZ_CHECK(json_is_false(json_object_get(doc, "success")), "success without a document");
	FUZZ_CHECK(resp.error_type, "no error_type");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known |= strcmp(resp.error_type, types[i]) == 0;
	FUZZ_CHECK(known, "unexpected error_type %s", resp.error_type);
	FUZZ_CHECK(resp.status == 422 || resp.status == 500 ||
			   (resp.status == 499 && res->outcome == OUTCOME_CANCELLED),
		   "status %u", resp.status);
	json_decref(doc);
	response_release(&resp);
}

static int lowest_free_fd(void)
{
	int fd = fcntl(sv[0], F_DUPFD_CLOEXEC, 0);

	FUZZ_CHECK(fd >= 0, "F_DUPFD_CLOEXEC");
	close(fd);
	return fd;
}

static void check_recv(const uint8_t *p, size_t len, unsigned nfds)
{
	char control[CMSG_SPACE(sizeof(int) * MAX_SEND_FDS)];
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[MAX_SEND_FDS];
	int base = lowest_free_fd(), fd = -2, want, r;
	union ipc_msg msg, msg_before;
	char probe;
	ssize_t n;

	for (unsigned i = 0; i < nfds; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		FUZZ_CHECK(fds[i] >= 0, "open /dev/null");
	}
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	n = sendmsg(sv[0], &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* In flight the kernel holds its own references: ours can go now. */
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
	FUZZ_CHECK(n >= 0 && (size_t)n == len, "sendmsg of %zu bytes: %zd (errno %d)", len, n,
		   errno);

	if (len == 0)
		/* an empty datagram reads as end of file, unless it smuggles fds */
		want = nfds ? -EBADMSG : -EPIPE;
	else if (nfds > 1 || len > sizeof(union ipc_msg))
		want = -EBADMSG;
	else
		want = spec_valid(p, len, nfds == 1) ? 0 : -EBADMSG;

	memset(&msg, 0xEE, sizeof(msg));
	msg_before = msg;
	r = ipc_recv(sv[1], &lim, &msg, &fd);
	FUZZ_CHECK(r == want, "ipc_recv returned %d, expected %d (len=%zu, nfds=%u)", r, want, len,
		   nfds);
	if (r == 0) {
		static const char zero[sizeof(union ipc_msg)];

		FUZZ_CHECK(memcmp(&msg, p, len) == 0 &&
				   memcmp((char *)&msg + len, zero, sizeof(msg) - len) == 0,
			   "message not copied exactly (and zero-filled)");
		FUZZ_CHECK((fd >= 0) == (nfds == 1), "fd %d for %u sent", fd, nfds);
		if (fd >= 0) {
			FUZZ_CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "received fd not close-on-exec");
			close(fd);
		}
	} else {
		FUZZ_CHECK(fd == -2 && memcmp(&msg, &msg_before, sizeof(msg)) == 0,
			   "outputs written on failure (r=%d)", r);
	}

	r = lowest_free_fd();
	FUZZ_CHECK(r == base,
		   "fd leak: fd %d is still open after ipc_recv (len=%zu, nfds=%u, returned %d)",
		   base, len, nfds, want);
	FUZZ_CHECK(recv(sv[1], &probe, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		   "ipc_recv left data queued");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len;
	uint8_t ctl;
	bool has_fd;
	int r;

	if (size == 0)
		return 0;
	ctl = data[0];
	p = data + 1; /* deliberately misaligned: the decoder must not cast */
	len = size - 1;
	has_fd = ctl & 1;

	r = ipc_validate(p, len, has_fd, &lim);
	FUZZ_CHECK(r == 0 || r == -EBADMSG, "ipc_validate returned %d", r);
	FUZZ_CHECK((r == 0) == spec_valid(p, len, has_fd),
		   "ipc_validate %s a message the spec %s (len=%zu, has_fd=%d)",
		   r == 0 ? "accepts" : "refuses", r == 0 ? "refuses" : "accepts", len, has_fd);
	if (r == 0) {
		union ipc_msg msg;

		/* Safe: the spec agreed, so len is the size of a known type. */
		memset(&msg, 0, sizeof(msg));
		memcpy(&msg, p, len);
		FUZZ_CHECK(len == ipc_msg_size(msg.h.type), "size does not match the type");
		if (msg.h.type == IPC_HELLO)
			check_hello(&msg.hello, ctl);
		else if (msg.h.type == IPC_RESULT)
			check_result(&msg.result);
	}

	if (ctl & 2)
		check_recv(p, len, (ctl >> 2) & 15);
	return 0;
}
