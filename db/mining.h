/*
 * mining.h - the SQL of mining: runs, candidates, positives, the
 * texts that filters compare, FTS5 BM25 search, and shard files.
 *
 * A candidate's filter column holds the name of the filter that fired
 * (filter.h), NULL when it is a kept negative; flag holds
 * 'near_duplicate' for a candidate too similar to a positive.
 */
#ifndef NS_DB_MINING_H
#define NS_DB_MINING_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"
#include "src/filter.h"
#include "src/label.h"

/* Create a finished run (method "dense" or "bm25", @params JSON); *@run_id.
 * Mining creates its runs with db_mine_run_begin() instead. */
enum ns_rc db_mine_run_new(struct db *db, const char *method,
			   const char *params, int64_t *run_id,
			   struct ns_err *err);

/* The method and params JSON of run @run_id (caller frees both); NS_ENOTFOUND
 * names the run when it does not exist or was not made by mining. */
enum ns_rc db_mine_run_get(struct db *db, int64_t run_id, char **method,
			   char **params, struct ns_err *err);

/* Id of the newest finished mining run, or 0 when there is none. */
int64_t db_mine_run_last(struct db *db);

/*
 * The queries of the project mining run @run (0: every finished mining
 * run) does not hold: those imported after it was mined (ids only grow,
 * so they are above the highest id it mined: cv->upto, 0 when there is
 * no such run), and those a dense run could not search for lack of a
 * vector (below it, but with no row in its pool, which has one for each
 * query searched).  One definition (db/mining.c) for export, stats and
 * mine --refilter.  db_mine_cover_open() reads the runs (a few index
 * look-ups each), db_mine_cover_out() says whether query @qid is one of
 * those (*@out; never when cv->upto is 0).
 */
struct db_mine_cover {
	int64_t upto;		/* the highest query id a run mined */
	int64_t nopool_upto;	/* ... of the runs without a pool (mined
				 * before pools: every query up to it) */
	char *pooled;		/* JSON array of the runs with a pool */
};
enum ns_rc db_mine_cover_open(struct db *db, int64_t run,
			      struct db_mine_cover *cv, struct ns_err *err);
enum ns_rc db_mine_cover_out(struct db *db, const struct db_mine_cover *cv,
			     int64_t qid, bool *out, struct ns_err *err);
void db_mine_cover_fini(struct db_mine_cover *cv);

/* How many queries of the project @run does not hold (*@n, as
 * db_mine_cover_out() says) that have a text, and *@upto as cv->upto;
 * the queries without a text (none, or a blank one: text_blank()),
 * which no mine can search and export leaves out "without text", are
 * counted apart in *@notext (may be NULL), whatever the run: a mine
 * would not take them either. */
enum ns_rc db_mine_not_in_run(struct db *db, int64_t run, int64_t *upto,
			      int64_t *n, int64_t *notext,
			      struct ns_err *err);

/*
 * Start, or take up again, a mining run (state 'mining': invisible to
 * every reader until db_mine_run_finish()).  @key identifies the search
 * (method, index, vectors, depth, precision: what the pooled candidates
 * depend on) and @owner the process ("host:pid").  An unfinished run with
 * the same key whose owner is gone is resumed (*@resumed true); other
 * unfinished runs whose owners are gone are removed (their ids counted in
 * *@replaced).  An unfinished run whose owner still runs on this host is
 * NS_EDB (the project is busy) naming it: two `mine` at once would undo
 * each other's work.  Runs in its own transaction: call outside one.
 */
/* NS_EDB naming the run when another live process is mining one (as
 * db_mine_run_begin() would refuse): checked before a mine's search, so
 * that the refusal comes first. */
enum ns_rc db_mine_busy(struct db *db, struct ns_err *err);

enum ns_rc db_mine_run_begin(struct db *db, const char *method,
			     const char *params, const char *key,
			     const char *owner, int64_t *run_id, bool *resumed,
			     int64_t *replaced, struct ns_err *err);

/* Remove unfinished run @run_id and everything stored for it, in a
 * transaction of its own (after a failure: errors are ignored). */
void db_mine_run_abandon(struct db *db, int64_t run_id);

/* Mark run @run_id done with @params (inside the transaction that stored
 * its kept candidates). */
enum ns_rc db_mine_run_finish(struct db *db, int64_t run_id,
			      const char *params, struct ns_err *err);

/* The owner string of this process: "HOST:PID", into @buf. */
char *db_mine_owner(char *buf, size_t size);

/*
 * The pool of a run: per query, the candidates as retrieved (rank order,
 * with their scores, positive and same-text marks, near-duplicate
 * similarity and flag, and the filter that fired) and the positives'
 * scores (NAN: no vector), in one row of run_pool (replacing the query's
 * row, if any).  Call inside a transaction.
 */
enum ns_rc db_mine_pool_store(struct db *db, int64_t run_id,
			      int64_t query_id, const struct filter_cand *c,
			      size_t n, const int64_t *pos,
			      const double *pos_score, size_t npos,
			      struct ns_err *err);

/* The pool of one query packed as stored (caller frees), and back; the
 * decoded arrays are allocated in one block at *@c (caller frees *@c
 * only).  Decoding a damaged blob returns false. */
void *db_mine_pool_pack(const struct filter_cand *c, size_t n,
			const int64_t *pos, const double *pos_score,
			size_t npos, size_t *len);
bool db_mine_pool_unpack(const void *data, size_t len,
			 struct filter_cand **c, size_t *n, int64_t **pos,
			 double **pos_score, size_t *npos);

/* Read the pool of run @run_id back, by ascending query id. */
typedef enum ns_rc (*db_mine_pool_fn)(void *arg, int64_t query_id,
				      struct filter_cand *c, size_t n,
				      const int64_t *pos,
				      const double *pos_score, size_t npos,
				      struct ns_err *err);
enum ns_rc db_mine_pool_each(struct db *db, int64_t run_id,
			     db_mine_pool_fn fn, void *arg,
			     struct ns_err *err);

/*
 * Record in run @run_id's params the number of candidates its pool holds
 * ("pooled": what the search retrieved, before the filters), so that
 * `stats` counts them without reading the pool; nothing for a run
 * without a pool.  Done when a run is finished (db_mine_run_finish()),
 * merged from shards, or refiltered.  Call inside a transaction.
 */
enum ns_rc db_mine_run_pooled(struct db *db, int64_t run_id,
			      struct ns_err *err);

/* Queries pooled in run @run_id (0: none, e.g. a run mined before pools). */
int64_t db_mine_pool_count(struct db *db, int64_t run_id);

/* Ids of the queries pooled in run @run_id, ascending (caller frees). */
enum ns_rc db_mine_pool_queries(struct db *db, int64_t run_id,
				int64_t **ids, int64_t *n, struct ns_err *err);

/* Store the kept candidates (reason FILTER_KEPT) of one query of run
 * @run_id and its positives' scores; the others stay only in the pool. */
enum ns_rc db_mine_kept_store(struct db *db, int64_t run_id, int64_t query_id,
			      const struct filter_cand *c, size_t n,
			      const int64_t *pos, const double *pos_score,
			      size_t npos, struct ns_err *err);

/* Make the stored kept candidates and positives' scores of one query
 * of run @run_id those of @c and @pos, as db_mine_kept_store() would
 * store them, rewriting only what differs (*@rewritten says whether
 * anything did): a refilter that changes a few queries writes only
 * those, and holds the write lock that much shorter. */
enum ns_rc db_mine_kept_update(struct db *db, int64_t run_id,
			       int64_t query_id, const struct filter_cand *c,
			       size_t n, const int64_t *pos,
			       const double *pos_score, size_t npos,
			       bool *rewritten, struct ns_err *err);

/* Say that kept candidates were replaced (db_mine_kept_update()): the
 * rows written again may take the ids of those removed, so max(id) does
 * not tell; the meta key "kept_replaced" counts such changes (see
 * queue_need_sync()). */
enum ns_rc db_mine_kept_changed(struct db *db, struct ns_err *err);

/* Replace the params JSON of run @run_id (after a refilter). */
enum ns_rc db_mine_run_set_params(struct db *db, int64_t run_id,
				  const char *params, struct ns_err *err);

/* Store one query's candidates and its positives' scores in run @run_id.
 * Call inside db_begin()/db_commit(). */
enum ns_rc db_mine_store(struct db *db, int64_t run_id, int64_t query_id,
			 const struct filter_cand *c, size_t n,
			 const int64_t *pos, const double *pos_score,
			 size_t npos, struct ns_err *err);

/*
 * Foreign-key checks off (@on false) or back on for @db.  Mining turns
 * them off while it stores candidates whose ids all come from the project
 * (checked by db_mine_text_hashes()); each row otherwise costs three
 * lookups.  Call outside a transaction: SQLite ignores it inside one.
 */
enum ns_rc db_mine_fk(struct db *db, bool on, struct ns_err *err);

/*
 * Positives (qrels with grade > 0) of the @nq queries @qids (ascending) as
 * CSR arrays: positives of qids[i] are (*pos_pid)[(*pos_off)[i] ..
 * (*pos_off)[i+1]).  Caller frees both.
 */
enum ns_rc db_mine_positives(struct db *db, const int64_t *qids, int64_t nq,
			     int64_t **pos_off, int64_t **pos_pid,
			     struct ns_err *err);

/* Text hashes (hash64 of the text; 0 for NULL text) of the @n passages
 * @ids (ascending), or of the @n queries @ids when @query; *@out has n
 * entries.  An id without a row is NS_EINPUT naming it (vectors older
 * than the project's items), so rows stored for these ids are known to
 * satisfy their foreign keys. */
enum ns_rc db_mine_text_hashes(struct db *db, int query, const int64_t *ids,
			       int64_t n, uint64_t **out, struct ns_err *err);

/* Does passage @pid have the same (non-NULL) text as query @query_id or as
 * one of its positives other than itself?  Into *@same. */
enum ns_rc db_mine_same_text(struct db *db, int64_t query_id, int64_t pid,
			     bool *same, struct ns_err *err);

/* All query ids (ascending) and texts (NULL when unknown); caller frees
 * with db_mine_queries_free(). */
enum ns_rc db_mine_queries(struct db *db, int64_t **ids, char ***texts,
			   int64_t *n, struct ns_err *err);
void db_mine_queries_free(int64_t *ids, char **texts, int64_t n);

/*
 * BM25 through FTS5: the top @k passages for query text @text, scores
 * negated so that higher is better (FTS5's bm25() is lower-is-better).
 * The text is turned into an OR of quoted terms, so no FTS5 syntax in it
 * is ever interpreted.  *@n may be 0 (no term matched).  Caller frees.
 */
enum ns_rc db_mine_bm25(struct db *db, const char *text, int k,
			int64_t **pids, double **scores, int *n,
			struct ns_err *err);

/* A larger page cache for the connection that stores a run (the
 * candidate table's indexes are written all over). */
enum ns_rc db_mine_writer(struct db *db, struct ns_err *err);

/* Tune a read-only connection @db for BM25 searches (a larger page
 * cache: FTS5 reads the index and the row sizes of every match). */
enum ns_rc db_mine_bm25_reader(struct db *db, struct ns_err *err);

/* Hold (@hold) or end one read transaction on the read-only connection
 * @db: the statements between read one snapshot and take the locks once
 * instead of each (WAL locks are system calls).  Ending none is NS_OK. */
enum ns_rc db_mine_bm25_snapshot(struct db *db, bool hold,
				 struct ns_err *err);

/* Ids (ascending) and text hashes (as db_mine_text_hashes(); 0 for no
 * text) of all passages; caller frees both. */
enum ns_rc db_mine_passage_hashes(struct db *db, int64_t **ids,
				  uint64_t **hashes, int64_t *n,
				  struct ns_err *err);

/* Negated bm25 of passage @pid for query @text: 0 when it matches no term. */
enum ns_rc db_mine_bm25_one(struct db *db, const char *text, int64_t pid,
			    double *score, struct ns_err *err);

/* The FTS5 query for @text (an OR of "quoted" terms); NULL when the text
 * has no terms.  Caller frees. */
char *db_mine_fts_query(const char *text);

/* The first term of @text as db_mine_fts_query() quotes it (a run of
 * ASCII letters and digits and non-ASCII bytes): its start, its length in
 * *@len; NULL when @text has no more terms. */
const char *db_mine_fts_term(const char *text, size_t *len);

/*
 * Every passage that term @term (@len bytes, as db_mine_fts_term() finds
 * it) matches, as the one-phrase query "@term": rowids ascending in
 * *@rowids and FTS5's bm25() of that query negated in *@scores, *@n of
 * them (may be 0; both arrays may then be NULL).  The bm25() of an OR of
 * phrases is the sum, in query order, of each phrase's own score, which
 * is what src/bm25.c builds on.  Caller frees both.
 */
enum ns_rc db_mine_bm25_term(struct db *db, const char *term, size_t len,
			     int64_t **rowids, double **scores, int64_t *n,
			     struct ns_err *err);

/*
 * Read back run @run_id one query at a time (ascending query id, rank
 * order): @fn gets the candidates (is_positive/same_text restored from
 * the stored filter) and the positives' scores.  Stops on a non-OK return.
 */
typedef enum ns_rc (*db_mine_query_fn)(void *arg, int64_t query_id,
				       struct filter_cand *c, size_t n,
				       const double *pos_score, size_t npos,
				       struct ns_err *err);
enum ns_rc db_mine_each(struct db *db, int64_t run_id, db_mine_query_fn fn,
			void *arg, struct ns_err *err);

/* Update the filter and flag of one candidate of run @run_id. */
enum ns_rc db_mine_update(struct db *db, int64_t run_id, int64_t query_id,
			  const struct filter_cand *c, struct ns_err *err);

/*
 * People's decisions as mining honours them, read from the one truth for
 * labels (the item_label and query_drop views, never the log itself):
 * the items whose current label is fn, tn or drop_passage, and the items
 * some annotator labelled fn or tn that have no label yet (pending), by
 * ascending (query, passage), and the dropped queries, ascending.  @seen is the
 * newest decision id when they were read (see db_mine_labels_seen()).
 */
struct db_mine_labels {
	int64_t n;		/* labelled items */
	int64_t *qid, *pid;	/* their query and passage */
	enum label *label;	/* LABEL_FN, LABEL_TN or LABEL_DROP_PASSAGE */
	bool *pending;		/* the item has no label yet but one
				 * annotator's (overlap waiting for the
				 * next, or a conflict): label LABEL_TN,
				 * kept as a true negative is, so that the
				 * others can still label it */
	int64_t ndropped;
	int64_t *dropped;	/* queries with a drop_query in force */
	int64_t ndropped_p;
	int64_t *dropped_p;	/* passages with a drop_passage in force:
				 * dropped in every query where no later
				 * label of the item says otherwise (those
				 * are among the items, LABEL_TN too) */
	int64_t seen;		/* max(decision.id) then, 0: none */
};

/* Read them into @l (caller frees with db_mine_labels_free()); on failure
 * @l is left empty and @err names what could not be read. */
enum ns_rc db_mine_labels(struct db *db, struct db_mine_labels *l,
			  struct ns_err *err);
void db_mine_labels_free(struct db_mine_labels *l);

/* The newest decision id (0: none; -1: could not be read), to tell
 * whether anything was decided since db_mine_labels() read @seen. */
int64_t db_mine_labels_seen(struct db *db);

/* The text hash of passage @pid as db_mine_text_hashes() makes it (0: no
 * text, or no such passage). */
enum ns_rc db_mine_passage_hash(struct db *db, int64_t pid, uint64_t *hash,
				struct ns_err *err);

#endif
