/*
 * The runner's result document, read without building a tree.
 *
 * The document comes from inside the sandbox (up to cfg->max_result_bytes)
 * and is parsed in the front, a process shared by every execution and
 * outside any execution's cgroup.  A tree-building parser turns 8 MB of
 * "[{},{},...]" into some 600 MB of nodes; this one validates the whole
 * document in one pass with O(1) memory beyond the strings it keeps, and
 * hands back main()'s value as the span of text the runner wrote, which
 * the response then carries verbatim (so it also keeps Python's own number
 * formatting).
 *
 * It accepts exactly what jansson's json_loadb(JSON_ALLOW_NUL) accepts for
 * an object, so the response is always readable by the same strict parsers:
 * RFC 8259 syntax, valid UTF-8, no lone surrogate escapes, no NUL in object
 * keys, integers within int64, reals that do not overflow a double, nesting
 * depth at most RUNNER_DOC_MAX_DEPTH counting every value (the document
 * itself is depth 1).  Duplicate members: the last wins.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macros.h"

#define RUNNER_DOC_MAX_DEPTH 2048

/* A decoded string member: s is owned, NUL-terminated, valid UTF-8, and may hold NULs. */
struct runner_str {
	char *s; /* NULL when the member is absent or not a string */
	size_t len;
};

struct runner_doc {
	int ok;                 /* 1 for "ok":true, 0 for false, -1 absent or not a bool */
	const char *result;     /* "result"'s JSON text, inside the input; NULL if absent */
	size_t result_len;
	struct runner_str error_type, error, traceback, exception_type;
	bool has_line, has_column; /* present as integers in 0..INT32_MAX */
	int32_t line, column;
};

/*
 * Parses doc[0..len), which must be one JSON object.  Returns 0 with *out
 * filled (free with runner_doc_free()), -EBADMSG when the text is not
 * acceptable JSON (nothing to free), -ERANGE when the only fault is a
 * number outside int64/double range (Python's unbounded ints), or -ENOMEM.
 */
int runner_doc_parse(const char *doc, size_t len, struct runner_doc *out) _wur_;

/* Frees the strings; safe on a zeroed struct and twice. */
void runner_doc_free(struct runner_doc *d);
