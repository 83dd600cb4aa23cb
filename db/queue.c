/*
 * queue.c - the review queue (see queue.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/mining.h"
#include "db/queue.h"
#include "src/util.h"

/* An item (query Q, passage P) skipped by annotator A, skip not undone. */
#define QUEUE_SKIPPED(Q, P, A) \
	"EXISTS (SELECT 1 FROM decision d WHERE d.query_id = " Q \
	"   AND d.passage_id = " P " AND d.action = 'skip'" \
	"   AND d.annotator_id = " A \
	"   AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes = d.id))"

/* An item (query Q, passage P) with a current label (item_label). */
#define QUEUE_LABELLED(Q, P) \
	"EXISTS (SELECT 1 FROM item_label il WHERE il.query_id = " Q \
	"   AND il.passage_id = " P ")"

/*
 * The items of a queue, one rule for every count of it: the review
 * header's progress (queue_progress(), queue_labelled_in() after an
 * undo), the conflicts queue's (queue_conflict_progress()) and queue
 * list (queue_count()).  They are its kept candidates (of run ?1; 0:
 * every run), and the items people labelled (DB_LABELLED_ITEMS) that no
 * run keeps any more: a refilter, a merge or a new mine applies the
 * decisions and leaves out a false negative or a dropped passage (a true
 * negative may fall to the rules too), which review still lists in its
 * query (queue_load()).  So an item someone decided stays in the queue,
 * decided, and the progress never goes down because a run applied it;
 * and the queue of every run holds every labelled item, as `stats`
 * counts them (DB_LABELLED_BY).  Of one run (?1 not 0), such an item is
 * in the queue when its query has kept candidates of the run (where
 * review lists it); no run's row says which run it was kept by.
 *
 * QUEUE_KEPT_IN: (Q, P) is a kept candidate; RUN is "" (any run) or a
 * condition on its row qk followed by AND ("qk.run_id = ?1 AND").
 * QUEUE_LEFT_OUT: (Q, P), an item someone labelled, is in the queue of
 * run ?1 though no run keeps it.  QUEUE_HOLDS: an item someone labelled
 * is in the queue (of every run, kept or not, it is: no probe then).
 * Each is a probe of candidate_kept or two per item, so a count driven
 * by the decisions stays one.
 */
#define QUEUE_KEPT_IN(Q, P, RUN) \
	"EXISTS (SELECT 1 FROM candidate qk WHERE " RUN \
	"   qk.query_id = " Q " AND qk.passage_id = " P \
	"   AND qk.filter IS NULL)"
#define QUEUE_LEFT_OUT(Q, P) \
	"(NOT " QUEUE_KEPT_IN(Q, P, "") \
	" AND (?1 = 0 OR EXISTS (SELECT 1 FROM candidate qr" \
	"   WHERE qr.run_id = ?1 AND qr.query_id = " Q \
	"     AND qr.filter IS NULL)))"
#define QUEUE_HOLDS(Q, P, RUN) \
	"(?1 = 0 OR " QUEUE_KEPT_IN(Q, P, RUN) " OR " QUEUE_LEFT_OUT(Q, P) ")"

/* The live leases l on query Q held by another session than S at time
 * T: unexpired, its session not ended, its process alive. */
#define QUEUE_LEASES_OF_OTHERS(Q, S, T) \
	" FROM review_lease l" \
	"  JOIN review_session s ON s.id = l.session_id" \
	"  WHERE l.query_id = " Q " AND l.session_id <> " S \
	"    AND l.expires_at > " T " AND s.ended_at IS NULL" \
	"    AND ns_alive(s.host, s.pid, s.pid_start)"
#define QUEUE_LEASED_BY_OTHER(Q, S, T) \
	"EXISTS (SELECT 1" QUEUE_LEASES_OF_OTHERS(Q, S, T) ")"

/*
 * A kept candidate row C in the queue's filter (struct queue_filter,
 * bound by queue_bind_filter() to ?10 ... ?17): its run's source, its
 * score band, and what QUEUE_FILTER_ITEM asks of its item.
 */
#define QUEUE_FILTER(C) \
	" (?10 = 0 OR EXISTS (SELECT 1 FROM run u WHERE u.id = " C ".run_id" \
	"    AND u.source_id = ?10))" \
	" AND (?14 IS NULL OR " C ".score >= ?14)" \
	" AND (?15 IS NULL OR " C ".score <= ?15)" \
	" AND " QUEUE_FILTER_ITEM(C ".query_id", C ".passage_id")

/*
 * The item (query Q, passage P) in the queue's filter as far as the item
 * says: the cascade's verdict, audit slice and stage, a conflict.  An
 * item no run keeps has no row for the rest: QUEUE_FILTER_OUT takes it
 * into no queue that asks for a source or a score band.
 */
#define QUEUE_FILTER_ITEM(Q, P) \
	" (?11 IS NULL OR EXISTS (SELECT 1 FROM item_auto fa" \
	"    WHERE fa.query_id = " Q \
	"      AND fa.passage_id = " P " AND fa.verdict = ?11))" \
	" AND (?12 < 0 OR coalesce((SELECT fa.audit FROM item_auto fa" \
	"    WHERE fa.query_id = " Q \
	"      AND fa.passage_id = " P "), 0) = ?12)" \
	" AND (?13 IS NULL OR EXISTS (SELECT 1 FROM item_auto fa" \
	"    WHERE fa.query_id = " Q \
	"      AND fa.passage_id = " P " AND fa.stage = ?13))" \
	" AND (?16 = 0 OR EXISTS (SELECT 1 FROM item_conflict fx" \
	"    WHERE fx.query_id = " Q \
	"      AND fx.passage_id = " P "))"
#define QUEUE_FILTER_OUT(Q, P) \
	" ?10 = 0 AND ?14 IS NULL AND ?15 IS NULL AND " QUEUE_FILTER_ITEM(Q, P)

enum ns_rc
queue_need_sync(struct db *db, int k, double share, long seed,
		struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO item_need(query_id, passage_id, k)"
		" SELECT DISTINCT query_id, passage_id, ?1 FROM candidate"
		" WHERE filter IS NULL"
		"   AND ((query_id * 1000003 + passage_id * 7919 + ?3)"
		"        % 1000000) < ?2 * 1000000";
	char want[160], *have, *replaced;
	sqlite3_stmt *st;
	enum ns_rc rc;

	/* new kept candidates have ids above max(id), unless they replaced
	 * the last rows (a refilter): "kept_replaced" counts those */
	replaced = db_meta_get(db, "kept_replaced");
	snprintf(want, sizeof(want), "%d %.6f %ld %lld %s", k, share, seed,
		 (long long)db_scalar(db, "SELECT max(id) FROM candidate"),
		 replaced ? replaced : "0");
	free(replaced);
	have = db_meta_get(db, "overlap");
	if (have && !strcmp(have, want)) {
		free(have);
		return NS_OK;
	}
	free(have);
	if ((rc = db_begin(db, err)))
		return rc;
	if (!(st = db_prep(db, sql, err))) {
		db_rollback(db);
		return NS_EDB;
	}
	sqlite3_bind_int(st, 1, k);
	sqlite3_bind_double(st, 2, share);
	sqlite3_bind_int64(st, 3, seed);
	if ((rc = db_step_done(db, st, "choosing the overlap", err)) ||
	    (rc = db_meta_set(db, "overlap", want, err)) ||
	    (rc = db_commit(db, err)))
		db_rollback(db);
	return rc;
}

void
queue_filter_all(struct queue_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->audit = -1;
	f->min_score = f->max_score = NAN;
}

/* Bind @f (NULL: all) to ?10 ... ?16 of @st. */
static void
queue_bind_filter(sqlite3_stmt *st, const struct queue_filter *f)
{
	struct queue_filter all;

	if (!f) {
		queue_filter_all(&all);
		f = &all;
	}
	sqlite3_bind_int64(st, 10, f->source);
	if (f->verdict)
		sqlite3_bind_text(st, 11, f->verdict, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 12, f->audit);
	if (f->stage)
		sqlite3_bind_text(st, 13, f->stage, -1, SQLITE_TRANSIENT);
	if (!isnan(f->min_score))
		sqlite3_bind_double(st, 14, f->min_score);
	if (!isnan(f->max_score))
		sqlite3_bind_double(st, 15, f->max_score);
	sqlite3_bind_int(st, 16, f->conflicts);
}

/* An item (query Q, passage P) done for annotator A in mode ?17 (0:
 * annotating: a final label or A's own; 1: adjudicating: a final label). */
#define QUEUE_DONE_FOR(Q, P, A) \
	"(" QUEUE_LABELLED(Q, P) \
	" OR (?17 = 0 AND EXISTS (SELECT 1 FROM annotator_label al" \
	"   WHERE al.query_id = " Q " AND al.passage_id = " P \
	"     AND al.annotator_id = " A "))" \
	" OR (?17 = 0 AND EXISTS (SELECT 1 FROM item_conflict ic" \
	"   WHERE ic.query_id = " Q " AND ic.passage_id = " P ")))"

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return xstrdup(t ? (const char *)t : "");
}

/* A passage's external id, or "#ID" (its number) when it has none. */
static char *
xid_dup(sqlite3_stmt *st, int i, int64_t id)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	if (t && *t)
		return xstrdup((const char *)t);
	return xasprintf("#%lld", (long long)id);
}

void
queue_query_free(struct queue_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->npos; i++) {
		free(q->pos[i].xid);
		free(q->pos[i].title);
		free(q->pos[i].text);
	}
	for (size_t i = 0; i < q->n; i++) {
		free(q->c[i].xid);
		free(q->c[i].title);
		free(q->c[i].text);
		free(q->c[i].auto_raw);
		free(q->c[i].others);
		free(q->c[i].note_text);
	}
	free(q->pos);
	free(q->c);
	free(q->xid);
	free(q->text);
	free(q->run_method);
	free(q);
}

enum ns_rc
queue_reload_labels(struct db *db, struct queue_query *q, int64_t annotator,
		    bool adjudicating, struct ns_err *err)
{
	/* no final label yet (overlap): this annotator's own */
	static const char sql_mine[] =
		"SELECT passage_id, label, decision_id FROM annotator_label"
		" WHERE query_id = ?1 AND annotator_id = ?2";
	static const char sql_drop[] =
		"SELECT decision_id FROM query_drop WHERE query_id = ?1";
	/* item_label's part for a query that is not dropped */
	static const char sql_label[] =
		"SELECT passage_id, label, decision_id, annotator_id"
		" FROM item_label"
		" WHERE query_id = ?1 AND label <> 'drop_query'";
	/* notes of anyone (oldest first: the last one wins; one without
	 * text took the note back), skips of this annotator, not undone */
	static const char sql_marks[] =
		"SELECT d.passage_id, d.action, d.note FROM decision d"
		" WHERE d.query_id = ?1 AND d.passage_id IS NOT NULL"
		"   AND (d.action = 'note'"
		"        OR (d.action = 'skip' AND d.annotator_id = ?2))"
		"   AND NOT EXISTS (SELECT 1 FROM decision u"
		"                   WHERE u.undoes = d.id)"
		" ORDER BY d.id";
	sqlite3_stmt *st;
	enum ns_rc ret;
	int rc;

	for (size_t i = 0; i < q->n; i++) {
		q->c[i].label = LABEL_NONE;
		q->c[i].label_dec = 0;
		q->c[i].skips = 0;
		q->c[i].note = false;
		q->c[i].pending_agreement = false;
		q->c[i].label_mine = false;
		free(q->c[i].note_text);
		q->c[i].note_text = NULL;
	}
	q->dropped = false;
	q->drop_dec = 0;
	if (!(st = db_prep(db, sql_drop, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, q->id);
	ret = db_step_id(db, st, &q->drop_dec, "reading decisions", err);
	if (ret == NS_OK)
		q->dropped = true;
	else if (ret != NS_ENOTFOUND)
		return ret;
	if (!(st = db_prep(db, sql_marks, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, q->id);
	sqlite3_bind_int64(st, 2, annotator);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0);
		bool note = !strcmp((const char *)sqlite3_column_text(st, 1),
				    "note");

		for (size_t i = 0; i < q->n; i++) {
			if (q->c[i].passage_id != pid)
				continue;
			if (note) {
				const unsigned char *t =
					sqlite3_column_text(st, 2);

				q->c[i].note = t && *t;
				free(q->c[i].note_text);
				q->c[i].note_text = t && *t ? xstrdup(
					(const char *)t) : NULL;
			} else {
				q->c[i].label = LABEL_SKIP;
				q->c[i].skips++;
			}
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading decisions");
	/* offered again: an audit item skipped once is undecided here, so
	 * that a second skip is a decision of its own (the last word) */
	for (size_t i = 0; q->audit_again && i < q->n; i++)
		if (q->c[i].audit && q->c[i].skips == 1)
			q->c[i].label = LABEL_NONE;
	if (q->dropped) {
		for (size_t i = 0; i < q->n; i++) {
			q->c[i].label = LABEL_DROP_QUERY;
			q->c[i].label_dec = q->drop_dec;
		}
		return NS_OK;
	}
	if (!adjudicating) {
		if (!(st = db_prep(db, sql_mine, err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, q->id);
		sqlite3_bind_int64(st, 2, annotator);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t pid = sqlite3_column_int64(st, 0);

			for (size_t i = 0; i < q->n; i++) {
				if (q->c[i].passage_id != pid)
					continue;
				q->c[i].label = label_of_action(
					(const char *)sqlite3_column_text(st,
									  1));
				q->c[i].label_dec = sqlite3_column_int64(st, 2);
				q->c[i].pending_agreement = true;
				q->c[i].label_mine = true;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, err, "reading decisions");
	}
	/* the final labels: over this annotator's own */
	if (!(st = db_prep(db, sql_label, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, q->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0);
		enum label l = label_of_action(
			(const char *)sqlite3_column_text(st, 1));

		for (size_t i = 0; i < q->n; i++) {
			if (q->c[i].passage_id != pid)
				continue;
			q->c[i].label = l;
			q->c[i].label_dec = sqlite3_column_int64(st, 2);
			q->c[i].pending_agreement = false;
			q->c[i].label_mine =
				sqlite3_column_int64(st, 3) == annotator;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading decisions");
	return NS_OK;
}

enum ns_rc
queue_refresh(struct db *db, struct queue_query *q, int64_t annotator,
	      bool adjudicating, struct ns_err *err)
{
	/* conflict and others as queue_load() reads them, for the items
	 * with decisions (the others have neither) */
	static const char sql[] =
		"SELECT k.passage_id,"
		"  EXISTS (SELECT 1 FROM item_conflict x WHERE x.query_id = ?1"
		"    AND x.passage_id = k.passage_id),"
		"  (SELECT group_concat(an.name || ' ' || al.label, ', ')"
		"   FROM annotator_label al JOIN annotator an"
		"     ON an.id = al.annotator_id"
		"   WHERE al.query_id = ?1 AND al.passage_id = k.passage_id)"
		" FROM (SELECT DISTINCT passage_id FROM decision"
		"   WHERE query_id = ?1 AND passage_id IS NOT NULL) k";
	sqlite3_stmt *st;
	int rc;

	for (size_t i = 0; i < q->n; i++) {
		q->c[i].tagged = false;
		q->c[i].conflict = false;
		if (q->c[i].others[0]) {
			free(q->c[i].others);
			q->c[i].others = xstrdup("");
		}
	}
	if (!(st = db_prep(db, sql, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, q->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0);

		for (size_t i = 0; i < q->n; i++) {
			if (q->c[i].passage_id != pid)
				continue;
			q->c[i].conflict = sqlite3_column_int(st, 1) != 0;
			free(q->c[i].others);
			q->c[i].others = col_dup(st, 2);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading decisions");
	return queue_reload_labels(db, q, annotator, adjudicating, err);
}

/*
 * The score of each gone item of @q (labelled, no run keeps it) that
 * q->run has no row of: from the newest run that stored one, its row
 * (whatever its filter) or its pool (what the search retrieved, with
 * the filter that left it out).  One found in q->run's pool is in that
 * run (in_run) and shows its score and rank there like any other.
 */
static enum ns_rc
queue_load_gone(struct db *db, struct queue_query *q, struct ns_err *err)
{
	static const char sql_row[] =
		"SELECT run_id, score, rank, filter FROM candidate"
		" WHERE query_id = ?1 AND passage_id = ?2"
		" ORDER BY run_id DESC LIMIT 1";
	/* by run, then its pool's primary key: run_pool has no index
	 * that starts with the query */
	static const char sql_pool[] =
		"SELECT p.run_id, p.data FROM run r JOIN run_pool p"
		"  ON p.run_id = r.id AND p.query_id = ?1"
		" WHERE r.state = 'done' ORDER BY r.id DESC";
	sqlite3_stmt *st;
	int rc;

	if (!(st = db_prep(db, sql_row, err)))
		return NS_EDB;
	for (size_t i = 0; i < q->n; i++) {
		struct queue_cand *c = &q->c[i];

		if (!c->gone || c->in_run)
			continue;
		sqlite3_bind_int64(st, 1, q->id);
		sqlite3_bind_int64(st, 2, c->passage_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_type(st, 1) !=
		    SQLITE_NULL) {
			c->last_run = sqlite3_column_int64(st, 0);
			c->last_score = sqlite3_column_double(st, 1);
			c->last_rank = sqlite3_column_int64(st, 2);
			if (sqlite3_column_type(st, 3) != SQLITE_NULL)
				snprintf(c->last_filter,
					 sizeof(c->last_filter), "%s",
					 sqlite3_column_text(st, 3));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_fail(db, err, "reading a candidate");
	}
	if (!(st = db_prep(db, sql_pool, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, q->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t run = sqlite3_column_int64(st, 0), *pos;
		struct filter_cand *pc;
		double *ps;
		size_t n, npos;

		/* a damaged pool: no scores from it */
		if (!db_mine_pool_unpack(sqlite3_column_blob(st, 1),
					 (size_t)sqlite3_column_bytes(st, 1),
					 &pc, &n, &pos, &ps, &npos))
			continue;
		for (size_t i = 0; i < q->n; i++) {
			struct queue_cand *c = &q->c[i];
			const char *why;

			/* a newer run's row, or a newer pool, came first */
			if (!c->gone || c->in_run || c->last_run >= run)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (pc[j].passage_id != c->passage_id)
					continue;
				c->last_run = run;
				c->last_score = pc[j].score;
				c->last_rank = pc[j].rank;
				why = filter_reason_name(pc[j].reason);
				snprintf(c->last_filter,
					 sizeof(c->last_filter), "%s",
					 why ? why : "");
				break;
			}
		}
		free(pc);	/* one block with pos and ps */
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading a run's pool");
	for (size_t i = 0; i < q->n; i++) {
		struct queue_cand *c = &q->c[i];

		if (!c->gone || c->in_run || !c->last_run ||
		    c->last_run != q->run)
			continue;
		c->in_run = c->has_score = true;
		c->score = c->last_score;
		c->rank = c->last_rank;
	}
	return NS_OK;
}

enum ns_rc
queue_load(struct db *db, int64_t qid, int64_t run, int64_t annotator,
	   const struct queue_filter *f, bool adjudicating,
	   struct queue_query **out, struct ns_err *err)
{
	static const char sql_q[] =
		"SELECT xid, text FROM query WHERE id = ?1";
	/* The run whose scores are shown: the newest with kept candidates. */
	static const char sql_run[] =
		"SELECT max(run_id) FROM candidate"
		" WHERE query_id = ?1 AND filter IS NULL";
	static const char sql_method[] =
		"SELECT method FROM run WHERE id = ?1";
	/* A positive's score under run ?2: what the run's scorer gave it
	 * (run_positive, or its own candidate row in the run), else for an
	 * imported run the teacher score imported with the same file. */
	static const char sql_pos[] =
		"SELECT r.passage_id,"
		"  (SELECT xid FROM passage_xid x"
		"   WHERE x.passage_id = r.passage_id LIMIT 1),"
		"  p.title, p.text,"
		"  coalesce((SELECT rp.score FROM run_positive rp"
		"   WHERE rp.run_id = ?2 AND rp.query_id = r.query_id"
		"     AND rp.passage_id = r.passage_id),"
		"   (SELECT c.score FROM candidate c"
		"   WHERE c.run_id = ?2 AND c.query_id = r.query_id"
		"     AND c.passage_id = r.passage_id),"
		"   (SELECT r.score FROM run u WHERE u.id = ?2"
		"     AND u.source_id = r.source_id))"
		" FROM qrel r JOIN passage p ON p.id = r.passage_id"
		" WHERE r.query_id = ?1 AND r.grade > 0"
		" ORDER BY 5 IS NULL, 5 DESC, r.passage_id";
	/* The kept candidates (of every run, or of run ?3 only), and the
	 * items of the query people labelled (a later mine leaves out a
	 * false negative or a dropped passage, but its decision still
	 * shows), with their score, rank and near-duplicate flag under run
	 * ?2 (the flag of any kept row for those the run did not retrieve,
	 * which come last).  Every candidate row is looked up by an index
	 * that starts with the query (INDEXED BY: with statistics, SQLite
	 * finds candidate_passage as good, whose entries for one query are
	 * spread over the whole index; one read each at 1M candidates), so
	 * loading a query reads its own pages and its passages. */
	static const char sql_c[] =
		"SELECT k.passage_id,"
		"  (SELECT xid FROM passage_xid x"
		"   WHERE x.passage_id = k.passage_id LIMIT 1),"
		"  p.title, p.text, s.score, s.rank, s.passage_id IS NOT NULL,"
		"  (SELECT j.grade FROM qrel j WHERE j.query_id = ?1"
		"   AND j.passage_id = k.passage_id),"
		"  CASE WHEN s.passage_id IS NOT NULL"
		"   THEN coalesce(s.flag = 'near_duplicate', 0)"
		"   ELSE (SELECT max(f.flag = 'near_duplicate')"
		"    FROM candidate f INDEXED BY candidate_kept"
		"    WHERE f.query_id = ?1 AND f.passage_id = k.passage_id"
		"      AND f.filter IS NULL) END,"
		"  CASE WHEN s.passage_id IS NOT NULL THEN s.dup_sim"
		"   ELSE (SELECT max(f.dup_sim)"
		"    FROM candidate f INDEXED BY candidate_kept"
		"    WHERE f.query_id = ?1 AND f.passage_id = k.passage_id"
		"      AND f.filter IS NULL) END,"
		"  a.verdict, a.stage, a.score, a.pfn, a.audit, a.priority,"
		"  (SELECT group_concat(ss.stage || ' (' ||"
		"     printf('%.3g', ss.score) || '): ' || ss.raw, char(10))"
		"   FROM stage_score ss WHERE ss.query_id = ?1"
		"     AND ss.passage_id = k.passage_id AND ss.raw IS NOT NULL),"
		"  EXISTS (SELECT 1 FROM candidate c INDEXED BY candidate_kept"
		"    WHERE c.query_id = ?1"
		"    AND c.passage_id = k.passage_id AND c.filter IS NULL"
		"    AND (?3 = 0 OR c.run_id = ?3) AND " QUEUE_FILTER("c") "),"
		"  EXISTS (SELECT 1 FROM item_conflict x WHERE x.query_id = ?1"
		"    AND x.passage_id = k.passage_id),"
		"  (SELECT group_concat(an.name || ' ' || al.label, ', ')"
		"   FROM annotator_label al JOIN annotator an"
		"     ON an.id = al.annotator_id"
		"   WHERE al.query_id = ?1 AND al.passage_id = k.passage_id),"
		"  coalesce((SELECT n.k FROM item_need n WHERE n.query_id = ?1"
		"    AND n.passage_id = k.passage_id), 1),"
		"  NOT EXISTS (SELECT 1 FROM candidate c INDEXED BY"
		"    candidate_kept WHERE c.query_id = ?1"
		"    AND c.passage_id = k.passage_id AND c.filter IS NULL),"
		"  s.filter"
		" FROM (SELECT passage_id FROM candidate"
		"   WHERE query_id = ?1 AND filter IS NULL"
		"     AND (?3 = 0 OR run_id = ?3)"
		"   UNION SELECT passage_id FROM item_label"
		"   WHERE query_id = ?1 AND label <> 'drop_query') k"
		" JOIN passage p ON p.id = k.passage_id"
		" LEFT JOIN candidate s INDEXED BY sqlite_autoindex_candidate_1"
		"   ON s.run_id = ?2 AND s.query_id = ?1"
		"   AND s.passage_id = k.passage_id"
		" LEFT JOIN item_auto a ON a.query_id = ?1"
		"   AND a.passage_id = k.passage_id"
		" ORDER BY s.passage_id IS NULL, s.score IS NULL, s.score DESC,"
		"   s.rank IS NULL, s.rank, k.passage_id";
	struct queue_query *q;
	sqlite3_stmt *st;
	size_t cap = 0, ngone = 0;
	int rc;

	if (!(st = db_prep(db, sql_q, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return err_set(err, NS_ENOTFOUND, "no query with id %lld",
				       (long long)qid);
		return db_fail(db, err, "reading a query");
	}
	q = xcalloc(1, sizeof(*q));
	q->id = qid;
	q->adjudicating = adjudicating;
	q->xid = col_dup(st, 0);
	q->text = col_dup(st, 1);
	sqlite3_reset(st);

	q->run = run;
	if (!run) {
		if (!(st = db_prep(db, sql_run, err)))
			goto fail;
		sqlite3_bind_int64(st, 1, qid);
		if (db_step_int(db, st, &q->run, "finding the run of a query",
				err))
			goto fail;
	}
	q->run_method = xstrdup("");
	if (q->run) {
		if (!(st = db_prep(db, sql_method, err)))
			goto fail;
		sqlite3_bind_int64(st, 1, q->run);
		if (sqlite3_step(st) == SQLITE_ROW) {
			free(q->run_method);
			q->run_method = col_dup(st, 0);
		}
		sqlite3_reset(st);
	}

	if (!(st = db_prep(db, sql_pos, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, q->run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct queue_pos *p;

		if (q->npos == cap) {
			cap = cap ? cap * 2 : 4;
			q->pos = xrealloc(q->pos, cap * sizeof(*q->pos));
		}
		p = &q->pos[q->npos++];
		p->passage_id = sqlite3_column_int64(st, 0);
		p->xid = xid_dup(st, 1, p->passage_id);
		p->title = col_dup(st, 2);
		p->text = col_dup(st, 3);
		p->has_score = sqlite3_column_type(st, 4) != SQLITE_NULL;
		p->score = sqlite3_column_double(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, err, "reading positives");
		goto fail;
	}

	cap = 0;
	if (!(st = db_prep(db, sql_c, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, q->run);
	sqlite3_bind_int64(st, 3, run);
	queue_bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct queue_cand *c;

		if (q->n == cap) {
			cap = cap ? cap * 2 : 32;
			q->c = xrealloc(q->c, cap * sizeof(*q->c));
		}
		c = &q->c[q->n++];
		memset(c, 0, sizeof(*c));
		c->passage_id = sqlite3_column_int64(st, 0);
		c->xid = xid_dup(st, 1, c->passage_id);
		c->title = col_dup(st, 2);
		c->text = col_dup(st, 3);
		c->has_score = sqlite3_column_type(st, 4) != SQLITE_NULL;
		c->score = sqlite3_column_double(st, 4);
		c->in_run = sqlite3_column_int(st, 6) != 0;
		c->judged = sqlite3_column_type(st, 7) == SQLITE_NULL ? 0
			    : sqlite3_column_int64(st, 7) > 0 ? 1 : -1;
		c->near_dup = sqlite3_column_int(st, 8) != 0;
		c->dup_sim = sqlite3_column_type(st, 9) == SQLITE_NULL ? NAN
			     : sqlite3_column_double(st, 9);
		c->rank = sqlite3_column_type(st, 5) != SQLITE_NULL
			? sqlite3_column_int64(st, 5)
			: c->in_run ? (int64_t)q->n : 0;
		c->auto_score = c->pfn = NAN;
		if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
			snprintf(c->auto_verdict, sizeof(c->auto_verdict),
				 "%s", sqlite3_column_text(st, 10));
			if (sqlite3_column_type(st, 11) != SQLITE_NULL)
				snprintf(c->auto_stage, sizeof(c->auto_stage),
					 "%s", sqlite3_column_text(st, 11));
			if (sqlite3_column_type(st, 12) != SQLITE_NULL)
				c->auto_score = sqlite3_column_double(st, 12);
			if (sqlite3_column_type(st, 13) != SQLITE_NULL)
				c->pfn = sqlite3_column_double(st, 13);
			c->audit = sqlite3_column_int(st, 14) != 0;
			c->auto_pending = sqlite3_column_double(st, 15) < 0;
		}
		c->auto_raw = col_dup(st, 16);
		c->in_queue = sqlite3_column_int(st, 17) != 0;
		c->conflict = sqlite3_column_int(st, 18) != 0;
		c->others = col_dup(st, 19);
		c->need = sqlite3_column_int(st, 20);
		c->gone = sqlite3_column_int(st, 21) != 0;
		if (c->gone && c->in_run) {
			c->last_run = q->run;
			c->last_score = c->score;
			c->last_rank = c->rank;
			if (sqlite3_column_type(st, 22) != SQLITE_NULL)
				snprintf(c->last_filter,
					 sizeof(c->last_filter), "%s",
					 sqlite3_column_text(st, 22));
		}
		ngone += c->gone && !c->in_run;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, err, "reading candidates");
		goto fail;
	}
	if (ngone && queue_load_gone(db, q, err) != NS_OK)
		goto fail;
	if (queue_reload_labels(db, q, annotator, adjudicating, err) != NS_OK)
		goto fail;
	*out = q;
	return NS_OK;
fail:
	queue_query_free(q);
	return err->rc ? err->rc : NS_EDB;
}

/* The first (or last, @last) query with kept candidates at or after
 * @from (of run @run, 0: any): *@qid, or NS_ENOTFOUND. */
static enum ns_rc
queue_kept_bound(struct db *db, int64_t run, int64_t from, bool last,
		 int64_t *qid, struct ns_err *err)
{
	static const char sql_first[] =
		"SELECT min(query_id) FROM candidate"
		" WHERE filter IS NULL AND query_id >= ?1";
	static const char sql_last[] =
		"SELECT max(query_id) FROM candidate WHERE filter IS NULL";
	static const char sql_run_first[] =
		"SELECT min(query_id) FROM candidate"
		" WHERE run_id = ?2 AND filter IS NULL AND query_id >= ?1";
	static const char sql_run_last[] =
		"SELECT max(query_id) FROM candidate"
		" WHERE run_id = ?2 AND filter IS NULL";
	sqlite3_stmt *st = db_prep(db, run ? (last ? sql_run_last
						: sql_run_first)
				   : last ? sql_last : sql_first, err);
	enum ns_rc ret = NS_OK;
	int rc;

	if (!st)
		return NS_EDB;
	if (!last)
		sqlite3_bind_int64(st, 1, from);
	if (run)
		sqlite3_bind_int64(st, 2, run);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		ret = db_fail(db, err, "finding the next query to review");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		ret = NS_ENOTFOUND;
	else
		*qid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ret;
}

/* Bind queue_next_unsettled()'s parameters to @st. */
static void
queue_bind_next(sqlite3_stmt *st, int64_t run, const struct queue_filter *f,
		bool adjudicating, int64_t from, int64_t annotator,
		int64_t session, double now)
{
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, annotator);
	sqlite3_bind_int64(st, 3, session);
	sqlite3_bind_double(st, 4, now);
	if (run)
		sqlite3_bind_int64(st, 5, run);
	queue_bind_filter(st, f);
	sqlite3_bind_int(st, 17, adjudicating);
}

/*
 * Why the walk may pass over a query (see queue.h): an item with a
 * labelling event of its own (fn, tn, drop_passage), in a query without
 * an undo, an adjudication or another role (decision_unsure) and without
 * items that need several annotators (item_need), is labelled by one of
 * item_label's parts: its latest event is in force (nothing of the query
 * was undone) and is its label; or, when a drop of its passage in
 * another query came later, the latest drop in force labels it (no event
 * of the item is later); or its query's drop does.  Undo events are
 * written on the item of the event they undo (decision_undo()).
 */
enum ns_rc
queue_skip_labelled(struct db *db, int64_t from, int64_t *out,
		    struct ns_err *err)
{
	static const char sql_kept[] =
		"SELECT query_id, passage_id FROM candidate"
		" INDEXED BY candidate_kept"
		" WHERE filter IS NULL AND query_id >= ?1"
		" ORDER BY query_id, passage_id";
	static const char sql_labelled[] =
		"SELECT query_id, passage_id FROM decision"
		" INDEXED BY decision_labelled"
		" WHERE action IN ('tn', 'fn', 'drop_passage')"
		"   AND query_id >= ?1"
		" ORDER BY query_id, passage_id";
	static const char sql_unsure[] =
		"SELECT min(query_id) FROM decision INDEXED BY decision_unsure"
		" WHERE (action = 'undo' OR role IS NOT NULL)"
		"   AND query_id >= ?1";
	static const char sql_need[] =
		"SELECT min(query_id) FROM item_need WHERE query_id >= ?1";
	sqlite3_stmt *kept = NULL, *lab = NULL;
	int64_t stop = INT64_MAX, dq = 0, dp = 0;
	bool have = false, lab_end = false;
	enum ns_rc ret = NS_OK;
	int rc;

	*out = INT64_MAX;
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = db_prep(db, i ? sql_need : sql_unsure, err);

		if (!st)
			return NS_EDB;
		sqlite3_bind_int64(st, 1, from);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 0) < stop)
			stop = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return db_fail(db, err, "finding the next query to "
				       "review");
	}
	if (!(kept = db_prep(db, sql_kept, err)) ||
	    !(lab = db_prep(db, sql_labelled, err)))
		return NS_EDB;
	sqlite3_bind_int64(kept, 1, from);
	sqlite3_bind_int64(lab, 1, from);
	while ((rc = sqlite3_step(kept)) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(kept, 0);
		int64_t p = sqlite3_column_int64(kept, 1);

		if (q >= stop)
			break;
		/* both in (query, passage) order: the events catch up */
		while (!lab_end && (!have || dq < q || (dq == q && dp < p))) {
			int lrc = sqlite3_step(lab);

			if (lrc == SQLITE_ROW) {
				dq = sqlite3_column_int64(lab, 0);
				dp = sqlite3_column_int64(lab, 1);
				have = true;
			} else if (lrc == SQLITE_DONE) {
				lab_end = true;
			} else {
				ret = db_fail(db, err, "finding the next "
					      "query to review");
				goto out;
			}
		}
		if (lab_end || dq != q || dp != p)
			break;
	}
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(kept, 0);
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, err, "finding the next query to review");
out:
	sqlite3_reset(kept);
	sqlite3_reset(lab);
	return ret;
}

enum ns_rc
queue_next_unsettled(struct db *db, int64_t run,
		     const struct queue_filter *f, bool adjudicating,
		     int64_t from, int64_t annotator, int64_t session,
		     double now, int64_t *qid, struct ns_err *err)
{
	/* Items the cascade routed to people (or drew for the audit
	 * slice), by priority: most informative first, the audit slice
	 * mixed in; items held by an unscored stage (priority < 0) wait.
	 * The conflicts queue (?16) takes every item; the others walk
	 * item_auto_queue (routed items by priority) instead of sorting
	 * every item of the project at each search. */
#define QUEUE_BY_PRIORITY(RUN, ROUTED) \
		"SELECT a.query_id FROM item_auto a" \
		" WHERE " ROUTED " AND a.priority >= 0" \
		"   AND NOT " QUEUE_DONE_FOR("a.query_id", "a.passage_id", \
					 "?2") \
		"   AND NOT " QUEUE_SKIPPED("a.query_id", "a.passage_id", "?2") \
		"   AND EXISTS (SELECT 1 FROM candidate c WHERE " RUN \
		"     c.query_id = a.query_id AND c.passage_id = a.passage_id" \
		"     AND c.filter IS NULL AND " QUEUE_FILTER("c") ")" \
		"   AND NOT " QUEUE_LEASED_BY_OTHER("a.query_id", "?3", "?4") \
		" ORDER BY a.priority DESC LIMIT 1"
	/* The kept candidates the cascade has not seen (none ran yet, or
	 * mined since), in query order, among the queries ?1 ... ?6.  The
	 * labels of those queries are read once, the range pushed down into
	 * the views (a range of decision_item), not looked up item by item:
	 * SQLite cannot push a correlated item into item_label and would
	 * read every label of the project for each search.  The unary +
	 * keeps decision_annotator (every decision of the annotator) out
	 * of annotator_label's plan. */
#define QUEUE_BY_ID(RUN) \
		"SELECT c.query_id FROM candidate c INDEXED BY candidate_kept" \
		" WHERE " RUN " c.filter IS NULL" \
		"   AND c.query_id BETWEEN ?1 AND ?6" \
		"   AND NOT " QUEUE_LEASED_BY_OTHER("c.query_id", "?3", "?4") \
		"   AND (c.query_id, c.passage_id) NOT IN (SELECT query_id," \
		"     passage_id FROM item_label WHERE query_id BETWEEN ?1 AND ?6)" \
		"   AND (?17 = 1 OR (c.query_id, c.passage_id) NOT IN" \
		"     (SELECT query_id, passage_id FROM annotator_label" \
		"      WHERE query_id BETWEEN ?1 AND ?6 AND +annotator_id = ?2))" \
		"   AND (?17 = 1 OR (c.query_id, c.passage_id) NOT IN" \
		"     (SELECT query_id, passage_id FROM item_conflict" \
		"      WHERE query_id BETWEEN ?1 AND ?6))" \
		"   AND NOT " QUEUE_SKIPPED("c.query_id", "c.passage_id", "?2") \
		"   AND (?16 = 1 OR NOT EXISTS (SELECT 1 FROM item_auto a" \
		"     WHERE a.query_id = c.query_id" \
		"       AND a.passage_id = c.passage_id))" \
		"   AND " QUEUE_FILTER("c") \
		" ORDER BY c.query_id LIMIT 1"
#define QUEUE_ROUTED "(a.verdict = 'review' OR a.audit = 1)"
	static const char sql_pri[] = QUEUE_BY_PRIORITY("", QUEUE_ROUTED);
	static const char sql_pri_run[] =
		QUEUE_BY_PRIORITY("c.run_id = ?5 AND", QUEUE_ROUTED);
	static const char sql_pri_all[] = QUEUE_BY_PRIORITY("", "1");
	static const char sql_pri_all_run[] =
		QUEUE_BY_PRIORITY("c.run_id = ?5 AND", "1");
#undef QUEUE_ROUTED
	static const char sql_id[] = QUEUE_BY_ID("");
	static const char sql_id_run[] = QUEUE_BY_ID("c.run_id = ?5 AND");
#undef QUEUE_BY_PRIORITY
#undef QUEUE_BY_ID
	bool all = f && f->conflicts;
	sqlite3_stmt *st = db_prep(db, all ? (run ? sql_pri_all_run
					      : sql_pri_all)
				   : run ? sql_pri_run : sql_pri, err);
	int64_t lo, last, w = 1;
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	queue_bind_next(st, run, f, adjudicating, from, annotator, session,
			now);
	rc = db_step_id(db, st, qid, "finding the next query to review", err);
	if (rc != NS_ENOTFOUND)
		return rc;
	err_clear(err);
	/* in query order: windows of 1, 2, 4, ... 64 queries from @from,
	 * so the usual search (the next query) reads one query's labels,
	 * and a long run of finished queries costs what reading their
	 * labels once does; queries whose labels are plain (a labelling
	 * event on every kept item) are passed over first, a window of one
	 * query again after them */
	if ((rc = queue_kept_bound(db, run, from, false, &lo, err)) != NS_OK ||
	    (rc = queue_kept_bound(db, run, from, true, &last, err)) != NS_OK) {
		if (rc == NS_ENOTFOUND)
			return err_set(err, NS_ENOTFOUND,
				       "no unsettled query");
		return rc;
	}
	if (!(st = db_prep(db, run ? sql_id_run : sql_id, err)))
		return NS_EDB;
	for (;;) {
		int64_t hi, skip;

		/* decided queries are passed over without their labels */
		if ((rc = queue_skip_labelled(db, lo, &skip, err)) != NS_OK)
			return rc;
		if (skip > last)
			break;
		if (skip > lo) {
			lo = skip;
			w = 1;
		}
		hi = last - lo < w ? last : lo + w - 1;
		queue_bind_next(st, run, f, adjudicating, lo, annotator,
				session, now);
		sqlite3_bind_int64(st, 6, hi);
		rc = db_step_id(db, st, qid, "finding the next query to "
				"review", err);
		if (rc != NS_ENOTFOUND)
			return rc;
		if (hi >= last)
			break;
		lo = hi + 1;
		if (w < 64)
			w *= 2;
	}
	return err_set(err, NS_ENOTFOUND, "no unsettled query");
}

enum ns_rc
queue_next_skipped_audit(struct db *db, int64_t run,
			 const struct queue_filter *f, bool adjudicating,
			 int64_t annotator, int64_t session, double now,
			 int64_t *qid, struct ns_err *err)
{
	/* Driven by the annotator's skips (few: decision_annotator), each
	 * of an audit item with a place in the queue and no other skip of
	 * theirs in force, by the cascade's priority: the audit's first
	 * unlabelled item, which the estimate waits on, comes first. */
#define QUEUE_SKIPPED_AUDIT(RUN) \
		"SELECT a.query_id FROM decision d" \
		" JOIN item_auto a ON a.query_id = d.query_id" \
		"   AND a.passage_id = d.passage_id" \
		" WHERE d.annotator_id = ?2 AND d.action = 'skip'" \
		"   AND d.passage_id IS NOT NULL" \
		"   AND NOT EXISTS (SELECT 1 FROM decision u" \
		"                   WHERE u.undoes = d.id)" \
		"   AND a.audit = 1 AND a.priority >= 0" \
		"   AND NOT EXISTS (SELECT 1 FROM decision e" \
		"     WHERE e.query_id = d.query_id" \
		"       AND e.passage_id = d.passage_id AND e.action = 'skip'" \
		"       AND e.annotator_id = ?2 AND e.id <> d.id" \
		"       AND NOT EXISTS (SELECT 1 FROM decision u" \
		"                       WHERE u.undoes = e.id))" \
		"   AND NOT " QUEUE_DONE_FOR("a.query_id", "a.passage_id", \
					 "?2") \
		"   AND EXISTS (SELECT 1 FROM candidate c WHERE " RUN \
		"     c.query_id = a.query_id AND c.passage_id = a.passage_id" \
		"     AND c.filter IS NULL AND " QUEUE_FILTER("c") ")" \
		"   AND NOT " QUEUE_LEASED_BY_OTHER("a.query_id", "?3", "?4") \
		" ORDER BY a.priority DESC, d.id LIMIT 1"
	static const char sql[] = QUEUE_SKIPPED_AUDIT("");
	static const char sql_run[] = QUEUE_SKIPPED_AUDIT("c.run_id = ?5 AND");
#undef QUEUE_SKIPPED_AUDIT
	sqlite3_stmt *st = db_prep(db, run ? sql_run : sql, err);

	if (!st)
		return NS_EDB;
	queue_bind_next(st, run, f, adjudicating, 0, annotator, session, now);
	return db_step_id(db, st, qid, "finding a skipped audit item", err);
}

enum ns_rc
queue_step(struct db *db, int64_t run, int64_t qid, int dir, int64_t *out,
	   struct ns_err *err)
{
	static const char sql_next[] =
		"SELECT min(query_id) FROM candidate"
		" WHERE filter IS NULL AND query_id > ?1";
	static const char sql_prev[] =
		"SELECT max(query_id) FROM candidate"
		" WHERE filter IS NULL AND query_id < ?1";
	static const char sql_run_next[] =
		"SELECT min(query_id) FROM candidate"
		" WHERE run_id = ?2 AND filter IS NULL AND query_id > ?1";
	static const char sql_run_prev[] =
		"SELECT max(query_id) FROM candidate"
		" WHERE run_id = ?2 AND filter IS NULL AND query_id < ?1";
	sqlite3_stmt *st = db_prep(db, run ? (dir > 0 ? sql_run_next
						: sql_run_prev)
				   : dir > 0 ? sql_next : sql_prev, err);
	enum ns_rc ret = NS_OK;
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	if (run)
		sqlite3_bind_int64(st, 2, run);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		ret = db_fail(db, err, "moving in the queue");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		ret = err_set(err, NS_ENOTFOUND, dir > 0 ? "last query"
						    : "first query");
	else
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ret;
}

enum ns_rc
queue_run_check(struct db *db, int64_t run, struct ns_err *err)
{
	/* a run still being mined (or killed while it was) is invisible */
	static const char sql[] =
		"SELECT 1 FROM run WHERE id = ?1 AND state = 'done'";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t one;
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	rc = db_step_id(db, st, &one, "reading a run", err);
	if (rc == NS_ENOTFOUND)
		return err_set(err, NS_ENOTFOUND, "no run with id %lld",
			       (long long)run);
	return rc;
}

bool
queue_contains(struct db *db, int64_t run, int64_t qid)
{
	static const char sql[] =
		"SELECT 1 FROM candidate WHERE filter IS NULL"
		" AND query_id = ?1 LIMIT 1";
	static const char sql_run[] =
		"SELECT 1 FROM candidate WHERE run_id = ?2 AND filter IS NULL"
		" AND query_id = ?1 LIMIT 1";
	struct ns_err err;
	sqlite3_stmt *st = db_prep(db, run ? sql_run : sql, &err);
	bool yes;

	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, qid);
	if (run)
		sqlite3_bind_int64(st, 2, run);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

enum ns_rc
queue_find(struct db *db, const char *id, int64_t *qid, struct ns_err *err)
{
	static const char sql_xid[] = "SELECT id FROM query WHERE xid = ?1";
	static const char sql_id[] = "SELECT id FROM query WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql_xid, err);
	char *end;
	long long n;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	/* a failed step, too, ends as "no query" */
	if (db_step_id(db, st, qid, "looking up a query", err) == NS_OK)
		return NS_OK;
	n = strtoll(id, &end, 10);
	if (*id && !*end) {
		if (!(st = db_prep(db, sql_id, err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, n);
		if (db_step_id(db, st, qid, "looking up a query", err) == NS_OK)
			return NS_OK;
	}
	return err_set(err, NS_ENOTFOUND, "no query '%s'", id);
}

enum ns_rc
queue_find_matches(struct db *db, int64_t run, const char *text,
		   struct queue_match *m, size_t max, size_t *count,
		   struct ns_err *err)
{
	/* instr() on lower(): no LIKE wildcards to escape */
#define QUEUE_MATCHES(RUN) \
		"SELECT q.id, q.xid FROM query q" \
		" WHERE instr(lower(q.xid), lower(?1)) > 0" \
		"   AND EXISTS (SELECT 1 FROM candidate c WHERE " RUN \
		"     c.query_id = q.id AND c.filter IS NULL)" \
		" ORDER BY instr(lower(q.xid), lower(?1)) <> 1, q.id"
	static const char sql[] = QUEUE_MATCHES("");
	static const char sql_run[] = QUEUE_MATCHES("c.run_id = ?2 AND");
#undef QUEUE_MATCHES
	sqlite3_stmt *st = db_prep(db, run ? sql_run : sql, err);
	size_t n = 0;
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	if (run)
		sqlite3_bind_int64(st, 2, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n < max) {
			const unsigned char *x = sqlite3_column_text(st, 1);

			m[n].id = sqlite3_column_int64(st, 0);
			snprintf(m[n].xid, sizeof(m[n].xid), "%s",
				 x ? (const char *)x : "");
		}
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "looking up a query");
	*count = n;
	return NS_OK;
}

/*
 * The matches of a search: FTS5's for whole words (?1, the expression),
 * the temporary tables queue_search_collect() filled for words matched
 * inside the text.  QUEUE_P_FTS/QUEUE_P_LIKE: the matching passages;
 * QUEUE_Q_FTS/QUEUE_Q_LIKE: FROM the matching queries as f (f.rowid
 * their ids) followed by WHERE and a condition.
 */
#define QUEUE_P_FTS "(SELECT rowid FROM passage_fts WHERE passage_fts MATCH ?1)"
#define QUEUE_P_LIKE "(SELECT id FROM temp.queue_search_passage)"
#define QUEUE_Q_FTS "query_fts f WHERE query_fts MATCH ?1 AND"
#define QUEUE_Q_LIKE "temp.queue_search_query f WHERE"

/* The queue queries (kept candidates; RUN "" or "c.run_id = ?2 AND")
 * whose text, a positive (shown under it) or a kept candidate matches,
 * each once. */
#define QUEUE_SEARCH_HITS(P, Q, RUN) \
		" SELECT c.query_id FROM candidate c" \
		"  WHERE " RUN " c.filter IS NULL AND c.passage_id IN" \
		"   " P \
		" UNION" \
		" SELECT f.rowid FROM " Q " EXISTS" \
		"   (SELECT 1 FROM candidate c WHERE c.query_id = f.rowid" \
		"    AND " RUN " c.filter IS NULL)" \
		" UNION" \
		" SELECT r.query_id FROM qrel r" \
		"  WHERE r.grade > 0 AND r.passage_id IN " P " AND EXISTS" \
		"   (SELECT 1 FROM candidate c WHERE c.query_id = r.query_id" \
		"    AND " RUN " c.filter IS NULL)"

/*
 * Fill temp.queue_search_passage and temp.queue_search_query with the
 * passages and queries matching every word of @s: the first set (FTS5's
 * matches of the whole words, else the texts holding the first word
 * matched inside), then, for each (other) such word, those without it
 * taken out, which reads only what is left.
 *
 * The passages read first are all of them or, when they outnumber the
 * candidates (a corpus much larger than what was mined from it), those
 * of candidates and positives only: whichever is fewer rows, told by the
 * largest ids (both grow by one per row).  Every text matching is kept,
 * kept candidate or not: the searches join on the queue's candidates
 * and positives anyway.
 */
static enum ns_rc
queue_search_collect(struct db *db, int64_t run,
		     const struct queue_search *s, struct ns_err *err)
{
#define QUEUE_LIKE(T) \
		"(" T ".title LIKE ?1 ESCAPE '\\' OR " T ".text LIKE ?1" \
		" ESCAPE '\\')"
	static const char sql_more[] =
		"SELECT coalesce((SELECT max(id) FROM passage), 0) >"
		" coalesce((SELECT max(id) FROM candidate), 0)";
	static const char *const sql_p[] = {
		/* the FTS5 matches of the whole words */
		"INSERT INTO temp.queue_search_passage"
		" SELECT rowid FROM passage_fts WHERE passage_fts MATCH ?1",
		/* every passage */
		"INSERT INTO temp.queue_search_passage"
		" SELECT id FROM passage p WHERE " QUEUE_LIKE("p"),
		/* the candidates' passages (each once, in the order of
		 * candidate_passage: no sort) */
		"INSERT INTO temp.queue_search_passage"
		" SELECT p.id FROM (SELECT DISTINCT passage_id AS id"
		"   FROM candidate) c JOIN passage p ON p.id = c.id"
		" WHERE " QUEUE_LIKE("p"),
		/* keep those holding one more word */
		"DELETE FROM temp.queue_search_passage WHERE NOT EXISTS"
		" (SELECT 1 FROM passage p"
		"  WHERE p.id = queue_search_passage.id AND " QUEUE_LIKE("p")
		")",
	};
#undef QUEUE_LIKE
	static const char *const sql_q[] = {
		"INSERT INTO temp.queue_search_query"
		" SELECT rowid FROM query_fts WHERE query_fts MATCH ?1",
		"INSERT INTO temp.queue_search_query"
		" SELECT id FROM query WHERE text LIKE ?1 ESCAPE '\\'",
		NULL,
		"DELETE FROM temp.queue_search_query WHERE NOT EXISTS"
		" (SELECT 1 FROM query q WHERE q.id = queue_search_query.id"
		"  AND q.text LIKE ?1 ESCAPE '\\')",
	};
	/* ... and, after the candidates', the positives' passages (shown
	 * under their query, searched too) */
	static const char sql_p_pos[] =
		"INSERT OR IGNORE INTO temp.queue_search_passage"
		" SELECT p.id FROM qrel r JOIN passage p ON p.id = r.passage_id"
		" WHERE r.grade > 0 AND (p.title LIKE ?1 ESCAPE '\\'"
		"   OR p.text LIKE ?1 ESCAPE '\\')";
	static const char *const sql_hit[2] = {
		"INSERT INTO temp.queue_search_hit"
		QUEUE_SEARCH_HITS(QUEUE_P_LIKE, QUEUE_Q_LIKE, ""),
		"INSERT INTO temp.queue_search_hit"
		QUEUE_SEARCH_HITS(QUEUE_P_LIKE, QUEUE_Q_LIKE,
				  "c.run_id = ?2 AND"),
	};
	enum ns_rc rc;
	sqlite3_stmt *st;
	int64_t more = 0;	/* more passages than candidates */

	/* temporary tables: the connection's own, in memory (temp_store),
	 * written also by a reader of a project it cannot write */
	if ((rc = db_exec(db,
			  "CREATE TEMP TABLE IF NOT EXISTS queue_search_passage"
			  " (id INTEGER PRIMARY KEY);"
			  "CREATE TEMP TABLE IF NOT EXISTS queue_search_query"
			  " (id INTEGER PRIMARY KEY);"
			  "CREATE TEMP TABLE IF NOT EXISTS queue_search_hit"
			  " (id INTEGER PRIMARY KEY);"
			  "DELETE FROM temp.queue_search_passage;"
			  "DELETE FROM temp.queue_search_query;"
			  "DELETE FROM temp.queue_search_hit;", err)))
		return rc;
	if (!s->expr) {
		if (!(st = db_prep(db, sql_more, err)))
			return NS_EDB;
		if ((rc = db_step_int(db, st, &more, "searching", err)))
			return rc;
	}
	for (int side = 0; side < 2; side++) {
		const char *const *sql = side ? sql_q : sql_p;
		size_t w = 0;

		/* the first set */
		if (!(st = db_prep(db, s->expr ? sql[0]
				   : side == 0 && more ? sql[2] : sql[1],
				   err)))
			return NS_EDB;
		if (s->expr)
			sqlite3_bind_text(st, 1, s->expr, -1, SQLITE_STATIC);
		else
			sqlite3_bind_text(st, 1, s->like[w++], -1,
					  SQLITE_STATIC);
		if ((rc = db_step_done(db, st, "searching", err)))
			return rc;
		if (!s->expr && side == 0 && more) {
			if (!(st = db_prep(db, sql_p_pos, err)))
				return NS_EDB;
			sqlite3_bind_text(st, 1, s->like[0], -1,
					  SQLITE_STATIC);
			if ((rc = db_step_done(db, st, "searching", err)))
				return rc;
		}
		for (; w < s->nlike; w++) {
			if (!(st = db_prep(db, sql[3], err)))
				return NS_EDB;
			sqlite3_bind_text(st, 1, s->like[w], -1, SQLITE_STATIC);
			if ((rc = db_step_done(db, st, "searching", err)))
				return rc;
		}
	}
	if (!(st = db_prep(db, sql_hit[run != 0], err)))
		return NS_EDB;
	if (run)
		sqlite3_bind_int64(st, 2, run);
	return db_step_done(db, st, "searching", err);
}

enum ns_rc
queue_search_count(struct db *db, int64_t run, const struct queue_search *s,
		   int64_t *n, struct ns_err *err)
{
	static const char *const sql[2] = {
		"SELECT count(*) FROM (" QUEUE_SEARCH_HITS(QUEUE_P_FTS,
							   QUEUE_Q_FTS, "")
		")",
		"SELECT count(*) FROM (" QUEUE_SEARCH_HITS(QUEUE_P_FTS,
		QUEUE_Q_FTS, "c.run_id = ?2 AND") ")",
	};
	static const char sql_like[] =
		"SELECT count(*) FROM temp.queue_search_hit";
	sqlite3_stmt *st;
	enum ns_rc rc;

	if (s->nlike) {
		if ((rc = queue_search_collect(db, run, s, err)) != NS_OK)
			return rc;
		if (!(st = db_prep(db, sql_like, err)))
			return NS_EDB;
		return db_step_int(db, st, n, "searching", err);
	}
	if (!(st = db_prep(db, sql[run != 0], err)))
		return NS_EDB;
	sqlite3_bind_text(st, 1, s->expr, -1, SQLITE_TRANSIENT);
	if (run)
		sqlite3_bind_int64(st, 2, run);
	return db_step_int(db, st, n, "searching", err);
}

enum ns_rc
queue_step_mine(struct db *db, int64_t run, int64_t qid, int dir,
		int64_t annotator, const char *what, int64_t *out,
		struct ns_err *err)
{
	/* ?1 from, ?2 annotator, ?3 what, ?4 run (0: any); AGG/CMP the
	 * direction */
#define QUEUE_MINE(AGG, CMP) \
		"SELECT " AGG "(x) FROM (" \
		" SELECT " AGG "(l.query_id) AS x FROM item_label l" \
		"  WHERE ?3 IN ('fn', 'tn') AND l.label = ?3" \
		"    AND l.annotator_id = ?2 AND l.query_id " CMP " ?1" \
		" UNION ALL" \
		" SELECT " AGG "(d.query_id) FROM decision d" \
		"  WHERE d.action = ?3 AND ?3 IN ('skip', 'note')" \
		"    AND d.annotator_id = ?2 AND d.query_id " CMP " ?1" \
		"    AND d.passage_id IS NOT NULL" \
		"    AND NOT EXISTS (SELECT 1 FROM decision u" \
		"                    WHERE u.undoes = d.id)" \
		"    AND (d.action <> 'note' OR (d.note <> '' AND NOT EXISTS" \
		"      (SELECT 1 FROM decision x WHERE x.action = 'note'" \
		"        AND x.query_id = d.query_id" \
		"        AND x.passage_id = d.passage_id AND x.id > d.id" \
		"        AND coalesce(x.note, '') = ''" \
		"        AND NOT EXISTS (SELECT 1 FROM decision u" \
		"                        WHERE u.undoes = x.id))))" \
		"    AND (d.action = 'note' OR NOT EXISTS (SELECT 1" \
		"      FROM item_label il WHERE il.query_id = d.query_id" \
		"        AND il.passage_id = d.passage_id))" \
		") WHERE EXISTS (SELECT 1 FROM candidate c" \
		"  WHERE (?4 = 0 OR c.run_id = ?4) AND c.query_id = x" \
		"    AND c.filter IS NULL)"
	static const char sql_next[] = QUEUE_MINE("min", ">");
	static const char sql_prev[] = QUEUE_MINE("max", "<");
#undef QUEUE_MINE
	sqlite3_stmt *st = db_prep(db, dir > 0 ? sql_next : sql_prev, err);
	enum ns_rc ret = NS_OK;
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, annotator);
	sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, run);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, err, "moving in the queue");
	else if (rc == SQLITE_DONE ||
		 sqlite3_column_type(st, 0) == SQLITE_NULL)
		ret = err_set(err, NS_ENOTFOUND, "no such item");
	else
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ret;
}

enum ns_rc
queue_passage_queries(struct db *db, int64_t run, int64_t pid, int64_t *n,
		      struct ns_err *err)
{
	static const char sql[] =
		"SELECT count(DISTINCT query_id) FROM candidate"
		" WHERE passage_id = ?1 AND filter IS NULL"
		"   AND (?2 = 0 OR run_id = ?2)";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, run);
	return db_step_int(db, st, n, "counting a passage's queries", err);
}

/* Quote @w (@len bytes) for FTS5 ("..." with '"' doubled) onto @sb. */
static void
queue_fts_word(struct strbuf *sb, const char *w, size_t len)
{
	if (sb->len)
		strbuf_addch(sb, ' ');
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		if (w[i] == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, w[i]);
	}
	strbuf_addch(sb, '"');
}

/* "%@w%" for LIKE with ESCAPE '\': %, _ and \ in @w stand for
 * themselves. */
static char *
queue_like_word(const char *w, size_t len)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addch(&sb, '%');
	for (size_t i = 0; i < len; i++) {
		if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
			strbuf_addch(&sb, '\\');
		strbuf_addch(&sb, w[i]);
	}
	strbuf_addch(&sb, '%');
	return strbuf_detach(&sb, NULL);
}

bool
queue_search_init(struct queue_search *s, const char *text)
{
	struct strbuf sb;
	const char *p = text;

	memset(s, 0, sizeof(*s));
	strbuf_init(&sb);
	while (*p) {
		const char *w;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		for (w = p; *p && !isspace((unsigned char)*p); p++)
			;
		if (utf8_has_unspaced(w, (size_t)(p - w))) {
			s->like = xrealloc(s->like, (s->nlike + 1) *
					   sizeof(*s->like));
			s->like[s->nlike++] = queue_like_word(w,
							      (size_t)(p - w));
		} else {
			queue_fts_word(&sb, w, (size_t)(p - w));
		}
	}
	if (sb.len)
		s->expr = strbuf_detach(&sb, NULL);
	else
		strbuf_fini(&sb);
	return s->expr || s->nlike;
}

void
queue_search_fini(struct queue_search *s)
{
	free(s->expr);
	for (size_t i = 0; i < s->nlike; i++)
		free(s->like[i]);
	free(s->like);
	memset(s, 0, sizeof(*s));
}

enum ns_rc
queue_search_step(struct db *db, int64_t run, const struct queue_search *s,
		  int64_t qid, int dir, int64_t *out, struct ns_err *err)
{
	/* The smallest/largest queue query beyond ?2 matching either way;
	 * RUN restricts the candidates to run ?3. */
#define QUEUE_SEARCH(AGG, CMP, RUN) \
		"SELECT " AGG "(q) FROM (" \
		" SELECT " AGG "(c.query_id) AS q FROM candidate c" \
		"  WHERE " RUN " c.filter IS NULL AND c.query_id " CMP " ?2" \
		"  AND c.passage_id IN" \
		"   " QUEUE_P_FTS \
		" UNION ALL" \
		" SELECT " AGG "(f.rowid) FROM " QUEUE_Q_FTS \
		"  f.rowid " CMP " ?2 AND EXISTS" \
		"   (SELECT 1 FROM candidate c WHERE c.query_id = f.rowid" \
		"    AND " RUN " c.filter IS NULL)" \
		" UNION ALL" \
		" SELECT " AGG "(r.query_id) FROM qrel r" \
		"  WHERE r.grade > 0 AND r.query_id " CMP " ?2" \
		"  AND r.passage_id IN " QUEUE_P_FTS " AND EXISTS" \
		"   (SELECT 1 FROM candidate c WHERE c.query_id = r.query_id" \
		"    AND " RUN " c.filter IS NULL))"
	static const char *const sql[4] = {
		QUEUE_SEARCH("min", ">", ""),
		QUEUE_SEARCH("max", "<", ""),
		QUEUE_SEARCH("min", ">", "c.run_id = ?3 AND"),
		QUEUE_SEARCH("max", "<", "c.run_id = ?3 AND"),
	};
#undef QUEUE_SEARCH
	/* the queries queue_search_count() found (of its run) */
	static const char *const sql_like[2] = {
		"SELECT min(id) FROM temp.queue_search_hit WHERE id > ?2",
		"SELECT max(id) FROM temp.queue_search_hit WHERE id < ?2",
	};
	sqlite3_stmt *st = db_prep(db, s->nlike ? sql_like[dir < 0]
				   : sql[(run ? 2 : 0) + (dir < 0)], err);
	enum ns_rc ret = NS_OK;
	int rc;

	if (!st)
		return NS_EDB;
	if (!s->nlike) {
		sqlite3_bind_text(st, 1, s->expr, -1, SQLITE_TRANSIENT);
		if (run)
			sqlite3_bind_int64(st, 3, run);
	}
	sqlite3_bind_int64(st, 2, qid);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		ret = db_fail(db, err, "searching");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		ret = err_set(err, NS_ENOTFOUND, "not found");
	else
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ret;
}

/* Whether @sql (?1 the search's FTS5 expression unless it goes by LIKE,
 * ?2 query @qid) returns a row, into *@any. */
static enum ns_rc
queue_search_any(struct db *db, const struct queue_search *s,
		 const char *sql, int64_t qid, bool *any, struct ns_err *err)
{
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	if (!s->nlike)
		sqlite3_bind_text(st, 1, s->expr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, qid);
	rc = sqlite3_step(st);
	*any = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "searching");
	return NS_OK;
}

enum ns_rc
queue_search_marks(struct db *db, const struct queue_search *s,
		   const struct queue_query *q, bool *hit, bool *query_hit,
		   bool *pos_hit, struct ns_err *err)
{
	/* the matches of words inside the text probed per candidate of
	 * the query (EXISTS, not IN: SQLite would go through every match
	 * and probe candidate_passage for this query, as it does with
	 * FTS5's) */
	static const char *const sql_p[2] = {
		"SELECT DISTINCT c.passage_id FROM candidate c"
		" WHERE c.query_id = ?2 AND c.filter IS NULL AND c.passage_id IN"
		"  " QUEUE_P_FTS,
		"SELECT DISTINCT c.passage_id FROM candidate c"
		" WHERE c.query_id = ?2 AND c.filter IS NULL AND EXISTS"
		"  (SELECT 1 FROM temp.queue_search_passage t"
		"   WHERE t.id = c.passage_id)",
	};
	static const char *const sql_q[2] = {
		"SELECT 1 FROM query_fts WHERE query_fts MATCH ?1"
		" AND rowid = ?2",
		"SELECT 1 FROM temp.queue_search_query WHERE id = ?2",
	};
	static const char *const sql_pos[2] = {
		"SELECT 1 FROM qrel r WHERE r.query_id = ?2 AND r.grade > 0"
		" AND r.passage_id IN " QUEUE_P_FTS " LIMIT 1",
		"SELECT 1 FROM qrel r WHERE r.query_id = ?2 AND r.grade > 0"
		" AND EXISTS (SELECT 1 FROM temp.queue_search_passage t"
		"   WHERE t.id = r.passage_id) LIMIT 1",
	};
	bool like = s->nlike > 0;
	sqlite3_stmt *st = db_prep(db, sql_p[like], err);
	int rc;

	if (!st)
		return NS_EDB;
	memset(hit, 0, q->n * sizeof(*hit));
	if (!like)
		sqlite3_bind_text(st, 1, s->expr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, q->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0);

		for (size_t i = 0; i < q->n; i++)
			if (q->c[i].passage_id == pid)
				hit[i] = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "searching");
	if (queue_search_any(db, s, sql_q[like], q->id, query_hit, err))
		return NS_EDB;
	return queue_search_any(db, s, sql_pos[like], q->id, pos_hit, err);
}

enum ns_rc
queue_progress(struct db *db, int64_t run, struct queue_progress *p,
	       struct ns_err *err)
{
	static const char sql_items[] =
		"SELECT count(*), count(DISTINCT query_id) FROM"
		" (SELECT DISTINCT query_id, passage_id FROM candidate"
		"  WHERE filter IS NULL)";
	/* (run, query, passage) is unique: no DISTINCT needed. */
	static const char sql_run_items[] =
		"SELECT count(*), count(DISTINCT query_id) FROM candidate"
		" WHERE run_id = ?1 AND filter IS NULL";
	/* Driven by the decisions, never by a scan of all candidates:
	 * the items people labelled that no run keeps (QUEUE_LEFT_OUT),
	 * and of the labelled items in the queue (QUEUE_HOLDS) those with
	 * a label in force, in one pass over the labels (item_label is
	 * the dear part: ~12 us a label).  RUN restricts the candidates to
	 * run ?1. */
#define QUEUE_DONE(RUN) \
		"SELECT coalesce(sum(" \
		QUEUE_LEFT_OUT("x.query_id", "x.passage_id") "), 0)," \
		" coalesce(sum(x.final AND " \
		QUEUE_HOLDS("x.query_id", "x.passage_id", RUN) "), 0)" \
		" FROM (" DB_LABELLED_ITEMS("") ") x"
	static const char sql_done[] = QUEUE_DONE("");
	static const char sql_run_done[] = QUEUE_DONE("qk.run_id = ?1 AND");
#undef QUEUE_DONE
	sqlite3_stmt *st = db_prep(db, run ? sql_run_items : sql_items, err);
	int rc;

	if (!st)
		return NS_EDB;
	if (run)
		sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->items = sqlite3_column_int64(st, 0);
		p->queries = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "counting the queue");
	if (!(st = db_prep(db, run ? sql_run_done : sql_done, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->items += sqlite3_column_int64(st, 0);
		p->labelled = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "counting decisions");
	return NS_OK;
}

/*
 * The items on which the overlap annotators disagree (settled by an
 * adjudicator or not) that are in the queue (QUEUE_HOLDS, RUN as there),
 * each once; WHERE is "" or a condition on their labels l followed by
 * AND.  Driven by the decisions on items that need several annotators.
 */
#define CONFLICT_ITEMS(WHERE, RUN) \
	"SELECT l.query_id, l.passage_id FROM annotator_label l" \
	"  JOIN item_need n ON n.query_id = l.query_id" \
	"   AND n.passage_id = l.passage_id" \
	"  WHERE " WHERE QUEUE_HOLDS("l.query_id", "l.passage_id", RUN) \
	"  GROUP BY l.query_id, l.passage_id" \
	"  HAVING count(DISTINCT l.label) > 1"

enum ns_rc
queue_conflict_progress(struct db *db, int64_t run, struct queue_progress *p,
			struct ns_err *err)
{
	/* The items on which overlap annotators disagree (settled by an
	 * adjudicator or not), and of those the adjudicated: driven by the
	 * decisions on items that need several annotators.  RUN keeps
	 * those in the queue of run ?1 (QUEUE_HOLDS: an adjudicated false
	 * negative no run keeps any more stays). */
#define CONFLICT_PROGRESS(RUN) \
		"SELECT count(*), count(a.decision_id)," \
		"  count(DISTINCT x.query_id) FROM" \
		" (" CONFLICT_ITEMS("", RUN) ") x" \
		" LEFT JOIN item_adjudicated a ON a.query_id = x.query_id" \
		"  AND a.passage_id = x.passage_id" \
		" WHERE NOT EXISTS (SELECT 1 FROM query_drop q" \
		"  WHERE q.query_id = x.query_id)"
	static const char sql[] = CONFLICT_PROGRESS("");
	static const char sql_run[] = CONFLICT_PROGRESS("qk.run_id = ?1 AND");
#undef CONFLICT_PROGRESS
	sqlite3_stmt *st = db_prep(db, run ? sql_run : sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->items = sqlite3_column_int64(st, 0);
		p->labelled = sqlite3_column_int64(st, 1);
		p->queries = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "counting the conflicts");
	return NS_OK;
}

enum ns_rc
queue_lease_take(struct db *db, int64_t qid, int64_t annotator,
		 int64_t session, double now, double secs, bool *taken,
		 struct queue_holder *holder, struct ns_err *err)
{
	/* Ours already, or free: expired, or its session ended or died. */
	static const char sql_take[] =
		"INSERT INTO review_lease(query_id, annotator_id, session_id,"
		"  expires_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(query_id) DO UPDATE SET"
		"  annotator_id = excluded.annotator_id,"
		"  session_id = excluded.session_id,"
		"  expires_at = excluded.expires_at"
		" WHERE review_lease.session_id = excluded.session_id"
		"    OR review_lease.expires_at <= ?5"
		"    OR NOT EXISTS (SELECT 1 FROM review_session s"
		"      WHERE s.id = review_lease.session_id"
		"        AND s.ended_at IS NULL AND ns_alive(s.host, s.pid, s.pid_start))";
	static const char sql_who[] =
		"SELECT a.name, l.annotator_id FROM review_lease l"
		" JOIN annotator a ON a.id = l.annotator_id"
		" WHERE l.query_id = ?1";
	sqlite3_stmt *st = db_prep(db, sql_take, err);
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, annotator);
	sqlite3_bind_int64(st, 3, session);
	sqlite3_bind_double(st, 4, now + secs);
	sqlite3_bind_double(st, 5, now);
	if ((rc = db_step_done(db, st, "taking a lease", err)))
		return rc;
	*taken = sqlite3_changes(db_handle(db)) > 0;
	if (*taken || !holder)
		return NS_OK;
	if (!(st = db_prep(db, sql_who, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	memset(holder, 0, sizeof(*holder));
	snprintf(holder->name, sizeof(holder->name), "?");
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(holder->name, sizeof(holder->name), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		holder->self = sqlite3_column_int64(st, 1) == annotator;
	}
	sqlite3_reset(st);
	return NS_OK;
}

enum ns_rc
queue_lease_drop(struct db *db, int64_t qid, int64_t session,
		 struct ns_err *err)
{
	static const char sql[] =
		"DELETE FROM review_lease WHERE query_id = ?1"
		" AND session_id = ?2";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, session);
	return db_step_done(db, st, "releasing a lease", err);
}

enum ns_rc
queue_lease_holder(struct db *db, int64_t qid, int64_t annotator,
		   int64_t session, double now, bool *held,
		   struct queue_holder *holder, struct ns_err *err)
{
	/* what queue_lease_take() would not take over */
	static const char sql[] =
		"SELECT (SELECT name FROM annotator WHERE id = l.annotator_id),"
		"  l.annotator_id" QUEUE_LEASES_OF_OTHERS("?1", "?2", "?3");
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	*held = false;
	memset(holder, 0, sizeof(*holder));
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_double(st, 3, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*held = true;
		snprintf(holder->name, sizeof(holder->name), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		holder->self = sqlite3_column_int64(st, 1) == annotator;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading a lease");
	return NS_OK;
}

void
queue_query_xid(struct db *db, int64_t qid, char *buf, size_t size)
{
	static const char sql[] = "SELECT xid FROM query WHERE id = ?1";
	struct ns_err err;
	sqlite3_stmt *st;

	err_clear(&err);
	st = db_prep(db, sql, &err);
	snprintf(buf, size, "#%lld", (long long)qid);
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, qid);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, size, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
}

enum ns_rc
queue_item_who(struct db *db, int64_t dec, struct queue_holder *who,
	       struct ns_err *err)
{
	static const char sql[] =
		"SELECT a.name, d.action, d.at FROM decision d"
		" JOIN annotator a ON a.id = d.annotator_id WHERE d.id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	memset(who, 0, sizeof(*who));
	sqlite3_bind_int64(st, 1, dec);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(who->name, sizeof(who->name), "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading a decision");
	return rc == SQLITE_ROW ? NS_OK : NS_ENOTFOUND;
}

enum ns_rc
queue_count(struct db *db, int64_t run, const struct queue_filter *f,
	    struct queue_counts *c, struct ns_err *err)
{
	/* the queue's items (?1 the run), each once (QUEUE_HOLDS): its
	 * kept candidates, then the items people labelled that no run
	 * keeps (kept 0: decided, and no longer offered to anyone) */
#define QUEUE_ITEMS \
		"SELECT DISTINCT c.query_id, c.passage_id, 1 AS kept" \
		" FROM candidate c" \
		" WHERE c.filter IS NULL AND (?1 = 0 OR c.run_id = ?1)" \
		"   AND " QUEUE_FILTER("c") \
		" UNION ALL SELECT x.query_id, x.passage_id, 0" \
		" FROM (" DB_LABELLED_ITEMS("") ") x" \
		" WHERE " QUEUE_LEFT_OUT("x.query_id", "x.passage_id") \
		"   AND " QUEUE_FILTER_OUT("x.query_id", "x.passage_id")
	static const char sql_n[] =
		"SELECT count(*),"
		"  coalesce(sum(EXISTS (SELECT 1 FROM item_label l"
		"    WHERE l.query_id = k.query_id"
		"      AND l.passage_id = k.passage_id)), 0),"
		"  coalesce(sum(k.kept"
		"   AND NOT EXISTS (SELECT 1 FROM item_label l"
		"    WHERE l.query_id = k.query_id"
		"      AND l.passage_id = k.passage_id)"
		"   AND (?16 = 1 OR NOT EXISTS (SELECT 1 FROM item_auto a"
		"    WHERE a.query_id = k.query_id"
		"      AND a.passage_id = k.passage_id"
		"      AND ((a.verdict <> 'review' AND a.audit = 0)"
		"           OR a.priority < 0)))), 0)"
		" FROM (" QUEUE_ITEMS ") k";
	/* each label probes QUEUE_ITEMS' two parts (they are disjoint):
	 * joining QUEUE_ITEMS itself built all of its rows and an index on
	 * them, half of queue list's time at 210k candidates */
	static const char sql_by[] =
		"SELECT an.name, count(*) FROM (" DB_LABELLED_BY ") al"
		" JOIN annotator an ON an.id = al.annotator_id"
		" WHERE EXISTS (SELECT 1 FROM candidate c"
		"   WHERE c.query_id = al.query_id"
		"     AND c.passage_id = al.passage_id"
		"     AND c.filter IS NULL AND (?1 = 0 OR c.run_id = ?1)"
		"     AND " QUEUE_FILTER("c") ")"
		"  OR (" QUEUE_LEFT_OUT("al.query_id", "al.passage_id")
		"   AND " QUEUE_FILTER_OUT("al.query_id", "al.passage_id") ")"
		" GROUP BY an.name ORDER BY an.name";
#undef QUEUE_ITEMS
	sqlite3_stmt *st = db_prep(db, sql_n, err);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	queue_bind_filter(st, f);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->items = sqlite3_column_int64(st, 0);
		c->final = sqlite3_column_int64(st, 1);
		c->waiting = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "counting a queue");
	if (!(st = db_prep(db, sql_by, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	queue_bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->names = xrealloc(c->names, (c->n + 1) * sizeof(*c->names));
		c->labelled = xrealloc(c->labelled,
				       (c->n + 1) * sizeof(*c->labelled));
		c->names[c->n] = col_dup(st, 0);
		c->labelled[c->n++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		queue_counts_fini(c);
		return db_fail(db, err, "counting a queue");
	}
	return NS_OK;
}

void
queue_counts_fini(struct queue_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->labelled);
	memset(c, 0, sizeof(*c));
}

enum ns_rc
queue_labelled_in(struct db *db, int64_t run, int64_t qid, int64_t pid,
		  bool conflicts, int64_t *items, int64_t *n,
		  struct ns_err *err)
{
	/* the query's part of queue_progress()'s counts, in one pass
	 * over its labels as there; WHERE picks the query (?2) or one of
	 * its items (?2, ?3: a probe of each label view, not a pass) */
#define LABELLED_IN(WHERE) \
		"SELECT (SELECT count(DISTINCT passage_id) FROM candidate" \
		"   WHERE " WHERE " AND filter IS NULL" \
		"     AND (?1 = 0 OR run_id = ?1))" \
		"  + coalesce(sum(" QUEUE_LEFT_OUT("x.query_id", "x.passage_id") \
		"), 0)," \
		" coalesce(sum(x.final AND " QUEUE_HOLDS("x.query_id", \
			"x.passage_id", "(?1 = 0 OR qk.run_id = ?1) AND") \
		"), 0)" \
		" FROM (" DB_LABELLED_ITEMS("WHERE " WHERE) ") x"
	/* ... and of queue_conflict_progress()'s, as there */
#define CONFLICTS_IN(WHERE) \
		"SELECT count(*), count(a.decision_id) FROM" \
		" (" CONFLICT_ITEMS(WHERE " AND", \
				    "(?1 = 0 OR qk.run_id = ?1) AND") ") x" \
		" LEFT JOIN item_adjudicated a ON a.query_id = x.query_id" \
		"  AND a.passage_id = x.passage_id" \
		" WHERE NOT EXISTS (SELECT 1 FROM query_drop q" \
		"  WHERE q.query_id = ?2)"
	static const char sql[] = LABELLED_IN("query_id = ?2");
	static const char sql_item[] =
		LABELLED_IN("query_id = ?2 AND passage_id = ?3");
	static const char sql_conflicts[] = CONFLICTS_IN("l.query_id = ?2");
	static const char sql_conflicts_item[] =
		CONFLICTS_IN("l.query_id = ?2 AND l.passage_id = ?3");
#undef LABELLED_IN
#undef CONFLICTS_IN
	sqlite3_stmt *st = db_prep(db, conflicts ? (pid ? sql_conflicts_item
						     : sql_conflicts)
				   : pid ? sql_item : sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, qid);
	if (pid)
		sqlite3_bind_int64(st, 3, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*items = sqlite3_column_int64(st, 0);
		*n = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "counting decisions");
	return NS_OK;
}
