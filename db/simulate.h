/*
 * simulate.h (db) - what `negsieve simulate` reads from a project besides
 * the cascade's items (db/cascade.h): the external ids that join the kept
 * candidates to an oracle's qrels, and the project's own judgments, which
 * must not be the oracle's.  Nothing here writes.
 */
#ifndef NS_DB_SIMULATE_H
#define NS_DB_SIMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "src/err.h"

/*
 * One kept candidate (@qid, @pid) with its query's external id @qxid and
 * one external id @pxid of its passage (NULL when it has none), and
 * whether the project holds a judgment of it below the positive grade
 * (grade <= 0: a known true negative, which export writes as one).
 * Strings are valid during the call.  Return NS_OK to go on.
 */
typedef enum ns_rc simulate_db_id_fn(void *ctx, int64_t qid, int64_t pid,
				     const char *qxid, const char *pxid,
				     bool judged_neg, struct ns_err *err);

/* Call @fn for every kept candidate and every external id of its passage
 * (a passage known by several ids comes once per id), in (query,
 * passage) order. */
enum ns_rc simulate_db_ids(struct db *db, simulate_db_id_fn *fn, void *ctx,
			   struct ns_err *err);

/* One judgment of the project (positive or not) by the external ids of
 * its query and of its passage, valid during the call. */
typedef enum ns_rc simulate_db_qrel_fn(void *ctx, const char *qxid,
				       const char *pxid, struct ns_err *err);

/* Call @fn for every judgment of the project and every external id of
 * its passage (none for a passage without one). */
enum ns_rc simulate_db_qrels(struct db *db, simulate_db_qrel_fn *fn,
			     void *ctx, struct ns_err *err);

#endif
