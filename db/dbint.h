/*
 * dbint.h - for db/ only: the SQLite handle, the statement cache and the
 * helpers that step statements.  Code outside db/ includes db/db.h and the
 * db/ module headers; the guard below makes a stray include fail to build.
 */
#ifndef NS_DBINT_H
#define NS_DBINT_H

#ifndef NS_DB_INTERNAL
#error "db/dbint.h is internal to db/ (and the tests): use db/db.h"
#endif

#include <sqlite3.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"

/*
 * The items each annotator labelled, one row (query_id, passage_id,
 * annotator_id, label, final) per item and annotator: the item's current
 * label when it is theirs (final 1: their label alone, the agreement
 * they completed, their adjudication, their drop of its query or of its
 * passage elsewhere), else their own latest label of it (final 0: an
 * overlap item waiting for the others, or one relabelled since).  So an
 * item several annotators labelled counts for each of them, and one
 * waiting for the others already counts for who labelled it.  What
 * `stats` (stats_labels()) and `queue list` (queue_count()) count per
 * annotator; the one place that says it.
 */
#define DB_LABELLED_BY \
	"SELECT query_id, passage_id, annotator_id, label, max(final) AS final" \
	" FROM (SELECT query_id, passage_id, annotator_id, label, 1 AS final" \
	"   FROM item_label" \
	"  UNION ALL SELECT query_id, passage_id, annotator_id, label, 0" \
	"   FROM annotator_label)" \
	" GROUP BY query_id, passage_id, annotator_id"

/* The items of DB_LABELLED_BY, each once (query_id, passage_id, final):
 * every item someone labelled, final 1 when it has a label in force
 * (item_label), 0 when only annotators' own labels (an overlap item
 * waiting for the others).  WHERE is "" or a condition on query_id
 * ("WHERE query_id = ?2"), written into each view's part because SQLite
 * does not push it through the grouping into item_label. */
#define DB_LABELLED_ITEMS(WHERE) \
	"SELECT query_id, passage_id, max(final) AS final" \
	" FROM (SELECT query_id, passage_id, 1 AS final FROM item_label " \
	WHERE " UNION ALL SELECT query_id, passage_id, 0" \
	"  FROM annotator_label " WHERE ")" \
	" GROUP BY query_id, passage_id"

/* The raw handle, for modules under db/ only. */
sqlite3 *db_handle(struct db *db);

/*
 * Return a prepared statement for @sql, compiled once per connection and
 * cached by the address of @sql (so pass a string literal or a static).
 * The statement comes back reset with bindings cleared.  NULL on error.
 */
sqlite3_stmt *db_prep(struct db *db, const char *sql, struct ns_err *err);

/* Turn the connection's last SQLite error into @err; returns NS_EIO for
 * a full disk, an I/O error or a file that cannot be opened or written,
 * NS_EDB for the rest. */
enum ns_rc db_fail(struct db *db, struct ns_err *err, const char *what);

/*
 * Step @st (from db_prep(), parameters bound) once for a statement that
 * returns no rows, then reset it.  NS_OK on SQLITE_DONE; otherwise
 * db_fail(@db, @err, @what).  Inline: bulk inserts call it per row.
 */
static inline enum ns_rc
db_step_done(struct db *db, sqlite3_stmt *st, const char *what,
	     struct ns_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, what);
	return NS_OK;
}

/*
 * Step @st (from db_prep(), parameters bound) once and reset it.  A row:
 * *@id = its first column as an integer, NS_OK.  No row: NS_ENOTFOUND with
 * *@id and @err untouched (the caller words "not found").  An SQLite
 * error: db_fail(@db, @err, @what).
 */
enum ns_rc db_step_id(struct db *db, sqlite3_stmt *st, int64_t *id,
		      const char *what, struct ns_err *err);

/*
 * As db_step_id() for a statement that always returns a row (an aggregate,
 * a row known to exist): no row is db_fail(@db, @err, @what) as well.
 */
enum ns_rc db_step_int(struct db *db, sqlite3_stmt *st, int64_t *v,
		       const char *what, struct ns_err *err);

/*
 * Look up an integer id by a text key: prepare @sql (one parameter, ?1;
 * cached as with db_prep()), bind @key and go on as db_step_id().  NS_EDB
 * if the statement cannot be prepared.  @err may be NULL.
 */
enum ns_rc db_lookup_id(struct db *db, const char *sql, const char *key,
			int64_t *id, const char *what, struct ns_err *err);

/* Run SQL without results (no user data may be in @sql). */
enum ns_rc db_exec(struct db *db, const char *sql, struct ns_err *err);

/* One integer from a statement without parameters, or -1 on error. */
int64_t db_scalar(struct db *db, const char *sql);

/*
 * Register the SQL functions over run pools (db/mining.c) on @h:
 * ns_pool_rank(data, passage_id) is the rank of the passage among a
 * run_pool row's candidates, ns_pool_score() its score and ns_pool_dup()
 * its similarity to the nearest positive (NULL unknown); all NULL when it
 * is not one of them.  Returns an SQLite result code.
 */
int db_mine_sql_functions(sqlite3 *h);

#endif
