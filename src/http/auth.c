/*
 * API-key checks (see auth.h).
 *
 * Invariant: nothing here branches on a byte of a key or of the token
 * once the token has been cut out of the header; differences are
 * accumulated with OR and turned into a verdict only after the loop over
 * all keys.  The compiler barrier keeps the optimiser from reasoning its
 * way to an early exit.
 */
#include "http/auth.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"

bool auth_enabled(const struct pyexec_config *cfg)
{
	return cfg->api_key_count > 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

bool auth_bearer_token(const char *header, const char **token, size_t *len)
{
	const char *t;
	size_t n;

	if (!header || strncasecmp(header, "Bearer", 6) != 0 || !blank(header[6]))
		return false;
	t = header + 6;
	while (blank(*t))
		t++;
	n = strlen(t);
	while (n > 0 && blank(t[n - 1]))
		n--;
	if (n == 0)
		return false;
	*token = t;
	*len = n;
	return true;
}

/* 1 when v == 0, else 0, without a branch (v < 2^31). */
static uint32_t is_zero(uint32_t v)
{
	return ((v - 1) >> 31) & 1;
}

bool auth_key_matches(const struct pyexec_config *cfg, const char *token, size_t len)
{
	unsigned char tok[CONFIG_API_KEY_MAX];
	/* A token longer than any key keeps a length no key has. */
	uint32_t tlen = (uint32_t)MIN(len, (size_t)CONFIG_API_KEY_MAX + 1);
	uint32_t found = 0;

	memset(tok, 0, sizeof(tok));
	memcpy(tok, token, MIN(len, sizeof(tok)));
	for (uint32_t k = 0; k < cfg->api_key_count && k < CONFIG_API_KEYS_MAX; k++) {
		const unsigned char *key = (const unsigned char *)cfg->api_keys[k];
		uint32_t diff = tlen ^ cfg->api_key_len[k];

		/* Keys are NUL-padded to the full width, the token copy too. */
		for (size_t i = 0; i < CONFIG_API_KEY_MAX; i++)
			diff |= (uint32_t)(key[i] ^ tok[i]);
		__asm__ __volatile__("" : "+r"(diff));
		found |= is_zero(diff);
	}
	explicit_bzero(tok, sizeof(tok));
	return found != 0;
}

enum auth_verdict auth_check(const struct pyexec_config *cfg, const char *authorization)
{
	const char *token;
	size_t len;

	if (!auth_enabled(cfg))
		return AUTH_OK;
	if (!auth_bearer_token(authorization, &token, &len))
		return AUTH_MISSING;
	return auth_key_matches(cfg, token, len) ? AUTH_OK : AUTH_INVALID;
}
