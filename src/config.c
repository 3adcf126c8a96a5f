/*
 * config.c: defaults, file, environment and flags, in that order.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/util.h"

#define OFF(f)	offsetof(struct config, f)

/* A configuration file line longer than this is refused. */
#define CONFIG_LINE_MAX	4096

const struct config_key config_keys[] = {
	{ "db", CONFIG_STR, OFF(db), "var/tongbao.db", 0, 0, 0,
	    "database file (SQLite)" },
	{ "listen", CONFIG_STR, OFF(listen), "127.0.0.1:8080", 0, 0, 0,
	    "address to serve on, HOST:PORT (port 0 picks a free one)" },
	{ "public_origin", CONFIG_STR, OFF(public_origin), "", 0, 0, 0,
	    "the origin browsers use, e.g. https://tongbao.gov.taipei "
	    "(default http://LISTEN); checked against Origin for CSRF" },
	{ "log_level", CONFIG_STR, OFF(log_level), "info", 0, 0, 0,
	    "debug, info, warn or error" },
	{ "threads", CONFIG_INT, OFF(threads), "0", 0, 256, 0,
	    "HTTP worker threads (0: 8 per core, 16 to 48)" },
	{ "max_connections", CONFIG_INT, OFF(max_connections), "512", 1,
	    65536, 0, "concurrent connections before new ones are refused" },
	{ "request_timeout", CONFIG_INT, OFF(request_timeout), "30", 1,
	    3600, 0, "seconds a client may take to send one request "
	    "(headers and JSON body); slower clients are cut off" },
	{ "idle_timeout", CONFIG_INT, OFF(idle_timeout), "60", 1, 3600, 0,
	    "seconds an idle keep-alive connection is kept" },
	{ "json_max_bytes", CONFIG_INT, OFF(json_max_bytes), "1048576", 1024,
	    67108864, 0, "largest JSON request body" },
	{ "evidence_max_bytes", CONFIG_INT, OFF(evidence_max_bytes),
	    "2147483648", 1024, INT64_MAX, 0, "largest evidence upload" },
	{ "evidence_dir", CONFIG_STR, OFF(evidence_dir), "var/evidence", 0,
	    0, 0, "folder where evidence files are stored by hash" },
	{ "session_idle_minutes", CONFIG_INT, OFF(session_idle_minutes), "60",
	    1, 10080, 0, "a session unused this long expires" },
	{ "session_max_hours", CONFIG_INT, OFF(session_max_hours), "12", 1,
	    720, 0, "a session expires this long after sign-in" },
	{ "smtp_url", CONFIG_STR, OFF(smtp_url), "", 0, 0, 0,
	    "SMTP server, e.g. smtp://127.0.0.1:2525 or smtps://host" },
	{ "smtp_from", CONFIG_STR, OFF(smtp_from), "tongbao@localhost", 0, 0,
	    0, "sender address of e-mail" },
	{ "smtp_user", CONFIG_STR, OFF(smtp_user), "", 0, 0, 0,
	    "SMTP user name" },
	{ "smtp_password", CONFIG_STR, OFF(smtp_password), "", 0, 0, 1,
	    "SMTP password" },
	{ "webhook_url", CONFIG_STR, OFF(webhook_url), "", 0, 0, 0,
	    "URL every notification is also POSTed to" },
	{ "webhook_secret", CONFIG_STR, OFF(webhook_secret), "", 0, 0, 1,
	    "HMAC-SHA256 key for the webhook signature" },
	{ "notify_backoff_ms", CONFIG_INT, OFF(notify_backoff_ms), "2000", 1,
	    600000, 0, "wait before the first retry of a failed "
	    "notification, doubling each time up to 10 minutes" },
	{ "notify_retry_seconds", CONFIG_INT, OFF(notify_retry_seconds),
	    "86400", 1, 604800, 0, "a notification still failing this long "
	    "after it was written is dead-lettered for DoIT" },
	{ "notify_reminders", CONFIG_STR, OFF(notify_reminders),
	    "50%,80%,-10m", 0, 0, 0, "reminders before an obligation falls "
	    "due: shares of its period (N%) or times before due (-Nm, -Nh)" },
	{ "notify_escalation_minutes", CONFIG_INT,
	    OFF(notify_escalation_minutes), "60", 0, 10080, 0, "minutes an "
	    "obligation stays overdue before DoIT is told (the CISO is told "
	    "at once)" },
	{ "notify_digest_at", CONFIG_STR, OFF(notify_digest_at), "08:00", 0, 0,
	    0, "Taipei time (HH:MM) of DoIT's daily digest of overdue "
	    "obligations; empty for none" },
	{ "test_routes", CONFIG_INT, OFF(test_routes), "0", 0, 1, 0,
	    "1 adds routes used only by the test suites" },
	{ "audit_key_file", CONFIG_STR, OFF(audit_key_file), "", 0, 0, 0,
	    "secret key of the audit trail's hash chain, mode 0600 "
	    "(default: the database path + .audit-key; made when missing "
	    "while the trail is empty)" },
	{ "store_group_commit", CONFIG_INT, OFF(store_group_commit), "1", 0,
	    1, 0, "1: write transactions committed at the same time share "
	    "one durable COMMIT (each still durable when answered); 0: one "
	    "COMMIT each" },
};
const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

static const struct config_key *
config_find(const char *name, size_t len)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (strlen(config_keys[i].name) == len &&
		    memcmp(config_keys[i].name, name, len) == 0)
			return &config_keys[i];
	return NULL;
}

static int
config_apply(struct config *c, const struct config_key *k, const char *value,
    char *err, size_t errlen)
{
	char	*base = (char *)c;
	int64_t	 v;
	int	 rc;

	if (k->type == CONFIG_INT) {
		if ((rc = parse_i64(value, k->min, k->max, &v)) != TB_OK) {
			tb_snprintf(err, errlen, "%s: expected a whole number "
			    "from %lld to %lld", k->name, (long long)k->min,
			    (long long)k->max);
			return rc;
		}
		memcpy(base + k->offset, &v, sizeof(v));
		return TB_OK;
	} else {
		char	*old, *s = xstrdup(value);

		memcpy(&old, base + k->offset, sizeof(old));
		free(old);
		memcpy(base + k->offset, &s, sizeof(s));
		return TB_OK;
	}
}

void
config_init(struct config *c)
{
	char	err[128];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < config_nkeys; i++)
		config_apply(c, &config_keys[i], config_keys[i].def, err,
		    sizeof(err));
}

void
config_cleanup(struct config *c)
{
	char	*base = (char *)c, *s;

	for (size_t i = 0; i < config_nkeys; i++) {
		if (config_keys[i].type != CONFIG_STR)
			continue;
		memcpy(&s, base + config_keys[i].offset, sizeof(s));
		if (s != NULL && config_keys[i].secret)
			memset(s, 0, strlen(s));
		free(s);
		s = NULL;
		memcpy(base + config_keys[i].offset, &s, sizeof(s));
	}
}

int
config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	const struct config_key	*k;

	if ((k = config_find(key, strlen(key))) == NULL) {
		tb_snprintf(err, errlen, "unknown configuration key '%.64s'",
		    key);
		return TB_ENOTFOUND;
	}
	return config_apply(c, k, value, err, errlen);
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load_file(struct config *c, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	char	 line[CONFIG_LINE_MAX], msg[256];
	int	 lineno = 0, rc = TB_OK;

	if ((f = fopen(path, "r")) == NULL) {
		tb_snprintf(err, errlen, "cannot open configuration file %s",
		    path);
		return TB_EIO;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char	*s, *eq, *key, *val;
		size_t	 n = strlen(line);

		lineno++;
		if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
			tb_snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			rc = TB_EINVAL;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			tb_snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			rc = TB_EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		/* Values may be quoted to keep leading or trailing spaces. */
		n = strlen(val);
		if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
			val[n - 1] = '\0';
			val++;
		}
		if ((rc = config_set(c, key, val, msg, sizeof(msg))) != TB_OK) {
			tb_snprintf(err, errlen, "%s:%d: %s", path, lineno,
			    msg);
			break;
		}
	}
	fclose(f);
	return rc;
}

int
config_load_env(struct config *c, char *err, size_t errlen)
{
	char	 name[64], msg[256];
	int	 rc;

	for (size_t i = 0; i < config_nkeys; i++) {
		const char	*v;
		size_t		 j;

		tb_snprintf(name, sizeof(name), "TONGBAO_%s",
		    config_keys[i].name);
		for (j = 8; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if ((v = getenv(name)) == NULL)
			continue;
		rc = config_apply(c, &config_keys[i], v, msg, sizeof(msg));
		if (rc != TB_OK) {
			tb_snprintf(err, errlen, "%s: %s", name, msg);
			return rc;
		}
	}
	return TB_OK;
}

/* Matches "--some-key" or "--some-key=value" against the key names. */
static const struct config_key *
config_flag(const char *arg, const char **inline_val)
{
	char	 name[64];
	size_t	 n;
	const char *eq;

	*inline_val = NULL;
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : strlen(arg);
	if (n == 0 || n >= sizeof(name))
		return NULL;
	for (size_t i = 0; i < n; i++)
		name[i] = arg[i] == '-' ? '_' : arg[i];
	name[n] = '\0';
	if (eq != NULL)
		*inline_val = eq + 1;
	return config_find(name, n);
}

int
config_from_args(struct config *c, int argc, char **argv, char **rest,
    int *nrest, char *err, size_t errlen)
{
	int	 i, rc;

	*nrest = 0;
	/* The file comes first, wherever --config stands. */
	for (i = 0; i < argc; i++) {
		const char *path = NULL;

		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				tb_snprintf(err, errlen,
				    "--config needs a file name");
				return TB_EINVAL;
			}
			path = argv[i + 1];
		} else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		if (path != NULL &&
		    (rc = config_load_file(c, path, err, errlen)) != TB_OK)
			return rc;
	}
	if ((rc = config_load_env(c, err, errlen)) != TB_OK)
		return rc;
	for (i = 0; i < argc; i++) {
		const struct config_key	*k;
		const char		*val;
		char			 msg[256];

		if (strcmp(argv[i], "--config") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0)
			continue;
		if (strcmp(argv[i], "--") == 0) {
			for (; i < argc; i++)
				rest[(*nrest)++] = argv[i];
			break;
		}
		if ((k = config_flag(argv[i], &val)) == NULL) {
			rest[(*nrest)++] = argv[i];
			continue;
		}
		if (val == NULL) {
			if (i + 1 >= argc) {
				tb_snprintf(err, errlen, "%s needs a value",
				    argv[i]);
				return TB_EINVAL;
			}
			val = argv[++i];
		}
		if ((rc = config_apply(c, k, val, msg, sizeof(msg))) != TB_OK) {
			tb_snprintf(err, errlen, "%s", msg);
			return rc;
		}
	}
	return TB_OK;
}

void
config_print(const struct config *c, void *file)
{
	FILE		*f = file;
	const char	*base = (const char *)c;

	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key	*k = &config_keys[i];

		if (k->type == CONFIG_INT) {
			int64_t v;

			memcpy(&v, base + k->offset, sizeof(v));
			fprintf(f, "%s = %lld\n", k->name, (long long)v);
		} else {
			const char *s;

			memcpy(&s, base + k->offset, sizeof(s));
			if (k->secret && s != NULL && *s != '\0')
				s = "***";
			fprintf(f, "%s = %s\n", k->name, s ? s : "");
		}
	}
}
