/*
 * cmd_config.c - negsieve config PROJECT [FILE]: show the project's
 * stored configuration, or replace it with FILE (checked first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cmd.h"
#include "src/project.h"

/* config has no options of its own (but --help). */
struct config_settings {
	int unused;
};

static const struct opt config_rows[] = {
	OPT_END
};

static const struct opt_cmd config_cmd = {
	"config",
	"usage: negsieve config PROJECT [FILE]\n",
	"Print the configuration stored in PROJECT (see negsieve.yaml(5)),\n"
	"or replace it with the YAML FILE, checked first: a bad key, value,\n"
	"cascade stage or review.keys entry is reported with its place and\n"
	"changes nothing.  A stored configuration that fails these checks is\n"
	"printed as stored, and what is wrong with it goes to standard error\n"
	"with its place (exit status 6).\n",
	config_rows,
};

int
cmd_config(int argc, char **argv)
{
	struct config_settings s;
	struct opt_state st;
	struct project p;
	struct ns_err err, cfg_err;
	int rc;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&config_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 1 && st.first != argc - 2)
		return cmd_usage_error("config", "expected PROJECT [FILE]");
	/* showing it is a reading command: it works on a read-only project;
	 * a stored configuration that fails the checks of this version
	 * (every other command refuses the project then) is shown as it is,
	 * with what is wrong, and can be replaced */
	if (project_open_any_config(&p, argv[st.first], st.first != argc - 1,
				    &cfg_err, &err) != NS_OK)
		return cmd_fail(&err);
	if (st.first == argc - 1) {
		/* one that parses can still fail the checks config FILE
		 * makes (a review.keys action or a cascade stage an older
		 * version took): cascade or review would refuse it, so it is
		 * told, with its place, as one that does not parse is */
		if (!cfg_err.rc)
			project_config_check(p.cfg, &cfg_err);
		char *stored = cfg_err.rc ? db_meta_get(p.db, "config") : NULL;
		const char *src = stored ? stored : config_source(p.cfg);

		fputs(src, stdout);
		if (*src && src[strlen(src) - 1] != '\n')
			fputc('\n', stdout);
		/* standard output stays the stored text (empty here), so
		 * that 'config P > file' and 'config P file' round-trip;
		 * the explanation goes to standard error */
		if (!*src)
			fprintf(stderr, "negsieve: %s: no configuration "
				"stored: the defaults apply ('negsieve init "
				"--example-config' prints every key with its "
				"default)\n", argv[st.first]);
		free(stored);
		project_close(&p);
		if (cfg_err.rc) {
			cmd_fail(&cfg_err);
			fprintf(stderr, "negsieve: the stored configuration "
				"fails its checks; replace it with 'negsieve "
				"config %s FILE'\n", argv[st.first]);
			return cfg_err.rc;
		}
		return NS_OK;
	}
	if (project_set_config(&p, argv[st.first + 1], &err) != NS_OK) {
		project_close(&p);
		return cmd_fail(&err);
	}
	printf("stored the configuration of %s from %s\n", argv[st.first],
	       argv[st.first + 1]);
	project_close(&p);
	return NS_OK;
}
