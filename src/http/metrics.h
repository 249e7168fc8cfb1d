/*
 * The front's Prometheus metrics: counters and histograms updated as
 * requests and executions finish, rendered in the text exposition format
 * (version 0.0.4) for GET /metrics.  Everything is counted in the front;
 * the spawner is not asked.
 *
 * Thread-safe: the MHD thread (requests) and the broker thread
 * (executions) update concurrently; one mutex guards the counters and a
 * render copies them under it and formats outside it.  Updates never
 * allocate and never fail.
 *
 * Series: see metrics.c for the names, labels and buckets.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/route.h"
#include "ipc/proto.h"
#include "util/macros.h"

struct http_metrics;

/* The instantaneous values, gathered by the caller at render time. */
struct metrics_gauges {
	uint32_t slots_busy, queue_depth; /* executions running / waiting */
	uint32_t slots_total, queue_max;  /* cfg->slots, cfg->queue */
	uint64_t spawner_restarts;        /* spawners handed over by the supervisor */
	bool spawner_up;                  /* said hello and not dropped */
	const char *version, *mode, *cgroup; /* pyexec_build_info labels (escaped here) */
};

/* A zeroed set of metrics.  0 or -errno; *out untouched on failure. */
int metrics_new(struct http_metrics **out) _wur_;

/* NULL is ignored. */
void metrics_free(struct http_metrics *m);

/*
 * One answered request: its route, HTTP status and time from first byte
 * to completion.  Statuses 401, 413 and 429 also count as rejections
 * (auth, too_large, queue_full).
 */
void metrics_count_request(struct http_metrics *m, enum http_route route, unsigned status,
			   uint64_t duration_us);

/*
 * One admitted execution that was answered: error_type is the response's
 * (a static string; NULL for a success, counted as "ok"), res the
 * spawner's report (NULL when the spawner never answered: no timings).
 */
void metrics_count_execution(struct http_metrics *m, const char *error_type,
			     const struct ipc_result *res);

/*
 * The exposition text, NUL-terminated, into *text (caller frees) and
 * *len.  0 or -ENOMEM; outputs untouched on failure.
 */
int metrics_render(struct http_metrics *m, const struct metrics_gauges *g, char **text,
		   size_t *len) _wur_;
