/*
 * t-dense.c - faiss search against brute force on SIFT vectors and on
 * generated data; IVF tuning; index files; faiss errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/dense.h"
#include "src/filter.h"
#include "tests/tap.h"
#include "src/util.h"

/* Read an .fvecs/.ivecs file (int32 dim, then dim 4-byte values per row);
 * returns rows, or -1. */
static long
read_vecs(const char *path, void **out, int *dim)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n = 0;
	int32_t d;

	if (!fp)
		return -1;
	while (fread(&d, 4, 1, fp) == 1) {
		buf = xrealloc(buf, (size_t)(n + 1) * (size_t)d * 4);
		if (fread(buf + (size_t)n * (size_t)d * 4, 4, (size_t)d, fp) !=
		    (size_t)d)
			break;
		*dim = d;
		n++;
	}
	fclose(fp);
	*out = buf;
	return n;
}

/* Brute-force top-k inner products; scores into @s, labels into @l. */
static void
brute(const float *xq, int64_t nq, const float *xb, int64_t nb, int d, int k,
      float *s, int64_t *l)
{
	for (int64_t q = 0; q < nq; q++) {
		for (int i = 0; i < k; i++) {
			s[q * k + i] = -INFINITY;
			l[q * k + i] = -1;
		}
		for (int64_t b = 0; b < nb; b++) {
			float v = 0;
			int j;

			for (int t = 0; t < d; t++)
				v += xq[q * d + t] * xb[b * d + t];
			for (j = k; j > 0 && v > s[q * k + j - 1]; j--)
				if (j < k) {
					s[q * k + j] = s[q * k + j - 1];
					l[q * k + j] = l[q * k + j - 1];
				}
			if (j < k) {
				s[q * k + j] = v;
				l[q * k + j] = b;
			}
		}
	}
}

/* Compare search results: scores equal within @tol relative, labels equal
 * wherever the score is not tied with a neighbour. */
static int
same(const float *s1, const int64_t *l1, const float *s2, const int64_t *l2,
     int64_t nq, int k, double tol)
{
	int bad = 0;

	for (int64_t q = 0; q < nq; q++)
		for (int i = 0; i < k; i++) {
			int64_t o = q * k + i;
			int tied = (i > 0 && s2[o - 1] == s2[o]) ||
				   (i + 1 < k && s2[o + 1] == s2[o]);

			if (fabs(s1[o] - s2[o]) > tol * (1 + fabs(s2[o])))
				bad++;
			else if (!tied && l1[o] != l2[o])
				bad++;
		}
	return bad;
}

static void
test_sift(void)
{
	/* tap_data() returns a static buffer: copy each path */
	char *qp = tap_data("sift-fvecs-tiledb/queries.fvecs") ?
		   xstrdup(tap_data("sift-fvecs-tiledb/queries.fvecs")) : NULL;
	char *bp = tap_data("sift-fvecs-tiledb/siftmicro_base.fvecs") ?
		   xstrdup(tap_data("sift-fvecs-tiledb/siftmicro_base.fvecs")) :
		   NULL;
	char *gp = tap_data("sift-fvecs-tiledb/groundtruth.ivecs") ?
		   xstrdup(tap_data("sift-fvecs-tiledb/groundtruth.ivecs")) :
		   NULL;
	void *xq = NULL, *xb = NULL, *gt = NULL;
	int dq = 0, db = 0, dg = 0, k = 10;
	long nq, nb, ng, out_of_range = 0;
	struct dense_index *ix = NULL;
	struct ns_err err;
	float *s1, *s2;
	int64_t *l1, *l2;

	if (!qp || !bp || !gp) {
		skip("no sift-fvecs-tiledb in $NEGSIEVE_DATA",
		     "IVF recall on SIFT micro");
		free(qp);
		free(bp);
		free(gp);
		return;
	}
	nq = read_vecs(qp, &xq, &dq);
	nb = read_vecs(bp, &xb, &db);
	ng = read_vecs(gp, &gt, &dg);
	is_int(nq, 100, "sift: 100 queries");
	is_int(nb, 100, "sift: 100 base vectors");
	is_int(dq, 128, "sift: 128 dims");
	/* ground truth refers to the 10k base, of which only 100 exist */
	for (long i = 0; i < ng * dg; i++)
		out_of_range += ((int32_t *)gt)[i] >= nb;
	is_int(out_of_range, 10000 - 142,
	       "sift: ground-truth ids >= 100 detected as out of range");

	err_clear(&err);
	is_int(dense_build("Flat", db, xb, nb, 0, &ix, &err), NS_OK,
	       "sift: Flat index");
	s1 = xmalloc((size_t)nq * k * sizeof(float));
	s2 = xmalloc((size_t)nq * k * sizeof(float));
	l1 = xmalloc((size_t)nq * k * sizeof(int64_t));
	l2 = xmalloc((size_t)nq * k * sizeof(int64_t));
	is_int(dense_search(ix, xq, nq, k, s1, l1, &err), NS_OK, "sift: search");
	brute(xq, nq, xb, nb, db, k, s2, l2);
	is_int(same(s1, l1, s2, l2, nq, k, 1e-6), 0,
	       "sift: Flat top-10 equals brute force");
	is_dbl(dense_recall(l1, l2, nq, k), 1.0, 0, "sift: recall 1");
	dense_free(ix);
	free(s1);
	free(s2);
	free(l1);
	free(l2);
	free(xq);
	free(xb);
	free(gt);
	free(qp);
	free(bp);
	free(gp);
}

/* @n vectors around @nc random centres, normalised. */
static float *
clustered(int64_t n, int d, int nc, uint64_t seed)
{
	float *c = xmalloc((size_t)nc * d * sizeof(float));
	float *x = xmalloc((size_t)n * d * sizeof(float));
	uint64_t st = seed;

	for (int64_t i = 0; i < (int64_t)nc * d; i++)
		c[i] = (float)(filter_rng_uniform(&st) * 2 - 1);
	for (int64_t i = 0; i < n; i++) {
		int64_t cc = (int64_t)(filter_rng_next(&st) % (uint64_t)nc);
		double norm = 0;

		for (int t = 0; t < d; t++) {
			float v = c[cc * d + t] +
				  0.3f * (float)(filter_rng_uniform(&st) - 0.5);
			x[i * d + t] = v;
			norm += v * v;
		}
		for (int t = 0; t < d; t++)
			x[i * d + t] /= (float)sqrt(norm);
	}
	free(c);
	return x;
}

static void
test_generated(void)
{
	const int d = 24, k = 7;
	const int64_t nb = 3000, nq = 40;
	float *xb = clustered(nb, d, 30, 1), *xq = clustered(nq, d, 30, 2);
	float s1[40 * 7], s2[40 * 7];
	int64_t l1[40 * 7], l2[40 * 7], np;
	struct dense_index *ix = NULL, *iy = NULL;
	struct ns_err err;
	char path[512], buf[64];
	double recall;

	err_clear(&err);
	is_int(dense_build("Flat", d, xb, nb, 0, &ix, &err), NS_OK,
	       "generated: Flat");
	dense_search(ix, xq, nq, k, s1, l1, &err);
	brute(xq, nq, xb, nb, d, k, s2, l2);
	is_int(same(s1, l1, s2, l2, nq, k, 1e-5), 0,
	       "generated: Flat equals brute force");
	is_int(dense_nlist(ix), 0, "Flat has no lists");
	dense_free(ix);

	ix = NULL;
	is_int(dense_build("IVF16,Flat", d, xb, nb, 1000, &ix, &err), NS_OK,
	       "generated: IVF16 trained on a sample");
	is_int(dense_nlist(ix), 16, "IVF16 has 16 lists");
	is_int(dense_tune(ix, xq, nq, k, 0.95, NULL, 0, &np, &recall, &err),
	       NS_OK, "tune nprobe (exhaustive probing as the reference)");
	ok(recall >= 0.95 && np >= 1 && np <= 16,
	   "tuned recall %.3f >= 0.95 at nprobe %lld", recall, (long long)np);
	dense_search(ix, xq, nq, k, s1, l1, &err);
	is_dbl(dense_recall(l1, l2, nq, k), recall, 1e-12,
	       "tuned recall is the recall against brute force");
	{
		double r2;
		int64_t np2;

		is_int(dense_tune(ix, xq, nq, k, 0.95, xb, nb, &np2, &r2, &err),
		       NS_OK, "tune nprobe (BLAS brute force as the reference)");
		ok(np2 == np && r2 == recall,
		   "same nprobe %lld and recall %.3f either way", (long long)np2,
		   r2);
	}
	{
		/* another index is measured as it is: 4-bit codes of 6
		 * dimensions each lose neighbours */
		struct dense_index *pq = NULL;
		double r = -1;
		int64_t np3 = 5;

		is_int(dense_build("PQ4x4", d, xb, nb, 0, &pq, &err), NS_OK,
		       "generated: PQ4x4");
		is_int(dense_tune(pq, xq, nq, k, 0.95, xb, nb, &np3, &r, &err),
		       NS_OK, "tune of an index without lists: measured");
		dense_search(pq, xq, nq, k, s1, l1, &err);
		ok(np3 == 0 && r < 0.95 && r == dense_recall(l1, l2, nq, k),
		   "... its recall %.3f against brute force, nprobe 0", r);
		is_int(dense_tune(pq, xq, nq, k, 0.95, NULL, 0, &np3, &r, &err),
		       NS_OK, "... and without the vectors");
		ok(np3 == 0 && r == 1.0, "... no reference: recall 1, nprobe 0");
		is_str(dense_tune_param(pq), NULL, "... nothing to tune");
		dense_free(pq);
	}
	{
		/* HNSW: efSearch doubles from max(k, 16) until the target,
		 * at most the vectors held or DENSE_EF_SEARCH_MAX */
		struct dense_index *hn = NULL, *big = NULL, *pt = NULL;
		const int k2 = 50;
		const int64_t nbig = 5000;
		float *xbig = clustered(nbig, d, 30, 3);
		float *s4 = xmalloc((size_t)nq * k2 * sizeof(float));
		int64_t *l4 = xmalloc((size_t)nq * k2 * sizeof(int64_t));
		double r = -1;
		int64_t ef = -1;

		is_int(dense_build("HNSW8", d, xb, nb, 0, &hn, &err), NS_OK,
		       "generated: HNSW8");
		is_str(dense_tune_param(hn), "efSearch",
		       "HNSW: efSearch is tuned");
		is_int(dense_ef_search(hn), 16, "... faiss's default: 16");
		is_int(dense_tune(hn, xq, nq, k, 0, xb, nb, &ef, &r, &err),
		       NS_OK, "tune efSearch to a target of 0");
		is_int(ef, 16, "... the first step: efSearch 16 at k 7");
		is_int(dense_tune(hn, xq, nq, k2, 0, xb, nb, &ef, &r, &err),
		       NS_OK, "... and at k 50");
		is_int(ef, 50, "... the first step: efSearch 50 = k");
		is_int(dense_tune(hn, xq, nq, k, 0.99, xb, nb, &ef, &r, &err),
		       NS_OK, "tune efSearch to 0.99");
		dense_search(hn, xq, nq, k, s1, l1, &err);
		ok(r >= 0.99 && ef >= 16 && (ef & (ef - 1)) == 0 &&
		   dense_ef_search(hn) == ef && r == dense_recall(l1, l2, nq, k),
		   "... recall %.3f at efSearch %lld (16 doubled), the index "
		   "left there", r, (long long)ef);
		/* (4 queries: a walk of thousands of candidates is slow) */
		is_int(dense_tune(hn, xq, 4, k, 1.5, xb, nb, &ef, &r, &err),
		       NS_OK, "an unreachable target");
		ok(ef == nb && dense_ef_search(hn) == nb,
		   "... efSearch stops at the %lld vectors held (%lld)",
		   (long long)nb, (long long)ef);
		dense_set_param(hn, "efSearch", 16, &err);
		is_int(dense_tune(hn, xq, nq, k, 0.99, NULL, 0, &ef, &r, &err),
		       NS_OK, "HNSW without the vectors");
		ok(ef == 0 && r == 1.0 && dense_ef_search(hn) == 16,
		   "... no reference: left as it is, recall 1, value 0");
		is_int(dense_build("HNSW4", d, xbig, nbig, 0, &big, &err),
		       NS_OK, "generated: HNSW4 over 5000 vectors");
		is_int(dense_tune(big, xq, 4, k2, 1.5, xbig, nbig, &ef, &r,
				  &err), NS_OK, "... an unreachable target");
		is_int(ef, DENSE_EF_SEARCH_MAX, "... efSearch stops at 4096");
		dense_search(big, xq, 1, k2, s4, l4, &err);
		is_int(l4[k2 - 1] >= 0, 1, "... and still finds k");
		/* through a transform, as faiss's ParameterSpace reaches it */
		is_int(dense_build("PCA16,HNSW8", d, xb, nb, 0, &pt, &err),
		       NS_OK, "generated: PCA16,HNSW8");
		is_str(dense_tune_param(pt), "efSearch",
		       "... efSearch is tuned under a transform");
		is_int(dense_set_param(pt, "efSearch", 77, &err), NS_OK,
		       "... set there");
		is_int(dense_ef_search(pt), 77, "... and read there");
		is_str(dense_tune_param(ix), "nprobe", "IVF: nprobe is tuned");
		dense_free(pt);
		dense_free(big);
		dense_free(hn);
		free(xbig);
		free(s4);
		free(l4);
	}
	is_int(dense_tune_sample(10000, 100), 200, "tune sample: 200 at k=100");
	is_int(dense_tune_sample(10000, 10), 500, "tune sample: at most 500");
	is_int(dense_tune_sample(10000, 1000), 100, "tune sample: at least 100");
	is_int(dense_tune_sample(40, 10), 40, "tune sample: at most all");
	is_int(dense_knn(xq, nq, xb, nb, d, k, s1, l1, &err), NS_OK,
	       "dense_knn");
	is_int(same(s1, l1, s2, l2, nq, k, 1e-5), 0,
	       "dense_knn equals brute force");
	{
		float s3[40 * 7];
		int64_t l3[40 * 7];

		is_int(dense_ivf_blas(-1), 1, "IVF,Flat scanned through BLAS "
		       "by default");
		for (int p = 1; p <= 16; p *= 4) {
			dense_set_param(ix, "nprobe", p, &err);
			dense_ivf_blas(0);
			ok(dense_search(ix, xq, nq, k, s3, l3, &err) == NS_OK,
			   "faiss's IVF scan, nprobe %d", p);
			dense_ivf_blas(1);
			ok(dense_search(ix, xq, nq, k, s1, l1, &err) == NS_OK,
			   "BLAS IVF scan, nprobe %d", p);
			ok(same(s1, l1, s3, l3, nq, k, 1e-5) == 0,
			   "BLAS scan equals faiss's scan at nprobe %d", p);
		}
		is_int(same(s1, l1, s2, l2, nq, k, 1e-5), 0,
		       "BLAS scan of all lists equals brute force");
		/* more neighbours than vectors in the probed list: -1 */
		dense_set_param(ix, "nprobe", 1, &err);
		{
			float *sb = xmalloc(2 * 400 * sizeof(float));
			float *sf = xmalloc(2 * 400 * sizeof(float));
			int64_t *lb = xmalloc(2 * 400 * sizeof(int64_t));
			int64_t *lf = xmalloc(2 * 400 * sizeof(int64_t));

			dense_ivf_blas(0);
			dense_search(ix, xq, 2, 400, sf, lf, &err);
			dense_ivf_blas(1);
			dense_search(ix, xq, 2, 400, sb, lb, &err);
			ok(lb[399] == -1 && lb[0] >= 0,
			   "short lists leave -1 at the end");
			is_int(same(sb, lb, sf, lf, 2, 400, 1e-5), 0,
			       "and equal faiss's scan");
			free(sb);
			free(sf);
			free(lb);
			free(lf);
		}
	}
	snprintf(path, sizeof(path), "%s/ix.faiss", tap_tmpdir());
	is_int(dense_save(ix, path, &err), NS_OK, "save index");
	is_int(dense_load(path, &iy, &err), NS_OK, "load index");
	is_int(dense_ntotal(iy), nb, "loaded index has all vectors");
	dense_free(ix);
	dense_free(iy);

	is_str(dense_auto_factory(1000, buf, sizeof(buf)), "Flat",
	       "auto: Flat when small");
	is_str(dense_auto_factory(199999, buf, sizeof(buf)), "Flat",
	       "auto: Flat below the threshold");
	is_str(dense_auto_factory(200000, buf, sizeof(buf)), "IVF2048,Flat",
	       "auto: IVF from the threshold, 4*sqrt(n) lists up to a power "
	       "of 2");
	is_str(dense_auto_factory(1000000, buf, sizeof(buf)), "IVF4096,Flat",
	       "auto: IVF4096 for 1M");
	is_str(dense_auto_factory(1048576, buf, sizeof(buf)), "IVF4096,Flat",
	       "auto: 4*sqrt(2^20) = 4096 exactly");
	is_str(dense_auto_factory(1048577, buf, sizeof(buf)), "IVF8192,Flat",
	       "auto: just above 2^20: 8192 lists");
	is_int(dense_auto_train(1000), 1000, "auto train: at most all");
	is_int(dense_auto_train(1000000), 204800,
	       "auto train: 50 per list for IVF4096");
	is_int(dense_auto_train(200000), 200000,
	       "auto train: 200000 for IVF2048");

	ix = NULL;
	err_clear(&err);
	is_int(dense_build("Bogus42", d, xb, nb, 0, &ix, &err), NS_EINPUT,
	       "bad factory string is bad input");
	is_str(err.msg, "faiss index 'Bogus42': could not parse index string "
	       "Bogus42", "bad factory message names it");
	ok(ix == NULL, "nothing returned on failure");
	snprintf(path, sizeof(path), "%s/missing.faiss", tap_tmpdir());
	is_int(dense_load(path, &ix, &err), NS_EINPUT, "missing index file");
	ok(strncmp(err.msg, path, strlen(path)) == 0 &&
	   strstr(err.msg, "No such file or directory"),
	   "missing index file named: %s", err.msg);
	{
		int64_t e[4] = { 1, 2, 3, -1 }, a[4] = { 2, 9, 9, 9 };

		is_dbl(dense_recall(a, e, 2, 2), 1.0 / 3, 1e-12,
		       "recall counts exact labels found, ignoring -1");
	}
	free(xb);
	free(xq);
}

/*
 * `auto`'s pilot on a whole job: clustered passages, where a few lists
 * hold a query's neighbours, take IVF; unstructured ones (every vector its
 * own random direction) take exact search, and the pilot stops probing
 * once the fraction of lists it would need already costs too much,
 * instead of going on to probe every list.
 */
static void
test_plan(void)
{
	const int d = 128, k = 32;
	const int64_t nb = 40000, nq = 5000;
	struct topk_opts o;
	struct dense_plan p;
	struct ns_err err;

	topk_opts_default(&o);
	for (int c = 0; c < 2; c++) {
		/* passages and queries around the same centres */
		float *x = clustered(nb + nq, d, c ? (int)(nb + nq) : 64,
				     11 + c);
		const char *what = c ? "unstructured" : "clustered";

		err_clear(&err);
		ok(dense_auto_plan(x + (size_t)nb * d, nq, x, nb, d, k, 0.95, 1,
				   &o, &p, &err) == NS_OK, "plan, %s: %s", what,
		   err.msg);
		if (c == 0) {
			ok(p.nlist == 256 && strstr(p.why, "IVF256: a pilot"),
			   "plan, clustered: IVF (%s)", p.why);
			ok(p.probe_frac > 0 && p.probe_frac < 0.1 &&
			   p.cost_ivf <= 0.7 * p.cost_exact,
			   "plan, clustered: %.3f of the lists, %.2f of exact",
			   p.probe_frac, p.cost_ivf / p.cost_exact);
			/* exact search 50 times as fast (a bf16 screen on a
			 * machine with a fast bf16 product): not worth it */
			err_clear(&err);
			ok(dense_auto_plan(x + (size_t)nb * d, nq, x, nb, d, k,
					   0.95, 50, &o, &p, &err) == NS_OK &&
			   p.nlist == 0 && strncmp(p.why, "exact: ", 7) == 0 &&
			   strstr(p.why, "(screened in bf16, 50.0x as fast as "
				  "f32)"),
			   "plan, clustered, exact 50x faster: exact (%s)",
			   p.why);
		} else {
			ok(p.nlist == 0 && strncmp(p.why, "exact: ", 7) == 0,
			   "plan, unstructured: exact (%s)", p.why);
			ok(strstr(p.why, "short of 0.95") && p.probe_frac < 1 &&
			   p.cost_ivf > 0.7 * p.cost_exact,
			   "plan, unstructured: probing stopped at %.3f of the "
			   "lists, where IVF would cost %.2f of exact",
			   p.probe_frac, p.cost_ivf / p.cost_exact);
		}
		free(x);
	}
}

/* Factory strings with a size of 0 are refused before faiss sees them
 * (it accepts them, then aborts or crashes); the usual ones pass. */
static void
test_factory_check(void)
{
	static const char *const good[] = {
		"Flat", "IVF1024,Flat", "HNSW32", "IVF4096,PQ16x8",
		"IVF16_HNSW32,Flat", "PCA64,IVF1024,Flat", "IVF100,SQ8",
		"OPQ16_64,IVF256,PQ16", "IVF1000,Flat",
	};
	static const char *const bad[] = {
		"IVF0,Flat", "HNSW0", "IVF8,PQ0", "IVF8,PQ8x0",
		"IVF16_HNSW0,Flat", "PCA0,Flat", "IVF00,Flat",
	};

	for (size_t i = 0; i < NS_ARRAY_SIZE(good); i++)
		ok(dense_factory_check(good[i]) == NULL, "factory %s passes",
		   good[i]);
	for (size_t i = 0; i < NS_ARRAY_SIZE(bad); i++) {
		const char *why = dense_factory_check(bad[i]);

		ok(why && strstr(why, "size of 0"), "factory %s refused: %s",
		   bad[i], why ? why : "(passed)");
	}
}

int
main(void)
{
	test_factory_check();
	test_sift();
	test_generated();
	test_plan();
	return tap_done();
}
