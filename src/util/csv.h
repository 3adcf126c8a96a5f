/*
 * csv.h: a reader for RFC 4180 CSV (quoted fields, "" for a quote, CRLF or
 * LF line ends), used for imports and the demo agencies.
 */
#ifndef TB_CSV_H
#define TB_CSV_H

#include <stddef.h>

#include "util/util.h"

/* Fields per record and bytes per field: far above any real import. */
#define CSV_FIELDS_MAX	64
#define CSV_FIELD_MAX	4096

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

#endif
