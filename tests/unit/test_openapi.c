/*
 * test_openapi.c: the OpenAPI document and the route table describe the
 * same routes, and every route declares a known permission.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_matches_routes),
		cmocka_unit_test(test_every_operation_has_permission),
		cmocka_unit_test(test_routes_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
