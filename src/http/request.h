/*
 * Parsing and validation of a POST /execute body: untrusted bytes in, a
 * checked execution request (or a client-facing error) out.  Pure: no
 * libmicrohttpd, no I/O, no global state, so it is unit-tested and fuzzed
 * on its own.
 *
 * Accepted body (the seed documents' format; unknown members are ignored):
 *   {"script": "<python source>", "timeout": <seconds>, "memory": <MB>}
 * timeout and memory are optional JSON numbers (integer or real, not bool
 * or string); null means "use the default".  Duplicate member names are
 * accepted and the last one wins, as in jansson and in Flask's json, so a
 * body the seeds' Flask services took is taken here too.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/macros.h"

struct exec_request {
	char *script; /* owned, NUL-terminated, no embedded NUL, valid UTF-8 */
	size_t script_len;
	uint32_t timeout_ms;   /* 1 .. cfg->timeout_max_ms */
	uint64_t memory_bytes; /* cfg->memory_min_bytes .. cfg->memory_max_bytes */
};

struct request_error {
	unsigned http_status;   /* 400 or 413 */
	const char *error_type; /* static string: "invalid_json", "invalid_request", ... */
	char message[256];      /* a sentence for the client, NUL-terminated */
};

/*
 * Parses body[0..len) against the limits in cfg.
 * Returns 0 with *req filled (free it with request_free()), -EINVAL with
 * *err filled when the client sent something we refuse, or -ENOMEM.
 * *req is untouched unless 0 is returned; *err unless -EINVAL is.
 */
int request_parse(const char *body, size_t len, const struct pyexec_config *cfg,
		  struct exec_request *req, struct request_error *err) _wur_;

/* Frees what request_parse() allocated; safe on a zeroed struct and twice. */
void request_free(struct exec_request *req);
