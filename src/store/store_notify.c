/*
 * store_notify.c: the queries of notifications (migration 5): the outbox,
 * preferences, reachability checks and the reminder schedule, and the
 * reads of people, agencies, the contacts roster (migration 3), incidents
 * and obligations (migration 4) that deciding recipients needs.  All their
 * SQL is here, fixed at compile time (STYLE.md 16).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/util.h"
#include "internal.h"

/* ---- outbox ---------------------------------------------------------- */

/* A key already present means the change was retried: nothing is added
 * (both SQLite 3.24+ and PostgreSQL 9.5+ take ON CONFLICT DO NOTHING). */
static const char sql_outbox_insert[] =
    "INSERT INTO outbox (id, idempotency_key, kind, channel, recipient_id,"
    " address, subject, body_text, body_html, payload, incident_id,"
    " created_at, state, attempts, next_attempt_at, retry_from)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)"
    " ON CONFLICT (idempotency_key) DO NOTHING";
static const char sql_outbox_due[] =
    "SELECT id FROM outbox WHERE state IN ('pending', 'sending')"
    " AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?";
static const char sql_outbox_claim[] =
    "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
    " next_attempt_at = ? WHERE id = ? AND state IN ('pending', 'sending')"
    " AND next_attempt_at <= ?";
static const char sql_outbox_finish[] =
    "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,"
    " sent_at = ? WHERE id = ? AND state = 'sending'";
/* A delivered message whose text holds a secret (a confirmation link)
 * keeps only its subject. */
static const char sql_outbox_redact[] =
    "UPDATE outbox SET body_text = '', body_html = '', payload = '{}'"
    " WHERE id = ? AND state = 'sent'";
static const char sql_outbox_recover[] =
    "UPDATE outbox SET state = 'pending', next_attempt_at = ?"
    " WHERE state = 'sending'";
static const char sql_outbox_next[] =
    "SELECT MIN(next_attempt_at) FROM outbox"
    " WHERE state IN ('pending', 'sending')";
static const char sql_outbox_retry[] =
    "UPDATE outbox SET state = 'pending', next_attempt_at = ?,"
    " retry_from = ?, last_error = NULL WHERE id = ? AND state = 'dead'";
#define OUTBOX_COLS \
    "SELECT o.id, o.idempotency_key, o.kind, o.channel, o.recipient_id," \
    " o.address, o.subject, o.body_text, o.body_html, o.payload," \
    " o.incident_id, o.created_at, o.state, o.attempts," \
    " o.next_attempt_at, o.last_error, o.sent_at, o.retry_from," \
    " u.username, u.name FROM outbox o LEFT JOIN users u" \
    " ON u.id = o.recipient_id"
static const char sql_outbox_get[] =
    OUTBOX_COLS " WHERE o.id = ?";
static const char sql_outbox_by_key[] =
    OUTBOX_COLS " WHERE o.idempotency_key = ?";
static const char sql_outbox_by_incident[] =
    OUTBOX_COLS " WHERE o.incident_id = ? AND (o.created_at > ?"
    " OR (o.created_at = ? AND o.id > ?)) ORDER BY o.created_at, o.id"
    " LIMIT ?";
static const char sql_outbox_by_state[] =
    OUTBOX_COLS " WHERE o.state = ? AND (o.created_at > ?"
    " OR (o.created_at = ? AND o.id > ?)) ORDER BY o.created_at, o.id"
    " LIMIT ?";

/* ---- preferences, people, agencies ----------------------------------- */

static const char sql_prefs_get[] =
    "SELECT email, webhook, locale, updated_at FROM notify_prefs"
    " WHERE user_id = ?";
static const char sql_prefs_put[] =
    "INSERT INTO notify_prefs (user_id, email, webhook, locale, updated_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
    " email = excluded.email, webhook = excluded.webhook,"
    " locale = excluded.locale, updated_at = excluded.updated_at";
static const char sql_person[] =
    "SELECT u.id, u.username, u.name, u.agency, u.email, u.taipeion_id,"
    " u.lang, u.active, p.email, p.webhook, p.locale FROM users u"
    " LEFT JOIN notify_prefs p ON p.user_id = u.id WHERE u.id = ?";
static const char sql_role_at[] =
    "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id"
    " WHERE r.role = ? AND u.agency = ? AND u.active = 1 ORDER BY u.id";
static const char sql_role_any_agency[] =
    "SELECT u.id, u.agency FROM users u JOIN user_roles r"
    " ON r.user_id = u.id JOIN agencies a ON a.code = u.agency"
    " WHERE r.role = ? AND u.active = 1 AND a.active = 1"
    " ORDER BY u.agency, u.id";
static const char sql_agency_get[] =
    "SELECT code, name, superior, supervisor, active FROM agencies"
    " WHERE code = ?";

/* ---- reachability checks (P7) ----------------------------------------- */

static const char sql_reach_insert[] =
    "INSERT INTO reachability_checks (id, created_at, created_by,"
    " expires_at, note) VALUES (?, ?, ?, ?, ?)";
static const char sql_reach_target_insert[] =
    "INSERT INTO reachability_confirmations (check_id, user_id, agency,"
    " contact_kind, token_hash, sent_at) VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_reach_confirm[] =
    "UPDATE reachability_confirmations SET confirmed_at = ?"
    " WHERE token_hash = ? AND confirmed_at IS NULL AND check_id IN"
    " (SELECT id FROM reachability_checks WHERE expires_at > ?)";
#define REACH_TARGET_COLS \
    "SELECT t.check_id, t.user_id, u.username, u.name, t.agency, a.name," \
    " t.contact_kind, t.sent_at, t.confirmed_at, k.expires_at" \
    " FROM reachability_confirmations t" \
    " JOIN reachability_checks k ON k.id = t.check_id" \
    " JOIN users u ON u.id = t.user_id" \
    " JOIN agencies a ON a.code = t.agency"
static const char sql_reach_by_token[] =
    REACH_TARGET_COLS " WHERE t.token_hash = ?";
static const char sql_reach_targets[] =
    REACH_TARGET_COLS " WHERE t.check_id = ? AND (? = 0 OR"
    " t.confirmed_at IS NULL) ORDER BY t.agency, t.contact_kind DESC,"
    " u.username";
static const char sql_reach_get[] =
    "SELECT k.id, k.created_at, k.created_by, k.expires_at, k.note,"
    " (SELECT COUNT(*) FROM reachability_confirmations t"
    "  WHERE t.check_id = k.id),"
    " (SELECT COUNT(*) FROM reachability_confirmations t"
    "  WHERE t.check_id = k.id AND t.confirmed_at IS NOT NULL)"
    " FROM reachability_checks k WHERE k.id = ?";

/* ---- the reminder schedule -------------------------------------------- */

static const char sql_sched_get[] =
    "SELECT stage_sent, next_at FROM notify_schedule WHERE incident_id = ?"
    " AND obligation = ? AND subject = ? AND period = ?";
/* One incident's rows: a prefix of the primary key, one range. */
static const char sql_sched_of[] =
    "SELECT obligation, subject, period, stage_sent, next_at"
    " FROM notify_schedule WHERE incident_id = ?";
static const char sql_sched_put[] =
    "INSERT INTO notify_schedule (incident_id, obligation, subject, period,"
    " stage_sent, next_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (incident_id, obligation, subject, period) DO UPDATE SET"
    " stage_sent = excluded.stage_sent, next_at = excluded.next_at,"
    " updated_at = excluded.updated_at";
static const char sql_sched_next[] =
    "SELECT MIN(next_at) FROM notify_schedule";
static const char sql_sched_due[] =
    "SELECT incident_id, obligation, subject, period, stage_sent"
    " FROM notify_schedule WHERE next_at <= ? ORDER BY next_at LIMIT ?";

/* ---- other issues' tables: roster (3), incidents and obligations (4) -- */

/* The assignments in force at an instant: begun, not ended. */
static const char sql_windows_at[] =
    "SELECT c.user_id, c.role FROM contacts c JOIN users u"
    " ON u.id = c.user_id WHERE c.agency = ? AND c.effective_from <= ?"
    " AND (c.ended_at IS NULL OR c.ended_at > ?) AND u.active = 1"
    " ORDER BY c.role DESC, c.user_id";
static const char sql_windows_all[] =
    "SELECT c.user_id, c.agency, c.role FROM contacts c JOIN users u"
    " ON u.id = c.user_id JOIN agencies a ON a.code = c.agency"
    " WHERE c.effective_from <= ? AND (c.ended_at IS NULL OR"
    " c.ended_at > ?) AND u.active = 1 AND a.active = 1"
    " ORDER BY c.agency, c.role DESC, c.user_id";
static const char sql_incident[] =
    "SELECT i.id, i.agency, a.name, i.title, i.level, i.exercise,"
    " i.aware_at, i.state, a.superior, a.supervisor FROM incidents i"
    " JOIN agencies a ON a.code = i.agency WHERE i.id = ?";
static const char sql_affected[] =
    "SELECT agency FROM incident_affected WHERE incident = ?"
    " ORDER BY agency";
#define OBLIGATION_COLS \
    "SELECT o.incident, o.name, o.subject, o.period, o.agency, o.start_at," \
    " o.due_at, o.overdue_from, o.state, o.met_at, i.title, a.name," \
    " i.level, i.exercise FROM obligations o" \
    " JOIN incidents i ON i.id = o.incident" \
    " JOIN agencies a ON a.code = o.agency"
static const char sql_obligations_of[] =
    OBLIGATION_COLS " WHERE o.incident = ?";
static const char sql_obligation_get[] =
    OBLIGATION_COLS " WHERE o.incident = ? AND o.name = ? AND o.subject = ?"
    " AND o.period = ?";
/* due_key <= now bounds the range scan of obligations_due_idx; an
 * obligation is overdue from a moment after its due time, so no overdue
 * one is missed. */
static const char sql_overdue[] =
    OBLIGATION_COLS " WHERE o.state = 'open' AND o.due_key <= ?"
    " AND o.overdue_from <= ? AND o.exercise = 0"
    " ORDER BY o.overdue_from, o.incident, o.name LIMIT ?";
static const char sql_overdue_count[] =
    "SELECT COUNT(*) FROM obligations o WHERE o.state = 'open'"
    " AND o.due_key <= ? AND o.overdue_from <= ? AND o.exercise = 0";
/* Open obligations with a due time that the schedule does not know yet,
 * from `since` on: made due at once, so the scheduler works out their
 * stage (catching up after downtime, or rows written by a process that did
 * not tell us). */
static const char sql_sched_discover[] =
    "INSERT INTO notify_schedule (incident_id, obligation, subject, period,"
    " stage_sent, next_at, updated_at)"
    " SELECT o.incident, o.name, o.subject, o.period, 0, ?, ?"
    " FROM obligations o WHERE o.state = 'open' AND o.due_key >= ?"
    " AND o.due_key <= ? AND NOT EXISTS (SELECT 1 FROM notify_schedule s"
    "  WHERE s.incident_id = o.incident AND s.obligation = o.name"
    "  AND s.subject = o.subject AND s.period = o.period)";

/* The due_key that ends a page of discovery: the page-th open obligation
 * with a due time from ? on (OFFSET is the page less one). */
static const char sql_sched_discover_bound[] =
    "SELECT due_key FROM obligations WHERE state = 'open' AND due_key >= ?"
    " AND due_key < ? ORDER BY due_key LIMIT 1 OFFSET ?";

/* Writes must go through the writer inside a transaction (store.h). */
static int
nt_check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

/* Steps a statement that returns no rows. */
static int
nt_step_done(struct store_stmt *s)
{
	int	 rc = store_step(s);

	if (rc == TB_DONE)
		return TB_OK;
	return rc == TB_ROW ? TB_ESTORE : rc;
}

/* Copies a text column into a fixed buffer, cutting what does not fit
 * (the buffers are sized above every column's checked maximum). */
static void
nt_copy(char *dst, size_t size, struct store_stmt *s, int col)
{
	const char	*v = store_col_text(s, col);

	if (tb_strlcpy(dst, v != NULL ? v : "", size) != TB_OK)
		dst[0] = '\0';
}

/* Steps a statement whose one row was read to its end, so that it holds
 * no snapshot once the caller returns (keys make these rows unique). */
static void
nt_end(struct store_stmt *s)
{
	while (store_step(s) == TB_ROW)
		;
}

/* Reads one MIN() row: *found is 0 when it is NULL (no rows). */
static int
nt_min(struct store_conn *c, const char *sql, int64_t *at, int *found)
{
	struct store_stmt	*s;
	int			 rc;

	*found = 0;
	*at = 0;
	if ((rc = store_prepare(c, sql, &s)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	if (!store_col_is_null(s, 0)) {
		*found = 1;
		*at = store_col_i64(s, 0);
	}
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : (rc == TB_ROW ? TB_ESTORE : rc);
}

int
store_outbox_insert(struct store_conn *c, const struct store_outbox *m,
    int *inserted)
{
	struct store_stmt	*s;
	int			 rc;

	*inserted = 0;
	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if (m->id <= 0 || m->idempotency_key == NULL || m->kind == NULL ||
	    m->channel == NULL || m->address == NULL || m->subject == NULL ||
	    m->body_text == NULL || m->body_html == NULL ||
	    m->payload == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_outbox_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, m->id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, m->idempotency_key)) != TB_OK ||
	    (rc = store_bind_text(s, 3, m->kind)) != TB_OK ||
	    (rc = store_bind_text(s, 4, m->channel)) != TB_OK ||
	    (rc = m->recipient_id > 0 ? store_bind_i64(s, 5,
	    m->recipient_id) : store_bind_null(s, 5)) != TB_OK ||
	    (rc = store_bind_text(s, 6, m->address)) != TB_OK ||
	    (rc = store_bind_text(s, 7, m->subject)) != TB_OK ||
	    (rc = store_bind_text(s, 8, m->body_text)) != TB_OK ||
	    (rc = store_bind_text(s, 9, m->body_html)) != TB_OK ||
	    (rc = store_bind_text(s, 10, m->payload)) != TB_OK ||
	    (rc = m->incident_id > 0 ? store_bind_i64(s, 11,
	    m->incident_id) : store_bind_null(s, 11)) != TB_OK ||
	    (rc = store_bind_i64(s, 12, m->created_at)) != TB_OK ||
	    (rc = store_bind_i64(s, 13, m->next_attempt_at)) != TB_OK ||
	    (rc = store_bind_i64(s, 14, m->created_at)) != TB_OK ||
	    (rc = nt_step_done(s)) != TB_OK)
		return rc;
	*inserted = store_changes(c) > 0;
	return TB_OK;
}

int
store_outbox_claim(struct store_conn *c, int64_t now, int64_t lease_until,
    int64_t *ids, size_t cap, size_t *n)
{
	struct store_stmt	*s;
	size_t			 found = 0;
	int			 rc;

	*n = 0;
	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_outbox_due, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, (int64_t)cap)) != TB_OK)
		return rc;
	/* Read them all before changing any (LIMIT keeps it to cap), so
	 * that no statement is left open under the updates. */
	while ((rc = store_step(s)) == TB_ROW)
		if (found < cap)
			ids[found++] = store_col_i64(s, 0);
	if (rc != TB_DONE)
		return rc;
	for (size_t i = 0; i < found; i++) {
		if ((rc = store_prepare(c, sql_outbox_claim, &s)) != TB_OK ||
		    (rc = store_bind_i64(s, 1, lease_until)) != TB_OK ||
		    (rc = store_bind_i64(s, 2, ids[i])) != TB_OK ||
		    (rc = store_bind_i64(s, 3, now)) != TB_OK ||
		    (rc = nt_step_done(s)) != TB_OK)
			return rc;
		if (store_changes(c) > 0)
			ids[(*n)++] = ids[i];
	}
	return TB_OK;
}

int
store_outbox_finish(struct store_conn *c, int64_t id, const char *state,
    int64_t next_attempt_at, const char *last_error, int64_t sent_at)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if (state == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_outbox_finish, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, state)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, next_attempt_at)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 3, last_error)) != TB_OK ||
	    (rc = sent_at > 0 ? store_bind_i64(s, 4, sent_at) :
	    store_bind_null(s, 4)) != TB_OK ||
	    (rc = store_bind_i64(s, 5, id)) != TB_OK ||
	    (rc = nt_step_done(s)) != TB_OK)
		return rc;
	return store_changes(c) > 0 ? TB_OK : TB_ENOTFOUND;
}

int
store_outbox_redact(struct store_conn *c, int64_t id)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_outbox_redact, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK)
		return rc;
	return nt_step_done(s);
}

int
store_outbox_recover(struct store_conn *c, int64_t now, int64_t *n)
{
	struct store_stmt	*s;
	int			 rc;

	*n = 0;
	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_outbox_recover, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = nt_step_done(s)) != TB_OK)
		return rc;
	*n = store_changes(c);
	return TB_OK;
}

int
store_outbox_next(struct store_conn *c, int64_t *at, int *found)
{
	return nt_min(c, sql_outbox_next, at, found);
}

int
store_outbox_retry(struct store_conn *c, int64_t id, int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_outbox_retry, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, id)) != TB_OK ||
	    (rc = nt_step_done(s)) != TB_OK)
		return rc;
	return store_changes(c) > 0 ? TB_OK : TB_ENOTFOUND;
}

/* Reads the current row of an OUTBOX_COLS statement. */
static void
outbox_row(struct store_stmt *s, struct store_outbox *m)
{
	memset(m, 0, sizeof(*m));
	m->id = store_col_i64(s, 0);
	m->idempotency_key = store_col_text(s, 1);
	m->kind = store_col_text(s, 2);
	m->channel = store_col_text(s, 3);
	m->recipient_id = store_col_i64(s, 4);
	m->address = store_col_text(s, 5);
	m->subject = store_col_text(s, 6);
	m->body_text = store_col_text(s, 7);
	m->body_html = store_col_text(s, 8);
	m->payload = store_col_text(s, 9);
	m->incident_id = store_col_i64(s, 10);
	m->created_at = store_col_i64(s, 11);
	m->state = store_col_text(s, 12);
	m->attempts = store_col_i64(s, 13);
	m->next_attempt_at = store_col_i64(s, 14);
	m->last_error = store_col_text(s, 15);
	m->sent_at = store_col_i64(s, 16);
	m->retry_from = store_col_i64(s, 17);
	m->recipient_username = store_col_text(s, 18);
	m->recipient_name = store_col_text(s, 19);
}

int
store_outbox_get(struct store_conn *c, int64_t id,
    int (*fn)(void *, const struct store_outbox *), void *arg)
{
	struct store_outbox	 m;
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_row_by_id(c, sql_outbox_get, id, &s)) != TB_OK)
		return rc;
	outbox_row(s, &m);
	rc = fn(arg, &m);
	nt_end(s);
	return rc;
}

int
store_outbox_get_key(struct store_conn *c, const char *key,
    int (*fn)(void *, const struct store_outbox *), void *arg)
{
	struct store_outbox	 m;
	struct store_stmt	*s;
	int			 rc;

	if (key == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_outbox_by_key, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, key)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_ENOTFOUND;
	if (rc != TB_ROW)
		return rc;
	outbox_row(s, &m);
	rc = fn(arg, &m);
	nt_end(s);
	return rc;
}

int
store_outbox_list(struct store_conn *c, const struct store_outbox_page *pg,
    int (*fn)(void *, const struct store_outbox *), void *arg)
{
	struct store_outbox	 m;
	struct store_stmt	*s;
	int			 rc;

	if ((pg->incident_id > 0) == (pg->state != NULL) || pg->limit <= 0)
		return TB_EINVAL;
	if ((rc = store_prepare(c, pg->incident_id > 0 ?
	    sql_outbox_by_incident : sql_outbox_by_state, &s)) != TB_OK ||
	    (rc = pg->incident_id > 0 ? store_bind_i64(s, 1,
	    pg->incident_id) : store_bind_text(s, 1, pg->state)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, pg->after_created)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, pg->after_created)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, pg->after_id)) != TB_OK ||
	    (rc = store_bind_i64(s, 5, pg->limit)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		outbox_row(s, &m);
		if ((rc = fn(arg, &m)) != TB_OK)
			break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_notify_prefs_get(struct store_conn *c, int64_t user_id,
    struct store_notify_prefs *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	out->user_id = user_id;
	out->email = out->webhook = 1;
	if ((rc = store_prepare(c, sql_prefs_get, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, user_id)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_OK;		/* never set: the defaults */
	if (rc != TB_ROW)
		return rc;
	out->email = (int)store_col_i64(s, 0);
	out->webhook = (int)store_col_i64(s, 1);
	nt_copy(out->locale, sizeof(out->locale), s, 2);
	out->updated_at = store_col_i64(s, 3);
	nt_end(s);
	return TB_OK;
}

int
store_notify_prefs_put(struct store_conn *c,
    const struct store_notify_prefs *p)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_prefs_put, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, p->user_id)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, p->email != 0)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, p->webhook != 0)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 4, p->locale[0] != '\0' ?
	    p->locale : NULL)) != TB_OK ||
	    (rc = store_bind_i64(s, 5, p->updated_at)) != TB_OK)
		return rc;
	return nt_step_done(s);
}

int
store_notify_person(struct store_conn *c, int64_t id,
    struct store_notify_person *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_row_by_id(c, sql_person, id, &s)) != TB_OK)
		return rc;
	out->id = store_col_i64(s, 0);
	nt_copy(out->username, sizeof(out->username), s, 1);
	nt_copy(out->name, sizeof(out->name), s, 2);
	nt_copy(out->agency, sizeof(out->agency), s, 3);
	nt_copy(out->email, sizeof(out->email), s, 4);
	nt_copy(out->taipeion_id, sizeof(out->taipeion_id), s, 5);
	nt_copy(out->lang, sizeof(out->lang), s, 6);
	out->active = (int)store_col_i64(s, 7);
	out->email_on = store_col_is_null(s, 8) ? 1 :
	    (int)store_col_i64(s, 8);
	out->webhook_on = store_col_is_null(s, 9) ? 1 :
	    (int)store_col_i64(s, 9);
	nt_copy(out->locale, sizeof(out->locale), s, 10);
	if (out->locale[0] == '\0')
		memcpy(out->locale, out->lang, sizeof(out->locale));
	nt_end(s);
	return TB_OK;
}

int
store_notify_role_holders(struct store_conn *c, const char *agency,
    const char *role, int (*fn)(void *, int64_t, const char *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if (role == NULL)
		return TB_EINVAL;
	if (agency != NULL) {
		if ((rc = store_prepare(c, sql_role_at, &s)) != TB_OK ||
		    (rc = store_bind_text(s, 1, role)) != TB_OK ||
		    (rc = store_bind_text(s, 2, agency)) != TB_OK)
			return rc;
	} else if ((rc = store_prepare(c, sql_role_any_agency, &s)) !=
	    TB_OK || (rc = store_bind_text(s, 1, role)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW)
		if ((rc = fn(arg, store_col_i64(s, 0), agency != NULL ?
		    agency : store_col_text(s, 1))) != TB_OK)
			break;
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_notify_agency(struct store_conn *c, const char *code,
    struct store_notify_agency *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if (code == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_get, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, code)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_ENOTFOUND;
	if (rc != TB_ROW)
		return rc;
	nt_copy(out->code, sizeof(out->code), s, 0);
	nt_copy(out->name, sizeof(out->name), s, 1);
	nt_copy(out->superior, sizeof(out->superior), s, 2);
	nt_copy(out->supervisor, sizeof(out->supervisor), s, 3);
	out->active = (int)store_col_i64(s, 4);
	nt_end(s);
	return TB_OK;
}

int
store_reach_check_insert(struct store_conn *c,
    const struct store_reach_check *k)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_reach_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, k->id)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, k->created_at)) != TB_OK ||
	    (rc = k->created_by > 0 ? store_bind_i64(s, 3, k->created_by) :
	    store_bind_null(s, 3)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, k->expires_at)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 5, k->note)) != TB_OK)
		return rc;
	return nt_step_done(s);
}

int
store_reach_target_insert(struct store_conn *c, int64_t check_id,
    int64_t user_id, const char *agency, const char *kind,
    const char *token_hash, int64_t sent_at)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if (agency == NULL || kind == NULL || token_hash == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_reach_target_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, check_id)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, user_id)) != TB_OK ||
	    (rc = store_bind_text(s, 3, agency)) != TB_OK ||
	    (rc = store_bind_text(s, 4, kind)) != TB_OK ||
	    (rc = store_bind_text(s, 5, token_hash)) != TB_OK ||
	    (rc = store_bind_i64(s, 6, sent_at)) != TB_OK)
		return rc;
	return nt_step_done(s);
}

static void
reach_row(struct store_stmt *s, struct store_reach_target *t)
{
	memset(t, 0, sizeof(*t));
	t->check_id = store_col_i64(s, 0);
	t->user_id = store_col_i64(s, 1);
	t->username = store_col_text(s, 2);
	t->name = store_col_text(s, 3);
	t->agency = store_col_text(s, 4);
	t->agency_name = store_col_text(s, 5);
	t->kind = store_col_text(s, 6);
	t->sent_at = store_col_i64(s, 7);
	t->confirmed_at = store_col_is_null(s, 8) ? 0 :
	    store_col_i64(s, 8);
	t->expires_at = store_col_i64(s, 9);
}

int
store_reach_confirm(struct store_conn *c, const char *token_hash,
    int64_t now, int *changed,
    int (*fn)(void *, const struct store_reach_target *), void *arg)
{
	struct store_reach_target	 t;
	struct store_stmt		*s;
	int				 rc;

	*changed = 0;
	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_reach_confirm, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_text(s, 2, token_hash)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, now)) != TB_OK ||
	    (rc = nt_step_done(s)) != TB_OK)
		return rc;
	*changed = store_changes(c) > 0;
	if ((rc = store_prepare(c, sql_reach_by_token, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, token_hash)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_ENOTFOUND;
	if (rc != TB_ROW)
		return rc;
	reach_row(s, &t);
	rc = fn(arg, &t);
	nt_end(s);
	return rc;
}

int
store_reach_check_get(struct store_conn *c, int64_t id,
    struct store_reach_check *out, int64_t *total, int64_t *confirmed,
    int (*fn)(void *, const struct store_reach_check *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_row_by_id(c, sql_reach_get, id, &s)) != TB_OK)
		return rc;
	out->id = store_col_i64(s, 0);
	out->created_at = store_col_i64(s, 1);
	out->created_by = store_col_i64(s, 2);
	out->expires_at = store_col_i64(s, 3);
	out->note = store_col_text(s, 4);
	*total = store_col_i64(s, 5);
	*confirmed = store_col_i64(s, 6);
	rc = fn != NULL ? fn(arg, out) : TB_OK;
	out->note = NULL;	/* not valid past this call */
	nt_end(s);
	return rc;
}

int
store_reach_targets(struct store_conn *c, int64_t check_id,
    int unconfirmed_only,
    int (*fn)(void *, const struct store_reach_target *), void *arg)
{
	struct store_reach_target	 t;
	struct store_stmt		*s;
	int				 rc;

	if ((rc = store_prepare(c, sql_reach_targets, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, check_id)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, unconfirmed_only != 0)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		reach_row(s, &t);
		if ((rc = fn(arg, &t)) != TB_OK)
			break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_sched_get(struct store_conn *c, const struct store_sched *key,
    int *stage_sent, int64_t *next_at, int *found)
{
	struct store_stmt	*s;
	int			 rc;

	*stage_sent = 0;
	*next_at = 0;
	*found = 0;
	if ((rc = store_prepare(c, sql_sched_get, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, key->incident_id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, key->obligation)) != TB_OK ||
	    (rc = store_bind_text(s, 3, key->subject)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, key->period)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_OK;
	if (rc != TB_ROW)
		return rc;
	*found = 1;
	*stage_sent = (int)store_col_i64(s, 0);
	*next_at = store_col_is_null(s, 1) ? 0 : store_col_i64(s, 1);
	nt_end(s);
	return TB_OK;
}

int
store_sched_of(struct store_conn *c, int64_t incident_id,
    int (*fn)(void *, const struct store_sched *), void *arg)
{
	struct store_sched	 r;
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_sched_of, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, incident_id)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&r, 0, sizeof(r));
		r.incident_id = incident_id;
		r.obligation = store_col_text(s, 0);
		r.subject = store_col_text(s, 1);
		r.period = store_col_i64(s, 2);
		r.stage_sent = (int)store_col_i64(s, 3);
		r.next_at = store_col_is_null(s, 4) ? 0 : store_col_i64(s, 4);
		if ((rc = fn(arg, &r)) != TB_OK)
			break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_sched_put(struct store_conn *c, const struct store_sched *r,
    int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if (r->obligation == NULL || r->subject == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_sched_put, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, r->incident_id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, r->obligation)) != TB_OK ||
	    (rc = store_bind_text(s, 3, r->subject)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, r->period)) != TB_OK ||
	    (rc = store_bind_i64(s, 5, r->stage_sent)) != TB_OK ||
	    (rc = r->next_at > 0 ? store_bind_i64(s, 6, r->next_at) :
	    store_bind_null(s, 6)) != TB_OK ||
	    (rc = store_bind_i64(s, 7, now)) != TB_OK)
		return rc;
	return nt_step_done(s);
}

int
store_sched_next(struct store_conn *c, int64_t *at, int *found)
{
	return nt_min(c, sql_sched_next, at, found);
}

int
store_sched_due(struct store_conn *c, int64_t now, int64_t limit,
    int (*fn)(void *, const struct store_sched *), void *arg)
{
	struct store_sched	 r;
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_sched_due, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, limit)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&r, 0, sizeof(r));
		r.incident_id = store_col_i64(s, 0);
		r.obligation = store_col_text(s, 1);
		r.subject = store_col_text(s, 2);
		r.period = store_col_i64(s, 3);
		r.stage_sent = (int)store_col_i64(s, 4);
		if ((rc = fn(arg, &r)) != TB_OK)
			break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_notify_has_table(struct store_conn *c, const char *name, int *exists)
{
	return c->st->drv->table_exists(c, name, exists);
}

int
store_notify_windows(struct store_conn *c, const char *agency, int64_t at,
    int (*fn)(void *, int64_t, const char *, const char *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if (agency != NULL) {
		if ((rc = store_prepare(c, sql_windows_at, &s)) != TB_OK ||
		    (rc = store_bind_text(s, 1, agency)) != TB_OK ||
		    (rc = store_bind_i64(s, 2, at)) != TB_OK ||
		    (rc = store_bind_i64(s, 3, at)) != TB_OK)
			return rc;
		while ((rc = store_step(s)) == TB_ROW)
			if ((rc = fn(arg, store_col_i64(s, 0), agency,
			    store_col_text(s, 1))) != TB_OK)
				break;
	} else {
		if ((rc = store_prepare(c, sql_windows_all, &s)) != TB_OK ||
		    (rc = store_bind_i64(s, 1, at)) != TB_OK ||
		    (rc = store_bind_i64(s, 2, at)) != TB_OK)
			return rc;
		while ((rc = store_step(s)) == TB_ROW)
			if ((rc = fn(arg, store_col_i64(s, 0),
			    store_col_text(s, 1), store_col_text(s, 2))) !=
			    TB_OK)
				break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_notify_incident(struct store_conn *c, int64_t id,
    struct store_notify_incident *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_row_by_id(c, sql_incident, id, &s)) != TB_OK)
		return rc;
	out->id = store_col_i64(s, 0);
	nt_copy(out->agency, sizeof(out->agency), s, 1);
	nt_copy(out->agency_name, sizeof(out->agency_name), s, 2);
	nt_copy(out->title, sizeof(out->title), s, 3);
	out->level = store_col_i64(s, 4);
	out->exercise = store_col_i64(s, 5);
	out->aware_at = store_col_i64(s, 6);
	nt_copy(out->state, sizeof(out->state), s, 7);
	nt_copy(out->superior, sizeof(out->superior), s, 8);
	nt_copy(out->supervisor, sizeof(out->supervisor), s, 9);
	nt_end(s);
	return TB_OK;
}

int
store_notify_affected(struct store_conn *c, int64_t incident,
    int (*fn)(void *, const char *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_affected, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, incident)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW)
		if ((rc = fn(arg, store_col_text(s, 0))) != TB_OK)
			break;
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

/* A NULL time column as STORE_TIME_NONE. */
static int64_t
nt_time(struct store_stmt *s, int col)
{
	return store_col_is_null(s, col) ? STORE_TIME_NONE :
	    store_col_i64(s, col);
}

static void
obligation_row(struct store_stmt *s, struct store_notify_obligation *o)
{
	memset(o, 0, sizeof(*o));
	o->incident_id = store_col_i64(s, 0);
	o->name = store_col_text(s, 1);
	o->subject = store_col_text(s, 2);
	o->period = store_col_i64(s, 3);
	o->agency = store_col_text(s, 4);
	o->start_at = nt_time(s, 5);
	o->due_at = nt_time(s, 6);
	o->overdue_from = nt_time(s, 7);
	o->state = store_col_text(s, 8);
	o->met_at = nt_time(s, 9);
	o->title = store_col_text(s, 10);
	o->agency_name = store_col_text(s, 11);
	o->level = store_col_i64(s, 12);
	o->exercise = store_col_i64(s, 13);
}

int
store_notify_obligations(struct store_conn *c, int64_t incident,
    int (*fn)(void *, const struct store_notify_obligation *), void *arg)
{
	struct store_notify_obligation	 o;
	struct store_stmt		*s;
	int				 rc;

	if ((rc = store_prepare(c, sql_obligations_of, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, incident)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		obligation_row(s, &o);
		if ((rc = fn(arg, &o)) != TB_OK)
			break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_notify_obligation(struct store_conn *c, const struct store_sched *key,
    int (*fn)(void *, const struct store_notify_obligation *), void *arg)
{
	struct store_notify_obligation	 o;
	struct store_stmt		*s;
	int				 rc;

	if ((rc = store_prepare(c, sql_obligation_get, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, key->incident_id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, key->obligation)) != TB_OK ||
	    (rc = store_bind_text(s, 3, key->subject)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, key->period)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_ENOTFOUND;
	if (rc != TB_ROW)
		return rc;
	obligation_row(s, &o);
	rc = fn(arg, &o);
	nt_end(s);
	return rc;
}

int
store_notify_overdue(struct store_conn *c, int64_t now, int64_t limit,
    int64_t *count,
    int (*fn)(void *, const struct store_notify_obligation *), void *arg)
{
	struct store_notify_obligation	 o;
	struct store_stmt		*s;
	int				 rc;

	*count = 0;
	if ((rc = store_prepare(c, sql_overdue_count, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, now)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	*count = store_col_i64(s, 0);
	nt_end(s);
	if ((rc = store_prepare(c, sql_overdue, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, limit)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		obligation_row(s, &o);
		if ((rc = fn(arg, &o)) != TB_OK)
			break;
	}
	/* Left part way when fn stopped early: store_release() resets it. */
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_sched_discover(struct store_conn *c, int64_t *from, int64_t now,
    int64_t page, int64_t *added)
{
	struct store_stmt	*s;
	int64_t			 last = STORE_DUE_NONE - 1;
	int			 rc, more = 0;

	*added = 0;
	if ((rc = nt_check_write(c)) != TB_OK)
		return rc;
	if (page < 1 || *from == STORE_DUE_NONE)
		return TB_EINVAL;
	/* The page ends at the due time of its last row; rows sharing it
	 * all go in this page, so the next begins past it. */
	if ((rc = store_prepare(c, sql_sched_discover_bound, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, *from)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, STORE_DUE_NONE)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, page - 1)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_ROW) {
		last = store_col_i64(s, 0);
		more = last < STORE_DUE_NONE - 1;
		rc = store_step(s);
	}
	if (rc != TB_DONE)
		return rc == TB_ROW ? TB_ESTORE : rc;
	if ((rc = store_prepare(c, sql_sched_discover, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, now)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, *from)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, last)) != TB_OK ||
	    (rc = nt_step_done(s)) != TB_OK)
		return rc;
	*added = store_changes(c);
	*from = more ? last + 1 : STORE_DUE_NONE;
	return TB_OK;
}
