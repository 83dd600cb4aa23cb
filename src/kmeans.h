/*
 * kmeans.h - spherical k-means on the exact-search engine (topk.h): the
 * coarse quantizer of an inner-product IVF index, trained and applied at
 * GEMM speed instead of through faiss's Clustering (whose assignment steps
 * run on OpenBLAS with faiss's baseline build).
 */
#ifndef NS_KMEANS_H
#define NS_KMEANS_H

#include <stdint.h>

#include "src/err.h"
#include "src/topk.h"

/*
 * Train @nlist unit-length centroids on the @n vectors @x (@dim floats
 * each): @niter rounds of assigning every vector to its best centroid by
 * inner product (on the engine @o describes) and setting each centroid to
 * the normalised mean of its vectors.  Starts from @nlist vectors taken
 * at an even stride; a centroid left empty takes the vector that fits its
 * own centroid worst.  Needs n >= nlist.  Writes @centroids[nlist*dim].
 */
enum ns_rc kmeans_train(const float *x, int64_t n, int dim, int nlist,
			int niter, const struct topk_opts *o,
			float *centroids, struct ns_err *err);

/* The best of the @nlist @centroids for each of the @n vectors @x, into
 * @assign[n] (on the engine @o describes). */
enum ns_rc kmeans_assign(const float *x, int64_t n, int dim,
			 const float *centroids, int nlist,
			 const struct topk_opts *o, int64_t *assign,
			 struct ns_err *err);

#endif
