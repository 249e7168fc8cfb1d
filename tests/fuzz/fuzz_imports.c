/*
 * Fuzz target for spawner/imports: any bytes, as a script's text (the
 * spawner scans every script before it picks the zygote to clone from).
 *
 * Checks, besides "no crash, no read outside the input" (ASan):
 *  - every name lies inside the input, is non-empty, and is either "."
 *    (a relative import) or an identifier by the header's definition;
 *  - names come in text order (each starts after the previous one);
 *  - the scan is deterministic: a second pass reports the same names;
 *  - stopping works: a callback that refuses the k-th name gets exactly
 *    k calls and imports_each() returns false, for every k up to the
 *    number of names (and true, with all of them, beyond it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "spawner/imports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAMES_MAX 4096

struct seen {
	const char *base;
	size_t size;
	size_t n;         /* calls so far */
	size_t stop_at;   /* refuse the call with this number (1-based); 0: never */
	size_t off[NAMES_MAX], len[NAMES_MAX];
	size_t kept;      /* names recorded (at most NAMES_MAX) */
};

static bool ident_byte(unsigned char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
	       (!first && c >= '0' && c <= '9');
}

static bool record(const char *name, size_t len, void *arg)
{
	struct seen *s = arg;
	size_t off;

	FUZZ_CHECK(name >= s->base && len > 0 && len <= s->size &&
			   (size_t)(name - s->base) <= s->size - len,
		   "name outside the input (offset %td, len %zu, size %zu)", name - s->base, len,
		   s->size);
	off = (size_t)(name - s->base);
	if (len == 1 && name[0] == '.') {
		/* a relative import */
	} else {
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK(ident_byte((unsigned char)name[i], i == 0),
				   "byte %zu of the name at %zu is no identifier byte", i, off);
	}
	if (s->kept > 0)
		FUZZ_CHECK(off > s->off[s->kept - 1], "name at %zu after one at %zu", off,
			   s->off[s->kept - 1]);
	if (s->kept < NAMES_MAX) {
		s->off[s->kept] = off;
		s->len[s->kept] = len;
		s->kept++;
	}
	s->n++;
	return s->n != s->stop_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen all, again, part;
	const char *text = (const char *)data;
	bool done;

	memset(&all, 0, sizeof(all));
	all.base = text;
	all.size = size;
	done = imports_each(size ? text : NULL, size, record, &all);
	FUZZ_CHECK(done, "a callback that never refuses stopped the scan");

	memset(&again, 0, sizeof(again));
	again.base = text;
	again.size = size;
	FUZZ_CHECK(imports_each(size ? text : NULL, size, record, &again), "second scan stopped");
	FUZZ_CHECK(again.n == all.n && again.kept == all.kept &&
			   memcmp(again.off, all.off, all.kept * sizeof(all.off[0])) == 0 &&
			   memcmp(again.len, all.len, all.kept * sizeof(all.len[0])) == 0,
		   "two scans of the same input differ (%zu and %zu names)", all.n, again.n);

	/* Early stop: a few k values are enough to exercise every stopping point. */
	for (size_t k = 1; k <= all.n + 1 && k <= 8; k++) {
		memset(&part, 0, sizeof(part));
		part.base = text;
		part.size = size;
		part.stop_at = k;
		done = imports_each(size ? text : NULL, size, record, &part);
		if (k <= all.n)
			FUZZ_CHECK(!done && part.n == k, "refusing name %zu: %zu calls, returned %d", k,
				   part.n, done);
		else
			FUZZ_CHECK(done && part.n == all.n, "no refusal: %zu calls of %zu", part.n,
				   all.n);
	}
	return 0;
}
