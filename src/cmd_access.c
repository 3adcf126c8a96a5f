/*
 * cmd_access.c: "tongbao token create|revoke" and "tongbao audit verify".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Appends an audit entry for an operator's command-line action. */
static int
cli_audit(struct store_conn *c, const char *action, const char *object_id,
    const char *agency, const char *after)
{
	struct store_audit	 a;

	memset(&a, 0, sizeof(a));
	a.at = tb_now_us();
	a.actor = "cli";
	a.agency = agency;
	a.action = action;
	a.object_type = "api_token";
	a.object_id = object_id;
	a.after_json = after;
	return store_audit_append(c, &a);
}

static int
token_create(struct store *st, const char *user, const char *label,
    int64_t days)
{
	struct store_login	 u;
	struct store_conn	*c;
	char			 tok[128], idstr[24], after[256];
	int64_t			 id = 0;
	int			 rc;

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
		tb_snprintf(after, sizeof(after), "{\"user\":\"%s\","
		    "\"days\":%lld}", u.username, (long long)days);
		rc = cli_audit(c, "token.create", idstr, u.agency, after);
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
	if ((rest = calloc((size_t)argc + 1, sizeof(*rest))) == NULL)
		return EXIT_REFUSED;
	if ((rc = cmd_config(&cfg, argc, argv, rest, &nrest)) != 0)
		goto out_rest;
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
	config_cleanup(&cfg);
out_rest:
	free(rest);
	return rc;
}

struct verify {
	int64_t		 expect_seq;
	char		 prev[65];
	int64_t		 bad_seq;
	const char	*why;
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
	store_audit_hash(a, h);
	if (strcmp(h, a->hash) != 0) {
		v->bad_seq = a->seq;
		v->why = "altered (its hash does not match its fields)";
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
	struct store_conn	*c;
	struct verify		 v;
	char			**rest, head_hash[65];
	int64_t			 head_seq, after;
	int			 nrest, rc;

	if (cmd_wants_help(argc, argv) || argc == 0) {
		fprintf(argc == 0 ? stderr : stdout,
		    "usage: tongbao audit verify [--db PATH]\n\n"
		    "Checks the whole audit trail: every entry's hash covers "
		    "all its fields and\nthe hash of the entry before it, "
		    "numbers run without gaps, and the newest\nentry matches "
		    "the separately kept head.  Names the first broken entry "
		    "and\nexits 1 when the trail was altered; prints the head "
		    "hash when it is whole\n(keep it elsewhere to prove later "
		    "that nothing was cut from the end).\n");
		return argc == 0 ? EXIT_USAGE : 0;
	}
	if ((rest = calloc((size_t)argc + 1, sizeof(*rest))) == NULL)
		return EXIT_REFUSED;
	if ((rc = cmd_config(&cfg, argc, argv, rest, &nrest)) != 0)
		goto out_rest;
	if (nrest != 1 || strcmp(rest[0], "verify") != 0) {
		fprintf(stderr, "usage: tongbao audit verify [--db PATH]\n");
		rc = EXIT_USAGE;
		goto out_cfg;
	}
	if ((rc = cmd_open_store(&cfg, &st, 0)) != 0)
		goto out_cfg;
	memset(&v, 0, sizeof(v));
	v.expect_seq = 1;
	tb_strlcpy(v.prev, store_audit_genesis(), sizeof(v.prev));
	if ((rc = store_read(st, &c)) != TB_OK)
		goto fail;
	/* In batches, so that a long trail is never held in memory. */
	for (after = 0;;) {
		int64_t before = v.expect_seq;

		rc = store_audit_scan(c, after, 10000, verify_one, &v);
		if (rc != TB_OK || v.why != NULL || v.expect_seq == before)
			break;
		after = v.expect_seq - 1;
	}
	if (rc == TB_OK && v.why == NULL)
		rc = store_audit_anchor(c, &head_seq, head_hash);
	store_release(c);
	if (rc != TB_OK)
		goto fail;
	if (v.why == NULL && (head_seq != v.expect_seq - 1 ||
	    (head_seq > 0 && strcmp(head_hash, v.prev) != 0))) {
		v.bad_seq = head_seq > v.expect_seq - 1 ? v.expect_seq :
		    head_seq;
		v.why = head_seq > v.expect_seq - 1 ?
		    "missing (the newest entries were deleted)" :
		    "does not match the kept head of the trail";
	}
	if (v.why != NULL) {
		printf("audit trail BROKEN at entry %lld: %s\n",
		    (long long)v.bad_seq, v.why);
		rc = EXIT_REFUSED;
	} else {
		printf("audit trail intact: %lld entries, head %s\n",
		    (long long)(v.expect_seq - 1), v.prev);
		rc = 0;
	}
	store_close(st);
	goto out_cfg;
fail:
	fprintf(stderr, "tongbao audit: %s\n", tb_strerror(rc));
	store_close(st);
	rc = EXIT_REFUSED;
out_cfg:
	config_cleanup(&cfg);
out_rest:
	free(rest);
	return rc;
}
