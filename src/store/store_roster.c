/*
 * store_roster.c: the queries on the contact-window roster (migration 3,
 * P5-P9).  All their SQL is here, fixed at compile time (STYLE.md 16).
 *
 * The rules (who may be a window, when a change is late) are the domain's
 * (src/domain/roster.c); this file only keeps and finds assignments.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/util.h"
#include "internal.h"

static const char sql_contact_insert[] =
    "INSERT INTO contacts (id, agency, user_id, role, effective_from,"
    " access_ready_at, notified_at, appointed_by, late, dedicated_vacant,"
    " created_at, created_by)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* The columns every read returns, with the person the row names. */
#define CONTACT_COLUMNS \
    "SELECT k.id, k.agency, k.user_id, u.username, u.name, u.email," \
    " u.phone, u.taipeion_id, u.employment, u.dedicated_staff, u.active," \
    " k.role, k.effective_from, k.access_ready_at, k.notified_at," \
    " k.appointed_by, k.late, k.dedicated_vacant, k.created_at," \
    " k.created_by, b.username, k.ended_at" \
    " FROM contacts k JOIN users u ON u.id = k.user_id" \
    " LEFT JOIN users b ON b.id = k.created_by"
static const char sql_contact_get[] =
    CONTACT_COLUMNS " WHERE k.id = ?";
/*
 * Every filter is "(? = 0 OR condition)" behind a flag, so one fixed text
 * serves them all (see store_org.c).  "In force at t": begun by t, not
 * ended by t, and the person still active.
 */
static const char sql_contact_scan[] =
    CONTACT_COLUMNS
    " WHERE (? = 0 OR k.agency = ?) AND (? = 0 OR k.role = ?)"
    " AND (? = 0 OR k.user_id = ?)"
    " AND (? = 0 OR (k.effective_from <= ?"
    "  AND (k.ended_at IS NULL OR k.ended_at > ?) AND u.active = 1))"
    " AND (? = 0 OR k.ended_at IS NULL OR k.ended_at > ?)"
    " AND (k.created_at > ? OR (k.created_at = ? AND k.id > ?))"
    " ORDER BY k.created_at, k.id LIMIT ?";
static const char sql_contact_end[] =
    "UPDATE contacts SET ended_at ="
    " CASE WHEN effective_from > ? THEN effective_from ELSE ? END"
    " WHERE id = ? AND (ended_at IS NULL OR ended_at > ?)";
static const char sql_contact_ready[] =
    "UPDATE contacts SET access_ready_at = ? WHERE id = ?";
static const char sql_contact_count[] =
    "SELECT COUNT(*) FROM contacts WHERE agency = ? AND role = ?";

/* Writes go through the writer inside a transaction (store.h). */
static int
contact_check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

static int
contact_copy(struct store_stmt *s, int col, char *out, size_t size)
{
	const char	*t = store_col_text(s, col);

	return tb_strlcpy(out, t != NULL ? t : "", size);
}

static int64_t
contact_time(struct store_stmt *s, int col)
{
	return store_col_is_null(s, col) ? STORE_TIME_NONE :
	    store_col_i64(s, col);
}

/* Reads the CONTACT_COLUMNS of the current row. */
static int
contact_row(struct store_stmt *s, struct store_contact_rec *out)
{
	int	 rc;

	memset(out, 0, sizeof(*out));
	out->id = store_col_i64(s, 0);
	out->user_id = store_col_i64(s, 2);
	if ((rc = contact_copy(s, 1, out->agency, sizeof(out->agency)))
	    != TB_OK ||
	    (rc = contact_copy(s, 3, out->username, sizeof(out->username)))
	    != TB_OK ||
	    (rc = contact_copy(s, 4, out->name, sizeof(out->name))) != TB_OK ||
	    (rc = contact_copy(s, 5, out->email, sizeof(out->email)))
	    != TB_OK ||
	    (rc = contact_copy(s, 6, out->phone, sizeof(out->phone)))
	    != TB_OK ||
	    (rc = contact_copy(s, 7, out->taipeion_id,
	    sizeof(out->taipeion_id))) != TB_OK ||
	    (rc = contact_copy(s, 8, out->employment,
	    sizeof(out->employment))) != TB_OK ||
	    (rc = contact_copy(s, 11, out->role, sizeof(out->role))) != TB_OK ||
	    (rc = contact_copy(s, 15, out->appointed_by,
	    sizeof(out->appointed_by))) != TB_OK ||
	    (rc = contact_copy(s, 20, out->created_by_name,
	    sizeof(out->created_by_name))) != TB_OK)
		return rc;
	out->dedicated_staff = store_col_i64(s, 9);
	out->user_active = store_col_i64(s, 10);
	out->effective_from = store_col_i64(s, 12);
	out->access_ready_at = contact_time(s, 13);
	out->notified_at = store_col_i64(s, 14);
	out->late = store_col_i64(s, 16);
	out->dedicated_vacant = store_col_i64(s, 17);
	out->created_at = store_col_i64(s, 18);
	out->created_by = store_col_is_null(s, 19) ? 0 : store_col_i64(s, 19);
	out->ended_at = contact_time(s, 21);
	return TB_OK;
}

int
store_contact_insert(struct store_conn *c, const struct store_contact *k)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = contact_check_write(c)) != TB_OK)
		return rc;
	if (k == NULL || k->id <= 0 || k->agency == NULL || k->user_id <= 0 ||
	    k->role == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_contact_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, k->id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, k->agency)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, k->user_id)) != TB_OK ||
	    (rc = store_bind_text(s, 4, k->role)) != TB_OK ||
	    (rc = store_bind_i64(s, 5, k->effective_from)) != TB_OK ||
	    (rc = k->access_ready_at == STORE_TIME_NONE ?
	    store_bind_null(s, 6) : store_bind_i64(s, 6, k->access_ready_at))
	    != TB_OK ||
	    (rc = store_bind_i64(s, 7, k->notified_at)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 8, k->appointed_by)) != TB_OK ||
	    (rc = store_bind_i64(s, 9, k->late)) != TB_OK ||
	    (rc = store_bind_i64(s, 10, k->dedicated_vacant)) != TB_OK ||
	    (rc = store_bind_i64(s, 11, k->created_at)) != TB_OK ||
	    (rc = k->created_by > 0 ? store_bind_i64(s, 12, k->created_by) :
	    store_bind_null(s, 12)) != TB_OK)
		return rc;
	rc = store_step(s);
	if (rc == TB_DONE)
		return TB_OK;
	return rc == TB_ROW ? TB_ESTORE : rc;
}

int
store_contact_get(struct store_conn *c, int64_t id,
    struct store_contact_rec *out)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_contact_get, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	if ((rc = contact_row(s, out)) != TB_OK)
		return rc;
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_contact_end(struct store_conn *c, int64_t id, int64_t at)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = contact_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_contact_end, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, at)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, at)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, id)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, at)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_DONE)
		return rc == TB_ROW ? TB_ESTORE : rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

int
store_contact_set_access_ready(struct store_conn *c, int64_t id, int64_t at)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = contact_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_contact_ready, &s)) != TB_OK ||
	    (rc = at == STORE_TIME_NONE ? store_bind_null(s, 1) :
	    store_bind_i64(s, 1, at)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, id)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_DONE)
		return rc == TB_ROW ? TB_ESTORE : rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

int
store_contact_count(struct store_conn *c, const char *agency,
    const char *role, int64_t *n)
{
	struct store_stmt	*s;
	int			 rc;

	*n = 0;
	if (agency == NULL || role == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_contact_count, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, agency)) != TB_OK ||
	    (rc = store_bind_text(s, 2, role)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	*n = store_col_i64(s, 0);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_contact_scan(struct store_conn *c, const struct store_contact_filter *f,
    int64_t limit, int (*fn)(void *, const struct store_contact_rec *),
    void *arg)
{
	struct store_contact_rec rec;
	struct store_stmt	*s;
	int			 rc, i = 1;
	int			 in_force = f->in_force_at != STORE_TIME_NONE;
	int			 open = f->open_at != STORE_TIME_NONE;

	if ((rc = store_prepare(c, sql_contact_scan, &s)) != TB_OK)
		return rc;
	/* Bound in the order of the placeholders in sql_contact_scan. */
	if ((rc = store_bind_i64(s, i++, f->agency != NULL)) != TB_OK ||
	    (rc = store_bind_text(s, i++, f->agency != NULL ? f->agency :
	    "")) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->role != NULL)) != TB_OK ||
	    (rc = store_bind_text(s, i++, f->role != NULL ? f->role : ""))
	    != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->user_id != 0)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->user_id)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, in_force)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->in_force_at)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->in_force_at)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, open)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->open_at)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->after_created)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->after_created)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, f->after_id)) != TB_OK ||
	    (rc = store_bind_i64(s, i++, limit > 0 ? limit : INT64_MAX))
	    != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		if ((rc = contact_row(s, &rec)) != TB_OK)
			return rc;
		if (fn(arg, &rec) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

void
store_contact_filter_init(struct store_contact_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->in_force_at = STORE_TIME_NONE;
	f->open_at = STORE_TIME_NONE;
	f->after_created = INT64_MIN;
}
