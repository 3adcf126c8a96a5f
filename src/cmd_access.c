/*
 * cmd_access.c: "tongbao token create|revoke" and "tongbao audit verify".
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "api/auth.h"
#include "cmd.h"
#include "store/store.h"
#include "util/secret.h"
#include "util/util.h"

#define TOKEN_DAYS_DEFAULT	90
#define TOKEN_DAYS_MAX		366

static void
token_usage(FILE *f)
{
	fprintf(f, "usage: tongbao token create --user NAME [--name LABEL] "
	    "[--days N] [--db PATH]\n"
	    "       tongbao token revoke ID [--db PATH]\n\n"
	    "create makes an API token for the account NAME, valid N days "
	    "(default %d,\nat most %d), and prints it once, alone on the "
	    "last line; programs send it\nas 'Authorization: Bearer TOKEN'.  "
	    "Only its hash is stored.  revoke ends\nthe token with that id "
	    "at once.  Both are recorded in the audit trail.\n",
	    TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX);
}

/*
 * Appends an audit entry for an operator's command-line action.  The
 * actor is "cli:" and the system account that ran the command, the best
 * "who" a command line can give (P32).
 */
static int
cli_audit(struct store_conn *c, const char *action, const char *object_id,
    const char *agency, json_t *after)
{
	struct store_audit	 a;
	struct passwd		*pw = getpwuid(getuid());
	char			 actor[80], *af = NULL;
	int			 rc;

	if (tb_snprintf(actor, sizeof(actor), "cli:%s", pw != NULL ?
	    pw->pw_name : "unknown") != TB_OK)
		tb_strlcpy(actor, "cli", sizeof(actor));
	if (after != NULL && (af = json_dumps(after, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		return TB_ENOMEM;
	memset(&a, 0, sizeof(a));
	a.at = tb_now_us();
	a.actor = actor;
	a.agency = agency;
	a.action = action;
	a.object_type = "api_token";
	a.object_id = object_id;
	a.after_json = af;
	rc = store_audit_append(c, &a);
	free(af);
	return rc;
}

static int
token_create(struct store *st, const char *user, const char *label,
    int64_t days)
{
	struct store_login	 u;
	struct store_conn	*c;
	json_t			*after;
	char			 tok[128], idstr[24];
	int64_t			 id = 0;
	int			 rc;

	memset(tok, 0, sizeof(tok));

	if ((rc = store_read(st, &c)) != TB_OK)
		return rc;
	rc = store_login_by_name(c, user, &u);
	store_release(c);
	secret_wipe(u.password_hash, sizeof(u.password_hash));
	if (rc == TB_ENOTFOUND || (rc == TB_OK && !u.active)) {
		fprintf(stderr, "tongbao token: no active account '%s'\n",
		    user);
		return TB_ENOTFOUND;
	}
	if (rc != TB_OK)
		return rc;
	if ((rc = store_write(st, &c)) != TB_OK)
		return rc;
	if ((rc = store_tx_begin(c)) != TB_OK)
		goto out;
	rc = auth_token_create(c, u.id, label, days, 0, tb_now_us(), tok,
	    sizeof(tok), &id);
	if (rc == TB_OK) {
		tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
		after = json_pack("{s:s, s:s, s:I}", "user", u.username,
		    "name", label, "expires_in_days", (json_int_t)days);
		rc = after != NULL ? cli_audit(c, "token.create", idstr,
		    u.agency, after) : TB_ENOMEM;
		json_decref(after);
	}
	if (rc == TB_OK)
		rc = store_tx_commit(c);
	else
		store_tx_rollback(c);
	if (rc == TB_OK) {
		printf("token %lld for %s, valid %lld days (shown only now):\n",
		    (long long)id, u.username, (long long)days);
		printf("%s\n", tok);
	}
out:
	secret_wipe(tok, sizeof(tok));
	store_release(c);
	return rc;
}

static int
token_revoke(struct store *st, int64_t id)
{
	struct store_conn	*c;
	char			 idstr[24];
	int			 rc;

	if ((rc = store_write(st, &c)) != TB_OK)
		return rc;
	tb_snprintf(idstr, sizeof(idstr), "%lld", (long long)id);
	if ((rc = store_tx_begin(c)) == TB_OK) {
		if ((rc = store_token_revoke(c, id, 0, tb_now_us())) == TB_OK)
			rc = cli_audit(c, "token.revoke", idstr, NULL, NULL);
		if (rc == TB_OK)
			rc = store_tx_commit(c);
		else
			store_tx_rollback(c);
	}
	store_release(c);
	if (rc == TB_OK)
		printf("token %s revoked\n", idstr);
	else if (rc == TB_ENOTFOUND)
		fprintf(stderr, "tongbao token: no live token %s\n", idstr);
	return rc;
}

int
cmd_token(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	char		**rest;
	const char	*user = NULL, *label = "cli";
	int64_t		 days = TOKEN_DAYS_DEFAULT, id = 0;
	int		 nrest, rc, i;

	if (argc == 0 || cmd_wants_help(argc, argv)) {
		token_usage(argc == 0 ? stderr : stdout);
		return argc == 0 ? EXIT_USAGE : 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	rc = EXIT_USAGE;
	if (nrest == 0)
		goto usage;
	if (strcmp(rest[0], "create") == 0) {
		for (i = 1; i < nrest; i++) {
			if (i + 1 >= nrest)
				goto usage;
			if (strcmp(rest[i], "--user") == 0)
				user = rest[++i];
			else if (strcmp(rest[i], "--name") == 0)
				label = rest[++i];
			else if (strcmp(rest[i], "--days") == 0) {
				if (parse_i64(rest[++i], 1, TOKEN_DAYS_MAX,
				    &days) != TB_OK)
					goto usage;
			} else
				goto usage;
		}
		if (user == NULL || label[0] == '\0' || strlen(label) > 100)
			goto usage;
	} else if (strcmp(rest[0], "revoke") == 0) {
		if (nrest != 2 || parse_i64(rest[1], 1, INT64_MAX, &id)
		    != TB_OK)
			goto usage;
	} else
		goto usage;
	if ((rc = cmd_open_store(&cfg, &st, 0)) != 0)
		goto out_cfg;
	rc = user != NULL ? token_create(st, user, label, days) :
	    token_revoke(st, id);
	if (rc != TB_OK && rc != TB_ENOTFOUND)
		fprintf(stderr, "tongbao token: %s\n", tb_strerror(rc));
	rc = rc == TB_OK ? 0 : EXIT_REFUSED;
	store_close(st);
	goto out_cfg;
usage:
	token_usage(stderr);
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}

/* --- the audit key -------------------------------------------------- */

/* The key file holds the key in hex and a newline. */
#define AUDIT_KEY_HEX	(STORE_AUDIT_KEY_BYTES * 2)

/* The key file's path: audit_key_file, else the database path beside. */
static int
audit_key_path(const struct config *cfg, char *out, size_t outlen)
{
	if (cfg->audit_key_file != NULL && cfg->audit_key_file[0] != '\0')
		return tb_strlcpy(out, cfg->audit_key_file, outlen);
	/* A database URL has no "beside": the key must be named. */
	if (strstr(cfg->db, "://") != NULL)
		return TB_EINVAL;
	return tb_snprintf(out, outlen, "%s.audit-key", cfg->db);
}

/* 1 when the trail has never had an entry (its kept head is at 0). */
static int
audit_trail_empty(struct store *st, int *empty)
{
	struct store_conn	*c;
	char			 hash[65];
	int64_t			 seq = 0;
	int			 rc;

	if ((rc = store_read(st, &c)) != TB_OK)
		return rc;
	rc = store_audit_anchor(c, &seq, hash);
	store_release(c);
	*empty = rc == TB_OK && seq == 0;
	return rc == TB_ENOTFOUND ? TB_OK : rc;
}

/*
 * Writes a new random key to path, which must not exist, with mode 0600,
 * and syncs the file and its folder: a database that outlives a crash
 * with entries in it needs the key that made them.
 */
static int
audit_key_create(const char *path, unsigned char key[STORE_AUDIT_KEY_BYTES])
{
	char	 hex[AUDIT_KEY_HEX + 2], dir[4096];
	int	 fd, rc = TB_OK;

	randombytes_buf(key, STORE_AUDIT_KEY_BYTES);
	sodium_bin2hex(hex, sizeof(hex), key, STORE_AUDIT_KEY_BYTES);
	hex[AUDIT_KEY_HEX] = '\n';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return TB_EIO;
	if (write(fd, hex, AUDIT_KEY_HEX + 1) != AUDIT_KEY_HEX + 1 ||
	    fsync(fd) != 0)
		rc = TB_EIO;
	close(fd);
	sodium_memzero(hex, sizeof(hex));
	if (rc != TB_OK) {
		unlink(path);
		return rc;
	}
	if (tb_strlcpy(dir, path, sizeof(dir)) == TB_OK &&
	    (fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	    >= 0) {
		fsync(fd);
		close(fd);
	}
	return TB_OK;
}

/* Reads the key at path; why says what is wrong on failure. */
static int
audit_key_read(const char *path, unsigned char key[STORE_AUDIT_KEY_BYTES],
    const char **why)
{
	struct stat	 sb;
	char		 hex[AUDIT_KEY_HEX + 3];
	size_t		 bin = 0;
	ssize_t		 n;
	int		 fd;

	*why = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? TB_ENOTFOUND : TB_EIO;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*why = "is not a regular file";
		return TB_EINVAL;
	}
	/* A key others can read protects nothing (mode 0600). */
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		*why = "may be read or written by others: chmod 600 it";
		return TB_EINVAL;
	}
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < AUDIT_KEY_HEX || n > AUDIT_KEY_HEX + 1 ||
	    (n == AUDIT_KEY_HEX + 1 && hex[AUDIT_KEY_HEX] != '\n') ||
	    sodium_hex2bin(key, STORE_AUDIT_KEY_BYTES, hex, AUDIT_KEY_HEX,
	    NULL, &bin, NULL) != 0 || bin != STORE_AUDIT_KEY_BYTES) {
		sodium_memzero(hex, sizeof(hex));
		*why = "is not 64 hexadecimal digits and a newline";
		return TB_EINVAL;
	}
	sodium_memzero(hex, sizeof(hex));
	return TB_OK;
}

int
cmd_audit_key_load(const struct config *cfg, struct store *st)
{
	unsigned char	 key[STORE_AUDIT_KEY_BYTES];
	char		 path[4096];
	const char	*why;
	int		 rc, empty = 0;

	if (audit_key_path(cfg, path, sizeof(path)) != TB_OK) {
		fprintf(stderr, "tongbao: set audit_key_file: the audit "
		    "trail's key cannot go beside %s\n", cfg->db);
		return EXIT_REFUSED;
	}
	rc = audit_key_read(path, key, &why);
	if (rc == TB_ENOTFOUND) {
		/*
		 * Made only for a trail that never had an entry: for one
		 * with entries, a new key would make every entry look
		 * altered, and quietly replacing a deleted key would hide
		 * that it was deleted.
		 */
		if ((rc = audit_trail_empty(st, &empty)) != TB_OK) {
			fprintf(stderr, "tongbao: cannot read the audit "
			    "trail: %s\n", tb_strerror(rc));
			return EXIT_REFUSED;
		}
		if (!empty) {
			fprintf(stderr, "tongbao: the audit trail's key %s is "
			    "missing; restore it from your backup (the trail "
			    "of %s cannot be written or verified without "
			    "it)\n", path, cfg->db);
			return EXIT_REFUSED;
		}
		if ((rc = audit_key_create(path, key)) != TB_OK) {
			fprintf(stderr, "tongbao: cannot create the audit "
			    "trail's key %s: %s\n", path, strerror(errno));
			return EXIT_REFUSED;
		}
	} else if (rc != TB_OK) {
		fprintf(stderr, "tongbao: the audit trail's key %s %s\n",
		    path, why != NULL ? why : "cannot be read");
		return EXIT_REFUSED;
	}
	rc = store_audit_key_set(st, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return rc == TB_OK ? 0 : EXIT_REFUSED;
}

/* --- tongbao audit verify -------------------------------------------- */

struct verify {
	struct store_conn	*c;
	int64_t			 expect_seq;
	char			 prev[65];
	int64_t			 bad_seq;
	const char		*why;
	int			 err;
};

static int
verify_one(void *arg, const struct store_audit *a)
{
	struct verify	*v = arg;
	char		 h[65];

	if (a->seq != v->expect_seq) {
		/* A gap: the entry expected here was deleted. */
		v->bad_seq = v->expect_seq;
		v->why = "missing (deleted)";
		return 1;
	}
	if (strcmp(a->prev_hash, v->prev) != 0) {
		v->bad_seq = a->seq;
		v->why = "does not follow the entry before it";
		return 1;
	}
	if ((v->err = store_audit_hash(v->c, a, h)) != TB_OK)
		return 1;
	if (sodium_memcmp(h, a->hash, sizeof(h)) != 0 ||
	    strlen(a->hash) != 64) {
		v->bad_seq = a->seq;
		/* Every entry failing from the first is a key mismatch as
		 * likely as an alteration; say both. */
		v->why = a->seq == 1 ? "altered (its hash does not match its "
		    "fields), or the audit key is not the one the trail was "
		    "written with" : "altered (its hash does not match its "
		    "fields)";
		return 1;
	}
	tb_strlcpy(v->prev, a->hash, sizeof(v->prev));
	v->expect_seq++;
	return 0;
}

int
cmd_audit(int argc, char **argv)
{
	struct config		 cfg;
	struct store		*st = NULL;
	struct verify		 v;
	char			**rest, head_hash[65];
	int64_t			 head_seq = 0, after, last;
	int			 nrest, rc;

	if (cmd_wants_help(argc, argv) || argc == 0) {
		fprintf(argc == 0 ? stderr : stdout,
		    "usage: tongbao audit verify [--db PATH] "
		    "[--audit-key-file PATH]\n\n"
		    "Checks the whole audit trail: every entry's hash, keyed "
		    "with the secret in\nthe audit key file, covers all its "
		    "fields and the hash of the entry before\nit; numbers run "
		    "without gaps; and the newest entry matches the "
		    "separately\nkept head.  Names the first broken entry and "
		    "exits 1 when the trail was\naltered; prints the head hash "
		    "when it is whole (keep it elsewhere to prove\nlater that "
		    "nothing was cut from the end).\n");
		return argc == 0 ? EXIT_USAGE : 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	if (nrest != 1 || strcmp(rest[0], "verify") != 0) {
		fprintf(stderr, "usage: tongbao audit verify [--db PATH] "
		    "[--audit-key-file PATH]\n");
		rc = EXIT_USAGE;
		goto out_cfg;
	}
	/* Verifying a database that does not exist would create it. */
	if (strstr(cfg.db, "://") == NULL && access(cfg.db, R_OK) != 0) {
		fprintf(stderr, "tongbao audit: no database at %s\n", cfg.db);
		rc = EXIT_REFUSED;
		goto out_cfg;
	}
	if ((rc = cmd_open_store(&cfg, &st, 0)) != 0)
		goto out_cfg;
	memset(&v, 0, sizeof(v));
	v.expect_seq = 1;
	tb_strlcpy(v.prev, store_audit_genesis(), sizeof(v.prev));
	if ((rc = store_read(st, &v.c)) != TB_OK)
		goto fail;
	/* In batches, so that a long trail is never held in memory. */
	for (after = 0;;) {
		int64_t before = v.expect_seq;

		rc = store_audit_scan(v.c, after, 10000, verify_one, &v);
		if (rc == TB_OK)
			rc = v.err;
		if (rc != TB_OK || v.why != NULL || v.expect_seq == before)
			break;
		after = v.expect_seq - 1;
	}
	if (rc == TB_OK && v.why == NULL)
		rc = store_audit_anchor(v.c, &head_seq, head_hash);
	store_release(v.c);
	last = v.expect_seq - 1;	/* the newest entry of the chain */
	if (rc == TB_ENOTFOUND) {
		/* The head's row itself was deleted. */
		v.bad_seq = last;
		v.why = "the kept head of the trail is missing";
		rc = TB_OK;
	}
	if (rc != TB_OK)
		goto fail;
	if (v.why == NULL && head_seq > last) {
		/* The head knows of entries the table no longer has. */
		v.bad_seq = last + 1;
		v.why = "missing (the newest entries were deleted)";
	} else if (v.why == NULL && head_seq < last) {
		/* Entries past the head were never appended by tongbao. */
		v.bad_seq = head_seq + 1;
		v.why = "not covered by the kept head (added by hand)";
	} else if (v.why == NULL && last > 0 &&
	    strcmp(head_hash, v.prev) != 0) {
		v.bad_seq = last;
		v.why = "does not match the kept head of the trail";
	}
	if (v.why != NULL) {
		printf("audit trail BROKEN at entry %lld: %s\n",
		    (long long)v.bad_seq, v.why);
		rc = EXIT_REFUSED;
	} else {
		printf("audit trail intact: %lld entries, head %s\n",
		    (long long)last, v.prev);
		rc = 0;
	}
	store_close(st);
	goto out_cfg;
fail:
	fprintf(stderr, "tongbao audit: %s\n", tb_strerror(rc));
	store_close(st);
	rc = EXIT_REFUSED;
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}
