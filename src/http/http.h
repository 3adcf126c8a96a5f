/*
 * http.h: the HTTP server, the route table, requests and replies.
 *
 * A request passes: libmicrohttpd -> server.c (limits, body, timing) ->
 * router.c (route and permission) -> an api handler -> reply.c.  A handler
 * reads what it needs from struct http_req and sets exactly one reply with
 * http_reply_*(); returning without one is a 500.
 */
#ifndef TB_HTTP_H
#define TB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "domain/access.h"
#include "util/util.h"

struct config;
struct store;
struct MHD_Connection;
struct MHD_Response;
struct http_req;
struct crypto_hash_sha256_state;

/* Limits of the HTTP edge, each with its reason (STYLE.md 14). */
/* Longest URL path accepted; real routes are far shorter. */
#define HTTP_PATH_MAX		2048
/* Path parameters per route ({id} and the like). */
#define HTTP_PARAMS_MAX		4
/* Memory MHD may use per connection, which bounds the header block. */
#define HTTP_CONN_MEMORY	(64 * 1024)
/* Nesting depth of request JSON; real documents need four or five. */
#define HTTP_JSON_DEPTH_MAX	16
/* A chunked body over the limit is read and dropped up to this many times
 * the limit before the connection is cut instead of answered. */
#define HTTP_DISCARD_FACTOR	4
/* Longest query parameter value after decoding. */
#define HTTP_QUERY_MAX		1024

enum route_flags {
	ROUTE_BODY_JSON = 1 << 0,	/* reads a JSON body (size-limited) */
	ROUTE_NO_LOG = 1 << 1,		/* noisy probes kept out of the log */
	ROUTE_TEST_ONLY = 1 << 2,	/* exists only with test_routes = 1 */
	ROUTE_BODY_STREAM = 1 << 3,	/* body streamed to a file (uploads) */
	ROUTE_SECRET_PATH = 1 << 4,	/* the path holds a secret: log the
					   pattern, never the path */
};

/*
 * A route names the permission it requires (domain/access.h); the
 * authorization test walks the route table with every role, so a new
 * route cannot be added untested.
 */
struct route {
	const char	*method;	/* "GET", "POST", ... */
	const char	*pattern;	/* "/api/v1/agencies/{code}" */
	int		(*handler)(struct http_req *);
	enum perm_kind	 perm;
	unsigned	 flags;
	const char	*summary;	/* for the OpenAPI document */
};

/* Who is calling, once authenticated (NULL in http_req when nobody). */
struct principal {
	int64_t		 user_id;
	char		 username[64];
	char		 name[128];
	char		 agency[64];	/* the agency code */
	unsigned	 roles;		/* ROLE_BIT() set */
	int64_t		 session_id;	/* 0 when via an API token */
	int64_t		 token_id;	/* 0 when via a session cookie */
	char		 lang[8];
};

/* The whole application, shared read-only by every request thread. */
struct app {
	const struct config	*cfg;
	struct store		*store;
	const struct route	*routes;
	size_t			 nroutes;
	/* GET/HEAD of a path no route matches (the web assets). */
	int			(*fallback)(struct http_req *);
	/*
	 * Fills req->who from the session cookie or bearer token, leaving
	 * it NULL for an anonymous caller; returns TB_OK, or an error that
	 * becomes a 500.  NULL: every caller is anonymous.
	 */
	int			(*authenticate)(struct http_req *);
	char			 origin[256];	/* scheme://host:port */
	int64_t			 started_at;	/* tb_now_us() at start */
};

struct http_req {
	struct app		*app;
	struct MHD_Connection	*conn;
	const char		*method;
	char			 path[HTTP_PATH_MAX];	/* decoded */
	char			 request_id[25];
	const struct route	*route;
	int			 route_idx;	/* -1: none (static, 404) */
	struct slice		 params[HTTP_PARAMS_MAX];
	char			*param_names[HTTP_PARAMS_MAX];
	int			 nparams;
	struct buf		 body;
	int64_t			 start_mono;
	int			 status;	/* of the reply, 0 until set */
	struct MHD_Response	*resp;
	size_t			 resp_bytes;
	int			 body_refused;	/* reply already decided */
	uint64_t		 body_seen;	/* body bytes received */
	int64_t			 body_max;	/* this route's body limit */
	int			 stream;	/* ROUTE_BODY_STREAM */
	const char		*lang;		/* "zh-TW" or "en" */
	char			 remote[64];
	struct conn_track	*track;
	struct http_upload	*upload;	/* ROUTE_BODY_STREAM only */
	int			 admitted;	/* http_admit() passed */
	struct principal	*who;		/* NULL: anonymous */
	struct principal	 who_storage;
	int			 via_cookie;	/* CSRF applies */
};

/* Starts serving as configured; blocks until SIGTERM or SIGINT, then
 * finishes the requests in flight and returns TB_OK (or an error at
 * start-up, with a message on standard error). */
int	http_serve(struct app *app);

/*
 * An upload being received (ROUTE_BODY_STREAM): the body goes to a
 * temporary file under evidence_dir/tmp as it arrives, hashed on the way,
 * never held whole in memory.  The handler runs once the body is complete
 * and either keeps the file (http_upload_keep) or leaves it to be removed.
 */
struct http_upload {
	int		 fd;
	char		 tmp_path[512];
	uint64_t	 size;
	char		 sha256[65];	/* hex, set when complete */
	int		 kept;
	struct crypto_hash_sha256_state *sha;	/* libsodium's */
};

/*
 * Moves the completed upload to dest (created with mode 0600, synced, the
 * folder synced too).  An existing dest with the same content is kept and
 * the upload dropped (content-addressed storage).  TB_OK or TB_EIO.
 */
int	http_upload_keep(struct http_req *req, const char *dest);

/* --- routing (router.c) --------------------------------------------- */

/*
 * Decodes a raw URL path strictly: %XX escapes must be valid, no NUL, no
 * "." or ".." segments, valid UTF-8.  Returns TB_OK or TB_EINVAL.
 */
int	http_path_decode(const char *raw, char *out, size_t outlen);
/*
 * Finds the route for method and decoded path, filling req->params.
 * Returns the route index, -1 when no pattern matches (404), or -2 when a
 * pattern matches with another method (405; allow receives "GET, POST").
 */
int	http_route_match(const struct route *routes, size_t n,
	    const char *method, const char *path, struct http_req *req,
	    char *allow, size_t allowlen);
/* The value of path parameter name, copied into out (TB_ENOTFOUND). */
int	http_param(const struct http_req *req, const char *name, char *out,
	    size_t outlen);
/*
 * The decoded value of query parameter name in out: TB_OK, TB_ENOTFOUND
 * when absent, TB_EINVAL when badly encoded or too long.
 */
int	http_query(const struct http_req *req, const char *name, char *out,
	    size_t outlen);
/* A request header's value or NULL. */
const char *http_header(const struct http_req *req, const char *name);

/* --- replies (reply.c) ---------------------------------------------- */

/* Replies with a JSON document; steals the reference to body. */
int	http_reply_json(struct http_req *req, int status, json_t *body);
/* Replies with bytes that live as long as the program (assets). */
int	http_reply_static(struct http_req *req, int status,
	    const char *content_type, const void *data, size_t len);
/* Replies with a copy of the bytes given. */
int	http_reply_copy(struct http_req *req, int status,
	    const char *content_type, const void *data, size_t len);
/* Replies with data (len bytes from malloc), which the reply frees when it
 * is sent: no copy.  Takes data in every case (freed at once on failure). */
int	http_reply_take(struct http_req *req, int status,
	    const char *content_type, char *data, size_t len);
/*
 * Replies with size bytes of the open regular file fd, read from its
 * start as the client takes them (never held whole in memory), with
 * Cache-Control: no-store.  Takes fd in every case: it is closed with
 * the reply, or at once on failure (TB_ENOMEM).
 */
int	http_reply_file(struct http_req *req, int status,
	    const char *content_type, int fd, uint64_t size);
/*
 * Replies {"error":{"code","message","field"}} with the status the error
 * table gives code.  message may be NULL for the table's own text in the
 * request's language; field may be NULL.
 */
int	http_reply_error(struct http_req *req, const char *code,
	    const char *field, const char *message);
/* As above for an error code from the tb_err enum. */
int	http_reply_tb_err(struct http_req *req, int err, const char *field);
/* zh or en, whichever the request asked for (Accept-Language); the
 * message of an http_reply_error() that the table's text does not fit. */
const char *http_msg(const struct http_req *req, const char *zh,
	    const char *en);
/* Adds a header to the reply already set (after http_reply_*). */
void	http_reply_header(struct http_req *req, const char *name,
	    const char *value);
/* The status the error table gives code (500 when unknown). */
int	http_error_status(const char *code);

/* --- JSON bodies (json.c) ------------------------------------------- */

enum jf_type {
	JF_STRING,	/* UTF-8 text without control characters */
	JF_TEXT,	/* as JF_STRING, but newlines and tabs allowed */
	JF_INT,
	JF_BOOL,
	JF_TIME,	/* RFC 3339 with an offset */
	JF_ARRAY,
	JF_OBJECT,
	JF_ANY,
};

/* What a route accepts: every other field is refused (STYLE.md 15). */
struct json_field {
	const char	*name;
	enum jf_type	 type;
	int		 required;
	int64_t		 min, max;	/* string length or integer range */
};

/*
 * Parses the request body as a JSON object and checks it against fields.
 * On failure it sets the error reply itself (400 malformed_json, 415,
 * 422 unknown_field / missing_field / invalid_field with the field named)
 * and returns non-zero; on success *out holds a new reference.
 */
int	http_json_body(struct http_req *req, const struct json_field *fields,
	    size_t nfields, json_t **out);
/* Checks obj against fields (no reply); names the bad field and code. */
int	json_check(json_t *obj, const struct json_field *fields,
	    size_t nfields, const char **bad_field, const char **code);

/* --- metrics (metrics.c) -------------------------------------------- */

/* Sizes the counters for the route table; call once before serving. */
int	metrics_init(size_t nroutes);
void	metrics_cleanup(void);
/* Counts one finished request (route_idx -1 for unrouted). */
void	metrics_record(int route_idx, int status, int64_t duration_us);
/* Writes the Prometheus text exposition into out. */
int	metrics_render(struct app *app, struct buf *out);

#endif
