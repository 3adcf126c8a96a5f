/*
 * transport.c: the two channels on libcurl: SMTP (smtp:// with STARTTLS
 * when the server offers it, smtps:// with TLS from the start, optional
 * authentication) and the webhook POST with its signature (CONVENTIONS
 * "Outgoing webhooks").  One easy handle per channel is kept and reused,
 * so that libcurl keeps the connection open between messages.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config.h"
#include "notify/internal.h"

/* The most of a webhook answer read (and thrown away): enough for any
 * error page, small enough that a hostile receiver cannot fill memory. */
#define HOOK_ANSWER_MAX		(64 * 1024)

/* The webhook's fixed headers; the timestamp and signature follow. */
static const char *const hook_headers[] = {
	"Content-Type: application/json; charset=utf-8",
	("User-Agent: tongbao/" TONGBAO_VERSION),
	"Expect:",	/* no 100-continue round trip */
};

struct notify_transport {
	const struct config	*cfg;
	const atomic_int	*stop;
	CURL			*smtp;
	CURL			*hook;
	char			 errbuf[CURL_ERROR_SIZE];
	int			 smtp_loopback;
};

/* Reading a message for SMTP upload. */
struct reader {
	const char	*p;
	size_t		 left;
};

static size_t
read_cb(char *dst, size_t size, size_t n, void *arg)
{
	struct reader	*r = arg;
	size_t		 want = size * n;

	if (want > r->left)
		want = r->left;
	memcpy(dst, r->p, want);
	r->p += want;
	r->left -= want;
	return want;
}

/* Answers are counted and dropped. */
static size_t
drop_cb(char *p, size_t size, size_t n, void *arg)
{
	size_t	*seen = arg;

	(void)p;
	*seen += size * n;
	/* Returning less than given makes libcurl stop the transfer. */
	return *seen > HOOK_ANSWER_MAX ? 0 : size * n;
}

/* Aborts a transfer once the worker is told to stop. */
static int
progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const struct notify_transport *t = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(t->stop) ? 1 : 0;
}

/* 1 when the URL's host is a loopback address. */
static int
url_loopback(const char *url)
{
	CURLU	*u;
	char	*host = NULL;
	int	 lo = 0;

	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		lo = strncmp(host, "127.", 4) == 0 ||
		    strcmp(host, "localhost") == 0 ||
		    strcmp(host, "[::1]") == 0;
	curl_free(host);
	curl_url_cleanup(u);
	return lo;
}

struct notify_transport *
notify_transport_new(const struct config *cfg, const atomic_int *stop)
{
	struct notify_transport	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cfg = cfg;
	t->stop = stop;
	if ((t->smtp = curl_easy_init()) == NULL ||
	    (t->hook = curl_easy_init()) == NULL) {
		notify_transport_free(t);
		return NULL;
	}
	t->smtp_loopback = cfg->smtp_url[0] != '\0' &&
	    url_loopback(cfg->smtp_url);
	return t;
}

void
notify_transport_free(struct notify_transport *t)
{
	if (t == NULL)
		return;
	if (t->smtp != NULL)
		curl_easy_cleanup(t->smtp);
	if (t->hook != NULL)
		curl_easy_cleanup(t->hook);
	free(t);
}

/* Replaces the SMTP handle, dropping its connection. */
static void
smtp_fresh(struct notify_transport *t)
{
	CURL	*h;

	if ((h = curl_easy_init()) == NULL)
		return;		/* keep the old one: better than none */
	curl_easy_cleanup(t->smtp);
	t->smtp = h;
}

/* Options both channels share. */
static void
common_opts(struct notify_transport *t, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    (long)NOTIFY_CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)NOTIFY_TRANSFER_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
	t->errbuf[0] = '\0';
}

/* A short reason for last_error: libcurl's message, else its code's. */
static void
curl_reason(struct notify_transport *t, CURLcode cc, char *err,
    size_t errlen)
{
	if (tb_snprintf(err, errlen, "%s", t->errbuf[0] != '\0' ? t->errbuf :
	    curl_easy_strerror(cc)) != TB_OK && errlen > 0)
		err[errlen - 1] = '\0';
}

enum notify_result
notify_smtp_send(struct notify_transport *t, const char *to,
    const char *msg, size_t len, char *err, size_t errlen)
{
	const struct config	*cfg = t->cfg;
	struct curl_slist	*rcpt = NULL;
	struct reader		 rd = { msg, len };
	char			 from[600], addr[600];
	long			 code = 0;
	CURLcode		 cc;

	if (tb_snprintf(from, sizeof(from), "<%s>", cfg->smtp_from) !=
	    TB_OK || tb_snprintf(addr, sizeof(addr), "<%s>", to) != TB_OK ||
	    (rcpt = curl_slist_append(NULL, addr)) == NULL) {
		(void)tb_snprintf(err, errlen, "address too long");
		return NOTIFY_PERMANENT;
	}
	curl_easy_reset(t->smtp);
	common_opts(t, t->smtp);
	curl_easy_setopt(t->smtp, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(t->smtp, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(t->smtp, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(t->smtp, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(t->smtp, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->smtp, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(t->smtp, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(t->smtp, CURLOPT_READDATA, &rd);
	/* smtp:// upgrades with STARTTLS when offered.  A password is never
	 * sent in the clear, except to a server on this machine. */
	curl_easy_setopt(t->smtp, CURLOPT_USE_SSL, cfg->smtp_user[0] != '\0'
	    && !t->smtp_loopback ? (long)CURLUSESSL_ALL :
	    (long)CURLUSESSL_TRY);
	if (cfg->smtp_user[0] != '\0') {
		curl_easy_setopt(t->smtp, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(t->smtp, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	cc = curl_easy_perform(t->smtp);
	curl_slist_free_all(rcpt);
	if (cc == CURLE_OK)
		return NOTIFY_SENT;
	curl_reason(t, cc, err, errlen);
	curl_easy_getinfo(t->smtp, CURLINFO_RESPONSE_CODE, &code);
	/* After a failure the server's idea of the dialogue may differ from
	 * ours (a 503 "bad sequence" on the next MAIL was seen here): the
	 * next message starts on a new connection. */
	smtp_fresh(t);
	/* Only a refusal of the mailbox or the message is final (RFC 5321
	 * §4.2.2: 550 unavailable, 551 not local, 553 name not allowed, 554
	 * transaction failed).  Other 5xx answers (syntax, sequence, a
	 * broken server) and authentication failures are retried. */
	if (code == 550 || code == 551 || code == 553 || code == 554)
		return NOTIFY_PERMANENT;
	return NOTIFY_RETRY;
}

enum notify_result
notify_webhook_send(struct notify_transport *t, const char *body,
    size_t len, int64_t now, char *err, size_t errlen)
{
	const struct config	*cfg = t->cfg;
	struct curl_slist	*h = NULL, *nh;
	char			 sig[NOTIFY_SIGNATURE_SIZE];
	char			 line[128];
	size_t			 seen = 0;
	long			 status = 0;
	int64_t			 ts = now / 1000000;
	CURLcode		 cc;

	notify_webhook_sign(cfg->webhook_secret, ts, body, len, sig);
	for (size_t i = 0; i < sizeof(hook_headers) / sizeof(hook_headers[0]);
	    i++) {
		if ((nh = curl_slist_append(h, hook_headers[i])) == NULL)
			goto nomem;
		h = nh;
	}
	if (tb_snprintf(line, sizeof(line), "X-Tongbao-Timestamp: %lld",
	    (long long)ts) != TB_OK ||
	    (nh = curl_slist_append(h, line)) == NULL)
		goto nomem;
	h = nh;
	if (tb_snprintf(line, sizeof(line), "X-Tongbao-Signature: %s", sig)
	    != TB_OK || (nh = curl_slist_append(h, line)) == NULL)
		goto nomem;
	h = nh;
	curl_easy_reset(t->hook);
	common_opts(t, t->hook);
	curl_easy_setopt(t->hook, CURLOPT_URL, cfg->webhook_url);
	curl_easy_setopt(t->hook, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->hook, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(t->hook, CURLOPT_POST, 1L);
	curl_easy_setopt(t->hook, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(t->hook, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	curl_easy_setopt(t->hook, CURLOPT_WRITEFUNCTION, drop_cb);
	curl_easy_setopt(t->hook, CURLOPT_WRITEDATA, &seen);
	cc = curl_easy_perform(t->hook);
	curl_slist_free_all(h);
	curl_easy_getinfo(t->hook, CURLINFO_RESPONSE_CODE, &status);
	/* CONVENTIONS: any 2xx is delivery, anything else is retried.  An
	 * answer cut short for its size still said 2xx first. */
	if (status >= 200 && status < 300 && (cc == CURLE_OK ||
	    cc == CURLE_WRITE_ERROR))
		return NOTIFY_SENT;
	if (cc != CURLE_OK) {
		curl_reason(t, cc, err, errlen);
		return NOTIFY_RETRY;
	}
	(void)tb_snprintf(err, errlen, "HTTP %ld", status);
	return NOTIFY_RETRY;
nomem:
	curl_slist_free_all(h);
	(void)tb_snprintf(err, errlen, "out of memory");
	return NOTIFY_RETRY;
}
