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
	bool fts_rebuilt;	/* store_fts() rebuilt them: they were stale */
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
	/* (query, passage id) pairs judged in this session, and (run,
	 * query, passage id) candidates: hashes, to tell a repeated
	 * judgment from two ids that share one text */
	struct store_hmap *seen;
	/* counts of rows added by the session */
	int64_t passages, passage_ids, queries, qrels, qrels_dup, candidates,
		candidates_dup;
	/* ids known by id only (from a TREC run, a qrels file) that this
	 * session gave their text: neither counts as a new passage or
	 * query, so the report needs them apart */
	int64_t filled_passages, filled_queries;
	/* passages (title and text) and queries added or filled in with a
	 * text that is empty or only blanks: imported as they are (a BEIR
	 * corpus may have them), but counted, as a bge negative "" would
	 * otherwise become a training negative without a word */
	int64_t passages_blank, queries_blank;
	int64_t qrels_shared;	/* judgment merged: two ids, one text */
	int64_t qrels_known;	/* pair judged by another input before */
	int64_t qrels_demoted;	/* graded below the positive grade */
	int64_t qrels_merged_pos; /* judgments merged with a positive grade
				   * (a known pair may have become one) */
	int64_t candidates_shared; /* candidate merged: two ids, one text */
	/* rows without a query id (bge, rank_llm) whose query text an
	 * earlier row of the same input had: one query, the rows merged
	 * (counted by the importer, which knows the id was derived:
	 * store_query_again()) */
	int64_t queries_repeated;
	int64_t inputs_skipped;	/* inputs found imported before */
	/* the first example of each, for the report */
	char shared_example[200], known_example[400], cand_example[200];
	char repeated_example[100];
};

/* One judgment to store. */
struct store_judgment {
	int64_t qid, pid;
	long grade;		/* as the input gives it */
	long positive_grade;	/* grades 1..positive_grade-1 are stored as
				 * 0 (judged non-relevant), the input's grade
				 * in qrel.file_grade; <= 1: none */
	const double *score;	/* teacher score, or NULL */
	const char *qxid, *pxid;/* external ids, for the report (or NULL) */
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

/* Add a source row for input @path in @format whose first bytes hash to
 * @head (may be NULL); becomes st->source. */
enum ns_rc store_source(struct store *st, const char *path,
			const char *format, const char *head,
			struct ns_err *err);

/* Is there a source (this session's too) whose head hash is @head? */
bool store_source_head_seen(struct store *st, const char *head);

/* Record the record and skip counts and the content hash (NULL: none)
 * of the current source. */
enum ns_rc store_source_done(struct store *st, int64_t records,
			     int64_t skipped, const char *hash,
			     struct ns_err *err);

/*
 * An earlier source (not the current one) with content hash @hash, all
 * of whose records came in (none skipped): *@id (0 when there is none),
 * and its *@path and *@created_at (caller frees both; NULL when there is
 * none).
 */
enum ns_rc store_source_same(struct store *st, const char *hash,
			     int64_t *id, char **path, char **created_at,
			     struct ns_err *err);

/*
 * One input is a savepoint, so that an input found to be imported before
 * can be taken back whole: store_input_begin() before its source,
 * store_input_end() after it, keeping it or not (then @st is as it was
 * at store_input_begin()).  Nests around store_savepoint().
 */
enum ns_rc store_input_begin(struct store *st, struct ns_err *err);
enum ns_rc store_input_end(struct store *st, bool keep);

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

/* Whether query @qid was seen before in this input (st->source) by this
 * call; marks it seen. */
bool store_query_again(struct store *st, int64_t qid);

/* The id of the passage / query with external id @xid, or 0 if none (or
 * if writing the waiting passage rows fails; the next write reports it). */
int64_t store_passage_find(struct store *st, const char *xid);
int64_t store_query_find(struct store *st, const char *xid);

/*
 * Store judgment @j.  A pair judged before keeps the higher grade (and
 * the teacher score if it had none) and sets *@dup (may be NULL); it
 * counts in st->qrels_dup (the same query and passage id again in this
 * input), st->qrels_shared (another id with the same text) or
 * st->qrels_known (judged by an earlier input).
 */
enum ns_rc store_qrel(struct store *st, const struct store_judgment *j,
		      bool *dup, struct ns_err *err);

/* Add a run of candidates (@method: import, trec) to the current source;
 * *@run is its id. */
enum ns_rc store_run(struct store *st, const char *method,
		     const char *params, int64_t *run, struct ns_err *err);

/* Add a candidate; a pair already in @run is left as it was and sets *@dup
 * (counted in st->candidates_dup, or st->candidates_shared when its
 * passage id @pxid (may be NULL) differs: two ids, one text; @qxid names
 * the query in that message).  @rank 0 = unknown, @score NULL = none. */
enum ns_rc store_candidate(struct store *st, int64_t run, int64_t qid,
			   int64_t pid, long rank, const double *score,
			   const char *qxid, const char *pxid, bool *dup,
			   struct ns_err *err);

/*
 * TREC runs: rows are staged with store_trec_row() and become candidates of
 * @run in store_trec_finish(), ranked by score (descending; ties by docid
 * descending, as trec_eval orders them).  A (query, docid) pair staged
 * twice sets *@first_line to the line of the first one (else 0); two
 * docids with one text are one candidate with the higher score (counted
 * in st->candidates_shared).  @qxid names the query in that message.
 */
enum ns_rc store_trec_start(struct store *st, struct ns_err *err);
enum ns_rc store_trec_row(struct store *st, int64_t qid, int64_t pid,
			  const char *qxid, const char *docid, double score,
			  long line, long *first_line, struct ns_err *err);
enum ns_rc store_trec_finish(struct store *st, int64_t run,
			     struct ns_err *err);

/* Savepoints around one record (for --skip-bad). */
enum ns_rc store_savepoint(struct store *st, struct ns_err *err);
enum ns_rc store_release(struct store *st, struct ns_err *err);
void store_rollback_to(struct store *st);

/* Finish the bulk load: rebuild the indexes store_begin() set aside.
 * Call once, after the last record. */
enum ns_rc store_load_done(struct store *st, struct ns_err *err);

/*
 * Index the passages and queries added by the session in the FTS tables;
 * when an earlier import left them stale, index every row instead (and
 * set st->fts_rebuilt).  A session without st->fts that added text marks
 * the indexes stale (meta fts_stale = 1) instead.
 */
enum ns_rc store_fts(struct store *st, struct ns_err *err);

/* Are the FTS indexes stale: did an import with import.fts false add text
 * to the project that they do not hold? */
bool store_fts_stale(struct db *db);

/*
 * Bring stale FTS indexes up to date: both built again from the passage
 * and query tables in one transaction of their own (the project is as it
 * was when it fails).  *@rebuilt says whether it did (not when they were
 * up to date, or another process rebuilt them meanwhile), *@passages and
 * *@queries how many rows they now hold.
 */
enum ns_rc store_fts_refresh(struct db *db, bool *rebuilt, int64_t *passages,
			     int64_t *queries, struct ns_err *err);

/* Commit (or roll back) the import transaction. */
enum ns_rc store_commit(struct store *st, struct ns_err *err);
void store_abort(struct store *st);

#endif
