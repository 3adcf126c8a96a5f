/*
 * assets.c: lookup in the generated table of embedded web files.
 */
#include <stdlib.h>
#include <string.h>

#include "http/assets.h"

static int
asset_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct asset *)elem)->path);
}

const struct asset *
assets_find(const char *path)
{
	return bsearch(path, tb_assets, tb_assets_count, sizeof(tb_assets[0]),
	    asset_cmp);
}
