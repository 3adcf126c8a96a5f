/*
 * store_incident.c: incidents, their append-only events, their stored
 * obligations, the national report numbers and the idempotency keys
 * (migration 4).  All their SQL is here, fixed at compile time (STYLE.md
 * 16), portable between SQLite and PostgreSQL (docs/internals/store.md):
 * scopes are walked with WITH RECURSIVE, which both run, and a parameter
 * that appears only in an IS NULL test is CAST so PostgreSQL knows its
 * type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "internal.h"

/* --- SQL ------------------------------------------------------------ */

static const char sql_agency_facts[] =
    "SELECT name, type, reports_to_central, active FROM agencies"
    " WHERE code = ?";
static const char sql_person[] =
    "SELECT username, name, email, phone FROM users WHERE id = ?";

static const char sql_incident_insert[] =
    "INSERT INTO incidents (id, agency, title, description, category,"
    " category_other, symptoms, occurred_at, aware_at, proposed_level,"
    " level, affected_systems, impact_other_agencies, critical_sectors,"
    " source, source_ref, exercise, personal_data_involved,"
    " equipment_failure, is_school, reports_to_central, reported_by,"
    " vendor_aware_at, vendor_reported_at, policy, state, created_at,"
    " updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_affected_insert[] =
    "INSERT INTO incident_affected (incident, agency, notified_at)"
    " VALUES (?, ?, NULL)";

/* The columns of a whole incident, in the order of incident_cols[]. */
#define INCIDENT_COLUMNS \
    "i.id, i.agency, a.name, i.title, i.description, i.category," \
    " i.category_other, i.symptoms, i.occurred_at, i.aware_at," \
    " i.proposed_level, i.level, i.affected_systems," \
    " i.impact_other_agencies, i.critical_sectors, i.source, i.source_ref," \
    " i.exercise, i.personal_data_involved, i.equipment_failure," \
    " i.is_school, i.reports_to_central, i.reported_by, u.username," \
    " i.vendor_aware_at, i.vendor_reported_at, i.policy, i.state," \
    " i.created_at, i.updated_at, i.version"
static const char sql_incident_get[] =
    "SELECT " INCIDENT_COLUMNS
    " FROM incidents i JOIN agencies a ON a.code = i.agency"
    " JOIN users u ON u.id = i.reported_by WHERE i.id = ?";
static const char sql_incident_touch[] =
    "UPDATE incidents SET level = ?, state = ?, updated_at = ?,"
    " version = version + 1 WHERE id = ? AND version = ?";
static const char sql_incident_exists[] =
    "SELECT 1 FROM incidents WHERE id = ?";

static const char sql_affected_list[] =
    "SELECT agency, notified_at FROM incident_affected WHERE incident = ?"
    " ORDER BY agency";
static const char sql_affected_notify[] =
    "INSERT INTO incident_affected (incident, agency, notified_at)"
    " VALUES (?, ?, ?)"
    " ON CONFLICT (incident, agency) DO UPDATE SET notified_at ="
    " CASE WHEN incident_affected.notified_at IS NULL OR"
    " incident_affected.notified_at > excluded.notified_at"
    " THEN excluded.notified_at ELSE incident_affected.notified_at END";
static const char sql_affected_notified[] =
    "SELECT 1 FROM incident_affected WHERE incident = ? AND agency = ?"
    " AND notified_at IS NOT NULL";

static const char sql_ref_find[] =
    "SELECT incident FROM platform_refs WHERE ref = ?";
static const char sql_ref_insert[] =
    "INSERT INTO platform_refs (ref, incident, seq) VALUES (?, ?, ?)";

static const char sql_event_insert[] =
    "INSERT INTO events (incident, seq, type, at, actor, actor_name,"
    " recorded_at, level, channel, kind, agency, fields)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_event_scan[] =
    "SELECT seq, type, at, actor, actor_name, recorded_at, level, channel,"
    " kind, agency, fields FROM events WHERE incident = ?"
    " ORDER BY at, seq";

static const char sql_obligation_delete[] =
    "DELETE FROM obligations WHERE incident = ?";
static const char sql_obligation_insert[] =
    "INSERT INTO obligations (incident, name, subject, period, agency,"
    " level, start_at, due_at, by_date, overdue_from, due_key, met_at,"
    " state, exercise)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static const char sql_idem_find[] =
    "SELECT request_hash, status, location, response FROM idempotency_keys"
    " WHERE caller = ? AND idem_key = ?";
static const char sql_idem_insert[] =
    "INSERT INTO idempotency_keys (caller, idem_key, request_hash, status,"
    " location, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

/*
 * Scopes.  scope: the caller's agency (parameter 1), with the agencies it
 * supervises when parameter 2 is 1 (parameter 3 repeats the agency), and
 * every agency below those.  filt: an agency filter (parameter 4) and the
 * agencies below it.  The first step of each scans the few hundred
 * agencies once; each further step follows agencies_superior_idx.
 */
#define SCOPE_CTES \
    "WITH RECURSIVE scope(code) AS (" \
    " SELECT code FROM agencies WHERE code = ? OR (? = 1 AND supervisor = ?)" \
    " UNION SELECT a.code FROM agencies a JOIN scope s" \
    " ON a.superior = s.code)," \
    " filt(code) AS (" \
    " SELECT code FROM agencies WHERE code = ?" \
    " UNION SELECT a.code FROM agencies a JOIN filt f" \
    " ON a.superior = f.code) "

/* The summary columns of a listed incident, in the order of
 * incident_summary_cols[]. */
#define INCIDENT_SUMMARY \
    "SELECT i.id, i.agency, i.title, i.category, i.occurred_at," \
    " i.aware_at, i.proposed_level, i.level, i.state, i.exercise," \
    " i.created_at, i.updated_at, i.version FROM incidents i WHERE "
/*
 * The filters of an incident list after its scope: level (2), state (2),
 * aware_at range (2), text (3), exercise (2), the cursor (aware_at bound,
 * then the row value), order and limit.  The cursor's plain bound on
 * aware_at lets the index range scan start there.
 */
#define INCIDENT_FILTERS \
    " AND (? = -1 OR i.level = ?)" \
    " AND (CAST(? AS TEXT) IS NULL OR i.state = ?)" \
    " AND i.aware_at >= ? AND i.aware_at <= ?" \
    " AND (CAST(? AS TEXT) IS NULL OR i.title LIKE ? ESCAPE '\\'" \
    "  OR i.description LIKE ? ESCAPE '\\')" \
    " AND (? = -1 OR i.exercise = ?)" \
    " AND i.aware_at <= ? AND (i.aware_at, i.id) < (?, ?)" \
    " ORDER BY i.aware_at DESC, i.id DESC LIMIT ?"

/* Everything (DoIT, operators). */
static const char sql_incident_scan_all[] =
    INCIDENT_SUMMARY "1 = 1" INCIDENT_FILTERS;
/* A vendor: only what it reported (P13), within the filter's subtree. */
static const char sql_incident_scan_reporter[] =
    SCOPE_CTES INCIDENT_SUMMARY
    "i.reported_by = ? AND (? = 0 OR i.agency IN (SELECT code FROM filt))"
    INCIDENT_FILTERS;

/*
 * An agency scope is listed by a merge (store_incident_scan()): SQLite
 * answers "i.agency IN (scope) ORDER BY aware_at DESC LIMIT n" by reading
 * and sorting every incident of the scope, a table row each: 0.1-0.5 s for
 * a city agency with its subordinates among a million incidents
 * (bench/incidents.sh).  Each agency's newest rows come off
 * incidents_agency_idx in order instead, a few per agency, and only the
 * page's rows are read whole.
 *
 * The agencies of a scope: parameters 1-4 as SCOPE_CTES, then 5 = 1 keeps
 * only those within the filter's subtree.
 */
static const char sql_scope_codes[] =
    SCOPE_CTES "SELECT code FROM scope"
    " WHERE ? = 0 OR code IN (SELECT code FROM filt)";
/*
 * The filters of a merged list, as INCIDENT_FILTERS, then a lower bound
 * (on aware_at, then the row value) that the merge raises once it holds a
 * full page: nothing older than its last key can enter it.
 */
#define INCIDENT_KEY_FILTERS \
    " AND (? = -1 OR i.level = ?)" \
    " AND (CAST(? AS TEXT) IS NULL OR i.state = ?)" \
    " AND i.aware_at >= ? AND i.aware_at <= ?" \
    " AND (CAST(? AS TEXT) IS NULL OR i.title LIKE ? ESCAPE '\\'" \
    "  OR i.description LIKE ? ESCAPE '\\')" \
    " AND (? = -1 OR i.exercise = ?)" \
    " AND i.aware_at <= ? AND (i.aware_at, i.id) < (?, ?)" \
    " AND i.aware_at >= ? AND (i.aware_at, i.id) > (?, ?)" \
    " ORDER BY i.aware_at DESC, i.id DESC LIMIT ?"
/* One agency's newest keys: a range of incidents_agency_idx, in order. */
static const char sql_incident_keys_agency[] =
    "SELECT i.aware_at, i.id FROM incidents i WHERE i.agency = ?"
    INCIDENT_KEY_FILTERS;
/* P12: the keys of incidents agency (parameter 2) was notified of, within
 * the subtree of parameter 1 when parameter 3 is 1.  Few: sorted. */
static const char sql_incident_keys_notified[] =
    "WITH RECURSIVE filt(code) AS ("
    " SELECT code FROM agencies WHERE code = ?"
    " UNION SELECT a.code FROM agencies a JOIN filt f"
    " ON a.superior = f.code) "
    "SELECT i.aware_at, i.id FROM incident_affected x"
    " JOIN incidents i ON i.id = x.incident"
    " WHERE x.agency = ? AND x.notified_at IS NOT NULL"
    " AND (? = 0 OR i.agency IN (SELECT code FROM filt))"
    INCIDENT_KEY_FILTERS;
/* One listed incident, by id. */
static const char sql_incident_summary[] = INCIDENT_SUMMARY "i.id = ?";

#define OBLIGATION_SELECT \
    "SELECT o.incident, o.agency, o.name, o.subject, o.period, o.level," \
    " o.start_at, o.due_at, o.by_date, o.overdue_from, o.met_at, o.state," \
    " o.exercise, o.due_key, i.title" \
    " FROM obligations o JOIN incidents i ON i.id = o.incident WHERE "
/*
 * The filters of an obligation list: state, due bound, overdue or not at
 * now (5), the cursor (a plain bound on due_key, then the row value),
 * order and limit.  state and due_key follow obligations_due_idx or, per
 * agency, obligations_agency_due_idx.
 */
#define OBLIGATION_FILTERS \
    " AND o.state = ? AND o.due_key <= ?" \
    " AND (? = 0 OR (? = 1 AND o.overdue_from <= ?)" \
    "  OR (? = -1 AND (o.overdue_from IS NULL OR o.overdue_from > ?)))" \
    " AND o.due_key >= ?" \
    " AND (o.due_key, o.incident, o.name, o.subject, o.period)" \
    "  > (?, ?, ?, ?, ?)" \
    " ORDER BY o.due_key, o.incident, o.name, o.subject, o.period LIMIT ?"

static const char sql_obligation_scan_all[] =
    OBLIGATION_SELECT "1 = 1" OBLIGATION_FILTERS;
static const char sql_obligation_scan_scoped[] =
    SCOPE_CTES OBLIGATION_SELECT
    "o.agency IN (SELECT code FROM scope)"
    " AND (? = 0 OR o.agency IN (SELECT code FROM filt))"
    OBLIGATION_FILTERS;
static const char sql_obligation_scan_reporter[] =
    SCOPE_CTES OBLIGATION_SELECT
    "i.reported_by = ? AND (? = 0 OR o.agency IN (SELECT code FROM filt))"
    OBLIGATION_FILTERS;

/* --- helpers -------------------------------------------------------- */

/* Writes must go through the writer inside a transaction (store.h). */
static int
inc_check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

/* Steps a statement that returns no rows. */
static int
inc_step_done(struct store_stmt *s)
{
	int	 rc = store_step(s);

	if (rc == TB_DONE)
		return TB_OK;
	return rc == TB_ROW ? TB_ESTORE : rc;
}

/* Binds a time, STORE_TIME_NONE as NULL. */
static int
bind_time(struct store_stmt *s, int idx, int64_t t)
{
	return t == STORE_TIME_NONE ? store_bind_null(s, idx) :
	    store_bind_i64(s, idx, t);
}

/* Reads a time column, NULL as STORE_TIME_NONE. */
static int64_t
col_time(struct store_stmt *s, int col)
{
	return store_col_is_null(s, col) ? STORE_TIME_NONE :
	    store_col_i64(s, col);
}

/* Reads a text column, NULL as NULL. */
static const char *
col_text_or_null(struct store_stmt *s, int col)
{
	return store_col_is_null(s, col) ? NULL : store_col_text(s, col);
}

/* Binds the values of a list of binders in order from index 1.  Every
 * binder returns a tb_err; the first failure stops. */
#define BIND(expr)	do { if ((rc = (expr)) != TB_OK) goto out; } while (0)

/* --- agencies and people, as incidents need them --------------------- */

int
store_incident_agency(struct store_conn *c, const char *code,
    struct store_incident_agency *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if (code == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_facts, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, code));
	if ((rc = store_step(s)) != TB_ROW) {
		rc = rc == TB_DONE ? TB_ENOTFOUND : rc;
		goto out;
	}
	if (tb_strlcpy(out->name, store_col_text(s, 0), sizeof(out->name))
	    != TB_OK || tb_strlcpy(out->type, store_col_text(s, 1),
	    sizeof(out->type)) != TB_OK) {
		rc = TB_ETOOBIG;
		goto out;
	}
	out->reports_to_central = store_col_i64(s, 2);
	out->active = store_col_i64(s, 3);
	rc = TB_OK;
out:
	return rc;
}

int
store_incident_person(struct store_conn *c, int64_t id,
    struct store_incident_person *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_row_by_id(c, sql_person, id, &s)) != TB_OK)
		return rc;
	/* NULL columns read as "" (store.h). */
	if (tb_strlcpy(out->username, store_col_text(s, 0) ?
	    store_col_text(s, 0) : "", sizeof(out->username)) != TB_OK ||
	    tb_strlcpy(out->name, store_col_text(s, 1) ?
	    store_col_text(s, 1) : "", sizeof(out->name)) != TB_OK ||
	    tb_strlcpy(out->email, store_col_text(s, 2) ?
	    store_col_text(s, 2) : "", sizeof(out->email)) != TB_OK ||
	    tb_strlcpy(out->phone, store_col_text(s, 3) ?
	    store_col_text(s, 3) : "", sizeof(out->phone)) != TB_OK) {
		rc = TB_ETOOBIG;
		goto out;
	}
	rc = TB_OK;
out:
	return rc;
}

/* --- incidents ------------------------------------------------------ */

int
store_incident_insert(struct store_conn *c, const struct store_incident *in,
    const char *const *affected, size_t n)
{
	struct store_stmt	*s;
	size_t			 i;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (in == NULL || in->id <= 0 || in->agency == NULL ||
	    in->title == NULL || in->category == NULL || in->policy == NULL ||
	    in->state == NULL || in->aware_at == STORE_TIME_NONE ||
	    (n > 0 && affected == NULL))
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_incident_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, in->id));
	BIND(store_bind_text(s, 2, in->agency));
	BIND(store_bind_text(s, 3, in->title));
	BIND(store_bind_text_or_null(s, 4, in->description));
	BIND(store_bind_text(s, 5, in->category));
	BIND(store_bind_text_or_null(s, 6, in->category_other));
	BIND(store_bind_text(s, 7, in->symptoms ? in->symptoms : "[]"));
	BIND(bind_time(s, 8, in->occurred_at));
	BIND(store_bind_i64(s, 9, in->aware_at));
	BIND(store_bind_i64(s, 10, in->proposed_level));
	BIND(store_bind_i64(s, 11, in->level));
	BIND(store_bind_text(s, 12, in->affected_systems ?
	    in->affected_systems : "[]"));
	BIND(store_bind_i64(s, 13, in->impact_other_agencies));
	BIND(store_bind_text(s, 14, in->critical_sectors ?
	    in->critical_sectors : "[]"));
	BIND(store_bind_text_or_null(s, 15, in->source));
	BIND(store_bind_text_or_null(s, 16, in->source_ref));
	BIND(store_bind_i64(s, 17, in->exercise));
	BIND(store_bind_i64(s, 18, in->personal_data_involved));
	BIND(store_bind_i64(s, 19, in->equipment_failure));
	BIND(store_bind_i64(s, 20, in->is_school));
	BIND(store_bind_i64(s, 21, in->reports_to_central));
	BIND(store_bind_i64(s, 22, in->reported_by));
	BIND(bind_time(s, 23, in->vendor_aware_at));
	BIND(bind_time(s, 24, in->vendor_reported_at));
	BIND(store_bind_text(s, 25, in->policy));
	BIND(store_bind_text(s, 26, in->state));
	BIND(store_bind_i64(s, 27, in->created_at));
	BIND(store_bind_i64(s, 28, in->updated_at));
	BIND(store_bind_i64(s, 29, in->version > 0 ? in->version : 1));
	if ((rc = inc_step_done(s)) != TB_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (affected[i] == NULL) {
			rc = TB_EINVAL;
			goto out;
		}
		if ((rc = store_prepare(c, sql_affected_insert, &s)) != TB_OK)
			goto out;
		BIND(store_bind_i64(s, 1, in->id));
		BIND(store_bind_text(s, 2, affected[i]));
		if ((rc = inc_step_done(s)) != TB_OK)
			goto out;
	}
out:
	return rc;
}

/* How a column of a whole incident is read into struct store_incident. */
enum col_kind { COL_TEXT, COL_I64, COL_TIME };

static const struct {
	enum col_kind	 kind;
	size_t		 off;
} incident_cols[] = {
#define T(f)	{ COL_TEXT, offsetof(struct store_incident, f) }
#define I(f)	{ COL_I64, offsetof(struct store_incident, f) }
#define W(f)	{ COL_TIME, offsetof(struct store_incident, f) }
	I(id), T(agency), T(agency_name), T(title), T(description),
	T(category), T(category_other), T(symptoms), W(occurred_at),
	W(aware_at), I(proposed_level), I(level), T(affected_systems),
	I(impact_other_agencies), T(critical_sectors), T(source),
	T(source_ref), I(exercise), I(personal_data_involved),
	I(equipment_failure), I(is_school), I(reports_to_central),
	I(reported_by), T(reported_by_name), W(vendor_aware_at),
	W(vendor_reported_at), T(policy), T(state), I(created_at),
	I(updated_at), I(version),
};

/* The summary columns of INCIDENT_SUMMARY. */
static const struct {
	enum col_kind	 kind;
	size_t		 off;
} incident_summary_cols[] = {
	I(id), T(agency), T(title), T(category), W(occurred_at), W(aware_at),
	I(proposed_level), I(level), T(state), I(exercise), I(created_at),
	I(updated_at), I(version),
#undef T
#undef I
#undef W
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int
store_incident_get(struct store_conn *c, int64_t id,
    struct store_incident *out)
{
	struct store_stmt	*s;
	size_t			 i, need = 0, at = 0, len;
	const char		*t;
	char			*p;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_row_by_id(c, sql_incident_get, id, &s)) != TB_OK)
		return rc;
	/* One block for every string of the record, so one free() frees
	 * them all. */
	for (i = 0; i < NELEM(incident_cols); i++)
		if (incident_cols[i].kind == COL_TEXT &&
		    (t = col_text_or_null(s, (int)i)) != NULL)
			need += strlen(t) + 1;
	if ((out->mem = malloc(need > 0 ? need : 1)) == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	for (i = 0; i < NELEM(incident_cols); i++) {
		p = (char *)out + incident_cols[i].off;
		switch (incident_cols[i].kind) {
		case COL_TEXT:
			if ((t = col_text_or_null(s, (int)i)) == NULL)
				break;
			len = strlen(t) + 1;
			memcpy(out->mem + at, t, len);
			*(const char **)(void *)p = out->mem + at;
			at += len;
			break;
		case COL_I64:
			*(int64_t *)(void *)p = store_col_i64(s, (int)i);
			break;
		case COL_TIME:
			*(int64_t *)(void *)p = col_time(s, (int)i);
			break;
		}
	}
	rc = TB_OK;
out:
	return rc;
}

void
store_incident_cleanup(struct store_incident *in)
{
	if (in == NULL)
		return;
	free(in->mem);
	memset(in, 0, sizeof(*in));
}

int
store_incident_touch(struct store_conn *c, int64_t id, int64_t version,
    int64_t level, const char *state, int64_t updated_at)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (state == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_incident_touch, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, level));
	BIND(store_bind_text(s, 2, state));
	BIND(store_bind_i64(s, 3, updated_at));
	BIND(store_bind_i64(s, 4, id));
	BIND(store_bind_i64(s, 5, version));
	if ((rc = inc_step_done(s)) != TB_OK)
		goto out;
	if (store_changes(c) == 1)
		goto out;
	/* Nothing changed: either no such incident or a newer version. */
	if ((rc = store_prepare(c, sql_incident_exists, &s)) != TB_OK)
		goto out;
	BIND(store_bind_i64(s, 1, id));
	rc = store_step(s);
	rc = rc == TB_ROW ? TB_ECONFLICT : rc == TB_DONE ? TB_ENOTFOUND : rc;
out:
	return rc;
}

int
store_incident_affected(struct store_conn *c, int64_t id,
    int (*fn)(void *, const char *, int64_t), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_affected_list, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, id));
	while ((rc = store_step(s)) == TB_ROW)
		if (fn(arg, store_col_text(s, 0), col_time(s, 1)) != 0) {
			rc = TB_DONE;
			break;
		}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

int
store_incident_notify(struct store_conn *c, int64_t id, const char *agency,
    int64_t at)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (agency == NULL || at == STORE_TIME_NONE)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_affected_notify, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, id));
	BIND(store_bind_text(s, 2, agency));
	BIND(store_bind_i64(s, 3, at));
	rc = inc_step_done(s);
out:
	return rc;
}

int
store_incident_notified(struct store_conn *c, int64_t id, const char *agency,
    int *yes)
{
	struct store_stmt	*s;
	int			 rc;

	*yes = 0;
	if (agency == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_affected_notified, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, id));
	BIND(store_bind_text(s, 2, agency));
	rc = store_step(s);
	if (rc == TB_ROW)
		*yes = 1;
	rc = rc == TB_ROW || rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

int
store_platform_ref_claim(struct store_conn *c, const char *ref, int64_t id,
    int64_t seq)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (ref == NULL || ref[0] == '\0')
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_ref_find, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, ref));
	if ((rc = store_step(s)) == TB_ROW) {
		/* Read while the statement holds the row. */
		rc = store_col_i64(s, 0) == id ? TB_OK : TB_ECONFLICT;
		goto out;
	}
	if (rc != TB_DONE)
		goto out;
	if ((rc = store_prepare(c, sql_ref_insert, &s)) != TB_OK)
		goto out;
	BIND(store_bind_text(s, 1, ref));
	BIND(store_bind_i64(s, 2, id));
	BIND(store_bind_i64(s, 3, seq));
	rc = inc_step_done(s);
out:
	return rc;
}

/* --- events --------------------------------------------------------- */

int
store_event_insert(struct store_conn *c, const struct store_event *e)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (e == NULL || e->seq <= 0 || e->type == NULL ||
	    e->actor_name == NULL || e->fields == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_event_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, e->incident));
	BIND(store_bind_i64(s, 2, e->seq));
	BIND(store_bind_text(s, 3, e->type));
	BIND(store_bind_i64(s, 4, e->at));
	BIND(store_bind_i64(s, 5, e->actor));
	BIND(store_bind_text(s, 6, e->actor_name));
	BIND(store_bind_i64(s, 7, e->recorded_at));
	BIND(e->level < 0 ? store_bind_null(s, 8) :
	    store_bind_i64(s, 8, e->level));
	BIND(store_bind_text_or_null(s, 9, e->channel));
	BIND(store_bind_text_or_null(s, 10, e->kind));
	BIND(store_bind_text_or_null(s, 11, e->agency));
	BIND(store_bind_text(s, 12, e->fields));
	rc = inc_step_done(s);
out:
	return rc;
}

int
store_event_scan(struct store_conn *c, int64_t id,
    int (*fn)(void *, const struct store_event *), void *arg)
{
	struct store_stmt	*s;
	struct store_event	 e;
	int			 rc;

	if ((rc = store_prepare(c, sql_event_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, id));
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&e, 0, sizeof(e));
		e.incident = id;
		e.seq = store_col_i64(s, 0);
		e.type = store_col_text(s, 1);
		e.at = store_col_i64(s, 2);
		e.actor = store_col_i64(s, 3);
		e.actor_name = store_col_text(s, 4);
		e.recorded_at = store_col_i64(s, 5);
		e.level = store_col_is_null(s, 6) ? -1 : store_col_i64(s, 6);
		e.channel = col_text_or_null(s, 7);
		e.kind = col_text_or_null(s, 8);
		e.agency = col_text_or_null(s, 9);
		e.fields = store_col_text(s, 10);
		if (fn(arg, &e) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- obligations ---------------------------------------------------- */

/* Binds the 14 columns of one obligation row of incident id from index i
 * on (the order of sql_obligation_insert). */
static int
obligation_bind(struct store_stmt *s, int i, int64_t id,
    const struct store_obligation *b)
{
	int	 rc;

	if (b->name == NULL || b->agency == NULL || b->state == NULL)
		return TB_EINVAL;
	BIND(store_bind_i64(s, i, id));
	BIND(store_bind_text(s, i + 1, b->name));
	BIND(store_bind_text(s, i + 2, b->subject ? b->subject : ""));
	BIND(store_bind_i64(s, i + 3, b->period));
	BIND(store_bind_text(s, i + 4, b->agency));
	BIND(store_bind_i64(s, i + 5, b->level));
	BIND(bind_time(s, i + 6, b->start_at));
	BIND(bind_time(s, i + 7, b->due_at));
	BIND(store_bind_i64(s, i + 8, b->by_date ? 1 : 0));
	BIND(bind_time(s, i + 9, b->overdue_from));
	BIND(store_bind_i64(s, i + 10, b->due_at == STORE_TIME_NONE ?
	    STORE_DUE_NONE : b->due_at));
	BIND(bind_time(s, i + 11, b->met_at));
	BIND(store_bind_text(s, i + 12, b->state));
	BIND(store_bind_i64(s, i + 13, b->exercise ? 1 : 0));
out:
	return rc;
}

/* Inserts the n obligation rows of incident id. */
static int
obligations_insert(struct store_conn *c, int64_t id,
    const struct store_obligation *o, size_t n)
{
	struct store_stmt	*s;
	size_t			 i;
	int			 rc = TB_OK;

	for (i = 0; i < n; i++) {
		if ((rc = store_prepare(c, sql_obligation_insert, &s)) !=
		    TB_OK ||
		    (rc = obligation_bind(s, 1, id, &o[i])) != TB_OK ||
		    (rc = inc_step_done(s)) != TB_OK)
			break;
	}
	return rc;
}

int
store_obligations_replace(struct store_conn *c, int64_t id,
    const struct store_obligation *o, size_t n)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (n > 0 && o == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_obligation_delete, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, id));
	if ((rc = inc_step_done(s)) != TB_OK)
		goto out;
	rc = obligations_insert(c, id, o, n);
out:
	return rc;
}

int
store_obligations_insert(struct store_conn *c, int64_t id,
    const struct store_obligation *o, size_t n)
{
	int	 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (n > 0 && o == NULL)
		return TB_EINVAL;
	return obligations_insert(c, id, o, n);
}

/* --- lists ---------------------------------------------------------- */

/*
 * Picks the statement for a scope and binds its leading parameters (the
 * scope CTEs and the scope condition); *next gets the next index.  A DoIT
 * caller with an agency filter takes the scoped statement rooted at the
 * filter, so the agency index drives that list too.  (Incident lists
 * merge agency scopes instead, scan_merged(), and pass no sql_scoped.)
 */
static int
scope_bind(struct store_conn *c, const struct store_scope *sc,
    const char *filter, const char *sql_all, const char *sql_scoped,
    const char *sql_reporter, struct store_stmt **out, int *next)
{
	struct store_stmt	*s;
	int			 rc, i = 1;
	const char		*root;
	int			 sup;

	if (sc->all && filter == NULL) {
		if ((rc = store_prepare(c, sql_all, &s)) != TB_OK)
			return rc;
		*out = s;
		*next = 1;
		return TB_OK;
	}
	if (sc->all || sc->reporter <= 0) {
		root = sc->all ? filter : sc->agency;
		sup = sc->all ? 0 : sc->supervised != 0;
		if (root == NULL)
			return TB_EINVAL;
		if ((rc = store_prepare(c, sql_scoped, &s)) != TB_OK)
			return rc;
	} else {
		/* The reporter's statement has the same CTEs; its scope is
		 * unused and rooted nowhere. */
		root = "";
		sup = 0;
		if ((rc = store_prepare(c, sql_reporter, &s)) != TB_OK)
			return rc;
	}
	BIND(store_bind_text(s, i++, root));
	BIND(store_bind_i64(s, i++, sup));
	BIND(store_bind_text(s, i++, root));
	BIND(store_bind_text(s, i++, filter != NULL ? filter : ""));
	*out = s;
	*next = i;
out:
	return rc;
}

/*
 * Escapes q for LIKE with '\' as the escape character and wraps it in
 * '%', into a new string (free() it); NULL on allocation failure.
 */
static char *
like_pattern(const char *q)
{
	size_t	 n = strlen(q), i, j = 0;
	char	*p;

	if ((p = malloc(2 * n + 3)) == NULL)
		return NULL;
	p[j++] = '%';
	for (i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			p[j++] = '\\';
		p[j++] = q[i];
	}
	p[j++] = '%';
	p[j] = '\0';
	return p;
}

/* Reads the summary columns of a listed incident into r (strings point
 * into the statement's row). */
static void
summary_read(struct store_stmt *s, struct store_incident *r)
{
	size_t	 k;

	memset(r, 0, sizeof(*r));
	r->occurred_at = r->vendor_aware_at = r->vendor_reported_at =
	    STORE_TIME_NONE;
	for (k = 0; k < NELEM(incident_summary_cols); k++) {
		char *p = (char *)r + incident_summary_cols[k].off;

		switch (incident_summary_cols[k].kind) {
		case COL_TEXT:
			*(const char **)(void *)p = col_text_or_null(s, (int)k);
			break;
		case COL_I64:
			*(int64_t *)(void *)p = store_col_i64(s, (int)k);
			break;
		case COL_TIME:
			*(int64_t *)(void *)p = col_time(s, (int)k);
			break;
		}
	}
}

/*
 * Binds the filters of INCIDENT_FILTERS from *i on; lo is a further lower
 * bound on aware_at (INT64_MIN: none).  Each side of the aware_at range is
 * written twice in the SQL (the filter's, and the cursor's or the
 * merge's), and SQLite takes one of each for the index range and tests
 * the other on every row: both get the tighter value, so that the range
 * stops where the rows stop qualifying, whichever it takes.
 */
static int
filters_bind(struct store_stmt *s, int *i,
    const struct store_incident_filter *f, const char *pat, int64_t lo)
{
	int64_t	 hi;
	int	 rc;

	if (f->from != STORE_TIME_NONE && f->from > lo)
		lo = f->from;
	hi = f->to == STORE_TIME_NONE ? INT64_MAX : f->to;
	if (f->before_id > 0 && f->before_aware < hi)
		hi = f->before_aware;
	BIND(store_bind_i64(s, (*i)++, f->level));
	BIND(store_bind_i64(s, (*i)++, f->level));
	BIND(store_bind_text_or_null(s, (*i)++, f->state));
	BIND(store_bind_text_or_null(s, (*i)++, f->state));
	BIND(store_bind_i64(s, (*i)++, lo));
	BIND(store_bind_i64(s, (*i)++, hi));
	BIND(store_bind_text_or_null(s, (*i)++, pat));
	BIND(store_bind_text_or_null(s, (*i)++, pat));
	BIND(store_bind_text_or_null(s, (*i)++, pat));
	BIND(store_bind_i64(s, (*i)++, f->exercise));
	BIND(store_bind_i64(s, (*i)++, f->exercise));
	BIND(store_bind_i64(s, (*i)++, hi));
	if (f->before_id > 0) {
		BIND(store_bind_i64(s, (*i)++, f->before_aware));
		BIND(store_bind_i64(s, (*i)++, f->before_id));
	} else {
		BIND(store_bind_i64(s, (*i)++, INT64_MAX));
		BIND(store_bind_i64(s, (*i)++, INT64_MAX));
	}
out:
	return rc;
}

/* The page a merge builds: at most cap keys (aware_at, id), newest
 * first. */
struct inc_page {
	int64_t		(*k)[2];
	size_t		 n, cap;
};

/* Adds a key if it is among the cap newest so far and not there yet (an
 * incident both in the scope and notified to it comes twice). */
static void
page_add(struct inc_page *p, int64_t aware, int64_t id)
{
	size_t	 i, last;

	for (i = 0; i < p->n; i++) {
		if (p->k[i][0] == aware && p->k[i][1] == id)
			return;
		if (p->k[i][0] < aware || (p->k[i][0] == aware &&
		    p->k[i][1] < id))
			break;
	}
	if (i == p->cap)
		return;
	last = p->n < p->cap ? p->n : p->cap - 1;
	memmove(&p->k[i + 1], &p->k[i], (last - i) * sizeof(p->k[0]));
	p->k[i][0] = aware;
	p->k[i][1] = id;
	if (p->n < p->cap)
		p->n++;
}

/*
 * Binds INCIDENT_KEY_FILTERS from index i on, with the page's lower bound
 * once it is full, and steps the statement's keys into the page.
 */
static int
page_fill(struct store_stmt *s, int i, const struct store_incident_filter *f,
    const char *pat, struct inc_page *p)
{
	int64_t	 lo_aware = INT64_MIN, lo_id = 0;
	int	 rc;

	if (p->n == p->cap) {
		lo_aware = p->k[p->n - 1][0];
		lo_id = p->k[p->n - 1][1];
	}
	if ((rc = filters_bind(s, &i, f, pat, lo_aware)) != TB_OK)
		goto out;
	/* The same tighter lower bound as the filter's, for the same
	 * reason (filters_bind()). */
	BIND(store_bind_i64(s, i++, f->from != STORE_TIME_NONE &&
	    f->from > lo_aware ? f->from : lo_aware));
	BIND(store_bind_i64(s, i++, lo_aware));
	BIND(store_bind_i64(s, i++, lo_id));
	BIND(store_bind_i64(s, i++, (int64_t)p->cap));
	while ((rc = store_step(s)) == TB_ROW)
		page_add(p, store_col_i64(s, 0), store_col_i64(s, 1));
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/*
 * The list of an agency scope (root, with supervised agencies, and the
 * incidents agency `notified` was notified of when notify is 1), within
 * filter's subtree when it is not NULL: the newest `limit` keys of each
 * agency merged into one page, then the page's rows read by id.
 */
static int
scan_merged(struct store_conn *c, const char *root, int supervised,
    const char *notified, const struct store_incident_filter *f,
    const char *pat, int64_t limit,
    int (*fn)(void *, const struct store_incident *), void *arg)
{
	struct store_stmt	*s;
	struct store_incident	 r;
	struct inc_page		 pg;
	char			(*codes)[STORE_KEY_SIZE] = NULL;
	void			*np;
	size_t			 n = 0, cap = 0, j;
	int			 rc, i, own_tx;

	memset(&pg, 0, sizeof(pg));
	if ((pg.k = calloc((size_t)limit, sizeof(*pg.k))) == NULL)
		return TB_ENOMEM;
	pg.cap = (size_t)limit;
	/* One read transaction for the hundred statements of a merge: one
	 * snapshot for the whole page, and the WAL read lock taken once
	 * rather than per statement. */
	own_tx = !c->writer && !c->in_tx;
	if (own_tx && (rc = store_tx_begin(c)) != TB_OK) {
		free(pg.k);
		return rc;
	}
	/* The scope's agencies first: the statement is done with before
	 * the next one runs. */
	if ((rc = store_prepare(c, sql_scope_codes, &s)) != TB_OK)
		goto out;
	BIND(store_bind_text(s, 1, root));
	BIND(store_bind_i64(s, 2, supervised != 0));
	BIND(store_bind_text(s, 3, root));
	BIND(store_bind_text(s, 4, f->agency != NULL ? f->agency : ""));
	BIND(store_bind_i64(s, 5, f->agency != NULL));
	while ((rc = store_step(s)) == TB_ROW) {
		if (n == cap) {
			cap = cap > 0 ? 2 * cap : 64;
			if ((np = realloc(codes, cap * sizeof(*codes))) ==
			    NULL) {
				rc = TB_ENOMEM;
				goto out;
			}
			codes = np;
		}
		if (tb_strlcpy(codes[n++], store_col_text(s, 0),
		    sizeof(codes[0])) != TB_OK) {
			rc = TB_ETOOBIG;
			goto out;
		}
	}
	if (rc != TB_DONE)
		goto out;
	for (j = 0; j < n; j++) {
		if ((rc = store_prepare(c, sql_incident_keys_agency, &s)) !=
		    TB_OK)
			goto out;
		BIND(store_bind_text(s, 1, codes[j]));
		if ((rc = page_fill(s, 2, f, pat, &pg)) != TB_OK)
			goto out;
	}
	if (notified != NULL) {
		if ((rc = store_prepare(c, sql_incident_keys_notified, &s)) !=
		    TB_OK)
			goto out;
		i = 1;
		BIND(store_bind_text(s, i++, f->agency != NULL ? f->agency :
		    ""));
		BIND(store_bind_text(s, i++, notified));
		BIND(store_bind_i64(s, i++, f->agency != NULL));
		if ((rc = page_fill(s, i, f, pat, &pg)) != TB_OK)
			goto out;
	}
	for (j = 0; j < pg.n; j++) {
		if ((rc = store_prepare(c, sql_incident_summary, &s)) != TB_OK)
			goto out;
		BIND(store_bind_i64(s, 1, pg.k[j][1]));
		if ((rc = store_step(s)) == TB_DONE)
			continue;	/* gone since: no incident is deleted */
		if (rc != TB_ROW)
			goto out;
		summary_read(s, &r);
		if (fn(arg, &r) != 0)
			break;
	}
	rc = TB_OK;
out:
	if (own_tx)
		store_tx_rollback(c);	/* read only: nothing to keep */
	free(codes);
	free(pg.k);
	return rc;
}

int
store_incident_scan(struct store_conn *c, const struct store_scope *sc,
    const struct store_incident_filter *f, int64_t limit,
    int (*fn)(void *, const struct store_incident *), void *arg)
{
	struct store_stmt	*s;
	struct store_incident	 r;
	char			*pat = NULL;
	int			 rc, i;

	if (sc == NULL || f == NULL || limit <= 0)
		return TB_EINVAL;
	if (f->q != NULL && (pat = like_pattern(f->q)) == NULL)
		return TB_ENOMEM;
	if (sc->all && f->agency != NULL) {
		/* DoIT with an agency filter: the filter's subtree. */
		rc = scan_merged(c, f->agency, 0, NULL, f, pat, limit, fn,
		    arg);
		goto out;
	}
	if (!sc->all && sc->reporter <= 0) {
		if (sc->agency == NULL) {
			rc = TB_EINVAL;
			goto out;
		}
		rc = scan_merged(c, sc->agency, sc->supervised,
		    sc->notified ? sc->agency : NULL, f, pat, limit, fn, arg);
		goto out;
	}
	/* Everything (one range of incidents_aware_idx), or a vendor's own
	 * (incidents_reporter_idx): one statement, in order. */
	if ((rc = scope_bind(c, sc, f->agency, sql_incident_scan_all, NULL,
	    sql_incident_scan_reporter, &s, &i)) != TB_OK)
		goto out;
	if (!sc->all) {
		BIND(store_bind_i64(s, i++, sc->reporter));
		BIND(store_bind_i64(s, i++, f->agency != NULL));
	}
	if ((rc = filters_bind(s, &i, f, pat, INT64_MIN)) != TB_OK)
		goto out;
	BIND(store_bind_i64(s, i++, limit));
	while ((rc = store_step(s)) == TB_ROW) {
		summary_read(s, &r);
		if (fn(arg, &r) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	free(pat);
	return rc;
}

int
store_obligation_scan(struct store_conn *c, const struct store_scope *sc,
    const struct store_obligation_filter *f, int64_t limit,
    int (*fn)(void *, const struct store_obligation *), void *arg)
{
	struct store_stmt	*s;
	struct store_obligation	 o;
	int			 rc, i;
	int			 scoped;

	if (sc == NULL || f == NULL || f->state == NULL || limit <= 0)
		return TB_EINVAL;
	if ((rc = scope_bind(c, sc, f->agency, sql_obligation_scan_all,
	    sql_obligation_scan_scoped, sql_obligation_scan_reporter, &s, &i))
	    != TB_OK)
		return rc;
	scoped = !(sc->all && f->agency == NULL);
	if (scoped && !sc->all && sc->reporter <= 0) {
		BIND(store_bind_i64(s, i++, f->agency != NULL));
	} else if (scoped && sc->all) {
		BIND(store_bind_i64(s, i++, 0));
	} else if (scoped) {
		BIND(store_bind_i64(s, i++, sc->reporter));
		BIND(store_bind_i64(s, i++, f->agency != NULL));
	}
	BIND(store_bind_text(s, i++, f->state));
	BIND(store_bind_i64(s, i++, f->due_before));
	BIND(store_bind_i64(s, i++, f->overdue));
	BIND(store_bind_i64(s, i++, f->overdue));
	BIND(store_bind_i64(s, i++, f->now));
	BIND(store_bind_i64(s, i++, f->overdue));
	BIND(store_bind_i64(s, i++, f->now));
	if (f->after_incident > 0) {
		BIND(store_bind_i64(s, i++, f->after_due));
		BIND(store_bind_i64(s, i++, f->after_due));
		BIND(store_bind_i64(s, i++, f->after_incident));
		BIND(store_bind_text(s, i++, f->after_name ? f->after_name :
		    ""));
		BIND(store_bind_text(s, i++, f->after_subject ?
		    f->after_subject : ""));
		BIND(store_bind_i64(s, i++, f->after_period));
	} else {
		/* From the start: every row sorts after (MIN, 0, ...). */
		BIND(store_bind_i64(s, i++, INT64_MIN));
		BIND(store_bind_i64(s, i++, INT64_MIN));
		BIND(store_bind_i64(s, i++, 0));
		BIND(store_bind_text(s, i++, ""));
		BIND(store_bind_text(s, i++, ""));
		BIND(store_bind_i64(s, i++, -1));
	}
	BIND(store_bind_i64(s, i++, limit));
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&o, 0, sizeof(o));
		o.incident = store_col_i64(s, 0);
		o.agency = store_col_text(s, 1);
		o.name = store_col_text(s, 2);
		o.subject = store_col_text(s, 3);
		o.period = store_col_i64(s, 4);
		o.level = store_col_i64(s, 5);
		o.start_at = col_time(s, 6);
		o.due_at = col_time(s, 7);
		o.by_date = store_col_i64(s, 8);
		o.overdue_from = col_time(s, 9);
		o.met_at = col_time(s, 10);
		o.state = store_col_text(s, 11);
		o.exercise = store_col_i64(s, 12);
		o.title = store_col_text(s, 14);
		if (fn(arg, &o) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- idempotency keys ----------------------------------------------- */

int
store_idem_find(struct store_conn *c, int64_t caller, const char *key,
    char hash[65], int64_t *status, char **location, char **response)
{
	struct store_stmt	*s;
	const char		*t;
	int			 rc;

	*location = *response = NULL;
	if (key == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_idem_find, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, caller));
	BIND(store_bind_text(s, 2, key));
	if ((rc = store_step(s)) != TB_ROW) {
		rc = rc == TB_DONE ? TB_ENOTFOUND : rc;
		goto out;
	}
	if (tb_strlcpy(hash, store_col_text(s, 0), 65) != TB_OK) {
		rc = TB_ETOOBIG;
		goto out;
	}
	*status = store_col_i64(s, 1);
	if ((t = col_text_or_null(s, 2)) != NULL &&
	    (*location = strdup(t)) == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	if ((*response = strdup(store_col_text(s, 3))) == NULL) {
		free(*location);
		*location = NULL;
		rc = TB_ENOMEM;
		goto out;
	}
	rc = TB_OK;
out:
	return rc;
}

int
store_idem_insert(struct store_conn *c, const struct store_idem *k)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = inc_check_write(c)) != TB_OK)
		return rc;
	if (k == NULL || k->key == NULL || k->request_hash == NULL ||
	    k->response == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_idem_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, k->caller));
	BIND(store_bind_text(s, 2, k->key));
	BIND(store_bind_text(s, 3, k->request_hash));
	BIND(store_bind_i64(s, 4, k->status));
	BIND(store_bind_text_or_null(s, 5, k->location));
	BIND(store_bind_text(s, 6, k->response));
	BIND(store_bind_i64(s, 7, k->created_at));
	rc = inc_step_done(s);
out:
	return rc;
}
