/*
 * simulate.h - `negsieve simulate`: replay review, the cascade and its
 * refits on a project with an oracle (graded qrels hidden from
 * everything else) answering in place of people, at several human
 * budgets, beside fixed mining rules on the same candidates.
 *
 * Nothing is written to the project: the replay runs on the cascade's
 * items in memory (cascade_db_items), with every label taken away first.
 * It runs the cascade exactly as `cascade`, `review` and `fit` do:
 *
 *  - start: the config's thresholds and no P(FN) model (the first
 *    `negsieve cascade`), every item routed (cascade_route), the queue
 *    ordered by cascade_queue_order();
 *  - review: the next query is the one holding the waiting item of
 *    highest priority (queue_next_unsettled); its items left to people
 *    (routed to review and not held by an unscored stage, or in the
 *    audit slice), as they were when it was opened, are answered by the
 *    oracle in the order review shows them (score, highest first);
 *  - every cascade.refit_every decisions, a refit (cascade_fit from the
 *    thresholds in force, as `fit --verdicts-only`), new verdicts, P(FN)
 *    and queue order;
 *  - at each budget (a share of the judged candidates spent as
 *    decisions), one more refit, as `negsieve fit` before an export, and
 *    the count of what export would write: a person's label wins, else a
 *    project judgment below the positive grade is a negative, else the
 *    cascade's verdict (fn left out, tn a negative, review a negative
 *    unless undecided candidates are dropped or its P(FN) is above
 *    max_pfn).
 *
 * The budgets are snapshots of one replay: the snapshot's extra refit
 * does not change the replay, so every budget reads as if review had
 * stopped there.
 */
#ifndef NS_SIMULATE_H
#define NS_SIMULATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "src/cascade.h"
#include "src/err.h"
#include "src/opt.h"
#include "src/project.h"

/* X(ID, name in the output, what it keeps as negatives) */
#define SIMULATE_POLICY_LIST(X) \
	X(CASCADE,  "cascade",              "the cascade with people deciding what it routes to them") \
	X(KEEP_ALL, "keep-all",             "every candidate") \
	X(SKIP_TOP, "skip-top-10",          "candidates ranked below 10 (FlagEmbedding's sampling window)") \
	X(REL_MARGIN, "relative-margin-0.05", "candidates with s <= s_pos - 0.05 |s_pos| (sentence-transformers, NV-Retriever's 95%)") \
	X(ABS_MARGIN, "absolute-margin-0.1",  "candidates with s <= s_pos - 0.1")

enum simulate_policy {
#define SIMULATE_POLICY_ENUM(id, name, help) SIMULATE_##id,
	SIMULATE_POLICY_LIST(SIMULATE_POLICY_ENUM)
#undef SIMULATE_POLICY_ENUM
	SIMULATE_NPOLICIES
};

/* Name of a policy ("skip-top-10"). */
const char *simulate_policy_name(enum simulate_policy p);

#define SIMULATE_MAX_BUDGETS 64

/* The order of the choices of --undecided. */
enum simulate_undecided { SIMULATE_UNDECIDED_KEEP, SIMULATE_UNDECIDED_DROP };

struct simulate_settings {
	const char *oracle;	/* the qrels file (required) */
	int relevant_grade;	/* grade >= this: a false negative */
	double budget[SIMULATE_MAX_BUDGETS];	/* shares of the judged
						 * candidates, ascending */
	int nbudget;		/* 0: the defaults */
	double judge_accuracy;	/* the simulated judge's; NAN: none */
	int64_t seed;		/* cascade.seed: the audit slice; and the
				 * judge's noise */
	int undecided;		/* enum simulate_undecided */
	double max_pfn;		/* export.max_pfn: undecided with a
				 * higher P(FN) are left out */
	FILE *report;		/* notes while loading; NULL: quiet */
};

/* The option rows of struct simulate_settings (src/opt.h). */
extern const struct opt simulate_opts[];

/* The default budgets, used when nbudget is 0. */
extern const double simulate_default_budgets[];
extern const int simulate_ndefault_budgets;

/* One policy at one budget. */
struct simulate_row {
	enum simulate_policy policy;
	double budget;		/* share of the judged candidates */
	int64_t decisions;	/* human decisions used (<= the budget) */
	int64_t fn_people;	/* false negatives people labelled */
	int64_t fn_auto;	/* ... flagged or dropped automatically */
	int64_t negatives;	/* what export would write as negatives */
	int64_t negatives_fn;	/* ... of which false negatives */
	int64_t tn_kept;	/* ... true negatives */
	double contamination;	/* negatives_fn / negatives (NAN: none) */
	double tn_share;	/* tn_kept / all true negatives */
	double fn_share;	/* (fn_people + fn_auto) / all false negatives */
	/* the cascade only: its verdicts after the last refit, unlabelled
	 * items */
	int64_t auto_tn, auto_fn, undecided;
	int64_t left_out;	/* undecided left out: P(FN) > max_pfn */
	/* the estimate `stats` would print (cascadejob_estimate_from) */
	bool estimate_known;
	double estimate, estimate_lo, estimate_hi;
	double estimate_raw;	/* before it is kept to 0 .. undecided /
				 * negatives */
	bool estimate_bound;	/* max_pfn cut some out: estimate_hi is
				 * an upper bound, estimate above the
				 * contamination in expectation only */
	int64_t audit_n, audit_fn;
};

struct simulate_result {
	int64_t oracle_judgments;	/* distinct (query, passage) */
	int64_t oracle_held;		/* ... of which the project holds
					 * too (as positives or judged
					 * negatives): most, and the oracle
					 * was imported into it, nothing
					 * hidden (simulate_oracle_held()) */
	int64_t candidates;		/* kept candidates of the project */
	int64_t judged;			/* of those, judged by the oracle */
	int64_t fn, tn;			/* judged >= / < the grade */
	int64_t unjudged;		/* left out */
	int64_t refits;			/* in the replay */
	int64_t audit;			/* judged candidates in the audit
					 * slice */
	double sigma;			/* the judge's noise; NAN: none */
	struct simulate_row *rows;	/* nbudget x SIMULATE_NPOLICIES,
					 * budget-major (owned) */
	size_t nrows;
	char stages[256];		/* "near_duplicate, gap, ..." */
	double confidence;		/* of the estimate's interval */
	double audit_share;
	int refit_every;
};

/*
 * Replay on the open project @pj under the cascade settings of @cfg
 * (the project's config, or another: `--config`).  On success @res is
 * filled (simulate_result_fini()).  The oracle's errors carry its
 * file:line:col; a project without kept candidates, or without one the
 * oracle judged, is NS_EINPUT.  Nothing is written to the project.
 */
enum ns_rc simulate_run(struct project *pj, const struct config *cfg,
			const struct simulate_settings *s,
			struct simulate_result *res, struct ns_err *err);

/*
 * The replay itself, on @n items in (query, passage) order (their labels
 * are overwritten), with @truth[i] 1 for a false negative and 0 for a
 * true negative, and @judged_neg[i] (may be NULL) for a project judgment
 * below the positive grade.  @c is the cascade (with the simulated
 * judge's stage and scores already in place when there is one).  Fills
 * res->rows and the counts that come from the items (fn, tn, judged,
 * refits, audit); simulate_run() adds the rest.
 */
enum ns_rc simulate_items(const struct cascade *c, struct cascade_item *items,
			  size_t n, const signed char *truth,
			  const bool *judged_neg,
			  const struct simulate_settings *s,
			  struct simulate_result *res, struct ns_err *err);

void simulate_result_fini(struct simulate_result *res);

/* Whether the project holds most of the oracle's judgments (more than
 * half: res->oracle_held): then the oracle was imported into it and
 * hides nothing, its relevant candidates are positives already, the rest
 * judged negatives, and the replay finds no false negative; a project
 * set up for simulate holds a positive or so per query of it. */
bool simulate_oracle_held(const struct simulate_result *res);

/* sigma of a judge right with probability @p at 0.5: 0.5 / Phi^-1(p)
 * (0 for p = 1). */
double simulate_judge_sigma(double p);

/* The judge's score for item (@qid, @pid) of class @y (0 or 1) under
 * @seed: y + sigma * z, z a standard normal draw of the item and seed. */
double simulate_judge_score(int64_t qid, int64_t pid, int y, double sigma,
			    uint64_t seed);

#endif
