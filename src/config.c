/*
 * Configuration: one table of options, each with its flag, environment
 * variable, unit, default and bounds.  Precedence: default < environment <
 * command line.  Everything is validated here, once, so the roles never
 * re-check their configuration.
 *
 * API keys are secrets: no message here ever quotes one (errors name the
 * key's position), and every buffer that held one is wiped before it is
 * freed or goes out of scope, so a later fork (the spawner, and every warm
 * jail forked from it) finds no copy in freed heap or a dead stack frame.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A key file larger than this is refused: 64 keys and their comments fit many times over. */
#define KEYS_FILE_MAX (256u * 1024u)

enum opt_kind {
	K_STR,   /* char array */
	K_U32,   /* plain number */
	K_U64,   /* plain number (bytes) */
	K_MB,    /* given in MB, stored as uint64 bytes */
	K_SEC,   /* given in (fractional) seconds, stored as uint32 ms */
	K_BOOL,  /* flag without argument; env: 1/0/true/false */
	K_MODE,  /* cold|warm */
	K_CGROUP, /* auto|v1|v2|none */
	K_KEYS,   /* comma-separated API keys, into api_keys[] (replacing) */
	K_U32_AUTO /* a number, or "auto" (CONFIG_AUTO until check_consistency() decides) */
};

struct opt {
	const char *flag; /* long option name; NULL: environment only (secrets stay off argv) */
	const char *env;
	enum opt_kind kind;
	size_t offset;
	size_t size; /* for K_STR */
	const char *def;
	double min, max;
	const char *help;
};

#define F(field) offsetof(struct pyexec_config, field), sizeof(((struct pyexec_config *)0)->field)

/* The README's configuration table mirrors this one. */
static const struct opt options[] = {
	{ "bind", "PYEXEC_BIND", K_STR, F(bind_address), "0.0.0.0", 0, 0, "address to listen on" },
	{ "port", "PORT", K_U32, F(port), "8080", 1, 65535, "TCP port" },
	{ "max-connections", "PYEXEC_MAX_CONNECTIONS", K_U32, F(max_connections), "512", 4, 65536,
	  "open HTTP connections at once; one more closes the one nearest its deadline" },
	{ "client-timeout", "PYEXEC_CLIENT_TIMEOUT", K_SEC, F(client_timeout_ms), "30", 0.1, 3600,
	  "a whole request must arrive, and its answer be read, within this" },
	{ "max-body-bytes", "PYEXEC_MAX_BODY_BYTES", K_U64, F(max_body_bytes), "2097152", 1024, 1 << 30,
	  "request body limit (413 beyond)" },
	{ "max-script-bytes", "PYEXEC_MAX_SCRIPT_BYTES", K_U64, F(max_script_bytes), "262144", 64,
	  64 << 20, "script size limit after JSON decoding (413 beyond)" },
	{ "front-uid", "PYEXEC_FRONT_UID", K_U32, F(front_uid), "65534", 1, 4294967294.0,
	  "uid the HTTP front drops to" },
	{ "front-gid", "PYEXEC_FRONT_GID", K_U32, F(front_gid), "65534", 1, 4294967294.0,
	  "gid the HTTP front drops to" },
	{ "slots", "PYEXEC_SLOTS", K_U32, F(slots), "2", 1, 1024, "executions running at once" },
	{ "queue", "PYEXEC_QUEUE", K_U32, F(queue), "32", 0, 65536,
	  "executions waiting for a slot (429 beyond)" },
	{ "timeout-default", "PYEXEC_TIMEOUT_DEFAULT", K_SEC, F(timeout_default_ms), "30", 0.001, 3600,
	  "wall-clock timeout when the request gives none (s)" },
	{ "timeout-max", "PYEXEC_TIMEOUT_MAX", K_SEC, F(timeout_max_ms), "300", 0.001, 3600,
	  "largest timeout a request may ask for (s)" },
	{ "shutdown-grace", "PYEXEC_SHUTDOWN_GRACE", K_SEC, F(shutdown_grace_ms), "10", 0.1, 3600,
	  "on SIGTERM, how long in-flight executions may still run (s)" },
	{ "memory-default", "PYEXEC_MEMORY_DEFAULT", K_MB, F(memory_default_bytes), "128", 16, 1 << 20,
	  "memory limit when the request gives none (MB)" },
	{ "memory-min", "PYEXEC_MEMORY_MIN", K_MB, F(memory_min_bytes), "16", 1, 1 << 20,
	  "smallest memory limit a request may ask for (MB)" },
	{ "memory-max", "PYEXEC_MEMORY_MAX", K_MB, F(memory_max_bytes), "2048", 16, 1 << 20,
	  "largest memory limit a request may ask for (MB)" },
	{ "max-output-bytes", "PYEXEC_MAX_OUTPUT_BYTES", K_U64, F(max_output_bytes), "1048576", 1024,
	  256 << 20, "stdout and stderr each: bytes kept (rest dropped, *_truncated set)" },
	{ "output-kill-bytes", "PYEXEC_OUTPUT_KILL_BYTES", K_U64, F(output_kill_bytes), "16777216",
	  1024, 1e12, "total output past which the run is stopped (output_limit)" },
	{ "max-result-bytes", "PYEXEC_MAX_RESULT_BYTES", K_U64, F(max_result_bytes), "8388608", 1024,
	  256 << 20, "serialized main() result limit (result_too_large)" },
	{ "tmp-size", "PYEXEC_TMP_SIZE", K_MB, F(tmp_bytes), "64", 1, 1 << 16,
	  "size of the jail's writable /tmp (MB)" },
	{ "pids-max", "PYEXEC_PIDS_MAX", K_U32, F(pids_max), "64", 4, 1 << 20,
	  "processes and threads per execution" },
	{ "nofile-max", "PYEXEC_NOFILE_MAX", K_U32, F(nofile_max), "256", 32, 1 << 20,
	  "open files per process (RLIMIT_NOFILE)" },
	{ "cpu-percent", "PYEXEC_CPU_PERCENT", K_U32, F(cpu_percent), "100", 1, 100000,
	  "CPU bandwidth per execution (100 = one core)" },
	{ "pool", "PYEXEC_POOL", K_U32_AUTO, F(pool), "auto", 0, 64,
	  "jails built ahead of requests; auto: 2 in warm mode, 0 in cold" },
	{ "mode", "PYEXEC_MODE", K_MODE, F(mode), "cold", 0, 0,
	  "cold: exec python3 per run; warm: fork a preloaded zygote" },
	{ "cgroup", "PYEXEC_CGROUP", K_CGROUP, F(cgroup), "auto", 0, 0, "auto|v1|v2|none" },
	{ "allow-no-cgroup", "PYEXEC_ALLOW_NO_CGROUP", K_BOOL, F(allow_no_cgroup), "0", 0, 0,
	  "start even without cgroup limits (weaker isolation)" },
	{ "sandbox-uid", "PYEXEC_SANDBOX_UID", K_U32, F(sandbox_uid), "100000", 1, 4294967294.0,
	  "host uid the script runs as" },
	{ "sandbox-gid", "PYEXEC_SANDBOX_GID", K_U32, F(sandbox_gid), "100000", 1, 4294967294.0,
	  "host gid the script runs as" },
	{ "python", "PYEXEC_PYTHON", K_STR, F(python), "/usr/bin/python3", 0, 0,
	  "interpreter (cold mode)" },
	{ "preload", "PYEXEC_PRELOAD", K_STR, F(preload), "numpy,pandas", 0, 0,
	  "modules the warm zygote imports" },
	{ "lean-preload", "PYEXEC_LEAN_PRELOAD", K_STR, F(lean_preload),
	  "math,re,json,random,collections,itertools,functools,datetime,string,statistics,"
	  "decimal,fractions,heapq,bisect,typing,dataclasses,copy,operator,textwrap,base64,"
	  "hashlib,struct,enum,csv,pprint,__future__",
	  0, 0, "warm: modules both zygotes import before the preload list" },
	{ "single-zygote", "PYEXEC_SINGLE_ZYGOTE", K_BOOL, F(single_zygote), "0", 0, 0,
	  "warm: fork every script from the preloaded zygote (no lean zygote for scripts "
	  "that import only lean-preload modules)" },
	{ "debug-log", "PYEXEC_DEBUG_LOG", K_BOOL, F(debug_log), "0", 0, 0, "log debug events" },
	{ NULL, "PYEXEC_API_KEYS", K_KEYS, F(api_keys), "", 0, 0,
	  "comma-separated API keys for Authorization: Bearer (none: no authentication)" },
	{ "api-keys-file", "PYEXEC_API_KEYS_FILE", K_STR, F(api_keys_file), "", 0, 0,
	  "file of API keys, one per line, '#' comments (read at start-up, as root)" },
	{ "metrics-auth", "PYEXEC_METRICS_AUTH", K_BOOL, F(metrics_auth), "0", 0, 0,
	  "GET /metrics needs an API key too" },
};

/* ---- API keys -------------------------------------------------------------- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/*
 * Appends s[0..n) (surrounding blanks already trimmed) as a key.  where
 * and index say which one it was in messages; the key itself is never
 * printed.
 */
static int add_key(struct pyexec_config *c, const char *s, size_t n, const char *where,
		   size_t index)
{
	if (n > CONFIG_API_KEY_MAX) {
		fprintf(stderr, "pyexecd: %s: key %zu is longer than %u bytes\n", where, index,
			CONFIG_API_KEY_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e) {
			fprintf(stderr,
				"pyexecd: %s: key %zu contains a space or a character that is not "
				"printable ASCII\n",
				where, index);
			return -EINVAL;
		}
	}
	if (c->api_key_count >= CONFIG_API_KEYS_MAX) {
		fprintf(stderr, "pyexecd: %s: more than %u API keys\n", where, CONFIG_API_KEYS_MAX);
		return -EINVAL;
	}
	memcpy(c->api_keys[c->api_key_count], s, n);
	c->api_key_len[c->api_key_count] = (uint16_t)n;
	c->api_key_count++;
	return 0;
}

/* s[0..n) with blanks trimmed at both ends, as *start / *len. */
static void trim(const char *s, size_t n, const char **start, size_t *len)
{
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	*start = s;
	*len = n;
}

/* PYEXEC_API_KEYS: "k1,k2"; blanks around a key and empty items are ignored. */
static int parse_key_list(struct pyexec_config *c, const char *list, const char *where)
{
	size_t index = 0;

	memset(c->api_keys, 0, sizeof(c->api_keys));
	memset(c->api_key_len, 0, sizeof(c->api_key_len));
	c->api_key_count = 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		const char *k;
		size_t klen;
		int r;

		trim(list, n, &k, &klen);
		if (klen > 0) {
			r = add_key(c, k, klen, where, ++index);
			if (r < 0)
				return r;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return 0;
}

/* The lines of a key file: one key each; blank lines and lines starting with '#' skipped. */
static int parse_key_lines(struct pyexec_config *c, const char *text, size_t size,
			   const char *where)
{
	size_t line = 0;
	char msg[320];

	while (size > 0) {
		const char *nl = memchr(text, '\n', size);
		size_t n = nl ? (size_t)(nl - text) : size;
		const char *k;
		size_t klen;
		int r;

		line++;
		trim(text, n, &k, &klen);
		if (klen > 0 && k[0] != '#') {
			(void)snprintf(msg, sizeof(msg), "%s line %zu", where, line);
			r = add_key(c, k, klen, msg, c->api_key_count + 1);
			if (r < 0)
				return r;
		}
		text += nl ? n + 1 : n;
		size -= nl ? n + 1 : n;
	}
	return 0;
}

static int load_keys_file(struct pyexec_config *c)
{
	const char *path = c->api_keys_file;
	_cleanup_close_ int fd = -1;
	char where[300];
	uint32_t before = c->api_key_count;
	struct stat st;
	char *buf;
	size_t got = 0;
	int r;

	(void)snprintf(where, sizeof(where), "--api-keys-file %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "pyexecd: %s: cannot read: %s\n", where, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > KEYS_FILE_MAX) {
		fprintf(stderr, "pyexecd: %s: not a regular file of at most %u bytes\n", where,
			KEYS_FILE_MAX);
		return -EINVAL;
	}
	buf = malloc(KEYS_FILE_MAX + 1);
	if (!buf) {
		fprintf(stderr, "pyexecd: %s: out of memory\n", where);
		return -EINVAL;
	}
	/* Read up to the cap whatever fstat said: the file may grow meanwhile. */
	for (;;) {
		ssize_t n = read(fd, buf + got, KEYS_FILE_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "pyexecd: %s: cannot read: %s\n", where, strerror(errno));
			r = -EINVAL;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > KEYS_FILE_MAX) {
			fprintf(stderr, "pyexecd: %s: larger than %u bytes\n", where, KEYS_FILE_MAX);
			r = -EINVAL;
			goto out;
		}
	}
	r = parse_key_lines(c, buf, got, where);
	if (r == 0 && c->api_key_count == before) {
		/* Fail closed: a key file was meant to turn authentication on. */
		fprintf(stderr, "pyexecd: %s: contains no key\n", where);
		r = -EINVAL;
	}
out:
	explicit_bzero(buf, KEYS_FILE_MAX + 1);
	free(buf);
	return r;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "no") ||
		 !strcasecmp(s, "off") || !strcmp(s, ""))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int set_option(struct pyexec_config *cfg, const struct opt *o, const char *value,
		      const char *source)
{
	char *field = (char *)cfg + o->offset;
	double v = 0;
	bool b;

	switch (o->kind) {
	case K_STR:
		if (strlen(value) >= o->size) {
			fprintf(stderr, "pyexecd: %s %s: value too long\n", source, o->flag);
			return -EINVAL;
		}
		strcpy(field, value);
		return 0;
	case K_BOOL:
		if (parse_bool(value, &b) < 0)
			goto bad;
		*(bool *)field = b;
		return 0;
	case K_MODE:
		if (!strcmp(value, "cold"))
			*(enum exec_mode *)field = EXEC_MODE_COLD;
		else if (!strcmp(value, "warm"))
			*(enum exec_mode *)field = EXEC_MODE_WARM;
		else
			goto bad;
		return 0;
	case K_KEYS:
		return parse_key_list(cfg, value, source);
	case K_U32_AUTO:
		if (!strcmp(value, "auto")) {
			*(uint32_t *)field = CONFIG_AUTO;
			return 0;
		}
		break;
	case K_CGROUP:
		if (!strcmp(value, "auto"))
			*(enum cgroup_want *)field = CGROUP_WANT_AUTO;
		else if (!strcmp(value, "v1"))
			*(enum cgroup_want *)field = CGROUP_WANT_V1;
		else if (!strcmp(value, "v2"))
			*(enum cgroup_want *)field = CGROUP_WANT_V2;
		else if (!strcmp(value, "none"))
			*(enum cgroup_want *)field = CGROUP_WANT_NONE;
		else
			goto bad;
		return 0;
	default:
		break;
	}

	if (parse_number(value, &v) < 0 || v < o->min || v > o->max)
		goto bad;
	switch (o->kind) {
	case K_U32:
	case K_U32_AUTO:
		if (v != floor(v))
			goto bad;
		*(uint32_t *)field = (uint32_t)v;
		break;
	case K_U64:
		if (v != floor(v))
			goto bad;
		*(uint64_t *)field = (uint64_t)v;
		break;
	case K_MB:
		*(uint64_t *)field = (uint64_t)(v * 1024 * 1024);
		break;
	case K_SEC:
		*(uint32_t *)field = (uint32_t)llround(v * 1000);
		break;
	default:
		break;
	}
	return 0;
bad:
	if (o->kind == K_BOOL || o->kind == K_STR || o->kind == K_MODE || o->kind == K_CGROUP)
		fprintf(stderr, "pyexecd: %s --%s: invalid value '%s'\n", source, o->flag, value);
	else
		fprintf(stderr, "pyexecd: %s --%s: invalid value '%s' (want %sa number in [%g, %g])\n",
			source, o->flag, value, o->kind == K_U32_AUTO ? "auto or " : "", o->min, o->max);
	return -EINVAL;
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: pyexecd [options]\n\n"
		     "Runs untrusted Python scripts in a kernel sandbox behind an HTTP API.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct opt *o = &options[i];
		char flag[64];
		if (o->flag)
			snprintf(flag, sizeof(flag), "--%s%s", o->flag, o->kind == K_BOOL ? "" : " V");
		else
			snprintf(flag, sizeof(flag), "(env only)");
		fprintf(out, "  %-26s %s [env %s, default %s]\n", flag, o->help, o->env,
			o->def[0] ? o->def : "none");
	}
	fprintf(out, "  %-26s %s\n  %-26s %s\n", "--help", "this text", "--version",
		"version and privilege layout");
}

static int check_consistency(struct pyexec_config *cfg)
{
	/*
	 * Warm mode keeps two jails built ahead by default: a request that
	 * finds one skips clone, sandbox set-up and the runner's start (about
	 * half of a warm pandas example's latency, docs/PERFORMANCE.md).  Cold
	 * mode is the baseline and stays without.
	 */
	if (cfg->pool == CONFIG_AUTO)
		cfg->pool = cfg->mode == EXEC_MODE_WARM ? 2 : 0;
	if (cfg->timeout_default_ms > cfg->timeout_max_ms) {
		fprintf(stderr, "pyexecd: --timeout-default exceeds --timeout-max\n");
		return -EINVAL;
	}
	if (cfg->memory_min_bytes > cfg->memory_max_bytes ||
	    cfg->memory_default_bytes < cfg->memory_min_bytes ||
	    cfg->memory_default_bytes > cfg->memory_max_bytes) {
		fprintf(stderr, "pyexecd: --memory-default must lie in [--memory-min, --memory-max]\n");
		return -EINVAL;
	}
	if (cfg->output_kill_bytes < cfg->max_output_bytes) {
		fprintf(stderr, "pyexecd: --output-kill-bytes is below --max-output-bytes\n");
		return -EINVAL;
	}
	if (cfg->max_body_bytes < cfg->max_script_bytes / 8) {
		fprintf(stderr, "pyexecd: --max-body-bytes is too small for --max-script-bytes\n");
		return -EINVAL;
	}
	if (cfg->metrics_auth && cfg->api_key_count == 0) {
		fprintf(stderr, "pyexecd: --metrics-auth needs API keys (PYEXEC_API_KEYS or "
				"--api-keys-file)\n");
		return -EINVAL;
	}
	return 0;
}

/* config_parse() into *c (zeroed by the caller, who wipes it afterwards). */
static int parse_into(struct pyexec_config *c, int argc, char **argv)
{
	struct option longopts[ARRAY_SIZE(options) + 3];
	size_t i, n = 0;
	int r;

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		r = set_option(c, &options[i], options[i].def, "default");
		if (r < 0)
			return r;
	}
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const char *v = getenv(options[i].env);
		if (v) {
			r = set_option(c, &options[i], v, options[i].env);
			if (r < 0)
				return r;
		}
	}

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		if (!options[i].flag)
			continue;
		longopts[n].name = options[i].flag;
		longopts[n].has_arg = options[i].kind == K_BOOL ? no_argument : required_argument;
		longopts[n].flag = NULL;
		longopts[n].val = 256 + (int)i;
		n++;
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	for (;;) {
		int ch = getopt_long(argc, argv, "hV", longopts, NULL);
		if (ch == -1)
			break;
		if (ch == 'h') {
			print_help(stdout);
			return 1;
		}
		if (ch == 'V') {
			printf("pyexecd %s\n"
			       "processes: supervisor (root) -> http front (uid %u, no capabilities, "
			       "seccomp) + spawner (root, builds jails) -> jailed child (host uid %u)\n",
			       PYEXEC_VERSION, c->front_uid, c->sandbox_uid);
			return 1;
		}
		if (ch < 256 || ch >= 256 + (int)ARRAY_SIZE(options)) {
			fprintf(stderr, "pyexecd: try --help\n");
			return -EINVAL;
		}
		r = set_option(c, &options[ch - 256], options[ch - 256].kind == K_BOOL ? "1" : optarg,
			       "flag");
		if (r < 0)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "pyexecd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (c->api_keys_file[0]) {
		r = load_keys_file(c);
		if (r < 0)
			return r;
	}
	return check_consistency(c);
}

int config_parse(struct pyexec_config *cfg, int argc, char **argv)
{
	struct pyexec_config c;
	int r;

	memset(&c, 0, sizeof(c));
	r = parse_into(&c, argc, argv);
	if (r == 0)
		*cfg = c;
	explicit_bzero(&c, sizeof(c));
	return r;
}

void config_forget_secrets(struct pyexec_config *cfg)
{
	explicit_bzero(cfg->api_keys, sizeof(cfg->api_keys));
	explicit_bzero(cfg->api_key_len, sizeof(cfg->api_key_len));
	cfg->api_key_count = 0;
}

const char *config_mode_name(enum exec_mode mode)
{
	return mode == EXEC_MODE_WARM ? "warm" : "cold";
}

const char *config_cgroup_name(enum cgroup_want want)
{
	static const char *const names[] = { "auto", "v1", "v2", "none" };

	return (unsigned)want < ARRAY_SIZE(names) ? names[want] : "auto";
}

/* Secrets appear only as a count. */
void config_print_json(const struct pyexec_config *cfg, FILE *out)
{
	fprintf(out,
		"{\"bind\":\"%s\",\"port\":%u,\"slots\":%u,\"queue\":%u,\"timeout_default_ms\":%u,"
		"\"timeout_max_ms\":%u,\"memory_default_bytes\":%llu,\"memory_max_bytes\":%llu,"
		"\"max_script_bytes\":%llu,\"max_body_bytes\":%llu,\"max_output_bytes\":%llu,"
		"\"max_result_bytes\":%llu,\"tmp_bytes\":%llu,\"pids_max\":%u,\"mode\":\"%s\","
		"\"cgroup\":\"%s\",\"allow_no_cgroup\":%s,\"sandbox_uid\":%u,\"front_uid\":%u,"
		"\"api_keys\":%u,\"metrics_auth\":%s}",
		cfg->bind_address, cfg->port, cfg->slots, cfg->queue, cfg->timeout_default_ms,
		cfg->timeout_max_ms, (unsigned long long)cfg->memory_default_bytes,
		(unsigned long long)cfg->memory_max_bytes, (unsigned long long)cfg->max_script_bytes,
		(unsigned long long)cfg->max_body_bytes, (unsigned long long)cfg->max_output_bytes,
		(unsigned long long)cfg->max_result_bytes, (unsigned long long)cfg->tmp_bytes,
		cfg->pids_max, config_mode_name(cfg->mode), config_cgroup_name(cfg->cgroup),
		cfg->allow_no_cgroup ? "true" : "false", cfg->sandbox_uid, cfg->front_uid,
		cfg->api_key_count, cfg->metrics_auth ? "true" : "false");
}
