/*
 * The message protocol between the HTTP front (unprivileged) and the
 * spawner (privileged), over a SOCK_SEQPACKET socketpair.
 *
 * Every message is one fixed-size struct starting with struct ipc_header,
 * optionally carrying exactly one fd (SCM_RIGHTS).  Bulk data never travels
 * in the message itself: it sits in a sealed memfd whose size the message
 * states, so message sizes stay fixed and the decoder stays trivial.
 *
 * Either side treats the other as hostile: ipc_recv() validates magic,
 * type, exact length, the fd's presence and every field's range, and
 * returns -EBADMSG on anything else; the caller then drops the peer
 * (closes the socket), as OpenSSH's monitor does.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/macros.h"

#define IPC_MAGIC 0x70796578u /* "pyex" */
#define IPC_VERSION 1u

enum ipc_type {
	IPC_HELLO = 1,       /* spawner -> front, once at start: what isolation is in force */
	IPC_EXEC = 2,        /* front -> spawner: run a script (fd: sealed memfd of the script) */
	IPC_RESULT = 3,      /* spawner -> front: an execution ended (fd: sealed memfd of outputs) */
	IPC_STATS_REQ = 4,   /* front -> spawner: ask for counters */
	IPC_STATS = 5,       /* spawner -> front: counters */
	IPC_STATUS = 6,      /* spawner -> front, after hello and on a change: its helper processes */
	IPC_CANCEL = 7,      /* front -> spawner: execution h.id's client is gone; stop it */
};

struct ipc_header {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint64_t id; /* request id chosen by the front; echoed in IPC_RESULT */
};

/* Bits of ipc_hello.isolation: what every execution gets. */
enum {
	ISO_USERNS = 1u << 0,
	ISO_PIDNS = 1u << 1,
	ISO_MNTNS = 1u << 2,
	ISO_NETNS = 1u << 3,
	ISO_IPCNS = 1u << 4,
	ISO_UTSNS = 1u << 5,
	ISO_CGROUPNS = 1u << 6,
	ISO_SECCOMP = 1u << 7,
	ISO_NO_NEW_PRIVS = 1u << 8,
	ISO_CAPS_DROPPED = 1u << 9,
	ISO_RLIMITS = 1u << 10,
	ISO_PIVOT_ROOT = 1u << 11,
};

/* Bits of ipc_hello.cgroup_limits: which limits the cgroup layer enforces. */
enum {
	CGL_MEMORY = 1u << 0,
	CGL_PIDS = 1u << 1,
	CGL_CPU = 1u << 2,
};

enum ipc_cgroup_version { IPC_CGROUP_NONE = 0, IPC_CGROUP_V1 = 1, IPC_CGROUP_V2 = 2 };

struct ipc_hello {
	struct ipc_header h;
	uint32_t isolation;     /* ISO_* */
	uint32_t cgroup_version; /* enum ipc_cgroup_version */
	uint32_t cgroup_limits; /* CGL_* */
	uint32_t mode;          /* enum exec_mode */
	uint32_t spawner_pid;
	uint32_t spawner_uid;
	uint32_t sandbox_uid;
	uint32_t pad;
	char python_version[32]; /* NUL-terminated */
	char cgroup_path[192];   /* where execution cgroups live, NUL-terminated */
};

struct ipc_exec {
	struct ipc_header h;
	uint32_t timeout_ms;
	uint32_t flags; /* reserved, 0 */
	uint64_t memory_bytes;
	uint64_t script_len; /* size of the memfd */
};

/* How the execution ended, as the spawner saw it. */
enum exec_outcome {
	OUTCOME_EXITED = 0,       /* runner exited; its result channel says the rest */
	OUTCOME_TIMEOUT = 1,      /* wall-clock timeout, killed */
	OUTCOME_MEMORY = 2,       /* cgroup OOM kill */
	OUTCOME_SIGNALED = 3,     /* killed by a signal (term_signal) */
	OUTCOME_OUTPUT_LIMIT = 4, /* wrote more than output_kill_bytes, killed */
	OUTCOME_RESULT_LIMIT = 5, /* result larger than max_result_bytes, killed */
	OUTCOME_SETUP_FAILED = 6, /* a sandbox layer failed (setup_stage, setup_errno) */
	OUTCOME_INTERNAL = 7,     /* spawner-side failure (setup_errno) */
	OUTCOME_CPU_LIMIT = 8,    /* RLIMIT_CPU reached (SIGXCPU/SIGKILL) */
	OUTCOME_CANCELLED = 9,    /* stopped on IPC_CANCEL: its client closed the connection */
	OUTCOME__MAX = 9,
};

enum {
	RESULT_STDOUT_TRUNCATED = 1u << 0,
	RESULT_STDERR_TRUNCATED = 1u << 1,
	RESULT_PREBUILT_JAIL = 1u << 2, /* ran in a jail built before its request (--pool) */
	RESULT_LEAN_ZYGOTE = 1u << 3,   /* its jail was cloned from the lean zygote (lean.h) */
	RESULT_FLAGS_ALL = RESULT_STDOUT_TRUNCATED | RESULT_STDERR_TRUNCATED | RESULT_PREBUILT_JAIL |
			   RESULT_LEAN_ZYGOTE,
};

struct ipc_result {
	struct ipc_header h;
	uint32_t outcome; /* enum exec_outcome */
	int32_t exit_code;   /* valid when the runner exited */
	int32_t term_signal; /* valid for OUTCOME_SIGNALED */
	int32_t setup_stage; /* enum jail_stage, for OUTCOME_SETUP_FAILED */
	int32_t setup_errno; /* positive errno */
	uint32_t flags;      /* RESULT_* */
	uint64_t queue_us;   /* waiting for a slot */
	uint64_t setup_us;   /* building the jail */
	uint64_t wall_us;    /* running (setup done to exit) */
	uint64_t cpu_us;     /* user+system CPU of the whole jail */
	uint64_t peak_memory_bytes;
	/* The memfd holds result, then stdout, then stderr, back to back. */
	uint64_t result_len;
	uint64_t stdout_len;
	uint64_t stderr_len;
};

struct ipc_stats_req {
	struct ipc_header h;
};

struct ipc_cancel {
	struct ipc_header h; /* h.id: the execution's */
};

struct ipc_stats {
	struct ipc_header h;
	uint32_t running;
	uint32_t queued;
	uint64_t executions;
	uint64_t setup_failures;
	uint64_t zygote_restarts;
};

/*
 * What the spawner has besides itself, for /health: sent once right after
 * IPC_HELLO and again whenever it changes (the lean zygote lost).
 */
struct ipc_status {
	struct ipc_header h;
	uint32_t lean_zygote_pid; /* 0: none (cold mode, --single-zygote, or lost) */
	uint32_t pad;             /* 0 */
};

/* A received message: the largest struct, plus the fd it carried (or -1). */
union ipc_msg {
	struct ipc_header h;
	struct ipc_hello hello;
	struct ipc_exec exec;
	struct ipc_result result;
	struct ipc_stats_req stats_req;
	struct ipc_cancel cancel;
	struct ipc_stats stats;
	struct ipc_status status;
};

struct ipc_limits {
	uint64_t max_script_bytes;
	uint64_t max_result_bytes; /* bound on result_len */
	uint64_t max_output_bytes; /* bound on stdout_len and stderr_len each */
	uint32_t timeout_max_ms;
	uint64_t memory_max_bytes;
};

/*
 * Sends msg (whose size follows from msg->h.type) with fd attached when
 * fd >= 0.  Fills magic and version.  Returns 0 or -errno.
 */
int ipc_send(int sock, union ipc_msg *msg, int fd) _wur_;

/*
 * Receives and validates one message.  On success *msg holds it and *fd the
 * attached fd (owned by the caller) or -1.  Returns 0, -EPIPE at EOF,
 * -EAGAIN on a non-blocking socket with nothing queued, -EBADMSG when the
 * peer broke the protocol (caller must drop the peer), other -errno.
 */
int ipc_recv(int sock, const struct ipc_limits *lim, union ipc_msg *msg, int *fd) _wur_;

/*
 * Validates an already-received message image (as ipc_recv does after
 * reading it).  Exposed for the fuzzer and unit tests.
 */
int ipc_validate(const void *buf, size_t len, bool has_fd, const struct ipc_limits *lim) _wur_;

/* Size of the struct for a message type, 0 if the type is unknown. */
size_t ipc_msg_size(uint16_t type);
