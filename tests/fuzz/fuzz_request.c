/*
 * Fuzz target for http/request: the input is a POST /execute body, byte
 * for byte (a crash file can be replayed with curl --data-binary @file).
 *
 * Each body is parsed under two configurations, the default one and a
 * tight one (64-byte scripts, 0.5 s, 32..64 MB) so that the size and limit
 * checks are reached by small inputs.  For each, the answer is compared
 * with an oracle that applies request.h's rules, in request.c's documented
 * order, to jansson's own parse of the body:
 *  - accepted: the script is the JSON string, non-empty, not only Python
 *    whitespace, NUL-free and NUL-terminated, valid UTF-8, within
 *    max_script_bytes; timeout_ms is ceil(seconds * 1000) within
 *    1..timeout_max_ms, memory within memory_min..memory_max; and the
 *    IPC_EXEC the front would send for it passes the spawner's decoder;
 *  - refused: the status and error_type the oracle predicts, a terminated
 *    message, and a response_error() body that is valid JSON and UTF-8
 *    (jansson's error text quotes the raw body, so it may not be);
 *  - output parameters untouched on the other path; nothing leaks.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/request.h"
#include "http/response.h"
#include "ipc/proto.h"

#define MIB 1048576.0

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pyexec_config cfg_default, cfg_tight;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const tight[] = {
		"--max-script-bytes", "64", "--timeout-max", "0.5", "--timeout-default", "0.25",
		"--memory-min", "32", "--memory-default", "48", "--memory-max", "64", NULL,
	};

	(void)argc;
	(void)argv;
	fuzz_config(&cfg_default, NULL);
	fuzz_config(&cfg_tight, tight);
	return 0;
}

struct expect {
	unsigned status; /* 0: accepted */
	const char *type;
	const char *message_prefix; /* for the two invalid_limit cases */
	const char *script;
	size_t script_len;
	uint32_t timeout_ms;
	uint64_t memory_bytes;
};

/* Python's str.isspace(): Unicode White_Space with bidi class WS, B or S, or category Zs. */
static bool python_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 ||
	       cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static bool python_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		bool ok;

		i += fuzz_utf8_next((const unsigned char *)s + i, len - i, &ok, &cp);
		FUZZ_CHECK(ok, "jansson produced invalid UTF-8");
		if (!python_space(cp))
			return false;
	}
	return true;
}

static bool as_number(const json_t *v, double *out)
{
	if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else if (json_is_real(v))
		*out = json_real_value(v);
	else
		return false;
	return true;
}

/* Fills *e from root (NULL: not JSON).  Strings in *e point into root. */
static void oracle(const json_t *root, const struct pyexec_config *cfg, struct expect *e)
{
	const json_t *script, *t, *m;
	double s, mb;

	memset(e, 0, sizeof(*e));
	e->status = 400;
	if (!root) {
		e->type = "invalid_json";
		return;
	}
	e->type = "invalid_request";
	if (!json_is_object(root))
		return;
	script = json_object_get(root, "script");
	if (!json_is_string(script))
		return;
	e->script = json_string_value(script);
	e->script_len = json_string_length(script);
	if (e->script_len > cfg->max_script_bytes) {
		e->status = 413;
		e->type = "payload_too_large";
		return;
	}
	if (memchr(e->script, '\0', e->script_len) || python_blank(e->script, e->script_len))
		return;

	e->type = "invalid_limit";
	t = json_object_get(root, "timeout");
	if (!t || json_is_null(t)) {
		e->timeout_ms = cfg->timeout_default_ms;
	} else {
		if (!as_number(t, &s) || !(s > 0) || s > cfg->timeout_max_ms / 1000.0) {
			e->message_prefix = "Invalid timeout";
			return;
		}
		e->timeout_ms = (uint32_t)fmin(ceil(s * 1000.0), cfg->timeout_max_ms);
		if (e->timeout_ms == 0)
			e->timeout_ms = 1;
	}
	m = json_object_get(root, "memory");
	if (!m || json_is_null(m)) {
		e->memory_bytes = cfg->memory_default_bytes;
	} else {
		double b = as_number(m, &mb) ? mb * MIB : NAN;
		if (!(b >= (double)cfg->memory_min_bytes && b <= (double)cfg->memory_max_bytes)) {
			e->message_prefix = "Invalid memory";
			return;
		}
		e->memory_bytes = (uint64_t)floor(b);
		if (e->memory_bytes < cfg->memory_min_bytes)
			e->memory_bytes = cfg->memory_min_bytes;
		if (e->memory_bytes > cfg->memory_max_bytes)
			e->memory_bytes = cfg->memory_max_bytes;
	}
	e->status = 0;
	e->type = NULL;
}

/* The IPC_EXEC broker_submit() builds for req must pass the spawner's ipc_recv(). */
static void check_exec_message(const struct exec_request *req, const struct pyexec_config *cfg)
{
	struct ipc_limits lim = fuzz_ipc_limits(cfg);
	union ipc_msg msg;
	int r;

	memset(&msg, 0, sizeof(msg));
	msg.exec.h.magic = IPC_MAGIC;
	msg.exec.h.version = IPC_VERSION;
	msg.exec.h.type = IPC_EXEC;
	msg.exec.h.id = 1;
	msg.exec.timeout_ms = req->timeout_ms;
	msg.exec.memory_bytes = req->memory_bytes;
	msg.exec.script_len = req->script_len;
	r = ipc_validate(&msg, sizeof(msg.exec), true, &lim);
	FUZZ_CHECK(r == 0, "the spawner would refuse the accepted request (timeout_ms=%u, "
			   "memory_bytes=%llu, script_len=%zu): %d",
		   (unsigned)req->timeout_ms, (unsigned long long)req->memory_bytes,
		   req->script_len, r);
}

/* The refusal as the front sends it: response_error() with the message. */
static void check_error_body(const struct request_error *err)
{
	struct response resp = { 0 };
	char *want;
	size_t want_len;
	json_t *doc;
	int r;

	r = response_error(err->http_status, err->error_type, err->message, "fuzz-request-id",
			   &resp);
	FUZZ_CHECK(r == 0, "response_error: %d", r);
	FUZZ_CHECK(resp.status == err->http_status && resp.error_type == err->error_type,
		   "status/error_type not carried over");
	doc = fuzz_check_body(&resp);
	fuzz_utf8_repair(err->message, strlen(err->message), &want, &want_len);
	FUZZ_CHECK(json_is_false(json_object_get(doc, "success")), "success is not false");
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(doc, "error"), want, want_len),
		   "\"error\" is not the repaired message");
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(doc, "error_type"), err->error_type,
				       strlen(err->error_type)),
		   "\"error_type\" differs");
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(doc, "request_id"), "fuzz-request-id", 15),
		   "\"request_id\" differs");
	free(want);
	json_decref(doc);
	response_release(&resp);
}

static void check_one(const char *body, size_t len, const struct pyexec_config *cfg,
		      const char *name)
{
	struct exec_request req, req_before;
	struct request_error err, err_before;
	json_error_t jerr;
	json_t *root = NULL;
	struct expect e;
	int r;

	memset(&req, 0xA5, sizeof(req));
	memset(&err, 0x5A, sizeof(err));
	req_before = req;
	err_before = err;

	r = request_parse(body, len, cfg, &req, &err);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "[%s] request_parse returned %d", name, r);

	if (len > 0)
		root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	oracle(root, cfg, &e);

	if (r == 0) {
		FUZZ_CHECK(e.status == 0, "[%s] accepted, but the oracle says %u %s", name,
			   e.status, e.type);
		FUZZ_CHECK(memcmp(&err, &err_before, sizeof(err)) == 0, "[%s] *err written", name);
		FUZZ_CHECK(req.script && req.script_len > 0, "[%s] empty script accepted", name);
		FUZZ_CHECK(req.script_len <= cfg->max_script_bytes, "[%s] script over the limit",
			   name);
		FUZZ_CHECK(req.script[req.script_len] == '\0' &&
				   strlen(req.script) == req.script_len,
			   "[%s] script has a NUL inside or no terminator", name);
		FUZZ_CHECK(fuzz_utf8_valid(req.script, req.script_len),
			   "[%s] script is not valid UTF-8", name);
		FUZZ_CHECK(req.script_len == e.script_len &&
				   memcmp(req.script, e.script, e.script_len) == 0,
			   "[%s] script is not the JSON string", name);
		FUZZ_CHECK(req.timeout_ms >= 1 && req.timeout_ms <= cfg->timeout_max_ms,
			   "[%s] timeout_ms %u out of bounds", name, (unsigned)req.timeout_ms);
		FUZZ_CHECK(req.timeout_ms == e.timeout_ms, "[%s] timeout_ms %u, oracle %u", name,
			   (unsigned)req.timeout_ms, (unsigned)e.timeout_ms);
		FUZZ_CHECK(req.memory_bytes >= cfg->memory_min_bytes &&
				   req.memory_bytes <= cfg->memory_max_bytes,
			   "[%s] memory_bytes %llu out of bounds", name,
			   (unsigned long long)req.memory_bytes);
		FUZZ_CHECK(req.memory_bytes == e.memory_bytes, "[%s] memory_bytes %llu, oracle %llu",
			   name, (unsigned long long)req.memory_bytes,
			   (unsigned long long)e.memory_bytes);
		check_exec_message(&req, cfg);
		request_free(&req);
		request_free(&req); /* documented as safe twice */
		FUZZ_CHECK(req.script == NULL, "[%s] request_free left the pointer", name);
	} else {
		FUZZ_CHECK(memcmp(&req, &req_before, sizeof(req)) == 0, "[%s] *req written", name);
		FUZZ_CHECK(e.status != 0, "[%s] refused (%u %s: %.200s), but the oracle accepts",
			   name, err.http_status, err.error_type, err.message);
		FUZZ_CHECK(err.http_status == e.status && strcmp(err.error_type, e.type) == 0,
			   "[%s] refused as %u %s, oracle says %u %s", name, err.http_status,
			   err.error_type, e.status, e.type);
		FUZZ_CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL,
			   "[%s] message not terminated", name);
		if (e.message_prefix)
			FUZZ_CHECK(strncmp(err.message, e.message_prefix,
					   strlen(e.message_prefix)) == 0,
				   "[%s] expected \"%s...\", got \"%s\"", name, e.message_prefix,
				   err.message);
		check_error_body(&err);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer passes an exactly sized heap copy: reading past the body is caught. */
	check_one((const char *)data, size, &cfg_default, "default");
	check_one((const char *)data, size, &cfg_tight, "tight");
	return 0;
}
