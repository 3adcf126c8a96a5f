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

/* A keyed hash, so that nobody can aim collisions at another's slot. */
static uint64_t
key_of(enum throttle_kind k, const char *user, const char *addr)
{
	unsigned char	 out[crypto_shorthash_BYTES];
	struct buf	 b;
	uint64_t	 v = 0;

	pthread_once(&salt_once, salt_init);
	buf_init(&b, 1024);
	buf_printf(&b, "%s\x1f%s\x1f%s", rules[k].kind,
	    k == THROTTLE_ADDR ? "" : user, k == THROTTLE_USER ? "" : addr);
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

int64_t
throttle_check(const char *user, const char *addr, int64_t now)
{
	int64_t	 wait = 0;

	pthread_mutex_lock(&mu);
	for (int k = 0; k < THROTTLE__KINDS; k++) {
		struct slot *s = slot_find(key_of(k, user, addr), 0, now);

		if (s != NULL && s->locked_until > now &&
		    s->locked_until - now > wait)
			wait = s->locked_until - now;
	}
	pthread_mutex_unlock(&mu);
	return wait;
}

void
throttle_failure(const char *user, const char *addr, int64_t now)
{
	pthread_mutex_lock(&mu);
	for (int k = 0; k < THROTTLE__KINDS; k++) {
		struct slot	*s = slot_find(key_of(k, user, addr), 1, now);
		int		 over;
		int64_t		 lock_s;

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
		struct slot *s;

		/* One right password says nothing about the address. */
		if (k == THROTTLE_ADDR)
			continue;
		if ((s = slot_find(key_of(k, user, addr), 0, now)) != NULL)
			memset(s, 0, sizeof(*s));
	}
	pthread_mutex_unlock(&mu);
}
