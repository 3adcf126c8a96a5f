/*
 * test_incident_text.c: the JSON text writer (util/jsonw.h), and the
 * incident written straight as text (api/incident_text.c) against the
 * same incident built with jansson (incident_view_json): they must be
 * the same JSON, member for member, for every kind of value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/incident.h"
#include "util/jsonw.h"

/* The text of a writer that must have succeeded. */
static char *
finish_ok(struct jw *w)
{
	char	*s;
	size_t	 len;
	int	 err = -1;

	s = jw_finish(w, &len, &err);
	assert_int_equal(err, TB_OK);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	return s;
}

static void
test_jw_values(void **state)
{
	struct jw	 w;
	char		*s;

	(void)state;
	jw_init(&w, 4096);
	jw_object(&w);
	jw_kint(&w, "a", 0);
	jw_kint(&w, "min", INT64_MIN);
	jw_kint(&w, "max", INT64_MAX);
	jw_kint(&w, "neg", -42);
	jw_kbool(&w, "t", 1);
	jw_kbool(&w, "f", 0);
	jw_knull(&w, "n");
	jw_kstring(&w, "null", NULL);
	jw_key(&w, "list");
	jw_array(&w);
	jw_array_end(&w);
	jw_key(&w, "nest");
	jw_array(&w);
	jw_int(&w, 1);
	jw_object(&w);
	jw_object_end(&w);
	jw_string(&w, "x");
	jw_array_end(&w);
	jw_kraw(&w, "raw", "[1,{\"b\":2}]");
	jw_object_end(&w);
	s = finish_ok(&w);
	assert_string_equal(s, "{\"a\":0,\"min\":-9223372036854775808,"
	    "\"max\":9223372036854775807,\"neg\":-42,\"t\":true,\"f\":false,"
	    "\"n\":null,\"null\":null,\"list\":[],\"nest\":[1,{},\"x\"],"
	    "\"raw\":[1,{\"b\":2}]}");
	free(s);
}

static void
test_jw_escapes(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;	/* 0: strlen */
		const char	*want;	/* NULL: refused as not UTF-8 */
	} rows[] = {
		{ "plain", 0, "\"plain\"" },
		{ "", 0, "\"\"" },
		{ "q\"b\\s/", 0, "\"q\\\"b\\\\s/\"" },
		{ "\n\r\t\b\f", 0, "\"\\n\\r\\t\\b\\f\"" },
		{ "\x01\x1f\x7f", 0, "\"\\u0001\\u001f\x7f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "臺北市", 0, "\"臺北市\"" },
		{ "é€😀", 0, "\"é€😀\"" },
		{ "漢\"字\n", 0, "\"漢\\\"字\\n\"" },
		{ "\xc3", 0, NULL },			/* cut short */
		{ "\xc0\xaf", 0, NULL },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0, NULL },		/* overlong */
		{ "\xed\xa0\x80", 0, NULL },		/* surrogate */
		{ "\xf4\x90\x80\x80", 0, NULL },	/* past U+10FFFF */
		{ "\xff", 0, NULL },
		{ "ok\x80", 0, NULL },			/* lone continuation */
		{ "\xe6\xbc", 0, NULL },		/* cut short */
	};
	struct jw	 w;
	char		*s;
	size_t		 i;
	int		 err;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		jw_init(&w, 4096);
		jw_stringn(&w, rows[i].in, rows[i].len ? rows[i].len :
		    strlen(rows[i].in));
		s = jw_finish(&w, NULL, &err);
		if (rows[i].want == NULL) {
			assert_null(s);
			assert_int_equal(err, TB_EINVAL);
			continue;
		}
		assert_int_equal(err, TB_OK);
		assert_string_equal(s, rows[i].want);
		free(s);
	}
}

/* Mistakes in the order of calls are errors, not broken text. */
static void
test_jw_misuse(void **state)
{
	struct jw	 w;
	char		*s;
	int		 err, i;

	(void)state;
	/* A value in an object without its key. */
	jw_init(&w, 64);
	jw_object(&w);
	jw_int(&w, 1);
	jw_object_end(&w);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	/* A key in an array. */
	jw_init(&w, 64);
	jw_array(&w);
	jw_key(&w, "k");
	jw_array_end(&w);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	/* Not closed; closed with the wrong bracket; a key with no value. */
	jw_init(&w, 64);
	jw_object(&w);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	jw_init(&w, 64);
	jw_object(&w);
	jw_array_end(&w);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	jw_init(&w, 64);
	jw_object(&w);
	jw_key(&w, "k");
	jw_object_end(&w);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	/* Two values at the top; nothing at all. */
	jw_init(&w, 64);
	jw_int(&w, 1);
	jw_int(&w, 2);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	jw_init(&w, 64);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	/* Too deep. */
	jw_init(&w, 4096);
	for (i = 0; i <= JW_DEPTH_MAX; i++)
		jw_array(&w);
	for (i = 0; i <= JW_DEPTH_MAX; i++)
		jw_array_end(&w);
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_EINVAL);
	/* Past the maximum size. */
	jw_init(&w, 8);
	jw_string(&w, "0123456789");
	assert_null(jw_finish(&w, NULL, &err));
	assert_int_equal(err, TB_ETOOBIG);
	/* The writer is usable again after an error. */
	jw_init(&w, 64);
	jw_array(&w);
	jw_array_end(&w);
	s = finish_ok(&w);
	assert_string_equal(s, "[]");
	free(s);
}

static void
test_jw_raw_members(void **state)
{
	static const struct {
		const char	*raw;
		const char	*want;
	} rows[] = {
		{ "{\"b\":2,\"c\":[3]}", "{\"a\":1,\"b\":2,\"c\":[3],\"z\":0}" },
		{ " { \"b\" : 2 } ", "{\"a\":1,\"b\" : 2,\"z\":0}" },
		{ "{}", "{\"a\":1,\"z\":0}" },
		{ "{ }", "{\"a\":1,\"z\":0}" },
		{ "", "{\"a\":1,\"z\":0}" },
		{ "[1]", "{\"a\":1,\"z\":0}" },
		{ "{", "{\"a\":1,\"z\":0}" },
		{ NULL, "{\"a\":1,\"z\":0}" },
	};
	struct jw	 w;
	char		*s;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		jw_init(&w, 4096);
		jw_object(&w);
		jw_kint(&w, "a", 1);
		jw_raw_members(&w, rows[i].raw);
		jw_kint(&w, "z", 0);
		jw_object_end(&w);
		s = finish_ok(&w);
		assert_string_equal(s, rows[i].want);
		free(s);
	}
	/* First in its object: no comma before it. */
	jw_init(&w, 4096);
	jw_object(&w);
	jw_raw_members(&w, "{\"b\":2}");
	jw_object_end(&w);
	s = finish_ok(&w);
	assert_string_equal(s, "{\"b\":2}");
	free(s);
}

/* --- the incident ---------------------------------------------------- */

/* Asserts that the text and the jansson tree of v are the same JSON. */
static void
same_json(const struct incident_view *v, const struct obligation *o,
    size_t n)
{
	json_error_t	 e;
	json_t		*tree, *parsed;
	char		*text, *a, *b;
	size_t		 len;
	int		 err;

	text = incident_view_text(v, o, n, &len, &err);
	assert_int_equal(err, TB_OK);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	parsed = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (parsed == NULL)
		fail_msg("not JSON: %s at %d: %s", e.text, e.position, text);
	tree = incident_view_json(v, o, n);
	assert_non_null(tree);
	if (!json_equal(parsed, tree)) {
		a = json_dumps(parsed, JSON_SORT_KEYS | JSON_COMPACT);
		b = json_dumps(tree, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("text %s\ntree %s", a, b);
	}
	json_decref(parsed);
	json_decref(tree);
	free(text);
}

static void
test_incident_text_equals_tree(void **state)
{
	static char	*affected[] = { "ca", "tp-edu" };
	static int64_t	 notified[] = { TBTIME_NONE, 1700000000000000 };
	struct incident_view		 v;
	struct event			 ev[4];
	struct incident_event_extra	 x[4];
	struct obligation		 ob[3];
	const int64_t			 t = 1732500000123456;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(ev, 0, sizeof(ev));
	memset(x, 0, sizeof(x));
	memset(ob, 0, sizeof(ob));
	v.in.id = 4503599627370495;
	v.in.agency = "ca";
	v.in.agency_name = "臺北市政府秘書處";
	v.in.title = "網站 \"遭\" 入侵\\ 😀 \t\n\x01";
	v.in.description = NULL;
	v.in.category = "other";
	v.in.category_other = "其他 </script>";
	v.in.symptoms = "[\"web_defacement\",\"other\"]";
	v.in.occurred_at = TBTIME_NONE;
	v.in.aware_at = t;
	v.in.proposed_level = 2;
	v.in.level = 3;
	v.in.affected_systems = "[{\"name\":\"網站\",\"core\":true,"
	    "\"tolerable_downtime_s\":3600}]";
	v.in.impact_other_agencies = 1;
	v.in.critical_sectors = NULL;
	v.in.source = "alert";
	v.in.source_ref = NULL;
	v.in.exercise = 1;
	v.in.personal_data_involved = 0;
	v.in.equipment_failure = 1;
	v.in.is_school = 0;
	v.in.reports_to_central = 1;
	v.in.reported_by_name = "ca.window";
	v.in.vendor_aware_at = t - 3600000000;
	v.in.vendor_reported_at = TBTIME_NONE;
	v.in.policy = "2019-01-01";
	v.in.state = "reported";
	v.in.created_at = t + 1;
	v.in.updated_at = t + 2;
	v.in.version = 7;
	v.affected = affected;
	v.notified_at = notified;
	v.naff = 2;

	ev[0].id = 1;
	ev[0].at = t + 60000000;
	tb_strlcpy(x[0].type, "level_approved", sizeof(x[0].type));
	x[0].fields = "{\"level\":3,\"note\":\"核定 \\\"三級\\\"\\n\"}";
	x[0].actor_name = "ca.ciso";
	x[0].recorded_at = t + 61000000;
	ev[1].id = 2;
	ev[1].at = t + 120000000;
	tb_strlcpy(x[1].type, "team_formed", sizeof(x[1].type));
	x[1].fields = "{\"members\":[{\"role\":\"commander\","
	    "\"username\":\"ca.window\"}]}";
	x[1].actor_name = "ca.window";
	x[1].recorded_at = TBTIME_NONE;
	ev[2].id = 3;
	ev[2].at = t;
	tb_strlcpy(x[2].type, "doit_copied", sizeof(x[2].type));
	x[2].fields = "{}";
	x[2].actor_name = "ca.window";
	x[2].recorded_at = t;
	ev[3].id = 4;
	ev[3].at = t;
	tb_strlcpy(x[3].type, "damage_controlled", sizeof(x[3].type));
	x[3].fields = "{\"public_announcement\":false,\"scope\":null,"
	    "\"systems\":[{\"name\":\"a\",\"within_tolerable_downtime\":true}]}";
	x[3].actor_name = "ca.window";
	x[3].recorded_at = t;
	v.ev = ev;
	v.x = x;

	/* No events, no obligations. */
	same_json(&v, NULL, 0);
	v.nev = 4;

	ob[0].name = OBLIGATION_REPORT;
	ob[0].level = 3;
	ob[0].start_at = t;
	ob[0].due_at = t + 3600000000;
	ob[0].met_at = t + 60000000;
	ob[0].state = OBLIGATION_MET;
	ob[1].name = OBLIGATION_NOTIFY_AFFECTED;
	tb_strlcpy(ob[1].subject, "tp-edu", sizeof(ob[1].subject));
	ob[1].level = 3;
	ob[1].start_at = TBTIME_NONE;
	ob[1].due_at = TBTIME_NONE;
	ob[1].met_at = TBTIME_NONE;
	ob[1].state = OBLIGATION_NOT_APPLICABLE;
	ob[2].name = OBLIGATION_PROGRESS_REPORT;
	ob[2].period = 2;
	ob[2].level = 1;
	ob[2].start_at = t;
	ob[2].due_at = t + 86400000000;
	ob[2].by_date = true;
	ob[2].met_at = TBTIME_NONE;
	ob[2].state = OBLIGATION_OVERDUE;
	same_json(&v, ob, 3);

	/* Every optional text present, every list empty. */
	v.in.description = "";
	v.in.critical_sectors = "[]";
	v.in.source = NULL;
	v.in.source_ref = "REF-1";
	v.in.occurred_at = t - 1;
	v.naff = 0;
	same_json(&v, ob, 1);
}

/* A stored text that is not UTF-8 fails the answer (jansson's tree
 * refuses it too) rather than going out broken. */
static void
test_incident_text_bad_utf8(void **state)
{
	struct incident_view	 v;
	char			*s;
	size_t			 len;
	int			 err;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.in.id = 1;
	v.in.agency = "ca";
	v.in.title = "bad \xff";
	v.in.category = "other";
	v.in.policy = "2019-01-01";
	v.in.state = "new";
	s = incident_view_text(&v, NULL, 0, &len, &err);
	assert_null(s);
	assert_int_equal(err, TB_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jw_values),
		cmocka_unit_test(test_jw_escapes),
		cmocka_unit_test(test_jw_misuse),
		cmocka_unit_test(test_jw_raw_members),
		cmocka_unit_test(test_incident_text_equals_tree),
		cmocka_unit_test(test_incident_text_bad_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
