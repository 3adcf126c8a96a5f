/*
 * secret.h: password hashing (argon2id), random tokens and wiping, all
 * on libsodium.  Callers never see libsodium's types.
 */
#ifndef TB_SECRET_H
#define TB_SECRET_H

#include <stddef.h>

#include "util/util.h"

/* crypto_pwhash_STRBYTES: room for an encoded argon2id hash. */
#define SECRET_HASH_MAX	128
/* Characters of a token made from n random bytes, with the NUL. */
#define SECRET_TOKEN_LEN(n)	((((n) + 2) / 3) * 4 + 1)

/* Initialises libsodium; call once at start (TB_EIO on failure). */
int	secret_init(void);
/* Hashes pw with argon2id into out (NUL-terminated). */
int	secret_password_hash(const char *pw, char out[SECRET_HASH_MAX]);
/* TB_OK when pw matches hash, else TB_EUNAUTH; constant-time. */
int	secret_password_verify(const char *hash, const char *pw);
/* Writes nbytes (at most 64) of randomness as URL-safe base64 into out,
 * which must hold SECRET_TOKEN_LEN(nbytes) bytes. */
void	secret_token(char *out, size_t nbytes);
/* Overwrites memory in a way the compiler cannot drop. */
void	secret_wipe(void *p, size_t len);

#endif
