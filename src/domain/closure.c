/*
 * closure.c: the root cause (P28), improvement actions (P29-P31), DoIT's
 * investigation report (P31) and signed records (P32), as pure rules.
 * See closure.h for the contracts.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/access.h"
#include "domain/closure.h"
#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Looks s up in a table of n names; TB_EINVAL when absent. */
static int
name_index(const char *const *names, size_t n, const char *s, size_t *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return TB_OK;
		}
	return TB_EINVAL;
}

/* true for NULL or a string of nothing but blanks and line breaks. */
static bool
blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++)
		if (strchr(" \t\r\n", *s) == NULL)
			return false;
	return true;
}

/* --- the root cause (P28) ------------------------------------------- */

static const char *const investigator_names[CLOSURE_INVESTIGATOR__COUNT] = {
	[CLOSURE_INVESTIGATOR_VENDOR] = "vendor",
	[CLOSURE_INVESTIGATOR_EXPERT] = "expert",
};

const char *
closure_investigator_name(enum closure_investigator i)
{
	if ((unsigned)i >= NELEM(investigator_names))
		return NULL;
	return investigator_names[i];
}

int
closure_investigator_from_name(const char *s, enum closure_investigator *out)
{
	size_t	 i;

	if (name_index(investigator_names, NELEM(investigator_names), s, &i)
	    != TB_OK)
		return TB_EINVAL;
	*out = (enum closure_investigator)i;
	return TB_OK;
}

/* The national form's symptoms that say malicious code is present. */
static const char *const malware_symptoms[] = {
	"malware_planted", "web_trojan",
};

bool
closure_malware_found(const char *category, const char *const *symptom,
    size_t n, bool malware_evidence)
{
	size_t	 i, j;

	(void)category;
	if (malware_evidence)
		return true;
	for (i = 0; i < n; i++) {
		if (symptom == NULL || symptom[i] == NULL)
			continue;
		for (j = 0; j < NELEM(malware_symptoms); j++)
			if (strcmp(symptom[i], malware_symptoms[j]) == 0)
				return true;
	}
	return false;
}

int
closure_root_cause_check(const struct closure_root_cause *r,
    bool malware_found, const char **field, const char **reason)
{
	enum closure_investigator	 inv;

	*field = *reason = NULL;
	if (closure_investigator_from_name(r->investigator, &inv) != TB_OK) {
		*field = "investigator";
		*reason = "investigator_invalid";
		return TB_EINVAL;
	}
	if (blank(r->investigator_name)) {
		*field = "investigator_name";
		*reason = "investigator_name_missing";
		return TB_EINVAL;
	}
	if (blank(r->log_analysis)) {
		*field = "log_analysis";
		*reason = "log_analysis_missing";
		return TB_EINVAL;
	}
	if (malware_found && blank(r->malware_analysis)) {
		*field = "malware_analysis";
		*reason = "malware_analysis_missing";
		return TB_EINVAL;
	}
	return TB_OK;
}

/* --- the plan and its actions (P29-P31) ----------------------------- */

/* P30: superior agency, supervisory agency, DoIT. */
static const char *const recipients[] = {
	"superior", "supervisor", "doit",
};

bool
closure_recipient_valid(const char *s)
{
	size_t	 i;

	return name_index(recipients, NELEM(recipients), s, &i) == TB_OK;
}

static const char *const status_names[IMPROVEMENT_STATUS__COUNT] = {
	[IMPROVEMENT_OPEN] = "open",
	[IMPROVEMENT_IN_PROGRESS] = "in_progress",
	[IMPROVEMENT_DONE] = "done",
};

const char *
improvement_status_name(enum improvement_status s)
{
	if ((unsigned)s >= NELEM(status_names))
		return NULL;
	return status_names[s];
}

int
improvement_status_from_name(const char *s, enum improvement_status *out)
{
	size_t	 i;

	if (name_index(status_names, NELEM(status_names), s, &i) != TB_OK)
		return TB_EINVAL;
	*out = (enum improvement_status)i;
	return TB_OK;
}

int64_t
closure_actions_done_at(const struct closure_action *a, size_t n)
{
	int64_t	 last = TBTIME_NONE;
	size_t	 i;

	if (n == 0 || a == NULL)
		return TBTIME_NONE;
	for (i = 0; i < n; i++) {
		if (a[i].status != IMPROVEMENT_DONE ||
		    a[i].done_at == TBTIME_NONE)
			return TBTIME_NONE;
		if (last == TBTIME_NONE || a[i].done_at > last)
			last = a[i].done_at;
	}
	return last;
}

int64_t
closure_plan_at(const struct event *ev, size_t nev,
    const struct event *extra)
{
	int64_t	 at = TBTIME_NONE;
	size_t	 i;

	for (i = 0; i < nev; i++)
		if (ev[i].type == EVENT_PLAN_APPROVED &&
		    (at == TBTIME_NONE || ev[i].at < at))
			at = ev[i].at;
	if (extra != NULL && extra->type == EVENT_PLAN_APPROVED &&
	    extra->at != TBTIME_NONE && (at == TBTIME_NONE || extra->at < at))
		at = extra->at;
	return at;
}

int
closure_due_check(const struct policy *pol, enum improvement_term t,
    int64_t plan_at, const struct tbtime_date *due,
    struct tbtime_date *first, struct tbtime_date *last,
    const char **reason)
{
	int	 rc;

	*reason = NULL;
	if (due == NULL || !tbtime_date_valid(due) ||
	    improvement_term_name(t) == NULL) {
		*reason = "improvement_invalid";
		return TB_EINVAL;
	}
	if (plan_at == TBTIME_NONE)
		return TB_OK;
	if ((rc = improvement_window(pol, t, plan_at, first, last)) !=
	    TB_OK) {
		*reason = "improvement_invalid";
		return rc;
	}
	return improvement_due_check(pol, t, plan_at, due, reason);
}

enum obligation_state
closure_action_state(const struct tbtime_date *due, int64_t done_at,
    int64_t now)
{
	return deadline_state(tbtime_day_end(due), true, done_at, now);
}

/* --- DoIT's investigation report (P31) ------------------------------ */

/* Parses "/N" with 0 <= N <= max and no leading zeros at s. */
static bool
prefix_valid(const char *s, int max)
{
	int	 v = 0;
	size_t	 i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 3)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max;
}

bool
closure_ip_valid(const char *s)
{
	/* INET6_ADDRSTRLEN holds the longest text form, NUL included. */
	char		 addr[INET6_ADDRSTRLEN];
	unsigned char	 bin[16];
	const char	*slash;
	size_t		 len;

	if (s == NULL)
		return false;
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	/* inet_pton is a pure parser: it refuses octal and short forms
	 * ("01.2.3.4", "1.2.3") for IPv4, and zones for IPv6. */
	if (inet_pton(AF_INET, addr, bin) == 1)
		return slash == NULL || prefix_valid(slash + 1, 32);
	if (strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, bin) == 1)
		return slash == NULL || prefix_valid(slash + 1, 128);
	return false;
}

/* --- signed records (P32) ------------------------------------------- */

static const char *const record_names[SIGN_RECORD__COUNT] = {
	[SIGN_INCIDENT_REPORT] = "incident_report",
	[SIGN_DAMAGE_CONTROL] = "damage_control",
	[SIGN_ROOT_CAUSE] = "root_cause",
	[SIGN_IMPROVEMENT_PLAN] = "improvement_plan",
	[SIGN_CLOSURE] = "closure",
};

static const char *const role_names[SIGN_ROLE__COUNT] = {
	[SIGN_ROLE_RESPONSIBLE] = "responsible",
	[SIGN_ROLE_CISO] = "ciso",
};

static const char *const state_names[SIGN_STATE__COUNT] = {
	[SIGN_STATE_NOT_READY] = "not_ready",
	[SIGN_STATE_UNSIGNED] = "unsigned",
	[SIGN_STATE_PARTIAL] = "partial",
	[SIGN_STATE_SIGNED] = "signed",
	[SIGN_STATE_VOID] = "void",
};

const char *
sign_record_name(enum sign_record r)
{
	if ((unsigned)r >= NELEM(record_names))
		return NULL;
	return record_names[r];
}

int
sign_record_from_name(const char *s, enum sign_record *out)
{
	size_t	 i;

	if (name_index(record_names, NELEM(record_names), s, &i) != TB_OK)
		return TB_EINVAL;
	*out = (enum sign_record)i;
	return TB_OK;
}

const char *
sign_role_name(enum sign_role r)
{
	if ((unsigned)r >= NELEM(role_names))
		return NULL;
	return role_names[r];
}

int
sign_role_from_name(const char *s, enum sign_role *out)
{
	size_t	 i;

	if (name_index(role_names, NELEM(role_names), s, &i) != TB_OK)
		return TB_EINVAL;
	*out = (enum sign_role)i;
	return TB_OK;
}

const char *
sign_state_name(enum sign_state s)
{
	if ((unsigned)s >= NELEM(state_names))
		return NULL;
	return state_names[s];
}

int
sign_record_of_event(const struct event *e, enum sign_record *out)
{
	switch (e->type) {
	/* The agency's own reporting (P10-P14, P17); DoIT's review and
	 * requests are DoIT's record, not the agency's. */
	case EVENT_LEVEL_APPROVED:
	case EVENT_REPORTED:
	case EVENT_BACKFILLED:
	case EVENT_AGENCY_NOTIFIED:
	case EVENT_DOIT_COPIED:
	case EVENT_INFO_PROVIDED:
	case EVENT_LEVEL_CHANGE_REQUESTED:
		*out = SIGN_INCIDENT_REPORT;
		return TB_OK;
	case EVENT_MEETING_HELD:
		/* A tracking meeting (P31) follows the plan; it is no part
		 * of the response. */
		if (e->kind != EVENT_MEETING_RESPONSE)
			return TB_ENOTFOUND;
		*out = SIGN_DAMAGE_CONTROL;
		return TB_OK;
	case EVENT_TEAM_FORMED:
	case EVENT_DAMAGE_CONTROLLED:
	case EVENT_EFFECTIVENESS_REPORTED:
	case EVENT_PDPA_ASSESSED:
		*out = SIGN_DAMAGE_CONTROL;
		return TB_OK;
	case EVENT_ROOT_CAUSE_RECORDED:
		*out = SIGN_ROOT_CAUSE;
		return TB_OK;
	case EVENT_PLAN_APPROVED:
		*out = SIGN_IMPROVEMENT_PLAN;
		return TB_OK;
	case EVENT_CLOSURE_REPORTED:
		*out = SIGN_CLOSURE;
		return TB_OK;
	default:
		return TB_ENOTFOUND;
	}
}

/* The event whose recording makes each record exist. */
static const enum event_type record_maker[SIGN_RECORD__COUNT] = {
	[SIGN_INCIDENT_REPORT] = EVENT_REPORTED,
	[SIGN_DAMAGE_CONTROL] = EVENT_DAMAGE_CONTROLLED,
	[SIGN_ROOT_CAUSE] = EVENT_ROOT_CAUSE_RECORDED,
	[SIGN_IMPROVEMENT_PLAN] = EVENT_PLAN_APPROVED,
	[SIGN_CLOSURE] = EVENT_CLOSURE_REPORTED,
};

bool
sign_record_exists(enum sign_record r, const struct event *ev, size_t nev)
{
	size_t	 i;

	if ((unsigned)r >= NELEM(record_maker))
		return false;
	for (i = 0; i < nev; i++)
		if (ev[i].type == record_maker[r])
			return true;
	return false;
}

#define R(r)	ROLE_BIT(ROLE_##r)

/* The responsible person of each record (closure.h, sign_roles). */
static const unsigned responsible[SIGN_RECORD__COUNT] = {
	[SIGN_INCIDENT_REPORT] = R(CONTACT_WINDOW),
	[SIGN_DAMAGE_CONTROL] = R(CONTACT_WINDOW) | R(COMMANDER),
	[SIGN_ROOT_CAUSE] = R(COMMANDER),
	[SIGN_IMPROVEMENT_PLAN] = R(COMMANDER),
	[SIGN_CLOSURE] = R(CONTACT_WINDOW),
};

unsigned
sign_roles(enum sign_record r, enum sign_role role)
{
	if ((unsigned)r >= NELEM(responsible))
		return 0;
	switch (role) {
	case SIGN_ROLE_RESPONSIBLE:
		return responsible[r];
	case SIGN_ROLE_CISO:
		return R(CISO);
	default:
		return 0;
	}
}

#undef R

enum sign_state
sign_state_of(bool exists, const struct sign_slot slot[SIGN_ROLE__COUNT])
{
	int	 valid = 0, i;

	if (!exists)
		return SIGN_STATE_NOT_READY;
	for (i = 0; i < SIGN_ROLE__COUNT; i++) {
		if (slot[i].present && !slot[i].valid)
			return SIGN_STATE_VOID;
		if (slot[i].present)
			valid++;
	}
	if (valid == SIGN_ROLE__COUNT)
		return SIGN_STATE_SIGNED;
	return valid > 0 ? SIGN_STATE_PARTIAL : SIGN_STATE_UNSIGNED;
}
