/*
 * util.h: the error type, bounded buffers, number parsing and logging that
 * every other folder uses.  Nothing here knows about HTTP, SQL or the domain.
 */
#ifndef TB_UTIL_H
#define TB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one error type.  Values are only ever appended, never renumbered
 * (curl's CURLcode rule), because they appear in logs and tests.
 */
enum tb_err {
	TB_OK = 0,
	TB_ENOMEM,	/* allocation failed */
	TB_EINVAL,	/* bad input: a field failed validation */
	TB_ENOTFOUND,	/* no such record (or outside the caller's scope) */
	TB_ECONFLICT,	/* duplicate, stale version, failed precondition */
	TB_EFORBIDDEN,	/* authenticated but not allowed */
	TB_ESTORE,	/* the database failed */
	TB_ETOOBIG,	/* a limit was exceeded */
	TB_EIO,		/* file or network I/O failed */
	TB_EUNAUTH,	/* not authenticated */
	TB_ERANGE,	/* a number or time outside its allowed range */
	TB_EBUSY,	/* throttled or the store is busy */
	TB_ESCHEMA,	/* the database schema is newer than this binary */
	TB_ROW,		/* store_step: a row is ready (not an error) */
	TB_DONE,	/* store_step: no more rows (not an error) */
	TB_ERR__COUNT
};

/* Returns a static, English description of an error code; never NULL. */
const char *tb_strerror(int err);

/*
 * A growable byte buffer that is always NUL-terminated and never grows past
 * the maximum it was given (curl's dynbuf).  Initialise with buf_init(); the
 * caller owns the memory and releases it with buf_free().
 */
struct buf {
	char	*p;	/* NUL-terminated contents, or NULL when empty */
	size_t	 len;	/* bytes used, not counting the NUL */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* hard limit on len */
};

/* Prepares an empty buffer that may hold at most max bytes. */
void	buf_init(struct buf *b, size_t max);
/* Releases the memory and resets the buffer to empty (max kept). */
void	buf_free(struct buf *b);
/* Empties the buffer, keeping its memory. */
void	buf_reset(struct buf *b);
/* Appends len bytes; TB_ETOOBIG past the maximum, TB_ENOMEM; on error the
 * buffer is unchanged. */
int	buf_add(struct buf *b, const void *p, size_t len);
/* Appends a NUL-terminated string. */
int	buf_adds(struct buf *b, const char *s);
/* Appends formatted text; TB_ETOOBIG if it does not fit whole. */
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Returns the contents (never NULL: "" when empty). */
const char *buf_str(const struct buf *b);
/* Hands the contents to the caller (free() them) and empties the buffer.
 * Returns NULL on allocation failure. */
char	*buf_steal(struct buf *b);

/* A read-only view of bytes that are owned elsewhere (h2o_iovec_t). */
struct slice {
	const char	*p;
	size_t		 len;
};

/*
 * Parses a whole decimal integer in [min, max] (OpenBSD strtonum).  Leading
 * or trailing garbage, empty input and overflow are TB_EINVAL / TB_ERANGE.
 */
int	parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* As parse_i64 for a slice that need not be NUL-terminated. */
int	parse_i64_n(const char *s, size_t len, int64_t min, int64_t max,
	    int64_t *out);

/* snprintf that returns TB_ETOOBIG instead of truncating. */
int	tb_snprintf(char *dst, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Copies a NUL-terminated string; TB_ETOOBIG if it does not fit whole. */
int	tb_strlcpy(char *dst, const char *src, size_t size);

/* strdup that aborts on allocation failure (small, trusted strings only). */
char	*xstrdup(const char *s);

/* Returns 1 when s is valid UTF-8 (no overlong forms, surrogates or values
 * past U+10FFFF) without NUL, C0 controls other than tab, LF and CR, DEL or
 * C1 controls (U+0080-U+009F); else 0. */
int	utf8_valid_text(const char *s, size_t len);

/* Microseconds since the Unix epoch, from the real-time clock.  The only
 * clock read in the program outside tests; domain code never calls it. */
int64_t	tb_now_us(void);
/* Monotonic microseconds, for measuring durations. */
int64_t	tb_mono_us(void);

/*
 * Logging: one JSON object per line on standard error.  Each call gives a
 * level, an event name and key/value pairs as alternating strings ended by
 * NULL.  Values are escaped; passwords and tokens must never be passed.
 */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
void	log_set_level(enum log_level lvl);
int	log_level_parse(const char *s, enum log_level *out);
void	log_kv(enum log_level lvl, const char *event, ...);
/* Writes a pre-built JSON object (without newline) as one log line. */
void	log_raw_json(const char *json, size_t len);

#endif
