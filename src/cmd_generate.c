/*
 * cmd_generate.c: "tongbao generate" fills a database with made-up
 * incidents for the benchmarks (issue 4, point 7; bench/incidents.sh): N
 * incidents across the demo agencies and generated agencies below them,
 * aware over the last Y years, each with a plausible timeline of events
 * and the obligations the deadline engine derives from it.
 *
 * The rows are the server's: they are written by the store functions the
 * API uses, every event passes the domain's incident_event_check() before
 * it is recorded (a timeline the rules refuse is cut where they refuse
 * it), and the obligations come from incident_obligations_refresh() on
 * the incident as loaded back, exactly as after a change.  What the
 * server does besides and a benchmark needs not is left out: no
 * notifications (they would be about events years old), no audit entry
 * per incident (one entry records the run), no improvement plans.
 *
 * Generated data is marked so that it is never taken for real: agency
 * codes gen-NNN, their accounts gen-NNN.window with no password (nobody
 * can sign in as them), titles and descriptions starting [產生資料], and
 * national report numbers GEN-<incident id>.
 */
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api/incident.h"
#include "cmd.h"
#include "domain/domain.h"
#include "store/store.h"
#include "util/util.h"

/* Limits of the options, each with its reason. */
/* Incidents per run: ten times the benchmark's million, a few GB. */
#define GEN_INCIDENTS_MAX	10000000
/* Agencies: the city has about 400; room for a larger test. */
#define GEN_AGENCIES_MAX	2000
/* Years back: the procedure's policy starts in 2019; older incidents
 * are judged by it too (policy_pick), so a longer span still works. */
#define GEN_YEARS_MAX		30

/* Incidents per transaction: one COMMIT per this many keeps the run
 * from being disk-bound, and one transaction stays a few MB of WAL. */
#define GEN_BATCH		1000
/* Events of one generated timeline at most (two affected agencies and
 * every optional step). */
#define GEN_EVENTS_MAX		24
/* Seconds between plain progress lines when stderr is not a terminal. */
#define GEN_PROGRESS_S		5

#define MIN_US		INT64_C(60000000)
#define HOUR_US		(60 * MIN_US)
#define DAY_US		(24 * HOUR_US)

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* An agency incidents can be generated for: it has a window account. */
struct gen_agency {
	char		 code[STORE_KEY_SIZE];
	char		 type[24];
	char		 window[STORE_KEY_SIZE];	/* its user name */
	int64_t		 window_id;
	int		 is_school;
	int		 central;	/* reports_to_central */
	double		 cum;		/* cumulative weight, for picking */
};

struct gen {
	struct store		*st;
	uint64_t		 rng;
	struct gen_agency	*ag;
	size_t			 nag;
	double			 total;		/* sum of the weights */
	int64_t			 reviewer_id;	/* doit.reviewer, or 0 */
	char			 reviewer[STORE_KEY_SIZE];
	int64_t			 now;		/* the run's "now" */
	int64_t			 start;		/* now - years */
	int64_t			 incidents;	/* written */
	int64_t			 events;
	int64_t			 refused;	/* events the rules refused */
	int64_t			 agencies_made;
};

/* One planned event: what the rules read, and what is stored. */
struct gen_event {
	struct event	 e;
	char		 agency[STORE_KEY_SIZE];	/* agency_notified */
	int		 by_doit;	/* recorded by DoIT's reviewer */
};

/* --- randomness (splitmix64: fast, and a seed gives the same data) --- */

static uint64_t
gen_next(struct gen *g)
{
	uint64_t	 z = (g->rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double
gen_unit(struct gen *g)
{
	return (double)(gen_next(g) >> 11) / 9007199254740992.0;
}

/* A uniform integer in [lo, hi]. */
static int64_t
gen_range(struct gen *g, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(gen_next(g) % (uint64_t)(hi - lo + 1));
}

/* true with probability permille / 1000. */
static int
gen_chance(struct gen *g, int permille)
{
	return (int)(gen_next(g) % 1000) < permille;
}

/* --- progress (CONVENTIONS: a bar on a terminal, lines otherwise) ---- */

struct gen_progress {
	int		 tty;
	int64_t		 total;
	int64_t		 t0;
	int64_t		 last;		/* when the last line was written */
};

static void
progress_init(struct gen_progress *p, int64_t total)
{
	p->tty = isatty(STDERR_FILENO);
	p->total = total;
	p->t0 = p->last = tb_mono_us();
}

/* Shows done of total; final ends the bar's line. */
static void
progress_show(struct gen_progress *p, int64_t done, int final)
{
	char		 bar[41];
	int64_t		 now = tb_mono_us(), el = now - p->t0, eta;
	double		 frac = p->total > 0 ? (double)done / p->total : 1;
	double		 rate = el > 0 ? done * 1e6 / el : 0;
	size_t		 i, fill = (size_t)(frac * (sizeof(bar) - 1));

	if (!p->tty && !final && now - p->last < GEN_PROGRESS_S * 1000000)
		return;
	p->last = now;
	eta = rate > 0 ? (int64_t)((p->total - done) / rate) : 0;
	if (!p->tty) {
		fprintf(stderr, "generate: %lld/%lld incidents (%.0f%%), "
		    "%.0f/s, %llds left\n", (long long)done,
		    (long long)p->total, frac * 100, rate, (long long)eta);
		return;
	}
	for (i = 0; i < sizeof(bar) - 1; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[sizeof(bar) - 1] = '\0';
	fprintf(stderr, "\r[%s] %5.1f%%  %lld/%lld incidents  %.0f/s  "
	    "%lldm%02llds left ", bar, frac * 100, (long long)done,
	    (long long)p->total, rate, (long long)(eta / 60),
	    (long long)(eta % 60));
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* --- agencies --------------------------------------------------------- */

struct gen_codes {
	char	(*code)[STORE_KEY_SIZE];
	size_t	 n, cap;
	int	 rc;
};

static int
codes_add(void *arg, const char *code, const char *superior)
{
	struct gen_codes	*L = arg;
	void			*p;

	(void)superior;
	if (L->n == L->cap) {
		L->cap = L->cap ? 2 * L->cap : 256;
		if ((p = realloc(L->code, L->cap * sizeof(*L->code))) ==
		    NULL) {
			L->rc = TB_ENOMEM;
			return 1;
		}
		L->code = p;
	}
	if (tb_strlcpy(L->code[L->n], code, sizeof(L->code[0])) != TB_OK) {
		L->rc = TB_ETOOBIG;
		return 1;
	}
	L->n++;
	return 0;
}

/* Every agency code, in code order, into *L (free L->code). */
static int
gen_codes_read(struct store *st, struct gen_codes *L)
{
	struct store_conn	*c;
	int			 rc;

	memset(L, 0, sizeof(*L));
	if ((rc = store_read(st, &c)) != TB_OK)
		return rc;
	rc = store_agency_tree(c, codes_add, L);
	store_release(c);
	return rc != TB_OK ? rc : L->rc;
}

/* How often an agency of this type reports, relative to the others: the
 * large city agencies most, schools least. */
static double
gen_weight(const char *type)
{
	if (strcmp(type, "city_agency") == 0)
		return 3;
	if (strcmp(type, "district_office") == 0)
		return 2;
	if (strcmp(type, "school") == 0)
		return 0.5;
	return 1;
}

/*
 * Adds agencies gen-001, gen-002 ... (those missing) until the database
 * has want agencies, each below a demo city agency or district office and
 * with a window account that cannot sign in.  One transaction.
 */
static int
gen_agencies_make(struct gen *g, const struct gen_codes *L, int64_t want)
{
	struct store_conn	*c = NULL;
	static const char *const roles[] = { "contact_window", "reporter" };
	const char		*parents[GEN_AGENCIES_MAX];
	char			 code[32], name[128], name_en[128];
	char			 uname[64], uwho[128];
	size_t			 nparents = 0, i;
	int64_t			 have = (int64_t)L->n, k = 0;
	int			 rc, exists;

	if (have >= want)
		return TB_OK;
	if ((rc = store_write(g->st, &c)) != TB_OK)
		return rc;
	for (i = 0; i < L->n && nparents < NELEM(parents); i++) {
		struct store_incident_agency	 a;

		if (store_incident_agency(c, L->code[i], &a) == TB_OK &&
		    a.active && strncmp(L->code[i], "gen-", 4) != 0 &&
		    (strcmp(a.type, "city_agency") == 0 ||
		    strcmp(a.type, "district_office") == 0))
			parents[nparents++] = L->code[i];
	}
	if (nparents == 0) {
		rc = TB_ENOTFOUND;
		goto out;
	}
	if ((rc = store_tx_begin(c)) != TB_OK)
		goto out;
	while (have < want) {
		struct store_agency	 a;
		struct store_user	 u;

		k++;
		if ((rc = tb_snprintf(code, sizeof(code), "gen-%03lld",
		    (long long)k)) != TB_OK ||
		    (rc = store_agency_exists(c, code, &exists)) != TB_OK)
			goto fail;
		if (exists)
			continue;
		tb_snprintf(name, sizeof(name), "產生的機關 %03lld（測試資料）",
		    (long long)k);
		tb_snprintf(name_en, sizeof(name_en), "Generated agency %03lld "
		    "(test data)", (long long)k);
		memset(&a, 0, sizeof(a));
		a.code = code;
		a.name = name;
		a.name_en = name_en;
		a.type = "subordinate";
		a.superior = parents[gen_next(g) % nparents];
		a.responsibility_level = "D";
		a.uses_city_mail = 1;
		a.active = 1;
		a.created_at = a.updated_at = g->now;
		if ((rc = store_agency_insert(c, &a)) != TB_OK)
			goto fail;
		tb_snprintf(uname, sizeof(uname), "%s.window", code);
		tb_snprintf(uwho, sizeof(uwho),
		    "產生的通報窗口 %03lld（測試資料）", (long long)k);
		memset(&u, 0, sizeof(u));
		u.id = store_new_id();
		u.username = uname;
		u.name = uwho;
		u.agency = code;
		u.employment = "civil_servant";
		u.dedicated_staff = 1;
		/* No password: generated accounts cannot sign in. */
		u.password_hash = NULL;
		u.active = 1;
		u.created_at = u.updated_at = g->now;
		if ((rc = store_user_insert(c, &u, roles, NELEM(roles))) !=
		    TB_OK)
			goto fail;
		have++;
		g->agencies_made++;
	}
	rc = store_tx_commit(c);
	goto out;
fail:
	store_tx_rollback(c);
out:
	store_release(c);
	return rc;
}

/* Reads every active agency that has a window account into g->ag. */
static int
gen_agencies_load(struct gen *g, const struct gen_codes *L)
{
	struct store_conn	*c;
	struct store_login	 u;
	char			 uname[STORE_KEY_SIZE + 8];
	size_t			 i;
	int			 rc = TB_OK;

	if ((g->ag = calloc(L->n > 0 ? L->n : 1, sizeof(*g->ag))) == NULL)
		return TB_ENOMEM;
	if ((rc = store_read(g->st, &c)) != TB_OK)
		return rc;
	for (i = 0; i < L->n; i++) {
		struct store_incident_agency	 a;
		struct gen_agency		*d = &g->ag[g->nag];

		if ((rc = store_incident_agency(c, L->code[i], &a)) != TB_OK)
			break;
		if (!a.active || tb_snprintf(uname, sizeof(uname),
		    "%s.window", L->code[i]) != TB_OK)
			continue;
		rc = store_login_by_name(c, uname, &u);
		memset(u.password_hash, 0, sizeof(u.password_hash));
		if (rc == TB_ENOTFOUND || (rc == TB_OK && !u.active)) {
			rc = TB_OK;
			continue;
		}
		if (rc != TB_OK)
			break;
		tb_strlcpy(d->code, L->code[i], sizeof(d->code));
		tb_strlcpy(d->type, a.type, sizeof(d->type));
		tb_strlcpy(d->window, u.username, sizeof(d->window));
		d->window_id = u.id;
		d->is_school = strcmp(a.type, "school") == 0;
		d->central = a.reports_to_central != 0;
		g->total += gen_weight(a.type);
		d->cum = g->total;
		g->nag++;
	}
	if (rc == TB_OK && store_login_by_name(c, "doit.reviewer", &u) ==
	    TB_OK && u.active) {
		g->reviewer_id = u.id;
		tb_strlcpy(g->reviewer, u.username, sizeof(g->reviewer));
	}
	memset(u.password_hash, 0, sizeof(u.password_hash));
	store_release(c);
	return rc;
}

/* An agency, by weight. */
static const struct gen_agency *
gen_pick_agency(struct gen *g)
{
	double	 x = gen_unit(g) * g->total;
	size_t	 lo = 0, hi = g->nag - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->ag[mid].cum > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &g->ag[lo];
}

/* --- one incident ----------------------------------------------------- */

/* Categories with their share in permille (the rest is `other`). */
static const struct {
	const char	*name;
	int		 permille;
} gen_categories[] = {
	{ "web_attack", 300 }, { "intrusion", 250 },
	{ "denial_of_service", 150 }, { "equipment", 200 },
	{ "other", 100 },
};

/* A symptom of category (NULL for `other`, which has none of its own). */
static const char *
gen_symptom(struct gen *g, const char *category)
{
	const char	*s, *cat, *pick[16];
	size_t		 i, n = 0;

	for (i = 0; (s = form_symptom_at(i, &cat)) != NULL; i++)
		if (cat != NULL && strcmp(cat, category) == 0 &&
		    n < NELEM(pick))
			pick[n++] = s;
	return n > 0 ? pick[gen_next(g) % n] : NULL;
}

/* The level an agency proposes: mostly 1 and 2 (P10), schools 0-2. */
static int
gen_level(struct gen *g, int school)
{
	int	 r = (int)gen_range(g, 0, 999);

	if (school)
		return r < 50 ? 0 : r < 800 ? 1 : 2;
	return r < 600 ? 1 : r < 880 ? 2 : r < 980 ? 3 : 4;
}

/* Appends a planned event of type t at `at`, if it fits. */
static struct gen_event *
plan_add(struct gen_event *p, size_t *n, enum event_type t, int64_t at)
{
	struct gen_event	*e;

	if (*n >= GEN_EVENTS_MAX)
		return NULL;
	e = &p[(*n)++];
	memset(e, 0, sizeof(*e));
	e->e.type = t;
	e->e.at = at;
	return e;
}

/*
 * Plans the timeline of an incident aware at A with the approved level
 * and facts given: the steps of the procedure, mostly on time, some late,
 * and for a few stalled incidents nothing after some point (their
 * obligations stay open, and overdue).  Returns the count, in plan order.
 */
static size_t
gen_plan(struct gen *g, const struct gen_agency *ag, int64_t A, int proposed,
    int pdi, int equipment_failure, char aff[][STORE_KEY_SIZE], size_t naff,
    struct gen_event *p)
{
	struct gen_event	*e;
	size_t			 n = 0, i, k;
	int64_t			 appr, rep, dmg, cut = INT64_MAX;
	int			 level = proposed, high;

	/* Older incidents were mostly seen through; the last year's less. */
	if (gen_chance(g, g->now - A > 365 * DAY_US ? 3 : 40))
		cut = A + gen_range(g, 2 * HOUR_US, 20 * DAY_US);
	appr = A + gen_range(g, 5 * MIN_US, 45 * MIN_US);
	if (!ag->is_school && gen_chance(g, 60))
		level = proposed == 4 ? 3 : proposed == 1 ? 2 :
		    proposed + (gen_chance(g, 500) ? 1 : -1);
	high = level >= 3;
	if ((e = plan_add(p, &n, EVENT_LEVEL_APPROVED, appr)) != NULL)
		e->e.level = level;
	if (gen_chance(g, 950)) {
		rep = A + (gen_chance(g, 70) ? gen_range(g, 61 * MIN_US,
		    300 * MIN_US) : gen_range(g, 10 * MIN_US, 55 * MIN_US));
		if (rep <= appr)
			rep = appr + gen_range(g, MIN_US, 10 * MIN_US);
		if ((e = plan_add(p, &n, EVENT_REPORTED, rep)) != NULL)
			e->e.channel = EVENT_CHANNEL_PLATFORM;
	} else {
		/* P11: the platform could not be reached. */
		rep = appr + gen_range(g, 5 * MIN_US, 50 * MIN_US);
		if ((e = plan_add(p, &n, EVENT_REPORTED, rep)) != NULL)
			e->e.channel = EVENT_CHANNEL_FALLBACK;
		plan_add(p, &n, EVENT_BACKFILLED, rep + gen_range(g, HOUR_US,
		    30 * HOUR_US));
	}
	for (i = 0; i < naff; i++) {
		e = plan_add(p, &n, EVENT_AGENCY_NOTIFIED, A + (gen_chance(g,
		    50) ? gen_range(g, 61 * MIN_US, 180 * MIN_US) :
		    gen_range(g, 10 * MIN_US, 58 * MIN_US)));
		if (e != NULL)
			tb_strlcpy(e->agency, aff[i], sizeof(e->agency));
	}
	if (ag->central)
		plan_add(p, &n, EVENT_DOIT_COPIED, rep + gen_range(g,
		    2 * HOUR_US, 60 * HOUR_US));
	else if ((e = plan_add(p, &n, EVENT_LEVEL_REVIEWED, rep +
	    (high ? gen_range(g, 10 * MIN_US, 110 * MIN_US) :
	    gen_range(g, 30 * MIN_US, 460 * MIN_US)) +
	    (gen_chance(g, 50) ? gen_range(g, HOUR_US, 6 * HOUR_US) : 0)))
	    != NULL) {
		e->e.level = level;
		e->by_doit = 1;
	}
	if (gen_chance(g, 50)) {
		int64_t	 q = rep + gen_range(g, HOUR_US, 3 * DAY_US);

		if ((e = plan_add(p, &n, EVENT_INFO_REQUESTED, q)) != NULL)
			e->by_doit = 1;
		plan_add(p, &n, EVENT_INFO_PROVIDED, q + gen_range(g, HOUR_US,
		    2 * DAY_US));
	}
	plan_add(p, &n, EVENT_TEAM_FORMED, A + (high ? gen_range(g,
	    20 * MIN_US, 58 * MIN_US) : gen_range(g, 30 * MIN_US,
	    170 * MIN_US)) + (gen_chance(g, 70) ? gen_range(g, HOUR_US,
	    5 * HOUR_US) : 0));
	if ((e = plan_add(p, &n, EVENT_MEETING_HELD, A + gen_range(g,
	    2 * HOUR_US, 48 * HOUR_US))) != NULL)
		e->e.kind = EVENT_MEETING_RESPONSE;
	dmg = A + (high ? gen_range(g, 4 * HOUR_US, 34 * HOUR_US) :
	    gen_range(g, 6 * HOUR_US, 70 * HOUR_US)) + (gen_chance(g, 80) ?
	    gen_range(g, DAY_US, 4 * DAY_US) : 0);
	plan_add(p, &n, EVENT_DAMAGE_CONTROLLED, dmg);
	if (high)
		plan_add(p, &n, EVENT_EFFECTIVENESS_REPORTED, dmg +
		    gen_range(g, 6 * HOUR_US, 5 * DAY_US));
	if (pdi && high)
		plan_add(p, &n, EVENT_PDPA_ASSESSED, A + gen_range(g, DAY_US,
		    10 * DAY_US));
	if (!equipment_failure)
		plan_add(p, &n, EVENT_ROOT_CAUSE_RECORDED, A + gen_range(g,
		    3 * DAY_US, 9 * DAY_US));
	plan_add(p, &n, EVENT_CLOSURE_REPORTED, A + (gen_chance(g, 90) ?
	    gen_range(g, 31 * DAY_US, 70 * DAY_US) : gen_range(g,
	    12 * DAY_US, 29 * DAY_US)));
	/* What has not happened yet, or never will for a stalled one. */
	for (i = k = 0; i < n; i++)
		if (p[i].e.at <= g->now && p[i].e.at <= cut)
			p[k++] = p[i];
	return k;
}

/* Sorts a plan by `at`, keeping the plan order of equal times. */
static void
plan_sort(struct gen_event *p, size_t n)
{
	struct gen_event	 x;
	size_t			 i, j;

	for (i = 1; i < n; i++) {
		x = p[i];
		for (j = i; j > 0 && p[j - 1].e.at > x.e.at; j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
}

/*
 * The fields of an event as the API stores them (the posted fields but
 * type and at, compact with sorted keys); a new string or NULL.
 */
static char *
gen_fields(struct gen *g, const struct gen_agency *ag,
    const struct gen_event *e, const char *ref, int intrusion)
{
	json_t	*o = NULL;
	char	*s;

	switch (e->e.type) {
	case EVENT_LEVEL_APPROVED:
		o = json_pack("{s:i, s:s}", "level", e->e.level, "note",
		    "[產生資料] 資通安全長核定");
		break;
	case EVENT_REPORTED:
		o = e->e.channel == EVENT_CHANNEL_PLATFORM ?
		    json_pack("{s:s, s:s}", "channel", "platform",
		    "platform_ref", ref) :
		    json_pack("{s:s, s:s}", "channel", "fallback", "reason",
		    "[產生資料] 通報平台無法連線，改以電話通報");
		break;
	case EVENT_BACKFILLED:
		o = json_pack("{s:s}", "platform_ref", ref);
		break;
	case EVENT_AGENCY_NOTIFIED:
		o = json_pack("{s:s, s:s}", "agency", e->agency, "channel",
		    "phone");
		break;
	case EVENT_DOIT_COPIED:
		o = json_pack("{s:s}", "note", "[產生資料] 副知資訊局");
		break;
	case EVENT_INFO_REQUESTED:
		o = json_pack("{s:s}", "message",
		    "[產生資料] 請補充受影響系統");
		break;
	case EVENT_INFO_PROVIDED:
		o = json_pack("{s:s}", "message", "[產生資料] 已補充");
		break;
	case EVENT_LEVEL_REVIEWED:
		o = json_pack("{s:s, s:i}", "basis", "[產生資料] 維持原等級",
		    "level", e->e.level);
		break;
	case EVENT_TEAM_FORMED:
		o = json_pack("{s:[{s:s, s:s}]}", "members", "role",
		    "commander", "username", ag->window);
		break;
	case EVENT_MEETING_HELD:
		o = json_pack("{s:[s], s:s, s:s}", "attendees", ag->window,
		    "kind", "response", "minutes", "[產生資料] 應變會議");
		break;
	case EVENT_DAMAGE_CONTROLLED:
		o = json_pack("{s:b, s:s, s:s, s:s, s:s, s:[{s:s, s:b}]}",
		    "public_announcement", 0, "restoration",
		    "[產生資料] 對外服務優先復原", "scope",
		    "[產生資料] 單一系統",
		    "spread_prevention", "[產生資料] 已封鎖來源",
		    "stakeholder_impact", "[產生資料] 無", "systems", "name",
		    "[產生資料] 網站", "within_tolerable_downtime",
		    (int)gen_chance(g, 900));
		break;
	case EVENT_EFFECTIVENESS_REPORTED:
		o = json_pack("{s:s, s:[s]}", "note", "[產生資料] 成效報告",
		    "recipients", "doit");
		break;
	case EVENT_PDPA_ASSESSED:
		o = json_pack("{s:s}", "decision", "[產生資料] 無須通知當事人");
		break;
	case EVENT_ROOT_CAUSE_RECORDED:
		o = json_pack("{s:s, s:s, s:s, s:s}", "findings",
		    "[產生資料] 弱密碼", "investigator", "vendor",
		    "investigator_name", "[產生資料] 資安廠商", "log_analysis",
		    "[產生資料] 主機與防火牆日誌");
		/* P28: an intrusion may have planted malware. */
		if (o != NULL && intrusion && json_object_set_new(o,
		    "malware_analysis",
		    json_string("[產生資料] 惡意程式已分析")) != 0) {
			json_decref(o);
			o = NULL;
		}
		break;
	case EVENT_CLOSURE_REPORTED:
		o = json_pack("{s:[s], s:s, s:s}", "cause", form_name_at(
		    FORM_CLOSURE_CAUSE, (size_t)(gen_next(g) % 4)), "fixes",
		    "[產生資料] 已修補", "note", "[產生資料] 結案");
		break;
	default:
		o = json_object();
	}
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/*
 * Writes one incident with its events and obligations through c (the
 * writer, in a transaction).  q in [0, 1) places its awareness in the
 * span: incidents get more frequent towards now, as reporting grew.
 */
static int
gen_incident(struct gen *g, struct store_conn *c, int64_t seq, double q)
{
	const struct gen_agency	*ag = gen_pick_agency(g);
	struct store_incident	 in;
	struct incident_facts	 f;
	struct incident_view	 v;
	struct gen_event	 plan[GEN_EVENTS_MAX];
	struct event		 ev[GEN_EVENTS_MAX];
	char			 aff[2][STORE_KEY_SIZE], ref[40], title[160];
	char			 symptoms[96];
	const char		*affp[2], *category, *symptom, *reason;
	const char		*state;
	size_t			 naff = 0, nplan, nev = 0, i, k;
	int64_t			 A, r, created, recorded, level;
	int			 proposed, pdi, rc, intrusion;

	memset(&v, 0, sizeof(v));
	A = g->start + (int64_t)((double)(g->now - 10 * MIN_US - g->start) *
	    sqrt(q));
	r = gen_range(g, 0, 999);
	for (k = 0; k < NELEM(gen_categories) - 1 &&
	    r >= gen_categories[k].permille; k++)
		r -= gen_categories[k].permille;
	category = gen_categories[k].name;
	intrusion = strcmp(category, "intrusion") == 0;
	symptom = gen_symptom(g, category);
	proposed = gen_level(g, ag->is_school);
	pdi = gen_chance(g, 80);
	/* P12: a few incidents reach other agencies. */
	if (gen_chance(g, 60) && g->nag > 2) {
		size_t	 want = gen_chance(g, 300) ? 2 : 1;

		while (naff < want) {
			const struct gen_agency *o = gen_pick_agency(g);

			if (o == ag || (naff == 1 && strcmp(aff[0], o->code) ==
			    0))
				continue;
			tb_strlcpy(aff[naff], o->code, sizeof(aff[0]));
			affp[naff] = aff[naff];
			naff++;
		}
	}

	memset(&in, 0, sizeof(in));
	/* An id of its day, as the server would have made it then. */
	in.id = store_id_for_day(store_id_day(A));
	in.agency = ag->code;
	tb_snprintf(title, sizeof(title), "[產生資料] %s #%lld",
	    form_label(FORM_CATEGORY, category), (long long)seq);
	in.title = title;
	in.description = "[產生資料] 由 tongbao generate 產生的測試資料，"
	    "並非真實事件。Generated test data, not a real incident.";
	in.category = category;
	in.category_other = strcmp(category, "other") == 0 ?
	    "[產生資料] 其他" : NULL;
	if (symptom != NULL)
		tb_snprintf(symptoms, sizeof(symptoms), "[\"%s\"]", symptom);
	in.symptoms = symptom != NULL ? symptoms : NULL;
	in.occurred_at = gen_chance(g, 800) ? A - gen_range(g, 0,
	    48 * HOUR_US) : STORE_TIME_NONE;
	in.aware_at = A;
	in.proposed_level = in.level = proposed;
	in.exercise = gen_chance(g, 20);
	in.personal_data_involved = pdi;
	in.equipment_failure = incident_equipment_failure(category,
	    &symptom, symptom != NULL ? 1 : 0);
	in.source = form_name_at(FORM_SOURCE, (size_t)(gen_next(g) % 4));
	in.is_school = ag->is_school;
	in.reports_to_central = ag->central;
	in.reported_by = ag->window_id;
	/* Not a vendor's report (P13): no vendor times. */
	in.vendor_aware_at = in.vendor_reported_at = STORE_TIME_NONE;
	in.policy = policy_for(A)->name;
	in.state = incident_state_name(INCIDENT_STATE_NEW);
	created = A + gen_range(g, 2 * MIN_US, 50 * MIN_US);
	in.created_at = in.updated_at = created < g->now ? created : g->now;

	/* The timeline, each event checked by the rules before the next. */
	memset(&f, 0, sizeof(f));
	f.aware_at = A;
	f.proposed_level = proposed;
	f.is_school = ag->is_school;
	f.reports_to_central = ag->central;
	f.personal_data_involved = pdi;
	f.equipment_failure = in.equipment_failure;
	f.exercise = in.exercise;
	f.affected_agencies = affp;
	f.n_affected = naff;
	f.actions_done_at = TBTIME_NONE;
	nplan = gen_plan(g, ag, A, proposed, pdi, in.equipment_failure, aff,
	    naff, plan);
	plan_sort(plan, nplan);
	for (i = 0; i < nplan; i++) {
		struct gen_event	*p = &plan[i];

		p->e.id = (int64_t)nev + 1;
		p->e.agency = p->e.type == EVENT_AGENCY_NOTIFIED ? p->agency :
		    NULL;
		if (incident_event_check(NULL, &f, ev, nev, &p->e, g->now,
		    &reason) != TB_OK) {
			g->refused++;
			p->e.id = 0;
			continue;
		}
		ev[nev++] = p->e;
	}
	/* Inserted with the version the events bring it to, less the one
	 * store_incident_touch() adds. */
	in.version = nev > 0 ? (int64_t)nev : 1;
	if ((rc = store_incident_insert(c, &in, affp, naff)) != TB_OK)
		goto out;
	tb_snprintf(ref, sizeof(ref), "GEN-%lld", (long long)in.id);
	recorded = in.created_at;
	for (i = 0; i < nplan; i++) {
		struct gen_event	*p = &plan[i];
		struct store_event	 se;
		char			*fields;

		if (p->e.id == 0)
			continue;
		/* People record after the fact, never before creating it. */
		r = p->e.at + gen_range(g, 0, 20 * MIN_US);
		if (r > recorded)
			recorded = r < g->now ? r : g->now;
		if ((fields = gen_fields(g, ag, p, ref, intrusion)) == NULL) {
			rc = TB_ENOMEM;
			goto out;
		}
		memset(&se, 0, sizeof(se));
		se.incident = in.id;
		se.seq = p->e.id;
		se.type = event_type_name(p->e.type);
		se.at = p->e.at;
		se.actor = p->by_doit && g->reviewer_id != 0 ?
		    g->reviewer_id : ag->window_id;
		se.actor_name = p->by_doit && g->reviewer_id != 0 ?
		    g->reviewer : ag->window;
		se.recorded_at = recorded;
		se.level = p->e.type == EVENT_LEVEL_APPROVED ||
		    p->e.type == EVENT_LEVEL_REVIEWED ? p->e.level : -1;
		se.channel = p->e.type == EVENT_REPORTED ?
		    event_channel_name(p->e.channel) : NULL;
		se.kind = p->e.type == EVENT_MEETING_HELD ?
		    event_meeting_kind_name(p->e.kind) : NULL;
		se.agency = p->e.agency;
		se.fields = fields;
		if ((p->e.type == EVENT_BACKFILLED || (p->e.type ==
		    EVENT_REPORTED && p->e.channel == EVENT_CHANNEL_PLATFORM))
		    && (rc = store_platform_ref_claim(c, ref, in.id,
		    p->e.id)) != TB_OK) {
			free(fields);
			goto out;
		}
		rc = store_event_insert(c, &se);
		free(fields);
		if (rc != TB_OK)
			goto out;
		if (p->e.type == EVENT_AGENCY_NOTIFIED &&
		    (rc = store_incident_notify(c, in.id, p->agency,
		    p->e.at)) != TB_OK)
			goto out;
		g->events++;
	}

	/* The obligations exactly as the server stores them after a change,
	 * from the incident as loaded back. */
	if ((rc = incident_view_load(c, in.id, &v)) != TB_OK ||
	    (rc = incident_obligations_refresh(c, &v, g->now)) != TB_OK)
		goto out;
	if (nev > 0) {
		level = incident_level_at(&f, ev, nev, INT64_MAX);
		state = incident_state_name(incident_state(ev, nev));
		if ((rc = store_incident_touch(c, in.id, in.version, level,
		    state, recorded)) != TB_OK)
			goto out;
	}
	g->incidents++;
out:
	incident_view_cleanup(&v);
	return rc;
}

/* Records the run in the audit trail (one entry, not one per row). */
static int
gen_audit(struct store_conn *c, const char *db, int64_t n, int64_t years,
    int64_t agencies, uint64_t seed)
{
	struct store_audit	 a;
	struct passwd		*pw = getpwuid(getuid());
	json_t			*o;
	char			 actor[80], *af;
	int			 rc;

	if (tb_snprintf(actor, sizeof(actor), "cli:%s", pw != NULL ?
	    pw->pw_name : "unknown") != TB_OK)
		tb_strlcpy(actor, "cli", sizeof(actor));
	if ((o = json_pack("{s:I, s:I, s:I, s:I, s:b}", "incidents",
	    (json_int_t)n, "agencies", (json_int_t)agencies, "years",
	    (json_int_t)years, "seed", (json_int_t)seed, "generated", 1)) ==
	    NULL)
		return TB_ENOMEM;
	af = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (af == NULL)
		return TB_ENOMEM;
	memset(&a, 0, sizeof(a));
	a.at = tb_now_us();
	a.actor = actor;
	a.action = "database.generate";
	a.object_type = "database";
	a.object_id = db;
	a.after_json = af;
	rc = store_audit_append(c, &a);
	free(af);
	return rc;
}

static void
generate_usage(FILE *f)
{
	fprintf(f, "usage: tongbao generate [--incidents N] [--agencies N] "
	    "[--years N] [--seed N] [--db PATH]\n\n"
	    "Fills the database with N made-up incidents (default 1000000) "
	    "for benchmarks,\nacross N agencies (default 400: the demo's and "
	    "generated ones below them,\ncodes gen-NNN), aware over the last "
	    "N years (default 10), each with a\ntimeline of events checked "
	    "by the procedure's rules and its stored\nobligations.  Needs the "
	    "demo agencies (tongbao demo).  Everything generated\nis marked: "
	    "agency codes gen-NNN, titles [產生資料], report numbers GEN-.\n"
	    "The same --seed gives the same data (ids apart).  Shows a "
	    "progress bar on a\nterminal, progress lines otherwise.\n");
}

/* Reads the value of option argv[*i] into *out within [min, max]. */
static int
opt_i64(int argc, char **argv, int *i, int64_t min, int64_t max,
    int64_t *out)
{
	if (*i + 1 >= argc || parse_i64(argv[*i + 1], min, max, out) !=
	    TB_OK) {
		fprintf(stderr, "tongbao generate: %s takes a whole number "
		    "from %lld to %lld\n", argv[*i], (long long)min,
		    (long long)max);
		return -1;
	}
	(*i)++;
	return 0;
}

int
cmd_generate(int argc, char **argv)
{
	struct config		 cfg;
	struct gen		 g;
	struct gen_codes	 L;
	struct gen_progress	 pr;
	struct store_conn	*c = NULL;
	char			**rest;
	int64_t			 n = 1000000, agencies = 400, years = 10;
	int64_t			 seed = 1, done = 0, committed = 0, t0;
	int			 nrest, rc, i, exists = 0;

	memset(&g, 0, sizeof(g));
	memset(&L, 0, sizeof(L));
	if (cmd_wants_help(argc, argv)) {
		generate_usage(stdout);
		return 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	for (i = 0; i < nrest; i++) {
		if (strcmp(rest[i], "--incidents") == 0)
			rc = opt_i64(nrest, rest, &i, 0, GEN_INCIDENTS_MAX, &n);
		else if (strcmp(rest[i], "--agencies") == 0)
			rc = opt_i64(nrest, rest, &i, 1, GEN_AGENCIES_MAX,
			    &agencies);
		else if (strcmp(rest[i], "--years") == 0)
			rc = opt_i64(nrest, rest, &i, 1, GEN_YEARS_MAX, &years);
		else if (strcmp(rest[i], "--seed") == 0)
			rc = opt_i64(nrest, rest, &i, 0, INT64_MAX, &seed);
		else {
			fprintf(stderr, "tongbao generate: unknown argument "
			    "'%s'\n", rest[i]);
			rc = -1;
		}
		if (rc != 0) {
			generate_usage(stderr);
			rc = EXIT_USAGE;
			goto out_cfg;
		}
	}
	if ((rc = cmd_open_store(&cfg, &g.st, 1)) != 0)
		goto out_cfg;
	if (store_read(g.st, &c) != TB_OK ||
	    store_agency_exists(c, "ca", &exists) != TB_OK) {
		fprintf(stderr, "tongbao generate: cannot read %s\n", cfg.db);
		rc = EXIT_REFUSED;
		goto out_store;
	}
	store_release(c);
	c = NULL;
	if (!exists) {
		fprintf(stderr, "tongbao generate: %s has no demo agencies; "
		    "load them first with 'tongbao demo --db %s'\n", cfg.db,
		    cfg.db);
		rc = EXIT_REFUSED;
		goto out_store;
	}

	g.rng = (uint64_t)seed;
	g.now = tb_now_us();
	g.start = g.now - years * 365 * DAY_US - (years / 4) * DAY_US;
	t0 = tb_mono_us();
	if ((rc = gen_codes_read(g.st, &L)) != TB_OK ||
	    (rc = gen_agencies_make(&g, &L, agencies)) != TB_OK) {
		fprintf(stderr, "tongbao generate: cannot make the agencies: "
		    "%s\n", tb_strerror(rc));
		rc = EXIT_REFUSED;
		goto out_store;
	}
	free(L.code);
	if ((rc = gen_codes_read(g.st, &L)) != TB_OK ||
	    (rc = gen_agencies_load(&g, &L)) != TB_OK || g.nag < 3) {
		fprintf(stderr, "tongbao generate: cannot read the agencies "
		    "and their windows: %s\n", rc != TB_OK ? tb_strerror(rc) :
		    "fewer than 3 have a window account");
		rc = EXIT_REFUSED;
		goto out_store;
	}

	progress_init(&pr, n);
	/* One transaction per batch; the last one also holds the audit
	 * entry (with --incidents 0, it is all there is). */
	do {
		int64_t	 k;

		if ((rc = store_write(g.st, &c)) != TB_OK)
			goto fail;
		if ((rc = store_tx_begin(c)) != TB_OK)
			goto fail;
		for (k = 0; k < GEN_BATCH && done < n; k++, done++) {
			/* Evenly spread quantiles, jittered: sorted times. */
			if ((rc = gen_incident(&g, c, done + 1,
			    ((double)done + gen_unit(&g)) / (double)n)) !=
			    TB_OK)
				goto fail_tx;
		}
		if (done == n && (rc = gen_audit(c, cfg.db, n, years,
		    (int64_t)L.n, (uint64_t)seed)) != TB_OK)
			goto fail_tx;
		if ((rc = store_tx_commit(c)) != TB_OK)
			goto fail;
		store_release(c);
		c = NULL;
		committed = done;
		progress_show(&pr, done, 0);
	} while (done < n);
	progress_show(&pr, done, 1);
	printf("generated %lld incidents with %lld events (%lld refused by "
	    "the rules and left out) across %zu agencies (%lld new) in %s, "
	    "%.1f s\n", (long long)g.incidents, (long long)g.events,
	    (long long)g.refused, g.nag, (long long)g.agencies_made, cfg.db,
	    (double)(tb_mono_us() - t0) / 1e6);
	rc = 0;
	goto out_store;
fail_tx:
	store_tx_rollback(c);
fail:
	if (pr.tty)
		fputc('\n', stderr);
	fprintf(stderr, "tongbao generate: stopped after %lld incidents, "
	    "which are kept: %s\n", (long long)committed, tb_strerror(rc));
	rc = EXIT_REFUSED;
out_store:
	if (c != NULL)
		store_release(c);
	store_close(g.st);
out_cfg:
	free(L.code);
	free(g.ag);
	cmd_end(&cfg, rest);
	return rc;
}
