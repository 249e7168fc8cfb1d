/*
 * The front's side of the spawner socket: admission, the table of
 * executions in flight, and a thread that reads the spawner's messages and
 * turns each IPC_RESULT into a finished response.  The same thread reads
 * the supervisor's control socket, over which a restarted spawner's socket
 * arrives: the executions in flight with the old spawner are answered 503
 * and the new one serves once it has said hello.
 *
 * The spawner is treated as hostile (it runs next to untrusted code): a
 * malformed message, a result for an id we are not waiting for, or a
 * result memfd that is not sealed at its announced size makes the broker
 * drop the spawner, answer every execution in flight with 503, and refuse
 * new ones; /health then reports "unhealthy".
 *
 * Locking: one mutex guards the table and the spawner's state.  The
 * job's suspend callback runs with it held (so a result can never be
 * delivered before the caller has suspended the request); the done
 * callback never does.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "http/request.h"
#include "http/response.h"
#include "ipc/proto.h"
#include "util/macros.h"

struct http_broker;

/*
 * Delivers the answer for an accepted job, exactly once per job, from the
 * broker thread or from whichever thread failed the job.  The callee takes
 * ownership of resp->body; resp->body is NULL when the response could not
 * be built (out of memory) and the callee must send a canned 500.
 * res is the spawner's report, or NULL when the spawner never answered.
 */
typedef void (*broker_done_fn)(void *cookie, struct response *resp, const struct ipc_result *res);

struct broker_job {
	const struct exec_request *req; /* copied; not kept after submit returns */
	const char *request_id;         /* copied, for the response */
	/* called under the broker lock, before the send; exec_id names the job for broker_cancel() */
	void (*suspend)(void *cookie, uint64_t exec_id);
	void *cookie;                   /* handed to suspend and to done */
};

struct broker_status {
	bool ready;    /* the spawner said hello */
	bool healthy;  /* ... and has not been dropped */
	bool draining; /* broker_drain() was called */
	uint32_t in_flight;
	uint64_t spawner_restarts; /* replacement spawners the supervisor handed over */
	struct ipc_hello hello;    /* valid when ready */
	uint32_t lean_zygote_pid;  /* 0: none serves (IPC_STATUS) */
};

/*
 * A broker for the spawner on sock, taking replacements from ctl (the
 * supervisor's control socket, or -1 for none).  On success it owns both
 * fds and broker_free() closes them; on failure the caller keeps them.
 * Sockets are put in non-blocking mode, so a stalled spawner makes a
 * submission fail instead of blocking the HTTP thread.
 * 0 or -errno; *out untouched on failure.
 */
int broker_new(const struct pyexec_config *cfg, int sock, int ctl, broker_done_fn done,
	       struct http_broker **out) _wur_;

/* Starts the reading thread (signals must already be blocked by the caller).  0 or -errno. */
int broker_start(struct http_broker *b) _wur_;

/*
 * Sends job to the spawner.  Returns 0 when the job was accepted: suspend
 * has been called and done will be called exactly once (possibly before
 * this returns, from this thread or another).  Otherwise suspend and done
 * are never called: -ESHUTDOWN (draining), -ENOTCONN (no spawner yet, or
 * dropped), -EBUSY (cfg->slots + cfg->queue executions in flight), or
 * another -errno (the script memfd could not be made).
 */
int broker_submit(struct http_broker *b, const struct broker_job *job) _wur_;

/*
 * Asks the spawner to stop the accepted job exec_id (its client is gone).
 * Its answer still comes through done, as OUTCOME_CANCELLED, or as
 * whatever it ended with first.  A job no longer in flight is ignored.
 */
void broker_cancel(struct http_broker *b, uint64_t exec_id);

/* Refuses every later submission with -ESHUTDOWN. */
void broker_drain(struct http_broker *b);

/* Answers every job in flight with 503 now; results arriving for them later are ignored. */
void broker_fail_all(struct http_broker *b, const char *message);

/* A consistent snapshot of the broker's state. */
void broker_get_status(struct http_broker *b, struct broker_status *st);

/* Stops and joins the thread, then fails what is still in flight.  Idempotent. */
void broker_stop(struct http_broker *b);

/* Frees b (stopping it first if needed) and closes its sockets; NULL is ignored. */
void broker_free(struct http_broker *b);
