/*
 * Request ids (see request_id.h).  A client's id only ever holds
 * characters that need no escaping in a header, a JSON string or a log
 * line, so it cannot forge either.
 */
#include "http/request_id.h"

#include <stdio.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

bool request_id_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];
		if (n >= REQUEST_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

void request_id_make(char *buf, size_t size, uint64_t salt)
{
	struct timespec ts;
	uint64_t v;

	/*
	 * getrandom() only fails before the kernel's pool is initialised
	 * (early boot); the salt mixed with the clock is still unique enough
	 * to correlate log lines.
	 */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) << 20) ^ salt;
	}
	(void)snprintf(buf, size, "%016llx", (unsigned long long)v);
}
