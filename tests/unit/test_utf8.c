/*
 * util/utf8: validation against the table of well-formed sequences,
 * U+FFFD substitution of maximal subparts, and agreement with jansson
 * (whose json_stringn() is what finally refuses bad text).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/utf8.h"

#define FFFD "\xEF\xBF\xBD"

/* Sanitizes in[0..len) and compares with want[0..want_len) and the replacement count. */
static void check_sanitize(const char *in, size_t len, const char *want, size_t want_len,
			   int want_bad, const char *name)
{
	char *out = NULL;
	size_t out_len = 0;
	int r = utf8_sanitize(in, len, &out, &out_len);

	CHECK(r == want_bad && out && out_len == want_len && memcmp(out, want, want_len) == 0 &&
		      out[out_len] == '\0',
	      "sanitize %s (r=%d, len=%zu)", name, r, out_len);
	free(out);
}

#define SAN(in, want, bad, name) \
	check_sanitize(in, sizeof(in) - 1, want, sizeof(want) - 1, bad, name)

static void test_valid(void)
{
	static const char all[] = "ascii \xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
	uint32_t cp = 0;

	CHECK(utf8_valid("", 0), "empty is valid");
	CHECK(utf8_valid(all, sizeof(all) - 1), "1- to 4-byte sequences, U+10FFFF");
	CHECK(utf8_valid("a\0b", 3), "embedded NUL is valid");
	CHECK(utf8_valid("\xED\x9F\xBF", 3), "U+D7FF (just below the surrogates)");
	CHECK(utf8_valid("\xEE\x80\x80", 3), "U+E000 (just above the surrogates)");
	CHECK(!utf8_valid("\xC0\x80", 2), "overlong NUL");
	CHECK(!utf8_valid("\xC1\xBF", 2), "overlong 2-byte");
	CHECK(!utf8_valid("\xE0\x9F\xBF", 3), "overlong 3-byte");
	CHECK(!utf8_valid("\xF0\x8F\xBF\xBF", 4), "overlong 4-byte");
	CHECK(!utf8_valid("\xED\xA0\x80", 3), "high surrogate U+D800");
	CHECK(!utf8_valid("\xED\xBF\xBF", 3), "low surrogate U+DFFF");
	CHECK(!utf8_valid("\xF4\x90\x80\x80", 4), "U+110000");
	CHECK(!utf8_valid("\xF5\x80\x80\x80", 4), "F5 lead");
	CHECK(!utf8_valid("\xFF", 1), "FF");
	CHECK(!utf8_valid("\x80", 1), "lone continuation");
	CHECK(!utf8_valid("\xE2\x82", 2), "truncated 3-byte");
	CHECK(!utf8_valid("a\xF0\x9F\x98", 4), "truncated 4-byte at the end");

	CHECK(utf8_decode("\xC3\xA9", 2, &cp) == 2 && cp == 0xE9, "decode U+00E9");
	CHECK(utf8_decode("\xF0\x9F\x98\x80", 4, &cp) == 4 && cp == 0x1F600, "decode U+1F600");
	CHECK(utf8_decode("\xE3\x80\x80", 3, &cp) == 3 && cp == 0x3000, "decode U+3000");
	cp = 7;
	CHECK(utf8_decode("\xE2\x82", 2, &cp) == 0 && cp == 7, "decode truncated: 0, cp untouched");
	CHECK(utf8_decode("\xED\xA0\x80", 3, &cp) == 0, "decode surrogate: 0");
}

static void test_sanitize(void)
{
	SAN("plain", "plain", 0, "valid ASCII unchanged");
	SAN("a\0b", "a\0b", 0, "NUL kept");
	SAN("caf\xC3\xA9", "caf\xC3\xA9", 0, "valid UTF-8 unchanged");
	SAN("\xC0\x80", FFFD FFFD, 2, "overlong NUL: C0 and 80 each");
	SAN("\xE0\x80\x80", FFFD FFFD FFFD, 3, "overlong 3-byte: E0 alone is the subpart");
	SAN("\xF0\x80\x80\x80", FFFD FFFD FFFD FFFD, 4, "overlong 4-byte");
	SAN("\xED\xA0\x80", FFFD FFFD FFFD, 3, "surrogate");
	SAN("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD, 4, "above U+10FFFF");
	SAN("\xE2\x82", FFFD, 1, "truncated 3-byte at the end: one U+FFFD");
	SAN("\xE2\x82" "A", FFFD "A", 1, "truncated 3-byte before ASCII");
	SAN("\xF0\x9F\x98", FFFD, 1, "truncated emoji");
	SAN("\xF0\x9F\x98\xF0\x9F\x98\x80", FFFD "\xF0\x9F\x98\x80", 1, "truncated then whole emoji");
	SAN("\x80\xBF", FFFD FFFD, 2, "lone continuations");
	SAN("\xFF\xFE", FFFD FFFD, 2, "FF FE");
	SAN("a\xFF" "b\0c", "a" FFFD "b\0c", 1, "mixed with NUL");

	{
		char *out = NULL;
		size_t n = 99;
		int r = utf8_sanitize(NULL, 0, &out, &n);
		CHECK(r == 0 && out && n == 0 && out[0] == '\0',
		      "NULL input with length 0");
		free(out);
	}
}

static void test_truncate(void)
{
	static const char s[] = "a\xC3\xA9\xF0\x9F\x98\x80"; /* a é 😀: 1 + 2 + 4 bytes */

	CHECK_EQ_INT(utf8_truncate(s, 7, 100), 7, "under the budget: whole");
	CHECK_EQ_INT(utf8_truncate(s, 7, 7), 7, "exactly the budget");
	CHECK_EQ_INT(utf8_truncate(s, 7, 2), 1, "inside é: cut before it");
	CHECK_EQ_INT(utf8_truncate(s, 7, 3), 3, "after é");
	CHECK_EQ_INT(utf8_truncate(s, 7, 5), 3, "inside the emoji: cut before it");
	CHECK_EQ_INT(utf8_truncate(s, 7, 0), 0, "zero budget");
}

/* Our verdict must match jansson's for every string it will be handed. */
static void test_agrees_with_jansson(void)
{
	unsigned disagree = 0, checked = 0;
	unsigned char buf[4];

	/* Every 1- and 2-byte string, and every 3-byte string with a high lead. */
	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			buf[0] = (unsigned char)a;
			buf[1] = (unsigned char)b;
			for (size_t n = 1; n <= 2; n++) {
				json_t *j = json_stringn((const char *)buf, n);
				if (utf8_valid((const char *)buf, n) != (j != NULL))
					disagree++;
				json_decref(j);
				checked++;
			}
			if (a < 0xE0)
				continue;
			for (unsigned c = 0x70; c < 0xD0; c++) {
				json_t *j;
				buf[2] = (unsigned char)c;
				j = json_stringn((const char *)buf, 3);
				if (utf8_valid((const char *)buf, 3) != (j != NULL))
					disagree++;
				json_decref(j);
				checked++;
			}
		}
	}
	CHECK(disagree == 0, "utf8_valid agrees with jansson on %u strings (%u disagree)", checked,
	      disagree);
}

/* Whatever goes in, what comes out is valid, and valid input passes unchanged. */
static void test_random(void)
{
	unsigned bad_out = 0, changed = 0;
	unsigned seed = 12345;

	for (int i = 0; i < 20000; i++) {
		char in[24], *out = NULL;
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(in)), out_len;
		for (size_t k = 0; k < len; k++) {
			/* Biased toward bytes that make multi-byte sequences. */
			int v = rand_r(&seed);
			in[k] = (char)(v & 1 ? 0x80 + (v >> 1) % 0x80 : (v >> 1) % 0x100);
		}
		if (utf8_sanitize(in, len, &out, &out_len) < 0) {
			bad_out++;
			continue;
		}
		if (!utf8_valid(out, out_len))
			bad_out++;
		if (utf8_valid(in, len) && (out_len != len || memcmp(in, out, len) != 0))
			changed++;
		free(out);
	}
	CHECK(bad_out == 0, "sanitize output always valid (%u failures)", bad_out);
	CHECK(changed == 0, "valid input passes unchanged (%u changed)", changed);
}

int main(void)
{
	test_valid();
	test_sanitize();
	test_truncate();
	test_agrees_with_jansson();
	test_random();
	return tap_done();
}
