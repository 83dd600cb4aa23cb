/*
 * review.c - the review state machine (see review.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/decision.h"
#include "src/review.h"
#include "src/util.h"

void
review_msg(struct review *r, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->msg_err = error;
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
	enum queue_label l = q->c[i].label;

	return q->dropped || l == QUEUE_FN || l == QUEUE_TN ||
	       l == QUEUE_DROP_PASSAGE;
}

static bool
review_settled(const struct queue_query *q, size_t i)
{
	return review_labelled(q, i) || q->c[i].label == QUEUE_SKIP;
}

static int64_t
review_count_labelled(const struct queue_query *q)
{
	int64_t n = 0;

	for (size_t i = 0; q && i < q->n; i++)
		n += review_labelled(q, i);
	return n;
}

size_t
review_left(const struct review *r)
{
	if (!r->q)
		return 0;
	return r->q->n - (size_t)review_count_labelled(r->q);
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

static void
review_clear_search_marks(struct review *r)
{
	free(r->hit);
	r->hit = NULL;
	r->query_hit = false;
}

static void
review_mark_search(struct review *r)
{
	struct ns_err err;

	review_clear_search_marks(r);
	if (!r->search_expr || !r->q)
		return;
	err_clear(&err);
	r->hit = xcalloc(r->q->n ? r->q->n : 1, sizeof(*r->hit));
	if (queue_search_marks(r->db, r->search_expr, r->q, r->hit,
			       &r->query_hit, &err) != NS_OK) {
		review_msg(r, true, "%s", err.msg);
		review_clear_search_marks(r);
	}
}

/* Make query @qid current (loading it) and select its candidate @pid, or
 * its first unsettled one when @pid is 0. */
static enum ns_rc
review_goto(struct review *r, int64_t qid, int64_t pid, struct ns_err *err)
{
	struct queue_query *q;
	size_t sel;
	bool taken = false;
	char *holder = NULL;

	if (r->q && r->q->id == qid) {
		q = r->q;
	} else {
		if (queue_load(r->db, qid, r->run, &q, err) != NS_OK)
			return err->rc;
		/* hand the lease over in one commit (one fsync) */
		if (db_begin(r->db, err) != NS_OK) {
			queue_query_free(q);
			return err->rc;
		}
		if (r->q)
			queue_lease_drop(r->db, r->q->id, r->annotator_id, err);
		queue_query_free(r->q);
		r->q = q;
		r->ntagged = 0;
		r->tag_prefix = false;
		free(r->lease_holder);
		r->lease_holder = NULL;
		if (queue_lease_take(r->db, qid, r->annotator_id,
				     r->session_id, now_seconds(),
				     REVIEW_LEASE_SECS, &taken, &holder,
				     err) != NS_OK ||
		    db_commit(r->db, err) != NS_OK) {
			db_rollback(r->db);
			free(holder);
			r->cur = 0;
			return err->rc;
		}
		r->lease_at = now_seconds();
		r->lease_holder = taken ? NULL : holder;
		review_mark_search(r);
		r->cur = (size_t)-1;
	}
	sel = q->n;
	for (size_t i = 0; pid && i < q->n; i++)
		if (q->c[i].passage_id == pid)
			sel = i;
	if (sel == q->n)
		sel = review_first_unsettled(q, 0);
	if (sel == q->n)
		sel = 0;
	review_select(r, sel);
	return NS_OK;
}

enum ns_rc
review_open(struct db *db, const char *annotator, int64_t run,
	    struct review **out, struct ns_err *err)
{
	struct review *r;
	int64_t qid;
	enum ns_rc rc;

	if (run && (rc = queue_run_check(db, run, err)) != NS_OK)
		return rc;
	r = xcalloc(1, sizeof(*r));
	r->db = db;
	r->run = run;
	r->annotator = xstrdup(annotator);
	r->session_start = r->item_since = now_seconds();
	if ((rc = decision_log_mode(db, err)) ||
	    (rc = decision_annotator(db, annotator, &r->annotator_id, err)) ||
	    (rc = decision_session_start(db, r->annotator_id, &r->session_id,
					 err)))
		goto fail;
	rc = queue_next_unsettled(db, run, INT64_MIN, r->annotator_id,
				  now_seconds(), &qid, err);
	if (rc == NS_ENOTFOUND)
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
	*out = r;
	return NS_OK;
fail:
	review_close(r);
	return rc;
}

enum ns_rc
review_count(struct review *r, struct ns_err *err)
{
	enum ns_rc rc = queue_progress(r->db, r->run, &r->prog, err);

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
		queue_lease_drop(r->db, r->q->id, r->annotator_id, &err);
	if (r->session_id)
		decision_session_end(r->db, r->session_id,
				     r->session_decisions, &err);
	decision_checkpoint(r->db, &err);
	queue_query_free(r->q);
	review_clear_search_marks(r);
	free(r->search_text);
	free(r->search_expr);
	free(r->lease_holder);
	free(r->annotator);
	free(r);
}

/* After a decision: the next unsettled item of this query, else of the
 * queue (from the next query, wrapping to the start). */
static enum ns_rc
review_advance(struct review *r, struct ns_err *err)
{
	struct queue_query *q = r->q;
	size_t i = q->dropped ? q->n : review_first_unsettled(q, r->cur);
	int64_t qid;
	enum ns_rc rc;

	if (i < q->n) {
		review_select(r, i);
		return NS_OK;
	}
	rc = queue_next_unsettled(r->db, r->run, q->id + 1, r->annotator_id,
				  now_seconds(), &qid, err);
	if (rc == NS_ENOTFOUND)
		rc = queue_next_unsettled(r->db, r->run, INT64_MIN, r->annotator_id,
					  now_seconds(), &qid, err);
	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		review_msg(r, false, "Query %s done; nothing left to review "
			   "in the queue.", q->xid);
		return NS_OK;
	}
	if (rc != NS_OK)
		return rc;
	{
		char *done = xstrdup(q->xid);

		rc = review_goto(r, qid, 0, err);
		if (rc == NS_OK)
			review_msg(r, false, "Query %s done; now query %s.",
				   done, r->q->xid);
		free(done);
	}
	if (rc != NS_OK)
		return rc;
	return NS_OK;
}

static const char *
review_action_name(enum req req)
{
	switch (req) {
	case REQ_FN:
		return "fn";
	case REQ_TN:
		return "tn";
	case REQ_DROP_PASSAGE:
		return "drop_passage";
	case REQ_DROP_QUERY:
		return "drop_query";
	case REQ_SKIP:
		return "skip";
	default:
		return NULL;
	}
}

static enum queue_label
review_label_of(enum req req)
{
	switch (req) {
	case REQ_FN:
		return QUEUE_FN;
	case REQ_TN:
	case REQ_REST_TN:
		return QUEUE_TN;
	case REQ_DROP_PASSAGE:
		return QUEUE_DROP_PASSAGE;
	case REQ_SKIP:
		return QUEUE_SKIP;
	default:
		return QUEUE_NONE;
	}
}

/* Write a decision about the selected candidate, the tagged ones, or the
 * undecided rest (REST_TN), then advance. */
static enum ns_rc
review_decide(struct review *r, enum req req, struct ns_err *err)
{
	struct queue_query *q = r->q;
	struct decision_ev *ev;
	size_t n = 0;
	int64_t before = review_count_labelled(q);
	int64_t ms = (int64_t)((now_seconds() - r->item_since) * 1000.0);
	const char *action = req == REQ_REST_TN ? "tn"
			     : review_action_name(req);
	bool tagged = r->tag_prefix && req != REQ_DROP_QUERY &&
		      req != REQ_REST_TN;
	enum ns_rc rc;

	r->tag_prefix = false;
	if (q->n == 0)
		return NS_OK;
	ev = xcalloc(q->n, sizeof(*ev));
	if (req == REQ_DROP_QUERY) {
		ev[n++] = (struct decision_ev){ q->id, 0, action, NULL, ms };
	} else {
		for (size_t i = 0; i < q->n; i++) {
			bool take = req == REQ_REST_TN ? !review_labelled(q, i)
				    : tagged ? q->c[i].tagged : i == r->cur;

			if (take)
				ev[n++] = (struct decision_ev){
					q->id, q->c[i].passage_id, action,
					NULL, i == r->cur ? ms : -1 };
		}
	}
	if (n == 0) {
		free(ev);
		review_msg(r, false, "No undecided candidates left in this "
			   "query.");
		return NS_OK;
	}
	rc = decision_add(r->db, r->annotator_id, ev, n, err);
	free(ev);
	if (rc != NS_OK)
		return rc;
	/* committed: now it may be shown */
	r->session_decisions += (int64_t)n;
	if (req == REQ_DROP_QUERY) {
		q->dropped = true;
	} else {
		for (size_t i = 0; i < q->n; i++) {
			bool take = req == REQ_REST_TN ? !review_labelled(q, i)
				    : tagged ? q->c[i].tagged : i == r->cur;

			if (take)
				q->c[i].label = review_label_of(req);
			if (tagged)
				q->c[i].tagged = false;
		}
		if (tagged)
			r->ntagged = 0;
	}
	r->prog.labelled += review_count_labelled(q) - before;
	if (n > 1)
		review_msg(r, false, "%s: %zu candidates.",
			   req == REQ_REST_TN ? "TN" :
			   queue_label_name(review_label_of(req)), n);
	else if (req == REQ_DROP_QUERY)
		review_msg(r, false, "Dropped query %s.", q->xid);
	else
		review_msg(r, false, "%s: %s.",
			   queue_label_name(review_label_of(req)),
			   q->c[r->cur].xid);
	if (!r->lease_holder &&
	    now_seconds() - r->lease_at > REVIEW_LEASE_RENEW &&
	    queue_lease_take(r->db, q->id, r->annotator_id, r->session_id,
			     now_seconds(), REVIEW_LEASE_SECS, &(bool){ false },
			     NULL, err) == NS_OK)
		r->lease_at = now_seconds();
	err_clear(err);
	if (req == REQ_DROP_QUERY || req == REQ_REST_TN)
		r->cur = q->n ? q->n - 1 : 0;
	{
		char keep[sizeof(r->msg)];

		memcpy(keep, r->msg, sizeof(keep));
		r->msg[0] = '\0';
		rc = review_advance(r, err);
		if (rc == NS_OK) {
			size_t l = strlen(keep);

			if (r->msg[0] && l + 1 < sizeof(keep)) {
				keep[l] = ' ';
				memcpy(keep + l + 1, r->msg,
				       sizeof(keep) - l - 1);
				keep[sizeof(keep) - 1] = '\0';
			}
			memcpy(r->msg, keep, sizeof(keep));
		}
	}
	return rc;
}

/* The human label of a logged @action ("fn", "drop_query", ...) as the
 * action table names it: "FN", "TN", "drop query", ... into @buf. */
static const char *
review_action_label(const char *action, char *buf, size_t size)
{
	char name[32];
	enum req req;

	snprintf(name, sizeof(name), "%s", action);
	for (char *p = name; *p; p++)
		if (*p == '_')
			*p = '-';
	req = keymap_req_by_name(name);
	if (req == REQ_FN || req == REQ_TN)
		snprintf(buf, size, "%s", req == REQ_FN ? "FN" : "TN");
	else
		snprintf(buf, size, "%s", req != REQ_NONE
			 ? keymap_req(req)->name : action);
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = ' ';
	return buf;
}

static enum ns_rc
review_undo(struct review *r, struct ns_err *err)
{
	struct decision_undone u;
	char label[32];
	int64_t qid, before = 0, after = 0;
	enum ns_rc rc = decision_undo_peek(r->db, r->annotator_id, &qid, err);

	if (rc == NS_OK)
		rc = queue_labelled_in(r->db, r->run, qid, &before, err);
	if (rc == NS_OK)
		rc = decision_undo(r->db, r->annotator_id, &u, err);
	if (rc == NS_ENOTFOUND) {
		review_msg(r, false, "Nothing to undo.");
		err_clear(err);
		return NS_OK;
	}
	if (rc != NS_OK)
		return rc;
	r->session_decisions -= (int64_t)u.count;
	if (r->session_decisions < 0)
		r->session_decisions = 0;
	if (queue_labelled_in(r->db, r->run, u.query_id, &after, err) == NS_OK)
		r->prog.labelled += after - before;
	err_clear(err);
	if (r->q && r->q->id == u.query_id &&
	    (rc = queue_reload_labels(r->db, r->q, err)) != NS_OK)
		return rc;
	if ((rc = review_goto(r, u.query_id, u.passage_id, err)) != NS_OK)
		return rc;
	review_action_label(u.action, label, sizeof(label));
	if (u.count > 1)
		review_msg(r, false, "Undid: %s of %zu items.", label,
			   u.count);
	else
		review_msg(r, false, "Undid: %s%s%s.", label,
			   u.passage_id ? " of " : "",
			   u.passage_id && r->q->n ? r->q->c[r->cur].xid : "");
	return NS_OK;
}

/* Next/previous search hit from the selection; wraps around the queue. */
static enum ns_rc
review_search_step(struct review *r, int dir, struct ns_err *err)
{
	struct queue_query *q = r->q;
	int64_t qid;
	enum ns_rc rc;
	bool wrapped = false;

	if (!r->search_expr) {
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
			review_msg(r, false, "/%s", r->search_text);
			return NS_OK;
		}
	}
	rc = queue_search_step(r->db, r->run, r->search_expr, q->id, dir, &qid, err);
	if (rc == NS_ENOTFOUND) {
		wrapped = true;
		rc = queue_search_step(r->db, r->run, r->search_expr,
				       dir > 0 ? INT64_MIN : INT64_MAX, dir,
				       &qid, err);
	}
	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		review_msg(r, false, "Not found: %s", r->search_text);
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
	review_msg(r, false, "/%s%s", r->search_text,
		   wrapped ? " (search wrapped)" : "");
	return NS_OK;
}

static enum ns_rc
review_search(struct review *r, const char *text, struct ns_err *err)
{
	char *expr = queue_fts_expr(text ? text : "");

	if (!expr) {
		review_msg(r, false, "Empty search.");
		return NS_OK;
	}
	free(r->search_expr);
	free(r->search_text);
	r->search_expr = expr;
	r->search_text = xstrdup(text);
	review_mark_search(r);
	if (r->msg_err)
		return NS_OK;
	if (r->hit && r->hit[r->cur]) {
		review_msg(r, false, "/%s", r->search_text);
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
		review_msg(r, true, "No query '%s'.", id);
		err_clear(err);
		return NS_OK;
	}
	if (rc != NS_OK)
		return rc;
	if (!queue_contains(r->db, r->run, qid)) {
		review_msg(r, true, "Query '%s' has no candidates to review.",
			   id);
		return NS_OK;
	}
	if ((rc = review_goto(r, qid, 0, err)) != NS_OK)
		return rc;
	review_msg(r, false, "Query %s.", r->q->xid);
	return NS_OK;
}

static enum ns_rc
review_note(struct review *r, const char *text, struct ns_err *err)
{
	struct decision_ev ev;
	enum ns_rc rc;

	if (!text || !*text) {
		review_msg(r, false, "Empty note: nothing saved.");
		return NS_OK;
	}
	ev = (struct decision_ev){ r->q->id, r->q->c[r->cur].passage_id,
				   "note", text, -1 };
	if ((rc = decision_add(r->db, r->annotator_id, &ev, 1, err)))
		return rc;
	r->q->c[r->cur].note = true;
	review_msg(r, false, "Note saved on %s.", r->q->c[r->cur].xid);
	return NS_OK;
}

static enum ns_rc
review_step_query(struct review *r, int dir, struct ns_err *err)
{
	int64_t qid;
	enum ns_rc rc = queue_step(r->db, r->run, r->q->id, dir, &qid, err);

	if (rc == NS_ENOTFOUND) {
		err_clear(err);
		review_msg(r, false, dir > 0 ? "This is the last query."
					     : "This is the first query.");
		return NS_OK;
	}
	if (rc != NS_OK || (rc = review_goto(r, qid, 0, err)) != NS_OK)
		return rc;
	review_msg(r, false, "Query %s.", r->q->xid);
	return NS_OK;
}

static enum ns_rc
review_next_open(struct review *r, struct ns_err *err)
{
	size_t i = review_first_unsettled(r->q, r->cur + 1);

	if (i < r->q->n && !r->q->dropped) {
		review_select(r, i);
		return NS_OK;
	}
	r->cur = r->q->n ? r->q->n - 1 : 0;
	r->msg[0] = '\0';
	return review_advance(r, err);
}

enum ns_rc
review_act(struct review *r, enum req req, const char *arg, int page)
{
	struct ns_err err;
	struct queue_query *q = r->q;
	enum ns_rc rc = NS_OK;
	bool prefix = r->tag_prefix;

	err_clear(&err);
	r->msg[0] = '\0';
	r->msg_err = false;
	if (!q || (q->n == 0 && req != REQ_JUMP && req != REQ_SEARCH)) {
		if (req != REQ_HELP && req != REQ_REDRAW && req != REQ_QUIT)
			review_msg(r, false, "Nothing to review.");
		return NS_OK;
	}
	if (page < 1)
		page = 1;
	if (prefix && !review_action_name(req))
		r->tag_prefix = false;
	switch (req) {
	case REQ_MOVE_DOWN:
		review_select(r, r->cur + 1);
		break;
	case REQ_MOVE_UP:
		review_select(r, r->cur ? r->cur - 1 : 0);
		break;
	case REQ_MOVE_FIRST:
		review_select(r, 0);
		break;
	case REQ_MOVE_LAST:
		review_select(r, q->n - 1);
		break;
	case REQ_PAGE_DOWN:
		review_select(r, r->cur + (size_t)page);
		break;
	case REQ_PAGE_UP:
		review_select(r, r->cur > (size_t)page ? r->cur - (size_t)page
						       : 0);
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
		if (r->lease_holder) {
			review_msg(r, true, "Query %s is being reviewed by %s; "
				   "decisions are off here.", q->xid,
				   r->lease_holder);
			r->tag_prefix = false;
			break;
		}
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
	if (rc != NS_OK)
		review_msg(r, true, "%s", err.msg);
	return rc;
}
