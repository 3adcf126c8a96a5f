/*
 * cmd_admin.c: "tongbao init" and "tongbao backup".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/auth.h"
#include "cmd.h"
#include "store/store.h"
#include "util/secret.h"
#include "util/util.h"

/* Random bytes in a generated admin password (about 128 bits). */
#define ADMIN_PASSWORD_BYTES	16

static void
init_usage(FILE *f)
{
	fprintf(f, "usage: tongbao init [--config FILE] [--db PATH]\n\n"
	    "Creates the database when missing and applies every migration "
	    "this binary\nknows; an older database is migrated, a newer one "
	    "refused.  On a new\ndatabase it creates the agency 'doit' "
	    "(臺北市政府資訊局) and in it the account\n'admin' with the "
	    "doit_admin role.  The password comes from the environment\n"
	    "variable TONGBAO_ADMIN_PASSWORD (at least %d characters, not a "
	    "common\npassword) when set; otherwise one is generated and "
	    "printed once.\n", AUTH_PASSWORD_MIN);
}

/* Creates agency doit and account admin in one transaction. */
static int
init_seed(struct store *st, const char *password)
{
	static const char *const roles[] = { "doit_admin" };
	struct store_conn	*c = NULL;
	struct store_agency	 a;
	struct store_user	 u;
	char			 hash[SECRET_HASH_MAX];
	int64_t			 now = tb_now_us();
	int			 rc;

	if ((rc = secret_password_hash(password, hash)) != TB_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.code = "doit";
	a.name = "臺北市政府資訊局";
	a.name_en = "Department of Information Technology";
	a.type = "doit";
	a.responsibility_level = "A";
	a.uses_city_mail = 1;
	a.active = 1;
	a.created_at = a.updated_at = now;
	memset(&u, 0, sizeof(u));
	u.id = store_new_id();
	u.username = "admin";
	u.name = "系統管理者";
	u.agency = "doit";
	u.employment = "civil_servant";
	u.password_hash = hash;
	u.active = 1;
	u.created_at = u.updated_at = now;

	if ((rc = store_write(st, &c)) != TB_OK)
		return rc;
	if ((rc = store_tx_begin(c)) != TB_OK)
		goto out;
	if ((rc = store_agency_insert(c, &a)) != TB_OK ||
	    (rc = store_user_insert(c, &u, roles, 1)) != TB_OK) {
		store_tx_rollback(c);
		goto out;
	}
	rc = store_tx_commit(c);
out:
	store_release(c);
	secret_wipe(hash, sizeof(hash));
	return rc;
}

int
cmd_init(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	struct store_conn *c;
	char		**rest, generated[SECRET_TOKEN_LEN(ADMIN_PASSWORD_BYTES)];
	const char	*pw, *why;
	int		 nrest, rc, exists = 0;

	if (cmd_wants_help(argc, argv)) {
		init_usage(stdout);
		return 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	if ((rc = cmd_no_args("init", rest, nrest)) != 0)
		goto out_cfg;
	if ((rc = cmd_open_store(&cfg, &st, 1)) != 0)
		goto out_cfg;
	if (store_read(st, &c) != TB_OK ||
	    store_agency_exists(c, "doit", &exists) != TB_OK) {
		fprintf(stderr, "tongbao init: cannot read %s\n", cfg.db);
		rc = EXIT_REFUSED;
		goto out_store;
	}
	store_release(c);
	if (exists) {
		printf("database %s is up to date (schema version %d)\n",
		    cfg.db, store_schema_latest());
		rc = 0;
		goto out_store;
	}
	pw = getenv("TONGBAO_ADMIN_PASSWORD");
	if (pw != NULL && (why = auth_password_weak(pw, "admin")) != NULL) {
		fprintf(stderr, "tongbao init: TONGBAO_ADMIN_PASSWORD refused "
		    "(%s): it needs at least %d characters and must not be a "
		    "common password or contain the user name\n", why,
		    AUTH_PASSWORD_MIN);
		rc = EXIT_REFUSED;
		goto out_store;
	}
	if (pw == NULL) {
		secret_token(generated, ADMIN_PASSWORD_BYTES);
		pw = generated;
	}
	if ((rc = init_seed(st, pw)) != TB_OK) {
		fprintf(stderr, "tongbao init: cannot create the admin "
		    "account: %s\n", tb_strerror(rc));
		rc = EXIT_REFUSED;
		goto out_store;
	}
	printf("created database %s (schema version %d)\n", cfg.db,
	    store_schema_latest());
	printf("agency doit (臺北市政府資訊局), account admin (doit_admin)\n");
	if (pw == generated)
		printf("admin password (shown only now): %s\n", generated);
	rc = 0;
out_store:
	secret_wipe(generated, sizeof(generated));
	store_close(st);
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}

int
cmd_backup(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	char		**rest;
	int		 nrest, rc;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: tongbao backup [--db PATH] FILE\n\n"
		    "Writes a consistent copy of the database to FILE while "
		    "the server keeps\nrunning (SQLite's online backup).  FILE "
		    "must not exist; the copy is synced\nto disk before the "
		    "command returns.  Restore by stopping the server and\n"
		    "putting the copy in place of the database file.\n");
		return 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	if (nrest != 1 || rest[0][0] == '-') {
		fprintf(stderr, "usage: tongbao backup [--db PATH] FILE\n");
		rc = EXIT_USAGE;
		goto out_cfg;
	}
	/* store_open would create a missing database; a backup must not. */
	if (access(cfg.db, R_OK) != 0) {
		fprintf(stderr, "tongbao backup: no database at %s\n", cfg.db);
		rc = EXIT_REFUSED;
		goto out_cfg;
	}
	if ((rc = store_open(cfg.db, &st)) != TB_OK) {
		fprintf(stderr, "tongbao backup: cannot open %s: %s\n", cfg.db,
		    tb_strerror(rc));
		rc = EXIT_REFUSED;
		goto out_cfg;
	}
	rc = store_backup(st, rest[0]);
	if (rc == TB_ECONFLICT)
		fprintf(stderr, "tongbao backup: %s exists; choose a new file "
		    "name\n", rest[0]);
	else if (rc != TB_OK)
		fprintf(stderr, "tongbao backup: %s\n", tb_strerror(rc));
	else
		printf("backup of %s written to %s\n", cfg.db, rest[0]);
	rc = rc == TB_OK ? 0 : EXIT_REFUSED;
	store_close(st);
out_cfg:
	cmd_end(&cfg, rest);
	return rc;
}
