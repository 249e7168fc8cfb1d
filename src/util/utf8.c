/*
 * UTF-8 decoding by the table of well-formed byte sequences (Unicode 15,
 * table 3-7).  The second byte's range depends on the first: that is what
 * excludes overlong forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF)
 * and code points above U+10FFFF (F4 90..BF); C0, C1 and F5..FF never
 * start a sequence.
 *
 * Invariant: utf8_sanitize()'s output is always valid UTF-8, whatever the
 * input, so it can go to json_stringn_nocheck() without a second check.
 */
#include "util/utf8.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
#define REPLACEMENT_LEN 3

/* Length the sequence led by b should have, and the range its second byte must fall in. */
static size_t lead_info(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		return 2;
	if (b >= 0xE0 && b <= 0xEF) {
		if (b == 0xE0)
			*lo = 0xA0;
		else if (b == 0xED)
			*hi = 0x9F;
		return 3;
	}
	if (b >= 0xF0 && b <= 0xF4) {
		if (b == 0xF0)
			*lo = 0x90;
		else if (b == 0xF4)
			*hi = 0x8F;
		return 4;
	}
	return 0;
}

/*
 * Scans the sequence at s.  Returns its length when it is valid (and sets
 * *ok), otherwise the length of its maximal ill-formed subpart (>= 1): the
 * lead byte plus the continuation bytes that were still acceptable.
 */
static size_t scan(const unsigned char *s, size_t len, bool *ok, uint32_t *cp)
{
	unsigned char lo, hi;
	size_t need = lead_info(s[0], &lo, &hi);
	uint32_t v;
	size_t i;

	*ok = false;
	if (need == 0)
		return 1;
	if (need == 1) {
		*ok = true;
		*cp = s[0];
		return 1;
	}
	v = s[0] & (0xFF >> (need + 1));
	for (i = 1; i < need; i++) {
		if (i >= len)
			return i;
		if (s[i] < lo || s[i] > hi)
			return i;
		v = (v << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*ok = true;
	*cp = v;
	return need;
}

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	uint32_t v = 0;
	bool ok;
	size_t n = scan((const unsigned char *)s, len, &ok, &v);

	if (!ok)
		return 0;
	*cp = v;
	return n;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		bool ok;

		/* ASCII runs dominate script output; skip them without the table. */
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		i += scan(p + i, len - i, &ok, &cp);
		if (!ok)
			return false;
	}
	return true;
}

int utf8_sanitize(const char *in, size_t len, char **out, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t need = 0, i, o;
	size_t bad = 0;
	char *buf;

	/* First pass sizes the output exactly: repair can triple a hostile input. */
	for (i = 0; i < len;) {
		uint32_t cp;
		bool ok;
		size_t n = p[i] < 0x80 ? (ok = true, 1) : scan(p + i, len - i, &ok, &cp);

		if (ok) {
			if (need > SIZE_MAX - n)
				return -EOVERFLOW;
			need += n;
		} else {
			if (need > SIZE_MAX - REPLACEMENT_LEN)
				return -EOVERFLOW;
			need += REPLACEMENT_LEN;
			bad++;
		}
		i += n;
	}
	if (need == SIZE_MAX)
		return -EOVERFLOW;

	buf = malloc(need + 1);
	if (!buf)
		return -ENOMEM;
	if (bad == 0) {
		if (len > 0)
			memcpy(buf, in, len);
	} else {
		for (i = 0, o = 0; i < len;) {
			uint32_t cp;
			bool ok;
			size_t n = p[i] < 0x80 ? (ok = true, 1) : scan(p + i, len - i, &ok, &cp);

			if (ok) {
				memcpy(buf + o, p + i, n);
				o += n;
			} else {
				memcpy(buf + o, replacement, REPLACEMENT_LEN);
				o += REPLACEMENT_LEN;
			}
			i += n;
		}
	}
	buf[need] = '\0';
	*out = buf;
	*out_len = need;
	return bad > INT_MAX ? INT_MAX : (int)bad;
}

size_t utf8_truncate(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* Back up over continuation bytes to the lead byte of the cut sequence. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}
