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

#include "db/db.h"
#include "db/mining.h"
#include "src/dense.h"
#include "src/err.h"
#include "src/filter.h"
#include "src/progress.h"
#include "src/summary.h"
#include "src/topk.h"

/*
 * Exact search on our own engine (topk.h): each query's best k + margin
 * passages by screening score are rescored exactly (topk_dot()) and the
 * best k kept.  The top-k is then certified when the k-th exact score is
 * at least the lowest screening score plus the screen's error bound (no
 * passage outside the screened set can beat it); the queries that are not
 * are searched again in f32 with four times the depth.
 */
struct mine_screen {
	struct topk *engine;	/* exact search when there is no index;
				 * NULL: faiss's knn_inner_product */
	struct topk *recheck;	/* f32 engine for uncertified queries
				 * (NULL: engine itself, when it is f32) */
	int margin;		/* extra depth screened and rescored */
	int64_t certified;	/* out: queries whose top-k the screen proved */
	int64_t rechecked;	/* out: queries searched again in f32 */
	int64_t uncertain;	/* out: ... and still not proved (ties) */
	bool stream;		/* the corpus is streamed */
};

/* The default margin for screening in @type to depth @k: small in f32
 * (rounding only), k/2 + 32 in bf16, 2k + 16 in int8. */
int mine_screen_margin(enum gemm_type type, int k);

/* mine.precision's "auto" (after f32, bf16, int8 in its choices). */
#define MINE_PRECISION_AUTO 3

/*
 * The precision of exact search for mine.precision @requested (an enum
 * gemm_type, or MINE_PRECISION_AUTO) with engine @engine (as
 * mine_screen_init() takes it) into *@type.  auto: bf16 when the engine
 * is auto and the GEMM probe (gemm_best(), measured at first use) found
 * oneDNN's bf16 product at least 1.25 times as fast as the best f32 one
 * (the bf16 screen's proved bound returns the f32 top k, and queries it
 * cannot prove are searched again in f32), else f32.  *@speed: how many
 * times as fast as f32 the chosen product is (the probe's ratio for
 * auto's bf16, else 1).  @why (may be NULL) gets a few words on the
 * choice.
 */
enum ns_rc mine_screen_precision(const char *engine, int requested,
				 enum gemm_type *type, double *speed,
				 char *why, size_t whysize,
				 struct ns_err *err);

/* Which exact-search engine mine.gemm / NEGSIEVE_GEMM asked for. */
#define MINE_ENGINES "auto|openblas|onednn|faiss|avx512"

/*
 * Prepare @sc for exact search in precision @type over the @np passages
 * @pv (@dim floats each; borrowed) to depth @k: @engine "auto" takes the
 * GEMM gemm_best() finds fastest on this machine (measuring it at first
 * use), "openblas", "onednn" or "avx512" that one, "faiss" faiss's own
 * knn_inner_product (f32 only).  A corpus larger than half the memory is
 * streamed (topk.h) when @mapped says @pv is a read-only file mapping.  A line saying what was chosen and why goes to
 * @desc.  On failure @sc is left empty (mine_screen_fini() is safe).
 */
enum ns_rc mine_screen_init(struct mine_screen *sc, const char *engine,
			    enum gemm_type type, const float *pv, int64_t np,
			    int dim, int k, bool mapped, char *desc,
			    size_t descsize, struct ns_err *err);
void mine_screen_fini(struct mine_screen *sc);

/* Queries per search batch: 4096 (fewer on many threads: see
 * topk_batch_max()), or (streaming a corpus larger than memory, which is
 * read once per batch) as many as @nq, up to what the results of depth
 * @kd and a copy of their rows (@dim floats) allow in 1 GB. */
int64_t mine_screen_batch(const struct mine_screen *sc, int64_t nq, int kd,
			  int dim);

/* Queries per search batch through an index, to depth @k: 16384, fewer
 * when their results and the IVF scan's per-thread heaps would pass
 * 256 MB (an IVF list is scanned for the batch's queries that probe it
 * at once: with 4096 queries, nprobe 2 of 1024 lists, about 8 of them,
 * and each scan packed the list again for so few). */
int64_t mine_index_batch(int k);

/* Parse "f32"/"bf16"/"int8"; false otherwise. */
bool mine_precision_parse(const char *s, enum gemm_type *type);

struct vecset;

struct mine_in {
	int dim;
	int64_t nq;		/* queries to mine */
	const float *qv;	/* nq*dim */
	const int64_t *qids;	/* query ids */
	const uint64_t *qhash;	/* text hash per query, 0 = none */
	int64_t np;		/* passages in the index, in its row order */
	const float *pv;	/* np*dim */
	const struct vecset *pset; /* the set pv maps (a streamed corpus's
				 * rows read at random come from its file);
				 * NULL: none */
	const int64_t *pids;	/* passage id per row, ascending */
	const uint64_t *phash;	/* text hash per row, 0 = none */
	const int64_t *pos_off;	/* positives of query i: pos_pid[pos_off[i] */
	const int64_t *pos_pid;	/*   .. pos_off[i+1]) */
	struct mine_screen *screen; /* exact search settings and counts;
				 * NULL: faiss's knn, no margin */
	struct db *db;		/* the project (texts of false negatives) */
	const struct db_mine_labels *labels; /* people's decisions; NULL:
				 * none (mine_filter_query()) */
	/* called (with the sink's arg) after each batch but the last went
	 * to the sink, while the next one is searched; @last: the next is
	 * the last batch (NULL: nothing) */
	enum ns_rc (*batch_done)(void *arg, bool last, struct ns_err *err);
};

/* Receives one query's candidates (filtered) and its positives with their
 * scores (NAN when the positive has no vector). */
typedef enum ns_rc (*mine_sink_fn)(void *arg, int64_t query_id,
				   const struct filter_cand *c, size_t n,
				   const int64_t *pos, const double *pos_score,
				   size_t npos, struct ns_err *err);

/*
 * Mine @in against @ix (built over in->pv; NULL: exact search over
 * in->pv through BLAS, no copy) with depth @k, batches of @batch queries.  Each query's candidates go through mine_filter_query() with
 * @fp and in->labels, into @sum, and to @sink.  @pr (may be NULL) advances per query.
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

/*
 * The part of @in left to mine after a resume: the queries whose ids are
 * not among the @ndone ascending @done.  *@out borrows what it can from
 * @in and owns copies in *@owned (free with mine_in_free()).
 */
void mine_in_skip(const struct mine_in *in, const int64_t *done,
		  int64_t ndone, struct mine_in *out, void **owned);
void mine_in_free(void *owned);

/* Whether @id is among the @n ascending @ids. */
bool mine_id_in(const int64_t *ids, int64_t n, int64_t id);

/*
 * Publish run @run_id of @db: filter and sample every pooled query with
 * @fp and people's decisions @lab (NULL: none; see mine_filter_query()),
 * accounted in @sum, store its kept candidates and its positives' scores
 * (a refilter rewrites only the queries whose rows differ from those
 * stored: db_mine_kept_update()), all in the caller's transaction.
 */
enum ns_rc mine_publish(struct db *db, int64_t run_id,
			const struct filter_params *fp,
			const struct db_mine_labels *lab, struct summary *sum,
			struct ns_err *err);

/*
 * Filter and sample the @n candidates @c of query @qid with @fp, honouring
 * people's decisions @lab (db_mine_labels(); NULL or empty: none): every
 * candidate of a dropped query is dropped_query, a candidate labelled
 * drop_passage dropped_passage, one labelled fn false_negative and a
 * positive of the query from then on: its score joins the @npos
 * positives' scores @pos (those with a score) in the anchor of the
 * margins and in the summary, and a candidate with the same text as a
 * passage labelled fn is same_text.  (A false negative the search did
 * not retrieve has no score here, so it adds none to the anchor.)
 * Accounted in @sum; texts are read from @db only for queries with a
 * false negative.
 */
enum ns_rc mine_filter_query(struct db *db, const struct db_mine_labels *lab,
			     const struct filter_params *fp, int64_t qid,
			     const double *pos, size_t npos,
			     struct filter_cand *c, size_t n,
			     struct summary *sum, struct ns_err *err);

/* Row of passage @id in the ascending @ids[@n], or -1. */
int64_t mine_find_row(const int64_t *ids, int64_t n, int64_t id);

/* Inner product and cosine similarity of two @dim-float vectors (in
 * float; the stored scores come from topk_dot()). */
float mine_dot(const float *a, const float *b, int dim);
float mine_cosine(const float *a, const float *b, int dim);

#endif
