/*
 * test_router.c: strict path decoding and route matching, as tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

static void
test_path_decode(void **state)
{
	static const struct {
		const char	*raw;
		int		 rc;
		const char	*want;
	} rows[] = {
		{ "/", TB_OK, "/" },
		{ "/healthz", TB_OK, "/healthz" },
		{ "/api/v1/agencies/ca", TB_OK, "/api/v1/agencies/ca" },
		{ "/a%20b", TB_OK, "/a b" },
		{ "/%E8%87%BA", TB_OK, "/臺" },
		{ "/a+b", TB_OK, "/a+b" },		/* '+' only in queries */
		{ "", TB_EINVAL, NULL },
		{ "healthz", TB_EINVAL, NULL },
		{ "/../etc/passwd", TB_EINVAL, NULL },
		{ "/a/../b", TB_EINVAL, NULL },
		{ "/a/..", TB_EINVAL, NULL },
		{ "/./a", TB_EINVAL, NULL },
		{ "/%2e%2e/etc", TB_EINVAL, NULL },	/* encoded .. */
		{ "/%2E./x", TB_EINVAL, NULL },
		{ "/a%00b", TB_EINVAL, NULL },		/* encoded NUL */
		{ "/a%0", TB_EINVAL, NULL },		/* cut escape */
		{ "/a%", TB_EINVAL, NULL },
		{ "/a%zz", TB_EINVAL, NULL },
		{ "/%C0%AF", TB_EINVAL, NULL },		/* overlong '/' */
		{ "/a%5Cb", TB_EINVAL, NULL },		/* backslash */
		{ "/a%0Ab", TB_EINVAL, NULL },		/* control char */
		{ "/...", TB_OK, "/..." },		/* a name, not a step */
	};
	char	 out[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = http_path_decode(rows[i].raw, out, sizeof(out));

		if (rc != rows[i].rc)
			fail_msg("row %zu (%s): got %d want %d", i,
			    rows[i].raw, rc, rows[i].rc);
		if (rc == TB_OK)
			assert_string_equal(out, rows[i].want);
	}
	/* Too long for the output is refused, not cut. */
	assert_int_not_equal(http_path_decode("/abcdefgh", out, 5), TB_OK);
}

static int
h_dummy(struct http_req *req)
{
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/healthz", h_dummy, PERMK_PUBLIC, 0, "" },
	{ "GET", "/api/v1/agencies", h_dummy, PERMK_PUBLIC, 0, "" },
	{ "POST", "/api/v1/agencies", h_dummy, PERMK_PUBLIC, 0, "" },
	{ "GET", "/api/v1/agencies/{code}", h_dummy, PERMK_PUBLIC, 0, "" },
	{ "PATCH", "/api/v1/agencies/{code}", h_dummy, PERMK_PUBLIC, 0, "" },
	{ "POST", "/api/v1/incidents/{id}/events", h_dummy, PERMK_PUBLIC, 0,
	    "" },
};

static void
test_route_match(void **state)
{
	static const struct {
		const char	*method, *path;
		int		 want;
		const char	*param, *value, *allow;
	} rows[] = {
		{ "GET", "/healthz", 0, NULL, NULL, NULL },
		{ "HEAD", "/healthz", 0, NULL, NULL, NULL },
		{ "DELETE", "/healthz", -2, NULL, NULL, "GET" },
		{ "GET", "/healthz/", -1, NULL, NULL, NULL },
		{ "GET", "/nothing", -1, NULL, NULL, NULL },
		{ "POST", "/api/v1/agencies", 2, NULL, NULL, NULL },
		{ "PUT", "/api/v1/agencies", -2, NULL, NULL, "GET, POST" },
		{ "GET", "/api/v1/agencies/ca", 3, "code", "ca", NULL },
		{ "PATCH", "/api/v1/agencies/dist-songshan", 4, "code",
		    "dist-songshan", NULL },
		{ "GET", "/api/v1/agencies/", -1, NULL, NULL, NULL },
		{ "GET", "/api/v1/agencies/ca/x", -1, NULL, NULL, NULL },
		{ "POST", "/api/v1/incidents/42/events", 5, "id", "42", NULL },
		{ "GET", "/api/v1/incidents/42/events", -2, NULL, NULL,
		    "POST" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct http_req	 req;
		char		 allow[64], val[64];
		int		 got;

		memset(&req, 0, sizeof(req));
		got = http_route_match(routes, sizeof(routes) /
		    sizeof(routes[0]), rows[i].method, rows[i].path, &req,
		    allow, sizeof(allow));
		if (got != rows[i].want)
			fail_msg("row %zu %s %s: got %d want %d", i,
			    rows[i].method, rows[i].path, got, rows[i].want);
		if (rows[i].param != NULL) {
			assert_int_equal(http_param(&req, rows[i].param, val,
			    sizeof(val)), TB_OK);
			assert_string_equal(val, rows[i].value);
		}
		if (rows[i].allow != NULL)
			assert_string_equal(allow, rows[i].allow);
		for (int k = 0; k < req.nparams; k++)
			free(req.param_names[k]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_decode),
		cmocka_unit_test(test_route_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
