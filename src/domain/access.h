/*
 * access.h: roles and what each may do (REQUIREMENTS.md, "Who may do
 * what").  Pure data and predicates; the HTTP layer enforces them.
 */
#ifndef TB_ACCESS_H
#define TB_ACCESS_H

#include <stdbool.h>

#include "domain/domain.h"

enum role {
	ROLE_REPORTER,
	ROLE_CONTACT_WINDOW,
	ROLE_CISO,
	ROLE_COMMANDER,
	ROLE_RESPONDER,
	ROLE_DOIT_REVIEWER,
	ROLE_DOIT_ADMIN,
	ROLE_SUPERIOR_VIEWER,
	ROLE_VENDOR,
	ROLE__COUNT
};

#define ROLE_BIT(r)	(1u << (r))
#define ROLES_ALL	((1u << ROLE__COUNT) - 1)
/* DoIT's roles see every agency. */
#define ROLES_DOIT	(ROLE_BIT(ROLE_DOIT_REVIEWER) | ROLE_BIT(ROLE_DOIT_ADMIN))

/* The code name of a role ("contact_window"); NULL when out of range. */
const char	*role_name(enum role r);
/* Parses a code name; TB_EINVAL when unknown. */
int		 role_from_name(const char *s, enum role *out);

/*
 * What a route may require.  Each permission is a set of roles; doit_admin
 * holds every permission ("everything, including agencies, people and
 * policy").  Scope (which agency's records) is checked separately.
 */
enum perm_kind {
	PERMK_PUBLIC,		/* no sign-in */
	PERMK_SIGNED_IN,	/* any role; scope decides what is seen */
	PERMK_INCIDENT_CREATE,	/* reporter, contact_window, vendor */
	PERMK_EVIDENCE,		/* reporter, contact_window, responder,
				   commander: add facts and evidence */
	PERMK_IMPROVEMENT,	/* commander: improvement actions (P29) */
	PERMK_DOIT,		/* doit_reviewer, doit_admin */
	PERMK_DOIT_ADMIN,	/* doit_admin only */
	PERMK_CONTACTS,		/* doit_admin, or the agency's own ciso
				   (P6: head or CISO appoints the window) */
	PERMK_PEOPLE,		/* doit_admin, or a ciso within its
				   agency's subtree: create and change
				   people (issue 3) */
	PERMK_REGISTRY,		/* contact_window, ciso, commander: the
				   agency's core systems and contracts
				   (P24, P26) */
	PERMK_RECORDS,		/* contact_window, ciso, commander: sign
				   the incident's records and keep its
				   lessons (P32, P33) */
	PERMK__COUNT
};

/* The roles that hold permission k (ROLES_ALL for public/signed in). */
unsigned	 perm_roles(enum perm_kind k);
/* The permission's code name, as shown in the OpenAPI document. */
const char	*perm_name(enum perm_kind k);
/* true when a person holding roles may use permission k. */
bool		 perm_allows(enum perm_kind k, unsigned roles);

/*
 * The roles that may post an event of type t on an incident (REQUIREMENTS
 * "Who may do what"), doit_admin included; 0 for a type out of range.
 * Scope is checked apart: the agency's own roles act on incidents of
 * their agency and below (ACCESS_ROLES_AGENCY), DoIT's on any, and a
 * superior_viewer on those it may read.
 */
unsigned	 access_event_roles(enum event_type t);

/* The roles that act for their own agency (and those below it). */
#define ACCESS_ROLES_AGENCY	(ROLE_BIT(ROLE_REPORTER) | \
	ROLE_BIT(ROLE_CONTACT_WINDOW) | ROLE_BIT(ROLE_CISO) | \
	ROLE_BIT(ROLE_COMMANDER) | ROLE_BIT(ROLE_RESPONDER))

#endif
