/*
 * cascade.c (db) - the cascade's SQL (see db/cascade.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/cascade.h"
#include "src/label.h"
#include "src/util.h"

/*
 * The items with their built-in features.  ?1 restricts to one run (0:
 * all), ?2 is the agreement run (0: none), ?3 one query (QUERY variant).
 * Each item is scored under its query's scoring run qr.run: its candidate
 * row there, else (an item another run brought, which qr.run retrieved
 * but did not keep) its entry in qr.run's pool.  The anchor
 * is the lowest positive score under that run (run_positive), else for
 * an imported run the lowest teacher score imported with it.  The
 * agreement rank is the item's rank among everything the agreement run
 * retrieved: its pool (ns_pool_rank(), db/mining.c) when it has one, else
 * its candidate rows (imported runs).
 */
#define CASCADE_ITEMS_SQL(QUERY) \
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

static const char cascade_sql_items[] = CASCADE_ITEMS_SQL("");
static const char cascade_sql_query_items[] =
	CASCADE_ITEMS_SQL("AND query_id = ?3");

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

static double
cascade_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		       ? NAN : sqlite3_column_double(st, i);
}

/* Fill item @it's features from a row of CASCADE_ITEMS_SQL. */
static void
cascade_db_row(const struct cascade *c, sqlite3_stmt *st,
	       struct cascade_item *it)
{
	double s = cascade_col(st, 2), rank = cascade_col(st, 3);
	double anchor = cascade_col(st, 5), orank = cascade_col(st, 6);
	bool other = sqlite3_column_int(st, 7) != 0;

	memset(it, 0, sizeof(*it));
	it->qid = sqlite3_column_int64(st, 0);
	it->pid = sqlite3_column_int64(st, 1);
	it->f[0] = s;
	it->f[1] = s - anchor;		/* NAN when either is unknown */
	/* relative only where the positive's score is well away from 0 */
	it->f[2] = fabs(anchor) > 1e-6 ? (s - anchor) / fabs(anchor) : NAN;
	it->f[3] = -rank;
	it->f[4] = cascade_col(st, 4);
	it->f[5] = !other ? NAN : isnan(orank) ? 0.0 : 1.0 / orank;
	for (int j = 0; j < CASCADE_MAX_EXT; j++)
		it->x[j] = NAN;
	it->label = CASCADE_UNLABELLED;
	cascade_item_draw(c, it);
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
cascade_apply_label(struct cascade_item *it, sqlite3_stmt *st, int arg)
{
	enum label l = label_of_action((const char *)sqlite3_column_text(st,
									 2));

	(void)arg;
	it->label = l == LABEL_FN ? CASCADE_LABEL_FN
		    : l == LABEL_TN ? CASCADE_LABEL_TN : CASCADE_LABEL_OTHER;
}

static void
cascade_apply_score(struct cascade_item *it, sqlite3_stmt *st, int ext)
{
	it->x[ext] = cascade_col(st, 2);
}

static enum ns_rc
cascade_db_load(struct db *db, const struct cascade *c, int64_t run,
		int64_t qid, struct cascade_item **out, size_t *nout,
		struct ns_err *err)
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
	struct cascade_item *items = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	st = db_prep(db, qid ? cascade_sql_query_items : cascade_sql_items,
		     err);
	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, cascade_db_agree_run(db, c));
	if (qid)
		sqlite3_bind_int64(st, 3, qid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			items = xrealloc(items, cap * sizeof(*items));
		}
		cascade_db_row(c, st, &items[n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(items);
		return db_fail(db, err, "reading the cascade's items");
	}
	if (!(st = db_prep(db, qid ? sql_lab_q : sql_lab, err)))
		goto fail;
	if (qid)
		sqlite3_bind_int64(st, 1, qid);
	if (cascade_db_merge(db, st, items, n, cascade_apply_label, 0, err))
		goto fail;
	for (int k = 0; k < c->n; k++) {
		if (c->st[k].ext < 0)
			continue;
		if (!(st = db_prep(db, qid ? sql_sc_q : sql_sc, err)))
			goto fail;
		sqlite3_bind_text(st, 1, c->st[k].name, -1, SQLITE_STATIC);
		if (qid)
			sqlite3_bind_int64(st, 2, qid);
		if (cascade_db_merge(db, st, items, n, cascade_apply_score,
				     c->st[k].ext, err))
			goto fail;
	}
	*out = items;
	*nout = n;
	return NS_OK;
fail:
	free(items);
	return err->rc ? err->rc : NS_EDB;
}

enum ns_rc
cascade_db_items(struct db *db, const struct cascade *c, int64_t run,
		 struct cascade_item **out, size_t *n, struct ns_err *err)
{
	return cascade_db_load(db, c, run, 0, out, n, err);
}

enum ns_rc
cascade_db_query_items(struct db *db, const struct cascade *c, int64_t run,
		       int64_t qid, struct cascade_item **out, size_t *n,
		       struct ns_err *err)
{
	return cascade_db_load(db, c, run, qid, out, n, err);
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

enum ns_rc
cascade_db_fit_latest(struct db *db, struct cascade_db_fit *f,
		      struct ns_err *err)
{
	static const char sql[] = CASCADE_FIT_COLS " ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	memset(f, 0, sizeof(*f));
	if (!st)
		return NS_EDB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		cascade_fit_row(st, f);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading the cascade's fit");
	return NS_OK;
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

enum ns_rc
cascade_db_auto_put(struct db *db, const struct cascade_db_auto *a,
		    int64_t fit_id, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO item_auto(query_id, passage_id,"
		"  verdict, stage, score, pfn, priority, audit, fit_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, a->qid);
	sqlite3_bind_int64(st, 2, a->pid);
	sqlite3_bind_text(st, 3, a->verdict, -1, SQLITE_STATIC);
	if (a->stage)
		sqlite3_bind_text(st, 4, a->stage, -1, SQLITE_STATIC);
	if (isfinite(a->score))
		sqlite3_bind_double(st, 5, a->score);
	if (isfinite(a->pfn))
		sqlite3_bind_double(st, 6, a->pfn);
	sqlite3_bind_double(st, 7, isfinite(a->priority) ? a->priority : 0);
	sqlite3_bind_int(st, 8, a->audit);
	if (fit_id > 0)
		sqlite3_bind_int64(st, 9, fit_id);
	return db_step_done(db, st, "recording a verdict", err);
}

enum ns_rc
cascade_db_auto_rewrite_begin(struct db *db, struct ns_err *err)
{
	return db_exec(db, "PRAGMA cache_size = -262144;"
		       "DROP INDEX IF EXISTS item_auto_queue;"
		       "DELETE FROM item_auto;", err);
}

enum ns_rc
cascade_db_auto_rewrite_end(struct db *db, struct ns_err *err)
{
	/* the same index as migration 6 made */
	return db_exec(db, "CREATE INDEX item_auto_queue ON"
		       " item_auto(priority DESC)"
		       " WHERE verdict = 'review' OR audit = 1;", err);
}

enum ns_rc
cascade_db_auto_prune(struct db *db, struct ns_err *err)
{
	return db_exec(db, "DELETE FROM item_auto WHERE NOT EXISTS"
		       " (SELECT 1 FROM candidate c"
		       "  WHERE c.query_id = item_auto.query_id"
		       "    AND c.passage_id = item_auto.passage_id"
		       "    AND c.filter IS NULL)", err);
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
		     uint64_t input, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO stage_score(stage, query_id,"
		"  passage_id, score, raw, input, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
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
	return NS_OK;
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
		   char **xid, struct ns_err *err)
{
	static const char sql[] =
		"SELECT title, text, (SELECT xid FROM passage_xid x"
		"  WHERE x.passage_id = p.id LIMIT 1) FROM passage p"
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
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading a passage");
	return NS_OK;
}
