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
