/*
 * worker.c: the settings, and the two background threads of `tongbao
 * serve`: the delivery worker, which claims due messages from the outbox,
 * sends them and records the outcome, and the scheduler (scheduler.c),
 * which sleeps until the next reminder, escalation or digest is due.
 *
 * Both sleep on one condition variable (on the monotonic clock) until
 * their next due moment, a kick (notify_kick(), after something was
 * enqueued or obligations changed) or the stop.  A kick may come before
 * the caller's transaction commits; that is harmless because each thread
 * then reads through the writer (store_write()), which waits until the
 * caller has released it, so the committed state is what it sees.
 *
 * Delivery, one message (docs/internals/outbox.md):
 *   1. claim: in one transaction, the message becomes `sending`, attempts
 *      + 1, leased for NOTIFY_LEASE_US.  Durable before anything is sent,
 *      so a message that kills the process every time still runs out of
 *      tries.
 *   2. send: no lock held.
 *   3. record: at once, in its own transaction: `sent`, or `pending` at
 *      the next backoff time, or `dead`.
 * A kill between 2 and 3 leaves it `sending`; the next start makes it due
 * again and it is sent a second time with the same id (webhook) and
 * Message-ID (e-mail), which is the only duplicate possible.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "config.h"
#include "domain/domain.h"
#include "notify/internal.h"
#include "store/store.h"

/* The name on the From line of e-mail. */
#define NOTIFY_FROM_NAME	"臺北市資安事件通報系統"

static struct notify_settings	 settings;

static struct {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 cv_ready;
	int			 running;
	int			 kicked_deliver;
	int			 kicked_sched;
	/* The scheduler's wake-up while it sleeps, and the earliest moment
	 * changes made due since it last looked (notify_kick_sched()). */
	int			 sched_sleeping;
	int64_t			 sched_wake_at;
	int64_t			 sched_hint;
	atomic_int		 stop;
	pthread_t		 deliver;
	pthread_t		 sched;
	struct store		*st;
	const struct config	*cfg;
} rt = { .mu = PTHREAD_MUTEX_INITIALIZER };

const struct notify_settings *
notify_settings(void)
{
	return &settings;
}

int
notify_configure(const struct config *cfg, char *err, size_t errlen)
{
	struct notify_settings	 s;

	memset(&s, 0, sizeof(s));
	if (notify_policy_parse(cfg->notify_reminders, &s.policy) != TB_OK) {
		(void)tb_snprintf(err, errlen, "notify_reminders: expected "
		    "stages like 50%%,80%%,-10m (at most %d)",
		    NOTIFY_REMINDERS_MAX);
		return TB_EINVAL;
	}
	if (notify_daytime_parse(cfg->notify_digest_at, &s.digest_minute) !=
	    TB_OK) {
		(void)tb_snprintf(err, errlen, "notify_digest_at: expected "
		    "HH:MM (Taipei time) or nothing");
		return TB_EINVAL;
	}
	s.policy.escalate_us = cfg->notify_escalation_minutes * 60 *
	    INT64_C(1000000);
	s.email = cfg->smtp_url[0] != '\0';
	s.webhook = cfg->webhook_url[0] != '\0';
	if (tb_strlcpy(s.webhook_url, cfg->webhook_url,
	    sizeof(s.webhook_url)) != TB_OK) {
		(void)tb_snprintf(err, errlen, "webhook_url is too long");
		return TB_EINVAL;
	}
	/* Links in messages: the address people use, which deployments set
	 * (README "Deploying"); else the listening address. */
	if (cfg->public_origin[0] != '\0')
		(void)tb_strlcpy(s.origin, cfg->public_origin,
		    sizeof(s.origin));
	else
		(void)tb_snprintf(s.origin, sizeof(s.origin), "http://%s",
		    cfg->listen);
	s.backoff_us = cfg->notify_backoff_ms * 1000;
	s.retry_us = cfg->notify_retry_seconds * INT64_C(1000000);
	s.configured = 1;
	settings = s;
	return TB_OK;
}

void
notify_kick(void)
{
	pthread_mutex_lock(&rt.mu);
	if (rt.running) {
		rt.kicked_deliver = rt.kicked_sched = 1;
		pthread_cond_broadcast(&rt.cv);
	}
	pthread_mutex_unlock(&rt.mu);
}

void
notify_kick_deliver(void)
{
	pthread_mutex_lock(&rt.mu);
	if (rt.running && !rt.kicked_deliver) {
		rt.kicked_deliver = 1;
		pthread_cond_broadcast(&rt.cv);
	}
	pthread_mutex_unlock(&rt.mu);
}

void
notify_kick_sched(int64_t at)
{
	pthread_mutex_lock(&rt.mu);
	/* Remembered for a scheduler that is awake (it may have read the
	 * schedule before this change commits); a sleeping one is woken
	 * only if this comes before its wake-up.  Most changes move nothing
	 * earlier (reminders are minutes or hours away), so the scheduler
	 * stays asleep, off the writer lock the changes themselves need. */
	if (at < rt.sched_hint)
		rt.sched_hint = at;
	if (rt.running && rt.sched_sleeping && at < rt.sched_wake_at &&
	    !rt.kicked_sched) {
		rt.kicked_sched = 1;
		pthread_cond_broadcast(&rt.cv);
	}
	pthread_mutex_unlock(&rt.mu);
}

/*
 * Sleeps until the wall-clock instant `until`, a kick of *flag, or the
 * stop.  The wait runs on the monotonic clock (immune to clock steps);
 * the caller's idle cap bounds how far a wall-clock jump can mislead it.
 */
static void
sleep_until(int64_t until, int *flag)
{
	struct timespec	 ts;
	int64_t		 wait = until - tb_now_us();

	if (wait <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(wait / 1000000);
	ts.tv_nsec += (long)(wait % 1000000) * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&rt.mu);
	while (!*flag && !atomic_load(&rt.stop))
		if (pthread_cond_timedwait(&rt.cv, &rt.mu, &ts) != 0)
			break;
	*flag = 0;
	pthread_mutex_unlock(&rt.mu);
}

/* A message as read for delivery, owned by the worker. */
struct delivery {
	int64_t		 id;
	char		*key;
	char		*kind;
	char		*channel;
	char		*address;
	char		*subject;
	char		*text;
	char		*html;
	char		*payload;
	char		*name;
	int64_t		 recipient_id;
	int64_t		 created_at;
	int64_t		 attempts;
	int64_t		 retry_from;
	char		*state;
};

static void
delivery_free(struct delivery *d)
{
	free(d->key);
	free(d->kind);
	free(d->channel);
	free(d->address);
	free(d->subject);
	free(d->text);
	free(d->html);
	free(d->payload);
	free(d->name);
	free(d->state);
	memset(d, 0, sizeof(*d));
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static int
delivery_cb(void *arg, const struct store_outbox *m)
{
	struct delivery	*d = arg;

	d->id = m->id;
	d->recipient_id = m->recipient_id;
	d->created_at = m->created_at;
	d->attempts = m->attempts;
	d->retry_from = m->retry_from;
	if ((d->key = dup_or_empty(m->idempotency_key)) == NULL ||
	    (d->kind = dup_or_empty(m->kind)) == NULL ||
	    (d->channel = dup_or_empty(m->channel)) == NULL ||
	    (d->address = dup_or_empty(m->address)) == NULL ||
	    (d->subject = dup_or_empty(m->subject)) == NULL ||
	    (d->text = dup_or_empty(m->body_text)) == NULL ||
	    (d->html = dup_or_empty(m->body_html)) == NULL ||
	    (d->payload = dup_or_empty(m->payload)) == NULL ||
	    (d->name = dup_or_empty(m->recipient_name)) == NULL ||
	    (d->state = dup_or_empty(m->state)) == NULL)
		return TB_ENOMEM;
	return TB_OK;
}

/*
 * The webhook body: {"created_at", "id", "payload", "type"} in that
 * (sorted) order, built from stored text alone, so every try of a message
 * sends the very same bytes.
 */
static int
hook_body(const struct delivery *d, struct buf *b)
{
	char	 at[TBTIME_RFC3339_SIZE];
	int	 rc;

	if ((rc = tbtime_format(d->created_at, at, sizeof(at))) != TB_OK)
		return rc;
	/* key and kind hold no character JSON would escape (outbox.c). */
	return buf_printf(b, "{\"created_at\":\"%s\",\"id\":\"%s\","
	    "\"payload\":%s,\"type\":\"%s\"}", at, d->key, d->payload,
	    d->kind);
}

/* Sends one claimed message; err gets the reason when it failed. */
static enum notify_result
deliver(struct notify_transport *t, const struct delivery *d, int64_t now,
    char *err, size_t errlen)
{
	const struct config	*cfg = rt.cfg;
	struct notify_mail	 m;
	struct buf		 b;
	enum notify_result	 res;

	buf_init(&b, 4 * NOTIFY_BODY_MAX);
	if (strcmp(d->channel, "email") == 0) {
		/* Not configured: nothing can be sent, and saying so to
		 * DoIT beats retrying for a day. */
		if (cfg->smtp_url[0] == '\0') {
			(void)tb_snprintf(err, errlen, "smtp_url is not set");
			res = NOTIFY_PERMANENT;
			goto out;
		}
		memset(&m, 0, sizeof(m));
		m.from = cfg->smtp_from;
		m.from_name = NOTIFY_FROM_NAME;
		m.to = d->address;
		m.to_name = d->name;
		m.subject = d->subject;
		m.text = d->text;
		m.html = d->html;
		m.key = d->key;
		m.date = d->created_at;
		if (notify_mime_build(&b, &m) != TB_OK) {
			(void)tb_snprintf(err, errlen, "cannot build the "
			    "message (bad address or smtp_from)");
			res = NOTIFY_PERMANENT;
			goto out;
		}
		res = notify_smtp_send(t, d->address, buf_str(&b), b.len, err,
		    errlen);
	} else {
		if (cfg->webhook_url[0] == '\0') {
			(void)tb_snprintf(err, errlen,
			    "webhook_url is not set");
			res = NOTIFY_PERMANENT;
			goto out;
		}
		if (hook_body(d, &b) != TB_OK) {
			(void)tb_snprintf(err, errlen, "cannot build the body");
			res = NOTIFY_PERMANENT;
			goto out;
		}
		res = notify_webhook_send(t, buf_str(&b), b.len, now, err,
		    errlen);
	}
out:
	buf_free(&b);
	return res;
}

/* Records the outcome of message d in its own transaction. */
static int
record(const struct delivery *d, enum notify_result res, const char *err)
{
	struct store_conn	*c;
	const char		*state = "sent";
	int64_t			 now = tb_now_us(), next = now, sent_at = 0;
	char			 num[24], tries[24];
	int			 rc;

	if (res == NOTIFY_SENT)
		sent_at = now;
	else if (res == NOTIFY_RETRY && notify_retry_at(d->retry_from, now,
	    d->attempts, settings.backoff_us, settings.retry_us, &next) ==
	    TB_OK)
		state = "pending";
	else
		state = "dead";
	if ((rc = store_write(rt.st, &c)) != TB_OK)
		return rc;
	/* A reachability message carries a token stored nowhere else but
	 * hashed: once delivered, its text is not kept. */
	if ((rc = store_tx_begin(c)) == TB_OK &&
	    (rc = store_outbox_finish(c, d->id, state, next,
	    res == NOTIFY_SENT ? NULL : err, sent_at)) == TB_OK &&
	    (res != NOTIFY_SENT || strcmp(d->kind, NOTIFY_KIND_REACH) != 0 ||
	    (rc = store_outbox_redact(c, d->id)) == TB_OK))
		rc = store_tx_commit(c);
	else
		store_tx_rollback(c);
	store_release(c);
	/* Logged after the commit: the commit is what closes the window in
	 * which a kill would send the message again. */
	(void)tb_snprintf(num, sizeof(num), "%lld", (long long)d->id);
	(void)tb_snprintf(tries, sizeof(tries), "%lld",
	    (long long)d->attempts);
	log_kv(res == NOTIFY_SENT ? LOG_INFO : LOG_WARN, res == NOTIFY_SENT ?
	    "notify_sent" : strcmp(state, "dead") == 0 ? "notify_dead" :
	    "notify_retry", "id", num, "kind", d->kind, "channel", d->channel,
	    "attempts", tries, "error", res == NOTIFY_SENT ? "" : err,
	    (const char *)NULL);
	return rc;
}

/* Puts claimed messages that were not tried back, due now. */
static void
unclaim(const int64_t *ids, size_t n)
{
	struct store_conn	*c;
	int64_t			 now = tb_now_us();

	if (n == 0 || store_write(rt.st, &c) != TB_OK)
		return;
	if (store_tx_begin(c) == TB_OK) {
		for (size_t i = 0; i < n; i++)
			(void)store_outbox_finish(c, ids[i], "pending", now,
			    "not tried: the server was stopping", 0);
		if (store_tx_commit(c) != TB_OK)
			store_tx_rollback(c);
	}
	store_release(c);
}

/* Claims a batch; *n gets its size. */
static int
claim(int64_t *ids, size_t *n)
{
	struct store_conn	*c;
	int64_t			 now = tb_now_us();
	int			 rc;

	*n = 0;
	if ((rc = store_write(rt.st, &c)) != TB_OK)
		return rc;
	if ((rc = store_tx_begin(c)) == TB_OK &&
	    (rc = store_outbox_claim(c, now, now + NOTIFY_LEASE_US, ids,
	    NOTIFY_CLAIM_BATCH, n)) == TB_OK)
		rc = store_tx_commit(c);
	else
		store_tx_rollback(c);
	store_release(c);
	if (rc != TB_OK)
		*n = 0;
	return rc;
}

/* The next time a message is due, capped by the idle time. */
static int64_t
next_due(void)
{
	struct store_conn	*c;
	int64_t			 at, cap = tb_now_us() + NOTIFY_WORKER_IDLE_US;
	int			 found = 0;

	/* Through the writer: it waits for a transaction that kicked us
	 * to commit, so its messages are seen (see the top of the file). */
	if (store_write(rt.st, &c) != TB_OK)
		return cap;
	if (store_outbox_next(c, &at, &found) != TB_OK)
		found = 0;
	store_release(c);
	return found && at < cap ? at : cap;
}

/* Makes messages a killed process left `sending` due again. */
static void
recover(void)
{
	struct store_conn	*c;
	int64_t			 n = 0;
	char			 num[24];

	if (store_write(rt.st, &c) != TB_OK)
		return;
	if (store_tx_begin(c) == TB_OK) {
		if (store_outbox_recover(c, tb_now_us(), &n) == TB_OK)
			(void)store_tx_commit(c);
		else
			store_tx_rollback(c);
	}
	store_release(c);
	if (n > 0) {
		(void)tb_snprintf(num, sizeof(num), "%lld", (long long)n);
		log_kv(LOG_WARN, "notify_recovered", "messages", num,
		    (const char *)NULL);
	}
}

static void *
deliver_main(void *arg)
{
	struct notify_transport	*t;
	int64_t			 ids[NOTIFY_CLAIM_BATCH];
	char			 err[NOTIFY_ERROR_MAX];
	size_t			 n, i;

	(void)arg;
	if ((t = notify_transport_new(rt.cfg, &rt.stop)) == NULL) {
		log_kv(LOG_ERROR, "notify_worker_failed", "error",
		    "out of memory", (const char *)NULL);
		return NULL;
	}
	recover();
	while (!atomic_load(&rt.stop)) {
		/* The store failed (logged where it happened): wait rather
		 * than spin on messages that are due but cannot be claimed. */
		if (claim(ids, &n) != TB_OK) {
			sleep_until(tb_now_us() + NOTIFY_STORE_RETRY_US,
			    &rt.kicked_deliver);
			continue;
		}
		for (i = 0; i < n && !atomic_load(&rt.stop); i++) {
			struct store_conn	*c;
			struct delivery		 d;
			enum notify_result	 res;
			int			 rc;

			memset(&d, 0, sizeof(d));
			if ((rc = store_read(rt.st, &c)) == TB_OK) {
				rc = store_outbox_get(c, ids[i], delivery_cb,
				    &d);
				store_release(c);
			}
			if (rc != TB_OK) {
				delivery_free(&d);
				continue;	/* the lease brings it back */
			}
			err[0] = '\0';
			res = deliver(t, &d, tb_now_us(), err, sizeof(err));
			if (res != NOTIFY_SENT && atomic_load(&rt.stop))
				(void)tb_snprintf(err, sizeof(err), "not "
				    "finished: the server was stopping");
			(void)record(&d, res, err);
			delivery_free(&d);
		}
		if (i < n) {
			unclaim(ids + i, n - i);
			break;
		}
		if (n == NOTIFY_CLAIM_BATCH)
			continue;	/* more may be due at once */
		sleep_until(next_due(), &rt.kicked_deliver);
	}
	notify_transport_free(t);
	return NULL;
}

static void *
sched_main(void *arg)
{
	int64_t	 next, idle_at = 0;
	int	 discover = 1;

	(void)arg;
	notify_sched_reset();
	while (!atomic_load(&rt.stop)) {
		int64_t	 now = tb_now_us();

		/* Hints from before this point are of changes this run sees:
		 * it reads through the writer, after they committed. */
		pthread_mutex_lock(&rt.mu);
		rt.sched_hint = INT64_MAX;
		pthread_mutex_unlock(&rt.mu);
		if (notify_sched_run(rt.st, now, discover, &next) != TB_OK)
			next = now + NOTIFY_SCHED_IDLE_US / 10;
		/* Look for obligations no one told us of at start and on
		 * every idle wake-up. */
		if (discover)
			idle_at = now + NOTIFY_SCHED_IDLE_US;
		discover = 0;
		if (next > idle_at)
			next = idle_at;
		pthread_mutex_lock(&rt.mu);
		if (rt.sched_hint < next)
			next = rt.sched_hint;	/* a change during the run */
		rt.sched_wake_at = next;
		rt.sched_sleeping = 1;
		pthread_mutex_unlock(&rt.mu);
		sleep_until(next, &rt.kicked_sched);
		pthread_mutex_lock(&rt.mu);
		rt.sched_sleeping = 0;
		pthread_mutex_unlock(&rt.mu);
		if (tb_now_us() >= idle_at)
			discover = 1;
	}
	return NULL;
}

int
notify_start(const struct config *cfg, struct store *st)
{
	pthread_condattr_t	 ca;
	char			 err[256];
	int			 rc;

	if ((rc = notify_configure(cfg, err, sizeof(err))) != TB_OK) {
		fprintf(stderr, "tongbao: %s\n", err);
		return rc;
	}
	if (cfg->smtp_url[0] == '\0' && cfg->webhook_url[0] == '\0')
		log_kv(LOG_WARN, "notify_off", "reason", "neither smtp_url nor "
		    "webhook_url is set: nobody is told of anything",
		    (const char *)NULL);
	if (cfg->webhook_url[0] != '\0' && cfg->webhook_secret[0] == '\0')
		log_kv(LOG_WARN, "notify_webhook_unsigned", "reason",
		    "webhook_secret is empty: receivers cannot verify "
		    "the signature", (const char *)NULL);
	/* libcurl's global state must be set up before any thread uses it
	 * (curl_global_init is not thread-safe). */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return TB_EIO;
	pthread_mutex_lock(&rt.mu);
	if (!rt.cv_ready) {
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&rt.cv, &ca);
		pthread_condattr_destroy(&ca);
		rt.cv_ready = 1;
	}
	rt.st = st;
	rt.cfg = cfg;
	atomic_store(&rt.stop, 0);
	rt.kicked_deliver = rt.kicked_sched = 0;
	if (pthread_create(&rt.deliver, NULL, deliver_main, NULL) != 0) {
		pthread_mutex_unlock(&rt.mu);
		curl_global_cleanup();
		return TB_EIO;
	}
	if (pthread_create(&rt.sched, NULL, sched_main, NULL) != 0) {
		atomic_store(&rt.stop, 1);
		pthread_cond_broadcast(&rt.cv);
		pthread_mutex_unlock(&rt.mu);
		pthread_join(rt.deliver, NULL);
		curl_global_cleanup();
		return TB_EIO;
	}
	rt.running = 1;
	pthread_mutex_unlock(&rt.mu);
	return TB_OK;
}

void
notify_stop(void)
{
	pthread_mutex_lock(&rt.mu);
	if (!rt.running) {
		pthread_mutex_unlock(&rt.mu);
		return;
	}
	atomic_store(&rt.stop, 1);
	pthread_cond_broadcast(&rt.cv);
	pthread_mutex_unlock(&rt.mu);
	pthread_join(rt.deliver, NULL);
	pthread_join(rt.sched, NULL);
	pthread_mutex_lock(&rt.mu);
	rt.running = 0;
	pthread_mutex_unlock(&rt.mu);
	curl_global_cleanup();
	log_kv(LOG_INFO, "notify_stopped", (const char *)NULL);
}
