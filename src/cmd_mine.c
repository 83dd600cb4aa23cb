/*
 * cmd_mine.c - negsieve mine [OPTIONS] PROJECT: find candidate negatives
 * (dense through faiss, or BM25 through FTS5), filter and sample them, and
 * print a summary; --refilter re-applies filters and sampling to a stored
 * run without searching.  The job itself is src/minejob.c; its options are
 * the rows of minejob_opts[].
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/dense.h"
#include "src/minejob.h"
#include "src/project.h"
#include "src/summary.h"
#include "src/util.h"
#include "db/store.h"

static const struct opt_cmd mine_cmd = {
	"mine",
	"usage: negsieve mine [OPTIONS] PROJECT\n",
	"Find candidate negatives for every query, apply the filters and the\n"
	"sampler, store all retrieved candidates with the filter that fired,\n"
	"and print a summary.  People's decisions count: a passage labelled a\n"
	"false negative is a positive of its query, dropped passages and\n"
	"queries are left out, one labelled a true negative is kept against\n"
	"max_score, the margins and sampling.  Options override the mine.*\n"
	"config keys; with --refilter, the filter options not given keep the\n"
	"run's.\n",
	minejob_opts,
};

/* Options given that the command would ignore: usage errors. */
static int
mine_check_applies(const struct minejob_settings *o,
		   const struct opt_state *st)
{
	static const char *const search[] = { "method", "index", "precision",
					      "gemm", "model",
					      "recall-target" };
	const struct opt *rows = mine_cmd.rows;

	for (size_t i = 0; i < NS_ARRAY_SIZE(search); i++) {
		if (opt_from(rows, st, search[i]) != OPT_FROM_ARGV)
			continue;
		if (o->refilter)
			return cmd_usage_error("mine", "--%s does not apply "
					       "to --refilter (it filters a "
					       "stored run's candidates "
					       "again)", search[i]);
		if (o->method == MINEJOB_BM25 && i > 0)
			return cmd_usage_error("mine", "--%s applies to "
					       "--method dense, not bm25",
					       search[i]);
	}
	/* BM25 scores no vectors: no similarity to a positive to flag by
	 * (the key mine.near_duplicate is for dense runs, and stays) */
	if (!o->refilter && o->method == MINEJOB_BM25 &&
	    opt_from(rows, st, "near-duplicate") == OPT_FROM_ARGV)
		return cmd_usage_error("mine", "--near-duplicate applies to "
				       "--method dense, not bm25 (a bm25 run "
				       "has no vectors to compare)");
	if (!o->refilter && opt_from(rows, st, "run") == OPT_FROM_ARGV)
		return cmd_usage_error("mine", "--run needs --refilter (a new "
				       "mine makes a new run)");
	return 0;
}

/*
 * BM25 reads the FTS index of the passages: one that an import with
 * import.fts false left stale finds nothing for the rows it lacks, and the
 * run would be stored as complete.  So it is built again first, in a
 * transaction of its own, and stderr says so.  A shard's connection is
 * read-only: the rebuild opens one of its own (shards started together
 * rebuild once: store_fts_refresh() looks again once it holds the lock).
 */
static enum ns_rc
mine_fts_fresh(struct project *pj, const struct minejob_settings *o,
	       struct ns_err *err)
{
	char msg[NS_ERR_MSG_MAX];
	struct project rw;
	struct db *db = pj->db;
	double t0 = now_seconds();
	int64_t np, nq;
	bool rebuilt = false;
	enum ns_rc rc;

	if (o->refilter || o->method != MINEJOB_BM25 ||
	    !store_fts_stale(pj->db))
		return NS_OK;
	if (o->shard_n && (rc = project_open(&rw, pj->dir, err)) != NS_OK)
		goto fail;
	if (o->shard_n)
		db = rw.db;
	rc = store_fts_refresh(db, &rebuilt, &np, &nq, err);
	if (o->shard_n)
		project_close(&rw);
	if (rc != NS_OK)
		goto fail;
	if (rebuilt)
		fprintf(stderr, "negsieve: mine: the full-text index was "
			"stale (an import with --no-fts or import.fts "
			"false); rebuilt it over %lld passages and %lld queries in %.2f s\n",
			(long long)np, (long long)nq, now_seconds() - t0);
	return NS_OK;
fail:
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return err_set(err, rc, "%s: the full-text index is stale (an "
		       "import with --no-fts or import.fts false) and "
		       "could not be "
		       "rebuilt for BM25: %s (nothing was changed)", pj->dir,
		       msg);
}

int
cmd_mine(int argc, char **argv)
{
	struct minejob_settings o;
	struct embedjob_settings es;
	struct opt_state st;
	struct project pj;
	struct summary sum;
	struct ns_err err;
	int64_t run_id = 0;
	int rc;

	err_clear(&err);
	memset(&o, 0, sizeof(o));
	if ((rc = cmd_options(&mine_cmd, argc, argv, &o, &st)) || st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("mine", "expected one PROJECT argument");
	if (o.shard_n && !o.output)
		return cmd_usage_error("mine", "--shard needs --output FILE");
	if (o.output && !o.shard_n)
		return cmd_usage_error("mine", "--output needs --shard I/N");
	if (o.shard_n && o.refilter)
		return cmd_usage_error("mine", "--refilter works on the "
				       "project; it cannot be sharded");
	/* a shard only reads the project: many may run at once */
	if ((o.shard_n ? project_open_readonly(&pj, argv[st.first], &err) :
			 project_open(&pj, argv[st.first], &err)) != NS_OK)
		return cmd_fail(&err);
	opt_resolve(mine_cmd.rows, pj.cfg, &o, &st);
	/* the method may come from the config */
	if ((rc = mine_check_applies(&o, &st))) {
		project_close(&pj);
		return rc;
	}
	/* without vectors, dense mining embeds first as 'embed' would */
	embedjob_settings_init(&es, pj.cfg);
	o.embed = &es;
	/* (--refilter checks these once the run's settings fill in the
	 * options not given) */
	if (!o.refilter && o.fp.range_max > 0 &&
	    o.fp.range_min >= o.fp.range_max) {
		project_close(&pj);
		return cmd_usage_error("mine", "--range-min (mine.range_min) "
				       "%d must be below --range-max "
				       "(mine.range_max) %d", o.fp.range_min,
				       o.fp.range_max);
	}
	if (!o.refilter && !isnan(o.fp.min_score) && !isnan(o.fp.max_score) &&
	    o.fp.min_score > o.fp.max_score) {
		project_close(&pj);
		return cmd_usage_error("mine", "--min-score (mine.min_score) "
				       "%g is above --max-score "
				       "(mine.max_score) %g: nothing could be "
				       "kept", o.fp.min_score, o.fp.max_score);
	}
	if (o.method == MINEJOB_DENSE && !o.refilter &&
	    dense_factory_check(o.index)) {
		project_close(&pj);
		return cmd_usage_error("mine", "--index (mine.index) '%s': "
				       "%s", o.index,
				       dense_factory_check(o.index));
	}
	o.report = stdout;
	/* --refilter: the filter options not given keep the run's */
	o.given = &st;
	o.applied = &o.fp;
	o.warn = stderr;
	summary_init(&sum);
	if ((rc = mine_fts_fresh(&pj, &o, &err)) == NS_OK)
		rc = minejob_run(&pj, &o, &sum, &run_id, &err);
	if (rc == NS_OK && o.shard_n) {
		printf("shard %d/%d: %lld queries, %lld candidates written to "
		       "%s\n", o.shard_i, o.shard_n, (long long)sum.queries,
		       (long long)sum.candidates, o.output);
		summary_print(&sum, &o.fp, stdout);
	} else if (rc == NS_OK) {
		printf("run %lld: %lld queries, %lld candidates\n",
		       (long long)run_id, (long long)sum.queries,
		       (long long)sum.candidates);
		summary_print(&sum, &o.fp, stdout);
	}
	summary_fini(&sum);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
