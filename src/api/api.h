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

/*
 * api_org.c: agencies (P2) and people.  Agencies are DoIT's to change;
 * people are doit_admin's anywhere and a CISO's within its agency's
 * subtree (PERMK_PEOPLE).  Reads follow the caller's scope, and a record
 * outside it answers 404.
 */
int	api_agencies_create(struct http_req *req);
int	api_agencies_update(struct http_req *req);
int	api_agencies_get(struct http_req *req);
int	api_agencies_list(struct http_req *req);
/* GET /api/v1/agencies/directory: every active agency's code, names,
 * type and superior, for any signed-in person (P12). */
int	api_agencies_directory(struct http_req *req);
int	api_users_create(struct http_req *req);
int	api_users_update(struct http_req *req);
int	api_users_get(struct http_req *req);
int	api_users_list(struct http_req *req);

/* api_roster.c: an agency's contact window and deputies (P5-P9) and
 * DoIT's city-wide roster, as JSON and CSV. */
int	api_contacts_create(struct http_req *req);
int	api_contacts_list(struct http_req *req);
int	api_contacts_get(struct http_req *req);
int	api_contacts_update(struct http_req *req);
int	api_contacts_end(struct http_req *req);
int	api_roster(struct http_req *req);
int	api_roster_csv(struct http_req *req);

/* api_registry.c: core systems, devices and log retention (P24), and
 * outsourcing contracts (P26), with their compliance views. */
int	api_systems_create(struct http_req *req);
int	api_systems_list(struct http_req *req);
int	api_systems_get(struct http_req *req);
int	api_systems_update(struct http_req *req);
int	api_devices_create(struct http_req *req);
int	api_devices_list(struct http_req *req);
int	api_compliance_logs(struct http_req *req);
int	api_contracts_create(struct http_req *req);
int	api_contracts_list(struct http_req *req);
int	api_contracts_get(struct http_req *req);
int	api_contracts_update(struct http_req *req);
int	api_compliance_contracts(struct http_req *req);

/* api_evidence.c: preservation paths (P25), evidence items, uploads,
 * downloads and the chain of custody (P27). */
int	api_preservation_create(struct http_req *req);
int	api_preservation_list(struct http_req *req);
int	api_preservation_get(struct http_req *req);
int	api_preservation_step(struct http_req *req);
int	api_evidence_upload(struct http_req *req);
int	api_evidence_items_create(struct http_req *req);
int	api_evidence_list(struct http_req *req);
int	api_evidence_get(struct http_req *req);
int	api_evidence_content(struct http_req *req);
int	api_evidence_custody(struct http_req *req);
int	api_evidence_malware(struct http_req *req);

/* api_stats.c: GET /api/v1/stats/city, the city's figures (issue 7);
 * DoIT reads the city, anyone else their own scope. */
int	api_stats_city(struct http_req *req);

#endif
