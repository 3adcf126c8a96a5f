/*
 * api_incident_report.c: the copy-ready text of the national platform's
 * report form (REQUIREMENTS "What the national platform's report asks";
 * the platform has no public API, so the window pastes it), and the P10
 * level helper.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/incident.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The largest report text: every free-text field at its limit, in
 * UTF-8, fits with room to spare. */
#define REPORT_TEXT_MAX		(1024 * 1024)
/* Answers to the level helper: one per cell of the table at most. */
#define LEVEL_ANSWERS_MAX	(LEVEL_ASSET__COUNT * LEVEL_EFFECT__COUNT)

static const struct {
	const char	*stage;
	const char	*label;
} stages[] = {
	{ "initial", "初報" },
	{ "follow_up", "續報" },
	{ "closure", "結報" },
};

/* Writes t as "2026-01-10 14:00:00" Taipei time, or "不明" when none:
 * the platform's form takes the local time without an offset. */
static int
put_time(struct buf *b, const char *label, int64_t t, const char *none)
{
	char	 s[TBTIME_RFC3339_SIZE];

	if (t == TBTIME_NONE || tbtime_format(t, s, sizeof(s)) != TB_OK)
		return buf_printf(b, "%s：%s\n", label, none);
	s[10] = ' ';
	s[19] = '\0';
	return buf_printf(b, "%s：%s\n", label, s);
}

/* Writes a labelled line of text, "（未填）" when empty. */
static int
put_line(struct buf *b, const char *label, const char *text)
{
	return buf_printf(b, "%s：%s\n", label, text != NULL &&
	    text[0] != '\0' ? text : "（未填）");
}

/* The latest event of type t (by at, then seq), or -1. */
static ssize_t
last_event(const struct incident_view *v, enum event_type t)
{
	ssize_t	 i;

	for (i = (ssize_t)v->nev - 1; i >= 0; i--)
		if (v->ev[i].type == t)
			return i;
	return -1;
}

/* The first event of type t, or -1. */
static ssize_t
first_event(const struct incident_view *v, enum event_type t)
{
	size_t	 i;

	for (i = 0; i < v->nev; i++)
		if (v->ev[i].type == t)
			return (ssize_t)i;
	return -1;
}

/* A string field of event i's stored fields, or NULL; *tmp holds the
 * parsed fields and is released by the caller. */
static const char *
event_field(const struct incident_view *v, ssize_t i, const char *name,
    json_t **tmp)
{
	json_decref(*tmp);
	*tmp = NULL;
	if (i < 0)
		return NULL;
	*tmp = json_loads(v->x[i].fields, 0, NULL);
	return json_string_value(json_object_get(*tmp, name));
}

/* Joins the labels of the code names in the JSON array text s, given by
 * label(name), with "、"; "（未填）" when none. */
static int
put_labels(struct buf *b, const char *title, const char *s,
    const char *(*label)(const char *))
{
	json_t		*a = s != NULL ? json_loads(s, 0, NULL) : NULL;
	json_t		*x;
	const char	*l;
	size_t		 i;
	int		 rc;

	if ((rc = buf_printf(b, "%s：", title)) != TB_OK)
		goto out;
	if (json_array_size(a) == 0)
		rc = buf_adds(b, "（未填）");
	json_array_foreach(a, i, x) {
		l = label(json_string_value(x));
		if ((rc = buf_printf(b, "%s%s", i > 0 ? "、" : "",
		    l != NULL ? l : json_string_value(x))) != TB_OK)
			goto out;
	}
	if (rc == TB_OK)
		rc = buf_adds(b, "\n");
out:
	json_decref(a);
	return rc;
}

static const char *
label_symptom(const char *s)
{
	return form_symptom_label(s);
}

static const char *
label_sector(const char *s)
{
	return form_label(FORM_SECTOR, s);
}

static const char *
label_cause(const char *s)
{
	return form_label(FORM_CLOSURE_CAUSE, s);
}

/* The affected systems: name, core or not, tolerable downtime. */
static int
put_systems(struct buf *b, const char *s)
{
	json_t		*a = s != NULL ? json_loads(s, 0, NULL) : NULL;
	json_t		*x, *d;
	size_t		 i;
	int		 rc;

	if ((rc = buf_adds(b, "影響系統：")) != TB_OK)
		goto out;
	if (json_array_size(a) == 0)
		rc = buf_adds(b, "（未填）\n");
	else
		rc = buf_adds(b, "\n");
	json_array_foreach(a, i, x) {
		d = json_object_get(x, "tolerable_downtime");
		rc = buf_printf(b, "　%zu. %s（%s%s", i + 1,
		    json_string_value(json_object_get(x, "name")),
		    json_is_true(json_object_get(x, "core")) ? "核心系統" :
		    "非核心系統",
		    json_is_true(json_object_get(x,
		    "critical_infrastructure")) ? "，涉及關鍵基礎設施" : "");
		if (rc == TB_OK && json_is_integer(d))
			rc = buf_printf(b, "；可容忍中斷時間 %lld 分鐘",
			    (long long)(json_integer_value(d) / 60));
		if (rc == TB_OK)
			rc = buf_adds(b, "）\n");
		if (rc != TB_OK)
			goto out;
	}
out:
	json_decref(a);
	return rc;
}

const char *
incident_platform_stage(const struct incident_view *v)
{
	if (incident_closed(v->ev, v->nev))
		return "closure";
	return first_event(v, EVENT_REPORTED) >= 0 ? "follow_up" : "initial";
}

int
incident_platform_text(const struct incident_view *v, const char *stage,
    const struct store_incident_person *reporter, struct buf *b)
{
	const struct store_incident	*in = &v->in;
	const char			*label = NULL, *ref, *s;
	json_t				*tmp = NULL;
	ssize_t				 e;
	size_t				 i;
	int				 rc;

	for (i = 0; i < NELEM(stages); i++)
		if (strcmp(stages[i].stage, stage) == 0)
			label = stages[i].label;
	if (label == NULL)
		return TB_EINVAL;
#define P(expr)	do { if ((rc = (expr)) != TB_OK) goto out; } while (0)
	P(buf_printf(b, "【資通安全事件通報－%s】\n", label));
	P(buf_printf(b, "通報機關：%s（%s）\n", in->agency_name, in->agency));
	/* P14-P15: an agency reporting to a central agency is reviewed
	 * there; the city's own agencies by DoIT. */
	P(put_line(b, "審核機關", in->reports_to_central ?
	    "中央主管機關（副本送臺北市政府資訊局）" : "臺北市政府資訊局"));
	if (reporter != NULL) {
		P(buf_printf(b, "通報人：%s（%s）\n", reporter->name,
		    reporter->username));
		P(put_line(b, "聯絡電話", reporter->phone));
		P(put_line(b, "電子郵件", reporter->email));
	}
	P(put_line(b, "是否代其他機關通報", "否"));
	if (in->vendor_aware_at != TBTIME_NONE ||
	    in->vendor_reported_at != TBTIME_NONE) {
		/* P13: the vendor's own times; the clocks start at the
		 * agency's awareness. */
		P(put_time(b, "委外廠商知悉時間", in->vendor_aware_at, "不明"));
		P(put_time(b, "委外廠商通報機關時間", in->vendor_reported_at,
		    "不明"));
	}
	P(put_time(b, "知悉時間", in->aware_at, "不明"));
	P(put_time(b, "發生時間", in->occurred_at, "不明"));
	P(put_line(b, "是否為演練", in->exercise ? "是（演練）" : "否"));
	P(buf_printf(b, "事件等級：%lld 級\n", (long long)in->level));
	P(buf_printf(b, "事件分類：%s%s%s\n",
	    form_label(FORM_CATEGORY, in->category) ?
	    form_label(FORM_CATEGORY, in->category) : in->category,
	    in->category_other != NULL ? "：" : "",
	    in->category_other != NULL ? in->category_other : ""));
	P(put_labels(b, "事件現象", in->symptoms, label_symptom));
	P(buf_printf(b, "事件說明及影響範圍：\n%s\n", in->description != NULL &&
	    in->description[0] != '\0' ? in->description : "（未填）"));
	P(put_systems(b, in->affected_systems));
	P(buf_printf(b, "是否影響其他機關或重要民生設施：%s\n",
	    in->impact_other_agencies || v->naff > 0 ||
	    (in->critical_sectors != NULL &&
	    strcmp(in->critical_sectors, "[]") != 0) ? "是" : "否"));
	if (v->naff > 0) {
		P(buf_adds(b, "受影響機關："));
		for (i = 0; i < v->naff; i++)
			P(buf_printf(b, "%s%s", i > 0 ? "、" : "",
			    v->affected[i]));
		P(buf_adds(b, "\n"));
	}
	P(put_labels(b, "影響之重要民生設施領域", in->critical_sectors,
	    label_sector));
	P(buf_printf(b, "事件來源：%s%s%s%s\n", in->source != NULL &&
	    form_label(FORM_SOURCE, in->source) != NULL ?
	    form_label(FORM_SOURCE, in->source) : "（未填）",
	    in->source_ref != NULL ? "（編號：" : "",
	    in->source_ref != NULL ? in->source_ref : "",
	    in->source_ref != NULL ? "）" : ""));
	P(put_line(b, "是否涉及個人資料", in->personal_data_involved ?
	    "是" : "否"));

	/* The report number: the latest report or backfill that has one. */
	ref = NULL;
	for (i = v->nev; i > 0 && ref == NULL; i--)
		if (v->ev[i - 1].type == EVENT_REPORTED ||
		    v->ev[i - 1].type == EVENT_BACKFILLED) {
			ref = event_field(v, (ssize_t)i - 1, "platform_ref",
			    &tmp);
			if (ref != NULL)
				P(put_line(b, "通報編號", ref));
		}
	if (ref == NULL)
		P(put_line(b, "通報編號", "（尚未取得）"));

	e = last_event(v, EVENT_DAMAGE_CONTROLLED);
	P(put_time(b, "損害控制或復原完成時間", e >= 0 ? v->ev[e].at :
	    TBTIME_NONE, "尚未完成"));
	if (e >= 0) {
		/* P22: what the damage control record holds. */
		P(put_line(b, "確認影響範圍", event_field(v, e, "scope",
		    &tmp)));
		P(put_line(b, "優先復原對外服務及核心系統",
		    event_field(v, e, "restoration", &tmp)));
		P(put_line(b, "防止二次攻擊或擴散", event_field(v, e,
		    "spread_prevention", &tmp)));
		P(put_line(b, "對利害關係人之影響", event_field(v, e,
		    "stakeholder_impact", &tmp)));
	}
	if (strcmp(stage, "closure") == 0) {
		e = last_event(v, EVENT_CLOSURE_REPORTED);
		P(buf_adds(b, "\n【結報資料】\n"));
		P(put_line(b, "受害設備", event_field(v, e, "devices", &tmp)));
		P(put_line(b, "IP 位址", event_field(v, e, "ips", &tmp)));
		P(put_line(b, "網址", event_field(v, e, "urls", &tmp)));
		P(put_line(b, "作業系統", event_field(v, e, "os", &tmp)));
		P(put_line(b, "相關廠商", event_field(v, e, "vendors",
		    &tmp)));
		if (e >= 0) {
			char	*causes;

			event_field(v, e, "cause", &tmp);
			causes = json_dumps(json_object_get(tmp, "cause"),
			    JSON_COMPACT | JSON_ENCODE_ANY);
			rc = put_labels(b, "事件原因", causes, label_cause);
			free(causes);
			if (rc != TB_OK)
				goto out;
			P(put_line(b, "其他原因說明", event_field(v, e,
			    "cause_other", &tmp)));
		} else
			P(put_line(b, "事件原因", NULL));
		P(put_line(b, "改善措施", event_field(v, e, "fixes", &tmp)));
	}
	e = last_event(v, EVENT_ROOT_CAUSE_RECORDED);
	if (e >= 0 && (s = event_field(v, e, "findings", &tmp)) != NULL)
		P(put_line(b, "根因分析結果", s));
#undef P
	rc = TB_OK;
out:
	json_decref(tmp);
	return rc;
}

int
api_incident_platform_report(struct http_req *req)
{
	struct store_incident_person	 who;
	struct incident_view		 v;
	struct store_conn		*c;
	struct buf			 b;
	char				 stage[16], idb[24];
	const char			*st;
	ssize_t				 e;
	int64_t				 id, reporter;
	int				 rc, r, visible = 0, actable;

	if (http_param(req, "id", idb, sizeof(idb)) != TB_OK ||
	    parse_i64(idb, 1, INT64_MAX, &id) != TB_OK)
		return http_reply_error(req, "not_found", NULL, NULL);
	r = http_query(req, "stage", stage, sizeof(stage));
	if (r != TB_OK && r != TB_ENOTFOUND)
		return http_reply_error(req, "invalid_query", "stage", NULL);
	if ((rc = store_read(req->app->store, &c)) != TB_OK)
		return http_reply_tb_err(req, rc, NULL);
	buf_init(&b, REPORT_TEXT_MAX);
	rc = incident_view_load(c, id, &v);
	if (rc == TB_OK)
		rc = incident_access(req, c, &v.in, &visible, &actable);
	if (rc == TB_OK && !visible)
		rc = TB_ENOTFOUND;
	st = r == TB_OK ? stage : NULL;
	if (rc == TB_OK) {
		/* The reporter named is the one who reported, else the one
		 * who recorded the incident. */
		e = -1;
		for (size_t i = 0; i < v.nev && e < 0; i++)
			if (v.ev[i].type == EVENT_REPORTED)
				e = (ssize_t)i;
		reporter = e >= 0 ? v.x[e].actor : v.in.reported_by;
		rc = store_incident_person(c, reporter, &who);
	}
	store_release(c);
	if (rc == TB_OK) {
		if (st == NULL)
			st = incident_platform_stage(&v);
		rc = incident_platform_text(&v, st, &who, &b);
		if (rc == TB_EINVAL) {
			incident_view_cleanup(&v);
			buf_free(&b);
			return http_reply_error(req, "invalid_query", "stage",
			    NULL);
		}
	}
	if (rc != TB_OK)
		http_reply_tb_err(req, rc, NULL);
	else
		http_reply_json(req, 200, json_pack("{s:I, s:s, s:s}",
		    "incident", (json_int_t)id, "stage", st,
		    "text", buf_str(&b)));
	incident_view_cleanup(&v);
	buf_free(&b);
	return 0;
}

/* --- POST /api/v1/level-helper (P10) --------------------------------- */

int
api_level_helper(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "answers", JF_ARRAY, 1, 1, LEVEL_ANSWERS_MAX },
		{ "aware_at", JF_TIME, 0, 0, 0 },
	};
	static const struct json_field answer_fields[] = {
		{ "asset", JF_STRING, 1, 1, 64 },
		{ "effect", JF_STRING, 1, 1, 64 },
	};
	struct level_answer	 a[LEVEL_ANSWERS_MAX];
	struct level_result	 res;
	const struct policy	*pol = NULL;
	const char		*bad, *code;
	char			 zh[128], en[128];
	json_t			*body, *x;
	size_t			 i, n;
	int64_t			 at;
	int			 rc;

	if (http_json_body(req, fields, NELEM(fields), &body) != TB_OK)
		return 0;
	/* The table of the policy in force at awareness when one is given
	 * (an incident is judged by the policy of its aware_at), else the
	 * newest. */
	x = json_object_get(body, "aware_at");
	if (json_is_string(x) && tbtime_parse(json_string_value(x), &at) ==
	    TB_OK)
		pol = policy_for(at);
	n = json_array_size(json_object_get(body, "answers"));
	json_array_foreach(json_object_get(body, "answers"), i, x) {
		if (!json_is_object(x) || json_check(x, answer_fields,
		    NELEM(answer_fields), &bad, &code) != TB_OK ||
		    level_asset_from_name(json_string_value(json_object_get(x,
		    "asset")), &a[i].asset) != TB_OK ||
		    level_effect_from_name(json_string_value(json_object_get(x,
		    "effect")), &a[i].effect) != TB_OK)
			goto bad;
	}
	rc = level_judge(pol, a, n, &res);
	if (rc == TB_EINVAL) {
		/* A "—" cell: secrets have no availability column. */
		i = res.index;
		goto bad;
	}
	if (rc != TB_OK) {
		http_reply_tb_err(req, rc, NULL);
		goto out;
	}
	if (pol == NULL) {
		size_t	 np;

		pol = &policy_builtin(&np)[np - 1];
	}
	http_reply_json(req, 200, json_pack("{s:i, s:s, s:s, s:i, s:s}",
	    "level", res.level, "row", level_asset_name(res.asset),
	    "column", level_effect_name(res.effect), "index", (int)res.index,
	    "policy", pol->name));
	goto out;
bad:
	tb_snprintf(zh, sizeof(zh), "第 %zu 個答案不在等級表中", i + 1);
	tb_snprintf(en, sizeof(en), "Answer %zu is not a cell of the level "
	    "table", i + 1);
	http_reply_error(req, "invalid_field", "answers",
	    strcmp(req->lang, "en") == 0 ? en : zh);
out:
	json_decref(body);
	return 0;
}
