/*
 * cmd_merge.c - negsieve merge PROJECT SHARD...: bring the shard files of
 * one `negsieve mine --shard I/N` job into the project as one run,
 * published with people's decisions as they are at the merge
 * (src/minejob.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "src/cmd.h"
#include "src/minejob.h"
#include "src/project.h"
#include "src/summary.h"

static const struct opt merge_rows[] = {
	OPT_END
};

static const struct opt_cmd merge_cmd = {
	"merge",
	"usage: negsieve merge PROJECT SHARD...\n",
	"Merge the shard files written by 'negsieve mine --shard I/N --output\n"
	"FILE' into PROJECT as one run, in one transaction, filtered and\n"
	"sampled with the shards' options and people's decisions as they are\n"
	"now, and print mine's summary.  All N shards of the job must be\n"
	"given; shards of another project, of another job or given twice are\n"
	"refused and the project is left unchanged.\n",
	merge_rows,
};

int
cmd_merge(int argc, char **argv)
{
	struct opt_state st;
	struct project pj;
	struct summary sum;
	struct filter_params fp;
	struct ns_err err;
	int64_t run = 0, cands = 0, queries = 0;
	int rc;

	err_clear(&err);
	if ((rc = cmd_options(&merge_cmd, argc, argv, NULL, &st)) || st.help)
		return rc;
	if (argc - st.first < 2)
		return cmd_usage_error("merge", "expected PROJECT and at least "
				       "one SHARD file");
	if (project_open(&pj, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	summary_init(&sum);
	rc = minejob_merge(&pj, argv + st.first + 1, argc - st.first - 1,
			   &sum, &fp, &run, &cands, &queries, &err);
	if (rc == NS_OK) {
		printf("run %lld: merged %d shards, %lld queries, %lld "
		       "candidates\n", (long long)run, argc - st.first - 1,
		       (long long)queries, (long long)cands);
		summary_print(&sum, &fp, stdout);
	}
	summary_fini(&sum);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
