/*
 * queue.h - the review queue and its SQL: which queries await review, one
 * query's candidates with their decisions, full-text search, progress and
 * leases.
 *
 * The queue is the set of queries with kept candidates (filter IS NULL),
 * in query id order.  Every function takes @run: 0 for the kept
 * candidates of all runs, else only those of run @run.  Scores of
 * different runs are on different scales, so a loaded query shows the
 * scores of one run (see queue_load) and its candidates are ordered by
 * them, highest first.  Only one query is ever loaded, so memory does not grow with the
 * project.  An item is "settled" when it has a label in force (fn, tn,
 * drop_passage, or drop_query of its query) or a skip not undone; resume
 * and auto-advance go to the first unsettled item.
 */
#ifndef NS_QUEUE_H
#define NS_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"

/* What is in force for an item (the latest event not undone). */
enum queue_label {
	QUEUE_NONE = 0,
	QUEUE_FN,
	QUEUE_TN,
	QUEUE_DROP_PASSAGE,
	QUEUE_DROP_QUERY,	/* the whole query was dropped */
	QUEUE_SKIP,
};

/* Short text for a label as shown in the list ("FN", "TN", ...). */
const char *queue_label_name(enum queue_label l);

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
	int judged;		/* imported judgment: 1 relevant (a positive
				 * the run retrieved), -1 non-relevant, 0 none */
	int64_t rank;		/* rank in q->run, else position by score;
				 * 0 when not in q->run */
	bool near_dup;		/* mining flagged it 'near_duplicate' of a
				 * positive (its row in q->run, else any
				 * kept row) */
	double dup_sim;		/* its cosine to the nearest positive, or
				 * NAN when not known */
	enum queue_label label;	/* decision in force, QUEUE_NONE if none */
	bool note;		/* has a note not undone */
	bool tagged;		/* tagged in this session (not stored) */
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
};

/*
 * Load query @qid with its positives, kept candidates (of run @run, or of
 * all runs when @run is 0) and decisions.  All scores come from one run,
 * q->run: @run, else the newest run with kept candidates for the query.
 * A candidate's score and rank are those of its row in q->run (kept or
 * filtered there); a candidate q->run did not retrieve has no score and
 * comes last.  A positive's score is what q->run's scorer gave it
 * (run_positive, or its candidate row in q->run), else, for an imported
 * run, the teacher score imported from the same source; else none.
 * On success *@out is a new query (queue_query_free()); NS_ENOTFOUND when
 * @qid does not exist.
 */
enum ns_rc queue_load(struct db *db, int64_t qid, int64_t run,
		      struct queue_query **out, struct ns_err *err);

/* Re-read the decisions of @q (labels, notes, dropped). */
enum ns_rc queue_reload_labels(struct db *db, struct queue_query *q,
			       struct ns_err *err);

void queue_query_free(struct queue_query *q);

/*
 * The first query with id >= @from that has an unsettled kept candidate
 * and is not leased by another annotator than @annotator at time @now
 * (unix seconds).  NS_ENOTFOUND when there is none.
 */
enum ns_rc queue_next_unsettled(struct db *db, int64_t run, int64_t from,
				int64_t annotator, double now, int64_t *qid,
				struct ns_err *err);

/* The queue query after (@dir > 0) or before (@dir < 0) @qid; @qid may be
 * INT64_MIN/INT64_MAX for the first/last.  NS_ENOTFOUND at the end. */
enum ns_rc queue_step(struct db *db, int64_t run, int64_t qid, int dir,
		      int64_t *out, struct ns_err *err);

/* NS_OK when run @run exists, else NS_ENOTFOUND "no run with id N". */
enum ns_rc queue_run_check(struct db *db, int64_t run, struct ns_err *err);

/* Does query @qid have kept candidates (of run @run, 0: any)? */
bool queue_contains(struct db *db, int64_t run, int64_t qid);

/* Resolve a query given by external id, else by number (internal id).
 * NS_ENOTFOUND with a message naming @id when neither exists. */
enum ns_rc queue_find(struct db *db, const char *id, int64_t *qid,
		      struct ns_err *err);

/*
 * Turn what a person typed into a safe FTS5 expression: each word becomes
 * a quoted string, all must match.  Returns a heap string (caller frees)
 * or NULL when @text has no words.
 */
char *queue_fts_expr(const char *text);

/*
 * Full-text search in queue order.  queue_search_step finds the query
 * strictly after (@dir > 0) or before (@dir < 0) @qid whose text or one of
 * whose kept candidates matches @expr; NS_ENOTFOUND when none.
 * queue_search_marks sets, for loaded @q, @hit[i] for matching candidates
 * and *@query_hit when the query text itself matches.
 */
enum ns_rc queue_search_step(struct db *db, int64_t run, const char *expr,
			     int64_t qid, int dir, int64_t *out,
			     struct ns_err *err);
enum ns_rc queue_search_marks(struct db *db, const char *expr,
			      const struct queue_query *q, bool *hit,
			      bool *query_hit, struct ns_err *err);

/* Progress over the whole queue: kept items, settled-by-label items, and
 * queue queries.  Cost grows with decisions, plus one index pass. */
struct queue_progress {
	int64_t items;		/* distinct (query, passage) kept */
	int64_t labelled;	/* of those, with a label in force */
	int64_t queries;	/* queries in the queue */
};
enum ns_rc queue_progress(struct db *db, int64_t run,
			  struct queue_progress *p, struct ns_err *err);

/* Kept items of query @qid with a label in force (*@n). */
enum ns_rc queue_labelled_in(struct db *db, int64_t run, int64_t qid,
			     int64_t *n, struct ns_err *err);

/*
 * Leases.  queue_lease_take gives query @qid to @annotator (session
 * @session) until @now + @secs unless another annotator holds an unexpired
 * lease: then *@holder (if not NULL) gets that annotator's name (caller
 * frees) and the result is NS_OK with *@taken false.
 * queue_lease_drop releases @annotator's lease on @qid (if any).
 */
enum ns_rc queue_lease_take(struct db *db, int64_t qid, int64_t annotator,
			    int64_t session, double now, double secs,
			    bool *taken, char **holder, struct ns_err *err);
enum ns_rc queue_lease_drop(struct db *db, int64_t qid, int64_t annotator,
			    struct ns_err *err);

#endif
