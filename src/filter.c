/*
 * filter.c - filters and samplers of mining (see filter.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/filter.h"
#include "src/util.h"

static const char *const reason_names[FILTER_NREASONS] = {
	[FILTER_KEPT] = NULL,
#define FILTER_NAME(e, name, desc) [e] = name,
	FILTER_REASON_LIST(FILTER_NAME)
#undef FILTER_NAME
};

static const char *const reason_descs[FILTER_NREASONS] = {
	[FILTER_KEPT] = "kept",
#define FILTER_DESC(e, name, desc) [e] = desc,
	FILTER_REASON_LIST(FILTER_DESC)
#undef FILTER_DESC
};

/* The settings of filter_apply(), as options of `mine` (and of anything
 * else that filters) overriding the mine.* config keys. */
#define FP struct filter_params
const struct opt filter_opts[] = {
	OPT_KEY(0, "range-min", "N", "mine.range_min", CONFIG_INT, FP,
		range_min, "drop candidates ranked <= N"),
	OPT_KEY(0, "range-max", "N", "mine.range_max", CONFIG_INT, FP,
		range_max, "search depth, at least 1; drop ranks > N"),
	OPT_KEY(0, "max-score", "S", "mine.max_score", CONFIG_FLOAT, FP,
		max_score, "drop scores above S (off: none)"),
	OPT_KEY(0, "min-score", "S", "mine.min_score", CONFIG_FLOAT, FP,
		min_score, "drop scores below S (off: none)"),
	OPT_KEY(0, "absolute-margin", "M", "mine.absolute_margin",
		CONFIG_FLOAT, FP, abs_margin, "drop s > s_pos - M (off: none)"),
	OPT_KEY(0, "relative-margin", "R", "mine.relative_margin",
		CONFIG_FLOAT, FP, rel_margin,
		"drop s > s_pos - |s_pos|*R (off: none)"),
	OPT_KEY(0, "anchor", "A", "mine.anchor", CONFIG_ENUM, FP, anchor,
		"positive score anchor: min, mean or max"),
	OPT_KEY(0, "near-duplicate", "T", "mine.near_duplicate", CONFIG_FLOAT,
		FP, near_dup, "flag candidates with cosine >= T to a positive "
		"(dense)"),
	OPT_KEY(0, "sampling", "S", "mine.sampling", CONFIG_ENUM, FP, sampling,
		"top, random or simans"),
	OPT_KEY(0, "simans-a", "A", "mine.simans_a", CONFIG_FLOAT, FP,
		simans_a, "SimANS a"),
	OPT_KEY(0, "simans-b", "B", "mine.simans_b", CONFIG_FLOAT, FP,
		simans_b, "SimANS b"),
	OPT_KEY(0, "num-negatives", "N", "mine.num_negatives", CONFIG_INT, FP,
		num_negatives, "negatives to keep per query (0 = all)"),
	OPT_KEY(0, "seed", "N", "mine.seed", CONFIG_INT, FP, seed,
		"seed of random and simans sampling"),
	OPT_KEY(0, "rank-of", "R", "mine.rank_of", CONFIG_ENUM, FP, rank_of,
		"what the rank window counts: retrieval ranks, or ranks among "
		"the negatives (sentence-transformers)"),
	OPT_END
};
#undef FP

void
filter_params_default(struct filter_params *p)
{
	memset(p, 0, sizeof(*p));
	opt_settings(filter_opts, NULL, p);
}

const enum filter_reason filter_reason_order[FILTER_NREASONS - 1] = {
	FILTER_POSITIVE,
	/* people's decisions fire right after positive (src/mine.c) */
	FILTER_LABEL_FN, FILTER_DROP_PASSAGE, FILTER_DROP_QUERY,
	FILTER_SAME_TEXT, FILTER_RANK, FILTER_MAX_SCORE, FILTER_MIN_SCORE,
	FILTER_ABS_MARGIN, FILTER_REL_MARGIN, FILTER_UNSAMPLED,
};

const char *
filter_reason_name(enum filter_reason r)
{
	return (unsigned)r < FILTER_NREASONS ? reason_names[r] : NULL;
}

const char *
filter_reason_desc(enum filter_reason r)
{
	return (unsigned)r < FILTER_NREASONS ? reason_descs[r] : "?";
}

enum filter_reason
filter_reason_parse(const char *name)
{
	if (!name)
		return FILTER_KEPT;
	for (int r = 1; r < FILTER_NREASONS; r++)
		if (strcmp(reason_names[r], name) == 0)
			return (enum filter_reason)r;
	return FILTER_NREASONS;
}

double
filter_anchor_score(const double *pos, size_t n, enum filter_anchor a)
{
	double v;

	if (n == 0)
		return NAN;
	v = pos[0];
	for (size_t i = 1; i < n; i++) {
		switch (a) {
		case FILTER_ANCHOR_MIN:
			if (pos[i] < v)
				v = pos[i];
			break;
		case FILTER_ANCHOR_MAX:
			if (pos[i] > v)
				v = pos[i];
			break;
		case FILTER_ANCHOR_MEAN:
			v += pos[i];
			break;
		}
	}
	return a == FILTER_ANCHOR_MEAN ? v / (double)n : v;
}

static bool
filter_out_of_window(const struct filter_params *p, int rank)
{
	return rank <= p->range_min || (p->range_max > 0 && rank > p->range_max);
}

int
filter_depth(const struct filter_params *p, int dflt, int64_t max_pos)
{
	int64_t k = p->range_max > 0 ? p->range_max : dflt;

	if (p->rank_of == RANK_OF_NEGATIVES)
		k += max_pos;
	return k > 10000000 ? 10000000 : (int)k;
}

/* The filters other than the rank window, in their order. */
static enum filter_reason
filter_check_scores(const struct filter_params *p, double anchor,
		    const struct filter_cand *c)
{
	double s = c->score;

	if (c->is_positive)
		return FILTER_POSITIVE;
	if (c->same_text)
		return FILTER_SAME_TEXT;
	if (!isnan(p->max_score) && s > p->max_score)
		return FILTER_MAX_SCORE;
	if (!isnan(p->min_score) && s < p->min_score)
		return FILTER_MIN_SCORE;
	if (!isnan(anchor)) {
		if (!isnan(p->abs_margin) && s > anchor - p->abs_margin)
			return FILTER_ABS_MARGIN;
		/* sign-correct: for a negative anchor, anchor*(1-r) would
		 * move the bound up, not down */
		if (!isnan(p->rel_margin) &&
		    s > anchor - fabs(anchor) * p->rel_margin)
			return FILTER_REL_MARGIN;
	}
	return FILTER_KEPT;
}

enum filter_reason
filter_check(const struct filter_params *p, double anchor,
	     const struct filter_cand *c)
{
	if (c->is_positive)
		return FILTER_POSITIVE;
	if (c->same_text)
		return FILTER_SAME_TEXT;
	if (p->rank_of == RANK_OF_RETRIEVAL && filter_out_of_window(p, c->rank))
		return FILTER_RANK;
	return filter_check_scores(p, anchor, c);
}

struct rank_idx {
	int rank;
	size_t idx;
};

static int
rank_idx_cmp(const void *a, const void *b)
{
	const struct rank_idx *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

uint64_t
filter_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double
filter_rng_uniform(uint64_t *state)
{
	/* 53 random bits, shifted off zero */
	return ((double)(filter_rng_next(state) >> 11) + 0.5) * 0x1.0p-53;
}

struct keyed {
	double key;
	size_t idx;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;	/* descending */
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Choose p->num_negatives of the kept candidates; the rest become
 * FILTER_UNSAMPLED.  Weighted sampling without replacement uses the
 * Gumbel-top-k trick (key = log w + Gumbel noise), which works on log
 * weights and so never underflows for SimANS.  The candidates labelled a
 * true negative (@tn[i], NULL: none) are chosen first; they draw their
 * keys all the same, so that the others' keys, and the sample of a query
 * whose labelled candidates it chose anyway, are what they were without
 * the labels.
 */
static void
filter_sample(const struct filter_params *p, int64_t query_id, double anchor,
	      struct filter_cand *c, size_t n, size_t kept,
	      const bool *tn)
{
	struct keyed *k;
	size_t m = 0, ntn = 0, want = (size_t)p->num_negatives;
	uint64_t st;

	if (p->num_negatives <= 0 || kept <= want)
		return;
	st = p->seed ^ ((uint64_t)query_id * 0xd1342543de82ef95ULL);
	(void)filter_rng_next(&st);
	if (isnan(anchor)) {
		/* no positive: SimANS centres on the best kept score */
		for (size_t i = 0; i < n; i++)
			if (c[i].reason == FILTER_KEPT &&
			    (isnan(anchor) || c[i].score > anchor))
				anchor = c[i].score;
	}
	k = xmalloc(kept * sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		double lw, u;

		if (c[i].reason != FILTER_KEPT)
			continue;
		switch (p->sampling) {
		case SAMPLING_TOP:
			/* best rank first; ties by score */
			k[m].key = -(double)c[i].rank + c[i].score * 1e-12;
			break;
		case SAMPLING_RANDOM:
		case SAMPLING_SIMANS:
			lw = 0;
			if (p->sampling == SAMPLING_SIMANS) {
				double d = c[i].score - anchor -
					   p->simans_b;
				lw = -p->simans_a * d * d;
			}
			u = filter_rng_uniform(&st);
			k[m].key = lw - log(-log(u));
			break;
		}
		k[m].idx = i;
		ntn += tn && tn[i];
		m++;
	}
	qsort(k, m, sizeof(*k), keyed_cmp);
	if (ntn == 0) {
		for (size_t j = want; j < m; j++)
			c[k[j].idx].reason = FILTER_UNSAMPLED;
		free(k);
		return;
	}
	/* the labelled ones first, then the best of the others; a
	 * labelled one past the first num_negatives keys is one that
	 * sampling would have left out */
	for (size_t j = 0, others = 0; j < m; j++) {
		struct filter_cand *x = &c[k[j].idx];

		if (tn[k[j].idx]) {
			if (j >= want && x->tn_over == FILTER_KEPT)
				x->tn_over = FILTER_UNSAMPLED;
		} else if (ntn + others++ >= want) {
			x->reason = FILTER_UNSAMPLED;
		}
	}
	free(k);
}

size_t
filter_apply(const struct filter_params *p, int64_t query_id, double anchor,
	     struct filter_cand *c, size_t n)
{
	return filter_apply_decided(p, query_id, anchor, NULL, c, n);
}

size_t
filter_apply_decided(const struct filter_params *p, int64_t query_id,
		     double anchor, const unsigned char *decided,
		     struct filter_cand *c, size_t n)
{
	struct filter_params guess = *p;
	bool *tn = NULL;
	size_t kept = 0;

	/* the rules a true-negative label answers (filter.h) */
	guess.max_score = guess.abs_margin = guess.rel_margin = NAN;
	for (size_t i = 0; i < n; i++) {
		c[i].tn_over = FILTER_KEPT;
		c[i].tn_unflagged = false;
		c[i].tn_out = FILTER_KEPT;
		c[i].tn_pending = decided &&
				  decided[i] == FILTER_DECIDED_PENDING;
		c[i].near_dup = !isnan(p->near_dup) && !isnan(c[i].dup_sim) &&
				c[i].dup_sim >= p->near_dup;
		if (decided && FILTER_DECIDED_AS_TN(decided[i]) &&
		    !c[i].is_positive) {
			enum filter_reason r = filter_check(p, anchor, &c[i]);

			if (!tn)
				tn = xcalloc(n + 1, sizeof(*tn));
			tn[i] = true;
			c[i].reason = filter_check(&guess, anchor, &c[i]);
			if (c[i].reason == FILTER_KEPT)
				c[i].tn_over = (unsigned char)r;
			c[i].tn_unflagged = c[i].near_dup;
			c[i].near_dup = false;
		} else if (decided && decided[i] != FILTER_KEPT &&
			   !c[i].is_positive) {
			c[i].reason = (enum filter_reason)decided[i];
		} else {
			c[i].reason = filter_check(p, anchor, &c[i]);
		}
	}
	if (p->rank_of == RANK_OF_NEGATIVES) {
		/* the window counts the survivors, in retrieval order (a
		 * labelled true negative among them) */
		struct rank_idx *o = xmalloc((n + 1) * sizeof(*o));
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (c[i].reason == FILTER_KEPT) {
				o[m].rank = c[i].rank;
				o[m++].idx = i;
			}
		qsort(o, m, sizeof(*o), rank_idx_cmp);
		for (size_t j = 0; j < m; j++)
			if (filter_out_of_window(p, (int)j + 1))
				c[o[j].idx].reason = FILTER_RANK;
		free(o);
	}
	for (size_t i = 0; i < n; i++)
		kept += c[i].reason == FILTER_KEPT;
	filter_sample(p, query_id, anchor, c, n, kept, tn);
	kept = 0;
	for (size_t i = 0; i < n; i++) {
		/* a labelled one left out anyway overruled nothing */
		if (tn && tn[i] && c[i].reason != FILTER_KEPT) {
			c[i].near_dup = c[i].tn_unflagged;
			c[i].tn_unflagged = false;
			c[i].tn_over = FILTER_KEPT;
			if (c[i].reason == FILTER_MIN_SCORE ||
			    c[i].reason == FILTER_RANK)
				c[i].tn_out = (unsigned char)c[i].reason;
		}
		kept += c[i].reason == FILTER_KEPT;
	}
	free(tn);
	return kept;
}
