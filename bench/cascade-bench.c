/*
 * cascade-bench.c - the cascade's refit and routing at scale, in memory:
 * N candidates with the built-in features, L labels of which a share in
 * the audit slice; times cascade_fit (every stage's thresholds and P(FN)),
 * routing every candidate (cascade_funnel), the review queue's order, and
 * a yardstick measured in the same run (qsort of N doubles).
 *
 *	cascade-bench N LABELS [ROUNDS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/cascade.h"
#include "src/util.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ULL;

static double
uni(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1.0p-53;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t nl = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	struct cascade c;
	struct cascade_thr *cur, *t;
	struct cascade_item *items = xcalloc(n, sizeof(*items));
	struct config *cfg = config_new();
	struct ns_err err;
	double *v = xmalloc(n * sizeof(*v));
	enum cascade_verdict *vd = xmalloc(n * sizeof(*vd));
	bool *pend = xmalloc(n * sizeof(*pend));
	double *pfn = xmalloc(n * sizeof(*pfn)), *prio = xmalloc(n * sizeof(*prio));
	size_t labelled = 0, audit_labels = 0;

	if (cascade_from_config(&c, cfg, &err) != NS_OK)
		return 1;
	/* the default stages: near_duplicate, gap, agreement */
	for (size_t i = 0; i < n; i++) {
		struct cascade_item *it = &items[i];
		double y = uni() < 0.3;		/* 30% false negatives */

		it->qid = (int64_t)(i / 10 + 1);
		it->pid = (int64_t)i + 1;
		for (int j = 0; j < CASCADE_MAX_EXT; j++)
			it->x[j] = NAN;
		it->f[0] = 0.5 + 0.2 * y + 0.15 * (uni() - 0.5);
		it->f[1] = it->f[0] - 0.7;
		it->f[2] = it->f[1] / 0.7;
		it->f[3] = -(double)(i % 10 + 1);
		it->f[4] = 0.6 + 0.25 * y + 0.3 * (uni() - 0.5);
		it->f[5] = uni() < (y ? 0.6 : 0.2) ? 1.0 / (1 + i % 10) : 0.0;
		cascade_item_draw(&c, it);
		it->label = CASCADE_UNLABELLED;
		/* labels: every audit item up to a share, the rest of L
		 * among the others */
		if (labelled < nl && (it->audit ? audit_labels < nl / 20
				      : uni() < 2.0 * (double)nl / (double)n)) {
			it->label = y ? CASCADE_LABEL_FN : CASCADE_LABEL_TN;
			labelled++;
			audit_labels += it->audit;
		}
	}
	cur = xcalloc((size_t)c.n, sizeof(*cur));
	cascade_thr_initial(&c, cur);
	printf("cascade-bench: %zu candidates, %zu labels (%zu in the audit "
	       "slice), %d stages\n", n, labelled, audit_labels, c.n);
	for (int r = 0; r < rounds; r++) {
		struct cascade_fitres fr;
		double t0, t_sort, t_fit, t_route, t_queue;

		for (size_t i = 0; i < n; i++)
			v[i] = items[i].f[0];
		t0 = now();
		qsort(v, n, sizeof(*v), cmp_double);
		t_sort = now() - t0;
		t0 = now();
		cascade_fit(&c, cur, items, n, &fr, &err);
		t_fit = now() - t0;
		t = fr.t;
		t0 = now();
		cascade_funnel(&c, t, items, n);
		t_route = now() - t0;
		t0 = now();
		cascade_pfn_all(&c, &fr.pfn, items, n, pfn);
		for (size_t i = 0; i < n; i++) {
			int stage;

			vd[i] = cascade_route(&c, t, &items[i], &stage,
					      &pend[i]);
		}
		cascade_queue_order(&c, items, n, vd, pend, pfn, prio);
		t_queue = now() - t0;
		printf("round %d: yardstick qsort of %zu doubles %.1f ms; refit "
		       "(thresholds + P(FN)) %.1f ms (%.2fx the yardstick); "
		       "routing all %.1f ms; verdicts + P(FN) + queue order "
		       "%.1f ms; kept %lld flagged %lld at stage 1\n", r + 1,
		       n, t_sort * 1e3, t_fit * 1e3, t_fit / t_sort,
		       t_route * 1e3, t_queue * 1e3, (long long)t[0].kept,
		       (long long)t[0].flagged);
		cascade_fitres_fini(&fr);
	}
	free(items);
	free(v);
	free(vd);
	free(pend);
	free(pfn);
	free(prio);
	free(cur);
	config_free(cfg);
	cascade_fini(&c);
	return 0;
}
