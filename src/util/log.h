/*
 * Structured logging: one line per event on stderr, as JSON, so that
 * platforms (Cloud Run, Kubernetes) ingest it without parsing rules.
 *
 * Only the role layers (http, spawner, main) log; jail, ipc and util return
 * errors and let their callers decide.  Fields are passed as key/value
 * pairs; values are escaped, so nothing a client sends can forge a line.
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>

#include "util/macros.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set once at start-up, before any thread exists. */
void log_init(const char *role, enum log_level min_level);
void log_set_role(const char *role);

/*
 * log_event(LOG_INFO, "exec_done", "id", "42", "status", "200", NULL);
 * Arguments after the event name are alternating key/value C strings,
 * terminated by NULL.
 */
void log_event(enum log_level level, const char *event, ...) __attribute__((sentinel));
