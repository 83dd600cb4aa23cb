/*
 * kmeans.c - spherical k-means on the exact-search engine (see kmeans.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/kmeans.h"
#include "src/util.h"

/* Assign in blocks of this many vectors: bounded result memory. */
#define KMEANS_BLOCK 65536

enum ns_rc
kmeans_assign(const float *x, int64_t n, int dim, const float *centroids,
	      int nlist, const struct topk_opts *o, int64_t *assign,
	      struct ns_err *err)
{
	struct topk_opts to = *o;
	struct topk *t = NULL;
	int64_t blk = KMEANS_BLOCK;
	float *score;
	enum ns_rc rc;

	to.stream = false;
	if ((rc = topk_new(centroids, nlist, dim, &to, &t, err)))
		return rc;
	/* fewer at once on many threads (each has selection buffers) */
	if (blk > topk_batch_max(1))
		blk = topk_batch_max(1);
	score = xmalloc((size_t)(n < blk ? n : blk) * sizeof(float) + 1);
	for (int64_t i = 0; i < n && rc == NS_OK; i += blk) {
		int64_t m = n - i < blk ? n - i : blk;

		rc = topk_search(t, x + (size_t)i * dim, m, 1, score,
				 assign + i, err);
	}
	free(score);
	topk_free(t);
	return rc;
}

static void
kmeans_normalise(float *c, int dim)
{
	double s = 0;

	for (int i = 0; i < dim; i++)
		s += (double)c[i] * c[i];
	if (s > 0) {
		s = 1 / sqrt(s);
		for (int i = 0; i < dim; i++)
			c[i] = (float)(c[i] * s);
	}
}

enum ns_rc
kmeans_train(const float *x, int64_t n, int dim, int nlist, int niter,
	     const struct topk_opts *o, float *centroids, struct ns_err *err)
{
	int64_t *assign = xmalloc((size_t)n * sizeof(*assign));
	int64_t *count = xmalloc((size_t)nlist * sizeof(*count));
	double *sum = xmalloc((size_t)nlist * dim * sizeof(*sum));
	enum ns_rc rc = NS_OK;

	if (n < nlist) {
		rc = err_set(err, NS_EINPUT, "k-means: %lld vectors for %d "
			     "centroids", (long long)n, nlist);
		goto out;
	}
	for (int c = 0; c < nlist; c++) {
		memcpy(centroids + (size_t)c * dim,
		       x + (size_t)((int64_t)c * n / nlist) * dim,
		       (size_t)dim * sizeof(float));
		kmeans_normalise(centroids + (size_t)c * dim, dim);
	}
	for (int it = 0; it < niter && rc == NS_OK; it++) {
		int64_t worst = 0;
		double worst_fit = INFINITY;

		if ((rc = kmeans_assign(x, n, dim, centroids, nlist, o, assign,
					err)))
			break;
		memset(count, 0, (size_t)nlist * sizeof(*count));
		memset(sum, 0, (size_t)nlist * dim * sizeof(*sum));
		for (int64_t i = 0; i < n; i++) {
			const float *v = x + (size_t)i * dim;
			double *s = sum + (size_t)assign[i] * dim;

			count[assign[i]]++;
			for (int j = 0; j < dim; j++)
				s[j] += v[j];
		}
		for (int c = 0; c < nlist; c++) {
			float *cc = centroids + (size_t)c * dim;

			if (!count[c])
				continue;
			for (int j = 0; j < dim; j++)
				cc[j] = (float)sum[(size_t)c * dim + j];
			kmeans_normalise(cc, dim);
		}
		/* an empty centroid takes the vector its centroid fits worst
		 * (one per round: rare with a strided start) */
		for (int c = 0; c < nlist; c++) {
			if (count[c])
				continue;
			for (int64_t i = 0; i < n; i++) {
				double f = topk_dot(x + (size_t)i * dim,
						    centroids +
						    (size_t)assign[i] * dim,
						    dim);

				if (count[assign[i]] > 1 && f < worst_fit) {
					worst_fit = f;
					worst = i;
				}
			}
			if (worst_fit < INFINITY) {
				count[assign[worst]]--;
				assign[worst] = c;
				count[c] = 1;
				memcpy(centroids + (size_t)c * dim,
				       x + (size_t)worst * dim,
				       (size_t)dim * sizeof(float));
				kmeans_normalise(centroids + (size_t)c * dim,
						 dim);
			}
			worst_fit = INFINITY;
		}
	}
out:
	free(assign);
	free(count);
	free(sum);
	return rc;
}
