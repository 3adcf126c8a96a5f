/*
 * store.h: the database, behind one narrow driver interface.
 *
 * Callers speak portable SQL with `?` placeholders; times are integer
 * microseconds since the epoch (UTC), booleans are integers 0/1, and no
 * SQLite-only syntax is used, so the PostgreSQL driver can run the same text
 * (it rewrites `?` to `$n`).
 *
 * Connections: the SQLite driver keeps ONE writer connection guarded by a
 * mutex and one reader connection per thread (NOTES.md: several writers
 * were no faster and had second-long tails).  store_read() hands out the
 * calling thread's reader; store_write() locks and hands out the writer.
 * Every write happens inside store_tx_begin()/store_tx_commit() and is
 * durable (synchronous=FULL) when commit returns TB_OK.
 *
 * Statements: store_prepare() caches statements per connection keyed by the
 * SQL text pointer, so pass string literals (or other storage that lives as
 * long as the store).  A prepared statement is reset and its bindings
 * cleared by store_prepare(); callers never finalize it.
 */
#ifndef TB_STORE_H
#define TB_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_conn;
struct store_stmt;

/* Statistics for /metrics. */
struct store_stats {
	uint64_t	 tx_commits;	/* write transactions committed */
	uint64_t	 tx_rollbacks;	/* write transactions rolled back */
	uint64_t	 write_wait_us;	/* total time spent waiting for the writer */
	uint64_t	 statements;	/* statements stepped to completion */
	uint64_t	 errors;	/* driver errors (a constraint violation
					   is an answer, not an error) */
	int		 schema_version;/* highest migration applied */
};

/*
 * The driver table (OpenBSD smtpd's queue backends): one per backend file.
 * Callers never use it directly; the store_* functions below dispatch to it.
 */
struct store_driver {
	const char	*name;
	int	(*open)(const char *dsn, struct store **out);
	void	(*close)(struct store *);
	int	(*conn_read)(struct store *, struct store_conn **out);
	int	(*conn_write)(struct store *, struct store_conn **out);
	void	(*conn_release)(struct store_conn *);
	int	(*exec)(struct store_conn *, const char *sql);
	int	(*prepare)(struct store_conn *, const char *sql,
		    struct store_stmt **out);
	int	(*bind_i64)(struct store_stmt *, int idx, int64_t v);
	int	(*bind_text)(struct store_stmt *, int idx, const char *s,
		    size_t len);
	int	(*bind_blob)(struct store_stmt *, int idx, const void *p,
		    size_t len);
	int	(*bind_null)(struct store_stmt *, int idx);
	int	(*step)(struct store_stmt *);
	int	(*col_is_null)(struct store_stmt *, int col);
	int64_t	(*col_i64)(struct store_stmt *, int col);
	const char *(*col_text)(struct store_stmt *, int col);
	const void *(*col_blob)(struct store_stmt *, int col, size_t *len);
	int	(*tx_begin)(struct store_conn *);
	int	(*tx_commit)(struct store_conn *);
	int	(*tx_rollback)(struct store_conn *);
	int64_t	(*changes)(struct store_conn *);
	int	(*backup)(struct store *, const char *path);
	void	(*stats)(struct store *, struct store_stats *out);
	const char *(*errmsg)(struct store_conn *);
	/* Sets *exists to 1 when a table of that name exists, else 0
	 * (catalogs differ: sqlite_master, pg_catalog). */
	int	(*table_exists)(struct store_conn *, const char *name,
		    int *exists);
};

/*
 * Opens the store named by url: a plain path or "sqlite:PATH" for SQLite
 * (the file, mode 0600, and its folder, mode 0700, are created when
 * missing); "SCHEME://..." picks the driver whose name is SCHEME.  Does not
 * migrate, but reads the schema version for the statistics.  Returns TB_OK
 * and the store in *out (the caller closes it with store_close()), or
 * TB_EINVAL (empty path, unknown scheme), TB_ESTORE / TB_ENOMEM.
 */
int	store_open(const char *url, struct store **out);
/* Closes every connection and frees the store.  NULL is accepted. */
void	store_close(struct store *st);

/*
 * Applies every built-in migration newer than the database's version, each
 * in its own transaction, recording it in schema_migrations.  Returns
 * TB_ESCHEMA (and a message in err) when the database was written by a newer
 * binary; *applied receives the number of migrations applied.
 */
int	store_migrate(struct store *st, int *applied, char *err, size_t errlen);
/* The highest migration this binary knows. */
int	store_schema_latest(void);
/*
 * Sets *version to the highest migration applied to the database (0 for a
 * database never migrated), reading through the calling thread's reader.
 * Returns TB_OK or TB_ESTORE.
 */
int	store_schema_version(struct store *st, int *version);

/*
 * The calling thread's reader connection (no lock held; read-only, so a
 * write through it fails).  It sees the latest commit as of its first
 * statement, not the writer's uncommitted work: read your own writes
 * through the writer.  TB_EBUSY past the cap on reader threads, TB_ESTORE.
 */
int	store_read(struct store *st, struct store_conn **out);
/* The writer connection, locked until store_release().  A thread that
 * already holds it gets TB_EINVAL instead of a deadlock. */
int	store_write(struct store *st, struct store_conn **out);
/*
 * Gives a connection back.  For the writer: rolls back a transaction left
 * open (and logs it), resets its statements and unlocks it.  For a reader:
 * calls nest, and the last release resets the statements left part way, so
 * that the thread's next read sees the latest commit; pair every
 * store_read() with a store_release().  NULL is accepted.
 */
void	store_release(struct store_conn *c);

/* Runs one or more SQL statements without results (migrations, DDL). */
int	store_exec(struct store_conn *c, const char *sql);
/*
 * Returns a cached, reset statement for sql (see above on ownership).  sql
 * must hold exactly one statement (else TB_EINVAL); bad SQL is TB_ESTORE;
 * TB_ETOOBIG when the connection's cache of distinct SQL texts is full,
 * which only SQL built at run time can cause.
 */
int	store_prepare(struct store_conn *c, const char *sql,
	    struct store_stmt **out);
/* Bindings are 1-based like SQLite's.  Text is copied by the driver.
 * TB_EINVAL for an index out of range or NULL text (use _or_null). */
int	store_bind_i64(struct store_stmt *s, int idx, int64_t v);
int	store_bind_text(struct store_stmt *s, int idx, const char *str);
int	store_bind_textn(struct store_stmt *s, int idx, const char *str,
	    size_t len);
int	store_bind_blob(struct store_stmt *s, int idx, const void *p,
	    size_t len);
int	store_bind_null(struct store_stmt *s, int idx);
/* A NULL str binds NULL. */
int	store_bind_text_or_null(struct store_stmt *s, int idx,
	    const char *str);
/* Returns TB_ROW, TB_DONE, TB_ECONFLICT (constraint violated) or
 * TB_ESTORE / TB_EBUSY. */
int	store_step(struct store_stmt *s);
/* Column reads are 0-based.  Text is valid until the next step; a NULL
 * column reads as NULL text and 0. */
int	store_col_is_null(struct store_stmt *s, int col);
int64_t	store_col_i64(struct store_stmt *s, int col);
const char *store_col_text(struct store_stmt *s, int col);
const void *store_col_blob(struct store_stmt *s, int col, size_t *len);

/*
 * Transactions.  On the writer, begin takes the write lock at once (SQLite
 * BEGIN IMMEDIATE), so a transaction never fails half way for want of it;
 * on a reader, begin opens one consistent snapshot for several reads.
 * Begin inside a transaction is TB_EINVAL; it may be TB_EBUSY.  After
 * commit returns, no transaction is open whatever it returned (a failed
 * commit is rolled back); TB_OK from commit on the writer means durable.
 * Rollback without a transaction is a no-op returning TB_OK, so cleanup
 * paths may call it unconditionally.
 */
int	store_tx_begin(struct store_conn *c);
int	store_tx_commit(struct store_conn *c);
int	store_tx_rollback(struct store_conn *c);
/* Rows changed by the last statement. */
int64_t	store_changes(struct store_conn *c);
/* The driver's last error text, for logs only (never sent to clients). */
const char *store_errmsg(struct store_conn *c);

/*
 * Writes a consistent copy of the whole database, as it was when the call
 * began, to path while the server keeps running and writing (SQLite's
 * online backup API from a connection of its own).  The copy is written to
 * "path.tmp" (mode 0600), fsynced, renamed to path and the folder fsynced
 * before TB_OK is returned.  An existing file at path, or an existing
 * path.tmp (another backup, or one that crashed), is refused with
 * TB_ECONFLICT; a missing folder is TB_EIO; TB_ESTORE if the copy failed.
 * Nothing is left at path.tmp on failure.
 */
int	store_backup(struct store *st, const char *path);
void	store_get_stats(struct store *st, struct store_stats *out);
/* Returns 1 when the store answers a trivial query (for /healthz). */
int	store_ping(struct store *st);

/*
 * A new row id: a uniformly random integer in [1, 2^53 - 1] from libsodium
 * (store_open() initialises it).  Ids are made by the application rather
 * than the database so that SQLite and PostgreSQL share one schema, and are
 * kept below 2^53 so that JSON numbers in JavaScript hold them exactly
 * (docs/internals/store.md).
 */
int64_t	store_new_id(void);

/*
 * Agencies, users and roles (migration 1).  Strings are borrowed for the
 * call only; NULL in an optional field stores NULL.  Booleans are 0 or 1.
 */
struct store_agency {
	const char	*code;		/* required, the primary key */
	const char	*name;		/* required */
	const char	*name_en;	/* optional */
	const char	*type;		/* required: city_agency,
					   district_office, subordinate,
					   legal_person, school, doit */
	const char	*superior;	/* optional agency code */
	const char	*supervisor;	/* optional agency code */
	const char	*responsibility_level;	/* required: A to E */
	int64_t		 reports_to_central;
	int64_t		 uses_city_mail;
	int64_t		 active;
	int64_t		 created_at;	/* microseconds since the epoch */
	int64_t		 updated_at;
};

struct store_user {
	int64_t		 id;		/* required, from store_new_id() */
	const char	*username;	/* required, unique */
	const char	*name;		/* required */
	const char	*agency;	/* required agency code */
	const char	*email;		/* optional */
	const char	*phone;		/* optional */
	const char	*taipeion_id;	/* optional */
	const char	*employment;	/* required: civil_servant, contract,
					   temporary, vendor */
	int64_t		 dedicated_staff;
	const char	*password_hash;	/* optional (single sign-on users) */
	int64_t		 active;
	const char	*lang;		/* NULL means "zh-TW" */
	int64_t		 created_at;
	int64_t		 updated_at;
};

/*
 * Inserts one agency.  c must be the writer inside a transaction, else
 * TB_EINVAL (also for a missing required field).  A duplicate code, an
 * unknown superior or supervisor, or a value outside its set is
 * TB_ECONFLICT; else TB_OK or TB_ESTORE / TB_EBUSY.
 */
int	store_agency_insert(struct store_conn *c,
	    const struct store_agency *a);
/* Sets *exists to 1 when an agency with that code exists, else 0.  Any
 * connection.  Returns TB_OK, TB_EINVAL (NULL code) or TB_ESTORE. */
int	store_agency_exists(struct store_conn *c, const char *code,
	    int *exists);
/*
 * Inserts one user and its nroles roles (granted at u->created_at, with
 * no granter).  c must be the writer inside a transaction, else TB_EINVAL
 * (also for a missing required field or id <= 0).  A duplicate id or
 * username, an unknown agency, a repeated or unknown role is
 * TB_ECONFLICT; the caller then rolls back, as nothing half-done may stay.
 */
int	store_user_insert(struct store_conn *c, const struct store_user *u,
	    const char *const *roles, size_t nroles);
/* Sets *n to the number of users (active or not).  Any connection. */
int	store_user_count(struct store_conn *c, int64_t *n);

/* --- access (store_access.c, migration 2) ---------------------------- */

/* A user as read for sign-in and for each request. */
struct store_login {
	int64_t		 id;
	char		 username[64];
	char		 name[128];
	char		 agency[64];
	char		 password_hash[128];	/* "" when none */
	int		 active;
	char		 lang[8];
	unsigned	 roles;			/* ROLE_BIT() set */
};

/* Reads a user and their roles; TB_ENOTFOUND when there is none. */
int	store_login_by_name(struct store_conn *c, const char *username,
	    struct store_login *out);
int	store_login_by_id(struct store_conn *c, int64_t id,
	    struct store_login *out);
/* Replaces a password hash (writer, in a transaction). */
int	store_user_set_password(struct store_conn *c, int64_t id,
	    const char *hash, int64_t now);

struct store_session {
	int64_t		 id;
	const char	*token_hash;	/* hex BLAKE2b of the cookie value */
	int64_t		 user_id;
	int64_t		 created_at, last_seen_at, expires_at;
	const char	*remote;
};

/* Sessions: insert (writer, in a transaction); find a live one by token
 * hash (TB_ENOTFOUND when none or revoked; expiry is the caller's to
 * judge); touch; revoke one; revoke all of a user's but keep_id. */
int	store_session_insert(struct store_conn *c,
	    const struct store_session *s);
int	store_session_find(struct store_conn *c, const char *token_hash,
	    struct store_session *out);
int	store_session_touch(struct store_conn *c, int64_t id, int64_t now);
int	store_session_revoke(struct store_conn *c, int64_t id, int64_t now);
int	store_session_revoke_others(struct store_conn *c, int64_t user_id,
	    int64_t keep_id, int64_t now);

struct store_token {
	int64_t		 id;
	const char	*token_hash;
	int64_t		 user_id;
	const char	*name;
	int64_t		 created_at, expires_at;
	int64_t		 created_by;	/* 0: from the command line */
};

/* API tokens, as sessions.  Revoking checks the owner unless owner is 0
 * (TB_ENOTFOUND for another's token, so existence does not leak). */
int	store_token_insert(struct store_conn *c, const struct store_token *t);
int	store_token_find(struct store_conn *c, const char *token_hash,
	    struct store_token *out);
int	store_token_revoke(struct store_conn *c, int64_t id, int64_t owner,
	    int64_t now);

/*
 * Sets *within when agency code is ancestor or below it in the tree of
 * superiors; with via_supervisor, also when it or an agency above it is
 * supervised by ancestor.  Unknown codes are simply not within.
 */
int	store_agency_within(struct store_conn *c, const char *code,
	    const char *ancestor, int via_supervisor, int *within);

/* One entry of the audit trail.  Strings are borrowed: from the caller
 * when appending, and valid during the callback when scanned. */
struct store_audit {
	int64_t		 seq;		/* set by append: 1, 2, 3 ... */
	int64_t		 at;
	int64_t		 actor_id;	/* 0: nobody signed in */
	const char	*actor;
	const char	*agency;	/* the agency whose record changed */
	const char	*remote;
	const char	*request_id;
	const char	*action;	/* "agency.create", "session.refused" */
	const char	*object_type;
	const char	*object_id;
	const char	*before_json;
	const char	*after_json;
	char		 prev_hash[65];	/* set by append */
	char		 hash[65];	/* set by append */
};

/*
 * Appends an entry chained to the newest one: seq, prev_hash and hash are
 * filled in.  c must be the writer inside the transaction of the change
 * being recorded, so the change and its entry commit together.
 */
int	store_audit_append(struct store_conn *c, struct store_audit *a);
/* Computes the hash an entry must carry (BLAKE2b-256, hex). */
void	store_audit_hash(const struct store_audit *a, char out[65]);
/* Calls fn for up to limit entries with seq > after, in order, until fn
 * returns non-zero. */
int	store_audit_scan(struct store_conn *c, int64_t after, int64_t limit,
	    int (*fn)(void *, const struct store_audit *), void *arg);
/* Reads the separately kept head of the chain. */
int	store_audit_anchor(struct store_conn *c, int64_t *seq, char hash[65]);
/* The prev_hash of the first entry (64 zeros). */
const char *store_audit_genesis(void);

#endif
