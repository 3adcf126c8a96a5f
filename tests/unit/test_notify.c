/*
 * test_notify.c: the pure rules of notifications as tables (the retry
 * backoff, the reminder policy and stages, the catch-up decision, the
 * webhook HMAC, RFC 2047 headers, the MIME message, addresses, templates),
 * then the outbox on a real SQLite store: migration 5, idempotent
 * enqueueing, claiming, recording, recovery and the schedule rows.
 */
#define _GNU_SOURCE	/* nftw() flags */

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "config.h"
#include "domain/domain.h"
#include "notify/internal.h"
#include "notify/notify.h"
#include "store/store.h"
#include "util/util.h"

#define SEC	INT64_C(1000000)
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)

/* ---- backoff ---------------------------------------------------------- */

static void
test_backoff_table(void **state)
{
	static const struct {
		int64_t	 base_us, attempts, want_us;
	} rows[] = {
		/* CONVENTIONS: 2, 4, 8 ... seconds, capped at 10 minutes. */
		{ 2 * SEC, 1, 2 * SEC },
		{ 2 * SEC, 2, 4 * SEC },
		{ 2 * SEC, 3, 8 * SEC },
		{ 2 * SEC, 4, 16 * SEC },
		{ 2 * SEC, 9, 512 * SEC },
		{ 2 * SEC, 10, 600 * SEC },	/* 1024 s capped */
		{ 2 * SEC, 11, 600 * SEC },
		{ 2 * SEC, 1000, 600 * SEC },	/* no overflow */
		{ 2 * SEC, INT64_MAX, 600 * SEC },
		{ 2 * SEC, 0, 2 * SEC },	/* 0 reads as the first */
		{ 100 * 1000, 1, 100 * 1000 },	/* a test's short base */
		{ 100 * 1000, 4, 800 * 1000 },
		{ 0, 1, 1 },			/* never a zero wait */
		{ 20 * MIN, 1, 600 * SEC },	/* a base above the cap */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t	 got = notify_backoff_us(rows[i].base_us,
		    rows[i].attempts);

		if (got != rows[i].want_us)
			fail_msg("row %zu: base %lld attempts %lld: got %lld, "
			    "want %lld", i, (long long)rows[i].base_us,
			    (long long)rows[i].attempts, (long long)got,
			    (long long)rows[i].want_us);
	}
}

static void
test_retry_window(void **state)
{
	static const struct {
		int64_t	 created, now, attempts;
		int	 rc;
		int64_t	 next;
	} rows[] = {
		{ 0, 10 * SEC, 1, TB_OK, 12 * SEC },
		{ 0, 10 * SEC, 3, TB_OK, 18 * SEC },
		/* The next try would start past 24 h: dead-lettered. */
		{ 0, 24 * HOUR - 5 * SEC, 3, TB_ETOOBIG, 0 },
		{ 0, 24 * HOUR - 5 * SEC, 2, TB_OK, 24 * HOUR - 1 * SEC },
		{ 0, 24 * HOUR - 5 * SEC, 1, TB_OK, 24 * HOUR - 3 * SEC },
		{ 0, 24 * HOUR - 2 * SEC, 1, TB_OK, 24 * HOUR },
		{ 0, 24 * HOUR, 1, TB_ETOOBIG, 0 },
		{ 0, 23 * HOUR, 20, TB_OK, 23 * HOUR + 600 * SEC },
		{ 0, 23 * HOUR + 51 * MIN, 20, TB_ETOOBIG, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t	 next = -1;
		int	 rc = notify_retry_at(rows[i].created, rows[i].now,
		    rows[i].attempts, 2 * SEC, 24 * HOUR, &next);

		if (rc != rows[i].rc || (rc == TB_OK && next != rows[i].next))
			fail_msg("row %zu: rc %d next %lld, want %d %lld", i,
			    rc, (long long)next, rows[i].rc,
			    (long long)rows[i].next);
	}
}

/* ---- reminder policy and stages --------------------------------------- */

static void
test_policy_parse(void **state)
{
	static const struct {
		const char	*s;
		int		 rc;
		size_t		 n;
		int		 pct0;
		int64_t		 before0;
	} rows[] = {
		{ "50%,80%,-10m", TB_OK, 3, 50, 0 },
		{ "", TB_OK, 0, 0, 0 },
		{ " 25% , -1h ", TB_OK, 2, 25, 0 },
		{ "-30s", TB_OK, 1, 0, 30 * SEC },
		{ "-2h,-10m", TB_OK, 2, 0, 2 * HOUR },
		{ "1%,2%,3%,4%,5%,6%,7%,8%", TB_OK, 8, 1, 0 },
		{ "1%,2%,3%,4%,5%,6%,7%,8%,9%", TB_EINVAL, 0, 0, 0 },
		{ "0%", TB_EINVAL, 0, 0, 0 },
		{ "100%", TB_EINVAL, 0, 0, 0 },
		{ "50", TB_EINVAL, 0, 0, 0 },
		{ "%", TB_EINVAL, 0, 0, 0 },
		{ "-10x", TB_EINVAL, 0, 0, 0 },
		{ "-0m", TB_EINVAL, 0, 0, 0 },
		{ "10m", TB_EINVAL, 0, 0, 0 },
		{ "50%,", TB_EINVAL, 0, 0, 0 },
		{ ",50%", TB_EINVAL, 0, 0, 0 },
		{ "50%,,80%", TB_EINVAL, 0, 0, 0 },
		{ "-745h", TB_EINVAL, 0, 0, 0 },	/* over 31 days */
		{ "5 0%", TB_EINVAL, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct notify_policy	 p;
		int			 rc;

		memset(&p, 0, sizeof(p));
		p.escalate_us = 7;
		rc = notify_policy_parse(rows[i].s, &p);
		if (rc != rows[i].rc)
			fail_msg("row %zu \"%s\": rc %d, want %d", i,
			    rows[i].s, rc, rows[i].rc);
		if (rc != TB_OK)
			continue;
		assert_int_equal(p.n, rows[i].n);
		assert_int_equal(p.escalate_us, 7);	/* left alone */
		if (p.n > 0) {
			assert_int_equal(p.st[0].percent, rows[i].pct0);
			assert_int_equal(p.st[0].before_us, rows[i].before0);
		}
	}
}

static struct notify_policy
policy_of(const char *s, int64_t escalate)
{
	struct notify_policy	 p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(notify_policy_parse(s, &p), TB_OK);
	p.escalate_us = escalate;
	return p;
}

static void
test_stages_table(void **state)
{
	static const struct {
		const char	*policy;
		int64_t		 start, due;
		int		 escalate;
		size_t		 n;
		int64_t		 at[6];		/* relative to the epoch */
	} rows[] = {
		/* P10's one hour: half, 80 %, ten minutes before. */
		{ "50%,80%,-10m", 0, HOUR, 1, 5,
		    { 30 * MIN, 48 * MIN, 50 * MIN, HOUR + 1, 2 * HOUR + 1 } },
		/* P21's 72 hours. */
		{ "50%,80%,-10m", 0, 72 * HOUR, 1, 5,
		    { 36 * HOUR, 57 * HOUR + 36 * MIN, 72 * HOUR - 10 * MIN,
		    72 * HOUR + 1, 73 * HOUR + 1 } },
		/* Five minutes: ten minutes before is before the start. */
		{ "50%,80%,-10m", 0, 5 * MIN, 1, 4,
		    { 150 * SEC, 240 * SEC, 5 * MIN + 1, HOUR + 5 * MIN + 1 } },
		/* Two stages at one instant are one. */
		{ "50%,-30m", 0, HOUR, 0, 2, { 30 * MIN, HOUR + 1 } },
		/* Given in any order, sent in time order. */
		{ "-10m,80%,50%", 0, HOUR, 0, 4,
		    { 30 * MIN, 48 * MIN, 50 * MIN, HOUR + 1 } },
		/* No start known: only the "before due" stages. */
		{ "50%,80%,-10m", INT64_MIN, HOUR, 0, 2,
		    { 50 * MIN, HOUR + 1 } },
		/* No reminders at all: only the escalations. */
		{ "", 0, HOUR, 1, 2, { HOUR + 1, 2 * HOUR + 1 } },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct notify_policy	 p = policy_of(rows[i].policy, HOUR);
		struct notify_stage	 st[NOTIFY_REMINDERS_MAX + 2];
		size_t			 n;

		n = notify_stages(&p, rows[i].start, rows[i].due,
		    rows[i].due + 1, rows[i].escalate, st);
		if (n != rows[i].n)
			fail_msg("row %zu: %zu stages, want %zu", i, n,
			    rows[i].n);
		for (size_t k = 0; k < n; k++) {
			int	 want_stage = (int)k + 1;

			if (rows[i].escalate && k == n - 1)
				want_stage = NOTIFY_STAGE_ESCALATE;
			else if (k == n - 1 - (rows[i].escalate ? 1 : 0))
				want_stage = NOTIFY_STAGE_OVERDUE;
			if (st[k].at != rows[i].at[k] ||
			    st[k].stage != want_stage)
				fail_msg("row %zu stage %zu: %d at %lld, want "
				    "%d at %lld", i, k, st[k].stage,
				    (long long)st[k].at, want_stage,
				    (long long)rows[i].at[k]);
		}
	}
}

static void
test_stage_next_table(void **state)
{
	struct notify_policy	 p = policy_of("50%,80%,-10m", HOUR);
	struct notify_stage	 st[NOTIFY_REMINDERS_MAX + 2];
	size_t			 n;
	/* One hour from 0: 30 m (1), 48 m (2), 50 m (3), overdue 1 h,
	 * escalate 2 h. */
	static const struct {
		int		 sent;
		int64_t		 now;
		int		 send, after;
		int64_t		 next;
	} rows[] = {
		{ 0, 10 * MIN, 0, 0, 30 * MIN },
		{ 0, 30 * MIN, 1, 1, 48 * MIN },
		{ 1, 30 * MIN, 0, 1, 48 * MIN },	/* sent already */
		{ 1, 49 * MIN, 2, 2, 50 * MIN },
		/* Down from 20 m to 55 m: only the latest (3), not 1 and 2. */
		{ 0, 55 * MIN, 3, 3, HOUR + 1 },
		{ 3, HOUR + 1, NOTIFY_STAGE_OVERDUE, NOTIFY_STAGE_OVERDUE,
		    2 * HOUR + 1 },
		/* Down through both escalations: DoIT's only. */
		{ 2, 3 * HOUR, NOTIFY_STAGE_ESCALATE, NOTIFY_STAGE_ESCALATE,
		    INT64_MIN },
		{ NOTIFY_STAGE_ESCALATE, 5 * HOUR, 0, NOTIFY_STAGE_ESCALATE,
		    INT64_MIN },
		/* Down two days: too old to send, recorded as passed. */
		{ 0, 50 * HOUR, 0, NOTIFY_STAGE_ESCALATE, INT64_MIN },
		/* Exactly a day old is still sent. */
		{ 3, 2 * HOUR + 1 + 24 * HOUR, NOTIFY_STAGE_ESCALATE,
		    NOTIFY_STAGE_ESCALATE, INT64_MIN },
	};

	n = notify_stages(&p, 0, HOUR, HOUR + 1, 1, st);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int	 send = -1, after = -1;
		int64_t	 next = -1;

		notify_stage_next(st, n, rows[i].sent, rows[i].now, &send,
		    &after, &next);
		if (send != rows[i].send || after != rows[i].after ||
		    next != rows[i].next)
			fail_msg("row %zu: send %d after %d next %lld; want %d "
			    "%d %lld", i, send, after, (long long)next,
			    rows[i].send, rows[i].after,
			    (long long)rows[i].next);
	}
}

static void
test_daytime(void **state)
{
	static const struct {
		const char	*s;
		int		 rc, minutes;
	} rows[] = {
		{ "08:00", TB_OK, 480 }, { "00:00", TB_OK, 0 },
		{ "23:59", TB_OK, 1439 }, { "", TB_OK, -1 },
		{ "24:00", TB_EINVAL, 0 }, { "8:00", TB_EINVAL, 0 },
		{ "08:60", TB_EINVAL, 0 }, { "08-00", TB_EINVAL, 0 },
		{ "08:00 ", TB_EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int	 m = -2, rc = notify_daytime_parse(rows[i].s, &m);

		assert_int_equal(rc, rows[i].rc);
		if (rc == TB_OK)
			assert_int_equal(m, rows[i].minutes);
	}
}

/* ---- the webhook signature -------------------------------------------- */

static void
test_hmac_vectors(void **state)
{
	/* Expected values from Python's hmac module (hashlib.sha256). */
	static const struct {
		const char	*secret;
		int64_t		 ts;
		const char	*body;
		const char	*hex;
	} rows[] = {
		{ "whsec-test", 1764000000, "{\"id\":\"a\"}",
		  "f0aa045d0c11598841067791699148718401ed0e18fd6b1b4aff0f8e00fd"
		  "6df2" },
		{ "", 0, "",
		  "b849d5a581847b281957065739df36df2463d1977ea8d6e1e4e6cf33fadc"
		  "68c3" },
		/* A key longer than the block size is hashed first. */
		{ "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
		  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
		  1764000000, "body",
		  "5ef437d695154aad5536814363375d5f4ad943af7d6e779a1f82393e2c82"
		  "5d8a" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char	 sig[NOTIFY_SIGNATURE_SIZE], want[80];

		notify_webhook_sign(rows[i].secret, rows[i].ts, rows[i].body,
		    strlen(rows[i].body), sig);
		assert_int_equal(tb_snprintf(want, sizeof(want), "sha256=%s",
		    rows[i].hex), TB_OK);
		assert_string_equal(sig, want);
	}
}

/* ---- e-mail ----------------------------------------------------------- */

static void
test_addr_valid(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
	} rows[] = {
		{ "ca.window@demo.tongbao.test", 1 }, { "a+b@x.tw", 1 },
		{ "x@y", 1 }, { "", 0 }, { "@x.tw", 0 }, { "a@", 0 },
		{ "a@@x.tw", 0 }, { "a b@x.tw", 0 }, { "a@x .tw", 0 },
		{ "<a@x.tw>", 0 }, { "a@x.tw\r\nRCPT TO:<b@y>", 0 },
		{ "a.@x.tw", 0 }, { ".a@x.tw", 0 }, { "a..b@x.tw", 0 },
		{ "a@x..tw", 0 }, { "a@.x.tw", 0 }, { "a@x.tw.", 0 },
		{ "陳@x.tw", 0 }, { "a\"b@x.tw", 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (notify_addr_valid(rows[i].s) != rows[i].ok)
			fail_msg("row %zu \"%s\": want %d", i, rows[i].s,
			    rows[i].ok);
	assert_int_equal(notify_addr_valid(NULL), 0);
}

/* Decodes a header value of encoded words back to UTF-8 into out. */
static void
decode_words(const char *v, char *out, size_t outlen)
{
	size_t	 o = 0;

	while (*v != '\0') {
		const char	*b, *e;
		unsigned char	 raw[128];
		size_t		 n;

		assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
		b = v + 10;
		e = strstr(b, "?=");
		assert_non_null(e);
		/* RFC 2047: an encoded word is at most 75 characters. */
		assert_true(e + 2 - v <= 75);
		assert_int_equal(sodium_base642bin(raw, sizeof(raw), b,
		    (size_t)(e - b), NULL, &n, NULL,
		    sodium_base64_VARIANT_ORIGINAL), 0);
		assert_true(o + n < outlen);
		memcpy(out + o, raw, n);
		o += n;
		/* Each word holds whole UTF-8 characters. */
		assert_int_equal(utf8_valid_text((const char *)raw, n), 1);
		v = e + 2;
		if (strncmp(v, "\r\n ", 3) == 0)
			v += 3;
	}
	out[o] = '\0';
}

static void
test_mime_header(void **state)
{
	static const char *const rows[] = {
		"[通報] 民政局資安事件新通報：官網遭置換",
		"短",
		"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
		"一二三四五六七八九十一二三四五六七八九十",
		"mixed ASCII 與中文 and 😀 emoji",
	};
	struct buf	 b;
	char		 back[1024];

	buf_init(&b, 8192);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		buf_reset(&b);
		assert_int_equal(notify_mime_header(&b, rows[i]), TB_OK);
		decode_words(buf_str(&b), back, sizeof(back));
		assert_string_equal(back, rows[i]);
	}
	/* Plain ASCII stays readable. */
	buf_reset(&b);
	assert_int_equal(notify_mime_header(&b, "Reminder: report due"),
	    TB_OK);
	assert_string_equal(buf_str(&b), "Reminder: report due");
	/* A line break in data can never start a header of its own. */
	buf_reset(&b);
	assert_int_equal(notify_mime_header(&b, "標題\r\nBcc: x@y.z"), TB_OK);
	assert_null(strstr(buf_str(&b), "\r\nBcc"));
	decode_words(buf_str(&b), back, sizeof(back));
	assert_string_equal(back, "標題  Bcc: x@y.z");
	buf_reset(&b);
	assert_int_equal(notify_mime_header(&b, "a\r\nBcc: x@y.z"), TB_OK);
	assert_null(strstr(buf_str(&b), "\r\nBcc"));
	buf_free(&b);
}

static void
test_html_escape(void **state)
{
	struct buf	 b;

	buf_init(&b, 1024);
	assert_int_equal(notify_html_escape(&b,
	    "<script>alert(\"x\" & 'y')</script>中文"), TB_OK);
	assert_string_equal(buf_str(&b), "&lt;script&gt;alert(&quot;x&quot; "
	    "&amp; &#39;y&#39;)&lt;/script&gt;中文");
	buf_free(&b);
}

static void
test_mime_build(void **state)
{
	struct notify_mail	 m;
	struct buf		 a, b;
	const char		*p, *line;

	memset(&m, 0, sizeof(m));
	m.from = "tongbao@doit.gov.taipei";
	m.from_name = "臺北市資安事件通報系統";
	m.to = "ca.window@demo.tongbao.test";
	m.to_name = "民政局通報窗口";
	m.subject = "[通報] 提醒：通報將於 2026-11-25 16:30 到期";
	m.text = "第一行\n第二行";
	m.html = "<p>第一行</p>";
	m.key = "rem.1.report..0.s1";
	m.date = INT64_C(1764059400) * SEC;	/* 2025-11-25 16:30 +08:00 */
	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	/* "..": not a dot-atom, refused before anything is built. */
	assert_int_equal(notify_mime_build(&a, &m), TB_EINVAL);
	m.key = "rem.1.report._.0.s1";
	assert_int_equal(notify_mime_build(&a, &m), TB_OK);
	assert_int_equal(notify_mime_build(&b, &m), TB_OK);
	/* The same input is the same bytes: a retry is the same message. */
	assert_string_equal(buf_str(&a), buf_str(&b));
	p = buf_str(&a);
	assert_non_null(strstr(p, "Date: Tue, 25 Nov 2025 16:30:00 +0800\r\n"));
	assert_non_null(strstr(p, "\r\nMessage-ID: <rem.1.report._.0.s1@doit"
	    ".gov.taipei>\r\n"));
	assert_non_null(strstr(p, "\r\n <ca.window@demo.tongbao.test>\r\n"));
	assert_non_null(strstr(p, "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(p, "Content-Type: text/plain; charset=UTF-8"));
	assert_non_null(strstr(p, "Content-Type: text/html; charset=UTF-8"));
	/* Every line ends in CRLF and none is longer than 78 characters. */
	for (line = p; *line != '\0';) {
		const char *e = strstr(line, "\r\n");

		assert_non_null(e);
		assert_true(e - line <= 78);
		assert_null(memchr(line, '\n', (size_t)(e - line)));
		line = e + 2;
	}
	/* A bad recipient is refused, not sent. */
	m.to = "x@y\r\nDATA";
	buf_reset(&a);
	assert_int_equal(notify_mime_build(&a, &m), TB_EINVAL);
	buf_free(&a);
	buf_free(&b);
}

/* ---- templates -------------------------------------------------------- */

static void
test_render(void **state)
{
	struct notify_rendered	 r;
	json_t			*v;

	v = json_pack("{s:I, s:s, s:s, s:I, s:b, s:s, s:I, s:s}",
	    "incident_id", (json_int_t)42, "agency_name", "民政局",
	    "title", "<script>x</script>", "level", (json_int_t)3,
	    "exercise", 1, "obligation", "damage_control",
	    "due_at", (json_int_t)(INT64_C(1764059400) * SEC),
	    "link", "http://h/#/incidents/42?a=1&b=2");
	assert_int_equal(notify_render(NOTIFY_KIND_REMINDER, "zh-TW", v, &r),
	    TB_OK);
	assert_string_equal(r.subject, "[通報] [演練] 提醒：損害控制或復原將於 "
	    "2025-11-25 16:30 到期：<script>x</script>");
	assert_non_null(strstr(r.text, "等級：第 3 級\n"));
	assert_non_null(strstr(r.text, "事件編號：42\n"));
	assert_non_null(strstr(r.text,
	    "連結：http://h/#/incidents/42?a=1&b=2"));
	/* HTML: data escaped, the link's & too. */
	assert_null(strstr(r.html, "<script>"));
	assert_non_null(strstr(r.html, "&lt;script&gt;x&lt;/script&gt;"));
	assert_non_null(strstr(r.html, "href=\"http://h/#/incidents/42?a=1&amp;"
	    "b=2\""));
	assert_non_null(strstr(r.html, "<html lang=\"zh-Hant-TW\">"));
	notify_rendered_free(&r);
	assert_int_equal(notify_render(NOTIFY_KIND_REMINDER, "en", v, &r),
	    TB_OK);
	assert_string_equal(r.subject, "[Tongbao] [Exercise] Reminder: damage "
	    "control is due 2025-11-25 16:30: <script>x</script>");
	assert_non_null(strstr(r.text, "Level: level 3\n"));
	notify_rendered_free(&r);
	/* An unknown kind is refused; an unknown locale is zh-TW. */
	assert_int_equal(notify_render("nope", "zh-TW", v, &r), TB_EINVAL);
	assert_int_equal(notify_render(NOTIFY_KIND_ESCALATION, "fr", v, &r),
	    TB_OK);
	assert_non_null(strstr(r.subject, "已逾期"));
	notify_rendered_free(&r);
	json_decref(v);
	/* The digest lists its items. */
	v = json_pack("{s:s, s:I, s:I, s:[{s:s, s:s, s:s, s:I, s:I}]}",
	    "date", "2026-11-25", "now_at", (json_int_t)0, "count",
	    (json_int_t)1, "items", "agency_name", "民政局", "title", "T&T",
	    "obligation", "report", "due_at", (json_int_t)0, "incident_id",
	    (json_int_t)7);
	assert_int_equal(notify_render(NOTIFY_KIND_DIGEST, "zh-TW", v, &r),
	    TB_OK);
	assert_string_equal(r.subject, "[通報] 全市逾期事項日報（2026-11-25）："
	    "1 項");
	assert_non_null(strstr(r.text, "1. 民政局 | T&T | 通報 | "));
	assert_non_null(strstr(r.text, " | #7\n"));
	assert_non_null(strstr(r.html, "<td>T&amp;T</td>"));
	notify_rendered_free(&r);
	json_decref(v);
}

/* ---- the outbox on a store -------------------------------------------- */

struct fix {
	char		 dir[64];
	char		 db[128];
	struct store	*st;
	struct config	 cfg;
	int64_t		 user;
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup_store(void **state)
{
	struct fix		*f = calloc(1, sizeof(*f));
	struct store_conn	*c;
	struct store_agency	 a;
	struct store_user	 u;
	static const char *const roles[] = { "contact_window" };
	char			 err[256];
	int			 applied;

	assert_non_null(f);
	assert_int_equal(tb_strlcpy(f->dir, "/tmp/tb_notify_XXXXXX",
	    sizeof(f->dir)), TB_OK);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(tb_snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir),
	    TB_OK);
	assert_int_equal(store_open(f->db, &f->st), TB_OK);
	assert_int_equal(store_migrate(f->st, &applied, err, sizeof(err)),
	    TB_OK);
	config_init(&f->cfg);
	/* E-mail on (nothing is sent: no worker runs here); no webhook. */
	assert_int_equal(config_set(&f->cfg, "smtp_url", "smtp://127.0.0.1:9",
	    err, sizeof(err)), TB_OK);
	assert_int_equal(notify_configure(&f->cfg, err, sizeof(err)), TB_OK);

	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	memset(&a, 0, sizeof(a));
	a.code = "ca";
	a.name = "民政局";
	a.type = "city_agency";
	a.responsibility_level = "A";
	a.active = 1;
	assert_int_equal(store_agency_insert(c, &a), TB_OK);
	memset(&u, 0, sizeof(u));
	u.id = f->user = store_new_id();
	u.username = "ca.window";
	u.name = "王小明";
	u.agency = "ca";
	u.email = "ca.window@demo.tongbao.test";
	u.employment = "civil_servant";
	u.active = 1;
	assert_int_equal(store_user_insert(c, &u, roles, 1), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
	*state = f;
	return 0;
}

static int
teardown_store(void **state)
{
	struct fix	*f = *state;

	store_close(f->st);
	config_cleanup(&f->cfg);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Enqueues a test message to the fixture's user under key. */
static int
enqueue(struct fix *f, const char *key, int64_t now, size_t *queued)
{
	struct notify_request	 r;
	struct store_conn	*c;
	json_t			*v = json_pack("{s:s, s:s}", "subject", "主旨",
				    "text", "內文");
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.key = key;
	r.kind = NOTIFY_KIND_TEST;
	r.users = &f->user;
	r.nusers = 1;
	r.vars = v;
	r.now = now;
	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	if ((rc = notify_enqueue(c, &r, queued)) == TB_OK)
		assert_int_equal(store_tx_commit(c), TB_OK);
	else
		store_tx_rollback(c);
	store_release(c);
	json_decref(v);
	return rc;
}

static int
count_cb(void *arg, const struct store_outbox *m)
{
	(*(int *)arg)++;
	return TB_OK;
}

static void
test_migration_tables(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	static const char *const tables[] = { "outbox", "notify_prefs",
	    "reachability_checks", "reachability_confirmations",
	    "notify_schedule" };

	assert_true(store_schema_latest() >= 5);
	assert_int_equal(store_read(f->st, &c), TB_OK);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		int	 exists = 0;

		assert_int_equal(store_notify_has_table(c, tables[i], &exists),
		    TB_OK);
		if (!exists)
			fail_msg("migration 5 did not create %s", tables[i]);
	}
	store_release(c);
}

static void
test_enqueue_idempotent(void **state)
{
	struct fix		*f = *state;
	struct store_outbox_page pg;
	struct store_conn	*c;
	size_t			 q = 99;
	int			 n = 0;
	int64_t			 now = tb_now_us();

	/* No webhook_url: one e-mail only. */
	assert_int_equal(enqueue(f, "t.one", now, &q), TB_OK);
	assert_int_equal(q, 1);
	/* The same change again: nothing more. */
	assert_int_equal(enqueue(f, "t.one", now, &q), TB_OK);
	assert_int_equal(q, 0);
	assert_int_equal(enqueue(f, "t.two", now, &q), TB_OK);
	assert_int_equal(q, 1);
	/* Keys that could not be a Message-ID are refused. */
	static const char *const bad[] = { "", "a b", "a..b", ".a", "a.",
	    "a:b", "中", "a/b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(enqueue(f, bad[i], now, &q), TB_EINVAL);
	memset(&pg, 0, sizeof(pg));
	pg.state = "pending";
	pg.after_created = INT64_MIN;
	pg.limit = 100;
	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_outbox_list(c, &pg, count_cb, &n), TB_OK);
	store_release(c);
	assert_int_equal(n, 2);
}

static int
state_cb(void *arg, const struct store_outbox *m)
{
	struct store_outbox	*o = arg;

	o->id = m->id;
	o->attempts = m->attempts;
	o->next_attempt_at = m->next_attempt_at;
	o->sent_at = m->sent_at;
	/* The state outlives the callback through a static copy. */
	o->state = strcmp(m->state, "pending") == 0 ? "pending" :
	    strcmp(m->state, "sending") == 0 ? "sending" :
	    strcmp(m->state, "sent") == 0 ? "sent" : "dead";
	return TB_OK;
}

static void
test_claim_finish_recover(void **state)
{
	struct fix		*f = *state;
	struct store_outbox	 o;
	struct store_conn	*c;
	int64_t			 ids[8], now = tb_now_us(), at, n64;
	size_t			 n, q;
	int			 found;

	assert_int_equal(enqueue(f, "t.claim", now, &q), TB_OK);
	assert_int_equal(store_write(f->st, &c), TB_OK);
	/* Outside a transaction the writes are refused. */
	assert_int_equal(store_outbox_claim(c, now, now + 1, ids, 8, &n),
	    TB_EINVAL);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_outbox_claim(c, now, now + MIN, ids, 8, &n),
	    TB_OK);
	assert_int_equal(n, 1);
	/* Claimed and leased: not claimable again until the lease ends. */
	assert_int_equal(store_outbox_claim(c, now + 1, now + MIN, ids + 1, 7,
	    &n), TB_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_get(c, ids[0], state_cb, &o), TB_OK);
	assert_string_equal(o.state, "sending");
	assert_int_equal(o.attempts, 1);
	assert_int_equal(store_outbox_next(c, &at, &found), TB_OK);
	assert_int_equal(found, 1);
	assert_int_equal(at, now + MIN);
	/* A killed process left it sending: recovery makes it due now. */
	assert_int_equal(store_outbox_recover(c, now + 5, &n64), TB_OK);
	assert_int_equal(n64, 1);
	assert_int_equal(store_outbox_get(c, ids[0], state_cb, &o), TB_OK);
	assert_string_equal(o.state, "pending");
	assert_int_equal(o.next_attempt_at, now + 5);
	/* Claimed again: attempts counts the tries. */
	assert_int_equal(store_outbox_claim(c, now + 5, now + MIN, ids, 8,
	    &n), TB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_finish(c, ids[0], "pending", now + SEC,
	    "HTTP 500", 0), TB_OK);
	/* Not sending any more: a second outcome is refused. */
	assert_int_equal(store_outbox_finish(c, ids[0], "sent", now, NULL,
	    now), TB_ENOTFOUND);
	assert_int_equal(store_outbox_claim(c, now + SEC, now + MIN, ids, 8,
	    &n), TB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_finish(c, ids[0], "dead", now, "gone",
	    0), TB_OK);
	assert_int_equal(store_outbox_get(c, ids[0], state_cb, &o), TB_OK);
	assert_string_equal(o.state, "dead");
	assert_int_equal(o.attempts, 3);
	/* DoIT retries a dead one. */
	assert_int_equal(store_outbox_retry(c, ids[0], now + 2 * SEC), TB_OK);
	assert_int_equal(store_outbox_retry(c, ids[0], now + 2 * SEC),
	    TB_ENOTFOUND);
	assert_int_equal(store_outbox_claim(c, now + 2 * SEC, now + MIN, ids,
	    8, &n), TB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_finish(c, ids[0], "sent", now, NULL,
	    now + 3 * SEC), TB_OK);
	assert_int_equal(store_outbox_get(c, ids[0], state_cb, &o), TB_OK);
	assert_string_equal(o.state, "sent");
	assert_int_equal(o.sent_at, now + 3 * SEC);
	assert_int_equal(store_outbox_next(c, &at, &found), TB_OK);
	assert_int_equal(found, 0);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
}

static void
test_rollback_drops_messages(void **state)
{
	struct fix		*f = *state;
	struct notify_request	 r;
	struct store_conn	*c;
	json_t			*v = json_pack("{s:s, s:s}", "subject", "s",
				    "text", "t");
	int64_t			 at;
	size_t			 q;
	int			 found;

	memset(&r, 0, sizeof(r));
	r.key = "t.rolled";
	r.kind = NOTIFY_KIND_TEST;
	r.users = &f->user;
	r.nusers = 1;
	r.vars = v;
	r.now = tb_now_us();
	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(notify_enqueue(c, &r, &q), TB_OK);
	assert_int_equal(q, 1);
	/* The change failed: its message goes with it. */
	assert_int_equal(store_tx_rollback(c), TB_OK);
	assert_int_equal(store_outbox_next(c, &at, &found), TB_OK);
	assert_int_equal(found, 0);
	store_release(c);
	json_decref(v);
}

static void
test_preferences(void **state)
{
	struct fix			*f = *state;
	struct store_notify_prefs	 p;
	struct store_conn		*c;
	size_t				 q;

	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_notify_prefs_get(c, f->user, &p), TB_OK);
	assert_int_equal(p.email, 1);
	assert_int_equal(p.webhook, 1);
	assert_string_equal(p.locale, "");
	p.email = 0;
	p.updated_at = 1;
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_notify_prefs_put(c, &p), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
	/* E-mail off and no webhook: nothing is written for this person. */
	assert_int_equal(enqueue(f, "t.prefs", tb_now_us(), &q), TB_OK);
	assert_int_equal(q, 0);
}

static void
test_channels_configured(void **state)
{
	struct fix	*f = *state;
	char		 err[256];
	size_t		 q;

	/* Both channels: an e-mail and a webhook message per person. */
	assert_int_equal(config_set(&f->cfg, "webhook_url",
	    "http://127.0.0.1:9/hook", err, sizeof(err)), TB_OK);
	assert_int_equal(notify_configure(&f->cfg, err, sizeof(err)), TB_OK);
	assert_int_equal(enqueue(f, "t.both", tb_now_us(), &q), TB_OK);
	assert_int_equal(q, 2);
	/* Neither: nothing could deliver them, so nothing is written. */
	assert_int_equal(config_set(&f->cfg, "webhook_url", "", err,
	    sizeof(err)), TB_OK);
	assert_int_equal(config_set(&f->cfg, "smtp_url", "", err,
	    sizeof(err)), TB_OK);
	assert_int_equal(notify_configure(&f->cfg, err, sizeof(err)), TB_OK);
	assert_int_equal(enqueue(f, "t.none", tb_now_us(), &q), TB_OK);
	assert_int_equal(q, 0);
	/* A bad reminder policy is refused with a message. */
	assert_int_equal(config_set(&f->cfg, "notify_reminders", "50", err,
	    sizeof(err)), TB_OK);
	assert_int_equal(notify_configure(&f->cfg, err, sizeof(err)),
	    TB_EINVAL);
	assert_non_null(strstr(err, "notify_reminders"));
}

static void
test_schedule_rows(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	struct store_sched	 r;
	int64_t			 at, nx;
	int			 sent, found;

	memset(&r, 0, sizeof(r));
	r.incident_id = 1;
	r.obligation = "report";
	r.subject = "";
	r.period = 0;
	r.stage_sent = 2;
	r.next_at = 5000;
	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_sched_get(c, &r, &sent, &nx, &found), TB_OK);
	assert_int_equal(found, 0);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_sched_put(c, &r, 1), TB_OK);
	r.obligation = "team_formed";
	r.next_at = 3000;
	assert_int_equal(store_sched_put(c, &r, 1), TB_OK);
	assert_int_equal(store_sched_next(c, &at, &found), TB_OK);
	assert_int_equal(found, 1);
	assert_int_equal(at, 3000);
	/* Replacing a row keeps one row per obligation. */
	r.stage_sent = 3;
	r.next_at = 0;		/* nothing more due */
	assert_int_equal(store_sched_put(c, &r, 2), TB_OK);
	assert_int_equal(store_sched_get(c, &r, &sent, &nx, &found), TB_OK);
	assert_int_equal(found, 1);
	assert_int_equal(sent, 3);
	assert_int_equal(store_sched_next(c, &at, &found), TB_OK);
	assert_int_equal(at, 5000);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
}

/* ---- who is told of an incident (issue 6 §3) ------------------------ */

struct seen {
	char	 lines[64][160];	/* "kind username" per message */
	size_t	 n;
};

static int
seen_cb(void *arg, const struct store_outbox *m)
{
	struct seen	*x = arg;

	if (x->n < 64 && strcmp(m->channel, "email") == 0)
		assert_int_equal(tb_snprintf(x->lines[x->n++],
		    sizeof(x->lines[0]), "%s %s", m->kind,
		    m->recipient_username), TB_OK);
	return TB_OK;
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The e-mails written for incident id, as sorted "kind username" lines
 * joined by commas. */
static void
seen_of(struct fix *f, int64_t id, char *out, size_t len)
{
	struct store_outbox_page pg;
	struct store_conn	*c;
	struct seen		 x;

	memset(&x, 0, sizeof(x));
	memset(&pg, 0, sizeof(pg));
	pg.incident_id = id;
	pg.after_created = INT64_MIN;
	pg.limit = 100;
	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_outbox_list(c, &pg, seen_cb, &x), TB_OK);
	store_release(c);
	qsort(x.lines, x.n, sizeof(x.lines[0]), line_cmp);
	out[0] = '\0';
	for (size_t i = 0; i < x.n; i++) {
		size_t	 at = strlen(out);

		assert_int_equal(tb_snprintf(out + at, len - at, "%s%s",
		    i > 0 ? "," : "", x.lines[i]), TB_OK);
	}
}

static void
exec_ok(struct store_conn *c, const char *sql)
{
	if (store_exec(c, sql) != TB_OK)
		fail_msg("%s: %s", sql, store_errmsg(c));
}

static void
test_incident_recipients(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	char			 got[4096], sql[1024];
	int64_t			 now = tb_now_us(), at, nx;
	int			 sent, found;
	struct store_sched	 key;

	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	/* ca (fixture) gets a superior and a supervisor; DoIT; an affected
	 * agency; people with each role that matters. */
	exec_ok(c, "INSERT INTO agencies (code, name, type, "
	    "responsibility_level, created_at, updated_at) VALUES "
	    "('gov', '上級', 'city_agency', 'A', 1, 1),"
	    "('sup', '監督', 'city_agency', 'A', 1, 1),"
	    "('doit', '資訊局', 'doit', 'A', 1, 1),"
	    "('aff', '受影響', 'city_agency', 'A', 1, 1),"
	    "('far', '無關', 'city_agency', 'A', 1, 1);"
	    "UPDATE agencies SET superior = 'gov', supervisor = 'sup' "
	    "WHERE code = 'ca'");
	static const struct {
		int		 id;
		const char	*name, *agency, *role;
	} people[] = {
		{ 11, "ca.deputy", "ca", "contact_window" },
		{ 12, "ca.ciso", "ca", "ciso" },
		{ 13, "ca.staff", "ca", "reporter" },
		{ 14, "doit.rev", "doit", "doit_reviewer" },
		{ 15, "gov.viewer", "gov", "superior_viewer" },
		{ 16, "sup.viewer", "sup", "superior_viewer" },
		{ 17, "far.viewer", "far", "superior_viewer" },
		{ 18, "aff.window", "aff", "contact_window" },
		{ 19, "far.window", "far", "contact_window" },
	};
	for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO "
		    "users (id, username, name, agency, email, employment, "
		    "created_at, updated_at) VALUES (%d, '%s', '%s', '%s', "
		    "'%s@x.test', 'civil_servant', 1, 1); INSERT INTO "
		    "user_roles (user_id, role, granted_at) VALUES (%d, "
		    "'%s', 1)",
		    people[i].id, people[i].name, people[i].name,
		    people[i].agency, people[i].name, people[i].id,
		    people[i].role), TB_OK);
		exec_ok(c, sql);
	}
	/* Incident 500 of ca, level 2, affecting aff; its report is owed
	 * and a level review is open; closure met. */
	assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO incidents "
	    "(id, agency, title, category, aware_at, proposed_level, level, "
	    "reported_by, policy, state, created_at, updated_at) VALUES (500, "
	    "'ca', '官網遭置換', 'web_attack', %lld, 2, 2, 12, '2019-01-01', "
	    "'new', 1, 1); INSERT INTO incident_affected (incident, agency) "
	    "VALUES (500, 'aff'); INSERT INTO obligations (incident, name, "
	    "agency, level, start_at, due_at, overdue_from, due_key, state) "
	    "VALUES (500, 'report', 'ca', 2, %lld, %lld, %lld, %lld, 'open'),"
	    "(500, 'level_review', 'ca', 2, %lld, %lld, %lld, %lld, 'open'),"
	    "(500, 'closure_report', 'ca', 2, %lld, %lld, %lld, %lld, 'met')",
	    (long long)now, (long long)now, (long long)(now + HOUR),
	    (long long)(now + HOUR + 1), (long long)(now + HOUR),
	    (long long)now, (long long)(now + 8 * HOUR),
	    (long long)(now + 8 * HOUR + 1), (long long)(now + 8 * HOUR),
	    (long long)now, (long long)(now + 30 * 24 * HOUR),
	    (long long)(now + 30 * 24 * HOUR + 1),
	    (long long)(now + 30 * 24 * HOUR)), TB_OK);
	exec_ok(c, sql);
	/* Created by ca.ciso, who is not told of their own change. */
	assert_int_equal(notify_incident_changed(c, 500, 0, "created",
	    "ca.ciso"), TB_OK);
	/* The same change again: nothing more. */
	assert_int_equal(notify_incident_changed(c, 500, 0, "created",
	    "ca.ciso"), TB_OK);
	assert_int_equal(notify_incident_changed(c, 404, 0, "created", NULL),
	    TB_ENOTFOUND);
	/* The reminders of what is open are scheduled; not what is met. */
	memset(&key, 0, sizeof(key));
	key.incident_id = 500;
	key.obligation = "report";
	key.subject = "";
	assert_int_equal(store_sched_get(c, &key, &sent, &nx, &found), TB_OK);
	assert_int_equal(found, 1);
	key.obligation = "closure_report";
	assert_int_equal(store_sched_get(c, &key, &sent, &nx, &found), TB_OK);
	assert_int_equal(found, 0);
	/* The first reminder of the report: half its hour. */
	assert_int_equal(store_sched_next(c, &at, &found), TB_OK);
	assert_int_equal(at, now + 30 * MIN);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
	seen_of(f, 500, got, sizeof(got));
	assert_string_equal(got,
	    "agency_affected aff.window,"
	    "incident_changed ca.deputy,"
	    "incident_changed ca.window,"
	    "incident_changed doit.rev,"
	    "review_due doit.rev");

	/* Level 3: the superior's and the supervisor's viewers too. */
	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	exec_ok(c, "UPDATE incidents SET level = 3 WHERE id = 500");
	assert_int_equal(notify_incident_changed(c, 500, 7, "level_approved",
	    NULL), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
	seen_of(f, 500, got, sizeof(got));
	assert_string_equal(got,
	    "agency_affected aff.window,"
	    "incident_changed ca.ciso,"
	    "incident_changed ca.deputy,"
	    "incident_changed ca.deputy,"
	    "incident_changed ca.window,"
	    "incident_changed ca.window,"
	    "incident_changed doit.rev,"
	    "incident_changed doit.rev,"
	    "incident_changed gov.viewer,"
	    "incident_changed sup.viewer,"
	    "review_due doit.rev");
}

/* ---- the same, from the obligations the caller stored ---------------- */

/* Lines of text joined by commas, sorted; with every "<id>" (the
 * incident's id in decimal, between non-digits) written as "ID", so that
 * two incidents' lines compare. */
struct lines {
	char	 l[96][512];
	size_t	 n;
	char	 id[24];
};

static void
lines_add(struct lines *x, const char *s)
{
	char	*d;
	size_t	 idlen = strlen(x->id), o = 0;

	assert_true(x->n < 96);
	d = x->l[x->n++];
	for (const char *p = s; *s != '\0' && o + 3 < sizeof(x->l[0]);) {
		if (strncmp(s, x->id, idlen) == 0 && (s == p ||
		    s[-1] < '0' || s[-1] > '9') && (s[idlen] < '0' ||
		    s[idlen] > '9')) {
			memcpy(d + o, "ID", 2);
			o += 2;
			s += idlen;
		} else
			d[o++] = *s++;
	}
	d[o] = '\0';
}

static void
lines_join(struct lines *x, char *out, size_t len)
{
	qsort(x->l, x->n, sizeof(x->l[0]), line_cmp);
	out[0] = '\0';
	for (size_t i = 0; i < x->n; i++) {
		size_t	 at = strlen(out);

		assert_int_equal(tb_snprintf(out + at, len - at, "%s%s",
		    i > 0 ? "," : "", x->l[i]), TB_OK);
	}
}

static int
msg_line_cb(void *arg, const struct store_outbox *m)
{
	char	 line[512];

	assert_int_equal(tb_snprintf(line, sizeof(line), "%s %s %s %s %s",
	    m->idempotency_key, m->kind, m->channel, m->recipient_username,
	    m->subject), TB_OK);
	lines_add(arg, line);
	return TB_OK;
}

static int
sched_line_cb(void *arg, const struct store_sched *r)
{
	char	 line[512];

	assert_int_equal(tb_snprintf(line, sizeof(line), "%s/%s/%lld "
	    "stage %d next %lld", r->obligation, r->subject,
	    (long long)r->period, r->stage_sent, (long long)r->next_at),
	    TB_OK);
	lines_add(arg, line);
	return TB_OK;
}

/* Incident id's messages and schedule rows, as comparable text. */
static void
told_of(struct fix *f, int64_t id, char *msgs, char *sched, size_t len)
{
	struct store_outbox_page pg;
	struct store_conn	*c;
	struct lines		*x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(tb_snprintf(x->id, sizeof(x->id), "%lld",
	    (long long)id), TB_OK);
	memset(&pg, 0, sizeof(pg));
	pg.incident_id = id;
	pg.after_created = INT64_MIN;
	pg.limit = 100;
	assert_int_equal(store_read(f->st, &c), TB_OK);
	assert_int_equal(store_outbox_list(c, &pg, msg_line_cb, x), TB_OK);
	lines_join(x, msgs, len);
	x->n = 0;
	assert_int_equal(store_sched_of(c, id, sched_line_cb, x), TB_OK);
	lines_join(x, sched, len);
	store_release(c);
	free(x);
}

/*
 * Discovery, a page at a time: every open obligation with a due time
 * from the start on is scheduled once, whatever the page size, rows that
 * share a due time never straddle two pages, and a second pass finds
 * nothing.  2,500 open rows, three to a due time; besides them, ones due
 * before the start, met ones and ones with no due time, never scheduled.
 */
static void
test_discover_pages(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	char			 sql[1024];
	int64_t			 now = tb_now_us(), from, added, total = 0;
	int			 pages = 0;

	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO incidents"
	    " (id, agency, title, category, aware_at, proposed_level, level,"
	    " reported_by, policy, state, created_at, updated_at) VALUES"
	    " (700, 'ca', 't', 'web_attack', %lld, 2, 2, %lld, '2019-01-01',"
	    " 'reported', 1, 1)", (long long)now, (long long)f->user), TB_OK);
	exec_ok(c, sql);
	assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO"
	    " obligations (incident, name, period, agency, level, due_at,"
	    " due_key, state) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
	    " SELECT i + 1 FROM n WHERE i < 2600) SELECT 700,"
	    " 'progress_report', i, 'ca', 2, d, d, CASE WHEN i > 2550 THEN"
	    " 'met' ELSE 'open' END FROM (SELECT i, CASE WHEN i <= 20 THEN"
	    " %lld - i WHEN i <= 50 THEN %lld ELSE %lld + (i / 3) * 60000000"
	    " END AS d FROM n)", (long long)(now - 2 * HOUR),
	    (long long)STORE_DUE_NONE, (long long)now), TB_OK);
	exec_ok(c, sql);
	assert_int_equal(store_tx_commit(c), TB_OK);

	from = now - HOUR;
	while (from != STORE_DUE_NONE) {
		assert_int_equal(store_tx_begin(c), TB_OK);
		assert_int_equal(store_sched_discover(c, &from, now, 1000,
		    &added), TB_OK);
		assert_int_equal(store_tx_commit(c), TB_OK);
		/* At most the page and the rows tied with its last. */
		assert_true(added >= 0 && added <= 1002);
		total += added;
		pages++;
	}
	assert_int_equal(total, 2500);
	assert_int_equal(pages, 3);
	from = now - HOUR;
	assert_int_equal(store_tx_begin(c), TB_OK);
	assert_int_equal(store_sched_discover(c, &from, now, 100000, &added),
	    TB_OK);
	assert_int_equal(added, 0);
	assert_int_equal(from, STORE_DUE_NONE);
	assert_int_equal(store_sched_discover(c, &from, now, 10, &added),
	    TB_EINVAL);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);
}

/* The obligations of the incidents of test_incident_stored: one of each
 * kind the schedule and the reviews look at, and more open level reviews
 * (REVIEWS_MAX in outbox.c) than are told at once. */
#define STORED_REVIEWS	18

static size_t
stored_rows(struct store_obligation *o, char subj[][8], int64_t now)
{
	size_t	 n = 0;

	memset(o, 0, (STORED_REVIEWS + 5) * sizeof(*o));
#define ROW(nm, sb, due, met, st) do {					\
	o[n].agency = "ca"; o[n].name = (nm); o[n].subject = (sb);	\
	o[n].level = 2; o[n].start_at = now; o[n].due_at = (due);	\
	o[n].overdue_from = (due) == STORE_TIME_NONE ?			\
	    STORE_TIME_NONE : (due) + 1;				\
	o[n].met_at = (met); o[n].state = (st); n++;			\
} while (0)
	ROW("report", "", now + HOUR, STORE_TIME_NONE, "open");
	ROW("team_formed", "", now + 3 * HOUR, STORE_TIME_NONE, "open");
	ROW("closure_report", "", now + 30 * 24 * HOUR, now, "met");
	ROW("effectiveness_report", "", STORE_TIME_NONE, STORE_TIME_NONE,
	    "not_applicable");
	ROW("response_meeting", "", STORE_TIME_NONE, STORE_TIME_NONE,
	    "open");
	/* Subjects "", "1" ... "17": in key order "", "1", "10" ... "17",
	 * "2" ... so "8" and "9" are past the first REVIEWS_MAX. */
	for (int i = 0; i < STORED_REVIEWS; i++) {
		if (i == 0)
			subj[i][0] = '\0';
		else
			assert_int_equal(tb_snprintf(subj[i], 8, "%d", i),
			    TB_OK);
		ROW("level_review", subj[i], now + 8 * HOUR + i * MIN,
		    STORE_TIME_NONE, "open");
	}
#undef ROW
	return n;
}

/*
 * notify_incident_stored(), handed the obligations, tells the same people
 * the same things and leaves the same schedule as notify_incident_changed()
 * reading them back: two incidents alike but for their id, one through
 * each.  Their schedule already holds rows (a stage sent, a met
 * obligation, one no longer owed), which must be kept or updated alike.
 */
static void
test_incident_stored(void **state)
{
	struct fix		*f = *state;
	struct store_conn	*c;
	struct store_obligation	 rows[STORED_REVIEWS + 5];
	struct store_sched	 r;
	char			 subj[STORED_REVIEWS][8], sql[1024];
	char			*m1, *m2, *s1, *s2;
	int64_t			 now = tb_now_us(), ids[2] = { 500, 600 };
	size_t			 n, len = 96 * 512;

	n = stored_rows(rows, subj, now);
	assert_int_equal(store_write(f->st, &c), TB_OK);
	assert_int_equal(store_tx_begin(c), TB_OK);
	exec_ok(c, "INSERT INTO agencies (code, name, type, "
	    "responsibility_level, created_at, updated_at) VALUES "
	    "('doit', '資訊局', 'doit', 'A', 1, 1),"
	    "('aff', '受影響', 'city_agency', 'A', 1, 1);"
	    "INSERT INTO users (id, username, name, agency, email, employment,"
	    " created_at, updated_at) VALUES"
	    " (12, 'ca.ciso', 'ca.ciso', 'ca', 'ciso@x.test', 'civil_servant',"
	    " 1, 1),"
	    " (14, 'doit.rev', 'doit.rev', 'doit', 'rev@x.test',"
	    " 'civil_servant', 1, 1),"
	    " (18, 'aff.window', 'aff.window', 'aff', 'aw@x.test',"
	    " 'civil_servant', 1, 1);"
	    "INSERT INTO user_roles (user_id, role, granted_at) VALUES"
	    " (12, 'ciso', 1), (14, 'doit_reviewer', 1),"
	    " (18, 'contact_window', 1)");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(tb_snprintf(sql, sizeof(sql), "INSERT INTO "
		    "incidents (id, agency, title, category, aware_at, "
		    "proposed_level, level, reported_by, policy, state, "
		    "created_at, updated_at) VALUES (%lld, 'ca', '官網遭置換', "
		    "'web_attack', %lld, 2, 2, 12, '2019-01-01', 'reported', "
		    "1, 1); INSERT INTO incident_affected (incident, agency) "
		    "VALUES (%lld, 'aff')", (long long)ids[i], (long long)now,
		    (long long)ids[i]), TB_OK);
		exec_ok(c, sql);
		assert_int_equal(store_obligations_replace(c, ids[i], rows, n),
		    TB_OK);
		memset(&r, 0, sizeof(r));
		r.incident_id = ids[i];
		r.subject = "";
		r.obligation = "report";
		r.stage_sent = 1;
		r.next_at = 12345;
		assert_int_equal(store_sched_put(c, &r, 1), TB_OK);
		r.obligation = "closure_report";
		r.stage_sent = 2;
		r.next_at = 999;
		assert_int_equal(store_sched_put(c, &r, 1), TB_OK);
		r.obligation = "gone";
		r.stage_sent = 3;
		r.next_at = 777;
		assert_int_equal(store_sched_put(c, &r, 1), TB_OK);
	}
	assert_int_equal(notify_incident_changed(c, 500, 3, "reported",
	    "ca.ciso"), TB_OK);
	assert_int_equal(notify_incident_stored(c, 600, 3, "reported",
	    "ca.ciso", 12, rows, n), TB_OK);
	assert_int_equal(store_tx_commit(c), TB_OK);
	store_release(c);

	m1 = malloc(len);
	m2 = malloc(len);
	s1 = malloc(len);
	s2 = malloc(len);
	assert_true(m1 != NULL && m2 != NULL && s1 != NULL && s2 != NULL);
	told_of(f, 500, m1, s1, len);
	told_of(f, 600, m2, s2, len);
	assert_string_equal(m1, m2);
	assert_string_equal(s1, s2);
	/* Not alike by being empty: the reviews past the first
	 * REVIEWS_MAX in key order are the ones left out, the changed
	 * schedule rows were written and the rest kept. */
	assert_non_null(strstr(m1, "rev.ID.r7.email.14 review_due"));
	assert_null(strstr(m1, "rev.ID.r8."));
	assert_null(strstr(m1, "rev.ID.r9."));
	assert_non_null(strstr(m1, "inc.ID.ch3.email"));
	assert_non_null(strstr(m1, "aff.ID.aff.email.18"));
	assert_non_null(strstr(s1, "closure_report//0 stage 2 next 0,"));
	assert_non_null(strstr(s1, "gone//0 stage 3 next 777"));
	assert_non_null(strstr(s1, "report//0 stage 1 next "));
	assert_null(strstr(s1, "report//0 stage 1 next 12345,"));
	assert_non_null(strstr(s1, "team_formed//0 stage 0 next "));
	free(m1);
	free(m2);
	free(s1);
	free(s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_retry_window),
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_stages_table),
		cmocka_unit_test(test_stage_next_table),
		cmocka_unit_test(test_daytime),
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_addr_valid),
		cmocka_unit_test(test_mime_header),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_mime_build),
		cmocka_unit_test(test_render),
		cmocka_unit_test_setup_teardown(test_migration_tables,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_enqueue_idempotent,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_claim_finish_recover,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_rollback_drops_messages,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_preferences,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_channels_configured,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_schedule_rows,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_discover_pages,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_incident_recipients,
		    setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_incident_stored,
		    setup_store, teardown_store),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
