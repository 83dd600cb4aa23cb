/*
 * cmd_merge.c - negsieve merge PROJECT SHARD...: bring the shard files of
 * one `negsieve mine --shard I/N` job into the project as one run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "src/cmd.h"
#include "src/project.h"
#include "db/shard.h"

static const struct opt merge_rows[] = {
	OPT_END
};

static const struct opt_cmd merge_cmd = {
	"merge",
	"usage: negsieve merge PROJECT SHARD...\n",
	"Merge the shard files written by 'negsieve mine --shard I/N --output\n"
	"FILE' into PROJECT as one run, in one transaction.  All N shards of\n"
	"the job must be given; shards of another project, of another job or\n"
	"given twice are refused and the project is left unchanged.\n",
	merge_rows,
};

int
cmd_merge(int argc, char **argv)
{
	struct opt_state st;
	struct project pj;
	struct ns_err err;
	int64_t run = 0, cands = 0, queries = 0, sq = 0, sc = 0;
	char *id;
	int rc;

	err_clear(&err);
	if ((rc = cmd_options(&merge_cmd, argc, argv, NULL, &st)) || st.help)
		return rc;
	if (argc - st.first < 2)
		return cmd_usage_error("merge", "expected PROJECT and at least "
				       "one SHARD file");
	if (project_open(&pj, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	id = project_id(&pj);
	rc = shard_merge(pj.db, id ? id : "", argv + st.first + 1,
			 argc - st.first - 1, &run, &cands, &queries, &err);
	if (rc == NS_OK)
		printf("run %lld: merged %d shards, %lld queries, %lld "
		       "candidates\n", (long long)run, argc - st.first - 1,
		       (long long)queries, (long long)cands);
	/* the shards applied the decisions of their time only */
	if (rc == NS_OK &&
	    shard_merge_stale(pj.db, run, &sq, &sc, &err) == NS_OK && sc)
		printf("note: %lld kept candidates of %lld queries were "
		       "labelled false negative or dropped after the shards "
		       "were mined: apply people's decisions with 'negsieve "
		       "mine --refilter --run %lld' and the filter options "
		       "the shards were mined with\n", (long long)sc,
		       (long long)sq, (long long)run);
	free(id);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
