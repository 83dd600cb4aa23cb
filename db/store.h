/*
 * store.h - the SQL of importing: sources, passages (deduplicated by
 * content), queries, judgments, runs and candidates, and the FTS update.
 *
 * All functions work inside the caller's transaction (store_begin()); none
 * commits.  Lookups go through prepared statements and indexes only, so the
 * cost of a record does not grow with the project.
 */
#ifndef NS_STORE_H
#define NS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"

/* What storing an entity with an external id found. */
enum store_hit {
	STORE_NEW,	/* a new row (a passage may share another's text) */
	STORE_SAME,	/* the id was known with the same text */
	STORE_FILLED,	/* the id was known without text; text filled in */
	STORE_CONFLICT,	/* the id was known with a different text */
};

struct store_hmap;
struct store_pend;

/* An import session: the connection, the source being written, and what
 * it added. */
struct store {
	struct db *db;		/* borrowed */
	int64_t source;		/* source.id of the current input */
	bool fts;		/* keep the FTS indexes up to date */
	int64_t pmax0, qmax0;	/* max passage/query id before the import */
	int64_t next_pid;	/* id of the next passage inserted */
	int64_t conflict_source; /* STORE_CONFLICT: source of the known row */
	/* The project had no passage text before the import: content look-ups
	 * go to @hmap (the hashes of the passages given text in this session)
	 * instead of the passage_hash index.  Indexes the import does not
	 * read (passage_hash then, passage_xid_passage while there are no
	 * passages) are dropped for the import and rebuilt by
	 * store_load_done() from their SQL in @deferred (NULL-terminated). */
	struct store_hmap *hmap;
	char *deferred[3];
	/* New passage rows not yet written: ids next_pid - npend ..
	 * next_pid - 1, written STORE_BATCH to a statement (see
	 * store_passage_ins()).  npend lives here so that restoring the
	 * struct at a savepoint restores it too. */
	struct store_pend *pend;
	size_t npend;
	/* The project had no passage ids before the import: @xset holds the
	 * xxh3 of every id claimed in this session, and an id not in it is
	 * new for sure, so its passage_xid row waits in st->pend too
	 * (nxpend of them) instead of being probed for one by one. */
	struct store_hmap *xset;
	size_t nxpend;
	/* counts of rows added by the session */
	int64_t passages, passage_ids, queries, qrels, qrels_dup, candidates,
		candidates_dup, filled;
};

/*
 * Begin the import transaction (BEGIN IMMEDIATE) on @db and set up @st.
 * Also enlarges the page cache for the bulk load.  Every store_begin() is
 * ended by store_commit() or store_abort(), which free what it allocated.
 */
/* The path of source @id as recorded (caller frees), or NULL when there is
 * no such source or it cannot be read. */
char *store_source_path(struct db *db, int64_t id);

enum ns_rc store_begin(struct store *st, struct db *db, bool fts,
		       struct ns_err *err);

/* Add a source row for input @path in @format; becomes st->source. */
enum ns_rc store_source(struct store *st, const char *path,
			const char *format, struct ns_err *err);

/* Record the record and skip counts of the current source. */
enum ns_rc store_source_done(struct store *st, int64_t records,
			     int64_t skipped, struct ns_err *err);

/*
 * Store a passage with external id @xid (may be NULL: deduplicated by
 * content only) and @title/@text (@text NULL = known by id only; then
 * @title is ignored).  Sets *@pid and *@hit.  On STORE_CONFLICT nothing is
 * written, *@pid is the known passage and st->conflict_source its source.
 */
enum ns_rc store_passage(struct store *st, const char *xid,
			 const char *title, size_t tlen, const char *text,
			 size_t len, int64_t *pid, enum store_hit *hit,
			 struct ns_err *err);

/*
 * Store a query with external id @xid (required) and @text (NULL = known
 * by id only), @prompt and @type (may be NULL).  Like store_passage().
 */
enum ns_rc store_query(struct store *st, const char *xid, const char *text,
		       size_t len, const char *prompt, const char *type,
		       int64_t *qid, enum store_hit *hit, struct ns_err *err);

/* The id of the passage / query with external id @xid, or 0 if none (or
 * if writing the waiting passage rows fails; the next write reports it). */
int64_t store_passage_find(struct store *st, const char *xid);
int64_t store_query_find(struct store *st, const char *xid);

/*
 * Store a judgment.  A pair judged before keeps the higher grade (and the
 * teacher score if it had none); that counts in st->qrels_dup and sets
 * *@dup (may be NULL).
 */
enum ns_rc store_qrel(struct store *st, int64_t qid, int64_t pid, long grade,
		      const double *score, bool *dup, struct ns_err *err);

/* Add a run of candidates (@method: import, trec) to the current source;
 * *@run is its id. */
enum ns_rc store_run(struct store *st, const char *method,
		     const char *params, int64_t *run, struct ns_err *err);

/* Add a candidate; a pair already in @run is left as it was and sets *@dup
 * (counted in st->candidates_dup).  @rank 0 = unknown, @score NULL = none. */
enum ns_rc store_candidate(struct store *st, int64_t run, int64_t qid,
			   int64_t pid, long rank, const double *score,
			   bool *dup, struct ns_err *err);

/*
 * TREC runs: rows are staged with store_trec_row() and become candidates of
 * @run in store_trec_finish(), ranked by score (descending; ties by docid
 * descending, as trec_eval orders them).  A (query, docid) pair staged
 * twice sets *@first_line to the line of the first one (else 0).
 */
enum ns_rc store_trec_start(struct store *st, struct ns_err *err);
enum ns_rc store_trec_row(struct store *st, int64_t qid, int64_t pid,
			  const char *docid, double score, long line,
			  long *first_line, struct ns_err *err);
enum ns_rc store_trec_finish(struct store *st, int64_t run,
			     struct ns_err *err);

/* Savepoints around one record (for --skip-bad). */
enum ns_rc store_savepoint(struct store *st, struct ns_err *err);
enum ns_rc store_release(struct store *st, struct ns_err *err);
void store_rollback_to(struct store *st);

/* Finish the bulk load: rebuild the indexes store_begin() set aside.
 * Call once, after the last record. */
enum ns_rc store_load_done(struct store *st, struct ns_err *err);

/* Index the passages and queries added by the session in the FTS tables. */
enum ns_rc store_fts(struct store *st, struct ns_err *err);

/* Commit (or roll back) the import transaction. */
enum ns_rc store_commit(struct store *st, struct ns_err *err);
void store_abort(struct store *st);

#endif
