/*
 * POST /execute body validation (see request.h for the accepted format).
 *
 * Order of checks, which decides the answer when several rules are broken:
 * JSON syntax (400 invalid_json), top-level object (400 invalid_request),
 * script type, script size (413 before anything reads the whole string),
 * NUL bytes, emptiness, then timeout and memory (400 invalid_limit).
 *
 * The body is parsed with JSON_ALLOW_NUL so that a "\u0000" inside the
 * script is reported as a validation error naming the script, not as a
 * generic JSON error; the script then never reaches the spawner with a NUL
 * in it (C strings, argv and the Python compiler all choke on one).
 */
#include "http/request.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

#define MIB 1048576.0

_printf_(4, 5) static int fail(struct request_error *err, unsigned status, const char *type,
			       const char *fmt, ...)
{
	va_list ap;

	err->http_status = status;
	err->error_type = type;
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Python's str.isspace() set, so that a script the seeds' Flask services
 * rejected with `if not script.strip()` is rejected here too.
 */
static bool is_python_space(uint32_t cp)
{
	switch (cp) {
	case 0x09 ... 0x0D:
	case 0x1C ... 0x20:
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x2000 ... 0x200A:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
		return true;
	default:
		return false;
	}
}

static bool blank(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		/* jansson only yields valid UTF-8; a 0 here would be a jansson bug. */
		if (n == 0 || !is_python_space(cp))
			return false;
		i += n;
	}
	return true;
}

/* A JSON number as a double; false for anything else (bool, string, ...). */
static bool number_value(const json_t *v, double *out)
{
	if (json_is_integer(v)) {
		*out = (double)json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		*out = json_real_value(v);
		return true;
	}
	return false;
}

static int parse_timeout(const json_t *root, const struct pyexec_config *cfg, uint32_t *ms,
			 struct request_error *err)
{
	const json_t *v = json_object_get(root, "timeout");
	double max_s = cfg->timeout_max_ms / 1000.0;
	double s, t;
	uint32_t r;

	if (!v || json_is_null(v)) {
		*ms = cfg->timeout_default_ms;
		return 0;
	}
	/* NaN fails every comparison, so non-numbers fall into the error below. */
	if (!number_value(v, &s))
		s = NAN;
	if (!(s > 0 && s <= max_s))
		return fail(err, 400, "invalid_limit",
			    "Invalid timeout: must be a number of seconds greater than 0 and at most %g",
			    max_s);
	/* Round up so that a tiny positive timeout stays positive. */
	t = s * 1000.0;
	r = (uint32_t)t;
	if ((double)r < t)
		r++;
	*ms = MAX(MIN(r, cfg->timeout_max_ms), 1u);
	return 0;
}

static int parse_memory(const json_t *root, const struct pyexec_config *cfg, uint64_t *bytes,
			struct request_error *err)
{
	const json_t *v = json_object_get(root, "memory");
	double lo = (double)cfg->memory_min_bytes, hi = (double)cfg->memory_max_bytes;
	double mb, b;
	uint64_t r;

	if (!v || json_is_null(v)) {
		*bytes = cfg->memory_default_bytes;
		return 0;
	}
	/* "memory" is in MiB, as nsjail's and the seeds' "128" means 128 MiB. */
	b = number_value(v, &mb) ? mb * MIB : NAN;
	if (!(b >= lo && b <= hi))
		return fail(err, 400, "invalid_limit",
			    "Invalid memory: must be a number of megabytes between %g and %g",
			    lo / MIB, hi / MIB);
	r = (uint64_t)b;
	*bytes = MAX(MIN(r, cfg->memory_max_bytes), cfg->memory_min_bytes);
	return 0;
}

int request_parse(const char *body, size_t len, const struct pyexec_config *cfg,
		  struct exec_request *req, struct request_error *err)
{
	json_error_t jerr;
	json_t *root;
	const json_t *script;
	const char *s;
	size_t slen;
	uint32_t timeout_ms = 0;
	uint64_t memory_bytes = 0;
	char *copy;
	int r;

	if (len == 0)
		return fail(err, 400, "invalid_json", "Invalid JSON: the request body is empty");

	/* JSON_DECODE_ANY: a bare "x" or 42 is valid JSON, just not a valid request. */
	root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return -ENOMEM;
		return fail(err, 400, "invalid_json", "Invalid JSON: %s (line %d, column %d)",
			    jerr.text, jerr.line, jerr.column);
	}

	if (!json_is_object(root)) {
		r = fail(err, 400, "invalid_request",
			 "Validation error: the request body must be a JSON object");
		goto out;
	}

	script = json_object_get(root, "script");
	if (!json_is_string(script)) {
		r = fail(err, 400, "invalid_request", "Validation error: 'script' must be a string");
		goto out;
	}
	s = json_string_value(script);
	slen = json_string_length(script);
	if (slen > cfg->max_script_bytes) {
		r = fail(err, 413, "payload_too_large",
			 "Validation error: the script is %zu bytes; the limit is %llu bytes", slen,
			 (unsigned long long)cfg->max_script_bytes);
		goto out;
	}
	if (memchr(s, '\0', slen)) {
		r = fail(err, 400, "invalid_request",
			 "Validation error: Script must not contain NUL characters");
		goto out;
	}
	if (blank(s, slen)) {
		r = fail(err, 400, "invalid_request", "Validation error: Script cannot be empty");
		goto out;
	}

	r = parse_timeout(root, cfg, &timeout_ms, err);
	if (r < 0)
		goto out;
	r = parse_memory(root, cfg, &memory_bytes, err);
	if (r < 0)
		goto out;

	copy = malloc(slen + 1);
	if (!copy) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(copy, s, slen + 1);
	req->script = copy;
	req->script_len = slen;
	req->timeout_ms = timeout_ms;
	req->memory_bytes = memory_bytes;
	r = 0;
out:
	json_decref(root);
	return r;
}

void request_free(struct exec_request *req)
{
	free(req->script);
	req->script = NULL;
	req->script_len = 0;
}
