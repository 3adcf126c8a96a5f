/*
 * auth.h: who is calling, what they may see, and the audit trail every
 * change writes (issue 3; P32).
 */
#ifndef TB_AUTH_H
#define TB_AUTH_H

#include <stdint.h>

#include <jansson.h>

#include "http/http.h"

struct store_conn;

/* Shortest password accepted (issue 3). */
#define AUTH_PASSWORD_MIN	12
/* Longest password accepted: argon2 takes any length, a limit bounds the
 * work an anonymous caller can ask for. */
#define AUTH_PASSWORD_MAX	256
/* Name of the session cookie. */
#define AUTH_COOKIE		"tb_session"
/* Prefix of API tokens, so that a leaked one is easy to recognise. */
#define AUTH_TOKEN_PREFIX	"tbt_"

/* The authenticate hook of struct app (http.h). */
int	auth_authenticate(struct http_req *req);

/*
 * Checks a new password against the rules: valid text of
 * AUTH_PASSWORD_MIN to AUTH_PASSWORD_MAX characters (not bytes), not a
 * common password, not a run ("abcdef...") or a short unit repeated, not
 * containing the user name.  Returns NULL when acceptable, else the
 * reason: "password_invalid", "password_too_short", "password_too_long",
 * "password_common" or "password_contains_username" (a static string).
 */
const char *auth_password_weak(const char *pw, const char *username);

/*
 * Hashes a token for storage (BLAKE2b-256, hex).  Tokens carry 256 bits of
 * randomness, so an unsalted fast hash is enough: the database never holds
 * anything that can be replayed.
 */
void	auth_token_hash(const char *token, char out[65]);

/*
 * Creates an API token for user_id valid for ttl_days; writes the token
 * (shown once) to out.  c is the writer inside a transaction.
 */
int	auth_token_create(struct store_conn *c, int64_t user_id,
	    const char *name, int64_t ttl_days, int64_t created_by,
	    int64_t now, char *out, size_t outlen, int64_t *id);

/*
 * Scope: sets *visible when the caller may see records of agency code
 * (their own agency and every agency below it; doit_* roles see all;
 * superior_viewer also the agencies their agency supervises).  Returns
 * TB_OK or a store error.
 */
int	auth_agency_visible(struct http_req *req, struct store_conn *c,
	    const char *agency, int *visible);
/*
 * Like auth_agency_visible, for acting on the agency's records: the same
 * subtree rule, but a superior_viewer's extra reach is read only.
 */
int	auth_agency_actable(struct http_req *req, struct store_conn *c,
	    const char *agency, int *actable);

/* 1 when the caller holds role r. */
int	auth_has_role(const struct http_req *req, enum role r);

/*
 * Appends an audit entry for a change made by the caller inside the
 * transaction of c (the writer).  before and after may be NULL; they are
 * not stolen.  agency is the agency whose record changed (for scoped
 * reads).  Returns TB_OK or a store error; the caller then rolls back, so
 * no change is ever made without its entry.
 */
int	auth_audit(struct http_req *req, struct store_conn *c,
	    const char *action, const char *object_type, const char *object_id,
	    const char *agency, json_t *before, json_t *after);
/*
 * auth_audit() with before and after already turned into the text the trail
 * keeps (auth_audit_json(), or NULL), so that a caller can do that before
 * it takes the writer.  Not stolen.
 */
int	auth_audit_text(struct http_req *req, struct store_conn *c,
	    const char *action, const char *object_type, const char *object_id,
	    const char *agency, const char *before, const char *after);
/* The text of v as the audit trail keeps it (compact, keys sorted); a new
 * string to free(), NULL when out of memory. */
char	*auth_audit_json(const json_t *v);

/* The session routes (api_session.c). */
int	api_session_create(struct http_req *req);
int	api_session_delete(struct http_req *req);
int	api_me(struct http_req *req);
int	api_me_password(struct http_req *req);
int	api_tokens_create(struct http_req *req);
int	api_tokens_delete(struct http_req *req);
/* GET /api/v1/tokens: the caller's tokens (doit_admin: ?username=). */
int	api_tokens_list(struct http_req *req);
int	api_audit_list(struct http_req *req);

#endif
