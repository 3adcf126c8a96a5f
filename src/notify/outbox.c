/*
 * outbox.c: writing messages to the outbox inside the caller's
 * transaction, and deciding who is told what about an incident (issue 6
 * §3).  Nothing here talks to the network: the worker (worker.c) delivers
 * what was committed.
 */
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "notify/internal.h"
#include "store/store.h"

/* Key characters: what an RFC 5322 Message-ID and a log line take as is. */
static int
key_valid(const char *key, size_t max)
{
	size_t	 len;

	if (key == NULL || (len = strlen(key)) == 0 || len > max ||
	    key[0] == '.' || key[len - 1] == '.' || strstr(key, "..") != NULL)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char	 ch = key[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-'))
			return 0;
	}
	return 1;
}

/* Copies s into a key part, replacing what a key may not hold by '_'
 * ("" too: an empty part would make ".." in the key). */
static void
key_part(char *dst, size_t size, const char *s)
{
	size_t	 i;

	if (s[0] == '\0')
		s = "_";
	for (i = 0; i + 1 < size && s[i] != '\0'; i++) {
		char	 ch = s[i];

		dst[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ? ch :
		    '_';
	}
	dst[i] = '\0';
}

void
notify_ids_add(int64_t *ids, size_t cap, size_t *n, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < cap)
		ids[(*n)++] = id;
}

struct ids_ctx {
	int64_t		*ids;
	size_t		 cap;
	size_t		*n;
};

static int
ids_cb(void *arg, int64_t id, const char *agency)
{
	struct ids_ctx	*x = arg;

	(void)agency;
	notify_ids_add(x->ids, x->cap, x->n, id);
	return TB_OK;
}

static int
windows_cb(void *arg, int64_t id, const char *agency, const char *kind)
{
	(void)kind;
	return ids_cb(arg, id, agency);
}

int
notify_people_with_role(struct store_conn *c, const char *agency,
    const char *role, int64_t *ids, size_t cap, size_t *n)
{
	struct ids_ctx	 x = { ids, cap, n };

	return store_notify_role_holders(c, agency, role, ids_cb, &x);
}

int
notify_people_windows(struct store_conn *c, const char *agency, int64_t now,
    int64_t *ids, size_t cap, size_t *n)
{
	struct ids_ctx	 x = { ids, cap, n };
	int		 rc;

	/* The roster (P5-P9) names the official window and deputies; the
	 * role is what people hold before a roster is kept, so both. */
	if ((rc = store_notify_windows(c, agency, now, windows_cb, &x)) !=
	    TB_OK)
		return rc;
	return store_notify_role_holders(c, agency, "contact_window", ids_cb,
	    &x);
}

/* The webhook payload of one message: what a chat system needs to show it
 * to the person, and the template's values for any other use. */
static char *
payload_json(const struct notify_request *r,
    const struct store_notify_person *p, const struct notify_rendered *msg,
    json_t *vars)
{
	json_t	*o, *who, *link = json_object_get(vars, "link");
	char	*s;

	who = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}",
	    "id", (json_int_t)p->id, "username", p->username, "name", p->name,
	    "locale", p->locale,
	    "taipeion_id", p->taipeion_id[0] ? p->taipeion_id : NULL,
	    "email", p->email[0] ? p->email : NULL);
	o = json_pack("{s:s, s:s, s:s, s:O?, s:o?, s:O}",
	    "kind", r->kind, "subject", msg->subject, "text", msg->text,
	    "link", json_is_string(link) ? link : NULL,
	    "recipient", who, "data", vars);
	if (o == NULL)
		return NULL;
	if (r->incident_id > 0)
		json_object_set_new(o, "incident_id",
		    json_integer((json_int_t)r->incident_id));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* Writes the messages of one recipient; *queued counts them. */
static int
enqueue_one(struct store_conn *c, const struct notify_request *r,
    const struct notify_settings *set, const struct store_notify_person *p,
    json_t *uvars, size_t *queued)
{
	struct notify_rendered	 msg;
	struct store_outbox	 m;
	json_t			*vars;
	char			 key[NOTIFY_KEY_MAX + 64], *payload = NULL;
	int			 rc, inserted, email, webhook;

	/* A channel not configured is not written to: nothing could ever
	 * deliver it (notify_start() warns when neither is). */
	email = set->email && p->email_on && notify_addr_valid(p->email);
	webhook = set->webhook && p->webhook_on;
	if (!email && !webhook)
		return TB_OK;
	if ((vars = json_deep_copy(r->vars)) == NULL)
		return TB_ENOMEM;
	if (uvars != NULL && json_object_update(vars, uvars) != 0) {
		json_decref(vars);
		return TB_ENOMEM;
	}
	if (json_object_get(vars, "name") == NULL)
		json_object_set_new(vars, "name", json_string(p->name));
	if ((rc = notify_render(r->kind, p->locale, vars, &msg)) != TB_OK) {
		json_decref(vars);
		return rc;
	}
	if ((payload = payload_json(r, p, &msg, vars)) == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.idempotency_key = key;
	m.kind = r->kind;
	m.recipient_id = p->id;
	m.subject = msg.subject;
	m.body_text = msg.text;
	m.body_html = msg.html;
	m.payload = payload;
	m.incident_id = r->incident_id;
	m.created_at = m.next_attempt_at = r->now;
	if (email) {
		m.id = store_new_id();
		m.channel = "email";
		m.address = p->email;
		if ((rc = tb_snprintf(key, sizeof(key), "%s.email.%lld",
		    r->key, (long long)p->id)) != TB_OK ||
		    (rc = store_outbox_insert(c, &m, &inserted)) != TB_OK)
			goto out;
		*queued += (size_t)inserted;
	}
	if (webhook) {
		m.id = store_new_id();
		m.channel = "webhook";
		m.address = set->webhook_url;
		if ((rc = tb_snprintf(key, sizeof(key), "%s.webhook.%lld",
		    r->key, (long long)p->id)) != TB_OK ||
		    (rc = store_outbox_insert(c, &m, &inserted)) != TB_OK)
			goto out;
		*queued += (size_t)inserted;
	}
out:
	free(payload);
	notify_rendered_free(&msg);
	json_decref(vars);
	return rc;
}

int
notify_enqueue(struct store_conn *c, const struct notify_request *r,
    size_t *queued)
{
	const struct notify_settings	*set = notify_settings();
	struct store_notify_person	 p;
	size_t				 n = 0;
	int				 rc = TB_OK;

	if (queued != NULL)
		*queued = 0;
	if (!key_valid(r->key, NOTIFY_KEY_MAX) || r->kind == NULL ||
	    !notify_kind_known(r->kind) || !json_is_object(r->vars) ||
	    r->nusers > NOTIFY_RECIPIENTS_MAX ||
	    (r->nusers > 0 && r->users == NULL))
		return TB_EINVAL;
	for (size_t i = 0; i < r->nusers; i++) {
		int	 dup = 0;

		/* A person listed twice gets one message: the key would
		 * refuse the second anyway, but without rendering it. */
		for (size_t j = 0; j < i && !dup; j++)
			dup = r->users[j] == r->users[i];
		if (dup)
			continue;
		rc = store_notify_person(c, r->users[i], &p);
		if (rc == TB_ENOTFOUND || (rc == TB_OK && !p.active)) {
			rc = TB_OK;
			continue;
		}
		if (rc != TB_OK || (rc = enqueue_one(c, r, set, &p,
		    r->user_vars != NULL ? r->user_vars[i] : NULL, &n)) !=
		    TB_OK)
			break;
	}
	if (queued != NULL)
		*queued = n;
	if (rc == TB_OK && n > 0)
		notify_kick_deliver();
	return rc;
}

/* Values every message about an incident shows. */
static json_t *
incident_vars(const struct store_notify_incident *in)
{
	const struct notify_settings	*set = notify_settings();
	char				 link[512];
	json_t				*v;

	v = json_pack("{s:I, s:s, s:s, s:s, s:I, s:b, s:I}",
	    "incident_id", (json_int_t)in->id, "agency", in->agency,
	    "agency_name", in->agency_name, "title", in->title,
	    "level", (json_int_t)in->level, "exercise", (int)in->exercise,
	    "aware_at", (json_int_t)in->aware_at);
	if (v != NULL && set->origin[0] != '\0' &&
	    tb_snprintf(link, sizeof(link), "%s/#/incidents/%lld",
	    set->origin, (long long)in->id) == TB_OK)
		json_object_set_new(v, "link", json_string(link));
	return v;
}

/* Sends one kind to ids[0..n) under key, with vars. */
static int
send_ids(struct store_conn *c, const char *key, const char *kind,
    int64_t incident_id, const int64_t *ids, size_t n, json_t *vars,
    int64_t now)
{
	struct notify_request	 r;

	if (n == 0)
		return TB_OK;
	memset(&r, 0, sizeof(r));
	r.key = key;
	r.kind = kind;
	r.incident_id = incident_id;
	r.users = ids;
	r.nusers = n;
	r.vars = vars;
	r.now = now;
	return notify_enqueue(c, &r, NULL);
}

/* Drops id from ids (the person who made the change). */
static void
ids_drop(int64_t *ids, size_t *n, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == id) {
			ids[i] = ids[--*n];
			return;
		}
}

/* Agencies one incident may name as affected, at most (the city has about
 * 400; issue 4 caps the list at 500). */
#define AFFECTED_MAX	512

/* The affected agencies' codes, collected before any other read: the scan
 * must end first. */
struct affected_ctx {
	char		(*codes)[64];
	size_t		 ncodes;
};

static int
affected_cb(void *arg, const char *agency)
{
	struct affected_ctx	*x = arg;

	if (x->ncodes < AFFECTED_MAX &&
	    tb_strlcpy(x->codes[x->ncodes], agency, sizeof(x->codes[0])) ==
	    TB_OK)
		x->ncodes++;
	return TB_OK;
}

/* P12: each affected agency's window and deputies, once per agency. */
static int
tell_affected(struct store_conn *c, const struct store_notify_incident *in,
    json_t *vars, int64_t now, int64_t *ids)
{
	struct affected_ctx	 x;
	char			 key[NOTIFY_KEY_MAX], part[64];
	size_t			 n;
	int			 rc;

	memset(&x, 0, sizeof(x));
	if ((x.codes = calloc(AFFECTED_MAX, sizeof(*x.codes))) == NULL)
		return TB_ENOMEM;
	if ((rc = store_notify_affected(c, in->id, affected_cb, &x)) != TB_OK)
		goto out;
	for (size_t i = 0; i < x.ncodes; i++) {
		if (strcmp(x.codes[i], in->agency) == 0)
			continue;
		n = 0;
		key_part(part, sizeof(part), x.codes[i]);
		if ((rc = notify_people_windows(c, x.codes[i], now, ids,
		    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK ||
		    (rc = tb_snprintf(key, sizeof(key), "aff.%lld.%s",
		    (long long)in->id, part)) != TB_OK ||
		    (rc = send_ids(c, key, NOTIFY_KIND_AFFECTED, in->id, ids, n,
		    vars, now)) != TB_OK)
			goto out;
	}
out:
	free(x.codes);
	return rc;
}

/* Open level reviews one incident may have at once: the first one and a
 * few change requests (P17); more are told by their reminders. */
#define REVIEWS_MAX	16

/* The open reviews of an incident (P15, P17), collected for review_due. */
struct review_ctx {
	char		 subject[REVIEWS_MAX][OBLIGATION_SUBJECT_SIZE];
	int64_t		 period[REVIEWS_MAX];
	int64_t		 due[REVIEWS_MAX];
	size_t		 n;
};

static int
review_cb(void *arg, const struct store_notify_obligation *o)
{
	struct review_ctx	*x = arg;

	if (strcmp(o->name, "level_review") != 0 ||
	    strcmp(o->state, "open") != 0 || o->due_at == STORE_TIME_NONE ||
	    x->n == REVIEWS_MAX)
		return TB_OK;
	if (tb_strlcpy(x->subject[x->n], o->subject, sizeof(x->subject[0]))
	    != TB_OK)
		return TB_OK;
	x->due[x->n++] = o->due_at;
	return TB_OK;
}

/*
 * review_cb over the obligations the caller stored.  Read back, they came
 * in the order of the primary key (name, subject, period), and past
 * REVIEWS_MAX the first ones were kept; so here too: each goes to its
 * place in that order, and what falls past the end is not kept.
 */
static void
reviews_of_rows(struct review_ctx *x, const struct store_obligation *ob,
    size_t nob)
{
	const char	*subject;
	size_t		 i, j, move;
	int		 d;

	for (i = 0; i < nob; i++) {
		subject = ob[i].subject != NULL ? ob[i].subject : "";
		if (strcmp(ob[i].name, "level_review") != 0 ||
		    strcmp(ob[i].state, "open") != 0 ||
		    ob[i].due_at == STORE_TIME_NONE ||
		    strlen(subject) >= sizeof(x->subject[0]))
			continue;
		for (j = x->n; j > 0; j--) {
			d = strcmp(x->subject[j - 1], subject);
			if (d < 0 || (d == 0 && x->period[j - 1] <=
			    ob[i].period))
				break;
		}
		if (j == REVIEWS_MAX)
			continue;
		if (x->n < REVIEWS_MAX)
			x->n++;
		move = x->n - 1 - j;
		memmove(x->subject[j + 1], x->subject[j],
		    move * sizeof(x->subject[0]));
		memmove(&x->period[j + 1], &x->period[j],
		    move * sizeof(x->period[0]));
		memmove(&x->due[j + 1], &x->due[j], move * sizeof(x->due[0]));
		(void)tb_strlcpy(x->subject[j], subject,
		    sizeof(x->subject[0]));
		x->period[j] = ob[i].period;
		x->due[j] = ob[i].due_at;
	}
}

/*
 * What the code that made a change already holds, so that it is not read
 * back (notify_incident_stored()): the obligations exactly as it stored
 * them in this transaction, and the id of the person who made the change
 * (0: look it up by name).
 */
struct change_known {
	const struct store_obligation	*ob;
	size_t				 nob;
	int64_t				 actor_id;
};

/* P15: DoIT is told once per review when it falls due to them. */
static int
tell_reviews(struct store_conn *c, const struct store_notify_incident *in,
    json_t *vars, int64_t now, int64_t *ids, const struct change_known *k)
{
	struct review_ctx	 x;
	char			 key[NOTIFY_KEY_MAX], part[64];
	size_t			 n = 0;
	int			 rc = TB_OK;

	memset(&x, 0, sizeof(x));
	if (k != NULL)
		reviews_of_rows(&x, k->ob, k->nob);
	else
		rc = store_notify_obligations(c, in->id, review_cb, &x);
	if (rc != TB_OK || x.n == 0)
		return rc;
	if ((rc = notify_people_with_role(c, NULL, "doit_reviewer", ids,
	    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK)
		return rc;
	for (size_t i = 0; i < x.n; i++) {
		key_part(part, sizeof(part), x.subject[i]);
		json_object_set_new(vars, "due_at",
		    json_integer((json_int_t)x.due[i]));
		if ((rc = tb_snprintf(key, sizeof(key), "rev.%lld.r%s",
		    (long long)in->id, part)) != TB_OK ||
		    (rc = send_ids(c, key, NOTIFY_KIND_REVIEW_DUE, in->id, ids,
		    n, vars, now)) != TB_OK)
			return rc;
	}
	json_object_del(vars, "due_at");
	return TB_OK;
}

static int	sched_from_rows(struct store_conn *, int64_t,
		    const struct store_obligation *, size_t);

/* notify_incident_changed() and notify_incident_stored(); k NULL: read
 * back what the change wrote. */
static int
incident_changed(struct store_conn *c, int64_t incident_id,
    int64_t change_id, const char *what, const char *actor,
    const struct change_known *k)
{
	struct store_notify_incident	 in;
	struct store_login		 who;
	json_t				*vars = NULL;
	int64_t				*ids, now = tb_now_us();
	char				 key[NOTIFY_KEY_MAX];
	size_t				 n = 0;
	int				 rc;

	if (what == NULL || change_id < 0)
		return TB_EINVAL;
	if ((ids = calloc(NOTIFY_RECIPIENTS_MAX, sizeof(*ids))) == NULL)
		return TB_ENOMEM;
	if ((rc = store_notify_incident(c, incident_id, &in)) != TB_OK)
		goto out;
	if ((vars = incident_vars(&in)) == NULL) {
		rc = TB_ENOMEM;
		goto out;
	}
	json_object_set_new(vars, "what", json_string(what));
	if (actor != NULL)
		json_object_set_new(vars, "actor", json_string(actor));
	/* The agency's window, deputies and CISO; DoIT's reviewers. */
	if ((rc = notify_people_windows(c, in.agency, now, ids,
	    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK ||
	    (rc = notify_people_with_role(c, in.agency, "ciso", ids,
	    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK ||
	    (rc = notify_people_with_role(c, NULL, "doit_reviewer", ids,
	    NOTIFY_RECIPIENTS_MAX, &n)) != TB_OK)
		goto out;
	/* Levels 3-4: the superior and supervisory agencies' viewers. */
	if (in.level >= 3) {
		if (in.superior[0] != '\0' && (rc = notify_people_with_role(c,
		    in.superior, "superior_viewer", ids, NOTIFY_RECIPIENTS_MAX,
		    &n)) != TB_OK)
			goto out;
		if (in.supervisor[0] != '\0' &&
		    (rc = notify_people_with_role(c, in.supervisor,
		    "superior_viewer", ids, NOTIFY_RECIPIENTS_MAX, &n)) !=
		    TB_OK)
			goto out;
	}
	/* Whoever made the change knows of it. */
	if (k != NULL && k->actor_id > 0)
		ids_drop(ids, &n, k->actor_id);
	else if (actor != NULL && store_login_by_name(c, actor, &who) ==
	    TB_OK)
		ids_drop(ids, &n, who.id);
	if ((rc = tb_snprintf(key, sizeof(key), "inc.%lld.ch%lld",
	    (long long)incident_id, (long long)change_id)) != TB_OK ||
	    (rc = send_ids(c, key, NOTIFY_KIND_INCIDENT, incident_id, ids, n,
	    vars, now)) != TB_OK)
		goto out;
	json_object_del(vars, "what");
	json_object_del(vars, "actor");
	if ((rc = tell_affected(c, &in, vars, now, ids)) != TB_OK ||
	    (rc = tell_reviews(c, &in, vars, now, ids, k)) != TB_OK)
		goto out;
	if (k != NULL)
		rc = sched_from_rows(c, incident_id, k->ob, k->nob);
	else
		rc = notify_obligations_changed(c, incident_id);
out:
	json_decref(vars);
	free(ids);
	return rc;
}

int
notify_incident_changed(struct store_conn *c, int64_t incident_id,
    int64_t change_id, const char *what, const char *actor)
{
	return incident_changed(c, incident_id, change_id, what, actor, NULL);
}

int
notify_incident_stored(struct store_conn *c, int64_t incident_id,
    int64_t change_id, const char *what, const char *actor,
    int64_t actor_id, const struct store_obligation *ob, size_t nob)
{
	struct change_known	 k;

	if (nob > 0 && ob == NULL)
		return TB_EINVAL;
	k.ob = ob;
	k.nob = nob;
	k.actor_id = actor_id;
	return incident_changed(c, incident_id, change_id, what, actor, &k);
}

/* An obligation as the schedule needs it, copied out of the scan. */
struct sync_row {
	char		 name[40];
	char		 subject[OBLIGATION_SUBJECT_SIZE];
	int64_t		 period;
	int		 open;		/* owed, with a due time */
	int64_t		 start, due, overdue_from;
};

/* Fills r; 0 when the obligation cannot be followed (a name or subject
 * too long to copy: the scheduler's discovery pass has its own copy). */
static int
sync_row_set(struct sync_row *r, const char *name, const char *subject,
    int64_t period, const char *state, int64_t start, int64_t due,
    int64_t overdue_from)
{
	if (tb_strlcpy(r->name, name, sizeof(r->name)) != TB_OK ||
	    tb_strlcpy(r->subject, subject, sizeof(r->subject)) != TB_OK)
		return 0;
	r->period = period;
	r->open = strcmp(state, "open") == 0 && due != STORE_TIME_NONE &&
	    overdue_from != STORE_TIME_NONE;
	r->start = start;
	r->due = due;
	r->overdue_from = overdue_from;
	return 1;
}

struct sync_ctx {
	struct sync_row	*rows;
	size_t		 n, cap;
};

static int
sync_cb(void *arg, const struct store_notify_obligation *o)
{
	struct sync_ctx	*x = arg;

	/* Past the cap, the scheduler's discovery pass finds the rest. */
	if (x->n == x->cap)
		return TB_OK;
	if (sync_row_set(&x->rows[x->n], o->name, o->subject, o->period,
	    o->state, o->start_at, o->due_at, o->overdue_from))
		x->n++;
	return TB_OK;
}

/* Obligations of one incident the schedule follows at most; a real one has
 * about fifteen. */
#define SYNC_ROWS_MAX	256

/* A row of the schedule as it was before the change. */
struct sched_old {
	char		 name[40];
	char		 subject[OBLIGATION_SUBJECT_SIZE];
	int64_t		 period;
	int		 stage_sent;
	int64_t		 next_at;
};

/* The schedule rows of one incident; partial when they did not all fit
 * (then each is looked up alone). */
struct sched_ctx {
	struct sched_old	*rows;
	size_t			 n, cap;
	int			 partial;
};

static int
sched_cb(void *arg, const struct store_sched *s)
{
	struct sched_ctx	*x = arg;
	struct sched_old	*r;
	size_t			 cap;

	if (x->partial)
		return TB_OK;
	if (x->n == x->cap) {
		cap = x->cap > 0 ? 2 * x->cap : 16;
		if (cap > SYNC_ROWS_MAX) {
			x->partial = 1;
			return TB_OK;
		}
		if ((r = realloc(x->rows, cap * sizeof(*r))) == NULL)
			return TB_ENOMEM;
		x->rows = r;
		x->cap = cap;
	}
	r = &x->rows[x->n];
	if (tb_strlcpy(r->name, s->obligation, sizeof(r->name)) != TB_OK ||
	    tb_strlcpy(r->subject, s->subject, sizeof(r->subject)) != TB_OK) {
		x->partial = 1;
		return TB_OK;
	}
	r->period = s->period;
	r->stage_sent = s->stage_sent;
	r->next_at = s->next_at;
	x->n++;
	return TB_OK;
}

/*
 * Brings the schedule rows of rows[0..nrows) up to date.  The incident's
 * schedule is read with one range lookup rather than one per obligation:
 * a create (no rows yet) then costs one lookup instead of about fifteen
 * that find nothing.
 */
static int
sched_sync(struct store_conn *c, int64_t incident_id,
    const struct sync_row *rows, size_t nrows)
{
	const struct notify_settings	*set = notify_settings();
	struct notify_stage		 st[NOTIFY_REMINDERS_MAX + 2];
	struct sched_ctx		 h;
	int64_t				 now = tb_now_us(), old_next;
	int64_t				 earliest = INT64_MAX;
	int				 rc, found, sent;

	memset(&h, 0, sizeof(h));
	if (nrows > 0 && (rc = store_sched_of(c, incident_id, sched_cb,
	    &h)) != TB_OK)
		goto out;
	rc = TB_OK;
	for (size_t i = 0; i < nrows; i++) {
		const struct sync_row	*o = &rows[i];
		struct store_sched	 r;

		memset(&r, 0, sizeof(r));
		r.incident_id = incident_id;
		r.obligation = o->name;
		r.subject = o->subject;
		r.period = o->period;
		if (h.partial) {
			if ((rc = store_sched_get(c, &r, &sent, &old_next,
			    &found)) != TB_OK)
				goto out;
		} else {
			found = sent = 0;
			old_next = 0;
			for (size_t j = 0; j < h.n && !found; j++)
				if (h.rows[j].period == o->period &&
				    strcmp(h.rows[j].name, o->name) == 0 &&
				    strcmp(h.rows[j].subject, o->subject) ==
				    0) {
					found = 1;
					sent = h.rows[j].stage_sent;
					old_next = h.rows[j].next_at;
				}
		}
		r.stage_sent = found ? sent : 0;
		if (o->open) {
			size_t	 n = notify_stages(&set->policy, o->start,
			    o->due, o->overdue_from,
			    strcmp(o->name, "level_review") != 0, st);

			/* The first stage not yet passed; one already in
			 * the past makes the row due at once, and the
			 * scheduler sends the latest (notify_stage_next). */
			for (size_t k = 0; k < n; k++)
				if (st[k].stage > r.stage_sent) {
					r.next_at = st[k].at > 0 ?
					    st[k].at : 1;
					break;
				}
		}
		if (!found && r.next_at <= 0)
			continue;	/* nothing owed, nothing to keep */
		/* Unchanged rows are not written again: most changes to an
		 * incident move none of its due times. */
		if (found && r.next_at == old_next)
			continue;
		if ((rc = store_sched_put(c, &r, now)) != TB_OK)
			goto out;
		if (r.next_at > 0 && r.next_at < earliest)
			earliest = r.next_at;
	}
	if (earliest < INT64_MAX)
		notify_kick_sched(earliest);
out:
	free(h.rows);
	return rc;
}

int
notify_obligations_changed(struct store_conn *c, int64_t incident_id)
{
	struct sync_ctx	 x;
	int		 rc;

	memset(&x, 0, sizeof(x));
	x.cap = SYNC_ROWS_MAX;
	if ((x.rows = calloc(x.cap, sizeof(*x.rows))) == NULL)
		return TB_ENOMEM;
	if ((rc = store_notify_obligations(c, incident_id, sync_cb, &x)) ==
	    TB_OK)
		rc = sched_sync(c, incident_id, x.rows, x.n);
	free(x.rows);
	return rc;
}

/* The order of the obligations' primary key (name, subject, period). */
static int
sync_row_cmp(const void *a, const void *b)
{
	const struct sync_row	*x = a, *y = b;
	int			 d;

	if ((d = strcmp(x->name, y->name)) != 0 ||
	    (d = strcmp(x->subject, y->subject)) != 0)
		return d;
	return x->period < y->period ? -1 : x->period > y->period;
}

/* notify_obligations_changed() from the obligations the caller stored
 * (notify_incident_stored()). */
static int
sched_from_rows(struct store_conn *c, int64_t incident_id,
    const struct store_obligation *ob, size_t nob)
{
	struct sync_row	*rows;
	size_t		 i, n = 0;
	int		 rc;

	if (nob == 0)
		return TB_OK;
	if ((rows = calloc(nob, sizeof(*rows))) == NULL)
		return TB_ENOMEM;
	for (i = 0; i < nob; i++)
		n += (size_t)sync_row_set(&rows[n], ob[i].name,
		    ob[i].subject != NULL ? ob[i].subject : "", ob[i].period,
		    ob[i].state, ob[i].start_at, ob[i].due_at,
		    ob[i].overdue_from);
	/* Past the cap, the same ones as a read back would follow: the
	 * first in the order of the key, which it read them in. */
	if (n > SYNC_ROWS_MAX) {
		qsort(rows, n, sizeof(*rows), sync_row_cmp);
		n = SYNC_ROWS_MAX;
	}
	rc = sched_sync(c, incident_id, rows, n);
	free(rows);
	return rc;
}
