/*
 * schedule.c: the pure rules of notifications: when a failed message is
 * tried again, when the people of an obligation are reminded and told it
 * is overdue, and the webhook signature.  No I/O and no clock: the caller
 * passes "now", so tests/unit/test_notify.c can check every row.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "notify/internal.h"

int64_t
notify_backoff_us(int64_t base_us, int64_t attempts)
{
	int64_t	 d = base_us > 0 ? base_us : 1;

	/* Doubling past the cap would overflow after ~60 attempts; stop
	 * doubling as soon as the cap is reached. */
	for (int64_t i = 1; i < attempts && d < NOTIFY_BACKOFF_CAP_US; i++)
		d *= 2;
	return d < NOTIFY_BACKOFF_CAP_US ? d : NOTIFY_BACKOFF_CAP_US;
}

int
notify_retry_at(int64_t created_at, int64_t now, int64_t attempts,
    int64_t base_us, int64_t retry_us, int64_t *next)
{
	int64_t	 t = now + notify_backoff_us(base_us, attempts);

	/* CONVENTIONS: "for at most 24 hours": no try may begin later than
	 * that after the message was written. */
	if (t - created_at > retry_us)
		return TB_ETOOBIG;
	*next = t;
	return TB_OK;
}

/* Parses one stage of a policy from s[0..len). */
static int
policy_stage(const char *s, size_t len, struct notify_reminder *r)
{
	int64_t	 v, unit;

	memset(r, 0, sizeof(*r));
	if (len >= 2 && s[len - 1] == '%') {
		if (parse_i64_n(s, len - 1, 1, 99, &v) != TB_OK)
			return TB_EINVAL;
		r->percent = (int)v;
		return TB_OK;
	}
	if (len < 3 || s[0] != '-')
		return TB_EINVAL;
	switch (s[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	default:
		return TB_EINVAL;
	}
	/* At most 31 days before: a longer lead has no period to live in. */
	if (parse_i64_n(s + 1, len - 2, 1, 31 * 86400 / unit, &v) != TB_OK)
		return TB_EINVAL;
	r->before_us = v * unit * 1000000;
	return TB_OK;
}

int
notify_policy_parse(const char *s, struct notify_policy *out)
{
	struct notify_policy	 p;
	const char		*e;

	memset(&p, 0, sizeof(p));
	while (*s == ' ')
		s++;
	while (*s != '\0') {
		size_t	 len;

		e = strchr(s, ',');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (p.n == NOTIFY_REMINDERS_MAX ||
		    policy_stage(s, len, &p.st[p.n]) != TB_OK)
			return TB_EINVAL;
		p.n++;
		if (e == NULL)
			break;
		s = e + 1;
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return TB_EINVAL;	/* a trailing comma */
	}
	/* Only the stages: escalate_us is a setting of its own. */
	memcpy(out->st, p.st, sizeof(p.st));
	out->n = p.n;
	return TB_OK;
}

size_t
notify_stages(const struct notify_policy *p, int64_t start, int64_t due,
    int64_t overdue_from, bool escalate, struct notify_stage *out)
{
	int64_t	 at[NOTIFY_REMINDERS_MAX];
	size_t	 n = 0, k = 0;

	for (size_t i = 0; i < p->n; i++) {
		int64_t	 t;

		if (p->st[i].percent > 0) {
			if (start == INT64_MIN || due <= start)
				continue;
			/* (due - start) * percent / 100 without overflow:
			 * periods are at most a few months of microseconds,
			 * far below INT64_MAX / 100. */
			t = start + (due - start) / 100 * p->st[i].percent +
			    (due - start) % 100 * p->st[i].percent / 100;
		} else
			t = due - p->st[i].before_us;
		/* A reminder at or after the due time says nothing the
		 * overdue message will not; one before the clock started
		 * (10 minutes before a 5-minute period) makes no sense. */
		if (t >= due || (start != INT64_MIN && t <= start))
			continue;
		at[n++] = t;
	}
	/* Insertion sort: at most NOTIFY_REMINDERS_MAX entries. */
	for (size_t i = 1; i < n; i++) {
		int64_t	 v = at[i];
		size_t	 j = i;

		for (; j > 0 && at[j - 1] > v; j--)
			at[j] = at[j - 1];
		at[j] = v;
	}
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && out[k - 1].at == at[i])
			continue;
		out[k].stage = (int)k + 1;
		out[k].at = at[i];
		k++;
	}
	out[k].stage = NOTIFY_STAGE_OVERDUE;
	out[k].at = overdue_from;
	k++;
	if (escalate) {
		out[k].stage = NOTIFY_STAGE_ESCALATE;
		out[k].at = overdue_from + p->escalate_us;
		k++;
	}
	return k;
}

void
notify_stage_next(const struct notify_stage *st, size_t n, int sent,
    int64_t now, int *send, int *sent_after, int64_t *next)
{
	int64_t	 last_at = INT64_MIN;

	*send = 0;
	*sent_after = sent;
	*next = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (st[i].stage <= sent)
			continue;
		if (st[i].at > now) {
			*next = st[i].at;
			break;
		}
		/* Due: later ones supersede it ("only the latest"). */
		*sent_after = st[i].stage;
		last_at = st[i].at;
	}
	if (*sent_after != sent && now - last_at <= NOTIFY_CATCHUP_US)
		*send = *sent_after;
}

int
notify_daytime_parse(const char *s, int *minutes)
{
	int64_t	 h, m;

	if (s[0] == '\0') {
		*minutes = -1;
		return TB_OK;
	}
	if (strlen(s) != 5 || s[2] != ':' ||
	    parse_i64_n(s, 2, 0, 23, &h) != TB_OK ||
	    parse_i64_n(s + 3, 2, 0, 59, &m) != TB_OK)
		return TB_EINVAL;
	*minutes = (int)(h * 60 + m);
	return TB_OK;
}

void
notify_webhook_sign(const char *secret, int64_t timestamp, const char *body,
    size_t len, char out[NOTIFY_SIGNATURE_SIZE])
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 ts[24];
	size_t				 n;

	/* 20 digits, a dot and the NUL always fit. */
	(void)tb_snprintf(ts, sizeof(ts), "%lld.", (long long)timestamp);
	n = strlen(ts);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts,
	    (unsigned long long)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
	    (unsigned long long)len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}
