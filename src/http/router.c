/*
 * router.c: strict path decoding, route matching, parameters, dispatch.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "config.h"
#include "http/http.h"
#include "http/internal.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes len bytes of s into out.  plus_space turns '+' into a
 * space (query strings).  NUL, bad escapes and invalid UTF-8 are refused.
 */
static int
pct_decode(const char *s, size_t len, char *out, size_t outlen,
    int plus_space)
{
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return TB_EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return TB_EINVAL;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return TB_EINVAL;
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if (o + 1 >= outlen)
			return TB_ETOOBIG;
		out[o++] = c;
	}
	out[o] = '\0';
	if (!utf8_valid_text(out, o))
		return TB_EINVAL;
	return TB_OK;
}

int
http_path_decode(const char *raw, char *out, size_t outlen)
{
	const char	*seg, *p;
	int		 rc;

	if (raw == NULL || raw[0] != '/')
		return TB_EINVAL;
	if ((rc = pct_decode(raw, strlen(raw), out, outlen, 0)) != TB_OK)
		return TB_EINVAL;
	/* No control character has a place in a path (tabs, newlines). */
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return TB_EINVAL;
	/* No "." or ".." segment, whether it came encoded or not. */
	for (seg = out + 1;; seg = p + 1) {
		size_t n;

		p = strchr(seg, '/');
		n = p ? (size_t)(p - seg) : strlen(seg);
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return TB_EINVAL;
		if (memchr(seg, '\\', n) != NULL)
			return TB_EINVAL;
		if (p == NULL)
			break;
	}
	return TB_OK;
}

/*
 * Matches pattern against path segment by segment; "{name}" matches one
 * non-empty segment.  Fills req's parameters when req is not NULL.
 */
static int
pattern_match(const char *pattern, const char *path, struct http_req *req)
{
	const char	*pp = pattern, *sp = path;
	int		 n = 0;

	while (*pp != '\0' && *sp != '\0') {
		if (*pp == '{') {
			const char *pe = strchr(pp, '}');
			const char *se = strchr(sp, '/');
			size_t	    slen = se ? (size_t)(se - sp) : strlen(sp);

			if (pe == NULL || slen == 0 || n == HTTP_PARAMS_MAX)
				return 0;
			if (req != NULL) {
				req->params[n].p = sp;
				req->params[n].len = slen;
				req->param_names[n] = strndup(pp + 1,
				    (size_t)(pe - pp - 1));
			}
			n++;
			pp = pe + 1;
			sp += slen;
			continue;
		}
		if (*pp != *sp)
			return 0;
		pp++;
		sp++;
	}
	if (*pp != '\0' || *sp != '\0')
		return 0;
	if (req != NULL)
		req->nparams = n;
	return 1;
}

int
http_route_match(const struct route *routes, size_t n, const char *method,
    const char *path, struct http_req *req, char *allow, size_t allowlen)
{
	int	 other = 0;
	size_t	 i, used = 0;

	/* HEAD is GET without the body; libmicrohttpd drops the body. */
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	if (allowlen > 0)
		allow[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!pattern_match(routes[i].pattern, path, NULL))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			if (req != NULL)
				pattern_match(routes[i].pattern, path, req);
			return (int)i;
		}
		if (used + strlen(routes[i].method) + 3 < allowlen) {
			if (used > 0) {
				memcpy(allow + used, ", ", 2);
				used += 2;
			}
			memcpy(allow + used, routes[i].method,
			    strlen(routes[i].method) + 1);
			used += strlen(routes[i].method);
		}
		other = 1;
	}
	return other ? -2 : -1;
}

int
http_param(const struct http_req *req, const char *name, char *out,
    size_t outlen)
{
	for (int i = 0; i < req->nparams; i++) {
		if (strcmp(req->param_names[i], name) != 0)
			continue;
		if (req->params[i].len + 1 > outlen)
			return TB_ETOOBIG;
		memcpy(out, req->params[i].p, req->params[i].len);
		out[req->params[i].len] = '\0';
		return TB_OK;
	}
	return TB_ENOTFOUND;
}

int
http_query(const struct http_req *req, const char *name, char *out,
    size_t outlen)
{
	const char	*raw;
	size_t		 len;

	raw = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
	if (raw == NULL)
		return TB_ENOTFOUND;
	len = strlen(raw);
	if (len > HTTP_QUERY_MAX * 3)
		return TB_EINVAL;
	return pct_decode(raw, len, out, outlen, 1) == TB_OK ? TB_OK :
	    TB_EINVAL;
}

const char *
http_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/*
 * Same-origin check for requests a browser could be tricked into sending
 * (CONVENTIONS.md): the Origin header, or when absent the Referer, must
 * name this server's own origin.
 */
static int
csrf_ok(const struct http_req *req)
{
	const char	*origin = http_header(req, "Origin");
	const char	*own = req->app->origin;
	size_t		 n = strlen(own);

	/*
	 * An origin is scheme://host[:port], which browsers send in lower
	 * case; public_origin may have been written "https://Host/".
	 */
	if (n > 0 && own[n - 1] == '/')
		n--;
	if (origin != NULL)
		return strlen(origin) == n && strncasecmp(origin, own, n) == 0;
	origin = http_header(req, "Referer");
	if (origin == NULL)
		return 0;
	return strncasecmp(origin, own, n) == 0 &&
	    (origin[n] == '/' || origin[n] == '\0');
}

static int
method_safe(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}
int
http_admit(struct http_req *req)
{
	const struct route	*r = req->route;

	if (req->admitted)
		return TB_OK;
	/* Test routes do not exist outside tests. */
	if ((r->flags & ROUTE_TEST_ONLY) && !req->app->cfg->test_routes) {
		http_reply_error(req, "not_found", NULL, NULL);
		return TB_ENOTFOUND;
	}
	if (req->app->authenticate != NULL &&
	    req->app->authenticate(req) != TB_OK) {
		http_reply_error(req, "internal", NULL, NULL);
		return TB_ESTORE;
	}
	if (req->via_cookie && !method_safe(req->method) && !csrf_ok(req)) {
		http_reply_error(req, "csrf", NULL, NULL);
		return TB_EFORBIDDEN;
	}
	if (r->perm != PERMK_PUBLIC) {
		if (req->who == NULL) {
			http_reply_error(req, "unauthenticated", NULL, NULL);
			return TB_EUNAUTH;
		}
		if (!perm_allows(r->perm, req->who->roles)) {
			http_reply_error(req, "forbidden", NULL, NULL);
			return TB_EFORBIDDEN;
		}
	}
	req->admitted = 1;
	return TB_OK;
}

void
http_dispatch(struct http_req *req)
{
	const struct route	*r = req->route;

	if (req->resp != NULL)
		return;
	if (r == NULL) {
		if (req->app->fallback != NULL &&
		    (strcmp(req->method, "GET") == 0 ||
		    strcmp(req->method, "HEAD") == 0))
			req->app->fallback(req);
		else
			http_reply_error(req, "not_found", NULL, NULL);
		return;
	}
	if (http_admit(req) != TB_OK)
		return;
	r->handler(req);
	if (req->resp == NULL) {
		log_kv(LOG_ERROR, "handler_no_reply", "request_id",
		    req->request_id, "route", r->pattern, NULL);
		http_reply_error(req, "internal", NULL, NULL);
	}
}
