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
#include "src/queue_model.h"

/*
 * Which items a review session works on (a named queue, see review.queues
 * in negsieve.yaml(5)); NULL everywhere means every kept candidate.
 */
struct queue_filter {
	bool conflicts;		/* only items whose annotators disagree and
				 * no adjudicator has settled (adjudication) */
	int64_t source;		/* candidates of runs of this source; 0 any */
	const char *verdict;	/* the cascade's verdict ("review", "tn",
				 * "fn"); NULL any */
	int audit;		/* 1 only the audit slice, 0 none of it, -1
				 * either */
	const char *stage;	/* the stage that decided or holds it; NULL */
	double min_score;	/* the kept row's score at least; NAN none */
	double max_score;	/* ... at most; NAN none */
};

/* A filter that takes every item. */
void queue_filter_all(struct queue_filter *f);

/*
 * Every kept candidate whose hash of (query, passage, @seed) falls in
 * the first @share of its range needs @k annotators (item_need): added
 * when new, never removed.  Skipped when the settings and the newest
 * candidate are those of the last call (meta key "overlap").
 */
enum ns_rc queue_need_sync(struct db *db, int k, double share, long seed,
			   struct ns_err *err);

/*
 * Load query @qid with its positives, kept candidates (of run @run, or of
 * all runs when @run is 0), the items people labelled (also those no run
 * keeps any more: mining leaves out false negatives and dropped
 * passages) and decisions.  All scores come from one run,
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
		      int64_t annotator, const struct queue_filter *f,
		      bool adjudicating, struct queue_query **out,
		      struct ns_err *err);

/*
 * Bring @q, which queue_load() read when no other connection had written
 * since (PRAGMA data_version unchanged), up to date with this
 * connection's own writes: labels, notes and skips
 * (queue_reload_labels()), and the columns a decision changes besides
 * (conflict, others).  Everything else queue_load() read only other
 * connections change (mining, imports, the cascade).  Clears the tags.
 */
enum ns_rc queue_refresh(struct db *db, struct queue_query *q,
			 int64_t annotator, bool adjudicating,
			 struct ns_err *err);

/*
 * Re-read the decisions of @q: current labels and their decisions (the
 * item_label view; label_mine when @annotator set them), dropped, notes
 * of anyone (the latest one's text), and the skips of
 * @annotator (a skip is one person's: LABEL_SKIP on an unlabelled item).
 * An item without a final label (an overlap item waiting for more
 * annotators) shows @annotator's own label (pending_agreement), unless
 * @adjudicating (then only final labels count).
 */
enum ns_rc queue_reload_labels(struct db *db, struct queue_query *q,
			       int64_t annotator, bool adjudicating,
			       struct ns_err *err);


/*
 * The next query to review: one with a kept candidate in filter @f (NULL:
 * any) that is unsettled for @annotator (no final label, not labelled by
 * @annotator unless @adjudicating, not skipped by @annotator) and no live
 * lease of another session than @session at time @now (unix seconds).
 * Candidates the cascade routed come first, by its priority; then those
 * it has not seen, in query order from @from (reading the labels of the
 * queries it passes, so finding the next query costs one query's labels,
 * not the project's).  NS_ENOTFOUND when there is none.
 */
enum ns_rc queue_next_unsettled(struct db *db, int64_t run,
				const struct queue_filter *f,
				bool adjudicating, int64_t from,
				int64_t annotator, int64_t session,
				double now, int64_t *qid, struct ns_err *err);

/*
 * When queue_next_unsettled() finds nothing for @annotator: the query of
 * an audit item they skipped once (a skip is one person's, so the others
 * get it in its turn), in filter @f, with a place in the queue, not
 * leased by another session: the audit is labelled in order and its
 * estimate waits on every item of it (negsieve(7)), so a skipped one
 * comes back once nothing else is left; skipped a second time it is left
 * to the others.  Load it with queue_query.audit_again set.
 * NS_ENOTFOUND when there is none.
 */
enum ns_rc queue_next_skipped_audit(struct db *db, int64_t run,
				    const struct queue_filter *f,
				    bool adjudicating, int64_t annotator,
				    int64_t session, double now, int64_t *qid,
				    struct ns_err *err);

/*
 * The first queue query from @from on (in *@out; INT64_MAX: none) whose
 * kept candidates may not all have a label in item_label: every kept item
 * of the queries before it has one, so no queue, mode or filter has
 * anything there.  Read off the decision log in two index scans, not
 * item_label item by item (migration 15): a query whose every kept item
 * has a labelling event (fn, tn, drop_passage) of its own and that has
 * no undo, no adjudication and no item needing several annotators is
 * passed over; the walk stops at any other (which may still be settled:
 * queue_next_unsettled() decides there).
 */
enum ns_rc queue_skip_labelled(struct db *db, int64_t from, int64_t *out,
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

/* A query whose id matched (queue_find_matches). */
struct queue_match {
	int64_t id;
	char xid[64];		/* its external id, cut to fit */
};

/*
 * The queue queries (kept candidates of run @run, 0: any) whose external
 * id contains @text (case-insensitive; those it starts first, then by
 * id): up to @max of them into @m, and how many there are in *@count.
 */
enum ns_rc queue_find_matches(struct db *db, int64_t run, const char *text,
			      struct queue_match *m, size_t max,
			      size_t *count, struct ns_err *err);


/*
 * The queue query after (@dir > 0) or before (@dir < 0) @qid holding an
 * item of @annotator's of kind @what: "fn" or "tn" (the item's current
 * label, set by @annotator), "skip" (skipped by @annotator, no label) or
 * "note" (a note of @annotator's neither undone nor taken back since).
 * NS_ENOTFOUND when none.
 */
enum ns_rc queue_step_mine(struct db *db, int64_t run, int64_t qid, int dir,
			   int64_t annotator, const char *what, int64_t *out,
			   struct ns_err *err);

/* Queries with kept candidates (of run @run, 0: any) of passage @pid. */
enum ns_rc queue_passage_queries(struct db *db, int64_t run, int64_t pid,
				 int64_t *n, struct ns_err *err);

/*
 * A search as a person typed it (review's /): every word must match the
 * query's text or one candidate's (title or text).  A word is matched
 * whole by FTS5 (a quoted string: any case, accents ignored), except a
 * word holding a letter of a script written without spaces or of Korean
 * (unicode_unspaced() in src/util.h): FTS5's unicode61 tokenizer makes a
 * whole run of those letters one token, so 首都 would never match
 * 北京是中华人民共和国的首都.  Such a word is matched anywhere in the text
 * instead (LIKE, ASCII case ignored): by a scan of the texts, once per
 * search, in queue_search_count().  A search of whole words alone runs
 * through FTS5 as it always has.
 */
struct queue_search {
	char *expr;		/* FTS5 expression of the whole words; NULL:
				 * none */
	char **like;		/* LIKE patterns ("%word%", '\' escapes) of
				 * the words matched inside the text */
	size_t nlike;
};

/* Parse @text into @s; false (@s left empty) when it has no words. */
bool queue_search_init(struct queue_search *s, const char *text);
void queue_search_fini(struct queue_search *s);

/*
 * Start search @s: the number of queue queries (kept candidates of run
 * @run, 0: any) whose text, a positive or a kept candidate matches it
 * (*@n): what the review shows of a query.  With
 * words matched inside the text it reads the texts here, once, and keeps
 * the matching passages, queries and queue queries in temporary tables of
 * the connection, which queue_search_step() and queue_search_marks()
 * read: call it first at each search.
 */
enum ns_rc queue_search_count(struct db *db, int64_t run,
			      const struct queue_search *s, int64_t *n,
			      struct ns_err *err);

/*
 * Search in queue order.  queue_search_step finds the query strictly
 * after (@dir > 0) or before (@dir < 0) @qid whose text, one of whose
 * positives or one of whose kept candidates matches @s (with words
 * matched inside the text: one of the queries queue_search_count()
 * found); NS_ENOTFOUND when none.  queue_search_marks sets, for loaded
 * @q, @hit[i] for matching kept candidates, *@query_hit when the query
 * text itself matches and *@pos_hit when one of its positives does.
 */
enum ns_rc queue_search_step(struct db *db, int64_t run,
			     const struct queue_search *s, int64_t qid,
			     int dir, int64_t *out, struct ns_err *err);
enum ns_rc queue_search_marks(struct db *db, const struct queue_search *s,
			      const struct queue_query *q, bool *hit,
			      bool *query_hit, bool *pos_hit,
			      struct ns_err *err);

/* Count the progress of the whole queue (struct in src/queue_model.h):
 * its kept candidates and the items people labelled that no run keeps
 * any more, as queue_count() counts them.  Cost grows with decisions,
 * plus one index pass. */
enum ns_rc queue_progress(struct db *db, int64_t run,
			  struct queue_progress *p, struct ns_err *err);

/* The same for the conflicts queue: the items on which overlap annotators
 * disagree, labelled once an adjudicator decided them.  Cost grows with
 * the decisions on items that need several annotators. */
enum ns_rc queue_conflict_progress(struct db *db, int64_t run,
				   struct queue_progress *p,
				   struct ns_err *err);

/*
 * The size of a queue (run @run, filter @f): its items (kept
 * candidates, and the items people labelled that no run keeps any more:
 * see db/queue.c), those with a final label, those still waiting for
 * people (kept, no final label, left to people by the cascade or not
 * seen by it), and
 * how many items each annotator labelled in it (@by, @nby entries of
 * names and counts, caller frees with queue_counts_fini()).
 */
struct queue_counts {
	int64_t items, final, waiting;
	char **names;		/* annotators, by name */
	int64_t *labelled;	/* items each labelled in the queue */
	size_t n;
};
enum ns_rc queue_count(struct db *db, int64_t run,
		       const struct queue_filter *f, struct queue_counts *c,
		       struct ns_err *err);
void queue_counts_fini(struct queue_counts *c);

/* Query @qid's part of queue_progress(): its items in the queue of run
 * @run (*@items) and of those the ones with a label in force (*@n); with
 * @conflicts, its part of queue_conflict_progress() (its conflicts, and
 * of those the adjudicated).  @pid not 0: item (@qid, @pid)'s part only.
 * One pass over the query's labels (one probe for an item): cheap enough
 * for every decision (review counts the change a decision or an undo
 * makes to the header's progress as the difference of two). */
enum ns_rc queue_labelled_in(struct db *db, int64_t run, int64_t qid,
			     int64_t pid, bool conflicts, int64_t *items,
			     int64_t *n, struct ns_err *err);

/* Who holds a lease, or made a decision. */
struct queue_holder {
	char name[64];		/* annotator name */
	bool self;		/* the same annotator (another session) */
};

/*
 * Leases belong to a review session.  queue_lease_take gives query @qid
 * to session @session of @annotator until @now + @secs unless another
 * session holds a live lease (unexpired, session not ended, its process
 * not known dead: see ns_alive()); then *@holder (if not NULL) says who
 * and the result is NS_OK with *@taken false.  Call it inside a write
 * transaction when what follows depends on it.  queue_lease_drop
 * releases @session's lease on @qid (if any).
 */
enum ns_rc queue_lease_take(struct db *db, int64_t qid, int64_t annotator,
			    int64_t session, double now, double secs,
			    bool *taken, struct queue_holder *holder,
			    struct ns_err *err);
enum ns_rc queue_lease_drop(struct db *db, int64_t qid, int64_t session,
			    struct ns_err *err);

/*
 * Does another session than @session hold a live lease on query @qid at
 * @now?  *@held says so, and *@holder who.  A read, no write: a screen
 * that shows a query another session holds looks again each time it is
 * idle, since a holder whose process died writes nothing that would tell.
 */
enum ns_rc queue_lease_holder(struct db *db, int64_t qid, int64_t annotator,
			      int64_t session, double now, bool *held,
			      struct queue_holder *holder, struct ns_err *err);

/* The external id of query @qid into @buf (cut to fit), "#N" when there
 * is no such query: what the screen names a query by. */
void queue_query_xid(struct db *db, int64_t qid, char *buf, size_t size);

/* Who made decision @dec (*@who); NS_ENOTFOUND when there is none. */
enum ns_rc queue_item_who(struct db *db, int64_t dec,
			  struct queue_holder *who, struct ns_err *err);

#endif
