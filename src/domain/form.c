/*
 * form.c: the national platform's report form as data (REQUIREMENTS "What
 * the national platform's report asks"): categories and their symptoms,
 * sources, critical sectors, closure causes, the P19 team roles, each with
 * its code name (API) and its zh-TW label (the copy-ready report text);
 * the P28 equipment-failure rule and the incident's state.
 *
 * Code names are API: add, never rename.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "domain/domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct form_item {
	const char	*name;
	const char	*label;
};

/* Categories, in the platform's order. */
static const struct form_item categories[] = {
	{ "web_attack", "網頁攻擊" },
	{ "intrusion", "非法入侵" },
	{ "denial_of_service", "阻斷服務" },
	{ "equipment", "設備問題" },
	{ "other", "其他" },
};

/* Where the agency learned of it. */
static const struct form_item sources[] = {
	{ "self_found", "自行發現" },
	{ "alert", "警訊通知" },
	{ "external_intel", "外部情資" },
	{ "media", "媒體報導" },
};

/* Critical sectors an incident may reach. */
static const struct form_item sectors[] = {
	{ "water", "水資源" },
	{ "energy", "能源" },
	{ "communications", "通訊傳播" },
	{ "transport", "交通" },
	{ "finance", "金融" },
	{ "emergency_medical", "緊急救援與醫院" },
	{ "government", "重要政府機關" },
	{ "science_parks", "科學園區與工業區" },
};

/* Causes the closure report asks for. */
static const struct form_item causes[] = {
	{ "os_vulnerability", "作業系統漏洞" },
	{ "weak_password", "弱密碼" },
	{ "application_vulnerability", "應用程式漏洞" },
	{ "poor_web_design", "網站設計不當" },
	{ "human_error", "人為疏失" },
	{ "misconfiguration", "設定錯誤" },
	{ "social_engineering", "社交工程" },
	{ "other", "其他" },
};

/* P19: the response team's default roles (attachments 2 and 3). */
static const struct form_item team_roles[] = {
	{ "commander", "事件指揮官" },
	{ "deputy_commander", "副指揮官" },
	{ "contact_window", "通報窗口" },
	{ "technical", "技術處理" },
	{ "administrative", "行政支援" },
	{ "public_relations", "公關" },
};

/* P12: how an affected agency's window was told (phone or TaipeiON). */
static const struct form_item notify_channels[] = {
	{ "phone", "電話" },
	{ "taipeion", "臺北通 TaipeiON" },
	{ "email", "電子郵件" },
	{ "in_person", "當面" },
	{ "other", "其他" },
};

static const struct {
	const struct form_item	*items;
	size_t			 n;
} form_lists[FORM__COUNT] = {
	[FORM_CATEGORY] = { categories, NELEM(categories) },
	[FORM_SOURCE] = { sources, NELEM(sources) },
	[FORM_SECTOR] = { sectors, NELEM(sectors) },
	[FORM_CLOSURE_CAUSE] = { causes, NELEM(causes) },
	[FORM_TEAM_ROLE] = { team_roles, NELEM(team_roles) },
	[FORM_NOTIFY_CHANNEL] = { notify_channels, NELEM(notify_channels) },
};

/*
 * Symptoms and the category they belong to.  The four of the newer forms
 * ("Newer forms also list") belong to no one category: category NULL
 * accepts them with any.
 */
static const struct {
	const char	*name;
	const char	*category;
	const char	*label;
} symptoms[] = {
	{ "defacement", "web_attack", "網頁置換" },
	{ "malicious_comment", "web_attack", "惡意留言" },
	{ "malicious_page", "web_attack", "惡意網頁" },
	{ "phishing_page", "web_attack", "釣魚網頁" },
	{ "web_trojan", "web_attack", "網頁木馬" },
	{ "website_data_leak", "web_attack", "網站個資外洩" },
	{ "system_compromised", "intrusion", "系統遭入侵" },
	{ "malware_planted", "intrusion", "植入惡意程式" },
	{ "abnormal_connection", "intrusion", "異常連線" },
	{ "spam_sending", "intrusion", "發送垃圾郵件" },
	{ "data_leak", "intrusion", "資料外洩" },
	{ "service_outage", "denial_of_service", "服務中斷" },
	{ "performance_degraded", "denial_of_service", "效能降低" },
	{ "damaged_device", "equipment", "設備毀損" },
	{ "power_fault", "equipment", "電力異常" },
	{ "network_outage", "equipment", "網路服務中斷" },
	{ "lost_device", "equipment", "設備遺失" },
	{ "abnormal_login", NULL, "帳號異常登入" },
	{ "outbound_attack", NULL, "對外攻擊或掃描" },
	{ "unauthorized_access", NULL, "未經授權存取" },
	{ "service_failure", NULL, "系統服務失效" },
};

/*
 * P28, the city's reading: equipment failure is category `equipment` with
 * one of these symptoms; a lost device is not a failure and still owes a
 * root cause investigation.
 */
static const char *const failure_symptoms[] = {
	"damaged_device", "power_fault", "network_outage",
};

static const char *const state_names[INCIDENT_STATE__COUNT] = {
	[INCIDENT_STATE_NEW] = "new",
	[INCIDENT_STATE_APPROVED] = "approved",
	[INCIDENT_STATE_REPORTED] = "reported",
	[INCIDENT_STATE_CLOSED] = "closed",
};

static const struct form_item *
form_find(enum form_list list, const char *name)
{
	size_t	 i;

	if ((unsigned)list >= FORM__COUNT || name == NULL)
		return NULL;
	for (i = 0; i < form_lists[list].n; i++)
		if (strcmp(form_lists[list].items[i].name, name) == 0)
			return &form_lists[list].items[i];
	return NULL;
}

bool
form_valid(enum form_list list, const char *name)
{
	return form_find(list, name) != NULL;
}

const char *
form_label(enum form_list list, const char *name)
{
	const struct form_item	*it = form_find(list, name);

	return it != NULL ? it->label : NULL;
}

const char *
form_name_at(enum form_list list, size_t i)
{
	if ((unsigned)list >= FORM__COUNT || i >= form_lists[list].n)
		return NULL;
	return form_lists[list].items[i].name;
}

bool
form_symptom_valid(const char *category, const char *symptom)
{
	size_t	 i;

	if (category == NULL || symptom == NULL)
		return false;
	for (i = 0; i < NELEM(symptoms); i++)
		if (strcmp(symptoms[i].name, symptom) == 0)
			return symptoms[i].category == NULL ||
			    strcmp(symptoms[i].category, category) == 0;
	return false;
}

const char *
form_symptom_label(const char *symptom)
{
	size_t	 i;

	if (symptom == NULL)
		return NULL;
	for (i = 0; i < NELEM(symptoms); i++)
		if (strcmp(symptoms[i].name, symptom) == 0)
			return symptoms[i].label;
	return NULL;
}

const char *
form_symptom_at(size_t i, const char **category)
{
	if (i >= NELEM(symptoms))
		return NULL;
	if (category != NULL)
		*category = symptoms[i].category;
	return symptoms[i].name;
}

bool
incident_equipment_failure(const char *category,
    const char *const *symptom, size_t n)
{
	size_t	 i, j;

	if (category == NULL || strcmp(category, "equipment") != 0)
		return false;
	for (i = 0; i < n; i++)
		for (j = 0; j < NELEM(failure_symptoms); j++)
			if (symptom[i] != NULL &&
			    strcmp(symptom[i], failure_symptoms[j]) == 0)
				return true;
	return false;
}

enum incident_state
incident_state(const struct event *ev, size_t nev)
{
	enum incident_state	 st = INCIDENT_STATE_NEW;
	size_t			 i;

	/*
	 * Events come in any order of `at`, so the state is what has been
	 * recorded at all, not what happened last: a closure recorded makes
	 * the incident closed whatever else is added after it (the events
	 * a closed incident still takes do not reopen it).
	 */
	for (i = 0; i < nev; i++) {
		switch (ev[i].type) {
		case EVENT_CLOSURE_REPORTED:
			return INCIDENT_STATE_CLOSED;
		case EVENT_REPORTED:
			st = INCIDENT_STATE_REPORTED;
			break;
		case EVENT_LEVEL_APPROVED:
			if (st == INCIDENT_STATE_NEW)
				st = INCIDENT_STATE_APPROVED;
			break;
		default:
			break;
		}
	}
	return st;
}

const char *
incident_state_name(enum incident_state s)
{
	if ((unsigned)s >= INCIDENT_STATE__COUNT)
		return NULL;
	return state_names[s];
}

int
incident_state_from_name(const char *s, enum incident_state *out)
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < INCIDENT_STATE__COUNT; i++)
		if (strcmp(state_names[i], s) == 0) {
			*out = (enum incident_state)i;
			return TB_OK;
		}
	return TB_EINVAL;
}
