/*
 * The lean zygote: a second warm zygote, without the preload list.
 *
 * Forking the zygote costs in proportion to its address space: copying
 * its mappings and page tables at the clone, tearing them down at the
 * exit.  With numpy and pandas loaded that is most of a short script's
 * execution (on the machines of docs/PERFORMANCE.md, fork()+_exit() of a
 * pandas-loaded CPython takes 3-7 ms against 0.5-0.9 ms for a plain one).
 * So the spawner forks this process once, after Python, the runner and
 * the lean preload list are loaded and before the preload list, and a
 * script that imports nothing else (payload_fits_lean) is cloned from it
 * instead (jail_start_in).  Everything about the jail is the same: only
 * the memory the child starts from differs, and a script that imports a
 * preloaded module all the same (importlib, __import__) just pays for the
 * import, within its own limits.
 *
 * Performance only: if it cannot start, dies or stops answering, every
 * script is cloned from the spawner, as with --single-zygote.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "jail/jail.h"
#include "spawner/payload.h"
#include "util/macros.h"

struct lean_zygote;

/*
 * Forks it from the calling process as it is now (payload p loaded, not
 * preloaded).  It keeps no fd of ours but stdin, stdout, stderr and its
 * socket, and readies itself meanwhile (heap, page sets), which
 * lean_zygote_ready() waits for.  0 and *out, or -errno.
 */
int lean_zygote_start(struct jail *j, struct payload *p, struct lean_zygote **out) _wur_;

/* Waits up to timeout_ms for it to be ready to clone.  0, or -errno (it is then lost). */
int lean_zygote_ready(struct lean_zygote *z, int timeout_ms) _wur_;

/* Its socket for jail_start_in(), or -1 once lost (also NULL). */
int lean_zygote_sock(const struct lean_zygote *z);

pid_t lean_zygote_pid(const struct lean_zygote *z); /* -1 once lost */

/* Gives it up: kills and reaps it, logs why.  Later scripts clone from the spawner. */
void lean_zygote_lose(struct lean_zygote *z, const char *why);

/* Stops, reaps and frees it.  NULL is fine. */
void lean_zygote_free(struct lean_zygote *z);
