/*
 * test_auth.c: the password rules (auth_password_weak) and the sign-in
 * throttle (throttle.c), both pure enough to test without a server: the
 * throttle takes the time as a parameter (issue 3).
 *
 * The throttle's table is one per process, so every test below uses its
 * own user names and addresses and cannot see another test's failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/auth.h"
#include "api/throttle.h"

#define SEC	1000000LL
#define MIN	(60 * SEC)
/* An arbitrary start, far from 0 so that "long ago" is representable. */
#define T0	(1800000000LL * SEC)

/* --- passwords ------------------------------------------------------ */

static void
test_password_table(void **state)
{
	static const struct {
		const char	*pw;
		const char	*user;
		const char	*want;	/* NULL: accepted */
	} rows[] = {
		/* Length counts characters: 12 is the least (issue 3). */
		{ "", "alice", "password_too_short" },
		{ "Tr0ub4dor&3", "alice", "password_too_short" },
		{ "Tr0ub4dor&3x", "alice", NULL },
		/* 4 Chinese characters are 12 bytes, not 12 characters. */
		{ "密碼密碼", "alice", "password_too_short" },
		{ "資通安全事件通報及應變作業", "alice", NULL },
		/* Common ones, whatever the case. */
		{ "password1234", "alice", "password_common" },
		{ "PassWord1234", "alice", "password_common" },
		{ "qwertyuiop123", "alice", "password_common" },
		{ "1qaz2wsx3edc", "alice", "password_common" },
		{ "taipei123456", "alice", "password_common" },
		/* All one character. */
		{ "aaaaaaaaaaaa", "alice", "password_common" },
		{ "############################", "alice", "password_common" },
		{ "密密密密密密密密密密密密", "alice", "password_common" },
		/* Runs up or down. */
		{ "abcdefghijklm", "alice", "password_common" },
		{ "0123456789:;", "alice", "password_common" },
		{ "zyxwvutsrqpon", "alice", "password_common" },
		/* A short unit repeated. */
		{ "abcabcabcabc", "alice", "password_common" },
		{ "12341234123412341234", "alice", "password_common" },
		{ "密碼密碼密碼密碼密碼密碼", "alice", "password_common" },
		/* Not a repetition: a unit longer than 8 is a passphrase. */
		{ "horse-battery-horse-battery-", "alice", NULL },
		/* The user name, in any case, anywhere. */
		{ "ca.window-2026-x!", "ca.window",
		    "password_contains_username" },
		{ "my-CA.WINDOW-secret", "ca.window",
		    "password_contains_username" },
		/* Names shorter than 4 are too common a substring to refuse. */
		{ "bob-was-here-2026", "bob", NULL },
		{ "correct horse battery staple", NULL, NULL },
		/* Invalid text: a control character, broken UTF-8. */
		{ "tongbao\001demo-2026", "alice", "password_invalid" },
		{ "tongbao-demo-\xff\xfe", "alice", "password_invalid" },
	};
	char	 what[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = auth_password_weak(rows[i].pw, rows[i].user);

		snprintf(what, sizeof(what), "row %zu", i);
		if (rows[i].want == NULL && got != NULL)
			fail_msg("%s: \"%s\" refused (%s), should pass", what,
			    rows[i].pw, got);
		if (rows[i].want != NULL && (got == NULL ||
		    strcmp(got, rows[i].want) != 0))
			fail_msg("%s: \"%s\" gave %s, expected %s", what,
			    rows[i].pw, got ? got : "accepted",
			    rows[i].want);
	}
}

/* The longest accepted is AUTH_PASSWORD_MAX characters; one more is not. */
static void
test_password_long(void **state)
{
	char	 pw[AUTH_PASSWORD_MAX * 3 + 8];
	size_t	 i;

	for (i = 0; i < AUTH_PASSWORD_MAX; i++)
		pw[i] = "tongbao-long-passphrase-9"[i % 25];
	pw[i] = '\0';
	assert_null(auth_password_weak(pw, "alice"));
	pw[i] = 'x';
	pw[i + 1] = '\0';
	assert_string_equal(auth_password_weak(pw, "alice"),
	    "password_too_long");
	/* 256 Chinese characters are 768 bytes and still accepted; the
	 * 257th is one too many. */
	for (i = 0; i < AUTH_PASSWORD_MAX; i++)
		memcpy(pw + 3 * i, "資通安全事件通報應變"
		    + 3 * (i % 10), 3);
	pw[3 * i] = '\0';
	assert_null(auth_password_weak(pw, "alice"));
	memcpy(pw + 3 * i, "資", 4);
	assert_string_equal(auth_password_weak(pw, "alice"),
	    "password_too_long");
}

/* --- throttle ------------------------------------------------------- */

/* n wrong passwords for user from addr, one a second from *t, each
 * after any lock has ended (as a patient guesser would). */
static void
fail_n(const char *user, const char *addr, int n, int64_t *t)
{
	for (int i = 0; i < n; i++) {
		int64_t w = throttle_check(user, addr, *t, NULL);

		*t += w;
		throttle_failure(user, addr, *t);
		*t += SEC / 10;
	}
}

static void
test_throttle_free_then_doubling(void **state)
{
	struct throttle_note	 n;
	int64_t			 t = T0;

	/* Five free failures for one account from one address. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(throttle_check("free", "10.0.0.1", t, NULL),
		    0);
		throttle_failure("free", "10.0.0.1", t);
	}
	assert_int_equal(throttle_check("free", "10.0.0.1", t, NULL), 0);
	/* The sixth locks for 1 s, then 2 s, 4 s, 8 s. */
	for (int64_t lock = 1; lock <= 8; lock *= 2) {
		throttle_failure("free", "10.0.0.1", t);
		assert_int_equal(throttle_check("free", "10.0.0.1", t, &n),
		    lock * SEC);
		assert_int_equal(n.wait_us, lock * SEC);
		assert_int_equal(n.kind, THROTTLE_PAIR);
		/* Half-way it still holds; at its end it is over. */
		assert_int_equal(throttle_check("free", "10.0.0.1",
		    t + lock * SEC / 2, NULL), lock * SEC / 2);
		t += lock * SEC;
		assert_int_equal(throttle_check("free", "10.0.0.1", t, NULL),
		    0);
	}
}

static void
test_throttle_cap(void **state)
{
	int64_t	 t = T0;

	/* 25 failures: 20 over the pair's free 5 would be 2^19 s; the cap
	 * is 300 s.  (The address-wide key, free 30, is not yet locked.) */
	fail_n("cap", "10.0.0.2", 24, &t);
	t += throttle_check("cap", "10.0.0.2", t, NULL);
	throttle_failure("cap", "10.0.0.2", t);
	assert_int_equal(throttle_check("cap", "10.0.0.2", t, NULL),
	    300 * SEC);
	/* Never for good: the lock ends when it says. */
	assert_int_equal(throttle_check("cap", "10.0.0.2", t + 300 * SEC,
	    NULL), 0);
}

static void
test_throttle_forgets(void **state)
{
	int64_t	 t = T0;

	fail_n("forget", "10.0.0.3", 6, &t);
	assert_true(throttle_check("forget", "10.0.0.3", t, NULL) > 0);
	/* 15 quiet minutes after the last failure (and past the lock):
	 * forgotten, so five more failures are free again. */
	t += 16 * MIN;
	assert_int_equal(throttle_check("forget", "10.0.0.3", t, NULL), 0);
	for (int i = 0; i < 5; i++)
		throttle_failure("forget", "10.0.0.3", t);
	assert_int_equal(throttle_check("forget", "10.0.0.3", t, NULL), 0);
	throttle_failure("forget", "10.0.0.3", t);
	assert_int_equal(throttle_check("forget", "10.0.0.3", t, NULL), SEC);
}

static void
test_throttle_success_resets(void **state)
{
	int64_t	 t = T0;

	fail_n("reset", "10.0.0.4", 8, &t);
	t += throttle_check("reset", "10.0.0.4", t, NULL);
	throttle_success("reset", "10.0.0.4", t);
	/* Back to five free failures. */
	for (int i = 0; i < 5; i++)
		throttle_failure("reset", "10.0.0.4", t);
	assert_int_equal(throttle_check("reset", "10.0.0.4", t, NULL), 0);
	throttle_failure("reset", "10.0.0.4", t);
	assert_int_equal(throttle_check("reset", "10.0.0.4", t, NULL), SEC);
}

static void
test_throttle_other_address(void **state)
{
	int64_t	 t = T0;

	/* A guesser at one address locks only that address out ... */
	fail_n("victim", "10.0.0.5", 12, &t);
	assert_true(throttle_check("victim", "10.0.0.5", t, NULL) > 0);
	/* ... while the real user, elsewhere, may sign in at once. */
	assert_int_equal(throttle_check("victim", "10.0.0.6", t, NULL), 0);
	/* And so may another account from the guesser's address. */
	assert_int_equal(throttle_check("bystander", "10.0.0.5", t, NULL), 0);
}

static void
test_throttle_account_wide(void **state)
{
	struct throttle_note	 n;
	char			 addr[32];
	int64_t			 t = T0;

	/* 50 failures spread over addresses (5 each, never a pair lock)
	 * are free; the 51st locks the account everywhere, briefly. */
	for (int i = 0; i < 51; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 5, i % 5);
		throttle_failure("spread", addr, t);
	}
	assert_int_equal(throttle_check("spread", "10.9.9.9", t, &n), SEC);
	assert_int_equal(n.kind, THROTTLE_USER);
	/* The account-wide lock caps at a minute. */
	for (int i = 0; i < 30; i++) {
		snprintf(addr, sizeof(addr), "10.2.%d.%d", i / 5, i % 5);
		throttle_failure("spread", addr, t);
	}
	assert_int_equal(throttle_check("spread", "10.9.9.9", t, NULL),
	    60 * SEC);
}

static void
test_throttle_address_wide(void **state)
{
	struct throttle_note	 n;
	char			 user[32];
	int64_t			 t = T0;

	/* 31 accounts tried from one address lock the address. */
	for (int i = 0; i < 31; i++) {
		snprintf(user, sizeof(user), "spray%d", i);
		throttle_failure(user, "10.0.0.7", t);
	}
	assert_int_equal(throttle_check("spray-new", "10.0.0.7", t, &n),
	    SEC);
	assert_int_equal(n.kind, THROTTLE_ADDR);
	assert_int_equal(throttle_check("spray-new", "10.0.0.8", t, NULL), 0);
}

/* Names that differ only in where a separator falls are other keys. */
static void
test_throttle_keys_distinct(void **state)
{
	int64_t	 t = T0;

	fail_n("a\x1f" "1", "b", 6, &t);
	assert_true(throttle_check("a\x1f" "1", "b", t, NULL) > 0);
	assert_int_equal(throttle_check("a", "1\x1f" "b", t, NULL), 0);
}

/*
 * Refusals while locked: the first of each lock is to be recorded, the
 * rest counted, and the count handed to the next entry, so none is lost.
 */
static void
test_throttle_audit_accounting(void **state)
{
	struct throttle_note	 n;
	int64_t			 t = T0, counted = 0;
	int			 recorded = 0;

	fail_n("acct", "10.0.0.9", 6, &t);
	for (int i = 0; i < 10; i++) {
		assert_true(throttle_check("acct", "10.0.0.9", t, &n) > 0);
		if (n.record)
			recorded++;
		counted += n.unrecorded;
	}
	assert_int_equal(recorded, 1);
	assert_int_equal(counted, 0);
	/* The lock ends; the next attempt carries the nine. */
	t += SEC;
	assert_int_equal(throttle_check("acct", "10.0.0.9", t, &n), 0);
	assert_int_equal(n.unrecorded, 9);
	throttle_abandon("acct", "10.0.0.9", t);
	/* Handed over once only. */
	assert_int_equal(throttle_check("acct", "10.0.0.9", t, &n), 0);
	assert_int_equal(n.unrecorded, 0);
	/* A new lock is recorded anew. */
	throttle_failure("acct", "10.0.0.9", t);
	assert_true(throttle_check("acct", "10.0.0.9", t, &n) > 0);
	assert_int_equal(n.record, 1);
	assert_string_equal(throttle_kind_name(n.kind), "pair");
}

/*
 * Many connections buy no more guesses than one: once the free failures
 * are spent, an attempt waits while another is in flight, and the one in
 * flight ends with its outcome, or after 10 s if none ever comes.
 */
static void
test_throttle_one_in_flight(void **state)
{
	struct throttle_note	 n;
	int64_t			 t = T0;
	int			 i;

	/* Within the free failures, attempts go on side by side. */
	for (i = 0; i < 4; i++)
		assert_int_equal(throttle_check("flight", "10.0.1.1", t, NULL),
		    0);
	for (i = 0; i < 4; i++)
		throttle_failure("flight", "10.0.1.1", t);
	assert_int_equal(throttle_check("flight", "10.0.1.1", t, NULL), 0);
	throttle_failure("flight", "10.0.1.1", t);
	/* Five failures: the next goes on, alone. */
	assert_int_equal(throttle_check("flight", "10.0.1.1", t, NULL), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(throttle_check("flight", "10.0.1.1", t, &n),
		    SEC);
		assert_int_equal(n.kind, THROTTLE_PAIR);
		assert_int_equal(n.record, 0);
	}
	/* Its failure starts the lock, which the others then meet. */
	throttle_failure("flight", "10.0.1.1", t);
	assert_int_equal(throttle_check("flight", "10.0.1.1", t, &n), SEC);
	assert_int_equal(n.record, 1);
	/* The lock's entry carries the three refused while in flight. */
	assert_int_equal(n.unrecorded, 3);
	/* Past the lock one goes on; abandoned, the next may go. */
	t += SEC;
	assert_int_equal(throttle_check("flight", "10.0.1.1", t, &n), 0);
	assert_int_equal(n.unrecorded, 0);
	assert_int_equal(throttle_check("flight", "10.0.1.1", t, NULL), SEC);
	throttle_abandon("flight", "10.0.1.1", t);
	assert_int_equal(throttle_check("flight", "10.0.1.1", t, NULL), 0);
	/* An outcome that never comes holds the others 10 s at most. */
	assert_int_equal(throttle_check("flight", "10.0.1.1", t + 9 * SEC,
	    NULL), SEC);
	assert_int_equal(throttle_check("flight", "10.0.1.1", t + 10 * SEC,
	    NULL), 0);
	/* Another address is not held up by it. */
	assert_int_equal(throttle_check("flight", "10.0.1.2", t, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_table),
		cmocka_unit_test(test_password_long),
		cmocka_unit_test(test_throttle_free_then_doubling),
		cmocka_unit_test(test_throttle_cap),
		cmocka_unit_test(test_throttle_forgets),
		cmocka_unit_test(test_throttle_success_resets),
		cmocka_unit_test(test_throttle_other_address),
		cmocka_unit_test(test_throttle_account_wide),
		cmocka_unit_test(test_throttle_address_wide),
		cmocka_unit_test(test_throttle_keys_distinct),
		cmocka_unit_test(test_throttle_audit_accounting),
		cmocka_unit_test(test_throttle_one_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
