/*
 * scheduler.c: reminders before each obligation falls due, escalation once
 * it is overdue (to the CISO, then DoIT) and DoIT's daily digest (issue 6
 * §3).
 *
 * The schedule (notify_schedule, migration 5) keeps one row per obligation
 * followed: the highest stage passed and next_at, the next moment anything
 * is due for it.  The scheduler thread never scans incidents: it sleeps
 * until MIN(next_at) (or the digest time), handles the rows due then, and
 * sleeps again.  Each row is handled in the transaction that enqueues its
 * message and records its new stage, so a crash either does both or
 * neither; the message key carries the stage, so not even a lost record
 * could send one twice.  After downtime only the latest stage passed is
 * sent, and none older than NOTIFY_CATCHUP_US (notify_stage_next()).
 */
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "notify/internal.h"
#include "store/store.h"

/* The Taipei date of the last digest this process enqueued (or found
 * enqueued), as yyyymmdd; only the scheduler thread touches it. */
static int	 digest_done;

void
notify_sched_reset(void)
{
	digest_done = 0;
}

/* A due schedule row, copied out of the scan. */
struct due_row {
	int64_t		 incident_id;
	char		 obligation[40];
	char		 subject[OBLIGATION_SUBJECT_SIZE];
	int64_t		 period;
	int		 stage_sent;
};

struct due_ctx {
	struct due_row	 rows[NOTIFY_SCHED_BATCH];
	size_t		 n;
};

static int
due_cb(void *arg, const struct store_sched *r)
{
	struct due_ctx	*x = arg;
	struct due_row	*d = &x->rows[x->n];

	if (x->n == NOTIFY_SCHED_BATCH)
		return TB_OK;
	memset(d, 0, sizeof(*d));
	d->incident_id = r->incident_id;
	d->period = r->period;
	d->stage_sent = r->stage_sent;
	if (tb_strlcpy(d->obligation, r->obligation, sizeof(d->obligation))
	    != TB_OK || tb_strlcpy(d->subject, r->subject,
	    sizeof(d->subject)) != TB_OK)
		return TB_OK;	/* cannot be ours: longer than any name */
	x->n++;
	return TB_OK;
}

/* An obligation copied out of its read. */
struct obl {
	int		 found;
	char		 agency[64];
	char		 agency_name[512];
	char		 title[1024];
	char		 state[16];
	int64_t		 start, due, overdue_from, level, exercise;
};

static int
obl_cb(void *arg, const struct store_notify_obligation *o)
{
	struct obl	*x = arg;

	x->found = 1;
	(void)tb_strlcpy(x->agency, o->agency, sizeof(x->agency));
	(void)tb_strlcpy(x->agency_name, o->agency_name,
	    sizeof(x->agency_name));
	(void)tb_strlcpy(x->title, o->title, sizeof(x->title));
	(void)tb_strlcpy(x->state, o->state, sizeof(x->state));
	x->start = o->start_at;
	x->due = o->due_at;
	x->overdue_from = o->overdue_from;
	x->level = o->level;
	x->exercise = o->exercise;
	return TB_OK;
}

/* Who is told at a stage.  level_review is DoIT's own obligation (P15);
 * the rest are the agency's: reminders to its window and deputies, then
 * the CISO once overdue, then DoIT. */
static int
stage_people(struct store_conn *c, const char *obligation,
    const char *agency, int stage, int64_t now, int64_t *ids, size_t *n)
{
	int	 rc;

	if (strcmp(obligation, "level_review") == 0) {
		if ((rc = notify_people_with_role(c, NULL, "doit_reviewer", ids,
		    NOTIFY_RECIPIENTS_MAX, n)) != TB_OK)
			return rc;
		return stage >= NOTIFY_STAGE_OVERDUE ?
		    notify_people_with_role(c, NULL, "doit_admin", ids,
		    NOTIFY_RECIPIENTS_MAX, n) : TB_OK;
	}
	if (stage < NOTIFY_STAGE_ESCALATE &&
	    (rc = notify_people_windows(c, agency, now, ids,
	    NOTIFY_RECIPIENTS_MAX, n)) != TB_OK)
		return rc;
	if (stage >= NOTIFY_STAGE_OVERDUE &&
	    (rc = notify_people_with_role(c, agency, "ciso", ids,
	    NOTIFY_RECIPIENTS_MAX, n)) != TB_OK)
		return rc;
	if (stage == NOTIFY_STAGE_ESCALATE &&
	    ((rc = notify_people_with_role(c, NULL, "doit_reviewer", ids,
	    NOTIFY_RECIPIENTS_MAX, n)) != TB_OK ||
	    (rc = notify_people_with_role(c, NULL, "doit_admin", ids,
	    NOTIFY_RECIPIENTS_MAX, n)) != TB_OK))
		return rc;
	return TB_OK;
}

/* Copies s into a key part, replacing what a key may not hold by '_'
 * ("" too: an empty part would make ".." in the key). */
static void
key_part(char *dst, size_t size, const char *s)
{
	size_t	 i;

	if (s[0] == '\0')
		s = "_";
	for (i = 0; i + 1 < size && s[i] != '\0'; i++) {
		char	 ch = s[i];

		dst[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ? ch :
		    '_';
	}
	dst[i] = '\0';
}

/* Enqueues the message of stage for obligation o. */
static int
send_stage(struct store_conn *c, const struct due_row *d,
    const struct obl *o, int stage, int64_t now, int64_t *ids)
{
	const struct notify_settings	*set = notify_settings();
	struct notify_request		 r;
	json_t				*vars;
	char				 key[NOTIFY_KEY_MAX], part[64];
	char				 link[512];
	size_t				 n = 0;
	int				 rc;

	if ((rc = stage_people(c, d->obligation, o->agency, stage, now, ids,
	    &n)) != TB_OK || n == 0)
		return rc;
	key_part(part, sizeof(part), d->subject);
	if ((rc = tb_snprintf(key, sizeof(key), "rem.%lld.%s.%s.%lld.s%d",
	    (long long)d->incident_id, d->obligation, part,
	    (long long)d->period, stage)) != TB_OK)
		return rc;
	vars = json_pack("{s:I, s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:I, s:I,"
	    " s:i}",
	    "incident_id", (json_int_t)d->incident_id, "agency", o->agency,
	    "agency_name", o->agency_name, "title", o->title,
	    "level", (json_int_t)o->level, "exercise", (int)o->exercise,
	    "obligation", d->obligation, "obligation_subject", d->subject,
	    "due_at", (json_int_t)o->due,
	    "overdue_from", (json_int_t)o->overdue_from, "stage", stage);
	if (vars == NULL)
		return TB_ENOMEM;
	if (set->origin[0] != '\0' && tb_snprintf(link, sizeof(link),
	    "%s/#/incidents/%lld", set->origin, (long long)d->incident_id) ==
	    TB_OK)
		json_object_set_new(vars, "link", json_string(link));
	memset(&r, 0, sizeof(r));
	r.key = key;
	r.kind = stage >= NOTIFY_STAGE_OVERDUE ? NOTIFY_KIND_ESCALATION :
	    NOTIFY_KIND_REMINDER;
	r.incident_id = d->incident_id;
	r.users = ids;
	r.nusers = n;
	r.vars = vars;
	r.now = now;
	rc = notify_enqueue(c, &r, NULL);
	json_decref(vars);
	return rc;
}

/* Handles one due row: the obligation is read again (it is the truth;
 * the row only remembers), the latest stage passed is sent, the row
 * records it and the next. */
static int
run_row(struct store_conn *c, const struct due_row *d, int64_t now,
    int64_t *ids)
{
	const struct notify_settings	*set = notify_settings();
	struct notify_stage		 st[NOTIFY_REMINDERS_MAX + 2];
	struct store_sched		 r;
	struct obl			 o;
	int64_t				 next = INT64_MIN;
	int				 rc, send = 0, after = d->stage_sent;

	memset(&r, 0, sizeof(r));
	r.incident_id = d->incident_id;
	r.obligation = d->obligation;
	r.subject = d->subject;
	r.period = d->period;
	memset(&o, 0, sizeof(o));
	rc = store_notify_obligation(c, &r, obl_cb, &o);
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return rc;
	if (o.found && strcmp(o.state, "open") == 0 &&
	    o.due != STORE_TIME_NONE && o.overdue_from != STORE_TIME_NONE) {
		size_t	 n = notify_stages(&set->policy, o.start, o.due,
		    o.overdue_from, strcmp(d->obligation, "level_review") != 0,
		    st);

		notify_stage_next(st, n, d->stage_sent, now, &send, &after,
		    &next);
	}
	if (send > 0 && (rc = send_stage(c, d, &o, send, now, ids)) != TB_OK)
		return rc;
	r.stage_sent = after;
	r.next_at = next > 0 ? next : 0;
	return store_sched_put(c, &r, now);
}

/* Puts a row whose handling failed off for a while, so that one bad row
 * cannot hold up every other reminder. */
static void
run_row_later(struct store_conn *c, const struct due_row *d, int64_t now)
{
	struct store_sched	 r;

	memset(&r, 0, sizeof(r));
	r.incident_id = d->incident_id;
	r.obligation = d->obligation;
	r.subject = d->subject;
	r.period = d->period;
	r.stage_sent = d->stage_sent;
	r.next_at = now + NOTIFY_SCHED_IDLE_US;
	if (store_tx_begin(c) != TB_OK)
		return;
	if (store_sched_put(c, &r, now) != TB_OK ||
	    store_tx_commit(c) != TB_OK)
		store_tx_rollback(c);
}

/*
 * Schedules the open obligations the schedule does not follow yet, due no
 * longer ago than anything we would still send for, a page per
 * transaction with the writer let go between pages: a city's open
 * obligations (1.4 million in a generated database) once took the writer
 * for 2.7 s in one statement, holding up every change meanwhile.
 */
static int
discover_all(struct store *st, int64_t now)
{
	const struct notify_settings	*set = notify_settings();
	struct store_conn		*c;
	int64_t				 from, added;
	int				 rc = TB_OK;

	from = now - NOTIFY_CATCHUP_US - set->policy.escalate_us;
	while (from != STORE_DUE_NONE) {
		if ((rc = store_write(st, &c)) != TB_OK)
			return rc;
		if ((rc = store_tx_begin(c)) == TB_OK &&
		    (rc = store_sched_discover(c, &from, now,
		    NOTIFY_DISCOVER_PAGE, &added)) == TB_OK)
			rc = store_tx_commit(c);
		if (rc != TB_OK)
			store_tx_rollback(c);
		store_release(c);
		if (rc != TB_OK)
			return rc;
	}
	return TB_OK;
}

/*
 * One batch of due rows, each in its own transaction (its message and
 * its new stage commit together); *more when the batch was full.
 */
static int
run_batch(struct store *st, int64_t now, int discover, int *more)
{
	struct store_conn		*c;
	struct due_ctx			*x;
	int64_t				*ids;
	char				 num[24];
	int				 rc;

	*more = 0;
	x = calloc(1, sizeof(*x));
	ids = calloc(NOTIFY_RECIPIENTS_MAX, sizeof(*ids));
	if (x == NULL || ids == NULL) {
		free(x);
		free(ids);
		return TB_ENOMEM;
	}
	if (discover && (rc = discover_all(st, now)) != TB_OK)
		goto out_free;
	if ((rc = store_write(st, &c)) != TB_OK)
		goto out_free;
	if ((rc = store_sched_due(c, now, NOTIFY_SCHED_BATCH, due_cb, x)) !=
	    TB_OK)
		goto out;
	/* The writer is let go between rows, so that requests are not held
	 * up behind a long catch-up. */
	store_release(c);
	c = NULL;
	for (size_t i = 0; i < x->n; i++) {
		if ((rc = store_write(st, &c)) != TB_OK)
			goto out;
		if ((rc = store_tx_begin(c)) == TB_OK &&
		    (rc = run_row(c, &x->rows[i], now, ids)) == TB_OK &&
		    (rc = store_tx_commit(c)) == TB_OK) {
			store_release(c);
			c = NULL;
			continue;
		}
		store_tx_rollback(c);
		(void)tb_snprintf(num, sizeof(num), "%lld",
		    (long long)x->rows[i].incident_id);
		log_kv(LOG_ERROR, "notify_schedule_failed", "incident", num,
		    "obligation", x->rows[i].obligation, "error",
		    tb_strerror(rc), (const char *)NULL);
		run_row_later(c, &x->rows[i], now);
		store_release(c);
		c = NULL;
	}
	rc = TB_OK;
	*more = x->n == NOTIFY_SCHED_BATCH;
out:
	store_release(c);
out_free:
	free(x);
	free(ids);
	return rc;
}

/* The instant of the digest on Taipei date d. */
static int64_t
digest_at(const struct tbtime_date *d, int minute)
{
	return tbtime_day_start(d) + (int64_t)minute * 60 * 1000000;
}

struct digest_ctx {
	json_t		*items;
};

static int
digest_cb(void *arg, const struct store_notify_obligation *o)
{
	struct digest_ctx	*x = arg;

	json_array_append_new(x->items, json_pack("{s:I, s:s, s:s, s:s,"
	    " s:I, s:I}", "incident_id", (json_int_t)o->incident_id,
	    "agency_name", o->agency_name, "title", o->title,
	    "obligation", o->name, "due_at", (json_int_t)o->due_at,
	    "overdue_from", (json_int_t)o->overdue_from));
	return TB_OK;
}

/* Enqueues the digest of Taipei date d for DoIT (idempotent by date). */
static int
send_digest(struct store *st, const struct tbtime_date *d, int64_t now)
{
	const struct notify_settings	*set = notify_settings();
	struct notify_request		 r;
	struct store_conn		*c;
	struct digest_ctx		 x;
	json_t				*vars = NULL;
	int64_t				*ids, count = 0;
	char				 key[32], date[TBTIME_DATE_SIZE];
	char				 link[512];
	size_t				 n = 0;
	int				 rc;

	if ((ids = calloc(NOTIFY_RECIPIENTS_MAX, sizeof(*ids))) == NULL)
		return TB_ENOMEM;
	x.items = json_array();
	if ((rc = store_write(st, &c)) != TB_OK)
		goto out_free;
	if ((rc = store_tx_begin(c)) != TB_OK ||
	    (rc = notify_people_with_role(c, NULL, "doit_reviewer", ids,
	    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK ||
	    (rc = notify_people_with_role(c, NULL, "doit_admin", ids,
	    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK ||
	    (rc = store_notify_overdue(c, now, NOTIFY_DIGEST_ROWS, &count,
	    digest_cb, &x)) != TB_OK ||
	    (rc = tbtime_format_date(d, date, sizeof(date))) != TB_OK ||
	    (rc = tb_snprintf(key, sizeof(key), "dig.%04d%02d%02d", d->year,
	    d->month, d->day)) != TB_OK)
		goto out;
	vars = json_pack("{s:s, s:I, s:I, s:O}", "date", date,
	    "now_at", (json_int_t)now, "count", (json_int_t)count,
	    "items", x.items);
	if (vars == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	if (set->origin[0] != '\0' && tb_snprintf(link, sizeof(link),
	    "%s/#/", set->origin) == TB_OK)
		json_object_set_new(vars, "link", json_string(link));
	memset(&r, 0, sizeof(r));
	r.key = key;
	r.kind = NOTIFY_KIND_DIGEST;
	r.users = ids;
	r.nusers = n;
	r.vars = vars;
	r.now = now;
	if ((rc = notify_enqueue(c, &r, NULL)) != TB_OK)
		goto out;
	rc = store_tx_commit(c);
out:
	if (rc != TB_OK)
		store_tx_rollback(c);
	store_release(c);
out_free:
	json_decref(vars);
	json_decref(x.items);
	free(ids);
	return rc;
}

int
notify_sched_run(struct store *st, int64_t now, int discover, int64_t *next)
{
	const struct notify_settings	*set = notify_settings();
	struct store_conn		*c;
	struct tbtime_date		 today = tbtime_taipei_date(now);
	int64_t				 at;
	int				 rc, more, found, ymd;

	*next = INT64_MAX;
	do {
		if ((rc = run_batch(st, now, discover, &more)) != TB_OK)
			return rc;
		discover = 0;
	} while (more);
	/* The digest: today's once its time has come, never an older one
	 * (catching up sends only the latest). */
	if (set->digest_minute >= 0) {
		ymd = today.year * 10000 + today.month * 100 + today.day;
		at = digest_at(&today, set->digest_minute);
		if (now >= at && digest_done != ymd) {
			if ((rc = send_digest(st, &today, now)) != TB_OK)
				return rc;
			digest_done = ymd;
		}
		if (now >= at) {
			struct tbtime_date tomorrow =
			    tbtime_date_add_days(&today, 1);

			at = digest_at(&tomorrow, set->digest_minute);
		}
		*next = at;
	}
	if ((rc = store_write(st, &c)) != TB_OK)
		return rc;
	rc = store_sched_next(c, &at, &found);
	store_release(c);
	if (rc == TB_OK && found && at < *next)
		*next = at;
	return rc;
}
