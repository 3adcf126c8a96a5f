/*
 * internal.h: declarations shared only inside src/http/.
 */
#ifndef TB_HTTP_INTERNAL_H
#define TB_HTTP_INTERNAL_H

#include <stdint.h>

#include "http/http.h"

/* Runs the matched route (or the static fallback) and sets the reply.
 * Defined in router.c. */
void	http_dispatch(struct http_req *req);
/*
 * Checks everything about the caller before a handler runs: test-only
 * routes, authentication, CSRF, the route's permission.  Sets the error
 * reply and returns non-zero when refused; runs once per request.
 */
int	http_admit(struct http_req *req);
/* Upload streaming (upload.c): open the temporary file, write a chunk,
 * finish (hash final, file synced), discard (on abort or refusal). */
int	upload_begin(struct http_req *req);
int	upload_write(struct http_req *req, const char *data, size_t len);
int	upload_finish(struct http_req *req);
void	upload_discard(struct http_req *req);
/* Writes the JSON-lines access log entry of a finished request (reply.c). */
void	http_log_access(const struct http_req *req, int64_t duration_us,
	    int aborted);
/* 1 once SIGTERM has been received (server.c). */
int	http_is_stopping(void);

#endif
