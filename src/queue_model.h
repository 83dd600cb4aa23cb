/*
 * queue_model.h - one query of the review queue as the review model and
 * the screen see it: the query, its positives, its kept candidates with
 * scores and current labels.  db/queue.c fills it; src/review.c changes
 * it as decisions are made; ui/ draws it.  No database types here.
 */
#ifndef NS_QUEUE_MODEL_H
#define NS_QUEUE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/label.h"

/* A positive (qrel grade > 0) of the loaded query. */
struct queue_pos {
	int64_t passage_id;
	char *xid;		/* one external id of the passage, else
				 * "#N" with N its number (passage.id) */
	char *title;		/* "" when none */
	char *text;		/* "" when the text is unknown */
	double score;		/* under q->run (see queue_load) */
	bool has_score;
};

/* A kept candidate of the loaded query. */
struct queue_cand {
	int64_t passage_id;
	char *xid;		/* one external id of the passage, else
				 * "#N" with N its number (passage.id) */
	char *title;		/* "" when none */
	char *text;		/* "" when the text is unknown */
	double score;		/* under the query's run (q->run) */
	bool has_score;
	bool in_run;		/* retrieved by q->run (kept or not) */
	/* labelled, but no run keeps it (gone): a refilter or a new mine
	 * left it out, its label still counts (negsieve(7) "What the
	 * estimate means"); the newest run that stored its score (its
	 * row, else its pool; 0: none), that score and rank, and the
	 * filter that left it out there ("" not known) */
	bool gone;
	int64_t last_run;
	double last_score;
	int64_t last_rank;
	char last_filter[24];
	int judged;		/* imported judgment: 1 relevant (a positive
				 * the run retrieved), -1 non-relevant, 0 none */
	int64_t rank;		/* rank in q->run, else position by score;
				 * 0 when not in q->run */
	bool near_dup;		/* mining flagged it 'near_duplicate' of a
				 * positive (its row in q->run, else any
				 * kept row) */
	double dup_sim;		/* its cosine to the nearest positive, or
				 * NAN when not known */
	enum label label;	/* current label (item_label), else
				 * LABEL_SKIP when the reviewer skipped it
				 * (but see queue_query.audit_again), else
				 * LABEL_NONE; LABEL_DROP_QUERY for every
				 * item of a dropped query */
	int64_t label_dec;	/* the decision that set label (0: none):
				 * a write checks it is still current */
	int skips;		/* the reviewer's skips of it not undone */
	bool note;		/* has a note not undone */
	char *note_text;	/* the latest such note (owned), or NULL */
	bool label_mine;	/* label was set by the reviewing annotator */
	bool tagged;		/* tagged in this session (not stored) */
	/* the cascade's verdict (item_auto), when it has run */
	char auto_verdict[8];	/* "tn", "fn", "review"; "" none */
	char auto_stage[64];	/* deciding (or holding) stage, "" none */
	double auto_score;	/* its score there, NAN none */
	double pfn;		/* P(false negative), NAN unknown */
	bool audit;		/* in the audit slice (never shown as such) */
	bool auto_pending;	/* held by a stage that has not scored it */
	char *auto_raw;		/* what external stages answered, one
				 * "stage (score): answer" line each; owned,
				 * "" when none */
	/* a team on one project */
	bool in_queue;		/* in the session's named queue */
	int need;		/* annotators it needs (item_need), 1 */
	bool pending_agreement;	/* label is this annotator's own, waiting
				 * for the others an overlap item needs */
	bool conflict;		/* its annotators disagree (adjudication) */
	char *others;		/* every annotator's current label, "alice
				 * fn, bob tn"; owned, "" when none */
};

/* One query of the queue with everything the screen shows. */
struct queue_query {
	int64_t id;
	char *xid;
	char *text;		/* "" when unknown */
	int64_t run;		/* run of the scores shown; 0: none */
	char *run_method;	/* its method ("dense", "import", ...), "" */
	struct queue_pos *pos;	/* positives, best score first */
	size_t npos;
	struct queue_cand *c;	/* candidates, best score first */
	size_t n;
	bool dropped;		/* drop_query in force */
	int64_t drop_dec;	/* the decision that dropped it (0: none) */
	bool adjudicating;	/* loaded for an adjudicator */
	bool audit_again;	/* nothing else is left for the reviewer:
				 * an audit item they skipped once shows
				 * undecided (LABEL_NONE), offered again
				 * (queue_next_skipped_audit()) */
};

/* Progress over the whole queue: its items, items with a current label,
 * and queue queries. */
struct queue_progress {
	int64_t items;		/* distinct (query, passage) kept, and
				 * those people labelled that no run
				 * keeps any more (db/queue.c) */
	int64_t labelled;	/* of those, with a label in force */
	int64_t queries;	/* queries in the queue */
};
/* Free @q and everything it owns; NULL is a no-op. */
void queue_query_free(struct queue_query *q);


#endif
