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
 * Entries one request reads at most while skipping those outside the
 * caller's scope, so that an agency user's page costs a bounded amount
 * however long the city-wide trail is.
 */
#define AUDIT_SCAN_MAX		5000
/* Longest action, object type or object id a filter names (object ids
 * are codes, user names and numbers; actions are "incident.create"). */
#define AUDIT_FILTER_MAX	128

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

/*
 * Loopback plain HTTP is the one place a cookie may go without Secure.
 * The host is matched whole: "http://localhost.example.org" and
 * "http://127.example.org" are not loopback.
 */
static int
cookie_secure(const struct app *app)
{
	static const char *const loopback[] = {
		"http://localhost", "http://[::1]", "http://127.",
	};
	const char	*o = app->origin, *h;
	size_t		 n;

	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		n = strlen(loopback[i]);
		if (strncmp(o, loopback[i], n) != 0)
			continue;
		h = o + n;
		if (loopback[i][n - 1] == '.') {
			/* 127.a.b.c: three more dot-separated numbers. */
			int dots = 0;

			for (; (*h >= '0' && *h <= '9') || *h == '.'; h++)
				dots += *h == '.';
			if (dots != 2)
				return 1;
		}
		return *h == '\0' || *h == ':' || *h == '/' ? 0 : 1;
	}
	return 1;
}

/*
 * Records a refused sign-in or password change in its own transaction
 * (issue 3: "an audit entry for the refused sign-ins").  note, when not
 * NULL, adds what the throttle knows: the key that refused and for how
 * long, and the refusals it counted without an entry of their own.  A
 * failure to record is logged, not answered: the refusal stands.
 */
static void
audit_refused(struct http_req *req, const char *action,
    const char *username, const char *why, const struct throttle_note *note)
{
	struct store_conn	*c;
	json_t			*after;
	int			 rc;

	after = json_pack("{s:s, s:s}", "username", username, "reason", why);
	if (after == NULL)
		return;
	if (note != NULL && note->wait_us > 0) {
		json_object_set_new(after, "throttle",
		    json_string(throttle_kind_name(note->kind)));
		json_object_set_new(after, "retry_after", json_integer(
		    (json_int_t)((note->wait_us + 999999) / 1000000)));
	}
	if (note != NULL && note->unrecorded > 0)
		json_object_set_new(after, "unrecorded_refusals",
		    json_integer((json_int_t)note->unrecorded));
	if ((rc = store_write(req->app->store, &c)) != TB_OK)
		goto out;
	if ((rc = store_tx_begin(c)) == TB_OK) {
		if ((rc = auth_audit(req, c, action, "user", username, NULL,
		    NULL, after)) == TB_OK)
			rc = store_tx_commit(c);
		else
			store_tx_rollback(c);
	}
	store_release(c);
out:
	if (rc != TB_OK)
		log_kv(LOG_ERROR, "audit_failed", "request_id",
		    req->request_id, "action", action, "error",
		    tb_strerror(rc), NULL);
	json_decref(after);
}

/* Sets the 429 reply for a throttled attempt. */
static int
reply_throttled(struct http_req *req, int64_t wait_us)
{
	char	 retry[24];

	tb_snprintf(retry, sizeof(retry), "%lld",
	    (long long)((wait_us + 999999) / 1000000));
	http_reply_error(req, "too_many_requests", NULL, NULL);
	http_reply_header(req, "Retry-After", retry);
	return 0;
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
	struct throttle_note	 note;
	json_t			*body, *after;
	const char		*username, *password;
	char			 token[SECRET_TOKEN_LEN(32)], hash[65];
	char			 cookie[256];
	int64_t			 now = tb_now_us();
	int			 rc, found;

	memset(&u, 0, sizeof(u));
	memset(token, 0, sizeof(token));
	memset(cookie, 0, sizeof(cookie));
	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	username = json_string_value(json_object_get(body, "username"));
	password = json_string_value(json_object_get(body, "password"));
	if (throttle_check(username, req->remote, now, &note) > 0) {
		/* One entry per lock; the rest are counted (throttle.h). */
		if (note.record)
			audit_refused(req, "session.refused", username,
			    "throttled", &note);
		reply_throttled(req, note.wait_us);
		goto out;
	}
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		throttle_abandon(username, req->remote, now);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	rc = store_login_by_name(c, username, &u);
	store_release(c);
	c = NULL;
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		throttle_abandon(username, req->remote, now);
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
		audit_refused(req, "session.refused", username, found ?
		    "wrong_password" : "unknown_or_inactive", &note);
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
	if (note.unrecorded > 0)
		json_object_set_new(after, "unrecorded_refusals",
		    json_integer((json_int_t)note.unrecorded));
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
	secret_wipe(u.password_hash, sizeof(u.password_hash));
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

/* Why a new password was refused, for the person (NULL: the table's). */
static const char *
weak_message(const struct http_req *req, const char *reason)
{
	static const struct {
		const char	*reason, *zh, *en;
	} msgs[] = {
		{ "password_too_short", "密碼至少需要 12 個字元",
		    "The password needs at least 12 characters" },
		{ "password_too_long", "密碼不可超過 256 個字元",
		    "The password may have at most 256 characters" },
		{ "password_common", "這個密碼太常見或太容易猜到",
		    "This password is too common or too easy to guess" },
		{ "password_contains_username", "密碼不可包含帳號",
		    "The password must not contain the user name" },
	};
	int	 en = req->lang != NULL && strcmp(req->lang, "en") == 0;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (strcmp(msgs[i].reason, reason) == 0)
			return en ? msgs[i].en : msgs[i].zh;
	return NULL;
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
	struct throttle_note	 note;
	json_t			*body;
	const char		*cur, *neu, *weak;
	char			 hash[SECRET_HASH_MAX];
	int64_t			 now = tb_now_us();
	int			 rc;

	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	cur = json_string_value(json_object_get(body, "current_password"));
	neu = json_string_value(json_object_get(body, "new_password"));
	if ((weak = auth_password_weak(neu, req->who->username)) != NULL) {
		http_reply_error(req, "weak_password", "new_password",
		    weak_message(req, weak));
		goto out;
	}
	/*
	 * The current password is guessed here as at sign-in by whoever
	 * holds a stolen session, so the same throttle keys apply and each
	 * refusal is recorded the same way.
	 */
	if (throttle_check(req->who->username, req->remote, now, &note) > 0) {
		if (note.record)
			audit_refused(req, "user.password_refused",
			    req->who->username, "throttled", &note);
		reply_throttled(req, note.wait_us);
		goto out;
	}
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		throttle_abandon(req->who->username, req->remote, now);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	rc = store_login_by_id(c, req->who->user_id, &u);
	store_release(c);
	c = NULL;
	if (rc != TB_OK) {
		throttle_abandon(req->who->username, req->remote, now);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (secret_password_verify(u.password_hash, cur) != TB_OK) {
		throttle_failure(req->who->username, req->remote, now);
		audit_refused(req, "user.password_refused",
		    req->who->username, "wrong_password", &note);
		http_reply_error(req, "invalid_credentials",
		    "current_password", NULL);
		goto out;
	}
	throttle_success(req->who->username, req->remote, now);
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
	secret_wipe(u.password_hash, sizeof(u.password_hash));
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
	char			 token[128], at[40], idstr[24], loc[48];
	int64_t			 days = TOKEN_TTL_DEFAULT_DAYS, id = 0;
	int64_t			 now = tb_now_us();
	const char		*name;
	int			 rc;

	/*
	 * A token may not mint tokens: else a leaked one, or a program
	 * holding one, could outlive its expiry for ever by renewing
	 * itself.  Tokens come from a person signed in, or from the CLI.
	 */
	if (req->who->token_id != 0)
		return http_reply_error(req, "forbidden", NULL,
		    req->lang != NULL && strcmp(req->lang, "en") == 0 ?
		    "API tokens are made by a person signed in, not by a "
		    "token" : "API 權杖須由登入的使用者建立，不能以權杖建立");
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
	tb_snprintf(loc, sizeof(loc), "/api/v1/tokens/%lld", (long long)id);
	http_reply_header(req, "Location", loc);
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

/* Tokens per page of GET /api/v1/tokens. */
#define TOKEN_LIMIT_DEFAULT	50
#define TOKEN_LIMIT_MAX		500

struct token_page {
	json_t		*items;
	int64_t		 limit, now;
	int64_t		 last_created, last_id;
	int		 more;		/* a token past the page was read */
	int		 err;
};

static int
token_page_add(void *arg, const struct store_token_rec *t)
{
	struct token_page	*pg = arg;
	char			 created[40], expires[40], revoked[40];
	const char		*state;
	json_t			*e;

	if ((int64_t)json_array_size(pg->items) >= pg->limit) {
		pg->more = 1;
		return 1;
	}
	tbtime_format(t->created_at, created, sizeof(created));
	tbtime_format(t->expires_at, expires, sizeof(expires));
	if (t->revoked_at != STORE_TIME_NONE) {
		tbtime_format(t->revoked_at, revoked, sizeof(revoked));
		state = "revoked";
	} else
		state = t->expires_at <= pg->now ? "expired" : "active";
	e = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s}",
	    "id", (json_int_t)t->id, "name", t->name, "created_at", created,
	    "expires_at", expires, "revoked_at",
	    t->revoked_at != STORE_TIME_NONE ? revoked : NULL,
	    "state", state, "made_by", t->created_by > 0 ? "user" : "cli");
	if (e == NULL || json_array_append_new(pg->items, e) != 0) {
		pg->err = TB_ENOMEM;
		return 1;
	}
	pg->last_created = t->created_at;
	pg->last_id = t->id;
	return 0;
}

/*
 * Reads a token cursor, "CREATED.ID" (microseconds and id of the last
 * token of the page before), into *created and *id.
 */
static int
token_cursor_parse(const char *s, int64_t *created, int64_t *id)
{
	const char	*dot = strchr(s, '.');
	char		 a[24];

	if (dot == NULL || (size_t)(dot - s) >= sizeof(a))
		return TB_EINVAL;
	memcpy(a, s, (size_t)(dot - s));
	a[dot - s] = '\0';
	if (parse_i64(a, 0, INT64_MAX, created) != TB_OK ||
	    parse_i64(dot + 1, 1, INT64_MAX, id) != TB_OK)
		return TB_EINVAL;
	return TB_OK;
}

int
api_tokens_list(struct http_req *req)
{
	struct token_page	 pg;
	struct store_conn	*c = NULL;
	struct store_user_rec	 u;
	char			 username[STORE_KEY_SIZE], q[64];
	int64_t			 user_id = req->who->user_id;
	int64_t			 bc = 0, bid = 0;
	json_t			*next;
	int			 rc, other;

	memset(&pg, 0, sizeof(pg));
	pg.limit = TOKEN_LIMIT_DEFAULT;
	pg.now = tb_now_us();
	if ((rc = http_query(req, "limit", q, sizeof(q))) == TB_OK &&
	    parse_i64(q, 1, TOKEN_LIMIT_MAX, &pg.limit) != TB_OK)
		rc = TB_EINVAL;
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "limit", NULL);
	if ((rc = http_query(req, "cursor", q, sizeof(q))) == TB_OK)
		rc = token_cursor_parse(q, &bc, &bid);
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "cursor", NULL);
	rc = http_query(req, "username", username, sizeof(username));
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "username",
		    NULL);
	other = rc == TB_OK && strcmp(username, req->who->username) != 0;
	/* Another person's tokens are doit_admin's to see (it may revoke
	 * them); anyone may name themselves. */
	if (other && !auth_has_role(req, ROLE_DOIT_ADMIN))
		return http_reply_error(req, "forbidden", "username", NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (other) {
		if ((rc = store_user_get(c, username, &u)) != TB_OK)
			goto out;
		user_id = u.id;
	}
	if ((pg.items = json_array()) == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	rc = store_token_list(c, user_id, bc, bid, pg.limit + 1,
	    token_page_add, &pg);
	if (rc == TB_OK)
		rc = pg.err;
out:
	store_release(c);
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	next = json_null();
	if (pg.more) {
		tb_snprintf(q, sizeof(q), "%lld.%lld",
		    (long long)pg.last_created, (long long)pg.last_id);
		json_decref(next);
		next = json_string(q);
	}
	return http_reply_json(req, 200, json_pack("{s:o, s:o}",
	    "items", pg.items, "next_cursor", next));
}

/* Agencies whose visibility one page remembers (most pages see few). */
#define AUDIT_SCOPE_CACHE	32

struct audit_page {
	struct http_req		*req;
	struct store_conn	*c;
	json_t			*items;
	int64_t			 limit, last_seq, scanned;
	int			 own_only;	/* a vendor: its own actions */
	int			 err;
	int			 ncache;
	struct {
		char	 code[64];
		int	 visible;
	}			 cache[AUDIT_SCOPE_CACHE];
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

/*
 * Whether the caller may read entry a (P32 "readable within scope"):
 * DoIT all; a vendor only what it did itself ("a vendor sees only what
 * it reported"); everyone else the entries of the agencies they see.  An
 * entry of no agency (a refused sign-in, a command-line action) is
 * DoIT's alone.
 */
static int
audit_visible(struct audit_page *pg, const struct store_audit *a,
    int *visible)
{
	int	 i, rc;

	*visible = 0;
	if (pg->req->who->roles & ROLES_DOIT) {
		*visible = 1;
		return TB_OK;
	}
	if (pg->own_only) {
		*visible = a->actor_id == pg->req->who->user_id;
		return TB_OK;
	}
	if (a->agency == NULL)
		return TB_OK;
	for (i = 0; i < pg->ncache; i++)
		if (strcmp(pg->cache[i].code, a->agency) == 0) {
			*visible = pg->cache[i].visible;
			return TB_OK;
		}
	if ((rc = auth_agency_visible(pg->req, pg->c, a->agency, visible))
	    != TB_OK)
		return rc;
	if (pg->ncache < AUDIT_SCOPE_CACHE && tb_strlcpy(
	    pg->cache[pg->ncache].code, a->agency,
	    sizeof(pg->cache[0].code)) == TB_OK)
		pg->cache[pg->ncache++].visible = *visible;
	return TB_OK;
}

static int
audit_page_add(void *arg, const struct store_audit *a)
{
	struct audit_page	*pg = arg;
	char			 at[40];
	int			 visible;
	json_t			*e;

	pg->last_seq = a->seq;
	if ((pg->err = audit_visible(pg, a, &visible)) != TB_OK)
		return 1;
	if (visible) {
		tbtime_format(a->at, at, sizeof(at));
		e = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, "
		    "s:s?, s:o, s:o, s:s, s:s}",
		    "seq", (json_int_t)a->seq, "at", at, "actor", a->actor,
		    "agency", a->agency, "remote", a->remote,
		    "request_id", a->request_id, "action", a->action,
		    "object_type", a->object_type, "object_id", a->object_id,
		    "before", json_or_null(a->before_json),
		    "after", json_or_null(a->after_json),
		    "prev_hash", a->prev_hash, "hash", a->hash);
		if (e == NULL || json_array_append_new(pg->items, e) != 0) {
			pg->err = TB_ENOMEM;
			return 1;
		}
	}
	return (int64_t)json_array_size(pg->items) >= pg->limit;
}

/* A character of an action or object type name. */
static int
audit_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '_' || ch == '.' || ch == '-';
}

/* Reads the optional integer query parameter name into *v. */
static int
query_i64(struct http_req *req, const char *name, int64_t min, int64_t max,
    int64_t *v, int *given)
{
	char	 q[32];
	int	 rc;

	*given = 0;
	if ((rc = http_query(req, name, q, sizeof(q))) == TB_ENOTFOUND)
		return TB_OK;
	if (rc != TB_OK || parse_i64(q, min, max, v) != TB_OK)
		return TB_EINVAL;
	*given = 1;
	return TB_OK;
}

/*
 * Reads the audit filters of the query into f, their text into the
 * buffers.  action is a name or a prefix ending in '*' ("incident.*");
 * names and types are lower-case ASCII, digits, '_', '.' and '-'.
 * Returns 0, or -1 after replying 400 naming the parameter.
 */
static int
audit_filters(struct http_req *req, struct store_audit_filter *f,
    char *action, char *otype, char *oid, size_t size)
{
	char	 order[8];
	size_t	 n;
	int	 rc;

	memset(f, 0, sizeof(*f));
	if ((rc = http_query(req, "action", action, size)) == TB_OK) {
		n = strlen(action);
		for (size_t i = 0; i < n; i++)
			if (!audit_name_char(action[i]) &&
			    !(action[i] == '*' && i == n - 1))
				rc = TB_EINVAL;
		if (n == 0)
			rc = TB_EINVAL;
		if (rc == TB_OK && action[n - 1] == '*') {
			action[n - 1] = '\0';
			f->action_prefix = action;
		} else
			f->action = action;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "action", NULL),
		    -1;
	if ((rc = http_query(req, "object_type", otype, size)) == TB_OK) {
		for (size_t i = 0; otype[i] != '\0'; i++)
			if (!audit_name_char(otype[i]))
				rc = TB_EINVAL;
		if (otype[0] == '\0')
			rc = TB_EINVAL;
		f->object_type = otype;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "object_type",
		    NULL), -1;
	/* Object ids are codes, user names and numbers: printable text. */
	if ((rc = http_query(req, "object_id", oid, size)) == TB_OK) {
		for (size_t i = 0; oid[i] != '\0'; i++)
			if ((unsigned char)oid[i] < 0x20 || oid[i] == 0x7f)
				rc = TB_EINVAL;
		if (oid[0] == '\0')
			rc = TB_EINVAL;
		f->object_id = oid;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "object_id",
		    NULL), -1;
	if ((rc = http_query(req, "order", order, sizeof(order))) == TB_OK) {
		if (strcmp(order, "desc") == 0)
			f->desc = 1;
		else if (strcmp(order, "asc") != 0)
			rc = TB_EINVAL;
	}
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "order", NULL),
		    -1;
	return 0;
}

int
api_audit_list(struct http_req *req)
{
	struct audit_page	 pg;
	struct store_audit_filter f;
	json_t			*next;
	char			 cur[24], head_hash[65];
	char			 action[AUDIT_FILTER_MAX + 1];
	char			 otype[AUDIT_FILTER_MAX + 1];
	char			 oid[AUDIT_FILTER_MAX + 1];
	int64_t			 after = 0, cursor = 0, batch, pos, head;
	int			 rc, given_after, given_cursor, given_limit;

	memset(&pg, 0, sizeof(pg));
	pg.limit = AUDIT_LIMIT_DEFAULT;
	if (audit_filters(req, &f, action, otype, oid, sizeof(action)) != 0)
		return 0;
	/*
	 * "after" is issue 3's name, "cursor" the one CONVENTIONS.md gives
	 * every list; both mean "entries with seq above this", or with
	 * order=desc (cursor only) "below this".
	 */
	if (query_i64(req, "after", 0, INT64_MAX, &after, &given_after)
	    != TB_OK || (f.desc && given_after))
		return http_reply_error(req, "invalid_query", "after", NULL);
	if (query_i64(req, "cursor", f.desc ? 1 : 0, INT64_MAX, &cursor,
	    &given_cursor) != TB_OK ||
	    (given_after && given_cursor && after != cursor))
		return http_reply_error(req, "invalid_query", "cursor", NULL);
	if (given_cursor)
		after = cursor;
	if (query_i64(req, "limit", 1, AUDIT_LIMIT_MAX, &pg.limit,
	    &given_limit) != TB_OK)
		return http_reply_error(req, "invalid_query", "limit", NULL);
	pg.req = req;
	/* A vendor holding no other role sees only its own actions. */
	pg.own_only = (req->who->roles & ~ROLE_BIT(ROLE_VENDOR)) == 0;
	if ((pg.items = json_array()) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &pg.c)) != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	/*
	 * The trail is read in windows of seq (entries are numbered 1, 2,
	 * 3 ... without gaps, audit.md), filtered in SQL and then by scope,
	 * until the page is full, the trail ends, or AUDIT_SCAN_MAX seq
	 * numbers were covered: a page may then be short, and next_cursor
	 * says where to go on (null only at the end).  The head bounds the
	 * walk: entries past it are not the chain's (audit verify).
	 */
	if ((rc = store_audit_anchor(pg.c, &head, head_hash)) != TB_OK)
		goto done;
	pos = f.desc ? (given_cursor ? cursor : head + 1) : after;
	if (f.desc && pos > head + 1)
		pos = head + 1;
	pg.last_seq = 0;
	for (;;) {
		int64_t	 lo, hi;

		if (f.desc ? pos <= 1 : pos >= head) {
			pos = 0;
			break;
		}
		batch = AUDIT_SCAN_MAX - pg.scanned;
		if (batch > AUDIT_LIMIT_MAX)
			batch = AUDIT_LIMIT_MAX;
		if (batch <= 0)
			break;
		lo = f.desc ? (pos - 1 > batch ? pos - 1 - batch : 0) : pos;
		hi = f.desc ? pos : (head - pos > batch ? pos + batch + 1 :
		    head + 1);
		pg.last_seq = 0;
		/* No LIMIT short of the window: rows out of scope would
		 * use it up and the rest of the window be skipped. */
		rc = store_audit_find(pg.c, &f, lo, hi, hi - lo,
		    audit_page_add, &pg);
		if (rc != TB_OK || pg.err != TB_OK)
			break;
		/* The page filled within the window: go on after its last. */
		if ((int64_t)json_array_size(pg.items) >= pg.limit) {
			pos = pg.last_seq;
			break;
		}
		pg.scanned += hi - lo - 1;
		pos = f.desc ? lo + 1 : hi - 1;
	}
done:
	store_release(pg.c);
	if (rc != TB_OK || pg.err != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc != TB_OK ? rc : pg.err, NULL);
	}
	next = json_null();
	if (pos > 0 && (f.desc ? pos > 1 : pos < head)) {
		tb_snprintf(cur, sizeof(cur), "%lld", (long long)pos);
		json_decref(next);
		next = json_string(cur);
	}
	return http_reply_json(req, 200, json_pack("{s:o, s:o}",
	    "items", pg.items, "next_cursor", next));
}
