/*
 * demo.c: "tongbao demo" loads the real Taipei City bodies of
 * data/taipei-agencies.csv (embedded at build time) and, for each, a
 * contact window, a deputy, a CISO and a staff member, so that every
 * screen has something true to show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store/store.h"
#include "util/csv.h"
#include "util/secret.h"
#include "util/util.h"

extern const unsigned char	tb_demo_agencies_csv[];
extern const size_t		tb_demo_agencies_csv_len;

/* The shared password of every demo account (not of admin). */
#define DEMO_PASSWORD_DEFAULT	"tongbao-demo-2026"
/* Agencies in the demo file: a fixed set, with room to spare. */
#define DEMO_AGENCIES_MAX	512

struct demo_agency {
	char	*code, *name, *name_en, *type, *superior;
	int	 done;
};

/*
 * The responsibility level each kind of body gets in the demo.  The real
 * levels are assigned by the Executive Yuan per agency and are not in the
 * public data; these are plausible for the kinds (DoIT runs city-wide core
 * systems; schools hold few).
 */
static const char *
demo_level(const char *type)
{
	if (strcmp(type, "doit") == 0)
		return "A";
	if (strcmp(type, "city_agency") == 0)
		return "B";
	if (strcmp(type, "school") == 0)
		return "D";
	return "C";
}

/* The people of each demo agency: suffix, Chinese title, roles, and the
 * roster assignment they hold (P5-P9), if any. */
static const struct demo_person {
	const char		*suffix;
	const char		*title;
	int			 dedicated;
	const char *const	 roles[3];
	size_t			 nroles;
	const char		*contact;	/* "window", "deputy" or NULL */
} demo_people[] = {
	{ "window", "通報窗口", 1, { "contact_window", "reporter" }, 2,
	    "window" },
	{ "deputy", "通報窗口代理人", 1, { "contact_window", "reporter" }, 2,
	    "deputy" },
	{ "ciso", "資通安全長", 0, { "ciso", "commander" }, 2, NULL },
	{ "staff", "資安人員", 0, { "reporter", "responder" }, 2, NULL },
};

static void
demo_free(struct demo_agency *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].code);
		free(a[i].name);
		free(a[i].name_en);
		free(a[i].type);
		free(a[i].superior);
	}
	free(a);
}

/* Parses the embedded CSV: code,name_zh,name_en,type,superior_code. */
static int
demo_parse(struct demo_agency **out, size_t *nout)
{
	const char		*data = (const char *)tb_demo_agencies_csv;
	size_t			 len = tb_demo_agencies_csv_len, pos = 0;
	size_t			 line = 1, n = 0;
	struct csv_record	 rec;
	struct demo_agency	*a;
	int			 rc, header = 1;

	if ((a = calloc(DEMO_AGENCIES_MAX, sizeof(*a))) == NULL)
		return TB_ENOMEM;
	while ((rc = csv_read(data, len, &pos, &line, &rec)) == TB_OK) {
		if (header) {
			header = 0;
			csv_record_free(&rec);
			continue;
		}
		if (rec.nfields == 1 && rec.fields[0][0] == '\0') {
			csv_record_free(&rec);
			continue;
		}
		if (rec.nfields != 5 || n == DEMO_AGENCIES_MAX) {
			fprintf(stderr, "tongbao demo: agencies line %zu: "
			    "expected 5 fields\n", line - 1);
			csv_record_free(&rec);
			demo_free(a, n);
			return TB_EINVAL;
		}
		a[n].code = rec.fields[0];
		a[n].name = rec.fields[1];
		a[n].name_en = rec.fields[2];
		a[n].type = rec.fields[3];
		a[n].superior = rec.fields[4];
		rec.nfields = 0;
		n++;
	}
	if (rc != TB_DONE) {
		fprintf(stderr, "tongbao demo: agencies line %zu: %s\n", line,
		    tb_strerror(rc));
		demo_free(a, n);
		return rc;
	}
	*out = a;
	*nout = n;
	return TB_OK;
}

static int
demo_insert_agency(struct store_conn *c, const struct demo_agency *d,
    int64_t now)
{
	struct store_agency	 a;

	memset(&a, 0, sizeof(a));
	a.code = d->code;
	a.name = d->name;
	a.name_en = d->name_en[0] ? d->name_en : NULL;
	a.type = d->type;
	a.superior = d->superior[0] ? d->superior : NULL;
	a.responsibility_level = demo_level(d->type);
	/* P41: schools report to the education network, a central channel. */
	a.reports_to_central = strcmp(d->type, "school") == 0;
	a.uses_city_mail = strcmp(d->type, "school") != 0;
	a.active = 1;
	a.created_at = a.updated_at = now;
	return store_agency_insert(c, &a);
}

/*
 * Puts a demo person on the roster from now, the deputy with access ready
 * (P9).  The rules hold by construction: both are dedicated civil
 * servants (P6) and each agency's first window is never late (P8).
 */
static int
demo_insert_contact(struct store_conn *c, const struct demo_agency *d,
    int64_t user_id, const char *role, int64_t now)
{
	struct store_contact	 k;

	memset(&k, 0, sizeof(k));
	k.id = store_new_id();
	k.agency = d->code;
	k.user_id = user_id;
	k.role = role;
	k.effective_from = now;
	k.access_ready_at = strcmp(role, "deputy") == 0 ? now :
	    STORE_TIME_NONE;
	k.notified_at = now;
	k.created_at = now;
	return store_contact_insert(c, &k);
}

static int
demo_insert_people(struct store_conn *c, const struct demo_agency *d,
    const char *hash, int64_t now)
{
	char	 username[96], name[160], email[128];
	int	 rc;

	for (size_t i = 0; i < sizeof(demo_people) / sizeof(demo_people[0]);
	    i++) {
		const struct demo_person *p = &demo_people[i];
		struct store_user	  u;

		if (tb_snprintf(username, sizeof(username), "%s.%s", d->code,
		    p->suffix) != TB_OK ||
		    tb_snprintf(name, sizeof(name), "%s%s", d->name, p->title)
		    != TB_OK ||
		    tb_snprintf(email, sizeof(email), "%s@demo.tongbao.test",
		    username) != TB_OK)
			return TB_ETOOBIG;
		memset(&u, 0, sizeof(u));
		u.id = store_new_id();
		u.username = username;
		u.name = name;
		u.agency = d->code;
		u.email = email;
		u.phone = "02-2720-8889";
		u.taipeion_id = username;
		u.employment = "civil_servant";
		u.dedicated_staff = p->dedicated;
		u.password_hash = hash;
		u.active = 1;
		u.created_at = u.updated_at = now;
		if ((rc = store_user_insert(c, &u, p->roles, p->nroles))
		    != TB_OK)
			return rc;
		if (p->contact != NULL &&
		    (rc = demo_insert_contact(c, d, u.id, p->contact, now))
		    != TB_OK)
			return rc;
	}
	return TB_OK;
}

/* Accounts that only DoIT and a vendor have. */
static int
demo_insert_extra(struct store_conn *c, const char *hash, int64_t now)
{
	static const struct {
		const char		*username, *name, *agency, *employment;
		const char *const	 roles[2];
		size_t			 nroles;
	} extra[] = {
		{ "doit.reviewer", "資訊局資安審核員", "doit", "civil_servant",
		    { "doit_reviewer" }, 1 },
		{ "doe.viewer", "教育局上級機關檢視者", "doe", "civil_servant",
		    { "superior_viewer" }, 1 },
		{ "vendor.ca", "民政局委外廠商", "ca", "vendor",
		    { "vendor" }, 1 },
	};
	int	 rc;

	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		struct store_user u;

		memset(&u, 0, sizeof(u));
		u.id = store_new_id();
		u.username = extra[i].username;
		u.name = extra[i].name;
		u.agency = extra[i].agency;
		u.employment = extra[i].employment;
		u.password_hash = hash;
		u.active = 1;
		u.created_at = u.updated_at = now;
		if ((rc = store_user_insert(c, &u, extra[i].roles,
		    extra[i].nroles)) != TB_OK)
			return rc;
	}
	return TB_OK;
}

static void
demo_print_logins(const char *password)
{
	printf("\nDemo sign-ins (password for all: %s):\n", password);
	printf("  ca.window      民政局通報窗口 (contact_window)\n");
	printf("  ca.ciso        民政局資通安全長 (ciso, commander)\n");
	printf("  ca.staff       民政局資安人員 (reporter, responder)\n");
	printf("  doit.reviewer  資訊局資安審核員 (doit_reviewer)\n");
	printf("  doe.viewer     教育局上級機關檢視者 (superior_viewer)\n");
	printf("  vendor.ca      民政局委外廠商 (vendor)\n");
	printf("  Every agency CODE has CODE.window, CODE.deputy, CODE.ciso "
	    "and CODE.staff.\n");
	printf("  admin uses the password set by 'tongbao init'.\n");
}

int
cmd_demo(int argc, char **argv)
{
	struct config		 cfg;
	struct store		*st = NULL;
	struct store_conn	*c = NULL;
	struct demo_agency	*ag = NULL;
	char			**rest, hash[SECRET_HASH_MAX];
	const char		*pw;
	size_t			 n = 0, left, i;
	int64_t			 now = tb_now_us();
	int			 nrest, rc, exists = 0, progress;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: tongbao demo [--db PATH]\n\nLoads the %s of "
		    "Taipei City's real agencies, each with a contact window,\n"
		    "a deputy, a CISO and a staff member, plus a DoIT reviewer, "
		    "a superior-agency\nviewer and a vendor.  Their shared "
		    "password comes from TONGBAO_DEMO_PASSWORD\n(default %s).  "
		    "Loading twice changes nothing.\n", "146",
		    DEMO_PASSWORD_DEFAULT);
		return 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	if ((rc = cmd_no_args("demo", rest, nrest)) != 0)
		goto out_cfg;
	pw = getenv("TONGBAO_DEMO_PASSWORD");
	if (pw == NULL || pw[0] == '\0')
		pw = DEMO_PASSWORD_DEFAULT;
	if ((rc = cmd_open_store(&cfg, &st, 1)) != 0)
		goto out_cfg;
	if (store_read(st, &c) != TB_OK ||
	    store_agency_exists(c, "ca", &exists) != TB_OK) {
		rc = EXIT_REFUSED;
		goto out_store;
	}
	store_release(c);
	c = NULL;
	if (exists) {
		printf("demo data is already loaded in %s\n", cfg.db);
		demo_print_logins(pw);
		rc = 0;
		goto out_store;
	}
	if (demo_parse(&ag, &n) != TB_OK) {
		rc = EXIT_REFUSED;
		goto out_store;
	}
	/*
	 * One argon2id hash serves every demo account: hashing 600 passwords
	 * would take a minute, and these accounts guard nothing real.
	 */
	if (secret_password_hash(pw, hash) != TB_OK) {
		rc = EXIT_REFUSED;
		goto out_store;
	}
	if ((rc = store_write(st, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	/* A superior may stand below its subordinates in the file. */
	for (i = 0; i < n; i++)
		if (strcmp(ag[i].code, "doit") == 0)
			ag[i].done = 1;	/* made by 'tongbao init' */
	do {
		int found;

		progress = 0;
		left = 0;
		for (i = 0; i < n; i++) {
			if (ag[i].done)
				continue;
			found = ag[i].superior[0] == '\0';
			if (!found && (rc = store_agency_exists(c,
			    ag[i].superior, &found)) != TB_OK)
				goto fail_tx;
			if (!found) {
				left++;
				continue;
			}
			if ((rc = demo_insert_agency(c, &ag[i], now)) != TB_OK)
				goto fail_tx;
			ag[i].done = 1;
			progress = 1;
		}
	} while (left > 0 && progress);
	if (left > 0) {
		fprintf(stderr, "tongbao demo: %zu agencies name a superior "
		    "that does not exist\n", left);
		rc = TB_EINVAL;
		goto fail_tx;
	}
	for (i = 0; i < n; i++)
		if ((rc = demo_insert_people(c, &ag[i], hash, now)) != TB_OK)
			goto fail_tx;
	if ((rc = demo_insert_extra(c, hash, now)) != TB_OK)
		goto fail_tx;
	if ((rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	printf("loaded %zu agencies and %zu people into %s\n", n,
	    n * (sizeof(demo_people) / sizeof(demo_people[0])) + 3, cfg.db);
	demo_print_logins(pw);
	rc = 0;
	goto out_store;
fail_tx:
	store_tx_rollback(c);
fail:
	fprintf(stderr, "tongbao demo: nothing loaded: %s\n", tb_strerror(rc));
	rc = EXIT_REFUSED;
out_store:
	if (c != NULL)
		store_release(c);
	secret_wipe(hash, sizeof(hash));
	demo_free(ag, n);
	store_close(st);
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}
