/*
 * summary.h - descriptive statistics of mined scores, printed like
 * sentence-transformers' mine_hard_negatives summary.
 */
#ifndef NS_SUMMARY_H
#define NS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "src/filter.h"

/* A growable column of doubles; caller-owned (summary_col_fini). */
struct summary_col {
	double *v;
	size_t n, cap;
};

void summary_col_add(struct summary_col *c, double x);
void summary_col_fini(struct summary_col *c);

/* count, mean, sample standard deviation (n-1), and quantiles with linear
 * interpolation between order statistics (as numpy's default). */
struct summary_desc {
	size_t count;
	double mean, std, min, q25, median, q75, max;	/* NAN when count 0 */
};

/* Describe @n values of @v (not modified; a sorted copy is made). */
void summary_describe(const double *v, size_t n, struct summary_desc *d);

/* Quantile @q in [0,1] of the @n ascending values @sorted; NAN if n = 0. */
double summary_quantile(const double *sorted, size_t n, double q);

/* Everything a mining run reports. */
struct summary {
	struct summary_col pos;		/* positive scores */
	struct summary_col neg;		/* scores of the kept negatives */
	struct summary_col diff;	/* anchor - negative score */
	int64_t reasons[FILTER_NREASONS]; /* candidates per first filter */
	int64_t candidates;		/* candidates seen */
	int64_t near_dup;		/* candidates flagged near-duplicate */
	int64_t tn_kept[FILTER_NREASONS]; /* candidates labelled true
					 * negative kept against this rule */
	int64_t tn_unflagged;		/* ... not flagged near-duplicate */
	int64_t tn_pending;		/* tn_kept by one annotator's label
					 * that waits for the others' */
	int64_t tn_out[FILTER_NREASONS]; /* ... left out by this rule all
					 * the same (min_score, rank) */
	int64_t queries;		/* queries mined */
	int64_t short_queries;		/* queries with < num_negatives kept */
	int64_t no_positive;		/* queries without a positive */
	int64_t zero_positive;		/* queries with a positive scoring
					 * exactly 0 */
	bool bm25;			/* BM25 scores: a 0 is a positive
					 * sharing no term with its query */
	int64_t not_in_run;		/* a refilter: queries of the project
					 * imported after the run was mined */
	int64_t no_text;		/* a refilter, a BM25 mine: queries
					 * without text (none, or blank), not
					 * in not_in_run nor short_queries */
};

void summary_init(struct summary *s);
void summary_fini(struct summary *s);

/* Account one query: its positive scores @pos[@npos], anchor, and its
 * filtered candidates; @want is num_negatives (0 = no target). */
void summary_add_query(struct summary *s, const double *pos, size_t npos,
		       double anchor, const struct filter_cand *c, size_t n,
		       int want);

/* Print the table, skip counts with percentages and the short-query line
 * to @fp; @p supplies the thresholds named in the skip lines. */
void summary_print(const struct summary *s, const struct filter_params *p,
		   FILE *fp);

#endif
