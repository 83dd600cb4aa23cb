/*
 * simulate.c (db) - the ids `negsieve simulate` joins on (see
 * db/simulate.h).
 */
#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/simulate.h"

enum ns_rc
simulate_db_ids(struct db *db, simulate_db_id_fn *fn, void *ctx,
		struct ns_err *err)
{
	static const char sql[] =
		"SELECT k.query_id, k.passage_id, q.xid, x.xid,"
		"  EXISTS (SELECT 1 FROM qrel r WHERE r.query_id = k.query_id"
		"    AND r.passage_id = k.passage_id AND r.grade <= 0)"
		" FROM (SELECT DISTINCT query_id, passage_id FROM candidate"
		"   WHERE filter IS NULL) k"
		" JOIN query q ON q.id = k.query_id"
		" LEFT JOIN passage_xid x ON x.passage_id = k.passage_id"
		" ORDER BY k.query_id, k.passage_id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	enum ns_rc rc = NS_OK;
	int step;

	if (!st)
		return NS_EDB;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = fn(ctx, sqlite3_column_int64(st, 0),
			sqlite3_column_int64(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			sqlite3_column_int(st, 4) != 0, err);
		if (rc != NS_OK)
			break;
	}
	sqlite3_reset(st);
	if (rc == NS_OK && step != SQLITE_DONE)
		return db_fail(db, err, "reading the candidates' ids");
	return rc;
}

enum ns_rc
simulate_db_qrels(struct db *db, simulate_db_qrel_fn *fn, void *ctx,
		  struct ns_err *err)
{
	static const char sql[] =
		"SELECT q.xid, x.xid FROM qrel r"
		" JOIN query q ON q.id = r.query_id"
		" JOIN passage_xid x ON x.passage_id = r.passage_id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	enum ns_rc rc = NS_OK;
	int step;

	if (!st)
		return NS_EDB;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1), err);
		if (rc != NS_OK)
			break;
	}
	sqlite3_reset(st);
	if (rc == NS_OK && step != SQLITE_DONE)
		return db_fail(db, err, "reading the project's judgments");
	return rc;
}
