/*
 * mine.c - the dense mining core (see mine.h).
 */
#include <math.h>
#include <stdlib.h>

#include "mine.h"
#include "util.h"

int64_t
mine_find_row(const int64_t *ids, int64_t n, int64_t id)
{
	int64_t lo = 0, hi = n;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == id ? lo : -1;
}

float
mine_dot(const float *a, const float *b, int dim)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int i = 0;

	for (; i + 4 <= dim; i += 4) {
		s0 += a[i] * b[i];
		s1 += a[i + 1] * b[i + 1];
		s2 += a[i + 2] * b[i + 2];
		s3 += a[i + 3] * b[i + 3];
	}
	for (; i < dim; i++)
		s0 += a[i] * b[i];
	return (s0 + s1) + (s2 + s3);
}

float
mine_cosine(const float *a, const float *b, int dim)
{
	float ab = mine_dot(a, b, dim), aa = mine_dot(a, a, dim),
	      bb = mine_dot(b, b, dim);

	return aa > 0 && bb > 0 ? ab / sqrtf(aa * bb) : 0;
}

enum ns_rc
mine_dense(const struct mine_in *in, const struct dense_index *ix, int k,
	   int64_t batch, const struct filter_params *fp, struct summary *sum,
	   mine_sink_fn sink, void *arg, struct progress *pr,
	   struct ns_err *err)
{
	size_t m = (size_t)batch * (size_t)k;
	float *dist = xmalloc(m * sizeof(*dist));
	int64_t *lab = xmalloc(m * sizeof(*lab));
	struct filter_cand *c = xmalloc((size_t)k * sizeof(*c));
	size_t posmax = 16;
	int64_t *prow = xmalloc(posmax * sizeof(*prow));
	double *pscore = xmalloc(posmax * sizeof(*pscore));
	double *pvalid = xmalloc(posmax * sizeof(*pvalid));
	enum ns_rc rc = NS_OK;
	const int d = in->dim;

	for (int64_t q0 = 0; q0 < in->nq && rc == NS_OK; q0 += batch) {
		int64_t nb = in->nq - q0 < batch ? in->nq - q0 : batch;

		rc = dense_search(ix, in->qv + (size_t)q0 * (size_t)d, nb, k,
				  dist, lab, err);
		for (int64_t qi = q0; qi < q0 + nb && rc == NS_OK; qi++) {
			const float *qv = in->qv + (size_t)qi * (size_t)d;
			const int64_t *pos = in->pos_pid + in->pos_off[qi];
			size_t npos = (size_t)(in->pos_off[qi + 1] -
					       in->pos_off[qi]);
			size_t nvalid = 0, n = 0;
			double anchor;

			if (npos > posmax) {
				posmax = npos;
				prow = xrealloc(prow, posmax * sizeof(*prow));
				pscore = xrealloc(pscore,
						  posmax * sizeof(*pscore));
				pvalid = xrealloc(pvalid,
						  posmax * sizeof(*pvalid));
			}
			for (size_t j = 0; j < npos; j++) {
				prow[j] = mine_find_row(in->pids, in->np,
							pos[j]);
				pscore[j] = prow[j] < 0 ? NAN :
					mine_dot(qv, in->pv + (size_t)prow[j] *
							      (size_t)d, d);
				if (prow[j] >= 0)
					pvalid[nvalid++] = pscore[j];
			}
			anchor = filter_anchor_score(pvalid, nvalid,
						     fp->anchor);
			for (int r = 0; r < k; r++) {
				int64_t row = lab[(qi - q0) * k + r];
				struct filter_cand *x = &c[n];
				uint64_t h;

				if (row < 0 || row >= in->np)
					continue;
				x->passage_id = in->pids[row];
				x->rank = (int)n + 1;
				x->score = dist[(qi - q0) * k + r];
				x->is_positive = false;
				x->same_text = false;
				x->dup_sim = NAN;
				h = in->phash ? in->phash[row] : 0;
				if (h && in->qhash && h == in->qhash[qi])
					x->same_text = true;
				for (size_t j = 0; j < npos; j++) {
					double cs;

					if (pos[j] == x->passage_id)
						x->is_positive = true;
					if (prow[j] < 0 || prow[j] == row)
						continue;
					if (h && in->phash[prow[j]] == h)
						x->same_text = true;
					cs = mine_cosine(in->pv + (size_t)row *
							 (size_t)d,
							 in->pv + (size_t)prow[j] *
							 (size_t)d, d);
					if (isnan(x->dup_sim) || cs > x->dup_sim)
						x->dup_sim = cs;
				}
				n++;
			}
			filter_apply(fp, in->qids[qi], anchor, c, n);
			summary_add_query(sum, pvalid, nvalid, anchor, c, n,
					  fp->num_negatives);
			rc = sink(arg, in->qids[qi], c, n, pos, pscore, npos,
				  err);
			if (pr)
				progress_update(pr, qi + 1);
		}
	}
	free(dist);
	free(lab);
	free(c);
	free(prow);
	free(pscore);
	free(pvalid);
	return rc;
}
