/*
 * api_roster.c: the contact windows and deputies of each agency and
 * DoIT's city-wide roster (P5-P9), as JSON and as CSV for Excel.
 *
 * The rules are the domain's (src/domain/roster.c): this file gathers the
 * facts inside the write transaction, asks roster_decide(), and records
 * the assignment with its audit entry.  A new window ends the one before
 * at the moment it takes effect, so the history of who could be reached
 * when is kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/org.h"
#include "domain/domain.h"
#include "util/csv.h"

/* How far ahead of the server's clock a notified_at may be (clock skew
 * between DoIT's PCs and the server), in microseconds. */
#define ROSTER_SKEW_US		(5 * 60 * TBTIME_US_PER_SEC)
/* Largest CSV export: 146 agencies take about 60 KiB. */
#define ROSTER_CSV_MAX		(32 * 1024 * 1024)
/* Room for a contacts cursor: "created_at.id". */
#define ROSTER_CURSOR_SIZE	48

/* --- shared with api_org.c (org.h) ---------------------------------- */

json_t *
org_flags_json(unsigned flags)
{
	json_t	*o = json_object();

	for (unsigned i = 0; i < ROSTER_FLAG__COUNT; i++)
		json_object_set_new(o, roster_flag_name(i),
		    json_boolean(flags & (1u << i)));
	return o;
}

struct facts_scan {
	struct roster_state	*st;
	int64_t			 now;
};

static int
facts_add(void *arg, const struct store_contact_rec *k)
{
	struct facts_scan	*fs = arg;

	if (strcmp(k->role, "window") == 0) {
		/* One window is in force at a time; were there two, the
		 * newer (scanned last) is the one that counts. */
		fs->st->has_window = true;
		fs->st->window_dedicated = k->dedicated_staff != 0;
		fs->st->window_late = k->late != 0;
	} else {
		fs->st->deputies++;
		if (roster_deputy_ready(k->access_ready_at, fs->now))
			fs->st->deputies_ready++;
	}
	return 0;
}

int
org_roster_facts(struct store_conn *c, const struct store_agency_rec *a,
    int64_t now, struct org_roster_facts *out)
{
	struct store_contact_filter f;
	struct facts_scan	 fs;
	int			 rc;

	memset(out, 0, sizeof(*out));
	out->st.level = a->responsibility_level;
	out->dedicated_required = roster_dedicated_required(
	    a->responsibility_level);
	if (out->dedicated_required < 0)
		out->dedicated_required = 0;
	store_contact_filter_init(&f);
	f.agency = a->code;
	f.in_force_at = now;
	fs.st = &out->st;
	fs.now = now;
	if ((rc = store_contact_scan(c, &f, 0, facts_add, &fs)) != TB_OK ||
	    (rc = store_agency_dedicated_count(c, a->code,
	    &out->st.dedicated_count)) != TB_OK)
		return rc;
	out->flags = roster_flags(&out->st);
	return TB_OK;
}

/* --- assignments ------------------------------------------------------ */

static const char *
nz(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Where an assignment stands at now. */
static const char *
contact_status(const struct store_contact_rec *k, int64_t now)
{
	if (k->ended_at != STORE_TIME_NONE && k->ended_at <= now)
		return "ended";
	if (k->effective_from > now)
		return "pending";
	return "in_force";
}

/* An assignment as the API and the audit trail show it; a new
 * reference. */
static json_t *
contact_json(const struct store_contact_rec *k, int64_t now)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, "
	    "s:b, s:o, s:o, s:b, s:o, s:s?, s:b, s:b, s:o, s:s?, s:o, s:s}",
	    "id", (json_int_t)k->id, "agency", k->agency, "role", k->role,
	    "username", k->username, "name", k->name,
	    "email", nz(k->email), "phone", nz(k->phone),
	    "taipeion_id", nz(k->taipeion_id),
	    "dedicated_staff", (int)k->dedicated_staff,
	    "person_active", (int)k->user_active,
	    "effective_from", org_time_json(k->effective_from),
	    "access_ready_at", org_time_json(k->access_ready_at),
	    "access_ready", (int)roster_deputy_ready(k->access_ready_at, now),
	    "notified_at", org_time_json(k->notified_at),
	    "appointed_by", nz(k->appointed_by),
	    "late", (int)k->late,
	    "dedicated_vacant", (int)k->dedicated_vacant,
	    "created_at", org_time_json(k->created_at),
	    "created_by", nz(k->created_by_name),
	    "ended_at", org_time_json(k->ended_at),
	    "status", contact_status(k, now));
}

/* Collects the ids (and the newest record) of the assignments a scan
 * finds. */
struct contact_ids {
	int64_t			 ids[16];
	size_t			 n;
	int			 more;	/* past the room in ids */
	struct store_contact_rec last;
	int			 found;
};

static int
ids_add(void *arg, const struct store_contact_rec *k)
{
	struct contact_ids	*ci = arg;

	ci->found = 1;
	ci->last = *k;
	if (ci->n < sizeof(ci->ids) / sizeof(ci->ids[0]))
		ci->ids[ci->n++] = k->id;
	else
		ci->more = 1;
	return 0;
}

/* Scans assignments of agency (role, user_id as in the filter) not ended
 * by open_at into ci. */
static int
contacts_open(struct store_conn *c, const char *agency, const char *role,
    int64_t user_id, int64_t open_at, struct contact_ids *ci)
{
	struct store_contact_filter f;

	memset(ci, 0, sizeof(*ci));
	store_contact_filter_init(&f);
	f.agency = agency;
	f.role = role;
	f.user_id = user_id;
	f.open_at = open_at;
	return store_contact_scan(c, &f, 0, ids_add, ci);
}

/*
 * Ends every assignment of agency (role, user_id) still in force after at,
 * at `at`, adding the ids ended to the JSON array ended.  Scans and ends
 * in rounds so that no fixed room limits how many are ended.
 */
static int
contacts_end_after(struct store_conn *c, const char *agency,
    const char *role, int64_t user_id, int64_t at, json_t *ended)
{
	struct contact_ids	 ci;
	int			 rc;

	do {
		if ((rc = contacts_open(c, agency, role, user_id, at, &ci))
		    != TB_OK)
			return rc;
		for (size_t i = 0; i < ci.n; i++) {
			if ((rc = store_contact_end(c, ci.ids[i], at)) != TB_OK)
				return rc;
			json_array_append_new(ended,
			    json_integer(ci.ids[i]));
		}
	} while (ci.more);
	return TB_OK;
}

/* A rule the domain refused, as 422 rule_violation naming the point. */
static int
reply_rule(struct http_req *req, enum roster_rule r)
{
	const char	*zh = "", *en = "";

	switch (r) {
	case ROSTER_VENDOR_WINDOW:
		zh = "委外廠商人員不得擔任通報窗口 (P6)";
		en = "A vendor's employee cannot be the contact window (P6)";
		break;
	case ROSTER_VENDOR_DEPUTY:
		zh = "委外廠商人員不得擔任通報窗口代理人 (P6：代理人即代行"
		    "窗口職務)";
		en = "A vendor's employee cannot be a deputy either: a "
		    "deputy acts as the window (P6)";
		break;
	case ROSTER_WINDOW_NOT_DEDICATED:
		zh = "本機關設有資通安全專責人員，"
		    "通報窗口須由專責人員擔任 (P6)";
		en = "This agency has dedicated cybersecurity staff, so its "
		    "window must be one of them (P6)";
		break;
	case ROSTER_APPOINTED_BY_REQUIRED:
		zh = "資通安全專責人員從缺，須由機關首長或資通安全長指派並"
		    "填寫 appointed_by (P6)";
		en = "The dedicated staff post is vacant: the head or CISO "
		    "appoints the window, named in appointed_by (P6)";
		break;
	case ROSTER_DEPUTY_IS_WINDOW:
		zh = "代理人代行窗口職務，不可由窗口本人擔任 (P9)";
		en = "A deputy stands in for the window, so cannot be the "
		    "window (P9)";
		break;
	case ROSTER_OK:
		break;
	}
	return http_reply_error(req, "rule_violation", roster_rule_field(r),
	    org_msg(req, zh, en));
}

/* Reads the path's {code}; 404 for a code no agency can have. */
static int
path_code(struct http_req *req, char *code, size_t size)
{
	if (http_param(req, "code", code, size) != TB_OK ||
	    !roster_code_valid(code)) {
		http_reply_error(req, "not_found", NULL, NULL);
		return 1;
	}
	return 0;
}

/*
 * Reads agency code into a when the caller may act on (act) or read its
 * records; else replies 404 (existence does not leak) and returns
 * non-zero.
 */
static int
agency_in_scope(struct http_req *req, struct store_conn *c, const char *code,
    int act, struct store_agency_rec *a)
{
	int	 ok = 0, rc;

	rc = act ? auth_agency_actable(req, c, code, &ok) :
	    org_agency_readable(req, c, code, &ok);
	if (rc == TB_OK && ok)
		rc = store_agency_get(c, code, a);
	else if (rc == TB_OK)
		rc = TB_ENOTFOUND;
	if (rc == TB_OK)
		return 0;
	http_reply_tb_err(req, rc, NULL);
	return 1;
}

/* A time field of body, or dflt when absent. */
static int64_t
body_time(json_t *body, const char *name, int64_t dflt)
{
	const char	*s = json_string_value(json_object_get(body, name));
	int64_t		 t;

	if (s == NULL || tbtime_parse(s, &t) != TB_OK)
		return dflt;
	return t;
}

/* The gathered facts and the request of one appointment. */
struct appoint {
	struct store_agency_rec	 agency;
	struct store_user_rec	 person;
	struct store_contact	 k;
	enum roster_role	 role;
	const char		*appointed_by;
};

/*
 * Looks up the person and the appointer of an appointment.  Replies 422
 * naming the field and returns non-zero when the person is not an active
 * member of the agency, or the appointer not an active member of it or of
 * an agency above it (P6: its head or CISO).
 */
static int
appoint_people(struct http_req *req, struct store_conn *c,
    const char *username, struct appoint *ap)
{
	struct store_user_rec	 by;
	int			 rc, within = 0;

	memset(&by, 0, sizeof(by));
	rc = store_user_get(c, username, &ap->person);
	if (rc == TB_OK && (!ap->person.active ||
	    strcmp(ap->person.agency, ap->agency.code) != 0))
		rc = TB_ENOTFOUND;
	if (rc == TB_ENOTFOUND) {
		http_reply_error(req, "invalid_field", "username",
		    org_msg(req, "本機關沒有這位在職人員",
		    "No active person of this agency has this user name"));
		return 1;
	}
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return 1;
	}
	if (ap->appointed_by == NULL)
		return 0;
	rc = store_user_get(c, ap->appointed_by, &by);
	if (rc == TB_OK && by.active)
		rc = store_agency_within(c, ap->agency.code, by.agency, 0,
		    &within);
	if (rc != TB_OK && rc != TB_ENOTFOUND) {
		http_reply_tb_err(req, rc, NULL);
		return 1;
	}
	if (rc == TB_ENOTFOUND || !by.active || !within) {
		http_reply_error(req, "invalid_field", "appointed_by",
		    org_msg(req, "指派人須為本機關或上級機關的在職人員",
		    "The appointer is an active person of this agency or "
		    "one above it"));
		return 1;
	}
	return 0;
}

/*
 * Judges and records the appointment ap inside the caller's transaction:
 * the rules (P6, P8, P9), the conflicts (the person already holds the
 * role), then the window before ends and the assignment is inserted.
 * Replies and returns non-zero on a refusal; on success the ids of the
 * assignments it ended are appended to ended.
 */
static int
appoint_record(struct http_req *req, struct store_conn *c,
    struct appoint *ap, json_t *ended)
{
	struct roster_appointment ra;
	struct roster_decision	 d;
	struct contact_ids	 win, mine;
	int64_t			 windows;
	int			 rc;

	memset(&ra, 0, sizeof(ra));
	/* The open window: the newest assignment not yet ended. */
	if ((rc = contacts_open(c, ap->agency.code, "window", 0, INT64_MAX,
	    &win)) != TB_OK ||
	    (rc = contacts_open(c, ap->agency.code, roster_role_name(ap->role),
	    ap->person.id, ap->k.created_at, &mine)) != TB_OK ||
	    (rc = store_contact_count(c, ap->agency.code, "window", &windows))
	    != TB_OK ||
	    (rc = store_agency_dedicated_count(c, ap->agency.code,
	    &ra.dedicated_count)) != TB_OK)
		goto fail;
	if (ap->role == ROSTER_WINDOW ? win.found &&
	    win.last.user_id == ap->person.id : mine.found) {
		http_reply_error(req, "conflict", "username", org_msg(req,
		    "此人已擔任這項職務", "This person already holds this "
		    "assignment"));
		return 1;
	}
	ra.role = ap->role;
	ra.vendor = strcmp(ap->person.employment, "vendor") == 0;
	ra.dedicated_staff = ap->person.dedicated_staff != 0;
	ra.is_window = win.found && win.last.user_id == ap->person.id;
	ra.level = ap->agency.responsibility_level;
	ra.appointed_by = ap->appointed_by != NULL;
	ra.had_window = windows > 0;
	ra.effective_from = ap->k.effective_from;
	ra.notified_at = ap->k.notified_at;
	roster_decide(&ra, &d);
	if (d.rule != ROSTER_OK) {
		reply_rule(req, d.rule);
		return 1;
	}
	ap->k.late = d.late;
	ap->k.dedicated_vacant = d.dedicated_vacant;
	/* The window before, and the person's own deputy assignment (a
	 * deputy promoted to window), end when the new window begins. */
	if (ap->role == ROSTER_WINDOW &&
	    ((rc = contacts_end_after(c, ap->agency.code, "window", 0,
	    ap->k.effective_from, ended)) != TB_OK ||
	    (rc = contacts_end_after(c, ap->agency.code, "deputy",
	    ap->person.id, ap->k.effective_from, ended)) != TB_OK))
		goto fail;
	if ((rc = store_contact_insert(c, &ap->k)) != TB_OK)
		goto fail;
	return 0;
fail:
	http_reply_tb_err(req, rc, NULL);
	return 1;
}

int
api_contacts_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "username", JF_STRING, 1, 1, ROSTER_USERNAME_MAX },
		{ "role", JF_STRING, 1, 1, 16 },
		{ "effective_from", JF_TIME, 1, 0, 0 },
		{ "access_ready_at", JF_TIME, 0, 0, 0 },
		{ "notified_at", JF_TIME, 0, 0, 0 },
		{ "appointed_by", JF_STRING, 0, 1, ROSTER_USERNAME_MAX },
	};
	struct appoint		 ap;
	struct store_contact_rec rec;
	struct store_conn	*c = NULL;
	json_t			*body, *after = NULL, *ended = NULL;
	const char		*username;
	char			 code[STORE_KEY_SIZE], loc[128], idstr[24];
	int64_t			 now = tb_now_us();
	int			 rc;

	if (path_code(req, code, sizeof(code)))
		return 0;
	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	memset(&ap, 0, sizeof(ap));
	username = json_string_value(json_object_get(body, "username"));
	ap.appointed_by = json_string_value(json_object_get(body,
	    "appointed_by"));
	if (roster_role_from_name(json_string_value(json_object_get(body,
	    "role")), &ap.role) != TB_OK) {
		http_reply_error(req, "invalid_field", "role", org_msg(req,
		    "職務須為 window（通報窗口）或 deputy（代理人）",
		    "The role is window or deputy"));
		goto out;
	}
	/*
	 * P8 judges lateness by when DoIT was notified: filing here is that
	 * notice, so only DoIT may record an earlier one it received
	 * otherwise (and nobody a later one).
	 */
	if (json_object_get(body, "notified_at") != NULL &&
	    !auth_has_role(req, ROLE_DOIT_ADMIN)) {
		http_reply_error(req, "invalid_field", "notified_at",
		    org_msg(req, "僅資訊局可登錄其他通知時間",
		    "Only DoIT records a notification time other than "
		    "now"));
		goto out;
	}
	ap.k.notified_at = body_time(body, "notified_at", now);
	if (ap.k.notified_at > now + ROSTER_SKEW_US) {
		http_reply_error(req, "invalid_field", "notified_at",
		    org_msg(req, "通知時間不可在未來",
		    "The notification cannot be in the future"));
		goto out;
	}
	ap.k.id = store_new_id();
	ap.k.agency = code;
	ap.k.role = roster_role_name(ap.role);
	ap.k.effective_from = body_time(body, "effective_from", now);
	ap.k.access_ready_at = body_time(body, "access_ready_at",
	    STORE_TIME_NONE);
	ap.k.appointed_by = ap.appointed_by;
	ap.k.created_at = now;
	ap.k.created_by = req->who->user_id;

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (agency_in_scope(req, c, code, 1, &ap.agency))
		goto out;
	if (!ap.agency.active) {
		http_reply_error(req, "conflict", NULL, org_msg(req,
		    "此機關已停用", "This agency is deactivated"));
		goto out;
	}
	if (appoint_people(req, c, username, &ap))
		goto out;
	ap.k.user_id = ap.person.id;
	ended = json_array();
	if (appoint_record(req, c, &ap, ended))
		goto out;
	if ((rc = store_contact_get(c, ap.k.id, &rec)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	after = contact_json(&rec, now);
	json_object_set(after, "superseded", ended);
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)rec.id);
	if ((rc = auth_audit(req, c, "contact.create", "contact",
	    idstr, code, NULL, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	http_reply_json(req, 201, json_incref(after));
	if (tb_snprintf(loc, sizeof(loc), "/api/v1/agencies/%s/contacts/%lld",
	    code, (long long)rec.id) == TB_OK)
		http_reply_header(req, "Location", loc);
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(ended);
	json_decref(after);
	json_decref(body);
	return 0;
}

/* Reads the path's {id} of an assignment of agency code through c, or
 * replies 404 and returns non-zero. */
static int
path_contact(struct http_req *req, struct store_conn *c, const char *code,
    struct store_contact_rec *k)
{
	char	 idstr[24];
	int64_t	 id;
	int	 rc;

	if (http_param(req, "id", idstr, sizeof(idstr)) != TB_OK ||
	    parse_i64(idstr, 1, INT64_MAX, &id) != TB_OK)
		rc = TB_ENOTFOUND;
	else
		rc = store_contact_get(c, id, k);
	/* Another agency's assignment, reached through this agency's path:
	 * as if there were none. */
	if (rc == TB_OK && strcmp(k->agency, code) != 0)
		rc = TB_ENOTFOUND;
	if (rc == TB_OK)
		return 0;
	http_reply_tb_err(req, rc, NULL);
	return 1;
}

int
api_contacts_get(struct http_req *req)
{
	struct store_agency_rec	 a;
	struct store_contact_rec k;
	struct store_conn	*c;
	char			 code[STORE_KEY_SIZE];
	int			 rc;

	if (path_code(req, code, sizeof(code)))
		return 0;
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (!agency_in_scope(req, c, code, 0, &a) &&
	    !path_contact(req, c, code, &k))
		http_reply_json(req, 200, contact_json(&k, tb_now_us()));
	store_release(c);
	return 0;
}

int
api_contacts_end(struct http_req *req)
{
	struct store_agency_rec	 a;
	struct store_contact_rec k, ended;
	struct store_conn	*c = NULL;
	json_t			*before = NULL, *after = NULL;
	char			 code[STORE_KEY_SIZE], idstr[24];
	int64_t			 now = tb_now_us();
	int			 rc;

	if (path_code(req, code, sizeof(code)))
		return 0;
	if ((rc = store_write(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if ((rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (agency_in_scope(req, c, code, 1, &a) ||
	    path_contact(req, c, code, &k))
		goto out;
	rc = store_contact_end(c, k.id, now);
	if (rc == TB_ENOTFOUND) {
		http_reply_error(req, "conflict", NULL, org_msg(req,
		    "這項指派已結束", "This assignment has ended already"));
		goto out;
	}
	before = contact_json(&k, now);
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)k.id);
	if (rc != TB_OK || (rc = store_contact_get(c, k.id, &ended)) != TB_OK)
		goto fail;
	after = contact_json(&ended, now);
	if ((rc = auth_audit(req, c, "contact.end", "contact", idstr, code,
	    before, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	http_reply_json(req, 200, json_incref(after));
	goto out;
fail:
	http_reply_tb_err(req, rc, NULL);
out:
	store_tx_rollback(c);
	store_release(c);
	json_decref(before);
	json_decref(after);
	return 0;
}

int
api_contacts_update(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "access_ready_at", JF_TIME, 1, 0, 0 },
	};
	struct store_agency_rec	 a;
	struct store_contact_rec k, neu;
	struct store_conn	*c = NULL;
	json_t			*body, *before = NULL, *after = NULL;
	char			 code[STORE_KEY_SIZE], idstr[24];
	int64_t			 now = tb_now_us();
	int			 rc;

	if (path_code(req, code, sizeof(code)))
		return 0;
	if (http_json_body(req, fields, sizeof(fields) / sizeof(fields[0]),
	    &body) != TB_OK)
		return 0;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	if (agency_in_scope(req, c, code, 1, &a) ||
	    path_contact(req, c, code, &k))
		goto out;
	if (k.ended_at != STORE_TIME_NONE && k.ended_at <= now) {
		http_reply_error(req, "conflict", NULL, org_msg(req,
		    "這項指派已結束", "This assignment has ended already"));
		goto out;
	}
	/* P9: the day the deputy's access and group memberships are in
	 * place, known only once it happens. */
	rc = store_contact_set_access_ready(c, k.id,
	    body_time(body, "access_ready_at", now));
	if (rc != TB_OK || (rc = store_contact_get(c, k.id, &neu)) != TB_OK)
		goto fail;
	before = contact_json(&k, now);
	after = contact_json(&neu, now);
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)k.id);
	if ((rc = auth_audit(req, c, "contact.update", "contact", idstr, code,
	    before, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	http_reply_json(req, 200, json_incref(after));
	goto out;
fail:
	http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(before);
	json_decref(after);
	json_decref(body);
	return 0;
}

/* A page of an agency's assignments. */
struct contact_page {
	json_t		*items;
	int64_t		 limit, now;
	int64_t		 last_created, last_id;
};

static int
contact_page_add(void *arg, const struct store_contact_rec *k)
{
	struct contact_page	*pg = arg;

	json_array_append_new(pg->items, contact_json(k, pg->now));
	pg->last_created = k->created_at;
	pg->last_id = k->id;
	return 0;
}

/* Parses a contacts cursor "created_at.id". */
static int
cursor_parse(const char *s, int64_t *created, int64_t *id)
{
	const char	*dot = strchr(s, '.');

	if (dot == NULL ||
	    parse_i64_n(s, (size_t)(dot - s), INT64_MIN + 1, INT64_MAX,
	    created) != TB_OK ||
	    parse_i64(dot + 1, 0, INT64_MAX, id) != TB_OK)
		return TB_EINVAL;
	return TB_OK;
}

int
api_contacts_list(struct http_req *req)
{
	struct store_contact_filter f;
	struct store_agency_rec	 a;
	struct org_roster_facts	 facts;
	struct contact_page	 pg;
	struct store_conn	*c;
	char			 code[STORE_KEY_SIZE];
	char			 cursor[ROSTER_CURSOR_SIZE];
	char			 next[ROSTER_CURSOR_SIZE];
	int			 rc;

	if (path_code(req, code, sizeof(code)))
		return 0;
	memset(&pg, 0, sizeof(pg));
	if (org_page_query(req, &pg.limit, cursor, sizeof(cursor)))
		return 0;
	store_contact_filter_init(&f);
	f.agency = code;
	if (cursor[0] != '\0' &&
	    cursor_parse(cursor, &f.after_created, &f.after_id) != TB_OK)
		return http_reply_error(req, "invalid_query", "cursor", NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (agency_in_scope(req, c, code, 0, &a)) {
		store_release(c);
		return 0;
	}
	pg.items = json_array();
	pg.now = tb_now_us();
	rc = store_contact_scan(c, &f, pg.limit, contact_page_add, &pg);
	if (rc == TB_OK)
		rc = org_roster_facts(c, &a, pg.now, &facts);
	store_release(c);
	if (rc != TB_OK) {
		json_decref(pg.items);
		return http_reply_tb_err(req, rc, NULL);
	}
	next[0] = '\0';
	if ((int64_t)json_array_size(pg.items) >= pg.limit)
		tb_snprintf(next, sizeof(next), "%lld.%lld",
		    (long long)pg.last_created, (long long)pg.last_id);
	return http_reply_json(req, 200, json_pack("{s:o, s:o, s:o}",
	    "items", pg.items,
	    "next_cursor", next[0] != '\0' ? json_string(next) : json_null(),
	    "flags", org_flags_json(facts.flags)));
}

/* --- the city-wide roster (P7, P8) ----------------------------------- */

/* A person on the roster: how to reach them at any hour (P7). */
static json_t *
roster_person_json(const struct store_contact_rec *k, int64_t now)
{
	json_t	*o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:b, s:o}",
	    "username", k->username, "name", k->name, "phone", nz(k->phone),
	    "email", nz(k->email), "taipeion_id", nz(k->taipeion_id),
	    "dedicated_staff", (int)k->dedicated_staff,
	    "effective_from", org_time_json(k->effective_from));

	if (strcmp(k->role, "window") == 0) {
		json_object_set_new(o, "notified_at",
		    org_time_json(k->notified_at));
		json_object_set_new(o, "late", json_boolean(k->late));
		json_object_set_new(o, "appointed_by",
		    nz(k->appointed_by) ? json_string(k->appointed_by) :
		    json_null());
	} else {
		json_object_set_new(o, "access_ready_at",
		    org_time_json(k->access_ready_at));
		json_object_set_new(o, "ready", json_boolean(
		    roster_deputy_ready(k->access_ready_at, now)));
	}
	return o;
}

/* Everything the roster needs, gathered before the agencies are walked:
 * who is in force at each agency, and its dedicated staff. */
struct roster_build {
	json_t		*people;	/* code -> {"window", "deputies",
					   "late", "dedicated", "ready"} */
	json_t		*dedicated;	/* code -> count */
	int64_t		 now;
	unsigned	 want;		/* flags asked for; 0: every agency */
	json_t		*items;
	int64_t		 limit, seen;	/* limit 0: no limit */
	char		 last[STORE_KEY_SIZE];
};

static int
roster_people_add(void *arg, const struct store_contact_rec *k)
{
	struct roster_build	*rb = arg;
	json_t			*e = json_object_get(rb->people, k->agency);

	if (e == NULL) {
		e = json_pack("{s:n, s:[], s:b, s:b, s:I}", "window",
		    "deputies", "late", 0, "dedicated", 0, "ready",
		    (json_int_t)0);
		json_object_set_new(rb->people, k->agency, e);
	}
	if (strcmp(k->role, "window") == 0) {
		json_object_set_new(e, "window", roster_person_json(k,
		    rb->now));
		json_object_set_new(e, "late", json_boolean(k->late));
		json_object_set_new(e, "dedicated",
		    json_boolean(k->dedicated_staff));
	} else {
		json_array_append_new(json_object_get(e, "deputies"),
		    roster_person_json(k, rb->now));
		if (roster_deputy_ready(k->access_ready_at, rb->now))
			json_object_set_new(e, "ready", json_integer(
			    json_integer_value(json_object_get(e, "ready")) +
			    1));
	}
	return 0;
}

static int
roster_dedicated_add(void *arg, const char *agency, int64_t n)
{
	struct roster_build	*rb = arg;

	json_object_set_new(rb->dedicated, agency, json_integer(n));
	return 0;
}

/* Adds agency a's roster entry to the items when its flags are wanted. */
static int
roster_agency_add(void *arg, const struct store_agency_rec *a)
{
	struct roster_build	*rb = arg;
	struct roster_state	 st;
	json_t			*e, *w, *deps, *item;
	unsigned		 flags;
	int			 required;

	rb->seen++;
	tb_strlcpy(rb->last, a->code, sizeof(rb->last));
	e = json_object_get(rb->people, a->code);
	w = e != NULL ? json_object_get(e, "window") : NULL;
	deps = e != NULL ? json_object_get(e, "deputies") : NULL;
	memset(&st, 0, sizeof(st));
	st.level = a->responsibility_level;
	st.dedicated_count = json_integer_value(json_object_get(rb->dedicated,
	    a->code));
	st.has_window = json_is_object(w);
	st.window_dedicated = e != NULL &&
	    json_is_true(json_object_get(e, "dedicated"));
	st.window_late = e != NULL && json_is_true(json_object_get(e, "late"));
	st.deputies = (int64_t)json_array_size(deps);
	st.deputies_ready = e != NULL ?
	    json_integer_value(json_object_get(e, "ready")) : 0;
	flags = roster_flags(&st);
	if (rb->want != 0 && (flags & rb->want) == 0)
		return 0;
	required = roster_dedicated_required(a->responsibility_level);
	item = json_pack("{s:{s:s, s:s, s:s?, s:s, s:s, s:s?}, s:o, s:o, "
	    "s:I, s:I, s:o}",
	    "agency", "code", a->code, "name", a->name,
	    "name_en", nz(a->name_en), "type", a->type,
	    "responsibility_level", a->responsibility_level,
	    "superior", nz(a->superior),
	    "window", st.has_window ? json_incref(w) : json_null(),
	    "deputies", deps != NULL ? json_incref(deps) : json_array(),
	    "dedicated_staff_count", (json_int_t)st.dedicated_count,
	    "dedicated_staff_required", (json_int_t)(required > 0 ?
	    required : 0),
	    "flags", org_flags_json(flags));
	json_array_append_new(rb->items, item);
	return rb->limit > 0 && (int64_t)json_array_size(rb->items) >=
	    rb->limit;
}

/*
 * Fills rb->items with the roster of the active agencies after cursor,
 * at most rb->limit of them (0: all) and only those with a flag of
 * rb->want (0: all).  rb->now, want and limit are the caller's.
 */
static int
roster_build(struct store_conn *c, const char *cursor,
    struct roster_build *rb)
{
	struct store_contact_filter cf;
	struct store_agency_filter af;
	char			 after[STORE_KEY_SIZE];
	int			 rc;

	rb->people = json_object();
	rb->dedicated = json_object();
	rb->items = json_array();
	store_contact_filter_init(&cf);
	cf.in_force_at = rb->now;
	if ((rc = store_contact_scan(c, &cf, 0, roster_people_add, rb))
	    != TB_OK ||
	    (rc = store_dedicated_counts(c, roster_dedicated_add, rb))
	    != TB_OK)
		return rc;
	memset(&af, 0, sizeof(af));
	af.active_only = 1;
	if (tb_strlcpy(after, cursor, sizeof(after)) != TB_OK)
		return TB_EINVAL;
	/* Agencies without a wanted flag are skipped: scan in batches. */
	for (;;) {
		af.after = after;
		rb->seen = 0;
		if ((rc = store_agency_scan(c, &af, ORG_LIMIT_MAX,
		    roster_agency_add, rb)) != TB_OK)
			return rc;
		if ((rb->limit > 0 && (int64_t)json_array_size(rb->items) >=
		    rb->limit) || rb->seen < ORG_LIMIT_MAX)
			return TB_OK;
		tb_strlcpy(after, rb->last, sizeof(after));
	}
}

static void
roster_build_free(struct roster_build *rb)
{
	json_decref(rb->people);
	json_decref(rb->dedicated);
	json_decref(rb->items);
}

/* Reads ?flag=NAME into a flag bit (0 when absent).  Replies 400 and
 * returns non-zero for an unknown name. */
static int
roster_flag_query(struct http_req *req, unsigned *want)
{
	char	 q[32];
	int	 rc;

	*want = 0;
	if ((rc = http_query(req, "flag", q, sizeof(q))) == TB_ENOTFOUND)
		return 0;
	for (unsigned i = 0; rc == TB_OK && i < ROSTER_FLAG__COUNT; i++)
		if (strcmp(q, roster_flag_name(i)) == 0) {
			*want = 1u << i;
			return 0;
		}
	http_reply_error(req, "invalid_query", "flag", NULL);
	return 1;
}

int
api_roster(struct http_req *req)
{
	struct roster_build	 rb;
	struct store_conn	*c;
	char			 cursor[STORE_KEY_SIZE];
	json_t			*next;
	int			 rc;

	memset(&rb, 0, sizeof(rb));
	if (roster_flag_query(req, &rb.want) ||
	    org_page_query(req, &rb.limit, cursor, sizeof(cursor)))
		return 0;
	rb.now = tb_now_us();
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = roster_build(c, cursor, &rb);
	store_release(c);
	if (rc != TB_OK) {
		roster_build_free(&rb);
		return http_reply_tb_err(req, rc, NULL);
	}
	next = (int64_t)json_array_size(rb.items) >= rb.limit ?
	    json_string(rb.last) : json_null();
	http_reply_json(req, 200, json_pack("{s:O, s:o}", "items", rb.items,
	    "next_cursor", next));
	roster_build_free(&rb);
	return 0;
}

/* The values of field of every person in deps, joined with "; " into
 * cell (emptied first). */
static int
csv_join(struct buf *cell, json_t *deps, const char *field)
{
	json_t		*d;
	size_t		 i;
	const char	*v;
	int		 rc = TB_OK;

	buf_reset(cell);
	json_array_foreach(deps, i, d) {
		v = json_string_value(json_object_get(d, field));
		if (i > 0)
			rc = buf_adds(cell, "; ");
		if (rc == TB_OK)
			rc = buf_adds(cell, v != NULL ? v : "");
		if (rc != TB_OK)
			break;
	}
	return rc;
}

/* The CSV columns: the header in each language, and where the value
 * comes from (an agency field, a window field, the deputies', a flag). */
static const struct {
	const char	*zh, *en;
	char		 from;		/* 'a' agency, 'w' window, 'd' deputies,
					   'f' flag */
	const char	*field;
} csv_columns[] = {
	{ "機關代碼", "agency_code", 'a', "code" },
	{ "機關名稱", "agency_name", 'a', "name" },
	{ "資通安全責任等級", "responsibility_level", 'a',
	    "responsibility_level" },
	{ "通報窗口", "window_name", 'w', "name" },
	{ "窗口帳號", "window_username", 'w', "username" },
	{ "窗口電話", "window_phone", 'w', "phone" },
	{ "窗口電子郵件", "window_email", 'w', "email" },
	{ "窗口公務雲帳號", "window_taipeion_id", 'w', "taipeion_id" },
	{ "窗口生效時間", "window_effective_from", 'w', "effective_from" },
	{ "代理人", "deputy_names", 'd', "name" },
	{ "代理人電話", "deputy_phones", 'd', "phone" },
	{ "代理人電子郵件", "deputy_emails", 'd', "email" },
	{ "代理人公務雲帳號", "deputy_taipeion_ids", 'd', "taipeion_id" },
	{ "無通報窗口", "no_window", 'f', "no_window" },
	{ "無代理人", "no_deputy", 'f', "no_deputy" },
	{ "代理人未就緒", "deputy_not_ready", 'f', "deputy_not_ready" },
	{ "專責人員從缺", "dedicated_vacant", 'f', "dedicated_vacant" },
	{ "窗口異動逾時", "window_change_late", 'f', "window_change_late" },
};

#define CSV_NCOL	(sizeof(csv_columns) / sizeof(csv_columns[0]))

/* Writes the roster items as CSV rows after a header row. */
static int
csv_render(struct http_req *req, json_t *items, struct buf *b)
{
	const char	*cell[CSV_NCOL];
	struct buf	 join[CSV_NCOL];
	json_t		*item, *src;
	size_t		 i, col;
	int		 rc;

	for (col = 0; col < CSV_NCOL; col++) {
		buf_init(&join[col], ROSTER_CSV_MAX);
		cell[col] = org_msg(req, csv_columns[col].zh,
		    csv_columns[col].en);
	}
	if ((rc = buf_adds(b, CSV_BOM)) == TB_OK)
		rc = csv_write_row(b, cell, CSV_NCOL);
	json_array_foreach(items, i, item) {
		for (col = 0; rc == TB_OK && col < CSV_NCOL; col++) {
			const char *field = csv_columns[col].field;

			switch (csv_columns[col].from) {
			case 'd':
				rc = csv_join(&join[col], json_object_get(item,
				    "deputies"), field);
				cell[col] = buf_str(&join[col]);
				break;
			case 'f':
				src = json_object_get(item, "flags");
				cell[col] = json_is_true(json_object_get(src,
				    field)) ? "1" : "0";
				break;
			default:
				src = json_object_get(item,
				    csv_columns[col].from == 'w' ? "window" :
				    "agency");
				cell[col] = json_string_value(
				    json_object_get(src, field));
			}
		}
		if (rc == TB_OK)
			rc = csv_write_row(b, cell, CSV_NCOL);
		if (rc != TB_OK)
			break;
	}
	for (col = 0; col < CSV_NCOL; col++)
		buf_free(&join[col]);
	return rc;
}

int
api_roster_csv(struct http_req *req)
{
	struct roster_build	 rb;
	struct store_conn	*c;
	struct tbtime_date	 today;
	struct buf		 b;
	char			 date[TBTIME_DATE_SIZE], disp[96];
	int			 rc;

	memset(&rb, 0, sizeof(rb));
	if (roster_flag_query(req, &rb.want))
		return 0;
	rb.now = tb_now_us();
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = roster_build(c, "", &rb);
	store_release(c);
	buf_init(&b, ROSTER_CSV_MAX);
	if (rc == TB_OK)
		rc = csv_render(req, rb.items, &b);
	roster_build_free(&rb);
	if (rc != TB_OK) {
		buf_free(&b);
		return http_reply_tb_err(req, rc == TB_ETOOBIG ? TB_ESTORE :
		    rc, NULL);
	}
	http_reply_copy(req, 200, "text/csv; charset=utf-8", buf_str(&b),
	    b.len);
	buf_free(&b);
	today = tbtime_taipei_date(rb.now);
	if (tbtime_format_date(&today, date, sizeof(date)) == TB_OK &&
	    tb_snprintf(disp, sizeof(disp), "attachment; "
	    "filename=\"tongbao-roster-%s.csv\"", date) == TB_OK)
		http_reply_header(req, "Content-Disposition", disp);
	http_reply_header(req, "Cache-Control", "no-store");
	return 0;
}
