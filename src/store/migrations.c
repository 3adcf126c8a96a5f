/*
 * migrations.c: the built-in, numbered schema migrations and their runner.
 *
 * Rules (docs/internals/store.md):
 * - Append only.  A migration that has shipped is never edited, renumbered
 *   or removed; a change is a new migration.
 * - Version N is the N-th entry: 1, 2, 3 ... without gaps.
 * - Portable SQL only, run unchanged by SQLite and PostgreSQL: INTEGER,
 *   BIGINT, TEXT, booleans as INTEGER with CHECK (x IN (0, 1)), times as
 *   BIGINT microseconds since the epoch (UTC), ids as BIGINT made by the
 *   application (store_new_id()), never AUTOINCREMENT, SERIAL, IDENTITY or a
 *   function only one of the two has.  A primary key column is declared
 *   NOT NULL because SQLite, unlike PostgreSQL, would otherwise accept NULL.
 * - Each migration runs in its own transaction together with its row in
 *   schema_migrations (both databases have transactional DDL), so it is
 *   either wholly applied or not at all.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/util.h"
#include "internal.h"

/* Migration 1: agencies, the people who work for them and their roles. */
static const char sql_m0001_foundation[] =
    "CREATE TABLE agencies ("
    " code TEXT NOT NULL PRIMARY KEY CHECK (code <> ''),"
    " name TEXT NOT NULL,"
    " name_en TEXT,"
    " type TEXT NOT NULL CHECK (type IN ('city_agency', 'district_office',"
    "  'subordinate', 'legal_person', 'school', 'doit')),"
    " superior TEXT REFERENCES agencies(code),"
    " supervisor TEXT REFERENCES agencies(code),"
    " responsibility_level TEXT NOT NULL"
    "  CHECK (responsibility_level IN ('A', 'B', 'C', 'D', 'E')),"
    " reports_to_central INTEGER NOT NULL DEFAULT 0"
    "  CHECK (reports_to_central IN (0, 1)),"
    " uses_city_mail INTEGER NOT NULL DEFAULT 1"
    "  CHECK (uses_city_mail IN (0, 1)),"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX agencies_superior_idx ON agencies (superior);"
    "CREATE TABLE users ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " username TEXT NOT NULL UNIQUE CHECK (username <> ''),"
    " name TEXT NOT NULL,"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " email TEXT,"
    " phone TEXT,"
    " taipeion_id TEXT,"
    " employment TEXT NOT NULL CHECK (employment IN ('civil_servant',"
    "  'contract', 'temporary', 'vendor')),"
    " dedicated_staff INTEGER NOT NULL DEFAULT 0"
    "  CHECK (dedicated_staff IN (0, 1)),"
    " password_hash TEXT,"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " lang TEXT NOT NULL DEFAULT 'zh-TW' CHECK (lang IN ('zh-TW', 'en')),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX users_agency_idx ON users (agency);"
    "CREATE TABLE user_roles ("
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " role TEXT NOT NULL CHECK (role IN ('reporter', 'contact_window',"
    "  'ciso', 'commander', 'responder', 'doit_reviewer', 'doit_admin',"
    "  'superior_viewer', 'vendor')),"
    " granted_by BIGINT,"
    " granted_at BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, role)"
    ")";

/*
 * Migration 2: sign-in sessions, API tokens and the audit trail (issue 3,
 * P32).  Tokens are stored only as hashes.  audit_log is append-only and
 * hash-chained; audit_head repeats the newest entry's seq and hash so that
 * removing the newest entries is caught too.
 */
static const char sql_m0002_access[] =
    "CREATE TABLE sessions ("
    " id BIGINT NOT NULL PRIMARY KEY,"
    " token_hash TEXT NOT NULL UNIQUE,"
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " created_at BIGINT NOT NULL,"
    " last_seen_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " remote TEXT,"
    " revoked_at BIGINT"
    ");"
    "CREATE INDEX sessions_user_idx ON sessions (user_id);"
    "CREATE TABLE api_tokens ("
    " id BIGINT NOT NULL PRIMARY KEY,"
    " token_hash TEXT NOT NULL UNIQUE,"
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " name TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " created_by BIGINT,"
    " revoked_at BIGINT"
    ");"
    "CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);"
    "CREATE TABLE audit_log ("
    " seq BIGINT NOT NULL PRIMARY KEY CHECK (seq > 0),"
    " at BIGINT NOT NULL,"
    " actor_id BIGINT,"
    " actor TEXT NOT NULL,"
    " agency TEXT,"
    " remote TEXT,"
    " request_id TEXT,"
    " action TEXT NOT NULL,"
    " object_type TEXT NOT NULL,"
    " object_id TEXT,"
    " before_json TEXT,"
    " after_json TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "CREATE INDEX audit_log_agency_idx ON audit_log (agency, seq);"
    "CREATE TABLE audit_head ("
    " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
    " seq BIGINT NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0,"
    " '0000000000000000000000000000000000000000000000000000000000000000')";

/*
 * The list.  To add a migration: write its SQL above as sql_mNNNN_name,
 * append { NNNN, "name", sql_mNNNN_name } here with the next version, and
 * add a test of what it creates to tests/unit/test_store.c.
 */
static const struct store_migration store_migration_list[] = {
	{ 1, "foundation", sql_m0001_foundation },
	{ 2, "access", sql_m0002_access },
};

static const char sql_migrations_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL"
    ")";
static const char sql_migrations_max[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char sql_migrations_insert[] =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (?, ?, ?)";

const struct store_migration *
store_migrations_builtin(size_t *n)
{
	*n = sizeof(store_migration_list) / sizeof(store_migration_list[0]);
	return store_migration_list;
}

int
store_schema_latest(void)
{
	size_t	 n;

	return store_migrations_builtin(&n)[n - 1].version;
}

static void	mig_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Writes a message for the caller.  A message too long for err is cut
 * rather than dropped: it is for people, and most of it beats none.
 */
static void
mig_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Reads the highest version recorded, stepping the statement to its end
 * so that no statement stays active under the DDL that may follow. */
static int
mig_current(struct store_conn *c, int *version)
{
	struct store_stmt	*s;
	int64_t			 v;
	int			 rc;

	if ((rc = store_prepare(c, sql_migrations_max, &s)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	v = store_col_i64(s, 0);
	if ((rc = store_step(s)) != TB_DONE)
		return rc == TB_ROW ? TB_ESTORE : rc;
	if (v < 0 || v > INT32_MAX)
		return TB_ESTORE;
	*version = (int)v;
	return TB_OK;
}

int
store_schema_version(struct store *st, int *version)
{
	struct store_conn	*c;
	int			 exists, rc;

	*version = 0;
	if ((rc = store_read(st, &c)) != TB_OK)
		return rc;
	if ((rc = st->drv->table_exists(c, "schema_migrations", &exists)) !=
	    TB_OK)
		goto out;
	if (exists && (rc = mig_current(c, version)) != TB_OK)
		goto out;
	atomic_store(&st->schema_version, *version);
out:
	store_release(c);
	return rc;
}

/* Applies the migration after the current one, in one transaction.  Sets
 * *done when there was none to apply. */
static int
mig_step(struct store_conn *c, const struct store_migration *list, size_t n,
    int *version, int *done, char *err, size_t errlen)
{
	const struct store_migration	*m;
	struct store_stmt		*s;
	int				 latest, rc;

	*done = 0;
	latest = n > 0 ? list[n - 1].version : 0;
	if ((rc = store_tx_begin(c)) != TB_OK) {
		mig_err(err, errlen, "cannot begin a transaction: %s",
		    store_errmsg(c));
		return rc;
	}
	/* Read inside the transaction: BEGIN IMMEDIATE holds the write lock,
	 * so a second process migrating at once waits, then sees our row. */
	if ((rc = mig_current(c, version)) != TB_OK) {
		mig_err(err, errlen, "cannot read schema_migrations: %s",
		    store_errmsg(c));
		goto out;
	}
	if (*version > latest) {
		mig_err(err, errlen, "database schema version %d is newer "
		    "than this tongbao (knows %d); use a newer binary",
		    *version, latest);
		rc = TB_ESCHEMA;
		goto out;
	}
	if (*version == latest) {
		*done = 1;
		goto out;
	}
	m = &list[*version];
	if ((rc = store_exec(c, m->sql)) != TB_OK) {
		mig_err(err, errlen, "migration %d (%s) failed: %s",
		    m->version, m->name, store_errmsg(c));
		goto out;
	}
	if ((rc = store_prepare(c, sql_migrations_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, m->version)) != TB_OK ||
	    (rc = store_bind_text(s, 2, m->name)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, tb_now_us())) != TB_OK ||
	    (rc = store_step(s)) != TB_DONE) {
		rc = rc == TB_DONE || rc == TB_ROW ? TB_ESTORE : rc;
		mig_err(err, errlen, "migration %d (%s) not recorded: %s",
		    m->version, m->name, store_errmsg(c));
		goto out;
	}
	if ((rc = store_tx_commit(c)) != TB_OK) {
		mig_err(err, errlen, "migration %d (%s) not committed: %s",
		    m->version, m->name, store_errmsg(c));
		return rc;
	}
	*version = m->version;
	return TB_OK;
out:
	store_tx_rollback(c);
	return rc;
}

int
store_migrate_list(struct store *st, const struct store_migration *list,
    size_t n, int *applied, char *err, size_t errlen)
{
	struct store_conn	*c = NULL;
	char			 vbuf[16];
	size_t			 i;
	int			 rc, done, version = 0;

	*applied = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (i = 0; i < n; i++) {
		if (list[i].version != (int)i + 1 || list[i].name == NULL ||
		    list[i].sql == NULL) {
			mig_err(err, errlen, "built-in migration %zu is "
			    "misnumbered", i + 1);
			return TB_EINVAL;
		}
	}
	if ((rc = store_write(st, &c)) != TB_OK) {
		mig_err(err, errlen, "cannot get the writer");
		return rc;
	}
	if ((rc = store_tx_begin(c)) != TB_OK ||
	    (rc = store_exec(c, sql_migrations_table)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		mig_err(err, errlen, "cannot create schema_migrations: %s",
		    store_errmsg(c));
		store_tx_rollback(c);
		goto out;
	}
	for (;;) {
		if ((rc = mig_step(c, list, n, &version, &done, err,
		    errlen)) != TB_OK || done)
			break;
		(*applied)++;
		if (tb_snprintf(vbuf, sizeof(vbuf), "%d", version) != TB_OK)
			vbuf[0] = '\0';
		log_kv(LOG_INFO, "store_migrated", "version", vbuf, "name",
		    list[version - 1].name, (const char *)NULL);
	}
	if (rc == TB_OK || rc == TB_ESCHEMA)
		atomic_store(&st->schema_version, version);
out:
	store_release(c);
	return rc;
}

int
store_migrate(struct store *st, int *applied, char *err, size_t errlen)
{
	size_t				 n;
	const struct store_migration	*list = store_migrations_builtin(&n);

	return store_migrate_list(st, list, n, applied, err, errlen);
}
