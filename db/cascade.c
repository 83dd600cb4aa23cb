/*
 * cascade.c (db) - the cascade's SQL (see db/cascade.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/cascade.h"
#include "db/export.h"
#include "db/mining.h"
#include "src/label.h"
#include "src/util.h"

/*
 * The items with their built-in features, read in a few sequential scans
 * and joined here (one SQL join with correlated subqueries per item cost
 * tens of seconds at 1M candidates).  An item is a distinct (query,
 * passage) among the kept candidates (of run @run, 0: all).  Each item is
 * scored under its query's scoring run: the newest run with a kept
 * candidate of the query; its features come from its candidate row in
 * that run, whatever that row's filter, else (an item another run
 * brought, which the scoring run retrieved but did not keep) from its
 * entry in the scoring run's pool (none: unknown).  The anchor is
 * the lowest positive score under that run (run_positive), else for an
 * imported run the lowest teacher score imported with it (qrel).  The
 * agreement rank is the item's rank among everything the agreement run
 * retrieved: its pool (db_mine_pool_unpack(), db/mining.c) when it has
 * one, else its candidate rows (imported runs); "other" says whether the
 * agreement run retrieved anything for the query.
 *
 * A labelled item that is no kept candidate (of run @run) is an item
 * too, marked hidden, when a run retrieved its query (its scoring run,
 * else the newest run whose pool or rows hold the query): a refilter
 * takes a candidate people labelled a false negative out of the kept
 * ones (it is a positive now), a newer run may not keep one labelled on
 * an older run, new settings may filter one.  Its label was made on a
 * kept candidate, and an audit item among them was drawn into the
 * audit slice then: its label stays evidence about the candidates
 * (the fit's, the estimate's), whatever filter hides it now.  Its
 * features come as an item's another run brought (above).
 */

/* A candidate row as scanned: kept (an item) and/or of the agreement run. */
struct cascade_crow {
	int64_t qid, pid, run;
	double rank, score, dup;
	bool kept;
};

static int
cascade_cmp_crow(const void *a, const void *b)
{
	const struct cascade_crow *x = a, *y = b;

	if (x->qid != y->qid)
		return x->qid < y->qid ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->run > y->run) - (x->run < y->run);
}

/* Lowest positive score of (run, query) or (query, source): sorted rows. */
struct cascade_anchor {
	int64_t a, b;
	double min;		/* NAN: none known */
};

static int
cascade_cmp_anchor(const void *a, const void *b)
{
	const struct cascade_anchor *x = a, *y = b;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return (x->b > y->b) - (x->b < y->b);
}

static double
cascade_anchor_find(const struct cascade_anchor *v, size_t n, int64_t a,
		    int64_t b)
{
	struct cascade_anchor key = { a, b, NAN };
	const struct cascade_anchor *hit = n ? bsearch(&key, v, n, sizeof(*v),
						       cascade_cmp_anchor)
					     : NULL;

	return hit ? hit->min : NAN;
}

static double
cascade_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		       ? NAN : sqlite3_column_double(st, i);
}

/* Rows (a, b, score) of @st into *@out as (a, b, min over non-NULL
 * scores), @st ordered by (a, b). */
static enum ns_rc
cascade_db_anchors(struct db *db, sqlite3_stmt *st,
		   struct cascade_anchor **out, size_t *nout,
		   struct ns_err *err)
{
	struct cascade_anchor *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(st, 0);
		int64_t b = sqlite3_column_int64(st, 1);
		double s = cascade_col(st, 2);

		if (n && v[n - 1].a == a && v[n - 1].b == b) {
			if (!isnan(s) && (isnan(v[n - 1].min) ||
					  s < v[n - 1].min))
				v[n - 1].min = s;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].a = a;
		v[n].b = b;
		v[n++].min = s;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(db, err, "reading the positives' scores");
	}
	*out = v;
	*nout = n;
	return NS_OK;
}

/* The run agreement stages compare with: the stage's run, else the
 * newest run of its method; 0 when there is none. */
static int64_t
cascade_db_agree_run(struct db *db, const struct cascade *c)
{
	static const char sql[] =
		"SELECT max(id) FROM run WHERE method = ?1 AND state = 'done'";
	struct ns_err err;
	int64_t id = 0;

	for (int k = 0; k < c->n; k++) {
		sqlite3_stmt *st;

		if (c->st[k].scorer != CASCADE_AGREE)
			continue;
		if (c->st[k].run > 0)
			return c->st[k].run;
		if (!(st = db_prep(db, sql, &err)))
			return 0;
		sqlite3_bind_text(st, 1, c->st[k].method, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return id;
	}
	return 0;
}

/* Fill item @it's features from its scoring row's values. */
static void
cascade_db_item(const struct cascade *c, struct cascade_item *it,
		int64_t qid, int64_t pid, double s, double rank, double dup,
		double anchor, double orank, bool other)
{
	memset(it, 0, sizeof(*it));
	it->qid = qid;
	it->pid = pid;
	it->f[0] = s;
	it->f[1] = s - anchor;		/* NAN when either is unknown */
	/* relative only where the positive's score is well away from 0 */
	it->f[2] = fabs(anchor) > 1e-6 ? (s - anchor) / fabs(anchor) : NAN;
	it->f[3] = -rank;
	it->f[4] = dup;
	it->f[5] = !other ? NAN : isnan(orank) ? 0.0 : 1.0 / orank;
	for (int j = 0; j < CASCADE_MAX_EXT; j++)
		it->x[j] = NAN;
	it->label = CASCADE_UNLABELLED;
	cascade_item_draw(c, it);
}

/* A row of item_label: its label for the cascade (enum cascade_label). */
struct cascade_lrow {
	int64_t qid, pid;
	signed char label;
};

/* What the item loader reads besides the candidate rows. */
struct cascade_load {
	struct db *db;
	int64_t arun;			/* agreement run, 0: none */
	struct cascade_anchor *rp;	/* (run, query): run_positive */
	size_t nrp;
	struct cascade_anchor *qs;	/* (query, source): qrel, lazily */
	size_t nqs;
	bool qs_read;
	struct cascade_anchor *rs;	/* (run, source) */
	size_t nrs;
	sqlite3_stmt *pool;		/* the agreement run's pools */
	int pool_rc;			/* its last step */
	struct filter_cand *pc;		/* the current query's pool */
	size_t npc;
	bool pool_here;
	struct filter_cand *spc;	/* a scoring run's pool of a query */
	size_t nspc;
	int64_t sp_run, sp_q;
	bool sp_read;
	const struct cascade_lrow *lab;	/* the labels, by (query, passage) */
	size_t nlab, li;		/* li: the current query's first */
};

/* The anchor of query @q under run @run (NAN: none). */
static enum ns_rc
cascade_load_anchor(struct cascade_load *l, int64_t run, int64_t q,
		    int64_t qid, double *anchor, struct ns_err *err)
{
	static const char sql_qrel[] =
		"SELECT query_id, source_id, score FROM qrel"
		" WHERE grade > 0 AND (?1 = 0 OR query_id = ?1)"
		" ORDER BY query_id, source_id";
	static const char sql_run[] =
		"SELECT id, coalesce(source_id, -9223372036854775807 - 1), NULL"
		" FROM run ORDER BY id";
	sqlite3_stmt *st;
	enum ns_rc rc;
	int64_t src = INT64_MIN;

	*anchor = cascade_anchor_find(l->rp, l->nrp, run, q);
	if (!isnan(*anchor))
		return NS_OK;
	if (!l->qs_read) {
		l->qs_read = true;
		if (!(st = db_prep(l->db, sql_qrel, err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, qid);
		if ((rc = cascade_db_anchors(l->db, st, &l->qs, &l->nqs, err)))
			return rc;
		if (!(st = db_prep(l->db, sql_run, err)))
			return NS_EDB;
		if ((rc = cascade_db_anchors(l->db, st, &l->rs, &l->nrs, err)))
			return rc;
	}
	/* the run's source: (run, source) rows hold it as the key's b */
	for (size_t lo = 0, hi = l->nrs; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (l->rs[mid].a < run) {
			lo = mid + 1;
		} else if (l->rs[mid].a > run) {
			hi = mid;
		} else {
			src = l->rs[mid].b;	/* INT64_MIN: none */
			break;
		}
	}
	if (src != INT64_MIN)
		*anchor = cascade_anchor_find(l->qs, l->nqs, q, src);
	return NS_OK;
}

/* Move the agreement run's pool to query @q (pool_here: it has one). */
static enum ns_rc
cascade_load_pool(struct cascade_load *l, int64_t q, struct ns_err *err)
{
	free(l->pc);
	l->pc = NULL;
	l->npc = 0;
	l->pool_here = false;
	while (l->pool_rc == SQLITE_ROW && sqlite3_column_int64(l->pool, 0) < q)
		l->pool_rc = sqlite3_step(l->pool);
	if (l->pool_rc != SQLITE_ROW && l->pool_rc != SQLITE_DONE)
		return db_fail(l->db, err, "reading the agreement run's pools");
	if (l->pool_rc == SQLITE_ROW && sqlite3_column_int64(l->pool, 0) == q) {
		int64_t *pos;
		double *ps;
		size_t npos;

		l->pool_here = true;
		/* a damaged pool: no ranks from it (as ns_pool_rank()) */
		if (sqlite3_column_type(l->pool, 1) != SQLITE_BLOB ||
		    !db_mine_pool_unpack(sqlite3_column_blob(l->pool, 1),
					 (size_t)sqlite3_column_bytes(l->pool,
								      1),
					 &l->pc, &l->npc, &pos, &ps, &npos)) {
			l->pc = NULL;
			l->npc = 0;
		}
	}
	return NS_OK;
}

/* Rank of passage @pid in the current pool (NAN: not in it). */
static double
cascade_load_pool_rank(const struct cascade_load *l, int64_t pid)
{
	for (size_t i = 0; i < l->npc; i++)
		if (l->pc[i].passage_id == pid)
			return (double)l->pc[i].rank;
	return NAN;
}

/* The scoring run's pool of query @q (cached: items come query by
 * query); none or damaged: empty. */
static enum ns_rc
cascade_load_spool(struct cascade_load *l, int64_t run, int64_t q,
		   struct ns_err *err)
{
	static const char sql[] =
		"SELECT data FROM run_pool WHERE run_id = ?1 AND query_id = ?2";
	sqlite3_stmt *st;
	int rc;

	if (l->sp_read && l->sp_run == run && l->sp_q == q)
		return NS_OK;
	free(l->spc);
	l->spc = NULL;
	l->nspc = 0;
	l->sp_read = true;
	l->sp_run = run;
	l->sp_q = q;
	if (!(st = db_prep(l->db, sql, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, q);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
		int64_t *pos;
		double *ps;
		size_t npos;

		if (!db_mine_pool_unpack(sqlite3_column_blob(st, 0),
					 (size_t)sqlite3_column_bytes(st, 0),
					 &l->spc, &l->nspc, &pos, &ps, &npos)) {
			l->spc = NULL;
			l->nspc = 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(l->db, err, "reading a run's pool");
	return NS_OK;
}

/* The scoring values of (@run, @q, @pid) when its row was not scanned:
 * a filtered candidate row, else its entry in the run's pool (an item
 * another run brought), else unknown (NAN). */
static enum ns_rc
cascade_load_row(struct cascade_load *l, int64_t run, int64_t q, int64_t pid,
		 double *rank, double *score, double *dup, struct ns_err *err)
{
	static const char sql[] =
		"SELECT rank, score, dup_sim FROM candidate"
		" WHERE run_id = ?1 AND query_id = ?2 AND passage_id = ?3";
	sqlite3_stmt *st = db_prep(l->db, sql, err);
	enum ns_rc ret;
	int rc;

	*rank = *score = *dup = NAN;
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, q);
	sqlite3_bind_int64(st, 3, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*rank = cascade_col(st, 0);
		*score = cascade_col(st, 1);
		*dup = cascade_col(st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return NS_OK;
	if (rc != SQLITE_DONE)
		return db_fail(l->db, err, "reading a candidate");
	if ((ret = cascade_load_spool(l, run, q, err)))
		return ret;
	for (size_t i = 0; i < l->nspc; i++)
		if (l->spc[i].passage_id == pid) {
			*rank = (double)l->spc[i].rank;
			*score = l->spc[i].score;
			*dup = l->spc[i].dup_sim;
			break;
		}
	return NS_OK;
}

/* The newest run (@run, when not 0) that retrieved query @q, into
 * *@qrun (0: none): the one whose pool or rows hold it. */
static enum ns_rc
cascade_load_qrun(struct cascade_load *l, int64_t run, int64_t q,
		  int64_t *qrun, struct ns_err *err)
{
	static const char sql[] =
		"SELECT max(id) FROM ("
		"  SELECT p.run_id AS id FROM run_pool p JOIN run r"
		"    ON r.id = p.run_id AND r.state = 'done'"
		"  WHERE p.query_id = ?1 AND (?2 = 0 OR p.run_id = ?2)"
		"  UNION ALL"
		"  SELECT max(run_id) FROM candidate"
		"  WHERE query_id = ?1 AND (?2 = 0 OR run_id = ?2))";
	sqlite3_stmt *st = db_prep(l->db, sql, err);
	int rc;

	*qrun = 0;
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, q);
	sqlite3_bind_int64(st, 2, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*qrun = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(l->db, err, "reading a query's runs");
	return NS_OK;
}

/* The items of the sorted rows @r[0..n) and of the labels l->lab into
 * *@out. */
static enum ns_rc
cascade_load_items(struct cascade_load *l, const struct cascade *c,
		   int64_t run, int64_t qid, const struct cascade_crow *r,
		   size_t n, struct cascade_item **out, size_t *nout,
		   struct ns_err *err)
{
	struct cascade_item *items = NULL;
	size_t ni = 0, cap = 0;
	enum ns_rc rc = NS_OK;

	/* the queries of the rows and of the labels, in order (lb: the
	 * end of the query's labels) */
	for (size_t q0 = 0, q1, lb; (q0 < n || l->li < l->nlab) &&
	     rc == NS_OK; q0 = q1, l->li = lb) {
		int64_t q, qrun = 0;
		bool other = false;
		double anchor;

		if (q0 < n && (l->li == l->nlab ||
			       r[q0].qid <= l->lab[l->li].qid))
			q = r[q0].qid;
		else
			q = l->lab[l->li].qid;
		for (q1 = q0; q1 < n && r[q1].qid == q; q1++) {
			if (r[q1].kept && r[q1].run > qrun)
				qrun = r[q1].run;
			other |= l->arun && r[q1].run == l->arun;
		}
		for (lb = l->li; lb < l->nlab && l->lab[lb].qid == q; lb++)
			;
		/* labels, and no kept candidate (a refilter made them all
		 * positives): scored under the newest run that retrieved
		 * the query */
		if (!qrun && lb > l->li &&
		    (rc = cascade_load_qrun(l, run, q, &qrun, err)))
			break;
		if (!qrun)
			continue;	/* only the agreement run's rows */
		if ((rc = cascade_load_anchor(l, qrun, q, qid, &anchor, err)))
			break;
		if (l->pool && (rc = cascade_load_pool(l, q, err)))
			break;
		other |= l->pool_here;
		/* its passages: those of its rows and of its labels, in
		 * order */
		for (size_t p0 = q0, p1, j = l->li; p0 < q1 || j < lb;
		     p0 = p1) {
			int64_t pid;
			const struct cascade_crow *s = NULL;
			double rank, score, dup, orank, crank = NAN;
			bool kept = false, labelled = false;

			if (p0 < q1 && (j == lb || r[p0].pid <= l->lab[j].pid))
				pid = r[p0].pid;
			else
				pid = l->lab[j].pid;
			for (; j < lb && l->lab[j].pid <= pid; j++)
				labelled |= l->lab[j].pid == pid;
			for (p1 = p0; p1 < q1 && r[p1].pid == pid; p1++) {
				kept |= r[p1].kept;
				if (r[p1].run == qrun)
					s = &r[p1];
				if (l->arun && r[p1].run == l->arun)
					crank = r[p1].rank;
			}
			/* a labelled one no filter keeps now: hidden */
			if (!kept && !labelled)
				continue;
			if (s) {
				rank = s->rank;
				score = s->score;
				dup = s->dup;
			} else if ((rc = cascade_load_row(l, qrun, q, pid,
							  &rank, &score, &dup,
							  err))) {
				break;
			}
			orank = cascade_load_pool_rank(l, pid);
			if (isnan(orank))
				orank = crank;
			if (ni == cap) {
				/* at most one item a row or a label */
				cap = cap ? cap * 2 : n + l->nlab;
				items = xrealloc_large(items,
						       ni * sizeof(*items),
						       cap * sizeof(*items));
			}
			cascade_db_item(c, &items[ni], q, pid, score, rank,
					dup, anchor, orank, other);
			items[ni++].hidden = !kept;
		}
	}
	if (rc != NS_OK) {
		free(items);
		return rc;
	}
	*out = items;
	*nout = ni;
	return NS_OK;
}

/* The kept candidate rows (of run @run, of query @qid; 0: all) and the
 * agreement run's rows, sorted by (query, passage, run). */
static enum ns_rc
cascade_load_rows(struct cascade_load *l, int64_t run, int64_t qid,
		  struct cascade_crow **out, size_t *nout, struct ns_err *err)
{
	/* a scan of the table: an index would cost a lookup a row */
	static const char sql[] =
		"SELECT query_id, passage_id, run_id, rank, score, dup_sim,"
		"  filter IS NULL AND (?1 = 0 OR run_id = ?1)"
		" FROM candidate NOT INDEXED"
		" WHERE (filter IS NULL AND (?1 = 0 OR run_id = ?1))"
		"  OR (?2 <> 0 AND run_id = ?2)";
	static const char sql_q[] =
		"SELECT query_id, passage_id, run_id, rank, score, dup_sim,"
		"  filter IS NULL AND (?1 = 0 OR run_id = ?1)"
		" FROM candidate WHERE query_id = ?3"
		"  AND ((filter IS NULL AND (?1 = 0 OR run_id = ?1))"
		"   OR (?2 <> 0 AND run_id = ?2))";
	sqlite3_stmt *st = db_prep(l->db, qid ? sql_q : sql, err);
	struct cascade_crow *r = NULL;
	size_t n = 0, cap = 0;
	bool by_query = true;
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, l->arun);
	if (qid)
		sqlite3_bind_int64(st, 3, qid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cascade_crow *x;

		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			r = xrealloc_large(r, n * sizeof(*r),
					   cap * sizeof(*r));
		}
		x = &r[n++];
		x->qid = sqlite3_column_int64(st, 0);
		x->pid = sqlite3_column_int64(st, 1);
		x->run = sqlite3_column_int64(st, 2);
		x->rank = cascade_col(st, 3);
		x->score = cascade_col(st, 4);
		x->dup = cascade_col(st, 5);
		x->kept = sqlite3_column_int(st, 6) != 0;
		if (n > 1 && by_query)
			by_query = r[n - 2].qid <= x->qid;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(r);
		return db_fail(l->db, err, "reading the cascade's items");
	}
	/* rows come in table order, usually by query (a run is stored
	 * query by query): then sorting each query's few rows is enough */
	if (!by_query) {
		qsort(r, n, sizeof(*r), cascade_cmp_crow);
	} else {
		for (size_t a = 0, b; a < n; a = b) {
			for (b = a + 1; b < n && r[b].qid == r[a].qid; b++)
				;
			if (b - a > 1)
				qsort(r + a, b - a, sizeof(*r),
				      cascade_cmp_crow);
		}
	}
	*out = r;
	*nout = n;
	return NS_OK;
}

/* The kept rows of @r[0..n) as export's reader takes them, into
 * rows->cand (by query). */
static void
cascade_export_cands(const struct cascade_crow *r, size_t n,
		     struct export_rows *rows)
{
	struct export_cand *v;
	size_t k = 0;

	v = xmalloc_large((n ? n : 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		if (!r[i].kept)
			continue;
		v[k].qid = r[i].qid;
		v[k].pid = r[i].pid;
		v[k].run = r[i].run;
		v[k].score = r[i].score;
		v[k++].rank = isnan(r[i].rank) ? 0 : (int64_t)r[i].rank;
	}
	rows->cand = v;
	rows->ncand = k;
}

/* The items with their features, sorted by (qid, pid), no labels yet
 * (the hidden ones among them from @lab, @nlab labels by (query,
 * passage)); with @rows, the kept candidate rows they come from into
 * rows->cand. */
static enum ns_rc
cascade_db_features(struct db *db, const struct cascade *c, int64_t run,
		    int64_t qid, const struct cascade_lrow *lab, size_t nlab,
		    struct cascade_item **out, size_t *nout,
		    struct export_rows *rows, struct ns_err *err)
{
	static const char sql_rp[] =
		"SELECT run_id, query_id, score FROM run_positive"
		" WHERE ?1 = 0 OR query_id = ?1 ORDER BY run_id, query_id";
	static const char sql_pool[] =
		"SELECT query_id, data FROM run_pool WHERE run_id = ?1"
		" AND (?2 = 0 OR query_id = ?2) ORDER BY query_id";
	struct cascade_load l;
	struct cascade_crow *r = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	enum ns_rc rc;

	memset(&l, 0, sizeof(l));
	l.db = db;
	l.arun = cascade_db_agree_run(db, c);
	l.lab = lab;
	l.nlab = nlab;
	if ((rc = cascade_load_rows(&l, run, qid, &r, &n, err)))
		return rc;
	if (!(st = db_prep(db, sql_rp, err))) {
		rc = NS_EDB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, qid);
	if ((rc = cascade_db_anchors(db, st, &l.rp, &l.nrp, err)))
		goto out;
	if (l.arun) {
		if (!(l.pool = db_prep(db, sql_pool, err))) {
			rc = NS_EDB;
			goto out;
		}
		sqlite3_bind_int64(l.pool, 1, l.arun);
		sqlite3_bind_int64(l.pool, 2, qid);
		l.pool_rc = sqlite3_step(l.pool);
	}
	rc = cascade_load_items(&l, c, run, qid, r, n, out, nout, err);
	if (rc == NS_OK && rows)
		cascade_export_cands(r, n, rows);
out:
	if (l.pool)
		sqlite3_reset(l.pool);
	free(l.pc);
	free(l.spc);
	free(l.rp);
	free(l.qs);
	free(l.rs);
	free(r);
	return rc;
}

/* Merge the rows of @st (query_id, passage_id, value...) into @items
 * (sorted by qid, pid); @fn applies a row to its item. */
static enum ns_rc
cascade_db_merge(struct db *db, sqlite3_stmt *st, struct cascade_item *items,
		 size_t n, void (*fn)(struct cascade_item *, sqlite3_stmt *,
				      int), int arg, struct ns_err *err)
{
	size_t i = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(st, 0);
		int64_t p = sqlite3_column_int64(st, 1);

		while (i < n && (items[i].qid < q ||
				 (items[i].qid == q && items[i].pid < p)))
			i++;
		if (i < n && items[i].qid == q && items[i].pid == p)
			fn(&items[i], st, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading the cascade's items");
	return NS_OK;
}

static void
cascade_apply_score(struct cascade_item *it, sqlite3_stmt *st, int ext)
{
	it->x[ext] = cascade_col(st, 2);
}

/* --- what a stage score was made from ------------------------------------ */

enum ns_rc
cascade_db_query_key(struct db *db, int64_t qid, uint64_t *key,
		     struct ns_err *err)
{
	static const char sql_q[] = "SELECT text FROM query WHERE id = ?1";
	static const char sql_p[] =
		"SELECT r.passage_id, p.hash FROM qrel r"
		" JOIN passage p ON p.id = r.passage_id"
		" WHERE r.query_id = ?1 AND r.grade > 0 ORDER BY r.passage_id";
	sqlite3_stmt *st = db_prep(db, sql_q, err);
	XXH3_state_t *hs;
	int rc;

	if (!st)
		return NS_EDB;
	hs = XXH3_createState();
	XXH3_64bits_reset(hs);
	sqlite3_bind_int64(st, 1, qid);
	rc = sqlite3_step(st);
	/* a text known by id only hashes apart from every text */
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		XXH3_64bits_update(hs, sqlite3_column_blob(st, 0),
				   (size_t)sqlite3_column_bytes(st, 0));
	else
		XXH3_64bits_update(hs, "\xff", 1);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		XXH3_freeState(hs);
		return db_fail(db, err, "reading a query");
	}
	if (!(st = db_prep(db, sql_p, err))) {
		XXH3_freeState(hs);
		return NS_EDB;
	}
	sqlite3_bind_int64(st, 1, qid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* the positive and its content (0: known by id only) */
		int64_t v[2] = { sqlite3_column_int64(st, 0),
				 sqlite3_column_int64(st, 1) };

		XXH3_64bits_update(hs, v, sizeof(v));
	}
	sqlite3_reset(st);
	*key = XXH3_64bits_digest(hs);
	XXH3_freeState(hs);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading positives");
	return NS_OK;
}

uint64_t
cascade_db_item_key(const struct cascade_stage *st, uint64_t qkey,
		    const struct cascade_item *it, int64_t phash)
{
	uint64_t v[5];
	size_t n = 0;

	v[n++] = st->key;
	v[n++] = qkey;
	v[n++] = (uint64_t)it->pid;
	v[n++] = (uint64_t)phash;
	/* a command is sent the retriever score (a judge is not): a new
	 * run that scores the candidate otherwise is a new input */
	if (st->scorer == CASCADE_COMMAND) {
		double s = isfinite(it->f[0]) ? it->f[0] : 0.0;

		memcpy(&v[n++], &s, sizeof(s));
	}
	return hash64(v, n * sizeof(v[0]));
}

/* The content hash of every passage by id (0: known by id only) into
 * *@out (*@n entries; caller frees): one scan of the passage_hash
 * index, not a lookup an item. */
static enum ns_rc
cascade_passage_hashes(struct db *db, int64_t **out, size_t *n,
		       struct ns_err *err)
{
	static const char sql[] =
		"SELECT id, hash FROM passage WHERE hash IS NOT NULL";
	sqlite3_stmt *st;
	int64_t max = db_scalar(db, "SELECT coalesce(max(id), 0) FROM passage");
	int64_t *h;
	int rc;

	if (max < 0)
		return db_fail(db, err, "reading passages");
	if (!(st = db_prep(db, sql, err)))
		return NS_EDB;
	h = xcalloc((size_t)max + 1, sizeof(*h));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (id >= 0 && id <= max)
			h[id] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(h);
		return db_fail(db, err, "reading passages");
	}
	*out = h;
	*n = (size_t)max + 1;
	return NS_OK;
}

/*
 * Merge the scores of keyed stage @k (rows of @st: query_id, passage_id,
 * score, key, and with @joined the passage's content hash) into @items:
 * a score is taken only when its key is the one the item has now; else
 * the item's stale bit for the stage is set.  The query's key is made
 * once a query (items come by query), the passage's content hash from
 * @ph (@nph entries) unless @joined.
 */
static enum ns_rc
cascade_db_merge_keyed(struct db *db, const struct cascade_stage *stg,
		       sqlite3_stmt *st, struct cascade_item *items, size_t n,
		       const int64_t *ph, size_t nph, bool joined,
		       struct ns_err *err)
{
	int64_t cur = -1;
	uint64_t qkey = 0;
	size_t i = 0;
	enum ns_rc r = NS_OK;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(st, 0);
		int64_t p = sqlite3_column_int64(st, 1);
		struct cascade_item *it;
		int64_t phash;

		while (i < n && (items[i].qid < q ||
				 (items[i].qid == q && items[i].pid < p)))
			i++;
		if (i == n || items[i].qid != q || items[i].pid != p)
			continue;
		it = &items[i];
		if (q != cur) {
			/* (the scan's statement is another: stepping on
			 * after these is safe) */
			if ((r = cascade_db_query_key(db, q, &qkey, err)))
				break;
			cur = q;
		}
		if (joined)
			phash = sqlite3_column_int64(st, 4);
		else
			phash = p >= 0 && (size_t)p < nph ? ph[p] : 0;
		if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
		    (uint64_t)sqlite3_column_int64(st, 3) ==
		    cascade_db_item_key(stg, qkey, it, phash))
			it->x[stg->ext] = cascade_col(st, 2);
		else
			it->stale |= (unsigned char)(1u << stg->ext);
	}
	sqlite3_reset(st);
	if (r != NS_OK)
		return r;
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading the cascade's items");
	return NS_OK;
}

/* A row of item_label (query, passage, label) into rows->label (as
 * export's reader reads them: not drop_query). */
static void
cascade_export_label(struct export_rows *rows, int64_t qid, int64_t pid,
		     enum label l)
{
	if (l == LABEL_DROP_QUERY)
		return;
	if (rows->nlabel == rows->cap_label) {
		rows->cap_label = rows->cap_label ? 2 * rows->cap_label : 1024;
		rows->label = xrealloc(rows->label, rows->cap_label *
				       sizeof(*rows->label));
	}
	rows->label[rows->nlabel].qid = qid;
	rows->label[rows->nlabel].pid = pid;
	rows->label[rows->nlabel++].label = l;
}

/*
 * The rows of item_label (@st: query_id, passage_id, label, ordered by
 * them) into *@out (*@n; caller frees) as the cascade's labels, and into
 * @rows (NULL: not) as export's reader takes them.
 */
static enum ns_rc
cascade_db_labels(struct db *db, sqlite3_stmt *st, struct cascade_lrow **out,
		  size_t *nout, struct export_rows *rows, struct ns_err *err)
{
	struct cascade_lrow *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(st, 0);
		int64_t p = sqlite3_column_int64(st, 1);
		enum label l = label_of_action((const char *)
					       sqlite3_column_text(st, 2));

		if (rows)
			cascade_export_label(rows, q, p, l);
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].qid = q;
		v[n].pid = p;
		v[n++].label = l == LABEL_FN ? CASCADE_LABEL_FN
			       : l == LABEL_TN ? CASCADE_LABEL_TN
			       : CASCADE_LABEL_OTHER;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(db, err, "reading the labels");
	}
	*out = v;
	*nout = n;
	return NS_OK;
}

/* The labels @lab (@nlab, by query and passage) onto @items (@n, the
 * same order). */
static void
cascade_apply_labels(struct cascade_item *items, size_t n,
		     const struct cascade_lrow *lab, size_t nlab)
{
	size_t i = 0;

	for (size_t j = 0; j < nlab; j++) {
		while (i < n && (items[i].qid < lab[j].qid ||
				 (items[i].qid == lab[j].qid &&
				  items[i].pid < lab[j].pid)))
			i++;
		if (i < n && items[i].qid == lab[j].qid &&
		    items[i].pid == lab[j].pid)
			items[i].label = lab[j].label;
	}
}

static enum ns_rc
cascade_db_load(struct db *db, const struct cascade *c, int64_t run,
		int64_t qid, struct cascade_item **out, size_t *nout,
		struct export_rows *rows, struct ns_err *err)
{
	static const char sql_lab[] =
		"SELECT query_id, passage_id, label FROM item_label"
		" ORDER BY query_id, passage_id";
	static const char sql_lab_q[] =
		"SELECT query_id, passage_id, label FROM item_label"
		" WHERE query_id = ?1 ORDER BY query_id, passage_id";
	static const char sql_sc[] =
		"SELECT query_id, passage_id, score FROM stage_score"
		" WHERE stage = ?1 ORDER BY query_id, passage_id";
	static const char sql_sc_q[] =
		"SELECT query_id, passage_id, score FROM stage_score"
		" WHERE stage = ?1 AND query_id = ?2"
		" ORDER BY query_id, passage_id";
	/* a keyed stage: with the key each score was made under (and, for
	 * one query, its passages' content hashes) */
	static const char sql_key[] =
		"SELECT query_id, passage_id, score, key FROM stage_score"
		" WHERE stage = ?1 ORDER BY query_id, passage_id";
	static const char sql_key_q[] =
		"SELECT s.query_id, s.passage_id, s.score, s.key, p.hash"
		" FROM stage_score s LEFT JOIN passage p ON p.id = s.passage_id"
		" WHERE s.stage = ?1 AND s.query_id = ?2"
		" ORDER BY s.query_id, s.passage_id";
	struct cascade_item *items = NULL;
	struct cascade_lrow *lab = NULL;
	int64_t *ph = NULL;
	size_t n = 0, nph = 0, nlab = 0;
	sqlite3_stmt *st;
	enum ns_rc rc;

	if (rows)
		memset(rows, 0, sizeof(*rows));
	/* the labels first: a labelled item no filter keeps is an item */
	if (!(st = db_prep(db, qid ? sql_lab_q : sql_lab, err)))
		return NS_EDB;
	if (qid)
		sqlite3_bind_int64(st, 1, qid);
	if ((rc = cascade_db_labels(db, st, &lab, &nlab, rows, err))) {
		if (rows)
			export_rows_free(rows);
		return rc;
	}
	rc = cascade_db_features(db, c, run, qid, lab, nlab, &items, &n, rows,
				 err);
	if (rc == NS_OK)
		cascade_apply_labels(items, n, lab, nlab);
	free(lab);
	if (rc != NS_OK) {
		if (rows)
			export_rows_free(rows);
		return rc;
	}
	for (int k = 0; k < c->n; k++) {
		const struct cascade_stage *stg = &c->st[k];

		if (stg->ext < 0)
			continue;
		if (stg->keyed && !qid && !ph &&
		    cascade_passage_hashes(db, &ph, &nph, err))
			goto fail;
		if (!(st = db_prep(db, !stg->keyed ? (qid ? sql_sc_q : sql_sc)
				   : qid ? sql_key_q : sql_key, err)))
			goto fail;
		sqlite3_bind_text(st, 1, stg->name, -1, SQLITE_STATIC);
		if (qid)
			sqlite3_bind_int64(st, 2, qid);
		if (stg->keyed
		    ? cascade_db_merge_keyed(db, stg, st, items, n, ph, nph,
					     qid != 0, err)
		    : cascade_db_merge(db, st, items, n, cascade_apply_score,
				       stg->ext, err))
			goto fail;
	}
	free(ph);
	*out = items;
	*nout = n;
	return NS_OK;
fail:
	free(ph);
	free(items);
	if (rows)
		export_rows_free(rows);
	return err->rc ? err->rc : NS_EDB;
}

enum ns_rc
cascade_db_items(struct db *db, const struct cascade *c, int64_t run,
		 struct cascade_item **out, size_t *n, struct ns_err *err)
{
	return cascade_db_load(db, c, run, 0, out, n, NULL, err);
}

enum ns_rc
cascade_db_items_rows(struct db *db, const struct cascade *c,
		      struct cascade_item **out, size_t *n,
		      struct export_rows *rows, struct ns_err *err)
{
	return cascade_db_load(db, c, 0, 0, out, n, rows, err);
}

enum ns_rc
cascade_db_query_items(struct db *db, const struct cascade *c, int64_t run,
		       int64_t qid, struct cascade_item **out, size_t *n,
		       struct ns_err *err)
{
	return cascade_db_load(db, c, run, qid, out, n, NULL, err);
}

/* --- fits ---------------------------------------------------------------- */

static char *
cascade_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static void
cascade_fit_row(sqlite3_stmt *st, struct cascade_db_fit *f)
{
	f->id = sqlite3_column_int64(st, 0);
	f->created_at = cascade_dup(st, 1);
	f->origin = cascade_dup(st, 2);
	f->stages = cascade_dup(st, 3);
	f->thresholds = cascade_dup(st, 4);
	f->model = cascade_dup(st, 5);
	f->decisions_upto = sqlite3_column_int64(st, 6);
}

#define CASCADE_FIT_COLS \
	"SELECT id, created_at, origin, stages, thresholds, model," \
	" decisions_upto FROM cascade_fit"

/* The fit row @st (prepared, bound) selects into @f: all zero when none. */
static enum ns_rc
cascade_fit_read(struct db *db, sqlite3_stmt *st, struct cascade_db_fit *f,
		 struct ns_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		cascade_fit_row(st, f);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading the cascade's fit");
	return NS_OK;
}

enum ns_rc
cascade_db_fit_latest(struct db *db, struct cascade_db_fit *f,
		      struct ns_err *err)
{
	static const char sql[] = CASCADE_FIT_COLS " ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql, err);

	memset(f, 0, sizeof(*f));
	return st ? cascade_fit_read(db, st, f, err) : NS_EDB;
}

enum ns_rc
cascade_db_fit_get(struct db *db, int64_t id, struct cascade_db_fit *f,
		   struct ns_err *err)
{
	static const char sql[] = CASCADE_FIT_COLS " WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);

	memset(f, 0, sizeof(*f));
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, id);
	return cascade_fit_read(db, st, f, err);
}

void
cascade_db_fit_fini(struct cascade_db_fit *f)
{
	if (!f)
		return;
	free(f->created_at);
	free(f->origin);
	free(f->stages);
	free(f->thresholds);
	free(f->model);
	memset(f, 0, sizeof(*f));
}

enum ns_rc
cascade_db_fits(struct db *db, struct cascade_db_fit **out, size_t *n,
		struct ns_err *err)
{
	static const char sql[] = CASCADE_FIT_COLS " ORDER BY id DESC";
	sqlite3_stmt *st = db_prep(db, sql, err);
	struct cascade_db_fit *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		cascade_fit_row(st, &v[len++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cascade_db_fits_free(v, len);
		return db_fail(db, err, "reading the cascade's fits");
	}
	*out = v;
	*n = len;
	return NS_OK;
}

void
cascade_db_fits_free(struct cascade_db_fit *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cascade_db_fit_fini(&v[i]);
	free(v);
}

int64_t
cascade_db_last_decision(struct db *db)
{
	return db_scalar(db, "SELECT coalesce(max(id), 0) FROM decision");
}

enum ns_rc
cascade_db_skipped(struct db *db, int64_t qid, int64_t pid, char *q,
		   char *p, char *who, size_t size, struct ns_err *err)
{
	static const char sql[] =
		"SELECT coalesce((SELECT xid FROM query WHERE id = ?1),"
		"    '#' || ?1),"
		"  coalesce((SELECT xid FROM passage_xid WHERE passage_id = ?2"
		"    ORDER BY xid LIMIT 1), '#' || ?2),"
		"  a.name"
		" FROM decision d JOIN annotator a ON a.id = d.annotator_id"
		" WHERE d.query_id = ?1 AND d.passage_id = ?2"
		"   AND d.action = 'skip'"
		"   AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes = d.id)"
		" ORDER BY d.id DESC LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	*q = *p = *who = '\0';
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(q, size, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(p, size, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(who, size, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading skipped items");
	return NS_OK;
}

enum ns_rc
cascade_db_fit_add(struct db *db, const char *origin, const char *stages,
		   const char *thresholds, const char *model,
		   int64_t decisions_upto, int64_t *id, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO cascade_fit(created_at, origin, stages,"
		"  thresholds, model, decisions_upto)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char ts[40];
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, stages, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, thresholds, -1, SQLITE_STATIC);
	if (model)
		sqlite3_bind_text(st, 5, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, decisions_upto);
	if ((rc = db_step_done(db, st, "recording a fit", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	return NS_OK;
}

/* --- verdicts ------------------------------------------------------------ */

/* Bind verdict @a as the row starting at parameter @p of @st. */
static void
cascade_bind_auto(sqlite3_stmt *st, int p, const struct cascade_db_auto *a,
		  int64_t fit_id)
{
	sqlite3_bind_int64(st, p, a->qid);
	sqlite3_bind_int64(st, p + 1, a->pid);
	sqlite3_bind_text(st, p + 2, a->verdict, -1, SQLITE_STATIC);
	if (a->stage)
		sqlite3_bind_text(st, p + 3, a->stage, -1, SQLITE_STATIC);
	if (isfinite(a->score))
		sqlite3_bind_double(st, p + 4, a->score);
	if (isfinite(a->pfn))
		sqlite3_bind_double(st, p + 5, a->pfn);
	sqlite3_bind_double(st, p + 6, isfinite(a->priority) ? a->priority
							    : 0);
	sqlite3_bind_int(st, p + 7, a->audit);
	if (fit_id > 0)
		sqlite3_bind_int64(st, p + 8, fit_id);
}

#define CASCADE_AUTO_INSERT \
	"INSERT OR REPLACE INTO item_auto(query_id, passage_id," \
	"  verdict, stage, score, pfn, priority, audit, fit_id) VALUES "
#define CASCADE_AUTO_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?)"

enum ns_rc
cascade_db_auto_put(struct db *db, const struct cascade_db_auto *a,
		    int64_t fit_id, struct ns_err *err)
{
	return cascade_db_auto_put_n(db, a, 1, fit_id, err);
}

enum ns_rc
cascade_db_auto_put_n(struct db *db, const struct cascade_db_auto *a,
		      size_t n, int64_t fit_id, struct ns_err *err)
{
	static const char sql1[] = CASCADE_AUTO_INSERT CASCADE_AUTO_ROW;
	/* the statement of CASCADE_DB_AUTO_BATCH rows, made once (the
	 * statement cache knows statements by their text's address) */
	static char sqln[sizeof(CASCADE_AUTO_INSERT) +
			 CASCADE_DB_AUTO_BATCH * sizeof(", " CASCADE_AUTO_ROW)];
	enum ns_rc rc;

	if (!sqln[0]) {
		size_t len = (size_t)snprintf(sqln, sizeof(sqln), "%s",
					      CASCADE_AUTO_INSERT);

		for (int r = 0; r < CASCADE_DB_AUTO_BATCH; r++)
			len += (size_t)snprintf(sqln + len, sizeof(sqln) - len,
						"%s" CASCADE_AUTO_ROW,
						r ? ", " : "");
	}
	/* whole batches in one statement each: a row alone pays for a
	 * statement run (and for the CHECK on verdict, an IN list that
	 * SQLite builds a table for at every run) */
	for (; n >= CASCADE_DB_AUTO_BATCH; n -= CASCADE_DB_AUTO_BATCH,
					   a += CASCADE_DB_AUTO_BATCH) {
		sqlite3_stmt *st = db_prep(db, sqln, err);

		if (!st)
			return NS_EDB;
		for (int r = 0; r < CASCADE_DB_AUTO_BATCH; r++)
			cascade_bind_auto(st, 9 * r + 1, &a[r], fit_id);
		if ((rc = db_step_done(db, st, "recording verdicts", err)))
			return rc;
	}
	for (; n > 0; n--, a++) {
		sqlite3_stmt *st = db_prep(db, sql1, err);

		if (!st)
			return NS_EDB;
		cascade_bind_auto(st, 1, a, fit_id);
		if ((rc = db_step_done(db, st, "recording a verdict", err)))
			return rc;
	}
	return NS_OK;
}

enum ns_rc
cascade_db_fk(struct db *db, bool on, struct ns_err *err)
{
	return db_exec(db, on ? "PRAGMA foreign_keys = ON"
			      : "PRAGMA foreign_keys = OFF", err);
}

enum ns_rc
cascade_db_checks(struct db *db, bool on, struct ns_err *err)
{
	if (!on)
		return db_exec(db, "PRAGMA ignore_check_constraints = ON",
			       err);
	/* on again even in a transaction SQLite rolled back after an
	 * error (db_exec() runs nothing there) */
	if (sqlite3_exec(db_handle(db), "PRAGMA ignore_check_constraints"
			 " = OFF", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, err, "turning CHECK constraints on again");
	return NS_OK;
}

enum ns_rc
cascade_db_auto_rewrite_begin(struct db *db, bool keep, struct ns_err *err)
{
	enum ns_rc rc = db_exec(db, "PRAGMA cache_size = -262144;"
				"DROP INDEX IF EXISTS item_auto_queue;", err);

	if (rc == NS_OK && !keep)
		rc = db_exec(db, "DELETE FROM item_auto;", err);
	return rc;
}

enum ns_rc
cascade_db_auto_rewrite_end(struct db *db, struct ns_err *err)
{
	/* the same index as migration 6 made */
	return db_exec(db, "CREATE INDEX item_auto_queue ON"
		       " item_auto(priority DESC)"
		       " WHERE verdict = 'review' OR audit = 1;", err);
}

struct cascade_db_scan {
	struct db *db;
	sqlite3_stmt *st;
};

enum ns_rc
cascade_db_auto_scan_begin(struct db *db, struct cascade_db_scan **s,
			   struct ns_err *err)
{
	static const char sql[] =
		"SELECT query_id, passage_id, verdict, stage, score, pfn,"
		"  priority, audit, coalesce(fit_id, 0)"
		" FROM item_auto ORDER BY query_id, passage_id";
	sqlite3_stmt *st = db_prep(db, sql, err);

	*s = NULL;
	if (!st)
		return NS_EDB;
	*s = xcalloc(1, sizeof(**s));
	(*s)->db = db;
	(*s)->st = st;
	return NS_OK;
}

enum ns_rc
cascade_db_auto_scan_next(struct cascade_db_scan *s, struct cascade_db_auto *a,
			  int64_t *fit_id, struct ns_err *err)
{
	int rc = sqlite3_step(s->st);

	if (rc == SQLITE_DONE)
		return NS_ENOTFOUND;
	if (rc != SQLITE_ROW)
		return db_fail(s->db, err, "reading the verdicts");
	a->qid = sqlite3_column_int64(s->st, 0);
	a->pid = sqlite3_column_int64(s->st, 1);
	a->verdict = (const char *)sqlite3_column_text(s->st, 2);
	a->stage = (const char *)sqlite3_column_text(s->st, 3);
	a->score = cascade_col(s->st, 4);
	a->pfn = cascade_col(s->st, 5);
	a->priority = sqlite3_column_double(s->st, 6);
	a->audit = sqlite3_column_int(s->st, 7) != 0;
	*fit_id = sqlite3_column_int64(s->st, 8);
	if (!a->verdict)
		a->verdict = "";
	return NS_OK;
}

void
cascade_db_auto_scan_end(struct cascade_db_scan *s)
{
	if (!s)
		return;
	sqlite3_reset(s->st);
	free(s);
}

enum ns_rc
cascade_db_auto_delete(struct db *db, int64_t qid, int64_t pid,
		       struct ns_err *err)
{
	static const char sql[] =
		"DELETE FROM item_auto WHERE query_id = ?1 AND passage_id = ?2";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pid);
	return db_step_done(db, st, "removing a verdict", err);
}

enum ns_rc
cascade_db_auto_prune(struct db *db, int64_t *removed, struct ns_err *err)
{
	enum ns_rc rc = db_exec(db, "DELETE FROM item_auto WHERE NOT EXISTS"
				" (SELECT 1 FROM candidate c"
				"  WHERE c.query_id = item_auto.query_id"
				"    AND c.passage_id = item_auto.passage_id"
				"    AND c.filter IS NULL)", err);

	*removed = rc == NS_OK ? sqlite3_changes64(db_handle(db)) : 0;
	return rc;
}

enum ns_rc
cascade_db_auto_get(struct db *db, int64_t qid, int64_t pid, char *verdict,
		    struct ns_err *err)
{
	static const char sql[] =
		"SELECT verdict FROM item_auto WHERE query_id = ?1"
		" AND passage_id = ?2";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(verdict, 8, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return NS_OK;
	if (rc == SQLITE_DONE)
		return NS_ENOTFOUND;
	return db_fail(db, err, "reading a verdict");
}

/* --- stage scores -------------------------------------------------------- */

enum ns_rc
cascade_db_score_put(struct db *db, const char *stage, int64_t qid,
		     int64_t pid, double score, const char *raw,
		     uint64_t input, uint64_t key, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO stage_score(stage, query_id,"
		"  passage_id, score, raw, input, at, key)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char ts[40];

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, qid);
	sqlite3_bind_int64(st, 3, pid);
	if (isfinite(score))
		sqlite3_bind_double(st, 4, score);
	if (raw)
		sqlite3_bind_text(st, 5, raw, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)input);
	sqlite3_bind_text(st, 7, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)key);
	return db_step_done(db, st, "recording a stage score", err);
}

enum ns_rc
cascade_db_score_get(struct db *db, const char *stage, int64_t qid,
		     int64_t pid, double *score, uint64_t *input,
		     struct ns_err *err)
{
	static const char sql[] =
		"SELECT score, input FROM stage_score WHERE stage = ?1"
		" AND query_id = ?2 AND passage_id = ?3";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, qid);
	sqlite3_bind_int64(st, 3, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*score = cascade_col(st, 0);
		*input = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return NS_OK;
	if (rc == SQLITE_DONE)
		return NS_ENOTFOUND;
	return db_fail(db, err, "reading a stage score");
}

char *
cascade_db_raw(struct db *db, int64_t qid, int64_t pid)
{
	static const char sql[] =
		"SELECT stage, score, raw FROM stage_score WHERE query_id = ?1"
		" AND passage_id = ?2 AND raw IS NOT NULL ORDER BY stage";
	struct ns_err err;
	sqlite3_stmt *st = db_prep(db, sql, &err);
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	if (!st)
		return strbuf_detach(&sb, NULL);
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pid);
	while (sqlite3_step(st) == SQLITE_ROW)
		strbuf_addf(&sb, "%s%s (%.3g): %s", sb.len ? "\n" : "",
			    (const char *)sqlite3_column_text(st, 0),
			    sqlite3_column_double(st, 1),
			    (const char *)sqlite3_column_text(st, 2));
	sqlite3_reset(st);
	return strbuf_detach(&sb, NULL);
}

/* --- texts for external scorers ------------------------------------------ */

static char *
cascade_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return xstrdup(t ? (const char *)t : "");
}

enum ns_rc
cascade_db_texts(struct db *db, int64_t qid, struct cascade_db_texts *t,
		 struct ns_err *err)
{
	static const char sql_q[] = "SELECT text, xid FROM query WHERE id = ?1";
	static const char sql_p[] =
		"SELECT CASE WHEN p.title = '' THEN coalesce(p.text, '')"
		"  ELSE p.title || ' ' || coalesce(p.text, '') END,"
		"  (SELECT xid FROM passage_xid x WHERE x.passage_id = p.id"
		"   LIMIT 1), p.id"
		" FROM qrel r JOIN passage p ON p.id = r.passage_id"
		" WHERE r.query_id = ?1 AND r.grade > 0 ORDER BY p.id";
	sqlite3_stmt *st = db_prep(db, sql_q, err);
	size_t cap = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	t->qid = qid;
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	rc = sqlite3_step(st);
	t->query = rc == SQLITE_ROW ? cascade_text(st, 0) : xstrdup("");
	t->query_xid = rc == SQLITE_ROW ? cascade_text(st, 1) : xstrdup("");
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading a query");
	if (!(st = db_prep(db, sql_p, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, qid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (t->npos == cap) {
			cap = cap ? cap * 2 : 4;
			t->pos = xrealloc(t->pos, cap * sizeof(*t->pos));
			t->pos_xid = xrealloc(t->pos_xid,
					      cap * sizeof(*t->pos_xid));
		}
		t->pos[t->npos] = cascade_text(st, 0);
		t->pos_xid[t->npos] = sqlite3_column_type(st, 1) != SQLITE_NULL
			? cascade_text(st, 1)
			: xasprintf("#%lld", (long long)sqlite3_column_int64(
						     st, 2));
		t->npos++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, "reading positives");
	return cascade_db_query_key(db, qid, &t->key, err);
}

void
cascade_db_texts_fini(struct cascade_db_texts *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->npos; i++) {
		free(t->pos[i]);
		free(t->pos_xid[i]);
	}
	free(t->pos);
	free(t->pos_xid);
	free(t->query);
	free(t->query_xid);
	memset(t, 0, sizeof(*t));
}

enum ns_rc
cascade_db_passage(struct db *db, int64_t pid, char **title, char **text,
		   char **xid, int64_t *hash, struct ns_err *err)
{
	static const char sql[] =
		"SELECT title, text, (SELECT xid FROM passage_xid x"
		"  WHERE x.passage_id = p.id LIMIT 1), p.hash FROM passage p"
		" WHERE p.id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, pid);
	rc = sqlite3_step(st);
	*title = rc == SQLITE_ROW ? cascade_text(st, 0) : xstrdup("");
	*text = rc == SQLITE_ROW ? cascade_text(st, 1) : xstrdup("");
	*xid = rc == SQLITE_ROW && sqlite3_column_type(st, 2) != SQLITE_NULL
		? cascade_text(st, 2) : xasprintf("#%lld", (long long)pid);
	*hash = rc == SQLITE_ROW ? sqlite3_column_int64(st, 3) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading a passage");
	return NS_OK;
}
