/*
 * api_health.c: /healthz, /metrics and the test-only echo route.
 */
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "domain/domain.h"
#include "config.h"
#include "store/store.h"

/* Most text /metrics may produce; routes x statuses stay far below. */
#define METRICS_MAX	(1024 * 1024)

int
api_healthz(struct http_req *req)
{
	char	 now[40];
	int	 ok = store_ping(req->app->store);

	tbtime_format(tb_now_us(), now, sizeof(now));
	return http_reply_json(req, ok ? 200 : 503, json_pack(
	    "{s:s, s:s, s:s, s:s}",
	    "status", ok ? "ok" : "degraded",
	    "store", ok ? "ok" : "error",
	    "version", TONGBAO_VERSION,
	    "time", now));
}

int
api_metrics(struct http_req *req)
{
	struct buf	 out;
	int		 rc;

	buf_init(&out, METRICS_MAX);
	if ((rc = metrics_render(req->app, &out)) != TB_OK) {
		buf_free(&out);
		return http_reply_tb_err(req, rc, NULL);
	}
	rc = http_reply_copy(req, 200, "text/plain; version=0.0.4; "
	    "charset=utf-8", buf_str(&out), out.len);
	http_reply_header(req, "Cache-Control", "no-store");
	buf_free(&out);
	return rc;
}

/*
 * A route that exists only with test_routes = 1, so the API tests can
 * exercise body limits and validation before real resources exist.
 */
int
api_test_echo(struct http_req *req)
{
	static const struct json_field fields[] = {
		{ "name", JF_STRING, 1, 1, 100 },
		{ "count", JF_INT, 1, 0, 1000 },
	};
	json_t	*body;

	if (http_json_body(req, fields, 2, &body) != TB_OK)
		return 0;
	return http_reply_json(req, 200, body);
}

/*
 * Test-only: stores an upload by its hash, as evidence will, so the API
 * tests can exercise streaming, limits and cut-off bodies.
 */
int
api_test_upload(struct http_req *req)
{
	const struct http_upload	*u = req->upload;
	char				 dest[640];

	if (u == NULL)
		return http_reply_error(req, "internal", NULL, NULL);
	if (tb_snprintf(dest, sizeof(dest), "%s/objects/%.2s/%s",
	    req->app->cfg->evidence_dir, u->sha256, u->sha256) != TB_OK ||
	    http_upload_keep(req, dest) != TB_OK)
		return http_reply_error(req, "internal", NULL, NULL);
	return http_reply_json(req, 201, json_pack("{s:I, s:s}", "size",
	    (json_int_t)u->size, "sha256", u->sha256));
}
