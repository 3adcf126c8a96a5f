/*
 * test_store_evidence.c: the store behind the P24 registry, P26 contracts
 * and P25-P27 evidence (store_registry.c, store_evidence.c, migration 6):
 * versioned updates, log rows replaced and removed, keyset pages, the
 * constraints that refuse bad rows, and the append-only chain of custody;
 * on a real SQLite file in a fresh temporary folder per test.
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
/* 2026-03-01T00:00:00Z. */
#define T0		INT64_C(1772323200000000)
#define MIN		(INT64_C(60) * 1000000)
#define SHA_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct fix {
	char		 dir[64];
	char		 db[128];
	struct store	*st;
	struct store_conn *c;		/* the writer, in a transaction */
	int64_t		 user;
	int64_t		 incident;
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
agency(struct store_conn *c, const char *code)
{
	struct store_agency	 a;

	memset(&a, 0, sizeof(a));
	a.code = code;
	a.name = code;
	a.type = "city_agency";
	a.responsibility_level = "C";
	a.active = 1;
	a.created_at = a.updated_at = T0;
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
}

/* A migrated store with agencies a and b, a person of a, an incident of
 * a, and the writer left in an open transaction. */
static int
setup(void **state)
{
	struct fix		*f = calloc(1, sizeof(*f));
	struct store_user	 u;
	struct store_stmt	*s;
	char			 err[256];
	int			 applied;

	assert_non_null(f);
	assert_int_equal(tb_strlcpy(f->dir, "/tmp/tb_evidence_XXXXXX",
	    sizeof(f->dir)), TB_OK);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(tb_snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir),
	    TB_OK);
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	assert_int_equal(store_write(f->st, &f->c), TB_OK);
	assert_int_equal(store_tx_begin(f->c), TB_OK);
	agency(f->c, "a");
	agency(f->c, "b");
	memset(&u, 0, sizeof(u));
	u.id = f->user = store_new_id();
	u.username = "a.staff";
	u.name = "a.staff";
	u.agency = "a";
	u.employment = "civil_servant";
	u.active = 1;
	u.created_at = u.updated_at = T0;
	assert_int_equal(store_user_insert(f->c, &u, NULL, 0), TB_OK);
	f->incident = store_new_id();
	assert_int_equal(store_prepare(f->c, "INSERT INTO incidents (id,"
	    " agency, title, category, aware_at, proposed_level, level,"
	    " reported_by, policy, state, created_at, updated_at)"
	    " VALUES (?, 'a', 't', 'intrusion', ?, 2, 2, ?, 'p', 'new', ?, ?)",
	    &s), TB_OK);
	store_bind_i64(s, 1, f->incident);
	store_bind_i64(s, 2, T0);
	store_bind_i64(s, 3, f->user);
	store_bind_i64(s, 4, T0);
	store_bind_i64(s, 5, T0);
	assert_int_equal(store_step(s), TB_DONE);
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

static struct store_system
sys_of(const char *agency, const char *name)
{
	struct store_system	 sy;

	memset(&sy, 0, sizeof(sy));
	sy.id = store_new_id();
	sy.agency = agency;
	sy.name = name;
	sy.tolerable_downtime_minutes = 60;
	sy.standby = "none";
	sy.created_at = sy.updated_at = T0;
	return sy;
}

/* Collects what a callback is given, as text. */
struct seen {
	char	 text[1024];
	int	 n;
	int	 stop_after;
};

static void
seen_add(struct seen *sn, const char *s)
{
	size_t	 n = strlen(sn->text);

	assert_int_equal(tb_snprintf(sn->text + n, sizeof(sn->text) - n,
	    "%s%s", n ? "," : "", s), TB_OK);
	sn->n++;
}

static int
sys_seen(void *arg, const struct store_system *sy)
{
	struct seen	*sn = arg;
	char		 b[256];

	assert_int_equal(tb_snprintf(b, sizeof(b), "%s:%s:v%lld%s", sy->agency,
	    sy->name, (long long)sy->version, sy->retired_at ? ":retired" :
	    ""), TB_OK);
	seen_add(sn, b);
	return sn->stop_after > 0 && sn->n >= sn->stop_after;
}

static void
test_systems(void **state)
{
	struct fix		*f = *state;
	struct store_system	 x = sys_of("a", "x"), y = sys_of("a", "y");
	struct store_system	 z = sys_of("b", "x"), dup = sys_of("a", "x");
	struct store_system	 bad = sys_of("nope", "q");
	struct seen		 sn;

	assert_int_equal(store_system_insert(f->c, &y), TB_OK);
	assert_int_equal(store_system_insert(f->c, &x), TB_OK);
	assert_int_equal(store_system_insert(f->c, &z), TB_OK);
	/* One name per agency; an agency that exists. */
	assert_int_equal(store_system_insert(f->c, &dup), TB_ECONFLICT);
	assert_int_equal(store_system_insert(f->c, &bad), TB_ECONFLICT);
	bad = sys_of("a", "r");
	bad.standby = "hot";
	assert_int_equal(store_system_insert(f->c, &bad), TB_ECONFLICT);

	/* Ordered by agency, name, id; paged after an id. */
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_scan(f->c, NULL, 0, 0, 0, sys_seen, &sn),
	    TB_OK);
	assert_string_equal(sn.text, "a:x:v1,a:y:v1,b:x:v1");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_scan(f->c, "a", 0, x.id, 10, sys_seen,
	    &sn), TB_OK);
	assert_string_equal(sn.text, "a:y:v1");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_scan(f->c, NULL, 0, 0, 2, sys_seen,
	    &sn), TB_OK);
	assert_string_equal(sn.text, "a:x:v1,a:y:v1");

	/* Versioned update: stale is a conflict, missing is not found. */
	x.name = "x2";
	x.retired_at = T0 + MIN;
	assert_int_equal(store_system_update(f->c, &x, 2), TB_ECONFLICT);
	assert_int_equal(store_system_update(f->c, &x, 1), TB_OK);
	assert_int_equal(store_system_update(f->c, &x, 1), TB_ECONFLICT);
	x.name = "y";
	assert_int_equal(store_system_update(f->c, &x, 2), TB_ECONFLICT);
	bad.id = 12345;
	assert_int_equal(store_system_update(f->c, &bad, 1), TB_ENOTFOUND);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_scan(f->c, "a", 0, 0, 0, sys_seen, &sn),
	    TB_OK);
	assert_string_equal(sn.text, "a:y:v1");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_scan(f->c, "a", 1, 0, 0, sys_seen, &sn),
	    TB_OK);
	assert_string_equal(sn.text, "a:x2:v2:retired,a:y:v1");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_get(f->c, x.id, sys_seen, &sn), TB_OK);
	assert_string_equal(sn.text, "a:x2:v2:retired");
	assert_int_equal(store_system_get(f->c, 999, sys_seen, &sn),
	    TB_ENOTFOUND);
}

static int
log_seen(void *arg, const struct store_system_log *l)
{
	char	 b[64];

	assert_int_equal(tb_snprintf(b, sizeof(b), "%s=%lld%s", l->log_type,
	    (long long)l->months_kept, l->copy_elsewhere ? "+" : ""), TB_OK);
	seen_add(arg, b);
	return 0;
}

static void
test_logs(void **state)
{
	struct fix		*f = *state;
	struct store_system	 x = sys_of("a", "x"), w = sys_of("b", "w");
	struct store_system_log	 l = { 0, "web", 3, 0 };
	struct seen		 sn;

	assert_int_equal(store_system_insert(f->c, &x), TB_OK);
	assert_int_equal(store_system_insert(f->c, &w), TB_OK);
	l.system_id = x.id;
	assert_int_equal(store_system_log_set(f->c, &l), TB_OK);
	/* Set again: replaced, not duplicated. */
	l.months_kept = 12;
	l.copy_elsewhere = 1;
	assert_int_equal(store_system_log_set(f->c, &l), TB_OK);
	l.log_type = "logon";
	l.months_kept = 6;
	l.copy_elsewhere = 0;
	assert_int_equal(store_system_log_set(f->c, &l), TB_OK);
	l.log_type = "firewall";
	assert_int_equal(store_system_log_set(f->c, &l), TB_ECONFLICT);
	l.log_type = "os_event";
	l.months_kept = -1;
	assert_int_equal(store_system_log_set(f->c, &l), TB_ECONFLICT);
	l.system_id = w.id;
	l.months_kept = 7;
	assert_int_equal(store_system_log_set(f->c, &l), TB_OK);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_log_scan(f->c, x.id, NULL, log_seen,
	    &sn), TB_OK);
	assert_string_equal(sn.text, "logon=6,web=12+");
	assert_int_equal(store_system_log_delete(f->c, x.id, "web"), TB_OK);
	assert_int_equal(store_system_log_delete(f->c, x.id, "web"), TB_OK);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_log_scan(f->c, 0, "a", log_seen, &sn),
	    TB_OK);
	assert_string_equal(sn.text, "logon=6");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_system_log_scan(f->c, 0, NULL, log_seen, &sn),
	    TB_OK);
	assert_int_equal(sn.n, 2);
}

static int
contract_seen(void *arg, const struct store_contract *k)
{
	char	 b[128];

	assert_int_equal(tb_snprintf(b, sizeof(b), "%s:%lld%lld%lld%lld:v%lld",
	    k->vendor, (long long)k->clause[0], (long long)k->clause[1],
	    (long long)k->clause[2], (long long)k->clause[3],
	    (long long)k->version), TB_OK);
	seen_add(arg, b);
	return 0;
}

static void
test_contracts(void **state)
{
	struct fix		*f = *state;
	struct store_contract	 k;
	struct seen		 sn;

	memset(&k, 0, sizeof(k));
	k.id = store_new_id();
	k.agency = "a";
	k.vendor = "v";
	k.title = "t";
	k.starts_on = "2026-01-01";
	k.ends_on = "2026-12-31";
	k.clause[0] = 1;
	k.created_at = k.updated_at = T0;
	assert_int_equal(store_contract_insert(f->c, &k), TB_OK);
	/* A period that ends before it starts is refused by the table. */
	k.id = store_new_id();
	k.ends_on = "2025-12-31";
	assert_int_equal(store_contract_insert(f->c, &k), TB_ECONFLICT);
	k.ends_on = NULL;
	k.vendor = "u";
	assert_int_equal(store_contract_insert(f->c, &k), TB_OK);
	k.clause[3] = 1;
	assert_int_equal(store_contract_update(f->c, &k, 1), TB_OK);
	assert_int_equal(store_contract_update(f->c, &k, 1), TB_ECONFLICT);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_contract_scan(f->c, "a", 0, 0, contract_seen,
	    &sn), TB_OK);
	assert_string_equal(sn.text, "u:1001:v2,v:1000:v1");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_contract_scan(f->c, "b", 0, 0, contract_seen,
	    &sn), TB_OK);
	assert_int_equal(sn.n, 0);
}

static int
step_seen(void *arg, const struct store_preservation_step *st)
{
	char	 b[64];

	assert_int_equal(tb_snprintf(b, sizeof(b), "%s@%lld by %s", st->step,
	    (long long)((st->at - T0) / MIN), st->recorded_by_name), TB_OK);
	seen_add(arg, b);
	return 0;
}

static void
test_preservation(void **state)
{
	struct fix			*f = *state;
	struct store_preservation	 p;
	struct store_preservation_step	 st;
	struct seen			 sn;
	char				 agency[64];
	int64_t				 pid;

	assert_int_equal(store_evidence_incident(f->c, f->incident, agency,
	    sizeof(agency)), TB_OK);
	assert_string_equal(agency, "a");
	assert_int_equal(store_evidence_incident(f->c, 42, agency,
	    sizeof(agency)), TB_ENOTFOUND);
	memset(&p, 0, sizeof(p));
	p.id = store_new_id();
	p.incident = f->incident;
	p.system_name = "web";
	p.path = "no_standby";
	p.created_by = f->user;
	p.created_at = T0;
	assert_int_equal(store_preservation_insert(f->c, &p), TB_OK);
	pid = p.id;
	/* One path per system and path; a known path; a real incident. */
	p.id = store_new_id();
	assert_int_equal(store_preservation_insert(f->c, &p), TB_ECONFLICT);
	p.path = "warm";
	assert_int_equal(store_preservation_insert(f->c, &p), TB_ECONFLICT);
	p.path = "no_standby";
	p.incident = 42;
	assert_int_equal(store_preservation_insert(f->c, &p), TB_ECONFLICT);
	/* Steps come back by time, whatever the order they were written. */
	memset(&st, 0, sizeof(st));
	st.preservation = pid;
	st.step = "rebuild";
	st.at = T0 + 5 * MIN;
	st.recorded_by = f->user;
	st.recorded_at = T0;
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_preservation_step_insert(f->c, &st), TB_OK);
	st.step = "disconnect";
	st.at = T0 + MIN;
	assert_int_equal(store_preservation_step_insert(f->c, &st), TB_OK);
	assert_int_equal(store_preservation_step_insert(f->c, &st),
	    TB_ECONFLICT);
	assert_int_equal(store_preservation_step_scan(f->c, st.preservation,
	    step_seen, &sn), TB_OK);
	assert_string_equal(sn.text, "disconnect@1 by a.staff,"
	    "rebuild@5 by a.staff");
}

static int
custody_seen(void *arg, const struct store_custody *k)
{
	char	 b[128];

	assert_int_equal(tb_snprintf(b, sizeof(b), "%lld:%s:%s>%s",
	    (long long)k->seq, k->kind, k->from ? k->from : "-", k->to),
	    TB_OK);
	seen_add(arg, b);
	return 0;
}

static int
evidence_seen(void *arg, const struct store_evidence *e)
{
	char	 b[256];

	assert_int_equal(tb_snprintf(b, sizeof(b), "%s/%s/%lld/%s/%lld/%s",
	    e->agency, e->what, (long long)e->size, e->sha256 + 60,
	    (long long)e->suspected_malware, e->virus_check_reference ?
	    e->virus_check_reference : "-"), TB_OK);
	seen_add(arg, b);
	return 0;
}

static void
test_evidence_and_custody(void **state)
{
	struct fix		*f = *state;
	struct store_evidence	 e;
	struct store_custody	 k;
	struct seen		 sn;
	int64_t			 first;

	memset(&e, 0, sizeof(e));
	e.id = store_new_id();
	e.incident = f->incident;
	e.what = "disk";
	e.location = "safe";
	e.collected_by = "wang";
	e.collected_at = T0;
	e.size = -1;
	e.sha256 = SHA_A;
	e.created_by = f->user;
	e.created_at = e.updated_at = T0;
	assert_int_equal(store_evidence_insert(f->c, &e), TB_OK);
	first = e.id;
	/* A stored file needs its name and size; a hash is 64 digits. */
	e.id = store_new_id();
	e.stored = 1;
	assert_int_equal(store_evidence_insert(f->c, &e), TB_ECONFLICT);
	e.stored = 0;
	e.sha256 = "abc";
	assert_int_equal(store_evidence_insert(f->c, &e), TB_ECONFLICT);
	e.sha256 = SHA_A;
	e.incident = 42;
	assert_int_equal(store_evidence_insert(f->c, &e), TB_ECONFLICT);

	memset(&k, 0, sizeof(k));
	k.evidence = first;
	k.kind = "collected";
	k.to = "wang";
	k.at = T0;
	k.recorded_by = f->user;
	k.recorded_at = T0;
	assert_int_equal(store_custody_append(f->c, &k), TB_OK);
	assert_int_equal(k.seq, 1);
	k.kind = "handover";
	k.from = "wang";
	k.to = "lab";
	assert_int_equal(store_custody_append(f->c, &k), TB_OK);
	assert_int_equal(k.seq, 2);
	k.kind = "borrowed";
	assert_int_equal(store_custody_append(f->c, &k), TB_ECONFLICT);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_custody_scan(f->c, k.evidence, custody_seen,
	    &sn), TB_OK);
	assert_string_equal(sn.text, "1:collected:->wang,2:handover:wang>lab");

	/* Malware: marked; the first submission recorded stays. */
	assert_int_equal(store_evidence_mark_malware(f->c, k.evidence, 0, NULL,
	    T0), TB_OK);
	assert_int_equal(store_evidence_mark_malware(f->c, k.evidence, T0,
	    "VC-1", T0), TB_OK);
	assert_int_equal(store_evidence_mark_malware(f->c, k.evidence, T0,
	    "VC-2", T0), TB_OK);
	assert_int_equal(store_evidence_mark_malware(f->c, 42, T0, "VC-3", T0),
	    TB_ENOTFOUND);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_evidence_get(f->c, k.evidence, evidence_seen,
	    &sn), TB_OK);
	assert_string_equal(sn.text, "a/disk/-1/aaaa/1/VC-1");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_evidence_scan(f->c, f->incident, 0, 10,
	    evidence_seen, &sn), TB_OK);
	assert_int_equal(sn.n, 1);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_evidence_scan(f->c, f->incident, k.evidence, 10,
	    evidence_seen, &sn), TB_OK);
	assert_int_equal(sn.n, 0);
}

static void
test_writes_need_tx(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*r;
	struct store_system	 x = sys_of("a", "x");
	struct store_custody	 k;

	assert_int_equal(store_read(f->st, &r), TB_OK);
	assert_int_equal(store_system_insert(r, &x), TB_EINVAL);
	memset(&k, 0, sizeof(k));
	k.kind = "collected";
	k.to = "x";
	assert_int_equal(store_custody_append(r, &k), TB_EINVAL);
	store_release(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_systems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contracts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_preservation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_evidence_and_custody,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_need_tx, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
