/*
 * util.c: error strings, bounded buffers, number parsing, clocks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

static const char *const tb_err_str[TB_ERR__COUNT] = {
	[TB_OK] = "success",
	[TB_ENOMEM] = "out of memory",
	[TB_EINVAL] = "invalid input",
	[TB_ENOTFOUND] = "not found",
	[TB_ECONFLICT] = "conflict",
	[TB_EFORBIDDEN] = "forbidden",
	[TB_ESTORE] = "database error",
	[TB_ETOOBIG] = "limit exceeded",
	[TB_EIO] = "input/output error",
	[TB_EUNAUTH] = "not authenticated",
	[TB_ERANGE] = "out of range",
	[TB_EBUSY] = "busy",
	[TB_ESCHEMA] = "database schema is newer than this program",
	[TB_ROW] = "row",
	[TB_DONE] = "done",
};

const char *
tb_strerror(int err)
{
	if (err < 0 || err >= TB_ERR__COUNT || tb_err_str[err] == NULL)
		return "unknown error";
	return tb_err_str[err];
}

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL, doubling as curl does. */
static int
buf_grow(struct buf *b, size_t extra)
{
	size_t	 need, ncap;
	char	*np;

	if (extra > b->max || b->len > b->max - extra)
		return TB_ETOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return TB_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	/* Never allocate much past the maximum a buffer may ever hold. */
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if ((np = realloc(b->p, ncap)) == NULL)
		return TB_ENOMEM;
	b->p = np;
	b->cap = ncap;
	return TB_OK;
}

int
buf_add(struct buf *b, const void *p, size_t len)
{
	int	 rc;

	if ((rc = buf_grow(b, len)) != TB_OK)
		return rc;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return TB_OK;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TB_EINVAL;
	if ((rc = buf_grow(b, (size_t)n)) != TB_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TB_OK;
}

const char *
buf_str(const struct buf *b)
{
	return b->p != NULL ? b->p : "";
}

char *
buf_steal(struct buf *b)
{
	char	*p;

	if (b->p == NULL)
		return strdup("");
	p = b->p;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

int
parse_i64_n(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out)
{
	size_t		 i = 0;
	int		 neg = 0;
	uint64_t	 v = 0, lim;

	if (s == NULL || len == 0)
		return TB_EINVAL;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
		if (len == 1)
			return TB_EINVAL;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return TB_EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return TB_ERANGE;
		v = v * 10 + d;
	}
	if (neg) {
		int64_t r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)v;
		if (r < min || r > max)
			return TB_ERANGE;
		*out = r;
	} else {
		if ((int64_t)v < min || (int64_t)v > max)
			return TB_ERANGE;
		*out = (int64_t)v;
	}
	return TB_OK;
}

int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (s == NULL)
		return TB_EINVAL;
	return parse_i64_n(s, strlen(s), min, max, out);
}

int
tb_snprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TB_EINVAL;
	if ((size_t)n >= size)
		return TB_ETOOBIG;
	return TB_OK;
}

int
tb_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 n = strlen(src);

	if (size == 0 || n >= size)
		return TB_ETOOBIG;
	memcpy(dst, src, n + 1);
	return TB_OK;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

int
utf8_valid_text(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t	 n;
		uint32_t cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' &&
			    c != '\r') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		/* C1 controls are as unwelcome as C0 ones in text fields. */
		if (cp >= 0x80 && cp <= 0x9f)
			return 0;
		i += n + 1;
	}
	return 1;
}

int64_t
tb_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
tb_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
