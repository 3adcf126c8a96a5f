/*
 * incident.h: incidents, their events and obligations (issue 4, P10-P23):
 * the route handlers, and the loaded incident that the handlers, the
 * platform report and the command line share.
 */
#ifndef TB_API_INCIDENT_H
#define TB_API_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "domain/domain.h"
#include "http/http.h"
#include "store/store.h"

/* Limits of incident input, each with its reason (STYLE.md 14). */
/* A title is a line in a list, not a report. */
#define INCIDENT_TITLE_MAX	200
/* Free text (description, minutes, findings): a long report fits. */
#define INCIDENT_TEXT_MAX	20000
/* Short text (references, names, reasons given in a line). */
#define INCIDENT_LINE_MAX	500
/* Agencies one incident may affect (P12): the city has about 400. */
#define INCIDENT_AFFECTED_MAX	500
/* Systems listed in one incident or damage control record. */
#define INCIDENT_SYSTEMS_MAX	100
/* People in a response team, meeting or list of recipients. */
#define INCIDENT_PEOPLE_MAX	200
/* Events of one incident: a timeline of years of progress reports is a
 * few hundred; the cap bounds the engine's work per change. */
#define INCIDENT_EVENTS_MAX	5000

/* What is kept of an event beyond what the rules read. */
struct incident_event_extra {
	char		 type[32];
	int64_t		 actor;
	char		*actor_name;
	int64_t		 recorded_at;
	char		*agency;	/* struct event's agency points here */
	char		*fields;	/* JSON object text: every field but
					   type and at, defaults filled in */
};

/*
 * An incident as loaded with its events (in (at, seq) order) and its
 * affected agencies.  ev[i].id is the event's seq; ev and x are parallel.
 * Everything is owned by the view: incident_view_cleanup() frees it.
 */
struct incident_view {
	struct store_incident		 in;
	struct event			*ev;
	struct incident_event_extra	*x;
	size_t				 nev;
	size_t				 cap;
	int64_t				 max_seq;
	char				**affected;	/* codes */
	int64_t				*notified_at;	/* parallel */
	size_t				 naff;
	size_t				 capaff;
	/* P31(4): when every improvement action was done, TBTIME_NONE
	 * while any is open or there are none (closure_actions_done()). */
	int64_t				 actions_done_at;
};

/*
 * Loads incident id, its events and affected agencies through c into v
 * (zeroed first).  TB_ENOTFOUND, TB_ENOMEM, store errors; v needs
 * incident_view_cleanup() whatever was returned.
 */
int	incident_view_load(struct store_conn *c, int64_t id,
	    struct incident_view *v);
/* Frees what v holds and zeroes it. */
void	incident_view_cleanup(struct incident_view *v);
/* Fills f from v (borrowing v's strings) for the domain. */
void	incident_view_facts(const struct incident_view *v,
	    struct incident_facts *f);
/*
 * Computes v's obligations at now with the deadline engine, into *out
 * (free with deadline_free()) of *n entries.  TB_ENOMEM, TB_EINVAL.
 */
int	incident_view_obligations(const struct incident_view *v, int64_t now,
	    struct obligation **out, size_t *n);
/*
 * Recomputes v's obligations at now and stores them through c (the
 * writer, in the transaction of the change that called for it: an
 * improvement action done changes the progress reports owed, P31).
 * TB_ENOMEM, TB_EINVAL, store errors.
 */
int	incident_obligations_refresh(struct store_conn *c,
	    const struct incident_view *v, int64_t now);
/*
 * The incident as GET /api/v1/incidents/{id} shows it, with the n
 * obligations o; a new reference, NULL when out of memory.
 */
json_t	*incident_view_json(const struct incident_view *v,
	    const struct obligation *o, size_t n);
/* One obligation as the API shows it; a new reference. */
/* The same as incident_view_json(), written straight as JSON text (a new
 * string and its length; NULL with *err set). */
char	*incident_view_text(const struct incident_view *v,
	    const struct obligation *o, size_t n, size_t *len, int *err);
json_t	*incident_obligation_json(const struct obligation *o);
/* An incident as GET /api/v1/incidents lists it (the summary columns of
 * store_incident_scan()); a new reference. */
json_t	*incident_summary_json(const struct store_incident *r);
/* A stored obligation as GET /api/v1/obligations lists it, "open" shown
 * as pending or overdue at now; a new reference. */
json_t	*incident_obligation_item_json(const struct store_obligation *o,
	    int64_t now);

/*
 * What the caller of req may do with incident in, through c: *visible to
 * read it, *actable to act for its agency.  DoIT sees and acts on all; a
 * vendor only on what it reported (P13); others on their agency's
 * subtree, a superior_viewer also reads the agencies it supervises, and
 * the window of an agency notified under P12 reads the incident.  Returns
 * TB_OK or a store error.
 */
int	incident_access(struct http_req *req, struct store_conn *c,
	    const struct store_incident *in, int *visible, int *actable);

/*
 * Writes the copy-ready text of the national platform's report form
 * (REQUIREMENTS "What the national platform's report asks", zh-TW labels)
 * for v at stage "initial", "follow_up" or "closure" into out; reporter is
 * the person named as the reporter (NULL: none known).  TB_EINVAL for an
 * unknown stage, TB_ETOOBIG / TB_ENOMEM from the buffer.
 */
int	incident_platform_text(const struct incident_view *v,
	    const char *stage, const struct store_incident_person *reporter,
	    struct buf *out);
/* The stage the next report is: initial before any `reported`, closure
 * once closed, else follow_up. */
const char *incident_platform_stage(const struct incident_view *v);

/* The routes (api_incident.c, api_incident_report.c). */
int	api_incidents_create(struct http_req *req);
int	api_incidents_list(struct http_req *req);
int	api_incident_get(struct http_req *req);
int	api_incident_events_create(struct http_req *req);
int	api_obligations_list(struct http_req *req);
int	api_incident_platform_report(struct http_req *req);
int	api_level_helper(struct http_req *req);

#endif
