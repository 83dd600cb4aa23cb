/*
 * t-cascade.c - the cascade's statistics and fit against hand-computed
 * cases: Clopper-Pearson bounds (closed forms and a direct binomial sum),
 * thresholds certified only by audit labels, never loosened on labels a
 * fit may not use, tightened when the labels refute them, routing, P(FN).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cascade.h"
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
	ok(cascade_pfn(&c, &fr.pfn, &v[n - 1]) > 0.9 &&
	   cascade_pfn(&c, &fr.pfn, &v[0]) < 0.1,
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
		is_dbl(cascade_pfn(&c, &mb, &v[1000]),
		       cascade_pfn(&c, &fr.pfn, &v[1000]), 1e-9,
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

int
main(void)
{
	test_bounds();
	test_fit();
	test_by_hand();
	test_two_stages();
	return tap_done();
}
