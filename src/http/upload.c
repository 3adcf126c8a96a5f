/*
 * upload.c: request bodies streamed to disk (evidence, P25-P27).
 *
 * The body is written to a private temporary file as it arrives and
 * hashed on the way, so memory use does not grow with the upload; the
 * handler sees a complete, synced file and its SHA-256.  A body cut off
 * half-way, refused or not kept by the handler is removed, so nothing
 * half-stored is ever left on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "http/http.h"
#include "http/internal.h"

/* Creates path and its parents with mode 0700 (like mkdir -p). */
static int
mkdirs(const char *path)
{
	char	 tmp[512];
	size_t	 n;

	if (tb_strlcpy(tmp, path, sizeof(tmp)) != TB_OK)
		return TB_ETOOBIG;
	n = strlen(tmp);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return TB_EIO;
		if (i < n)
			tmp[i] = '/';
	}
	return TB_OK;
}

int
upload_begin(struct http_req *req)
{
	struct http_upload	*u;
	char			 dir[512];

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return TB_ENOMEM;
	u->fd = -1;
	if ((u->sha = sodium_malloc(sizeof(crypto_hash_sha256_state)))
	    == NULL) {
		free(u);
		return TB_ENOMEM;
	}
	crypto_hash_sha256_init(u->sha);
	req->upload = u;
	if (tb_snprintf(dir, sizeof(dir), "%s/tmp",
	    req->app->cfg->evidence_dir) != TB_OK ||
	    mkdirs(dir) != TB_OK ||
	    tb_snprintf(u->tmp_path, sizeof(u->tmp_path),
	    "%s/upload-%s-XXXXXX", dir, req->request_id) != TB_OK)
		return TB_EIO;
	if ((u->fd = mkstemp(u->tmp_path)) < 0) {
		u->tmp_path[0] = '\0';
		return TB_EIO;
	}
	return TB_OK;
}

int
upload_write(struct http_req *req, const char *data, size_t len)
{
	struct http_upload	*u = req->upload;
	size_t			 off = 0;

	if (u == NULL || u->fd < 0)
		return TB_EIO;
	if (u->size + len > (uint64_t)req->app->cfg->evidence_max_bytes)
		return TB_ETOOBIG;
	crypto_hash_sha256_update(u->sha, (const unsigned char *)data, len);
	while (off < len) {
		ssize_t n = write(u->fd, data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return TB_EIO;
		}
		off += (size_t)n;
	}
	u->size += len;
	return TB_OK;
}

int
upload_finish(struct http_req *req)
{
	struct http_upload	*u = req->upload;
	unsigned char		 d[crypto_hash_sha256_BYTES];

	if (u == NULL || u->fd < 0)
		return TB_EIO;
	crypto_hash_sha256_final(u->sha, d);
	sodium_bin2hex(u->sha256, sizeof(u->sha256), d, sizeof(d));
	/* Durable before anyone is told it was received. */
	if (fsync(u->fd) != 0)
		return TB_EIO;
	return TB_OK;
}

void
upload_discard(struct http_req *req)
{
	struct http_upload	*u = req->upload;

	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	if (!u->kept && u->tmp_path[0] != '\0')
		unlink(u->tmp_path);
	sodium_free(u->sha);
	free(u);
	req->upload = NULL;
}

/* Syncs the folder that holds path, so a rename in it is durable. */
static int
sync_dir_of(const char *path)
{
	char	 tmp[512];
	int	 fd, rc = TB_OK;

	if (tb_strlcpy(tmp, path, sizeof(tmp)) != TB_OK)
		return TB_ETOOBIG;
	if ((fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY)) < 0)
		return TB_EIO;
	if (fsync(fd) != 0)
		rc = TB_EIO;
	close(fd);
	return rc;
}

int
http_upload_keep(struct http_req *req, const char *dest)
{
	struct http_upload	*u = req->upload;
	char			 dir[512];
	struct stat		 st;

	if (u == NULL || u->fd < 0 || u->sha256[0] == '\0')
		return TB_EINVAL;
	if (tb_strlcpy(dir, dest, sizeof(dir)) != TB_OK ||
	    mkdirs(dirname(dir)) != TB_OK)
		return TB_EIO;
	/* The same content is already stored: keep the first copy. */
	if (stat(dest, &st) == 0 && (uint64_t)st.st_size == u->size)
		return TB_OK;
	if (fchmod(u->fd, 0400) != 0 || rename(u->tmp_path, dest) != 0)
		return TB_EIO;
	u->kept = 1;
	return sync_dir_of(dest);
}
