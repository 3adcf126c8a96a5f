/*
 * api_incident.c: incidents, their events and their obligations (issue 4;
 * P10-P23).
 *
 * An incident is created with the level its agency proposes; everything
 * after that is an event appended to its timeline (never rewritten).  On
 * every change the deadline engine (src/domain/deadline.c) recomputes the
 * obligations from the events, and they are stored in the same
 * transaction as the change and its audit entry, so "what is overdue
 * across my scope" is one indexed query (GET /api/v1/obligations).
 *
 * The rules themselves are the domain's: which role posts which event
 * (access_event_roles), the preconditions (incident_event_check), the
 * level in force, the state, the deadlines.  This file validates input,
 * checks scope, and moves data between the store and JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/closure.h"
#include "api/idempotency.h"
#include "api/incident.h"
#include "domain/access.h"
#include "notify/notify.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Lists: CONVENTIONS default and maximum page sizes. */
#define LIST_LIMIT_DEFAULT	50
#define LIST_LIMIT_MAX		500
/* Longest level filter, state name or cursor accepted in a query. */
#define QUERY_SHORT_MAX		128
/* Seconds in ten years: the longest tolerable downtime accepted. */
#define DOWNTIME_MAX_S		(INT64_C(10) * 366 * 86400)

/* --- small helpers -------------------------------------------------- */

/* Replies with code and the message in the request's language. */
static int
reply_msg(struct http_req *req, const char *code, const char *field,
    const char *zh, const char *en)
{
	return http_reply_error(req, code, field, http_msg(req, zh, en));
}

/* A time as the API shows it, or null. */
static json_t *
json_time(int64_t t)
{
	char	 b[TBTIME_RFC3339_SIZE];

	if (t == TBTIME_NONE || tbtime_format(t, b, sizeof(b)) != TB_OK)
		return json_null();
	return json_string(b);
}

/* A string or null. */
static json_t *
json_text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A stored JSON text, or an empty array when absent or broken. */
static json_t *
json_stored(const char *s)
{
	json_t	*v = s != NULL ? json_loads(s, 0, NULL) : NULL;

	return v != NULL ? v : json_array();
}

/* The JSON text of v, compact with sorted keys (a new string). */
static char *
json_text_of(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

/* The integer of path parameter id; 0 when absent or not an id. */
static int64_t
param_id(struct http_req *req)
{
	char	 b[24];
	int64_t	 id;

	if (http_param(req, "id", b, sizeof(b)) != TB_OK ||
	    parse_i64(b, 1, INT64_MAX, &id) != TB_OK)
		return 0;
	return id;
}

/* --- the loaded incident -------------------------------------------- */

struct view_load {
	struct incident_view	*v;
	int			 rc;
};

/* Grows the event arrays of v to hold one more. */
static int
view_reserve(struct incident_view *v)
{
	struct event			*ev;
	struct incident_event_extra	*x;
	size_t				 cap, i;

	if (v->nev < v->cap)
		return TB_OK;
	cap = v->cap > 0 ? v->cap * 2 : 16;
	if ((ev = realloc(v->ev, cap * sizeof(*ev))) == NULL)
		return TB_ENOMEM;
	v->ev = ev;
	if ((x = realloc(v->x, cap * sizeof(*x))) == NULL)
		return TB_ENOMEM;
	v->x = x;
	v->cap = cap;
	/* realloc may have moved the strings' owners, not the strings:
	 * the agency pointers stay valid. */
	for (i = 0; i < v->nev; i++)
		v->ev[i].agency = v->x[i].agency;
	return TB_OK;
}

/*
 * Converts a stored event into the domain's event and the extra parts;
 * the strings are copied.  TB_ESTORE for a stored value the domain does
 * not know (the CHECK constraints make that impossible short of damage).
 */
static int
view_event_fill(const struct store_event *e, struct event *d,
    struct incident_event_extra *x)
{
	memset(d, 0, sizeof(*d));
	memset(x, 0, sizeof(*x));
	if (event_type_from_name(e->type, &d->type) != TB_OK ||
	    tb_strlcpy(x->type, e->type, sizeof(x->type)) != TB_OK)
		return TB_ESTORE;
	d->id = e->seq;
	d->at = e->at;
	d->level = e->level >= 0 ? (int)e->level : 0;
	if (d->type == EVENT_REPORTED && (e->channel == NULL ||
	    event_channel_from_name(e->channel, &d->channel) != TB_OK))
		return TB_ESTORE;
	if (d->type == EVENT_MEETING_HELD && e->kind != NULL &&
	    event_meeting_kind_from_name(e->kind, &d->kind) != TB_OK)
		return TB_ESTORE;
	x->actor = e->actor;
	x->recorded_at = e->recorded_at;
	if ((x->actor_name = strdup(e->actor_name)) == NULL ||
	    (x->fields = strdup(e->fields)) == NULL)
		return TB_ENOMEM;
	if (e->agency != NULL && (x->agency = strdup(e->agency)) == NULL)
		return TB_ENOMEM;
	d->agency = d->type == EVENT_AGENCY_NOTIFIED ? x->agency : NULL;
	return TB_OK;
}

static void
view_extra_free(struct incident_event_extra *x)
{
	free(x->actor_name);
	free(x->agency);
	free(x->fields);
}

static int
view_add_event(void *arg, const struct store_event *e)
{
	struct view_load	*L = arg;
	struct incident_view	*v = L->v;

	if ((L->rc = view_reserve(v)) != TB_OK)
		return 1;
	if ((L->rc = view_event_fill(e, &v->ev[v->nev], &v->x[v->nev]))
	    != TB_OK) {
		view_extra_free(&v->x[v->nev]);
		return 1;
	}
	if (e->seq > v->max_seq)
		v->max_seq = e->seq;
	v->nev++;
	return 0;
}

/* Inserts code (notified at t) into v's affected list, kept in code
 * order; an agency already listed keeps its earlier notification. */
static int
view_affected_put(struct incident_view *v, const char *code, int64_t t)
{
	size_t	 i, cap;
	char	**a;
	int64_t	*n;
	int	 cmp = 1;

	for (i = 0; i < v->naff; i++)
		if ((cmp = strcmp(v->affected[i], code)) >= 0)
			break;
	if (i < v->naff && cmp == 0) {
		if (v->notified_at[i] == TBTIME_NONE ||
		    (t != TBTIME_NONE && t < v->notified_at[i]))
			v->notified_at[i] = t;
		return TB_OK;
	}
	if (v->naff == v->capaff) {
		cap = v->capaff > 0 ? v->capaff * 2 : 8;
		if ((a = realloc(v->affected, cap * sizeof(*a))) == NULL)
			return TB_ENOMEM;
		v->affected = a;
		if ((n = realloc(v->notified_at, cap * sizeof(*n))) == NULL)
			return TB_ENOMEM;
		v->notified_at = n;
		v->capaff = cap;
	}
	memmove(&v->affected[i + 1], &v->affected[i],
	    (v->naff - i) * sizeof(*v->affected));
	memmove(&v->notified_at[i + 1], &v->notified_at[i],
	    (v->naff - i) * sizeof(*v->notified_at));
	if ((v->affected[i] = strdup(code)) == NULL) {
		memmove(&v->affected[i], &v->affected[i + 1],
		    (v->naff - i) * sizeof(*v->affected));
		memmove(&v->notified_at[i], &v->notified_at[i + 1],
		    (v->naff - i) * sizeof(*v->notified_at));
		return TB_ENOMEM;
	}
	v->notified_at[i] = t;
	v->naff++;
	return TB_OK;
}

static int
view_add_affected(void *arg, const char *code, int64_t notified_at)
{
	struct view_load	*L = arg;

	L->rc = view_affected_put(L->v, code, notified_at);
	return L->rc != TB_OK;
}

int
incident_view_load(struct store_conn *c, int64_t id, struct incident_view *v)
{
	struct view_load	 L;
	int			 rc;

	memset(v, 0, sizeof(*v));
	v->actions_done_at = TBTIME_NONE;
	if ((rc = store_incident_get(c, id, &v->in)) != TB_OK)
		return rc;
	L.v = v;
	L.rc = TB_OK;
	if ((rc = store_event_scan(c, id, view_add_event, &L)) != TB_OK)
		return rc;
	if (L.rc != TB_OK)
		return L.rc;
	if ((rc = store_incident_affected(c, id, view_add_affected, &L)) !=
	    TB_OK)
		return rc;
	if (L.rc != TB_OK)
		return L.rc;
	return closure_actions_done(c, id, &v->actions_done_at);
}

void
incident_view_cleanup(struct incident_view *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	store_incident_cleanup(&v->in);
	for (i = 0; i < v->nev; i++)
		view_extra_free(&v->x[i]);
	free(v->ev);
	free(v->x);
	for (i = 0; i < v->naff; i++)
		free(v->affected[i]);
	free(v->affected);
	free(v->notified_at);
	memset(v, 0, sizeof(*v));
}

void
incident_view_facts(const struct incident_view *v, struct incident_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->aware_at = v->in.aware_at;
	f->proposed_level = (int)v->in.proposed_level;
	f->is_school = v->in.is_school != 0;
	f->reports_to_central = v->in.reports_to_central != 0;
	f->personal_data_involved = v->in.personal_data_involved != 0;
	f->equipment_failure = v->in.equipment_failure != 0;
	f->exercise = v->in.exercise != 0;
	f->affected_agencies = (const char *const *)v->affected;
	f->n_affected = v->naff;
	/* P31(4): progress reports are owed until every action is done
	 * (api_closure.c reads the actions). */
	f->actions_done_at = v->actions_done_at;
}

int
incident_view_obligations(const struct incident_view *v, int64_t now,
    struct obligation **out, size_t *n)
{
	struct incident_facts	 f;

	incident_view_facts(v, &f);
	return deadline_compute_new(NULL, &f, v->ev, v->nev, now, out, n);
}

json_t *
incident_obligation_json(const struct obligation *o)
{
	return json_pack("{s:s, s:o, s:o, s:i, s:o, s:o, s:o, s:s}",
	    "name", obligation_name(o->name),
	    "subject", o->subject[0] != '\0' ? json_string(o->subject) :
	    json_null(),
	    "period", o->period > 0 ? json_integer(o->period) : json_null(),
	    "level", o->level,
	    "start_at", json_time(o->start_at),
	    "due_at", json_time(o->due_at),
	    "met_at", json_time(o->met_at),
	    "state", obligation_state_name(o->state));
}

/* The fields of an incident (no events, no obligations): what the audit
 * trail keeps of a created incident.  A new reference or NULL. */
static json_t *
incident_base_json(const struct store_incident *in,
    const char *const *affected, size_t naff)
{
	json_t	*o, *aff;
	size_t	 i;

	if ((aff = json_array()) == NULL)
		return NULL;
	for (i = 0; i < naff; i++)
		json_array_append_new(aff, json_string(affected[i]));
	o = json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o,"
	    " s:I, s:I, s:o, s:b, s:o, s:o, s:o, s:b, s:b, s:b, s:b, s:b,"
	    " s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:I}",
	    "id", (json_int_t)in->id,
	    "agency", in->agency,
	    "agency_name", json_text(in->agency_name),
	    "title", in->title,
	    "description", json_text(in->description),
	    "category", in->category,
	    "category_other", json_text(in->category_other),
	    "symptoms", json_stored(in->symptoms),
	    "occurred_at", json_time(in->occurred_at),
	    "aware_at", json_time(in->aware_at),
	    "proposed_level", (json_int_t)in->proposed_level,
	    "level", (json_int_t)in->level,
	    "affected_systems", json_stored(in->affected_systems),
	    "impact_other_agencies", (int)(in->impact_other_agencies != 0),
	    "critical_sectors", json_stored(in->critical_sectors),
	    "source", json_text(in->source),
	    "source_ref", json_text(in->source_ref),
	    "exercise", (int)(in->exercise != 0),
	    "personal_data_involved", (int)(in->personal_data_involved != 0),
	    "equipment_failure", (int)(in->equipment_failure != 0),
	    "school", (int)(in->is_school != 0),
	    "reports_to_central", (int)(in->reports_to_central != 0),
	    "affected_agencies", aff,
	    "reported_by", json_text(in->reported_by_name),
	    "vendor_aware_at", json_time(in->vendor_aware_at),
	    "vendor_reported_at", json_time(in->vendor_reported_at),
	    "policy", in->policy,
	    "state", in->state,
	    "created_at", json_time(in->created_at),
	    "updated_at", json_time(in->updated_at),
	    "version", (json_int_t)in->version);
	return o;
}

/* One event as the API shows it: id, type, at, its fields, who recorded
 * it and when.  A new reference. */
static json_t *
incident_event_json(const struct event *e,
    const struct incident_event_extra *x)
{
	json_t	*o, *fields;

	o = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)e->id,
	    "type", x->type, "at", json_time(e->at));
	if (o == NULL)
		return NULL;
	if ((fields = json_loads(x->fields, 0, NULL)) != NULL) {
		json_object_update_missing(o, fields);
		json_decref(fields);
	}
	json_object_set_new(o, "actor", json_string(x->actor_name));
	json_object_set_new(o, "recorded_at", json_time(x->recorded_at));
	return o;
}

/* Adds events and obligations to an incident's base JSON. */
static void
incident_json_finish(json_t *o, const struct event *ev,
    const struct incident_event_extra *x, size_t nev,
    const struct obligation *ob, size_t nob)
{
	json_t	*evs = json_array(), *obs = json_array();
	size_t	 i;

	for (i = 0; i < nev; i++)
		json_array_append_new(evs, incident_event_json(&ev[i], &x[i]));
	for (i = 0; i < nob; i++)
		json_array_append_new(obs, incident_obligation_json(&ob[i]));
	json_object_set_new(o, "events", evs);
	json_object_set_new(o, "obligations", obs);
}

json_t *
incident_view_json(const struct incident_view *v, const struct obligation *o,
    size_t n)
{
	json_t	*j;

	j = incident_base_json(&v->in, (const char *const *)v->affected,
	    v->naff);
	if (j != NULL)
		incident_json_finish(j, v->ev, v->x, v->nev, o, n);
	return j;
}

/* --- scope ---------------------------------------------------------- */

int
incident_access(struct http_req *req, struct store_conn *c,
    const struct store_incident *in, int *visible, int *actable)
{
	int	 rc;

	*visible = *actable = 0;
	if (req->who->roles & ROLES_DOIT) {
		*visible = *actable = 1;
		return TB_OK;
	}
	if (auth_has_role(req, ROLE_VENDOR)) {
		*visible = *actable = in->reported_by == req->who->user_id;
		return TB_OK;
	}
	if ((rc = auth_agency_actable(req, c, in->agency, actable)) != TB_OK)
		return rc;
	*visible = *actable;
	if (!*visible && auth_has_role(req, ROLE_SUPERIOR_VIEWER) &&
	    (rc = auth_agency_visible(req, c, in->agency, visible)) != TB_OK)
		return rc;
	if (!*visible && auth_has_role(req, ROLE_CONTACT_WINDOW))
		rc = store_incident_notified(c, in->id, req->who->agency,
		    visible);
	return rc;
}

/* The store's scope for the caller's lists (see incident_access). */
static void
incident_scope(const struct http_req *req, struct store_scope *sc)
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
	sc->notified = auth_has_role(req, ROLE_CONTACT_WINDOW);
}

/* --- input checks shared by incidents and events --------------------- */

/*
 * Checks that v, when present, is an array of distinct strings of 1 to
 * maxlen characters, each accepted by ok (NULL: any) with ctx.  Replies
 * 422 naming field and returns -1 when not.
 */
static int
check_names(struct http_req *req, json_t *v, const char *field,
    size_t maxlen, bool (*ok)(const char *, const char *), const char *ctx)
{
	static const struct json_field one[] = {
		{ "v", JF_STRING, 1, 1, 0 },
	};
	struct json_field	 f = one[0];
	const char		*bad, *code;
	json_t			*x, *wrap;
	size_t			 i, j;
	int			 fine = 1;

	if (v == NULL || json_is_null(v))
		return 0;
	f.max = (int64_t)maxlen;
	json_array_foreach(v, i, x) {
		wrap = json_pack("{s:O}", "v", x);
		fine = wrap != NULL &&
		    json_check(wrap, &f, 1, &bad, &code) == TB_OK &&
		    (ok == NULL || ok(ctx, json_string_value(x)));
		json_decref(wrap);
		for (j = 0; fine && j < i; j++)
			if (json_equal(json_array_get(v, j), x))
				fine = 0;
		if (!fine)
			break;
	}
	if (fine)
		return 0;
	reply_msg(req, "invalid_field", field,
	    "清單中有不接受或重複的值", "The list holds a value that is not "
	    "accepted or appears twice");
	return -1;
}

/* Checks that v, when present, is an array of objects each passing
 * fields; replies 422 naming field and returns -1 when not. */
static int
check_objects(struct http_req *req, json_t *v, const char *field,
    const struct json_field *fields, size_t n)
{
	const char	*bad, *code;
	json_t		*x;
	size_t		 i;
	char		 msg_zh[160], msg_en[160];

	if (v == NULL || json_is_null(v))
		return 0;
	json_array_foreach(v, i, x) {
		if (!json_is_object(x)) {
			bad = NULL;
			code = "invalid_field";
		} else if (json_check(x, fields, n, &bad, &code) == TB_OK)
			continue;
		tb_snprintf(msg_zh, sizeof(msg_zh), "第 %zu 項%s%s不正確",
		    i + 1, bad ? "的 " : "", bad ? bad : "");
		tb_snprintf(msg_en, sizeof(msg_en), "Item %zu%s%s is not "
		    "valid", i + 1, bad ? ": " : "", bad ? bad : "");
		reply_msg(req, code, field, msg_zh, msg_en);
		return -1;
	}
	return 0;
}

static bool
ok_symptom(const char *category, const char *s)
{
	return form_symptom_valid(category, s);
}

static bool
ok_sector(const char *unused, const char *s)
{
	return form_valid(FORM_SECTOR, s);
}

static bool
ok_cause(const char *unused, const char *s)
{
	return form_valid(FORM_CLOSURE_CAUSE, s);
}

/* A time field of body, or TBTIME_NONE when absent (JF_TIME checked the
 * format before). */
static int64_t
body_time(json_t *body, const char *name)
{
	const char	*s = json_string_value(json_object_get(body, name));
	int64_t		 t;

	if (s == NULL || tbtime_parse(s, &t) != TB_OK)
		return TBTIME_NONE;
	return t;
}

/* A boolean field of body, false when absent. */
static int
body_bool(json_t *body, const char *name)
{
	return json_is_true(json_object_get(body, name));
}

/* The compact JSON text of an array field, "[]" when absent. */
static char *
body_array_text(json_t *body, const char *name)
{
	json_t	*v = json_object_get(body, name);

	if (v == NULL || json_is_null(v))
		return strdup("[]");
	return json_dumps(v, JSON_COMPACT);
}

/* --- POST /api/v1/incidents ----------------------------------------- */

static const struct json_field create_fields[] = {
	{ "agency", JF_STRING, 1, 1, DOMAIN_AGENCY_CODE_MAX },
	{ "title", JF_STRING, 1, 1, INCIDENT_TITLE_MAX },
	{ "category", JF_STRING, 1, 1, 32 },
	{ "aware_at", JF_TIME, 1, 0, 0 },
	{ "level", JF_INT, 1, 0, 4 },
	{ "occurred_at", JF_TIME, 0, 0, 0 },
	{ "description", JF_TEXT, 0, 0, INCIDENT_TEXT_MAX },
	{ "exercise", JF_BOOL, 0, 0, 0 },
	{ "affected_agencies", JF_ARRAY, 0, 0, INCIDENT_AFFECTED_MAX },
	{ "symptoms", JF_ARRAY, 0, 0, 32 },
	{ "category_other", JF_STRING, 0, 1, INCIDENT_LINE_MAX },
	{ "affected_systems", JF_ARRAY, 0, 0, INCIDENT_SYSTEMS_MAX },
	{ "impact_other_agencies", JF_BOOL, 0, 0, 0 },
	{ "critical_sectors", JF_ARRAY, 0, 0, 16 },
	{ "source", JF_STRING, 0, 1, 32 },
	{ "source_ref", JF_STRING, 0, 1, INCIDENT_LINE_MAX },
	{ "personal_data_involved", JF_BOOL, 0, 0, 0 },
	{ "vendor_aware_at", JF_TIME, 0, 0, 0 },
	{ "vendor_reported_at", JF_TIME, 0, 0, 0 },
};

/* One affected system: core or not, tolerable downtime in seconds. */
static const struct json_field system_fields[] = {
	{ "name", JF_STRING, 1, 1, INCIDENT_LINE_MAX },
	{ "core", JF_BOOL, 0, 0, 0 },
	{ "critical_infrastructure", JF_BOOL, 0, 0, 0 },
	{ "tolerable_downtime", JF_INT, 0, 0, DOWNTIME_MAX_S },
};

/*
 * Checks what the field list cannot say about a new incident; replies and
 * returns -1 on the first fault.  The times: awareness not in the future,
 * occurrence not after awareness, the vendor's own times (P13) not in the
 * future and its report not before its awareness.
 */
static int
create_check(struct http_req *req, json_t *body, int64_t now)
{
	const char	*category;
	const char	*own;
	int64_t		 aware, occurred, va, vr;
	json_t		*aff, *x;
	size_t		 i;

	aware = body_time(body, "aware_at");
	occurred = body_time(body, "occurred_at");
	va = body_time(body, "vendor_aware_at");
	vr = body_time(body, "vendor_reported_at");
	if (aware > now)
		return reply_msg(req, "invalid_field", "aware_at",
		    "知悉時間不可晚於現在", "aware_at is in the future"), -1;
	if (occurred != TBTIME_NONE && occurred > aware)
		return reply_msg(req, "invalid_field", "occurred_at",
		    "發生時間不可晚於知悉時間",
		    "occurred_at is after aware_at"), -1;
	if (va != TBTIME_NONE && va > now)
		return reply_msg(req, "invalid_field", "vendor_aware_at",
		    "時間不可晚於現在", "vendor_aware_at is in the future"), -1;
	if (vr != TBTIME_NONE && (vr > now || (va != TBTIME_NONE && vr < va)))
		return reply_msg(req, "invalid_field", "vendor_reported_at",
		    "廠商通報時間不可晚於現在或早於廠商知悉時間",
		    "vendor_reported_at is in the future or before "
		    "vendor_aware_at"), -1;
	category = json_string_value(json_object_get(body, "category"));
	if (!form_valid(FORM_CATEGORY, category))
		return reply_msg(req, "invalid_field", "category",
		    "不是通報平台的事件分類", "Not a category of the national "
		    "platform"), -1;
	if (json_object_get(body, "source") != NULL &&
	    !json_is_null(json_object_get(body, "source")) &&
	    !form_valid(FORM_SOURCE, json_string_value(json_object_get(body,
	    "source"))))
		return reply_msg(req, "invalid_field", "source",
		    "不是通報平台的事件來源", "Not a source of the national "
		    "platform"), -1;
	if (check_names(req, json_object_get(body, "symptoms"), "symptoms",
	    64, ok_symptom, category) != 0 ||
	    check_names(req, json_object_get(body, "critical_sectors"),
	    "critical_sectors", 64, ok_sector, NULL) != 0 ||
	    check_names(req, json_object_get(body, "affected_agencies"),
	    "affected_agencies", DOMAIN_AGENCY_CODE_MAX, NULL, NULL) != 0 ||
	    check_objects(req, json_object_get(body, "affected_systems"),
	    "affected_systems", system_fields, NELEM(system_fields)) != 0)
		return -1;
	/* P12: the agencies an incident affects are other agencies. */
	own = json_string_value(json_object_get(body, "agency"));
	aff = json_object_get(body, "affected_agencies");
	json_array_foreach(aff, i, x)
		if (strcmp(json_string_value(x), own) == 0)
			return reply_msg(req, "invalid_field",
			    "affected_agencies", "受影響機關不可為通報機關本身",
			    "The reporting agency cannot be one it affects"),
			    -1;
	return 0;
}

/*
 * Reads the agency and checks the caller may report for it, and that the
 * affected agencies exist (on the reader, before the writer is taken).
 * Replies and returns -1 on a fault.
 */
static int
create_agency(struct http_req *req, json_t *body,
    struct store_incident_agency *ag)
{
	struct store_incident_agency	 other;
	struct store_conn		*c;
	const char			*code;
	json_t				*x;
	size_t				 i;
	int				 rc, ok = 0;

	code = json_string_value(json_object_get(body, "agency"));
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL), -1;
	rc = store_incident_agency(c, code, ag);
	if (rc == TB_OK && ag->active) {
		/* P13: a vendor reports for the agency it serves, which is
		 * its own account's agency, and for no other. */
		if (auth_has_role(req, ROLE_VENDOR) &&
		    !(req->who->roles & ROLES_DOIT))
			ok = strcmp(code, req->who->agency) == 0;
		else
			rc = auth_agency_actable(req, c, code, &ok);
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		goto fail;
	if (!ok) {
		/* Unknown and out of scope read alike: existence does not
		 * leak. */
		store_release(c);
		return reply_msg(req, "invalid_field", "agency",
		    "不是您可通報的機關", "Not an agency you may report "
		    "for"), -1;
	}
	json_array_foreach(json_object_get(body, "affected_agencies"), i, x) {
		rc = store_incident_agency(c, json_string_value(x), &other);
		if (rc == TB_ENOTFOUND) {
			store_release(c);
			return reply_msg(req, "invalid_field",
			    "affected_agencies", "受影響機關代碼不存在",
			    "An affected agency does not exist"), -1;
		}
		if (rc != TB_OK)
			goto fail;
	}
	store_release(c);
	return 0;
fail:
	store_release(c);
	http_reply_tb_err(req, rc, NULL);
	return -1;
}

/* Maps an engine obligation to its stored row. */
static void
obligation_row(const struct obligation *o, const char *agency, int exercise,
    struct store_obligation *r)
{
	memset(r, 0, sizeof(*r));
	r->agency = agency;
	r->name = obligation_name(o->name);
	r->subject = o->subject;
	r->period = o->period;
	r->level = o->level;
	r->start_at = o->start_at;
	r->due_at = o->due_at;
	r->by_date = o->by_date;
	r->overdue_from = deadline_overdue_from(o->due_at, o->by_date);
	r->met_at = o->met_at;
	r->exercise = exercise;
	/* Pending or overdue depends on when it is read: stored as open. */
	switch (o->state) {
	case OBLIGATION_MET:
		r->state = "met";
		break;
	case OBLIGATION_MET_LATE:
		r->state = "met_late";
		break;
	case OBLIGATION_NOT_APPLICABLE:
		r->state = "not_applicable";
		break;
	default:
		r->state = "open";
	}
}

/* The stored rows of n engine obligations (n > 0), NULL when out of
 * memory; free() them.  They point into o and agency. */
static struct store_obligation *
obligation_rows(const char *agency, int exercise, const struct obligation *o,
    size_t n)
{
	struct store_obligation	*rows;
	size_t			 i;

	if ((rows = calloc(n, sizeof(*rows))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		obligation_row(&o[i], agency, exercise, &rows[i]);
	return rows;
}

/* Stores the n obligations of incident id. */
static int
obligations_store(struct store_conn *c, int64_t id, const char *agency,
    int exercise, const struct obligation *o, size_t n)
{
	struct store_obligation	*rows;
	int			 rc;

	if (n == 0)
		return store_obligations_replace(c, id, NULL, 0);
	if ((rows = obligation_rows(agency, exercise, o, n)) == NULL)
		return TB_ENOMEM;
	rc = store_obligations_replace(c, id, rows, n);
	free(rows);
	return rc;
}

int
incident_obligations_refresh(struct store_conn *c,
    const struct incident_view *v, int64_t now)
{
	struct obligation	*ob = NULL;
	size_t			 nob = 0;
	int			 rc;

	if ((rc = incident_view_obligations(v, now, &ob, &nob)) == TB_OK)
		rc = obligations_store(c, v->in.id, v->in.agency,
		    (int)v->in.exercise, ob, nob);
	deadline_free(ob);
	return rc;
}

int
api_incidents_create(struct http_req *req)
{
	struct store_incident_agency	 ag;
	struct store_incident		 in;
	struct incident_facts		 f;
	struct obligation		*ob = NULL;
	struct store_obligation		*rows = NULL;
	struct store_conn		*c = NULL;
	struct idem			 k;
	const char			**aff = NULL;
	char				*symptoms = NULL, *systems = NULL;
	char				*sectors = NULL, *text = NULL;
	char				*audit = NULL;
	char				 idstr[24], location[64];
	json_t				*body = NULL, *out = NULL, *x;
	const char			*sym[64];
	size_t				 nob = 0, naff, nsym = 0, i;
	int64_t				 now = tb_now_us();
	int				 rc;

	if (idem_begin(req, NULL, &k) != 0)
		return 0;
	if (http_json_body(req, create_fields, NELEM(create_fields), &body)
	    != TB_OK)
		return 0;
	if (create_check(req, body, now) != 0 ||
	    create_agency(req, body, &ag) != 0)
		goto out;

	memset(&in, 0, sizeof(in));
	in.id = store_new_id();
	in.agency = json_string_value(json_object_get(body, "agency"));
	in.agency_name = ag.name;
	in.title = json_string_value(json_object_get(body, "title"));
	in.description = json_string_value(json_object_get(body,
	    "description"));
	in.category = json_string_value(json_object_get(body, "category"));
	in.category_other = json_string_value(json_object_get(body,
	    "category_other"));
	in.occurred_at = body_time(body, "occurred_at");
	in.aware_at = body_time(body, "aware_at");
	in.proposed_level = json_integer_value(json_object_get(body, "level"));
	in.is_school = strcmp(ag.type, "school") == 0;
	/* P41: level 0 (an unconfirmed notice) is for schools only. */
	if (!level_valid((int)in.proposed_level, in.is_school)) {
		reply_msg(req, "invalid_field", "level",
		    "等級須為 1 至 4（學校另可為 0）",
		    "The level must be 1 to 4 (0 only for schools)");
		goto out;
	}
	in.level = in.proposed_level;
	in.impact_other_agencies = body_bool(body, "impact_other_agencies");
	in.source = json_string_value(json_object_get(body, "source"));
	in.source_ref = json_string_value(json_object_get(body,
	    "source_ref"));
	in.exercise = body_bool(body, "exercise");
	in.personal_data_involved = body_bool(body, "personal_data_involved");
	json_array_foreach(json_object_get(body, "symptoms"), i, x)
		sym[nsym++] = json_string_value(x);
	in.equipment_failure = incident_equipment_failure(in.category, sym,
	    nsym);
	in.reports_to_central = ag.reports_to_central != 0;
	in.reported_by = req->who->user_id;
	in.reported_by_name = req->who->username;
	in.vendor_aware_at = body_time(body, "vendor_aware_at");
	in.vendor_reported_at = body_time(body, "vendor_reported_at");
	in.policy = policy_for(in.aware_at)->name;
	in.state = incident_state_name(incident_state(NULL, 0));
	in.created_at = in.updated_at = now;
	in.version = 1;
	if ((symptoms = body_array_text(body, "symptoms")) == NULL ||
	    (systems = body_array_text(body, "affected_systems")) == NULL ||
	    (sectors = body_array_text(body, "critical_sectors")) == NULL) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		goto out;
	}
	in.symptoms = symptoms;
	in.affected_systems = systems;
	in.critical_sectors = sectors;

	naff = json_array_size(json_object_get(body, "affected_agencies"));
	if (naff > 0 && (aff = calloc(naff, sizeof(*aff))) == NULL) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		goto out;
	}
	json_array_foreach(json_object_get(body, "affected_agencies"), i, x)
		aff[i] = json_string_value(x);
	memset(&f, 0, sizeof(f));
	f.aware_at = in.aware_at;
	f.proposed_level = (int)in.proposed_level;
	f.is_school = in.is_school;
	f.reports_to_central = in.reports_to_central;
	f.personal_data_involved = in.personal_data_involved;
	f.equipment_failure = in.equipment_failure;
	f.exercise = in.exercise;
	f.affected_agencies = aff;
	f.n_affected = naff;
	f.actions_done_at = TBTIME_NONE;
	if ((rc = deadline_compute_new(NULL, &f, NULL, 0, now, &ob, &nob)) !=
	    TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/*
	 * Everything that needs no transaction is made before the writer is
	 * taken: there is one writer, and each microsecond a create holds it
	 * is one no other change can use (issue 4 asks for 2,000 durable
	 * creates/s).  So: the stored rows of the obligations, the audit
	 * entry's text (the incident's fields only, so it is taken before
	 * the obligations are added) and the answer.
	 */
	if ((out = incident_base_json(&in, aff, naff)) == NULL ||
	    (audit = auth_audit_json(out)) == NULL ||
	    (nob > 0 && (rows = obligation_rows(in.agency, (int)in.exercise,
	    ob, nob)) == NULL)) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		goto out;
	}
	incident_json_finish(out, NULL, NULL, 0, ob, nob);
	if ((text = json_dumps(out, JSON_COMPACT)) == NULL) {
		http_reply_tb_err(req, TB_ENOMEM, NULL);
		goto out;
	}
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)in.id);
	tb_snprintf(location, sizeof(location), "/api/v1/incidents/%lld",
	    (long long)in.id);

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (idem_replay(req, c, &k) != 0)
		goto fail;
	if ((rc = store_incident_insert(c, &in, aff, naff)) != TB_OK ||
	    /* A new incident has no obligations to replace. */
	    (rc = store_obligations_insert(c, in.id, rows, nob)) != TB_OK ||
	    (rc = auth_audit_text(req, c, "incident.create", "incident",
	    idstr, in.agency, NULL, audit)) != TB_OK ||
	    /* Its people are told in the same transaction (issue 6), from
	     * the obligations just stored. */
	    (rc = notify_incident_stored(c, in.id, 0, "created",
	    req->who->username, req->who->user_id, rows, nob)) != TB_OK ||
	    (rc = idem_record(req, c, &k, 201, location, text, now)) !=
	    TB_OK || (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	closure_reply_text(req, 201, text, location, in.version);
	goto out;
fail:
	store_tx_rollback(c);
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL)
		store_release(c);
	free(rows);
	deadline_free(ob);
	free(aff);
	free(symptoms);
	free(systems);
	free(sectors);
	free(text);
	free(audit);
	json_decref(out);
	json_decref(body);
	return 0;
}

/* --- GET /api/v1/incidents/{id} ------------------------------------- */

int
api_incident_get(struct http_req *req)
{
	struct incident_view	 v;
	struct obligation	*ob = NULL;
	struct store_conn	*c;
	char			*text, etag[32];
	size_t			 nob = 0, len;
	int64_t			 id = param_id(req);
	int			 rc, visible = 0, actable;

	if (id == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	/* One read transaction: the incident, its events and its affected
	 * agencies from one snapshot (a change committed between two of
	 * the reads cannot show a version with another's events), and one
	 * WAL snapshot taken instead of one per statement. */
	memset(&v, 0, sizeof(v));
	if ((rc = store_tx_begin(c)) == TB_OK) {
		rc = incident_view_load(c, id, &v);
		if (rc == TB_OK)
			rc = incident_access(req, c, &v.in, &visible,
			    &actable);
		store_tx_rollback(c);
	}
	store_release(c);
	if (rc == TB_OK && !visible)
		rc = TB_ENOTFOUND;
	if (rc == TB_OK)
		rc = incident_view_obligations(&v, tb_now_us(), &ob, &nob);
	if (rc != TB_OK) {
		incident_view_cleanup(&v);
		return http_reply_tb_err(req, rc, NULL);
	}
	/* Written straight as text: the most frequent read (see
	 * incident_text.c). */
	if ((text = incident_view_text(&v, ob, nob, &len, &rc)) == NULL)
		http_reply_tb_err(req, rc, NULL);
	else if (http_reply_take(req, 200, "application/json; charset=utf-8",
	    text, len) == TB_OK) {
		http_reply_header(req, "Cache-Control", "no-store");
		if (tb_snprintf(etag, sizeof(etag), "\"%lld\"",
		    (long long)v.in.version) == TB_OK)
			http_reply_header(req, "ETag", etag);
	}
	deadline_free(ob);
	incident_view_cleanup(&v);
	return 0;
}

/* --- lists ---------------------------------------------------------- */

/*
 * Reads query parameter name into out: 1 when present, 0 when absent,
 * -1 after replying 400 invalid_query.
 */
static int
query_get(struct http_req *req, const char *name, char *out, size_t len)
{
	int	 rc = http_query(req, name, out, len);

	if (rc == TB_ENOTFOUND)
		return 0;
	if (rc == TB_OK && out[0] != '\0')
		return 1;
	http_reply_error(req, "invalid_query", name, NULL);
	return -1;
}

/* The limit parameter: CONVENTIONS default 50, at most 500. */
static int
query_limit(struct http_req *req, int64_t *limit)
{
	char	 b[24];
	int	 r;

	*limit = LIST_LIMIT_DEFAULT;
	if ((r = query_get(req, "limit", b, sizeof(b))) <= 0)
		return r;
	if (parse_i64(b, 1, LIST_LIMIT_MAX, limit) != TB_OK) {
		http_reply_error(req, "invalid_query", "limit", NULL);
		return -1;
	}
	return 0;
}

/*
 * A time bound: RFC 3339 with an offset, or a date YYYY-MM-DD meaning the
 * start of that Taipei day (end_of_day 0) or its end (1).
 */
static int
query_time(struct http_req *req, const char *name, int end_of_day,
    int64_t *t)
{
	struct tbtime_date	 d;
	char			 b[64];
	int			 r;

	*t = TBTIME_NONE;
	if ((r = query_get(req, name, b, sizeof(b))) <= 0)
		return r;
	if (tbtime_parse(b, t) == TB_OK)
		return 0;
	if (tbtime_parse_date(b, strlen(b), &d) == TB_OK) {
		*t = end_of_day ? tbtime_day_end(&d) +
		    TBTIME_US_PER_SEC - 1 : tbtime_day_start(&d);
		return 0;
	}
	http_reply_error(req, "invalid_query", name, NULL);
	return -1;
}

json_t *
incident_summary_json(const struct store_incident *r)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:s, s:b,"
	    " s:o, s:o, s:I}",
	    "id", (json_int_t)r->id, "agency", r->agency, "title", r->title,
	    "category", r->category,
	    "occurred_at", json_time(r->occurred_at),
	    "aware_at", json_time(r->aware_at),
	    "proposed_level", (json_int_t)r->proposed_level,
	    "level", (json_int_t)r->level, "state", r->state,
	    "exercise", (int)(r->exercise != 0),
	    "created_at", json_time(r->created_at),
	    "updated_at", json_time(r->updated_at),
	    "version", (json_int_t)r->version);
}

struct list_page {
	json_t		*items;
	int64_t		 limit;
	int64_t		 last_aware, last_id;	/* of the last item kept */
	int		 more;
};

static int
list_add(void *arg, const struct store_incident *r)
{
	struct list_page	*pg = arg;

	/* One row past the limit only says that there is a next page. */
	if ((int64_t)json_array_size(pg->items) == pg->limit) {
		pg->more = 1;
		return 1;
	}
	json_array_append_new(pg->items, incident_summary_json(r));
	pg->last_aware = r->aware_at;
	pg->last_id = r->id;
	return 0;
}

int
api_incidents_list(struct http_req *req)
{
	struct store_incident_filter	 f;
	struct store_scope		 sc;
	struct list_page		 pg;
	struct store_conn		*c;
	enum incident_state		 st;
	char				 agency[DOMAIN_AGENCY_CODE_MAX + 1];
	char				 state[QUERY_SHORT_MAX];
	char				 q[HTTP_QUERY_MAX + 1];
	char				 b[QUERY_SHORT_MAX], cur[64];
	const char			*dot;
	int64_t				 v;
	int				 r, rc;

	memset(&f, 0, sizeof(f));
	f.level = f.exercise = -1;
	if ((r = query_get(req, "agency", agency, sizeof(agency))) < 0)
		return 0;
	f.agency = r ? agency : NULL;
	if ((r = query_get(req, "level", b, sizeof(b))) < 0)
		return 0;
	if (r && parse_i64(b, 0, 4, &f.level) != TB_OK)
		return http_reply_error(req, "invalid_query", "level", NULL);
	if ((r = query_get(req, "state", state, sizeof(state))) < 0)
		return 0;
	if (r && incident_state_from_name(state, &st) != TB_OK)
		return http_reply_error(req, "invalid_query", "state", NULL);
	f.state = r ? state : NULL;
	if (query_time(req, "from", 0, &f.from) < 0 ||
	    query_time(req, "to", 1, &f.to) < 0)
		return 0;
	if ((r = query_get(req, "q", q, sizeof(q))) < 0)
		return 0;
	f.q = r ? q : NULL;
	if ((r = query_get(req, "exercise", b, sizeof(b))) < 0)
		return 0;
	if (r) {
		if (strcmp(b, "true") != 0 && strcmp(b, "false") != 0)
			return http_reply_error(req, "invalid_query",
			    "exercise", NULL);
		f.exercise = strcmp(b, "true") == 0;
	}
	/* The cursor is "aware_at.id" of the last item of the page before. */
	if ((r = query_get(req, "cursor", cur, sizeof(cur))) < 0)
		return 0;
	if (r) {
		if ((dot = strchr(cur, '.')) == NULL ||
		    parse_i64_n(cur, (size_t)(dot - cur), INT64_MIN + 1,
		    INT64_MAX, &v) != TB_OK ||
		    parse_i64(dot + 1, 1, INT64_MAX, &f.before_id) != TB_OK)
			return http_reply_error(req, "invalid_query",
			    "cursor", NULL);
		f.before_aware = v;
	}
	memset(&pg, 0, sizeof(pg));
	if (query_limit(req, &pg.limit) < 0)
		return 0;
	incident_scope(req, &sc);
	if ((pg.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	rc = store_incident_scan(c, &sc, &f, pg.limit + 1, list_add, &pg);
	store_release(c);
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	if (pg.more)
		tb_snprintf(cur, sizeof(cur), "%lld.%lld",
		    (long long)pg.last_aware, (long long)pg.last_id);
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "items",
	    pg.items, "next_cursor", pg.more ? json_string(cur) :
	    json_null()));
}

/* --- GET /api/v1/obligations ---------------------------------------- */

struct obl_page {
	json_t		*items;
	int64_t		 limit, now;
	int64_t		 last_due, last_incident, last_period;
	char		 last_name[32];
	char		 last_subject[OBLIGATION_SUBJECT_SIZE];
	int		 more;
};

json_t *
incident_obligation_item_json(const struct store_obligation *o, int64_t now)
{
	const char	*state = o->state;

	/* Stored "open" is pending or overdue as of now. */
	if (strcmp(state, "open") == 0)
		state = obligation_state_name(deadline_state(o->due_at,
		    o->by_date != 0, TBTIME_NONE, now));
	return json_pack(
	    "{s:I, s:s, s:s, s:b, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:s}",
	    "incident", (json_int_t)o->incident, "agency", o->agency,
	    "title", o->title, "exercise", (int)(o->exercise != 0),
	    "name", o->name,
	    "subject", o->subject[0] != '\0' ? json_string(o->subject) :
	    json_null(),
	    "period", o->period > 0 ? json_integer(o->period) : json_null(),
	    "level", (json_int_t)o->level,
	    "start_at", json_time(o->start_at),
	    "due_at", json_time(o->due_at),
	    "met_at", json_time(o->met_at),
	    "state", state);
}

static int
obl_add(void *arg, const struct store_obligation *o)
{
	struct obl_page		*pg = arg;

	if ((int64_t)json_array_size(pg->items) == pg->limit) {
		pg->more = 1;
		return 1;
	}
	json_array_append_new(pg->items, incident_obligation_item_json(o,
	    pg->now));
	pg->last_due = o->due_at == TBTIME_NONE ? STORE_DUE_NONE : o->due_at;
	pg->last_incident = o->incident;
	pg->last_period = o->period;
	tb_strlcpy(pg->last_name, o->name, sizeof(pg->last_name));
	tb_strlcpy(pg->last_subject, o->subject, sizeof(pg->last_subject));
	return 0;
}

/*
 * Parses an obligations cursor "due.incident.name.period.subject" (the
 * subject last, as it may hold any character) into f, pointing into cur.
 */
static int
obl_cursor(char *cur, struct store_obligation_filter *f)
{
	char	*p[4], *s = cur;
	int64_t	 v;

	for (int i = 0; i < 4; i++) {
		if ((p[i] = strchr(s, '.')) == NULL)
			return TB_EINVAL;
		*p[i] = '\0';
		s = p[i] + 1;
	}
	if (parse_i64(cur, INT64_MIN + 1, INT64_MAX, &f->after_due) != TB_OK ||
	    parse_i64(p[0] + 1, 1, INT64_MAX, &f->after_incident) != TB_OK ||
	    obligation_from_name(p[1] + 1, &(enum obligation_name){ 0 }) !=
	    TB_OK || parse_i64(p[2] + 1, 0, INT32_MAX, &v) != TB_OK)
		return TB_EINVAL;
	f->after_name = p[1] + 1;
	f->after_period = v;
	f->after_subject = p[3] + 1;
	return TB_OK;
}

int
api_obligations_list(struct http_req *req)
{
	struct store_obligation_filter	 f;
	struct store_scope		 sc;
	struct obl_page			 pg;
	struct store_conn		*c;
	char				 agency[DOMAIN_AGENCY_CODE_MAX + 1];
	char				 state[QUERY_SHORT_MAX], cur[256];
	int				 r, rc;

	memset(&f, 0, sizeof(f));
	memset(&pg, 0, sizeof(pg));
	pg.now = f.now = tb_now_us();
	f.due_before = STORE_DUE_NONE;
	if ((r = query_get(req, "agency", agency, sizeof(agency))) < 0)
		return 0;
	f.agency = r ? agency : NULL;
	/* state: open (pending or overdue, the default), pending, overdue,
	 * met, met_late or not_applicable. */
	if ((r = query_get(req, "state", state, sizeof(state))) < 0)
		return 0;
	f.state = "open";
	if (r) {
		if (strcmp(state, "overdue") == 0)
			f.overdue = 1;
		else if (strcmp(state, "pending") == 0)
			f.overdue = -1;
		else if (strcmp(state, "met") == 0 ||
		    strcmp(state, "met_late") == 0 ||
		    strcmp(state, "not_applicable") == 0)
			f.state = state;
		else if (strcmp(state, "open") != 0)
			return http_reply_error(req, "invalid_query", "state",
			    NULL);
	}
	if (query_time(req, "due_before", 1, &f.due_before) < 0)
		return 0;
	if (f.due_before == TBTIME_NONE)
		f.due_before = STORE_DUE_NONE;
	if ((r = query_get(req, "cursor", cur, sizeof(cur))) < 0)
		return 0;
	if (r && obl_cursor(cur, &f) != TB_OK)
		return http_reply_error(req, "invalid_query", "cursor", NULL);
	if (query_limit(req, &pg.limit) < 0)
		return 0;
	incident_scope(req, &sc);
	if ((pg.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	rc = store_obligation_scan(c, &sc, &f, pg.limit + 1, obl_add, &pg);
	store_release(c);
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	if (pg.more)
		tb_snprintf(cur, sizeof(cur), "%lld.%lld.%s.%lld.%s",
		    (long long)pg.last_due, (long long)pg.last_incident,
		    pg.last_name, (long long)pg.last_period, pg.last_subject);
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "items",
	    pg.items, "next_cursor", pg.more ? json_string(cur) :
	    json_null()));
}

/* --- POST /api/v1/incidents/{id}/events ------------------------------ */

/*
 * The fields of each event type, exactly REQUIREMENTS "Events, and the
 * obligations they meet" (* there is required here).  Anything else is
 * refused with 422 unknown_field.
 */
#define EV_COMMON \
	{ "type", JF_STRING, 1, 1, 32 }, \
	{ "at", JF_TIME, 1, 0, 0 }
#define EV_TEXT(name)	{ name, JF_TEXT, 0, 0, INCIDENT_TEXT_MAX }
#define EV_LINE(name)	{ name, JF_STRING, 0, 1, INCIDENT_LINE_MAX }

static const struct json_field ev_level_approved[] = {
	EV_COMMON, { "level", JF_INT, 1, 0, 4 }, EV_TEXT("note"),
};
static const struct json_field ev_reported[] = {
	EV_COMMON, { "channel", JF_STRING, 1, 1, 16 },
	{ "platform_ref", JF_STRING, 0, 1, 64 }, EV_TEXT("reason"),
};
static const struct json_field ev_backfilled[] = {
	EV_COMMON, { "platform_ref", JF_STRING, 1, 1, 64 },
};
static const struct json_field ev_agency_notified[] = {
	EV_COMMON, { "agency", JF_STRING, 1, 1, DOMAIN_AGENCY_CODE_MAX },
	{ "channel", JF_STRING, 0, 1, 16 },
};
static const struct json_field ev_note[] = {
	EV_COMMON, EV_TEXT("note"),
};
static const struct json_field ev_message[] = {
	EV_COMMON, EV_TEXT("message"),
};
static const struct json_field ev_level_reviewed[] = {
	EV_COMMON, { "level", JF_INT, 1, 0, 4 }, EV_TEXT("basis"),
};
static const struct json_field ev_level_change[] = {
	EV_COMMON, { "level", JF_INT, 1, 0, 4 }, EV_TEXT("reason"),
};
static const struct json_field ev_team_formed[] = {
	EV_COMMON, { "members", JF_ARRAY, 1, 1, INCIDENT_PEOPLE_MAX },
};
static const struct json_field ev_meeting_held[] = {
	EV_COMMON, { "kind", JF_STRING, 0, 1, 16 },
	{ "attendees", JF_ARRAY, 0, 0, INCIDENT_PEOPLE_MAX },
	EV_TEXT("minutes"),
};
static const struct json_field ev_tracking[] = {
	EV_COMMON, { "by", JF_STRING, 0, 1, DOMAIN_AGENCY_CODE_MAX },
};
/* P22: scope, external services and core systems restored first, a
 * second wave prevented, each system back within its tolerable downtime
 * or not, the impact on stakeholders and the decision on announcing. */
static const struct json_field ev_damage_controlled[] = {
	EV_COMMON, EV_TEXT("scope"), EV_TEXT("restoration"),
	EV_TEXT("spread_prevention"),
	{ "systems", JF_ARRAY, 0, 0, INCIDENT_SYSTEMS_MAX },
	EV_TEXT("stakeholder_impact"),
	{ "public_announcement", JF_BOOL, 0, 0, 0 }, EV_TEXT("note"),
};
static const struct json_field ev_effectiveness[] = {
	EV_COMMON, { "recipients", JF_ARRAY, 0, 0, INCIDENT_PEOPLE_MAX },
	EV_TEXT("note"),
};
static const struct json_field ev_pdpa[] = {
	EV_COMMON, EV_TEXT("decision"), { "notified_at", JF_TIME, 0, 0, 0 },
};
/* P28: who investigated (vendor or expert, and their name), the log
 * analysis, and the malware analysis that api_closure.c requires when
 * malware was found. */
static const struct json_field ev_root_cause[] = {
	EV_COMMON, { "investigator", JF_STRING, 1, 1, 16 },
	{ "investigator_name", JF_STRING, 1, 1, INCIDENT_LINE_MAX },
	{ "log_analysis", JF_TEXT, 1, 1, INCIDENT_TEXT_MAX },
	EV_TEXT("findings"), EV_TEXT("malware_analysis"),
};
/* P30: the commander's decision and where the plan was sent. */
static const struct json_field ev_plan_approved[] = {
	EV_COMMON, EV_TEXT("decision"), { "submitted_to", JF_ARRAY, 0, 0, 3 },
	EV_TEXT("note"),
};
/* The closure fields of the national platform. */
static const struct json_field ev_closure[] = {
	EV_COMMON, EV_TEXT("devices"), EV_TEXT("ips"), EV_TEXT("urls"),
	EV_TEXT("os"), EV_TEXT("vendors"), { "cause", JF_ARRAY, 0, 0, 8 },
	EV_LINE("cause_other"), EV_TEXT("fixes"), EV_TEXT("note"),
};
static const struct json_field ev_signed[] = {
	EV_COMMON, EV_LINE("record"), { "hash", JF_STRING, 0, 1, 128 },
};

static const struct {
	const struct json_field	*fields;
	size_t			 n;
} ev_fields[EVENT__COUNT] = {
#define F(t, a)	[t] = { a, NELEM(a) }
	F(EVENT_LEVEL_APPROVED, ev_level_approved),
	F(EVENT_REPORTED, ev_reported),
	F(EVENT_BACKFILLED, ev_backfilled),
	F(EVENT_AGENCY_NOTIFIED, ev_agency_notified),
	F(EVENT_DOIT_COPIED, ev_note),
	F(EVENT_INFO_REQUESTED, ev_message),
	F(EVENT_INFO_PROVIDED, ev_message),
	F(EVENT_LEVEL_REVIEWED, ev_level_reviewed),
	F(EVENT_LEVEL_CHANGE_REQUESTED, ev_level_change),
	F(EVENT_TEAM_FORMED, ev_team_formed),
	F(EVENT_MEETING_HELD, ev_meeting_held),
	F(EVENT_TRACKING_DESIGNATED, ev_tracking),
	F(EVENT_DAMAGE_CONTROLLED, ev_damage_controlled),
	F(EVENT_EFFECTIVENESS_REPORTED, ev_effectiveness),
	F(EVENT_PDPA_ASSESSED, ev_pdpa),
	F(EVENT_ROOT_CAUSE_RECORDED, ev_root_cause),
	F(EVENT_PLAN_APPROVED, ev_plan_approved),
	F(EVENT_PROGRESS_REPORTED, ev_note),
	F(EVENT_CLOSURE_REPORTED, ev_closure),
	F(EVENT_SIGNED, ev_signed),
#undef F
};

/* Every field name any event takes: the first pass over a body, before
 * its type is known. */
#define EV_ANY(name)	{ name, JF_ANY, 0, 0, 0 }
static const struct json_field ev_any[] = {
	{ "type", JF_STRING, 1, 1, 32 }, { "at", JF_ANY, 1, 0, 0 },
	EV_ANY("level"), EV_ANY("note"), EV_ANY("channel"),
	EV_ANY("platform_ref"), EV_ANY("reason"), EV_ANY("agency"),
	EV_ANY("message"), EV_ANY("basis"), EV_ANY("members"),
	EV_ANY("kind"), EV_ANY("attendees"), EV_ANY("minutes"), EV_ANY("by"),
	EV_ANY("scope"), EV_ANY("restoration"), EV_ANY("spread_prevention"),
	EV_ANY("systems"), EV_ANY("stakeholder_impact"),
	EV_ANY("public_announcement"), EV_ANY("recipients"),
	EV_ANY("decision"), EV_ANY("notified_at"), EV_ANY("investigator"),
	EV_ANY("investigator_name"), EV_ANY("log_analysis"),
	EV_ANY("submitted_to"),
	EV_ANY("findings"), EV_ANY("malware_analysis"), EV_ANY("devices"),
	EV_ANY("ips"), EV_ANY("urls"), EV_ANY("os"), EV_ANY("vendors"),
	EV_ANY("cause"), EV_ANY("cause_other"), EV_ANY("fixes"),
	EV_ANY("record"), EV_ANY("hash"),
};

/* P19: a team member. */
static const struct json_field member_fields[] = {
	{ "username", JF_STRING, 1, 1, 63 },
	{ "role", JF_STRING, 1, 1, 64 },
};

/* P22: one system and whether it came back within its tolerable
 * downtime. */
static const struct json_field dc_system_fields[] = {
	{ "name", JF_STRING, 1, 1, INCIDENT_LINE_MAX },
	{ "within_tolerable_downtime", JF_BOOL, 1, 0, 0 },
};

/* Whether a field is present and not null. */
static int
has(json_t *body, const char *name)
{
	json_t	*v = json_object_get(body, name);

	return v != NULL && !json_is_null(v);
}

/*
 * Checks an event body past its field list and fills in the defaults
 * (agency_notified's channel, meeting_held's kind, tracking_designated's
 * designating agency).  Replies and returns -1 on a fault.  The rules of
 * the procedure themselves (levels, times, preconditions) are the
 * domain's, checked later.
 */
static int
event_check(struct http_req *req, struct store_conn *c, enum event_type t,
    json_t *body, const struct store_incident *in, int64_t now)
{
	struct store_incident_agency	 ag;
	const char			*s;
	int64_t				 at;
	int				 rc;

	switch (t) {
	case EVENT_REPORTED:
		s = json_string_value(json_object_get(body, "channel"));
		if (strcmp(s, "platform") == 0) {
			/* P10: the platform's report number is recorded. */
			if (!has(body, "platform_ref"))
				return reply_msg(req, "missing_field",
				    "platform_ref", "請填寫通報平台的通報編號",
				    "platform_ref is required"), -1;
			if (has(body, "reason"))
				return reply_msg(req, "invalid_field",
				    "reason", "經通報平台通報時不填原因",
				    "reason is for a fallback report"), -1;
		} else if (strcmp(s, "fallback") == 0) {
			/* P11: why the platform could not be used. */
			if (!has(body, "reason"))
				return reply_msg(req, "missing_field",
				    "reason", "請說明無法使用通報平台的原因",
				    "reason is required"), -1;
			if (has(body, "platform_ref"))
				return reply_msg(req, "invalid_field",
				    "platform_ref",
				    "以其他方式通報時沒有平台編號；"
				    "恢復後請補登（backfilled）",
				    "A fallback report has no platform_ref; "
				    "backfill it later"), -1;
		} else
			return reply_msg(req, "invalid_field", "channel",
			    "通報方式須為 platform 或 fallback",
			    "channel must be platform or fallback"), -1;
		return 0;
	case EVENT_AGENCY_NOTIFIED:
		s = json_string_value(json_object_get(body, "agency"));
		if (strcmp(s, in->agency) == 0)
			return reply_msg(req, "invalid_field", "agency",
			    "受通知機關不可為通報機關本身",
			    "The agency cannot notify itself"), -1;
		rc = store_incident_agency(c, s, &ag);
		if (rc == TB_ENOTFOUND)
			return reply_msg(req, "invalid_field", "agency",
			    "機關代碼不存在", "No such agency"), -1;
		if (rc != TB_OK)
			return http_reply_tb_err(req, rc, NULL), -1;
		if (!has(body, "channel"))
			json_object_set_new(body, "channel",
			    json_string("phone"));
		if (!form_valid(FORM_NOTIFY_CHANNEL, json_string_value(
		    json_object_get(body, "channel"))))
			return reply_msg(req, "invalid_field", "channel",
			    "不接受的通知方式", "Not a known channel"), -1;
		return 0;
	case EVENT_TEAM_FORMED:
		return check_objects(req, json_object_get(body, "members"),
		    "members", member_fields, NELEM(member_fields));
	case EVENT_MEETING_HELD:
		if (!has(body, "kind"))
			json_object_set_new(body, "kind",
			    json_string("response"));
		if (event_meeting_kind_from_name(json_string_value(
		    json_object_get(body, "kind")),
		    &(enum event_meeting_kind){ 0 }) != TB_OK)
			return reply_msg(req, "invalid_field", "kind",
			    "會議種類須為 response 或 tracking",
			    "kind must be response or tracking"), -1;
		return check_names(req, json_object_get(body, "attendees"),
		    "attendees", INCIDENT_LINE_MAX, NULL, NULL);
	case EVENT_TRACKING_DESIGNATED:
		if (!has(body, "by"))
			json_object_set_new(body, "by",
			    json_string(req->who->agency));
		rc = store_incident_agency(c, json_string_value(
		    json_object_get(body, "by")), &ag);
		if (rc == TB_ENOTFOUND)
			return reply_msg(req, "invalid_field", "by",
			    "機關代碼不存在", "No such agency"), -1;
		return rc != TB_OK ? http_reply_tb_err(req, rc, NULL), -1 : 0;
	case EVENT_DAMAGE_CONTROLLED:
		return check_objects(req, json_object_get(body, "systems"),
		    "systems", dc_system_fields, NELEM(dc_system_fields));
	case EVENT_EFFECTIVENESS_REPORTED:
		return check_names(req, json_object_get(body, "recipients"),
		    "recipients", INCIDENT_LINE_MAX, NULL, NULL);
	case EVENT_PDPA_ASSESSED:
		at = body_time(body, "notified_at");
		if (at != TBTIME_NONE && at > now)
			return reply_msg(req, "invalid_field", "notified_at",
			    "時間不可晚於現在", "notified_at is in the "
			    "future"), -1;
		return 0;
	case EVENT_CLOSURE_REPORTED:
		return check_names(req, json_object_get(body, "cause"),
		    "cause", 64, ok_cause, NULL);
	default:
		return 0;
	}
}

/* The field a domain refusal of 422 names, and its messages. */
static const struct {
	const char	*reason;
	const char	*code;
	const char	*field;
	const char	*zh;
	const char	*en;
} event_refusals[] = {
	{ "at_in_future", "invalid_field", "at", "時間不可晚於現在",
	    "at is in the future" },
	{ "level_invalid", "invalid_field", "level",
	    "等級須為 1 至 4（學校另可為 0）",
	    "The level must be 1 to 4 (0 only for schools)" },
	{ "agency_missing", "missing_field", "agency", "請填寫機關代碼",
	    "agency is required" },
	{ "incident_closed", "precondition_failed", "type",
	    "事件已結報，不再接受此紀錄",
	    "The incident is closed and no longer takes this event" },
	{ "level_not_approved", "precondition_failed", "type",
	    "通報前須先經資通安全長核定等級（第十點）",
	    "The level must be approved before it is reported (P10)" },
	{ "not_reported", "precondition_failed", "type",
	    "尚未通報，無法審核等級（第十五點）",
	    "There is no report to review yet (P15)" },
	{ "no_fallback_report", "precondition_failed", "type",
	    "沒有以其他方式通報的紀錄，無須補登（第十一點）",
	    "There is no fallback report to backfill (P11)" },
	{ "closure_blocked:report", "precondition_failed", "type",
	    "尚未通報，不能結報", "Nothing was reported; it cannot be "
	    "closed" },
	{ "closure_blocked:backfill_report", "precondition_failed", "type",
	    "尚未於通報平台補登，不能結報（第十一點）",
	    "The fallback report is not backfilled yet (P11)" },
	{ "closure_blocked:response_meeting", "precondition_failed", "type",
	    "尚未召開應變會議，不能結報（第二十點）",
	    "No response meeting was held yet (P20)" },
	{ "closure_blocked:root_cause", "precondition_failed", "type",
	    "尚未完成根因分析，不能結報（第二十八點）",
	    "The root cause is not recorded yet (P28)" },
	{ "closure_blocked:pdpa_assessment", "precondition_failed", "type",
	    "尚未完成個資通知評估，不能結報（第二十三點）",
	    "The personal data assessment is not made yet (P23)" },
	{ "closure_blocked:effectiveness_report", "precondition_failed",
	    "type", "尚未陳報損害控制成效，不能結報（第二十三點）",
	    "The effectiveness report is not sent yet (P23)" },
};

/*
 * Replies to a refusal of incident_event_check(): 422 for a bad field,
 * 409 precondition_failed for a failed precondition, the reason code in
 * error.reason and at the end of the message.
 */
static void
reply_refusal(struct http_req *req, int rc, const char *reason)
{
	const char	*code = rc == TB_ECONFLICT ? "precondition_failed" :
			    "invalid_field";
	const char	*field = NULL, *msg = NULL;
	char		 text[512];
	size_t		 i;

	for (i = 0; i < NELEM(event_refusals); i++)
		if (strcmp(event_refusals[i].reason, reason) == 0) {
			code = event_refusals[i].code;
			field = event_refusals[i].field;
			msg = strcmp(req->lang, "en") == 0 ?
			    event_refusals[i].en : event_refusals[i].zh;
			break;
		}
	if (msg == NULL)
		msg = strcmp(req->lang, "en") == 0 ? "Refused" : "不接受";
	tb_snprintf(text, sizeof(text), "%s (%s)", msg, reason);
	http_reply_json(req, http_error_status(code), json_pack(
	    "{s:{s:s, s:s, s:o, s:s}}", "error", "code", code,
	    "message", text, "field", json_text(field), "reason", reason));
}

/*
 * Whether the caller may post an event of type t on an incident it can
 * see: the role must post that type (REQUIREMENTS "Who may do what"), and
 * the agency's own roles act only within their scope (actable); DoIT's on
 * any; a superior_viewer on what it may read.
 */
static int
event_allowed(const struct http_req *req, enum event_type t, int actable)
{
	unsigned	 held = access_event_roles(t) & req->who->roles;

	if (held & ROLES_DOIT)
		return 1;
	if ((held & ACCESS_ROLES_AGENCY) && actable)
		return 1;
	return (held & ROLE_BIT(ROLE_SUPERIOR_VIEWER)) != 0;
}

/* Adds event e (with its extra parts, taken over) to v in (at, seq)
 * order. */
static int
view_insert_event(struct incident_view *v, const struct event *e,
    struct incident_event_extra *x)
{
	size_t	 i;
	int	 rc;

	if ((rc = view_reserve(v)) != TB_OK)
		return rc;
	for (i = v->nev; i > 0; i--)
		if (v->ev[i - 1].at <= e->at)
			break;
	memmove(&v->ev[i + 1], &v->ev[i], (v->nev - i) * sizeof(*v->ev));
	memmove(&v->x[i + 1], &v->x[i], (v->nev - i) * sizeof(*v->x));
	v->ev[i] = *e;
	v->x[i] = *x;
	v->ev[i].agency = e->type == EVENT_AGENCY_NOTIFIED ? v->x[i].agency :
	    NULL;
	v->nev++;
	if (e->id > v->max_seq)
		v->max_seq = e->id;
	return TB_OK;
}

/* Checks If-Match against version: 0 when absent or equal. */
static int
if_match_ok(const struct http_req *req, int64_t version)
{
	const char	*h = http_header(req, "If-Match");
	char		 want[32];

	if (h == NULL || strcmp(h, "*") == 0)
		return 1;
	if (tb_snprintf(want, sizeof(want), "\"%lld\"", (long long)version)
	    != TB_OK)
		return 0;
	return strcmp(h, want) == 0;
}

int
api_incident_events_create(struct http_req *req)
{
	struct incident_view		 v;
	struct incident_event_extra	 x;
	struct incident_facts		 f;
	struct store_event		 se;
	struct event			 nw;
	struct obligation		*ob = NULL;
	struct store_obligation		*rows = NULL;
	struct store_conn		*c = NULL;
	struct idem			 k;
	const char			*reason, *type, *ref;
	char				 idstr[24], location[64];
	char				*fields = NULL, *text = NULL;
	json_t				*body = NULL, *rest = NULL, *out = NULL;
	json_t				*audit = NULL;
	enum event_type			 t;
	const char			*bad, *code;
	size_t				 nob = 0;
	int64_t				 id = param_id(req), now = tb_now_us();
	int64_t				 version;
	int				 rc, visible, actable, level;

	memset(&v, 0, sizeof(v));
	memset(&x, 0, sizeof(x));
	if (id == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	if (idem_begin(req, NULL, &k) != 0)
		return 0;
	if (http_json_body(req, ev_any, NELEM(ev_any), &body) != TB_OK)
		return 0;
	type = json_string_value(json_object_get(body, "type"));
	if (event_type_from_name(type, &t) != TB_OK) {
		reply_msg(req, "invalid_field", "type",
		    "不是已知的事件紀錄種類", "Not a known event type");
		goto out;
	}
	if (t == EVENT_SIGNED) {
		/* P32: the server computes what a signature covers; a hash
		 * typed by the client would prove nothing (api_record.c). */
		reply_msg(req, "invalid_field", "type",
		    "簽署紀錄請使用 POST /api/v1/incidents/{id}/signatures",
		    "Sign records with POST /api/v1/incidents/{id}/signatures");
		goto out;
	}
	if (json_check(body, ev_fields[t].fields, ev_fields[t].n, &bad,
	    &code) != TB_OK) {
		http_reply_error(req, code, bad, NULL);
		goto out;
	}

	/* Everything else under the writer: the incident and its events are
	 * read, checked and changed in one transaction. */
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (idem_replay(req, c, &k) != 0)
		goto fail;
	if ((rc = incident_view_load(c, id, &v)) != TB_OK ||
	    (rc = incident_access(req, c, &v.in, &visible, &actable)) !=
	    TB_OK)
		goto fail;
	if (!visible) {
		rc = TB_ENOTFOUND;
		goto fail;
	}
	if (!event_allowed(req, t, actable)) {
		store_tx_rollback(c);
		reply_msg(req, "forbidden", "type",
		    "您的角色不能登錄此種紀錄", "Your roles may not record "
		    "this event");
		goto out;
	}
	if (!if_match_ok(req, v.in.version)) {
		store_tx_rollback(c);
		http_reply_error(req, "version_conflict", NULL, NULL);
		goto out;
	}
	if (v.nev >= INCIDENT_EVENTS_MAX) {
		store_tx_rollback(c);
		reply_msg(req, "conflict", NULL, "此事件的紀錄已達上限",
		    "This incident has reached its limit of events");
		goto out;
	}
	if (event_check(req, c, t, body, &v.in, now) != 0 ||
	    closure_event_check(req, c, t, body, &v) != 0) {
		store_tx_rollback(c);
		goto out;
	}

	memset(&nw, 0, sizeof(nw));
	nw.id = v.max_seq + 1;
	nw.type = t;
	nw.at = body_time(body, "at");
	nw.level = (int)json_integer_value(json_object_get(body, "level"));
	if (t == EVENT_REPORTED)
		event_channel_from_name(json_string_value(json_object_get(body,
		    "channel")), &nw.channel);
	if (t == EVENT_MEETING_HELD)
		event_meeting_kind_from_name(json_string_value(
		    json_object_get(body, "kind")), &nw.kind);
	if (t == EVENT_AGENCY_NOTIFIED)
		nw.agency = json_string_value(json_object_get(body, "agency"));
	incident_view_facts(&v, &f);
	if ((rc = incident_event_check(NULL, &f, v.ev, v.nev, &nw, now,
	    &reason)) != TB_OK) {
		store_tx_rollback(c);
		reply_refusal(req, rc, reason);
		goto out;
	}

	/* The event's own fields, without type and at. */
	if ((rest = json_deep_copy(body)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	json_object_del(rest, "type");
	json_object_del(rest, "at");
	if ((fields = json_text_of(rest)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	memset(&se, 0, sizeof(se));
	se.incident = id;
	se.seq = nw.id;
	se.type = type;
	se.at = nw.at;
	se.actor = req->who->user_id;
	se.actor_name = req->who->username;
	se.recorded_at = now;
	se.level = has(body, "level") ? nw.level : -1;
	se.channel = json_string_value(json_object_get(body, "channel"));
	se.kind = json_string_value(json_object_get(body, "kind"));
	se.agency = json_string_value(json_object_get(body, "agency"));
	se.fields = fields;
	ref = json_string_value(json_object_get(body, "platform_ref"));
	if (ref != NULL && (rc = store_platform_ref_claim(c, ref, id,
	    nw.id)) != TB_OK) {
		store_tx_rollback(c);
		if (rc == TB_ECONFLICT)
			reply_msg(req, "conflict", "platform_ref",
			    "此通報編號已用於另一事件",
			    "This report number belongs to another "
			    "incident");
		else
			http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if ((rc = store_event_insert(c, &se)) != TB_OK)
		goto fail;
	/* P12: a notified agency joins the affected ones, and its window may
	 * now read the incident. */
	if (t == EVENT_AGENCY_NOTIFIED && ((rc = store_incident_notify(c, id,
	    nw.agency, nw.at)) != TB_OK || (rc = view_affected_put(&v,
	    nw.agency, nw.at)) != TB_OK))
		goto fail;

	if (tb_strlcpy(x.type, type, sizeof(x.type)) != TB_OK) {
		rc = TB_EINVAL;
		goto fail;
	}
	x.actor = se.actor;
	x.recorded_at = now;
	x.actor_name = strdup(se.actor_name);
	x.fields = fields;
	fields = NULL;
	x.agency = se.agency != NULL ? strdup(se.agency) : NULL;
	if (x.actor_name == NULL || (se.agency != NULL && x.agency == NULL)) {
		rc = TB_ENOMEM;
		goto fail;
	}
	if ((rc = view_insert_event(&v, &nw, &x)) != TB_OK)
		goto fail;
	memset(&x, 0, sizeof(x));

	/* The level in force, the state and every obligation, recomputed. */
	incident_view_facts(&v, &f);
	level = incident_level_at(&f, v.ev, v.nev, INT64_MAX);
	version = v.in.version;
	if ((rc = incident_view_obligations(&v, now, &ob, &nob)) != TB_OK)
		goto fail;
	if (nob > 0 && (rows = obligation_rows(v.in.agency,
	    (int)v.in.exercise, ob, nob)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	if ((rc = store_obligations_replace(c, id, rows, nob)) != TB_OK ||
	    (rc = store_incident_touch(c, id, version, level,
	    incident_state_name(incident_state(v.ev, v.nev)), now)) != TB_OK)
		goto fail;
	v.in.level = level;
	v.in.state = incident_state_name(incident_state(v.ev, v.nev));
	v.in.updated_at = now;
	v.in.version = version + 1;

	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	if ((audit = json_pack("{s:I, s:s, s:o, s:O}", "seq",
	    (json_int_t)nw.id, "type", type, "at", json_time(nw.at),
	    "fields", rest)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	if ((rc = auth_audit(req, c, "incident.event", "incident", idstr,
	    v.in.agency, NULL, audit)) != TB_OK ||
	    /* Its people are told in the same transaction (issue 6); the
	     * event's seq names the change, so a retry tells nobody twice.
	     * The obligations just stored are handed over, not read back. */
	    (rc = notify_incident_stored(c, id, nw.id, type,
	    req->who->username, req->who->user_id, rows, nob)) != TB_OK)
		goto fail;
	if ((out = incident_view_json(&v, ob, nob)) == NULL ||
	    (text = json_dumps(out, JSON_COMPACT)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(location, sizeof(location), "/api/v1/incidents/%lld",
	    (long long)id);
	if ((rc = idem_record(req, c, &k, 201, location, text, now)) !=
	    TB_OK || (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	closure_reply_text(req, 201, text, location, v.in.version);
	goto out;
fail:
	store_tx_rollback(c);
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL)
		store_release(c);
	view_extra_free(&x);
	incident_view_cleanup(&v);
	free(rows);
	deadline_free(ob);
	free(fields);
	free(text);
	json_decref(audit);
	json_decref(out);
	json_decref(rest);
	json_decref(body);
	return 0;
}
