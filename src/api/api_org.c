/*
 * api_org.c: agencies (P2) and the people who work for them (issue 3).
 *
 * DoIT administers agencies; doit_admin manages every person, and an
 * agency's CISO the people of its own subtree, without handing out DoIT's
 * or a superior agency's roles.  Every change is audited with the record
 * before and after; password hashes never leave the store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/org.h"
#include "domain/domain.h"
#include "util/secret.h"

/* Roles only DoIT hands out: a CISO may grant the agency's own roles. */
#define ORG_ROLES_CITY	(ROLES_DOIT | ROLE_BIT(ROLE_SUPERIOR_VIEWER))
/* Room for an ETag: a quoted 64-bit number. */
#define ORG_ETAG_SIZE	24

/* --- shared helpers (org.h) ----------------------------------------- */

const char *
org_msg(const struct http_req *req, const char *zh, const char *en)
{
	return req->lang != NULL && strcmp(req->lang, "en") == 0 ? en : zh;
}

json_t *
org_time_json(int64_t t)
{
	char	 buf[TBTIME_RFC3339_SIZE + 8];

	if (t == STORE_TIME_NONE || tbtime_format(t, buf, sizeof(buf)) != TB_OK)
		return json_null();
	return json_string(buf);
}

int
org_vendor_only(const struct http_req *req)
{
	return auth_has_role(req, ROLE_VENDOR) &&
	    (req->who->roles & ROLES_DOIT) == 0;
}

int
org_agency_readable(struct http_req *req, struct store_conn *c,
    const char *code, int *ok)
{
	*ok = 0;
	if (req->who == NULL)
		return TB_OK;
	/* P13: a vendor reports to the agency it serves and sees nothing
	 * else, not even that agency's subtree. */
	if (org_vendor_only(req)) {
		*ok = strcmp(code, req->who->agency) == 0;
		return TB_OK;
	}
	return auth_agency_visible(req, c, code, ok);
}

int
org_page_query(struct http_req *req, int64_t *limit, char *cursor,
    size_t cursor_size)
{
	char	 q[32];
	int	 rc;

	*limit = ORG_LIMIT_DEFAULT;
	cursor[0] = '\0';
	if ((rc = http_query(req, "limit", q, sizeof(q))) == TB_OK) {
		if (parse_i64(q, 1, ORG_LIMIT_MAX, limit) != TB_OK)
			rc = TB_EINVAL;
	} else if (rc == TB_ENOTFOUND)
		rc = TB_OK;
	if (rc != TB_OK) {
		http_reply_error(req, "invalid_query", "limit", NULL);
		return 1;
	}
	rc = http_query(req, "cursor", cursor, cursor_size);
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_error(req, "invalid_query", "cursor", NULL);
		return 1;
	}
	if (rc == TB_ENOTFOUND)
		cursor[0] = '\0';
	return 0;
}

/* --- small helpers --------------------------------------------------- */

/* A string field of body, or NULL when absent (or null). */
static const char *
body_str(json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

/* NULL for "", so that empty optional text is stored as NULL. */
static const char *
nz(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static int
reply_invalid(struct http_req *req, const char *field, const char *zh,
    const char *en)
{
	return http_reply_error(req, "invalid_field", field,
	    org_msg(req, zh, en));
}

/* The ETag of a record: its updated_at, which every change moves on. */
static void
etag_of(int64_t updated_at, char out[ORG_ETAG_SIZE])
{
	if (tb_snprintf(out, ORG_ETAG_SIZE, "\"%lld\"",
	    (long long)updated_at) != TB_OK)
		out[0] = '\0';
}

/* 1 when an If-Match header names another version than updated_at. */
static int
stale(const struct http_req *req, int64_t updated_at)
{
	const char	*h = http_header(req, "If-Match");
	char		 etag[ORG_ETAG_SIZE];

	if (h == NULL || strcmp(h, "*") == 0)
		return 0;
	etag_of(updated_at, etag);
	return strcmp(h, etag) != 0;
}

/* A change's time: now, but always after the record's last one, so that
 * the ETag moves even when two changes share a microsecond. */
static int64_t
change_time(int64_t updated_at)
{
	int64_t	 now = tb_now_us();

	return now > updated_at ? now : updated_at + 1;
}

/* --- agencies --------------------------------------------------------- */

/* The stored fields of an agency, as the API and the audit trail show
 * them; a new reference. */
static json_t *
agency_record_json(const struct store_agency_rec *a)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s, s:b, s:b, "
	    "s:b, s:o, s:o}",
	    "code", a->code, "name", a->name, "name_en", nz(a->name_en),
	    "type", a->type, "superior", nz(a->superior),
	    "supervisor", nz(a->supervisor),
	    "responsibility_level", a->responsibility_level,
	    "reports_to_central", (int)a->reports_to_central,
	    "uses_city_mail", (int)a->uses_city_mail,
	    "active", (int)a->active,
	    "created_at", org_time_json(a->created_at),
	    "updated_at", org_time_json(a->updated_at));
}

/* The agency with its roster summary (P5-P9), as GET answers it. */
static int
agency_json(struct store_conn *c, const struct store_agency_rec *a,
    int64_t now, json_t **out)
{
	struct org_roster_facts	 f;
	json_t			*o;
	int			 rc;

	*out = NULL;
	if ((rc = org_roster_facts(c, a, now, &f)) != TB_OK)
		return rc;
	if ((o = agency_record_json(a)) == NULL)
		return TB_ENOMEM;
	json_object_set_new(o, "dedicated_staff_required",
	    json_integer(f.dedicated_required));
	json_object_set_new(o, "dedicated_staff_count",
	    json_integer(f.st.dedicated_count));
	json_object_set_new(o, "dedicated_vacant", json_boolean(f.flags &
	    ROSTER_FLAG_DEDICATED_VACANT));
	json_object_set_new(o, "has_window", json_boolean(f.st.has_window));
	json_object_set_new(o, "deputy_count", json_integer(f.st.deputies));
	json_object_set_new(o, "deputy_ready_count",
	    json_integer(f.st.deputies_ready));
	json_object_set_new(o, "deputy_ready", json_boolean(!(f.flags &
	    ROSTER_FLAG_DEPUTY_NOT_READY)));
	json_object_set_new(o, "flags", org_flags_json(f.flags));
	*out = o;
	return TB_OK;
}

/* The write form of a record read; its strings point into a. */
static void
agency_from_rec(const struct store_agency_rec *a, struct store_agency *w)
{
	memset(w, 0, sizeof(*w));
	w->code = a->code;
	w->name = a->name;
	w->name_en = nz(a->name_en);
	w->type = a->type;
	w->superior = nz(a->superior);
	w->supervisor = nz(a->supervisor);
	w->responsibility_level = a->responsibility_level;
	w->reports_to_central = a->reports_to_central;
	w->uses_city_mail = a->uses_city_mail;
	w->active = a->active;
	w->created_at = a->created_at;
	w->updated_at = a->updated_at;
}

/* The tree loaded for roster_tree_check(), with copies of the codes. */
struct tree_load {
	struct roster_node	*nodes;
	size_t			 n, cap;
	int			 err;
};

static int
tree_add(void *arg, const char *code, const char *superior)
{
	struct tree_load	*t = arg;

	if (t->n == t->cap) {
		size_t			 cap = t->cap ? t->cap * 2 : 256;
		struct roster_node	*p;

		if ((p = realloc(t->nodes, cap * sizeof(*p))) == NULL) {
			t->err = TB_ENOMEM;
			return 1;
		}
		t->nodes = p;
		t->cap = cap;
	}
	t->nodes[t->n].code = xstrdup(code);
	t->nodes[t->n].superior = superior != NULL ? xstrdup(superior) :
	    NULL;
	t->n++;
	return 0;
}

static int
node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct roster_node *)a)->code,
	    ((const struct roster_node *)b)->code);
}

static void
tree_free(struct tree_load *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free((void *)(uintptr_t)t->nodes[i].code);
		free((void *)(uintptr_t)t->nodes[i].superior);
	}
	free(t->nodes);
}

/*
 * P2: the superior tree stays a tree.  Replies itself and returns
 * non-zero when giving code the superior superior would make a cycle or
 * too deep a tree (422 rule_violation) or cannot be checked.
 */
static int
tree_refuses(struct http_req *req, struct store_conn *c, const char *code,
    const char *superior)
{
	struct tree_load	 t;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if ((rc = store_agency_tree(c, tree_add, &t)) == TB_OK)
		rc = t.err;
	if (rc == TB_OK) {
		/* The database's order need not be strcmp's (collations). */
		qsort(t.nodes, t.n, sizeof(*t.nodes), node_cmp);
		rc = roster_tree_check(t.nodes, t.n, code, superior,
		    ROSTER_DEPTH_MAX);
	}
	tree_free(&t);
	switch (rc) {
	case TB_OK:
		return 0;
	case TB_ENOTFOUND:
		reply_invalid(req, "superior", "上級機關不存在",
		    "No agency has this code");
		return 1;
	case TB_ECONFLICT:
		http_reply_error(req, "rule_violation", "superior", org_msg(req,
		    "上級機關不可為本機關或其所屬機關，"
		    "否則機關層級將形成循環 (P2)",
		    "An agency cannot be placed under itself or an agency "
		    "below it: the tree of superiors would loop (P2)"));
		return 1;
	case TB_ETOOBIG:
		http_reply_error(req, "rule_violation", "superior", org_msg(req,
		    "機關層級過深 (P2)", "The tree of agencies would be too "
		    "deep (P2)"));
		return 1;
	default:
		http_reply_tb_err(req, rc, NULL);
		return 1;
	}
}

/* Replies 422 naming field unless code names an agency. */
static int
agency_missing(struct http_req *req, struct store_conn *c, const char *code,
    const char *field)
{
	int	 exists = 0, rc;

	if ((rc = store_agency_exists(c, code, &exists)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return 1;
	}
	if (!exists) {
		reply_invalid(req, field, "沒有這個代碼的機關",
		    "No agency has this code");
		return 1;
	}
	return 0;
}

/* The checks of an agency's fields the field list cannot make: code,
 * type, level and the form of the codes it names.  Replies 422 naming the
 * field and returns non-zero. */
static int
agency_values_bad(struct http_req *req, json_t *body, const char *code)
{
	const char	*v, *field = NULL, *zh = NULL, *en = NULL;
	const char	*nocode_zh = "沒有這個代碼的機關";
	const char	*nocode_en = "No agency has this code";

	if (code != NULL && !roster_code_valid(code)) {
		field = "code";
		zh = "代碼限 1 至 32 個小寫英文字母、數字或連字號";
		en = "A code is 1 to 32 lower-case letters, digits or "
		    "hyphens, starting with a letter or digit";
	} else if (code != NULL && strcmp(code, "directory") == 0) {
		/* /api/v1/agencies/directory is the route of the list. */
		field = "code";
		zh = "此代碼保留給系統使用";
		en = "This code is reserved";
	} else if ((v = body_str(body, "type")) != NULL &&
	    !roster_agency_type_valid(v)) {
		field = "type";
		zh = "未知的機關類型";
		en = "Unknown agency type";
	} else if ((v = body_str(body, "responsibility_level")) != NULL &&
	    !roster_level_valid(v)) {
		field = "responsibility_level";
		zh = "資通安全責任等級須為 A 至 E";
		en = "The responsibility level is one of A to E";
	} else if ((v = nz(body_str(body, "superior"))) != NULL &&
	    !roster_code_valid(v)) {
		field = "superior";
		zh = nocode_zh;
		en = nocode_en;
	} else if ((v = nz(body_str(body, "supervisor"))) != NULL &&
	    !roster_code_valid(v)) {
		field = "supervisor";
		zh = nocode_zh;
		en = nocode_en;
	}
	if (field == NULL)
		return 0;
	reply_invalid(req, field, zh, en);
	return 1;
}

/* Replies with the agency of code as read through c: 200 or 201. */
static int
reply_agency(struct http_req *req, struct store_conn *c, const char *code,
    int status)
{
	struct store_agency_rec	 a;
	json_t			*o;
	char			 etag[ORG_ETAG_SIZE], loc[96];
	int			 rc;

	if ((rc = store_agency_get(c, code, &a)) != TB_OK ||
	    (rc = agency_json(c, &a, tb_now_us(), &o)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	http_reply_json(req, status, o);
	etag_of(a.updated_at, etag);
	http_reply_header(req, "ETag", etag);
	if (status == 201 && tb_snprintf(loc, sizeof(loc),
	    "/api/v1/agencies/%s", code) == TB_OK)
		http_reply_header(req, "Location", loc);
	return 0;
}

int
api_agencies_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "code", JF_STRING, 1, 1, ROSTER_CODE_MAX },
		{ "name", JF_STRING, 1, 1, ORG_NAME_MAX },
		{ "name_en", JF_STRING, 0, 1, ORG_NAME_MAX },
		{ "type", JF_STRING, 1, 1, 32 },
		{ "superior", JF_STRING, 0, 0, ROSTER_CODE_MAX },
		{ "supervisor", JF_STRING, 0, 0, ROSTER_CODE_MAX },
		{ "responsibility_level", JF_STRING, 1, 1, 1 },
		{ "reports_to_central", JF_BOOL, 0, 0, 0 },
		{ "uses_city_mail", JF_BOOL, 0, 0, 0 },
	};
	struct store_agency	 a;
	struct store_agency_rec	 rec;
	struct store_conn	*c = NULL;
	json_t			*body, *v, *after = NULL;
	int			 rc, exists;

	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	memset(&a, 0, sizeof(a));
	a.code = body_str(body, "code");
	a.name = body_str(body, "name");
	a.name_en = nz(body_str(body, "name_en"));
	a.type = body_str(body, "type");
	a.superior = nz(body_str(body, "superior"));
	a.supervisor = nz(body_str(body, "supervisor"));
	a.responsibility_level = body_str(body, "responsibility_level");
	if (agency_values_bad(req, body, a.code))
		goto out;
	if (a.supervisor != NULL && strcmp(a.supervisor, a.code) == 0) {
		reply_invalid(req, "supervisor", "機關不可監督自己",
		    "An agency cannot supervise itself");
		goto out;
	}
	/* P41: schools report on the education network unless told. */
	v = json_object_get(body, "reports_to_central");
	a.reports_to_central = json_is_boolean(v) ? json_is_true(v) :
	    roster_reports_to_central_default(a.type);
	v = json_object_get(body, "uses_city_mail");
	a.uses_city_mail = json_is_boolean(v) ? json_is_true(v) : 1;
	a.active = 1;
	a.created_at = a.updated_at = tb_now_us();

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if ((rc = store_agency_exists(c, a.code, &exists)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (exists) {
		http_reply_error(req, "conflict", "code", org_msg(req,
		    "已有這個代碼的機關", "An agency with this code exists"));
		goto out;
	}
	if ((a.superior != NULL &&
	    agency_missing(req, c, a.superior, "superior")) ||
	    (a.supervisor != NULL &&
	    agency_missing(req, c, a.supervisor, "supervisor")) ||
	    tree_refuses(req, c, a.code, a.superior))
		goto out;
	if ((rc = store_agency_insert(c, &a)) != TB_OK ||
	    (rc = store_agency_get(c, a.code, &rec)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	after = agency_record_json(&rec);
	if ((rc = auth_audit(req, c, "agency.create", "agency", rec.code,
	    rec.code, NULL, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	reply_agency(req, c, rec.code, 201);
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(body);
	return 0;
}

/* Copies a PATCH's string field into dst when given; "" clears optional
 * fields. */
static int
patch_str(json_t *body, const char *name, char *dst, size_t size)
{
	const char	*v = body_str(body, name);

	if (v == NULL)
		return TB_OK;
	return tb_strlcpy(dst, v, size);
}

int
api_agencies_update(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 0, 1, ORG_NAME_MAX },
		{ "name_en", JF_STRING, 0, 0, ORG_NAME_MAX },
		{ "type", JF_STRING, 0, 1, 32 },
		{ "superior", JF_STRING, 0, 0, ROSTER_CODE_MAX },
		{ "supervisor", JF_STRING, 0, 0, ROSTER_CODE_MAX },
		{ "responsibility_level", JF_STRING, 0, 1, 1 },
		{ "reports_to_central", JF_BOOL, 0, 0, 0 },
		{ "uses_city_mail", JF_BOOL, 0, 0, 0 },
		{ "active", JF_BOOL, 0, 0, 0 },
	};
	struct store_agency_rec	 old, neu;
	struct store_agency	 w;
	struct store_conn	*c = NULL;
	json_t			*body = NULL, *v, *before = NULL, *after = NULL;
	char			 code[STORE_KEY_SIZE];
	int			 rc;

	if (http_param(req, "code", code, sizeof(code)) != TB_OK ||
	    !roster_code_valid(code))
		return http_reply_error(req, "not_found", NULL, NULL);
	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	if (agency_values_bad(req, body, NULL))
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK ||
	    (rc = store_agency_get(c, code, &old)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (stale(req, old.updated_at)) {
		http_reply_error(req, "version_conflict", NULL, NULL);
		goto out;
	}
	neu = old;
	if ((rc = patch_str(body, "name", neu.name, sizeof(neu.name)))
	    != TB_OK ||
	    (rc = patch_str(body, "name_en", neu.name_en,
	    sizeof(neu.name_en))) != TB_OK ||
	    (rc = patch_str(body, "type", neu.type, sizeof(neu.type)))
	    != TB_OK ||
	    (rc = patch_str(body, "superior", neu.superior,
	    sizeof(neu.superior))) != TB_OK ||
	    (rc = patch_str(body, "supervisor", neu.supervisor,
	    sizeof(neu.supervisor))) != TB_OK ||
	    (rc = patch_str(body, "responsibility_level",
	    neu.responsibility_level, sizeof(neu.responsibility_level)))
	    != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (json_is_boolean(v = json_object_get(body, "reports_to_central")))
		neu.reports_to_central = json_is_true(v);
	if (json_is_boolean(v = json_object_get(body, "uses_city_mail")))
		neu.uses_city_mail = json_is_true(v);
	if (json_is_boolean(v = json_object_get(body, "active")))
		neu.active = json_is_true(v);
	if (neu.supervisor[0] != '\0' && strcmp(neu.supervisor, code) == 0) {
		reply_invalid(req, "supervisor", "機關不可監督自己",
		    "An agency cannot supervise itself");
		goto out;
	}
	if ((neu.supervisor[0] != '\0' &&
	    strcmp(neu.supervisor, old.supervisor) != 0 &&
	    agency_missing(req, c, neu.supervisor, "supervisor")) ||
	    (strcmp(neu.superior, old.superior) != 0 &&
	    tree_refuses(req, c, code, neu.superior)))
		goto out;
	before = agency_record_json(&old);
	after = agency_record_json(&neu);
	if (json_equal(before, after)) {
		/* Nothing changes, so there is nothing to record. */
		store_tx_rollback(c);
		reply_agency(req, c, code, 200);
		goto out;
	}
	neu.updated_at = change_time(old.updated_at);
	json_decref(after);
	after = agency_record_json(&neu);
	agency_from_rec(&neu, &w);
	if ((rc = store_agency_update(c, &w)) != TB_OK ||
	    (rc = auth_audit(req, c, "agency.update", "agency", code, code,
	    before, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	reply_agency(req, c, code, 200);
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(before);
	json_decref(after);
	json_decref(body);
	return 0;
}

int
api_agencies_get(struct http_req *req)
{
	struct store_conn	*c;
	char			 code[STORE_KEY_SIZE];
	int			 rc, ok = 0;

	if (http_param(req, "code", code, sizeof(code)) != TB_OK ||
	    !roster_code_valid(code))
		return http_reply_error(req, "not_found", NULL, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if ((rc = org_agency_readable(req, c, code, &ok)) != TB_OK)
		http_reply_tb_err(req, rc, NULL);
	else if (!ok)
		http_reply_error(req, "not_found", NULL, NULL);
	else
		reply_agency(req, c, code, 200);
	store_release(c);
	return 0;
}

/* A page of agencies being gathered. */
struct agency_page {
	struct http_req		*req;
	struct store_conn	*c;
	struct store_agency_rec	*recs;
	int64_t			 n, limit, seen;
	char			 last[STORE_KEY_SIZE];
	int			 err;
};

static int
agency_page_add(void *arg, const struct store_agency_rec *a)
{
	struct agency_page	*pg = arg;
	int			 ok = 1;

	pg->seen++;
	tb_strlcpy(pg->last, a->code, sizeof(pg->last));
	if ((pg->req->who->roles & ROLES_DOIT) == 0 &&
	    (pg->err = org_agency_readable(pg->req, pg->c, a->code, &ok))
	    != TB_OK)
		return 1;
	if (ok)
		pg->recs[pg->n++] = *a;
	return pg->n >= pg->limit;
}

int
api_agencies_list(struct http_req *req)
{
	struct store_agency_filter f;
	struct agency_page	 pg;
	char			 q[ORG_QUERY_MAX + 1], type[33];
	char			 superior[ROSTER_CODE_MAX + 1];
	char			 cursor[STORE_KEY_SIZE];
	json_t			*items = NULL, *o;
	int64_t			 now = tb_now_us();
	int			 rc;

	memset(&f, 0, sizeof(f));
	memset(&pg, 0, sizeof(pg));
	if ((rc = http_query(req, "q", q, sizeof(q))) == TB_OK)
		f.q = q;
	else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "q", NULL);
	if ((rc = http_query(req, "type", type, sizeof(type))) == TB_OK) {
		if (!roster_agency_type_valid(type))
			return http_reply_error(req, "invalid_query", "type",
			    NULL);
		f.type = type;
	} else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "type", NULL);
	if ((rc = http_query(req, "superior", superior, sizeof(superior)))
	    == TB_OK) {
		if (!roster_code_valid(superior))
			return http_reply_error(req, "invalid_query",
			    "superior", NULL);
		f.superior = superior;
	} else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "superior",
		    NULL);
	if (org_page_query(req, &pg.limit, cursor, sizeof(cursor)))
		return 0;
	if ((pg.recs = calloc((size_t)pg.limit, sizeof(*pg.recs))) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	pg.req = req;
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		free(pg.recs);
		return http_reply_tb_err(req, rc, NULL);
	}
	/*
	 * Agencies outside the caller's scope are skipped, so the scan goes
	 * on in batches until the page is full or the agencies end.
	 */
	for (;;) {
		f.after = cursor;
		pg.seen = 0;
		rc = store_agency_scan(pg.c, &f, ORG_LIMIT_MAX,
		    agency_page_add, &pg);
		if (rc == TB_OK)
			rc = pg.err;
		if (rc != TB_OK || pg.n >= pg.limit ||
		    pg.seen < ORG_LIMIT_MAX)
			break;
		tb_strlcpy(cursor, pg.last, sizeof(cursor));
	}
	items = json_array();
	for (int64_t i = 0; rc == TB_OK && i < pg.n; i++)
		if ((rc = agency_json(pg.c, &pg.recs[i], now, &o)) == TB_OK)
			json_array_append_new(items, o);
	store_release(pg.c);
	if (rc != TB_OK) {
		json_decref(items);
		free(pg.recs);
		return http_reply_tb_err(req, rc, NULL);
	}
	o = pg.n >= pg.limit ? json_string(pg.recs[pg.n - 1].code) :
	    json_null();
	free(pg.recs);
	return http_reply_json(req, 200, json_pack("{s:o, s:o}",
	    "items", items, "next_cursor", o));
}

/*
 * The directory (P12): a reporter names the agencies an incident affects,
 * which are mostly outside their own subtree, so every signed-in person
 * reads the code, names, type and superior of every active agency.  These
 * are the city's public list of its bodies; nothing else of an agency
 * (levels, contacts, people) is in it.
 */
struct directory_page {
	json_t		*items;
	int64_t		 limit;
	char		 last[STORE_KEY_SIZE];
	int		 more;
	int		 err;
};

static int
directory_add(void *arg, const struct store_agency_rec *a)
{
	struct directory_page	*pg = arg;
	json_t			*e;

	if ((int64_t)json_array_size(pg->items) >= pg->limit) {
		pg->more = 1;
		return 1;
	}
	e = json_pack("{s:s, s:s, s:s?, s:s, s:s?}", "code", a->code,
	    "name", a->name, "name_en", nz(a->name_en), "type", a->type,
	    "superior", nz(a->superior));
	if (e == NULL || json_array_append_new(pg->items, e) != 0) {
		pg->err = TB_ENOMEM;
		return 1;
	}
	tb_strlcpy(pg->last, a->code, sizeof(pg->last));
	return 0;
}

int
api_agencies_directory(struct http_req *req)
{
	struct store_agency_filter f;
	struct directory_page	 pg;
	struct store_conn	*c;
	char			 q[ORG_QUERY_MAX + 1];
	char			 cursor[STORE_KEY_SIZE];
	json_t			*next;
	int			 rc;

	memset(&f, 0, sizeof(f));
	memset(&pg, 0, sizeof(pg));
	if ((rc = http_query(req, "q", q, sizeof(q))) == TB_OK)
		f.q = q;
	else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "q", NULL);
	if (org_page_query(req, &pg.limit, cursor, sizeof(cursor)))
		return 0;
	f.after = cursor[0] != '\0' ? cursor : NULL;
	f.active_only = 1;
	if ((pg.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	rc = store_agency_scan(c, &f, pg.limit + 1, directory_add, &pg);
	store_release(c);
	if (rc == TB_OK)
		rc = pg.err;
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	next = pg.more ? json_string(pg.last) : json_null();
	return http_reply_json(req, 200, json_pack("{s:o, s:o}",
	    "items", pg.items, "next_cursor", next));
}

/* --- people --------------------------------------------------------- */

static int
roles_add(void *arg, const char *name)
{
	unsigned	*roles = arg;
	enum role	 r;

	if (role_from_name(name, &r) == TB_OK)
		*roles |= ROLE_BIT(r);
	return 0;
}

static json_t *
roles_json(unsigned roles)
{
	json_t	*a = json_array();

	for (unsigned r = 0; r < ROLE__COUNT; r++)
		if (roles & ROLE_BIT(r))
			json_array_append_new(a, json_string(role_name(r)));
	return a;
}

/* A person as the API and the audit trail show them: never the password
 * hash, only whether there is one.  A new reference. */
static json_t *
user_json(const struct store_user_rec *u, unsigned roles)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:b, s:s?, s:s?, "
	    "s:s?, s:b, s:s, s:b, s:o, s:o}",
	    "id", (json_int_t)u->id, "username", u->username,
	    "name", u->name, "agency", u->agency,
	    "roles", roles_json(roles), "employment", u->employment,
	    "dedicated_staff", (int)u->dedicated_staff,
	    "email", nz(u->email), "phone", nz(u->phone),
	    "taipeion_id", nz(u->taipeion_id),
	    "active", (int)u->active, "lang", u->lang,
	    "has_password", (int)u->has_password,
	    "created_at", org_time_json(u->created_at),
	    "updated_at", org_time_json(u->updated_at));
}

/* Reads a user and their roles. */
static int
user_load(struct store_conn *c, const char *username,
    struct store_user_rec *u, unsigned *roles)
{
	int	 rc;

	*roles = 0;
	if ((rc = store_user_get(c, username, u)) != TB_OK)
		return rc;
	return store_user_roles(c, u->id, roles_add, roles);
}

static int
reply_user(struct http_req *req, struct store_conn *c, const char *username,
    int status)
{
	struct store_user_rec	 u;
	unsigned		 roles;
	char			 etag[ORG_ETAG_SIZE], loc[96];
	int			 rc;

	if ((rc = user_load(c, username, &u, &roles)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	http_reply_json(req, status, user_json(&u, roles));
	etag_of(u.updated_at, etag);
	http_reply_header(req, "ETag", etag);
	if (status == 201 && tb_snprintf(loc, sizeof(loc),
	    "/api/v1/users/%s", username) == TB_OK)
		http_reply_header(req, "Location", loc);
	return 0;
}

/*
 * Who may create and change people: doit_admin anywhere, an agency's CISO
 * (PERMK_PEOPLE, checked by the router) within its subtree: 404 outside
 * it.  Replies and returns non-zero.
 */
static int
people_out_of_scope(struct http_req *req, struct store_conn *c,
    const char *agency)
{
	int	 ok = 0, rc;

	if (auth_has_role(req, ROLE_DOIT_ADMIN))
		return 0;
	if ((rc = auth_agency_actable(req, c, agency, &ok)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return 1;
	}
	if (!ok) {
		http_reply_error(req, "not_found", NULL, NULL);
		return 1;
	}
	return 0;
}

/* Parses a "roles" array into a ROLE_BIT() set.  Replies 422 naming
 * roles and returns non-zero for a non-string, unknown or repeated role. */
static int
roles_parse(struct http_req *req, json_t *arr, unsigned *roles)
{
	json_t		*v;
	size_t		 i;
	enum role	 r;

	*roles = 0;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) ||
		    role_from_name(json_string_value(v), &r) != TB_OK) {
			reply_invalid(req, "roles", "未知的角色",
			    "Unknown role");
			return 1;
		}
		if (*roles & ROLE_BIT(r)) {
			reply_invalid(req, "roles", "角色重複",
			    "A role is listed twice");
			return 1;
		}
		*roles |= ROLE_BIT(r);
	}
	return 0;
}

/* An e-mail address as far as it can be told without sending mail: one
 * '@' with something on both sides and no space or control. */
static int
email_ok(const char *s)
{
	const char	*at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ')
			return 0;
	return 1;
}

/* A phone number as people write them: digits, spaces and + - ( ) # ,
 * with at least one digit. */
static int
phone_ok(const char *s)
{
	int	 digits = 0;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (strchr(" +-()#,", *s) == NULL)
			return 0;
	}
	return digits > 0;
}

/*
 * The checks of a person's fields the field list cannot make, for create
 * and update alike.  Replies 422 naming the field and returns non-zero.
 */
static int
person_values_bad(struct http_req *req, json_t *body)
{
	const char	*v, *field = NULL, *zh = NULL, *en = NULL;

	/* struct principal keeps the name in 128 bytes. */
	if ((v = body_str(body, "name")) != NULL &&
	    strlen(v) >= sizeof(req->who->name)) {
		field = "name";
		zh = "姓名過長";
		en = "The name is too long";
	} else if ((v = body_str(body, "employment")) != NULL &&
	    !roster_employment_valid(v)) {
		field = "employment";
		zh = "未知的任用類別";
		en = "Unknown kind of employment";
	} else if ((v = nz(body_str(body, "email"))) != NULL &&
	    !email_ok(v)) {
		field = "email";
		zh = "電子郵件地址格式不正確";
		en = "This is not an e-mail address";
	} else if ((v = nz(body_str(body, "phone"))) != NULL &&
	    !phone_ok(v)) {
		field = "phone";
		zh = "電話號碼格式不正確";
		en = "This is not a phone number";
	}
	if (field == NULL)
		return 0;
	reply_invalid(req, field, zh, en);
	return 1;
}

/* A vendor role and vendor employment go together.  Replies 422 naming
 * field and returns non-zero when they do not. */
static int
vendor_mismatch(struct http_req *req, unsigned roles, const char *employment,
    const char *field)
{
	if ((roles & ROLE_BIT(ROLE_VENDOR)) &&
	    strcmp(employment, "vendor") != 0) {
		reply_invalid(req, field, "廠商角色僅限委外廠商人員",
		    "The vendor role is for people employed by a vendor");
		return 1;
	}
	return 0;
}

/* A CISO does not hand out DoIT's or superior agencies' roles.  Replies
 * 403 naming roles and returns non-zero. */
static int
roles_beyond_ciso(struct http_req *req, unsigned roles)
{
	if (auth_has_role(req, ROLE_DOIT_ADMIN) ||
	    (roles & ORG_ROLES_CITY) == 0)
		return 0;
	http_reply_error(req, "forbidden", "roles", org_msg(req,
	    "資通安全長不可授予資訊局或上級機關的角色",
	    "A CISO may not grant DoIT's or a superior agency's roles"));
	return 1;
}

int
api_users_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "username", JF_STRING, 1, 1, ROSTER_USERNAME_MAX },
		{ "name", JF_STRING, 1, 1, ORG_NAME_MAX },
		{ "agency", JF_STRING, 1, 1, ROSTER_CODE_MAX },
		{ "roles", JF_ARRAY, 0, 0, ROLE__COUNT },
		{ "employment", JF_STRING, 0, 1, 32 },
		{ "dedicated_staff", JF_BOOL, 0, 0, 0 },
		{ "email", JF_STRING, 0, 0, ORG_EMAIL_MAX },
		{ "phone", JF_STRING, 0, 0, ORG_PHONE_MAX },
		{ "taipeion_id", JF_STRING, 0, 0, ORG_TAIPEION_MAX },
		{ "password", JF_TEXT, 0, 1, AUTH_PASSWORD_MAX },
	};
	const char		*names[ROLE__COUNT], *pw;
	struct store_user	 u;
	struct store_user_rec	 rec;
	struct store_conn	*c = NULL;
	json_t			*body, *after = NULL;
	char			 hash[SECRET_HASH_MAX];
	unsigned		 roles = 0, held;
	size_t			 nroles = 0;
	int			 rc;

	hash[0] = '\0';
	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	memset(&u, 0, sizeof(u));
	u.username = body_str(body, "username");
	u.name = body_str(body, "name");
	u.agency = body_str(body, "agency");
	u.employment = body_str(body, "employment");
	if (u.employment == NULL)
		u.employment = "civil_servant";
	u.dedicated_staff = json_is_true(json_object_get(body,
	    "dedicated_staff"));
	u.email = nz(body_str(body, "email"));
	u.phone = nz(body_str(body, "phone"));
	u.taipeion_id = nz(body_str(body, "taipeion_id"));
	pw = body_str(body, "password");
	if (!roster_username_valid(u.username)) {
		reply_invalid(req, "username",
		    "帳號限小寫英文字母、數字及 . _ @ -",
		    "A user name is lower-case letters, digits and . _ @ -, "
		    "starting with a letter or digit");
		goto out;
	}
	if (!roster_code_valid(u.agency)) {
		reply_invalid(req, "agency", "沒有這個代碼的機關",
		    "No agency has this code");
		goto out;
	}
	if (person_values_bad(req, body) ||
	    roles_parse(req, json_object_get(body, "roles"), &roles) ||
	    vendor_mismatch(req, roles, u.employment, "roles") ||
	    roles_beyond_ciso(req, roles))
		goto out;
	if (pw != NULL && auth_password_weak(pw, u.username) != NULL) {
		http_reply_error(req, "weak_password", "password", NULL);
		goto out;
	}
	for (unsigned r = 0; r < ROLE__COUNT; r++)
		if (roles & ROLE_BIT(r))
			names[nroles++] = role_name(r);
	/* argon2id takes a while: hash before holding the writer. */
	if (pw != NULL && (rc = secret_password_hash(pw, hash)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	u.password_hash = pw != NULL ? hash : NULL;
	u.id = store_new_id();
	u.active = 1;
	u.created_at = u.updated_at = tb_now_us();

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (people_out_of_scope(req, c, u.agency) ||
	    agency_missing(req, c, u.agency, "agency"))
		goto out;
	rc = store_user_get(c, u.username, &rec);
	if (rc == TB_OK) {
		http_reply_error(req, "conflict", "username", org_msg(req,
		    "這個帳號已被使用", "This user name is taken"));
		goto out;
	}
	if (rc != TB_ENOTFOUND ||
	    (rc = store_user_insert(c, &u, names, nroles)) != TB_OK ||
	    (rc = user_load(c, u.username, &rec, &held)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	after = user_json(&rec, held);
	if ((rc = auth_audit(req, c, "user.create", "user", rec.username,
	    rec.agency, NULL, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	reply_user(req, c, rec.username, 201);
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	secret_wipe(hash, sizeof(hash));
	json_decref(after);
	json_decref(body);
	return 0;
}

/* Whether user_id holds a window or deputy assignment not ended by now. */
static int
contact_open_add(void *arg, const struct store_contact_rec *k)
{
	*(int *)arg = 1;
	return 1;
}

int
api_users_update(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 0, 1, ORG_NAME_MAX },
		{ "email", JF_STRING, 0, 0, ORG_EMAIL_MAX },
		{ "phone", JF_STRING, 0, 0, ORG_PHONE_MAX },
		{ "taipeion_id", JF_STRING, 0, 0, ORG_TAIPEION_MAX },
		{ "roles", JF_ARRAY, 0, 0, ROLE__COUNT },
		{ "employment", JF_STRING, 0, 1, 32 },
		{ "dedicated_staff", JF_BOOL, 0, 0, 0 },
		{ "active", JF_BOOL, 0, 0, 0 },
	};
	struct store_contact_filter kf;
	struct store_user_rec	 old, neu;
	struct store_user	 w;
	struct store_conn	*c = NULL;
	json_t			*body = NULL, *v, *before = NULL, *after = NULL;
	char			 username[STORE_KEY_SIZE];
	unsigned		 roles_old, roles_new = 0;
	int64_t			 now;
	int			 rc, open = 0;

	if (http_param(req, "username", username, sizeof(username)) != TB_OK ||
	    !roster_username_valid(username))
		return http_reply_error(req, "not_found", NULL, NULL);
	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	if (person_values_bad(req, body))
		goto out;
	v = json_object_get(body, "roles");
	if (v != NULL && (roles_parse(req, v, &roles_new) ||
	    roles_beyond_ciso(req, roles_new)))
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	rc = user_load(c, username, &old, &roles_old);
	if (rc == TB_ENOTFOUND) {
		http_reply_error(req, "not_found", NULL, NULL);
		goto out;
	}
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (people_out_of_scope(req, c, old.agency))
		goto out;
	/* A CISO does not touch the accounts DoIT gave city-wide roles. */
	if (roles_beyond_ciso(req, roles_old))
		goto out;
	if (stale(req, old.updated_at)) {
		http_reply_error(req, "version_conflict", NULL, NULL);
		goto out;
	}
	if (json_object_get(body, "roles") == NULL)
		roles_new = roles_old;
	neu = old;
	if ((rc = patch_str(body, "name", neu.name, sizeof(neu.name)))
	    != TB_OK ||
	    (rc = patch_str(body, "email", neu.email, sizeof(neu.email)))
	    != TB_OK ||
	    (rc = patch_str(body, "phone", neu.phone, sizeof(neu.phone)))
	    != TB_OK ||
	    (rc = patch_str(body, "taipeion_id", neu.taipeion_id,
	    sizeof(neu.taipeion_id))) != TB_OK ||
	    (rc = patch_str(body, "employment", neu.employment,
	    sizeof(neu.employment))) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (json_is_boolean(v = json_object_get(body, "dedicated_staff")))
		neu.dedicated_staff = json_is_true(v);
	if (json_is_boolean(v = json_object_get(body, "active")))
		neu.active = json_is_true(v);
	if (vendor_mismatch(req, roles_new, neu.employment,
	    json_object_get(body, "roles") != NULL ? "roles" : "employment"))
		goto out;
	/* Nobody locks themselves out by mistake. */
	if (old.id == req->who->user_id && !neu.active) {
		reply_invalid(req, "active", "不可停用自己的帳號",
		    "You cannot deactivate your own account");
		goto out;
	}
	if (old.id == req->who->user_id &&
	    (roles_old & ~roles_new & ROLE_BIT(ROLE_DOIT_ADMIN))) {
		reply_invalid(req, "roles", "不可移除自己的系統管理角色",
		    "You cannot take away your own doit_admin role");
		goto out;
	}
	now = change_time(old.updated_at);
	/* P6: a vendor's employee is neither window nor deputy, so one who
	 * holds either cannot become a vendor's. */
	if (strcmp(neu.employment, "vendor") == 0 &&
	    strcmp(old.employment, "vendor") != 0) {
		store_contact_filter_init(&kf);
		kf.user_id = old.id;
		kf.open_at = now;
		if ((rc = store_contact_scan(c, &kf, 1, contact_open_add,
		    &open)) != TB_OK) {
			http_reply_tb_err(req, rc, NULL);
			goto out;
		}
		if (open) {
			http_reply_error(req, "rule_violation", "employment",
			    org_msg(req, "此人為通報窗口或代理人，委外廠商人員"
			    "不得擔任 (P6)", "This person is a contact window "
			    "or deputy, which a vendor's employee may not be "
			    "(P6)"));
			goto out;
		}
	}
	before = user_json(&old, roles_old);
	after = user_json(&neu, roles_new);
	if (json_equal(before, after)) {
		store_tx_rollback(c);
		reply_user(req, c, username, 200);
		goto out;
	}
	neu.updated_at = now;
	json_decref(after);
	after = user_json(&neu, roles_new);
	memset(&w, 0, sizeof(w));
	w.id = neu.id;
	w.name = neu.name;
	w.email = nz(neu.email);
	w.phone = nz(neu.phone);
	w.taipeion_id = nz(neu.taipeion_id);
	w.employment = neu.employment;
	w.dedicated_staff = neu.dedicated_staff;
	w.active = neu.active;
	w.updated_at = neu.updated_at;
	if ((rc = store_user_update(c, &w)) != TB_OK)
		goto fail;
	for (unsigned r = 0; r < ROLE__COUNT; r++) {
		unsigned bit = ROLE_BIT(r);

		if ((roles_old & bit) == (roles_new & bit))
			continue;
		rc = (roles_new & bit) ? store_user_role_grant(c, neu.id,
		    role_name(r), req->who->user_id, neu.updated_at) :
		    store_user_role_revoke(c, neu.id, role_name(r));
		if (rc != TB_OK)
			goto fail;
	}
	if ((rc = auth_audit(req, c, "user.update", "user", username,
	    old.agency, before, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	reply_user(req, c, username, 200);
	goto out;
fail:
	http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(before);
	json_decref(after);
	json_decref(body);
	return 0;
}

/* Sets *ok when the caller may read person u: within the agency scope,
 * and a vendor only itself. */
static int
user_readable(struct http_req *req, struct store_conn *c,
    const struct store_user_rec *u, int *ok)
{
	if (org_vendor_only(req)) {
		*ok = u->id == req->who->user_id;
		return TB_OK;
	}
	return org_agency_readable(req, c, u->agency, ok);
}

int
api_users_get(struct http_req *req)
{
	struct store_user_rec	 u;
	struct store_conn	*c;
	char			 username[STORE_KEY_SIZE];
	int			 rc, ok = 0;

	if (http_param(req, "username", username, sizeof(username)) != TB_OK ||
	    !roster_username_valid(username))
		return http_reply_error(req, "not_found", NULL, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = store_user_get(c, username, &u);
	if (rc == TB_OK)
		rc = user_readable(req, c, &u, &ok);
	if (rc == TB_ENOTFOUND || (rc == TB_OK && !ok))
		http_reply_error(req, "not_found", NULL, NULL);
	else if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
	else
		reply_user(req, c, username, 200);
	store_release(c);
	return 0;
}

/* A page of people being gathered. */
struct user_page {
	struct http_req		*req;
	struct store_conn	*c;
	json_t			*items;
	int64_t			 limit, seen;
	char			 last[STORE_KEY_SIZE];
	/* The scope answer for the agency seen last: people come in name
	 * order, but many of an agency share a prefix ("ca."). */
	char			 agency[STORE_KEY_SIZE];
	int			 agency_ok;
	int			 err;
};

static int
user_page_add(void *arg, const struct store_user_rec *u)
{
	struct user_page	*pg = arg;
	unsigned		 roles = 0;
	int			 ok = 1;

	pg->seen++;
	tb_strlcpy(pg->last, u->username, sizeof(pg->last));
	if (org_vendor_only(pg->req))
		ok = u->id == pg->req->who->user_id;
	else if ((pg->req->who->roles & ROLES_DOIT) == 0) {
		if (strcmp(pg->agency, u->agency) != 0) {
			if ((pg->err = org_agency_readable(pg->req, pg->c,
			    u->agency, &pg->agency_ok)) != TB_OK)
				return 1;
			tb_strlcpy(pg->agency, u->agency, sizeof(pg->agency));
		}
		ok = pg->agency_ok;
	}
	if (!ok)
		return 0;
	if ((pg->err = store_user_roles(pg->c, u->id, roles_add, &roles))
	    != TB_OK)
		return 1;
	json_array_append_new(pg->items, user_json(u, roles));
	return (int64_t)json_array_size(pg->items) >= pg->limit;
}

int
api_users_list(struct http_req *req)
{
	struct user_page	 pg;
	char			 agency[ROSTER_CODE_MAX + 1];
	char			 cursor[STORE_KEY_SIZE];
	const char		*only = NULL;
	json_t			*next;
	int			 rc, ok = 0;

	memset(&pg, 0, sizeof(pg));
	if ((rc = http_query(req, "agency", agency, sizeof(agency))) ==
	    TB_OK) {
		if (!roster_code_valid(agency))
			return http_reply_error(req, "not_found", NULL, NULL);
		only = agency;
	} else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "agency", NULL);
	if (org_page_query(req, &pg.limit, cursor, sizeof(cursor)))
		return 0;
	pg.req = req;
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	/* Another agency's people, asked for by code: as if none. */
	if (only != NULL) {
		if ((rc = org_agency_readable(req, pg.c, only, &ok)) != TB_OK) {
			store_release(pg.c);
			return http_reply_tb_err(req, rc, NULL);
		}
		if (ok && (rc = store_agency_exists(pg.c, only, &ok)) !=
		    TB_OK) {
			store_release(pg.c);
			return http_reply_tb_err(req, rc, NULL);
		}
		if (!ok) {
			store_release(pg.c);
			return http_reply_error(req, "not_found", NULL, NULL);
		}
	}
	pg.items = json_array();
	for (;;) {
		pg.seen = 0;
		rc = store_user_scan(pg.c, only, cursor, ORG_LIMIT_MAX,
		    user_page_add, &pg);
		if (rc == TB_OK)
			rc = pg.err;
		if (rc != TB_OK ||
		    (int64_t)json_array_size(pg.items) >= pg.limit ||
		    pg.seen < ORG_LIMIT_MAX)
			break;
		tb_strlcpy(cursor, pg.last, sizeof(cursor));
	}
	store_release(pg.c);
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	next = (int64_t)json_array_size(pg.items) >= pg.limit ?
	    json_string(pg.last) : json_null();
	return http_reply_json(req, 200, json_pack("{s:o, s:o}",
	    "items", pg.items, "next_cursor", next));
}
