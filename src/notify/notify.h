/*
 * notify.h: notifications (issue 6).  Messages are written to an outbox in
 * the transaction of the change that causes them, then delivered by a
 * background worker by e-mail (SMTP through libcurl) and to a webhook, with
 * retries and exponential backoff; a scheduler sends the reminders before
 * each obligation falls due, the escalations once it is overdue and DoIT's
 * daily digest.  docs/internals/outbox.md explains the design, and what
 * "never lost, never sent twice" means across a crash.
 *
 * Who calls what:
 *   - cmd_serve.c: notify_start() before serving, notify_stop() after.
 *   - a handler that changes an incident: notify_incident_changed() (or
 *     notify_incident_stored(), with the obligations it stored) inside
 *     its write transaction, before the commit.
 *   - anything else that must tell people something: notify_enqueue().
 * Every function that takes a store_conn writes through it and never
 * commits: the caller's commit makes the messages and the change durable
 * together, and the caller's rollback removes both.
 */
#ifndef TB_NOTIFY_H
#define TB_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct store;
struct store_conn;
struct store_obligation;

/* Longest idempotency key of a cause; the key of each message adds its
 * channel and recipient to it. */
#define NOTIFY_KEY_MAX		160
/* Recipients of one notification (a city-wide check reaches every window
 * and deputy: about 300 people in Taipei's 146 agencies). */
#define NOTIFY_RECIPIENTS_MAX	4096

/*
 * Kinds of notification, each with its templates (template.c) and the
 * "type" of its webhook body.  Part of the API: add, never rename.
 */
#define NOTIFY_KIND_INCIDENT	"incident_changed"	/* new or changed */
#define NOTIFY_KIND_AFFECTED	"agency_affected"	/* P12 */
#define NOTIFY_KIND_REVIEW_DUE	"review_due"		/* P15 */
#define NOTIFY_KIND_REMINDER	"reminder"		/* before due */
#define NOTIFY_KIND_ESCALATION	"escalation"		/* overdue */
#define NOTIFY_KIND_DIGEST	"digest"		/* DoIT, daily */
#define NOTIFY_KIND_REACH	"reachability_check"	/* P7 */
#define NOTIFY_KIND_TEST	"test"			/* test routes */

/* One notification to enqueue: the same content to a set of people, each
 * getting it in their own language on each channel they have on. */
struct notify_request {
	/*
	 * Identifies the cause, so that a retried change enqueues nothing
	 * twice: characters [A-Za-z0-9._-], 1 to NOTIFY_KEY_MAX of them
	 * ("inc.123.ev.456").  Each message's key is this plus its channel
	 * and recipient ("inc.123.ev.456.email.789"); it is the webhook
	 * body's "id" and the e-mail's Message-ID.
	 */
	const char	*key;
	const char	*kind;		/* NOTIFY_KIND_* */
	int64_t		 incident_id;	/* 0: none */
	const int64_t	*users;		/* recipients' user ids; duplicates
					   and inactive people are skipped */
	size_t		 nusers;
	json_t		*vars;		/* borrowed: the template's values */
	/* NULL, or per recipient (parallel to users) values added to vars
	 * for that person alone, e.g. their own confirmation link; entries
	 * may be NULL.  Borrowed. */
	json_t *const	*user_vars;
	int64_t		 now;		/* created_at of the messages */
};

/*
 * Reads the settings notifications need (webhook, links, reminder policy,
 * digest time) from cfg.  notify_start() calls it; a command that
 * enqueues without serving calls it first.  Returns TB_OK, or TB_EINVAL
 * with a message in err for a bad notify_reminders or notify_digest_at.
 */
int	notify_configure(const struct config *cfg, char *err, size_t errlen);

/*
 * Starts the delivery worker and the scheduler on st (which must outlive
 * notify_stop()).  Messages a killed process left half sent are made due
 * again first.  Call from the main thread with SIGTERM and SIGINT blocked,
 * so that the new threads never take them.  TB_EINVAL (message on standard
 * error) for bad settings, TB_ENOMEM / TB_EIO when a thread cannot start.
 */
int	notify_start(const struct config *cfg, struct store *st);
/*
 * Stops both threads: a transfer in progress is abandoned within about a
 * second and its message stays due, to be sent again (same id) by the next
 * process.  Safe to call when not started.
 */
void	notify_stop(void);
/* Wakes the worker and the scheduler (after messages were committed or
 * obligations changed).  Cheap; a no-op when not started. */
void	notify_kick(void);

/*
 * Writes one message per recipient and channel to the outbox through c,
 * the writer inside the caller's transaction.  A message whose key is
 * already in the outbox is skipped (the change was retried).  *queued, if
 * not NULL, gets the number of messages written.  Recipients without an
 * address on any channel they have on get nothing.  TB_EINVAL for a bad
 * key, kind or recipient count, or c not in a write transaction; store
 * errors as they come (then the caller rolls back).
 */
int	notify_enqueue(struct store_conn *c, const struct notify_request *r,
	    size_t *queued);

/*
 * A new or changed incident (issue 6 §3): tells the agency's window,
 * deputy and CISO, DoIT's reviewers, at levels 3-4 the superior and
 * supervisory agencies' viewers, and the window of each affected agency
 * (P12); a level review that fell due tells DoIT (P15).  Also brings the
 * reminder schedule of the incident's obligations up to date
 * (notify_obligations_changed()).
 *
 * c: the writer inside the transaction of the change, after the incident,
 * its events and its obligations were written.  change_id names the
 * change (the new event's id, or 0 for the creation) so that a retry of
 * the same change enqueues nothing twice; what is "created", "updated" or
 * an event type ("reported"); actor is the username who made it (not told
 * of their own change; NULL for none).  TB_ENOTFOUND for an unknown
 * incident; store errors.
 */
int	notify_incident_changed(struct store_conn *c, int64_t incident_id,
	    int64_t change_id, const char *what, const char *actor);
/*
 * Re-reads the obligations of an incident into the reminder schedule
 * (new ones scheduled, met ones dropped, changed due times followed) and
 * wakes the scheduler.  c: the writer inside the change's transaction.
 */
int	notify_obligations_changed(struct store_conn *c, int64_t incident_id);

/*
 * notify_incident_changed() for a caller that has just stored the
 * incident's obligations in this transaction and still holds them:
 * ob[0..nob) must be exactly the rows it stored (all of them, as given to
 * store_obligations_replace() or store_obligations_insert()), so that
 * nothing is read back.  actor_id is the id of the user named actor (0:
 * looked up by name).  Everyone told, every message and every schedule row
 * are those notify_incident_changed() would give; only the reads differ.
 * Its errors, and TB_EINVAL for ob NULL with nob > 0.
 */
int	notify_incident_stored(struct store_conn *c, int64_t incident_id,
	    int64_t change_id, const char *what, const char *actor,
	    int64_t actor_id, const struct store_obligation *ob, size_t nob);

#endif
