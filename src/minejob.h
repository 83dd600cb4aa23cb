/*
 * minejob.h - a whole mining job over a project: load the vectors (or the
 * query texts for BM25), build or reuse the index, tune nprobe (IVF) or
 * efSearch (HNSW), search, filter and sample, and store the candidates as
 * a new run of the project or in a shard file; or re-apply the filters and
 * the sampler to a stored run (refilter).
 *
 * The settings come resolved (command-line options over the project's
 * config over the defaults of config_keys[]); nothing here reads argv or
 * the config, so the cascade, `simulate` and the unit tests call the same
 * functions as `negsieve mine`.
 */
#ifndef NS_MINEJOB_H
#define NS_MINEJOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "src/embedjob.h"
#include "src/err.h"
#include "src/filter.h"
#include "src/opt.h"
#include "src/project.h"
#include "src/summary.h"

/* The order of mine.method's choices in config_keys[]. */
enum minejob_method { MINEJOB_DENSE, MINEJOB_BM25 };

/* The order of mine.gemm's choices: the engine of exact search. */
enum minejob_gemm { MINEJOB_GEMM_AUTO, MINEJOB_GEMM_OPENBLAS,
		    MINEJOB_GEMM_ONEDNN, MINEJOB_GEMM_FAISS };

struct minejob_settings {
	int method;		/* enum minejob_method */
	const char *index;	/* "auto", "Flat" or a faiss factory string */
	const char *model;	/* vectors of this embedding model ("builtin");
				 * NULL: the project's only vectors (embed's
				 * model among several), and when it has none,
				 * embed first with @embed */
	const struct embedjob_settings *embed; /* NULL: never embed */
	double recall_target;	/* auto/IVF/HNSW: tune nprobe or efSearch to
				 * recall@k >= this */
	struct filter_params fp; /* filters and sampler */
	bool refilter;		/* re-apply fp to a stored run, no search */
	int64_t run;		/* refilter: the run; 0 = the newest */
	int shard_i, shard_n;	/* mine slice shard_i of shard_n; n 0 = all */
	const char *output;	/* the shard file (with shard_n) */
	int precision;		/* mine.precision: enum gemm_type (f32,
				 * bf16, int8: the choices' order) or
				 * MINE_PRECISION_AUTO */
	int gemm;		/* mine.gemm: enum minejob_gemm */
	FILE *report;		/* notes such as "index Flat: exact search";
				 * NULL: none */
	const struct opt_state *given; /* refilter: where each row of
				 * minejob_opts[] came from; the filter
				 * settings not given on the command line
				 * keep the run's stored ones.  NULL: fp as
				 * it is */
	struct filter_params *applied; /* refilter: out, the filters it
				 * applied (for the summary); NULL: not
				 * wanted */
	FILE *warn;		/* warnings ("negsieve: warning: ..."): a
				 * saved index not reused, a recall target
				 * not reached; NULL: none */
};

/* The option rows of struct minejob_settings (src/opt.h): the mine.*
 * config keys, the filters of filter_opts[], --refilter, --run, --shard,
 * --output.  The --help text and man page of `negsieve mine` list them. */
extern const struct opt minejob_opts[];

/* @s zeroed, then every row of minejob_opts[] from @cfg (NULL: the
 * defaults of config_keys[]). */
void minejob_settings_init(struct minejob_settings *s,
			   const struct config *cfg);

/*
 * The filter settings stored in a run's params JSON @params (written by
 * mining: the run's, or a shard's) into @fp; a setting the JSON does not
 * hold keeps its value in @fp (the caller's defaults).  A value of the
 * wrong type or an unknown anchor, sampling or rank_of name is NS_EINPUT
 * naming @what ("run 3's parameters") and the key, with @fp unchanged.
 */
enum ns_rc minejob_params_parse(const char *params, const char *what,
				struct filter_params *fp, struct ns_err *err);

/* Name of a method ("dense", "bm25"). */
const char *minejob_method_name(int method);

/*
 * Run the job @s describes on the open project @pj (opened read-only when
 * sharded): refilter, BM25 or dense mining.  Dense mining of a project
 * without vectors (and no @s->model) embeds first (not when sharded),
 * saying so in @s->report.  Each query is accounted in
 * @sum (summary_init()'d by the caller).  On success *@run_id is the new
 * or refiltered run (0 for a shard, whose file @s->output is complete).
 * On failure nothing of the run stays in the project and a shard file is
 * removed; @err says why.  Sharding needs the project's id (set by a
 * read-write open).
 */
enum ns_rc minejob_run(struct project *pj, const struct minejob_settings *s,
		       struct summary *sum, int64_t *run_id,
		       struct ns_err *err);

/* The parts of minejob_run(), callable alone (same contract). */
enum ns_rc minejob_dense(struct project *pj, const struct minejob_settings *s,
			 struct summary *sum, int64_t *run_id,
			 struct ns_err *err);
enum ns_rc minejob_bm25(struct project *pj, const struct minejob_settings *s,
			struct summary *sum, int64_t *run_id,
			struct ns_err *err);
enum ns_rc minejob_refilter(struct project *pj,
			    const struct minejob_settings *s,
			    struct summary *sum, int64_t *run_id,
			    struct ns_err *err);

/*
 * Merge the @n shard files @paths of one `mine --shard` job into @pj as
 * one new run (db/shard.h says what is refused), published from the
 * shards' pools with their filter settings (into *@fp) and people's
 * decisions as they are now, in one transaction, as `mine --refilter`
 * publishes: the run an unsharded mine would make now.  Each query is
 * accounted in @sum (summary_init()'d by the caller).  *@run_id is the
 * new run, *@cands and *@queries count the pooled candidates and queries.
 */
enum ns_rc minejob_merge(struct project *pj, char *const *paths, int n,
			 struct summary *sum, struct filter_params *fp,
			 int64_t *run_id, int64_t *cands, int64_t *queries,
			 struct ns_err *err);

#endif
