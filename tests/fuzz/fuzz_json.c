/*
 * fuzz_json.c: request bodies as the API reads them: jansson with
 * JSON_REJECT_DUPLICATES, then json_check() (src/http/json.c) against field
 * tables shaped like the real routes'.
 *
 * Input: one byte choosing the field table, then the body.
 *
 * Invariants:
 *   - a refusal names a field and one of the three codes, and the code is
 *     right about it: unknown_field names a key of the body outside the
 *     table, missing_field a required field absent or null, invalid_field a
 *     present field that the independent checker below refuses too;
 *   - an acceptance means every key is declared, every required field is
 *     there and not null, and every present value passes the independent
 *     checker (type, length in characters, range, RFC 3339);
 *   - what jansson accepted dumps and reloads to an equal document.
 */
#include <string.h>

#include <jansson.h>

#include "domain/domain.h"
#include "http/http.h"
#include "fuzz.h"

/* The shapes of the real tables: sign-in, password change, API token, and
 * an incident report that uses every type, with and without bounds. */
static const struct json_field t_login[] = {
	{ "username", JF_STRING, 1, 1, 63 },
	{ "password", JF_TEXT, 1, 1, 1024 },
};
static const struct json_field t_password[] = {
	{ "current_password", JF_TEXT, 1, 1, 1024 },
	{ "new_password", JF_TEXT, 1, 1, 1024 },
};
static const struct json_field t_token[] = {
	{ "name", JF_STRING, 1, 1, 100 },
	{ "expires_in_days", JF_INT, 0, 1, 365 },
};
static const struct json_field t_incident[] = {
	{ "title", JF_STRING, 1, 1, 200 },
	{ "description", JF_TEXT, 0, 0, 10000 },
	{ "aware_at", JF_TIME, 1, 0, 0 },
	{ "level", JF_INT, 0, 0, 4 },
	{ "count", JF_INT, 0, 0, 0 },		/* unbounded */
	{ "exercise", JF_BOOL, 0, 0, 0 },
	{ "affected_agencies", JF_ARRAY, 0, 0, 50 },
	{ "answers", JF_ARRAY, 0, 0, 0 },	/* unbounded */
	{ "code", JF_STRING, 0, 0, 0 },		/* no length limit */
	{ "extra", JF_OBJECT, 0, 0, 0 },
	{ "meta", JF_ANY, 0, 0, 0 },
};

static const struct {
	const struct json_field	*f;
	size_t			 n;
} tables[] = {
	{ t_login, 2 },
	{ t_password, 2 },
	{ t_token, 2 },
	{ t_incident, sizeof(t_incident) / sizeof(t_incident[0]) },
	{ NULL, 0 },		/* a route that takes an empty object */
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))

/*
 * Decodes one UTF-8 sequence at s (n bytes left) strictly, the way RFC 3629
 * does (no overlong forms, no surrogates, nothing past U+10FFFF).  Returns
 * its length, or 0 when invalid.  Written apart from util.c's checker so
 * that the two can disagree.
 */
static size_t
utf8_one(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t	 len, k;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/*
 * The independent checker: whether v is acceptable for field f.  It is
 * the oracle json_check() is held to, so it must not call field_ok(): a
 * harness that asked the code under test whether the code under test was
 * right could not fail.  Strings, where the bugs would be, are decoded
 * here with a decoder of their own; for numbers, booleans, arrays and
 * objects the contract in http.h leaves one way to write the check, so
 * those lines read as field_ok()'s do (a `duplicates` pair on purpose).
 */
static int
ref_ok(json_t *v, const struct json_field *f)
{
	const unsigned char	*s;
	size_t			 n, i, k, chars = 0;
	uint32_t		 cp;
	json_int_t		 iv;
	int64_t			 t;

	switch (f->type) {
	case JF_STRING:
	case JF_TEXT:
		if (!json_is_string(v))
			return 0;
		s = (const unsigned char *)json_string_value(v);
		n = json_string_length(v);
		for (i = 0; i < n; i += k) {
			if ((k = utf8_one(s + i, n - i, &cp)) == 0)
				return 0;
			/* No NUL, DEL or C1 control; other C0 controls
			 * only as the white space of JF_TEXT. */
			if (cp == 0 || cp == 0x7f || (cp >= 0x80 &&
			    cp <= 0x9f))
				return 0;
			if (cp < 0x20 && !(f->type == JF_TEXT &&
			    (cp == '\t' || cp == '\n' || cp == '\r')))
				return 0;
			chars++;
		}
		if (f->max > 0 && ((int64_t)chars < f->min ||
		    (int64_t)chars > f->max))
			return 0;
		return 1;
	case JF_INT:
		if (!json_is_integer(v))
			return 0;
		iv = json_integer_value(v);
		if (f->min == 0 && f->max == 0)
			return 1;
		return iv >= f->min && iv <= f->max;
	case JF_BOOL:
		return json_is_true(v) || json_is_false(v);
	case JF_TIME:
		return json_is_string(v) &&
		    strlen(json_string_value(v)) == json_string_length(v) &&
		    tbtime_parse(json_string_value(v), &t) == TB_OK;
	case JF_ARRAY:
		if (!json_is_array(v))
			return 0;
		n = json_array_size(v);
		return f->max == 0 || ((int64_t)n >= f->min &&
		    (int64_t)n <= f->max);
	case JF_OBJECT:
		return json_is_object(v);
	case JF_ANY:
		return 1;
	}
	return 0;
}

static const struct json_field *
find(const struct json_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

static void
check_fields(json_t *obj, const struct json_field *f, size_t nf)
{
	const struct json_field	*d;
	const char		*bad, *code, *k;
	json_t			*v;
	int			 rc;

	rc = json_check(obj, f, nf, &bad, &code);
	if (rc == TB_OK) {
		FUZZ_CHECK(bad == NULL && code == NULL);
		json_object_foreach(obj, k, v) {
			FUZZ_CHECK((d = find(f, nf, k)) != NULL);
			FUZZ_CHECK(json_is_null(v) ? !d->required :
			    ref_ok(v, d));
		}
		for (size_t i = 0; i < nf; i++)
			if (f[i].required) {
				v = json_object_get(obj, f[i].name);
				FUZZ_CHECK(v != NULL && !json_is_null(v));
			}
		return;
	}
	FUZZ_CHECK(rc == TB_EINVAL && bad != NULL && code != NULL);
	d = find(f, nf, bad);
	v = json_object_get(obj, bad);
	if (strcmp(code, "unknown_field") == 0) {
		FUZZ_CHECK(d == NULL && v != NULL);
	} else if (strcmp(code, "missing_field") == 0) {
		FUZZ_CHECK(d != NULL && d->required);
		FUZZ_CHECK(v == NULL || json_is_null(v));
	} else {
		FUZZ_CHECK(strcmp(code, "invalid_field") == 0);
		FUZZ_CHECK(d != NULL && v != NULL && !json_is_null(v));
		FUZZ_CHECK(!ref_ok(v, d));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*doc, *again;
	json_error_t	 err;
	char		*text, *text2;
	size_t		 t;

	if (size < 1)
		return 0;
	t = data[0] % NTABLES;
	doc = json_loadb((const char *)data + 1, size - 1,
	    JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL)
		return 0;

	/* jansson's own round trip: what it accepted it writes back. */
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY);
	FUZZ_CHECK(text != NULL);
	again = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &err);
	FUZZ_CHECK(again != NULL && json_equal(doc, again));
	text2 = json_dumps(again, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY);
	FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0);
	free(text);
	free(text2);
	json_decref(again);

	if (json_is_object(doc))
		check_fields(doc, tables[t].f, tables[t].n);
	json_decref(doc);
	return 0;
}
