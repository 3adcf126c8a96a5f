/*
 * reply.c: building replies, the one table of error codes, and the access
 * log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/http.h"
#include "http/internal.h"

/*
 * Every error code a client can see, its status and its message in both
 * languages (STYLE.md 9: exactly one table).  Codes are part of the API:
 * add, never rename.
 */
static const struct http_error {
	const char	*code;
	int		 status;
	const char	*zh;
	const char	*en;
} http_errors[] = {
	{ "bad_request", 400, "請求格式錯誤", "The request is malformed" },
	{ "bad_path", 400, "網址路徑不合法", "The URL path is not allowed" },
	{ "malformed_json", 400, "JSON 格式錯誤",
	    "The body is not well-formed JSON" },
	{ "invalid_query", 400, "查詢參數不合法",
	    "A query parameter is not valid" },
	{ "unauthenticated", 401, "請先登入", "Please sign in" },
	{ "invalid_credentials", 401, "帳號或密碼錯誤",
	    "Wrong user name or password" },
	{ "forbidden", 403, "您沒有執行此操作的權限",
	    "You may not do this" },
	{ "csrf", 403, "請求來源不符，已拒絕",
	    "The request did not come from this site" },
	{ "not_found", 404, "找不到指定的資源", "Not found" },
	{ "method_not_allowed", 405, "此資源不支援這個方法",
	    "This method is not allowed here" },
	{ "request_timeout", 408, "請求逾時", "The request took too long" },
	{ "conflict", 409, "與現有資料衝突", "This conflicts with the "
	    "current state" },
	{ "precondition_failed", 409, "尚未符合前置條件",
	    "A required earlier step is missing" },
	{ "version_conflict", 409, "資料已被他人更新，請重新載入",
	    "Someone else changed this; reload and try again" },
	{ "idempotency_key_reused", 422, "此 Idempotency-Key 已用於另一個請求",
	    "This Idempotency-Key was used for a different request" },
	{ "evidence_corrupt", 409, "跡證檔案與其 SHA-256 雜湊值不符，"
	    "已停止提供並記錄", "The stored evidence file no longer matches "
	    "its SHA-256; it was not served, and this was recorded" },
	{ "body_too_large", 413, "內容超過大小上限",
	    "The body is larger than allowed" },
	{ "unsupported_media_type", 415, "內容類型必須是 application/json",
	    "The body must be application/json" },
	{ "unknown_field", 422, "不接受這個欄位", "This field is not "
	    "accepted" },
	{ "missing_field", 422, "缺少必填欄位", "A required field is "
	    "missing" },
	{ "invalid_field", 422, "欄位內容不正確", "This field is not valid" },
	{ "weak_password", 422, "密碼須至少 12 個字元，且不可為常見密碼或含帳號",
	    "The password needs 12 or more characters and must not be common "
	    "or contain the user name" },
	{ "rule_violation", 422, "違反作業程序規定",
	    "This breaks a rule of the procedure" },
	{ "too_many_requests", 429, "嘗試次數過多，請稍後再試",
	    "Too many attempts; try again later" },
	{ "internal", 500, "系統發生錯誤，已記錄",
	    "Something went wrong on our side; it was logged" },
	{ "unavailable", 503, "系統暫時無法服務",
	    "The service is temporarily unavailable" },
};

static const struct http_error *
error_find(const char *code)
{
	for (size_t i = 0; i < sizeof(http_errors) / sizeof(http_errors[0]);
	    i++)
		if (strcmp(http_errors[i].code, code) == 0)
			return &http_errors[i];
	return NULL;
}

int
http_error_status(const char *code)
{
	const struct http_error *e = error_find(code);

	return e != NULL ? e->status : 500;
}

/*
 * The headers every answer carries.  The CSP allows nothing inline and
 * nothing from elsewhere; framing is refused twice for old browsers.
 */
static void
add_common_headers(struct http_req *req, struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
	    "object-src 'none'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy",
	    "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy",
	    "same-origin");
	MHD_add_response_header(r, "Permissions-Policy",
	    "camera=(), microphone=(), geolocation=()");
	MHD_add_response_header(r, "X-Request-Id", req->request_id);
}

static int
set_reply(struct http_req *req, int status, struct MHD_Response *r,
    const char *content_type, size_t len)
{
	if (r == NULL)
		return TB_ENOMEM;
	if (req->resp != NULL)
		MHD_destroy_response(req->resp);
	req->resp = r;
	req->status = status;
	req->resp_bytes = len;
	add_common_headers(req, r);
	if (content_type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    content_type);
	return TB_OK;
}

int
http_reply_json(struct http_req *req, int status, json_t *body)
{
	char			*s;
	size_t			 len;
	struct MHD_Response	*r;
	int			 rc;

	s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (s == NULL)
		return TB_ENOMEM;
	len = strlen(s);
	r = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(s);
		return TB_ENOMEM;
	}
	rc = set_reply(req, status, r, "application/json; charset=utf-8",
	    len);
	/* Answers about records are never cached by shared caches. */
	if (rc == TB_OK)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	return rc;
}

int
http_reply_static(struct http_req *req, int status, const char *content_type,
    const void *data, size_t len)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
	    MHD_RESPMEM_PERSISTENT);
	return set_reply(req, status, r, content_type, len);
}

int
http_reply_copy(struct http_req *req, int status, const char *content_type,
    const void *data, size_t len)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
	    MHD_RESPMEM_MUST_COPY);
	return set_reply(req, status, r, content_type, len);
}

int
http_reply_take(struct http_req *req, int status, const char *content_type,
    char *data, size_t len)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (r == NULL)
		free(data);
	return set_reply(req, status, r, content_type, len);
}

int
http_reply_file(struct http_req *req, int status, const char *content_type,
    int fd, uint64_t size)
{
	struct MHD_Response	*r;

	/* MHD reads the file as the client takes it, in the worker, so an
	 * upload of gigabytes is never held in memory. */
	r = MHD_create_response_from_fd64(size, fd);
	if (r == NULL) {
		close(fd);
		return TB_ENOMEM;
	}
	if (set_reply(req, status, r, content_type, (size_t)size) != TB_OK)
		return TB_ENOMEM;
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return TB_OK;
}

void
http_reply_header(struct http_req *req, const char *name, const char *value)
{
	if (req->resp != NULL)
		MHD_add_response_header(req->resp, name, value);
}

const char *
http_msg(const struct http_req *req, const char *zh, const char *en)
{
	return req->lang != NULL && strcmp(req->lang, "en") == 0 ? en : zh;
}

int
http_reply_error(struct http_req *req, const char *code, const char *field,
    const char *message)
{
	const struct http_error	*e = error_find(code);
	json_t			*err;
	int			 status;

	if (e == NULL) {
		log_kv(LOG_ERROR, "unknown_error_code", "code", code, NULL);
		e = error_find("internal");
	}
	status = e->status;
	if (message == NULL)
		message = http_msg(req, e->zh, e->en);
	err = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code,
	    "message", message, "field", field);
	if (err == NULL)
		return TB_ENOMEM;
	return http_reply_json(req, status, err);
}

int
http_reply_tb_err(struct http_req *req, int err, const char *field)
{
	const char *code;

	switch (err) {
	case TB_EINVAL:
	case TB_ERANGE:
		code = "invalid_field";
		break;
	case TB_ENOTFOUND:
		code = "not_found";
		break;
	case TB_ECONFLICT:
		code = "conflict";
		break;
	case TB_EFORBIDDEN:
		code = "forbidden";
		break;
	case TB_EUNAUTH:
		code = "unauthenticated";
		break;
	case TB_ETOOBIG:
		code = "body_too_large";
		break;
	case TB_EBUSY:
		code = "unavailable";
		break;
	default:
		code = "internal";
		log_kv(LOG_ERROR, "internal_error", "request_id",
		    req->request_id, "error", tb_strerror(err), NULL);
	}
	return http_reply_error(req, code, field, NULL);
}

void
http_log_access(const struct http_req *req, int64_t duration_us, int aborted)
{
	char	 status[8], dur[24], bytes[24];

	tb_snprintf(status, sizeof(status), "%d", req->status);
	tb_snprintf(dur, sizeof(dur), "%.3f", (double)duration_us / 1000.0);
	tb_snprintf(bytes, sizeof(bytes), "%zu", req->resp_bytes);
	log_kv(req->status >= 500 ? LOG_ERROR : LOG_INFO, "http_access",
	    "request_id", req->request_id,
	    "remote", req->remote,
	    "method", req->method,
	    "path", req->route != NULL &&
	    (req->route->flags & ROUTE_SECRET_PATH) ? req->route->pattern :
	    req->path[0] ? req->path : "-",
	    "route", req->route != NULL ? req->route->pattern : "-",
	    "status", status,
	    "duration_ms", dur,
	    "bytes", bytes,
	    "aborted", aborted ? "true" : "false",
	    NULL);
}
