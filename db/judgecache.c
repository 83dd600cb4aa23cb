/*
 * judgecache.c - SQL of the judge's answer cache (see judgecache.h).
 */
#include <stdlib.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/judgecache.h"
#include "src/util.h"

enum ns_rc
judgecache_get(struct db *db, const unsigned char key[16], char **answer,
	       int64_t *prompt_tokens, int64_t *completion_tokens,
	       struct ns_err *err)
{
	static const char sql[] =
		"SELECT answer, prompt_tokens, completion_tokens"
		" FROM judge_cache WHERE key = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	enum ns_rc rc = NS_ENOTFOUND;
	int r;

	if (!st)
		return NS_EDB;
	sqlite3_bind_blob(st, 1, key, 16, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*answer = xstrdup((const char *)sqlite3_column_text(st, 0));
		*prompt_tokens = sqlite3_column_type(st, 1) == SQLITE_NULL ?
				 -1 : sqlite3_column_int64(st, 1);
		*completion_tokens = sqlite3_column_type(st, 2) ==
				     SQLITE_NULL ? -1 :
				     sqlite3_column_int64(st, 2);
		rc = NS_OK;
	} else if (r != SQLITE_DONE) {
		rc = db_fail(db, err, "reading the judge cache");
	}
	sqlite3_reset(st);
	return rc;
}

enum ns_rc
judgecache_put(struct db *db, const unsigned char key[16], const char *model,
	       const char *answer, int64_t prompt_tokens,
	       int64_t completion_tokens, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO judge_cache(key, model, answer,"
		" prompt_tokens, completion_tokens, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char at[32];

	if (!st)
		return NS_EDB;
	sqlite3_bind_blob(st, 1, key, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, answer, -1, SQLITE_STATIC);
	if (prompt_tokens >= 0)
		sqlite3_bind_int64(st, 4, prompt_tokens);
	if (completion_tokens >= 0)
		sqlite3_bind_int64(st, 5, completion_tokens);
	sqlite3_bind_text(st, 6, now_iso8601(at, sizeof(at)), -1,
			  SQLITE_TRANSIENT);
	return db_step_done(db, st, "writing the judge cache", err);
}
