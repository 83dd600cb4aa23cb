/*
 * minejob.h - a whole mining job over a project: load the vectors (or the
 * query texts for BM25), build or reuse the index, tune nprobe, search,
 * filter and sample, and store the candidates as a new run of the project
 * or in a shard file; or re-apply the filters and the sampler to a stored
 * run (refilter).
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
	double recall_target;	/* auto/IVF: tune nprobe to recall@k >= this */
	struct filter_params fp; /* filters and sampler */
	bool refilter;		/* re-apply fp to a stored run, no search */
	int64_t run;		/* refilter: the run; 0 = the newest */
	int shard_i, shard_n;	/* mine slice shard_i of shard_n; n 0 = all */
	const char *output;	/* the shard file (with shard_n) */
	int precision;		/* mine.precision: enum gemm_type (f32,
				 * bf16, int8: the choices' order) */
	int gemm;		/* mine.gemm: enum minejob_gemm */
	FILE *report;		/* notes such as "index Flat: exact search";
				 * NULL: none */
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

#endif
