/*
 * incident.c: event types, the level in force, and the preconditions an
 * event must meet before it is appended (REQUIREMENTS "Events, and the
 * obligations they meet").
 *
 * Events may be recorded in any order of `at`: people record after the
 * fact.  So "out of order" means only a failed precondition, and nothing
 * here refuses an `at` for being earlier than another event's.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/domain.h"
#include "domain/internal.h"

static const char *const type_names[EVENT__COUNT] = {
	[EVENT_LEVEL_APPROVED] = "level_approved",
	[EVENT_REPORTED] = "reported",
	[EVENT_BACKFILLED] = "backfilled",
	[EVENT_AGENCY_NOTIFIED] = "agency_notified",
	[EVENT_DOIT_COPIED] = "doit_copied",
	[EVENT_INFO_REQUESTED] = "info_requested",
	[EVENT_INFO_PROVIDED] = "info_provided",
	[EVENT_LEVEL_REVIEWED] = "level_reviewed",
	[EVENT_LEVEL_CHANGE_REQUESTED] = "level_change_requested",
	[EVENT_TEAM_FORMED] = "team_formed",
	[EVENT_MEETING_HELD] = "meeting_held",
	[EVENT_TRACKING_DESIGNATED] = "tracking_designated",
	[EVENT_DAMAGE_CONTROLLED] = "damage_controlled",
	[EVENT_EFFECTIVENESS_REPORTED] = "effectiveness_reported",
	[EVENT_PDPA_ASSESSED] = "pdpa_assessed",
	[EVENT_ROOT_CAUSE_RECORDED] = "root_cause_recorded",
	[EVENT_PLAN_APPROVED] = "plan_approved",
	[EVENT_PROGRESS_REPORTED] = "progress_reported",
	[EVENT_CLOSURE_REPORTED] = "closure_reported",
	[EVENT_SIGNED] = "signed",
};

static const char *const channel_names[] = {
	[EVENT_CHANNEL_PLATFORM] = "platform",
	[EVENT_CHANNEL_FALLBACK] = "fallback",
};

static const char *const kind_names[] = {
	[EVENT_MEETING_RESPONSE] = "response",
	[EVENT_MEETING_TRACKING] = "tracking",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Looks s up in a table of names; TB_EINVAL when absent. */
static int
name_find(const char *const *tab, size_t n, const char *s, int *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < n; i++)
		if (tab[i] != NULL && strcmp(tab[i], s) == 0) {
			*out = (int)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

const char *
event_type_name(enum event_type t)
{
	if ((unsigned)t >= EVENT__COUNT)
		return NULL;
	return type_names[t];
}

int
event_type_from_name(const char *s, enum event_type *out)
{
	int	 v, rc;

	if ((rc = name_find(type_names, NELEM(type_names), s, &v)) != TB_OK)
		return rc;
	*out = (enum event_type)v;
	return TB_OK;
}

const char *
event_channel_name(enum event_channel c)
{
	if ((unsigned)c >= NELEM(channel_names))
		return NULL;
	return channel_names[c];
}

int
event_channel_from_name(const char *s, enum event_channel *out)
{
	int	 v, rc;

	if ((rc = name_find(channel_names, NELEM(channel_names), s, &v)) !=
	    TB_OK)
		return rc;
	*out = (enum event_channel)v;
	return TB_OK;
}

const char *
event_meeting_kind_name(enum event_meeting_kind k)
{
	if ((unsigned)k >= NELEM(kind_names))
		return NULL;
	return kind_names[k];
}

int
event_meeting_kind_from_name(const char *s, enum event_meeting_kind *out)
{
	int	 v, rc;

	if ((rc = name_find(kind_names, NELEM(kind_names), s, &v)) != TB_OK)
		return rc;
	*out = (enum event_meeting_kind)v;
	return TB_OK;
}

/* Returns true when an agency code is present and fits a subject. */
static bool
agency_code_ok(const char *s)
{
	return s != NULL && s[0] != '\0' &&
	    strlen(s) <= DOMAIN_AGENCY_CODE_MAX;
}

bool
domain_facts_valid(const struct incident_facts *f)
{
	size_t	 i;

	if (f == NULL || f->aware_at == TBTIME_NONE ||
	    !level_valid(f->proposed_level, f->is_school))
		return false;
	if (f->n_affected > 0 && f->affected_agencies == NULL)
		return false;
	for (i = 0; i < f->n_affected; i++)
		if (!agency_code_ok(f->affected_agencies[i]))
			return false;
	return true;
}

bool
domain_event_valid(const struct event *e, bool is_school)
{
	if ((unsigned)e->type >= EVENT__COUNT || e->at == TBTIME_NONE)
		return false;
	switch (e->type) {
	case EVENT_LEVEL_APPROVED:
	case EVENT_LEVEL_REVIEWED:
	case EVENT_LEVEL_CHANGE_REQUESTED:
		return level_valid(e->level, is_school);
	case EVENT_AGENCY_NOTIFIED:
		return agency_code_ok(e->agency);
	case EVENT_REPORTED:
		return (unsigned)e->channel < NELEM(channel_names);
	case EVENT_MEETING_HELD:
		return (unsigned)e->kind < NELEM(kind_names);
	default:
		return true;
	}
}

int
incident_level_at(const struct incident_facts *f, const struct event *ev,
    size_t nev, int64_t at)
{
	const struct event	*best = NULL;
	size_t			 i;

	for (i = 0; i < nev; i++) {
		const struct event	*e = &ev[i];

		if (e->type != EVENT_LEVEL_APPROVED &&
		    e->type != EVENT_LEVEL_REVIEWED)
			continue;
		if (e->at > at)
			continue;
		if (best == NULL || e->at > best->at) {
			best = e;
			continue;
		}
		if (e->at < best->at)
			continue;
		/* Same instant: DoIT's review wins over the agency's own
		 * approval (Rules of time); between two of the same kind,
		 * the one recorded later does (REQUIREMENTS is silent; the
		 * later recording is the later decision). */
		if (e->type != best->type) {
			if (e->type == EVENT_LEVEL_REVIEWED)
				best = e;
		} else if (e->id > best->id)
			best = e;
	}
	return best != NULL ? best->level : f->proposed_level;
}

bool
incident_closed(const struct event *ev, size_t nev)
{
	size_t	 i;

	for (i = 0; i < nev; i++)
		if (ev[i].type == EVENT_CLOSURE_REPORTED)
			return true;
	return false;
}

/* Returns true when an event of type t exists with at <= before (pass
 * INT64_MAX for "at any time"); with fallback_only, only fallback reports
 * count. */
static bool
has_event(const struct event *ev, size_t nev, enum event_type t,
    int64_t before, bool fallback_only)
{
	size_t	 i;

	for (i = 0; i < nev; i++) {
		if (ev[i].type != t || ev[i].at > before)
			continue;
		if (fallback_only && ev[i].channel != EVENT_CHANNEL_FALLBACK)
			continue;
		return true;
	}
	return false;
}

/* The obligations that must not be owed when the closure is reported, in
 * the order REQUIREMENTS lists them, with their stable refusal codes. */
static const struct {
	enum obligation_name	 name;
	const char		*reason;
} closure_needs[] = {
	{ OBLIGATION_BACKFILL_REPORT, "closure_blocked:backfill_report" },
	{ OBLIGATION_RESPONSE_MEETING, "closure_blocked:response_meeting" },
	{ OBLIGATION_ROOT_CAUSE, "closure_blocked:root_cause" },
	{ OBLIGATION_PDPA_ASSESSMENT, "closure_blocked:pdpa_assessment" },
	{ OBLIGATION_EFFECTIVENESS_REPORT,
	    "closure_blocked:effectiveness_report" },
};

/* Checks the closure precondition; TB_OK or TB_ECONFLICT with *reason. */
static int
check_closure(const struct policy *pol, const struct incident_facts *f,
    const struct event *ev, size_t nev, int64_t now, const char **reason)
{
	struct obligation	 o;
	size_t			 i;
	int			 rc;

	/*
	 * "report is unmet": no `reported` event at all.  Judged by the event
	 * rather than the obligation's state so that a school, whose report
	 * obligation is not_applicable under P41, still cannot file a closure
	 * for something it never reported.  Every event counts whatever its
	 * `at`, as events are recorded in any order.
	 */
	if (!has_event(ev, nev, EVENT_REPORTED, INT64_MAX, false)) {
		*reason = "closure_blocked:report";
		return TB_ECONFLICT;
	}
	for (i = 0; i < NELEM(closure_needs); i++) {
		rc = deadline_one(pol, f, ev, nev, now, closure_needs[i].name,
		    &o);
		if (rc != TB_OK) {
			*reason = "event_invalid";
			return rc;
		}
		if (o.state == OBLIGATION_PENDING ||
		    o.state == OBLIGATION_OVERDUE) {
			*reason = closure_needs[i].reason;
			return TB_ECONFLICT;
		}
	}
	return TB_OK;
}

/* Returns true for the events a closed incident still takes. */
static bool
allowed_after_closure(const struct event *e)
{
	switch (e->type) {
	case EVENT_SIGNED:
	case EVENT_PROGRESS_REPORTED:
		return true;
	case EVENT_MEETING_HELD:
		return e->kind == EVENT_MEETING_TRACKING;
	default:
		return false;
	}
}

int
incident_event_check(const struct policy *pol,
    const struct incident_facts *f, const struct event *ev, size_t nev,
    const struct event *nw, int64_t now, const char **reason)
{
	size_t	 i;

	*reason = NULL;
	if (!domain_facts_valid(f) || (nev > 0 && ev == NULL)) {
		*reason = "facts_invalid";
		return TB_EINVAL;
	}
	for (i = 0; i < nev; i++)
		if (!domain_event_valid(&ev[i], f->is_school)) {
			*reason = "event_invalid";
			return TB_EINVAL;
		}
	if (pol == NULL)
		pol = policy_for(f->aware_at);

	/* Field checks first: they are 422 whatever the state. */
	if ((unsigned)nw->type >= EVENT__COUNT || nw->at == TBTIME_NONE) {
		*reason = "event_invalid";
		return TB_EINVAL;
	}
	if (nw->at > now) {
		/* REQUIREMENTS "Events": `at` is never in the future. */
		*reason = "at_in_future";
		return TB_EINVAL;
	}
	if ((nw->type == EVENT_LEVEL_APPROVED ||
	    nw->type == EVENT_LEVEL_REVIEWED ||
	    nw->type == EVENT_LEVEL_CHANGE_REQUESTED) &&
	    !level_valid(nw->level, f->is_school)) {
		*reason = "level_invalid";
		return TB_EINVAL;
	}
	if (nw->type == EVENT_AGENCY_NOTIFIED && !agency_code_ok(nw->agency)) {
		*reason = "agency_missing";
		return TB_EINVAL;
	}
	if (!domain_event_valid(nw, f->is_school)) {
		*reason = "event_invalid";
		return TB_EINVAL;
	}

	if (incident_closed(ev, nev) && !allowed_after_closure(nw)) {
		*reason = "incident_closed";
		return TB_ECONFLICT;
	}

	switch (nw->type) {
	case EVENT_REPORTED:
		/* P10: the level is approved before it is reported. */
		if (!has_event(ev, nev, EVENT_LEVEL_APPROVED, nw->at, false)) {
			*reason = "level_not_approved";
			return TB_ECONFLICT;
		}
		break;
	case EVENT_LEVEL_REVIEWED:
		/*
		 * P15: DoIT reviews a reported level.  "Before it" is taken
		 * as at or before: times are often recorded to the minute,
		 * and a review in the same minute as the report is real.
		 */
		if (!has_event(ev, nev, EVENT_REPORTED, nw->at, false)) {
			*reason = "not_reported";
			return TB_ECONFLICT;
		}
		break;
	case EVENT_BACKFILLED:
		/* P11: only a fallback report is backfilled.  Any fallback
		 * report counts, whatever its `at`: ordering by time is not
		 * a precondition here. */
		if (!has_event(ev, nev, EVENT_REPORTED, INT64_MAX, true)) {
			*reason = "no_fallback_report";
			return TB_ECONFLICT;
		}
		break;
	case EVENT_CLOSURE_REPORTED:
		return check_closure(pol, f, ev, nev, now, reason);
	default:
		break;
	}
	return TB_OK;
}
