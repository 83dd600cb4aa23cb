/*
 * cascade.h - the cascade of filters, in memory: stages, the route of an
 * item through them, the refit of their thresholds from human labels
 * with honest bounds, and the P(false negative) model.
 *
 * A stage has a scorer and two thresholds lo <= hi.  An item whose score
 * at a stage is below lo is kept as a true negative (TN), above hi
 * flagged as a false negative (FN); in between, or without a score from
 * a built-in scorer, it goes on to the next stage; after the last stage
 * it goes to people (REVIEW).  An external stage (command, judge) that
 * has not scored an item yet holds it there (REVIEW, pending).
 *
 * Every scorer's number is "higher = more likely a false negative".
 *
 * Refitting (cascade_fit) chooses each stage's lo and hi in order, on
 * the items that reach the stage under the new thresholds of the stages
 * before it, so that the one-sided Clopper-Pearson upper bound of the
 * false-negative rate among what the stage keeps stays <= target_fnr and
 * the lower bound of the precision among what it flags stays >=
 * target_precision.  Only labels of the audit slice certify: the slice is
 * a uniform random sample of the items (drawn by a hash of the item and
 * the seed, independent of every score), so its labels are an unbiased
 * sample of any set defined by scores.  Candidate thresholds are a fixed
 * grid of quantiles of the scores of all items that reach the stage
 * (known before any label is looked at), tested in order from the
 * strictest (fixed-sequence testing: the first threshold whose bound
 * fails stops the search, which keeps the error rate at 1 - confidence
 * without a correction for the number of thresholds tried).  A threshold
 * moves looser only when the looser one is certified; it moves stricter
 * (to the loosest certified one) only when the labels show, with the same
 * confidence, that it misses its target; with too few labels it stays.
 * Labels outside the audit slice (chosen because the model was unsure)
 * train P(FN) and certify nothing.
 *
 * The audit slice is labelled in a fixed random order (a second draw of
 * each item), and only its labelled prefix certifies: the audit items up
 * to the first one nobody has labelled yet.  The prefix is a uniform
 * random sample whatever else people labelled; an audit item labelled
 * before its turn (its query was open for other items, or a person
 * chose it) joins the certifying labels only when the prefix reaches it.
 * A labelled item that no filter keeps any more (it->hidden: a refilter
 * made a false negative a positive) stays in the slice and in the
 * labels: it was drawn as a candidate, and without it the slice would
 * lose every false negative people found in it and keep its true
 * negatives.
 */
#ifndef NS_CASCADE_H
#define NS_CASCADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/config.h"
#include "src/err.h"

/* X(ID, config name, built-in feature or -1, description) */
#define CASCADE_SCORER_LIST(X) \
	X(SCORE,   "score",          0,  "the candidate's retriever score") \
	X(GAP,     "gap",            1,  "its score minus the positive's (the lowest positive score)") \
	X(GAP_REL, "gap_relative",   2,  "that gap over |positive score|, when the positive's score is not near 0") \
	X(RANK,    "rank",           3,  "minus its rank (higher = nearer the top)") \
	X(DUP,     "near_duplicate", 4,  "its cosine similarity to the nearest positive") \
	X(AGREE,   "agreement",      5,  "1/rank of the candidate in another run (0 when that run did not find it)") \
	X(COMMAND, "command",        -1, "an external command: JSONL requests in, JSONL scores out") \
	X(JUDGE,   "judge",          -1, "an OpenAI-compatible chat endpoint as an LLM judge") \
	X(ORACLE,  "oracle",         -1, "(negsieve simulate only) a simulated judge of known accuracy")

enum cascade_scorer {
#define CASCADE_SCORER_ENUM(id, name, feat, help) CASCADE_##id,
	CASCADE_SCORER_LIST(CASCADE_SCORER_ENUM)
#undef CASCADE_SCORER_ENUM
	CASCADE_SCORER_COUNT
};

/* The built-in features every item carries (the P(FN) model's inputs). */
#define CASCADE_NFEAT 6

/* Most external stages one cascade may have. */
#define CASCADE_MAX_EXT 8

/* The order of the items left to people (cascade.queue_order's choices,
 * in the same order). */
enum cascade_queue_order {
	CASCADE_QUEUE_LIKELY_FN,	/* P(FN), highest first */
	CASCADE_QUEUE_UNCERTAIN,	/* 4 P(FN) (1 - P(FN)), highest first */
};

struct cascade_stage {
	char name[64];		/* unique; stage scores are stored by it */
	enum cascade_scorer scorer;
	int feat;		/* built-in feature, or -1 */
	int ext;		/* external: index of the item's x[], or -1 */
	int cfg_index;		/* its index in cascade.stages */
	double lo, hi;		/* thresholds from the config (-inf, +inf:
				 * none) */
	bool fit;		/* refit from labels */
	char method[16];	/* agreement: the other run's method ... */
	int64_t run;		/* ... or its id (0: by method) */
	/* external: a hash of the settings that decide its answers
	 * (scorer_stage_key()), when @keyed; the caller sets it before
	 * loading items, and a stored score made under other settings or
	 * from other texts is then not taken (see cascade_db_items()) */
	uint64_t key;
	bool keyed;
};

struct cascade {
	struct cascade_stage *st;	/* owned */
	int n;
	int next;			/* external stages */
	double target_fnr;		/* e.g. 0.02 */
	double target_precision;	/* e.g. 0.90 */
	double confidence;		/* e.g. 0.95 */
	double audit_share;		/* share of items in the audit slice */
	int refit_every;		/* review refits after this many */
	int queue_window;		/* items offered to people at once
					 * (0: every waiting one) */
	int queue_order;		/* enum cascade_queue_order */
	uint64_t seed;			/* of the audit slice */
	int grid;			/* candidate thresholds per stage */
	bool query_effects;		/* P(FN) learns each query's own
					 * tendency (cascade.query_effects) */
	/* tests: the query effects' prior precision by at most
	 * qe_em_steps plain updates, until one changes it by less than
	 * qe_em_tol relatively (0: the search, as outside tests) */
	int qe_em_steps;
	double qe_em_tol;
};

/* Name of a scorer as in the config. */
const char *cascade_scorer_name(enum cascade_scorer s);

/*
 * The cascade the project's config describes (cascade.* keys; without
 * cascade.stages, the default stages near_duplicate, gap and agreement
 * with the newest BM25 run).  On success @c owns its stages
 * (cascade_fini()); a bad stage is NS_ECONFIG naming its key, at its
 * file:line:col when @cfg was read from a file (config_error()).
 */
enum ns_rc cascade_from_config(struct cascade *c, const struct config *cfg,
			       struct ns_err *err);
void cascade_fini(struct cascade *c);

/*
 * Append a stage of the simulated judge (scorer "oracle", an external
 * stage whose scores the caller puts in each item's x[]) named @name
 * after the config's stages (negsieve simulate).  NS_ECONFIG when a
 * stage has that name or there is no room for another external stage.
 */
enum ns_rc cascade_add_oracle(struct cascade *c, const char *name,
			      struct ns_err *err);

/* Label of an item for the cascade. */
enum cascade_label {
	CASCADE_UNLABELLED = -1,
	CASCADE_LABEL_TN = 0,
	CASCADE_LABEL_FN = 1,
	CASCADE_LABEL_OTHER = 2,	/* decided otherwise (dropped) */
};

/* One item (query, candidate passage) with what the cascade looks at. */
struct cascade_item {
	int64_t qid, pid;
	double f[CASCADE_NFEAT];	/* built-in features, NAN unknown */
	double x[CASCADE_MAX_EXT];	/* external stage scores, NAN: none */
	unsigned char stale;		/* bit e: a stored score of x[e] was
					 * made from other inputs and not
					 * taken (x[e] is NAN) */
	signed char label;		/* enum cascade_label */
	bool audit;			/* in the audit slice */
	bool hidden;			/* labelled, but no kept candidate
					 * now (see cascade_db_items()):
					 * its label counts, in the fit and
					 * the estimate; it gets no verdict,
					 * no place in the funnel, the grid
					 * or the queue */
	double u;			/* its uniform draw in [0, 1) */
	double au;			/* its place in the audit slice's
					 * order (a second uniform draw) */
};

/* The uniform draw of item (@qid, @pid) under @seed, in [0, 1). */
double cascade_draw(int64_t qid, int64_t pid, uint64_t seed);

/* Fill it->u, it->audit and it->au from @c's seed and audit share. */
void cascade_item_draw(const struct cascade *c, struct cascade_item *it);

/* Item @it's score at stage @k (NAN: none). */
double cascade_score(const struct cascade *c, int k,
		     const struct cascade_item *it);

/* Thresholds of one stage as fitted, with the evidence behind them. */
struct cascade_thr {
	double lo, hi;
	/* the keep side at lo: certifying labels below lo, false negatives
	 * among them, the upper bound of their rate */
	int64_t lo_n, lo_k;
	double lo_bound;
	/* the flag side at hi: labels above hi, false negatives among them,
	 * the lower bound of the precision */
	int64_t hi_n, hi_k;
	double hi_bound;
	char lo_why[48], hi_why[48];	/* "certified", "too few labels",
					 * "tightened", "fixed", ... */
	/* the funnel under these thresholds */
	int64_t seen, kept, flagged, passed, pending;
};

/* Verdicts. */
enum cascade_verdict {
	CASCADE_REVIEW = 0,	/* for people */
	CASCADE_TN,		/* auto-kept as a true negative */
	CASCADE_FN,		/* auto-flagged as a false negative */
};

/* "review", "tn", "fn": as stored in item_auto.verdict. */
const char *cascade_verdict_name(enum cascade_verdict v);

/*
 * Route @it through the stages under thresholds @t (c->n entries):
 * the verdict, and in *@stage the deciding stage (TN, FN) or, for
 * REVIEW, the stage holding it unscored (*@pending true) or c->n after
 * the last one.
 */
enum cascade_verdict cascade_route(const struct cascade *c,
				   const struct cascade_thr *t,
				   const struct cascade_item *it, int *stage,
				   bool *pending);

/* Thresholds from the config (no fit yet): @t gets c->n entries. */
void cascade_thr_initial(const struct cascade *c, struct cascade_thr *t);

/*
 * The P(FN) model: logistic regression on standardized features, with
 * (cascade.query_effects) a random intercept per query: queries differ
 * in how many of their candidates are relevant (a list question may have
 * dozens of right answers, a precise one a single), and people's labels
 * on a query's other candidates say which kind it is.  Each query's
 * effect is the posterior mode under a normal prior of precision qprec
 * (fitted by empirical Bayes with the weights), so a query with few
 * labels stays near the common model; queries without labels get 0.
 * The effects are not stored: they follow from the weights, qprec and
 * the labels (cascade_pfn_offsets).
 */
#define CASCADE_PFN_DIM (2 * (CASCADE_NFEAT + CASCADE_MAX_EXT) + 1)
struct cascade_pfn {
	int dim;		/* 0: no model (too few labels) */
	double qprec;		/* prior precision of the query effects;
				 * 0: none */
	int qsteps;		/* updates of qprec the fit made (not
				 * stored; 0: none) */
	double mean[CASCADE_NFEAT + CASCADE_MAX_EXT];
	double sd[CASCADE_NFEAT + CASCADE_MAX_EXT];
	double w[CASCADE_PFN_DIM];
	int64_t trained_on;	/* labels */
	/* calibration on the audit slice */
	int64_t cal_n;		/* audit labels */
	double brier;		/* mean squared error */
	double ece;		/* expected calibration error, 10 bins */
	double base_rate;	/* FN share among all labels (the prior) */
};

/* P(FN) of @it under @m, with @off its query's effect (from
 * cascade_pfn_offsets; 0 without): the base rate without a model, NAN
 * without any label (nothing is known: the screen shows '-'). */
double cascade_pfn(const struct cascade *c, const struct cascade_pfn *m,
		   const struct cascade_item *it, double off);

/*
 * The query effect of each of the @n @items under @m into @off[i] (the
 * effect of item i's query, from the labels of its query's items; 0
 * when @m has none or the query has no label).  Items are grouped by
 * qid wherever they are in the array.
 */
void cascade_pfn_offsets(const struct cascade *c, const struct cascade_pfn *m,
			 const struct cascade_item *items, size_t n,
			 double *off);

/* P(FN) of each of the @n @items into @pfn[i] (cascade_pfn with the
 * query effects). */
void cascade_pfn_all(const struct cascade *c, const struct cascade_pfn *m,
		     const struct cascade_item *items, size_t n, double *pfn);

/*
 * The review queue's order: @prio[i] for each of the @n items, higher
 * first.  Items for people (verdict REVIEW) are ordered by P(FN) p,
 * likeliest false negatives first, or with queue_order UNCERTAIN by the
 * model's uncertainty 4 p (1 - p), most uncertain first; the audit slice is
 * mixed in, every M-th place (M = 1 / audit_share, at least 2) going to
 * its next item in the order of it->au, whatever the cascade decided
 * about it, so that its labels stay a uniform random sample.  The first
 * audit place comes as early as it must for the labelled prefix of the
 * audit order to keep up with 1 in M of all labels (however far down
 * the queue people got before this order was made).  With a
 * queue_window W, only the first max(W, 2 refit_every) places are
 * offered to people (priority > 0); the rest wait (-1), audit items
 * too, until the next refit orders them again.  Labelled items and
 * items decided automatically get 0 (not queued); items held by an
 * unscored stage -1 (they wait for `negsieve cascade`).  @v, @pending
 * and @pfn are the items' verdicts.
 */
void cascade_queue_order(const struct cascade *c,
			 const struct cascade_item *items, size_t n,
			 const enum cascade_verdict *v, const bool *pending,
			 const double *pfn, double *prio);

/* A fit: thresholds of every stage, the P(FN) model, what it used. */
struct cascade_fitres {
	struct cascade_thr *t;	/* c->n entries, owned */
	struct cascade_pfn pfn;
	int64_t labels;		/* labelled items (TN or FN) */
	int64_t certifying;	/* of those, in the audit slice */
};

/*
 * The first unlabelled item of the audit slice in audit order (the one
 * the labelled prefix waits on): its index in @items, or -1 when every
 * audit item is labelled.
 */
long cascade_audit_next(const struct cascade_item *items, size_t n);

/*
 * Which labels certify (see the top of this file): @cert[i] is true for
 * the labelled (TN or FN) items of the audit slice's labelled prefix.
 * Returns the length of that prefix (labelled audit items, whatever
 * their label).
 */
size_t cascade_certifying(const struct cascade_item *items, size_t n,
			  bool *cert);

/*
 * Refit every stage (see the top of this file) from the labels of
 * @items (@n; their label, audit and scores set), starting from the
 * thresholds @cur (c->n entries: the previous fit, or
 * cascade_thr_initial()).  Fills @out (cascade_fitres_fini()).  Also
 * fits P(FN) and measures its calibration on the audit slice.
 */
enum ns_rc cascade_fit(const struct cascade *c, const struct cascade_thr *cur,
		       const struct cascade_item *items, size_t n,
		       struct cascade_fitres *out, struct ns_err *err);
void cascade_fitres_fini(struct cascade_fitres *f);

/*
 * Count the funnel of @items under thresholds @t into t[k].seen, kept,
 * flagged, passed, pending.
 */
void cascade_funnel(const struct cascade *c, struct cascade_thr *t,
		    const struct cascade_item *items, size_t n);

/*
 * What the estimate of the false negatives left among the negatives an
 * export would write is made of, under thresholds @t: the negatives are
 * people's TN (but hidden items': no candidates) and the unlabelled
 * items of the pool, the items export
 * writes as negatives when nobody labelled them (those the cascade did
 * not flag; with @drop_undecided, only those it kept; with @m and
 * @max_pfn < 1, not those left to people whose P(FN) is above @max_pfn,
 * a labelled item's P(FN) taken without its own label).  @fate (NULL:
 * every item IN), one enum cascade_est_fate per item, says what export
 * does with an item (see exportjob_plan()); given, the negatives are
 * those export writes (NEG), counted by its rules, not by the above.
 *
 * The cut by P(FN) is not a uniform sample of the pool: opening an
 * audit item in review labels its whole query, and its labels move the
 * query's P(FN), so the audit labels left under the cut hold fewer false
 * negatives than the pool does.  Hence the pool's counts are also kept
 * as they are without the cut (all_*), where the audit labels are a
 * uniform sample; the cut only removes undecided items, so the false
 * negatives left after it are at most those left without it.
 */
struct cascade_estimate_in {
	int64_t negatives;	/* people's TN + unlabelled pool items */
	int64_t unlabelled;	/* of those, unlabelled */
	int64_t pool;		/* pool items, labelled or not */
	int64_t pool_fn;	/* pool items people labelled FN */
	int64_t audit_n;	/* certifying labels in the pool */
	int64_t audit_fn;	/* of those, FN */
	/* the same counts without the P(FN) cut; cut_unlabelled: the
	 * unlabelled items the cut took out of the pool */
	bool cut;		/* the cut left some pool item out */
	int64_t all_pool, all_pool_fn, all_audit_n, all_audit_fn;
	int64_t cut_unlabelled;
};
/* What export does with an item whatever its label (@fate of
 * cascade_estimate_counts()). */
enum cascade_est_fate {
	CASCADE_EST_IN = 0,	/* the rules above decide */
	CASCADE_EST_NEG,	/* ... and export writes it as a negative */
	CASCADE_EST_OUT,	/* not written: its query is left out, or
				 * export does not take it (another run, no
				 * text, beyond export.negatives): not in
				 * the pool either (a labelled item export
				 * does not take as a candidate, of a query
				 * it takes, is IN: see est_fates() in
				 * src/cascadejob.c) */
	CASCADE_EST_CUT,	/* left out by a rule on an annotator's
				 * label not final yet (export.pending_fn
				 * drop), or with a query such rules or
				 * export.max_pfn left with too few
				 * negatives: a cut like the P(FN) one */
};
void cascade_estimate_counts(const struct cascade *c,
			     const struct cascade_thr *t,
			     const struct cascade_pfn *m, double max_pfn,
			     const struct cascade_item *items, size_t n,
			     bool drop_undecided,
			     const unsigned char *fate,
			     struct cascade_estimate_in *out);

/*
 * The thresholds as JSON text (stored in cascade_fit.thresholds; caller
 * frees), and back: cascade_thr_parse fills @t (c->n entries) from
 * @json, matching stages by name; stages it does not name keep their
 * config thresholds.  Returns false on malformed JSON.
 */
char *cascade_thr_json(const struct cascade *c, const struct cascade_thr *t);
bool cascade_thr_parse(const struct cascade *c, const char *json,
		       struct cascade_thr *t);

/*
 * One line for the review header from thresholds JSON @json of version
 * @fit_id: "cascade v3: gap <-0.12 >0.05, near_duplicate >0.97"; stages
 * without a finite threshold are left out ("cascade v1: nothing
 * automatic yet" when none has one).  Needs no config.
 */
void cascade_thr_summary(const char *json, int64_t fit_id, char *buf,
			 size_t size);

/* The P(FN) model as JSON text (caller frees), and back. */
char *cascade_pfn_json(const struct cascade *c, const struct cascade_pfn *m);
bool cascade_pfn_parse(const struct cascade *c, const char *json,
		       struct cascade_pfn *m);

/* The stage definitions as JSON (stored with each fit; caller frees). */
char *cascade_stages_json(const struct cascade *c);

#endif
