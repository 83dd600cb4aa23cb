/*
 * db.h - the project database: opening, schema migrations, transactions
 * and the adapter from SQLite errors to ours.
 *
 * A project is a directory holding negsieve.db (SQLite, WAL) and the files
 * that do not belong in SQL (vector files, faiss indexes).  All SQL of the
 * program lives under db/; statements are prepared once per connection
 * through db_prep().
 */
#ifndef NS_DB_H
#define NS_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "err.h"

#define DB_FILENAME "negsieve.db"

struct db;

enum db_open_mode {
	DB_OPEN_EXISTING,	/* the project must exist */
	DB_OPEN_CREATE,		/* create the project; it must not exist */
	DB_OPEN_READONLY,	/* existing project, read-only connection: no
				 * migration (an older schema is NS_EVERSION),
				 * nothing written (mining shards) */
};

/*
 * Open the project at directory @dir.  DB_OPEN_CREATE makes the directory
 * (group-writable, not world-writable) and a fresh schema; DB_OPEN_EXISTING
 * migrates an older schema forward and refuses one newer than this binary.
 * On success *@out owns the connection (free with db_close()); on failure
 * *@out is untouched and @err says why.
 */
enum ns_rc db_open(const char *dir, enum db_open_mode mode, struct db **out,
		   struct ns_err *err);

/* Close and free; NULL is a no-op. */
void db_close(struct db *db);

/* The raw handle, for modules under db/ only. */
sqlite3 *db_handle(struct db *db);

/* Directory of the project (owned by @db). */
const char *db_dir(struct db *db);

/* Schema version this binary writes. */
int db_schema_version(void);

/*
 * Return a prepared statement for @sql, compiled once per connection and
 * cached by the address of @sql (so pass a string literal or a static).
 * The statement comes back reset with bindings cleared.  NULL on error.
 */
sqlite3_stmt *db_prep(struct db *db, const char *sql, struct ns_err *err);

/* Turn the connection's last SQLite error into @err; returns NS_EDB. */
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

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
enum ns_rc db_begin(struct db *db, struct ns_err *err);
enum ns_rc db_commit(struct db *db, struct ns_err *err);
void db_rollback(struct db *db);

/* Run SQL without results (no user data may be in @sql). */
enum ns_rc db_exec(struct db *db, const char *sql, struct ns_err *err);

/* meta table: a string value or NULL (caller frees). */
char *db_meta_get(struct db *db, const char *key);
enum ns_rc db_meta_set(struct db *db, const char *key, const char *value,
		       struct ns_err *err);

/* One integer from a statement without parameters, or -1 on error. */
int64_t db_scalar(struct db *db, const char *sql);

#endif
