/*
 * api_closure.c: improvement actions (P29-P31) and DoIT's oversight of
 * them, DoIT's investigation report (P31) and the lessons learned (P33);
 * the checks the events route makes of root_cause_recorded (P28) and
 * plan_approved (P29, P30); helpers api_record.c shares (closure.h).
 *
 * Improvement actions are resources of their own, not events: their owner,
 * due date and status change as the work goes on, with a version against
 * lost updates.  A medium or long term action is held to its P29 window
 * from plan_approved, never to today's date.  Before the plan is approved
 * actions may be drafted with any date (P30: the commander decides on a
 * drafted plan); plan_approved is then refused while a drafted medium or
 * long term action falls outside its window.  Each change of an action
 * recomputes the incident's obligations in the same transaction, as the
 * progress reports owed end when every action is done (P31).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "api/auth.h"
#include "api/closure.h"
#include "api/idempotency.h"
#include "api/incident.h"
#include "domain/access.h"
#include "domain/closure.h"
#include "domain/domain.h"
#include "util/csv.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Lists: CONVENTIONS default and maximum page sizes. */
#define LIST_LIMIT_DEFAULT	50
#define LIST_LIMIT_MAX		500
/* A due date: a date, or RFC 3339 with up to 9 fraction digits. */
#define DUE_TEXT_MAX		40

/* --- helpers (closure.h) -------------------------------------------- */

json_t *
closure_time_json(int64_t t)
{
	char	 b[TBTIME_RFC3339_SIZE];

	if (t == TBTIME_NONE || tbtime_format(t, b, sizeof(b)) != TB_OK)
		return json_null();
	return json_string(b);
}

int64_t
closure_param_id(const struct http_req *req, const char *name)
{
	char	 b[24];
	int64_t	 id;

	if (http_param(req, name, b, sizeof(b)) != TB_OK ||
	    parse_i64(b, 1, INT64_MAX, &id) != TB_OK)
		return 0;
	return id;
}

int
closure_incident_load(struct http_req *req, struct store_conn *c, int64_t id,
    struct incident_view *v, int *actable)
{
	int	 rc, visible = 0;

	*actable = 0;
	if (id <= 0) {
		memset(v, 0, sizeof(*v));
		return TB_ENOTFOUND;
	}
	if ((rc = incident_view_load(c, id, v)) != TB_OK)
		return rc;
	if ((rc = incident_access(req, c, &v->in, &visible, actable)) !=
	    TB_OK)
		return rc;
	return visible ? TB_OK : TB_ENOTFOUND;
}

void
closure_scope(const struct http_req *req, struct store_scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	if (req->who->roles & ROLES_DOIT) {
		sc->all = 1;
		return;
	}
	if (auth_has_role(req, ROLE_VENDOR)) {
		sc->reporter = req->who->user_id;
		return;
	}
	sc->agency = req->who->agency;
	sc->supervised = auth_has_role(req, ROLE_SUPERIOR_VIEWER);
}

void
closure_reply_text(struct http_req *req, int status, const char *text,
    const char *location, int64_t version)
{
	char	 etag[32];

	http_reply_copy(req, status, "application/json; charset=utf-8",
	    text, strlen(text));
	http_reply_header(req, "Cache-Control", "no-store");
	if (location != NULL)
		http_reply_header(req, "Location", location);
	if (version > 0 && tb_snprintf(etag, sizeof(etag), "\"%lld\"",
	    (long long)version) == TB_OK)
		http_reply_header(req, "ETag", etag);
}

/* A field of body that is present and not null, or NULL. */
static json_t *
member(json_t *body, const char *name)
{
	json_t	*v = json_object_get(body, name);

	return v != NULL && !json_is_null(v) ? v : NULL;
}

/* The string value of field name of body, NULL when absent or null. */
static const char *
member_str(json_t *body, const char *name)
{
	return json_string_value(member(body, name));
}

/* A time field of body (JF_TIME checked it), or TBTIME_NONE. */
static int64_t
member_time(json_t *body, const char *name)
{
	const char	*s = member_str(body, name);
	int64_t		 t;

	if (s == NULL || tbtime_parse(s, &t) != TB_OK)
		return TBTIME_NONE;
	return t;
}

/* A date as "YYYY-MM-DD", or JSON null when it does not format. */
static json_t *
date_json(const struct tbtime_date *d)
{
	char	 b[TBTIME_DATE_SIZE];

	if (tbtime_format_date(d, b, sizeof(b)) != TB_OK)
		return json_null();
	return json_string(b);
}

/*
 * A due date as the API takes it: a Taipei date "YYYY-MM-DD", or an RFC
 * 3339 time, whose Taipei date counts (Rules of time).  TB_EINVAL.
 */
static int
due_parse(const char *s, struct tbtime_date *d)
{
	int64_t	 t;

	if (s == NULL)
		return TB_EINVAL;
	if (tbtime_parse_date(s, strlen(s), d) == TB_OK)
		return TB_OK;
	if (tbtime_parse(s, &t) != TB_OK)
		return TB_EINVAL;
	*d = tbtime_taipei_date(t);
	return TB_OK;
}

/* --- improvement actions -------------------------------------------- */

json_t *
closure_improvement_json(const struct store_improvement *m, int64_t plan_at,
    int64_t now)
{
	struct tbtime_date	 due, lo, hi;
	enum improvement_term	 term;
	json_t			*o, *window = json_null();
	json_t			*due_at = json_null();
	const char		*state = NULL;

	if (tbtime_parse_date(m->due_on, strlen(m->due_on), &due) == TB_OK) {
		json_decref(due_at);
		due_at = closure_time_json(tbtime_day_end(&due));
		state = obligation_state_name(closure_action_state(&due,
		    m->done_at, now));
	}
	/* P29: the window an action of its term is held to, once there
	 * is a plan to count from; immediate fixes have none. */
	if (improvement_term_from_name(m->term, &term) == TB_OK &&
	    term != IMPROVEMENT_SHORT && plan_at != TBTIME_NONE &&
	    improvement_window(NULL, term, plan_at, &lo, &hi) == TB_OK) {
		json_decref(window);
		window = json_pack("{s:o, s:o}", "from", date_json(&lo),
		    "to", date_json(&hi));
	}
	o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o,"
	    " s:o, s:o, s:s, s:o, s:o, s:I}",
	    "id", (json_int_t)m->id, "incident", (json_int_t)m->incident,
	    "agency", m->agency, "term", m->term, "title", m->title,
	    "owner", m->owner, "due_on", m->due_on, "due_at", due_at,
	    "status", m->status, "done_at", closure_time_json(m->done_at),
	    "state", state != NULL ? json_string(state) : json_null(),
	    "window", window,
	    "created_by", m->created_by_name != NULL ? m->created_by_name :
	    "",
	    "created_at", closure_time_json(m->created_at),
	    "updated_at", closure_time_json(m->updated_at),
	    "version", (json_int_t)m->version);
	if (o == NULL)
		return NULL;
	if (m->incident_title != NULL) {
		json_object_set_new(o, "incident_title",
		    json_string(m->incident_title));
		json_object_set_new(o, "incident_state",
		    json_string(m->incident_state));
		json_object_set_new(o, "agency_name",
		    json_string(m->agency_name));
		json_object_set_new(o, "exercise",
		    json_boolean(m->exercise != 0));
	}
	return o;
}

struct actions {
	struct closure_action	*a;
	size_t			 n, cap;
	int			 rc;
};

static int
actions_add(void *arg, const struct store_improvement *m)
{
	struct actions		*A = arg;
	struct closure_action	*a;
	enum improvement_status	 st;

	if (A->n == A->cap) {
		size_t cap = A->cap > 0 ? A->cap * 2 : 16;

		if ((a = realloc(A->a, cap * sizeof(*a))) == NULL) {
			A->rc = TB_ENOMEM;
			return 1;
		}
		A->a = a;
		A->cap = cap;
	}
	if (improvement_status_from_name(m->status, &st) != TB_OK) {
		A->rc = TB_ESTORE;
		return 1;
	}
	A->a[A->n].status = st;
	A->a[A->n].done_at = m->done_at;
	A->n++;
	return 0;
}

int
closure_actions_done(struct store_conn *c, int64_t id, int64_t *at)
{
	struct actions	 A;
	int		 rc;

	memset(&A, 0, sizeof(A));
	*at = TBTIME_NONE;
	rc = store_improvement_scan(c, id, actions_add, &A);
	if (rc == TB_OK)
		rc = A.rc;
	if (rc == TB_OK)
		*at = closure_actions_done_at(A.a, A.n);
	free(A.a);
	return rc;
}

/* An action as read, with copies of what a change needs. */
struct imp_copy {
	struct store_improvement	 m;
	char				*term, *title, *owner, *due_on;
	char				*status, *agency, *created_by_name;
	int				 found;
	int				 rc;
};

static int
imp_copy_fn(void *arg, const struct store_improvement *m)
{
	struct imp_copy	*k = arg;

	k->found = 1;
	k->m = *m;
	k->term = strdup(m->term);
	k->title = strdup(m->title);
	k->owner = strdup(m->owner);
	k->due_on = strdup(m->due_on);
	k->status = strdup(m->status);
	k->agency = strdup(m->agency);
	k->created_by_name = strdup(m->created_by_name);
	if (k->term == NULL || k->title == NULL || k->owner == NULL ||
	    k->due_on == NULL || k->status == NULL || k->agency == NULL ||
	    k->created_by_name == NULL)
		k->rc = TB_ENOMEM;
	k->m.term = k->term;
	k->m.title = k->title;
	k->m.owner = k->owner;
	k->m.due_on = k->due_on;
	k->m.status = k->status;
	k->m.agency = k->agency;
	k->m.created_by_name = k->created_by_name;
	/* The incident's columns are not needed for a change. */
	k->m.incident_title = k->m.incident_state = k->m.agency_name = NULL;
	return 1;
}

static void
imp_copy_free(struct imp_copy *k)
{
	free(k->term);
	free(k->title);
	free(k->owner);
	free(k->due_on);
	free(k->status);
	free(k->agency);
	free(k->created_by_name);
	memset(k, 0, sizeof(*k));
}

/*
 * Replies 422 rule_violation naming due_at for a due date outside its
 * P29 window, with the reason and the window.
 */
static void
reply_window(struct http_req *req, enum improvement_term term,
    const char *reason, const struct tbtime_date *lo,
    const struct tbtime_date *hi, const char *title)
{
	char	 a[TBTIME_DATE_SIZE] = "", b[TBTIME_DATE_SIZE] = "";
	char	 msg[1024];
	int	 en = req->lang != NULL && strcmp(req->lang, "en") == 0;

	tbtime_format_date(lo, a, sizeof(a));
	tbtime_format_date(hi, b, sizeof(b));
	if (term == IMPROVEMENT_MEDIUM)
		tb_snprintf(msg, sizeof(msg), en ? "A medium-term action is "
		    "due 3 to 6 months after the plan was approved, from %s "
		    "to %s (P29)%s%s" : "中期改善措施須於改善計畫核定後 3 至 6 "
		    "個月內完成，即 %s 至 %s（第二十九點）%s%s", a, b,
		    title != NULL ? ": " : "", title != NULL ? title : "");
	else if (term == IMPROVEMENT_LONG)
		tb_snprintf(msg, sizeof(msg), en ? "A long-term action is "
		    "due within 2 years of the plan's approval, from %s to %s "
		    "(P29)%s%s" : "長期改善措施須於改善計畫核定後 2 年內完成，"
		    "即 %s 至 %s（第二十九點）%s%s", a, b,
		    title != NULL ? ": " : "", title != NULL ? title : "");
	else
		tb_snprintf(msg, sizeof(msg), en ? "An action is due on or "
		    "after the plan's approval, %s (P29)%s%s" :
		    "改善措施的完成日不可早於改善計畫核定日 %s"
		    "（第二十九點）%s%s",
		    a, title != NULL ? ": " : "", title != NULL ? title : "");
	http_reply_json(req, 422, json_pack("{s:{s:s, s:s, s:s, s:s,"
	    " s:{s:s, s:s}}}", "error", "code", "rule_violation",
	    "message", msg, "field", "due_at", "reason", reason,
	    "window", "from", a, "to", b));
}

/*
 * Checks due against the window of term from the plan of v (none yet:
 * any date).  Returns 0, or -1 after replying.
 */
static int
due_allowed(struct http_req *req, const struct incident_view *v,
    enum improvement_term term, const struct tbtime_date *due)
{
	struct tbtime_date	 lo, hi;
	const char		*reason;
	int			 rc;

	rc = closure_due_check(policy_for(v->in.aware_at), term,
	    closure_plan_at(v->ev, v->nev, NULL), due, &lo, &hi, &reason);
	if (rc == TB_OK)
		return 0;
	if (rc == TB_ERANGE)
		reply_window(req, term, reason, &lo, &hi, NULL);
	else
		http_reply_error(req, "invalid_field", "due_at", NULL);
	return -1;
}

/* Counts the actions of an incident. */
static int
count_fn(void *arg, const struct store_improvement *m)
{
	(void)m;
	(*(size_t *)arg)++;
	return 0;
}

/*
 * After a change of an action of v: reads whether every action is done
 * (through c, the writer, which sees the change) and stores the
 * obligations this changes (P31 progress reports).
 */
static int
actions_changed(struct store_conn *c, struct incident_view *v, int64_t now)
{
	int	 rc;

	if ((rc = closure_actions_done(c, v->in.id, &v->actions_done_at)) !=
	    TB_OK)
		return rc;
	return incident_obligations_refresh(c, v, now);
}

static const struct json_field imp_create_fields[] = {
	{ "term", JF_STRING, 1, 1, 16 },
	{ "title", JF_STRING, 1, 1, CLOSURE_LINE_MAX },
	{ "owner", JF_STRING, 1, 1, CLOSURE_LINE_MAX },
	{ "due_at", JF_STRING, 1, 1, DUE_TEXT_MAX },
};

int
api_improvements_create(struct http_req *req)
{
	struct store_improvement	 m;
	struct incident_view		 v;
	struct idem			 k;
	struct store_conn		*c = NULL;
	struct tbtime_date		 due;
	enum improvement_term		 term;
	json_t				*body = NULL, *out = NULL;
	char				 due_on[TBTIME_DATE_SIZE];
	char				 idstr[24], location[96];
	char				*text = NULL;
	size_t				 n = 0;
	int64_t				 id = closure_param_id(req, "id");
	int64_t				 now = tb_now_us();
	int				 rc, actable;

	memset(&v, 0, sizeof(v));
	if (idem_begin(req, NULL, &k) != 0)
		return 0;
	if (http_json_body(req, imp_create_fields, NELEM(imp_create_fields),
	    &body) != TB_OK)
		return 0;
	if (improvement_term_from_name(member_str(body, "term"), &term) !=
	    TB_OK) {
		http_reply_error(req, "invalid_field", "term", http_msg(req,
		    "期程須為 short、medium 或 long",
		    "term must be short, medium or long"));
		goto out;
	}
	if (due_parse(member_str(body, "due_at"), &due) != TB_OK ||
	    tbtime_format_date(&due, due_on, sizeof(due_on)) != TB_OK) {
		http_reply_error(req, "invalid_field", "due_at",
		    http_msg(req, "完成日須為日期（YYYY-MM-DD）或含時區的"
		    "時間",
		    "due_at must be a date (YYYY-MM-DD) or an RFC 3339 time"));
		goto out;
	}

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	if (idem_replay(req, c, &k) != 0)
		goto fail;
	if ((rc = closure_incident_load(req, c, id, &v, &actable)) != TB_OK)
		goto fail;
	if (!actable) {
		store_tx_rollback(c);
		http_reply_error(req, "forbidden", NULL, NULL);
		goto out;
	}
	if ((rc = store_improvement_scan(c, id, count_fn, &n)) != TB_OK)
		goto fail;
	if (n >= CLOSURE_ACTIONS_MAX) {
		store_tx_rollback(c);
		http_reply_error(req, "conflict", NULL, http_msg(req,
		    "此事件的改善措施已達上限",
		    "This incident has reached its limit of actions"));
		goto out;
	}
	if (due_allowed(req, &v, term, &due) != 0) {
		store_tx_rollback(c);
		goto out;
	}

	memset(&m, 0, sizeof(m));
	m.id = store_new_id();
	m.incident = id;
	m.agency = v.in.agency;
	m.term = improvement_term_name(term);
	m.title = member_str(body, "title");
	m.owner = member_str(body, "owner");
	m.due_on = due_on;
	m.status = improvement_status_name(IMPROVEMENT_OPEN);
	m.done_at = TBTIME_NONE;
	m.created_by = req->who->user_id;
	m.created_by_name = req->who->username;
	m.created_at = m.updated_at = now;
	m.version = 1;
	if ((rc = store_improvement_insert(c, &m)) != TB_OK ||
	    (rc = actions_changed(c, &v, now)) != TB_OK)
		goto fail;
	if ((out = closure_improvement_json(&m, closure_plan_at(v.ev, v.nev,
	    NULL), now)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)m.id);
	if ((rc = auth_audit(req, c, "improvement.create", "improvement",
	    idstr, v.in.agency, NULL, out)) != TB_OK)
		goto fail;
	if ((text = json_dumps(out, JSON_COMPACT)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(location, sizeof(location),
	    "/api/v1/incidents/%lld/improvements/%lld", (long long)id,
	    (long long)m.id);
	if ((rc = idem_record(req, c, &k, 201, location, text, now))
	    != TB_OK || (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	closure_reply_text(req, 201, text, location, m.version);
	goto out;
fail:
	store_tx_rollback(c);
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL)
		store_release(c);
	incident_view_cleanup(&v);
	free(text);
	json_decref(out);
	json_decref(body);
	return 0;
}

static const struct json_field imp_update_fields[] = {
	{ "version", JF_INT, 1, 1, INT32_MAX },
	{ "status", JF_STRING, 0, 1, 16 },
	{ "due_at", JF_STRING, 0, 1, DUE_TEXT_MAX },
	{ "owner", JF_STRING, 0, 1, CLOSURE_LINE_MAX },
	{ "title", JF_STRING, 0, 1, CLOSURE_LINE_MAX },
	{ "done_at", JF_TIME, 0, 0, 0 },
};

int
api_improvements_update(struct http_req *req)
{
	struct incident_view		 v;
	struct imp_copy			 k;
	struct store_improvement	 m;
	struct store_conn		*c = NULL;
	struct tbtime_date		 due;
	enum improvement_status		 st;
	enum improvement_term		 term;
	json_t				*body = NULL, *before = NULL;
	json_t				*out = NULL;
	char				 due_on[TBTIME_DATE_SIZE], idstr[24];
	char				*text = NULL;
	int64_t				 id = closure_param_id(req, "id");
	int64_t				 iid = closure_param_id(req, "iid");
	int64_t				 now = tb_now_us(), done_at, version;
	int64_t				 plan_at;
	int				 rc, actable;

	memset(&v, 0, sizeof(v));
	memset(&k, 0, sizeof(k));
	if (http_json_body(req, imp_update_fields, NELEM(imp_update_fields),
	    &body) != TB_OK)
		return 0;
	version = json_integer_value(member(body, "version"));
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	if ((rc = closure_incident_load(req, c, id, &v, &actable)) != TB_OK)
		goto fail;
	if (iid == 0) {
		rc = TB_ENOTFOUND;
		goto fail;
	}
	if ((rc = store_improvement_get(c, id, iid, imp_copy_fn, &k)) !=
	    TB_OK || (rc = k.rc) != TB_OK)
		goto fail;
	if (!actable) {
		store_tx_rollback(c);
		http_reply_error(req, "forbidden", NULL, NULL);
		goto out;
	}
	if (k.m.version != version) {
		store_tx_rollback(c);
		http_reply_error(req, "version_conflict", "version", NULL);
		goto out;
	}
	m = k.m;
	if (member(body, "title") != NULL)
		m.title = member_str(body, "title");
	if (member(body, "owner") != NULL)
		m.owner = member_str(body, "owner");
	if (improvement_term_from_name(m.term, &term) != TB_OK ||
	    improvement_status_from_name(m.status, &st) != TB_OK) {
		rc = TB_ESTORE;
		goto fail;
	}
	if (member(body, "status") != NULL &&
	    improvement_status_from_name(member_str(body, "status"), &st) !=
	    TB_OK) {
		store_tx_rollback(c);
		http_reply_error(req, "invalid_field", "status",
		    http_msg(req, "狀態須為 open、in_progress 或 done",
		    "status must be open, in_progress or done"));
		goto out;
	}
	m.status = improvement_status_name(st);
	/* When it was done: as given, else as recorded, else now; an
	 * action not done has no such time. */
	done_at = member_time(body, "done_at");
	if (done_at != TBTIME_NONE && (st != IMPROVEMENT_DONE ||
	    done_at > now)) {
		store_tx_rollback(c);
		http_reply_error(req, "invalid_field", "done_at", http_msg(
		    req, "完成時間僅用於已完成（done）的措施，且不可晚於現在",
		    "done_at is for a done action and not in the future"));
		goto out;
	}
	if (st != IMPROVEMENT_DONE)
		m.done_at = TBTIME_NONE;
	else if (done_at != TBTIME_NONE)
		m.done_at = done_at;
	else if (m.done_at == TBTIME_NONE)
		m.done_at = now;
	if (member(body, "due_at") != NULL) {
		if (due_parse(member_str(body, "due_at"), &due) != TB_OK ||
		    tbtime_format_date(&due, due_on, sizeof(due_on)) !=
		    TB_OK) {
			store_tx_rollback(c);
			http_reply_error(req, "invalid_field", "due_at", NULL);
			goto out;
		}
		if (due_allowed(req, &v, term, &due) != 0) {
			store_tx_rollback(c);
			goto out;
		}
		m.due_on = due_on;
	}
	m.updated_at = now;
	plan_at = closure_plan_at(v.ev, v.nev, NULL);
	if ((before = closure_improvement_json(&k.m, plan_at, now)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	rc = store_improvement_update(c, &m, version);
	if (rc == TB_ECONFLICT) {
		store_tx_rollback(c);
		http_reply_error(req, "version_conflict", "version", NULL);
		goto out;
	}
	if (rc != TB_OK || (rc = actions_changed(c, &v, now)) != TB_OK)
		goto fail;
	m.version = version + 1;
	if ((out = closure_improvement_json(&m, plan_at, now)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)m.id);
	if ((rc = auth_audit(req, c, "improvement.update", "improvement",
	    idstr, v.in.agency, before, out)) != TB_OK)
		goto fail;
	if ((text = json_dumps(out, JSON_COMPACT)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	if ((rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	closure_reply_text(req, 200, text, NULL, m.version);
	goto out;
fail:
	store_tx_rollback(c);
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL)
		store_release(c);
	imp_copy_free(&k);
	incident_view_cleanup(&v);
	free(text);
	json_decref(before);
	json_decref(out);
	json_decref(body);
	return 0;
}

struct imp_items {
	json_t		*items;
	int64_t		 plan_at, now;
	int		 rc;
};

static int
items_add(void *arg, const struct store_improvement *m)
{
	struct imp_items	*I = arg;
	json_t			*o;

	if ((o = closure_improvement_json(m, I->plan_at, I->now)) == NULL ||
	    json_array_append_new(I->items, o) != 0) {
		I->rc = TB_ENOMEM;
		return 1;
	}
	return 0;
}

/* Replies 200 with the action o (borrowed) and its version as ETag. */
static void
reply_item(struct http_req *req, json_t *o)
{
	char	*text = json_dumps(o, JSON_COMPACT);

	if (text == NULL) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		return;
	}
	closure_reply_text(req, 200, text, NULL,
	    json_integer_value(json_object_get(o, "version")));
	free(text);
}

/*
 * Reads action iid (0: every action) of incident id for GET, into
 * I->items.  Returns TB_OK or an error to reply with.
 */
static int
items_load(struct http_req *req, int64_t id, int64_t iid,
    struct imp_items *I, int64_t *done_at)
{
	struct incident_view	 v;
	struct store_conn	*c;
	int			 rc, actable;

	memset(I, 0, sizeof(*I));
	I->now = tb_now_us();
	if ((I->items = json_array()) == NULL)
		return TB_ENOMEM;
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return rc;
	rc = closure_incident_load(req, c, id, &v, &actable);
	I->plan_at = closure_plan_at(v.ev, v.nev, NULL);
	*done_at = v.actions_done_at;
	if (rc == TB_OK && iid > 0)
		rc = store_improvement_get(c, id, iid, items_add, I);
	else if (rc == TB_OK)
		rc = store_improvement_scan(c, id, items_add, I);
	store_release(c);
	incident_view_cleanup(&v);
	return rc == TB_OK ? I->rc : rc;
}

int
api_improvements_list(struct http_req *req)
{
	struct imp_items	 I;
	int64_t			 done_at;
	int			 rc;

	rc = items_load(req, closure_param_id(req, "id"), 0, &I, &done_at);
	if (rc != TB_OK) {
		json_decref(I.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	http_reply_json(req, 200, json_pack("{s:o, s:n, s:o, s:o}",
	    "items", I.items, "next_cursor",
	    "plan_approved_at", closure_time_json(I.plan_at),
	    "actions_done_at", closure_time_json(done_at)));
	http_reply_header(req, "Cache-Control", "no-store");
	return 0;
}

int
api_improvements_get(struct http_req *req)
{
	struct imp_items	 I;
	int64_t			 iid = closure_param_id(req, "iid"), done_at;
	int			 rc;

	if (iid == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	rc = items_load(req, closure_param_id(req, "id"), iid, &I, &done_at);
	if (rc != TB_OK) {
		json_decref(I.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	reply_item(req, json_array_get(I.items, 0));
	json_decref(I.items);
	return 0;
}

/* --- the oversight list (P31: open actions stay tracked) ------------- */

/*
 * Reads the filters of the oversight list and its exports: state (open,
 * the default: not done; done; all), agency (and those below), closed and
 * exercise (true/false).  Returns 0, or -1 after replying 400.
 */
static int
oversight_query(struct http_req *req, struct store_improvement_filter *f,
    char *agency, size_t agency_len)
{
	char	 b[32];
	int	 rc;

	memset(f, 0, sizeof(*f));
	f->status = 1;
	f->closed = f->exercise = -1;
	if ((rc = http_query(req, "state", b, sizeof(b))) == TB_OK) {
		if (strcmp(b, "open") == 0)
			f->status = 1;
		else if (strcmp(b, "done") == 0)
			f->status = 2;
		else if (strcmp(b, "all") == 0)
			f->status = 0;
		else
			rc = TB_EINVAL;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "state", NULL),
		    -1;
	rc = http_query(req, "agency", agency, agency_len);
	if (rc == TB_OK && agency[0] != '\0')
		f->agency = agency;
	else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "agency", NULL),
		    -1;
	for (int i = 0; i < 2; i++) {
		const char	*name = i == 0 ? "closed" : "exercise";
		int		*to = i == 0 ? &f->closed : &f->exercise;

		if ((rc = http_query(req, name, b, sizeof(b))) ==
		    TB_ENOTFOUND)
			continue;
		if (rc == TB_OK && strcmp(b, "true") == 0)
			*to = 1;
		else if (rc == TB_OK && strcmp(b, "false") == 0)
			*to = 0;
		else
			return http_reply_error(req, "invalid_query", name,
			    NULL), -1;
	}
	return 0;
}

struct over_page {
	json_t		*items;
	int64_t		 limit, now, last_id;
	char		 last_due[TBTIME_DATE_SIZE];
	int		 more;
	int		 rc;
};

static int
over_add(void *arg, const struct store_improvement *m)
{
	struct over_page	*pg = arg;
	json_t			*o;

	if ((int64_t)json_array_size(pg->items) == pg->limit) {
		pg->more = 1;
		return 1;
	}
	/* The window needs the incident's plan; the list shows the due
	 * date and its state, which is what oversight tracks. */
	if ((o = closure_improvement_json(m, TBTIME_NONE, pg->now)) == NULL ||
	    json_array_append_new(pg->items, o) != 0) {
		pg->rc = TB_ENOMEM;
		return 1;
	}
	json_object_del(o, "window");
	pg->last_id = m->id;
	tb_strlcpy(pg->last_due, m->due_on, sizeof(pg->last_due));
	return 0;
}

int
api_improvements_oversight(struct http_req *req)
{
	struct store_improvement_filter	 f;
	struct store_scope		 sc;
	struct over_page		 pg;
	struct store_conn		*c;
	struct tbtime_date		 d;
	char				 agency[DOMAIN_AGENCY_CODE_MAX + 1];
	char				 cur[64], q[32];
	const char			*dot;
	int				 rc;

	if (oversight_query(req, &f, agency, sizeof(agency)) != 0)
		return 0;
	memset(&pg, 0, sizeof(pg));
	pg.limit = LIST_LIMIT_DEFAULT;
	pg.now = tb_now_us();
	if ((rc = http_query(req, "limit", q, sizeof(q))) == TB_OK &&
	    parse_i64(q, 1, LIST_LIMIT_MAX, &pg.limit) != TB_OK)
		rc = TB_EINVAL;
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "limit", NULL);
	/* The cursor is "due_on.id" of the last item of the page before. */
	if ((rc = http_query(req, "cursor", cur, sizeof(cur))) == TB_OK) {
		dot = strchr(cur, '.');
		if (dot == NULL || tbtime_parse_date(cur, (size_t)(dot - cur),
		    &d) != TB_OK || parse_i64(dot + 1, 1, INT64_MAX,
		    &f.after_id) != TB_OK)
			rc = TB_EINVAL;
		else {
			cur[dot - cur] = '\0';
			f.after_due = cur;
		}
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "cursor", NULL);
	closure_scope(req, &sc);
	if ((pg.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	rc = store_improvement_list(c, &sc, &f, pg.limit + 1, over_add, &pg);
	store_release(c);
	if (rc == TB_OK)
		rc = pg.rc;
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	if (pg.more)
		tb_snprintf(cur, sizeof(cur), "%s.%lld", pg.last_due,
		    (long long)pg.last_id);
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "items",
	    pg.items, "next_cursor", pg.more ? json_string(cur) :
	    json_null()));
}

/* The export's columns: header in each language and the item's field. */
static const struct {
	const char	*zh, *en, *field;
	double		 width;		/* XLSX column width, characters */
} export_cols[] = {
	{ "機關代碼", "agency", "agency", 14 },
	{ "機關名稱", "agency_name", "agency_name", 24 },
	{ "事件編號", "incident", "incident", 18 },
	{ "事件名稱", "incident_title", "incident_title", 30 },
	{ "事件狀態", "incident_state", "incident_state", 10 },
	{ "期程", "term", "term", 8 },
	{ "改善措施", "title", "title", 40 },
	{ "負責人", "owner", "owner", 16 },
	{ "預定完成日", "due_on", "due_on", 12 },
	{ "辦理狀態", "status", "status", 12 },
	{ "追蹤狀態", "state", "state", 10 },
	{ "完成時間", "done_at", "done_at", 26 },
	{ "演練", "exercise", "exercise", 8 },
};

/* The text of column col of item: its string (borrowed from item), or
 * a number or flag written into num; "" for null. */
static const char *
export_cell(json_t *item, size_t col, char *num, size_t len)
{
	json_t	*v = json_object_get(item, export_cols[col].field);

	if (json_is_string(v))
		return json_string_value(v);
	num[0] = '\0';
	if (json_is_integer(v))
		tb_snprintf(num, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		tb_strlcpy(num, json_is_true(v) ? "1" : "0", len);
	return num;
}

struct export_rows {
	json_t		*items;
	int64_t		 now;
	int		 rc;
};

static int
export_add(void *arg, const struct store_improvement *m)
{
	struct export_rows	*E = arg;
	json_t			*o;

	if ((o = closure_improvement_json(m, TBTIME_NONE, E->now)) == NULL ||
	    json_array_append_new(E->items, o) != 0) {
		E->rc = TB_ENOMEM;
		return 1;
	}
	return 0;
}

/*
 * Reads the rows of an export (the oversight list's filters, at most
 * CLOSURE_EXPORT_MAX rows) into *items.  Returns 0, or -1 after
 * replying.
 */
static int
export_rows(struct http_req *req, json_t **items)
{
	struct store_improvement_filter	 f;
	struct store_scope		 sc;
	struct export_rows		 E;
	struct store_conn		*c;
	char				 agency[DOMAIN_AGENCY_CODE_MAX + 1];
	int				 rc;

	*items = NULL;
	if (oversight_query(req, &f, agency, sizeof(agency)) != 0)
		return -1;
	closure_scope(req, &sc);
	memset(&E, 0, sizeof(E));
	E.now = tb_now_us();
	if ((E.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL), -1;
	if ((rc = store_read(req->app->store, &c)) == TB_OK) {
		rc = store_improvement_list(c, &sc, &f, CLOSURE_EXPORT_MAX,
		    export_add, &E);
		store_release(c);
	}
	if (rc == TB_OK)
		rc = E.rc;
	if (rc != TB_OK) {
		json_decref(E.items);
		return http_reply_tb_err(req, rc, NULL), -1;
	}
	*items = E.items;
	return 0;
}

/* Sets Content-Disposition to an attachment named tongbao-improvements-
 * DATE.ext, and Cache-Control. */
static void
export_headers(struct http_req *req, const char *ext)
{
	struct tbtime_date	 today = tbtime_taipei_date(tb_now_us());
	char			 date[TBTIME_DATE_SIZE], disp[128];

	if (tbtime_format_date(&today, date, sizeof(date)) == TB_OK &&
	    tb_snprintf(disp, sizeof(disp), "attachment; "
	    "filename=\"tongbao-improvements-%s.%s\"", date, ext) == TB_OK)
		http_reply_header(req, "Content-Disposition", disp);
	http_reply_header(req, "Cache-Control", "no-store");
}

int
api_improvements_csv(struct http_req *req)
{
	struct buf	 b;
	json_t		*items, *item;
	const char	*cell[NELEM(export_cols)];
	char		 num[NELEM(export_cols)][32];
	size_t		 i, col;
	int		 rc;

	if (export_rows(req, &items) != 0)
		return 0;
	for (col = 0; col < NELEM(export_cols); col++)
		cell[col] = http_msg(req, export_cols[col].zh,
		    export_cols[col].en);
	buf_init(&b, CLOSURE_CSV_MAX);
	if ((rc = buf_adds(&b, CSV_BOM)) == TB_OK)
		rc = csv_write_row(&b, cell, NELEM(export_cols));
	json_array_foreach(items, i, item) {
		for (col = 0; col < NELEM(export_cols); col++)
			cell[col] = export_cell(item, col, num[col],
			    sizeof(num[col]));
		if (rc == TB_OK)
			rc = csv_write_row(&b, cell, NELEM(export_cols));
		if (rc != TB_OK)
			break;
	}
	json_decref(items);
	if (rc != TB_OK) {
		buf_free(&b);
		return http_reply_tb_err(req, rc, NULL);
	}
	http_reply_copy(req, 200, "text/csv; charset=utf-8", buf_str(&b),
	    b.len);
	buf_free(&b);
	export_headers(req, "csv");
	return 0;
}

/*
 * Writes items as an XLSX workbook to path (libxlsxwriter writes by file
 * name; its own scratch files go to tmpdir): one sheet, a bold header
 * row frozen at the top with an autofilter.  TB_EIO when the library
 * fails.
 */
static int
xlsx_write(struct http_req *req, json_t *items, const char *path,
    char *tmpdir)
{
	lxw_workbook_options	 opt;
	lxw_workbook		*wb;
	lxw_worksheet		*ws;
	lxw_format		*bold;
	json_t			*item;
	char			 num[32];
	size_t			 i, col;
	lxw_error		 err = LXW_NO_ERROR;

	memset(&opt, 0, sizeof(opt));
	opt.tmpdir = tmpdir;
	if ((wb = workbook_new_opt(path, &opt)) == NULL)
		return TB_EIO;
	ws = workbook_add_worksheet(wb, http_msg(req, "改善措施",
	    "improvements"));
	bold = workbook_add_format(wb);
	if (ws == NULL || bold == NULL) {
		workbook_close(wb);
		return TB_EIO;
	}
	format_set_bold(bold);
	for (col = 0; err == LXW_NO_ERROR && col < NELEM(export_cols);
	    col++) {
		err = worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col,
		    export_cols[col].width, NULL);
		if (err == LXW_NO_ERROR)
			err = worksheet_write_string(ws, 0, (lxw_col_t)col,
			    http_msg(req, export_cols[col].zh,
			    export_cols[col].en), bold);
	}
	json_array_foreach(items, i, item) {
		for (col = 0; err == LXW_NO_ERROR &&
		    col < NELEM(export_cols); col++) {
			/* Written as strings, so nothing is a formula. */
			err = worksheet_write_string(ws, (lxw_row_t)(i + 1),
			    (lxw_col_t)col, export_cell(item, col, num,
			    sizeof(num)), NULL);
		}
		if (err != LXW_NO_ERROR)
			break;
	}
	if (err == LXW_NO_ERROR) {
		worksheet_freeze_panes(ws, 1, 0);
		err = worksheet_autofilter(ws, 0, 0,
		    (lxw_row_t)json_array_size(items),
		    (lxw_col_t)(NELEM(export_cols) - 1));
	}
	if (workbook_close(wb) != LXW_NO_ERROR || err != LXW_NO_ERROR)
		return TB_EIO;
	return TB_OK;
}

int
api_improvements_xlsx(struct http_req *req)
{
	const char	*env = getenv("TMPDIR");
	struct stat	 sb;
	json_t		*items;
	char		 path[512], tmpdir[256];
	int		 fd = -1, rc;

	if (export_rows(req, &items) != 0)
		return 0;
	if (env == NULL || env[0] != '/' ||
	    tb_strlcpy(tmpdir, env, sizeof(tmpdir)) != TB_OK)
		tb_strlcpy(tmpdir, "/tmp", sizeof(tmpdir));
	/* A name of our own, mode 0600; the library rewrites the file in
	 * place, and our descriptor keeps it after it is unlinked. */
	if (tb_snprintf(path, sizeof(path), "%s/tongbao-xlsx-XXXXXX",
	    tmpdir) != TB_OK || (fd = mkstemp(path)) < 0) {
		json_decref(items);
		log_kv(LOG_ERROR, "xlsx_tmp", "error", strerror(errno), NULL);
		return http_reply_tb_err(req, TB_EIO, NULL);
	}
	rc = xlsx_write(req, items, path, tmpdir);
	json_decref(items);
	unlink(path);
	if (rc == TB_OK && (fstat(fd, &sb) != 0 || sb.st_size <= 0))
		rc = TB_EIO;
	if (rc != TB_OK) {
		close(fd);
		log_kv(LOG_ERROR, "xlsx_write", "error", "libxlsxwriter failed",
		    NULL);
		return http_reply_tb_err(req, rc, NULL);
	}
	/* The reply takes fd and reads it from its start. */
	http_reply_file(req, 200, "application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet", fd, (uint64_t)sb.st_size);
	export_headers(req, "xlsx");
	return 0;
}

/* --- DoIT's investigation report and the lessons (P31, P33) ---------- */

/* The fields of DoIT's report to the agency (P31). */
static const struct json_field investigation_fields[] = {
	{ "version", JF_INT, 0, 0, INT32_MAX },
	{ "incident_time", JF_TIME, 0, 0, 0 },
	{ "source_ips", JF_ARRAY, 0, 0, CLOSURE_IPS_MAX },
	{ "target_ips", JF_ARRAY, 0, 0, CLOSURE_IPS_MAX },
	{ "attacker_location", JF_STRING, 0, 1, CLOSURE_LINE_MAX },
	{ "attack_method", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "path_analysis", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "impact_analysis", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "recovery", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "eradication", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "patching", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "defence", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
};

/* P33: lessons learned, and the changes of staffing and procedure. */
static const struct json_field lessons_fields[] = {
	{ "version", JF_INT, 0, 0, INT32_MAX },
	{ "lessons", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "staffing_changes", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
	{ "procedure_changes", JF_TEXT, 0, 0, CLOSURE_TEXT_MAX },
};

/* One kind of document. */
struct doc_kind {
	const char		*kind;		/* as stored */
	const struct json_field	*fields;
	size_t			 n;
	const char		*action;	/* of the audit entry */
};

static const struct doc_kind doc_investigation = {
	"investigation", investigation_fields, NELEM(investigation_fields),
	"investigation.put",
};
static const struct doc_kind doc_lessons = {
	"lessons", lessons_fields, NELEM(lessons_fields), "lessons.put",
};

/* Checks an IP list field of body; -1 after replying 422. */
static int
ips_check(struct http_req *req, json_t *body, const char *name)
{
	json_t	*a = member(body, name), *x;
	size_t	 i, j;
	char	 msg[160];
	int	 en = req->lang != NULL && strcmp(req->lang, "en") == 0;

	json_array_foreach(a, i, x) {
		int dup = 0;

		for (j = 0; j < i; j++)
			dup |= json_equal(json_array_get(a, j), x);
		if (json_is_string(x) && !dup &&
		    closure_ip_valid(json_string_value(x)))
			continue;
		tb_snprintf(msg, sizeof(msg), en ? "Item %zu is not an IPv4 "
		    "or IPv6 address or network, or appears twice" :
		    "第 %zu 項不是 IPv4 或 IPv6 位址（或網段），或重複", i + 1);
		http_reply_error(req, "invalid_field", name, msg);
		return -1;
	}
	return 0;
}

/* A document as the API shows it: every field (null when not given),
 * who changed it last and when, its version; a new reference. */
static json_t *
doc_json(const struct doc_kind *k, int64_t incident, json_t *fields,
    const char *by, int64_t at, int64_t version)
{
	json_t	*o, *v;
	size_t	 i;

	o = json_pack("{s:I, s:o, s:o, s:I}", "incident",
	    (json_int_t)incident, "updated_by", by != NULL ?
	    json_string(by) : json_null(), "updated_at",
	    closure_time_json(version > 0 ? at : TBTIME_NONE), "version",
	    (json_int_t)version);
	if (o == NULL)
		return NULL;
	for (i = 0; i < k->n; i++) {
		if (strcmp(k->fields[i].name, "version") == 0)
			continue;
		v = fields != NULL ? json_object_get(fields,
		    k->fields[i].name) : NULL;
		json_object_set_new(o, k->fields[i].name, v != NULL ?
		    json_incref(v) : json_null());
	}
	return o;
}

struct doc_read {
	json_t		*fields;
	char		 by[64];
	int64_t		 at, version;
};

static int
doc_read_fn(void *arg, const struct store_incident_doc *d)
{
	struct doc_read	*r = arg;

	r->fields = json_loads(d->body, JSON_REJECT_DUPLICATES, NULL);
	tb_strlcpy(r->by, d->updated_by_name, sizeof(r->by));
	r->at = d->updated_at;
	r->version = d->version;
	return 1;
}

/*
 * Reads document kind of incident id through c into *out (the API's
 * shape, version 0 and every field null when there is none); a new
 * reference.  Store errors, TB_ENOMEM, TB_ESTORE for a broken body.
 */
static int
doc_load(struct store_conn *c, const struct doc_kind *k, int64_t id,
    json_t **out, int64_t *version)
{
	struct doc_read	 r;
	int		 rc;

	memset(&r, 0, sizeof(r));
	*out = NULL;
	rc = store_incident_doc_get(c, id, k->kind, doc_read_fn, &r);
	if (rc == TB_ENOTFOUND)
		rc = TB_OK;
	else if (rc == TB_OK && r.fields == NULL)
		rc = TB_ESTORE;
	if (rc == TB_OK && (*out = doc_json(k, id, r.fields, r.version > 0 ?
	    r.by : NULL, r.at, r.version)) == NULL)
		rc = TB_ENOMEM;
	*version = r.version;
	json_decref(r.fields);
	return rc;
}

/*
 * PUT of a document: the whole document is replaced by the fields given
 * (those left out become empty).  A first write needs no version (or 0);
 * a later one the version it was based on, else 409 version_conflict.
 * may(req, actable) says whether the caller may write it.
 */
static int
doc_put(struct http_req *req, const struct doc_kind *k,
    int (*may)(struct http_req *, int))
{
	struct store_incident_doc	 d;
	struct incident_view		 v;
	struct store_conn		*c = NULL;
	json_t				*body = NULL, *fields = NULL;
	json_t				*before = NULL, *after = NULL;
	char				*text = NULL, *out = NULL, idstr[24];
	int64_t				 id = closure_param_id(req, "id");
	int64_t				 now = tb_now_us(), have, want, t;
	int				 rc, actable;

	memset(&v, 0, sizeof(v));
	if (http_json_body(req, k->fields, k->n, &body) != TB_OK)
		return 0;
	if (ips_check(req, body, "source_ips") != 0 ||
	    ips_check(req, body, "target_ips") != 0)
		goto out;
	if ((t = member_time(body, "incident_time")) != TBTIME_NONE &&
	    t > now) {
		http_reply_error(req, "invalid_field", "incident_time",
		    http_msg(req, "時間不可晚於現在",
		    "incident_time is in the future"));
		goto out;
	}
	want = json_integer_value(member(body, "version"));
	if ((fields = json_deep_copy(body)) == NULL) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		goto out;
	}
	json_object_del(fields, "version");
	/* A null is a field left out. */
	{
		const char	*key;
		void		*tmp;
		json_t		*x;

		json_object_foreach_safe(fields, tmp, key, x)
			if (json_is_null(x))
				json_object_del(fields, key);
	}
	if ((text = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		goto out;
	}

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	if ((rc = closure_incident_load(req, c, id, &v, &actable)) != TB_OK)
		goto fail;
	if (!may(req, actable)) {
		store_tx_rollback(c);
		http_reply_error(req, "forbidden", NULL, NULL);
		goto out;
	}
	if ((rc = doc_load(c, k, id, &before, &have)) != TB_OK)
		goto fail;
	if (have > 0 && want == 0) {
		store_tx_rollback(c);
		http_reply_error(req, "missing_field", "version",
		    http_msg(req, "更新時須附上所依據的版本（version）",
		    "An update carries the version it was based on"));
		goto out;
	}
	if (want != have) {
		store_tx_rollback(c);
		http_reply_error(req, "version_conflict", "version", NULL);
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.incident = id;
	d.kind = k->kind;
	d.body = text;
	d.updated_by = req->who->user_id;
	d.updated_by_name = req->who->username;
	d.created_at = d.updated_at = now;
	rc = store_incident_doc_put(c, &d, have);
	if (rc == TB_ECONFLICT) {
		store_tx_rollback(c);
		http_reply_error(req, "version_conflict", "version", NULL);
		goto out;
	}
	if (rc != TB_OK)
		goto fail;
	if ((after = doc_json(k, id, fields, req->who->username, now,
	    have + 1)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	if ((rc = auth_audit(req, c, k->action, "incident", idstr,
	    v.in.agency, have > 0 ? before : NULL, after)) != TB_OK)
		goto fail;
	if ((out = json_dumps(after, JSON_COMPACT)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	if ((rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	closure_reply_text(req, have > 0 ? 200 : 201, out, NULL, have + 1);
	goto out;
fail:
	store_tx_rollback(c);
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL)
		store_release(c);
	incident_view_cleanup(&v);
	free(text);
	free(out);
	json_decref(before);
	json_decref(after);
	json_decref(fields);
	json_decref(body);
	return 0;
}

/* GET of a document: any caller who sees the incident reads it. */
static int
doc_get(struct http_req *req, const struct doc_kind *k)
{
	struct incident_view	 v;
	struct store_conn	*c;
	json_t			*out = NULL;
	int64_t			 id = closure_param_id(req, "id"), version;
	int			 rc, actable;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = closure_incident_load(req, c, id, &v, &actable);
	if (rc == TB_OK)
		rc = doc_load(c, k, id, &out, &version);
	store_release(c);
	incident_view_cleanup(&v);
	if (rc != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	http_reply_json(req, 200, out);
	http_reply_header(req, "Cache-Control", "no-store");
	return 0;
}

/* DoIT writes its report on any incident (the route admits DoIT only). */
static int
may_investigate(struct http_req *req, int actable)
{
	return (req->who->roles & ROLES_DOIT) != 0 && actable;
}

/* The agency's window, CISO or commander writes its lessons (P33). */
static int
may_lessons(struct http_req *req, int actable)
{
	const unsigned	 roles = ROLE_BIT(ROLE_CONTACT_WINDOW) |
			    ROLE_BIT(ROLE_CISO) | ROLE_BIT(ROLE_COMMANDER) |
			    ROLE_BIT(ROLE_DOIT_ADMIN);

	return (req->who->roles & roles) != 0 && actable;
}

int
api_investigation_put(struct http_req *req)
{
	return doc_put(req, &doc_investigation, may_investigate);
}

int
api_investigation_get(struct http_req *req)
{
	return doc_get(req, &doc_investigation);
}

int
api_lessons_put(struct http_req *req)
{
	return doc_put(req, &doc_lessons, may_lessons);
}

int
api_lessons_get(struct http_req *req)
{
	return doc_get(req, &doc_lessons);
}

/* --- the events route's checks (P28, P29, P30) ----------------------- */

/* The root cause record (P28). */
static int
check_root_cause(struct http_req *req, struct store_conn *c, json_t *body,
    const struct incident_view *v)
{
	struct closure_root_cause	 r;
	const char			*sym[64], *field, *reason;
	json_t				*syms, *x;
	size_t				 i, n = 0;
	int				 rc, malware = 0;

	if ((rc = store_incident_has_malware(c, v->in.id, &malware)) !=
	    TB_OK)
		return http_reply_tb_err(req, rc, NULL), -1;
	syms = v->in.symptoms != NULL ? json_loads(v->in.symptoms, 0, NULL) :
	    NULL;
	json_array_foreach(syms, i, x)
		if (n < NELEM(sym) && json_is_string(x))
			sym[n++] = json_string_value(x);
	memset(&r, 0, sizeof(r));
	r.investigator = member_str(body, "investigator");
	r.investigator_name = member_str(body, "investigator_name");
	r.log_analysis = member_str(body, "log_analysis");
	r.malware_analysis = member_str(body, "malware_analysis");
	rc = closure_root_cause_check(&r, closure_malware_found(v->in.category,
	    sym, n, malware != 0), &field, &reason);
	json_decref(syms);
	if (rc == TB_OK)
		return 0;
	if (strcmp(reason, "investigator_invalid") == 0)
		http_reply_error(req, "invalid_field", field, http_msg(req,
		    "調查者須為 vendor（廠商）或 expert（外部專家）"
		    "（第二十八點）",
		    "investigator must be vendor or expert (P28)"));
	else if (strcmp(reason, "malware_analysis_missing") == 0)
		http_reply_error(req, "missing_field", field, http_msg(req,
		    "發現惡意程式時，根因分析須含惡意程式分析（第二十八點）",
		    "Malware was found: the root cause needs a malware "
		    "analysis (P28)"));
	else
		http_reply_error(req, "missing_field", field, http_msg(req,
		    "根因分析須載明調查者及日誌分析（第二十八點）",
		    "The root cause names its investigator and its log "
		    "analysis (P28)"));
	return -1;
}

struct plan_check {
	struct http_req		*req;
	int64_t			 plan_at;
	const struct policy	*pol;
	int			 refused;
};

static int
plan_check_fn(void *arg, const struct store_improvement *m)
{
	struct plan_check	*P = arg;
	struct tbtime_date	 due, lo, hi;
	enum improvement_term	 term;
	const char		*reason;

	if (improvement_term_from_name(m->term, &term) != TB_OK ||
	    tbtime_parse_date(m->due_on, strlen(m->due_on), &due) != TB_OK)
		return 0;
	/* Immediate fixes may well predate the plan that lists them. */
	if (term == IMPROVEMENT_SHORT)
		return 0;
	if (closure_due_check(P->pol, term, P->plan_at, &due, &lo, &hi,
	    &reason) != TB_ERANGE)
		return 0;
	reply_window(P->req, term, reason, &lo, &hi, m->title);
	P->refused = 1;
	return 1;
}

/* The plan (P29, P30). */
static int
check_plan(struct http_req *req, struct store_conn *c, json_t *body,
    const struct incident_view *v)
{
	struct plan_check	 P;
	struct event		 nw;
	json_t			*to = member(body, "submitted_to"), *x;
	size_t			 i, j;
	int			 rc;

	/* P30: the decision goes to the superior and supervisory
	 * agencies and DoIT. */
	json_array_foreach(to, i, x) {
		int dup = 0;

		for (j = 0; j < i; j++)
			dup |= json_equal(json_array_get(to, j), x);
		if (!dup && closure_recipient_valid(json_string_value(x)))
			continue;
		http_reply_error(req, "invalid_field", "submitted_to",
		    http_msg(req, "呈送對象須為 superior、supervisor 或 "
		    "doit，且不重複", "submitted_to lists superior, "
		    "supervisor or doit, each once"));
		return -1;
	}
	memset(&nw, 0, sizeof(nw));
	nw.type = EVENT_PLAN_APPROVED;
	nw.at = member_time(body, "at");
	memset(&P, 0, sizeof(P));
	P.req = req;
	P.pol = policy_for(v->in.aware_at);
	P.plan_at = closure_plan_at(v->ev, v->nev, &nw);
	/* The windows count from the first plan; a later one moves
	 * nothing, and the actions were held to the first already. */
	if (P.plan_at == TBTIME_NONE ||
	    P.plan_at == closure_plan_at(v->ev, v->nev, NULL))
		return 0;
	if ((rc = store_improvement_scan(c, v->in.id, plan_check_fn, &P)) !=
	    TB_OK)
		return http_reply_tb_err(req, rc, NULL), -1;
	return P.refused ? -1 : 0;
}

int
closure_event_check(struct http_req *req, struct store_conn *c,
    enum event_type t, json_t *body, const struct incident_view *v)
{
	switch (t) {
	case EVENT_ROOT_CAUSE_RECORDED:
		return check_root_cause(req, c, body, v);
	case EVENT_PLAN_APPROVED:
		return check_plan(req, c, body, v);
	default:
		return 0;
	}
}
