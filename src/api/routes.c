/*
 * routes.c: the route table.  Each row declares who may call it; the
 * authorization test walks this table, so a route cannot be added
 * without being tested for every role.
 */
#include "api/api.h"
#include "api/auth.h"

const struct route api_routes[] = {
	{ "GET", "/healthz", api_healthz, PERMK_PUBLIC, ROUTE_NO_LOG,
	    "Liveness and store health" },
	{ "GET", "/metrics", api_metrics, PERMK_PUBLIC, ROUTE_NO_LOG,
	    "Prometheus metrics" },
	{ "GET", "/", api_static, PERMK_PUBLIC, 0,
	    "The web interface" },
	{ "GET", "/api/v1/openapi.json", api_openapi, PERMK_PUBLIC, 0,
	    "This API described as OpenAPI 3.1" },
	{ "POST", "/api/v1/session", api_session_create, PERMK_PUBLIC,
	    ROUTE_BODY_JSON, "Sign in; sets the session cookie" },
	{ "DELETE", "/api/v1/session", api_session_delete, PERMK_SIGNED_IN, 0,
	    "Sign out" },
	{ "GET", "/api/v1/me", api_me, PERMK_SIGNED_IN, 0,
	    "The caller's account and roles" },
	{ "POST", "/api/v1/me/password", api_me_password, PERMK_SIGNED_IN,
	    ROUTE_BODY_JSON, "Change the caller's password" },
	{ "POST", "/api/v1/tokens", api_tokens_create, PERMK_SIGNED_IN,
	    ROUTE_BODY_JSON, "Create an API token for the caller" },
	{ "DELETE", "/api/v1/tokens/{id}", api_tokens_delete, PERMK_SIGNED_IN,
	    0, "Revoke an API token" },
	{ "GET", "/api/v1/audit", api_audit_list, PERMK_SIGNED_IN, 0,
	    "Audit trail entries within the caller's scope" },
	{ "POST", "/api/v1/echo", api_test_echo, PERMK_PUBLIC,
	    ROUTE_BODY_JSON | ROUTE_TEST_ONLY,
	    "Echoes a validated body (test builds only)" },
	{ "POST", "/api/v1/test/upload", api_test_upload, PERMK_SIGNED_IN,
	    ROUTE_BODY_STREAM | ROUTE_TEST_ONLY,
	    "Stores a streamed upload by its hash (test builds only)" },
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
