/*
 * cascade.h (db) - what the cascade reads from and writes to a project:
 * its items with their features and labels, stage scores, fits, and the
 * automatic verdicts (item_auto).
 *
 * The items are the kept candidates (filter IS NULL), one per (query,
 * passage) whatever the run, and the labelled items a filter hides now
 * (cascade_db_items()); each is scored under its query's scoring run,
 * the newest run with kept candidates for the query (as the review
 * screen shows it), or run @run when one is given.
 */
#ifndef NS_DB_CASCADE_H
#define NS_DB_CASCADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "src/cascade.h"
#include "src/err.h"

/*
 * What a stage score was made from, in a form compared without reading
 * texts (stage_score.key; see migration 16 in db/schema.c):
 * cascade_db_query_key() hashes query @qid's text and its positives (ids
 * and content hashes), cascade_db_item_key() that with keyed stage @st's
 * settings (st->key), the candidate and its content hash @phash (0:
 * known by id only) and, for a command, the item's retriever score.
 */
enum ns_rc cascade_db_query_key(struct db *db, int64_t qid, uint64_t *key,
				struct ns_err *err);
uint64_t cascade_db_item_key(const struct cascade_stage *st, uint64_t qkey,
			     const struct cascade_item *it, int64_t phash);

/*
 * Load every item of the project (or of run @run; 0: every run) in
 * (query, passage) order with its built-in features, the stored scores
 * of @c's external stages, its current label (item_label: fn, tn, or
 * other for drops) and its audit draw.  *@out is a new array of *@n
 * items (caller frees).  The items are the kept candidates and, marked
 * hidden, the labelled items that are none (a refilter made a false
 * negative a positive, a newer run or new settings left a labelled one
 * out) of a query a run retrieved: they were kept candidates when
 * people labelled them, and an audit item among them was in the audit
 * slice, so their labels keep counting where labels are evidence (the
 * fit, the estimate).  Their features are read as for an item another
 * run brought, from the query's scoring run (the newest run that
 * retrieved it when it has no kept candidate left).  At a keyed stage
 * (st->keyed) a stored score is
 * taken only when its key is the item's cascade_db_item_key() now; one
 * made from other settings or texts is left out (x NAN: the item waits
 * for the stage) and marked in the item's stale bits.  The keys are
 * compared in the scan of the stage's scores: a query's key is made once
 * a query, the passages' content hashes read in one scan.
 */
enum ns_rc cascade_db_items(struct db *db, const struct cascade *c,
			    int64_t run, struct cascade_item **out, size_t *n,
			    struct ns_err *err);

/*
 * The same for every run, and what export's reader would read again
 * (export_reader_rows()): the kept candidate rows the items were read
 * from and the labels, into @rows (export_rows_free()).  stats plans the
 * export over the items it estimates on, not over a second read of a
 * million candidates and of item_label.
 */
struct export_rows;
enum ns_rc cascade_db_items_rows(struct db *db, const struct cascade *c,
				 struct cascade_item **out, size_t *n,
				 struct export_rows *rows,
				 struct ns_err *err);

/* The same for the items of query @qid only (the review screen). */
enum ns_rc cascade_db_query_items(struct db *db, const struct cascade *c,
				  int64_t run, int64_t qid,
				  struct cascade_item **out, size_t *n,
				  struct ns_err *err);

/* The newest fit. */
struct cascade_db_fit {
	int64_t id;		/* 0: none yet */
	char *created_at;	/* owned */
	char *origin;
	char *stages;		/* JSON, owned */
	char *thresholds;	/* JSON */
	char *model;		/* JSON or NULL */
	int64_t decisions_upto;
};
enum ns_rc cascade_db_fit_latest(struct db *db, struct cascade_db_fit *f,
				 struct ns_err *err);
/* Fit @id into @f (f->id 0: there is none). */
enum ns_rc cascade_db_fit_get(struct db *db, int64_t id,
			      struct cascade_db_fit *f, struct ns_err *err);
void cascade_db_fit_fini(struct cascade_db_fit *f);

/* Every fit, newest first (*@out: *@n entries; cascade_db_fits_free). */
enum ns_rc cascade_db_fits(struct db *db, struct cascade_db_fit **out,
			   size_t *n, struct ns_err *err);
void cascade_db_fits_free(struct cascade_db_fit *v, size_t n);

/* The id of the newest decision (what a fit made now has seen). */
int64_t cascade_db_last_decision(struct db *db);

/* When item (@qid, @pid) was skipped (a skip not undone): its query's
 * and passage's ids (the external ones, else "#ID") and who skipped it
 * last, into the three @size buffers; else three empty strings. */
enum ns_rc cascade_db_skipped(struct db *db, int64_t qid, int64_t pid,
			      char *q, char *p, char *who, size_t size,
			      struct ns_err *err);

/* Record a fit (inside the caller's transaction); *@id its id. */
enum ns_rc cascade_db_fit_add(struct db *db, const char *origin,
			      const char *stages, const char *thresholds,
			      const char *model, int64_t decisions_upto,
			      int64_t *id, struct ns_err *err);

/* One item's automatic verdict. */
struct cascade_db_auto {
	int64_t qid, pid;
	const char *verdict;	/* "tn", "fn", "review" */
	const char *stage;	/* deciding stage or NULL */
	double score;		/* its score there, NAN: none */
	double pfn;
	double priority;
	bool audit;
};

/* Write (insert or replace) one verdict, inside the caller's transaction. */
enum ns_rc cascade_db_auto_put(struct db *db, const struct cascade_db_auto *a,
			       int64_t fit_id, struct ns_err *err);

/* Verdicts cascade_db_auto_put_n() writes with one statement. */
#define CASCADE_DB_AUTO_BATCH 64

/* Write the @n verdicts @a (inside the caller's transaction), in
 * statements of CASCADE_DB_AUTO_BATCH rows: the caller passes them in
 * batches of that size where it can. */
enum ns_rc cascade_db_auto_put_n(struct db *db,
				 const struct cascade_db_auto *a, size_t n,
				 int64_t fit_id, struct ns_err *err);

/*
 * Foreign-key checks of this connection off (@on false) or on again,
 * outside a transaction: a rewrite of every verdict writes only ids read
 * from kept candidates and the fit it just recorded, and three lookups a
 * row were most of its cost.
 */
enum ns_rc cascade_db_fk(struct db *db, bool on, struct ns_err *err);

/*
 * CHECK constraints of this connection off (@on false) or on again: the
 * verdicts written come from cascade_verdict_name(), and item_auto's
 * CHECK on them (an IN list, for which SQLite builds and probes a table
 * at every statement) was half the cost of writing a row.
 */
enum ns_rc cascade_db_checks(struct db *db, bool on, struct ns_err *err);

/*
 * A rewrite of every verdict, inside the caller's transaction: _begin
 * empties item_auto (unless @keep: then the rows written replace theirs
 * and the others stay) and drops its queue index (rows then go in key
 * order, the index is built once at _end) and gives the connection a
 * 256 MB page cache for the bulk write.
 */
enum ns_rc cascade_db_auto_rewrite_begin(struct db *db, bool keep,
					 struct ns_err *err);
enum ns_rc cascade_db_auto_rewrite_end(struct db *db, struct ns_err *err);

/*
 * The stored verdicts in key order (query, passage), for comparing them
 * with new ones: _begin starts the scan, _next gives the next row
 * (NS_OK; its strings are valid until the next call; score and pfn NAN
 * where NULL; *@fit_id 0 where NULL) or NS_ENOTFOUND after the last,
 * _end stops it (always call it; before writing to item_auto).
 */
struct cascade_db_scan;
enum ns_rc cascade_db_auto_scan_begin(struct db *db,
				      struct cascade_db_scan **s,
				      struct ns_err *err);
enum ns_rc cascade_db_auto_scan_next(struct cascade_db_scan *s,
				     struct cascade_db_auto *a,
				     int64_t *fit_id, struct ns_err *err);
void cascade_db_auto_scan_end(struct cascade_db_scan *s);

/* Remove the verdict of (@qid, @pid) (inside the caller's transaction;
 * none is no error). */
enum ns_rc cascade_db_auto_delete(struct db *db, int64_t qid, int64_t pid,
				  struct ns_err *err);

/* Remove the verdicts of items that no run keeps as candidates any more
 * (their number in *@removed). */
enum ns_rc cascade_db_auto_prune(struct db *db, int64_t *removed,
				 struct ns_err *err);

/* The stored verdict of (@qid, @pid): *@verdict ("tn", ...; 8 bytes), or
 * NS_ENOTFOUND. */
enum ns_rc cascade_db_auto_get(struct db *db, int64_t qid, int64_t pid,
			       char *verdict, struct ns_err *err);

/*
 * Stage scores: store one (inside the caller's transaction; @score NAN =
 * the scorer failed; @input the hash of exactly what the scorer was
 * sent, @key the item's cascade_db_item_key() for the stage), and look
 * one up (*@input the hash it was made from; NS_ENOTFOUND when there is
 * none).
 */
enum ns_rc cascade_db_score_put(struct db *db, const char *stage, int64_t qid,
				int64_t pid, double score, const char *raw,
				uint64_t input, uint64_t key,
				struct ns_err *err);
enum ns_rc cascade_db_score_get(struct db *db, const char *stage, int64_t qid,
				int64_t pid, double *score, uint64_t *input,
				struct ns_err *err);

/* The raw answers of the external stages for an item, as "stage: raw"
 * lines (caller frees; "" when none). */
char *cascade_db_raw(struct db *db, int64_t qid, int64_t pid);

/*
 * The texts an external scorer is sent for items of query @qid: the
 * query text and external id, its positives (texts and ids).  Strings
 * are owned by @t (cascade_db_texts_fini()).
 */
struct cascade_db_texts {
	int64_t qid;
	uint64_t key;		/* cascade_db_query_key() */
	char *query, *query_xid;
	char **pos, **pos_xid;
	size_t npos;
};
enum ns_rc cascade_db_texts(struct db *db, int64_t qid,
			    struct cascade_db_texts *t, struct ns_err *err);
void cascade_db_texts_fini(struct cascade_db_texts *t);

/* A passage's title, text and one external id (each owned, "" if none),
 * and its content hash (0: known by id only). */
enum ns_rc cascade_db_passage(struct db *db, int64_t pid, char **title,
			      char **text, char **xid, int64_t *hash,
			      struct ns_err *err);

#endif
