/*
 * test_config.c: defaults < file < environment < flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "util/util.h"

static char	 cfgpath[64];

static int
setup(void **state)
{
	FILE	*f;
	int	 fd;

	tb_strlcpy(cfgpath, "/tmp/tongbao-config-XXXXXX", sizeof(cfgpath));
	if ((fd = mkstemp(cfgpath)) < 0)
		return -1;
	f = fdopen(fd, "w");
	fprintf(f, "# a comment\n\ndb = /tmp/from-file.db\n"
	    "listen = 127.0.0.1:1111\nrequest_timeout = 7\n"
	    "smtp_from = \" spaced \"\n");
	fclose(f);
	unsetenv("TONGBAO_LISTEN");
	unsetenv("TONGBAO_REQUEST_TIMEOUT");
	return 0;
}

static int
teardown(void **state)
{
	unlink(cfgpath);
	return 0;
}

static void
test_precedence(void **state)
{
	struct config	 c;
	char		*argv[] = { "--listen", "127.0.0.1:3333", "--config",
	    cfgpath, "--print-config", "--max-connections=9" };
	char		*rest[8], err[256];
	int		 nrest;

	setenv("TONGBAO_LISTEN", "127.0.0.1:2222", 1);
	setenv("TONGBAO_REQUEST_TIMEOUT", "8", 1);
	config_init(&c);
	assert_int_equal(config_from_args(&c, 6, argv, rest, &nrest, err,
	    sizeof(err)), TB_OK);
	assert_string_equal(c.db, "/tmp/from-file.db");		/* file */
	assert_true(c.request_timeout == 8);			/* env */
	assert_string_equal(c.listen, "127.0.0.1:3333");	/* flag */
	assert_true(c.max_connections == 9);			/* flag= */
	assert_string_equal(c.smtp_from, " spaced ");
	assert_true(c.idle_timeout == 60);			/* default */
	assert_int_equal(nrest, 1);
	assert_string_equal(rest[0], "--print-config");
	config_cleanup(&c);
	unsetenv("TONGBAO_LISTEN");
	unsetenv("TONGBAO_REQUEST_TIMEOUT");
}

static void
test_bad_values(void **state)
{
	static const struct {
		const char	*key, *value;
		int		 rc;
	} rows[] = {
		{ "request_timeout", "0", TB_ERANGE },
		{ "request_timeout", "ten", TB_EINVAL },
		{ "max_connections", "70000", TB_ERANGE },
		{ "no_such_key", "1", TB_ENOTFOUND },
		{ "listen", "anything", TB_OK },	/* checked at serve */
	};
	struct config	 c;
	char		 err[256];

	config_init(&c);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(config_set(&c, rows[i].key, rows[i].value,
		    err, sizeof(err)), rows[i].rc);
	config_cleanup(&c);
}

static void
test_file_errors(void **state)
{
	struct config	 c;
	char		 err[256], path[] = "/tmp/tongbao-badcfg-XXXXXX";
	int		 fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, "db = x\nnot a pair\n", 18) == 18);
	close(fd);
	config_init(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)),
	    TB_EINVAL);
	assert_non_null(strstr(err, ":2:"));
	assert_int_equal(config_load_file(&c, "/nonexistent/x.conf", err,
	    sizeof(err)), TB_EIO);
	config_cleanup(&c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_precedence, setup,
		    teardown),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
