/*
 * cascadejob.h - the cascade over a project: `negsieve cascade` (score
 * what each stage needs, route every kept candidate, store the verdicts)
 * and `negsieve fit` (refit thresholds and P(FN) from the labels, store
 * a new version, update the verdicts).  Nothing here reads argv; the
 * commands, the review screen's background refit and the tests call
 * these functions.
 */
#ifndef NS_CASCADEJOB_H
#define NS_CASCADEJOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "src/cascade.h"
#include "src/err.h"
#include "src/project.h"

struct cascadejob_settings {
	int64_t run;		/* only this run's candidates; 0: all */
	const char *origin;	/* recorded with a fit: "cascade", "fit",
				 * "review" */
	bool verdicts_only;	/* fit: update only changed verdicts, not
				 * every P(FN) (the review's background
				 * refit, which must not hold the database) */
	FILE *report;		/* the funnel, the fit; NULL: quiet */
};

struct cascadejob_result {
	int64_t fit_id;		/* the version the verdicts are under */
	/* cascade: whether this run made version fit_id (its stages,
	 * thresholds or targets differ from the newest version's, or there
	 * was none: prev_fit_id 0), else where the version it kept came
	 * from (its origin, "cascade", "fit", ..., and time) */
	bool new_version;
	int64_t prev_fit_id;
	char fit_origin[16], fit_at[32];
	/* fit: the fit is the newest version over again (the same
	 * decisions, stages, settings, thresholds and model): fit_id is
	 * that version, and no new one was added */
	bool unchanged;
	int64_t items;		/* kept candidates routed */
	int64_t tn, fn, review;	/* verdicts */
	int64_t pending;	/* of review: held by an unscored stage */
	int64_t decided;	/* of review, not pending: decided by people
				 * already (item_label) */
	int64_t audit;		/* items in the audit slice */
	int64_t scored;		/* external scores made now */
	int64_t score_failed;	/* ... of which failed (or not asked: a
				 * stage down) */
	int64_t stages_down;	/* external stages found down (the rest
				 * of their candidates not asked) */
	int64_t changed;	/* fit: verdicts that changed */
	int64_t written;	/* verdict rows written (new or changed) */
	int64_t removed;	/* ... and removed (items no longer kept) */
	int64_t labels, certifying;	/* fit: labels used */
};

/*
 * The current version of @pj's cascade: the config's stages @c (from
 * cascade_from_config), their thresholds @t (c->n entries) and model @m
 * from the newest fit when it was made for the same stages, else the
 * config's thresholds and no model.  *@fit_id is that fit (0: none or
 * for other stages).
 */
enum ns_rc cascadejob_current(struct project *pj, const struct cascade *c,
			      struct cascade_thr *t, struct cascade_pfn *m,
			      int64_t *fit_id, struct ns_err *err);

/* negsieve cascade (see above).  On failure the project is as before,
 * but for external scores already stored (they are kept: a re-run
 * does not pay for them again). */
enum ns_rc cascadejob_run(struct project *pj,
			  const struct cascadejob_settings *s,
			  struct cascadejob_result *res, struct ns_err *err);

/* negsieve fit (see above).  On failure nothing is written. */
enum ns_rc cascadejob_fit(struct project *pj,
			  const struct cascadejob_settings *s,
			  struct cascadejob_result *res, struct ns_err *err);

/*
 * The estimate `stats` prints: the share of false negatives left among
 * the negatives an export would write (people's TN, which count as
 * clean, and the candidates without a label the cascade did not flag),
 * with its two-sided interval at @conf, and how many more audit labels
 * would narrow it to +-2 points.  The certifying labels (the audit
 * slice's labelled prefix, a uniform sample) give the false-negative
 * rate of the pool of unflagged candidates, labelled or not; the false
 * negatives people found in it are known and taken off, so that what
 * people chose to label (often the likeliest false negatives) does not
 * bias what is left.  Under a P(FN) cut the interval's top is an upper
 * bound and the point only above the truth in expectation (see
 * bound).
 */
struct cascadejob_estimate {
	bool known;		/* false: no cascade yet, or no audit label */
	int64_t negatives;	/* what an export would write as negatives */
	int64_t unlabelled;	/* of those, not decided by people */
	int64_t audit_n, audit_fn; /* the audit labels behind it */
	double rate, lo, hi;	/* FN share among the negatives */
	double raw;		/* rate before it is kept to 0 .. unlabelled /
				 * negatives: the difference of two counts
				 * can fall outside (see below) */
	/* export.max_pfn < 1 left some of the pool out: the audit labels
	 * left under that cut are not a uniform sample of what it keeps
	 * (their queries' labels moved its P(FN)), so rate and hi are of
	 * those left without the cut (which only removes undecided items)
	 * over the negatives written after it: hi is an upper bound, rate
	 * an estimate of one, above the truth in expectation (unclipped)
	 * but not on every sample (0.0% against 8% on some DBpedia seeds
	 * in simulate), so what prints "at most" is hi; lo is what is
	 * left if every unlabelled item the cut removed was a false
	 * negative */
	bool bound;
	long more_labels;	/* for +-2 points; -1: out of reach */
	/* the next audit item in order, when someone skipped it: the
	 * labelled prefix (and so the estimate) waits on it */
	char skipped_q[128], skipped_p[128], skipped_by[128];
};
void cascadejob_estimate_from(const struct cascade_estimate_in *in,
			      double conf, struct cascadejob_estimate *e);
enum ns_rc cascadejob_estimate(struct project *pj,
			       struct cascadejob_estimate *e,
			       struct ns_err *err);

/* Print the thresholds of @t with their evidence to @fp. */
void cascadejob_print_thresholds(FILE *fp, const struct cascade *c,
				 const struct cascade_thr *t);

#endif
