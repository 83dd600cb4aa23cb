/*
 * mining.c - SQL of mining (see db/mine.h).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wctype.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/mining.h"
#include "src/util.h"

enum ns_rc
db_mine_run_new(struct db *db, const char *method, const char *params,
		int64_t *run_id, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO run (method, params, created_at) VALUES (?, ?, ?)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char now[40];
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, method, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, params, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now_iso8601(now, sizeof(now)), -1,
			  SQLITE_TRANSIENT);
	if ((rc = db_step_done(db, st, "creating a run", err)))
		return rc;
	*run_id = sqlite3_last_insert_rowid(db_handle(db));
	return NS_OK;
}

enum ns_rc
db_mine_run_get(struct db *db, int64_t run_id, char **method, char **params,
		struct ns_err *err)
{
	static const char sql[] =
		"SELECT method, params, state FROM run WHERE id = ? AND "
		"method IN ('dense', 'bm25')";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return err_set(err, NS_ENOTFOUND, "run %lld: no such mining run",
			       (long long)run_id);
	if (rc == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 2), "done") != 0) {
		sqlite3_reset(st);
		return err_set(err, NS_ENOTFOUND, "run %lld: unfinished (its "
			       "mining was interrupted); run 'negsieve mine "
			       "%s' again to resume it", (long long)run_id,
			       db_dir(db));
	}
	if (rc != SQLITE_ROW)
		return db_fail(db, err, "reading a run");
	*method = xstrdup((const char *)sqlite3_column_text(st, 0));
	*params = sqlite3_column_type(st, 1) == SQLITE_NULL ? xstrdup("{}") :
		  xstrdup((const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	return NS_OK;
}

int64_t
db_mine_run_last(struct db *db)
{
	int64_t v = db_scalar(db, "SELECT coalesce(max(id), 0) FROM run "
			      "WHERE method IN ('dense', 'bm25') AND "
			      "state = 'done'");

	return v < 0 ? 0 : v;
}

/*
 * The one definition of a query the mining runs do not hold (see
 * db_mine_cover_open()), for query id Q: imported after them (above ?1,
 * the highest id any of them mined), or at most that but above ?2 (the
 * highest a run without a pool mined, which held every query up to it)
 * with no row in the pool of any run of ?3 (the JSON array of the runs
 * with pools: a pool has a row for each query the run searched, also
 * one that found nothing, so a query a dense run could not search for
 * lack of a vector has none).
 */
#define DB_MINE_OUT(Q) \
	"(" Q " > ?1 OR (" Q " > ?2 AND NOT EXISTS (SELECT 1" \
	"  FROM run_pool p WHERE p.query_id = " Q \
	"   AND p.run_id IN (SELECT j.value FROM json_each(?3) j))))"

static void
db_mine_cover_bind(sqlite3_stmt *st, const struct db_mine_cover *cv)
{
	sqlite3_bind_int64(st, 1, cv->upto);
	sqlite3_bind_int64(st, 2, cv->nopool_upto);
	sqlite3_bind_text(st, 3, cv->pooled, -1, SQLITE_STATIC);
}

enum ns_rc
db_mine_cover_open(struct db *db, int64_t run, struct db_mine_cover *cv,
		   struct ns_err *err)
{
	/* a few index look-ups a run: whether it has a pool, the last
	 * query of its pool (a run mined before pools: of its candidate
	 * rows) */
	static const char sql[] =
		"SELECT r.id,"
		"  EXISTS (SELECT 1 FROM run_pool p WHERE p.run_id = r.id),"
		"  coalesce((SELECT max(p.query_id) FROM run_pool p"
		"    WHERE p.run_id = r.id),"
		"   (SELECT max(c.query_id) FROM candidate c"
		"    WHERE c.run_id = r.id), 0)"
		" FROM run r WHERE r.method IN ('dense', 'bm25')"
		"  AND (?1 = 0 AND r.state = 'done' OR r.id = ?1)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	struct strbuf sb;
	int rc;

	memset(cv, 0, sizeof(*cv));
	if (!st)
		return NS_EDB;
	strbuf_init(&sb);
	strbuf_addch(&sb, '[');
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int64_t upto = sqlite3_column_int64(st, 2);

		if (upto > cv->upto)
			cv->upto = upto;
		if (!sqlite3_column_int(st, 1)) {
			if (upto > cv->nopool_upto)
				cv->nopool_upto = upto;
			continue;
		}
		strbuf_addf(&sb, "%s%lld", sb.len > 1 ? "," : "",
			    (long long)id);
	}
	sqlite3_reset(st);
	strbuf_addch(&sb, ']');
	cv->pooled = strbuf_detach(&sb, NULL);
	if (rc != SQLITE_DONE) {
		db_mine_cover_fini(cv);
		return db_fail(db, err, "reading the runs' queries");
	}
	return NS_OK;
}

void
db_mine_cover_fini(struct db_mine_cover *cv)
{
	free(cv->pooled);
	memset(cv, 0, sizeof(*cv));
}

enum ns_rc
db_mine_cover_out(struct db *db, const struct db_mine_cover *cv, int64_t qid,
		  bool *out, struct ns_err *err)
{
	static const char sql[] = "SELECT " DB_MINE_OUT("?4");
	sqlite3_stmt *st;
	int rc;

	*out = false;
	if (cv->upto <= 0)
		return NS_OK;
	if (!(st = db_prep(db, sql, err)))
		return NS_EDB;
	db_mine_cover_bind(st, cv);
	sqlite3_bind_int64(st, 4, qid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? NS_OK
				: db_fail(db, err, "reading the runs' queries");
}

enum ns_rc
db_mine_not_in_run(struct db *db, int64_t run, int64_t *upto, int64_t *n,
		   int64_t *notext, struct ns_err *err)
{
	/* the queries above the highest id mined, then a look-up in the
	 * pools of those below it that a run without a pool does not
	 * hold */
	static const char sql[] =
		"SELECT count(*) FROM query q WHERE q.id > ?2"
		" AND " DB_MINE_OUT("q.id") " AND NOT ns_blank(q.text)";
	static const char sql_notext[] =
		"SELECT count(*) FROM query"
		" WHERE text IS NULL OR ns_blank(text)";
	struct db_mine_cover cv;
	sqlite3_stmt *st;
	enum ns_rc rc;

	*upto = *n = 0;
	if (notext) {
		if (!(st = db_prep(db, sql_notext, err)))
			return NS_EDB;
		if ((rc = db_step_int(db, st, notext, "reading queries", err)))
			return rc;
	}
	if ((rc = db_mine_cover_open(db, run, &cv, err)))
		return rc;
	*upto = cv.upto;
	if (cv.upto > 0 && (st = db_prep(db, sql, err))) {
		db_mine_cover_bind(st, &cv);
		rc = db_step_int(db, st, n, "reading the runs' queries", err);
	} else if (cv.upto > 0) {
		rc = NS_EDB;
	}
	db_mine_cover_fini(&cv);
	return rc;
}

enum ns_rc
db_mine_run_set_params(struct db *db, int64_t run_id, const char *params,
		       struct ns_err *err)
{
	static const char sql[] = "UPDATE run SET params = ? WHERE id = ?";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, params, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, run_id);
	return db_step_done(db, st, "updating a run", err);
}

enum ns_rc
db_mine_store(struct db *db, int64_t run_id, int64_t query_id,
	      const struct filter_cand *c, size_t n, const int64_t *pos,
	      const double *pos_score, size_t npos, struct ns_err *err)
{
	static const char sql_c[] =
		"INSERT INTO candidate (run_id, query_id, passage_id, rank, "
		"score, filter, dup_sim, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_p[] =
		"INSERT OR REPLACE INTO run_positive (run_id, query_id, "
		"passage_id, score) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st = db_prep(db, sql_c, err);

	if (!st)
		return NS_EDB;
	for (size_t i = 0; i < n; i++) {
		const char *f = filter_reason_name(c[i].reason);

		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, query_id);
		sqlite3_bind_int64(st, 3, c[i].passage_id);
		sqlite3_bind_int(st, 4, c[i].rank);
		sqlite3_bind_double(st, 5, c[i].score);
		if (f)
			sqlite3_bind_text(st, 6, f, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		if (isnan(c[i].dup_sim))
			sqlite3_bind_null(st, 7);
		else
			sqlite3_bind_double(st, 7, c[i].dup_sim);
		if (c[i].near_dup)
			sqlite3_bind_text(st, 8, "near_duplicate", -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 8);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_fail(db, err, "storing candidates");
		sqlite3_reset(st);
	}
	if (!npos)
		return NS_OK;
	if (!(st = db_prep(db, sql_p, err)))
		return NS_EDB;
	for (size_t i = 0; i < npos; i++) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, query_id);
		sqlite3_bind_int64(st, 3, pos[i]);
		if (isnan(pos_score[i]))
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_double(st, 4, pos_score[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_fail(db, err, "storing positive scores");
		sqlite3_reset(st);
	}
	return NS_OK;
}

enum ns_rc
db_mine_positives(struct db *db, const int64_t *qids, int64_t nq,
		  int64_t **pos_off, int64_t **pos_pid, struct ns_err *err)
{
	static const char sql[] =
		"SELECT query_id, passage_id FROM qrel WHERE grade > 0 "
		"ORDER BY query_id, passage_id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t *off, *pid = NULL, n = 0, cap = 0, qi = 0;
	int rc;

	if (!st)
		return NS_EDB;
	off = xcalloc((size_t)nq + 1, sizeof(*off));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(st, 0);

		while (qi < nq && qids[qi] < q)
			off[++qi] = n;
		if (qi >= nq || qids[qi] != q)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			pid = xrealloc(pid, (size_t)cap * sizeof(*pid));
		}
		pid[n++] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		free(off);
		free(pid);
		return db_fail(db, err, "reading positives");
	}
	while (qi < nq)
		off[++qi] = n;
	*pos_off = off;
	*pos_pid = pid ? pid : xmalloc(sizeof(*pid));
	return NS_OK;
}

enum ns_rc
db_mine_text_hashes(struct db *db, int query, const int64_t *ids, int64_t n,
		    uint64_t **out, struct ns_err *err)
{
	static const char sql_p[] = "SELECT id, text FROM passage ORDER BY id";
	static const char sql_q[] = "SELECT id, text FROM query ORDER BY id";
	sqlite3_stmt *st = db_prep(db, query ? sql_q : sql_p, err);
	uint64_t *h;
	int64_t i = 0;
	int rc = SQLITE_DONE;

	if (!st)
		return NS_EDB;
	h = xcalloc((size_t)n + 1, sizeof(*h));
	while (i < n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const void *t = sqlite3_column_blob(st, 1);

		if (ids[i] < id)
			break;		/* ids[i] has no row */
		if (ids[i] == id) {
			if (t) {
				h[i] = hash64(t, (size_t)sqlite3_column_bytes(
							 st, 1));
				if (!h[i])
					h[i] = 1;
			}
			i++;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(h);
		return db_fail(db, err, "reading texts");
	}
	if (i < n) {
		free(h);
		return err_set(err, NS_EINPUT, "%s %lld has a vector but is no "
			       "longer in the project; re-run 'negsieve embed "
			       "%s'", query ? "query" : "passage",
			       (long long)ids[i], db_dir(db));
	}
	*out = h;
	return NS_OK;
}

enum ns_rc
db_mine_fk(struct db *db, bool on, struct ns_err *err)
{
	return db_exec(db, on ? "PRAGMA foreign_keys = ON" :
				"PRAGMA foreign_keys = OFF", err);
}

enum ns_rc
db_mine_queries(struct db *db, int64_t **ids, char ***texts, int64_t *n,
		struct ns_err *err)
{
	static const char sql[] = "SELECT id, text FROM query ORDER BY id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t cap = 0, m = 0, *v = NULL;
	char **t = NULL;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 1);

		if (m == cap) {
			cap = cap ? 2 * cap : 256;
			v = xrealloc(v, (size_t)cap * sizeof(*v));
			t = xrealloc(t, (size_t)cap * sizeof(*t));
		}
		v[m] = sqlite3_column_int64(st, 0);
		t[m++] = s ? xstrdup(s) : NULL;
	}
	if (rc != SQLITE_DONE) {
		db_mine_queries_free(v, t, m);
		return db_fail(db, err, "reading queries");
	}
	*ids = v;
	*texts = t;
	*n = m;
	return NS_OK;
}

void
db_mine_queries_free(int64_t *ids, char **texts, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(ids);
}

const char *
db_mine_fts_term(const char *text, size_t *len)
{
	const unsigned char *p = (const unsigned char *)text, *start;

	/* a term: letters, digits and any non-ASCII byte (UTF-8) */
	while (*p && *p < 0x80 && !(*p >= '0' && *p <= '9') &&
	       !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
		p++;
	if (!*p)
		return NULL;
	start = p;
	while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
		p++;
	*len = (size_t)(p - start);
	return (const char *)start;
}

char *
db_mine_fts_query(const char *text)
{
	struct strbuf sb;
	const char *t;
	size_t len;

	strbuf_init(&sb);
	while ((t = db_mine_fts_term(text, &len))) {
		if (sb.len)
			strbuf_addstr(&sb, " OR ");
		/* inside "...", FTS5 treats everything as a string; the
		 * term has no '"' so nothing needs doubling */
		strbuf_addch(&sb, '"');
		strbuf_add(&sb, t, len);
		strbuf_addch(&sb, '"');
		text = t + len;
	}
	if (!sb.len) {
		strbuf_fini(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

enum ns_rc
db_mine_bm25_term(struct db *db, const char *term, size_t len,
		  int64_t **rowids, double **scores, int64_t *n,
		  struct ns_err *err)
{
	static const char sql[] =
		"SELECT rowid, -bm25(passage_fts) FROM passage_fts "
		"WHERE passage_fts MATCH ?";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t m = 0, cap = 0, *r = NULL;
	double *s = NULL;
	char *q;
	int rc;

	if (!st)
		return NS_EDB;
	q = xmalloc(len + 3);
	q[0] = '"';
	memcpy(q + 1, term, len);
	q[len + 1] = '"';
	q[len + 2] = 0;
	sqlite3_bind_text(st, 1, q, (int)len + 2, free);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m == cap) {
			cap = cap ? 2 * cap : 64;
			r = xrealloc(r, (size_t)cap * sizeof(*r));
			s = xrealloc(s, (size_t)cap * sizeof(*s));
		}
		r[m] = sqlite3_column_int64(st, 0);
		s[m++] = sqlite3_column_double(st, 1);
	}
	if (rc != SQLITE_DONE) {
		free(r);
		free(s);
		return db_fail(db, err, "BM25 of a term");
	}
	sqlite3_reset(st);
	*rowids = r;
	*scores = s;
	*n = m;
	return NS_OK;
}

enum ns_rc
db_mine_bm25(struct db *db, const char *text, int k, int64_t **pids,
	     double **scores, int *n, struct ns_err *err)
{
	static const char sql[] =
		"SELECT rowid, -bm25(passage_fts) FROM passage_fts "
		"WHERE passage_fts MATCH ? ORDER BY bm25(passage_fts) LIMIT ?";
	char *q = text ? db_mine_fts_query(text) : NULL;
	sqlite3_stmt *st;
	int m = 0, rc;

	*pids = xmalloc((size_t)(k > 0 ? k : 1) * sizeof(**pids));
	*scores = xmalloc((size_t)(k > 0 ? k : 1) * sizeof(**scores));
	*n = 0;
	if (!q)
		return NS_OK;
	if (!(st = db_prep(db, sql, err))) {
		free(q);
		return NS_EDB;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, k);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && m < k) {
		(*pids)[m] = sqlite3_column_int64(st, 0);
		(*scores)[m++] = sqlite3_column_double(st, 1);
	}
	free(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, err, "BM25 search");
	sqlite3_reset(st);
	*n = m;
	return NS_OK;
}

enum ns_rc
db_mine_writer(struct db *db, struct ns_err *err)
{
	return db_exec(db, "PRAGMA cache_size = -131072", err);
}

enum ns_rc
db_mine_bm25_reader(struct db *db, struct ns_err *err)
{
	return db_exec(db, "PRAGMA cache_size = -65536", err);
}

enum ns_rc
db_mine_bm25_snapshot(struct db *db, bool hold, struct ns_err *err)
{
	if (hold)
		return db_exec(db, "BEGIN", err);
	return sqlite3_get_autocommit(db_handle(db)) ? NS_OK :
	       db_exec(db, "COMMIT", err);
}

enum ns_rc
db_mine_passage_hashes(struct db *db, int64_t **ids, uint64_t **hashes,
		       int64_t *n, struct ns_err *err)
{
	static const char sql[] = "SELECT id, text FROM passage ORDER BY id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t *v = NULL, m = 0, cap = 0;
	uint64_t *h = NULL;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *t = sqlite3_column_blob(st, 1);

		if (m == cap) {
			cap = cap ? 2 * cap : 1024;
			v = xrealloc(v, (size_t)cap * sizeof(*v));
			h = xrealloc(h, (size_t)cap * sizeof(*h));
		}
		v[m] = sqlite3_column_int64(st, 0);
		h[m] = 0;
		if (t && !(h[m] = hash64(t, (size_t)sqlite3_column_bytes(st,
									   1))))
			h[m] = 1;
		m++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		free(h);
		return db_fail(db, err, "reading texts");
	}
	*ids = v ? v : xmalloc(sizeof(*v));
	*hashes = h ? h : xmalloc(sizeof(*h));
	*n = m;
	return NS_OK;
}

enum ns_rc
db_mine_bm25_one(struct db *db, const char *text, int64_t pid, double *score,
		 struct ns_err *err)
{
	static const char sql[] =
		"SELECT -bm25(passage_fts) FROM passage_fts "
		"WHERE passage_fts MATCH ? AND rowid = ?";
	char *q = text ? db_mine_fts_query(text) : NULL;
	sqlite3_stmt *st;
	int rc;

	*score = 0;
	if (!q)
		return NS_OK;
	if (!(st = db_prep(db, sql, err))) {
		free(q);
		return NS_EDB;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, pid);
	rc = sqlite3_step(st);
	free(q);
	if (rc == SQLITE_ROW)
		*score = sqlite3_column_double(st, 0);
	else if (rc != SQLITE_DONE)
		return db_fail(db, err, "BM25 of a positive");
	sqlite3_reset(st);
	return NS_OK;
}

enum ns_rc
db_mine_each(struct db *db, int64_t run_id, db_mine_query_fn fn, void *arg,
	     struct ns_err *err)
{
	static const char sql_c[] =
		"SELECT query_id, passage_id, rank, score, dup_sim, filter "
		"FROM candidate WHERE run_id = ? ORDER BY query_id, rank";
	static const char sql_p[] =
		"SELECT score FROM run_positive WHERE run_id = ? AND "
		"query_id = ? AND score IS NOT NULL";
	sqlite3_stmt *st = db_prep(db, sql_c, err), *sp;
	struct filter_cand *c = NULL;
	double *ps = NULL;
	size_t n = 0, cap = 0, pcap = 0;
	int64_t cur = -1;
	enum ns_rc ret = NS_OK;
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run_id);
	for (;;) {
		int64_t q = -1;

		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			q = sqlite3_column_int64(st, 0);
		else if (rc != SQLITE_DONE) {
			ret = db_fail(db, err, "reading candidates");
			break;
		}
		if (q != cur && n) {
			size_t np = 0;

			if (!(sp = db_prep(db, sql_p, err))) {
				ret = NS_EDB;
				break;
			}
			sqlite3_bind_int64(sp, 1, run_id);
			sqlite3_bind_int64(sp, 2, cur);
			while (sqlite3_step(sp) == SQLITE_ROW) {
				if (np == pcap) {
					pcap = pcap ? 2 * pcap : 16;
					ps = xrealloc(ps, pcap * sizeof(*ps));
				}
				ps[np++] = sqlite3_column_double(sp, 0);
			}
			sqlite3_reset(sp);
			if ((ret = fn(arg, cur, c, n, ps, np, err)) != NS_OK)
				break;
			n = 0;
		}
		if (rc == SQLITE_DONE)
			break;
		cur = q;
		if (n == cap) {
			cap = cap ? 2 * cap : 128;
			c = xrealloc(c, cap * sizeof(*c));
		}
		memset(&c[n], 0, sizeof(c[n]));
		c[n].passage_id = sqlite3_column_int64(st, 1);
		c[n].rank = sqlite3_column_int(st, 2);
		c[n].score = sqlite3_column_double(st, 3);
		c[n].dup_sim = sqlite3_column_type(st, 4) == SQLITE_NULL ?
			NAN : sqlite3_column_double(st, 4);
		{
			const char *f = (const char *)sqlite3_column_text(st, 5);
			enum filter_reason r = filter_reason_parse(f);

			c[n].is_positive = r == FILTER_POSITIVE;
			c[n].same_text = r == FILTER_SAME_TEXT;
		}
		n++;
	}
	sqlite3_reset(st);
	free(c);
	free(ps);
	return ret;
}

enum ns_rc
db_mine_update(struct db *db, int64_t run_id, int64_t query_id,
	       const struct filter_cand *c, struct ns_err *err)
{
	static const char sql[] =
		"UPDATE candidate SET filter = ?, flag = ? WHERE run_id = ? "
		"AND query_id = ? AND passage_id = ?";
	sqlite3_stmt *st = db_prep(db, sql, err);
	const char *f = filter_reason_name(c->reason);

	if (!st)
		return NS_EDB;
	if (f)
		sqlite3_bind_text(st, 1, f, -1, SQLITE_STATIC);
	if (c->near_dup)
		sqlite3_bind_text(st, 2, "near_duplicate", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, run_id);
	sqlite3_bind_int64(st, 4, query_id);
	sqlite3_bind_int64(st, 5, c->passage_id);
	return db_step_done(db, st, "updating candidates", err);
}

enum ns_rc
db_mine_same_text(struct db *db, int64_t query_id, int64_t pid, bool *same,
		  struct ns_err *err)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM passage p WHERE p.id = ?2 AND "
		"p.text IS NOT NULL AND (p.text = (SELECT text FROM query "
		"WHERE id = ?1) OR p.text IN (SELECT x.text FROM qrel r JOIN "
		"passage x ON x.id = r.passage_id WHERE r.query_id = ?1 AND "
		"r.grade > 0 AND x.id != ?2)))";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t v;
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, query_id);
	sqlite3_bind_int64(st, 2, pid);
	if ((rc = db_step_int(db, st, &v, "comparing texts", err)))
		return rc;
	*same = v != 0;
	return NS_OK;
}

/* --- run lifecycle ----------------------------------------------------- */

char *
db_mine_owner(char *buf, size_t size)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = 0;
	snprintf(buf, size, "%s:%ld", host, (long)getpid());
	return buf;
}

/* Does the owner "HOST:PID" still run (on this host; another host's
 * owner is taken for alive)? */
static bool
db_mine_owner_alive(const char *owner)
{
	char me[300], *colon;
	const char *pid;
	long p;

	if (!owner || !(colon = strrchr(owner, ':')))
		return false;
	db_mine_owner(me, sizeof(me));
	if (strncmp(owner, me, (size_t)(colon - owner) + 1) != 0)
		return true;
	pid = colon + 1;
	p = strtol(pid, NULL, 10);
	if (p <= 0 || p == (long)getpid())
		return false;
	return kill((pid_t)p, 0) == 0 || errno == EPERM;
}

/* Remove every trace of unfinished run @id. */
static enum ns_rc
db_mine_run_drop(struct db *db, int64_t id, struct ns_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM run_pool WHERE run_id = ?",
		"DELETE FROM candidate WHERE run_id = ?",
		"DELETE FROM run_positive WHERE run_id = ?",
		"DELETE FROM run WHERE id = ? AND state = 'mining'",
	};
	enum ns_rc rc = NS_OK;

	for (size_t i = 0; i < 4 && rc == NS_OK; i++) {
		sqlite3_stmt *st = db_prep(db, sql[i], err);

		if (!st)
			return NS_EDB;
		sqlite3_bind_int64(st, 1, id);
		rc = db_step_done(db, st, "removing an unfinished run", err);
	}
	return rc;
}

static enum ns_rc
db_mine_busy_err(int64_t id, const char *owner, struct ns_err *err)
{
	return err_set(err, NS_EDB, "run %lld is being mined by process %s; "
		       "wait for it to finish (or stop it) before mining "
		       "again", (long long)id, owner);
}

enum ns_rc
db_mine_busy(struct db *db, struct ns_err *err)
{
	static const char sql[] =
		"SELECT id, json_extract(params, '$.owner') FROM run "
		"WHERE state = 'mining' AND json_valid(params) ORDER BY id DESC";
	sqlite3_stmt *st = db_prep(db, sql, err);
	enum ns_rc rc = NS_OK;
	int r = SQLITE_DONE;

	if (!st)
		return NS_EDB;
	while (rc == NS_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (db_mine_owner_alive((const char *)sqlite3_column_text(st,
									  1)))
			rc = db_mine_busy_err(sqlite3_column_int64(st, 0),
					      (const char *)
						      sqlite3_column_text(st, 1),
					      err);
	if (rc == NS_OK && r != SQLITE_DONE)
		rc = db_fail(db, err, "reading unfinished runs");
	sqlite3_reset(st);
	return rc;
}

enum ns_rc
db_mine_run_begin(struct db *db, const char *method, const char *params,
		  const char *key, const char *owner, int64_t *run_id,
		  bool *resumed, int64_t *replaced, struct ns_err *err)
{
	static const char sql_open[] =
		"SELECT id, json_extract(params, '$.search'), "
		"json_extract(params, '$.owner') FROM run "
		"WHERE state = 'mining' AND json_valid(params) ORDER BY id DESC";
	static const char sql_own[] =
		"UPDATE run SET params = json_set(params, '$.owner', ?) "
		"WHERE id = ?";
	static const char sql_new[] =
		"INSERT INTO run (method, params, created_at, state) VALUES "
		"(?, json_set(?, '$.search', ?, '$.owner', ?), ?, 'mining')";
	int64_t *drop = NULL, ndrop = 0, keep = 0;
	sqlite3_stmt *st;
	enum ns_rc rc;
	char now[40];
	int r;

	*resumed = false;
	*replaced = 0;
	if ((rc = db_begin(db, err)))
		return rc;
	if (!(st = db_prep(db, sql_open, err))) {
		rc = NS_EDB;
		goto out;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *k = (const char *)sqlite3_column_text(st, 1);
		const char *o = (const char *)sqlite3_column_text(st, 2);

		if (db_mine_owner_alive(o)) {
			rc = db_mine_busy_err(id, o, err);
			break;
		}
		if (!keep && k && key && !strcmp(k, key)) {
			keep = id;
			continue;
		}
		drop = xrealloc(drop, (size_t)(ndrop + 1) * sizeof(*drop));
		drop[ndrop++] = id;
	}
	sqlite3_reset(st);
	if (rc == NS_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = db_fail(db, err, "reading unfinished runs");
	for (int64_t i = 0; i < ndrop && rc == NS_OK; i++)
		rc = db_mine_run_drop(db, drop[i], err);
	if (rc != NS_OK)
		goto out;
	*replaced = ndrop;
	if (keep) {
		if (!(st = db_prep(db, sql_own, err))) {
			rc = NS_EDB;
			goto out;
		}
		sqlite3_bind_text(st, 1, owner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, keep);
		if ((rc = db_step_done(db, st, "taking up a run", err)))
			goto out;
		*run_id = keep;
		*resumed = true;
	} else {
		if (!(st = db_prep(db, sql_new, err))) {
			rc = NS_EDB;
			goto out;
		}
		sqlite3_bind_text(st, 1, method, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, params, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, owner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, now_iso8601(now, sizeof(now)), -1,
				  SQLITE_TRANSIENT);
		if ((rc = db_step_done(db, st, "creating a run", err)))
			goto out;
		*run_id = sqlite3_last_insert_rowid(db_handle(db));
	}
out:
	free(drop);
	if (rc == NS_OK)
		rc = db_commit(db, err);
	if (rc != NS_OK)
		db_rollback(db);
	return rc;
}

void
db_mine_run_abandon(struct db *db, int64_t run_id)
{
	struct ns_err e;

	if (db_begin(db, &e) != NS_OK)
		return;
	if (db_mine_run_drop(db, run_id, &e) == NS_OK &&
	    db_commit(db, &e) == NS_OK)
		return;
	db_rollback(db);
}

enum ns_rc
db_mine_run_finish(struct db *db, int64_t run_id, const char *params,
		   struct ns_err *err)
{
	static const char sql[] =
		"UPDATE run SET state = 'done', params = ? WHERE id = ?";
	sqlite3_stmt *st = db_prep(db, sql, err);
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, params, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, run_id);
	if ((rc = db_step_done(db, st, "finishing a run", err)))
		return rc;
	return db_mine_run_pooled(db, run_id, err);
}

/* --- pools ------------------------------------------------------------- */

/*
 * Pool blob, little-endian: "NSP1", u32 n, u32 npos, u8 bits (1: the
 * scores are float32, else float64), then n passage ids as zigzag varints
 * of the difference to the previous id (the first to 0), n scores, n
 * float32 near-duplicate similarities (NaN: none), n bytes of marks (1
 * positive, 2 same text, 4 flagged near-duplicate), n bytes of filter
 * reasons (enum filter_reason, 0 = kept), npos positive ids (varints, as
 * above) and npos scores (NaN: no vector).  Rank = index + 1.  Dense
 * scores are floats, so a query's 100 candidates take about 1.3 KB.
 * tests/pool.py reads it too.
 */
#define POOL_MAGIC "NSP1"
#define POOL_HEAD 13

struct pool_buf {
	unsigned char *b;
	size_t len, cap;
};

static void
pool_put(struct pool_buf *p, const void *v, size_t n)
{
	if (p->len + n > p->cap) {
		p->cap = (p->len + n) * 2 + 64;
		p->b = xrealloc(p->b, p->cap);
	}
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static void
pool_put_le(struct pool_buf *p, uint64_t v, int bytes)
{
	unsigned char t[8];

	for (int i = 0; i < bytes; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	pool_put(p, t, (size_t)bytes);
}

static void
pool_put_varint(struct pool_buf *p, uint64_t v)
{
	unsigned char t[10];
	size_t n = 0;

	do {
		t[n++] = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v);
	pool_put(p, t, n);
}

static void
pool_put_ids(struct pool_buf *p, const int64_t *id, size_t stride, size_t n)
{
	int64_t prev = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t v = *(const int64_t *)((const char *)id + i * stride);
		uint64_t d = (uint64_t)v - (uint64_t)prev;

		/* zigzag: small differences either way take few bytes */
		pool_put_varint(p, (d << 1) ^ (uint64_t)-(int64_t)(d >> 63));
		prev = v;
	}
}

static void
pool_put_score(struct pool_buf *p, double d, bool f32)
{
	if (f32) {
		float f = (float)d;
		uint32_t u;

		memcpy(&u, &f, 4);
		pool_put_le(p, u, 4);
	} else {
		uint64_t u;

		memcpy(&u, &d, 8);
		pool_put_le(p, u, 8);
	}
}

void *
db_mine_pool_pack(const struct filter_cand *c, size_t n, const int64_t *pos,
		  const double *pos_score, size_t npos, size_t *len)
{
	struct pool_buf p = { NULL, 0, 0 };
	bool f32 = true;

	for (size_t i = 0; i < n && f32; i++)
		f32 = isnan(c[i].score) || (double)(float)c[i].score ==
						    c[i].score;
	for (size_t i = 0; i < npos && f32; i++)
		f32 = isnan(pos_score[i]) || (double)(float)pos_score[i] ==
						     pos_score[i];
	pool_put(&p, POOL_MAGIC, 4);
	pool_put_le(&p, (uint32_t)n, 4);
	pool_put_le(&p, (uint32_t)npos, 4);
	pool_put_le(&p, f32 ? 1 : 0, 1);
	pool_put_ids(&p, &c[0].passage_id, sizeof(*c), n);
	for (size_t i = 0; i < n; i++)
		pool_put_score(&p, c[i].score, f32);
	for (size_t i = 0; i < n; i++)
		pool_put_score(&p, c[i].dup_sim, true);
	for (size_t i = 0; i < n; i++)
		pool_put_le(&p, (uint64_t)((c[i].is_positive ? 1 : 0) |
					   (c[i].same_text ? 2 : 0) |
					   (c[i].near_dup ? 4 : 0)), 1);
	for (size_t i = 0; i < n; i++)
		pool_put_le(&p, (uint64_t)c[i].reason, 1);
	pool_put_ids(&p, pos, sizeof(*pos), npos);
	for (size_t i = 0; i < npos; i++)
		pool_put_score(&p, pos_score[i], f32);
	*len = p.len;
	return p.b;
}

/* Reading a blob: a cursor that refuses to run past the end. */
struct pool_rd {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t
pool_get_le(struct pool_rd *r, int bytes)
{
	uint64_t v = 0;

	if (r->end - r->p < bytes) {
		r->bad = true;
		return 0;
	}
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | r->p[i];
	r->p += bytes;
	return v;
}

static int64_t
pool_get_id(struct pool_rd *r, int64_t prev)
{
	uint64_t v = 0;
	int shift = 0;

	for (;;) {
		unsigned char b;

		if (r->p >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	return (int64_t)((uint64_t)prev + ((v >> 1) ^ (uint64_t)-(int64_t)(v & 1)));
}

static double
pool_get_score(struct pool_rd *r, bool f32)
{
	if (f32) {
		uint32_t u = (uint32_t)pool_get_le(r, 4);
		float f;

		memcpy(&f, &u, 4);
		return f;
	} else {
		uint64_t u = pool_get_le(r, 8);
		double d;

		memcpy(&d, &u, 8);
		return d;
	}
}

bool
db_mine_pool_unpack(const void *data, size_t len, struct filter_cand **cp,
		    size_t *np, int64_t **posp, double **psp, size_t *nposp)
{
	struct pool_rd r = { data, (const unsigned char *)data + len, false };
	size_t n, npos;
	struct filter_cand *c;
	char *blk;
	int64_t *pos, prev = 0;
	double *ps;
	bool f32;

	if (!data || len < POOL_HEAD || memcmp(data, POOL_MAGIC, 4) != 0)
		return false;
	r.p += 4;
	n = (size_t)pool_get_le(&r, 4);
	npos = (size_t)pool_get_le(&r, 4);
	f32 = pool_get_le(&r, 1) & 1;
	/* every candidate takes at least 11 bytes: refuse absurd counts */
	if (n > len / 11 || npos > len / 5)
		return false;
	blk = xmalloc(n * sizeof(*c) + npos * (sizeof(*pos) + sizeof(*ps)) +
		      1);
	c = (struct filter_cand *)blk;
	pos = (int64_t *)(blk + n * sizeof(*c));
	ps = (double *)(blk + n * sizeof(*c) + npos * sizeof(*pos));
	memset(c, 0, n * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i].passage_id = prev = pool_get_id(&r, prev);
		c[i].rank = (int)i + 1;
	}
	for (size_t i = 0; i < n; i++)
		c[i].score = pool_get_score(&r, f32);
	for (size_t i = 0; i < n; i++)
		c[i].dup_sim = pool_get_score(&r, true);
	for (size_t i = 0; i < n; i++) {
		unsigned m = (unsigned)pool_get_le(&r, 1);

		c[i].is_positive = (m & 1) != 0;
		c[i].same_text = (m & 2) != 0;
		c[i].near_dup = (m & 4) != 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned w = (unsigned)pool_get_le(&r, 1);

		if (w >= FILTER_NREASONS)
			r.bad = true;
		c[i].reason = (enum filter_reason)(w % FILTER_NREASONS);
	}
	prev = 0;
	for (size_t i = 0; i < npos; i++)
		pos[i] = prev = pool_get_id(&r, prev);
	for (size_t i = 0; i < npos; i++)
		ps[i] = pool_get_score(&r, f32);
	if (r.bad || r.p != r.end) {
		free(blk);
		return false;
	}
	*cp = c;
	*np = n;
	*posp = pos;
	*psp = ps;
	*nposp = npos;
	return true;
}

/* ns_pool_rank(), ns_pool_score(), ns_pool_dup() (see dbint.h): the
 * function's user data says which field. */
enum pool_field { POOL_RANK, POOL_SCORE, POOL_DUP };

static void
db_mine_fn_pool(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	enum pool_field f = *(const enum pool_field *)sqlite3_user_data(ctx);
	struct filter_cand *c;
	int64_t *pos, pid;
	double *ps;
	size_t n, npos;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB ||
	    !db_mine_pool_unpack(sqlite3_value_blob(argv[0]),
				 (size_t)sqlite3_value_bytes(argv[0]), &c, &n,
				 &pos, &ps, &npos))
		return;		/* NULL */
	pid = sqlite3_value_int64(argv[1]);
	for (size_t i = 0; i < n; i++) {
		if (c[i].passage_id != pid)
			continue;
		if (f == POOL_RANK)
			sqlite3_result_int(ctx, c[i].rank);
		else if (f == POOL_SCORE)
			sqlite3_result_double(ctx, c[i].score);
		else if (!isnan(c[i].dup_sim))
			sqlite3_result_double(ctx, c[i].dup_sim);
		break;
	}
	free(c);		/* one block with pos and ps */
}

/* ns_pool_size(data): the number of candidates of a pool blob, read off
 * its head (NULL for what is no pool blob). */
static void
db_mine_fn_pool_size(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *b;
	int len;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB)
		return;
	b = sqlite3_value_blob(argv[0]);
	len = sqlite3_value_bytes(argv[0]);
	if (!b || len < POOL_HEAD || memcmp(b, POOL_MAGIC, 4) != 0)
		return;
	sqlite3_result_int64(ctx, (int64_t)((uint32_t)b[4] |
					    (uint32_t)b[5] << 8 |
					    (uint32_t)b[6] << 16 |
					    (uint32_t)b[7] << 24));
}

int
db_mine_sql_functions(sqlite3 *h)
{
	static const enum pool_field fields[] = {
		POOL_RANK, POOL_SCORE, POOL_DUP
	};
	static const char *const names[] = {
		"ns_pool_rank", "ns_pool_score", "ns_pool_dup"
	};
	int rc = SQLITE_OK;

	for (size_t i = 0; i < 3 && rc == SQLITE_OK; i++)
		rc = sqlite3_create_function(h, names[i], 2,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				(void *)&fields[i], db_mine_fn_pool, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(h, "ns_pool_size", 1,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				db_mine_fn_pool_size, NULL, NULL);
	return rc;
}

enum ns_rc
db_mine_run_pooled(struct db *db, int64_t run_id, struct ns_err *err)
{
	static const char sql[] =
		"UPDATE run SET params = json_set(params, '$.pooled',"
		"  (SELECT sum(ns_pool_size(data)) FROM run_pool"
		"   WHERE run_id = ?1))"
		" WHERE id = ?1 AND json_valid(params)"
		"   AND EXISTS (SELECT 1 FROM run_pool WHERE run_id = ?1)";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run_id);
	return db_step_done(db, st, "counting a run's pool", err);
}

enum ns_rc
db_mine_pool_store(struct db *db, int64_t run_id, int64_t query_id,
		   const struct filter_cand *c, size_t n, const int64_t *pos,
		   const double *pos_score, size_t npos, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO run_pool (run_id, query_id, data) "
		"VALUES (?, ?, ?)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	size_t len;
	void *b;

	if (!st)
		return NS_EDB;
	b = db_mine_pool_pack(c, n, pos, pos_score, npos, &len);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, query_id);
	sqlite3_bind_blob(st, 3, b, (int)len, free);
	return db_step_done(db, st, "storing candidates", err);
}

enum ns_rc
db_mine_pool_each(struct db *db, int64_t run_id, db_mine_pool_fn fn,
		  void *arg, struct ns_err *err)
{
	/* read 1024 rows at a time and let go of the statement before @fn
	 * runs, so that @fn may rewrite the pool */
	static const char sql[] =
		"SELECT query_id, data FROM run_pool WHERE run_id = ? AND "
		"query_id > ? ORDER BY query_id LIMIT 1024";
	int64_t last = INT64_MIN, qid[1024];
	void *blob[1024];
	size_t len[1024];
	enum ns_rc rc = NS_OK;

	for (;;) {
		sqlite3_stmt *st = db_prep(db, sql, err);
		int m = 0, r;

		if (!st)
			return NS_EDB;
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, last);
		while (m < 1024 && (r = sqlite3_step(st)) == SQLITE_ROW) {
			qid[m] = sqlite3_column_int64(st, 0);
			len[m] = (size_t)sqlite3_column_bytes(st, 1);
			blob[m] = xmalloc(len[m] + 1);
			memcpy(blob[m], sqlite3_column_blob(st, 1), len[m]);
			m++;
		}
		sqlite3_reset(st);
		if (m < 1024 && r != SQLITE_DONE)
			rc = db_fail(db, err, "reading candidates");
		for (int i = 0; i < m; i++) {
			struct filter_cand *c;
			int64_t *pos;
			double *ps;
			size_t n, npos;

			if (rc == NS_OK &&
			    !db_mine_pool_unpack(blob[i], len[i], &c, &n, &pos,
						 &ps, &npos))
				rc = err_set(err, NS_EDB, "%s: run %lld, query "
					     "%lld: damaged candidate pool",
					     db_dir(db), (long long)run_id,
					     (long long)qid[i]);
			else if (rc == NS_OK) {
				rc = fn(arg, qid[i], c, n, pos, ps, npos, err);
				free(c);
			}
			free(blob[i]);
		}
		if (rc != NS_OK || m < 1024)
			return rc;
		last = qid[m - 1];
	}
}

int64_t
db_mine_pool_count(struct db *db, int64_t run_id)
{
	static const char sql[] =
		"SELECT count(*) FROM run_pool WHERE run_id = ?";
	struct ns_err e;
	sqlite3_stmt *st = db_prep(db, sql, &e);
	int64_t v = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

enum ns_rc
db_mine_pool_queries(struct db *db, int64_t run_id, int64_t **ids,
		     int64_t *n, struct ns_err *err)
{
	static const char sql[] =
		"SELECT query_id FROM run_pool WHERE run_id = ? "
		"ORDER BY query_id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t *v = NULL, m = 0, cap = 0;
	int r;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (m == cap) {
			cap = cap ? 2 * cap : 1024;
			v = xrealloc(v, (size_t)cap * sizeof(*v));
		}
		v[m++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		free(v);
		return db_fail(db, err, "reading candidates");
	}
	*ids = v ? v : xmalloc(sizeof(*v));
	*n = m;
	return NS_OK;
}

/* Insert the kept candidates of @c (query @query_id of run @run_id). */
static enum ns_rc
kept_insert(struct db *db, int64_t run_id, int64_t query_id,
	    const struct filter_cand *c, size_t n, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO candidate (run_id, query_id, passage_id, rank, "
		"score, filter, dup_sim, flag) VALUES (?, ?, ?, ?, ?, NULL, ?, "
		"?)";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	for (size_t i = 0; i < n; i++) {
		if (c[i].reason != FILTER_KEPT)
			continue;
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, query_id);
		sqlite3_bind_int64(st, 3, c[i].passage_id);
		sqlite3_bind_int(st, 4, c[i].rank);
		sqlite3_bind_double(st, 5, c[i].score);
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
			return db_fail(db, err, "storing candidates");
		sqlite3_reset(st);
	}
	return NS_OK;
}

/* INSERT OR REPLACE: a positive listed twice keeps its last score. */
static enum ns_rc
positives_insert(struct db *db, int64_t run_id, int64_t query_id,
		 const int64_t *pos, const double *pos_score, size_t npos,
		 struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO run_positive (run_id, query_id, "
		"passage_id, score) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st;

	if (!npos)
		return NS_OK;
	if (!(st = db_prep(db, sql, err)))
		return NS_EDB;
	for (size_t i = 0; i < npos; i++) {
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, query_id);
		sqlite3_bind_int64(st, 3, pos[i]);
		if (isnan(pos_score[i]))
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_double(st, 4, pos_score[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_fail(db, err, "storing positive scores");
		sqlite3_reset(st);
	}
	return NS_OK;
}

enum ns_rc
db_mine_kept_store(struct db *db, int64_t run_id, int64_t query_id,
		   const struct filter_cand *c, size_t n, const int64_t *pos,
		   const double *pos_score, size_t npos, struct ns_err *err)
{
	enum ns_rc rc = kept_insert(db, run_id, query_id, c, n, err);

	return rc ? rc : positives_insert(db, run_id, query_id, pos,
					  pos_score, npos, err);
}

/* A stored REAL (or NULL) against a double (NaN: NULL). */
static bool
same_real(sqlite3_stmt *st, int col, double v)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return isnan(v);
	return !isnan(v) && sqlite3_column_double(st, col) == v;
}

/* Are the stored kept candidates of (@run_id, @query_id) those of @c,
 * row for row (rank order)? */
static enum ns_rc
kept_same(struct db *db, int64_t run_id, int64_t query_id,
	  const struct filter_cand *c, size_t n, bool *same,
	  struct ns_err *err)
{
	static const char sql[] =
		"SELECT passage_id, rank, score, dup_sim, flag IS NOT NULL"
		" FROM candidate WHERE run_id = ? AND query_id = ?"
		" ORDER BY rank";
	sqlite3_stmt *st = db_prep(db, sql, err);
	size_t i = 0;
	int r;

	if (!st)
		return NS_EDB;
	*same = true;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, query_id);
	while (*same && (r = sqlite3_step(st)) == SQLITE_ROW) {
		while (i < n && c[i].reason != FILTER_KEPT)
			i++;
		*same = i < n &&
			sqlite3_column_int64(st, 0) == c[i].passage_id &&
			sqlite3_column_int(st, 1) == c[i].rank &&
			same_real(st, 2, c[i].score) &&
			same_real(st, 3, c[i].dup_sim) &&
			sqlite3_column_int(st, 4) == (int)c[i].near_dup;
		i++;
	}
	if (*same && r != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_fail(db, err, "reading candidates");
	}
	sqlite3_reset(st);
	while (*same && i < n)
		*same = c[i++].reason != FILTER_KEPT;
	return NS_OK;
}

/* Are the stored positives' scores of (@run_id, @query_id) those of
 * @pos (a positive listed twice: its last score)? */
static enum ns_rc
positives_same(struct db *db, int64_t run_id, int64_t query_id,
	       const int64_t *pos, const double *pos_score, size_t npos,
	       bool *same, struct ns_err *err)
{
	static const char sql[] =
		"SELECT passage_id, score FROM run_positive"
		" WHERE run_id = ? AND query_id = ?";
	sqlite3_stmt *st = db_prep(db, sql, err);
	size_t rows = 0, distinct = 0;
	int r;

	if (!st)
		return NS_EDB;
	*same = true;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, query_id);
	while (*same && (r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		size_t j = npos;

		while (j > 0 && pos[j - 1] != id)
			j--;
		*same = j > 0 && same_real(st, 1, pos_score[j - 1]);
		rows++;
	}
	if (*same && r != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_fail(db, err, "reading positive scores");
	}
	sqlite3_reset(st);
	for (size_t i = 0; *same && i < npos; i++) {
		size_t j = 0;

		while (j < i && pos[j] != pos[i])
			j++;
		distinct += j == i;
	}
	*same = *same && rows == distinct;
	return NS_OK;
}

enum ns_rc
db_mine_kept_changed(struct db *db, struct ns_err *err)
{
	char *v = db_meta_get(db, "kept_replaced"), buf[32];

	snprintf(buf, sizeof(buf), "%lld",
		 (long long)(v ? strtoll(v, NULL, 10) : 0) + 1);
	free(v);
	return db_meta_set(db, "kept_replaced", buf, err);
}

enum ns_rc
db_mine_kept_update(struct db *db, int64_t run_id, int64_t query_id,
		    const struct filter_cand *c, size_t n, const int64_t *pos,
		    const double *pos_score, size_t npos, bool *rewritten,
		    struct ns_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM candidate WHERE run_id = ? AND query_id = ?",
		"DELETE FROM run_positive WHERE run_id = ? AND query_id = ?",
	};
	bool same[2];
	enum ns_rc rc;

	*rewritten = false;
	if ((rc = kept_same(db, run_id, query_id, c, n, &same[0], err)) ||
	    (rc = positives_same(db, run_id, query_id, pos, pos_score, npos,
				 &same[1], err)))
		return rc;
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st;

		if (same[k])
			continue;
		*rewritten = true;
		if (!(st = db_prep(db, sql[k], err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, query_id);
		if ((rc = db_step_done(db, st, "replacing candidates", err)))
			return rc;
		rc = k == 0 ? kept_insert(db, run_id, query_id, c, n, err) :
			      positives_insert(db, run_id, query_id, pos,
					       pos_score, npos, err);
		if (rc)
			return rc;
	}
	return NS_OK;
}

/* --- people's decisions ------------------------------------------------- */

int64_t
db_mine_labels_seen(struct db *db)
{
	return db_scalar(db, "SELECT coalesce(max(id), 0) FROM decision");
}

void
db_mine_labels_free(struct db_mine_labels *l)
{
	free(l->qid);
	free(l->pid);
	free(l->label);
	free(l->pending);
	free(l->dropped);
	free(l->dropped_p);
	memset(l, 0, sizeof(*l));
}

enum ns_rc
db_mine_labels(struct db *db, struct db_mine_labels *l, struct ns_err *err)
{
	/* item_label finds a passage's drop in other queries through their
	 * candidate rows, which a refilter that applied the drop removed:
	 * the dropped passages themselves are read too (passage_drop).  The
	 * tn labels are read for what they overrule: the rules that guess
	 * false negatives, and a drop of their passage elsewhere.  An
	 * overlap item one annotator labelled is no label yet (item_label
	 * has no row), but a rule that guessed it a false negative must
	 * not take it from the screens of the others, who could then never
	 * finish it (nor an adjudicator settle a conflict): it is read as
	 * 'pending'.  Only items in item_need can be pending: elsewhere the
	 * latest label is the item's */
	static const char sql_items[] =
		"SELECT query_id, passage_id, label FROM item_label"
		" WHERE label IN ('fn', 'drop_passage', 'tn')"
		" UNION ALL"
		" SELECT DISTINCT l.query_id, l.passage_id, 'pending'"
		" FROM annotator_label l JOIN item_need n"
		"   ON n.query_id = l.query_id AND n.passage_id = l.passage_id"
		" WHERE l.label IN ('fn', 'tn')"
		"   AND NOT EXISTS (SELECT 1 FROM item_label i"
		"     WHERE i.query_id = l.query_id"
		"       AND i.passage_id = l.passage_id)"
		" ORDER BY 1, 2";
	static const char sql_drop[] =
		"SELECT DISTINCT query_id FROM query_drop ORDER BY query_id";
	static const char sql_drop_p[] =
		"SELECT DISTINCT passage_id FROM passage_drop"
		" ORDER BY passage_id";
	sqlite3_stmt *st;
	const char *a;
	int64_t cap = 0;
	int rc;

	memset(l, 0, sizeof(*l));
	if ((l->seen = db_mine_labels_seen(db)) < 0)
		return db_fail(db, err, "reading people's labels");
	if (!(st = db_prep(db, sql_items, err)))
		return db_fail(db, err, "reading people's labels");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (l->n == cap) {
			cap = cap ? 2 * cap : 256;
			l->qid = xrealloc(l->qid, (size_t)cap * sizeof(*l->qid));
			l->pid = xrealloc(l->pid, (size_t)cap * sizeof(*l->pid));
			l->label = xrealloc(l->label,
					    (size_t)cap * sizeof(*l->label));
			l->pending = xrealloc(l->pending,
					      (size_t)cap * sizeof(*l->pending));
		}
		a = (const char *)sqlite3_column_text(st, 2);
		l->qid[l->n] = sqlite3_column_int64(st, 0);
		l->pid[l->n] = sqlite3_column_int64(st, 1);
		l->pending[l->n] = a && strcmp(a, "pending") == 0;
		l->label[l->n] = l->pending[l->n] ? LABEL_TN :
				 label_of_action(a);
		l->n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (!(st = db_prep(db, sql_drop, err)))
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (l->ndropped == cap) {
			cap = cap ? 2 * cap : 64;
			l->dropped = xrealloc(l->dropped,
					      (size_t)cap * sizeof(*l->dropped));
		}
		l->dropped[l->ndropped++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || !(st = db_prep(db, sql_drop_p, err)))
		goto fail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (l->ndropped_p == cap) {
			cap = cap ? 2 * cap : 64;
			l->dropped_p = xrealloc(l->dropped_p, (size_t)cap *
						sizeof(*l->dropped_p));
		}
		l->dropped_p[l->ndropped_p++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return NS_OK;
fail:
	rc = db_fail(db, err, "reading people's labels");
	db_mine_labels_free(l);
	return (enum ns_rc)rc;
}

enum ns_rc
db_mine_passage_hash(struct db *db, int64_t pid, uint64_t *hash,
		     struct ns_err *err)
{
	static const char sql[] = "SELECT text FROM passage WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	const void *t;
	int rc;

	if (!st)
		return NS_EDB;
	*hash = 0;
	sqlite3_bind_int64(st, 1, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (t = sqlite3_column_blob(st, 0)) != NULL) {
		*hash = hash64(t, (size_t)sqlite3_column_bytes(st, 0));
		if (!*hash)
			*hash = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading texts");
	return NS_OK;
}
