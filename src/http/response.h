/*
 * Building the JSON bodies the front sends: execution results, front-made
 * errors and /health.  Pure: no libmicrohttpd, no I/O; the only clock read
 * is the "timestamp" field.
 *
 * Everything that came out of the sandbox is untrusted: the runner's result
 * document is validated in full (runner_doc.h) and only known members of
 * the right type are copied (strings capped); main()'s value is carried as
 * the validated text the runner wrote, so its numbers reach the client as
 * Python printed them.  An error code the front does not know is never
 * echoed.  stdout and stderr are UTF-8-repaired (U+FFFD) and keep NULs as
 * \u0000.
 *
 * Bodies are serialised by this module, not by json_dumps(), because
 * jansson prints every real with 17 significant digits (0.1 comes out as
 * 0.10000000000000001); the front's own reals (usage) use the shortest
 * text that reads back as the same double, as Python does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ipc/proto.h"
#include "util/macros.h"

struct response {
	unsigned status;        /* HTTP status */
	const char *error_type; /* static string, NULL for a success */
	char *body;             /* owned, NUL-terminated JSON text */
	size_t body_len;        /* excluding the terminator */
};

/* What the front knows about the execution, for the response and its messages. */
struct response_exec {
	const struct pyexec_config *cfg; /* limits quoted in messages */
	const char *request_id;          /* echoed as "request_id" */
	uint32_t timeout_ms;             /* the request's effective limits */
	uint64_t memory_bytes;
};

/* Caps on what is copied from the runner's document (bytes, before escaping). */
#define RESPONSE_MAX_ERROR_BYTES 4096u
#define RESPONSE_MAX_TRACEBACK_BYTES 65536u
#define RESPONSE_MAX_EXCTYPE_BYTES 256u

/*
 * Maps a finished execution to its HTTP answer: res is the spawner's
 * message (already range-checked by ipc_recv), doc[0..doc_len) the
 * runner's result document, out/err the captured stdout and stderr (any
 * bytes; NULL allowed when the length is 0).  Fills *resp and returns 0,
 * or returns -ENOMEM / -EOVERFLOW leaving *resp untouched.
 */
int response_from_result(const struct ipc_result *res, const struct response_exec *ex,
			 const char *doc, size_t doc_len, const char *out, size_t out_len,
			 const char *err, size_t err_len, struct response *resp) _wur_;

/*
 * {"success":false,"error":message,"error_type":error_type,"timestamp":..,
 * "request_id":request_id}.  error_type must be a static string (it is
 * stored in resp->error_type); message may be any bytes (repaired);
 * request_id may be NULL (then omitted).  0 or -ENOMEM.
 */
int response_error(unsigned status, const char *error_type, const char *message,
		   const char *request_id, struct response *resp) _wur_;

/* Inputs of the /health document, gathered by the caller under its locks. */
struct response_health {
	const struct pyexec_config *cfg;
	const struct ipc_hello *hello; /* NULL until the spawner said hello */
	bool healthy;                  /* 200 "healthy" or 503 "unhealthy" */
	const char *reason;            /* why unhealthy, or NULL */
	uint32_t front_pid, front_uid;
	uint32_t busy, queued; /* executions running / waiting, as the front counts them */
	uint32_t lean_zygote_pid; /* 0: none */
};

/* The /health body and status (200 or 503).  0 or -ENOMEM. */
int response_health(const struct response_health *h, struct response *resp) _wur_;

/* Frees resp->body; safe on a zeroed struct and twice. */
void response_release(struct response *resp);

/* "2026-12-01T18:00:00.123Z" for now, into buf (at least 32 bytes). */
void response_timestamp(char *buf, size_t size);
