/*
 * shard.c - mining shard files and their merge (see shard.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/mining.h"
#include "db/shard.h"
#include "src/cleanup.h"
#include "src/util.h"

#define SHARD_FORMAT "negsieve-shard 1"

static const char shard_schema[] =
	"PRAGMA journal_mode = OFF;"	/* a temporary file until renamed */
	"CREATE TABLE shard_meta ("
	"  key   TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE candidate ("
	"  query_id   INTEGER NOT NULL,"
	"  passage_id INTEGER NOT NULL,"
	"  rank       INTEGER,"
	"  score      REAL,"
	"  filter     TEXT,"
	"  dup_sim    REAL,"
	"  flag       TEXT"
	");"
	"CREATE TABLE run_positive ("
	"  query_id   INTEGER NOT NULL,"
	"  passage_id INTEGER NOT NULL,"
	"  score      REAL,"
	"  PRIMARY KEY (query_id, passage_id)"
	") WITHOUT ROWID;"
	/* the project's run_pool rows (db/mining.c); candidate then holds
	 * the kept candidates only.  Shards without it (older) hold every
	 * candidate in candidate. */
	"CREATE TABLE pool ("
	"  query_id INTEGER PRIMARY KEY,"
	"  data     BLOB NOT NULL"
	");"
	"BEGIN;";

struct shard {
	sqlite3 *h;
	char *path, *tmp;
	sqlite3_stmt *ins_c, *ins_p, *ins_pool;
};

static enum ns_rc
shard_sqlfail(sqlite3 *h, const char *path, struct ns_err *err)
{
	return err_set(err, NS_EIO, "%s: %s", path,
		       h ? sqlite3_errmsg(h) : "out of memory");
}

/* Whether the SQLite file @path holds a shard (its shard_meta table). */
static bool
shard_file(const char *path)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_master WHERE "
			       "name = 'shard_meta'", -1, &st, NULL) ==
		    SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return yes;
}

enum ns_rc
shard_create(const char *path, struct shard **out, struct ns_err *err)
{
	struct shard *s;

	/* a shard mined again replaces its file; any other database (a
	 * project's negsieve.db) is never renamed over */
	if (file_is_sqlite(path) && !shard_file(path))
		return err_set(err, NS_EUSAGE, "--output %s: is a database "
			       "but not a shard (a project's?): not "
			       "replaced; give a new file", path);
	s = xcalloc(1, sizeof(*s));

	s->path = xstrdup(path);
	/* what a shard killed by SIGKILL left under this name; ours (the
	 * pid of a dead process, reused) is replaced */
	cleanup_stale(path);
	s->tmp = cleanup_tmp_name(path);
	unlink(s->tmp);
	if (sqlite3_open_v2(s->tmp, &s->h, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(s->h, shard_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->h, "INSERT INTO candidate VALUES "
			       "(?, ?, ?, ?, ?, ?, ?)", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->ins_c, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v3(s->h, "INSERT OR REPLACE INTO run_positive "
			       "VALUES (?, ?, ?)", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->ins_p, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v3(s->h, "INSERT OR REPLACE INTO pool VALUES "
			       "(?, ?)", -1, SQLITE_PREPARE_PERSISTENT,
			       &s->ins_pool, NULL) != SQLITE_OK) {
		enum ns_rc rc = shard_sqlfail(s->h, path, err);

		shard_abort(s);
		return rc;
	}
	*out = s;
	return NS_OK;
}

enum ns_rc
shard_store(void *arg, int64_t query_id, const struct filter_cand *c,
	    size_t n, const int64_t *pos, const double *pos_score,
	    size_t npos, struct ns_err *err)
{
	struct shard *s = arg;
	sqlite3_stmt *st = s->ins_pool;
	size_t len;
	void *b = db_mine_pool_pack(c, n, pos, pos_score, npos, &len);

	sqlite3_bind_int64(st, 1, query_id);
	sqlite3_bind_blob(st, 2, b, (int)len, free);
	if (sqlite3_step(st) != SQLITE_DONE)
		return shard_sqlfail(s->h, s->path, err);
	sqlite3_reset(st);
	st = s->ins_c;
	for (size_t i = 0; i < n; i++) {
		const char *f = filter_reason_name(c[i].reason);

		if (c[i].reason != FILTER_KEPT)
			continue;	/* in the pool only */

		sqlite3_bind_int64(st, 1, query_id);
		sqlite3_bind_int64(st, 2, c[i].passage_id);
		sqlite3_bind_int(st, 3, c[i].rank);
		sqlite3_bind_double(st, 4, c[i].score);
		if (f)
			sqlite3_bind_text(st, 5, f, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		if (isnan(c[i].dup_sim))
			sqlite3_bind_null(st, 6);
		else
			sqlite3_bind_double(st, 6, c[i].dup_sim);
		if (c[i].near_dup)
			sqlite3_bind_text(st, 7, "near_duplicate", -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		if (sqlite3_step(st) != SQLITE_DONE)
			return shard_sqlfail(s->h, s->path, err);
		sqlite3_reset(st);
	}
	st = s->ins_p;
	for (size_t i = 0; i < npos; i++) {
		sqlite3_bind_int64(st, 1, query_id);
		sqlite3_bind_int64(st, 2, pos[i]);
		if (isnan(pos_score[i]))
			sqlite3_bind_null(st, 3);
		else
			sqlite3_bind_double(st, 3, pos_score[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			return shard_sqlfail(s->h, s->path, err);
		sqlite3_reset(st);
	}
	return NS_OK;
}

static int
shard_meta_put(sqlite3 *h, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h, "INSERT INTO shard_meta VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
}

enum ns_rc
shard_finish(struct shard *s, const struct shard_info *info,
	     struct ns_err *err)
{
	char idx[64], nq[32], now[40];
	enum ns_rc rc = NS_OK;

	snprintf(idx, sizeof(idx), "%d/%d", info->index, info->count);
	snprintf(nq, sizeof(nq), "%lld", (long long)info->queries);
	if (shard_meta_put(s->h, "format", SHARD_FORMAT) ||
	    shard_meta_put(s->h, "project_id", info->project_id) ||
	    shard_meta_put(s->h, "shard", idx) ||
	    shard_meta_put(s->h, "method", info->method) ||
	    shard_meta_put(s->h, "params", info->params) ||
	    shard_meta_put(s->h, "job", info->job) ||
	    shard_meta_put(s->h, "queries", nq) ||
	    shard_meta_put(s->h, "created_at", now_iso8601(now, sizeof(now)))
	    || shard_meta_put(s->h, "created_by", PACKAGE_STRING) ||
	    sqlite3_exec(s->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = shard_sqlfail(s->h, s->path, err);
	sqlite3_finalize(s->ins_c);
	sqlite3_finalize(s->ins_p);
	sqlite3_finalize(s->ins_pool);
	s->ins_c = s->ins_p = s->ins_pool = NULL;
	if (rc == NS_OK && sqlite3_close(s->h) != SQLITE_OK)
		rc = shard_sqlfail(s->h, s->path, err);
	else if (rc == NS_OK)
		s->h = NULL;
	if (rc == NS_OK && rename(s->tmp, s->path) != 0)
		rc = err_set(err, NS_EIO, "%s: cannot write: %s", s->path,
			     strerror(errno));
	if (rc != NS_OK) {
		shard_abort(s);
		return rc;
	}
	free(s->path);
	free(s->tmp);
	free(s);
	return NS_OK;
}

void
shard_abort(struct shard *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins_c);
	sqlite3_finalize(s->ins_p);
	sqlite3_finalize(s->ins_pool);
	if (s->h)
		sqlite3_close(s->h);
	unlink(s->tmp);
	free(s->path);
	free(s->tmp);
	free(s);
}

char *
shard_job_hash(const char *project_id, const char *job, char *buf)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addstr(&sb, project_id);
	strbuf_addch(&sb, 0);
	strbuf_addstr(&sb, job);
	snprintf(buf, 17, "%016llx",
		 (unsigned long long)hash64(sb.buf, sb.len));
	strbuf_fini(&sb);
	return buf;
}

/* --- merge -------------------------------------------------------------- */

struct shard_in {
	const char *path;
	sqlite3 *h;
	int index, count;
	char *project_id, *method, *params, *job;
	int64_t queries;
};

/* A shard_meta value (caller frees), or NULL. */
static char *
shard_meta_get(sqlite3 *h, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_prepare_v2(h, "SELECT value FROM shard_meta WHERE key = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static enum ns_rc
shard_read(struct shard_in *s, struct ns_err *err)
{
	char *fmt, *idx, *nq;
	enum ns_rc rc = NS_OK;
	char tail;

	if (access(s->path, R_OK) != 0)
		return err_set(err, errno == ENOENT ? NS_ENOTFOUND : NS_EIO,
			       "%s: cannot open: %s", s->path,
			       strerror(errno));
	if (sqlite3_open_v2(s->path, &s->h, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return shard_sqlfail(s->h, s->path, err);
	fmt = shard_meta_get(s->h, "format");
	idx = shard_meta_get(s->h, "shard");
	nq = shard_meta_get(s->h, "queries");
	s->project_id = shard_meta_get(s->h, "project_id");
	s->method = shard_meta_get(s->h, "method");
	s->params = shard_meta_get(s->h, "params");
	s->job = shard_meta_get(s->h, "job");
	if (!fmt || strcmp(fmt, SHARD_FORMAT) != 0 || !idx || !nq ||
	    !s->project_id || !s->method || !s->params || !s->job ||
	    sscanf(idx, "%d/%d%c", &s->index, &s->count, &tail) != 2 ||
	    s->count < 1 || s->index < 0 || s->index >= s->count)
		rc = err_set(err, NS_EINPUT, "%s: not a negsieve shard "
			     "(write one with 'negsieve mine --shard I/N "
			     "--output FILE')", s->path);
	else
		s->queries = atoll(nq);
	free(fmt);
	free(idx);
	free(nq);
	return rc;
}

static void
shard_in_close(struct shard_in *s)
{
	if (s->h)
		sqlite3_close(s->h);
	free(s->project_id);
	free(s->method);
	free(s->params);
	free(s->job);
}

/* Copy a shard's pool, if it has one, into run @run_id; *@cands counts
 * its candidates, *@pooled whether there was a pool. */
static enum ns_rc
shard_copy_pool(struct db *db, struct shard_in *s, int64_t run_id,
		int64_t *cands, bool *pooled, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO run_pool (run_id, query_id, data) VALUES (?, ?, ?)";
	sqlite3_stmt *in, *out;
	enum ns_rc rc = NS_OK;
	int r;

	*pooled = false;
	if (sqlite3_prepare_v2(s->h, "SELECT query_id, data FROM pool", -1,
			       &in, NULL) != SQLITE_OK)
		return NS_OK;	/* an older shard: no pool */
	*pooled = true;
	if (!(out = db_prep(db, sql, err))) {
		sqlite3_finalize(in);
		return NS_EDB;
	}
	while ((r = sqlite3_step(in)) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(in, 1);

		if (sqlite3_column_bytes(in, 1) >= 12)
			*cands += (int64_t)(b[4] | b[5] << 8 | b[6] << 16 |
					    (uint32_t)b[7] << 24);
		sqlite3_bind_int64(out, 1, run_id);
		sqlite3_bind_value(out, 2, sqlite3_column_value(in, 0));
		sqlite3_bind_value(out, 3, sqlite3_column_value(in, 1));
		if (sqlite3_step(out) != SQLITE_DONE) {
			rc = db_fail(db, err, s->path);
			break;
		}
		sqlite3_reset(out);
	}
	if (rc == NS_OK && r != SQLITE_DONE)
		rc = shard_sqlfail(s->h, s->path, err);
	sqlite3_finalize(in);
	return rc;
}

/* Copy one shard's rows into run @run_id: its pool, or when it has none
 * (an older shard) its candidates and positives' scores (a pool is
 * published again; its kept candidates applied the decisions of the time
 * the shard was mined). */
static enum ns_rc
shard_copy(struct db *db, struct shard_in *s, int64_t run_id, int64_t *cands,
	   struct ns_err *err)
{
	bool pooled;
	int64_t copied = 0;
	static const char sql_c[] =
		"INSERT INTO candidate (run_id, query_id, passage_id, rank, "
		"score, filter, dup_sim, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_p[] =
		"INSERT INTO run_positive (run_id, query_id, passage_id, score) "
		"VALUES (?, ?, ?, ?)";
	static const char *const src[2] = {
		"SELECT query_id, passage_id, rank, score, filter, dup_sim, "
		"flag FROM candidate",
		"SELECT query_id, passage_id, score FROM run_positive",
	};
	enum ns_rc rc = shard_copy_pool(db, s, run_id, cands, &pooled, err);

	for (int t = 0; t < 2 && rc == NS_OK && !pooled; t++) {
		sqlite3_stmt *in, *out = db_prep(db, t ? sql_p : sql_c, err);
		int ncol = t ? 3 : 7, r;

		if (!out)
			return NS_EDB;
		if (sqlite3_prepare_v2(s->h, src[t], -1, &in, NULL) !=
		    SQLITE_OK)
			return shard_sqlfail(s->h, s->path, err);
		while ((r = sqlite3_step(in)) == SQLITE_ROW) {
			sqlite3_bind_int64(out, 1, run_id);
			for (int i = 0; i < ncol; i++)
				sqlite3_bind_value(out, i + 2,
						   sqlite3_column_value(in, i));
			if (sqlite3_step(out) != SQLITE_DONE) {
				char what[600];

				snprintf(what, sizeof(what),
					 "%s: query %lld, passage %lld",
					 s->path,
					 (long long)sqlite3_column_int64(in, 0),
					 (long long)sqlite3_column_int64(in, 1));
				rc = db_fail(db, err, what);
				break;
			}
			sqlite3_reset(out);
			if (!t)
				copied++;
		}
		if (rc == NS_OK && r != SQLITE_DONE)
			rc = shard_sqlfail(s->h, s->path, err);
		sqlite3_finalize(in);
	}
	if (!pooled)
		*cands += copied;
	return rc;
}

enum ns_rc
shard_merge(struct db *db, const char *project_id, char *const *paths, int n,
	    shard_publish_fn *publish, void *arg, int64_t *run_id,
	    int64_t *cands, int64_t *queries, struct ns_err *err)
{
	static const char sql_done[] =
		"SELECT id FROM run WHERE CASE WHEN json_valid(params) THEN "
		"json_extract(params, '$.shard_job') END = ?";
	static const char sql_run[] =
		"INSERT INTO run (method, params, created_at) VALUES (?, "
		"json_set(?, '$.shards', ?, '$.shard_job', ?), ?)";
	struct shard_in *s = xcalloc((size_t)n, sizeof(*s));
	struct shard_in **by_index = NULL;
	sqlite3_stmt *st;
	char job[17], now[40];
	enum ns_rc rc = NS_OK;
	int64_t merged;

	*cands = *queries = 0;
	for (int i = 0; i < n && rc == NS_OK; i++) {
		s[i].path = paths[i];
		if ((rc = shard_read(&s[i], err)))
			break;
		if (strcmp(s[i].project_id, project_id) != 0)
			rc = err_set(err, NS_EINPUT, "%s: a shard of another "
				     "project (id %s; this project is %s)",
				     s[i].path, s[i].project_id, project_id);
		else if (i && s[i].count != s[0].count)
			rc = err_set(err, NS_EINPUT, "%s: shard %d/%d is not "
				     "of the same job as %s (shard %d/%d)",
				     s[i].path, s[i].index, s[i].count,
				     s[0].path, s[0].index, s[0].count);
		else if (i && (strcmp(s[i].method, s[0].method) ||
			       strcmp(s[i].job, s[0].job)))
			rc = err_set(err, NS_EINPUT, "%s: shard %d/%d was mined "
				     "with other parameters or vectors than %s",
				     s[i].path, s[i].index, s[i].count,
				     s[0].path);
	}
	if (rc == NS_OK) {
		by_index = xcalloc((size_t)s[0].count, sizeof(*by_index));
		for (int i = 0; i < n && rc == NS_OK; i++) {
			if (by_index[s[i].index])
				rc = err_set(err, NS_EINPUT, "%s: shard %d/%d "
					     "is given twice (also as %s)",
					     s[i].path, s[i].index,
					     s[i].count,
					     by_index[s[i].index]->path);
			by_index[s[i].index] = &s[i];
		}
	}
	if (rc == NS_OK && n < s[0].count) {
		struct strbuf sb;
		int shown = 0;

		strbuf_init(&sb);
		for (int i = 0; i < s[0].count && shown < 8; i++)
			if (!by_index[i]) {
				strbuf_addf(&sb, "%s%d/%d", shown ? ", " : "",
					    i, s[0].count);
				shown++;
			}
		if (s[0].count - n > shown)
			strbuf_addstr(&sb, ", ...");
		rc = err_set(err, NS_EINPUT, "%d of %d shards given; missing "
			     "%s (merge all shards of a job at once)", n,
			     s[0].count, sb.buf);
		strbuf_fini(&sb);
	}
	if (rc != NS_OK)
		goto out;
	shard_job_hash(project_id, s[0].job, job);
	/* the check and the insert in one write transaction: two merges of
	 * one job started together would both find no run before either
	 * wrote one (BEGIN IMMEDIATE: the second waits here for the first
	 * to commit, then finds its run) */
	if ((rc = db_begin(db, err)))
		goto out;
	if (!(st = db_prep(db, sql_done, err))) {
		rc = NS_EDB;
		goto fail;
	}
	sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
	rc = db_step_id(db, st, &merged, "reading the project's runs", err);
	if (rc == NS_OK)
		rc = err_set(err, NS_EINPUT, "these shards were already merged "
			     "as run %lld", (long long)merged);
	if (rc != NS_ENOTFOUND)
		goto fail;
	rc = NS_OK;
	if (!(st = db_prep(db, sql_run, err))) {
		rc = NS_EDB;
	} else {
		sqlite3_bind_text(st, 1, s[0].method, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s[0].params, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, s[0].count);
		sqlite3_bind_text(st, 4, job, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, now_iso8601(now, sizeof(now)), -1,
				  SQLITE_STATIC);
		rc = db_step_done(db, st, "creating the merged run", err);
		if (rc == NS_OK)
			*run_id = sqlite3_last_insert_rowid(db_handle(db));
	}
	for (int i = 0; i < s[0].count && rc == NS_OK; i++) {
		rc = shard_copy(db, by_index[i], *run_id, cands, err);
		*queries += by_index[i]->queries;
	}
	/* published with people's decisions as they are now: the shards
	 * applied those of the time they were mined */
	if (rc == NS_OK)
		rc = publish(arg, db, *run_id, s[0].method, s[0].params, err);
	/* the pool's size, for stats */
	if (rc == NS_OK)
		rc = db_mine_run_pooled(db, *run_id, err);
	if (rc == NS_OK)
		rc = db_commit(db, err);
fail:
	if (rc != NS_OK)
		db_rollback(db);
out:
	for (int i = 0; i < n; i++)
		shard_in_close(&s[i]);
	free(s);
	free(by_index);
	return rc;
}
