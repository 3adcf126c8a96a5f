/*
 * fuzz_csv.c: csv_read() (src/util/csv.c), record after record, over any
 * bytes: the demo agencies and imports go through it.
 *
 * Invariants:
 *   - every record read moves the position forward, within the data, so a
 *     file of n bytes has at most n + 1 records and the loop ends; the
 *     line count grows by the line feeds consumed;
 *   - a record has 1..CSV_FIELDS_MAX fields of at most CSV_FIELD_MAX bytes,
 *     and no field loses bytes to a NUL (a NUL in the data is refused);
 *   - a record without quotes is exactly its line split at the commas;
 *   - writing a record back with every field quoted and reading it again
 *     gives the same fields, and counts the newlines inside them;
 *   - TB_DONE comes only at the end of the data.
 */
#include <string.h>

#include "util/csv.h"
#include "fuzz.h"

/* Writes rec as one CSV line with every field quoted; *nl gets the number
 * of newlines inside the fields.  Returns the length, or 0 when too long. */
static size_t
write_record(const struct csv_record *rec, char *out, size_t cap,
    size_t *nl)
{
	size_t	 o = 0;

	*nl = 0;
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *f = rec->fields[i];

		if (o + 2 * strlen(f) + 4 > cap)
			return 0;
		if (i > 0)
			out[o++] = ',';
		out[o++] = '"';
		for (; *f != '\0'; f++) {
			if (*f == '"')
				out[o++] = '"';
			if (*f == '\n')
				(*nl)++;
			out[o++] = *f;
		}
		out[o++] = '"';
	}
	out[o++] = '\n';
	return o;
}

/* A record read from raw bytes without any quote: its line split at the
 * commas, the line end ("\n" or "\r\n") left out. */
static void
check_unquoted(const struct csv_record *rec, const char *raw, size_t len)
{
	size_t	 i = 0, start = 0, k = 0;

	if (len > 0 && raw[len - 1] == '\n') {
		len--;
		if (len > 0 && raw[len - 1] == '\r')
			len--;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && raw[i] != ',')
			continue;
		FUZZ_CHECK(k < rec->nfields);
		FUZZ_CHECK(strlen(rec->fields[k]) == i - start);
		FUZZ_CHECK(memcmp(rec->fields[k], raw + start, i - start) == 0);
		k++;
		start = i + 1;
	}
	FUZZ_CHECK(k == rec->nfields);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Every byte of every field doubled, quoted, a comma: the most
	 * a record can take written back. */
	static char		 back[CSV_FIELDS_MAX *
				     (2 * CSV_FIELD_MAX + 3) + 2];
	const char		*d = (const char *)data;
	struct csv_record	 rec, rec2;
	size_t			 pos = 0, line = 1, nrec = 0;
	int			 rc;

	for (;;) {
		size_t	 before = pos, line_before = line, blen, nl;
		size_t	 pos2 = 0, line2 = 0;

		rc = csv_read(d, size, &pos, &line, &rec);
		if (rc == TB_DONE) {
			FUZZ_CHECK(before >= size && pos == before);
			break;
		}
		if (rc != TB_OK) {
			FUZZ_CHECK(rc == TB_EINVAL || rc == TB_ETOOBIG);
			FUZZ_CHECK(pos == before);
			break;
		}
		FUZZ_CHECK(pos > before && pos <= size);
		/* One line per LF consumed, inside quotes or ending it. */
		nl = 0;
		for (size_t i = before; i < pos; i++)
			nl += d[i] == '\n';
		FUZZ_CHECK(line - line_before == nl);
		FUZZ_CHECK(++nrec <= size + 1);
		FUZZ_CHECK(memchr(d + before, '\0', pos - before) == NULL);
		FUZZ_CHECK(rec.nfields >= 1 && rec.nfields <= CSV_FIELDS_MAX);
		for (size_t i = 0; i < rec.nfields; i++)
			FUZZ_CHECK(strlen(rec.fields[i]) <= CSV_FIELD_MAX);
		if (memchr(d + before, '"', pos - before) == NULL)
			check_unquoted(&rec, d + before, pos - before);

		blen = write_record(&rec, back, sizeof(back), &nl);
		FUZZ_CHECK(blen > 0);
		FUZZ_CHECK(csv_read(back, blen, &pos2, &line2, &rec2) ==
		    TB_OK);
		FUZZ_CHECK(pos2 == blen && line2 == nl + 1);
		FUZZ_CHECK(rec2.nfields == rec.nfields);
		for (size_t i = 0; i < rec.nfields; i++)
			FUZZ_CHECK(strcmp(rec.fields[i], rec2.fields[i]) == 0);
		csv_record_free(&rec2);
		csv_record_free(&rec);
	}
	return 0;
}
