/*
 * stats.c - project counts (see stats.h).
 */
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/mining.h"
#include "db/stats.h"
#include "src/util.h"

static int64_t
stats_one(struct db *db, const char *sql, int64_t source, struct ns_err *err,
	  enum ns_rc *rc)
{
	sqlite3_stmt *st = db_prep(db, sql, err);
	int64_t v = 0;

	if (!st) {
		*rc = NS_EDB;
		return 0;
	}
	if (source >= 0)
		sqlite3_bind_int64(st, 1, source);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		*rc = db_fail(db, err, "counting");
	sqlite3_reset(st);
	return v;
}

enum ns_rc
stats_totals(struct db *db, struct stats_counts *c, struct ns_err *err)
{
	enum ns_rc rc = NS_OK;

	memset(c, 0, sizeof(*c));
	c->queries = stats_one(db, "SELECT count(*) FROM query", -1, err, &rc);
	c->passages = stats_one(db, "SELECT count(*) FROM passage", -1, err,
				&rc);
	c->passage_ids = stats_one(db, "SELECT count(*) FROM passage_xid", -1,
				   err, &rc);
	c->positives = stats_one(db, "SELECT count(*) FROM qrel WHERE "
				 "grade > 0", -1, err, &rc);
	c->judged_negatives = stats_one(db, "SELECT count(*) FROM qrel WHERE "
					"grade <= 0", -1, err, &rc);
	/* a mined run stores only its kept candidates; what its filters
	 * dropped is in its pool, whose size the run records ("pooled",
	 * db_mine_run_pooled()); a run finished before it did has it
	 * counted from the pool's blobs (their heads) */
	c->candidates = stats_one(db,
		"SELECT coalesce(sum(CASE"
		"  WHEN r.state = 'done' AND json_valid(r.params)"
		"   AND json_type(r.params, '$.pooled') = 'integer'"
		"  THEN json_extract(r.params, '$.pooled')"
		"  WHEN r.state = 'done' AND EXISTS (SELECT 1 FROM run_pool p"
		"   WHERE p.run_id = r.id)"
		"  THEN (SELECT sum(ns_pool_size(p.data)) FROM run_pool p"
		"   WHERE p.run_id = r.id)"
		"  ELSE (SELECT count(*) FROM candidate c"
		"   WHERE c.run_id = r.id) END), 0)"
		" FROM run r", -1, err, &rc);
	c->candidates_kept = stats_one(db, "SELECT count(*) FROM candidate "
				       "WHERE filter IS NULL", -1, err, &rc);
	c->decisions = stats_one(db, "SELECT count(*) FROM decision", -1, err,
				 &rc);
	c->decisions_live = stats_one(db, "SELECT count(*) FROM "
				      "decision_live", -1, err, &rc);
	if (rc == NS_OK) {
		int64_t upto;

		rc = db_mine_not_in_run(db, 0, &upto, &c->not_in_run,
					&c->no_text, err);
	}
	return rc;
}

enum ns_rc
stats_sources(struct db *db, struct stats_source **out, size_t *n,
	      struct ns_err *err)
{
	static const char sql[] =
		"SELECT id, path, format, created_at, records, skipped "
		"FROM source ORDER BY id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	struct stats_source *v = NULL;
	size_t len = 0, cap = 0;
	enum ns_rc rc = NS_OK;
	int step;

	if (!st)
		return NS_EDB;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct stats_source *s;

		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		s = &v[len++];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		s->path = xstrdup((const char *)sqlite3_column_text(st, 1));
		s->format = xstrdup((const char *)sqlite3_column_text(st, 2));
		s->created_at = xstrdup((const char *)
					sqlite3_column_text(st, 3));
		s->records = sqlite3_column_int64(st, 4);
		s->skipped = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		stats_sources_free(v, len);
		return db_fail(db, err, "listing sources");
	}
	for (size_t i = 0; i < len && rc == NS_OK; i++) {
		struct stats_source *s = &v[i];

		s->c.queries = stats_one(db, "SELECT count(*) FROM query "
					 "WHERE source_id = ?1", s->id, err,
					 &rc);
		s->c.passages = stats_one(db, "SELECT count(*) FROM passage "
					  "WHERE source_id = ?1", s->id, err,
					  &rc);
		s->c.positives = stats_one(db, "SELECT count(*) FROM qrel "
					   "WHERE source_id = ?1 AND grade > 0",
					   s->id, err, &rc);
		s->c.judged_negatives = stats_one(db, "SELECT count(*) FROM "
						  "qrel WHERE source_id = ?1 "
						  "AND grade <= 0", s->id, err,
						  &rc);
		s->c.candidates = stats_one(db, "SELECT count(*) FROM "
					    "candidate c JOIN run r ON "
					    "r.id = c.run_id WHERE "
					    "r.source_id = ?1", s->id, err,
					    &rc);
	}
	if (rc != NS_OK) {
		stats_sources_free(v, len);
		return rc;
	}
	*out = v;
	*n = len;
	return NS_OK;
}

void
stats_sources_free(struct stats_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].format);
		free(v[i].created_at);
	}
	free(v);
}

enum ns_rc
stats_labels(struct db *db, int64_t totals[LABEL_COUNT],
	     struct stats_annotator **out, size_t *n, struct ns_err *err)
{
	static const char sql_ann[] =
		"SELECT a.id, a.name, (SELECT count(*) FROM decision d"
		"  WHERE d.annotator_id = a.id) FROM annotator a"
		" WHERE EXISTS (SELECT 1 FROM decision d"
		"  WHERE d.annotator_id = a.id) ORDER BY a.name";
	/* the items in force by label (totals, each item once), then the
	 * items each annotator labelled (an item several labelled counts
	 * for each, as queue_count() counts it) */
	static const char sql_tot[] =
		"SELECT label, count(*) FROM item_label GROUP BY label";
	static const char sql_lab[] =
		"SELECT annotator_id, label, count(*)"
		" FROM (" DB_LABELLED_BY ") GROUP BY annotator_id, label";
	struct stats_annotator *v = NULL;
	int64_t *ids = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *st = db_prep(db, sql_ann, err);
	int step;

	if (!st)
		return NS_EDB;
	memset(totals, 0, LABEL_COUNT * sizeof(*totals));
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		memset(&v[len], 0, sizeof(v[len]));
		ids[len] = sqlite3_column_int64(st, 0);
		v[len].name = xstrdup((const char *)sqlite3_column_text(st, 1));
		v[len].events = sqlite3_column_int64(st, 2);
		len++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		goto fail;
	if (!(st = db_prep(db, sql_tot, err)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		totals[label_of_action((const char *)sqlite3_column_text(st,
			0))] += sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		goto fail;
	if (!(st = db_prep(db, sql_lab, err)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(st, 0), c;
		enum label l = label_of_action((const char *)
					       sqlite3_column_text(st, 1));

		c = sqlite3_column_int64(st, 2);
		for (size_t i = 0; i < len; i++)
			if (ids[i] == a)
				v[i].labels[l] += c;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		goto fail;
	free(ids);
	*out = v;
	*n = len;
	return NS_OK;
fail:
	db_fail(db, err, "counting labels");
out:
	free(ids);
	stats_annotators_free(v, len);
	return NS_EDB;
}

void
stats_annotators_free(struct stats_annotator *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

enum ns_rc
stats_ratings(struct db *db, struct stats_rating **out, size_t *n,
	      struct ns_err *err)
{
	static const char sql[] =
		"SELECT al.query_id, al.passage_id, al.annotator_id, al.label,"
		"  ia.label, d.auto"
		" FROM annotator_label al JOIN decision d ON d.id = al.decision_id"
		" LEFT JOIN item_adjudicated ia ON ia.query_id = al.query_id"
		"   AND ia.passage_id = al.passage_id"
		" ORDER BY al.query_id, al.passage_id, al.annotator_id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	struct stats_rating *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 5);

		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[len].qid = sqlite3_column_int64(st, 0);
		v[len].pid = sqlite3_column_int64(st, 1);
		v[len].annotator = sqlite3_column_int64(st, 2);
		v[len].label = label_of_action((const char *)
					       sqlite3_column_text(st, 3));
		v[len].adjudicated = label_of_action((const char *)
						     sqlite3_column_text(st, 4));
		v[len].autov = a && !strcmp(a, "fn") ? LABEL_FN
			       : a && !strcmp(a, "tn") ? LABEL_TN : LABEL_NONE;
		len++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(db, err, "reading annotators' labels");
	}
	*out = v;
	*n = len;
	return NS_OK;
}

static int
stats_cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

enum ns_rc
stats_paces(struct db *db, struct stats_pace **out, size_t *n,
	    struct ns_err *err)
{
	static const char sql_a[] =
		"SELECT a.id, a.name,"
		"  (SELECT count(*) FROM decision d WHERE d.annotator_id = a.id"
		"    AND d.action IN ('fn', 'tn', 'drop_passage', 'drop_query')),"
		"  (SELECT coalesce(sum(max(0, julianday(coalesce(s.ended_at,"
		"     (SELECT max(d.at) FROM decision d"
		"      WHERE d.annotator_id = a.id), s.started_at))"
		"     - julianday(s.started_at))) * 24, 0)"
		"   FROM review_session s WHERE s.annotator_id = a.id)"
		" FROM annotator a WHERE EXISTS (SELECT 1 FROM decision d"
		"  WHERE d.annotator_id = a.id) ORDER BY a.name";
	static const char sql_ms[] =
		"SELECT ms_on_item FROM decision WHERE annotator_id = ?1"
		" AND ms_on_item IS NOT NULL"
		" AND action IN ('fn', 'tn', 'drop_passage', 'drop_query')";
	sqlite3_stmt *st = db_prep(db, sql_a, err);
	struct stats_pace *v = NULL;
	size_t len = 0;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (len + 1) * sizeof(*v));
		v[len].annotator = sqlite3_column_int64(st, 0);
		v[len].name = xstrdup((const char *)sqlite3_column_text(st, 1));
		v[len].events = sqlite3_column_int64(st, 2);
		v[len].hours = sqlite3_column_double(st, 3);
		v[len].median_ms = -1;
		len++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		stats_paces_free(v, len);
		return db_fail(db, err, "reading annotators");
	}
	for (size_t i = 0; i < len; i++) {
		int64_t *ms = NULL;
		size_t m = 0;

		if (!(st = db_prep(db, sql_ms, err))) {
			stats_paces_free(v, len);
			return NS_EDB;
		}
		sqlite3_bind_int64(st, 1, v[i].annotator);
		while (sqlite3_step(st) == SQLITE_ROW) {
			ms = xrealloc(ms, (m + 1) * sizeof(*ms));
			ms[m++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (m) {
			qsort(ms, m, sizeof(*ms), stats_cmp_int64);
			v[i].median_ms = m % 2 ? (double)ms[m / 2]
				: ((double)ms[m / 2 - 1] + (double)ms[m / 2]) /
					  2.0;
		}
		free(ms);
	}
	*out = v;
	*n = len;
	return NS_OK;
}

void
stats_paces_free(struct stats_pace *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
