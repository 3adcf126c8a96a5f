/*
 * test_openapi.c: the OpenAPI document and the route table describe the
 * same routes, and every route declares a known permission.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"

static void
test_doc_matches_routes(void **state)
{
	char	 err[256] = "";

	if (api_openapi_check(err, sizeof(err)) != TB_OK)
		fail_msg("%s", err);
}

static void
test_every_operation_has_permission(void **state)
{
	json_t		*doc = api_openapi_doc(), *ops, *op;
	const char	*path, *method;

	assert_non_null(doc);
	json_object_foreach(json_object_get(doc, "paths"), path, ops)
		json_object_foreach(ops, method, op) {
			if (strcmp(method, "parameters") == 0)
				continue;
			if (!json_is_string(json_object_get(op,
			    "x-permission")))
				fail_msg("%s %s has no x-permission", method,
				    path);
			if (json_object_get(op, "responses") == NULL)
				fail_msg("%s %s has no responses", method,
				    path);
		}
	json_decref(doc);
}

static void
test_routes_unique(void **state)
{
	for (size_t i = 0; i < api_nroutes; i++) {
		assert_true((unsigned)api_routes[i].perm < PERMK__COUNT);
		for (size_t j = i + 1; j < api_nroutes; j++)
			if (strcmp(api_routes[i].method,
			    api_routes[j].method) == 0 &&
			    strcmp(api_routes[i].pattern,
			    api_routes[j].pattern) == 0)
				fail_msg("%s %s is routed twice",
				    api_routes[i].method,
				    api_routes[i].pattern);
	}
}

/*
 * The router takes the first row that matches, so a fixed path under a
 * parameter's path must come first in the real table: "directory" is not
 * an agency code.
 */
static void
test_fixed_paths_first(void **state)
{
	static const struct {
		const char	*method, *path;
		int		(*handler)(struct http_req *);
	} rows[] = {
		{ "GET", "/api/v1/agencies/directory", api_agencies_directory },
		{ "GET", "/api/v1/agencies/ca", api_agencies_get },
		{ "GET", "/api/v1/stats/city", api_stats_city },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct http_req	 req;
		char		 allow[64];
		int		 got;

		memset(&req, 0, sizeof(req));
		got = http_route_match(api_routes, api_nroutes, rows[i].method,
		    rows[i].path, &req, allow, sizeof(allow));
		if (got < 0 || api_routes[got].handler != rows[i].handler)
			fail_msg("%s %s is not routed to its handler (row %d)",
			    rows[i].method, rows[i].path, got);
		for (int k = 0; k < req.nparams; k++)
			free(req.param_names[k]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_matches_routes),
		cmocka_unit_test(test_every_operation_has_permission),
		cmocka_unit_test(test_routes_unique),
		cmocka_unit_test(test_fixed_paths_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
