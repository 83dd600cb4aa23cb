/*
 * cmd_merge.c - negsieve merge PROJECT SHARD...: bring the shard files of
 * one `negsieve mine --shard I/N` job into the project as one run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/cmd.h"
#include "src/project.h"
#include "db/shard.h"

static const char merge_usage[] =
	"usage: negsieve merge PROJECT SHARD...\n"
	"\n"
	"Merge the shard files written by 'negsieve mine --shard I/N --output\n"
	"FILE' into PROJECT as one run, in one transaction.  All N shards of\n"
	"the job must be given; shards of another project, of another job or\n"
	"given twice are refused and the project is left unchanged.\n"
	"\n"
	"  -h, --help               show this help\n";

int
cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct project pj;
	struct ns_err err;
	int64_t run = 0, cands = 0, queries = 0;
	char *id;
	enum ns_rc rc;
	int c;

	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(merge_usage, stdout);
			return NS_OK;
		}
		return cmd_usage_error("merge", "bad option");
	}
	if (argc - optind < 2)
		return cmd_usage_error("merge", "expected PROJECT and at least "
				       "one SHARD file");
	if (project_open(&pj, argv[optind], &err) != NS_OK)
		return cmd_fail(&err);
	id = project_id(&pj);
	rc = shard_merge(pj.db, id ? id : "", argv + optind + 1,
			 argc - optind - 1, &run, &cands, &queries, &err);
	if (rc == NS_OK)
		printf("run %lld: merged %d shards, %lld queries, %lld "
		       "candidates\n", (long long)run, argc - optind - 1,
		       (long long)queries, (long long)cands);
	free(id);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
