/*
 * Fuzz target for util/utf8: any bytes, as the sandbox's stdout, stderr or
 * messages may hold.
 *
 * Checked against fuzz_common.c's reference (written from the scalar-value
 * ranges, not from utf8.c's table) and against jansson, whose
 * json_stringn() is what finally refuses bad text:
 *  - utf8_valid() agrees with the reference and with jansson;
 *  - utf8_decode() at every offset, even inside a sequence, agrees with it;
 *  - utf8_sanitize() output is exactly the reference repair (one U+FFFD
 *    per maximal ill-formed subpart), is valid, is NUL-terminated, and is
 *    the input itself when the input was valid (0 replacements);
 *  - utf8_truncate() on the repaired text, for every budget, returns the
 *    longest prefix within the budget that ends on a sequence boundary.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_decode(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const uint32_t sentinel = 0xFFFFFFFFu;
		uint32_t cp = sentinel, ref_cp = 0;
		bool ok;
		size_t want = fuzz_utf8_next((const unsigned char *)in + i, len - i, &ok, &ref_cp);
		size_t n = utf8_decode(in + i, len - i, &cp);

		if (ok)
			FUZZ_CHECK(n == want && cp == ref_cp,
				   "utf8_decode at %zu: %zu/U+%04X, reference %zu/U+%04X", i, n,
				   (unsigned)cp, want, (unsigned)ref_cp);
		else
			FUZZ_CHECK(n == 0 && cp == sentinel,
				   "utf8_decode at %zu accepted an ill-formed sequence (n=%zu)", i, n);
	}
}

/* s[0..len) is valid; every budget from 0 to len + 1. */
static void check_truncate(const char *s, size_t len)
{
	bool *start = calloc(len + 1, sizeof(*start));

	FUZZ_CHECK(start, "calloc");
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		bool ok;

		start[i] = true;
		i += fuzz_utf8_next((const unsigned char *)s + i, len - i, &ok, &cp);
	}
	start[len] = true;

	for (size_t max = 0; max <= len + 1; max++) {
		size_t n = utf8_truncate(s, len, max);

		if (len <= max) {
			FUZZ_CHECK(n == len, "truncate(len=%zu, max=%zu) = %zu", len, max, n);
			continue;
		}
		FUZZ_CHECK(n <= max && start[n], "truncate(len=%zu, max=%zu) = %zu cuts a sequence",
			   len, max, n);
		for (size_t k = n + 1; k <= max; k++)
			FUZZ_CHECK(!start[k], "truncate(len=%zu, max=%zu) = %zu, but %zu fits", len,
				   max, n, k);
	}
	free(start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *out = NULL, *ref = NULL, *again = NULL;
	size_t out_len = 0, ref_len = 0, again_len = 0;
	size_t bad = fuzz_utf8_repair(in, size, &ref, &ref_len);
	bool valid = bad == 0;
	json_t *js;
	int r;

	FUZZ_CHECK(utf8_valid(in, size) == valid, "utf8_valid says %d, reference %d",
		   utf8_valid(in, size), valid);
	js = json_stringn(in, size);
	FUZZ_CHECK((js != NULL) == valid, "jansson says %svalid, reference %svalid",
		   js ? "" : "in", valid ? "" : "in");
	json_decref(js);
	check_decode(in, size);

	/* The header allows NULL for an empty input: take it at its word. */
	r = utf8_sanitize(size ? in : NULL, size, &out, &out_len);
	FUZZ_CHECK(r >= 0, "utf8_sanitize failed: %d", r);
	FUZZ_CHECK((size_t)r == bad, "%d replacements, reference %zu", r, bad);
	if (out_len != ref_len || memcmp(out, ref, ref_len) != 0) {
		size_t i = 0;
		while (i < out_len && i < ref_len && out[i] == ref[i])
			i++;
		FUZZ_CHECK(false, "repair differs from the reference at output byte %zu (%zu vs %zu)",
			   i, out_len, ref_len);
	}
	FUZZ_CHECK(out[out_len] == '\0', "output not NUL-terminated");
	FUZZ_CHECK(fuzz_utf8_valid(out, out_len), "output is not valid UTF-8");
	FUZZ_CHECK(utf8_valid(out, out_len), "utf8_valid rejects its own output");
	if (valid)
		FUZZ_CHECK(out_len == size && memcmp(out, in, size) == 0, "valid input was changed");

	/* Repair is idempotent. */
	r = utf8_sanitize(out, out_len, &again, &again_len);
	FUZZ_CHECK(r == 0 && again_len == out_len && memcmp(again, out, out_len) == 0,
		   "second repair changed the text (r=%d)", r);

	check_truncate(out, out_len);
	free(again);
	free(out);
	free(ref);
	return 0;
}
