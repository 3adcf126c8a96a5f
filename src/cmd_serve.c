/*
 * cmd_serve.c: "tongbao serve", and the helpers every subcommand shares.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "cmd.h"
#include "http/http.h"
#include "notify/notify.h"
#include "store/store.h"
#include "util/util.h"

int
cmd_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int
cmd_begin(struct config *cfg, int argc, char **argv, char ***rest,
    int *nrest)
{
	char	 err[512];

	if ((*rest = calloc((size_t)argc + 1, sizeof(**rest))) == NULL)
		return EXIT_REFUSED;
	config_init(cfg);
	if (config_from_args(cfg, argc, argv, *rest, nrest, err, sizeof(err))
	    != TB_OK) {
		fprintf(stderr, "tongbao: %s\n", err);
		cmd_end(cfg, *rest);
		*rest = NULL;
		return EXIT_USAGE;
	}
	return 0;
}

void
cmd_end(struct config *cfg, char **rest)
{
	config_cleanup(cfg);
	free(rest);
}

int
cmd_no_args(const char *name, char **rest, int nrest)
{
	if (nrest == 0)
		return 0;
	fprintf(stderr, "tongbao %s: unknown argument '%s'\n", name, rest[0]);
	return EXIT_USAGE;
}

int
cmd_open_store(const struct config *cfg, struct store **st, int verbose)
{
	char	 err[512];
	int	 applied = 0, rc;

	if ((rc = store_open(cfg->db, st)) != TB_OK) {
		fprintf(stderr, "tongbao: cannot open database %s: %s\n",
		    cfg->db, tb_strerror(rc));
		return EXIT_REFUSED;
	}
	store_group_commit(*st, cfg->store_group_commit != 0);
	err[0] = '\0';
	if ((rc = store_migrate(*st, &applied, err, sizeof(err))) != TB_OK) {
		fprintf(stderr, "tongbao: %s: %s\n", cfg->db,
		    err[0] ? err : tb_strerror(rc));
		store_close(*st);
		*st = NULL;
		return EXIT_REFUSED;
	}
	if (verbose && applied > 0)
		fprintf(stderr, "tongbao: %s: applied %d migration%s (schema "
		    "version %d)\n", cfg->db, applied, applied == 1 ? "" : "s",
		    store_schema_latest());
	/* Every command that writes may append to the audit trail. */
	if (cmd_audit_key_load(cfg, *st) != 0) {
		store_close(*st);
		*st = NULL;
		return EXIT_REFUSED;
	}
	return 0;
}

/* Blocks SIGTERM and SIGINT in this thread and the threads it starts,
 * and ignores SIGPIPE (a peer closing a socket is an error, not an end). */
static void
serve_block_signals(void)
{
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
serve_usage(FILE *f)
{
	fprintf(f, "usage: tongbao serve [--config FILE] [--db PATH] "
	    "[--listen HOST:PORT] [--print-config] [--KEY VALUE ...]\n\n"
	    "Serves the web interface and the API until SIGTERM or SIGINT, "
	    "then finishes\nthe requests in flight and exits 0.  The database "
	    "is migrated first.\nPrints 'listening on http://HOST:PORT' once "
	    "ready (port 0 picks a free one).\n\nSettings (file < "
	    "environment TONGBAO_KEY < flags --key):\n");
	for (size_t i = 0; i < config_nkeys; i++)
		fprintf(f, "  --%-22s %s (default: %s)\n",
		    config_keys[i].name, config_keys[i].help,
		    config_keys[i].def[0] ? config_keys[i].def : "none");
	fprintf(f, "(write keys with '-' or '_': --request-timeout "
	    "or --request_timeout)\n");
}

int
cmd_serve(int argc, char **argv)
{
	struct config	 cfg;
	struct app	 app;
	struct store	*st = NULL;
	char		**rest;
	int		 nrest, print = 0, rc;
	enum log_level	 lvl;

	if (cmd_wants_help(argc, argv)) {
		serve_usage(stdout);
		return 0;
	}
	if ((rc = cmd_begin(&cfg, argc, argv, &rest, &nrest)) != 0)
		return rc;
	for (int i = 0; i < nrest; i++) {
		if (strcmp(rest[i], "--print-config") == 0)
			print = 1;
		else {
			fprintf(stderr, "tongbao serve: unknown argument "
			    "'%s'\n", rest[i]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (print) {
		config_print(&cfg, stdout);
		goto out;
	}
	if (log_level_parse(cfg.log_level, &lvl) != TB_OK) {
		fprintf(stderr, "tongbao: log_level: expected debug, info, "
		    "warn or error\n");
		rc = EXIT_USAGE;
		goto out;
	}
	log_set_level(lvl);
	if ((rc = cmd_open_store(&cfg, &st, 1)) != 0)
		goto out;
	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	app.store = st;
	app.routes = api_routes;
	app.nroutes = api_nroutes;
	app.fallback = api_static;
	app.authenticate = auth_authenticate;
	app.started_at = tb_now_us();
	/*
	 * The notification threads (issue 6) start first, with SIGTERM and
	 * SIGINT already blocked so that they never take them (NOTES.md:
	 * only http_serve's sigwait may), and SIGPIPE ignored for their
	 * sockets; they stop once the requests in flight are done.
	 */
	serve_block_signals();
	if (notify_start(&cfg, st) != TB_OK)
		rc = EXIT_USAGE;
	else {
		/* Old idempotency keys and dead sessions go, hourly. */
		if (store_housekeeper_start(st) != TB_OK)
			log_kv(LOG_WARN, "store_housekeeper_failed",
			    (const char *)NULL);
		rc = http_serve(&app) == TB_OK ? 0 : EXIT_REFUSED;
		store_housekeeper_stop();
		notify_stop();
	}
	store_close(st);
out:
	cmd_end(&cfg, rest);
	return rc;
}
