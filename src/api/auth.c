/*
 * auth.c: authentication of each request (session cookie or bearer
 * token), password rules, scope checks and the audit helper.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <sodium.h>

#include "api/auth.h"
#include "config.h"
#include "store/store.h"
#include "util/secret.h"

/* A session's last_seen_at is written at most this often (µs), so that
 * reading pages does not turn into a write per request. */
#define SESSION_TOUCH_US	(60 * 1000000LL)

/*
 * Passwords of 12 or more characters that lists of leaked passwords show
 * again and again; with the length rule, these are what is left to refuse.
 */
static const char *const common_passwords[] = {
	"123456789012", "1234567890123", "12345678901234", "123123123123",
	"111111111111", "000000000000", "password1234", "password12345",
	"password123!", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234",
	"qwertyuiop12", "qwertyuiop123", "qwerty123456", "1q2w3e4r5t6y",
	"1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "zaq12wsxcde3", "asdfghjkl123",
	"iloveyou1234", "administrator", "admin1234567", "adminadmin12",
	"welcome12345", "letmein12345", "abc123456789", "abcdefghijkl",
	"taipei123456", "taipei101101", "changeme1234", "trustno11234",
	"football1234", "baseball1234", "sunshine1234", "princess1234",
	"monkey123456", "dragon123456", "superman1234", "starwars1234",
	"computer1234", "internet1234", "qazwsxedcrfv", "1234qwerasdf",
	"qwer1234asdf", "aa1234567890", "a12345678901", "987654321098",
};

/* 1 when needle occurs in hay, ASCII letters compared without case. */
static int
contains_nocase(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Characters (code points) in valid UTF-8 text of n bytes. */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t	 i, chars = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	return chars;
}

/*
 * 1 when pw is one short unit said again and again ("abcabcabcabc",
 * "密碼密碼密碼..."): as easy to guess as the unit.  All one character is
 * the unit of one byte (or of the bytes of one character).
 */
#define PASSWORD_UNIT_MAX	8

static int
repeated_unit(const char *pw, size_t n)
{
	size_t	 p, i;

	for (p = 1; p <= PASSWORD_UNIT_MAX && p <= n / 2; p++) {
		if (n % p != 0)
			continue;
		for (i = p; i < n && pw[i] == pw[i - p]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

const char *
auth_password_weak(const char *pw, const char *username)
{
	size_t	 n = strlen(pw), chars, i;
	int	 seq = 1;

	/* Checked first: everything below assumes valid text. */
	if (!utf8_valid_text(pw, n))
		return "password_invalid";
	/* The rule says characters: 12 bytes of Chinese are 4 of them. */
	chars = utf8_chars(pw, n);
	if (chars < AUTH_PASSWORD_MIN)
		return "password_too_short";
	if (chars > AUTH_PASSWORD_MAX)
		return "password_too_long";
	/* Each character one above or below the one before: "abcdef..". */
	for (i = 1; i < n; i++)
		if (pw[i] != pw[i - 1] + 1 && pw[i] != pw[i - 1] - 1)
			seq = 0;
	if (seq || repeated_unit(pw, n))
		return "password_common";
	for (i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]);
	    i++)
		if (strcasecmp(pw, common_passwords[i]) == 0)
			return "password_common";
	if (username != NULL && strlen(username) >= 4 &&
	    contains_nocase(pw, username))
		return "password_contains_username";
	return NULL;
}

void
auth_token_hash(const char *token, char out[65])
{
	unsigned char	 d[32];

	crypto_generichash(d, sizeof(d), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

int
auth_token_create(struct store_conn *c, int64_t user_id, const char *name,
    int64_t ttl_days, int64_t created_by, int64_t now, char *out,
    size_t outlen, int64_t *id)
{
	struct store_token	 t;
	char			 raw[SECRET_TOKEN_LEN(32)], hash[65];
	int			 rc;

	secret_token(raw, 32);
	if ((rc = tb_snprintf(out, outlen, "%s%s", AUTH_TOKEN_PREFIX, raw))
	    != TB_OK)
		goto out;
	auth_token_hash(out, hash);
	memset(&t, 0, sizeof(t));
	t.id = store_new_id();
	t.token_hash = hash;
	t.user_id = user_id;
	t.name = name;
	t.created_at = now;
	t.expires_at = now + ttl_days * 86400LL * 1000000LL;
	t.created_by = created_by;
	if ((rc = store_token_insert(c, &t)) == TB_OK && id != NULL)
		*id = t.id;
out:
	secret_wipe(raw, sizeof(raw));
	return rc;
}

static int
principal_load(struct http_req *req, struct store_conn *c, int64_t user_id)
{
	struct store_login	 u;
	struct principal	*p = &req->who_storage;
	int			 rc;

	if ((rc = store_login_by_id(c, user_id, &u)) != TB_OK)
		return rc == TB_ENOTFOUND ? TB_OK : rc;
	secret_wipe(u.password_hash, sizeof(u.password_hash));
	if (!u.active)
		return TB_OK;
	memset(p, 0, sizeof(*p));
	p->user_id = u.id;
	tb_strlcpy(p->username, u.username, sizeof(p->username));
	tb_strlcpy(p->name, u.name, sizeof(p->name));
	tb_strlcpy(p->agency, u.agency, sizeof(p->agency));
	tb_strlcpy(p->lang, u.lang, sizeof(p->lang));
	p->roles = u.roles;
	req->who = p;
	return TB_OK;
}

/* Reads "Authorization: Bearer TOKEN"; NULL when absent. */
static const char *
bearer(const struct http_req *req)
{
	const char *h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}

int
auth_authenticate(struct http_req *req)
{
	const struct config	*cfg = req->app->cfg;
	struct store_conn	*c;
	const char		*tok;
	char			 hash[65];
	int64_t			 now = tb_now_us();
	int			 rc = TB_OK;

	req->who = NULL;
	req->via_cookie = 0;
	if ((tok = bearer(req)) != NULL) {
		struct store_token t;

		if (strlen(tok) > 256)
			return TB_OK;
		auth_token_hash(tok, hash);
		if ((rc = store_read(req->app->store, &c)) != TB_OK)
			return rc;
		rc = store_token_find(c, hash, &t);
		if (rc == TB_OK && t.expires_at > now) {
			rc = principal_load(req, c, t.user_id);
			if (req->who != NULL)
				req->who->token_id = t.id;
		} else if (rc == TB_ENOTFOUND || rc == TB_OK)
			rc = TB_OK;
		store_release(c);
		return rc;
	}
	tok = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND,
	    AUTH_COOKIE);
	if (tok == NULL || strlen(tok) > 256)
		return TB_OK;
	/*
	 * The cookie was sent, so the browser may have been tricked into
	 * sending it: CSRF rules apply even if the session turns out dead.
	 */
	req->via_cookie = 1;
	auth_token_hash(tok, hash);
	{
		struct store_session se;
		int64_t		     idle;

		if ((rc = store_read(req->app->store, &c)) != TB_OK)
			return rc;
		rc = store_session_find(c, hash, &se);
		store_release(c);
		if (rc == TB_ENOTFOUND)
			return TB_OK;
		if (rc != TB_OK)
			return rc;
		idle = cfg->session_idle_minutes * 60 * 1000000LL;
		if (se.expires_at <= now || se.last_seen_at + idle <= now)
			return TB_OK;
		if ((rc = store_read(req->app->store, &c)) != TB_OK)
			return rc;
		rc = principal_load(req, c, se.user_id);
		store_release(c);
		if (rc != TB_OK || req->who == NULL)
			return rc;
		req->who->session_id = se.id;
		if (now - se.last_seen_at > SESSION_TOUCH_US) {
			if (store_write(req->app->store, &c) == TB_OK) {
				store_session_touch(c, se.id, now);
				store_release(c);
			}
		}
	}
	return TB_OK;
}

int
auth_has_role(const struct http_req *req, enum role r)
{
	return req->who != NULL && (req->who->roles & ROLE_BIT(r)) != 0;
}

static int
agency_scope(struct http_req *req, struct store_conn *c, const char *agency,
    int read, int *ok)
{
	int	 rc;

	*ok = 0;
	if (req->who == NULL)
		return TB_OK;
	if (req->who->roles & ROLES_DOIT) {
		*ok = 1;
		return TB_OK;
	}
	if ((rc = store_agency_within(c, agency, req->who->agency, 0, ok))
	    != TB_OK || *ok)
		return rc;
	if (read && auth_has_role(req, ROLE_SUPERIOR_VIEWER))
		return store_agency_within(c, agency, req->who->agency, 1, ok);
	return TB_OK;
}

int
auth_agency_visible(struct http_req *req, struct store_conn *c,
    const char *agency, int *visible)
{
	return agency_scope(req, c, agency, 1, visible);
}

int
auth_agency_actable(struct http_req *req, struct store_conn *c,
    const char *agency, int *actable)
{
	return agency_scope(req, c, agency, 0, actable);
}

char *
auth_audit_json(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

int
auth_audit(struct http_req *req, struct store_conn *c, const char *action,
    const char *object_type, const char *object_id, const char *agency,
    json_t *before, json_t *after)
{
	char	*b = NULL, *af = NULL;
	int	 rc;

	if (before != NULL && (b = auth_audit_json(before)) == NULL)
		return TB_ENOMEM;
	if (after != NULL && (af = auth_audit_json(after)) == NULL) {
		free(b);
		return TB_ENOMEM;
	}
	rc = auth_audit_text(req, c, action, object_type, object_id, agency,
	    b, af);
	free(b);
	free(af);
	return rc;
}

int
auth_audit_text(struct http_req *req, struct store_conn *c,
    const char *action, const char *object_type, const char *object_id,
    const char *agency, const char *before, const char *after)
{
	struct store_audit	 a;

	memset(&a, 0, sizeof(a));
	a.at = tb_now_us();
	a.actor_id = req->who != NULL ? req->who->user_id : 0;
	a.actor = req->who != NULL ? req->who->username : "anonymous";
	a.agency = agency;
	a.remote = req->remote;
	a.request_id = req->request_id;
	a.action = action;
	a.object_type = object_type;
	a.object_id = object_id;
	a.before_json = before;
	a.after_json = after;
	return store_audit_append(c, &a);
}
