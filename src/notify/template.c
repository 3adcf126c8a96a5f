/*
 * template.c: the text of every kind of message, in Traditional Chinese
 * (the default) and English, as plain text and HTML.
 *
 * A template is a subject and an opening sentence with {name} placeholders,
 * and the names of the values shown below it as a table of label and
 * value.  Values come from the vars object of the notification and are
 * formatted by their name: "..._at" are instants (microseconds, shown in
 * Taipei time), "level" a level, "obligation" and "what" codes shown by
 * their names.  In HTML every value is escaped.
 *
 * The names each kind reads (others are ignored; missing ones are blank):
 *   incident_changed   agency_name title what actor incident_id level
 *                      aware_at exercise link
 *   agency_affected    agency_name title incident_id level aware_at
 *                      exercise link
 *   review_due         agency_name title incident_id level due_at
 *                      exercise link
 *   reminder           obligation obligation_subject due_at title
 *                      agency_name incident_id level exercise link
 *   escalation         as reminder, and overdue_from
 *   digest             date now_at count items[] (agency_name title
 *                      obligation due_at incident_id) link
 *   reachability_check name agency_name contact_kind expires_at note
 *                      link
 *   test               subject text
 */
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "notify/internal.h"

/* Values shown under the opening sentence, at most this many. */
#define TPL_ROWS_MAX	10

struct tpl {
	const char	*kind;
	const char	*subject[2];	/* zh-TW, en */
	const char	*intro[2];
	const char	*rows[TPL_ROWS_MAX];	/* NULL-terminated names */
	int		 list;		/* vars.items as a table (digest) */
};

static const struct tpl templates[] = {
	{ NOTIFY_KIND_INCIDENT,
	    { "{agency_name}資安事件{what}：{title}",
	      "{agency_name} incident {what}: {title}" },
	    { "{agency_name}的資安事件有新的異動，請查看並依作業程序處理。",
	      "An incident of {agency_name} has changed; please look at it "
	      "and act as the procedure requires." },
	    { "incident_id", "agency_name", "title", "level", "aware_at",
	      "what", "actor", NULL }, 0 },
	{ NOTIFY_KIND_AFFECTED,
	    { "資安事件可能影響貴機關：{agency_name}「{title}」",
	      "An incident may affect your agency: {agency_name} "
	      "\"{title}\"" },
	    { "依作業程序第十二點通知：{agency_name}的下列資安事件可能影響"
	      "貴機關或屬貴機關權責，請貴機關通報窗口留意並採取必要措施。",
	      "Under point 12 of the procedure: this incident of "
	      "{agency_name} may affect your agency or fall within its "
	      "remit." },
	    { "incident_id", "agency_name", "title", "level", "aware_at",
	      NULL }, 0 },
	{ NOTIFY_KIND_REVIEW_DUE,
	    { "等級審核待辦：{agency_name}「{title}」（{due_at} 前）",
	      "Level review due: {agency_name} \"{title}\" (by {due_at})" },
	    { "依作業程序第十五點，請於期限前審核下列事件的通報等級。",
	      "Under point 15 of the procedure, please review the level of "
	      "this incident before it is due." },
	    { "incident_id", "agency_name", "title", "level", "due_at",
	      NULL }, 0 },
	{ NOTIFY_KIND_REMINDER,
	    { "提醒：{obligation}將於 {due_at} 到期：{title}",
	      "Reminder: {obligation} is due {due_at}: {title}" },
	    { "下列事項即將到期，請於期限前完成並記錄。",
	      "This is due soon; please complete and record it in time." },
	    { "obligation", "obligation_subject", "due_at", "incident_id",
	      "agency_name", "title", "level", NULL }, 0 },
	{ NOTIFY_KIND_ESCALATION,
	    { "逾期：{agency_name}「{title}」{obligation}已逾期",
	      "Overdue: {obligation} of {agency_name} \"{title}\"" },
	    { "下列事項已逾期，請儘速完成並記錄；逾期情形已通知資通安全長，"
	      "持續逾期將通知資訊局。",
	      "This is overdue; please complete and record it at once.  The "
	      "CISO has been told, and DoIT will be if it stays overdue." },
	    { "obligation", "obligation_subject", "due_at", "overdue_from",
	      "incident_id", "agency_name", "title", "level", NULL }, 0 },
	{ NOTIFY_KIND_DIGEST,
	    { "全市逾期事項日報（{date}）：{count} 項",
	      "City-wide overdue items ({date}): {count}" },
	    { "截至 {now_at}，全市尚未完成且已逾期的事項如下。",
	      "As of {now_at}, these items are overdue city-wide." },
	    { "count", NULL }, 1 },
	{ NOTIFY_KIND_REACH,
	    { "聯絡窗口可達性確認：請於 {expires_at} 前確認",
	      "Contact reachability check: please confirm by {expires_at}" },
	    { "{name}您好：資訊局正在確認各機關通報窗口及代理人隨時可以聯繫"
	      "（作業程序第七點）。請點選下方連結，確認您已收到此訊息。",
	      "Dear {name}: DoIT is checking that every agency's contact "
	      "window and deputy can be reached at any time (point 7 of the "
	      "procedure).  Please open the link below to confirm you got "
	      "this message." },
	    { "agency_name", "contact_kind", "expires_at", "note", NULL }, 0 },
	{ NOTIFY_KIND_TEST,
	    { "{subject}", "{subject}" },
	    { "{text}", "{text}" },
	    { NULL }, 0 },
};
#define NTEMPLATES	(sizeof(templates) / sizeof(templates[0]))

/* Labels of the values, zh-TW and English. */
static const struct {
	const char	*name;
	const char	*label[2];
} labels[] = {
	{ "incident_id", { "事件編號", "Incident" } },
	{ "agency_name", { "機關", "Agency" } },
	{ "title", { "標題", "Title" } },
	{ "level", { "等級", "Level" } },
	{ "aware_at", { "知悉時間", "Aware at" } },
	{ "what", { "異動", "Change" } },
	{ "actor", { "操作人員", "By" } },
	{ "obligation", { "事項", "Obligation" } },
	{ "obligation_subject", { "對象機關", "For agency" } },
	{ "due_at", { "期限", "Due" } },
	{ "overdue_from", { "逾期起算", "Overdue from" } },
	{ "count", { "逾期事項", "Overdue items" } },
	{ "contact_kind", { "身分", "As" } },
	{ "expires_at", { "確認期限", "Confirm by" } },
	{ "note", { "說明", "Note" } },
};

/* Obligation names (REQUIREMENTS "Deadlines"). */
static const struct {
	const char	*code;
	const char	*label[2];
} obligations[] = {
	{ "report", { "通報", "report" } },
	{ "backfill_report", { "補登通報", "backfill report" } },
	{ "notify_affected", { "通知受影響機關", "notify affected agency" } },
	{ "cc_doit", { "副知資訊局", "copy to DoIT" } },
	{ "level_review", { "等級審核", "level review" } },
	{ "team_formed", { "成立應變小組", "form the response team" } },
	{ "response_meeting", { "召開應變會議", "response meeting" } },
	{ "damage_control", { "損害控制或復原", "damage control" } },
	{ "effectiveness_report", { "成效報告", "effectiveness report" } },
	{ "pdpa_assessment", { "個資通知評估", "personal data assessment" } },
	{ "root_cause", { "根因分析", "root cause analysis" } },
	{ "closure_report", { "結報", "closure report" } },
	{ "progress_report", { "改善進度報告", "progress report" } },
};

/* What changed in an incident: "created", "updated" or an event type. */
static const struct {
	const char	*code;
	const char	*label[2];
} changes[] = {
	{ "created", { "新通報", "reported" } },
	{ "updated", { "資料更新", "updated" } },
	{ "level_approved", { "等級核定", "level approved" } },
	{ "reported", { "已完成通報", "reported on the platform" } },
	{ "backfilled", { "已補登通報", "backfilled" } },
	{ "agency_notified", { "已通知受影響機關", "agency notified" } },
	{ "doit_copied", { "已副知資訊局", "copied to DoIT" } },
	{ "info_requested", { "資訊局請求提供資料", "records requested" } },
	{ "info_provided", { "已提供資料", "records provided" } },
	{ "level_reviewed", { "等級審核完成", "level reviewed" } },
	{ "level_change_requested", { "申請等級變更",
	    "level change requested" } },
	{ "team_formed", { "已成立應變小組", "response team formed" } },
	{ "meeting_held", { "已召開會議", "meeting held" } },
	{ "tracking_designated", { "列管追蹤", "designated for tracking" } },
	{ "damage_controlled", { "損害控制完成", "damage controlled" } },
	{ "effectiveness_reported", { "成效報告完成",
	    "effectiveness reported" } },
	{ "pdpa_assessed", { "個資評估完成", "personal data assessed" } },
	{ "root_cause_recorded", { "根因分析完成", "root cause recorded" } },
	{ "plan_approved", { "改善計畫核定", "plan approved" } },
	{ "progress_reported", { "改善進度回報", "progress reported" } },
	{ "closure_reported", { "已結報", "closure reported" } },
	{ "signed", { "紀錄簽核", "record signed" } },
};

static const char *const footer[2] = {
	"本信由臺北市資通安全事件通報及應變系統（通報）自動發送，"
	"請勿直接回覆。",
	"Sent automatically by Taipei City's cybersecurity incident "
	"reporting system (Tongbao); please do not reply.",
};
static const char *const prefix[2] = { "[通報] ", "[Tongbao] " };
static const char *const exercise_mark[2] = { "[演練] ", "[Exercise] " };
static const char *const link_label[2] = { "連結", "Link" };
static const char *const digest_cols[2][5] = {
	{ "機關", "事件", "事項", "期限", "事件編號" },
	{ "Agency", "Incident", "Obligation", "Due", "Incident id" },
};
static const char *const digest_names[5] = {
	"agency_name", "title", "obligation", "due_at", "incident_id",
};

int
notify_kind_known(const char *kind)
{
	for (size_t i = 0; i < NTEMPLATES; i++)
		if (strcmp(templates[i].kind, kind) == 0)
			return 1;
	return 0;
}

const char *
notify_obligation_label(const char *name, const char *locale)
{
	int	 en = locale != NULL && strcmp(locale, "en") == 0;

	for (size_t i = 0; i < sizeof(obligations) / sizeof(obligations[0]);
	    i++)
		if (strcmp(obligations[i].code, name) == 0)
			return obligations[i].label[en];
	return name;
}

static const char *
change_label(const char *code, int en)
{
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (strcmp(changes[i].code, code) == 0)
			return changes[i].label[en];
	return changes[1].label[en];	/* "updated" */
}

/* Appends s escaped for HTML, each line break as <br>. */
static int
escape_lines(struct buf *b, const char *s)
{
	const char	*nl;
	struct buf	 line;
	int		 rc = TB_OK;

	buf_init(&line, NOTIFY_BODY_MAX);
	while (rc == TB_OK && (nl = strchr(s, '\n')) != NULL) {
		buf_reset(&line);
		if ((rc = buf_add(&line, s, (size_t)(nl - s))) == TB_OK &&
		    (rc = notify_html_escape(b, buf_str(&line))) == TB_OK)
			rc = buf_adds(b, "<br>\n");
		s = nl + 1;
	}
	if (rc == TB_OK)
		rc = notify_html_escape(b, s);
	buf_free(&line);
	return rc;
}

/* Appends an instant as "2026-11-25 16:30" Taipei time. */
static int
fmt_time(struct buf *b, int64_t t)
{
	char	 s[TBTIME_RFC3339_SIZE];

	if (tbtime_format(t, s, sizeof(s)) != TB_OK)
		return TB_OK;		/* out of range: shown blank */
	/* "2026-11-25T16:30:00+08:00": the date, a space, hours:minutes. */
	s[10] = ' ';
	return buf_add(b, s, 16);
}

/* Appends the value of var name formatted for people; NULL escapes for
 * plain text, else into HTML. */
static int
fmt_value(struct buf *b, json_t *vars, const char *name, int en, int html)
{
	json_t		*v = json_object_get(vars, name);
	struct buf	 tmp;
	char		 num[32];
	const char	*s = NULL;
	size_t		 len;
	int		 rc = TB_OK;

	if (v == NULL || json_is_null(v))
		return TB_OK;
	buf_init(&tmp, NOTIFY_BODY_MAX);
	if (json_is_integer(v)) {
		int64_t	 n = (int64_t)json_integer_value(v);

		len = strlen(name);
		if (len > 3 && strcmp(name + len - 3, "_at") == 0)
			rc = fmt_time(&tmp, n);
		else if (strcmp(name, "overdue_from") == 0)
			rc = fmt_time(&tmp, n);
		else if (strcmp(name, "level") == 0)
			rc = buf_printf(&tmp, en ? "level %lld" : "第 %lld 級",
			    (long long)n);
		else {
			(void)tb_snprintf(num, sizeof(num), "%lld",
			    (long long)n);
			s = num;
		}
	} else if (json_is_boolean(v))
		s = json_is_true(v) ? (en ? "yes" : "是") : (en ? "no" : "否");
	else if (json_is_string(v)) {
		s = json_string_value(v);
		if (strcmp(name, "obligation") == 0)
			s = notify_obligation_label(s, en ? "en" : "zh-TW");
		else if (strcmp(name, "what") == 0)
			s = change_label(s, en);
		else if (strcmp(name, "contact_kind") == 0)
			s = strcmp(s, "deputy") == 0 ? (en ? "deputy" :
			    "代理人") : (en ? "contact window" : "通報窗口");
	}
	if (rc == TB_OK && s != NULL)
		rc = buf_adds(&tmp, s);
	if (rc == TB_OK)
		rc = html ? escape_lines(b, buf_str(&tmp)) :
		    buf_adds(b, buf_str(&tmp));
	buf_free(&tmp);
	return rc;
}

/* Appends fmt with each {name} replaced by its value. */
static int
fill(struct buf *b, const char *fmt, json_t *vars, int en, int html)
{
	const char	*p = fmt, *open, *close;
	char		 name[64];
	int		 rc;

	while ((open = strchr(p, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL) {
		size_t	 n = (size_t)(close - open - 1);

		/* The template's own text is trusted: copied as is. */
		if ((rc = buf_add(b, p, (size_t)(open - p))) != TB_OK)
			return rc;
		if (n == 0 || n >= sizeof(name))
			return TB_EINVAL;
		memcpy(name, open + 1, n);
		name[n] = '\0';
		if ((rc = fmt_value(b, vars, name, en, html)) != TB_OK)
			return rc;
		p = close + 1;
	}
	return buf_adds(b, p);
}

static const struct tpl *
tpl_find(const char *kind)
{
	for (size_t i = 0; i < NTEMPLATES; i++)
		if (strcmp(templates[i].kind, kind) == 0)
			return &templates[i];
	return NULL;
}

static const char *
row_label(const char *name, int en)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, name) == 0)
			return labels[i].label[en];
	return name;
}

/* 1 when vars holds a value worth a row. */
static int
has_value(json_t *vars, const char *name)
{
	json_t	*v = json_object_get(vars, name);

	return v != NULL && !json_is_null(v) &&
	    !(json_is_string(v) && json_string_length(v) == 0);
}

/* The digest's rows as text lines or an HTML table. */
static int
render_list(struct buf *b, json_t *vars, int en, int html)
{
	json_t	*items = json_object_get(vars, "items"), *it;
	size_t	 i;
	int	 rc = TB_OK;

	if (!json_is_array(items) || json_array_size(items) == 0)
		return buf_adds(b, html ? "<p>" : "");
	if (html) {
		rc = buf_adds(b, "<table>\n<thead><tr>");
		for (size_t c = 0; rc == TB_OK && c < 5; c++)
			rc = buf_printf(b, "<th scope=\"col\">%s</th>",
			    digest_cols[en][c]);
		if (rc == TB_OK)
			rc = buf_adds(b, "</tr></thead>\n<tbody>\n");
	}
	json_array_foreach(items, i, it) {
		if (rc != TB_OK)
			break;
		rc = buf_adds(b, html ? "<tr>" : "");
		if (rc == TB_OK && !html)
			rc = buf_printf(b, "%zu. ", i + 1);
		for (size_t c = 0; rc == TB_OK && c < 5; c++) {
			if (html)
				rc = buf_adds(b, "<td>");
			else if (c > 0)
				rc = buf_adds(b, " | ");
			if (rc == TB_OK && c == 4 && !html)
				rc = buf_adds(b, "#");
			if (rc == TB_OK)
				rc = fmt_value(b, it, digest_names[c], en,
				    html);
			if (rc == TB_OK && html)
				rc = buf_adds(b, "</td>");
		}
		if (rc == TB_OK)
			rc = buf_adds(b, html ? "</tr>\n" : "\n");
	}
	if (rc == TB_OK && html)
		rc = buf_adds(b, "</tbody>\n</table>\n");
	return rc;
}

static int
render_text(struct buf *b, const struct tpl *t, json_t *vars, int en)
{
	const char	*sep = en ? ": " : "：";
	int		 rc;

	if ((rc = fill(b, t->intro[en], vars, en, 0)) != TB_OK ||
	    (rc = buf_adds(b, "\n\n")) != TB_OK)
		return rc;
	for (size_t i = 0; i < TPL_ROWS_MAX && t->rows[i] != NULL; i++) {
		if (!has_value(vars, t->rows[i]))
			continue;
		if ((rc = buf_printf(b, "%s%s", row_label(t->rows[i], en),
		    sep)) != TB_OK ||
		    (rc = fmt_value(b, vars, t->rows[i], en, 0)) != TB_OK ||
		    (rc = buf_adds(b, "\n")) != TB_OK)
			return rc;
	}
	if (t->list && ((rc = buf_adds(b, "\n")) != TB_OK ||
	    (rc = render_list(b, vars, en, 0)) != TB_OK))
		return rc;
	if (has_value(vars, "link") &&
	    ((rc = buf_printf(b, "\n%s%s", link_label[en], sep)) != TB_OK ||
	    (rc = fmt_value(b, vars, "link", en, 0)) != TB_OK ||
	    (rc = buf_adds(b, "\n")) != TB_OK))
		return rc;
	return buf_printf(b, "\n-- \n%s\n", footer[en]);
}

static int
render_html(struct buf *b, const struct tpl *t, json_t *vars, int en,
    const char *subject)
{
	int	 rc, rows = 0;

	if ((rc = buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n"
	    "<head><meta charset=\"utf-8\"><title>", en ? "en" :
	    "zh-Hant-TW")) != TB_OK ||
	    (rc = notify_html_escape(b, subject)) != TB_OK ||
	    (rc = buf_adds(b, "</title></head>\n<body>\n<p>")) != TB_OK ||
	    (rc = fill(b, t->intro[en], vars, en, 1)) != TB_OK ||
	    (rc = buf_adds(b, "</p>\n")) != TB_OK)
		return rc;
	for (size_t i = 0; i < TPL_ROWS_MAX && t->rows[i] != NULL; i++) {
		if (!has_value(vars, t->rows[i]))
			continue;
		if ((rows++ == 0 && (rc = buf_adds(b, "<table>\n")) !=
		    TB_OK) ||
		    (rc = buf_printf(b, "<tr><th scope=\"row\">%s</th><td>",
		    row_label(t->rows[i], en))) != TB_OK ||
		    (rc = fmt_value(b, vars, t->rows[i], en, 1)) != TB_OK ||
		    (rc = buf_adds(b, "</td></tr>\n")) != TB_OK)
			return rc;
	}
	if (rows > 0 && (rc = buf_adds(b, "</table>\n")) != TB_OK)
		return rc;
	if (t->list && (rc = render_list(b, vars, en, 1)) != TB_OK)
		return rc;
	if (has_value(vars, "link") &&
	    ((rc = buf_adds(b, "<p><a href=\"")) != TB_OK ||
	    (rc = fmt_value(b, vars, "link", en, 1)) != TB_OK ||
	    (rc = buf_adds(b, "\">")) != TB_OK ||
	    (rc = fmt_value(b, vars, "link", en, 1)) != TB_OK ||
	    (rc = buf_adds(b, "</a></p>\n")) != TB_OK))
		return rc;
	return buf_printf(b, "<hr>\n<p><small>%s</small></p>\n</body>\n"
	    "</html>\n", footer[en]);
}

int
notify_render(const char *kind, const char *locale, json_t *vars,
    struct notify_rendered *out)
{
	const struct tpl	*t;
	struct buf		 subj, text, html;
	int			 en = locale != NULL && strcmp(locale, "en")
				    == 0;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if ((t = tpl_find(kind)) == NULL || !json_is_object(vars))
		return TB_EINVAL;
	buf_init(&subj, 1024);
	buf_init(&text, NOTIFY_BODY_MAX);
	buf_init(&html, NOTIFY_BODY_MAX);
	if ((rc = buf_adds(&subj, prefix[en])) != TB_OK ||
	    (json_is_true(json_object_get(vars, "exercise")) &&
	    (rc = buf_adds(&subj, exercise_mark[en])) != TB_OK) ||
	    (rc = fill(&subj, t->subject[en], vars, en, 0)) != TB_OK ||
	    (rc = render_text(&text, t, vars, en)) != TB_OK ||
	    (rc = render_html(&html, t, vars, en, buf_str(&subj))) != TB_OK)
		goto out;
	if ((out->subject = buf_steal(&subj)) == NULL ||
	    (out->text = buf_steal(&text)) == NULL ||
	    (out->html = buf_steal(&html)) == NULL) {
		notify_rendered_free(out);
		rc = TB_ENOMEM;
	}
out:
	buf_free(&subj);
	buf_free(&text);
	buf_free(&html);
	return rc;
}

void
notify_rendered_free(struct notify_rendered *r)
{
	free(r->subject);
	free(r->text);
	free(r->html);
	memset(r, 0, sizeof(*r));
}
