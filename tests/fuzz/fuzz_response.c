/*
 * Fuzz target for http/response: the runner's result document and the
 * script's stdout/stderr, all written from inside the sandbox, turned into
 * the HTTP body the client gets.
 *
 * Input layout (missing header bytes read as 0):
 *   [0]      outcome: < 0x80 OUTCOME_EXITED, else (b & 0x7f) % (OUTCOME__MAX + 1)
 *   [1]      flags & 3        [2] term_signal % 65
 *   [3]      setup_stage (signed byte, so out-of-range stages happen)
 *   [4]      setup_errno      [5] exit_code (signed byte)
 *   [6..7]   stdout length, [8..9] stderr length (little-endian, capped)
 *   [10..11] timeout, [12..13] memory of the request (mapped into bounds)
 *   [14..15] shifts for the usage counters (mixed from the header)
 *   then     result document | stdout | stderr
 * The struct ipc_result built from it always passes ipc_validate(), as the
 * broker only ever hands such a message on.
 *
 * Checks: response_from_result() succeeds; the body is valid UTF-8 and
 * JSON (fuzz_check_body); status and error_type are the ones the rules in
 * response.h/.c give for this outcome and document, error_type is never
 * text from the sandbox, no member beyond the documented ones appears;
 * "result" equals the runner's value exactly (reals read back as the same
 * double); copied runner strings are prefixes cut on a character boundary
 * at their caps; stdout/stderr are the reference repair of the bytes; the
 * usage counters read back exactly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/response.h"
#include "ipc/proto.h"

#define HDR 16
#define MIB 1048576ull

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pyexec_config cfg;
static struct ipc_limits lim;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_config(&cfg, NULL);
	lim = fuzz_ipc_limits(&cfg);
	return 0;
}

/* The runner's codes and their statuses (response.c's table, restated). */
static const struct {
	const char *type;
	unsigned status;
} runner_codes[] = {
	{ "syntax_error", 400 },	    { "missing_main", 400 },	   { "invalid_encoding", 400 },
	{ "runtime_error", 422 },	    { "system_exit", 422 },	   { "memory_limit", 422 },
	{ "main_not_callable", 422 },	    { "result_not_serializable", 422 },
	{ "result_nan", 422 },
};

static const char *const body_members[] = {
	"success",	"result",	    "error",		"error_type", "exception_type",
	"line",		"column",	    "traceback",	"stdout",     "stderr",
	"stdout_truncated", "stderr_truncated", "timestamp", "execution_method", "request_id",
	"usage",
};

struct want {
	unsigned status;
	const char *type;     /* NULL for a success */
	const json_t *result; /* success: the runner's value */
	const json_t *runner; /* ok:false: the document whose members are copied */
};

static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static unsigned le16(const uint8_t *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

/* Longest prefix of valid s[0..len) within max bytes that ends on a character boundary. */
static size_t cut(const char *s, size_t len, size_t max)
{
	size_t i = 0;

	if (len <= max)
		return len;
	while (i < len) {
		uint32_t cp;
		bool ok;
		size_t n = fuzz_utf8_next((const unsigned char *)s + i, len - i, &ok, &cp);

		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

static void expect(const struct ipc_result *res, size_t doc_len, const json_t *root,
		   int jerr_code, struct want *w)
{
	const json_t *ok;

	memset(w, 0, sizeof(*w));
	w->status = 422;
	switch (res->outcome) {
	case OUTCOME_EXITED:
		break;
	case OUTCOME_TIMEOUT:
	case OUTCOME_CPU_LIMIT:
		w->type = "timeout";
		return;
	case OUTCOME_MEMORY:
		w->type = "memory_limit";
		return;
	case OUTCOME_SIGNALED:
		w->type = "killed";
		return;
	case OUTCOME_OUTPUT_LIMIT:
		w->type = "output_limit";
		return;
	case OUTCOME_RESULT_LIMIT:
		w->type = "result_too_large";
		return;
	case OUTCOME_CANCELLED:
		w->status = 499;
		w->type = "client_gone";
		return;
	case OUTCOME_SETUP_FAILED:
		w->status = 500;
		w->type = "sandbox_error";
		return;
	default:
		w->status = 500;
		w->type = "internal_error";
		return;
	}
	if (doc_len == 0) {
		w->type = "no_result";
		return;
	}
	if (!root) {
		w->type = jerr_code == json_error_numeric_overflow ? "result_not_serializable"
								    : "result_invalid";
		return;
	}
	ok = json_object_get(root, "ok");
	if (json_is_true(ok) && json_object_get(root, "result")) {
		w->status = 200;
		w->type = NULL;
		w->result = json_object_get(root, "result");
		return;
	}
	if (!json_is_false(ok)) {
		w->type = "result_invalid";
		return;
	}
	w->runner = root;
	w->type = "runtime_error"; /* an unknown code is never echoed */
	for (size_t i = 0; i < sizeof(runner_codes) / sizeof(runner_codes[0]); i++) {
		const char *t = json_string_value(json_object_get(root, "error_type"));
		/* C-string comparison, as response.c does: a NUL cuts the code short. */
		if (t && strcmp(t, runner_codes[i].type) == 0) {
			w->type = runner_codes[i].type;
			w->status = runner_codes[i].status;
		}
	}
}

/* A string member copied from the runner: present iff it was a string there, cut at max. */
static void check_copied_str(const json_t *body, const json_t *runner, const char *key,
			     size_t max)
{
	const json_t *src = runner ? json_object_get(runner, key) : NULL;
	const json_t *got = json_object_get(body, key);

	if (!json_is_string(src)) {
		FUZZ_CHECK(!got, "\"%s\" present though the runner sent no string", key);
		return;
	}
	FUZZ_CHECK(fuzz_json_string_is(got, json_string_value(src),
				       cut(json_string_value(src), json_string_length(src), max)),
		   "\"%s\" is not the runner's string cut at %zu bytes", key, max);
}

static void check_copied_int(const json_t *body, const json_t *runner, const char *key)
{
	const json_t *src = runner ? json_object_get(runner, key) : NULL;
	const json_t *got = json_object_get(body, key);

	if (!json_is_integer(src) || json_integer_value(src) < 0 ||
	    json_integer_value(src) > INT32_MAX) {
		FUZZ_CHECK(!got, "\"%s\" present though the runner sent no int32 >= 0", key);
		return;
	}
	FUZZ_CHECK(json_is_integer(got) && json_integer_value(got) == json_integer_value(src),
		   "\"%s\" differs from the runner's", key);
}

static void check_output(const json_t *body, const char *key, const char *s, size_t len)
{
	char *want;
	size_t want_len;

	fuzz_utf8_repair(s, len, &want, &want_len);
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(body, key), want, want_len),
		   "\"%s\" is not the repaired output", key);
	free(want);
}

static void check_usage_ms(const json_t *usage, const char *key, uint64_t us)
{
	const json_t *v = json_object_get(usage, key);

	FUZZ_CHECK(json_is_real(v) && json_real_value(v) == us / 1000.0,
		   "usage.%s does not read back as %llu / 1000", key, (unsigned long long)us);
}

static void check_body(const json_t *body, const struct response *resp, const struct want *w,
		       const struct ipc_result *res, const char *out, size_t out_len,
		       const char *err, size_t err_len)
{
	const json_t *usage = json_object_get(body, "usage");

	for (void *it = json_object_iter((json_t *)body); it;
	     it = json_object_iter_next((json_t *)body, it)) {
		bool known = false;
		for (size_t i = 0; i < sizeof(body_members) / sizeof(body_members[0]); i++)
			known |= strcmp(json_object_iter_key(it), body_members[i]) == 0;
		FUZZ_CHECK(known, "unexpected member \"%s\" in the body", json_object_iter_key(it));
	}

	FUZZ_CHECK(resp->status == w->status, "status %u, expected %u", resp->status, w->status);
	if (!w->type) {
		FUZZ_CHECK(!resp->error_type, "error_type %s on a success", resp->error_type);
		FUZZ_CHECK(json_is_true(json_object_get(body, "success")), "success is not true");
		FUZZ_CHECK(fuzz_json_equal(json_object_get(body, "result"), w->result),
			   "\"result\" differs from the runner's value");
		FUZZ_CHECK(!json_object_get(body, "error") && !json_object_get(body, "error_type"),
			   "error members on a success");
	} else {
		const json_t *msg = w->runner ? json_object_get(w->runner, "error") : NULL;

		FUZZ_CHECK(resp->error_type && strcmp(resp->error_type, w->type) == 0,
			   "error_type %s, expected %s", resp->error_type ? resp->error_type : "NULL",
			   w->type);
		FUZZ_CHECK(json_is_false(json_object_get(body, "success")), "success is not false");
		FUZZ_CHECK(fuzz_json_string_is(json_object_get(body, "error_type"), w->type,
					       strlen(w->type)),
			   "body error_type differs from resp->error_type");
		FUZZ_CHECK(!json_object_get(body, "result"), "\"result\" on a failure");
		FUZZ_CHECK(json_is_string(json_object_get(body, "error")), "no \"error\" string");
		/* An error that is empty as a C string gets the front's own sentence. */
		if (json_is_string(msg) && json_string_value(msg)[0] != '\0') {
			const char *s = json_string_value(msg);
			size_t n = cut(s, json_string_length(msg), RESPONSE_MAX_ERROR_BYTES);

			/* Used as a C string: a NUL ends it (response.c says so). */
			n = strnlen(s, n);
			FUZZ_CHECK(fuzz_json_string_is(json_object_get(body, "error"), s, n),
				   "\"error\" is not the runner's message cut at its cap");
		} else {
			FUZZ_CHECK(json_string_length(json_object_get(body, "error")) > 0,
				   "empty \"error\" although none came from the runner");
		}
		check_copied_str(body, w->runner, "exception_type", RESPONSE_MAX_EXCTYPE_BYTES);
		check_copied_str(body, w->runner, "traceback", RESPONSE_MAX_TRACEBACK_BYTES);
		check_copied_int(body, w->runner, "line");
		check_copied_int(body, w->runner, "column");
	}

	check_output(body, "stdout", out, out_len);
	check_output(body, "stderr", err, err_len);
	FUZZ_CHECK(json_is_boolean(json_object_get(body, "stdout_truncated")) &&
			   json_is_true(json_object_get(body, "stdout_truncated")) ==
				   !!(res->flags & RESULT_STDOUT_TRUNCATED),
		   "stdout_truncated");
	FUZZ_CHECK(json_is_boolean(json_object_get(body, "stderr_truncated")) &&
			   json_is_true(json_object_get(body, "stderr_truncated")) ==
				   !!(res->flags & RESULT_STDERR_TRUNCATED),
		   "stderr_truncated");
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(body, "execution_method"), "sandbox", 7),
		   "execution_method");
	FUZZ_CHECK(fuzz_json_string_is(json_object_get(body, "request_id"), "fuzz-request-id", 15),
		   "request_id");
	FUZZ_CHECK(json_is_object(usage), "no usage object");
	check_usage_ms(usage, "wall_ms", res->wall_us);
	check_usage_ms(usage, "cpu_ms", res->cpu_us);
	check_usage_ms(usage, "queue_ms", res->queue_us);
	check_usage_ms(usage, "setup_ms", res->setup_us);
	FUZZ_CHECK(json_is_integer(json_object_get(usage, "peak_memory_bytes")) &&
			   (uint64_t)json_integer_value(json_object_get(usage, "peak_memory_bytes")) ==
				   (res->peak_memory_bytes > INT64_MAX ? (uint64_t)INT64_MAX
								       : res->peak_memory_bytes),
		   "usage.peak_memory_bytes");
}

/* An exactly sized heap copy, so an over-read of one part is not a read of the next. */
static char *part(const uint8_t *p, size_t len)
{
	char *c = malloc(len ? len : 1);

	FUZZ_CHECK(c, "malloc");
	if (len)
		memcpy(c, p, len);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h[HDR] = { 0 };
	const uint8_t *rest = data + (size < HDR ? size : HDR);
	size_t rest_len = size < HDR ? 0 : size - HDR;
	size_t out_len, err_len, doc_len;
	struct ipc_result res;
	struct response_exec ex;
	struct response resp = { 0 };
	json_error_t jerr;
	json_t *root = NULL, *body;
	char *doc, *out, *err;
	struct want w;
	uint64_t seed, a, b;
	int r, jerr_code = 0;

	memcpy(h, data, size < HDR ? size : HDR);
	out_len = le16(h + 6);
	out_len = out_len < rest_len ? out_len : rest_len;
	err_len = le16(h + 8);
	err_len = err_len < rest_len - out_len ? err_len : rest_len - out_len;
	doc_len = rest_len - out_len - err_len;
	doc = part(rest, doc_len);
	out = part(rest + doc_len, out_len);
	err = part(rest + doc_len + out_len, err_len);

	memcpy(&a, h, 8);
	memcpy(&b, h + 8, 8);
	seed = mix(a ^ mix(b));
	memset(&res, 0, sizeof(res));
	res.h.magic = IPC_MAGIC;
	res.h.version = IPC_VERSION;
	res.h.type = IPC_RESULT;
	res.h.id = 7;
	res.outcome = h[0] < 0x80 ? OUTCOME_EXITED : (uint32_t)(h[0] & 0x7f) % (OUTCOME__MAX + 1);
	res.flags = h[1] & (RESULT_STDOUT_TRUNCATED | RESULT_STDERR_TRUNCATED);
	res.term_signal = h[2] % 65;
	res.setup_stage = (int8_t)h[3];
	res.setup_errno = h[4];
	res.exit_code = (int8_t)h[5];
	res.wall_us = mix(seed + 1) >> (h[14] & 63);
	res.cpu_us = mix(seed + 2) >> (h[14] >> 2 & 63);
	res.queue_us = mix(seed + 3) >> (h[15] & 63);
	res.setup_us = mix(seed + 4) >> (h[15] >> 2 & 63);
	res.peak_memory_bytes = mix(seed + 5) >> ((h[14] ^ h[15]) & 63);
	res.result_len = doc_len;
	res.stdout_len = out_len;
	res.stderr_len = err_len;
	FUZZ_CHECK(ipc_validate(&res, sizeof(res), true, &lim) == 0,
		   "harness built a result ipc_recv would refuse");

	ex = (struct response_exec){
		.cfg = &cfg,
		.request_id = "fuzz-request-id",
		.timeout_ms = 1 + (uint32_t)(le16(h + 10) * 997u % cfg.timeout_max_ms),
		.memory_bytes = cfg.memory_min_bytes +
				le16(h + 12) * MIB % (cfg.memory_max_bytes - cfg.memory_min_bytes + 1),
	};

	r = response_from_result(&res, &ex, doc, doc_len, out, out_len, err, err_len, &resp);
	FUZZ_CHECK(r == 0, "response_from_result returned %d", r);
	body = fuzz_check_body(&resp);

	if (doc_len > 0) {
		root = json_loadb(doc, doc_len, JSON_ALLOW_NUL, &jerr);
		if (!root)
			jerr_code = (int)json_error_code(&jerr);
	}
	expect(&res, doc_len, root, jerr_code, &w);
	/*
	 * A raw NUL byte in the document is refused on purpose (jansson treats
	 * it erratically): result_invalid, or result_not_serializable when an
	 * out-of-range number is met first.
	 */
	if (res.outcome == OUTCOME_EXITED && doc_len > 0 && memchr(doc, '\0', doc_len)) {
		w.status = 422;
		w.runner = NULL;
		w.result = NULL;
		w.type = resp.error_type && strcmp(resp.error_type, "result_not_serializable") == 0
				 ? "result_not_serializable"
				 : "result_invalid";
	}
	check_body(body, &resp, &w, &res, out, out_len, err, err_len);

	json_decref(root);
	json_decref(body);
	response_release(&resp);
	free(doc);
	free(out);
	free(err);
	return 0;
}
