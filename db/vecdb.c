/*
 * vecdb.c - SQL for vector sets, the embedding cache and item lookups
 * (see vecdb.h).
 */
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "src/util.h"
#include "db/vecdb.h"

void
vecdb_row_fini(struct vecdb_row *r)
{
	free(r->kind);
	free(r->model);
	free(r->path);
	free(r->ids_path);
	memset(r, 0, sizeof(*r));
}

enum ns_rc
vecdb_insert(struct db *db, const char *kind, const char *model, int dim,
	     int64_t count, const char *params, const void *state,
	     size_t state_len, int64_t *id, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO vecset(kind, model, dim, count, path, ids_path,"
		" params, state, created_at)"
		" VALUES (?1, ?2, ?3, ?4, '', '', ?5, ?6, ?7)";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char ts[40];
	enum ns_rc rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, dim);
	sqlite3_bind_int64(st, 4, count);
	if (params)
		sqlite3_bind_text(st, 5, params, -1, SQLITE_STATIC);
	if (state)
		sqlite3_bind_blob64(st, 6, state, state_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	rc = db_step_done(db, st, "recording a vector set", err);
	sqlite3_clear_bindings(st);
	if (rc)
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	return NS_OK;
}

enum ns_rc
vecdb_set_paths(struct db *db, int64_t id, const char *path,
		const char *ids_path, struct ns_err *err)
{
	static const char sql[] =
		"UPDATE vecset SET path = ?2, ids_path = ?3 WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ids_path, -1, SQLITE_STATIC);
	return db_step_done(db, st, "recording a vector set", err);
}

static char *
vecdb_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s ? (const char *)s : "");
}

enum ns_rc
vecdb_latest(struct db *db, const char *kind, const char *model,
	     struct vecdb_row *r, struct ns_err *err)
{
	/* ?2 NULL: any model; ?3 = 1: a "file:" prefix match. */
	static const char sql[] =
		"SELECT id, kind, model, dim, count, path, ids_path"
		" FROM vecset WHERE kind = ?1"
		" AND (?2 IS NULL OR (?3 = 0 AND model = ?2)"
		"      OR (?3 = 1 AND substr(model, 1, 5) = 'file:'))"
		" ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (model)
		sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, model && strcmp(model, "file:") == 0);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		r->kind = vecdb_col_str(st, 1);
		r->model = vecdb_col_str(st, 2);
		r->dim = sqlite3_column_int(st, 3);
		r->count = sqlite3_column_int64(st, 4);
		r->path = vecdb_col_str(st, 5);
		r->ids_path = vecdb_col_str(st, 6);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return NS_OK;
	if (rc == SQLITE_DONE)
		return NS_ENOTFOUND;
	return db_fail(db, err, "reading vector sets");
}

char *
vecdb_param(struct db *db, int64_t id, const char *key)
{
	/* params written by hand or by an older negsieve may not be JSON:
	 * json_extract() would fail on them */
	static const char sql[] =
		"SELECT CASE WHEN json_valid(params)"
		" THEN json_extract(params, '$.' || ?2) END"
		" FROM vecset WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, NULL);
	char *v = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return v;
}

enum ns_rc
vecdb_state(struct db *db, int64_t id, void **data, size_t *len,
	    struct ns_err *err)
{
	static const char sql[] = "SELECT state FROM vecset WHERE id = ?1";
	sqlite3_stmt *st = db_prep(db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	*data = NULL;
	*len = 0;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
		const void *b = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*data = xmalloc(n ? n : 1);
		memcpy(*data, b, n);
		*len = n;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, "reading a vector set");
	return NS_OK;
}

bool
vecdb_cache_get(struct db *db, const unsigned char key[16], int *dim,
		float *vec)
{
	static const char sql[] =
		"SELECT dim, vec FROM embed_cache WHERE key = ?1";
	sqlite3_stmt *st = db_prep(db, sql, NULL);
	bool hit = false;

	if (!st)
		return false;
	sqlite3_bind_blob(st, 1, key, 16, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int d = sqlite3_column_int(st, 0);

		if ((*dim == 0 || d == *dim) && d > 0 && d <= 65536 &&
		    sqlite3_column_bytes(st, 1) == (int)(d * sizeof(float))) {
			memcpy(vec, sqlite3_column_blob(st, 1),
			       (size_t)d * sizeof(float));
			*dim = d;
			hit = true;
		}
	}
	sqlite3_reset(st);
	return hit;
}

enum ns_rc
vecdb_cache_put(struct db *db, const unsigned char key[16], int dim,
		const float *vec, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO embed_cache(key, dim, vec)"
		" VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_prep(db, sql, err);

	if (!st)
		return NS_EDB;
	sqlite3_bind_blob(st, 1, key, 16, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, dim);
	sqlite3_bind_blob(st, 3, vec, (int)(dim * sizeof(float)),
			  SQLITE_STATIC);
	return db_step_done(db, st, "writing the embedding cache", err);
}

enum ns_rc
vecdb_query_id(struct db *db, const char *xid, int64_t *id,
	       struct ns_err *err)
{
	static const char sql[] = "SELECT id FROM query WHERE xid = ?1";

	return db_lookup_id(db, sql, xid, id, "looking up an id", err);
}

enum ns_rc
vecdb_passage_id(struct db *db, const char *xid, int64_t *id,
		 struct ns_err *err)
{
	static const char sql[] =
		"SELECT passage_id FROM passage_xid WHERE xid = ?1";

	return db_lookup_id(db, sql, xid, id, "looking up an id", err);
}

char *
vecdb_xid(struct db *db, bool query, int64_t id)
{
	static const char sql_q[] = "SELECT xid FROM query WHERE id = ?1";
	static const char sql_p[] =
		"SELECT min(xid) FROM passage_xid WHERE passage_id = ?1";
	sqlite3_stmt *st = db_prep(db, query ? sql_q : sql_p, NULL);
	char *s = NULL;

	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			s = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
	}
	return s ? s : xasprintf("#%lld", (long long)id);
}

int64_t
vecdb_count(struct db *db, bool query)
{
	return db_scalar(db, query ? "SELECT count(*) FROM query" :
			 "SELECT count(*) FROM passage");
}

int
vecdb_path_used(struct db *db, const char *rel)
{
	static const char sql[] =
		"SELECT count(*) FROM vecset WHERE path = ?1 OR ids_path = ?1";
	sqlite3_stmt *st = db_prep(db, sql, NULL);
	int v = -1;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return v;
}

int64_t
vecdb_max_id(struct db *db, bool query)
{
	return db_scalar(db, query ? "SELECT coalesce(max(id), 0) FROM query"
			 : "SELECT coalesce(max(id), 0) FROM passage");
}

enum ns_rc
vecdb_walk_texts(struct db *db, bool query, bool prompts,
		 enum ns_rc (*fn)(int64_t id, const char *text, size_t len,
				  void *arg),
		 enum ns_rc (*blank)(int64_t id, void *arg),
		 void *arg, int64_t *notext, struct ns_err *err)
{
	/* column 2: the item's own text is blank (a query's prompt is not
	 * its text; a passage is blank when its title is too) */
	static const char sql_q[] =
		"SELECT id, text, ns_blank(text) FROM query ORDER BY id";
	static const char sql_qp[] =
		"SELECT id, coalesce(prompt, '') || text, ns_blank(text)"
		" FROM query ORDER BY id";
	static const char sql_p[] =
		"SELECT id, CASE WHEN title = '' THEN text"
		" ELSE title || ' ' || text END,"
		" ns_blank(coalesce(title, '')) AND ns_blank(text)"
		" FROM passage ORDER BY id";
	sqlite3_stmt *st = db_prep(db, !query ? sql_p : prompts ? sql_qp
				   : sql_q, err);
	enum ns_rc rc = NS_OK;
	int64_t skipped = 0;
	int src;

	if (!st)
		return NS_EDB;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *text;

		if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
			skipped++;
			continue;
		}
		if (sqlite3_column_int(st, 2)) {
			if (blank && (rc = blank(id, arg)) != NS_OK)
				break;
			continue;
		}
		text = (const char *)sqlite3_column_text(st, 1);
		rc = fn(id, text, (size_t)sqlite3_column_bytes(st, 1), arg);
		if (rc != NS_OK)
			break;
	}
	if (rc == NS_OK && src != SQLITE_DONE)
		rc = db_fail(db, err, "reading texts");
	sqlite3_reset(st);
	if (notext)
		*notext = skipped;
	return rc;
}

enum ns_rc
vecdb_models(struct db *db, char ***models, int *n, struct ns_err *err)
{
	/* vectors imported from files all count as the model "file:" */
	static const char sql[] =
		"SELECT CASE WHEN substr(model, 1, 5) = 'file:' THEN 'file:'"
		" ELSE model END AS m FROM vecset WHERE kind = 'passage'"
		" GROUP BY m ORDER BY max(id) DESC";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char **v = NULL;
	int k = 0, src;

	if (!st)
		return NS_EDB;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (size_t)(k + 1) * sizeof(*v));
		v[k++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (src != SQLITE_DONE) {
		vecdb_models_free(v, k);
		return db_fail(db, err, "reading vector sets");
	}
	*models = v;
	*n = k;
	return NS_OK;
}

enum ns_rc
vecdb_file_models(struct db *db, const char *kind, char ***models, int **dims,
		  int *n, struct ns_err *err)
{
	/* each name's newest set: its dimension, its age */
	static const char sql[] =
		"SELECT model, dim FROM vecset v WHERE kind = ?1"
		" AND substr(model, 1, 5) = 'file:' AND id = (SELECT max(id)"
		" FROM vecset w WHERE w.kind = v.kind AND w.model = v.model)"
		" ORDER BY id DESC";
	sqlite3_stmt *st = db_prep(db, sql, err);
	char **v = NULL;
	int *d = NULL, k = 0, src;

	if (!st)
		return NS_EDB;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (size_t)(k + 1) * sizeof(*v));
		d = xrealloc(d, (size_t)(k + 1) * sizeof(*d));
		v[k] = xstrdup((const char *)sqlite3_column_text(st, 0));
		d[k++] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (src != SQLITE_DONE) {
		vecdb_models_free(v, k);
		free(d);
		return db_fail(db, err, "reading vector sets");
	}
	*models = v;
	*dims = d;
	*n = k;
	return NS_OK;
}

void
vecdb_models_free(char **models, int n)
{
	for (int i = 0; i < n; i++)
		free(models[i]);
	free(models);
}
