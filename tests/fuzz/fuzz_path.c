/*
 * fuzz_path.c: http_path_decode() and http_route_match() (src/http/router.c)
 * on any raw URL path.
 *
 * Input: the bytes of a raw path as libmicrohttpd hands it over, up to the
 * first NUL (MHD gives C strings, so a path never holds one).
 *
 * Invariants, for every input:
 *   - a path that decodes starts with '/', holds no control character, no
 *     backslash, no "." or ".." segment (so never "/../"), no NUL before its
 *     end, is valid UTF-8 and fits the buffer;
 *   - a raw path without '%' decodes to itself or not at all;
 *   - decoding is exact about the buffer: n + 1 bytes suffice for a result
 *     of n bytes, n bytes do not;
 *   - percent-encoding the result again and decoding gives it back;
 *   - a matched route's parameters are non-empty, hold no '/', and put back
 *     into the pattern give the path again; a 405 names the methods.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "fuzz.h"

/* Shapes of the real route table: literals, one and two parameters, the
 * same pattern with several methods. */
static int
no_handler(struct http_req *req)
{
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/healthz", no_handler, PERMK_PUBLIC, 0, NULL },
	{ "GET", "/api/v1/agencies", no_handler, PERMK_PUBLIC, 0, NULL },
	{ "POST", "/api/v1/agencies", no_handler, PERMK_PUBLIC, 0, NULL },
	{ "GET", "/api/v1/agencies/{code}", no_handler, PERMK_PUBLIC, 0,
	    NULL },
	{ "PATCH", "/api/v1/agencies/{code}", no_handler, PERMK_PUBLIC, 0,
	    NULL },
	{ "GET", "/api/v1/incidents/{id}/events/{event_id}", no_handler,
	    PERMK_PUBLIC, 0, NULL },
	{ "POST", "/api/v1/incidents/{id}/events", no_handler, PERMK_PUBLIC,
	    0, NULL },
	{ "GET", "/api/v1/{a}/{b}/{c}/{d}", no_handler, PERMK_PUBLIC, 0,
	    NULL },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* Checks the shape every decoded path must have. */
static void
check_decoded(const char *out, size_t outlen)
{
	size_t	 n = strlen(out);

	FUZZ_CHECK(n < outlen);
	FUZZ_CHECK(out[0] == '/');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\');
	}
	FUZZ_CHECK(utf8_valid_text(out, n));
	FUZZ_CHECK(strstr(out, "/../") == NULL);
	FUZZ_CHECK(strstr(out, "/./") == NULL);
	FUZZ_CHECK(strcmp(out, "/.") != 0 && strcmp(out, "/..") != 0);
	FUZZ_CHECK(n < 2 || strcmp(out + n - 2, "/.") != 0);
	FUZZ_CHECK(n < 3 || strcmp(out + n - 3, "/..") != 0);
}

/* Percent-encodes every '%' and, as sel's bits say, other bytes, so that
 * decoding the result must give s back. */
static void
reencode(const char *s, unsigned sel, char *enc)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 o = 0;

	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%' || (i > 0 && ((sel >> (i % 8)) & 1))) {
			enc[o++] = '%';
			enc[o++] = hex[c >> 4];
			enc[o++] = (sel & 0x100) ? (char)(hex[c & 15] |
			    0x20) : hex[c & 15];
		} else
			enc[o++] = (char)c;
	}
	enc[o] = '\0';
}

/* Routes the decoded path and checks the match against the pattern. */
static void
check_route(const char *path)
{
	static const char *const methods[] = { "GET", "POST", "PATCH",
		"HEAD", "DELETE" };
	char		 allow[64], rebuilt[HTTP_PATH_MAX * 2];

	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		struct http_req	 req;
		const char	*pp;
		size_t		 o = 0;
		int		 idx, k = 0;

		memset(&req, 0, sizeof(req));
		idx = http_route_match(routes, NROUTES, methods[m], path,
		    &req, allow, sizeof(allow));
		FUZZ_CHECK(idx >= -2 && idx < (int)NROUTES);
		if (idx == -2)
			FUZZ_CHECK(allow[0] != '\0');
		if (idx < 0) {
			FUZZ_CHECK(req.nparams == 0);
			continue;
		}
		FUZZ_CHECK(req.nparams >= 0 && req.nparams <= HTTP_PARAMS_MAX);
		/* Put every parameter back in place of its "{name}". */
		for (pp = routes[idx].pattern; *pp != '\0';) {
			if (*pp == '{') {
				const char *pe = strchr(pp, '}');

				FUZZ_CHECK(pe != NULL && k < req.nparams);
				FUZZ_CHECK(req.params[k].len > 0);
				FUZZ_CHECK(memchr(req.params[k].p, '/',
				    req.params[k].len) == NULL);
				FUZZ_CHECK(strlen(req.param_names[k]) ==
				    (size_t)(pe - pp - 1));
				memcpy(rebuilt + o, req.params[k].p,
				    req.params[k].len);
				o += req.params[k].len;
				k++;
				pp = pe + 1;
			} else
				rebuilt[o++] = *pp++;
		}
		rebuilt[o] = '\0';
		FUZZ_CHECK(k == req.nparams);
		FUZZ_CHECK(strcmp(rebuilt, path) == 0);
		for (k = 0; k < req.nparams; k++)
			free(req.param_names[k]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Three times the longest path: every byte may come %-encoded. */
	static char	 raw[HTTP_PATH_MAX * 3 + 1];
	static char	 enc[HTTP_PATH_MAX * 3 + 1];
	static char	 out[HTTP_PATH_MAX], again[HTTP_PATH_MAX];
	size_t		 n, len;
	int		 rc;

	n = size < sizeof(raw) - 1 ? size : sizeof(raw) - 1;
	memcpy(raw, data, n);
	raw[n] = '\0';

	rc = http_path_decode(raw, out, sizeof(out));
	FUZZ_CHECK(rc == TB_OK || rc == TB_EINVAL);
	if (rc != TB_OK)
		return 0;
	check_decoded(out, sizeof(out));
	if (strchr(raw, '%') == NULL)
		FUZZ_CHECK(strcmp(raw, out) == 0);

	/* Exactly as long as needed, and one byte short. */
	len = strlen(out);
	FUZZ_CHECK(http_path_decode(raw, again, len + 1) == TB_OK);
	FUZZ_CHECK(strcmp(again, out) == 0);
	FUZZ_CHECK(http_path_decode(raw, again, len) != TB_OK);

	/* Encoded once more, it decodes to the same path. */
	if (len * 3 < sizeof(enc)) {
		reencode(out, size > 0 ? data[0] | (unsigned)(size & 1) << 8 :
		    0, enc);
		FUZZ_CHECK(http_path_decode(enc, again, sizeof(again)) ==
		    TB_OK);
		FUZZ_CHECK(strcmp(again, out) == 0);
	}
	check_route(out);
	return 0;
}
