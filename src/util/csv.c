/*
 * csv.c: RFC 4180 records, one at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"

void
csv_record_free(struct csv_record *rec)
{
	for (size_t i = 0; i < rec->nfields; i++)
		free(rec->fields[i]);
	rec->nfields = 0;
}

static int
field_end(struct csv_record *rec, struct buf *f)
{
	if (rec->nfields == CSV_FIELDS_MAX)
		return TB_ETOOBIG;
	if ((rec->fields[rec->nfields] = buf_steal(f)) == NULL)
		return TB_ENOMEM;
	rec->nfields++;
	buf_init(f, CSV_FIELD_MAX);
	return TB_OK;
}

int
csv_read(const char *data, size_t len, size_t *pos, size_t *line,
    struct csv_record *rec)
{
	struct buf	 f;
	size_t		 i = *pos;
	int		 rc = TB_OK, quoted = 0, after_quote = 0;

	rec->nfields = 0;
	if (i >= len)
		return TB_DONE;
	buf_init(&f, CSV_FIELD_MAX);
	while (i < len) {
		char c = data[i];

		/* A NUL would end the field's C string early and silently
		 * drop the rest of it (found by tests/fuzz/fuzz_csv.c). */
		if (c == '\0') {
			rc = TB_EINVAL;
			goto fail;
		}
		if (quoted) {
			if (c == '"') {
				if (i + 1 < len && data[i + 1] == '"') {
					rc = buf_add(&f, "\"", 1);
					i += 2;
				} else {
					quoted = 0;
					after_quote = 1;
					i++;
				}
			} else {
				if (c == '\n')
					(*line)++;
				rc = buf_add(&f, &c, 1);
				i++;
			}
			if (rc != TB_OK)
				goto fail;
			continue;
		}
		if (c == ',') {
			if ((rc = field_end(rec, &f)) != TB_OK)
				goto fail;
			after_quote = 0;
			i++;
			continue;
		}
		if (c == '\r' && i + 1 < len && data[i + 1] == '\n')
			i++, c = '\n';
		if (c == '\n') {
			i++;
			(*line)++;
			break;
		}
		if (after_quote) {
			rc = TB_EINVAL;
			goto fail;
		}
		if (c == '"') {
			if (f.len != 0) {
				rc = TB_EINVAL;
				goto fail;
			}
			quoted = 1;
			i++;
			continue;
		}
		if ((rc = buf_add(&f, &c, 1)) != TB_OK)
			goto fail;
		i++;
	}
	if (quoted) {
		rc = TB_EINVAL;
		goto fail;
	}
	if ((rc = field_end(rec, &f)) != TB_OK)
		goto fail;
	buf_free(&f);
	*pos = i;
	return TB_OK;
fail:
	buf_free(&f);
	csv_record_free(rec);
	return rc;
}
