/*
 * roster.c: the agency registry's value sets (P2) and the rules of the
 * contact-window roster (P5-P9).  Pure: see roster.h.
 */
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "domain/roster.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const agency_types[] = {
	"city_agency", "district_office", "subordinate", "legal_person",
	"school", "doit",
};

static const char *const employments[] = {
	"civil_servant", "contract", "temporary", "vendor",
};

static bool
in_set(const char *s, const char *const *set, size_t n)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool
lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* 1..max characters, the first a lower-case letter or digit, the rest
 * from that class or extra. */
static bool
name_valid(const char *s, size_t max, const char *extra)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max ||
	    !lower_alnum(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!lower_alnum(s[i]) && strchr(extra, s[i]) == NULL)
			return false;
	return true;
}

bool
roster_code_valid(const char *code)
{
	return name_valid(code, ROSTER_CODE_MAX, "-");
}

bool
roster_username_valid(const char *username)
{
	return name_valid(username, ROSTER_USERNAME_MAX, "._@-");
}

bool
roster_agency_type_valid(const char *type)
{
	return in_set(type, agency_types, NELEM(agency_types));
}

bool
roster_level_valid(const char *level)
{
	return roster_dedicated_required(level) >= 0;
}

bool
roster_employment_valid(const char *employment)
{
	return in_set(employment, employments, NELEM(employments));
}

int
roster_dedicated_required(const char *level)
{
	/* Facts the rules rely on: A 4, B 2, C 1, D and E none. */
	static const int required[] = { 4, 2, 1, 0, 0 };

	if (level == NULL || level[0] < 'A' || level[0] > 'E' ||
	    level[1] != '\0')
		return -1;
	return required[level[0] - 'A'];
}

bool
roster_reports_to_central_default(const char *type)
{
	/* P41: schools report on the education network, a central one. */
	return type != NULL && strcmp(type, "school") == 0;
}

/* --- the tree ------------------------------------------------------- */

static int
node_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct roster_node *)elem)->code);
}

static const struct roster_node *
node_find(const struct roster_node *nodes, size_t n, const char *code)
{
	if (n == 0)
		return NULL;
	return bsearch(code, nodes, n, sizeof(*nodes), node_cmp);
}

static const char *
none_if_empty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/*
 * The superior of code in the tree as it would be after the change: code's
 * own superior is the proposed one.
 */
static const char *
parent_of(const struct roster_node *nodes, size_t n, const char *code,
    const char *moved, const char *superior)
{
	const struct roster_node *nd;

	if (strcmp(code, moved) == 0)
		return superior;
	nd = node_find(nodes, n, code);
	return nd != NULL ? none_if_empty(nd->superior) : NULL;
}

int
roster_tree_check(const struct roster_node *nodes, size_t n,
    const char *code, const char *superior, int max_depth)
{
	const char	*cur;
	size_t		 i, steps;
	int		 depth, height = 0;

	if (code == NULL || (n > 0 && nodes == NULL))
		return TB_EINVAL;
	for (i = 1; i < n; i++)
		if (strcmp(nodes[i - 1].code, nodes[i].code) >= 0)
			return TB_EINVAL;
	superior = none_if_empty(superior);
	if (superior != NULL && node_find(nodes, n, superior) == NULL)
		return TB_ENOTFOUND;
	/*
	 * Walk up from the new superior: meeting code means code would be
	 * its own ancestor.  More steps than agencies means the tree above
	 * already loops, which no change may build on.
	 */
	depth = 1;
	for (cur = superior, steps = 0; cur != NULL;
	    cur = parent_of(nodes, n, cur, code, superior), steps++) {
		if (strcmp(cur, code) == 0 || steps > n)
			return TB_ECONFLICT;
		depth++;
	}
	/*
	 * The height of code's subtree: for every agency, the steps up to
	 * code if it lies below it.  The walk above proved the new links
	 * loop-free through code; steps > n guards loops elsewhere.
	 */
	for (i = 0; i < n; i++) {
		int	 h = 0;

		for (cur = nodes[i].code, steps = 0; cur != NULL &&
		    strcmp(cur, code) != 0 && steps <= n; steps++, h++)
			cur = parent_of(nodes, n, cur, code, superior);
		if (cur != NULL && strcmp(cur, code) == 0 && h > height)
			height = h;
	}
	return depth + height > max_depth ? TB_ETOOBIG : TB_OK;
}

/* --- assignments ---------------------------------------------------- */

static const char *const role_names[] = {
	[ROSTER_WINDOW] = "window",
	[ROSTER_DEPUTY] = "deputy",
};

const char *
roster_role_name(enum roster_role r)
{
	if ((unsigned)r >= NELEM(role_names))
		return NULL;
	return role_names[r];
}

int
roster_role_from_name(const char *s, enum roster_role *out)
{
	for (unsigned i = 0; i < NELEM(role_names); i++)
		if (s != NULL && strcmp(s, role_names[i]) == 0) {
			*out = (enum roster_role)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

static const struct {
	const char	*name;
	const char	*point;
	const char	*field;
} rules[] = {
	[ROSTER_OK] = { "ok", NULL, NULL },
	[ROSTER_VENDOR_WINDOW] = { "vendor_window", "P6", "username" },
	[ROSTER_VENDOR_DEPUTY] = { "vendor_deputy", "P6", "username" },
	[ROSTER_WINDOW_NOT_DEDICATED] = { "window_not_dedicated", "P6",
	    "username" },
	[ROSTER_APPOINTED_BY_REQUIRED] = { "appointed_by_required", "P6",
	    "appointed_by" },
	[ROSTER_DEPUTY_IS_WINDOW] = { "deputy_is_window", "P9", "username" },
};

const char *
roster_rule_point(enum roster_rule r)
{
	return (unsigned)r < NELEM(rules) ? rules[r].point : NULL;
}

const char *
roster_rule_field(enum roster_rule r)
{
	return (unsigned)r < NELEM(rules) ? rules[r].field : NULL;
}

const char *
roster_rule_name(enum roster_rule r)
{
	return (unsigned)r < NELEM(rules) ? rules[r].name : NULL;
}

void
roster_decide(const struct roster_appointment *a,
    struct roster_decision *out)
{
	struct tbtime_date	 notified, effective;
	int			 required;

	memset(out, 0, sizeof(*out));
	if (a->vendor) {
		out->rule = a->role == ROSTER_WINDOW ? ROSTER_VENDOR_WINDOW :
		    ROSTER_VENDOR_DEPUTY;
		return;
	}
	if (a->role == ROSTER_DEPUTY) {
		if (a->is_window)
			out->rule = ROSTER_DEPUTY_IS_WINDOW;
		return;
	}
	required = roster_dedicated_required(a->level);
	if (required > 0 && !a->dedicated_staff) {
		/* P6: with dedicated staff, the window is one of them;
		 * without, another may serve, appointed by the head or
		 * CISO, and the post is flagged vacant. */
		if (a->dedicated_count > 0) {
			out->rule = ROSTER_WINDOW_NOT_DEDICATED;
			return;
		}
		if (!a->appointed_by) {
			out->rule = ROSTER_APPOINTED_BY_REQUIRED;
			return;
		}
		out->dedicated_vacant = true;
	}
	/* P8: judged by Taipei dates; the first window is no change. */
	if (a->had_window) {
		notified = tbtime_taipei_date(a->notified_at);
		effective = tbtime_taipei_date(a->effective_from);
		out->late = tbtime_date_cmp(&notified, &effective) >= 0;
	}
}

bool
roster_deputy_ready(int64_t access_ready_at, int64_t now)
{
	return access_ready_at != INT64_MIN && access_ready_at <= now;
}

static const char *const flag_names[ROSTER_FLAG__COUNT] = {
	"no_window", "no_deputy", "deputy_not_ready", "dedicated_vacant",
	"window_change_late",
};

unsigned
roster_flags(const struct roster_state *s)
{
	unsigned	 f = 0;

	if (!s->has_window)
		f |= ROSTER_FLAG_NO_WINDOW;
	if (s->deputies == 0)
		f |= ROSTER_FLAG_NO_DEPUTY;
	if (s->deputies_ready == 0)
		f |= ROSTER_FLAG_DEPUTY_NOT_READY;
	if (roster_dedicated_required(s->level) > 0 &&
	    (s->dedicated_count == 0 ||
	    (s->has_window && !s->window_dedicated)))
		f |= ROSTER_FLAG_DEDICATED_VACANT;
	if (s->has_window && s->window_late)
		f |= ROSTER_FLAG_WINDOW_CHANGE_LATE;
	return f;
}

const char *
roster_flag_name(unsigned i)
{
	return i < ROSTER_FLAG__COUNT ? flag_names[i] : NULL;
}
