/*
 * http/auth and the API-key part of config: Bearer header parsing, the
 * constant-time comparison's answers (exact match only: no prefix, no
 * extension, lengths count), verdicts, and the keys' way in through
 * PYEXEC_API_KEYS and --api-keys-file (limits, comments, errors that
 * never quote a key, the masked config line, wiping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http/auth.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pyexec-test-auth-XXXXXX";
static char errlog[4096];

static void clear_env(void)
{
	unsetenv("PYEXEC_API_KEYS");
	unsetenv("PYEXEC_API_KEYS_FILE");
	unsetenv("PYEXEC_METRICS_AUTH");
}

/*
 * config_parse() with argv (NULL-terminated after "pyexecd"), stderr
 * captured into errlog.
 */
static int parse(struct pyexec_config *cfg, const char *const *args)
{
	char *argv[16] = { "pyexecd" };
	int argc = 1, saved, r;
	char path[64];
	FILE *f;
	size_t n;

	for (; args && *args && argc < 15; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	(void)snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fflush(stderr);
	saved = dup(2);
	f = freopen(path, "w", stderr);
	r = config_parse(cfg, argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	(void)f;
	f = fopen(path, "r");
	n = f ? fread(errlog, 1, sizeof(errlog) - 1, f) : 0;
	while (n > 0 && errlog[n - 1] == '\n')
		n--;
	errlog[n] = '\0';
	if (f)
		fclose(f);
	return r;
}

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static bool key_is(const struct pyexec_config *c, unsigned i, const char *want)
{
	return i < c->api_key_count && c->api_key_len[i] == strlen(want) &&
	       strcmp(c->api_keys[i], want) == 0;
}

static void test_bearer(void)
{
	const char *t = NULL;
	size_t n = 0;

	CHECK(auth_bearer_token("Bearer abc", &t, &n) && n == 3 && memcmp(t, "abc", 3) == 0,
	      "Bearer abc -> abc");
	CHECK(auth_bearer_token("bearer  \tabc \t", &t, &n) && n == 3 && memcmp(t, "abc", 3) == 0,
	      "scheme is case-insensitive; blanks around the token are dropped");
	CHECK(auth_bearer_token("BEARER a b", &t, &n) && n == 3, "inner space kept (then no key matches)");
	CHECK(!auth_bearer_token(NULL, &t, &n), "no header");
	CHECK(!auth_bearer_token("", &t, &n), "empty header");
	CHECK(!auth_bearer_token("Bearer", &t, &n), "scheme only");
	CHECK(!auth_bearer_token("Bearer   ", &t, &n), "scheme and blanks only");
	CHECK(!auth_bearer_token("Bearerabc", &t, &n), "no separator");
	CHECK(!auth_bearer_token("Basic dXNlcjpwYXNz", &t, &n), "another scheme");
	CHECK(!auth_bearer_token("Token abc", &t, &n), "another scheme (Token)");
}

static void add(struct pyexec_config *c, const char *k)
{
	size_t n = strlen(k);

	memcpy(c->api_keys[c->api_key_count], k, n);
	c->api_key_len[c->api_key_count++] = (uint16_t)n;
}

static void test_matches(void)
{
	struct pyexec_config c;
	char longkey[CONFIG_API_KEY_MAX + 2];

	memset(&c, 0, sizeof(c));
	CHECK(!auth_enabled(&c), "no keys: authentication off");
	CHECK(auth_check(&c, NULL) == AUTH_OK, "no keys: a request without header passes");
	CHECK(auth_check(&c, "Bearer whatever") == AUTH_OK, "no keys: any header passes");
	CHECK(!auth_key_matches(&c, "x", 1), "no keys: nothing matches");

	add(&c, "alpha-1");
	add(&c, "beta_2~");
	memset(longkey, 'k', CONFIG_API_KEY_MAX);
	longkey[CONFIG_API_KEY_MAX] = '\0';
	add(&c, longkey);
	CHECK(auth_enabled(&c), "keys: authentication on");
	CHECK(auth_key_matches(&c, "alpha-1", 7), "first key");
	CHECK(auth_key_matches(&c, "beta_2~", 7), "second key");
	CHECK(auth_key_matches(&c, longkey, CONFIG_API_KEY_MAX), "a key of the maximum length");
	CHECK(!auth_key_matches(&c, "alpha-", 6), "a prefix does not match");
	CHECK(!auth_key_matches(&c, "alpha-12", 8), "an extension does not match");
	CHECK(!auth_key_matches(&c, "alpha-1\0", 8), "a NUL past the key does not match");
	CHECK(!auth_key_matches(&c, "Alpha-1", 7), "case matters");
	CHECK(!auth_key_matches(&c, "", 0), "empty token");
	CHECK(!auth_key_matches(&c, longkey, CONFIG_API_KEY_MAX - 1), "the long key minus one byte");
	longkey[CONFIG_API_KEY_MAX] = 'k';
	longkey[CONFIG_API_KEY_MAX + 1] = '\0';
	CHECK(!auth_key_matches(&c, longkey, CONFIG_API_KEY_MAX + 1),
	      "a token longer than any key (the long key plus one byte)");
	CHECK(!auth_key_matches(&c, "alpha-1beta_2~", 14), "two keys glued together");

	CHECK(auth_check(&c, NULL) == AUTH_MISSING, "no header: missing");
	CHECK(auth_check(&c, "Basic YTpi") == AUTH_MISSING, "Basic: missing");
	CHECK(auth_check(&c, "Bearer ") == AUTH_MISSING, "empty token: missing");
	CHECK(auth_check(&c, "Bearer nope") == AUTH_INVALID, "wrong key: invalid");
	CHECK(auth_check(&c, "Bearer beta_2~") == AUTH_OK, "right key: ok");
	CHECK(auth_check(&c, "bearer beta_2~ ") == AUTH_OK, "right key, lower-case scheme: ok");
}

static void test_env_keys(void)
{
	struct pyexec_config c;
	char many[64 * 8 + 16], *p = many;
	char toolong[CONFIG_API_KEY_MAX + 8];
	int r;

	clear_env();
	memset(&c, 0, sizeof(c));
	r = parse(&c, NULL);
	CHECK(r == 0 && c.api_key_count == 0 && !c.metrics_auth, "default: no keys, metrics open");

	setenv("PYEXEC_API_KEYS", " k1 ,k2,, k3,", 1);
	r = parse(&c, NULL);
	CHECK(r == 0 && c.api_key_count == 3 && key_is(&c, 0, "k1") && key_is(&c, 1, "k2") &&
		      key_is(&c, 2, "k3"),
	      "PYEXEC_API_KEYS: blanks trimmed, empty items skipped (%u keys)", c.api_key_count);
	CHECK(c.api_keys[0][2] == '\0' && c.api_keys[0][CONFIG_API_KEY_MAX] == '\0',
	      "keys are NUL-padded");

	setenv("PYEXEC_API_KEYS", "", 1);
	r = parse(&c, NULL);
	CHECK(r == 0 && c.api_key_count == 0, "empty PYEXEC_API_KEYS: no keys");

	setenv("PYEXEC_API_KEYS", "good,SECRET with space", 1);
	r = parse(&c, NULL);
	CHECK(r < 0 && strstr(errlog, "key 2") && !strstr(errlog, "SECRET"),
	      "a key with a space is refused, by position, without quoting it: %s", errlog);

	setenv("PYEXEC_API_KEYS", "caf\xc3\xa9SECRET", 1);
	r = parse(&c, NULL);
	CHECK(r < 0 && !strstr(errlog, "SECRET"), "a non-ASCII key is refused");

	memset(toolong, 'S', CONFIG_API_KEY_MAX + 1);
	toolong[CONFIG_API_KEY_MAX + 1] = '\0';
	setenv("PYEXEC_API_KEYS", toolong, 1);
	r = parse(&c, NULL);
	CHECK(r < 0 && strstr(errlog, "longer than 256") && !strstr(errlog, "SSSS"),
	      "a key over 256 bytes is refused");
	toolong[CONFIG_API_KEY_MAX] = '\0';
	setenv("PYEXEC_API_KEYS", toolong, 1);
	r = parse(&c, NULL);
	CHECK(r == 0 && c.api_key_count == 1 && c.api_key_len[0] == CONFIG_API_KEY_MAX,
	      "a key of exactly 256 bytes is taken");

	for (int i = 0; i < 65; i++)
		p += sprintf(p, "%sk%02d", i ? "," : "", i);
	setenv("PYEXEC_API_KEYS", many, 1);
	r = parse(&c, NULL);
	CHECK(r < 0 && strstr(errlog, "more than 64"), "65 keys are refused");
	many[strlen(many) - 4] = '\0'; /* drop ",k64" */
	setenv("PYEXEC_API_KEYS", many, 1);
	r = parse(&c, NULL);
	CHECK(r == 0 && c.api_key_count == 64, "64 keys are taken");

	setenv("PYEXEC_API_KEYS", "k1", 1);
	r = parse(&c, (const char *[]){ "--metrics-auth", NULL });
	CHECK(r == 0 && c.metrics_auth, "--metrics-auth with keys");
	clear_env();
	setenv("PYEXEC_METRICS_AUTH", "1", 1);
	r = parse(&c, NULL);
	CHECK(r < 0 && strstr(errlog, "--metrics-auth needs API keys"),
	      "PYEXEC_METRICS_AUTH=1 without keys is a configuration error");
	clear_env();
	r = parse(&c, (const char *[]){ "--api-keys", "k", NULL });
	CHECK(r < 0, "there is no --api-keys flag (keys stay off the command line)");
}

static void test_file_keys(void)
{
	struct pyexec_config c;
	const char *path;
	char *json = NULL;
	size_t len = 0;
	FILE *mem;
	int r;

	clear_env();
	path = write_file("keys", "# production\n\nfile-key-1\n  file-key-2\t\r\n#file-key-3\n"
				  "file-key-4");
	r = parse(&c, (const char *[]){ "--api-keys-file", path, NULL });
	CHECK(r == 0 && c.api_key_count == 3 && key_is(&c, 0, "file-key-1") &&
		      key_is(&c, 1, "file-key-2") && key_is(&c, 2, "file-key-4"),
	      "key file: comments, blank lines, CRLF and a last line without newline (%u keys)",
	      c.api_key_count);

	setenv("PYEXEC_API_KEYS", "env-key", 1);
	r = parse(&c, (const char *[]){ "--api-keys-file", path, NULL });
	CHECK(r == 0 && c.api_key_count == 4 && key_is(&c, 0, "env-key") &&
		      key_is(&c, 3, "file-key-4"),
	      "PYEXEC_API_KEYS and the file add up");
	clear_env();

	setenv("PYEXEC_API_KEYS_FILE", path, 1);
	r = parse(&c, NULL);
	CHECK(r == 0 && c.api_key_count == 3, "PYEXEC_API_KEYS_FILE");
	clear_env();

	mem = open_memstream(&json, &len);
	if (mem) {
		config_print_json(&c, mem);
		fclose(mem);
	}
	CHECK(json && strstr(json, "\"api_keys\":3") && !strstr(json, "file-key"),
	      "the config line shows the count, never a key: %s", json ? json : "(null)");
	free(json);

	config_forget_secrets(&c);
	{
		bool zero = c.api_key_count == 0;
		for (size_t i = 0; i < sizeof(c.api_keys); i++)
			zero &= ((const char *)c.api_keys)[i] == 0;
		for (size_t i = 0; i < CONFIG_API_KEYS_MAX; i++)
			zero &= c.api_key_len[i] == 0;
		CHECK(zero, "config_forget_secrets() zeroes every key and length");
	}

	r = parse(&c, (const char *[]){ "--api-keys-file", "/nonexistent/pyexec-keys", NULL });
	CHECK(r < 0 && strstr(errlog, "cannot read"), "a missing key file: %s", errlog);
	path = write_file("empty", "# nothing here\n\n");
	r = parse(&c, (const char *[]){ "--api-keys-file", path, NULL });
	CHECK(r < 0 && strstr(errlog, "contains no key"), "a key file without keys fails closed");
	path = write_file("bad", "ok-key\nSECRET two\n");
	r = parse(&c, (const char *[]){ "--api-keys-file", path, NULL });
	CHECK(r < 0 && strstr(errlog, "line 2") && !strstr(errlog, "SECRET"),
	      "a bad line is named, not quoted: %s", errlog);
	r = parse(&c, (const char *[]){ "--api-keys-file", tmpdir, NULL });
	CHECK(r < 0, "a directory is not a key file");
	{
		char text[65 * 8 + 1], *p = text;
		for (int i = 0; i < 65; i++)
			p += sprintf(p, "key-%02d\n", i);
		path = write_file("many", text);
	}
	r = parse(&c, (const char *[]){ "--api-keys-file", path, NULL });
	CHECK(r < 0 && strstr(errlog, "more than 64"), "a file with 65 keys");
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_bearer();
	test_matches();
	test_env_keys();
	test_file_keys();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
