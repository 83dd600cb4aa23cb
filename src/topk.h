/*
 * topk.h - exact top-k inner-product search of our own: the scores of a
 * block of queries against a block of passages come from one product on
 * the faster GEMM library (gemm.h), and a vectorised threshold test against
 * each query's current k-th best score appends the few that pass to its
 * selection buffer, cut back to the k best by a selection when it fills
 * (no sort of the score block, no heap).  Screening may run in bf16 or u8 x s8
 * (--precision): the caller then rescores what comes back in exact
 * arithmetic (mine.c).
 *
 * Work is split into units of a query tile times a segment of passages,
 * taken by the OpenMP threads as they come free, each multiplying its
 * unit one passage tile at a time with the library in single-threaded
 * mode, so a score tile is tested while it is still in cache; each thread
 * has its own selection buffers, merged at the end.  Passages are read in
 * chunks; in streaming mode the pages of a finished chunk are dropped
 * (madvise), so a mapped corpus larger than memory is searched with
 * bounded resident memory.
 */
#ifndef NS_TOPK_H
#define NS_TOPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/err.h"
#include "src/gemm.h"

struct topk_opts {
	enum gemm_lib lib;	/* the GEMM library */
	enum gemm_type type;	/* screening precision */
	int64_t chunk;		/* passages per chunk (0: 65536 when
				 * streaming, else all) */
	bool stream;		/* corpus larger than memory: convert per
				 * chunk, read ahead, drop finished pages
				 * (MADV_DONTNEED: xb must then be a
				 * read-only mapping of a file, whose pages
				 * are read again when needed) */
	int tile_m, tile_n;	/* queries and passages per product
				 * (0: defaults) */
};

/* Defaults: OpenBLAS, f32, no streaming. */
void topk_opts_default(struct topk_opts *o);

struct topk;

/*
 * An engine over the @nb passages @xb (@dim floats each, row-major; kept
 * by reference: it must outlive the engine).  In bf16 and int8 the
 * passages are converted once here (2 or 1 bytes per value) unless
 * streaming.  On success *@out owns the engine (topk_free()); errors name
 * the library or precision the build lacks.
 */
enum ns_rc topk_new(const float *xb, int64_t nb, int dim,
		    const struct topk_opts *o, struct topk **out,
		    struct ns_err *err);
void topk_free(struct topk *t);

/*
 * The @k best passages of each of the @nq queries @xq by screening score
 * (the exact inner product in f32 up to rounding; approximate in bf16 and
 * int8), best first, into the caller's @dist[nq*k] and @label[nq*k]
 * (rows of xb, -1 and -inf past the end).  Ties keep the lower row.
 * Runs on all OpenMP threads; one search at a time per engine.
 */
enum ns_rc topk_search(struct topk *t, const float *xq, int64_t nq, int k,
		       float *dist, int64_t *label, struct ns_err *err);

/*
 * Streaming only (else nothing): read ahead the pages of the @n passage
 * rows @rows, ascending (rows out of range are skipped).  The mapping of a
 * streamed corpus reads only the faulting page (MADV_RANDOM), so rows
 * wanted at random after a search cost their own pages, queued together
 * here in file order.
 */
void topk_rows_advise(const struct topk *t, const int64_t *rows, int64_t n);

/*
 * Streaming only (else nothing): release the pages that lie within
 * passage rows [@r0, @r1) from the process's resident memory (they stay
 * in the page cache while the system keeps them).  A page fault maps the
 * cached pages around it too (fault-around, or a whole large folio):
 * reading rows at random, release what was passed every few rows.
 */
void topk_release(const struct topk *t, int64_t r0, int64_t r1);

/*
 * How far a screening score of query @q may be from the score exact
 * search returns for the same passage (topk_dot(), itself rounded), for
 * any passage.  In f32 and bf16 a proof: each of the two sums is within
 * Higham's gamma_d sum |q_i p_i| <= gamma_d |q||p| of the exact inner
 * product, and rounding both vectors to bf16 moves it by at most
 * |q' - q| (1 + u)|p| + |q| |p' - p| (q', p' rounded, u = 2^-8), the
 * rounding errors measured; |p| and |p' - p| are the largest among the
 * passages.  In int8 a statistical bound: six
 * standard deviations of the error of quantising both vectors (uniform
 * rounding), plus the worst case of the products of two such errors.
 */
double topk_bound(const struct topk *t, const float *q);

/* The threads a search runs on (OpenMP's; 1 without it). */
int topk_threads(void);

/* Bytes of selection buffers topk_search() holds per query of a search
 * for the k best (one set per OpenMP thread). */
size_t topk_sel_bytes(int k);

/* The most queries a search for the k best should take at once for its
 * selection buffers to stay within 256 MB (at least 1024): 4096 queries
 * for k = 62 take 15 MB on 2 threads but 490 MB on 64. */
int64_t topk_batch_max(int k);

/* The screening precision and the library. */
enum gemm_type topk_type(const struct topk *t);
enum gemm_lib topk_lib(const struct topk *t);

/* Passages a search converts or packs at a time: the whole corpus when
 * the copy is made once, at topk_new(), or when none is made. */
int64_t topk_chunk(const struct topk *t);

/* Exact inner product of two @dim-float vectors (accumulated in double,
 * rounded once to float): the score mining stores, so a passage gets the
 * same score as a candidate and as a positive. */
float topk_dot(const float *a, const float *b, int dim);

#endif
