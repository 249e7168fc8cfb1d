/*
 * UTF-8 validation and repair for bytes that come out of the sandbox
 * (stdout, stderr, runner messages) before they go into a JSON response.
 *
 * "Valid" means what RFC 3629 and jansson mean: shortest form only, no
 * UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no sequence
 * cut short.  NUL is a valid code point and is kept: JSON carries it as
 * \u0000.  Repair replaces each maximal ill-formed subpart with one U+FFFD,
 * the practice Unicode recommends (ch. 3, "U+FFFD Substitution of Maximal
 * Subparts") and the one Python's errors="replace" follows, so a client
 * sees the same text Python would have shown.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macros.h"

/*
 * Decodes the sequence at the start of s[0..len).  Returns its length (1-4)
 * and stores the code point in *cp, or returns 0 (and leaves *cp alone) when
 * the bytes there are not a complete, valid sequence.  len must be > 0.
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* True when all of s[0..len) is valid UTF-8 (embedded NULs allowed). */
bool utf8_valid(const char *s, size_t len);

/*
 * Copies in[0..len) into a new NUL-terminated buffer (*out, owned by the
 * caller, free()) with every ill-formed subpart replaced by U+FFFD;
 * *out_len excludes the terminator.  in may be NULL when len is 0.
 * Returns the number of replacements made (>= 0) or -ENOMEM / -EOVERFLOW;
 * *out and *out_len are untouched on failure.
 */
int utf8_sanitize(const char *in, size_t len, char **out, size_t *out_len) _wur_;

/*
 * Largest n <= len such that s[0..n) does not end inside a multi-byte
 * sequence, for cutting valid UTF-8 to a byte budget.  s must be valid.
 */
size_t utf8_truncate(const char *s, size_t len, size_t max);
