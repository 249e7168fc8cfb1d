/*
 * See imports.h for what is recognised and why strings are not skipped.
 *
 * Invariants, on any input: every byte is read at an index checked to be
 * < len first; the index only moves forward, and each step of the outer
 * loop either consumes a byte or clears the statement-start flag, which
 * only a consumed byte sets again.  Look-ahead past what is consumed is
 * bounded: a keyword's length plus one, or (dotted_name) one run of
 * blanks, a dot and another run, which is then read once more.  So each
 * byte is read a bounded number of times and the scan is linear in len.
 */
#include "spawner/imports.h"

#include <string.h>

struct scan {
	const unsigned char *p;
	size_t len;
	size_t i;
};

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool at(const struct scan *s, size_t k, unsigned char c)
{
	return k < s->len && s->p[k] == c;
}

/* Spaces, tabs, form feeds and backslash continuations within a statement. */
static void skip_space(struct scan *s)
{
	while (s->i < s->len) {
		unsigned char c = s->p[s->i];

		if (is_blank(c)) {
			s->i++;
		} else if (c == '\\' && at(s, s->i + 1, '\n')) {
			s->i += 2;
		} else if (c == '\\' && at(s, s->i + 1, '\r')) {
			s->i += at(s, s->i + 2, '\n') ? 3 : 2;
		} else {
			break;
		}
	}
}

/* Length of the identifier at s->i, 0 when there is none; consumes nothing. */
static size_t ident_len(const struct scan *s)
{
	size_t k = s->i;

	if (k >= s->len || !is_ident_start(s->p[k]))
		return 0;
	while (k < s->len && is_ident(s->p[k]))
		k++;
	return k - s->i;
}

/* Consumes kw when it stands at s->i as a whole word. */
static bool keyword(struct scan *s, const char *kw)
{
	size_t n = strlen(kw);

	if (s->len - s->i < n || memcmp(s->p + s->i, kw, n) != 0)
		return false;
	if (s->i + n < s->len && is_ident(s->p[s->i + n]))
		return false;
	s->i += n;
	return true;
}

/*
 * Consumes NAME ('.' NAME)* and returns the first NAME's length, or 0 (and
 * consumes nothing) when no name starts at s->i.  A dot not followed by a
 * name is left in place: it ends the statement.
 */
static size_t dotted_name(struct scan *s)
{
	size_t first = ident_len(s);

	if (first == 0)
		return 0;
	s->i += first;
	for (;;) {
		struct scan ahead = *s;
		size_t n;

		skip_space(&ahead);
		if (!at(&ahead, ahead.i, '.'))
			break;
		ahead.i++;
		skip_space(&ahead);
		n = ident_len(&ahead);
		if (n == 0)
			break;
		*s = ahead;
		s->i += n;
	}
	return first;
}

static bool report(const struct scan *s, size_t start, size_t n, imports_fn fn, void *arg)
{
	return fn((const char *)s->p + start, n, arg);
}

/* After `import`: dotted_name [as NAME] (',' dotted_name [as NAME])*. */
static bool parse_import(struct scan *s, imports_fn fn, void *arg)
{
	for (;;) {
		size_t start, n;

		skip_space(s);
		start = s->i;
		n = dotted_name(s);
		if (n == 0)
			return true;
		if (!report(s, start, n, fn, arg))
			return false;
		skip_space(s);
		if (keyword(s, "as")) {
			skip_space(s);
			s->i += ident_len(s);
			skip_space(s);
		}
		if (!at(s, s->i, ','))
			return true;
		s->i++;
	}
}

/*
 * After `from`: the module ('.'+ [dotted_name] or dotted_name), then the
 * `import` keyword, consumed here so that a continuation before it does
 * not leave it at the start of a line; the attribute names after it are
 * left to the caller's skip to the next statement.
 */
static bool parse_from(struct scan *s, imports_fn fn, void *arg)
{
	size_t start, n;

	skip_space(s);
	start = s->i;
	if (at(s, s->i, '.')) {
		/* Each dot is a token in Python: `from . . a import b` is legal. */
		while (at(s, s->i, '.')) {
			s->i++;
			skip_space(s);
		}
		if (!report(s, start, 1, fn, arg))
			return false;
		/* `from .import x` is legal too; no module can be named import. */
		if (!keyword(s, "import")) {
			dotted_name(s);
			skip_space(s);
			keyword(s, "import");
		}
		return true;
	}
	n = dotted_name(s);
	if (n == 0)
		return true;
	if (!report(s, start, n, fn, arg))
		return false;
	skip_space(s);
	keyword(s, "import");
	return true;
}

bool imports_each(const char *text, size_t len, imports_fn fn, void *arg)
{
	struct scan s = { .p = (const unsigned char *)text, .len = len, .i = 0 };
	bool start = true;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		s.i = 3;
	while (s.i < s.len) {
		unsigned char c;

		if (start) {
			start = false;
			while (s.i < s.len && is_blank(s.p[s.i]))
				s.i++;
			if (keyword(&s, "import")) {
				if (!parse_import(&s, fn, arg))
					return false;
			} else if (keyword(&s, "from")) {
				if (!parse_from(&s, fn, arg))
					return false;
			}
			/* The byte a statement ends at may start the next one: not consumed. */
			continue;
		}
		c = s.p[s.i++];
		if (c == '\n' || c == '\r' || c == ';' || c == ':')
			start = true;
	}
	return true;
}
