/*
 * Capability dropping (child side): empties the bounding, ambient,
 * inheritable, permitted and effective sets, so the script holds no
 * capability even inside its own user namespace, and nothing it execs can
 * regain one.
 */
#pragma once

#include "util/macros.h"

/* 0 or -errno.  Must run while CAP_SETPCAP is still held (before the last capset). */
int jail_caps_drop_all(void) _wur_;

/* PR_SET_NO_NEW_PRIVS: execve can never grant privileges again. */
int jail_no_new_privs(void) _wur_;
