/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c).
 *
 * The oracles here are written from the definitions (RFC 3629 and
 * Unicode's "maximal subpart" rule for UTF-8, RFC 8259 via jansson for
 * JSON), not from src/util/utf8.c, so a bug in the module under test cannot
 * hide by also being in the check.  A failed check prints what broke and
 * abort()s, which libFuzzer reports as a crash and saves as an artifact.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "http/response.h"
#include "ipc/proto.h"

#define FUZZ_CHECK(cond, ...)                                                          \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, \
				__LINE__, #cond);                                      \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                      \
	} while (0)

/*
 * Fills *cfg the way the daemon does, with config_parse() and an argv of
 * "pyexecd" plus extra (NULL-terminated, may be NULL).  config_parse() also
 * reads PORT and PYEXEC_*; those are unset first so that a CI job's
 * environment cannot change what is fuzzed.  Aborts on failure.
 */
void fuzz_config(struct pyexec_config *cfg, const char *const *extra);

/* The spawner's and the broker's decoder limits for cfg (as broker.c builds them). */
struct ipc_limits fuzz_ipc_limits(const struct pyexec_config *cfg);

/*
 * Reference UTF-8 scanner: at s[0..len) (len > 0) returns the length of the
 * well-formed sequence there (*valid = true, *cp its scalar value) or of
 * its maximal ill-formed subpart (*valid = false, >= 1).
 */
size_t fuzz_utf8_next(const unsigned char *s, size_t len, bool *valid, uint32_t *cp);

/* True when s[0..len) is well-formed UTF-8 (NUL allowed). */
bool fuzz_utf8_valid(const char *s, size_t len);

/*
 * Reference repair: a new buffer (malloc, NUL-terminated, *out_len without
 * the terminator) with every maximal ill-formed subpart replaced by U+FFFD;
 * returns the number of replacements.  Aborts on allocation failure.
 */
size_t fuzz_utf8_repair(const char *s, size_t len, char **out, size_t *out_len);

/* Structural equality; reals compare exactly, object keys by their full length. */
bool fuzz_json_equal(const json_t *a, const json_t *b);

/* True when v is a string whose bytes are exactly s[0..len). */
bool fuzz_json_string_is(const json_t *v, const char *s, size_t len);

/*
 * The checks every body from http/response.c must pass: body/body_len
 * agree, no raw NUL, valid UTF-8, one JSON object that jansson parses
 * (JSON_ALLOW_NUL for "\u0000", JSON_REJECT_DUPLICATES), a "timestamp"
 * string.  Returns the parsed document (caller json_decref()s it).
 */
json_t *fuzz_check_body(const struct response *resp);
