/*
 * tbtime.c: the rules of time (REQUIREMENTS "Rules of time").
 *
 * Instants are int64_t microseconds since the Unix epoch, UTC.  Taiwan has
 * one zone, Asia/Taipei, fixed at UTC+8 with no daylight saving, so a Taipei
 * date is plain arithmetic and no time-zone database is read (which also
 * keeps this file pure: no I/O, no libc time functions that consult TZ).
 *
 * Civil-date arithmetic uses Howard Hinnant's days_from_civil and
 * civil_from_days algorithms (public domain), valid for any year an int
 * holds in the proleptic Gregorian calendar.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/domain.h"

/* Days since 1970-01-01 of a civil date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of a count of days since 1970-01-01. */
static struct tbtime_date
civil_from_days(int64_t z)
{
	struct tbtime_date	 d;
	int64_t			 era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(y + (d.month <= 2));
	return d;
}

/* Floor division, for instants before the epoch. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t	 q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

bool
tbtime_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
tbtime_days_in_month(int year, int month)
{
	static const int	 mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && tbtime_is_leap(year))
		return 29;
	return mdays[month - 1];
}

bool
tbtime_date_valid(const struct tbtime_date *d)
{
	return d->month >= 1 && d->month <= 12 && d->day >= 1 &&
	    d->day <= tbtime_days_in_month(d->year, d->month);
}

int
tbtime_date_cmp(const struct tbtime_date *a, const struct tbtime_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

struct tbtime_date
tbtime_date_add_days(const struct tbtime_date *d, int64_t n)
{
	return civil_from_days(days_from_civil(d->year, d->month, d->day) +
	    n);
}

struct tbtime_date
tbtime_taipei_date(int64_t t)
{
	/* Saturating, so TBTIME_NONE or INT64_MAX cannot overflow here; the
	 * callers never ask for the date of those, but a pure function
	 * should not have undefined behaviour on any input. */
	if (t > INT64_MAX - TBTIME_TAIPEI_OFFSET_US)
		t = INT64_MAX - TBTIME_TAIPEI_OFFSET_US;
	return civil_from_days(floor_div(t + TBTIME_TAIPEI_OFFSET_US,
	    TBTIME_US_PER_DAY));
}

int64_t
tbtime_day_start(const struct tbtime_date *d)
{
	return days_from_civil(d->year, d->month, d->day) *
	    TBTIME_US_PER_DAY - TBTIME_TAIPEI_OFFSET_US;
}

int64_t
tbtime_day_end(const struct tbtime_date *d)
{
	/* 23:59:59.000000 exactly, as REQUIREMENTS writes due_at; the rest
	 * of that second is still the same Taipei date and so on time
	 * (tbtime_on_time compares dates for day periods). */
	return tbtime_day_start(d) + TBTIME_US_PER_DAY - TBTIME_US_PER_SEC;
}

int64_t
tbtime_hours_end(int64_t start, int hours)
{
	return start + (int64_t)hours * TBTIME_US_PER_HOUR;
}

struct tbtime_date
tbtime_days_last(int64_t start, int n, bool first_day_counted)
{
	struct tbtime_date	 d = tbtime_taipei_date(start);

	/* 民法 120(2): the first day is not counted unless the rule says so;
	 * P14 does ("通報日(含)起三天內"): day 1 is the report's date. */
	return tbtime_date_add_days(&d, first_day_counted ? n - 1 : n);
}

struct tbtime_date
tbtime_months_last(int64_t start, int n, bool first_day_counted)
{
	struct tbtime_date	 f, e;
	int64_t			 mi;
	int			 dim;

	f = tbtime_taipei_date(start);
	if (!first_day_counted)
		f = tbtime_date_add_days(&f, 1);

	/* The month n months after the first counted day's month. */
	mi = (int64_t)f.year * 12 + (f.month - 1) + n;
	e.year = (int)floor_div(mi, 12);
	e.month = (int)(mi - (int64_t)e.year * 12) + 1;
	dim = tbtime_days_in_month(e.year, e.month);

	if (f.day == 1) {
		/* 民法 121(1): starting on the 1st, the period is n whole
		 * calendar months, ending on the last day of the month
		 * before e. */
		e.day = 1;
		return tbtime_date_add_days(&e, -1);
	}
	/* 民法 121(2): it ends the day before the day of e with f's day
	 * number; when e has no such day, on e's last day. */
	if (f.day > dim) {
		e.day = dim;
		return e;
	}
	e.day = f.day;
	return tbtime_date_add_days(&e, -1);
}

bool
tbtime_on_time(int64_t met, int64_t due, bool by_date)
{
	struct tbtime_date	 dm, dd;

	if (!by_date)
		return met <= due;
	dm = tbtime_taipei_date(met);
	dd = tbtime_taipei_date(due);
	return tbtime_date_cmp(&dm, &dd) <= 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                              */
/* ------------------------------------------------------------------ */

/* Reads exactly n ASCII digits at s[*i] into *v; false if any is not a
 * digit or the input ends first. */
static bool
read_digits(const char *s, size_t len, size_t *i, int n, int *v)
{
	int	 k, r = 0;

	if (*i + (size_t)n > len)
		return false;
	for (k = 0; k < n; k++) {
		char	 c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return false;
		r = r * 10 + (c - '0');
	}
	*i += (size_t)n;
	*v = r;
	return true;
}

static bool
expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return false;
	(*i)++;
	return true;
}

/* Parses "YYYY-MM-DD" at s[*i]; TB_EINVAL or TB_ERANGE. */
static int
parse_date_at(const char *s, size_t len, size_t *i, struct tbtime_date *d)
{
	if (!read_digits(s, len, i, 4, &d->year) ||
	    !expect(s, len, i, '-') ||
	    !read_digits(s, len, i, 2, &d->month) ||
	    !expect(s, len, i, '-') ||
	    !read_digits(s, len, i, 2, &d->day))
		return TB_EINVAL;
	if (!tbtime_date_valid(d))
		return TB_EINVAL;
	if (d->year < 1970 || d->year > 9999)
		return TB_ERANGE;
	return TB_OK;
}

int
tbtime_parse_date(const char *s, size_t len, struct tbtime_date *out)
{
	struct tbtime_date	 d;
	size_t			 i = 0;
	int			 rc;

	if (s == NULL)
		return TB_EINVAL;
	if ((rc = parse_date_at(s, len, &i, &d)) != TB_OK)
		return rc;
	if (i != len)
		return TB_EINVAL;
	*out = d;
	return TB_OK;
}

int
tbtime_parse_n(const char *s, size_t len, int64_t *out)
{
	struct tbtime_date	 d;
	size_t			 i = 0;
	int			 hh, mi, ss, oh, om, rc, ndig;
	int64_t			 frac = 0, t, off;

	if (s == NULL)
		return TB_EINVAL;
	if ((rc = parse_date_at(s, len, &i, &d)) != TB_OK)
		return rc;
	if (i >= len || (s[i] != 'T' && s[i] != 't'))
		return TB_EINVAL;
	i++;
	if (!read_digits(s, len, &i, 2, &hh) || !expect(s, len, &i, ':') ||
	    !read_digits(s, len, &i, 2, &mi) || !expect(s, len, &i, ':') ||
	    !read_digits(s, len, &i, 2, &ss))
		return TB_EINVAL;
	/* A leap second (:60) cannot be represented as Unix time; refusing
	 * it is safer than silently moving the instant. */
	if (hh > 23 || mi > 59 || ss > 59)
		return TB_EINVAL;

	if (i < len && s[i] == '.') {
		i++;
		for (ndig = 0; i < len && s[i] >= '0' && s[i] <= '9';
		    ndig++, i++) {
			/* Microseconds are kept; digits past the sixth are
			 * accepted (up to nanoseconds) and truncated. */
			if (ndig >= 9)
				return TB_EINVAL;
			if (ndig < 6)
				frac = frac * 10 + (s[i] - '0');
		}
		if (ndig == 0)
			return TB_EINVAL;
		for (; ndig < 6; ndig++)
			frac *= 10;
	}

	/* The offset is required: a time without one is ambiguous and the
	 * API refuses it (issue 4, "Bad input"). */
	if (i >= len)
		return TB_EINVAL;
	if (s[i] == 'Z' || s[i] == 'z') {
		off = 0;
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		bool	 neg = s[i] == '-';

		i++;
		if (!read_digits(s, len, &i, 2, &oh) ||
		    !expect(s, len, &i, ':') ||
		    !read_digits(s, len, &i, 2, &om))
			return TB_EINVAL;
		if (oh > 23 || om > 59)
			return TB_EINVAL;
		off = ((int64_t)oh * 3600 + om * 60) * TBTIME_US_PER_SEC;
		if (neg)
			off = -off;
	} else
		return TB_EINVAL;
	if (i != len)
		return TB_EINVAL;

	t = days_from_civil(d.year, d.month, d.day) * TBTIME_US_PER_DAY +
	    ((int64_t)hh * 3600 + mi * 60 + ss) * TBTIME_US_PER_SEC + frac;
	*out = t - off;
	return TB_OK;
}

int
tbtime_parse(const char *s, int64_t *out)
{
	if (s == NULL)
		return TB_EINVAL;
	return tbtime_parse_n(s, strlen(s), out);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                           */
/* ------------------------------------------------------------------ */

/*
 * A tiny writer into a caller buffer.  snprintf would do, but writing the
 * digits by hand keeps this file free of locale and of any truncation
 * subtleties; overflow is remembered and reported once at the end.
 */
struct wbuf {
	char	*p;
	size_t	 size;
	size_t	 len;
	bool	 over;
};

static void
w_bytes(struct wbuf *w, const char *s, size_t n)
{
	if (w->over || w->len + n >= w->size) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static void
w_str(struct wbuf *w, const char *s)
{
	w_bytes(w, s, strlen(s));
}

/* Writes v >= 0 with at least width digits (zero-padded). */
static void
w_num(struct wbuf *w, int v, int width)
{
	char	 tmp[16];
	int	 n = 0, k;
	char	 out[16];

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof(tmp));
	while (n < width && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	for (k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	w_bytes(w, out, (size_t)n);
}

static void
w_init(struct wbuf *w, char *buf, size_t size)
{
	w->p = buf;
	w->size = size;
	w->len = 0;
	w->over = false;
	if (size > 0)
		buf[0] = '\0';
}

static int
w_done(struct wbuf *w)
{
	if (w->over) {
		if (w->size > 0)
			w->p[0] = '\0';
		return TB_ETOOBIG;
	}
	return TB_OK;
}

/* Splits t into its Taipei date and seconds of the day. */
static void
taipei_split(int64_t t, struct tbtime_date *d, int *hh, int *mi, int *ss)
{
	int64_t	 local, days, sod;

	local = t + TBTIME_TAIPEI_OFFSET_US;
	days = floor_div(local, TBTIME_US_PER_DAY);
	sod = floor_div(local - days * TBTIME_US_PER_DAY, TBTIME_US_PER_SEC);
	*d = civil_from_days(days);
	*hh = (int)(sod / 3600);
	*mi = (int)(sod / 60 % 60);
	*ss = (int)(sod % 60);
}

/* Instants whose Taipei year lies in 0..9999 (the four-digit years that
 * RFC 3339 can write); anything else, TBTIME_NONE included, is refused. */
static bool
formattable(int64_t t)
{
	static const int64_t	 lo = INT64_C(-62167248000000000);
	static const int64_t	 hi = INT64_C(253402271999999999);

	/* lo: 0000-01-01T00:00:00+08:00, hi: 9999-12-31T23:59:59.999999
	 * +08:00. */
	return t >= lo && t <= hi;
}

/* Writes v (0 <= v < 10^n) as exactly n digits at p. */
static void
put_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int
tbtime_format(int64_t t, char *buf, size_t size)
{
	struct tbtime_date	 d;
	struct wbuf		 w;
	int			 hh, mi, ss;

	w_init(&w, buf, size);
	if (!formattable(t))
		return TB_ERANGE;
	taipei_split(t, &d, &hh, &mi, &ss);
	/* The usual case, in place: an answer writes dozens of times
	 * (formattable() keeps the year to four digits). */
	if (size >= sizeof("0000-00-00T00:00:00+08:00")) {
		memcpy(buf, "0000-00-00T00:00:00+08:00",
		    sizeof("0000-00-00T00:00:00+08:00"));
		put_digits(buf, d.year, 4);
		put_digits(buf + 5, d.month, 2);
		put_digits(buf + 8, d.day, 2);
		put_digits(buf + 11, hh, 2);
		put_digits(buf + 14, mi, 2);
		put_digits(buf + 17, ss, 2);
		return TB_OK;
	}
	w_num(&w, d.year, 4);
	w_str(&w, "-");
	w_num(&w, d.month, 2);
	w_str(&w, "-");
	w_num(&w, d.day, 2);
	w_str(&w, "T");
	w_num(&w, hh, 2);
	w_str(&w, ":");
	w_num(&w, mi, 2);
	w_str(&w, ":");
	w_num(&w, ss, 2);
	w_str(&w, "+08:00");
	return w_done(&w);
}

int
tbtime_format_date(const struct tbtime_date *d, char *buf, size_t size)
{
	struct wbuf	 w;

	w_init(&w, buf, size);
	if (!tbtime_date_valid(d) || d->year < 0 || d->year > 9999)
		return TB_ERANGE;
	w_num(&w, d->year, 4);
	w_str(&w, "-");
	w_num(&w, d->month, 2);
	w_str(&w, "-");
	w_num(&w, d->day, 2);
	return w_done(&w);
}

/* Writes "中華民國Y年M月D日"; the ROC era starts in 1912 (year 1). */
static int
w_roc_date(struct wbuf *w, const struct tbtime_date *d)
{
	if (!tbtime_date_valid(d) || d->year < 1912 || d->year > 9999)
		return TB_ERANGE;
	w_str(w, "中華民國");
	w_num(w, d->year - 1911, 1);
	w_str(w, "年");
	w_num(w, d->month, 1);
	w_str(w, "月");
	w_num(w, d->day, 1);
	w_str(w, "日");
	return TB_OK;
}

int
tbtime_format_roc_date(const struct tbtime_date *d, char *buf, size_t size)
{
	struct wbuf	 w;
	int		 rc;

	w_init(&w, buf, size);
	if ((rc = w_roc_date(&w, d)) != TB_OK)
		return rc;
	return w_done(&w);
}

int
tbtime_format_roc(int64_t t, char *buf, size_t size)
{
	struct tbtime_date	 d;
	struct wbuf		 w;
	int			 hh, mi, ss, rc;

	w_init(&w, buf, size);
	if (!formattable(t))
		return TB_ERANGE;
	taipei_split(t, &d, &hh, &mi, &ss);
	if ((rc = w_roc_date(&w, &d)) != TB_OK)
		return rc;
	w_str(&w, " ");
	w_num(&w, hh, 1);
	w_str(&w, "時");
	w_num(&w, mi, 1);
	w_str(&w, "分");
	return w_done(&w);
}
