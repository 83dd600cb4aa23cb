/*
 * dense.h - exact and approximate inner-product search through the faiss
 * C API: building an index from any index_factory string, saving and
 * reusing it, searching query batches, and measuring recall@k.
 *
 * Labels returned by searches are row numbers of the vectors the index was
 * built from (callers map them to passage ids); -1 marks an empty slot.
 */
#ifndef NS_DENSE_H
#define NS_DENSE_H

#include <stddef.h>
#include <stdint.h>

#include "src/err.h"
#include "src/gemm.h"
#include "src/topk.h"

/* Below this many passages `auto` means Flat (exact), above it IVF. */
#define DENSE_AUTO_FLAT_MAX 200000

struct dense_index;

/*
 * NULL when the factory string @factory may be given to faiss, else why
 * not: a size of 0 ("IVF0,Flat", "HNSW0", "PQ0"), which faiss accepts
 * and then aborts or crashes on.
 */
const char *dense_factory_check(const char *factory);

/*
 * Build an inner-product index described by the faiss factory string
 * @factory (e.g. "Flat", "IVF1024,Flat", "HNSW32") over @nb rows of @xb,
 * each of @dim floats.  Training, when the index needs it, uses an evenly
 * strided sample of at most @train_max rows (0: all).  On success *@out
 * owns the index (dense_free()); on failure *@out is untouched and @err
 * names the factory string and faiss's message.
 */
enum ns_rc dense_build(const char *factory, int dim, const float *xb,
		       int64_t nb, int64_t train_max, struct dense_index **out,
		       struct ns_err *err);

/*
 * The same, and when @engine is not NULL and @niter > 0 an inner-product
 * IVF..,Flat index is trained and filled on our exact-search engine
 * instead of faiss's k-means: @niter rounds of spherical k-means on the
 * sample (kmeans.h), then every vector assigned to its list by exact
 * search of the centroids.  Other indexes are built by faiss.
 */
enum ns_rc dense_build_ex(const char *factory, int dim, const float *xb,
			  int64_t nb, int64_t train_max, int niter,
			  const struct topk_opts *engine,
			  struct dense_index **out, struct ns_err *err);

/* Scan IVF..,Flat lists with products on @lib (default: OpenBLAS). */
enum ns_rc dense_set_gemm(struct dense_index *ix, enum gemm_lib lib,
			  struct ns_err *err);

/* Save to / load from the file @path. */
enum ns_rc dense_save(const struct dense_index *ix, const char *path,
		      struct ns_err *err);
enum ns_rc dense_load(const char *path, struct dense_index **out,
		      struct ns_err *err);

/* Free; NULL is a no-op. */
void dense_free(struct dense_index *ix);

int dense_dim(const struct dense_index *ix);
int64_t dense_ntotal(const struct dense_index *ix);
/* Number of IVF lists, 0 when the index is not IVF (or not reachable). */
int64_t dense_nlist(const struct dense_index *ix);
/* efSearch of an HNSW index (also under a transform: "PCA64,HNSW32"), 0
 * when the index is not HNSW. */
int64_t dense_ef_search(const struct dense_index *ix);

/* The search parameter dense_tune() raises on @ix: "nprobe" (IVF),
 * "efSearch" (HNSW), or NULL (other indexes: measured as they are). */
const char *dense_tune_param(const struct dense_index *ix);

/* dense_tune()'s cap on HNSW's efSearch (also at most the vectors held):
 * faiss's search then walks that many candidates per query. */
#define DENSE_EF_SEARCH_MAX 4096

/* Set a search parameter through faiss's ParameterSpace ("nprobe",
 * "efSearch", ...), which also reaches indexes wrapped in transforms. */
enum ns_rc dense_set_param(struct dense_index *ix, const char *name,
			   double value, struct ns_err *err);

/* Top-@k by inner product of @nq queries @xq (dim floats each) into the
 * caller's @dist[nq*k] and @label[nq*k], best first per query.  IVF..,Flat
 * indexes are scanned list by list through BLAS (faiss_extra.h: the same
 * probed lists and exact scores as faiss's scan, which in Debian's build
 * computes one unvectorised dot product at a time); see dense_ivf_blas(). */
enum ns_rc dense_search(const struct dense_index *ix, const float *xq,
			int64_t nq, int k, float *dist, int64_t *label,
			struct ns_err *err);

/* Whether dense_search() scans IVF..,Flat lists through BLAS (1, the
 * default) or with faiss's own IndexIVF::search (0); @on < 0 only asks.
 * Returns the previous setting.  Process-wide: for tests and benchmarks. */
int dense_ivf_blas(int on);

/* The factory string `auto` resolves to for @nb vectors, into @buf:
 * "Flat" below DENSE_AUTO_FLAT_MAX, else "IVF<nlist>,Flat" with nlist the
 * power of two at or above 4*sqrt(@nb) (4096 for 1M). */
const char *dense_auto_factory(int64_t nb, char *buf, size_t size);

/* How many of @nb vectors to train `auto`'s index on (dense_build()'s
 * train_max): 200000, or 50 per list when that is more (faiss wants at
 * least 39), at most @nb. */
int64_t dense_auto_train(int64_t nb);

/*
 * `auto` for a whole job: the cost of exact search of the @nq queries
 * against IVF's (training, assigning every vector to a list, quantizing
 * the queries, tuning, and scanning the probed lists), both counted in
 * multiply-adds of products on the same engine (the list scans at half
 * the efficiency of large products).  The fraction of lists IVF will
 * need to probe for recall@@k >= @target is measured on a pilot: 1/16 of
 * the passages in as many lists, depth k/16, against exact search of 200
 * sample queries, doubling nprobe from 1; it stops early once the next
 * fraction of lists would already cost more than IVF can win with.  IVF
 * is chosen when it is predicted to take at most 0.7 of exact search,
 * which runs @exact_speed times as fast as f32 products (a bf16 screen);
 * @why says which and why.
 */
struct dense_plan {
	char factory[64];	/* "Flat" or "IVF<nlist>,Flat" */
	int64_t nlist;		/* 0 for Flat */
	int64_t train;		/* training vectors */
	int niter;		/* k-means rounds */
	double probe_frac;	/* predicted nprobe / nlist */
	double cost_exact;	/* predicted multiply-adds */
	double cost_ivf;
	char why[400];
};

enum ns_rc dense_auto_plan(const float *xq, int64_t nq, const float *xb,
			   int64_t nb, int dim, int k, double target,
			   double exact_speed,
			   const struct topk_opts *engine,
			   struct dense_plan *plan, struct ns_err *err);

/* The predicted IVF cost of @plan when nprobe turns out @nprobe (after
 * tuning), for @nq queries; what is left to do then is only the search. */
double dense_plan_search_cost(const struct dense_plan *plan, int64_t nq,
			      int64_t nb, int dim, int64_t nprobe);

/*
 * recall@k: the fraction of the exact top-@k labels (@exact, nq*k, -1 =
 * none) found among the approximate top-@k (@approx) of the same query.
 * 1.0 when there is nothing to find.
 */
double dense_recall(const int64_t *approx, const int64_t *exact, int64_t nq,
		    int k);

/*
 * Tune the search parameter of @ix (dense_tune_param()) to @target:
 * measure recall@@k on the @ns sample queries @xs against the exact
 * top-@k, raising the parameter until the recall reaches @target or the
 * parameter its cap; leaves the index at that value and reports it in
 * *@value and the recall in *@recall.  IVF: nprobe doubles from 1 up to
 * nlist.  HNSW: efSearch doubles from max(@k, 16) up to
 * DENSE_EF_SEARCH_MAX or the vectors held, whichever is smaller.  The
 * exact top-@k is brute force over the @nb vectors @xb the index was
 * built from (through BLAS, no copy), or, when @xb is NULL and the index
 * is IVF, exhaustive probing (nprobe = nlist; exact for IVF..,Flat, but
 * slow: no BLAS).  When the recall stays below @target at the cap, the
 * index cannot reach it (lossy codes such as PQ, too few training
 * vectors, a sparse graph).  Other indexes (PQ, LSH, ...) are measured as
 * they are: *@value = 0 and *@recall their recall@@k.  Without @xb, an
 * index other than IVF is left as it is: *@value = 0, *@recall = 1 (no
 * reference).
 */
enum ns_rc dense_tune(struct dense_index *ix, const float *xs, int64_t ns,
		      int k, double target, const float *xb, int64_t nb,
		      int64_t *value, double *recall, struct ns_err *err);

/* The same, the exact top-k computed on our engine @engine (not NULL). */
enum ns_rc dense_tune_ex(struct dense_index *ix, const float *xs, int64_t ns,
			 int k, double target, const float *xb, int64_t nb,
			 const struct topk_opts *engine, int64_t *value,
			 double *recall, struct ns_err *err);

/* How many of @nq queries dense_tune() should sample for depth @k: about
 * 20000 neighbours to find (100..500 queries), at most @nq. */
int64_t dense_tune_sample(int64_t nq, int k);

/* Exact top-@k by inner product of @nq queries @xq among the @nb vectors
 * @xb (@dim floats each) without building an index: labels are rows of
 * @xb, best first. */
enum ns_rc dense_knn(const float *xq, int64_t nq, const float *xb, int64_t nb,
		     int dim, int k, float *dist, int64_t *label,
		     struct ns_err *err);

#endif
