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

/*
 * Whether operand @w looks like a subcommand rather than a project: a
 * plain word, not a path there is.  `negsieve export list p1` (there is
 * no such subcommand) then hints at where exports are listed.  With one
 * operand only the words one would try for a listing count: a project
 * name mistyped is not one.
 */
static bool
export_subcommand_like(const char *w, bool any_word)
{
	static const char *const verbs[] = { "list", "ls", "show", "log",
					     "history", "status", "info" };
	struct stat st;

	if (!*w || stat(w, &st) == 0)
		return false;
	for (const char *c = w; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || *c == '-'))
			return false;
	if (any_word)
		return true;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
		if (!strcmp(w, verbs[i]))
			return true;
	return false;
}

#define EXPORT_LIST_HINT "the exports of a project are listed by " \
	"'negsieve stats PROJECT'"

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
	if (st.first != argc - 1) {
		if (argc - st.first > 1 &&
		    export_subcommand_like(argv[st.first], true))
			return cmd_usage_error("export", "expected one PROJECT "
					       "argument; export has no "
					       "subcommand '%s' (%s)",
					       argv[st.first],
					       EXPORT_LIST_HINT);
		return cmd_usage_error("export", "expected one PROJECT argument");
	}
	/* SIGINT, SIGTERM, SIGHUP: the temporary file of -o FILE is
	 * removed, and to stdout (-o -) the records made are written */
	cleanup_catch_signals();
	if (project_open(&p, argv[st.first], &err) != NS_OK) {
		rc = cmd_fail(&err);
		if (export_subcommand_like(argv[st.first], false))
			fprintf(stderr, "negsieve: export: no subcommand "
				"'%s' either: %s\n", argv[st.first],
				EXPORT_LIST_HINT);
		return rc;
	}
	opt_resolve(export_cmd.rows, p.cfg, &s, &st);
	/* export.file_type says how the sentence-transformers formats are
	 * written (negsieve.yaml(5)); the others have one file type, and a
	 * project that writes its triplets as CSV still exports bge: only
	 * --file-type given for them is an error */
	if (!exportfmt_is_st(s.format) &&
	    opt_from(export_cmd.rows, &st, "file-type") == OPT_FROM_CONFIG)
		s.file_type = EXPORTFMT_AUTO;
	if (exportjob_check(&s, &err) != NS_OK) {
		project_close(&p);
		/* a value from the config is named by its key: nobody typed
		 * the option the message names */
		return cmd_usage_error("export", "%s%s", err.msg,
				       opt_from(export_cmd.rows, &st,
						"format") == OPT_FROM_CONFIG
				       ? " (the format is export.format of "
					 "the project's config)" : "");
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
