/*
 * deadline.c: the deadline engine (REQUIREMENTS "Deadlines" and "Rules of
 * time"; P10-P31) and the P29 windows of improvement actions.
 *
 * deadline_compute() is a pure function of an incident's facts, its
 * events, the policy and "now".  It is recomputed on every change, so it
 * holds no state: every obligation is derived afresh from the events, and a
 * level change therefore moves every level-dependent deadline from its
 * original start at once (a pending one may become overdue, a met one
 * met_late).
 *
 * Cost: O(obligations x events), plus O(periods x events) for the
 * progress reports; with a few hundred events this is well under a
 * millisecond, and nothing is allocated except by deadline_compute_new().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "domain/internal.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const obligation_names[OBLIGATION__COUNT] = {
	[OBLIGATION_REPORT] = "report",
	[OBLIGATION_BACKFILL_REPORT] = "backfill_report",
	[OBLIGATION_NOTIFY_AFFECTED] = "notify_affected",
	[OBLIGATION_CC_DOIT] = "cc_doit",
	[OBLIGATION_LEVEL_REVIEW] = "level_review",
	[OBLIGATION_TEAM_FORMED] = "team_formed",
	[OBLIGATION_RESPONSE_MEETING] = "response_meeting",
	[OBLIGATION_DAMAGE_CONTROL] = "damage_control",
	[OBLIGATION_EFFECTIVENESS_REPORT] = "effectiveness_report",
	[OBLIGATION_PDPA_ASSESSMENT] = "pdpa_assessment",
	[OBLIGATION_ROOT_CAUSE] = "root_cause",
	[OBLIGATION_CLOSURE_REPORT] = "closure_report",
	[OBLIGATION_PROGRESS_REPORT] = "progress_report",
	[OBLIGATION_IMPROVEMENT_MEDIUM] = "improvement_medium",
	[OBLIGATION_IMPROVEMENT_LONG] = "improvement_long",
	[OBLIGATION_WINDOW_CHANGE_NOTICE] = "window_change_notice",
	[OBLIGATION_DRILL_REPORT] = "drill_report",
	[OBLIGATION_EXERCISE_REPORTS] = "exercise_reports",
	[OBLIGATION_RE_EXERCISE] = "re_exercise",
};

static const char *const state_names[] = {
	[OBLIGATION_PENDING] = "pending",
	[OBLIGATION_MET] = "met",
	[OBLIGATION_MET_LATE] = "met_late",
	[OBLIGATION_OVERDUE] = "overdue",
	[OBLIGATION_NOT_APPLICABLE] = "not_applicable",
};

static const char *const term_names[] = {
	[IMPROVEMENT_SHORT] = "short",
	[IMPROVEMENT_MEDIUM] = "medium",
	[IMPROVEMENT_LONG] = "long",
};

const char *
obligation_name(enum obligation_name n)
{
	if ((unsigned)n >= OBLIGATION__COUNT)
		return NULL;
	return obligation_names[n];
}

int
obligation_from_name(const char *s, enum obligation_name *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < OBLIGATION__COUNT; i++)
		if (strcmp(s, obligation_names[i]) == 0) {
			*out = (enum obligation_name)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

const char *
obligation_state_name(enum obligation_state s)
{
	if ((unsigned)s >= NELEM(state_names))
		return NULL;
	return state_names[s];
}

int
obligation_state_from_name(const char *s, enum obligation_state *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < NELEM(state_names); i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum obligation_state)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

const char *
improvement_term_name(enum improvement_term t)
{
	if ((unsigned)t >= NELEM(term_names))
		return NULL;
	return term_names[t];
}

int
improvement_term_from_name(const char *s, enum improvement_term *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < NELEM(term_names); i++)
		if (strcmp(s, term_names[i]) == 0) {
			*out = (enum improvement_term)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

enum obligation_state
deadline_state(int64_t due, bool by_date, int64_t met, int64_t now)
{
	if (met != TBTIME_NONE) {
		if (due == TBTIME_NONE || tbtime_on_time(met, due, by_date))
			return OBLIGATION_MET;
		return OBLIGATION_MET_LATE;
	}
	/* An obligation with no fixed time is owed until met and never
	 * overdue (REQUIREMENTS "Deadlines"). */
	if (due == TBTIME_NONE || tbtime_on_time(now, due, by_date))
		return OBLIGATION_PENDING;
	return OBLIGATION_OVERDUE;
}

int64_t
deadline_overdue_from(int64_t due, bool by_date)
{
	struct tbtime_date	 d;

	if (due == TBTIME_NONE)
		return TBTIME_NONE;
	if (!by_date)
		return due + 1;
	d = tbtime_taipei_date(due);
	d = tbtime_date_add_days(&d, 1);
	return tbtime_day_start(&d);
}

/* ------------------------------------------------------------------ */
/* The computation                                                      */
/* ------------------------------------------------------------------ */

struct ctx {
	const struct policy		*pol;
	const struct incident_facts	*f;
	const struct event		*ev;
	size_t				 nev;
	int64_t				 now;
	int				 level_now;	/* level in force now */
	struct obligation		*out;
	size_t				 cap;
	size_t				 n;		/* entries produced */
};

/* An event filter beyond its type. */
struct match {
	enum event_type	 type;
	int64_t		 not_before;	/* at >= this, or INT64_MIN */
	int		 channel;	/* reported: channel, or -1 for any */
	int		 kind;		/* meeting_held: kind, or -1 for any */
	const char	*agency;	/* agency_notified: code, or NULL */
};

static struct match
match_type(enum event_type t)
{
	struct match	 m;

	m.type = t;
	m.not_before = INT64_MIN;
	m.channel = -1;
	m.kind = -1;
	m.agency = NULL;
	return m;
}

static bool
matches(const struct event *e, const struct match *m)
{
	if (e->type != m->type || e->at < m->not_before)
		return false;
	if (m->channel >= 0 && (int)e->channel != m->channel)
		return false;
	if (m->kind >= 0 && (int)e->kind != m->kind)
		return false;
	if (m->agency != NULL &&
	    (e->agency == NULL || strcmp(e->agency, m->agency) != 0))
		return false;
	return true;
}

/* Returns true when a comes before b on the timeline: by `at`, then by
 * id (the order of recording), so ties are broken the same every time. */
static bool
event_before(const struct event *a, const struct event *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->id < b->id;
}

/* The earliest event that matches m, or NULL: the first one meets an
 * obligation (later ones of the same kind change nothing). */
static const struct event *
first(const struct ctx *c, const struct match *m)
{
	const struct event	*best = NULL;
	size_t			 i;

	for (i = 0; i < c->nev; i++)
		if (matches(&c->ev[i], m) &&
		    (best == NULL || event_before(&c->ev[i], best)))
			best = &c->ev[i];
	return best;
}

/* Appends an obligation, or only counts it when the output is full. */
static void
push(struct ctx *c, const struct obligation *o)
{
	if (c->n < c->cap)
		c->out[c->n] = *o;
	c->n++;
}

/* Returns the due instant of the k-th multiple of period p from start, and
 * whether it is judged by date.  TBTIME_NONE for no fixed time or no
 * start. */
static int64_t
period_due(const struct policy_period *p, int64_t start, int k,
    bool *by_date)
{
	struct tbtime_date	 d;

	*by_date = p->unit == POLICY_DAYS || p->unit == POLICY_MONTHS;
	if (start == TBTIME_NONE)
		return TBTIME_NONE;
	switch (p->unit) {
	case POLICY_HOURS:
		return tbtime_hours_end(start, p->n * k);
	case POLICY_DAYS:
		d = tbtime_days_last(start, p->n * k, p->first_day_counted);
		return tbtime_day_end(&d);
	case POLICY_MONTHS:
		d = tbtime_months_last(start, p->n * k, p->first_day_counted);
		return tbtime_day_end(&d);
	default:
		return TBTIME_NONE;
	}
}

/*
 * Builds and appends one obligation.  level picks the column of the
 * deadline table; start is when its clock started (TBTIME_NONE: not yet,
 * so no due time); met is the event that met it, or NULL; applicable is
 * false for conditions outside the table's level columns (no fallback
 * report, not a central-reporting agency, no personal data...).
 */
static void
emit(struct ctx *c, enum obligation_name name, const char *subject,
    int period, int level, int64_t start, const struct event *met,
    bool applicable)
{
	const struct policy_period	*p;
	struct obligation		 o;

	memset(&o, 0, sizeof(o));
	o.name = name;
	if (subject != NULL) {
		/* Lengths were checked by domain_facts_valid and
		 * domain_event_valid; ids print in at most 20 bytes. */
		size_t	 len = strlen(subject);

		if (len >= sizeof(o.subject))
			len = sizeof(o.subject) - 1;
		memcpy(o.subject, subject, len);
		o.subject[len] = '\0';
	}
	o.period = period;
	o.level = level;
	o.start_at = start;
	o.met_at = met != NULL ? met->at : TBTIME_NONE;
	o.met_by = met != NULL ? met->id : 0;

	p = &c->pol->period[name][policy_band_of(level)];
	/* P41: a school owes only what its policy row says. */
	if (c->f->is_school && !c->pol->school[name])
		applicable = false;
	if (!applicable || p->unit == POLICY_NOT_APPLICABLE) {
		/* The met time is still shown when someone did it anyway;
		 * the state says it was not owed. */
		o.due_at = TBTIME_NONE;
		o.by_date = false;
		o.state = OBLIGATION_NOT_APPLICABLE;
		push(c, &o);
		return;
	}
	o.due_at = period_due(p, start, 1, &o.by_date);
	o.state = deadline_state(o.due_at, o.by_date, o.met_at, c->now);
	push(c, &o);
}

/* P10: report on the national platform within 1 hour of awareness; a
 * fallback report (P11) meets it too. */
static void
b_report(struct ctx *c)
{
	struct match	 m = match_type(EVENT_REPORTED);

	emit(c, OBLIGATION_REPORT, NULL, 0, c->level_now, c->f->aware_at,
	    first(c, &m), true);
}

/* P11: after a fallback report, backfill on the platform, no fixed time. */
static void
b_backfill(struct ctx *c)
{
	struct match		 m = match_type(EVENT_REPORTED);
	struct match		 b = match_type(EVENT_BACKFILLED);
	const struct event	*fb;

	m.channel = EVENT_CHANNEL_FALLBACK;
	fb = first(c, &m);
	emit(c, OBLIGATION_BACKFILL_REPORT, NULL, 0, c->level_now,
	    fb != NULL ? fb->at : TBTIME_NONE, first(c, &b), fb != NULL);
}

/* Returns true when code appears among the first n affected agencies or
 * among agency_notified events before index upto. */
static bool
agency_seen(const struct ctx *c, const char *code, size_t n_aff,
    size_t upto)
{
	size_t	 i;

	for (i = 0; i < n_aff; i++)
		if (strcmp(c->f->affected_agencies[i], code) == 0)
			return true;
	for (i = 0; i < upto; i++)
		if (c->ev[i].type == EVENT_AGENCY_NOTIFIED &&
		    strcmp(c->ev[i].agency, code) == 0)
			return true;
	return false;
}

/* P12: each affected agency's window is notified within 1 hour of
 * awareness.  An agency_notified event for an agency not yet listed adds
 * it, and meets its notify_affected (late if after the hour). */
static void
b_notify_one(struct ctx *c, const char *code)
{
	struct match	 m = match_type(EVENT_AGENCY_NOTIFIED);

	m.agency = code;
	emit(c, OBLIGATION_NOTIFY_AFFECTED, code, 0, c->level_now,
	    c->f->aware_at, first(c, &m), true);
}

static void
b_notify(struct ctx *c)
{
	size_t	 i;

	/* Each code once, whether listed, notified, or both. */
	for (i = 0; i < c->f->n_affected; i++)
		if (!agency_seen(c, c->f->affected_agencies[i], i, 0))
			b_notify_one(c, c->f->affected_agencies[i]);
	for (i = 0; i < c->nev; i++)
		if (c->ev[i].type == EVENT_AGENCY_NOTIFIED &&
		    !agency_seen(c, c->ev[i].agency, c->f->n_affected, i))
			b_notify_one(c, c->ev[i].agency);
}

/* P14: an agency reporting to a central agency copies DoIT by the end of
 * day 3, the first report's Taipei date being day 1. */
static void
b_cc_doit(struct ctx *c)
{
	struct match		 r = match_type(EVENT_REPORTED);
	struct match		 m = match_type(EVENT_DOIT_COPIED);
	const struct event	*rep = first(c, &r);

	emit(c, OBLIGATION_CC_DOIT, NULL, 0, c->level_now,
	    rep != NULL ? rep->at : TBTIME_NONE, first(c, &m),
	    c->f->reports_to_central);
}

/* The earliest level_reviewed at or after start: a review meets every
 * open review whose clock started at or before it (P15). */
static const struct event *
review_after(const struct ctx *c, int64_t start)
{
	struct match	 m = match_type(EVENT_LEVEL_REVIEWED);

	if (start == TBTIME_NONE)
		return NULL;
	m.not_before = start;
	return first(c, &m);
}

/*
 * P15: DoIT reviews the reported level within 8 h (levels 1-2) or 2 h
 * (levels 3-4) of receiving the report; after a fallback report (P11) the
 * platform receives it only at the backfill, so the clock starts there.
 * The review keeps the level in force when its clock started: that is
 * the level DoIT received on the platform.  Central-reporting agencies are
 * reviewed centrally (the city's reading), so not_applicable.
 */
static void
b_level_review(struct ctx *c)
{
	struct match		 r = match_type(EVENT_REPORTED);
	struct match		 b = match_type(EVENT_BACKFILLED);
	const struct event	*rep, *bf;
	int64_t			 start = TBTIME_NONE;
	int			 lv = c->level_now;

	rep = first(c, &r);
	if (rep != NULL && rep->channel == EVENT_CHANNEL_PLATFORM)
		start = rep->at;
	else if (rep != NULL && (bf = first(c, &b)) != NULL)
		start = bf->at;
	if (start != TBTIME_NONE)
		lv = incident_level_at(c->f, c->ev, c->nev, start);
	emit(c, OBLIGATION_LEVEL_REVIEW, NULL, 0, lv, start,
	    review_after(c, start), !c->f->reports_to_central);
}

/* Writes a positive id in decimal; buf holds at least 21 bytes. */
static void
id_string(int64_t id, char *buf)
{
	char	 tmp[24];
	int	 n = 0, k;
	uint64_t v = (uint64_t)id;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (k = 0; k < n; k++)
		buf[k] = tmp[n - 1 - k];
	buf[n] = '\0';
}

/* P17: a change request opens its own review (the city's reading, as the
 * source sets no time), 8 h or 2 h by the level requested, subject the
 * request's event id. */
static void
b_change_reviews(struct ctx *c)
{
	char	 sub[24];
	size_t	 i;

	for (i = 0; i < c->nev; i++) {
		const struct event	*e = &c->ev[i];

		if (e->type != EVENT_LEVEL_CHANGE_REQUESTED)
			continue;
		id_string(e->id, sub);
		emit(c, OBLIGATION_LEVEL_REVIEW, sub, 0, e->level, e->at,
		    review_after(c, e->at), !c->f->reports_to_central);
	}
}

/* P18, P21: team formed and damage control, by the level in force now,
 * from awareness. */
static void
b_from_aware(struct ctx *c, enum obligation_name name, enum event_type t)
{
	struct match	 m = match_type(t);

	emit(c, name, NULL, 0, c->level_now, c->f->aware_at, first(c, &m),
	    true);
}

/* P20: a response meeting (not a tracking one), no fixed time. */
static void
b_response_meeting(struct ctx *c)
{
	struct match	 m = match_type(EVENT_MEETING_HELD);

	m.kind = EVENT_MEETING_RESPONSE;
	emit(c, OBLIGATION_RESPONSE_MEETING, NULL, 0, c->level_now,
	    TBTIME_NONE, first(c, &m), true);
}

/* P23(1): levels 3-4 report the effectiveness once damage control is
 * done; its start is shown from damage_controlled, with no fixed time. */
static void
b_effectiveness(struct ctx *c)
{
	struct match		 d = match_type(EVENT_DAMAGE_CONTROLLED);
	struct match		 m = match_type(EVENT_EFFECTIVENESS_REPORTED);
	const struct event	*dc = first(c, &d);

	emit(c, OBLIGATION_EFFECTIVENESS_REPORT, NULL, 0, c->level_now,
	    dc != NULL ? dc->at : TBTIME_NONE, first(c, &m), true);
}

/*
 * P23(2): levels 3-4 with personal data involved.  A school owes it too
 * (P41 applies 23(2)); REQUIREMENTS' table keeps it not_applicable at
 * levels 1-2 with no exception for schools, so the level condition of P23's
 * opening sentence is kept for them as well.
 */
static void
b_pdpa(struct ctx *c)
{
	struct match	 m = match_type(EVENT_PDPA_ASSESSED);

	emit(c, OBLIGATION_PDPA_ASSESSMENT, NULL, 0, c->level_now,
	    TBTIME_NONE, first(c, &m), c->f->personal_data_involved);
}

/* P28: root cause, except for equipment failure. */
static void
b_root_cause(struct ctx *c)
{
	struct match	 m = match_type(EVENT_ROOT_CAUSE_RECORDED);

	emit(c, OBLIGATION_ROOT_CAUSE, NULL, 0, c->level_now, TBTIME_NONE,
	    first(c, &m), !c->f->equipment_failure);
}

/* P31(5): closure report within 1 month of awareness. */
static void
b_closure(struct ctx *c)
{
	b_from_aware(c, OBLIGATION_CLOSURE_REPORT, EVENT_CLOSURE_REPORTED);
}

/* The earliest progress_reported strictly after (at, id) on the timeline
 * with at >= min_at; NULL when none. */
static const struct event *
next_progress(const struct ctx *c, const struct event *after, int64_t min_at)
{
	const struct event	*best = NULL;
	size_t			 i;

	for (i = 0; i < c->nev; i++) {
		const struct event	*e = &c->ev[i];

		if (e->type != EVENT_PROGRESS_REPORTED || e->at < min_at)
			continue;
		if (after != NULL && !event_before(after, e))
			continue;
		if (best == NULL || event_before(e, best))
			best = e;
	}
	return best;
}

/*
 * P31(4): for levels 3-4, or when designated (tracking_designated) at any
 * level, progress is reported every period (policy, default 1 month) from
 * plan_approved until every improvement action is done.
 *
 * Period k runs from plan_approved (k = 1) or from the day after period
 * k - 1 ended, to the end of k periods counted from plan_approved (counted
 * from the one start, so month ends do not drift).  Periods are listed
 * once they have begun (start <= now) and while actions were still open
 * when they began (start < actions_done_at: the period in which the last
 * action was done still owes the report that says so).
 *
 * Each progress_reported meets "the progress_report then due": the
 * earliest unmet period that has begun by its `at`.  Reports are taken in
 * timeline order, so a late report meets the overdue period (met_late)
 * rather than the current one, and a second report in one period is not
 * credited to a period that has not begun.
 */
static void
b_progress(struct ctx *c)
{
	struct match		 d = match_type(EVENT_TRACKING_DESIGNATED);
	struct match		 pa = match_type(EVENT_PLAN_APPROVED);
	const struct policy_period *p;
	const struct event	*plan, *rep = NULL, *r;
	struct obligation	 o;
	struct tbtime_date	 dd;
	int64_t			 start, due, done = c->f->actions_done_at;
	bool			 by_date;
	int			 k, lv = c->level_now;

	p = &c->pol->period[OBLIGATION_PROGRESS_REPORT][policy_band_of(lv)];
	plan = first(c, &pa);
	if ((c->f->is_school && !c->pol->school[OBLIGATION_PROGRESS_REPORT]) ||
	    p->unit == POLICY_NOT_APPLICABLE ||
	    (policy_band_of(lv) == POLICY_BAND_LOW && first(c, &d) == NULL)) {
		emit(c, OBLIGATION_PROGRESS_REPORT, NULL, 0, lv, TBTIME_NONE,
		    NULL, false);
		return;
	}
	if (plan == NULL || p->unit == POLICY_NO_FIXED_TIME) {
		/* Owed, but its clock starts only with the plan. */
		r = plan != NULL ? next_progress(c, NULL, plan->at) : NULL;
		emit(c, OBLIGATION_PROGRESS_REPORT, NULL, 1, lv,
		    plan != NULL ? plan->at : TBTIME_NONE, r, true);
		return;
	}
	if (done != TBTIME_NONE && done <= plan->at) {
		/* Everything was done before there was a plan to track. */
		emit(c, OBLIGATION_PROGRESS_REPORT, NULL, 0, lv, plan->at,
		    NULL, false);
		return;
	}

	start = plan->at;
	for (k = 1;; k++) {
		due = period_due(p, plan->at, k, &by_date);
		r = next_progress(c, rep, start);
		if (r != NULL)
			rep = r;

		memset(&o, 0, sizeof(o));
		o.name = OBLIGATION_PROGRESS_REPORT;
		o.period = k;
		o.level = lv;
		o.start_at = start;
		o.due_at = due;
		o.by_date = by_date;
		o.met_at = r != NULL ? r->at : TBTIME_NONE;
		o.met_by = r != NULL ? r->id : 0;
		o.state = deadline_state(due, by_date, o.met_at, c->now);
		push(c, &o);

		/* The next period begins when this one ends: the next day
		 * for day and month periods, the same instant for hours. */
		if (by_date) {
			dd = tbtime_taipei_date(due);
			dd = tbtime_date_add_days(&dd, 1);
			if (dd.year > 9999)
				break;
			start = tbtime_day_start(&dd);
		} else
			start = due;
		if (start > c->now || (done != TBTIME_NONE && start >= done))
			break;
		/* A period of length 0 in a policy would not advance; and
		 * the date functions end with year 9999, however far in
		 * the future "now" is. */
		if (start <= o.start_at ||
		    tbtime_taipei_date(start).year > 9999)
			break;
	}
}

/* The builders of the obligations that exist once per incident, in the
 * order of the deadline table. */
static void
b_team(struct ctx *c)
{
	b_from_aware(c, OBLIGATION_TEAM_FORMED, EVENT_TEAM_FORMED);
}

static void
b_damage(struct ctx *c)
{
	b_from_aware(c, OBLIGATION_DAMAGE_CONTROL, EVENT_DAMAGE_CONTROLLED);
}

static void (*const singles[OBLIGATION__INCIDENT_COUNT])(struct ctx *) = {
	[OBLIGATION_REPORT] = b_report,
	[OBLIGATION_BACKFILL_REPORT] = b_backfill,
	[OBLIGATION_CC_DOIT] = b_cc_doit,
	[OBLIGATION_LEVEL_REVIEW] = b_level_review,
	[OBLIGATION_TEAM_FORMED] = b_team,
	[OBLIGATION_RESPONSE_MEETING] = b_response_meeting,
	[OBLIGATION_DAMAGE_CONTROL] = b_damage,
	[OBLIGATION_EFFECTIVENESS_REPORT] = b_effectiveness,
	[OBLIGATION_PDPA_ASSESSMENT] = b_pdpa,
	[OBLIGATION_ROOT_CAUSE] = b_root_cause,
	[OBLIGATION_CLOSURE_REPORT] = b_closure,
};

/* Validates the inputs and prepares the context. */
static int
ctx_init(struct ctx *c, const struct policy *pol,
    const struct incident_facts *f, const struct event *ev, size_t nev,
    int64_t now)
{
	size_t	 i;

	if (!domain_facts_valid(f) || (nev > 0 && ev == NULL))
		return TB_EINVAL;
	for (i = 0; i < nev; i++)
		if (!domain_event_valid(&ev[i], f->is_school))
			return TB_EINVAL;
	c->pol = pol != NULL ? pol : policy_for(f->aware_at);
	c->f = f;
	c->ev = ev;
	c->nev = nev;
	c->now = now;
	c->level_now = incident_level_at(f, ev, nev, INT64_MAX);
	c->out = NULL;
	c->cap = 0;
	c->n = 0;
	return TB_OK;
}

int
deadline_one(const struct policy *pol, const struct incident_facts *f,
    const struct event *ev, size_t nev, int64_t now,
    enum obligation_name name, struct obligation *out)
{
	struct ctx	 c;
	int		 rc;

	if ((unsigned)name >= OBLIGATION__INCIDENT_COUNT ||
	    singles[name] == NULL)
		return TB_EINVAL;
	if ((rc = ctx_init(&c, pol, f, ev, nev, now)) != TB_OK)
		return rc;
	c.out = out;
	c.cap = 1;
	singles[name](&c);
	return TB_OK;
}

static int
ob_cmp(const void *pa, const void *pb)
{
	const struct obligation	*a = pa, *b = pb;
	int			 r;

	/* By due time, no due last (REQUIREMENTS: what is due next comes
	 * first), then name, subject and period: a total order, so the
	 * output does not depend on qsort's instability. */
	if (a->due_at != b->due_at) {
		if (a->due_at == TBTIME_NONE)
			return 1;
		if (b->due_at == TBTIME_NONE)
			return -1;
		return a->due_at < b->due_at ? -1 : 1;
	}
	if ((r = strcmp(obligation_names[a->name],
	    obligation_names[b->name])) != 0)
		return r;
	if ((r = strcmp(a->subject, b->subject)) != 0)
		return r;
	if (a->period != b->period)
		return a->period < b->period ? -1 : 1;
	return 0;
}

/* Runs every builder into c's output. */
static void
run_all(struct ctx *c)
{
	size_t	 i;

	for (i = 0; i < NELEM(singles); i++)
		if (singles[i] != NULL)
			singles[i](c);
	b_notify(c);
	b_change_reviews(c);
	b_progress(c);
}

int
deadline_compute(const struct policy *pol, const struct incident_facts *f,
    const struct event *ev, size_t nev, int64_t now, struct obligation *out,
    size_t cap, size_t *needed)
{
	struct ctx	 c;
	int		 rc;

	*needed = 0;
	if ((rc = ctx_init(&c, pol, f, ev, nev, now)) != TB_OK)
		return rc;
	/* First count, so that a short array is refused before anything is
	 * written and the caller learns the size it needs. */
	run_all(&c);
	*needed = c.n;
	if (c.n > cap || (c.n > 0 && out == NULL))
		return TB_ETOOBIG;
	c.n = 0;
	c.out = out;
	c.cap = cap;
	run_all(&c);
	if (c.n > 0)
		qsort(out, c.n, sizeof(*out), ob_cmp);
	return TB_OK;
}

int
deadline_compute_new(const struct policy *pol,
    const struct incident_facts *f, const struct event *ev, size_t nev,
    int64_t now, struct obligation **out, size_t *n)
{
	struct obligation	*list;
	size_t			 need;
	int			 rc;

	*out = NULL;
	*n = 0;
	rc = deadline_compute(pol, f, ev, nev, now, NULL, 0, &need);
	if (rc != TB_OK && rc != TB_ETOOBIG)
		return rc;
	/* One extra so that an empty list still allocates a valid pointer. */
	if ((list = calloc(need + 1, sizeof(*list))) == NULL)
		return TB_ENOMEM;
	if ((rc = deadline_compute(pol, f, ev, nev, now, list, need + 1,
	    &need)) != TB_OK) {
		free(list);
		return rc;
	}
	*out = list;
	*n = need;
	return TB_OK;
}

void
deadline_free(struct obligation *list)
{
	free(list);
}

/* ------------------------------------------------------------------ */
/* Improvement windows (P29)                                            */
/* ------------------------------------------------------------------ */

int
improvement_window(const struct policy *pol, enum improvement_term t,
    int64_t plan_at, struct tbtime_date *first_day,
    struct tbtime_date *last_day)
{
	const struct policy_window	*w;

	if (plan_at == TBTIME_NONE || (unsigned)t >= NELEM(term_names))
		return TB_EINVAL;
	if (pol == NULL)
		pol = policy_for(plan_at);
	*first_day = tbtime_taipei_date(plan_at);
	if (t == IMPROVEMENT_SHORT) {
		/* Immediate fixes have no window; only a date before the
		 * plan is impossible. */
		last_day->year = 9999;
		last_day->month = 12;
		last_day->day = 31;
		return TB_OK;
	}
	w = &pol->improvement[t == IMPROVEMENT_MEDIUM ? 0 : 1];
	/* "3 to 6 months": no earlier than the last day of the 3-month
	 * period and no later than the last day of the 6-month one, both
	 * counted by the rules of time (first day not counted). */
	if (w->min_months > 0)
		*first_day = tbtime_months_last(plan_at, w->min_months, false);
	*last_day = tbtime_months_last(plan_at, w->max_months, false);
	return TB_OK;
}

int
improvement_due_check(const struct policy *pol, enum improvement_term t,
    int64_t plan_at, const struct tbtime_date *due, const char **reason)
{
	struct tbtime_date	 lo, hi;

	*reason = NULL;
	if (due == NULL || !tbtime_date_valid(due) ||
	    improvement_window(pol, t, plan_at, &lo, &hi) != TB_OK) {
		*reason = "improvement_invalid";
		return TB_EINVAL;
	}
	if (tbtime_date_cmp(due, &lo) < 0) {
		*reason = "improvement_due_before_window";
		return TB_ERANGE;
	}
	if (tbtime_date_cmp(due, &hi) > 0) {
		*reason = "improvement_due_after_window";
		return TB_ERANGE;
	}
	return TB_OK;
}
