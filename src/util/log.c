/*
 * JSON-lines logger.  Each call formats the whole line into one buffer and
 * writes it with a single write(2), so lines from the front's threads and
 * from the spawner never interleave mid-line.
 */
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_role = "pyexecd";
static enum log_level log_min = LOG_INFO;

void log_init(const char *role, enum log_level min_level)
{
	log_role = role;
	log_min = min_level;
}

void log_set_role(const char *role)
{
	log_role = role;
}

struct line {
	char buf[4096];
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 2 - l->len; /* keep space for "}\n" */
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_str(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_escaped(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	put(l, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(l, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(l, e, 6);
		} else {
			put(l, (const char *)&c, 1);
		}
	}
	put(l, "\"", 1);
}

void log_event(enum log_level level, const char *event, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	struct line l = { .len = 0 };
	struct timespec ts;
	struct tm tm;
	char stamp[64];
	va_list ap;

	if (level < log_min)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);

	put_str(&l, "{\"ts\":\"");
	put_str(&l, stamp);
	put_str(&l, "\",\"level\":\"");
	put_str(&l, names[level]);
	put_str(&l, "\",\"role\":");
	put_escaped(&l, log_role);
	put_str(&l, ",\"event\":");
	put_escaped(&l, event);

	va_start(ap, event);
	for (;;) {
		const char *key = va_arg(ap, const char *);
		const char *value;
		if (!key)
			break;
		value = va_arg(ap, const char *);
		put_str(&l, ",");
		put_escaped(&l, key);
		put_str(&l, ":");
		put_escaped(&l, value ? value : "");
	}
	va_end(ap);

	l.buf[l.len++] = '}';
	l.buf[l.len++] = '\n';
	/* Logging is best effort: a full or closed stderr must not stop the service. */
	if (write(STDERR_FILENO, l.buf, l.len) < 0)
		return;
}
