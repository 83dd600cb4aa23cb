/*
 * export.c - reading a project for export, and the export log (see
 * export.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/export.h"
#include "src/util.h"

/* Strings of one query: chunks that never move, reused query after query
 * (memory is bounded by the largest query, not the project). */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
};

struct export_reader {
	struct db *db;			/* borrowed */
	int64_t run;			/* > 0: this run only */
	bool all_runs;			/* every run's kept candidates */
	bool open;			/* the read transaction is open */
	bool done;			/* the query cursor reached the end */
	int64_t queries, fit, decisions;
	sqlite3_stmt *cursor;		/* the queries, in id order */
	struct arena_chunk *chunks;	/* strings of the current query */
	struct export_query q;		/* the current query */
	size_t cap_pos, cap_items;
	int64_t *order;			/* items by passage id: (id, index) */
	size_t cap_order;
};

#define ARENA_CHUNK (256 * 1024)

static void
arena_reset(struct export_reader *r)
{
	struct arena_chunk *keep = NULL, *c, *next;

	/* keep one chunk of the usual size, free the others */
	for (c = r->chunks; c; c = next) {
		next = c->next;
		if (!keep && c->cap == ARENA_CHUNK) {
			keep = c;
			continue;
		}
		free(c);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	r->chunks = keep;
}

/* A copy of @len bytes at @s, NUL-terminated, living until the next
 * arena_reset().  Small strings are cut from the first chunk; a large
 * one gets a chunk of its own, linked behind the first. */
static const char *
arena_dup(struct export_reader *r, const void *s, size_t len)
{
	struct arena_chunk *c = r->chunks;
	char *p;

	if (!c || c->cap - c->used < len + 1) {
		if (len + 1 > ARENA_CHUNK / 4) {
			c = xmalloc(sizeof(*c) + len + 1);
			c->cap = c->used = len + 1;
			if (r->chunks) {
				c->next = r->chunks->next;
				r->chunks->next = c;
			} else {
				c->next = NULL;
				r->chunks = c;
			}
			memcpy(c->data, s, len);
			c->data[len] = '\0';
			return c->data;
		}
		c = xmalloc(sizeof(*c) + ARENA_CHUNK);
		c->cap = ARENA_CHUNK;
		c->used = 0;
		c->next = r->chunks;
		r->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

/* Column @i as an arena string; NULL when it is NULL. */
static const char *
col_str(struct export_reader *r, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	if (!t)
		return NULL;
	return arena_dup(r, t, (size_t)sqlite3_column_bytes(st, i));
}

static void
arena_free(struct export_reader *r)
{
	struct arena_chunk *c = r->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	r->chunks = NULL;
}

/* The first external id of a passage (its smallest), for column lists. */
#define EXPORT_XID(P) \
	"(SELECT x.xid FROM passage_xid x WHERE x.passage_id = " P " LIMIT 1)"

enum ns_rc
export_reader_open(struct db *db, int64_t run, bool all_runs,
		   struct export_reader **out, struct ns_err *err)
{
	static const char sql_run[] = "SELECT 1 FROM run WHERE id = ?1";
	static const char sql_snap[] =
		"SELECT (SELECT count(*) FROM query),"
		" (SELECT coalesce(max(id), 0) FROM cascade_fit),"
		" (SELECT coalesce(max(id), 0) FROM decision)";
	static const char sql_cursor[] =
		"SELECT q.id, q.xid, q.text, q.prompt, q.type,"
		"  EXISTS (SELECT 1 FROM query_drop d WHERE d.query_id = q.id)"
		" FROM query q ORDER BY q.id";
	struct export_reader *r;
	sqlite3_stmt *st;
	enum ns_rc rc;
	int64_t one;

	if (db_exec(db, "BEGIN", err) != NS_OK)
		return NS_EDB;
	r = xcalloc(1, sizeof(*r));
	r->db = db;
	r->run = run;
	r->all_runs = all_runs;
	r->open = true;
	if (run > 0) {
		if (!(st = db_prep(db, sql_run, err))) {
			rc = NS_EDB;
			goto fail;
		}
		sqlite3_bind_int64(st, 1, run);
		rc = db_step_id(db, st, &one, "reading a run", err);
		if (rc == NS_ENOTFOUND)
			rc = err_set(err, NS_ENOTFOUND, "no run with id %lld",
				     (long long)run);
		if (rc)
			goto fail;
	}
	if (!(st = db_prep(db, sql_snap, err))) {
		rc = NS_EDB;
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(db, err, "reading the project");
		sqlite3_reset(st);
		goto fail;
	}
	r->queries = sqlite3_column_int64(st, 0);
	r->fit = sqlite3_column_int64(st, 1);
	r->decisions = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	if (!(r->cursor = db_prep(db, sql_cursor, err))) {
		rc = NS_EDB;
		goto fail;
	}
	*out = r;
	return NS_OK;
fail:
	export_reader_close(r);
	return rc;
}

int64_t
export_reader_queries(const struct export_reader *r)
{
	return r->queries;
}

int64_t
export_reader_fit(const struct export_reader *r)
{
	return r->fit;
}

int64_t
export_reader_decisions(const struct export_reader *r)
{
	return r->decisions;
}

void
export_reader_close(struct export_reader *r)
{
	if (!r)
		return;
	if (r->cursor)
		sqlite3_reset(r->cursor);
	if (r->open)
		db_exec(r->db, "COMMIT", NULL);
	arena_free(r);
	free(r->q.pos);
	free(r->q.items);
	free(r->order);
	free(r);
}

static struct export_item *
new_item(struct export_reader *r, bool pos)
{
	struct export_item *it;

	if (pos) {
		if (r->q.npos == r->cap_pos) {
			r->cap_pos = r->cap_pos ? r->cap_pos * 2 : 8;
			r->q.pos = xrealloc(r->q.pos, r->cap_pos *
					    sizeof(*r->q.pos));
		}
		it = &r->q.pos[r->q.npos++];
	} else {
		if (r->q.nitems == r->cap_items) {
			r->cap_items = r->cap_items ? r->cap_items * 2 : 64;
			r->q.items = xrealloc(r->q.items, r->cap_items *
					      sizeof(*r->q.items));
		}
		it = &r->q.items[r->q.nitems++];
	}
	memset(it, 0, sizeof(*it));
	it->title = "";
	return it;
}

/* Fill @it's passage columns from @st: passage id, xid, title, text,
 * score, rank (columns @c.. @c+5). */
static void
item_cols(struct export_reader *r, struct export_item *it, sqlite3_stmt *st,
	  int c)
{
	const char *title;

	it->passage_id = sqlite3_column_int64(st, c);
	it->xid = col_str(r, st, c + 1);
	title = col_str(r, st, c + 2);
	it->title = title ? title : "";
	it->text = col_str(r, st, c + 3);
	it->has_score = sqlite3_column_type(st, c + 4) != SQLITE_NULL;
	it->score = sqlite3_column_double(st, c + 4);
	it->rank = sqlite3_column_int64(st, c + 5);
}

/* The query's judged positives, scored under run r->q.run as the review
 * screen scores them (db/queue.c): the run's scorer (run_positive, or
 * the positive's own candidate row), else for an imported run the
 * teacher score imported with the same file. */
static enum ns_rc
read_positives(struct export_reader *r, struct ns_err *err)
{
	static const char sql[] =
		"SELECT r.passage_id, " EXPORT_XID("r.passage_id") ","
		"  p.title, p.text,"
		"  coalesce((SELECT rp.score FROM run_positive rp"
		"   WHERE rp.run_id = ?2 AND rp.query_id = r.query_id"
		"     AND rp.passage_id = r.passage_id),"
		"   (SELECT c.score FROM candidate c"
		"   WHERE c.run_id = ?2 AND c.query_id = r.query_id"
		"     AND c.passage_id = r.passage_id),"
		"   (SELECT r.score FROM run u WHERE u.id = ?2"
		"     AND u.source_id = r.source_id)),"
		"  NULL, r.grade"
		" FROM qrel r JOIN passage p ON p.id = r.passage_id"
		" WHERE r.query_id = ?1 AND r.grade > 0"
		" ORDER BY r.passage_id";
	sqlite3_stmt *st = db_prep(r->db, sql, err);
	int rc;

	if (!st)
		return NS_EDB;
	sqlite3_bind_int64(st, 1, r->q.id);
	sqlite3_bind_int64(st, 2, r->q.run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct export_item *it = new_item(r, true);

		item_cols(r, it, st, 0);
		it->positive = true;
		it->grade = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? NS_OK
				 : db_fail(r->db, err, "reading positives");
}

/* The chosen candidates, best first (as the review screen orders them). */
static enum ns_rc
read_candidates(struct export_reader *r, struct ns_err *err)
{
	/* the kept candidates of run ?1 */
	static const char sql_run[] =
		"SELECT c.passage_id, " EXPORT_XID("c.passage_id") ","
		"  p.title, p.text, c.score, c.rank,"
		"  j.grade, c.flag = 'near_duplicate'"
		" FROM candidate c JOIN passage p ON p.id = c.passage_id"
		" LEFT JOIN qrel j ON j.query_id = ?2"
		"   AND j.passage_id = c.passage_id"
		" WHERE c.run_id = ?1 AND c.query_id = ?2 AND c.filter IS NULL"
		" ORDER BY c.score IS NULL, c.score DESC, c.rank IS NULL,"
		"   c.rank, c.passage_id";
	/* the kept candidates of every run, scored by run ?1 */
	static const char sql_all[] =
		"SELECT k.passage_id, " EXPORT_XID("k.passage_id") ","
		"  p.title, p.text, s.score, s.rank, j.grade,"
		"  (SELECT max(f.flag = 'near_duplicate') FROM candidate f"
		"   WHERE f.query_id = ?2 AND f.passage_id = k.passage_id"
		"     AND f.filter IS NULL)"
		" FROM (SELECT DISTINCT passage_id FROM candidate"
		"   WHERE query_id = ?2 AND filter IS NULL) k"
		" JOIN passage p ON p.id = k.passage_id"
		" LEFT JOIN candidate s ON s.run_id = ?1 AND s.query_id = ?2"
		"   AND s.passage_id = k.passage_id"
		" LEFT JOIN qrel j ON j.query_id = ?2"
		"   AND j.passage_id = k.passage_id"
		" ORDER BY s.passage_id IS NULL, s.score IS NULL, s.score DESC,"
		"   s.rank IS NULL, s.rank, k.passage_id";
	sqlite3_stmt *st;
	int rc;

	if (!r->q.run)
		return NS_OK;
	if (!(st = db_prep(r->db, r->all_runs ? sql_all : sql_run, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, r->q.run);
	sqlite3_bind_int64(st, 2, r->q.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct export_item *it = new_item(r, false);

		item_cols(r, it, st, 0);
		it->candidate = true;
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			it->grade = sqlite3_column_int64(st, 6);
			it->positive = it->grade > 0;
			it->judged_neg = it->grade <= 0;
		}
		it->near_dup = sqlite3_column_int(st, 7) != 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? NS_OK
				 : db_fail(r->db, err, "reading candidates");
}

static int
cmp_order(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sort the (passage id, index) pairs of the items for find_item(). */
static void
index_items(struct export_reader *r)
{
	size_t n = r->q.nitems;

	if (2 * n > r->cap_order) {
		r->cap_order = 2 * n + 64;
		r->order = xrealloc(r->order, r->cap_order *
				    sizeof(*r->order));
	}
	for (size_t i = 0; i < n; i++) {
		r->order[2 * i] = r->q.items[i].passage_id;
		r->order[2 * i + 1] = (int64_t)i;
	}
	qsort(r->order, n, 2 * sizeof(*r->order), cmp_order);
}

/* The item (a candidate, or a positive) of passage @pid, or NULL. */
static struct export_item *
find_item(struct export_reader *r, size_t ncand, int64_t pid)
{
	size_t lo = 0, hi = ncand;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->order[2 * mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ncand && r->order[2 * lo] == pid)
		return &r->q.items[r->order[2 * lo + 1]];
	for (size_t i = 0; i < r->q.npos; i++)
		if (r->q.pos[i].passage_id == pid)
			return &r->q.pos[i];
	return NULL;
}

/* Add passage @pid of the query as an item outside the chosen candidates
 * (a false negative some other way); NULL if it has vanished. */
static struct export_item *
add_other(struct export_reader *r, int64_t pid, struct ns_err *err,
	  enum ns_rc *ret)
{
	static const char sql[] =
		"SELECT p.id, " EXPORT_XID("p.id") ", p.title, p.text,"
		"  c.score, c.rank, j.grade"
		" FROM passage p"
		" LEFT JOIN candidate c ON c.run_id = ?2 AND c.query_id = ?3"
		"   AND c.passage_id = p.id"
		" LEFT JOIN qrel j ON j.query_id = ?3 AND j.passage_id = p.id"
		" WHERE p.id = ?1";
	sqlite3_stmt *st = db_prep(r->db, sql, err);
	struct export_item *it = NULL;
	int rc;

	if (!st) {
		*ret = NS_EDB;
		return NULL;
	}
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, r->q.run);
	sqlite3_bind_int64(st, 3, r->q.id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		it = new_item(r, false);
		item_cols(r, it, st, 0);
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			it->grade = sqlite3_column_int64(st, 6);
			it->positive = it->grade > 0;
			it->judged_neg = it->grade <= 0;
		}
	} else if (rc != SQLITE_DONE) {
		*ret = db_fail(r->db, err, "reading a passage");
	}
	sqlite3_reset(st);
	return it;
}

/*
 * Labels (item_label) and verdicts (item_auto) of the query, onto its
 * items; passages called a false negative that are not among them are
 * added as items of their own.
 */
static enum ns_rc
read_labels(struct export_reader *r, struct ns_err *err)
{
	static const char sql_label[] =
		"SELECT passage_id, label FROM item_label"
		" WHERE query_id = ?1 AND label <> 'drop_query'";
	static const char sql_auto[] =
		"SELECT passage_id, verdict FROM item_auto WHERE query_id = ?1";
	size_t ncand = r->q.nitems;
	sqlite3_stmt *st;
	enum ns_rc ret = NS_OK;
	int rc;

	index_items(r);
	for (int pass = 0; pass < 2 && ret == NS_OK; pass++) {
		if (!(st = db_prep(r->db, pass ? sql_auto : sql_label, err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, r->q.id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t pid = sqlite3_column_int64(st, 0);
			const char *v = (const char *)sqlite3_column_text(st,
									  1);
			struct export_item *it = find_item(r, ncand, pid);
			enum label l = LABEL_NONE;
			enum export_auto a = EXPORT_AUTO_NONE;

			if (pass == 0)
				l = label_of_action(v);
			else if (v && !strcmp(v, "tn"))
				a = EXPORT_AUTO_TN;
			else if (v && !strcmp(v, "fn"))
				a = EXPORT_AUTO_FN;
			else if (v && !strcmp(v, "review"))
				a = EXPORT_AUTO_REVIEW;
			/* items added here come after the candidates: look
			 * for them among the added ones too */
			for (size_t i = ncand; !it && i < r->q.nitems; i++)
				if (r->q.items[i].passage_id == pid)
					it = &r->q.items[i];
			if (!it && (l == LABEL_FN || a == EXPORT_AUTO_FN)) {
				it = add_other(r, pid, err, &ret);
				if (ret != NS_OK)
					break;
			}
			if (!it)
				continue;
			if (pass == 0)
				it->label = l;
			else
				it->verdict = a;
		}
		sqlite3_reset(st);
		if (ret == NS_OK && rc != SQLITE_DONE)
			ret = db_fail(r->db, err, "reading labels");
	}
	return ret;
}

enum ns_rc
export_reader_next(struct export_reader *r, const struct export_query **q,
		   struct ns_err *err)
{
	static const char sql_newest[] =
		"SELECT coalesce(max(run_id), 0) FROM candidate"
		" WHERE query_id = ?1 AND filter IS NULL";
	sqlite3_stmt *st;
	enum ns_rc rc;
	int step;

	if (r->done)
		return NS_ENOTFOUND;
	arena_reset(r);
	memset(&r->q, 0, offsetof(struct export_query, pos));
	r->q.npos = r->q.nitems = 0;
	step = sqlite3_step(r->cursor);
	if (step == SQLITE_DONE) {
		sqlite3_reset(r->cursor);
		r->done = true;
		return NS_ENOTFOUND;
	}
	if (step != SQLITE_ROW)
		return db_fail(r->db, err, "reading queries");
	r->q.id = sqlite3_column_int64(r->cursor, 0);
	r->q.xid = col_str(r, r->cursor, 1);
	r->q.text = col_str(r, r->cursor, 2);
	r->q.prompt = col_str(r, r->cursor, 3);
	r->q.type = col_str(r, r->cursor, 4);
	r->q.dropped = sqlite3_column_int(r->cursor, 5) != 0;
	*q = &r->q;
	if (r->q.dropped)
		return NS_OK;
	if (r->run > 0 && !r->all_runs) {
		r->q.run = r->run;
	} else {
		if (!(st = db_prep(r->db, sql_newest, err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, r->q.id);
		if ((rc = db_step_int(r->db, st, &r->q.run,
				      "finding the run of a query", err)))
			return rc;
	}
	if ((rc = read_positives(r, err)) ||
	    (rc = read_candidates(r, err)) ||
	    (rc = read_labels(r, err)))
		return rc;
	return NS_OK;
}

/* --- the export log -------------------------------------------------- */

enum ns_rc
export_record_add(struct db *db, const struct export_record *rec,
		  int64_t *id, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO export(created_at, format, path, params, fit_id,"
		"  decisions_upto, queries, rows, positives, relabelled,"
		"  negatives, negatives_dropped, queries_dropped, counts)"
		" VALUES (?1, ?2, ?3, ?4, nullif(?5, 0), ?6, ?7, ?8, ?9, ?10,"
		"  ?11, ?12, ?13, ?14)";
	sqlite3_stmt *st;
	char now[40];
	enum ns_rc rc;

	if (!(st = db_prep(db, sql, err)))
		return NS_EDB;
	now_iso8601(now, sizeof(now));
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, rec->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rec->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rec->params, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, rec->fit_id);
	sqlite3_bind_int64(st, 6, rec->decisions_upto);
	sqlite3_bind_int64(st, 7, rec->queries);
	sqlite3_bind_int64(st, 8, rec->rows);
	sqlite3_bind_int64(st, 9, rec->positives);
	sqlite3_bind_int64(st, 10, rec->relabelled);
	sqlite3_bind_int64(st, 11, rec->negatives);
	sqlite3_bind_int64(st, 12, rec->negatives_dropped);
	sqlite3_bind_int64(st, 13, rec->queries_dropped);
	sqlite3_bind_text(st, 14, rec->counts, -1, SQLITE_STATIC);
	if ((rc = db_step_done(db, st, "recording the export", err)))
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	return NS_OK;
}

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return xstrdup(t ? (const char *)t : "");
}

enum ns_rc
export_records(struct db *db, struct export_record **out, size_t *n,
	       struct ns_err *err)
{
	static const char sql[] =
		"SELECT id, created_at, format, path, params,"
		"  coalesce(fit_id, 0), decisions_upto, queries, rows,"
		"  positives, relabelled, negatives, negatives_dropped,"
		"  queries_dropped, counts"
		" FROM export ORDER BY id";
	sqlite3_stmt *st = db_prep(db, sql, err);
	struct export_record *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct export_record *e;

		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		e = &v[len++];
		e->id = sqlite3_column_int64(st, 0);
		e->created_at = dup_col(st, 1);
		e->format = dup_col(st, 2);
		e->path = dup_col(st, 3);
		e->params = dup_col(st, 4);
		e->fit_id = sqlite3_column_int64(st, 5);
		e->decisions_upto = sqlite3_column_int64(st, 6);
		e->queries = sqlite3_column_int64(st, 7);
		e->rows = sqlite3_column_int64(st, 8);
		e->positives = sqlite3_column_int64(st, 9);
		e->relabelled = sqlite3_column_int64(st, 10);
		e->negatives = sqlite3_column_int64(st, 11);
		e->negatives_dropped = sqlite3_column_int64(st, 12);
		e->queries_dropped = sqlite3_column_int64(st, 13);
		e->counts = dup_col(st, 14);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		export_records_free(v, len);
		return db_fail(db, err, "reading the export log");
	}
	*out = v;
	*n = len;
	return NS_OK;
}

void
export_records_free(struct export_record *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].created_at);
		free(v[i].format);
		free(v[i].path);
		free(v[i].params);
		free(v[i].counts);
	}
	free(v);
}
