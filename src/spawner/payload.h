/*
 * What runs inside a jail once it is built.  The cold payload execs
 * python3 with the runner; the warm payload (zygote) calls the runner in
 * the already-initialised interpreter.
 */
#pragma once

#include "config.h"
#include "util/macros.h"

struct payload;

/* Prepares argv/envp once.  0 and *out, or -errno. */
int payload_cold_new(const struct pyexec_config *cfg, struct payload **out) _wur_;
void payload_free(struct payload *p);

/* The jail_run.payload callback: execve()s; returns -errno only on failure. */
int payload_cold_run(void *payload);

/* Embedded runner source (generated from runtime/runner.py). */
extern const char pyexec_runner_source[];
extern const unsigned long pyexec_runner_source_len;
