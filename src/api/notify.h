/*
 * notify.h (api): the notification routes (issue 6), in api_notify.c:
 * delivery state of messages, DoIT's dead letters, each person's
 * preferences, and the reachability checks of P7.
 */
#ifndef TB_API_NOTIFY_H
#define TB_API_NOTIFY_H

#include "http/http.h"

/* Reachability check links last this long unless the request says. */
#define REACH_TTL_HOURS_DEFAULT	72
/* ... and at most this long: a check is a test of today's roster. */
#define REACH_TTL_HOURS_MAX	720
/* A note to the people asked, shown in the message. */
#define REACH_NOTE_MAX		500

/* GET /api/v1/incidents/{id}/notifications */
int	api_notify_incident_list(struct http_req *req);
/* GET /api/v1/notifications/dead (DoIT) */
int	api_notify_dead_list(struct http_req *req);
/* GET /api/v1/notifications/{id} (DoIT) */
int	api_notify_get(struct http_req *req);
/* POST /api/v1/notifications/{id}/retry (DoIT admin) */
int	api_notify_retry(struct http_req *req);
/* GET and PATCH /api/v1/me/notification-preferences */
int	api_notify_prefs_get(struct http_req *req);
int	api_notify_prefs_patch(struct http_req *req);
/* POST /api/v1/contacts/reachability-checks (DoIT admin) */
int	api_reach_create(struct http_req *req);
/* GET /api/v1/contacts/reachability-checks/{id} (DoIT) */
int	api_reach_get(struct http_req *req);
/* GET /api/v1/reachability/{token} (public: the link in the message) */
int	api_reach_confirm(struct http_req *req);
/* POST /api/v1/test/notifications (test routes only) */
int	api_notify_test(struct http_req *req);

#endif
