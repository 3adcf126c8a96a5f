/*
 * jsonw.c: the JSON text writer (jsonw.h).
 */
#include <string.h>

#include "util/jsonw.h"

void
jw_init(struct jw *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->b, max);
	w->err = TB_OK;
}

void
jw_free(struct jw *w)
{
	buf_free(&w->b);
	w->depth = 0;
	w->keyed = 0;
}

char *
jw_finish(struct jw *w, size_t *len, int *err)
{
	char	*s;
	size_t	 n;

	if (w->err == TB_OK && (w->depth != 0 || w->keyed || w->b.len == 0))
		w->err = TB_EINVAL;
	if (w->err != TB_OK) {
		if (err != NULL)
			*err = w->err;
		jw_free(w);
		return NULL;
	}
	n = w->b.len;
	if ((s = buf_steal(&w->b)) == NULL) {
		if (err != NULL)
			*err = TB_ENOMEM;
		return NULL;
	}
	if (len != NULL)
		*len = n;
	if (err != NULL)
		*err = TB_OK;
	return s;
}

static void
put(struct jw *w, const char *p, size_t n)
{
	struct buf	*b = &w->b;
	int		 rc;

	if (w->err != TB_OK)
		return;
	/* Room already (the buffer never holds more than its maximum, so
	 * room means within it): most pieces are a few bytes. */
	if (b->cap > b->len && b->cap - b->len > n) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len] = '\0';
		return;
	}
	if ((rc = buf_add(b, p, n)) != TB_OK)
		w->err = rc;
}

/*
 * Before any value: the ',' that separates it from the one before it in
 * an array; in an object the key has been written (jw_key), and a value
 * without one is an error.
 */
static void
pre_value(struct jw *w)
{
	int	 d = w->depth - 1;

	if (d < 0) {
		/* One value at the top: a second is an error. */
		if (w->b.len > 0)
			w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		return;
	}
	if (w->obj[d]) {
		if (!w->keyed)
			w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		w->keyed = 0;
		return;
	}
	if (w->more[d])
		put(w, ",", 1);
	w->more[d] = 1;
}

/* Bytes that go out as they are: printable ASCII but '"' and '\'. */
static int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/*
 * The length of the well-formed UTF-8 sequence at p (of at most n bytes)
 * that starts with a byte >= 0x80, or 0: no overlong forms, surrogates or
 * values past U+10FFFF (RFC 3629; jansson's rule).
 */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char	 c = p[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;	/* overlong; surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;	/* overlong; past U+10FFFF */
		return 4;
	}
	return 0;
}

/* s (len bytes) as a JSON string, quotes included. */
static void
put_string(struct jw *w, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, start, n;
	char			 esc[6];

	put(w, "\"", 1);
	while (i < len && w->err == TB_OK) {
		start = i;
		while (i < len && plain(p[i]))
			i++;
		/* Runs of multi-byte characters go out whole as well. */
		while (i < len && p[i] >= 0x80) {
			if ((n = utf8_seq(p + i, len - i)) == 0) {
				w->err = TB_EINVAL;
				return;
			}
			i += n;
			while (i < len && plain(p[i]))
				i++;
		}
		if (i > start)
			put(w, s + start, i - start);
		if (i == len)
			break;
		/* p[i] is '"', '\' or a control character. */
		esc[0] = '\\';
		switch (p[i]) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 0xf];
			put(w, esc, 6);
			i++;
			continue;
		}
		put(w, esc, 2);
		i++;
	}
	put(w, "\"", 1);
}

static void
open_level(struct jw *w, int obj)
{
	pre_value(w);
	if (w->depth == JW_DEPTH_MAX) {
		w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		return;
	}
	w->obj[w->depth] = (unsigned char)obj;
	w->more[w->depth] = 0;
	w->depth++;
	put(w, obj ? "{" : "[", 1);
}

static void
close_level(struct jw *w, int obj)
{
	if (w->depth == 0 || w->obj[w->depth - 1] != obj || w->keyed) {
		w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		return;
	}
	w->depth--;
	put(w, obj ? "}" : "]", 1);
}

void
jw_object(struct jw *w)
{
	open_level(w, 1);
}

void
jw_object_end(struct jw *w)
{
	close_level(w, 1);
}

void
jw_array(struct jw *w)
{
	open_level(w, 0);
}

void
jw_array_end(struct jw *w)
{
	close_level(w, 0);
}

void
jw_key(struct jw *w, const char *key)
{
	int	 d = w->depth - 1;

	if (d < 0 || !w->obj[d] || w->keyed || key == NULL) {
		w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		return;
	}
	if (w->more[d])
		put(w, ",", 1);
	w->more[d] = 1;
	put_string(w, key, strlen(key));
	put(w, ":", 1);
	w->keyed = 1;
}

void
jw_stringn(struct jw *w, const char *s, size_t len)
{
	pre_value(w);
	put_string(w, s, len);
}

void
jw_string(struct jw *w, const char *s)
{
	if (s == NULL)
		jw_null(w);
	else
		jw_stringn(w, s, strlen(s));
}

void
jw_int(struct jw *w, int64_t v)
{
	char		 b[24], *e = b + sizeof(b), *p = e;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	pre_value(w);
	put(w, p, (size_t)(e - p));
}

void
jw_bool(struct jw *w, int v)
{
	pre_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void
jw_null(struct jw *w)
{
	pre_value(w);
	put(w, "null", 4);
}

void
jw_raw(struct jw *w, const char *json)
{
	size_t	 n = json != NULL ? strlen(json) : 0;

	if (n == 0) {
		w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		return;
	}
	pre_value(w);
	put(w, json, n);
}

/* JSON's blanks (RFC 8259 "ws"). */
static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void
jw_raw_members(struct jw *w, const char *json)
{
	const char	*s, *e;
	int		 d = w->depth - 1;

	if (d < 0 || !w->obj[d] || w->keyed) {
		w->err = w->err != TB_OK ? w->err : TB_EINVAL;
		return;
	}
	if (json == NULL)
		return;
	/* The text between the outer braces, blanks trimmed. */
	s = json;
	e = s + strlen(s);
	while (s < e && blank(*s))
		s++;
	while (e > s && blank(e[-1]))
		e--;
	if (e - s < 2 || *s != '{' || e[-1] != '}')
		return;
	s++;
	e--;
	while (s < e && blank(*s))
		s++;
	while (e > s && blank(e[-1]))
		e--;
	if (s == e)
		return;
	if (w->more[d])
		put(w, ",", 1);
	w->more[d] = 1;
	put(w, s, (size_t)(e - s));
}

void
jw_kstring(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void
jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void
jw_kbool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void
jw_knull(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_null(w);
}

void
jw_kraw(struct jw *w, const char *key, const char *json)
{
	jw_key(w, key);
	jw_raw(w, json);
}
