/*
 * internal.h: what the files of src/notify/ share and nobody else sees
 * (the unit tests include it to test the pure parts).
 *
 *   schedule.c  pure rules: the retry backoff, the reminder stages, the
 *               webhook signature
 *   mime.c      e-mail: RFC 2047 headers, the multipart message, HTML
 *               escaping, address checks
 *   template.c  the texts of each kind of message, zh-TW and English
 *   outbox.c    notify_enqueue() and who is told of an incident
 *   transport.c libcurl: SMTP and the webhook POST
 *   worker.c    the settings; the delivery thread and the scheduler
 *               thread; start and stop
 *   scheduler.c the scheduler's work: reminders, escalations, the digest
 */
#ifndef TB_NOTIFY_INTERNAL_H
#define TB_NOTIFY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "notify/notify.h"
#include "util/util.h"

/* ---- limits, each with its reason (STYLE.md 14) ---------------------- */

/* CONVENTIONS "Outgoing webhooks": retries are at most 10 minutes apart. */
#define NOTIFY_BACKOFF_CAP_US	(INT64_C(600) * 1000000)
/* A transfer (connect, TLS, SMTP dialogue or POST) that takes longer is
 * abandoned and retried; a stuck server must not stall the queue. */
#define NOTIFY_TRANSFER_TIMEOUT_S	30
#define NOTIFY_CONNECT_TIMEOUT_S	10
/* A claimed message is another worker's for this long; longer than any
 * transfer, so a live worker never loses its claim. */
#define NOTIFY_LEASE_US		(INT64_C(4) * NOTIFY_TRANSFER_TIMEOUT_S * \
				    1000000)
/* After the store failed, the worker waits this long before trying
 * again, rather than spinning. */
#define NOTIFY_STORE_RETRY_US	(INT64_C(1) * 1000000)
/* Messages claimed per transaction: one fsync for a batch of claims. */
#define NOTIFY_CLAIM_BATCH	32
/* The worker looks at the outbox at least this often even unwoken, for
 * messages another process (a CLI command) enqueued. */
#define NOTIFY_WORKER_IDLE_US	(INT64_C(60) * 1000000)
/* The scheduler's longest sleep: a safety net for obligations changed by
 * another process and for wall-clock jumps. */
#define NOTIFY_SCHED_IDLE_US	(INT64_C(300) * 1000000)
/* Catching up after downtime, a stage more than this far in the past is
 * recorded as passed without a message: the daily digest lists it, and a
 * week-old reminder per obligation would be a flood (issue 6 §3). */
#define NOTIFY_CATCHUP_US	(INT64_C(24) * 3600 * 1000000)
/* Schedule rows handled per transaction. */
#define NOTIFY_SCHED_BATCH	64
/* Open obligations looked at per transaction of the discovery pass. */
#define NOTIFY_DISCOVER_PAGE	2000
/* Reminder stages a policy may name. */
#define NOTIFY_REMINDERS_MAX	8
/* Rows listed in a digest; the count covers the rest. */
#define NOTIFY_DIGEST_ROWS	200
/* Largest rendered message body (a digest of NOTIFY_DIGEST_ROWS rows
 * fits with room to spare). */
#define NOTIFY_BODY_MAX		(256 * 1024)
/* Longest last_error kept for a message. */
#define NOTIFY_ERROR_MAX	300

/* Stage numbers of the schedule: reminders are 1, 2, 3 ... in time order;
 * the escalations have fixed numbers above them. */
#define NOTIFY_STAGE_OVERDUE	100	/* overdue: the CISO is told */
#define NOTIFY_STAGE_ESCALATE	101	/* still overdue: DoIT is told */

/* ---- schedule.c: pure rules ----------------------------------------- */

/*
 * The wait before retry number attempts + 1 after attempts (>= 1) failed
 * tries: base, 2 base, 4 base ... capped at NOTIFY_BACKOFF_CAP_US.
 */
int64_t	notify_backoff_us(int64_t base_us, int64_t attempts);

/*
 * What happens to a message created at created_at whose try number
 * attempts failed at now: TB_OK with *next the time of the next try, or
 * TB_ETOOBIG when that try would begin more than retry_us after
 * created_at (then the message is dead-lettered).
 */
int	notify_retry_at(int64_t created_at, int64_t now, int64_t attempts,
	    int64_t base_us, int64_t retry_us, int64_t *next);

/* One reminder stage of the policy: a share of the period, or a time
 * before the due time. */
struct notify_reminder {
	int		 percent;	/* 1..99, or 0 when before_us is used */
	int64_t		 before_us;	/* > 0: this long before due */
};

/* The reminder policy: issue 6 §3, default "50%,80%,-10m". */
struct notify_policy {
	struct notify_reminder	 st[NOTIFY_REMINDERS_MAX];
	size_t			 n;
	int64_t			 escalate_us;	/* overdue -> DoIT after */
};

/*
 * Parses a reminder policy: stages separated by commas, each "N%" (N in
 * 1..99: that share of the period after its start) or "-N" followed by
 * s, m or h (that long before the due time); "" means none.  TB_EINVAL
 * for anything else or more than NOTIFY_REMINDERS_MAX stages.
 */
int	notify_policy_parse(const char *s, struct notify_policy *out);

/* One moment at which an obligation's people are told something. */
struct notify_stage {
	int		 stage;		/* 1.. reminders, or NOTIFY_STAGE_* */
	int64_t		 at;
};

/*
 * The stages of an obligation that started at start (INT64_MIN when
 * unknown: then only the "before due" stages apply) and is due at due,
 * first overdue at overdue_from: the reminders strictly between start and
 * due, in time order and numbered 1, 2 ... (two at the same instant are
 * one), then NOTIFY_STAGE_OVERDUE at overdue_from and, with escalate,
 * NOTIFY_STAGE_ESCALATE p->escalate_us later.  out must hold
 * NOTIFY_REMINDERS_MAX + 2.  Returns the count.
 */
size_t	notify_stages(const struct notify_policy *p, int64_t start,
	    int64_t due, int64_t overdue_from, bool escalate,
	    struct notify_stage *out);

/*
 * The decision at now for an obligation whose stages are st[0..n) and
 * whose highest stage sent so far is sent (0: none): of the stages above
 * sent that are due (at <= now), only the latest is sent (*send gets its
 * number), and only if it is at most NOTIFY_CATCHUP_US old (else *send is
 * 0 and the stage is still recorded as passed).  *sent_after gets the
 * highest stage now passed, *next the time of the next stage after it
 * (INT64_MIN when none is left).
 */
void	notify_stage_next(const struct notify_stage *st, size_t n, int sent,
	    int64_t now, int *send, int *sent_after, int64_t *next);

/*
 * Parses "HH:MM" (Taipei time) into minutes after midnight; "" is -1
 * (no digest).  TB_EINVAL otherwise.
 */
int	notify_daytime_parse(const char *s, int *minutes);

/*
 * The X-Tongbao-Signature value of CONVENTIONS "Outgoing webhooks":
 * "sha256=" and the lowercase hex HMAC-SHA256 of timestamp "." body under
 * secret, into out (NUL-terminated).
 */
#define NOTIFY_SIGNATURE_SIZE	(7 + 64 + 1)
void	notify_webhook_sign(const char *secret, int64_t timestamp,
	    const char *body, size_t len, char out[NOTIFY_SIGNATURE_SIZE]);

/* ---- mime.c: e-mail ------------------------------------------------- */

/* Returns 1 when s is an address we will hand to SMTP: ASCII local@domain
 * without spaces, controls or the characters that would break a header or
 * an SMTP command; else 0. */
int	notify_addr_valid(const char *s);
/*
 * Appends s as header text: as is when it is printable ASCII, else as
 * RFC 2047 "B" encoded words of UTF-8 (each at most 75 characters, never
 * splitting a character), folded onto continuation lines.  Control
 * characters become spaces, so no value can add a header.  TB_ETOOBIG.
 */
int	notify_mime_header(struct buf *b, const char *s);
/* Appends s with & < > " ' escaped for HTML text and attribute values. */
int	notify_html_escape(struct buf *b, const char *s);

/* What an e-mail is made of. */
struct notify_mail {
	const char	*from;		/* address */
	const char	*from_name;	/* display name, UTF-8 */
	const char	*to;		/* address */
	const char	*to_name;	/* display name, may be NULL */
	const char	*subject;	/* UTF-8 */
	const char	*text;		/* UTF-8 */
	const char	*html;		/* UTF-8 */
	const char	*key;		/* idempotency key: the Message-ID */
	int64_t		 date;		/* microseconds: the Date header */
};

/*
 * Writes a complete RFC 5322 message with CRLF line ends: Date in Taipei
 * time, From, To, Subject (RFC 2047), Message-ID <key@domain of from>,
 * MIME-Version, Auto-Submitted, and a multipart/alternative body of the
 * text and the HTML, each UTF-8 in base64.  The same input gives the same
 * bytes (the boundary comes from the key), so a retry sends the very same
 * message.  TB_EINVAL for a bad address or key, TB_ETOOBIG.
 */
int	notify_mime_build(struct buf *out, const struct notify_mail *m);

/* ---- template.c ----------------------------------------------------- */

/* A rendered message; the caller frees the three strings. */
struct notify_rendered {
	char	*subject;
	char	*text;
	char	*html;
};

/*
 * Renders the message of kind for locale ("zh-TW" or "en"; anything else
 * is zh-TW) from vars (borrowed; see template.c for the names each kind
 * reads).  TB_EINVAL for an unknown kind, TB_ENOMEM, TB_ETOOBIG.
 */
int	notify_render(const char *kind, const char *locale, json_t *vars,
	    struct notify_rendered *out);
void	notify_rendered_free(struct notify_rendered *r);
/* 1 when kind names a template. */
int	notify_kind_known(const char *kind);
/* The zh-TW (or English) name of an obligation ("通報"), or the code. */
const char *notify_obligation_label(const char *name, const char *locale);

/* ---- transport.c ---------------------------------------------------- */

/* Outcome of one transfer. */
enum notify_result {
	NOTIFY_SENT = 0,	/* the remote accepted it */
	NOTIFY_RETRY,		/* failed; try again later */
	NOTIFY_PERMANENT	/* refused for good (a 5xx SMTP answer) */
};

struct notify_transport;

/* A transport (one reusable libcurl handle per channel, so that
 * connections are kept between messages).  NULL on allocation failure.
 * cfg must outlive it; stop is polled during transfers: non-zero aborts
 * them. */
struct notify_transport *notify_transport_new(const struct config *cfg,
	    const atomic_int *stop);
void	notify_transport_free(struct notify_transport *t);
/* Sends a built message to one address.  err gets a short reason. */
enum notify_result notify_smtp_send(struct notify_transport *t,
	    const char *to, const char *msg, size_t len, char *err,
	    size_t errlen);
/* POSTs body to the webhook with the signature headers. */
enum notify_result notify_webhook_send(struct notify_transport *t,
	    const char *body, size_t len, int64_t now, char *err,
	    size_t errlen);

/* ---- settings shared by the files (worker.c) ------------------------ */

/* What notify_configure() read; constant while the worker runs. */
struct notify_settings {
	int		 configured;
	int		 email;		/* smtp_url set */
	int		 webhook;	/* webhook_url set */
	char		 origin[256];	/* links: scheme://host[:port] */
	char		 webhook_url[1024];	/* "" when none */
	struct notify_policy policy;
	int		 digest_minute;	/* -1: no digest */
	int64_t		 backoff_us;
	int64_t		 retry_us;
};

/* The settings in force (zeroes before notify_configure()). */
const struct notify_settings *notify_settings(void);

/* ---- outbox.c, used by the scheduler -------------------------------- */

/* Appends the ids of the active users holding role (a role name) at agency
 * (NULL: at any agency) to ids (*n of cap), skipping ones present. */
int	notify_people_with_role(struct store_conn *c, const char *agency,
	    const char *role, int64_t *ids, size_t cap, size_t *n);
/* As above for the agency's window and deputies: the contacts roster's
 * current assignments when it exists, and the holders of the
 * contact_window role. */
int	notify_people_windows(struct store_conn *c, const char *agency,
	    int64_t now, int64_t *ids, size_t cap, size_t *n);
/* Adds id to ids unless present or full. */
void	notify_ids_add(int64_t *ids, size_t cap, size_t *n, int64_t id);

/* Wakes only the delivery worker (messages were enqueued). */
void	notify_kick_deliver(void);
/* Wakes the scheduler if something is now due at `at`, before it meant to
 * wake up anyway. */
void	notify_kick_sched(int64_t at);

/* ---- scheduler.c ---------------------------------------------------- */

/*
 * Runs the schedule rows due at now (reminders and escalations, each in
 * the transaction that records its stage) and the digest, and sets *next
 * to the next moment anything is due (INT64_MAX when nothing is).  With
 * discover, first schedules open obligations the schedule lacks.
 */
int	notify_sched_run(struct store *st, int64_t now, int discover,
	    int64_t *next);
/* Forgets which day's digest was sent (a new process, or a test). */
void	notify_sched_reset(void);

#endif
