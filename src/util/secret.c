/*
 * secret.c: passwords and random tokens, on libsodium.
 */
#include <string.h>

#include <sodium.h>

#include "util/secret.h"

int
secret_init(void)
{
	return sodium_init() >= 0 ? TB_OK : TB_EIO;
}

int
secret_password_hash(const char *pw, char out[SECRET_HASH_MAX])
{
	/*
	 * argon2id at libsodium's "interactive" cost: about 64 MiB and a
	 * fraction of a second, so a sign-in stays quick while each guess
	 * of a stolen hash stays expensive.
	 */
	if (crypto_pwhash_str_alg(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13)
	    != 0)
		return TB_ENOMEM;
	return TB_OK;
}

int
secret_password_verify(const char *hash, const char *pw)
{
	if (hash == NULL || hash[0] == '\0')
		return TB_EUNAUTH;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? TB_OK :
	    TB_EUNAUTH;
}

void
secret_token(char *out, size_t nbytes)
{
	unsigned char	 raw[64];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	randombytes_buf(raw, nbytes);
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(nbytes,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), raw, nbytes,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
secret_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
