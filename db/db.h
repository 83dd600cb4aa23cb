/*
 * db.h - the project database: opening, schema migrations, transactions
 * and the adapter from SQLite errors to ours.
 *
 * A project is a directory holding negsieve.db (SQLite, WAL) and the files
 * that do not belong in SQL (vector files, faiss indexes).  All SQL of the
 * program lives under db/: code outside db/ sees only this header and the
 * db/ modules' own, never <sqlite3.h> (db/dbint.h is for db/ only).
 */
#ifndef NS_DB_H
#define NS_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "src/err.h"

#define DB_FILENAME "negsieve.db"

struct db;

enum db_open_mode {
	DB_OPEN_EXISTING,	/* the project must exist */
	DB_OPEN_CREATE,		/* create the project; it must not exist */
	DB_OPEN_READONLY,	/* existing project, read-only connection: no
				 * migration (an older schema is NS_EVERSION),
				 * nothing written (mining shards) */
	DB_OPEN_READ,		/* for reading: DB_OPEN_EXISTING when the user
				 * can write the project, else
				 * DB_OPEN_READONLY */
};

/*
 * Open the project at directory @dir.  DB_OPEN_CREATE makes the directory
 * (its mode by the project's rule, src/perm.h) and a fresh schema, as
 * db_create() without meta; DB_OPEN_EXISTING migrates an older schema
 * forward and refuses one newer than this binary.  A read-only open of a
 * project whose directory cannot be written (no -shm file can be made)
 * reads the database as immutable when no write-ahead log is pending.
 * On success *@out owns the connection (free with db_close()); on failure
 * *@out is untouched and @err says why.
 */
enum ns_rc db_open(const char *dir, enum db_open_mode mode, struct db **out,
		   struct ns_err *err);

/*
 * Create the project at @dir atomically: the database is built under a
 * temporary name in @dir, with the schema and the @meta pairs (key,
 * value, ..., NULL; may be NULL), and renamed to negsieve.db only when
 * complete, so a failure (a full disk) leaves no project behind (and no
 * directory, if it made it).  Then opened as DB_OPEN_EXISTING.  The
 * directory's mode is the project's permission rule (src/perm.h): the
 * umask's, less write for others, or with @group (NULL: none) given to
 * that group, setgid and group-writable.
 */
enum ns_rc db_create(const char *dir, const char *const *meta,
		     const char *group, struct db **out, struct ns_err *err);

/* Was @db opened read-only? */
int db_readonly(struct db *db);

/* Close and free; NULL is a no-op. */
void db_close(struct db *db);

/* Directory of the project (owned by @db). */
const char *db_dir(struct db *db);

/* Schema version this binary writes. */
int db_schema_version(void);

/*
 * Until called again with @pending NULL, a statement of @db stops (its
 * caller fails with NS_EDB) as soon as @pending(@arg) returns true,
 * checked every few thousand steps of SQLite's machine: for work that a
 * keypress should not wait for (the review's queue counts).
 */
void db_interruptible(struct db *db, bool (*pending)(void *), void *arg);

/* Whether @pending stopped a statement since db_interruptible() set it. */
bool db_interrupted(struct db *db);

/*
 * While a statement of @db waits for another connection's write lock,
 * call @wait(@arg, seconds waited so far) about every 100 ms once it has
 * waited 0.3 s: true waits on, false gives up (the statement fails with
 * "busy", saying the wait was given up).  With a @wait set the wait has
 * no limit of its own; without (NULL, the default) a statement gives up
 * after 30 s (NEGSIEVE_BUSY_TIMEOUT).  @wait must not use @db: it runs inside SQLite's
 * call.
 */
void db_on_wait(struct db *db, bool (*wait)(void *, double), void *arg);

/* PRAGMA data_version: changes whenever another connection commits to
 * the database; -1 on error. */
int64_t db_data_version(struct db *db);

/* Start time of process @pid (clock ticks after boot, from /proc), or
 * -1 when unknown: with the pid it names a process for ns_alive(). */
long long db_process_start(long pid);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
enum ns_rc db_begin(struct db *db, struct ns_err *err);
enum ns_rc db_commit(struct db *db, struct ns_err *err);
void db_rollback(struct db *db);

/* A read transaction (BEGIN, no lock taken): the reads until
 * db_read_end() see one state of the project, whatever others commit. */
enum ns_rc db_read_begin(struct db *db, struct ns_err *err);
void db_read_end(struct db *db);

/* meta table: a string value or NULL (caller frees). */
char *db_meta_get(struct db *db, const char *key);
enum ns_rc db_meta_set(struct db *db, const char *key, const char *value,
		       struct ns_err *err);

#endif
