/*
 * store.c: picks the driver for a store URL and dispatches every store_*
 * call of store.h to it (OpenBSD smtpd's queue.c over queue_backend.c).
 * Nothing here knows SQL dialects; the query functions live in their own
 * files (store_org.c, ...).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "util/util.h"
#include "internal.h"

/* Every driver compiled in, found by the scheme of a "NAME://" URL. */
static const struct store_driver *const store_drivers[] = {
	&store_sqlite_driver,
};

#define STORE_SQLITE_PREFIX	"sqlite:"

/*
 * Finds the driver for url and the part of url it is given: "sqlite:PATH"
 * (everything after the colon is the path) and a plain PATH go to SQLite;
 * "NAME://..." goes, whole, to the driver called NAME (a PostgreSQL
 * connection URI stays a valid URI).
 */
static int
store_pick(const char *url, const struct store_driver **drv,
    const char **dsn)
{
	const char	*sep;
	size_t		 i, n;

	if (strncmp(url, STORE_SQLITE_PREFIX, strlen(STORE_SQLITE_PREFIX)) ==
	    0) {
		*drv = &store_sqlite_driver;
		*dsn = url + strlen(STORE_SQLITE_PREFIX);
		return **dsn != '\0' ? TB_OK : TB_EINVAL;
	}
	if ((sep = strstr(url, "://")) == NULL) {
		*drv = &store_sqlite_driver;
		*dsn = url;
		return TB_OK;
	}
	n = (size_t)(sep - url);
	for (i = 0; i < sizeof(store_drivers) / sizeof(store_drivers[0]);
	    i++) {
		if (strlen(store_drivers[i]->name) == n &&
		    strncmp(store_drivers[i]->name, url, n) == 0) {
			*drv = store_drivers[i];
			*dsn = url;
			return TB_OK;
		}
	}
	return TB_EINVAL;
}

int
store_open(const char *url, struct store **out)
{
	const struct store_driver	*drv;
	const char			*dsn;
	struct store			*st = NULL;
	int				 rc, version;

	*out = NULL;
	if (url == NULL || *url == '\0')
		return TB_EINVAL;
	if ((rc = store_pick(url, &drv, &dsn)) != TB_OK) {
		/* The URL may carry a password: log only that it failed. */
		log_kv(LOG_ERROR, "store_error", "op", "open", "error",
		    "no store driver for this URL", (const char *)NULL);
		return rc;
	}
	/* store_new_id() draws from libsodium, which wants this first. */
	if (sodium_init() < 0)
		return TB_ESTORE;
	if ((rc = drv->open(dsn, &st)) != TB_OK)
		return rc;
	st->drv = drv;
	atomic_init(&st->schema_version, 0);
	atomic_init(&st->group_commit, 1);
	st->batch_max = STORE_BATCH_MAX;
	st->batch_max_us = STORE_BATCH_MAX_US;
	if ((rc = store_schema_version(st, &version)) != TB_OK) {
		store_close(st);
		return rc;
	}
	*out = st;
	return TB_OK;
}

void
store_close(struct store *st)
{
	if (st != NULL)
		st->drv->close(st);
}

int
store_read(struct store *st, struct store_conn **out)
{
	return st->drv->conn_read(st, out);
}

int
store_write(struct store *st, struct store_conn **out)
{
	return st->drv->conn_write(st, out);
}

void
store_release(struct store_conn *c)
{
	if (c != NULL)
		c->st->drv->conn_release(c);
}

int
store_exec(struct store_conn *c, const char *sql)
{
	return c->st->drv->exec(c, sql);
}

int
store_prepare(struct store_conn *c, const char *sql, struct store_stmt **out)
{
	return c->st->drv->prepare(c, sql, out);
}

int
store_bind_i64(struct store_stmt *s, int idx, int64_t v)
{
	return s->conn->st->drv->bind_i64(s, idx, v);
}

int
store_bind_text(struct store_stmt *s, int idx, const char *str)
{
	if (str == NULL)
		return TB_EINVAL;
	return s->conn->st->drv->bind_text(s, idx, str, strlen(str));
}

int
store_bind_textn(struct store_stmt *s, int idx, const char *str, size_t len)
{
	if (str == NULL)
		return TB_EINVAL;
	return s->conn->st->drv->bind_text(s, idx, str, len);
}

int
store_bind_blob(struct store_stmt *s, int idx, const void *p, size_t len)
{
	if (p == NULL && len > 0)
		return TB_EINVAL;
	return s->conn->st->drv->bind_blob(s, idx, p, len);
}

int
store_bind_null(struct store_stmt *s, int idx)
{
	return s->conn->st->drv->bind_null(s, idx);
}

int
store_bind_text_or_null(struct store_stmt *s, int idx, const char *str)
{
	if (str == NULL)
		return store_bind_null(s, idx);
	return store_bind_text(s, idx, str);
}

int
store_step(struct store_stmt *s)
{
	return s->conn->st->drv->step(s);
}

int
store_row_by_id(struct store_conn *c, const char *sql, int64_t id,
    struct store_stmt **out)
{
	struct store_stmt	*s;
	int			 rc;

	*out = NULL;
	if ((rc = store_prepare(c, sql, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) == TB_DONE)
		return TB_ENOTFOUND;
	if (rc != TB_ROW)
		return rc;
	*out = s;
	return TB_OK;
}

int
store_col_is_null(struct store_stmt *s, int col)
{
	return s->conn->st->drv->col_is_null(s, col);
}

int64_t
store_col_i64(struct store_stmt *s, int col)
{
	return s->conn->st->drv->col_i64(s, col);
}

const char *
store_col_text(struct store_stmt *s, int col)
{
	return s->conn->st->drv->col_text(s, col);
}

const void *
store_col_blob(struct store_stmt *s, int col, size_t *len)
{
	return s->conn->st->drv->col_blob(s, col, len);
}

int
store_tx_begin(struct store_conn *c)
{
	return c->st->drv->tx_begin(c);
}

int
store_tx_commit(struct store_conn *c)
{
	return c->st->drv->tx_commit(c);
}

int
store_tx_rollback(struct store_conn *c)
{
	return c->st->drv->tx_rollback(c);
}

int64_t
store_changes(struct store_conn *c)
{
	return c->st->drv->changes(c);
}

const char *
store_errmsg(struct store_conn *c)
{
	return c->st->drv->errmsg(c);
}

int
store_backup(struct store *st, const char *path)
{
	if (path == NULL || *path == '\0')
		return TB_EINVAL;
	return st->drv->backup(st, path);
}

void
store_get_stats(struct store *st, struct store_stats *out)
{
	memset(out, 0, sizeof(*out));
	st->drv->stats(st, out);
	out->schema_version = atomic_load(&st->schema_version);
}

void
store_group_commit(struct store *st, int on)
{
	atomic_store(&st->group_commit, on != 0);
}

int
store_ping(struct store *st)
{
	struct store_conn	*c;
	int			 exists, ok;

	if (st == NULL || store_read(st, &c) != TB_OK)
		return 0;
	/* A catalog lookup, unlike SELECT 1, reads the database itself. */
	ok = st->drv->table_exists(c, "schema_migrations", &exists) == TB_OK;
	store_release(c);
	return ok;
}

int64_t
store_new_id(void)
{
	return store_id_for_day(store_id_day(tb_now_us()));
}

int64_t
store_id_day(int64_t now_us)
{
	int64_t	 day;

	if (now_us < STORE_ID_EPOCH_US)
		return 0;
	day = (now_us - STORE_ID_EPOCH_US) / (INT64_C(86400) * 1000000);
	return day > STORE_ID_DAY_MAX ? STORE_ID_DAY_MAX : day;
}

int64_t
store_id_for_day(int64_t day)
{
	uint64_t	 r, v;

	if (day < 0)
		day = 0;
	if (day > STORE_ID_DAY_MAX)
		day = STORE_ID_DAY_MAX;
	do {
		randombytes_buf(&r, sizeof(r));
		r &= (UINT64_C(1) << STORE_ID_RANDOM_BITS) - 1;
		v = (uint64_t)day << STORE_ID_RANDOM_BITS | r;
	} while (v == 0);
	return (int64_t)v;
}
