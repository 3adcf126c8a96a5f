/*
 * test_level.c: the level helper (P10, src/domain/level.c) and the level
 * rules shared by the API (level_valid, incident_level_at).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The whole table of REQUIREMENTS "Judging the level", written out again
 * here by hand (not copied from policy.c) so that a typo in the policy data
 * fails this test.  0 is a "—" cell, which the helper must refuse.
 */
static const int want_table[LEVEL_ASSET__COUNT][LEVEL_EFFECT__COUNT] = {
	/* ci_minor, ci_serious, a_restored_in_time, a_not_restored */
	{ 1, 2, 1, 2 },	/* non_core */
	{ 2, 3, 2, 3 },	/* core */
	{ 3, 4, 3, 4 },	/* core_critical_infrastructure */
	{ 3, 4, 0, 0 },	/* official_secret_or_sensitive */
	{ 4, 4, 0, 0 },	/* national_secret */
};

static void
test_every_cell(void **state)
{
	struct level_answer	 a;
	struct level_result	 r;
	int			 row, col, rc;

	(void)state;
	for (row = 0; row < LEVEL_ASSET__COUNT; row++)
		for (col = 0; col < LEVEL_EFFECT__COUNT; col++) {
			a.asset = (enum level_asset)row;
			a.effect = (enum level_effect)col;
			rc = level_judge(NULL, &a, 1, &r);
			if (want_table[row][col] == 0) {
				if (rc != TB_EINVAL)
					fail_msg("cell %s/%s: rc %d, want "
					    "TB_EINVAL",
					    level_asset_name(a.asset),
					    level_effect_name(a.effect), rc);
				assert_int_equal(r.index, 0);
				continue;
			}
			if (rc != TB_OK || r.level != want_table[row][col] ||
			    r.asset != a.asset || r.effect != a.effect)
				fail_msg("cell %s/%s: rc %d level %d",
				    level_asset_name(a.asset),
				    level_effect_name(a.effect), rc, r.level);
		}
}

/* Several effects: the highest wins, and the answer that gave it is
 * named; on a tie the first answer keeps the credit. */
static const struct {
	const char		*what;
	struct level_answer	 a[4];
	size_t			 n;
	int			 rc;
	int			 level;
	size_t			 index;
} multi_rows[] = {
	{ "leak minor on non-core, outage past tolerance on core",
	    { { LEVEL_ASSET_NON_CORE, LEVEL_EFFECT_CI_MINOR },
	      { LEVEL_ASSET_CORE, LEVEL_EFFECT_A_NOT_IN_TIME } },
	    2, TB_OK, 3, 1 },
	{ "serious tampering on CI beats the rest",
	    { { LEVEL_ASSET_CORE, LEVEL_EFFECT_CI_SERIOUS },
	      { LEVEL_ASSET_CORE_CI, LEVEL_EFFECT_CI_SERIOUS },
	      { LEVEL_ASSET_NON_CORE, LEVEL_EFFECT_A_IN_TIME } },
	    3, TB_OK, 4, 1 },
	{ "tie: first answer reaching 3 keeps the credit",
	    { { LEVEL_ASSET_CORE, LEVEL_EFFECT_CI_SERIOUS },
	      { LEVEL_ASSET_SECRET_SENSITIVE, LEVEL_EFFECT_CI_MINOR },
	      { LEVEL_ASSET_NON_CORE, LEVEL_EFFECT_CI_SERIOUS } },
	    3, TB_OK, 3, 0 },
	{ "national secret, any leak",
	    { { LEVEL_ASSET_NON_CORE, LEVEL_EFFECT_A_IN_TIME },
	      { LEVEL_ASSET_NATIONAL_SECRET, LEVEL_EFFECT_CI_MINOR } },
	    2, TB_OK, 4, 1 },
	{ "only minor effects",
	    { { LEVEL_ASSET_NON_CORE, LEVEL_EFFECT_CI_MINOR },
	      { LEVEL_ASSET_NON_CORE, LEVEL_EFFECT_A_IN_TIME } },
	    2, TB_OK, 1, 0 },
	{ "a dash cell among valid ones is refused, and named",
	    { { LEVEL_ASSET_CORE, LEVEL_EFFECT_CI_SERIOUS },
	      { LEVEL_ASSET_SECRET_SENSITIVE, LEVEL_EFFECT_A_IN_TIME } },
	    2, TB_EINVAL, 0, 1 },
	{ "availability of national secrets is a dash",
	    { { LEVEL_ASSET_NATIONAL_SECRET, LEVEL_EFFECT_A_NOT_IN_TIME } },
	    1, TB_EINVAL, 0, 0 },
	{ "a row out of range",
	    { { LEVEL_ASSET_CORE, LEVEL_EFFECT_CI_MINOR },
	      { (enum level_asset)LEVEL_ASSET__COUNT,
		LEVEL_EFFECT_CI_MINOR } },
	    2, TB_EINVAL, 0, 1 },
	{ "a column out of range",
	    { { LEVEL_ASSET_CORE, (enum level_effect)-1 } },
	    1, TB_EINVAL, 0, 0 },
	{ "no answers", { { LEVEL_ASSET_CORE, LEVEL_EFFECT_CI_MINOR } },
	    0, TB_EINVAL, 0, 0 },
};

static void
test_multi(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(multi_rows); i++) {
		struct level_result	 r;
		int			 rc;

		rc = level_judge(NULL, multi_rows[i].a, multi_rows[i].n, &r);
		if (rc != multi_rows[i].rc)
			fail_msg("%s: rc %d", multi_rows[i].what, rc);
		if (r.index != multi_rows[i].index)
			fail_msg("%s: index %zu", multi_rows[i].what, r.index);
		if (rc != TB_OK)
			continue;
		if (r.level != multi_rows[i].level)
			fail_msg("%s: level %d", multi_rows[i].what, r.level);
		assert_int_equal(r.asset,
		    multi_rows[i].a[multi_rows[i].index].asset);
		assert_int_equal(r.effect,
		    multi_rows[i].a[multi_rows[i].index].effect);
	}
}

/* The table is read from the policy given, not from a constant. */
static void
test_policy_table(void **state)
{
	struct policy		 p;
	struct level_answer	 a = {
		LEVEL_ASSET_CORE, LEVEL_EFFECT_CI_MINOR
	};
	struct level_result	 r;
	size_t			 n;

	(void)state;
	p = policy_builtin(&n)[0];
	assert_int_equal(level_judge(&p, &a, 1, &r), TB_OK);
	assert_int_equal(r.level, 2);
	p.level_table[LEVEL_ASSET_CORE][LEVEL_EFFECT_CI_MINOR] = 3;
	assert_int_equal(level_judge(&p, &a, 1, &r), TB_OK);
	assert_int_equal(r.level, 3);
}

static void
test_names(void **state)
{
	static const struct {
		const char	*name;
		int		 asset;	/* -1: not an asset name */
		int		 effect;/* -1: not an effect name */
	} rows[] = {
		{ "non_core", LEVEL_ASSET_NON_CORE, -1 },
		{ "core", LEVEL_ASSET_CORE, -1 },
		{ "core_critical_infrastructure", LEVEL_ASSET_CORE_CI, -1 },
		{ "official_secret_or_sensitive",
		    LEVEL_ASSET_SECRET_SENSITIVE, -1 },
		{ "national_secret", LEVEL_ASSET_NATIONAL_SECRET, -1 },
		{ "ci_minor", -1, LEVEL_EFFECT_CI_MINOR },
		{ "ci_serious", -1, LEVEL_EFFECT_CI_SERIOUS },
		{ "a_restored_in_time", -1, LEVEL_EFFECT_A_IN_TIME },
		{ "a_not_restored_in_time", -1, LEVEL_EFFECT_A_NOT_IN_TIME },
		{ "Core", -1, -1 },
		{ "", -1, -1 },
		{ "core ", -1, -1 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		enum level_asset	 a;
		enum level_effect	 e;
		int			 rc;

		rc = level_asset_from_name(rows[i].name, &a);
		if (rows[i].asset < 0)
			assert_int_equal(rc, TB_EINVAL);
		else {
			assert_int_equal(rc, TB_OK);
			assert_int_equal(a, rows[i].asset);
			assert_string_equal(level_asset_name(a), rows[i].name);
		}
		rc = level_effect_from_name(rows[i].name, &e);
		if (rows[i].effect < 0)
			assert_int_equal(rc, TB_EINVAL);
		else {
			assert_int_equal(rc, TB_OK);
			assert_int_equal(e, rows[i].effect);
			assert_string_equal(level_effect_name(e), rows[i].name);
		}
	}
	assert_null(level_asset_name(LEVEL_ASSET__COUNT));
	assert_null(level_effect_name(LEVEL_EFFECT__COUNT));
	assert_int_equal(level_asset_from_name(NULL, &(enum level_asset){ 0 }),
	    TB_EINVAL);
}

/* Levels 1-4; 0 only for schools (P41). */
static void
test_valid(void **state)
{
	static const struct {
		int	 level;
		bool	 school;
		bool	 ok;
	} rows[] = {
		{ 1, false, true }, { 2, false, true }, { 3, false, true },
		{ 4, false, true }, { 0, false, false }, { 0, true, true },
		{ 4, true, true }, { 5, false, false }, { 5, true, false },
		{ -1, true, false }, { -1, false, false },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++)
		if (level_valid(rows[i].level, rows[i].school) != rows[i].ok)
			fail_msg("level %d school %d", rows[i].level,
			    rows[i].school);
}

/* The level in force: latest approval or review by `at`, a review
 * winning a tie; change requests change nothing; else the proposed. */
static void
test_level_in_force(void **state)
{
	static const struct {
		enum event_type	 type;
		int64_t		 at;
		int		 level;
	} evs[] = {
		{ EVENT_LEVEL_APPROVED, 100, 2 },	/* id 1 */
		{ EVENT_LEVEL_CHANGE_REQUESTED, 150, 4 },/* id 2 */
		{ EVENT_LEVEL_REVIEWED, 200, 3 },	/* id 3 */
		{ EVENT_LEVEL_APPROVED, 200, 1 },	/* id 4: tie, loses */
		{ EVENT_LEVEL_APPROVED, 300, 4 },	/* id 5 */
		{ EVENT_LEVEL_APPROVED, 300, 2 },	/* id 6: same kind,
							 * later recording */
		{ EVENT_LEVEL_REVIEWED, 50, 1 },	/* id 7: recorded late,
							 * earliest at */
	};
	static const struct {
		int64_t	 at;
		int	 want;
	} rows[] = {
		{ 10, 3 },	/* before any: proposed */
		{ 50, 1 },
		{ 99, 1 },
		{ 100, 2 },
		{ 150, 2 },	/* the change request changes nothing */
		{ 199, 2 },
		{ 200, 3 },	/* review wins the tie */
		{ 299, 3 },
		{ 300, 2 },	/* id 6 recorded after id 5 */
		{ INT64_MAX, 2 },
	};
	struct event		 ev[NELEM(evs)];
	struct incident_facts	 f;
	size_t			 i;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.proposed_level = 3;
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < NELEM(evs); i++) {
		ev[i].id = (int64_t)i + 1;
		ev[i].type = evs[i].type;
		ev[i].at = evs[i].at;
		ev[i].level = evs[i].level;
	}
	for (i = 0; i < NELEM(rows); i++)
		if (incident_level_at(&f, ev, NELEM(ev), rows[i].at) !=
		    rows[i].want)
			fail_msg("at %lld: %d, want %d", (long long)rows[i].at,
			    incident_level_at(&f, ev, NELEM(ev), rows[i].at),
			    rows[i].want);
	assert_int_equal(incident_level_at(&f, NULL, 0, INT64_MAX), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cell),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_level_in_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
