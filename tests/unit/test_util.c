/*
 * test_util.c: numbers, buffers, UTF-8 and CSV, as tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/csv.h"
#include "util/util.h"

static void
test_parse_i64(void **state)
{
	static const struct {
		const char	*s;
		int64_t		 min, max;
		int		 rc;
		int64_t		 want;
	} rows[] = {
		{ "0", 0, 10, TB_OK, 0 },
		{ "10", 0, 10, TB_OK, 10 },
		{ "11", 0, 10, TB_ERANGE, 0 },
		{ "-1", 0, 10, TB_ERANGE, 0 },
		{ "-5", -10, 10, TB_OK, -5 },
		{ "+7", 0, 10, TB_OK, 7 },
		{ "", 0, 10, TB_EINVAL, 0 },
		{ "-", -10, 10, TB_EINVAL, 0 },
		{ "1x", 0, 10, TB_EINVAL, 0 },
		{ " 1", 0, 10, TB_EINVAL, 0 },
		{ "9223372036854775807", INT64_MIN, INT64_MAX, TB_OK,
		    INT64_MAX },
		{ "9223372036854775808", INT64_MIN, INT64_MAX, TB_ERANGE, 0 },
		{ "-9223372036854775808", INT64_MIN, INT64_MAX, TB_OK,
		    INT64_MIN },
		{ "-9223372036854775809", INT64_MIN, INT64_MAX, TB_ERANGE, 0 },
		{ "99999999999999999999999", INT64_MIN, INT64_MAX, TB_ERANGE,
		    0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t v = 0;
		int	rc = parse_i64(rows[i].s, rows[i].min, rows[i].max, &v);

		assert_int_equal(rc, rows[i].rc);
		if (rc == TB_OK)
			assert_true(v == rows[i].want);
	}
}

static void
test_buf_limit(void **state)
{
	struct buf	 b;

	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "1234"), TB_OK);
	assert_int_equal(buf_adds(&b, "5678"), TB_OK);
	assert_int_equal(buf_adds(&b, "9"), TB_ETOOBIG);
	/* A refused append leaves the contents whole. */
	assert_string_equal(buf_str(&b), "12345678");
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "ab"), TB_OK);
	assert_string_equal(buf_str(&b), "42-ab");
	assert_int_equal(buf_printf(&b, "%s", "toolong"), TB_ETOOBIG);
	assert_string_equal(buf_str(&b), "42-ab");
	buf_free(&b);
	assert_string_equal(buf_str(&b), "");
}

static void
test_snprintf_truncation(void **state)
{
	char	 s[4];

	assert_int_equal(tb_snprintf(s, sizeof(s), "%s", "abc"), TB_OK);
	assert_int_equal(tb_snprintf(s, sizeof(s), "%s", "abcd"), TB_ETOOBIG);
	assert_int_equal(tb_strlcpy(s, "abcd", sizeof(s)), TB_ETOOBIG);
	assert_int_equal(tb_strlcpy(s, "ab", sizeof(s)), TB_OK);
	assert_string_equal(s, "ab");
}

static void
test_utf8(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
	} rows[] = {
		{ "plain", 1 },
		{ "臺北市政府資訊局", 1 },
		{ "tab\tand\nnewline", 1 },
		{ "bell\a", 0 },
		{ "del\x7f", 0 },
		{ "\xc3\x28", 0 },		/* bad continuation */
		{ "\xc0\xaf", 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong */
		{ "\xed\xa0\x80", 0 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 0 },	/* past U+10FFFF */
		{ "\xe8\x87", 0 },		/* cut short */
		{ "\xc2\x85", 0 },		/* C1 control */
		{ "\xf0\x9f\x98\x80", 1 },	/* emoji */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(utf8_valid_text(rows[i].s,
		    strlen(rows[i].s)), rows[i].ok);
}

static void
test_csv(void **state)
{
	const char	*data = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\r\n"
	    "\"multi\nline\",2,3";
	size_t		 pos = 0, line = 1, len = strlen(data);
	struct csv_record rec;

	assert_int_equal(csv_read(data, len, &pos, &line, &rec), TB_OK);
	assert_int_equal(rec.nfields, 3);
	assert_string_equal(rec.fields[2], "c");
	csv_record_free(&rec);
	assert_int_equal(csv_read(data, len, &pos, &line, &rec), TB_OK);
	assert_int_equal(rec.nfields, 3);
	assert_string_equal(rec.fields[0], "x, y");
	assert_string_equal(rec.fields[1], "say \"hi\"");
	assert_string_equal(rec.fields[2], "");
	csv_record_free(&rec);
	assert_int_equal(csv_read(data, len, &pos, &line, &rec), TB_OK);
	assert_string_equal(rec.fields[0], "multi\nline");
	csv_record_free(&rec);
	assert_int_equal(csv_read(data, len, &pos, &line, &rec), TB_DONE);
	assert_int_equal(line, 4);
}

static void
test_csv_bad(void **state)
{
	/* Lengths from sizeof, since two rows hold a NUL. */
#define BAD(s)	{ s, sizeof(s) - 1 }
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		BAD("\"open"),		/* unterminated quote */
		BAD("ab\"c\",d"),	/* quote inside a bare field */
		BAD("\"ab\"c,d"),	/* bytes after a closing quote */
		BAD("ab\0cd,e"),	/* NUL in a bare field (fuzz_csv) */
		BAD("\"ab\0cd\",e"),	/* NUL in a quoted field */
	};
#undef BAD

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t		  pos = 0, line = 1;
		struct csv_record rec;

		assert_int_equal(csv_read(bad[i].s, bad[i].len, &pos, &line,
		    &rec), TB_EINVAL);
		assert_int_equal(rec.nfields, 0);
	}
}

static void
test_csv_write(void **state)
{
	/* One cell each: what Excel must read back as the same text. */
	static const struct {
		const char	*in, *out;
	} rows[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ NULL, "" },				/* NULL is empty */
		{ "臺北市政府", "臺北市政府" },		/* UTF-8 as is */
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "\"", "\"\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "crlf\r\nend", "\"crlf\r\nend\"" },
		/* A formula to Excel gets an apostrophe (CSV injection). */
		{ "=1+1", "'=1+1" },
		{ "+886", "'+886" },
		{ "-2", "'-2" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" },
		{ "\rx", "\"'\rx\"" },		/* inside the quotes */
		{ "=HYPERLINK(\"x\",1)", "\"'=HYPERLINK(\"\"x\"\",1)\"" },
		/* Only the first byte makes a formula. */
		{ "a=b", "a=b" },
		{ "1-2", "1-2" },
	};
	struct buf	 b;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		buf_init(&b, 1024);
		assert_int_equal(csv_write_cell(&b, rows[i].in), TB_OK);
		assert_string_equal(buf_str(&b), rows[i].out);
		buf_free(&b);
	}
}

static void
test_csv_write_row(void **state)
{
	const char	*cells[] = { "a", NULL, "x,y", "=cmd", "line\nbreak" };
	const char	*want = "a,,\"x,y\",'=cmd,\"line\nbreak\"\r\n";
	struct csv_record rec;
	struct buf	 b;
	size_t		 pos = 0, line = 1;

	buf_init(&b, 1024);
	assert_int_equal(csv_write_row(&b, cells, 5), TB_OK);
	assert_string_equal(buf_str(&b), want);
	/* The reader takes back what the writer wrote. */
	assert_int_equal(csv_read(b.p, b.len, &pos, &line, &rec), TB_OK);
	assert_int_equal(rec.nfields, 5);
	assert_string_equal(rec.fields[1], "");
	assert_string_equal(rec.fields[2], "x,y");
	assert_string_equal(rec.fields[3], "'=cmd");
	assert_string_equal(rec.fields[4], "line\nbreak");
	csv_record_free(&rec);
	assert_int_equal(csv_read(b.p, b.len, &pos, &line, &rec), TB_DONE);
	/* An empty row is a line end alone. */
	buf_reset(&b);
	assert_int_equal(csv_write_row(&b, cells, 0), TB_OK);
	assert_string_equal(buf_str(&b), "\r\n");
	buf_free(&b);
	/* Past the buffer's maximum: an error, never a cut row passed on. */
	buf_init(&b, 8);
	assert_int_equal(csv_write_row(&b, cells, 5), TB_ETOOBIG);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_snprintf_truncation),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_bad),
		cmocka_unit_test(test_csv_write),
		cmocka_unit_test(test_csv_write_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
