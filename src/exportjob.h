/*
 * exportjob.h - a whole export: read the project query by query, decide
 * what each candidate is, apply the action for false negatives, write the
 * chosen format, and record what was done in the project.
 *
 * What an item is (the rules, in order):
 *
 *   0. a judged positive (qrel grade > 0) is a positive; a dropped query
 *      is left out whole;
 *   1. a person's current label (item_label): fn = a false negative,
 *      tn = a negative, drop_passage = left out of that query (a
 *      positive too);
 *   2. else a judgment of the data with grade <= 0: a negative;
 *   3. else the cascade's verdict (item_auto): fn = a false negative,
 *      tn = a negative, review = undecided;
 *   4. else undecided.  Undecided candidates stay negatives unless
 *      undecided = drop, or their P(FN) under the cascade is above
 *      max_pfn.
 *
 * With review.overlap, a candidate of the overlap share has a label (1.)
 * only once its annotators agree or an adjudicator decides.  One that an
 * annotator flagged fn before that (export_pending) is what rules 2-4
 * make it, and is counted apart when written as a negative; pending_fn =
 * drop leaves it out instead.
 *
 * The negatives are the kept candidates of the chosen run (each query's
 * newest run with kept candidates by default; or one run; or every
 * run).  A false negative is a fact about the pair (query, passage),
 * whichever run found it, so every one of the query's is relabelled or
 * dropped, and counted by max_flagged.
 *
 * The settings come resolved (options over the project's config over the
 * defaults); nothing here reads argv, so `simulate` and the tests call
 * the same function as `negsieve export`.
 */
#ifndef NS_EXPORTJOB_H
#define NS_EXPORTJOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "src/config.h"
#include "src/err.h"
#include "src/exportfmt.h"
#include "src/opt.h"

/* What is done with a query's false negatives; in the order of the
 * export.action key's choices. */
enum exportjob_action {
	EXPORTJOB_RELABEL,	/* written as positives */
	EXPORTJOB_DROP_NEGATIVE,/* left out */
	EXPORTJOB_DROP_QUERY,	/* the query is left out */
};

/* What is done with undecided candidates; export.undecided's order. */
enum exportjob_undecided { EXPORTJOB_KEEP, EXPORTJOB_DROP };

struct exportjob_settings {
	int format;		/* enum exportfmt_format */
	int file_type;		/* enum exportfmt_file_type (AUTO: by name) */
	const char *output;	/* the file; "-" = standard output */
	int action;		/* enum exportjob_action */
	int64_t max_flagged;	/* drop a query with more false negatives
				 * than this; -1: no limit */
	int undecided;		/* enum exportjob_undecided */
	int pending_fn;		/* enum exportjob_undecided: candidates an
				 * annotator of the overlap share flagged
				 * fn, not final yet (export_pending) */
	double max_pfn;		/* undecided with a higher P(FN): left
				 * out (1: none) */
	int64_t negatives;	/* at most this many per query (the best
				 * first); 0: all.  n-tuple: exactly. */
	int64_t min_negatives;	/* leave out queries with fewer */
	int64_t fn_grade;	/* the grade of qrels lines */
	int64_t run;		/* > 0: this run's candidates; 0: each
				 * query's newest run */
	bool all_runs;		/* the kept candidates of every run */
};

/* The options of `negsieve export`, over the export.* config keys. */
extern const struct opt exportjob_opts[];

/* @s zeroed, then every row of exportjob_opts[] from @cfg (NULL: the
 * defaults of config_keys[]). */
void exportjob_settings_init(struct exportjob_settings *s,
			     const struct config *cfg);

/* The defaults (exportjob_settings_init() without a config), then
 * @format and @output: relabel, keep the undecided, all negatives, at
 * least one, grade 1, each query's newest run. */
void exportjob_defaults(struct exportjob_settings *s, int format,
			const char *output);

/*
 * Check @s (the combinations options cannot check one by one): NS_EUSAGE
 * with the reason when a file type does not fit the format, n-tuple has
 * no --negatives, and so on.
 */
enum ns_rc exportjob_check(const struct exportjob_settings *s,
			   struct ns_err *err);

/* What an export did. */
struct exportjob_counts {
	int64_t id;			/* the export's id in the project */
	int64_t fit;			/* the cascade version (0: none) */
	int64_t queries;		/* queries in the project */
	int64_t written;		/* queries written */
	int64_t rows;			/* records written */
	int64_t positives;		/* positives written (judged) */
	int64_t relabelled;		/* false negatives written as
					 * positives */
	int64_t negatives;		/* negatives written */
	int64_t undecided_kept;		/* ... of which undecided */
	int64_t near_dup_kept;		/* ... of which flagged near-dups */
	int64_t pending_wait;		/* ... of which an annotator's fn
					 * waits for more annotators */
	int64_t pending_conflict;	/* ... or for an adjudicator */
	int64_t fn_human, fn_auto;	/* false negatives found (by people,
					 * by the cascade) in the queries
					 * not dropped by people */
	/* candidates each rule left out, in the queries written and in
	 * those left out without a positive or with too few negatives */
	int64_t drop_fn;		/* false negatives (drop-negative) */
	int64_t drop_passage;		/* dropped by people */
	int64_t drop_undecided;		/* undecided = drop */
	int64_t drop_likely;		/* undecided, P(FN) > max_pfn */
	int64_t drop_pending;		/* pending fn, pending_fn = drop */
	int64_t drop_cut;		/* beyond --negatives */
	int64_t drop_cut_tn;		/* ... of them labelled true negative
					 * by people (who go first) */
	int64_t drop_no_text;		/* passages known by id only */
	int64_t drop_left_out;		/* ... of the above, in queries left
					 * out after their candidates */
	int64_t pos_dropped;		/* positives dropped by people (of
					 * the queries written) */
	/* queries left out */
	int64_t q_people;		/* dropped by people */
	int64_t q_action;		/* drop-query: had a false negative */
	int64_t q_max_flagged;		/* more than max_flagged */
	int64_t q_no_positive;		/* no positive left */
	int64_t q_few_negatives;	/* fewer than min_negatives (or the
					 * n-tuple size) */
	int64_t q_no_text;		/* query known by id only */
	int64_t q_not_in_run;		/* imported after the runs were mined:
					 * no candidates, a positive */
	int64_t qrels_no_id;		/* qrels: passages without an id */
	/* each query's newest run (no --run): queries whose negatives
	 * come from an older run than the newest, which kept none */
	int64_t older_run, newest_run;
	/* max_pfn < 1 asked but not applied: no P(FN) model yet */
	bool max_pfn_off;
};

/*
 * Run the export @s of the project @db: write @s->output whole (or
 * nothing: see outstream.h), then record the export with its settings,
 * counts and cascade version.  @c is filled.  On failure nothing is
 * written or recorded and @err says why.
 */
enum ns_rc exportjob_run(struct db *db, const struct exportjob_settings *s,
			 struct exportjob_counts *c, struct ns_err *err);

/* What export @s does with a candidate (exportjob_plan()). */
enum exportjob_fate {
	EXPORTJOB_FATE_IN,	/* left out by its labels: a false negative,
				 * a dropped passage, undecided (undecided =
				 * drop) or above max_pfn; or a positive */
	EXPORTJOB_FATE_NEGATIVE,/* written as a negative */
	EXPORTJOB_FATE_OUT,	/* left out whatever its label: no text, or
				 * beyond the negatives asked for */
	EXPORTJOB_FATE_CUT,	/* left out by pending_fn = drop; or with
				 * its query, which that or max_pfn left
				 * with too few negatives */
};
typedef void exportjob_plan_fn(void *ctx, int64_t qid, int64_t pid,
			       int fate);
struct export_rows;

/*
 * The rules of export @s (a training format) without writing anything:
 * @fn gets every candidate of every query the export would write, with
 * its fate (enum exportjob_fate); the candidates of the queries it leaves
 * out (dropped, no positive, too few negatives, ...) and those of runs
 * it does not take are not given, except those of a query max_pfn or
 * pending_fn left with too few negatives (EXPORTJOB_FATE_CUT).  The
 * queries come in id order.  @rows (NULL: all read here): the kept
 * candidates and labels as the caller read them, in the read transaction
 * it has open (export_reader_rows()).  `stats` estimates the false
 * negatives left among what this says export writes.
 */
enum ns_rc exportjob_plan(struct db *db, const struct exportjob_settings *s,
			  const struct export_rows *rows,
			  exportjob_plan_fn *fn, void *ctx,
			  struct ns_err *err);

/* Print the summary of export @c with settings @s to @fp. */
void exportjob_print(const struct exportjob_settings *s,
		     const struct exportjob_counts *c, FILE *fp);

#endif
