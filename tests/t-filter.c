/*
 * t-filter.c - filters, samplers and summary statistics against
 * hand-computed cases, including negative scores.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/filter.h"
#include "src/summary.h"
#include "tests/tap.h"

static struct filter_cand
cand(int64_t id, int rank, double score)
{
	struct filter_cand c;

	memset(&c, 0, sizeof(c));
	c.passage_id = id;
	c.rank = rank;
	c.score = score;
	c.dup_sim = NAN;
	return c;
}

static void
off(struct filter_params *p)
{
	filter_params_default(p);
	p->range_max = 0;
	p->num_negatives = 0;
	p->near_dup = NAN;
}

static void
test_anchor(void)
{
	double pos[] = { 0.8, -0.2, 0.5 };

	is_dbl(filter_anchor_score(pos, 3, FILTER_ANCHOR_MIN), -0.2, 1e-12,
	       "anchor min");
	is_dbl(filter_anchor_score(pos, 3, FILTER_ANCHOR_MEAN), 1.1 / 3,
	       1e-12, "anchor mean");
	is_dbl(filter_anchor_score(pos, 3, FILTER_ANCHOR_MAX), 0.8, 1e-12,
	       "anchor max");
	ok(isnan(filter_anchor_score(pos, 0, FILTER_ANCHOR_MIN)),
	   "no positive: NAN anchor");
}

static void
test_filters(void)
{
	struct filter_params p;
	struct filter_cand c;

	off(&p);
	c = cand(1, 5, 0.5);
	is_int(filter_check(&p, 0.9, &c), FILTER_KEPT, "nothing on: kept");
	c.is_positive = true;
	c.same_text = true;
	is_int(filter_check(&p, 0.9, &c), FILTER_POSITIVE,
	       "positive wins over same_text");
	c.is_positive = false;
	is_int(filter_check(&p, 0.9, &c), FILTER_SAME_TEXT, "same text");

	/* rank window: keep range_min < rank <= range_max */
	p.range_min = 2;
	p.range_max = 4;
	c = cand(1, 2, 0.5);
	is_int(filter_check(&p, NAN, &c), FILTER_RANK, "rank 2 <= range_min 2");
	c.rank = 3;
	is_int(filter_check(&p, NAN, &c), FILTER_KEPT, "rank 3 in 2..4");
	c.rank = 4;
	is_int(filter_check(&p, NAN, &c), FILTER_KEPT, "rank 4 in 2..4");
	c.rank = 5;
	is_int(filter_check(&p, NAN, &c), FILTER_RANK, "rank 5 > range_max 4");

	off(&p);
	p.max_score = 0.7;
	p.min_score = -0.3;
	c = cand(1, 1, 0.71);
	is_int(filter_check(&p, NAN, &c), FILTER_MAX_SCORE, "0.71 > max 0.7");
	c.score = 0.7;
	is_int(filter_check(&p, NAN, &c), FILTER_KEPT, "0.7 = max kept");
	c.score = -0.31;
	is_int(filter_check(&p, NAN, &c), FILTER_MIN_SCORE, "-0.31 < min -0.3");
	c.score = -0.3;
	is_int(filter_check(&p, NAN, &c), FILTER_KEPT, "-0.3 = min kept");

	/* absolute margin: drop s > a - m */
	off(&p);
	p.abs_margin = 0.1;
	c = cand(1, 1, 0.75);
	is_int(filter_check(&p, 0.8, &c), FILTER_ABS_MARGIN,
	       "0.75 > 0.8 - 0.1 dropped");
	c.score = 0.65;
	is_int(filter_check(&p, 0.8, &c), FILTER_KEPT, "0.65 < 0.7 kept");
	c.score = -2.05;
	is_int(filter_check(&p, -2.0, &c), FILTER_ABS_MARGIN,
	       "negative: -2.05 > -2.1 dropped");
	c.score = -2.15;
	is_int(filter_check(&p, -2.0, &c), FILTER_KEPT,
	       "negative: -2.15 < -2.1 kept");
	is_int(filter_check(&p, NAN, &c), FILTER_KEPT,
	       "no positive: margin does not fire");

	/* relative margin, sign-correct: drop s > a - |a| r */
	off(&p);
	p.rel_margin = 0.05;
	c = cand(1, 1, 0.96);
	is_int(filter_check(&p, 1.0, &c), FILTER_REL_MARGIN, "0.96 > 0.95");
	c.score = 0.94;
	is_int(filter_check(&p, 1.0, &c), FILTER_KEPT, "0.94 < 0.95");
	/* anchor -10: bound is -10.5 (the naive a*(1-r) = -9.5 is wrong) */
	c.score = -10.2;
	is_int(filter_check(&p, -10.0, &c), FILTER_REL_MARGIN,
	       "negative anchor: -10.2 > -10.5 dropped");
	c.score = -9.8;
	is_int(filter_check(&p, -10.0, &c), FILTER_REL_MARGIN,
	       "negative anchor: -9.8 (above the positive) dropped");
	c.score = -10.6;
	is_int(filter_check(&p, -10.0, &c), FILTER_KEPT,
	       "negative anchor: -10.6 < -10.5 kept");

	/* order: max_score reported before the margins */
	off(&p);
	p.max_score = 0.5;
	p.rel_margin = 0.1;
	c = cand(1, 1, 0.9);
	is_int(filter_check(&p, 0.95, &c), FILTER_MAX_SCORE,
	       "first filter that fires is recorded");
}

static void
test_apply_top(void)
{
	struct filter_params p;
	struct filter_cand c[6];
	size_t kept;

	filter_params_default(&p);
	p.range_max = 5;
	p.num_negatives = 2;
	p.rel_margin = 0.1;
	/* anchor 0.8: bound 0.72 */
	c[0] = cand(10, 1, 0.9);
	c[0].is_positive = true;
	c[1] = cand(11, 2, 0.75);		/* relative margin */
	c[2] = cand(12, 3, 0.7);		/* kept, sampled */
	c[2].dup_sim = 0.99;			/* near-dup flag */
	c[3] = cand(13, 4, 0.6);		/* kept, sampled */
	c[4] = cand(14, 5, 0.5);		/* kept, unsampled */
	c[5] = cand(15, 6, 0.4);		/* rank */
	kept = filter_apply(&p, 1, 0.8, c, 6);
	is_int((long long)kept, 2, "two negatives kept");
	is_int(c[0].reason, FILTER_POSITIVE, "top: positive");
	is_int(c[1].reason, FILTER_REL_MARGIN, "top: relative margin");
	is_int(c[2].reason, FILTER_KEPT, "top: rank 3 sampled");
	ok(c[2].near_dup, "near-duplicate flagged, still kept");
	ok(!c[3].near_dup, "no dup_sim: not flagged");
	is_int(c[3].reason, FILTER_KEPT, "top: rank 4 sampled");
	is_int(c[4].reason, FILTER_UNSAMPLED, "top: rank 5 unsampled");
	is_int(c[5].reason, FILTER_RANK, "top: rank 6 outside window");

	p.num_negatives = 10;
	kept = filter_apply(&p, 1, 0.8, c, 6);
	is_int((long long)kept, 3, "fewer candidates than asked: all kept");
	is_int(c[4].reason, FILTER_KEPT, "nothing unsampled when short");
}

static void
test_apply_random(void)
{
	struct filter_params p;
	struct filter_cand c[20], d[20];
	int same = 1, hits[20] = { 0 }, chosen = 0;

	filter_params_default(&p);
	p.sampling = SAMPLING_RANDOM;
	p.num_negatives = 3;
	p.seed = 42;
	for (int i = 0; i < 20; i++)
		c[i] = d[i] = cand(100 + i, i + 1, 1.0 - 0.01 * i);
	filter_apply(&p, 7, NAN, c, 20);
	filter_apply(&p, 7, NAN, d, 20);
	for (int i = 0; i < 20; i++) {
		same &= c[i].reason == d[i].reason;
		chosen += c[i].reason == FILTER_KEPT;
	}
	ok(same, "random: same seed and query, same choice");
	is_int(chosen, 3, "random: num_negatives chosen");
	/* uniform: each of 20 chosen ~ 3/20 of the time over many queries */
	for (int q = 0; q < 4000; q++) {
		filter_apply(&p, q, NAN, c, 20);
		for (int i = 0; i < 20; i++)
			hits[i] += c[i].reason == FILTER_KEPT;
	}
	same = 1;
	for (int i = 0; i < 20; i++)
		same &= hits[i] > 450 && hits[i] < 750;	/* mean 600 */
	ok(same, "random: roughly uniform over candidates (%d .. %d)",
	   hits[0], hits[19]);
}

static void
test_apply_simans(void)
{
	struct filter_params p;
	struct filter_cand c[3];
	int hits[3] = { 0 };
	const int trials = 20000;
	/* anchor 1, scores 1, 0, -1: weights exp(0), exp(-0.5), exp(-2) */
	double w[3] = { 1.0, exp(-0.5), exp(-2.0) }, tot = w[0] + w[1] + w[2];

	filter_params_default(&p);
	p.sampling = SAMPLING_SIMANS;
	p.num_negatives = 1;
	for (int q = 0; q < trials; q++) {
		c[0] = cand(1, 1, 1.0);
		c[1] = cand(2, 2, 0.0);
		c[2] = cand(3, 3, -1.0);
		filter_apply(&p, q, 1.0, c, 3);
		for (int i = 0; i < 3; i++)
			hits[i] += c[i].reason == FILTER_KEPT;
	}
	for (int i = 0; i < 3; i++)
		is_dbl((double)hits[i] / trials, w[i] / tot, 0.015,
		       "simans: frequency follows exp(-a (s - s_pos - b)^2)");
	/* b shifts the peak: b = -2 favours s = -1 */
	p.simans_b = -2.0;
	memset(hits, 0, sizeof(hits));
	for (int q = 0; q < 2000; q++) {
		c[0] = cand(1, 1, 1.0);
		c[1] = cand(2, 2, 0.0);
		c[2] = cand(3, 3, -1.0);
		filter_apply(&p, q, 1.0, c, 3);
		for (int i = 0; i < 3; i++)
			hits[i] += c[i].reason == FILTER_KEPT;
	}
	ok(hits[2] > hits[1] && hits[1] > hits[0],
	   "simans b=-2: peak moves to lower scores (%d %d %d)", hits[0],
	   hits[1], hits[2]);
}

static void
test_reason_names(void)
{
	ok(filter_reason_name(FILTER_KEPT) == NULL, "kept has no name");
	is_str(filter_reason_name(FILTER_REL_MARGIN), "relative_margin",
	       "name of relative margin");
	is_int(filter_reason_parse("unsampled"), FILTER_UNSAMPLED, "parse");
	is_int(filter_reason_parse(NULL), FILTER_KEPT, "parse NULL");
	is_int(filter_reason_parse("bogus"), FILTER_NREASONS, "parse unknown");
	{
		int seen[FILTER_NREASONS] = { 0 }, once = 1;

		for (int i = 0; i < FILTER_NREASONS - 1; i++)
			seen[filter_reason_order[i]]++;
		for (int r = 1; r < FILTER_NREASONS; r++)
			once &= seen[r] == 1;
		ok(once && !seen[FILTER_KEPT], "the test order lists every "
		   "reason once");
		is_int(filter_reason_order[1], FILTER_LABEL_FN, "people's "
		       "decisions right after positive");
	}
}

static void
test_summary(void)
{
	double v[] = { 4, 1, 3, 2 }, s[] = { 1, 2, 3, 4 };
	struct summary_desc d;
	struct summary sm;
	struct filter_cand c[3];
	double pos[] = { -1.0 };

	summary_describe(v, 4, &d);
	is_int((long long)d.count, 4, "describe count");
	is_dbl(d.mean, 2.5, 1e-12, "describe mean");
	is_dbl(d.std, sqrt(5.0 / 3.0), 1e-12, "describe sample std");
	is_dbl(d.min, 1, 0, "describe min");
	is_dbl(d.q25, 1.75, 1e-12, "describe 25% (linear)");
	is_dbl(d.median, 2.5, 1e-12, "describe median");
	is_dbl(d.q75, 3.25, 1e-12, "describe 75%");
	is_dbl(d.max, 4, 0, "describe max");
	is_dbl(summary_quantile(s, 1, 0.3), 1, 0, "quantile of one value");
	summary_describe(v, 0, &d);
	ok(isnan(d.mean) && d.count == 0, "describe nothing");

	summary_init(&sm);
	c[0] = cand(1, 1, -1.5);
	c[1] = cand(2, 2, -2.5);
	c[2] = cand(3, 3, -0.5);
	c[2].reason = FILTER_REL_MARGIN;
	summary_add_query(&sm, pos, 1, -1.0, c, 3, 3);
	is_int(sm.reasons[FILTER_REL_MARGIN], 1, "summary counts reasons");
	is_int(sm.short_queries, 1, "summary counts short queries");
	is_int((long long)sm.diff.n, 2, "summary differences");
	is_dbl(sm.diff.v[0], 0.5, 1e-12, "difference = anchor - negative");
	is_dbl(sm.diff.v[1], 1.5, 1e-12, "difference, negative scores");
	summary_fini(&sm);
}

/* The rank window counted two ways, on one hand-computed query: anchor
 * 0.9, absolute margin 0.1, window 1 < rank <= 3. */
static void
test_rank_of(void)
{
	struct filter_params p;
	struct filter_cand c[7];
	static const double sc[7] = { 0.9, 0.85, 0.7, 0.65, 0.6, 0.55, 0.5 };
	char got[64];
	size_t kept;

	off(&p);
	p.abs_margin = 0.1;
	p.range_min = 1;
	p.range_max = 3;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 7; i++)
			c[i] = cand(i + 1, i + 1, sc[i]);
		c[0].is_positive = true;	/* rank 1: the positive */
		c[3].same_text = true;		/* rank 4: a copy of it */
		p.rank_of = pass ? RANK_OF_NEGATIVES : RANK_OF_RETRIEVAL;
		kept = filter_apply(&p, 1, 0.9, c, 7);
		got[0] = 0;
		for (int i = 0; i < 7; i++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%s%c", i ? " " : "",
				 c[i].reason == FILTER_KEPT ? 'K' :
				 c[i].reason == FILTER_POSITIVE ? 'P' :
				 c[i].reason == FILTER_SAME_TEXT ? 'S' :
				 c[i].reason == FILTER_RANK ? 'R' :
				 c[i].reason == FILTER_ABS_MARGIN ? 'A' : '?');
		if (!pass) {
			/* ranks 2..3 of the retrieval: rank 2 fails the
			 * margin, rank 3 stays; 5..7 are outside */
			is_str(got, "P A K S R R R",
			       "rank_of retrieval: the window counts every rank");
			is_int((long long)kept, 1, "rank_of retrieval: 1 kept");
		} else {
			/* survivors of the other filters: ranks 3, 5, 6, 7
			 * are negatives 1..4; the window keeps 2..3 */
			is_str(got, "P A R S K K R",
			       "rank_of negatives: the window counts survivors");
			is_int((long long)kept, 2, "rank_of negatives: 2 kept");
		}
	}
	p.range_max = 50;
	p.rank_of = RANK_OF_RETRIEVAL;
	is_int(filter_depth(&p, 100, 3), 50, "depth: range_max");
	p.rank_of = RANK_OF_NEGATIVES;
	is_int(filter_depth(&p, 100, 3), 53,
	       "depth: range_max + most positives (sentence-transformers)");
	p.range_max = 0;
	is_int(filter_depth(&p, 100, 2), 102, "depth: default 100 + positives");
}

/* Decisions fire after positive and before the rules: a decided
 * candidate takes no place in the window (rank_of negatives) nor in the
 * sample. */
static void
test_apply_decided(void)
{
	struct filter_params p;
	struct filter_cand c[5];
	unsigned char d[5] = { FILTER_LABEL_FN, FILTER_KEPT, FILTER_DROP_PASSAGE,
			       FILTER_KEPT, FILTER_KEPT };
	size_t kept;

	filter_params_default(&p);
	p.range_max = 2;
	p.rank_of = RANK_OF_NEGATIVES;
	p.num_negatives = 0;
	for (int i = 0; i < 5; i++)
		c[i] = cand(20 + i, i + 1, 0.9 - 0.1 * i);
	c[1].is_positive = true;
	d[1] = FILTER_DROP_QUERY;	/* a positive stays a positive */
	kept = filter_apply_decided(&p, 1, NAN, d, c, 5);
	is_int((long long)kept, 2, "decided: two kept");
	is_int(c[0].reason, FILTER_LABEL_FN, "decided: false_negative");
	is_int(c[1].reason, FILTER_POSITIVE, "decided: positive first");
	is_int(c[2].reason, FILTER_DROP_PASSAGE, "decided: dropped_passage");
	is_int(c[3].reason, FILTER_KEPT, "decided: first negative in window");
	is_int(c[4].reason, FILTER_KEPT, "decided: the window moved past them");
	ok(FILTER_DECIDED(FILTER_DROP_QUERY) && !FILTER_DECIDED(FILTER_UNSAMPLED),
	   "FILTER_DECIDED tells decisions from rules");
	is_str(filter_reason_name(FILTER_LABEL_FN), "false_negative", "name");
	is_int(filter_reason_parse("dropped_query"), FILTER_DROP_QUERY, "parse");
}

/* A person's true negative answers the rules that guess false
 * negatives (max_score, the margins, the near-duplicate flag) and is
 * sampled first; positive, same_text, min_score and the rank window still
 * leave it out. */
static void
test_apply_tn(void)
{
	struct filter_params p;
	struct filter_cand c[8], b[8];
	unsigned char d[8];
	struct summary s;
	double one = 1.0;
	char buf[2048];
	FILE *fp;
	size_t kept;

	filter_params_default(&p);
	p.range_max = 7;
	p.max_score = 0.95;
	p.min_score = 0.2;
	p.rel_margin = 0.1;		/* anchor 1.0: drop s > 0.9 */
	p.near_dup = 0.98;
	p.num_negatives = 2;
	p.sampling = SAMPLING_RANDOM;
	p.seed = 7;
	for (int i = 0; i < 8; i++) {
		c[i] = cand(30 + i, i + 1, 0.99 - 0.1 * i);
		d[i] = FILTER_DECIDED_TN;
	}
	/* 0.99 max_score, 0.89 kept, 0.79 kept, 0.69 near-dup, 0.59 same
	 * text, 0.49 positive, 0.39 rank 7 ok, 0.29 rank 8 out of window */
	c[3].dup_sim = 0.99;
	c[4].same_text = true;
	c[5].is_positive = true;
	c[1].score = 0.92;		/* within the margin */
	c[6].score = 0.1;		/* below min_score */
	kept = filter_apply_decided(&p, 5, 1.0, d, c, 8);
	is_int(c[0].reason, FILTER_KEPT, "tn: kept above max_score");
	is_int(c[0].tn_over, FILTER_MAX_SCORE, "tn: ... which it overruled");
	is_int(c[1].reason, FILTER_KEPT, "tn: kept within relative_margin");
	is_int(c[1].tn_over, FILTER_REL_MARGIN, "tn: ... which it overruled");
	is_int(c[2].reason, FILTER_KEPT, "tn: kept beyond num_negatives");
	is_int(c[3].reason, FILTER_KEPT, "tn: near-duplicate kept");
	ok(!c[3].near_dup && c[3].tn_unflagged, "tn: ... and not flagged");
	is_int(c[4].reason, FILTER_SAME_TEXT, "tn: same_text still fires");
	is_int(c[5].reason, FILTER_POSITIVE, "tn: a positive stays one");
	is_int(c[6].reason, FILTER_MIN_SCORE, "tn: min_score still fires");
	is_int(c[6].tn_over, FILTER_KEPT, "tn: ... and it overruled nothing");
	is_int(c[7].reason, FILTER_RANK, "tn: the rank window still fires");
	is_int(c[6].tn_out, FILTER_MIN_SCORE, "tn: min_score left it out");
	is_int(c[7].tn_out, FILTER_RANK, "tn: the rank window left it out");
	is_int(c[0].tn_out, FILTER_KEPT, "tn: a kept one was left out by none");
	is_int((long long)kept, 4, "tn: all four kept past num_negatives 2");
	summary_init(&s);
	summary_add_query(&s, &one, 1, 1.0, c, 8, 2);
	fp = fmemopen(buf, sizeof(buf), "w");
	summary_print(&s, &p, fp);
	fclose(fp);
	/* (of c[2] and c[3], sampling alone would have chosen one: seed 7) */
	ok(strstr(buf, "Kept 3 candidates (37.50%) that people labelled true "
		  "negative although a rule would have left them out "
		  "(max_score 1, relative_margin 1, unsampled 1)") != NULL,
	   "tn: the summary counts what the labels overruled");
	ok(strstr(buf, "Did not flag 1 candidates (12.50%) as "
		  "near-duplicates: people labelled them true negative") !=
		   NULL, "tn: and the near-duplicates not flagged");
	ok(strstr(buf, "Left out 2 candidates (25.00%) that people labelled "
		  "true negative, by rules a label does not answer "
		  "(min_score 1, rank window 1)") != NULL,
	   "tn: and those min_score and the rank window left out");
	ok(strstr(buf, "of them have one annotator's label") == NULL,
	   "tn: no pending label, no line about them");
	summary_fini(&s);

	/* one annotator's label, not final (overlap): kept as a TN is, and
	 * the summary says it waits */
	for (int i = 0; i < 8; i++) {
		c[i] = cand(30 + i, i + 1, 0.99 - 0.1 * i);
		d[i] = FILTER_KEPT;
	}
	d[0] = FILTER_DECIDED_PENDING;
	d[1] = FILTER_DECIDED_TN;
	c[1].score = 0.92;
	filter_apply_decided(&p, 5, 1.0, d, c, 8);
	is_int(c[0].reason, FILTER_KEPT, "pending: kept above max_score");
	is_int(c[0].tn_over, FILTER_MAX_SCORE, "pending: ... which it overruled");
	ok(c[0].tn_pending && !c[1].tn_pending, "pending: ... and marked so");
	summary_init(&s);
	summary_add_query(&s, &one, 1, 1.0, c, 8, 2);
	fp = fmemopen(buf, sizeof(buf), "w");
	summary_print(&s, &p, fp);
	fclose(fp);
	ok(strstr(buf, "(max_score 1, relative_margin 1)\n  1 of them have "
		  "one annotator's label only") != NULL,
	   "pending: the summary says one of the kept ones waits");
	summary_fini(&s);

	/* sampling fills the places the labelled ones leave, and the
	 * others draw the keys they drew without the labels */
	p.max_score = p.min_score = p.rel_margin = p.near_dup = NAN;
	p.range_max = 0;
	p.num_negatives = 3;
	for (int i = 0; i < 8; i++) {
		b[i] = cand(30 + i, i + 1, 0.9 - 0.1 * i);
		d[i] = FILTER_KEPT;
	}
	memcpy(c, b, sizeof(c));
	filter_apply(&p, 9, NAN, c, 8);
	for (int i = 0, first = -1, out = -1; i < 8; i++) {
		if (c[i].reason == FILTER_KEPT && first < 0)
			first = i;
		if (c[i].reason == FILTER_UNSAMPLED && out < 0)
			out = i;
		if (i == 7) {
			struct filter_cand t[8];
			int nk = 0, same = 1;

			/* a sampled one labelled: the sample is the same */
			memcpy(t, b, sizeof(t));
			d[first] = FILTER_DECIDED_TN;
			filter_apply_decided(&p, 9, NAN, d, t, 8);
			for (int j = 0; j < 8; j++)
				same &= t[j].reason == c[j].reason;
			ok(same, "tn: labelling a sampled one keeps the sample");
			is_int(t[first].tn_over, FILTER_KEPT,
			       "tn: ... and overrules nothing");
			/* an unsampled one labelled: it takes a place */
			d[first] = FILTER_KEPT;
			d[out] = FILTER_DECIDED_TN;
			memcpy(t, b, sizeof(t));
			filter_apply_decided(&p, 9, NAN, d, t, 8);
			for (int j = 0; j < 8; j++)
				nk += t[j].reason == FILTER_KEPT;
			is_int(nk, 3, "tn: still num_negatives kept");
			is_int(t[out].reason, FILTER_KEPT,
			       "tn: the unsampled labelled one is kept");
			is_int(t[out].tn_over, FILTER_UNSAMPLED,
			       "tn: ... against sampling");
		}
	}
}

int
main(void)
{
	test_rank_of();
	test_apply_decided();
	test_apply_tn();
	test_anchor();
	test_filters();
	test_apply_top();
	test_apply_random();
	test_apply_simans();
	test_reason_names();
	test_summary();
	return tap_done();
}
