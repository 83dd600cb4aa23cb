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
#include "src/util.h"

struct dense_index {
	FaissIndex *ix;		/* owned */
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

enum ns_rc
dense_build(const char *factory, int dim, const float *xb, int64_t nb,
	    int64_t train_max, struct dense_index **out, struct ns_err *err)
{
	FaissIndex *ix = NULL;
	char what[300];

	snprintf(what, sizeof(what), "faiss index '%s'", factory);
	if (faiss_index_factory(&ix, dim, factory, METRIC_INNER_PRODUCT))
		return dense_fail(err, what);
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
	*out = xmalloc(sizeof(**out));
	(*out)->ix = ix;
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
	*out = xmalloc(sizeof(**out));
	(*out)->ix = ix;
	return NS_OK;
}

void
dense_free(struct dense_index *ix)
{
	if (!ix)
		return;
	faiss_Index_free(ix->ix);
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
	FaissIndexIVF *ivf = faiss_IndexIVF_cast(ix->ix);

	return ivf ? (int64_t)faiss_IndexIVF_nlist(ivf) : 0;
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
						  label);

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
	   double target, const float *xb, int64_t nb, int64_t *nprobe,
	   double *recall, struct ns_err *err)
{
	int64_t nlist = dense_nlist(ix), np;
	size_t m = (size_t)ns * (size_t)k;
	float *d = NULL;
	int64_t *exact = NULL, *approx = NULL;
	enum ns_rc rc;

	*nprobe = 0;
	*recall = 1.0;
	if (nlist <= 0 || ns <= 0)
		return NS_OK;
	d = xmalloc(m * sizeof(*d));
	exact = xmalloc(m * sizeof(*exact));
	approx = xmalloc(m * sizeof(*approx));
	if (xb)
		rc = dense_knn(xs, ns, xb, nb, dense_dim(ix), k, d, exact, err);
	else if ((rc = dense_set_param(ix, "nprobe", (double)nlist, err)) ==
		 NS_OK)
		rc = dense_search(ix, xs, ns, k, d, exact, err);
	if (rc)
		goto out;
	for (np = 1;; np = np * 2 > nlist ? nlist : np * 2) {
		if ((rc = dense_set_param(ix, "nprobe", (double)np, err)) ||
		    (rc = dense_search(ix, xs, ns, k, d, approx, err)))
			goto out;
		*recall = dense_recall(approx, exact, ns, k);
		*nprobe = np;
		if (*recall >= target || np >= nlist)
			break;
	}
out:
	free(d);
	free(exact);
	free(approx);
	return rc;
}
