/*
 * store_closure.c: improvement actions, the incident's documents (DoIT's
 * investigation report, the lessons learned) and the signatures of its
 * records (migration 7; P28-P33).  All their SQL is here, fixed at compile
 * time (STYLE.md 16) and portable between SQLite and PostgreSQL
 * (docs/internals/store.md): scopes are walked with WITH RECURSIVE, and a
 * parameter that appears only in an IS NULL test is CAST.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/util.h"
#include "internal.h"

#define BIND(expr)	do { if ((rc = (expr)) != TB_OK) goto out; } while (0)

/* --- SQL ------------------------------------------------------------ */

static const char sql_imp_insert[] =
    "INSERT INTO improvements (id, incident, agency, term, title, owner,"
    " due_on, status, done_at, created_by, created_at, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)";
static const char sql_imp_update[] =
    "UPDATE improvements SET title = ?, owner = ?, due_on = ?, status = ?,"
    " done_at = ?, updated_at = ?, version = version + 1"
    " WHERE id = ? AND incident = ? AND version = ?";
static const char sql_imp_exists[] =
    "SELECT 1 FROM improvements WHERE id = ? AND incident = ?";

/* The columns of an action as read, in the order imp_read() takes
 * them. */
#define IMP_SELECT \
    "SELECT m.id, m.incident, m.agency, m.term, m.title, m.owner," \
    " m.due_on, m.status, m.done_at, m.created_by, m.created_at," \
    " m.updated_at, m.version, u.username, i.title, i.state, a.name," \
    " i.exercise FROM improvements m JOIN incidents i ON i.id = m.incident" \
    " JOIN agencies a ON a.code = m.agency" \
    " JOIN users u ON u.id = m.created_by WHERE "
static const char sql_imp_get[] =
    IMP_SELECT "m.incident = ? AND m.id = ?";
static const char sql_imp_scan[] =
    IMP_SELECT "m.incident = ? ORDER BY m.created_at, m.id";

/*
 * Scopes, as in store_incident.c: scope is the caller's agency
 * (parameter 1), with the agencies it supervises when parameter 2 is 1
 * (parameter 3 repeats the agency), and every agency below those; filt
 * is the agency filter (parameter 4) and the agencies below it.
 */
#define IMP_CTES \
    "WITH RECURSIVE scope(code) AS (" \
    " SELECT code FROM agencies WHERE code = ? OR (? = 1 AND supervisor = ?)" \
    " UNION SELECT a.code FROM agencies a JOIN scope s" \
    " ON a.superior = s.code)," \
    " filt(code) AS (" \
    " SELECT code FROM agencies WHERE code = ?" \
    " UNION SELECT a.code FROM agencies a JOIN filt f" \
    " ON a.superior = f.code) "
/* The filters after the scope: status (3), closed (3), exercise (2), the
 * cursor (a plain bound on due_on, then the row value), order, limit. */
#define IMP_FILTERS \
    " AND (? = 0 OR (? = 1 AND m.status <> 'done')" \
    "  OR (? = 2 AND m.status = 'done'))" \
    " AND (? = -1 OR (? = 1 AND i.state = 'closed')" \
    "  OR (? = 0 AND i.state <> 'closed'))" \
    " AND (? = -1 OR i.exercise = ?)" \
    " AND m.due_on >= ? AND (m.due_on, m.id) > (?, ?)" \
    " ORDER BY m.due_on, m.id LIMIT ?"
static const char sql_imp_list_all[] =
    IMP_SELECT "1 = 1" IMP_FILTERS;
static const char sql_imp_list_scoped[] =
    IMP_CTES IMP_SELECT "m.agency IN (SELECT code FROM scope)"
    " AND (? = 0 OR m.agency IN (SELECT code FROM filt))" IMP_FILTERS;
static const char sql_imp_list_reporter[] =
    IMP_CTES IMP_SELECT "i.reported_by = ?"
    " AND (? = 0 OR m.agency IN (SELECT code FROM filt))" IMP_FILTERS;

static const char sql_doc_get[] =
    "SELECT incident, kind, body, updated_by, updated_by_name, created_at,"
    " updated_at, version FROM incident_docs WHERE incident = ? AND kind = ?";
static const char sql_doc_insert[] =
    "INSERT INTO incident_docs (incident, kind, body, updated_by,"
    " updated_by_name, created_at, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, 1)";
static const char sql_doc_update[] =
    "UPDATE incident_docs SET body = ?, updated_by = ?, updated_by_name = ?,"
    " updated_at = ?, version = version + 1"
    " WHERE incident = ? AND kind = ? AND version = ?";
static const char sql_doc_exists[] =
    "SELECT 1 FROM incident_docs WHERE incident = ? AND kind = ?";

static const char sql_sig_insert[] =
    "INSERT INTO signatures (id, incident, record, role, signer,"
    " signer_username, signer_name, signed_at, hash, canonical, event_seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_sig_scan[] =
    "SELECT id, incident, record, role, signer, signer_username,"
    " signer_name, signed_at, hash, canonical, event_seq FROM signatures"
    " WHERE incident = ? ORDER BY record, event_seq";

static const char sql_has_malware[] =
    "SELECT 1 FROM evidence_items WHERE incident = ?"
    " AND suspected_malware = 1 LIMIT 1";

/* --- helpers -------------------------------------------------------- */

/* Writes go through the writer inside a transaction (store.h). */
static int
check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

/* Steps a statement that returns no rows. */
static int
step_done(struct store_stmt *s)
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

/* Sets *yes when the one-row query s (bound) has a row. */
static int
has_row(struct store_stmt *s, int *yes)
{
	int	 rc = store_step(s);

	*yes = rc == TB_ROW;
	return rc == TB_ROW || rc == TB_DONE ? TB_OK : rc;
}

/* --- improvement actions -------------------------------------------- */

int
store_improvement_insert(struct store_conn *c,
    const struct store_improvement *m)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = check_write(c)) != TB_OK)
		return rc;
	if (m->id <= 0 || m->agency == NULL || m->term == NULL ||
	    m->title == NULL || m->owner == NULL || m->due_on == NULL ||
	    m->status == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_imp_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, m->id));
	BIND(store_bind_i64(s, 2, m->incident));
	BIND(store_bind_text(s, 3, m->agency));
	BIND(store_bind_text(s, 4, m->term));
	BIND(store_bind_text(s, 5, m->title));
	BIND(store_bind_text(s, 6, m->owner));
	BIND(store_bind_text(s, 7, m->due_on));
	BIND(store_bind_text(s, 8, m->status));
	BIND(bind_time(s, 9, m->done_at));
	BIND(store_bind_i64(s, 10, m->created_by));
	BIND(store_bind_i64(s, 11, m->created_at));
	BIND(store_bind_i64(s, 12, m->updated_at));
	rc = step_done(s);
out:
	return rc;
}

int
store_improvement_update(struct store_conn *c,
    const struct store_improvement *m, int64_t version)
{
	struct store_stmt	*s;
	int			 rc, yes;

	if ((rc = check_write(c)) != TB_OK)
		return rc;
	if (m->title == NULL || m->owner == NULL || m->due_on == NULL ||
	    m->status == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_imp_update, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, m->title));
	BIND(store_bind_text(s, 2, m->owner));
	BIND(store_bind_text(s, 3, m->due_on));
	BIND(store_bind_text(s, 4, m->status));
	BIND(bind_time(s, 5, m->done_at));
	BIND(store_bind_i64(s, 6, m->updated_at));
	BIND(store_bind_i64(s, 7, m->id));
	BIND(store_bind_i64(s, 8, m->incident));
	BIND(store_bind_i64(s, 9, version));
	if ((rc = step_done(s)) != TB_OK)
		goto out;
	if (store_changes(c) == 1)
		goto out;
	/* Nothing changed: stale, or no such action. */
	if ((rc = store_prepare(c, sql_imp_exists, &s)) != TB_OK)
		goto out;
	BIND(store_bind_i64(s, 1, m->id));
	BIND(store_bind_i64(s, 2, m->incident));
	if ((rc = has_row(s, &yes)) == TB_OK)
		rc = yes ? TB_ECONFLICT : TB_ENOTFOUND;
out:
	return rc;
}

/* Fills m from the current row of a statement of IMP_SELECT. */
static void
imp_read(struct store_stmt *s, struct store_improvement *m)
{
	memset(m, 0, sizeof(*m));
	m->id = store_col_i64(s, 0);
	m->incident = store_col_i64(s, 1);
	m->agency = store_col_text(s, 2);
	m->term = store_col_text(s, 3);
	m->title = store_col_text(s, 4);
	m->owner = store_col_text(s, 5);
	m->due_on = store_col_text(s, 6);
	m->status = store_col_text(s, 7);
	m->done_at = col_time(s, 8);
	m->created_by = store_col_i64(s, 9);
	m->created_at = store_col_i64(s, 10);
	m->updated_at = store_col_i64(s, 11);
	m->version = store_col_i64(s, 12);
	m->created_by_name = store_col_text(s, 13);
	m->incident_title = store_col_text(s, 14);
	m->incident_state = store_col_text(s, 15);
	m->agency_name = store_col_text(s, 16);
	m->exercise = store_col_i64(s, 17);
}

/* Calls fn for each row of s until it returns non-zero. */
static int
imp_each(struct store_stmt *s,
    int (*fn)(void *, const struct store_improvement *), void *arg)
{
	struct store_improvement	 m;
	int				 rc;

	while ((rc = store_step(s)) == TB_ROW) {
		imp_read(s, &m);
		if (fn(arg, &m) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_improvement_get(struct store_conn *c, int64_t incident, int64_t id,
    int (*fn)(void *, const struct store_improvement *), void *arg)
{
	struct store_improvement	 m;
	struct store_stmt		*s;
	int				 rc;

	if ((rc = store_prepare(c, sql_imp_get, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	BIND(store_bind_i64(s, 2, id));
	rc = store_step(s);
	if (rc == TB_DONE)
		rc = TB_ENOTFOUND;
	else if (rc == TB_ROW) {
		imp_read(s, &m);
		fn(arg, &m);
		rc = TB_OK;
	}
out:
	return rc;
}

int
store_improvement_scan(struct store_conn *c, int64_t incident,
    int (*fn)(void *, const struct store_improvement *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_imp_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	rc = imp_each(s, fn, arg);
out:
	return rc;
}

int
store_improvement_list(struct store_conn *c, const struct store_scope *sc,
    const struct store_improvement_filter *f, int64_t limit,
    int (*fn)(void *, const struct store_improvement *), void *arg)
{
	struct store_stmt	*s;
	const char		*root, *after_due;
	int			 rc, i = 1;

	if (sc == NULL || f == NULL || limit <= 0)
		return TB_EINVAL;
	if (sc->all && f->agency == NULL) {
		if ((rc = store_prepare(c, sql_imp_list_all, &s)) != TB_OK)
			return rc;
	} else {
		/*
		 * A DoIT caller with an agency filter takes the scoped
		 * statement rooted at the filter, so that the agency index
		 * drives the list; a vendor's statement has the same CTEs,
		 * rooted nowhere.
		 */
		int	 reporter = !sc->all && sc->reporter > 0;
		int	 sup = !sc->all && !reporter && sc->supervised != 0;

		root = sc->all ? f->agency : reporter ? "" : sc->agency;
		if (root == NULL)
			return TB_EINVAL;
		if ((rc = store_prepare(c, reporter ? sql_imp_list_reporter :
		    sql_imp_list_scoped, &s)) != TB_OK)
			return rc;
		BIND(store_bind_text(s, i++, root));
		BIND(store_bind_i64(s, i++, sup));
		BIND(store_bind_text(s, i++, root));
		BIND(store_bind_text(s, i++, f->agency != NULL ? f->agency :
		    ""));
		if (reporter)
			BIND(store_bind_i64(s, i++, sc->reporter));
		/* Rooted at the filter, the scope is the filter already. */
		BIND(store_bind_i64(s, i++, !sc->all && f->agency != NULL));
	}
	BIND(store_bind_i64(s, i++, f->status));
	BIND(store_bind_i64(s, i++, f->status));
	BIND(store_bind_i64(s, i++, f->status));
	BIND(store_bind_i64(s, i++, f->closed));
	BIND(store_bind_i64(s, i++, f->closed));
	BIND(store_bind_i64(s, i++, f->closed));
	BIND(store_bind_i64(s, i++, f->exercise));
	BIND(store_bind_i64(s, i++, f->exercise));
	/* From the start: every date sorts after "" and every id after 0. */
	after_due = f->after_id > 0 && f->after_due != NULL ? f->after_due :
	    "";
	BIND(store_bind_text(s, i++, after_due));
	BIND(store_bind_text(s, i++, after_due));
	BIND(store_bind_i64(s, i++, f->after_id > 0 ? f->after_id : 0));
	BIND(store_bind_i64(s, i++, limit));
	rc = imp_each(s, fn, arg);
out:
	return rc;
}

/* --- documents ------------------------------------------------------ */

int
store_incident_doc_get(struct store_conn *c, int64_t incident,
    const char *kind, int (*fn)(void *, const struct store_incident_doc *),
    void *arg)
{
	struct store_incident_doc	 d;
	struct store_stmt		*s;
	int				 rc;

	if (kind == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_doc_get, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	BIND(store_bind_text(s, 2, kind));
	rc = store_step(s);
	if (rc == TB_DONE)
		rc = TB_ENOTFOUND;
	else if (rc == TB_ROW) {
		memset(&d, 0, sizeof(d));
		d.incident = store_col_i64(s, 0);
		d.kind = store_col_text(s, 1);
		d.body = store_col_text(s, 2);
		d.updated_by = store_col_i64(s, 3);
		d.updated_by_name = store_col_text(s, 4);
		d.created_at = store_col_i64(s, 5);
		d.updated_at = store_col_i64(s, 6);
		d.version = store_col_i64(s, 7);
		fn(arg, &d);
		rc = TB_OK;
	}
out:
	return rc;
}

int
store_incident_doc_put(struct store_conn *c,
    const struct store_incident_doc *d, int64_t version)
{
	struct store_stmt	*s;
	int			 rc, yes;

	if ((rc = check_write(c)) != TB_OK)
		return rc;
	if (d->kind == NULL || d->body == NULL || d->updated_by_name == NULL ||
	    version < 0)
		return TB_EINVAL;
	if (version == 0) {
		if ((rc = store_prepare(c, sql_doc_insert, &s)) != TB_OK)
			return rc;
		BIND(store_bind_i64(s, 1, d->incident));
		BIND(store_bind_text(s, 2, d->kind));
		BIND(store_bind_text(s, 3, d->body));
		BIND(store_bind_i64(s, 4, d->updated_by));
		BIND(store_bind_text(s, 5, d->updated_by_name));
		BIND(store_bind_i64(s, 6, d->updated_at));
		BIND(store_bind_i64(s, 7, d->updated_at));
		rc = step_done(s);
		goto out;
	}
	if ((rc = store_prepare(c, sql_doc_update, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, d->body));
	BIND(store_bind_i64(s, 2, d->updated_by));
	BIND(store_bind_text(s, 3, d->updated_by_name));
	BIND(store_bind_i64(s, 4, d->updated_at));
	BIND(store_bind_i64(s, 5, d->incident));
	BIND(store_bind_text(s, 6, d->kind));
	BIND(store_bind_i64(s, 7, version));
	if ((rc = step_done(s)) != TB_OK || store_changes(c) == 1)
		goto out;
	if ((rc = store_prepare(c, sql_doc_exists, &s)) != TB_OK)
		goto out;
	BIND(store_bind_i64(s, 1, d->incident));
	BIND(store_bind_text(s, 2, d->kind));
	if ((rc = has_row(s, &yes)) == TB_OK)
		rc = yes ? TB_ECONFLICT : TB_ENOTFOUND;
out:
	return rc;
}

/* --- signatures ----------------------------------------------------- */

int
store_signature_insert(struct store_conn *c, const struct store_signature *g)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = check_write(c)) != TB_OK)
		return rc;
	if (g->id <= 0 || g->record == NULL || g->role == NULL ||
	    g->signer_username == NULL || g->signer_name == NULL ||
	    g->hash == NULL || g->canonical == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_sig_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, g->id));
	BIND(store_bind_i64(s, 2, g->incident));
	BIND(store_bind_text(s, 3, g->record));
	BIND(store_bind_text(s, 4, g->role));
	BIND(store_bind_i64(s, 5, g->signer));
	BIND(store_bind_text(s, 6, g->signer_username));
	BIND(store_bind_text(s, 7, g->signer_name));
	BIND(store_bind_i64(s, 8, g->signed_at));
	BIND(store_bind_text(s, 9, g->hash));
	BIND(store_bind_text(s, 10, g->canonical));
	BIND(store_bind_i64(s, 11, g->event_seq));
	rc = step_done(s);
out:
	return rc;
}

int
store_signature_scan(struct store_conn *c, int64_t incident,
    int (*fn)(void *, const struct store_signature *), void *arg)
{
	struct store_signature	 g;
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_sig_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&g, 0, sizeof(g));
		g.id = store_col_i64(s, 0);
		g.incident = store_col_i64(s, 1);
		g.record = store_col_text(s, 2);
		g.role = store_col_text(s, 3);
		g.signer = store_col_i64(s, 4);
		g.signer_username = store_col_text(s, 5);
		g.signer_name = store_col_text(s, 6);
		g.signed_at = store_col_i64(s, 7);
		g.hash = store_col_text(s, 8);
		g.canonical = store_col_text(s, 9);
		g.event_seq = store_col_i64(s, 10);
		if (fn(arg, &g) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

int
store_incident_has_malware(struct store_conn *c, int64_t incident, int *yes)
{
	struct store_stmt	*s;
	int			 rc;

	*yes = 0;
	if ((rc = store_prepare(c, sql_has_malware, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	rc = has_row(s, yes);
out:
	return rc;
}
