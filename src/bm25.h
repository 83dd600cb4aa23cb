/*
 * bm25.h - BM25 search of many queries through FTS5 on worker threads.
 *
 * FTS5 scores every row that matches any term of a query (an OR of its
 * terms), so BM25 mining costs CPU in proportion to the matching rows; it
 * parallelises well, each worker on a read-only connection of its own
 * (WAL: readers do not wait for the writer that stores the results).
 * Results come back in query order on the calling thread.
 */
#ifndef NS_BM25_H
#define NS_BM25_H

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
};

/* Receives query @qi's hits; a non-OK return stops the search. */
typedef enum ns_rc (*bm25_fn)(void *arg, int64_t qi,
			      const struct bm25_hits *h, struct ns_err *err);

/*
 * Search the queries @order[0..@norder) (indices into @texts, @pos_off)
 * of the project in directory @dir for their top @k passages, on @threads
 * worker threads (0: one per core, at most 8) each with its own read-only
 * connection; positives of query i are @pos_pid[@pos_off[i] ..
 * @pos_off[i+1]).  @fn gets the queries in @order's order on the calling
 * thread.  Stops at the first error.
 */
enum ns_rc bm25_search(const char *dir, int threads, int k,
		       char *const *texts, const int64_t *pos_off,
		       const int64_t *pos_pid, const int64_t *order,
		       int64_t norder, bm25_fn fn, void *arg,
		       struct ns_err *err);

#endif
