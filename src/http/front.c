/*
 * libmicrohttpd glue for the front (see front.h): routing, body
 * accumulation, admission through the broker, suspend/resume, logging and
 * graceful shutdown.
 *
 * Threads: MHD's internal polling thread runs every callback below except
 * on_done(), which the broker calls from its own thread (or from the MHD
 * thread when a send fails, or from the main thread at shutdown); the main
 * thread waits for SIGTERM/SIGINT.
 *
 * Life of an /execute request (struct req, MHD's per-request pointer):
 *   RQ_RECEIVING  body bytes accumulate, capped at cfg->max_body_bytes
 *   RQ_WAITING    parsed, handed to the broker, connection suspended
 *   RQ_DONE       on_done() stored the response and resumed the connection
 *   RQ_ANSWERED   the response was queued; on_completed() logs and frees
 * A suspended connection is never closed by MHD (it neither times out nor
 * notices a disconnect), so a struct req cannot be freed while the broker
 * may still call on_done() for it.  The RQ_WAITING -> RQ_DONE step and
 * the response it carries are guarded by front.lock.
 *
 * Content-Type is not checked: the seeds always send application/json,
 * and a client that forgets the header gets the same answer rather than a
 * puzzling 415.
 *
 * Authentication (auth.h), when keys are configured, is decided on the
 * headers, before any body byte is read: /execute always, /metrics with
 * --metrics-auth; /health, /openapi.json and 404s never.  A refused request
 * that brings a body is answered at once (MHD then drops the body and
 * closes).  Metrics (metrics.h) are counted as requests complete and as
 * executions are answered.
 */
#include "http/front.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/broker.h"
#include "http/connguard.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "http/request.h"
#include "http/request_id.h"
#include "http/response.h"
#include "http/route.h"
#include "util/log.h"
#include "util/time.h"

#define SHUTDOWN_FLUSH_MS 2000u /* for answers already resumed to reach their clients */
/*
 * libmicrohttpd may hold this many connections beyond max_connections: the
 * guard shuts the surplus down itself, choosing whom, rather than
 * libmicrohttpd leaving whoever comes next in the accept queue.
 */
#define CONNECTION_HEADROOM 64u

/* Sent when even an error body could not be built (out of memory). */
static const char canned_500[] =
	"{\"success\":false,\"error\":\"Internal server error\",\"error_type\":\"internal_error\"}";

struct front {
	const struct pyexec_config *cfg;
	struct http_broker *broker;
	struct http_metrics *metrics;
	struct conn_guard *guard;
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when outstanding drops to 0 */
	uint32_t outstanding; /* admitted executions whose request has not completed */
	atomic_bool draining;
	atomic_uint_fast64_t id_counter;
	uint32_t pid, uid;
};

enum req_state { RQ_NEW, RQ_RECEIVING, RQ_WAITING, RQ_DONE, RQ_ANSWERED };

struct req {
	struct front *f;
	struct MHD_Connection *conn;
	struct conn_slot *slot; /* the connection's, in f->guard; NULL if untracked */
	char id[REQUEST_ID_MAX + 1];
	char method[16];
	char path[128];
	struct timespec start, submitted, finished;
	enum req_state state;
	enum http_route route;
	bool method_ok;
	enum auth_verdict auth; /* AUTH_OK unless refused on the headers */
	char *body;
	size_t len, cap;
	bool too_large, oom, admitted;
	struct response resp; /* RQ_DONE: the answer on_done() left for the MHD thread */
	bool have_usage;
	uint64_t queue_us, setup_us, wall_us;
	unsigned status; /* what was queued, for the log; 0 if nothing was */
	const char *error_type;
};

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* The guard's clock: the monotonic one every deadline here uses, in ms. */
static uint64_t now_ms(void)
{
	return time_now_us() / 1000u;
}

/* ---- answering ------------------------------------------------------------ */

/*
 * Queues r (and destroys our reference) with the common headers plus one
 * optional extra header.  Returns MHD's verdict; MHD_NO makes MHD close
 * the connection.
 */
static enum MHD_Result queue_answer(struct req *rq, unsigned status, struct MHD_Response *r,
				    const char *content_type, const char *hdr, const char *val)
{
	enum MHD_Result ret;

	/* A header that fails to attach (out of memory) is not worth dropping the answer for. */
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	(void)MHD_add_response_header(r, "X-Request-Id", rq->id);
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (hdr)
		(void)MHD_add_response_header(r, hdr, val);
	/* While draining, keep-alive would only invite requests we are about to refuse. */
	if (atomic_load(&rq->f->draining))
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(rq->conn, status, r);
	MHD_destroy_response(r);
	conn_guard_answering(rq->f->guard, rq->slot, now_ms());
	rq->status = status;
	rq->state = RQ_ANSWERED;
	return ret;
}

/* Queues resp (taking its body) as JSON; see queue_answer(). */
static enum MHD_Result send_resp(struct req *rq, struct response *resp, const char *hdr,
				 const char *val)
{
	struct MHD_Response *r;
	unsigned status = resp->status;

	if (resp->body) {
		r = MHD_create_response_from_buffer(resp->body_len, resp->body,
						    MHD_RESPMEM_MUST_FREE);
		if (!r) {
			response_release(resp);
			return MHD_NO;
		}
		resp->body = NULL; /* MHD frees it with free() */
		rq->error_type = resp->error_type;
	} else {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		rq->error_type = "internal_error";
		r = MHD_create_response_from_buffer(sizeof(canned_500) - 1, (void *)canned_500,
						    MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
	}
	return queue_answer(rq, status, r, "application/json", hdr, val);
}

static enum MHD_Result answer_error(struct req *rq, unsigned status, const char *type,
				    const char *message, const char *hdr, const char *val)
{
	struct response resp = { 0 };

	if (response_error(status, type, message, rq->id, &resp) < 0)
		resp.body = NULL;
	return send_resp(rq, &resp, hdr, val);
}

static enum MHD_Result answer_too_large(struct req *rq)
{
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "The request body exceeds the limit of %llu bytes",
		       (unsigned long long)rq->f->cfg->max_body_bytes);
	return answer_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", msg, NULL, NULL);
}

static enum MHD_Result answer_health(struct req *rq)
{
	struct front *f = rq->f;
	struct broker_status st;
	struct response_health h;
	struct response resp = { 0 };
	uint32_t busy;

	broker_get_status(f->broker, &st);
	busy = MIN(st.in_flight, f->cfg->slots);
	h = (struct response_health){
		.cfg = f->cfg,
		.hello = st.ready ? &st.hello : NULL,
		.healthy = st.healthy && !atomic_load(&f->draining),
		.reason = !st.ready		     ? "The sandbox service has not started yet"
			  : !st.healthy		     ? "The sandbox service is unavailable"
			  : atomic_load(&f->draining) ? "The service is shutting down"
						     : NULL,
		.front_pid = f->pid,
		.front_uid = f->uid,
		.busy = busy,
		.queued = st.in_flight - busy,
		.lean_zygote_pid = st.ready ? st.lean_zygote_pid : 0,
	};
	if (response_health(&h, &resp) < 0)
		resp.body = NULL;
	return send_resp(rq, &resp, NULL, NULL);
}

static enum MHD_Result answer_metrics(struct req *rq)
{
	static const char *const cg_versions[] = { "none", "v1", "v2" };
	struct front *f = rq->f;
	struct broker_status st;
	struct metrics_gauges g;
	struct MHD_Response *r;
	char *text = NULL;
	size_t len = 0;
	uint32_t busy;

	broker_get_status(f->broker, &st);
	busy = MIN(st.in_flight, f->cfg->slots);
	g = (struct metrics_gauges){
		.slots_busy = busy,
		.queue_depth = st.in_flight - busy,
		.slots_total = f->cfg->slots,
		.queue_max = f->cfg->queue,
		.spawner_restarts = st.spawner_restarts,
		.spawner_up = st.healthy,
		.version = PYEXEC_VERSION,
		/* What the spawner reports once it said hello; what was asked for until then. */
		.mode = config_mode_name(st.ready ? (enum exec_mode)st.hello.mode : f->cfg->mode),
		.cgroup = st.ready && st.hello.cgroup_version < ARRAY_SIZE(cg_versions)
				  ? cg_versions[st.hello.cgroup_version]
				  : config_cgroup_name(f->cfg->cgroup),
	};
	if (metrics_render(f->metrics, &g, &text, &len) < 0)
		return answer_error(rq, 500, "internal_error", "Out of memory", NULL, NULL);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	return queue_answer(rq, MHD_HTTP_OK, r, "text/plain; version=0.0.4; charset=utf-8", NULL,
			    NULL);
}

static enum MHD_Result answer_openapi(struct req *rq)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		pyexec_openapi_json_len, (void *)pyexec_openapi_json, MHD_RESPMEM_PERSISTENT);

	if (!r)
		return MHD_NO;
	return queue_answer(rq, MHD_HTTP_OK, r, "application/json", NULL, NULL);
}

static enum MHD_Result answer_unauthorized(struct req *rq)
{
	if (rq->auth == AUTH_INVALID)
		return answer_error(rq, MHD_HTTP_UNAUTHORIZED, "unauthorized", "Invalid API key",
				    MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				    "Bearer realm=\"pyexec\", error=\"invalid_token\"");
	return answer_error(rq, MHD_HTTP_UNAUTHORIZED, "unauthorized",
			    "Authentication required: send Authorization: Bearer <API key>",
			    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"pyexec\"");
}

/* ---- /execute ------------------------------------------------------------- */

static void body_append(struct req *rq, const char *data, size_t n)
{
	uint64_t max = rq->f->cfg->max_body_bytes;

	if (rq->too_large || rq->oom)
		return;
	if (n > max - rq->len) {
		/* Keep reading (and dropping) the rest, then answer 413 once. */
		rq->too_large = true;
		free(rq->body);
		rq->body = NULL;
		rq->len = rq->cap = 0;
		return;
	}
	if (rq->len + n > rq->cap) {
		size_t cap = rq->cap ? rq->cap : 16384;
		char *p;

		while (cap < rq->len + n)
			cap *= 2;
		cap = MIN(cap, (size_t)max);
		p = realloc(rq->body, cap);
		if (!p) {
			rq->oom = true;
			return;
		}
		rq->body = p;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
}

/* Runs under the broker lock, just before the IPC_EXEC is sent. */
static void on_suspend(void *cookie, uint64_t exec_id)
{
	struct req *rq = cookie;
	struct front *f = rq->f;

	rq->state = RQ_WAITING;
	rq->admitted = true;
	conn_guard_executing(f->guard, rq->slot, exec_id);
	pthread_mutex_lock(&f->lock);
	f->outstanding++;
	pthread_mutex_unlock(&f->lock);
	MHD_suspend_connection(rq->conn);
}

/* The broker's answer for an admitted request; any thread. */
static void on_done(void *cookie, struct response *resp, const struct ipc_result *res)
{
	struct req *rq = cookie;
	struct front *f = rq->f;

	metrics_count_execution(f->metrics, resp->body ? resp->error_type : "internal_error", res);
	pthread_mutex_lock(&f->lock);
	rq->resp = *resp;
	if (res) {
		rq->have_usage = true;
		rq->queue_us = res->queue_us;
		rq->setup_us = res->setup_us;
		rq->wall_us = res->wall_us;
	}
	clock_gettime(CLOCK_MONOTONIC, &rq->finished);
	rq->state = RQ_DONE;
	pthread_mutex_unlock(&f->lock);
	/* Last touch of rq from this thread: once resumed, MHD may complete and free it. */
	MHD_resume_connection(rq->conn);
}

static enum MHD_Result execute(struct req *rq)
{
	struct front *f = rq->f;
	struct exec_request req = { 0 };
	struct request_error err;
	struct broker_job job;
	int r;

	if (rq->too_large)
		return answer_too_large(rq);
	if (rq->oom)
		return answer_error(rq, 500, "internal_error", "Out of memory", NULL, NULL);
	if (atomic_load(&f->draining))
		return answer_error(rq, 503, "unavailable", "The service is shutting down", NULL,
				    NULL);

	r = request_parse(rq->body ? rq->body : "", rq->len, f->cfg, &req, &err);
	free(rq->body);
	rq->body = NULL;
	rq->len = rq->cap = 0;
	if (r == -EINVAL)
		return answer_error(rq, err.http_status, err.error_type, err.message, NULL, NULL);
	if (r < 0)
		return answer_error(rq, 500, "internal_error", "Out of memory", NULL, NULL);

	job = (struct broker_job){
		.req = &req,
		.request_id = rq->id,
		.suspend = on_suspend,
		.cookie = rq,
	};
	clock_gettime(CLOCK_MONOTONIC, &rq->submitted);
	r = broker_submit(f->broker, &job);
	request_free(&req);
	/* Accepted: on_done() may already have run; rq belongs to the broker until resumed. */
	if (r == 0)
		return MHD_YES;

	switch (r) {
	case -EBUSY:
		return answer_error(rq, MHD_HTTP_TOO_MANY_REQUESTS, "queue_full",
				    "Too many executions are running or queued; retry shortly",
				    MHD_HTTP_HEADER_RETRY_AFTER, "1");
	case -ENOTCONN:
		return answer_error(rq, 503, "unavailable", "The sandbox service is unavailable",
				    MHD_HTTP_HEADER_RETRY_AFTER, "1");
	case -ESHUTDOWN:
		return answer_error(rq, 503, "unavailable", "The service is shutting down", NULL,
				    NULL);
	default:
		return answer_error(rq, 500, "internal_error", "The script could not be handed over",
				    NULL, NULL);
	}
}

/* ---- MHD callbacks -------------------------------------------------------- */

static struct req *req_new(struct front *f, struct MHD_Connection *conn, const char *url,
			   const char *method)
{
	struct req *rq = calloc(1, sizeof(*rq));
	const union MHD_ConnectionInfo *ci;
	const char *cid;

	if (!rq)
		return NULL;
	rq->f = f;
	rq->conn = conn;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	rq->slot = ci ? ci->socket_context : NULL;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	(void)snprintf(rq->method, sizeof(rq->method), "%s", method);
	(void)snprintf(rq->path, sizeof(rq->path), "%s", url);
	cid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	if (cid && request_id_valid(cid))
		(void)snprintf(rq->id, sizeof(rq->id), "%s", cid);
	else
		request_id_make(rq->id, sizeof(rq->id), atomic_fetch_add(&f->id_counter, 1) ^ f->pid);
	return rq;
}

/* The answer for a complete request (or one answered without its body). */
static enum MHD_Result answer_route(struct req *rq)
{
	char msg[96];

	if (rq->auth != AUTH_OK)
		return answer_unauthorized(rq);
	if (rq->route == ROUTE_OTHER)
		return answer_error(rq, MHD_HTTP_NOT_FOUND, "not_found",
				    "Not found; the endpoints are POST /execute, GET /health, "
				    "GET /metrics and GET /openapi.json",
				    NULL, NULL);
	if (!rq->method_ok) {
		(void)snprintf(msg, sizeof(msg), "Method not allowed on %s; use %s",
			       route_name(rq->route), route_method(rq->route));
		return answer_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", msg,
				    MHD_HTTP_HEADER_ALLOW, route_allow(rq->route));
	}
	switch (rq->route) {
	case ROUTE_EXECUTE:
		return execute(rq);
	case ROUTE_HEALTH:
		return answer_health(rq);
	case ROUTE_METRICS:
		return answer_metrics(rq);
	case ROUTE_OPENAPI:
	default:
		return answer_openapi(rq);
	}
}

/* Whether the route needs an API key (when keys are configured at all). */
static bool route_protected(const struct pyexec_config *cfg, enum http_route route)
{
	return route == ROUTE_EXECUTE || (route == ROUTE_METRICS && cfg->metrics_auth);
}

/* Content-Length as a number; false when absent or not a number. */
static bool content_length(struct MHD_Connection *conn, unsigned long long *n)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;

	if (!cl)
		return false;
	errno = 0;
	*n = strtoull(cl, &end, 10);
	return end != cl && errno == 0;
}

struct framing {
	unsigned content_lengths, transfer_encodings;
	bool coding_unknown;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind _unused_, const char *key,
				     const char *value)
{
	struct framing *fr = cls;

	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		fr->content_lengths++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		fr->transfer_encodings++;
		fr->coding_unknown |= !value || strcasecmp(value, "chunked") != 0;
	}
	return MHD_YES;
}

/*
 * Why the body's length is ambiguous, or NULL when it is not.  A request
 * that two parsers could frame differently (request smuggling through a
 * proxy in front of us) is refused rather than guessed at: two
 * Content-Length headers, Content-Length next to Transfer-Encoding, or a
 * coding other than chunked (which libmicrohttpd would otherwise wait on
 * until the timeout).  A Content-Length that is not a number never gets
 * here: libmicrohttpd refuses it itself.
 */
static const char *framing_problem(struct MHD_Connection *conn)
{
	struct framing fr = { 0 };

	(void)MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &fr);
	if (fr.content_lengths > 1)
		return "Invalid request framing: more than one Content-Length header";
	if (fr.content_lengths && fr.transfer_encodings)
		return "Invalid request framing: both Content-Length and Transfer-Encoding";
	if (fr.transfer_encodings > 1 || fr.coding_unknown)
		return "Invalid request framing: the only transfer coding accepted is chunked";
	return NULL;
}

/*
 * First call for a request: headers are in, no body yet.  Answers that
 * need no body wait for the (empty) body so the connection stays usable
 * for keep-alive; a request that brings a body it does not need, or an
 * /execute body announced over the limit, is answered now: MHD then skips
 * any 100-continue, does not read the body, and closes after the answer.
 */
static enum MHD_Result on_headers(struct req *rq, const char *url, const char *method)
{
	struct front *f = rq->f;
	unsigned long long n = 0;
	bool has_len = content_length(rq->conn, &n);
	bool has_body = (has_len && n > 0) ||
			MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_TRANSFER_ENCODING);

	const char *framing = framing_problem(rq->conn);

	/* Answered now, the body unread: libmicrohttpd closes the connection after the answer. */
	if (framing)
		return answer_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_request", framing, NULL, NULL);
	rq->route = route_find(url);
	rq->method_ok = route_method_ok(rq->route, method);
	if (route_protected(f->cfg, rq->route))
		rq->auth = auth_check(f->cfg, MHD_lookup_connection_value(
						      rq->conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_AUTHORIZATION));
	if (rq->auth != AUTH_OK && has_body)
		return answer_unauthorized(rq);
	if (rq->route == ROUTE_EXECUTE && rq->method_ok && has_len && n > f->cfg->max_body_bytes)
		return answer_too_large(rq);
	if ((rq->route != ROUTE_EXECUTE || !rq->method_ok) && has_body)
		return answer_route(rq);
	rq->state = RQ_RECEIVING;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version _unused_,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct front *f = cls;
	struct req *rq = *con_cls;
	struct response resp = { 0 };
	enum req_state state;

	if (!rq) {
		rq = req_new(f, conn, url, method);
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return on_headers(rq, url, method);
	}

	switch (rq->state) {
	case RQ_RECEIVING:
		if (*upload_size > 0) {
			if (rq->route == ROUTE_EXECUTE && rq->method_ok)
				body_append(rq, upload_data, *upload_size);
			*upload_size = 0;
			return MHD_YES;
		}
		return answer_route(rq);
	case RQ_WAITING:
	case RQ_DONE:
		pthread_mutex_lock(&f->lock);
		state = rq->state;
		if (state == RQ_DONE) {
			resp = rq->resp;
			rq->resp = (struct response){ 0 };
		}
		pthread_mutex_unlock(&f->lock);
		if (state != RQ_DONE)
			return MHD_YES; /* not resumed by us: nothing to say yet */
		return send_resp(rq, &resp, NULL, NULL);
	default:
		/* Answered at the first call; drop whatever body still arrives. */
		*upload_size = 0;
		return MHD_YES;
	}
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "ok";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read_error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client_abort";
	default:
		return "other";
	}
}

/* One line per request; never the script or its output. */
static void log_request(struct req *rq, enum MHD_RequestTerminationCode toe)
{
	struct timespec now;
	char status[8], total[24], exec[24] = "", q[24] = "", s[24] = "", w[24] = "";

	clock_gettime(CLOCK_MONOTONIC, &now);
	(void)snprintf(status, sizeof(status), "%u", rq->status);
	(void)snprintf(total, sizeof(total), "%.3f", ms_between(&rq->start, &now));
	if (rq->admitted && rq->state >= RQ_DONE)
		(void)snprintf(exec, sizeof(exec), "%.3f", ms_between(&rq->submitted, &rq->finished));
	if (rq->have_usage) {
		(void)snprintf(q, sizeof(q), "%.3f", (double)rq->queue_us / 1000.0);
		(void)snprintf(s, sizeof(s), "%.3f", (double)rq->setup_us / 1000.0);
		(void)snprintf(w, sizeof(w), "%.3f", (double)rq->wall_us / 1000.0);
	}
	log_event(rq->status >= 500 || rq->status == 0 ? LOG_WARN : LOG_INFO, "request",
		  "request_id", rq->id, "method", rq->method, "path", rq->path, "status", status,
		  "error_type", rq->error_type ? rq->error_type : "", "duration_ms", total,
		  "exec_ms", exec, "queue_ms", q, "setup_ms", s, "wall_ms", w, "termination",
		  termination_name(toe), NULL);
}

static void on_completed(void *cls, struct MHD_Connection *conn _unused_, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct front *f = cls;
	struct req *rq = *con_cls;

	if (!rq)
		return;
	/* Kept alive, the connection waits for its next request from now. */
	conn_guard_waiting(f->guard, rq->slot, now_ms());
	log_request(rq, toe);
	if (rq->status != 0) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		metrics_count_request(f->metrics, rq->route, rq->status,
				      (uint64_t)(ms_between(&rq->start, &now) * 1000.0));
	}
	if (rq->admitted) {
		pthread_mutex_lock(&f->lock);
		if (--f->outstanding == 0)
			pthread_cond_broadcast(&f->idle);
		pthread_mutex_unlock(&f->lock);
	}
	free(rq->body);
	response_release(&rq->resp);
	free(rq);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct front *f = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		/* Before libmicrohttpd closes the socket: the guard never shuts a reused fd. */
		conn_guard_close(f->guard, *socket_context);
		*socket_context = NULL;
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	*socket_context = ci ? conn_guard_open(f->guard, ci->connect_fd, now_ms()) : NULL;
}

static void on_mhd_log(void *cls _unused_, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_event(LOG_WARN, "mhd", "message", buf, NULL);
}

/* ---- running -------------------------------------------------------------- */

/* Waits until no admitted request is left or ms pass; true when idle. */
static bool wait_idle(struct front *f, uint64_t ms)
{
	struct timespec deadline;
	bool idle;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)(ms / 1000);
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (f->outstanding > 0)
		if (pthread_cond_timedwait(&f->idle, &f->lock, &deadline) == ETIMEDOUT)
			break;
	idle = f->outstanding == 0;
	pthread_mutex_unlock(&f->lock);
	return idle;
}

static int front_init(struct front *f, const struct pyexec_config *cfg)
{
	pthread_condattr_t ca;
	int r;

	f->cfg = cfg;
	f->pid = (uint32_t)getpid();
	f->uid = (uint32_t)getuid();
	atomic_init(&f->draining, false);
	atomic_init(&f->id_counter, 0);
	r = metrics_new(&f->metrics);
	if (r < 0)
		return r;
	r = conn_guard_new(cfg->max_connections, cfg->client_timeout_ms, &f->guard);
	if (r < 0) {
		metrics_free(TAKE_PTR(f->metrics));
		return r;
	}
	r = -pthread_mutex_init(&f->lock, NULL);
	if (r < 0) {
		conn_guard_free(TAKE_PTR(f->guard));
		metrics_free(TAKE_PTR(f->metrics));
		return r;
	}
	r = -pthread_condattr_init(&ca);
	if (r == 0) {
		r = -pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		if (r == 0)
			r = -pthread_cond_init(&f->idle, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (r < 0) {
		pthread_mutex_destroy(&f->lock);
		conn_guard_free(TAKE_PTR(f->guard));
		metrics_free(TAKE_PTR(f->metrics));
	}
	return r;
}

/*
 * Stops the executions whose client hung up (the spawner kills them and
 * the slot frees at once, not at the script's own timeout), then shuts
 * down connections past their deadline; each says so once per sweep.
 */
static void sweep_connections(struct front *f)
{
	struct conn_guard_counts c;
	char n[24], open[16], evicted[24];
	uint64_t gone[64];
	size_t ngone = conn_guard_gone(f->guard, gone, ARRAY_SIZE(gone));
	unsigned expired = conn_guard_sweep(f->guard, now_ms());
	uint32_t tracked;

	for (size_t i = 0; i < ngone; i++)
		broker_cancel(f->broker, gone[i]);
	if (ngone > 0) {
		(void)snprintf(n, sizeof(n), "%zu", ngone);
		log_event(LOG_INFO, "client_gone", "executions_stopped", n, NULL);
	}
	if (expired == 0)
		return;
	conn_guard_counts(f->guard, &c, &tracked);
	(void)snprintf(n, sizeof(n), "%u", expired);
	(void)snprintf(open, sizeof(open), "%u", tracked);
	(void)snprintf(evicted, sizeof(evicted), "%llu", (unsigned long long)c.evicted);
	log_event(LOG_WARN, "client_timeout", "connections", n, "open", open, "evicted_total",
		  evicted, NULL);
}

static void front_shutdown(struct front *f, struct MHD_Daemon *d, int *mhd_fd)
{
	/* Platforms give a fixed time between SIGTERM and SIGKILL (Cloud Run: 10 s). */
	uint64_t grace = f->cfg->shutdown_grace_ms;
	MHD_socket q;

	atomic_store(&f->draining, true);
	broker_drain(f->broker);
	q = MHD_quiesce_daemon(d);
	if (q != MHD_INVALID_SOCKET) {
		/*
		 * MHD hands the socket back and no longer polls it; shutting it
		 * down makes the kernel refuse new connections now instead of
		 * queueing them until we exit.  Closing waits for MHD_stop_daemon().
		 */
		shutdown(q, SHUT_RDWR);
		*mhd_fd = q;
	}
	if (!wait_idle(f, grace)) {
		log_event(LOG_WARN, "shutdown_abandon", "reason", "executions still running", NULL);
		broker_fail_all(f->broker, "The service is shutting down");
		(void)wait_idle(f, SHUTDOWN_FLUSH_MS);
	}
	/* Every suspended connection must be resumed before MHD_stop_daemon(). */
	broker_stop(f->broker);
	(void)wait_idle(f, SHUTDOWN_FLUSH_MS);
}

/*
 * Every connection is a descriptor: the soft RLIMIT_NOFILE (often 1024)
 * is raised, as far as the hard one allows, to hold all of them and ours.
 */
static void raise_nofile_limit(const struct pyexec_config *cfg)
{
	rlim_t want = (rlim_t)cfg->max_connections + CONNECTION_HEADROOM + 64;
	struct rlimit rl;
	char w[24], got[24];

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = MIN(want, rl.rlim_max);
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want)
		return;
	(void)snprintf(w, sizeof(w), "%llu", (unsigned long long)want);
	(void)getrlimit(RLIMIT_NOFILE, &rl);
	(void)snprintf(got, sizeof(got), "%llu", (unsigned long long)rl.rlim_cur);
	log_event(LOG_WARN, "nofile_limit", "reason",
		  "the open-file limit is below --max-connections; connections beyond it wait",
		  "wanted", w, "limit", got, NULL);
}

int http_front_run(const struct pyexec_config *cfg, int listen_fd, int spawner_sock, int ctl_fd)
{
	_cleanup_close_ int lfd = listen_fd, sfd = spawner_sock, cfd = ctl_fd, mhd_fd = -1;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct MHD_Daemon *d = NULL;
	sigset_t stop, old;
	struct front f = { 0 };
	siginfo_t si;
	/* A deadline is kept to within a quarter of the timeout, and a second at most. */
	uint32_t sweep_ms = MIN(1000u, MAX(50u, cfg->client_timeout_ms / 4));
	const struct timespec sweep_period = { .tv_sec = sweep_ms / 1000,
					       .tv_nsec = (long)(sweep_ms % 1000) * 1000000L };
	char signame[16];
	int r;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	/* Before any thread exists, so MHD's and the broker's threads inherit the mask. */
	r = -pthread_sigmask(SIG_BLOCK, &stop, &old);
	if (r < 0)
		return r;
	/* A client or spawner that hangs up must cost a write error, not the process. */
	if (sigaction(SIGPIPE, &ign, NULL) < 0) {
		r = neg_errno();
		goto out_mask;
	}
	raise_nofile_limit(cfg);
	r = front_init(&f, cfg);
	if (r < 0)
		goto out_mask;
	r = broker_new(cfg, sfd, cfd, on_done, &f.broker);
	if (r < 0)
		goto out_front;
	sfd = cfd = -1; /* the broker's now */
	r = broker_start(f.broker);
	if (r < 0)
		goto out_broker;

	/*
	 * MHD gets its own descriptor for the listening socket: it closes it
	 * at stop (or hands it back at quiesce), while lfd stays ours, so no
	 * path closes one fd number twice.
	 */
	mhd_fd = fcntl(lfd, F_DUPFD_CLOEXEC, 3);
	if (mhd_fd < 0) {
		r = neg_errno();
		goto out_broker;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, &f,
			     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &f,
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)mhd_fd,
			     MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)(cfg->max_connections + CONNECTION_HEADROOM),
			     /* an idle timeout: the guard's deadlines are tighter, this is a backstop */
			     MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)((cfg->client_timeout_ms + 999) / 1000),
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &f,
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, &f,
			     MHD_OPTION_END);
	if (!d) {
		log_event(LOG_ERROR, "front_start_failed", NULL);
		/*
		 * Whether MHD closed mhd_fd on this path is not documented;
		 * leaking one descriptor on the way out beats closing a number
		 * that may have been reused.
		 */
		mhd_fd = -1;
		r = -EIO;
		goto out_broker;
	}
	mhd_fd = -1; /* MHD's now, until quiesce hands it back */
	log_event(LOG_INFO, "front_ready", NULL);

	for (;;) {
		int sig = sigtimedwait(&stop, &si, &sweep_period);

		if (sig > 0) {
			(void)snprintf(signame, sizeof(signame), "SIG%s", sigabbrev_np(sig));
			break;
		}
		if (sig < 0 && errno == EAGAIN)
			sweep_connections(&f);
	}
	log_event(LOG_INFO, "shutdown_begin", "signal", signame, NULL);
	front_shutdown(&f, d, &mhd_fd);
	MHD_stop_daemon(d);
	log_event(LOG_INFO, "shutdown_done", NULL);
	r = 0;

out_broker:
	broker_free(f.broker);
out_front:
	pthread_cond_destroy(&f.idle);
	pthread_mutex_destroy(&f.lock);
	conn_guard_free(f.guard);
	metrics_free(f.metrics);
out_mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}
