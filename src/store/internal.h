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
};

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
