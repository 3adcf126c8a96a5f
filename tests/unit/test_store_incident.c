/*
 * test_store_incident.c: the store behind incidents (store_incident.c,
 * migration 4): the incident row, append-only events, affected agencies
 * (P12), report numbers, stored obligations and their one-query scan,
 * the scopes of lists, and idempotency keys; on a real SQLite file in a
 * fresh temporary folder per test.
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
	int64_t		 w, v, x;	/* a.window, a.vendor, c.window */
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
agency(struct store_conn *c, const char *code, const char *type,
    const char *superior, const char *supervisor)
{
	struct store_agency	 a;

	memset(&a, 0, sizeof(a));
	a.code = code;
	a.name = code;
	a.type = type;
	a.superior = superior;
	a.supervisor = supervisor;
	a.responsibility_level = "C";
	a.active = 1;
	a.created_at = a.updated_at = T0;
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
}

static int64_t
user(struct store_conn *c, const char *username, const char *agency_code)
{
	struct store_user	 u;

	memset(&u, 0, sizeof(u));
	u.id = store_new_id();
	u.username = username;
	u.name = username;
	u.agency = agency_code;
	u.employment = "civil_servant";
	u.email = "x@example.test";
	u.active = 1;
	u.created_at = u.updated_at = T0;
	assert_int_equal(store_user_insert(c, &u, NULL, 0), TB_OK);
	return u.id;
}

/*
 * A migrated store with agencies a > a1 > a11, b (supervised by s), s, c,
 * three people, and the writer left in an open transaction.
 */
static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));
	char		 err[256];
	int		 applied;

	assert_non_null(f);
	assert_int_equal(tb_strlcpy(f->dir, "/tmp/tb_incident_XXXXXX",
	    sizeof(f->dir)), TB_OK);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(tb_snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir),
	    TB_OK);
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	assert_int_equal(store_write(f->st, &f->c), TB_OK);
	assert_int_equal(store_tx_begin(f->c), TB_OK);
	agency(f->c, "s", "city_agency", NULL, NULL);
	agency(f->c, "a", "city_agency", NULL, NULL);
	agency(f->c, "a1", "subordinate", "a", NULL);
	agency(f->c, "a11", "subordinate", "a1", NULL);
	agency(f->c, "b", "school", NULL, "s");
	agency(f->c, "c", "city_agency", NULL, NULL);
	f->w = user(f->c, "a.window", "a");
	f->v = user(f->c, "a.vendor", "a");
	f->x = user(f->c, "c.window", "c");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	store_tx_rollback(f->c);
	store_release(f->c);
	store_close(f->st);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Inserts an incident of agency at aware, reported by who. */
static int64_t
incident(struct fix *f, const char *agency_code, int64_t aware, int64_t who,
    int level, const char *title)
{
	struct store_incident	 in;

	memset(&in, 0, sizeof(in));
	in.id = store_new_id();
	in.agency = agency_code;
	in.title = title;
	in.category = "intrusion";
	in.occurred_at = STORE_TIME_NONE;
	in.aware_at = aware;
	in.proposed_level = in.level = level;
	in.reported_by = who;
	in.vendor_aware_at = in.vendor_reported_at = STORE_TIME_NONE;
	in.policy = "2019-01-01";
	in.state = "new";
	in.created_at = in.updated_at = aware;
	assert_int_equal(store_incident_insert(f->c, &in, NULL, 0), TB_OK);
	return in.id;
}

static void
test_tables(void **state)
{
	struct fix		*f = *state;
	static const char *const tables[] = {
		"incidents", "incident_affected", "events", "platform_refs",
		"obligations", "idempotency_keys",
	};
	struct store_stmt	*s;
	size_t			 i;

	for (i = 0; i < NELEM(tables); i++) {
		char	 sql[96];

		/* Table names are ours, fixed here: no user input. */
		assert_int_equal(tb_snprintf(sql, sizeof(sql),
		    "SELECT COUNT(*) FROM %s", tables[i]), TB_OK);
		assert_int_equal(store_exec(f->c, sql), TB_OK);
	}
	/* Portability rule: every primary key column is NOT NULL. */
	assert_int_equal(store_prepare(f->c, "SELECT COUNT(*) FROM"
	    " pragma_table_info('obligations')"
	    " WHERE pk > 0 AND \"notnull\" = 0",
	    &s), TB_OK);
	assert_int_equal(store_step(s), TB_ROW);
	assert_int_equal(store_col_i64(s, 0), 0);
}

static void
test_incident_row(void **state)
{
	struct fix		*f = *state;
	struct store_incident	 in, got;
	const char		*aff[] = { "c", "b" };
	const char		*bad[] = { "no-such" };
	struct store_incident_agency ag;
	struct store_incident_person p;

	memset(&in, 0, sizeof(in));
	in.id = store_new_id();
	in.agency = "a";
	in.title = "網站遭置換";
	in.description = "首頁";
	in.category = "web_attack";
	in.symptoms = "[\"defacement\"]";
	in.occurred_at = T0 - HOUR;
	in.aware_at = T0;
	in.proposed_level = in.level = 3;
	in.exercise = 1;
	in.reported_by = f->w;
	in.vendor_aware_at = STORE_TIME_NONE;
	in.vendor_reported_at = T0;
	in.policy = "2019-01-01";
	in.state = "new";
	in.created_at = in.updated_at = T0;
	assert_int_equal(store_incident_insert(f->c, &in, aff, 2), TB_OK);
	assert_int_equal(store_incident_get(f->c, in.id, &got), TB_OK);
	assert_string_equal(got.title, "網站遭置換");
	assert_string_equal(got.agency_name, "a");
	assert_string_equal(got.reported_by_name, "a.window");
	assert_string_equal(got.symptoms, "[\"defacement\"]");
	assert_string_equal(got.affected_systems, "[]");
	assert_null(got.category_other);
	assert_null(got.source);
	assert_int_equal(got.occurred_at, T0 - HOUR);
	assert_int_equal(got.vendor_aware_at, STORE_TIME_NONE);
	assert_int_equal(got.vendor_reported_at, T0);
	assert_int_equal(got.exercise, 1);
	assert_int_equal(got.version, 1);
	store_incident_cleanup(&got);
	assert_null(got.mem);
	assert_int_equal(store_incident_get(f->c, 42, &got), TB_ENOTFOUND);

	/* An unknown affected agency or a repeated one: nothing half done
	 * stays once the caller rolls back. */
	in.id = store_new_id();
	assert_int_equal(store_incident_insert(f->c, &in, bad, 1),
	    TB_ECONFLICT);
	in.agency = "no-such";
	in.id = store_new_id();
	assert_int_equal(store_incident_insert(f->c, &in, NULL, 0),
	    TB_ECONFLICT);
	in.agency = "a";
	in.category = "ufo";
	assert_int_equal(store_incident_insert(f->c, &in, NULL, 0),
	    TB_ECONFLICT);
	in.title = NULL;
	assert_int_equal(store_incident_insert(f->c, &in, NULL, 0),
	    TB_EINVAL);

	assert_int_equal(store_incident_agency(f->c, "b", &ag), TB_OK);
	assert_string_equal(ag.type, "school");
	assert_int_equal(store_incident_agency(f->c, "zz", &ag),
	    TB_ENOTFOUND);
	assert_int_equal(store_incident_person(f->c, f->w, &p), TB_OK);
	assert_string_equal(p.username, "a.window");
	assert_string_equal(p.phone, "");
	assert_int_equal(store_incident_person(f->c, 7, &p), TB_ENOTFOUND);
}

static void
test_touch_and_writes_need_tx(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*r;
	int64_t			 id = incident(f, "a", T0, f->w, 2, "t");

	assert_int_equal(store_incident_touch(f->c, id, 1, 3, "approved",
	    T0 + 1), TB_OK);
	/* Optimistic: the version moved on. */
	assert_int_equal(store_incident_touch(f->c, id, 1, 4, "reported",
	    T0 + 2), TB_ECONFLICT);
	assert_int_equal(store_incident_touch(f->c, 99, 1, 4, "reported",
	    T0 + 2), TB_ENOTFOUND);
	assert_int_equal(store_incident_touch(f->c, id, 2, 4, "nonsense",
	    T0 + 2), TB_ECONFLICT);
	assert_int_equal(store_tx_commit(f->c), TB_OK);
	/* Outside a write transaction, and through a reader: refused. */
	assert_int_equal(store_incident_touch(f->c, id, 2, 4, "reported",
	    T0 + 2), TB_EINVAL);
	assert_int_equal(store_read(f->st, &r), TB_OK);
	assert_int_equal(store_obligations_replace(r, id, NULL, 0),
	    TB_EINVAL);
	store_release(r);
	assert_int_equal(store_tx_begin(f->c), TB_OK);
}

struct ev_seen {
	int64_t	 seq[8];
	char	 type[8][32];
	size_t	 n;
};

static int
ev_collect(void *arg, const struct store_event *e)
{
	struct ev_seen	*v = arg;

	v->seq[v->n] = e->seq;
	tb_strlcpy(v->type[v->n], e->type, sizeof(v->type[0]));
	v->n++;
	return 0;
}

static void
test_events(void **state)
{
	struct fix		*f = *state;
	struct store_event	 e;
	struct ev_seen		 seen;
	int64_t			 id = incident(f, "a", T0, f->w, 2, "t");

	memset(&e, 0, sizeof(e));
	e.incident = id;
	e.actor = f->w;
	e.actor_name = "a.window";
	e.recorded_at = T0;
	e.fields = "{}";
	/* Recorded in one order, at times in another. */
	e.seq = 1;
	e.type = "reported";
	e.at = T0 + 2 * HOUR;
	e.level = -1;
	e.channel = "platform";
	assert_int_equal(store_event_insert(f->c, &e), TB_OK);
	e.seq = 2;
	e.type = "level_approved";
	e.at = T0 + HOUR;
	e.level = 2;
	e.channel = NULL;
	assert_int_equal(store_event_insert(f->c, &e), TB_OK);
	e.seq = 3;
	e.type = "signed";
	e.at = T0 + HOUR;
	e.level = -1;
	assert_int_equal(store_event_insert(f->c, &e), TB_OK);
	/* A seq used, an unknown type, an unknown incident. */
	assert_int_equal(store_event_insert(f->c, &e), TB_ECONFLICT);
	e.seq = 4;
	e.type = "teleported";
	assert_int_equal(store_event_insert(f->c, &e), TB_ECONFLICT);
	e.type = "signed";
	e.incident = 5;
	assert_int_equal(store_event_insert(f->c, &e), TB_ECONFLICT);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_event_scan(f->c, id, ev_collect, &seen),
	    TB_OK);
	assert_int_equal(seen.n, 3);
	/* By at, then seq. */
	assert_int_equal(seen.seq[0], 2);
	assert_int_equal(seen.seq[1], 3);
	assert_int_equal(seen.seq[2], 1);
	assert_string_equal(seen.type[2], "reported");
}

struct aff_seen {
	char	 code[4][8];
	int64_t	 at[4];
	size_t	 n;
};

static int
aff_collect(void *arg, const char *code, int64_t at)
{
	struct aff_seen	*a = arg;

	tb_strlcpy(a->code[a->n], code, sizeof(a->code[0]));
	a->at[a->n++] = at;
	return 0;
}

static void
test_affected_and_refs(void **state)
{
	struct fix	*f = *state;
	struct store_incident in;
	const char	*aff[] = { "c" };
	struct aff_seen	 seen;
	int64_t		 id, other;
	int		 yes;

	memset(&in, 0, sizeof(in));
	id = in.id = store_new_id();
	in.agency = "a";
	in.title = "t";
	in.category = "other";
	in.occurred_at = in.vendor_aware_at = in.vendor_reported_at =
	    STORE_TIME_NONE;
	in.aware_at = T0;
	in.level = in.proposed_level = 1;
	in.reported_by = f->w;
	in.policy = "2019-01-01";
	in.state = "new";
	assert_int_equal(store_incident_insert(f->c, &in, aff, 1), TB_OK);
	other = incident(f, "a", T0, f->w, 1, "u");
	/* Listed, not yet notified: its window does not read it yet. */
	assert_int_equal(store_incident_notified(f->c, id, "c", &yes), TB_OK);
	assert_false(yes);
	assert_int_equal(store_incident_notify(f->c, id, "c", T0 + 2 * HOUR),
	    TB_OK);
	/* An earlier notification wins; a later one changes nothing. */
	assert_int_equal(store_incident_notify(f->c, id, "c", T0 + HOUR),
	    TB_OK);
	assert_int_equal(store_incident_notify(f->c, id, "c", T0 + 3 * HOUR),
	    TB_OK);
	/* Not listed: added. */
	assert_int_equal(store_incident_notify(f->c, id, "b", T0), TB_OK);
	assert_int_equal(store_incident_notify(f->c, id, "zz", T0),
	    TB_ECONFLICT);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_incident_affected(f->c, id, aff_collect,
	    &seen), TB_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.code[0], "b");
	assert_string_equal(seen.code[1], "c");
	assert_int_equal(seen.at[1], T0 + HOUR);
	assert_int_equal(store_incident_notified(f->c, id, "c", &yes), TB_OK);
	assert_true(yes);
	assert_int_equal(store_incident_notified(f->c, other, "c", &yes),
	    TB_OK);
	assert_false(yes);

	assert_int_equal(store_platform_ref_claim(f->c, "ACS-1", id, 1),
	    TB_OK);
	assert_int_equal(store_platform_ref_claim(f->c, "ACS-1", id, 2),
	    TB_OK);
	assert_int_equal(store_platform_ref_claim(f->c, "ACS-1", other, 1),
	    TB_ECONFLICT);
	assert_int_equal(store_platform_ref_claim(f->c, "", other, 1),
	    TB_EINVAL);
}

/* One stored obligation due at due (STORE_TIME_NONE: no fixed time). */
static struct store_obligation
ob(const char *agency_code, const char *name, const char *subject,
    int64_t due, int64_t met, const char *state)
{
	struct store_obligation	 o;

	memset(&o, 0, sizeof(o));
	o.agency = agency_code;
	o.name = name;
	o.subject = subject;
	o.level = 2;
	o.start_at = T0;
	o.due_at = due;
	o.overdue_from = due == STORE_TIME_NONE ? STORE_TIME_NONE : due + 1;
	o.met_at = met;
	o.state = state;
	return o;
}

struct ob_seen {
	char	 key[32][48];
	size_t	 n;
	int64_t	 last_due, last_incident, last_period;
	char	 last_name[32], last_subject[16];
};

static int
ob_collect(void *arg, const struct store_obligation *o)
{
	struct ob_seen	*v = arg;

	tb_snprintf(v->key[v->n++], sizeof(v->key[0]), "%s:%s:%s", o->agency,
	    o->name, o->subject);
	v->last_due = o->due_at == STORE_TIME_NONE ? STORE_DUE_NONE : o->due_at;
	v->last_incident = o->incident;
	v->last_period = o->period;
	tb_strlcpy(v->last_name, o->name, sizeof(v->last_name));
	tb_strlcpy(v->last_subject, o->subject, sizeof(v->last_subject));
	return 0;
}

static size_t
ob_scan(struct fix *f, const struct store_scope *sc,
    struct store_obligation_filter *flt, struct ob_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	assert_int_equal(store_obligation_scan(f->c, sc, flt, 32, ob_collect,
	    seen), TB_OK);
	return seen->n;
}

static void
test_obligations(void **state)
{
	struct fix			*f = *state;
	struct store_obligation		 a[4], b[2], dup[2];
	struct store_obligation_filter	 flt;
	struct store_scope		 all, sca, scs, vend;
	struct ob_seen			 seen;
	char				 name[32], subject[16];
	int64_t				 ia, ib, ic, now = T0 + 10 * HOUR;

	ia = incident(f, "a11", T0, f->v, 2, "a11 incident");
	ib = incident(f, "b", T0, f->w, 2, "b incident");
	a[0] = ob("a11", "report", "", T0 + HOUR, STORE_TIME_NONE, "open");
	a[1] = ob("a11", "damage_control", "", T0 + 72 * HOUR,
	    STORE_TIME_NONE, "open");
	a[2] = ob("a11", "root_cause", "", STORE_TIME_NONE, STORE_TIME_NONE,
	    "open");
	a[3] = ob("a11", "notify_affected", "c", T0 + HOUR, T0 + 2 * HOUR,
	    "met_late");
	b[0] = ob("b", "cc_doit", "", T0 + 5 * HOUR, STORE_TIME_NONE, "open");
	b[1] = ob("b", "report", "", STORE_TIME_NONE, STORE_TIME_NONE,
	    "not_applicable");
	assert_int_equal(store_obligations_replace(f->c, ia, a, 4), TB_OK);
	/* Replacing is a rewrite, not an append. */
	assert_int_equal(store_obligations_replace(f->c, ia, a, 4), TB_OK);
	assert_int_equal(store_obligations_replace(f->c, ib, b, 2), TB_OK);
	dup[0] = dup[1] = b[0];
	assert_int_equal(store_obligations_replace(f->c, ib, dup, 2),
	    TB_ECONFLICT);

	memset(&all, 0, sizeof(all));
	all.all = 1;
	memset(&flt, 0, sizeof(flt));
	flt.state = "open";
	flt.now = now;
	flt.due_before = STORE_DUE_NONE;
	/* Everything open, by due time, no fixed time last. */
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 4);
	assert_string_equal(seen.key[0], "a11:report:");
	assert_string_equal(seen.key[1], "b:cc_doit:");
	assert_string_equal(seen.key[2], "a11:damage_control:");
	assert_string_equal(seen.key[3], "a11:root_cause:");
	/* Overdue at now; pending at now; due before a time. */
	flt.overdue = 1;
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 2);
	flt.overdue = -1;
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 2);
	assert_string_equal(seen.key[0], "a11:damage_control:");
	flt.overdue = 0;
	flt.due_before = T0 + 5 * HOUR;
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 2);
	flt.due_before = STORE_DUE_NONE;
	flt.state = "met_late";
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 1);
	assert_string_equal(seen.key[0], "a11:notify_affected:c");
	flt.state = "open";

	/* Scopes: a's subtree holds a11; s supervises b (superior_viewer);
	 * the vendor reported only ia; a filter narrows DoIT's. */
	memset(&sca, 0, sizeof(sca));
	sca.agency = "a";
	assert_int_equal(ob_scan(f, &sca, &flt, &seen), 3);
	memset(&scs, 0, sizeof(scs));
	scs.agency = "s";
	assert_int_equal(ob_scan(f, &scs, &flt, &seen), 0);
	scs.supervised = 1;
	assert_int_equal(ob_scan(f, &scs, &flt, &seen), 1);
	assert_string_equal(seen.key[0], "b:cc_doit:");
	memset(&vend, 0, sizeof(vend));
	vend.reporter = f->v;
	assert_int_equal(ob_scan(f, &vend, &flt, &seen), 3);
	flt.agency = "b";
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 1);
	assert_int_equal(ob_scan(f, &sca, &flt, &seen), 0);
	assert_int_equal(ob_scan(f, &vend, &flt, &seen), 0);
	flt.agency = "a1";
	assert_int_equal(ob_scan(f, &sca, &flt, &seen), 3);
	flt.agency = NULL;

	/* A cursor continues after the last row. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_obligation_scan(f->c, &all, &flt, 2,
	    ob_collect, &seen), TB_OK);
	assert_int_equal(seen.n, 2);
	/* Copied: the next scan clears seen. */
	tb_strlcpy(name, seen.last_name, sizeof(name));
	tb_strlcpy(subject, seen.last_subject, sizeof(subject));
	flt.after_due = seen.last_due;
	flt.after_incident = seen.last_incident;
	flt.after_name = name;
	flt.after_subject = subject;
	flt.after_period = seen.last_period;
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 2);
	assert_string_equal(seen.key[0], "a11:damage_control:");
	assert_string_equal(seen.key[1], "a11:root_cause:");

	/* A new incident's rows are inserted with no DELETE first; they
	 * are found as replaced ones are, and a repeated key is refused
	 * as there (the caller then rolls back). */
	flt.after_incident = 0;
	ic = incident(f, "b", T0, f->w, 2, "c incident");
	assert_int_equal(store_obligations_insert(f->c, ic, b, 2), TB_OK);
	flt.agency = "b";
	flt.state = "not_applicable";
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 1);
	flt.state = "open";
	assert_int_equal(ob_scan(f, &all, &flt, &seen), 2);	/* ib's too */
	assert_int_equal(store_obligations_insert(f->c, ic, b, 1),
	    TB_ECONFLICT);
}

struct inc_seen {
	int64_t	 id[16];
	size_t	 n;
};

static int
inc_collect(void *arg, const struct store_incident *r)
{
	struct inc_seen	*v = arg;

	v->id[v->n++] = r->id;
	return 0;
}

static size_t
inc_scan(struct fix *f, const struct store_scope *sc,
    const struct store_incident_filter *flt, struct inc_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	assert_int_equal(store_incident_scan(f->c, sc, flt, 16, inc_collect,
	    seen), TB_OK);
	return seen->n;
}

static void
test_incident_scan(void **state)
{
	struct fix			*f = *state;
	struct store_incident_filter	 flt;
	struct store_scope		 all, sca, scc, vend;
	struct inc_seen			 seen;
	int64_t				 i1, i2, i3, i4;

	i1 = incident(f, "a", T0, f->w, 1, "first 100% sure");
	i2 = incident(f, "a11", T0 + HOUR, f->v, 3, "second");
	i3 = incident(f, "b", T0 + 2 * HOUR, f->w, 2, "third");
	i4 = incident(f, "c", T0 + 3 * HOUR, f->x, 4, "fourth");
	memset(&flt, 0, sizeof(flt));
	flt.level = flt.exercise = -1;
	flt.from = flt.to = STORE_TIME_NONE;
	memset(&all, 0, sizeof(all));
	all.all = 1;
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 4);
	/* Newest awareness first. */
	assert_int_equal(seen.id[0], i4);
	assert_int_equal(seen.id[3], i1);
	memset(&sca, 0, sizeof(sca));
	sca.agency = "a";
	assert_int_equal(inc_scan(f, &sca, &flt, &seen), 2);
	assert_int_equal(seen.id[0], i2);
	memset(&vend, 0, sizeof(vend));
	vend.reporter = f->v;
	assert_int_equal(inc_scan(f, &vend, &flt, &seen), 1);
	assert_int_equal(seen.id[0], i2);

	/* P12: c's window reads an incident c was notified of, not one it
	 * is only listed in. */
	memset(&scc, 0, sizeof(scc));
	scc.agency = "c";
	scc.notified = 1;
	assert_int_equal(inc_scan(f, &scc, &flt, &seen), 1);
	assert_int_equal(store_incident_notify(f->c, i3, "c", T0), TB_OK);
	assert_int_equal(inc_scan(f, &scc, &flt, &seen), 2);
	scc.notified = 0;
	assert_int_equal(inc_scan(f, &scc, &flt, &seen), 1);

	/* Filters. */
	flt.agency = "a1";
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 1);
	assert_int_equal(inc_scan(f, &sca, &flt, &seen), 1);
	flt.agency = "c";
	assert_int_equal(inc_scan(f, &sca, &flt, &seen), 0);
	flt.agency = NULL;
	flt.level = 3;
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 1);
	assert_int_equal(seen.id[0], i2);
	flt.level = -1;
	flt.q = "100%";
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 1);
	assert_int_equal(seen.id[0], i1);
	/* % and _ are literal. */
	flt.q = "s_c";
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 0);
	flt.q = NULL;
	flt.state = "new";
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 4);
	flt.state = "closed";
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 0);
	flt.state = NULL;
	flt.from = T0 + HOUR;
	flt.to = T0 + 2 * HOUR;
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 2);
	flt.from = flt.to = STORE_TIME_NONE;
	flt.exercise = 1;
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 0);
	flt.exercise = -1;
	/* The cursor: after i3 come i2 and i1. */
	flt.before_aware = T0 + 2 * HOUR;
	flt.before_id = i3;
	assert_int_equal(inc_scan(f, &all, &flt, &seen), 2);
	assert_int_equal(seen.id[0], i2);
	assert_int_equal(seen.id[1], i1);
}

/* An incident as the merge test made it, to compute the expected lists. */
struct mrow {
	int64_t		 id, aware;
	const char	*agency;
	int		 level;
	int		 closed;
	int		 notified;	/* a was notified of it (P12) */
	int		 tagged;	/* its title holds "tag" */
};

struct mlist {
	int64_t		 id[128];
	int64_t		 aware[128];
	size_t		 n;
};

static int
mlist_add(void *arg, const struct store_incident *r)
{
	struct mlist	*L = arg;

	if (L->n < NELEM(L->id)) {
		L->id[L->n] = r->id;
		L->aware[L->n] = r->aware_at;
	}
	L->n++;
	return 0;
}

/* Whether row r is in the list of scope sc with filter flt (the test's
 * scopes: everything, or a's subtree and what a was notified of, or s's
 * with the agencies s supervises). */
static int
mrow_in(const struct mrow *r, const struct store_scope *sc,
    const struct store_incident_filter *flt)
{
	static const char *const sub_a[] = { "a", "a1", "a11" };
	static const char *const sub_a1[] = { "a1", "a11" };
	static const char *const sub_s[] = { "s", "b" };
	const char *const	*in;
	size_t			 n, k;
	int			 ok = 0;

	if (!sc->all) {
		in = strcmp(sc->agency, "a") == 0 ? sub_a : sub_s;
		n = strcmp(sc->agency, "a") == 0 ? NELEM(sub_a) :
		    NELEM(sub_s);
		for (k = 0; k < n; k++)
			ok |= strcmp(r->agency, in[k]) == 0;
		ok |= sc->notified && r->notified;
		if (!ok)
			return 0;
	}
	if (flt->agency != NULL) {
		ok = 0;
		for (k = 0; k < NELEM(sub_a1); k++)
			ok |= strcmp(r->agency, sub_a1[k]) == 0;
		if (!ok)
			return 0;
	}
	if (flt->level >= 0 && r->level != flt->level)
		return 0;
	if (flt->state != NULL && (strcmp(flt->state, "closed") == 0) !=
	    r->closed)
		return 0;
	if (flt->from != STORE_TIME_NONE && r->aware < flt->from)
		return 0;
	if (flt->to != STORE_TIME_NONE && r->aware > flt->to)
		return 0;
	if (flt->q != NULL && !r->tagged)
		return 0;
	return 1;
}

/*
 * A scoped list is merged from one index range per agency (and the P12
 * notifications) into pages: every page, followed by cursor, must be
 * exactly the brute-force list, newest awareness first and ties by id,
 * whatever the filters, the page size and the agencies' interleaving.
 */
static void
test_incident_scan_merge(void **state)
{
	struct fix			*f = *state;
	static const char *const	 agencies[] = { "a", "a1", "a11", "b",
	    "s", "c" };
	struct mrow			 rows[90];
	struct store_incident_filter	 flt;
	struct store_scope		 scopes[3];
	struct mlist			 got, want;
	uint64_t			 rng = 7;
	size_t				 i, j, k, sci, fi, page;
	char				 title[32];

	memset(rows, 0, sizeof(rows));
	for (i = 0; i < NELEM(rows); i++) {
		struct mrow	*r = &rows[i];

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		r->agency = agencies[(rng >> 33) % NELEM(agencies)];
		/* Some share an instant: their order is the id's. */
		r->aware = T0 + (int64_t)((rng >> 40) % 40) * HOUR;
		r->level = 1 + (int)((rng >> 20) % 4);
		r->tagged = (rng >> 50) % 3 == 0;
		tb_snprintf(title, sizeof(title), "%s %zu",
		    r->tagged ? "tag" : "plain", i);
		r->id = incident(f, r->agency, r->aware, f->w, r->level,
		    title);
		if ((rng >> 45) % 4 == 0) {
			r->closed = 1;
			assert_int_equal(store_incident_touch(f->c, r->id, 1,
			    r->level, "closed", r->aware), TB_OK);
		}
		/* P12: a is told of some incidents of others, and once of
		 * one of its own subordinates' (listed once). */
		if ((strcmp(r->agency, "c") == 0 && (rng >> 52) % 2 == 0) ||
		    (strcmp(r->agency, "a11") == 0 && (rng >> 52) % 5 == 0)) {
			r->notified = 1;
			assert_int_equal(store_incident_notify(f->c, r->id, "a",
			    r->aware), TB_OK);
		}
	}
	memset(scopes, 0, sizeof(scopes));
	scopes[0].all = 1;
	scopes[1].agency = "a";
	scopes[1].notified = 1;
	scopes[2].agency = "s";
	scopes[2].supervised = 1;
	for (sci = 0; sci < NELEM(scopes); sci++)
		for (fi = 0; fi < 7; fi++) {
			memset(&flt, 0, sizeof(flt));
			flt.level = flt.exercise = -1;
			flt.from = flt.to = STORE_TIME_NONE;
			switch (fi) {
			case 1: flt.agency = "a1"; break;
			case 2: flt.level = 2; break;
			case 3: flt.state = "closed"; break;
			case 4: flt.from = T0 + 5 * HOUR;
				flt.to = T0 + 30 * HOUR; break;
			case 5: flt.q = "tag"; break;
			case 6: flt.level = 3; flt.from = T0 + 10 * HOUR; break;
			}
			if (fi == 1 && sci == 2)
				continue;	/* a1 is outside s's scope */
			/* Expected: every row in, sorted. */
			memset(&want, 0, sizeof(want));
			for (i = 0; i < NELEM(rows); i++)
				if (mrow_in(&rows[i], &scopes[sci], &flt)) {
					want.id[want.n] = rows[i].id;
					want.aware[want.n++] = rows[i].aware;
				}
			for (i = 1; i < want.n; i++)
				for (j = i; j > 0 && (want.aware[j - 1] <
				    want.aware[j] || (want.aware[j - 1] ==
				    want.aware[j] && want.id[j - 1] <
				    want.id[j])); j--) {
					int64_t t = want.id[j];

					want.id[j] = want.id[j - 1];
					want.id[j - 1] = t;
					t = want.aware[j];
					want.aware[j] = want.aware[j - 1];
					want.aware[j - 1] = t;
				}
			/* Pages of 1, 4 and 7, followed by cursor. */
			for (page = 1; page <= 7; page += 3) {
				memset(&got, 0, sizeof(got));
				flt.before_id = 0;
				for (;;) {
					struct mlist	 one;

					memset(&one, 0, sizeof(one));
					assert_int_equal(store_incident_scan(
					    f->c, &scopes[sci], &flt,
					    (int64_t)page, mlist_add, &one),
					    TB_OK);
					assert_true(one.n <= page);
					for (k = 0; k < one.n; k++) {
						got.id[got.n] = one.id[k];
						got.aware[got.n++] =
						    one.aware[k];
					}
					if (one.n < page)
						break;
					flt.before_aware = one.aware[one.n - 1];
					flt.before_id = one.id[one.n - 1];
				}
				assert_int_equal(got.n, want.n);
				for (k = 0; k < want.n; k++)
					assert_true(got.id[k] == want.id[k]);
			}
		}
}

static void
test_idempotency(void **state)
{
	struct fix		*f = *state;
	struct store_idem	 k;
	char			 hash[65];
	char			*loc, *resp;
	int64_t			 status;

	assert_int_equal(store_idem_find(f->c, f->w, "k1", hash, &status, &loc,
	    &resp), TB_ENOTFOUND);
	memset(&k, 0, sizeof(k));
	k.caller = f->w;
	k.key = "k1";
	k.request_hash = "abc";
	k.status = 201;
	k.location = "/api/v1/incidents/1";
	k.response = "{\"id\":1}";
	k.created_at = T0;
	assert_int_equal(store_idem_insert(f->c, &k), TB_OK);
	assert_int_equal(store_idem_insert(f->c, &k), TB_ECONFLICT);
	/* Keys are per caller. */
	k.caller = f->x;
	k.location = NULL;
	assert_int_equal(store_idem_insert(f->c, &k), TB_OK);
	assert_int_equal(store_idem_find(f->c, f->w, "k1", hash, &status, &loc,
	    &resp), TB_OK);
	assert_string_equal(hash, "abc");
	assert_int_equal(status, 201);
	assert_string_equal(loc, "/api/v1/incidents/1");
	assert_string_equal(resp, "{\"id\":1}");
	free(loc);
	free(resp);
	assert_int_equal(store_idem_find(f->c, f->x, "k1", hash, &status, &loc,
	    &resp), TB_OK);
	assert_null(loc);
	free(resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_tables),
		T(test_incident_row),
		T(test_touch_and_writes_need_tx),
		T(test_events),
		T(test_affected_and_refs),
		T(test_obligations),
		T(test_incident_scan),
		T(test_incident_scan_merge),
		T(test_idempotency),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
