/*
 * mime.c: building an e-mail message: headers in RFC 2047 encoded words so
 * that Traditional Chinese survives every mail system, a multipart body of
 * plain text and HTML in base64, and the checks that keep data from
 * becoming headers or SMTP commands.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "domain/domain.h"
#include "notify/internal.h"

/* Raw bytes per encoded word: 42 bytes are 56 base64 characters, and
 * "=?UTF-8?B?" + 56 + "?=" is 68: inside RFC 2047's 75, and with
 * "Subject: " before the first word still inside RFC 5322's 78. */
#define MIME_WORD_BYTES		42
/* Raw bytes per base64 body line: 57 bytes are 76 characters (RFC 2045). */
#define MIME_LINE_BYTES		57
/* Printable ASCII header text longer than this is encoded too, so that it
 * can be folded (RFC 5322 lines stop at 998 characters). */
#define MIME_PLAIN_MAX		200

static int
local_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || strchr("!#$%&'*+/=?^_`{|}~.-", ch)
	    != NULL;
}

static int
domain_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
}

int
notify_addr_valid(const char *s)
{
	const char	*at;
	size_t		 len, llen;

	if (s == NULL || (len = strlen(s)) < 3 || len > 254 ||
	    (at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	llen = (size_t)(at - s);
	if (llen == 0 || llen > 64 || at[1] == '\0')
		return 0;
	for (size_t i = 0; i < llen; i++)
		if (!local_char((unsigned char)s[i]))
			return 0;
	for (const char *p = at + 1; *p != '\0'; p++)
		if (!domain_char((unsigned char)*p))
			return 0;
	/* No empty labels: ".x", "x.", "x..y" on either side. */
	if (s[0] == '.' || at[-1] == '.' || at[1] == '.' ||
	    s[len - 1] == '.' || strstr(s, "..") != NULL)
		return 0;
	return 1;
}

/* 1 when s is printable ASCII short enough to stand as is. */
static int
mime_plain(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i <= MIME_PLAIN_MAX;
}

/* Appends s as encoded words, one per line after the first. */
static int
mime_words(struct buf *b, const char *s)
{
	unsigned char	 raw[MIME_WORD_BYTES];
	char		 b64[sodium_base64_ENCODED_LEN(MIME_WORD_BYTES,
			    sodium_base64_VARIANT_ORIGINAL)];
	size_t		 len = strlen(s), at = 0;
	int		 rc, first = 1;

	while (at < len) {
		size_t	 n = len - at > MIME_WORD_BYTES ? MIME_WORD_BYTES :
		    len - at;

		/* Back off to the start of a UTF-8 character (RFC 2047 §5:
		 * each word must hold whole characters). */
		if (at + n < len)
			while (n > 1 && ((unsigned char)s[at + n] & 0xc0) ==
			    0x80)
				n--;
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[at + i];

			/* Controls would become header line breaks once
			 * decoded by a careless reader. */
			raw[i] = ch < 0x20 || ch == 0x7f ? ' ' : ch;
		}
		sodium_bin2base64(b64, sizeof(b64), raw, n,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((rc = buf_printf(b, "%s=?UTF-8?B?%s?=", first ? "" :
		    "\r\n ", b64)) != TB_OK)
			return rc;
		first = 0;
		at += n;
	}
	return TB_OK;
}

int
notify_mime_header(struct buf *b, const char *s)
{
	if (mime_plain(s))
		return buf_adds(b, s);
	return mime_words(b, s);
}

/* Appends a display name and address: "name <addr>" or "<addr>". */
static int
mime_mailbox(struct buf *b, const char *name, const char *addr)
{
	int	 rc;

	if (name == NULL || name[0] == '\0')
		return buf_printf(b, "<%s>", addr);
	if (mime_plain(name)) {
		/* A quoted string, so commas and the like stay in the name. */
		if ((rc = buf_adds(b, "\"")) != TB_OK)
			return rc;
		for (const char *p = name; *p != '\0'; p++) {
			if ((*p == '"' || *p == '\\') &&
			    (rc = buf_add(b, "\\", 1)) != TB_OK)
				return rc;
			if ((rc = buf_add(b, p, 1)) != TB_OK)
				return rc;
		}
		return buf_printf(b, "\" <%s>", addr);
	}
	/* The address on a line of its own keeps lines short (a folding
	 * white space may stand before an angle-addr). */
	if ((rc = mime_words(b, name)) != TB_OK)
		return rc;
	return buf_printf(b, "\r\n <%s>", addr);
}

int
notify_html_escape(struct buf *b, const char *s)
{
	const char	*run = s;
	int		 rc;

	for (; *s != '\0'; s++) {
		const char	*rep;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		if ((rc = buf_add(b, run, (size_t)(s - run))) != TB_OK ||
		    (rc = buf_adds(b, rep)) != TB_OK)
			return rc;
		run = s + 1;
	}
	return buf_add(b, run, (size_t)(s - run));
}

/* Appends s in base64, 76 characters a line, each line ended by CRLF. */
static int
mime_base64(struct buf *b, const char *s)
{
	char	 line[sodium_base64_ENCODED_LEN(MIME_LINE_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)];
	size_t	 len = strlen(s);
	int	 rc;

	for (size_t at = 0; at < len; at += MIME_LINE_BYTES) {
		size_t	 n = len - at > MIME_LINE_BYTES ? MIME_LINE_BYTES :
		    len - at;

		sodium_bin2base64(line, sizeof(line),
		    (const unsigned char *)s + at, n,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((rc = buf_printf(b, "%s\r\n", line)) != TB_OK)
			return rc;
	}
	return TB_OK;
}

/* The Date header value for t in Taipei time (RFC 5322 §3.3). */
static int
mime_date(struct buf *b, int64_t t)
{
	static const char *const days[] = { "Thu", "Fri", "Sat", "Sun",
	    "Mon", "Tue", "Wed" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tbtime_date	 d = tbtime_taipei_date(t);
	int64_t			 local = (t + TBTIME_TAIPEI_OFFSET_US) /
				    TBTIME_US_PER_SEC;
	int64_t			 day = local / 86400, sec = local % 86400;

	if (sec < 0) {
		sec += 86400;
		day--;
	}
	/* 1970-01-01 was a Thursday. */
	return buf_printf(b, "%s, %d %s %04d %02d:%02d:%02d +0800",
	    days[((day % 7) + 7) % 7], d.day, months[d.month - 1], d.year,
	    (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

/* 1 when key may stand in a Message-ID (RFC 5322 dot-atom-text). */
static int
mime_key_valid(const char *key)
{
	size_t	 len = strlen(key);

	if (len == 0 || len > 200 || key[0] == '.' || key[len - 1] == '.' ||
	    strstr(key, "..") != NULL)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!local_char((unsigned char)key[i]))
			return 0;
	return 1;
}

int
notify_mime_build(struct buf *out, const struct notify_mail *m)
{
	unsigned char	 h[16];
	char		 boundary[48], hex[33];
	const char	*domain;
	int		 rc;

	if (!notify_addr_valid(m->from) || !notify_addr_valid(m->to) ||
	    !mime_key_valid(m->key))
		return TB_EINVAL;
	domain = strchr(m->from, '@') + 1;
	/* The boundary comes from the key, so the same message is the same
	 * bytes on every try; "=_" never occurs in base64. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)m->key,
	    strlen(m->key), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if ((rc = tb_snprintf(boundary, sizeof(boundary), "=_tongbao_%s",
	    hex)) != TB_OK)
		return rc;
	if ((rc = buf_adds(out, "Date: ")) != TB_OK ||
	    (rc = mime_date(out, m->date)) != TB_OK ||
	    (rc = buf_adds(out, "\r\nFrom: ")) != TB_OK ||
	    (rc = mime_mailbox(out, m->from_name, m->from)) != TB_OK ||
	    (rc = buf_adds(out, "\r\nTo: ")) != TB_OK ||
	    (rc = mime_mailbox(out, m->to_name, m->to)) != TB_OK ||
	    (rc = buf_adds(out, "\r\nSubject: ")) != TB_OK ||
	    (rc = notify_mime_header(out, m->subject)) != TB_OK ||
	    (rc = buf_printf(out, "\r\nMessage-ID: <%s@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-Auto-Response-Suppress: All\r\n"
	    "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n"
	    "\r\n"
	    "--%s\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n",
	    m->key, domain, boundary, boundary)) != TB_OK ||
	    (rc = mime_base64(out, m->text)) != TB_OK ||
	    (rc = buf_printf(out, "--%s\r\n"
	    "Content-Type: text/html; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", boundary)) != TB_OK ||
	    (rc = mime_base64(out, m->html)) != TB_OK ||
	    (rc = buf_printf(out, "--%s--\r\n", boundary)) != TB_OK)
		return rc;
	return TB_OK;
}
