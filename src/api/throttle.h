/*
 * throttle.h: sign-in throttling by account, address and both (issue 3).
 */
#ifndef TB_THROTTLE_H
#define TB_THROTTLE_H

#include <stdint.h>

enum throttle_kind {
	THROTTLE_PAIR,	/* this account from this address */
	THROTTLE_ADDR,	/* this address, any account */
	THROTTLE_USER,	/* this account, any address */
	THROTTLE__KINDS
};

/*
 * What throttle_check decided, and what the caller should write in the
 * audit trail.  Refusals while a key is locked are recorded once per lock
 * (the first one) and counted after that; the count reaches the trail in
 * the next entry written for a key it belongs to, so that 10,000 refused
 * guesses cost a handful of entries, not 10,000 durable writes, yet each
 * one is accounted for (api_session.c).
 */
struct throttle_note {
	int64_t			 wait_us;	/* 0: may try */
	enum throttle_kind	 kind;		/* the key that refused */
	/* 1: write an entry for this refusal (the first of its lock). */
	int			 record;
	/* Earlier refusals in no entry yet, for the next entry. */
	int64_t			 unrecorded;
};

/*
 * Decides whether user may try a password from addr at now (µs).  Fills
 * note (may be NULL) and returns note->wait_us: 0 when the attempt may
 * go on, else the microseconds until it may.  An attempt is refused while
 * a lock holds, and also, once a key's free failures are spent, while
 * another attempt under that key is in flight (so that many connections
 * buy no more guesses than one).  When the attempt may go on, it is in
 * flight until the caller reports its outcome with exactly one of
 * throttle_failure, throttle_success or throttle_abandon, and
 * note->unrecorded takes (and forgets) the refusals counted for its three
 * keys, for the entry of its outcome.
 */
int64_t	throttle_check(const char *user, const char *addr, int64_t now,
	    struct throttle_note *note);
/* Counts a wrong password; may start or lengthen a lock. */
void	throttle_failure(const char *user, const char *addr, int64_t now);
/* Forgets the account's failures after a right password (the address's
 * count stays: one right password says nothing about the others). */
void	throttle_success(const char *user, const char *addr, int64_t now);
/* Ends an attempt that was let through but checked no password (the
 * store failed): neither a failure nor a success. */
void	throttle_abandon(const char *user, const char *addr, int64_t now);
/* The code name of a key kind ("pair", "addr", "user"). */
const char *throttle_kind_name(enum throttle_kind k);

#endif
