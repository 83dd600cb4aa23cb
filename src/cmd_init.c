/*
 * cmd_init.c - negsieve init PROJECT [--config FILE]
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/perm.h"
#include "src/project.h"

struct init_settings {
	const char *config;	/* the YAML file to store, or NULL */
	const char *group;	/* share the project with this group, or NULL */
	bool example;		/* print an example negsieve.yaml */
};

#define IS struct init_settings
static const struct opt init_rows[] = {
	OPT_VAL('c', "config", "FILE", CONFIG_STRING, NULL, NULL, IS, config,
		"store this negsieve.yaml in the project"),
	OPT_VAL('g', "group", "GROUP", CONFIG_STRING, NULL, NULL, IS, group,
		"share the project with GROUP: the directory belongs to it "
		"(setgid) and the database and all other files are "
		"group-writable"),
	OPT_FLAG(0, "example-config", IS, example,
		 "print a negsieve.yaml with every key, its help and its "
		 "default, and exit"),
	OPT_END
};
#undef IS

static const struct opt_cmd init_cmd = {
	"init",
	"usage: negsieve init [OPTIONS] PROJECT\n"
	"       negsieve init --example-config\n",
	"Create a project: the directory PROJECT, new or empty, with its\n"
	"database.  The YAML config FILE (see negsieve.yaml(5)) is checked\n"
	"and stored in the project, so the project describes itself.  Files\n"
	"in PROJECT take the permissions of the directory (never\n"
	"world-writable).\n",
	init_rows,
};

int
cmd_init(int argc, char **argv)
{
	struct init_settings o;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&o, 0, sizeof(o));
	if ((rc = cmd_options(&init_cmd, argc, argv, &o, &st)) || st.help)
		return rc;
	if (o.example && st.first == argc) {
		config_write_example(stdout);
		return NS_OK;
	}
	if (st.first != argc - 1 || o.example)
		return cmd_usage_error("init", "expected one PROJECT argument");
	if (!*argv[st.first])
		return cmd_usage_error("init", "the PROJECT name is empty");
	if (project_init_group(&p, argv[st.first], o.config, o.group,
			       &err) != NS_OK)
		return cmd_fail(&err);
	printf("created project %s (schema version %d)\n", argv[st.first],
	       db_schema_version());
	if (o.group)
		printf("shared with group %s: the directory is setgid and "
		       "every file in it group-writable.\nAdd an annotator "
		       "to the group (as root): usermod -aG %s NAME\n(they "
		       "log in again for it to take effect)\n", o.group,
		       o.group);
	else if (!(perm_mode(argv[st.first], true) & 0020))
		printf("only you can write it; to share it with a group, "
		       "create it with --group GROUP\n");
	project_close(&p);
	return NS_OK;
}
