/*
 * review.h - what the review screen does, without the screen: the current
 * query and candidate, decisions, undo, tags, search, navigation of the
 * queue, progress and the per-session rate.
 *
 * The TUI (ui/) turns keys into actions (keymap.h) and calls review_act();
 * it draws from the public fields below.  Every decision is committed to
 * the database before review_act() returns, so whatever is drawn after it
 * is already durable.
 */
#ifndef NS_REVIEW_H
#define NS_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "src/err.h"
#include "src/keymap.h"
#include "src/queue_model.h"

struct db;
struct queue_filter;
struct queue_search;

/* Seconds a lease on a query lasts; every decision renews it (in the
 * decision's own commit).  A lease of a session that ended or whose
 * process died is free at once.  A session holds the lease of its current
 * query only while something there is left for it to decide (struct
 * review's lease_held). */
#define REVIEW_LEASE_SECS 900.0

/* Which items the list shows (review_act REQ_FILTER cycles them). */
enum review_filter {
	REVIEW_ALL = 0,
	REVIEW_MY_FN,		/* items whose label I set to FN */
	REVIEW_MY_TN,		/* ... to TN */
	REVIEW_MY_SKIP,		/* items I skipped that have no label */
	REVIEW_MY_NOTE,		/* items with a note */
	REVIEW_FILTER_COUNT
};

#define REVIEW_RECENT 4		/* queries kept for going back */

/* An item a decision was written on (one decision row). */
struct review_decided {
	int64_t query_id;
	int64_t passage_id;		/* 0: the query (a drop of it) */
	enum label label;		/* what it was labelled (or skip) */
};

struct review {
	struct db *db;			/* borrowed */
	int64_t annotator_id;
	char *annotator;		/* OS user name */
	int64_t session_id;
	int64_t run;			/* reviewed run; 0: every run */
	struct queue_filter *filter;	/* the named queue; NULL: all */
	char *queue_name;		/* its name ("all", "conflicts", ...) */
	bool adjudicating;		/* settles conflicts for good */
	struct queue_query *q;		/* current query; NULL: empty queue */
	int64_t q_version;		/* PRAGMA data_version it was read at */
	/* the queries last left, most recent first, each with the
	 * data_version it was read at: going back to one while no other
	 * connection has written reads only what this session's decisions
	 * change (queue_refresh), not its candidates and passages again */
	struct queue_query *recent[REVIEW_RECENT];
	int64_t recent_version[REVIEW_RECENT];
	size_t cur;			/* selected candidate of q */
	struct queue_progress prog;	/* whole queue */
	bool prog_known;		/* prog counted (review_count) */
	bool (*key_pending)(void *);	/* stops a count (review_count) */
	void *key_pending_arg;
	int64_t session_decisions;	/* labels this session made and did
					 * not undo, an item each (a query
					 * dropped: one); skips and notes
					 * are not counted, nor their undos */
	double session_start;		/* unix seconds */
	double item_since;		/* when the selection last changed */
	char *search_text;		/* last search as typed, or NULL */
	struct queue_search *search;	/* its words for the queue, or NULL */
	bool *hit;			/* search hits in q (q->n) or NULL */
	bool query_hit;			/* q's text matches the search */
	bool pos_hit;			/* ... or one of its positives */
	bool tag_prefix;		/* next decision goes to the tagged */
	size_t ntagged;			/* tagged candidates of q */
	bool queue_done;		/* the queue ran out after the last
					 * decision; decision keys wait for a
					 * move */
	bool leased_out;		/* another session holds q */
	char holder[72];		/* its annotator, when leased_out */
	bool holder_self;		/* ... and it is this annotator */
	bool lease_held;		/* this session holds q's lease: only
					 * while something in q is left for it
					 * to decide (else q is free for the
					 * others, and a decision or undo here
					 * takes it again) */
	double lease_at;		/* when our lease on q was taken */
	int64_t data_version;		/* PRAGMA data_version last seen */
	int64_t fit_id;			/* the cascade's newest version; 0 */
	char cascade_line[256];		/* its thresholds, for the header;
					 * "" without a cascade */
	/* background refits (review_set_refit) */
	char *refit_exe;		/* the negsieve binary, or NULL: off */
	char *refit_dir;		/* the project directory */
	int refit_every;		/* decisions between refits */
	int since_refit;		/* decisions since the last one */
	int refit_pid;			/* a refit running, or 0 */
	int64_t refits;			/* started in this session */
	enum review_filter only;	/* rows shown; REVIEW_ALL: every one */
	int64_t back_qid, back_pid;	/* where BACK returns to; 0: none */
	int64_t search_queries;		/* queries matching the search */
	size_t search_here;		/* ... and candidates of q */
	bool search_stale;		/* the full-text index lacked text
					 * when the search was made */
	int64_t last_passage_queries;	/* queries a drop of a passage
					 * just applied to (0: none) */
	/* what the last review_act() wrote, one entry per decision row
	 * in the order written: the selected candidate, every tagged one,
	 * the undecided rest or the query, not the cursor (the TUI's
	 * acknowledgements name them); 0 entries after any other act */
	struct review_decided *decided;
	size_t ndecided;
	char msg[512];			/* status message, "" when none */
	bool msg_err;			/* msg is an error */
	/* keys whose write failed (a full disk, a wait given up): a
	 * decision, an undo or a note not saved; said on the status line
	 * at once and, by the caller, at quit (review_unsaved()) */
	int64_t unsaved;
	enum ns_rc unsaved_rc;		/* the last one's error */
	char unsaved_msg[512];		/* ... and its message */
	bool move_failed;		/* the last decision was saved but
					 * moving on from it failed: a
					 * decision key tries the move again
					 * instead of labelling the item */
};

/*
 * Start reviewing the project in @db as @annotator: switch @db's
 * connection to decision_log_mode() (fsync'd commits, checkpoints only in
 * review_idle() and review_close()), record the annotator
 * and a session, and resume at the first unsettled item
 * (or the first query when all are settled).  @run 0 reviews the kept
 * candidates of every run, each query scored by its newest run; else
 * only run @run (NS_ENOTFOUND "no run with id N" when it does not exist).
 * On success *@out is a new review (review_close()).
 */
enum ns_rc review_open(struct db *db, const char *annotator, int64_t run,
		       struct review **out, struct ns_err *err);

/*
 * The same on a named queue: @name (copied; NULL "all"), the items of
 * @filter only (copied; NULL all), and with @adjudicating, as an
 * adjudicator on conflicts: decisions settle the items for good (the
 * caller checks the person may).
 */
enum ns_rc review_open_queue(struct db *db, const char *annotator,
			     int64_t run, const char *name,
			     const struct queue_filter *filter,
			     bool adjudicating, struct review **out,
			     struct ns_err *err);

/* NS_OK when @run is 0 or a run of the project; else NS_ENOTFOUND "no
 * run with id N" (checked before a terminal is taken over). */
enum ns_rc review_run_check(struct db *db, int64_t run, struct ns_err *err);

/*
 * Count the progress of the whole queue (one pass over an index of the
 * kept candidates: ~0.15 s at 1M).  review_open() leaves it to the
 * caller, so that the first frame need not wait; later decisions keep
 * the counts up to date (each decision and undo counts its item, or its
 * query for a batch, in the database before and after; a dropped
 * passage, done or undone, changes other queries' items and leaves
 * prog_known false, to be counted again).  When r->key_pending is set
 * and returns true (called with r->key_pending_arg while the count
 * runs), the count stops at once and r->prog_known stays false: NS_OK,
 * to be counted again when the keys stop.
 */
enum ns_rc review_count(struct review *r, struct ns_err *err);

/*
 * The user is idle (no key for a while): checkpoint the WAL, which
 * review_open() took off the key path.  An error is put in r->msg.
 */
enum ns_rc review_idle(struct review *r);

/* End the session (recording its decisions), release leases, checkpoint,
 * free. */
void review_close(struct review *r);

/*
 * Do @req.  @arg is the text typed for SEARCH, JUMP and NOTE/NOTE_EDITOR
 * (NULL otherwise); @page is the list height for PAGE_UP/PAGE_DOWN.
 * Then hold the lease of the query it left current while something there
 * is left for this session to decide, and only then.
 * Sets r->msg.  Returns NS_OK, or the error of a failed database write,
 * which is also in r->msg (r->msg_err) and leaves r as it was.  Actions
 * that only the screen can do (HELP, QUIT, ...) are no-ops here.
 */
enum ns_rc review_act(struct review *r, enum req req, const char *arg,
		      int page);

/* Kept candidates of the current query that wait for people and have no
 * label (skipped ones count as left; those the cascade decided do not);
 * 0 when the query is dropped or there is none. */
size_t review_left(const struct review *r);

/*
 * Notice what other connections wrote since the last call (PRAGMA
 * data_version): reload the current query's labels and notes, see who
 * holds the lease of the current query when this session does not (the
 * holder's lease is read again on every call, written or not: a holder
 * whose process died writes nothing), take it when it is free and
 * something there is left for this session, and mark the queue counts
 * for recounting (prog_known false).  Returns true when anything changed
 * (the screen should be redrawn).  review_act() calls it before each
 * action; the TUI also calls it when idle.
 */
bool review_sync(struct review *r);

/*
 * Refit the cascade in the background every @every decisions (when it
 * has run at least once) by starting "@exe fit --quiet --verdicts-only
 * @dir", one at a time, output to /dev/null; the header picks up the new
 * thresholds when it finishes (review_sync).  Strings copied.
 */
/*
 * The text `negsieve stats` prints for this project (the review screen's
 * statistics), from a child process of the program review_set_refit()
 * named; the caller frees it.  NULL with @err set when it cannot run.
 */
char *review_stats_text(struct review *r, struct ns_err *err);

void review_set_refit(struct review *r, const char *exe, const char *dir,
		      int every);

/* While a write of the review on @db (the annotator, a decision, an
 * undo, a lease) waits for another negsieve's write lock, call @wait as
 * db_on_wait() says; NULL: give up after the usual limit. */
void review_on_wait(struct db *db, bool (*wait)(void *, double), void *arg);

/* Wait until a refit that saw every decision of this session so far has
 * finished (scripted sessions and tests), then review_sync(). */
void review_wait_refit(struct review *r);

/* Is candidate @i of r->q shown under r->filter? */
bool review_visible(const struct review *r, size_t i);

/* The filter's name in the header ("my FN", ...; "" for REVIEW_ALL). */
const char *review_filter_name(enum review_filter f);

/* Decisions per hour in this session (0 in the first seconds). */
double review_rate(const struct review *r);

/* Set r->msg. */
void review_msg(struct review *r, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
