/*
 * fuzz_evidence.c: the evidence rules (src/domain/evidence.c, P25-P27) that
 * take untrusted input: evidence_name_check() on any bytes, and
 * evpath_review() on any path and list of steps.
 *
 * Input: the first byte chooses the path (taken as it comes, so values
 * past the three paths are tried); then the bytes are read twice, as a
 * whole for the file name (after the first byte), and as steps of three
 * bytes (step, then a signed count of minutes from an instant).
 *
 * Invariants:
 *   - a name accepted is 1 to EVIDENCE_NAME_MAX bytes of UTF-8 text with
 *     no "/", "\", "..", no C0 control or DEL, and is not ".";
 *   - any name with one of those is refused;
 *   - the review accepts exactly when the path exists and every step is
 *     on it, once; then next is -1 exactly when complete, the count of
 *     out_of_order matches the marks, no isolation step is out of order,
 *     a marked step has an earlier stage not complete by its time, and
 *     the order the steps are given in does not change the review.
 */
#include <string.h>

#include "domain/domain.h"
#include "domain/evidence.h"
#include "util/util.h"
#include "fuzz.h"

#define MAX_STEPS	32

static void
check_name(const uint8_t *p, size_t n)
{
	const char		*s = (const char *)p;
	enum evname_fault	 f = evidence_name_check(s, n);
	int			 bad = 0;

	FUZZ_CHECK((unsigned)f < EVNAME__COUNT);
	FUZZ_CHECK(evidence_name_fault_text(f, false) != NULL);
	for (size_t i = 0; i < n; i++)
		if (p[i] == '/' || p[i] == '\\' || p[i] < 0x20 ||
		    p[i] == 0x7f || (p[i] == '.' && i + 1 < n &&
		    p[i + 1] == '.'))
			bad = 1;
	if (n == 0 || n > EVIDENCE_NAME_MAX || (n == 1 && p[0] == '.'))
		bad = 1;
	if (bad)
		FUZZ_CHECK(f != EVNAME_OK);
	if (f == EVNAME_OK)
		FUZZ_CHECK(utf8_valid_text(s, n));
}

/* Whether stage k of r was complete at or before t. */
static int
stage_done_by(const struct evpath_review *r, int k, int64_t t)
{
	for (size_t i = 0; i < r->nsteps; i++)
		if (r->steps[i].stage == k && r->steps[i].at != TBTIME_NONE &&
		    r->steps[i].at <= t)
			return 1;
	return 0;
}

static void
check_review(enum evpath p, const struct evstep_done *d, size_t n)
{
	struct evpath_review	 r, r2;
	struct evstep_done	 rev[MAX_STEPS];
	size_t			 i, j, marked = 0;
	int			 valid, stage, rc;

	valid = (unsigned)p < EVPATH__COUNT;
	for (i = 0; i < n && valid; i++) {
		if (evpath_stage_of(p, d[i].step, &stage) != TB_OK)
			valid = 0;
		for (j = 0; j < i; j++)
			if (d[j].step == d[i].step)
				valid = 0;
	}
	rc = evpath_review(p, d, n, &r);
	FUZZ_CHECK((rc == TB_OK) == valid);
	if (rc != TB_OK)
		return;
	FUZZ_CHECK(r.nsteps == evpath_nsteps(p));
	FUZZ_CHECK((r.next == -1) == r.complete);
	for (i = 0; i < r.nsteps; i++) {
		const struct evstep_view *v = &r.steps[i];

		if (!v->out_of_order)
			continue;
		marked++;
		FUZZ_CHECK(v->at != TBTIME_NONE && v->stage > 1);
		stage = 0;
		for (int k = 1; k < v->stage; k++)
			if (!stage_done_by(&r, k, v->at))
				stage = k;
		FUZZ_CHECK(stage != 0);
	}
	FUZZ_CHECK(marked == r.nout_of_order);
	for (i = 0; i < n; i++)
		rev[i] = d[n - 1 - i];
	FUZZ_CHECK(evpath_review(p, rev, n, &r2) == TB_OK);
	FUZZ_CHECK(memcmp(&r, &r2, sizeof(r)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in;
	struct evstep_done	 d[MAX_STEPS];
	enum evpath		 p;
	size_t			 n = 0;

	if (size == 0)
		return 0;
	check_name(data + 1, size - 1);
	fuzz_in_init(&in, data, size);
	p = (enum evpath)fuzz_u8(&in);
	while (fuzz_more(&in) && n < MAX_STEPS) {
		d[n].step = (enum evstep)fuzz_u8(&in);
		d[n].at = INT64_C(1768024800000000) +
		    (int64_t)fuzz_i16(&in) * 60 * 1000000;
		n++;
	}
	check_review(p, d, n);
	return 0;
}
