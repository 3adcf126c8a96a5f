/*
 * internal.h: what the files of src/store/ share and nobody else sees.
 *
 * The three opaque types of store.h are defined here as small common heads.
 * A driver embeds each head as the FIRST member of its own structure (so a
 * pointer to the head is a pointer to the driver's structure) and fills the
 * head's fields; the dispatch functions in store.c read only the heads.
 */
#ifndef TB_STORE_INTERNAL_H
#define TB_STORE_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>

#include "store/store.h"

struct store {
	const struct store_driver *drv;
	/* Highest migration applied, as last seen by store_migrate() or
	 * store_schema_version(); read by store_get_stats() without a
	 * query so that /metrics never touches the database. */
	atomic_int	 schema_version;
	/* The audit chain's key (store_audit_key_set); audit_keyed is 0
	 * until one is set, and the audit functions refuse until then. */
	unsigned char	 audit_key[STORE_AUDIT_KEY_BYTES];
	int		 audit_keyed;
	/*
	 * Group commit (docs/internals/store.md): whether concurrent write
	 * transactions share one durable COMMIT, and the bounds of one
	 * batch: at most batch_max transactions, and no more waiting for
	 * others once its first transaction has waited batch_max_us.
	 * store_open() sets the defaults below; store_group_commit()
	 * switches it; the unit tests widen the bounds to make batches
	 * deterministic.  Read by the writer's holder only.
	 */
	atomic_int	 group_commit;
	int		 batch_max;
	int64_t		 batch_max_us;
};

/* Transactions in one group commit at most: the last of a full batch
 * waits for the work of all the others before its COMMIT. */
#define STORE_BATCH_MAX		64
/* How long the first transaction of a batch may wait for others to join
 * before the batch is committed anyway.  One fsync here takes 0.2-1 ms;
 * with 32 clients creating incidents, batches held 5-12 transactions
 * with 4 ms as with 10 ms, and 4 ms kept p99 lower (bench/incidents.sh). */
#define STORE_BATCH_MAX_US	4000

struct store_conn {
	struct store	*st;
	int		 writer;	/* 1 for the writer connection */
	/* 1 between a successful tx_begin and the end of that transaction;
	 * kept by the driver, read by the query functions that insist on
	 * running inside a write transaction. */
	int		 in_tx;
};

struct store_stmt {
	struct store_conn *conn;
};

/* The drivers compiled in (store_sqlite.c; store_pg.c will join). */
extern const struct store_driver store_sqlite_driver;

/*
 * The number of threads blocked waiting for the SQLite writer right now
 * (store_sqlite.c).  A commit hands the writer on to them instead of
 * committing while there are any; the unit tests wait for a known number
 * of them to build a batch of a known size.  st must be a SQLite store.
 */
int	store_sqlite_writer_waiting(struct store *st);

/* One built-in migration: version N is the N-th entry of the list. */
struct store_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

/*
 * Returns the built-in migrations and their count in *n.  The array is
 * static; the caller must not free it.
 */
const struct store_migration *store_migrations_builtin(size_t *n);

/*
 * The migration runner behind store_migrate(), taking the list as a
 * parameter so that tests can run lists that fail part way.  The list must
 * be numbered 1, 2, 3 ... in order, else TB_EINVAL.  Other errors and the
 * message in err are as for store_migrate().
 */
int	store_migrate_list(struct store *st,
	    const struct store_migration *list, size_t n, int *applied,
	    char *err, size_t errlen);

#endif
