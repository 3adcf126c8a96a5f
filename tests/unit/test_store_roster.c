/*
 * test_store_roster.c: the store functions behind agencies, people and the
 * contact-window roster (store_org.c, store_roster.c, migration 3), on a
 * real SQLite file in a fresh temporary folder per test.
 */
#define _GNU_SOURCE	/* nftw() flags */

#include <sys/stat.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "store/store.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* A round instant to build times from: 2026-03-01T00:00:00Z. */
#define T0		INT64_C(1772323200000000)
#define HOUR		(INT64_C(3600) * 1000000)

struct fix {
	char		 dir[64];
	char		 db[128];
	struct store	*st;
	struct store_conn *c;		/* the writer, in a transaction */
	int64_t		 uid[4];	/* a.window, a.deputy, a.vendor, b.x */
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
agency(struct store_conn *c, const char *code, const char *name,
    const char *name_en, const char *type, const char *superior,
    const char *level)
{
	struct store_agency	 a;

	memset(&a, 0, sizeof(a));
	a.code = code;
	a.name = name;
	a.name_en = name_en;
	a.type = type;
	a.superior = superior;
	a.responsibility_level = level;
	a.uses_city_mail = 1;
	a.active = 1;
	a.created_at = a.updated_at = T0;
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
}

static int64_t
user(struct store_conn *c, const char *username, const char *agency_code,
    const char *employment, int dedicated, const char *role)
{
	struct store_user	 u;
	const char		*roles[1] = { role };

	memset(&u, 0, sizeof(u));
	u.id = store_new_id();
	u.username = username;
	u.name = username;
	u.agency = agency_code;
	u.employment = employment;
	u.dedicated_staff = dedicated;
	u.phone = "02-1234-5678";
	u.active = 1;
	u.created_at = u.updated_at = T0;
	assert_int_equal(store_user_insert(c, &u, roles, role ? 1 : 0),
	    TB_OK);
	return u.id;
}

/*
 * A migrated store with agencies a (B) > a1 (C), b (D, school) and x
 * (inactive), four people, and the writer left in an open transaction.
 */
static int
setup(void **state)
{
	struct fix		*f = calloc(1, sizeof(*f));
	struct store_agency	 x;
	char			 err[256];
	int			 applied;

	assert_non_null(f);
	assert_int_equal(tb_strlcpy(f->dir, "/tmp/tb_roster_XXXXXX",
	    sizeof(f->dir)), TB_OK);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(tb_snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir),
	    TB_OK);
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	assert_int_equal(store_write(f->st, &f->c), TB_OK);
	assert_int_equal(store_tx_begin(f->c), TB_OK);
	agency(f->c, "a", "臺北市政府甲局", "Bureau A_%", "city_agency", NULL,
	    "B");
	agency(f->c, "a1", "甲局所屬一處", NULL, "subordinate", "a", "C");
	agency(f->c, "b", "乙國小", "B School", "school", NULL, "D");
	memset(&x, 0, sizeof(x));
	x.code = "x";
	x.name = "停用機關";
	x.type = "subordinate";
	x.superior = "a";
	x.responsibility_level = "E";
	x.created_at = x.updated_at = T0;
	assert_int_equal(store_agency_insert(f->c, &x), TB_OK);
	f->uid[0] = user(f->c, "a.window", "a", "civil_servant", 1,
	    "contact_window");
	f->uid[1] = user(f->c, "a.deputy", "a", "contract", 0, "reporter");
	f->uid[2] = user(f->c, "a.vendor", "a", "vendor", 1, "vendor");
	f->uid[3] = user(f->c, "b.x", "b", "civil_servant", 1, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	store_release(f->c);
	store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------ */

/* Appends to a fixed buffer, failing the test when it does not fit. */
static void
cat(char *dst, size_t size, const char *s)
{
	size_t	 n = strlen(dst);

	assert_int_equal(tb_strlcpy(dst + n, s, size - n), TB_OK);
}

struct codes {
	char	 s[256];
	int	 stop_after;	/* 0: never */
	int	 n;
};

static int
codes_add(void *arg, const struct store_agency_rec *a)
{
	struct codes	*cs = arg;

	if (cs->s[0] != '\0')
		cat(cs->s, sizeof(cs->s), ",");
	cat(cs->s, sizeof(cs->s), a->code);
	cs->n++;
	return cs->stop_after > 0 && cs->n >= cs->stop_after;
}

static void
test_agency_get_and_scan(void **state)
{
	static const struct {
		const char	*what;
		struct store_agency_filter f;
		int64_t		 limit;
		int		 stop_after;
		const char	*want;
	} rows[] = {
		{ "all, in code order", { 0 }, 100, 0, "a,a1,b,x" },
		{ "limit", { 0 }, 2, 0, "a,a1" },
		{ "the callback stops", { 0 }, 100, 1, "a" },
		{ "after a cursor", { .after = "a1" }, 100, 0, "b,x" },
		{ "active only", { .active_only = 1 }, 100, 0, "a,a1,b" },
		{ "by type", { .type = "school" }, 100, 0, "b" },
		{ "direct subordinates", { .superior = "a" }, 100, 0, "a1,x" },
		{ "q in the Chinese name", { .q = "甲局" }, 100, 0, "a,a1" },
		{ "q in the English name, any case", { .q = "b SCHOOL" }, 100,
		    0, "b" },
		{ "q in the code", { .q = "a1" }, 100, 0, "a1" },
		/* LIKE's wildcards in q match only themselves. */
		{ "q with _ and %", { .q = "A_%" }, 100, 0, "a" },
		{ "q with a lone %", { .q = "%" }, 100, 0, "a" },
		{ "q that matches nothing", { .q = "zz" }, 100, 0, "" },
		{ "filters together", { .q = "甲", .superior = "a",
		    .type = "subordinate", .active_only = 1 }, 100, 0, "a1" },
	};
	struct fix		*f = *state;
	struct store_agency_rec	 a;

	assert_int_equal(store_agency_get(f->c, "a1", &a), TB_OK);
	assert_string_equal(a.name, "甲局所屬一處");
	assert_string_equal(a.name_en, "");
	assert_string_equal(a.superior, "a");
	assert_string_equal(a.supervisor, "");
	assert_string_equal(a.responsibility_level, "C");
	assert_int_equal(a.active, 1);
	assert_int_equal(a.created_at, T0);
	assert_int_equal(store_agency_get(f->c, "nope", &a), TB_ENOTFOUND);
	for (size_t i = 0; i < NELEM(rows); i++) {
		struct codes cs;

		memset(&cs, 0, sizeof(cs));
		cs.stop_after = rows[i].stop_after;
		assert_int_equal(store_agency_scan(f->c, &rows[i].f,
		    rows[i].limit, codes_add, &cs), TB_OK);
		if (strcmp(cs.s, rows[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", rows[i].what,
			    cs.s, rows[i].want);
	}
}

/* Text that callbacks append to. */
struct text {
	char	 s[256];
};

static int
tree_add(void *arg, const char *code, const char *superior)
{
	struct text	*t = arg;

	cat(t->s, sizeof(t->s), code);
	cat(t->s, sizeof(t->s), ">");
	cat(t->s, sizeof(t->s), superior != NULL ? superior : "-");
	cat(t->s, sizeof(t->s), " ");
	return 0;
}

static void
test_agency_update_and_tree(void **state)
{
	struct fix		*f = *state;
	struct store_agency_rec	 a;
	struct store_agency	 w;
	struct text		 tree;

	assert_int_equal(store_agency_get(f->c, "b", &a), TB_OK);
	memset(&w, 0, sizeof(w));
	w.code = "b";
	w.name = "乙國民小學";
	w.type = "school";
	w.superior = "a";
	w.supervisor = "a1";
	w.responsibility_level = "C";
	w.reports_to_central = 1;
	w.active = 0;
	w.updated_at = T0 + 5;
	assert_int_equal(store_agency_update(f->c, &w), TB_OK);
	assert_int_equal(store_agency_get(f->c, "b", &a), TB_OK);
	assert_string_equal(a.name, "乙國民小學");
	assert_string_equal(a.name_en, "");
	assert_string_equal(a.superior, "a");
	assert_string_equal(a.supervisor, "a1");
	assert_int_equal(a.reports_to_central, 1);
	assert_int_equal(a.uses_city_mail, 0);
	assert_int_equal(a.active, 0);
	assert_int_equal(a.created_at, T0);
	assert_int_equal(a.updated_at, T0 + 5);
	/* The database refuses what the API refuses first. */
	w.superior = "nope";
	assert_int_equal(store_agency_update(f->c, &w), TB_ECONFLICT);
	w.superior = NULL;
	w.responsibility_level = "F";
	assert_int_equal(store_agency_update(f->c, &w), TB_ECONFLICT);
	w.responsibility_level = "C";
	w.code = "nope";
	assert_int_equal(store_agency_update(f->c, &w), TB_ENOTFOUND);
	memset(&tree, 0, sizeof(tree));
	assert_int_equal(store_agency_tree(f->c, tree_add, &tree), TB_OK);
	assert_string_equal(tree.s, "a>- a1>a b>a x>a ");
}

static int
names_add(void *arg, const struct store_user_rec *u)
{
	struct text	*t = arg;

	cat(t->s, sizeof(t->s), u->username);
	cat(t->s, sizeof(t->s), ",");
	return 0;
}

static int
roles_add(void *arg, const char *role)
{
	struct text	*t = arg;

	cat(t->s, sizeof(t->s), role);
	cat(t->s, sizeof(t->s), ",");
	return 0;
}

static int
counts_add(void *arg, const char *agency_code, int64_t n)
{
	struct text	*t = arg;
	char		 part[32];

	assert_int_equal(tb_snprintf(part, sizeof(part), "%s=%lld,",
	    agency_code, (long long)n), TB_OK);
	cat(t->s, sizeof(t->s), part);
	return 0;
}

static void
test_users(void **state)
{
	struct fix		*f = *state;
	struct store_user_rec	 u;
	struct store_user	 w;
	struct text		 ns, roles, counts;
	int64_t			 n;

	assert_int_equal(store_user_get(f->c, "a.deputy", &u), TB_OK);
	assert_int_equal(u.id, f->uid[1]);
	assert_string_equal(u.agency, "a");
	assert_string_equal(u.employment, "contract");
	assert_string_equal(u.email, "");
	assert_string_equal(u.phone, "02-1234-5678");
	assert_string_equal(u.lang, "zh-TW");
	assert_int_equal(u.has_password, 0);
	assert_int_equal(store_user_get(f->c, "nobody", &u), TB_ENOTFOUND);

	memset(&w, 0, sizeof(w));
	w.id = f->uid[1];
	w.username = "ignored";
	w.agency = "b";
	w.password_hash = "ignored";
	w.name = "代理人";
	w.email = "deputy@example.test";
	w.employment = "civil_servant";
	w.dedicated_staff = 1;
	w.active = 1;
	w.updated_at = T0 + 9;
	assert_int_equal(store_user_update(f->c, &w), TB_OK);
	assert_int_equal(store_user_get(f->c, "a.deputy", &u), TB_OK);
	/* Never the user name, agency or password hash. */
	assert_string_equal(u.agency, "a");
	assert_int_equal(u.has_password, 0);
	assert_string_equal(u.name, "代理人");
	assert_string_equal(u.email, "deputy@example.test");
	assert_string_equal(u.phone, "");
	assert_int_equal(u.dedicated_staff, 1);
	assert_int_equal(u.updated_at, T0 + 9);
	w.id = 12345;
	assert_int_equal(store_user_update(f->c, &w), TB_ENOTFOUND);

	assert_int_equal(store_user_role_grant(f->c, f->uid[1], "ciso",
	    f->uid[0], T0), TB_OK);
	assert_int_equal(store_user_role_grant(f->c, f->uid[1], "ciso", 0,
	    T0), TB_ECONFLICT);
	assert_int_equal(store_user_role_grant(f->c, f->uid[1], "king", 0,
	    T0), TB_ECONFLICT);
	assert_int_equal(store_user_role_revoke(f->c, f->uid[1], "reporter"),
	    TB_OK);
	assert_int_equal(store_user_role_revoke(f->c, f->uid[1], "reporter"),
	    TB_ENOTFOUND);
	memset(&roles, 0, sizeof(roles));
	assert_int_equal(store_user_roles(f->c, f->uid[1], roles_add, &roles),
	    TB_OK);
	assert_string_equal(roles.s, "ciso,");

	memset(&ns, 0, sizeof(ns));
	assert_int_equal(store_user_scan(f->c, NULL, NULL, 100, names_add,
	    &ns), TB_OK);
	assert_string_equal(ns.s, "a.deputy,a.vendor,a.window,b.x,");
	memset(&ns, 0, sizeof(ns));
	assert_int_equal(store_user_scan(f->c, "a", "a.deputy", 1, names_add,
	    &ns), TB_OK);
	assert_string_equal(ns.s, "a.vendor,");

	/* a: the window, the vendor and now the deputy; b: one. */
	assert_int_equal(store_agency_dedicated_count(f->c, "a", &n), TB_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_agency_dedicated_count(f->c, "a1", &n), TB_OK);
	assert_int_equal(n, 0);
	memset(&counts, 0, sizeof(counts));
	assert_int_equal(store_dedicated_counts(f->c, counts_add, &counts),
	    TB_OK);
	assert_string_equal(counts.s, "a=3,b=1,");
}

/* ------------------------------------------------------------------ */

static int64_t
contact(struct fix *f, const char *agency_code, int64_t user_id,
    const char *role, int64_t effective, int64_t created)
{
	struct store_contact	 k;

	memset(&k, 0, sizeof(k));
	k.id = store_new_id();
	k.agency = agency_code;
	k.user_id = user_id;
	k.role = role;
	k.effective_from = effective;
	k.access_ready_at = STORE_TIME_NONE;
	k.notified_at = created;
	k.created_at = created;
	k.created_by = f->uid[0];
	assert_int_equal(store_contact_insert(f->c, &k), TB_OK);
	return k.id;
}

struct found {
	int64_t	 ids[8];
	int	 n;
};

static int
found_add(void *arg, const struct store_contact_rec *k)
{
	struct found	*fd = arg;

	if (fd->n < 8)
		fd->ids[fd->n] = k->id;
	fd->n++;
	return 0;
}

/* The ids a filter finds, as a count (ids in fd). */
static int
scan(struct fix *f, const struct store_contact_filter *flt,
    struct found *fd)
{
	memset(fd, 0, sizeof(*fd));
	assert_int_equal(store_contact_scan(f->c, flt, 0, found_add, fd),
	    TB_OK);
	return fd->n;
}

static void
test_contacts(void **state)
{
	struct fix		*f = *state;
	struct store_contact_filter flt;
	struct store_contact_rec k;
	struct store_contact	 bad;
	struct store_user	 w;
	struct found		 fd;
	int64_t			 w1, w2, d1, n;

	w1 = contact(f, "a", f->uid[0], "window", T0, T0 - HOUR);
	d1 = contact(f, "a", f->uid[1], "deputy", T0 + 2 * HOUR, T0);
	assert_int_equal(store_contact_get(f->c, w1, &k), TB_OK);
	assert_string_equal(k.agency, "a");
	assert_string_equal(k.username, "a.window");
	assert_string_equal(k.role, "window");
	assert_string_equal(k.phone, "02-1234-5678");
	assert_int_equal(k.dedicated_staff, 1);
	assert_int_equal(k.user_active, 1);
	assert_int_equal(k.effective_from, T0);
	assert_int_equal(k.access_ready_at, STORE_TIME_NONE);
	assert_int_equal(k.ended_at, STORE_TIME_NONE);
	assert_string_equal(k.appointed_by, "");
	assert_string_equal(k.created_by_name, "a.window");
	assert_int_equal(store_contact_get(f->c, 42, &k), TB_ENOTFOUND);

	/* In force: begun and not ended. */
	store_contact_filter_init(&flt);
	flt.agency = "a";
	flt.in_force_at = T0 - 1;
	assert_int_equal(scan(f, &flt, &fd), 0);
	flt.in_force_at = T0;
	assert_int_equal(scan(f, &flt, &fd), 1);
	assert_int_equal(fd.ids[0], w1);
	flt.in_force_at = T0 + 2 * HOUR;
	assert_int_equal(scan(f, &flt, &fd), 2);

	/* A new window: the old one ends when it begins. */
	w2 = contact(f, "a", f->uid[1], "window", T0 + 5 * HOUR, T0 + HOUR);
	assert_int_equal(store_contact_end(f->c, w1, T0 + 5 * HOUR), TB_OK);
	assert_int_equal(store_contact_end(f->c, w1, T0 + 6 * HOUR),
	    TB_ENOTFOUND);
	store_contact_filter_init(&flt);
	flt.role = "window";
	flt.in_force_at = T0 + 5 * HOUR - 1;
	assert_int_equal(scan(f, &flt, &fd), 1);
	assert_int_equal(fd.ids[0], w1);
	flt.in_force_at = T0 + 5 * HOUR;
	assert_int_equal(scan(f, &flt, &fd), 1);
	assert_int_equal(fd.ids[0], w2);
	/* Open: not ended by then; INT64_MAX leaves the never-ended. */
	store_contact_filter_init(&flt);
	flt.role = "window";
	flt.open_at = T0;
	assert_int_equal(scan(f, &flt, &fd), 2);
	flt.open_at = INT64_MAX;
	assert_int_equal(scan(f, &flt, &fd), 1);
	assert_int_equal(fd.ids[0], w2);

	/* Ending before it begins leaves it never in force. */
	assert_int_equal(store_contact_end(f->c, w2, T0), TB_OK);
	assert_int_equal(store_contact_get(f->c, w2, &k), TB_OK);
	assert_int_equal(k.ended_at, T0 + 5 * HOUR);
	store_contact_filter_init(&flt);
	flt.in_force_at = T0 + 5 * HOUR;
	flt.role = "window";
	assert_int_equal(scan(f, &flt, &fd), 0);

	/* A person made inactive is in force nowhere. */
	memset(&w, 0, sizeof(w));
	w.id = f->uid[1];
	w.name = "a.deputy";
	w.employment = "contract";
	w.active = 0;
	w.updated_at = T0;
	assert_int_equal(store_user_update(f->c, &w), TB_OK);
	store_contact_filter_init(&flt);
	flt.user_id = f->uid[1];
	flt.in_force_at = T0 + 3 * HOUR;
	assert_int_equal(scan(f, &flt, &fd), 0);
	flt.in_force_at = STORE_TIME_NONE;
	assert_int_equal(scan(f, &flt, &fd), 2);
	assert_int_equal(fd.ids[0], d1);

	/* A cursor: after (created_at, id) of the first. */
	store_contact_filter_init(&flt);
	flt.agency = "a";
	flt.after_created = T0 - HOUR;
	flt.after_id = w1;
	assert_int_equal(scan(f, &flt, &fd), 2);
	assert_int_equal(fd.ids[0], d1);
	assert_int_equal(fd.ids[1], w2);

	assert_int_equal(store_contact_count(f->c, "a", "window", &n), TB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_contact_count(f->c, "b", "window", &n), TB_OK);
	assert_int_equal(n, 0);

	/* The database keeps what the API checks first. */
	memset(&bad, 0, sizeof(bad));
	bad.id = store_new_id();
	bad.agency = "a";
	bad.user_id = f->uid[0];
	bad.role = "boss";
	bad.access_ready_at = STORE_TIME_NONE;
	assert_int_equal(store_contact_insert(f->c, &bad), TB_ECONFLICT);
	bad.role = "deputy";
	bad.agency = "nope";
	assert_int_equal(store_contact_insert(f->c, &bad), TB_ECONFLICT);
	bad.agency = "a";
	bad.appointed_by = "nobody";
	assert_int_equal(store_contact_insert(f->c, &bad), TB_ECONFLICT);
	bad.appointed_by = "a.window";
	assert_int_equal(store_contact_insert(f->c, &bad), TB_OK);
}

static void
test_writes_need_a_transaction(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*r;
	struct store_contact	 k;

	assert_int_equal(store_tx_commit(f->c), TB_OK);
	memset(&k, 0, sizeof(k));
	k.id = store_new_id();
	k.agency = "a";
	k.user_id = f->uid[0];
	k.role = "window";
	k.access_ready_at = STORE_TIME_NONE;
	assert_int_equal(store_contact_insert(f->c, &k), TB_EINVAL);
	assert_int_equal(store_contact_end(f->c, 1, T0), TB_EINVAL);
	assert_int_equal(store_user_role_grant(f->c, f->uid[0], "ciso", 0,
	    T0), TB_EINVAL);
	assert_int_equal(store_read(f->st, &r), TB_OK);
	assert_int_equal(store_contact_insert(r, &k), TB_EINVAL);
	store_release(r);
	/* teardown releases the writer with no transaction open. */
	assert_int_equal(store_tx_begin(f->c), TB_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_agency_get_and_scan,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_agency_update_and_tree,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_writes_need_a_transaction,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
