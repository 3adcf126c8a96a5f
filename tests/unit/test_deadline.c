/*
 * test_deadline.c: the deadline engine, the policy, the event
 * preconditions and the P29 windows (src/domain/deadline.c, policy.c,
 * incident.c).
 *
 * Scenarios are tables: an incident's facts, its events, "now", and the
 * obligations expected, each with its due time, met time and state written
 * out in Taipei time.  The expected times were worked out by hand from the
 * deadline table and the rules of time of REQUIREMENTS, not from the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_EV		16
#define MAX_EXP		20
#define OUT_CAP		256

/* An instant that must parse; fails the test otherwise. */
static int64_t
T(const char *s)
{
	int64_t	 t = 0;

	if (s == NULL)
		return TBTIME_NONE;
	if (tbtime_parse(s, &t) != TB_OK)
		fail_msg("test data does not parse: %s", s);
	return t;
}

/* ------------------------------------------------------------------ */
/* Scenario tables                                                      */
/* ------------------------------------------------------------------ */

struct ev_spec {
	enum event_type		 type;
	const char		*at;
	int			 level;
	enum event_channel	 channel;
	enum event_meeting_kind	 kind;
	const char		*agency;
};

#define E(type, at)		{ (type), (at), 0, 0, 0, NULL }
#define APPROVE(at, lv)		{ EVENT_LEVEL_APPROVED, (at), (lv), 0, 0, NULL }
#define REVIEW(at, lv)		{ EVENT_LEVEL_REVIEWED, (at), (lv), 0, 0, NULL }
#define CHANGE(at, lv)		{ EVENT_LEVEL_CHANGE_REQUESTED, (at), (lv), \
				    0, 0, NULL }
#define REPORT(at)		{ EVENT_REPORTED, (at), 0, \
				    EVENT_CHANNEL_PLATFORM, 0, NULL }
#define FALLBACK(at)		{ EVENT_REPORTED, (at), 0, \
				    EVENT_CHANNEL_FALLBACK, 0, NULL }
#define NOTIFIED(at, ag)	{ EVENT_AGENCY_NOTIFIED, (at), 0, 0, 0, (ag) }
#define MEETING(at)		{ EVENT_MEETING_HELD, (at), 0, 0, \
				    EVENT_MEETING_RESPONSE, NULL }
#define TRACKING(at)		{ EVENT_MEETING_HELD, (at), 0, 0, \
				    EVENT_MEETING_TRACKING, NULL }

struct exp_spec {
	const char	*name;
	const char	*subject;	/* NULL: none */
	int		 period;
	const char	*due;		/* Taipei RFC 3339, or NULL: none */
	const char	*met;		/* Taipei RFC 3339, or NULL: not met */
	const char	*state;
};

enum {
	F_SCHOOL = 1 << 0,
	F_CENTRAL = 1 << 1,
	F_PD = 1 << 2,		/* personal data involved */
	F_EQUIP = 1 << 3,	/* equipment failure */
	F_EXERCISE = 1 << 4,
};

struct scenario {
	const char	*what;
	const char	*aware;
	int		 level;		/* proposed */
	unsigned	 flags;
	const char	*affected[4];
	const char	*done;		/* actions_done_at, or NULL */
	struct ev_spec	 ev[MAX_EV];
	const char	*now;
	int		 total;		/* obligations listed; -1: unchecked */
	struct exp_spec	 exp[MAX_EXP];
};

#define AWARE	"2026-01-10T14:00:00+08:00"

/* Every obligation not listed in a row stays unchecked by that row; the
 * first scenarios list all of them. */
static const struct scenario scenarios[] = {
{
	"level 2, nothing done yet", AWARE, 2, 0, { NULL }, NULL, { { 0 } },
	"2026-01-10T14:30:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-10T15:00:00+08:00", NULL, "pending" },
	{ "backfill_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "cc_doit", NULL, 0, NULL, NULL, "not_applicable" },
	{ "level_review", NULL, 0, NULL, NULL, "pending" },
	{ "team_formed", NULL, 0, "2026-01-10T17:00:00+08:00", NULL,
	    "pending" },
	{ "response_meeting", NULL, 0, NULL, NULL, "pending" },
	{ "damage_control", NULL, 0, "2026-01-13T14:00:00+08:00", NULL,
	    "pending" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "not_applicable" },
	{ "root_cause", NULL, 0, NULL, NULL, "pending" },
	/* The worked example of REQUIREMENTS. */
	{ "closure_report", NULL, 0, "2026-02-10T23:59:59+08:00", NULL,
	    "pending" },
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"level 1 uses the 1-2 column", AWARE, 1, F_PD, { NULL }, NULL,
	{ { 0 } }, "2026-01-10T14:30:00+08:00", 12, {
	{ "team_formed", NULL, 0, "2026-01-10T17:00:00+08:00", NULL,
	    "pending" },
	{ "damage_control", NULL, 0, "2026-01-13T14:00:00+08:00", NULL,
	    "pending" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "not_applicable" },
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"level 4, nothing done yet, personal data", AWARE, 4, F_PD, { NULL },
	NULL, { { 0 } }, "2026-01-10T14:30:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-10T15:00:00+08:00", NULL, "pending" },
	{ "backfill_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "cc_doit", NULL, 0, NULL, NULL, "not_applicable" },
	{ "level_review", NULL, 0, NULL, NULL, "pending" },
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00", NULL,
	    "pending" },
	{ "response_meeting", NULL, 0, NULL, NULL, "pending" },
	{ "damage_control", NULL, 0, "2026-01-12T02:00:00+08:00", NULL,
	    "pending" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "pending" },
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "pending" },
	{ "root_cause", NULL, 0, NULL, NULL, "pending" },
	{ "closure_report", NULL, 0, "2026-02-10T23:59:59+08:00", NULL,
	    "pending" },
	/* Owed, but its clock waits for plan_approved. */
	{ "progress_report", NULL, 1, NULL, NULL, "pending" },
	} },
{
	"level 3 uses the 3-4 column; no personal data", AWARE, 3, 0,
	{ NULL }, NULL, { { 0 } }, "2026-01-10T14:30:00+08:00", 12, {
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00", NULL,
	    "pending" },
	{ "damage_control", NULL, 0, "2026-01-12T02:00:00+08:00", NULL,
	    "pending" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "pending" },
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "not_applicable" },
	{ "progress_report", NULL, 1, NULL, NULL, "pending" },
	} },
{
	"level 2, everything done on time, to the second", AWARE, 2, 0,
	{ NULL }, NULL, {
	APPROVE("2026-01-10T14:10:00+08:00", 2),
	REPORT("2026-01-10T14:40:00+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T16:59:59+08:00"),
	REVIEW("2026-01-10T22:40:00+08:00", 2),
	E(EVENT_DAMAGE_CONTROLLED, "2026-01-13T14:00:00+08:00"),
	MEETING("2026-01-13T15:00:00+08:00"),
	E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00"),
	/* Half a second past 23:59:59 is still the due date. */
	E(EVENT_CLOSURE_REPORTED, "2026-02-10T23:59:59.5+08:00"),
	}, "2026-03-01T00:00:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T14:40:00+08:00", "met" },
	{ "level_review", NULL, 0, "2026-01-10T22:40:00+08:00",
	    "2026-01-10T22:40:00+08:00", "met" },
	{ "team_formed", NULL, 0, "2026-01-10T17:00:00+08:00",
	    "2026-01-10T16:59:59+08:00", "met" },
	{ "damage_control", NULL, 0, "2026-01-13T14:00:00+08:00",
	    "2026-01-13T14:00:00+08:00", "met" },
	{ "response_meeting", NULL, 0, NULL, "2026-01-13T15:00:00+08:00",
	    "met" },
	{ "root_cause", NULL, 0, NULL, "2026-01-20T10:00:00+08:00", "met" },
	{ "closure_report", NULL, 0, "2026-02-10T23:59:59+08:00",
	    "2026-02-10T23:59:59+08:00", "met" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"level 4, each one second late", AWARE, 4, F_PD, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 4),
	REPORT("2026-01-10T15:00:01+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T15:00:00+08:00"),
	REVIEW("2026-01-10T17:00:02+08:00", 4),
	E(EVENT_DAMAGE_CONTROLLED, "2026-01-12T02:00:01+08:00"),
	E(EVENT_EFFECTIVENESS_REPORTED, "2026-01-12T03:00:00+08:00"),
	E(EVENT_PDPA_ASSESSED, "2026-01-12T04:00:00+08:00"),
	MEETING("2026-01-12T05:00:00+08:00"),
	E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00"),
	E(EVENT_CLOSURE_REPORTED, "2026-02-11T00:00:00+08:00"),
	}, "2026-03-01T00:00:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T15:00:01+08:00", "met_late" },
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T15:00:00+08:00", "met" },
	/* Reported at 15:00:01, level 4: 2 h. */
	{ "level_review", NULL, 0, "2026-01-10T17:00:01+08:00",
	    "2026-01-10T17:00:02+08:00", "met_late" },
	{ "damage_control", NULL, 0, "2026-01-12T02:00:00+08:00",
	    "2026-01-12T02:00:01+08:00", "met_late" },
	{ "effectiveness_report", NULL, 0, NULL,
	    "2026-01-12T03:00:00+08:00", "met" },
	{ "pdpa_assessment", NULL, 0, NULL, "2026-01-12T04:00:00+08:00",
	    "met" },
	{ "closure_report", NULL, 0, "2026-02-10T23:59:59+08:00",
	    "2026-02-11T00:00:00+08:00", "met_late" },
	{ "progress_report", NULL, 1, NULL, NULL, "pending" },
	} },
{
	"level raised 2 -> 4 after reporting", AWARE, 2, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:10:00+08:00", 2),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T16:00:00+08:00"),
	REVIEW("2026-01-10T18:00:00+08:00", 4),
	}, "2026-01-12T03:00:00+08:00", 12, {
	/* Met on time under level 2, late under level 4. */
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T16:00:00+08:00", "met_late" },
	/* 36 h from awareness has passed: overdue at once. */
	{ "damage_control", NULL, 0, "2026-01-12T02:00:00+08:00", NULL,
	    "overdue" },
	/* The review keeps the level as reported (2): 8 h. */
	{ "level_review", NULL, 0, "2026-01-10T22:30:00+08:00",
	    "2026-01-10T18:00:00+08:00", "met" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "pending" },
	{ "progress_report", NULL, 1, NULL, NULL, "pending" },
	} },
{
	"the same without the review stays at level 2", AWARE, 2, 0,
	{ NULL }, NULL, {
	APPROVE("2026-01-10T14:10:00+08:00", 2),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T16:00:00+08:00"),
	}, "2026-01-12T03:00:00+08:00", 12, {
	{ "team_formed", NULL, 0, "2026-01-10T17:00:00+08:00",
	    "2026-01-10T16:00:00+08:00", "met" },
	{ "damage_control", NULL, 0, "2026-01-13T14:00:00+08:00", NULL,
	    "pending" },
	{ "level_review", NULL, 0, "2026-01-10T22:30:00+08:00", NULL,
	    "overdue" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"level lowered 4 -> 2 after reporting", AWARE, 4, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 4),
	REPORT("2026-01-10T14:20:00+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T16:00:00+08:00"),
	REVIEW("2026-01-10T16:20:00+08:00", 2),
	}, "2026-01-12T03:00:00+08:00", 12, {
	/* Late under level 4, on time under level 2. */
	{ "team_formed", NULL, 0, "2026-01-10T17:00:00+08:00",
	    "2026-01-10T16:00:00+08:00", "met" },
	{ "damage_control", NULL, 0, "2026-01-13T14:00:00+08:00", NULL,
	    "pending" },
	/* Reported at level 4: 2 h, met exactly at its due time. */
	{ "level_review", NULL, 0, "2026-01-10T16:20:00+08:00",
	    "2026-01-10T16:20:00+08:00", "met" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"the same without the review stays at level 4", AWARE, 4, 0,
	{ NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 4),
	REPORT("2026-01-10T14:20:00+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T16:00:00+08:00"),
	}, "2026-01-12T03:00:00+08:00", 12, {
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T16:00:00+08:00", "met_late" },
	{ "damage_control", NULL, 0, "2026-01-12T02:00:00+08:00", NULL,
	    "overdue" },
	{ "level_review", NULL, 0, "2026-01-10T16:20:00+08:00", NULL,
	    "overdue" },
	} },
{
	"a later approval also moves the level", AWARE, 2, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:10:00+08:00", 2),
	REPORT("2026-01-10T14:30:00+08:00"),
	APPROVE("2026-01-10T16:00:00+08:00", 3),
	}, "2026-01-10T16:30:00+08:00", 12, {
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00", NULL,
	    "overdue" },
	/* The review was begun at level 2 and keeps it. */
	{ "level_review", NULL, 0, "2026-01-10T22:30:00+08:00", NULL,
	    "pending" },
	} },
{
	"fallback report, not yet backfilled", AWARE, 2, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 2),
	FALLBACK("2026-01-10T14:30:00+08:00"),
	}, "2026-01-11T08:00:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T14:30:00+08:00", "met" },
	{ "backfill_report", NULL, 0, NULL, NULL, "pending" },
	/* P15: the review clock waits for the backfill. */
	{ "level_review", NULL, 0, NULL, NULL, "pending" },
	} },
{
	"backfilled: the review clock runs from the backfill", AWARE, 2, 0,
	{ NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 2),
	FALLBACK("2026-01-10T14:30:00+08:00"),
	/* A review before the backfill does not meet the later clock. */
	REVIEW("2026-01-10T20:00:00+08:00", 2),
	E(EVENT_BACKFILLED, "2026-01-11T09:00:00+08:00"),
	}, "2026-01-11T18:00:00+08:00", 12, {
	{ "backfill_report", NULL, 0, NULL, "2026-01-11T09:00:00+08:00",
	    "met" },
	{ "level_review", NULL, 0, "2026-01-11T17:00:00+08:00", NULL,
	    "overdue" },
	} },
{
	"backfilled and reviewed in time", AWARE, 2, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 2),
	FALLBACK("2026-01-10T14:30:00+08:00"),
	E(EVENT_BACKFILLED, "2026-01-11T09:00:00+08:00"),
	REVIEW("2026-01-11T16:59:59+08:00", 2),
	}, "2026-01-11T18:00:00+08:00", 12, {
	{ "level_review", NULL, 0, "2026-01-11T17:00:00+08:00",
	    "2026-01-11T16:59:59+08:00", "met" },
	} },
{
	/* Our reading: the review keeps the level DoIT receives on the
	 * platform, i.e. the one in force at the backfill. */
	"backfilled after the agency approved a higher level", AWARE, 2, 0,
	{ NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 2),
	FALLBACK("2026-01-10T14:30:00+08:00"),
	APPROVE("2026-01-11T08:00:00+08:00", 3),
	E(EVENT_BACKFILLED, "2026-01-11T09:00:00+08:00"),
	}, "2026-01-11T10:00:00+08:00", 12, {
	{ "level_review", NULL, 0, "2026-01-11T11:00:00+08:00", NULL,
	    "pending" },
	} },
{
	"a change request opens its own review", AWARE, 2, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 2),
	REPORT("2026-01-10T14:30:00+08:00"),
	CHANGE("2026-01-11T10:00:00+08:00", 3),			/* id 3 */
	}, "2026-01-11T11:00:00+08:00", 13, {
	{ "level_review", NULL, 0, "2026-01-10T22:30:00+08:00", NULL,
	    "overdue" },
	/* 2 h by the level requested. */
	{ "level_review", "3", 0, "2026-01-11T12:00:00+08:00", NULL,
	    "pending" },
	/* A request changes nothing until reviewed: still level 2. */
	{ "team_formed", NULL, 0, "2026-01-10T17:00:00+08:00", NULL,
	    "overdue" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"one review meets every open review begun before it", AWARE, 2, 0,
	{ NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 2),
	REPORT("2026-01-10T14:30:00+08:00"),
	CHANGE("2026-01-11T10:00:00+08:00", 3),			/* id 3 */
	REVIEW("2026-01-11T11:30:00+08:00", 3),
	CHANGE("2026-01-11T12:00:00+08:00", 4),			/* id 5 */
	}, "2026-01-11T13:00:00+08:00", 14, {
	{ "level_review", NULL, 0, "2026-01-10T22:30:00+08:00",
	    "2026-01-11T11:30:00+08:00", "met_late" },
	{ "level_review", "3", 0, "2026-01-11T12:00:00+08:00",
	    "2026-01-11T11:30:00+08:00", "met" },
	{ "level_review", "5", 0, "2026-01-11T14:00:00+08:00", NULL,
	    "pending" },
	/* The review set level 3 (the second request is not reviewed). */
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00", NULL,
	    "overdue" },
	{ "damage_control", NULL, 0, "2026-01-12T02:00:00+08:00", NULL,
	    "pending" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "pending" },
	} },
{
	"a change request down to level 1: 8 h", AWARE, 3, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	CHANGE("2026-01-11T10:00:00+08:00", 1),			/* id 3 */
	}, "2026-01-11T11:00:00+08:00", 13, {
	{ "level_review", NULL, 0, "2026-01-10T16:30:00+08:00", NULL,
	    "overdue" },
	{ "level_review", "3", 0, "2026-01-11T18:00:00+08:00", NULL,
	    "pending" },
	} },
{
	/* P14: the report's day is day 1, due at the end of day 3. */
	"central agency, reported at 23:30 Taipei", "2026-01-10T23:00:00+08:00",
	2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	REPORT("2026-01-10T23:30:00+08:00"),
	}, "2026-01-11T00:30:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-11T00:00:00+08:00",
	    "2026-01-10T23:30:00+08:00", "met" },
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00", NULL, "pending" },
	/* Central agencies are reviewed centrally. */
	{ "level_review", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"central agency, reported at 00:10 Taipei the next day",
	"2026-01-10T23:00:00+08:00", 2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	REPORT("2026-01-11T00:10:00+08:00"),
	}, "2026-01-11T00:30:00+08:00", 12, {
	{ "report", NULL, 0, "2026-01-11T00:00:00+08:00",
	    "2026-01-11T00:10:00+08:00", "met_late" },
	{ "cc_doit", NULL, 0, "2026-01-13T23:59:59+08:00", NULL, "pending" },
	} },
{
	"central agency, report time sent in UTC", "2026-01-10T23:00:00+08:00",
	2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T15:10:00Z", 2),
	REPORT("2026-01-10T15:30:00Z"),
	}, "2026-01-11T00:30:00+08:00", 12, {
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00", NULL, "pending" },
	} },
{
	"central agency, copy in the last instant of day 3",
	"2026-01-10T23:00:00+08:00", 2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	REPORT("2026-01-10T23:30:00+08:00"),
	E(EVENT_DOIT_COPIED, "2026-01-12T23:59:59.999999+08:00"),
	}, "2026-01-20T00:00:00+08:00", 12, {
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00",
	    "2026-01-12T23:59:59+08:00", "met" },
	} },
{
	"central agency, copy at 00:00 of day 4", "2026-01-10T23:00:00+08:00",
	2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	REPORT("2026-01-10T23:30:00+08:00"),
	E(EVENT_DOIT_COPIED, "2026-01-13T00:00:00+08:00"),
	}, "2026-01-20T00:00:00+08:00", 12, {
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00",
	    "2026-01-13T00:00:00+08:00", "met_late" },
	} },
{
	"central agency, not copied by 00:00 of day 4",
	"2026-01-10T23:00:00+08:00", 2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	REPORT("2026-01-10T23:30:00+08:00"),
	}, "2026-01-13T00:00:00+08:00", 12, {
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00", NULL,
	    "overdue" },
	} },
{
	"central agency, not copied at 23:59:59.9 of day 3",
	"2026-01-10T23:00:00+08:00", 2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	REPORT("2026-01-10T23:30:00+08:00"),
	}, "2026-01-12T23:59:59.9+08:00", 12, {
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00", NULL,
	    "pending" },
	} },
{
	"central agency, the first of two reports counts",
	"2026-01-10T23:00:00+08:00", 2, F_CENTRAL, { NULL }, NULL, {
	APPROVE("2026-01-10T23:10:00+08:00", 2),
	FALLBACK("2026-01-10T23:30:00+08:00"),
	REPORT("2026-01-11T10:00:00+08:00"),
	}, "2026-01-11T12:00:00+08:00", 12, {
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00", NULL, "pending" },
	} },
{
	"central agency before any report", AWARE, 2, F_CENTRAL, { NULL },
	NULL, { { 0 } }, "2026-01-10T14:30:00+08:00", 12, {
	{ "cc_doit", NULL, 0, NULL, NULL, "pending" },
	} },
{
	"affected agencies: listed, notified late, added by notice", AWARE, 2,
	0, { "doe", "dof", "hsb" }, NULL, {
	NOTIFIED("2026-01-10T14:59:59+08:00", "doe"),
	NOTIFIED("2026-01-10T15:00:01+08:00", "dof"),
	NOTIFIED("2026-01-10T14:30:00+08:00", "ca"),
	NOTIFIED("2026-01-10T14:10:00+08:00", "ca"),
	}, "2026-01-10T15:30:00+08:00", 16, {
	{ "notify_affected", "doe", 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T14:59:59+08:00", "met" },
	{ "notify_affected", "dof", 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T15:00:01+08:00", "met_late" },
	{ "notify_affected", "hsb", 0, "2026-01-10T15:00:00+08:00", NULL,
	    "overdue" },
	/* Not listed: the notice adds it; the earliest notice meets it. */
	{ "notify_affected", "ca", 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T14:10:00+08:00", "met" },
	} },
{
	"an agency listed twice and notified is owed once", AWARE, 2, 0,
	{ "doe", "doe" }, NULL, {
	NOTIFIED("2026-01-10T14:20:00+08:00", "doe"),
	}, "2026-01-10T15:30:00+08:00", 13, {
	{ "notify_affected", "doe", 0, "2026-01-10T15:00:00+08:00",
	    "2026-01-10T14:20:00+08:00", "met" },
	} },
{
	"school, level 0: only P12, P14, P23(2)", AWARE, 0,
	F_SCHOOL | F_CENTRAL | F_PD, { "tpeedu" }, NULL, { { 0 } },
	"2026-01-10T16:00:00+08:00", 13, {
	{ "report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "backfill_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "notify_affected", "tpeedu", 0, "2026-01-10T15:00:00+08:00", NULL,
	    "overdue" },
	{ "cc_doit", NULL, 0, NULL, NULL, "pending" },
	{ "level_review", NULL, 0, NULL, NULL, "not_applicable" },
	{ "team_formed", NULL, 0, NULL, NULL, "not_applicable" },
	{ "response_meeting", NULL, 0, NULL, NULL, "not_applicable" },
	{ "damage_control", NULL, 0, NULL, NULL, "not_applicable" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	/* P23 applies at levels 3-4 (REQUIREMENTS' table). */
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "not_applicable" },
	{ "root_cause", NULL, 0, NULL, NULL, "not_applicable" },
	{ "closure_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"school, level 3, reported, personal data", AWARE, 3,
	F_SCHOOL | F_CENTRAL | F_PD, { NULL }, NULL, {
	APPROVE("2026-01-10T14:10:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_TEAM_FORMED, "2026-01-10T14:40:00+08:00"),
	}, "2026-01-10T16:00:00+08:00", 12, {
	{ "report", NULL, 0, NULL, "2026-01-10T14:30:00+08:00",
	    "not_applicable" },
	{ "cc_doit", NULL, 0, "2026-01-12T23:59:59+08:00", NULL, "pending" },
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "pending" },
	{ "team_formed", NULL, 0, NULL, "2026-01-10T14:40:00+08:00",
	    "not_applicable" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "not_applicable" },
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"school that does not report centrally", AWARE, 1, F_SCHOOL, { NULL },
	NULL, { { 0 } }, "2026-01-10T16:00:00+08:00", 12, {
	{ "cc_doit", NULL, 0, NULL, NULL, "not_applicable" },
	} },
{
	"equipment failure: no root cause; no personal data", AWARE, 4,
	F_EQUIP, { NULL }, NULL, { { 0 } }, "2026-01-10T14:30:00+08:00", 12, {
	{ "root_cause", NULL, 0, NULL, NULL, "not_applicable" },
	{ "pdpa_assessment", NULL, 0, NULL, NULL, "not_applicable" },
	{ "effectiveness_report", NULL, 0, NULL, NULL, "pending" },
	} },
{
	"a tracking meeting is not the response meeting", AWARE, 2, 0,
	{ NULL }, NULL, {
	TRACKING("2026-01-11T10:00:00+08:00"),
	}, "2026-01-11T12:00:00+08:00", 12, {
	{ "response_meeting", NULL, 0, NULL, NULL, "pending" },
	} },
{
	"exercise runs the same clocks", AWARE, 4, F_EXERCISE, { NULL }, NULL,
	{ { 0 } }, "2026-01-10T15:00:01+08:00", 12, {
	{ "report", NULL, 0, "2026-01-10T15:00:00+08:00", NULL, "overdue" },
	{ "team_formed", NULL, 0, "2026-01-10T15:00:00+08:00", NULL,
	    "overdue" },
	} },
{
	/* P31(4): periods of one month from plan_approved on 01-31, so
	 * the first counted day is 02-01: whole calendar months. */
	"progress reports, level 3", AWARE, 3, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-01-20T10:00:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-02-20T10:00:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-04-05T10:00:00+08:00"),
	}, "2026-04-10T12:00:00+08:00", 14, {
	{ "progress_report", NULL, 1, "2026-02-28T23:59:59+08:00",
	    "2026-02-20T10:00:00+08:00", "met" },
	/* The April report meets the overdue March period, late. */
	{ "progress_report", NULL, 2, "2026-03-31T23:59:59+08:00",
	    "2026-04-05T10:00:00+08:00", "met_late" },
	{ "progress_report", NULL, 3, "2026-04-30T23:59:59+08:00", NULL,
	    "pending" },
	} },
{
	"progress reports: two in one period do not cover the next", AWARE, 3,
	0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-02-05T10:00:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-02-20T10:00:00+08:00"),
	}, "2026-04-10T12:00:00+08:00", 14, {
	{ "progress_report", NULL, 1, "2026-02-28T23:59:59+08:00",
	    "2026-02-05T10:00:00+08:00", "met" },
	{ "progress_report", NULL, 2, "2026-03-31T23:59:59+08:00", NULL,
	    "overdue" },
	{ "progress_report", NULL, 3, "2026-04-30T23:59:59+08:00", NULL,
	    "pending" },
	} },
{
	"progress reports stop when every action is done", AWARE, 3, 0,
	{ NULL }, "2026-03-15T00:00:00+08:00", {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	}, "2026-04-10T12:00:00+08:00", 13, {
	{ "progress_report", NULL, 1, "2026-02-28T23:59:59+08:00", NULL,
	    "overdue" },
	{ "progress_report", NULL, 2, "2026-03-31T23:59:59+08:00", NULL,
	    "overdue" },
	} },
{
	"done exactly when period 3 begins: no period 3", AWARE, 3, 0,
	{ NULL }, "2026-04-01T00:00:00+08:00", {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	}, "2026-04-10T12:00:00+08:00", 13, { { 0 } } },
{
	"done a microsecond into period 3: period 3 owed", AWARE, 3, 0,
	{ NULL }, "2026-04-01T00:00:00.000001+08:00", {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	}, "2026-04-10T12:00:00+08:00", 14, {
	{ "progress_report", NULL, 3, "2026-04-30T23:59:59+08:00", NULL,
	    "pending" },
	} },
{
	"progress reports from a mid-month plan", AWARE, 3, 0, { NULL }, NULL, {
	APPROVE("2026-01-10T14:05:00+08:00", 3),
	REPORT("2026-01-10T14:30:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-10T14:00:00+08:00"),
	}, "2026-03-11T00:00:00+08:00", 14, {
	{ "progress_report", NULL, 1, "2026-02-10T23:59:59+08:00", NULL,
	    "overdue" },
	{ "progress_report", NULL, 2, "2026-03-10T23:59:59+08:00", NULL,
	    "overdue" },
	/* Period 3 began at 00:00 on 03-11, counted from the plan. */
	{ "progress_report", NULL, 3, "2026-04-10T23:59:59+08:00", NULL,
	    "pending" },
	} },
{
	"level 2 designated for tracking owes progress reports", AWARE, 2, 0,
	{ NULL }, NULL, {
	E(EVENT_TRACKING_DESIGNATED, "2026-01-20T10:00:00+08:00"),
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-02-28T23:59:59.9+08:00"),
	}, "2026-03-05T12:00:00+08:00", 13, {
	{ "progress_report", NULL, 1, "2026-02-28T23:59:59+08:00",
	    "2026-02-28T23:59:59+08:00", "met" },
	{ "progress_report", NULL, 2, "2026-03-31T23:59:59+08:00", NULL,
	    "pending" },
	} },
{
	"level 2 not designated owes none", AWARE, 2, 0, { NULL }, NULL, {
	E(EVENT_PLAN_APPROVED, "2026-01-31T10:00:00+08:00"),
	E(EVENT_PROGRESS_REPORTED, "2026-02-20T10:00:00+08:00"),
	}, "2026-03-05T12:00:00+08:00", 12, {
	{ "progress_report", NULL, 0, NULL, NULL, "not_applicable" },
	} },
};

/* Builds facts and events of a scenario; ids follow the table order. */
static void
build(const struct scenario *s, struct incident_facts *f,
    struct event *ev, size_t *nev)
{
	size_t	 i, n;

	memset(f, 0, sizeof(*f));
	f->aware_at = T(s->aware);
	f->proposed_level = s->level;
	f->is_school = (s->flags & F_SCHOOL) != 0;
	f->reports_to_central = (s->flags & F_CENTRAL) != 0;
	f->personal_data_involved = (s->flags & F_PD) != 0;
	f->equipment_failure = (s->flags & F_EQUIP) != 0;
	f->exercise = (s->flags & F_EXERCISE) != 0;
	for (n = 0; n < NELEM(s->affected) && s->affected[n] != NULL; n++)
		;
	f->affected_agencies = s->affected;
	f->n_affected = n;
	f->actions_done_at = T(s->done);

	memset(ev, 0, sizeof(*ev) * MAX_EV);
	for (i = 0; i < MAX_EV && s->ev[i].at != NULL; i++) {
		ev[i].id = (int64_t)i + 1;
		ev[i].type = s->ev[i].type;
		ev[i].at = T(s->ev[i].at);
		ev[i].level = s->ev[i].level;
		ev[i].channel = s->ev[i].channel;
		ev[i].kind = s->ev[i].kind;
		ev[i].agency = s->ev[i].agency;
	}
	*nev = i;
}

/* Formats a time or "none" for comparison and messages. */
static const char *
fmt(int64_t t, char *buf, size_t size)
{
	if (t == TBTIME_NONE)
		return "none";
	if (tbtime_format(t, buf, size) != TB_OK)
		fail_msg("unformattable time %lld", (long long)t);
	return buf;
}

/* The list is ordered by due (none last), name, subject, period, and no
 * two entries share a key. */
static void
check_order(const char *what, const struct obligation *o, size_t n)
{
	size_t	 i;

	for (i = 1; i < n; i++) {
		const struct obligation	*a = &o[i - 1], *b = &o[i];
		int			 c;

		if (a->due_at != b->due_at) {
			if (a->due_at == TBTIME_NONE ||
			    (b->due_at != TBTIME_NONE && a->due_at > b->due_at))
				fail_msg("%s: entry %zu out of due order", what,
				    i);
			continue;
		}
		c = strcmp(obligation_name(a->name), obligation_name(b->name));
		if (c == 0)
			c = strcmp(a->subject, b->subject);
		if (c == 0)
			c = a->period - b->period;
		if (c >= 0)
			fail_msg("%s: entry %zu out of order or duplicate",
			    what, i);
	}
}

static void
run_scenario(const struct scenario *s)
{
	struct incident_facts	 f;
	struct event		 ev[MAX_EV];
	struct obligation	 out[OUT_CAP];
	size_t			 nev, need, i, j;
	int			 rc;
	char			 b1[TBTIME_RFC3339_SIZE];
	char			 b2[TBTIME_RFC3339_SIZE];

	build(s, &f, ev, &nev);
	rc = deadline_compute(NULL, &f, ev, nev, T(s->now), out, OUT_CAP,
	    &need);
	if (rc != TB_OK)
		fail_msg("%s: rc %d", s->what, rc);
	if (s->total >= 0 && need != (size_t)s->total)
		fail_msg("%s: %zu obligations, want %d", s->what, need,
		    s->total);
	check_order(s->what, out, need);

	for (i = 0; i < MAX_EXP && s->exp[i].name != NULL; i++) {
		const struct exp_spec	*x = &s->exp[i];
		const struct obligation	*o = NULL;
		const char		*sub = x->subject ? x->subject : "";
		const char		*gd, *gm;

		for (j = 0; j < need; j++)
			if (strcmp(obligation_name(out[j].name),
			    x->name) == 0 &&
			    strcmp(out[j].subject, sub) == 0 &&
			    out[j].period == x->period)
				o = &out[j];
		if (o == NULL)
			fail_msg("%s: no %s/%s/%d", s->what, x->name, sub,
			    x->period);
		gd = fmt(o->due_at, b1, sizeof(b1));
		gm = fmt(o->met_at, b2, sizeof(b2));
		if (strcmp(gd, x->due ? x->due : "none") != 0)
			fail_msg("%s: %s/%s/%d due %s, want %s", s->what,
			    x->name, sub, x->period, gd,
			    x->due ? x->due : "none");
		if (strcmp(gm, x->met ? x->met : "none") != 0)
			fail_msg("%s: %s/%s/%d met %s, want %s", s->what,
			    x->name, sub, x->period, gm,
			    x->met ? x->met : "none");
		if (strcmp(obligation_state_name(o->state), x->state) != 0)
			fail_msg("%s: %s/%s/%d state %s, want %s", s->what,
			    x->name, sub, x->period,
			    obligation_state_name(o->state), x->state);
		/* Day and month periods end at 23:59:59 and are judged by
		 * date; hour periods by the instant. */
		if (o->due_at != TBTIME_NONE && o->by_date !=
		    (strstr(x->due, "T23:59:59+08:00") != NULL))
			fail_msg("%s: %s by_date %d", s->what, x->name,
			    o->by_date);
		if ((o->met_at == TBTIME_NONE) != (o->met_by == 0))
			fail_msg("%s: %s met_by %lld", s->what, x->name,
			    (long long)o->met_by);
	}
}

static void
test_scenarios(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(scenarios); i++)
		run_scenario(&scenarios[i]);
}

/* ------------------------------------------------------------------ */

/* States at the edges of each clock, for both level bands, with nothing
 * done: one microsecond decides between pending and overdue. */
static const struct {
	int		 level;
	const char	*now;
	const char	*name;
	const char	*state;
} edge_rows[] = {
	{ 2, "2026-01-10T15:00:00+08:00", "report", "pending" },
	{ 2, "2026-01-10T15:00:00.000001+08:00", "report", "overdue" },
	{ 4, "2026-01-10T15:00:00+08:00", "report", "pending" },
	{ 4, "2026-01-10T15:00:00.000001+08:00", "report", "overdue" },
	{ 2, "2026-01-10T17:00:00+08:00", "team_formed", "pending" },
	{ 2, "2026-01-10T17:00:00.000001+08:00", "team_formed", "overdue" },
	{ 1, "2026-01-10T16:59:59+08:00", "team_formed", "pending" },
	{ 3, "2026-01-10T15:00:00+08:00", "team_formed", "pending" },
	{ 3, "2026-01-10T15:00:01+08:00", "team_formed", "overdue" },
	{ 2, "2026-01-13T14:00:00+08:00", "damage_control", "pending" },
	{ 2, "2026-01-13T14:00:00.000001+08:00", "damage_control",
	    "overdue" },
	{ 4, "2026-01-12T02:00:00+08:00", "damage_control", "pending" },
	{ 4, "2026-01-12T02:00:00.000001+08:00", "damage_control",
	    "overdue" },
	/* Month periods: the whole last Taipei day, not a second more. */
	{ 2, "2026-02-10T23:59:59+08:00", "closure_report", "pending" },
	{ 2, "2026-02-10T23:59:59.999999+08:00", "closure_report",
	    "pending" },
	{ 2, "2026-02-11T00:00:00+08:00", "closure_report", "overdue" },
	{ 4, "2026-02-10T15:59:59.999999Z", "closure_report", "pending" },
	{ 4, "2026-02-10T16:00:00Z", "closure_report", "overdue" },
	/* No fixed time: never overdue. */
	{ 4, "2030-01-01T00:00:00+08:00", "root_cause", "pending" },
	{ 4, "2030-01-01T00:00:00+08:00", "response_meeting", "pending" },
	{ 4, "2030-01-01T00:00:00+08:00", "effectiveness_report", "pending" },
};

static void
test_clock_edges(void **state)
{
	struct incident_facts	 f;
	struct obligation	 out[OUT_CAP];
	size_t			 i, j, need;

	(void)state;
	for (i = 0; i < NELEM(edge_rows); i++) {
		const struct obligation	*o = NULL;

		memset(&f, 0, sizeof(f));
		f.aware_at = T(AWARE);
		f.proposed_level = edge_rows[i].level;
		f.actions_done_at = TBTIME_NONE;
		assert_int_equal(deadline_compute(NULL, &f, NULL, 0,
		    T(edge_rows[i].now), out, OUT_CAP, &need), TB_OK);
		for (j = 0; j < need; j++)
			if (strcmp(obligation_name(out[j].name),
			    edge_rows[i].name) == 0)
				o = &out[j];
		assert_non_null(o);
		if (strcmp(obligation_state_name(o->state),
		    edge_rows[i].state) != 0)
			fail_msg("row %zu: level %d %s at %s: %s, want %s", i,
			    edge_rows[i].level, edge_rows[i].name,
			    edge_rows[i].now, obligation_state_name(o->state),
			    edge_rows[i].state);
	}
}

/* The exact order of one list: by due time, then name, no-due last. */
static void
test_order(void **state)
{
	static const char *const want[] = {
		"report", "team_formed", "damage_control", "closure_report",
		"backfill_report", "cc_doit", "effectiveness_report",
		"level_review", "pdpa_assessment", "progress_report",
		"response_meeting", "root_cause",
	};
	struct incident_facts	 f;
	struct obligation	 out[OUT_CAP];
	size_t			 i, need;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.aware_at = T(AWARE);
	f.proposed_level = 2;
	f.actions_done_at = TBTIME_NONE;
	assert_int_equal(deadline_compute(NULL, &f, NULL, 0, T(AWARE), out,
	    OUT_CAP, &need), TB_OK);
	assert_int_equal(need, NELEM(want));
	for (i = 0; i < need; i++)
		assert_string_equal(obligation_name(out[i].name), want[i]);
}

/* Same inputs, same bytes: whatever the order of the events, and
 * whether the incident is an exercise (P39: the same clocks). */
static void
test_deterministic(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(scenarios); i++) {
		const struct scenario	*s = &scenarios[i];
		struct incident_facts	 f;
		struct event		 ev[MAX_EV], rev[MAX_EV];
		struct obligation	*a, *b, *c;
		size_t			 nev, na, nb, nc, k;

		build(s, &f, ev, &nev);
		for (k = 0; k < nev; k++)
			rev[k] = ev[nev - 1 - k];
		assert_int_equal(deadline_compute_new(NULL, &f, ev, nev,
		    T(s->now), &a, &na), TB_OK);
		assert_int_equal(deadline_compute_new(NULL, &f, rev, nev,
		    T(s->now), &b, &nb), TB_OK);
		f.exercise = !f.exercise;
		assert_int_equal(deadline_compute_new(NULL, &f, ev, nev,
		    T(s->now), &c, &nc), TB_OK);
		if (na != nb || na != nc ||
		    memcmp(a, b, na * sizeof(*a)) != 0 ||
		    memcmp(a, c, na * sizeof(*a)) != 0)
			fail_msg("%s: output depends on event order or on "
			    "the exercise flag", s->what);
		deadline_free(a);
		deadline_free(b);
		deadline_free(c);
	}
}

/* A short output array is refused with the size needed. */
static void
test_capacity(void **state)
{
	struct incident_facts	 f;
	struct obligation	 out[OUT_CAP], *all;
	const char		*aff[] = { "doe", "dof" };
	size_t			 need, n;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.aware_at = T(AWARE);
	f.proposed_level = 2;
	f.affected_agencies = aff;
	f.n_affected = 2;
	f.actions_done_at = TBTIME_NONE;
	assert_int_equal(deadline_compute(NULL, &f, NULL, 0, T(AWARE), NULL,
	    0, &need), TB_ETOOBIG);
	assert_int_equal(need, 14);
	assert_int_equal(deadline_compute(NULL, &f, NULL, 0, T(AWARE), out,
	    13, &need), TB_ETOOBIG);
	assert_int_equal(need, 14);
	assert_int_equal(deadline_compute(NULL, &f, NULL, 0, T(AWARE), out,
	    14, &need), TB_OK);
	assert_int_equal(deadline_compute_new(NULL, &f, NULL, 0, T(AWARE),
	    &all, &n), TB_OK);
	assert_int_equal(n, 14);
	assert_memory_equal(all, out, n * sizeof(*out));
	deadline_free(all);
	deadline_free(NULL);
}

/* Hundreds of events: no fixed cap on the input. */
static void
test_many_events(void **state)
{
	enum { N = 600 };
	struct incident_facts	 f;
	struct event		*ev;
	struct obligation	*out;
	size_t			 i, n, k = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.aware_at = T(AWARE);
	f.proposed_level = 3;
	f.actions_done_at = TBTIME_NONE;
	ev = calloc(N, sizeof(*ev));
	assert_non_null(ev);
	ev[0] = (struct event){ 1, EVENT_LEVEL_APPROVED, T(AWARE), 3, 0, 0,
	    NULL };
	ev[1] = (struct event){ 2, EVENT_REPORTED, T(AWARE), 0, 0, 0, NULL };
	ev[2] = (struct event){ 3, EVENT_PLAN_APPROVED,
	    T("2026-01-31T10:00:00+08:00"), 0, 0, 0, NULL };
	/* One progress report a week for 597 weeks. */
	for (i = 3; i < N; i++)
		ev[i] = (struct event){ (int64_t)i + 1,
		    EVENT_PROGRESS_REPORTED,
		    T("2026-02-02T10:00:00+08:00") +
		    (int64_t)(i - 3) * 7 * TBTIME_US_PER_DAY, 0, 0, 0, NULL };
	assert_int_equal(deadline_compute_new(NULL, &f, ev, N,
	    T("2037-06-30T00:00:00+08:00"), &out, &n), TB_OK);
	for (i = 0; i < n; i++)
		if (out[i].name == OBLIGATION_PROGRESS_REPORT) {
			k++;
			/* Weekly reports cover every monthly period, the
			 * current one included. */
			assert_int_equal(out[i].state, OBLIGATION_MET);
		}
	/* February 2026 to June 2037: 137 periods. */
	assert_int_equal(k, 137);
	deadline_free(out);
	free(ev);
}

/* A policy with a zero-length progress period still terminates, and an
 * incident seen from far in the future lists a bounded number of periods. */
static void
test_progress_bounds(void **state)
{
	static const enum policy_unit units[] = {
		POLICY_HOURS, POLICY_DAYS, POLICY_MONTHS
	};
	struct policy		 p;
	struct incident_facts	 f;
	struct event		 ev[2];
	struct obligation	*out;
	size_t			 n, i, k;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.aware_at = T(AWARE);
	f.proposed_level = 4;
	f.actions_done_at = TBTIME_NONE;
	memset(ev, 0, sizeof(ev));
	ev[0].id = 1;
	ev[0].type = EVENT_PLAN_APPROVED;
	ev[0].at = T("2026-01-31T10:00:00+08:00");
	for (i = 0; i < NELEM(units); i++) {
		p = policy_builtin(&n)[0];
		p.period[OBLIGATION_PROGRESS_REPORT][POLICY_BAND_HIGH].unit =
		    units[i];
		p.period[OBLIGATION_PROGRESS_REPORT][POLICY_BAND_HIGH].n = 0;
		assert_int_equal(deadline_compute_new(&p, &f, ev, 1,
		    T("2030-01-01T00:00:00+08:00"), &out, &n), TB_OK);
		for (k = 0; k < n; k++)
			if (out[k].name == OBLIGATION_PROGRESS_REPORT)
				assert_true(out[k].period <= 2);
		deadline_free(out);
	}
	/* Monthly from 2026-02 to the end of 9999. */
	assert_int_equal(deadline_compute_new(NULL, &f, ev, 1, INT64_MAX,
	    &out, &n), TB_OK);
	for (k = 0, i = 0; i < n; i++)
		if (out[i].name == OBLIGATION_PROGRESS_REPORT)
			k++;
	/* (9999 - 2026) * 12 + 11 months. */
	assert_int_equal(k, 95687);
	deadline_free(out);
}

/* Inputs the engine refuses. */
static void
test_invalid(void **state)
{
	static const struct {
		const char	*what;
		int		 level;
		bool		 school;
		bool		 no_aware;
		const char	*aff;
		struct event	 ev;
	} rows[] = {
		{ "level 0 outside a school", 0, false, false, "doe",
		    { 1, EVENT_SIGNED, 1, 0, 0, 0, NULL } },
		{ "level 5", 5, false, false, "doe",
		    { 1, EVENT_SIGNED, 1, 0, 0, 0, NULL } },
		{ "no awareness time", 2, false, true, "doe",
		    { 1, EVENT_SIGNED, 1, 0, 0, 0, NULL } },
		{ "approval of level 0 outside a school", 2, false, false,
		    "doe", { 1, EVENT_LEVEL_APPROVED, 1, 0, 0, 0, NULL } },
		{ "review of level 7", 2, true, false, "doe",
		    { 1, EVENT_LEVEL_REVIEWED, 1, 7, 0, 0, NULL } },
		{ "notice without an agency", 2, false, false, "doe",
		    { 1, EVENT_AGENCY_NOTIFIED, 1, 0, 0, 0, NULL } },
		{ "notice with an empty agency", 2, false, false, "doe",
		    { 1, EVENT_AGENCY_NOTIFIED, 1, 0, 0, 0, "" } },
		{ "unknown event type", 2, false, false, "doe",
		    { 1, EVENT__COUNT, 1, 0, 0, 0, NULL } },
		{ "event without a time", 2, false, false, "doe",
		    { 1, EVENT_SIGNED, TBTIME_NONE, 0, 0, 0, NULL } },
		{ "affected agency code too long", 2, false, false,
		    "0123456789012345678901234567890123456789012345678901234567"
		    "890123", { 1, EVENT_SIGNED, 1, 0, 0, 0, NULL } },
		{ "affected agency code empty", 2, false, false, "",
		    { 1, EVENT_SIGNED, 1, 0, 0, 0, NULL } },
	};
	struct obligation	 out[OUT_CAP];
	size_t			 i, need;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		struct incident_facts	 f;
		const char		*aff[1] = { rows[i].aff };

		memset(&f, 0, sizeof(f));
		f.aware_at = rows[i].no_aware ? TBTIME_NONE : T(AWARE);
		f.proposed_level = rows[i].level;
		f.is_school = rows[i].school;
		f.affected_agencies = aff;
		f.n_affected = 1;
		f.actions_done_at = TBTIME_NONE;
		if (deadline_compute(NULL, &f, &rows[i].ev, 1, T(AWARE), out,
		    OUT_CAP, &need) != TB_EINVAL)
			fail_msg("%s: accepted", rows[i].what);
	}
	/* The longest code that fits is accepted. */
	{
		struct incident_facts	 f;
		const char		*aff[1] = {
		    "012345678901234567890123456789012345678901234567890123456"
		    "789012" };

		memset(&f, 0, sizeof(f));
		f.aware_at = T(AWARE);
		f.proposed_level = 2;
		f.affected_agencies = aff;
		f.n_affected = 1;
		f.actions_done_at = TBTIME_NONE;
		assert_int_equal(strlen(aff[0]), DOMAIN_AGENCY_CODE_MAX);
		assert_int_equal(deadline_compute(NULL, &f, NULL, 0, T(AWARE),
		    out, OUT_CAP, &need), TB_OK);
	}
}

/* ------------------------------------------------------------------ */
/* Policy                                                               */
/* ------------------------------------------------------------------ */

/* The built-in policy is REQUIREMENTS' table, from 2019-01-01. */
static void
test_builtin_policy(void **state)
{
	static const struct {
		enum obligation_name	 name;
		enum policy_unit	 unit[2];
		int			 n[2];
	} rows[] = {
		{ OBLIGATION_REPORT, { POLICY_HOURS, POLICY_HOURS }, { 1, 1 } },
		{ OBLIGATION_BACKFILL_REPORT,
		    { POLICY_NO_FIXED_TIME, POLICY_NO_FIXED_TIME }, { 0, 0 } },
		{ OBLIGATION_NOTIFY_AFFECTED, { POLICY_HOURS, POLICY_HOURS },
		    { 1, 1 } },
		{ OBLIGATION_CC_DOIT, { POLICY_DAYS, POLICY_DAYS }, { 3, 3 } },
		{ OBLIGATION_LEVEL_REVIEW, { POLICY_HOURS, POLICY_HOURS },
		    { 8, 2 } },
		{ OBLIGATION_TEAM_FORMED, { POLICY_HOURS, POLICY_HOURS },
		    { 3, 1 } },
		{ OBLIGATION_RESPONSE_MEETING,
		    { POLICY_NO_FIXED_TIME, POLICY_NO_FIXED_TIME }, { 0, 0 } },
		{ OBLIGATION_DAMAGE_CONTROL, { POLICY_HOURS, POLICY_HOURS },
		    { 72, 36 } },
		{ OBLIGATION_EFFECTIVENESS_REPORT,
		    { POLICY_NOT_APPLICABLE, POLICY_NO_FIXED_TIME },
		    { 0, 0 } },
		{ OBLIGATION_PDPA_ASSESSMENT,
		    { POLICY_NOT_APPLICABLE, POLICY_NO_FIXED_TIME },
		    { 0, 0 } },
		{ OBLIGATION_ROOT_CAUSE,
		    { POLICY_NO_FIXED_TIME, POLICY_NO_FIXED_TIME }, { 0, 0 } },
		{ OBLIGATION_CLOSURE_REPORT, { POLICY_MONTHS, POLICY_MONTHS },
		    { 1, 1 } },
		{ OBLIGATION_PROGRESS_REPORT, { POLICY_MONTHS, POLICY_MONTHS },
		    { 1, 1 } },
	};
	const struct policy	*p;
	size_t			 n, i, b;

	(void)state;
	p = policy_builtin(&n);
	assert_int_equal(n, 1);
	assert_string_equal(p->name, "2019-01-01");
	assert_true(p->effective_from.year == 2019 &&
	    p->effective_from.month == 1 && p->effective_from.day == 1);
	assert_int_equal(NELEM(rows), OBLIGATION__INCIDENT_COUNT);
	for (i = 0; i < NELEM(rows); i++)
		for (b = 0; b < 2; b++) {
			const struct policy_period *pp =
			    &p->period[rows[i].name][b];

			if (pp->unit != rows[i].unit[b] ||
			    pp->n != rows[i].n[b])
				fail_msg("%s band %zu: unit %d n %d",
				    obligation_name(rows[i].name), b,
				    pp->unit, pp->n);
			/* Only P14 counts the first day. */
			assert_int_equal(pp->first_day_counted,
			    rows[i].name == OBLIGATION_CC_DOIT);
		}
	for (i = 0; i < OBLIGATION__INCIDENT_COUNT; i++)
		assert_int_equal(p->school[i],
		    i == OBLIGATION_NOTIFY_AFFECTED ||
		    i == OBLIGATION_CC_DOIT || i == OBLIGATION_PDPA_ASSESSMENT);
	assert_int_equal(p->improvement[0].min_months, 3);
	assert_int_equal(p->improvement[0].max_months, 6);
	assert_int_equal(p->improvement[1].max_months, 24);
	/* Before 2019 the first policy is the only one to judge by. */
	assert_ptr_equal(policy_for(T("2016-05-01T00:00:00+08:00")), p);
	assert_ptr_equal(policy_for(T("2026-05-01T00:00:00+08:00")), p);
	assert_int_equal(policy_band_of(0), POLICY_BAND_LOW);
	assert_int_equal(policy_band_of(2), POLICY_BAND_LOW);
	assert_int_equal(policy_band_of(3), POLICY_BAND_HIGH);
	assert_int_equal(policy_band_of(4), POLICY_BAND_HIGH);
}

/*
 * A second policy appended after the first (as a 2026 amendment would be)
 * judges the incidents whose awareness falls on or after its Taipei date;
 * earlier incidents keep the old deadlines.
 */
static void
test_policy_change(void **state)
{
	static const struct {
		const char	*aware;
		bool		 new_policy;
		const char	*report_due;
		const char	*closure_due;
	} rows[] = {
		{ "2026-05-31T23:30:00+08:00", false,
		    "2026-06-01T00:30:00+08:00", "2026-06-30T23:59:59+08:00" },
		{ "2026-05-31T15:59:59Z", false,
		    "2026-06-01T00:59:59+08:00", "2026-06-30T23:59:59+08:00" },
		{ "2026-05-31T16:00:00Z", true,
		    "2026-06-01T02:00:00+08:00", "2026-08-01T23:59:59+08:00" },
		{ "2026-06-01T00:00:00+08:00", true,
		    "2026-06-01T02:00:00+08:00", "2026-08-01T23:59:59+08:00" },
		{ "2027-03-10T09:00:00+08:00", true,
		    "2027-03-10T11:00:00+08:00", "2027-05-10T23:59:59+08:00" },
		{ "2020-03-10T09:00:00+08:00", false,
		    "2020-03-10T10:00:00+08:00", "2020-04-10T23:59:59+08:00" },
	};
	struct policy		 list[2];
	struct obligation	 out[OUT_CAP];
	size_t			 n, i, j, need;
	char			 buf[TBTIME_RFC3339_SIZE];

	(void)state;
	list[0] = policy_builtin(&n)[0];
	list[1] = list[0];
	list[1].name = "2026-06-01";
	list[1].effective_from = (struct tbtime_date){ 2026, 6, 1 };
	list[1].period[OBLIGATION_REPORT][0].n = 2;
	list[1].period[OBLIGATION_REPORT][1].n = 2;
	list[1].period[OBLIGATION_CLOSURE_REPORT][0].n = 2;
	list[1].period[OBLIGATION_CLOSURE_REPORT][1].n = 2;

	for (i = 0; i < NELEM(rows); i++) {
		struct incident_facts	 f;
		const struct policy	*p;
		int			 seen = 0;

		p = policy_pick(list, 2, T(rows[i].aware));
		if (p != &list[rows[i].new_policy ? 1 : 0])
			fail_msg("row %zu: wrong policy %s", i, p->name);
		memset(&f, 0, sizeof(f));
		f.aware_at = T(rows[i].aware);
		f.proposed_level = 2;
		f.actions_done_at = TBTIME_NONE;
		assert_int_equal(deadline_compute(p, &f, NULL, 0, f.aware_at,
		    out, OUT_CAP, &need), TB_OK);
		for (j = 0; j < need; j++) {
			const char	*want = NULL;

			if (out[j].name == OBLIGATION_REPORT)
				want = rows[i].report_due;
			else if (out[j].name == OBLIGATION_CLOSURE_REPORT)
				want = rows[i].closure_due;
			else
				continue;
			seen++;
			assert_int_equal(tbtime_format(out[j].due_at, buf,
			    sizeof(buf)), TB_OK);
			if (strcmp(buf, want) != 0)
				fail_msg("row %zu %s: %s, want %s", i,
				    obligation_name(out[j].name), buf, want);
		}
		assert_int_equal(seen, 2);
	}
	assert_null(policy_pick(list, 0, 0));
}

/* ------------------------------------------------------------------ */
/* Preconditions                                                        */
/* ------------------------------------------------------------------ */

struct pre_row {
	const char	*what;
	int		 level;
	unsigned	 flags;
	struct ev_spec	 ev[MAX_EV];
	struct ev_spec	 nw;
	int		 rc;
	const char	*reason;	/* NULL when accepted */
};

#define NOW	"2026-03-01T00:00:00+08:00"

/* The events of a level 2 incident that may be closed. */
#define CLOSABLE_2 \
	APPROVE("2026-01-10T14:10:00+08:00", 2), \
	REPORT("2026-01-10T14:30:00+08:00"), \
	MEETING("2026-01-11T10:00:00+08:00"), \
	E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00")

#define CLOSE	E(EVENT_CLOSURE_REPORTED, "2026-02-01T10:00:00+08:00")

static const struct pre_row pre_rows[] = {
	{ "report without approval", 2, 0, { { 0 } },
	    REPORT("2026-01-10T14:30:00+08:00"), TB_ECONFLICT,
	    "level_not_approved" },
	{ "report before the approval's at", 2, 0,
	    { APPROVE("2026-01-10T14:40:00+08:00", 2) },
	    REPORT("2026-01-10T14:30:00+08:00"), TB_ECONFLICT,
	    "level_not_approved" },
	{ "report at the approval's instant", 2, 0,
	    { APPROVE("2026-01-10T14:30:00+08:00", 2) },
	    REPORT("2026-01-10T14:30:00+08:00"), TB_OK, NULL },
	{ "fallback report after approval", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2) },
	    FALLBACK("2026-01-10T14:30:00+08:00"), TB_OK, NULL },
	{ "a change request is no approval", 2, 0,
	    { CHANGE("2026-01-10T14:10:00+08:00", 3) },
	    REPORT("2026-01-10T14:30:00+08:00"), TB_ECONFLICT,
	    "level_not_approved" },
	{ "review without a report", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2) },
	    REVIEW("2026-01-10T15:00:00+08:00", 2), TB_ECONFLICT,
	    "not_reported" },
	{ "review dated before the report", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00") },
	    REVIEW("2026-01-10T14:29:59+08:00", 2), TB_ECONFLICT,
	    "not_reported" },
	{ "review after a report", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00") },
	    REVIEW("2026-01-10T14:30:00+08:00", 3), TB_OK, NULL },
	{ "backfill without any report", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2) },
	    E(EVENT_BACKFILLED, "2026-01-11T09:00:00+08:00"), TB_ECONFLICT,
	    "no_fallback_report" },
	{ "backfill of a platform report", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00") },
	    E(EVENT_BACKFILLED, "2026-01-11T09:00:00+08:00"), TB_ECONFLICT,
	    "no_fallback_report" },
	{ "backfill of a fallback report", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      FALLBACK("2026-01-10T14:30:00+08:00") },
	    E(EVENT_BACKFILLED, "2026-01-11T09:00:00+08:00"), TB_OK, NULL },
	{ "an `at` earlier than other events is never refused", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      E(EVENT_DAMAGE_CONTROLLED, "2026-01-11T09:00:00+08:00") },
	    E(EVENT_TEAM_FORMED, "2026-01-10T14:01:00+08:00"), TB_OK, NULL },
	{ "events before awareness are not refused either", 2, 0, { { 0 } },
	    E(EVENT_INFO_PROVIDED, "2026-01-09T10:00:00+08:00"), TB_OK,
	    NULL },
	{ "closure without a report", 2, 0,
	    { MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00") },
	    CLOSE, TB_ECONFLICT, "closure_blocked:report" },
	{ "closure before the backfill", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      FALLBACK("2026-01-10T14:30:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00") },
	    CLOSE, TB_ECONFLICT, "closure_blocked:backfill_report" },
	{ "closure after the backfill", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      FALLBACK("2026-01-10T14:30:00+08:00"),
	      E(EVENT_BACKFILLED, "2026-01-10T18:00:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00") },
	    CLOSE, TB_OK, NULL },
	{ "closure without a response meeting", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      TRACKING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00") },
	    CLOSE, TB_ECONFLICT, "closure_blocked:response_meeting" },
	{ "closure without a root cause", 2, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00") },
	    CLOSE, TB_ECONFLICT, "closure_blocked:root_cause" },
	{ "equipment failure closes without a root cause", 2, F_EQUIP,
	    { APPROVE("2026-01-10T14:10:00+08:00", 2),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00") },
	    CLOSE, TB_OK, NULL },
	{ "level 2 closes without P23 records", 2, F_PD, { CLOSABLE_2 },
	    CLOSE, TB_OK, NULL },
	{ "closure dated before the records is not refused", 2, 0,
	    { CLOSABLE_2 },
	    E(EVENT_CLOSURE_REPORTED, "2026-01-10T15:00:00+08:00"), TB_OK,
	    NULL },
	{ "level 4 with personal data, no assessment", 4, F_PD,
	    { APPROVE("2026-01-10T14:10:00+08:00", 4),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00"),
	      E(EVENT_EFFECTIVENESS_REPORTED, "2026-01-11T12:00:00+08:00") },
	    CLOSE, TB_ECONFLICT, "closure_blocked:pdpa_assessment" },
	{ "level 4, no effectiveness report", 4, 0,
	    { APPROVE("2026-01-10T14:10:00+08:00", 4),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00") },
	    CLOSE, TB_ECONFLICT, "closure_blocked:effectiveness_report" },
	{ "level reviewed down to 2: no P23 records needed", 4, F_PD,
	    { APPROVE("2026-01-10T14:10:00+08:00", 4),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      REVIEW("2026-01-10T15:30:00+08:00", 2),
	      MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00") },
	    CLOSE, TB_OK, NULL },
	{ "level 4 with everything", 4, F_PD,
	    { APPROVE("2026-01-10T14:10:00+08:00", 4),
	      REPORT("2026-01-10T14:30:00+08:00"),
	      MEETING("2026-01-11T10:00:00+08:00"),
	      E(EVENT_ROOT_CAUSE_RECORDED, "2026-01-20T10:00:00+08:00"),
	      E(EVENT_EFFECTIVENESS_REPORTED, "2026-01-11T12:00:00+08:00"),
	      E(EVENT_PDPA_ASSESSED, "2026-01-11T13:00:00+08:00") },
	    CLOSE, TB_OK, NULL },
	{ "closed: no more team changes", 2, 0, { CLOSABLE_2, CLOSE },
	    E(EVENT_TEAM_FORMED, "2026-02-02T10:00:00+08:00"), TB_ECONFLICT,
	    "incident_closed" },
	{ "closed: no second closure", 2, 0, { CLOSABLE_2, CLOSE },
	    CLOSE, TB_ECONFLICT, "incident_closed" },
	{ "closed: no response meeting", 2, 0, { CLOSABLE_2, CLOSE },
	    MEETING("2026-02-02T10:00:00+08:00"), TB_ECONFLICT,
	    "incident_closed" },
	{ "closed: no plan", 2, 0, { CLOSABLE_2, CLOSE },
	    E(EVENT_PLAN_APPROVED, "2026-02-02T10:00:00+08:00"),
	    TB_ECONFLICT, "incident_closed" },
	{ "closed: a tracking meeting is taken", 2, 0, { CLOSABLE_2, CLOSE },
	    TRACKING("2026-02-02T10:00:00+08:00"), TB_OK, NULL },
	{ "closed: a progress report is taken", 2, 0, { CLOSABLE_2, CLOSE },
	    E(EVENT_PROGRESS_REPORTED, "2026-02-02T10:00:00+08:00"), TB_OK,
	    NULL },
	{ "closed: a signature is taken", 2, 0, { CLOSABLE_2, CLOSE },
	    E(EVENT_SIGNED, "2026-02-02T10:00:00+08:00"), TB_OK, NULL },
	{ "an event in the future", 2, 0, { { 0 } },
	    E(EVENT_INFO_PROVIDED, "2026-03-01T00:00:00.000001+08:00"),
	    TB_EINVAL, "at_in_future" },
	{ "an event exactly now", 2, 0, { { 0 } },
	    E(EVENT_INFO_PROVIDED, NOW), TB_OK, NULL },
	{ "level 0 outside a school", 2, 0, { { 0 } },
	    APPROVE("2026-01-10T14:10:00+08:00", 0), TB_EINVAL,
	    "level_invalid" },
	{ "level 0 for a school", 0, F_SCHOOL, { { 0 } },
	    APPROVE("2026-01-10T14:10:00+08:00", 0), TB_OK, NULL },
	{ "level 5", 2, 0, { { 0 } },
	    APPROVE("2026-01-10T14:10:00+08:00", 5), TB_EINVAL,
	    "level_invalid" },
	{ "change request to level 0", 2, 0, { { 0 } },
	    CHANGE("2026-01-10T14:10:00+08:00", 0), TB_EINVAL,
	    "level_invalid" },
	{ "notice without an agency", 2, 0, { { 0 } },
	    NOTIFIED("2026-01-10T14:10:00+08:00", NULL), TB_EINVAL,
	    "agency_missing" },
	{ "notice of an unlisted agency", 2, 0, { { 0 } },
	    NOTIFIED("2026-01-10T14:10:00+08:00", "ca"), TB_OK, NULL },
};

static void
test_preconditions(void **state)
{
	size_t	 i, k;

	(void)state;
	for (i = 0; i < NELEM(pre_rows); i++) {
		const struct pre_row	*r = &pre_rows[i];
		struct incident_facts	 f;
		struct event		 ev[MAX_EV], nw;
		const char		*reason = "unset";
		int			 rc;

		memset(&f, 0, sizeof(f));
		f.aware_at = T(AWARE);
		f.proposed_level = r->level;
		f.is_school = (r->flags & F_SCHOOL) != 0;
		f.personal_data_involved = (r->flags & F_PD) != 0;
		f.equipment_failure = (r->flags & F_EQUIP) != 0;
		f.actions_done_at = TBTIME_NONE;
		memset(ev, 0, sizeof(ev));
		for (k = 0; k < MAX_EV && r->ev[k].at != NULL; k++) {
			ev[k].id = (int64_t)k + 1;
			ev[k].type = r->ev[k].type;
			ev[k].at = T(r->ev[k].at);
			ev[k].level = r->ev[k].level;
			ev[k].channel = r->ev[k].channel;
			ev[k].kind = r->ev[k].kind;
			ev[k].agency = r->ev[k].agency;
		}
		memset(&nw, 0, sizeof(nw));
		nw.id = (int64_t)k + 1;
		nw.type = r->nw.type;
		nw.at = T(r->nw.at);
		nw.level = r->nw.level;
		nw.channel = r->nw.channel;
		nw.kind = r->nw.kind;
		nw.agency = r->nw.agency;

		rc = incident_event_check(NULL, &f, ev, k, &nw, T(NOW),
		    &reason);
		if (rc != r->rc)
			fail_msg("%s: rc %d (%s), want %d", r->what, rc,
			    reason ? reason : "-", r->rc);
		if ((reason == NULL) != (r->reason == NULL) ||
		    (reason != NULL && strcmp(reason, r->reason) != 0))
			fail_msg("%s: reason %s, want %s", r->what,
			    reason ? reason : "NULL",
			    r->reason ? r->reason : "NULL");
	}
}

/* ------------------------------------------------------------------ */
/* States, windows, names                                               */
/* ------------------------------------------------------------------ */

static void
test_state(void **state)
{
	static const struct {
		const char	*due;	/* NULL: none */
		bool		 by_date;
		const char	*met;
		const char	*now;
		enum obligation_state want;
	} rows[] = {
		{ "2026-01-10T15:00:00+08:00", false, NULL,
		    "2026-01-10T15:00:00+08:00", OBLIGATION_PENDING },
		{ "2026-01-10T15:00:00+08:00", false, NULL,
		    "2026-01-10T15:00:00.000001+08:00", OBLIGATION_OVERDUE },
		{ "2026-01-10T15:00:00+08:00", false,
		    "2026-01-10T15:00:00+08:00", "2026-01-11T00:00:00+08:00",
		    OBLIGATION_MET },
		{ "2026-01-10T15:00:00+08:00", false,
		    "2026-01-10T15:00:00.000001+08:00",
		    "2026-01-11T00:00:00+08:00", OBLIGATION_MET_LATE },
		/* Met later than now (recorded after the fact) is met. */
		{ "2026-01-10T15:00:00+08:00", false,
		    "2026-01-10T14:00:00+08:00", "2026-01-09T00:00:00+08:00",
		    OBLIGATION_MET },
		{ "2026-02-10T23:59:59+08:00", true, NULL,
		    "2026-02-10T23:59:59.999999+08:00", OBLIGATION_PENDING },
		{ "2026-02-10T23:59:59+08:00", true, NULL,
		    "2026-02-11T00:00:00+08:00", OBLIGATION_OVERDUE },
		{ "2026-02-10T23:59:59+08:00", true,
		    "2026-02-11T00:00:00+08:00", "2026-02-12T00:00:00+08:00",
		    OBLIGATION_MET_LATE },
		{ NULL, false, NULL, "2099-01-01T00:00:00+08:00",
		    OBLIGATION_PENDING },
		{ NULL, false, "2026-01-10T15:00:00+08:00",
		    "2099-01-01T00:00:00+08:00", OBLIGATION_MET },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++)
		if (deadline_state(T(rows[i].due), rows[i].by_date,
		    T(rows[i].met), T(rows[i].now)) != rows[i].want)
			fail_msg("row %zu", i);
}

/* overdue_from agrees with deadline_state at the instant itself and one
 * microsecond before it. */
static void
test_overdue_from(void **state)
{
	static const struct {
		const char	*due;
		bool		 by_date;
		const char	*want;
	} rows[] = {
		{ "2026-01-10T15:00:00+08:00", false,
		    "2026-01-10T15:00:00.000001+08:00" },
		{ "2026-02-10T23:59:59+08:00", true,
		    "2026-02-11T00:00:00+08:00" },
		{ "2026-12-31T23:59:59+08:00", true,
		    "2027-01-01T00:00:00+08:00" },
		{ "2028-02-28T23:59:59+08:00", true,
		    "2028-02-29T00:00:00+08:00" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		int64_t	 due = T(rows[i].due);
		int64_t	 from = deadline_overdue_from(due, rows[i].by_date);

		assert_true(from == T(rows[i].want));
		assert_int_equal(deadline_state(due, rows[i].by_date,
		    TBTIME_NONE, from), OBLIGATION_OVERDUE);
		assert_int_equal(deadline_state(due, rows[i].by_date,
		    TBTIME_NONE, from - 1), OBLIGATION_PENDING);
	}
	assert_true(deadline_overdue_from(TBTIME_NONE, true) == TBTIME_NONE);
}

static void
test_improvement(void **state)
{
	static const struct {
		const char		*plan;
		enum improvement_term	 term;
		const char		*due;
		int			 rc;
		const char		*reason;
	} rows[] = {
		/* Plan 01-10: first counted day 01-11; 3 months end 04-10,
		 * 6 months end 07-10, 24 months end 2028-01-10. */
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_MEDIUM, "2026-04-09",
		    TB_ERANGE, "improvement_due_before_window" },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_MEDIUM, "2026-04-10",
		    TB_OK, NULL },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_MEDIUM, "2026-07-10",
		    TB_OK, NULL },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_MEDIUM, "2026-07-11",
		    TB_ERANGE, "improvement_due_after_window" },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_LONG, "2026-01-10",
		    TB_OK, NULL },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_LONG, "2026-01-09",
		    TB_ERANGE, "improvement_due_before_window" },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_LONG, "2028-01-10",
		    TB_OK, NULL },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_LONG, "2028-01-11",
		    TB_ERANGE, "improvement_due_after_window" },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_SHORT, "2026-01-09",
		    TB_ERANGE, "improvement_due_before_window" },
		{ "2026-01-10T14:00:00+08:00", IMPROVEMENT_SHORT, "9999-12-31",
		    TB_OK, NULL },
		/* Month ends: plan 08-30, first counted day 08-31; November
		 * and February have no 31st. */
		{ "2026-08-30T10:00:00+08:00", IMPROVEMENT_MEDIUM, "2026-11-29",
		    TB_ERANGE, "improvement_due_before_window" },
		{ "2026-08-30T10:00:00+08:00", IMPROVEMENT_MEDIUM, "2026-11-30",
		    TB_OK, NULL },
		{ "2026-08-30T10:00:00+08:00", IMPROVEMENT_MEDIUM, "2027-02-28",
		    TB_OK, NULL },
		{ "2026-08-30T10:00:00+08:00", IMPROVEMENT_MEDIUM, "2027-03-01",
		    TB_ERANGE, "improvement_due_after_window" },
		/* Leap year: plan 2026-02-28, first counted day 03-01,
		 * 24 whole months end 2028-02-29. */
		{ "2026-02-28T10:00:00+08:00", IMPROVEMENT_LONG, "2028-02-29",
		    TB_OK, NULL },
		{ "2026-02-28T10:00:00+08:00", IMPROVEMENT_LONG, "2028-03-01",
		    TB_ERANGE, "improvement_due_after_window" },
		/* The plan's Taipei date, whatever offset it was sent in. */
		{ "2026-01-10T16:30:00Z", IMPROVEMENT_LONG, "2026-01-10",
		    TB_ERANGE, "improvement_due_before_window" },
	};
	struct tbtime_date	 bad = { 2026, 2, 30 }, lo, hi;
	const char		*reason;
	size_t			 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		struct tbtime_date	 due;
		int			 rc;

		assert_int_equal(tbtime_parse_date(rows[i].due,
		    strlen(rows[i].due), &due), TB_OK);
		reason = "unset";
		rc = improvement_due_check(NULL, rows[i].term,
		    T(rows[i].plan), &due, &reason);
		if (rc != rows[i].rc || (reason == NULL) !=
		    (rows[i].reason == NULL) || (reason != NULL &&
		    strcmp(reason, rows[i].reason) != 0))
			fail_msg("row %zu (%s %s): rc %d %s", i,
			    improvement_term_name(rows[i].term), rows[i].due,
			    rc, reason ? reason : "NULL");
	}
	assert_int_equal(improvement_due_check(NULL, IMPROVEMENT_MEDIUM,
	    T(AWARE), &bad, &reason), TB_EINVAL);
	assert_string_equal(reason, "improvement_invalid");
	assert_int_equal(improvement_due_check(NULL, IMPROVEMENT_MEDIUM,
	    TBTIME_NONE, &lo, &reason), TB_EINVAL);
	assert_int_equal(improvement_window(NULL, (enum improvement_term)9,
	    T(AWARE), &lo, &hi), TB_EINVAL);
	assert_int_equal(improvement_window(NULL, IMPROVEMENT_MEDIUM,
	    T(AWARE), &lo, &hi), TB_OK);
	assert_true(lo.year == 2026 && lo.month == 4 && lo.day == 10);
	assert_true(hi.year == 2026 && hi.month == 7 && hi.day == 10);
}

static void
test_names(void **state)
{
	static const char *const obl[] = {
		"report", "backfill_report", "notify_affected", "cc_doit",
		"level_review", "team_formed", "response_meeting",
		"damage_control", "effectiveness_report", "pdpa_assessment",
		"root_cause", "closure_report", "progress_report",
		"improvement_medium", "improvement_long",
		"window_change_notice", "drill_report", "exercise_reports",
		"re_exercise",
	};
	static const char *const evt[] = {
		"level_approved", "reported", "backfilled", "agency_notified",
		"doit_copied", "info_requested", "info_provided",
		"level_reviewed", "level_change_requested", "team_formed",
		"meeting_held", "tracking_designated", "damage_controlled",
		"effectiveness_reported", "pdpa_assessed",
		"root_cause_recorded", "plan_approved", "progress_reported",
		"closure_reported", "signed",
	};
	static const char *const st[] = {
		"pending", "met", "met_late", "overdue", "not_applicable",
	};
	static const char *const bad[] = {
		"", "Report", "report ", "unknown", "met-late",
	};
	enum obligation_name	 on;
	enum obligation_state	 os;
	enum event_type		 et;
	enum event_channel	 ec;
	enum event_meeting_kind	 mk;
	enum improvement_term	 it;
	size_t			 i;

	(void)state;
	assert_int_equal(NELEM(obl), OBLIGATION__COUNT);
	for (i = 0; i < NELEM(obl); i++) {
		assert_int_equal(obligation_from_name(obl[i], &on), TB_OK);
		assert_int_equal(on, i);
		assert_string_equal(obligation_name(on), obl[i]);
	}
	assert_int_equal(NELEM(evt), EVENT__COUNT);
	for (i = 0; i < NELEM(evt); i++) {
		assert_int_equal(event_type_from_name(evt[i], &et), TB_OK);
		assert_int_equal(et, i);
		assert_string_equal(event_type_name(et), evt[i]);
	}
	for (i = 0; i < NELEM(st); i++) {
		assert_int_equal(obligation_state_from_name(st[i], &os),
		    TB_OK);
		assert_int_equal(os, i);
		assert_string_equal(obligation_state_name(os), st[i]);
	}
	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(obligation_from_name(bad[i], &on), TB_EINVAL);
		assert_int_equal(event_type_from_name(bad[i], &et), TB_EINVAL);
		assert_int_equal(obligation_state_from_name(bad[i], &os),
		    TB_EINVAL);
		assert_int_equal(event_channel_from_name(bad[i], &ec),
		    TB_EINVAL);
		assert_int_equal(event_meeting_kind_from_name(bad[i], &mk),
		    TB_EINVAL);
		assert_int_equal(improvement_term_from_name(bad[i], &it),
		    TB_EINVAL);
	}
	assert_null(obligation_name(OBLIGATION__COUNT));
	assert_null(event_type_name(EVENT__COUNT));
	assert_null(obligation_state_name((enum obligation_state)5));
	assert_int_equal(event_channel_from_name("fallback", &ec), TB_OK);
	assert_int_equal(ec, EVENT_CHANNEL_FALLBACK);
	assert_string_equal(event_channel_name(EVENT_CHANNEL_PLATFORM),
	    "platform");
	assert_int_equal(event_meeting_kind_from_name("tracking", &mk), TB_OK);
	assert_int_equal(mk, EVENT_MEETING_TRACKING);
	assert_string_equal(event_meeting_kind_name(EVENT_MEETING_RESPONSE),
	    "response");
	assert_int_equal(improvement_term_from_name("long", &it), TB_OK);
	assert_int_equal(it, IMPROVEMENT_LONG);
	assert_string_equal(improvement_term_name(IMPROVEMENT_MEDIUM),
	    "medium");
	assert_int_equal(obligation_from_name(NULL, &on), TB_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_clock_edges),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_many_events),
		cmocka_unit_test(test_progress_bounds),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_builtin_policy),
		cmocka_unit_test(test_policy_change),
		cmocka_unit_test(test_preconditions),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_overdue_from),
		cmocka_unit_test(test_improvement),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
