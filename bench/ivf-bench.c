/*
 * ivf-bench.c - IVF `auto` against exact search on clustered vectors,
 * measured in one run.
 *
 *   bench/ivf-bench NB NQ DIM K CLUSTERS [FACTORY]
 *
 * Generates NB passage and NQ query vectors in memory (never in the repo):
 * CLUSTERS random unit centres, each vector a centre plus Gaussian noise,
 * normalised.  Times (1) exact search (Flat) of all queries, the ground
 * truth; (2) building the index `auto` resolves to (training on at most
 * dense_auto_train() vectors, as negsieve mine does); (3) nprobe tuning
 * on sample queries to recall@K >= 0.95, as negsieve mine does; (4) the
 * IVF search of all queries.  Prints the times, the recall@K of (4) against (1) over
 * all queries, and the speed-ups.  FACTORY replaces `auto`'s choice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "src/dense.h"
#include "src/filter.h"
#include "src/util.h"

static double
gauss(uint64_t *st)
{
	double u = filter_rng_uniform(st), v = filter_rng_uniform(st);

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

static void
normalise(float *x, int d)
{
	double n = 0;

	for (int t = 0; t < d; t++)
		n += (double)x[t] * x[t];
	n = sqrt(n);
	for (int t = 0; t < d; t++)
		x[t] = (float)(x[t] / n);
}

/* @n vectors around the @nc centres @c, noise @sigma per coordinate. */
static float *
gen(int64_t n, int d, const float *c, int nc, double sigma, uint64_t seed)
{
	float *x = xmalloc((size_t)n * (size_t)d * sizeof(float));
	uint64_t st = seed;

	for (int64_t i = 0; i < n; i++) {
		const float *ci = c + (size_t)(filter_rng_uniform(&st) * nc) * d;
		float *xi = x + (size_t)i * d;

		for (int t = 0; t < d; t++)
			xi[t] = (float)(ci[t] + sigma * gauss(&st));
		normalise(xi, d);
	}
	return x;
}

int
main(int argc, char **argv)
{
	struct dense_index *flat = NULL, *ivf = NULL;
	struct ns_err err;
	struct rusage ru;
	int64_t nb, nq, ns, nprobe;
	int d, k, nc;
	double t0, t_exact, t_build, t_tune, t_ivf, recall, tuned;
	char factory[64];
	float *c, *xb, *xq, *dist;
	int64_t *exact, *approx;
	uint64_t st = 7;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: ivf-bench NB NQ DIM K CLUSTERS "
			"[FACTORY]\n");
		return 2;
	}
	nb = atoll(argv[1]);
	nq = atoll(argv[2]);
	d = atoi(argv[3]);
	k = atoi(argv[4]);
	nc = atoi(argv[5]);
	err_clear(&err);
	c = xmalloc((size_t)nc * d * sizeof(float));
	for (int i = 0; i < nc * d; i++)
		c[i] = (float)gauss(&st);
	for (int i = 0; i < nc; i++)
		normalise(c + (size_t)i * d, d);
	/* noise of the same total size as a centre: clusters overlap */
	xb = gen(nb, d, c, nc, 1.0 / sqrt(d), 1);
	xq = gen(nq, d, c, nc, 1.0 / sqrt(d), 2);
	dist = xmalloc((size_t)nq * k * sizeof(float));
	exact = xmalloc((size_t)nq * k * sizeof(int64_t));
	approx = xmalloc((size_t)nq * k * sizeof(int64_t));
	dense_auto_factory(nb, factory, sizeof(factory));
	if (argc == 7)
		snprintf(factory, sizeof(factory), "%s", argv[6]);
	printf("nb=%lld nq=%lld d=%d k=%d clusters=%d auto=%s\n",
	       (long long)nb, (long long)nq, d, k, nc, factory);
	fflush(stdout);

	t0 = now_seconds();
	if (dense_build("Flat", d, xb, nb, 0, &flat, &err) ||
	    dense_search(flat, xq, nq, k, dist, exact, &err))
		goto fail;
	t_exact = now_seconds() - t0;
	dense_free(flat);
	printf("exact search (Flat):     %8.2f s\n", t_exact);
	fflush(stdout);

	t0 = now_seconds();
	if (dense_build(factory, d, xb, nb, dense_auto_train(nb), &ivf,
			&err))
		goto fail;
	t_build = now_seconds() - t0;
	printf("IVF build (train+add):   %8.2f s\n", t_build);
	fflush(stdout);

	ns = dense_tune_sample(nq, k);
	t0 = now_seconds();
	if (dense_tune(ivf, xq, ns, k, 0.95, xb, nb, &nprobe, &tuned, &err))
		goto fail;
	t_tune = now_seconds() - t0;
	printf("nprobe tuning:           %8.2f s  (nprobe %lld, sample "
	       "recall %.4f)\n", t_tune, (long long)nprobe, tuned);

	t0 = now_seconds();
	if (dense_search(ivf, xq, nq, k, dist, approx, &err))
		goto fail;
	t_ivf = now_seconds() - t0;
	recall = dense_recall(approx, exact, nq, k);
	printf("IVF search:              %8.2f s  (recall@%d %.4f over all "
	       "%lld queries)\n", t_ivf, k, recall, (long long)nq);
	printf("speed-up, search:            %6.1fx\n", t_exact / t_ivf);
	printf("speed-up, tuning + search:   %6.1fx\n",
	       t_exact / (t_tune + t_ivf));
	printf("speed-up, build + tuning + search: %6.1fx\n",
	       t_exact / (t_build + t_tune + t_ivf));
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.0f MB (vectors %.0f MB)\n", ru.ru_maxrss / 1024.0,
	       (double)(nb + nq) * d * 4 / 1048576);
	dense_free(ivf);
	return 0;
fail:
	err_print(&err);
	return 1;
}
