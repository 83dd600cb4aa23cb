/*
 * t-cascade.c - the cascade's statistics and fit against hand-computed
 * cases: Clopper-Pearson bounds (closed forms and a direct binomial sum),
 * thresholds certified only by audit labels, never loosened on labels a
 * fit may not use, tightened when the labels refute them, routing, P(FN),
 * the audit order's labelled prefix, the review queue and the estimate;
 * and the refit's and the queue's shortcuts against plain computations.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cascade.h"
#include "src/cascadejob.h"
#include "src/estimate.h"
#include "src/util.h"
#include "tests/tap.h"

/* P(X <= k) for X ~ Binomial(n, p), summed directly. */
static double
binom_cdf(int k, int n, double p)
{
	double s = 0.0;

	for (int i = 0; i <= k; i++)
		s += exp(lgamma(n + 1.0) - lgamma(i + 1.0) -
			 lgamma(n - i + 1.0) + i * log(p) +
			 (n - i) * log1p(-p));
	return s;
}

/* The Clopper-Pearson upper bound by its definition: the p with
 * P(X <= k | n, p) = 1 - conf, found by bisection on the binomial sum. */
static double
ref_upper(int k, int n, double conf)
{
	double lo = 0.0, hi = 1.0;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2.0;

		if (binom_cdf(k, n, mid) > 1.0 - conf)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2.0;
}

/* ... and the lower bound: the p with P(X >= k | n, p) = 1 - conf. */
static double
ref_lower(int k, int n, double conf)
{
	double lo = 0.0, hi = 1.0;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2.0;

		if (1.0 - binom_cdf(k - 1, n, mid) < 1.0 - conf)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2.0;
}

static void
test_bounds(void)
{
	static const int cases[][2] = {
		{ 0, 10 }, { 1, 10 }, { 3, 20 }, { 0, 149 }, { 1, 149 },
		{ 5, 100 }, { 50, 100 }, { 99, 100 }, { 27, 29 }, { 2, 7 },
	};
	double lo, hi;

	is_dbl(estimate_beta_inc(3, 3, 0.5), 0.5, 1e-12, "I_0.5(a, a) = 1/2");
	is_dbl(estimate_beta_inc(1, 1, 0.3), 0.3, 1e-12,
	       "I_x(1, 1) = x (uniform)");
	is_dbl(estimate_beta_inc(2, 5, 0.2) + estimate_beta_inc(5, 2, 0.8),
	       1.0, 1e-12, "I_x(a, b) + I_{1-x}(b, a) = 1");
	/* closed forms */
	is_dbl(estimate_cp_upper(0, 10, 0.95), 1.0 - pow(0.05, 0.1), 1e-10,
	       "upper(0 of 10) = 1 - 0.05^(1/10) = 0.2589");
	is_dbl(estimate_cp_lower(10, 10, 0.95), pow(0.05, 0.1), 1e-10,
	       "lower(10 of 10) = 0.05^(1/10) = 0.7411");
	is_dbl(estimate_cp_upper(0, 149, 0.95), 1.0 - pow(0.05, 1.0 / 149),
	       1e-10, "upper(0 of 149) = 0.0199: 149 clean labels certify 2 percent");
	ok(estimate_cp_upper(0, 148, 0.95) > 0.02,
	   "148 clean labels do not certify 2 percent");
	is_dbl(estimate_cp_upper(10, 10, 0.95), 1.0, 0, "upper(n of n) = 1");
	is_dbl(estimate_cp_lower(0, 10, 0.95), 0.0, 0, "lower(0 of n) = 0");
	is_dbl(estimate_cp_upper(0, 0, 0.95), 1.0, 0, "no labels: upper 1");
	/* against the definition */
	for (size_t i = 0; i < NS_ARRAY_SIZE(cases); i++) {
		int k = cases[i][0], n = cases[i][1];
		char name[96];

		snprintf(name, sizeof(name), "upper(%d of %d) equals the "
			 "binomial-sum definition", k, n);
		is_dbl(estimate_cp_upper(k, n, 0.95), ref_upper(k, n, 0.95),
		       1e-9, name);
		if (k == 0)
			continue;
		snprintf(name, sizeof(name), "lower(%d of %d) equals the "
			 "binomial-sum definition", k, n);
		is_dbl(estimate_cp_lower(k, n, 0.95), ref_lower(k, n, 0.95),
		       1e-9, name);
	}
	estimate_cp_interval(5, 20, 0.95, &lo, &hi);
	is_dbl(lo, ref_lower(5, 20, 0.975), 1e-9, "two-sided 95%: lower tail");
	is_dbl(hi, ref_upper(5, 20, 0.975), 1e-9, "two-sided 95%: upper tail");
	is_dbl(lo, 0.0866, 1e-4, "5 of 20: [0.0866, 0.4910] (published "
	       "Clopper-Pearson table)");
	is_dbl(hi, 0.4910, 1e-4, "5 of 20: upper end");
	{
		long m = estimate_labels_for(10, 100, 0.95, 0.02);
		double l2, h2;

		ok(m > 0, "more labels are needed for +-2 points (%ld)", m);
		estimate_cp_interval(0.1 * (100 + m), 100 + m, 0.95, &l2, &h2);
		ok((h2 - l2) / 2 <= 0.02, "and that many reach it");
		estimate_cp_interval(0.1 * (99 + m), 99 + m, 0.95, &l2, &h2);
		ok((h2 - l2) / 2 > 0.02, "one fewer does not");
	}
}

/* A one-stage cascade on the retriever score. */
static void
one_stage(struct cascade *c, double lo, double hi, bool fit)
{
	memset(c, 0, sizeof(*c));
	c->st = xcalloc(1, sizeof(*c->st));
	c->n = 1;
	snprintf(c->st[0].name, sizeof(c->st[0].name), "score");
	c->st[0].scorer = CASCADE_SCORE;
	c->st[0].feat = 0;
	c->st[0].ext = -1;
	c->st[0].lo = lo;
	c->st[0].hi = hi;
	c->st[0].fit = fit;
	c->target_fnr = 0.02;
	c->target_precision = 0.90;
	c->confidence = 0.95;
	c->audit_share = 0.05;
	c->grid = 200;
}

/* @n items with scores i / n; item i is a false negative iff its score
 * is above @cut; items for which @labelled says so carry their label,
 * those @audit says so are in the audit slice. */
static struct cascade_item *
make_items(int n, double cut, bool (*labelled)(int), bool (*audit)(int))
{
	struct cascade_item *v = xcalloc((size_t)n, sizeof(*v));

	for (int i = 0; i < n; i++) {
		v[i].qid = i / 10 + 1;
		v[i].pid = i + 1;
		for (int j = 0; j < CASCADE_NFEAT; j++)
			v[i].f[j] = NAN;
		for (int j = 0; j < CASCADE_MAX_EXT; j++)
			v[i].x[j] = NAN;
		v[i].f[0] = (double)i / n;
		v[i].u = cascade_draw(v[i].qid, v[i].pid, 0);
		v[i].audit = audit(i);
		v[i].label = !labelled(i) ? CASCADE_UNLABELLED
			     : v[i].f[0] > cut ? CASCADE_LABEL_FN
					       : CASCADE_LABEL_TN;
	}
	return v;
}

static bool all(int i) { (void)i; return true; }
static bool none(int i) { (void)i; return false; }
static bool every_fifth(int i) { return i % 5 == 0; }
static bool first_100_of_fifth(int i) { return i % 5 == 0 && i < 500; }

static void
test_fit(void)
{
	struct cascade c;
	struct cascade_thr cur, *t;
	struct cascade_fitres fr;
	struct cascade_item *v;
	struct ns_err err;
	int n = 2000;

	err_clear(&err);
	/* 400 audit labels (every fifth item), FN iff score > 0.7 */
	one_stage(&c, -INFINITY, INFINITY, true);
	cascade_thr_initial(&c, &cur);
	v = make_items(n, 0.7, every_fifth, every_fifth);
	ok(cascade_fit(&c, &cur, v, (size_t)n, &fr, &err) == NS_OK, "fit");
	t = fr.t;
	is_int(fr.labels, 400, "400 labels");
	is_int(fr.certifying, 400, "all in the audit slice");
	/* 280 clean labels below 0.7, then FN: the loosest threshold whose
	 * bound holds may take in a false negative or two */
	ok(t->lo > 0.6 && t->lo < 0.75, "lo certified near the clean region's "
	   "end: %.4f (%lld labels, %lld FN)", t->lo, (long long)t->lo_n,
	   (long long)t->lo_k);
	is_str(t->lo_why, "certified", "lo: certified");
	is_dbl(t->lo_bound, estimate_cp_upper((double)t->lo_k,
					      (double)t->lo_n, 0.95), 1e-12,
	       "its bound is Clopper-Pearson's for those labels");
	ok(t->lo_bound <= 0.02, "within the 2%% target (%.4f)", t->lo_bound);
	ok(estimate_cp_upper((double)t->lo_k + 1, (double)t->lo_n + 1, 0.95)
	   > 0.02 || t->lo_k == 0, "one more FN below it would break the "
	   "target");
	ok(t->hi > 0.6 && t->hi < 0.8, "hi certified near 0.7: %.4f", t->hi);
	is_dbl(t->hi_bound, estimate_cp_lower((double)t->hi_k,
					      (double)t->hi_n, 0.95), 1e-12,
	       "precision bound is Clopper-Pearson's");
	ok(t->hi_bound >= 0.90, "precision bound >= 90%% (%.4f, %lld of "
	   "%lld FN)", t->hi_bound, (long long)t->hi_k, (long long)t->hi_n);
	is_int(t->kept + t->flagged + t->passed, n, "the funnel accounts for "
	       "every item");
	{
		int stage;
		bool pending;
		struct cascade_item it = v[n - 1];

		is_int(cascade_route(&c, t, &v[0], &stage, &pending),
		       CASCADE_TN, "the lowest score is kept");
		is_int(cascade_route(&c, t, &it, &stage, &pending),
		       CASCADE_FN, "the highest is flagged");
		it.f[0] = NAN;
		is_int(cascade_route(&c, t, &it, &stage, &pending),
		       CASCADE_REVIEW, "no score: on to people");
		ok(!pending && stage == 1, "not pending: no signal");
	}
	ok(fr.pfn.dim > 0, "P(FN) model fitted on %lld labels",
	   (long long)fr.pfn.trained_on);
	ok(cascade_pfn(&c, &fr.pfn, &v[n - 1], 0.0) > 0.9 &&
	   cascade_pfn(&c, &fr.pfn, &v[0], 0.0) < 0.1,
	   "P(FN) high at the top, low at the bottom");
	is_int(fr.pfn.cal_n, 400, "calibration measured on the audit slice");
	ok(fr.pfn.brier < 0.1, "Brier %.3f", fr.pfn.brier);
	{
		char *j = cascade_thr_json(&c, t), *m = cascade_pfn_json(
			&c, &fr.pfn);
		struct cascade_thr back;
		struct cascade_pfn mb;

		ok(cascade_thr_parse(&c, j, &back), "thresholds JSON parses");
		is_dbl(back.lo, t->lo, 1e-12, "lo round trip");
		is_dbl(back.hi, t->hi, 1e-12, "hi round trip");
		is_str(back.lo_why, t->lo_why, "why round trip");
		ok(cascade_pfn_parse(&c, m, &mb), "model JSON parses");
		is_dbl(cascade_pfn(&c, &mb, &v[1000], 0.0),
		       cascade_pfn(&c, &fr.pfn, &v[1000], 0.0), 1e-9,
		       "P(FN) the same after a round trip");
		free(j);
		free(m);
	}
	cascade_fitres_fini(&fr);
	free(v);

	/* the same labels outside the audit slice certify nothing */
	v = make_items(n, 0.7, every_fifth, none);
	cascade_fit(&c, &cur, v, (size_t)n, &fr, &err);
	ok(isinf(fr.t->lo) && fr.t->lo < 0 && isinf(fr.t->hi),
	   "labels the model chose (not audit) never loosen a threshold");
	is_str(fr.t->lo_why, "too few labels to loosen", "and it says why");
	ok(fr.pfn.dim > 0, "but they train P(FN)");
	cascade_fitres_fini(&fr);
	free(v);

	/* 100 clean audit labels cannot certify 2% */
	v = make_items(n, 2.0, first_100_of_fifth, first_100_of_fifth);
	cascade_fit(&c, &cur, v, (size_t)n, &fr, &err);
	ok(isinf(fr.t->lo), "100 clean audit labels: lo not loosened");
	cascade_fitres_fini(&fr);
	free(v);

	/* a threshold from the config the audit labels refute: tightened */
	cascade_fini(&c);
	one_stage(&c, 0.9, INFINITY, true);
	cascade_thr_initial(&c, &cur);
	v = make_items(n, 0.5, every_fifth, every_fifth);
	cascade_fit(&c, &cur, v, (size_t)n, &fr, &err);
	ok(fr.t->lo < 0.5 + 1e-9, "lo 0.9 keeps many FN: tightened to %.4f",
	   fr.t->lo);
	is_str(fr.t->lo_why, "tightened", "and it says so");
	cascade_fitres_fini(&fr);
	/* ... but not without evidence */
	free(v);
	v = make_items(n, 0.5, none, none);
	cascade_fit(&c, &cur, v, (size_t)n, &fr, &err);
	is_dbl(fr.t->lo, 0.9, 0, "no labels: the config's lo stays");
	cascade_fitres_fini(&fr);
	free(v);

	/* a stage that is not fitted keeps its thresholds */
	cascade_fini(&c);
	one_stage(&c, 0.1, 0.95, false);
	cascade_thr_initial(&c, &cur);
	v = make_items(n, 0.7, every_fifth, every_fifth);
	cascade_fit(&c, &cur, v, (size_t)n, &fr, &err);
	ok(fr.t->lo == 0.1 && fr.t->hi == 0.95, "fit: false keeps lo, hi");
	is_str(fr.t->lo_why, "fixed", "fixed");
	cascade_fitres_fini(&fr);
	free(v);
	(void)all;
	cascade_fini(&c);
}

static bool every_fourth(int i) { return i % 4 == 0; }

/*
 * A case worked out by hand (and checked with an independent script:
 * binomial sums, the same grid and order): 1000 items with scores
 * i / 1000, FN iff i >= 850; the audit slice is every fourth item, all
 * labelled (250 labels, 37 FN).  The grid is the 200 quantiles
 * floor(j * 999 / 199) / 1000.
 *  - lo: below 0.848 lie the labels 0, 4, ..., 844: 212 labels, 0 FN,
 *    bound 1 - 0.05^(1/212) = 0.01403 <= 2%; at the next grid point
 *    0.853 the FN at 0.852 joins: 213 labels, 1 FN, bound 0.0222 > 2%:
 *    the search stops; lo = 0.848.
 *  - hi: above 0.848 lie 852 ... 996: 37 labels, all FN, lower bound
 *    0.05^(1/37) = 0.9222 >= 90%; at 0.843 the TN at 0.844 and 0.848
 *    join: 39 labels, 37 FN, bound < 90%: stop; hi = 0.848.
 */
static void
test_by_hand(void)
{
	struct cascade c;
	struct cascade_thr cur;
	struct cascade_fitres fr;
	struct cascade_item *v;
	struct ns_err err;

	one_stage(&c, -INFINITY, INFINITY, true);
	cascade_thr_initial(&c, &cur);
	v = make_items(1000, 0.849, every_fourth, every_fourth);
	cascade_fit(&c, &cur, v, 1000, &fr, &err);
	is_dbl(fr.t->lo, 0.848, 1e-12, "by hand: lo = 0.848");
	is_int(fr.t->lo_n, 212, "by hand: on 212 labels");
	is_int(fr.t->lo_k, 0, "by hand: 0 FN among them");
	is_dbl(fr.t->lo_bound, 0.0140314413, 1e-9, "by hand: FN rate <= "
	       "1.403%");
	is_dbl(fr.t->hi, 0.848, 1e-12, "by hand: hi = 0.848");
	is_int(fr.t->hi_n, 37, "by hand: on 37 labels");
	is_int(fr.t->hi_k, 37, "by hand: all FN");
	is_dbl(fr.t->hi_bound, 0.9222252890, 1e-9, "by hand: precision >= "
	       "92.22%");
	cascade_fitres_fini(&fr);
	free(v);
	cascade_fini(&c);
}

static void
test_two_stages(void)
{
	struct cascade c;
	struct cascade_thr t[2];
	struct cascade_item it;
	int stage;
	bool pending;

	memset(&c, 0, sizeof(c));
	c.st = xcalloc(2, sizeof(*c.st));
	c.n = 2;
	c.next = 1;
	c.st[0] = (struct cascade_stage){ .name = "dup", .scorer =
					  CASCADE_DUP, .feat = 4, .ext = -1,
					  .lo = 0.2, .hi = 0.99, .fit = true };
	c.st[1] = (struct cascade_stage){ .name = "judge", .scorer =
					  CASCADE_JUDGE, .feat = -1, .ext = 0,
					  .lo = 0.3, .hi = 0.7, .fit = true };
	cascade_thr_initial(&c, t);
	memset(&it, 0, sizeof(it));
	for (int j = 0; j < CASCADE_NFEAT; j++)
		it.f[j] = NAN;
	for (int j = 0; j < CASCADE_MAX_EXT; j++)
		it.x[j] = NAN;
	it.f[4] = 0.5;
	is_int(cascade_route(&c, t, &it, &stage, &pending), CASCADE_REVIEW,
	       "passed by the cheap stage, not scored by the judge");
	ok(pending && stage == 1, "held at the judge (pending)");
	it.x[0] = 0.9;
	is_int(cascade_route(&c, t, &it, &stage, &pending), CASCADE_FN,
	       "the judge flags it");
	is_int(stage, 1, "decided by the judge");
	it.f[4] = 0.1;
	is_int(cascade_route(&c, t, &it, &stage, &pending), CASCADE_TN,
	       "the cheap stage keeps it before the judge sees it");
	is_int(stage, 0, "decided by the first stage");
	cascade_fini(&c);
}

/* @n items with f[0] = score[i], the audit slice where @au[i] > 0 (its
 * place in the audit order), labels from @lab ('f' FN, 't' TN, '.'
 * none). */
static struct cascade_item *
items_by_hand(size_t n, const double *score, const double *au,
	      const char *lab)
{
	struct cascade_item *v = xcalloc(n, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i].qid = (int64_t)i / 4 + 1;
		v[i].pid = (int64_t)i + 1;
		for (int j = 0; j < CASCADE_NFEAT; j++)
			v[i].f[j] = NAN;
		for (int j = 0; j < CASCADE_MAX_EXT; j++)
			v[i].x[j] = NAN;
		v[i].f[0] = score ? score[i] : 0.5;
		v[i].u = (double)i / (double)n;
		v[i].audit = au && au[i] > 0;
		v[i].au = au ? au[i] : 0.0;
		v[i].label = lab[i] == 'f' ? CASCADE_LABEL_FN
			     : lab[i] == 't' ? CASCADE_LABEL_TN
					     : CASCADE_UNLABELLED;
	}
	return v;
}

/* Only the labelled prefix of the audit order certifies. */
static void
test_prefix(void)
{
	/* audit items (au > 0) in audit order: items 3, 1, 5, 0, 4 */
	static const double au[6] = { 0.4, 0.2, 0, 0.1, 0.5, 0.3 };
	bool cert[6];
	struct cascade_item *v = items_by_hand(6, NULL, au, "tf.t.f");
	struct cascade c;
	struct cascade_thr cur;
	struct cascade_fitres fr;
	struct ns_err err;
	struct cascade_item *w;
	int n = 2000;

	/* labelled: 0 (t), 1 (f), 3 (t), 5 (f); item 4 (the 5th in audit
	 * order) is not: the prefix is 3, 1, 5, 0 */
	is_int((long long)cascade_certifying(v, 6, cert), 4,
	       "the labelled prefix of the audit order: 4 items");
	ok(cert[3] && cert[1] && cert[5] && cert[0] && !cert[2] && !cert[4],
	   "those four certify; the non-audit item does not");
	v[0].label = CASCADE_UNLABELLED;
	is_int((long long)cascade_certifying(v, 6, cert), 3,
	       "an unlabelled item cuts the prefix there");
	ok(cert[3] && cert[1] && cert[5] && !cert[0],
	   "labels after it wait for it");
	v[3].label = CASCADE_UNLABELLED;
	is_int((long long)cascade_certifying(v, 6, cert), 0,
	       "the first audit item unlabelled: nothing certifies");
	ok(!cert[1] && !cert[5], "not even the labelled ones after it");
	v[3].label = CASCADE_LABEL_OTHER;
	is_int((long long)cascade_certifying(v, 6, cert), 3,
	       "a dropped item is decided: the prefix goes past it");
	ok(!cert[3] && cert[1] && cert[5], "but only TN and FN certify");
	free(v);

	/* the fit of test_fit, with the first audit item of the audit
	 * order left unlabelled: its 399 other audit labels were all made
	 * out of turn, and none certifies */
	err_clear(&err);
	one_stage(&c, -INFINITY, INFINITY, true);
	cascade_thr_initial(&c, &cur);
	w = make_items(n, 0.7, every_fifth, every_fifth);
	for (int i = 0; i < n; i++)
		w[i].au = w[i].audit ? 0.5 + (double)i / (4.0 * n) : 0.0;
	w[1000].au = 0.1;
	w[1000].label = CASCADE_UNLABELLED;
	ok(cascade_fit(&c, &cur, w, (size_t)n, &fr, &err) == NS_OK, "fit");
	is_int(fr.certifying, 0, "no certifying label before the first "
	       "audit item is labelled");
	ok(isinf(fr.t->lo) && isinf(fr.t->hi), "so nothing is loosened");
	is_int(fr.pfn.cal_n, 0, "nor calibrated");
	cascade_fitres_fini(&fr);
	w[1000].label = CASCADE_LABEL_FN;
	cascade_fit(&c, &cur, w, (size_t)n, &fr, &err);
	is_int(fr.certifying, 400, "labelled: the 400 certify");
	ok(isfinite(fr.t->lo) && isfinite(fr.t->hi), "and thresholds are "
	   "certified");
	cascade_fitres_fini(&fr);
	free(w);
	cascade_fini(&c);
}

/* The queue: the order of P(FN), the audit slice's places and the
 * window. */
static void
test_queue(void)
{
	enum { N = 24 };
	struct cascade c;
	struct cascade_item *v;
	enum cascade_verdict verdict[N];
	bool pending[N];
	double pfn[N], prio[N], au[N];
	char lab[N + 1];
	int offered = 0, waiting = 0, top = -1, fourth = -1;

	one_stage(&c, -INFINITY, INFINITY, true);
	c.audit_share = 0.25;	/* every 4th place */
	c.refit_every = 2;
	c.queue_window = 3;	/* at least 2 refit_every = 4 */
	c.queue_order = CASCADE_QUEUE_LIKELY_FN;
	for (int i = 0; i < N; i++) {
		/* items 20..23 are the audit slice, in reverse audit order */
		au[i] = i >= 20 ? 1.0 - 0.1 * (i - 20) : 0.0;
		pfn[i] = (double)i / 100.0;	/* item 19 the likeliest */
		verdict[i] = CASCADE_REVIEW;
		pending[i] = false;
		lab[i] = '.';
	}
	lab[N] = '\0';
	v = items_by_hand(N, NULL, au, lab);
	cascade_queue_order(&c, v, N, verdict, pending, pfn, prio);
	for (int i = 0; i < N; i++) {
		offered += prio[i] > 0;
		waiting += prio[i] == -1.0;
		if (prio[i] > 0 && (top < 0 || prio[i] > prio[top]))
			top = i;
	}
	is_int(offered, 4, "the window offers max(3, 2 x 2) = 4 items");
	is_int(waiting, N - 4, "the rest wait (-1), audit items too");
	is_int(top, 19, "the likeliest false negative first");
	for (int i = 0; i < N; i++)
		if (prio[i] > 0 && prio[i] < prio[top] - 2.5)
			fourth = i;
	is_int(fourth, 23, "the 4th place goes to the first audit item in "
	       "audit order");
	ok(prio[18] > 0 && prio[17] > 0 && prio[22] < 0,
	   "then P(FN) order; the next audit item waits");

	c.queue_order = CASCADE_QUEUE_UNCERTAIN;
	pfn[7] = 0.5;
	cascade_queue_order(&c, v, N, verdict, pending, pfn, prio);
	top = 0;
	for (int i = 0; i < N; i++)
		if (prio[i] > prio[top])
			top = i;
	is_int(top, 7, "uncertain: P(FN) = 0.5 first");

	/* 8 labels made, none of the audit slice: the audit is behind
	 * (1 in 4 of 8 labels is 2 due), so its next item comes first */
	c.queue_order = CASCADE_QUEUE_LIKELY_FN;
	pfn[7] = 0.07;
	for (int i = 0; i < 8; i++)
		v[i].label = CASCADE_LABEL_TN;
	cascade_queue_order(&c, v, N, verdict, pending, pfn, prio);
	top = 0;
	for (int i = 0; i < N; i++)
		if (prio[i] > prio[top])
			top = i;
	is_int(top, 23, "the audit slice behind: its next item comes first");
	is_dbl(prio[0], 0.0, 0, "labelled items are not queued");
	ok(prio[22] > 0 && prio[22] == prio[23] - 1, "and the one after it "
	   "(due at label 8) second");

	/* 6 labels, one of them the first audit item: the next one is due
	 * at label 8 (2 x 4), two labels from now */
	v[23].label = CASCADE_LABEL_TN;
	v[0].label = v[1].label = v[2].label = CASCADE_UNLABELLED;
	cascade_queue_order(&c, v, N, verdict, pending, pfn, prio);
	{
		int order[N], m = 0;

		for (int i = 0; i < N; i++)
			if (prio[i] > 0)
				order[m++] = i;
		/* sort the offered by priority */
		for (int a = 0; a < m; a++)
			for (int b = a + 1; b < m; b++)
				if (prio[order[b]] > prio[order[a]]) {
					int t = order[a];

					order[a] = order[b];
					order[b] = t;
				}
		ok(m >= 2 && order[0] == 19 && order[1] == 22,
		   "one label later: first the likeliest, then the audit item");
	}

	/* no window: every waiting item offered */
	c.queue_window = 0;
	cascade_queue_order(&c, v, N, verdict, pending, pfn, prio);
	offered = 0;
	for (int i = 0; i < N; i++)
		offered += prio[i] > 0;
	is_int(offered, N - 6, "queue_window 0: every unlabelled item "
	       "offered");
	free(v);
	cascade_fini(&c);
}

/* The estimate: the pool's rate from the certifying labels, less what
 * people found in it. */
static void
test_estimate(void)
{
	enum { N = 100 };
	struct cascade c;
	struct cascade_thr t;
	struct cascade_estimate_in in;
	struct cascadejob_estimate e;
	struct cascade_item *v;
	double score[N], au[N], lo, hi;
	char lab[N + 1];

	/* items 90..99 score above 0.9 and are flagged; the audit slice is
	 * items 0..19 (in that order), all labelled, 4 FN (0..3); people
	 * labelled items 20..29 outside it, 6 FN (20..25) and 4 TN */
	one_stage(&c, -INFINITY, 0.9, false);
	for (int i = 0; i < N; i++) {
		score[i] = i >= 90 ? 0.95 : 0.5;
		au[i] = i < 20 ? 0.01 * (i + 1) : 0.0;
		lab[i] = i < 4 ? 'f' : i < 20 ? 't' : i < 26 ? 'f'
			 : i < 30 ? 't' : '.';
	}
	lab[N] = '\0';
	v = items_by_hand(N, score, au, lab);
	cascade_thr_initial(&c, &t);
	cascade_estimate_counts(&c, &t, NULL, 1.0, v, N, false, NULL, &in);
	is_int(in.pool, 90, "pool: the 90 items not flagged");
	is_int(in.negatives, 80, "negatives: 20 people's TN + 60 unlabelled");
	is_int(in.unlabelled, 60, "of which 60 unlabelled");
	is_int(in.pool_fn, 10, "people found 10 FN in the pool");
	is_int(in.audit_n, 20, "20 certifying labels");
	is_int(in.audit_fn, 4, "4 of them FN");
	cascadejob_estimate_from(&in, 0.95, &e);
	ok(e.known, "an estimate");
	/* 90 x 4/20 = 18 FN in the pool, 10 found: 8 left of 80 */
	is_dbl(e.rate, 8.0 / 80.0, 1e-12, "(90 x 4/20 - 10) / 80 = 10%");
	estimate_cp_interval(4, 20, 0.95, &lo, &hi);
	is_dbl(e.lo, fmax(90 * lo - 10, 0) / 80, 1e-12, "its low end: the "
	       "rate's, scaled the same way, at least 0");
	is_dbl(e.hi, fmin(90 * hi - 10, 60) / 80, 1e-12, "its high end, at "
	       "most every unlabelled item");
	/* undecided dropped: the pool is only what the cascade kept (none) */
	cascade_estimate_counts(&c, &t, NULL, 1.0, v, N, true, NULL, &in);
	is_int(in.pool, 0, "undecided dropped: nothing kept, an empty pool");
	is_int(in.negatives, 20, "only people's TN");
	cascadejob_estimate_from(&in, 0.95, &e);
	ok(!e.known, "no certifying label in the pool: no estimate");
	free(v);
	cascade_fini(&c);
}

/*
 * P(FN) with a random intercept per query: three queries with the same
 * scores, interleaved in the array; people labelled 24 of query 1's 40
 * candidates (18 FN, whatever the score) and 24 of query 2's (2 FN),
 * none of query 3's.
 */
static void
test_query_effects(void)
{
	enum { N = 120 };
	struct cascade c;
	struct cascade_thr cur;
	struct cascade_fitres fr;
	struct cascade_pfn mb;
	struct cascade_item *v = xcalloc(N, sizeof(*v));
	double off[N], pfn[N], p0[N], grad = 0.0;
	char *json;
	int unl1 = -1, unl2 = -1, unl3 = -1, left = 0;
	struct cascade_estimate_in all, cut;

	one_stage(&c, -INFINITY, INFINITY, true);
	c.query_effects = true;
	for (int i = 0; i < N; i++) {
		int q = i % 3, k = i / 3;	/* query q + 1, its k-th */

		v[i].qid = q + 1;
		v[i].pid = i + 1;
		for (int j = 0; j < CASCADE_NFEAT; j++)
			v[i].f[j] = NAN;
		for (int j = 0; j < CASCADE_MAX_EXT; j++)
			v[i].x[j] = NAN;
		v[i].f[0] = (double)(k % 8) / 8.0;
		v[i].u = cascade_draw(v[i].qid, v[i].pid, 0);
		v[i].label = CASCADE_UNLABELLED;
		if (q < 2 && k < 24)
			v[i].label = (q == 0 ? k % 4 != 3 : k % 12 == 0)
				     ? CASCADE_LABEL_FN : CASCADE_LABEL_TN;
		/* an unlabelled item of each query, all of score 0.5 */
		if (k == 28) {
			if (q == 0)
				unl1 = i;
			else if (q == 1)
				unl2 = i;
			else
				unl3 = i;
		}
	}
	cascade_thr_initial(&c, &cur);
	ok(cascade_fit(&c, &cur, v, N, &fr, NULL) == NS_OK, "fit");
	ok(fr.pfn.dim > 0 && fr.pfn.qprec > 0, "a model with query effects "
	   "(prior precision %.3f)", fr.pfn.qprec);
	{
		struct cascade_fitres plain;

		/* many labels on each query: the plain update, as the fit
		 * made it before (20 steps, a relative change below 1e-3),
		 * met its stopping rule; the search ends where it did */
		c.qe_em_steps = 20;
		c.qe_em_tol = 1e-3;
		cascade_fit(&c, &cur, v, N, &plain, NULL);
		ok(plain.pfn.qsteps < 20 && fr.pfn.qsteps < 20 &&
		   fabs(fr.pfn.qprec / plain.pfn.qprec - 1.0) < 0.01,
		   "the plain update's precision (%.5f, %d steps) within 1%% "
		   "(%d steps)", plain.pfn.qprec, plain.pfn.qsteps,
		   fr.pfn.qsteps);
		c.qe_em_steps = 0;
		cascade_fitres_fini(&plain);
	}
	cascade_pfn_offsets(&c, &fr.pfn, v, N, off);
	ok(off[unl1] > 0.5, "query 1 (18 FN of 24): a positive effect (%.3f)",
	   off[unl1]);
	ok(off[unl2] < -0.5, "query 2 (2 FN of 24): a negative one (%.3f)",
	   off[unl2]);
	is_dbl(off[unl3], 0.0, 0, "query 3, nobody labelled: none");
	for (int i = 0; i < N; i++)
		if (v[i].qid == 1 && off[i] != off[unl1])
			off[unl1] = NAN;
	ok(!isnan(off[unl1]), "one effect per query, wherever its items are");
	/* the effect is the posterior mode: the labels' gradient balances
	 * the prior's, sum (p - y) + prec b = 0 */
	for (int i = 0; i < N; i++)
		if (v[i].qid == 1 && v[i].label != CASCADE_UNLABELLED)
			grad += cascade_pfn(&c, &fr.pfn, &v[i], off[i]) -
				(v[i].label == CASCADE_LABEL_FN);
	grad += fr.pfn.qprec * off[unl1];
	is_dbl(grad, 0.0, 1e-6, "query 1's effect is its posterior mode");
	cascade_pfn_all(&c, &fr.pfn, v, N, pfn);
	ok(pfn[unl1] > pfn[unl3] && pfn[unl3] > pfn[unl2], "same score: P(FN) "
	   "%.3f in query 1 > %.3f in query 3 > %.3f in query 2", pfn[unl1],
	   pfn[unl3], pfn[unl2]);
	is_dbl(pfn[unl3], cascade_pfn(&c, &fr.pfn, &v[unl3], 0.0), 0,
	       "query 3: the common model");
	json = cascade_pfn_json(&c, &fr.pfn);
	ok(cascade_pfn_parse(&c, json, &mb), "model JSON parses");
	is_dbl(mb.qprec, fr.pfn.qprec, 1e-12, "the prior's precision round trip");
	cascade_pfn_all(&c, &mb, v, N, p0);
	is_dbl(p0[unl1], pfn[unl1], 1e-9, "P(FN) the same after a round trip");
	free(json);
	ok(cascade_pfn_parse(&c, "{\"w\": [0, 0, 0], \"mean\": [0], "
			     "\"sd\": [1], \"trained_on\": 30}", &mb) &&
	   mb.dim == 0, "a model of older inputs (rank not on a log scale) is "
	   "no model");
	/* export.max_pfn: the estimate's pool loses exactly the unlabelled
	 * items above it */
	cascade_estimate_counts(&c, fr.t, &fr.pfn, 1.0, v, N, false,
				NULL, &all);
	cascade_estimate_counts(&c, fr.t, &fr.pfn, 0.5, v, N, false,
				NULL, &cut);
	for (int i = 0; i < N; i++)
		left += v[i].label == CASCADE_UNLABELLED && pfn[i] > 0.5;
	ok(left > 0 && left < all.unlabelled, "some unlabelled items above "
	   "0.5 (%d of %lld)", left, (long long)all.unlabelled);
	is_int(all.unlabelled - cut.unlabelled, left, "max_pfn 0.5 leaves "
	       "them out of the pool");
	ok(cut.pool < all.pool - left, "and labelled ones whose P(FN) without "
	   "their own label is above it");
	/* the estimate's counts without the cut, where the audit labels
	 * are a uniform sample */
	ok(cut.cut && !all.cut, "the cut is said");
	is_int(cut.cut_unlabelled, left, "with the unlabelled items it took");
	ok(cut.all_pool == all.pool && cut.all_pool_fn == all.pool_fn &&
	   cut.all_audit_n == all.audit_n && cut.all_audit_fn == all.audit_fn,
	   "the pool without it: %lld items, %lld audit labels",
	   (long long)cut.all_pool, (long long)cut.all_audit_n);
	cascade_fitres_fini(&fr);
	/* without query effects: one model for all */
	c.query_effects = false;
	ok(cascade_fit(&c, &cur, v, N, &fr, NULL) == NS_OK, "fit without");
	is_dbl(fr.pfn.qprec, 0.0, 0, "no prior");
	cascade_pfn_all(&c, &fr.pfn, v, N, pfn);
	is_dbl(pfn[unl1], pfn[unl2], 1e-12, "same score: same P(FN)");
	/* too few labels for a model: P(FN) is the base rate, and max_pfn
	 * leaves nothing out */
	for (int i = 12; i < N; i++)
		v[i].label = CASCADE_UNLABELLED;
	cascade_fitres_fini(&fr);
	ok(cascade_fit(&c, &cur, v, N, &fr, NULL) == NS_OK, "fit on 12 labels "
	   "of one query");
	cascade_estimate_counts(&c, fr.t, &fr.pfn, 0.0, v, N, false,
				NULL, &cut);
	cascade_estimate_counts(&c, fr.t, &fr.pfn, 1.0, v, N, false,
				NULL, &all);
	ok(fr.pfn.dim == 0 && cut.pool == all.pool, "no model: max_pfn 0 "
	   "leaves nothing out");
	cascade_fitres_fini(&fr);
	free(v);
	cascade_fini(&c);
}

/* --- the refit's shortcuts against plain computations -------------------- */

static uint64_t rnd_state;

static double
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (double)(rnd_state >> 11) * 0x1.0p-53;
}

/* Three built-in stages and a judge (when @judge), as a project with a
 * command stage would have them. */
static void
four_stages(struct cascade *c, bool judge)
{
	memset(c, 0, sizeof(*c));
	c->st = xcalloc(4, sizeof(*c->st));
	c->n = judge ? 4 : 3;
	c->next = judge;
	c->st[0] = (struct cascade_stage){ .name = "dup", .scorer =
					   CASCADE_DUP, .feat = 4, .ext = -1,
					   .lo = -INFINITY, .hi = INFINITY,
					   .fit = true };
	c->st[1] = (struct cascade_stage){ .name = "gap", .scorer =
					   CASCADE_GAP, .feat = 1, .ext = -1,
					   .lo = -INFINITY, .hi = INFINITY,
					   .fit = true };
	c->st[2] = (struct cascade_stage){ .name = "agree", .scorer =
					   CASCADE_AGREE, .feat = 5, .ext = -1,
					   .lo = -INFINITY, .hi = INFINITY,
					   .fit = true };
	c->st[3] = (struct cascade_stage){ .name = "judge", .scorer =
					   CASCADE_JUDGE, .feat = -1, .ext = 0,
					   .lo = -INFINITY, .hi = INFINITY,
					   .fit = true };
	c->target_fnr = 0.02;
	c->target_precision = 0.90;
	c->confidence = 0.95;
	c->audit_share = 0.1;
	c->grid = 200;
	c->refit_every = 20;
	c->queue_window = 50;
}

/* @n items, 30% false negatives, features that tell them apart (some
 * missing), the judge's scores for most; audit items with a place in
 * audit order with ties, labelled up to au < @acut (and some after);
 * labels of others at rate @labp; a few decided otherwise. */
static struct cascade_item *
random_items(const struct cascade *c, size_t n, double acut, double labp)
{
	struct cascade_item *v = xcalloc(n, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		struct cascade_item *it = &v[i];
		int y = rnd() < 0.3;
		double r;

		it->qid = (int64_t)(i / 10 + 1);
		it->pid = (int64_t)i + 1;
		for (int j = 0; j < CASCADE_MAX_EXT; j++)
			it->x[j] = NAN;
		it->f[0] = 0.5 + 0.2 * y + 0.15 * (rnd() - 0.5);
		it->f[1] = rnd() < 0.05 ? NAN : it->f[0] - 0.7;
		it->f[2] = it->f[1] / 0.7;
		it->f[3] = -(double)(i % 10 + 1);
		it->f[4] = rnd() < 0.02 ? NAN
					: 0.6 + 0.25 * y + 0.3 * (rnd() - 0.5);
		it->f[5] = rnd() < 0.1 ? NAN : rnd() < (y ? 0.6 : 0.2)
			   ? 1.0 / (double)(1 + i % 10) : 0.0;
		if (c->next && rnd() < 0.8)
			it->x[0] = y ? 0.7 + 0.3 * rnd() : 0.4 * rnd();
		it->u = rnd();
		it->audit = it->u < c->audit_share;
		it->au = floor(rnd() * 4096.0) / 4096.0;	/* ties */
		it->label = CASCADE_UNLABELLED;
		if (it->audit ? it->au < acut || rnd() < 0.2 : rnd() < labp) {
			r = rnd();
			it->label = r < 0.01 ? CASCADE_LABEL_OTHER
				    : (y ^ (r < 0.04)) ? CASCADE_LABEL_FN
						       : CASCADE_LABEL_TN;
		}
	}
	return v;
}

/* An input of the P(FN) model: the rank on a log scale. */
static double
ref_in(const struct cascade_item *it, int j)
{
	if (j >= CASCADE_NFEAT)
		return it->x[j - CASCADE_NFEAT];
	if (j == 3 && !isnan(it->f[3]))
		return -log(fmax(1.0, -it->f[3]));
	return it->f[j];
}

/* P(FN) without query effects fitted the plain way (every item looked at
 * in every step, every input in every sum): the model cascade_fit() must
 * give to the bit. */
static void
ref_pfn(const struct cascade *c, const struct cascade_item *items, size_t n,
	struct cascade_pfn *m)
{
	int nf = CASCADE_NFEAT + c->next, d = 2 * nf + 1;
	double A[CASCADE_PFN_DIM * CASCADE_PFN_DIM], g[CASCADE_PFN_DIM];
	double x[CASCADE_PFN_DIM], s1[CASCADE_PFN_DIM] = { 0 };
	double s2[CASCADE_PFN_DIM] = { 0 };
	int64_t cnt[CASCADE_PFN_DIM] = { 0 }, pos = 0, lab = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		if (items[i].label != CASCADE_LABEL_TN &&
		    items[i].label != CASCADE_LABEL_FN)
			continue;
		lab++;
		pos += items[i].label == CASCADE_LABEL_FN;
		for (int j = 0; j < nf; j++) {
			double v = ref_in(&items[i], j);

			if (!isnan(v)) {
				cnt[j]++;
				s1[j] += v;
				s2[j] += v * v;
			}
		}
	}
	m->trained_on = lab;
	m->base_rate = lab ? (double)pos / (double)lab : 0.5;
	if (lab < 10 || pos == 0 || pos == lab)
		return;
	for (int j = 0; j < nf; j++) {
		double mean = cnt[j] ? s1[j] / (double)cnt[j] : 0.0;
		double var = cnt[j] ? s2[j] / (double)cnt[j] - mean * mean
				    : 0.0;

		m->mean[j] = mean;
		m->sd[j] = var > 1e-18 ? sqrt(var) : 1.0;
	}
	m->dim = d;
	m->w[d - 1] = log(m->base_rate / (1.0 - m->base_rate));
	for (int iter = 0; iter < 30; iter++) {
		double step = 0.0;

		memset(A, 0, sizeof(A));
		memset(g, 0, sizeof(g));
		for (size_t i = 0; i < n; i++) {
			const struct cascade_item *it = &items[i];
			double z = 0.0, p;
			int k = 0;

			if (it->label != CASCADE_LABEL_TN &&
			    it->label != CASCADE_LABEL_FN)
				continue;
			for (int j = 0; j < nf; j++) {
				double v = ref_in(it, j);

				x[k++] = isnan(v) ? 0.0
					 : (v - m->mean[j]) / m->sd[j];
				x[k++] = isnan(v) ? 1.0 : 0.0;
			}
			x[k] = 1.0;
			for (int j = 0; j < d; j++)
				z += m->w[j] * x[j];
			p = 1.0 / (1.0 + exp(-z));
			for (int j = 0; j < d; j++) {
				if (x[j] == 0.0)
					continue;
				g[j] += (p - (it->label == CASCADE_LABEL_FN)) *
					x[j];
				for (int l = j; l < d; l++)
					A[j * d + l] += p * (1.0 - p) * x[j] *
							x[l];
			}
		}
		for (int j = 0; j < d; j++)
			for (int l = 0; l < j; l++)
				A[j * d + l] = A[l * d + j];
		for (int j = 0; j < d - 1; j++) {
			g[j] += m->w[j];
			A[j * d + j] += 1.0;
		}
		A[(d - 1) * d + d - 1] += 1e-9;
		/* Gaussian elimination with partial pivoting */
		for (int col = 0; col < d; col++) {
			int piv = col;

			for (int r = col + 1; r < d; r++)
				if (fabs(A[r * d + col]) > fabs(A[piv * d + col]))
					piv = r;
			if (fabs(A[piv * d + col]) < 1e-12)
				return;
			for (int j = 0; piv != col && j < d; j++) {
				double tmp = A[col * d + j];

				A[col * d + j] = A[piv * d + j];
				A[piv * d + j] = tmp;
			}
			if (piv != col) {
				double tb = g[col];

				g[col] = g[piv];
				g[piv] = tb;
			}
			for (int r = col + 1; r < d; r++) {
				double f = A[r * d + col] / A[col * d + col];

				for (int j = col; j < d; j++)
					A[r * d + j] -= f * A[col * d + j];
				g[r] -= f * g[col];
			}
		}
		for (int r = d - 1; r >= 0; r--) {
			double s = g[r];

			for (int j = r + 1; j < d; j++)
				s -= A[r * d + j] * g[j];
			g[r] = s / A[r * d + r];
		}
		for (int j = 0; j < d; j++) {
			m->w[j] -= g[j];
			step += fabs(g[j]);
		}
		if (step < 1e-8)
			break;
	}
}

/* A deterministic generator (xorshift) for test_query_prior(). */
static uint64_t qp_rng = 88172645463325252ULL;

static double
qp_uni(void)
{
	qp_rng ^= qp_rng << 13;
	qp_rng ^= qp_rng >> 7;
	qp_rng ^= qp_rng << 17;
	return (double)(qp_rng >> 11) * 0x1.0p-53;
}

/*
 * @nq queries of 10 candidates with the built-in features, each query
 * with its own tendency (a normal effect of sd @esd on the log-odds of a
 * false negative, 30% without), features that tell FN from TN by @sep
 * (1: almost surely; bench/cascade-bench's items); people labelled the
 * first @per candidates of random queries, @nl labels in all.
 */
static struct cascade_item *
qp_items(const struct cascade *c, int nq, double esd, double sep, int per,
	 int nl)
{
	struct cascade_item *v = xcalloc((size_t)nq * 10, sizeof(*v));
	signed char *truth = xmalloc((size_t)nq * 10);
	double eff = 0.0;
	int labelled = 0;

	for (int i = 0; i < nq * 10; i++) {
		struct cascade_item *it = &v[i];
		bool y;

		if (i % 10 == 0)	/* Box-Muller */
			eff = esd * sqrt(-2.0 * log(1.0 - qp_uni())) *
			      cos(2.0 * M_PI * qp_uni());
		y = qp_uni() < 1.0 / (1.0 + exp(-(log(0.3 / 0.7) + eff)));
		it->qid = i / 10 + 1;
		it->pid = i + 1;
		for (int j = 0; j < CASCADE_MAX_EXT; j++)
			it->x[j] = NAN;
		it->f[0] = 0.5 + 0.2 * sep * y + 0.15 * (qp_uni() - 0.5);
		it->f[1] = it->f[0] - 0.7;
		it->f[2] = it->f[1] / 0.7;
		it->f[3] = -(double)(i % 10 + 1);
		it->f[4] = 0.6 + 0.25 * sep * y + 0.3 * (qp_uni() - 0.5);
		it->f[5] = qp_uni() < (y ? 0.2 + 0.4 * sep : 0.2) ?
				   1.0 / (1 + i % 10) : 0.0;
		cascade_item_draw(c, it);
		truth[i] = y ? CASCADE_LABEL_FN : CASCADE_LABEL_TN;
		it->label = CASCADE_UNLABELLED;
	}
	while (labelled < nl) {
		int q = (int)(qp_uni() * nq);

		for (int k = 0; k < per && labelled < nl; k++)
			if (v[q * 10 + k].label == CASCADE_UNLABELLED) {
				v[q * 10 + k].label = truth[q * 10 + k];
				labelled++;
			}
	}
	free(truth);
	return v;
}

/*
 * The query effects' prior precision: the fixed point of its empirical
 * Bayes update.  Where a query's labels say little about its effect the
 * plain update creeps (each step a small share of the distance left):
 * 20 plain steps stop far from the fixed point and never meet the old
 * stopping rule.  The search reaches, in fewer steps, the fixed point
 * that thousands of plain steps reach.
 */
static void
test_query_prior(void)
{
	struct cascade c;
	struct cascade_thr cur;
	struct cascade_fitres fr;
	struct cascade_item *v;
	double prec, old;

	one_stage(&c, -INFINITY, INFINITY, true);
	c.query_effects = true;
	/* 2000 queries whose tendencies differ (sd 1 on the log-odds),
	 * features that tell little, 3 labels on each of 500 queries */
	v = qp_items(&c, 2000, 1.0, 0.2, 3, 1500);
	cascade_thr_initial(&c, &cur);
	ok(cascade_fit(&c, &cur, v, 20000, &fr, NULL) == NS_OK &&
	   fr.pfn.dim > 0, "fit with query effects");
	prec = fr.pfn.qprec;
	ok(fr.pfn.qsteps > 1 && fr.pfn.qsteps < 20, "the search stops before "
	   "its cap of 20 updates: %d (precision %.4f)", fr.pfn.qsteps, prec);
	cascade_fitres_fini(&fr);
	/* the plain update, as the fit made it before: 20 steps, stopping
	 * at a relative change below 1e-3 */
	c.qe_em_steps = 20;
	c.qe_em_tol = 1e-3;
	cascade_fit(&c, &cur, v, 20000, &fr, NULL);
	old = fr.pfn.qprec;
	ok(fr.pfn.qsteps == 20 && fabs(old / prec - 1.0) > 0.1, "20 plain "
	   "updates: at the cap, still %.1f%% away (%.4f)",
	   100.0 * fabs(old / prec - 1.0), old);
	cascade_fitres_fini(&fr);
	/* the plain update to its fixed point */
	c.qe_em_steps = 5000;
	c.qe_em_tol = 1e-9;
	cascade_fit(&c, &cur, v, 20000, &fr, NULL);
	ok(fr.pfn.qsteps < 5000, "plain updates to a change below 1e-9: %d "
	   "steps", fr.pfn.qsteps);
	ok(fabs(prec / fr.pfn.qprec - 1.0) < 0.01, "the search's precision "
	   "%.5f is theirs, %.5f, within 1%%", prec, fr.pfn.qprec);
	cascade_fitres_fini(&fr);
	free(v);
	/* features that almost decide (bench/cascade-bench's items), a
	 * label on each of 1000 queries, no query effects: the labels hardly
	 * move an effect, the update pushes the precision up at every step
	 * by 0.1% (the plain update took 20 steps to 1.02) and the fixed
	 * point is past the bound of 100 */
	c.qe_em_steps = 0;
	v = qp_items(&c, 2000, 0.0, 1.0, 1, 1000);
	ok(cascade_fit(&c, &cur, v, 20000, &fr, NULL) == NS_OK &&
	   fr.pfn.dim > 0, "fit on decisive features");
	is_dbl(fr.pfn.qprec, 100.0, 1e-9, "the precision at its bound");
	ok(fr.pfn.qsteps < 20, "... after %d updates", fr.pfn.qsteps);
	cascade_fitres_fini(&fr);
	free(v);
	cascade_fini(&c);
}

/*
 * The refit looks only at what it needs (the grid sample, the labels,
 * the audit slice's labelled prefix found without sorting the slice)
 * and fits P(FN) on the labels' inputs laid side by side: on random
 * projects (a judge stage, missing features, ties in the audit order,
 * labels decided otherwise) its counts must be those of every item
 * routed under the fitted thresholds, its certifying labels those of
 * cascade_certifying(), and its model the plain fit's, to the bit.
 */
static void
test_fit_plain(void)
{
	static const struct {
		size_t n;
		bool judge;
		double acut, labp;
	} cases[] = {
		{ 3000, false, 0.5, 0.05 },
		{ 3000, true, 1.0, 0.1 },
		{ 80000, true, 0.3, 0.02 },	/* above the grid sample */
		{ 80000, false, 1.0, 0.01 },
		{ 500, true, 0.0, 0.3 },	/* nothing certifies */
	};
	struct ns_err err;

	rnd_state = 88172645463325252ULL;
	for (size_t cs = 0; cs < NS_ARRAY_SIZE(cases); cs++) {
		struct cascade c;
		struct cascade_thr cur[4];
		struct cascade_fitres fr;
		struct cascade_pfn ref;
		struct cascade_item *v;
		size_t n = cases[cs].n, ncert = 0, same = 0, decided = 0;
		bool *cert = xmalloc(n);
		int64_t labels = 0;

		four_stages(&c, cases[cs].judge);
		v = random_items(&c, n, cases[cs].acut, cases[cs].labp);
		cascade_thr_initial(&c, cur);
		ok(cascade_fit(&c, cur, v, n, &fr, &err) == NS_OK,
		   "case %zu: fit", cs);
		cascade_certifying(v, n, cert);
		for (size_t i = 0; i < n; i++) {
			ncert += cert[i];
			labels += v[i].label == CASCADE_LABEL_TN ||
				  v[i].label == CASCADE_LABEL_FN;
		}
		ok(fr.certifying == (int64_t)ncert, "case %zu: the certifying "
		   "labels are the audit prefix's (%lld)", cs,
		   (long long)fr.certifying);
		ok(fr.labels == labels, "case %zu: every label counted (%lld)",
		   cs, (long long)labels);
		for (int k = 0; k < c.n; k++) {
			int64_t lo_n = 0, lo_k = 0, hi_n = 0, hi_k = 0;
			struct cascade_thr *t = &fr.t[k];

			/* the certifying labels reaching stage k under the
			 * fitted thresholds of the stages before it */
			for (size_t i = 0; i < n; i++) {
				int stage;
				bool pending;
				double s = cascade_score(&c, k, &v[i]);
				int fn = v[i].label == CASCADE_LABEL_FN;

				cascade_route(&c, fr.t, &v[i], &stage,
					      &pending);
				if (!cert[i] || stage < k || isnan(s))
					continue;
				lo_n += s < t->lo;
				lo_k += s < t->lo && fn;
				hi_n += s > t->hi;
				hi_k += s > t->hi && fn;
			}
			decided += isfinite(t->lo) || isfinite(t->hi);
			same += lo_n == t->lo_n && lo_k == t->lo_k &&
				hi_n == t->hi_n && hi_k == t->hi_k;
		}
		ok((int)same == c.n, "case %zu: each stage's labels below lo "
		   "and above hi as counted item by item", cs);
		ref_pfn(&c, v, n, &ref);
		ok(ref.dim == fr.pfn.dim &&
		   !memcmp(ref.w, fr.pfn.w, sizeof(ref.w)) &&
		   !memcmp(ref.mean, fr.pfn.mean, sizeof(ref.mean)) &&
		   !memcmp(ref.sd, fr.pfn.sd, sizeof(ref.sd)),
		   "case %zu: P(FN) is the plain fit's to the bit (dim %d)",
		   cs, fr.pfn.dim);
		if (cs == 1 || cs == 2)
			ok(decided > 0, "case %zu: thresholds were certified "
			   "(%zu stages)", cs, decided);
		cascade_fitres_fini(&fr);
		free(cert);
		free(v);
		cascade_fini(&c);
	}
}

/*
 * With a window, the queue picks its items without sorting them all: the
 * items offered and their priorities must be the first places of the
 * order without a window, ties (no model: P(FN) 0.5; P(FN) rounded)
 * broken the same way.
 */
static void
test_queue_window(void)
{
	enum { N = 20000 };
	struct cascade c;
	struct cascade_item *v;
	enum cascade_verdict *vd = xmalloc(N * sizeof(*vd));
	bool *pend = xmalloc(N);
	double *pfn = xmalloc(N * sizeof(*pfn));
	double *all = xmalloc(N * sizeof(*all)), *win = xmalloc(N * sizeof(*win));

	rnd_state = 2463534242ULL;
	four_stages(&c, true);
	v = random_items(&c, N, 0.2, 0.02);
	for (int round = 0; round < 4; round++) {
		size_t offered = 0, same = 0, waiting = 0;
		int w = round < 2 ? 50 : 700;

		for (size_t i = 0; i < N; i++) {
			vd[i] = rnd() < 0.7 ? CASCADE_REVIEW : CASCADE_TN;
			pend[i] = vd[i] == CASCADE_REVIEW && rnd() < 0.05;
			pfn[i] = round % 2 ? NAN : floor(rnd() * 16.0) / 16.0;
		}
		c.queue_order = round == 2 ? CASCADE_QUEUE_UNCERTAIN
					   : CASCADE_QUEUE_LIKELY_FN;
		c.queue_window = 0;
		cascade_queue_order(&c, v, N, vd, pend, pfn, all);
		c.queue_window = w;
		cascade_queue_order(&c, v, N, vd, pend, pfn, win);
		for (size_t i = 0; i < N; i++) {
			offered += win[i] > 0;
			waiting += win[i] == -1.0;
			same += win[i] > 0 ? win[i] == all[i]
					   : win[i] == (all[i] > 0 ? -1.0
								   : all[i]);
		}
		ok((int)offered == w, "window %d: that many offered (%zu)", w,
		   offered);
		ok(waiting > 0, "window %d: the rest wait", w);
		ok(same == N, "window %d: the first places of the whole "
		   "order, with its priorities (round %d; %zu of %d)", w,
		   round, same, (int)N);
	}
	free(v);
	free(vd);
	free(pend);
	free(pfn);
	free(all);
	free(win);
	cascade_fini(&c);
}

int
main(void)
{
	test_bounds();
	test_fit();
	test_by_hand();
	test_two_stages();
	test_prefix();
	test_queue();
	test_estimate();
	test_query_effects();
	test_query_prior();
	test_fit_plain();
	test_queue_window();
	return tap_done();
}
