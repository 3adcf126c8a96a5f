/*
 * api.h: the handlers, one file per resource, and the route table that
 * names each one's method, path and permission.
 */
#ifndef TB_API_H
#define TB_API_H

#include <stddef.h>

#include "http/http.h"

/* The route table (routes.c): every route the server answers. */
extern const struct route	api_routes[];
extern const size_t		api_nroutes;

/* api_health.c */
int	api_healthz(struct http_req *req);
int	api_metrics(struct http_req *req);
int	api_test_echo(struct http_req *req);
int	api_test_upload(struct http_req *req);

/* api_openapi.c: GET /api/v1/openapi.json. */
int	api_openapi(struct http_req *req);
/* The document with x-permission and x-roles from the route table; a new
 * reference, NULL if the embedded text is broken. */
json_t	*api_openapi_doc(void);
/* TB_OK when the document and the route table describe the same routes;
 * else names the first difference in err. */
int	api_openapi_check(char *err, size_t errlen);

/* api_static.c: GET of a path no route matched; serves web/ files. */
int	api_static(struct http_req *req);

#endif
