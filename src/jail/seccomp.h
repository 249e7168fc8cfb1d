/*
 * The jail's system-call filter.  Compiled once in the parent with
 * libseccomp and exported as a classic BPF program, so the child only has
 * to hand it to the kernel (no allocation, no library state after clone).
 */
#pragma once

#include "util/macros.h"

struct jail_seccomp;

/* Builds the jail's policy.  Returns 0 and *out, or -errno. */
int jail_seccomp_new(struct jail_seccomp **out) _wur_;

/*
 * Builds the HTTP front's policy: the jail's refusals plus everything a
 * network-facing parser never needs once it is listening: execve, new
 * processes (threads stay allowed), socket creation, connect, bind.  An
 * attacker who gets code execution in the front is left with an
 * unprivileged process that can only talk on the sockets it already has.
 */
int jail_seccomp_new_front(struct jail_seccomp **out) _wur_;
void jail_seccomp_free(struct jail_seccomp *s);

/*
 * Installs the filter on the calling thread (child side).  Requires
 * no_new_privs already set.  Returns 0 or -errno; async-signal-safe.
 */
int jail_seccomp_apply(const struct jail_seccomp *s) _wur_;

/* Number of BPF instructions, for tests and /health. */
unsigned jail_seccomp_length(const struct jail_seccomp *s);
