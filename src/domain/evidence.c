/*
 * evidence.c: the rules of P24-P27 (evidence.h): log retention of core
 * systems, the preservation paths as data, contract clauses, evidence file
 * names and the chain of custody.  Pure: no I/O, no clock.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "domain/domain.h"
#include "domain/evidence.h"

/* Finds s among n names; TB_EINVAL when absent or NULL. */
static int
name_find(const char *const *names, size_t n, const char *s, size_t *out)
{
	if (s == NULL)
		return TB_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*out = i;
			return TB_OK;
		}
	return TB_EINVAL;
}

/* --- logs (P24) ----------------------------------------------------- */

static const char *const evlog_names[EVLOG__COUNT] = {
	[EVLOG_OS_EVENT] = "os_event",
	[EVLOG_WEB] = "web",
	[EVLOG_APPLICATION] = "application",
	[EVLOG_LOGON] = "logon",
};

const char *
evlog_type_name(enum evlog_type t)
{
	return (unsigned)t < EVLOG__COUNT ? evlog_names[t] : NULL;
}

int
evlog_type_from_name(const char *s, enum evlog_type *out)
{
	size_t	 i;

	if (name_find(evlog_names, EVLOG__COUNT, s, &i) != TB_OK)
		return TB_EINVAL;
	*out = (enum evlog_type)i;
	return TB_OK;
}

void
evlog_check(const struct evlog_retention r[EVLOG__COUNT],
    struct evlog_check *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned t = 0; t < EVLOG__COUNT; t++) {
		if (!r[t].present) {
			out->missing |= EVLOG_BIT(t);
			continue;
		}
		if (r[t].months_kept < EVLOG_MONTHS_MIN)
			out->short_kept |= EVLOG_BIT(t);
		/* P24 recommends, not requires, a copy elsewhere. */
		if (!r[t].copy_elsewhere)
			out->no_copy |= EVLOG_BIT(t);
	}
	out->compliant = out->missing == 0 && out->short_kept == 0;
}

static const char *const standby_names[EVSYS_STANDBY__COUNT] = {
	[EVSYS_STANDBY_NONE] = "none",
	[EVSYS_STANDBY_STANDBY] = "standby",
};

const char *
evsys_standby_name(enum evsys_standby s)
{
	return (unsigned)s < EVSYS_STANDBY__COUNT ? standby_names[s] : NULL;
}

int
evsys_standby_from_name(const char *s, enum evsys_standby *out)
{
	size_t	 i;

	if (name_find(standby_names, EVSYS_STANDBY__COUNT, s, &i) != TB_OK)
		return TB_EINVAL;
	*out = (enum evsys_standby)i;
	return TB_OK;
}

/* --- preservation paths (P25) --------------------------------------- */

static const struct {
	const char	*name;
	const char	*zh;
	const char	*en;
} steps[EVSTEP__COUNT] = {
	[EVSTEP_DISCONNECT] = { "disconnect", "中斷網路連線",
	    "Disconnect from the network" },
	[EVSTEP_STOP_SERVICES] = { "stop_services", "停止服務",
	    "Stop services" },
	[EVSTEP_RESTRICT_ACCESS] = { "restrict_access", "限制連線或權限",
	    "Restrict connections or rights" },
	[EVSTEP_LIMITED_PATCHING] = { "limited_patching", "有限度修補",
	    "Limited patching" },
	[EVSTEP_IMAGE_STORAGE] = { "image_storage",
	    "製作受害主機儲存媒體映像檔（硬碟、虛擬機映像）",
	    "Image the victim's storage (disk, VM image)" },
	[EVSTEP_REBUILD] = { "rebuild", "以乾淨媒體重建系統",
	    "Rebuild on clean media" },
	[EVSTEP_TEST] = { "test", "測試重建後的系統",
	    "Test the rebuilt system" },
	[EVSTEP_SERVE] = { "serve", "恢復提供服務", "Serve again" },
	[EVSTEP_FAIL_OVER] = { "fail_over", "切換至備援系統",
	    "Fail over to the standby" },
	[EVSTEP_PRESERVE_VICTIM] = { "preserve_victim",
	    "受害系統保持原狀，直到完成分析或完整映像",
	    "Keep the victim untouched until analysed or fully imaged" },
	[EVSTEP_SWITCH_BACK] = { "switch_back", "由備援系統切換回原系統",
	    "Switch back from the standby" },
	[EVSTEP_KEEP_MINIMUM] = { "keep_minimum", "僅維持最低限度運作",
	    "Keep only a minimum running" },
	[EVSTEP_PRESERVE_EVIDENCE] = { "preserve_evidence", "保存跡證",
	    "Preserve the evidence" },
};

static const struct {
	const char	*name;
	const char	*zh;
	const char	*en;
} paths[EVPATH__COUNT] = {
	[EVPATH_NO_STANDBY] = { "no_standby", "無備援系統",
	    "No standby" },
	[EVPATH_STANDBY] = { "standby", "有備援系統", "With a standby" },
	[EVPATH_STANDBY_HIT] = { "standby_hit", "備援系統亦受害",
	    "The standby was hit too" },
};

/*
 * The paths as data (P25).  Stage 1, isolation, comes first on every path
 * ("isolate first") and is complete with any one of its four steps; each
 * later stage is one step.
 */
struct path_step {
	enum evstep	 step;
	int		 stage;
};

#define ISOLATION \
	{ EVSTEP_DISCONNECT, 1 }, { EVSTEP_STOP_SERVICES, 1 }, \
	{ EVSTEP_RESTRICT_ACCESS, 1 }, { EVSTEP_LIMITED_PATCHING, 1 }
#define ISOLATION_STAGE	1

static const struct path_step path_no_standby[] = {
	ISOLATION,
	{ EVSTEP_IMAGE_STORAGE, 2 },
	{ EVSTEP_REBUILD, 3 },
	{ EVSTEP_TEST, 4 },
	{ EVSTEP_SERVE, 5 },
};
static const struct path_step path_standby[] = {
	ISOLATION,
	{ EVSTEP_FAIL_OVER, 2 },
	{ EVSTEP_PRESERVE_VICTIM, 3 },
	{ EVSTEP_REBUILD, 4 },
	{ EVSTEP_TEST, 5 },
	{ EVSTEP_SWITCH_BACK, 6 },
};
static const struct path_step path_standby_hit[] = {
	ISOLATION,
	{ EVSTEP_KEEP_MINIMUM, 2 },
	{ EVSTEP_PRESERVE_EVIDENCE, 3 },
};

static const struct {
	const struct path_step	*steps;
	size_t			 n;
} path_defs[EVPATH__COUNT] = {
	[EVPATH_NO_STANDBY] = { path_no_standby,
	    sizeof(path_no_standby) / sizeof(path_no_standby[0]) },
	[EVPATH_STANDBY] = { path_standby,
	    sizeof(path_standby) / sizeof(path_standby[0]) },
	[EVPATH_STANDBY_HIT] = { path_standby_hit,
	    sizeof(path_standby_hit) / sizeof(path_standby_hit[0]) },
};

const char *
evpath_name(enum evpath p)
{
	return (unsigned)p < EVPATH__COUNT ? paths[p].name : NULL;
}

int
evpath_from_name(const char *s, enum evpath *out)
{
	if (s == NULL)
		return TB_EINVAL;
	for (unsigned i = 0; i < EVPATH__COUNT; i++)
		if (strcmp(paths[i].name, s) == 0) {
			*out = (enum evpath)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

const char *
evpath_label(enum evpath p, bool en)
{
	if ((unsigned)p >= EVPATH__COUNT)
		return NULL;
	return en ? paths[p].en : paths[p].zh;
}

const char *
evstep_name(enum evstep s)
{
	return (unsigned)s < EVSTEP__COUNT ? steps[s].name : NULL;
}

int
evstep_from_name(const char *s, enum evstep *out)
{
	if (s == NULL)
		return TB_EINVAL;
	for (unsigned i = 0; i < EVSTEP__COUNT; i++)
		if (strcmp(steps[i].name, s) == 0) {
			*out = (enum evstep)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

const char *
evstep_label(enum evstep s, bool en)
{
	if ((unsigned)s >= EVSTEP__COUNT)
		return NULL;
	return en ? steps[s].en : steps[s].zh;
}

enum evpath
evpath_suggest(enum evsys_standby standby, bool standby_hit)
{
	if (standby != EVSYS_STANDBY_STANDBY)
		return EVPATH_NO_STANDBY;
	return standby_hit ? EVPATH_STANDBY_HIT : EVPATH_STANDBY;
}

bool
evpath_fits(enum evpath p, enum evsys_standby standby)
{
	if ((unsigned)p >= EVPATH__COUNT)
		return false;
	return p == EVPATH_NO_STANDBY || standby == EVSYS_STANDBY_STANDBY;
}

size_t
evpath_nsteps(enum evpath p)
{
	return (unsigned)p < EVPATH__COUNT ? path_defs[p].n : 0;
}

int
evpath_step(enum evpath p, size_t i, enum evstep *step, int *stage)
{
	if ((unsigned)p >= EVPATH__COUNT || i >= path_defs[p].n)
		return TB_EINVAL;
	*step = path_defs[p].steps[i].step;
	*stage = path_defs[p].steps[i].stage;
	return TB_OK;
}

int
evpath_stage_of(enum evpath p, enum evstep s, int *stage)
{
	if ((unsigned)p >= EVPATH__COUNT)
		return TB_EINVAL;
	for (size_t i = 0; i < path_defs[p].n; i++)
		if (path_defs[p].steps[i].step == s) {
			*stage = path_defs[p].steps[i].stage;
			return TB_OK;
		}
	return TB_EINVAL;
}

/*
 * When stage k of the review was first complete: the earliest done step
 * of an "any" stage; a one-step stage's step.  TBTIME_NONE while not.
 */
static int64_t
stage_done_at(const struct evpath_review *r, int k)
{
	int64_t	 at = TBTIME_NONE;

	for (size_t i = 0; i < r->nsteps; i++) {
		const struct evstep_view *v = &r->steps[i];

		if (v->stage != k || v->at == TBTIME_NONE)
			continue;
		if (at == TBTIME_NONE || v->at < at)
			at = v->at;
	}
	return at;
}

int
evpath_review(enum evpath p, const struct evstep_done *done, size_t ndone,
    struct evpath_review *out)
{
	size_t	 n = evpath_nsteps(p), i, j;
	int	 nstages = 0;

	memset(out, 0, sizeof(*out));
	out->next = -1;
	if (n == 0 || n > EVPATH_STEPS_MAX)
		return TB_EINVAL;
	for (i = 0; i < n; i++) {
		struct evstep_view *v = &out->steps[i];

		v->step = path_defs[p].steps[i].step;
		v->stage = path_defs[p].steps[i].stage;
		v->any = v->stage == ISOLATION_STAGE;
		v->at = TBTIME_NONE;
		if (v->stage > nstages)
			nstages = v->stage;
	}
	out->nsteps = n;
	for (j = 0; j < ndone; j++) {
		for (i = 0; i < n; i++)
			if (out->steps[i].step == done[j].step)
				break;
		if (i == n || out->steps[i].at != TBTIME_NONE ||
		    done[j].at == TBTIME_NONE)
			return TB_EINVAL;
		out->steps[i].at = done[j].at;
	}
	/*
	 * A step is in order when every earlier stage was complete at or
	 * before the moment it was done (P25: isolate first, then the
	 * path's steps one after another).
	 */
	for (i = 0; i < n; i++) {
		struct evstep_view *v = &out->steps[i];

		if (v->at == TBTIME_NONE)
			continue;
		for (int k = 1; k < v->stage; k++) {
			int64_t at = stage_done_at(out, k);

			if (at == TBTIME_NONE || at > v->at) {
				v->out_of_order = true;
				out->nout_of_order++;
				break;
			}
		}
	}
	out->complete = true;
	for (int k = 1; k <= nstages; k++) {
		if (stage_done_at(out, k) != TBTIME_NONE)
			continue;
		out->complete = false;
		for (i = 0; i < n; i++)
			if (out->steps[i].stage == k) {
				out->next = (int)i;
				break;
			}
		break;
	}
	return TB_OK;
}

/* --- contracts (P26) ------------------------------------------------ */

static const struct {
	const char	*name;
	const char	*point;
} clauses[EVCLAUSE__COUNT] = {
	[EVCLAUSE_REPORTING] = { "reporting", "P13" },
	[EVCLAUSE_LOG_RETENTION] = { "log_retention", "P24" },
	[EVCLAUSE_EVIDENCE_PRESERVATION] = { "evidence_preservation", "P25" },
	[EVCLAUSE_BACKUP] = { "backup", "P24" },
};

const char *
evclause_name(enum evclause c)
{
	return (unsigned)c < EVCLAUSE__COUNT ? clauses[c].name : NULL;
}

int
evclause_from_name(const char *s, enum evclause *out)
{
	if (s == NULL)
		return TB_EINVAL;
	for (unsigned i = 0; i < EVCLAUSE__COUNT; i++)
		if (strcmp(clauses[i].name, s) == 0) {
			*out = (enum evclause)i;
			return TB_OK;
		}
	return TB_EINVAL;
}

const char *
evclause_point(enum evclause c)
{
	return (unsigned)c < EVCLAUSE__COUNT ? clauses[c].point : NULL;
}

unsigned
evclause_missing(const bool ticked[EVCLAUSE__COUNT])
{
	unsigned	 m = 0;

	for (unsigned c = 0; c < EVCLAUSE__COUNT; c++)
		if (!ticked[c])
			m |= EVCLAUSE_BIT(c);
	return m;
}

/* --- evidence file names (P27) ---------------------------------------- */

/*
 * Decodes one UTF-8 sequence at s[0..len) strictly (no overlong forms, no
 * surrogates, nothing above U+10FFFF).  Returns its length, or 0 when
 * invalid.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t		 n, i;
	uint32_t	 c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Control characters, and the bidirectional embeddings, overrides and
 * isolates that can make "exe.pdf" look like "fdp.exe" (U+202E).
 */
static bool
cp_refused(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f || c == 0x061c;
}

enum evname_fault
evidence_name_check(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n;
	uint32_t		 c;
	enum evname_fault	 f = EVNAME_OK;

	if (s == NULL || len == 0)
		return EVNAME_EMPTY;
	if (len > EVIDENCE_NAME_MAX)
		return EVNAME_TOO_LONG;
	/* Walk it all, so the fault reported is the first by the enum's
	 * order, not by position. */
	for (i = 0; i < len; i += n) {
		enum evname_fault here = EVNAME_OK;

		if ((n = utf8_decode(u + i, len - i, &c)) == 0) {
			here = EVNAME_ENCODING;
			n = 1;
		} else if (c == '/' || c == '\\')
			here = EVNAME_PATH;
		else if (c == '.' && i + 1 < len && u[i + 1] == '.')
			here = EVNAME_DOTS;
		else if (cp_refused(c))
			here = EVNAME_CONTROL;
		if (here != EVNAME_OK && (f == EVNAME_OK || here < f))
			f = here;
	}
	if (f == EVNAME_OK && len == 1 && s[0] == '.')
		f = EVNAME_DOTS;
	return f;
}

static const struct {
	const char	*zh;
	const char	*en;
} name_faults[EVNAME__COUNT] = {
	[EVNAME_OK] = { "檔名可接受", "The file name is acceptable" },
	[EVNAME_EMPTY] = { "檔名不可為空白", "The file name is empty" },
	[EVNAME_TOO_LONG] = { "檔名不可超過 255 位元組",
	    "The file name is longer than 255 bytes" },
	[EVNAME_PATH] = { "檔名不可包含路徑（/ 或 \\）",
	    "The file name must not hold a path (/ or \\)" },
	[EVNAME_DOTS] = { "檔名不可包含「..」或只是「.」",
	    "The file name must not hold \"..\" or be \".\"" },
	[EVNAME_CONTROL] = { "檔名不可包含控制字元或文字方向控制字元",
	    "The file name must not hold control or text-direction "
	    "characters" },
	[EVNAME_ENCODING] = { "檔名必須是有效的 UTF-8",
	    "The file name must be valid UTF-8" },
};

const char *
evidence_name_fault_text(enum evname_fault f, bool en)
{
	if ((unsigned)f >= EVNAME__COUNT)
		return NULL;
	return en ? name_faults[f].en : name_faults[f].zh;
}

int
evidence_sha256_normalise(const char *s, char out[65])
{
	size_t	 i;

	if (s == NULL)
		return TB_EINVAL;
	for (i = 0; i < 64; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			out[i] = c;
		else if (c >= 'a' && c <= 'f')
			out[i] = c;
		else if (c >= 'A' && c <= 'F')
			out[i] = (char)(c - 'A' + 'a');
		else
			return TB_EINVAL;
	}
	if (s[64] != '\0')
		return TB_EINVAL;
	out[64] = '\0';
	return TB_OK;
}

const char *
evidence_malware_warning(bool en)
{
	/* P27: malware goes to ACS's VirusCheck and no other platform. */
	return en ? "Suspected malware may be submitted only to the "
	    "Administration for Cyber Security's VirusCheck service; do not "
	    "upload it to any other platform (P27)." :
	    "疑似惡意程式僅可送交數位發展部資通安全署 VirusCheck 服務檢測，"
	    "請勿上傳至其他平台（P27）。";
}

/* --- chain of custody (P27) ----------------------------------------- */

static const char *const custody_names[EVCUSTODY__COUNT] = {
	[EVCUSTODY_COLLECTED] = "collected",
	[EVCUSTODY_UPLOADED] = "uploaded",
	[EVCUSTODY_HANDOVER] = "handover",
	[EVCUSTODY_DOWNLOAD] = "download",
};

const char *
evcustody_kind_name(enum evcustody_kind k)
{
	return (unsigned)k < EVCUSTODY__COUNT ? custody_names[k] : NULL;
}

int
evcustody_kind_from_name(const char *s, enum evcustody_kind *out)
{
	size_t	 i;

	if (name_find(custody_names, EVCUSTODY__COUNT, s, &i) != TB_OK)
		return TB_EINVAL;
	*out = (enum evcustody_kind)i;
	return TB_OK;
}

const char *
evcustody_holder(const struct evcustody_entry *chain, size_t n)
{
	for (size_t i = n; i > 0; i--)
		if (chain[i - 1].kind != EVCUSTODY_DOWNLOAD)
			return chain[i - 1].to;
	return NULL;
}

enum evcustody_fault
evcustody_check(const struct evcustody_entry *chain, size_t n,
    const struct evcustody_entry *next, int64_t now)
{
	const char	*holder = evcustody_holder(chain, n);
	int64_t		 last = TBTIME_NONE;

	if (holder == NULL)
		return EVCUSTODY_F_NO_CHAIN;
	if (next->at > now + EVIDENCE_CLOCK_SKEW_US)
		return EVCUSTODY_F_IN_FUTURE;
	/* Downloads are copies taken; they do not move the item, so a
	 * hand-over recorded after the fact may precede one. */
	for (size_t i = 0; i < n; i++)
		if (chain[i].kind != EVCUSTODY_DOWNLOAD &&
		    (last == TBTIME_NONE || chain[i].at > last))
			last = chain[i].at;
	if (next->at < last)
		return EVCUSTODY_F_BEFORE_LAST;
	if (next->from == NULL || strcmp(next->from, holder) != 0)
		return EVCUSTODY_F_NOT_HOLDER;
	if (next->to == NULL || strcmp(next->to, next->from) == 0)
		return EVCUSTODY_F_SAME_PARTY;
	return EVCUSTODY_F_OK;
}
