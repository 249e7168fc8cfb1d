/*
 * http/request: every validation rule of POST /execute and its status, and
 * every request body of the two seed documents, byte for byte.
 */
#include <stdint.h>
#include <string.h>

#include "http/request.h"
#include "tap.h"

#define MIB (1024ull * 1024)
#define GOOD_T_BAD_M "{\"script\": \"x\", \"timeout\": 5, \"memory\": 1}"

static struct pyexec_config cfg;

static void setup_config(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_body_bytes = 2 << 20;
	cfg.max_script_bytes = 1000;
	cfg.timeout_default_ms = 30000;
	cfg.timeout_max_ms = 300000;
	cfg.memory_default_bytes = 128 * MIB;
	cfg.memory_min_bytes = 16 * MIB;
	cfg.memory_max_bytes = 2048 * MIB;
}

/*
 * Parses a C-string body; returns the rc and fills req/err.  (CHECK()
 * evaluates its condition twice: calls with effects stay outside it.)
 */
static int parse(const char *body, struct exec_request *req, struct request_error *err)
{
	return request_parse(body, strlen(body), &cfg, req, err);
}

static void expect_error(const char *body, size_t len, unsigned status, const char *type,
			 const char *name)
{
	struct exec_request req = { 0 };
	struct request_error err = { 0 };
	int r = request_parse(body, len, &cfg, &req, &err);

	CHECK(r == -EINVAL && err.http_status == status && err.error_type &&
		      strcmp(err.error_type, type) == 0 && err.message[0] != '\0' && !req.script,
	      "%s -> %u %s (got r=%d %u %s: %s)", name, status, type, r, err.http_status,
	      err.error_type ? err.error_type : "-", err.message);
}

#define ERR(body, status, type) expect_error(body, sizeof(body) - 1, status, type, #body)

static void expect_ok(const char *body, const char *script, uint32_t timeout_ms,
		      uint64_t memory_bytes, const char *name)
{
	struct exec_request req = { 0 };
	struct request_error err = { 0 };
	int r = parse(body, &req, &err);

	CHECK(r == 0 && req.script && req.script_len == strlen(script) &&
		      strcmp(req.script, script) == 0 && req.timeout_ms == timeout_ms &&
		      req.memory_bytes == memory_bytes,
	      "%s accepted (r=%d %s; timeout %u memory %llu)", name, r, err.message, req.timeout_ms,
	      (unsigned long long)req.memory_bytes);
	request_free(&req);
}

static void test_seeds(void)
{
	/* The -d bodies of every curl example in the two seed documents, as the shell passes them. */
	expect_ok("{\n    \"script\": \"def main():\\n    print(\\\"Hello from stdout!\\\")\\n    "
		  "return {\\\"message\\\": \\\"Hello World\\\"}\"\n  }",
		  "def main():\n    print(\"Hello from stdout!\")\n    return {\"message\": \"Hello World\"}",
		  30000, 128 * MIB, "seed 000: quick start");
	expect_ok("{\"script\": \"def main():\\n    return {\\\"message\\\": \\\"test\\\"}\"}",
		  "def main():\n    return {\"message\": \"test\"}", 30000, 128 * MIB,
		  "seed 000: simple script");
	expect_ok("{\"script\": \"import pandas as pd\\nimport numpy as np\\n\\ndef main():\\n    "
		  "data = pd.DataFrame({\\\"x\\\": np.random.randn(10)})\\n    return {\\\"mean\\\": "
		  "float(data[\\\"x\\\"].mean())}\"}",
		  "import pandas as pd\nimport numpy as np\n\ndef main():\n    data = "
		  "pd.DataFrame({\"x\": np.random.randn(10)})\n    return {\"mean\": "
		  "float(data[\"x\"].mean())}",
		  30000, 128 * MIB, "seed 000: data science script");
	expect_ok("{\n  \"script\": \"def main():\\n    print(\\\"Processing...\\\")\\n    return "
		  "{\\\"result\\\": 42}\",\n  \"timeout\": 30,\n  \"memory\": 128\n}",
		  "def main():\n    print(\"Processing...\")\n    return {\"result\": 42}", 30000,
		  128 * MIB, "seed 000: request body with timeout and memory");
	expect_ok("{\"script\": \"def main():\\n    return {\\\"deployed\\\": True, \\\"service\\\": "
		  "\\\"working\\\"}\"}",
		  "def main():\n    return {\"deployed\": True, \"service\": \"working\"}", 30000,
		  128 * MIB, "seed 003: deployed service");
	expect_ok("{\n  \"script\": \"def main():\\n    return {'result': 'Hello World'}\"\n}",
		  "def main():\n    return {'result': 'Hello World'}", 30000, 128 * MIB,
		  "seed 003: API specification body");
	expect_ok("{\"script\": \"def main():\\n    return {\\\"hello\\\": \\\"world\\\"}\"}",
		  "def main():\n    return {\"hello\": \"world\"}", 30000, 128 * MIB,
		  "seed 003: local test");
	expect_ok("{\n    \"script\": \"def main():\\n    import pandas as pd\\n    df = "
		  "pd.DataFrame({\\\"x\\\": [1,2,3]})\\n    return {\\\"sum\\\": "
		  "int(df.sum().iloc[0])}\"\n  }",
		  "def main():\n    import pandas as pd\n    df = pd.DataFrame({\"x\": [1,2,3]})\n    "
		  "return {\"sum\": int(df.sum().iloc[0])}",
		  30000, 128 * MIB, "seed 003: pandas");
	expect_ok("{\n    \"script\": \"def main():\\n    import numpy as np\\n    arr = "
		  "np.array([1,2,3,4,5])\\n    return {\\\"mean\\\": float(np.mean(arr))}\"\n  }",
		  "def main():\n    import numpy as np\n    arr = np.array([1,2,3,4,5])\n    return "
		  "{\"mean\": float(np.mean(arr))}",
		  30000, 128 * MIB, "seed 003: numpy");
	/* Missing main() is the runner's verdict, not the parser's: the request itself is fine. */
	expect_ok("{\"script\": \"def calculate(): return 42\"}", "def calculate(): return 42",
		  30000, 128 * MIB, "seed 003: error-handling example parses");
}

static void test_invalid_json(void)
{
	struct exec_request req = { 0 };
	struct request_error err = { 0 };
	int r;

	ERR("not json", 400, "invalid_json");
	ERR("{", 400, "invalid_json");
	ERR("", 400, "invalid_json");
	ERR("{'script': 'x'}", 400, "invalid_json");
	ERR("{\"script\": \"def main(): return 1\",}", 400, "invalid_json");
	ERR("{\"script\": \"def main(): return 1\"} trailing", 400, "invalid_json");
	ERR("\xff\xfe", 400, "invalid_json");
	ERR("[1, 2", 400, "invalid_json");
	ERR("{\"script\": \"\xff\"}", 400, "invalid_json");
	ERR("{\"script\": \"\\ud800\"}", 400, "invalid_json");
	ERR("{\"script\": \"x\", \"timeout\": 1e400}", 400, "invalid_json");
	ERR("{\"script\": \"x\", \"memory\": -123456789012345678901234567890}", 400, "invalid_json");
	expect_error("{\"script\"\0: 1}", 14, 400, "invalid_json", "raw NUL in the body");

	r = parse("{\"script\": \"x\",\n  oops}", &req, &err);
	CHECK(r == -EINVAL &&
		      strstr(err.message, "line 2") && strstr(err.message, "column"),
	      "invalid_json message gives line and column (%s)", err.message);

	{
		/* Deeper than jansson's parser allows: an error, not a stack overflow. */
		static char deep[20001];
		memset(deep, '[', 10000);
		memset(deep + 10000, ']', 10000);
		expect_error(deep, 20000, 400, "invalid_json", "10000-deep nesting");
	}
}

static void test_invalid_request(void)
{
	struct exec_request req = { 0 };
	struct request_error err = { 0 };

	ERR("[]", 400, "invalid_request");
	ERR("[\"def main(): return 1\"]", 400, "invalid_request");
	ERR("42", 400, "invalid_request");
	ERR("null", 400, "invalid_request");
	ERR("\"str\"", 400, "invalid_request");
	ERR("true", 400, "invalid_request");
	ERR("-1.5", 400, "invalid_request");
	ERR("{}", 400, "invalid_request");
	ERR("{\"timeout\": 5}", 400, "invalid_request");
	ERR("{\"Script\": \"def main(): return 1\"}", 400, "invalid_request");
	ERR("{\"script\": null}", 400, "invalid_request");
	ERR("{\"script\": 42}", 400, "invalid_request");
	ERR("{\"script\": true}", 400, "invalid_request");
	ERR("{\"script\": [\"x\"]}", 400, "invalid_request");
	ERR("{\"script\": {\"code\": \"x\"}}", 400, "invalid_request");
	ERR("{\"script\": \"\"}", 400, "invalid_request");
	ERR("{\"script\": \"   \\n\\t  \\r\\n\"}", 400, "invalid_request");
	ERR("{\"script\": \"\\u00a0\\u3000\\u2028\\f\\u000b\"}", 400, "invalid_request");
	ERR("{\"script\": \"def main():\\u0000    return 1\"}", 400, "invalid_request");
	ERR("{\"script\": \"def main():\\n    return 1\\n\\u0000\"}", 400, "invalid_request");

	(void)parse("{\"script\": 42}", &req, &err);
	CHECK_EQ_STR(err.message, "Validation error: 'script' must be a string", "type message");
	(void)parse("{\"script\": \" \\n\"}", &req, &err);
	CHECK_EQ_STR(err.message, "Validation error: Script cannot be empty", "empty message");
	(void)parse("{\"script\": \"\\u0000\"}", &req, &err);
	CHECK(strstr(err.message, "NUL") != NULL, "NUL message names NUL (%s)", err.message);
	expect_ok("{\"script\": \" x \"}", " x ", 30000, 128 * MIB, "script with spaces around code");
	expect_ok("{\"script\": \"\\u200b\"}", "\xE2\x80\x8B", 30000, 128 * MIB,
		  "U+200B is not Python whitespace");
}

static void test_script_size(void)
{
	char body[4096], script[2048];
	struct exec_request req = { 0 };
	struct request_error err = { 0 };
	size_t n;
	int r;

	/* Exactly at the limit, then one byte over. */
	memset(script, '#', 1000);
	script[1000] = '\0';
	snprintf(body, sizeof(body), "{\"script\": \"%s\"}", script);
	expect_ok(body, script, 30000, 128 * MIB, "script of max_script_bytes");
	memset(script, '#', 1001);
	script[1001] = '\0';
	snprintf(body, sizeof(body), "{\"script\": \"%s\"}", script);
	expect_error(body, strlen(body), 413, "payload_too_large", "script of max+1 bytes");

	/* The limit counts decoded UTF-8 bytes: 501 x "é" is 1002 bytes. */
	n = (size_t)snprintf(body, sizeof(body), "{\"script\": \"");
	for (int i = 0; i < 501; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "\xC3\xA9");
	snprintf(body + n, sizeof(body) - n, "\"}");
	expect_error(body, strlen(body), 413, "payload_too_large", "501 two-byte characters");

	/* ... and escapes count as what they decode to: 600 x \u0041 is 600 bytes. */
	n = (size_t)snprintf(body, sizeof(body), "{\"script\": \"");
	for (int i = 0; i < 600; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "\\u0041");
	snprintf(body + n, sizeof(body) - n, "\"}");
	r = parse(body, &req, &err);
	CHECK(r == 0 && req.script_len == 600, "600 escaped bytes accepted");
	request_free(&req);
	request_free(&req);
	CHECK(req.script == NULL && req.script_len == 0, "request_free twice is safe");
}

static void expect_timeout(const char *value, int want_ok, uint32_t want_ms)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"script\": \"def main(): return 1\", \"timeout\": %s}",
		 value);
	if (want_ok)
		expect_ok(body, "def main(): return 1", want_ms, 128 * MIB, value);
	else
		expect_error(body, strlen(body), 400, "invalid_limit", body);
}

static void expect_memory(const char *value, int want_ok, uint64_t want_bytes)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"script\": \"def main(): return 1\", \"memory\": %s}",
		 value);
	if (want_ok)
		expect_ok(body, "def main(): return 1", 30000, want_bytes, value);
	else
		expect_error(body, strlen(body), 400, "invalid_limit", body);
}

static void test_limits(void)
{
	struct exec_request req = { 0 };
	struct request_error err = { 0 };
	static const char *bad_timeouts[] = { "\"5\"", "true", "false", "-1", "0", "0.0", "301",
					      "300.5", "1e308", "[5]", "{\"s\": 5}",
					      "123456789012345678" };
	static const char *bad_memory[] = { "1", "15", "15.99", "0", "-128", "2049", "1e9",
					    "\"128\"", "true", "[128]", "{}" };

	for (size_t i = 0; i < ARRAY_SIZE(bad_timeouts); i++)
		expect_timeout(bad_timeouts[i], 0, 0);
	expect_timeout("1.5", 1, 1500);
	expect_timeout("300", 1, 300000);
	expect_timeout("300.0", 1, 300000);
	expect_timeout("1", 1, 1000);
	expect_timeout("0.0001", 1, 1);
	expect_timeout("0.0015", 1, 2);
	expect_timeout("null", 1, 30000);

	for (size_t i = 0; i < ARRAY_SIZE(bad_memory); i++)
		expect_memory(bad_memory[i], 0, 0);
	expect_memory("16", 1, 16 * MIB);
	expect_memory("64", 1, 64 * MIB);
	expect_memory("100.5", 1, (uint64_t)(100.5 * MIB));
	expect_memory("2048", 1, 2048 * MIB);
	expect_memory("2048.0", 1, 2048 * MIB);
	expect_memory("null", 1, 128 * MIB);

	(void)parse("{\"script\": \"x\", \"timeout\": 0}", &req, &err);
	CHECK(strstr(err.message, "300") != NULL, "timeout message names the range (%s)",
	      err.message);
	(void)parse("{\"script\": \"x\", \"memory\": 1}", &req, &err);
	CHECK(strstr(err.message, "16") && strstr(err.message, "2048"),
	      "memory message names the range (%s)", err.message);
	expect_error(GOOD_T_BAD_M, strlen(GOOD_T_BAD_M), 400, "invalid_limit",
		     "good timeout, bad memory");

	cfg.timeout_max_ms = 5000;
	expect_timeout("6", 0, 0);
	expect_timeout("5", 1, 5000);
	(void)parse("{\"script\": \"x\", \"timeout\": 6}", &req, &err);
	CHECK(strstr(err.message, "at most 5") != NULL, "configured max in the message (%s)",
	      err.message);
	setup_config();
}

static void test_other_members(void)
{
	struct exec_request req = { .script = (char *)"untouched" };
	struct request_error err = { .message = "untouched" };
	int r;

	expect_ok("{\"script\": \"x = 1\", \"script\": \"def main(): return 2\"}",
		  "def main(): return 2", 30000, 128 * MIB, "duplicate members: the last wins");
	expect_ok("{\"script\": \"x\", \"extra\": [1, {\"deep\": null}], \"lang\": \"py\"}", "x",
		  30000, 128 * MIB, "unknown members ignored");
	expect_ok("{\"script\": \"x\", \"timeout\": null, \"memory\": null}", "x", 30000, 128 * MIB,
		  "null limits mean the defaults");

	r = parse("[]", &req, &err);
	CHECK(r == -EINVAL && strcmp(req.script, "untouched") == 0,
	      "req untouched on failure");
	req = (struct exec_request){ 0 };
	snprintf(err.message, sizeof(err.message), "untouched");
	r = parse("{\"script\": \"x\"}", &req, &err);
	CHECK(r == 0 &&
		      strcmp(err.message, "untouched") == 0,
	      "err untouched on success");
	request_free(&req);
}

int main(void)
{
	setup_config();
	test_seeds();
	test_invalid_json();
	test_invalid_request();
	test_script_size();
	test_limits();
	test_other_members();
	return tap_done();
}
