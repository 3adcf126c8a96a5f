/*
 * org.h: what the handlers of agencies, people and the contact-window
 * roster share (api_org.c, api_roster.c; issue 3, P2, P5-P9).  Internal
 * to those files; the handlers themselves are declared in api.h.
 */
#ifndef TB_API_ORG_H
#define TB_API_ORG_H

#include <stdint.h>

#include <jansson.h>

#include "domain/roster.h"
#include "http/http.h"
#include "store/store.h"

/* Longest name or English name of an agency or a person, in characters:
 * a full Chinese agency name is under 30; four bytes each fit
 * STORE_NAME_SIZE. */
#define ORG_NAME_MAX		120
/* Longest e-mail address (RFC 5321 path limit is 254; 120 is plenty for
 * the city's and fits STORE_NAME_SIZE). */
#define ORG_EMAIL_MAX		120
/* Longest phone number and TaipeiON id kept (fit STORE_CONTACT_SIZE). */
#define ORG_PHONE_MAX		32
#define ORG_TAIPEION_MAX	64
/* Longest ?q= search text, in bytes. */
#define ORG_QUERY_MAX		100
/* Page sizes of every list (CONVENTIONS.md). */
#define ORG_LIMIT_DEFAULT	50
#define ORG_LIMIT_MAX		500

/* zh or en, whichever the request asked for (Accept-Language). */
const char	*org_msg(const struct http_req *req, const char *zh,
		    const char *en);
/* A time as an RFC 3339 +08:00 string, or JSON null for STORE_TIME_NONE;
 * a new reference. */
json_t		*org_time_json(int64_t t);
/*
 * Sets *ok when the caller may read agency code's records: the scope of
 * auth_agency_visible(), except that a vendor (without a DoIT role) sees
 * only its own agency (P13: vendors see nothing else).  Returns TB_OK or a
 * store error.
 */
int		 org_agency_readable(struct http_req *req,
		    struct store_conn *c, const char *code, int *ok);
/* 1 when the caller is limited to what a vendor sees. */
int		 org_vendor_only(const struct http_req *req);
/*
 * Reads ?limit= (default ORG_LIMIT_DEFAULT, at most ORG_LIMIT_MAX) and
 * ?cursor= ("" when absent) of a list.  On a bad value it replies 400
 * invalid_query naming the parameter itself and returns non-zero.
 */
int		 org_page_query(struct http_req *req, int64_t *limit,
		    char *cursor, size_t cursor_size);

/* What an agency's roster looks like at one instant. */
struct org_roster_facts {
	struct roster_state	 st;
	unsigned		 flags;		/* roster_flags(&st) */
	int64_t			 dedicated_required;
};

/*
 * Gathers the roster facts of agency a at now: the window and deputies in
 * force, their readiness, its dedicated staff, and the flags.  Returns
 * TB_OK or a store error.
 */
int		 org_roster_facts(struct store_conn *c,
		    const struct store_agency_rec *a, int64_t now,
		    struct org_roster_facts *out);
/* The flags as {"no_window": bool, ...}; a new reference. */
json_t		*org_flags_json(unsigned flags);

#endif
