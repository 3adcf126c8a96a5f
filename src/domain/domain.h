/*
 * domain.h: the rules of the procedure, as pure functions.
 *
 * Everything here is computation on values the caller passes in: no I/O, no
 * SQL, no JSON, no clock reads ("now" is always a parameter), so every rule
 * of spec/REQUIREMENTS.md can be unit-tested on its own (STYLE.md 1).
 *
 * Parts, one file each:
 *   tbtime.c    the rules of time: RFC 3339, Taipei dates, periods, ROC dates
 *   level.c     the level table helper (P10)
 *   policy.c    the policy data (level table, every period) and its dates
 *   incident.c  event types, the level in force, event preconditions
 *   deadline.c  the deadline engine (P10-P31) and the P29 windows
 *
 * Times are int64_t microseconds since the Unix epoch, UTC.  TBTIME_NONE
 * stands for "no time" (no due time, not met, not done).
 *
 * Ownership: no function keeps a pointer it was given past its return, and
 * every string a function returns is static unless said otherwise.
 * docs/internals/deadlines.md describes the engine and its rules.
 */
#ifndef TB_DOMAIN_H
#define TB_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* ------------------------------------------------------------------ */
/* Time (tbtime.c)                                                      */
/* ------------------------------------------------------------------ */

/* "No time": no due time, not met, not done.  Never a valid instant. */
#define TBTIME_NONE		INT64_MIN
#define TBTIME_US_PER_SEC	INT64_C(1000000)
#define TBTIME_US_PER_HOUR	(INT64_C(3600) * TBTIME_US_PER_SEC)
#define TBTIME_US_PER_DAY	(INT64_C(86400) * TBTIME_US_PER_SEC)
/* Asia/Taipei is UTC+8 all year, with no daylight saving (Rules of time). */
#define TBTIME_TAIPEI_OFFSET_US	(INT64_C(8) * TBTIME_US_PER_HOUR)

/* Buffer sizes, NUL included, for the formatting functions below. */
#define TBTIME_RFC3339_SIZE	26	/* 2026-01-10T14:00:00+08:00 */
#define TBTIME_DATE_SIZE	11	/* 2026-01-10 */
#define TBTIME_ROC_SIZE		48	/* 中華民國115年11月25日 16時30分 */

/* A civil date in the proleptic Gregorian calendar (a Taipei date when it
 * comes from tbtime_taipei_date). */
struct tbtime_date {
	int	year;	/* 1970..9999 for dates that went through a parser */
	int	month;	/* 1..12 */
	int	day;	/* 1..days in that month */
};

/*
 * Parses an RFC 3339 date-time with a required offset ("Z" or "+hh:mm" /
 * "-hh:mm"), e.g. "2026-01-10T14:00:00+08:00" or "2026-01-10T06:00:00.5Z",
 * into *out.  Fractional seconds keep at most 6 digits (more, up to 9, are
 * accepted and truncated).  "T"/"t" and "Z"/"z" are accepted, as RFC 3339
 * allows; a space instead of "T" is not.  Strict: a missing offset, an
 * impossible date (Feb 30), a field out of range (hour 24, leap second 60,
 * offset hour above 23), leading or trailing garbage are TB_EINVAL; a year
 * outside 1970..9999 is TB_ERANGE.  *out is untouched on error.
 */
int	tbtime_parse(const char *s, int64_t *out);
/* As tbtime_parse for a slice of len bytes that need not end in NUL. */
int	tbtime_parse_n(const char *s, size_t len, int64_t *out);

/*
 * Parses a date "YYYY-MM-DD" (years 1970..9999) into *out, as strictly as
 * tbtime_parse.  TB_EINVAL on a malformed or impossible date, TB_ERANGE on a
 * year outside the range.
 */
int	tbtime_parse_date(const char *s, size_t len, struct tbtime_date *out);

/*
 * Writes t as RFC 3339 in Taipei time with seconds precision and the offset
 * "+08:00" (fractions are dropped, never rounded up), NUL-terminated, into
 * buf of size bytes (TBTIME_RFC3339_SIZE suffices).  TB_ETOOBIG if buf is
 * too small, TB_ERANGE if the Taipei year is outside 0..9999 or t is
 * TBTIME_NONE; buf holds "" on error when size > 0.
 */
int	tbtime_format(int64_t t, char *buf, size_t size);

/* Writes a date as "YYYY-MM-DD"; errors as tbtime_format. */
int	tbtime_format_date(const struct tbtime_date *d, char *buf,
	    size_t size);

/*
 * Writes t in the ROC calendar for official printouts, in Taipei time:
 * "中華民國115年11月25日 16時30分" (year = Western year - 1911, 24-hour
 * clock).  Numbers are not zero-padded, as official documents write them
 * (中華民國115年1月5日 9時5分).  Errors as tbtime_format; TB_ERANGE also
 * before the ROC era (1912).
 */
int	tbtime_format_roc(int64_t t, char *buf, size_t size);
/* As tbtime_format_roc for a date alone: "中華民國115年11月25日". */
int	tbtime_format_roc_date(const struct tbtime_date *d, char *buf,
	    size_t size);

/* Returns true for Gregorian leap years (2000 and 2024 yes, 2100 no). */
bool	tbtime_is_leap(int year);
/* Days in a month (1..12) of a year; 0 for a month out of range. */
int	tbtime_days_in_month(int year, int month);
/* Returns true when d names a real date (any year, month 1..12, day in
 * range). */
bool	tbtime_date_valid(const struct tbtime_date *d);
/* Compares two dates: negative, 0 or positive as a is before, equal to or
 * after b. */
int	tbtime_date_cmp(const struct tbtime_date *a,
	    const struct tbtime_date *b);
/* The date n days after d (n may be negative); d must be valid. */
struct tbtime_date tbtime_date_add_days(const struct tbtime_date *d,
	    int64_t n);

/* The Taipei civil date of the instant t. */
struct tbtime_date tbtime_taipei_date(int64_t t);
/* The instant 00:00:00.000000 Taipei time of date d. */
int64_t	tbtime_day_start(const struct tbtime_date *d);
/*
 * The instant 23:59:59.000000 Taipei time of date d: the due_at of a day or
 * month period ending on d (Rules of time).  Being on time is judged by the
 * Taipei date, so anything up to 23:59:59.999999 of d is still on time.
 */
int64_t	tbtime_day_end(const struct tbtime_date *d);

/* A period of N hours from start runs to the exact instant N hours later,
 * seconds included (Rules of time): aware 10:17:30 -> due 11:17:30. */
int64_t	tbtime_hours_end(int64_t start, int hours);

/*
 * The last day of a period of n days (n >= 1) that starts at the instant
 * start (民法 120-121, 行政程序法 48): the first day, start's Taipei date, is
 * not counted unless first_day_counted (P14 counts it), so the last day is
 * that date + n, or + n - 1 when counted.
 */
struct tbtime_date tbtime_days_last(int64_t start, int n,
	    bool first_day_counted);

/*
 * The last day of a period of n months (n >= 1) that starts at the instant
 * start.  The first counted day F is start's Taipei date, or the next day
 * unless first_day_counted.  When F is the 1st of a month, the period is n
 * whole calendar months; otherwise it ends on the day before day F.day of
 * the month n months after F's, or on that month's last day when it has no
 * such day.  Aware 2026-01-10 14:00 +08:00, one month -> 2026-02-10.
 */
struct tbtime_date tbtime_months_last(int64_t start, int n,
	    bool first_day_counted);

/*
 * Whether met is on time for due.  by_date: day and month periods are met
 * on time on or before the Taipei date of due; otherwise (hours) met must
 * not be later than due itself.
 */
bool	tbtime_on_time(int64_t met, int64_t due, bool by_date);

/* ------------------------------------------------------------------ */
/* Judging the level (level.c, P10)                                     */
/* ------------------------------------------------------------------ */

/* The rows of the level table: what was hit. */
enum level_asset {
	LEVEL_ASSET_NON_CORE = 0,	/* non_core */
	LEVEL_ASSET_CORE,		/* core (no critical infrastructure) */
	LEVEL_ASSET_CORE_CI,		/* core_critical_infrastructure */
	LEVEL_ASSET_SECRET_SENSITIVE,	/* official_secret_or_sensitive */
	LEVEL_ASSET_NATIONAL_SECRET,	/* national_secret */
	LEVEL_ASSET__COUNT
};

/* The columns of the level table: the effect on C, I or A. */
enum level_effect {
	LEVEL_EFFECT_CI_MINOR = 0,	/* ci_minor: leak/tampering, minor */
	LEVEL_EFFECT_CI_SERIOUS,	/* ci_serious */
	LEVEL_EFFECT_A_IN_TIME,		/* a_restored_in_time: back within
					 * the tolerable downtime */
	LEVEL_EFFECT_A_NOT_IN_TIME,	/* a_not_restored_in_time */
	LEVEL_EFFECT__COUNT
};

/* One answer to the level questions: an effect on one kind of asset. */
struct level_answer {
	enum level_asset	asset;
	enum level_effect	effect;
};

/* What the helper proposes, and the cell of the table that gave it. */
struct level_result {
	int			level;	/* 1..4 */
	enum level_asset	asset;	/* row that gave the level */
	enum level_effect	effect;	/* column that gave the level */
	size_t			index;	/* index of that answer in the input */
};

/* Returns true when level is allowed: 1..4, or 0 for a school (P41). */
bool	level_valid(int level, bool is_school);

struct policy;

/*
 * Proposes a level from n >= 1 answers by the level table of pol (NULL: the
 * newest built-in policy) as the highest level any one effect reaches
 * (P10): *out gets the level and the first answer (in input order) that
 * reached it.  TB_EINVAL when n is 0, an answer is out of range or names a
 * "—" cell of the table (an A effect on secrets); then out->index names the
 * offending answer and the other fields are unspecified.
 */
int	level_judge(const struct policy *pol, const struct level_answer *a,
	    size_t n, struct level_result *out);

/* API names of rows and columns ("core_critical_infrastructure",
 * "ci_serious"); NULL for a value out of range. */
const char *level_asset_name(enum level_asset a);
const char *level_effect_name(enum level_effect e);
/* Reverse of the above; TB_EINVAL for an unknown name. */
int	level_asset_from_name(const char *s, enum level_asset *out);
int	level_effect_from_name(const char *s, enum level_effect *out);

/* ------------------------------------------------------------------ */
/* Obligations and the policy (policy.c)                                */
/* ------------------------------------------------------------------ */

/*
 * Obligation names, part of the API.  The ones before
 * OBLIGATION__INCIDENT_COUNT are computed by deadline_compute(); the
 * improvement windows are checked per action (improvement_due_check());
 * the last four belong to agencies, drills and exercises and are named here
 * so that every obligation name has one spelling.  Store and API keep the
 * names, never these numbers, so a name may be added anywhere.
 */
enum obligation_name {
	OBLIGATION_REPORT = 0,		/* P10 */
	OBLIGATION_BACKFILL_REPORT,	/* P11 */
	OBLIGATION_NOTIFY_AFFECTED,	/* P12, one per affected agency */
	OBLIGATION_CC_DOIT,		/* P14 */
	OBLIGATION_LEVEL_REVIEW,	/* P15, and P17 per change request */
	OBLIGATION_TEAM_FORMED,		/* P18 */
	OBLIGATION_RESPONSE_MEETING,	/* P20 */
	OBLIGATION_DAMAGE_CONTROL,	/* P21 */
	OBLIGATION_EFFECTIVENESS_REPORT,/* P23(1) */
	OBLIGATION_PDPA_ASSESSMENT,	/* P23(2) */
	OBLIGATION_ROOT_CAUSE,		/* P28 */
	OBLIGATION_CLOSURE_REPORT,	/* P31(5) */
	OBLIGATION_PROGRESS_REPORT,	/* P31(4), one per period */
	OBLIGATION__INCIDENT_COUNT,
	OBLIGATION_IMPROVEMENT_MEDIUM = OBLIGATION__INCIDENT_COUNT, /* P29 */
	OBLIGATION_IMPROVEMENT_LONG,	/* P29 */
	OBLIGATION_WINDOW_CHANGE_NOTICE,/* P8 */
	OBLIGATION_DRILL_REPORT,	/* P35 */
	OBLIGATION_EXERCISE_REPORTS,	/* P39 */
	OBLIGATION_RE_EXERCISE,		/* P39 */
	OBLIGATION__COUNT
};

/* Returns the API name ("closure_report"); NULL when out of range. */
const char *obligation_name(enum obligation_name n);
/* Reverse of obligation_name(); TB_EINVAL for an unknown name. */
int	obligation_from_name(const char *s, enum obligation_name *out);

/* How a period is counted. */
enum policy_unit {
	POLICY_NOT_APPLICABLE = 0,	/* not owed at this level band */
	POLICY_NO_FIXED_TIME,		/* owed until met, never overdue */
	POLICY_HOURS,			/* from the exact instant */
	POLICY_DAYS,			/* whole Taipei days, ends 23:59:59 */
	POLICY_MONTHS			/* by the month rule, ends 23:59:59 */
};

/* One period of the deadline table. */
struct policy_period {
	enum policy_unit	unit;
	int			n;	/* hours, days or months; else 0 */
	bool			first_day_counted; /* days/months: P14 "(含)" */
};

/* Level bands: the deadline table has one column for levels 1-2 (and a
 * school's level 0) and one for levels 3-4. */
enum policy_band {
	POLICY_BAND_LOW = 0,	/* levels 0, 1, 2 */
	POLICY_BAND_HIGH,	/* levels 3, 4 */
	POLICY_BAND__COUNT
};

/* Returns the band of a level (0-2 low, 3-4 high). */
enum policy_band policy_band_of(int level);

/* A P29 window for improvement actions, in months from plan_approved. */
struct policy_window {
	int	min_months;	/* 0: no lower bound but the plan's date */
	int	max_months;
};

/*
 * A policy: the level table and every period, as data, with the date it
 * took effect (Rules of time: an incident is judged by the policy in force
 * at its aware_at).  A new policy is a new element appended to the built-in
 * array in policy.c, never an edit of an old one, so incidents already
 * judged keep their deadlines.
 */
struct policy {
	/* Stable id, e.g. "2019-01-01", to record which policy judged. */
	const char		*name;
	/* The Taipei date it took effect, from 00:00 Taipei time. */
	struct tbtime_date	 effective_from;
	/* Level per row and column of the P10 table; 0 is a "—" cell. */
	signed char		 level_table[LEVEL_ASSET__COUNT]
				     [LEVEL_EFFECT__COUNT];
	/* The deadline table, per incident obligation and level band. */
	struct policy_period	 period[OBLIGATION__INCIDENT_COUNT]
				     [POLICY_BAND__COUNT];
	/* Which incident obligations a school owes (P41); the others are
	 * not_applicable for schools. */
	bool			 school[OBLIGATION__INCIDENT_COUNT];
	/* P29 windows: [0] medium term, [1] long term. */
	struct policy_window	 improvement[2];
};

/* The built-in policies, ordered by effective_from; *n gets the count. */
const struct policy *policy_builtin(size_t *n);

/*
 * Returns the policy in force at the instant at among n policies sorted by
 * effective_from: the last one whose effective date is on or before at's
 * Taipei date.  An instant before the first policy gets the first (there is
 * nothing older to judge by).  NULL only when n is 0.
 */
const struct policy *policy_pick(const struct policy *list, size_t n,
	    int64_t at);
/* policy_pick() over the built-in list; never NULL. */
const struct policy *policy_for(int64_t at);

/* ------------------------------------------------------------------ */
/* Events (incident.c)                                                  */
/* ------------------------------------------------------------------ */

/* Event types, exactly those of REQUIREMENTS "Events". */
enum event_type {
	EVENT_LEVEL_APPROVED = 0,
	EVENT_REPORTED,
	EVENT_BACKFILLED,
	EVENT_AGENCY_NOTIFIED,
	EVENT_DOIT_COPIED,
	EVENT_INFO_REQUESTED,
	EVENT_INFO_PROVIDED,
	EVENT_LEVEL_REVIEWED,
	EVENT_LEVEL_CHANGE_REQUESTED,
	EVENT_TEAM_FORMED,
	EVENT_MEETING_HELD,
	EVENT_TRACKING_DESIGNATED,
	EVENT_DAMAGE_CONTROLLED,
	EVENT_EFFECTIVENESS_REPORTED,
	EVENT_PDPA_ASSESSED,
	EVENT_ROOT_CAUSE_RECORDED,
	EVENT_PLAN_APPROVED,
	EVENT_PROGRESS_REPORTED,
	EVENT_CLOSURE_REPORTED,
	EVENT_SIGNED,
	EVENT__COUNT
};

/* The channel of a `reported` event (P10, P11). */
enum event_channel {
	EVENT_CHANNEL_PLATFORM = 0,
	EVENT_CHANNEL_FALLBACK
};

/* The kind of a `meeting_held` event (P20, P31). */
enum event_meeting_kind {
	EVENT_MEETING_RESPONSE = 0,	/* the default */
	EVENT_MEETING_TRACKING
};

/*
 * One event of an incident's timeline, with only the fields the rules read;
 * the rest (references, reasons, minutes) stay with the caller.
 */
struct event {
	int64_t			 id;	/* > 0, unique in the incident; a later
					 * recording has a larger id */
	enum event_type		 type;
	int64_t			 at;	/* when it happened */
	int			 level;	/* level_approved, level_reviewed,
					 * level_change_requested */
	enum event_channel	 channel; /* reported */
	enum event_meeting_kind	 kind;	/* meeting_held */
	const char		*agency; /* agency_notified: agency code
					  * (borrowed); else NULL */
};

/* API name of an event type ("level_approved"); NULL when out of range. */
const char *event_type_name(enum event_type t);
/* Reverse of event_type_name(); TB_EINVAL for an unknown name. */
int	event_type_from_name(const char *s, enum event_type *out);
/* "platform"/"fallback" and back; NULL or TB_EINVAL as above. */
const char *event_channel_name(enum event_channel c);
int	event_channel_from_name(const char *s, enum event_channel *out);
/* "response"/"tracking" and back; NULL or TB_EINVAL as above. */
const char *event_meeting_kind_name(enum event_meeting_kind k);
int	event_meeting_kind_from_name(const char *s,
	    enum event_meeting_kind *out);

/*
 * The facts of an incident the rules read.  Strings are borrowed for the
 * duration of a call.
 */
struct incident_facts {
	int64_t		  aware_at;	/* P10, P13: the clocks start here */
	int		  proposed_level; /* the level the agency proposed */
	bool		  is_school;	/* P41 */
	/* P14/P15: the agency reports to a central-government agency (the
	 * agency record defaults this to true for schools, P41). */
	bool		  reports_to_central;
	bool		  personal_data_involved; /* P23(2) */
	/* P28: category `equipment` with symptom damaged device, power fault
	 * or network outage (a lost device is not a failure). */
	bool		  equipment_failure;
	/* P39: exercises run the same clocks; carried so callers pass the
	 * whole incident, and never changes a deadline. */
	bool		  exercise;
	const char *const *affected_agencies; /* P12 codes; may be NULL */
	size_t		  n_affected;
	/* P31(4): when every improvement action was done, or TBTIME_NONE
	 * while some are open (or none exist yet). */
	int64_t		  actions_done_at;
};

/* Maximum length of an agency code the engine accepts (the subject
 * buffer of an obligation holds it with its NUL). */
#define DOMAIN_AGENCY_CODE_MAX	63

/*
 * The level in force at the instant at (Rules of time): that of the latest
 * level_approved or level_reviewed with at' <= at, a review winning a tie
 * and then the later recording (larger id); before any, the proposed level.
 * Change requests change nothing.  Pass INT64_MAX for the level in force
 * now.  The events need not be sorted.
 */
int	incident_level_at(const struct incident_facts *f,
	    const struct event *ev, size_t nev, int64_t at);

/* Returns true once a closure_reported event is recorded. */
bool	incident_closed(const struct event *ev, size_t nev);

/*
 * Checks whether the new event nw may be appended to an incident that has
 * the nev events ev (any order), at the instant now.  Only a failed
 * precondition of REQUIREMENTS "Events" is refused, never an `at` earlier
 * than another event's.  pol is the policy to judge by, or NULL for the
 * built-in one in force at f->aware_at.
 *
 * Returns TB_OK with *reason NULL, or an error with *reason a static,
 * stable code for the API:
 *   TB_EINVAL    "at_in_future", "level_invalid" (1-4, or 0 for schools),
 *                "agency_missing" (agency_notified), "event_invalid",
 *                "facts_invalid"
 *   TB_ECONFLICT "incident_closed"     after closure_reported, anything but
 *                                      signed, progress_reported and a
 *                                      tracking meeting_held
 *                "level_not_approved"  reported with no level_approved at
 *                                      or before its at
 *                "not_reported"        level_reviewed with no reported at
 *                                      or before it
 *                "no_fallback_report"  backfilled without a fallback report
 *                "closure_blocked:<obligation>"  closure_reported while
 *                                      report is unmet or backfill_report,
 *                                      response_meeting, root_cause,
 *                                      pdpa_assessment or
 *                                      effectiveness_report is owed
 */
int	incident_event_check(const struct policy *pol,
	    const struct incident_facts *f, const struct event *ev,
	    size_t nev, const struct event *nw, int64_t now,
	    const char **reason);

/* ------------------------------------------------------------------ */
/* The deadline engine (deadline.c)                                     */
/* ------------------------------------------------------------------ */

enum obligation_state {
	OBLIGATION_PENDING = 0,		/* owed, not yet due (or no due) */
	OBLIGATION_MET,			/* met on time */
	OBLIGATION_MET_LATE,		/* met after its due time */
	OBLIGATION_OVERDUE,		/* owed and past its due time */
	OBLIGATION_NOT_APPLICABLE	/* not owed by this incident */
};

/* API name of a state ("met_late"); NULL when out of range. */
const char *obligation_state_name(enum obligation_state s);
/* Reverse of obligation_state_name(); TB_EINVAL for an unknown name. */
int	obligation_state_from_name(const char *s, enum obligation_state *out);

#define OBLIGATION_SUBJECT_SIZE	(DOMAIN_AGENCY_CODE_MAX + 1)

/* One obligation of an incident, as the API shows it. */
struct obligation {
	enum obligation_name	name;
	/* Agency code for notify_affected; the change request's event id in
	 * decimal for its level_review; else "" (null in the API). */
	char			subject[OBLIGATION_SUBJECT_SIZE];
	/* progress_report: the period, 1 for the first after plan_approved;
	 * 0 otherwise.  (name, subject, period) is unique in a list. */
	int			period;
	int64_t			start_at; /* when its clock started, or
					   * TBTIME_NONE (not started, or no
					   * clock) */
	int64_t			due_at;	/* or TBTIME_NONE: no fixed time (or
					 * clock not started): never overdue */
	bool			by_date; /* due is the end of a Taipei day:
					  * on time by date */
	int64_t			met_at;	/* or TBTIME_NONE */
	int64_t			met_by;	/* id of the event that met it, or 0 */
	int			level;	/* the level its period was chosen by
					 * (a review keeps its own, P15/P17) */
	enum obligation_state	state;
};

/*
 * The state of an obligation with due time due (or TBTIME_NONE), met at
 * met (or TBTIME_NONE), at the instant now: met or met_late (judged by
 * tbtime_on_time), else overdue once now is past due (for by_date, once
 * now's Taipei date is after due's), else pending.  Never not_applicable.
 * Also used for the per-action improvement obligations.
 */
enum obligation_state deadline_state(int64_t due, bool by_date, int64_t met,
	    int64_t now);

/*
 * The first instant at which an obligation due at due, still unmet, is
 * overdue: due + 1 microsecond for hour periods, 00:00:00 Taipei of the next
 * day for by_date ones; TBTIME_NONE when due is.  Stored beside due_at, it
 * makes "everything overdue" one indexed comparison with now (an unmet row
 * with overdue_from <= now), with no date arithmetic in SQL.
 */
int64_t	deadline_overdue_from(int64_t due, bool by_date);

/*
 * The deadline engine: computes every obligation of an incident from its
 * facts f, its nev events ev (any order) and the policy pol (NULL: the
 * built-in policy in force at f->aware_at), at the instant now, exactly by
 * the deadline table and the rules of time of REQUIREMENTS.
 *
 * Writes them into out (capacity cap entries), ordered by due_at (no due
 * last), then name, subject and period; *needed gets the number of
 * obligations.  Deterministic: the same inputs give the same bytes.
 *
 * Returns TB_OK; TB_ETOOBIG when cap < *needed (out unspecified: call again
 * with a larger array); TB_EINVAL when f or an event is invalid (proposed
 * or event level out of range, missing agency code, code longer than
 * DOMAIN_AGENCY_CODE_MAX, aware_at TBTIME_NONE).
 */
int	deadline_compute(const struct policy *pol,
	    const struct incident_facts *f, const struct event *ev,
	    size_t nev, int64_t now, struct obligation *out, size_t cap,
	    size_t *needed);

/*
 * As deadline_compute, into an array it allocates: *out (free it with
 * deadline_free()) and its length *n.  TB_ENOMEM, TB_EINVAL; on error *out
 * is NULL and *n 0.
 */
int	deadline_compute_new(const struct policy *pol,
	    const struct incident_facts *f, const struct event *ev,
	    size_t nev, int64_t now, struct obligation **out, size_t *n);
/* Frees an array from deadline_compute_new(); NULL is allowed. */
void	deadline_free(struct obligation *list);

/* Improvement action terms (P29). */
enum improvement_term {
	IMPROVEMENT_SHORT = 0,	/* immediate fixes: no window */
	IMPROVEMENT_MEDIUM,	/* due 3 to 6 months after plan_approved */
	IMPROVEMENT_LONG	/* due within 2 years of plan_approved */
};

/* "short"/"medium"/"long" and back; NULL or TB_EINVAL as above. */
const char *improvement_term_name(enum improvement_term t);
int	improvement_term_from_name(const char *s, enum improvement_term *out);

/*
 * The window of due dates allowed for an action of term t under pol (the
 * incident's policy; NULL: the built-in policy in force at plan_at),
 * counted by the rules of time from the instant plan_at of plan_approved:
 * *first and *last, inclusive Taipei dates.  Medium: from the
 * last day of the 3-month period to the last day of the 6-month period;
 * long: from the plan's date to the last day of the 24-month period; short:
 * from the plan's date with no end (*last is 9999-12-31).  TB_EINVAL for an
 * unknown term or plan_at TBTIME_NONE.
 */
int	improvement_window(const struct policy *pol, enum improvement_term t,
	    int64_t plan_at, struct tbtime_date *first,
	    struct tbtime_date *last);

/*
 * Checks that the due date of an action of term t lies inside its P29
 * window (improvement_window()); due dates are held to the window, never to
 * today's date.  TB_OK; TB_ERANGE outside the window, with *reason
 * "improvement_due_before_window" or "improvement_due_after_window";
 * TB_EINVAL ("improvement_invalid") for an invalid date, term or plan time.
 */
int	improvement_due_check(const struct policy *pol,
	    enum improvement_term t, int64_t plan_at,
	    const struct tbtime_date *due, const char **reason);

/* ------------------------------------------------------------------ */
/* The report form and the incident's state (form.c)                    */
/* ------------------------------------------------------------------ */

/*
 * The lists of the national platform's report form (REQUIREMENTS "What
 * the national platform's report asks") and of the events' fields, each
 * value with a code name (API) and a zh-TW label (the report text).
 */
enum form_list {
	FORM_CATEGORY = 0,	/* web_attack, intrusion, ... other */
	FORM_SOURCE,		/* self_found, alert, external_intel, media */
	FORM_SECTOR,		/* critical sectors: water, energy, ... */
	FORM_CLOSURE_CAUSE,	/* closure report causes */
	FORM_TEAM_ROLE,		/* P19 default response team roles */
	FORM_NOTIFY_CHANNEL,	/* P12: phone, taipeion, ... */
	FORM__COUNT
};

/* true when name is a code name of list. */
bool	form_valid(enum form_list list, const char *name);
/* The zh-TW label of a code name of list; NULL when unknown. */
const char *form_label(enum form_list list, const char *name);
/* The i-th code name of list, in the form's order; NULL past the end. */
const char *form_name_at(enum form_list list, size_t i);
/* true when symptom is a symptom of category (the four symptoms of the
 * newer forms go with any category). */
bool	form_symptom_valid(const char *category, const char *symptom);
/* The zh-TW label of a symptom; NULL when unknown. */
const char *form_symptom_label(const char *symptom);
/* The i-th symptom's code name, its category in *category (NULL: any);
 * NULL past the end. */
const char *form_symptom_at(size_t i, const char **category);

/*
 * P28, the city's reading: true for category `equipment` with the symptom
 * damaged_device, power_fault or network_outage among the n symptoms (a
 * lost device is not a failure).  The result is the `equipment_failure`
 * of struct incident_facts.
 */
bool	incident_equipment_failure(const char *category,
	    const char *const *symptom, size_t n);

/* Where an incident stands, from its events alone (any order). */
enum incident_state {
	INCIDENT_STATE_NEW = 0,		/* no level approved yet */
	INCIDENT_STATE_APPROVED,	/* level approved, not reported (P10) */
	INCIDENT_STATE_REPORTED,	/* reported, either channel (P10-P11) */
	INCIDENT_STATE_CLOSED,		/* closure_reported recorded (P31) */
	INCIDENT_STATE__COUNT
};

/* The state of an incident with the nev events ev. */
enum incident_state incident_state(const struct event *ev, size_t nev);
/* "new", "approved", "reported", "closed" and back (NULL, TB_EINVAL). */
const char *incident_state_name(enum incident_state s);
int	incident_state_from_name(const char *s, enum incident_state *out);

#endif
