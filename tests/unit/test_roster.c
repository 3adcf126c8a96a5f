/*
 * test_roster.c: the agency registry's value sets (P2), the agency tree
 * check, and the contact-window rules P5-P9 (src/domain/roster.c).
 *
 * Tables, with the rows that must be refused beside the ones that must
 * pass.  Instants are written as RFC 3339 text and parsed, so the P8 rows
 * read as the rule does: by Taipei dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "domain/roster.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* An instant that must parse; fails the test otherwise. */
static int64_t
T(const char *s)
{
	int64_t	 t = 0;

	if (tbtime_parse(s, &t) != TB_OK)
		fail_msg("test data does not parse: %s", s);
	return t;
}

/* ------------------------------------------------------------------ */

static const struct {
	const char	*s;
	bool		 code, username;
} name_rows[] = {
	{ "ca", true, true },
	{ "dist-songshan", true, true },
	{ "0", true, true },
	{ "a23456789012345678901234567890ab", true, true },	/* 32 */
	{ "a23456789012345678901234567890abc", false, true },	/* 33 */
	{ "ca.window", false, true },
	{ "someone@doit.gov.taipei", false, true },
	{ "a_b", false, true },
	{ "", false, false },
	{ "-ca", false, false },
	{ ".ca", false, false },
	{ "CA", false, false },
	{ "Admin", false, false },
	{ "c a", false, false },
	{ "ca/x", false, false },
	{ "臺北", false, false },
	{ "ca\n", false, false },
	/* 63 characters: the longest user name; 64 is refused. */
	{ "a23456789012345678901234567890123456789012345678901234567890123",
	    false, true },
	{ "a234567890123456789012345678901234567890123456789012345678901234",
	    false, false },
};

static void
test_codes_and_usernames(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(name_rows); i++) {
		if (roster_code_valid(name_rows[i].s) != name_rows[i].code)
			fail_msg("code \"%s\": want %d", name_rows[i].s,
			    name_rows[i].code);
		if (roster_username_valid(name_rows[i].s) !=
		    name_rows[i].username)
			fail_msg("username \"%s\": want %d", name_rows[i].s,
			    name_rows[i].username);
	}
	assert_false(roster_code_valid(NULL));
	assert_false(roster_username_valid(NULL));
}

static void
test_value_sets(void **state)
{
	static const char *const types_ok[] = { "city_agency",
	    "district_office", "subordinate", "legal_person", "school",
	    "doit" };
	static const char *const types_bad[] = { "", "School", "bureau",
	    "school ", "doit\n" };
	static const struct {
		const char	*level;
		int		 required;	/* -1: not a level */
	} levels[] = {
		/* Facts the rules rely on: A 4, B 2, C 1, D and E none. */
		{ "A", 4 }, { "B", 2 }, { "C", 1 }, { "D", 0 }, { "E", 0 },
		{ "F", -1 }, { "a", -1 }, { "", -1 }, { "AB", -1 },
		{ "@", -1 },
	};
	static const char *const employ_ok[] = { "civil_servant", "contract",
	    "temporary", "vendor" };
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(types_ok); i++)
		assert_true(roster_agency_type_valid(types_ok[i]));
	for (i = 0; i < NELEM(types_bad); i++)
		assert_false(roster_agency_type_valid(types_bad[i]));
	assert_false(roster_agency_type_valid(NULL));
	for (i = 0; i < NELEM(levels); i++) {
		if (roster_dedicated_required(levels[i].level) !=
		    levels[i].required)
			fail_msg("level \"%s\": want %d", levels[i].level,
			    levels[i].required);
		assert_int_equal(roster_level_valid(levels[i].level),
		    levels[i].required >= 0);
	}
	assert_int_equal(roster_dedicated_required(NULL), -1);
	for (i = 0; i < NELEM(employ_ok); i++)
		assert_true(roster_employment_valid(employ_ok[i]));
	assert_false(roster_employment_valid("Vendor"));
	assert_false(roster_employment_valid("volunteer"));
	/* P41: schools report on the education network by default. */
	assert_true(roster_reports_to_central_default("school"));
	assert_false(roster_reports_to_central_default("city_agency"));
	assert_false(roster_reports_to_central_default("doit"));
	assert_false(roster_reports_to_central_default(NULL));
}

/* ------------------------------------------------------------------ */

/*
 * The tree: a > a1 > a11 > a111, a > a2, b alone.  Sorted by code, as the
 * function requires.
 */
static const struct roster_node tree[] = {
	{ "a", NULL },
	{ "a1", "a" },
	{ "a11", "a1" },
	{ "a111", "a11" },
	{ "a2", "a" },
	{ "b", "" },
};

static const struct {
	const char	*what;
	const char	*code, *superior;
	int		 max_depth;
	int		 rc;
} tree_rows[] = {
	{ "new top agency", "c", NULL, 16, TB_OK },
	{ "new top agency, superior \"\"", "c", "", 1, TB_OK },
	{ "new agency at depth 5", "c", "a111", 5, TB_OK },
	{ "new agency too deep", "c", "a111", 4, TB_ETOOBIG },
	{ "unknown superior", "c", "zz", 16, TB_ENOTFOUND },
	{ "own superior", "a1", "a1", 16, TB_ECONFLICT },
	{ "under its child", "a", "a1", 16, TB_ECONFLICT },
	{ "under its great-grandchild", "a", "a111", 16, TB_ECONFLICT },
	{ "a subtree moves under a sibling", "a1", "a2", 16, TB_OK },
	/* a1 (3 deep below a: a1, a11, a111) under b: b 1, a1 2, a111 4. */
	{ "a subtree moves: depth counts its height", "a1", "b", 4, TB_OK },
	{ "a subtree moves too deep", "a1", "b", 3, TB_ETOOBIG },
	{ "b under a leaf", "b", "a111", 5, TB_OK },
	{ "a leaf becomes a top agency", "a111", NULL, 1, TB_OK },
	/* a11 keeps a111 below it: a 1, a1 2, a11 3, a111 4. */
	{ "unchanged, but deeper than allowed", "a11", "a1", 3, TB_ETOOBIG },
	{ "unchanged, deep enough", "a11", "a1", 4, TB_OK },
};

static void
test_tree(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(tree_rows); i++) {
		int rc = roster_tree_check(tree, NELEM(tree),
		    tree_rows[i].code, tree_rows[i].superior,
		    tree_rows[i].max_depth);

		if (rc != tree_rows[i].rc)
			fail_msg("%s: rc %d, want %d", tree_rows[i].what, rc,
			    tree_rows[i].rc);
	}
}

static void
test_tree_bad_input(void **state)
{
	static const struct roster_node unsorted[] = {
		{ "b", NULL }, { "a", NULL },
	};
	static const struct roster_node twice[] = {
		{ "a", NULL }, { "a", NULL },
	};
	/* A loop already stored (by hand): nothing may build on it. */
	static const struct roster_node looped[] = {
		{ "x", "y" }, { "y", "x" }, { "z", NULL },
	};

	(void)state;
	assert_int_equal(roster_tree_check(unsorted, 2, "c", NULL, 16),
	    TB_EINVAL);
	assert_int_equal(roster_tree_check(twice, 2, "c", NULL, 16),
	    TB_EINVAL);
	assert_int_equal(roster_tree_check(looped, 3, "c", "x", 16),
	    TB_ECONFLICT);
	/* z is clear of the loop, and a loop elsewhere is no height. */
	assert_int_equal(roster_tree_check(looped, 3, "c", "z", 16), TB_OK);
	assert_int_equal(roster_tree_check(NULL, 0, "c", NULL, 16), TB_OK);
	assert_int_equal(roster_tree_check(NULL, 0, "c", "a", 16),
	    TB_ENOTFOUND);
	assert_int_equal(roster_tree_check(tree, NELEM(tree), NULL, NULL, 16),
	    TB_EINVAL);
}

/* ------------------------------------------------------------------ */

/* The day a change of window takes effect in the P8 rows. */
#define EFF	"2026-03-01T09:00:00+08:00"

static const struct {
	const char	*what;
	enum roster_role role;
	bool		 vendor, dedicated, is_window;
	const char	*level;
	int64_t		 count;		/* dedicated staff at the agency */
	bool		 appointed_by, had_window;
	const char	*effective, *notified;
	enum roster_rule rule;
	bool		 late, vacant;
} decide_rows[] = {
	/* P6: vendors are never window, nor (the city's reading) deputy. */
	{ "vendor as window", ROSTER_WINDOW, true, false, false, "D", 0,
	    false, false, EFF, EFF, ROSTER_VENDOR_WINDOW, false, false },
	{ "vendor as window even if dedicated and appointed", ROSTER_WINDOW,
	    true, true, false, "A", 1, true, false, EFF, EFF,
	    ROSTER_VENDOR_WINDOW, false, false },
	{ "vendor as deputy", ROSTER_DEPUTY, true, false, false, "E", 0,
	    false, false, EFF, EFF, ROSTER_VENDOR_DEPUTY, false, false },
	/* P6: level A-C with dedicated staff: the window is one of them. */
	{ "A, staff exist, window not dedicated", ROSTER_WINDOW, false, false,
	    false, "A", 4, false, false, EFF, EFF,
	    ROSTER_WINDOW_NOT_DEDICATED, false, false },
	{ "C, one exists, appointed_by does not help", ROSTER_WINDOW, false,
	    false, false, "C", 1, true, false, EFF, EFF,
	    ROSTER_WINDOW_NOT_DEDICATED, false, false },
	{ "B, dedicated window", ROSTER_WINDOW, false, true, false, "B", 2,
	    false, false, EFF, EFF, ROSTER_OK, false, false },
	/* P6: none (the post vacant): appointed by the head or CISO. */
	{ "B, none, no appointer", ROSTER_WINDOW, false, false, false, "B", 0,
	    false, false, EFF, EFF, ROSTER_APPOINTED_BY_REQUIRED, false,
	    false },
	{ "B, none, appointed", ROSTER_WINDOW, false, false, false, "B", 0,
	    true, false, EFF, EFF, ROSTER_OK, false, true },
	/* D and E require no dedicated staff. */
	{ "D, anyone", ROSTER_WINDOW, false, false, false, "D", 3, false,
	    false, EFF, EFF, ROSTER_OK, false, false },
	{ "E, anyone", ROSTER_WINDOW, false, false, false, "E", 0, false,
	    false, EFF, EFF, ROSTER_OK, false, false },
	/* The dedicated rule is the window's; a deputy may be anyone but a
	 * vendor and the window. */
	{ "A deputy not dedicated", ROSTER_DEPUTY, false, false, false, "A",
	    4, false, false, EFF, EFF, ROSTER_OK, false, false },
	{ "the window as deputy", ROSTER_DEPUTY, false, true, true, "A", 4,
	    false, true, EFF, EFF, ROSTER_DEPUTY_IS_WINDOW, false, false },
	/* P8: a change is late when notified on or after the Taipei date
	 * it takes effect; the first window never is. */
	{ "change notified the day before", ROSTER_WINDOW, false, true, false,
	    "D", 1, false, true, EFF, "2026-02-28T23:59:59+08:00", ROSTER_OK,
	    false, false },
	{ "change notified at 00:00 of the day", ROSTER_WINDOW, false, true,
	    false, "D", 1, false, true, EFF, "2026-03-01T00:00:00+08:00",
	    ROSTER_OK, true, false },
	{ "change notified the same day after it began", ROSTER_WINDOW, false,
	    true, false, "D", 1, false, true, EFF,
	    "2026-03-01T23:59:59+08:00", ROSTER_OK, true, false },
	{ "change notified later", ROSTER_WINDOW, false, true, false, "D", 1,
	    false, true, EFF, "2026-04-02T10:00:00+08:00", ROSTER_OK, true,
	    false },
	/* Taipei dates, not UTC ones: 16:00Z is 00:00 the next day. */
	{ "UTC evening is the next Taipei day", ROSTER_WINDOW, false, true,
	    false, "D", 1, false, true, EFF, "2026-02-28T16:00:00Z",
	    ROSTER_OK, true, false },
	{ "UTC 15:59:59 is still the day before", ROSTER_WINDOW, false, true,
	    false, "D", 1, false, true, EFF, "2026-02-28T15:59:59Z",
	    ROSTER_OK, false, false },
	{ "effective given in UTC", ROSTER_WINDOW, false, true, false, "D", 1,
	    false, true, "2026-02-28T16:30:00Z", "2026-02-28T23:00:00+08:00",
	    ROSTER_OK, false, false },
	{ "first window notified late is not late", ROSTER_WINDOW, false,
	    true, false, "D", 1, false, false, EFF,
	    "2026-04-02T10:00:00+08:00", ROSTER_OK, false, false },
	{ "a deputy is never late", ROSTER_DEPUTY, false, false, false, "D", 0,
	    false, true, EFF, "2026-04-02T10:00:00+08:00", ROSTER_OK, false,
	    false },
	{ "late and vacant together", ROSTER_WINDOW, false, false, false, "A",
	    0, true, true, EFF, "2026-03-05T10:00:00+08:00", ROSTER_OK, true,
	    true },
};

static void
test_decide(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(decide_rows); i++) {
		struct roster_appointment a;
		struct roster_decision	  d;

		memset(&a, 0, sizeof(a));
		a.role = decide_rows[i].role;
		a.vendor = decide_rows[i].vendor;
		a.dedicated_staff = decide_rows[i].dedicated;
		a.is_window = decide_rows[i].is_window;
		a.level = decide_rows[i].level;
		a.dedicated_count = decide_rows[i].count;
		a.appointed_by = decide_rows[i].appointed_by;
		a.had_window = decide_rows[i].had_window;
		a.effective_from = T(decide_rows[i].effective);
		a.notified_at = T(decide_rows[i].notified);
		roster_decide(&a, &d);
		if (d.rule != decide_rows[i].rule ||
		    d.late != decide_rows[i].late ||
		    d.dedicated_vacant != decide_rows[i].vacant)
			fail_msg("%s: rule %s late %d vacant %d, want %s %d "
			    "%d", decide_rows[i].what, roster_rule_name(d.rule),
			    d.late, d.dedicated_vacant,
			    roster_rule_name(decide_rows[i].rule),
			    decide_rows[i].late, decide_rows[i].vacant);
	}
}

static void
test_rules_named(void **state)
{
	static const struct {
		enum roster_rule r;
		const char	*point, *field;
	} rows[] = {
		{ ROSTER_VENDOR_WINDOW, "P6", "username" },
		{ ROSTER_VENDOR_DEPUTY, "P6", "username" },
		{ ROSTER_WINDOW_NOT_DEDICATED, "P6", "username" },
		{ ROSTER_APPOINTED_BY_REQUIRED, "P6", "appointed_by" },
		{ ROSTER_DEPUTY_IS_WINDOW, "P9", "username" },
	};
	enum roster_role r;

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		assert_string_equal(roster_rule_point(rows[i].r),
		    rows[i].point);
		assert_string_equal(roster_rule_field(rows[i].r),
		    rows[i].field);
		assert_non_null(roster_rule_name(rows[i].r));
	}
	assert_null(roster_rule_point(ROSTER_OK));
	assert_null(roster_rule_point((enum roster_rule)99));
	assert_string_equal(roster_role_name(ROSTER_WINDOW), "window");
	assert_string_equal(roster_role_name(ROSTER_DEPUTY), "deputy");
	assert_null(roster_role_name((enum roster_role)7));
	assert_int_equal(roster_role_from_name("deputy", &r), TB_OK);
	assert_int_equal(r, ROSTER_DEPUTY);
	assert_int_equal(roster_role_from_name("Window", &r), TB_EINVAL);
	assert_int_equal(roster_role_from_name("contact_window", &r),
	    TB_EINVAL);
	assert_int_equal(roster_role_from_name(NULL, &r), TB_EINVAL);
}

/* ------------------------------------------------------------------ */

static void
test_deputy_ready(void **state)
{
	int64_t	 now = T("2026-03-01T09:00:00+08:00");

	(void)state;
	/* P9: access in place before it is needed. */
	assert_false(roster_deputy_ready(INT64_MIN, now));
	assert_false(roster_deputy_ready(now + 1, now));
	assert_true(roster_deputy_ready(now, now));
	assert_true(roster_deputy_ready(now - TBTIME_US_PER_DAY, now));
}

#define F_NW	ROSTER_FLAG_NO_WINDOW
#define F_ND	ROSTER_FLAG_NO_DEPUTY
#define F_NR	ROSTER_FLAG_DEPUTY_NOT_READY
#define F_DV	ROSTER_FLAG_DEDICATED_VACANT
#define F_LT	ROSTER_FLAG_WINDOW_CHANGE_LATE

static const struct {
	const char		*what;
	struct roster_state	 st;
	unsigned		 want;
} flag_rows[] = {
	{ "nothing at all, level E", { "E", 0, false, false, false, 0, 0 },
	    F_NW | F_ND | F_NR },
	{ "nothing at all, level A: vacant too",
	    { "A", 0, false, false, false, 0, 0 }, F_NW | F_ND | F_NR | F_DV },
	{ "full and ready", { "B", 2, true, true, false, 1, 1 }, 0 },
	{ "deputy not ready", { "B", 2, true, true, false, 2, 0 }, F_NR },
	{ "one of two deputies ready", { "B", 2, true, true, false, 2, 1 }, 0 },
	{ "window appointed in the vacancy",
	    { "C", 0, true, false, false, 1, 1 }, F_DV },
	{ "dedicated staff came, window still not one",
	    { "C", 1, true, false, false, 1, 1 }, F_DV },
	{ "level D window not dedicated", { "D", 0, true, false, false, 1, 1 },
	    0 },
	{ "late change", { "D", 0, true, false, true, 1, 1 }, F_LT },
	{ "late flag without a window means nothing",
	    { "D", 0, false, false, true, 1, 1 }, F_NW },
	{ "A with staff but no window: no_window only",
	    { "A", 4, false, false, false, 1, 1 }, F_NW },
};

static void
test_flags(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(flag_rows); i++) {
		unsigned f = roster_flags(&flag_rows[i].st);

		if (f != flag_rows[i].want)
			fail_msg("%s: flags %#x, want %#x", flag_rows[i].what,
			    f, flag_rows[i].want);
	}
}

static void
test_flag_names(void **state)
{
	static const char *const want[] = { "no_window", "no_deputy",
	    "deputy_not_ready", "dedicated_vacant", "window_change_late" };

	(void)state;
	assert_int_equal(NELEM(want), ROSTER_FLAG__COUNT);
	for (unsigned i = 0; i < ROSTER_FLAG__COUNT; i++)
		assert_string_equal(roster_flag_name(i), want[i]);
	assert_null(roster_flag_name(ROSTER_FLAG__COUNT));
	assert_int_equal(1u << 0, ROSTER_FLAG_NO_WINDOW);
	assert_int_equal(1u << 4, ROSTER_FLAG_WINDOW_CHANGE_LATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_and_usernames),
		cmocka_unit_test(test_value_sets),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_tree_bad_input),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_rules_named),
		cmocka_unit_test(test_deputy_ready),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_flag_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
