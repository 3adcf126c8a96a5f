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
	uint64_t	 tx_batches;	/* durable COMMITs holding them (group
					   commit: several transactions each) */
	uint64_t	 tx_rollbacks;	/* write transactions rolled back */
	uint64_t	 write_wait_us;	/* total time spent waiting for the writer */
	uint64_t	 statements;	/* statements stepped to completion */
	uint64_t	 errors;	/* driver errors (a constraint violation
					   is an answer, not an error) */
	uint64_t	 checkpoints;	/* WAL checkpoints run (SQLite) */
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
/*
 * The one row that sql (one parameter: an id) finds: prepares it, binds
 * id, steps.  TB_OK with *out on the row (read its columns, then leave it:
 * store_release() resets it), TB_ENOTFOUND when there is none, or the
 * error.  The lookup by key every store file makes.
 */
int	store_row_by_id(struct store_conn *c, const char *sql, int64_t id,
	    struct store_stmt **out);
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
 * paths may call it unconditionally.  With group commit, commit (and a
 * rollback while others' work awaits its COMMIT) may lend the writer to
 * another thread while waiting: statements prepared before it must be
 * prepared again, and the writer is still given back with store_release().
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
/*
 * Group commit (on by default; config key store_group_commit): write
 * transactions committed at the same time share one durable COMMIT, each
 * store_tx_commit() still returning only after the COMMIT holding its
 * work did (docs/internals/store.md).  on = 0 commits each transaction
 * alone.  Call before the store is shared between threads.
 */
void	store_group_commit(struct store *st, int on);
/* Returns 1 when the store answers a trivial query (for /healthz). */
int	store_ping(struct store *st);

/*
 * A new row id in [1, 2^53 - 1]: the day it was made (days since
 * 2020-01-01 UTC, 16 bits) above 37 random bits from libsodium
 * (store_open() initialises it).  Ids are made by the application rather
 * than the database so that SQLite and PostgreSQL share one schema, kept
 * below 2^53 so that JSON numbers in JavaScript hold them exactly, random
 * so that they cannot be counted or guessed, and a day's together so that
 * a day's inserts land on a few index pages, not all over the file
 * (docs/internals/store.md, "Ids").
 */
#define STORE_ID_RANDOM_BITS	37
#define STORE_ID_DAY_MAX	((INT64_C(1) << 16) - 1)
#define STORE_ID_EPOCH_US	INT64_C(1577836800000000) /* 2020-01-01 */
int64_t	store_new_id(void);
/* The day part of ids made at now_us (0 before 2020, at most
 * STORE_ID_DAY_MAX), and a new id of day `day` (tools that make rows of
 * the past, and tests). */
int64_t	store_id_day(int64_t now_us);
int64_t	store_id_for_day(int64_t day);

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
/* Deletes up to limit sessions that expired before `before` (revoked or
 * not); *deleted gets their number.  Writer in a transaction
 * (housekeep.c). */
int	store_session_prune(struct store_conn *c, int64_t before, int64_t limit,
	    int64_t *deleted);
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

/* An API token as listed: never its hash. */
struct store_token_rec {
	int64_t		 id;
	char		 name[512];	/* the API caps it at 100 chars */
	int64_t		 created_at, expires_at;
	int64_t		 created_by;	/* 0: from the command line */
	int64_t		 revoked_at;	/* STORE_TIME_NONE: not revoked */
};
/*
 * Calls fn for up to limit tokens of user_id, newest first by
 * (created_at, id), those before (before_created, before_id) when
 * before_id > 0 (a cursor), until fn returns non-zero.  The record is
 * valid during the call only.  TB_ETOOBIG for a name that does not fit.
 */
int	store_token_list(struct store_conn *c, int64_t user_id,
	    int64_t before_created, int64_t before_id, int64_t limit,
	    int (*fn)(void *, const struct store_token_rec *), void *arg);

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

/* Bytes of the audit chain's secret key. */
#define STORE_AUDIT_KEY_BYTES	32
/*
 * Sets the secret key every entry's hash is keyed with (BLAKE2b-256 with
 * a key), so that someone who can edit the database but cannot read the
 * key cannot recompute the chain after a change.  len must be
 * STORE_AUDIT_KEY_BYTES (else TB_EINVAL); the key is copied.  Until it is
 * set, store_audit_append and store_audit_hash fail with TB_EINVAL: an
 * entry is never written unkeyed.  cmd_audit_key_load() (cmd_access.c)
 * reads the key file for every command that opens the store.
 */
int	store_audit_key_set(struct store *st, const unsigned char *key,
	    size_t len);
/*
 * Appends an entry chained to the newest one: seq, prev_hash and hash are
 * filled in.  c must be the writer inside the transaction of the change
 * being recorded, so the change and its entry commit together.
 */
int	store_audit_append(struct store_conn *c, struct store_audit *a);
/* Computes the hash an entry must carry (keyed BLAKE2b-256, hex) with
 * the key of c's store; TB_EINVAL when no key was set. */
int	store_audit_hash(struct store_conn *c, const struct store_audit *a,
	    char out[65]);
/* Calls fn for up to limit entries with seq > after, in order, until fn
 * returns non-zero. */
int	store_audit_scan(struct store_conn *c, int64_t after, int64_t limit,
	    int (*fn)(void *, const struct store_audit *), void *arg);
/* Which entries store_audit_find() returns; NULL means any. */
struct store_audit_filter {
	const char	*action;	/* exactly this action */
	const char	*action_prefix;	/* actions starting with this */
	const char	*object_type;
	const char	*object_id;
	int		 desc;		/* newest first */
};
/*
 * Calls fn for up to limit entries with lo < seq < hi matching f, by seq
 * (descending when f->desc), until fn returns non-zero.  Only the window
 * is read (a range of the primary key), so its width bounds the work
 * however rare the matches.  Strings are valid during the call only.
 */
int	store_audit_find(struct store_conn *c,
	    const struct store_audit_filter *f, int64_t lo, int64_t hi,
	    int64_t limit, int (*fn)(void *, const struct store_audit *),
	    void *arg);
/* Reads the separately kept head of the chain. */
int	store_audit_anchor(struct store_conn *c, int64_t *seq, char hash[65]);
/* The prev_hash of the first entry (64 zeros). */
const char *store_audit_genesis(void);

/* --- agencies and people read back (store_org.c) ---------------------- */

/* Room for a name, an English name or an e-mail address read back (the
 * API caps them at 120 characters of at most 4 bytes), NUL included. */
#define STORE_NAME_SIZE		512
/* Room for an agency code or a user name, NUL included. */
#define STORE_KEY_SIZE		64
/* Room for a phone number or a TaipeiON id (the API caps them at 32 and
 * 64 characters of at most 4 bytes), NUL included. */
#define STORE_CONTACT_SIZE	260
/* An optional time column that is NULL (the domain's TBTIME_NONE). */
#define STORE_TIME_NONE		INT64_MIN

/* An agency as read; optional text that is NULL reads as "". */
struct store_agency_rec {
	char		 code[STORE_KEY_SIZE];
	char		 name[STORE_NAME_SIZE];
	char		 name_en[STORE_NAME_SIZE];
	char		 type[24];
	char		 superior[STORE_KEY_SIZE];
	char		 supervisor[STORE_KEY_SIZE];
	char		 responsibility_level[4];
	int64_t		 reports_to_central;
	int64_t		 uses_city_mail;
	int64_t		 active;
	int64_t		 created_at;
	int64_t		 updated_at;
};

/* Reads agency code; TB_ENOTFOUND when there is none, TB_ETOOBIG when a
 * stored value does not fit the record.  Any connection. */
int	store_agency_get(struct store_conn *c, const char *code,
	    struct store_agency_rec *out);
/*
 * Rewrites every column of agency a->code but the code and created_at
 * (the caller merges a PATCH into the record it read).  Writer in a
 * transaction, else TB_EINVAL; TB_ENOTFOUND when there is no such agency;
 * TB_ECONFLICT for an unknown superior or supervisor or a value outside
 * its set.
 */
int	store_agency_update(struct store_conn *c, const struct store_agency *a);

/* Which agencies store_agency_scan() visits; NULL or 0 means any. */
struct store_agency_filter {
	const char	*q;		/* in name or name_en, any case */
	const char	*type;
	const char	*superior;	/* direct subordinates of this code */
	const char	*after;		/* codes after this one (a cursor) */
	int		 active_only;
};

/*
 * Calls fn for up to limit agencies matching f, in code order, until fn
 * returns non-zero.  The record is valid during the call only, and fn must
 * not start another store_agency_scan on c (the statement is in use; other
 * queries are fine).  Returns TB_OK or a store error.
 */
int	store_agency_scan(struct store_conn *c,
	    const struct store_agency_filter *f, int64_t limit,
	    int (*fn)(void *, const struct store_agency_rec *), void *arg);
/* Calls fn with every agency's code and superior (NULL when none), in
 * code order: the tree, for the cycle check.  Strings valid during the
 * call only. */
int	store_agency_tree(struct store_conn *c,
	    int (*fn)(void *, const char *code, const char *superior),
	    void *arg);

/* A user as read, without the password hash; NULL text reads as "". */
struct store_user_rec {
	int64_t		 id;
	char		 username[STORE_KEY_SIZE];
	char		 name[STORE_NAME_SIZE];
	char		 agency[STORE_KEY_SIZE];
	char		 email[STORE_NAME_SIZE];
	char		 phone[STORE_CONTACT_SIZE];
	char		 taipeion_id[STORE_CONTACT_SIZE];
	char		 employment[24];
	int64_t		 dedicated_staff;
	int64_t		 active;
	int64_t		 has_password;	/* 1 when a hash is stored */
	char		 lang[8];
	int64_t		 created_at;
	int64_t		 updated_at;
};

/* Reads a user by name (roles apart: store_user_roles); TB_ENOTFOUND,
 * TB_ETOOBIG as for agencies.  Any connection. */
int	store_user_get(struct store_conn *c, const char *username,
	    struct store_user_rec *out);
/*
 * Rewrites user u->id's name, email, phone, taipeion_id, employment,
 * dedicated_staff, active and updated_at; never the username, agency or
 * password hash, whatever u holds.  Writer in a transaction, else
 * TB_EINVAL; TB_ENOTFOUND when there is no such user.
 */
int	store_user_update(struct store_conn *c, const struct store_user *u);
/* Calls fn with each role name user id holds, until fn returns
 * non-zero.  The name is valid during the call only. */
int	store_user_roles(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const char *role), void *arg);
/* Grants role to user id at now by granted_by (0: nobody).  Writer in a
 * transaction; TB_ECONFLICT when held already or unknown. */
int	store_user_role_grant(struct store_conn *c, int64_t id,
	    const char *role, int64_t granted_by, int64_t now);
/* Takes role from user id.  Writer in a transaction; TB_ENOTFOUND when
 * it was not held. */
int	store_user_role_revoke(struct store_conn *c, int64_t id,
	    const char *role);
/*
 * Calls fn for up to limit users in user-name order after after (NULL:
 * from the start), of agency only unless it is NULL, until fn returns
 * non-zero.  The record is valid during the call only.
 */
int	store_user_scan(struct store_conn *c, const char *agency,
	    const char *after, int64_t limit,
	    int (*fn)(void *, const struct store_user_rec *), void *arg);
/* Sets *n to the active dedicated staff (P6) of agency code. */
int	store_agency_dedicated_count(struct store_conn *c, const char *code,
	    int64_t *n);
/* Calls fn with each agency that has active dedicated staff and their
 * number, in code order. */
int	store_dedicated_counts(struct store_conn *c,
	    int (*fn)(void *, const char *agency, int64_t n), void *arg);

/* --- the contact-window roster (store_roster.c, migration 3) --------- */

/* An assignment to insert.  Strings are borrowed for the call. */
struct store_contact {
	int64_t		 id;		/* from store_new_id() */
	const char	*agency;
	int64_t		 user_id;
	const char	*role;		/* "window" or "deputy" */
	int64_t		 effective_from;
	int64_t		 access_ready_at;	/* STORE_TIME_NONE: not yet */
	int64_t		 notified_at;
	const char	*appointed_by;	/* a user name, or NULL */
	int64_t		 late;		/* P8 */
	int64_t		 dedicated_vacant;	/* P6 */
	int64_t		 created_at;
	int64_t		 created_by;	/* a user id, 0 for none */
};

/* An assignment as read, with the person it names. */
struct store_contact_rec {
	int64_t		 id;
	char		 agency[STORE_KEY_SIZE];
	int64_t		 user_id;
	char		 username[STORE_KEY_SIZE];
	char		 name[STORE_NAME_SIZE];
	char		 email[STORE_NAME_SIZE];
	char		 phone[STORE_CONTACT_SIZE];
	char		 taipeion_id[STORE_CONTACT_SIZE];
	char		 employment[24];
	int64_t		 dedicated_staff;
	int64_t		 user_active;
	char		 role[8];
	int64_t		 effective_from;
	int64_t		 access_ready_at;	/* STORE_TIME_NONE when NULL */
	int64_t		 notified_at;
	char		 appointed_by[STORE_KEY_SIZE];	/* "" when none */
	int64_t		 late;
	int64_t		 dedicated_vacant;
	int64_t		 created_at;
	int64_t		 created_by;	/* 0 when none */
	/* The user name of created_by, "" when none. */
	char		 created_by_name[STORE_KEY_SIZE];
	int64_t		 ended_at;	/* STORE_TIME_NONE while open */
};

/*
 * Which assignments store_contact_scan() visits, in (created_at, id)
 * order.  NULL, 0 and STORE_TIME_NONE mean "any".
 */
struct store_contact_filter {
	const char	*agency;
	const char	*role;
	int64_t		 user_id;
	/* In force at this instant: begun, not ended, the person active. */
	int64_t		 in_force_at;
	/* Not ended by this instant: ended_at NULL or after it.  INT64_MAX
	 * selects the open assignments only. */
	int64_t		 open_at;
	/* A cursor: assignments after (after_created, after_id). */
	int64_t		 after_created;
	int64_t		 after_id;
};

/* Sets every field of f to "any" (a zeroed filter is not: 0 is an
 * instant). */
void	store_contact_filter_init(struct store_contact_filter *f);

/* Inserts an assignment.  Writer in a transaction, else TB_EINVAL (also
 * for a missing field); TB_ECONFLICT for an unknown agency, user or
 * appointer, or a value outside its set. */
int	store_contact_insert(struct store_conn *c,
	    const struct store_contact *k);
/* Reads assignment id; TB_ENOTFOUND when there is none. */
int	store_contact_get(struct store_conn *c, int64_t id,
	    struct store_contact_rec *out);
/*
 * Ends assignment id at `at`, or at its effective_from when that is later
 * (an assignment not begun then is never in force).  Only one still in
 * force after `at` is changed: TB_ENOTFOUND otherwise.  Writer in a
 * transaction.
 */
int	store_contact_end(struct store_conn *c, int64_t id, int64_t at);
/* Records when assignment id's access became ready (P9; STORE_TIME_NONE:
 * not yet).  Writer in a transaction; TB_ENOTFOUND when there is none. */
int	store_contact_set_access_ready(struct store_conn *c, int64_t id,
	    int64_t at);
/* Sets *n to the number of assignments of role the agency ever had. */
int	store_contact_count(struct store_conn *c, const char *agency,
	    const char *role, int64_t *n);
/*
 * Calls fn for up to limit assignments matching f (limit <= 0: all) until
 * fn returns non-zero.  The record is valid during the call only; fn must
 * not start another store_contact_scan on c.
 */
int	store_contact_scan(struct store_conn *c,
	    const struct store_contact_filter *f, int64_t limit,
	    int (*fn)(void *, const struct store_contact_rec *), void *arg);

/* --- incidents (store_incident.c, migration 4) ----------------------- */

#ifndef STORE_TIME_NONE
/* An optional time column that is NULL (the domain's TBTIME_NONE). */
#define STORE_TIME_NONE		INT64_MIN
#endif
/* due_key of an obligation with no fixed time: after every real time. */
#define STORE_DUE_NONE		INT64_MAX

/* What an incident needs to know of its agency. */
struct store_incident_agency {
	char		 name[512];
	char		 type[24];
	int64_t		 reports_to_central;
	int64_t		 active;
};

/* Reads agency code for an incident; TB_ENOTFOUND when there is none. */
int	store_incident_agency(struct store_conn *c, const char *code,
	    struct store_incident_agency *out);

/* A user's name and contacts, for the report form; "" when NULL. */
struct store_incident_person {
	char		 username[64];
	char		 name[512];
	char		 email[512];
	char		 phone[128];
};

/* Reads user id; TB_ENOTFOUND when there is none. */
int	store_incident_person(struct store_conn *c, int64_t id,
	    struct store_incident_person *out);

/*
 * An incident.  To insert, strings are borrowed and NULL stores NULL
 * (symptoms, affected_systems and critical_sectors are JSON array texts;
 * NULL stores "[]").  As read by store_incident_get(), every string points
 * into one block owned by the record (NULL columns read as NULL): release
 * it with store_incident_cleanup().  Times are STORE_TIME_NONE when NULL.
 */
struct store_incident {
	int64_t		 id;
	const char	*agency;
	const char	*agency_name;	/* read only */
	const char	*title;
	const char	*description;
	const char	*category;
	const char	*category_other;
	const char	*symptoms;
	int64_t		 occurred_at;
	int64_t		 aware_at;
	int64_t		 proposed_level;
	int64_t		 level;		/* in force */
	const char	*affected_systems;
	int64_t		 impact_other_agencies;
	const char	*critical_sectors;
	const char	*source;
	const char	*source_ref;
	int64_t		 exercise;
	int64_t		 personal_data_involved;
	int64_t		 equipment_failure;
	int64_t		 is_school;
	int64_t		 reports_to_central;
	int64_t		 reported_by;
	const char	*reported_by_name;	/* read only: the username */
	int64_t		 vendor_aware_at;
	int64_t		 vendor_reported_at;
	const char	*policy;
	const char	*state;
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 version;
	char		*mem;		/* read: the block the strings are in */
};

/*
 * Inserts incident in and its n affected agencies (P12, not yet
 * notified).  Writer in a transaction, else TB_EINVAL (also for a missing
 * required field); TB_ECONFLICT for a duplicate id, an unknown agency,
 * reporter or affected agency, a repeated affected agency or a value
 * outside its set.
 */
int	store_incident_insert(struct store_conn *c,
	    const struct store_incident *in, const char *const *affected,
	    size_t n);
/* Reads incident id into *out (see above); TB_ENOTFOUND, TB_ENOMEM.  Any
 * connection.  *out needs store_incident_cleanup() only after TB_OK. */
int	store_incident_get(struct store_conn *c, int64_t id,
	    struct store_incident *out);
/* Frees what store_incident_get() allocated; the record is zeroed. */
void	store_incident_cleanup(struct store_incident *in);
/*
 * Records a change: sets the level in force, the state and updated_at,
 * and adds 1 to the version, if the version is still `version`
 * (optimistic: TB_ECONFLICT when someone changed it meanwhile,
 * TB_ENOTFOUND when there is no such incident).  Writer in a transaction.
 */
int	store_incident_touch(struct store_conn *c, int64_t id,
	    int64_t version, int64_t level, const char *state,
	    int64_t updated_at);

/* Calls fn with each affected agency of incident id (P12) in code order
 * and when it was first notified (STORE_TIME_NONE: not yet), until fn
 * returns non-zero.  The code is valid during the call only. */
int	store_incident_affected(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const char *agency, int64_t notified_at),
	    void *arg);
/*
 * P12: records that agency was notified of incident id at `at`, adding it
 * to the affected agencies when not listed; an earlier notification time
 * is kept.  Writer in a transaction; TB_ECONFLICT for an unknown agency.
 */
int	store_incident_notify(struct store_conn *c, int64_t id,
	    const char *agency, int64_t at);
/* Sets *yes when agency was notified of incident id (P12: its window may
 * then read the incident). */
int	store_incident_notified(struct store_conn *c, int64_t id,
	    const char *agency, int *yes);
/*
 * Claims the national platform's report number ref for incident id:
 * TB_OK when it is free (it is then recorded with event seq) or already
 * this incident's; TB_ECONFLICT when another incident has it.  Writer in a
 * transaction.
 */
int	store_platform_ref_claim(struct store_conn *c, const char *ref,
	    int64_t id, int64_t seq);

/* One event of an incident's timeline.  Strings are borrowed (from the
 * caller to insert; valid during the callback when scanned). */
struct store_event {
	int64_t		 incident;
	int64_t		 seq;		/* 1, 2, 3 ... in recording order */
	const char	*type;
	int64_t		 at;
	int64_t		 actor;		/* user id */
	const char	*actor_name;	/* the username */
	int64_t		 recorded_at;
	int64_t		 level;		/* -1 when the type has none */
	const char	*channel;	/* NULL when the type has none */
	const char	*kind;
	const char	*agency;
	const char	*fields;	/* JSON object text, never NULL */
};

/* Appends an event; events are never updated or deleted.  Writer in a
 * transaction; TB_ECONFLICT for a seq already used, an unknown incident
 * or actor, or a value outside its set. */
int	store_event_insert(struct store_conn *c, const struct store_event *e);
/* Calls fn with each event of incident id in (at, seq) order until fn
 * returns non-zero; fn must not start another store_event_scan on c. */
int	store_event_scan(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const struct store_event *), void *arg);

/* An obligation as stored (rewritten from the deadline engine on every
 * change).  Strings borrowed as for events. */
struct store_obligation {
	int64_t		 incident;
	const char	*agency;	/* the incident's agency */
	const char	*name;
	const char	*subject;	/* "" for none */
	int64_t		 period;	/* progress_report; else 0 */
	int64_t		 level;
	int64_t		 start_at;	/* STORE_TIME_NONE when none */
	int64_t		 due_at;	/* STORE_TIME_NONE: no fixed time */
	int64_t		 by_date;
	int64_t		 overdue_from;	/* STORE_TIME_NONE with due_at */
	int64_t		 met_at;	/* STORE_TIME_NONE: not met */
	const char	*state;		/* open, met, met_late,
					   not_applicable */
	int64_t		 exercise;
	const char	*title;		/* scanned only: the incident's */
};

/*
 * Replaces every stored obligation of incident id by the n given (their
 * incident field is ignored).  Writer in a transaction; TB_ECONFLICT for a
 * repeated (name, subject, period) or a state outside its set.
 */
int	store_obligations_replace(struct store_conn *c, int64_t id,
	    const struct store_obligation *o, size_t n);
/*
 * Stores the n obligations of an incident inserted in this same
 * transaction, which has none yet: store_obligations_replace() without its
 * DELETE, a lookup that finds nothing.  Same errors.
 */
int	store_obligations_insert(struct store_conn *c, int64_t id,
	    const struct store_obligation *o, size_t n);

/*
 * Whose records a list may show.  all: everything (doit_*, operators).
 * reporter > 0: only the incidents that user reported (a vendor, P13).
 * Otherwise the subtree of agency, with supervised also the subtrees of
 * the agencies it supervises (superior_viewer), and with notified also
 * incidents agency was notified of (P12: its window reads them).
 */
struct store_scope {
	int		 all;
	int64_t		 reporter;
	const char	*agency;
	int		 supervised;
	int		 notified;
};

/* Which incidents store_incident_scan() visits, newest aware_at first
 * (then id, descending).  NULL, -1 or STORE_TIME_NONE mean "any". */
struct store_incident_filter {
	const char	*agency;	/* this agency and those below it */
	int64_t		 level;
	const char	*state;
	int64_t		 from;		/* aware_at >= from */
	int64_t		 to;		/* aware_at <= to */
	const char	*q;		/* in title or description */
	int64_t		 exercise;	/* 0 or 1; -1 any */
	/* A cursor: incidents before (before_aware, before_id) in the
	 * order above; before_id 0 means from the start. */
	int64_t		 before_aware;
	int64_t		 before_id;
};

/*
 * Calls fn for up to limit incidents of scope matching f until fn returns
 * non-zero.  Only the summary columns are read (id, agency, title,
 * category, occurred_at, aware_at, proposed_level, level, state, exercise,
 * created_at, updated_at, version); the rest are NULL or 0, and the record
 * is valid during the call only.
 */
int	store_incident_scan(struct store_conn *c,
	    const struct store_scope *scope,
	    const struct store_incident_filter *f, int64_t limit,
	    int (*fn)(void *, const struct store_incident *), void *arg);

/* --- the city's figures (store_stats.c, issue 7) --------------------- */

/* Levels 0 to 4 (0: not yet judged). */
#define STORE_LEVELS	5

/*
 * One row of a figure: key is an agency code or an obligation name, name
 * the agency's name ("" for an obligation); level (open incidents) or met
 * (obligations met on time), and n the count.  Valid during the call.
 */
struct store_stat_row {
	const char	*key;
	const char	*name;
	int64_t		 level;
	int64_t		 met;
	int64_t		 n;
};

/* One open level_review obligation of the review queue (P15). */
struct store_review_row {
	int64_t		 incident;
	const char	*title;
	const char	*agency;
	int64_t		 level;
	int64_t		 due_at;	/* STORE_TIME_NONE: no fixed time */
	int64_t		 overdue_from;	/* STORE_TIME_NONE: never */
};

/*
 * The figures of scope (store_scope; notified is ignored: a figure counts
 * the caller's own subtree).  exercise 0 counts real incidents only, 1
 * exercises only; never both together.  Each calls fn until it returns
 * non-zero; TB_EINVAL for an agency scope without an agency, else TB_OK
 * or a store error.  Any connection.
 *
 * store_stats_open: open (not closed) incidents per agency and level, in
 * (agency, level) order, key and name being the agency's.
 * store_stats_review: *total open level_review obligations, and fn for
 * the first limit by due time.
 * store_stats_overdue: *n open obligations overdue at now.
 * store_stats_on_time: obligations met (on time and late) of incidents
 * aware in [from, to), per obligation name or, by_agency, per agency
 * owing them; met is those on time.
 * store_stats_levels: counts[level] of incidents aware in [from, to).
 */
int	store_stats_open(struct store_conn *c, const struct store_scope *sc,
	    int exercise, int (*fn)(void *, const struct store_stat_row *),
	    void *arg);
int	store_stats_review(struct store_conn *c, const struct store_scope *sc,
	    int exercise, int64_t limit, int64_t *total,
	    int (*fn)(void *, const struct store_review_row *), void *arg);
int	store_stats_overdue(struct store_conn *c,
	    const struct store_scope *sc, int exercise, int64_t now,
	    int64_t *n);
int	store_stats_on_time(struct store_conn *c,
	    const struct store_scope *sc, int exercise, int64_t from,
	    int64_t to, int by_agency,
	    int (*fn)(void *, const struct store_stat_row *), void *arg);
int	store_stats_levels(struct store_conn *c, const struct store_scope *sc,
	    int exercise, int64_t from, int64_t to,
	    int64_t counts[STORE_LEVELS]);

/* Which obligations store_obligation_scan() visits, in (due_key,
 * incident, name, subject, period) order. */
struct store_obligation_filter {
	const char	*agency;	/* this agency and those below; NULL */
	const char	*state;		/* stored state, required */
	/* For state "open": 1 only those overdue at now (overdue_from <=
	 * now), -1 only those not, 0 both. */
	int		 overdue;
	int64_t		 now;
	int64_t		 due_before;	/* due_at <= this; STORE_DUE_NONE:
					   any, those with no fixed time
					   included */
	/* A cursor: obligations after this key; after_incident 0 means
	 * from the start. */
	int64_t		 after_due;
	int64_t		 after_incident;
	const char	*after_name;
	const char	*after_subject;
	int64_t		 after_period;
};

/* Calls fn for up to limit obligations of scope matching f until fn
 * returns non-zero; the record (with the incident's title) is valid
 * during the call only. */
int	store_obligation_scan(struct store_conn *c,
	    const struct store_scope *scope,
	    const struct store_obligation_filter *f, int64_t limit,
	    int (*fn)(void *, const struct store_obligation *), void *arg);

/*
 * The first answer to a POST with an Idempotency-Key (CONVENTIONS), per
 * caller and key.  Strings borrowed when inserting.
 */
struct store_idem {
	int64_t		 caller;	/* user id */
	const char	*key;
	const char	*request_hash;	/* hex digest of method, path, body */
	int64_t		 status;
	const char	*location;	/* NULL when none */
	const char	*response;	/* the body sent */
	int64_t		 created_at;
};

/*
 * Looks up (caller, key).  TB_ENOTFOUND when unused; else TB_OK with
 * hash (65 bytes), *status, and *location and *response allocated (free()
 * them; *location may be NULL).  Read through the writer inside the
 * transaction of the change, so two requests with one key serialise.
 */
int	store_idem_find(struct store_conn *c, int64_t caller, const char *key,
	    char hash[65], int64_t *status, char **location, char **response);
/* Records the first answer; writer in the transaction of the change.
 * TB_ECONFLICT when (caller, key) is taken. */
int	store_idem_insert(struct store_conn *c, const struct store_idem *k);
/* Deletes up to limit of the oldest keys made before `before`; *deleted
 * gets their number.  Writer in a transaction (housekeep.c). */
int	store_idem_prune(struct store_conn *c, int64_t before, int64_t limit,
	    int64_t *deleted);

/* --- housekeeping (housekeep.c) -------------------------------------- */

/* How long what is kept only for a while is kept (housekeep.c). */
#define STORE_IDEM_KEEP_US	(INT64_C(30) * 86400 * 1000000)
#define STORE_SESSION_KEEP_US	(INT64_C(30) * 86400 * 1000000)

struct store_housekept {
	int64_t		 idempotency_keys;	/* deleted */
	int64_t		 sessions;		/* deleted */
};

/* One pass at `now`: deletes idempotency keys older than
 * STORE_IDEM_KEEP_US and sessions expired STORE_SESSION_KEEP_US ago, a
 * page per transaction through the writer (not in a transaction). */
int	store_housekeep(struct store *st, int64_t now,
	    struct store_housekept *out);
/* Runs a pass a minute after the start and then every hour in a thread,
 * until store_housekeeper_stop() (before store_close()). */
int	store_housekeeper_start(struct store *st);
void	store_housekeeper_stop(void);

/* --- evidence (store_registry.c, store_evidence.c; migration 6) ------- */

/*
 * The P24 registry, P26 contracts and P25-P27 evidence.  Strings are
 * borrowed: from the caller when inserting, and valid during the callback
 * only when read.  Writes need the writer inside a transaction (else
 * TB_EINVAL).  A scan calls fn for each row until fn returns non-zero;
 * fn must not start the same scan on c again (its statement is in use).
 * Lists are keyset-paged: after_id names the last row of the page before
 * (0: from the start) and rows come in the order each function states.
 */

/* A core system (P24).  retired_at 0: in service. */
struct store_system {
	int64_t		 id;
	const char	*agency;
	const char	*name;
	const char	*description;		/* NULL when none */
	int64_t		 tolerable_downtime_minutes;
	const char	*standby;		/* none, standby */
	int64_t		 retired_at;
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 version;
};

/* How one log type of a system is kept; no row: not kept. */
struct store_system_log {
	int64_t		 system_id;
	const char	*log_type;	/* os_event, web, application, logon */
	int64_t		 months_kept;
	int64_t		 copy_elsewhere;	/* 0 or 1 */
};

/* Inserts a system (version 1).  TB_ECONFLICT when the agency already has
 * a system of that name or the agency does not exist. */
int	store_system_insert(struct store_conn *c,
	    const struct store_system *sy);
/*
 * Rewrites the changeable columns of system sy->id (name, description,
 * tolerable_downtime_minutes, standby, retired_at, updated_at) and sets
 * its version to version + 1, only if its version is still version:
 * TB_ECONFLICT when it is not (or the new name is taken), TB_ENOTFOUND
 * when there is no such system.
 */
int	store_system_update(struct store_conn *c,
	    const struct store_system *sy, int64_t version);
/* Calls fn with system id; TB_ENOTFOUND when none. */
int	store_system_get(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const struct store_system *), void *arg);
/*
 * Scans systems by (agency, name, id): those of agency (NULL: every
 * agency), retired ones too when include_retired, after system after_id,
 * at most limit (0: no limit).
 */
int	store_system_scan(struct store_conn *c, const char *agency,
	    int include_retired, int64_t after_id, int64_t limit,
	    int (*fn)(void *, const struct store_system *), void *arg);
/* Sets (inserts or replaces) how a log type of a system is kept. */
int	store_system_log_set(struct store_conn *c,
	    const struct store_system_log *l);
/* Removes a log type from a system (no longer kept); TB_OK if absent. */
int	store_system_log_delete(struct store_conn *c, int64_t system_id,
	    const char *log_type);
/*
 * Scans the log rows of system_id (> 0), or else of every system of
 * agency (NULL: every agency), retired or not, by (system_id, log_type).
 */
int	store_system_log_scan(struct store_conn *c, int64_t system_id,
	    const char *agency,
	    int (*fn)(void *, const struct store_system_log *), void *arg);

/* A device connected to a core system (P24). */
struct store_device {
	int64_t		 id;
	int64_t		 system_id;
	const char	*name;
	const char	*kind;		/* NULL when none; the same below */
	const char	*address;
	const char	*note;
	int64_t		 created_at;
};

/* Inserts a device; TB_ECONFLICT when the system does not exist. */
int	store_device_insert(struct store_conn *c, const struct store_device *d);
/* Scans the devices of a system by (name, id) after device after_id. */
int	store_device_scan(struct store_conn *c, int64_t system_id,
	    int64_t after_id, int64_t limit,
	    int (*fn)(void *, const struct store_device *), void *arg);

/* An outsourcing contract and its clauses (P26, P13). */
struct store_contract {
	int64_t		 id;
	const char	*agency;
	const char	*vendor;
	const char	*title;
	const char	*starts_on;	/* YYYY-MM-DD */
	const char	*ends_on;	/* YYYY-MM-DD, NULL: open-ended */
	int64_t		 clause[4];	/* 0/1 by enum evclause */
	const char	*note;
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 version;
};

/* Inserts a contract (version 1); TB_ECONFLICT for an unknown agency or
 * a period that ends before it starts. */
int	store_contract_insert(struct store_conn *c,
	    const struct store_contract *k);
/* Rewrites every changeable column of contract k->id if its version is
 * still version (then version + 1); errors as store_system_update. */
int	store_contract_update(struct store_conn *c,
	    const struct store_contract *k, int64_t version);
int	store_contract_get(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const struct store_contract *), void *arg);
/* Scans contracts by (agency, vendor, id) of agency (NULL: every agency)
 * after contract after_id, at most limit (0: no limit). */
int	store_contract_scan(struct store_conn *c, const char *agency,
	    int64_t after_id, int64_t limit,
	    int (*fn)(void *, const struct store_contract *), void *arg);

/*
 * Sets agency (of size len) to incident id's agency.  TB_ENOTFOUND when
 * there is no such incident, TB_ETOOBIG when the code does not fit.
 */
int	store_evidence_incident(struct store_conn *c, int64_t id,
	    char *agency, size_t len);

/* The preservation path chosen for one affected system (P25). */
struct store_preservation {
	int64_t		 id;
	int64_t		 incident;
	int64_t		 system_id;	/* 0: not in the registry */
	const char	*system_name;
	const char	*path;		/* no_standby, standby, standby_hit */
	int64_t		 created_by;
	const char	*created_by_name;	/* read only (username) */
	int64_t		 created_at;
};

/* One step done. */
struct store_preservation_step {
	int64_t		 preservation;
	const char	*step;
	int64_t		 at;
	const char	*note;		/* NULL when none */
	int64_t		 recorded_by;
	const char	*recorded_by_name;	/* read only */
	int64_t		 recorded_at;
};

/* TB_ECONFLICT when the incident already has this system on this path. */
int	store_preservation_insert(struct store_conn *c,
	    const struct store_preservation *p);
int	store_preservation_get(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const struct store_preservation *), void *arg);
/* Scans an incident's preservations by (created_at, id). */
int	store_preservation_scan(struct store_conn *c, int64_t incident,
	    int (*fn)(void *, const struct store_preservation *), void *arg);
/* TB_ECONFLICT when the step is already recorded. */
int	store_preservation_step_insert(struct store_conn *c,
	    const struct store_preservation_step *st);
/* Scans a preservation's steps by (at, step). */
int	store_preservation_step_scan(struct store_conn *c,
	    int64_t preservation,
	    int (*fn)(void *, const struct store_preservation_step *),
	    void *arg);

/* An evidence item (P27). */
struct store_evidence {
	int64_t		 id;
	int64_t		 incident;
	const char	*agency;	/* read only: the incident's */
	const char	*name;		/* file name; NULL when none */
	const char	*what;
	const char	*location;
	const char	*collected_by;
	int64_t		 collected_at;
	int64_t		 size;		/* -1: unknown */
	const char	*sha256;	/* lower-case hex */
	int64_t		 stored;	/* 1: the file is held here */
	int64_t		 suspected_malware;
	int64_t		 virus_check_submitted_at;	/* 0: not yet */
	const char	*virus_check_reference;		/* NULL: not yet */
	int64_t		 created_by;
	const char	*created_by_name;	/* read only */
	int64_t		 created_at;
	int64_t		 updated_at;
};

int	store_evidence_insert(struct store_conn *c,
	    const struct store_evidence *e);
int	store_evidence_get(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const struct store_evidence *), void *arg);
/* Scans an incident's items by (created_at, id) after item after_id. */
int	store_evidence_scan(struct store_conn *c, int64_t incident,
	    int64_t after_id, int64_t limit,
	    int (*fn)(void *, const struct store_evidence *), void *arg);
/*
 * Marks item id suspected malware and, when reference is not NULL,
 * records its VirusCheck submission (P27).  TB_ENOTFOUND when none.
 */
int	store_evidence_mark_malware(struct store_conn *c, int64_t id,
	    int64_t submitted_at, const char *reference, int64_t now);

/* One entry of an item's chain of custody (P27). */
struct store_custody {
	int64_t		 evidence;
	int64_t		 seq;		/* set by append: 1, 2, 3 ... */
	const char	*kind;		/* collected, uploaded, handover,
					   download */
	const char	*from;		/* NULL on a first entry */
	const char	*to;
	int64_t		 at;
	const char	*purpose;	/* NULL when none */
	int64_t		 recorded_by;	/* 0: nobody signed in */
	const char	*recorded_by_name;	/* read only */
	int64_t		 recorded_at;
};

/* Appends an entry after the item's last one, setting e->seq. */
int	store_custody_append(struct store_conn *c, struct store_custody *e);
/* Scans an item's chain in order (by seq). */
int	store_custody_scan(struct store_conn *c, int64_t evidence,
	    int (*fn)(void *, const struct store_custody *), void *arg);

/* --- notifications (store_notify.c, migration 5) --------------------- */

/*
 * One outbox message.  To insert, strings are borrowed for the call; as
 * read (store_outbox_get(), store_outbox_list()), they are valid during
 * the callback only and NULL columns read as NULL and 0.
 */
struct store_outbox {
	int64_t		 id;
	const char	*idempotency_key;
	const char	*kind;
	const char	*channel;	/* "email" or "webhook" */
	int64_t		 recipient_id;	/* 0: none */
	const char	*address;	/* e-mail address or webhook URL */
	const char	*subject;
	const char	*body_text;
	const char	*body_html;
	const char	*payload;	/* JSON text */
	int64_t		 incident_id;	/* 0: none */
	int64_t		 created_at;
	const char	*state;		/* pending, sending, sent, dead */
	int64_t		 attempts;
	int64_t		 next_attempt_at;
	int64_t		 retry_from;	/* the retry window starts here */
	const char	*last_error;
	int64_t		 sent_at;	/* 0: not sent */
	const char	*recipient_username;	/* read only */
	const char	*recipient_name;	/* read only */
};

/*
 * Inserts a pending message (retry_from = created_at) unless its key is
 * present: then nothing changes and *inserted is 0.  Writer in a
 * transaction, else TB_EINVAL (also for a missing field).
 */
int	store_outbox_insert(struct store_conn *c, const struct store_outbox *m,
	    int *inserted);
/*
 * Claims up to cap messages due at now (pending, or sending with an
 * expired lease) in next_attempt_at order: each becomes sending, its
 * attempts go up by one and it is leased until lease_until.  Their ids go
 * to ids[0..*n).  Writer in a transaction.
 */
int	store_outbox_claim(struct store_conn *c, int64_t now,
	    int64_t lease_until, int64_t *ids, size_t cap, size_t *n);
/* Records the outcome of a claimed message: state "sent" (sent_at > 0),
 * "pending" (try again at next_attempt_at) or "dead".  TB_ENOTFOUND when
 * it is no longer sending.  Writer in a transaction. */
int	store_outbox_finish(struct store_conn *c, int64_t id,
	    const char *state, int64_t next_attempt_at,
	    const char *last_error, int64_t sent_at);
/* Empties the text and payload of a sent message whose text held a
 * secret (a reachability link: its token is otherwise stored only
 * hashed).  Writer in a transaction. */
int	store_outbox_redact(struct store_conn *c, int64_t id);
/* Makes every sending message pending and due at now (a process that
 * was killed left them); *n gets their number.  Writer in a transaction. */
int	store_outbox_recover(struct store_conn *c, int64_t now, int64_t *n);
/* The earliest next_attempt_at of the messages not yet done; *found 0
 * when there are none. */
int	store_outbox_next(struct store_conn *c, int64_t *at, int *found);
/* Makes a dead message pending again, due at now, with a new retry
 * window.  TB_ENOTFOUND when it is not dead.  Writer in a transaction. */
int	store_outbox_retry(struct store_conn *c, int64_t id, int64_t now);
/* Calls fn with message id; TB_ENOTFOUND; else what fn returned. */
int	store_outbox_get(struct store_conn *c, int64_t id,
	    int (*fn)(void *, const struct store_outbox *), void *arg);

/* As store_outbox_get() for the message with that idempotency key. */
int	store_outbox_get_key(struct store_conn *c, const char *key,
	    int (*fn)(void *, const struct store_outbox *), void *arg);

/* A page of messages: of one incident or in one state (exactly one),
 * after the cursor (after_created, after_id), in (created_at, id) order. */
struct store_outbox_page {
	int64_t		 incident_id;	/* or 0 */
	const char	*state;		/* or NULL */
	int64_t		 after_created;	/* INT64_MIN: from the start */
	int64_t		 after_id;
	int64_t		 limit;
};

/* Calls fn for each message of the page until fn returns non-zero. */
int	store_outbox_list(struct store_conn *c,
	    const struct store_outbox_page *pg,
	    int (*fn)(void *, const struct store_outbox *), void *arg);

/* A person's notification preferences. */
struct store_notify_prefs {
	int64_t		 user_id;
	int		 email;		/* 0 or 1 */
	int		 webhook;	/* 0 or 1 */
	char		 locale[8];	/* "zh-TW", "en", or "": the
					   account's language */
	int64_t		 updated_at;	/* 0: never set */
};

/* Reads them, or the defaults (both on, locale "") when never set. */
int	store_notify_prefs_get(struct store_conn *c, int64_t user_id,
	    struct store_notify_prefs *out);
/* Sets them.  Writer in a transaction; TB_ECONFLICT for an unknown user
 * or locale. */
int	store_notify_prefs_put(struct store_conn *c,
	    const struct store_notify_prefs *p);

/* A person as notifications need them; "" for NULL columns. */
struct store_notify_person {
	int64_t		 id;
	char		 username[64];
	char		 name[512];
	char		 agency[64];
	char		 email[512];
	char		 taipeion_id[128];
	char		 lang[8];
	char		 locale[8];	/* preferred, else lang */
	int		 active;
	int		 email_on;
	int		 webhook_on;
};

/* Reads user id with their preferences; TB_ENOTFOUND. */
int	store_notify_person(struct store_conn *c, int64_t id,
	    struct store_notify_person *out);
/* Calls fn(arg, user id, agency) for the active holders of role at agency,
 * or (agency NULL) at every active agency, until fn returns non-zero. */
int	store_notify_role_holders(struct store_conn *c, const char *agency,
	    const char *role, int (*fn)(void *, int64_t, const char *),
	    void *arg);

struct store_notify_agency {
	char		 code[64];
	char		 name[512];
	char		 superior[64];	/* "" when none */
	char		 supervisor[64];
	int		 active;
};

/* Reads agency code; TB_ENOTFOUND. */
int	store_notify_agency(struct store_conn *c, const char *code,
	    struct store_notify_agency *out);
/* Sets *exists when the table name exists (another issue's migration
 * may not be applied by a binary built without it). */
int	store_notify_has_table(struct store_conn *c, const char *name,
	    int *exists);
/* Calls fn(arg, user id, agency, "window" or "deputy") for the roster's
 * assignments in force at `at` of active people, at agency or (NULL) at
 * every active agency, until fn returns non-zero. */
int	store_notify_windows(struct store_conn *c, const char *agency,
	    int64_t at, int (*fn)(void *, int64_t, const char *,
	    const char *), void *arg);

/* An incident as messages show it; "" for NULL columns. */
struct store_notify_incident {
	int64_t		 id;
	char		 agency[64];
	char		 agency_name[512];
	char		 title[1024];
	int64_t		 level;
	int64_t		 exercise;
	int64_t		 aware_at;
	char		 state[16];
	char		 superior[64];	/* of its agency; "" when none */
	char		 supervisor[64];
};

/* Reads incident id; TB_ENOTFOUND. */
int	store_notify_incident(struct store_conn *c, int64_t id,
	    struct store_notify_incident *out);
/* Calls fn(arg, agency code) for each agency the incident affects (P12). */
int	store_notify_affected(struct store_conn *c, int64_t incident,
	    int (*fn)(void *, const char *), void *arg);

/* An obligation with what a reminder says of its incident; strings valid
 * during the callback only; times STORE_TIME_NONE when NULL. */
struct store_notify_obligation {
	int64_t		 incident_id;
	const char	*name;
	const char	*subject;
	int64_t		 period;
	const char	*agency;	/* the agency that owes it */
	int64_t		 start_at;
	int64_t		 due_at;
	int64_t		 overdue_from;
	const char	*state;		/* open, met, met_late, ... */
	int64_t		 met_at;
	const char	*title;
	const char	*agency_name;
	int64_t		 level;		/* the incident's, in force */
	int64_t		 exercise;
};

/* One row of the reminder schedule (its key, and the state kept). */
struct store_sched {
	int64_t		 incident_id;
	const char	*obligation;
	const char	*subject;
	int64_t		 period;
	int		 stage_sent;	/* highest stage passed, 0: none */
	int64_t		 next_at;	/* <= 0: nothing more is due */
};

/* Calls fn for each obligation of the incident. */
int	store_notify_obligations(struct store_conn *c, int64_t incident,
	    int (*fn)(void *, const struct store_notify_obligation *),
	    void *arg);
/* Calls fn with the obligation key names (its incident, obligation,
 * subject and period); TB_ENOTFOUND when it is gone. */
int	store_notify_obligation(struct store_conn *c,
	    const struct store_sched *key,
	    int (*fn)(void *, const struct store_notify_obligation *),
	    void *arg);
/* The overdue, unmet obligations of real (not exercise) incidents at now,
 * the longest overdue first: *count of them in all, fn for the first
 * limit. */
int	store_notify_overdue(struct store_conn *c, int64_t now, int64_t limit,
	    int64_t *count,
	    int (*fn)(void *, const struct store_notify_obligation *),
	    void *arg);

/* Reads the stage sent and next_at (0: none) for key (*found 0 when the
 * row is missing). */
int	store_sched_get(struct store_conn *c, const struct store_sched *key,
	    int *stage_sent, int64_t *next_at, int *found);
/* Calls fn for each schedule row of one incident, in no set order (one
 * range of the primary key: one lookup for all its rows, and a new
 * incident's lookup finds none); the strings of each row are valid during
 * the call only.  Stops at the first error fn returns. */
int	store_sched_of(struct store_conn *c, int64_t incident_id,
	    int (*fn)(void *, const struct store_sched *), void *arg);
/* Inserts or replaces a row.  Writer in a transaction. */
int	store_sched_put(struct store_conn *c, const struct store_sched *r,
	    int64_t now);
/* The earliest next_at; *found 0 when nothing is scheduled. */
int	store_sched_next(struct store_conn *c, int64_t *at, int *found);
/* Calls fn for up to limit rows due at now, earliest first.  The strings
 * of each row are valid during the call only. */
int	store_sched_due(struct store_conn *c, int64_t now, int64_t limit,
	    int (*fn)(void *, const struct store_sched *), void *arg);
/*
 * Schedules, due at now, the open obligations with a due time from *from
 * on that the schedule lacks, one page at a time: those among the next
 * `page` (and any sharing the last one's due time).  *added gets their
 * number, *from where the next page begins, STORE_DUE_NONE after the last
 * (TB_EINVAL when called with it).  Each page is its own transaction, so
 * that the writer is held for one page, not for every open obligation of
 * the city.  Writer in a transaction.
 */
int	store_sched_discover(struct store_conn *c, int64_t *from, int64_t now,
	    int64_t page, int64_t *added);

/* A reachability check (P7); note is valid during the callback only. */
struct store_reach_check {
	int64_t		 id;
	int64_t		 created_at;
	int64_t		 created_by;	/* 0: none */
	int64_t		 expires_at;
	const char	*note;		/* NULL: none */
};

/* One person asked to confirm, as read; strings valid during the call. */
struct store_reach_target {
	int64_t		 check_id;
	int64_t		 user_id;
	const char	*username;
	const char	*name;
	const char	*agency;
	const char	*agency_name;
	const char	*kind;		/* "window" or "deputy" */
	int64_t		 sent_at;
	int64_t		 confirmed_at;	/* 0: not yet */
	int64_t		 expires_at;	/* of the check */
};

/* Inserts a check; writer in a transaction. */
int	store_reach_check_insert(struct store_conn *c,
	    const struct store_reach_check *k);
/* Inserts a person to confirm, with the hash of their token. */
int	store_reach_target_insert(struct store_conn *c, int64_t check_id,
	    int64_t user_id, const char *agency, const char *kind,
	    const char *token_hash, int64_t sent_at);
/*
 * Confirms the person holding the token of token_hash at now, unless done
 * before or the check expired (*changed says whether this call did), then
 * calls fn with the row.  TB_ENOTFOUND for an unknown token.  Writer in a
 * transaction.
 */
int	store_reach_confirm(struct store_conn *c, const char *token_hash,
	    int64_t now, int *changed,
	    int (*fn)(void *, const struct store_reach_target *), void *arg);
/* Reads check id and its counts; fn (may be NULL) sees the note. */
int	store_reach_check_get(struct store_conn *c, int64_t id,
	    struct store_reach_check *out, int64_t *total, int64_t *confirmed,
	    int (*fn)(void *, const struct store_reach_check *), void *arg);
/* Calls fn for the people of a check (only those yet to confirm when
 * unconfirmed_only), by agency, window first. */
int	store_reach_targets(struct store_conn *c, int64_t check_id,
	    int unconfirmed_only,
	    int (*fn)(void *, const struct store_reach_target *), void *arg);

/* --- after the fire (store_closure.c, migration 7) ------------------- */

/*
 * Improvement actions (P29-P31), DoIT's investigation report and the
 * lessons learned (P31, P33), and signatures (P32).  Strings are
 * borrowed: from the caller when writing, valid during the callback when
 * read.  Writes need the writer inside a transaction (else TB_EINVAL).
 * Times are STORE_TIME_NONE when NULL.
 */

/* An improvement action. */
struct store_improvement {
	int64_t		 id;
	int64_t		 incident;
	const char	*agency;	/* the incident's */
	const char	*term;		/* short, medium, long */
	const char	*title;
	const char	*owner;
	const char	*due_on;	/* Taipei date YYYY-MM-DD */
	const char	*status;	/* open, in_progress, done */
	int64_t		 done_at;	/* STORE_TIME_NONE unless done */
	int64_t		 created_by;
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 version;
	/* Read only: who created it, and of the incident and its agency. */
	const char	*created_by_name;
	const char	*incident_title;
	const char	*incident_state;
	const char	*agency_name;
	int64_t		 exercise;
};

/* Inserts an action (version 1).  TB_ECONFLICT for a duplicate id, an
 * unknown incident, agency or creator, or a value outside its set (a
 * done action needs done_at, any other none). */
int	store_improvement_insert(struct store_conn *c,
	    const struct store_improvement *m);
/*
 * Rewrites the title, owner, due_on, status, done_at and updated_at of
 * action m->id of incident m->incident and sets its version to version +
 * 1, only if its version is still version: TB_ECONFLICT when it is not
 * (or a value is outside its set), TB_ENOTFOUND when the incident has no
 * such action.
 */
int	store_improvement_update(struct store_conn *c,
	    const struct store_improvement *m, int64_t version);
/* Calls fn with action id of incident; TB_ENOTFOUND when none. */
int	store_improvement_get(struct store_conn *c, int64_t incident,
	    int64_t id, int (*fn)(void *, const struct store_improvement *),
	    void *arg);
/* Calls fn with each action of incident, by (created_at, id), until fn
 * returns non-zero; fn must not start another scan of actions on c. */
int	store_improvement_scan(struct store_conn *c, int64_t incident,
	    int (*fn)(void *, const struct store_improvement *), void *arg);

/* Which actions store_improvement_list() visits, by (due_on, id). */
struct store_improvement_filter {
	const char	*agency;	/* this agency and those below; NULL */
	int		 status;	/* 0 any, 1 not done (open or in
					   progress), 2 done */
	int		 closed;	/* -1 any, 1 of closed incidents, 0 of
					   the others */
	int		 exercise;	/* -1 any, 0 or 1 */
	/* A cursor: actions after (after_due, after_id); after_id 0 means
	 * from the start. */
	const char	*after_due;
	int64_t		 after_id;
};

/*
 * Calls fn for up to limit actions of the incidents of scope (see struct
 * store_scope; `notified` is not used: another agency's actions are not
 * its to track) matching f, until fn returns non-zero.
 */
int	store_improvement_list(struct store_conn *c,
	    const struct store_scope *scope,
	    const struct store_improvement_filter *f, int64_t limit,
	    int (*fn)(void *, const struct store_improvement *), void *arg);

/* A document of an incident: "investigation" or "lessons". */
struct store_incident_doc {
	int64_t		 incident;
	const char	*kind;
	const char	*body;		/* a JSON object text */
	int64_t		 updated_by;
	const char	*updated_by_name;	/* the username */
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 version;
};

/* Calls fn with the document kind of incident; TB_ENOTFOUND when none. */
int	store_incident_doc_get(struct store_conn *c, int64_t incident,
	    const char *kind,
	    int (*fn)(void *, const struct store_incident_doc *), void *arg);
/*
 * Writes d: with version 0 a new document (version 1; TB_ECONFLICT when
 * one exists), else the body, updated_by(_name) and updated_at of the
 * existing one if its version is still version (then version + 1;
 * TB_ECONFLICT when stale, TB_ENOTFOUND when there is none).
 */
int	store_incident_doc_put(struct store_conn *c,
	    const struct store_incident_doc *d, int64_t version);

/* One signature of a record (P32). */
struct store_signature {
	int64_t		 id;
	int64_t		 incident;
	const char	*record;
	const char	*role;		/* responsible, ciso */
	int64_t		 signer;
	const char	*signer_username;
	const char	*signer_name;
	int64_t		 signed_at;
	const char	*hash;		/* SHA-256 of canonical, hex */
	const char	*canonical;	/* the JSON text signed */
	int64_t		 event_seq;	/* its `signed` event */
};

/* Inserts a signature; TB_ECONFLICT for a duplicate id or event_seq, an
 * unknown incident or signer, or a value outside its set. */
int	store_signature_insert(struct store_conn *c,
	    const struct store_signature *g);
/* Calls fn with each signature of incident by (record, event_seq) until
 * fn returns non-zero. */
int	store_signature_scan(struct store_conn *c, int64_t incident,
	    int (*fn)(void *, const struct store_signature *), void *arg);

/* Sets *yes when an evidence item of incident is marked suspected
 * malware (P27, for P28). */
int	store_incident_has_malware(struct store_conn *c, int64_t incident,
	    int *yes);

#endif
