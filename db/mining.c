/*
 * mining.c - SQL of mining (see db/mine.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
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
		"SELECT method, params FROM run WHERE id = ? AND method IN "
		"('dense', 'bm25')";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return err_set(err, NS_ENOTFOUND, "run %lld: no such mining run",
			       (long long)run_id);
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
			      "WHERE method IN ('dense', 'bm25')");

	return v < 0 ? 0 : v;
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

char *
db_mine_fts_query(const char *text)
{
	struct strbuf sb;
	const unsigned char *p = (const unsigned char *)text;

	strbuf_init(&sb);
	while (*p) {
		const unsigned char *start;

		/* a term: letters, digits and any non-ASCII byte (UTF-8) */
		while (*p && *p < 0x80 && !(*p >= '0' && *p <= '9') &&
		       !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
			      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
			p++;
		if (sb.len)
			strbuf_addstr(&sb, " OR ");
		/* inside "...", FTS5 treats everything as a string; the
		 * term has no '"' so nothing needs doubling */
		strbuf_addch(&sb, '"');
		strbuf_add(&sb, start, (size_t)(p - start));
		strbuf_addch(&sb, '"');
	}
	if (!sb.len) {
		strbuf_fini(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
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
