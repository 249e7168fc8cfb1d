/*
 * Response bodies (see response.h for what is trusted and what is not).
 *
 * Invariants:
 *  - every string that enters a json_t here is valid UTF-8 (repaired by
 *    utf8_sanitize() or decoded by runner_doc_parse()), so the serialiser
 *    below never meets a byte sequence it cannot print;
 *  - the error_type of a response is always one of this file's static
 *    strings, never text from the sandbox;
 *  - on failure nothing is handed out: *resp is only written by finish();
 *  - the runner's document is never turned into a tree (runner_doc.h says
 *    why); main()'s value is copied as the text the runner wrote, which
 *    runner_doc_parse() has validated.
 */
#include "http/response.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/runner_doc.h"
#include "jail/stage.h"
#include "util/utf8.h"

#define MIB 1048576.0

/* ---- serialiser ---------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (n >= b->cap - b->len || !b->p) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap - b->len <= n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void emit_string(struct sbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	sb_put(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		/* Flush the run of bytes that needed no escaping, then the escape. */
		sb_put(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		sb_put(b, esc, n);
	}
	sb_put(b, s + run, len - run);
	sb_put(b, "\"", 1);
}

/*
 * The shortest decimal that strtod() reads back as d, laid out as Python's
 * repr() lays out floats: positional for exponents -4..15 (always with a
 * fraction, "3.0"), scientific otherwise ("1e+16", "1.5e-07").
 */
static void emit_real(struct sbuf *b, double d)
{
	char buf[64];
	int p, exp;

	for (p = 1; p < 17; p++) {
		(void)snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	(void)snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
	exp = atoi(strchr(buf, 'e') + 1);
	if (exp >= -4 && exp < 16) {
		int n = snprintf(buf, sizeof(buf), "%.*f", MAX(p - 1 - exp, 0), d);

		sb_put(b, buf, (size_t)MAX(n, 0));
		if (!strchr(buf, '.'))
			sb_put(b, ".0", 2);
		return;
	}
	sb_str(b, buf);
}

static void emit_value(struct sbuf *b, const json_t *v);

/* The members of object v, each preceded by a comma unless first. */
static void emit_members(struct sbuf *b, const json_t *v, bool first)
{
	for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
		if (!first)
			sb_put(b, ",", 1);
		first = false;
		emit_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
		sb_put(b, ":", 1);
		emit_value(b, json_object_iter_value(it));
	}
}

static void emit_value(struct sbuf *b, const json_t *v)
{
	char num[32];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		sb_put(b, "{", 1);
		emit_members(b, v, true);
		sb_put(b, "}", 1);
		break;
	case JSON_ARRAY:
		sb_put(b, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				sb_put(b, ",", 1);
			emit_value(b, json_array_get(v, i));
		}
		sb_put(b, "]", 1);
		break;
	case JSON_STRING:
		emit_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		(void)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		sb_str(b, num);
		break;
	case JSON_REAL:
		emit_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		sb_str(b, "true");
		break;
	case JSON_FALSE:
		sb_str(b, "false");
		break;
	case JSON_NULL:
		sb_str(b, "null");
		break;
	}
}

/* ---- building ------------------------------------------------------------ */

/*
 * A document under construction.  Setters record an allocation failure in
 * `oom` instead of returning it, so builders read as a list of fields and
 * check once at the end.
 */
struct doc {
	json_t *root;
	bool oom;
};

static void doc_init(struct doc *d)
{
	d->root = json_object();
	d->oom = !d->root;
}

/* Stores v (a new reference, NULL meaning its allocation failed) under key; consumes v. */
static void put(struct doc *d, json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v) {
		json_decref(v);
		d->oom = true;
		return;
	}
	/* jansson consumes v even when this fails. */
	if (json_object_set_new_nocheck(obj, key, v) < 0)
		d->oom = true;
}

/* Any bytes, repaired to valid UTF-8. */
static json_t *str_bytes(const char *s, size_t len)
{
	_cleanup_free_ char *clean = NULL;
	size_t clean_len;

	if (utf8_sanitize(s, len, &clean, &clean_len) < 0)
		return NULL;
	return json_stringn_nocheck(clean, clean_len);
}

static json_t *str_c(const char *s)
{
	return str_bytes(s, strlen(s));
}

static void put_timestamp(struct doc *d)
{
	char ts[32];

	response_timestamp(ts, sizeof(ts));
	put(d, d->root, "timestamp", json_string_nocheck(ts));
}

/*
 * Serialises d (consuming it) into *resp.  With raw, the body starts
 * {"success":true,"result":<raw>, then d's members follow.  0 or -ENOMEM.
 */
static int finish_raw(struct doc *d, unsigned status, const char *error_type, const char *raw,
		      size_t raw_len, struct response *resp)
{
	struct sbuf b = { 0 };

	if (!d->oom && raw) {
		sb_str(&b, "{\"success\":true,\"result\":");
		sb_put(&b, raw, raw_len);
		emit_members(&b, d->root, false);
		sb_put(&b, "}", 1);
	} else if (!d->oom) {
		emit_value(&b, d->root);
	}
	json_decref(d->root);
	d->root = NULL;
	if (d->oom || b.oom || !b.p) {
		free(b.p);
		return -ENOMEM;
	}
	resp->status = status;
	resp->error_type = error_type;
	resp->body = b.p;
	resp->body_len = b.len;
	return 0;
}

static int finish(struct doc *d, unsigned status, const char *error_type, struct response *resp)
{
	return finish_raw(d, status, error_type, NULL, 0, resp);
}

void response_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	(void)snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		       ts.tv_nsec / 1000000);
}

void response_release(struct response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

int response_error(unsigned status, const char *error_type, const char *message,
		   const char *request_id, struct response *resp)
{
	struct doc d;

	doc_init(&d);
	put(&d, d.root, "success", json_false());
	put(&d, d.root, "error", str_c(message));
	put(&d, d.root, "error_type", json_string(error_type));
	put_timestamp(&d);
	if (request_id)
		put(&d, d.root, "request_id", str_c(request_id));
	return finish(&d, status, error_type, resp);
}

/* ---- execution results --------------------------------------------------- */

/* Error codes the runner may report, with their status; anything else is a runtime_error. */
static const struct runner_error {
	const char *type;
	unsigned status;
	const char *fallback; /* sentence when the runner sent none */
} runner_errors[] = {
	{ "syntax_error", 400, "The script has a syntax error" },
	{ "missing_main", 400, "Validation error: Script must contain a main() function" },
	{ "invalid_encoding", 400, "The script is not valid UTF-8 source" },
	{ "runtime_error", 422, "main() raised an exception" },
	{ "system_exit", 422, "The script called sys.exit() before main() returned" },
	{ "memory_limit", 422, "The script ran out of memory" },
	{ "main_not_callable", 422, "Validation error: main must be a function" },
	{ "result_not_serializable", 422, "The return value of main() is not JSON serializable" },
	{ "result_nan", 422, "The return value of main() contains NaN or Infinity" },
};

static const struct runner_error *runner_error_find(const char *type)
{
	for (size_t i = 0; type && i < ARRAY_SIZE(runner_errors); i++)
		if (strcmp(type, runner_errors[i].type) == 0)
			return &runner_errors[i];
	/* Never echo a code we do not know: the sandbox could make up anything. */
	return runner_error_find("runtime_error");
}

/* A string member of the runner's document, cut to max bytes at a character boundary. */
static void copy_runner_str(struct doc *d, const char *key, const struct runner_str *str,
			    size_t max)
{
	if (str->s)
		put(d, d->root, key, json_stringn_nocheck(str->s, utf8_truncate(str->s, str->len, max)));
}

/* The members every execution response carries, after the outcome-specific ones. */
static void put_exec_common(struct doc *d, const struct ipc_result *res,
			    const struct response_exec *ex, const char *out, size_t out_len,
			    const char *err, size_t err_len)
{
	json_t *usage = json_object();

	put(d, d->root, "stdout", str_bytes(out, out_len));
	put(d, d->root, "stderr", str_bytes(err, err_len));
	put(d, d->root, "stdout_truncated", json_boolean(res->flags & RESULT_STDOUT_TRUNCATED));
	put(d, d->root, "stderr_truncated", json_boolean(res->flags & RESULT_STDERR_TRUNCATED));
	put_timestamp(d);
	put(d, d->root, "execution_method", json_string_nocheck("sandbox"));
	put(d, d->root, "request_id", str_c(ex->request_id ? ex->request_id : ""));
	put(d, usage, "wall_ms", json_real((double)res->wall_us / 1000.0));
	put(d, usage, "cpu_ms", json_real((double)res->cpu_us / 1000.0));
	put(d, usage, "peak_memory_bytes",
	    json_integer((json_int_t)MIN(res->peak_memory_bytes, (uint64_t)INT64_MAX)));
	put(d, usage, "queue_ms", json_real((double)res->queue_us / 1000.0));
	put(d, usage, "setup_ms", json_real((double)res->setup_us / 1000.0));
	put(d, d->root, "usage", usage);
}

struct exec_io {
	const struct ipc_result *res;
	const struct response_exec *ex;
	const char *out, *err;
	size_t out_len, err_len;
};

/*
 * An execution that failed.  runner is the runner's ok:false document, or
 * NULL when the failure was seen by the spawner; its optional members were
 * type-checked by runner_doc_parse().
 */
static int exec_failure(const struct exec_io *io, unsigned status, const char *type,
			const char *message, const struct runner_doc *runner,
			struct response *resp)
{
	struct doc d;

	doc_init(&d);
	put(&d, d.root, "success", json_false());
	put(&d, d.root, "error", str_c(message));
	put(&d, d.root, "error_type", json_string_nocheck(type));
	if (runner) {
		copy_runner_str(&d, "exception_type", &runner->exception_type,
				RESPONSE_MAX_EXCTYPE_BYTES);
		if (runner->has_line)
			put(&d, d.root, "line", json_integer(runner->line));
		if (runner->has_column)
			put(&d, d.root, "column", json_integer(runner->column));
		copy_runner_str(&d, "traceback", &runner->traceback, RESPONSE_MAX_TRACEBACK_BYTES);
	}
	put_exec_common(&d, io->res, io->ex, io->out, io->out_len, io->err, io->err_len);
	return finish(&d, status, type, resp);
}

_printf_(5, 6) static int exec_failuref(const struct exec_io *io, struct response *resp,
					unsigned status, const char *type, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return exec_failure(io, status, type, msg, NULL, resp);
}

/* "30", "0.5": a limit as a person would write it. */
static const char *amount(char *buf, size_t size, double v)
{
	(void)snprintf(buf, size, "%.3f", v);
	/* Drop trailing zeros and a trailing point: 30.000 -> 30, 0.500 -> 0.5. */
	for (char *e = buf + strlen(buf) - 1; e > buf && (*e == '0' || *e == '.'); e--) {
		bool point = *e == '.';
		*e = '\0';
		if (point)
			break;
	}
	return buf;
}

static const char *errno_text(int e)
{
	const char *s = e > 0 ? strerrordesc_np(e) : NULL;
	return s ? s : "unknown error";
}

/* The runner's own report, from inside the sandbox: parsed with suspicion. */
static int from_runner_doc(const struct exec_io *io, const char *doc, size_t doc_len,
			   struct response *resp)
{
	struct runner_doc rd;
	int r;

	r = runner_doc_parse(doc, doc_len, &rd);
	if (r == -ENOMEM)
		return r;
	if (r == -ERANGE)
		/* Python ints are unbounded; the response keeps to int64, as strict parsers do. */
		return exec_failure(io, 422, "result_not_serializable",
				    "The return value of main() contains a number outside the "
				    "64-bit range, which is not supported",
				    NULL, resp);
	if (r < 0)
		return exec_failure(io, 422, "result_invalid",
				    "The sandbox returned a malformed result document", NULL, resp);

	if (rd.ok == 1 && rd.result) {
		struct doc d;

		doc_init(&d);
		put_exec_common(&d, io->res, io->ex, io->out, io->out_len, io->err, io->err_len);
		r = finish_raw(&d, 200, NULL, rd.result, rd.result_len, resp);
	} else if (rd.ok == 0) {
		const struct runner_error *e = runner_error_find(rd.error_type.s);
		/*
		 * Used as a C string: a NUL in the message cuts it short, which
		 * can only shorten what the sandbox says, never widen it.
		 */
		const char *text = rd.error.s && rd.error.s[0] ? rd.error.s : e->fallback;
		char *cut = NULL;

		if (strlen(text) > RESPONSE_MAX_ERROR_BYTES) {
			size_t n = utf8_truncate(text, strlen(text), RESPONSE_MAX_ERROR_BYTES);
			cut = strndup(text, n);
			if (!cut) {
				runner_doc_free(&rd);
				return -ENOMEM;
			}
			text = cut;
		}
		r = exec_failure(io, e->status, e->type, text, &rd, resp);
		free(cut);
	} else {
		r = exec_failure(io, 422, "result_invalid",
				 "The sandbox returned a malformed result document", NULL, resp);
	}
	runner_doc_free(&rd);
	return r;
}

int response_from_result(const struct ipc_result *res, const struct response_exec *ex,
			 const char *doc, size_t doc_len, const char *out, size_t out_len,
			 const char *err, size_t err_len, struct response *resp)
{
	const struct exec_io io = { res, ex, out, err, out_len, err_len };
	const struct pyexec_config *cfg = ex->cfg;
	const char *sig;
	char a[32];

	switch (res->outcome) {
	case OUTCOME_EXITED:
		if (doc_len > 0)
			return from_runner_doc(&io, doc, doc_len, resp);
		return exec_failuref(&io, resp, 422, "no_result",
				     "The script exited (code %d) before main() returned",
				     res->exit_code);
	case OUTCOME_TIMEOUT:
		return exec_failuref(&io, resp, 422, "timeout",
				     "Script execution timed out after %s seconds",
				     amount(a, sizeof(a), ex->timeout_ms / 1000.0));
	case OUTCOME_CPU_LIMIT:
		return exec_failuref(&io, resp, 422, "timeout",
				     "Script exceeded its CPU time limit of %s seconds",
				     amount(a, sizeof(a), ex->timeout_ms / 1000.0));
	case OUTCOME_MEMORY:
		return exec_failuref(&io, resp, 422, "memory_limit",
				     "Script exceeded the memory limit of %s MB",
				     amount(a, sizeof(a), (double)ex->memory_bytes / MIB));
	case OUTCOME_SIGNALED:
		sig = sigabbrev_np(res->term_signal);
		if (sig)
			return exec_failuref(&io, resp, 422, "killed",
					     "Script was killed by signal SIG%s", sig);
		return exec_failuref(&io, resp, 422, "killed", "Script was killed by signal %d",
				     res->term_signal);
	case OUTCOME_OUTPUT_LIMIT:
		return exec_failuref(&io, resp, 422, "output_limit",
				     "Script output exceeded the limit of %llu bytes",
				     (unsigned long long)cfg->output_kill_bytes);
	case OUTCOME_RESULT_LIMIT:
		return exec_failuref(&io, resp, 422, "result_too_large",
				     "The return value of main() exceeded the limit of %llu bytes",
				     (unsigned long long)cfg->max_result_bytes);
	case OUTCOME_CANCELLED:
		/* Read only by a client that shut down its sending side and still listens. */
		return exec_failuref(&io, resp, 499, "client_gone",
				     "The client closed its connection; the execution was stopped");
	case OUTCOME_SETUP_FAILED:
		return exec_failuref(&io, resp, 500, "sandbox_error",
				     "Sandbox setup failed at stage %s: %s",
				     jail_stage_name(res->setup_stage), errno_text(res->setup_errno));
	case OUTCOME_INTERNAL:
	default:
		return exec_failuref(&io, resp, 500, "internal_error",
				     "Internal error in the sandbox service: %s",
				     errno_text(res->setup_errno));
	}
}

/* ---- /health ------------------------------------------------------------- */

static const struct {
	uint32_t bit;
	const char *name;
} namespaces[] = {
	{ ISO_USERNS, "user" }, { ISO_PIDNS, "pid" }, { ISO_MNTNS, "mount" },
	{ ISO_NETNS, "net" },   { ISO_IPCNS, "ipc" }, { ISO_UTSNS, "uts" },
	{ ISO_CGROUPNS, "cgroup" },
};

/* A NUL-terminated string field of a fixed-size message, bounded by its array. */
static json_t *fixed_str(const char *s, size_t size)
{
	return str_bytes(s, strnlen(s, size));
}

static json_t *isolation_json(struct doc *d, const struct ipc_hello *h)
{
	static const char *const cg_versions[] = { "none", "v1", "v2" };
	json_t *iso = json_object(), *ns = json_array(), *cg = json_object(),
	       *lim = json_object();

	for (size_t i = 0; ns && i < ARRAY_SIZE(namespaces); i++)
		if ((h->isolation & namespaces[i].bit) &&
		    json_array_append_new(ns, json_string_nocheck(namespaces[i].name)) < 0)
			d->oom = true;
	put(d, iso, "namespaces", ns);
	put(d, iso, "seccomp", json_boolean(h->isolation & ISO_SECCOMP));
	put(d, iso, "no_new_privs", json_boolean(h->isolation & ISO_NO_NEW_PRIVS));
	put(d, iso, "capabilities",
	    json_string_nocheck(h->isolation & ISO_CAPS_DROPPED ? "none" : "not dropped"));
	put(d, iso, "pivot_root", json_boolean(h->isolation & ISO_PIVOT_ROOT));
	put(d, iso, "rlimits", json_boolean(h->isolation & ISO_RLIMITS));
	put(d, cg, "version",
	    json_string_nocheck(h->cgroup_version < ARRAY_SIZE(cg_versions)
					? cg_versions[h->cgroup_version]
					: "none"));
	put(d, cg, "path", fixed_str(h->cgroup_path, sizeof(h->cgroup_path)));
	put(d, lim, "memory", json_string_nocheck(h->cgroup_limits & CGL_MEMORY ? "cgroup" : "none"));
	put(d, lim, "pids", json_string_nocheck(h->cgroup_limits & CGL_PIDS ? "cgroup" : "none"));
	put(d, lim, "cpu", json_string_nocheck(h->cgroup_limits & CGL_CPU ? "cgroup" : "none"));
	put(d, cg, "limits", lim);
	put(d, iso, "cgroup", cg);
	return iso;
}

int response_health(const struct response_health *h, struct response *resp)
{
	const struct ipc_hello *hello = h->hello;
	json_t *procs = json_object(), *front = json_object(), *slots = json_object();
	struct doc d;

	doc_init(&d);
	put(&d, d.root, "status", json_string_nocheck(h->healthy ? "healthy" : "unhealthy"));
	if (!h->healthy && h->reason)
		put(&d, d.root, "reason", str_c(h->reason));
	put_timestamp(&d);
	put(&d, d.root, "python",
	    hello ? fixed_str(hello->python_version, sizeof(hello->python_version)) : json_null());
	put(&d, d.root, "execution_method", json_string_nocheck("sandbox"));
	put(&d, d.root, "mode",
	    json_string(config_mode_name(hello ? (enum exec_mode)hello->mode : h->cfg->mode)));
	put(&d, d.root, "temp_dir", json_string_nocheck("/tmp"));
	put(&d, d.root, "temp_writable", json_boolean(hello && h->cfg->tmp_bytes > 0));
	put(&d, d.root, "nsjail", json_false());
	put(&d, d.root, "isolation", hello ? isolation_json(&d, hello) : json_null());

	put(&d, front, "pid", json_integer(h->front_pid));
	put(&d, front, "uid", json_integer(h->front_uid));
	put(&d, procs, "front", front);
	if (hello) {
		json_t *sp = json_object();
		put(&d, sp, "pid", json_integer(hello->spawner_pid));
		put(&d, sp, "uid", json_integer(hello->spawner_uid));
		put(&d, procs, "spawner", sp);
		put(&d, procs, "sandbox_uid", json_integer(hello->sandbox_uid));
	} else {
		put(&d, procs, "spawner", json_null());
		put(&d, procs, "sandbox_uid", json_null());
	}
	if (h->lean_zygote_pid) {
		json_t *lean = json_object();
		put(&d, lean, "pid", json_integer(h->lean_zygote_pid));
		put(&d, procs, "lean_zygote", lean);
	} else {
		put(&d, procs, "lean_zygote", json_null());
	}
	put(&d, d.root, "processes", procs);

	put(&d, slots, "total", json_integer(h->cfg->slots));
	put(&d, slots, "busy", json_integer(h->busy));
	put(&d, slots, "queued", json_integer(h->queued));
	put(&d, slots, "queue_max", json_integer(h->cfg->queue));
	put(&d, d.root, "slots", slots);
	return finish(&d, h->healthy ? 200 : 503, h->healthy ? NULL : "unhealthy", resp);
}
