/*
 * api_static.c: the embedded web interface, with validators for caches.
 */
#include <string.h>

#include "api/api.h"
#include "http/assets.h"

int
api_static(struct http_req *req)
{
	const struct asset	*a;
	const char		*inm, *path = req->path;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if ((a = assets_find(path)) == NULL)
		return http_reply_error(req, "not_found", NULL, NULL);
	inm = http_header(req, "If-None-Match");
	if (inm != NULL && strstr(inm, a->etag) != NULL) {
		http_reply_static(req, 304, NULL, "", 0);
	} else
		http_reply_static(req, 200, a->content_type, a->data, a->len);
	http_reply_header(req, "ETag", a->etag);
	/*
	 * The page itself is revalidated on every load so that a new
	 * release is picked up at once; the files it names are revalidated
	 * too (their names carry no hash), cheaply, through the ETag.
	 */
	http_reply_header(req, "Cache-Control", "no-cache");
	return 0;
}
