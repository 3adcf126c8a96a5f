/*
 * api_record.c: the signed records (P32) and the printed record of an
 * incident (P32, P33), as HTML for the browser's print and as PDF.
 *
 * A record is a part of the incident's story (closure.h, enum
 * sign_record) as canonical JSON: jansson's compact text with the keys
 * sorted, UTF-8, nothing escaped that need not be.  Signing hashes exactly
 * that text (SHA-256, hex), appends a `signed` event, keeps the text and
 * puts the hash into the audit chain, all in one transaction.  Whenever
 * the signatures are shown the record is built again: a record whose hash
 * differs from the one signed has changed, so its signature is void, the
 * difference is shown field by field against the text that was signed,
 * and it needs signing again.
 *
 * The printed record is built once as a document model (record_doc()) and
 * rendered by either printer, so the HTML and the PDF say the same.
 * Official printouts date in the ROC calendar (中華民國115年11月25日
 * 16時30分).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>

#include "api/auth.h"
#include "api/closure.h"
#include "api/idempotency.h"
#include "api/incident.h"
#include "domain/access.h"
#include "domain/closure.h"
#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The title of every printed record. */
#define RECORD_TITLE	"臺北市政府資通安全事件紀錄"
/* Longest JSON pointer of a difference; deeper ones name their parent. */
#define DIFF_PATH_MAX	512

/* --- labels of the printed record (zh-TW) ----------------------------- */

struct label {
	const char	*name;
	const char	*zh;
};

/* The label of name in table (n entries), or name itself. */
static const char *
label_of(const struct label *table, size_t n, const char *name)
{
	size_t	 i;

	if (name == NULL)
		return "";
	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].zh;
	return name;
}
#define LABEL(t, name)	label_of((t), NELEM(t), (name))

static const struct label event_labels[] = {
	{ "level_approved", "核定等級" },
	{ "reported", "完成通報" },
	{ "backfilled", "補登通報" },
	{ "agency_notified", "通知受影響機關" },
	{ "doit_copied", "副知資訊局" },
	{ "info_requested", "資訊局要求提供資料" },
	{ "info_provided", "提供資料" },
	{ "level_reviewed", "資訊局等級審核" },
	{ "level_change_requested", "申請變更等級" },
	{ "team_formed", "成立應變小組" },
	{ "meeting_held", "召開會議" },
	{ "tracking_designated", "列管追蹤" },
	{ "damage_controlled", "完成損害控制或復原" },
	{ "effectiveness_reported", "陳報損害控制成效" },
	{ "pdpa_assessed", "個資通知評估" },
	{ "root_cause_recorded", "完成根因分析" },
	{ "plan_approved", "核定改善計畫" },
	{ "progress_reported", "陳報改善進度" },
	{ "closure_reported", "完成結報" },
	{ "signed", "簽核紀錄" },
};

static const struct label obligation_labels[] = {
	{ "report", "通報（1 小時內）" },
	{ "backfill_report", "補登通報" },
	{ "notify_affected", "通知受影響機關" },
	{ "cc_doit", "副知資訊局" },
	{ "level_review", "等級審核" },
	{ "team_formed", "成立應變小組" },
	{ "response_meeting", "召開應變會議" },
	{ "damage_control", "完成損害控制或復原" },
	{ "effectiveness_report", "陳報損害控制成效" },
	{ "pdpa_assessment", "個資通知評估" },
	{ "root_cause", "根因分析" },
	{ "closure_report", "結報" },
	{ "progress_report", "改善進度陳報" },
};

static const struct label ostate_labels[] = {
	{ "pending", "待辦" },
	{ "met", "準時完成" },
	{ "met_late", "逾時完成" },
	{ "overdue", "逾期" },
	{ "not_applicable", "不適用" },
};

static const struct label istate_labels[] = {
	{ "new", "待核定等級" },
	{ "approved", "等級已核定，待通報" },
	{ "reported", "已通報" },
	{ "closed", "已結報" },
};

/* The fields of events and documents. */
static const struct label field_labels[] = {
	{ "level", "等級" },
	{ "note", "備註" },
	{ "channel", "方式" },
	{ "platform_ref", "通報應變網站編號" },
	{ "reason", "原因" },
	{ "agency", "機關" },
	{ "message", "內容" },
	{ "basis", "審核依據" },
	{ "members", "小組成員" },
	{ "kind", "會議類型" },
	{ "attendees", "出席人員" },
	{ "minutes", "會議紀錄" },
	{ "by", "指定列管機關" },
	{ "scope", "確認的影響範圍" },
	{ "restoration", "優先恢復對外服務及核心系統" },
	{ "spread_prevention", "防止二次攻擊或擴散的措施" },
	{ "systems", "各系統恢復情形" },
	{ "stakeholder_impact", "對利害關係人的影響" },
	{ "public_announcement", "是否對外公告" },
	{ "recipients", "陳報對象" },
	{ "decision", "決定" },
	{ "notified_at", "通知當事人時間" },
	{ "investigator", "調查者" },
	{ "investigator_name", "調查者名稱" },
	{ "log_analysis", "日誌分析" },
	{ "findings", "調查結果" },
	{ "malware_analysis", "惡意程式分析" },
	{ "submitted_to", "呈送對象" },
	{ "devices", "受害設備" },
	{ "ips", "IP 位址" },
	{ "urls", "網址" },
	{ "os", "作業系統" },
	{ "vendors", "相關廠商" },
	{ "cause", "事件原因" },
	{ "cause_other", "其他原因說明" },
	{ "fixes", "修補及改善措施" },
	{ "record", "簽核的紀錄" },
	{ "role", "簽核身分" },
	{ "hash", "雜湊值（SHA-256）" },
	{ "username", "帳號" },
	{ "name", "名稱" },
	{ "within_tolerable_downtime", "可容忍中斷時間內恢復" },
	{ "incident_time", "事件發生時間" },
	{ "source_ips", "來源 IP" },
	{ "target_ips", "目標 IP" },
	{ "attacker_location", "攻擊者所在地" },
	{ "attack_method", "攻擊手法" },
	{ "path_analysis", "攻擊路徑分析" },
	{ "impact_analysis", "影響分析" },
	{ "recovery", "復原措施" },
	{ "eradication", "根除措施" },
	{ "patching", "修補措施" },
	{ "defence", "防禦措施" },
	{ "lessons", "經驗學習" },
	{ "staffing_changes", "人員調整" },
	{ "procedure_changes", "程序調整" },
};

/* Values of fields that are codes, and their labels. */
static const struct {
	const char	*field;
	const char	*value;
	const char	*zh;
} value_labels[] = {
	{ "channel", "platform", "通報應變網站" },
	{ "channel", "fallback", "其他方式（網站無法使用）" },
	{ "channel", "phone", "電話" },
	{ "channel", "taipeion", "臺北通 TaipeiON" },
	{ "channel", "email", "電子郵件" },
	{ "channel", "in_person", "當面" },
	{ "channel", "other", "其他" },
	{ "kind", "response", "應變會議" },
	{ "kind", "tracking", "追蹤會議" },
	{ "investigator", "vendor", "廠商" },
	{ "investigator", "expert", "外部專家" },
	{ "submitted_to", "superior", "上級機關" },
	{ "submitted_to", "supervisor", "監督機關" },
	{ "submitted_to", "doit", "資訊局" },
	{ "record", "incident_report", "通報紀錄" },
	{ "record", "damage_control", "應變及損害控制紀錄" },
	{ "record", "root_cause", "根因分析" },
	{ "record", "improvement_plan", "改善計畫" },
	{ "record", "closure", "結報" },
	{ "role", "responsible", "負責人員" },
	{ "role", "ciso", "資通安全長" },
};

/* The label of value of field: the form's lists, then value_labels. */
static const char *
value_label(const char *field, const char *value)
{
	const char	*l;
	size_t		 i;

	if (strcmp(field, "cause") == 0 &&
	    (l = form_label(FORM_CLOSURE_CAUSE, value)) != NULL)
		return l;
	if (strcmp(field, "role") == 0 &&
	    (l = form_label(FORM_TEAM_ROLE, value)) != NULL)
		return l;
	for (i = 0; i < NELEM(value_labels); i++)
		if (strcmp(value_labels[i].field, field) == 0 &&
		    strcmp(value_labels[i].value, value) == 0)
			return value_labels[i].zh;
	return value;
}

static const char *const term_zh[] = { "短期", "中期", "長期" };
static const char *const status_zh[] = { "待辦理", "辦理中", "已完成" };
static const char *const record_zh[SIGN_RECORD__COUNT] = {
	"通報紀錄", "應變及損害控制紀錄", "根因分析", "改善計畫", "結報",
};
static const char *const sign_state_zh[SIGN_STATE__COUNT] = {
	"尚無此紀錄", "未簽核", "部分簽核", "已簽核", "已失效，須重新簽核",
};

/* --- the records (P32) ---------------------------------------------- */

/* A time in a record: RFC 3339, or null. */
static json_t *
rec_time(int64_t t)
{
	return closure_time_json(t);
}

/* A stored JSON text, or an empty array when absent or broken. */
static json_t *
rec_stored(const char *s)
{
	json_t	*v = s != NULL ? json_loads(s, 0, NULL) : NULL;

	return v != NULL ? v : json_array();
}

/* A string or null. */
static json_t *
rec_text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* One event as a record holds it: its sequence number, type, time,
 * who recorded it, and its fields.  A new reference. */
static json_t *
rec_event(const struct event *e, const struct incident_event_extra *x)
{
	json_t	*o, *fields;

	o = json_pack("{s:I, s:s, s:o, s:s}", "seq", (json_int_t)e->id,
	    "type", x->type, "at", rec_time(e->at), "actor",
	    x->actor_name != NULL ? x->actor_name : "");
	if (o != NULL && (fields = json_loads(x->fields, 0, NULL)) != NULL) {
		json_object_update_missing(o, fields);
		json_decref(fields);
	}
	return o;
}

/* What a report holds of the incident itself (no bookkeeping: not its
 * version, state or level in force, which change without the report
 * changing).  A new reference. */
static json_t *
rec_incident(const struct incident_view *v)
{
	const struct store_incident	*in = &v->in;
	json_t				*aff = json_array();
	size_t				 i;

	for (i = 0; aff != NULL && i < v->naff; i++)
		json_array_append_new(aff, json_string(v->affected[i]));
	return json_pack("{s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:I,"
	    " s:o, s:b, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o, s:o}",
	    "agency", in->agency, "agency_name", rec_text(in->agency_name),
	    "title", in->title, "description", rec_text(in->description),
	    "category", in->category,
	    "category_other", rec_text(in->category_other),
	    "symptoms", rec_stored(in->symptoms),
	    "occurred_at", rec_time(in->occurred_at),
	    "aware_at", rec_time(in->aware_at),
	    "proposed_level", (json_int_t)in->proposed_level,
	    "affected_systems", rec_stored(in->affected_systems),
	    "impact_other_agencies", (int)(in->impact_other_agencies != 0),
	    "critical_sectors", rec_stored(in->critical_sectors),
	    "source", rec_text(in->source),
	    "source_ref", rec_text(in->source_ref),
	    "exercise", (int)(in->exercise != 0),
	    "personal_data_involved", (int)(in->personal_data_involved != 0),
	    "reported_by", rec_text(in->reported_by_name),
	    "vendor_aware_at", rec_time(in->vendor_aware_at),
	    "vendor_reported_at", rec_time(in->vendor_reported_at),
	    "affected_agencies", aff != NULL ? aff : json_array());
}

struct plan_items {
	json_t	*items;
	int	 rc;
};

/* An action as the plan holds it: what was decided (term, title, owner,
 * due date), not how the work goes (its status), which would void the
 * plan's signature at every step. */
static int
plan_add(void *arg, const struct store_improvement *m)
{
	struct plan_items	*P = arg;
	json_t			*o;

	o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)m->id,
	    "term", m->term, "title", m->title, "owner", m->owner,
	    "due_on", m->due_on);
	if (o == NULL || json_array_append_new(P->items, o) != 0) {
		P->rc = TB_ENOMEM;
		return 1;
	}
	return 0;
}

static int
doc_body_fn(void *arg, const struct store_incident_doc *d)
{
	json_t	**out = arg;

	*out = json_loads(d->body, 0, NULL);
	return 1;
}

/* Document kind of incident id as a JSON object (a new reference), or
 * JSON null when there is none. */
static int
rec_doc(struct store_conn *c, int64_t id, const char *kind, json_t **out)
{
	int	 rc;

	*out = NULL;
	rc = store_incident_doc_get(c, id, kind, doc_body_fn, out);
	if (rc == TB_ENOTFOUND) {
		*out = json_null();
		return TB_OK;
	}
	if (rc == TB_OK && *out == NULL)
		rc = TB_ESTORE;
	return rc;
}

/*
 * Builds record r of incident v through c, as it is now, into *out (a
 * new reference): {"record", "incident", "events"} and, for the report,
 * the incident's own fields; for the plan, its actions; for the closure,
 * the lessons learned (P33).
 */
static int
record_build(struct store_conn *c, const struct incident_view *v,
    enum sign_record r, json_t **out)
{
	struct plan_items	 P;
	enum sign_record	 of;
	json_t			*o, *evs, *extra = NULL;
	size_t			 i;
	int			 rc = TB_OK;

	*out = NULL;
	if ((evs = json_array()) == NULL)
		return TB_ENOMEM;
	for (i = 0; i < v->nev; i++)
		if (sign_record_of_event(&v->ev[i], &of) == TB_OK && of == r &&
		    json_array_append_new(evs, rec_event(&v->ev[i],
		    &v->x[i])) != 0) {
			json_decref(evs);
			return TB_ENOMEM;
		}
	o = json_pack("{s:s, s:I, s:o}", "record", sign_record_name(r),
	    "incident", (json_int_t)v->in.id, "events", evs);
	if (o == NULL)
		return TB_ENOMEM;
	switch (r) {
	case SIGN_INCIDENT_REPORT:
		if ((extra = rec_incident(v)) == NULL)
			rc = TB_ENOMEM;
		else
			json_object_set_new(o, "report", extra);
		break;
	case SIGN_IMPROVEMENT_PLAN:
		memset(&P, 0, sizeof(P));
		if ((P.items = json_array()) == NULL)
			rc = TB_ENOMEM;
		else if ((rc = store_improvement_scan(c, v->in.id, plan_add,
		    &P)) == TB_OK)
			rc = P.rc;
		if (P.items != NULL)
			json_object_set_new(o, "actions", P.items);
		break;
	case SIGN_CLOSURE:
		if ((rc = rec_doc(c, v->in.id, "lessons", &extra)) == TB_OK)
			json_object_set_new(o, "lessons", extra);
		break;
	default:
		break;
	}
	if (rc != TB_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return TB_OK;
}

/* The canonical text of a record (a new string) and its SHA-256 in hex;
 * TB_ENOMEM. */
static int
record_canonical(const json_t *rec, char **text, char hash[65])
{
	unsigned char	 d[crypto_hash_sha256_BYTES];

	if ((*text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return TB_ENOMEM;
	crypto_hash_sha256(d, (const unsigned char *)*text, strlen(*text));
	sodium_bin2hex(hash, 65, d, sizeof(d));
	return TB_OK;
}

/* --- differences ---------------------------------------------------- */

/* Appends one difference at path to out (until RECORD_DIFF_MAX). */
static void
diff_add(json_t *out, const char *path, json_t *before, json_t *after)
{
	const char	*change = before == NULL ? "added" : after == NULL ?
			    "removed" : "changed";

	if (json_array_size(out) >= RECORD_DIFF_MAX)
		return;
	json_array_append_new(out, json_pack("{s:s, s:s, s:O, s:O}", "path",
	    path[0] != '\0' ? path : "/", "change", change,
	    "before", before != NULL ? before : json_null(),
	    "after", after != NULL ? after : json_null()));
}

/* Appends "/" and seg escaped for a JSON pointer (RFC 6901) to path of
 * length *len; false when it does not fit. */
static bool
diff_push(char *path, size_t *len, const char *seg)
{
	size_t	 n = *len;

	if (n + 1 >= DIFF_PATH_MAX)
		return false;
	path[n++] = '/';
	for (; *seg != '\0'; seg++) {
		const char *rep = *seg == '~' ? "~0" : *seg == '/' ? "~1" :
		    NULL;
		size_t	    k = rep != NULL ? 2 : 1;

		if (n + k >= DIFF_PATH_MAX)
			return false;
		memcpy(path + n, rep != NULL ? rep : seg, k);
		n += k;
	}
	path[n] = '\0';
	*len = n;
	return true;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Walks a (what was signed) and b (what is now) together, appending to
 * out every leaf that differs, with its JSON pointer, in key order.
 * Either side may be NULL for a member only the other has.
 */
static void
diff_walk(json_t *a, json_t *b, char *path, size_t len, json_t *out)
{
	size_t		 i, n, k, base = len;
	const char	**keys, *key;
	json_t		*x;
	char		 idx[24];

	if (json_array_size(out) >= RECORD_DIFF_MAX)
		return;
	if (json_is_object(a) && json_is_object(b)) {
		n = json_object_size(a) + json_object_size(b);
		if ((keys = calloc(n > 0 ? n : 1, sizeof(*keys))) == NULL) {
			diff_add(out, path, a, b);
			return;
		}
		k = 0;
		json_object_foreach(a, key, x)
			keys[k++] = key;
		json_object_foreach(b, key, x)
			if (json_object_get(a, key) == NULL)
				keys[k++] = key;
		qsort(keys, k, sizeof(*keys), key_cmp);
		for (i = 0; i < k; i++) {
			len = base;
			if (!diff_push(path, &len, keys[i])) {
				path[base] = '\0';
				diff_add(out, path, a, b);
				break;
			}
			diff_walk(json_object_get(a, keys[i]),
			    json_object_get(b, keys[i]), path, len, out);
			path[base] = '\0';
		}
		free(keys);
		return;
	}
	if (json_is_array(a) && json_is_array(b)) {
		n = json_array_size(a) > json_array_size(b) ?
		    json_array_size(a) : json_array_size(b);
		for (i = 0; i < n; i++) {
			len = base;
			tb_snprintf(idx, sizeof(idx), "%zu", i);
			if (!diff_push(path, &len, idx)) {
				path[base] = '\0';
				diff_add(out, path, a, b);
				break;
			}
			diff_walk(json_array_get(a, i), json_array_get(b, i),
			    path, len, out);
			path[base] = '\0';
		}
		return;
	}
	if (a == NULL || b == NULL || !json_equal(a, b))
		diff_add(out, path, a, b);
}

/* The differences between the signed text and the record now; a new
 * reference (an empty array when the text does not parse). */
static json_t *
record_diff(const char *signed_text, json_t *now)
{
	json_t	*before, *out = json_array();
	char	 path[DIFF_PATH_MAX] = "";

	if (out == NULL)
		return NULL;
	if ((before = json_loads(signed_text, 0, NULL)) != NULL) {
		diff_walk(before, now, path, 0, out);
		json_decref(before);
	}
	return out;
}

/* --- signatures (P32) ----------------------------------------------- */

/* The latest signature of one record in one role. */
struct sig_latest {
	bool		 present;
	char		 hash[65];
	char		*canonical;
	char		 username[64];
	char		 name[512];
	int64_t		 at, seq;
};

/* Every record's latest signatures and history. */
struct sig_set {
	struct sig_latest	 s[SIGN_RECORD__COUNT][SIGN_ROLE__COUNT];
	json_t			*history[SIGN_RECORD__COUNT];
	int			 rc;
};

static int
sig_set_add(void *arg, const struct store_signature *g)
{
	struct sig_set		*S = arg;
	struct sig_latest	*l;
	enum sign_record	 r;
	enum sign_role		 role;
	json_t			*h;

	if (sign_record_from_name(g->record, &r) != TB_OK ||
	    sign_role_from_name(g->role, &role) != TB_OK) {
		S->rc = TB_ESTORE;
		return 1;
	}
	/* Rows come in event order: the last one of a slot is its
	 * latest. */
	l = &S->s[r][role];
	free(l->canonical);
	memset(l, 0, sizeof(*l));
	l->present = true;
	tb_strlcpy(l->hash, g->hash, sizeof(l->hash));
	tb_strlcpy(l->username, g->signer_username, sizeof(l->username));
	tb_strlcpy(l->name, g->signer_name, sizeof(l->name));
	l->at = g->signed_at;
	l->seq = g->event_seq;
	if ((l->canonical = strdup(g->canonical)) == NULL) {
		S->rc = TB_ENOMEM;
		return 1;
	}
	h = json_pack("{s:s, s:s, s:s, s:o, s:s, s:I}", "role", g->role,
	    "by", g->signer_username, "name", g->signer_name,
	    "at", closure_time_json(g->signed_at), "hash", g->hash,
	    "event", (json_int_t)g->event_seq);
	if (h == NULL || json_array_append_new(S->history[r], h) != 0) {
		S->rc = TB_ENOMEM;
		return 1;
	}
	return 0;
}

static void
sig_set_free(struct sig_set *S)
{
	int	 r, k;

	for (r = 0; r < SIGN_RECORD__COUNT; r++) {
		for (k = 0; k < SIGN_ROLE__COUNT; k++)
			free(S->s[r][k].canonical);
		json_decref(S->history[r]);
	}
	memset(S, 0, sizeof(*S));
}

static int
sig_set_load(struct store_conn *c, int64_t id, struct sig_set *S)
{
	int	 r, rc;

	memset(S, 0, sizeof(*S));
	for (r = 0; r < SIGN_RECORD__COUNT; r++)
		if ((S->history[r] = json_array()) == NULL)
			return TB_ENOMEM;
	if ((rc = store_signature_scan(c, id, sig_set_add, S)) != TB_OK)
		return rc;
	return S->rc;
}

/* One slot as the API shows it, or null when nobody signed in it. */
static json_t *
slot_json(const struct sig_latest *l, bool valid)
{
	if (!l->present)
		return json_null();
	return json_pack("{s:s, s:s, s:o, s:s, s:b, s:I}", "by", l->username,
	    "name", l->name, "at", closure_time_json(l->at), "hash", l->hash,
	    "valid", (int)valid, "event", (json_int_t)l->seq);
}

/*
 * The state of every record of incident v, as GET .../signatures shows
 * it: an array, one object per record in the order of enum sign_record.
 * Built through c; *out is a new reference.
 */
static int
signatures_status(struct store_conn *c, const struct incident_view *v,
    json_t **out)
{
	struct sig_set		 S;
	struct sign_slot	 slot[SIGN_ROLE__COUNT];
	json_t			*arr, *rec = NULL, *o, *diff;
	char			*text = NULL, hash[65];
	int			 r, k, rc;

	*out = NULL;
	if ((arr = json_array()) == NULL)
		return TB_ENOMEM;
	if ((rc = sig_set_load(c, v->in.id, &S)) != TB_OK)
		goto out;
	for (r = 0; r < SIGN_RECORD__COUNT; r++) {
		const struct sig_latest	*stale = NULL;
		bool			 exists = sign_record_exists(r, v->ev,
					     v->nev);
		enum sign_state		 st;

		hash[0] = '\0';
		if (exists) {
			if ((rc = record_build(c, v, r, &rec)) != TB_OK ||
			    (rc = record_canonical(rec, &text, hash)) !=
			    TB_OK)
				goto out;
		}
		for (k = 0; k < SIGN_ROLE__COUNT; k++) {
			const struct sig_latest *l = &S.s[r][k];

			slot[k].present = l->present;
			slot[k].valid = l->present && exists &&
			    strcmp(l->hash, hash) == 0;
			/* The difference is shown against the latest
			 * signature that no longer holds. */
			if (l->present && !slot[k].valid &&
			    (stale == NULL || l->seq > stale->seq))
				stale = l;
		}
		st = sign_state_of(exists, slot);
		o = json_pack("{s:s, s:b, s:o, s:s, s:b, s:o, s:o, s:O}",
		    "record", sign_record_name(r), "exists", (int)exists,
		    "hash", exists ? json_string(hash) : json_null(),
		    "state", sign_state_name(st),
		    "needs_signing", (int)(exists && st != SIGN_STATE_SIGNED),
		    "responsible", slot_json(&S.s[r][SIGN_ROLE_RESPONSIBLE],
		    slot[SIGN_ROLE_RESPONSIBLE].valid),
		    "ciso", slot_json(&S.s[r][SIGN_ROLE_CISO],
		    slot[SIGN_ROLE_CISO].valid),
		    "history", S.history[r]);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = TB_ENOMEM;
			goto out;
		}
		if (stale != NULL && exists) {
			if ((diff = record_diff(stale->canonical, rec)) ==
			    NULL) {
				rc = TB_ENOMEM;
				goto out;
			}
			json_object_set_new(o, "diff", diff);
			json_object_set_new(o, "diff_against",
			    json_integer(stale->seq));
		}
		json_decref(rec);
		rec = NULL;
		free(text);
		text = NULL;
	}
	*out = arr;
	arr = NULL;
out:
	sig_set_free(&S);
	json_decref(rec);
	json_decref(arr);
	free(text);
	return rc;
}

int
api_signatures_list(struct http_req *req)
{
	struct incident_view	 v;
	struct store_conn	*c;
	json_t			*items = NULL;
	int			 rc, actable;

	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	/* One snapshot for the incident, its actions and signatures. */
	if ((rc = store_tx_begin(c)) == TB_OK) {
		rc = closure_incident_load(req, c, closure_param_id(req, "id"),
		    &v, &actable);
		if (rc == TB_OK)
			rc = signatures_status(c, &v, &items);
		store_tx_rollback(c);
		incident_view_cleanup(&v);
	}
	store_release(c);
	if (rc != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	http_reply_json(req, 200, json_pack("{s:o, s:n}", "items", items,
	    "next_cursor"));
	http_reply_header(req, "Cache-Control", "no-store");
	return 0;
}

static const struct json_field sign_fields[] = {
	{ "record", JF_STRING, 1, 1, 32 },
	{ "role", JF_STRING, 0, 1, 16 },
};

/*
 * The slot the caller signs record r in: the one asked for (want >= 0)
 * or, when none was, the CISO's if the caller is a CISO and it is not
 * signed as the record is now, else the responsible person's.  Returns
 * the slot, -1 when the caller may sign in no slot asked (403), -2 when
 * every slot they may sign is signed already as it is (409).
 */
static int
sign_slot_pick(const struct http_req *req, enum sign_record r, int want,
    const struct sig_set *S, const char *hash)
{
	static const enum sign_role	 order[] = {
		SIGN_ROLE_CISO, SIGN_ROLE_RESPONSIBLE,
	};
	int				 allowed = 0;
	size_t				 i;

	for (i = 0; i < NELEM(order); i++) {
		const struct sig_latest	*l = &S->s[r][order[i]];

		if (want >= 0 && (int)order[i] != want)
			continue;
		if ((sign_roles(r, order[i]) & req->who->roles) == 0)
			continue;
		allowed = 1;
		if (!l->present || strcmp(l->hash, hash) != 0)
			return (int)order[i];
	}
	return allowed ? -2 : -1;
}

int
api_signatures_create(struct http_req *req)
{
	struct incident_view	 v;
	struct incident_facts	 f;
	struct idem		 k;
	struct store_signature	 g;
	struct store_event	 se;
	struct sig_set		 S;
	struct event		 nw;
	struct store_conn	*c = NULL;
	enum sign_record	 r;
	enum sign_role		 role = SIGN_ROLE__COUNT;
	json_t			*body = NULL, *rec = NULL, *fields = NULL;
	json_t			*out = NULL;
	const char		*reason;
	char			*text = NULL, *ftext = NULL, *otext = NULL;
	char			 hash[65], idstr[24], location[96];
	int64_t			 id = closure_param_id(req, "id");
	int64_t			 now = tb_now_us();
	unsigned		 can;
	int			 rc, actable, slot;

	memset(&v, 0, sizeof(v));
	memset(&S, 0, sizeof(S));
	if (idem_begin(req, NULL, &k) != 0)
		return 0;
	if (http_json_body(req, sign_fields, NELEM(sign_fields), &body) !=
	    TB_OK)
		return 0;
	if (sign_record_from_name(json_string_value(json_object_get(body,
	    "record")), &r) != TB_OK) {
		http_reply_error(req, "invalid_field", "record",
		    http_msg(req, "紀錄須為 incident_report、"
		    "damage_control、root_cause、improvement_plan 或 closure",
		    "record must be "
		    "incident_report, damage_control, root_cause, "
		    "improvement_plan or closure"));
		goto out;
	}
	if (json_string_value(json_object_get(body, "role")) != NULL &&
	    sign_role_from_name(json_string_value(json_object_get(body,
	    "role")), &role) != TB_OK) {
		http_reply_error(req, "invalid_field", "role", http_msg(req,
		    "簽核身分須為 responsible 或 ciso",
		    "role must be responsible or ciso"));
		goto out;
	}

	if ((rc = store_write(req->app->store, &c)) != TB_OK ||
	    (rc = store_tx_begin(c)) != TB_OK)
		goto fail;
	if (idem_replay(req, c, &k) != 0)
		goto fail;
	if ((rc = closure_incident_load(req, c, id, &v, &actable)) != TB_OK)
		goto fail;
	/* P32: the agency's responsible person and its CISO sign their
	 * own agency's records; nobody else, whatever else they may do. */
	can = role == SIGN_ROLE__COUNT ? sign_roles(r, SIGN_ROLE_RESPONSIBLE) |
	    sign_roles(r, SIGN_ROLE_CISO) : sign_roles(r, role);
	if (!actable || (can & req->who->roles) == 0) {
		store_tx_rollback(c);
		http_reply_error(req, "forbidden", "record", http_msg(req,
		    "您不能簽核這份紀錄（第三十二點：由負責人員及資通安全長"
		    "簽核）",
		    "You may not sign this record (P32: the responsible "
		    "person and the CISO sign it)"));
		goto out;
	}
	if (!sign_record_exists(r, v.ev, v.nev)) {
		store_tx_rollback(c);
		http_reply_json(req, 409, json_pack("{s:{s:s, s:s, s:s, s:s}}",
		    "error", "code", "precondition_failed", "message",
		    http_msg(req, "這份紀錄尚未建立，無法簽核",
		    "This record does not exist yet; there is nothing to "
		    "sign"), "field", "record", "reason", "record_missing"));
		goto out;
	}
	if ((rc = record_build(c, &v, r, &rec)) != TB_OK ||
	    (rc = record_canonical(rec, &text, hash)) != TB_OK ||
	    (rc = sig_set_load(c, id, &S)) != TB_OK)
		goto fail;
	slot = sign_slot_pick(req, r, role == SIGN_ROLE__COUNT ? -1 :
	    (int)role, &S, hash);
	if (slot == -1) {
		store_tx_rollback(c);
		http_reply_error(req, "forbidden", "role", NULL);
		goto out;
	}
	if (slot == -2) {
		store_tx_rollback(c);
		http_reply_error(req, "conflict", "record", http_msg(req,
		    "您已簽核這份紀錄的現行內容",
		    "You signed this record as it is already"));
		goto out;
	}

	/* The signed event, checked by the rules like any other. */
	memset(&nw, 0, sizeof(nw));
	nw.id = v.max_seq + 1;
	nw.type = EVENT_SIGNED;
	nw.at = now;
	incident_view_facts(&v, &f);
	if ((rc = incident_event_check(NULL, &f, v.ev, v.nev, &nw, now,
	    &reason)) != TB_OK) {
		store_tx_rollback(c);
		http_reply_error(req, rc == TB_ECONFLICT ?
		    "precondition_failed" : "invalid_field", "record", reason);
		goto out;
	}
	if ((fields = json_pack("{s:s, s:s, s:s}", "record",
	    sign_record_name(r), "role", sign_role_name(slot), "hash",
	    hash)) == NULL || (ftext = json_dumps(fields, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	memset(&se, 0, sizeof(se));
	se.incident = id;
	se.seq = nw.id;
	se.type = event_type_name(EVENT_SIGNED);
	se.at = now;
	se.actor = req->who->user_id;
	se.actor_name = req->who->username;
	se.recorded_at = now;
	se.level = -1;
	se.fields = ftext;
	memset(&g, 0, sizeof(g));
	g.id = store_new_id();
	g.incident = id;
	g.record = sign_record_name(r);
	g.role = sign_role_name(slot);
	g.signer = req->who->user_id;
	g.signer_username = req->who->username;
	g.signer_name = req->who->name;
	g.signed_at = now;
	g.hash = hash;
	g.canonical = text;
	g.event_seq = nw.id;
	if ((rc = store_event_insert(c, &se)) != TB_OK ||
	    (rc = store_signature_insert(c, &g)) != TB_OK ||
	    (rc = store_incident_touch(c, id, v.in.version, v.in.level,
	    v.in.state, now)) != TB_OK)
		goto fail;
	/* P32: the hash of exactly what was signed enters the audit
	 * chain, so the signature itself cannot be altered unseen. */
	if ((out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:I}",
	    "incident", (json_int_t)id, "record", g.record, "role", g.role,
	    "hash", hash, "signed_at", closure_time_json(now),
	    "by", g.signer_username, "name", g.signer_name,
	    "event", (json_int_t)nw.id)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	if ((rc = auth_audit(req, c, "incident.sign", "incident", idstr,
	    v.in.agency, NULL, out)) != TB_OK)
		goto fail;
	if ((otext = json_dumps(out, JSON_COMPACT)) == NULL) {
		rc = TB_ENOMEM;
		goto fail;
	}
	tb_snprintf(location, sizeof(location),
	    "/api/v1/incidents/%lld/signatures", (long long)id);
	if ((rc = idem_record(req, c, &k, 201, location, otext,
	    now)) != TB_OK || (rc = store_tx_commit(c)) != TB_OK)
		goto fail;
	closure_reply_text(req, 201, otext, location, 0);
	goto out;
fail:
	store_tx_rollback(c);
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
out:
	if (c != NULL)
		store_release(c);
	sig_set_free(&S);
	incident_view_cleanup(&v);
	free(text);
	free(ftext);
	free(otext);
	json_decref(fields);
	json_decref(rec);
	json_decref(out);
	json_decref(body);
	return 0;
}

/* --- the printed record (P32, P33) ----------------------------------- */

/* A time in the ROC calendar into b, "" for none. */
static const char *
roc(int64_t t, char b[TBTIME_ROC_SIZE])
{
	if (t == TBTIME_NONE || tbtime_format_roc(t, b, TBTIME_ROC_SIZE) !=
	    TB_OK)
		b[0] = '\0';
	return b;
}

/* A block of the document model of its kind k with text t. */
static int
doc_text(json_t *doc, const char *k, const char *t)
{
	return json_array_append_new(doc, json_pack("{s:s, s:s}", "k", k,
	    "t", t != NULL ? t : "")) == 0 ? TB_OK : TB_ENOMEM;
}

/* A new label/value table, appended to doc; borrowed. */
static json_t *
doc_kv(json_t *doc)
{
	json_t	*b = json_pack("{s:s, s:[]}", "k", "kv", "rows");

	if (b == NULL || json_array_append_new(doc, b) != 0)
		return NULL;
	return b;
}

/* Adds a row to a label/value table; an empty value shows as "—". */
static void
kv_row(json_t *kv, const char *label, const char *value)
{
	if (kv == NULL)
		return;
	json_array_append_new(json_object_get(kv, "rows"), json_pack("[s, s]",
	    label, value != NULL && value[0] != '\0' ? value : "—"));
}

/* A new table of n columns (headers cols, widths w in percent),
 * appended to doc; borrowed. */
static json_t *
doc_table(json_t *doc, const char *const *cols, const int *w, size_t n)
{
	json_t	*b, *c, *ws;
	size_t	 i;

	b = json_pack("{s:s, s:[], s:[], s:[], s:[]}", "k", "table", "cols",
	    "w", "rows", "cls");
	if (b == NULL || json_array_append_new(doc, b) != 0)
		return NULL;
	c = json_object_get(b, "cols");
	ws = json_object_get(b, "w");
	for (i = 0; i < n; i++) {
		json_array_append_new(c, json_string(cols[i]));
		json_array_append_new(ws, json_integer(w[i]));
	}
	return b;
}

/* Adds a row of n cells (with class cls, "" for none) to a table. */
static void
table_row(json_t *t, const char *cls, const char *const *cells, size_t n)
{
	json_t	*row;
	size_t	 i;

	if (t == NULL || (row = json_array()) == NULL)
		return;
	for (i = 0; i < n; i++)
		json_array_append_new(row, json_string(cells[i] != NULL ?
		    cells[i] : ""));
	json_array_append_new(json_object_get(t, "rows"), row);
	json_array_append_new(json_object_get(t, "cls"), json_string(cls));
}

/* Writes value v of field as people read it into b (labels for codes,
 * ROC dates for times, 是/否, lists joined with 、). */
static void
fmt_value(struct buf *b, const char *field, json_t *v)
{
	char		 t[TBTIME_ROC_SIZE];
	const char	*key, *s;
	json_t		*x;
	size_t		 i;
	int64_t		 at;
	int		 first = 1;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		if ((strcmp(field, "notified_at") == 0 ||
		    strcmp(field, "incident_time") == 0 ||
		    strcmp(field, "at") == 0) && tbtime_parse(s, &at) == TB_OK)
			buf_adds(b, roc(at, t));
		else
			buf_adds(b, value_label(field, s));
		break;
	case JSON_INTEGER:
		if (strcmp(field, "level") == 0)
			buf_printf(b, "第 %lld 級",
			    (long long)json_integer_value(v));
		else
			buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_TRUE:
		buf_adds(b, "是");
		break;
	case JSON_FALSE:
		buf_adds(b, "否");
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) {
			if (i > 0)
				buf_adds(b, "、");
			fmt_value(b, field, x);
		}
		break;
	case JSON_OBJECT:
		/* A team member (P19) reads "who（role）"; a system (P22)
		 * "name：back in time or not"; anything else its fields. */
		if ((s = json_string_value(json_object_get(v, "username"))) !=
		    NULL) {
			buf_printf(b, "%s（%s）", s, value_label("role",
			    json_string_value(json_object_get(v, "role")) ?
			    json_string_value(json_object_get(v, "role")) :
			    ""));
			break;
		}
		json_object_foreach(v, key, x) {
			if (!first)
				buf_adds(b, "，");
			first = 0;
			if (strcmp(key, "name") != 0)
				buf_printf(b, "%s：", LABEL(field_labels, key));
			fmt_value(b, key, x);
		}
		break;
	default:
		break;
	}
}

/* The fields of an event or document, one "label：value" a line, into b
 * (reset first); skip names a field left out (NULL: none). */
static const char *
fmt_fields(struct buf *b, json_t *fields, const char *skip)
{
	const char	*key;
	json_t		*x;

	buf_reset(b);
	json_object_foreach(fields, key, x) {
		if (json_is_null(x) || (skip != NULL && strcmp(key, skip) == 0))
			continue;
		if (b->len > 0)
			buf_adds(b, "\n");
		buf_printf(b, "%s：", LABEL(field_labels, key));
		fmt_value(b, key, x);
	}
	return buf_str(b);
}

/* Adds every field of obj to a label/value table in the order of the
 * labels table (names not there after, in their own order). */
static void
kv_fields(json_t *kv, json_t *obj, struct buf *b)
{
	const char	*key;
	json_t		*x;
	size_t		 i;

	for (i = 0; i < NELEM(field_labels); i++) {
		if ((x = json_object_get(obj, field_labels[i].name)) == NULL ||
		    json_is_null(x))
			continue;
		buf_reset(b);
		fmt_value(b, field_labels[i].name, x);
		kv_row(kv, field_labels[i].zh, buf_str(b));
	}
	json_object_foreach(obj, key, x) {
		if (json_is_null(x) || strcmp(LABEL(field_labels, key), key) !=
		    0)
			continue;
		buf_reset(b);
		fmt_value(b, key, x);
		kv_row(kv, key, buf_str(b));
	}
}

/* The fields of event i of v as a JSON object (a new reference). */
static json_t *
event_fields(const struct incident_view *v, size_t i)
{
	json_t	*f = json_loads(v->x[i].fields, 0, NULL);

	return f != NULL ? f : json_object();
}

/* The labels of a JSON array text of form list codes, joined. */
static void
fmt_codes(struct buf *b, const char *text, int symptoms)
{
	json_t		*a = text != NULL ? json_loads(text, 0, NULL) : NULL;
	json_t		*x;
	const char	*l, *s;
	size_t		 i;

	buf_reset(b);
	json_array_foreach(a, i, x) {
		if ((s = json_string_value(x)) == NULL)
			continue;
		l = symptoms ? form_symptom_label(s) : form_label(FORM_SECTOR,
		    s);
		if (b->len > 0)
			buf_adds(b, "、");
		buf_adds(b, l != NULL ? l : s);
	}
	json_decref(a);
}

/* The names of the affected systems of an incident, joined. */
static void
fmt_systems(struct buf *b, const char *text)
{
	json_t		*a = text != NULL ? json_loads(text, 0, NULL) : NULL;
	json_t		*x;
	const char	*s;
	size_t		 i;

	buf_reset(b);
	json_array_foreach(a, i, x) {
		if ((s = json_string_value(json_object_get(x, "name"))) ==
		    NULL)
			continue;
		if (b->len > 0)
			buf_adds(b, "、");
		buf_adds(b, s);
		if (json_is_true(json_object_get(x, "core")))
			buf_adds(b, "（核心）");
	}
	json_decref(a);
}

/* Section one: the incident at a glance. */
static void
doc_summary(json_t *doc, const struct incident_view *v, struct buf *b)
{
	const struct store_incident	*in = &v->in;
	json_t				*kv;
	char				 t[TBTIME_ROC_SIZE], n[64];
	const char			*cat;
	size_t				 i;

	doc_text(doc, "h", "一、事件概要");
	if ((kv = doc_kv(doc)) == NULL)
		return;
	kv_row(kv, "事件名稱", in->title);
	buf_reset(b);
	buf_printf(b, "%s（%s）", in->agency_name != NULL ? in->agency_name :
	    "", in->agency);
	kv_row(kv, "通報機關", buf_str(b));
	cat = form_label(FORM_CATEGORY, in->category);
	buf_reset(b);
	buf_adds(b, cat != NULL ? cat : in->category);
	if (in->category_other != NULL)
		buf_printf(b, "：%s", in->category_other);
	kv_row(kv, "事件分類", buf_str(b));
	fmt_codes(b, in->symptoms, 1);
	kv_row(kv, "事件徵狀", buf_str(b));
	kv_row(kv, "發生時間", roc(in->occurred_at, t));
	kv_row(kv, "知悉時間", roc(in->aware_at, t));
	tb_snprintf(n, sizeof(n), "第 %lld 級（機關初判第 %lld 級）",
	    (long long)in->level, (long long)in->proposed_level);
	kv_row(kv, "事件等級", n);
	kv_row(kv, "事件狀態", LABEL(istate_labels, in->state));
	kv_row(kv, "事件說明", in->description);
	fmt_systems(b, in->affected_systems);
	kv_row(kv, "受影響系統", buf_str(b));
	buf_reset(b);
	for (i = 0; i < v->naff; i++)
		buf_printf(b, "%s%s", i > 0 ? "、" : "", v->affected[i]);
	kv_row(kv, "受影響機關", buf_str(b));
	fmt_codes(b, in->critical_sectors, 0);
	kv_row(kv, "影響關鍵領域", buf_str(b));
	kv_row(kv, "涉及個人資料", in->personal_data_involved ? "是" : "否");
	kv_row(kv, "通報人員", in->reported_by_name);
	kv_row(kv, "演練", in->exercise ? "是（演練，不列入實際事件統計）" :
	    "否");
}

/* Section two: every event, in the order of time. */
static void
doc_timeline(json_t *doc, const struct incident_view *v, struct buf *b)
{
	static const char *const cols[] = { "時間", "紀錄", "登錄者", "內容" };
	static const int	 w[] = { 22, 16, 12, 50 };
	json_t			*tb, *f;
	char			 t[TBTIME_ROC_SIZE];
	const char		*cells[4];
	size_t			 i;

	doc_text(doc, "h", "二、事件時間軸");
	if (v->nev == 0) {
		doc_text(doc, "p", "（尚無紀錄）");
		return;
	}
	if ((tb = doc_table(doc, cols, w, NELEM(cols))) == NULL)
		return;
	for (i = 0; i < v->nev; i++) {
		f = event_fields(v, i);
		cells[0] = roc(v->ev[i].at, t);
		cells[1] = LABEL(event_labels, v->x[i].type);
		cells[2] = v->x[i].actor_name;
		cells[3] = fmt_fields(b, f, NULL);
		table_row(tb, "", cells, NELEM(cells));
		json_decref(f);
	}
}

/* Section three: the obligations and their deadlines at now. */
static void
doc_obligations(json_t *doc, const struct incident_view *v, int64_t now,
    struct buf *b)
{
	static const char *const cols[] = {
		"應辦事項", "對象", "期限", "完成時間", "狀態",
	};
	static const int	 w[] = { 24, 14, 24, 24, 14 };
	struct obligation	*ob = NULL;
	json_t			*tb;
	char			 t1[TBTIME_ROC_SIZE], t2[TBTIME_ROC_SIZE];
	const char		*cells[5];
	size_t			 nob = 0, i;

	doc_text(doc, "h", "三、應辦事項及期限");
	if (incident_view_obligations(v, now, &ob, &nob) != TB_OK ||
	    (tb = doc_table(doc, cols, w, NELEM(cols))) == NULL) {
		deadline_free(ob);
		return;
	}
	for (i = 0; i < nob; i++) {
		buf_reset(b);
		buf_adds(b, LABEL(obligation_labels,
		    obligation_name(ob[i].name)));
		if (ob[i].period > 0)
			buf_printf(b, "（第 %d 期）", ob[i].period);
		cells[0] = buf_str(b);
		cells[1] = ob[i].subject;
		cells[2] = ob[i].due_at == TBTIME_NONE ? "無固定期限" :
		    roc(ob[i].due_at, t1);
		cells[3] = roc(ob[i].met_at, t2);
		cells[4] = LABEL(ostate_labels,
		    obligation_state_name(ob[i].state));
		table_row(tb, ob[i].state == OBLIGATION_OVERDUE ? "late" : "",
		    cells, NELEM(cells));
	}
	deadline_free(ob);
}

/* The last event of type t of v, or -1. */
static ssize_t
last_event(const struct incident_view *v, enum event_type t)
{
	ssize_t	 i;

	for (i = (ssize_t)v->nev - 1; i >= 0; i--)
		if (v->ev[i].type == t)
			return i;
	return -1;
}

/* A section made of the fields of the last event of type t. */
static void
doc_event_section(json_t *doc, const struct incident_view *v,
    enum event_type t, const char *none, struct buf *b)
{
	char	 tm[TBTIME_ROC_SIZE];
	ssize_t	 i = last_event(v, t);
	json_t	*kv, *f;

	if (i < 0) {
		doc_text(doc, "p", none);
		return;
	}
	if ((kv = doc_kv(doc)) == NULL)
		return;
	kv_row(kv, "紀錄時間", roc(v->ev[i].at, tm));
	kv_row(kv, "登錄者", v->x[i].actor_name);
	f = event_fields(v, (size_t)i);
	kv_fields(kv, f, b);
	json_decref(f);
}

struct doc_actions {
	json_t		*tb;
	int64_t		 now;
};

static int
doc_action_row(void *arg, const struct store_improvement *m)
{
	struct doc_actions	*D = arg;
	struct tbtime_date	 due;
	enum improvement_term	 term;
	enum improvement_status	 st;
	char			 d[TBTIME_ROC_SIZE], t[TBTIME_ROC_SIZE];
	const char		*cells[7];
	enum obligation_state	 os = OBLIGATION_PENDING;

	d[0] = '\0';
	if (tbtime_parse_date(m->due_on, strlen(m->due_on), &due) == TB_OK) {
		tbtime_format_roc_date(&due, d, sizeof(d));
		os = closure_action_state(&due, m->done_at, D->now);
	}
	cells[0] = improvement_term_from_name(m->term, &term) == TB_OK ?
	    term_zh[term] : m->term;
	cells[1] = m->title;
	cells[2] = m->owner;
	cells[3] = d;
	cells[4] = improvement_status_from_name(m->status, &st) == TB_OK ?
	    status_zh[st] : m->status;
	cells[5] = roc(m->done_at, t);
	cells[6] = LABEL(ostate_labels, obligation_state_name(os));
	table_row(D->tb, os == OBLIGATION_OVERDUE ? "late" : "", cells,
	    NELEM(cells));
	return 0;
}

/* Section five: the plan and its actions (P29-P31). */
static int
doc_plan(json_t *doc, struct store_conn *c, const struct incident_view *v,
    int64_t now, struct buf *b)
{
	static const char *const cols[] = {
		"期程", "改善措施", "負責人", "預定完成日", "辦理狀態",
		"完成時間", "追蹤",
	};
	static const int	 w[] = { 8, 26, 12, 16, 10, 18, 10 };
	struct doc_actions	 D;

	doc_text(doc, "h", "五、改善計畫及措施（第二十九點至第三十一點）");
	doc_event_section(doc, v, EVENT_PLAN_APPROVED,
	    "（改善計畫尚未核定）", b);
	D.now = now;
	if ((D.tb = doc_table(doc, cols, w, NELEM(cols))) == NULL)
		return TB_ENOMEM;
	return store_improvement_scan(c, v->in.id, doc_action_row, &D);
}

/* Sections six and eight: a document of the incident. */
static int
doc_document(json_t *doc, struct store_conn *c, const struct incident_view *v,
    const char *kind, const char *heading, const char *none, struct buf *b)
{
	json_t	*d = NULL, *kv;
	int	 rc;

	doc_text(doc, "h", heading);
	if ((rc = rec_doc(c, v->in.id, kind, &d)) != TB_OK)
		return rc;
	if (json_is_null(d) || json_object_size(d) == 0)
		doc_text(doc, "p", none);
	else if ((kv = doc_kv(doc)) != NULL)
		kv_fields(kv, d, b);
	json_decref(d);
	return TB_OK;
}

/* A signature slot as printed: name, account, time, and void or not. */
static const char *
fmt_slot(struct buf *b, json_t *slot)
{
	char		 t[TBTIME_ROC_SIZE];
	int64_t		 at;
	const char	*s;

	buf_reset(b);
	if (!json_is_object(slot))
		return "—";
	s = json_string_value(json_object_get(slot, "at"));
	buf_printf(b, "%s（%s）\n%s%s",
	    json_string_value(json_object_get(slot, "name")),
	    json_string_value(json_object_get(slot, "by")),
	    s != NULL && tbtime_parse(s, &at) == TB_OK ? roc(at, t) : "",
	    json_is_true(json_object_get(slot, "valid")) ? "" :
	    "\n（紀錄已變更，簽核失效）");
	return buf_str(b);
}

/* Section nine: the records and their signatures (P32). */
static int
doc_signatures(json_t *doc, struct store_conn *c,
    const struct incident_view *v, struct buf *b)
{
	static const char *const cols[] = {
		"紀錄", "狀態", "負責人員", "資通安全長",
		"紀錄雜湊值（SHA-256）",
	};
	static const int	 w[] = { 16, 14, 22, 22, 26 };
	struct buf		 b2;
	json_t			*st = NULL, *tb, *o;
	const char		*cells[5], *h, *state;
	enum sign_state		 ss;
	char			 hash[80];
	size_t			 i;
	int			 rc;

	doc_text(doc, "h", "九、紀錄簽核（第三十二點）");
	doc_text(doc, "p", "各紀錄由負責人員及資通安全長簽核；簽核涵蓋紀錄"
	    "當時內容的雜湊值，並記入稽核軌跡。紀錄於簽核後變更者，簽核即"
	    "失效，須重新簽核。");
	if ((rc = signatures_status(c, v, &st)) != TB_OK)
		return rc;
	if ((tb = doc_table(doc, cols, w, NELEM(cols))) == NULL) {
		json_decref(st);
		return TB_ENOMEM;
	}
	buf_init(&b2, CLOSURE_TEXT_MAX);
	json_array_foreach(st, i, o) {
		state = json_string_value(json_object_get(o, "state"));
		ss = SIGN_STATE_NOT_READY;
		for (int k = 0; k < SIGN_STATE__COUNT; k++)
			if (strcmp(sign_state_name(k), state) == 0)
				ss = k;
		h = json_string_value(json_object_get(o, "hash"));
		/* The hash in groups of 16, so that it wraps between
		 * them in a narrow column. */
		if (h != NULL && strlen(h) == 64)
			tb_snprintf(hash, sizeof(hash), "%.16s %.16s %.16s %s",
			    h, h + 16, h + 32, h + 48);
		else
			tb_strlcpy(hash, "—", sizeof(hash));
		cells[0] = record_zh[i < SIGN_RECORD__COUNT ? i : 0];
		cells[1] = sign_state_zh[ss];
		cells[2] = fmt_slot(b, json_object_get(o, "responsible"));
		cells[3] = fmt_slot(&b2, json_object_get(o, "ciso"));
		cells[4] = hash;
		table_row(tb, ss == SIGN_STATE_VOID ? "void" : "", cells,
		    NELEM(cells));
	}
	buf_free(&b2);
	json_decref(st);
	return TB_OK;
}

int
record_doc(struct store_conn *c, const struct incident_view *v, int64_t now,
    json_t **out)
{
	struct buf	 b;
	json_t		*doc;
	char		 t[TBTIME_ROC_SIZE], line[256];
	int		 rc = TB_OK;

	*out = NULL;
	if ((doc = json_array()) == NULL)
		return TB_ENOMEM;
	buf_init(&b, RECORD_OUT_MAX);
	doc_text(doc, "title", "資通安全事件紀錄");
	tb_snprintf(line, sizeof(line), "事件編號 %lld　列印時間 %s",
	    (long long)v->in.id, roc(now, t));
	doc_text(doc, "meta", line);
	if (v->in.exercise)
		doc_text(doc, "mark", "演練");
	doc_summary(doc, v, &b);
	doc_timeline(doc, v, &b);
	doc_obligations(doc, v, now, &b);
	doc_text(doc, "h", "四、根因分析（第二十八點）");
	doc_event_section(doc, v, EVENT_ROOT_CAUSE_RECORDED, v->in.
	    equipment_failure ? "設備故障，免辦根因分析（第二十八點）。" :
	    "（尚未完成根因分析）", &b);
	if ((rc = doc_plan(doc, c, v, now, &b)) != TB_OK ||
	    (rc = doc_document(doc, c, v, "investigation",
	    "六、資訊局調查報告（第三十一點）", "（無）", &b)) != TB_OK)
		goto out;
	doc_text(doc, "h", "七、結報（第三十一點）");
	doc_event_section(doc, v, EVENT_CLOSURE_REPORTED, "（尚未結報）", &b);
	if ((rc = doc_document(doc, c, v, "lessons",
	    "八、經驗學習與人員、程序調整（第三十三點）", "（尚未記錄）", &b))
	    != TB_OK || (rc = doc_signatures(doc, c, v, &b)) != TB_OK)
		goto out;
	*out = doc;
	doc = NULL;
out:
	buf_free(&b);
	json_decref(doc);
	return rc;
}

/* --- HTML ----------------------------------------------------------- */

/* Appends s to b with the five HTML special characters escaped. */
static int
html_esc(struct buf *b, const char *s)
{
	int	 rc = TB_OK;

	for (; s != NULL && *s != '\0' && rc == TB_OK; s++) {
		switch (*s) {
		case '&':
			rc = buf_adds(b, "&amp;");
			break;
		case '<':
			rc = buf_adds(b, "&lt;");
			break;
		case '>':
			rc = buf_adds(b, "&gt;");
			break;
		case '"':
			rc = buf_adds(b, "&quot;");
			break;
		case '\'':
			rc = buf_adds(b, "&#39;");
			break;
		default:
			rc = buf_add(b, s, 1);
		}
	}
	return rc;
}

/* Appends <tag class="cls">text</tag>. */
static int
html_el(struct buf *b, const char *tag, const char *cls, const char *text)
{
	int	 rc;

	if (cls != NULL && cls[0] != '\0')
		rc = buf_printf(b, "<%s class=\"%s\">", tag, cls);
	else
		rc = buf_printf(b, "<%s>", tag);
	if (rc == TB_OK)
		rc = html_esc(b, text);
	return rc == TB_OK ? buf_printf(b, "</%s>", tag) : rc;
}

/* Appends one table block: widths as classes (the CSP forbids inline
 * style), the header repeated by print on every page (thead). */
static int
html_table(struct buf *b, json_t *blk)
{
	json_t	*rows = json_object_get(blk, "rows"), *row, *x, *cls;
	size_t	 i, j;
	int	 rc, kv = strcmp(json_string_value(json_object_get(blk, "k")),
		    "kv") == 0;

	rc = buf_adds(b, kv ? "<table class=\"kv\">" :
	    "<table class=\"grid\">");
	if (!kv && rc == TB_OK) {
		rc = buf_adds(b, "<colgroup>");
		json_array_foreach(json_object_get(blk, "w"), i, x)
			if (rc == TB_OK)
				rc = buf_printf(b, "<col class=\"w%lld\">",
				    (long long)json_integer_value(x));
		if (rc == TB_OK)
			rc = buf_adds(b, "</colgroup><thead><tr>");
		json_array_foreach(json_object_get(blk, "cols"), i, x)
			if (rc == TB_OK)
				rc = html_el(b, "th", "", json_string_value(x));
		if (rc == TB_OK)
			rc = buf_adds(b, "</tr></thead>");
	}
	if (rc == TB_OK)
		rc = buf_adds(b, "<tbody>");
	json_array_foreach(rows, i, row) {
		cls = json_array_get(json_object_get(blk, "cls"), i);
		if (rc == TB_OK)
			rc = json_string_length(cls) > 0 ? buf_printf(b,
			    "<tr class=\"%s\">", json_string_value(cls)) :
			    buf_adds(b, "<tr>");
		json_array_foreach(row, j, x)
			if (rc == TB_OK)
				rc = html_el(b, kv && j == 0 ? "th" : "td", "",
				    json_string_value(x));
		if (rc == TB_OK)
			rc = buf_adds(b, "</tr>");
	}
	return rc == TB_OK ? buf_adds(b, "</tbody></table>") : rc;
}

/* Renders the document model as an HTML page for print (A4, zh-TW). */
static int
html_render(json_t *doc, const char *title, struct buf *b)
{
	const char	*k, *t;
	json_t		*blk;
	size_t		 i;
	int		 rc;

	rc = buf_adds(b, "<!DOCTYPE html>\n<html lang=\"zh-Hant-TW\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width, initial-scale=1\"><title>");
	if (rc == TB_OK)
		rc = html_esc(b, title);
	if (rc == TB_OK)
		rc = buf_adds(b, "</title><link rel=\"stylesheet\" href=\""
		    "/css/print.css\"></head><body><main class=\"record\">"
		    "<p class=\"org\">臺北市政府</p>");
	json_array_foreach(doc, i, blk) {
		if (rc != TB_OK)
			break;
		k = json_string_value(json_object_get(blk, "k"));
		t = json_string_value(json_object_get(blk, "t"));
		if (strcmp(k, "title") == 0)
			rc = html_el(b, "h1", "", t);
		else if (strcmp(k, "meta") == 0)
			rc = html_el(b, "p", "meta", t);
		else if (strcmp(k, "mark") == 0)
			rc = html_el(b, "p", "mark", t);
		else if (strcmp(k, "h") == 0)
			rc = html_el(b, "h2", "", t);
		else if (strcmp(k, "p") == 0)
			rc = html_el(b, "p", "", t);
		else
			rc = html_table(b, blk);
	}
	return rc == TB_OK ? buf_adds(b, "</main></body></html>\n") : rc;
}

/*
 * Loads incident id for the caller and builds its printed record (one
 * snapshot of the reader).  TB_ENOTFOUND out of scope, store errors.
 */
static int
record_load(struct http_req *req, int64_t now, json_t **doc,
    int64_t *id_out)
{
	struct incident_view	 v;
	struct store_conn	*c;
	int			 rc, actable;

	*doc = NULL;
	*id_out = closure_param_id(req, "id");
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return rc;
	if ((rc = store_tx_begin(c)) == TB_OK) {
		rc = closure_incident_load(req, c, *id_out, &v, &actable);
		if (rc == TB_OK)
			rc = record_doc(c, &v, now, doc);
		store_tx_rollback(c);
		incident_view_cleanup(&v);
	}
	store_release(c);
	return rc;
}

int
api_record_html(struct http_req *req)
{
	struct buf	 b;
	json_t		*doc;
	int64_t		 id;
	int		 rc;

	if ((rc = record_load(req, tb_now_us(), &doc, &id)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	buf_init(&b, RECORD_OUT_MAX);
	rc = html_render(doc, RECORD_TITLE, &b);
	json_decref(doc);
	if (rc != TB_OK) {
		buf_free(&b);
		return http_reply_tb_err(req, rc == TB_ETOOBIG ? TB_ENOMEM :
		    rc, NULL);
	}
	http_reply_copy(req, 200, "text/html; charset=utf-8", buf_str(&b),
	    b.len);
	buf_free(&b);
	http_reply_header(req, "Cache-Control", "no-store");
	return 0;
}

int
api_record_pdf(struct http_req *req)
{
	struct buf	 b;
	json_t		*doc, *blk;
	char		 ref[64], footer[128], disp[128], t[TBTIME_ROC_SIZE];
	size_t		 i;
	int64_t		 id, now = tb_now_us();
	int		 rc, exercise = 0;

	if ((rc = record_load(req, now, &doc, &id)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	/* An exercise carries its mark on every page (CONVENTIONS). */
	json_array_foreach(doc, i, blk)
		if (strcmp(json_string_value(json_object_get(blk, "k")),
		    "mark") == 0)
			exercise = 1;
	tb_snprintf(ref, sizeof(ref), "%s事件編號 %lld", exercise ?
	    "【演練】" : "", (long long)id);
	tb_snprintf(footer, sizeof(footer), "列印時間 %s", roc(now, t));
	buf_init(&b, RECORD_OUT_MAX);
	rc = record_pdf_render(doc, RECORD_TITLE, ref, footer, &b);
	json_decref(doc);
	if (rc != TB_OK) {
		buf_free(&b);
		log_kv(LOG_ERROR, "record_pdf", "error", tb_strerror(rc), NULL);
		return http_reply_tb_err(req, rc == TB_ETOOBIG ? TB_ENOMEM :
		    rc, NULL);
	}
	http_reply_copy(req, 200, "application/pdf", buf_str(&b), b.len);
	buf_free(&b);
	if (tb_snprintf(disp, sizeof(disp), "attachment; "
	    "filename=\"incident-%lld-record.pdf\"", (long long)id) == TB_OK)
		http_reply_header(req, "Content-Disposition", disp);
	http_reply_header(req, "Cache-Control", "no-store");
	return 0;
}
