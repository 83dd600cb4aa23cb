/*
 * cmd_export.c - negsieve export [OPTIONS] -o FILE PROJECT: write the
 * cleaned training data (or the qrels of the false negatives found) in a
 * format training code reads.  The job itself is src/exportjob.c; its
 * options are the rows of exportjob_opts[].
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/cleanup.h"
#include "src/cmd.h"
#include "src/exportjob.h"
#include "src/project.h"

static const struct opt_cmd export_cmd = {
	"export",
	"usage: negsieve export [OPTIONS] -o FILE PROJECT\n",
	"Write the queries with their positives and their negatives, the\n"
	"false negatives found by people (and the cascade) relabelled as\n"
	"positives or left out, in a format training code reads; or the\n"
	"qrels of those false negatives.  The export is recorded in the\n"
	"project (see stats).  Options override the export.* config keys.\n",
	exportjob_opts,
};

/* Whether @path is where standard output goes. */
static bool
export_to_stdout(const char *path)
{
	struct stat a, b;

	if (!strcmp(path, "-"))
		return true;
	return fstat(STDOUT_FILENO, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
cmd_export(int argc, char **argv)
{
	struct exportjob_settings s;
	struct exportjob_counts counts;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&export_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("export", "expected one PROJECT argument");
	/* SIGINT, SIGTERM, SIGHUP: the temporary file of -o FILE is
	 * removed, and to stdout (-o -) the records made are written */
	cleanup_catch_signals();
	if (project_open(&p, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	opt_resolve(export_cmd.rows, p.cfg, &s, &st);
	if (exportjob_check(&s, &err) != NS_OK) {
		project_close(&p);
		return cmd_usage_error("export", "%s", err.msg);
	}
	if (exportjob_run(p.db, &s, &counts, &err) != NS_OK) {
		rc = cmd_fail(&err);
		fprintf(stderr, "negsieve: nothing was exported\n");
		project_close(&p);
		return rc;
	}
	/* the data may be on standard output (-, /dev/stdout, the file
	 * stdout is redirected to): the summary goes apart */
	exportjob_print(&s, &counts, export_to_stdout(s.output) ? stderr :
								  stdout);
	project_close(&p);
	return NS_OK;
}
