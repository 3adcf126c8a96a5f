/*
 * level.c: the level helper (P10; national rule 資通安全事件通報及應變辦法
 * art. 2).  The table itself is policy data (policy.c); this file reads it.
 *
 * The level is the highest that any one effect reaches.  The helper only
 * proposes: the window sets the level and the CISO approves it (P10), so
 * the result carries the row and column that gave it, to be shown.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "domain/domain.h"

static const char *const asset_names[LEVEL_ASSET__COUNT] = {
	[LEVEL_ASSET_NON_CORE] = "non_core",
	[LEVEL_ASSET_CORE] = "core",
	[LEVEL_ASSET_CORE_CI] = "core_critical_infrastructure",
	[LEVEL_ASSET_SECRET_SENSITIVE] = "official_secret_or_sensitive",
	[LEVEL_ASSET_NATIONAL_SECRET] = "national_secret",
};

static const char *const effect_names[LEVEL_EFFECT__COUNT] = {
	[LEVEL_EFFECT_CI_MINOR] = "ci_minor",
	[LEVEL_EFFECT_CI_SERIOUS] = "ci_serious",
	[LEVEL_EFFECT_A_IN_TIME] = "a_restored_in_time",
	[LEVEL_EFFECT_A_NOT_IN_TIME] = "a_not_restored_in_time",
};

bool
level_valid(int level, bool is_school)
{
	/* P41: schools may also use level 0, an unconfirmed notice. */
	if (level == 0)
		return is_school;
	return level >= 1 && level <= 4;
}

const char *
level_asset_name(enum level_asset a)
{
	if ((unsigned)a >= LEVEL_ASSET__COUNT)
		return NULL;
	return asset_names[a];
}

const char *
level_effect_name(enum level_effect e)
{
	if ((unsigned)e >= LEVEL_EFFECT__COUNT)
		return NULL;
	return effect_names[e];
}

int
level_asset_from_name(const char *s, enum level_asset *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < LEVEL_ASSET__COUNT; i++)
		if (strcmp(s, asset_names[i]) == 0) {
			*out = (enum level_asset)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

int
level_effect_from_name(const char *s, enum level_effect *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < LEVEL_EFFECT__COUNT; i++)
		if (strcmp(s, effect_names[i]) == 0) {
			*out = (enum level_effect)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

int
level_judge(const struct policy *pol, const struct level_answer *a,
    size_t n, struct level_result *out)
{
	size_t	 i;
	int	 lv;

	out->level = 0;
	out->index = 0;
	if (n == 0 || a == NULL)
		return TB_EINVAL;
	if (pol == NULL) {
		size_t	 np;

		/* The table has not changed since 2019 in our data; the
		 * caller that knows aware_at passes the policy in force. */
		pol = policy_builtin(&np) + (np - 1);
	}
	for (i = 0; i < n; i++) {
		if ((unsigned)a[i].asset >= LEVEL_ASSET__COUNT ||
		    (unsigned)a[i].effect >= LEVEL_EFFECT__COUNT) {
			out->index = i;
			return TB_EINVAL;
		}
		lv = pol->level_table[a[i].asset][a[i].effect];
		if (lv == 0) {
			/* A "—" cell: secrets are judged by leaks and
			 * tampering, not by availability. */
			out->index = i;
			return TB_EINVAL;
		}
		/* Strictly greater: on a tie the first answer keeps the
		 * credit, so the result does not depend on later rows. */
		if (lv > out->level) {
			out->level = lv;
			out->asset = a[i].asset;
			out->effect = a[i].effect;
			out->index = i;
		}
	}
	return TB_OK;
}
