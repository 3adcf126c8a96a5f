/*
 * api_stats.c: GET /api/v1/stats/city, the city's figures for DoIT's
 * dashboard (issue 7): open incidents by level and agency, the level
 * review queue (P15), overdue obligations, on-time rates and a monthly
 * trend.  DoIT reads the city; anyone else the same figures over their
 * own scope (an agency's subtree, a vendor's reports).  Everything is
 * counted by the store in SQL (store_stats.c); this file only shapes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/closure.h"
#include "domain/domain.h"
#include "store/store.h"

/* Items of the review queue in one answer (the total is given too). */
#define STATS_REVIEW_MAX	100
/* The longest trend: five years of months, a query each. */
#define STATS_MONTHS_MAX	60
/* The default trend: the last twelve Taipei months, this one included. */
#define STATS_MONTHS_DEFAULT	12

/* A Taipei month as a count of months since year 0. */
static int64_t
month_index(int year, int month)
{
	return (int64_t)year * 12 + (month - 1);
}

/* The instant month index m starts in Taipei. */
static int64_t
month_start(int64_t m)
{
	struct tbtime_date	 d;

	d.year = (int)(m / 12);
	d.month = (int)(m % 12) + 1;
	d.day = 1;
	return tbtime_day_start(&d);
}

static void
month_format(int64_t m, char *buf, size_t size)
{
	tb_snprintf(buf, size, "%04d-%02d", (int)(m / 12),
	    (int)(m % 12) + 1);
}

/*
 * Reads query parameter name as "YYYY-MM" into the month index *m.
 * Returns TB_OK, TB_ENOTFOUND when absent, TB_EINVAL when malformed.
 */
static int
month_query(struct http_req *req, const char *name, int64_t *m)
{
	char	 q[16], y[5], mo[3];
	int64_t	 year, month;
	int	 rc;

	if ((rc = http_query(req, name, q, sizeof(q))) != TB_OK)
		return rc == TB_ENOTFOUND ? rc : TB_EINVAL;
	if (strlen(q) != 7 || q[4] != '-')
		return TB_EINVAL;
	/* Digits only: no sign or space may pass as part of a number. */
	for (int i = 0; i < 7; i++)
		if (i != 4 && (q[i] < '0' || q[i] > '9'))
			return TB_EINVAL;
	memcpy(y, q, 4);
	y[4] = '\0';
	memcpy(mo, q + 5, 2);
	mo[2] = '\0';
	if (parse_i64(y, 1970, 9998, &year) != TB_OK ||
	    parse_i64(mo, 1, 12, &month) != TB_OK)
		return TB_EINVAL;
	*m = month_index((int)year, (int)month);
	return TB_OK;
}

static json_t *
levels_json(const int64_t counts[STORE_LEVELS], int64_t *total)
{
	json_t	*a = json_array();

	*total = 0;
	for (int i = 0; i < STORE_LEVELS; i++) {
		json_array_append_new(a, json_integer((json_int_t)counts[i]));
		*total += counts[i];
	}
	return a;
}

/* Builds open_incidents from rows in (agency, level) order. */
struct open_acc {
	json_t		*by_agency;
	int64_t		 city[STORE_LEVELS];
	int64_t		 cur[STORE_LEVELS];
	char		 agency[STORE_KEY_SIZE];
	char		 name[STORE_NAME_SIZE];
	int		 have;
	int		 err;
};

static void
open_flush(struct open_acc *acc)
{
	json_t	*levels;
	int64_t	 total;

	if (!acc->have)
		return;
	levels = levels_json(acc->cur, &total);
	if (json_array_append_new(acc->by_agency, json_pack(
	    "{s:s, s:s, s:I, s:o}", "agency", acc->agency, "name", acc->name,
	    "total", (json_int_t)total, "by_level", levels)) != 0)
		acc->err = TB_ENOMEM;
	memset(acc->cur, 0, sizeof(acc->cur));
	acc->have = 0;
}

static int
open_add(void *arg, const struct store_stat_row *r)
{
	struct open_acc	*acc = arg;

	if (acc->have && strcmp(acc->agency, r->key) != 0)
		open_flush(acc);
	if (!acc->have) {
		if (tb_strlcpy(acc->agency, r->key, sizeof(acc->agency))
		    != TB_OK || tb_strlcpy(acc->name, r->name,
		    sizeof(acc->name)) != TB_OK) {
			acc->err = TB_ETOOBIG;
			return 1;
		}
		acc->have = 1;
	}
	if (r->level >= 0 && r->level < STORE_LEVELS) {
		acc->cur[r->level] += r->n;
		acc->city[r->level] += r->n;
	}
	return acc->err != TB_OK;
}

struct list_acc {
	json_t		*items;
	int64_t		 now;
	int		 by_agency;
	int		 err;
};

static int
on_time_add(void *arg, const struct store_stat_row *r)
{
	struct list_acc	*acc = arg;
	json_t		*e;

	e = json_pack("{s:I, s:I, s:f}", "met", (json_int_t)r->n,
	    "on_time", (json_int_t)r->met,
	    "rate", r->n > 0 ? (double)r->met / (double)r->n : 0.0);
	if (e != NULL && acc->by_agency) {
		json_object_set_new(e, "agency", json_string(r->key));
		json_object_set_new(e, "name", json_string(r->name));
	} else if (e != NULL)
		json_object_set_new(e, "name", json_string(r->key));
	if (e == NULL || json_array_append_new(acc->items, e) != 0) {
		acc->err = TB_ENOMEM;
		return 1;
	}
	return 0;
}

static int
review_add(void *arg, const struct store_review_row *r)
{
	struct list_acc	*acc = arg;
	char		 due[40];
	json_t		*e;

	if (r->due_at != STORE_TIME_NONE)
		tbtime_format(r->due_at, due, sizeof(due));
	e = json_pack("{s:I, s:s, s:s, s:I, s:s?, s:b}",
	    "incident", (json_int_t)r->incident, "title", r->title,
	    "agency", r->agency, "level", (json_int_t)r->level,
	    "due_at", r->due_at != STORE_TIME_NONE ? due : NULL,
	    "overdue", r->overdue_from != STORE_TIME_NONE &&
	    r->overdue_from <= acc->now);
	if (e == NULL || json_array_append_new(acc->items, e) != 0) {
		acc->err = TB_ENOMEM;
		return 1;
	}
	return 0;
}

/*
 * The figures of sc into out (a new object), reading through c.  Months
 * m0..m1 inclusive make the trend and the period of the on-time rates.
 */
static int
stats_build(struct store_conn *c, const struct store_scope *sc,
    int exercise, int64_t m0, int64_t m1, int64_t now, json_t *out)
{
	struct open_acc		 oa;
	struct list_acc		 la;
	json_t			*a, *lv, *by_name = NULL, *by_agency = NULL;
	int64_t			 total, n, counts[STORE_LEVELS];
	char			 month[16];
	int			 rc;

	memset(&oa, 0, sizeof(oa));
	oa.by_agency = json_array();
	if ((rc = store_stats_open(c, sc, exercise, open_add, &oa)) ==
	    TB_OK && (rc = oa.err) == TB_OK) {
		open_flush(&oa);
		rc = oa.err;
	}
	a = levels_json(oa.city, &total);
	json_object_set_new(out, "open_incidents", json_pack(
	    "{s:I, s:o, s:o}", "total", (json_int_t)total, "by_level", a,
	    "by_agency", oa.by_agency));
	if (rc != TB_OK)
		return rc;

	memset(&la, 0, sizeof(la));
	la.items = json_array();
	la.now = now;
	rc = store_stats_review(c, sc, exercise, STATS_REVIEW_MAX, &total,
	    review_add, &la);
	json_object_set_new(out, "review_queue", json_pack("{s:I, s:o}",
	    "total", (json_int_t)total, "items", la.items));
	if (rc != TB_OK || (rc = la.err) != TB_OK)
		return rc;

	if ((rc = store_stats_overdue(c, sc, exercise, now, &n)) != TB_OK)
		return rc;
	json_object_set_new(out, "overdue_obligations",
	    json_integer((json_int_t)n));

	memset(&la, 0, sizeof(la));
	la.items = by_name = json_array();
	rc = store_stats_on_time(c, sc, exercise, month_start(m0),
	    month_start(m1 + 1), 0, on_time_add, &la);
	if (rc == TB_OK && (rc = la.err) == TB_OK) {
		la.items = by_agency = json_array();
		la.by_agency = 1;
		rc = store_stats_on_time(c, sc, exercise, month_start(m0),
		    month_start(m1 + 1), 1, on_time_add, &la);
		if (rc == TB_OK)
			rc = la.err;
	}
	json_object_set_new(out, "on_time", json_pack("{s:o, s:o}",
	    "by_obligation", by_name != NULL ? by_name : json_array(),
	    "by_agency", by_agency != NULL ? by_agency : json_array()));
	if (rc != TB_OK)
		return rc;

	a = json_array();
	json_object_set_new(out, "trend", a);
	for (int64_t m = m0; m <= m1; m++) {
		if ((rc = store_stats_levels(c, sc, exercise, month_start(m),
		    month_start(m + 1), counts)) != TB_OK)
			return rc;
		month_format(m, month, sizeof(month));
		lv = levels_json(counts, &total);
		if (json_array_append_new(a, json_pack("{s:s, s:I, s:o}",
		    "month", month, "total", (json_int_t)total, "by_level",
		    lv)) != 0)
			return TB_ENOMEM;
	}
	return TB_OK;
}

int
api_stats_city(struct http_req *req)
{
	struct store_scope	 sc;
	struct store_conn	*c;
	struct tbtime_date	 today;
	json_t			*out;
	char			 q[8], at[40], from[16], to[16];
	int64_t			 now = tb_now_us(), m0, m1, ex = 0;
	int			 rc, rf, rt;

	if ((rc = http_query(req, "exercise", q, sizeof(q))) == TB_OK &&
	    parse_i64(q, 0, 1, &ex) != TB_OK)
		rc = TB_EINVAL;
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "exercise",
		    NULL);
	today = tbtime_taipei_date(now);
	m1 = month_index(today.year, today.month);
	if ((rf = month_query(req, "from", &m0)) == TB_EINVAL)
		return http_reply_error(req, "invalid_query", "from", NULL);
	if ((rt = month_query(req, "to", &m1)) == TB_EINVAL)
		return http_reply_error(req, "invalid_query", "to", NULL);
	if (rf == TB_ENOTFOUND)
		m0 = m1 - (STATS_MONTHS_DEFAULT - 1);
	if (m0 > m1)
		return http_reply_error(req, "invalid_query", "from", NULL);
	if (m1 - m0 >= STATS_MONTHS_MAX)
		return http_reply_error(req, "invalid_query",
		    rt == TB_OK ? "to" : "from",
		    req->lang != NULL && strcmp(req->lang, "en") == 0 ?
		    "The trend covers at most 60 months" :
		    "趨勢最多涵蓋 60 個月");
	closure_scope(req, &sc);
	if ((out = json_object()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	tbtime_format(now, at, sizeof(at));
	month_format(m0, from, sizeof(from));
	month_format(m1, to, sizeof(to));
	json_object_set_new(out, "scope", json_string(sc.all ? "city" :
	    sc.reporter > 0 ? "reporter" : "agency"));
	json_object_set_new(out, "agency", sc.all || sc.reporter > 0 ?
	    json_null() : json_string(req->who->agency));
	json_object_set_new(out, "exercise", json_boolean(ex));
	json_object_set_new(out, "generated_at", json_string(at));
	json_object_set_new(out, "from", json_string(from));
	json_object_set_new(out, "to", json_string(to));
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		json_decref(out);
		return http_reply_tb_err(req, rc, NULL);
	}
	/* One snapshot, so that the figures agree with each other. */
	if ((rc = store_tx_begin(c)) == TB_OK) {
		rc = stats_build(c, &sc, (int)ex, m0, m1, now, out);
		store_tx_rollback(c);
	}
	store_release(c);
	if (rc != TB_OK) {
		json_decref(out);
		return http_reply_tb_err(req, rc, NULL);
	}
	return http_reply_json(req, 200, out);
}
