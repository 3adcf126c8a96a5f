/*
 * log.c: JSON-lines logging on standard error.
 *
 * Each line is built whole and written with one write(2), so lines from
 * different threads never interleave.  Every value is JSON-escaped, which
 * also neutralises control characters an attacker may put in a URL or a
 * header (httpd's stravis rule).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

/* A log line longer than this is cut, never the process. */
#define LOG_LINE_MAX	16384
/* A single value longer than this is cut with "...". */
#define LOG_VALUE_MAX	1024

static _Atomic int	log_min = LOG_INFO;

static const char *const log_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level lvl)
{
	atomic_store(&log_min, (int)lvl);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

/* Appends s as a JSON string (with quotes), escaping what JSON requires. */
static void
log_add_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	size_t	n = 0;

	buf_add(b, "\"", 1);
	for (; *s != '\0'; s++, n++) {
		/* Cap each value so that the line stays whole JSON. */
		if (n == LOG_VALUE_MAX) {
			buf_adds(b, "...");
			break;
		}
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			buf_add(b, "\\\"", 2);
			break;
		case '\\':
			buf_add(b, "\\\\", 2);
			break;
		case '\n':
			buf_add(b, "\\n", 2);
			break;
		case '\r':
			buf_add(b, "\\r", 2);
			break;
		case '\t':
			buf_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char e[6] = { '\\', 'u', '0', '0',
				    hex[c >> 4], hex[c & 15] };
				buf_add(b, e, sizeof(e));
			} else
				buf_add(b, s, 1);
		}
	}
	buf_add(b, "\"", 1);
}

static void
log_write(struct buf *b)
{
	ssize_t	 n;
	size_t	 off = 0;

	/* A cut line still ends with a newline. */
	if (buf_add(b, "\n", 1) != TB_OK) {
		if (b->len == 0)
			return;
		b->p[b->len - 1] = '\n';
	}
	while (off < b->len) {
		n = write(STDERR_FILENO, b->p + off, b->len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

void
log_kv(enum log_level lvl, const char *event, ...)
{
	struct buf	 b;
	va_list		 ap;
	const char	*k, *v;
	char		 ts[40];
	struct timespec	 now;
	struct tm	 tm;

	if ((int)lvl < atomic_load(&log_min))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	buf_init(&b, LOG_LINE_MAX);
	buf_printf(&b, "{\"ts\":\"%s.%06ldZ\",\"level\":\"%s\",\"event\":",
	    ts, (long)(now.tv_nsec / 1000), log_names[lvl]);
	log_add_str(&b, event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		buf_add(&b, ",", 1);
		log_add_str(&b, k);
		buf_add(&b, ":", 1);
		log_add_str(&b, v != NULL ? v : "");
	}
	va_end(ap);
	buf_add(&b, "}", 1);
	log_write(&b);
	buf_free(&b);
}

void
log_raw_json(const char *json, size_t len)
{
	struct buf	 b;

	buf_init(&b, LOG_LINE_MAX);
	if (buf_add(&b, json, len) != TB_OK)
		buf_add(&b, json, LOG_LINE_MAX - 1);
	log_write(&b);
	buf_free(&b);
}
