/*
 * jsonw.h: a JSON text writer that appends straight into a buffer.
 *
 * jansson builds a tree of allocated values and then prints it; for the
 * large answers read most often (an incident with its timeline and its
 * obligations) that tree, its hash tables and the print were about half
 * of a read's CPU (docs/internals/incidents.md, "Reading fast").  This
 * writer emits the same text in one pass with one growing buffer.  It
 * only writes: parsing and validating JSON stays jansson's.
 *
 * Calls never fail one by one: the first error (no memory, the maximum
 * size, a string that is not UTF-8, nesting too deep or unbalanced) is
 * kept and jw_finish() reports it, so a builder is a plain sequence of
 * calls.  Strings are UTF-8, checked strictly (as jansson checks them);
 * control characters, '"' and '\' are escaped; nothing else is.
 */
#ifndef TB_UTIL_JSONW_H
#define TB_UTIL_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Objects and arrays nested deeper than this are an error. */
#define JW_DEPTH_MAX	32

struct jw {
	struct buf	 b;
	int		 err;		/* the first error, TB_OK while none */
	int		 depth;		/* open objects and arrays */
	/* Per open level: whether it is an object, and whether it has a
	 * member (or element) yet, which the next one follows with ','. */
	unsigned char	 obj[JW_DEPTH_MAX];
	unsigned char	 more[JW_DEPTH_MAX];
	unsigned char	 keyed;		/* a key was written, its value not */
};

/* Starts an empty text of at most max bytes. */
void	 jw_init(struct jw *w, size_t max);
/* Releases the text (after an error, or when it is not wanted). */
void	 jw_free(struct jw *w);
/*
 * Ends the text: a NUL-terminated string the caller frees, and *len its
 * length (len may be NULL).  NULL with *err set (TB_ENOMEM, TB_ETOOBIG,
 * TB_EINVAL for bad UTF-8 or an unbalanced text) after any error; the
 * writer is empty afterwards either way.
 */
char	*jw_finish(struct jw *w, size_t *len, int *err);

/* Values: in an array, one element; in an object, after jw_key(). */
void	 jw_object(struct jw *w);
void	 jw_object_end(struct jw *w);
void	 jw_array(struct jw *w);
void	 jw_array_end(struct jw *w);
void	 jw_key(struct jw *w, const char *key);
/* A string, or null when s is NULL. */
void	 jw_string(struct jw *w, const char *s);
void	 jw_stringn(struct jw *w, const char *s, size_t len);
void	 jw_int(struct jw *w, int64_t v);
void	 jw_bool(struct jw *w, int v);
void	 jw_null(struct jw *w);
/* A value that is already JSON text, written as it is: only for text
 * this program made (a stored dump of jansson's), never for input. */
void	 jw_raw(struct jw *w, const char *json);
/*
 * The members of an object that is already JSON text (same trust as
 * jw_raw), spliced into the object being written, as if each had been
 * written with jw_key() and a value.  Text that is not an object ("{"
 * ... "}") adds nothing.  The caller makes sure no key repeats one it
 * writes itself.
 */
void	 jw_raw_members(struct jw *w, const char *json);

/* An object member in one call: the key, then the value. */
void	 jw_kstring(struct jw *w, const char *key, const char *s);
void	 jw_kint(struct jw *w, const char *key, int64_t v);
void	 jw_kbool(struct jw *w, const char *key, int v);
void	 jw_knull(struct jw *w, const char *key);
void	 jw_kraw(struct jw *w, const char *key, const char *json);

#endif
