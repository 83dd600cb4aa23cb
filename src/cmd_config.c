/*
 * cmd_config.c - negsieve config PROJECT [FILE]: show the project's
 * stored configuration, or replace it with FILE (checked first).
 */
#include <stdio.h>
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
	"or replace it with the YAML FILE, checked first: a bad key, value\n"
	"or cascade stage is reported with its place and changes nothing.\n",
	config_rows,
};

int
cmd_config(int argc, char **argv)
{
	struct config_settings s;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&config_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 1 && st.first != argc - 2)
		return cmd_usage_error("config", "expected PROJECT [FILE]");
	/* showing it is a reading command: it works on a read-only project */
	if ((st.first == argc - 1 ? project_open_read(&p, argv[st.first], &err)
	     : project_open(&p, argv[st.first], &err)) != NS_OK)
		return cmd_fail(&err);
	if (st.first == argc - 1) {
		const char *src = config_source(p.cfg);

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
		project_close(&p);
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
