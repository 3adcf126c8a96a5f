/*
 * store_evidence.c: preservation paths and their steps (P25), evidence
 * items and their chain of custody (P27) (migration 6).  The custody
 * chain and the steps are append-only: there is no statement here that
 * updates or deletes them.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "internal.h"

#define BIND(expr)	do { if ((rc = (expr)) != TB_OK) goto out; } while (0)

/* LIMIT for "no limit" (see store_registry.c). */
#define EV_NO_LIMIT	INT64_MAX

static int
ev_check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

static int
ev_step_done(struct store_stmt *s)
{
	int	 rc = store_step(s);

	if (rc == TB_DONE)
		return TB_OK;
	return rc == TB_ROW ? TB_ESTORE : rc;
}

/* --- the incident ------------------------------------------------------- */

static const char sql_incident[] =
    "SELECT agency FROM incidents WHERE id = ?";

int
store_evidence_incident(struct store_conn *c, int64_t id, char *agency,
    size_t len)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_row_by_id(c, sql_incident, id, &s)) != TB_OK)
		return rc;
	if ((rc = tb_strlcpy(agency, store_col_text(s, 0), len)) != TB_OK)
		goto out;
	rc = store_step(s);
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- preservations (P25) ---------------------------------------------- */

#define PRESERVATION_COLUMNS \
    "p.id, p.incident, p.system_id, p.system_name, p.path, p.created_by," \
    " u.username, p.created_at"

static const char sql_preservation_insert[] =
    "INSERT INTO preservations (id, incident, system_id, system_name, path,"
    " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_preservation_get[] =
    "SELECT " PRESERVATION_COLUMNS " FROM preservations p"
    " JOIN users u ON u.id = p.created_by WHERE p.id = ?";
static const char sql_preservation_scan[] =
    "SELECT " PRESERVATION_COLUMNS " FROM preservations p"
    " JOIN users u ON u.id = p.created_by WHERE p.incident = ?"
    " ORDER BY p.created_at, p.id";
static const char sql_step_insert[] =
    "INSERT INTO preservation_steps (preservation, step, at, note,"
    " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_step_scan[] =
    "SELECT st.preservation, st.step, st.at, st.note, st.recorded_by,"
    " u.username, st.recorded_at FROM preservation_steps st"
    " JOIN users u ON u.id = st.recorded_by WHERE st.preservation = ?"
    " ORDER BY st.at, st.step";

static void
preservation_read(struct store_stmt *s, struct store_preservation *p)
{
	p->id = store_col_i64(s, 0);
	p->incident = store_col_i64(s, 1);
	p->system_id = store_col_i64(s, 2);
	p->system_name = store_col_text(s, 3);
	p->path = store_col_text(s, 4);
	p->created_by = store_col_i64(s, 5);
	p->created_by_name = store_col_text(s, 6);
	p->created_at = store_col_i64(s, 7);
}

int
store_preservation_insert(struct store_conn *c,
    const struct store_preservation *p)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = ev_check_write(c)) != TB_OK)
		return rc;
	if (p == NULL || p->id <= 0 || p->system_name == NULL ||
	    p->path == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_preservation_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, p->id));
	BIND(store_bind_i64(s, 2, p->incident));
	BIND(p->system_id > 0 ? store_bind_i64(s, 3, p->system_id) :
	    store_bind_null(s, 3));
	BIND(store_bind_text(s, 4, p->system_name));
	BIND(store_bind_text(s, 5, p->path));
	BIND(store_bind_i64(s, 6, p->created_by));
	BIND(store_bind_i64(s, 7, p->created_at));
	rc = ev_step_done(s);
out:
	return rc;
}

int
store_preservation_get(struct store_conn *c, int64_t id,
    int (*fn)(void *, const struct store_preservation *), void *arg)
{
	struct store_stmt		*s;
	struct store_preservation	 p;
	int				 rc;

	if ((rc = store_row_by_id(c, sql_preservation_get, id, &s)) != TB_OK)
		return rc;
	preservation_read(s, &p);
	fn(arg, &p);
	rc = store_step(s);
	rc = rc == TB_DONE ? TB_OK : rc;
	return rc;
}

int
store_preservation_scan(struct store_conn *c, int64_t incident,
    int (*fn)(void *, const struct store_preservation *), void *arg)
{
	struct store_stmt		*s;
	struct store_preservation	 p;
	int				 rc;

	if ((rc = store_prepare(c, sql_preservation_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	while ((rc = store_step(s)) == TB_ROW) {
		preservation_read(s, &p);
		if (fn(arg, &p) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

int
store_preservation_step_insert(struct store_conn *c,
    const struct store_preservation_step *st)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = ev_check_write(c)) != TB_OK)
		return rc;
	if (st == NULL || st->step == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_step_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, st->preservation));
	BIND(store_bind_text(s, 2, st->step));
	BIND(store_bind_i64(s, 3, st->at));
	BIND(store_bind_text_or_null(s, 4, st->note));
	BIND(store_bind_i64(s, 5, st->recorded_by));
	BIND(store_bind_i64(s, 6, st->recorded_at));
	rc = ev_step_done(s);
out:
	return rc;
}

int
store_preservation_step_scan(struct store_conn *c, int64_t preservation,
    int (*fn)(void *, const struct store_preservation_step *), void *arg)
{
	struct store_stmt		*s;
	struct store_preservation_step	 st;
	int				 rc;

	if ((rc = store_prepare(c, sql_step_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, preservation));
	while ((rc = store_step(s)) == TB_ROW) {
		st.preservation = store_col_i64(s, 0);
		st.step = store_col_text(s, 1);
		st.at = store_col_i64(s, 2);
		st.note = store_col_text(s, 3);
		st.recorded_by = store_col_i64(s, 4);
		st.recorded_by_name = store_col_text(s, 5);
		st.recorded_at = store_col_i64(s, 6);
		if (fn(arg, &st) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- evidence items (P27) ----------------------------------------------- */

#define EVIDENCE_COLUMNS \
    "e.id, e.incident, i.agency, e.name, e.what, e.location," \
    " e.collected_by, e.collected_at, e.size, e.sha256, e.stored," \
    " e.suspected_malware, e.virus_check_submitted_at," \
    " e.virus_check_reference, e.created_by, u.username, e.created_at," \
    " e.updated_at"
#define EVIDENCE_FROM \
    " FROM evidence_items e JOIN incidents i ON i.id = e.incident" \
    " JOIN users u ON u.id = e.created_by"

static const char sql_evidence_insert[] =
    "INSERT INTO evidence_items (id, incident, name, what, location,"
    " collected_by, collected_at, size, sha256, stored, suspected_malware,"
    " virus_check_submitted_at, virus_check_reference, created_by,"
    " created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_evidence_get[] =
    "SELECT " EVIDENCE_COLUMNS EVIDENCE_FROM " WHERE e.id = ?";
static const char sql_evidence_scan[] =
    "SELECT " EVIDENCE_COLUMNS EVIDENCE_FROM " WHERE e.incident = ?"
    " AND (? = 0 OR (e.created_at, e.id) >"
    "  (SELECT created_at, id FROM evidence_items WHERE id = ?))"
    " ORDER BY e.created_at, e.id LIMIT ?";
/* A submission once recorded stays: COALESCE keeps the first. */
static const char sql_evidence_malware[] =
    "UPDATE evidence_items SET suspected_malware = 1,"
    " virus_check_submitted_at = COALESCE(virus_check_submitted_at, ?),"
    " virus_check_reference = COALESCE(virus_check_reference, ?),"
    " updated_at = ? WHERE id = ?";

static void
evidence_read(struct store_stmt *s, struct store_evidence *e)
{
	e->id = store_col_i64(s, 0);
	e->incident = store_col_i64(s, 1);
	e->agency = store_col_text(s, 2);
	e->name = store_col_text(s, 3);
	e->what = store_col_text(s, 4);
	e->location = store_col_text(s, 5);
	e->collected_by = store_col_text(s, 6);
	e->collected_at = store_col_i64(s, 7);
	e->size = store_col_is_null(s, 8) ? -1 : store_col_i64(s, 8);
	e->sha256 = store_col_text(s, 9);
	e->stored = store_col_i64(s, 10);
	e->suspected_malware = store_col_i64(s, 11);
	e->virus_check_submitted_at = store_col_i64(s, 12);
	e->virus_check_reference = store_col_text(s, 13);
	e->created_by = store_col_i64(s, 14);
	e->created_by_name = store_col_text(s, 15);
	e->created_at = store_col_i64(s, 16);
	e->updated_at = store_col_i64(s, 17);
}

int
store_evidence_insert(struct store_conn *c, const struct store_evidence *e)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = ev_check_write(c)) != TB_OK)
		return rc;
	if (e == NULL || e->id <= 0 || e->what == NULL ||
	    e->location == NULL || e->collected_by == NULL ||
	    e->sha256 == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_evidence_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, e->id));
	BIND(store_bind_i64(s, 2, e->incident));
	BIND(store_bind_text_or_null(s, 3, e->name));
	BIND(store_bind_text(s, 4, e->what));
	BIND(store_bind_text(s, 5, e->location));
	BIND(store_bind_text(s, 6, e->collected_by));
	BIND(store_bind_i64(s, 7, e->collected_at));
	BIND(e->size >= 0 ? store_bind_i64(s, 8, e->size) :
	    store_bind_null(s, 8));
	BIND(store_bind_text(s, 9, e->sha256));
	BIND(store_bind_i64(s, 10, e->stored ? 1 : 0));
	BIND(store_bind_i64(s, 11, e->suspected_malware ? 1 : 0));
	BIND(e->virus_check_submitted_at != 0 ?
	    store_bind_i64(s, 12, e->virus_check_submitted_at) :
	    store_bind_null(s, 12));
	BIND(store_bind_text_or_null(s, 13, e->virus_check_reference));
	BIND(store_bind_i64(s, 14, e->created_by));
	BIND(store_bind_i64(s, 15, e->created_at));
	BIND(store_bind_i64(s, 16, e->updated_at));
	rc = ev_step_done(s);
out:
	return rc;
}

int
store_evidence_get(struct store_conn *c, int64_t id,
    int (*fn)(void *, const struct store_evidence *), void *arg)
{
	struct store_stmt	*s;
	struct store_evidence	 e;
	int			 rc;

	if ((rc = store_row_by_id(c, sql_evidence_get, id, &s)) != TB_OK)
		return rc;
	evidence_read(s, &e);
	fn(arg, &e);
	rc = store_step(s);
	rc = rc == TB_DONE ? TB_OK : rc;
	return rc;
}

int
store_evidence_scan(struct store_conn *c, int64_t incident, int64_t after_id,
    int64_t limit, int (*fn)(void *, const struct store_evidence *),
    void *arg)
{
	struct store_stmt	*s;
	struct store_evidence	 e;
	int			 rc;

	if ((rc = store_prepare(c, sql_evidence_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, incident));
	BIND(store_bind_i64(s, 2, after_id));
	BIND(store_bind_i64(s, 3, after_id));
	BIND(store_bind_i64(s, 4, limit > 0 ? limit : EV_NO_LIMIT));
	while ((rc = store_step(s)) == TB_ROW) {
		evidence_read(s, &e);
		if (fn(arg, &e) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

int
store_evidence_mark_malware(struct store_conn *c, int64_t id,
    int64_t submitted_at, const char *reference, int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = ev_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_evidence_malware, &s)) != TB_OK)
		return rc;
	if (reference != NULL) {
		BIND(store_bind_i64(s, 1, submitted_at));
		BIND(store_bind_text(s, 2, reference));
	} else {
		BIND(store_bind_null(s, 1));
		BIND(store_bind_null(s, 2));
	}
	BIND(store_bind_i64(s, 3, now));
	BIND(store_bind_i64(s, 4, id));
	if ((rc = ev_step_done(s)) != TB_OK)
		goto out;
	rc = store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
out:
	return rc;
}

/* --- chain of custody (P27) ------------------------------------------- */

static const char sql_custody_next[] =
    "SELECT COALESCE(MAX(seq), 0) + 1 FROM evidence_custody"
    " WHERE evidence = ?";
static const char sql_custody_insert[] =
    "INSERT INTO evidence_custody (evidence, seq, kind, from_party,"
    " to_party, at, purpose, recorded_by, recorded_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_custody_scan[] =
    "SELECT k.evidence, k.seq, k.kind, k.from_party, k.to_party, k.at,"
    " k.purpose, k.recorded_by, u.username, k.recorded_at"
    " FROM evidence_custody k LEFT JOIN users u ON u.id = k.recorded_by"
    " WHERE k.evidence = ? ORDER BY k.seq";

int
store_custody_append(struct store_conn *c, struct store_custody *e)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = ev_check_write(c)) != TB_OK)
		return rc;
	if (e == NULL || e->kind == NULL || e->to == NULL)
		return TB_EINVAL;
	/* The writer is held for the whole transaction, so MAX + 1 cannot
	 * race with another append. */
	if ((rc = store_prepare(c, sql_custody_next, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, e->evidence));
	if ((rc = store_step(s)) != TB_ROW) {
		rc = rc == TB_DONE ? TB_ESTORE : rc;
		goto out;
	}
	e->seq = store_col_i64(s, 0);
	if ((rc = store_step(s)) != TB_DONE) {
		rc = rc == TB_ROW ? TB_ESTORE : rc;
		goto out;
	}
	if ((rc = store_prepare(c, sql_custody_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, e->evidence));
	BIND(store_bind_i64(s, 2, e->seq));
	BIND(store_bind_text(s, 3, e->kind));
	BIND(store_bind_text_or_null(s, 4, e->from));
	BIND(store_bind_text(s, 5, e->to));
	BIND(store_bind_i64(s, 6, e->at));
	BIND(store_bind_text_or_null(s, 7, e->purpose));
	BIND(e->recorded_by > 0 ? store_bind_i64(s, 8, e->recorded_by) :
	    store_bind_null(s, 8));
	BIND(store_bind_i64(s, 9, e->recorded_at));
	rc = ev_step_done(s);
out:
	return rc;
}

int
store_custody_scan(struct store_conn *c, int64_t evidence,
    int (*fn)(void *, const struct store_custody *), void *arg)
{
	struct store_stmt	*s;
	struct store_custody	 k;
	int			 rc;

	if ((rc = store_prepare(c, sql_custody_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, evidence));
	while ((rc = store_step(s)) == TB_ROW) {
		k.evidence = store_col_i64(s, 0);
		k.seq = store_col_i64(s, 1);
		k.kind = store_col_text(s, 2);
		k.from = store_col_text(s, 3);
		k.to = store_col_text(s, 4);
		k.at = store_col_i64(s, 5);
		k.purpose = store_col_text(s, 6);
		k.recorded_by = store_col_i64(s, 7);
		k.recorded_by_name = store_col_text(s, 8);
		k.recorded_at = store_col_i64(s, 9);
		if (fn(arg, &k) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}
