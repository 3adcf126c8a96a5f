/*
 * cmd.h: the subcommands of the tongbao binary.  Each takes the arguments
 * after its name and returns the process exit status: 0 success, 1 a
 * refused or failed operation, 2 bad usage (CONVENTIONS.md).
 */
#ifndef TB_CMD_H
#define TB_CMD_H

#include "config.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

int	cmd_serve(int argc, char **argv);
int	cmd_init(int argc, char **argv);
int	cmd_demo(int argc, char **argv);
int	cmd_backup(int argc, char **argv);
int	cmd_token(int argc, char **argv);
int	cmd_audit(int argc, char **argv);
/* cmd_incident.c: incident list|show, and the overdue obligations. */
int	cmd_incident(int argc, char **argv);
int	cmd_overdue(int argc, char **argv);
/* cmd_generate.c: made-up incidents for the benchmarks. */
int	cmd_generate(int argc, char **argv);

/*
 * How every subcommand starts: parses config from argv (file, environment,
 * flags) into cfg, leaving the other arguments in *rest, an allocated,
 * NULL-terminated array of the *nrest strings of argv (borrowed).  Returns
 * 0, and the caller ends with cmd_end(); or, holding nothing, EXIT_USAGE
 * after printing what was wrong with the settings, or EXIT_REFUSED when
 * out of memory.
 */
int	cmd_begin(struct config *cfg, int argc, char **argv, char ***rest,
	    int *nrest);
/* Releases what cmd_begin() set up. */
void	cmd_end(struct config *cfg, char **rest);
/*
 * For a subcommand that takes no arguments but settings: prints
 * "tongbao NAME: unknown argument 'X'" and returns EXIT_USAGE when rest
 * holds any, else 0.
 */
int	cmd_no_args(const char *name, char **rest, int nrest);
/* Returns 1 when the arguments hold --help or -h. */
int	cmd_wants_help(int argc, char **argv);
/*
 * Opens and migrates the configured store, printing any error.  Returns
 * 0 with *st set, or EXIT_REFUSED.
 */
struct store;
int	cmd_open_store(const struct config *cfg, struct store **st,
	    int verbose);
/*
 * Reads the audit chain's key file (audit_key_file, default the database
 * path + ".audit-key") into st; when the file is missing and the trail has
 * never had an entry, makes one (mode 0600).  A missing key for a trail
 * with entries, a file others may read, or a malformed one is refused
 * with a message on standard error.  Returns 0 or EXIT_REFUSED
 * (cmd_access.c; called by cmd_open_store).
 */
int	cmd_audit_key_load(const struct config *cfg, struct store *st);

#endif
