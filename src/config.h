/*
 * The daemon's configuration: parsed once from flags and environment
 * variables into one validated struct, read-only afterwards and shared by
 * every role (each role gets its own copy across fork).
 *
 * The defaults live in one table in config.c; the README's configuration
 * table mirrors it and `pyexecd --help` prints it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/macros.h"

#ifndef PYEXEC_VERSION
#define PYEXEC_VERSION "0.1.0"
#endif

/* API keys: at most this many, each 1..CONFIG_API_KEY_MAX bytes of printable ASCII, no spaces. */
#define CONFIG_API_KEYS_MAX 64u
#define CONFIG_API_KEY_MAX 256u

enum exec_mode { EXEC_MODE_COLD = 0, EXEC_MODE_WARM = 1 };
enum cgroup_want { CGROUP_WANT_AUTO = 0, CGROUP_WANT_V1, CGROUP_WANT_V2, CGROUP_WANT_NONE };

/* A number option's "auto", before config_parse() resolves it. */
#define CONFIG_AUTO UINT32_MAX

struct pyexec_config {
	/* HTTP front */
	char bind_address[64];
	uint32_t port;
	uint32_t max_connections;
	uint32_t client_timeout_ms; /* for a request to arrive, and for its answer to be read */
	uint64_t max_body_bytes;   /* whole request body; larger gets 413 */
	uint64_t max_script_bytes; /* decoded script; larger gets 413 */
	uint32_t front_uid;        /* the front drops to this uid/gid */
	uint32_t front_gid;

	/* scheduling */
	uint32_t slots; /* executions running at once */
	uint32_t queue; /* executions waiting for a slot; beyond: 429 */

	/* per-execution limits: defaults and maxima for the request fields */
	uint32_t timeout_default_ms;
	uint32_t timeout_max_ms;
	uint32_t shutdown_grace_ms; /* SIGTERM: in-flight work gets this long, then 503 + kill */
	uint64_t memory_default_bytes;
	uint64_t memory_min_bytes;
	uint64_t memory_max_bytes;
	uint64_t max_output_bytes;  /* stdout and stderr each: captured, rest dropped */
	uint64_t output_kill_bytes; /* total written past which the run is stopped */
	uint64_t max_result_bytes;  /* main()'s serialized result */
	uint64_t tmp_bytes;         /* size of the jail's writable /tmp */
	uint32_t pids_max;
	uint32_t nofile_max;
	uint32_t cpu_percent; /* CPU bandwidth per execution, 100 = one core */
	uint32_t pool;        /* jails built ahead of requests ("auto": 2 in warm mode, else 0) */

	/* sandbox */
	enum exec_mode mode;
	enum cgroup_want cgroup;
	bool allow_no_cgroup; /* run without cgroup limits (weaker; /health says so) */
	uint32_t sandbox_uid; /* host uid/gid the script's uid 1000 maps to */
	uint32_t sandbox_gid;
	char python[256];   /* interpreter for cold mode */
	char preload[512];  /* comma-separated modules the warm zygote imports */
	char lean_preload[512]; /* the modules both warm zygotes import (the lean one only these) */
	bool single_zygote; /* warm: no lean zygote, every script forks from the preloaded one */
	bool debug_log;

	/*
	 * Authentication.  The keys are secrets: never logged or printed (the
	 * effective-config line shows their count), and wiped from the
	 * spawner's copy (config_forget_secrets()).  Each key is NUL-padded to
	 * the full width, so they can be compared in constant time.
	 * No keys: no authentication.
	 */
	char api_keys_file[256]; /* read by config_parse(), as root, before any fork */
	bool metrics_auth;       /* GET /metrics needs a key too */
	uint32_t api_key_count;
	uint16_t api_key_len[CONFIG_API_KEYS_MAX];
	char api_keys[CONFIG_API_KEYS_MAX][CONFIG_API_KEY_MAX + 1];
};

/*
 * Fills cfg from defaults, then the environment, then argv (flags win),
 * then adds the keys of --api-keys-file to those of PYEXEC_API_KEYS.
 * Returns 0, 1 when --help or --version was handled (caller exits 0), or
 * -EINVAL after printing the problem (never a key) to stderr.
 */
int config_parse(struct pyexec_config *cfg, int argc, char **argv) _wur_;

/* Writes the effective configuration as one JSON object (no newline). */
void config_print_json(const struct pyexec_config *cfg, FILE *out);

const char *config_mode_name(enum exec_mode mode);

/* "auto", "v1", "v2" or "none". */
const char *config_cgroup_name(enum cgroup_want want);

/*
 * Zeroes the API keys in cfg (explicit_bzero) and sets their count to 0.
 * For processes that must not hold them: the spawner, since every warm
 * jail is a fork of it.
 */
void config_forget_secrets(struct pyexec_config *cfg);
