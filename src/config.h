/*
 * config.h: the settings of a tongbao process.
 *
 * Every key is read from, in increasing precedence: its built-in default,
 * the configuration file (--config FILE, "key = value" lines), the
 * environment (TONGBAO_<KEY>), and the command line (--key VALUE, with
 * "_" written as "-").  docs/config.md lists the keys; config_keys[] below
 * is the single source of both.
 */
#ifndef TB_CONFIG_H
#define TB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config {
	char	*db;			/* database path or URL */
	char	*listen;		/* HOST:PORT */
	char	*public_origin;		/* scheme://host[:port] for CSRF */
	char	*log_level;
	int64_t	 threads;		/* HTTP worker threads, 0 = cores */
	int64_t	 max_connections;
	int64_t	 request_timeout;	/* seconds to receive one request */
	int64_t	 idle_timeout;		/* seconds a keep-alive may idle */
	int64_t	 json_max_bytes;
	int64_t	 evidence_max_bytes;
	char	*evidence_dir;
	int64_t	 session_idle_minutes;
	int64_t	 session_max_hours;
	char	*smtp_url;
	char	*smtp_from;
	char	*smtp_user;
	char	*smtp_password;
	char	*webhook_url;
	char	*webhook_secret;
	/* Notifications (issue 6): retries, reminders, the digest. */
	int64_t	 notify_backoff_ms;	/* first retry delay, doubling */
	int64_t	 notify_retry_seconds;	/* give up (dead letter) after */
	char	*notify_reminders;	/* "50%,80%,-10m" */
	int64_t	 notify_escalation_minutes; /* overdue -> DoIT after */
	char	*notify_digest_at;	/* "HH:MM" Taipei, "" = none */
	int64_t	 test_routes;		/* 1 adds routes used by tests only */
	char	*audit_key_file;	/* the audit chain's key; "" = DB
					   path + ".audit-key" */
	int64_t	 store_group_commit;	/* 1: transactions share COMMITs */
};

enum config_type { CONFIG_STR, CONFIG_INT };

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;	/* in struct config */
	const char		*def;		/* default, as text */
	int64_t			 min, max;	/* for CONFIG_INT */
	int			 secret;	/* masked by --print-config */
	const char		*help;
};

extern const struct config_key	config_keys[];
extern const size_t		config_nkeys;

/* Sets every key to its default.  Free with config_cleanup(). */
void	config_init(struct config *c);
/* Frees the strings of c. */
void	config_cleanup(struct config *c);

/*
 * Sets key to the text value; returns TB_OK, TB_ENOTFOUND for an unknown
 * key, or TB_EINVAL/TB_ERANGE for a bad value (a message goes to err).
 */
int	config_set(struct config *c, const char *key, const char *value,
	    char *err, size_t errlen);
/* Reads a "key = value" file; errors name the line. */
int	config_load_file(struct config *c, const char *path, char *err,
	    size_t errlen);
/* Applies TONGBAO_<KEY> variables from the environment. */
int	config_load_env(struct config *c, char *err, size_t errlen);

/*
 * Parses the common command line of a subcommand: "--config FILE" first
 * (wherever it stands), then the environment, then every "--key VALUE" or
 * "--key=VALUE" in order.  Arguments that are not config keys are left in
 * rest[] (argv order, *nrest of them); rest must hold argc entries.
 */
int	config_from_args(struct config *c, int argc, char **argv,
	    char **rest, int *nrest, char *err, size_t errlen);

/* Writes "key = value" for every key to f, secrets as "***". */
void	config_print(const struct config *c, void *file);

#endif
