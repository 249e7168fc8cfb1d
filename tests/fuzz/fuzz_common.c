/*
 * Shared oracles for the fuzz targets (see fuzz_common.h).
 *
 * The UTF-8 reference works from scalar-value ranges rather than a table
 * of second-byte bounds: after each continuation byte it asks whether any
 * completion of the bytes seen so far could still encode a scalar in the
 * range of that sequence length, outside the surrogates.  The longest
 * prefix for which the answer is yes is the maximal subpart (Unicode 15,
 * ch. 3, "U+FFFD Substitution of Maximal Subparts").
 */
#include "fuzz_common.h"

#include <math.h>
#include <string.h>

extern char **environ;

/*
 * config.c's option table reads PORT and PYEXEC_* and nothing else; drop
 * them so the fuzzed configuration is the documented default one.
 */
static void scrub_environment(void)
{
	bool again = true;

	while (again) {
		again = false;
		for (char **e = environ; e && *e; e++) {
			char name[256];
			size_t n = strcspn(*e, "=");

			if (strncmp(*e, "PYEXEC_", 7) != 0 && !(n == 4 && !strncmp(*e, "PORT", 4)))
				continue;
			FUZZ_CHECK(n < sizeof(name), "environment name too long");
			memcpy(name, *e, n);
			name[n] = '\0';
			FUZZ_CHECK(unsetenv(name) == 0, "unsetenv %s", name);
			again = true; /* environ changed under us: rescan */
			break;
		}
	}
}

void fuzz_config(struct pyexec_config *cfg, const char *const *extra)
{
	char *argv[32];
	int argc = 0, r;

	scrub_environment();
	argv[argc++] = strdup("pyexecd");
	for (; extra && *extra; extra++) {
		FUZZ_CHECK(argc < (int)(sizeof(argv) / sizeof(argv[0])) - 1, "too many flags");
		argv[argc++] = strdup(*extra);
	}
	argv[argc] = NULL;
	for (int i = 0; i < argc; i++)
		FUZZ_CHECK(argv[i], "strdup");
	r = config_parse(cfg, argc, argv);
	FUZZ_CHECK(r == 0, "config_parse returned %d", r);
	/* getopt_long() may have permuted argv; every pointer is still in it once. */
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

struct ipc_limits fuzz_ipc_limits(const struct pyexec_config *cfg)
{
	return (struct ipc_limits){
		.max_script_bytes = cfg->max_script_bytes,
		.max_result_bytes = cfg->max_result_bytes,
		.max_output_bytes = cfg->max_output_bytes,
		.timeout_max_ms = cfg->timeout_max_ms,
		.memory_max_bytes = cfg->memory_max_bytes,
	};
}

size_t fuzz_utf8_next(const unsigned char *s, size_t len, bool *valid, uint32_t *cp)
{
	unsigned char b = s[0];
	uint32_t v, lo, hi;
	size_t need;

	*valid = false;
	if (b < 0x80) {
		*valid = true;
		*cp = b;
		return 1;
	}
	if ((b & 0xE0) == 0xC0) {
		need = 2, v = b & 0x1F, lo = 0x80, hi = 0x7FF;
	} else if ((b & 0xF0) == 0xE0) {
		need = 3, v = b & 0x0F, lo = 0x800, hi = 0xFFFF;
	} else if ((b & 0xF8) == 0xF0) {
		need = 4, v = b & 0x07, lo = 0x10000, hi = 0x10FFFF;
	} else {
		return 1; /* a continuation byte, or F8..FF: never a lead */
	}
	for (size_t i = 1; i < need; i++) {
		unsigned rest;
		uint32_t min, max;

		if (i >= len || (s[i] & 0xC0) != 0x80)
			return i;
		v = v << 6 | (s[i] & 0x3F);
		/* Every scalar the remaining continuation bytes could still produce. */
		rest = 6 * (unsigned)(need - 1 - i);
		min = v << rest;
		max = min | ((1u << rest) - 1);
		if (max < lo || min > hi || (min >= 0xD800 && max <= 0xDFFF))
			return i; /* overlong, beyond U+10FFFF, or a surrogate */
	}
	*valid = true;
	*cp = v;
	return need;
}

bool fuzz_utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		bool ok;

		i += fuzz_utf8_next((const unsigned char *)s + i, len - i, &ok, &cp);
		if (!ok)
			return false;
	}
	return true;
}

size_t fuzz_utf8_repair(const char *s, size_t len, char **out, size_t *out_len)
{
	/* A subpart is at least one byte and becomes three: 3 * len bounds the output. */
	char *buf = malloc(3 * len + 1);
	size_t o = 0, bad = 0;

	FUZZ_CHECK(buf, "malloc");
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		bool ok;
		size_t n = fuzz_utf8_next((const unsigned char *)s + i, len - i, &ok, &cp);

		if (ok) {
			memcpy(buf + o, s + i, n);
			o += n;
		} else {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
			bad++;
		}
		i += n;
	}
	buf[o] = '\0';
	*out = buf;
	*out_len = o;
	return bad;
}

bool fuzz_json_equal(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return a == b;
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return false;
		for (void *it = json_object_iter((json_t *)a); it;
		     it = json_object_iter_next((json_t *)a, it)) {
			const json_t *w = json_object_getn(b, json_object_iter_key(it),
							   json_object_iter_key_len(it));
			if (!fuzz_json_equal(json_object_iter_value(it), w))
				return false;
		}
		return true;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!fuzz_json_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_STRING:
		return fuzz_json_string_is(b, json_string_value(a), json_string_length(a));
	case JSON_INTEGER:
		return json_integer_value(a) == json_integer_value(b);
	case JSON_REAL:
		/* Exact, including the sign of zero: the text must read back as the same double. */
		return json_real_value(a) == json_real_value(b) &&
		       signbit(json_real_value(a)) == signbit(json_real_value(b));
	default:
		return true; /* true, false, null: the type is the value */
	}
}

bool fuzz_json_string_is(const json_t *v, const char *s, size_t len)
{
	return json_is_string(v) && json_string_length(v) == len &&
	       memcmp(json_string_value(v), s, len) == 0;
}

json_t *fuzz_check_body(const struct response *resp)
{
	json_error_t jerr;
	json_t *doc;

	FUZZ_CHECK(resp->body, "no body");
	FUZZ_CHECK(resp->body[resp->body_len] == '\0', "body not NUL-terminated at body_len");
	FUZZ_CHECK(strlen(resp->body) == resp->body_len, "raw NUL in the body at byte %zu of %zu",
		   strlen(resp->body), resp->body_len);
	FUZZ_CHECK(fuzz_utf8_valid(resp->body, resp->body_len), "body is not valid UTF-8");
	doc = json_loadb(resp->body, resp->body_len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	FUZZ_CHECK(doc, "body is not JSON: %s (code %d, line %d, column %d); body starts %.300s",
		   jerr.text, (int)json_error_code(&jerr), jerr.line, jerr.column, resp->body);
	FUZZ_CHECK(json_is_object(doc), "body is not a JSON object");
	FUZZ_CHECK(json_is_string(json_object_get(doc, "timestamp")), "no timestamp");
	return doc;
}
