/*
 * stats.h - counts over a project, overall and per source.
 */
#ifndef NS_STATS_H
#define NS_STATS_H

#include <stdint.h>

#include "db/db.h"
#include "src/label.h"

struct stats_counts {
	int64_t queries;	/* query rows */
	int64_t passages;	/* distinct passages (after dedup by content) */
	int64_t passage_ids;	/* external passage ids */
	int64_t positives;	/* qrels with grade > 0 */
	int64_t judged_negatives; /* qrels with grade <= 0 */
	int64_t candidates;	/* candidates of all runs: a mined run's
				 * pool (all it retrieved), else its
				 * candidate rows */
	int64_t candidates_kept; /* candidates no filter dropped */
	int64_t decisions;	/* events in the decision log */
	int64_t decisions_live;	/* labelling decisions in force */
	int64_t not_in_run;	/* queries imported after every run was
				 * mined (db_mine_not_in_run()) */
	int64_t no_text;	/* queries without text (none, or blank):
				 * not counted in not_in_run */
};

struct stats_source {
	int64_t id;
	char *path;		/* owned */
	char *format;		/* owned */
	char *created_at;	/* owned */
	int64_t records;	/* records read */
	int64_t skipped;	/* records written to --skip-bad */
	struct stats_counts c;	/* rows this source introduced */
};

/* Fill @c with the project-wide counts. */
enum ns_rc stats_totals(struct db *db, struct stats_counts *c,
			struct ns_err *err);

/* All sources in id order: *@out is a new array of *@n entries that the
 * caller frees with stats_sources_free(). */
enum ns_rc stats_sources(struct db *db, struct stats_source **out, size_t *n,
			 struct ns_err *err);
void stats_sources_free(struct stats_source *v, size_t n);

/* One annotator's current label of one item, with what it can be
 * compared to (stats_ratings()). */
struct stats_rating {
	int64_t qid, pid;
	int64_t annotator;	/* annotator id */
	enum label label;	/* fn, tn or drop passage */
	enum label adjudicated;	/* the item's adjudication, LABEL_NONE */
	enum label autov;	/* the cascade's verdict when decided:
				 * LABEL_FN, LABEL_TN or LABEL_NONE */
};

/*
 * Every annotator's current label (annotator_label), in (query, passage)
 * order: *@out a new array of *@n (caller frees).
 */
enum ns_rc stats_ratings(struct db *db, struct stats_rating **out, size_t *n,
			 struct ns_err *err);

/* An annotator's pace: labelling events, hours in review sessions (an
 * unended session counts until its last decision), and the median time
 * on an item (ms, -1 unknown). */
struct stats_pace {
	int64_t annotator;
	char *name;		/* owned */
	int64_t events;
	double hours;
	double median_ms;
};
enum ns_rc stats_paces(struct db *db, struct stats_pace **out, size_t *n,
		       struct ns_err *err);
void stats_paces_free(struct stats_pace *v, size_t n);

/* One annotator's labels. */
struct stats_annotator {
	char *name;			/* owned */
	int64_t labels[LABEL_COUNT];	/* the items they labelled, by their
					 * label (DB_LABELLED_BY: an item
					 * several labelled counts for each,
					 * so these need not sum to the
					 * totals) */
	int64_t events;			/* events in the log (labels, skips,
					 * notes, undos) */
};

/*
 * Current labels from the item_label view: @totals[l] items labelled l
 * (LABEL_DROP_QUERY counts the items of dropped queries), and the items
 * each annotator labelled, counted as queue_count() counts them
 * (everyone who ever logged an event, by name): *@out is a new array of
 * *@n entries (stats_annotators_free()).
 */
enum ns_rc stats_labels(struct db *db, int64_t totals[LABEL_COUNT],
			struct stats_annotator **out, size_t *n,
			struct ns_err *err);
void stats_annotators_free(struct stats_annotator *v, size_t n);

#endif
