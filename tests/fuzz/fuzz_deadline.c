/*
 * fuzz_deadline.c: incident_event_check() and deadline_compute()
 * (src/domain/incident.c, deadline.c) on incidents made from bytes.
 *
 * Input, read with struct fuzz_in (zeros past the end): flags, aware_at and
 * "now" as offsets, the proposed level, affected agencies from a small pool
 * (some invalid), when the actions were done, optionally a policy whose
 * periods come from the bytes, then up to MAX_EVENTS candidate events.  Each
 * candidate goes through incident_event_check() and is appended when it
 * passes, as the API does; with the "raw" flag every candidate is appended
 * anyway, so that the engine also sees timelines the API would refuse.
 * Instants stay within what tbtime_parse() can produce (years 1970-9999 at
 * any offset), the only times the API hands the engine.
 *
 * Invariants:
 *   - the check returns a known code with a reason exactly when it
 *     refuses; "reported" needs an earlier level_approved, a closed
 *     incident takes only signed, progress_reported and tracking meetings,
 *     and a closure passes only when none of its five obligations is owed;
 *   - deadline_compute() refuses invalid facts or events and nothing else,
 *     is deterministic, and says how many entries it needs;
 *   - every obligation: met_at set <=> met_by set; unless not_applicable,
 *     met_at set <=> state met or met_late; not_applicable has no due_at;
 *     a due_at has a start_at at or before it; the state is the one
 *     deadline_state() gives and agrees with deadline_overdue_from(); the
 *     event that met it exists, has its `at` and the right type;
 *   - the list is ordered by due_at (none last), then name, subject and
 *     period, without duplicates; each single obligation appears once, one
 *     level_review per change request, one notify_affected per agency, and
 *     progress periods are numbered 1, 2, 3... from increasing starts.
 */
#include <stdbool.h>
#include <string.h>

#include "domain/domain.h"
#include "fuzz.h"

#define MAX_EVENTS	32

/* Agency codes: valid ones, an empty one, one a byte too long. */
static const char *const pool[] = {
	"ca", "doit", "dist-songshan", "edu", "",
	"a123456789012345678901234567890123456789012345678901234567890123",
};
#define NPOOL	(sizeof(pool) / sizeof(pool[0]))

/* The event type that meets each obligation of an incident. */
static const enum event_type meets[OBLIGATION__INCIDENT_COUNT] = {
	[OBLIGATION_REPORT] = EVENT_REPORTED,
	[OBLIGATION_BACKFILL_REPORT] = EVENT_BACKFILLED,
	[OBLIGATION_NOTIFY_AFFECTED] = EVENT_AGENCY_NOTIFIED,
	[OBLIGATION_CC_DOIT] = EVENT_DOIT_COPIED,
	[OBLIGATION_LEVEL_REVIEW] = EVENT_LEVEL_REVIEWED,
	[OBLIGATION_TEAM_FORMED] = EVENT_TEAM_FORMED,
	[OBLIGATION_RESPONSE_MEETING] = EVENT_MEETING_HELD,
	[OBLIGATION_DAMAGE_CONTROL] = EVENT_DAMAGE_CONTROLLED,
	[OBLIGATION_EFFECTIVENESS_REPORT] = EVENT_EFFECTIVENESS_REPORTED,
	[OBLIGATION_PDPA_ASSESSMENT] = EVENT_PDPA_ASSESSED,
	[OBLIGATION_ROOT_CAUSE] = EVENT_ROOT_CAUSE_RECORDED,
	[OBLIGATION_CLOSURE_REPORT] = EVENT_CLOSURE_REPORTED,
	[OBLIGATION_PROGRESS_REPORT] = EVENT_PROGRESS_REPORTED,
};

/* The first and last instants tbtime_parse() can return. */
static int64_t	 t_min, t_max;

static int64_t
clamp(int64_t t)
{
	return t < t_min ? t_min : t > t_max ? t_max : t;
}

/* An instant near base: a signed count of seconds, minutes, hours or
 * days (up to about 89 years either way). */
static int64_t
near(struct fuzz_in *in, int64_t base)
{
	static const int64_t unit[4] = {
		TBTIME_US_PER_SEC, 60 * TBTIME_US_PER_SEC, TBTIME_US_PER_HOUR,
		TBTIME_US_PER_DAY
	};
	uint8_t	 u = fuzz_u8(in);

	return clamp(base + fuzz_i16(in) * unit[u & 3] + (u >> 2));
}

static bool
code_ok(const char *s)
{
	return s != NULL && s[0] != '\0' &&
	    strlen(s) <= DOMAIN_AGENCY_CODE_MAX;
}

/* The engine's notion of valid input, restated from domain.h. */
static bool
event_ok(const struct event *e, bool school)
{
	if ((unsigned)e->type >= EVENT__COUNT || e->at == TBTIME_NONE)
		return false;
	switch (e->type) {
	case EVENT_LEVEL_APPROVED:
	case EVENT_LEVEL_REVIEWED:
	case EVENT_LEVEL_CHANGE_REQUESTED:
		return level_valid(e->level, school);
	case EVENT_AGENCY_NOTIFIED:
		return code_ok(e->agency);
	case EVENT_REPORTED:
		return (unsigned)e->channel <= EVENT_CHANNEL_FALLBACK;
	case EVENT_MEETING_HELD:
		return (unsigned)e->kind <= EVENT_MEETING_TRACKING;
	default:
		return true;
	}
}

static bool
facts_ok(const struct incident_facts *f)
{
	if (!level_valid(f->proposed_level, f->is_school))
		return false;
	for (size_t i = 0; i < f->n_affected; i++)
		if (!code_ok(f->affected_agencies[i]))
			return false;
	return true;
}

/* A policy like the built-in one with periods from the bytes: units of
 * any kind, lengths 1..48.  Progress periods stay at 7 days or more so
 * that a century of them stays a few thousand entries. */
static void
fuzz_policy(struct fuzz_in *in, struct policy *pol)
{
	size_t	 np;

	*pol = policy_builtin(&np)[0];
	for (int o = 0; o < OBLIGATION__INCIDENT_COUNT; o++)
		for (int b = 0; b < POLICY_BAND__COUNT; b++) {
			struct policy_period *p = &pol->period[o][b];
			uint8_t	 x = fuzz_u8(in);

			p->unit = (enum policy_unit)(x % 5);
			p->n = 1 + (x >> 3) % 48;
			p->first_day_counted = (x & 0x80) != 0;
			if (o == OBLIGATION_PROGRESS_REPORT &&
			    p->unit == POLICY_HOURS)
				p->unit = POLICY_MONTHS;
			if (o == OBLIGATION_PROGRESS_REPORT &&
			    p->unit == POLICY_DAYS && p->n < 7)
				p->n = 7;
		}
	for (int o = 0; o < OBLIGATION__INCIDENT_COUNT; o++)
		pol->school[o] = (fuzz_u8(in) & 1) != 0;
}

static const struct event *
by_id(const struct event *ev, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].id == id)
			return &ev[i];
	return NULL;
}

static bool
has_code(const char *const *codes, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(codes[i], s) == 0)
			return true;
	return false;
}

/* ob_cmp() of deadline.c restated: due (none last), name, subject,
 * period. */
static int
order(const struct obligation *a, const struct obligation *b)
{
	int	 r;

	if (a->due_at != b->due_at) {
		if (a->due_at == TBTIME_NONE)
			return 1;
		if (b->due_at == TBTIME_NONE)
			return -1;
		return a->due_at < b->due_at ? -1 : 1;
	}
	if ((r = strcmp(obligation_name(a->name),
	    obligation_name(b->name))) != 0)
		return r;
	if ((r = strcmp(a->subject, b->subject)) != 0)
		return r;
	return a->period < b->period ? -1 : a->period > b->period;
}

static void
check_one(const struct obligation *o, const struct event *ev, size_t nev,
    int64_t now)
{
	const struct event	*e;

	FUZZ_CHECK((unsigned)o->name < OBLIGATION__INCIDENT_COUNT);
	FUZZ_CHECK(o->state <= OBLIGATION_NOT_APPLICABLE);
	FUZZ_CHECK(o->level >= 0 && o->level <= 4);
	FUZZ_CHECK(memchr(o->subject, '\0', sizeof(o->subject)) != NULL);
	FUZZ_CHECK((o->met_at == TBTIME_NONE) == (o->met_by == 0));
	if (o->met_by != 0) {
		FUZZ_CHECK((e = by_id(ev, nev, o->met_by)) != NULL);
		FUZZ_CHECK(e->at == o->met_at);
		FUZZ_CHECK(e->type == meets[o->name]);
	}
	if (o->state == OBLIGATION_NOT_APPLICABLE) {
		FUZZ_CHECK(o->due_at == TBTIME_NONE);
		return;
	}
	FUZZ_CHECK((o->met_at != TBTIME_NONE) ==
	    (o->state == OBLIGATION_MET || o->state == OBLIGATION_MET_LATE));
	FUZZ_CHECK(o->state == deadline_state(o->due_at, o->by_date,
	    o->met_at, now));
	if (o->due_at != TBTIME_NONE) {
		FUZZ_CHECK(o->start_at != TBTIME_NONE);
		FUZZ_CHECK(o->start_at <= o->due_at);
	}
	if (o->state == OBLIGATION_OVERDUE)
		FUZZ_CHECK(deadline_overdue_from(o->due_at, o->by_date) <=
		    now);
	if (o->state == OBLIGATION_PENDING && o->due_at != TBTIME_NONE)
		FUZZ_CHECK(deadline_overdue_from(o->due_at, o->by_date) >
		    now);
	if (o->state == OBLIGATION_MET_LATE)
		FUZZ_CHECK(!tbtime_on_time(o->met_at, o->due_at, o->by_date));
}

/* Computes the obligations of a timeline and checks them all. */
static void
check_engine(const struct policy *pol, const struct incident_facts *f,
    const struct event *ev, size_t nev, int64_t now)
{
	struct obligation	*list = NULL, *copy;
	const char		*codes[MAX_EVENTS + 8];
	size_t			 n = 0, need, ncodes = 0, i;
	size_t			 singles[OBLIGATION__INCIDENT_COUNT];
	size_t			 reviews = 0, notifies = 0, changes = 0;
	int			 rc, period = 0;
	bool			 valid = facts_ok(f);
	int64_t			 last_start = TBTIME_NONE;

	memset(singles, 0, sizeof(singles));
	for (i = 0; i < nev; i++)
		valid = valid && event_ok(&ev[i], f->is_school);
	rc = deadline_compute_new(pol, f, ev, nev, now, &list, &n);
	if (!valid) {
		FUZZ_CHECK(rc == TB_EINVAL && list == NULL && n == 0);
		return;
	}
	FUZZ_CHECK(rc == TB_OK && list != NULL);

	/* Deterministic, and exact about the room it needs. */
	copy = calloc(n + 1, sizeof(*copy));
	FUZZ_CHECK(copy != NULL);
	FUZZ_CHECK(deadline_compute(pol, f, ev, nev, now, copy, n, &need) ==
	    TB_OK && need == n);
	FUZZ_CHECK(memcmp(copy, list, n * sizeof(*copy)) == 0);
	if (n > 0)
		FUZZ_CHECK(deadline_compute(pol, f, ev, nev, now, copy, n - 1,
		    &need) == TB_ETOOBIG && need == n);
	free(copy);

	for (i = 0; i < f->n_affected; i++)
		if (!has_code(codes, ncodes, f->affected_agencies[i]))
			codes[ncodes++] = f->affected_agencies[i];
	for (i = 0; i < nev; i++) {
		if (ev[i].type == EVENT_AGENCY_NOTIFIED &&
		    !has_code(codes, ncodes, ev[i].agency))
			codes[ncodes++] = ev[i].agency;
		changes += ev[i].type == EVENT_LEVEL_CHANGE_REQUESTED;
	}

	for (i = 0; i < n; i++) {
		const struct obligation *o = &list[i];

		check_one(o, ev, nev, now);
		if (i > 0)
			FUZZ_CHECK(order(&list[i - 1], o) < 0);
		switch (o->name) {
		case OBLIGATION_NOTIFY_AFFECTED:
			FUZZ_CHECK(has_code(codes, ncodes, o->subject));
			notifies++;
			break;
		case OBLIGATION_LEVEL_REVIEW:
			if (o->subject[0] == '\0')
				singles[o->name]++;
			else
				reviews++;
			break;
		case OBLIGATION_PROGRESS_REPORT:
			singles[o->name]++;
			break;
		default:
			FUZZ_CHECK(o->subject[0] == '\0' && o->period == 0);
			singles[o->name]++;
		}
	}
	FUZZ_CHECK(notifies == ncodes);
	FUZZ_CHECK(reviews == changes);
	for (i = 0; i < OBLIGATION__INCIDENT_COUNT; i++)
		if (i != OBLIGATION_NOTIFY_AFFECTED &&
		    i != OBLIGATION_PROGRESS_REPORT)
			FUZZ_CHECK(singles[i] == 1);
	FUZZ_CHECK(singles[OBLIGATION_PROGRESS_REPORT] >= 1);

	/* Progress periods, taken in period order: 1, 2, 3... with starts
	 * that only move forward (a lone "period 0" means not owed). */
	for (int k = 1; singles[OBLIGATION_PROGRESS_REPORT] > 1 ||
	    k == 1; k++) {
		const struct obligation *p = NULL;

		for (i = 0; i < n; i++)
			if (list[i].name == OBLIGATION_PROGRESS_REPORT &&
			    list[i].period == k)
				p = &list[i];
		if (p == NULL)
			break;
		FUZZ_CHECK(last_start == TBTIME_NONE ||
		    p->start_at > last_start);
		last_start = p->start_at;
		period = k;
	}
	FUZZ_CHECK(singles[OBLIGATION_PROGRESS_REPORT] == 1 ||
	    (size_t)period == singles[OBLIGATION_PROGRESS_REPORT]);
	deadline_free(list);
}

/* Whether an obligation the closure needs is still owed. */
static bool
closure_owed(const struct policy *pol, const struct incident_facts *f,
    const struct event *ev, size_t nev, int64_t now)
{
	struct obligation	*list;
	size_t			 n;
	bool			 owed = false;

	FUZZ_CHECK(deadline_compute_new(pol, f, ev, nev, now, &list, &n) ==
	    TB_OK);
	for (size_t i = 0; i < n; i++) {
		switch (list[i].name) {
		case OBLIGATION_BACKFILL_REPORT:
		case OBLIGATION_RESPONSE_MEETING:
		case OBLIGATION_ROOT_CAUSE:
		case OBLIGATION_PDPA_ASSESSMENT:
		case OBLIGATION_EFFECTIVENESS_REPORT:
			owed = owed || list[i].state == OBLIGATION_PENDING ||
			    list[i].state == OBLIGATION_OVERDUE;
			break;
		default:
			break;
		}
	}
	deadline_free(list);
	return owed;
}

static bool
reason_known(const char *r)
{
	static const char *const known[] = {
		"at_in_future", "level_invalid", "agency_missing",
		"event_invalid", "facts_invalid", "incident_closed",
		"level_not_approved", "not_reported", "no_fallback_report",
	};

	if (strncmp(r, "closure_blocked:", 16) == 0)
		return true;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(r, known[i]) == 0)
			return true;
	return false;
}

static void
check_event(const struct policy *pol, const struct incident_facts *f,
    const struct event *ev, size_t nev, const struct event *nw, int64_t now,
    bool *append)
{
	const char	*reason;
	bool		 closed = false, approved = false;
	bool		 valid = facts_ok(f);
	int		 rc;

	for (size_t i = 0; i < nev; i++) {
		valid = valid && event_ok(&ev[i], f->is_school);
		closed = closed || ev[i].type == EVENT_CLOSURE_REPORTED;
		approved = approved || (ev[i].type == EVENT_LEVEL_APPROVED &&
		    ev[i].at <= nw->at);
	}
	rc = incident_event_check(pol, f, ev, nev, nw, now, &reason);
	*append = rc == TB_OK;
	FUZZ_CHECK(rc == TB_OK || rc == TB_EINVAL || rc == TB_ECONFLICT);
	FUZZ_CHECK((rc == TB_OK) == (reason == NULL));
	if (rc != TB_OK) {
		FUZZ_CHECK(reason_known(reason));
		if (strcmp(reason, "incident_closed") == 0)
			FUZZ_CHECK(closed);
		return;
	}
	FUZZ_CHECK(valid && event_ok(nw, f->is_school) && nw->at <= now);
	FUZZ_CHECK(incident_closed(ev, nev) == closed);
	if (closed)
		FUZZ_CHECK(nw->type == EVENT_SIGNED ||
		    nw->type == EVENT_PROGRESS_REPORTED ||
		    (nw->type == EVENT_MEETING_HELD &&
		    nw->kind == EVENT_MEETING_TRACKING));
	if (nw->type == EVENT_REPORTED)
		FUZZ_CHECK(approved);
	if (nw->type == EVENT_CLOSURE_REPORTED)
		FUZZ_CHECK(!closure_owed(pol, f, ev, nev, now));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in		 in;
	struct incident_facts	 f;
	struct policy		 custom;
	const struct policy	*pol = NULL;
	struct event		 ev[MAX_EVENTS];
	const char		*aff[4];
	size_t			 nev = 0;
	int64_t			 now;
	uint8_t			 flags;
	bool			 raw;

	if (t_min == 0) {
		FUZZ_CHECK(tbtime_parse("1970-01-01T00:00:00+23:59",
		    &t_min) == TB_OK);
		FUZZ_CHECK(tbtime_parse("9999-12-31T23:59:59.999999-23:59",
		    &t_max) == TB_OK);
	}
	fuzz_in_init(&in, data, size);
	flags = fuzz_u8(&in);
	memset(&f, 0, sizeof(f));
	f.is_school = flags & 1;
	f.reports_to_central = flags & 2;
	f.personal_data_involved = flags & 4;
	f.equipment_failure = flags & 8;
	f.exercise = flags & 16;
	raw = flags & 32;
	/* Most incidents near 2026; some anywhere in the parser's range. */
	if (flags & 128) {
		f.aware_at = clamp(t_min + (int64_t)(fuzz_u8(&in) |
		    fuzz_u8(&in) << 8 | fuzz_u8(&in) << 16) *
		    (TBTIME_US_PER_DAY / 8));
	} else
		f.aware_at = near(&in, INT64_C(1768024800000000));
	now = near(&in, f.aware_at);
	f.proposed_level = fuzz_u8(&in) % 6;
	f.n_affected = fuzz_u8(&in) % 5;
	for (size_t i = 0; i < f.n_affected; i++)
		aff[i] = pool[fuzz_u8(&in) % NPOOL];
	f.affected_agencies = f.n_affected > 0 ? aff : NULL;
	f.actions_done_at = (fuzz_u8(&in) & 1) ? near(&in, f.aware_at) :
	    TBTIME_NONE;
	if (flags & 64) {
		fuzz_policy(&in, &custom);
		pol = &custom;
	}

	while (fuzz_more(&in) && nev < MAX_EVENTS) {
		struct event	 e;
		bool		 append;
		uint8_t		 k = fuzz_u8(&in), g;

		memset(&e, 0, sizeof(e));
		e.id = (int64_t)nev + 1;
		e.type = (enum event_type)(fuzz_u8(&in) % (EVENT__COUNT + 1));
		e.at = near(&in, f.aware_at);
		e.level = k % 6;
		e.channel = (enum event_channel)(k / 6 % 3);
		e.kind = (enum event_meeting_kind)(k / 18 % 3);
		g = fuzz_u8(&in) % 8;
		e.agency = g < NPOOL ? pool[g] : NULL;
		check_event(pol, &f, ev, nev, &e, now, &append);
		if (append || raw)
			ev[nev++] = e;
	}
	check_engine(pol, &f, ev, nev, now);
	return 0;
}
