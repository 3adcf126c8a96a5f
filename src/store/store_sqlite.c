/*
 * store_sqlite.c: the SQLite driver behind store.h.
 *
 * Connection model (NOTES.md: one writer beat a connection per thread, whose
 * p99 reached 1.2 s): ONE writer connection, guarded by a mutex, and one
 * read-only reader connection per thread, found through a registry keyed by
 * the thread id with a one-entry thread-local cache in front of it.  In WAL
 * mode the readers never wait for the writer, and the writer never waits for
 * anybody but another process.
 *
 * Threading mode: every connection is opened with SQLITE_OPEN_NOMUTEX
 * ("multi-thread" mode).  That is correct because no connection is ever used
 * by two threads at once: a reader belongs to one thread, the writer is only
 * touched by the thread holding writer_mu, and the backup opens connections
 * of its own.  FULLMUTEX would add a mutex to every sqlite3_* call and
 * protect nothing more.  The library itself must be built thread-safe
 * (sqlite3_threadsafe() != 0), which store_sqlite_open() checks.
 *
 * Group commit (docs/internals/store.md): one fsync'd COMMIT per write
 * transaction would cap durable writes at what the disk syncs per second
 * (NOTES.md).  So the writer keeps one BEGIN IMMEDIATE open as a "batch":
 * each write transaction is a SAVEPOINT inside it (the first needs none),
 * rolled back alone with ROLLBACK TO, and released into the batch at its
 * commit.  A committing thread that sees others waiting for the writer
 * lends it to them and sleeps; the thread that finds nobody waiting (or
 * the batch full, or old) runs the one COMMIT and wakes the others with
 * its result.  No store_tx_commit() returns TB_OK before that COMMIT did.
 */
#define _GNU_SOURCE	/* renameat2() and RENAME_NOREPLACE */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/util.h"
#include "internal.h"

/*
 * Limits, each with its reason (sqliteLimit.h).
 */
/* How long a statement waits for a lock held by another process before it
 * fails with TB_EBUSY; within the process the writer mutex serialises. */
#define STORE_SQLITE_BUSY_MS		5000
/* Reader connections: one per thread that reads.  The server has a handful
 * of threads; a store needing more has leaked threads, which is refused
 * rather than left to exhaust file descriptors. */
#define STORE_SQLITE_MAX_READERS	64
/* Distinct statements cached per connection.  All SQL is fixed at compile
 * time (STYLE.md 16), so the set is finite and far below this; reaching it
 * means SQL built at run time, refused with TB_ETOOBIG.  Nothing is ever
 * evicted, because a caller may hold any statement it was handed. */
#define STORE_SQLITE_MAX_STMTS		512
/* Pages copied per sqlite3_backup_step() call (1 MiB at 4 KiB pages). */
#define STORE_SQLITE_BACKUP_PAGES	256
/* Retries of a backup step that found a lock, 10 ms apart. */
#define STORE_SQLITE_BACKUP_RETRIES	500
/* Room for the reason a batch failed, kept for store_errmsg(). */
#define STORE_SQLITE_ERRMSG		160
/*
 * Checkpoints (docs/internals/store.md, "Checkpoints").  SQLite's own
 * automatic checkpoint runs inside the COMMIT that takes the WAL past
 * 1,000 pages, holding the one writer while it copies them all into the
 * database file and fsyncs it.  Here, once the WAL holds CKPT_PAGES after
 * a commit, a checkpointer thread copies them without holding anything;
 * the writer then copies only what was committed meanwhile (at most
 * CKPT_TAIL pages, else the checkpointer goes again), which completes the
 * checkpoint, so the next transaction starts the WAL over from its
 * beginning.  Should the WAL still reach CKPT_FORCE_PAGES (64 MiB at 4 KiB
 * pages: the checkpointer cannot keep up, or could not start) the writer
 * checkpoints at every commit, as SQLite would, so the WAL stays bounded
 * whatever happens.
 */
#define STORE_SQLITE_CKPT_PAGES		1000
#define STORE_SQLITE_CKPT_TAIL		256
#define STORE_SQLITE_CKPT_FORCE_PAGES	16384

struct sq_stmt {
	struct store_stmt	 base;		/* first: see internal.h */
	sqlite3_stmt		*stmt;
	const char		*key;		/* the SQL text pointer */
};

struct sq_conn {
	struct store_conn	 base;		/* first: see internal.h */
	sqlite3			*db;
	pthread_t		 owner;		/* reader: its thread */
	int			 depth;		/* reader: unreleased reads */
	int			 savepoint;	/* writer: this transaction is
						   a SAVEPOINT in the batch */
	/* writer: why the batch ended by the current holder failed, for
	 * store_errmsg() (the ROLLBACK after a failed COMMIT clears
	 * SQLite's own message); "" once the connection is used again. */
	char			 failed[STORE_SQLITE_ERRMSG];
	struct sq_stmt		**slots;	/* open addressing by key */
	size_t			 nslots;	/* 0 or a power of two */
	size_t			 nstmts;
};

struct sq_store {
	struct store		 base;		/* first: see internal.h */
	uint64_t		 id;		/* unique for the process */
	char			*path;
	pthread_mutex_t		 writer_mu;	/* ERRORCHECK: see below */
	struct sq_conn		*writer;
	pthread_mutex_t		 readers_mu;
	struct sq_conn		*readers[STORE_SQLITE_MAX_READERS];
	size_t			 nreaders;
	_Atomic uint64_t	 tx_commits;
	_Atomic uint64_t	 tx_rollbacks;
	_Atomic uint64_t	 write_wait_us;
	_Atomic uint64_t	 statements;
	_Atomic uint64_t	 errors;
	_Atomic uint64_t	 tx_batches;
	/*
	 * Group commit.  writer_waiting counts the threads blocked on
	 * writer_mu.  The batch fields belong to the holder of writer_mu:
	 * batch_open while the writer's BEGIN IMMEDIATE is open, batch_n
	 * transactions released into it, the first at batch_t0, and the
	 * threads sleeping until its COMMIT.  Whoever holds writer_mu with
	 * a batch open either adds to it or ends it before unlocking,
	 * except that it may leave a batch to a thread waiting for the
	 * writer, which then has the same duty.  batch_mu and batch_cv
	 * carry the result to the sleepers.
	 */
	atomic_int		 writer_waiting;
	int			 batch_open;
	int			 batch_n;
	int64_t			 batch_t0;
	struct sq_waiter	*batch_waiters;
	pthread_mutex_t		 batch_mu;
	pthread_cond_t		 batch_cv;
	/*
	 * The checkpointer: a thread with a connection of its own, started
	 * the first time the WAL reaches STORE_SQLITE_CKPT_PAGES.  The
	 * writer's WAL hook sets ckpt_wanted and signals; ckpt_running
	 * while it copies; ckpt_copied the WAL frames its last pass had
	 * copied (0 once the WAL started over); ckpt_stop ends it
	 * (sq_close).  All under ckpt_mu.
	 */
	pthread_mutex_t		 ckpt_mu;
	pthread_cond_t		 ckpt_cv;
	pthread_t		 ckpt_thread;
	int			 ckpt_started;
	int			 ckpt_failed;	/* could not start: never
						   again */
	int			 ckpt_wanted;
	int			 ckpt_running;
	int			 ckpt_copied;
	int			 ckpt_stop;
	_Atomic uint64_t	 checkpoints;
};

/* A thread sleeping until the COMMIT of the batch holding its work (or,
 * after a rollback, the work it may have read) returned. */
struct sq_waiter {
	struct sq_waiter	*next;
	int			 done;
	int			 rc;
	char			 errmsg[STORE_SQLITE_ERRMSG];
};

/* Store ids are never reused, so a thread-local cache entry naming a store
 * id can only ever mean that store (and it stays valid until store_close,
 * after which using the store at all is the caller's bug). */
static _Atomic uint64_t sq_next_id = 1;

static _Thread_local struct {
	uint64_t	 store_id;
	struct sq_conn	*conn;
} sq_tls;

/*
 * A thread whose commit lent the writer to another thread while it slept
 * still holds the writer in its caller's eyes until store_release(): lent
 * names that store (0: none; one at a time, so a thread holding the
 * writers of two stores lends only one).  errmsg keeps why its batch
 * failed, for store_errmsg(), since the connection is another's by then.
 */
static _Thread_local struct {
	uint64_t	 lent;
	char		 errmsg[STORE_SQLITE_ERRMSG];
} sq_wtls;

static const char sql_begin_immediate[] = "BEGIN IMMEDIATE";
static const char sql_begin[] = "BEGIN";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT tb_tx";
static const char sql_release[] = "RELEASE tb_tx";
static const char sql_rollback_to[] = "ROLLBACK TO tb_tx";
static const char sql_journal_wal[] = "PRAGMA journal_mode=WAL";
/*
 * synchronous=FULL: the WAL is fsynced at every commit, so TB_OK from
 * store_tx_commit() means durable (store.h).  journal_size_limit: after a
 * checkpoint the WAL file is cut back to 64 MiB, so one burst of writes
 * does not leave a large file behind for good.  trusted_schema=OFF: SQL
 * functions with side effects cannot hide in views or triggers.
 * cache_size: 64 MiB of pages (SQLite's default is 2 MiB); the writer's
 * inserts land on index pages spread over the file (by agency, by due
 * time, by a day's random ids), and a page the cache lost must be read
 * again and, if dirty, written to the WAL twice within one transaction.  temp_store=MEMORY:
 * every transaction of a batch but the first is a SAVEPOINT, whose
 * statement journal SQLite otherwise spills past 64 KiB into a temporary
 * file created, written and unlinked per transaction (strace: 165 such
 * files in 3 s of creates, a quarter of the obligation inserts' CPU in
 * their pwrite); in memory it holds one transaction's pages at most and
 * is emptied at each RELEASE.  Nothing durable is ever in it.
 */
static const char sql_writer_pragmas[] =
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA journal_size_limit=67108864;"
    "PRAGMA cache_size=-65536;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA trusted_schema=OFF";
static const char sql_reader_pragmas[] =
    "PRAGMA foreign_keys=ON;"
    "PRAGMA cache_size=-16384;"
    "PRAGMA trusted_schema=OFF";
static const char sql_table_exists[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
/* Starts the read transaction (and so pins the WAL snapshot) that the
 * backup copies from; a bare BEGIN would defer it to the first page read. */
static const char sql_backup_snapshot[] =
    "BEGIN; SELECT COUNT(*) FROM sqlite_master";
/* The copy is a temporary file until renamed; a crash leaves only the
 * temporary behind, so it needs no journal of its own. */
static const char sql_backup_dest_pragmas[] =
    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF";

static struct sq_store *
sq_store(struct store *st)
{
	return (struct sq_store *)st;
}

static struct sq_conn *
sq_conn(struct store_conn *c)
{
	return (struct sq_conn *)c;
}

static struct sq_stmt *
sq_stmt(struct store_stmt *s)
{
	return (struct sq_stmt *)s;
}

static struct sq_store *
sq_conn_store(struct sq_conn *c)
{
	return sq_store(c->base.st);
}

/* Maps an SQLite result code to the store's codes (store.h, store_step). */
static int
sq_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return TB_OK;
	case SQLITE_CONSTRAINT:
		return TB_ECONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return TB_EBUSY;
	default:
		return TB_ESTORE;
	}
}

/* Maps the result of a sqlite3_bind_*() call. */
static int
sq_bind_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return TB_OK;
	case SQLITE_RANGE:
		return TB_EINVAL;
	case SQLITE_TOOBIG:
		return TB_ETOOBIG;
	case SQLITE_NOMEM:
		return TB_ENOMEM;
	default:
		return TB_ESTORE;
	}
}

/*
 * Logs a failure of db and counts it.  A constraint violation is an
 * expected answer (a duplicate username), so it is logged at debug level and
 * not counted as a driver error.
 */
static void
sq_log(struct sq_store *st, sqlite3 *db, int rc, const char *what,
    const char *sql)
{
	char	 code[16];
	int	 err = sq_err(rc);

	if (tb_snprintf(code, sizeof(code), "%d", rc) != TB_OK)
		code[0] = '\0';
	if (err != TB_ECONFLICT && st != NULL)
		atomic_fetch_add_explicit(&st->errors, 1,
		    memory_order_relaxed);
	log_kv(err == TB_ECONFLICT ? LOG_DEBUG : LOG_ERROR, "store_error",
	    "op", what, "code", code,
	    "error", db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
	    "sql", sql != NULL ? sql : "", (const char *)NULL);
}

/* Resets every statement of db that was stepped but not finished, ending
 * the read transaction (and WAL snapshot) it would otherwise hold open. */
static void
sq_reset_busy(sqlite3 *db)
{
	sqlite3_stmt	*p = NULL;

	while ((p = sqlite3_next_stmt(db, p)) != NULL)
		if (sqlite3_stmt_busy(p))
			sqlite3_reset(p);
}

/*
 * The statement cache: open addressing with linear probing, keyed by the
 * SQL text pointer (store.h: callers pass literals).  Nothing is removed
 * before the connection closes, so probing needs no tombstones.
 */
static size_t
sq_slot_of(const char *key, size_t nslots)
{
	uint64_t	 h = (uint64_t)(uintptr_t)key;

	/* Fibonacci hashing: string literals are aligned, so the low bits
	 * alone would crowd into few slots. */
	h *= UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> 32) & (nslots - 1);
}

static struct sq_stmt *
sq_cache_find(struct sq_conn *c, const char *key)
{
	size_t	 i;

	if (c->nslots == 0)
		return NULL;
	for (i = sq_slot_of(key, c->nslots); c->slots[i] != NULL;
	    i = (i + 1) & (c->nslots - 1))
		if (c->slots[i]->key == key)
			return c->slots[i];
	return NULL;
}

static void
sq_cache_put(struct sq_stmt **slots, size_t nslots, struct sq_stmt *s)
{
	size_t	 i;

	for (i = sq_slot_of(s->key, nslots); slots[i] != NULL;
	    i = (i + 1) & (nslots - 1))
		continue;
	slots[i] = s;
}

/* Makes room for one more statement, keeping the load at most one half. */
static int
sq_cache_reserve(struct sq_conn *c)
{
	struct sq_stmt	**ns;
	size_t		 n, i;

	if (c->nstmts >= STORE_SQLITE_MAX_STMTS)
		return TB_ETOOBIG;
	if ((c->nstmts + 1) * 2 <= c->nslots)
		return TB_OK;
	n = c->nslots == 0 ? 32 : c->nslots * 2;
	if ((ns = calloc(n, sizeof(*ns))) == NULL)
		return TB_ENOMEM;
	for (i = 0; i < c->nslots; i++)
		if (c->slots[i] != NULL)
			sq_cache_put(ns, n, c->slots[i]);
	free(c->slots);
	c->slots = ns;
	c->nslots = n;
	return TB_OK;
}

static void
sq_conn_close(struct sq_conn *c)
{
	size_t	 i;
	int	 rc;

	if (c == NULL)
		return;
	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i] == NULL)
			continue;
		sqlite3_finalize(c->slots[i]->stmt);
		free(c->slots[i]);
	}
	free(c->slots);
	if (c->db != NULL && (rc = sqlite3_close(c->db)) != SQLITE_OK) {
		/* Only a statement prepared outside the cache could hold
		 * the connection open; none should exist. */
		sq_log(NULL, c->db, rc, "close", NULL);
		sqlite3_close_v2(c->db);
	}
	free(c);
}

/* Runs one statement that returns one text row and copies the text. */
static int
sq_pragma_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt	*p = NULL;
	const char	*v;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &p, NULL)) != SQLITE_OK)
		goto out;
	if ((rc = sqlite3_step(p)) != SQLITE_ROW)
		goto out;
	v = (const char *)sqlite3_column_text(p, 0);
	if (tb_strlcpy(out, v != NULL ? v : "", outlen) != TB_OK)
		out[0] = '\0';
	rc = SQLITE_OK;
out:
	sqlite3_finalize(p);
	return rc;
}

/*
 * Copies the WAL's committed pages into the database file without waiting
 * for (or blocking) the writer or the readers.  Returns how many frames of
 * the WAL are copied now, -1 on failure.
 */
static int
sq_checkpoint(struct sq_store *st, sqlite3 *db)
{
	int	 rc, log = 0, copied = 0;

	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, &copied);
	/* BUSY: another connection is checkpointing; it does the work. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		sq_log(st, db, rc, "checkpoint", NULL);
		return -1;
	}
	atomic_fetch_add_explicit(&st->checkpoints, 1, memory_order_relaxed);
	return copied;
}

static void *
sq_ckpt_main(void *arg)
{
	struct sq_store	*st = arg;
	sqlite3		*db = NULL;
	int		 rc, copied;

	/* Read-write: a checkpoint writes the database file; it writes
	 * nothing else.  synchronous=FULL: the file is fsynced before the
	 * WAL may be reused. */
	rc = sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, STORE_SQLITE_BUSY_MS);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL,
		    NULL);
	if (rc != SQLITE_OK) {
		sq_log(st, db, rc, "checkpoint_open", st->path);
		sqlite3_close_v2(db);
		db = NULL;
	}
	pthread_mutex_lock(&st->ckpt_mu);
	for (;;) {
		while (!st->ckpt_wanted && !st->ckpt_stop)
			pthread_cond_wait(&st->ckpt_cv, &st->ckpt_mu);
		if (st->ckpt_stop)
			break;
		st->ckpt_wanted = 0;
		st->ckpt_running = 1;
		pthread_mutex_unlock(&st->ckpt_mu);
		/* Without a connection the writer's own checkpoint at
		 * STORE_SQLITE_CKPT_FORCE_PAGES keeps the WAL bounded. */
		copied = db != NULL ? sq_checkpoint(st, db) : -1;
		pthread_mutex_lock(&st->ckpt_mu);
		st->ckpt_running = 0;
		st->ckpt_copied = copied > 0 ? copied : 0;
	}
	pthread_mutex_unlock(&st->ckpt_mu);
	if (db != NULL && (rc = sqlite3_close(db)) != SQLITE_OK) {
		sq_log(st, db, rc, "close", NULL);
		sqlite3_close_v2(db);
	}
	return NULL;
}

/*
 * The writer's WAL hook, run after each COMMIT by the thread holding the
 * writer, with the frames now in the WAL (in place of SQLite's automatic
 * checkpoint): finishes a checkpoint the checkpointer has nearly done, or
 * sets it going (starting it the first time).  Returns SQLITE_OK always:
 * the commit is done whatever happens here.
 */
static int
sq_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sq_store	*st = arg;
	int		 self;

	(void)name;
	pthread_mutex_lock(&st->ckpt_mu);
	if (pages < STORE_SQLITE_CKPT_PAGES) {
		/* The WAL started over: what was copied is gone. */
		if (!st->ckpt_running)
			st->ckpt_copied = 0;
		pthread_mutex_unlock(&st->ckpt_mu);
		return SQLITE_OK;
	}
	if (!st->ckpt_started && !st->ckpt_failed && !st->ckpt_stop) {
		if (pthread_create(&st->ckpt_thread, NULL, sq_ckpt_main, st)
		    == 0)
			st->ckpt_started = 1;
		else {
			st->ckpt_failed = 1;
			log_kv(LOG_WARN, "store_checkpointer_failed", "error",
			    "cannot start the checkpoint thread",
			    (const char *)NULL);
		}
	}
	self = !st->ckpt_started || pages >= STORE_SQLITE_CKPT_FORCE_PAGES;
	if (!self && !st->ckpt_running) {
		if (st->ckpt_copied > 0 &&
		    pages - st->ckpt_copied <= STORE_SQLITE_CKPT_TAIL)
			self = 1;	/* the tail: finish it here */
		else {
			st->ckpt_wanted = 1;
			pthread_cond_signal(&st->ckpt_cv);
		}
	}
	if (self)
		st->ckpt_copied = 0;
	pthread_mutex_unlock(&st->ckpt_mu);
	if (self)
		sq_checkpoint(st, db);
	return SQLITE_OK;
}

/* Stops the checkpointer, if it runs, and waits for it. */
static void
sq_ckpt_stop(struct sq_store *st)
{
	int	 started;

	pthread_mutex_lock(&st->ckpt_mu);
	st->ckpt_stop = 1;
	started = st->ckpt_started;
	st->ckpt_started = 0;
	pthread_cond_signal(&st->ckpt_cv);
	pthread_mutex_unlock(&st->ckpt_mu);
	if (started)
		pthread_join(st->ckpt_thread, NULL);
}

/* Opens and configures one connection to st's file. */
static int
sq_conn_open(struct sq_store *st, int writer, struct sq_conn **out)
{
	struct sq_conn	*c;
	char		 mode[16];
	int		 flags, rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return TB_ENOMEM;
	c->base.st = &st->base;
	c->base.writer = writer;
	c->owner = pthread_self();
	/* Readers are read-only so that a write can only ever go through
	 * the mutex-guarded writer. */
	flags = SQLITE_OPEN_NOMUTEX | (writer ?
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
	if ((rc = sqlite3_open_v2(st->path, &c->db, flags, NULL)) !=
	    SQLITE_OK) {
		sq_log(st, c->db, rc, "open", st->path);
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	if ((rc = sqlite3_busy_timeout(c->db, STORE_SQLITE_BUSY_MS)) !=
	    SQLITE_OK)
		goto fail_log;
	/* Refuse the statements that can corrupt a database file (writable
	 * schema, raw page writes) whatever SQL reaches the connection. */
	if ((rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1,
	    (int *)NULL)) != SQLITE_OK)
		goto fail_log;
	if (writer) {
		if ((rc = sq_pragma_text(c->db, sql_journal_wal, mode,
		    sizeof(mode))) != SQLITE_OK)
			goto fail_log;
		if (strcmp(mode, "wal") != 0) {
			log_kv(LOG_ERROR, "store_error", "op", "open",
			    "error", "WAL mode refused", "journal_mode", mode,
			    "path", st->path, (const char *)NULL);
			goto fail;
		}
		rc = sqlite3_exec(c->db, sql_writer_pragmas, NULL, NULL,
		    NULL);
		/* Replaces SQLite's automatic checkpoint (sq_wal_hook). */
		sqlite3_wal_hook(c->db, sq_wal_hook, st);
	} else
		rc = sqlite3_exec(c->db, sql_reader_pragmas, NULL, NULL,
		    NULL);
	if (rc != SQLITE_OK)
		goto fail_log;
	*out = c;
	return TB_OK;
fail_log:
	sq_log(st, c->db, rc, "open", st->path);
fail:
	sq_conn_close(c);
	return TB_ESTORE;
}

/* Creates the folders above path (mode 0700) that do not exist yet. */
static int
sq_mkdir_parents(const char *path)
{
	char	*p, *q;
	int	 rc = TB_OK;

	p = xstrdup(path);
	for (q = p + 1; (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			log_kv(LOG_ERROR, "store_error", "op", "mkdir",
			    "path", p, "error", strerror(errno),
			    (const char *)NULL);
			rc = TB_ESTORE;
			break;
		}
		*q = '/';
	}
	free(p);
	return rc;
}

static void
sq_close(struct store *base)
{
	struct sq_store	*st = sq_store(base);
	size_t		 i;

	if (st == NULL)
		return;
	/* The checkpointer first, then the readers: the last connection
	 * to close checkpoints the WAL and removes it, and that should be
	 * the writer. */
	sq_ckpt_stop(st);
	for (i = 0; i < st->nreaders; i++)
		sq_conn_close(st->readers[i]);
	sq_conn_close(st->writer);
	pthread_cond_destroy(&st->batch_cv);
	pthread_mutex_destroy(&st->batch_mu);
	pthread_cond_destroy(&st->ckpt_cv);
	pthread_mutex_destroy(&st->ckpt_mu);
	pthread_mutex_destroy(&st->readers_mu);
	pthread_mutex_destroy(&st->writer_mu);
	free(st->path);
	free(st);
}

static int
sq_open(const char *dsn, struct store **out)
{
	struct sq_store		*st = NULL;
	pthread_mutexattr_t	 attr;
	int			 fd, rc;

	*out = NULL;
	if (sqlite3_threadsafe() == 0) {
		log_kv(LOG_ERROR, "store_error", "op", "open", "error",
		    "libsqlite3 was built without thread support",
		    (const char *)NULL);
		return TB_ESTORE;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return TB_ENOMEM;
	st->base.drv = &store_sqlite_driver;
	st->id = atomic_fetch_add(&sq_next_id, 1);
	if ((st->path = strdup(dsn)) == NULL) {
		free(st);
		return TB_ENOMEM;
	}
	/* An error-checking mutex turns a thread asking for the writer it
	 * already holds into EDEADLK, reported, instead of a hang. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&st->writer_mu, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_mutex_init(&st->readers_mu, NULL);
	pthread_mutex_init(&st->batch_mu, NULL);
	pthread_cond_init(&st->batch_cv, NULL);
	pthread_mutex_init(&st->ckpt_mu, NULL);
	pthread_cond_init(&st->ckpt_cv, NULL);

	if ((rc = sq_mkdir_parents(st->path)) != TB_OK)
		goto fail;
	/* Create the file ourselves so that it is private from its first
	 * byte (it holds personal data); SQLite gives the -wal and -shm
	 * files the same mode. */
	if ((fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		log_kv(LOG_ERROR, "store_error", "op", "open", "path",
		    st->path, "error", strerror(errno), (const char *)NULL);
		rc = TB_ESTORE;
		goto fail;
	}
	close(fd);
	if ((rc = sq_conn_open(st, 1, &st->writer)) != TB_OK)
		goto fail;
	*out = &st->base;
	return TB_OK;
fail:
	sq_close(&st->base);
	return rc;
}

static int
sq_conn_read(struct store *base, struct store_conn **out)
{
	struct sq_store	*st = sq_store(base);
	struct sq_conn	*c = NULL;
	pthread_t	 self;
	size_t		 i;
	int		 rc = TB_OK;

	*out = NULL;
	if (sq_tls.store_id == st->id) {
		c = sq_tls.conn;
		goto found;
	}
	self = pthread_self();
	pthread_mutex_lock(&st->readers_mu);
	/* A thread that has ended may have left a reader whose thread id is
	 * now another thread's: that thread simply inherits it. */
	for (i = 0; i < st->nreaders; i++)
		if (pthread_equal(st->readers[i]->owner, self)) {
			c = st->readers[i];
			break;
		}
	if (c == NULL) {
		if (st->nreaders == STORE_SQLITE_MAX_READERS) {
			log_kv(LOG_ERROR, "store_error", "op", "read", "error",
			    "too many reader threads", (const char *)NULL);
			rc = TB_EBUSY;
		} else if ((rc = sq_conn_open(st, 0, &c)) == TB_OK)
			st->readers[st->nreaders++] = c;
	}
	pthread_mutex_unlock(&st->readers_mu);
	if (rc != TB_OK)
		return rc;
	sq_tls.store_id = st->id;
	sq_tls.conn = c;
found:
	c->depth++;
	*out = &c->base;
	return TB_OK;
}

/* Whether this thread lent st's writer in a commit and has not released
 * it yet. */
static int
sq_is_lent(const struct sq_store *st)
{
	return sq_wtls.lent == st->id;
}

/* Locks the writer, counting the thread as waiting and the time. */
static int
sq_writer_lock(struct sq_store *st)
{
	int64_t	 t0 = tb_mono_us();
	int	 rc;

	atomic_fetch_add(&st->writer_waiting, 1);
	rc = pthread_mutex_lock(&st->writer_mu);
	atomic_fetch_sub(&st->writer_waiting, 1);
	atomic_fetch_add_explicit(&st->write_wait_us,
	    (uint64_t)(tb_mono_us() - t0), memory_order_relaxed);
	if (rc != 0)
		log_kv(LOG_ERROR, "store_error", "op", "write", "error",
		    rc == EDEADLK ? "this thread already holds the writer" :
		    strerror(rc), (const char *)NULL);
	return rc;
}

static int
sq_conn_write(struct store *base, struct store_conn **out)
{
	struct sq_store	*st = sq_store(base);

	*out = NULL;
	/* A thread that lent the writer in a commit still holds it. */
	if (sq_is_lent(st)) {
		log_kv(LOG_ERROR, "store_error", "op", "write", "error",
		    "this thread already holds the writer",
		    (const char *)NULL);
		return TB_EINVAL;
	}
	if (sq_writer_lock(st) != 0)
		return TB_EINVAL;
	*out = &st->writer->base;
	return TB_OK;
}

/*
 * Takes the writer back for a thread that lent it in a commit and uses the
 * connection again before store_release() (several transactions on one
 * store_write()).  A no-op for readers and for a writer not lent.
 */
static int
sq_writer_reclaim(struct sq_conn *c)
{
	struct sq_store	*st = sq_conn_store(c);

	if (!c->base.writer || !sq_is_lent(st))
		return TB_OK;
	if (sq_writer_lock(st) != 0)
		return TB_EINVAL;
	sq_wtls.lent = 0;
	return TB_OK;
}

/* Runs one of the fixed transaction statements through the cache. */
static int
sq_run(struct sq_conn *c, const char *sql)
{
	struct sq_store	*st = sq_conn_store(c);
	struct sq_stmt	*s;
	int		 rc;

	if ((s = sq_cache_find(c, sql)) != NULL)
		sqlite3_reset(s->stmt);
	else {
		if ((rc = sq_cache_reserve(c)) != TB_OK)
			return rc;
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return TB_ENOMEM;
		s->base.conn = &c->base;
		s->key = sql;
		if ((rc = sqlite3_prepare_v3(c->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt, NULL)) != SQLITE_OK) {
			sq_log(st, c->db, rc, "prepare", sql);
			free(s);
			return sq_err(rc);
		}
		sq_cache_put(c->slots, c->nslots, s);
		c->nstmts++;
	}
	if ((rc = sqlite3_step(s->stmt)) != SQLITE_DONE) {
		sq_log(st, c->db, rc, "step", sql);
		sqlite3_reset(s->stmt);
		return sq_err(rc);
	}
	sqlite3_reset(s->stmt);
	return TB_OK;
}

/*
 * Ends the batch, the writer's open transaction: COMMIT when transactions
 * were released into it (ROLLBACK when none were, or when abandon is set:
 * its work cannot be kept), then hands the result to every thread
 * sleeping on it.  A failed COMMIT is rolled back and fails every
 * transaction of the batch with TB_ESTORE; none of them had been
 * acknowledged, so nothing acknowledged is lost.  Called by the holder
 * of the writer; returns the result of the COMMIT.
 */
static int
sq_batch_end(struct sq_store *st, struct sq_conn *c, int abandon)
{
	struct sq_waiter	*w, *next;
	char			 why[STORE_SQLITE_ERRMSG], num[24];
	uint64_t		 n = (uint64_t)st->batch_n;
	int			 rc = TB_OK;

	if (!st->batch_open)
		return TB_OK;
	why[0] = '\0';
	/* A statement left part way would make COMMIT fail. */
	sq_reset_busy(c->db);
	if (sqlite3_get_autocommit(c->db)) {
		/* An error (a full disk, an I/O error) in one of its
		 * statements rolled the whole transaction back already. */
		if (n > 0) {
			rc = TB_ESTORE;
			tb_strlcpy(why, "the transaction was rolled back by an "
			    "earlier error", sizeof(why));
		}
	} else if (n == 0 || abandon) {
		if (sq_run(c, sql_rollback) != TB_OK || n > 0) {
			rc = TB_ESTORE;
			tb_strlcpy(why, "abandoned", sizeof(why));
		}
	} else if (sq_run(c, sql_commit) != TB_OK) {
		rc = TB_ESTORE;
		tb_strlcpy(why, sqlite3_errmsg(c->db), sizeof(why));
		/* Most failures end the transaction; a deferred constraint
		 * (or BUSY) leaves it open, and nothing of it may stay. */
		if (!sqlite3_get_autocommit(c->db))
			sq_run(c, sql_rollback);
	}
	st->batch_open = 0;
	st->batch_n = 0;
	tb_strlcpy(c->failed, why, sizeof(c->failed));
	if (rc == TB_OK && n > 0) {
		atomic_fetch_add_explicit(&st->tx_commits, n,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&st->tx_batches, 1,
		    memory_order_relaxed);
	} else if (n > 0) {
		/* An error even when a constraint caused it: transactions
		 * that did nothing wrong fail with it. */
		atomic_fetch_add_explicit(&st->errors, 1,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&st->tx_rollbacks, n,
		    memory_order_relaxed);
		tb_snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
		log_kv(LOG_ERROR, "store_batch_failed", "transactions", num,
		    "error", why, (const char *)NULL);
	}
	pthread_mutex_lock(&st->batch_mu);
	for (w = st->batch_waiters; w != NULL; w = next) {
		/* Read before done is set: the sleeper then owns w again. */
		next = w->next;
		w->rc = rc;
		tb_strlcpy(w->errmsg, rc == TB_OK ? "not an error" : why,
		    sizeof(w->errmsg));
		w->done = 1;
	}
	st->batch_waiters = NULL;
	pthread_cond_broadcast(&st->batch_cv);
	pthread_mutex_unlock(&st->batch_mu);
	return rc;
}

/*
 * Whether the holder of the writer should leave the open batch to a thread
 * waiting for the writer, which will add its own transaction to it, rather
 * than end it now: only with group commit on, somebody waiting, room in
 * the batch and its first transaction not kept waiting too long.
 */
static int
sq_batch_lend(struct sq_store *st)
{
	return atomic_load(&st->base.group_commit) &&
	    atomic_load(&st->writer_waiting) > 0 &&
	    st->batch_n < st->base.batch_max &&
	    tb_mono_us() - st->batch_t0 < st->base.batch_max_us;
}

/*
 * Called by the holder of the writer once its transaction is in the batch
 * (or, after a rollback, once it may have read the batch's work): lends
 * the writer to a waiting thread and sleeps until the batch's COMMIT
 * returned, or ends the batch itself.  Returns the batch's result.  Having
 * lent the writer, the thread no longer holds writer_mu (sq_wtls.lent).
 */
static int
sq_batch_wait(struct sq_store *st, struct sq_conn *c)
{
	struct sq_waiter	 me;

	if (sq_wtls.lent != 0 || !sq_batch_lend(st))
		return sq_batch_end(st, c, 0);
	/* The next holder's COMMIT must not find our statements busy. */
	sq_reset_busy(c->db);
	memset(&me, 0, sizeof(me));
	me.next = st->batch_waiters;
	st->batch_waiters = &me;
	sq_wtls.lent = st->id;
	pthread_mutex_unlock(&st->writer_mu);
	pthread_mutex_lock(&st->batch_mu);
	while (!me.done)
		pthread_cond_wait(&st->batch_cv, &st->batch_mu);
	pthread_mutex_unlock(&st->batch_mu);
	tb_strlcpy(sq_wtls.errmsg, me.errmsg, sizeof(sq_wtls.errmsg));
	return me.rc;
}

/* Rolls back the writer's transaction: its savepoint alone, or the whole
 * batch when it is the batch's first (nothing else is in it then). */
static int
sq_writer_rollback(struct sq_store *st, struct sq_conn *c)
{
	int	 rc;

	c->base.in_tx = 0;
	atomic_fetch_add_explicit(&st->tx_rollbacks, 1, memory_order_relaxed);
	sq_reset_busy(c->db);
	if (sqlite3_get_autocommit(c->db) || !c->savepoint) {
		/* Either an error rolled everything back already, failing
		 * the batch, or this transaction was all of it. */
		c->savepoint = 0;
		sq_batch_end(st, c, 0);
		return TB_OK;
	}
	c->savepoint = 0;
	if ((rc = sq_run(c, sql_rollback_to)) != TB_OK ||
	    (rc = sq_run(c, sql_release)) != TB_OK) {
		/* Its work cannot be taken out alone: nothing stays. */
		sq_batch_end(st, c, 1);
		return rc;
	}
	/*
	 * It may have read work of the batch that is not durable yet; its
	 * caller must not act on that (answer a client, say) before it is.
	 */
	sq_batch_wait(st, c);
	return TB_OK;
}

static int
sq_tx_rollback(struct store_conn *base)
{
	struct sq_conn	*c = sq_conn(base);
	int		 rc = TB_OK;

	if (c->base.writer) {
		/* After a commit that lent the writer, this thread has no
		 * transaction of its own open (the connection's is
		 * another thread's). */
		if (sq_is_lent(sq_conn_store(c)) || !c->base.in_tx)
			return TB_OK;
		return sq_writer_rollback(sq_conn_store(c), c);
	}
	if (!c->base.in_tx)
		return TB_OK;
	/* SQLite rolls back by itself after some errors (a full disk, an
	 * interrupted statement); then there is nothing left to undo. */
	if (!sqlite3_get_autocommit(c->db))
		rc = sq_run(c, sql_rollback);
	c->base.in_tx = 0;
	return rc;
}

static void
sq_conn_release(struct store_conn *base)
{
	struct sq_conn	*c = sq_conn(base);
	struct sq_store	*st = sq_conn_store(c);

	if (c->base.writer) {
		if (sq_is_lent(st)) {
			sq_wtls.lent = 0;
			return;
		}
		if (c->base.in_tx) {
			log_kv(LOG_WARN, "store_tx_abandoned", "conn",
			    "writer", (const char *)NULL);
			sq_tx_rollback(base);
			/* The rollback may have lent the writer. */
			if (sq_is_lent(st)) {
				sq_wtls.lent = 0;
				return;
			}
		}
		sq_reset_busy(c->db);
		/* A batch with work in it may be left to a thread waiting
		 * for the writer; else it ends now. */
		if (st->batch_open && !(st->batch_n > 0 && sq_batch_lend(st)))
			sq_batch_end(st, c, 0);
		pthread_mutex_unlock(&st->writer_mu);
		return;
	}
	if (c->depth > 0)
		c->depth--;
	if (c->depth == 0) {
		if (c->base.in_tx)
			sq_tx_rollback(base);
		sq_reset_busy(c->db);
	}
}

/*
 * Before a statement on the writer: takes it back if it was lent, and
 * outside a transaction ends an open batch first, so that the statement
 * runs as it always did, on its own (autocommit, durable when it returns)
 * and reading only what is durable.
 */
static int
sq_writer_enter(struct sq_conn *c)
{
	struct sq_store	*st = sq_conn_store(c);
	int		 rc;

	if (!c->base.writer)
		return TB_OK;
	if ((rc = sq_writer_reclaim(c)) != TB_OK)
		return rc;
	c->failed[0] = '\0';
	if (!c->base.in_tx && st->batch_open)
		sq_batch_end(st, c, 0);
	return TB_OK;
}

static int
sq_exec(struct store_conn *base, const char *sql)
{
	struct sq_conn	*c = sq_conn(base);
	struct sq_store	*st = sq_conn_store(c);
	int		 rc;

	if ((rc = sq_writer_enter(c)) != TB_OK)
		return rc;
	if ((rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		sq_log(st, c->db, rc, "exec", sql);
		return sq_err(rc);
	}
	atomic_fetch_add_explicit(&st->statements, 1, memory_order_relaxed);
	return TB_OK;
}

static int
sq_prepare(struct store_conn *base, const char *sql, struct store_stmt **out)
{
	struct sq_conn	*c = sq_conn(base);
	struct sq_store	*st = sq_conn_store(c);
	struct sq_stmt	*s;
	const char	*tail = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = sq_writer_enter(c)) != TB_OK)
		return rc;
	if ((s = sq_cache_find(c, sql)) != NULL) {
		sqlite3_reset(s->stmt);
		sqlite3_clear_bindings(s->stmt);
		*out = &s->base;
		return TB_OK;
	}
	if ((rc = sq_cache_reserve(c)) != TB_OK) {
		log_kv(LOG_ERROR, "store_error", "op", "prepare", "error",
		    rc == TB_ETOOBIG ? "statement cache full" : "no memory",
		    "sql", sql, (const char *)NULL);
		return rc;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return TB_ENOMEM;
	s->base.conn = base;
	s->key = sql;
	if ((rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->stmt, &tail)) != SQLITE_OK) {
		sq_log(st, c->db, rc, "prepare", sql);
		free(s);
		/* A schema lock held elsewhere is worth a retry; bad SQL is
		 * not. */
		return sq_err(rc) == TB_EBUSY ? TB_EBUSY : TB_ESTORE;
	}
	/* Text after the first statement would be silently ignored. */
	while (tail != NULL && (*tail == ' ' || *tail == '\t' ||
	    *tail == '\n' || *tail == '\r' || *tail == ';'))
		tail++;
	if (s->stmt == NULL || (tail != NULL && *tail != '\0')) {
		log_kv(LOG_ERROR, "store_error", "op", "prepare", "error",
		    "not exactly one statement", "sql", sql,
		    (const char *)NULL);
		sqlite3_finalize(s->stmt);
		free(s);
		return TB_EINVAL;
	}
	sq_cache_put(c->slots, c->nslots, s);
	c->nstmts++;
	*out = &s->base;
	return TB_OK;
}

static int
sq_bind_i64(struct store_stmt *s, int idx, int64_t v)
{
	return sq_bind_err(sqlite3_bind_int64(sq_stmt(s)->stmt, idx, v));
}

static int
sq_bind_text(struct store_stmt *s, int idx, const char *str, size_t len)
{
	return sq_bind_err(sqlite3_bind_text64(sq_stmt(s)->stmt, idx, str,
	    len, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int
sq_bind_blob(struct store_stmt *s, int idx, const void *p, size_t len)
{
	/* SQLite binds NULL for a NULL pointer, whatever the length; an
	 * empty blob is a blob, not NULL. */
	if (len == 0)
		return sq_bind_err(sqlite3_bind_zeroblob(sq_stmt(s)->stmt,
		    idx, 0));
	return sq_bind_err(sqlite3_bind_blob64(sq_stmt(s)->stmt, idx, p, len,
	    SQLITE_TRANSIENT));
}

static int
sq_bind_null(struct store_stmt *s, int idx)
{
	return sq_bind_err(sqlite3_bind_null(sq_stmt(s)->stmt, idx));
}

static int
sq_step(struct store_stmt *base)
{
	struct sq_stmt	*s = sq_stmt(base);
	struct sq_conn	*c = sq_conn(base->conn);
	struct sq_store	*st = sq_conn_store(c);
	int		 rc;

	switch ((rc = sqlite3_step(s->stmt))) {
	case SQLITE_ROW:
		return TB_ROW;
	case SQLITE_DONE:
		atomic_fetch_add_explicit(&st->statements, 1,
		    memory_order_relaxed);
		return TB_DONE;
	default:
		/* The statement is left as it failed, so that store_errmsg()
		 * still tells why; the next store_prepare() resets it. */
		sq_log(st, c->db, rc, "step", s->key);
		return sq_err(rc);
	}
}

static int
sq_col_is_null(struct store_stmt *s, int col)
{
	return sqlite3_column_type(sq_stmt(s)->stmt, col) == SQLITE_NULL;
}

static int64_t
sq_col_i64(struct store_stmt *s, int col)
{
	return sqlite3_column_int64(sq_stmt(s)->stmt, col);
}

static const char *
sq_col_text(struct store_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(sq_stmt(s)->stmt, col);
}

static const void *
sq_col_blob(struct store_stmt *s, int col, size_t *len)
{
	const void	*p;
	int		 n;

	/* sqlite3_column_blob() first, then _bytes(): the order SQLite
	 * documents for a stable pointer and length. */
	p = sqlite3_column_blob(sq_stmt(s)->stmt, col);
	n = sqlite3_column_bytes(sq_stmt(s)->stmt, col);
	if (len != NULL)
		*len = n > 0 ? (size_t)n : 0;
	return p;
}

static int
sq_tx_begin(struct store_conn *base)
{
	struct sq_conn	*c = sq_conn(base);
	struct sq_store	*st = sq_conn_store(c);
	int		 rc;

	if (!c->base.writer) {
		if (c->base.in_tx)
			return TB_EINVAL;
		if ((rc = sq_run(c, sql_begin)) != TB_OK)
			return rc;
		c->base.in_tx = 1;
		return TB_OK;
	}
	if ((rc = sq_writer_reclaim(c)) != TB_OK)
		return rc;
	c->failed[0] = '\0';
	if (c->base.in_tx)
		return TB_EINVAL;
	/* A batch whose transaction an error rolled back fails now. */
	if (st->batch_open && sqlite3_get_autocommit(c->db))
		sq_batch_end(st, c, 0);
	if (st->batch_open) {
		/* Others' work awaits the COMMIT: ours goes in a savepoint,
		 * so that a rollback undoes ours alone. */
		if ((rc = sq_run(c, sql_savepoint)) != TB_OK)
			return rc;
		c->savepoint = 1;
	} else {
		/* IMMEDIATE takes the write lock now, so a write transaction
		 * never fails later on a lock upgrade that another process
		 * won.  The first transaction of a batch needs no
		 * savepoint: the batch is all its own until it commits. */
		if ((rc = sq_run(c, sql_begin_immediate)) != TB_OK)
			return rc;
		st->batch_open = 1;
		st->batch_n = 0;
		c->savepoint = 0;
	}
	c->base.in_tx = 1;
	return TB_OK;
}

static int
sq_tx_commit(struct store_conn *base)
{
	struct sq_conn	*c = sq_conn(base);
	struct sq_store	*st = sq_conn_store(c);
	int		 rc;

	if (!c->base.writer) {
		if (!c->base.in_tx)
			return TB_EINVAL;
		rc = sq_run(c, sql_commit);
		/* store.h promises no open transaction after commit. */
		if (rc != TB_OK)
			sq_tx_rollback(base);
		c->base.in_tx = 0;
		return rc;
	}
	if (sq_is_lent(st) || !c->base.in_tx)
		return TB_EINVAL;
	if (sqlite3_get_autocommit(c->db)) {
		/* An error rolled the whole batch back, this one with it. */
		sq_writer_rollback(st, c);
		return TB_ESTORE;
	}
	if (c->savepoint && (rc = sq_run(c, sql_release)) != TB_OK) {
		sq_writer_rollback(st, c);
		return rc;
	}
	c->savepoint = 0;
	c->base.in_tx = 0;
	if (st->batch_n++ == 0)
		st->batch_t0 = tb_mono_us();
	return sq_batch_wait(st, c);
}

static int64_t
sq_changes(struct store_conn *c)
{
	/* Once lent, the connection is another thread's. */
	if (c->writer && sq_is_lent(sq_conn_store(sq_conn(c))))
		return 0;
	return sqlite3_changes(sq_conn(c)->db);
}

static const char *
sq_errmsg(struct store_conn *c)
{
	if (c->writer && sq_is_lent(sq_conn_store(sq_conn(c))))
		return sq_wtls.errmsg;
	if (c->writer && sq_conn(c)->failed[0] != '\0')
		return sq_conn(c)->failed;
	return sqlite3_errmsg(sq_conn(c)->db);
}

static int
sq_table_exists(struct store_conn *c, const char *name, int *exists)
{
	struct store_stmt	*s;
	int			 rc;

	*exists = 0;
	if ((rc = sq_prepare(c, sql_table_exists, &s)) != TB_OK)
		return rc;
	if ((rc = sq_bind_text(s, 1, name, strlen(name))) != TB_OK)
		return rc;
	rc = sq_step(s);
	sqlite3_reset(sq_stmt(s)->stmt);
	if (rc != TB_ROW && rc != TB_DONE)
		return rc;
	*exists = rc == TB_ROW;
	return TB_OK;
}

/* Flushes a file or folder to disk. */
static int
sq_fsync_path(const char *path, int flags)
{
	int	 fd, rc = TB_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | flags)) < 0)
		return TB_EIO;
	if (fsync(fd) != 0)
		rc = TB_EIO;
	close(fd);
	return rc;
}

/* Renames from to to unless to exists (TB_ECONFLICT), atomically. */
static int
sq_rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return TB_OK;
	if (errno == EEXIST)
		return TB_ECONFLICT;
	if (errno != EINVAL && errno != ENOSYS)
		return TB_EIO;
	/* A file system without RENAME_NOREPLACE: link(2) refuses an
	 * existing name just as atomically. */
	if (link(from, to) != 0)
		return errno == EEXIST ? TB_ECONFLICT : TB_EIO;
	unlink(from);
	return TB_OK;
}

/* Copies the database at src into the empty database file at tmp. */
static int
sq_backup_copy(struct sq_store *st, sqlite3 *src, const char *tmp)
{
	sqlite3_backup	*b = NULL;
	sqlite3		*dst = NULL;
	int		 rc, retries = 0;

	if ((rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(dst, sql_backup_dest_pragmas, NULL, NULL,
	    NULL)) != SQLITE_OK) {
		sq_log(st, dst, rc, "backup", tmp);
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		rc = sqlite3_errcode(dst);
		sq_log(st, dst, rc, "backup", tmp);
		goto out;
	}
	/* Steps keep each call short; the source's read transaction, open
	 * since sq_backup() began it, pins one snapshot, so the writer keeps
	 * committing meanwhile without restarting the copy. */
	for (;;) {
		rc = sqlite3_backup_step(b, STORE_SQLITE_BACKUP_PAGES);
		if (rc == SQLITE_DONE)
			break;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    retries++ < STORE_SQLITE_BACKUP_RETRIES) {
			sqlite3_sleep(10);
			continue;
		}
		if (rc != SQLITE_OK)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = sqlite3_backup_finish(b);
	else
		sqlite3_backup_finish(b);
	if (rc != SQLITE_OK)
		sq_log(st, dst, rc, "backup", tmp);
out:
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_OK)
		rc = SQLITE_IOERR;
	return rc == SQLITE_OK ? TB_OK : TB_ESTORE;
}

static int
sq_backup(struct store *base, const char *path)
{
	struct sq_store	*st = sq_store(base);
	struct stat	 sb;
	sqlite3		*src = NULL;
	char		 tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int		 fd, rc, created = 0;

	if (tb_snprintf(tmp, sizeof(tmp), "%s.tmp", path) != TB_OK ||
	    tb_strlcpy(dir, path, sizeof(dir)) != TB_OK)
		return TB_EINVAL;
	if ((slash = strrchr(dir, '/')) == NULL)
		tb_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	/* Checked again, atomically, at the rename; refusing here saves
	 * copying a whole database only to throw it away. */
	if (lstat(path, &sb) == 0)
		return TB_ECONFLICT;
	if (errno != ENOENT)
		return TB_EIO;
	/* O_EXCL: a second backup to the same path at the same time, or a
	 * leftover from a crash, is refused rather than shared. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		rc = errno == EEXIST ? TB_ECONFLICT : TB_EIO;
		log_kv(LOG_ERROR, "store_error", "op", "backup", "path", tmp,
		    "error", strerror(errno), (const char *)NULL);
		return rc;
	}
	close(fd);
	created = 1;

	/* A fresh connection of our own: the thread's reader could be in
	 * use by the caller, and the writer must stay free for writes. */
	if ((rc = sqlite3_open_v2(st->path, &src, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(src, STORE_SQLITE_BUSY_MS)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_exec(src, sql_backup_snapshot, NULL, NULL, NULL)) !=
	    SQLITE_OK) {
		sq_log(st, src, rc, "backup", st->path);
		rc = TB_ESTORE;
		goto out;
	}
	if ((rc = sq_backup_copy(st, src, tmp)) != TB_OK)
		goto out;
	if ((rc = sq_fsync_path(tmp, 0)) != TB_OK)
		goto out;
	if ((rc = sq_rename_noreplace(tmp, path)) != TB_OK)
		goto out;
	created = 0;
	/* The rename itself is only durable once the folder is. */
	rc = sq_fsync_path(dir, O_DIRECTORY);
out:
	if (src != NULL)
		sqlite3_close(src);
	if (created)
		unlink(tmp);
	if (rc != TB_OK)
		log_kv(LOG_ERROR, "store_backup_failed", "path", path,
		    "error", tb_strerror(rc), (const char *)NULL);
	return rc;
}

static void
sq_stats(struct store *base, struct store_stats *out)
{
	struct sq_store	*st = sq_store(base);

	out->tx_commits = atomic_load_explicit(&st->tx_commits,
	    memory_order_relaxed);
	out->tx_rollbacks = atomic_load_explicit(&st->tx_rollbacks,
	    memory_order_relaxed);
	out->tx_batches = atomic_load_explicit(&st->tx_batches,
	    memory_order_relaxed);
	out->write_wait_us = atomic_load_explicit(&st->write_wait_us,
	    memory_order_relaxed);
	out->statements = atomic_load_explicit(&st->statements,
	    memory_order_relaxed);
	out->errors = atomic_load_explicit(&st->errors,
	    memory_order_relaxed);
	out->checkpoints = atomic_load_explicit(&st->checkpoints,
	    memory_order_relaxed);
}

int
store_sqlite_writer_waiting(struct store *st)
{
	return atomic_load(&sq_store(st)->writer_waiting);
}

const struct store_driver store_sqlite_driver = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.conn_read = sq_conn_read,
	.conn_write = sq_conn_write,
	.conn_release = sq_conn_release,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.bind_i64 = sq_bind_i64,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_is_null = sq_col_is_null,
	.col_i64 = sq_col_i64,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.tx_begin = sq_tx_begin,
	.tx_commit = sq_tx_commit,
	.tx_rollback = sq_tx_rollback,
	.changes = sq_changes,
	.backup = sq_backup,
	.stats = sq_stats,
	.errmsg = sq_errmsg,
	.table_exists = sq_table_exists,
};
