/*
 * export.c - reading a project for export, and the export log (see
 * export.h).
 *
 * The reader walks the queries in id order and, beside them, streams
 * ordered by query id that SQLite serves from indexes without sorting:
 * the kept candidates of each run (candidate_run), the positives (qrel's
 * key), each run's positive scores (run_positive's key), the cascade's
 * verdicts (item_auto's key) and the queries with decisions (their own,
 * or a passage dropped elsewhere: a sorted list of ids).  Each query takes
 * what the streams hold for it; only those ask the item_label view (and
 * query_drop), with their id, which SQLite answers from indexes.  So the
 * cost of a query does not grow with the project, and nothing but the
 * current query (and the ids of the decided queries) is held in memory.
 *
 * A reader of the whole project that writes nothing (EXPORT_READ_SCAN:
 * stats' plan of the export) reads those views in one ordered scan each
 * instead: a statement a decided query costs more than the whole scan
 * once most queries are read (10k of them: a second against a tenth).
 * With EXPORT_READ_HAS_TEXT it learns which passages have a text from one
 * scan of the passage ids into a bitmap, not from a passage row looked up
 * for each candidate.  And its caller may hand it the kept candidates and
 * the labels it read already (export_reader_rows(): stats reads them for
 * the cascade's items), which it then takes from memory: no look-up of a
 * candidate row for each entry of candidate_run, no second evaluation of
 * item_label (a third of a second at 10k labels).
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/export.h"
#include "db/mining.h"
#include "src/util.h"

/* Strings of one query: chunks that never move, reused query after query
 * (memory is bounded by the largest query, not the project). */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
};

/* A statement whose rows come in query id order (column 0). */
struct stream {
	sqlite3_stmt *st;	/* owned (finalized at close) */
	bool row;		/* a row is current */
	bool done;		/* no more rows */
};

/* A run's streams. */
struct run_streams {
	int64_t id;
	int64_t source;		/* its source, 0: none */
	struct stream cand;	/* its kept candidates */
	struct stream pos;	/* its positives' scores (run_positive) */
};

struct export_reader {
	struct db *db;			/* borrowed */
	int64_t run;			/* > 0: this run only */
	bool all_runs;			/* every run's kept candidates */
	bool open;			/* it opened the read transaction */
	bool done;			/* the query cursor reached the end */
	int64_t queries, fit, decisions;
	struct db_mine_cover cover;	/* the queries the mining runs read
					 * hold (db_mine_cover_out()) */
	bool model;			/* the fit has a P(FN) model */
	int64_t cache_size;		/* the connection's, set back at the
					 * close; 0: not changed */
	sqlite3_stmt *cursor;		/* the queries, in id order */
	struct run_streams *runs;	/* newest first */
	size_t nruns;
	size_t unfinished;		/* runs passed over: not finished */
	struct stream positives;	/* qrel grade > 0 with passages */
	struct stream judged;		/* qrel grade <= 0 */
	struct stream verdicts;		/* item_auto */
	struct stream decided;		/* queries with decisions */
	/* EXPORT_READ_SCAN: the views a decided query asks, by query */
	struct stream drops;		/* query_drop */
	struct stream labels;		/* item_label */
	struct stream pending;		/* read_pending()'s */
	/* the kept candidates the caller read (export_reader_rows()), by
	 * query; NULL: the runs' streams */
	const struct export_cand *cand;
	size_t ncand, cand_at;		/* rows; the first of the query */
	size_t cand_end;		/* the end of the query's rows */
	/* the labels the caller read, by query; NULL: read here */
	const struct export_label *label;
	size_t nlabel, label_at;
	bool pos_unscored;		/* EXPORT_READ_POS_UNSCORED */
	bool text_bits;			/* has_text is read */
	/* EXPORT_READ_HAS_TEXT: bit i set: passage i has a text */
	unsigned char *has_text;
	int64_t has_text_n;		/* bits */
	struct arena_chunk *chunks;	/* strings of the current query */
	struct export_query q;		/* the current query */
	size_t cap_pos, cap_items;
	int64_t *order;			/* items by passage id: (id, index) */
	size_t cap_order;
};

#define ARENA_CHUNK (256 * 1024)

/* The page cache of a reading export (KiB). */
#define EXPORT_CACHE_KIB 32768

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

/* What a decided query asks of the labels (item_label) and of the fns
 * waiting for more annotators (read_pending()): rows (query id, passage
 * id, ...), by one statement a query or by one ordered scan
 * (EXPORT_READ_SCAN), the same rules either way. */
#define LABELS_SQL \
	"SELECT query_id, passage_id, label FROM item_label" \
	" WHERE label <> 'drop_query'"
#define PENDING_SQL(WHERE) \
	"SELECT l.query_id, l.passage_id, count(DISTINCT l.label) > 1" \
	" FROM annotator_label l JOIN item_need n" \
	"   ON n.query_id = l.query_id AND n.passage_id = l.passage_id" \
	WHERE \
	" GROUP BY l.query_id, l.passage_id" \
	" HAVING sum(l.label = 'fn') > 0" \
	"   AND (count(*) < max(n.k) OR count(DISTINCT l.label) > 1)"

/* Prepare @sql as a stream of its own (several may run at once). */
static enum ns_rc
stream_open(struct export_reader *r, struct stream *s, const char *sql,
	    int64_t bind, struct ns_err *err)
{
	memset(s, 0, sizeof(*s));
	if (sqlite3_prepare_v2(db_handle(r->db), sql, -1, &s->st, NULL) !=
	    SQLITE_OK)
		return db_fail(r->db, err, "reading the project");
	if (bind)
		sqlite3_bind_int64(s->st, 1, bind);
	return NS_OK;
}

static void
stream_close(struct stream *s)
{
	sqlite3_finalize(s->st);
	s->st = NULL;
}

/* Move @s to its first row with query id >= @qid; true when that row's
 * query id is @qid.  *@ret gets an SQLite error. */
static bool
stream_at(struct export_reader *r, struct stream *s, int64_t qid,
	  enum ns_rc *ret, struct ns_err *err)
{
	int rc;

	for (;;) {
		if (s->done || !s->st)
			return false;
		if (s->row) {
			int64_t q = sqlite3_column_int64(s->st, 0);

			if (q >= qid)
				return q == qid;
		}
		rc = sqlite3_step(s->st);
		s->row = rc == SQLITE_ROW;
		if (rc == SQLITE_DONE) {
			s->done = true;
		} else if (rc != SQLITE_ROW) {
			s->done = true;
			*ret = db_fail(r->db, err, "reading the project");
		}
	}
}

/* Step past the current row (the caller took it). */
static void
stream_next(struct stream *s)
{
	s->row = false;
}

/*
 * Which passages have a text (EXPORT_READ_HAS_TEXT), into r->has_text:
 * one scan of the passage table in id order, where a join would look up
 * a passage row for each candidate (a million look-ups cost a second).
 * A blank title and text (text_blank(), as ns_blank()) is no text, as
 * item_cols() reads it; ns_blank() stops at the first character that is
 * not white space, so the scan costs about what it did.
 */
static enum ns_rc
read_has_text(struct export_reader *r, struct ns_err *err)
{
	static const char sql[] =
		"SELECT id FROM passage WHERE text IS NOT NULL"
		" AND NOT (ns_blank(text) AND ns_blank(coalesce(title, '')))"
		" ORDER BY id";
	sqlite3_stmt *st = db_prep(r->db, sql, err);
	size_t cap = 0;
	int rc;

	if (!st)
		return NS_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (id < 0)
			continue;	/* (ids are rowids from 1) */
		if ((size_t)id / 8 >= cap) {
			size_t ncap = cap ? cap : 4096;

			while ((size_t)id / 8 >= ncap)
				ncap *= 2;
			r->has_text = xrealloc(r->has_text, ncap);
			memset(r->has_text + cap, 0, ncap - cap);
			cap = ncap;
		}
		r->has_text[id / 8] |= (unsigned char)(1u << (id % 8));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, err, "reading passages");
	r->has_text_n = (int64_t)cap * 8;
	r->text_bits = true;
	return NS_OK;
}

/* @it's text as the bitmap says: "" (it has one) or NULL (none). */
static void
item_has_text(const struct export_reader *r, struct export_item *it)
{
	int64_t id = it->passage_id;

	if (!r->text_bits)
		return;
	it->text = id >= 0 && id < r->has_text_n &&
		   (r->has_text[id / 8] & (1u << (id % 8))) ? "" : NULL;
}

enum ns_rc
export_reader_open(struct db *db, int64_t run, bool all_runs,
		   unsigned what, struct export_reader **out,
		   struct ns_err *err)
{
	static const char sql_runs[] =
		"SELECT id, coalesce(source_id, 0), state = 'done' FROM run"
		" WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC";
	static const char sql_snap[] =
		"SELECT (SELECT count(*) FROM query),"
		" (SELECT coalesce(max(id), 0) FROM cascade_fit),"
		" (SELECT coalesce(max(id), 0) FROM decision),"
		" (SELECT CASE WHEN json_valid(model)"
		"   THEN coalesce(json_array_length(model, '$.w'), 0) > 0"
		"   ELSE 0 END FROM cascade_fit ORDER BY id DESC LIMIT 1)";
	static const char sql_cursor[] =
		"SELECT id, xid, text, prompt, type FROM query ORDER BY id";
	static const char sql_runpos[] =
		"SELECT query_id, passage_id, score FROM run_positive"
		" WHERE run_id = ?1 ORDER BY query_id, passage_id";
	static const char sql_judged[] =
		"SELECT query_id, passage_id, grade FROM qrel"
		" WHERE grade <= 0 ORDER BY query_id, passage_id";
	static const char sql_auto[] =
		"SELECT query_id, passage_id, verdict, pfn FROM item_auto"
		" ORDER BY query_id, passage_id";
	/* the queries with decisions of their own, and those with a
	 * candidate whose passage was dropped in another query (a dropped
	 * passage is dropped everywhere: item_label says so for them too) */
	static const char sql_decided[] =
		"SELECT query_id FROM decision"
		" UNION SELECT c.query_id FROM passage_drop p"
		" JOIN candidate c ON c.passage_id = p.passage_id"
		" ORDER BY 1";
	static const char sql_drops[] =
		"SELECT query_id FROM query_drop ORDER BY query_id";
	static const char sql_labels[] =
		LABELS_SQL " ORDER BY query_id, passage_id";
	static const char sql_pending[] =
		PENDING_SQL("") " ORDER BY l.query_id, l.passage_id";
	/* the passage columns: id, external id, title, text; only what the
	 * format writes is read (a passage row, an index look-up less);
	 * whether it has a text comes from a bitmap (read_has_text()) */
	const char *xid = (what & EXPORT_READ_IDS) ? EXPORT_XID("%s") : "NULL";
	const char *txt = (what & EXPORT_READ_TEXTS) ? "p.title, p.text"
						       : "'', NULL";
	const char *join = (what & EXPORT_READ_TEXTS)
			   ? " JOIN passage p ON p.id = %s" : "";
	char *sql_cand, *sql_pos, *cols, *from, pragma[64];
	struct export_reader *r;
	sqlite3_stmt *st;
	enum ns_rc rc;
	size_t cap = 0;
	int step;

	/* a run's kept candidates, by query (then rank: the order is
	 * settled per query); the positives with their teacher scores */
	cols = xasprintf(xid, "c.passage_id");
	from = xasprintf(join, "c.passage_id");
	sql_cand = xasprintf("SELECT c.query_id, c.passage_id, %s, %s,"
			     " c.score, c.rank, c.flag = 'near_duplicate'"
			     " FROM candidate c%s"
			     " WHERE c.run_id = ?1 AND c.filter IS NULL"
			     " ORDER BY c.query_id, c.rank", cols, txt, from);
	free(cols);
	free(from);
	cols = xasprintf(xid, "r.passage_id");
	from = xasprintf(join, "r.passage_id");
	sql_pos = xasprintf("SELECT r.query_id, r.passage_id, %s, %s,"
			    " r.score, r.source_id, r.grade FROM qrel r%s"
			    " WHERE r.grade > 0"
			    " ORDER BY r.query_id, r.passage_id", cols, txt,
			    from);
	free(cols);
	free(from);
	r = xcalloc(1, sizeof(*r));
	r->db = db;
	/* Candidates come in query order, their passages from anywhere: a
	 * page cache of a fixed size (whatever the project's) saves most
	 * of the page reads again; set back at the close. */
	r->cache_size = db_scalar(db, "PRAGMA cache_size");
	if (r->cache_size == -1)	/* db_scalar()'s error */
		r->cache_size = 0;
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d",
		 EXPORT_CACHE_KIB);
	/* in the caller's transaction when it has one (stats: the rows it
	 * hands over, export_reader_rows(), are of the same state) */
	r->open = sqlite3_get_autocommit(db_handle(db)) != 0;
	if (db_exec(db, pragma, err) != NS_OK ||
	    (r->open && db_exec(db, "BEGIN", err) != NS_OK)) {
		r->open = false;
		rc = NS_EDB;
		goto fail;
	}
	r->run = run;
	r->all_runs = all_runs;
	r->pos_unscored = (what & EXPORT_READ_POS_UNSCORED) != 0;
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
	r->model = sqlite3_column_int(st, 3) != 0;
	sqlite3_reset(st);
	if (!(st = db_prep(db, sql_runs, err))) {
		rc = NS_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		/* an unfinished run (a mine killed on the way) has nothing
		 * to export yet */
		if (!sqlite3_column_int(st, 2)) {
			if (run <= 0) {
				r->unfinished++;
				continue;
			}
			sqlite3_reset(st);
			rc = err_set(err, NS_ENOTFOUND, "run %lld: unfinished "
				     "(its mining was interrupted); run "
				     "'negsieve mine %s' again to resume it",
				     (long long)run, db_dir(db));
			goto fail;
		}
		if (r->nruns == cap) {
			cap = cap ? cap * 2 : 8;
			r->runs = xrealloc(r->runs, cap * sizeof(*r->runs));
		}
		memset(&r->runs[r->nruns], 0, sizeof(*r->runs));
		r->runs[r->nruns].id = sqlite3_column_int64(st, 0);
		r->runs[r->nruns++].source = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		rc = db_fail(db, err, "reading runs");
		goto fail;
	}
	if (run > 0 && r->nruns == 0) {
		rc = err_set(err, NS_ENOTFOUND, "no run with id %lld",
			     (long long)run);
		goto fail;
	}
	if ((rc = db_mine_cover_open(db, run, &r->cover, err)))
		goto fail;
	for (size_t i = 0; i < r->nruns; i++)
		if ((rc = stream_open(r, &r->runs[i].cand, sql_cand,
				      r->runs[i].id, err)) ||
		    (rc = stream_open(r, &r->runs[i].pos, sql_runpos,
				      r->runs[i].id, err)))
			goto fail;
	if ((rc = stream_open(r, &r->positives, sql_pos, 0, err)) ||
	    (rc = stream_open(r, &r->judged, sql_judged, 0, err)) ||
	    (rc = stream_open(r, &r->verdicts, sql_auto, 0, err)) ||
	    (rc = stream_open(r, &r->decided, sql_decided, 0, err)))
		goto fail;
	if ((what & EXPORT_READ_SCAN) &&
	    ((rc = stream_open(r, &r->drops, sql_drops, 0, err)) ||
	     (rc = stream_open(r, &r->labels, sql_labels, 0, err)) ||
	     (rc = stream_open(r, &r->pending, sql_pending, 0, err))))
		goto fail;
	if ((what & EXPORT_READ_HAS_TEXT) && !(what & EXPORT_READ_TEXTS) &&
	    (rc = read_has_text(r, err)))
		goto fail;
	if (!(r->cursor = db_prep(db, sql_cursor, err))) {
		rc = NS_EDB;
		goto fail;
	}
	free(sql_cand);
	free(sql_pos);
	*out = r;
	return NS_OK;
fail:
	free(sql_cand);
	free(sql_pos);
	export_reader_close(r);
	return rc;
}

void
export_reader_rows(struct export_reader *r, const struct export_rows *rows)
{
	r->cand = rows->cand;
	r->ncand = rows->ncand;
	r->cand_at = r->cand_end = 0;
	/* (the label stream, opened, stays unused) */
	r->label = rows->label;
	r->nlabel = rows->nlabel;
	r->label_at = 0;
}

void
export_rows_free(struct export_rows *rows)
{
	free(rows->cand);
	free(rows->label);
	memset(rows, 0, sizeof(*rows));
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
export_reader_newest(const struct export_reader *r)
{
	return r->nruns ? r->runs[0].id : 0;
}

size_t
export_reader_runs(const struct export_reader *r, size_t *unfinished)
{
	if (unfinished)
		*unfinished = r->unfinished;
	return r->nruns;
}

enum ns_rc
export_reader_kept(struct export_reader *r, bool *any, struct ns_err *err)
{
	/* by candidate_run; the first kept row ends it */
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM candidate"
		" WHERE run_id = ?1 AND filter IS NULL)";
	sqlite3_stmt *st;
	int64_t v = 0;
	enum ns_rc rc;

	*any = false;
	for (size_t i = 0; i < r->nruns && !*any; i++) {
		if (!(st = db_prep(r->db, sql, err)))
			return NS_EDB;
		sqlite3_bind_int64(st, 1, r->runs[i].id);
		if ((rc = db_step_int(r->db, st, &v, "reading the candidates",
				      err)))
			return rc;
		*any = v != 0;
	}
	return NS_OK;
}

bool
export_reader_model(const struct export_reader *r)
{
	return r->model;
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
	for (size_t i = 0; i < r->nruns; i++) {
		stream_close(&r->runs[i].cand);
		stream_close(&r->runs[i].pos);
	}
	stream_close(&r->positives);
	stream_close(&r->judged);
	stream_close(&r->verdicts);
	stream_close(&r->decided);
	stream_close(&r->drops);
	stream_close(&r->labels);
	stream_close(&r->pending);
	if (r->open)
		db_exec(r->db, "COMMIT", NULL);
	if (r->cache_size) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = %lld",
			 (long long)r->cache_size);
		db_exec(r->db, pragma, NULL);
	}
	arena_free(r);
	db_mine_cover_fini(&r->cover);
	free(r->runs);
	free(r->q.pos);
	free(r->q.items);
	free(r->order);
	free(r->has_text);
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
	it->pfn = NAN;
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
	/* a blank text (and title) is no text: no format writes it (a bge
	 * negative "" was a training negative), each counts it "without
	 * text" */
	if (it->text && text_blank(it->text, strlen(it->text)) &&
	    text_blank(it->title, strlen(it->title)))
		it->text = NULL;
	it->has_score = sqlite3_column_type(st, c + 4) != SQLITE_NULL;
	it->score = sqlite3_column_double(st, c + 4);
	it->rank = sqlite3_column_int64(st, c + 5);
}

/*
 * Sort @n elements of @size bytes (at most 256) at @base by @cmp, a total
 * order (so any sort gives the same result): a query's few items by
 * insertion, as qsort()'s cost a call (it sorts large elements through
 * an array of pointers it allocates) was a tenth of reading a query.
 */
static void
sort_items(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	unsigned char *v = base, tmp[256];

	if (n > 16 || size > sizeof(tmp)) {
		qsort(base, n, size, cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		size_t j = i;

		if (cmp(v + (i - 1) * size, v + i * size) <= 0)
			continue;
		memcpy(tmp, v + i * size, size);
		while (j > 0 && cmp(v + (j - 1) * size, tmp) > 0)
			j--;
		memmove(v + (j + 1) * size, v + j * size, (i - j) * size);
		memcpy(v + j * size, tmp, size);
	}
}

static int
cmp_order(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sort the (passage id, index) pairs of the first @n items for
 * find_item(). */
static void
index_items(struct export_reader *r, size_t n)
{
	if (2 * n > r->cap_order) {
		r->cap_order = 2 * n + 64;
		r->order = xrealloc(r->order, r->cap_order *
				    sizeof(*r->order));
	}
	for (size_t i = 0; i < n; i++) {
		r->order[2 * i] = r->q.items[i].passage_id;
		r->order[2 * i + 1] = (int64_t)i;
	}
	sort_items(r->order, n, 2 * sizeof(*r->order), cmp_order);
}

/* Index of the first @n items (index_items()) holding @pid, or -1. */
static ptrdiff_t
find_indexed(struct export_reader *r, size_t n, int64_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->order[2 * mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && r->order[2 * lo] == pid)
		return (ptrdiff_t)r->order[2 * lo + 1];
	return -1;
}

/* The item (a candidate, one added after them, or a positive) of passage
 * @pid, or NULL; the first @ncand items are indexed. */
static struct export_item *
find_item(struct export_reader *r, size_t ncand, int64_t pid)
{
	ptrdiff_t i = find_indexed(r, ncand, pid);

	if (i >= 0)
		return &r->q.items[i];
	for (size_t k = ncand; k < r->q.nitems; k++)
		if (r->q.items[k].passage_id == pid)
			return &r->q.items[k];
	for (size_t k = 0; k < r->q.npos; k++)
		if (r->q.pos[k].passage_id == pid)
			return &r->q.pos[k];
	return NULL;
}

/* The review screen's order: scored by the query's run first, best
 * first, then by rank, then by passage. */
static int
cmp_items(const void *a, const void *b)
{
	const struct export_item *x = a, *y = b;

	if (x->in_run != y->in_run)
		return x->in_run ? -1 : 1;
	if (x->has_score != y->has_score)
		return x->has_score ? -1 : 1;
	if (x->has_score && x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if ((x->rank != 0) != (y->rank != 0))
		return x->rank ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->passage_id < y->passage_id ? -1 :
	       x->passage_id > y->passage_id;
}

/* A new item for a candidate of passage @pid, or NULL when one of the
 * first @before items (a newer run's) has that passage. */
static struct export_item *
new_candidate(struct export_reader *r, size_t before, int64_t pid)
{
	/* all runs: a passage of a newer run is there already */
	for (size_t i = 0; i < before; i++)
		if (r->q.items[i].passage_id == pid)
			return NULL;
	return new_item(r, false);
}

/* The rest of candidate @it, of the query's run or not (@in_run). */
static void
end_candidate(struct export_item *it, bool in_run, bool near_dup)
{
	it->candidate = true;
	it->in_run = in_run;
	if (!in_run) {
		/* scores of another run are on another scale */
		it->has_score = false;
		it->rank = 0;
	}
	it->near_dup = near_dup;
}

/* Whether run @k has kept candidates of query r->q.id (in memory: in
 * r->cand[r->cand_at, r->cand_end), else its stream). */
static bool
run_has(struct export_reader *r, struct run_streams *k, enum ns_rc *ret,
	struct ns_err *err)
{
	if (!r->cand)
		return stream_at(r, &k->cand, r->q.id, ret, err);
	for (size_t i = r->cand_at; i < r->cand_end; i++)
		if (r->cand[i].run == k->id)
			return true;
	return false;
}

/* Take the rows of query r->q.id of run @k, from the caller's rows
 * (export_reader_rows()) or from the run's candidate stream. */
static enum ns_rc
take_candidates(struct export_reader *r, struct run_streams *k,
		bool in_run, struct ns_err *err)
{
	enum ns_rc ret = NS_OK;
	size_t before = r->q.nitems;
	struct export_item *it;

	for (size_t i = r->cand ? r->cand_at : 0;
	     r->cand && i < r->cand_end; i++) {
		const struct export_cand *x = &r->cand[i];

		if (x->run != k->id ||
		    !(it = new_candidate(r, before, x->pid)))
			continue;
		it->passage_id = x->pid;
		it->has_score = !isnan(x->score);
		it->score = it->has_score ? x->score : 0.0;
		it->rank = x->rank;
		item_has_text(r, it);
		end_candidate(it, in_run, false);
	}
	while (!r->cand && stream_at(r, &k->cand, r->q.id, &ret, err)) {
		sqlite3_stmt *st = k->cand.st;

		stream_next(&k->cand);
		if (!(it = new_candidate(r, before,
					 sqlite3_column_int64(st, 1))))
			continue;
		item_cols(r, it, st, 1);
		item_has_text(r, it);
		end_candidate(it, in_run, sqlite3_column_int(st, 7) != 0);
	}
	return ret;
}

/* The chosen candidates of the query, in the review screen's order. */
static enum ns_rc
read_candidates(struct export_reader *r, struct run_streams **qrun,
		struct ns_err *err)
{
	enum ns_rc ret = NS_OK;

	*qrun = NULL;
	if (r->cand) {
		/* the query's rows in memory (queries come in id order) */
		while (r->cand_at < r->ncand &&
		       r->cand[r->cand_at].qid < r->q.id)
			r->cand_at++;
		for (r->cand_end = r->cand_at; r->cand_end < r->ncand &&
		     r->cand[r->cand_end].qid == r->q.id; r->cand_end++)
			;
	}
	if (r->run > 0) {
		/* one run: its scores, whether it retrieved any or not */
		*qrun = &r->runs[0];
		r->q.run = r->run;
		if (run_has(r, &r->runs[0], &ret, err))
			ret = take_candidates(r, &r->runs[0], true, err);
		goto out;
	}
	for (size_t i = 0; i < r->nruns && ret == NS_OK; i++) {
		struct run_streams *k = &r->runs[i];

		if (!run_has(r, k, &ret, err))
			continue;
		if (!*qrun) {
			/* the newest run with kept candidates: its scores */
			*qrun = k;
			r->q.run = k->id;
			ret = take_candidates(r, k, true, err);
			if (!r->all_runs)
				break;
		} else {
			ret = take_candidates(r, k, false, err);
		}
	}
out:
	if (ret == NS_OK)
		sort_items(r->q.items, r->q.nitems, sizeof(*r->q.items),
			   cmp_items);
	return ret;
}

/*
 * The query's judged positives (by passage id), scored under the query's
 * run as the review screen scores them (db/queue.c): the run's scorer
 * (run_positive, or the positive's own kept candidate row), else for an
 * imported run the teacher score imported from the same source.
 */
static enum ns_rc
read_positives(struct export_reader *r, struct run_streams *k, size_t ncand,
	       struct ns_err *err)
{
	enum ns_rc ret = NS_OK;

	while (stream_at(r, &r->positives, r->q.id, &ret, err)) {
		sqlite3_stmt *st = r->positives.st;
		struct export_item *it = new_item(r, true), *c;
		int64_t source = sqlite3_column_int64(st, 6);
		bool teacher = sqlite3_column_type(st, 5) != SQLITE_NULL;
		double tscore = sqlite3_column_double(st, 5);
		ptrdiff_t ci;

		stream_next(&r->positives);
		item_cols(r, it, st, 1);
		item_has_text(r, it);
		it->positive = true;
		it->grade = sqlite3_column_int64(st, 7);
		it->has_score = false;
		it->rank = 0;
		/* a candidate that is a positive is no negative */
		ci = find_indexed(r, ncand, it->passage_id);
		c = ci >= 0 ? &r->q.items[ci] : NULL;
		if (c) {
			c->positive = true;
			c->grade = it->grade;
		}
		if (!k || r->pos_unscored)
			continue;
		/* the run's scorer */
		while (stream_at(r, &k->pos, r->q.id, &ret, err) &&
		       sqlite3_column_int64(k->pos.st, 1) < it->passage_id)
			stream_next(&k->pos);
		if (k->pos.row && !k->pos.done &&
		    sqlite3_column_int64(k->pos.st, 0) == r->q.id &&
		    sqlite3_column_int64(k->pos.st, 1) == it->passage_id &&
		    sqlite3_column_type(k->pos.st, 2) != SQLITE_NULL) {
			it->has_score = true;
			it->score = sqlite3_column_double(k->pos.st, 2);
			continue;
		}
		if (c && c->in_run && c->has_score) {
			it->has_score = true;
			it->score = c->score;
		}
		if (!it->has_score && teacher && source == k->source) {
			it->has_score = true;
			it->score = tscore;
		}
	}
	return ret;
}

/* The query's judgments of grade <= 0 onto its candidates. */
static enum ns_rc
read_judged(struct export_reader *r, size_t ncand, struct ns_err *err)
{
	enum ns_rc ret = NS_OK;

	while (stream_at(r, &r->judged, r->q.id, &ret, err)) {
		ptrdiff_t ci = find_indexed(r, ncand, sqlite3_column_int64(
						    r->judged.st, 1));

		if (ci >= 0) {
			r->q.items[ci].judged_neg = true;
			r->q.items[ci].grade = sqlite3_column_int64(
				r->judged.st, 2);
		}
		stream_next(&r->judged);
	}
	return ret;
}

/* Add passage @pid of the query as an item outside the chosen candidates
 * (a false negative some other way); NULL if it has vanished. */
static struct export_item *
add_other(struct export_reader *r, int64_t pid, struct ns_err *err,
	  enum ns_rc *ret)
{
	static const char sql[] =
		"SELECT p.id, " EXPORT_XID("p.id") ", p.title, p.text,"
		"  c.score, c.rank, j.grade, c.passage_id IS NOT NULL"
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
		it->in_run = sqlite3_column_int(st, 7) != 0;
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

/* Put label @l or verdict @a (with P(FN) @pfn) on the query's item of
 * passage @pid; a false negative that is none of its items is added. */
static enum ns_rc
mark_item(struct export_reader *r, size_t ncand, int64_t pid, enum label l,
	  enum export_auto a, double pfn, struct ns_err *err)
{
	struct export_item *it = find_item(r, ncand, pid);
	enum ns_rc ret = NS_OK;

	if (!it && (l == LABEL_FN || a == EXPORT_AUTO_FN))
		it = add_other(r, pid, err, &ret);
	if (!it)
		return ret;
	if (l != LABEL_NONE)
		it->label = l;
	if (a != EXPORT_AUTO_NONE) {
		it->verdict = a;
		it->pfn = pfn;
	}
	return NS_OK;
}

/* The label of a row of LABELS_SQL onto its item. */
static enum ns_rc
label_row(struct export_reader *r, size_t ncand, sqlite3_stmt *st,
	  struct ns_err *err)
{
	return mark_item(r, ncand, sqlite3_column_int64(st, 1),
			 label_of_action((const char *)sqlite3_column_text(st,
									  2)),
			 EXPORT_AUTO_NONE, NAN, err);
}

/* People's labels (item_label) of a query with decisions that is not
 * dropped. */
static enum ns_rc
read_labels(struct export_reader *r, size_t ncand, struct ns_err *err)
{
	static const char sql_label[] = LABELS_SQL " AND query_id = ?1";
	sqlite3_stmt *st;
	enum ns_rc ret = NS_OK;
	int rc = SQLITE_DONE;	/* (gcc -O1 cannot tell the loop runs) */

	if (r->label) {
		/* queries come in id order */
		const struct export_label *v = r->label;

		while (r->label_at < r->nlabel && v[r->label_at].qid < r->q.id)
			r->label_at++;
		for (; ret == NS_OK && r->label_at < r->nlabel &&
		     v[r->label_at].qid == r->q.id; r->label_at++)
			ret = mark_item(r, ncand, v[r->label_at].pid,
					v[r->label_at].label, EXPORT_AUTO_NONE,
					NAN, err);
		return ret;
	}
	if (r->labels.st) {
		/* (the row stays current while add_other() reads) */
		while (ret == NS_OK &&
		       stream_at(r, &r->labels, r->q.id, &ret, err)) {
			ret = label_row(r, ncand, r->labels.st, err);
			stream_next(&r->labels);
		}
		return ret;
	}
	if (!(st = db_prep(r->db, sql_label, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, r->q.id);
	while (ret == NS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ret = label_row(r, ncand, st, err);
	sqlite3_reset(st);
	if (ret == NS_OK && rc != SQLITE_DONE)
		ret = db_fail(r->db, err, "reading decisions");
	return ret;
}

/*
 * The query's candidates of the overlap share that an annotator labelled
 * fn without a final label yet: item_label has none for them (it holds
 * only agreed or adjudicated labels there), so they would be written as
 * negatives like any undecided candidate; the export counts them (and
 * may leave them out).  Called after read_labels(): an item with a label
 * of its own (a drop of its passage elsewhere, say) is not pending.
 */
static void
pending_row(struct export_reader *r, size_t ncand, sqlite3_stmt *st)
{
	ptrdiff_t ci = find_indexed(r, ncand, sqlite3_column_int64(st, 1));

	if (ci >= 0 && r->q.items[ci].label == LABEL_NONE)
		r->q.items[ci].pending = sqlite3_column_int(st, 2)
					 ? EXPORT_PENDING_CONFLICT
					 : EXPORT_PENDING_WAIT;
}

static enum ns_rc
read_pending(struct export_reader *r, size_t ncand, struct ns_err *err)
{
	static const char sql_pending[] = PENDING_SQL(" WHERE l.query_id = ?1");
	sqlite3_stmt *st;
	enum ns_rc ret = NS_OK;
	int rc;

	if (r->pending.st) {
		while (stream_at(r, &r->pending, r->q.id, &ret, err)) {
			pending_row(r, ncand, r->pending.st);
			stream_next(&r->pending);
		}
		return ret;
	}
	if (!(st = db_prep(r->db, sql_pending, err)))
		return NS_EDB;
	sqlite3_bind_int64(st, 1, r->q.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		pending_row(r, ncand, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(r->db, err, "reading decisions");
	return NS_OK;
}

/* The cascade's verdicts of the query. */
static enum ns_rc
read_verdicts(struct export_reader *r, size_t ncand, struct ns_err *err)
{
	enum ns_rc ret = NS_OK;

	while (ret == NS_OK &&
	       stream_at(r, &r->verdicts, r->q.id, &ret, err)) {
		sqlite3_stmt *st = r->verdicts.st;
		const char *v = (const char *)sqlite3_column_text(st, 2);
		int64_t pid = sqlite3_column_int64(st, 1);
		enum export_auto a = EXPORT_AUTO_NONE;

		if (v && !strcmp(v, "tn"))
			a = EXPORT_AUTO_TN;
		else if (v && !strcmp(v, "fn"))
			a = EXPORT_AUTO_FN;
		else if (v && !strcmp(v, "review"))
			a = EXPORT_AUTO_REVIEW;
		/* the row stays current while add_other() reads */
		ret = mark_item(r, ncand, pid, LABEL_NONE, a,
				sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN
				: sqlite3_column_double(st, 3), err);
		stream_next(&r->verdicts);
	}
	return ret;
}

enum ns_rc
export_reader_next(struct export_reader *r, const struct export_query **q,
		   struct ns_err *err)
{
	struct run_streams *k = NULL;
	enum ns_rc rc = NS_OK;
	size_t ncand;
	bool decided;
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
	if ((rc = db_mine_cover_out(r->db, &r->cover, r->q.id, &r->q.unmined,
				    err)))
		return rc;
	r->q.xid = col_str(r, r->cursor, 1);
	r->q.text = col_str(r, r->cursor, 2);
	/* a blank query is no text either (item_cols()): left out "without
	 * text", not as one a mine could still reach */
	if (r->q.text && text_blank(r->q.text, strlen(r->q.text)))
		r->q.text = NULL;
	r->q.prompt = col_str(r, r->cursor, 3);
	r->q.type = col_str(r, r->cursor, 4);
	*q = &r->q;
	decided = stream_at(r, &r->decided, r->q.id, &rc, err);
	if (rc)
		return rc;
	if (decided && r->drops.st) {
		r->q.dropped = stream_at(r, &r->drops, r->q.id, &rc, err);
		if (rc)
			return rc;
		if (r->q.dropped)
			return NS_OK;
	} else if (decided) {
		static const char sql_drop[] =
			"SELECT 1 FROM query_drop WHERE query_id = ?1";
		sqlite3_stmt *st = db_prep(r->db, sql_drop, err);
		int64_t one;

		if (!st)
			return NS_EDB;
		sqlite3_bind_int64(st, 1, r->q.id);
		rc = db_step_id(r->db, st, &one, "reading decisions", err);
		if (rc == NS_OK) {
			r->q.dropped = true;
			return NS_OK;
		}
		if (rc != NS_ENOTFOUND)
			return rc;
		rc = NS_OK;
	}
	if ((rc = read_candidates(r, &k, err)))
		return rc;
	ncand = r->q.nitems;
	index_items(r, ncand);
	if ((rc = read_positives(r, k, ncand, err)) ||
	    (rc = read_judged(r, ncand, err)))
		return rc;
	if (decided && ((rc = read_labels(r, ncand, err)) ||
			(rc = read_pending(r, ncand, err))))
		return rc;
	return read_verdicts(r, ncand, err);
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
