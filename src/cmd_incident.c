/*
 * cmd_incident.c: "tongbao incident list|show" and "tongbao overdue", for
 * operators on the same store as the server (issue 4).  An operator sees
 * every agency, as DoIT does; the JSON is the API's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/incident.h"
#include "cmd.h"
#include "store/store.h"
#include "util/util.h"

/* Rows fetched per query when walking a whole list. */
#define CLI_PAGE		500
/* Default and largest --limit of incident list. */
#define CLI_LIST_DEFAULT	50
#define CLI_LIST_MAX		1000000
/* --within: hours ahead, up to a year. */
#define CLI_WITHIN_MAX		(366 * 24)

static void
incident_usage(FILE *f)
{
	fprintf(f, "usage: tongbao incident list [--agency CODE] [--limit N] "
	    "[--json] [--db PATH]\n"
	    "       tongbao incident show ID [--json] [--db PATH]\n\n"
	    "list prints incidents, newest awareness first (an agency "
	    "includes those\nbelow it; at most N, default %d).  show prints "
	    "one incident with its\ntimeline and its obligations as of now.  "
	    "--json prints what the API answers.\nExit status: 0 success, 1 "
	    "no such incident or a failed read, 2 bad usage.\n",
	    CLI_LIST_DEFAULT);
}

static void
overdue_usage(FILE *f)
{
	fprintf(f, "usage: tongbao overdue [--within HOURS] [--json] "
	    "[--db PATH]\n\n"
	    "Prints every obligation, city-wide, that is overdue now; with "
	    "--within, also\nthose due within HOURS.  Ordered by due time.  "
	    "--json prints the items of\nGET /api/v1/obligations.\n");
}

/* Opens the configured database, refusing to create a missing one. */
static int
open_existing(const struct config *cfg, struct store **st)
{
	if (strstr(cfg->db, "://") == NULL && access(cfg->db, R_OK) != 0) {
		fprintf(stderr, "tongbao: no database at %s\n", cfg->db);
		return EXIT_REFUSED;
	}
	return cmd_open_store(cfg, st, 0);
}

/* Writes t in Taipei time to the second, or "-". */
static const char *
when(int64_t t, char *b, size_t n)
{
	if (t == TBTIME_NONE || tbtime_format(t, b, n) != TB_OK)
		return "-";
	b[10] = ' ';
	b[19] = '\0';
	return b;
}

/* Prints a JSON value and a newline; steals v. */
static int
print_json(json_t *v)
{
	char	*s = v != NULL ? json_dumps(v, JSON_INDENT(2)) : NULL;

	json_decref(v);
	if (s == NULL)
		return TB_ENOMEM;
	printf("%s\n", s);
	free(s);
	return TB_OK;
}

/* --- incident list -------------------------------------------------- */

struct cli_list {
	json_t		*items;		/* --json, else NULL */
	int64_t		 n;
	int64_t		 last_aware, last_id;
};

static int
list_row(void *arg, const struct store_incident *r)
{
	struct cli_list	*L = arg;
	char		 b[TBTIME_RFC3339_SIZE];

	L->n++;
	L->last_aware = r->aware_at;
	L->last_id = r->id;
	if (L->items != NULL) {
		json_array_append_new(L->items, incident_summary_json(r));
		return 0;
	}
	printf("%-16lld %-19s %5lld  %-8s %-16s %s%s\n", (long long)r->id,
	    when(r->aware_at, b, sizeof(b)), (long long)r->level, r->state,
	    r->agency, r->exercise ? "[演練] " : "", r->title);
	return 0;
}

static int
incident_list(struct store *st, const char *agency, int64_t limit,
    int as_json)
{
	struct store_incident_filter	 f;
	struct store_scope		 sc;
	struct store_conn		*c;
	struct cli_list			 L;
	int64_t				 before, want;
	int				 rc = TB_OK;

	memset(&sc, 0, sizeof(sc));
	sc.all = 1;
	memset(&f, 0, sizeof(f));
	f.agency = agency;
	f.level = f.exercise = -1;
	f.from = f.to = TBTIME_NONE;
	memset(&L, 0, sizeof(L));
	if (as_json && (L.items = json_array()) == NULL)
		return TB_ENOMEM;
	if (!as_json)
		printf("%-16s %-19s %5s  %-8s %-16s %s\n", "id", "aware_at",
		    "level", "state", "agency", "title");
	if ((rc = store_read(st, &c)) != TB_OK)
		goto out;
	while (L.n < limit) {
		want = limit - L.n < CLI_PAGE ? limit - L.n : CLI_PAGE;
		before = L.n;
		rc = store_incident_scan(c, &sc, &f, want, list_row, &L);
		/* A short page is the last. */
		if (rc != TB_OK || L.n - before < want)
			break;
		f.before_aware = L.last_aware;
		f.before_id = L.last_id;
	}
	store_release(c);
	if (rc == TB_OK && as_json) {
		rc = print_json(json_pack("{s:O}", "items", L.items));
	}
out:
	json_decref(L.items);
	return rc;
}

/* --- incident show -------------------------------------------------- */

static int
incident_show(struct store *st, int64_t id, int as_json)
{
	struct incident_view	 v;
	struct obligation	*ob = NULL;
	struct store_conn	*c;
	char			 b[TBTIME_RFC3339_SIZE];
	char			 b2[TBTIME_RFC3339_SIZE];
	size_t			 nob = 0, i;
	int64_t			 now = tb_now_us();
	int			 rc;

	if ((rc = store_read(st, &c)) != TB_OK)
		return rc;
	rc = incident_view_load(c, id, &v);
	store_release(c);
	if (rc == TB_OK)
		rc = incident_view_obligations(&v, now, &ob, &nob);
	if (rc != TB_OK)
		goto out;
	if (as_json) {
		rc = print_json(incident_view_json(&v, ob, nob));
		goto out;
	}
	printf("incident %lld%s: %s\n", (long long)v.in.id,
	    v.in.exercise ? " [演練 exercise]" : "", v.in.title);
	printf("agency    %s (%s)\n", v.in.agency, v.in.agency_name);
	printf("category  %s\n", v.in.category);
	printf("aware_at  %s\n", when(v.in.aware_at, b, sizeof(b)));
	printf("level     %lld (proposed %lld)\n", (long long)v.in.level,
	    (long long)v.in.proposed_level);
	printf("state     %s\n", v.in.state);
	printf("version   %lld, policy %s\n", (long long)v.in.version,
	    v.in.policy);
	printf("\nevents:\n");
	for (i = 0; i < v.nev; i++)
		printf("  %3lld  %-19s  %-24s %s\n", (long long)v.ev[i].id,
		    when(v.ev[i].at, b, sizeof(b)), v.x[i].type,
		    v.x[i].actor_name);
	printf("\nobligations:\n");
	for (i = 0; i < nob; i++)
		printf("  %-22s %-16s due %-19s met %-19s %s\n",
		    obligation_name(ob[i].name),
		    ob[i].subject[0] ? ob[i].subject : "-",
		    when(ob[i].due_at, b, sizeof(b)),
		    when(ob[i].met_at, b2, sizeof(b2)),
		    obligation_state_name(ob[i].state));
out:
	deadline_free(ob);
	incident_view_cleanup(&v);
	return rc;
}

/* --- overdue -------------------------------------------------------- */

struct cli_obl {
	json_t		*items;
	int64_t		 now, n, page;
	int64_t		 last_due, last_incident, last_period;
	char		 last_name[32];
	char		 last_subject[OBLIGATION_SUBJECT_SIZE];
};

static int
obl_row(void *arg, const struct store_obligation *o)
{
	struct cli_obl	*L = arg;
	const char	*state;
	char		 b[TBTIME_RFC3339_SIZE];

	L->n++;
	L->page++;
	L->last_due = o->due_at == TBTIME_NONE ? STORE_DUE_NONE : o->due_at;
	L->last_incident = o->incident;
	L->last_period = o->period;
	tb_strlcpy(L->last_name, o->name, sizeof(L->last_name));
	tb_strlcpy(L->last_subject, o->subject, sizeof(L->last_subject));
	if (L->items != NULL) {
		json_array_append_new(L->items,
		    incident_obligation_item_json(o, L->now));
		return 0;
	}
	state = obligation_state_name(deadline_state(o->due_at,
	    o->by_date != 0, TBTIME_NONE, L->now));
	printf("%-19s %-8s %-16lld %-16s %-22s %-12s %s%s\n",
	    when(o->due_at, b, sizeof(b)), state, (long long)o->incident,
	    o->agency, o->name, o->subject[0] ? o->subject : "-",
	    o->exercise ? "[演練] " : "", o->title);
	return 0;
}

static int
overdue(struct store *st, int64_t within, int as_json)
{
	struct store_obligation_filter	 f;
	struct store_scope		 sc;
	struct store_conn		*c;
	struct cli_obl			 L;
	int				 rc;

	memset(&sc, 0, sizeof(sc));
	sc.all = 1;
	memset(&L, 0, sizeof(L));
	L.now = tb_now_us();
	memset(&f, 0, sizeof(f));
	f.state = "open";
	f.now = L.now;
	/* Overdue now, or due before now + within: one range of due_key
	 * (everything overdue is due before now). */
	if (within > 0) {
		f.due_before = L.now + within * TBTIME_US_PER_HOUR;
		f.overdue = 0;
	} else {
		f.due_before = L.now;
		f.overdue = 1;
	}
	if (as_json && (L.items = json_array()) == NULL)
		return TB_ENOMEM;
	if (!as_json)
		printf("%-19s %-8s %-16s %-16s %-22s %-12s %s\n", "due_at",
		    "state", "incident", "agency", "obligation", "subject",
		    "title");
	if ((rc = store_read(st, &c)) != TB_OK)
		goto out;
	for (;;) {
		L.page = 0;
		rc = store_obligation_scan(c, &sc, &f, CLI_PAGE, obl_row, &L);
		if (rc != TB_OK || L.page < CLI_PAGE)
			break;
		f.after_due = L.last_due;
		f.after_incident = L.last_incident;
		f.after_name = L.last_name;
		f.after_subject = L.last_subject;
		f.after_period = L.last_period;
	}
	store_release(c);
	if (rc == TB_OK && as_json)
		rc = print_json(json_pack("{s:O}", "items", L.items));
	else if (rc == TB_OK)
		printf("%lld obligation%s\n", (long long)L.n,
		    L.n == 1 ? "" : "s");
out:
	json_decref(L.items);
	return rc;
}

/* --- the commands --------------------------------------------------- */

int
cmd_incident(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	char		**rest;
	const char	*agency = NULL;
	int64_t		 limit = CLI_LIST_DEFAULT, id = 0;
	int		 nrest, rc, i, as_json = 0, show;

	if (argc == 0 || cmd_wants_help(argc, argv)) {
		incident_usage(argc == 0 ? stderr : stdout);
		return argc == 0 ? EXIT_USAGE : 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	rc = EXIT_USAGE;
	if (nrest == 0)
		goto usage;
	show = strcmp(rest[0], "show") == 0;
	if (!show && strcmp(rest[0], "list") != 0)
		goto usage;
	for (i = 1; i < nrest; i++) {
		if (strcmp(rest[i], "--json") == 0)
			as_json = 1;
		else if (!show && strcmp(rest[i], "--agency") == 0 &&
		    i + 1 < nrest && agency == NULL)
			agency = rest[++i];
		else if (!show && strcmp(rest[i], "--limit") == 0 &&
		    i + 1 < nrest) {
			if (parse_i64(rest[++i], 1, CLI_LIST_MAX, &limit) !=
			    TB_OK)
				goto usage;
		} else if (show && id == 0 && rest[i][0] != '-') {
			if (parse_i64(rest[i], 1, INT64_MAX, &id) != TB_OK)
				goto usage;
		} else
			goto usage;
	}
	if (show && id == 0)
		goto usage;
	if ((rc = open_existing(&cfg, &st)) != 0)
		goto out_cfg;
	rc = show ? incident_show(st, id, as_json) :
	    incident_list(st, agency, limit, as_json);
	if (rc == TB_ENOTFOUND)
		fprintf(stderr, "tongbao incident: no incident %lld\n",
		    (long long)id);
	else if (rc != TB_OK)
		fprintf(stderr, "tongbao incident: %s\n", tb_strerror(rc));
	rc = rc == TB_OK ? 0 : EXIT_REFUSED;
	store_close(st);
	goto out_cfg;
usage:
	incident_usage(stderr);
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}

int
cmd_overdue(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	char		**rest;
	int64_t		 within = 0;
	int		 nrest, rc, i, as_json = 0;

	if (cmd_wants_help(argc, argv)) {
		overdue_usage(stdout);
		return 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	rc = EXIT_USAGE;
	for (i = 0; i < nrest; i++) {
		if (strcmp(rest[i], "--json") == 0)
			as_json = 1;
		else if (strcmp(rest[i], "--within") == 0 && i + 1 < nrest) {
			if (parse_i64(rest[++i], 1, CLI_WITHIN_MAX, &within) !=
			    TB_OK)
				goto usage;
		} else
			goto usage;
	}
	if ((rc = open_existing(&cfg, &st)) != 0)
		goto out_cfg;
	rc = overdue(st, within, as_json);
	if (rc != TB_OK)
		fprintf(stderr, "tongbao overdue: %s\n", tb_strerror(rc));
	rc = rc == TB_OK ? 0 : EXIT_REFUSED;
	store_close(st);
	goto out_cfg;
usage:
	overdue_usage(stderr);
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}
