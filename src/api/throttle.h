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

/* Microseconds the caller must wait before trying again (0: may try). */
int64_t	throttle_check(const char *user, const char *addr, int64_t now);
/* Counts a wrong password; may start or lengthen a lock. */
void	throttle_failure(const char *user, const char *addr, int64_t now);
/* Forgets the account's failures after a right password. */
void	throttle_success(const char *user, const char *addr, int64_t now);

#endif
