/*
 * mine.c - the dense mining core (see mine.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "src/mine.h"
#include "src/util.h"

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

/* One batch's search, run on a thread of its own while the caller
 * filters and stores the previous batch. */
struct mine_search {
	const struct dense_index *ix;	/* NULL: exact over pv */
	const float *pv;
	int64_t np;
	int dim;
	const float *xq;
	int64_t nq;
	int k;
	float *dist;
	int64_t *lab;
	enum ns_rc rc;
	struct ns_err err;
	pthread_t th;
	bool running;
};

static void *
mine_search_main(void *arg)
{
	struct mine_search *s = arg;

	if (s->ix)
		s->rc = dense_search(s->ix, s->xq, s->nq, s->k, s->dist,
				     s->lab, &s->err);
	else
		s->rc = dense_knn(s->xq, s->nq, s->pv, s->np, s->dim, s->k,
				  s->dist, s->lab, &s->err);
	return NULL;
}

/* Start the search of queries [q0, q0+nb) into @s (on a thread when
 * @overlap, else at once). */
static void
mine_search_start(struct mine_search *s, const struct mine_in *in,
		  const struct dense_index *ix, int k, int64_t q0, int64_t nb,
		  bool overlap)
{
	s->ix = ix;
	s->pv = in->pv;
	s->np = in->np;
	s->dim = in->dim;
	s->xq = in->qv + (size_t)q0 * (size_t)in->dim;
	s->nq = nb;
	s->k = k;
	s->rc = NS_OK;
	err_clear(&s->err);
	s->running = overlap && pthread_create(&s->th, NULL, mine_search_main,
					       s) == 0;
	if (!s->running)
		mine_search_main(s);
}

static enum ns_rc
mine_search_wait(struct mine_search *s, struct ns_err *err)
{
	if (s->running)
		pthread_join(s->th, NULL);
	s->running = false;
	if (s->rc != NS_OK && err)
		*err = s->err;
	return s->rc;
}

enum ns_rc
mine_dense(const struct mine_in *in, const struct dense_index *ix, int k,
	   int64_t batch, const struct filter_params *fp, struct summary *sum,
	   mine_sink_fn sink, void *arg, struct progress *pr,
	   struct ns_err *err)
{
	return mine_dense_ex(in, ix, k, batch, true, fp, sum, sink, arg, pr,
			     err);
}

enum ns_rc
mine_dense_ex(const struct mine_in *in, const struct dense_index *ix, int k,
	      int64_t batch, bool overlap, const struct filter_params *fp,
	      struct summary *sum, mine_sink_fn sink, void *arg,
	      struct progress *pr, struct ns_err *err)
{
	size_t m = (size_t)batch * (size_t)k;
	struct mine_search srch[2];
	struct filter_cand *c = xmalloc((size_t)k * sizeof(*c));
	size_t posmax = 16;
	int64_t *prow = xmalloc(posmax * sizeof(*prow));
	double *pscore = xmalloc(posmax * sizeof(*pscore));
	double *pvalid = xmalloc(posmax * sizeof(*pvalid));
	enum ns_rc rc = NS_OK;
	const int d = in->dim;
	int cur = 0;

	memset(srch, 0, sizeof(srch));
	for (int i = 0; i < 2; i++) {
		srch[i].dist = xmalloc(m * sizeof(float));
		srch[i].lab = xmalloc(m * sizeof(int64_t));
	}
	if (in->nq > 0)
		mine_search_start(&srch[0], in, ix, k, 0,
				  in->nq < batch ? in->nq : batch, overlap);
	for (int64_t q0 = 0; q0 < in->nq && rc == NS_OK; q0 += batch) {
		int64_t nb = in->nq - q0 < batch ? in->nq - q0 : batch;
		const float *dist;
		const int64_t *lab;

		if ((rc = mine_search_wait(&srch[cur], err)))
			break;
		dist = srch[cur].dist;
		lab = srch[cur].lab;
		/* search the next batch while this one is filtered/stored */
		if (q0 + batch < in->nq) {
			int64_t n2 = in->nq - q0 - batch;

			mine_search_start(&srch[1 - cur], in, ix, k, q0 + batch,
					  n2 < batch ? n2 : batch, overlap);
		}
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
		cur = 1 - cur;
	}
	for (int i = 0; i < 2; i++) {
		mine_search_wait(&srch[i], NULL);
		free(srch[i].dist);
		free(srch[i].lab);
	}
	free(c);
	free(prow);
	free(pscore);
	free(pvalid);
	return rc;
}
