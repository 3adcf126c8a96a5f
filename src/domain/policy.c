/*
 * policy.c: the policy as data (REQUIREMENTS "Deadlines", "Judging the
 * level", "Rules of time").
 *
 * A policy is the level table and every period, with the date it took
 * effect.  The law was amended in 2025 and its regulation renamed in 2026;
 * when a new rule set takes effect, append a new element to `builtin` with
 * its date (keeping the order by date) and leave the older ones alone, so
 * that every incident keeps being judged by the policy in force at its
 * aware_at.  The obligation names stay the same across policies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/domain.h"

#define NA	{ POLICY_NOT_APPLICABLE, 0, false }
#define NOFIX	{ POLICY_NO_FIXED_TIME, 0, false }
#define HOURS(n) { POLICY_HOURS, (n), false }
#define DAYS_COUNTED(n) { POLICY_DAYS, (n), true }
#define MONTHS(n) { POLICY_MONTHS, (n), false }

static const struct policy builtin[] = {
	{
		/*
		 * The policy of spec/REQUIREMENTS.md, in force from
		 * 2019-01-01 (Rules of time), exactly as its tables read.
		 */
		.name = "2019-01-01",
		.effective_from = { 2019, 1, 1 },
		.level_table = {
			/* C/I minor, C/I serious, A in time, A late */
			[LEVEL_ASSET_NON_CORE] = { 1, 2, 1, 2 },
			[LEVEL_ASSET_CORE] = { 2, 3, 2, 3 },
			[LEVEL_ASSET_CORE_CI] = { 3, 4, 3, 4 },
			/* "—": availability is not a column for secrets. */
			[LEVEL_ASSET_SECRET_SENSITIVE] = { 3, 4, 0, 0 },
			[LEVEL_ASSET_NATIONAL_SECRET] = { 4, 4, 0, 0 },
		},
		.period = {
			/* { levels 1-2 (and 0), levels 3-4 } */
			/* P10: report within 1 hour of awareness. */
			[OBLIGATION_REPORT] = { HOURS(1), HOURS(1) },
			/* P11: owed after a fallback report, no fixed time. */
			[OBLIGATION_BACKFILL_REPORT] = { NOFIX, NOFIX },
			/* P12: notify each affected agency within 1 hour. */
			[OBLIGATION_NOTIFY_AFFECTED] = { HOURS(1), HOURS(1) },
			/* P14: "通報日(含)起三天內": the report's day is day
			 * 1, due at the end of day 3. */
			[OBLIGATION_CC_DOIT] =
			    { DAYS_COUNTED(3), DAYS_COUNTED(3) },
			/* P15 (and P17 by the level requested). */
			[OBLIGATION_LEVEL_REVIEW] = { HOURS(8), HOURS(2) },
			/* P18. */
			[OBLIGATION_TEAM_FORMED] = { HOURS(3), HOURS(1) },
			/* P20: after initial damage control, no fixed time. */
			[OBLIGATION_RESPONSE_MEETING] = { NOFIX, NOFIX },
			/* P21. */
			[OBLIGATION_DAMAGE_CONTROL] =
			    { HOURS(72), HOURS(36) },
			/* P23 applies to levels 3-4 only. */
			[OBLIGATION_EFFECTIVENESS_REPORT] = { NA, NOFIX },
			[OBLIGATION_PDPA_ASSESSMENT] = { NA, NOFIX },
			/* P28. */
			[OBLIGATION_ROOT_CAUSE] = { NOFIX, NOFIX },
			/* P31(5): within 1 month of awareness. */
			[OBLIGATION_CLOSURE_REPORT] = { MONTHS(1), MONTHS(1) },
			/* P31(4): every period, default 1 month; at levels
			 * 1-2 only when designated (deadline.c). */
			[OBLIGATION_PROGRESS_REPORT] =
			    { MONTHS(1), MONTHS(1) },
		},
		/* P41: of this procedure a school owes only P12, P14 and
		 * P23(2); the TANet clocks are a later policy. */
		.school = {
			[OBLIGATION_NOTIFY_AFFECTED] = true,
			[OBLIGATION_CC_DOIT] = true,
			[OBLIGATION_PDPA_ASSESSMENT] = true,
		},
		/* P29: medium term 3 to 6 months, long term within 2
		 * years, from plan_approved. */
		.improvement = {
			{ 3, 6 },
			{ 0, 24 },
		},
	},
};

const struct policy *
policy_builtin(size_t *n)
{
	*n = sizeof(builtin) / sizeof(builtin[0]);
	return builtin;
}

const struct policy *
policy_pick(const struct policy *list, size_t n, int64_t at)
{
	struct tbtime_date	 d;
	size_t			 i;

	if (list == NULL || n == 0)
		return NULL;
	/* The Taipei date decides: a policy takes effect at the start of
	 * its day, like every day rule here. */
	d = tbtime_taipei_date(at);
	for (i = n; i > 1; i--)
		if (tbtime_date_cmp(&list[i - 1].effective_from, &d) <= 0)
			return &list[i - 1];
	return &list[0];
}

const struct policy *
policy_for(int64_t at)
{
	size_t	 n;
	const struct policy *list = policy_builtin(&n);

	return policy_pick(list, n, at);
}

enum policy_band
policy_band_of(int level)
{
	return level >= 3 ? POLICY_BAND_HIGH : POLICY_BAND_LOW;
}
