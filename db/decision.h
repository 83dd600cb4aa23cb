/*
 * decision.h - writing the append-only decision log: annotators, review
 * sessions, decisions (singly or as one batch) and undo.
 *
 * Every write here is committed before the function returns, so a caller
 * may show a decision as made as soon as it gets NS_OK.
 */
#ifndef NS_DECISION_H
#define NS_DECISION_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/queue.h"
#include "src/err.h"

/*
 * Make @db's connection fit for the decision log: synchronous = FULL (a
 * commit is fsync'd, so a decision shown as made survives a power loss,
 * not only a crash of the process) and no automatic WAL checkpoints (they
 * would stall a keypress now and then; call decision_checkpoint() when
 * idle instead).  Other connections keep their own settings.
 */
enum ns_rc decision_log_mode(struct db *db, struct ns_err *err);

/*
 * Commit @db's next transactions without waiting for the disk (@lazy:
 * synchronous = NORMAL) or, again, with an fsync each (synchronous =
 * FULL, as decision_log_mode() set).  For the review's lease hand-over
 * on a query change, which writes no decision: a lease lost in a power
 * cut belonged to a process that is gone, so it held nothing anyway,
 * and a later FULL commit (a decision) syncs the WAL frames before it.
 * Call it outside a transaction.
 */
enum ns_rc decision_lazy_commits(struct db *db, bool lazy, struct ns_err *err);

/*
 * A PASSIVE checkpoint of @db's WAL: copies what it can into the database
 * without waiting for other readers or writers.  Busy is not an error.
 */
enum ns_rc decision_checkpoint(struct db *db, struct ns_err *err);

/* One event to append. */
struct decision_ev {
	int64_t query_id;
	int64_t passage_id;	/* 0: the event is about the whole query */
	const char *action;	/* fn, tn, drop_passage, drop_query, skip, note */
	const char *note;	/* NULL: none (a "note" without one takes
				 * the item's note back) */
	int64_t ms_on_item;	/* < 0: unknown */
	int64_t seen;		/* the decision behind the label the person
				 * saw (item: queue_cand.label_dec; query:
				 * queue_query.drop_dec), 0: none; < 0: do
				 * not check (notes, skips) */
	const char *auto_verdict; /* the cascade's verdict of the item when
				 * decided ("tn", "fn", "review"), or NULL */
};

/* What a review session asks to hold before anything is written. */
struct decision_guard {
	int64_t session;	/* must hold (or get) the lease of each
				 * event's query */
	double now;		/* unix seconds */
	double lease_secs;	/* a lease taken now lasts this long */
	bool adjudicator;	/* the events settle conflicts for good
				 * (decision.role 'adjudicator'); the label
				 * seen is the final one only */
};

/* Why decision_add() or decision_undo() wrote nothing although nothing
 * failed. */
enum decision_refused {
	DECISION_WRITTEN = 0,
	DECISION_STALE,		/* an item's label changed since it was seen */
	DECISION_LEASED,	/* another session holds the query */
};

struct decision_outcome {
	enum decision_refused refused;
	int64_t first_id;	/* WRITTEN: id of the first event; the others
				 * follow it one by one */
	size_t index;		/* STALE: the first stale event */
	int64_t query_id;	/* LEASED: the query */
	struct queue_holder holder;	/* LEASED: who holds it */
};

/* The id of annotator @name, created if new. */
enum ns_rc decision_annotator(struct db *db, const char *name, int64_t *id,
			      struct ns_err *err);

/* Start a review session of @annotator (*@id), recording this host and
 * process so that its leases are free once it dies; end it with the
 * number of decisions it made. */
enum ns_rc decision_session_start(struct db *db, int64_t annotator,
				  int64_t *id, struct ns_err *err);
enum ns_rc decision_session_end(struct db *db, int64_t session,
				int64_t decisions, struct ns_err *err);

/*
 * Append @n events by @annotator in one transaction; when @n > 1 they form
 * one batch (undone together).  With @guard (NULL: no checks) nothing is
 * written, and @out says why, when an event's item (or query) has
 * another current label than the one it saw (ev.seen), or another
 * session holds the lease of an event's query.  On failure nothing is
 * written.  @out may be NULL only without @guard.
 */
/*
 * The decision behind the label the person saw for @e's item (or query,
 * for a query event) as a review screen draws it: the item's final label
 * (item_label), else, for an item that waits for several annotators and
 * when @adjudicator is false, @annotator's own current label; 0 when
 * none.
 */
enum ns_rc decision_current(struct db *db, const struct decision_ev *e,
			    int64_t annotator, bool adjudicator,
			    int64_t *dec, struct ns_err *err);

enum ns_rc decision_add(struct db *db, int64_t annotator,
			const struct decision_guard *guard,
			const struct decision_ev *ev, size_t n,
			struct decision_outcome *out, struct ns_err *err);

/* What an undo cancelled: the first event of the batch. */
struct decision_undone {
	int64_t query_id;
	int64_t passage_id;	/* 0: whole query */
	char action[16];
	size_t count;		/* events cancelled */
};

/*
 * Cancel @annotator's latest batch that is not yet undone (labels, skips
 * and notes; never another annotator's) by appending one undo event per
 * cancelled event.  NS_ENOTFOUND ("nothing to undo") when there is none.
 * With @guard, nothing is written when another session holds the
 * batch's query (*@why DECISION_LEASED); else the lease is taken.
 */
enum ns_rc decision_undo(struct db *db, int64_t annotator,
			 const struct decision_guard *guard,
			 struct decision_undone *out,
			 struct decision_outcome *why, struct ns_err *err);

/* The query of the event decision_undo() would cancel now (*@qid), and
 * its passage when that event is the only one of its batch (*@pid; else
 * 0, as for an event on the whole query); NS_ENOTFOUND when there is
 * nothing to undo. */
enum ns_rc decision_undo_peek(struct db *db, int64_t annotator, int64_t *qid,
			      int64_t *pid, struct ns_err *err);

#endif
