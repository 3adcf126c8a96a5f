/*
 * csv.h: a reader for RFC 4180 CSV (quoted fields, "" for a quote, CRLF or
 * LF line ends), used for imports and the demo agencies; and a writer for
 * the exports Excel opens (the roster, the improvement actions).
 */
#ifndef TB_CSV_H
#define TB_CSV_H

#include <stddef.h>

#include "util/util.h"

/* Fields per record and bytes per field: far above any real import. */
#define CSV_FIELDS_MAX	64
#define CSV_FIELD_MAX	4096
/* The UTF-8 byte order mark: Excel reads a CSV as UTF-8 only with it. */
#define CSV_BOM		"\xef\xbb\xbf"

struct csv_record {
	size_t	 nfields;
	char	*fields[CSV_FIELDS_MAX];	/* NUL-terminated, owned */
};

/*
 * Reads the record at *pos (an offset into data) and advances *pos past
 * it.  Returns TB_OK with rec filled (free with csv_record_free()),
 * TB_DONE at the end of data, TB_EINVAL for an unterminated quote, a quote
 * inside an unquoted field, bytes after a closing quote or a NUL byte
 * anywhere (fields are C strings), TB_ETOOBIG past
 * the limits above.  *line is incremented per line consumed (for errors).
 */
int	csv_read(const char *data, size_t len, size_t *pos, size_t *line,
	    struct csv_record *rec);
void	csv_record_free(struct csv_record *rec);

/*
 * Appends s (NULL is an empty cell) to b as one RFC 4180 field, without a
 * separator: quoted when it holds a comma, quote or line break, quotes
 * doubled.  A field that starts with = + - @, a tab or a carriage return
 * is a formula to Excel, so it gets a leading apostrophe, inside the
 * quotes, which Excel shows as text (OWASP, CSV injection).  TB_ETOOBIG
 * past b's maximum, TB_ENOMEM; b then holds part of the field.
 */
int	csv_write_cell(struct buf *b, const char *s);
/*
 * Appends the n cells (as csv_write_cell()) as one record: separated by
 * commas, ended by CRLF.  A byte order mark, when wanted, is the caller's
 * to write first.  Errors as csv_write_cell().
 */
int	csv_write_row(struct buf *b, const char *const *cells, size_t n);

#endif
