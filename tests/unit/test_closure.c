/*
 * test_closure.c: the rules of P28-P33 (src/domain/closure.c): the root
 * cause record, malware found, the plan's date and the action windows,
 * when every action is done, IP addresses of DoIT's report, which event
 * belongs to which signed record, who signs, and a record's state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/access.h"
#include "domain/closure.h"
#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define DAY		TBTIME_US_PER_DAY
/* 2026-01-10T14:00:00+08:00. */
#define T0		INT64_C(1768024800000000)

/* --- P28 ------------------------------------------------------------ */

static void
test_malware_found(void **state)
{
	static const struct {
		const char	*category;
		const char	*symptoms[3];
		size_t		 n;
		bool		 evidence;
		bool		 found;
	} rows[] = {
		{ "intrusion", { "malware_planted" }, 1, false, true },
		{ "web_attack", { "defacement", "web_trojan" }, 2, false,
		    true },
		{ "intrusion", { "abnormal_connection" }, 1, false, false },
		{ "intrusion", { "abnormal_connection" }, 1, true, true },
		{ "equipment", { "lost_device" }, 1, false, false },
		{ "other", { NULL }, 0, false, false },
		{ "other", { NULL }, 0, true, true },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++)
		assert_int_equal(closure_malware_found(rows[i].category,
		    rows[i].symptoms, rows[i].n, rows[i].evidence),
		    rows[i].found);
}

static void
test_root_cause_check(void **state)
{
	static const struct {
		struct closure_root_cause	 r;
		bool				 malware;
		int				 rc;
		const char			*field;
		const char			*reason;
	} rows[] = {
		{ { "vendor", "資安公司甲", "防火牆與主機日誌六個月", NULL },
		    false, TB_OK, NULL, NULL },
		{ { "expert", "學者乙", "日誌", "樣本為勒索軟體" }, true,
		    TB_OK, NULL, NULL },
		{ { "expert", "學者乙", "日誌", NULL }, true, TB_EINVAL,
		    "malware_analysis", "malware_analysis_missing" },
		{ { "expert", "學者乙", "日誌", " \n " }, true, TB_EINVAL,
		    "malware_analysis", "malware_analysis_missing" },
		{ { "agency", "自己", "日誌", NULL }, false, TB_EINVAL,
		    "investigator", "investigator_invalid" },
		{ { NULL, "自己", "日誌", NULL }, false, TB_EINVAL,
		    "investigator", "investigator_invalid" },
		{ { "vendor", "", "日誌", NULL }, false, TB_EINVAL,
		    "investigator_name", "investigator_name_missing" },
		{ { "vendor", "甲", NULL, NULL }, false, TB_EINVAL,
		    "log_analysis", "log_analysis_missing" },
		{ { "vendor", "甲", "\t", NULL }, false, TB_EINVAL,
		    "log_analysis", "log_analysis_missing" },
	};
	const char	*field, *reason;

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		int rc = closure_root_cause_check(&rows[i].r, rows[i].malware,
		    &field, &reason);

		assert_int_equal(rc, rows[i].rc);
		if (rows[i].field == NULL) {
			assert_null(field);
			assert_null(reason);
		} else {
			assert_string_equal(field, rows[i].field);
			assert_string_equal(reason, rows[i].reason);
		}
	}
}

/* --- P29-P31 -------------------------------------------------------- */

static void
test_names(void **state)
{
	enum improvement_status		 st;
	enum closure_investigator	 inv;
	enum sign_record		 r;
	enum sign_role			 ro;

	(void)state;
	for (int i = 0; i < IMPROVEMENT_STATUS__COUNT; i++) {
		assert_int_equal(improvement_status_from_name(
		    improvement_status_name(i), &st), TB_OK);
		assert_int_equal(st, i);
	}
	assert_int_equal(improvement_status_from_name("closed", &st),
	    TB_EINVAL);
	assert_int_equal(improvement_status_from_name(NULL, &st), TB_EINVAL);
	assert_null(improvement_status_name(IMPROVEMENT_STATUS__COUNT));
	assert_int_equal(closure_investigator_from_name("expert", &inv),
	    TB_OK);
	assert_int_equal(inv, CLOSURE_INVESTIGATOR_EXPERT);
	for (int i = 0; i < SIGN_RECORD__COUNT; i++) {
		assert_int_equal(sign_record_from_name(sign_record_name(i),
		    &r), TB_OK);
		assert_int_equal(r, i);
	}
	assert_int_equal(sign_record_from_name("evidence", &r), TB_EINVAL);
	assert_int_equal(sign_role_from_name("ciso", &ro), TB_OK);
	assert_int_equal(ro, SIGN_ROLE_CISO);
	assert_int_equal(sign_role_from_name("commander", &ro), TB_EINVAL);
	assert_string_equal(sign_state_name(SIGN_STATE_VOID), "void");
	assert_true(closure_recipient_valid("doit"));
	assert_true(closure_recipient_valid("supervisor"));
	assert_false(closure_recipient_valid("acs"));
	assert_false(closure_recipient_valid(NULL));
}

static void
test_actions_done_at(void **state)
{
	const struct closure_action	 done2[] = {
		{ IMPROVEMENT_DONE, T0 + 3 * DAY },
		{ IMPROVEMENT_DONE, T0 + 5 * DAY },
	};
	const struct closure_action	 one_open[] = {
		{ IMPROVEMENT_DONE, T0 + 3 * DAY },
		{ IMPROVEMENT_IN_PROGRESS, TBTIME_NONE },
	};
	const struct closure_action	 no_time[] = {
		{ IMPROVEMENT_DONE, TBTIME_NONE },
	};

	(void)state;
	assert_true(closure_actions_done_at(done2, 2) == T0 + 5 * DAY);
	assert_true(closure_actions_done_at(done2, 1) == T0 + 3 * DAY);
	assert_true(closure_actions_done_at(one_open, 2) == TBTIME_NONE);
	assert_true(closure_actions_done_at(no_time, 1) == TBTIME_NONE);
	/* No actions: nothing is done yet, progress stays owed. */
	assert_true(closure_actions_done_at(NULL, 0) == TBTIME_NONE);
	assert_true(closure_actions_done_at(done2, 0) == TBTIME_NONE);
}

static void
test_plan_at(void **state)
{
	struct event	 ev[3], nw;

	(void)state;
	memset(ev, 0, sizeof(ev));
	memset(&nw, 0, sizeof(nw));
	ev[0].id = 1;
	ev[0].type = EVENT_LEVEL_APPROVED;
	ev[0].at = T0 - DAY;
	ev[0].level = 2;
	assert_true(closure_plan_at(ev, 1, NULL) == TBTIME_NONE);
	ev[1].id = 2;
	ev[1].type = EVENT_PLAN_APPROVED;
	ev[1].at = T0 + 10 * DAY;
	ev[2].id = 3;
	ev[2].type = EVENT_PLAN_APPROVED;
	ev[2].at = T0 + 2 * DAY;
	/* The earliest plan, whatever the order of recording. */
	assert_true(closure_plan_at(ev, 3, NULL) == T0 + 2 * DAY);
	nw.type = EVENT_PLAN_APPROVED;
	nw.at = T0 + DAY;
	assert_true(closure_plan_at(ev, 3, &nw) == T0 + DAY);
	nw.at = T0 + 20 * DAY;
	assert_true(closure_plan_at(ev, 3, &nw) == T0 + 2 * DAY);
	nw.type = EVENT_PROGRESS_REPORTED;
	nw.at = T0;
	assert_true(closure_plan_at(ev, 2, &nw) == T0 + 10 * DAY);
}

static void
test_due_check(void **state)
{
	static const struct {
		const char		*what;
		enum improvement_term	 term;
		int64_t			 plan;
		struct tbtime_date	 due;
		int			 rc;
		const char		*reason;
	} rows[] = {
		{ "no plan yet: any date, checked at approval",
		    IMPROVEMENT_MEDIUM, TBTIME_NONE, { 2030, 1, 1 }, TB_OK,
		    NULL },
		{ "medium, 3 months to the day", IMPROVEMENT_MEDIUM, T0,
		    { 2026, 4, 10 }, TB_OK, NULL },
		{ "medium, 7 months: after the window", IMPROVEMENT_MEDIUM, T0,
		    { 2026, 8, 10 }, TB_ERANGE,
		    "improvement_due_after_window" },
		{ "medium, 2 months: before the window", IMPROVEMENT_MEDIUM,
		    T0, { 2026, 3, 10 }, TB_ERANGE,
		    "improvement_due_before_window" },
		{ "long, 25 months", IMPROVEMENT_LONG, T0, { 2028, 2, 10 },
		    TB_ERANGE, "improvement_due_after_window" },
		{ "short, the next day", IMPROVEMENT_SHORT, T0,
		    { 2026, 1, 11 }, TB_OK, NULL },
		{ "an impossible date", IMPROVEMENT_SHORT, T0,
		    { 2026, 2, 30 }, TB_EINVAL, "improvement_invalid" },
	};
	struct tbtime_date	 lo, hi;
	const char		*reason;

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		int rc = closure_due_check(NULL, rows[i].term, rows[i].plan,
		    &rows[i].due, &lo, &hi, &reason);

		if (rc != rows[i].rc)
			fail_msg("%s: %d, want %d", rows[i].what, rc,
			    rows[i].rc);
		if (rows[i].reason == NULL)
			assert_null(reason);
		else
			assert_string_equal(reason, rows[i].reason);
	}
	/* The window comes back with the refusal: medium from 04-10 to
	 * 07-10 for a plan of 01-10 (first counted day 01-11). */
	assert_int_equal(closure_due_check(NULL, IMPROVEMENT_MEDIUM, T0,
	    &rows[2].due, &lo, &hi, &reason), TB_ERANGE);
	assert_int_equal(lo.year, 2026);
	assert_int_equal(lo.month, 4);
	assert_int_equal(lo.day, 10);
	assert_int_equal(hi.month, 7);
	assert_int_equal(hi.day, 10);
}

static void
test_action_state(void **state)
{
	const struct tbtime_date	 due = { 2026, 1, 20 };
	/* 2026-01-20T23:59:59+08:00 and the next Taipei midnight. */
	const int64_t			 end = T0 + 10 * DAY +
					     (INT64_C(9) * 3600 + 3599) *
					     TBTIME_US_PER_SEC;
	const int64_t			 next = end + TBTIME_US_PER_SEC;

	(void)state;
	assert_int_equal(closure_action_state(&due, TBTIME_NONE, T0),
	    OBLIGATION_PENDING);
	assert_int_equal(closure_action_state(&due, TBTIME_NONE, end),
	    OBLIGATION_PENDING);
	assert_int_equal(closure_action_state(&due, TBTIME_NONE, next),
	    OBLIGATION_OVERDUE);
	assert_int_equal(closure_action_state(&due, end, next + DAY),
	    OBLIGATION_MET);
	assert_int_equal(closure_action_state(&due, next, next + DAY),
	    OBLIGATION_MET_LATE);
}

/* --- DoIT's report -------------------------------------------------- */

static void
test_ip_valid(void **state)
{
	static const struct {
		const char	*s;
		bool		 ok;
	} rows[] = {
		{ "192.0.2.1", true },
		{ "0.0.0.0", true },
		{ "255.255.255.255", true },
		{ "198.51.100.0/24", true },
		{ "198.51.100.0/0", true },
		{ "2001:db8::1", true },
		{ "::1", true },
		{ "::ffff:192.0.2.1", true },
		{ "2001:db8::/32", true },
		{ "2001:db8::/128", true },
		{ "256.1.1.1", false },
		{ "1.2.3", false },
		{ "01.2.3.4", false },
		{ "1.2.3.4 ", false },
		{ " 1.2.3.4", false },
		{ "1.2.3.4/33", false },
		{ "1.2.3.4/", false },
		{ "1.2.3.4/08", false },
		{ "1.2.3.4/-1", false },
		{ "2001:db8::/129", false },
		{ "2001:db8:::1", false },
		{ "fe80::1%eth0", false },
		{ "example.org", false },
		{ "", false },
		{ "/24", false },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++)
		if (closure_ip_valid(rows[i].s) != rows[i].ok)
			fail_msg("%s: want %d", rows[i].s, rows[i].ok);
	assert_false(closure_ip_valid(NULL));
}

/* --- P32 ------------------------------------------------------------ */

static void
test_record_of_event(void **state)
{
	static const struct {
		enum event_type			 type;
		enum event_meeting_kind		 kind;
		int				 rc;
		enum sign_record		 rec;
	} rows[] = {
		{ EVENT_LEVEL_APPROVED, 0, TB_OK, SIGN_INCIDENT_REPORT },
		{ EVENT_REPORTED, 0, TB_OK, SIGN_INCIDENT_REPORT },
		{ EVENT_AGENCY_NOTIFIED, 0, TB_OK, SIGN_INCIDENT_REPORT },
		{ EVENT_LEVEL_REVIEWED, 0, TB_ENOTFOUND, 0 },
		{ EVENT_INFO_REQUESTED, 0, TB_ENOTFOUND, 0 },
		{ EVENT_TEAM_FORMED, 0, TB_OK, SIGN_DAMAGE_CONTROL },
		{ EVENT_MEETING_HELD, EVENT_MEETING_RESPONSE, TB_OK,
		    SIGN_DAMAGE_CONTROL },
		{ EVENT_MEETING_HELD, EVENT_MEETING_TRACKING, TB_ENOTFOUND,
		    0 },
		{ EVENT_DAMAGE_CONTROLLED, 0, TB_OK, SIGN_DAMAGE_CONTROL },
		{ EVENT_PDPA_ASSESSED, 0, TB_OK, SIGN_DAMAGE_CONTROL },
		{ EVENT_ROOT_CAUSE_RECORDED, 0, TB_OK, SIGN_ROOT_CAUSE },
		{ EVENT_PLAN_APPROVED, 0, TB_OK, SIGN_IMPROVEMENT_PLAN },
		{ EVENT_PROGRESS_REPORTED, 0, TB_ENOTFOUND, 0 },
		{ EVENT_CLOSURE_REPORTED, 0, TB_OK, SIGN_CLOSURE },
		{ EVENT_SIGNED, 0, TB_ENOTFOUND, 0 },
	};
	struct event		 e;
	enum sign_record	 rec;

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		memset(&e, 0, sizeof(e));
		e.type = rows[i].type;
		e.kind = rows[i].kind;
		assert_int_equal(sign_record_of_event(&e, &rec), rows[i].rc);
		if (rows[i].rc == TB_OK)
			assert_int_equal(rec, rows[i].rec);
	}
}

static void
test_record_exists(void **state)
{
	struct event	 ev[2];

	(void)state;
	memset(ev, 0, sizeof(ev));
	ev[0].type = EVENT_LEVEL_APPROVED;
	ev[1].type = EVENT_ROOT_CAUSE_RECORDED;
	/* Approved but not reported: no report to sign yet. */
	assert_false(sign_record_exists(SIGN_INCIDENT_REPORT, ev, 1));
	assert_true(sign_record_exists(SIGN_ROOT_CAUSE, ev, 2));
	assert_false(sign_record_exists(SIGN_CLOSURE, ev, 2));
	assert_false(sign_record_exists(SIGN_RECORD__COUNT, ev, 2));
	ev[0].type = EVENT_REPORTED;
	assert_true(sign_record_exists(SIGN_INCIDENT_REPORT, ev, 1));
}

static void
test_sign_roles(void **state)
{
	const unsigned	 window = ROLE_BIT(ROLE_CONTACT_WINDOW);
	const unsigned	 commander = ROLE_BIT(ROLE_COMMANDER);
	const unsigned	 ciso = ROLE_BIT(ROLE_CISO);

	(void)state;
	assert_int_equal(sign_roles(SIGN_INCIDENT_REPORT,
	    SIGN_ROLE_RESPONSIBLE), window);
	assert_int_equal(sign_roles(SIGN_CLOSURE, SIGN_ROLE_RESPONSIBLE),
	    window);
	assert_int_equal(sign_roles(SIGN_ROOT_CAUSE, SIGN_ROLE_RESPONSIBLE),
	    commander);
	assert_int_equal(sign_roles(SIGN_IMPROVEMENT_PLAN,
	    SIGN_ROLE_RESPONSIBLE), commander);
	assert_int_equal(sign_roles(SIGN_DAMAGE_CONTROL,
	    SIGN_ROLE_RESPONSIBLE), window | commander);
	for (int r = 0; r < SIGN_RECORD__COUNT; r++) {
		assert_int_equal(sign_roles(r, SIGN_ROLE_CISO), ciso);
		/* Nobody else, not even DoIT's administrator. */
		for (int k = 0; k < SIGN_ROLE__COUNT; k++)
			assert_int_equal(sign_roles(r, k) &
			    (ROLES_DOIT | ROLE_BIT(ROLE_REPORTER) |
			    ROLE_BIT(ROLE_VENDOR) |
			    ROLE_BIT(ROLE_SUPERIOR_VIEWER) |
			    ROLE_BIT(ROLE_RESPONDER)), 0);
	}
	assert_int_equal(sign_roles(SIGN_RECORD__COUNT, SIGN_ROLE_CISO), 0);
	assert_int_equal(sign_roles(SIGN_CLOSURE, SIGN_ROLE__COUNT), 0);
}

static void
test_sign_state(void **state)
{
	static const struct {
		bool			 exists;
		struct sign_slot	 slot[SIGN_ROLE__COUNT];
		enum sign_state		 want;
	} rows[] = {
		{ false, { { false, false }, { false, false } },
		    SIGN_STATE_NOT_READY },
		{ true, { { false, false }, { false, false } },
		    SIGN_STATE_UNSIGNED },
		{ true, { { true, true }, { false, false } },
		    SIGN_STATE_PARTIAL },
		{ true, { { false, false }, { true, true } },
		    SIGN_STATE_PARTIAL },
		{ true, { { true, true }, { true, true } },
		    SIGN_STATE_SIGNED },
		{ true, { { true, false }, { true, true } },
		    SIGN_STATE_VOID },
		{ true, { { false, false }, { true, false } },
		    SIGN_STATE_VOID },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++)
		assert_int_equal(sign_state_of(rows[i].exists, rows[i].slot),
		    rows[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malware_found),
		cmocka_unit_test(test_root_cause_check),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_actions_done_at),
		cmocka_unit_test(test_plan_at),
		cmocka_unit_test(test_due_check),
		cmocka_unit_test(test_action_state),
		cmocka_unit_test(test_ip_valid),
		cmocka_unit_test(test_record_of_event),
		cmocka_unit_test(test_record_exists),
		cmocka_unit_test(test_sign_roles),
		cmocka_unit_test(test_sign_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
