/*
 * store_access.c: users and roles as read for sign-in, sessions, API
 * tokens, agency scope and the hash-chained audit trail (migration 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain/access.h"
#include "store/internal.h"
#include "store/store.h"
#include "util/util.h"

/* --- users --------------------------------------------------------- */

static const char sql_user_by_name[] =
    "SELECT id, username, name, agency, password_hash, active, lang"
    " FROM users WHERE username = ?";
static const char sql_user_by_id[] =
    "SELECT id, username, name, agency, password_hash, active, lang"
    " FROM users WHERE id = ?";
static const char sql_user_roles[] =
    "SELECT role FROM user_roles WHERE user_id = ?";

static int
user_roles(struct store_conn *c, int64_t id, unsigned *roles)
{
	struct store_stmt	*s;
	int			 rc;

	*roles = 0;
	if ((rc = store_prepare(c, sql_user_roles, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, id);
	while ((rc = store_step(s)) == TB_ROW) {
		enum role r;

		if (role_from_name(store_col_text(s, 0), &r) == TB_OK)
			*roles |= ROLE_BIT(r);
	}
	return rc == TB_DONE ? TB_OK : rc;
}

static int
user_read(struct store_conn *c, const char *sql, const char *name,
    int64_t id, struct store_login *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_prepare(c, sql, &s)) != TB_OK)
		return rc;
	if (name != NULL)
		store_bind_text(s, 1, name);
	else
		store_bind_i64(s, 1, id);
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	out->id = store_col_i64(s, 0);
	if (tb_strlcpy(out->username, store_col_text(s, 1),
	    sizeof(out->username)) != TB_OK ||
	    tb_strlcpy(out->name, store_col_text(s, 2), sizeof(out->name))
	    != TB_OK ||
	    tb_strlcpy(out->agency, store_col_text(s, 3),
	    sizeof(out->agency)) != TB_OK)
		return TB_ETOOBIG;
	if (!store_col_is_null(s, 4) && tb_strlcpy(out->password_hash,
	    store_col_text(s, 4), sizeof(out->password_hash)) != TB_OK)
		return TB_ETOOBIG;
	out->active = (int)store_col_i64(s, 5);
	tb_strlcpy(out->lang, store_col_text(s, 6), sizeof(out->lang));
	return user_roles(c, out->id, &out->roles);
}

int
store_login_by_name(struct store_conn *c, const char *username,
    struct store_login *out)
{
	return user_read(c, sql_user_by_name, username, 0, out);
}

int
store_login_by_id(struct store_conn *c, int64_t id, struct store_login *out)
{
	return user_read(c, sql_user_by_id, NULL, id, out);
}

static const char sql_user_set_password[] =
    "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?";

int
store_user_set_password(struct store_conn *c, int64_t id, const char *hash,
    int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if (!c->in_tx)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_user_set_password, &s)) != TB_OK)
		return rc;
	store_bind_text(s, 1, hash);
	store_bind_i64(s, 2, now);
	store_bind_i64(s, 3, id);
	if ((rc = store_step(s)) != TB_DONE)
		return rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

/* --- sessions and tokens -------------------------------------------- */

static const char sql_session_insert[] =
    "INSERT INTO sessions (id, token_hash, user_id, created_at,"
    " last_seen_at, expires_at, remote) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_session_find[] =
    "SELECT id, user_id, last_seen_at, expires_at FROM sessions"
    " WHERE token_hash = ? AND revoked_at IS NULL";
static const char sql_session_touch[] =
    "UPDATE sessions SET last_seen_at = ? WHERE id = ?";
static const char sql_session_revoke[] =
    "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
static const char sql_session_revoke_user[] =
    "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ?"
    " AND revoked_at IS NULL";

int
store_session_insert(struct store_conn *c, const struct store_session *se)
{
	struct store_stmt	*s;
	int			 rc;

	if (!c->in_tx)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_session_insert, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, se->id);
	store_bind_text(s, 2, se->token_hash);
	store_bind_i64(s, 3, se->user_id);
	store_bind_i64(s, 4, se->created_at);
	store_bind_i64(s, 5, se->last_seen_at);
	store_bind_i64(s, 6, se->expires_at);
	store_bind_text_or_null(s, 7, se->remote);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_session_find(struct store_conn *c, const char *token_hash,
    struct store_session *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_prepare(c, sql_session_find, &s)) != TB_OK)
		return rc;
	store_bind_text(s, 1, token_hash);
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	out->id = store_col_i64(s, 0);
	out->user_id = store_col_i64(s, 1);
	out->last_seen_at = store_col_i64(s, 2);
	out->expires_at = store_col_i64(s, 3);
	return TB_OK;
}

int
store_session_touch(struct store_conn *c, int64_t id, int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_session_touch, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, now);
	store_bind_i64(s, 2, id);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_session_revoke(struct store_conn *c, int64_t id, int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_session_revoke, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, now);
	store_bind_i64(s, 2, id);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_session_revoke_others(struct store_conn *c, int64_t user_id,
    int64_t keep_id, int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_session_revoke_user, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, now);
	store_bind_i64(s, 2, user_id);
	store_bind_i64(s, 3, keep_id);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

static const char sql_token_insert[] =
    "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at,"
    " expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_token_find[] =
    "SELECT id, user_id, expires_at FROM api_tokens"
    " WHERE token_hash = ? AND revoked_at IS NULL";
static const char sql_token_revoke[] =
    "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
static const char sql_token_owner[] =
    "SELECT user_id FROM api_tokens WHERE id = ?";

int
store_token_insert(struct store_conn *c, const struct store_token *t)
{
	struct store_stmt	*s;
	int			 rc;

	if (!c->in_tx)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_token_insert, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, t->id);
	store_bind_text(s, 2, t->token_hash);
	store_bind_i64(s, 3, t->user_id);
	store_bind_text(s, 4, t->name);
	store_bind_i64(s, 5, t->created_at);
	store_bind_i64(s, 6, t->expires_at);
	if (t->created_by > 0)
		store_bind_i64(s, 7, t->created_by);
	else
		store_bind_null(s, 7);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_token_find(struct store_conn *c, const char *token_hash,
    struct store_token *out)
{
	struct store_stmt	*s;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_prepare(c, sql_token_find, &s)) != TB_OK)
		return rc;
	store_bind_text(s, 1, token_hash);
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	out->id = store_col_i64(s, 0);
	out->user_id = store_col_i64(s, 1);
	out->expires_at = store_col_i64(s, 2);
	return TB_OK;
}

int
store_token_revoke(struct store_conn *c, int64_t id, int64_t owner,
    int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if (!c->in_tx)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_token_owner, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, id);
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	if (owner > 0 && store_col_i64(s, 0) != owner)
		return TB_ENOTFOUND;
	if ((rc = store_prepare(c, sql_token_revoke, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, now);
	store_bind_i64(s, 2, id);
	if ((rc = store_step(s)) != TB_DONE)
		return rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

/*
 * A person's tokens, newest first; (created_at, id) is the order and the
 * cursor, so that a page boundary between two tokens made in the same
 * microsecond is still exact.  The hash is never read.
 */
static const char sql_token_list[] =
    "SELECT id, name, created_at, expires_at, created_by, revoked_at"
    " FROM api_tokens WHERE user_id = ?"
    " AND (? = 0 OR created_at < ? OR (created_at = ? AND id < ?))"
    " ORDER BY created_at DESC, id DESC LIMIT ?";

int
store_token_list(struct store_conn *c, int64_t user_id, int64_t
    before_created, int64_t before_id, int64_t limit,
    int (*fn)(void *, const struct store_token_rec *), void *arg)
{
	struct store_stmt	*s;
	struct store_token_rec	 t;
	int			 rc;

	if ((rc = store_prepare(c, sql_token_list, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, user_id);
	store_bind_i64(s, 2, before_id > 0);
	store_bind_i64(s, 3, before_created);
	store_bind_i64(s, 4, before_created);
	store_bind_i64(s, 5, before_id);
	store_bind_i64(s, 6, limit);
	while ((rc = store_step(s)) == TB_ROW) {
		memset(&t, 0, sizeof(t));
		t.id = store_col_i64(s, 0);
		if (tb_strlcpy(t.name, store_col_text(s, 1), sizeof(t.name))
		    != TB_OK)
			return TB_ETOOBIG;
		t.created_at = store_col_i64(s, 2);
		t.expires_at = store_col_i64(s, 3);
		t.created_by = store_col_is_null(s, 4) ? 0 :
		    store_col_i64(s, 4);
		t.revoked_at = store_col_is_null(s, 5) ? STORE_TIME_NONE :
		    store_col_i64(s, 5);
		if (fn(arg, &t) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

/* --- scope ---------------------------------------------------------- */

/*
 * Walks up from code through superiors; the tree is shallow (city, bureau,
 * office, unit), and a cycle cannot be stored (agencies refuse one), but
 * the walk is bounded all the same.
 */
#define AGENCY_DEPTH_MAX	32

static const char sql_agency_parent[] =
    "SELECT superior, supervisor FROM agencies WHERE code = ?";

int
store_agency_within(struct store_conn *c, const char *code,
    const char *ancestor, int via_supervisor, int *within)
{
	struct store_stmt	*s;
	char			 cur[64];
	int			 rc, depth;

	*within = 0;
	if (tb_strlcpy(cur, code, sizeof(cur)) != TB_OK)
		return TB_EINVAL;
	for (depth = 0; depth < AGENCY_DEPTH_MAX; depth++) {
		if (strcmp(cur, ancestor) == 0) {
			*within = 1;
			return TB_OK;
		}
		if ((rc = store_prepare(c, sql_agency_parent, &s)) != TB_OK)
			return rc;
		store_bind_text(s, 1, cur);
		if ((rc = store_step(s)) != TB_ROW)
			return rc == TB_DONE ? TB_OK : rc;
		/* superior_viewer: an agency supervised by ancestor counts. */
		if (via_supervisor && !store_col_is_null(s, 1) &&
		    strcmp(store_col_text(s, 1), ancestor) == 0) {
			*within = 1;
			return TB_OK;
		}
		if (store_col_is_null(s, 0))
			return TB_OK;
		if (tb_strlcpy(cur, store_col_text(s, 0), sizeof(cur)) != TB_OK)
			return TB_EINVAL;
	}
	return TB_OK;
}

/* --- audit trail ---------------------------------------------------- */

static const char sql_audit_head[] =
    "SELECT seq, hash FROM audit_head WHERE id = 1";
static const char sql_audit_insert[] =
    "INSERT INTO audit_log (seq, at, actor_id, actor, agency, remote,"
    " request_id, action, object_type, object_id, before_json, after_json,"
    " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_audit_anchor[] =
    "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1";
static const char sql_audit_all[] =
    "SELECT seq, at, actor_id, actor, agency, remote, request_id, action,"
    " object_type, object_id, before_json, after_json, prev_hash, hash"
    " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?";

/*
 * A window of the trail (lo < seq < hi) with optional filters: an exact
 * action (2), an action prefix (3), object_type (2), object_id (2).  The
 * window bounds the rows read whatever the filters match (the trail has
 * no index on action or object, and a filter that matches nothing must
 * not read the whole trail), so the caller walks it window by window.
 */
#define AUDIT_FIND \
    "SELECT seq, at, actor_id, actor, agency, remote, request_id, action," \
    " object_type, object_id, before_json, after_json, prev_hash, hash" \
    " FROM audit_log WHERE seq > ? AND seq < ?" \
    " AND (CAST(? AS TEXT) IS NULL OR action = ?)" \
    " AND (CAST(? AS TEXT) IS NULL" \
    "  OR substr(action, 1, length(CAST(? AS TEXT))) = ?)" \
    " AND (CAST(? AS TEXT) IS NULL OR object_type = ?)" \
    " AND (CAST(? AS TEXT) IS NULL OR object_id = ?)"
static const char sql_audit_find_asc[] =
    AUDIT_FIND " ORDER BY seq LIMIT ?";
static const char sql_audit_find_desc[] =
    AUDIT_FIND " ORDER BY seq DESC LIMIT ?";

/* The hash before the first entry. */
static const char audit_genesis[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/*
 * Feeds one field into the hash as an 8-byte length then the bytes, so
 * that no two different entries serialise alike; NULL is a length of all
 * ones, distinct from the empty string.
 */
static void
hash_field(crypto_generichash_state *h, const char *s)
{
	unsigned char	 len[8];
	uint64_t	 n = s != NULL ? strlen(s) : UINT64_MAX;

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_generichash_update(h, len, sizeof(len));
	if (s != NULL)
		crypto_generichash_update(h, (const unsigned char *)s,
		    strlen(s));
}

static void
hash_i64(crypto_generichash_state *h, int64_t v, int is_null)
{
	char	 num[24];

	if (is_null) {
		hash_field(h, NULL);
		return;
	}
	tb_snprintf(num, sizeof(num), "%lld", (long long)v);
	hash_field(h, num);
}

int
store_audit_key_set(struct store *st, const unsigned char *key, size_t len)
{
	if (len != STORE_AUDIT_KEY_BYTES)
		return TB_EINVAL;
	memcpy(st->audit_key, key, len);
	st->audit_keyed = 1;
	return TB_OK;
}

int
store_audit_hash(struct store_conn *c, const struct store_audit *a,
    char out[65])
{
	crypto_generichash_state	 h;
	unsigned char			 d[32];
	const struct store		*st = c->st;

	if (!st->audit_keyed)
		return TB_EINVAL;
	/*
	 * Keyed: the key lives outside the database (cmd_access.c), so
	 * editing a row and recomputing every hash after it is not enough
	 * to hide the edit.  "v2" names this keyed form.
	 */
	crypto_generichash_init(&h, st->audit_key, sizeof(st->audit_key),
	    sizeof(d));
	hash_field(&h, "tongbao-audit-v2");
	hash_i64(&h, a->seq, 0);
	hash_i64(&h, a->at, 0);
	hash_i64(&h, a->actor_id, a->actor_id <= 0);
	hash_field(&h, a->actor);
	hash_field(&h, a->agency);
	hash_field(&h, a->remote);
	hash_field(&h, a->request_id);
	hash_field(&h, a->action);
	hash_field(&h, a->object_type);
	hash_field(&h, a->object_id);
	hash_field(&h, a->before_json);
	hash_field(&h, a->after_json);
	hash_field(&h, a->prev_hash);
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(out, 65, d, sizeof(d));
	sodium_memzero(&h, sizeof(h));
	return TB_OK;
}

int
store_audit_append(struct store_conn *c, struct store_audit *a)
{
	struct store_stmt	*s;
	int			 rc;

	if (!c->in_tx || a->actor == NULL || a->action == NULL ||
	    a->object_type == NULL)
		return TB_EINVAL;
	/*
	 * The writer lock orders appends, so the head cannot move here.  The
	 * new entry follows the separately kept head, not the newest row:
	 * were the newest rows deleted by hand, chaining to what is left
	 * would hide the deletion under a valid chain; following the head
	 * leaves a gap that "tongbao audit verify" names.  No head row (it
	 * was deleted) refuses every change rather than start a new chain.
	 */
	if ((rc = store_prepare(c, sql_audit_head, &s)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	a->seq = store_col_i64(s, 0) + 1;
	if (a->seq < 1 || tb_strlcpy(a->prev_hash, store_col_text(s, 1),
	    sizeof(a->prev_hash)) != TB_OK)
		return TB_ESTORE;
	if ((rc = store_audit_hash(c, a, a->hash)) != TB_OK)
		return rc;
	if ((rc = store_prepare(c, sql_audit_insert, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, a->seq);
	store_bind_i64(s, 2, a->at);
	if (a->actor_id > 0)
		store_bind_i64(s, 3, a->actor_id);
	else
		store_bind_null(s, 3);
	store_bind_text(s, 4, a->actor);
	store_bind_text_or_null(s, 5, a->agency);
	store_bind_text_or_null(s, 6, a->remote);
	store_bind_text_or_null(s, 7, a->request_id);
	store_bind_text(s, 8, a->action);
	store_bind_text(s, 9, a->object_type);
	store_bind_text_or_null(s, 10, a->object_id);
	store_bind_text_or_null(s, 11, a->before_json);
	store_bind_text_or_null(s, 12, a->after_json);
	store_bind_text(s, 13, a->prev_hash);
	store_bind_text(s, 14, a->hash);
	if ((rc = store_step(s)) != TB_DONE)
		return rc;
	/*
	 * The head is kept apart too, so that deleting the newest entries
	 * (which leaves a valid but shorter chain) is caught.
	 */
	if ((rc = store_prepare(c, sql_audit_anchor, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, a->seq);
	store_bind_text(s, 2, a->hash);
	if ((rc = store_step(s)) != TB_DONE)
		return rc;
	return store_changes(c) == 1 ? TB_OK : TB_ESTORE;
}

/* Steps s (the columns of sql_audit_all) calling fn for each row. */
static int
audit_rows(struct store_stmt *s, int (*fn)(void *, const struct store_audit *),
    void *arg)
{
	struct store_audit	 a;
	char			*own[9];
	const char		**dst[9] = { &a.actor, &a.agency, &a.remote,
	    &a.request_id, &a.action, &a.object_type, &a.object_id,
	    &a.before_json, &a.after_json };
	int			 rc = TB_OK, stop = 0, i;

	while (!stop && (rc = store_step(s)) == TB_ROW) {
		memset(&a, 0, sizeof(a));
		memset(own, 0, sizeof(own));
		a.seq = store_col_i64(s, 0);
		a.at = store_col_i64(s, 1);
		a.actor_id = store_col_is_null(s, 2) ? 0 : store_col_i64(s, 2);
		/* Columns 3 to 11, copied: fn may step other statements. */
		for (i = 0; i < 9; i++) {
			if (store_col_is_null(s, 3 + i))
				continue;
			if ((own[i] = strdup(store_col_text(s, 3 + i)))
			    == NULL) {
				rc = TB_ENOMEM;
				break;
			}
			*dst[i] = own[i];
		}
		if (i == 9) {
			tb_strlcpy(a.prev_hash, store_col_text(s, 12),
			    sizeof(a.prev_hash));
			tb_strlcpy(a.hash, store_col_text(s, 13),
			    sizeof(a.hash));
			stop = fn(arg, &a);
		}
		for (int k = 0; k < 9; k++)
			free(own[k]);
		if (i != 9)
			return rc;
	}
	if (stop)
		return TB_OK;
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_audit_scan(struct store_conn *c, int64_t after, int64_t limit,
    int (*fn)(void *, const struct store_audit *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_audit_all, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, after);
	store_bind_i64(s, 2, limit);
	return audit_rows(s, fn, arg);
}

int
store_audit_find(struct store_conn *c, const struct store_audit_filter *f,
    int64_t lo, int64_t hi, int64_t limit,
    int (*fn)(void *, const struct store_audit *), void *arg)
{
	struct store_stmt	*s;
	const char		*v[4] = { f->action, f->action_prefix,
	    f->object_type, f->object_id };
	int			 rc, k = 3;

	if ((rc = store_prepare(c, f->desc ? sql_audit_find_desc :
	    sql_audit_find_asc, &s)) != TB_OK)
		return rc;
	store_bind_i64(s, 1, lo);
	store_bind_i64(s, 2, hi);
	for (int i = 0; i < 4; i++) {
		/* The prefix is bound three times: test, length, value. */
		for (int n = i == 1 ? 3 : 2; n > 0; n--)
			store_bind_text_or_null(s, k++, v[i]);
	}
	store_bind_i64(s, k, limit);
	return audit_rows(s, fn, arg);
}

int
store_audit_anchor(struct store_conn *c, int64_t *seq, char hash[65])
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_audit_head, &s)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	*seq = store_col_i64(s, 0);
	tb_strlcpy(hash, store_col_text(s, 1), 65);
	return TB_OK;
}

const char *
store_audit_genesis(void)
{
	return audit_genesis;
}
