/*
 * fuzz_time.c: tbtime_parse(), tbtime_parse_n() and tbtime_parse_date()
 * (src/domain/tbtime.c), the parsers every time and date of the API goes
 * through.
 *
 * Input: the text to parse.
 *
 * Invariants:
 *   - the NUL-terminated and the counted parser agree, and a NUL inside the
 *     counted text is refused;
 *   - a parsed time is the instant its fields name: recomputed here with
 *     timegm() from the digits, the fraction and the offset;
 *   - it formats (when its Taipei year is within 1970..9999) to a text
 *     that parses back to the same instant, fractions of a second dropped,
 *     and to the input itself when the input was already in that form;
 *   - a parsed date formats back to exactly the input, and its Taipei day
 *     starts and ends on that date, 86399 seconds apart.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "domain/domain.h"
#include "fuzz.h"

/* The number of n digits at s (the parser accepted them, so they are). */
static int64_t
digits(const char *s, int n)
{
	int64_t	 v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Recomputes the instant of an accepted RFC 3339 text without tbtime.c. */
static int64_t
ref_instant(const char *s, size_t len)
{
	struct tm	 tm;
	time_t		 secs;
	int64_t		 frac = 0, off;
	size_t		 i = 19;
	int		 nd = 0;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)digits(s, 4) - 1900;
	tm.tm_mon = (int)digits(s + 5, 2) - 1;
	tm.tm_mday = (int)digits(s + 8, 2);
	tm.tm_hour = (int)digits(s + 11, 2);
	tm.tm_min = (int)digits(s + 14, 2);
	tm.tm_sec = (int)digits(s + 17, 2);
	secs = timegm(&tm);
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 6)
				frac = frac * 10 + (s[i] - '0');
	for (; nd < 6; nd++)
		frac *= 10;
	if (s[i] == 'Z' || s[i] == 'z')
		off = 0;
	else {
		off = (digits(s + i + 1, 2) * 3600 + digits(s + i + 4, 2) * 60)
		    * TBTIME_US_PER_SEC;
		if (s[i] == '-')
			off = -off;
	}
	FUZZ_CHECK(len > i);
	return (int64_t)secs * TBTIME_US_PER_SEC + frac - off;
}

static int64_t
floor_sec(int64_t t)
{
	int64_t	 r = t % TBTIME_US_PER_SEC;

	return r < 0 ? t - r - TBTIME_US_PER_SEC : t - r;
}

static void
check_time(const char *s, size_t len)
{
	char		 buf[TBTIME_RFC3339_SIZE], roc[TBTIME_ROC_SIZE];
	int64_t		 t, t2, back;
	int		 rc, rc2, frc;

	rc = tbtime_parse_n(s, len, &t);
	rc2 = tbtime_parse(s, &t2);
	FUZZ_CHECK(rc == TB_OK || rc == TB_EINVAL || rc == TB_ERANGE);
	if (memchr(s, '\0', len) != NULL) {
		FUZZ_CHECK(rc != TB_OK);
		return;
	}
	FUZZ_CHECK(rc == rc2);
	if (rc != TB_OK)
		return;
	FUZZ_CHECK(t == t2);
	FUZZ_CHECK(t != TBTIME_NONE);
	FUZZ_CHECK(t == ref_instant(s, len));

	frc = tbtime_format(t, buf, sizeof(buf));
	if (frc != TB_OK) {
		/* Only past 9999-12-31 Taipei time, from a western offset. */
		FUZZ_CHECK(frc == TB_ERANGE);
		FUZZ_CHECK(tbtime_taipei_date(t).year > 9999);
		return;
	}
	FUZZ_CHECK(strlen(buf) == TBTIME_RFC3339_SIZE - 1);
	if (tbtime_taipei_date(t).year < 1970) {
		/* 1970-01-01 early in the morning at an eastern offset: an
		 * instant in 1969 in Taipei, which the parser refuses as
		 * written ("1969-..."). */
		FUZZ_CHECK(tbtime_parse(buf, &back) == TB_ERANGE);
		return;
	}
	FUZZ_CHECK(tbtime_parse(buf, &back) == TB_OK);
	FUZZ_CHECK(back == floor_sec(t));
	if (len == 25 && s[10] == 'T' && memcmp(s + 19, "+08:00", 6) == 0)
		FUZZ_CHECK(memcmp(buf, s, 25) == 0);
	if (tbtime_taipei_date(t).year >= 1912)
		FUZZ_CHECK(tbtime_format_roc(t, roc, sizeof(roc)) == TB_OK);
}

static void
check_date(const char *s, size_t len)
{
	struct tbtime_date	 d, e;
	char			 buf[TBTIME_DATE_SIZE];
	int64_t			 start, end;
	int			 rc;

	rc = tbtime_parse_date(s, len, &d);
	FUZZ_CHECK(rc == TB_OK || rc == TB_EINVAL || rc == TB_ERANGE);
	if (rc != TB_OK)
		return;
	FUZZ_CHECK(len == 10 && tbtime_date_valid(&d));
	FUZZ_CHECK(d.year >= 1970 && d.year <= 9999);
	FUZZ_CHECK(tbtime_format_date(&d, buf, sizeof(buf)) == TB_OK);
	FUZZ_CHECK(memcmp(buf, s, 10) == 0);
	start = tbtime_day_start(&d);
	end = tbtime_day_end(&d);
	FUZZ_CHECK(end - start == 86399 * TBTIME_US_PER_SEC);
	e = tbtime_taipei_date(start);
	FUZZ_CHECK(tbtime_date_cmp(&e, &d) == 0);
	e = tbtime_taipei_date(end);
	FUZZ_CHECK(tbtime_date_cmp(&e, &d) == 0);
	e = tbtime_taipei_date(start - 1);
	FUZZ_CHECK(tbtime_date_cmp(&e, &d) < 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 s[128];

	/* Real times are 20 to 35 characters; longer inputs are refused
	 * early and would only slow the search. */
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_time(s, size);
	check_date(s, size);
	return 0;
}
