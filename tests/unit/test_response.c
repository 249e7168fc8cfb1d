/*
 * http/response: every outcome's status and error_type, the success body's
 * fields, float formatting, and hostile runner documents (invalid JSON,
 * unknown codes, wrong member types, huge strings).  Every body produced
 * is parsed back with jansson: the serialiser must never emit invalid JSON.
 */
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/response.h"
#include "jail/stage.h"
#include "tap.h"

#define MIB (1024ull * 1024)
#define HELLO_DOC "{\"ok\":true,\"result\":{\"message\":\"Hello World\"}}"

static struct pyexec_config cfg;
static struct response_exec ex;

/* The last response built, parsed. */
static struct response resp;
static json_t *body;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.slots = 2;
	cfg.queue = 8;
	cfg.output_kill_bytes = 16 << 20;
	cfg.max_result_bytes = 8 << 20;
	cfg.tmp_bytes = 64 * MIB;
	cfg.mode = EXEC_MODE_COLD;
	ex = (struct response_exec){
		.cfg = &cfg, .request_id = "rid-1", .timeout_ms = 1500, .memory_bytes = 128 * MIB
	};
}

static void reset(void)
{
	json_decref(body);
	body = NULL;
	response_release(&resp);
	memset(&resp, 0, sizeof(resp));
}

/* Parses resp.body into body; false (and a failed check) if it is not JSON. */
static bool load(const char *name)
{
	json_error_t e;

	body = resp.body ? json_loadb(resp.body, resp.body_len, JSON_ALLOW_NUL, &e) : NULL;
	CHECK(body && json_is_object(body) && strlen(resp.body) <= resp.body_len,
	      "%s: body is a JSON object", name);
	return body != NULL;
}

static const char *s_field(const char *key)
{
	return json_string_value(json_object_get(body, key));
}

static struct ipc_result result(uint32_t outcome)
{
	struct ipc_result r;

	memset(&r, 0, sizeof(r));
	r.h.type = IPC_RESULT;
	r.outcome = outcome;
	r.wall_us = 12345;
	r.cpu_us = 1000;
	r.queue_us = 7;
	r.setup_us = 2500;
	r.peak_memory_bytes = 42 << 20;
	return r;
}

/* Builds from a runner document and the given outputs. */
static int build_doc(const struct ipc_result *r, const char *doc, const char *out, size_t out_len)
{
	reset();
	return response_from_result(r, &ex, doc, doc ? strlen(doc) : 0, out, out_len, "", 0, &resp);
}

static void expect(const struct ipc_result *r, const char *doc, unsigned status, const char *type,
		   const char *msg_part, const char *name)
{
	int rc = build_doc(r, doc, "", 0);

	CHECK(rc == 0 && resp.status == status, "%s: status %u (got rc=%d status %u)", name, status,
	      rc, resp.status);
	if (!load(name))
		return;
	if (type) {
		CHECK(json_is_false(json_object_get(body, "success")), "%s: success false", name);
		CHECK_EQ_STR(s_field("error_type"), type, name);
		CHECK(resp.error_type && strcmp(resp.error_type, type) == 0,
		      "%s: resp.error_type matches", name);
		CHECK(s_field("error") && (!msg_part || strstr(s_field("error"), msg_part)),
		      "%s: error mentions \"%s\" (%s)", name, msg_part ? msg_part : "",
		      s_field("error") ? s_field("error") : "(none)");
	}
}

static void test_success(void)
{
	struct ipc_result r = result(OUTCOME_EXITED);
	json_t *usage;
	const char *ts;
	int rc;

	r.flags = RESULT_STDOUT_TRUNCATED;
	reset();
	rc = response_from_result(&r, &ex, HELLO_DOC, strlen(HELLO_DOC), "Hello from stdout!\n", 19,
				  "warn\n", 5, &resp);
	CHECK(rc == 0 && resp.status == 200 && resp.error_type == NULL,
	      "ok:true -> 200");
	if (!load("success"))
		return;
	CHECK(json_is_true(json_object_get(body, "success")), "success true");
	CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(body, "result"), "message")),
		     "Hello World", "result copied");
	CHECK(s_field("stdout") && strcmp(s_field("stdout"), "Hello from stdout!\n") == 0, "stdout");
	CHECK(s_field("stderr") && strcmp(s_field("stderr"), "warn\n") == 0, "stderr");
	CHECK(json_is_true(json_object_get(body, "stdout_truncated")) &&
		      json_is_false(json_object_get(body, "stderr_truncated")),
	      "truncation flags");
	CHECK_EQ_STR(s_field("execution_method"), "sandbox", "execution_method");
	CHECK_EQ_STR(s_field("request_id"), "rid-1", "request_id");
	ts = s_field("timestamp");
	CHECK(ts && strlen(ts) == 24 && ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' &&
		      ts[23] == 'Z',
	      "timestamp is ISO 8601 UTC with ms (%s)", ts ? ts : "-");
	usage = json_object_get(body, "usage");
	CHECK(json_is_real(json_object_get(usage, "wall_ms")) &&
		      json_real_value(json_object_get(usage, "wall_ms")) == 12.345,
	      "usage.wall_ms");
	CHECK(json_real_value(json_object_get(usage, "cpu_ms")) == 1.0 &&
		      json_real_value(json_object_get(usage, "queue_ms")) == 0.007 &&
		      json_real_value(json_object_get(usage, "setup_ms")) == 2.5,
	      "usage cpu/queue/setup ms");
	CHECK(json_integer_value(json_object_get(usage, "peak_memory_bytes")) == 42 << 20,
	      "usage.peak_memory_bytes is an integer");
	CHECK(strstr(resp.body, "\"wall_ms\":12.345,") != NULL, "usage printed briefly (%s)",
	      strstr(resp.body, "usage"));
	CHECK(strncmp(resp.body, "{\"success\":true,\"result\":{", 26) == 0,
	      "success and result come first");

	/* Every JSON type, as Python's json.dumps would have written them. */
	build_doc(&r, "{\"ok\":true,\"result\":[null,true,false,0,-17,9007199254740992,"
		      "9223372036854775807,-9223372036854775808,\"s\",\"\",[],{},{\"k\":[1,{\"d\":null}]}]}",
		  "", 0);
	CHECK(resp.status == 200 &&
		      strstr(resp.body, "\"result\":[null,true,false,0,-17,9007199254740992,"
					"9223372036854775807,-9223372036854775808,\"s\",\"\",[],{},"
					"{\"k\":[1,{\"d\":null}]}]"),
	      "all JSON types round-trip");

	/* The value is the runner's text, escapes and all; it reads back as the same string. */
	build_doc(&r, "{\"ok\":true,\"result\":\"quote \\\" backslash \\\\ nl \\n tab \\t "
		      "ctl \\u0001 nul \\u0000 caf\\u00e9 \\ud83d\\ude00 \xC3\xA9\"}",
		  "", 0);
	CHECK(resp.status == 200 &&
		      strstr(resp.body, "\"result\":\"quote \\\" backslash \\\\ nl \\n tab \\t ctl "
					"\\u0001 nul \\u0000 caf\\u00e9 \\ud83d\\ude00 \xC3\xA9\","),
	      "result string copied verbatim");
	if (load("escaped result"))
		CHECK(json_string_length(json_object_get(body, "result")) == 56 &&
			      memcmp(json_string_value(json_object_get(body, "result")),
				     "quote \" backslash \\ nl \n tab \t ctl \x01 nul \0 caf\xC3\xA9 "
				     "\xF0\x9F\x98\x80 \xC3\xA9",
				     56) == 0,
		      "and reads back as the runner's string");

	/* jansson refuses NUL inside object keys even with JSON_ALLOW_NUL. */
	build_doc(&r, "{\"ok\":true,\"result\":{\"k\\u0000ey\":1}}", "", 0);
	CHECK(resp.status == 422 && strcmp(resp.error_type, "result_invalid") == 0,
	      "object key with NUL: result_invalid, not a crash");

	build_doc(&r, "{\"ok\":true,\"result\":{\"z\":1,\"a\":2,\"m\":3}}", "", 0);
	CHECK(strstr(resp.body, "{\"z\":1,\"a\":2,\"m\":3}") != NULL, "key order preserved");
	reset();
}

static void test_floats(void)
{
	struct ipc_result r = result(OUTCOME_EXITED);

	build_doc(&r, "{\"ok\":true,\"result\":[0.1,1.5,100.0,-0.0,0.30000000000000004,"
		      "123456789.123,1e16,1e15,1e-05,0.0001,2.5e-07,1e22,5e-324,"
		      "1.7976931348623157e308,2.0,-3.25]}",
		  "", 0);
	CHECK(resp.status == 200 &&
		      strstr(resp.body, "[0.1,1.5,100.0,-0.0,0.30000000000000004,123456789.123,"
					"1e16,1e15,1e-05,0.0001,2.5e-07,1e22,5e-324,"
					"1.7976931348623157e308,2.0,-3.25]"),
	      "reals kept exactly as the runner (Python) printed them (%s)",
	      resp.body ? strstr(resp.body, "[") : "-");
	reset();
}

static void test_runner_errors(void)
{
	struct ipc_result r = result(OUTCOME_EXITED);
	static const struct {
		const char *type;
		unsigned status;
	} known[] = {
		{ "syntax_error", 400 },	    { "missing_main", 400 },
		{ "invalid_encoding", 400 },	    { "runtime_error", 422 },
		{ "system_exit", 422 },		    { "memory_limit", 422 },
		{ "main_not_callable", 422 },	    { "result_not_serializable", 422 },
		{ "result_nan", 422 },
	};
	char doc[256];

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		snprintf(doc, sizeof(doc), "{\"ok\":false,\"error_type\":\"%s\",\"error\":\"msg %zu\"}",
			 known[i].type, i);
		expect(&r, doc, known[i].status, known[i].type, "msg", known[i].type);
	}

	expect(&r,
	       "{\"ok\":false,\"error_type\":\"syntax_error\",\"error\":\"Syntax error: bad (line 2)\","
	       "\"line\":2,\"column\":7}",
	       400, "syntax_error", "line 2", "syntax_error with position");
	CHECK(json_integer_value(json_object_get(body, "line")) == 2 &&
		      json_integer_value(json_object_get(body, "column")) == 7,
	      "line and column kept");

	expect(&r,
	       "{\"ok\":false,\"error_type\":\"runtime_error\",\"error\":\"ZeroDivisionError: x\","
	       "\"exception_type\":\"ZeroDivisionError\",\"traceback\":\"Traceback...\\n\"}",
	       422, "runtime_error", "ZeroDivisionError", "runtime_error with details");
	CHECK_EQ_STR(s_field("exception_type"), "ZeroDivisionError", "exception_type kept");
	CHECK(s_field("traceback") && strcmp(s_field("traceback"), "Traceback...\n") == 0,
	      "traceback kept");
	CHECK(s_field("stdout") && s_field("stderr") && json_object_get(body, "usage"),
	      "error body carries outputs and usage");

	expect(&r, "{\"ok\":false,\"error_type\":\"missing_main\"}", 400, "missing_main",
	       "Validation error: Script must contain a main() function",
	       "missing message: the front's sentence");
	expect(&r, "{\"ok\":false,\"error_type\":\"system_exit\",\"error\":\"\"}", 422,
	       "system_exit", "sys.exit", "empty message: the front's sentence");
	reset();
}

static void test_hostile_docs(void)
{
	struct ipc_result r = result(OUTCOME_EXITED);
	char *big, *p;
	size_t n = 1 << 20;

	expect(&r, "{\"ok\":false,\"error_type\":\"pwned\",\"error\":\"x\"}", 422, "runtime_error",
	       NULL, "unknown error_type becomes runtime_error");
	CHECK(strstr(resp.body, "pwned") == NULL, "unknown code never echoed");
	expect(&r, "{\"ok\":false,\"error_type\":\"internal_error\",\"error\":\"x\"}", 422,
	       "runtime_error", NULL, "runner internal_error is not trusted as ours");
	expect(&r, "{\"ok\":false,\"error_type\":42,\"error\":\"x\"}", 422, "runtime_error", NULL,
	       "error_type not a string");
	expect(&r, "{\"ok\":false}", 422, "runtime_error", "exception", "ok:false and nothing else");
	expect(&r,
	       "{\"ok\":false,\"error_type\":\"syntax_error\",\"error\":7,\"line\":\"3\","
	       "\"column\":-1,\"traceback\":42,\"exception_type\":{\"a\":1}}",
	       400, "syntax_error", "syntax", "members of the wrong type");
	CHECK(!json_object_get(body, "line") && !json_object_get(body, "column") &&
		      !json_object_get(body, "traceback") && !json_object_get(body, "exception_type"),
	      "wrong-typed members dropped");
	expect(&r, "{\"ok\":false,\"error_type\":\"syntax_error\",\"line\":4294967296,\"column\":1.5}",
	       400, "syntax_error", NULL, "out-of-range line, real column");
	CHECK(!json_object_get(body, "line") && !json_object_get(body, "column"),
	      "out-of-range numbers dropped");
	expect(&r, "{\"ok\":false,\"error_type\":\"runtime_error\",\"request_id\":\"forged\","
		   "\"status\":200,\"success\":true}",
	       422, "runtime_error", NULL, "unknown members are not copied");
	CHECK_EQ_STR(s_field("request_id"), "rid-1", "request_id not forgeable");

	expect(&r, "not json", 422, "result_invalid", NULL, "invalid JSON document");
	expect(&r, "{\"ok\":true,\"result\":1", 422, "result_invalid", NULL, "truncated document");
	expect(&r, "[1]", 422, "result_invalid", NULL, "top-level array");
	expect(&r, "null", 422, "result_invalid", NULL, "top-level null");
	expect(&r, "{\"result\":1}", 422, "result_invalid", NULL, "no ok member");
	expect(&r, "{\"ok\":1,\"result\":1}", 422, "result_invalid", NULL, "ok not a bool");
	expect(&r, "{\"ok\":true}", 422, "result_invalid", NULL, "ok:true without result");
	expect(&r, "{\"ok\":true,\"result\":NaN}", 422, "result_invalid", NULL, "NaN token");
	expect(&r, "{\"ok\":true,\"result\":\"\\ud800\"}", 422, "result_invalid", NULL,
	       "lone surrogate escape");
	expect(&r, "{\"ok\":true,\"result\":\"\xff\"}", 422, "result_invalid", NULL,
	       "invalid UTF-8 in the document");
	expect(&r, "{\"ok\":true,\"result\":18446744073709551616}", 422, "result_not_serializable",
	       "64-bit", "integer beyond 64 bits");
	expect(&r, "{\"ok\":true,\"result\":-9223372036854775809}", 422, "result_not_serializable",
	       "64-bit", "negative integer beyond 64 bits");

	/* Huge strings are capped, at a character boundary. */
	big = malloc(3 * n + 256);
	if (!big)
		return;
	p = big + sprintf(big, "{\"ok\":false,\"error_type\":\"runtime_error\",\"error\":\"");
	for (size_t i = 0; i < n; i++, p += 2)
		memcpy(p, "\xC3\xA9", 2);
	sprintf(p, "\",\"traceback\":\"tb\",\"exception_type\":\"E\"}");
	expect(&r, big, 422, "runtime_error", NULL, "1 MB error message");
	CHECK(s_field("error") && strlen(s_field("error")) <= RESPONSE_MAX_ERROR_BYTES &&
		      strlen(s_field("error")) >= RESPONSE_MAX_ERROR_BYTES - 1,
	      "error capped at %u bytes (%zu)", RESPONSE_MAX_ERROR_BYTES,
	      s_field("error") ? strlen(s_field("error")) : 0);

	p = big + sprintf(big, "{\"ok\":false,\"error_type\":\"runtime_error\",\"traceback\":\"");
	memset(p, 'x', 2 * n);
	p += 2 * n;
	p += sprintf(p, "\",\"exception_type\":\"");
	memset(p, 'y', 1000);
	sprintf(p + 1000, "\"}");
	expect(&r, big, 422, "runtime_error", NULL, "2 MB traceback, 1000-byte exception_type");
	CHECK(s_field("traceback") && strlen(s_field("traceback")) == RESPONSE_MAX_TRACEBACK_BYTES,
	      "traceback capped");
	CHECK(s_field("exception_type") &&
		      strlen(s_field("exception_type")) == RESPONSE_MAX_EXCTYPE_BYTES,
	      "exception_type capped");
	free(big);
	reset();
}

static void test_outputs(void)
{
	struct ipc_result r = result(OUTCOME_EXITED);
	static const char out[] = "a\xff" "b\0c\xE2\x82";
	const json_t *so;
	int rc;

	r.flags = RESULT_STDERR_TRUNCATED;
	reset();
	rc = response_from_result(&r, &ex, "{\"ok\":true,\"result\":1}", 22, out, sizeof(out) - 1,
				  "\x01\x1f", 2, &resp);
	CHECK(rc == 0,
	      "outputs with invalid UTF-8, NUL and control bytes");
	if (!load("outputs"))
		return;
	so = json_object_get(body, "stdout");
	CHECK(json_string_length(so) == 10 &&
		      memcmp(json_string_value(so), "a\xEF\xBF\xBD" "b\0c\xEF\xBF\xBD", 10) == 0,
	      "stdout: U+FFFD for bad bytes, NUL kept");
	CHECK(json_string_length(json_object_get(body, "stderr")) == 2, "stderr control bytes kept");
	CHECK(json_is_false(json_object_get(body, "stdout_truncated")) &&
		      json_is_true(json_object_get(body, "stderr_truncated")),
	      "stderr_truncated flag");
	reset();
}

static void test_outcomes(void)
{
	struct ipc_result r;

	r = result(OUTCOME_EXITED);
	r.exit_code = 3;
	expect(&r, NULL, 422, "no_result", "code 3", "exited without a document");
	r.exit_code = 0;
	expect(&r, NULL, 422, "no_result", "before main() returned", "exit 0 without a document");

	r = result(OUTCOME_TIMEOUT);
	expect(&r, "{\"ok\":true,\"result\":1}", 422, "timeout", "timed out after 1.5 seconds",
	       "timeout (a document, if any, is ignored)");
	ex.timeout_ms = 30000;
	expect(&r, NULL, 422, "timeout", "after 30 seconds", "timeout 30 s");
	ex.timeout_ms = 1500;

	r = result(OUTCOME_CPU_LIMIT);
	expect(&r, NULL, 422, "timeout", "CPU time", "CPU limit");
	r = result(OUTCOME_MEMORY);
	expect(&r, NULL, 422, "memory_limit", "memory limit of 128 MB", "memory");
	r = result(OUTCOME_SIGNALED);
	r.term_signal = SIGSEGV;
	expect(&r, NULL, 422, "killed", "signal SIGSEGV", "signaled");
	r.term_signal = 0;
	expect(&r, NULL, 422, "killed", "signal", "signal 0");
	r = result(OUTCOME_OUTPUT_LIMIT);
	expect(&r, NULL, 422, "output_limit", "16777216 bytes", "output limit");
	r = result(OUTCOME_RESULT_LIMIT);
	expect(&r, NULL, 422, "result_too_large", "8388608 bytes", "result limit");
	r = result(OUTCOME_SETUP_FAILED);
	r.setup_stage = JAIL_STAGE_MOUNT_PROC;
	r.setup_errno = EPERM;
	expect(&r, NULL, 500, "sandbox_error", "Sandbox setup failed at stage", "setup failed");
	CHECK(strstr(s_field("error"), jail_stage_name(JAIL_STAGE_MOUNT_PROC)) &&
		      strstr(s_field("error"), "Operation not permitted"),
	      "setup message names stage and errno (%s)", s_field("error"));
	r.setup_stage = 9999;
	r.setup_errno = 0;
	expect(&r, NULL, 500, "sandbox_error", "unknown", "setup failed, nonsense stage");
	r = result(OUTCOME_INTERNAL);
	r.setup_errno = ENOMEM;
	expect(&r, NULL, 500, "internal_error", "memory", "internal");
	r = result(99);
	expect(&r, NULL, 500, "internal_error", NULL, "unknown outcome");
	CHECK(s_field("stdout") && json_object_get(body, "usage"), "spawner-side errors carry usage");
	reset();
}

static void test_error_helper(void)
{
	int rc;

	reset();
	rc = response_error(429, "queue_full", "Too many \xff", "abc", &resp);
	CHECK(rc == 0 && resp.status == 429 && strcmp(resp.error_type, "queue_full") == 0,
	      "response_error");
	if (!load("response_error"))
		return;
	CHECK(json_is_false(json_object_get(body, "success")), "success false");
	CHECK_EQ_STR(s_field("error"), "Too many \xEF\xBF\xBD", "message repaired");
	CHECK_EQ_STR(s_field("error_type"), "queue_full", "error_type");
	CHECK_EQ_STR(s_field("request_id"), "abc", "request_id");
	CHECK(s_field("timestamp") != NULL, "timestamp");
	reset();
	rc = response_error(404, "not_found", "x", NULL, &resp);
	if (rc == 0)
		(void)load("no id");
	CHECK(rc == 0 && body && !json_object_get(body, "request_id"),
	      "request_id omitted when NULL");
	reset();
}

static void test_health(void)
{
	struct ipc_hello h;
	struct response_health in = {
		.cfg = &cfg, .hello = NULL, .healthy = false, .reason = "not yet",
		.front_pid = 10, .front_uid = 65534, .busy = 0, .queued = 0,
	};
	const json_t *iso, *cg;
	int rc;

	reset();
	rc = response_health(&in, &resp);
	CHECK(rc == 0 && resp.status == 503, "no hello: 503");
	if (load("health before hello")) {
		CHECK_EQ_STR(s_field("status"), "unhealthy", "unhealthy");
		CHECK(json_is_null(json_object_get(body, "python")) &&
			      json_is_null(json_object_get(body, "isolation")),
		      "unknowns are null");
		CHECK_EQ_STR(s_field("mode"), "cold", "mode from the config");
		CHECK_EQ_STR(s_field("reason"), "not yet", "reason given");
	}

	memset(&h, 0, sizeof(h));
	h.isolation = ISO_USERNS | ISO_PIDNS | ISO_MNTNS | ISO_NETNS | ISO_IPCNS | ISO_UTSNS |
		      ISO_CGROUPNS | ISO_SECCOMP | ISO_NO_NEW_PRIVS | ISO_CAPS_DROPPED |
		      ISO_RLIMITS | ISO_PIVOT_ROOT;
	h.cgroup_version = IPC_CGROUP_V2;
	h.cgroup_limits = CGL_MEMORY | CGL_PIDS;
	h.mode = EXEC_MODE_WARM;
	h.spawner_pid = 11;
	h.spawner_uid = 0;
	h.sandbox_uid = 100000;
	snprintf(h.python_version, sizeof(h.python_version), "3.11.2");
	/* Not NUL-terminated within the array: must stay within it. */
	memset(h.cgroup_path, 'p', sizeof(h.cgroup_path));
	in = (struct response_health){
		.cfg = &cfg, .hello = &h, .healthy = true, .front_pid = 10, .front_uid = 65534,
		.busy = 2, .queued = 3, .lean_zygote_pid = 12,
	};
	reset();
	rc = response_health(&in, &resp);
	CHECK(rc == 0 && resp.status == 200 && !resp.error_type,
	      "healthy: 200");
	if (!load("health"))
		return;
	CHECK_EQ_STR(s_field("status"), "healthy", "healthy");
	CHECK(!json_object_get(body, "reason"), "no reason when healthy");
	CHECK_EQ_STR(s_field("python"), "3.11.2", "python version");
	CHECK_EQ_STR(s_field("mode"), "warm", "mode from the hello");
	CHECK_EQ_STR(s_field("execution_method"), "sandbox", "execution_method");
	CHECK_EQ_STR(s_field("temp_dir"), "/tmp", "temp_dir");
	CHECK(json_is_true(json_object_get(body, "temp_writable")) &&
		      json_is_false(json_object_get(body, "nsjail")),
	      "temp_writable, nsjail");
	iso = json_object_get(body, "isolation");
	CHECK(json_array_size(json_object_get(iso, "namespaces")) == 7 &&
		      strcmp(json_string_value(json_array_get(json_object_get(iso, "namespaces"), 0)),
			     "user") == 0,
	      "seven namespaces, user first");
	CHECK(json_is_true(json_object_get(iso, "seccomp")) &&
		      json_is_true(json_object_get(iso, "no_new_privs")) &&
		      json_is_true(json_object_get(iso, "pivot_root")) &&
		      json_is_true(json_object_get(iso, "rlimits")),
	      "isolation booleans");
	CHECK_EQ_STR(json_string_value(json_object_get(iso, "capabilities")), "none", "caps");
	cg = json_object_get(iso, "cgroup");
	CHECK_EQ_STR(json_string_value(json_object_get(cg, "version")), "v2", "cgroup version");
	CHECK(json_string_length(json_object_get(cg, "path")) == sizeof(h.cgroup_path),
	      "unterminated path bounded by its array");
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(cg, "limits"), "memory")),
		     "cgroup") == 0 &&
		      strcmp(json_string_value(json_object_get(json_object_get(cg, "limits"), "cpu")),
			     "none") == 0,
	      "cgroup limits");
	CHECK(json_integer_value(json_object_get(
		      json_object_get(json_object_get(body, "processes"), "spawner"), "pid")) == 11 &&
		      json_integer_value(json_object_get(json_object_get(body, "processes"),
							 "sandbox_uid")) == 100000,
	      "processes");
	CHECK(json_integer_value(json_object_get(
		      json_object_get(json_object_get(body, "processes"), "lean_zygote"), "pid")) == 12,
	      "the lean zygote's pid");
	CHECK(json_integer_value(json_object_get(json_object_get(body, "slots"), "total")) == 2 &&
		      json_integer_value(json_object_get(json_object_get(body, "slots"), "busy")) == 2 &&
		      json_integer_value(json_object_get(json_object_get(body, "slots"), "queued")) == 3 &&
		      json_integer_value(json_object_get(json_object_get(body, "slots"), "queue_max")) ==
			      8,
	      "slots");

	h.isolation = ISO_USERNS;
	h.cgroup_version = IPC_CGROUP_NONE;
	in.healthy = false;
	in.lean_zygote_pid = 0;
	in.reason = "gone";
	reset();
	rc = response_health(&in, &resp);
	CHECK(rc == 0 && resp.status == 503, "unhealthy with hello: 503");
	if (!load("weak health"))
		return;
	iso = json_object_get(body, "isolation");
	CHECK(json_is_null(json_object_get(json_object_get(body, "processes"), "lean_zygote")),
	      "no lean zygote: null");
	CHECK(json_array_size(json_object_get(iso, "namespaces")) == 1 &&
		      json_is_false(json_object_get(iso, "seccomp")) &&
		      strcmp(json_string_value(json_object_get(iso, "capabilities")), "none") != 0 &&
		      strcmp(json_string_value(json_object_get(json_object_get(iso, "cgroup"),
							       "version")),
			     "none") == 0,
	      "missing isolation is reported as missing");
	reset();
}

int main(void)
{
	setup();
	test_success();
	test_floats();
	test_runner_errors();
	test_hostile_docs();
	test_outputs();
	test_outcomes();
	test_error_helper();
	test_health();
	return tap_done();
}
