/*
 * store_registry.c: the P24 registry of core systems, their log retention
 * and connected devices, and the P26 outsourcing contracts (migration 6).
 * All their SQL is here, fixed at compile time (STYLE.md 16).
 */
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "internal.h"

/* Binds a parameter or leaves through out with its error. */
#define BIND(expr)	do { if ((rc = (expr)) != TB_OK) goto out; } while (0)

/* LIMIT for "no limit": portable, unlike -1 (SQLite) or ALL (PostgreSQL). */
#define REG_NO_LIMIT	INT64_MAX

/* Writes must go through the writer inside a transaction (store.h). */
static int
reg_check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

/* Steps a statement that returns no rows. */
static int
reg_step_done(struct store_stmt *s)
{
	int	 rc = store_step(s);

	if (rc == TB_DONE)
		return TB_OK;
	return rc == TB_ROW ? TB_ESTORE : rc;
}

/* 0 stands for NULL in the optional time columns. */
static int
bind_time0(struct store_stmt *s, int idx, int64_t t)
{
	return t == 0 ? store_bind_null(s, idx) : store_bind_i64(s, idx, t);
}

/* An UPDATE ... WHERE id = ? AND version = ? changed nothing: tell a
 * missing row from a stale version. */
static int
reg_update_result(struct store_conn *c, const char *sql_exists, int64_t id)
{
	struct store_stmt	*s;
	int			 rc;

	if (store_changes(c) == 1)
		return TB_OK;
	if ((rc = store_prepare(c, sql_exists, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK)
		return rc;
	rc = store_step(s);
	if (rc == TB_ROW) {
		rc = store_step(s);
		return rc == TB_DONE ? TB_ECONFLICT : rc;
	}
	return rc == TB_DONE ? TB_ENOTFOUND : rc;
}

/* --- core systems ----------------------------------------------------- */

#define SYSTEM_COLUMNS \
    "id, agency, name, description, tolerable_downtime_minutes, standby," \
    " retired_at, created_at, updated_at, version"

static const char sql_system_insert[] =
    "INSERT INTO core_systems (id, agency, name, description,"
    " tolerable_downtime_minutes, standby, retired_at, created_at,"
    " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)";
static const char sql_system_update[] =
    "UPDATE core_systems SET name = ?, description = ?,"
    " tolerable_downtime_minutes = ?, standby = ?, retired_at = ?,"
    " updated_at = ?, version = version + 1"
    " WHERE id = ? AND version = ?";
static const char sql_system_exists[] =
    "SELECT 1 FROM core_systems WHERE id = ?";
static const char sql_system_get[] =
    "SELECT " SYSTEM_COLUMNS " FROM core_systems WHERE id = ?";
/* Parameters: agency filter ('' any) twice, include retired, the cursor
 * id twice, the limit. */
static const char sql_system_scan[] =
    "SELECT " SYSTEM_COLUMNS " FROM core_systems"
    " WHERE (? = '' OR agency = ?)"
    " AND (? = 1 OR retired_at IS NULL)"
    " AND (? = 0 OR (agency, name, id) >"
    "  (SELECT agency, name, id FROM core_systems WHERE id = ?))"
    " ORDER BY agency, name, id LIMIT ?";

static void
system_read(struct store_stmt *s, struct store_system *sy)
{
	sy->id = store_col_i64(s, 0);
	sy->agency = store_col_text(s, 1);
	sy->name = store_col_text(s, 2);
	sy->description = store_col_text(s, 3);
	sy->tolerable_downtime_minutes = store_col_i64(s, 4);
	sy->standby = store_col_text(s, 5);
	sy->retired_at = store_col_i64(s, 6);
	sy->created_at = store_col_i64(s, 7);
	sy->updated_at = store_col_i64(s, 8);
	sy->version = store_col_i64(s, 9);
}

int
store_system_insert(struct store_conn *c, const struct store_system *sy)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = reg_check_write(c)) != TB_OK)
		return rc;
	if (sy == NULL || sy->id <= 0 || sy->agency == NULL ||
	    sy->name == NULL || sy->standby == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_system_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, sy->id));
	BIND(store_bind_text(s, 2, sy->agency));
	BIND(store_bind_text(s, 3, sy->name));
	BIND(store_bind_text_or_null(s, 4, sy->description));
	BIND(store_bind_i64(s, 5, sy->tolerable_downtime_minutes));
	BIND(store_bind_text(s, 6, sy->standby));
	BIND(bind_time0(s, 7, sy->retired_at));
	BIND(store_bind_i64(s, 8, sy->created_at));
	BIND(store_bind_i64(s, 9, sy->updated_at));
	rc = reg_step_done(s);
out:
	return rc;
}

int
store_system_update(struct store_conn *c, const struct store_system *sy,
    int64_t version)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = reg_check_write(c)) != TB_OK)
		return rc;
	if (sy == NULL || sy->name == NULL || sy->standby == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_system_update, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, sy->name));
	BIND(store_bind_text_or_null(s, 2, sy->description));
	BIND(store_bind_i64(s, 3, sy->tolerable_downtime_minutes));
	BIND(store_bind_text(s, 4, sy->standby));
	BIND(bind_time0(s, 5, sy->retired_at));
	BIND(store_bind_i64(s, 6, sy->updated_at));
	BIND(store_bind_i64(s, 7, sy->id));
	BIND(store_bind_i64(s, 8, version));
	if ((rc = reg_step_done(s)) != TB_OK)
		goto out;
	rc = reg_update_result(c, sql_system_exists, sy->id);
out:
	return rc;
}

int
store_system_get(struct store_conn *c, int64_t id,
    int (*fn)(void *, const struct store_system *), void *arg)
{
	struct store_stmt	*s;
	struct store_system	 sy;
	int			 rc;

	if ((rc = store_row_by_id(c, sql_system_get, id, &s)) != TB_OK)
		return rc;
	system_read(s, &sy);
	fn(arg, &sy);
	/* Step to the end so the statement holds no snapshot. */
	rc = store_step(s);
	rc = rc == TB_DONE ? TB_OK : rc;
	return rc;
}

int
store_system_scan(struct store_conn *c, const char *agency,
    int include_retired, int64_t after_id, int64_t limit,
    int (*fn)(void *, const struct store_system *), void *arg)
{
	struct store_stmt	*s;
	struct store_system	 sy;
	int			 rc;

	if ((rc = store_prepare(c, sql_system_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, agency != NULL ? agency : ""));
	BIND(store_bind_text(s, 2, agency != NULL ? agency : ""));
	BIND(store_bind_i64(s, 3, include_retired ? 1 : 0));
	BIND(store_bind_i64(s, 4, after_id));
	BIND(store_bind_i64(s, 5, after_id));
	BIND(store_bind_i64(s, 6, limit > 0 ? limit : REG_NO_LIMIT));
	while ((rc = store_step(s)) == TB_ROW) {
		system_read(s, &sy);
		if (fn(arg, &sy) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- log retention ---------------------------------------------------- */

static const char sql_log_delete[] =
    "DELETE FROM core_system_logs WHERE system_id = ? AND log_type = ?";
static const char sql_log_insert[] =
    "INSERT INTO core_system_logs (system_id, log_type, months_kept,"
    " copy_elsewhere) VALUES (?, ?, ?, ?)";
static const char sql_log_scan_system[] =
    "SELECT system_id, log_type, months_kept, copy_elsewhere"
    " FROM core_system_logs WHERE system_id = ?"
    " ORDER BY system_id, log_type";
static const char sql_log_scan_agency[] =
    "SELECT l.system_id, l.log_type, l.months_kept, l.copy_elsewhere"
    " FROM core_system_logs l JOIN core_systems s ON s.id = l.system_id"
    " WHERE (? = '' OR s.agency = ?)"
    " ORDER BY l.system_id, l.log_type";

int
store_system_log_delete(struct store_conn *c, int64_t system_id,
    const char *log_type)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = reg_check_write(c)) != TB_OK)
		return rc;
	if (log_type == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_log_delete, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, system_id));
	BIND(store_bind_text(s, 2, log_type));
	rc = reg_step_done(s);
out:
	return rc;
}

int
store_system_log_set(struct store_conn *c, const struct store_system_log *l)
{
	struct store_stmt	*s;
	int			 rc;

	if (l == NULL || l->log_type == NULL)
		return TB_EINVAL;
	/* Replace: delete, then insert (an upsert both databases share). */
	if ((rc = store_system_log_delete(c, l->system_id, l->log_type)) !=
	    TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_log_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, l->system_id));
	BIND(store_bind_text(s, 2, l->log_type));
	BIND(store_bind_i64(s, 3, l->months_kept));
	BIND(store_bind_i64(s, 4, l->copy_elsewhere ? 1 : 0));
	rc = reg_step_done(s);
out:
	return rc;
}

int
store_system_log_scan(struct store_conn *c, int64_t system_id,
    const char *agency,
    int (*fn)(void *, const struct store_system_log *), void *arg)
{
	struct store_stmt	*s;
	struct store_system_log	 l;
	int			 rc;

	if (system_id > 0) {
		if ((rc = store_prepare(c, sql_log_scan_system, &s)) != TB_OK)
			return rc;
		BIND(store_bind_i64(s, 1, system_id));
	} else {
		if ((rc = store_prepare(c, sql_log_scan_agency, &s)) != TB_OK)
			return rc;
		BIND(store_bind_text(s, 1, agency != NULL ? agency : ""));
		BIND(store_bind_text(s, 2, agency != NULL ? agency : ""));
	}
	while ((rc = store_step(s)) == TB_ROW) {
		l.system_id = store_col_i64(s, 0);
		l.log_type = store_col_text(s, 1);
		l.months_kept = store_col_i64(s, 2);
		l.copy_elsewhere = store_col_i64(s, 3);
		if (fn(arg, &l) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- devices ------------------------------------------------------------ */

static const char sql_device_insert[] =
    "INSERT INTO core_system_devices (id, system_id, name, kind, address,"
    " note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_device_scan[] =
    "SELECT id, system_id, name, kind, address, note, created_at"
    " FROM core_system_devices WHERE system_id = ?"
    " AND (? = 0 OR (name, id) >"
    "  (SELECT name, id FROM core_system_devices WHERE id = ?))"
    " ORDER BY name, id LIMIT ?";

int
store_device_insert(struct store_conn *c, const struct store_device *d)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = reg_check_write(c)) != TB_OK)
		return rc;
	if (d == NULL || d->id <= 0 || d->name == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_device_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, d->id));
	BIND(store_bind_i64(s, 2, d->system_id));
	BIND(store_bind_text(s, 3, d->name));
	BIND(store_bind_text_or_null(s, 4, d->kind));
	BIND(store_bind_text_or_null(s, 5, d->address));
	BIND(store_bind_text_or_null(s, 6, d->note));
	BIND(store_bind_i64(s, 7, d->created_at));
	rc = reg_step_done(s);
out:
	return rc;
}

int
store_device_scan(struct store_conn *c, int64_t system_id, int64_t after_id,
    int64_t limit, int (*fn)(void *, const struct store_device *), void *arg)
{
	struct store_stmt	*s;
	struct store_device	 d;
	int			 rc;

	if ((rc = store_prepare(c, sql_device_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, system_id));
	BIND(store_bind_i64(s, 2, after_id));
	BIND(store_bind_i64(s, 3, after_id));
	BIND(store_bind_i64(s, 4, limit > 0 ? limit : REG_NO_LIMIT));
	while ((rc = store_step(s)) == TB_ROW) {
		d.id = store_col_i64(s, 0);
		d.system_id = store_col_i64(s, 1);
		d.name = store_col_text(s, 2);
		d.kind = store_col_text(s, 3);
		d.address = store_col_text(s, 4);
		d.note = store_col_text(s, 5);
		d.created_at = store_col_i64(s, 6);
		if (fn(arg, &d) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}

/* --- contracts -------------------------------------------------------- */

#define CONTRACT_COLUMNS \
    "id, agency, vendor, title, starts_on, ends_on, clause_reporting," \
    " clause_log_retention, clause_evidence_preservation, clause_backup," \
    " note, created_at, updated_at, version"

static const char sql_contract_insert[] =
    "INSERT INTO contracts (id, agency, vendor, title, starts_on, ends_on,"
    " clause_reporting, clause_log_retention, clause_evidence_preservation,"
    " clause_backup, note, created_at, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)";
static const char sql_contract_update[] =
    "UPDATE contracts SET vendor = ?, title = ?, starts_on = ?,"
    " ends_on = ?, clause_reporting = ?, clause_log_retention = ?,"
    " clause_evidence_preservation = ?, clause_backup = ?, note = ?,"
    " updated_at = ?, version = version + 1"
    " WHERE id = ? AND version = ?";
static const char sql_contract_exists[] =
    "SELECT 1 FROM contracts WHERE id = ?";
static const char sql_contract_get[] =
    "SELECT " CONTRACT_COLUMNS " FROM contracts WHERE id = ?";
static const char sql_contract_scan[] =
    "SELECT " CONTRACT_COLUMNS " FROM contracts"
    " WHERE (? = '' OR agency = ?)"
    " AND (? = 0 OR (agency, vendor, id) >"
    "  (SELECT agency, vendor, id FROM contracts WHERE id = ?))"
    " ORDER BY agency, vendor, id LIMIT ?";

static void
contract_read(struct store_stmt *s, struct store_contract *k)
{
	k->id = store_col_i64(s, 0);
	k->agency = store_col_text(s, 1);
	k->vendor = store_col_text(s, 2);
	k->title = store_col_text(s, 3);
	k->starts_on = store_col_text(s, 4);
	k->ends_on = store_col_text(s, 5);
	for (int i = 0; i < 4; i++)
		k->clause[i] = store_col_i64(s, 6 + i);
	k->note = store_col_text(s, 10);
	k->created_at = store_col_i64(s, 11);
	k->updated_at = store_col_i64(s, 12);
	k->version = store_col_i64(s, 13);
}

int
store_contract_insert(struct store_conn *c, const struct store_contract *k)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = reg_check_write(c)) != TB_OK)
		return rc;
	if (k == NULL || k->id <= 0 || k->agency == NULL ||
	    k->vendor == NULL || k->title == NULL || k->starts_on == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_contract_insert, &s)) != TB_OK)
		return rc;
	BIND(store_bind_i64(s, 1, k->id));
	BIND(store_bind_text(s, 2, k->agency));
	BIND(store_bind_text(s, 3, k->vendor));
	BIND(store_bind_text(s, 4, k->title));
	BIND(store_bind_text(s, 5, k->starts_on));
	BIND(store_bind_text_or_null(s, 6, k->ends_on));
	for (int i = 0; i < 4; i++)
		BIND(store_bind_i64(s, 7 + i, k->clause[i] ? 1 : 0));
	BIND(store_bind_text_or_null(s, 11, k->note));
	BIND(store_bind_i64(s, 12, k->created_at));
	BIND(store_bind_i64(s, 13, k->updated_at));
	rc = reg_step_done(s);
out:
	return rc;
}

int
store_contract_update(struct store_conn *c, const struct store_contract *k,
    int64_t version)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = reg_check_write(c)) != TB_OK)
		return rc;
	if (k == NULL || k->vendor == NULL || k->title == NULL ||
	    k->starts_on == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_contract_update, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, k->vendor));
	BIND(store_bind_text(s, 2, k->title));
	BIND(store_bind_text(s, 3, k->starts_on));
	BIND(store_bind_text_or_null(s, 4, k->ends_on));
	for (int i = 0; i < 4; i++)
		BIND(store_bind_i64(s, 5 + i, k->clause[i] ? 1 : 0));
	BIND(store_bind_text_or_null(s, 9, k->note));
	BIND(store_bind_i64(s, 10, k->updated_at));
	BIND(store_bind_i64(s, 11, k->id));
	BIND(store_bind_i64(s, 12, version));
	if ((rc = reg_step_done(s)) != TB_OK)
		goto out;
	rc = reg_update_result(c, sql_contract_exists, k->id);
out:
	return rc;
}

int
store_contract_get(struct store_conn *c, int64_t id,
    int (*fn)(void *, const struct store_contract *), void *arg)
{
	struct store_stmt	*s;
	struct store_contract	 k;
	int			 rc;

	if ((rc = store_row_by_id(c, sql_contract_get, id, &s)) != TB_OK)
		return rc;
	contract_read(s, &k);
	fn(arg, &k);
	rc = store_step(s);
	rc = rc == TB_DONE ? TB_OK : rc;
	return rc;
}

int
store_contract_scan(struct store_conn *c, const char *agency,
    int64_t after_id, int64_t limit,
    int (*fn)(void *, const struct store_contract *), void *arg)
{
	struct store_stmt	*s;
	struct store_contract	 k;
	int			 rc;

	if ((rc = store_prepare(c, sql_contract_scan, &s)) != TB_OK)
		return rc;
	BIND(store_bind_text(s, 1, agency != NULL ? agency : ""));
	BIND(store_bind_text(s, 2, agency != NULL ? agency : ""));
	BIND(store_bind_i64(s, 3, after_id));
	BIND(store_bind_i64(s, 4, after_id));
	BIND(store_bind_i64(s, 5, limit > 0 ? limit : REG_NO_LIMIT));
	while ((rc = store_step(s)) == TB_ROW) {
		contract_read(s, &k);
		if (fn(arg, &k) != 0) {
			rc = TB_DONE;
			break;
		}
	}
	rc = rc == TB_DONE ? TB_OK : rc;
out:
	return rc;
}
