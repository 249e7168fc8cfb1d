/*
 * http/runner_doc: the tree-less reader of the runner's document.  It must
 * accept and refuse exactly what jansson does (checked on hand-picked edge
 * cases and on many mutated documents), extract the members it promises,
 * and stay flat in memory on the shapes that make tree parsers balloon.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "http/runner_doc.h"
#include "tap.h"

/* jansson's verdict in runner_doc's terms: 0, -ERANGE or -EBADMSG. */
static int jansson_verdict(const char *doc, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(doc, len, JSON_ALLOW_NUL, &e);
	int r;

	if (j) {
		r = json_is_object(j) ? 0 : -EBADMSG;
		json_decref(j);
		return r;
	}
	return json_error_code(&e) == json_error_numeric_overflow ? -ERANGE : -EBADMSG;
}

static int ours(const char *doc, size_t len)
{
	struct runner_doc d;
	int r = runner_doc_parse(doc, len, &d);

	if (r == 0)
		runner_doc_free(&d);
	return r;
}

static void agree(const char *doc, size_t len, const char *name)
{
	int want = jansson_verdict(doc, len), got = ours(doc, len);

	CHECK(want == got, "%s: jansson %d, runner_doc %d", name, want, got);
}

#define AGREE(s) agree(s, sizeof(s) - 1, #s)

/* k nested arrays around inner, as the value of "result". */
static char *nested(unsigned k, const char *inner, size_t *len)
{
	size_t n = strlen(inner), total = 24 + 2 * (size_t)k + n;
	char *b = malloc(total + 1), *p = b;

	p += sprintf(p, "{\"ok\":true,\"result\":");
	memset(p, '[', k);
	p += k;
	memcpy(p, inner, n);
	p += n;
	memset(p, ']', k);
	p += k;
	*p++ = '}';
	*p = '\0';
	*len = (size_t)(p - b);
	return b;
}

static void test_edge_cases(void)
{
	size_t len;
	char *b;
	int r, r2;

	AGREE("{}");
	AGREE(" \t\r\n{ } \n");
	AGREE("");
	AGREE("   ");
	AGREE("[]");
	AGREE("[1e400]");
	AGREE("[1] 1e400");
	AGREE("1e400");
	AGREE("\"x\"");
	AGREE("null");
	AGREE("{\"a\":1}x");
	AGREE("{\"a\":1}{}");
	AGREE("{\"a\" 1e400}");
	AGREE("{\"a\":1e400 x}");
	AGREE("{\"a\":1e400,}");
	AGREE("{1e400:1}");
	AGREE("{\"a\":[1e400 1]}");
	AGREE("{\"a\":01e400}");
	AGREE("{\"a\":1e400\"");
	AGREE("{\"a\":99999999999999999999 x}");
	AGREE("{\"a\":\"x\"1e400}");
	AGREE("{\"a\":tru 1e400}");
	AGREE("{\"a\":1e400e}");
	AGREE("{\"a\":9223372036854775807,\"b\":-9223372036854775808}");
	AGREE("{\"a\":9223372036854775808}");
	AGREE("{\"a\":-9223372036854775809}");
	AGREE("{\"a\":1.7976931348623157e308}");
	AGREE("{\"a\":1.7976931348623159e308}");
	AGREE("{\"a\":1e-400,\"b\":-0,\"c\":1E5,\"d\":0.0e0,\"e\":-0.0E-0}");
	AGREE("{\"a\":123456789012345678901234567890.5}");
	AGREE("{\"a\":01}");
	AGREE("{\"a\":-01}");
	AGREE("{\"a\":1.}");
	AGREE("{\"a\":.5}");
	AGREE("{\"a\":+1}");
	AGREE("{\"a\":1e+}");
	AGREE("{\"a\":-}");
	AGREE("{\"a\":NaN}");
	AGREE("{\"a\":Infinity}");
	AGREE("{\"a\":tru}");
	AGREE("{\"a\":nulll}");
	AGREE("{\"a\":\"\\u0000\"}");
	AGREE("{\"a\\u0000\":1}");
	AGREE("{\"a\":{\"b\\u0000\":1}}");
	AGREE("{\"a\":\"\\uD800\"}");
	AGREE("{\"a\":\"\\uDC00\"}");
	AGREE("{\"a\":\"\\uD800\\u0041\"}");
	AGREE("{\"a\":\"\\uD83D\\uDE00\"}");
	AGREE("{\"a\":\"\\uD83D\\uDE0\"}");
	AGREE("{\"a\":\"\\x\"}");
	AGREE("{\"a\":\"\\/\"}");
	AGREE("{\"a\":\"\t\"}");
	AGREE("{\"a\":\"\x7f\"}");
	AGREE("{\"a\":\"\xff\"}");
	AGREE("{\"a\":\"\xed\xa0\x80\"}");
	AGREE("{\"a\":\"\xc3\"}");
	AGREE("{\"a\":\"unterminated}");
	AGREE("{\"a\" : 1 , \"b\":[ ] ,\"c\":{ }}");
	AGREE("{\"a\":1,,\"b\":2}");
	AGREE("{,}");
	AGREE("{\"a\"}");
	AGREE("{\"a\":}");
	AGREE("{\"a\":[1,]}");
	AGREE("{\"a\":[,1]}");
	AGREE("{\"a\":[1 2]}");
	AGREE("\xef\xbb\xbf{}");
	agree("{\"a\":\"\0\"}", 9, "raw NUL inside a string");
	/*
	 * jansson's reader treats a raw NUL outside strings erratically (as
	 * end of input, or skipped inside a number); here it is always
	 * refused, since a NUL copied into the response would break it.
	 */
	r = ours("{\"a\":1\0}", 8);
	r2 = ours("{\"ok\":true,\"result\":[1,\0 2]}", 28);
	CHECK(r == -EBADMSG && r2 == -EBADMSG,
	      "raw NUL outside strings refused (deliberately stricter than jansson)");

	/* The depth limit counts every value; the document is depth 1, "result" depth 2. */
	for (unsigned k = 2044; k <= 2049; k++) {
		char name[64];

		b = nested(k, "", &len);
		snprintf(name, sizeof(name), "%u empty nested arrays", k);
		agree(b, len, name);
		free(b);
		b = nested(k, "1", &len);
		snprintf(name, sizeof(name), "%u nested arrays around 1", k);
		agree(b, len, name);
		free(b);
		b = nested(k, "1e400", &len);
		snprintf(name, sizeof(name), "%u nested arrays around 1e400", k);
		agree(b, len, name);
		free(b);
	}
	b = nested(100000, "", &len);
	CHECK(ours(b, len) == -EBADMSG, "100000-deep nesting refused without recursion");
	free(b);
}

/* Mutations of valid documents: both parsers must reach the same verdict. */
static void test_mutations(void)
{
	static const char *const seeds[] = {
		"{\"ok\":true,\"result\":{\"a\":[1,2.5,-3e2,\"x\\n\",true,false,null,{}]}}",
		"{\"ok\":false,\"error_type\":\"syntax_error\",\"error\":\"bad\",\"line\":2,\"column\":7}",
		"{\"ok\":true,\"result\":[\"caf\\u00e9\",\"\\ud83d\\ude00\",\"\xc3\xa9\",0.000001,"
		"123456789012345678]}",
		"{ \"ok\" : true , \"result\" : [ [ ] , { \"k\" : \"v\" } ] }",
	};
	static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnrlsa \t\nD8C\xc3\xa9\xff";
	unsigned seed = 4242, disagree = 0, n = 0;
	char buf[256];

	for (int i = 0; i < 200000; i++) {
		const char *src = seeds[(unsigned)rand_r(&seed) % ARRAY_SIZE(seeds)];
		size_t len = strlen(src);
		int edits = 1 + rand_r(&seed) % 3;

		memcpy(buf, src, len);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand_r(&seed) % (len + 1);
			char c = alphabet[(unsigned)rand_r(&seed) % (sizeof(alphabet) - 1)];
			switch (rand_r(&seed) % 3) {
			case 0: /* replace */
				if (at < len)
					buf[at] = c;
				break;
			case 1: /* insert */
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = c;
					len++;
				}
				break;
			default: /* delete */
				if (at < len) {
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
				}
			}
		}
		if (jansson_verdict(buf, len) != ours(buf, len)) {
			if (disagree++ < 5)
				printf("# disagree on: %.*s\n", (int)len, buf);
		}
		n++;
	}
	CHECK(disagree == 0, "same verdict as jansson on %u mutated documents (%u differ)", n,
	      disagree);
}

static int parse_str(const char *doc, struct runner_doc *d)
{
	return runner_doc_parse(doc, strlen(doc), d);
}

static void test_members(void)
{
	struct runner_doc d;
	int r;

	r = parse_str("{\"ok\":true,\"result\":  [1, {\"a\" : 2}] ,\"x\":{}}", &d);
	CHECK(r == 0 && d.ok == 1 && d.result && d.result_len == 14 &&
		      memcmp(d.result, "[1, {\"a\" : 2}]", 14) == 0,
	      "result span is the value's exact text");
	if (r == 0)
		runner_doc_free(&d);

	r = parse_str("{\"ok\":false,\"error_type\":\"runtime_error\",\"error\":\"caf\\u00e9\\u0000x\","
		"\"traceback\":\"T\\ud83d\\ude00\",\"exception_type\":\"E\",\"line\":3,\"column\":0}", &d);
	CHECK(r == 0 && d.ok == 0, "ok:false document");
	if (r == 0) {
		CHECK(d.result == NULL, "no result");
		CHECK(d.error_type.s && strcmp(d.error_type.s, "runtime_error") == 0, "error_type");
		CHECK(d.error.len == 7 && memcmp(d.error.s, "caf\xc3\xa9\0x", 7) == 0,
		      "error decoded, NUL kept");
		CHECK(d.traceback.len == 5 && memcmp(d.traceback.s, "T\xf0\x9f\x98\x80", 5) == 0,
		      "surrogate pair decoded");
		CHECK(d.exception_type.s && strcmp(d.exception_type.s, "E") == 0, "exception_type");
		CHECK(d.has_line && d.line == 3 && d.has_column && d.column == 0, "line and column");
		runner_doc_free(&d);
		runner_doc_free(&d);
	}

	r = parse_str("{\"line\":-1,\"column\":2147483648,\"ok\":1}", &d);
	CHECK(r == 0 && !d.has_line && !d.has_column && d.ok == -1,
	      "out-of-range positions and a non-bool ok are absent");
	if (r == 0)
		runner_doc_free(&d);
	r = parse_str("{\"line\":1.0,\"column\":\"2\",\"error\":5}", &d);
	CHECK(r == 0 && !d.has_line && !d.has_column && !d.error.s, "wrong types are absent");
	if (r == 0)
		runner_doc_free(&d);

	r = parse_str("{\"error\":\"a\",\"error\":\"b\",\"ok\":true,\"ok\":false,"
			     "\"exception_type\":\"x\",\"exception_type\":null}", &d);
	CHECK(r == 0 && d.error.s && strcmp(d.error.s, "b") == 0 && d.ok == 0 &&
		      !d.exception_type.s,
	      "duplicates: the last wins, also when it is not a string");
	if (r == 0)
		runner_doc_free(&d);

	r = parse_str("{\"\\u0072esult\":7,\"ok\":true,"
			     "\"result_and_a_name_longer_than_the_buffer\":8}", &d);
	CHECK(r == 0 && d.result && d.result_len == 1 && d.result[0] == '7',
	      "names are compared decoded; long names match nothing");
	if (r == 0)
		runner_doc_free(&d);

	r = parse_str("{\"error\":\"x\",\"ok\":tru}", &d);
	CHECK(r == -EBADMSG, "a failure after a kept string frees it (checked under ASan)");
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_amplification(void)
{
	/* 2.7 million empty objects: some 600 MB as a jansson tree. */
	size_t n = 2700000, len = 3 * n + 32;
	char *b = malloc(len + 1), *p = b;
	struct runner_doc d;
	long before;
	int r;

	p += sprintf(p, "{\"ok\":true,\"result\":[");
	for (size_t i = 0; i < n; i++) {
		memcpy(p, i ? ",{}" : "{}", i ? 3 : 2);
		p += i ? 3 : 2;
	}
	p += sprintf(p, "]}");
	before = maxrss_kb();
	r = runner_doc_parse(b, (size_t)(p - b), &d);
	CHECK(r == 0 && d.ok == 1 && d.result_len == (size_t)(p - b) - 21,
	      "8 MB of empty objects accepted");
	CHECK(maxrss_kb() - before < 4096, "parsing it grew the peak RSS by %ld kB",
	      maxrss_kb() - before);
	if (r == 0)
		runner_doc_free(&d);
	free(b);
}

int main(void)
{
	test_edge_cases();
	test_mutations();
	test_members();
	test_amplification();
	return tap_done();
}
