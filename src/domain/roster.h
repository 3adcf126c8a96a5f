/*
 * roster.h: the agency registry's value sets (P2) and the rules of the
 * contact-window roster (P5-P9), as pure functions.
 *
 * Like the rest of src/domain, nothing here reads a clock, a file or the
 * database: the caller gathers the facts (the agency's level, how many
 * dedicated staff it has, who holds which assignment) and passes them in,
 * with "now" where time matters.  Strings returned are static.
 */
#ifndef TB_ROSTER_H
#define TB_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest agency code: short enough for URLs, user names ("CODE.window")
 * and audit entries (issue 3). */
#define ROSTER_CODE_MAX		32
/* Longest user name; struct principal keeps 63 bytes and a NUL. */
#define ROSTER_USERNAME_MAX	63
/*
 * Deepest agency tree accepted: city, bureau, office, unit is four; the
 * scope walk of src/store/store_access.c stops at 32, so a tree kept well
 * below that can never hide an agency from its superiors.
 */
#define ROSTER_DEPTH_MAX	16

/* --- value sets (P2) ------------------------------------------------ */

/* true for 1..ROSTER_CODE_MAX characters of [a-z0-9-] starting with a
 * letter or digit. */
bool	roster_code_valid(const char *code);
/* true for 1..ROSTER_USERNAME_MAX characters of [a-z0-9._@-] starting
 * with a letter or digit (lower case, so "Admin" cannot pose as
 * "admin"). */
bool	roster_username_valid(const char *username);
/* The agency types: city_agency, district_office, subordinate,
 * legal_person, school, doit. */
bool	roster_agency_type_valid(const char *type);
/* The responsibility levels (資通安全責任等級) "A" to "E". */
bool	roster_level_valid(const char *level);
/* The kinds of employment: civil_servant, contract, temporary, vendor. */
bool	roster_employment_valid(const char *employment);
/*
 * Dedicated cybersecurity staff a responsibility level requires (Facts the
 * rules rely on: A 4, B 2, C 1, D and E none); -1 for an unknown level.
 */
int	roster_dedicated_required(const char *level);
/* reports_to_central when a request leaves it out: true for schools,
 * which report on the education network (P41), else false. */
bool	roster_reports_to_central_default(const char *type);

/* --- the agency tree (P2) ------------------------------------------- */

/* One agency of the tree: its code and its superior's (NULL or "" for
 * none).  Borrowed for the call. */
struct roster_node {
	const char	*code;
	const char	*superior;
};

/*
 * Checks giving agency code the superior superior (NULL or "" for none)
 * against the tree nodes[0..n), which must be sorted by code (strcmp) with
 * no code twice, else TB_EINVAL.  code need not be in nodes yet (a new
 * agency).  Returns TB_OK; TB_ENOTFOUND when superior is not in nodes;
 * TB_ECONFLICT when superior is code itself or an agency below it (a
 * cycle), or when the tree above superior already loops; TB_ETOOBIG when
 * an agency of code's subtree would then stand more than max_depth levels
 * deep (a top agency is level 1).
 */
int	roster_tree_check(const struct roster_node *nodes, size_t n,
	    const char *code, const char *superior, int max_depth);

/* --- assignments (P5-P9) -------------------------------------------- */

/* What an assignment makes a person: the window (P5) or a deputy (P9). */
enum roster_role {
	ROSTER_WINDOW,
	ROSTER_DEPUTY,
};

/* "window" or "deputy"; NULL when out of range. */
const char	*roster_role_name(enum roster_role r);
/* Parses a role name; TB_EINVAL when unknown. */
int		 roster_role_from_name(const char *s, enum roster_role *out);

/* Why an assignment is refused; ROSTER_OK when it is not. */
enum roster_rule {
	ROSTER_OK,
	/* P6: a vendor's employee is never the window. */
	ROSTER_VENDOR_WINDOW,
	/* P6, the city's reading: nor a deputy, who acts as the window. */
	ROSTER_VENDOR_DEPUTY,
	/* P6: at level A-C with dedicated staff, the window is one of them. */
	ROSTER_WINDOW_NOT_DEDICATED,
	/* P6: with none (the post vacant), the head or CISO appoints another
	 * person, and who did it is recorded. */
	ROSTER_APPOINTED_BY_REQUIRED,
	/* P9: a deputy stands in for the window, so not the window itself. */
	ROSTER_DEPUTY_IS_WINDOW,
};

/* The point a rule comes from ("P6"); NULL for ROSTER_OK. */
const char	*roster_rule_point(enum roster_rule r);
/* The request field a refusal names ("username", "appointed_by"). */
const char	*roster_rule_field(enum roster_rule r);
/* A code name for the rule ("vendor_window"), for logs and tests. */
const char	*roster_rule_name(enum roster_rule r);

/* The facts an appointment is judged on. */
struct roster_appointment {
	enum roster_role role;
	bool		 vendor;	/* the person's employment is vendor */
	bool		 dedicated_staff;	/* the person is one */
	bool		 is_window;	/* the person holds the agency's open
					   window assignment */
	const char	*level;		/* the agency's responsibility level */
	int64_t		 dedicated_count;	/* active dedicated staff the
						   agency has, the person
						   included */
	bool		 appointed_by;	/* the request names who appointed */
	bool		 had_window;	/* the agency had a window assignment
					   before this one */
	int64_t		 effective_from;
	int64_t		 notified_at;
};

/* The verdict on an appointment. */
struct roster_decision {
	enum roster_rule rule;		/* ROSTER_OK: it may be made */
	bool		 late;		/* P8: a change of window notified on
					   or after the day it takes effect */
	bool		 dedicated_vacant;	/* P6: a window appointed while
						   the dedicated post is
						   vacant */
};

/*
 * Judges an appointment: the first rule it breaks, checked in the order
 * vendor (P6), deputy is the window (P9), dedicated staff (P6), appointed_by
 * (P6); and, when allowed, whether it is late (P8: only a window that is
 * not the agency's first, when the Taipei date of notified_at is on or
 * after that of effective_from) and made in a vacancy (P6).  An unknown
 * level requires no dedicated staff.
 */
void	roster_decide(const struct roster_appointment *a,
	    struct roster_decision *out);

/* P9: a deputy is ready when access_ready_at is set (not INT64_MIN) and
 * not after now. */
bool	roster_deputy_ready(int64_t access_ready_at, int64_t now);

/* The facts an agency's roster flags are computed from. */
struct roster_state {
	const char	*level;		/* responsibility level */
	int64_t		 dedicated_count;	/* active dedicated staff */
	bool		 has_window;	/* a window in force */
	bool		 window_dedicated;	/* ... who is dedicated staff */
	bool		 window_late;	/* ... whose change was late (P8) */
	int64_t		 deputies;	/* deputies in force */
	int64_t		 deputies_ready;	/* ... whose access is ready */
};

/* The roster flags, one bit each; roster_flag_name() gives their names. */
enum roster_flag {
	ROSTER_FLAG_NO_WINDOW = 1u << 0,	/* P5 */
	ROSTER_FLAG_NO_DEPUTY = 1u << 1,	/* P9 */
	ROSTER_FLAG_DEPUTY_NOT_READY = 1u << 2,	/* P9 */
	ROSTER_FLAG_DEDICATED_VACANT = 1u << 3,	/* P6 */
	ROSTER_FLAG_WINDOW_CHANGE_LATE = 1u << 4,	/* P8 */
};
#define ROSTER_FLAG__COUNT	5

/*
 * The flags of an agency: no_window without a window in force;
 * no_deputy without a deputy; deputy_not_ready without a deputy whose
 * access is ready (so also when there is none: P9 asks for a ready one);
 * dedicated_vacant when the level requires dedicated staff and the agency
 * has none, or its window is not one of them; window_change_late when the
 * window in force came by a late change.
 */
unsigned	 roster_flags(const struct roster_state *s);
/* The name of flag number i (0..ROSTER_FLAG__COUNT-1, bit 1u << i):
 * "no_window", ...; NULL past the end. */
const char	*roster_flag_name(unsigned i);

#endif
