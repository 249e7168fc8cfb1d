/*
 * running_on_valgrind(): true only when this process runs under valgrind.
 *
 * For the few jail steps that valgrind 3.19 (Debian 12) cannot carry out
 * for its client (jail.c, rlimit.c say which and what they do instead), so
 * that `make test-valgrind` can run the real daemon.  The test is
 * valgrind's client request, an instruction sequence that does nothing
 * natively, where it is always false; without <valgrind/valgrind.h> at
 * build time (the Docker image's build stage) it is the constant false and
 * the alternatives are not compiled in.
 */
#pragma once

#include <stdbool.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define PYEXEC_HAVE_VALGRIND_H 1
#endif
#endif

static inline bool running_on_valgrind(void)
{
#ifdef PYEXEC_HAVE_VALGRIND_H
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}
