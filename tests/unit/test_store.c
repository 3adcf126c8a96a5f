/*
 * test_store.c: the store layer on real SQLite files in a fresh temporary
 * folder per test: opening, migrations, constraints, transactions, the
 * connection model under threads, the online backup and the statistics.
 */
#define _GNU_SOURCE	/* nftw() flags */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "util/util.h"
#include "store/store.h"
#include "store/internal.h"

struct fix {
	char		 dir[64];
	char		 db[128];
	struct store	*st;
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
path_in(const struct fix *f, const char *name, char *out, size_t len)
{
	assert_int_equal(tb_snprintf(out, len, "%s/%s", f->dir, name), TB_OK);
}

/* A fresh folder and an open, unmigrated store in it. */
static int
setup_open(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(tb_strlcpy(f->dir, "/tmp/tb_store_XXXXXX",
	    sizeof(f->dir)), TB_OK);
	assert_non_null(mkdtemp(f->dir));
	path_in(f, "data/tongbao.db", f->db, sizeof(f->db));
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	*state = f;
	return 0;
}

/* As setup_open, then migrated to the latest version. */
static int
setup_migrated(void **state)
{
	struct fix	*f;
	char		 err[256];
	int		 applied;

	setup_open(state);
	f = *state;
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Runs sql on the writer in its own transaction. */
static void
exec_write(struct store *st, const char *sql)
{
	struct store_conn	*c;

	assert_int_equal(store_write(st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_exec(c, sql), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
}

/* Reads one integer through the calling thread's reader. */
static int64_t
read_i64(struct store *st, const char *sql)
{
	struct store_conn	*c;
	struct store_stmt	*s;
	int64_t			 v;

	assert_int_equal(store_read(st, &c), TB_OK);
	assert_int_equal(store_prepare(c, sql, &s), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	v = store_col_i64(s, 0);
	assert_int_equal(store_step(s), TB_DONE);
	store_release(c);
	return v;
}

static int
table_exists(struct store *st, const char *name)
{
	struct store_conn	*c;
	int			 exists;

	assert_int_equal(store_read(st, &c), TB_OK);
	assert_int_equal(st->drv->table_exists(c, name, &exists), TB_OK);
	store_release(c);
	return exists;
}

/* ---- opening ---------------------------------------------------------- */

static void
test_open_urls(void **state)
{
	struct fix	*f = *state;
	struct store	*st;
	struct stat	 sb;
	char		 file[128], url[160], path[128];
	size_t		 i;
	static const struct {
		const char	*prefix;	/* before the folder */
		const char	*name;		/* in the folder, or NULL */
		int		 rc;
	} rows[] = {
		{ "sqlite:", "a/b/one.db", TB_OK },	/* folders made */
		{ "", "two.db", TB_OK },		/* plain path */
		{ "", NULL, TB_EINVAL },		/* "" */
		{ "sqlite:", NULL, TB_EINVAL },		/* no path */
		{ "postgresql://", "x", TB_EINVAL },	/* no such driver */
		{ "nosuch://", "x", TB_EINVAL },
		{ "sqlite:", "afile/three.db", TB_ESTORE }, /* file as folder */
		{ "", "adir", TB_ESTORE },		/* a folder, no db */
	};

	path_in(f, "afile", file, sizeof(file));
	assert_int_equal(close(open(file, O_CREAT | O_WRONLY, 0600)), 0);
	path_in(f, "adir", file, sizeof(file));
	assert_int_equal(mkdir(file, 0700), 0);

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		path[0] = '\0';
		if (rows[i].name != NULL)
			path_in(f, rows[i].name, path, sizeof(path));
		assert_int_equal(tb_snprintf(url, sizeof(url), "%s%s",
		    rows[i].prefix, path), TB_OK);
		/* Any non-NULL value, to see it cleared on failure. */
		st = (struct store *)&st;
		assert_int_equal(store_open(url, &st), rows[i].rc);
		if (rows[i].rc != TB_OK) {
			assert_null(st);
			continue;
		}
		/* The database holds personal data: private file, and a
		 * private folder when the store made it. */
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		assert_int_equal(store_ping(st), 1);
		store_close(st);
	}
	path_in(f, "a/b", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(store_ping(NULL), 0);
}

/* ---- migrations ------------------------------------------------------- */

static void
test_migrations_numbered(void **state)
{
	const struct store_migration	*list;
	size_t				 n, i, j;

	list = store_migrations_builtin(&n);
	assert_true(n >= 1);
	assert_int_equal(store_schema_latest(), (int)n);
	for (i = 0; i < n; i++) {
		assert_int_equal(list[i].version, (int)i + 1);
		assert_non_null(list[i].name);
		assert_true(list[i].name[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(list[i].name, list[j].name);
	}
	assert_string_equal(list[0].name, "foundation");
}

static void
test_migrate_fresh_then_noop(void **state)
{
	struct fix		*f = *state;
	struct store_stats	 ss;
	char			 err[256];
	int			 applied, v;
	size_t			 i;
	static const char *const tables[] = {
		"schema_migrations", "agencies", "users", "user_roles",
		"improvements", "incident_docs", "signatures",
	};

	assert_int_equal(store_schema_version(f->st, &v), TB_OK);
	assert_int_equal(v, 0);
	assert_false(table_exists(f->st, "agencies"));

	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	assert_int_equal(applied, store_schema_latest());
	assert_string_equal(err, "");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		assert_true(table_exists(f->st, tables[i]));
	store_get_stats(f->st, &ss);
	assert_int_equal(ss.schema_version, store_schema_latest());

	/* Twice is a no-op. */
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(read_i64(f->st,
	    "SELECT COUNT(*) FROM schema_migrations"), store_schema_latest());
	assert_int_equal(read_i64(f->st,
	    "SELECT COUNT(*) FROM schema_migrations WHERE version = 1"
	    " AND name = 'foundation' AND applied_at > 0"), 1);

	/* A reopened store knows its version before any migrate call. */
	store_close(f->st);
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	store_get_stats(f->st, &ss);
	assert_int_equal(ss.schema_version, store_schema_latest());
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	assert_int_equal(applied, 0);
}

static void
test_migrate_newer_refused(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	struct store_stmt	*s;
	struct store_stats	 ss;
	char			 err[256], want[256];
	int			 applied = -1, latest = store_schema_latest();

	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_prepare(c, "INSERT INTO schema_migrations"
	    " (version, name, applied_at) VALUES (?, 'future', 1)", &s),
	    TB_OK);
	assert_int_equal(store_bind_i64(s, 1, latest + 1), TB_OK);
	assert_int_equal(store_step(s), TB_DONE);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);

	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_ESCHEMA);
	assert_int_equal(applied, 0);
	assert_int_equal(tb_snprintf(want, sizeof(want), "database schema "
	    "version %d is newer than this tongbao (knows %d); use a newer "
	    "binary", latest + 1, latest), TB_OK);
	assert_string_equal(err, want);
	store_get_stats(f->st, &ss);
	assert_int_equal(ss.schema_version, latest + 1);
	/* Refused, and the writer was given back. */
	exec_write(f->st, "CREATE TABLE t_after (a INTEGER)");
}

static void
test_migrate_list_rows(void **state)
{
	struct fix	*f = *state;
	char		 err[256];
	int		 applied, v;
	size_t		 i;
	static const struct store_migration good[] = {
		{ 1, "one", "CREATE TABLE t_one (a INTEGER)" },
		{ 2, "two", "CREATE TABLE t_two (a INTEGER);"
		    "CREATE INDEX t_two_a ON t_two (a)" },
	};
	/* Migration 2 fails after creating a table: it must leave none. */
	static const struct store_migration broken[] = {
		{ 1, "one", "CREATE TABLE t_one (a INTEGER)" },
		{ 2, "broken", "CREATE TABLE t_two (a INTEGER);"
		    "CREATE TABLE t_one (a INTEGER)" },
		{ 3, "three", "CREATE TABLE t_three (a INTEGER)" },
	};
	static const struct store_migration gap[] = {
		{ 1, "one", "CREATE TABLE t_one (a INTEGER)" },
		{ 3, "three", "CREATE TABLE t_three (a INTEGER)" },
	};
	static const struct store_migration zero[] = {
		{ 0, "zero", "CREATE TABLE t_zero (a INTEGER)" },
	};
	static const struct {
		const struct store_migration	*list;
		size_t				 n;
		int				 rc;
		int				 applied;
		int				 version;
		const char			*err;	/* prefix */
	} rows[] = {
		{ gap, 2, TB_EINVAL, 0, 0, "built-in migration 2 is" },
		{ zero, 1, TB_EINVAL, 0, 0, "built-in migration 1 is" },
		{ broken, 3, TB_ESTORE, 1, 1, "migration 2 (broken) failed: " },
		/* Run on from version 1, as a newer binary would. */
		{ good, 2, TB_OK, 1, 2, "" },
		{ good, 2, TB_OK, 0, 2, "" },
		{ good, 1, TB_ESCHEMA, 0, 2, "database schema version 2 is "
		    "newer than this tongbao (knows 1)" },
	};

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		applied = -1;
		assert_int_equal(store_migrate_list(f->st, rows[i].list,
		    rows[i].n, &applied, err, sizeof(err)), rows[i].rc);
		assert_int_equal(applied, rows[i].applied);
		assert_int_equal(strncmp(err, rows[i].err,
		    strlen(rows[i].err)), 0);
		assert_int_equal(store_schema_version(f->st, &v), TB_OK);
		assert_int_equal(v, rows[i].version);
		if (rows[i].list == broken) {
			assert_true(table_exists(f->st, "t_one"));
			assert_false(table_exists(f->st, "t_two"));
			assert_false(table_exists(f->st, "t_three"));
		}
	}
	assert_true(table_exists(f->st, "t_two"));
}

/* ---- rows and constraints --------------------------------------------- */

static void
test_agency_user_rows(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	int64_t			 n;
	int			 exists, rc;
	size_t			 i;
	static const char *const r_ok[] = { "reporter", "ciso" };
	static const char *const r_bad[] = { "reporter", "root" };
	static const char *const r_twice[] = { "reporter", "reporter" };
	static const struct store_agency agencies[] = {
		{ "A00", "資訊局", "DoIT", "doit", NULL, NULL, "A", 0, 1, 1,
		    1, 1 },
		{ "B01", "中正區公所", NULL, "district_office", "A00", "A00",
		    "C", 1, 1, 1, 1, 1 },
		{ "A00", "dup", NULL, "doit", NULL, NULL, "A", 0, 1, 1, 1, 1 },
		{ "C01", "x", NULL, "ministry", NULL, NULL, "A", 0, 1, 1, 1,
		    1 },
		{ "C02", "x", NULL, "school", NULL, NULL, "F", 0, 1, 1, 1, 1 },
		{ "C03", "x", NULL, "school", "ZZZ", NULL, "A", 0, 1, 1, 1, 1 },
		{ "C04", "x", NULL, "school", NULL, "ZZZ", "A", 0, 1, 1, 1, 1 },
		{ "C05", "x", NULL, "school", NULL, NULL, "A", 2, 1, 1, 1, 1 },
		{ "", "x", NULL, "school", NULL, NULL, "A", 0, 1, 1, 1, 1 },
		{ "C06", NULL, NULL, "school", NULL, NULL, "A", 0, 1, 1, 1, 1 },
		{ NULL, "x", NULL, "school", NULL, NULL, "A", 0, 1, 1, 1, 1 },
	};
	static const int agency_rc[] = {
		TB_OK, TB_OK, TB_ECONFLICT, TB_ECONFLICT, TB_ECONFLICT,
		TB_ECONFLICT, TB_ECONFLICT, TB_ECONFLICT, TB_ECONFLICT,
		TB_EINVAL, TB_EINVAL,
	};
	static const struct {
		struct store_user	 u;
		const char *const	*roles;
		size_t			 nroles;
		int			 rc;
	} users[] = {
		{ { 11, "chen", "陳", "B01", "c@x.tw", NULL, NULL,
		    "civil_servant", 1, "$argon2id$x", 1, NULL, 1, 1 },
		    r_ok, 2, TB_OK },
		{ { 12, "lin", "林", "A00", NULL, NULL, NULL, "vendor", 0,
		    NULL, 1, "en", 1, 1 }, NULL, 0, TB_OK },
		{ { 13, "chen", "dup", "B01", NULL, NULL, NULL, "contract",
		    0, NULL, 1, NULL, 1, 1 }, NULL, 0, TB_ECONFLICT },
		{ { 11, "other", "dup id", "B01", NULL, NULL, NULL,
		    "contract", 0, NULL, 1, NULL, 1, 1 }, NULL, 0,
		    TB_ECONFLICT },
		{ { 14, "wang", "王", "NOPE", NULL, NULL, NULL, "contract", 0,
		    NULL, 1, NULL, 1, 1 }, NULL, 0, TB_ECONFLICT },
		{ { 15, "wu", "吳", "B01", NULL, NULL, NULL, "intern", 0,
		    NULL, 1, NULL, 1, 1 }, NULL, 0, TB_ECONFLICT },
		{ { 16, "li", "李", "B01", NULL, NULL, NULL, "temporary", 0,
		    NULL, 1, NULL, 1, 1 }, r_bad, 2, TB_ECONFLICT },
		{ { 17, "ho", "何", "B01", NULL, NULL, NULL, "temporary", 0,
		    NULL, 1, NULL, 1, 1 }, r_twice, 2, TB_ECONFLICT },
		{ { 18, "su", "蘇", "B01", NULL, NULL, NULL, "temporary", 0,
		    NULL, 1, "fr", 1, 1 }, NULL, 0, TB_ECONFLICT },
		{ { 19, "", "空", "B01", NULL, NULL, NULL, "temporary", 0,
		    NULL, 1, NULL, 1, 1 }, NULL, 0, TB_ECONFLICT },
		{ { 0, "zero", "零", "B01", NULL, NULL, NULL, "temporary", 0,
		    NULL, 1, NULL, 1, 1 }, NULL, 0, TB_EINVAL },
		{ { 20, "nul", "無", "B01", NULL, NULL, NULL, NULL, 0,
		    NULL, 1, NULL, 1, 1 }, NULL, 0, TB_EINVAL },
		{ { 21, "nr", "無", "B01", NULL, NULL, NULL, "vendor", 0,
		    NULL, 1, NULL, 1, 1 }, NULL, 1, TB_EINVAL },
	};

	assert_int_equal(store_write(f->st, &c), TB_OK);
	/* Outside a transaction, writes are refused. */
	assert_int_equal(store_agency_insert(c, &agencies[0]), TB_EINVAL);
	assert_int_equal(store_user_insert(c, &users[0].u, NULL, 0),
	    TB_EINVAL);
	for (i = 0; i < sizeof(agencies) / sizeof(agencies[0]); i++) {
		assert_int_equal(store_tx_begin(c), TB_OK);
		rc = store_agency_insert(c, &agencies[i]);
		if (rc != agency_rc[i])
			fail_msg("agency row %zu: %s, want %s", i,
			    tb_strerror(rc), tb_strerror(agency_rc[i]));
		if (rc == TB_OK)
			assert_int_equal(store_tx_commit(c), TB_OK);
		else
			assert_int_equal(store_tx_rollback(c), TB_OK);
	}
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		assert_int_equal(store_tx_begin(c), TB_OK);
		rc = store_user_insert(c, &users[i].u, users[i].roles,
		    users[i].nroles);
		if (rc != users[i].rc)
			fail_msg("user row %zu: %s, want %s", i,
			    tb_strerror(rc), tb_strerror(users[i].rc));
		if (rc == TB_OK)
			assert_int_equal(store_tx_commit(c), TB_OK);
		else
			assert_int_equal(store_tx_rollback(c), TB_OK);
	}
	store_release(c);

	/* Only the OK rows stayed; a user whose role failed left nothing. */
	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_user_count(c, &n), TB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_agency_exists(c, "B01", &exists), TB_OK);
	assert_int_equal(exists, 1);
	assert_int_equal(store_agency_exists(c, "C05", &exists), TB_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(store_agency_exists(c, NULL, &exists), TB_EINVAL);
	/* Readers cannot write, even inside a transaction. */
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_agency_insert(c, &agencies[0]), TB_EINVAL);
	assert_int_equal(store_tx_rollback(c), TB_OK);
	store_release(c);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM user_roles"),
	    2);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM users WHERE"
	    " username = 'chen' AND lang = 'zh-TW' AND dedicated_staff = 1"
	    " AND phone IS NULL"), 1);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM agencies"), 2);
}

static void
test_new_id(void **state)
{
	int64_t		 id, first = store_new_id();
	int		 i, differ = 0;

	for (i = 0; i < 10000; i++) {
		id = store_new_id();
		assert_true(id >= 1);
		assert_true(id <= (INT64_C(1) << 53) - 1);
		differ |= id != first;
	}
	assert_true(differ);
	/* Today's day above the random bits: a day's ids sort together,
	 * and after the days before. */
	assert_int_equal(first >> STORE_ID_RANDOM_BITS,
	    store_id_day(tb_now_us()));
	assert_true(store_id_for_day(100) < store_id_for_day(101));
	assert_int_equal(store_id_for_day(2520) >> STORE_ID_RANDOM_BITS, 2520);
	/* The days: 2020-01-01 is day 0, 2026-11-25 day 2520; before 2020
	 * is day 0 and past the 16 bits the last day, so that an id never
	 * reaches 2^53. */
	assert_int_equal(store_id_day(STORE_ID_EPOCH_US), 0);
	assert_int_equal(store_id_day(STORE_ID_EPOCH_US - 1), 0);
	assert_int_equal(store_id_day(INT64_C(1795564800000000)), 2520);
	assert_int_equal(store_id_day(INT64_MAX), STORE_ID_DAY_MAX);
	assert_int_equal(store_id_day(INT64_MIN), 0);
	for (i = 0; i < 1000; i++) {
		id = store_id_for_day(STORE_ID_DAY_MAX + 5);
		assert_true(id <= (INT64_C(1) << 53) - 1);
		assert_int_equal(id >> STORE_ID_RANDOM_BITS, STORE_ID_DAY_MAX);
		assert_true(store_id_for_day(-3) >= 1);
	}
}

/* ---- transactions ----------------------------------------------------- */

static void
test_tx_rules(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c, *c2;
	struct store_agency	 a = { "R01", "r", NULL, "school", NULL, NULL,
	    "E", 0, 1, 1, 1, 1 };
	struct store_stats	 before, after;
	int			 exists;

	store_get_stats(f->st, &before);
	assert_int_equal(store_write(f->st, &c), TB_OK);
	/* Asking for the writer twice would deadlock; it is refused. */
	assert_int_equal(store_write(f->st, &c2), TB_EINVAL);
	assert_int_equal(store_tx_commit(c), TB_EINVAL);
	assert_int_equal(store_tx_rollback(c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_EINVAL);
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
	assert_int_equal(store_changes(c), 1);
	assert_int_equal(store_tx_rollback(c), TB_OK);
	assert_int_equal(store_agency_exists(c, "R01", &exists), TB_OK);
	assert_int_equal(exists, 0);

	/* A transaction left open at release is rolled back. */
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
	store_release(c);
	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_agency_exists(c, "R01", &exists), TB_OK);
	assert_int_equal(exists, 0);
	store_release(c);

	/* The writer is free again for another thread or this one. */
	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);

	store_get_stats(f->st, &after);
	assert_int_equal(after.tx_commits - before.tx_commits, 1);
	assert_int_equal(after.tx_rollbacks - before.tx_rollbacks, 2);
}

/* ---- statements ------------------------------------------------------- */

static const char sql_echo[] = "SELECT ?";
static const char sql_echo_twin[] = "SELECT ?";

static void
test_statements(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	struct store_stmt	*s, *s2;
	const void		*p;
	size_t			 len;
	static const unsigned char blob[] = { 0, 1, 2, 0xff };

	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_text(s, 1, "值"), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_string_equal(store_col_text(s, 0), "值");
	assert_false(store_col_is_null(s, 0));

	/* Cached by pointer, and handed back reset with no bindings. */
	assert_int_equal(store_prepare(c, sql_echo, &s2), TB_OK);
	assert_ptr_equal(s, s2);
	assert_int_equal(store_step(s2), TB_ROW);
	assert_true(store_col_is_null(s2, 0));
	assert_null(store_col_text(s2, 0));
	assert_int_equal(store_col_i64(s2, 0), 0);
	assert_int_equal(store_prepare(c, sql_echo_twin, &s2), TB_OK);
	assert_ptr_not_equal(s, s2);

	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_blob(s, 1, blob, sizeof(blob)), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	p = store_col_blob(s, 0, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(p, blob, sizeof(blob));
	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_blob(s, 1, NULL, 0), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_false(store_col_is_null(s, 0));	/* empty, not NULL */
	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_textn(s, 1, "abcdef", 3), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_string_equal(store_col_text(s, 0), "abc");
	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_text_or_null(s, 1, NULL), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_true(store_col_is_null(s, 0));
	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_i64(s, 1, INT64_MIN), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_true(store_col_i64(s, 0) == INT64_MIN);
	assert_int_equal(store_step(s), TB_DONE);

	/* Rows that must fail. */
	assert_int_equal(store_prepare(c, sql_echo, &s), TB_OK);
	assert_int_equal(store_bind_i64(s, 2, 1), TB_EINVAL);
	assert_int_equal(store_bind_text(s, 1, NULL), TB_EINVAL);
	assert_int_equal(store_prepare(c, "SELECT 1; SELECT 2", &s),
	    TB_EINVAL);
	assert_int_equal(store_prepare(c, "SELEC 1", &s), TB_ESTORE);
	assert_int_equal(store_prepare(c, "SELECT * FROM no_such", &s),
	    TB_ESTORE);
	assert_int_equal(store_exec(c, "CREATE TABLE t_ro (a INTEGER)"),
	    TB_ESTORE);	/* readers are read-only */
	assert_true(strlen(store_errmsg(c)) > 0);
	store_release(c);
}

/*
 * A reader statement stepped once and never finished would keep its read
 * transaction, and so the thread's old snapshot, for good; the last
 * store_release() must end it, and a nested one must not.
 */
static void
test_reader_release_resets(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c, *inner;
	struct store_stmt	*s;
	static const char	 sql_count[] = "SELECT COUNT(*) FROM t_r";
	static const char	 sql_rows[] =
	    "SELECT a FROM t_r ORDER BY a";

	exec_write(f->st, "CREATE TABLE t_r (a INTEGER);"
	    "INSERT INTO t_r VALUES (1); INSERT INTO t_r VALUES (2)");
	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_prepare(c, sql_rows, &s), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_int_equal(store_col_i64(s, 0), 1);
	/* Nested use of the same reader leaves the outer statement alone. */
	assert_int_equal(store_read(f->st, &inner), TB_OK);
	assert_ptr_equal(c, inner);
	store_release(inner);
	assert_int_equal(store_step(s), TB_ROW);
	assert_int_equal(store_col_i64(s, 0), 2);
	store_release(c);	/* s is left part way */

	exec_write(f->st, "INSERT INTO t_r VALUES (3)");
	assert_int_equal(read_i64(f->st, sql_count), 3);
}

/* ---- threads ---------------------------------------------------------- */

static const char sql_pair_a[] =
    "INSERT INTO t_a (id, v) VALUES (?, ?)";
static const char sql_pair_b[] =
    "INSERT INTO t_b (id, v) VALUES (?, ?)";
static const char sql_pair_counts[] =
    "SELECT (SELECT COUNT(*) FROM t_a), (SELECT COUNT(*) FROM t_b)";
static const char sql_pair_tables[] =
    "CREATE TABLE t_a (id BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE t_b (id BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL)";

/* Inserts one row into each of t_a and t_b, in the open transaction. */
static int
pair_insert(struct store_conn *c, int64_t id, const char *v)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_pair_a, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, v)) != TB_OK ||
	    (rc = store_step(s)) != TB_DONE)
		return rc;
	if ((rc = store_prepare(c, sql_pair_b, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, v)) != TB_OK ||
	    (rc = store_step(s)) != TB_DONE)
		return rc;
	return TB_OK;
}

struct writer_arg {
	struct store	*st;
	int64_t		 next_id;
	atomic_int	 stop;
	atomic_int	 started;
	int64_t		 max_us;	/* give up after this long */
	int		 capped;	/* stopped by max_us, not by stop */
	int		 failures;
	_Atomic int64_t	 committed;
};

/* Commits pairs, one transaction each, until told to stop. */
static void *
writer_main(void *p)
{
	struct writer_arg	*w = p;
	struct store_conn	*c;
	int64_t			 t0 = tb_mono_us();

	while (!atomic_load(&w->stop)) {
		if (tb_mono_us() - t0 > w->max_us) {
			w->capped = 1;
			break;
		}
		if (store_write(w->st, &c) != TB_OK) {
			w->failures++;
			break;
		}
		if (store_tx_begin(c) != TB_OK ||
		    pair_insert(c, w->next_id++, "w") != TB_OK ||
		    store_tx_commit(c) != TB_OK)
			w->failures++;
		store_release(c);
		atomic_fetch_add(&w->committed, 1);
		atomic_store(&w->started, 1);
	}
	return NULL;
}

struct reader_arg {
	struct store		*st;
	struct writer_arg	*w;
	struct store_conn	*conn;	/* the reader this thread got */
	int			 reads;
	int			 failures;
};

/* Reads both counts in one statement (one snapshot) until the writer is
 * done: they must always be equal and never go down. */
static void *
reader_main(void *p)
{
	struct reader_arg	*r = p;
	struct store_conn	*c;
	struct store_stmt	*s;
	int64_t			 a, b, last = 0;
	int			 done = 0;

	while (!done) {
		done = atomic_load(&r->w->stop);
		if (store_read(r->st, &c) != TB_OK) {
			r->failures++;
			return NULL;
		}
		if (r->conn == NULL)
			r->conn = c;
		else if (r->conn != c)
			r->failures++;
		if (store_prepare(c, sql_pair_counts, &s) != TB_OK ||
		    store_step(s) != TB_ROW)
			r->failures++;
		else {
			a = store_col_i64(s, 0);
			b = store_col_i64(s, 1);
			if (a != b || a < last)
				r->failures++;
			last = a;
			r->reads++;
		}
		store_release(c);
	}
	return NULL;
}

#define TEST_READERS	4

static void
test_concurrent_readers(void **state)
{
	struct fix		*f = *state;
	struct writer_arg	 w;
	struct reader_arg	 r[TEST_READERS];
	pthread_t		 wt, rt[TEST_READERS];
	struct store_conn	*mine;
	int			 i, j;

	exec_write(f->st, sql_pair_tables);
	memset(&w, 0, sizeof(w));
	w.st = f->st;
	w.next_id = 1;
	w.max_us = 60 * 1000 * 1000;
	memset(r, 0, sizeof(r));
	for (i = 0; i < TEST_READERS; i++) {
		r[i].st = f->st;
		r[i].w = &w;
		assert_int_equal(pthread_create(&rt[i], NULL, reader_main,
		    &r[i]), 0);
	}
	assert_int_equal(pthread_create(&wt, NULL, writer_main, &w), 0);
	while (atomic_load(&w.committed) < 200)
		usleep(1000);
	atomic_store(&w.stop, 1);
	pthread_join(wt, NULL);
	for (i = 0; i < TEST_READERS; i++)
		pthread_join(rt[i], NULL);

	assert_int_equal(w.failures, 0);
	assert_false(w.capped);
	assert_int_equal(store_read(f->st, &mine), TB_OK);
	store_release(mine);
	for (i = 0; i < TEST_READERS; i++) {
		assert_int_equal(r[i].failures, 0);
		assert_true(r[i].reads > 0);
		/* One connection per thread. */
		assert_ptr_not_equal(r[i].conn, mine);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(r[i].conn, r[j].conn);
	}
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM t_b"),
	    atomic_load(&w.committed));
}

/* ---- backup ----------------------------------------------------------- */

/* Fills t_a and t_b with about 16 MiB, so that a backup takes a while. */
static int64_t
fill_pairs(struct store *st)
{
	struct store_conn	*c;
	char			 v[401];
	int64_t			 id;

	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	assert_int_equal(store_write(st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	for (id = 1; id <= 20000; id++)
		assert_int_equal(pair_insert(c, id, v), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
	return id;
}

static void
test_backup_while_writing(void **state)
{
	struct fix		*f = *state;
	struct writer_arg	 w;
	pthread_t		 wt;
	struct store		*copy;
	struct stat		 sb;
	sqlite3			*db;
	sqlite3_stmt		*q;
	char			 path[160], tmp[170];
	int64_t			 before, during, a, b, total;
	int			 v;

	exec_write(f->st, sql_pair_tables);
	memset(&w, 0, sizeof(w));
	w.st = f->st;
	w.next_id = fill_pairs(f->st);
	w.max_us = 30 * 1000 * 1000;
	assert_int_equal(pthread_create(&wt, NULL, writer_main, &w), 0);
	while (!atomic_load(&w.started))
		usleep(1000);

	path_in(f, "backup", tmp, sizeof(tmp));
	assert_int_equal(mkdir(tmp, 0700), 0);
	path_in(f, "backup/copy.db", path, sizeof(path));
	before = atomic_load(&w.committed);
	assert_int_equal(store_backup(f->st, path), TB_OK);
	during = atomic_load(&w.committed) - before;
	atomic_store(&w.stop, 1);
	pthread_join(wt, NULL);
	assert_int_equal(w.failures, 0);
	/* The writer kept committing while the copy was made, and the copy
	 * finished while it did. */
	assert_false(w.capped);
	assert_true(during > 0);
	total = read_i64(f->st, "SELECT COUNT(*) FROM t_a");

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(tb_snprintf(tmp, sizeof(tmp), "%s.tmp", path),
	    TB_OK);
	assert_int_equal(stat(tmp, &sb), -1);

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db, sql_pair_counts, -1, &q,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	a = sqlite3_column_int64(q, 0);
	b = sqlite3_column_int64(q, 1);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	/* One snapshot (pairs whole), the one of the moment the backup
	 * began: closer to the start than to the end.  A copy restarted
	 * by each commit would instead hold the state near its end. */
	assert_int_equal(a, b);
	assert_true(a <= total);
	a -= 20000 + before;	/* pairs committed since "before" */
	assert_true(a >= 0);
	assert_true(2 * a <= during + 1);

	/* The copy is a working store of the same schema version. */
	assert_int_equal(store_open(path, &copy), TB_OK);
	assert_int_equal(store_schema_version(copy, &v), TB_OK);
	assert_int_equal(v, store_schema_latest());
	store_close(copy);
}

static void
test_backup_refusals(void **state)
{
	struct fix		*f = *state;
	struct stat		 sb;
	char			 path[160], tmp[170], buf[8];
	size_t			 i;
	int			 fd;
	static const struct {
		const char	*name;
		int		 rc;
	} rows[] = {
		{ "exists.db", TB_ECONFLICT },	/* never overwritten */
		{ "busy.db", TB_ECONFLICT },	/* busy.db.tmp exists */
		{ "no/such/dir.db", TB_EIO },
		{ NULL, TB_EINVAL },		/* "" */
		{ "fresh.db", TB_OK },
		{ "fresh.db", TB_ECONFLICT },	/* the second time */
	};

	path_in(f, "exists.db", path, sizeof(path));
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	path_in(f, "busy.db.tmp", path, sizeof(path));
	assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		path[0] = '\0';
		if (rows[i].name != NULL)
			path_in(f, rows[i].name, path, sizeof(path));
		assert_int_equal(store_backup(f->st, path), rows[i].rc);
	}
	path_in(f, "exists.db", path, sizeof(path));
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "keep", 4);
	close(fd);
	/* A refused backup leaves no temporary file of its own. */
	path_in(f, "exists.db", path, sizeof(path));
	assert_int_equal(tb_snprintf(tmp, sizeof(tmp), "%s.tmp", path),
	    TB_OK);
	assert_int_equal(stat(tmp, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---- statistics ------------------------------------------------------- */

static void
test_stats(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	struct store_stats	 s0, s1;
	int			 i;

	store_get_stats(f->st, &s0);
	assert_int_equal(s0.schema_version, store_schema_latest());
	assert_int_equal(store_write(f->st, &c), TB_OK);
	for (i = 0; i < 5; i++) {
		assert_int_equal(store_tx_begin(c), TB_OK);
		assert_int_equal(store_exec(c, "CREATE TABLE IF NOT EXISTS"
		    " t_s (a INTEGER)"), TB_OK);
		assert_int_equal(store_tx_commit(c), TB_OK);
	}
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_tx_rollback(c), TB_OK);
	assert_int_equal(store_exec(c, "NOT SQL"), TB_ESTORE);
	store_release(c);
	store_get_stats(f->st, &s1);
	assert_int_equal(s1.tx_commits - s0.tx_commits, 5);
	assert_int_equal(s1.tx_rollbacks - s0.tx_rollbacks, 1);
	assert_int_equal(s1.errors - s0.errors, 1);
	assert_true(s1.statements - s0.statements >= 5);
}

/*
 * Checkpoints: far more pages written than the WAL may hold stay bounded,
 * because the checkpointer copies them and the writer completes its
 * passes, so the WAL starts over; every row is there after a reopen.
 */
static void
test_checkpoints(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	struct store_stmt	*s;
	struct store_stats	 st;
	struct stat		 sb;
	char			 wal[160], blob[16384];
	int			 i;

	path_in(f, "data/tongbao.db-wal", wal, sizeof(wal));
	exec_write(f->st, "CREATE TABLE t_ck (id INTEGER NOT NULL"
	    " PRIMARY KEY, b TEXT NOT NULL)");
	memset(blob, 'x', sizeof(blob) - 1);
	blob[sizeof(blob) - 1] = '\0';
	/* 1,500 commits of 4+ pages each: 6,000+ pages, six times the
	 * WAL's checkpoint mark. */
	assert_int_equal(store_write(f->st, &c), TB_OK);
	for (i = 1; i <= 1500; i++) {
		assert_int_equal(store_tx_begin(c), TB_OK);
		assert_int_equal(store_prepare(c, "INSERT INTO t_ck (id, b)"
		    " VALUES (?, ?)", &s), TB_OK);
		assert_int_equal(store_bind_i64(s, 1, i), TB_OK);
		assert_int_equal(store_bind_text(s, 2, blob), TB_OK);
		assert_int_equal(store_step(s), TB_DONE);
		assert_int_equal(store_tx_commit(c), TB_OK);
	}
	store_release(c);
	store_get_stats(f->st, &st);
	assert_true(st.checkpoints >= 2);
	assert_int_equal(stat(wal, &sb), 0);
	/* Never more than the mark, what came in during one pass, and the
	 * tail: well under the 6,000 pages written (4 KiB each). */
	assert_true(sb.st_size < 3000 * 4096);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM t_ck"), 1500);
	store_close(f->st);
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM t_ck WHERE"
	    " length(b) = 16383"), 1500);
}

/*
 * Housekeeping: idempotency keys older than their keep and sessions that
 * expired longer ago go, in pages (more than one page of each here);
 * everything younger stays.
 */
static void
test_housekeep(void **state)
{
	struct fix		*f = *state;
	struct store_housekept	 done;
	char			 sql[1024];
	int64_t			 now = tb_now_us();

	exec_write(f->st, "INSERT INTO agencies (code, name, type,"
	    " responsibility_level, created_at, updated_at) VALUES"
	    " ('hk', 'hk', 'city_agency', 'A', 1, 1);"
	    "INSERT INTO users (id, username, name, agency, email, employment,"
	    " created_at, updated_at) VALUES (77, 'hk.user', 'hk', 'hk',"
	    " 'hk@x.test', 'civil_servant', 1, 1)");
	/* 1,200 keys: 700 past the keep by a day or more, 500 within it
	 * (the youngest of those a minute within it). */
	assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO"
	    " idempotency_keys (caller, idem_key, request_hash, status,"
	    " response, created_at) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
	    " SELECT i + 1 FROM n WHERE i < 1200) SELECT 77, 'k' || i, 'h',"
	    " 201, '{}', CASE WHEN i <= 700 THEN %lld - i * 1000000 ELSE %lld"
	    " + i END FROM n", (long long)(now - STORE_IDEM_KEEP_US -
	    86400000000), (long long)(now - STORE_IDEM_KEEP_US + 60000000)),
	    TB_OK);
	exec_write(f->st, sql);
	/* 600 sessions long expired, 3 expired lately, 2 alive. */
	assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO sessions"
	    " (id, token_hash, user_id, created_at, last_seen_at, expires_at)"
	    " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	    " WHERE i < 605) SELECT i, 't' || i, 77, 1, 1, CASE WHEN i <= 600"
	    " THEN %lld WHEN i <= 603 THEN %lld ELSE %lld END FROM n",
	    (long long)(now - STORE_SESSION_KEEP_US - 1),
	    (long long)(now - 3600000000), (long long)(now + 3600000000)),
	    TB_OK);
	exec_write(f->st, sql);

	assert_int_equal(store_housekeep(f->st, now, &done), TB_OK);
	assert_int_equal(done.idempotency_keys, 700);
	assert_int_equal(done.sessions, 600);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM"
	    " idempotency_keys"), 500);
	assert_int_equal(read_i64(f->st, "SELECT MIN(CAST(substr(idem_key, 2)"
	    " AS INTEGER)) FROM idempotency_keys"), 701);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM sessions"), 5);
	assert_int_equal(read_i64(f->st, "SELECT MIN(id) FROM sessions"),
	    601);
	/* Again: nothing more. */
	assert_int_equal(store_housekeep(f->st, now, &done), TB_OK);
	assert_int_equal(done.idempotency_keys, 0);
	assert_int_equal(done.sessions, 0);
}

/* ---- group commit ----------------------------------------------------- */

static const char sql_gc_tables[] =
    "CREATE TABLE t_g (id BIGINT NOT NULL PRIMARY KEY,"
    " who INTEGER NOT NULL);"
    "CREATE TABLE t_p (id BIGINT NOT NULL PRIMARY KEY);"
    "CREATE TABLE t_d (id BIGINT NOT NULL PRIMARY KEY, p BIGINT NOT NULL"
    " REFERENCES t_p (id) DEFERRABLE INITIALLY DEFERRED)";
static const char sql_gc_insert[] =
    "INSERT INTO t_g (id, who) VALUES (?, ?)";
static const char sql_gc_count[] =
    "SELECT COUNT(*) FROM t_g WHERE who = ?";
static const char sql_gc_orphan[] =
    "INSERT INTO t_d (id, p) VALUES (?, 424242)";

/* Inserts row id for who through c; the step's result. */
static int
gc_insert(struct store_conn *c, int64_t id, int64_t who)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_gc_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, who)) != TB_OK)
		return rc;
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

/* Counts who's rows through the calling thread's reader, which sees only
 * what was committed; -1 on a failure. */
static int64_t
gc_count(struct store *st, int64_t who)
{
	struct store_conn	*c;
	struct store_stmt	*s;
	int64_t			 n = -1;

	if (store_read(st, &c) != TB_OK)
		return -1;
	if (store_prepare(c, sql_gc_count, &s) == TB_OK &&
	    store_bind_i64(s, 1, who) == TB_OK && store_step(s) == TB_ROW)
		n = store_col_i64(s, 0);
	store_release(c);
	return n;
}

#define GC_THREADS	8
#define GC_TX		40

struct gc_worker {
	struct store	*st;
	int		 who;
	int		 failures;
};

/*
 * Commits GC_TX transactions of two rows each on one store_write(), the
 * writer lent and taken back between them, and checks after each commit
 * that its reader already sees the rows: TB_OK means committed.
 */
static void *
gc_worker_main(void *p)
{
	struct gc_worker	*w = p;
	struct store_conn	*c, *c2;
	int64_t			 id;
	int			 i;

	if (store_write(w->st, &c) != TB_OK) {
		w->failures++;
		return NULL;
	}
	for (i = 0; i < GC_TX; i++) {
		id = (int64_t)w->who * 100000 + 2 * i;
		if (store_tx_begin(c) != TB_OK ||
		    gc_insert(c, id, w->who) != TB_OK ||
		    gc_insert(c, id + 1, w->who) != TB_OK ||
		    store_tx_commit(c) != TB_OK) {
			w->failures++;
			store_tx_rollback(c);
			continue;
		}
		if (gc_count(w->st, w->who) != 2 * (i + 1))
			w->failures++;
		/* Lent or not, the writer is still this thread's. */
		if (i == GC_TX / 2 && store_write(w->st, &c2) != TB_EINVAL)
			w->failures++;
	}
	store_release(c);
	return NULL;
}

static void
test_group_commit_threads(void **state)
{
	struct fix		*f = *state;
	struct gc_worker	 w[GC_THREADS];
	pthread_t		 t[GC_THREADS];
	struct store_stats	 s0, s1;
	int			 i;

	exec_write(f->st, sql_gc_tables);
	store_get_stats(f->st, &s0);
	for (i = 0; i < GC_THREADS; i++) {
		w[i].st = f->st;
		w[i].who = i + 1;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, gc_worker_main,
		    &w[i]), 0);
	}
	for (i = 0; i < GC_THREADS; i++)
		pthread_join(t[i], NULL);
	store_get_stats(f->st, &s1);
	for (i = 0; i < GC_THREADS; i++) {
		assert_int_equal(w[i].failures, 0);
		assert_int_equal(gc_count(f->st, i + 1), 2 * GC_TX);
	}
	assert_int_equal(s1.tx_commits - s0.tx_commits, GC_THREADS * GC_TX);
	assert_int_equal(s1.tx_rollbacks - s0.tx_rollbacks, 0);
	/* Each batch is one durable COMMIT of one or more of them. */
	assert_true(s1.tx_batches - s0.tx_batches >= 1);
	assert_true(s1.tx_batches - s0.tx_batches <= GC_THREADS * GC_TX);
	assert_int_equal(s1.errors - s0.errors, 0);
}

/* What the member at each position of a batch does besides inserting its
 * row (position = the order in which the members got the writer). */
enum gc_role {
	GC_COMMIT,
	GC_ABANDON,	/* releases the writer with its transaction open */
	GC_ROLLBACK,
	GC_CONFLICT,	/* a second insert breaks a unique key; commits */
	GC_ORPHAN,	/* breaks a deferred foreign key: COMMIT fails */
	GC_PEEK,	/* checks the batch is invisible, then commits */
	GC_AUTOCOMMIT,	/* a statement outside any transaction */
};

struct gc_batch {
	struct store	*st;
	atomic_int	 order;
	const enum gc_role *roles;
	int		 n;
	struct gc_member *members;
};

struct gc_member {
	struct gc_batch	*b;
	int		 pos;
	int		 rc;		/* of its commit or rollback */
	int		 failures;
	char		 errmsg[160];
	atomic_int	 returned;	/* its commit has returned */
};

static void *
gc_member_main(void *p)
{
	struct gc_member	*m = p;
	struct gc_batch		*b = m->b;
	struct store_conn	*c;
	struct store_stmt	*s;
	enum gc_role		 role;
	int			 i;

	if (store_write(b->st, &c) != TB_OK) {
		m->failures++;
		return NULL;
	}
	m->pos = atomic_fetch_add(&b->order, 1);
	role = b->roles[m->pos];
	if (role == GC_AUTOCOMMIT) {
		/* Ends the open batch first, then stands alone. */
		if (gc_insert(c, 1000 * (m->pos + 1), m->pos) != TB_OK)
			m->failures++;
		store_release(c);
		return NULL;
	}
	if (store_tx_begin(c) != TB_OK ||
	    gc_insert(c, 1000 * (m->pos + 1), m->pos) != TB_OK)
		m->failures++;
	switch (role) {
	case GC_CONFLICT:
		/* Position 0's row: uncommitted, but in the same batch. */
		if (gc_insert(c, 1000, m->pos) != TB_ECONFLICT)
			m->failures++;
		break;
	case GC_ORPHAN:
		/* Deferred: the statement succeeds, the COMMIT will not. */
		if (store_prepare(c, sql_gc_orphan, &s) != TB_OK ||
		    store_bind_i64(s, 1, m->pos) != TB_OK ||
		    store_step(s) != TB_DONE)
			m->failures++;
		break;
	case GC_PEEK:
		/* Everything before it waits in the batch: no reader sees
		 * it, and no commit of it has returned. */
		for (i = 0; i < m->pos; i++) {
			if (gc_count(b->st, i) != 0)
				m->failures++;
			if (atomic_load(&b->members[i].returned))
				m->failures++;
		}
		break;
	default:
		break;
	}
	if (role == GC_ABANDON) {
		store_release(c);
		atomic_store(&m->returned, 1);
		return NULL;
	}
	m->rc = role == GC_ROLLBACK ? store_tx_rollback(c) :
	    store_tx_commit(c);
	atomic_store(&m->returned, 1);
	tb_strlcpy(m->errmsg, store_errmsg(c), sizeof(m->errmsg));
	/* A commit that returned TB_OK is visible to every reader. */
	if (role != GC_ROLLBACK && m->rc == TB_OK &&
	    gc_count(b->st, m->pos) != 1)
		m->failures++;
	store_release(c);
	return NULL;
}

/*
 * Runs one member per role as a single batch: the writer is held here
 * until all of them wait for it, and the batch may wait as long as it
 * takes, so the first commit lends the writer to the next member and so
 * on, and only the last one finds nobody waiting.  Returns the change
 * in the statistics.
 */
static void
gc_run_batch(struct fix *f, const enum gc_role *roles, int n,
    struct gc_member *m, struct store_stats *delta)
{
	struct gc_batch		 b;
	struct store_conn	*c;
	struct store_stats	 s0, s1;
	pthread_t		 t[16];
	int			 i;

	assert_true(n <= 16);
	memset(&b, 0, sizeof(b));
	b.st = f->st;
	b.roles = roles;
	b.n = n;
	b.members = m;
	atomic_init(&b.order, 0);
	memset(m, 0, (size_t)n * sizeof(*m));
	f->st->batch_max_us = INT64_C(60000000);
	store_get_stats(f->st, &s0);
	assert_int_equal(store_write(f->st, &c), TB_OK);
	for (i = 0; i < n; i++) {
		m[i].b = &b;
		assert_int_equal(pthread_create(&t[i], NULL, gc_member_main,
		    &m[i]), 0);
	}
	while (store_sqlite_writer_waiting(f->st) < n)
		usleep(1000);
	store_release(c);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	store_get_stats(f->st, &s1);
	delta->tx_commits = s1.tx_commits - s0.tx_commits;
	delta->tx_batches = s1.tx_batches - s0.tx_batches;
	delta->tx_rollbacks = s1.tx_rollbacks - s0.tx_rollbacks;
	delta->errors = s1.errors - s0.errors;
}

/* The member that got the writer at position pos. */
static const struct gc_member *
gc_at(const struct gc_member *m, int n, int pos)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (m[i].pos == pos)
			return &m[i];
	fail_msg("no member at position %d", pos);
	return NULL;
}

/*
 * One batch: a rollback and an abandoned transaction in the middle take
 * out their own rows only; a unique-key conflict fails its statement, not
 * the batch; the batch stays invisible until its COMMIT; a statement
 * outside any transaction ends the batch and then runs alone.
 */
static void
test_group_commit_batch(void **state)
{
	struct fix		*f = *state;
	static const enum gc_role roles[] = {
		GC_COMMIT, GC_ABANDON, GC_COMMIT, GC_ROLLBACK, GC_CONFLICT,
		GC_PEEK, GC_AUTOCOMMIT,
	};
	static const int64_t	 rows[] = { 1, 0, 1, 0, 1, 1, 1 };
	const int		 n = (int)(sizeof(roles) / sizeof(roles[0]));
	struct gc_member	 m[sizeof(roles) / sizeof(roles[0])];
	struct store_stats	 d;
	int			 i;

	exec_write(f->st, sql_gc_tables);
	gc_run_batch(f, roles, n, m, &d);
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i].failures, 0);
		assert_int_equal(gc_count(f->st, i), rows[i]);
		if (roles[i] != GC_ABANDON && roles[i] != GC_AUTOCOMMIT)
			assert_int_equal(gc_at(m, n, i)->rc, TB_OK);
	}
	/* Positions 0, 2, 4, 5 in one COMMIT; 1 and 3 rolled back. */
	assert_int_equal(d.tx_batches, 1);
	assert_int_equal(d.tx_commits, 4);
	assert_int_equal(d.tx_rollbacks, 2);
	assert_int_equal(d.errors, 0);
}

/*
 * A COMMIT that fails (here a deferred foreign key one member broke)
 * fails every transaction of the batch: each caller gets TB_ESTORE and
 * the reason, no reader ever sees any of it, and the writer works again
 * afterwards.
 */
static void
test_group_commit_failure(void **state)
{
	struct fix		*f = *state;
	static const enum gc_role roles[] = {
		GC_COMMIT, GC_COMMIT, GC_ORPHAN, GC_COMMIT, GC_COMMIT,
	};
	const int		 n = (int)(sizeof(roles) / sizeof(roles[0]));
	struct gc_member	 m[sizeof(roles) / sizeof(roles[0])];
	struct store_stats	 d;
	int			 i;

	exec_write(f->st, sql_gc_tables);
	gc_run_batch(f, roles, n, m, &d);
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i].failures, 0);
		assert_int_equal(m[i].rc, TB_ESTORE);
		assert_non_null(strstr(m[i].errmsg, "FOREIGN KEY"));
		assert_int_equal(gc_count(f->st, i), 0);
	}
	assert_int_equal(d.tx_batches, 0);
	assert_int_equal(d.tx_commits, 0);
	assert_int_equal(d.tx_rollbacks, n);
	assert_true(d.errors >= 1);
	assert_int_equal(read_i64(f->st, "SELECT COUNT(*) FROM t_d"), 0);

	exec_write(f->st, "INSERT INTO t_g (id, who) VALUES (1, 99)");
	assert_int_equal(gc_count(f->st, 99), 1);
}

/* With group commit off, the same batch is one COMMIT per transaction. */
static void
test_group_commit_off(void **state)
{
	struct fix		*f = *state;
	static const enum gc_role roles[] = {
		GC_COMMIT, GC_COMMIT, GC_ROLLBACK, GC_COMMIT,
	};
	const int		 n = (int)(sizeof(roles) / sizeof(roles[0]));
	struct gc_member	 m[sizeof(roles) / sizeof(roles[0])];
	struct store_stats	 d;
	int			 i;

	exec_write(f->st, sql_gc_tables);
	store_group_commit(f->st, 0);
	gc_run_batch(f, roles, n, m, &d);
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i].failures, 0);
		assert_int_equal(m[i].rc, TB_OK);
		assert_int_equal(gc_count(f->st, i),
		    roles[i] == GC_ROLLBACK ? 0 : 1);
	}
	assert_int_equal(d.tx_batches, 3);
	assert_int_equal(d.tx_commits, 3);
	assert_int_equal(d.tx_rollbacks, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_urls, setup_open,
		    teardown),
		cmocka_unit_test(test_migrations_numbered),
		cmocka_unit_test_setup_teardown(test_migrate_fresh_then_noop,
		    setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_newer_refused,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_list_rows,
		    setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_agency_user_rows,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_new_id, setup_open,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tx_rules,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_statements,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_reader_release_resets,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_readers,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_backup_while_writing,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_backup_refusals,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup_migrated,
		    teardown),
		cmocka_unit_test_setup_teardown(test_housekeep,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_threads,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_batch,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_failure,
		    setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_off,
		    setup_migrated, teardown),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
