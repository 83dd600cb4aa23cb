/*
 * cmd_config.c - negsieve config PROJECT [FILE]: show the project's
 * stored configuration, or replace it with FILE (checked first).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/project.h"

static const char config_usage[] =
	"usage: negsieve config PROJECT [FILE]\n"
	"\n"
	"Print the configuration stored in PROJECT (see negsieve.yaml(5)),\n"
	"or replace it with the YAML FILE, checked first: a bad key, value\n"
	"or cascade stage is reported with its place and changes nothing.\n"
	"\n"
	"  -h, --help   show this help\n";

int
cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct project p;
	struct ns_err err;
	int c;

	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(config_usage, stdout);
			return NS_OK;
		}
		return cmd_usage_error("config", "bad option");
	}
	if (optind != argc - 1 && optind != argc - 2)
		return cmd_usage_error("config", "expected PROJECT [FILE]");
	if (project_open(&p, argv[optind], &err) != NS_OK)
		return cmd_fail(&err);
	if (optind == argc - 1) {
		const char *src = config_source(p.cfg);

		fputs(src, stdout);
		if (*src && src[strlen(src) - 1] != '\n')
			fputc('\n', stdout);
		project_close(&p);
		return NS_OK;
	}
	if (project_set_config(&p, argv[optind + 1], &err) != NS_OK) {
		project_close(&p);
		return cmd_fail(&err);
	}
	printf("stored the configuration of %s from %s\n", argv[optind],
	       argv[optind + 1]);
	project_close(&p);
	return NS_OK;
}
