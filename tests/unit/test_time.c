/*
 * test_time.c: the rules of time (src/domain/tbtime.c).
 *
 * Every group is a table; rows that must fail sit beside the ones that must
 * pass.  Expected instants were computed independently (Python's datetime)
 * and are written out as numbers, so a bug in the parser cannot hide behind
 * the formatter or the other way round.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* An instant that must parse; fails the test otherwise. */
static int64_t
T(const char *s)
{
	int64_t	 t = 0;

	if (tbtime_parse(s, &t) != TB_OK)
		fail_msg("test data does not parse: %s", s);
	return t;
}

/* ------------------------------------------------------------------ */

static const struct {
	const char	*in;
	int		 rc;
	int64_t		 want;	/* when rc == TB_OK */
} parse_rows[] = {
	/* The worked example's awareness, written in several ways. */
	{ "2026-01-10T14:00:00+08:00", TB_OK, INT64_C(1768024800000000) },
	{ "2026-01-10T06:00:00Z", TB_OK, INT64_C(1768024800000000) },
	{ "2026-01-10t06:00:00z", TB_OK, INT64_C(1768024800000000) },
	{ "2026-01-09T22:00:00-08:00", TB_OK, INT64_C(1768024800000000) },
	{ "2026-01-10T06:00:00-00:00", TB_OK, INT64_C(1768024800000000) },
	{ "2026-01-10T11:30:00+05:30", TB_OK, INT64_C(1768024800000000) },
	/* Fractions: kept to the microsecond, extra digits truncated. */
	{ "2026-01-10T06:00:00.5Z", TB_OK, INT64_C(1768024800500000) },
	{ "2026-01-10T06:00:00.123456Z", TB_OK, INT64_C(1768024800123456) },
	{ "2026-01-10T06:00:00.1234567Z", TB_OK, INT64_C(1768024800123456) },
	{ "2026-01-10T06:00:00.123456789Z", TB_OK,
	    INT64_C(1768024800123456) },
	{ "2026-01-10T06:00:00.000001+08:00", TB_OK,
	    INT64_C(1767996000000001) },
	/* Leap days and range ends. */
	{ "2024-02-29T12:00:00Z", TB_OK, INT64_C(1709208000000000) },
	{ "2000-02-29T23:59:59.999999Z", TB_OK, INT64_C(951868799999999) },
	{ "1970-01-01T00:00:00Z", TB_OK, 0 },
	{ "1970-01-01T00:00:00+08:00", TB_OK, INT64_C(-28800000000) },
	{ "9999-12-31T23:59:59Z", TB_OK, INT64_C(253402300799000000) },
	{ "2026-01-10T23:59:59+23:59", TB_OK, INT64_C(1768003259000000) },

	/* No offset, or a malformed one. */
	{ "2026-01-10T14:00:00", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00.5", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00+0800", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00+08", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00+24:00", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00+08:60", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00 +08:00", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00UTC", TB_EINVAL, 0 },
	/* Impossible dates and fields out of range. */
	{ "2026-02-30T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-02-29T00:00:00Z", TB_EINVAL, 0 },
	{ "2100-02-29T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-04-31T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-13-01T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-00-10T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-01-00T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-01-32T00:00:00Z", TB_EINVAL, 0 },
	{ "2026-01-10T24:00:00Z", TB_EINVAL, 0 },
	{ "2026-01-10T23:60:00Z", TB_EINVAL, 0 },
	{ "2026-01-10T23:59:60Z", TB_EINVAL, 0 },
	/* Shapes RFC 3339 does not allow. */
	{ "2026-01-10 14:00:00+08:00", TB_EINVAL, 0 },
	{ "2026-1-10T14:00:00+08:00", TB_EINVAL, 0 },
	{ "2026-01-10T14:00+08:00", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00.Z", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00.1234567890Z", TB_EINVAL, 0 },
	{ "2026-01-10", TB_EINVAL, 0 },
	{ "20260110T140000Z", TB_EINVAL, 0 },
	{ " 2026-01-10T14:00:00Z", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00Zx", TB_EINVAL, 0 },
	{ "2026-01-10T14:00:00+08:00\n", TB_EINVAL, 0 },
	{ "", TB_EINVAL, 0 },
	{ "+2026-01-10T14:00:00Z", TB_EINVAL, 0 },
	{ "10000-01-01T00:00:00Z", TB_EINVAL, 0 },
	/* Years outside 1970..9999. */
	{ "1969-12-31T23:59:59Z", TB_ERANGE, 0 },
	{ "0000-01-01T00:00:00Z", TB_ERANGE, 0 },
};

static void
test_parse(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(parse_rows); i++) {
		int64_t	 t = 42;
		int	 rc = tbtime_parse(parse_rows[i].in, &t);

		if (rc != parse_rows[i].rc)
			fail_msg("row %zu \"%s\": rc %d, want %d", i,
			    parse_rows[i].in, rc, parse_rows[i].rc);
		if (rc == TB_OK && t != parse_rows[i].want)
			fail_msg("row %zu \"%s\": %lld, want %lld", i,
			    parse_rows[i].in, (long long)t,
			    (long long)parse_rows[i].want);
		if (rc != TB_OK && t != 42)
			fail_msg("row %zu: output written on error", i);
	}
}

static void
test_parse_n(void **state)
{
	const char	*s = "2026-01-10T14:00:00+08:00garbage";
	int64_t		 t;

	(void)state;
	/* A slice ends where its length says, not at a NUL. */
	assert_int_equal(tbtime_parse_n(s, 25, &t), TB_OK);
	assert_true(t == INT64_C(1768024800000000));
	assert_int_equal(tbtime_parse_n(s, 26, &t), TB_EINVAL);
	assert_int_equal(tbtime_parse_n(s, 24, &t), TB_EINVAL);
	assert_int_equal(tbtime_parse(NULL, &t), TB_EINVAL);
}

static const struct {
	const char	*in;
	int		 rc;
	int		 y, m, d;
} date_rows[] = {
	{ "2026-01-10", TB_OK, 2026, 1, 10 },
	{ "2024-02-29", TB_OK, 2024, 2, 29 },
	{ "2000-02-29", TB_OK, 2000, 2, 29 },
	{ "1970-01-01", TB_OK, 1970, 1, 1 },
	{ "9999-12-31", TB_OK, 9999, 12, 31 },
	{ "2100-02-29", TB_EINVAL, 0, 0, 0 },
	{ "2026-02-29", TB_EINVAL, 0, 0, 0 },
	{ "2026-06-31", TB_EINVAL, 0, 0, 0 },
	{ "2026-1-10", TB_EINVAL, 0, 0, 0 },
	{ "2026-01-10T00:00:00Z", TB_EINVAL, 0, 0, 0 },
	{ "2026-01-10 ", TB_EINVAL, 0, 0, 0 },
	{ "1969-12-31", TB_ERANGE, 0, 0, 0 },
};

static void
test_parse_date(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(date_rows); i++) {
		struct tbtime_date	 d = { 0, 0, 0 };
		int			 rc;

		rc = tbtime_parse_date(date_rows[i].in,
		    strlen(date_rows[i].in), &d);
		if (rc != date_rows[i].rc)
			fail_msg("row %zu \"%s\": rc %d, want %d", i,
			    date_rows[i].in, rc, date_rows[i].rc);
		if (rc == TB_OK && (d.year != date_rows[i].y ||
		    d.month != date_rows[i].m || d.day != date_rows[i].d))
			fail_msg("row %zu: %d-%d-%d", i, d.year, d.month,
			    d.day);
	}
}

/* ------------------------------------------------------------------ */

static const struct {
	int64_t		 t;
	size_t		 size;
	int		 rc;
	const char	*want;
} format_rows[] = {
	{ INT64_C(1768024800000000), 26, TB_OK, "2026-01-10T14:00:00+08:00" },
	{ 0, 26, TB_OK, "1970-01-01T08:00:00+08:00" },
	/* Fractions are dropped, never rounded up to the next second. */
	{ INT64_C(1768060799999999), 26, TB_OK, "2026-01-10T23:59:59+08:00" },
	/* Taipei's new year is 16:00 UTC on 31 December. */
	{ INT64_C(1767196800000000), 26, TB_OK, "2026-01-01T00:00:00+08:00" },
	{ INT64_C(1767196799999999), 26, TB_OK, "2025-12-31T23:59:59+08:00" },
	/* Before the epoch: floor, not truncation toward zero. */
	{ -1, 26, TB_OK, "1970-01-01T07:59:59+08:00" },
	{ INT64_C(-28800000000), 26, TB_OK, "1970-01-01T00:00:00+08:00" },
	{ INT64_C(1709208000000000), 26, TB_OK, "2024-02-29T20:00:00+08:00" },
	/* The buffer must hold the NUL too. */
	{ INT64_C(1768024800000000), 25, TB_ETOOBIG, "" },
	{ INT64_C(1768024800000000), 1, TB_ETOOBIG, "" },
	/* Past 9999 in Taipei, and "no time". */
	{ INT64_C(253402300799000000), 26, TB_ERANGE, "" },
	{ TBTIME_NONE, 26, TB_ERANGE, "" },
};

static void
test_format(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(format_rows); i++) {
		char	 buf[64];
		int	 rc;

		memset(buf, 'x', sizeof(buf));
		rc = tbtime_format(format_rows[i].t, buf, format_rows[i].size);
		if (rc != format_rows[i].rc)
			fail_msg("row %zu: rc %d, want %d", i, rc,
			    format_rows[i].rc);
		if (strcmp(buf, format_rows[i].want) != 0)
			fail_msg("row %zu: \"%s\", want \"%s\"", i, buf,
			    format_rows[i].want);
		/* Nothing past the given size is touched. */
		if (buf[format_rows[i].size] != 'x')
			fail_msg("row %zu: wrote past the buffer", i);
	}
}

static void
test_round_trip(void **state)
{
	static const char *const rows[] = {
		"2026-01-10T14:00:00+08:00",
		"2024-02-29T00:00:00+08:00",
		"2100-02-28T23:59:59+08:00",
		"1970-01-01T00:00:00+08:00",
		"9999-12-31T23:59:59+08:00",
	};
	size_t	 i;
	char	 buf[TBTIME_RFC3339_SIZE];

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		assert_int_equal(tbtime_format(T(rows[i]), buf, sizeof(buf)),
		    TB_OK);
		assert_string_equal(buf, rows[i]);
	}
}

static const struct {
	const char	*in;
	const char	*want;
	int		 rc;
} roc_rows[] = {
	{ "2026-11-25T16:30:00+08:00", "中華民國115年11月25日 16時30分",
	    TB_OK },
	/* Same instant written in UTC: printed in Taipei time. */
	{ "2026-11-25T08:30:00Z", "中華民國115年11月25日 16時30分", TB_OK },
	{ "2026-01-05T09:05:00+08:00", "中華民國115年1月5日 9時5分", TB_OK },
	{ "2026-01-05T00:00:59+08:00", "中華民國115年1月5日 0時0分", TB_OK },
	{ "2025-12-31T16:00:00Z", "中華民國115年1月1日 0時0分", TB_OK },
	{ "2024-02-29T23:59:00+08:00", "中華民國113年2月29日 23時59分", TB_OK },
	{ "1970-01-01T00:00:00Z", "中華民國59年1月1日 8時0分", TB_OK },
};

static void
test_roc(void **state)
{
	struct tbtime_date	 d = { 2026, 11, 25 };
	size_t			 i;
	char			 buf[TBTIME_ROC_SIZE];

	(void)state;
	for (i = 0; i < NELEM(roc_rows); i++) {
		int	 rc = tbtime_format_roc(T(roc_rows[i].in), buf,
		    sizeof(buf));

		if (rc != roc_rows[i].rc || strcmp(buf, roc_rows[i].want) != 0)
			fail_msg("row %zu: rc %d \"%s\", want \"%s\"", i, rc,
			    buf, roc_rows[i].want);
	}
	/* The ROC era starts in 1912; before it there is no ROC year. */
	assert_int_equal(tbtime_format_roc(INT64_C(-1830412800000000), buf,
	    sizeof(buf)), TB_OK);
	assert_string_equal(buf, "中華民國1年1月1日 0時0分");
	assert_int_equal(tbtime_format_roc(INT64_C(-1830412801000000), buf,
	    sizeof(buf)), TB_ERANGE);
	assert_int_equal(tbtime_format_roc(TBTIME_NONE, buf, sizeof(buf)),
	    TB_ERANGE);
	/* Too small a buffer is an error, never a shorter string. */
	assert_int_equal(tbtime_format_roc(T("2026-11-25T16:30:00+08:00"),
	    buf, 20), TB_ETOOBIG);
	assert_string_equal(buf, "");

	assert_int_equal(tbtime_format_roc_date(&d, buf, sizeof(buf)), TB_OK);
	assert_string_equal(buf, "中華民國115年11月25日");
	d.day = 31;
	assert_int_equal(tbtime_format_roc_date(&d, buf, sizeof(buf)),
	    TB_ERANGE);
	d.year = 1911;
	d.day = 1;
	assert_int_equal(tbtime_format_roc_date(&d, buf, sizeof(buf)),
	    TB_ERANGE);
}

/* ------------------------------------------------------------------ */

static void
test_leap(void **state)
{
	static const struct {
		int	 year;
		bool	 leap;
		int	 feb;
	} rows[] = {
		{ 2000, true, 29 }, { 1900, false, 28 }, { 2024, true, 29 },
		{ 2028, true, 29 }, { 2100, false, 28 }, { 2026, false, 28 },
		{ 2400, true, 29 }, { 2023, false, 28 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		assert_int_equal(tbtime_is_leap(rows[i].year), rows[i].leap);
		assert_int_equal(tbtime_days_in_month(rows[i].year, 2),
		    rows[i].feb);
	}
	assert_int_equal(tbtime_days_in_month(2026, 1), 31);
	assert_int_equal(tbtime_days_in_month(2026, 4), 30);
	assert_int_equal(tbtime_days_in_month(2026, 12), 31);
	assert_int_equal(tbtime_days_in_month(2026, 0), 0);
	assert_int_equal(tbtime_days_in_month(2026, 13), 0);
}

static const struct {
	const char	*in;
	int		 y, m, d;
} taipei_rows[] = {
	/* The Taipei date changes at 16:00 UTC. */
	{ "2026-01-10T15:59:59.999999Z", 2026, 1, 10 },
	{ "2026-01-10T16:00:00Z", 2026, 1, 11 },
	{ "2026-01-10T23:59:59+08:00", 2026, 1, 10 },
	{ "2026-01-11T00:00:00+08:00", 2026, 1, 11 },
	/* Any offset may be sent; the day is always Taipei's. */
	{ "2026-01-10T10:00:00-08:00", 2026, 1, 11 },
	{ "2025-12-31T16:00:00Z", 2026, 1, 1 },
	{ "2024-02-28T16:00:00Z", 2024, 2, 29 },
	{ "1970-01-01T00:00:00+08:00", 1970, 1, 1 },
};

static void
test_taipei_date(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(taipei_rows); i++) {
		struct tbtime_date d = tbtime_taipei_date(T(taipei_rows[i].in));

		if (d.year != taipei_rows[i].y || d.month != taipei_rows[i].m ||
		    d.day != taipei_rows[i].d)
			fail_msg("row %zu %s: %d-%d-%d", i, taipei_rows[i].in,
			    d.year, d.month, d.day);
	}
}

static void
test_day_bounds(void **state)
{
	struct tbtime_date	 d = { 2026, 2, 10 }, e;
	char			 buf[TBTIME_RFC3339_SIZE];

	(void)state;
	assert_true(tbtime_day_start(&d) == T("2026-02-10T00:00:00+08:00"));
	assert_true(tbtime_day_end(&d) == T("2026-02-10T23:59:59+08:00"));
	assert_int_equal(tbtime_format(tbtime_day_end(&d), buf, sizeof(buf)),
	    TB_OK);
	assert_string_equal(buf, "2026-02-10T23:59:59+08:00");
	/* The next day starts one second after due_at. */
	e = tbtime_date_add_days(&d, 1);
	assert_true(tbtime_day_start(&e) == tbtime_day_end(&d) +
	    TBTIME_US_PER_SEC);
	/* Adding days across month, leap and year ends. */
	e = (struct tbtime_date){ 2024, 2, 28 };
	e = tbtime_date_add_days(&e, 1);
	assert_true(e.month == 2 && e.day == 29);
	e = tbtime_date_add_days(&e, 1);
	assert_true(e.month == 3 && e.day == 1);
	e = (struct tbtime_date){ 2026, 12, 31 };
	e = tbtime_date_add_days(&e, 1);
	assert_true(e.year == 2027 && e.month == 1 && e.day == 1);
	e = tbtime_date_add_days(&e, -1);
	assert_true(e.year == 2026 && e.month == 12 && e.day == 31);
	e = (struct tbtime_date){ 2100, 2, 28 };
	e = tbtime_date_add_days(&e, 1);
	assert_true(e.month == 3 && e.day == 1);
}

/* A period in hours runs from the exact instant, seconds included. */
static void
test_hours(void **state)
{
	(void)state;
	assert_true(tbtime_hours_end(T("2026-01-10T10:17:30+08:00"), 1) ==
	    T("2026-01-10T11:17:30+08:00"));
	assert_true(tbtime_hours_end(T("2026-01-10T10:17:30.25+08:00"), 72)
	    == T("2026-01-13T10:17:30.25+08:00"));
	assert_true(tbtime_hours_end(T("2026-12-31T23:30:00+08:00"), 1) ==
	    T("2027-01-01T00:30:00+08:00"));
	assert_true(tbtime_hours_end(T("2024-02-28T23:00:00+08:00"), 36) ==
	    T("2024-03-01T11:00:00+08:00"));
}

static const struct {
	const char	*start;
	int		 n;
	bool		 counted;
	const char	*last;	/* YYYY-MM-DD */
} days_rows[] = {
	/* P14: the report's Taipei day is day 1; due at the end of day 3.
	 * 23:30 and 00:10 the next day give different due dates. */
	{ "2026-01-10T23:30:00+08:00", 3, true, "2026-01-12" },
	{ "2026-01-11T00:10:00+08:00", 3, true, "2026-01-13" },
	{ "2026-01-10T15:30:00Z", 3, true, "2026-01-12" },
	{ "2026-01-10T16:10:00Z", 3, true, "2026-01-13" },
	{ "2026-01-10T23:59:59.999999+08:00", 3, true, "2026-01-12" },
	{ "2026-01-11T00:00:00+08:00", 3, true, "2026-01-13" },
	/* Not counted: the period starts the next day. */
	{ "2026-01-10T23:30:00+08:00", 3, false, "2026-01-13" },
	{ "2026-01-10T00:00:00+08:00", 1, false, "2026-01-11" },
	{ "2026-01-10T00:00:00+08:00", 1, true, "2026-01-10" },
	/* Month, leap and year ends. */
	{ "2026-01-30T10:00:00+08:00", 3, true, "2026-02-01" },
	{ "2026-02-27T10:00:00+08:00", 3, true, "2026-03-01" },
	{ "2028-02-27T10:00:00+08:00", 3, true, "2028-02-29" },
	{ "2100-02-27T10:00:00+08:00", 3, true, "2100-03-01" },
	{ "2000-02-27T10:00:00+08:00", 3, true, "2000-02-29" },
	{ "2026-12-30T10:00:00+08:00", 3, true, "2027-01-01" },
	{ "2026-12-31T23:59:00+08:00", 3, true, "2027-01-02" },
};

static void
test_days(void **state)
{
	size_t	 i;
	char	 got[TBTIME_DATE_SIZE];

	(void)state;
	for (i = 0; i < NELEM(days_rows); i++) {
		struct tbtime_date d = tbtime_days_last(T(days_rows[i].start),
		    days_rows[i].n, days_rows[i].counted);

		assert_int_equal(tbtime_format_date(&d, got, sizeof(got)),
		    TB_OK);
		if (strcmp(got, days_rows[i].last) != 0)
			fail_msg("row %zu %s +%d: %s, want %s", i,
			    days_rows[i].start, days_rows[i].n, got,
			    days_rows[i].last);
	}
}

static const struct {
	const char	*start;
	int		 n;
	bool		 counted;
	const char	*last;
} months_rows[] = {
	/* The worked example of REQUIREMENTS: first counted day 01-11. */
	{ "2026-01-10T14:00:00+08:00", 1, false, "2026-02-10" },
	{ "2026-01-10T00:00:00+08:00", 1, false, "2026-02-10" },
	{ "2026-01-10T23:59:59+08:00", 1, false, "2026-02-10" },
	{ "2026-01-09T23:59:59+08:00", 1, false, "2026-02-09" },
	{ "2026-01-10T16:00:00Z", 1, false, "2026-02-11" },
	{ "2026-01-10T15:59:59Z", 1, false, "2026-02-10" },
	/* First counted day the 1st: whole calendar months. */
	{ "2026-01-31T10:00:00+08:00", 1, false, "2026-02-28" },
	{ "2028-01-31T10:00:00+08:00", 1, false, "2028-02-29" },
	{ "2026-08-31T10:00:00+08:00", 1, false, "2026-09-30" },
	{ "2026-12-31T10:00:00+08:00", 1, false, "2027-01-31" },
	{ "2024-02-29T10:00:00+08:00", 1, false, "2024-03-31" },
	{ "2026-02-28T10:00:00+08:00", 24, false, "2028-02-29" },
	{ "2027-02-28T10:00:00+08:00", 12, false, "2028-02-29" },
	/* The month n months on has no such day: its last day. */
	{ "2026-01-30T10:00:00+08:00", 1, false, "2026-02-28" },
	{ "2028-01-30T10:00:00+08:00", 1, false, "2028-02-29" },
	{ "2026-01-29T10:00:00+08:00", 1, false, "2026-02-28" },
	{ "2028-01-29T10:00:00+08:00", 1, false, "2028-02-29" },
	{ "2028-01-28T10:00:00+08:00", 1, false, "2028-02-28" },
	{ "2024-01-30T10:00:00+08:00", 1, false, "2024-02-29" },
	{ "2100-01-30T10:00:00+08:00", 1, false, "2100-02-28" },
	{ "2000-01-30T10:00:00+08:00", 1, false, "2000-02-29" },
	{ "2026-08-30T10:00:00+08:00", 1, false, "2026-09-30" },
	{ "2026-08-29T10:00:00+08:00", 1, false, "2026-09-29" },
	{ "2024-02-28T10:00:00+08:00", 1, false, "2024-03-28" },
	{ "2026-03-30T10:00:00+08:00", 1, false, "2026-04-30" },
	{ "2026-03-29T10:00:00+08:00", 1, false, "2026-04-29" },
	/* Year ends. */
	{ "2026-12-15T10:00:00+08:00", 1, false, "2027-01-15" },
	{ "2026-12-30T10:00:00+08:00", 1, false, "2027-01-30" },
	{ "2026-11-30T10:00:00+08:00", 1, false, "2026-12-31" },
	/* Several months. */
	{ "2026-01-10T14:00:00+08:00", 3, false, "2026-04-10" },
	{ "2026-01-10T14:00:00+08:00", 6, false, "2026-07-10" },
	{ "2026-08-30T10:00:00+08:00", 6, false, "2027-02-28" },
	{ "2026-01-10T14:00:00+08:00", 24, false, "2028-01-10" },
	{ "2026-10-15T10:00:00+08:00", 3, false, "2027-01-15" },
	/* First day counted. */
	{ "2026-01-10T14:00:00+08:00", 1, true, "2026-02-09" },
	{ "2026-02-01T14:00:00+08:00", 1, true, "2026-02-28" },
};

static void
test_months(void **state)
{
	size_t	 i;
	char	 got[TBTIME_DATE_SIZE];

	(void)state;
	for (i = 0; i < NELEM(months_rows); i++) {
		struct tbtime_date d = tbtime_months_last(
		    T(months_rows[i].start), months_rows[i].n,
		    months_rows[i].counted);

		assert_int_equal(tbtime_format_date(&d, got, sizeof(got)),
		    TB_OK);
		if (strcmp(got, months_rows[i].last) != 0)
			fail_msg("row %zu %s +%dm: %s, want %s", i,
			    months_rows[i].start, months_rows[i].n, got,
			    months_rows[i].last);
	}
}

static const struct {
	const char	*met;
	const char	*due;
	bool		 by_date;
	bool		 want;
} on_time_rows[] = {
	/* Day periods: the whole Taipei date of due is on time. */
	{ "2026-02-10T23:59:59+08:00", "2026-02-10T23:59:59+08:00", true,
	    true },
	{ "2026-02-10T23:59:59.999999+08:00", "2026-02-10T23:59:59+08:00",
	    true, true },
	{ "2026-02-11T00:00:00+08:00", "2026-02-10T23:59:59+08:00", true,
	    false },
	{ "2026-02-10T15:59:59Z", "2026-02-10T23:59:59+08:00", true, true },
	{ "2026-02-10T16:00:00Z", "2026-02-10T23:59:59+08:00", true, false },
	{ "2026-01-01T00:00:00+08:00", "2026-02-10T23:59:59+08:00", true,
	    true },
	/* Hour periods: the instant. */
	{ "2026-01-10T11:17:30+08:00", "2026-01-10T11:17:30+08:00", false,
	    true },
	{ "2026-01-10T11:17:30.000001+08:00", "2026-01-10T11:17:30+08:00",
	    false, false },
	{ "2026-01-10T11:17:29.999999+08:00", "2026-01-10T11:17:30+08:00",
	    false, true },
};

static void
test_on_time(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(on_time_rows); i++)
		if (tbtime_on_time(T(on_time_rows[i].met),
		    T(on_time_rows[i].due), on_time_rows[i].by_date) !=
		    on_time_rows[i].want)
			fail_msg("row %zu: %s vs %s", i, on_time_rows[i].met,
			    on_time_rows[i].due);
}

static void
test_date_misc(void **state)
{
	struct tbtime_date	 a = { 2026, 1, 10 }, b = { 2026, 1, 11 };
	struct tbtime_date	 bad = { 2026, 2, 29 };
	char			 buf[TBTIME_DATE_SIZE];

	(void)state;
	assert_true(tbtime_date_cmp(&a, &b) < 0);
	assert_true(tbtime_date_cmp(&b, &a) > 0);
	assert_int_equal(tbtime_date_cmp(&a, &a), 0);
	b = (struct tbtime_date){ 2025, 12, 31 };
	assert_true(tbtime_date_cmp(&a, &b) > 0);
	assert_false(tbtime_date_valid(&bad));
	assert_int_equal(tbtime_format_date(&bad, buf, sizeof(buf)),
	    TB_ERANGE);
	assert_int_equal(tbtime_format_date(&a, buf, 10), TB_ETOOBIG);
	assert_int_equal(tbtime_format_date(&a, buf, sizeof(buf)), TB_OK);
	assert_string_equal(buf, "2026-01-10");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_n),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_roc),
		cmocka_unit_test(test_leap),
		cmocka_unit_test(test_taipei_date),
		cmocka_unit_test(test_day_bounds),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_on_time),
		cmocka_unit_test(test_date_misc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
