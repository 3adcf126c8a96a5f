/*
 * api_openapi.c: the OpenAPI 3.1 document, merged at build time from
 * the fragments in src/api/openapi/ and completed at run time with each operation's
 * permission from the route table, which is the authority.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

extern const char	tb_openapi_json[];
extern const size_t	tb_openapi_json_len;

static pthread_once_t	 doc_once = PTHREAD_ONCE_INIT;
static char		*doc_text;
static size_t		 doc_len;

/* "GET" -> "get" into out. */
static void
method_lower(const char *m, char *out, size_t n)
{
	size_t i;

	for (i = 0; m[i] != '\0' && i + 1 < n; i++)
		out[i] = (char)tolower((unsigned char)m[i]);
	out[i] = '\0';
}

json_t *
api_openapi_doc(void)
{
	json_t	*doc, *paths;
	char	 m[16];

	doc = json_loadb(tb_openapi_json, tb_openapi_json_len, 0, NULL);
	if (doc == NULL)
		return NULL;
	paths = json_object_get(doc, "paths");
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route	*r = &api_routes[i];
		json_t			*op, *roles;

		method_lower(r->method, m, sizeof(m));
		op = json_object_get(json_object_get(paths, r->pattern), m);
		if (op == NULL)
			continue;
		json_object_set_new(op, "x-permission",
		    json_string(perm_name(r->perm)));
		roles = json_array();
		if (r->perm != PERMK_PUBLIC)
			for (unsigned k = 0; k < ROLE__COUNT; k++)
				if (perm_roles(r->perm) & ROLE_BIT(k))
					json_array_append_new(roles,
					    json_string(role_name(k)));
		json_object_set_new(op, "x-roles", roles);
		if (r->flags & ROUTE_TEST_ONLY)
			json_object_set_new(op, "x-test-only", json_true());
	}
	return doc;
}

int
api_openapi_check(char *err, size_t errlen)
{
	json_t		*doc = api_openapi_doc(), *paths, *ops, *op;
	const char	*path, *method;
	char		 m[16];
	int		 rc = TB_OK;

	if (doc == NULL) {
		tb_snprintf(err, errlen, "the embedded document is not JSON");
		return TB_EINVAL;
	}
	paths = json_object_get(doc, "paths");
	for (size_t i = 0; i < api_nroutes && rc == TB_OK; i++) {
		method_lower(api_routes[i].method, m, sizeof(m));
		if (json_object_get(json_object_get(paths,
		    api_routes[i].pattern), m) == NULL) {
			tb_snprintf(err, errlen, "route %s %s is not in the "
			    "OpenAPI document", api_routes[i].method,
			    api_routes[i].pattern);
			rc = TB_ENOTFOUND;
		}
	}
	json_object_foreach(paths, path, ops) {
		if (rc != TB_OK)
			break;
		json_object_foreach(ops, method, op) {
			size_t i;

			if (strcmp(method, "parameters") == 0)
				continue;
			for (i = 0; i < api_nroutes; i++) {
				method_lower(api_routes[i].method, m,
				    sizeof(m));
				if (strcmp(m, method) == 0 &&
				    strcmp(api_routes[i].pattern, path) == 0)
					break;
			}
			if (i == api_nroutes) {
				tb_snprintf(err, errlen, "the OpenAPI document "
				    "describes %s %s, which no route serves",
				    method, path);
				rc = TB_ENOTFOUND;
				break;
			}
		}
	}
	json_decref(doc);
	return rc;
}

static void
doc_build(void)
{
	json_t	*doc = api_openapi_doc();

	if (doc == NULL)
		return;
	doc_text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	doc_len = doc_text != NULL ? strlen(doc_text) : 0;
	json_decref(doc);
}

int
api_openapi(struct http_req *req)
{
	pthread_once(&doc_once, doc_build);
	if (doc_text == NULL)
		return http_reply_error(req, "internal", NULL, NULL);
	http_reply_static(req, 200, "application/json; charset=utf-8",
	    doc_text, doc_len);
	http_reply_header(req, "Cache-Control", "no-cache");
	return 0;
}
