/*
 * spawner/imports: which statements count and which names they report,
 * the ends of the text, early stop, and hostile inputs (NUL bytes, 256 KiB
 * of continuations) scanned in linear time.
 *
 * Every input is copied into a heap buffer of exactly its length, so a
 * read past the end is an AddressSanitizer error in the SANITIZE=1 build,
 * and every reported name is checked to lie inside that buffer, in text
 * order, as a whole identifier (or ".").
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spawner/imports.h"
#include "tap.h"
#include "util/macros.h"

#define BIG (256 * 1024)

struct got {
	const char *text;  /* the buffer scanned, for the bounds checks */
	size_t text_len;
	const char *next;  /* where the next name may start at the earliest */
	char names[4096];  /* the names reported, joined by ',' */
	size_t used;
	bool overflow;     /* names[] was too small: the joined list is cut */
	size_t calls;
	size_t stop_at;    /* return false on this call (1-based); 0: never */
	const char *only;  /* when set, the one name every call must report */
	size_t bad;        /* calls that broke one of the checks */
};

static void got_init(struct got *g, const char *text, size_t len)
{
	memset(g, 0, sizeof(*g));
	g->text = text;
	g->text_len = len;
	g->next = text;
}

static bool ident_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/* A whole identifier (not a digit first, no identifier byte either side) or ".". */
static bool well_formed(const struct got *g, size_t off, size_t len)
{
	const unsigned char *t = (const unsigned char *)g->text;

	if (len == 1 && t[off] == '.')
		return true;
	if (t[off] >= '0' && t[off] <= '9')
		return false;
	for (size_t k = off; k < off + len; k++)
		if (!ident_byte(t[k]))
			return false;
	if (off > 0 && ident_byte(t[off - 1]))
		return false;
	return off + len == g->text_len || !ident_byte(t[off + len]);
}

static bool collect(const char *name, size_t len, void *arg)
{
	struct got *g = arg;
	uintptr_t lo = (uintptr_t)g->text, p = (uintptr_t)name;

	g->calls++;
	if (len == 0 || !g->text || p < (uintptr_t)g->next || p - lo > g->text_len ||
	    len > g->text_len - (p - lo) || !well_formed(g, p - lo, len)) {
		g->bad++;
	} else {
		g->next = name + len;
		if (g->only && (len != strlen(g->only) || memcmp(name, g->only, len) != 0))
			g->bad++;
	}
	if (g->used + len + 2 > sizeof(g->names)) {
		g->overflow = true;
	} else {
		if (g->used > 0)
			g->names[g->used++] = ',';
		memcpy(g->names + g->used, name, len);
		g->used += len;
		g->names[g->used] = '\0';
	}
	return g->calls != g->stop_at;
}

/* Scans a copy of in[0..len) that has no byte after it; returns imports_each()'s result. */
static bool scan_copy(const char *in, size_t len, struct got *g)
{
	char *buf = malloc(len ? len : 1);
	bool r;

	if (!buf) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf, in, len);
	got_init(g, buf, len);
	r = imports_each(buf, len, collect, g);
	g->text = NULL; /* the buffer is gone: later calls would be bugs */
	free(buf);
	return r;
}

static void check_names(const char *in, size_t len, const char *want, const char *name)
{
	struct got g;
	bool r = scan_copy(in, len, &g);
	bool ok = r && !g.overflow && g.bad == 0 && strcmp(g.names, want) == 0;

	CHECK(ok, "%s (got \"%s\", want \"%s\", bad=%zu)", name, g.names, want, g.bad);
}

/* Names reported for the string literal in, its terminating NUL not included. */
#define IMPORTS(in, want, name) check_names(in, sizeof(in) - 1, want, name)

static void test_import(void)
{
	IMPORTS("import os", "os", "one module");
	IMPORTS("import os, sys", "os,sys", "two modules");
	IMPORTS("import a.b.c as x, d, e.f", "a,d,e", "dotted names, an alias: first parts");
	IMPORTS("import os as o", "os", "alias not reported");
	IMPORTS("import a . b, c . d", "a,c", "blanks around the dots");
	IMPORTS("import   os\t,\tsys", "os,sys", "spaces and tabs between the parts");
	IMPORTS("import\tos", "os", "tab after the keyword");
	IMPORTS("import\f os", "os", "form feed after the keyword");
	IMPORTS("import _p, __future__, A9", "_p,__future__,A9", "underscores, digits, capitals");
	IMPORTS("import caf\xC3\xA9, \xC3\xA9t\xC3\xA9", "caf\xC3\xA9,\xC3\xA9t\xC3\xA9",
		"bytes >= 0x80 are identifier bytes");
	IMPORTS("import os # the os", "os", "comment after the statement");
	IMPORTS("import os#x", "os", "comment right after the name");
	IMPORTS("import importlib", "importlib", "importlib itself is an import");
	IMPORTS("import a as b c, d", "a", "junk after an alias ends the statement");
	IMPORTS("import a, b c, d", "a,b", "junk after a name ends the statement");
	IMPORTS("import a asb, c", "a", "`as` must be a whole word");
	IMPORTS("import a..b, c", "a", "a dot without a name ends the statement");
	IMPORTS("import (a, b)", "", "parentheses after plain import: nothing");
	IMPORTS("import a, (b)", "a", "parenthesis after a comma: what was read so far");
	IMPORTS("import 1abc, d", "", "a name cannot start with a digit");
	IMPORTS("import \"os\"", "", "a string is not a name");
	IMPORTS("import a; import b; import c", "a,b,c", "statements separated by semicolons");
	IMPORTS("import os;import sys", "os,sys", "semicolon without blanks");
	IMPORTS("import os\nimport sys\n\nimport json\n", "os,sys,json", "one statement a line");
	IMPORTS("import os, os", "os,os", "a module named twice is reported twice");
}

static void test_from(void)
{
	IMPORTS("from a.b import c, d", "a", "from: the module, not the attributes");
	IMPORTS("from a import b as c, d as e", "a", "from with aliases");
	IMPORTS("from a import (b,\n    c,\n)", "a", "parenthesised attribute list over lines");
	IMPORTS("from os import path\nfrom sys import argv", "os,sys", "two from statements");
	IMPORTS("from __future__ import annotations", "__future__", "__future__");
	IMPORTS("from a import b; import c", "a,c", "from then import on one line");
	IMPORTS("from\tos import path", "os", "tab after from");
	IMPORTS("from a . b import c", "a", "blanks around the dots");
	IMPORTS("from os import *", "os", "star import");
	IMPORTS("from . import x", ".", "relative: from .");
	IMPORTS("from .a import b", ".", "relative: from .a");
	IMPORTS("from ..a import b", ".", "relative: from ..a");
	IMPORTS("from ...a.b import c", ".", "relative: three dots and a dotted name");
	IMPORTS("from .import x", ".", "relative: no blank before import");
	IMPORTS("from . . a import b", ".", "relative: blanks between the dots");
	IMPORTS("from.a import b", ".", "relative: no blank after from");
	IMPORTS("from .a import b\nimport c", ".,c", "relative, then an import");
	IMPORTS("from 1 import x", "", "from a digit: nothing");
	IMPORTS("from (a) import b", "", "from a parenthesis: nothing");
	IMPORTS("from a importx", "a", "the module even when `import` does not follow");
}

static void test_statement_starts(void)
{
	IMPORTS("x = 1; import os", "os", "after a semicolon");
	IMPORTS("if True: import json", "json", "after a colon");
	IMPORTS("try: from pandas import DataFrame", "pandas", "from after a colon");
	IMPORTS("if x:import os", "os", "colon without a blank");
	IMPORTS("  import os", "os", "indented by spaces");
	IMPORTS("\t\timport os", "os", "indented by tabs");
	IMPORTS("\f import os", "os", "form feed before the indentation");
	IMPORTS("def f():\n    import json\n    return 1\n", "json", "in a function body");
	IMPORTS("try:\n    import a\nexcept ImportError:\n    import b\n", "a,b", "try/except");
	IMPORTS("x = 1 import os", "", "not after a statement start");
	IMPORTS("print(1) import os", "", "after a closing parenthesis");
	IMPORTS("yield from gen", "", "yield from");
	IMPORTS("x = yield from g()", "", "yield from in an assignment");
	IMPORTS("def f():\n    yield from gen\n", "", "yield from on its own line");
	IMPORTS("raise E from err", "", "raise from");
	IMPORTS("__import__(\"x\")", "", "__import__ is a call, not a statement");
	IMPORTS("importlib.import_module(\"x\")", "", "import_module is a call");
	IMPORTS("import importlib\nm = importlib.import_module(\"x\")", "importlib",
		"importlib imported, its call not reported");
	IMPORTS("x.import_y; a.from_b", "", "attributes named like keywords");
	IMPORTS("#import os\nimport sys", "sys", "a comment's first word is not at a start");
	IMPORTS("d = {1: import_x}", "", "a colon before an identifier that is not import");
	IMPORTS("s = '''\nimport os\n'''", "os", "inside a string: reported (documented)");
	IMPORTS("s = 'x; import os'", "os", "after a semicolon in a string: reported (documented)");
	IMPORTS("\xEF\xBB\xBFimport os", "os", "after a UTF-8 BOM at the start");
	IMPORTS("\n\xEF\xBB\xBFimport os", "", "a BOM elsewhere is identifier bytes");
}

static void test_whole_words(void)
{
	IMPORTS("important = 1", "", "important");
	IMPORTS("fromage = 2", "", "fromage");
	IMPORTS("my_import x", "", "my_import");
	IMPORTS("import_x = 1\nimports = 2\nimport9 y", "", "import followed by identifier bytes");
	IMPORTS("from_ = 1\nfrom9 x", "", "from followed by identifier bytes");
	IMPORTS("import\xC3\xA9 x", "", "import followed by a byte >= 0x80");
	IMPORTS("Import os\nFROM a import b", "", "keywords are case-sensitive");
	IMPORTS("x_from a import b", "", "from at the end of an identifier");
}

static void test_continuation(void)
{
	IMPORTS("import a, \\\n    b", "a,b", "backslash-LF");
	IMPORTS("import a, \\\r\n    b", "a,b", "backslash-CRLF");
	IMPORTS("import a, \\\r    b", "a,b", "backslash-CR");
	IMPORTS("import \\\n a.b \\\n as c, \\\n d", "a,d", "continuations around every part");
	IMPORTS("import a \\\n . b, c", "a,c", "continuation before a dot");
	IMPORTS("import\\\nos", "os", "continuation right after the keyword");
	IMPORTS("from a \\\n import b", "a", "from: continuation before import, b not reported");
	IMPORTS("from a \\\r\nimport b, c", "a", "from: CRLF continuation, then import");
	IMPORTS("from . \\\n import x", ".", "relative: continuation before import");
	IMPORTS("from a import \\\n b, \\\n c; import d", "a,d", "continued attribute list");
	IMPORTS("import a, \\ b", "a", "a backslash not before a newline ends the statement");
	IMPORTS("import a,\nb", "a", "a newline without a backslash ends the statement");
	IMPORTS("raise E \\\nfrom err", "err", "a continued line starting with from (documented)");
	IMPORTS("\\\nimport os", "os", "continuation before a statement");
}

static void test_newlines(void)
{
	IMPORTS("import os\r\nimport sys\r\n", "os,sys", "CRLF");
	IMPORTS("import os\rimport sys\r", "os,sys", "CR alone");
	IMPORTS("from a import b\r\nfrom c import d\r\n", "a,c", "from, CRLF");
	IMPORTS("if x:\r\n\timport a\r\n\tfrom b import c\r\n", "a,b", "CRLF and tab indentation");
	IMPORTS("import a\n\n\n\t\n  import b", "a,b", "blank lines in between");
}

static void test_ends(void)
{
	struct got g;
	bool r;

	got_init(&g, NULL, 0);
	r = imports_each(NULL, 0, collect, &g);
	CHECK(r && g.calls == 0, "NULL text, length 0: true, no calls (calls=%zu)", g.calls);
	got_init(&g, "import os", 0);
	r = imports_each("import os", 0, collect, &g);
	CHECK(r && g.calls == 0, "text of length 0: true, no calls (calls=%zu)", g.calls);

	IMPORTS("import", "", "import at the very end");
	IMPORTS("from", "", "from at the very end");
	IMPORTS("x = 1\nimport", "", "import at the end, after a newline");
	IMPORTS("x; from", "", "from at the end, after a semicolon");
	IMPORTS("import ", "", "import and a blank at the end");
	IMPORTS("import \\", "", "import and a backslash at the end");
	IMPORTS("import \\\r", "", "import and backslash-CR at the end");
	IMPORTS("import os,", "os", "a comma at the end");
	IMPORTS("import a.", "a", "a dot at the end");
	IMPORTS("import a as", "a", "as at the end");
	IMPORTS("import a\\", "a", "a backslash at the end");
	IMPORTS("from .", ".", "relative from at the end");
	IMPORTS("from a", "a", "from a module at the end");
	IMPORTS("impo", "", "a keyword cut by the end");
	IMPORTS("\xEF\xBB", "", "a BOM cut by the end");
	check_names("import pandas", 10, "pan", "a name cut by the end of the text");
	check_names("import os", 4, "", "the keyword cut by the end of the text");
	check_names("from pandas import x", 7, "pa", "a from module cut by the end");
	check_names("import a\nimport b", 8, "a", "the second statement beyond the length");
}

static void test_nul(void)
{
	IMPORTS("import a\0b, c\nimport d", "a,d", "NUL after a name ends the statement");
	IMPORTS("import\0os", "", "NUL after the keyword");
	IMPORTS("\0import os\nimport sys", "sys", "NUL is not a statement start");
	IMPORTS("x = 1\0\nimport os", "os", "the scan goes on past a NUL");
	IMPORTS("import a\0", "a", "NUL at the end");
	IMPORTS("\0\0\0", "", "only NULs");
}

/* fn returning false stops the scan at once. */
static void check_stop(const char *in, size_t stop_at, bool want_r, size_t want_calls,
		       const char *want, const char *name)
{
	struct got g;
	char *buf = strdup(in);
	bool r, ok;

	if (!buf) {
		perror("strdup");
		exit(2);
	}
	got_init(&g, buf, strlen(buf));
	g.stop_at = stop_at;
	r = imports_each(buf, strlen(buf), collect, &g);
	ok = r == want_r && g.calls == want_calls && g.bad == 0 && strcmp(g.names, want) == 0;
	CHECK(ok, "%s (returned %d after %zu calls: \"%s\")", name, r, g.calls, g.names);
	free(buf);
}

static void test_stop(void)
{
	static const char four[] = "import a, b, c\nimport d";

	check_stop(four, 1, false, 1, "a", "stop at the first name of a list");
	check_stop(four, 2, false, 2, "a,b", "stop inside a list");
	check_stop(four, 4, false, 4, "a,b,c,d", "stop at the last name: still false");
	check_stop(four, 5, true, 4, "a,b,c,d", "never stopped: true");
	check_stop("from a import b\nimport c", 1, false, 1, "a", "stop at a from module");
	check_stop("from . import b\nimport c", 1, false, 1, ".", "stop at a relative import");
	check_stop("x = 1", 1, true, 0, "", "no names: true, no calls");
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills buf[0..cap) with whole copies of unit[0..n), n > 0; returns the length filled. */
static size_t fill(char *buf, size_t cap, const char *unit, size_t n)
{
	size_t len = 0;

	while (cap - len >= n) {
		memcpy(buf + len, unit, n);
		len += n;
	}
	return len;
}

/*
 * Linear time: a pass over 256 KiB takes about a millisecond; a rescan
 * per byte would take tens of seconds.  The bound leaves room for
 * valgrind and a loaded machine.
 */
#define MAX_CPU_SECONDS 2.0

/* head, then copies of unit[0..unit_len), then tail, in at most BIG bytes. */
static void check_big(const char *head, const char *unit, size_t unit_len, const char *tail,
		      size_t want_calls, const char *only, const char *name)
{
	size_t hn = strlen(head), tn = strlen(tail), len;
	char *buf = malloc(BIG);
	struct got g;
	double t;
	bool r, ok;

	if (!buf) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf, head, hn);
	len = hn + fill(buf + hn, BIG - hn - tn, unit, unit_len);
	memcpy(buf + len, tail, tn);
	len += tn;

	got_init(&g, buf, len);
	g.only = only;
	t = cpu_seconds();
	r = imports_each(buf, len, collect, &g);
	t = cpu_seconds() - t;
	ok = r && g.calls == want_calls && g.bad == 0 && t < MAX_CPU_SECONDS;
	CHECK(ok, "%s: %zu bytes, %zu calls (want %zu), %.3f s", name, len, g.calls, want_calls, t);
	free(buf);
}

/* unit is a string literal, so that it may be a NUL. */
#define BIG_CASE(head, unit, ...) check_big(head, unit, sizeof(unit) - 1, __VA_ARGS__)

static void test_large(void)
{
	BIG_CASE("", "import a\n", "", BIG / 9, "a", "256 KiB of `import a` lines");
	BIG_CASE("", "\\", "", 0, NULL, "256 KiB of backslashes");
	BIG_CASE("", "\\\n", "import z", 1, "z", "256 KiB of backslash-newlines, then an import");
	BIG_CASE("", "\\\r", "", 0, NULL, "256 KiB of backslash-CRs");
	BIG_CASE("import ", "\\\n", "z", 1, "z", "one import continued over 128 Ki lines");
	BIG_CASE("import ", "a.", "a", 1, "a", "a dotted name of 128 Ki parts");
	BIG_CASE("import ", "a . \\\n", "a", 1, "a", "dots, blanks and continuations");
	BIG_CASE("import ", "a, ", "a", (BIG - 8) / 3 + 1, "a", "a list of 87 Ki names");
	BIG_CASE("from ", ".", " import x", 1, ".", "a relative import of 256 Ki dots");
	BIG_CASE("", ":", "import q", 1, "q", "256 KiB of colons");
	BIG_CASE("", ";", "", 0, NULL, "256 KiB of semicolons");
	BIG_CASE("", " ", "", 0, NULL, "256 KiB of spaces");
	BIG_CASE("import a", " ", "", 1, "a", "one import and 256 KiB of spaces");
	BIG_CASE("", "\n", "", 0, NULL, "256 KiB of newlines");
	BIG_CASE("", "from", "", 0, NULL, "256 KiB of from without a break");
	BIG_CASE("", "a", "", 0, NULL, "one identifier of 256 KiB");
	BIG_CASE("import ", "a", "", 1, NULL, "importing an identifier of 256 KiB");
	BIG_CASE("", "\0", "", 0, NULL, "256 KiB of NULs");
}

/*
 * Random texts built from the tokens the scanner cares about: every name
 * passes collect()'s checks under ASan, and stopping after k calls
 * reports exactly the first k names of the full scan.
 */
static void test_random(void)
{
	static const char *const tok[] = {
		"import", "from", " ", "\t", "\\", "\n", "\r", ";", ":", ".", ",", "as",
		"a", "b1", "\xC3\xA9", "(", "#", "'", "_", "9", "\f", "imp", "\xEF\xBB\xBF",
		"\nimport ", "from ", " import ", " as ", "\\\n", "\\\r\n", "a.b", ", ",
	};
	size_t bad = 0, mismatched = 0, names = 0;
	unsigned seed = 4242;

	for (int i = 0; i < 20000; i++) {
		char in[512];
		size_t len = 0, ntok = (size_t)(rand_r(&seed) % 48);
		struct got full, part;

		for (size_t k = 0; k < ntok; k++) {
			int v = rand_r(&seed);
			/* One token in 16 is a NUL byte. */
			const char *t = v % 16 ? tok[(size_t)(v >> 4) % ARRAY_SIZE(tok)] : "\0";
			size_t n = *t ? strlen(t) : 1;

			memcpy(in + len, t, n);
			len += n;
		}
		if (!scan_copy(in, len, &full) || full.overflow)
			bad++;
		bad += full.bad;
		names += full.calls;
		if (full.calls == 0)
			continue;

		{
			size_t stop = 1 + (size_t)rand_r(&seed) % full.calls;
			char *buf = malloc(len);
			bool r;

			if (!buf) {
				perror("malloc");
				exit(2);
			}
			memcpy(buf, in, len);
			got_init(&part, buf, len);
			part.stop_at = stop;
			r = imports_each(buf, len, collect, &part);
			free(buf);
			if (r || part.calls != stop || part.bad ||
			    strncmp(full.names, part.names, part.used) != 0 ||
			    (full.names[part.used] != ',' && full.names[part.used] != '\0'))
				mismatched++;
		}
	}
	CHECK(bad == 0, "random texts: %zu names, every one well-formed (%zu bad)", names, bad);
	CHECK(mismatched == 0, "random texts: early stop reports a prefix (%zu mismatched)",
	      mismatched);
}

int main(void)
{
	test_import();
	test_from();
	test_statement_starts();
	test_whole_words();
	test_continuation();
	test_newlines();
	test_ends();
	test_nul();
	test_stop();
	test_large();
	test_random();
	return tap_done();
}
