/*
 * api_registry.c: the registry of an agency's core systems, the devices
 * connected to them and the retention of their logs (P24), with the
 * compliance view of systems short of six months or missing a log type;
 * and the agency's outsourcing contracts with their P26 clauses, with the
 * view of contracts missing clauses.  Also the helpers evidence.h shares
 * with api_evidence.c.
 *
 * Scope: an agency's records are read by those who see the agency and
 * changed by those who may act for it (auth.h), never by a vendor alone.
 * Systems are never deleted: PATCH {"retired": true} takes one out of
 * service and out of the compliance view, keeping its history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/evidence.h"
#include "api/idempotency.h"
#include "domain/domain.h"
#include "domain/evidence.h"
#include "store/store.h"

/* Longest agency code kept (STORE sizes: codes are short ASCII). */
#define REG_CODE_SIZE	64

/* --- helpers shared with api_evidence.c (evidence.h) ------------------ */

int
evid_en(const struct http_req *req)
{
	return req->lang != NULL && strcmp(req->lang, "en") == 0;
}

json_t *
evid_time_json(int64_t t)
{
	char	 b[TBTIME_RFC3339_SIZE];

	if (t == 0 || tbtime_format(t, b, sizeof(b)) != TB_OK)
		return json_null();
	return json_string(b);
}

json_t *
evid_str_json(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

int
evid_page_query(struct http_req *req, int64_t *limit, int64_t *after_id)
{
	char	 q[32];
	int	 rc;

	*limit = EVID_LIMIT_DEFAULT;
	*after_id = 0;
	if ((rc = http_query(req, "limit", q, sizeof(q))) == TB_OK) {
		if (parse_i64(q, 1, EVID_LIMIT_MAX, limit) != TB_OK)
			rc = TB_EINVAL;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_error(req, "invalid_query", "limit", NULL);
		return -1;
	}
	if ((rc = http_query(req, "cursor", q, sizeof(q))) == TB_OK) {
		if (parse_i64(q, 1, INT64_MAX, after_id) != TB_OK)
			rc = TB_EINVAL;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_error(req, "invalid_query", "cursor", NULL);
		return -1;
	}
	return 0;
}

int
evid_bool_query(struct http_req *req, const char *name, int *out)
{
	char	 q[8];
	int	 rc;

	if ((rc = http_query(req, name, q, sizeof(q))) == TB_ENOTFOUND)
		return 0;
	if (rc == TB_OK && (strcmp(q, "true") == 0 || strcmp(q, "1") == 0)) {
		*out = 1;
		return 0;
	}
	if (rc == TB_OK && (strcmp(q, "false") == 0 || strcmp(q, "0") == 0)) {
		*out = 0;
		return 0;
	}
	http_reply_error(req, "invalid_query", name, NULL);
	return -1;
}

int64_t
evid_param_id(const struct http_req *req, const char *name)
{
	char	 b[24];
	int64_t	 id;

	if (http_param(req, name, b, sizeof(b)) != TB_OK ||
	    parse_i64(b, 1, INT64_MAX, &id) != TB_OK)
		return -1;
	return id;
}

int
evid_vendor_only(const struct http_req *req)
{
	return req->who != NULL &&
	    (req->who->roles & ~ROLE_BIT(ROLE_VENDOR)) == 0;
}

int
evid_agency_scope(struct http_req *req, struct store_conn *c,
    const char *agency, int write, int *ok)
{
	*ok = 0;
	if (evid_vendor_only(req))
		return TB_OK;
	return write ? auth_agency_actable(req, c, agency, ok) :
	    auth_agency_visible(req, c, agency, ok);
}

int
evid_reply(struct http_req *req, int status, json_t *body, int64_t version,
    const char *location)
{
	char	 etag[32];
	int	 rc;

	if ((rc = http_reply_json(req, status, body)) != TB_OK)
		return rc;
	if (version > 0 && tb_snprintf(etag, sizeof(etag), "\"%lld\"",
	    (long long)version) == TB_OK)
		http_reply_header(req, "ETag", etag);
	if (location != NULL)
		http_reply_header(req, "Location", location);
	return TB_OK;
}

int64_t
evid_base_version(struct http_req *req, json_t *body)
{
	const char	*h = http_header(req, "If-Match");
	json_t		*v = evid_member(body, "version");
	int64_t		 fv = 0, hv = 0;
	char		 b[32];
	size_t		 n;

	if (v != NULL && json_is_integer(v))
		fv = json_integer_value(v);
	if (h != NULL) {
		/* "N" as this server sends it in ETag, or N bare. */
		n = strlen(h);
		if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
			h++;
			n -= 2;
		}
		if (n == 0 || n >= sizeof(b)) {
			http_reply_error(req, "bad_request", "If-Match", NULL);
			return -1;
		}
		memcpy(b, h, n);
		b[n] = '\0';
		if (parse_i64(b, 1, INT64_MAX, &hv) != TB_OK) {
			http_reply_error(req, "bad_request", "If-Match", NULL);
			return -1;
		}
	}
	if (fv > 0 && hv > 0 && fv != hv) {
		http_reply_error(req, "bad_request", "If-Match", http_msg(req,
		    "If-Match 與 version 不一致",
		    "If-Match and version disagree"));
		return -1;
	}
	return fv > 0 ? fv : hv;
}

json_t *
evid_member(json_t *obj, const char *name)
{
	json_t	*v = json_object_get(obj, name);

	return v != NULL && !json_is_null(v) ? v : NULL;
}

void
evid_id_text(int64_t id, char *out, size_t len)
{
	if (tb_snprintf(out, len, "%lld", (long long)id) != TB_OK && len > 0)
		out[0] = '\0';
}

/* Replies a store error: a conflict names field, the rest as usual. */
static int
reply_store(struct http_req *req, int rc, const char *field)
{
	if (rc == TB_ECONFLICT)
		return http_reply_error(req, "conflict", field, NULL);
	return http_reply_tb_err(req, rc, NULL);
}

/* Reads the {code} parameter; replies 404 when it cannot be one. */
static int
agency_param(struct http_req *req, char *code, size_t len)
{
	if (http_param(req, "code", code, len) != TB_OK || code[0] == '\0') {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * Checks that agency code exists and is in the caller's scope (write:
 * may change its records).  Replies 404 (or the store error) and returns
 * non-zero when not.
 */
static int
agency_check(struct http_req *req, struct store_conn *c, const char *code,
    int write)
{
	int	 exists = 0, ok = 0, rc;

	if ((rc = store_agency_exists(c, code, &exists)) != TB_OK ||
	    (exists && (rc = evid_agency_scope(req, c, code, write, &ok)) !=
	    TB_OK)) {
		http_reply_tb_err(req, rc, NULL);
		return -1;
	}
	if (!exists || !ok) {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	return 0;
}

/* Ends a list: {"items": [...], "next_cursor": id of the last | null}
 * when the page was full (more may follow). */
static int
reply_page(struct http_req *req, json_t *items, int64_t limit,
    int64_t last_id)
{
	json_t	*next = json_null();
	char	 cur[24];

	if ((int64_t)json_array_size(items) >= limit && last_id > 0) {
		evid_id_text(last_id, cur, sizeof(cur));
		json_decref(next);
		next = json_string(cur);
	}
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "items",
	    items, "next_cursor", next));
}

/* --- log retention (P24) ------------------------------------------------ */

/* A JSON array of the names of the log types in set. */
static json_t *
logset_json(unsigned set)
{
	json_t	*a = json_array();

	for (unsigned t = 0; t < EVLOG__COUNT; t++)
		if (set & EVLOG_BIT(t))
			json_array_append_new(a, json_string(
			    evlog_type_name((enum evlog_type)t)));
	return a;
}

/* {"os_event": {"months_kept", "copy_elsewhere"} | null, ...} and the
 * P24 judgement of them. */
static void
logs_add(json_t *sys, const struct evlog_retention r[EVLOG__COUNT])
{
	struct evlog_check	 ck;
	json_t			*logs = json_object();

	for (unsigned t = 0; t < EVLOG__COUNT; t++)
		json_object_set_new(logs, evlog_type_name((enum evlog_type)t),
		    r[t].present ? json_pack("{s:I, s:b}", "months_kept",
		    (json_int_t)r[t].months_kept, "copy_elsewhere",
		    r[t].copy_elsewhere) : json_null());
	evlog_check(r, &ck);
	json_object_set_new(sys, "logs", logs);
	json_object_set_new(sys, "compliance", json_pack(
	    "{s:b, s:i, s:o, s:o, s:o}",
	    "compliant", ck.compliant,
	    "months_required", EVLOG_MONTHS_MIN,
	    "missing", logset_json(ck.missing),
	    "short", logset_json(ck.short_kept),
	    "no_copy_elsewhere", logset_json(ck.no_copy)));
}

/* The system's own columns as JSON, without its logs. */
static json_t *
system_base_json(const struct store_system *sy)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:I, s:s, s:b, s:o, s:o, s:o, "
	    "s:I}",
	    "id", (json_int_t)sy->id,
	    "agency", sy->agency,
	    "name", sy->name,
	    "description", evid_str_json(sy->description),
	    "tolerable_downtime_minutes",
	    (json_int_t)sy->tolerable_downtime_minutes,
	    "standby", sy->standby,
	    "retired", sy->retired_at != 0,
	    "retired_at", evid_time_json(sy->retired_at),
	    "created_at", evid_time_json(sy->created_at),
	    "updated_at", evid_time_json(sy->updated_at),
	    "version", (json_int_t)sy->version);
}

static int
system_get_cb(void *arg, const struct store_system *sy)
{
	json_t	**out = arg;

	*out = system_base_json(sy);
	return 0;
}

static int
log_fill_cb(void *arg, const struct store_system_log *l)
{
	struct evlog_retention	*r = arg;
	enum evlog_type		 t;

	if (evlog_type_from_name(l->log_type, &t) == TB_OK) {
		r[t].present = true;
		r[t].months_kept = l->months_kept;
		r[t].copy_elsewhere = l->copy_elsewhere != 0;
	}
	return 0;
}

/*
 * Loads system id with its logs as JSON into *out (a new reference).
 * TB_ENOTFOUND, store errors.
 */
static int
system_load(struct store_conn *c, int64_t id, json_t **out)
{
	struct evlog_retention	 r[EVLOG__COUNT];
	int			 rc;

	*out = NULL;
	memset(r, 0, sizeof(r));
	if ((rc = store_system_get(c, id, system_get_cb, out)) != TB_OK)
		return rc;
	if (*out == NULL)
		return TB_ENOMEM;
	if ((rc = store_system_log_scan(c, id, NULL, log_fill_cb, r)) !=
	    TB_OK) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	logs_add(*out, r);
	return TB_OK;
}

/*
 * Checks the "logs" member of a system body: an object whose keys are log
 * types and whose values are {"months_kept", "copy_elsewhere"} or null
 * (not kept).  Replies 422 naming "logs.TYPE[.FIELD]" and returns
 * non-zero when not.
 */
static int
logs_check(struct http_req *req, json_t *logs)
{
	static const struct json_field fields[] = {
		{ "months_kept", JF_INT, 1, 0, EVLOG_MONTHS_MAX },
		{ "copy_elsewhere", JF_BOOL, 0, 0, 0 },
	};
	const char		*k, *bad, *code;
	json_t			*v;
	enum evlog_type		 t;
	char			 field[64];

	if (logs == NULL)
		return 0;
	if (!json_is_object(logs)) {
		http_reply_error(req, "invalid_field", "logs", NULL);
		return -1;
	}
	json_object_foreach(logs, k, v) {
		if (evlog_type_from_name(k, &t) != TB_OK) {
			if (tb_snprintf(field, sizeof(field), "logs.%s", k) !=
			    TB_OK)
				tb_strlcpy(field, "logs", sizeof(field));
			http_reply_error(req, "unknown_field", field, NULL);
			return -1;
		}
		if (json_is_null(v))
			continue;
		if (!json_is_object(v)) {
			tb_snprintf(field, sizeof(field), "logs.%s", k);
			http_reply_error(req, "invalid_field", field, NULL);
			return -1;
		}
		if (json_check(v, fields, 2, &bad, &code) != TB_OK) {
			if (tb_snprintf(field, sizeof(field), "logs.%s.%s", k,
			    bad) != TB_OK)
				tb_snprintf(field, sizeof(field), "logs.%s", k);
			http_reply_error(req, code, field, NULL);
			return -1;
		}
	}
	return 0;
}

/* Writes the checked "logs" of a body: null removes a type (PATCH), an
 * object sets it. */
static int
logs_apply(struct store_conn *c, int64_t id, json_t *logs)
{
	struct store_system_log	 l;
	const char		*k;
	json_t			*v;
	int			 rc;

	json_object_foreach(logs, k, v) {
		if (json_is_null(v)) {
			if ((rc = store_system_log_delete(c, id, k)) != TB_OK)
				return rc;
			continue;
		}
		memset(&l, 0, sizeof(l));
		l.system_id = id;
		l.log_type = k;
		l.months_kept = json_integer_value(json_object_get(v,
		    "months_kept"));
		l.copy_elsewhere = json_is_true(json_object_get(v,
		    "copy_elsewhere"));
		if ((rc = store_system_log_set(c, &l)) != TB_OK)
			return rc;
	}
	return TB_OK;
}

/* Checks the "standby" member; replies 422 and returns non-zero when it
 * is not a standby kind. */
static int
standby_check(struct http_req *req, json_t *body)
{
	json_t			*v = evid_member(body, "standby");
	enum evsys_standby	 sb;

	if (v == NULL || json_is_null(v) ||
	    evsys_standby_from_name(json_string_value(v), &sb) == TB_OK)
		return 0;
	http_reply_error(req, "invalid_field", "standby", NULL);
	return -1;
}

/* --- systems -------------------------------------------------------- */

int
api_systems_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 1, 1, EVID_NAME_MAX },
		{ "description", JF_TEXT, 0, 0, EVID_TEXT_MAX },
		{ "tolerable_downtime_minutes", JF_INT, 1, 0,
		    EVID_DOWNTIME_MAX },
		{ "standby", JF_STRING, 0, 1, 16 },
		{ "logs", JF_OBJECT, 0, 0, 0 },
	};
	struct store_conn	*c = NULL;
	struct store_system	 sy;
	struct idem		 k;
	json_t			*body, *after = NULL, *logs;
	const char		*desc, *standby;
	char			 code[REG_CODE_SIZE], idstr[24], loc[160];
	int64_t			 now = tb_now_us();
	int			 rc;

	if (http_json_body(req, fields, 5, &body) != TB_OK)
		return 0;
	logs = evid_member(body, "logs");
	if (agency_param(req, code, sizeof(code)) != 0 ||
	    idem_begin(req, NULL, &k) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/* Scope before content: 404 to whoever may not act here. */
	if (agency_check(req, c, code, 1) != 0 ||
	    idem_replay(req, c, &k) != 0 ||
	    standby_check(req, body) != 0 || logs_check(req, logs) != 0)
		goto out;
	memset(&sy, 0, sizeof(sy));
	sy.id = store_new_id();
	sy.agency = code;
	sy.name = json_string_value(evid_member(body, "name"));
	desc = json_string_value(evid_member(body, "description"));
	sy.description = desc != NULL && desc[0] != '\0' ? desc : NULL;
	sy.tolerable_downtime_minutes = json_integer_value(evid_member(
	    body, "tolerable_downtime_minutes"));
	standby = json_string_value(evid_member(body, "standby"));
	sy.standby = standby != NULL ? standby :
	    evsys_standby_name(EVSYS_STANDBY_NONE);
	sy.created_at = sy.updated_at = now;
	if ((rc = store_system_insert(c, &sy)) != TB_OK) {
		reply_store(req, rc, "name");
		goto out;
	}
	if ((logs != NULL && (rc = logs_apply(c, sy.id, logs)) != TB_OK) ||
	    (rc = system_load(c, sy.id, &after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(sy.id, idstr, sizeof(idstr));
	tb_snprintf(loc, sizeof(loc), "/api/v1/agencies/%s/systems/%s", code,
	    idstr);
	if ((rc = idem_audit_commit(req, c, &k, 201, loc,
	    "system.create", "core_system", idstr, code,
	    NULL, after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 1, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(body);
	return 0;
}

/* What a page of systems collects: each system's JSON, then its logs. */
struct sys_page {
	struct http_req		*req;
	struct store_conn	*c;
	json_t			*items;		/* the systems */
	json_t			*index;		/* id text -> position */
	struct evlog_retention	(*logs)[EVLOG__COUNT];
	size_t			 cap;
	int64_t			 last_id;
	/* For the compliance view only. */
	const char		*within;	/* ?agency= root, or NULL */
	json_t			*scope_cache;	/* agency -> true/false */
	int			 truncated;
	int			 err;
};

/* Appends a system to the page (no scope check). */
static int
sys_page_add(struct sys_page *pg, const struct store_system *sy)
{
	char	 idstr[24];
	size_t	 n = json_array_size(pg->items);

	if (n == pg->cap) {
		size_t	 cap = pg->cap ? pg->cap * 2 : 64;
		void	*p = realloc(pg->logs, cap * sizeof(*pg->logs));

		if (p == NULL) {
			pg->err = TB_ENOMEM;
			return 1;
		}
		pg->logs = p;
		pg->cap = cap;
	}
	memset(pg->logs[n], 0, sizeof(pg->logs[n]));
	evid_id_text(sy->id, idstr, sizeof(idstr));
	if (json_array_append_new(pg->items, system_base_json(sy)) != 0 ||
	    json_object_set_new(pg->index, idstr, json_integer(
	    (json_int_t)n)) != 0) {
		pg->err = TB_ENOMEM;
		return 1;
	}
	pg->last_id = sy->id;
	return 0;
}

static int
sys_page_cb(void *arg, const struct store_system *sy)
{
	return sys_page_add(arg, sy);
}

static int
sys_page_log_cb(void *arg, const struct store_system_log *l)
{
	struct sys_page	*pg = arg;
	json_t		*at;
	char		 idstr[24];

	evid_id_text(l->system_id, idstr, sizeof(idstr));
	if ((at = json_object_get(pg->index, idstr)) != NULL)
		log_fill_cb(pg->logs[json_integer_value(at)], l);
	return 0;
}

/* Adds every collected system's logs and P24 judgement. */
static int
sys_page_finish(struct sys_page *pg, const char *agency)
{
	size_t	 i;
	json_t	*sys;
	int	 rc;

	if ((rc = store_system_log_scan(pg->c, 0, agency, sys_page_log_cb,
	    pg)) != TB_OK)
		return rc;
	json_array_foreach(pg->items, i, sys)
		logs_add(sys, pg->logs[i]);
	return TB_OK;
}

static void
sys_page_free(struct sys_page *pg)
{
	json_decref(pg->items);
	json_decref(pg->index);
	json_decref(pg->scope_cache);
	free(pg->logs);
}

int
api_systems_list(struct http_req *req)
{
	struct sys_page	 pg;
	char		 code[REG_CODE_SIZE];
	int64_t		 limit, after;
	int		 rc, retired = 0;

	memset(&pg, 0, sizeof(pg));
	if (agency_param(req, code, sizeof(code)) != 0 ||
	    evid_page_query(req, &limit, &after) != 0 ||
	    evid_bool_query(req, "include_retired", &retired) != 0)
		return 0;
	pg.req = req;
	pg.items = json_array();
	pg.index = json_object();
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (agency_check(req, pg.c, code, 0) != 0)
		goto out;
	if ((rc = store_system_scan(pg.c, code, retired, after, limit,
	    sys_page_cb, &pg)) != TB_OK || (rc = pg.err) != TB_OK ||
	    (rc = sys_page_finish(&pg, code)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	reply_page(req, json_incref(pg.items), limit, pg.last_id);
out:
	if (pg.c != NULL)
		store_release(pg.c);
	sys_page_free(&pg);
	return 0;
}

/*
 * Loads system {id} of agency {code} through c into *out and checks the
 * caller's scope.  Replies 404 (or the store error) and returns non-zero
 * when it is not there for the caller.
 */
static int
system_find(struct http_req *req, struct store_conn *c, int write,
    json_t **out)
{
	char	 code[REG_CODE_SIZE];
	int64_t	 id = evid_param_id(req, "id");
	int	 rc;

	*out = NULL;
	if (agency_param(req, code, sizeof(code)) != 0)
		return -1;
	if (id < 0 || (rc = system_load(c, id, out)) == TB_ENOTFOUND ||
	    (rc == TB_OK && strcmp(json_string_value(json_object_get(*out,
	    "agency")), code) != 0)) {
		json_decref(*out);
		*out = NULL;
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return -1;
	}
	if (agency_check(req, c, code, write) != 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
api_systems_get(struct http_req *req)
{
	struct store_conn	*c;
	json_t			*sys;
	int			 rc;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (system_find(req, c, 0, &sys) == 0)
		evid_reply(req, 200, sys, json_integer_value(json_object_get(
		    sys, "version")), NULL);
	store_release(c);
	return 0;
}

int
api_systems_update(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 0, 1, EVID_NAME_MAX },
		{ "description", JF_TEXT, 0, 0, EVID_TEXT_MAX },
		{ "tolerable_downtime_minutes", JF_INT, 0, 0,
		    EVID_DOWNTIME_MAX },
		{ "standby", JF_STRING, 0, 1, 16 },
		{ "logs", JF_OBJECT, 0, 0, 0 },
		{ "retired", JF_BOOL, 0, 0, 0 },
		{ "version", JF_INT, 0, 1, INT32_MAX },
	};
	struct store_conn	*c = NULL;
	struct store_system	 sy;
	json_t			*body, *before = NULL, *after = NULL, *v;
	json_t			*logs;
	const char		*s;
	char			 idstr[24];
	int64_t			 base, now = tb_now_us(), version;
	int			 rc;

	if (http_json_body(req, fields, 7, &body) != TB_OK)
		return 0;
	logs = evid_member(body, "logs");
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (system_find(req, c, 1, &before) != 0 ||
	    (base = evid_base_version(req, body)) < 0 ||
	    standby_check(req, body) != 0 || logs_check(req, logs) != 0)
		goto out;
	version = json_integer_value(json_object_get(before, "version"));
	if (base > 0 && base != version) {
		http_reply_error(req, "version_conflict", "version", NULL);
		goto out;
	}
	/* The new row: what the body names, the rest as it was. */
	memset(&sy, 0, sizeof(sy));
	sy.id = json_integer_value(json_object_get(before, "id"));
	v = evid_member(body, "name");
	sy.name = json_string_value(v != NULL ? v :
	    json_object_get(before, "name"));
	if ((v = evid_member(body, "description")) != NULL)
		s = json_string_value(v);
	else
		s = json_string_value(json_object_get(before, "description"));
	sy.description = s != NULL && s[0] != '\0' ? s : NULL;
	v = evid_member(body, "tolerable_downtime_minutes");
	sy.tolerable_downtime_minutes = json_integer_value(v != NULL ? v :
	    json_object_get(before, "tolerable_downtime_minutes"));
	v = evid_member(body, "standby");
	sy.standby = json_string_value(v != NULL ? v :
	    json_object_get(before, "standby"));
	sy.retired_at = 0;
	if ((v = evid_member(body, "retired")) != NULL ?
	    json_is_true(v) : json_is_true(json_object_get(before,
	    "retired"))) {
		/* A system retired before keeps the time it was retired. */
		sy.retired_at = now;
		if (json_is_true(json_object_get(before, "retired")))
			tbtime_parse(json_string_value(json_object_get(before,
			    "retired_at")), &sy.retired_at);
	}
	sy.updated_at = now;
	if ((rc = store_system_update(c, &sy, version)) != TB_OK) {
		reply_store(req, rc, "name");
		goto out;
	}
	if ((logs != NULL && (rc = logs_apply(c, sy.id, logs)) != TB_OK) ||
	    (rc = system_load(c, sy.id, &after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(sy.id, idstr, sizeof(idstr));
	if ((rc = auth_audit(req, c, "system.update", "core_system", idstr,
	    json_string_value(json_object_get(after, "agency")), before,
	    after)) != TB_OK || (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 200, after, version + 1, NULL);
	after = NULL;
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

/* --- devices ---------------------------------------------------------- */

/* What the route's system is: its agency and whether it is retired. */
struct sys_brief {
	char	 agency[REG_CODE_SIZE];
	int	 retired;
	int	 found;
};

static int
sys_brief_cb(void *arg, const struct store_system *sy)
{
	struct sys_brief	*b = arg;

	b->found = tb_strlcpy(b->agency, sy->agency, sizeof(b->agency)) ==
	    TB_OK;
	b->retired = sy->retired_at != 0;
	return 0;
}

/* Finds system {id} for the caller; replies 404 and returns non-zero
 * when it is not there for them. */
static int
device_system(struct http_req *req, struct store_conn *c, int write,
    int64_t *id, struct sys_brief *b)
{
	int	 rc, ok = 0;

	memset(b, 0, sizeof(*b));
	if ((*id = evid_param_id(req, "id")) < 0 ||
	    (rc = store_system_get(c, *id, sys_brief_cb, b)) ==
	    TB_ENOTFOUND || (rc == TB_OK && !b->found)) {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	if (rc != TB_OK ||
	    (rc = evid_agency_scope(req, c, b->agency, write, &ok)) !=
	    TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return -1;
	}
	if (!ok) {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	return 0;
}

static json_t *
device_json(const struct store_device *d)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)d->id,
	    "system_id", (json_int_t)d->system_id,
	    "name", d->name,
	    "kind", evid_str_json(d->kind),
	    "address", evid_str_json(d->address),
	    "note", evid_str_json(d->note),
	    "created_at", evid_time_json(d->created_at));
}

/* An optional text member, NULL when absent or empty. */
static const char *
opt_text(json_t *body, const char *name)
{
	const char	*s = json_string_value(evid_member(body, name));

	return s != NULL && s[0] != '\0' ? s : NULL;
}

int
api_devices_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 1, 1, EVID_NAME_MAX },
		{ "kind", JF_STRING, 0, 0, EVID_LINE_MAX },
		{ "address", JF_STRING, 0, 0, EVID_LINE_MAX },
		{ "note", JF_TEXT, 0, 0, EVID_TEXT_MAX },
	};
	struct store_conn	*c = NULL;
	struct store_device	 d;
	struct sys_brief	 b;
	struct idem		 k;
	json_t			*body, *after = NULL;
	char			 idstr[24], loc[96];
	int64_t			 sid;
	int			 rc;

	if (http_json_body(req, fields, 4, &body) != TB_OK)
		return 0;
	if (idem_begin(req, NULL, &k) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (device_system(req, c, 1, &sid, &b) != 0 ||
	    idem_replay(req, c, &k) != 0)
		goto out;
	if (b.retired) {
		http_reply_error(req, "conflict", NULL, http_msg(req,
		    "此核心系統已停用，不能再新增設備",
		    "This core system is retired; devices cannot be added"));
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.id = store_new_id();
	d.system_id = sid;
	d.name = json_string_value(evid_member(body, "name"));
	d.kind = opt_text(body, "kind");
	d.address = opt_text(body, "address");
	d.note = opt_text(body, "note");
	d.created_at = tb_now_us();
	after = device_json(&d);
	evid_id_text(d.id, idstr, sizeof(idstr));
	tb_snprintf(loc, sizeof(loc), "/api/v1/systems/%lld/devices",
	    (long long)sid);
	if ((rc = store_device_insert(c, &d)) != TB_OK ||
	    (rc = idem_audit_commit(req, c, &k, 201, loc,
	    "device.create", "device", idstr, b.agency,
	    NULL, after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 0, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(body);
	return 0;
}

struct dev_page {
	json_t	*items;
	int64_t	 last_id;
};

static int
dev_page_cb(void *arg, const struct store_device *d)
{
	struct dev_page	*pg = arg;

	json_array_append_new(pg->items, device_json(d));
	pg->last_id = d->id;
	return 0;
}

int
api_devices_list(struct http_req *req)
{
	struct store_conn	*c;
	struct sys_brief	 b;
	struct dev_page		 pg = { NULL, 0 };
	int64_t			 sid, limit, after;
	int			 rc;

	if (evid_page_query(req, &limit, &after) != 0)
		return 0;
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (device_system(req, c, 0, &sid, &b) != 0)
		goto out;
	pg.items = json_array();
	if ((rc = store_device_scan(c, sid, after, limit, dev_page_cb, &pg))
	    != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	reply_page(req, json_incref(pg.items), limit, pg.last_id);
out:
	json_decref(pg.items);
	store_release(c);
	return 0;
}

/* --- compliance views --------------------------------------------------- */

/*
 * Whether an agency's records belong in a compliance view: in the caller's
 * scope and, with ?agency=, at or below that agency.  Answers are cached
 * per agency, as a view walks many records of few agencies.
 */
static int
view_includes(struct http_req *req, struct store_conn *c, json_t *cache,
    const char *within, const char *agency, int *in)
{
	json_t	*v = json_object_get(cache, agency);
	int	 rc, ok = 0;

	if (v != NULL) {
		*in = json_is_true(v);
		return TB_OK;
	}
	if ((rc = evid_agency_scope(req, c, agency, 0, &ok)) != TB_OK)
		return rc;
	if (ok && within != NULL &&
	    (rc = store_agency_within(c, agency, within, 0, &ok)) != TB_OK)
		return rc;
	json_object_set_new(cache, agency, json_boolean(ok));
	*in = ok;
	return TB_OK;
}

static int
view_sys_cb(void *arg, const struct store_system *sy)
{
	struct sys_page	*pg = arg;
	int		 in = 0;

	if ((pg->err = view_includes(pg->req, pg->c, pg->scope_cache,
	    pg->within, sy->agency, &in)) != TB_OK)
		return 1;
	if (!in)
		return 0;
	if (json_array_size(pg->items) >= EVID_VIEW_MAX) {
		pg->truncated = 1;
		return 1;
	}
	return sys_page_add(pg, sy);
}

/*
 * Reads the ?agency= of a compliance view into within (NULL when absent)
 * and checks that it exists and is in scope.  Replies and returns
 * non-zero when not.
 */
static int
view_agency(struct http_req *req, struct store_conn *c, char *code,
    size_t len, const char **within)
{
	int	 rc;

	*within = NULL;
	if ((rc = http_query(req, "agency", code, len)) == TB_ENOTFOUND)
		return 0;
	if (rc != TB_OK || code[0] == '\0') {
		http_reply_error(req, "invalid_query", "agency", NULL);
		return -1;
	}
	if (agency_check(req, c, code, 0) != 0)
		return -1;
	*within = code;
	return 0;
}

/* Adds one to counts[agency][key], creating the entry. */
static void
count_add(json_t *counts, const char *agency, const char *key, int add)
{
	json_t	*a = json_object_get(counts, agency), *v;

	if (a == NULL) {
		a = json_object();
		json_object_set_new(counts, agency, a);
	}
	v = json_object_get(a, key);
	json_object_set_new(a, key, json_integer(
	    (v != NULL ? json_integer_value(v) : 0) + add));
}

static int
code_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The per-agency counts as a list ordered by agency code. */
static json_t *
counts_list(json_t *counts, const char *const *keys, size_t nkeys)
{
	json_t		*list = json_array(), *a, *row;
	const char	**codes;
	const char	*k;
	size_t		 n = json_object_size(counts), i = 0;

	if ((codes = calloc(n + 1, sizeof(*codes))) == NULL)
		return list;
	json_object_foreach(counts, k, a)
		codes[i++] = k;
	qsort(codes, n, sizeof(*codes), code_cmp);
	for (i = 0; i < n; i++) {
		a = json_object_get(counts, codes[i]);
		row = json_pack("{s:s}", "agency", codes[i]);
		for (size_t j = 0; j < nkeys; j++) {
			json_t *v = json_object_get(a, keys[j]);

			json_object_set_new(row, keys[j], json_integer(
			    v != NULL ? json_integer_value(v) : 0));
		}
		json_array_append_new(list, row);
	}
	free(codes);
	return list;
}

int
api_compliance_logs(struct http_req *req)
{
	static const char *const keys[] = { "systems", "compliant",
	    "non_compliant", "missing_type", "short_retention" };
	struct sys_page	 pg;
	json_t		*counts = json_object(), *items = json_array(), *sys;
	json_t		*ck;
	char		 code[REG_CODE_SIZE];
	size_t		 i, nbad = 0;
	int		 rc;

	memset(&pg, 0, sizeof(pg));
	pg.req = req;
	pg.items = json_array();
	pg.index = json_object();
	pg.scope_cache = json_object();
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (view_agency(req, pg.c, code, sizeof(code), &pg.within) != 0)
		goto out;
	/* Retired systems are out of service and out of the view. */
	if ((rc = store_system_scan(pg.c, NULL, 0, 0, 0, view_sys_cb, &pg))
	    != TB_OK || (rc = pg.err) != TB_OK ||
	    (rc = sys_page_finish(&pg, NULL)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	json_array_foreach(pg.items, i, sys) {
		const char	*agency = json_string_value(json_object_get(sys,
		    "agency"));
		int		 ok;

		ck = json_object_get(sys, "compliance");
		ok = json_is_true(json_object_get(ck, "compliant"));
		count_add(counts, agency, "systems", 1);
		count_add(counts, agency, ok ? "compliant" : "non_compliant",
		    1);
		count_add(counts, agency, "missing_type",
		    json_array_size(json_object_get(ck, "missing")) > 0);
		count_add(counts, agency, "short_retention",
		    json_array_size(json_object_get(ck, "short")) > 0);
		if (!ok) {
			json_array_append(items, sys);
			nbad++;
		}
	}
	http_reply_json(req, 200, json_pack(
	    "{s:o, s:i, s:{s:I, s:I, s:I}, s:o, s:o, s:b}",
	    "agency", evid_str_json(pg.within),
	    "months_required", EVLOG_MONTHS_MIN,
	    "summary", "systems", (json_int_t)json_array_size(pg.items),
	    "compliant", (json_int_t)(json_array_size(pg.items) - nbad),
	    "non_compliant", (json_int_t)nbad,
	    "agencies", counts_list(counts, keys, 5),
	    "items", json_incref(items),
	    "truncated", pg.truncated));
out:
	if (pg.c != NULL)
		store_release(pg.c);
	sys_page_free(&pg);
	json_decref(counts);
	json_decref(items);
	return 0;
}

/* --- contracts (P26) -------------------------------------------------- */

/* Today's Taipei date as YYYY-MM-DD, for "has this contract ended". */
static void
today_text(char out[TBTIME_DATE_SIZE])
{
	struct tbtime_date	 d = tbtime_taipei_date(tb_now_us());

	if (tbtime_format_date(&d, out, TBTIME_DATE_SIZE) != TB_OK)
		out[0] = '\0';
}

static json_t *
contract_json(const struct store_contract *k, const char *today)
{
	json_t		*clauses = json_object();
	bool		 ticked[EVCLAUSE__COUNT];
	unsigned	 missing;

	for (unsigned i = 0; i < EVCLAUSE__COUNT; i++) {
		ticked[i] = k->clause[i] != 0;
		json_object_set_new(clauses, evclause_name((enum evclause)i),
		    json_boolean(ticked[i]));
	}
	missing = evclause_missing(ticked);
	{
		json_t *m = json_array();

		for (unsigned i = 0; i < EVCLAUSE__COUNT; i++)
			if (missing & EVCLAUSE_BIT(i))
				json_array_append_new(m, json_string(
				    evclause_name((enum evclause)i)));
		/* Dates in YYYY-MM-DD compare as text. */
		return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:b, s:o, "
		    "s:o, s:b, s:o, s:o, s:o, s:I}",
		    "id", (json_int_t)k->id,
		    "agency", k->agency,
		    "vendor", k->vendor,
		    "title", k->title,
		    "starts_on", k->starts_on,
		    "ends_on", evid_str_json(k->ends_on),
		    "ended", k->ends_on != NULL &&
		    strcmp(k->ends_on, today) < 0,
		    "clauses", clauses,
		    "missing_clauses", m,
		    "complete", missing == 0,
		    "note", evid_str_json(k->note),
		    "created_at", evid_time_json(k->created_at),
		    "updated_at", evid_time_json(k->updated_at),
		    "version", (json_int_t)k->version);
	}
}

/*
 * Checks a contract body's dates and clauses; replies 422 naming the
 * field and returns non-zero when bad.
 */
static int
contract_check(struct http_req *req, json_t *body)
{
	struct tbtime_date	 d;
	const char		*names[] = { "starts_on", "ends_on" };
	const char		*k;
	json_t			*v, *clauses = evid_member(body, "clauses");
	enum evclause		 cl;
	char			 field[64];

	for (size_t i = 0; i < 2; i++) {
		const char *s = json_string_value(evid_member(body, names[i]));

		/* An empty ends_on makes the contract open-ended. */
		if (s == NULL || (i == 1 && s[0] == '\0'))
			continue;
		if (tbtime_parse_date(s, strlen(s), &d) != TB_OK) {
			http_reply_error(req, "invalid_field", names[i],
			    http_msg(req, "日期格式須為 YYYY-MM-DD",
			    "A date is written YYYY-MM-DD"));
			return -1;
		}
	}
	json_object_foreach(clauses, k, v) {
		if (tb_snprintf(field, sizeof(field), "clauses.%s", k) !=
		    TB_OK)
			tb_strlcpy(field, "clauses", sizeof(field));
		if (evclause_from_name(k, &cl) != TB_OK) {
			http_reply_error(req, "unknown_field", field, NULL);
			return -1;
		}
		if (!json_is_boolean(v)) {
			http_reply_error(req, "invalid_field", field, NULL);
			return -1;
		}
	}
	return 0;
}

/* Fills the clauses of k from body's "clauses" over what k holds. */
static void
contract_clauses(struct store_contract *k, json_t *body)
{
	json_t		*clauses = evid_member(body, "clauses"), *v;
	const char	*name;
	enum evclause	 cl;

	json_object_foreach(clauses, name, v)
		if (evclause_from_name(name, &cl) == TB_OK)
			k->clause[cl] = json_is_true(v);
}

/* Refuses a period that ends before it starts (422 ends_on). */
static int
contract_period(struct http_req *req, const struct store_contract *k)
{
	if (k->ends_on == NULL || strcmp(k->ends_on, k->starts_on) >= 0)
		return 0;
	http_reply_error(req, "invalid_field", "ends_on", http_msg(req,
	    "合約結束日不可早於開始日",
	    "The contract cannot end before it starts"));
	return -1;
}

int
api_contracts_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "vendor", JF_STRING, 1, 1, EVID_NAME_MAX },
		{ "title", JF_STRING, 1, 1, EVID_NAME_MAX },
		{ "starts_on", JF_STRING, 1, 10, 10 },
		{ "ends_on", JF_STRING, 0, 0, 10 },
		{ "clauses", JF_OBJECT, 0, 0, 0 },
		{ "note", JF_TEXT, 0, 0, EVID_TEXT_MAX },
	};
	struct store_conn	*c = NULL;
	struct store_contract	 k;
	struct idem		 ik;
	json_t			*body, *after = NULL;
	char			 code[REG_CODE_SIZE], idstr[24], loc[160];
	char			 today[TBTIME_DATE_SIZE];
	int			 rc;

	if (http_json_body(req, fields, 6, &body) != TB_OK)
		return 0;
	if (agency_param(req, code, sizeof(code)) != 0 ||
	    idem_begin(req, NULL, &ik) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (agency_check(req, c, code, 1) != 0 ||
	    idem_replay(req, c, &ik) != 0 ||
	    contract_check(req, body) != 0)
		goto out;
	memset(&k, 0, sizeof(k));
	k.id = store_new_id();
	k.agency = code;
	k.vendor = json_string_value(evid_member(body, "vendor"));
	k.title = json_string_value(evid_member(body, "title"));
	k.starts_on = json_string_value(evid_member(body, "starts_on"));
	k.ends_on = opt_text(body, "ends_on");
	k.note = opt_text(body, "note");
	contract_clauses(&k, body);
	k.created_at = k.updated_at = tb_now_us();
	k.version = 1;
	if (contract_period(req, &k) != 0)
		goto out;
	today_text(today);
	after = contract_json(&k, today);
	evid_id_text(k.id, idstr, sizeof(idstr));
	tb_snprintf(loc, sizeof(loc), "/api/v1/agencies/%s/contracts/%s", code,
	    idstr);
	if ((rc = store_contract_insert(c, &k)) != TB_OK ||
	    (rc = auth_audit(req, c, "contract.create", "contract", idstr,
	    code, NULL, after)) != TB_OK ||
	    (rc = idem_record_json(req, c, &ik, 201, loc, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 1, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(body);
	return 0;
}

struct contract_page {
	struct http_req		*req;
	struct store_conn	*c;
	json_t			*items;
	char			 today[TBTIME_DATE_SIZE];
	int64_t			 last_id;
	/* For the view only. */
	const char		*within;
	json_t			*scope_cache;
	int			 include_ended;
	int			 truncated;
	int			 err;
};

static int
contract_page_cb(void *arg, const struct store_contract *k)
{
	struct contract_page	*pg = arg;

	json_array_append_new(pg->items, contract_json(k, pg->today));
	pg->last_id = k->id;
	return 0;
}

int
api_contracts_list(struct http_req *req)
{
	struct contract_page	 pg;
	char			 code[REG_CODE_SIZE];
	int64_t			 limit, after;
	int			 rc;

	memset(&pg, 0, sizeof(pg));
	if (agency_param(req, code, sizeof(code)) != 0 ||
	    evid_page_query(req, &limit, &after) != 0)
		return 0;
	pg.items = json_array();
	today_text(pg.today);
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (agency_check(req, pg.c, code, 0) != 0)
		goto out;
	if ((rc = store_contract_scan(pg.c, code, after, limit,
	    contract_page_cb, &pg)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	reply_page(req, json_incref(pg.items), limit, pg.last_id);
out:
	if (pg.c != NULL)
		store_release(pg.c);
	json_decref(pg.items);
	return 0;
}

/* The contract {id} of agency {code} as a copy the caller owns. */
struct contract_copy {
	struct store_contract	 k;
	char			*agency, *vendor, *title, *starts_on;
	char			*ends_on, *note;
	int			 found;
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
contract_copy_cb(void *arg, const struct store_contract *k)
{
	struct contract_copy	*cc = arg;

	cc->k = *k;
	cc->k.agency = cc->agency = xstrdup(k->agency);
	cc->k.vendor = cc->vendor = xstrdup(k->vendor);
	cc->k.title = cc->title = xstrdup(k->title);
	cc->k.starts_on = cc->starts_on = xstrdup(k->starts_on);
	cc->k.ends_on = cc->ends_on = dup_or_null(k->ends_on);
	cc->k.note = cc->note = dup_or_null(k->note);
	cc->found = 1;
	return 0;
}

static void
contract_copy_free(struct contract_copy *cc)
{
	free(cc->agency);
	free(cc->vendor);
	free(cc->title);
	free(cc->starts_on);
	free(cc->ends_on);
	free(cc->note);
	memset(cc, 0, sizeof(*cc));
}

/* Loads contract {id} of {code} for the caller; replies 404 and returns
 * non-zero when it is not there for them. */
static int
contract_find(struct http_req *req, struct store_conn *c, int write,
    struct contract_copy *cc)
{
	char	 code[REG_CODE_SIZE];
	int64_t	 id = evid_param_id(req, "id");
	int	 rc = TB_OK;

	memset(cc, 0, sizeof(*cc));
	if (agency_param(req, code, sizeof(code)) != 0)
		return -1;
	if (id > 0 && (rc = store_contract_get(c, id, contract_copy_cb, cc))
	    != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_tb_err(req, rc, NULL);
		return -1;
	}
	if (!cc->found || strcmp(cc->agency, code) != 0) {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	return agency_check(req, c, code, write);
}

int
api_contracts_get(struct http_req *req)
{
	struct store_conn	*c;
	struct contract_copy	 cc;
	char			 today[TBTIME_DATE_SIZE];
	int			 rc;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	today_text(today);
	if (contract_find(req, c, 0, &cc) == 0)
		evid_reply(req, 200, contract_json(&cc.k, today), cc.k.version,
		    NULL);
	store_release(c);
	contract_copy_free(&cc);
	return 0;
}

int
api_contracts_update(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "vendor", JF_STRING, 0, 1, EVID_NAME_MAX },
		{ "title", JF_STRING, 0, 1, EVID_NAME_MAX },
		{ "starts_on", JF_STRING, 0, 10, 10 },
		{ "ends_on", JF_STRING, 0, 0, 10 },
		{ "clauses", JF_OBJECT, 0, 0, 0 },
		{ "note", JF_TEXT, 0, 0, EVID_TEXT_MAX },
		{ "version", JF_INT, 0, 1, INT32_MAX },
	};
	struct store_conn	*c = NULL;
	struct contract_copy	 cc;
	struct store_contract	 k;
	json_t			*body, *before = NULL, *after = NULL, *v;
	char			 idstr[24], today[TBTIME_DATE_SIZE];
	int64_t			 base;
	int			 rc;

	memset(&cc, 0, sizeof(cc));
	if (http_json_body(req, fields, 7, &body) != TB_OK)
		return 0;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (contract_find(req, c, 1, &cc) != 0 ||
	    (base = evid_base_version(req, body)) < 0 ||
	    contract_check(req, body) != 0)
		goto out;
	if (base > 0 && base != cc.k.version) {
		http_reply_error(req, "version_conflict", "version", NULL);
		goto out;
	}
	today_text(today);
	before = contract_json(&cc.k, today);
	k = cc.k;
	if ((v = evid_member(body, "vendor")) != NULL)
		k.vendor = json_string_value(v);
	if ((v = evid_member(body, "title")) != NULL)
		k.title = json_string_value(v);
	if ((v = evid_member(body, "starts_on")) != NULL)
		k.starts_on = json_string_value(v);
	if (evid_member(body, "ends_on") != NULL)
		k.ends_on = opt_text(body, "ends_on");
	if (evid_member(body, "note") != NULL)
		k.note = opt_text(body, "note");
	contract_clauses(&k, body);
	k.updated_at = tb_now_us();
	if (contract_period(req, &k) != 0)
		goto out;
	if ((rc = store_contract_update(c, &k, cc.k.version)) != TB_OK) {
		reply_store(req, rc, NULL);
		goto out;
	}
	k.version = cc.k.version + 1;
	after = contract_json(&k, today);
	evid_id_text(k.id, idstr, sizeof(idstr));
	if ((rc = auth_audit(req, c, "contract.update", "contract", idstr,
	    k.agency, before, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 200, after, k.version, NULL);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	contract_copy_free(&cc);
	json_decref(before);
	json_decref(after);
	json_decref(body);
	return 0;
}

static int
view_contract_cb(void *arg, const struct store_contract *k)
{
	struct contract_page	*pg = arg;
	int			 in = 0;

	if ((pg->err = view_includes(pg->req, pg->c, pg->scope_cache,
	    pg->within, k->agency, &in)) != TB_OK)
		return 1;
	if (!in || (!pg->include_ended && k->ends_on != NULL &&
	    strcmp(k->ends_on, pg->today) < 0))
		return 0;
	if (json_array_size(pg->items) >= EVID_VIEW_MAX) {
		pg->truncated = 1;
		return 1;
	}
	return contract_page_cb(pg, k);
}

int
api_compliance_contracts(struct http_req *req)
{
	static const char *const keys[] = { "contracts", "complete",
	    "missing_clauses", "missing_reporting", "missing_log_retention",
	    "missing_evidence_preservation", "missing_backup" };
	struct contract_page	 pg;
	json_t			*counts = json_object(), *items = json_array();
	json_t			*k;
	char			 code[REG_CODE_SIZE], key[64];
	size_t			 i, nbad = 0;
	int			 rc;

	memset(&pg, 0, sizeof(pg));
	pg.req = req;
	pg.items = json_array();
	pg.scope_cache = json_object();
	today_text(pg.today);
	if (evid_bool_query(req, "include_ended", &pg.include_ended) != 0)
		goto out;
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (view_agency(req, pg.c, code, sizeof(code), &pg.within) != 0)
		goto out;
	if ((rc = store_contract_scan(pg.c, NULL, 0, 0, view_contract_cb,
	    &pg)) != TB_OK || (rc = pg.err) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	json_array_foreach(pg.items, i, k) {
		const char	*agency = json_string_value(json_object_get(k,
		    "agency"));
		json_t		*m = json_object_get(k, "missing_clauses"), *x;
		size_t		 j;

		count_add(counts, agency, "contracts", 1);
		if (json_array_size(m) == 0) {
			count_add(counts, agency, "complete", 1);
			continue;
		}
		count_add(counts, agency, "missing_clauses", 1);
		json_array_foreach(m, j, x) {
			tb_snprintf(key, sizeof(key), "missing_%s",
			    json_string_value(x));
			count_add(counts, agency, key, 1);
		}
		json_array_append(items, k);
		nbad++;
	}
	http_reply_json(req, 200, json_pack(
	    "{s:o, s:{s:I, s:I, s:I}, s:o, s:o, s:b}",
	    "agency", evid_str_json(pg.within),
	    "summary", "contracts", (json_int_t)json_array_size(pg.items),
	    "complete", (json_int_t)(json_array_size(pg.items) - nbad),
	    "missing_clauses", (json_int_t)nbad,
	    "agencies", counts_list(counts, keys, 7),
	    "items", json_incref(items),
	    "truncated", pg.truncated));
out:
	if (pg.c != NULL)
		store_release(pg.c);
	json_decref(pg.items);
	json_decref(pg.scope_cache);
	json_decref(counts);
	json_decref(items);
	return 0;
}
