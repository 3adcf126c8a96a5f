/*
 * fuzz.h: what the libFuzzer harnesses share (STYLE.md 21, after h2o's
 * fuzz/ and jq's fuzzers).
 *
 * Every harness does more than feed bytes to a parser: it asserts what must
 * hold for any input (a decoded path has no ".." segment, a parsed time
 * formats back to the same instant, a met obligation has a met_at...).  A
 * broken invariant aborts through FUZZ_CHECK, which libFuzzer reports and
 * saves like a crash.
 *
 * The inputs of the structured harnesses (level, deadline) are read with
 * struct fuzz_in: every read past the end gives zeros, so any byte string is
 * a valid input and the fuzzer never wastes runs on a framing it must guess.
 */
#ifndef TB_FUZZ_H
#define TB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer's entry point, defined once per harness: runs one input and
 * returns 0 (other values are reserved by libFuzzer). */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_fail(const char *file, int line, const char *what)
		    __attribute__((noreturn, unused));

/* Aborts with the failed condition: libFuzzer keeps the input as a crash. */
static void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond))						\
			fuzz_fail(__FILE__, __LINE__, #cond);		\
	} while (0)

/* A cursor over the fuzzer's bytes. */
struct fuzz_in {
	const uint8_t	*p;
	size_t		 len;
	size_t		 pos;
};

static inline void
fuzz_in_init(struct fuzz_in *in, const uint8_t *p, size_t len)
{
	in->p = p;
	in->len = len;
	in->pos = 0;
}

/* The next byte, or 0 past the end. */
static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

/* The next two bytes, little-endian, as a signed number. */
static inline int16_t
fuzz_i16(struct fuzz_in *in)
{
	uint16_t v = fuzz_u8(in);

	v |= (uint16_t)(fuzz_u8(in) << 8);
	return (int16_t)v;
}

/* Whether bytes remain. */
static inline int
fuzz_more(const struct fuzz_in *in)
{
	return in->pos < in->len;
}

#endif
