/*
 * idempotency.c: the Idempotency-Key of a POST (idempotency.h).
 *
 * The request is identified by a hash of its method, path and body, so a
 * repeat of the same key is told from a different request without keeping
 * the body; the stored answer is replayed byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/auth.h"
#include "api/idempotency.h"
#include "store/store.h"
#include "util/util.h"

/* Feeds s and its NUL to st: the NUL keeps "ab"+"c" apart from "a"+"bc". */
static void
idem_hash_str(crypto_generichash_state *st, const char *s)
{
	crypto_generichash_update(st, (const unsigned char *)s,
	    strlen(s) + 1);
}

int
idem_begin(struct http_req *req, const char *extra, struct idem *k)
{
	crypto_generichash_state	 st;
	unsigned char			 d[32];
	const char			*h;
	size_t				 i, n;

	memset(k, 0, sizeof(*k));
	if ((h = http_header(req, "Idempotency-Key")) == NULL)
		return 0;
	n = strlen(h);
	for (i = 0; i < n; i++)
		if (h[i] < 0x21 || h[i] > 0x7e)
			break;
	if (n == 0 || n > IDEM_KEY_MAX || i < n) {
		http_reply_error(req, "bad_request", "Idempotency-Key",
		    http_msg(req, "Idempotency-Key 須為 1 至 255 個可見 ASCII "
		    "字元", "Idempotency-Key must be 1 to 255 visible ASCII "
		    "characters"));
		return -1;
	}
	k->key = h;
	crypto_generichash_init(&st, NULL, 0, sizeof(d));
	idem_hash_str(&st, req->method);
	idem_hash_str(&st, req->path);
	crypto_generichash_update(&st, (const unsigned char *)buf_str(
	    &req->body), req->body.len);
	if (extra != NULL)
		idem_hash_str(&st, extra);
	crypto_generichash_final(&st, d, sizeof(d));
	sodium_bin2hex(k->hash, sizeof(k->hash), d, sizeof(d));
	return 0;
}

int
idem_replay(struct http_req *req, struct store_conn *c, const struct idem *k)
{
	char	 hash[65];
	char	*location = NULL, *response = NULL;
	int64_t	 status;
	int	 rc;

	if (k->key == NULL)
		return 0;
	rc = store_idem_find(c, req->who->user_id, k->key, hash, &status,
	    &location, &response);
	if (rc == TB_ENOTFOUND)
		return 0;
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return -1;
	}
	if (strcmp(hash, k->hash) != 0)
		http_reply_error(req, "idempotency_key_reused",
		    "Idempotency-Key", NULL);
	else {
		/* The first answer as it was; no ETag, as the record may
		 * have changed since (a GET tells its version now). */
		http_reply_copy(req, (int)status,
		    "application/json; charset=utf-8", response,
		    strlen(response));
		http_reply_header(req, "Cache-Control", "no-store");
		if (location != NULL)
			http_reply_header(req, "Location", location);
		http_reply_header(req, "Idempotent-Replayed", "true");
	}
	free(location);
	free(response);
	return -1;
}

int
idem_record(struct http_req *req, struct store_conn *c, const struct idem *k,
    int status, const char *location, const char *text, int64_t now)
{
	struct store_idem	 r;

	if (k->key == NULL)
		return TB_OK;
	memset(&r, 0, sizeof(r));
	r.caller = req->who->user_id;
	r.key = k->key;
	r.request_hash = k->hash;
	r.status = status;
	r.location = location;
	r.response = text;
	r.created_at = now;
	return store_idem_insert(c, &r);
}

int
idem_record_json(struct http_req *req, struct store_conn *c,
    const struct idem *k, int status, const char *location, json_t *body)
{
	char	*text;
	int	 rc;

	if (k->key == NULL)
		return TB_OK;
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		return TB_ENOMEM;
	rc = idem_record(req, c, k, status, location, text, tb_now_us());
	free(text);
	return rc;
}

int
idem_audit_commit(struct http_req *req, struct store_conn *c,
    const struct idem *k, int status, const char *location,
    const char *action, const char *object_type, const char *object_id,
    const char *agency, json_t *before, json_t *after)
{
	int	 rc;

	if ((rc = auth_audit(req, c, action, object_type, object_id, agency,
	    before, after)) != TB_OK ||
	    (rc = idem_record_json(req, c, k, status, location, after))
	    != TB_OK)
		return rc;
	return store_tx_commit(c);
}
