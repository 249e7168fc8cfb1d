/*
 * Request ids: the X-Request-Id a client may send, checked before it is
 * echoed or logged, and the ids the front makes when none (or a bad one)
 * is sent.  No allocation, no locks.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REQUEST_ID_MAX 64u

/* Whether s is 1..REQUEST_ID_MAX characters of [A-Za-z0-9._-]. */
bool request_id_valid(const char *s);

/*
 * A fresh id into buf: 16 hex digits from getrandom(); salt (unique per
 * call, e.g. a counter mixed with the pid) and the clock stand in while
 * the kernel's pool is not initialised.
 */
void request_id_make(char *buf, size_t size, uint64_t salt);
