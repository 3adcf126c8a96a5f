/*
 * csv.c: RFC 4180 records, one at a time, read or written.
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

int
csv_write_cell(struct buf *b, const char *s)
{
	size_t	 n;
	int	 rc = TB_OK, quote, guard;

	if (s == NULL)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL;
	guard = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	if (quote)
		rc = buf_add(b, "\"", 1);
	/* The apostrophe goes inside the quotes: before them it would be a
	 * byte outside a quoted field, which RFC 4180 does not allow. */
	if (rc == TB_OK && guard)
		rc = buf_add(b, "'", 1);
	/* Runs between quotes at once: an export may be megabytes. */
	while (rc == TB_OK && *s != '\0') {
		n = strcspn(s, "\"");
		if ((rc = buf_add(b, s, n)) == TB_OK && s[n] == '"') {
			rc = buf_add(b, "\"\"", 2);
			n++;
		}
		s += n;
	}
	if (rc == TB_OK && quote)
		rc = buf_add(b, "\"", 1);
	return rc;
}

int
csv_write_row(struct buf *b, const char *const *cells, size_t n)
{
	int	 rc = TB_OK;

	for (size_t i = 0; rc == TB_OK && i < n; i++) {
		if (i > 0)
			rc = buf_add(b, ",", 1);
		if (rc == TB_OK)
			rc = csv_write_cell(b, cells[i]);
	}
	return rc == TB_OK ? buf_add(b, "\r\n", 2) : rc;
}
