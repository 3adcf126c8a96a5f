/*
 * assets.h: the files of web/, embedded into the binary at build time by
 * scripts/embed-assets.py (see web/meson.build).  The table is generated;
 * this header is its only interface.
 */
#ifndef TB_ASSETS_H
#define TB_ASSETS_H

#include <stddef.h>

struct asset {
	const char		*path;		/* "/index.html", "/app.js" */
	const char		*content_type;	/* with charset for text */
	const unsigned char	*data;
	size_t			 len;
	const char		*etag;		/* "\"<hex of BLAKE2b/SHA-256>\"" */
};

/* All embedded files, sorted by path (for bsearch). */
extern const struct asset	tb_assets[];
extern const size_t		tb_assets_count;

/* Finds an asset by exact path; NULL when absent. */
const struct asset *assets_find(const char *path);

#endif
