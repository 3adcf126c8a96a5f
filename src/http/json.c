/*
 * json.c: request bodies as JSON objects, checked field by field before a
 * handler sees them (kcgi's validators, STYLE.md 15).
 */
#include <strings.h>
#include <string.h>

#include "domain/domain.h"
#include "http/http.h"

static int
json_depth_ok(json_t *v, int depth)
{
	const char	*k;
	json_t		*x;
	size_t		 i;

	if (depth > HTTP_JSON_DEPTH_MAX)
		return 0;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if (!json_depth_ok(x, depth + 1))
				return 0;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (!json_depth_ok(x, depth + 1))
				return 0;
	}
	return 1;
}

/* Characters (code points) in valid UTF-8: every byte not 10xxxxxx. */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t	 c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Checks one present value against its declaration; string limits count
 * characters, so a 100-character Chinese name is 100, not 300. */
static int
field_ok(json_t *v, const struct json_field *f)
{
	const char	*s;
	size_t		 n;
	json_int_t	 i;
	int64_t		 t;

	switch (f->type) {
	case JF_STRING:
	case JF_TEXT:
		if (!json_is_string(v))
			return 0;
		s = json_string_value(v);
		n = json_string_length(v);
		/* jansson allows \u0000 inside strings; we never do. */
		if (memchr(s, '\0', n) != NULL || !utf8_valid_text(s, n))
			return 0;
		if (f->type == JF_STRING && strpbrk(s, "\t\r\n") != NULL)
			return 0;
		n = utf8_chars(s, n);
		if (f->max > 0 && ((int64_t)n < f->min || (int64_t)n > f->max))
			return 0;
		return 1;
	case JF_INT:
		if (!json_is_integer(v))
			return 0;
		i = json_integer_value(v);
		return (f->min == 0 && f->max == 0) ||
		    (i >= f->min && i <= f->max);
	case JF_BOOL:
		return json_is_boolean(v);
	case JF_TIME:
		if (!json_is_string(v))
			return 0;
		return tbtime_parse(json_string_value(v), &t) == TB_OK;
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

int
json_check(json_t *obj, const struct json_field *fields, size_t nfields,
    const char **bad_field, const char **code)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	*bad_field = NULL;
	*code = NULL;
	json_object_foreach(obj, k, v) {
		for (i = 0; i < nfields; i++)
			if (strcmp(fields[i].name, k) == 0)
				break;
		if (i == nfields) {
			*bad_field = k;
			*code = "unknown_field";
			return TB_EINVAL;
		}
		/* An explicit null is the same as leaving the field out. */
		if (json_is_null(v)) {
			if (fields[i].required) {
				*bad_field = k;
				*code = "missing_field";
				return TB_EINVAL;
			}
			continue;
		}
		if (!field_ok(v, &fields[i])) {
			*bad_field = k;
			*code = "invalid_field";
			return TB_EINVAL;
		}
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required &&
		    json_object_get(obj, fields[i].name) == NULL) {
			*bad_field = fields[i].name;
			*code = "missing_field";
			return TB_EINVAL;
		}
	return TB_OK;
}

int
http_json_body(struct http_req *req, const struct json_field *fields,
    size_t nfields, json_t **out)
{
	const char	*ct, *bad, *code;
	json_t		*obj;
	json_error_t	 jerr;

	*out = NULL;
	ct = http_header(req, "Content-Type");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		http_reply_error(req, "unsupported_media_type", NULL, NULL);
		return TB_EINVAL;
	}
	obj = json_loadb(buf_str(&req->body), req->body.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL) {
		http_reply_error(req, "malformed_json", NULL, NULL);
		return TB_EINVAL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		http_reply_error(req, "malformed_json", NULL,
		    strcmp(req->lang, "en") == 0 ?
		    "The body must be a JSON object" : "內容必須是 JSON 物件");
		return TB_EINVAL;
	}
	if (!json_depth_ok(obj, 1)) {
		json_decref(obj);
		http_reply_error(req, "malformed_json", NULL, NULL);
		return TB_EINVAL;
	}
	if (json_check(obj, fields, nfields, &bad, &code) != TB_OK) {
		http_reply_error(req, code, bad, NULL);
		json_decref(obj);
		return TB_EINVAL;
	}
	*out = obj;
	return TB_OK;
}
