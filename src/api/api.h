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

/* api_static.c: GET of a path no route matched; serves web/ files. */
int	api_static(struct http_req *req);

#endif
