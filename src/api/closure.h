/*
 * closure.h: after the fire is out (issue 5 §3-§7; P28-P33): improvement
 * actions and their oversight exports, DoIT's investigation report, the
 * lessons learned (api_closure.c), the signed records and the printed
 * record, as HTML and as PDF (api_record.c, record_pdf.c).
 *
 * docs/internals/closure.md describes the records, what a signature
 * covers and how the printed record is laid out.
 */
#ifndef TB_API_CLOSURE_H
#define TB_API_CLOSURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/incident.h"
#include "domain/closure.h"
#include "http/http.h"
#include "store/store.h"

/* Limits of this part's input and output, each with its reason. */
/* An action's title or owner: a line in a list. */
#define CLOSURE_LINE_MAX	200
/* Free text of a report or the lessons: a long report fits. */
#define CLOSURE_TEXT_MAX	INCIDENT_TEXT_MAX
/* Addresses in one list of DoIT's report: a scan from a botnet is
 * summarised by networks, not listed host by host. */
#define CLOSURE_IPS_MAX		500
/* Actions of one incident: a plan has tens; the cap bounds the record
 * that is hashed and printed. */
#define CLOSURE_ACTIONS_MAX	500
/* Rows of one CSV or XLSX export of the oversight list. */
#define CLOSURE_EXPORT_MAX	20000
/* Bytes of one CSV export (20000 rows of a few hundred bytes). */
#define CLOSURE_CSV_MAX		(32u * 1024 * 1024)
/* Bytes of a printed record, HTML or PDF: 5000 events of a page each
 * would not fit, and no real record comes near. */
#define RECORD_OUT_MAX		(64u * 1024 * 1024)
/* Field changes shown for one void signature. */
#define RECORD_DIFF_MAX		200

/* --- helpers api_closure.c and api_record.c share -------------------- */

/* A time as RFC 3339 +08:00, or JSON null for TBTIME_NONE; a new
 * reference. */
json_t	*closure_time_json(int64_t t);
/* Path parameter name as an id (>= 1); 0 when absent or not one. */
int64_t	 closure_param_id(const struct http_req *req, const char *name);
/*
 * Loads incident id through c into v (clean it with
 * incident_view_cleanup() whatever is returned) and checks that the
 * caller sees it: TB_ENOTFOUND when not (existence does not leak), store
 * errors; *actable says whether the caller may act for its agency.
 */
int	 closure_incident_load(struct http_req *req, struct store_conn *c,
	    int64_t id, struct incident_view *v, int *actable);
/* The store scope of the caller's lists (as incidents': DoIT all, a
 * vendor what it reported, others their subtree and, for a
 * superior_viewer, what their agency supervises). */
void	 closure_scope(const struct http_req *req, struct store_scope *sc);

/* Sends a JSON text with Cache-Control no-store, a Location when not
 * NULL and an ETag of version when > 0. */
void	 closure_reply_text(struct http_req *req, int status,
	    const char *text, const char *location, int64_t version);

/*
 * The check the events route makes of a root_cause_recorded (P28: the
 * investigator, the log analysis, a malware analysis when malware was
 * found) and of a plan_approved (P30: where it was sent; P29: every
 * medium and long term action due inside its window from the plan),
 * with the incident v loaded through c (the writer).  Other types pass.
 * Returns 0, or -1 after replying 422 naming the field.
 */
int	closure_event_check(struct http_req *req, struct store_conn *c,
	    enum event_type t, json_t *body, const struct incident_view *v);

/*
 * Sets *at to when every improvement action of incident id was done
 * (closure_actions_done_at()), TBTIME_NONE while any is open or there
 * are none.  Any connection; store errors.
 */
int	closure_actions_done(struct store_conn *c, int64_t id, int64_t *at);

/* One improvement action as the API shows it (its window and state at
 * now, the plan approved at plan_at or TBTIME_NONE); a new reference. */
json_t	*closure_improvement_json(const struct store_improvement *m,
	    int64_t plan_at, int64_t now);

/*
 * The printed record of incident v (the document model both renderers
 * read): an array of blocks, each an object with "k" the kind ("title",
 * "meta", "mark" (the exercise mark), "h", "p", "kv", "table"), "t" the
 * text, for label/value tables "rows" (pairs of strings), and for tables
 * "cols" (headers), "w" (column widths in percent), "rows" (arrays of
 * strings) and "cls" (a class per row: "", "void" or "late").  Built
 * through c (a reader) at now; *out is a new reference.  Store errors,
 * TB_ENOMEM.
 */
int	record_doc(struct store_conn *c, const struct incident_view *v,
	    int64_t now, json_t **out);

/*
 * Renders the document model doc as a PDF on A4 into out (cairo and
 * pango with the Noto CJK fonts): real pages, a header and a footer with
 * the page number and count on each, tables whose cells wrap and whose
 * rows split across pages when taller than one.  title is the document's
 * title (header and metadata), ref the line at the header's right.
 * doc is only read.  TB_ETOOBIG past out's maximum, TB_EIO when cairo
 * fails, TB_ENOMEM.  Safe to call from any thread (one render at a
 * time).
 */
int	record_pdf_render(json_t *doc, const char *title,
	    const char *ref, const char *footer, struct buf *out);

/* The routes (api_closure.c). */
int	api_improvements_create(struct http_req *req);
int	api_improvements_update(struct http_req *req);
int	api_improvements_list(struct http_req *req);
int	api_improvements_get(struct http_req *req);
int	api_improvements_oversight(struct http_req *req);
int	api_improvements_csv(struct http_req *req);
int	api_improvements_xlsx(struct http_req *req);
int	api_investigation_put(struct http_req *req);
int	api_investigation_get(struct http_req *req);
int	api_lessons_put(struct http_req *req);
int	api_lessons_get(struct http_req *req);

/* The routes (api_record.c). */
int	api_signatures_create(struct http_req *req);
int	api_signatures_list(struct http_req *req);
int	api_record_html(struct http_req *req);
int	api_record_pdf(struct http_req *req);

#endif
