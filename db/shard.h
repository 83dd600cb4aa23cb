/*
 * shard.h - mining shards: a slice of a mining run written to a small
 * SQLite file of its own (so many machines can mine one project at once,
 * each opening the project read-only), and the merge of a complete set of
 * shards into the project as one run.
 *
 * A shard file holds four tables: shard_meta (key/value: format, project
 * id, "I/N", method, the run's params JSON, the job JSON that every shard
 * of one job shares, counts), candidate (the kept ones), run_positive and
 * pool (the columns of the project's tables without run_id).  Shards
 * written before pools have no pool table and all candidates.
 */
#ifndef NS_DB_SHARD_H
#define NS_DB_SHARD_H

#include <stdint.h>

#include "db/db.h"
#include "src/err.h"
#include "src/filter.h"

/* What a shard records about its job. */
struct shard_info {
	const char *project_id;	/* project_id() of the mined project */
	int index, count;	/* shard index of count, 0 <= index < count */
	const char *method;	/* "dense" or "bm25" */
	const char *params;	/* the run's params JSON */
	const char *job;	/* JSON of everything that must agree across
				 * the shards of one job (options, vectors) */
	int64_t queries;	/* queries mined in this shard */
};

struct shard;

/*
 * Start writing the shard file @path.  Rows go to a temporary file next
 * to it (cleanup_tmp_name()), renamed over @path by shard_finish(), so a
 * killed job never leaves a file that looks complete; those that jobs
 * killed by SIGKILL left are removed first (cleanup_stale()).  On success *@out owns the writer:
 * finish it with exactly one of shard_finish() or shard_abort().
 */
enum ns_rc shard_create(const char *path, struct shard **out,
			struct ns_err *err);

/* Store one query's pool, its kept candidates and its positives' scores
 * (a mine_sink_fn: @arg is the struct shard). */
enum ns_rc shard_store(void *arg, int64_t query_id,
		       const struct filter_cand *c, size_t n,
		       const int64_t *pos, const double *pos_score,
		       size_t npos, struct ns_err *err);

/* Write @info, commit and move the file into place.  Frees @s whatever
 * the outcome; on failure nothing is left at the path. */
enum ns_rc shard_finish(struct shard *s, const struct shard_info *info,
			struct ns_err *err);

/* Drop the temporary file and free @s; NULL is a no-op. */
void shard_abort(struct shard *s);

/* Hex hash identifying a job: of @project_id and @job JSON, into @buf
 * (>= 17 bytes). */
char *shard_job_hash(const char *project_id, const char *job, char *buf);

/*
 * Publishes a merged run: called by shard_merge() inside its transaction
 * once the shards' pools are in run @run_id, with the shards' @method and
 * params JSON @params; stores the run's kept candidates and positives'
 * scores.  A failure rolls the merge back.
 */
typedef enum ns_rc shard_publish_fn(void *arg, struct db *db, int64_t run_id,
				    const char *method, const char *params,
				    struct ns_err *err);

/*
 * Merge the @n shard files @paths into the project @db (whose id is
 * @project_id) as one new run, in one transaction, published by
 * @publish(@arg, ...) (the shards' pools are copied; their kept
 * candidates, filtered with the decisions of their time, are not; shards
 * written before pools have no pool: their candidates are copied, and
 * @publish filters them again).  Refused, with the project unchanged,
 * when a file is not a shard, belongs to another project, the shards
 * disagree (count, method, job), a shard is given twice or missing, or
 * the job was merged before.  On success *@run_id is the new run,
 * *@cands and *@queries count what was merged.
 */
enum ns_rc shard_merge(struct db *db, const char *project_id,
		       char *const *paths, int n, shard_publish_fn *publish,
		       void *arg, int64_t *run_id, int64_t *cands,
		       int64_t *queries, struct ns_err *err);

#endif
