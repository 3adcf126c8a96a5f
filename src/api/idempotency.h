/*
 * idempotency.h: the Idempotency-Key of a POST (CONVENTIONS.md: a POST
 * repeated with the same key and body answers the first answer and
 * changes nothing; the same key with another body is 422
 * idempotency_key_reused).  Every handler that takes the header uses
 * these three calls, in this order:
 *
 *	idem_begin()	before the write transaction: reads and hashes;
 *	idem_replay()	first thing inside it: answers a repeat;
 *	idem_record()	last thing inside it: keeps the answer.
 *
 * The answers are kept per caller by store_idem_insert(); a key is the
 * caller's own, so two callers may use the same one.
 */
#ifndef TB_API_IDEMPOTENCY_H
#define TB_API_IDEMPOTENCY_H

#include <stdint.h>

#include <jansson.h>

#include "http/http.h"
#include "store/store.h"

/* Longest key: a UUID is 36 characters; 255 leaves room for others. */
#define IDEM_KEY_MAX	255

/* The key of one request; key is NULL when the request carried none. */
struct idem {
	const char	*key;		/* borrowed from the request headers */
	char		 hash[65];	/* hex BLAKE2b of what identifies it */
};

/*
 * Reads the Idempotency-Key header of req into k and hashes the request:
 * method, path, body and extra (for an upload, what stands for its body:
 * its name and SHA-256; NULL for none).  Returns 0, or -1 after replying
 * 400 bad_request to a key that is empty, longer than IDEM_KEY_MAX or not
 * visible ASCII.
 */
int	idem_begin(struct http_req *req, const char *extra, struct idem *k);
/*
 * Inside the write transaction on c: when the caller used k before, it
 * replies the first answer (with Idempotent-Replayed: true), or 422
 * idempotency_key_reused when the request differs, and returns -1; it
 * also returns -1 after replying a store error.  The caller then rolls
 * back and replies nothing more.  0: no key, or a new one; go on.
 */
int	idem_replay(struct http_req *req, struct store_conn *c,
	    const struct idem *k);
/*
 * Keeps the answer (status, Location or NULL, JSON text, borrowed) under
 * k through c, inside the transaction of the change, stamped now.  TB_OK
 * when there is no key; store errors, which the caller replies.
 */
int	idem_record(struct http_req *req, struct store_conn *c,
	    const struct idem *k, int status, const char *location,
	    const char *text, int64_t now);
/* idem_record() of body (borrowed) as compact JSON, stamped with the
 * clock; also TB_ENOMEM. */
int	idem_record_json(struct http_req *req, struct store_conn *c,
	    const struct idem *k, int status, const char *location,
	    json_t *body);
/*
 * The end of every audited write that takes an Idempotency-Key: the audit
 * entry of the change (P32), the answer kept under k, then the durable
 * commit of c, in that order and in one transaction.  before and after are
 * borrowed.  Returns the first error, which the caller replies.
 */
int	idem_audit_commit(struct http_req *req, struct store_conn *c,
	    const struct idem *k, int status, const char *location,
	    const char *action, const char *object_type, const char *object_id,
	    const char *agency, json_t *before, json_t *after);

#endif
