/*
 * review.c - the review state machine (see review.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/cascade.h"
#include "db/db.h"
#include "db/decision.h"
#include "db/queue.h"
#include "db/store.h"
#include "src/label.h"
#include "src/review.h"
#include "src/util.h"

static void review_load_fit(struct review *r);
static void review_maybe_refit(struct review *r, size_t n);

void
review_msg(struct review *r, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->msg_err = error;
}

/*
 * A key's write failed, so what it did is not saved: the error is made
 * to say what (@what: "TN", "Undo", "Note"; "not saved: " prefixed unless
 * the message says it already, as a wait given up does) and counted, for
 * the status line and for the quit (the caller says how many keys and
 * exits with the error: a script or a person who looked away learns it).
 */
static void
review_unsaved(struct review *r, const char *what, struct ns_err *err)
{
	char msg[sizeof(err->msg)];

	if (!strstr(err->msg, "not saved")) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "%s not saved: %.900s",
			 what, msg);
	}
	r->unsaved++;
	r->unsaved_rc = err->rc != NS_OK ? err->rc : NS_EIO;
	snprintf(r->unsaved_msg, sizeof(r->unsaved_msg), "%.500s", err->msg);
}

double
review_rate(const struct review *r)
{
	double dt = now_seconds() - r->session_start;

	if (dt < 1.0)
		return 0.0;
	return (double)r->session_decisions * 3600.0 / dt;
}

static bool
review_labelled(const struct queue_query *q, size_t i)
{
	return q->dropped || label_decides(q->c[i].label);
}

/* Does candidate @i wait for people?  Without a cascade every one does;
 * with one, those it routed to people and those of the audit slice, when
 * the queue offers them now: not those it decided, nor those that wait
 * (for a stage to score them, or beyond the queue's window: an audit
 * item before its turn). */
static bool
review_for_people(const struct queue_query *q, size_t i)
{
	const struct queue_cand *c = &q->c[i];

	if (!c->in_queue)
		return false;	/* not in this session's named queue */
	if (c->conflict || q->adjudicating)
		return c->conflict && q->adjudicating;	/* adjudicators' */
	if (!c->auto_verdict[0])
		return true;
	if (c->audit)
		return !c->auto_pending;
	return !strcmp(c->auto_verdict, "review") && !c->auto_pending;
}

static bool
review_settled(const struct queue_query *q, size_t i)
{
	return review_labelled(q, i) || q->c[i].label == LABEL_SKIP ||
	       !review_for_people(q, i);
}

/* The guard of every write of this session (see decision.h). */
static struct decision_guard
review_guard(const struct review *r)
{
	return (struct decision_guard){ r->session_id, now_seconds(),
					REVIEW_LEASE_SECS, r->adjudicating };
}

static void
review_set_holder(struct review *r, const struct queue_holder *h)
{
	r->leased_out = h != NULL;
	snprintf(r->holder, sizeof(r->holder), "%s", h ? h->name : "");
	r->holder_self = h && h->self;
	if (h)
		r->lease_held = false;
}

/* "Query q1 is being reviewed by bob" or "... open in your other review
 * window", with @tail. */
static void
review_msg_leased(struct review *r, const char *xid, const char *tail)
{
	if (r->holder_self)
		review_msg(r, true, "Query %s is open in your other review "
			   "window; %s", xid, tail);
	else
		review_msg(r, true, "Query %s is being reviewed by %s; %s",
			   xid, r->holder, tail);
}

/* "Query q2." on arriving at a query, or who holds it. */
static void
review_msg_query(struct review *r)
{
	if (r->leased_out)
		review_msg_leased(r, r->q->xid, "you can read it, but "
				  "decisions are off here.");
	else
		review_msg(r, false, "Query %s.", r->q->xid);
}

/*
 * Query @qid's part of the header's progress (r->prog), or item (@qid,
 * @pid)'s when @pid is not 0, as the database has it now: its items in
 * the queue and of those the ones with a label of all its items (for an
 * adjudicator on the conflicts queue, its conflicts and of those the
 * adjudicated).  What a decision or an undo changes in the progress is
 * the difference of two counts, before and after, never what the
 * screen's copy of the labels says: an item that needs several
 * annotators shows the reviewer's own label, which is not final (queue
 * list does not count it) until the others agree.
 */
static enum ns_rc
review_count_query(struct review *r, int64_t qid, int64_t pid,
		   int64_t *items, int64_t *labelled, struct ns_err *err)
{
	return queue_labelled_in(r->db, r->run, qid, pid,
				 r->filter && r->filter->conflicts, items,
				 labelled, err);
}

/* Add what a change to query @qid (item @pid, not 0) did to the progress
 * (@items and @labelled counted before it by review_count_query()); when
 * it cannot be counted, the whole queue is counted again (prog_known). */
static void
review_count_change(struct review *r, int64_t qid, int64_t pid,
		    int64_t items, int64_t labelled)
{
	struct ns_err err;
	int64_t items_after, labelled_after;

	err_clear(&err);
	if (review_count_query(r, qid, pid, &items_after, &labelled_after,
			       &err) != NS_OK) {
		r->prog_known = false;
		return;
	}
	r->prog.items += items_after - items;
	r->prog.labelled += labelled_after - labelled;
}

size_t
review_left(const struct review *r)
{
	size_t n = 0;

	for (size_t i = 0; r->q && !r->q->dropped && i < r->q->n; i++)
		n += !review_labelled(r->q, i) && review_for_people(r->q, i);
	return n;
}

bool
review_visible(const struct review *r, size_t i)
{
	const struct queue_cand *c = &r->q->c[i];

	switch (r->only) {
	case REVIEW_MY_FN:
		return !r->q->dropped && c->label == LABEL_FN && c->label_mine;
	case REVIEW_MY_TN:
		return !r->q->dropped && c->label == LABEL_TN && c->label_mine;
	case REVIEW_MY_SKIP:
		return !r->q->dropped && c->label == LABEL_SKIP;
	case REVIEW_MY_NOTE:
		return c->note;
	default:
		return true;
	}
}

const char *
review_filter_name(enum review_filter f)
{
	static const char *const names[REVIEW_FILTER_COUNT] = {
		"", "my FN", "my TN", "my skipped", "noted",
	};

	return f < REVIEW_FILTER_COUNT ? names[f] : "";
}

/* The decision log's word for what filter @f shows. */
static const char *
review_filter_what(enum review_filter f)
{
	switch (f) {
	case REVIEW_MY_FN:
		return "fn";
	case REVIEW_MY_TN:
		return "tn";
	case REVIEW_MY_SKIP:
		return "skip";
	default:
		return "note";
	}
}

/* The visible candidate nearest @from in direction @dir (from included
 * when @incl); q->n when none. */
static size_t
review_visible_from(const struct review *r, size_t from, int dir, bool incl)
{
	size_t n = r->q->n;

	if (n == 0)
		return n;
	if (!incl) {
		if (dir > 0 && from + 1 >= n)
			return n;
		if (dir < 0 && from == 0)
			return n;
		from = dir > 0 ? from + 1 : from - 1;
	}
	for (size_t i = from; i < n; i = dir > 0 ? i + 1 : i - 1) {
		if (review_visible(r, i))
			return i;
		if (dir < 0 && i == 0)
			break;
	}
	return n;
}

static void
review_select(struct review *r, size_t i)
{
	if (!r->q || r->q->n == 0) {
		r->cur = 0;
		return;
	}
	if (i >= r->q->n)
		i = r->q->n - 1;
	if (i != r->cur)
		r->item_since = now_seconds();
	r->cur = i;
}

/* First unsettled candidate at or after @from, wrapping; q->n if none. */
static size_t
review_first_unsettled(const struct queue_query *q, size_t from)
{
	for (size_t k = 0; k < q->n; k++) {
		size_t i = (from + k) % q->n;

		if (!review_settled(q, i))
			return i;
	}
	return q->n;
}

/*
 * Hold the lease of the current query while something in it is left for
 * this session to decide (in its queue), and only then: a session that
 * has decided all it may there (an adjudicator who settled the query's
 * conflicts, an annotator at the end of the queue) lets the others
 * decide the rest instead of keeping the whole query for the lease's 15
 * minutes.  A decision or an undo there takes the lease again (the guard
 * of decision.h), as does an item becoming open again (an audit item
 * offered again).  One commit when it changes, that waits for no fsync
 * (decision_lazy_commits()).  A lease that cannot be written now (the
 * project busy) is tried again at the next key or idle second: no
 * decision depends on it, since each takes the lease itself.
 */
static void
review_lease_fit(struct review *r)
{
	struct ns_err err, e2;
	struct queue_holder h;
	bool want, taken = false;
	enum ns_rc rc;

	if (!r->q || r->leased_out)
		return;
	want = review_first_unsettled(r->q, 0) < r->q->n;
	if (want == r->lease_held)
		return;
	err_clear(&err);
	err_clear(&e2);
	if (decision_lazy_commits(r->db, true, &err) != NS_OK)
		return;
	rc = want ? queue_lease_take(r->db, r->q->id, r->annotator_id,
				     r->session_id, now_seconds(),
				     REVIEW_LEASE_SECS, &taken, &h, &err)
		  : queue_lease_drop(r->db, r->q->id, r->session_id, &err);
	decision_lazy_commits(r->db, false, &e2);
	if (rc != NS_OK)
		return;
	if (!want) {
		r->lease_held = false;
		return;
	}
	review_set_holder(r, taken ? NULL : &h);
	r->lease_held = taken;
	if (taken)
		r->lease_at = now_seconds();
}

static void
review_search_free(struct review *r)
{
	if (r->search)
		queue_search_fini(r->search);
	free(r->search);
	r->search = NULL;
}

static void
review_clear_search_marks(struct review *r)
{
	free(r->hit);
	r->hit = NULL;
	r->query_hit = r->pos_hit = false;
}

/* "/text: 2 here, 5 queries" after a search step; @tail appended. */
/* Append to the status message that the full-text index is stale, when
 * it was at the search: text imported with --no-fts (or import.fts
 * false) is in no index, so the search cannot find it, and saying
 * nothing would pass for "not there".  @none: the search found nothing,
 * so say it whole. */
static void
review_msg_stale(struct review *r, bool none)
{
	size_t len = strlen(r->msg);

	if (!r->search_stale)
		return;
	if (none)
		snprintf(r->msg + len, sizeof(r->msg) - len, ". The full-text "
			 "index is stale: an import with --no-fts or "
			 "import.fts false added text it lacks, which search "
			 "cannot find; run 'negsieve mine --method bm25' or "
			 "import with import.fts true to rebuild it.");
	else
		snprintf(r->msg + len, sizeof(r->msg) - len, "; the full-text "
			 "index is stale: text imported with --no-fts or "
			 "import.fts false is not searched ('negsieve mine "
			 "--method bm25' rebuilds it)");
}

static void
review_msg_search(struct review *r, const char *tail)
{
	/* "here" counts the candidates; a positive that matches (the only
	 * match of the query, maybe) is said apart */
	review_msg(r, false, "/%s: %zu here%s, %lld %s%s", r->search_text,
		   r->search_here, r->pos_hit ? " and in a positive" : "",
		   (long long)r->search_queries,
		   r->search_queries == 1 ? "query" : "queries", tail);
	review_msg_stale(r, false);
}

static void
review_mark_search(struct review *r)
{
	struct ns_err err;

	review_clear_search_marks(r);
	r->search_here = 0;
	if (!r->search || !r->q)
		return;
	err_clear(&err);
	r->hit = xcalloc(r->q->n ? r->q->n : 1, sizeof(*r->hit));
	if (queue_search_marks(r->db, r->search, r->q, r->hit,
			       &r->query_hit, &r->pos_hit, &err) != NS_OK) {
		review_msg(r, true, "%s", err.msg);
		review_clear_search_marks(r);
		return;
	}
	for (size_t i = 0; i < r->q->n; i++)
		r->search_here += r->hit[i];
}

/* May the queries left be kept for going back?  Not where a decision
 * changes more than queue_refresh() reads: the conflicts queue (which
 * items are in it) and adjudication. */
static bool
review_keeps_recent(const struct review *r)
{
	return !r->adjudicating && !(r->filter && r->filter->conflicts);
}

/* Query @qid from the recent ones, if it was read at data_version @v
 * (nothing written by others since); NULL when not.  Taken out of the
 * list; entries read before another connection wrote are dropped. */
static struct queue_query *
review_recent_take(struct review *r, int64_t qid, int64_t v)
{
	struct queue_query *q = NULL;
	size_t k = 0;

	for (size_t i = 0; i < REVIEW_RECENT; i++) {
		if (!r->recent[i])
			continue;
		if (r->recent_version[i] != v) {
			queue_query_free(r->recent[i]);
		} else if (!q && r->recent[i]->id == qid) {
			q = r->recent[i];
		} else {
			r->recent_version[k] = r->recent_version[i];
			r->recent[k++] = r->recent[i];
			continue;
		}
		r->recent[i] = NULL;
	}
	for (size_t i = k; i < REVIEW_RECENT; i++)
		r->recent[i] = NULL;
	return q;
}

/* Keep @q (read at data_version @v) as the most recent query left. */
static void
review_recent_put(struct review *r, struct queue_query *q, int64_t v)
{
	if (!q)
		return;
	queue_query_free(r->recent[REVIEW_RECENT - 1]);
	memmove(r->recent + 1, r->recent,
		(REVIEW_RECENT - 1) * sizeof(*r->recent));
	memmove(r->recent_version + 1, r->recent_version,
		(REVIEW_RECENT - 1) * sizeof(*r->recent_version));
	r->recent[0] = q;
	r->recent_version[0] = v;
}

/* Make query @qid current (loading it) and select its candidate @pid, or
 * its first unsettled one when @pid is 0.  The lease is taken and the
 * query loaded in one transaction, so what is shown is what the lease
 * protects: decisions another session committed before it let go are
 * on the screen.  When nothing there is left for this session, the same
 * transaction lets the lease go again (review_lease_fit()). */
static enum ns_rc
review_goto(struct review *r, int64_t qid, int64_t pid, struct ns_err *err)
{
	struct queue_query *q = NULL;
	struct queue_holder holder;
	size_t sel;
	bool taken = false, held = true;

	if (r->q && r->q->id == qid) {
		q = r->q;
	} else {
		/* one commit hands the lease over; it writes no decision,
		 * so it does not wait for the disk (decision.h) */
		int64_t v = -1;
		enum ns_rc rc = NS_OK;

		if (decision_lazy_commits(r->db, true, err) != NS_OK)
			return err->rc;
		if (db_begin(r->db, err) != NS_OK ||
		    (r->q && queue_lease_drop(r->db, r->q->id, r->session_id,
					      err) != NS_OK) ||
		    queue_lease_take(r->db, qid, r->annotator_id,
				     r->session_id, now_seconds(),
				     REVIEW_LEASE_SECS, &taken, &holder,
				     err) != NS_OK)
			rc = err->rc ? err->rc : NS_EDB;
		if (rc == NS_OK) {
			/* under the write lock: what others committed is in */
			v = db_data_version(r->db);
			q = review_keeps_recent(r) && v >= 0
			    ? review_recent_take(r, qid, v) : NULL;
			if (q)
				q->audit_again = false;
			rc = q ? queue_refresh(r->db, q, r->annotator_id,
					       r->adjudicating, err)
			       : queue_load(r->db, qid, r->run,
					    r->annotator_id, r->filter,
					    r->adjudicating, &q, err);
		}
		/* nothing in it is left for this session: it is the
		 * others' to decide (review_lease_fit), in the same commit */
		if (rc == NS_OK && taken &&
		    review_first_unsettled(q, 0) == q->n) {
			rc = queue_lease_drop(r->db, qid, r->session_id, err);
			held = false;
		}
		if (rc != NS_OK || db_commit(r->db, err) != NS_OK) {
			struct ns_err e2;

			db_rollback(r->db);
			queue_query_free(q);
			err_clear(&e2);
			decision_lazy_commits(r->db, false, &e2);
			return err->rc ? err->rc : NS_EDB;
		}
		if (decision_lazy_commits(r->db, false, err) != NS_OK) {
			queue_query_free(q);
			return err->rc;
		}
		if (review_keeps_recent(r))
			review_recent_put(r, r->q, r->q_version);
		else
			queue_query_free(r->q);
		r->q = q;
		r->q_version = v;
		r->ntagged = 0;
		r->tag_prefix = false;
		r->lease_at = now_seconds();
		review_set_holder(r, taken ? NULL : &holder);
		r->lease_held = taken && held;
		review_mark_search(r);
		r->cur = (size_t)-1;
	}
	sel = q->n;
	for (size_t i = 0; pid && i < q->n; i++)
		if (q->c[i].passage_id == pid)
			sel = i;
	if (sel == q->n && r->only)
		sel = review_visible_from(r, 0, 1, true);
	if (sel == q->n)
		sel = review_first_unsettled(q, 0);
	if (sel == q->n)
		sel = 0;
	review_select(r, sel);
	return NS_OK;
}

/*
 * Nothing else is left for this session: make current the query of an
 * audit item this annotator skipped once (queue_next_skipped_audit()),
 * shown undecided (audit_again), with that item selected.  *@found as
 * review_goto_unsettled() says it.
 */
static enum ns_rc
review_goto_skipped_audit(struct review *r, bool *found, struct ns_err *err)
{
	int64_t qid;
	size_t i;
	enum ns_rc rc;

	*found = false;
	rc = queue_next_skipped_audit(r->db, r->run, r->filter,
				      r->adjudicating, r->annotator_id,
				      r->session_id, now_seconds(), &qid, err);
	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		return NS_OK;
	}
	if (rc != NS_OK || (rc = review_goto(r, qid, 0, err)) != NS_OK)
		return rc;
	if (r->leased_out || r->q->dropped)
		return NS_OK;
	r->q->audit_again = true;
	if ((rc = queue_reload_labels(r->db, r->q, r->annotator_id,
				      r->adjudicating, err)) != NS_OK)
		return rc;
	/* the item offered again, not an item of the query decided since */
	for (i = 0; i < r->q->n; i++)
		if (r->q->c[i].audit && r->q->c[i].skips == 1 &&
		    !review_settled(r->q, i))
			break;
	if (i == r->q->n)
		i = review_first_unsettled(r->q, 0);
	if (i < r->q->n) {
		review_select(r, i);
		*found = true;
	}
	return NS_OK;
}

/*
 * Make current the first query from @from on (wrapping to the start when
 * @wrap) that has something for this session to decide, leasing it.  The
 * query that queue_next_unsettled() finds may be leased or finished by
 * another session before review_goto() leases and loads it (a free lease
 * and nothing left to do look alike until then): then the next one, a
 * bounded number of times.  *@found is false when there is none.
 */
static enum ns_rc
review_goto_unsettled(struct review *r, int64_t from, bool wrap, bool *found,
		      struct ns_err *err)
{
	int64_t qid;
	enum ns_rc rc;

	*found = false;
	for (int tries = 0; tries < 256; tries++) {
		rc = queue_next_unsettled(r->db, r->run, r->filter,
					  r->adjudicating, from,
					  r->annotator_id, r->session_id,
					  now_seconds(), &qid, err);
		if (rc == NS_ENOTFOUND && wrap && from != INT64_MIN) {
			wrap = false;
			err_clear(err);
			rc = queue_next_unsettled(r->db, r->run, r->filter,
						  r->adjudicating, INT64_MIN,
						  r->annotator_id,
						  r->session_id, now_seconds(),
						  &qid, err);
		}
		if (rc == NS_ENOTFOUND) {
			err_clear(err);
			return review_goto_skipped_audit(r, found, err);
		}
		if (rc != NS_OK || (rc = review_goto(r, qid, 0, err)) != NS_OK)
			return rc;
		if (!r->leased_out && !r->q->dropped &&
		    review_first_unsettled(r->q, 0) < r->q->n) {
			*found = true;
			return NS_OK;
		}
		from = qid + 1;
	}
	*found = false;	/* on the last one tried, with nothing to decide */
	return NS_OK;
}

/* Said on arriving at an audit item offered again, after @head ("" or a
 * sentence ending with a space). */
static void
review_msg_again(struct review *r, const char *head)
{
	const struct queue_cand *c = r->q->n ? &r->q->c[r->cur] : NULL;

	review_msg(r, false, "%sNothing else is left: %s of query %s, "
		   "which you skipped, is back (the audit waits on it; skip "
		   "it again to leave it to the others).", head,
		   c ? c->xid : "?", r->q->xid);
}

enum ns_rc
review_open(struct db *db, const char *annotator, int64_t run,
	    struct review **out, struct ns_err *err)
{
	return review_open_queue(db, annotator, run, NULL, NULL, false, out,
				 err);
}

enum ns_rc
review_open_queue(struct db *db, const char *annotator, int64_t run,
		  const char *name, const struct queue_filter *filter,
		  bool adjudicating, struct review **out, struct ns_err *err)
{
	struct review *r;
	int64_t qid;
	bool found;
	enum ns_rc rc;

	if (run && (rc = queue_run_check(db, run, err)) != NS_OK)
		return rc;
	r = xcalloc(1, sizeof(*r));
	r->db = db;
	r->run = run;
	r->queue_name = xstrdup(name ? name : "all");
	r->adjudicating = adjudicating;
	if (filter) {
		r->filter = xmalloc(sizeof(*r->filter));
		*r->filter = *filter;
		/* the strings are the caller's: keep copies */
		r->filter->verdict = filter->verdict ?
			xstrdup(filter->verdict) : NULL;
		r->filter->stage = filter->stage ? xstrdup(filter->stage)
						 : NULL;
	}
	r->annotator = xstrdup(annotator);
	r->session_start = r->item_since = now_seconds();
	if ((rc = decision_log_mode(db, err)) ||
	    (rc = decision_annotator(db, annotator, &r->annotator_id, err)) ||
	    (rc = decision_session_start(db, r->annotator_id, &r->session_id,
					 err)))
		goto fail;
	r->data_version = db_data_version(db);
	review_load_fit(r);
	if ((rc = review_goto_unsettled(r, INT64_MIN, false, &found, err)))
		goto fail;
	if (found) {
		if (r->q->audit_again)
			review_msg_again(r, "");
		review_lease_fit(r);
		*out = r;
		return NS_OK;
	}
	rc = queue_step(db, run, INT64_MIN, 1, &qid, err);
	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		if (run)
			review_msg(r, false, "Nothing to review: run %lld has "
				   "no kept candidates.", (long long)run);
		else
			review_msg(r, false, "Nothing to review: no query has "
				   "kept candidates (import negatives or run "
				   "negsieve mine).");
		*out = r;
		return NS_OK;
	}
	if (rc != NS_OK || (rc = review_goto(r, qid, 0, err)) != NS_OK)
		goto fail;
	/* everything is decided (or leased): shown from the start, and a
	 * decision key waits for a move, as at the end of the queue */
	r->queue_done = true;
	review_msg(r, false, "Nothing left to review in the queue; move to "
		   "an item to change its label.");
	*out = r;
	return NS_OK;
fail:
	review_close(r);
	return rc;
}

enum ns_rc
review_run_check(struct db *db, int64_t run, struct ns_err *err)
{
	return run ? queue_run_check(db, run, err) : NS_OK;
}

enum ns_rc
review_count(struct review *r, struct ns_err *err)
{
	struct queue_progress p = r->prog;
	enum ns_rc rc;

	if (r->key_pending)
		db_interruptible(r->db, r->key_pending, r->key_pending_arg);
	rc = r->filter && r->filter->conflicts ?
		     queue_conflict_progress(r->db, r->run, &p, err) :
		     queue_progress(r->db, r->run, &p, err);
	if (r->key_pending) {
		bool stopped = db_interrupted(r->db);

		db_interruptible(r->db, NULL, NULL);
		if (rc != NS_OK && stopped) {
			err_clear(err);	/* a key came: count later */
			return NS_OK;
		}
	}
	r->prog = p;
	if (rc != NS_OK) {
		review_msg(r, true, "%s", err->msg);
		return rc;
	}
	r->prog_known = true;
	if (r->prog.items > 0 && r->prog.labelled == r->prog.items &&
	    !r->msg[0])
		review_msg(r, false, "Every item of the queue is decided.");
	return NS_OK;
}

enum ns_rc
review_idle(struct review *r)
{
	struct ns_err err;

	err_clear(&err);
	if (decision_checkpoint(r->db, &err) != NS_OK) {
		review_msg(r, true, "%s", err.msg);
		return err.rc;
	}
	return NS_OK;
}

void
review_close(struct review *r)
{
	struct ns_err err;

	if (!r)
		return;
	err_clear(&err);
	if (r->q)
		queue_lease_drop(r->db, r->q->id, r->session_id, &err);
	if (r->session_id)
		decision_session_end(r->db, r->session_id,
				     r->session_decisions, &err);
	decision_checkpoint(r->db, &err);
	queue_query_free(r->q);
	for (size_t i = 0; i < REVIEW_RECENT; i++)
		queue_query_free(r->recent[i]);
	review_clear_search_marks(r);
	free(r->search_text);
	review_search_free(r);
	free(r->annotator);
	if (r->filter) {
		free((char *)r->filter->verdict);
		free((char *)r->filter->stage);
		free(r->filter);
	}
	free(r->queue_name);
	free(r->refit_exe);
	free(r->refit_dir);
	free(r->decided);
	free(r);
}

/* After a decision: the next unsettled item of this query, else of the
 * queue (from the next query, wrapping to the start). */
static enum ns_rc
review_advance(struct review *r, struct ns_err *err)
{
	struct queue_query *q = r->q;
	size_t i = q->dropped || r->leased_out ? q->n
		   : review_first_unsettled(q, r->cur);
	enum ns_rc rc;

	if (r->only) {
		/* a filtered list: on to the next item shown, else stay */
		i = review_visible_from(r, r->cur, 1, false);
		if (i < q->n)
			review_select(r, i);
		return NS_OK;
	}
	if (i < q->n) {
		review_select(r, i);
		return NS_OK;
	}
	{
		char *done = xstrdup(q->xid);
		bool found;

		rc = review_goto_unsettled(r, q->id + 1, true, &found, err);
		if (rc == NS_OK && !found) {
			review_msg(r, false, "Query %s done; nothing left to "
				   "review in the queue (F lists what you "
				   "skipped).", done);
			r->queue_done = true;
		}
		else if (rc == NS_OK && r->q->audit_again) {
			char head[200];

			snprintf(head, sizeof(head), "Query %s done.  ", done);
			review_msg_again(r, head);
		} else if (rc == NS_OK)
			review_msg(r, false, "Query %s done; now query %s.",
				   done, r->q->xid);
		free(done);
	}
	return rc;
}

/* The label @req records for the candidates (REST_TN: TN), or
 * LABEL_NONE for a request that is not a decision. */
static enum label
review_label_of(enum req req)
{
	return req == REQ_REST_TN ? LABEL_TN : label_of_req(req);
}

/* The events @req makes now, into @ev (q->n + 1 slots): the selected
 * candidate, the tagged ones, the undecided rest (REST_TN) or the query
 * (DROP_QUERY).  Items already carrying the label are left out. */
static size_t
review_events(const struct review *r, enum req req, bool tagged,
	      int64_t ms, struct decision_ev *ev)
{
	const struct queue_query *q = r->q;
	enum label l = review_label_of(req);
	size_t n = 0;

	if (req == REQ_DROP_QUERY) {
		ev[n++] = (struct decision_ev){ q->id, 0, label_action(l),
						NULL, ms, q->drop_dec, NULL };
		return n;
	}
	for (size_t i = 0; i < q->n; i++) {
		const struct queue_cand *c = &q->c[i];
		bool take = req == REQ_REST_TN ? !review_labelled(q, i)
			    : tagged ? c->tagged : i == r->cur;

		if (!take || c->label == l)
			continue;
		/* a skip checks nothing: it is one person's */
		ev[n++] = (struct decision_ev){
			q->id, c->passage_id, label_action(l), NULL,
			i == r->cur ? ms : -1,
			l == LABEL_SKIP ? -1 : c->label_dec, c->auto_verdict };
	}
	return n;
}

/* A write was refused (see decision.h): reload what changed and say so. */
static enum ns_rc
review_refused(struct review *r, const struct decision_outcome *o,
	       const struct decision_ev *ev, size_t n, enum req req,
	       struct ns_err *err)
{
	struct queue_query *q = r->q;
	struct queue_holder who;
	enum ns_rc rc;

	if (o->refused == DECISION_LEASED) {
		review_set_holder(r, &o->holder);
		review_msg_leased(r, q->xid, "decisions are off here (Tab or "
				  "> goes on).");
		return NS_OK;
	}
	/* stale: the guard got the lease before it found the change */
	review_set_holder(r, NULL);
	if ((rc = queue_reload_labels(r->db, q, r->annotator_id,
					 r->adjudicating, err)))
		return rc;
	r->prog_known = false;
	if (ev[o->index].passage_id == 0) {
		review_msg(r, true, "Query %s was %s meanwhile; nothing "
			   "written.  Press the key again to go on.", q->xid,
			   q->dropped ? "dropped" : "restored");
		return NS_OK;
	}
	for (size_t i = 0; i < q->n; i++) {
		const struct queue_cand *c = &q->c[i];

		if (c->passage_id != ev[o->index].passage_id)
			continue;
		if (n > 1)
			review_msg(r, true, "Some of these items were decided "
				   "meanwhile (%s is now %s); nothing written. "
				   "Press %s again to go on.", c->xid,
				   c->label ? label_words(c->label) : "undecided",
				   keymap_req(req)->name);
		else if (c->label_dec > 0 &&
			 queue_item_who(r->db, c->label_dec, &who, err) ==
				 NS_OK)
			review_msg(r, true, "%s was labelled %s by %s meanwhile; "
				   "nothing written.  Press the key again to "
				   "change it.", c->xid, label_words(c->label),
				   who.self || !strcmp(who.name, r->annotator)
				   ? "you (another window)" : who.name);
		else
			review_msg(r, true, "%s changed meanwhile (now %s); "
				   "nothing written.  Press the key again.",
				   c->xid, c->label ? label_words(c->label)
				   : "undecided");
		err_clear(err);
		break;
	}
	return NS_OK;
}

/* Write a decision about the selected candidate, the tagged ones, or the
 * undecided rest (REST_TN), then advance. */
static enum ns_rc
review_decide(struct review *r, enum req req, struct ns_err *err)
{
	struct queue_query *q = r->q;
	struct decision_ev *ev;
	struct decision_outcome out;
	struct decision_guard g = review_guard(r);
	size_t n;
	int64_t items = 0, labelled = 0, pid = 0;
	int64_t ms = (int64_t)((now_seconds() - r->item_since) * 1000.0);
	enum label l = review_label_of(req), was = LABEL_NONE;
	bool tagged = r->tag_prefix && req != REQ_DROP_QUERY &&
		      req != REQ_REST_TN;
	enum ns_rc rc;

	r->tag_prefix = false;
	if (q->n == 0)
		return NS_OK;
	if (q->dropped && req != REQ_DROP_QUERY) {
		review_msg(r, true, "Query %s is dropped; press u to undo "
			   "that first.", q->xid);
		return NS_OK;
	}
	if (q->dropped) {
		review_msg(r, false, "Query %s is already dropped.", q->xid);
		return NS_OK;
	}
	ev = xcalloc(q->n + 1, sizeof(*ev));
	n = review_events(r, req, tagged, ms, ev);
	if (n == 0) {
		free(ev);
		if (req == REQ_REST_TN)
			review_msg(r, false, "No undecided candidates left in "
				   "this query.");
		else if (!tagged)
			review_msg(r, false, "Already %s: %s.", label_words(l),
				   q->c[r->cur].xid);
		else
			review_msg(r, false, "The tagged candidates are "
				   "already %s.", label_words(l));
		if (tagged)
			for (size_t i = 0; i < q->n; i++)
				q->c[i].tagged = false;
		if (tagged)
			r->ntagged = 0;
		if (req == REQ_SKIP || req == REQ_REST_TN)
			return review_advance(r, err);
		return NS_OK;
	}
	if (!tagged && req != REQ_REST_TN)
		was = q->c[r->cur].label;
	/* what it changes in the progress: one item's label (x, f: a
	 * probe), or a query's (X, ;, D: its labels); a skip none; a
	 * dropped passage the items of every query it is in, counted
	 * again as a whole instead (below) */
	if (n == 1)
		pid = ev[0].passage_id;
	if (l != LABEL_DROP_PASSAGE && l != LABEL_SKIP &&
	    (rc = review_count_query(r, q->id, pid, &items, &labelled,
				     err))) {
		free(ev);
		return rc;
	}
	rc = decision_add(r->db, r->annotator_id, &g, ev, n, &out, err);
	if (rc != NS_OK) {
		char what[64];

		if (n > 1)
			snprintf(what, sizeof(what), "%s of %zu candidates",
				 label_words(l), n);
		else
			snprintf(what, sizeof(what), "%s", label_words(l));
		review_unsaved(r, what, err);
		free(ev);
		return rc;
	}
	if (out.refused)
		rc = review_refused(r, &out, ev, n, req, err);
	if (rc != NS_OK || out.refused) {
		free(ev);
		return rc;
	}
	/* committed: now it may be shown, and the decision took the lease */
	review_set_holder(r, NULL);
	r->lease_held = true;
	if (l != LABEL_SKIP)
		review_maybe_refit(r, n);
	r->lease_at = g.now;
	/* the session counts its labels in force: those it made and did
	 * not undo (review_undo), not skips, nor notes */
	if (label_decides(l))
		r->session_decisions += (int64_t)n;
	r->decided = xrealloc(r->decided, n * sizeof(*r->decided));
	for (size_t k = 0; k < n; k++)
		r->decided[k] = (struct review_decided){ ev[k].query_id,
			ev[k].passage_id, l };
	r->ndecided = n;
	if (req == REQ_DROP_QUERY) {
		q->dropped = true;
		q->drop_dec = out.first_id;
		for (size_t i = 0; i < q->n; i++) {
			q->c[i].label = LABEL_DROP_QUERY;
			q->c[i].label_dec = out.first_id;
		}
	} else {
		bool overlap = false;

		for (size_t k = 0; k < n; k++)
			for (size_t i = 0; i < q->n; i++)
				if (q->c[i].passage_id == ev[k].passage_id) {
					q->c[i].label = l;
					overlap |= q->c[i].need > 1;
					if (l != LABEL_SKIP)
						q->c[i].label_dec =
							out.first_id +
							(int64_t)k;
				}
		if (tagged) {
			for (size_t i = 0; i < q->n; i++)
				q->c[i].tagged = false;
			r->ntagged = 0;
		}
		for (size_t k = 0; k < n; k++)
			for (size_t i = 0; i < q->n; i++)
				if (q->c[i].passage_id == ev[k].passage_id &&
				    l != LABEL_SKIP)
					q->c[i].label_mine = true;
		/* an item several annotators decide may or may not be
		 * final now: the database says which */
		if (overlap &&
		    (rc = queue_reload_labels(r->db, q, r->annotator_id,
					      r->adjudicating, err)) != NS_OK) {
			free(ev);
			return rc;
		}
	}
	r->last_passage_queries = 0;
	if (l == LABEL_DROP_PASSAGE && n == 1 &&
	    queue_passage_queries(r->db, r->run, ev[0].passage_id,
				  &r->last_passage_queries, err) != NS_OK)
		err_clear(err);
	if (l == LABEL_DROP_PASSAGE)	/* other queries' items changed */
		r->prog_known = false;
	else if (l != LABEL_SKIP)
		review_count_change(r, q->id, pid, items, labelled);
	free(ev);
	if (n > 1)
		review_msg(r, false, "%s: %zu candidates.", label_words(l), n);
	else if (req == REQ_DROP_QUERY)
		review_msg(r, false, "Dropped query %s (%zu candidates; u "
			   "undoes).", q->xid, q->n);
	else if (l == LABEL_DROP_PASSAGE && r->last_passage_queries > 1)
		review_msg(r, false, "Dropped passage %s in all %lld queries "
			   "it is in.", q->c[r->cur].xid,
			   (long long)r->last_passage_queries);
	else if (l == LABEL_DROP_PASSAGE)
		review_msg(r, false, "Dropped passage %s (in no other "
			   "query).", q->c[r->cur].xid);
	else if (label_decides(was) && was != l)
		review_msg(r, false, "%s (was %s): %s.", label_words(l),
			   label_words(was), q->c[r->cur].xid);
	else
		review_msg(r, false, "%s: %s.", label_words(l),
			   q->c[r->cur].xid);
	if (req == REQ_DROP_QUERY || req == REQ_REST_TN)
		r->cur = q->n ? q->n - 1 : 0;
	{
		char keep[sizeof(r->msg)];

		memcpy(keep, r->msg, sizeof(keep));
		r->msg[0] = '\0';
		rc = review_advance(r, err);
		if (rc == NS_OK) {
			size_t len = strlen(keep);

			if (r->msg[0] && len + 1 < sizeof(keep)) {
				keep[len] = ' ';
				memcpy(keep + len + 1, r->msg,
				       sizeof(keep) - len - 1);
				keep[sizeof(keep) - 1] = '\0';
			}
			memcpy(r->msg, keep, sizeof(keep));
		} else {
			/* saved, but the move to the next query (its lease)
			 * failed: say both at once, and have the next
			 * decision key try the move again rather than label
			 * again the item just decided */
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			snprintf(err->msg, sizeof(err->msg), "%.400s Saved, "
				 "but cannot move on: %.560s", keep, why);
			r->move_failed = true;
		}
	}
	return rc;
}

static enum ns_rc
review_undo(struct review *r, struct ns_err *err)
{
	struct decision_undone u;
	struct decision_outcome why;
	struct decision_guard g = review_guard(r);
	struct queue_holder h;
	const char *label;
	int64_t qid, pid, labelled = 0, items = 0;
	bool wrote = false;
	enum ns_rc rc = decision_undo_peek(r->db, r->annotator_id, &qid, &pid,
					   err);

	/* the item's count when the undo cancels one event, else the
	 * query's (as in review_decide()) */
	if (rc == NS_OK)
		rc = review_count_query(r, qid, pid, &items, &labelled, err);
	if (rc == NS_OK) {
		rc = decision_undo(r->db, r->annotator_id, &g, &u, &why, err);
		wrote = true;
	}
	if (rc == NS_ENOTFOUND) {
		review_msg(r, false, "Nothing to undo.");
		err_clear(err);
		return NS_OK;
	}
	if (rc != NS_OK) {
		if (wrote)
			review_unsaved(r, "Undo", err);
		return rc;
	}
	if (why.refused == DECISION_LEASED) {
		char xid[64];

		h = why.holder;
		/* named as everywhere on the screen, by its id */
		queue_query_xid(r->db, why.query_id, xid, sizeof(xid));
		if (h.self)
			review_msg(r, true, "Your last decision is in query "
				   "%s, open in your other review window: "
				   "undo it there.", xid);
		else
			review_msg(r, true, "Your last decision is in query "
				   "%s, now reviewed by %s: nothing undone.",
				   xid, h.name);
		return NS_OK;
	}
	/* the undo took the lease of its query */
	if (r->q && r->q->id == u.query_id) {
		review_set_holder(r, NULL);
		r->lease_held = true;
	}
	/* a skip or a note undone takes back no label; a label of an
	 * earlier session undone (after all of this one's) is none of
	 * this session's */
	if (label_decides(label_of_action(u.action)) &&
	    (r->session_decisions -= (int64_t)u.count) < 0)
		r->session_decisions = 0;
	/* an item no run keeps leaves the queue with its label (a
	 * refilter takes it back): the queue's size changes too; a
	 * dropped passage brought back changes the items of every query
	 * it is in: the whole queue is counted again, as after the drop */
	if (label_of_action(u.action) == LABEL_DROP_PASSAGE)
		r->prog_known = false;
	else
		review_count_change(r, qid, pid, items, labelled);
	if (r->q && r->q->id == u.query_id &&
	    (rc = queue_reload_labels(r->db, r->q, r->annotator_id,
					 r->adjudicating, err)) !=
		    NS_OK)
		return rc;
	if ((rc = review_goto(r, u.query_id, u.passage_id, err)) != NS_OK)
		return rc;
	label = label_of_action(u.action) ? label_words(label_of_action(
							u.action))
					  : u.action;
	if (u.count > 1)
		review_msg(r, false, "Undid: %s of %zu items.", label,
			   u.count);
	else if (!strcmp(u.action, "note") && u.passage_id && r->q->n &&
		 r->q->c[r->cur].passage_id == u.passage_id)
		/* the note event undone saved or removed one: say which
		 * note is in force now */
		review_msg(r, false, "Undid: note of %s; %s.",
			   r->q->c[r->cur].xid, r->q->c[r->cur].note
			   ? "its note is back" : "it has no note now");
	else
		review_msg(r, false, "Undid: %s%s%s.", label,
			   u.passage_id ? " of " : "",
			   u.passage_id && r->q->n ? r->q->c[r->cur].xid : "");
	return NS_OK;
}

/* The cascade's newest version into r->fit_id and r->cascade_line. */
static void
review_load_fit(struct review *r)
{
	struct cascade_db_fit f;
	struct ns_err err;

	err_clear(&err);
	if (cascade_db_fit_latest(r->db, &f, &err) != NS_OK)
		return;
	r->fit_id = f.id;
	if (f.id)
		cascade_thr_summary(f.thresholds, f.id, r->cascade_line,
				    sizeof(r->cascade_line));
	else
		r->cascade_line[0] = '\0';
	cascade_db_fit_fini(&f);
}

/* Reap a finished background refit. */
static void
review_reap(struct review *r)
{
	int status;

	if (r->refit_pid > 0 && waitpid(r->refit_pid, &status, WNOHANG) ==
				r->refit_pid)
		r->refit_pid = 0;
}

void
review_set_refit(struct review *r, const char *exe, const char *dir,
		 int every)
{
	free(r->refit_exe);
	free(r->refit_dir);
	r->refit_exe = exe ? xstrdup(exe) : NULL;
	r->refit_dir = dir ? xstrdup(dir) : NULL;
	r->refit_every = every;
}

void
review_on_wait(struct db *db, bool (*wait)(void *, double), void *arg)
{
	db_on_wait(db, wait, arg);
}

char *
review_stats_text(struct review *r, struct ns_err *err)
{
	char *argv[] = { "negsieve", "stats", r->refit_dir, NULL };
	posix_spawn_file_actions_t fa;
	struct strbuf sb;
	char buf[4096];
	ssize_t got;
	int fd[2], status;
	pid_t pid;

	if (!r->refit_exe || !r->refit_dir) {
		err_set(err, NS_ENOTFOUND, "no statistics here: run negsieve "
			"stats on the project");
		return NULL;
	}
	if (pipe(fd) != 0) {
		err_set(err, NS_EIO, "statistics: %s", strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	status = posix_spawn(&pid, r->refit_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (status != 0) {
		close(fd[0]);
		err_set(err, NS_EIO, "statistics: cannot start %s: %s",
			r->refit_exe, strerror(status));
		return NULL;
	}
	strbuf_init(&sb);
	while ((got = read(fd[0], buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		strbuf_add(&sb, buf, (size_t)got);
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (sb.len == 0)
		strbuf_addstr(&sb, "negsieve stats printed nothing\n");
	return strbuf_detach(&sb, NULL);
}

/* After @n decisions: start a background refit when one is due. */
static void
review_maybe_refit(struct review *r, size_t n)
{
	char *argv[] = { "negsieve", "fit", "--quiet", "--verdicts-only",
			 r->refit_dir, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;

	r->since_refit += (int)n;
	review_reap(r);
	if (!r->refit_exe || !r->refit_dir || r->refit_every <= 0 ||
	    r->since_refit < r->refit_every || r->refit_pid > 0 ||
	    r->fit_id <= 0)
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, r->refit_exe, &fa, NULL, argv, environ) == 0) {
		r->refit_pid = (int)pid;
		r->refits++;
		r->since_refit = 0;
	}
	posix_spawn_file_actions_destroy(&fa);
}

void
review_wait_refit(struct review *r)
{
	int status;

	if (r->refit_pid > 0)
		waitpid(r->refit_pid, &status, 0);
	r->refit_pid = 0;
	/* decisions the last refit may not have seen: one more, now */
	if (r->since_refit > 0 && r->refit_every > 0) {
		int every = r->refit_every;

		r->refit_every = 1;
		review_maybe_refit(r, 0);
		r->refit_every = every;
		if (r->refit_pid > 0)
			waitpid(r->refit_pid, &status, 0);
		r->refit_pid = 0;
	}
	review_sync(r);
}

bool
review_sync(struct review *r)
{
	struct ns_err err;
	struct queue_holder h;
	int64_t v = db_data_version(r->db);
	bool changed = v != r->data_version && v >= 0, redraw = changed;
	bool held = r->lease_held, other, taken, freed = false;
	bool was_self = false;
	char was[sizeof(r->holder)];

	review_reap(r);
	/* a holder whose process died writes nothing that would change the
	 * data version: while another session holds q, its lease is read
	 * again each time (the screen calls this every idle second) */
	if (!changed && !(r->q && r->leased_out))
		return false;
	if (changed) {
		r->data_version = v;
		r->prog_known = false;
		review_load_fit(r);
	}
	if (!r->q)
		return true;
	err_clear(&err);
	/* not ours: whose, if anyone's (another may have taken it since
	 * this session let it go) */
	if (!r->lease_held &&
	    queue_lease_holder(r->db, r->q->id, r->annotator_id,
			       r->session_id, now_seconds(), &other, &h,
			       &err) == NS_OK) {
		freed = r->leased_out && !other;
		was_self = r->holder_self;
		snprintf(was, sizeof(was), "%s", r->holder);
		if (other != r->leased_out ||
		    (other && strcmp(h.name, r->holder) != 0))
			redraw = true;
		review_set_holder(r, other ? &h : NULL);
	}
	if (!redraw)
		return false;
	if (changed && queue_reload_labels(r->db, r->q, r->annotator_id,
					   r->adjudicating, &err) != NS_OK) {
		review_msg(r, true, "%s", err.msg);
		freed = false;	/* the error is what to read */
	}
	if (r->cur >= r->q->n)
		r->cur = r->q->n ? r->q->n - 1 : 0;
	/* the holder left: the lease is ours when something here is left
	 * for us to decide (review_lease_fit) */
	review_lease_fit(r);
	taken = !held && r->lease_held;
	/* the banner went: say why, or the status line would still say
	 * that decisions are off here */
	if (freed && !r->leased_out) {
		if (was_self)
			review_msg(r, false, "Your other review window has "
				   "left query %s: decisions are on here.",
				   r->q->xid);
		else
			review_msg(r, false, "%s has left query %s: decisions "
				   "are on here.", was, r->q->xid);
	}
	/* the query just became ours: the selection goes to what is left
	 * to decide, not to what the holder decided under it */
	if (taken && r->q->n && review_settled(r->q, r->cur)) {
		size_t i = review_first_unsettled(r->q, 0);

		if (i < r->q->n)
			review_select(r, i);
	}
	return true;
}

/* Next/previous search hit from the selection; wraps around the queue. */
static enum ns_rc
review_search_step(struct review *r, int dir, struct ns_err *err)
{
	struct queue_query *q = r->q;
	int64_t qid;
	enum ns_rc rc;
	bool wrapped = false;

	if (!r->search) {
		review_msg(r, false, "No search yet: press / first.");
		return NS_OK;
	}
	if (!q)
		return NS_OK;
	/* within the loaded query first */
	for (size_t k = 1; r->hit && k < q->n; k++) {
		size_t i = dir > 0 ? r->cur + k : r->cur - k;

		if (i >= q->n)
			break;
		if (r->hit[i]) {
			review_select(r, i);
			review_msg_search(r, "");
			return NS_OK;
		}
	}
	rc = queue_search_step(r->db, r->run, r->search, q->id, dir, &qid, err);
	if (rc == NS_ENOTFOUND) {
		wrapped = true;
		rc = queue_search_step(r->db, r->run, r->search,
				       dir > 0 ? INT64_MIN : INT64_MAX, dir,
				       &qid, err);
	}
	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		review_msg(r, false, "Not found: %s", r->search_text);
		review_msg_stale(r, true);
		return NS_OK;
	}
	if (rc != NS_OK)
		return rc;
	if ((rc = review_goto(r, qid, 0, err)) != NS_OK)
		return rc;
	/* select the first (or last) hit of the new query */
	for (size_t k = 0; r->hit && k < r->q->n; k++) {
		size_t i = dir > 0 ? k : r->q->n - 1 - k;

		if (r->hit[i]) {
			review_select(r, i);
			break;
		}
	}
	review_msg_search(r, wrapped ? " (search wrapped)" : "");
	return NS_OK;
}

static enum ns_rc
review_search(struct review *r, const char *text, struct ns_err *err)
{
	struct queue_search s;

	if (!queue_search_init(&s, text ? text : "")) {
		review_msg(r, false, "Empty search.");
		return NS_OK;
	}
	review_search_free(r);
	free(r->search_text);
	r->search = xmalloc(sizeof(*r->search));
	*r->search = s;
	r->search_text = xstrdup(text);
	r->search_queries = 0;
	/* read at each search: another process's import or mine may have
	 * made the index stale, or rebuilt it, since the review started;
	 * words matched inside the text read the texts, not the index */
	r->search_stale = s.expr && store_fts_stale(r->db);
	if (queue_search_count(r->db, r->run, r->search, &r->search_queries,
			       err) != NS_OK) {
		review_msg(r, true, "%s", err->msg);
		/* the matches of words inside the text may be half made */
		if (s.nlike) {
			review_search_free(r);
			free(r->search_text);
			r->search_text = NULL;
		}
		return NS_OK;
	}
	review_mark_search(r);
	if (r->msg_err)
		return NS_OK;
	if (r->search_queries == 0) {
		review_msg(r, false, "Not found: %s", r->search_text);
		review_msg_stale(r, true);
		return NS_OK;
	}
	if (r->hit && r->hit[r->cur]) {
		review_msg_search(r, "");
		return NS_OK;
	}
	return review_search_step(r, 1, err);
}

static enum ns_rc
review_jump(struct review *r, const char *id, struct ns_err *err)
{
	int64_t qid;
	enum ns_rc rc;

	if (!id || !*id)
		return NS_OK;
	rc = queue_find(r->db, id, &qid, err);
	if (rc == NS_ENOTFOUND) {
		struct queue_match m[6];
		size_t count = 0;

		err_clear(err);
		if ((rc = queue_find_matches(r->db, r->run, id, m,
					     NS_ARRAY_SIZE(m), &count, err)))
			return rc;
		if (count == 0) {
			review_msg(r, true, "No query '%s'.", id);
			return NS_OK;
		}
		if (count > 1) {
			size_t len;

			review_msg(r, false, "%zu queries match '%s':", count,
				   id);
			for (size_t i = 0; i < count && i < NS_ARRAY_SIZE(m);
			     i++) {
				len = strlen(r->msg);
				snprintf(r->msg + len, sizeof(r->msg) - len,
					 " %s%s", m[i].xid,
					 i + 1 < count ? "," : ".");
			}
			len = strlen(r->msg);
			if (count > NS_ARRAY_SIZE(m))
				snprintf(r->msg + len, sizeof(r->msg) - len,
					 " ...");
			len = strlen(r->msg);
			snprintf(r->msg + len, sizeof(r->msg) - len,
				 " Type more of the id.");
			return NS_OK;
		}
		qid = m[0].id;
	} else if (rc != NS_OK) {
		return rc;
	}
	if (!queue_contains(r->db, r->run, qid)) {
		review_msg(r, true, "Query '%s' has no candidates to review.",
			   id);
		return NS_OK;
	}
	if ((rc = review_goto(r, qid, 0, err)) != NS_OK)
		return rc;
	review_msg_query(r);
	return NS_OK;
}

/*
 * Save @text as the selected candidate's note.  An empty note (blanks
 * only) over a note there is takes it back: the log is append-only, so
 * that is a new "note" event without text (see queue.c), which undo
 * cancels like any other, bringing the note back.
 */
static enum ns_rc
review_note(struct review *r, const char *text, struct ns_err *err)
{
	struct queue_cand *c = &r->q->c[r->cur];
	struct decision_ev ev;
	enum ns_rc rc;

	if (text && !text[strspn(text, " \t\n\r\f\v")])
		text = NULL;
	if (!text && !c->note) {
		review_msg(r, false, "Empty note: nothing saved.");
		return NS_OK;
	}
	if (text && c->note_text && !strcmp(c->note_text, text)) {
		review_msg(r, false, "Note unchanged.");
		return NS_OK;
	}
	/* a note is anyone's to add or take back, leased or not: no guard */
	ev = (struct decision_ev){ r->q->id, c->passage_id, "note", text, -1,
				   -1, NULL };
	if ((rc = decision_add(r->db, r->annotator_id, NULL, &ev, 1, NULL,
			       err))) {
		review_unsaved(r, "Note", err);
		return rc;
	}
	free(c->note_text);
	c->note_text = text ? xstrdup(text) : NULL;
	c->note = text != NULL;
	if (text) {
		review_msg(r, false, "Note saved on %s.", c->xid);
		return NS_OK;
	}
	review_msg(r, false, "Note removed from %s (u brings it back).",
		   c->xid);
	if (r->only && !review_visible(r, r->cur)) {
		/* the noted list no longer shows it: the next one it shows
		 * (else the one before), as after a decision */
		size_t i = review_visible_from(r, r->cur, 1, false);

		if (i == r->q->n)
			i = review_visible_from(r, r->cur, -1, false);
		if (i < r->q->n)
			review_select(r, i);
	}
	return NS_OK;
}

static enum ns_rc
review_step_query(struct review *r, int dir, struct ns_err *err)
{
	int64_t qid;
	enum ns_rc rc = r->only
		? queue_step_mine(r->db, r->run, r->q->id, dir,
				  r->annotator_id,
				  review_filter_what(r->only), &qid, err)
		: queue_step(r->db, r->run, r->q->id, dir, &qid, err);

	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		if (r->only)
			review_msg(r, false, "No %s items %s this query.",
				   review_filter_name(r->only),
				   dir > 0 ? "after" : "before");
		else
			review_msg(r, false, dir > 0 ? "This is the last "
				   "query." : "This is the first query.");
		return NS_OK;
	}
	if (rc != NS_OK || (rc = review_goto(r, qid, 0, err)) != NS_OK)
		return rc;
	review_msg_query(r);
	return NS_OK;
}

/* Tab: the next unsettled item after the selection, in this query and
 * then in the queue (never back to an earlier item of this query unless
 * the queue leads there). */
static enum ns_rc
review_next_open(struct review *r, struct ns_err *err)
{
	struct queue_query *q = r->q;
	int64_t from = q->id;
	size_t i = q->n;
	bool found;
	enum ns_rc rc;

	if (r->only) {
		i = review_visible_from(r, r->cur, 1, false);
		if (i < q->n) {
			review_select(r, i);
			return NS_OK;
		}
		return review_step_query(r, 1, err);
	}
	/* another session's query: nothing of it is ours to decide */
	for (size_t k = r->cur + 1; k < q->n && !q->dropped &&
				    !r->leased_out; k++)
		if (!review_settled(q, k)) {
			i = k;
			break;
		}
	if (i < q->n) {
		review_select(r, i);
		return NS_OK;
	}
	/* the next query with something to decide (taken or finished by
	 * another session meanwhile: the one after) */
	if ((rc = review_goto_unsettled(r, from + 1, true, &found, err)) !=
	    NS_OK)
		return rc;
	if (!found) {
		review_msg(r, false, "Nothing undecided is left in the queue "
			   "(F lists what you skipped).");
		return NS_OK;
	}
	if (r->q->audit_again) {
		review_msg_again(r, "");
	} else if (r->q->id == from) {
		/* the queue leads back here: the first unsettled item */
		i = review_first_unsettled(r->q, 0);
		if (i < r->q->n)
			review_select(r, i);
		review_msg(r, false, "The rest of the queue is decided; "
			   "back to what is left in this query (%s).",
			   r->q->xid);
	} else {
		review_msg_query(r);
	}
	return NS_OK;
}

/* F: the next filter, and an item it shows (here, else in the queue). */
static enum ns_rc
review_filter_next(struct review *r, struct ns_err *err)
{
	size_t i;
	int64_t qid;
	enum ns_rc rc;

	r->only = (enum review_filter)((r->only + 1) %
					 REVIEW_FILTER_COUNT);
	if (!r->only) {
		review_msg(r, false, "Filter off: every item is shown.");
		return NS_OK;
	}
	i = review_visible(r, r->cur) ? r->cur
	    : review_visible_from(r, 0, 1, true);
	if (i < r->q->n) {
		review_select(r, i);
	} else {
		rc = queue_step_mine(r->db, r->run, r->q->id, 1,
				     r->annotator_id,
				     review_filter_what(r->only), &qid, err);
		if (rc == NS_ENOTFOUND)
			rc = queue_step_mine(r->db, r->run, INT64_MIN, 1,
					     r->annotator_id,
					     review_filter_what(r->only),
					     &qid, err);
		if (rc == NS_ENOTFOUND) {
			err_clear(err);
			review_msg(r, false, "Filter %s: no such items in the "
				   "queue (F for the next filter).",
				   review_filter_name(r->only));
			return NS_OK;
		}
		if (rc != NS_OK || (rc = review_goto(r, qid, 0, err)))
			return rc;
	}
	review_msg(r, false, "Filter %s: > and < go to the next such "
		   "query, F changes the filter.",
		   review_filter_name(r->only));
	return NS_OK;
}

static enum ns_rc
review_do(struct review *r, enum req req, const char *arg, int page)
{
	struct ns_err err;
	struct queue_query *q = r->q;
	enum ns_rc rc = NS_OK;
	bool prefix = r->tag_prefix;
	int64_t from_qid = 0, from_pid = 0;

	err_clear(&err);
	r->msg[0] = '\0';
	r->msg_err = false;
	r->ndecided = 0;
	/* A decision is about what was drawn: it is checked against the
	 * database when written (decision.h), not refreshed first. */
	if (!review_label_of(req) && req != REQ_UNDO)
		review_sync(r);
	q = r->q;
	/* a query without candidates (e.g. dropped, then mined again)
	 * still lets its decisions be undone */
	if (!q || (q->n == 0 && req != REQ_JUMP && req != REQ_SEARCH &&
		   req != REQ_UNDO)) {
		if (req != REQ_HELP && req != REQ_REDRAW && req != REQ_QUIT)
			review_msg(r, false, "Nothing to review.");
		return NS_OK;
	}
	if (page < 1)
		page = 1;
	if (prefix && !review_label_of(req))
		r->tag_prefix = false;
	/* the queue ran out: a decision key then would label again the item
	 * the last decision left selected; it waits for a move */
	if (r->queue_done && review_label_of(req) != LABEL_NONE) {
		bool found;

		/* someone may have left work since: go there, the key
		 * itself is not applied */
		rc = review_goto_unsettled(r, INT64_MIN, false, &found, &err);
		if (rc != NS_OK) {
			review_msg(r, true, "%s", err.msg);
			return rc;
		}
		if (found && r->q->audit_again) {
			r->queue_done = false;
			review_msg_again(r, "The key was not applied.  ");
		} else if (found) {
			r->queue_done = false;
			review_msg(r, false, "Query %s has items to decide "
				   "now; the key was not applied.", r->q->xid);
		} else {
			review_msg(r, false, "Nothing left to review in the "
				   "queue; move to an item to change its "
				   "label.");
		}
		return NS_OK;
	}
	/* the last decision was saved but moving on from it failed (a full
	 * disk): a decision key would label the item it left selected
	 * again; the move is tried again instead, and the key counts as
	 * not saved when it fails again */
	if (r->move_failed && review_label_of(req) != LABEL_NONE) {
		char head[sizeof(r->msg)];

		r->msg[0] = '\0';
		if ((rc = review_advance(r, &err)) != NS_OK) {
			char why[sizeof(err.msg)];

			snprintf(why, sizeof(why), "%s", err.msg);
			snprintf(err.msg, sizeof(err.msg), "cannot move on "
				 "from the last decision: %.900s", why);
			review_unsaved(r, "The key was", &err);
			review_msg(r, true, "%s", err.msg);
			return rc;
		}
		r->move_failed = false;
		snprintf(head, sizeof(head), "%s", r->msg);
		review_msg(r, false, "%s%sThe key was not applied.", head,
			   head[0] ? "  " : "");
		return NS_OK;
	}
	if (req != REQ_HELP && req != REQ_REDRAW && req != REQ_NOTE &&
	    req != REQ_NOTE_EDITOR && req != REQ_TAG)
		r->queue_done = false;
	if (req == REQ_SEARCH || req == REQ_SEARCH_NEXT ||
	    req == REQ_SEARCH_PREV || req == REQ_JUMP) {
		from_qid = q->id;
		from_pid = q->n ? q->c[r->cur].passage_id : 0;
	}
	switch (req) {
	case REQ_MOVE_DOWN:
	case REQ_MOVE_UP:
	case REQ_PAGE_DOWN:
	case REQ_PAGE_UP: {
		int dir = req == REQ_MOVE_DOWN || req == REQ_PAGE_DOWN ? 1 : -1;
		int steps = req == REQ_MOVE_DOWN || req == REQ_MOVE_UP ? 1
			    : page;
		size_t i = r->cur;

		if (!r->only) {
			review_select(r, dir > 0 ? r->cur + (size_t)steps
				      : r->cur > (size_t)steps
				      ? r->cur - (size_t)steps : 0);
			break;
		}
		for (int s = 0; s < steps; s++) {
			size_t j = review_visible_from(r, i, dir, false);

			if (j >= q->n)
				break;
			i = j;
		}
		review_select(r, i);
		break;
	}
	case REQ_MOVE_FIRST:
	case REQ_MOVE_LAST: {
		size_t i = req == REQ_MOVE_FIRST
			   ? review_visible_from(r, 0, 1, true)
			   : review_visible_from(r, q->n - 1, -1, true);

		if (i < q->n)
			review_select(r, i);
		break;
	}
	case REQ_FILTER:
		rc = review_filter_next(r, &err);
		break;
	case REQ_BACK:
		if (!r->back_qid) {
			review_msg(r, false, "Nothing to go back to (search "
				   "or jump first).");
			break;
		}
		{
			int64_t bq = r->back_qid, bp = r->back_pid;

			r->back_qid = q->id;
			r->back_pid = q->c[r->cur].passage_id;
			if ((rc = review_goto(r, bq, bp, &err)) == NS_OK)
				review_msg(r, false, "Back to query %s.",
					   r->q->xid);
		}
		break;
	case REQ_NEXT_QUERY:
	case REQ_PREV_QUERY:
		rc = review_step_query(r, req == REQ_NEXT_QUERY ? 1 : -1,
				       &err);
		break;
	case REQ_NEXT_OPEN:
		rc = review_next_open(r, &err);
		break;
	case REQ_FN:
	case REQ_TN:
	case REQ_DROP_PASSAGE:
	case REQ_DROP_QUERY:
	case REQ_SKIP:
	case REQ_REST_TN:
		rc = review_decide(r, req, &err);
		break;
	case REQ_UNDO:
		rc = review_undo(r, &err);
		break;
	case REQ_TAG:
		q->c[r->cur].tagged = !q->c[r->cur].tagged;
		r->ntagged += q->c[r->cur].tagged ? 1 : (size_t)-1;
		review_select(r, r->cur + 1);
		review_msg(r, false, "%zu tagged.", r->ntagged);
		break;
	case REQ_TAG_APPLY:
		if (r->ntagged == 0) {
			review_msg(r, false, "No tagged candidates (tag them "
				   "with t first).");
			break;
		}
		r->tag_prefix = true;
		review_msg(r, false, "Apply to %zu tagged: press a decision "
			   "key.", r->ntagged);
		break;
	case REQ_NOTE:
	case REQ_NOTE_EDITOR:
		rc = review_note(r, arg, &err);
		break;
	case REQ_SEARCH:
		rc = review_search(r, arg, &err);
		break;
	case REQ_SEARCH_NEXT:
	case REQ_SEARCH_PREV:
		rc = review_search_step(r, req == REQ_SEARCH_NEXT ? 1 : -1,
					&err);
		break;
	case REQ_JUMP:
		rc = review_jump(r, arg, &err);
		break;
	default:
		break;
	}
	/* a search or jump that moved: BACK returns to where it started */
	if (rc == NS_OK && from_qid && r->q &&
	    (r->q->id != from_qid || (r->q->n &&
				      r->q->c[r->cur].passage_id != from_pid))) {
		r->back_qid = from_qid;
		r->back_pid = from_pid;
	}
	/* a move made (or an undo): the selection is where it went */
	if (rc == NS_OK && !review_label_of(req) && req != REQ_HELP &&
	    req != REQ_REDRAW && req != REQ_NOTE && req != REQ_NOTE_EDITOR &&
	    req != REQ_TAG)
		r->move_failed = false;
	if (rc != NS_OK)
		review_msg(r, true, "%s", err.msg);
	return rc;
}

enum ns_rc
review_act(struct review *r, enum req req, const char *arg, int page)
{
	enum ns_rc rc = review_do(r, req, arg, page);

	/* wherever the act left the session: the lease of its query while
	 * something there is left for it, and only then */
	review_lease_fit(r);
	return rc;
}
