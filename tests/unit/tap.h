/*
 * A minimal TAP producer for the C unit tests, run by prove(1).
 * Each test binary is one process; each check prints one "ok"/"not ok" line.
 * SKIP() prints a reason and counts as ok, for kernel features that are absent.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

/* cond is evaluated once: it may have side effects. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		int tap_ok_ = !!(cond);                                        \
		tap_n++;                                                       \
		if (tap_ok_) {                                                 \
			printf("ok %d - ", tap_n);                             \
		} else {                                                       \
			tap_failed++;                                          \
			printf("not ok %d - ", tap_n);                         \
		}                                                              \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!tap_ok_)                                                  \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		fflush(stdout);                                                \
	} while (0)

#define CHECK_EQ_INT(a, b, name)                                                    \
	do {                                                                        \
		long long _a = (long long)(a), _b = (long long)(b);                 \
		CHECK(_a == _b, "%s (got %lld, want %lld)", name, _a, _b);          \
	} while (0)

#define CHECK_EQ_STR(a, b, name)                                                    \
	do {                                                                        \
		const char *_a = (a), *_b = (b);                                    \
		CHECK(_a && _b && strcmp(_a, _b) == 0, "%s (got \"%s\", want \"%s\")", \
		      name, _a ? _a : "(null)", _b);                                  \
	} while (0)

#define SKIP(...)                                          \
	do {                                               \
		tap_n++;                                   \
		printf("ok %d # SKIP ", tap_n);            \
		printf(__VA_ARGS__);                       \
		printf("\n");                              \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
