/*
 * dense.c - faiss search through its C API (see dense.h).  This file is
 * the one adapter from faiss errors to ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>

#include "src/dense.h"
#include "src/faiss_extra.h"
#include "src/kmeans.h"
#include "src/util.h"

struct dense_index {
	FaissIndex *ix;		/* owned */
	struct gemm_kernel *kn;	/* IVF list scans (NULL: OpenBLAS) */
};

/* IVF,Flat search through BLAS (ns_faiss_ivf_flat_search), or faiss's own
 * scan when 0 (dense_ivf_blas()). */
static int dense_blas_scan = 1;

/* faiss's messages read "Error in FUNCTION at FILE:LINE: message"; keep
 * only the message for the user. */
static const char *
dense_faiss_msg(void)
{
	const char *m = faiss_get_last_error(), *at;

	if (!m)
		return "faiss error";
	if (strncmp(m, "Error in ", 9) == 0 && (at = strstr(m, " at ")))
		for (const char *p = at; *p; p++)
			if (p[0] == ':' && p[1] >= '0' && p[1] <= '9') {
				const char *q = p + 1;

				while (*q >= '0' && *q <= '9')
					q++;
				if (q[0] == ':' && q[1] == ' ')
					return q + 2;
			}
	return m;
}

static enum ns_rc
dense_fail(struct ns_err *err, const char *what)
{
	const char *m = dense_faiss_msg();

	return err_set(err, NS_EINPUT, "%s: %s", what, m);
}

static int64_t
dense_nlist_of(FaissIndex *ix)
{
	FaissIndexIVF *ivf = faiss_IndexIVF_cast(ix);

	return ivf ? (int64_t)faiss_IndexIVF_nlist(ivf) : 0;
}

/* An inner-product IVF..,Flat index trained and filled on our engine:
 * spherical k-means on the strided sample, every vector assigned to its
 * list by one exact search of the centroids.  Returns 1 when @ix is not
 * of that kind (nothing done). */
static int
dense_fill_ivf(FaissIndex *ix, int dim, const float *xb, int64_t nb,
	       int64_t train_max, int niter, const struct topk_opts *o,
	       struct ns_err *err)
{
	int64_t nlist = dense_nlist_of(ix), nt = nb;
	float *sample = NULL, *cent;
	int64_t *assign;
	enum ns_rc rc;
	int r;

	if (nlist <= 0 || nlist > nb || !ns_faiss_ivf_settable(ix))
		return 1;
	if (train_max > 0 && nb > train_max) {
		nt = train_max;
		sample = xmalloc((size_t)nt * (size_t)dim * sizeof(float));
		for (int64_t i = 0; i < nt; i++)
			memcpy(sample + (size_t)i * (size_t)dim,
			       xb + (size_t)(i * nb / nt) * (size_t)dim,
			       (size_t)dim * sizeof(float));
	}
	cent = xmalloc((size_t)nlist * (size_t)dim * sizeof(float));
	rc = kmeans_train(sample ? sample : xb, nt, dim, (int)nlist, niter, o,
			  cent, err);
	free(sample);
	if (rc == NS_OK && (r = ns_faiss_ivf_set_centroids(ix, cent)) != 0) {
		free(cent);
		return r > 0 ? 1 : err_set(err, NS_EINTERNAL, "faiss: cannot "
					   "set the IVF centroids");
	}
	assign = xmalloc((size_t)(nb > 0 ? nb : 1) * sizeof(*assign));
	if (rc == NS_OK)
		rc = kmeans_assign(xb, nb, dim, cent, (int)nlist, o, assign,
				   err);
	if (rc == NS_OK && ns_faiss_ivf_add_assigned(ix, nb, xb, assign))
		rc = err_set(err, NS_EINTERNAL, "faiss: adding %lld vectors "
			     "to their lists failed", (long long)nb);
	free(assign);
	free(cent);
	return rc == NS_OK ? 0 : -1;
}

const char *
dense_factory_check(const char *factory)
{
	/* a number of 0 right after a letter, 'x' or '_' (IVF0, HNSW0,
	 * PQ0, PQ8x0, IVF16_HNSW0) */
	for (const char *s = factory; *s; s++) {
		if (*s < '0' || *s > '9' || s == factory ||
		    (s[-1] >= '0' && s[-1] <= '9'))
			continue;
		if (s[-1] != 'x' && s[-1] != '_' &&
		    !((s[-1] >= 'A' && s[-1] <= 'Z') ||
		      (s[-1] >= 'a' && s[-1] <= 'z')))
			continue;
		if (strtol(s, NULL, 10) == 0)
			return "a size of 0 (lists, links, sub-quantizers "
			       "and bits must be at least 1)";
	}
	return NULL;
}

enum ns_rc
dense_build(const char *factory, int dim, const float *xb, int64_t nb,
	    int64_t train_max, struct dense_index **out, struct ns_err *err)
{
	return dense_build_ex(factory, dim, xb, nb, train_max, 0, NULL, out,
			      err);
}

enum ns_rc
dense_build_ex(const char *factory, int dim, const float *xb, int64_t nb,
	       int64_t train_max, int niter, const struct topk_opts *engine,
	       struct dense_index **out, struct ns_err *err)
{
	FaissIndex *ix = NULL;
	char what[300];

	snprintf(what, sizeof(what), "faiss index '%s'", factory);
	if (faiss_index_factory(&ix, dim, factory, METRIC_INNER_PRODUCT))
		return dense_fail(err, what);
	if (engine && niter > 0) {
		int r = dense_fill_ivf(ix, dim, xb, nb, train_max, niter,
				       engine, err);

		if (r < 0) {
			faiss_Index_free(ix);
			return err->rc ? err->rc : NS_EINTERNAL;
		}
		if (r == 0) {
			*out = xcalloc(1, sizeof(**out));
			(*out)->ix = ix;
			return NS_OK;
		}
	}
	if (!faiss_Index_is_trained(ix)) {
		float *sample = NULL;
		const float *t = xb;
		int64_t nt = nb;
		int rc;

		if (train_max > 0 && nb > train_max) {
			/* strided, so ordered data still trains well */
			sample = xmalloc((size_t)train_max * (size_t)dim *
					 sizeof(float));
			for (int64_t i = 0; i < train_max; i++)
				memcpy(sample + (size_t)i * (size_t)dim,
				       xb + (size_t)(i * nb / train_max) *
						    (size_t)dim,
				       (size_t)dim * sizeof(float));
			t = sample;
			nt = train_max;
		}
		rc = faiss_Index_train(ix, nt, t);
		free(sample);
		if (rc) {
			faiss_Index_free(ix);
			return dense_fail(err, what);
		}
	}
	if (faiss_Index_add(ix, nb, xb)) {
		faiss_Index_free(ix);
		return dense_fail(err, what);
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->ix = ix;
	return NS_OK;
}

enum ns_rc
dense_set_gemm(struct dense_index *ix, enum gemm_lib lib, struct ns_err *err)
{
	struct gemm_kernel *kn = NULL;
	enum ns_rc rc;

	if ((rc = gemm_kernel_new(lib, GEMM_F32, dense_dim(ix), &kn, err)))
		return rc;
	gemm_kernel_free(ix->kn);
	ix->kn = kn;
	return NS_OK;
}

enum ns_rc
dense_save(const struct dense_index *ix, const char *path, struct ns_err *err)
{
	if (faiss_write_index_fname(ix->ix, path))
		return dense_fail(err, path);
	return NS_OK;
}

enum ns_rc
dense_load(const char *path, struct dense_index **out, struct ns_err *err)
{
	FaissIndex *ix = NULL;

	if (faiss_read_index_fname(path, 0, &ix))
		return dense_fail(err, path);
	*out = xcalloc(1, sizeof(**out));
	(*out)->ix = ix;
	return NS_OK;
}

void
dense_free(struct dense_index *ix)
{
	if (!ix)
		return;
	faiss_Index_free(ix->ix);
	gemm_kernel_free(ix->kn);
	free(ix);
}

int
dense_dim(const struct dense_index *ix)
{
	return faiss_Index_d(ix->ix);
}

int64_t
dense_ntotal(const struct dense_index *ix)
{
	return faiss_Index_ntotal(ix->ix);
}

int64_t
dense_nlist(const struct dense_index *ix)
{
	return dense_nlist_of(ix->ix);
}

int64_t
dense_ef_search(const struct dense_index *ix)
{
	return ns_faiss_hnsw_ef_search(ix->ix);
}

const char *
dense_tune_param(const struct dense_index *ix)
{
	return dense_nlist(ix) > 0 ? "nprobe" :
	       dense_ef_search(ix) > 0 ? "efSearch" : NULL;
}

enum ns_rc
dense_set_param(struct dense_index *ix, const char *name, double value,
		struct ns_err *err)
{
	FaissParameterSpace *ps = NULL;
	char what[128];
	int rc;

	snprintf(what, sizeof(what), "setting %s=%g", name, value);
	if (faiss_ParameterSpace_new(&ps))
		return dense_fail(err, what);
	rc = faiss_ParameterSpace_set_index_parameter(ps, ix->ix, name, value);
	faiss_ParameterSpace_free(ps);
	return rc ? dense_fail(err, what) : NS_OK;
}

enum ns_rc
dense_search(const struct dense_index *ix, const float *xq, int64_t nq,
	     int k, float *dist, int64_t *label, struct ns_err *err)
{
	if (dense_blas_scan) {
		int rc = ns_faiss_ivf_flat_search(ix->ix, nq, xq, k, dist,
						  label, ix->kn);

		if (rc == 0)
			return NS_OK;
		if (rc < 0)
			return err_set(err, NS_EINTERNAL, "IVF search of %lld "
				       "queries failed", (long long)nq);
	}
	if (faiss_Index_search(ix->ix, nq, xq, k, dist, label))
		return dense_fail(err, "faiss search");
	return NS_OK;
}

int
dense_ivf_blas(int on)
{
	int was = dense_blas_scan;

	if (on >= 0)
		dense_blas_scan = on != 0;
	return was;
}

/* The number of lists `auto` picks for @nb vectors: faiss's guideline of
 * 4*sqrt(n) to 16*sqrt(n) lists, at its low end, rounded up to a power
 * of two.  Many small lists suit the BLAS scan: a query's neighbours sit
 * in fewer vectors (ns_faiss_ivf_flat_search costs one sgemm per probed
 * list, not a dot product per vector). */
static int64_t
dense_auto_nlist(int64_t nb)
{
	int64_t nlist = 1;

	while (nlist * nlist < 16 * nb)
		nlist *= 2;
	return nlist;
}

const char *
dense_auto_factory(int64_t nb, char *buf, size_t size)
{
	if (nb < DENSE_AUTO_FLAT_MAX)
		snprintf(buf, size, "Flat");
	else
		snprintf(buf, size, "IVF%lld,Flat",
			 (long long)dense_auto_nlist(nb));
	return buf;
}

int64_t
dense_auto_train(int64_t nb)
{
	int64_t t = 200000;

	if (nb >= DENSE_AUTO_FLAT_MAX && 50 * dense_auto_nlist(nb) > t)
		t = 50 * dense_auto_nlist(nb);
	return t < nb ? t : nb;
}

double
dense_recall(const int64_t *approx, const int64_t *exact, int64_t nq, int k)
{
	int64_t want = 0, found = 0;

	for (int64_t q = 0; q < nq; q++) {
		const int64_t *e = exact + q * k, *a = approx + q * k;

		for (int i = 0; i < k; i++) {
			if (e[i] < 0)
				continue;
			want++;
			for (int j = 0; j < k; j++)
				if (a[j] == e[i]) {
					found++;
					break;
				}
		}
	}
	return want ? (double)found / (double)want : 1.0;
}

int64_t
dense_tune_sample(int64_t nq, int k)
{
	int64_t ns = k > 0 ? 20000 / k : 500;

	ns = ns < 100 ? 100 : ns > 500 ? 500 : ns;
	return ns < nq ? ns : nq;
}

enum ns_rc
dense_knn(const float *xq, int64_t nq, const float *xb, int64_t nb, int dim,
	  int k, float *dist, int64_t *label, struct ns_err *err)
{
	if (ns_faiss_knn_ip(xq, xb, (size_t)dim, (size_t)nq, (size_t)nb,
			    (size_t)k, dist, label))
		return err_set(err, NS_EINTERNAL, "exact search of %lld "
			       "queries among %lld vectors failed",
			       (long long)nq, (long long)nb);
	return NS_OK;
}

enum ns_rc
dense_tune(struct dense_index *ix, const float *xs, int64_t ns, int k,
	   double target, const float *xb, int64_t nb, int64_t *value,
	   double *recall, struct ns_err *err)
{
	return dense_tune_ex(ix, xs, ns, k, target, xb, nb, NULL, value,
			     recall, err);
}

enum ns_rc
dense_tune_ex(struct dense_index *ix, const float *xs, int64_t ns, int k,
	      double target, const float *xb, int64_t nb,
	      const struct topk_opts *engine, int64_t *value, double *recall,
	      struct ns_err *err)
{
	const char *param = dense_tune_param(ix);
	int64_t nlist = dense_nlist(ix), lo = 0, hi = 0, v;
	size_t m = (size_t)ns * (size_t)k;
	float *d = NULL;
	int64_t *exact = NULL, *approx = NULL;
	enum ns_rc rc;

	*value = 0;
	*recall = 1.0;
	/* without the vectors only IVF has a reference (all lists) */
	if (ns <= 0 || (nlist <= 0 && !xb))
		return NS_OK;
	if (nlist > 0) {
		lo = 1;
		hi = nlist;
	} else if (param) {
		/* HNSW: faiss's default efSearch (16) suits a top 1 or so;
		 * a walk that stops short of k candidates can hardly find
		 * the top k, and one longer than the vectors held finds
		 * nothing more */
		lo = k > 16 ? k : 16;
		hi = dense_ntotal(ix) < DENSE_EF_SEARCH_MAX ?
			     dense_ntotal(ix) : DENSE_EF_SEARCH_MAX;
		if (hi < 1)
			hi = 1;
		if (lo > hi)
			lo = hi;
	}
	d = xmalloc(m * sizeof(*d));
	exact = xmalloc(m * sizeof(*exact));
	approx = xmalloc(m * sizeof(*approx));
	if (xb && engine) {
		struct topk_opts o = *engine;
		struct topk *t = NULL;

		o.type = GEMM_F32;
		o.stream = false;
		/* a few hundred queries: our own kernel's copy of the whole
		 * corpus would not pay (a library packs what it multiplies) */
		if (o.lib == GEMM_AVX512)
			o.lib = gemm_lib_available(GEMM_ONEDNN) ? GEMM_ONEDNN :
								  GEMM_OPENBLAS;
		if ((rc = topk_new(xb, nb, dense_dim(ix), &o, &t, err)) ==
		    NS_OK)
			rc = topk_search(t, xs, ns, k, d, exact, err);
		topk_free(t);
	} else if (xb)
		rc = dense_knn(xs, ns, xb, nb, dense_dim(ix), k, d, exact, err);
	else if ((rc = dense_set_param(ix, "nprobe", (double)nlist, err)) ==
		 NS_OK)
		rc = dense_search(ix, xs, ns, k, d, exact, err);
	if (rc)
		goto out;
	/* IVF and HNSW: the parameter doubles until the target or its cap;
	 * another index (PQ, ...) is searched once, as it is (lo = hi = 0) */
	for (v = lo;; v = v * 2 > hi ? hi : v * 2) {
		if ((param &&
		     (rc = dense_set_param(ix, param, (double)v, err))) ||
		    (rc = dense_search(ix, xs, ns, k, d, approx, err)))
			goto out;
		*recall = dense_recall(approx, exact, ns, k);
		*value = v;
		if (*recall >= target || v >= hi)
			break;
	}
out:
	free(d);
	free(exact);
	free(approx);
	return rc;
}

/* ---- whole-job planning ------------------------------------------------ */

/* Rounds of k-means and training vectors per list of `auto`'s IVF: the
 * lists need not be perfect, only cheap (the scan is exact). */
#define PLAN_NITER 4
/* The pilot's k-means rounds: its centroids only have to show how far
 * queries lie from their lists.  With 2 instead of 4 it took 0.43 instead
 * of 0.53 s from the start on 1M x 50k x 128 (bench/limit.sh ivf) and the
 * fraction it measured rose from 0.10% to 0.78% of the lists with 1000
 * clusters (the real index, trained in 4, is tuned on its own) and
 * stayed 25% short of recall with 16,000. */
#define PLAN_PILOT_NITER 2
#define PLAN_TRAIN_PER_LIST 32

/* List scans run at this fraction of a large product's rate. */
#define PLAN_SCAN_EFF 0.5

static double
plan_ivf_cost(int64_t nq, int64_t nb, int dim, int64_t nlist, int64_t train,
	      int niter, double frac, int64_t ns)
{
	double d = dim;

	return d * ((double)niter * (double)train * (double)nlist +
		    (double)nb * (double)nlist +		/* assign */
		    (double)nq * (double)nlist +		/* quantize */
		    (double)ns * (double)nb +			/* tuning */
		    (double)nq * frac * (double)nb / PLAN_SCAN_EFF);
}

double
dense_plan_search_cost(const struct dense_plan *plan, int64_t nq, int64_t nb,
		       int dim, int64_t nprobe)
{
	double frac = plan->nlist > 0 ? (double)nprobe / plan->nlist : 1;

	return (double)dim * ((double)nq * (double)plan->nlist +
			      (double)nq * frac * (double)nb / PLAN_SCAN_EFF);
}

enum ns_rc
dense_auto_plan(const float *xq, int64_t nq, const float *xb, int64_t nb,
		int dim, int k, double target, double exact_speed,
		const struct topk_opts *engine, struct dense_plan *p,
		struct ns_err *err)
{
	const int64_t ns_pilot = 200;
	int64_t nlist = 1, nb_p, nlist_p, ns, np;
	int k_p;
	float *sub = NULL, *d = NULL;
	int64_t *exact = NULL, *approx = NULL;
	struct dense_index *ix = NULL;
	struct topk *t = NULL;
	char factory[64];
	double recall = 0;
	int64_t tried = 0;	/* > 0: stopped short at this nprobe */
	enum ns_rc rc = NS_OK;

	memset(p, 0, sizeof(*p));
	snprintf(p->factory, sizeof(p->factory), "Flat");
	p->cost_exact = (double)nq * (double)nb * dim /
			(exact_speed > 1 ? exact_speed : 1);
	/* the power of two nearest sqrt(nb) lists */
	while (nlist * nlist * 2 < nb)
		nlist *= 2;
	if (nb < 20000 || nlist < 64 || nq < 1000 || nb / 16 < nlist) {
		snprintf(p->why, sizeof(p->why), "exact: %lld queries x %lld "
			 "passages is too small a job for an index to pay off",
			 (long long)nq, (long long)nb);
		return NS_OK;
	}
	/* the pilot: the same lists over 1/16 of the passages, depth k/16
	 * (a query's k/16 nearest in the sample lie about as far as its k
	 * nearest in the whole), so the fraction of lists to probe carries
	 * over; fewer lists would not: each would mix more of the data's
	 * clusters than the real ones do */
	nb_p = nb / 16;
	nlist_p = nlist;
	k_p = k / 16 > 0 ? k / 16 : 1;
	ns = nq < ns_pilot ? nq : ns_pilot;
	sub = xmalloc((size_t)nb_p * (size_t)dim * sizeof(float));
	for (int64_t i = 0; i < nb_p; i++)
		memcpy(sub + (size_t)i * dim,
		       xb + (size_t)(i * nb / nb_p) * dim,
		       (size_t)dim * sizeof(float));
	d = xmalloc((size_t)ns * k_p * sizeof(float));
	exact = xmalloc((size_t)ns * k_p * sizeof(int64_t));
	approx = xmalloc((size_t)ns * k_p * sizeof(int64_t));
	snprintf(factory, sizeof(factory), "IVF%lld,Flat", (long long)nlist_p);
	{
		struct topk_opts o = *engine;

		o.stream = false;
		if ((rc = topk_new(sub, nb_p, dim, &o, &t, err)) ||
		    (rc = topk_search(t, xq, ns, k_p, d, exact, err)))
			goto out;
	}
	if ((rc = dense_build_ex(factory, dim, sub, nb_p,
				 PLAN_TRAIN_PER_LIST * nlist_p,
				 PLAN_PILOT_NITER, engine, &ix, err)) ||
	    (rc = dense_set_gemm(ix, engine->lib, err)))
		goto out;
	p->nlist = nlist;
	p->train = PLAN_TRAIN_PER_LIST * nlist < nb ? PLAN_TRAIN_PER_LIST *
		   nlist : nb;
	p->niter = PLAN_NITER;
	for (np = 1;; np = np * 2 > nlist_p ? nlist_p : np * 2) {
		int64_t next = np * 2 > nlist_p ? nlist_p : np * 2;

		if ((rc = dense_set_param(ix, "nprobe", (double)np, err)) ||
		    (rc = dense_search(ix, xq, ns, k_p, d, approx, err)))
			goto out;
		recall = dense_recall(approx, exact, ns, k_p);
		if (recall >= target || np >= nlist_p)
			break;
		/* probing the next fraction would already cost too much:
		 * the probes of many lists are the pilot's dearest part */
		if (plan_ivf_cost(nq, nb, dim, nlist, p->train, p->niter,
				  (double)next / nlist_p,
				  dense_tune_sample(nq, k)) >
		    0.7 * p->cost_exact) {
			tried = np;
			np = next;
			break;
		}
	}
	p->probe_frac = (double)np / (double)nlist_p;
	p->cost_ivf = plan_ivf_cost(nq, nb, dim, nlist, p->train, p->niter,
				    p->probe_frac, dense_tune_sample(nq, k));
	if (tried) {
		p->nlist = 0;
		snprintf(p->why, sizeof(p->why), "exact: a pilot on 1/16 of "
			 "the passages reached recall@%d %.3f probing %.2f%% "
			 "of the lists, short of %.2f; at %.2f%% or more IVF "
			 "(training, assigning, searching) would take %.0f%% "
			 "of exact search or more", k_p, recall,
			 100.0 * tried / nlist_p, target, 100 * p->probe_frac,
			 100 * p->cost_ivf / p->cost_exact);
	} else if (p->cost_ivf <= 0.7 * p->cost_exact) {
		snprintf(p->factory, sizeof(p->factory), "IVF%lld,Flat",
			 (long long)nlist);
		snprintf(p->why, sizeof(p->why), "IVF%lld: a pilot on 1/16 "
			 "of the passages reached recall@%d %.3f probing "
			 "%.2f%% of the lists, so training, assigning and "
			 "searching should take %.0f%% of exact search",
			 (long long)nlist, k_p, recall, 100 * p->probe_frac,
			 100 * p->cost_ivf / p->cost_exact);
	} else {
		p->nlist = 0;
		snprintf(p->why, sizeof(p->why), "exact: a pilot on 1/16 of "
			 "the passages needed %.2f%% of the lists for "
			 "recall@%d %.3f, so IVF (training, assigning, "
			 "searching) would take %.0f%% of exact search",
			 100 * p->probe_frac, k_p, recall,
			 100 * p->cost_ivf / p->cost_exact);
	}
	if (exact_speed > 1) {
		size_t len = strlen(p->why);

		snprintf(p->why + len, sizeof(p->why) - len, " (screened in "
			 "bf16, %.1fx as fast as f32)", exact_speed);
	}
out:
	dense_free(ix);
	topk_free(t);
	free(sub);
	free(d);
	free(exact);
	free(approx);
	return rc;
}
