/*
 * What runs inside a jail once it is built.
 *
 *   cold: execve(python3 -I -B -c <runner>): a fresh interpreter per run;
 *   warm: the spawner itself is the zygote: it embedded CPython, imported
 *         the preload list and compiled the runner at start-up, and each
 *         jail (a fork of it) just calls runner.run(warm=True).  User code
 *         never runs in the zygote itself.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/macros.h"

struct payload;

/*
 * Prepares the payload for cfg->mode (warm: initialises Python, imports
 * cfg->lean_preload and loads the runner; *why then names what failed).
 * 0 and *out, or -errno.
 */
int payload_new(const struct pyexec_config *cfg, struct payload **out, const char **why) _wur_;

/*
 * Warm: imports cfg->preload, warms it up and freezes the heap for
 * forking (payload_freeze).  A lean zygote, forked before this, skips it.
 * 0 (also in cold mode) or -errno with *why.
 */
int payload_preload(struct payload *p, const struct pyexec_config *cfg, const char **why) _wur_;

/* Warm: gc.collect() and gc.freeze(), so that children's collections leave the shared heap alone. */
void payload_freeze(struct payload *p);

/*
 * Warm, in a process forked from the spawner that goes on to use Python
 * (a lean zygote): Python's after-fork fix-up, then payload_freeze().
 */
void payload_forked(struct payload *p);

/*
 * Warm: whether every module the script in script_fd (len bytes, sealed)
 * names in an import statement was loaded before the preload list
 * (imports.h reads them off its text), so that a lean zygote has it too.
 * false in cold mode.
 */
bool payload_fits_lean(const struct payload *p, int script_fd, uint64_t len);
void payload_free(struct payload *p);

/* The jail_run.payload callback (arg is the struct payload). */
int payload_run(void *payload);

/*
 * In a jail built ahead of its request, before the script is there: does
 * what payload_run() would do first (warm: Python's after-fork fix-up and
 * the runner's per-process set-up), so the request does not wait for it.
 * 0 (also in cold mode, where there is nothing to do) or -errno.
 */
int payload_prepare(void *payload);

/*
 * Warm: the zygote pages an execution writes, copied by each child in one
 * pass before it runs (hotpages.h).  Two sets: what every execution writes,
 * and what a script using the preloaded modules writes.
 */
enum payload_pages { PAYLOAD_PAGES_BASE, PAYLOAD_PAGES_DATA, PAYLOAD_PAGES__N };

struct payload_pages_stats {
	size_t base_pages, base_ranges;
	size_t data_pages, data_ranges;
};

/*
 * Warm, once the zygote's memory is final and before the first jail:
 * learns both sets from trusted probe runs in plain forks (~100 ms).
 * 0 (also in cold mode), or -errno with both sets left empty, which
 * costs speed only.
 */
int payload_learn_pages(struct payload *p, struct payload_pages_stats *st) _wur_;

/*
 * The set for the script in script_fd (len bytes, sealed): DATA when its
 * text names a preloaded module (a word match, no parsing), else BASE.
 */
enum payload_pages payload_pages_for(const struct payload *p, int script_fd, uint64_t len);

/*
 * The set the next child of p copies before its run (inherited through the
 * fork).  A pre-built jail, which does not know its script yet, copies the
 * larger set in payload_prepare() instead.
 */
void payload_use_pages(struct payload *p, enum payload_pages which);

/* true when payload_run() execs (cold), false when it runs in-process (warm). */
bool payload_execs(const struct payload *p);

/* "3.11.2": the interpreter the payload runs. */
const char *payload_python_version(const struct payload *p);

/* Embedded runner source (generated from runtime/runner.py). */
extern const char pyexec_runner_source[];
extern const unsigned long pyexec_runner_source_len;
