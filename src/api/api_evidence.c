/*
 * api_evidence.c: evidence of an incident (P25-P27).
 *
 * - Preservation: per affected system, the P25 path that fits and each of
 *   its steps as done, time-stamped; steps out of the path's order are
 *   recorded but marked (domain/evidence.c decides).
 * - Evidence items: files uploaded here, streamed to disk and hashed on
 *   the way (http/upload.c), stored once by their SHA-256 under
 *   evidence_dir/objects/ab/abcdef..., the name only in the database; or
 *   items held elsewhere, with their hash.  Each has a chain of custody
 *   that is only ever appended to.
 * - Downloads: only as attachments, always application/octet-stream, and
 *   only after the stored file was hashed again and still matches; a
 *   file that does not is reported (409 evidence_corrupt) and recorded,
 *   never served as good.  Every download is audited and enters the chain
 *   of custody: who took a copy, and when.
 * - Suspected malware is marked and its VirusCheck submission recorded;
 *   every answer about it carries the P27 warning.
 *
 * Scope is the incident's agency: read with auth_agency_visible, changed
 * with auth_agency_actable, never by a vendor alone (evidence.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/evidence.h"
#include "api/idempotency.h"
#include "config.h"
#include "domain/domain.h"
#include "domain/evidence.h"
#include "store/store.h"

/* The holder named in the chain of custody for a file stored here: this
 * system stands for the city's forensic evidence exchange area (P27). */
#define EVID_HOLDER		"tongbao"
/* Longest agency code kept. */
#define EVID_CODE_SIZE		64
/* Bytes read at a time when hashing a stored file again. */
#define EVID_HASH_CHUNK		(256 * 1024)
/* Path of a stored object: evidence_dir, "/objects/ab/", 64 digits. */
#define EVID_PATH_SIZE		1024
/* Entries of one chain of custody the API reads back: every download is
 * one, so a busy item may have many; past this the item is not answered
 * (500, logged) rather than shown with a chain cut short. */
#define EVID_CUSTODY_MAX	10000

/* --- the incident ------------------------------------------------------- */

/*
 * Reads the route's {id} as an incident the caller may read (write 0) or
 * change (write 1), its agency into agency.  Replies 404 (or the store
 * error) and returns non-zero when it is not there for the caller.
 */
static int
incident_scope(struct http_req *req, struct store_conn *c, int write,
    int64_t *id, char agency[EVID_CODE_SIZE])
{
	int	 rc, ok = 0;

	if ((*id = evid_param_id(req, "id")) < 0 ||
	    (rc = store_evidence_incident(c, *id, agency, EVID_CODE_SIZE)) ==
	    TB_ENOTFOUND) {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	if (rc != TB_OK ||
	    (rc = evid_agency_scope(req, c, agency, write, &ok)) != TB_OK) {
		/* A code too long to hold is the store's fault, not a 413. */
		http_reply_tb_err(req, rc == TB_ETOOBIG ? TB_ESTORE : rc, NULL);
		return -1;
	}
	if (!ok) {
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	return 0;
}

/* Refuses a time later than now (with the allowed skew): 422 naming
 * field.  Returns non-zero when refused. */
static int
not_future(struct http_req *req, int64_t t, int64_t now, const char *field)
{
	if (t <= now + EVIDENCE_CLOCK_SKEW_US)
		return 0;
	http_reply_error(req, "invalid_field", field, http_msg(req,
	    "時間不可晚於現在", "The time cannot be in the future"));
	return -1;
}

/* A time member of a checked body, or dflt when absent. */
static int64_t
body_time(json_t *body, const char *name, int64_t dflt)
{
	json_t	*v = evid_member(body, name);
	int64_t	 t;

	if (v == NULL || tbtime_parse(json_string_value(v), &t) != TB_OK)
		return dflt;
	return t;
}

/* --- preservation (P25) ------------------------------------------------- */

/* A preservation as read, and its steps as they come. */
struct pres_load {
	json_t			*base;		/* the row's own fields */
	char			 path[32];
	int64_t			 incident;
	json_t			*detail;	/* step name -> what was kept */
	struct evstep_done	 done[EVPATH_STEPS_MAX];
	size_t			 ndone;
	int			 err;
};

static int
pres_cb(void *arg, const struct store_preservation *p)
{
	struct pres_load	*pl = arg;

	pl->incident = p->incident;
	if (tb_strlcpy(pl->path, p->path, sizeof(pl->path)) != TB_OK)
		pl->err = TB_ESTORE;
	pl->base = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:o}",
	    "id", (json_int_t)p->id,
	    "incident", (json_int_t)p->incident,
	    "system", p->system_name,
	    "system_id", p->system_id > 0 ? json_integer(
	    (json_int_t)p->system_id) : json_null(),
	    "path", p->path,
	    "created_by", p->created_by_name,
	    "created_at", evid_time_json(p->created_at));
	return 0;
}

static int
pres_step_cb(void *arg, const struct store_preservation_step *st)
{
	struct pres_load	*pl = arg;
	enum evstep		 s;

	if (evstep_from_name(st->step, &s) != TB_OK ||
	    pl->ndone >= EVPATH_STEPS_MAX) {
		pl->err = TB_ESTORE;
		return 1;
	}
	pl->done[pl->ndone].step = s;
	pl->done[pl->ndone].at = st->at;
	pl->ndone++;
	json_object_set_new(pl->detail, st->step, json_pack(
	    "{s:o, s:s, s:o}", "note", evid_str_json(st->note),
	    "recorded_by", st->recorded_by_name,
	    "recorded_at", evid_time_json(st->recorded_at)));
	return 0;
}

/*
 * Loads preservation pid with its steps laid over its path into *out (a
 * new reference) and its incident into *incident.  TB_ENOTFOUND, or a
 * store error (TB_ESTORE when the rows do not fit the path).
 */
static int
pres_load(struct http_req *req, struct store_conn *c, int64_t pid,
    json_t **out, int64_t *incident)
{
	struct pres_load	 pl;
	struct evpath_review	 r;
	enum evpath		 p;
	json_t			*steps;
	int			 rc, en = evid_en(req);

	*out = NULL;
	memset(&pl, 0, sizeof(pl));
	pl.detail = json_object();
	if ((rc = store_preservation_get(c, pid, pres_cb, &pl)) != TB_OK)
		goto out;
	if (pl.base == NULL && pl.err == TB_OK)
		pl.err = TB_ENOMEM;
	if ((rc = pl.err) != TB_OK ||
	    (rc = store_preservation_step_scan(c, pid, pres_step_cb, &pl))
	    != TB_OK || (rc = pl.err) != TB_OK)
		goto out;
	if (evpath_from_name(pl.path, &p) != TB_OK ||
	    evpath_review(p, pl.done, pl.ndone, &r) != TB_OK) {
		rc = TB_ESTORE;
		goto out;
	}
	steps = json_array();
	for (size_t i = 0; i < r.nsteps; i++) {
		const struct evstep_view *v = &r.steps[i];
		json_t	*d = json_object_get(pl.detail, evstep_name(v->step));
		json_t	*row;

		row = json_pack("{s:s, s:s, s:i, s:b, s:b, s:o, s:b}",
		    "step", evstep_name(v->step),
		    "label", evstep_label(v->step, en),
		    "stage", v->stage,
		    "any_of_stage", v->any,
		    "done", v->at != TBTIME_NONE,
		    "at", v->at != TBTIME_NONE ? evid_time_json(v->at) :
		    json_null(),
		    "out_of_order", v->out_of_order);
		if (d != NULL)
			json_object_update(row, d);
		json_array_append_new(steps, row);
	}
	json_object_set_new(pl.base, "path_label", json_string(
	    evpath_label(p, en)));
	json_object_set_new(pl.base, "steps", steps);
	json_object_set_new(pl.base, "next", r.next >= 0 ? json_string(
	    evstep_name(r.steps[r.next].step)) : json_null());
	json_object_set_new(pl.base, "complete", json_boolean(r.complete));
	json_object_set_new(pl.base, "out_of_order",
	    json_integer((json_int_t)r.nout_of_order));
	*out = pl.base;
	*incident = pl.incident;
	pl.base = NULL;
out:
	json_decref(pl.base);
	json_decref(pl.detail);
	return rc;
}

/* What a registered system tells a preservation. */
struct pres_sys {
	char	 agency[EVID_CODE_SIZE];
	char	 name[4 * EVID_NAME_MAX + 1];
	char	 standby[16];
	int	 found;
};

static int
pres_sys_cb(void *arg, const struct store_system *sy)
{
	struct pres_sys	*ps = arg;

	ps->found = tb_strlcpy(ps->agency, sy->agency, sizeof(ps->agency))
	    == TB_OK && tb_strlcpy(ps->name, sy->name, sizeof(ps->name)) ==
	    TB_OK && tb_strlcpy(ps->standby, sy->standby,
	    sizeof(ps->standby)) == TB_OK;
	return 0;
}

int
api_preservation_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "system", JF_STRING, 0, 1, EVID_NAME_MAX },
		{ "system_id", JF_INT, 0, 1, INT64_C(9007199254740991) },
		{ "path", JF_STRING, 0, 1, 32 },
		{ "standby_hit", JF_BOOL, 0, 0, 0 },
	};
	struct store_conn		*c = NULL;
	struct store_preservation	 p;
	struct pres_sys			 ps;
	struct idem			 k;
	json_t				*body, *v, *after = NULL;
	char				 agency[EVID_CODE_SIZE], loc[128];
	char				 idstr[24];
	enum evpath			 path = EVPATH_NO_STANDBY;
	enum evsys_standby		 sb = EVSYS_STANDBY_NONE;
	int64_t				 incident, now = tb_now_us();
	int				 rc;

	memset(&ps, 0, sizeof(ps));
	memset(&p, 0, sizeof(p));
	if (http_json_body(req, fields, 4, &body) != TB_OK)
		return 0;
	if (idem_begin(req, NULL, &k) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/* Scope before content: 404 to whoever may not act here. */
	if (incident_scope(req, c, 1, &incident, agency) != 0 ||
	    idem_replay(req, c, &k) != 0)
		goto out;
	if ((v = evid_member(body, "path")) != NULL &&
	    evpath_from_name(json_string_value(v), &path) != TB_OK) {
		http_reply_error(req, "invalid_field", "path", NULL);
		goto out;
	}
	if (evid_member(body, "system") == NULL &&
	    evid_member(body, "system_id") == NULL) {
		http_reply_error(req, "missing_field", "system", NULL);
		goto out;
	}
	if ((v = evid_member(body, "system_id")) != NULL) {
		/* A registered system must be one of the incident's agency. */
		p.system_id = json_integer_value(v);
		rc = store_system_get(c, p.system_id, pres_sys_cb, &ps);
		if (rc != TB_OK && rc != TB_ENOTFOUND) {
			http_reply_tb_err(req, rc, NULL);
			goto out;
		}
		if (!ps.found || strcmp(ps.agency, agency) != 0) {
			http_reply_error(req, "invalid_field", "system_id",
			    http_msg(req, "不是此事件機關登錄的核心系統",
			    "Not a core system registered by the incident's "
			    "agency"));
			goto out;
		}
		evsys_standby_from_name(ps.standby, &sb);
	}
	if (evid_member(body, "path") == NULL) {
		if (!ps.found) {
			http_reply_error(req, "missing_field", "path", NULL);
			goto out;
		}
		/* P25: the path that fits the registered system. */
		path = evpath_suggest(sb, json_is_true(evid_member(body,
		    "standby_hit")));
	} else if (ps.found && !evpath_fits(path, sb)) {
		http_reply_error(req, "rule_violation", "path", http_msg(req,
		    "此系統登錄為無備援系統，不能採用備援系統的保存程序（P25）",
		    "The system is registered without a standby; a standby "
		    "path does not fit it (P25)"));
		goto out;
	}
	p.id = store_new_id();
	p.incident = incident;
	p.system_name = (v = evid_member(body, "system")) != NULL ?
	    json_string_value(v) : ps.name;
	p.path = evpath_name(path);
	p.created_by = req->who->user_id;
	p.created_at = now;
	if ((rc = store_preservation_insert(c, &p)) != TB_OK) {
		if (rc == TB_ECONFLICT)
			http_reply_error(req, "conflict", "system",
			    http_msg(req, "此系統已採用這個保存程序",
			    "This system already follows this path"));
		else
			http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if ((rc = pres_load(req, c, p.id, &after, &incident)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(p.id, idstr, sizeof(idstr));
	tb_snprintf(loc, sizeof(loc), "/api/v1/incidents/%lld/preservation/%s",
	    (long long)incident, idstr);
	if ((rc = idem_audit_commit(req, c, &k, 201, loc,
	    "preservation.create", "preservation", idstr, agency,
	    NULL, after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 0, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(body);
	return 0;
}

struct pres_list {
	struct http_req		*req;
	struct store_conn	*c;
	int64_t			 ids[EVID_LIMIT_MAX];
	size_t			 n;
};

static int
pres_list_cb(void *arg, const struct store_preservation *p)
{
	struct pres_list	*pl = arg;

	if (pl->n >= EVID_LIMIT_MAX)
		return 1;
	pl->ids[pl->n++] = p->id;
	return 0;
}

int
api_preservation_list(struct http_req *req)
{
	struct store_conn	*c;
	struct pres_list	*pl;
	json_t			*items, *one;
	char			 agency[EVID_CODE_SIZE];
	int64_t			 incident, inc;
	int			 rc;

	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return http_reply_tb_err(req, TB_ENOMEM, NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK) {
		free(pl);
		return http_reply_tb_err(req, rc, NULL);
	}
	items = json_array();
	if (incident_scope(req, c, 0, &incident, agency) != 0)
		goto out;
	/* An incident has a handful of affected systems; the ids are read
	 * first so that each path's steps can be read in turn. */
	if ((rc = store_preservation_scan(c, incident, pres_list_cb, pl)) !=
	    TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	for (size_t i = 0; i < pl->n; i++) {
		if ((rc = pres_load(req, c, pl->ids[i], &one, &inc)) !=
		    TB_OK) {
			http_reply_tb_err(req, rc, NULL);
			goto out;
		}
		json_array_append_new(items, one);
	}
	http_reply_json(req, 200, json_pack("{s:O, s:n}", "items", items,
	    "next_cursor"));
out:
	json_decref(items);
	store_release(c);
	free(pl);
	return 0;
}

/*
 * Loads preservation {pid} of incident {id} for the caller into *out.
 * Replies 404 (or the store error) and returns non-zero when it is not
 * there for them.
 */
static int
pres_find(struct http_req *req, struct store_conn *c, int write,
    json_t **out, char agency[EVID_CODE_SIZE])
{
	int64_t	 incident, pid, inc = 0;
	int	 rc;

	*out = NULL;
	if (incident_scope(req, c, write, &incident, agency) != 0)
		return -1;
	if ((pid = evid_param_id(req, "pid")) < 0 ||
	    (rc = pres_load(req, c, pid, out, &inc)) == TB_ENOTFOUND ||
	    (rc == TB_OK && inc != incident)) {
		json_decref(*out);
		*out = NULL;
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		return -1;
	}
	return 0;
}

int
api_preservation_get(struct http_req *req)
{
	struct store_conn	*c;
	json_t			*p;
	char			 agency[EVID_CODE_SIZE];
	int			 rc;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (pres_find(req, c, 0, &p, agency) == 0)
		http_reply_json(req, 200, p);
	store_release(c);
	return 0;
}

int
api_preservation_step(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "step", JF_STRING, 1, 1, 32 },
		{ "at", JF_TIME, 0, 0, 0 },
		{ "note", JF_TEXT, 0, 0, EVID_TEXT_MAX },
	};
	struct store_conn		*c = NULL;
	struct store_preservation_step	 st;
	struct idem			 k;
	json_t				*body, *before = NULL, *after = NULL;
	const char			*name;
	char				 agency[EVID_CODE_SIZE], loc[128];
	char				 idstr[24];
	enum evstep			 step;
	enum evpath			 path;
	int64_t				 now = tb_now_us(), pid, inc;
	int				 rc, stage;

	if (http_json_body(req, fields, 3, &body) != TB_OK)
		return 0;
	name = json_string_value(evid_member(body, "step"));
	memset(&st, 0, sizeof(st));
	st.at = body_time(body, "at", now);
	if (idem_begin(req, NULL, &k) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (pres_find(req, c, 1, &before, agency) != 0 ||
	    idem_replay(req, c, &k) != 0)
		goto out;
	if (evstep_from_name(name, &step) != TB_OK) {
		http_reply_error(req, "invalid_field", "step", NULL);
		goto out;
	}
	if (not_future(req, st.at, now, "at") != 0)
		goto out;
	if (evpath_from_name(json_string_value(json_object_get(before,
	    "path")), &path) != TB_OK ||
	    evpath_stage_of(path, step, &stage) != TB_OK) {
		http_reply_error(req, "invalid_field", "step", http_msg(req,
		    "此保存程序沒有這個步驟",
		    "This path has no such step"));
		goto out;
	}
	pid = json_integer_value(json_object_get(before, "id"));
	st.preservation = pid;
	st.step = name;
	st.note = json_string_value(evid_member(body, "note"));
	st.recorded_by = req->who->user_id;
	st.recorded_at = now;
	if ((rc = store_preservation_step_insert(c, &st)) != TB_OK) {
		if (rc == TB_ECONFLICT)
			http_reply_error(req, "conflict", "step", http_msg(req,
			    "這個步驟已記錄完成", "This step is already "
			    "recorded as done"));
		else
			http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if ((rc = pres_load(req, c, pid, &after, &inc)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(pid, idstr, sizeof(idstr));
	tb_snprintf(loc, sizeof(loc), "/api/v1/incidents/%lld/preservation/%s",
	    (long long)inc, idstr);
	if ((rc = idem_audit_commit(req, c, &k, 201, loc,
	    "preservation.step", "preservation", idstr, agency,
	    before, after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 0, loc);
	after = NULL;
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

/* --- evidence items (P27) ----------------------------------------------- */

/* An item as JSON; with the P27 warning when it is suspected malware. */
static json_t *
evidence_json(const struct http_req *req, const struct store_evidence *e)
{
	json_t	*o, *vc = json_null();
	char	 url[64];

	if (e->virus_check_reference != NULL) {
		json_decref(vc);
		vc = json_pack("{s:o, s:s}", "submitted_at",
		    evid_time_json(e->virus_check_submitted_at),
		    "reference", e->virus_check_reference);
	}
	o = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:s, "
	    "s:b, s:b, s:o, s:s, s:o, s:o}",
	    "id", (json_int_t)e->id,
	    "incident", (json_int_t)e->incident,
	    "agency", e->agency,
	    "name", evid_str_json(e->name),
	    "what", e->what,
	    "where", e->location,
	    "collected_by", e->collected_by,
	    "collected_at", evid_time_json(e->collected_at),
	    "size", e->size >= 0 ? json_integer((json_int_t)e->size) :
	    json_null(),
	    "sha256", e->sha256,
	    "stored", e->stored != 0,
	    "suspected_malware", e->suspected_malware != 0,
	    "virus_check", vc,
	    "created_by", e->created_by_name,
	    "created_at", evid_time_json(e->created_at),
	    "updated_at", evid_time_json(e->updated_at));
	if (o == NULL)
		return NULL;
	if (e->stored && tb_snprintf(url, sizeof(url),
	    "/api/v1/evidence/%lld/content", (long long)e->id) == TB_OK)
		json_object_set_new(o, "content_url", json_string(url));
	if (e->suspected_malware)
		json_object_set_new(o, "warning", json_string(
		    evidence_malware_warning(evid_en(req))));
	return o;
}

static json_t *
custody_json(const struct store_custody *k)
{
	return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o}",
	    "seq", (json_int_t)k->seq,
	    "kind", k->kind,
	    "from", evid_str_json(k->from),
	    "to", k->to,
	    "at", evid_time_json(k->at),
	    "purpose", evid_str_json(k->purpose),
	    "recorded_by", evid_str_json(k->recorded_by_name),
	    "recorded_at", evid_time_json(k->recorded_at));
}

/* An item as read, in fields that outlive the statement. */
struct ev_copy {
	const struct http_req	*req;
	json_t			*json;
	char			 agency[EVID_CODE_SIZE];
	char			 name[EVIDENCE_NAME_MAX + 1];
	char			 sha256[65];
	char			 vc_reference[4 * EVID_LINE_MAX + 1];
	int64_t			 size;
	int			 stored;
	int			 found;
};

static int
ev_copy_cb(void *arg, const struct store_evidence *e)
{
	struct ev_copy	*ec = arg;

	ec->json = evidence_json(ec->req, e);
	ec->size = e->size;
	ec->stored = e->stored != 0;
	ec->found = ec->json != NULL &&
	    tb_strlcpy(ec->agency, e->agency, sizeof(ec->agency)) == TB_OK &&
	    tb_strlcpy(ec->sha256, e->sha256, sizeof(ec->sha256)) == TB_OK &&
	    tb_strlcpy(ec->name, e->name != NULL ? e->name : "",
	    sizeof(ec->name)) == TB_OK &&
	    tb_strlcpy(ec->vc_reference, e->virus_check_reference != NULL ?
	    e->virus_check_reference : "", sizeof(ec->vc_reference)) == TB_OK;
	return 0;
}

/* The chain of custody as read: JSON, and the entries the rules need. */
struct chain {
	json_t			*list;
	struct evcustody_entry	*e;
	size_t			 n, cap;
	int			 err;
};

static int
chain_cb(void *arg, const struct store_custody *k)
{
	struct chain		*ch = arg;
	enum evcustody_kind	 kind;
	json_t			*j;

	if (ch->n >= EVID_CUSTODY_MAX) {
		log_kv(LOG_ERROR, "custody_chain_too_long", NULL);
		ch->err = TB_ESTORE;
		return 1;
	}
	if (evcustody_kind_from_name(k->kind, &kind) != TB_OK ||
	    (j = custody_json(k)) == NULL) {
		ch->err = TB_ESTORE;
		return 1;
	}
	json_array_append_new(ch->list, j);
	if (ch->n == ch->cap) {
		size_t	 cap = ch->cap ? 2 * ch->cap : 16;
		void	*p = realloc(ch->e, cap * sizeof(*ch->e));

		if (p == NULL) {
			ch->err = TB_ENOMEM;
			return 1;
		}
		ch->e = p;
		ch->cap = cap;
	}
	/* The strings live in the JSON, which outlives the statement. */
	ch->e[ch->n].kind = kind;
	ch->e[ch->n].from = json_string_value(json_object_get(j, "from"));
	ch->e[ch->n].to = json_string_value(json_object_get(j, "to"));
	ch->e[ch->n].at = k->at;
	ch->n++;
	return 0;
}

static void
chain_free(struct chain *ch)
{
	json_decref(ch->list);
	free(ch->e);
	memset(ch, 0, sizeof(*ch));
}

/* Reads item id's chain of custody into ch (chain_free() it). */
static int
chain_load(struct store_conn *c, int64_t id, struct chain *ch)
{
	int	 rc;

	memset(ch, 0, sizeof(*ch));
	ch->list = json_array();
	if ((rc = store_custody_scan(c, id, chain_cb, ch)) != TB_OK)
		return rc;
	return ch->err;
}

/*
 * Loads item {id} for the caller into ec; with_chain adds
 * "custody" and "holder" to ec->json.  Replies 404 (or the store error)
 * and returns non-zero when it is not there for them.
 */
static int
ev_find(struct http_req *req, struct store_conn *c, int write,
    int with_chain, struct ev_copy *ec)
{
	struct chain	 ch;
	int64_t		 id = evid_param_id(req, "id");
	int		 rc = TB_OK, ok = 0;

	memset(ec, 0, sizeof(*ec));
	ec->req = req;
	if (id > 0 && (rc = store_evidence_get(c, id, ev_copy_cb, ec)) !=
	    TB_OK && rc != TB_ENOTFOUND)
		goto fail;
	if (ec->found &&
	    (rc = evid_agency_scope(req, c, ec->agency, write, &ok)) != TB_OK)
		goto fail;
	if (!ec->found || !ok) {
		json_decref(ec->json);
		ec->json = NULL;
		http_reply_error(req, "not_found", NULL, NULL);
		return -1;
	}
	if (with_chain) {
		if ((rc = chain_load(c, id, &ch)) != TB_OK) {
			chain_free(&ch);
			goto fail;
		}
		json_object_set_new(ec->json, "holder", evid_str_json(
		    evcustody_holder(ch.e, ch.n)));
		json_object_set(ec->json, "custody", ch.list);
		chain_free(&ch);
	}
	return 0;
fail:
	json_decref(ec->json);
	ec->json = NULL;
	http_reply_tb_err(req, rc, NULL);
	return -1;
}

/* Reads an item and its chain back through c after a change, into *out. */
static int
ev_reload(struct http_req *req, struct store_conn *c, int64_t id,
    json_t **out)
{
	struct ev_copy	 ec;
	struct chain	 ch;
	int		 rc;

	*out = NULL;
	memset(&ec, 0, sizeof(ec));
	ec.req = req;
	if ((rc = store_evidence_get(c, id, ev_copy_cb, &ec)) != TB_OK)
		return rc;
	if (!ec.found) {
		json_decref(ec.json);
		return TB_ENOMEM;
	}
	if ((rc = chain_load(c, id, &ch)) != TB_OK) {
		chain_free(&ch);
		json_decref(ec.json);
		return rc;
	}
	json_object_set_new(ec.json, "holder", evid_str_json(
	    evcustody_holder(ch.e, ch.n)));
	json_object_set(ec.json, "custody", ch.list);
	chain_free(&ch);
	*out = ec.json;
	return TB_OK;
}

/* Where the object of a hash is kept. */
static int
object_path(const struct http_req *req, const char *sha256, char *out,
    size_t len)
{
	return tb_snprintf(out, len, "%s/objects/%.2s/%s",
	    req->app->cfg->evidence_dir, sha256, sha256);
}

/*
 * Hashes the regular file fd from its start (SHA-256, hex into out) and
 * sets *size to the bytes read.  TB_EIO, TB_ENOMEM.
 */
static int
file_sha256(int fd, char out[65], uint64_t *size)
{
	crypto_hash_sha256_state	 st;
	unsigned char			 d[crypto_hash_sha256_BYTES];
	unsigned char			*b;
	uint64_t			 off = 0;
	ssize_t				 n;

	/* Off the stack: worker threads' stacks are not ours to size. */
	if ((b = malloc(EVID_HASH_CHUNK)) == NULL)
		return TB_ENOMEM;
	crypto_hash_sha256_init(&st);
	for (;;) {
		n = pread(fd, b, EVID_HASH_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		crypto_hash_sha256_update(&st, b, (unsigned long long)n);
		off += (uint64_t)n;
	}
	free(b);
	if (n < 0)
		return TB_EIO;
	crypto_hash_sha256_final(&st, d);
	sodium_bin2hex(out, 65, d, sizeof(d));
	*size = off;
	return TB_OK;
}

/*
 * Opens the object of sha256 and checks that it is a regular file of
 * size bytes whose SHA-256 is still sha256.  TB_OK with *fd open (the
 * caller closes it); TB_ECONFLICT when missing or changed (why says how,
 * found the hash it has); TB_EIO, TB_ENOMEM.
 */
static int
object_verify(const struct http_req *req, const char *sha256, int64_t size,
    int *fd, const char **why, char found[65])
{
	char		 path[EVID_PATH_SIZE];
	struct stat	 sb;
	uint64_t	 n;
	int		 rc;

	*fd = -1;
	found[0] = '\0';
	if (object_path(req, sha256, path, sizeof(path)) != TB_OK)
		return TB_EIO;
	if ((*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		*why = "missing";
		return errno == ENOENT || errno == ELOOP ? TB_ECONFLICT :
		    TB_EIO;
	}
	if (fstat(*fd, &sb) != 0)
		rc = TB_EIO;
	else if (!S_ISREG(sb.st_mode) || (size >= 0 &&
	    (uint64_t)sb.st_size != (uint64_t)size)) {
		*why = "size";
		rc = TB_ECONFLICT;
	} else if ((rc = file_sha256(*fd, found, &n)) == TB_OK &&
	    (strcmp(found, sha256) != 0 || (size >= 0 &&
	    n != (uint64_t)size))) {
		*why = "sha256";
		rc = TB_ECONFLICT;
	}
	if (rc != TB_OK) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/*
 * Before an upload is kept: an object already stored under its hash that
 * no longer matches it is moved aside (kept for the investigation, as
 * NAME.corrupt-REQUEST), so the good copy now arriving takes its place
 * and every item of that hash is whole again.  Sets *repaired.
 */
static int
object_repair(struct http_req *req, const char *sha256, int *repaired)
{
	char		 path[EVID_PATH_SIZE], aside[EVID_PATH_SIZE + 40];
	char		 found[65];
	const char	*why = NULL;
	struct stat	 sb;
	int		 fd, rc;

	*repaired = 0;
	if (object_path(req, sha256, path, sizeof(path)) != TB_OK)
		return TB_EIO;
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? TB_OK : TB_EIO;
	rc = object_verify(req, sha256, -1, &fd, &why, found);
	if (rc == TB_OK) {
		close(fd);
		return TB_OK;
	}
	if (rc != TB_ECONFLICT)
		return rc;
	if (tb_snprintf(aside, sizeof(aside), "%s.corrupt-%s", path,
	    req->request_id) != TB_OK)
		return TB_EIO;
	if (rename(path, aside) != 0 && errno != ENOENT)
		return TB_EIO;
	log_kv(LOG_WARN, "evidence_object_replaced", "request_id",
	    req->request_id, "sha256", sha256, "reason", why, "moved_to",
	    aside, NULL);
	*repaired = 1;
	return TB_OK;
}

/*
 * Reads ?name= of an upload.  The name is a file name, never a path, of
 * at most EVIDENCE_NAME_MAX bytes; replies 422 naming "name" and returns
 * non-zero otherwise.
 */
static int
upload_name(struct http_req *req, char out[HTTP_QUERY_MAX + 1])
{
	enum evname_fault	 f;
	int			 rc;

	if ((rc = http_query(req, "name", out, HTTP_QUERY_MAX + 1)) ==
	    TB_ENOTFOUND) {
		http_reply_error(req, "missing_field", "name", NULL);
		return -1;
	}
	/* Too long to decode here, a NUL or bytes that are no text. */
	if (rc != TB_OK) {
		http_reply_error(req, "invalid_field", "name", http_msg(req,
		    "檔名過長或含有不允許的字元",
		    "The file name is too long or holds characters that are "
		    "not allowed"));
		return -1;
	}
	if ((f = evidence_name_check(out, strlen(out))) != EVNAME_OK) {
		http_reply_error(req, "invalid_field", "name",
		    evidence_name_fault_text(f, evid_en(req)));
		return -1;
	}
	return 0;
}

/*
 * Inserts item e with the first entry of its chain and the audit entry,
 * inside c's transaction, and reads it back into *out.
 */
static int
ev_insert(struct http_req *req, struct store_conn *c,
    const struct store_evidence *e, const char *agency,
    struct store_custody *first, json_t *audit_extra, json_t **out)
{
	char	 idstr[24];
	int	 rc;

	*out = NULL;
	if ((rc = store_evidence_insert(c, e)) != TB_OK ||
	    (rc = store_custody_append(c, first)) != TB_OK ||
	    (rc = ev_reload(req, c, e->id, out)) != TB_OK)
		return rc;
	if (audit_extra != NULL)
		json_object_update(*out, audit_extra);
	evid_id_text(e->id, idstr, sizeof(idstr));
	rc = auth_audit(req, c, "evidence.create", "evidence", idstr, agency,
	    NULL, *out);
	if (audit_extra != NULL) {
		const char	*k;
		json_t		*v;

		json_object_foreach(audit_extra, k, v)
			json_object_del(*out, k);
	}
	return rc;
}

int
api_evidence_upload(struct http_req *req)
{
	struct http_upload	*u = req->upload;
	struct store_conn	*c = NULL;
	struct store_evidence	 e;
	struct store_custody	 first;
	struct idem		 k;
	json_t			*after = NULL, *extra = NULL;
	char			 name[HTTP_QUERY_MAX + 1];
	char			 what[HTTP_QUERY_MAX + 1];
	char			 ikey[2 * HTTP_QUERY_MAX + 96];
	char			 agency[EVID_CODE_SIZE], dest[EVID_PATH_SIZE];
	char			 loc[64];
	int64_t			 incident, now = tb_now_us();
	int			 rc, malware = 0, repaired = 0, kept = 0;

	if (u == NULL || u->sha256[0] == '\0')
		return http_reply_error(req, "internal", NULL, NULL);
	/* Scope first, on a reader: nothing is stored for a caller who may
	 * not add to this incident. */
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = incident_scope(req, c, 1, &incident, agency);
	store_release(c);
	c = NULL;
	if (rc != 0)
		return 0;
	if (upload_name(req, name) != 0 ||
	    evid_bool_query(req, "suspected_malware", &malware) != 0)
		return 0;
	if ((rc = http_query(req, "what", what, sizeof(what))) ==
	    TB_ENOTFOUND)
		tb_strlcpy(what, name, sizeof(what));
	else if (rc != TB_OK || what[0] == '\0' ||
	    strlen(what) > EVID_WHAT_MAX || strpbrk(what, "\r\n\t") != NULL)
		return http_reply_error(req, "invalid_field", "what", NULL);
	/* A repeat is the same file under the same name and description. */
	if (tb_snprintf(ikey, sizeof(ikey), "%s\n%s\n%d\n%s", name, what,
	    malware, u->sha256) != TB_OK || idem_begin(req, ikey, &k) != 0)
		return req->resp != NULL ? 0 : http_reply_error(req,
		    "internal", NULL, NULL);
	if (object_path(req, u->sha256, dest, sizeof(dest)) != TB_OK ||
	    object_repair(req, u->sha256, &repaired) != TB_OK)
		return http_reply_error(req, "internal", NULL, NULL);

	memset(&e, 0, sizeof(e));
	e.id = store_new_id();
	e.incident = incident;
	e.name = name;
	e.what = what;
	e.location = EVID_HOLDER;
	e.collected_by = req->who->username;
	e.collected_at = now;
	e.size = (int64_t)u->size;
	e.sha256 = u->sha256;
	e.stored = 1;
	e.suspected_malware = malware;
	e.created_by = req->who->user_id;
	e.created_at = e.updated_at = now;
	memset(&first, 0, sizeof(first));
	first.evidence = e.id;
	first.kind = evcustody_kind_name(EVCUSTODY_UPLOADED);
	first.from = req->who->username;
	first.to = EVID_HOLDER;
	first.at = now;
	first.purpose = "upload";
	first.recorded_by = req->who->user_id;
	first.recorded_at = now;
	if (repaired)
		extra = json_pack("{s:b}", "replaced_corrupt_object", 1);
	/*
	 * The row and the file become durable together: the file is moved
	 * into place while the writer is held, so a failed commit can take
	 * back the file it moved without racing another upload of it.
	 */
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/* A repeat keeps nothing new: the file is dropped with the request. */
	if (idem_replay(req, c, &k) != 0)
		goto out;
	tb_snprintf(loc, sizeof(loc), "/api/v1/evidence/%lld",
	    (long long)e.id);
	if ((rc = ev_insert(req, c, &e, agency, &first, extra, &after)) !=
	    TB_OK || (rc = idem_record_json(req, c, &k, 201, loc, after)) !=
	    TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (http_upload_keep(req, dest) != TB_OK) {
		log_kv(LOG_ERROR, "evidence_keep_failed", "request_id",
		    req->request_id, "sha256", u->sha256, NULL);
		http_reply_error(req, "internal", NULL, NULL);
		goto out;
	}
	kept = u->kept;
	if ((rc = store_tx_commit(c)) != TB_OK) {
		if (kept)
			unlink(dest);
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 0, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(extra);
	json_decref(after);
	return 0;
}

int
api_evidence_items_create(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "what", JF_TEXT, 1, 1, EVID_WHAT_MAX },
		{ "where", JF_TEXT, 1, 1, EVID_WHAT_MAX },
		{ "collected_by", JF_STRING, 1, 1, EVID_NAME_MAX },
		{ "collected_at", JF_TIME, 1, 0, 0 },
		{ "sha256", JF_STRING, 1, 64, 64 },
		{ "size", JF_INT, 0, 0, INT64_MAX },
		{ "name", JF_STRING, 0, 1, EVIDENCE_NAME_MAX },
		{ "suspected_malware", JF_BOOL, 0, 0, 0 },
	};
	struct store_conn	*c = NULL;
	struct store_evidence	 e;
	struct store_custody	 first;
	struct idem		 k;
	json_t			*body, *after = NULL, *v;
	enum evname_fault	 f;
	char			 agency[EVID_CODE_SIZE], sha[65], loc[64];
	int64_t			 incident, now = tb_now_us();
	int			 rc;

	if (http_json_body(req, fields, 8, &body) != TB_OK)
		return 0;
	if (idem_begin(req, NULL, &k) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/* Scope before content: 404 to whoever may not act here. */
	if (incident_scope(req, c, 1, &incident, agency) != 0 ||
	    idem_replay(req, c, &k) != 0)
		goto out;
	memset(&e, 0, sizeof(e));
	e.collected_at = body_time(body, "collected_at", now);
	if (evidence_sha256_normalise(json_string_value(evid_member(body,
	    "sha256")), sha) != TB_OK) {
		http_reply_error(req, "invalid_field", "sha256", http_msg(req,
		    "SHA-256 須為 64 位十六進位數字",
		    "A SHA-256 is 64 hexadecimal digits"));
		goto out;
	}
	if ((v = evid_member(body, "name")) != NULL &&
	    (f = evidence_name_check(json_string_value(v),
	    json_string_length(v))) != EVNAME_OK) {
		http_reply_error(req, "invalid_field", "name",
		    evidence_name_fault_text(f, evid_en(req)));
		goto out;
	}
	if (not_future(req, e.collected_at, now, "collected_at") != 0)
		goto out;
	e.id = store_new_id();
	e.incident = incident;
	e.name = json_string_value(v);
	e.what = json_string_value(evid_member(body, "what"));
	e.location = json_string_value(evid_member(body, "where"));
	e.collected_by = json_string_value(evid_member(body,
	    "collected_by"));
	e.size = (v = evid_member(body, "size")) != NULL ?
	    json_integer_value(v) : -1;
	e.sha256 = sha;
	e.stored = 0;
	e.suspected_malware = json_is_true(evid_member(body,
	    "suspected_malware"));
	e.created_by = req->who->user_id;
	e.created_at = e.updated_at = now;
	/* The chain starts with whoever collected it (P27). */
	memset(&first, 0, sizeof(first));
	first.evidence = e.id;
	first.kind = evcustody_kind_name(EVCUSTODY_COLLECTED);
	first.to = e.collected_by;
	first.at = e.collected_at;
	first.purpose = "collected";
	first.recorded_by = req->who->user_id;
	first.recorded_at = now;
	tb_snprintf(loc, sizeof(loc), "/api/v1/evidence/%lld",
	    (long long)e.id);
	if ((rc = ev_insert(req, c, &e, agency, &first, NULL, &after)) !=
	    TB_OK ||
	    (rc = idem_record_json(req, c, &k, 201, loc, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 0, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(body);
	return 0;
}

struct ev_page {
	const struct http_req	*req;
	json_t			*items;
	int64_t			 last_id;
};

static int
ev_page_cb(void *arg, const struct store_evidence *e)
{
	struct ev_page	*pg = arg;

	json_array_append_new(pg->items, evidence_json(pg->req, e));
	pg->last_id = e->id;
	return 0;
}

int
api_evidence_list(struct http_req *req)
{
	struct store_conn	*c;
	struct ev_page		 pg;
	char			 agency[EVID_CODE_SIZE], cur[24];
	int64_t			 incident, limit, after;
	int			 rc;

	if (evid_page_query(req, &limit, &after) != 0)
		return 0;
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	memset(&pg, 0, sizeof(pg));
	pg.req = req;
	pg.items = json_array();
	if (incident_scope(req, c, 0, &incident, agency) != 0)
		goto out;
	if ((rc = store_evidence_scan(c, incident, after, limit, ev_page_cb,
	    &pg)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(pg.last_id, cur, sizeof(cur));
	http_reply_json(req, 200, json_pack("{s:O, s:o}", "items", pg.items,
	    "next_cursor", (int64_t)json_array_size(pg.items) >= limit ?
	    json_string(cur) : json_null()));
out:
	json_decref(pg.items);
	store_release(c);
	return 0;
}

int
api_evidence_get(struct http_req *req)
{
	struct store_conn	*c;
	struct ev_copy		 ec;
	int			 rc;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	if (ev_find(req, c, 0, 1, &ec) == 0)
		http_reply_json(req, 200, ec.json);
	store_release(c);
	return 0;
}

/*
 * The Content-Disposition of a download: attachment, with the name in
 * RFC 8187 form (filename*=UTF-8''...), every byte outside attr-char
 * percent-encoded, so no name can break out of the header.
 */
static int
disposition(const char *name, char *out, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	static const char	 prefix[] = "attachment; filename*=UTF-8''";
	size_t			 o = sizeof(prefix) - 1;

	if (len < o + 1)
		return TB_ETOOBIG;
	memcpy(out, prefix, o);
	for (const unsigned char *p = (const unsigned char *)name; *p;
	    p++) {
		int plain = (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("!#$&+-.^_`|~", *p) != NULL;

		if (o + (plain ? 1 : 3) + 1 > len)
			return TB_ETOOBIG;
		if (plain)
			out[o++] = (char)*p;
		else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return TB_OK;
}

/* Records, in its own transaction, that a stored file failed its check. */
static void
audit_corrupt(struct http_req *req, const struct ev_copy *ec,
    const char *why, const char *found)
{
	struct store_conn	*c;
	json_t			*after;
	char			 idstr[24];

	evid_id_text(json_integer_value(json_object_get(ec->json, "id")),
	    idstr, sizeof(idstr));
	log_kv(LOG_ERROR, "evidence_corrupt", "request_id", req->request_id,
	    "evidence", idstr, "sha256", ec->sha256, "reason", why, NULL);
	if (store_write(req->app->store, &c) != TB_OK)
		return;
	after = json_pack("{s:s, s:s, s:s?}", "reason", why, "expected_sha256",
	    ec->sha256, "found_sha256", found[0] != '\0' ? found : NULL);
	if (store_tx_begin(c) == TB_OK) {
		if (auth_audit(req, c, "evidence.corrupt", "evidence", idstr,
		    ec->agency, NULL, after) == TB_OK)
			store_tx_commit(c);
		else
			store_tx_rollback(c);
	}
	json_decref(after);
	store_release(c);
}

int
api_evidence_content(struct http_req *req)
{
	struct store_conn	*c = NULL;
	struct ev_copy		 ec;
	struct store_custody	 k;
	json_t			*after = NULL;
	const char		*why = NULL;
	char			 found[65], cd[64 + 3 * EVIDENCE_NAME_MAX];
	char			 idstr[24];
	int64_t			 id, now = tb_now_us();
	int			 rc, fd = -1;

	memset(&ec, 0, sizeof(ec));
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	rc = ev_find(req, c, 0, 0, &ec);
	store_release(c);
	c = NULL;
	if (rc != 0)
		return 0;
	id = json_integer_value(json_object_get(ec.json, "id"));
	if (!ec.stored) {
		http_reply_error(req, "not_found", NULL, http_msg(req,
		    "此跡證保存在系統外，沒有檔案可下載",
		    "This item is held elsewhere; there is no file here"));
		goto out;
	}
	/*
	 * Hashed again on every download, before anything is sent (and
	 * before the writer is taken, as this reads the whole file): a file
	 * that changed on disk is never served as the evidence.
	 */
	if ((rc = object_verify(req, ec.sha256, ec.size, &fd, &why, found))
	    == TB_ECONFLICT) {
		audit_corrupt(req, &ec, why, found);
		http_reply_error(req, "evidence_corrupt", NULL, NULL);
		goto out;
	}
	if (rc != TB_OK || disposition(ec.name, cd, sizeof(cd)) != TB_OK) {
		http_reply_tb_err(req, rc != TB_OK ? rc : TB_EIO, NULL);
		goto out;
	}
	/* Who took a copy, and when: the chain of custody and the audit. */
	memset(&k, 0, sizeof(k));
	k.evidence = id;
	k.kind = evcustody_kind_name(EVCUSTODY_DOWNLOAD);
	k.from = EVID_HOLDER;
	k.to = req->who->username;
	k.at = now;
	k.purpose = "download";
	k.recorded_by = req->who->user_id;
	k.recorded_at = now;
	evid_id_text(id, idstr, sizeof(idstr));
	after = json_pack("{s:s, s:I, s:I}", "sha256", ec.sha256, "size",
	    (json_int_t)ec.size, "custody_seq", (json_int_t)0);
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK ||
	    (rc = store_custody_append(c, &k)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	json_object_set_new(after, "custody_seq", json_integer(
	    (json_int_t)k.seq));
	if ((rc = auth_audit(req, c, "evidence.download", "evidence", idstr,
	    ec.agency, NULL, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	/* Only ever a download, never rendered: octet-stream, attachment,
	 * nosniff (set on every answer). */
	rc = http_reply_file(req, 200, "application/octet-stream", fd,
	    (uint64_t)ec.size);
	fd = -1;
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	http_reply_header(req, "Content-Disposition", cd);
	http_reply_header(req, "X-Evidence-SHA256", ec.sha256);
out:
	if (fd >= 0)
		close(fd);
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(after);
	json_decref(ec.json);
	return 0;
}

int
api_evidence_custody(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "from", JF_STRING, 0, 1, EVID_NAME_MAX },
		{ "to", JF_STRING, 1, 1, EVID_NAME_MAX },
		{ "at", JF_TIME, 1, 0, 0 },
		{ "purpose", JF_TEXT, 1, 1, EVID_WHAT_MAX },
	};
	struct store_conn	*c = NULL;
	struct ev_copy		 ec;
	struct chain		 ch;
	struct store_custody	 k;
	struct evcustody_entry	 next;
	struct idem		 ik;
	json_t			*body, *after = NULL, *entry;
	const char		*holder;
	char			 idstr[24], loc[64];
	int64_t			 id, now = tb_now_us();
	int			 rc;

	memset(&ec, 0, sizeof(ec));
	memset(&ch, 0, sizeof(ch));
	if (http_json_body(req, fields, 4, &body) != TB_OK)
		return 0;
	if (idem_begin(req, NULL, &ik) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (ev_find(req, c, 1, 0, &ec) != 0 ||
	    idem_replay(req, c, &ik) != 0)
		goto out;
	id = json_integer_value(json_object_get(ec.json, "id"));
	if ((rc = chain_load(c, id, &ch)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	holder = evcustody_holder(ch.e, ch.n);
	memset(&next, 0, sizeof(next));
	next.kind = EVCUSTODY_HANDOVER;
	next.from = evid_member(body, "from") != NULL ?
	    json_string_value(evid_member(body, "from")) : holder;
	next.to = json_string_value(evid_member(body, "to"));
	next.at = body_time(body, "at", now);
	switch (evcustody_check(ch.e, ch.n, &next, now)) {
	case EVCUSTODY_F_OK:
		break;
	case EVCUSTODY_F_IN_FUTURE:
		not_future(req, next.at, now, "at");
		goto out;
	case EVCUSTODY_F_BEFORE_LAST:
		http_reply_error(req, "conflict", "at", http_msg(req,
		    "交接時間不可早於上一次交接",
		    "A hand-over cannot precede the one before it"));
		goto out;
	case EVCUSTODY_F_NOT_HOLDER:
		http_reply_error(req, "conflict", "from", http_msg(req,
		    "交出者必須是目前的保管者",
		    "Only the current holder can hand it over"));
		goto out;
	case EVCUSTODY_F_SAME_PARTY:
		http_reply_error(req, "invalid_field", "to", http_msg(req,
		    "接收者不可與交出者相同",
		    "It cannot be handed to its holder"));
		goto out;
	default:
		http_reply_tb_err(req, TB_ESTORE, NULL);
		goto out;
	}
	memset(&k, 0, sizeof(k));
	k.evidence = id;
	k.kind = evcustody_kind_name(EVCUSTODY_HANDOVER);
	k.from = next.from;
	k.to = next.to;
	k.at = next.at;
	k.purpose = json_string_value(evid_member(body, "purpose"));
	k.recorded_by = req->who->user_id;
	k.recorded_at = now;
	if ((rc = store_custody_append(c, &k)) != TB_OK ||
	    (rc = ev_reload(req, c, id, &after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(id, idstr, sizeof(idstr));
	entry = json_array_get(json_object_get(after, "custody"),
	    json_array_size(json_object_get(after, "custody")) - 1);
	tb_snprintf(loc, sizeof(loc), "/api/v1/evidence/%s", idstr);
	if ((rc = auth_audit(req, c, "evidence.custody", "evidence", idstr,
	    ec.agency, NULL, entry)) != TB_OK ||
	    (rc = idem_record_json(req, c, &ik, 201, loc, after)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_reply(req, 201, after, 0, loc);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	chain_free(&ch);
	json_decref(ec.json);
	json_decref(after);
	json_decref(body);
	return 0;
}

int
api_evidence_malware(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "submitted_at", JF_TIME, 0, 0, 0 },
		{ "reference", JF_STRING, 0, 1, EVID_LINE_MAX },
	};
	struct store_conn	*c = NULL;
	struct ev_copy		 ec;
	struct idem		 k;
	json_t			*body, *after = NULL;
	const char		*ref;
	char			 idstr[24];
	int64_t			 id, at, now = tb_now_us();
	int			 rc;

	memset(&ec, 0, sizeof(ec));
	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	ref = json_string_value(evid_member(body, "reference"));
	at = body_time(body, "submitted_at", 0);
	if (idem_begin(req, NULL, &k) != 0)
		goto out;
	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (ev_find(req, c, 1, 0, &ec) != 0 ||
	    idem_replay(req, c, &k) != 0)
		goto out;
	/* A submission is its time and VirusCheck's reference, together. */
	if ((ref != NULL) != (at != 0)) {
		http_reply_error(req, "missing_field", ref != NULL ?
		    "submitted_at" : "reference", NULL);
		goto out;
	}
	if (at != 0 && not_future(req, at, now, "submitted_at") != 0)
		goto out;
	/* A submission once recorded is not rewritten. */
	if (ref != NULL && ec.vc_reference[0] != '\0' &&
	    strcmp(ec.vc_reference, ref) != 0) {
		http_reply_error(req, "conflict", "reference", http_msg(req,
		    "此跡證已記錄另一個 VirusCheck 送檢編號",
		    "Another VirusCheck submission is already recorded"));
		goto out;
	}
	id = json_integer_value(json_object_get(ec.json, "id"));
	if ((rc = store_evidence_mark_malware(c, id, at, ref, now)) != TB_OK ||
	    (rc = ev_reload(req, c, id, &after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	evid_id_text(id, idstr, sizeof(idstr));
	if ((rc = idem_audit_commit(req, c, &k, 200, NULL,
	    "evidence.malware", "evidence", idstr, ec.agency,
	    ec.json, after)) != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	http_reply_json(req, 200, after);
	after = NULL;
out:
	if (c != NULL) {
		store_tx_rollback(c);
		store_release(c);
	}
	json_decref(ec.json);
	json_decref(after);
	json_decref(body);
	return 0;
}
