/*
 * store_stats.c: the city's figures (issue 7) computed in SQL over the
 * stored incidents and obligations: open incidents by agency and level,
 * DoIT's review queue, the overdue count, on-time rates and the monthly
 * trend.  Each statement comes in three scopes (store_scope): the whole
 * city, an agency's subtree (SCOPE_CTE) and a vendor's own reports, so
 * that the planner sees a plain condition in each and can pick its index
 * (EXPLAIN QUERY PLAN findings beside each statement; docs/internals/
 * stats.md).  Exercise incidents are counted only when asked for, and
 * then alone: never with real ones (REQUIREMENTS, exercises).
 */
#include <string.h>

#include "store/internal.h"
#include "store/store.h"
#include "util/util.h"

/*
 * The caller's agency (1), with the agencies it supervises when 2 is 1
 * (3 repeats the agency), and every agency below those.
 */
#define SCOPE_CTE \
    "WITH RECURSIVE scope(code) AS (" \
    " SELECT code FROM agencies WHERE code = ? OR (? = 1 AND supervisor = ?)" \
    " UNION SELECT a.code FROM agencies a JOIN scope s" \
    " ON a.superior = s.code) "

/* The three scopes of a statement over incidents i: the whole city, an
 * agency's subtree, a vendor's reports (P13). */
#define BY_INCIDENT(q) { q("", "1 = 1"), \
    q(SCOPE_CTE, "i.agency IN (SELECT code FROM scope)"), \
    q("", "i.reported_by = ?") }
/* The same over obligations o: an agency's are those it owes, as in the
 * obligation list (store_obligation_scan). */
#define BY_OBLIGATION(q) { q("", "1 = 1"), \
    q(SCOPE_CTE, "o.agency IN (SELECT code FROM scope)"), \
    q("", "o.incident IN (SELECT id FROM incidents WHERE reported_by = ?)") }

/* Open means not closed; listed by state so that each is a range. */
#define OPEN_STATES "('new', 'approved', 'reported')"

/*
 * Open incidents per agency and level.  Plan (300,000 incidents): the
 * city is a scan of incidents (no index leads with state), the subtree
 * one range of incidents_agency_idx per agency of the scope.
 */
#define Q_OPEN(p, cond) p \
    "SELECT i.agency, a.name, i.level, count(*) FROM incidents i" \
    " JOIN agencies a ON a.code = i.agency WHERE " cond \
    " AND i.state IN " OPEN_STATES " AND i.exercise = ?" \
    " GROUP BY i.agency, a.name, i.level ORDER BY i.agency, i.level"
static const char *const sql_open[3] = BY_INCIDENT(Q_OPEN);

/*
 * DoIT's review queue (P15): open level_review obligations by due time,
 * off obligations_due_idx (state, due_key) in order.
 */
#define Q_REVIEW(p, cond) p \
    "SELECT o.incident, i.title, i.agency, o.level, o.due_at," \
    " o.overdue_from FROM obligations o JOIN incidents i" \
    " ON i.id = o.incident WHERE " cond \
    " AND o.state = 'open' AND o.name = 'level_review' AND o.exercise = ?" \
    " ORDER BY o.due_key, o.incident LIMIT ?"
static const char *const sql_review[3] = BY_OBLIGATION(Q_REVIEW);
#define Q_REVIEW_COUNT(p, cond) p \
    "SELECT count(*) FROM obligations o WHERE " cond \
    " AND o.state = 'open' AND o.name = 'level_review' AND o.exercise = ?"
static const char *const sql_review_count[3] = BY_OBLIGATION(Q_REVIEW_COUNT);

/* Open obligations overdue at a moment: the open range of
 * obligations_due_idx (or obligations_agency_due_idx per agency). */
#define Q_OVERDUE(p, cond) p \
    "SELECT count(*) FROM obligations o WHERE " cond \
    " AND o.state = 'open' AND o.overdue_from <= ? AND o.exercise = ?"
static const char *const sql_overdue[3] = BY_OBLIGATION(Q_OVERDUE);

/*
 * Met obligations of the incidents aware in a period: on time ('met')
 * and in all, per obligation name or per owing agency.  The period is a
 * range of incidents_aware_idx, each incident's obligations a prefix of
 * the obligations primary key.  "o.state || ''" keeps SQLite off
 * obligations_due_idx: left to itself it walks every met obligation of
 * all time (1.2 million of 3.6 million here, 2.5 s) and joins each to
 * its incident, where the period's incidents (12 months: 30,000, 0.45 s)
 * are the smaller side by far.
 */
#define Q_ON_TIME(p, cond, key, name, join) p \
    "SELECT " key ", " name "," \
    " sum(CASE WHEN o.state = 'met' THEN 1 ELSE 0 END), count(*)" \
    " FROM incidents i JOIN obligations o ON o.incident = i.id" join \
    " WHERE " cond " AND i.aware_at >= ? AND i.aware_at < ?" \
    " AND i.exercise = ? AND o.state || '' IN ('met', 'met_late')" \
    " GROUP BY " key ", " name " ORDER BY " key
#define Q_ON_TIME_NAME(p, cond) Q_ON_TIME(p, cond, "o.name", "''", "")
#define Q_ON_TIME_AGENCY(p, cond) Q_ON_TIME(p, cond, "o.agency", "a.name", \
    " JOIN agencies a ON a.code = o.agency")
/* As BY_OBLIGATION, but an agency's scope is tested row by row ("||
 * ''") for the same reason: through obligations_agency_due_idx SQLite
 * would read all the subtree's obligations of all time (ca: 0.98 s,
 * against 0.36 s from the period's incidents). */
#define BY_OBLIGATION_IN_PERIOD(q) { q("", "1 = 1"), \
    q(SCOPE_CTE, "o.agency || '' IN (SELECT code FROM scope)"), \
    q("", "o.incident IN (SELECT id FROM incidents WHERE reported_by = ?)") }
static const char *const sql_on_time_name[3] =
    BY_OBLIGATION_IN_PERIOD(Q_ON_TIME_NAME);
static const char *const sql_on_time_agency[3] =
    BY_OBLIGATION_IN_PERIOD(Q_ON_TIME_AGENCY);

/* Incidents aware in a period, per level: one month of the trend, a
 * range of incidents_aware_idx (per agency, of incidents_agency_idx). */
#define Q_LEVELS(p, cond) p \
    "SELECT i.level, count(*) FROM incidents i WHERE " cond \
    " AND i.aware_at >= ? AND i.aware_at < ? AND i.exercise = ?" \
    " GROUP BY i.level"
static const char *const sql_levels[3] = BY_INCIDENT(Q_LEVELS);

/* Which of the three statements serves scope. */
static int
stats_variant(const struct store_scope *sc)
{
	if (sc->all)
		return 0;
	return sc->reporter > 0 ? 2 : 1;
}

/*
 * Prepares the variant of sql[] for sc and binds the scope's parameters;
 * *next receives the index of the first parameter after them.
 */
static int
stats_prepare(struct store_conn *c, const char *const sql[3],
    const struct store_scope *sc, struct store_stmt **s, int *next)
{
	int	 v = stats_variant(sc), rc;

	if (v == 1 && (sc->agency == NULL || sc->agency[0] == '\0'))
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql[v], s)) != TB_OK)
		return rc;
	*next = 1;
	if (v == 1) {
		store_bind_text(*s, 1, sc->agency);
		store_bind_i64(*s, 2, sc->supervised != 0);
		store_bind_text(*s, 3, sc->agency);
		*next = 4;
	} else if (v == 2) {
		store_bind_i64(*s, 1, sc->reporter);
		*next = 2;
	}
	return TB_OK;
}

/* Steps s to its end, calling fn with each row of (key, name, level or
 * met, count) as a store_stat_row. */
static int
stats_rows(struct store_stmt *s, int level_col,
    int (*fn)(void *, const struct store_stat_row *), void *arg)
{
	struct store_stat_row	 r;
	int			 rc;

	while ((rc = store_step(s)) == TB_ROW) {
		memset(&r, 0, sizeof(r));
		r.key = store_col_text(s, 0);
		r.name = store_col_text(s, 1);
		if (level_col)
			r.level = store_col_i64(s, 2);
		else
			r.met = store_col_i64(s, 2);
		r.n = store_col_i64(s, 3);
		if (fn(arg, &r) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_stats_open(struct store_conn *c, const struct store_scope *sc,
    int exercise, int (*fn)(void *, const struct store_stat_row *),
    void *arg)
{
	struct store_stmt	*s;
	int			 rc, k;

	if ((rc = stats_prepare(c, sql_open, sc, &s, &k)) != TB_OK)
		return rc;
	store_bind_i64(s, k, exercise != 0);
	return stats_rows(s, 1, fn, arg);
}

/* Reads the single count of s. */
static int
stats_count(struct store_stmt *s, int64_t *n)
{
	int	 rc;

	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	*n = store_col_i64(s, 0);
	return TB_OK;
}

int
store_stats_review(struct store_conn *c, const struct store_scope *sc,
    int exercise, int64_t limit, int64_t *total,
    int (*fn)(void *, const struct store_review_row *), void *arg)
{
	struct store_stmt	*s;
	struct store_review_row	 r;
	int			 rc, k;

	if ((rc = stats_prepare(c, sql_review_count, sc, &s, &k)) != TB_OK)
		return rc;
	store_bind_i64(s, k, exercise != 0);
	if ((rc = stats_count(s, total)) != TB_OK)
		return rc;
	if ((rc = stats_prepare(c, sql_review, sc, &s, &k)) != TB_OK)
		return rc;
	store_bind_i64(s, k, exercise != 0);
	store_bind_i64(s, k + 1, limit);
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&r, 0, sizeof(r));
		r.incident = store_col_i64(s, 0);
		r.title = store_col_text(s, 1);
		r.agency = store_col_text(s, 2);
		r.level = store_col_i64(s, 3);
		r.due_at = store_col_is_null(s, 4) ? STORE_TIME_NONE :
		    store_col_i64(s, 4);
		r.overdue_from = store_col_is_null(s, 5) ? STORE_TIME_NONE :
		    store_col_i64(s, 5);
		if (fn(arg, &r) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_stats_overdue(struct store_conn *c, const struct store_scope *sc,
    int exercise, int64_t now, int64_t *n)
{
	struct store_stmt	*s;
	int			 rc, k;

	if ((rc = stats_prepare(c, sql_overdue, sc, &s, &k)) != TB_OK)
		return rc;
	store_bind_i64(s, k, now);
	store_bind_i64(s, k + 1, exercise != 0);
	return stats_count(s, n);
}

int
store_stats_on_time(struct store_conn *c, const struct store_scope *sc,
    int exercise, int64_t from, int64_t to, int by_agency,
    int (*fn)(void *, const struct store_stat_row *), void *arg)
{
	struct store_stmt	*s;
	int			 rc, k;

	if ((rc = stats_prepare(c, by_agency ? sql_on_time_agency :
	    sql_on_time_name, sc, &s, &k)) != TB_OK)
		return rc;
	store_bind_i64(s, k, from);
	store_bind_i64(s, k + 1, to);
	store_bind_i64(s, k + 2, exercise != 0);
	return stats_rows(s, 0, fn, arg);
}

int
store_stats_levels(struct store_conn *c, const struct store_scope *sc,
    int exercise, int64_t from, int64_t to,
    int64_t counts[STORE_LEVELS])
{
	struct store_stmt	*s;
	int64_t			 level;
	int			 rc, k;

	memset(counts, 0, STORE_LEVELS * sizeof(counts[0]));
	if ((rc = stats_prepare(c, sql_levels, sc, &s, &k)) != TB_OK)
		return rc;
	store_bind_i64(s, k, from);
	store_bind_i64(s, k + 1, to);
	store_bind_i64(s, k + 2, exercise != 0);
	while ((rc = store_step(s)) == TB_ROW) {
		level = store_col_i64(s, 0);
		/* The schema keeps levels in 0..4 (CHECK). */
		if (level >= 0 && level < STORE_LEVELS)
			counts[level] = store_col_i64(s, 1);
	}
	return rc == TB_DONE ? TB_OK : rc;
}
