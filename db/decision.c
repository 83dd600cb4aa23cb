/*
 * decision.c - the append-only decision log (see decision.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/decision.h"
#include "src/util.h"

enum ns_rc
decision_log_mode(struct db *db, struct ns_err *err)
{
	return db_exec(db, "PRAGMA synchronous = FULL;"
			   "PRAGMA wal_autocheckpoint = 0;", err);
}

enum ns_rc
decision_lazy_commits(struct db *db, bool lazy, struct ns_err *err)
{
	return db_exec(db, lazy ? "PRAGMA synchronous = NORMAL;"
			   : "PRAGMA synchronous = FULL;", err);
}

enum ns_rc
decision_checkpoint(struct db *db, struct ns_err *err)
{
	int rc = sqlite3_wal_checkpoint_v2(db_handle(db), NULL,
					   SQLITE_CHECKPOINT_PASSIVE, NULL,
					   NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
		return db_fail(db, err, "checkpointing the WAL");
	return NS_OK;
}

enum ns_rc
decision_annotator(struct db *db, const char *name, int64_t *id,
		   struct ns_err *err)
{
	static const char sql_ins[] =
		"INSERT INTO annotator(name, created_at) VALUES (?1, ?2)"
		" ON CONFLICT(name) DO NOTHING";
	static const char sql_get[] = "SELECT id FROM annotator WHERE name = ?1";
	sqlite3_stmt *st = db_prep(db, sql_ins, err);
	char ts[40];
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	if ((rc = db_step_done(db, st, "recording the annotator", err)))
		return rc;
	if (!(st = db_prep(db, sql_get, err)))
		return NS_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return db_step_int(db, st, id, "reading the annotator", err);
}

enum ns_rc
decision_session_start(struct db *db, int64_t annotator, int64_t *id,
		       struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO review_session(annotator_id, started_at, host, pid,"
		"  pid_start) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char ts[40], host[256];
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, annotator);
	sqlite3_bind_text(st, 2, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		sqlite3_bind_text(st, 3, host, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 4, (sqlite3_int64)getpid());
	if (db_process_start((long)getpid()) >= 0)
		sqlite3_bind_int64(st, 5, db_process_start((long)getpid()));
	if ((rc = db_step_done(db, st, "starting a review session", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	return NS_OK;
}

enum ns_rc
decision_session_end(struct db *db, int64_t session, int64_t decisions,
		     struct ns_err *err)
{
	static const char sql[] =
		"UPDATE review_session SET ended_at = ?2, decisions = ?3"
		" WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char ts[40];

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, session);
	sqlite3_bind_text(st, 2, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, decisions);
	return db_step_done(db, st, "ending the review session", err);
}

static const char decision_sql_ins[] =
	"INSERT INTO decision(query_id, passage_id, annotator_id, action,"
	"  undoes, note, at, ms_on_item, origin, batch, auto, role)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'human', ?9, ?10, ?11)";

/* Insert one event inside the caller's transaction; *@id gets its id. */
static enum ns_rc
decision_insert(struct db *db, int64_t annotator, const struct decision_ev *e,
		int64_t undoes, int64_t batch, const char *ts, const char *role,
		int64_t *id, struct ns_err *err)
{
	sqlite3_stmt *st = db_prep(db, decision_sql_ins, err);
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, e->query_id);
	if (e->passage_id > 0)
		sqlite3_bind_int64(st, 2, e->passage_id);
	sqlite3_bind_int64(st, 3, annotator);
	sqlite3_bind_text(st, 4, e->action, -1, SQLITE_STATIC);
	if (undoes > 0)
		sqlite3_bind_int64(st, 5, undoes);
	if (e->note)
		sqlite3_bind_text(st, 6, e->note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, ts, -1, SQLITE_TRANSIENT);
	if (e->ms_on_item >= 0)
		sqlite3_bind_int64(st, 8, e->ms_on_item);
	if (batch > 0)
		sqlite3_bind_int64(st, 9, batch);
	if (e->auto_verdict && *e->auto_verdict)
		sqlite3_bind_text(st, 10, e->auto_verdict, -1, SQLITE_STATIC);
	if (role)
		sqlite3_bind_text(st, 11, role, -1, SQLITE_STATIC);
	if ((rc = db_step_done(db, st, "recording a decision", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	return NS_OK;
}

enum ns_rc
decision_current(struct db *db, const struct decision_ev *e, int64_t annotator,
		 bool adjudicator, int64_t *dec, struct ns_err *err)
{
	static const char sql_item[] =
		"SELECT decision_id FROM item_label"
		" WHERE query_id = ?1 AND passage_id = ?2";
	static const char sql_mine[] =
		"SELECT decision_id FROM annotator_label"
		" WHERE query_id = ?1 AND passage_id = ?2 AND annotator_id = ?3";
	static const char sql_query[] =
		"SELECT decision_id FROM query_drop WHERE query_id = ?1";
	sqlite3_stmt *st = db_prep(db, e->passage_id > 0 ? sql_item
				   : sql_query, err);
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, e->query_id);
	if (e->passage_id > 0)
		sqlite3_bind_int64(st, 2, e->passage_id);
	*dec = 0;
	rc = db_step_id(db, st, dec, "reading a label", err);
	if (rc != NS_ENOTFOUND || e->passage_id <= 0 || adjudicator)
		return rc == NS_ENOTFOUND ? NS_OK : rc;
	/* no final label: what this annotator decided, if anything */
	if (!(st = db_prep(db, sql_mine, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, e->query_id);
	sqlite3_bind_int64(st, 2, e->passage_id);
	sqlite3_bind_int64(st, 3, annotator);
	rc = db_step_id(db, st, dec, "reading a label", err);
	return rc == NS_ENOTFOUND ? NS_OK : rc;
}

/* Inside the caller's transaction: may @g's session write about query
 * @qid?  Takes (or renews) its lease; *@ok false and @out filled when
 * another session holds it. */
static enum ns_rc
decision_lease(struct db *db, int64_t annotator,
	       const struct decision_guard *g, int64_t qid, bool *ok,
	       struct decision_outcome *out, struct ns_err *err)
{
	enum ns_rc rc = queue_lease_take(db, qid, annotator, g->session,
					 g->now, g->lease_secs, ok,
					 &out->holder, err);

	if (rc == NS_OK && !*ok) {
		out->refused = DECISION_LEASED;
		out->query_id = qid;
	}
	return rc;
}

enum ns_rc
decision_add(struct db *db, int64_t annotator,
	     const struct decision_guard *guard, const struct decision_ev *ev,
	     size_t n, struct decision_outcome *out, struct ns_err *err)
{
	int64_t id, batch = 0, dec, leased = 0;
	const char *role = guard && guard->adjudicator ? "adjudicator" : NULL;
	char ts[40];
	bool ok;

	if (out)
		memset(out, 0, sizeof(*out));
	if (db_begin(db, err) != NS_OK)
		return err->rc;
	/* stamped under the write lock, as decision_undo() does: a session
	 * that waited for another writer (a run being published) commits
	 * after it, and its decision's time must say so, not the time before
	 * the wait (the log's times then follow its ids) */
	now_iso8601(ts, sizeof(ts));
	for (size_t i = 0; guard && i < n; i++) {
		if (ev[i].query_id != leased) {
			if (decision_lease(db, annotator, guard,
					   ev[i].query_id, &ok, out, err))
				goto fail;
			if (!ok)
				goto refused;
			leased = ev[i].query_id;
		}
		if (ev[i].seen < 0)
			continue;
		if (decision_current(db, &ev[i], annotator,
				     guard->adjudicator, &dec, err) != NS_OK)
			goto fail;
		if (dec != ev[i].seen) {
			out->refused = DECISION_STALE;
			out->index = i;
			goto refused;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (decision_insert(db, annotator, &ev[i], 0, batch, ts, role,
				    &id, err) != NS_OK)
			goto fail;
		if (i == 0 && n > 1)
			batch = id;
		if (i == 0 && out)
			out->first_id = id;
	}
	if (db_commit(db, err) != NS_OK)
		goto fail;
	return NS_OK;
refused:
	db_rollback(db);
	return NS_OK;
fail:
	db_rollback(db);
	return err->rc ? err->rc : NS_EDB;
}

enum ns_rc
decision_undo(struct db *db, int64_t annotator,
	      const struct decision_guard *guard, struct decision_undone *out,
	      struct decision_outcome *why, struct ns_err *err)
{
	/* The newest event of this annotator still in force. */
	static const char sql_last[] =
		"SELECT coalesce(d.batch, d.id) FROM decision d"
		" WHERE d.annotator_id = ?1 AND d.action <> 'undo'"
		"   AND NOT EXISTS (SELECT 1 FROM decision u"
		"                   WHERE u.undoes = d.id)"
		" ORDER BY d.id DESC LIMIT 1";
	/* A batch's events come at and after its first (the batch id):
	 * the rowid range keeps this to the newest events, not every
	 * decision of the annotator. */
	static const char sql_batch[] =
		"SELECT d.id, d.query_id, coalesce(d.passage_id, 0), d.action"
		" FROM decision d"
		" WHERE d.id >= ?1 AND (d.id = ?1 OR d.batch = ?1)"
		"   AND d.annotator_id = ?2"
		"   AND NOT EXISTS (SELECT 1 FROM decision u"
		"                   WHERE u.undoes = d.id)"
		" ORDER BY d.id";
	struct {
		int64_t id, q, p;
	} *ev = NULL;
	size_t n = 0, cap = 0;
	struct decision_undone res;
	sqlite3_stmt *st;
	int64_t batch = 0, id, ubatch = 0;
	char ts[40];
	bool ok;
	int rc;

	if (why)
		memset(why, 0, sizeof(*why));
	memset(&res, 0, sizeof(res));
	if (db_begin(db, err) != NS_OK)
		return err->rc;
	if (!(st = db_prep(db, sql_last, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, annotator);
	rc = db_step_id(db, st, &batch, "finding the decision to undo", err);
	if (rc == NS_ENOTFOUND) {
		db_rollback(db);
		return err_set(err, NS_ENOTFOUND, "nothing to undo");
	}
	if (rc != NS_OK)
		goto fail;
	if (!(st = db_prep(db, sql_batch, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, annotator);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ev = xrealloc(ev, cap * sizeof(*ev));
		}
		ev[n].id = sqlite3_column_int64(st, 0);
		ev[n].q = sqlite3_column_int64(st, 1);
		ev[n].p = sqlite3_column_int64(st, 2);
		if (n == 0) {
			res.query_id = ev[n].q;
			res.passage_id = ev[n].p;
			snprintf(res.action, sizeof(res.action), "%s",
				 (const char *)sqlite3_column_text(st, 3));
		}
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, err, "reading the decisions to undo");
		goto fail;
	}
	if (guard && n > 0) {
		if (decision_lease(db, annotator, guard, res.query_id, &ok,
				   why, err) != NS_OK)
			goto fail;
		if (!ok) {
			db_rollback(db);
			free(ev);
			return NS_OK;
		}
	}
	now_iso8601(ts, sizeof(ts));
	for (size_t i = 0; i < n; i++) {
		struct decision_ev u = { ev[i].q, ev[i].p, "undo", NULL, -1,
					 -1, NULL };

		if (decision_insert(db, annotator, &u, ev[i].id, ubatch, ts,
				    NULL, &id, err) != NS_OK)
			goto fail;
		if (i == 0 && n > 1)
			ubatch = id;
	}
	if (db_commit(db, err) != NS_OK)
		goto fail;
	free(ev);
	res.count = n;
	*out = res;
	return NS_OK;
fail:
	db_rollback(db);
	free(ev);
	return err->rc ? err->rc : NS_EDB;
}

enum ns_rc
decision_undo_peek(struct db *db, int64_t annotator, int64_t *qid,
		   int64_t *pid, struct ns_err *err)
{
	/* the event's passage when it is alone in its batch */
	static const char sql[] =
		"SELECT d.query_id,"
		"  CASE WHEN d.batch IS NULL THEN coalesce(d.passage_id, 0)"
		"   ELSE 0 END"
		" FROM decision d"
		" WHERE d.annotator_id = ?1 AND d.action <> 'undo'"
		"   AND NOT EXISTS (SELECT 1 FROM decision u"
		"                   WHERE u.undoes = d.id)"
		" ORDER BY d.id DESC LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, annotator);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*qid = sqlite3_column_int64(st, 0);
		*pid = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return err_set(err, NS_ENOTFOUND, "nothing to undo");
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "finding the decision to undo");
	return NS_OK;
}
