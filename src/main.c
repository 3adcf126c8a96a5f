/*
 * main.c: tongbao, one binary with subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util/secret.h"
#include "util/util.h"

static int	cmd_version(int, char **);
static int	cmd_help(int, char **);

static const struct command {
	const char	*name;
	int		(*run)(int, char **);
	const char	*summary;
} commands[] = {
	{ "serve", cmd_serve, "serve the web interface and the API" },
	{ "init", cmd_init, "create or migrate a database and its admin" },
	{ "demo", cmd_demo, "load demo agencies and people" },
	{ "backup", cmd_backup, "write a consistent copy of the database" },
	{ "token", cmd_token, "create or revoke API tokens" },
	{ "audit", cmd_audit, "verify the audit trail" },
	{ "incident", cmd_incident, "list incidents or show one" },
	{ "overdue", cmd_overdue, "obligations overdue or due soon" },
	{ "generate", cmd_generate, "fill a database with test incidents" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "show this help" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "tongbao %s: Taipei City cybersecurity incident reporting "
	    "and response (通報)\n\nusage: tongbao <command> [options]\n\n"
	    "commands:\n", TONGBAO_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f, "\n'tongbao <command> --help' describes a command and its "
	    "options.\n");
}

static int
cmd_version(int argc, char **argv)
{
	if (cmd_wants_help(argc, argv)) {
		printf("usage: tongbao version\n\nPrints the version.\n");
		return 0;
	}
	printf("tongbao %s\n", TONGBAO_VERSION);
	return 0;
}

static int
cmd_help(int argc, char **argv)
{
	if (argc > 0 && strcmp(argv[0], "--help") != 0) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (strcmp(commands[i].name, argv[0]) == 0) {
				char h[] = "--help";
				char *a[] = { h };

				return commands[i].run(1, a);
			}
		fprintf(stderr, "tongbao: no command '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	usage(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	if (secret_init() != TB_OK) {
		fprintf(stderr, "tongbao: cannot initialise libsodium\n");
		return EXIT_REFUSED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(0, NULL);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			return commands[i].run(argc - 2, argv + 2);
	fprintf(stderr, "tongbao: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
