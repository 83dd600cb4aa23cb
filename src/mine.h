/*
 * mine.h - the dense mining core over plain arrays: search the queries in
 * batches, turn each query's top-k into candidates (positive and same-text
 * marks, near-duplicate similarity), filter and sample them, account them
 * in the summary and hand them to a sink (the database or a shard file).
 * Memory: the vectors, the index, and two batches of nq_batch*k results.
 */
#ifndef NS_MINE_H
#define NS_MINE_H

#include <stdbool.h>
#include <stdint.h>

#include "src/dense.h"
#include "src/err.h"
#include "src/filter.h"
#include "src/progress.h"
#include "src/summary.h"

struct mine_in {
	int dim;
	int64_t nq;		/* queries to mine */
	const float *qv;	/* nq*dim */
	const int64_t *qids;	/* query ids */
	const uint64_t *qhash;	/* text hash per query, 0 = none */
	int64_t np;		/* passages in the index, in its row order */
	const float *pv;	/* np*dim */
	const int64_t *pids;	/* passage id per row, ascending */
	const uint64_t *phash;	/* text hash per row, 0 = none */
	const int64_t *pos_off;	/* positives of query i: pos_pid[pos_off[i] */
	const int64_t *pos_pid;	/*   .. pos_off[i+1]) */
};

/* Receives one query's candidates (filtered) and its positives with their
 * scores (NAN when the positive has no vector). */
typedef enum ns_rc (*mine_sink_fn)(void *arg, int64_t query_id,
				   const struct filter_cand *c, size_t n,
				   const int64_t *pos, const double *pos_score,
				   size_t npos, struct ns_err *err);

/*
 * Mine @in against @ix (built over in->pv; NULL: exact search over
 * in->pv through BLAS, no copy) with depth @k, batches of @batch queries.  Each query's candidates go through filter_apply() with
 * @fp, into @sum, and to @sink.  @pr (may be NULL) advances per query.
 * Stops at the first failing search or sink call.
 */
enum ns_rc mine_dense(const struct mine_in *in, const struct dense_index *ix,
		      int k, int64_t batch, const struct filter_params *fp,
		      struct summary *sum, mine_sink_fn sink, void *arg,
		      struct progress *pr, struct ns_err *err);

/* The same, choosing whether the search of batch i+1 runs on a thread of
 * its own while batch i is filtered and handed to @sink on the calling
 * thread (@overlap; mine_dense() does), or one after the other.  @sink is
 * only ever called from the calling thread. */
enum ns_rc mine_dense_ex(const struct mine_in *in,
			 const struct dense_index *ix, int k, int64_t batch,
			 bool overlap, const struct filter_params *fp,
			 struct summary *sum, mine_sink_fn sink, void *arg,
			 struct progress *pr, struct ns_err *err);

/* Row of passage @id in the ascending @ids[@n], or -1. */
int64_t mine_find_row(const int64_t *ids, int64_t n, int64_t id);

/* Inner product and cosine similarity of two @dim-float vectors. */
float mine_dot(const float *a, const float *b, int dim);
float mine_cosine(const float *a, const float *b, int dim);

#endif
