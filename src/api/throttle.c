/*
 * throttle.c: slowing down password guessing without locking anyone out
 * for good (issue 3).
 *
 * Failures are counted under three keys: the account from one address,
 * the address across accounts, and the account across addresses.  Each
 * key has free failures, then a lock that doubles per further failure up
 * to a cap; a lock always ends, and a quiet spell forgets the key.  While
 * locked, attempts are refused with 429 and Retry-After without checking
 * the password, so a guesser learns nothing and costs us nothing.  The
 * real user, coming from their own address, meets only the account-wide
 * key, which needs far more failures and caps low.
 *
 * The table is in memory: a restart forgets it, which costs an attacker a
 * restart they cannot cause, and keeps sign-in free of database writes.
 */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "api/throttle.h"
#include "util/util.h"

/* Slots in the table; the oldest is overwritten when a probe is full. */
#define THROTTLE_SLOTS		8192
#define THROTTLE_PROBE		16
/* A key with no failure for this long is forgotten (µs). */
#define THROTTLE_FORGET_US	(15 * 60 * 1000000LL)
/*
 * An attempt let through is "in flight" until its outcome is known (the
 * password check takes a while) or for this long at most, in case its
 * outcome never comes (µs).
 */
#define THROTTLE_INFLIGHT_US	(10 * 1000000LL)
/* What a refusal for an attempt in flight asks the client to wait (µs). */
#define THROTTLE_BUSY_US	(1000000LL)

static const struct throttle_rule {
	const char	*kind;
	int		 free;		/* failures before the first lock */
	int64_t		 cap_s;		/* longest lock */
} rules[THROTTLE__KINDS] = {
	[THROTTLE_PAIR] = { "pair", 5, 300 },
	[THROTTLE_ADDR] = { "addr", 30, 900 },
	[THROTTLE_USER] = { "user", 50, 60 },
};

struct slot {
	uint64_t	 key;
	int		 failures;
	int64_t		 last_failure;
	int64_t		 locked_until;
	int64_t		 noted_until;	/* lock whose refusal was recorded */
	int64_t		 refused;	/* refusals in no audit entry yet */
	int		 inflight;	/* attempts let through, no outcome */
	int64_t		 inflight_at;	/* when the last one was let through */
};

static struct slot	 slots[THROTTLE_SLOTS];
static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char	 salt[crypto_shorthash_KEYBYTES];
static pthread_once_t	 salt_once = PTHREAD_ONCE_INIT;

static void
salt_init(void)
{
	randombytes_buf(salt, sizeof(salt));
}

const char *
throttle_kind_name(enum throttle_kind k)
{
	if ((unsigned)k >= THROTTLE__KINDS)
		return NULL;
	return rules[k].kind;
}

/*
 * A keyed hash, so that nobody can aim collisions at another's slot.  The
 * parts are length-prefixed: a user name may hold any character, and
 * "a\x1fb" + "c" must not be the key of "a" + "b\x1fc".
 */
static uint64_t
key_of(enum throttle_kind k, const char *user, const char *addr)
{
	unsigned char	 out[crypto_shorthash_BYTES];
	const char	*u = k == THROTTLE_ADDR ? "" : user;
	const char	*a = k == THROTTLE_USER ? "" : addr;
	struct buf	 b;
	uint64_t	 v = 0;

	pthread_once(&salt_once, salt_init);
	buf_init(&b, 1024);
	buf_printf(&b, "%s:%zu:%s:%zu:%s", rules[k].kind, strlen(u), u,
	    strlen(a), a);
	crypto_shorthash(out, (const unsigned char *)buf_str(&b), b.len, salt);
	buf_free(&b);
	memcpy(&v, out, sizeof(v));
	return v | 1;	/* 0 marks a free slot */
}

static struct slot *
slot_find(uint64_t key, int create, int64_t now)
{
	size_t		 i, h = (size_t)(key % THROTTLE_SLOTS);
	struct slot	*oldest = NULL;

	for (i = 0; i < THROTTLE_PROBE; i++) {
		struct slot *s = &slots[(h + i) % THROTTLE_SLOTS];

		if (s->key == key) {
			/* Forgotten: the failures, not the refusals
			 * still owed to the audit trail. */
			if (now - s->last_failure > THROTTLE_FORGET_US &&
			    now >= s->locked_until) {
				s->failures = 0;
				s->locked_until = 0;
			}
			return s;
		}
		/* Prefer a free slot, else the one idle the longest. */
		if (oldest == NULL || (oldest->key != 0 && (s->key == 0 ||
		    s->last_failure < oldest->last_failure)))
			oldest = s;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	oldest->key = key;
	return oldest;
}

/*
 * 1 when key k of slot s must wait for an attempt in flight: the attempts
 * in flight may spend its last free failures (or, past them, start a
 * lock), and letting others through meanwhile would give a guesser with
 * many connections as many guesses as it has connections (and server
 * threads) before the first failure lands.  So failures plus attempts in
 * flight never pass the free ones.
 */
static int
slot_busy(const struct slot *s, enum throttle_kind k, int64_t now)
{
	return s != NULL && s->inflight > 0 &&
	    s->failures + s->inflight >= rules[k].free &&
	    now - s->inflight_at < THROTTLE_INFLIGHT_US;
}

int64_t
throttle_check(const char *user, const char *addr, int64_t now,
    struct throttle_note *note)
{
	struct throttle_note	 n;
	struct slot		*s[THROTTLE__KINDS], *by = NULL;
	int			 k;

	memset(&n, 0, sizeof(n));
	pthread_mutex_lock(&mu);
	for (k = 0; k < THROTTLE__KINDS; k++) {
		s[k] = slot_find(key_of(k, user, addr), 0, now);
		if (s[k] != NULL && s[k]->locked_until - now > n.wait_us) {
			n.wait_us = s[k]->locked_until - now;
			n.kind = k;
			by = s[k];
		}
	}
	if (by != NULL) {
		/* Refused: the first refusal of each lock gets its own
		 * entry, carrying the count of those before it. */
		if (by->noted_until != by->locked_until) {
			n.record = 1;
			n.unrecorded = by->refused;
			by->refused = 0;
			by->noted_until = by->locked_until;
		} else
			by->refused++;
		goto out;
	}
	for (k = 0; k < THROTTLE__KINDS; k++)
		if (slot_busy(s[k], k, now)) {
			/* Refused for a moment, counted, never recorded on
			 * its own: the lock that follows will be. */
			n.wait_us = THROTTLE_BUSY_US;
			n.kind = k;
			s[k]->refused++;
			goto out;
		}
	/* Let through: its entry carries what the keys owe. */
	for (k = 0; k < THROTTLE__KINDS; k++) {
		if (s[k] != NULL) {
			n.unrecorded += s[k]->refused;
			s[k]->refused = 0;
		} else
			s[k] = slot_find(key_of(k, user, addr), 1, now);
		s[k]->inflight++;
		s[k]->inflight_at = now;
	}
out:
	pthread_mutex_unlock(&mu);
	if (note != NULL)
		*note = n;
	return n.wait_us;
}

/* The attempt let through has ended: one fewer in flight. */
static void
slot_landed(struct slot *s)
{
	if (s != NULL && s->inflight > 0)
		s->inflight--;
}

void
throttle_failure(const char *user, const char *addr, int64_t now)
{
	pthread_mutex_lock(&mu);
	for (int k = 0; k < THROTTLE__KINDS; k++) {
		struct slot	*s = slot_find(key_of(k, user, addr), 1, now);
		int		 over;
		int64_t		 lock_s;

		slot_landed(s);
		s->failures++;
		s->last_failure = now;
		over = s->failures - rules[k].free;
		if (over <= 0)
			continue;
		/* 1 s, 2 s, 4 s ... up to the cap. */
		lock_s = over > 20 ? rules[k].cap_s : (int64_t)1 << (over - 1);
		if (lock_s > rules[k].cap_s)
			lock_s = rules[k].cap_s;
		s->locked_until = now + lock_s * 1000000LL;
	}
	pthread_mutex_unlock(&mu);
}

void
throttle_success(const char *user, const char *addr, int64_t now)
{
	pthread_mutex_lock(&mu);
	for (int k = 0; k < THROTTLE__KINDS; k++) {
		struct slot	*s = slot_find(key_of(k, user, addr), 0, now);

		slot_landed(s);
		/* One right password says nothing about the address. */
		if (s == NULL || k == THROTTLE_ADDR)
			continue;
		s->failures = 0;
		s->locked_until = 0;
		s->noted_until = 0;
	}
	pthread_mutex_unlock(&mu);
}

void
throttle_abandon(const char *user, const char *addr, int64_t now)
{
	pthread_mutex_lock(&mu);
	for (int k = 0; k < THROTTLE__KINDS; k++)
		slot_landed(slot_find(key_of(k, user, addr), 0, now));
	pthread_mutex_unlock(&mu);
}
