/*
 * fuzz_level.c: level_judge() (src/domain/level.c, P10) on any list of
 * answers, in range or not.
 *
 * Input: pairs of bytes, each an answer (asset, effect) taken as they come,
 * so values past the table's rows and columns are tried as well.
 *
 * Invariants, for every built-in policy and for NULL (the newest):
 *   - it accepts exactly when every answer names a row and column of the
 *     table whose cell is not "—", and otherwise names the first answer
 *     that does not;
 *   - the level is the highest cell any answer reaches, 1..4, credited to
 *     the first answer that reaches it;
 *   - the order of the answers does not change the level;
 *   - the names of rows and columns go to their values and back.
 */
#include <string.h>

#include "domain/domain.h"
#include "fuzz.h"

#define MAX_ANSWERS	64

static void
check_policy(const struct policy *pol, const struct level_answer *a,
    size_t n)
{
	const struct policy	*tab = pol;
	struct level_answer	 rev[MAX_ANSWERS];
	struct level_result	 r, r2;
	size_t			 i, bad = n, first_max = n, np;
	int			 rc, max = 0;

	if (tab == NULL)
		tab = policy_builtin(&np) + (np - 1);
	for (i = 0; i < n && bad == n; i++) {
		int cell;

		if ((unsigned)a[i].asset >= LEVEL_ASSET__COUNT ||
		    (unsigned)a[i].effect >= LEVEL_EFFECT__COUNT ||
		    (cell = tab->level_table[a[i].asset][a[i].effect]) == 0) {
			bad = i;
			break;
		}
		if (cell > max) {
			max = cell;
			first_max = i;
		}
	}

	rc = level_judge(pol, a, n, &r);
	if (n == 0) {
		FUZZ_CHECK(rc == TB_EINVAL);
		return;
	}
	if (bad < n) {
		FUZZ_CHECK(rc == TB_EINVAL && r.index == bad);
		return;
	}
	FUZZ_CHECK(rc == TB_OK);
	FUZZ_CHECK(r.level == max && r.level >= 1 && r.level <= 4);
	FUZZ_CHECK(level_valid(r.level, false));
	FUZZ_CHECK(r.index == first_max);
	FUZZ_CHECK(r.asset == a[first_max].asset &&
	    r.effect == a[first_max].effect);

	for (i = 0; i < n; i++)
		rev[i] = a[n - 1 - i];
	FUZZ_CHECK(level_judge(pol, rev, n, &r2) == TB_OK);
	FUZZ_CHECK(r2.level == r.level);
}

static void
check_names(const struct level_answer *a)
{
	const char		*an = level_asset_name(a->asset);
	const char		*en = level_effect_name(a->effect);
	enum level_asset	 as;
	enum level_effect	 ef;

	FUZZ_CHECK((an != NULL) == ((unsigned)a->asset < LEVEL_ASSET__COUNT));
	FUZZ_CHECK((en != NULL) ==
	    ((unsigned)a->effect < LEVEL_EFFECT__COUNT));
	if (an != NULL)
		FUZZ_CHECK(level_asset_from_name(an, &as) == TB_OK &&
		    as == a->asset);
	if (en != NULL)
		FUZZ_CHECK(level_effect_from_name(en, &ef) == TB_OK &&
		    ef == a->effect);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct level_answer	 a[MAX_ANSWERS];
	const struct policy	*list;
	size_t			 n = 0, np;

	for (size_t i = 0; i + 1 < size && n < MAX_ANSWERS; i += 2, n++) {
		a[n].asset = (enum level_asset)data[i];
		a[n].effect = (enum level_effect)data[i + 1];
		check_names(&a[n]);
	}
	list = policy_builtin(&np);
	check_policy(NULL, a, n);
	for (size_t k = 0; k < np; k++)
		check_policy(&list[k], a, n);
	return 0;
}
