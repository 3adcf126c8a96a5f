/*
 * evidence.h: what the handlers of the P24 registry and P26 contracts
 * (api_registry.c) and of P25-P27 evidence (api_evidence.c) share.
 * Internal to those two files; the handlers are declared in api.h.
 */
#ifndef TB_API_EVIDENCE_H
#define TB_API_EVIDENCE_H

#include <stdint.h>

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"

/* Limits of registry and evidence input, each with its reason. */
/* A name or title is a line in a list. */
#define EVID_NAME_MAX		200
/* Free text (descriptions, notes, purposes): a paragraph or two. */
#define EVID_TEXT_MAX		2000
/* Short codes and references (a VirusCheck reference, a device kind). */
#define EVID_LINE_MAX		200
/* What an item is, or where it is held: a sentence. */
#define EVID_WHAT_MAX		500
/* Tolerable downtime: ten years in minutes is beyond any real system. */
#define EVID_DOWNTIME_MAX	(10 * 366 * 24 * 60)
/* Page sizes of every list (CONVENTIONS.md). */
#define EVID_LIMIT_DEFAULT	50
#define EVID_LIMIT_MAX		500
/* Systems or contracts one compliance view walks: the city has about
 * 400 agencies; a bound keeps one request's work finite. */
#define EVID_VIEW_MAX		20000

/* 1 when the request asked for English. */
int		 evid_en(const struct http_req *req);
/* A time as RFC 3339 +08:00, or JSON null for 0; a new reference. */
json_t		*evid_time_json(int64_t t);
/* A string, or JSON null for NULL; a new reference. */
json_t		*evid_str_json(const char *s);
/*
 * Reads ?limit= (default EVID_LIMIT_DEFAULT, at most EVID_LIMIT_MAX) and
 * ?cursor= (the id of the last item of the page before; 0 when absent).
 * On a bad value it replies 400 invalid_query naming the parameter and
 * returns non-zero.
 */
int		 evid_page_query(struct http_req *req, int64_t *limit,
		    int64_t *after_id);
/*
 * Reads a boolean query parameter (true/false/1/0) into *out, leaving it
 * when absent.  Replies 400 invalid_query and returns non-zero when bad.
 */
int		 evid_bool_query(struct http_req *req, const char *name,
		    int *out);
/* Reads the path parameter name as an id (>= 1); -1 when not one. */
int64_t		 evid_param_id(const struct http_req *req, const char *name);
/*
 * 1 when the caller holds no role but vendor: a vendor reports to the
 * agency it serves and sees nothing else (P13, "Who uses it"), so the
 * registry, contracts and evidence answer 404 to it.
 */
int		 evid_vendor_only(const struct http_req *req);
/*
 * Sets *ok when the caller may read (write 0) or change (write 1) the
 * records of agency: auth_agency_visible / auth_agency_actable, never for
 * a vendor alone.  Returns TB_OK or a store error.
 */
int		 evid_agency_scope(struct http_req *req, struct store_conn *c,
		    const char *agency, int write, int *ok);
/* Sends a JSON reply with an ETag of version ("\"N\"") and, when not
 * NULL, a Location; steals body. */
int		 evid_reply(struct http_req *req, int status, json_t *body,
		    int64_t version, const char *location);
/*
 * The version a PATCH was based on: the "version" field of body or the
 * If-Match header ("N" or "\"N\""); 0 when neither was sent.  Replies
 * 400/422 and returns -1 when malformed, or when both disagree.
 */
int64_t		 evid_base_version(struct http_req *req, json_t *body);
/* Member name of obj, or NULL when absent or null (an explicit null is
 * the same as leaving a field out, as in json_check()); borrowed. */
json_t		*evid_member(json_t *obj, const char *name);
/* Writes the id as decimal text into out (24 bytes suffice). */
void		 evid_id_text(int64_t id, char *out, size_t len);

#endif
