/*
 * bm25.h - BM25 search of many queries through FTS5 on worker threads.
 *
 * A query is the OR of its terms ("quoted", so no FTS5 syntax in a text is
 * ever interpreted), ranked by FTS5's bm25(): descending score, ties by
 * ascending passage id (what `ORDER BY bm25(passage_fts) LIMIT k` returns
 * on FTS5's rowid-ordered matches).
 *
 * FTS5's bm25() of an OR of phrases is, for each matching row,
 *	score = 0; for each phrase i in query order: score += idf_i * tf_i(row)
 * with tf_i = 0 where phrase i is absent (idf_i, the average length and
 * the row's length do not depend on the other phrases).  So each distinct
 * term of all the queries is asked of FTS5 once, alone (its bm25() for
 * every passage it matches: db_mine_bm25_term()), and a query's scores are
 * those parts added in the query's term order, the same additions in the
 * same order: the same doubles as the whole query's bm25(), without FTS5
 * scoring every passage that shares a common word with the query again for
 * each query.  The first queries are checked against FTS5's bm25() of the
 * whole query (bit for bit); should an SQLite differ (a changed formula, a
 * fused multiply-add), every query is searched whole through FTS5 instead,
 * as it is on request (per_query) and for a term FTS5 returns a row of
 * that is not a passage.
 *
 * Terms are kept while their parts fit a memory budget (then forgotten and
 * asked again as needed).  Workers have read-only connections of their own
 * (WAL: readers do not wait for the writer that stores the results).
 * Results come back in query order on the calling thread.
 */
#ifndef NS_BM25_H
#define NS_BM25_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"

/* One query's results: the top @n passages and their scores (negated
 * bm25: higher is better), and the score of each positive (0 when it
 * matches no term), all owned by the searcher until the callback returns. */
struct bm25_hits {
	const int64_t *pids;
	const double *scores;
	int n;
	const double *pos_score;	/* one per positive of the query */
	const int64_t *rows;		/* each hit's index in the pids
					 * searched (NULL: not known) */
};

/* Receives query @qi's hits; a non-OK return stops the search. */
typedef enum ns_rc (*bm25_fn)(void *arg, int64_t qi,
			      const struct bm25_hits *h, struct ns_err *err);

/* What to search. */
struct bm25_params {
	const char *dir;		/* the project directory */
	int threads;			/* 0: one per core, at most 8 */
	int k;				/* passages per query */
	char *const *texts;		/* query texts (NULL: no text) */
	const int64_t *pos_off;		/* query i's positives are */
	const int64_t *pos_pid;		/* pos_pid[pos_off[i]..pos_off[i+1]) */
	const int64_t *order;		/* the queries to search (indices */
	int64_t norder;			/* into texts and pos_off), in order */
	const int64_t *pids;		/* every passage id, ascending */
	int64_t npids;
	double budget;			/* bytes of term parts to keep; 0: an
					 * eighth of the memory */
	bool per_query;			/* search each query whole in FTS5 */
};

/* How the search went. */
struct bm25_stats {
	int64_t terms;			/* terms asked of FTS5 (again after
					 * the budget forgot them: counted
					 * again) */
	int64_t parts;			/* passages those matched */
	int64_t forgotten;		/* times the kept terms were dropped */
	int64_t checked;		/* queries checked against FTS5 */
	int64_t whole;			/* queries searched whole in FTS5 */
	bool differs;			/* a check failed (see above) */
};

/*
 * Search the queries @p->order (see struct bm25_params) for their top
 * @p->k passages.  @fn gets the queries in @p->order's order on the
 * calling thread.  Fills *@st.  Stops at the first error.
 */
enum ns_rc bm25_search(const struct bm25_params *p, bm25_fn fn, void *arg,
		       struct bm25_stats *st, struct ns_err *err);

#endif
