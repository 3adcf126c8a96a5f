/*
 * access.c: the role and permission tables.
 */
#include <string.h>

#include "domain/access.h"
#include "util/util.h"

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_REPORTER] = "reporter",
	[ROLE_CONTACT_WINDOW] = "contact_window",
	[ROLE_CISO] = "ciso",
	[ROLE_COMMANDER] = "commander",
	[ROLE_RESPONDER] = "responder",
	[ROLE_DOIT_REVIEWER] = "doit_reviewer",
	[ROLE_DOIT_ADMIN] = "doit_admin",
	[ROLE_SUPERIOR_VIEWER] = "superior_viewer",
	[ROLE_VENDOR] = "vendor",
};

const char *
role_name(enum role r)
{
	if ((unsigned)r >= ROLE__COUNT)
		return NULL;
	return role_names[r];
}

int
role_from_name(const char *s, enum role *out)
{
	for (unsigned i = 0; i < ROLE__COUNT; i++)
		if (strcmp(role_names[i], s) == 0) {
			*out = (enum role)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

static const struct {
	const char	*name;
	unsigned	 roles;
} perms[PERMK__COUNT] = {
	[PERMK_PUBLIC] = { "public", ROLES_ALL },
	[PERMK_SIGNED_IN] = { "signed_in", ROLES_ALL },
	[PERMK_INCIDENT_CREATE] = { "incident_create",
	    ROLE_BIT(ROLE_REPORTER) | ROLE_BIT(ROLE_CONTACT_WINDOW) |
	    ROLE_BIT(ROLE_VENDOR) },
	[PERMK_EVIDENCE] = { "evidence",
	    ROLE_BIT(ROLE_REPORTER) | ROLE_BIT(ROLE_CONTACT_WINDOW) |
	    ROLE_BIT(ROLE_RESPONDER) | ROLE_BIT(ROLE_COMMANDER) },
	[PERMK_IMPROVEMENT] = { "improvement", ROLE_BIT(ROLE_COMMANDER) },
	[PERMK_DOIT] = { "doit", ROLES_DOIT },
	[PERMK_DOIT_ADMIN] = { "doit_admin", ROLE_BIT(ROLE_DOIT_ADMIN) },
	[PERMK_CONTACTS] = { "contacts", ROLE_BIT(ROLE_CISO) },
	[PERMK_PEOPLE] = { "people", ROLE_BIT(ROLE_CISO) },
	[PERMK_REGISTRY] = { "registry", ROLE_BIT(ROLE_CONTACT_WINDOW) |
	    ROLE_BIT(ROLE_CISO) | ROLE_BIT(ROLE_COMMANDER) },
	[PERMK_RECORDS] = { "records", ROLE_BIT(ROLE_CONTACT_WINDOW) |
	    ROLE_BIT(ROLE_CISO) | ROLE_BIT(ROLE_COMMANDER) },
};

unsigned
perm_roles(enum perm_kind k)
{
	if ((unsigned)k >= PERMK__COUNT)
		return 0;
	/* doit_admin may do everything. */
	return perms[k].roles | ROLE_BIT(ROLE_DOIT_ADMIN);
}

const char *
perm_name(enum perm_kind k)
{
	if ((unsigned)k >= PERMK__COUNT)
		return NULL;
	return perms[k].name;
}

bool
perm_allows(enum perm_kind k, unsigned roles)
{
	return (perm_roles(k) & roles) != 0;
}

#define R(r)	ROLE_BIT(ROLE_##r)

/* REQUIREMENTS "Who may do what": which role posts which event. */
static const unsigned event_roles[EVENT__COUNT] = {
	/* P10: the CISO, or a person the CISO authorised, approves. */
	[EVENT_LEVEL_APPROVED] = R(CISO),
	[EVENT_REPORTED] = R(CONTACT_WINDOW),
	[EVENT_BACKFILLED] = R(CONTACT_WINDOW),
	[EVENT_AGENCY_NOTIFIED] = R(CONTACT_WINDOW),
	[EVENT_DOIT_COPIED] = R(CONTACT_WINDOW),
	[EVENT_INFO_REQUESTED] = R(DOIT_REVIEWER),
	[EVENT_INFO_PROVIDED] = R(CONTACT_WINDOW),
	[EVENT_LEVEL_REVIEWED] = R(DOIT_REVIEWER),
	[EVENT_LEVEL_CHANGE_REQUESTED] = R(CONTACT_WINDOW),
	[EVENT_TEAM_FORMED] = R(CONTACT_WINDOW) | R(COMMANDER),
	[EVENT_MEETING_HELD] = R(CONTACT_WINDOW) | R(COMMANDER),
	[EVENT_TRACKING_DESIGNATED] = R(DOIT_REVIEWER) | R(SUPERIOR_VIEWER),
	[EVENT_DAMAGE_CONTROLLED] = R(CONTACT_WINDOW) | R(COMMANDER),
	[EVENT_EFFECTIVENESS_REPORTED] = R(COMMANDER),
	[EVENT_PDPA_ASSESSED] = R(COMMANDER),
	[EVENT_ROOT_CAUSE_RECORDED] = R(COMMANDER),
	/* P30: the commander decides on the plan. */
	[EVENT_PLAN_APPROVED] = R(COMMANDER),
	[EVENT_PROGRESS_REPORTED] = R(COMMANDER),
	[EVENT_CLOSURE_REPORTED] = R(CONTACT_WINDOW),
	/* P32: the responsible person and the CISO sign records. */
	[EVENT_SIGNED] = R(CONTACT_WINDOW) | R(CISO) | R(COMMANDER),
};

#undef R

unsigned
access_event_roles(enum event_type t)
{
	if ((unsigned)t >= EVENT__COUNT)
		return 0;
	/* doit_admin: "everything". */
	return event_roles[t] | ROLE_BIT(ROLE_DOIT_ADMIN);
}
