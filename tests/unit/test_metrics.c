/*
 * http/metrics and http/route: the exposition text (HELP/TYPE lines,
 * label sets, cumulative buckets, exact sums, +Inf equal to _count,
 * escaping), what counts as a rejection or a setup failure, bounded label
 * sets, and counts that stay exact under concurrent updates.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"
#include "http/route.h"
#include "tap.h"

static struct metrics_gauges gauges = {
	.slots_busy = 1, .queue_depth = 3, .slots_total = 2, .queue_max = 8,
	.spawner_restarts = 5, .spawner_up = true,
	.version = "0.1.0", .mode = "warm", .cgroup = "v1",
};

static char *text;

static void render(struct http_metrics *m, const char *name)
{
	size_t len = 0;
	int r;

	/* (CHECK evaluates its condition twice: no side effects inside) */
	free(text);
	text = NULL;
	r = metrics_render(m, &gauges, &text, &len);
	CHECK(r == 0 && text && strlen(text) == len, "%s: rendered", name);
}

/* Whether the text has exactly this line. */
static bool has_line(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define CHECK_LINE(line) CHECK(has_line(line), "line: %s", line)
#define CHECK_NO(s) CHECK(!strstr(text, s), "absent: %s", s)

static struct ipc_result result(uint32_t outcome, uint64_t queue_us, uint64_t setup_us,
				uint64_t wall_us)
{
	struct ipc_result r;

	memset(&r, 0, sizeof(r));
	r.outcome = outcome;
	r.queue_us = queue_us;
	r.setup_us = setup_us;
	r.wall_us = wall_us;
	return r;
}

static void test_routes(void)
{
	CHECK(route_find("/execute") == ROUTE_EXECUTE && route_find("/health") == ROUTE_HEALTH &&
		      route_find("/metrics") == ROUTE_METRICS &&
		      route_find("/openapi.json") == ROUTE_OPENAPI,
	      "the four routes");
	CHECK(route_find("/execute/") == ROUTE_OTHER && route_find("/") == ROUTE_OTHER &&
		      route_find("/Metrics") == ROUTE_OTHER && route_find("") == ROUTE_OTHER,
	      "exact match only");
	CHECK(route_method_ok(ROUTE_EXECUTE, "POST") && !route_method_ok(ROUTE_EXECUTE, "GET") &&
		      !route_method_ok(ROUTE_EXECUTE, "HEAD"),
	      "/execute: POST only");
	CHECK(route_method_ok(ROUTE_METRICS, "GET") && route_method_ok(ROUTE_METRICS, "HEAD") &&
		      !route_method_ok(ROUTE_METRICS, "POST"),
	      "/metrics: GET and HEAD");
	CHECK(!route_method_ok(ROUTE_OTHER, "GET"), "other: no method");
	CHECK_EQ_STR(route_allow(ROUTE_OPENAPI), "GET, HEAD", "Allow of /openapi.json");
	CHECK_EQ_STR(route_name(ROUTE_OTHER), "other", "label of unknown paths");
	CHECK(route_allow(ROUTE_OTHER) == NULL, "no Allow for unknown paths");
}

static void test_empty(void)
{
	struct http_metrics *m = NULL;
	int r = metrics_new(&m);

	CHECK(r == 0 && m, "metrics_new");
	render(m, "empty");
	CHECK_LINE("# TYPE pyexec_http_requests_total counter");
	CHECK_LINE("# TYPE pyexec_queue_wait_seconds histogram");
	CHECK_LINE("pyexec_queue_wait_seconds_bucket{le=\"+Inf\"} 0");
	CHECK_LINE("pyexec_queue_wait_seconds_sum 0.000000");
	CHECK_LINE("pyexec_execution_run_seconds_count 0");
	CHECK_LINE("pyexec_executions_total{outcome=\"ok\"} 0");
	CHECK_LINE("pyexec_http_rejected_total{reason=\"queue_full\"} 0");
	CHECK_LINE("pyexec_http_rejected_total{reason=\"auth\"} 0");
	CHECK_LINE("pyexec_http_rejected_total{reason=\"too_large\"} 0");
	CHECK_LINE("pyexec_sandbox_setup_failures_total 0");
	CHECK_LINE("pyexec_spawner_restarts_total 5");
	CHECK_LINE("pyexec_slots_busy 1");
	CHECK_LINE("pyexec_queue_depth 3");
	CHECK_LINE("pyexec_slots_total 2");
	CHECK_LINE("pyexec_queue_max 8");
	CHECK_LINE("pyexec_spawner_up 1");
	CHECK_LINE("pyexec_build_info{version=\"0.1.0\",mode=\"warm\",cgroup=\"v1\"} 1");
	CHECK_NO("pyexec_http_requests_total{");
	CHECK_NO("pyexec_http_request_duration_seconds_bucket");
	CHECK(text[strlen(text) - 1] == '\n', "ends with a newline");
	metrics_free(m);
	metrics_free(NULL);
}

static void test_counts(void)
{
	struct http_metrics *m = NULL;
	struct ipc_result r;

	if (metrics_new(&m) < 0)
		return;
	metrics_count_request(m, ROUTE_EXECUTE, 200, 1500);    /* 1.5 ms */
	metrics_count_request(m, ROUTE_EXECUTE, 200, 1000);    /* exactly 1 ms: le="0.001" */
	metrics_count_request(m, ROUTE_EXECUTE, 429, 400);
	metrics_count_request(m, ROUTE_EXECUTE, 401, 100);
	metrics_count_request(m, ROUTE_EXECUTE, 413, 100);
	metrics_count_request(m, ROUTE_EXECUTE, 422, 999000000); /* 999 s: only +Inf */
	metrics_count_request(m, ROUTE_HEALTH, 200, 50);
	metrics_count_request(m, ROUTE_OTHER, 404, 50);
	metrics_count_request(m, (enum http_route)99, 404, 50); /* out of range: other */

	r = result(OUTCOME_EXITED, 2, 3000, 250000);
	metrics_count_execution(m, NULL, &r);
	r = result(OUTCOME_EXITED, 4, 3000, 1000000);
	r.flags = RESULT_LEAN_ZYGOTE;
	metrics_count_execution(m, "runtime_error", &r);
	r = result(OUTCOME_TIMEOUT, 0, 2000, 1000000);
	r.flags = RESULT_PREBUILT_JAIL;
	metrics_count_execution(m, "timeout", &r);
	r = result(OUTCOME_SETUP_FAILED, 0, 700, 0);
	metrics_count_execution(m, "sandbox_error", &r);
	metrics_count_execution(m, "unavailable", NULL);

	render(m, "counts");
	CHECK_LINE("pyexec_http_requests_total{route=\"/execute\",status=\"200\"} 2");
	CHECK_LINE("pyexec_http_requests_total{route=\"/execute\",status=\"401\"} 1");
	CHECK_LINE("pyexec_http_requests_total{route=\"/execute\",status=\"413\"} 1");
	CHECK_LINE("pyexec_http_requests_total{route=\"/execute\",status=\"422\"} 1");
	CHECK_LINE("pyexec_http_requests_total{route=\"/execute\",status=\"429\"} 1");
	CHECK_LINE("pyexec_http_requests_total{route=\"/health\",status=\"200\"} 1");
	CHECK_LINE("pyexec_http_requests_total{route=\"other\",status=\"404\"} 2");
	CHECK(strstr(text, "status=\"200\"} 2") < strstr(text, "status=\"401\"} 1"),
	      "statuses in ascending order");
	CHECK_LINE("pyexec_http_rejected_total{reason=\"queue_full\"} 1");
	CHECK_LINE("pyexec_http_rejected_total{reason=\"auth\"} 1");
	CHECK_LINE("pyexec_http_rejected_total{reason=\"too_large\"} 1");

	CHECK_LINE("pyexec_http_request_duration_seconds_bucket{route=\"/execute\",le=\"0.001\"} 4");
	CHECK_LINE("pyexec_http_request_duration_seconds_bucket{route=\"/execute\",le=\"0.0025\"} 5");
	CHECK_LINE("pyexec_http_request_duration_seconds_bucket{route=\"/execute\",le=\"300\"} 5");
	CHECK_LINE("pyexec_http_request_duration_seconds_bucket{route=\"/execute\",le=\"+Inf\"} 6");
	CHECK_LINE("pyexec_http_request_duration_seconds_count{route=\"/execute\"} 6");
	CHECK_LINE("pyexec_http_request_duration_seconds_sum{route=\"/execute\"} 999.003100");
	CHECK_NO("route=\"/metrics\",le=");

	CHECK_LINE("pyexec_executions_total{outcome=\"ok\"} 1");
	CHECK_LINE("pyexec_executions_total{outcome=\"runtime_error\"} 1");
	CHECK_LINE("pyexec_executions_total{outcome=\"timeout\"} 1");
	CHECK_LINE("pyexec_executions_total{outcome=\"sandbox_error\"} 1");
	CHECK_LINE("pyexec_executions_total{outcome=\"unavailable\"} 1");
	CHECK_LINE("pyexec_sandbox_setup_failures_total 1");
	CHECK_LINE("pyexec_executions_prebuilt_total 1");
	CHECK_LINE("pyexec_executions_lean_total 1");
	/* 4 with a report; the setup failure ran nothing. */
	CHECK_LINE("pyexec_queue_wait_seconds_count 4");
	CHECK_LINE("pyexec_queue_wait_seconds_sum 0.000006");
	CHECK_LINE("pyexec_sandbox_setup_seconds_count 4");
	CHECK_LINE("pyexec_sandbox_setup_seconds_bucket{le=\"0.001\"} 1");
	CHECK_LINE("pyexec_sandbox_setup_seconds_bucket{le=\"0.0025\"} 2");
	CHECK_LINE("pyexec_sandbox_setup_seconds_bucket{le=\"0.005\"} 4");
	CHECK_LINE("pyexec_execution_run_seconds_count 3");
	CHECK_LINE("pyexec_execution_run_seconds_sum 2.250000");
	CHECK_LINE("pyexec_execution_run_seconds_bucket{le=\"0.25\"} 1");
	CHECK_LINE("pyexec_execution_run_seconds_bucket{le=\"0.5\"} 1");
	CHECK_LINE("pyexec_execution_run_seconds_bucket{le=\"1\"} 3");
	metrics_free(m);
}

static void test_bounds_and_escaping(void)
{
	struct http_metrics *m = NULL;
	struct metrics_gauges g = gauges;
	char name[32];
	size_t len;
	int r;

	if (metrics_new(&m) < 0)
		return;
	for (unsigned s = 100; s < 120; s++)
		metrics_count_request(m, ROUTE_HEALTH, s, 1);
	metrics_count_request(m, ROUTE_HEALTH, 0, 1);
	for (int i = 0; i < 40; i++) {
		(void)snprintf(name, sizeof(name), "type_%02d", i);
		metrics_count_execution(m, name, NULL);
	}
	render(m, "bounded");
	CHECK_LINE("pyexec_http_requests_total{route=\"/health\",status=\"115\"} 1");
	CHECK_NO("status=\"116\"");
	CHECK_LINE("pyexec_http_requests_total{route=\"/health\",status=\"other\"} 5");
	CHECK_LINE("pyexec_executions_total{outcome=\"type_31\"} 1");
	CHECK_NO("type_32");
	CHECK_LINE("pyexec_executions_total{outcome=\"other\"} 8");

	g.version = "1.0\"\\\nx";
	g.mode = NULL;
	g.spawner_up = false;
	free(text);
	text = NULL;
	r = metrics_render(m, &g, &text, &len);
	CHECK(r == 0, "render with odd labels");
	CHECK_LINE("pyexec_build_info{version=\"1.0\\\"\\\\\\nx\",mode=\"\",cgroup=\"v1\"} 1");
	CHECK_LINE("pyexec_spawner_up 0");
	metrics_free(m);
}

#define THREADS 4
#define PER_THREAD 20000

static void *hammer(void *arg)
{
	struct http_metrics *m = arg;
	struct ipc_result r = result(OUTCOME_EXITED, 1, 1, 1);

	for (int i = 0; i < PER_THREAD; i++) {
		metrics_count_request(m, ROUTE_EXECUTE, 200, 10);
		metrics_count_execution(m, NULL, &r);
	}
	return NULL;
}

static void test_threads(void)
{
	struct http_metrics *m = NULL;
	pthread_t t[THREADS];
	char line[160];

	if (metrics_new(&m) < 0)
		return;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, m);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	render(m, "threads");
	(void)snprintf(line, sizeof(line),
		       "pyexec_http_requests_total{route=\"/execute\",status=\"200\"} %d",
		       THREADS * PER_THREAD);
	CHECK_LINE(line);
	(void)snprintf(line, sizeof(line), "pyexec_executions_total{outcome=\"ok\"} %d",
		       THREADS * PER_THREAD);
	CHECK_LINE(line);
	(void)snprintf(line, sizeof(line), "pyexec_execution_run_seconds_count %d",
		       THREADS * PER_THREAD);
	CHECK_LINE(line);
	metrics_free(m);
}

int main(void)
{
	test_routes();
	test_empty();
	test_counts();
	test_bounds_and_escaping();
	test_threads();
	free(text);
	return tap_done();
}
