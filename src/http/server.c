/*
 * server.c: libmicrohttpd set-up, the access handler, limits, the request
 * reaper and graceful shutdown.
 *
 * The daemon runs an internal thread pool over epoll (NOTES.md: the pool
 * served ~70k small answers/s where thread-per-connection served ~43k).
 * libmicrohttpd has an inactivity timeout but no limit on how long one
 * request may take, so a client that sends one byte a second would hold a
 * connection forever; a reaper thread enforces request_timeout by shutting
 * such sockets down.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "config.h"
#include "http/http.h"
#include "http/internal.h"
#include "store/store.h"

/* An upload must average at least this many bytes a second once it has
 * run longer than request_timeout, or it is cut off. */
#define HTTP_UPLOAD_MIN_RATE	4096
/* How long SIGTERM waits for requests in flight before closing anyway. */
#define HTTP_DRAIN_MAX_US	(30 * 1000000LL)
/* The default size of the thread pool (see http_serve). */
#define HTTP_THREADS_PER_CORE	8
#define HTTP_THREADS_MIN	16
#define HTTP_THREADS_MAX	48

/* One per open connection, for the reaper. */
struct conn_track {
	struct conn_track	*next, *prev;
	int			 fd;
	int64_t			 phase_start;	/* mono µs: request began */
	int			 exempt;	/* streaming: held to a rate */
	uint64_t		 bytes;		/* body bytes this request */
};

static pthread_mutex_t		 track_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn_track	*track_head;
static _Atomic long		 inflight;
static _Atomic int		 stopping;

static void
track_add(struct conn_track *t)
{
	pthread_mutex_lock(&track_mu);
	t->next = track_head;
	t->prev = NULL;
	if (track_head != NULL)
		track_head->prev = t;
	track_head = t;
	pthread_mutex_unlock(&track_mu);
}

static void
track_remove(struct conn_track *t)
{
	pthread_mutex_lock(&track_mu);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		track_head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&track_mu);
}

static void
notify_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct conn_track		*t;
	const union MHD_ConnectionInfo	*ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return;
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		t->fd = ci != NULL ? ci->connect_fd : -1;
		t->phase_start = tb_mono_us();
		track_add(t);
		*socket_ctx = t;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		/*
		 * libmicrohttpd reports the close before it closes the
		 * socket, and the reaper only touches fds under track_mu, so
		 * it can never shut down a number the kernel has reused.
		 */
		if ((t = *socket_ctx) != NULL) {
			track_remove(t);
			free(t);
			*socket_ctx = NULL;
		}
	}
}

struct reaper {
	pthread_t	 thread;
	int64_t		 timeout_us;
	_Atomic int	 stop;
};

static void *
reaper_main(void *arg)
{
	struct reaper		*r = arg;
	struct conn_track	*t;
	int64_t			 now;
	int			 cut;

	while (!atomic_load(&r->stop)) {
		usleep(250 * 1000);
		now = tb_mono_us();
		cut = 0;
		pthread_mutex_lock(&track_mu);
		for (t = track_head; t != NULL; t = t->next) {
			int64_t age = now - t->phase_start;

			if (t->fd < 0 || age <= r->timeout_us)
				continue;
			if (!t->exempt || t->bytes <
			    (uint64_t)(age / 1000000) * HTTP_UPLOAD_MIN_RATE) {
				shutdown(t->fd, SHUT_RDWR);
				t->fd = -1;
				cut++;
			}
		}
		pthread_mutex_unlock(&track_mu);
		if (cut > 0) {
			char n[16];

			tb_snprintf(n, sizeof(n), "%d", cut);
			log_kv(LOG_WARN, "http_request_timeout", "connections",
			    n, NULL);
		}
	}
	return NULL;
}

static void
req_free(struct http_req *req)
{
	if (req == NULL)
		return;
	if (req->resp != NULL)
		MHD_destroy_response(req->resp);
	upload_discard(req);
	buf_free(&req->body);
	for (int i = 0; i < req->nparams; i++)
		free(req->param_names[i]);
	free(req);
}

static void
request_id_new(char out[25])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 b[12];

	randombytes_buf(b, sizeof(b));
	for (size_t i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[24] = '\0';
}

static void
remote_addr(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr		*sa;

	out[0] = '\0';
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, (socklen_t)len);
}

/* Picks zh-TW unless the client prefers English (CONVENTIONS.md). */
static const char *
pick_lang(struct MHD_Connection *conn)
{
	const char *al = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Accept-Language");

	if (al != NULL && (strncmp(al, "en", 2) == 0))
		return "en";
	return "zh-TW";
}

static enum MHD_Result
queue_reply(struct http_req *req)
{
	enum MHD_Result	 r;

	if (req->resp == NULL)
		http_reply_error(req, "internal", NULL, NULL);
	r = MHD_queue_response(req->conn, (unsigned)req->status, req->resp);
	return r;
}

/* Decides, from the headers alone, whether the request can be served. */
static void
req_begin(struct http_req *req, const char *url)
{
	struct app	*app = req->app;
	char		 allow[128];
	const char	*cl;
	int64_t		 len, max;
	int		 idx;

	/*
	 * Set before any early refusal: a body sent with a refused request
	 * (405, bad path) is read and dropped up to HTTP_DISCARD_FACTOR
	 * times this, so that the client gets its answer; left at 0, the
	 * first byte hung up on it without one.
	 */
	req->body_max = app->cfg->json_max_bytes;
	if (http_path_decode(url, req->path, sizeof(req->path)) != TB_OK) {
		http_reply_error(req, "bad_path", NULL, NULL);
		req->body_refused = 1;
		return;
	}
	idx = http_route_match(app->routes, app->nroutes, req->method,
	    req->path, req, allow, sizeof(allow));
	req->route_idx = idx >= 0 ? idx : -1;
	if (idx >= 0)
		req->route = &app->routes[idx];
	if (idx == -2) {
		http_reply_error(req, "method_not_allowed", NULL, NULL);
		http_reply_header(req, "Allow", allow);
		req->body_refused = 1;
		return;
	}
	req->stream = req->route != NULL &&
	    (req->route->flags & ROUTE_BODY_STREAM);
	max = req->stream ? app->cfg->evidence_max_bytes :
	    app->cfg->json_max_bytes;
	req->body_max = max;
	buf_init(&req->body, req->stream ? 0 : (size_t)max);
	/* A declared body over the limit is refused before it is read. */
	if ((cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH)) != NULL) {
		if (parse_i64(cl, 0, INT64_MAX, &len) != TB_OK) {
			http_reply_error(req, "bad_request", "Content-Length",
			    NULL);
			req->body_refused = 1;
		} else if (len > max) {
			http_reply_error(req, "body_too_large", NULL, NULL);
			req->body_refused = 1;
		}
	}
	/*
	 * An upload is admitted on its headers, before a byte of it is
	 * stored: a caller who may not upload is not made to send it.
	 */
	if (req->stream && !req->body_refused) {
		if (http_admit(req) != TB_OK) {
			req->body_refused = 1;
			return;
		}
		if (upload_begin(req) != TB_OK) {
			log_kv(LOG_ERROR, "upload_begin_failed", "request_id",
			    req->request_id, NULL);
			http_reply_error(req, "internal", NULL, NULL);
			req->body_refused = 1;
			return;
		}
		if (req->track != NULL) {
			pthread_mutex_lock(&track_mu);
			req->track->exempt = 1;
			req->track->bytes = 0;
			pthread_mutex_unlock(&track_mu);
		}
	}
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
	struct app		*app = cls;
	struct http_req		*req = *con_cls;
	const union MHD_ConnectionInfo *ci;

	if (req == NULL) {
		if ((req = calloc(1, sizeof(*req))) == NULL)
			return MHD_NO;
		req->app = app;
		req->conn = conn;
		req->method = method;
		req->start_mono = tb_mono_us();
		req->route_idx = -1;
		req->lang = pick_lang(conn);
		request_id_new(req->request_id);
		remote_addr(conn, req->remote, sizeof(req->remote));
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		if (ci != NULL)
			req->track = ci->socket_context;
		atomic_fetch_add(&inflight, 1);
		*con_cls = req;
		req_begin(req, url);
		/*
		 * A refusal for a body that is still coming is sent now, so
		 * the client is not made to upload what will be thrown
		 * away; libmicrohttpd then closes the connection.
		 */
		if (req->body_refused && (req->status == 413 || req->stream))
			return queue_reply(req);
		return MHD_YES;
	}
	if (*upload_size > 0 && req->stream) {
		int rc = TB_OK;

		if (!req->body_refused &&
		    (rc = upload_write(req, upload_data, *upload_size))
		    != TB_OK) {
			http_reply_error(req, rc == TB_ETOOBIG ?
			    "body_too_large" : "internal", NULL, NULL);
			req->body_refused = 1;
			upload_discard(req);
		}
		req->body_seen += *upload_size;
		if (req->track != NULL) {
			pthread_mutex_lock(&track_mu);
			req->track->bytes += *upload_size;
			pthread_mutex_unlock(&track_mu);
		}
		*upload_size = 0;
		/* A refused upload is not read to its end: hang up. */
		return req->body_refused ? MHD_NO : MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->body_refused) {
			int rc = buf_add(&req->body, upload_data, *upload_size);

			if (rc == TB_ETOOBIG) {
				/*
				 * A chunked body grew past the limit: what is
				 * left is read and dropped, so the client gets
				 * its 413 once it has finished sending.
				 */
				http_reply_error(req, "body_too_large", NULL,
				    NULL);
				req->body_refused = 1;
				buf_free(&req->body);
			} else if (rc != TB_OK) {
				http_reply_error(req, "internal", NULL, NULL);
				req->body_refused = 1;
			}
		}
		req->body_seen += *upload_size;
		*upload_size = 0;
		/* Past this much the client is not listening: hang up. */
		if (req->body_seen > HTTP_DISCARD_FACTOR *
		    (uint64_t)req->body_max)
			return MHD_NO;
		return MHD_YES;
	}
	if (req->resp == NULL && req->stream && upload_finish(req) != TB_OK) {
		http_reply_error(req, "internal", NULL, NULL);
		upload_discard(req);
	}
	if (req->resp == NULL)
		http_dispatch(req);
	/* What the handler did not keep is gone before the client hears. */
	upload_discard(req);
	return queue_reply(req);
}

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_req	*req = *con_cls;
	int64_t		 dur;

	if (req == NULL)
		return;
	dur = tb_mono_us() - req->start_mono;
	metrics_record(req->route_idx, req->status, dur);
	if (req->route == NULL || !(req->route->flags & ROUTE_NO_LOG))
		http_log_access(req, dur, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	/* The next request on this connection gets its own time budget. */
	if (req->track != NULL) {
		pthread_mutex_lock(&track_mu);
		req->track->phase_start = tb_mono_us();
		pthread_mutex_unlock(&track_mu);
	}
	req_free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&inflight, 1);
}

/* Leaves unescaping to router.c, which refuses %00 and bad escapes that
 * libmicrohttpd would silently turn into a shorter string. */
static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* libmicrohttpd's own messages; the attribute lets clang check the format
 * passed through (-Wformat-nonliteral).  A message longer than msg is cut:
 * it is a diagnostic, and a shorter one beats none. */
static void	mhd_log(void *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_kv(LOG_WARN, "mhd", "message", msg, NULL);
}

/* Parses HOST:PORT or [V6]:PORT into a socket address. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen,
    int *v6)
{
	char		 host[128];
	const char	*colon, *p;
	int64_t		 port;
	size_t		 hl;

	memset(ss, 0, sizeof(*ss));
	*v6 = 0;
	if (s[0] == '[') {
		if ((p = strchr(s, ']')) == NULL || p[1] != ':')
			return TB_EINVAL;
		hl = (size_t)(p - s - 1);
		if (hl >= sizeof(host))
			return TB_EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = p + 1;
		*v6 = 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return TB_EINVAL;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return TB_EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (parse_i64(colon + 1, 0, 65535, &port) != TB_OK)
		return TB_EINVAL;
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return TB_EINVAL;
		*sslen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			tb_strlcpy(host, "127.0.0.1", sizeof(host));
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return TB_EINVAL;
		*sslen = sizeof(*a);
	}
	return TB_OK;
}

/* Raises the open-file limit so that max_connections sockets fit. */
static void
raise_nofile(int64_t want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if ((int64_t)rl.rlim_cur >= want + 64)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int
http_serve(struct app *app)
{
	const struct config		*cfg = app->cfg;
	struct MHD_Daemon		*d;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen;
	const union MHD_DaemonInfo	*di;
	struct reaper			 reaper;
	sigset_t			 set;
	unsigned			 flags, threads;
	int				 v6, sig, port;
	char				 host[128];
	int64_t				 t0;
	long				 ncpu;

	if (parse_listen(cfg->listen, &ss, &sslen, &v6) != TB_OK) {
		fprintf(stderr, "tongbao: listen: expected HOST:PORT, got "
		    "'%s'\n", cfg->listen);
		return TB_EINVAL;
	}
	if (metrics_init(app->nroutes) != TB_OK)
		return TB_ENOMEM;
	raise_nofile(cfg->max_connections);

	/* NOTES.md: signals must reach sigwait, not a server thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * By default 8 threads per core, 16 to 48: a thread waiting for the
	 * writer or for its COMMIT's fsync holds no core, and group commit
	 * gathers only transactions that wait at the same time
	 * (docs/internals/store.md), so durable writes want more threads than
	 * cores; reads lose little to it (28,000 reads/s with 2 threads,
	 * 26,100 with 32, one run).  At most 48 keeps every thread's reader
	 * connection within the store's 64.
	 */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (cfg->threads > 0)
		threads = (unsigned)cfg->threads;
	else {
		threads = (unsigned)(ncpu > 0 ? ncpu : 1) * HTTP_THREADS_PER_CORE;
		if (threads < HTTP_THREADS_MIN)
			threads = HTTP_THREADS_MIN;
		if (threads > HTTP_THREADS_MAX)
			threads = HTTP_THREADS_MAX;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, app,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, app,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, request_completed, app,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_connection, app,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, app,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "tongbao: cannot listen on %s: %s\n",
		    cfg->listen, strerror(errno));
		metrics_cleanup();
		return TB_EIO;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = di != NULL ? di->port : 0;
	if (v6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    host, sizeof(host));
		tb_snprintf(app->origin, sizeof(app->origin),
		    "http://[%s]:%d", host, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    host, sizeof(host));
		tb_snprintf(app->origin, sizeof(app->origin), "http://%s:%d",
		    host, port);
	}
	if (cfg->public_origin != NULL && cfg->public_origin[0] != '\0')
		tb_strlcpy(app->origin, cfg->public_origin,
		    sizeof(app->origin));

	memset(&reaper, 0, sizeof(reaper));
	reaper.timeout_us = cfg->request_timeout * 1000000LL;
	pthread_create(&reaper.thread, NULL, reaper_main, &reaper);

	printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", host,
	    v6 ? "]" : "", port);
	fflush(stdout);
	log_kv(LOG_INFO, "server_started", "origin", app->origin, NULL);

	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGTERM && sig != SIGINT);

	/*
	 * Stop accepting, then let requests in flight finish before the
	 * daemon closes every connection.
	 */
	atomic_store(&stopping, 1);
	log_kv(LOG_INFO, "server_stopping", NULL);
	{
		MHD_socket ls = MHD_quiesce_daemon(d);

		if (ls != MHD_INVALID_SOCKET)
			close(ls);
	}
	t0 = tb_mono_us();
	while (atomic_load(&inflight) > 0 &&
	    tb_mono_us() - t0 < HTTP_DRAIN_MAX_US)
		usleep(10 * 1000);
	MHD_stop_daemon(d);
	atomic_store(&reaper.stop, 1);
	pthread_join(reaper.thread, NULL);
	metrics_cleanup();
	log_kv(LOG_INFO, "server_stopped", NULL);
	return TB_OK;
}

int
http_is_stopping(void)
{
	return atomic_load(&stopping);
}
