/*
 * api_notify.c: what the outbox shows (issue 6): the delivery state of an
 * incident's messages, DoIT's dead letters and retrying them, each
 * person's notification preferences, and DoIT's reachability checks of the
 * contact windows and deputies (P7) with the public confirmation page.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/incident.h"
#include "api/notify.h"
#include "domain/domain.h"
#include "notify/notify.h"
#include "store/store.h"
#include "util/secret.h"

/* CONVENTIONS: lists take ?limit= (default 50, at most 500). */
#define LIST_LIMIT_DEFAULT	50
#define LIST_LIMIT_MAX		500
/* Characters of a confirmation token: 32 random bytes in base64url. */
#define REACH_TOKEN_CHARS	43
/* Recipients one test request may name. */
#define TEST_USERS_MAX		50

/* A time as the API shows it, or null. */
static json_t *
json_time(int64_t t)
{
	char	 b[TBTIME_RFC3339_SIZE];

	if (t <= 0 || t == TBTIME_NONE || tbtime_format(t, b, sizeof(b)) !=
	    TB_OK)
		return json_null();
	return json_string(b);
}

static json_t *
json_text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A path parameter that must be a positive id; 0 when it is not one. */
static int64_t
param_id(struct http_req *req, const char *name)
{
	char	 b[32];
	int64_t	 v;

	if (http_param(req, name, b, sizeof(b)) != TB_OK ||
	    parse_i64(b, 1, INT64_MAX, &v) != TB_OK)
		return 0;
	return v;
}

/* One message as the API shows it.  A webhook's URL is not shown: it may
 * hold a credential of the chat system. */
static json_t *
message_json(const struct store_outbox *m, int with_body)
{
	int	 done = strcmp(m->state, "sent") == 0 ||
		    strcmp(m->state, "dead") == 0;
	json_t	*o;

	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:o,"
	    " s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)m->id,
	    "idempotency_key", m->idempotency_key,
	    "kind", m->kind,
	    "channel", m->channel,
	    "recipient", m->recipient_id > 0 ? json_pack("{s:I, s:s?, s:s?}",
	    "id", (json_int_t)m->recipient_id, "username",
	    m->recipient_username, "name", m->recipient_name) : json_null(),
	    "address", strcmp(m->channel, "email") == 0 ?
	    json_text(m->address) : json_null(),
	    "subject", m->subject,
	    "state", m->state,
	    "attempts", (json_int_t)m->attempts,
	    "created_at", json_time(m->created_at),
	    "next_attempt_at", done ? json_null() :
	    json_time(m->next_attempt_at),
	    "sent_at", json_time(m->sent_at),
	    "last_error", json_text(m->last_error),
	    "incident_id", m->incident_id > 0 ?
	    json_integer((json_int_t)m->incident_id) : json_null());
	if (o != NULL && with_body)
		json_object_set_new(o, "body_text", json_string(m->body_text));
	return o;
}

/* ?limit= and ?cursor= ("created_at.id") of a message list; replies and
 * returns -1 when either is bad. */
static int
page_query(struct http_req *req, struct store_outbox_page *pg)
{
	char		 b[64], *dot;
	int64_t		 v;
	int		 rc;

	pg->limit = LIST_LIMIT_DEFAULT;
	pg->after_created = INT64_MIN;
	pg->after_id = 0;
	rc = http_query(req, "limit", b, sizeof(b));
	if (rc == TB_OK && parse_i64(b, 1, LIST_LIMIT_MAX, &pg->limit) !=
	    TB_OK)
		rc = TB_EINVAL;
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_error(req, "invalid_query", "limit", NULL);
		return -1;
	}
	rc = http_query(req, "cursor", b, sizeof(b));
	if (rc == TB_ENOTFOUND)
		return 0;
	if (rc != TB_OK || (dot = strchr(b, '.')) == NULL ||
	    parse_i64_n(b, (size_t)(dot - b), INT64_MIN + 1, INT64_MAX, &v)
	    != TB_OK || parse_i64(dot + 1, 1, INT64_MAX, &pg->after_id) !=
	    TB_OK) {
		http_reply_error(req, "invalid_query", "cursor", NULL);
		return -1;
	}
	pg->after_created = v;
	return 0;
}

struct list_ctx {
	json_t		*items;
	int64_t		 limit;
	int64_t		 n;
	int64_t		 last_created, last_id;
	int		 more;
};

static int
list_cb(void *arg, const struct store_outbox *m)
{
	struct list_ctx	*x = arg;
	json_t		*o;

	if (x->n == x->limit) {
		x->more = 1;
		return 1;	/* one past the page: there is a next one */
	}
	if ((o = message_json(m, 0)) == NULL)
		return TB_ENOMEM;
	json_array_append_new(x->items, o);
	x->n++;
	x->last_created = m->created_at;
	x->last_id = m->id;
	return TB_OK;
}

/* Runs a page query and replies with {"items", "next_cursor"}. */
static int
reply_page(struct http_req *req, struct store_conn *c,
    struct store_outbox_page *pg)
{
	struct list_ctx	 x;
	char		 cur[64];
	int		 rc;

	memset(&x, 0, sizeof(x));
	x.limit = pg->limit;
	pg->limit++;
	if ((x.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	rc = store_outbox_list(c, pg, list_cb, &x);
	if (rc != TB_OK && rc != 1) {
		json_decref(x.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	if (x.more)
		(void)tb_snprintf(cur, sizeof(cur), "%lld.%lld",
		    (long long)x.last_created, (long long)x.last_id);
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "items",
	    x.items, "next_cursor", x.more ? json_string(cur) :
	    json_null()));
}

int
api_notify_incident_list(struct http_req *req)
{
	struct store_incident		 in;
	struct store_outbox_page	 pg;
	struct store_conn		*c;
	int64_t				 id = param_id(req, "id");
	int				 rc, visible = 0, actable = 0;

	if (id == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	memset(&pg, 0, sizeof(pg));
	if (page_query(req, &pg) < 0)
		return 0;
	pg.incident_id = id;
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	/* Whoever may read the incident may read what was sent about it
	 * (incident_access(): its agency's subtree, a vendor's own report,
	 * a window notified under P12); outside that it does not exist
	 * (CONVENTIONS: 404, not 403). */
	if ((rc = store_incident_get(c, id, &in)) == TB_OK) {
		rc = incident_access(req, c, &in, &visible, &actable);
		store_incident_cleanup(&in);
	}
	if (rc == TB_OK && !visible)
		rc = TB_ENOTFOUND;
	if (rc == TB_OK)
		rc = reply_page(req, c, &pg);
	else
		http_reply_tb_err(req, rc, NULL);
	store_release(c);
	return 0;
}

int
api_notify_dead_list(struct http_req *req)
{
	struct store_outbox_page	 pg;
	struct store_conn		*c;
	int				 rc;

	memset(&pg, 0, sizeof(pg));
	if (page_query(req, &pg) < 0)
		return 0;
	pg.state = "dead";
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	reply_page(req, c, &pg);
	store_release(c);
	return 0;
}

static int
one_cb(void *arg, const struct store_outbox *m)
{
	json_t	**out = arg;

	*out = message_json(m, 1);
	return *out != NULL ? TB_OK : TB_ENOMEM;
}

int
api_notify_get(struct http_req *req)
{
	struct store_conn	*c;
	json_t			*o = NULL;
	int64_t			 id = param_id(req, "id");
	int			 rc;

	if (id == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = store_outbox_get(c, id, one_cb, &o);
	store_release(c);
	if (rc != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	return http_reply_json(req, 200, o);
}

int
api_notify_retry(struct http_req *req)
{
	struct store_conn	*c;
	json_t			*o = NULL;
	int64_t			 id = param_id(req, "id");
	char			 idstr[24];
	int			 rc;

	if (id == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	(void)tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	if ((rc = store_write(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if ((rc = store_tx_begin(c)) != TB_OK ||
	    (rc = store_outbox_retry(c, id, tb_now_us())) != TB_OK ||
	    (rc = auth_audit(req, c, "notification.retry", "notification",
	    idstr, NULL, NULL, NULL)) != TB_OK ||
	    (rc = store_outbox_get(c, id, one_cb, &o)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		store_tx_rollback(c);
		store_release(c);
		json_decref(o);
		/* Not dead (or no such message): nothing to retry. */
		return rc == TB_ENOTFOUND ? http_reply_error(req, "conflict",
		    NULL, NULL) : http_reply_tb_err(req, rc, NULL);
	}
	store_release(c);
	notify_kick();
	return http_reply_json(req, 200, o);
}

/* ---- preferences ------------------------------------------------------ */

static json_t *
prefs_json(const struct store_notify_prefs *p)
{
	return json_pack("{s:b, s:b, s:o, s:o}", "email", p->email,
	    "webhook", p->webhook, "locale", p->locale[0] != '\0' ?
	    json_string(p->locale) : json_null(), "updated_at",
	    json_time(p->updated_at));
}

int
api_notify_prefs_get(struct http_req *req)
{
	struct store_notify_prefs	 p;
	struct store_conn		*c;
	int				 rc;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = store_notify_prefs_get(c, req->who->user_id, &p);
	store_release(c);
	if (rc != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	return http_reply_json(req, 200, prefs_json(&p));
}

int
api_notify_prefs_patch(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "email", JF_BOOL, 0, 0, 0 },
		{ "webhook", JF_BOOL, 0, 0, 0 },
		/* "" follows the account's language. */
		{ "locale", JF_STRING, 0, 0, 5 },
	};
	struct store_notify_prefs	 p;
	struct store_conn		*c = NULL;
	json_t				*body, *v;
	json_t				*before = NULL, *after = NULL;
	char				 uid[24];
	int				 rc;

	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	v = json_object_get(body, "locale");
	if (v != NULL && strcmp(json_string_value(v), "zh-TW") != 0 &&
	    strcmp(json_string_value(v), "en") != 0 &&
	    json_string_length(v) != 0) {
		http_reply_error(req, "invalid_field", "locale", NULL);
		goto out;
	}
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK ||
	    (rc = store_notify_prefs_get(c, req->who->user_id, &p)) != TB_OK)
		goto fail;
	before = prefs_json(&p);
	if ((v = json_object_get(body, "email")) != NULL)
		p.email = json_is_true(v);
	if ((v = json_object_get(body, "webhook")) != NULL)
		p.webhook = json_is_true(v);
	if ((v = json_object_get(body, "locale")) != NULL)
		(void)tb_strlcpy(p.locale, json_string_value(v),
		    sizeof(p.locale));
	p.updated_at = tb_now_us();
	after = prefs_json(&p);
	(void)tb_snprintf(uid, sizeof(uid), "%lld",
	    (long long)req->who->user_id);
	if ((rc = store_notify_prefs_put(c, &p)) != TB_OK ||
	    (rc = auth_audit(req, c, "notify_prefs.update", "user", uid,
	    req->who->agency, before, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	http_reply_json(req, 200, json_incref(after));
	goto out;
fail:
	if (c != NULL)
		store_tx_rollback(c);
	http_reply_tb_err(req, rc, NULL);
out:
	store_release(c);
	json_decref(before);
	json_decref(after);
	json_decref(body);
	return 0;
}

/* ---- reachability checks (P7) ----------------------------------------- */

/* One person asked to confirm. */
struct reach_target {
	int64_t		 user_id;
	char		 agency[64];
	char		 kind[8];
};

struct reach_ctx {
	struct reach_target	*t;
	size_t			 n, cap;
};

static void
reach_add(struct reach_ctx *x, int64_t user, const char *agency,
    const char *kind)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->t[i].user_id == user)
			return;
	if (x->n == x->cap ||
	    tb_strlcpy(x->t[x->n].agency, agency, sizeof(x->t[0].agency)) !=
	    TB_OK)
		return;
	x->t[x->n].user_id = user;
	(void)tb_strlcpy(x->t[x->n].kind, kind, sizeof(x->t[0].kind));
	x->n++;
}

static int
reach_roster_cb(void *arg, int64_t user, const char *agency,
    const char *kind)
{
	reach_add(arg, user, agency, kind);
	return TB_OK;
}

static int
reach_role_cb(void *arg, int64_t user, const char *agency)
{
	/* Without a roster entry the role says window or deputy no more
	 * precisely than "contact window". */
	reach_add(arg, user, agency, "window");
	return TB_OK;
}

/* Every window and deputy in force: the roster's, then the holders of
 * the contact_window role it does not name. */
static int
reach_targets(struct store_conn *c, int64_t now, struct reach_ctx *x)
{
	int	 rc;

	if ((rc = store_notify_windows(c, NULL, now, reach_roster_cb, x)) !=
	    TB_OK)
		return rc;
	return store_notify_role_holders(c, NULL, "contact_window",
	    reach_role_cb, x);
}

static json_t *
reach_check_json(const struct store_reach_check *k, const char *note,
    int64_t total, int64_t confirmed)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:I, s:I}",
	    "id", (json_int_t)k->id, "created_at", json_time(k->created_at),
	    "expires_at", json_time(k->expires_at), "note", json_text(note),
	    "total", (json_int_t)total, "confirmed", (json_int_t)confirmed);
}

/* Writes the targets, their tokens and their messages. */
static int
reach_send(struct http_req *req, struct store_conn *c,
    const struct store_reach_check *k, const char *note,
    struct reach_ctx *x)
{
	struct store_notify_agency	 ag;
	struct notify_request		 r;
	json_t				**uv, *vars;
	int64_t				*ids;
	char				 token[SECRET_TOKEN_LEN(32)], hash[65];
	char				 link[512], key[48];
	int				 rc = TB_OK;

	uv = calloc(x->n + 1, sizeof(*uv));
	ids = calloc(x->n + 1, sizeof(*ids));
	vars = json_pack("{s:I, s:s?}", "expires_at",
	    (json_int_t)k->expires_at, "note", note);
	if (uv == NULL || ids == NULL || vars == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	memset(&ag, 0, sizeof(ag));
	for (size_t i = 0; i < x->n; i++) {
		const struct reach_target *t = &x->t[i];

		/* Targets come by agency: one lookup per agency. */
		if (strcmp(ag.code, t->agency) != 0 &&
		    (rc = store_notify_agency(c, t->agency, &ag)) != TB_OK)
			goto out;
		secret_token(token, 32);
		auth_token_hash(token, hash);
		if ((rc = tb_snprintf(link, sizeof(link),
		    "%s/api/v1/reachability/%s", req->app->origin, token)) !=
		    TB_OK ||
		    (rc = store_reach_target_insert(c, k->id, t->user_id,
		    t->agency, t->kind, hash, k->created_at)) != TB_OK)
			goto out;
		ids[i] = t->user_id;
		uv[i] = json_pack("{s:s, s:s, s:s}", "link", link,
		    "contact_kind", t->kind, "agency_name", ag.name);
		if (uv[i] == NULL) {
			rc = TB_ENOMEM;
			goto out;
		}
	}
	if ((rc = tb_snprintf(key, sizeof(key), "reach.%lld",
	    (long long)k->id)) != TB_OK)
		goto out;
	memset(&r, 0, sizeof(r));
	r.key = key;
	r.kind = NOTIFY_KIND_REACH;
	r.users = ids;
	r.nusers = x->n;
	r.vars = vars;
	r.user_vars = uv;
	r.now = k->created_at;
	rc = notify_enqueue(c, &r, NULL);
out:
	secret_wipe(token, sizeof(token));
	for (size_t i = 0; uv != NULL && i < x->n; i++)
		json_decref(uv[i]);
	free(uv);
	free(ids);
	json_decref(vars);
	return rc;
}

int
api_reach_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "note", JF_TEXT, 0, 1, REACH_NOTE_MAX },
		{ "expires_hours", JF_INT, 0, 1, REACH_TTL_HOURS_MAX },
	};
	struct store_reach_check	 k;
	struct reach_ctx		 x;
	struct store_conn		*c = NULL;
	json_t				*body, *v, *out = NULL;
	const char			*note;
	char				 idstr[24], location[96];
	int64_t				 hours = REACH_TTL_HOURS_DEFAULT;
	int				 rc;

	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	memset(&x, 0, sizeof(x));
	x.cap = NOTIFY_RECIPIENTS_MAX;
	if ((x.t = calloc(x.cap, sizeof(*x.t))) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	note = json_string_value(json_object_get(body, "note"));
	if ((v = json_object_get(body, "expires_hours")) != NULL)
		hours = (int64_t)json_integer_value(v);
	memset(&k, 0, sizeof(k));
	k.id = store_new_id();
	k.created_at = tb_now_us();
	k.created_by = req->who->user_id;
	k.expires_at = k.created_at + hours * 3600 * INT64_C(1000000);
	k.note = note;
	(void)tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)k.id);
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK ||
	    (rc = reach_targets(c, k.created_at, &x)) != TB_OK ||
	    (rc = store_reach_check_insert(c, &k)) != TB_OK ||
	    (rc = reach_send(req, c, &k, note, &x)) != TB_OK)
		goto fail;
	out = reach_check_json(&k, note, (int64_t)x.n, 0);
	if (out == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	if ((rc = auth_audit(req, c, "reachability_check.create",
	    "reachability_check", idstr, NULL, NULL, out)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	(void)tb_snprintf(location, sizeof(location),
	    "/api/v1/contacts/reachability-checks/%s", idstr);
	http_reply_json(req, 201, out);
	out = NULL;
	http_reply_header(req, "Location", location);
	goto done;
fail:
	if (c != NULL)
		store_tx_rollback(c);
	http_reply_tb_err(req, rc, NULL);
done:
	store_release(c);
	json_decref(out);
	json_decref(body);
	free(x.t);
	return 0;
}

static int
reach_note_cb(void *arg, const struct store_reach_check *k)
{
	json_t	**note = arg;

	*note = json_text(k->note);
	return TB_OK;
}

static int
reach_person_cb(void *arg, const struct store_reach_target *t)
{
	json_t	*list = arg;

	return json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s,"
	    " s:s, s:s, s:o}", "user_id", (json_int_t)t->user_id,
	    "username", t->username, "name", t->name, "agency", t->agency,
	    "agency_name", t->agency_name, "contact_kind", t->kind,
	    "sent_at", json_time(t->sent_at))) == 0 ? TB_OK : TB_ENOMEM;
}

int
api_reach_get(struct http_req *req)
{
	struct store_reach_check	 k;
	struct store_conn		*c;
	json_t				*note = NULL, *list, *out;
	int64_t				 id = param_id(req, "id");
	int64_t				 total = 0, confirmed = 0;
	int				 rc;

	if (id == 0)
		return http_reply_error(req, "not_found", NULL, NULL);
	if ((list = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		json_decref(list);
		return http_reply_tb_err(req, rc, NULL);
	}
	/* One snapshot for the counts and the list. */
	if ((rc = store_tx_begin(c)) == TB_OK) {
		if ((rc = store_reach_check_get(c, id, &k, &total, &confirmed,
		    reach_note_cb, &note)) == TB_OK)
			rc = store_reach_targets(c, id, 1, reach_person_cb,
			    list);
		store_tx_rollback(c);
	}
	store_release(c);
	if (rc != TB_OK) {
		json_decref(note);
		json_decref(list);
		return http_reply_tb_err(req, rc, NULL);
	}
	out = reach_check_json(&k, NULL, total, confirmed);
	if (out == NULL) {
		json_decref(note);
		json_decref(list);
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	}
	json_object_set_new(out, "note", note != NULL ? note : json_null());
	json_object_set_new(out, "not_confirmed", list);
	return http_reply_json(req, 200, out);
}

/* What the confirmation page says about the person. */
struct reach_seen {
	int		 found;
	int64_t		 check_id, user_id;
	char		 username[64];
	char		 name[512];
	char		 agency[64];
	char		 agency_name[512];
	char		 kind[8];
	int64_t		 confirmed_at, expires_at;
};

static int
reach_seen_cb(void *arg, const struct store_reach_target *t)
{
	struct reach_seen	*s = arg;

	s->found = 1;
	s->check_id = t->check_id;
	s->user_id = t->user_id;
	(void)tb_strlcpy(s->username, t->username, sizeof(s->username));
	(void)tb_strlcpy(s->name, t->name, sizeof(s->name));
	(void)tb_strlcpy(s->agency, t->agency, sizeof(s->agency));
	(void)tb_strlcpy(s->agency_name, t->agency_name,
	    sizeof(s->agency_name));
	(void)tb_strlcpy(s->kind, t->kind, sizeof(s->kind));
	s->confirmed_at = t->confirmed_at;
	s->expires_at = t->expires_at;
	return TB_OK;
}

/* Appends s escaped for HTML. */
static void
html_add(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			(void)buf_adds(b, "&amp;");
			break;
		case '<':
			(void)buf_adds(b, "&lt;");
			break;
		case '>':
			(void)buf_adds(b, "&gt;");
			break;
		case '"':
			(void)buf_adds(b, "&quot;");
			break;
		default:
			(void)buf_add(b, s, 1);
		}
	}
}

/*
 * The small page the link opens, in zh-TW with an English line.  Nothing
 * inline (the CSP forbids it): the site's own stylesheet, no script.
 */
static int
reach_page(struct http_req *req, int status, const struct reach_seen *s)
{
	struct buf	 b;
	char		 at[TBTIME_RFC3339_SIZE];
	int		 rc;

	buf_init(&b, 16 * 1024);
	(void)buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"zh-Hant-TW\">\n"
	    "<head><meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"robots\" content=\"noindex\">\n"
	    "<title>聯絡窗口可達性確認｜通報</title>\n"
	    "<link rel=\"stylesheet\" href=\"/css/app.css\">\n</head>\n"
	    "<body>\n<main id=\"main\" class=\"reach\">\n");
	if (status == 200) {
		if (tbtime_format(s->confirmed_at, at, sizeof(at)) != TB_OK)
			at[0] = '\0';
		(void)buf_adds(&b, "<h1>已確認收到</h1>\n<p>");
		html_add(&b, s->name);
		(void)buf_adds(&b, "（");
		html_add(&b, s->agency_name);
		(void)buf_adds(&b, strcmp(s->kind, "deputy") == 0 ?
		    "通報窗口代理人" : "通報窗口");
		(void)buf_adds(&b, "）您好：您的確認已於 <time datetime=\"");
		html_add(&b, at);
		(void)buf_adds(&b, "\">");
		at[10] = ' ';
		at[16] = '\0';
		html_add(&b, at);
		(void)buf_adds(&b, "</time> 記錄，謝謝您。</p>\n"
		    "<p lang=\"en\">Confirmed: thank you, DoIT now knows this "
		    "contact reaches you.</p>\n");
	} else if (status == 410)
		(void)buf_adds(&b, "<h1>確認連結已過期</h1>\n"
		    "<p>這次確認已經結束，請與資訊局聯繫。</p>\n"
		    "<p lang=\"en\">This check has ended; please contact "
		    "DoIT.</p>\n");
	else
		(void)buf_adds(&b, "<h1>確認連結無效</h1>\n"
		    "<p>請確認連結是否完整，或與資訊局聯繫。</p>\n"
		    "<p lang=\"en\">This link is not valid; check that it is "
		    "complete, or contact DoIT.</p>\n");
	if ((rc = buf_adds(&b, "</main>\n</body>\n</html>\n")) != TB_OK) {
		buf_free(&b);
		return http_reply_tb_err(req, rc, NULL);
	}
	http_reply_copy(req, status, "text/html; charset=utf-8", buf_str(&b),
	    b.len);
	http_reply_header(req, "Cache-Control", "no-store");
	buf_free(&b);
	return 0;
}

/* 1 when s looks like a token: REACH_TOKEN_CHARS of base64url. */
static int
token_shaped(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return i == REACH_TOKEN_CHARS;
}

int
api_reach_confirm(struct http_req *req)
{
	struct reach_seen	 s;
	struct store_conn	*c;
	json_t			*after = NULL;
	char			 token[64], hash[65], obj[48];
	int64_t			 now = tb_now_us();
	int			 rc, changed = 0;

	memset(&s, 0, sizeof(s));
	/* HEAD (a link checker, a mail scanner) looks and changes nothing:
	 * only a person opening the page confirms. */
	if (strcmp(req->method, "HEAD") == 0)
		return reach_page(req, 404, &s);
	if (http_param(req, "token", token, sizeof(token)) != TB_OK ||
	    !token_shaped(token))
		return reach_page(req, 404, &s);
	auth_token_hash(token, hash);
	secret_wipe(token, sizeof(token));
	if ((rc = store_write(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if ((rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	rc = store_reach_confirm(c, hash, now, &changed, reach_seen_cb, &s);
	if (rc == TB_ENOTFOUND) {
		store_tx_rollback(c);
		store_release(c);
		return reach_page(req, 404, &s);
	}
	if (rc != TB_OK)
		goto fail;
	/* No change without its audit entry; a repeat changes nothing. */
	if (changed) {
		(void)tb_snprintf(obj, sizeof(obj), "%lld.%lld",
		    (long long)s.check_id, (long long)s.user_id);
		after = json_pack("{s:s, s:s, s:o}", "username", s.username,
		    "contact_kind", s.kind, "confirmed_at",
		    json_time(s.confirmed_at));
		if ((rc = auth_audit(req, c, "reachability.confirm",
		    "reachability_confirmation", obj, s.agency, NULL, after))
		    != TB_OK)
			goto fail;
	}
	if ((rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	store_release(c);
	json_decref(after);
	return reach_page(req, s.confirmed_at > 0 ? 200 : 410, &s);
fail:
	store_tx_rollback(c);
	store_release(c);
	json_decref(after);
	return http_reply_tb_err(req, rc, NULL);
}

/* ---- the test route --------------------------------------------------- */

struct test_ctx {
	json_t		*list;
};

static int
test_msg_cb(void *arg, const struct store_outbox *m)
{
	struct test_ctx	*x = arg;

	return json_array_append_new(x->list, json_pack("{s:I, s:s, s:s,"
	    " s:I}", "id", (json_int_t)m->id, "idempotency_key",
	    m->idempotency_key, "channel", m->channel, "recipient_id",
	    (json_int_t)m->recipient_id)) == 0 ? TB_OK : TB_ENOMEM;
}

int
api_notify_test(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "key", JF_STRING, 1, 1, 100 },
		{ "usernames", JF_ARRAY, 1, 1, TEST_USERS_MAX },
		{ "subject", JF_STRING, 1, 1, 200 },
		{ "text", JF_TEXT, 1, 1, 5000 },
		{ "incident_id", JF_INT, 0, 1, INT64_MAX },
	};
	static const char *const channels[] = { "email", "webhook" };
	struct notify_request	 r;
	struct store_login	 u;
	struct store_conn	*c = NULL;
	struct test_ctx		 x;
	json_t			*body, *names, *v, *vars = NULL;
	int64_t			 ids[TEST_USERS_MAX];
	char			 mkey[NOTIFY_KEY_MAX + 64];
	size_t			 i, n = 0, queued = 0;
	int			 rc;

	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	x.list = json_array();
	names = json_object_get(body, "usernames");
	vars = json_pack("{s:O, s:O}", "subject", json_object_get(body,
	    "subject"), "text", json_object_get(body, "text"));
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	json_array_foreach(names, i, v) {
		if (!json_is_string(v) || store_login_by_name(c,
		    json_string_value(v), &u) != TB_OK) {
			store_tx_rollback(c);
			http_reply_error(req, "invalid_field", "usernames",
			    NULL);
			goto out;
		}
		ids[n++] = u.id;
	}
	memset(&r, 0, sizeof(r));
	r.key = json_string_value(json_object_get(body, "key"));
	r.kind = NOTIFY_KIND_TEST;
	r.incident_id = (int64_t)json_integer_value(json_object_get(body,
	    "incident_id"));
	r.users = ids;
	r.nusers = n;
	r.vars = vars;
	r.now = tb_now_us();
	if ((rc = notify_enqueue(c, &r, &queued)) == TB_EINVAL) {
		store_tx_rollback(c);
		http_reply_error(req, "invalid_field", "key", NULL);
		goto out;
	}
	if (rc != TB_OK)
		goto fail;
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < 2; k++) {
			if ((rc = tb_snprintf(mkey, sizeof(mkey),
			    "%s.%s.%lld", r.key, channels[k],
			    (long long)ids[i])) != TB_OK)
				goto fail;
			rc = store_outbox_get_key(c, mkey, test_msg_cb, &x);
			if (rc != TB_OK && rc != TB_ENOTFOUND)
				goto fail;
		}
	if ((rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	http_reply_json(req, 201, json_pack("{s:I, s:O}", "queued",
	    (json_int_t)queued, "messages", x.list));
	goto out;
fail:
	if (c != NULL)
		store_tx_rollback(c);
	http_reply_tb_err(req, rc, NULL);
out:
	store_release(c);
	json_decref(x.list);
	json_decref(vars);
	json_decref(body);
	return 0;
}
