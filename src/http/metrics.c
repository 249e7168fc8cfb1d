/*
 * Prometheus metrics of the front (see metrics.h).
 *
 * Series (all names prefixed pyexec_):
 *   http_requests_total{route,status}          counter, each answered request
 *   http_request_duration_seconds{route}       histogram, first byte to completion
 *   http_rejected_total{reason}                counter: queue_full (429), auth (401),
 *                                              too_large (413)
 *   executions_total{outcome}                  counter: "ok" or the response's error_type
 *   queue_wait_seconds, sandbox_setup_seconds,
 *   execution_run_seconds                      histograms of the spawner's
 *                                              queue_us / setup_us / wall_us
 *   sandbox_setup_failures_total               counter: OUTCOME_SETUP_FAILED
 *   executions_prebuilt_total                  counter: RESULT_PREBUILT_JAIL (--pool hits)
 *   executions_lean_total                      counter: RESULT_LEAN_ZYGOTE
 *   spawner_restarts_total                     counter: spawners handed over
 *   slots_busy, queue_depth, slots_total,
 *   queue_max, spawner_up                      gauges
 *   build_info{version,mode,cgroup}            always 1
 *
 * Invariants: every label set is bounded, so memory is fixed at creation:
 * routes are an enum, statuses take at most STATUS_SLOTS distinct values
 * per route (more fold into status="other"), outcomes OUTCOME_SLOTS
 * (more fold into outcome="other").  Histograms keep per-bucket counts
 * and a sum in whole microseconds, so _sum is exact; buckets are rendered
 * cumulative, as the format requires.  Label values are escaped on output.
 */
#include "http/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_SLOTS 16
#define OUTCOME_SLOTS 32
#define OUTCOME_NAME_MAX 48

/* Histogram upper bounds, µs: 1 ms .. 5 min. */
static const uint64_t bounds_us[] = {
	1000,	 2500,	  5000,	    10000,    25000,	50000,	   100000,    250000,	500000,
	1000000, 2500000, 5000000, 10000000, 30000000, 60000000, 120000000, 300000000,
};
#define NBOUNDS ARRAY_SIZE(bounds_us)

struct hist {
	uint64_t bucket[NBOUNDS + 1]; /* per bucket, not cumulative; the last is (300 s, +Inf) */
	uint64_t count;
	uint64_t sum_us;
};

struct status_count {
	unsigned status; /* 0: free */
	uint64_t n;
};

struct outcome_count {
	char name[OUTCOME_NAME_MAX]; /* "": free */
	uint64_t n;
};

enum reject { REJECT_QUEUE_FULL, REJECT_AUTH, REJECT_TOO_LARGE, REJECT__COUNT };
static const char *const reject_names[REJECT__COUNT] = { "queue_full", "auth", "too_large" };

struct metrics_data {
	struct status_count requests[ROUTE__COUNT][STATUS_SLOTS];
	uint64_t requests_other_status[ROUTE__COUNT];
	struct hist request_duration[ROUTE__COUNT];
	struct outcome_count outcomes[OUTCOME_SLOTS];
	uint64_t outcomes_other;
	struct hist queue_wait, setup, run;
	uint64_t setup_failures;
	uint64_t prebuilt;
	uint64_t lean;
	uint64_t rejected[REJECT__COUNT];
};

struct http_metrics {
	pthread_mutex_t lock;
	struct metrics_data d;
};

int metrics_new(struct http_metrics **out)
{
	struct http_metrics *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = -pthread_mutex_init(&m->lock, NULL);
	if (r < 0) {
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

void metrics_free(struct http_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- updates (under m->lock) ---------------------------------------------- */

static void observe(struct hist *h, uint64_t us)
{
	size_t i = 0;

	while (i < NBOUNDS && us > bounds_us[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum_us += us;
}

static void count_status(struct metrics_data *d, enum http_route route, unsigned status)
{
	struct status_count *slots = d->requests[route];

	for (size_t i = 0; i < STATUS_SLOTS; i++) {
		if (slots[i].status == status || slots[i].status == 0) {
			slots[i].status = status;
			slots[i].n++;
			return;
		}
	}
	d->requests_other_status[route]++;
}

void metrics_count_request(struct http_metrics *m, enum http_route route, unsigned status,
			   uint64_t duration_us)
{
	if ((unsigned)route >= ROUTE__COUNT)
		route = ROUTE_OTHER;
	pthread_mutex_lock(&m->lock);
	if (status >= 100 && status <= 999)
		count_status(&m->d, route, status);
	else
		m->d.requests_other_status[route]++;
	observe(&m->d.request_duration[route], duration_us);
	if (status == 429)
		m->d.rejected[REJECT_QUEUE_FULL]++;
	else if (status == 401)
		m->d.rejected[REJECT_AUTH]++;
	else if (status == 413)
		m->d.rejected[REJECT_TOO_LARGE]++;
	pthread_mutex_unlock(&m->lock);
}

static void count_outcome(struct metrics_data *d, const char *name)
{
	for (size_t i = 0; i < OUTCOME_SLOTS; i++) {
		struct outcome_count *o = &d->outcomes[i];

		if (o->name[0] == '\0')
			(void)snprintf(o->name, sizeof(o->name), "%s", name);
		if (strncmp(o->name, name, sizeof(o->name) - 1) == 0) {
			o->n++;
			return;
		}
	}
	d->outcomes_other++;
}

void metrics_count_execution(struct http_metrics *m, const char *error_type,
			     const struct ipc_result *res)
{
	const char *outcome = error_type && error_type[0] ? error_type : "ok";

	pthread_mutex_lock(&m->lock);
	count_outcome(&m->d, outcome);
	if (res) {
		observe(&m->d.queue_wait, res->queue_us);
		observe(&m->d.setup, res->setup_us);
		/* Nothing ran when the jail could not be built (or the spawner failed itself). */
		if (res->outcome == OUTCOME_SETUP_FAILED)
			m->d.setup_failures++;
		else if (res->outcome != OUTCOME_INTERNAL)
			observe(&m->d.run, res->wall_us);
		if (res->flags & RESULT_PREBUILT_JAIL)
			m->d.prebuilt++;
		if (res->flags & RESULT_LEAN_ZYGOTE)
			m->d.lean++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* ---- rendering (on a private copy) ---------------------------------------- */

/* A label value with \\, \" and \n escaped, as the text format wants. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_seconds(FILE *f, uint64_t us)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

/* `name="value"` with value escaped, into buf (cut short if it does not fit). */
static void label_pair(char *buf, size_t size, const char *name, const char *value)
{
	char *mem = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&mem, &n);

	buf[0] = '\0';
	if (!f)
		return;
	fprintf(f, "%s=\"", name);
	put_label(f, value);
	fputc('"', f);
	if (fclose(f) == 0 && mem)
		(void)snprintf(buf, size, "%s", mem);
	free(mem);
}

/* The series of one histogram; labels is "" or `k="v"` pairs already escaped. */
static void put_hist(FILE *f, const char *name, const char *labels, const struct hist *h)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;

	for (size_t i = 0; i <= NBOUNDS; i++) {
		cum += h->bucket[i];
		if (i < NBOUNDS)
			fprintf(f, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, labels, sep,
				(double)bounds_us[i] / 1e6, cum);
		else
			fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep, cum);
	}
	fprintf(f, labels[0] ? "%s_sum{%s} " : "%s_sum%s ", name, labels);
	put_seconds(f, h->sum_us);
	fprintf(f, labels[0] ? "\n%s_count{%s} %" PRIu64 "\n" : "\n%s_count%s %" PRIu64 "\n", name,
		labels, h->count);
}

static void put_gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
	header(f, name, "gauge", help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void put_counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	header(f, name, "counter", help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static int cmp_status(const void *a, const void *b)
{
	const struct status_count *x = a, *y = b;

	return (x->status > y->status) - (x->status < y->status);
}

static void render_requests(FILE *f, struct metrics_data *d)
{
	header(f, "pyexec_http_requests_total", "counter", "HTTP requests answered, by route and status.");
	for (int r = 0; r < ROUTE__COUNT; r++) {
		struct status_count *s = d->requests[r];
		size_t n = 0;

		while (n < STATUS_SLOTS && s[n].status)
			n++;
		qsort(s, n, sizeof(*s), cmp_status);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "pyexec_http_requests_total{route=\"%s\",status=\"%u\"} %" PRIu64 "\n",
				route_name((enum http_route)r), s[i].status, s[i].n);
		if (d->requests_other_status[r])
			fprintf(f,
				"pyexec_http_requests_total{route=\"%s\",status=\"other\"} %" PRIu64 "\n",
				route_name((enum http_route)r), d->requests_other_status[r]);
	}
	header(f, "pyexec_http_request_duration_seconds", "histogram",
	       "Time from a request's first byte to its completion, by route.");
	for (int r = 0; r < ROUTE__COUNT; r++) {
		char labels[96];

		if (!d->request_duration[r].count)
			continue;
		label_pair(labels, sizeof(labels), "route", route_name((enum http_route)r));
		put_hist(f, "pyexec_http_request_duration_seconds", labels, &d->request_duration[r]);
	}
	header(f, "pyexec_http_rejected_total", "counter",
	       "Requests refused before running: queue_full (429), auth (401), too_large (413).");
	for (int i = 0; i < REJECT__COUNT; i++)
		fprintf(f, "pyexec_http_rejected_total{reason=\"%s\"} %" PRIu64 "\n", reject_names[i],
			d->rejected[i]);
}

static void render_executions(FILE *f, const struct metrics_data *d)
{
	bool ok_seen = false;

	header(f, "pyexec_executions_total", "counter",
	       "Executions answered, by outcome: ok or the response's error_type.");
	for (size_t i = 0; i < OUTCOME_SLOTS && d->outcomes[i].name[0]; i++) {
		ok_seen |= strcmp(d->outcomes[i].name, "ok") == 0;
		fputs("pyexec_executions_total{outcome=\"", f);
		put_label(f, d->outcomes[i].name);
		fprintf(f, "\"} %" PRIu64 "\n", d->outcomes[i].n);
	}
	if (!ok_seen)
		fputs("pyexec_executions_total{outcome=\"ok\"} 0\n", f);
	if (d->outcomes_other)
		fprintf(f, "pyexec_executions_total{outcome=\"other\"} %" PRIu64 "\n",
			d->outcomes_other);
	header(f, "pyexec_queue_wait_seconds", "histogram",
	       "Time an execution waited in the spawner for a slot.");
	put_hist(f, "pyexec_queue_wait_seconds", "", &d->queue_wait);
	header(f, "pyexec_sandbox_setup_seconds", "histogram",
	       "Time to build an execution's sandbox.");
	put_hist(f, "pyexec_sandbox_setup_seconds", "", &d->setup);
	header(f, "pyexec_execution_run_seconds", "histogram",
	       "Time a script ran, from sandbox ready to exit.");
	put_hist(f, "pyexec_execution_run_seconds", "", &d->run);
	put_counter(f, "pyexec_sandbox_setup_failures_total",
		    "Executions whose sandbox could not be built (500 sandbox_error).",
		    d->setup_failures);
	put_counter(f, "pyexec_executions_prebuilt_total",
		    "Executions that ran in a jail of the pool, built before their request (--pool).",
		    d->prebuilt);
	put_counter(f, "pyexec_executions_lean_total",
		    "Executions whose jail was cloned from the lean zygote (warm mode: the script "
		    "imports only --lean-preload modules).",
		    d->lean);
}

static void render_gauges(FILE *f, const struct metrics_gauges *g)
{
	put_counter(f, "pyexec_spawner_restarts_total",
		    "Spawners (in warm mode: zygotes) started to replace one that died or hung.",
		    g->spawner_restarts);
	put_gauge(f, "pyexec_slots_busy", "Executions running.", g->slots_busy);
	put_gauge(f, "pyexec_queue_depth", "Executions waiting for a slot.", g->queue_depth);
	put_gauge(f, "pyexec_slots_total", "Executions that may run at once (--slots).",
		  g->slots_total);
	put_gauge(f, "pyexec_queue_max", "Executions that may wait (--queue); 429 beyond.",
		  g->queue_max);
	put_gauge(f, "pyexec_spawner_up", "1 when the spawner is connected and healthy.",
		  g->spawner_up ? 1 : 0);
	header(f, "pyexec_build_info", "gauge", "Version, execution mode and cgroup version; always 1.");
	fputs("pyexec_build_info{version=\"", f);
	put_label(f, g->version ? g->version : "");
	fputs("\",mode=\"", f);
	put_label(f, g->mode ? g->mode : "");
	fputs("\",cgroup=\"", f);
	put_label(f, g->cgroup ? g->cgroup : "");
	fputs("\"} 1\n", f);
}

int metrics_render(struct http_metrics *m, const struct metrics_gauges *g, char **text,
		   size_t *len)
{
	struct metrics_data *d = malloc(sizeof(*d));
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int bad;

	if (!d)
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	*d = m->d;
	pthread_mutex_unlock(&m->lock);

	f = open_memstream(&buf, &n);
	if (!f) {
		free(d);
		return -ENOMEM;
	}
	render_requests(f, d);
	render_executions(f, d);
	render_gauges(f, g);
	bad = ferror(f);
	bad |= fclose(f);
	free(d);
	if (bad || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*text = buf;
	*len = n;
	return 0;
}
