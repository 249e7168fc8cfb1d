/*
 * API-key authentication of requests: "Authorization: Bearer <key>"
 * against the keys in the configuration (config.h; read at start-up).
 * Pure: no libmicrohttpd, no I/O, no logging (a key never reaches a log).
 *
 * Timing: the token is compared with every configured key, each over the
 * full fixed width, with no exit before the last; so how long a check
 * takes depends on the number of keys, never on how much of one matched
 * or on which key matched.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum auth_verdict {
	AUTH_OK,      /* a configured key, or no keys configured */
	AUTH_MISSING, /* no Authorization header, or not a Bearer one */
	AUTH_INVALID, /* a Bearer token that is not a configured key */
};

/* Whether cfg configures any key (authentication is off otherwise). */
bool auth_enabled(const struct pyexec_config *cfg);

/*
 * The token of an Authorization header value: "Bearer" (any case), one or
 * more spaces or tabs, then the token up to trailing blanks.  Sets *token
 * (pointing into header) and *len and returns true; false when header is
 * NULL, another scheme, or the token is empty.
 */
bool auth_bearer_token(const char *header, const char **token, size_t *len);

/* Whether token[0..len) equals one of cfg's keys, in constant time (see above). */
bool auth_key_matches(const struct pyexec_config *cfg, const char *token, size_t len);

/* The verdict for a request's Authorization header (NULL when absent). */
enum auth_verdict auth_check(const struct pyexec_config *cfg, const char *authorization);
