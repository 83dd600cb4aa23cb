/*
 * cmd_init.c - negsieve init PROJECT [--config FILE]
 */
#include <getopt.h>
#include <stdio.h>

#include "src/cmd.h"
#include "src/project.h"

static const char init_usage[] =
	"usage: negsieve init [--config FILE] PROJECT\n"
	"\n"
	"Create a project: the directory PROJECT with its database.  The\n"
	"YAML config FILE (see negsieve.yaml(5)) is checked and stored in\n"
	"the project, so the project describes itself.\n"
	"\n"
	"  -c, --config FILE   store this negsieve.yaml in the project\n"
	"  -h, --help          show this help\n";

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL;
	struct project p;
	struct ns_err err;
	int c;

	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			fputs(init_usage, stdout);
			return NS_OK;
		default:
			return cmd_usage_error("init", "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("init", "expected one PROJECT argument");
	if (project_init(&p, argv[optind], config, &err) != NS_OK)
		return cmd_fail(&err);
	printf("created project %s (schema version %d)\n", argv[optind],
	       db_schema_version());
	project_close(&p);
	return NS_OK;
}
