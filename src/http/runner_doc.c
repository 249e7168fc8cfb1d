/*
 * Single-pass reader for the runner's result document (see runner_doc.h).
 *
 * Structure: a scanner over [p, end) with one function per JSON token
 * (number, string, literal) and an iterative value walker whose only
 * state is one bit per open container, so a hostile nesting depth costs
 * neither stack nor heap.
 *
 * Error precedence follows jansson, whose lexer reads a token before its
 * parser decides the token is misplaced: a number that is out of range is
 * reported as -ERANGE even where no number may stand ("{\"a\" 1e400}"),
 * and otherwise the first fault in document order decides.  The response
 * layer maps -ERANGE to result_not_serializable and -EBADMSG to
 * result_invalid, as it did when jansson parsed the document.
 */
#include "http/runner_doc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

struct scan {
	const char *p, *end;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool at(const struct scan *s, char c)
{
	return s->p < s->end && *s->p == c;
}

static const char *skip_digits(const char *q, const char *end)
{
	while (q < end && is_digit(*q))
		q++;
	return q;
}

/*
 * The number token at s->p (RFC 8259 grammar).  -EBADMSG if malformed,
 * -ERANGE if it is an integer outside int64 or a real that overflows a
 * double (jansson's two "numeric overflow" cases; underflow to 0 is fine).
 * On 0, *is_int and *ival (when non-NULL) describe it.
 */
static int lex_number(struct scan *s, bool *is_int, long long *ival)
{
	const char *q = s->p, *end = s->end;
	bool integer = true;
	char small[64], *buf = small;
	size_t len;
	long long v = 0;
	uint32_t cp;
	int r = 0;

	if (q < end && *q == '-')
		q++;
	if (q >= end || !is_digit(*q))
		return -EBADMSG;
	if (*q == '0') {
		if (++q < end && is_digit(*q))
			return -EBADMSG; /* leading zero */
	} else {
		q = skip_digits(q, end);
	}
	if (q < end && *q == '.') {
		integer = false;
		if (++q >= end || !is_digit(*q))
			return -EBADMSG;
		q = skip_digits(q, end);
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		integer = false;
		if (++q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || !is_digit(*q))
			return -EBADMSG;
		q = skip_digits(q, end);
	}

	/*
	 * jansson's reader decodes the character after a number (to see that
	 * the number ended) before converting it: broken UTF-8 there is the
	 * first fault, ahead of any overflow.
	 */
	if (q < end && (unsigned char)*q >= 0x80 && utf8_decode(q, (size_t)(end - q), &cp) == 0)
		return -EBADMSG;

	/* strtoll/strtod want a terminated string; a hostile number may be long. */
	len = (size_t)(q - s->p);
	if (len >= sizeof(small)) {
		buf = malloc(len + 1);
		if (!buf)
			return -ENOMEM;
	}
	memcpy(buf, s->p, len);
	buf[len] = '\0';
	errno = 0;
	if (integer) {
		v = strtoll(buf, NULL, 10);
		if (errno == ERANGE)
			r = -ERANGE;
	} else {
		double d = strtod(buf, NULL);
		if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
			r = -ERANGE;
	}
	if (buf != small)
		free(buf);
	if (r < 0)
		return r;
	s->p = q;
	if (is_int)
		*is_int = integer;
	if (ival)
		*ival = v;
	return 0;
}

static int hex4(const char *q, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - q < 4)
		return -EBADMSG;
	for (int i = 0; i < 4; i++) {
		char c = q[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EBADMSG;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * The string token at s->p (a '"').  Validates it and decodes the first
 * cap bytes into out (out may be NULL); *len gets the whole decoded length
 * (never more than the raw length) and *has_nul whether it holds a NUL.
 */
static int lex_string(struct scan *s, char *out, size_t cap, size_t *len, bool *has_nul)
{
	const char *q = s->p + 1, *end = s->end;
	size_t n = 0;
	bool nul = false;

	while (q < end && *q != '"') {
		unsigned char c = (unsigned char)*q;
		char tmp[4];
		const char *src = tmp;
		size_t k;

		if (c < 0x20)
			return -EBADMSG; /* raw control characters are not allowed */
		if (c == '\\') {
			uint32_t cp, lo;

			if (++q >= end)
				return -EBADMSG;
			switch (*q++) {
			case '"': tmp[0] = '"'; k = 1; break;
			case '\\': tmp[0] = '\\'; k = 1; break;
			case '/': tmp[0] = '/'; k = 1; break;
			case 'b': tmp[0] = '\b'; k = 1; break;
			case 'f': tmp[0] = '\f'; k = 1; break;
			case 'n': tmp[0] = '\n'; k = 1; break;
			case 'r': tmp[0] = '\r'; k = 1; break;
			case 't': tmp[0] = '\t'; k = 1; break;
			case 'u':
				if (hex4(q, end, &cp) < 0)
					return -EBADMSG;
				q += 4;
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return -EBADMSG; /* lone low surrogate */
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (end - q < 6 || q[0] != '\\' || q[1] != 'u' ||
					    hex4(q + 2, end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
						return -EBADMSG; /* high surrogate without its pair */
					q += 6;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				}
				nul |= cp == 0;
				k = put_utf8(tmp, cp);
				break;
			default:
				return -EBADMSG;
			}
		} else if (c < 0x80) {
			src = q++;
			k = 1;
		} else {
			uint32_t cp;
			k = utf8_decode(q, (size_t)(end - q), &cp);
			if (k == 0)
				return -EBADMSG;
			src = q;
			q += k;
		}
		if (out && n < cap)
			memcpy(out + n, src, MIN(k, cap - n));
		n += k;
	}
	if (q >= end)
		return -EBADMSG; /* unterminated */
	s->p = q + 1;
	*len = n;
	if (has_nul)
		*has_nul = nul;
	return 0;
}

static int lex_literal(struct scan *s)
{
	static const char *const lits[] = { "true", "false", "null" };

	for (size_t i = 0; i < ARRAY_SIZE(lits); i++) {
		size_t n = strlen(lits[i]);
		if ((size_t)(s->end - s->p) >= n && memcmp(s->p, lits[i], n) == 0) {
			s->p += n;
			return 0;
		}
	}
	return -EBADMSG;
}

/* A token where it may not stand: only an out-of-range number outranks the syntax error. */
static int unexpected(struct scan *s)
{
	if (s->p < s->end && (*s->p == '-' || is_digit(*s->p))) {
		int r = lex_number(s, NULL, NULL);
		if (r == -ERANGE || r == -ENOMEM)
			return r;
	}
	return -EBADMSG;
}

/* An object member's name and colon; jansson refuses a NUL in a name. */
static int member_name(struct scan *s, char *name, size_t cap, size_t *len)
{
	bool nul;
	int r;

	if (!at(s, '"'))
		return unexpected(s);
	r = lex_string(s, name, cap, len, &nul);
	if (r < 0)
		return r;
	if (nul)
		return -EBADMSG;
	skip_ws(s);
	if (!at(s, ':'))
		return unexpected(s);
	s->p++;
	return 0;
}

/*
 * Validates one value at s->p that will sit at nesting depth `depth`
 * (the document is depth 1; every value inside a container is one deeper).
 * Iterative: bit i of kinds says whether the i-th open container is an object.
 */
static int scan_value(struct scan *s, unsigned depth)
{
	uint8_t kinds[RUNNER_DOC_MAX_DEPTH / 8 + 1] = { 0 };
	unsigned open = 0;
	size_t len;
	int r;

	for (;;) {
		char c;

		/* A value is expected here. */
		skip_ws(s);
		if (s->p >= s->end)
			return -EBADMSG;
		c = *s->p;
		if (c == '-' || is_digit(c)) {
			/* jansson lexes the number before it checks the depth. */
			r = lex_number(s, NULL, NULL);
			if (r < 0)
				return r;
			if (depth + open > RUNNER_DOC_MAX_DEPTH)
				return -EBADMSG;
		} else if (depth + open > RUNNER_DOC_MAX_DEPTH) {
			return -EBADMSG;
		} else if (c == '"') {
			r = lex_string(s, NULL, 0, &len, NULL);
			if (r < 0)
				return r;
		} else if (c == '[' || c == '{') {
			bool obj = c == '{';

			if (obj)
				kinds[open / 8] |= (uint8_t)(1u << (open % 8));
			else
				kinds[open / 8] &= (uint8_t) ~(1u << (open % 8));
			open++;
			s->p++;
			skip_ws(s);
			if (at(s, obj ? '}' : ']')) {
				s->p++;
				open--;
			} else {
				if (obj) {
					r = member_name(s, NULL, 0, &len);
					if (r < 0)
						return r;
				}
				continue;
			}
		} else {
			r = lex_literal(s);
			if (r < 0)
				return r;
		}

		/* A value ended: close containers until one continues or none is left. */
		for (;;) {
			bool obj;

			if (open == 0)
				return 0;
			obj = kinds[(open - 1) / 8] & (1u << ((open - 1) % 8));
			skip_ws(s);
			if (at(s, ',')) {
				s->p++;
				if (obj) {
					skip_ws(s);
					r = member_name(s, NULL, 0, &len);
					if (r < 0)
						return r;
				}
				break;
			}
			if (!at(s, obj ? '}' : ']'))
				return unexpected(s);
			s->p++;
			open--;
		}
	}
}

/* A string member worth keeping: decoded into a new buffer. */
static int take_string(struct scan *s, struct runner_str *out)
{
	struct scan probe = *s;
	size_t n, n2;
	char *buf;
	int r;

	r = lex_string(&probe, NULL, 0, &n, NULL);
	if (r < 0)
		return r;
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	r = lex_string(s, buf, n, &n2, NULL);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	free(out->s);
	out->s = buf;
	out->len = n;
	return 0;
}

static void drop_string(struct runner_str *str)
{
	free(str->s);
	str->s = NULL;
	str->len = 0;
}

/* "line" and "column": kept only as integers in 0..INT32_MAX. */
static int take_position(struct scan *s, bool *has, int32_t *value)
{
	bool is_int;
	long long v;
	int r;

	*has = false;
	if (!(*s->p == '-' || is_digit(*s->p)))
		return scan_value(s, 2);
	r = lex_number(s, &is_int, &v);
	if (r < 0)
		return r;
	if (is_int && v >= 0 && v <= INT32_MAX) {
		*has = true;
		*value = (int32_t)v;
	}
	return 0;
}

static int member(struct scan *s, const char *name, size_t name_len, struct runner_doc *d)
{
	static const struct {
		const char *name;
		size_t offset;
	} strings[] = {
		{ "error_type", offsetof(struct runner_doc, error_type) },
		{ "error", offsetof(struct runner_doc, error) },
		{ "traceback", offsetof(struct runner_doc, traceback) },
		{ "exception_type", offsetof(struct runner_doc, exception_type) },
	};
	const char *start;
	int r;

	skip_ws(s);
	if (s->p >= s->end)
		return -EBADMSG;
	if (strcmp(name, "ok") == 0 && name_len == 2) {
		start = s->p;
		r = scan_value(s, 2);
		if (r == 0)
			d->ok = s->p - start == 4 && memcmp(start, "true", 4) == 0    ? 1
				: s->p - start == 5 && memcmp(start, "false", 5) == 0 ? 0
										      : -1;
		return r;
	}
	if (strcmp(name, "result") == 0 && name_len == 6) {
		start = s->p;
		r = scan_value(s, 2);
		if (r == 0) {
			d->result = start;
			d->result_len = (size_t)(s->p - start);
		}
		return r;
	}
	if (strcmp(name, "line") == 0 && name_len == 4)
		return take_position(s, &d->has_line, &d->line);
	if (strcmp(name, "column") == 0 && name_len == 6)
		return take_position(s, &d->has_column, &d->column);
	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		struct runner_str *str = (struct runner_str *)((char *)d + strings[i].offset);

		if (strcmp(name, strings[i].name) != 0 || name_len != strlen(strings[i].name))
			continue;
		/* Duplicates: the last one wins, also when it is not a string. */
		if (*s->p == '"')
			return take_string(s, str);
		drop_string(str);
		return scan_value(s, 2);
	}
	return scan_value(s, 2);
}

int runner_doc_parse(const char *doc, size_t len, struct runner_doc *out)
{
	struct scan s = { doc, doc + len };
	struct runner_doc d = { .ok = -1 };
	char name[32];
	size_t name_len;
	int r;

	skip_ws(&s);
	if (!at(&s, '{')) {
		/* An array is JSON, just not a document; its faults still come first. */
		r = at(&s, '[') ? scan_value(&s, 1) : unexpected(&s);
		if (r == 0) {
			skip_ws(&s);
			r = s.p < s.end ? unexpected(&s) : -EBADMSG;
		}
		return r;
	}
	s.p++;
	skip_ws(&s);
	if (at(&s, '}')) {
		s.p++;
	} else {
		for (;;) {
			/* Names longer than the buffer match no known member. */
			r = member_name(&s, name, sizeof(name) - 1, &name_len);
			if (r < 0)
				goto fail;
			name[MIN(name_len, sizeof(name) - 1)] = '\0';
			r = member(&s, name, name_len, &d);
			if (r < 0)
				goto fail;
			skip_ws(&s);
			if (at(&s, ',')) {
				s.p++;
				skip_ws(&s);
				continue;
			}
			if (at(&s, '}')) {
				s.p++;
				break;
			}
			r = unexpected(&s);
			goto fail;
		}
	}
	skip_ws(&s);
	if (s.p < s.end) {
		r = unexpected(&s);
		goto fail;
	}
	*out = d;
	return 0;
fail:
	runner_doc_free(&d);
	return r;
}

void runner_doc_free(struct runner_doc *d)
{
	drop_string(&d->error_type);
	drop_string(&d->error);
	drop_string(&d->traceback);
	drop_string(&d->exception_type);
}
