/*
 * filter.h - the candidate filters and the samplers of mining, as pure
 * functions over one query's retrieved candidates (no SQL, no faiss), so
 * `mine --refilter` can re-run them on stored candidates.
 *
 * Scores are "higher is better" for every method (BM25 scores from FTS5
 * are negated before they get here).  Filters run in a fixed order and a
 * candidate records only the first one that fired; the near-duplicate test
 * is a flag, not a filter: a flagged candidate stays eligible.
 */
#ifndef NS_FILTER_H
#define NS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/opt.h"

/* X(enum, name stored in candidate.filter, description for the summary).
 * The enum values are stored in run pools (db/mining.c): add new reasons
 * at the end, never reorder. */
#define FILTER_REASON_LIST(X) \
	X(FILTER_POSITIVE,   "positive",        "it is a positive of the query") \
	X(FILTER_SAME_TEXT,  "same_text",       "its text equals a positive's or the query's") \
	X(FILTER_RANK,       "rank",            "its rank is outside range_min..range_max") \
	X(FILTER_MAX_SCORE,  "max_score",       "its score is above max_score") \
	X(FILTER_MIN_SCORE,  "min_score",       "its score is below min_score") \
	X(FILTER_ABS_MARGIN, "absolute_margin", "it is within absolute_margin of the positive score") \
	X(FILTER_REL_MARGIN, "relative_margin", "it is within relative_margin of the positive score") \
	X(FILTER_UNSAMPLED,  "unsampled",       "sampling did not choose it") \
	X(FILTER_LABEL_FN,   "false_negative",  "a person labelled it a false negative (a positive of the query)") \
	X(FILTER_DROP_PASSAGE, "dropped_passage", "a person dropped the passage") \
	X(FILTER_DROP_QUERY, "dropped_query",   "a person dropped the query")

enum filter_reason {
	FILTER_KEPT = 0,
#define FILTER_ENUM(e, name, desc) e,
	FILTER_REASON_LIST(FILTER_ENUM)
#undef FILTER_ENUM
	FILTER_NREASONS
};

/* Is @r one of people's decisions (false_negative, dropped_passage,
 * dropped_query), not a rule? */
#define FILTER_DECIDED(r) ((r) >= FILTER_LABEL_FN && (r) < FILTER_NREASONS)

/* In the @decided array of filter_apply_decided(): a person labelled the
 * candidate a true negative (no reason: it is kept, see there). */
#define FILTER_DECIDED_TN 0xff
/* ... or one annotator labelled it (fn or tn) and it waits for the
 * others' labels (review.overlap) or an adjudicator's: no label yet, but
 * kept as a true negative is, so that they can still label it
 * (c[i].tn_pending says so). */
#define FILTER_DECIDED_PENDING 0xfe
#define FILTER_DECIDED_AS_TN(d) \
	((d) == FILTER_DECIDED_TN || (d) == FILTER_DECIDED_PENDING)

enum filter_anchor { FILTER_ANCHOR_MIN, FILTER_ANCHOR_MEAN, FILTER_ANCHOR_MAX };

enum filter_sampling { SAMPLING_TOP, SAMPLING_RANDOM, SAMPLING_SIMANS };

/*
 * What range_min and range_max count.  RANK_OF_RETRIEVAL: the retrieval
 * rank, positives and same-text passages included (FlagEmbedding's
 * hn_mine: negatives from ranks 10..210 of the search).  RANK_OF_NEGATIVES:
 * the rank among the candidates that every other filter leaves
 * (sentence-transformers' mine_hard_negatives, which masks positives and
 * margin/score failures before taking ranks range_min+1..range_max, and
 * searches range_max plus the most positives of a query deep).
 */
enum filter_rank_of { RANK_OF_RETRIEVAL, RANK_OF_NEGATIVES };

struct filter_params {
	int range_min;		/* drop rank <= range_min (0: none) */
	int range_max;		/* drop rank > range_max (0: no limit) */
	double max_score;	/* drop s > max_score; NAN = off */
	double min_score;	/* drop s < min_score; NAN = off */
	double abs_margin;	/* drop s > a - abs_margin; NAN = off */
	double rel_margin;	/* drop s > a - |a|*rel_margin; NAN = off */
	enum filter_anchor anchor; /* a = min/mean/max positive score */
	double near_dup;	/* flag dup_sim >= near_dup; NAN = off */
	enum filter_sampling sampling;
	int num_negatives;	/* negatives to keep per query; 0 = all */
	uint64_t seed;		/* random and simans */
	double simans_a;	/* SimANS p ~ exp(-a (s - a_pos - b)^2) */
	double simans_b;
	enum filter_rank_of rank_of;	/* what the rank window counts */
};

/* One retrieved candidate of a query. */
struct filter_cand {
	int64_t passage_id;
	int rank;		/* 1-based retrieval rank */
	double score;		/* higher = more similar */
	double dup_sim;		/* max similarity to a positive; NAN unknown */
	bool is_positive;	/* the passage is a positive of the query */
	bool same_text;		/* text equals a positive's or the query's */
	enum filter_reason reason; /* out: FILTER_KEPT or the filter that fired */
	bool near_dup;		/* out: dup_sim >= near_dup */
	/* out, for a candidate labelled a true negative: the rule that
	 * would have left it out had nobody labelled it (FILTER_MAX_SCORE,
	 * a margin, or FILTER_UNSAMPLED; FILTER_KEPT: none), and whether it
	 * would have been flagged near-duplicate */
	unsigned char tn_over;
	bool tn_unflagged;
	/* out, for a candidate labelled a true negative that a rule the
	 * label does not answer left out all the same: that rule
	 * (FILTER_MIN_SCORE or FILTER_RANK; FILTER_KEPT: none), for the
	 * summary to say so */
	unsigned char tn_out;
	bool tn_pending;	/* out: that label is a pending one
				 * (FILTER_DECIDED_PENDING) */
};

/* The option rows of struct filter_params (src/opt.h): --range-min ...
 * --seed over the mine.* config keys. */
extern const struct opt filter_opts[];

/* The defaults of config_keys[] (mine.*): rank window 0..100, no score
 * bounds or margins, anchor min, near_dup 0.98, sampling top, 3
 * negatives, seed 0, SimANS a=0.5 b=0. */
void filter_params_default(struct filter_params *p);

/* The reasons in the order they are tested (positive, people's
 * decisions, the rules, sampling), which the enum's stored values do not
 * follow: summaries list them so. */
extern const enum filter_reason filter_reason_order[FILTER_NREASONS - 1];

/* Stored name of @r ("positive", ...), NULL for FILTER_KEPT. */
const char *filter_reason_name(enum filter_reason r);
/* One-line description of @r for summaries. */
const char *filter_reason_desc(enum filter_reason r);
/* Inverse of filter_reason_name(); NULL gives FILTER_KEPT, an unknown
 * name FILTER_NREASONS. */
enum filter_reason filter_reason_parse(const char *name);

/* The anchor score of @n positive scores (min, mean or max); NAN when
 * @n is 0 (the margins then do not fire). */
double filter_anchor_score(const double *pos, size_t n, enum filter_anchor a);

/*
 * Apply the filters and then the sampler of @p to the @n candidates @c of
 * one query (in any order), setting each one's reason and near_dup.
 * @anchor is the query's anchor positive score (NAN if it has none).
 * Random draws depend only on (@p->seed, @query_id), so a query samples the
 * same negatives whether it is mined alone, in a shard or refiltered.
 * Returns the number of candidates left with FILTER_KEPT.
 */
size_t filter_apply(const struct filter_params *p, int64_t query_id,
		    double anchor, struct filter_cand *c, size_t n);

/*
 * filter_apply() honouring people's decisions: @decided[i] (NULL: none)
 * is FILTER_KEPT, or the reason a decision gives candidate i
 * (FILTER_LABEL_FN, FILTER_DROP_PASSAGE, FILTER_DROP_QUERY, or
 * FILTER_SAME_TEXT for a text equal to a false negative's), or
 * FILTER_DECIDED_TN or FILTER_DECIDED_PENDING.  A decision fires after `positive` and before every
 * rule, so a decided candidate takes no place in the rank window of
 * RANK_OF_NEGATIVES nor in the sample.  The caller includes the scores of
 * the candidates labelled false negative in @anchor (they are positives
 * now).
 *
 * A candidate labelled a true negative answers the rules that guess a
 * false negative: max_score and the two margins do not leave it out, it
 * is not flagged near-duplicate, and the sample takes it first (it counts
 * toward num_negatives; sampling fills the places left).  The rules that
 * say nothing about its label still do: positive, same_text, the rank
 * window (the search did not put it there) and min_score (too easy to
 * teach anything, whatever its label).  c[i].tn_over and tn_unflagged say
 * what a label overruled, c[i].tn_out which of the last two left a
 * labelled one out.
 */
size_t filter_apply_decided(const struct filter_params *p, int64_t query_id,
			    double anchor, const unsigned char *decided,
			    struct filter_cand *c, size_t n);

/* Which filter (before sampling) fires for a single candidate, judging
 * the rank window on c->rank (in RANK_OF_NEGATIVES, filter_apply() passes
 * the rank among the survivors of the other filters). */
enum filter_reason filter_check(const struct filter_params *p, double anchor,
				const struct filter_cand *c);

/* Search depth that @p needs when a query has at most @max_pos positives:
 * range_max (0: @dflt), plus @max_pos in RANK_OF_NEGATIVES. */
int filter_depth(const struct filter_params *p, int dflt, int64_t max_pos);

/* A small deterministic generator (splitmix64) for the samplers. */
uint64_t filter_rng_next(uint64_t *state);
/* Uniform in (0, 1). */
double filter_rng_uniform(uint64_t *state);

#endif
