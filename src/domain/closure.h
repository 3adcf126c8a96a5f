/*
 * closure.h: the rules after the fire is out (P28-P33), as pure functions:
 * the root cause record (P28), improvement actions and their windows
 * (P29, P31), DoIT's investigation report (P31), and which records are
 * signed, by whom, and when a signature no longer holds (P32).
 *
 * Like the rest of src/domain, nothing here reads a clock, a file or the
 * database: the caller passes the facts in, with "now" where time
 * matters.  Strings returned are static.  docs/internals/closure.md
 * describes how the API uses these rules.
 */
#ifndef TB_CLOSURE_H
#define TB_CLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"

/* --- the root cause (P28) ------------------------------------------- */

/* Who investigated: the vendor or outside experts, supervised by the
 * agency (P28). */
enum closure_investigator {
	CLOSURE_INVESTIGATOR_VENDOR = 0,
	CLOSURE_INVESTIGATOR_EXPERT,
	CLOSURE_INVESTIGATOR__COUNT
};

/* "vendor"/"expert" and back; NULL or TB_EINVAL when unknown. */
const char *closure_investigator_name(enum closure_investigator i);
int	closure_investigator_from_name(const char *s,
	    enum closure_investigator *out);

/*
 * P28: true when malware was found, so the root cause needs a malware
 * analysis: an evidence item of the incident is marked suspected malware
 * (P27, malware_evidence), or one of the n symptoms is malware_planted or
 * web_trojan (the national form's malware symptoms).  category is read
 * only to keep the rule in one place should a category come to mean
 * malware by itself; today none does.
 */
bool	closure_malware_found(const char *category,
	    const char *const *symptom, size_t n, bool malware_evidence);

/* A root_cause_recorded event's fields as the rule reads them; NULL or
 * "" for a field left out.  Borrowed for the call. */
struct closure_root_cause {
	const char	*investigator;		/* vendor, expert */
	const char	*investigator_name;	/* who: a firm or a person */
	const char	*log_analysis;
	const char	*malware_analysis;
};

/*
 * Checks a root cause record (P28): an investigator of a known kind and
 * its name, a log analysis, and a malware analysis when malware_found.
 * TB_OK, or TB_EINVAL with *field naming the first bad field and *reason
 * one of "investigator_invalid", "investigator_name_missing",
 * "log_analysis_missing", "malware_analysis_missing".
 */
int	closure_root_cause_check(const struct closure_root_cause *r,
	    bool malware_found, const char **field, const char **reason);

/* --- the plan and its actions (P29-P31) ----------------------------- */

/* Where the plan went after the commander's decision (P30). */
bool	closure_recipient_valid(const char *s);

/* The status of an improvement action. */
enum improvement_status {
	IMPROVEMENT_OPEN = 0,
	IMPROVEMENT_IN_PROGRESS,
	IMPROVEMENT_DONE,
	IMPROVEMENT_STATUS__COUNT
};

/* "open"/"in_progress"/"done" and back; NULL or TB_EINVAL. */
const char *improvement_status_name(enum improvement_status s);
int	improvement_status_from_name(const char *s,
	    enum improvement_status *out);

/* One action as the rules read it. */
struct closure_action {
	enum improvement_status	 status;
	int64_t			 done_at;	/* TBTIME_NONE unless done */
};

/*
 * P31(4): when every one of the n actions was done (the latest done_at),
 * the `actions_done_at` of struct incident_facts; TBTIME_NONE while any
 * is not done, a done one has no time, or there are none (progress is
 * owed until a plan's actions are all done).
 */
int64_t	closure_actions_done_at(const struct closure_action *a, size_t n);

/*
 * The instant of the plan the P29 windows count from: the earliest `at`
 * of the plan_approved events among the nev events ev (any order), also
 * counting extra (an event about to be recorded; NULL for none).
 * TBTIME_NONE while there is no plan.
 */
int64_t	closure_plan_at(const struct event *ev, size_t nev,
	    const struct event *extra);

/*
 * Checks an action's due date against its P29 window from the plan at
 * plan_at (improvement_due_check() of the incident's policy pol, NULL
 * for the built-in one).  Before any plan (plan_at TBTIME_NONE) every
 * date passes: the windows are checked when the plan is approved (P30:
 * the commander decides on a drafted plan).  TB_OK; TB_ERANGE with
 * *reason "improvement_due_before_window" or
 * "improvement_due_after_window"; TB_EINVAL ("improvement_invalid") for
 * a bad date or term.  Once there is a plan, *first and *last (neither
 * NULL) get the window whatever the answer.
 */
int	closure_due_check(const struct policy *pol, enum improvement_term t,
	    int64_t plan_at, const struct tbtime_date *due,
	    struct tbtime_date *first, struct tbtime_date *last,
	    const char **reason);

/*
 * The state of an action due on the Taipei date due, done at done_at (or
 * TBTIME_NONE), at now: met or met_late by date, else overdue from the day
 * after due, else pending (deadline_state() of a day period).
 */
enum obligation_state closure_action_state(const struct tbtime_date *due,
	    int64_t done_at, int64_t now);

/* --- DoIT's investigation report (P31) ------------------------------ */

/*
 * true for an IPv4 address in dotted decimal without leading zeros, or an
 * IPv6 address (RFC 4291 text, "::" and an embedded IPv4 tail allowed,
 * no zone), either optionally followed by "/prefix" (0-32 or 0-128) for a
 * network.
 */
bool	closure_ip_valid(const char *s);

/* --- signed records (P32) ------------------------------------------- */

/* The records signed off (P32), each a part of the incident's story. */
enum sign_record {
	SIGN_INCIDENT_REPORT = 0,	/* reporting (P10-P14) */
	SIGN_DAMAGE_CONTROL,		/* response, impact, damage (P18-P23) */
	SIGN_ROOT_CAUSE,		/* P28 */
	SIGN_IMPROVEMENT_PLAN,		/* P29-P30 */
	SIGN_CLOSURE,			/* P31, with the lessons of P33 */
	SIGN_RECORD__COUNT
};

/* Who signs: the person responsible for the record, and the CISO. */
enum sign_role {
	SIGN_ROLE_RESPONSIBLE = 0,
	SIGN_ROLE_CISO,
	SIGN_ROLE__COUNT
};

/* Where a record stands. */
enum sign_state {
	SIGN_STATE_NOT_READY = 0,	/* the record does not exist yet */
	SIGN_STATE_UNSIGNED,		/* exists, nobody signed it */
	SIGN_STATE_PARTIAL,		/* one of the two signed it as it is */
	SIGN_STATE_SIGNED,		/* both signed it as it is */
	SIGN_STATE_VOID,		/* changed since someone signed it */
	SIGN_STATE__COUNT
};

/* API names ("incident_report", "responsible", "void") and back. */
const char *sign_record_name(enum sign_record r);
int	sign_record_from_name(const char *s, enum sign_record *out);
const char *sign_role_name(enum sign_role r);
int	sign_role_from_name(const char *s, enum sign_role *out);
const char *sign_state_name(enum sign_state s);

/*
 * The record event e belongs to, in *out: the agency's own reporting
 * events to incident_report; the team, the response meeting, damage
 * control, its effectiveness and the PDPA assessment to damage_control;
 * root_cause_recorded to root_cause; plan_approved to improvement_plan;
 * closure_reported to closure.  TB_ENOTFOUND for events of no record
 * (DoIT's, tracking meetings, progress reports, signatures).
 */
int	sign_record_of_event(const struct event *e, enum sign_record *out);

/*
 * true once record r exists among the nev events ev: the event that
 * makes it (reported, damage_controlled, root_cause_recorded,
 * plan_approved, closure_reported) is recorded.  Signing a record that
 * does not exist yet is refused.
 */
bool	sign_record_exists(enum sign_record r, const struct event *ev,
	    size_t nev);

/*
 * The roles (ROLE_BIT set, domain/access.h) that sign record r in slot
 * role: the CISO for SIGN_ROLE_CISO; for the responsible person, the
 * contact window for the report and the closure, which the window files
 * (P10, P31), the commander for the root cause and the plan, which the
 * commander decides (P30), and either for damage control (both record
 * it, P21).  doit_admin signs nothing: a signature is a person's word
 * for their agency's record, not an administrator's power.
 */
unsigned sign_roles(enum sign_record r, enum sign_role role);

/* What is known of one slot's latest signature. */
struct sign_slot {
	bool	 present;	/* someone signed in this slot */
	bool	 valid;		/* ...and the record is still what they
				 * signed (the hashes are equal) */
};

/*
 * The state of a record: not_ready when it does not exist; void when a
 * present signature is no longer valid (it needs signing again); signed
 * when both slots are valid; partial when one is; else unsigned.
 */
enum sign_state sign_state_of(bool exists,
	    const struct sign_slot slot[SIGN_ROLE__COUNT]);

#endif
