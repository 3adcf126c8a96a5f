/*
 * test_evidence.c: the rules of P24-P27 (src/domain/evidence.c): log
 * retention, the preservation paths and their order, contract clauses,
 * evidence file names, hashes and the chain of custody.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/domain.h"
#include "domain/evidence.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN		(INT64_C(60) * 1000000)
/* 2026-01-10T14:00:00+08:00, an arbitrary "now". */
#define T0		INT64_C(1768024800000000)

/* --- P24: log retention --------------------------------------------- */

static const struct {
	const char	*what;
	/* months per type, -1: not kept; copy per type */
	int		 months[EVLOG__COUNT];
	bool		 copy[EVLOG__COUNT];
	unsigned	 missing, short_kept, no_copy;
	bool		 compliant;
} log_rows[] = {
	{ "all four for exactly 6 months, copied", { 6, 6, 6, 6 },
	    { true, true, true, true }, 0, 0, 0, true },
	{ "all four for years, no copies (a copy is only advice)",
	    { 24, 36, 12, 7 }, { false, false, false, false }, 0, 0,
	    EVLOG_BIT(EVLOG_OS_EVENT) | EVLOG_BIT(EVLOG_WEB) |
	    EVLOG_BIT(EVLOG_APPLICATION) | EVLOG_BIT(EVLOG_LOGON), true },
	{ "web log kept 5 months is short", { 6, 5, 6, 6 },
	    { true, true, true, true }, 0, EVLOG_BIT(EVLOG_WEB), 0, false },
	{ "0 months counts as kept but short", { 0, 6, 6, 6 },
	    { true, true, true, true }, 0, EVLOG_BIT(EVLOG_OS_EVENT), 0,
	    false },
	{ "logon log missing", { 6, 6, 6, -1 }, { true, true, true, false },
	    EVLOG_BIT(EVLOG_LOGON), 0, 0, false },
	{ "nothing kept at all", { -1, -1, -1, -1 },
	    { false, false, false, false },
	    EVLOG_BIT(EVLOG_OS_EVENT) | EVLOG_BIT(EVLOG_WEB) |
	    EVLOG_BIT(EVLOG_APPLICATION) | EVLOG_BIT(EVLOG_LOGON), 0, 0,
	    false },
	{ "missing and short together", { 3, -1, 6, 6 },
	    { true, false, false, true }, EVLOG_BIT(EVLOG_WEB),
	    EVLOG_BIT(EVLOG_OS_EVENT), EVLOG_BIT(EVLOG_APPLICATION), false },
};

static void
test_log_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(log_rows); i++) {
		struct evlog_retention	 r[EVLOG__COUNT];
		struct evlog_check	 c;

		for (int t = 0; t < EVLOG__COUNT; t++) {
			r[t].present = log_rows[i].months[t] >= 0;
			r[t].months_kept = log_rows[i].months[t];
			r[t].copy_elsewhere = log_rows[i].copy[t];
		}
		evlog_check(r, &c);
		if (c.missing != log_rows[i].missing ||
		    c.short_kept != log_rows[i].short_kept ||
		    c.no_copy != log_rows[i].no_copy ||
		    c.compliant != log_rows[i].compliant)
			fail_msg("%s: missing %#x short %#x no_copy %#x "
			    "compliant %d", log_rows[i].what, c.missing,
			    c.short_kept, c.no_copy, c.compliant);
	}
}

static void
test_names_round_trip(void **state)
{
	enum evlog_type		 t;
	enum evsys_standby	 s;
	enum evpath		 p;
	enum evstep		 st;
	enum evclause		 c;
	enum evcustody_kind	 k;

	(void)state;
	for (int i = 0; i < EVLOG__COUNT; i++) {
		assert_int_equal(evlog_type_from_name(evlog_type_name(i), &t),
		    TB_OK);
		assert_int_equal(t, i);
	}
	assert_string_equal(evlog_type_name(EVLOG_OS_EVENT), "os_event");
	assert_string_equal(evlog_type_name(EVLOG_LOGON), "logon");
	assert_null(evlog_type_name(EVLOG__COUNT));
	assert_int_equal(evlog_type_from_name("firewall", &t), TB_EINVAL);
	assert_int_equal(evlog_type_from_name(NULL, &t), TB_EINVAL);

	assert_int_equal(evsys_standby_from_name("none", &s), TB_OK);
	assert_int_equal(s, EVSYS_STANDBY_NONE);
	assert_int_equal(evsys_standby_from_name("standby", &s), TB_OK);
	assert_int_equal(s, EVSYS_STANDBY_STANDBY);
	assert_int_equal(evsys_standby_from_name("hot", &s), TB_EINVAL);

	for (int i = 0; i < EVPATH__COUNT; i++) {
		assert_int_equal(evpath_from_name(evpath_name(i), &p), TB_OK);
		assert_int_equal(p, i);
		assert_non_null(evpath_label(i, false));
		assert_non_null(evpath_label(i, true));
	}
	assert_int_equal(evpath_from_name("standby-hit", &p), TB_EINVAL);
	for (int i = 0; i < EVSTEP__COUNT; i++) {
		assert_int_equal(evstep_from_name(evstep_name(i), &st), TB_OK);
		assert_int_equal(st, i);
		assert_non_null(evstep_label(i, false));
		assert_non_null(evstep_label(i, true));
	}
	assert_int_equal(evstep_from_name("reboot", &st), TB_EINVAL);
	assert_null(evstep_label(EVSTEP__COUNT, true));

	for (int i = 0; i < EVCLAUSE__COUNT; i++) {
		assert_int_equal(evclause_from_name(evclause_name(i), &c),
		    TB_OK);
		assert_int_equal(c, i);
	}
	assert_string_equal(evclause_point(EVCLAUSE_REPORTING), "P13");
	assert_string_equal(evclause_point(EVCLAUSE_LOG_RETENTION), "P24");
	assert_string_equal(evclause_point(EVCLAUSE_EVIDENCE_PRESERVATION),
	    "P25");
	assert_int_equal(evclause_from_name("insurance", &c), TB_EINVAL);

	for (int i = 0; i < EVCUSTODY__COUNT; i++) {
		assert_int_equal(evcustody_kind_from_name(
		    evcustody_kind_name(i), &k), TB_OK);
		assert_int_equal(k, i);
	}
	assert_int_equal(evcustody_kind_from_name("stolen", &k), TB_EINVAL);
}

/* --- P25: the paths --------------------------------------------------- */

/* The paths written out again by hand from P25, so that an error in the
 * table of evidence.c fails here. */
static const struct {
	enum evpath	 path;
	const char	*steps[EVPATH_STEPS_MAX];
	int		 stages[EVPATH_STEPS_MAX];
} path_rows[] = {
	{ EVPATH_NO_STANDBY,
	    { "disconnect", "stop_services", "restrict_access",
	      "limited_patching", "image_storage", "rebuild", "test",
	      "serve" },
	    { 1, 1, 1, 1, 2, 3, 4, 5 } },
	{ EVPATH_STANDBY,
	    { "disconnect", "stop_services", "restrict_access",
	      "limited_patching", "fail_over", "preserve_victim", "rebuild",
	      "test", "switch_back" },
	    { 1, 1, 1, 1, 2, 3, 4, 5, 6 } },
	{ EVPATH_STANDBY_HIT,
	    { "disconnect", "stop_services", "restrict_access",
	      "limited_patching", "keep_minimum", "preserve_evidence" },
	    { 1, 1, 1, 1, 2, 3 } },
};

static void
test_paths_as_written(void **state)
{
	enum evstep	 s;
	int		 stage;

	(void)state;
	for (size_t i = 0; i < NELEM(path_rows); i++) {
		size_t n = 0;

		while (n < EVPATH_STEPS_MAX && path_rows[i].steps[n] != NULL)
			n++;
		assert_int_equal(evpath_nsteps(path_rows[i].path), n);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(evpath_step(path_rows[i].path, j, &s,
			    &stage), TB_OK);
			assert_string_equal(evstep_name(s),
			    path_rows[i].steps[j]);
			assert_int_equal(stage, path_rows[i].stages[j]);
			assert_int_equal(evpath_stage_of(path_rows[i].path, s,
			    &stage), TB_OK);
			assert_int_equal(stage, path_rows[i].stages[j]);
		}
		assert_int_equal(evpath_step(path_rows[i].path, n, &s,
		    &stage), TB_EINVAL);
	}
	assert_int_equal(evpath_nsteps(EVPATH__COUNT), 0);
	/* A step of another path is not on this one. */
	assert_int_equal(evpath_stage_of(EVPATH_NO_STANDBY, EVSTEP_FAIL_OVER,
	    &stage), TB_EINVAL);
	assert_int_equal(evpath_stage_of(EVPATH_STANDBY_HIT, EVSTEP_REBUILD,
	    &stage), TB_EINVAL);
	assert_int_equal(evpath_stage_of(EVPATH_STANDBY, EVSTEP_SERVE,
	    &stage), TB_EINVAL);
}

static void
test_path_suggest_and_fit(void **state)
{
	(void)state;
	assert_int_equal(evpath_suggest(EVSYS_STANDBY_NONE, false),
	    EVPATH_NO_STANDBY);
	/* Without a standby there is none to be hit. */
	assert_int_equal(evpath_suggest(EVSYS_STANDBY_NONE, true),
	    EVPATH_NO_STANDBY);
	assert_int_equal(evpath_suggest(EVSYS_STANDBY_STANDBY, false),
	    EVPATH_STANDBY);
	assert_int_equal(evpath_suggest(EVSYS_STANDBY_STANDBY, true),
	    EVPATH_STANDBY_HIT);

	assert_true(evpath_fits(EVPATH_NO_STANDBY, EVSYS_STANDBY_NONE));
	assert_true(evpath_fits(EVPATH_NO_STANDBY, EVSYS_STANDBY_STANDBY));
	assert_false(evpath_fits(EVPATH_STANDBY, EVSYS_STANDBY_NONE));
	assert_false(evpath_fits(EVPATH_STANDBY_HIT, EVSYS_STANDBY_NONE));
	assert_true(evpath_fits(EVPATH_STANDBY, EVSYS_STANDBY_STANDBY));
	assert_true(evpath_fits(EVPATH_STANDBY_HIT, EVSYS_STANDBY_STANDBY));
	assert_false(evpath_fits(EVPATH__COUNT, EVSYS_STANDBY_STANDBY));
}

#define NOSTEP	{ EVSTEP__COUNT, 0 }

/* Recorded steps laid over a path: which are out of order, what is next. */
static const struct {
	const char		*what;
	enum evpath		 path;
	struct evstep_done	 done[EVPATH_STEPS_MAX];
	size_t			 ndone;
	int			 rc;
	const char		*out_of_order;	/* step names, comma-joined */
	const char		*next;		/* NULL: complete */
} review_rows[] = {
	{ "nothing done: isolation is next", EVPATH_NO_STANDBY, { NOSTEP },
	    0, TB_OK, "", "disconnect" },
	{ "any one isolation step completes isolation", EVPATH_NO_STANDBY,
	    { { EVSTEP_RESTRICT_ACCESS, T0 } }, 1, TB_OK, "",
	    "image_storage" },
	{ "the whole no-standby path in order", EVPATH_NO_STANDBY,
	    { { EVSTEP_DISCONNECT, T0 }, { EVSTEP_IMAGE_STORAGE, T0 + MIN },
	      { EVSTEP_REBUILD, T0 + 2 * MIN }, { EVSTEP_TEST, T0 + 3 * MIN },
	      { EVSTEP_SERVE, T0 + 4 * MIN } }, 5, TB_OK, "", NULL },
	{ "steps recorded in any order of entry, same times", EVPATH_NO_STANDBY,
	    { { EVSTEP_SERVE, T0 + 4 * MIN }, { EVSTEP_TEST, T0 + 3 * MIN },
	      { EVSTEP_DISCONNECT, T0 }, { EVSTEP_REBUILD, T0 + 2 * MIN },
	      { EVSTEP_IMAGE_STORAGE, T0 + MIN } }, 5, TB_OK, "", NULL },
	{ "the same instant as the stage before is in order",
	    EVPATH_NO_STANDBY,
	    { { EVSTEP_DISCONNECT, T0 }, { EVSTEP_IMAGE_STORAGE, T0 } }, 2,
	    TB_OK, "", "rebuild" },
	{ "imaged before isolating: out of order", EVPATH_NO_STANDBY,
	    { { EVSTEP_IMAGE_STORAGE, T0 }, { EVSTEP_DISCONNECT, T0 + MIN } },
	    2, TB_OK, "image_storage", "rebuild" },
	{ "rebuilt without imaging: out of order, imaging next",
	    EVPATH_NO_STANDBY,
	    { { EVSTEP_STOP_SERVICES, T0 }, { EVSTEP_REBUILD, T0 + MIN } }, 2,
	    TB_OK, "rebuild", "image_storage" },
	{ "served before testing", EVPATH_NO_STANDBY,
	    { { EVSTEP_DISCONNECT, T0 }, { EVSTEP_IMAGE_STORAGE, T0 + MIN },
	      { EVSTEP_REBUILD, T0 + 2 * MIN }, { EVSTEP_SERVE, T0 + 3 * MIN },
	      { EVSTEP_TEST, T0 + 4 * MIN } }, 5, TB_OK, "serve", NULL },
	{ "isolation by a later step counts from its earliest",
	    EVPATH_STANDBY,
	    { { EVSTEP_LIMITED_PATCHING, T0 + 5 * MIN },
	      { EVSTEP_DISCONNECT, T0 }, { EVSTEP_FAIL_OVER, T0 + MIN } }, 3,
	    TB_OK, "", "preserve_victim" },
	{ "standby: rebuilt before the victim was analysed", EVPATH_STANDBY,
	    { { EVSTEP_DISCONNECT, T0 }, { EVSTEP_FAIL_OVER, T0 + MIN },
	      { EVSTEP_REBUILD, T0 + 2 * MIN },
	      { EVSTEP_PRESERVE_VICTIM, T0 + 3 * MIN } }, 4, TB_OK, "rebuild",
	    "test" },
	{ "standby hit: the whole path", EVPATH_STANDBY_HIT,
	    { { EVSTEP_DISCONNECT, T0 }, { EVSTEP_KEEP_MINIMUM, T0 + MIN },
	      { EVSTEP_PRESERVE_EVIDENCE, T0 + 2 * MIN } }, 3, TB_OK, "",
	    NULL },
	{ "a step of another path is refused", EVPATH_STANDBY_HIT,
	    { { EVSTEP_REBUILD, T0 } }, 1, TB_EINVAL, "", NULL },
	{ "a step recorded twice is refused", EVPATH_NO_STANDBY,
	    { { EVSTEP_DISCONNECT, T0 }, { EVSTEP_DISCONNECT, T0 + MIN } }, 2,
	    TB_EINVAL, "", NULL },
	{ "a step without a time is refused", EVPATH_NO_STANDBY,
	    { { EVSTEP_DISCONNECT, TBTIME_NONE } }, 1, TB_EINVAL, "", NULL },
	{ "a path out of range is refused", EVPATH__COUNT, { NOSTEP }, 0,
	    TB_EINVAL, "", NULL },
};

static void
test_path_review(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(review_rows); i++) {
		struct evpath_review	 r;
		char			 ooo[256] = "";
		size_t			 nooo = 0;
		int			 rc;

		rc = evpath_review(review_rows[i].path, review_rows[i].done,
		    review_rows[i].ndone, &r);
		if (rc != review_rows[i].rc)
			fail_msg("%s: rc %d, want %d", review_rows[i].what,
			    rc, review_rows[i].rc);
		if (rc != TB_OK)
			continue;
		for (size_t j = 0; j < r.nsteps; j++) {
			if (!r.steps[j].out_of_order)
				continue;
			assert_int_equal(tb_snprintf(ooo + strlen(ooo),
			    sizeof(ooo) - strlen(ooo), "%s%s",
			    ooo[0] != '\0' ? "," : "",
			    evstep_name(r.steps[j].step)), TB_OK);
			nooo++;
		}
		if (strcmp(ooo, review_rows[i].out_of_order) != 0)
			fail_msg("%s: out of order \"%s\", want \"%s\"",
			    review_rows[i].what, ooo,
			    review_rows[i].out_of_order);
		assert_int_equal(r.nout_of_order, nooo);
		if (review_rows[i].next == NULL) {
			if (!r.complete || r.next != -1)
				fail_msg("%s: not complete (next %d)",
				    review_rows[i].what, r.next);
		} else {
			if (r.complete || r.next < 0 ||
			    strcmp(evstep_name(r.steps[r.next].step),
			    review_rows[i].next) != 0)
				fail_msg("%s: next %s, want %s",
				    review_rows[i].what, r.next < 0 ? "none" :
				    evstep_name(r.steps[r.next].step),
				    review_rows[i].next);
		}
		/* Isolation steps are the "any" ones, and only they. */
		for (size_t j = 0; j < r.nsteps; j++)
			assert_int_equal(r.steps[j].any,
			    r.steps[j].stage == 1);
	}
}

/* --- P26: contract clauses -------------------------------------------- */

static void
test_clauses_missing(void **state)
{
	bool	 all[EVCLAUSE__COUNT] = { true, true, true, true };
	bool	 none[EVCLAUSE__COUNT] = { false, false, false, false };
	bool	 some[EVCLAUSE__COUNT] = { true, false, true, false };

	(void)state;
	assert_int_equal(evclause_missing(all), 0);
	assert_int_equal(evclause_missing(none),
	    EVCLAUSE_BIT(EVCLAUSE_REPORTING) |
	    EVCLAUSE_BIT(EVCLAUSE_LOG_RETENTION) |
	    EVCLAUSE_BIT(EVCLAUSE_EVIDENCE_PRESERVATION) |
	    EVCLAUSE_BIT(EVCLAUSE_BACKUP));
	assert_int_equal(evclause_missing(some),
	    EVCLAUSE_BIT(EVCLAUSE_LOG_RETENTION) |
	    EVCLAUSE_BIT(EVCLAUSE_BACKUP));
}

/* --- P27: file names and hashes --------------------------------------- */

static const struct {
	const char		*name;
	size_t			 len;	/* 0: strlen(name) */
	enum evname_fault	 want;
} name_rows[] = {
	{ "access.log", 0, EVNAME_OK },
	{ "disk image 2026-01-10.E01", 0, EVNAME_OK },
	{ "主機記錄檔.txt", 0, EVNAME_OK },
	{ ".bash_history", 0, EVNAME_OK },
	{ "memory.dmp.", 0, EVNAME_OK },
	{ "a", 0, EVNAME_OK },
	{ "😀.png", 0, EVNAME_OK },
	{ "", 0, EVNAME_EMPTY },
	{ "../etc/passwd", 0, EVNAME_PATH },
	{ "dir/file.txt", 0, EVNAME_PATH },
	{ "C:\\temp\\x.exe", 0, EVNAME_PATH },
	{ "..", 0, EVNAME_DOTS },
	{ ".", 0, EVNAME_DOTS },
	{ "report..pdf", 0, EVNAME_DOTS },
	{ "line\nbreak.txt", 0, EVNAME_CONTROL },
	{ "tab\there", 0, EVNAME_CONTROL },
	{ "nul\0byte", 8, EVNAME_CONTROL },
	{ "bell\x07", 0, EVNAME_CONTROL },
	{ "del\x7f", 0, EVNAME_CONTROL },
	{ "c1\xc2\x85", 0, EVNAME_CONTROL },		/* U+0085 NEL */
	{ "invoice\xe2\x80\xaegpj.exe", 0, EVNAME_CONTROL },	/* U+202E */
	{ "iso\xe2\x81\xa6x", 0, EVNAME_CONTROL },	/* U+2066 */
	{ "bad\xff", 0, EVNAME_ENCODING },
	{ "overlong\xc0\xaf", 0, EVNAME_ENCODING },	/* "/" overlong */
	{ "surrogate\xed\xa0\x80", 0, EVNAME_ENCODING },
	{ "cut\xe4\xb8", 0, EVNAME_ENCODING },
	/* Several faults: the first in the enum's order wins. */
	{ "a/b\n", 0, EVNAME_PATH },
	{ "..\x01", 0, EVNAME_DOTS },
};

static void
test_name_check(void **state)
{
	char	 long_ok[EVIDENCE_NAME_MAX + 1];
	char	 long_bad[EVIDENCE_NAME_MAX + 2];
	char	 zh_bad[3 * 86 + 1];

	(void)state;
	for (size_t i = 0; i < NELEM(name_rows); i++) {
		size_t len = name_rows[i].len ? name_rows[i].len :
		    strlen(name_rows[i].name);
		enum evname_fault f = evidence_name_check(name_rows[i].name,
		    len);

		if (f != name_rows[i].want)
			fail_msg("row %zu: fault %d, want %d", i, f,
			    name_rows[i].want);
		assert_non_null(evidence_name_fault_text(f, false));
		assert_non_null(evidence_name_fault_text(f, true));
	}
	assert_int_equal(evidence_name_check(NULL, 0), EVNAME_EMPTY);
	memset(long_ok, 'x', EVIDENCE_NAME_MAX);
	long_ok[EVIDENCE_NAME_MAX] = '\0';
	assert_int_equal(evidence_name_check(long_ok, strlen(long_ok)),
	    EVNAME_OK);
	memset(long_bad, 'x', EVIDENCE_NAME_MAX + 1);
	long_bad[EVIDENCE_NAME_MAX + 1] = '\0';
	assert_int_equal(evidence_name_check(long_bad, strlen(long_bad)),
	    EVNAME_TOO_LONG);
	/* The limit is in bytes: 86 CJK characters are 258 bytes. */
	for (int i = 0; i < 86; i++)
		memcpy(zh_bad + 3 * i, "證", 3);
	zh_bad[3 * 86] = '\0';
	assert_int_equal(evidence_name_check(zh_bad, strlen(zh_bad)),
	    EVNAME_TOO_LONG);
	assert_null(evidence_name_fault_text(EVNAME__COUNT, true));
}

static void
test_sha256(void **state)
{
	char	 out[65];

	(void)state;
	assert_int_equal(evidence_sha256_normalise("E3B0C44298FC1C149AFBF4C8"
	    "996FB92427AE41E4649B934CA495991B7852B855", out), TB_OK);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e464"
	    "9b934ca495991b7852b855");
	assert_int_equal(evidence_sha256_normalise("e3b0c44298fc1c149afbf4c8"
	    "996fb92427ae41e4649b934ca495991b7852b855", out), TB_OK);
	/* 63 digits, 65 digits, a non-hex digit, NULL. */
	assert_int_equal(evidence_sha256_normalise("e3b0c44298fc1c149afbf4c8"
	    "996fb92427ae41e4649b934ca495991b7852b85", out), TB_EINVAL);
	assert_int_equal(evidence_sha256_normalise("e3b0c44298fc1c149afbf4c8"
	    "996fb92427ae41e4649b934ca495991b7852b8555", out), TB_EINVAL);
	assert_int_equal(evidence_sha256_normalise("g3b0c44298fc1c149afbf4c8"
	    "996fb92427ae41e4649b934ca495991b7852b855", out), TB_EINVAL);
	assert_int_equal(evidence_sha256_normalise(NULL, out), TB_EINVAL);
}

static void
test_malware_warning(void **state)
{
	(void)state;
	/* P27: the warning names VirusCheck and forbids other platforms. */
	assert_non_null(strstr(evidence_malware_warning(true), "VirusCheck"));
	assert_non_null(strstr(evidence_malware_warning(true),
	    "any other platform"));
	assert_non_null(strstr(evidence_malware_warning(false),
	    "VirusCheck"));
	assert_non_null(strstr(evidence_malware_warning(false), "其他平台"));
}

/* --- P27: chain of custody -------------------------------------------- */

static const struct evcustody_entry chain[] = {
	{ EVCUSTODY_COLLECTED, NULL, "wang", T0 },
	{ EVCUSTODY_HANDOVER, "wang", "lin", T0 + 10 * MIN },
	{ EVCUSTODY_DOWNLOAD, "tongbao", "chen", T0 + 20 * MIN },
};

static const struct {
	const char		*what;
	size_t			 n;	/* entries of chain[] before it */
	struct evcustody_entry	 next;
	enum evcustody_fault	 want;
} custody_rows[] = {
	{ "from the holder to another, later", 3,
	    { EVCUSTODY_HANDOVER, "lin", "forensics lab", T0 + 30 * MIN },
	    EVCUSTODY_F_OK },
	{ "at the same instant as the last hand-over", 2,
	    { EVCUSTODY_HANDOVER, "lin", "lab", T0 + 10 * MIN },
	    EVCUSTODY_F_OK },
	{ "a download does not move it: before the download is fine", 3,
	    { EVCUSTODY_HANDOVER, "lin", "lab", T0 + 15 * MIN },
	    EVCUSTODY_F_OK },
	{ "the downloader is not the holder", 3,
	    { EVCUSTODY_HANDOVER, "chen", "lab", T0 + 30 * MIN },
	    EVCUSTODY_F_NOT_HOLDER },
	{ "from a former holder", 3,
	    { EVCUSTODY_HANDOVER, "wang", "lab", T0 + 30 * MIN },
	    EVCUSTODY_F_NOT_HOLDER },
	{ "no from", 3,
	    { EVCUSTODY_HANDOVER, NULL, "lab", T0 + 30 * MIN },
	    EVCUSTODY_F_NOT_HOLDER },
	{ "to the holder itself", 3,
	    { EVCUSTODY_HANDOVER, "lin", "lin", T0 + 30 * MIN },
	    EVCUSTODY_F_SAME_PARTY },
	{ "before the last hand-over", 3,
	    { EVCUSTODY_HANDOVER, "lin", "lab", T0 + 5 * MIN },
	    EVCUSTODY_F_BEFORE_LAST },
	{ "in the future", 3,
	    { EVCUSTODY_HANDOVER, "lin", "lab", T0 + 24 * 60 * MIN },
	    EVCUSTODY_F_IN_FUTURE },
	{ "empty chain", 0,
	    { EVCUSTODY_HANDOVER, "lin", "lab", T0 },
	    EVCUSTODY_F_NO_CHAIN },
};

static void
test_custody(void **state)
{
	const int64_t	 now = T0 + 60 * MIN;

	(void)state;
	assert_null(evcustody_holder(chain, 0));
	assert_string_equal(evcustody_holder(chain, 1), "wang");
	assert_string_equal(evcustody_holder(chain, 3), "lin");
	for (size_t i = 0; i < NELEM(custody_rows); i++) {
		enum evcustody_fault f = evcustody_check(chain,
		    custody_rows[i].n, &custody_rows[i].next, now);

		if (f != custody_rows[i].want)
			fail_msg("%s: fault %d, want %d", custody_rows[i].what,
			    f, custody_rows[i].want);
	}
	/* Within the allowed clock skew is not "in the future". */
	{
		struct evcustody_entry e = { EVCUSTODY_HANDOVER, "lin", "lab",
		    now + EVIDENCE_CLOCK_SKEW_US };

		assert_int_equal(evcustody_check(chain, 3, &e, now),
		    EVCUSTODY_F_OK);
		e.at++;
		assert_int_equal(evcustody_check(chain, 3, &e, now),
		    EVCUSTODY_F_IN_FUTURE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_check),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_paths_as_written),
		cmocka_unit_test(test_path_suggest_and_fit),
		cmocka_unit_test(test_path_review),
		cmocka_unit_test(test_clauses_missing),
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_malware_warning),
		cmocka_unit_test(test_custody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
