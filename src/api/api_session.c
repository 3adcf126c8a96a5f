/*
 * api_session.c: sign-in and sign-out, the caller's own account, API
 * tokens and reading the audit trail (issue 3, P32).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/throttle.h"
#include "config.h"
#include "domain/domain.h"
#include "store/store.h"
#include "util/secret.h"

/* API tokens live at most a year; the default is 90 days. */
#define TOKEN_TTL_DEFAULT_DAYS	90
#define TOKEN_TTL_MAX_DAYS	366
/* Audit entries per page. */
#define AUDIT_LIMIT_DEFAULT	50
#define AUDIT_LIMIT_MAX		500

/*
 * A hash to verify against when the account does not exist, so that an
 * unknown name takes as long as a wrong password and names cannot be
 * probed by timing.
 */
static char		 dummy_hash[SECRET_HASH_MAX];
static pthread_once_t	 dummy_once = PTHREAD_ONCE_INIT;

static void
dummy_init(void)
{
	secret_password_hash("tongbao-no-such-account", dummy_hash);
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

static json_t *
me_json(const struct principal *p)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s}",
	    "id", (json_int_t)p->user_id,
	    "username", p->username,
	    "name", p->name,
	    "agency", p->agency,
	    "roles", roles_json(p->roles),
	    "lang", p->lang,
	    "auth", p->session_id ? "session" : "token");
}

/* Loopback plain HTTP is the one place a cookie may go without Secure. */
static int
cookie_secure(const struct app *app)
{
	const char *o = app->origin;

	if (strncmp(o, "https://", 8) == 0)
		return 1;
	return !(strncmp(o, "http://127.", 11) == 0 ||
	    strncmp(o, "http://localhost", 16) == 0 ||
	    strncmp(o, "http://[::1]", 12) == 0);
}

/* Records a refused sign-in in its own transaction. */
static void
audit_refused(struct http_req *req, const char *username, const char *why)
{
	struct store_conn	*c;
	json_t			*after;

	if (store_write(req->app->store, &c) != TB_OK)
		return;
	after = json_pack("{s:s, s:s}", "username", username, "reason", why);
	if (store_tx_begin(c) == TB_OK) {
		if (auth_audit(req, c, "session.refused", "session", NULL,
		    NULL, NULL, after) == TB_OK)
			store_tx_commit(c);
		else
			store_tx_rollback(c);
	}
	json_decref(after);
	store_release(c);
}

int
api_session_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "username", JF_STRING, 1, 1, 63 },
		{ "password", JF_TEXT, 1, 1, AUTH_PASSWORD_MAX },
	};
	const struct config	*cfg = req->app->cfg;
	struct store_login	 u;
	struct store_session	 se;
	struct store_conn	*c = NULL;
	json_t			*body, *after;
	const char		*username, *password;
	char			 token[SECRET_TOKEN_LEN(32)], hash[65];
	char			 cookie[256], retry[24];
	int64_t			 now = tb_now_us(), wait;
	int			 rc, found;

	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	username = json_string_value(json_object_get(body, "username"));
	password = json_string_value(json_object_get(body, "password"));
	if ((wait = throttle_check(username, req->remote, now)) > 0) {
		tb_snprintf(retry, sizeof(retry), "%lld",
		    (long long)((wait + 999999) / 1000000));
		audit_refused(req, username, "throttled");
		http_reply_error(req, "too_many_requests", NULL, NULL);
		http_reply_header(req, "Retry-After", retry);
		goto out;
	}
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	rc = store_login_by_name(c, username, &u);
	store_release(c);
	c = NULL;
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	found = rc == TB_OK && u.active && u.password_hash[0] != '\0';
	if (!found) {
		pthread_once(&dummy_once, dummy_init);
		secret_password_verify(dummy_hash, password);
	}
	if (!found || secret_password_verify(u.password_hash, password)
	    != TB_OK) {
		throttle_failure(username, req->remote, now);
		audit_refused(req, username, found ? "wrong_password" :
		    "unknown_or_inactive");
		http_reply_error(req, "invalid_credentials", NULL, NULL);
		goto out;
	}
	throttle_success(username, req->remote, now);

	secret_token(token, 32);
	auth_token_hash(token, hash);
	memset(&se, 0, sizeof(se));
	se.id = store_new_id();
	se.token_hash = hash;
	se.user_id = u.id;
	se.created_at = se.last_seen_at = now;
	se.expires_at = now + cfg->session_max_hours * 3600LL * 1000000LL;
	se.remote = req->remote;
	memset(&req->who_storage, 0, sizeof(req->who_storage));
	req->who_storage.user_id = u.id;
	tb_strlcpy(req->who_storage.username, u.username,
	    sizeof(req->who_storage.username));
	tb_strlcpy(req->who_storage.name, u.name,
	    sizeof(req->who_storage.name));
	tb_strlcpy(req->who_storage.agency, u.agency,
	    sizeof(req->who_storage.agency));
	tb_strlcpy(req->who_storage.lang, u.lang,
	    sizeof(req->who_storage.lang));
	req->who_storage.roles = u.roles;
	req->who_storage.session_id = se.id;
	req->who = &req->who_storage;

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	after = json_pack("{s:I}", "session_id", (json_int_t)se.id);
	if ((rc = store_session_insert(c, &se)) != TB_OK ||
	    (rc = auth_audit(req, c, "session.create", "user", u.username,
	    u.agency, NULL, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		store_tx_rollback(c);
		json_decref(after);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	json_decref(after);
	tb_snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%lld%s", AUTH_COOKIE, token,
	    (long long)(cfg->session_max_hours * 3600),
	    cookie_secure(req->app) ? "; Secure" : "");
	http_reply_json(req, 201, me_json(req->who));
	http_reply_header(req, "Set-Cookie", cookie);
out:
	if (c != NULL)
		store_release(c);
	secret_wipe(token, sizeof(token));
	secret_wipe(cookie, sizeof(cookie));
	json_decref(body);
	return 0;
}

int
api_session_delete(struct http_req *req)
{
	struct store_conn	*c;
	char			 cookie[128];
	int			 rc;

	if (req->who->session_id != 0) {
		if ((rc = store_write(req->app->store, &c)) != TB_OK)
			return http_reply_tb_err(req, rc, NULL);
		if ((rc = store_tx_begin(c)) != TB_OK ||
		    (rc = store_session_revoke(c, req->who->session_id,
		    tb_now_us())) != TB_OK ||
		    (rc = auth_audit(req, c, "session.delete", "user",
		    req->who->username, req->who->agency, NULL, NULL))
		    != TB_OK ||
		    (rc = store_tx_commit(c)) != TB_OK) {
			store_tx_rollback(c);
			store_release(c);
			return http_reply_tb_err(req, rc, NULL);
		}
		store_release(c);
	}
	tb_snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=0%s", AUTH_COOKIE,
	    cookie_secure(req->app) ? "; Secure" : "");
	http_reply_copy(req, 204, NULL, "", 0);
	http_reply_header(req, "Set-Cookie", cookie);
	return 0;
}

int
api_me(struct http_req *req)
{
	return http_reply_json(req, 200, me_json(req->who));
}

int
api_me_password(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "current_password", JF_TEXT, 1, 1, AUTH_PASSWORD_MAX },
		{ "new_password", JF_TEXT, 1, 1, AUTH_PASSWORD_MAX },
	};
	struct store_login	 u;
	struct store_conn	*c = NULL;
	json_t			*body;
	const char		*cur, *neu, *weak;
	char			 hash[SECRET_HASH_MAX];
	int64_t			 now = tb_now_us();
	int			 rc;

	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	cur = json_string_value(json_object_get(body, "current_password"));
	neu = json_string_value(json_object_get(body, "new_password"));
	if ((weak = auth_password_weak(neu, req->who->username)) != NULL) {
		http_reply_error(req, "weak_password", "new_password", NULL);
		goto out;
	}
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	rc = store_login_by_id(c, req->who->user_id, &u);
	store_release(c);
	c = NULL;
	if (rc != TB_OK ||
	    secret_password_verify(u.password_hash, cur) != TB_OK) {
		http_reply_error(req, "invalid_credentials",
		    "current_password", NULL);
		goto out;
	}
	if ((rc = secret_password_hash(neu, hash)) != TB_OK ||
	    (rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/* Other sessions end: a changed password may mean a stolen one. */
	if ((rc = store_user_set_password(c, u.id, hash, now)) != TB_OK ||
	    (rc = store_session_revoke_others(c, u.id,
	    req->who->session_id, now)) != TB_OK ||
	    (rc = auth_audit(req, c, "user.password", "user", u.username,
	    u.agency, NULL, NULL)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		store_tx_rollback(c);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	http_reply_copy(req, 204, NULL, "", 0);
out:
	if (c != NULL)
		store_release(c);
	secret_wipe(hash, sizeof(hash));
	json_decref(body);
	return 0;
}

int
api_tokens_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 1, 1, 100 },
		{ "expires_in_days", JF_INT, 0, 1, TOKEN_TTL_MAX_DAYS },
	};
	struct store_conn	*c = NULL;
	json_t			*body, *v, *after;
	char			 token[128], at[40], idstr[24];
	int64_t			 days = TOKEN_TTL_DEFAULT_DAYS, id = 0;
	int64_t			 now = tb_now_us();
	const char		*name;
	int			 rc;

	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	name = json_string_value(json_object_get(body, "name"));
	if ((v = json_object_get(body, "expires_in_days")) != NULL &&
	    json_is_integer(v))
		days = json_integer_value(v);
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if ((rc = auth_token_create(c, req->who->user_id, name, days,
	    req->who->user_id, now, token, sizeof(token), &id)) != TB_OK) {
		store_tx_rollback(c);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	after = json_pack("{s:s, s:I}", "name", name, "expires_in_days",
	    (json_int_t)days);
	rc = auth_audit(req, c, "token.create", "api_token", idstr,
	    req->who->agency, NULL, after);
	json_decref(after);
	if (rc != TB_OK || (rc = store_tx_commit(c)) != TB_OK) {
		store_tx_rollback(c);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	tbtime_format(now + days * 86400LL * 1000000LL, at, sizeof(at));
	http_reply_json(req, 201, json_pack("{s:I, s:s, s:s, s:s}",
	    "id", (json_int_t)id, "name", name, "token", token,
	    "expires_at", at));
	http_reply_header(req, "Location", "/api/v1/me");
out:
	if (c != NULL)
		store_release(c);
	secret_wipe(token, sizeof(token));
	json_decref(body);
	return 0;
}

int
api_tokens_delete(struct http_req *req)
{
	struct store_conn	*c;
	char			 idstr[24];
	int64_t			 id;
	int			 rc;

	if (http_param(req, "id", idstr, sizeof(idstr)) != TB_OK ||
	    parse_i64(idstr, 1, INT64_MAX, &id) != TB_OK)
		return http_reply_error(req, "not_found", NULL, NULL);
	if ((rc = store_write(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if ((rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	/* doit_admin may revoke anyone's token; others only their own. */
	rc = store_token_revoke(c, id,
	    auth_has_role(req, ROLE_DOIT_ADMIN) ? 0 : req->who->user_id,
	    tb_now_us());
	if (rc != TB_OK)
		goto fail;
	if ((rc = auth_audit(req, c, "token.revoke", "api_token", idstr,
	    req->who->agency, NULL, NULL)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	store_release(c);
	return http_reply_copy(req, 204, NULL, "", 0);
fail:
	store_tx_rollback(c);
	store_release(c);
	return http_reply_tb_err(req, rc, NULL);
}

struct audit_page {
	struct http_req		*req;
	struct store_conn	*c;
	json_t			*items;
	int64_t			 limit, last_seq;
	int			 err;
};

static json_t *
json_or_null(const char *s)
{
	json_t	*v;

	if (s == NULL)
		return json_null();
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v != NULL ? v : json_string(s);
}

static int
audit_page_add(void *arg, const struct store_audit *a)
{
	struct audit_page	*pg = arg;
	char			 at[40];
	int			 visible = 0;

	pg->last_seq = a->seq;
	if (pg->req->who->roles & ROLES_DOIT)
		visible = 1;
	else if (a->agency != NULL && (pg->err = auth_agency_visible(pg->req,
	    pg->c, a->agency, &visible)) != TB_OK)
		return 1;
	if (!visible)
		return 0;
	tbtime_format(a->at, at, sizeof(at));
	json_array_append_new(pg->items, json_pack(
	    "{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s?, s:o, s:o, "
	    "s:s, s:s}",
	    "seq", (json_int_t)a->seq, "at", at, "actor", a->actor,
	    "agency", a->agency, "remote", a->remote,
	    "request_id", a->request_id, "action", a->action,
	    "object_type", a->object_type, "object_id", a->object_id,
	    "before", json_or_null(a->before_json),
	    "after", json_or_null(a->after_json),
	    "prev_hash", a->prev_hash, "hash", a->hash));
	return (int64_t)json_array_size(pg->items) >= pg->limit;
}

int
api_audit_list(struct http_req *req)
{
	struct audit_page	 pg;
	char			 q[32];
	int64_t			 after = 0;
	int			 rc;

	memset(&pg, 0, sizeof(pg));
	pg.limit = AUDIT_LIMIT_DEFAULT;
	if ((rc = http_query(req, "after", q, sizeof(q))) == TB_OK) {
		if (parse_i64(q, 0, INT64_MAX, &after) != TB_OK)
			return http_reply_error(req, "invalid_query", "after",
			    NULL);
	} else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "after", NULL);
	if ((rc = http_query(req, "limit", q, sizeof(q))) == TB_OK) {
		if (parse_i64(q, 1, AUDIT_LIMIT_MAX, &pg.limit) != TB_OK)
			return http_reply_error(req, "invalid_query", "limit",
			    NULL);
	} else if (rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "limit", NULL);
	pg.req = req;
	pg.items = json_array();
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	/*
	 * Entries outside the caller's scope are skipped, so a page is
	 * scanned in batches until it is full or the trail ends.
	 */
	for (;;) {
		pg.last_seq = after;
		rc = store_audit_scan(pg.c, after, AUDIT_LIMIT_MAX,
		    audit_page_add, &pg);
		if (rc != TB_OK || pg.err != TB_OK)
			break;
		/* Full, or the scan found nothing past after: the end. */
		if ((int64_t)json_array_size(pg.items) >= pg.limit ||
		    pg.last_seq == after)
			break;
		after = pg.last_seq;
	}
	store_release(pg.c);
	if (rc != TB_OK || pg.err != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc != TB_OK ? rc : pg.err, NULL);
	}
	{
		json_t	*next = json_null();
		char	 cur[24];

		if ((int64_t)json_array_size(pg.items) >= pg.limit) {
			tb_snprintf(cur, sizeof(cur), "%lld",
			    (long long)pg.last_seq);
			json_decref(next);
			next = json_string(cur);
		}
		return http_reply_json(req, 200, json_pack("{s:o, s:o}",
		    "items", pg.items, "next_cursor", next));
	}
}
