/*
 * t-cascade-db.c - the cascade's items as db/cascade.c reads them (a few
 * scans joined in C) against the one SQL join they replaced, kept here
 * as the reference: on a project with three runs (an imported run scored
 * by teacher scores, a dense run with positives' scores, one of them
 * NULL, filtered rows, and pools that score items only another run
 * kept, a BM25 run with pools, one damaged, and
 * candidate rows for a query it has no pool for), every item and every
 * feature must be the same, for all runs, one run, and one query.  And
 * the verdicts as written in batches, read back by a re-run's scan and
 * removed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/cascade.h"
#include "db/mining.h"
#include "src/cascade.h"
#include "src/util.h"
#include "tests/tap.h"

/* The reference: the SQL of db/cascade.c before it read by scans. */
#define REF_SQL(QUERY) \
	"WITH qr AS (SELECT query_id, max(run_id) AS run FROM candidate" \
	"  WHERE filter IS NULL AND (?1 = 0 OR run_id = ?1) " QUERY \
	"  GROUP BY query_id)" \
	" SELECT k.query_id, k.passage_id," \
	"  CASE WHEN s.run_id IS NOT NULL THEN s.score" \
	"   ELSE (SELECT ns_pool_score(o.data, k.passage_id) FROM run_pool o" \
	"    WHERE o.run_id = qr.run AND o.query_id = k.query_id) END," \
	"  CASE WHEN s.run_id IS NOT NULL THEN s.rank" \
	"   ELSE (SELECT ns_pool_rank(o.data, k.passage_id) FROM run_pool o" \
	"    WHERE o.run_id = qr.run AND o.query_id = k.query_id) END," \
	"  CASE WHEN s.run_id IS NOT NULL THEN s.dup_sim" \
	"   ELSE (SELECT ns_pool_dup(o.data, k.passage_id) FROM run_pool o" \
	"    WHERE o.run_id = qr.run AND o.query_id = k.query_id) END," \
	"  coalesce((SELECT min(rp.score) FROM run_positive rp" \
	"    WHERE rp.run_id = qr.run AND rp.query_id = k.query_id)," \
	"   (SELECT min(r.score) FROM qrel r JOIN run u ON u.id = qr.run" \
	"    WHERE r.query_id = k.query_id AND r.grade > 0" \
	"      AND r.source_id = u.source_id))," \
	"  coalesce((SELECT ns_pool_rank(o.data, k.passage_id)" \
	"    FROM run_pool o WHERE o.run_id = ?2" \
	"    AND o.query_id = k.query_id)," \
	"   (SELECT o.rank FROM candidate o WHERE o.run_id = ?2" \
	"    AND o.query_id = k.query_id AND o.passage_id = k.passage_id))," \
	"  EXISTS (SELECT 1 FROM run_pool o WHERE o.run_id = ?2" \
	"    AND o.query_id = k.query_id) OR" \
	"  EXISTS (SELECT 1 FROM candidate o WHERE o.run_id = ?2" \
	"    AND o.query_id = k.query_id)" \
	" FROM qr JOIN (SELECT DISTINCT query_id, passage_id FROM candidate" \
	"   WHERE filter IS NULL AND (?1 = 0 OR run_id = ?1)) k" \
	"   ON k.query_id = qr.query_id" \
	" LEFT JOIN candidate s ON s.run_id = qr.run" \
	"   AND s.query_id = k.query_id AND s.passage_id = k.passage_id" \
	" ORDER BY k.query_id, k.passage_id"

static double
col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		       ? NAN : sqlite3_column_double(st, i);
}

/* The reference items (features only) of run @run (0: all), query @qid
 * (0: all), agreement run @arun. */
static size_t
ref_items(struct db *db, const struct cascade *c, int64_t run, int64_t qid,
	  int64_t arun, struct cascade_item **out)
{
	static const char all[] = REF_SQL("");
	static const char one[] = REF_SQL("AND query_id = ?3");
	sqlite3_stmt *st;
	struct cascade_item *v = NULL;
	size_t n = 0;

	if (sqlite3_prepare_v2(db_handle(db), qid ? one : all, -1, &st,
			       NULL) != SQLITE_OK) {
		diag("reference: %s", sqlite3_errmsg(db_handle(db)));
		*out = NULL;
		return 0;
	}
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, arun);
	if (qid)
		sqlite3_bind_int64(st, 3, qid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cascade_item *it;
		double s = col(st, 2), rank = col(st, 3), anchor = col(st, 5);
		double orank = col(st, 6);
		bool other = sqlite3_column_int(st, 7) != 0;

		v = xrealloc(v, (n + 1) * sizeof(*v));
		it = &v[n++];
		memset(it, 0, sizeof(*it));
		it->qid = sqlite3_column_int64(st, 0);
		it->pid = sqlite3_column_int64(st, 1);
		it->f[0] = s;
		it->f[1] = s - anchor;
		it->f[2] = fabs(anchor) > 1e-6 ? (s - anchor) / fabs(anchor)
					       : NAN;
		it->f[3] = -rank;
		it->f[4] = col(st, 4);
		it->f[5] = !other ? NAN : isnan(orank) ? 0.0 : 1.0 / orank;
		cascade_item_draw(c, it);
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}

static bool
same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void
compare(struct db *db, const struct cascade *c, int64_t run, int64_t qid,
	int64_t arun, const char *what)
{
	struct cascade_item *got = NULL, *want = NULL;
	size_t ng = 0, nw = ref_items(db, c, run, qid, arun, &want);
	struct ns_err err;
	enum ns_rc rc;
	size_t bad = 0;

	err_clear(&err);
	rc = qid ? cascade_db_query_items(db, c, run, qid, &got, &ng, &err)
		 : cascade_db_items(db, c, run, &got, &ng, &err);
	ok(rc == NS_OK, "%s: read", what);
	ok(nw > 0, "%s: the reference has items (%zu)", what, nw);
	ok(ng == nw, "%s: as many items (%zu, want %zu)", what, ng, nw);
	for (size_t i = 0; i < ng && i < nw; i++) {
		bool eq = got[i].qid == want[i].qid &&
			  got[i].pid == want[i].pid &&
			  got[i].audit == want[i].audit;

		for (int j = 0; j < CASCADE_NFEAT; j++)
			eq = eq && same(got[i].f[j], want[i].f[j]);
		if (!eq && bad++ < 5)
			diag("%s: item (%lld, %lld) differs: f = %g %g %g %g "
			     "%g %g, want %g %g %g %g %g %g", what,
			     (long long)got[i].qid, (long long)got[i].pid,
			     got[i].f[0], got[i].f[1], got[i].f[2],
			     got[i].f[3], got[i].f[4], got[i].f[5],
			     want[i].f[0], want[i].f[1], want[i].f[2],
			     want[i].f[3], want[i].f[4], want[i].f[5]);
	}
	ok(bad == 0, "%s: every feature the same (%zu differ)", what, bad);
	free(got);
	free(want);
}

/* Pool of query @q in run @run: passages @p (ranks 1..n), all but the
 * first with a near-duplicate similarity. */
static void
pool(struct db *db, int64_t run, int64_t q, const int64_t *p, size_t n)
{
	struct filter_cand c[8];
	struct ns_err err;
	int64_t pos = 1;
	double ps = 0.9;

	memset(c, 0, sizeof(c));
	for (size_t i = 0; i < n; i++) {
		c[i].passage_id = p[i];
		c[i].rank = (int)i + 1;
		c[i].score = 10.0 - (double)i;
		c[i].dup_sim = i == 0 ? NAN : 0.5 + 0.125 * (double)i;
	}
	err_clear(&err);
	if (db_mine_pool_store(db, run, q, c, n, &pos, &ps, 1, &err) != NS_OK)
		diag("pool: %s", err.msg);
}

static int
interrupt_all(void *arg)
{
	(void)arg;
	return 1;
}

/* The verdicts as written (a batch and one by one), read back in key
 * order by the scan a re-run compares with, removed one by one; a scan
 * that fails says so. */
static void
verdicts(struct db *db)
{
	/* a batch and two more: 66 = 6 queries x 11 passages */
	struct cascade_db_auto a[CASCADE_DB_AUTO_BATCH + 2], b;
	struct cascade_db_scan *sc;
	struct ns_err err;
	int64_t fit = -1;
	size_t n = NS_ARRAY_SIZE(a), got = 0, same = 0;
	enum ns_rc rc;

	err_clear(&err);
	/* written out of key order: (q, p) = (1 + i % 6, 1 + i / 6) */
	for (size_t i = 0; i < n; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].qid = 1 + (int64_t)(i % 6);
		a[i].pid = 1 + (int64_t)(i / 6);
		a[i].verdict = i % 2 ? "review" : "tn";
		a[i].stage = i % 2 ? NULL : "gap";
		a[i].score = i % 2 ? NAN : -0.5 * (double)i;
		a[i].pfn = i % 5 ? 1.0 / (double)(i + 1) : NAN;
		a[i].priority = i % 4 ? (double)i : -1.0;
		a[i].audit = i % 7 == 0;
	}
	ok(db_begin(db, &err) == NS_OK &&
	   cascade_db_auto_put_n(db, a, n, 0, &err) == NS_OK &&
	   db_commit(db, &err) == NS_OK, "%zu verdicts written: %s", n,
	   err.msg);
	if (!ok(cascade_db_auto_scan_begin(db, &sc, &err) == NS_OK, "scan"))
		return;
	while ((rc = cascade_db_auto_scan_next(sc, &b, &fit, &err)) ==
	       NS_OK) {
		/* key order: (q, p) is the row of item (p - 1) 6 + q - 1 */
		size_t i = (size_t)((b.pid - 1) * 6 + b.qid - 1);

		got++;
		same += i < n && !strcmp(b.verdict, a[i].verdict) &&
			(a[i].stage ? b.stage && !strcmp(b.stage, "gap")
				    : !b.stage) &&
			(isnan(a[i].score) ? isnan(b.score)
					   : b.score == a[i].score) &&
			(isnan(a[i].pfn) ? isnan(b.pfn) : b.pfn == a[i].pfn) &&
			b.priority == a[i].priority &&
			b.audit == a[i].audit && fit == 0 &&
			got == (size_t)(b.qid - 1) * (n / 6) + (size_t)b.pid;
	}
	cascade_db_auto_scan_end(sc);
	is_int(rc, NS_ENOTFOUND, "the scan ends");
	is_int((long long)got, (long long)n, "every verdict read back");
	is_int((long long)same, (long long)n, "as written, in key order");
	ok(db_begin(db, &err) == NS_OK &&
	   cascade_db_auto_delete(db, 2, 1, &err) == NS_OK &&
	   cascade_db_auto_delete(db, 2, 99, &err) == NS_OK &&
	   db_commit(db, &err) == NS_OK, "one removed (none is no error)");
	is_int(db_scalar(db, "SELECT count(*) FROM item_auto"),
	       (long long)n - 1, "one fewer");
	sqlite3_progress_handler(db_handle(db), 1, interrupt_all, NULL);
	if (ok(cascade_db_auto_scan_begin(db, &sc, &err) == NS_OK,
	       "scan again")) {
		is_int(cascade_db_auto_scan_next(sc, &b, &fit, &err), NS_EDB,
		       "a scan that fails");
		is_str(err.msg, "reading the verdicts: interrupted",
		       "says so");
		cascade_db_auto_scan_end(sc);
	}
	sqlite3_progress_handler(db_handle(db), 0, NULL, NULL);
}

int
main(void)
{
	const char *dir = tap_tmpdir();
	struct config *cfg = config_new();
	struct db *db = NULL;
	struct cascade c;
	struct ns_err err;
	static const int64_t p1[] = { 3, 11, 4 }, p3[] = { 9, 8 };
	static const int64_t p2[] = { 4, 3, 7, 6 }, p5[] = { 15, 16 };
	static const char gap[] = "cascade:\n  stages:\n    - scorer: gap\n";

	err_clear(&err);
	if (!ok(db_open(dir, DB_OPEN_CREATE, &db, &err) == NS_OK, "open") ||
	    !ok(cascade_from_config(&c, cfg, &err) == NS_OK, "cascade"))
		return tap_done();
	/*
	 * q1: kept in runs 1 and 2 (scored under 2; passage 5 kept in 1,
	 *     filtered in 2; passage 6 kept in 1 only, in run 2's pool); pool
 *     in run 3.
	 * q2: run 1 only (teacher scores, one NULL); run 3 candidate rows.
	 * q3: run 2, positive score NULL -> no qrel of run 2's source: NAN;
	 *     pool in run 3.
	 * q4: run 1, positive's teacher score 0 (no relative gap); nothing
	 *     in run 3.
	 * q5: run 2 with a NULL score and rank; passages 15 and 17 kept by
 *     run 1 only, 15 in run 2's pool; a damaged pool in run 3.
	 * q6: only run 3's rows (no item).
	 */
	ok(db_exec(db,
		"INSERT INTO source(id,path,format,created_at) VALUES"
		" (1,'i','beir','now'),(2,'m','mine','now');"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n"
		"  WHERE i < 20)"
		" INSERT INTO passage(id,text,source_id) SELECT i,'p'||i,1 FROM n;"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n"
		"  WHERE i < 6)"
		" INSERT INTO query(id,xid,text,source_id) SELECT i,'q'||i,'q',1"
		"  FROM n;"
		"INSERT INTO qrel(query_id,passage_id,grade,score,source_id) VALUES"
		" (1,1,1,0.8,1),(1,2,1,0.6,1),(1,20,0,0.1,1),(2,1,1,NULL,1),"
		" (2,2,2,0.7,1),(3,1,1,0.5,1),(4,1,1,0.0,1),(5,1,1,0.9,1);"
		"INSERT INTO run(id,source_id,method,created_at) VALUES"
		" (1,1,'import','now'),(2,2,'dense','now'),(3,2,'bm25','now');"
		"INSERT INTO run_positive(run_id,query_id,passage_id,score) VALUES"
		" (2,1,1,0.75),(2,1,2,0.85),(2,3,1,NULL),(2,5,1,0.95);"
		"INSERT INTO candidate(run_id,query_id,passage_id,rank,score,"
		"  dup_sim,filter) VALUES"
		" (1,1,3,1,0.7,0.2,NULL),(1,1,5,2,0.6,NULL,NULL),"
		" (1,1,6,3,0.5,0.4,NULL),"
		" (2,1,3,2,0.71,0.3,NULL),(2,1,4,1,0.72,0.5,NULL),"
		" (2,1,5,3,0.65,0.6,'near_duplicate'),"
		" (1,2,7,1,0.4,NULL,NULL),(1,2,8,2,0.3,NULL,NULL),"
		" (1,2,9,3,0.2,NULL,'rank'),"
		" (3,2,8,4,5.0,NULL,'rank'),(3,2,12,1,9.0,NULL,'rank'),"
		" (2,3,8,1,0.5,0.1,NULL),(2,3,9,2,0.4,0.2,NULL),"
		" (1,4,10,1,0.3,NULL,NULL),(1,4,11,2,-0.2,NULL,NULL),"
		" (2,5,12,NULL,NULL,NULL,NULL),(2,5,13,2,0.1,0.9,NULL),"
		" (3,6,14,1,3.0,NULL,'rank'),(1,5,15,1,0.3,0.2,NULL),"
		" (1,5,17,2,0.2,0.1,NULL)", &err) == NS_OK,
	   "project: %s", err.msg);
	pool(db, 3, 1, p1, 3);
	pool(db, 3, 3, p3, 2);
	/* run 2 retrieved q1's passage 6 (kept by run 1 only) and 7, and
	 * q5's passage 15 (run 1 kept it), without keeping them */
	pool(db, 2, 1, p2, 4);
	pool(db, 2, 5, p5, 2);
	ok(db_exec(db, "INSERT INTO run_pool(run_id,query_id,data) VALUES"
		   " (3,5,x'00010203')", &err) == NS_OK, "a damaged pool");
	compare(db, &c, 0, 0, 3, "all runs");
	compare(db, &c, 1, 0, 3, "run 1");
	compare(db, &c, 2, 0, 3, "run 2");
	compare(db, &c, 0, 1, 3, "query 1");
	compare(db, &c, 0, 2, 3, "query 2");
	/* a cascade without an agreement stage compares with no run */
	cascade_fini(&c);
	config_free(cfg);
	cfg = NULL;
	ok(config_parse(gap, strlen(gap), "t.yaml", &cfg, &err) == NS_OK &&
	   cascade_from_config(&c, cfg, &err) == NS_OK, "gap only");
	compare(db, &c, 0, 0, 0, "no agreement run");
	verdicts(db);
	cascade_fini(&c);
	config_free(cfg);
	db_close(db);
	return tap_done();
}
