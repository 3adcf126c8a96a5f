/*
 * housekeep.c: removing what is kept only for a while, so that the file
 * does not grow with it for ever.
 *
 * - Idempotency keys (CONVENTIONS: a repeated POST with the same key gets
 *   the first answer): kept STORE_IDEM_KEEP_US.  A phone on a bad network
 *   resends within minutes; the report screen keeps its key in the draft,
 *   which a person may send again days later, so the window is long.
 * - Sessions that expired (their absolute expiry) STORE_SESSION_KEEP_US
 *   ago: a dead session is refused whether its row is there or not.
 *
 * Each pass works a page per transaction and lets the writer go between
 * pages, so that it never holds up a change for long.  The server runs a
 * pass an hour in a thread of its own (store_housekeeper_start()).  Nothing
 * here touches records: incidents, events, evidence and the audit trail
 * are kept for good.
 */
#include <pthread.h>
#include <string.h>

#include "util/util.h"
#include "internal.h"

/* Rows deleted per transaction. */
#define HOUSEKEEP_PAGE		500
/* Between passes, and before the first (the server has just started). */
#define HOUSEKEEP_EVERY_US	(INT64_C(3600) * 1000000)
#define HOUSEKEEP_FIRST_US	(INT64_C(60) * 1000000)

/* The oldest page of keys made before ?: row values, which SQLite and
 * PostgreSQL both take, stand for the two-column key. */
static const char sql_idem_prune[] =
    "DELETE FROM idempotency_keys WHERE (caller, idem_key) IN"
    " (SELECT caller, idem_key FROM idempotency_keys WHERE created_at < ?"
    " ORDER BY created_at LIMIT ?)";
/* A page of sessions that ended (absolute expiry) before ?. */
static const char sql_session_prune[] =
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions"
    " WHERE expires_at < ? LIMIT ?)";

/* Runs one of the statements above with before and limit. */
static int
prune_page(struct store_conn *c, const char *sql, int64_t before,
    int64_t limit, int64_t *deleted)
{
	struct store_stmt	*s;
	int			 rc;

	*deleted = 0;
	if (c == NULL || !(c->writer && c->in_tx) || limit < 1)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, before)) != TB_OK ||
	    (rc = store_bind_i64(s, 2, limit)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_DONE)
		return rc == TB_ROW ? TB_ESTORE : rc;
	*deleted = store_changes(c);
	return TB_OK;
}

int
store_idem_prune(struct store_conn *c, int64_t before, int64_t limit,
    int64_t *deleted)
{
	return prune_page(c, sql_idem_prune, before, limit, deleted);
}

int
store_session_prune(struct store_conn *c, int64_t before, int64_t limit,
    int64_t *deleted)
{
	return prune_page(c, sql_session_prune, before, limit, deleted);
}

/* Runs fn page by page until a page deletes less than a page. */
static int
prune_all(struct store *st, int (*fn)(struct store_conn *, int64_t,
    int64_t, int64_t *), int64_t before, int64_t *total)
{
	struct store_conn	*c;
	int64_t			 n;
	int			 rc;

	*total = 0;
	do {
		if ((rc = store_write(st, &c)) != TB_OK)
			return rc;
		n = 0;
		if ((rc = store_tx_begin(c)) == TB_OK &&
		    (rc = fn(c, before, HOUSEKEEP_PAGE, &n)) == TB_OK)
			rc = store_tx_commit(c);
		if (rc != TB_OK)
			store_tx_rollback(c);
		store_release(c);
		if (rc != TB_OK)
			return rc;
		*total += n;
	} while (n == HOUSEKEEP_PAGE);
	return TB_OK;
}

int
store_housekeep(struct store *st, int64_t now, struct store_housekept *out)
{
	int	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = prune_all(st, store_idem_prune, now - STORE_IDEM_KEEP_US,
	    &out->idempotency_keys)) != TB_OK)
		return rc;
	return prune_all(st, store_session_prune, now - STORE_SESSION_KEEP_US,
	    &out->sessions);
}

/* --- the thread ------------------------------------------------------ */

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	struct store	*st;
	int		 running;
	int		 stop;
} hk = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void *
housekeeper_main(void *arg)
{
	struct store_housekept	 done;
	struct timespec		 ts;
	char			 a[24], b[24];
	int64_t			 next = tb_now_us() + HOUSEKEEP_FIRST_US;

	(void)arg;
	pthread_mutex_lock(&hk.mu);
	while (!hk.stop) {
		if (tb_now_us() < next) {
			/* The condition variable runs on the real-time
			 * clock (its default), as tb_now_us() does. */
			ts.tv_sec = (time_t)(next / 1000000);
			ts.tv_nsec = (long)(next % 1000000) * 1000;
			pthread_cond_timedwait(&hk.cv, &hk.mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&hk.mu);
		if (store_housekeep(hk.st, tb_now_us(), &done) != TB_OK)
			log_kv(LOG_WARN, "store_housekeep_failed",
			    (const char *)NULL);
		else if (done.idempotency_keys > 0 || done.sessions > 0) {
			tb_snprintf(a, sizeof(a), "%lld",
			    (long long)done.idempotency_keys);
			tb_snprintf(b, sizeof(b), "%lld",
			    (long long)done.sessions);
			log_kv(LOG_INFO, "store_housekept", "idempotency_keys",
			    a, "sessions", b, (const char *)NULL);
		}
		next = tb_now_us() + HOUSEKEEP_EVERY_US;
		pthread_mutex_lock(&hk.mu);
	}
	pthread_mutex_unlock(&hk.mu);
	return NULL;
}

int
store_housekeeper_start(struct store *st)
{
	int	 rc = TB_OK;

	pthread_mutex_lock(&hk.mu);
	if (hk.running)
		rc = TB_EINVAL;
	else {
		hk.st = st;
		hk.stop = 0;
		if (pthread_create(&hk.thread, NULL, housekeeper_main, NULL)
		    != 0)
			rc = TB_ENOMEM;
		else
			hk.running = 1;
	}
	pthread_mutex_unlock(&hk.mu);
	return rc;
}

void
store_housekeeper_stop(void)
{
	int	 running;

	pthread_mutex_lock(&hk.mu);
	running = hk.running;
	hk.stop = 1;
	hk.running = 0;
	pthread_cond_signal(&hk.cv);
	pthread_mutex_unlock(&hk.mu);
	if (running)
		pthread_join(hk.thread, NULL);
}
