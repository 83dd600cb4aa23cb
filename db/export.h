/*
 * export.h - the SQL of `negsieve export`: reading the project one query at
 * a time (its positives, its candidates of the chosen run and what people
 * and the cascade said about each), and the provenance of every export.
 *
 * What an item IS for the export (a positive, a negative, a false
 * negative, left out) is decided in src/exportjob.c from what this reader
 * returns: human labels come from the item_label view (mapped through
 * src/label.h), automatic verdicts from item_auto, judgments from qrel.
 * The reader holds one read transaction from open to close, so an export
 * sees one state of the project while people go on reviewing, and only
 * one query is in memory at a time.
 */
#ifndef NS_EXPORT_H
#define NS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"
#include "src/label.h"

/* The cascade's verdict of an item (item_auto.verdict). */
enum export_auto {
	EXPORT_AUTO_NONE = 0,	/* no verdict: no cascade ran over it */
	EXPORT_AUTO_TN,		/* kept as a true negative */
	EXPORT_AUTO_FN,		/* flagged as a false negative */
	EXPORT_AUTO_REVIEW,	/* left to people */
};

/* An item of the overlap share (review.overlap) without an agreed or
 * adjudicated label (so without an item_label), that an annotator's
 * current label calls a false negative. */
enum export_pending {
	EXPORT_PENDING_NONE = 0,
	EXPORT_PENDING_WAIT,	/* the labels so far agree (fn): waiting for
				 * more annotators */
	EXPORT_PENDING_CONFLICT,/* fn against another label: waiting for an
				 * adjudicator */
};

/* One passage of a query. */
struct export_item {
	int64_t passage_id;
	const char *xid;	/* its external id; NULL: it has none */
	const char *title;	/* "" when none */
	const char *text;	/* NULL: known by id only, or blank */
	bool has_score;		/* score under the query's run is known */
	double score;
	int64_t rank;		/* in the query's run; 0: unknown */
	bool candidate;		/* one of the chosen candidates */
	bool in_run;		/* retrieved by the query's run (score and
				 * rank are that run's) */
	bool positive;		/* judged relevant (qrel grade > 0) */
	bool judged_neg;	/* judged non-relevant (qrel grade <= 0) */
	int64_t grade;		/* the judgment's grade, when judged */
	bool near_dup;		/* flagged near_duplicate of a positive */
	enum label label;	/* current human label (item_label), or
				 * LABEL_NONE */
	enum export_pending pending; /* no label yet, but an annotator's
				 * fn (a candidate only) */
	enum export_auto verdict; /* the cascade's verdict */
	double pfn;		/* its P(FN) under the cascade; NAN: none */
};

/* One query with everything the export needs about it; owned by the
 * reader, valid until the next export_reader_next() or the close. */
struct export_query {
	int64_t id;
	const char *xid;	/* external (or derived) id */
	const char *text;	/* NULL: known by id only, or blank */
	const char *prompt;	/* BGE prompt, NULL: none */
	const char *type;	/* BGE type, NULL: none */
	bool dropped;		/* a drop_query decision is in force: the
				 * lists below are empty */
	int64_t run;		/* the run the scores are from; 0: none */
	bool unmined;		/* in none of the mining runs read: imported
				 * after them, or not searched for lack of a
				 * vector (db_mine_cover_out()) */
	struct export_item *pos; /* judged positives, by passage id */
	size_t npos;
	/* The chosen candidates (candidate = true), best first, then the
	 * other items of the query that a person or the cascade called a
	 * false negative (candidate = false). */
	struct export_item *items;
	size_t nitems;
};

struct export_reader;

/* What a reader reads of each passage besides its id, score and rank. */
#define EXPORT_READ_IDS   1u	/* its external id (else xid is NULL) */
#define EXPORT_READ_TEXTS 2u	/* its title and text (else "" and NULL) */
#define EXPORT_READ_HAS_TEXT 4u	/* whether it has a text: text is ""
				 * (NULL: none), title "" */
#define EXPORT_READ_SCAN 8u	/* the labels of the decided queries
				 * from one scan of the project, not a
				 * statement a query: faster when every
				 * query is read; the passages added
				 * outside the candidates come in passage
				 * id order (else in item_label's) */
#define EXPORT_READ_POS_UNSCORED 16u /* the positives' scores are not
				 * read (has_score false): for a reader
				 * that writes none */

/*
 * Start reading @db in one read transaction (the caller's, when it has
 * one open: it ends it then), reading of each passage
 * what @what asks (EXPORT_READ_*: a format that writes no texts reads
 * none).  @run > 0: the kept
 * candidates of that run (NS_ENOTFOUND "no run with id N" when there is
 * none); @run == 0: each query's newest run with kept candidates, the run
 * whose scores the review screen shows; @all_runs: the kept candidates of
 * every run, scored by the newest.  On success *@out is a new reader
 * (export_reader_close()).  Passages added as false negatives outside the
 * chosen candidates are read whole.
 */
enum ns_rc export_reader_open(struct db *db, int64_t run, bool all_runs,
			      unsigned what, struct export_reader **out,
			      struct ns_err *err);

/* What a caller that read the whole project holds already, for
 * export_reader_rows(): the kept candidate rows (candidate.filter IS
 * NULL) of every run, and the labels of item_label but drop_query.  The
 * rows have no near_duplicate flag (its column costs a tenth of their
 * scan): the candidates read from them have near_dup false. */
struct export_rows {
	struct export_cand {
		int64_t qid, pid, run;
		double score;	/* NAN: none */
		int64_t rank;	/* 0: unknown */
	} *cand;		/* by query, any order within one */
	size_t ncand;
	struct export_label {
		int64_t qid, pid;
		enum label label;
	} *label;		/* by query, then passage */
	size_t nlabel, cap_label;
};

void export_rows_free(struct export_rows *rows);

/*
 * Have @r take the kept candidates and the labels from @rows (the
 * caller's, unchanged until the close) rather than read them: for a
 * caller that read them already, in the read transaction @r reads in (it
 * opened one before export_reader_open(): see there).  Before the first
 * export_reader_next().
 */
void export_reader_rows(struct export_reader *r,
			const struct export_rows *rows);

/* What the snapshot holds: the number of queries, the cascade version
 * (latest cascade_fit.id, 0 = none) and the last decision id. */
int64_t export_reader_queries(const struct export_reader *r);
int64_t export_reader_fit(const struct export_reader *r);

/* The newest finished run read (0: none). */
int64_t export_reader_newest(const struct export_reader *r);

/* The finished runs read; *@unfinished (may be NULL) gets the unfinished
 * ones passed over (a mine interrupted, which the next mine resumes). */
size_t export_reader_runs(const struct export_reader *r,
			  size_t *unfinished);

/* *@any: whether a run read keeps a candidate (one the filters left). */
enum ns_rc export_reader_kept(struct export_reader *r, bool *any,
			      struct ns_err *err);
int64_t export_reader_decisions(const struct export_reader *r);

/* Whether that cascade version has a P(FN) model (at least 10 labels,
 * of both kinds); before, item_auto.pfn is the labels' base rate. */
bool export_reader_model(const struct export_reader *r);

/*
 * The next query in id order: NS_OK with *@q (valid until the next call),
 * NS_ENOTFOUND after the last, or an error in @err.
 */
enum ns_rc export_reader_next(struct export_reader *r,
			      const struct export_query **q,
			      struct ns_err *err);

/* End the read transaction and free @r; NULL is a no-op. */
void export_reader_close(struct export_reader *r);

/* An export as recorded. */
struct export_record {
	int64_t id;
	char *created_at;	/* ISO 8601 UTC */
	char *format;		/* "bge", ... */
	char *path;		/* the output; "-" for standard output */
	char *params;		/* JSON: the settings */
	int64_t fit_id;		/* the cascade version; 0: none */
	int64_t decisions_upto;	/* last decision id the export saw */
	int64_t queries;	/* queries written */
	int64_t rows;		/* records (lines) written */
	int64_t positives;	/* positives written, relabelled included */
	int64_t relabelled;	/* false negatives written as positives */
	int64_t negatives;	/* negatives written */
	int64_t negatives_dropped; /* candidates left out (false negatives,
				    * dropped passages, undecided, cut) */
	int64_t queries_dropped; /* queries left out by people or actions */
	char *counts;		/* JSON: every count of the summary */
};

/*
 * Record export @rec inside the caller's write transaction (db_begin()):
 * its id and created_at are set here, *@id gets the id.
 */
enum ns_rc export_record_add(struct db *db, const struct export_record *rec,
			     int64_t *id, struct ns_err *err);

/* Every recorded export, oldest first: *@out is a new array of *@n
 * records (export_records_free()). */
enum ns_rc export_records(struct db *db, struct export_record **out,
			  size_t *n, struct ns_err *err);
void export_records_free(struct export_record *v, size_t n);

#endif
