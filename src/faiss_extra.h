/*
 * faiss_extra.h - a few faiss settings the official faiss C API does not
 * expose, as extern "C" functions of our own (src/faiss_extra.cpp, built
 * on the C++ library).  NOT part of the faiss C API; named ns_faiss_*.
 */
#ifndef NS_FAISS_EXTRA_H
#define NS_FAISS_EXTRA_H

#include <stddef.h>
#include <stdint.h>

#include "src/gemm.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Block sizes of faiss's exhaustive search through BLAS: queries and
 * database vectors per sgemm call (faiss's defaults 4096 and 1024).  These
 * are process-wide globals in faiss: set them before searching, not while
 * another thread searches.  A value <= 0 leaves the setting as it is.
 */
void ns_faiss_set_blas_block(int query_bs, int database_bs);

/* The current block sizes. */
void ns_faiss_get_blas_block(int *query_bs, int *database_bs);

/*
 * Exact top-@k by inner product of the @nx vectors @x among the @ny
 * vectors @y (both @d floats each, row-major), through faiss's BLAS path
 * (faiss::knn_inner_product) without copying @y into an index.  Results
 * into the caller's @dist[nx*k] and @labels[nx*k] (rows of @y, best first,
 * -1 for empty slots).  Returns 0, or -1 when faiss threw (the message is
 * then in faiss_get_last_error() only when the shim is in use).
 */
int ns_faiss_knn_ip(const float *x, const float *y, size_t d, size_t nx,
		    size_t ny, size_t k, float *dist, int64_t *labels);

/*
 * Top-@k by inner product of the @nx queries @x in an IndexIVFFlat
 * @index (a FaissIndex handle, i.e. a faiss::Index *) at its nprobe,
 * list by list through BLAS (the products on @kn, NULL: OpenBLAS): each
 * block of queries is assigned to its nprobe lists by the coarse quantizer
 * as faiss does, then every list is scored against all the queries that
 * probe it with one product and the scores go through per-query heaps
 * (the lists spread over the OpenMP threads, each with heaps of its own,
 * merged at the end).  The same candidates and the same
 * (exact float) scores as faiss's IndexIVF::search, up to rounding, but
 * the scan runs at BLAS speed instead of one dot product at a time.
 * Results into the caller's @dist[nx*k] and @labels[nx*k], best first, -1
 * for empty slots.  Returns 0; 1 when @index is not an inner-product
 * IndexIVFFlat (nothing written: use Index::search); -1 when faiss threw.
 */
int ns_faiss_ivf_flat_search(const void *index, int64_t nx, const float *x,
			     int64_t k, float *dist, int64_t *labels,
			     struct gemm_kernel *kn);

/*
 * For an inner-product IndexIVFFlat @index (a FaissIndex handle) whose
 * quantizer is a flat index: make the @nlist centroids @c (d floats
 * each, as many as the index has lists) its trained quantizer (0), or 1
 * when @index is not of that kind (nothing changed), -1 when faiss threw.
 */
int ns_faiss_ivf_set_centroids(void *index, const float *c);

/* Add the @n vectors @x (ids ntotal..) to the lists @assign[n] already
 * chosen for them (IndexIVF::add_core with precomputed assignments).
 * 0, 1 (not an IndexIVF), or -1 (faiss threw). */
int ns_faiss_ivf_add_assigned(void *index, int64_t n, const float *x,
			      const int64_t *assign);

/* The quantizer's centroids of an IVF index with a flat quantizer (owned
 * by the index), or NULL (also while it has none). */
const float *ns_faiss_ivf_centroids(const void *index);

/* Whether ns_faiss_ivf_set_centroids() applies to @index. */
int ns_faiss_ivf_settable(const void *index);

/*
 * The efSearch of the HNSW graph of @index (a FaissIndex handle): an
 * IndexHNSW (HNSW32, HNSW32_PQ8, ...), also under the wrappers through
 * which faiss's ParameterSpace sets "efSearch" (IndexPreTransform,
 * IndexIDMap); 0 when @index has no such graph.  The C API has no HNSW
 * header at all.
 */
int64_t ns_faiss_hnsw_ef_search(const void *index);

#ifdef __cplusplus
}
#endif

#endif
