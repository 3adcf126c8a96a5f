/*
 * test_form.c: the report form's lists, the P28 equipment-failure rule and
 * the incident's state (src/domain/form.c), and which role posts which
 * event (access_event_roles, REQUIREMENTS "Who may do what").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/access.h"
#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* REQUIREMENTS "What the national platform's report asks": each category
 * and the symptoms listed under it, written out again by hand. */
static const struct {
	const char	*category;
	const char	*symptoms[7];
} want_symptoms[] = {
	{ "web_attack", { "defacement", "malicious_comment", "malicious_page",
	    "phishing_page", "web_trojan", "website_data_leak" } },
	{ "intrusion", { "system_compromised", "malware_planted",
	    "abnormal_connection", "spam_sending", "data_leak" } },
	{ "denial_of_service", { "service_outage", "performance_degraded" } },
	{ "equipment", { "damaged_device", "power_fault", "network_outage",
	    "lost_device" } },
	{ "other", { NULL } },
};

/* "Newer forms also list": with any category. */
static const char *const any_symptoms[] = {
	"abnormal_login", "outbound_attack", "unauthorized_access",
	"service_failure",
};

static void
test_categories_and_symptoms(void **state)
{
	size_t	 i, j, k;

	(void)state;
	for (i = 0; i < NELEM(want_symptoms); i++) {
		assert_true(form_valid(FORM_CATEGORY,
		    want_symptoms[i].category));
		assert_string_equal(form_name_at(FORM_CATEGORY, i),
		    want_symptoms[i].category);
		assert_non_null(form_label(FORM_CATEGORY,
		    want_symptoms[i].category));
		for (j = 0; want_symptoms[i].symptoms[j] != NULL; j++) {
			const char *sy = want_symptoms[i].symptoms[j];

			assert_non_null(form_symptom_label(sy));
			/* Valid with its own category only. */
			for (k = 0; k < NELEM(want_symptoms); k++)
				assert_int_equal(form_symptom_valid(
				    want_symptoms[k].category, sy), k == i);
		}
	}
	assert_null(form_name_at(FORM_CATEGORY, NELEM(want_symptoms)));
	for (i = 0; i < NELEM(any_symptoms); i++)
		for (k = 0; k < NELEM(want_symptoms); k++)
			assert_true(form_symptom_valid(
			    want_symptoms[k].category, any_symptoms[i]));
	assert_string_equal(form_label(FORM_CATEGORY, "intrusion"),
	    "非法入侵");
	assert_string_equal(form_symptom_label("lost_device"), "設備遺失");
	assert_false(form_valid(FORM_CATEGORY, "ufo"));
	assert_false(form_valid(FORM_CATEGORY, NULL));
	assert_false(form_symptom_valid("intrusion", "no_such"));
	assert_false(form_symptom_valid(NULL, "defacement"));
	assert_null(form_symptom_label("no_such"));
	assert_false(form_valid(FORM__COUNT, "water"));
	assert_null(form_name_at(FORM__COUNT, 0));
}

static void
test_other_lists(void **state)
{
	static const struct {
		enum form_list	 list;
		const char	*names[9];
	} rows[] = {
		{ FORM_SOURCE, { "self_found", "alert", "external_intel",
		    "media" } },
		{ FORM_SECTOR, { "water", "energy", "communications",
		    "transport", "finance", "emergency_medical", "government",
		    "science_parks" } },
		{ FORM_CLOSURE_CAUSE, { "os_vulnerability", "weak_password",
		    "application_vulnerability", "poor_web_design",
		    "human_error", "misconfiguration", "social_engineering",
		    "other" } },
		/* P19's default roles. */
		{ FORM_TEAM_ROLE, { "commander", "deputy_commander",
		    "contact_window", "technical", "administrative",
		    "public_relations" } },
		{ FORM_NOTIFY_CHANNEL, { "phone", "taipeion", "email",
		    "in_person", "other" } },
	};
	size_t	 i, j;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		for (j = 0; rows[i].names[j] != NULL; j++) {
			assert_string_equal(form_name_at(rows[i].list, j),
			    rows[i].names[j]);
			assert_true(form_valid(rows[i].list,
			    rows[i].names[j]));
			assert_non_null(form_label(rows[i].list,
			    rows[i].names[j]));
		}
		assert_null(form_name_at(rows[i].list, j));
	}
	assert_string_equal(form_label(FORM_SECTOR, "water"), "水資源");
	assert_false(form_valid(FORM_SECTOR, "defacement"));
}

static void
test_equipment_failure(void **state)
{
	static const struct {
		const char	*category;
		const char	*symptoms[3];
		size_t		 n;
		bool		 failure;
	} rows[] = {
		{ "equipment", { "damaged_device" }, 1, true },
		{ "equipment", { "power_fault" }, 1, true },
		{ "equipment", { "network_outage" }, 1, true },
		/* P28: a lost device still owes a root cause. */
		{ "equipment", { "lost_device" }, 1, false },
		{ "equipment", { "lost_device", "power_fault" }, 2, true },
		{ "equipment", { NULL }, 0, false },
		/* Only category equipment. */
		{ "denial_of_service", { "service_outage" }, 1, false },
		{ "intrusion", { "power_fault" }, 1, false },
		{ NULL, { "power_fault" }, 1, false },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++)
		assert_int_equal(incident_equipment_failure(rows[i].category,
		    rows[i].symptoms, rows[i].n), rows[i].failure);
}

static void
test_incident_state(void **state)
{
	struct event	 ev[4];
	enum incident_state s;

	(void)state;
	memset(ev, 0, sizeof(ev));
	assert_int_equal(incident_state(NULL, 0), INCIDENT_STATE_NEW);
	ev[0].id = 1;
	ev[0].type = EVENT_TEAM_FORMED;
	assert_int_equal(incident_state(ev, 1), INCIDENT_STATE_NEW);
	ev[1].id = 2;
	ev[1].type = EVENT_LEVEL_APPROVED;
	assert_int_equal(incident_state(ev, 2), INCIDENT_STATE_APPROVED);
	/* Any order: a report recorded before the approval is reported. */
	ev[0].type = EVENT_REPORTED;
	assert_int_equal(incident_state(ev, 2), INCIDENT_STATE_REPORTED);
	ev[2].id = 3;
	ev[2].type = EVENT_CLOSURE_REPORTED;
	ev[3].id = 4;
	ev[3].type = EVENT_SIGNED;
	assert_int_equal(incident_state(ev, 4), INCIDENT_STATE_CLOSED);
	assert_string_equal(incident_state_name(INCIDENT_STATE_APPROVED),
	    "approved");
	assert_null(incident_state_name(INCIDENT_STATE__COUNT));
	assert_int_equal(incident_state_from_name("closed", &s), TB_OK);
	assert_int_equal(s, INCIDENT_STATE_CLOSED);
	assert_int_equal(incident_state_from_name("open", &s), TB_EINVAL);
	assert_int_equal(incident_state_from_name(NULL, &s), TB_EINVAL);
}

/* REQUIREMENTS "Who may do what", row by row, written out again. */
static void
test_event_roles(void **state)
{
#define R(r)	ROLE_BIT(ROLE_##r)
	static const struct {
		enum event_type	 t;
		unsigned	 roles;
	} rows[] = {
		{ EVENT_LEVEL_APPROVED, R(CISO) },
		{ EVENT_REPORTED, R(CONTACT_WINDOW) },
		{ EVENT_BACKFILLED, R(CONTACT_WINDOW) },
		{ EVENT_AGENCY_NOTIFIED, R(CONTACT_WINDOW) },
		{ EVENT_DOIT_COPIED, R(CONTACT_WINDOW) },
		{ EVENT_INFO_REQUESTED, R(DOIT_REVIEWER) },
		{ EVENT_INFO_PROVIDED, R(CONTACT_WINDOW) },
		{ EVENT_LEVEL_REVIEWED, R(DOIT_REVIEWER) },
		{ EVENT_LEVEL_CHANGE_REQUESTED, R(CONTACT_WINDOW) },
		{ EVENT_TEAM_FORMED, R(CONTACT_WINDOW) | R(COMMANDER) },
		{ EVENT_MEETING_HELD, R(CONTACT_WINDOW) | R(COMMANDER) },
		{ EVENT_TRACKING_DESIGNATED, R(DOIT_REVIEWER) |
		    R(SUPERIOR_VIEWER) },
		{ EVENT_DAMAGE_CONTROLLED, R(CONTACT_WINDOW) | R(COMMANDER) },
		{ EVENT_EFFECTIVENESS_REPORTED, R(COMMANDER) },
		{ EVENT_PDPA_ASSESSED, R(COMMANDER) },
		{ EVENT_ROOT_CAUSE_RECORDED, R(COMMANDER) },
		{ EVENT_PLAN_APPROVED, R(COMMANDER) },
		{ EVENT_PROGRESS_REPORTED, R(COMMANDER) },
		{ EVENT_CLOSURE_REPORTED, R(CONTACT_WINDOW) },
		{ EVENT_SIGNED, R(CONTACT_WINDOW) | R(CISO) | R(COMMANDER) },
	};
	size_t	 i;

	(void)state;
	assert_int_equal(NELEM(rows), EVENT__COUNT);
	for (i = 0; i < NELEM(rows); i++) {
		/* doit_admin: everything. */
		assert_int_equal(access_event_roles(rows[i].t),
		    rows[i].roles | R(DOIT_ADMIN));
		/* Reporters, responders and vendors post no events. */
		assert_int_equal(access_event_roles(rows[i].t) &
		    (R(REPORTER) | R(RESPONDER) | R(VENDOR)), 0);
	}
	assert_int_equal(access_event_roles(EVENT__COUNT), 0);
#undef R
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_categories_and_symptoms),
		cmocka_unit_test(test_other_lists),
		cmocka_unit_test(test_equipment_failure),
		cmocka_unit_test(test_incident_state),
		cmocka_unit_test(test_event_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
