/*
 * store.c - the SQL of importing (see store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/store.h"
#include "src/util.h"

static void store_free(struct store *st);
static enum ns_rc store_flush(struct store *st, struct ns_err *err);
static bool store_pend_same(const struct store *st, int64_t id,
			    const char *title, size_t tlen, const char *text,
			    size_t len);

#define STORE_BATCH 64

struct store_pend {
	struct {
		int64_t h, source;
		size_t toff, tlen, xoff, xlen;
		bool text;
	} row[STORE_BATCH];
	struct strbuf bytes;		/* titles and texts */
	struct {
		size_t off;		/* NUL-terminated, in xbytes */
		int64_t pid;
	} xrow[STORE_BATCH];
	struct strbuf xbytes;		/* passage ids */
};

/* Counters saved at a savepoint, restored when the record is dropped. */
static struct store store_saved;

/*
 * The content hashes of the passages given text in this session: an
 * open-addressing multimap hash -> passage id (16 bytes a slot, at most
 * half full).  Entries are never removed: one left by a record rolled back
 * to its savepoint names a row that no longer has that text, and every hit
 * is checked against the row's text anyway.
 */
struct store_hmap {
	uint64_t *hash;
	int64_t *pid;		/* 0 = empty slot */
	size_t cap, n;		/* cap is a power of two */
};

static void
store_hmap_put(struct store_hmap *m, uint64_t h, int64_t pid)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct store_hmap g = { NULL, NULL, m->cap ? 2 * m->cap : 1024,
					0 };

		g.hash = xmalloc(g.cap * sizeof(*g.hash));
		g.pid = xcalloc(g.cap, sizeof(*g.pid));
		for (i = 0; i < m->cap; i++)
			if (m->pid[i])
				store_hmap_put(&g, m->hash[i], m->pid[i]);
		free(m->hash);
		free(m->pid);
		*m = g;
	}
	for (i = h & (m->cap - 1); m->pid[i]; i = (i + 1) & (m->cap - 1))
		;
	m->hash[i] = h;
	m->pid[i] = pid;
	m->n++;
}

/* Does @m hold the hash @h? */
static bool
store_hmap_has(const struct store_hmap *m, uint64_t h)
{
	if (!m->cap)
		return false;
	for (size_t i = h & (m->cap - 1); m->pid[i]; i = (i + 1) & (m->cap - 1))
		if (m->hash[i] == h)
			return true;
	return false;
}

static void
store_hmap_free(struct store_hmap *m)
{
	if (m) {
		free(m->hash);
		free(m->pid);
		free(m);
	}
}

/* Drop the index @name for the import, keeping its SQL (from the schema,
 * so that exactly what was there is rebuilt) in st->deferred. */
static enum ns_rc
store_defer_index(struct store *st, const char *name, struct ns_err *err)
{
	static const char sql_def[] =
		"SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1";
	sqlite3_stmt *s;
	char *def = NULL, drop[80];
	size_t i = 0;
	int src;

	if (!(s = db_prep(st->db, sql_def, err)))
		return NS_EDB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW && sqlite3_column_text(s, 0))
		def = xstrdup((const char *)sqlite3_column_text(s, 0));
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		/* an error, not "no such index" */
		enum ns_rc rc = db_fail(st->db, err, "reading the schema");

		sqlite3_reset(s);
		return rc;
	}
	sqlite3_reset(s);
	if (!def)
		return NS_ENOTFOUND;
	snprintf(drop, sizeof(drop), "DROP INDEX %s", name);
	if (db_exec(st->db, drop, err) != NS_OK) {
		free(def);
		return NS_EDB;
	}
	while (st->deferred[i])
		i++;
	st->deferred[i] = def;
	return NS_OK;
}

/*
 * Indexes that the import does not read are built once at the end (a
 * sort) rather than by a random insert per row: passage_hash when no
 * passage has text yet (contents are then looked up in st->hmap), and
 * passage_xid_passage when there are no passages at all.
 */
static enum ns_rc
store_defer_indexes(struct store *st, struct ns_err *err)
{
	static const char sql_any[] =
		"SELECT EXISTS (SELECT 1 FROM passage WHERE hash IS NOT NULL)";
	enum ns_rc rc;

	if (st->pmax0 == 0 &&
	    (rc = store_defer_index(st, "passage_xid_passage", err)) &&
	    rc != NS_ENOTFOUND)
		goto fail;
	if (db_scalar(st->db, sql_any) == 0) {
		rc = store_defer_index(st, "passage_hash", err);
		if (rc == NS_OK)
			st->hmap = xcalloc(1, sizeof(*st->hmap));
		else if (rc != NS_ENOTFOUND)
			goto fail;
	}
	return NS_OK;
fail:
	db_rollback(st->db);
	store_free(st);
	return NS_EDB;
}

enum ns_rc
store_begin(struct store *st, struct db *db, bool fts, struct ns_err *err)
{
	enum ns_rc rc;

	memset(st, 0, sizeof(*st));
	st->db = db;
	st->fts = fts;
	/*
	 * 256 MB of page cache for the bulk load (negative = KiB).  Foreign
	 * key checks are off for the import (the pragma is a no-op inside a
	 * transaction, so it must come first): every id the importer writes
	 * is one it has just looked up or inserted, and the parent probes
	 * would cost a third of the insert time.  store_commit() and
	 * store_abort() turn them back on.
	 */
	rc = db_exec(db, "PRAGMA cache_size = -262144;"
		     "PRAGMA foreign_keys = OFF", err);
	if (rc == NS_OK)
		rc = db_begin(db, err);
	if (rc != NS_OK)
		return rc;
	st->pmax0 = db_scalar(db, "SELECT coalesce(max(id), 0) FROM passage");
	st->qmax0 = db_scalar(db, "SELECT coalesce(max(id), 0) FROM query");
	st->next_pid = st->pmax0 + 1;
	if (st->pmax0 < 0 || st->qmax0 < 0) {
		/* the message before the rollback clears it */
		rc = db_fail(db, err, "reading the project");
		db_rollback(db);
		return rc;
	}
	st->pend = xcalloc(1, sizeof(*st->pend));
	strbuf_init(&st->pend->bytes);
	strbuf_init(&st->pend->xbytes);
	if (db_scalar(db, "SELECT EXISTS (SELECT 1 FROM passage_xid)") == 0)
		st->xset = xcalloc(1, sizeof(*st->xset));
	st->seen = xcalloc(1, sizeof(*st->seen));
	return store_defer_indexes(st, err);
}

char *
store_source_path(struct db *db, int64_t id)
{
	static const char sql[] = "SELECT path FROM source WHERE id = ?1";
	sqlite3_stmt *s = db_prep(db, sql, NULL);
	char *path = NULL;

	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		path = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return path;
}

bool
store_source_head_seen(struct store *st, const char *head)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM source WHERE head_hash = ?1)";
	sqlite3_stmt *s;
	bool seen = false;

	if (!head || !(s = db_prep(st->db, sql, NULL)))
		return false;
	sqlite3_bind_text(s, 1, head, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		seen = sqlite3_column_int(s, 0) != 0;
	sqlite3_reset(s);
	return seen;
}

enum ns_rc
store_source(struct store *st, const char *path, const char *format,
	     const char *head, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO source(path, format, created_at, head_hash) "
		"VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *s = db_prep(st->db, sql, err);
	char ts[40];
	enum ns_rc rc;

	if (!s)
		return NS_EDB;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	if (head)
		sqlite3_bind_text(s, 4, head, -1, SQLITE_STATIC);
	rc = db_step_done(st->db, s, "adding a source", err);
	if (rc == NS_OK)
		st->source = sqlite3_last_insert_rowid(db_handle(st->db));
	return rc;
}

enum ns_rc
store_source_done(struct store *st, int64_t records, int64_t skipped,
		  const char *hash, struct ns_err *err)
{
	static const char sql[] =
		"UPDATE source SET records = ?2, skipped = ?3, "
		"content_hash = ?4 WHERE id = ?1";
	sqlite3_stmt *s = db_prep(st->db, sql, err);

	if (!s)
		return NS_EDB;
	sqlite3_bind_int64(s, 1, st->source);
	sqlite3_bind_int64(s, 2, records);
	sqlite3_bind_int64(s, 3, skipped);
	if (hash && *hash)
		sqlite3_bind_text(s, 4, hash, -1, SQLITE_STATIC);
	return db_step_done(st->db, s, "updating a source", err);
}

enum ns_rc
store_source_same(struct store *st, const char *hash, int64_t *id,
		  char **path, char **created_at, struct ns_err *err)
{
	static const char sql[] =
		/* an input imported with records skipped (--skip-bad) is
		 * not "imported": the same content comes in again once the
		 * cause is mended */
		"SELECT id, path, created_at FROM source "
		"WHERE content_hash = ?1 AND id != ?2 AND coalesce(skipped, 0) = 0"
		" ORDER BY id LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	*path = *created_at = NULL;
	if (!hash || !*hash)
		return NS_OK;
	if (!(s = db_prep(st->db, sql, err)))
		return NS_EDB;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, st->source);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		*path = xstrdup((const char *)sqlite3_column_text(s, 1));
		*created_at = xstrdup((const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st->db, err, "looking up a source");
	return NS_OK;
}

/* The state at the start of the current input (store_input_begin()). */
static struct store store_input_saved;

enum ns_rc
store_input_begin(struct store *st, struct ns_err *err)
{
	static const char sql[] = "SAVEPOINT input";
	sqlite3_stmt *s;

	if (store_flush(st, err))
		return NS_EDB;
	if (!(s = db_prep(st->db, sql, err)))
		return NS_EDB;
	store_input_saved = *st;
	return db_step_done(st->db, s, "savepoint", err);
}

enum ns_rc
store_input_end(struct store *st, bool keep)
{
	static const char sql_back[] = "ROLLBACK TO input";
	static const char sql_rel[] = "RELEASE input";
	sqlite3_stmt *s;
	enum ns_rc rc = NS_OK;

	if (!keep && (s = db_prep(st->db, sql_back, NULL))) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	if ((s = db_prep(st->db, sql_rel, NULL)))
		rc = db_step_done(st->db, s, "release", NULL);
	if (!keep)
		*st = store_input_saved;
	return rc;
}

/* A hash of (@tag, @a, @b, @xid) for st->seen. */
static uint64_t
store_seen_hash(char tag, int64_t a, int64_t b, const char *xid)
{
	char buf[512];
	size_t n = strlen(xid);
	uint64_t h;

	if (n + 17 > sizeof(buf)) {
		h = hash64(xid, n);
		n = sizeof(h);
		xid = (const char *)&h;
	}
	buf[0] = tag;
	memcpy(buf + 1, &a, 8);
	memcpy(buf + 9, &b, 8);
	memcpy(buf + 17, xid, n);
	return hash64(buf, n + 17);
}

/* Another external id of passage @pid than @xid, into @buf ("" if
 * none). */
static void
store_other_xid(struct store *st, int64_t pid, const char *xid, char *buf,
		size_t size)
{
	static const char sql[] =
		"SELECT xid FROM passage_xid WHERE passage_id = ?1 "
		"AND xid != ?2 ORDER BY xid LIMIT 1";
	sqlite3_stmt *s;

	buf[0] = '\0';
	if (store_flush(st, NULL) || !(s = db_prep(st->db, sql, NULL)))
		return;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_text(s, 2, xid, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(buf, size, "%s", sqlite3_column_text(s, 0));
	sqlite3_reset(s);
}

/* "ids 'D2' and 'D1' have one text, query 'q1'" into @buf, once. */
static void
store_shared_example(struct store *st, char *buf, size_t size, int64_t pid,
		     const char *qxid, const char *pxid)
{
	char other[160];

	if (buf[0])
		return;
	store_other_xid(st, pid, pxid, other, sizeof(other));
	snprintf(buf, size, "ids '%s' and '%s', query '%s'", other, pxid,
		 qxid ? qxid : "?");
}

/* Hash of a passage's content: title, 0x1F, text. */
static int64_t
store_hash(const char *title, size_t tlen, const char *text, size_t len)
{
	char small[1024];
	struct strbuf sb;
	uint64_t h;

	if (tlen == 0)
		return (int64_t)hash64(text, len);
	if (tlen + 1 + len <= sizeof(small)) {
		memcpy(small, title, tlen);
		small[tlen] = 0x1F;
		memcpy(small + tlen + 1, text, len);
		return (int64_t)hash64(small, tlen + 1 + len);
	}
	strbuf_init(&sb);
	strbuf_add(&sb, title, tlen);
	strbuf_addch(&sb, 0x1F);
	strbuf_add(&sb, text, len);
	h = hash64(sb.buf, sb.len);
	strbuf_fini(&sb);
	return (int64_t)h;
}

static bool
store_same(sqlite3_stmt *s, int tcol, const char *title, size_t tlen,
	   const char *text, size_t len)
{
	const void *t = sqlite3_column_blob(s, tcol);
	size_t n = (size_t)sqlite3_column_bytes(s, tcol);
	const void *x = sqlite3_column_blob(s, tcol + 1);
	size_t m = (size_t)sqlite3_column_bytes(s, tcol + 1);

	return n == tlen && m == len && (tlen == 0 || memcmp(t, title, tlen) == 0)
	       && (len == 0 || memcmp(x, text, len) == 0);
}

/* store_by_hash() through st->hmap. */
static int64_t
store_by_hmap(struct store *st, int64_t h, const char *title, size_t tlen,
	      const char *text, size_t len, struct ns_err *err, bool *fail)
{
	static const char sql[] =
		"SELECT id, title, text FROM passage WHERE id = ?1";
	const struct store_hmap *m = st->hmap;
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	if (!m->cap)
		return 0;
	for (size_t i = (uint64_t)h & (m->cap - 1); m->pid[i] && !id;
	     i = (i + 1) & (m->cap - 1)) {
		if (m->hash[i] != (uint64_t)h)
			continue;
		if (m->pid[i] >= st->next_pid - (int64_t)st->npend) {
			if (m->pid[i] < st->next_pid &&
			    store_pend_same(st, m->pid[i], title, tlen, text,
					    len))
				id = m->pid[i];
			continue;
		}
		if (!(s = db_prep(st->db, sql, err))) {
			*fail = true;
			return 0;
		}
		sqlite3_bind_int64(s, 1, m->pid[i]);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && store_same(s, 1, title, tlen, text,
						   len))
			id = m->pid[i];
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			db_fail(st->db, err, "looking up a passage");
			*fail = true;
		}
		sqlite3_reset(s);
		if (*fail)
			return 0;
	}
	return id;
}

/* Find a passage with this content; 0 if none. */
static int64_t
store_by_hash(struct store *st, int64_t h, const char *title, size_t tlen,
	      const char *text, size_t len, struct ns_err *err, bool *fail)
{
	static const char sql[] =
		"SELECT id, title, text FROM passage WHERE hash = ?1";
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	if (st->hmap)
		return store_by_hmap(st, h, title, tlen, text, len, err, fail);
	if (store_flush(st, err) != NS_OK) {
		*fail = true;
		return 0;
	}
	if (!(s = db_prep(st->db, sql, err))) {
		*fail = true;
		return 0;
	}
	sqlite3_bind_int64(s, 1, h);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (store_same(s, 1, title, tlen, text, len)) {
			id = sqlite3_column_int64(s, 0);
			break;
		}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(st->db, err, "looking up a passage");
		*fail = true;
	}
	sqlite3_reset(s);
	return id;
}

static enum ns_rc
store_fts_passage(struct store *st, int64_t pid, const char *title,
		  size_t tlen, const char *text, size_t len,
		  struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO passage_fts(rowid, title, text) "
		"VALUES (?1, ?2, ?3)";
	sqlite3_stmt *s;

	if (!st->fts || pid > st->pmax0)
		return NS_OK;	/* indexed in bulk by store_fts() */
	if (!(s = db_prep(st->db, sql, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_text(s, 2, title, (int)tlen, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text, (int)len, SQLITE_STATIC);
	return db_step_done(st->db, s, "indexing a passage", err);
}

/*
 * New passage rows are written STORE_BATCH to one multi-row INSERT (one
 * statement start and halt for all of them instead of one each).  The rows
 * wait in st->pend, their bytes copied, until the batch is full or
 * something is about to read the passage table (store_flush()).  Their
 * ids are fresh and their values valid, so a batch can fail only with the
 * database (then it is "adding a passage", as a single row would be).
 * The batch INSERT is built once into static storage, as db_prep() caches
 * statements by the address of their SQL: store_multirow_sql() fills @sql
 * (@size bytes), if still empty, with @head and STORE_BATCH copies of @row
 * separated by commas.
 */
static const char *
store_multirow_sql(char *sql, size_t size, const char *head, const char *row)
{
	if (!sql[0]) {
		size_t n = (size_t)snprintf(sql, size, "%s", head);

		for (int i = 0; i < STORE_BATCH; i++)
			n += (size_t)snprintf(sql + n, size - n, "%s%s",
					      i ? "," : "", row);
	}
	return sql;
}

/* The multi-row INSERT of passage rows. */
static const char *
store_batch_sql(void)
{
	static char sql[80 + STORE_BATCH * 20];

	return store_multirow_sql(sql, sizeof(sql),
		"INSERT OR IGNORE INTO passage(id, hash, title, text, "
		"source_id) VALUES ", "(?,?,?,?,?)");
}

/* Bind pending row @i (id @id) to parameters @p..@p+4 of @s. */
static void
store_pend_bind(const struct store_pend *pd, size_t i, int64_t id,
		sqlite3_stmt *s, int p)
{
	const char *b = pd->bytes.buf;

	sqlite3_bind_int64(s, p, id);
	if (pd->row[i].text) {
		sqlite3_bind_int64(s, p + 1, pd->row[i].h);
		/* "" (not NULL) for an empty text: @b may be NULL */
		sqlite3_bind_text(s, p + 3, pd->row[i].xlen ?
				  b + pd->row[i].xoff : "",
				  (int)pd->row[i].xlen, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(s, p + 1);
		sqlite3_bind_null(s, p + 3);
	}
	sqlite3_bind_text(s, p + 2, pd->row[i].tlen ? b + pd->row[i].toff : "",
			  (int)pd->row[i].tlen, SQLITE_STATIC);
	sqlite3_bind_int64(s, p + 4, pd->row[i].source);
}

/* Write the pending passage rows. */
static enum ns_rc
store_flush_passages(struct store *st, struct ns_err *err)
{
	static const char sql1[] =
		"INSERT OR IGNORE INTO passage(id, hash, title, text, "
		"source_id) VALUES (?1, ?2, ?3, ?4, ?5)";
	struct store_pend *pd = st->pend;
	int64_t first = st->next_pid - (int64_t)st->npend;
	size_t n = st->npend, done = 0;
	sqlite3_stmt *s;
	int rc;

	if (n == 0) {
		strbuf_reset(&pd->bytes);
		return NS_OK;
	}
	if (n == STORE_BATCH) {
		if (!(s = db_prep(st->db, store_batch_sql(), err)))
			return NS_EDB;
		for (size_t i = 0; i < n; i++)
			store_pend_bind(pd, i, first + (int64_t)i, s,
					(int)(5 * i + 1));
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return db_fail(st->db, err, "adding a passage");
		done = (size_t)sqlite3_changes(db_handle(st->db));
	} else {
		if (!(s = db_prep(st->db, sql1, err)))
			return NS_EDB;
		for (size_t i = 0; i < n; i++) {
			store_pend_bind(pd, i, first + (int64_t)i, s, 1);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc != SQLITE_DONE)
				return db_fail(st->db, err,
					       "adding a passage");
			done += (size_t)sqlite3_changes(db_handle(st->db));
		}
	}
	/* OR IGNORE spares the statement journal; nothing may be ignored */
	if (done != n)
		return err_set(err, NS_EDB, "adding a passage: %zu of %zu rows "
			       "written", done, n);
	st->npend = 0;
	strbuf_reset(&pd->bytes);
	return NS_OK;
}

/* The multi-row INSERT of passage ids (see store_multirow_sql()). */
static const char *
store_xbatch_sql(void)
{
	static char sql[80 + STORE_BATCH * 8];

	return store_multirow_sql(sql, sizeof(sql),
		"INSERT OR IGNORE INTO passage_xid(xid, passage_id) VALUES ",
		"(?,?)");
}

/* Write the pending passage rows, then the pending passage ids. */
static enum ns_rc
store_flush(struct store *st, struct ns_err *err)
{
	static const char sql1[] =
		"INSERT OR IGNORE INTO passage_xid(xid, passage_id) "
		"VALUES (?1, ?2)";
	struct store_pend *pd = st->pend;
	size_t n = st->nxpend, done = 0;
	sqlite3_stmt *s;
	enum ns_rc rc;
	int r;

	if ((rc = store_flush_passages(st, err)))
		return rc;
	if (n == 0) {
		strbuf_reset(&pd->xbytes);
		return NS_OK;
	}
	s = db_prep(st->db, n == STORE_BATCH ? store_xbatch_sql() : sql1,
		    err);
	if (!s)
		return NS_EDB;
	for (size_t i = 0; i < n; i++) {
		int p = n == STORE_BATCH ? (int)(2 * i + 1) : 1;

		sqlite3_bind_text(s, p, pd->xbytes.buf + pd->xrow[i].off, -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, p + 1, pd->xrow[i].pid);
		if (n == STORE_BATCH && i + 1 < n)
			continue;
		r = sqlite3_step(s);
		sqlite3_reset(s);
		if (r != SQLITE_DONE)
			return db_fail(st->db, err, "adding a passage id");
		done += (size_t)sqlite3_changes(db_handle(st->db));
	}
	if (done != n)
		return err_set(err, NS_EDB, "adding a passage id: %zu of %zu "
			       "rows written", done, n);
	st->nxpend = 0;
	strbuf_reset(&pd->xbytes);
	return NS_OK;
}

/* Queue the passage id @xid of passage @pid (new for sure). */
static enum ns_rc
store_xid_ins(struct store *st, const char *xid, int64_t pid,
	      struct ns_err *err)
{
	struct store_pend *pd = st->pend;

	pd->xrow[st->nxpend].off = pd->xbytes.len;
	pd->xrow[st->nxpend].pid = pid;
	strbuf_add(&pd->xbytes, xid, strlen(xid) + 1);
	st->passage_ids++;
	if (++st->nxpend == STORE_BATCH)
		return store_flush(st, err);
	return NS_OK;
}

/* Queue a passage row with the next id (written by store_flush()). */
static enum ns_rc
store_passage_ins(struct store *st, int64_t h, const char *title,
		  size_t tlen, const char *text, size_t len, int64_t *pid,
		  struct ns_err *err)
{
	struct store_pend *pd = st->pend;
	size_t i = st->npend;

	pd->row[i].h = h;
	pd->row[i].source = st->source;
	pd->row[i].text = text != NULL;
	pd->row[i].toff = pd->bytes.len;
	pd->row[i].tlen = tlen;
	strbuf_add(&pd->bytes, title, tlen);
	pd->row[i].xoff = pd->bytes.len;
	pd->row[i].xlen = text ? len : 0;
	if (text)
		strbuf_add(&pd->bytes, text, len);
	st->npend++;
	if (text && st->hmap)
		store_hmap_put(st->hmap, (uint64_t)h, st->next_pid);
	*pid = st->next_pid++;
	st->passages++;
	if (text && text_blank(title, tlen) && text_blank(text, len))
		st->passages_blank++;
	if (st->npend == STORE_BATCH)
		return store_flush_passages(st, err);
	return NS_OK;
}

/* The pending passage @id has this content. */
static bool
store_pend_same(const struct store *st, int64_t id, const char *title,
		size_t tlen, const char *text, size_t len)
{
	const struct store_pend *pd = st->pend;
	size_t i = (size_t)(id - (st->next_pid - (int64_t)st->npend));

	return pd->row[i].text && pd->row[i].tlen == tlen &&
	       pd->row[i].xlen == len &&
	       (tlen == 0 ||
		memcmp(pd->bytes.buf + pd->row[i].toff, title, tlen) == 0) &&
	       (len == 0 ||
		memcmp(pd->bytes.buf + pd->row[i].xoff, text, len) == 0);
}

/* @xid is known: compare, or fill in an id-only passage. */
static enum ns_rc
store_passage_known(struct store *st, const char *xid, const char *title,
		    size_t tlen, const char *text, size_t len, int64_t *pid,
		    enum store_hit *hit, struct ns_err *err)
{
	static const char sql_xid[] =
		"SELECT p.id, p.text IS NULL, p.source_id, p.title, p.text "
		"FROM passage_xid x JOIN passage p ON p.id = x.passage_id "
		"WHERE x.xid = ?1";
	static const char sql_fill[] =
		"UPDATE passage SET hash = ?2, title = ?3, text = ?4 "
		"WHERE id = ?1";
	sqlite3_stmt *s;
	bool idonly;
	int64_t id, h;
	enum ns_rc rc;

	if ((rc = store_flush(st, err)))
		return rc;
	if (!(s = db_prep(st->db, sql_xid, err)))
		return NS_EDB;
	sqlite3_bind_text(s, 1, xid, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return db_fail(st->db, err, "looking up a passage id");
	}
	idonly = sqlite3_column_int(s, 1);
	id = sqlite3_column_int64(s, 0);
	*pid = id;
	if (!text || (!idonly && store_same(s, 3, title, tlen, text, len))) {
		sqlite3_reset(s);
		*hit = STORE_SAME;
		return NS_OK;
	}
	st->conflict_source = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	if (!idonly) {
		*hit = STORE_CONFLICT;
		return NS_OK;
	}
	if (!(s = db_prep(st->db, sql_fill, err)))
		return NS_EDB;
	h = store_hash(title, tlen, text, len);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, h);
	sqlite3_bind_text(s, 3, title, (int)tlen, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, text, (int)len, SQLITE_STATIC);
	rc = db_step_done(st->db, s, "filling in a passage", err);
	if (rc == NS_OK && st->hmap)
		store_hmap_put(st->hmap, (uint64_t)h, id);
	if (rc == NS_OK)
		rc = store_fts_passage(st, id, title, tlen, text, len, err);
	st->filled_passages++;
	if (text_blank(title, tlen) && text_blank(text, len))
		st->passages_blank++;
	*hit = STORE_FILLED;
	return rc;
}

enum ns_rc
store_passage(struct store *st, const char *xid, const char *title,
	      size_t tlen, const char *text, size_t len, int64_t *pid,
	      enum store_hit *hit, struct ns_err *err)
{
	static const char sql_insxid[] =
		"INSERT OR IGNORE INTO passage_xid(xid, passage_id) "
		"VALUES (?1, ?2)";
	static const char sql_movexid[] =
		"UPDATE passage_xid SET passage_id = ?2 WHERE xid = ?1";
	sqlite3_stmt *s;
	int64_t h = 0, id = 0;
	uint64_t hx = 0;
	bool fail = false, queue = false;
	enum ns_rc rc;

	if (!text)
		tlen = 0, title = "";
	if (xid && st->xset) {
		hx = hash64(xid, strlen(xid));
		queue = !store_hmap_has(st->xset, hx);
		if (!queue && (rc = store_flush(st, err)))
			return rc;
	}
	if (xid && !queue) {
		/* Claim the id for the passage about to be inserted; one
		 * probe instead of a look-up and an insert. */
		if (!(s = db_prep(st->db, sql_insxid, err)))
			return NS_EDB;
		sqlite3_bind_text(s, 1, xid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, st->next_pid);
		if ((rc = db_step_done(st->db, s, "adding a passage id", err)))
			return rc;
		if (sqlite3_changes(db_handle(st->db)) == 0)
			return store_passage_known(st, xid, title, tlen, text,
						   len, pid, hit, err);
		st->passage_ids++;
	}
	if (xid && st->xset)
		store_hmap_put(st->xset, hx, 1);
	*hit = STORE_NEW;
	if (text) {
		h = store_hash(title, tlen, text, len);
		id = store_by_hash(st, h, title, tlen, text, len, err, &fail);
		if (fail)
			return NS_EDB;
	}
	if (id) {
		*pid = id;
		if (!xid) {
			*hit = STORE_SAME;
			return NS_OK;
		}
		if (queue)
			return store_xid_ins(st, xid, id, err);
		/* same text under a new id: point the id at it */
		if (!(s = db_prep(st->db, sql_movexid, err)))
			return NS_EDB;
		sqlite3_bind_text(s, 1, xid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, id);
		return db_step_done(st->db, s, "adding a passage id", err);
	}
	if ((rc = store_passage_ins(st, h, title, tlen, text, len, pid, err)))
		return rc;
	return queue ? store_xid_ins(st, xid, *pid, err) : NS_OK;
}

int64_t
store_passage_find(struct store *st, const char *xid)
{
	static const char sql[] =
		"SELECT passage_id FROM passage_xid WHERE xid = ?1";
	int64_t id = 0;

	if (st->xset && !store_hmap_has(st->xset, hash64(xid, strlen(xid))))
		return 0;
	if (st->nxpend && store_flush(st, NULL))
		return 0;
	db_lookup_id(st->db, sql, xid, &id, "looking up a passage id", NULL);
	return id;
}

int64_t
store_query_find(struct store *st, const char *xid)
{
	static const char sql[] = "SELECT id FROM query WHERE xid = ?1";
	int64_t id = 0;

	db_lookup_id(st->db, sql, xid, &id, "looking up a query id", NULL);
	return id;
}

bool
store_query_again(struct store *st, int64_t qid)
{
	uint64_t h = store_seen_hash('Q', st->source, qid, "");

	if (store_hmap_has(st->seen, h))
		return true;
	store_hmap_put(st->seen, h, 1);
	return false;
}

enum ns_rc
store_query(struct store *st, const char *xid, const char *text, size_t len,
	    const char *prompt, const char *type, int64_t *qid,
	    enum store_hit *hit, struct ns_err *err)
{
	static const char sql_get[] =
		"SELECT id, text IS NULL, source_id, text FROM query "
		"WHERE xid = ?1";
	static const char sql_ins[] =
		"INSERT INTO query(xid, text, prompt, type, source_id) "
		"VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char sql_fill[] =
		"UPDATE query SET text = ?2, prompt = coalesce(prompt, ?3), "
		"type = coalesce(type, ?4) WHERE id = ?1";
	static const char sql_fts[] =
		"INSERT INTO query_fts(rowid, text) VALUES (?1, ?2)";
	sqlite3_stmt *s;
	enum ns_rc rc;

	if (!(s = db_prep(st->db, sql_get, err)))
		return NS_EDB;
	sqlite3_bind_text(s, 1, xid, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		bool idonly = sqlite3_column_int(s, 1);
		const void *t = sqlite3_column_blob(s, 3);
		size_t n = (size_t)sqlite3_column_bytes(s, 3);
		int64_t id = sqlite3_column_int64(s, 0);

		*qid = id;
		st->conflict_source = sqlite3_column_int64(s, 2);
		if (!text || (!idonly && n == len &&
			      (len == 0 || memcmp(t, text, len) == 0))) {
			sqlite3_reset(s);
			*hit = STORE_SAME;
			return NS_OK;
		}
		sqlite3_reset(s);
		if (!idonly) {
			*hit = STORE_CONFLICT;
			return NS_OK;
		}
		if (!(s = db_prep(st->db, sql_fill, err)))
			return NS_EDB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, prompt, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, type, -1, SQLITE_STATIC);
		if ((rc = db_step_done(st->db, s, "filling in a query", err)))
			return rc;
		st->filled_queries++;
		if (text_blank(text, len))
			st->queries_blank++;
		*hit = STORE_FILLED;
		if (!st->fts || id > st->qmax0)
			return NS_OK;
		if (!(s = db_prep(st->db, sql_fts, err)))
			return NS_EDB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
		return db_step_done(st->db, s, "indexing a query", err);
	}
	sqlite3_reset(s);
	if (!(s = db_prep(st->db, sql_ins, err)))
		return NS_EDB;
	sqlite3_bind_text(s, 1, xid, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(s, 2, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, prompt, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, st->source);
	if ((rc = db_step_done(st->db, s, "adding a query", err)))
		return rc;
	*qid = sqlite3_last_insert_rowid(db_handle(st->db));
	*hit = STORE_NEW;
	st->queries++;
	if (text && text_blank(text, len))
		st->queries_blank++;
	return NS_OK;
}

enum ns_rc
store_qrel(struct store *st, const struct store_judgment *j, bool *dup,
	   struct ns_err *err)
{
	static const char sql_ins[] =
		"INSERT OR IGNORE INTO qrel(query_id, passage_id, grade, "
		"score, source_id) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char sql_file[] =
		"INSERT INTO qrel_file_grade(query_id, passage_id, grade) "
		"VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET "
		"grade = max(grade, excluded.grade)";
	static const char sql_src[] =
		"SELECT source_id FROM qrel WHERE query_id = ?1 "
		"AND passage_id = ?2";
	static const char sql_upd[] =
		"UPDATE qrel SET grade = max(grade, ?3), "
		"score = coalesce(score, ?4) "
		"WHERE query_id = ?1 AND passage_id = ?2";
	sqlite3_stmt *s = db_prep(st->db, sql_ins, err);
	bool demote = j->positive_grade > 1 && j->grade > 0 &&
		      j->grade < j->positive_grade;
	long grade = demote ? 0 : j->grade;
	int64_t src = 0;
	uint64_t h = j->pxid ? store_seen_hash('q', j->qid, 0, j->pxid) : 0;
	enum ns_rc rc;

	if (dup)
		*dup = false;
	if (!s)
		return NS_EDB;
	if (demote) {
		st->qrels_demoted++;
		if (!(s = db_prep(st->db, sql_file, err)))
			return NS_EDB;
		sqlite3_bind_int64(s, 1, j->qid);
		sqlite3_bind_int64(s, 2, j->pid);
		sqlite3_bind_int64(s, 3, j->grade);
		if ((rc = db_step_done(st->db, s, "keeping a judgment's grade",
				       err)))
			return rc;
		s = db_prep(st->db, sql_ins, err);
		if (!s)
			return NS_EDB;
	}
	sqlite3_bind_int64(s, 1, j->qid);
	sqlite3_bind_int64(s, 2, j->pid);
	sqlite3_bind_int64(s, 3, grade);
	if (j->score)
		sqlite3_bind_double(s, 4, *j->score);
	sqlite3_bind_int64(s, 5, st->source);
	if ((rc = db_step_done(st->db, s, "adding a judgment", err)))
		return rc;
	if (sqlite3_changes(db_handle(st->db)) == 1) {
		st->qrels++;
		if (h)
			store_hmap_put(st->seen, h, 1);
		return NS_OK;
	}
	if (dup)
		*dup = true;
	if (!(s = db_prep(st->db, sql_src, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, j->qid);
	sqlite3_bind_int64(s, 2, j->pid);
	if ((rc = db_step_int(st->db, s, &src, "looking up a judgment", err)))
		return rc;
	if (src != st->source) {
		st->qrels_known++;
		if (!st->known_example[0]) {
			char *path = store_source_path(st->db, src);

			snprintf(st->known_example, sizeof(st->known_example),
				 "from %s", path ? path : "?");
			free(path);
		}
	} else if (h && !store_hmap_has(st->seen, h)) {
		st->qrels_shared++;
		store_hmap_put(st->seen, h, 1);
		store_shared_example(st, st->shared_example,
				     sizeof(st->shared_example), j->pid,
				     j->qxid, j->pxid);
	} else {
		st->qrels_dup++;
	}
	if (!(s = db_prep(st->db, sql_upd, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, j->qid);
	sqlite3_bind_int64(s, 2, j->pid);
	sqlite3_bind_int64(s, 3, grade);
	if (j->score)
		sqlite3_bind_double(s, 4, *j->score);
	if (grade > 0)
		st->qrels_merged_pos++;
	return db_step_done(st->db, s, "merging a judgment", err);
}

enum ns_rc
store_run(struct store *st, const char *method, const char *params,
	  int64_t *run, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO run(source_id, method, params, created_at) "
		"VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *s = db_prep(st->db, sql, err);
	char ts[40];
	enum ns_rc rc;

	if (!s)
		return NS_EDB;
	sqlite3_bind_int64(s, 1, st->source);
	sqlite3_bind_text(s, 2, method, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, params, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now_iso8601(ts, sizeof(ts)), -1,
			  SQLITE_TRANSIENT);
	rc = db_step_done(st->db, s, "adding a run", err);
	if (rc == NS_OK)
		*run = sqlite3_last_insert_rowid(db_handle(st->db));
	return rc;
}

enum ns_rc
store_candidate(struct store *st, int64_t run, int64_t qid, int64_t pid,
		long rank, const double *score, const char *qxid,
		const char *pxid, bool *dup, struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO candidate(run_id, query_id, passage_id, "
		"rank, score) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *s = db_prep(st->db, sql, err);
	enum ns_rc rc;

	if (!s)
		return NS_EDB;
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, qid);
	sqlite3_bind_int64(s, 3, pid);
	if (rank > 0)
		sqlite3_bind_int64(s, 4, rank);
	if (score)
		sqlite3_bind_double(s, 5, *score);
	if ((rc = db_step_done(st->db, s, "adding a candidate", err)))
		return rc;
	if (dup)
		*dup = sqlite3_changes(db_handle(st->db)) == 0;
	if (sqlite3_changes(db_handle(st->db)) == 1) {
		st->candidates++;
		if (pxid)
			store_hmap_put(st->seen, store_seen_hash('c', run, qid,
								 pxid), 1);
		return NS_OK;
	}
	if (pxid && !store_hmap_has(st->seen, store_seen_hash('c', run, qid,
							      pxid))) {
		st->candidates_shared++;
		store_hmap_put(st->seen, store_seen_hash('c', run, qid, pxid),
			       1);
		store_shared_example(st, st->cand_example,
				     sizeof(st->cand_example), pid, qxid,
				     pxid);
	} else {
		st->candidates_dup++;
	}
	return NS_OK;
}

enum ns_rc
store_trec_start(struct store *st, struct ns_err *err)
{
	return db_exec(st->db,
		       "CREATE TEMP TABLE IF NOT EXISTS trec_stage ("
		       "  query_id INTEGER NOT NULL,"
		       "  passage_id INTEGER NOT NULL,"
		       "  docid TEXT NOT NULL,"
		       "  score REAL NOT NULL,"
		       "  line INTEGER NOT NULL,"
		       "  PRIMARY KEY (query_id, passage_id)"
		       ") WITHOUT ROWID;"
		       "DELETE FROM temp.trec_stage;", err);
}

enum ns_rc
store_trec_row(struct store *st, int64_t qid, int64_t pid, const char *qxid,
	       const char *docid, double score, long line, long *first_line,
	       struct ns_err *err)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO temp.trec_stage(query_id, passage_id, "
		"docid, score, line) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char sql_line[] =
		"SELECT line, docid = ?3 FROM temp.trec_stage "
		"WHERE query_id = ?1 AND passage_id = ?2";
	static const char sql_max[] =
		"UPDATE temp.trec_stage SET score = max(score, ?3) "
		"WHERE query_id = ?1 AND passage_id = ?2";
	sqlite3_stmt *s = db_prep(st->db, sql, err);
	uint64_t h = store_seen_hash('t', qid, 0, docid);
	bool same = true;
	enum ns_rc rc;

	*first_line = 0;
	if (!s)
		return NS_EDB;
	sqlite3_bind_int64(s, 1, qid);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_text(s, 3, docid, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 4, score);
	sqlite3_bind_int64(s, 5, line);
	if ((rc = db_step_done(st->db, s, "staging a run row", err)))
		return rc;
	if (sqlite3_changes(db_handle(st->db)) == 1) {
		store_hmap_put(st->seen, h, 1);
		return NS_OK;
	}
	if (!(s = db_prep(st->db, sql_line, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, qid);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_text(s, 3, docid, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*first_line = (long)sqlite3_column_int64(s, 0);
		same = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	if (same || store_hmap_has(st->seen, h))
		return NS_OK;	/* the same docid twice: the caller says */
	/* another docid with the text of a staged one */
	*first_line = 0;
	store_hmap_put(st->seen, h, 1);
	st->candidates_shared++;
	store_shared_example(st, st->cand_example, sizeof(st->cand_example),
			     pid, qxid, docid);
	if (!(s = db_prep(st->db, sql_max, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, qid);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_double(s, 3, score);
	return db_step_done(st->db, s, "merging a run row", err);
}

enum ns_rc
store_trec_finish(struct store *st, int64_t run, struct ns_err *err)
{
	static const char sql[] =
		"INSERT INTO candidate(run_id, query_id, passage_id, rank, "
		"score) SELECT ?1, query_id, passage_id, row_number() OVER "
		"(PARTITION BY query_id ORDER BY score DESC, docid DESC), "
		"score FROM temp.trec_stage";
	sqlite3_stmt *s = db_prep(st->db, sql, err);
	enum ns_rc rc;

	if (!s)
		return NS_EDB;
	sqlite3_bind_int64(s, 1, run);
	if ((rc = db_step_done(st->db, s, "adding the run's candidates", err)))
		return rc;
	st->candidates += sqlite3_changes(db_handle(st->db));
	return db_exec(st->db, "DELETE FROM temp.trec_stage", err);
}

enum ns_rc
store_savepoint(struct store *st, struct ns_err *err)
{
	static const char sql[] = "SAVEPOINT record";
	sqlite3_stmt *s;

	if (store_flush(st, err))
		return NS_EDB;
	if (!(s = db_prep(st->db, sql, err)))
		return NS_EDB;
	store_saved = *st;
	return db_step_done(st->db, s, "savepoint", err);
}

enum ns_rc
store_release(struct store *st, struct ns_err *err)
{
	static const char sql[] = "RELEASE record";
	sqlite3_stmt *s = db_prep(st->db, sql, err);

	if (!s)
		return NS_EDB;
	return db_step_done(st->db, s, "release", err);
}

void
store_rollback_to(struct store *st)
{
	static const char sql[] = "ROLLBACK TO record";
	static const char rel[] = "RELEASE record";
	sqlite3_stmt *s = db_prep(st->db, sql, NULL);

	if (s) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	if ((s = db_prep(st->db, rel, NULL))) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	*st = store_saved;
}

/* Index the passages and queries with text whose ids are above @pmin and
 * @qmin: the rows an import added (or, from 0, every row). */
static enum ns_rc
store_fts_rows(struct db *db, int64_t pmin, int64_t qmin, struct ns_err *err)
{
	static const char sql_p[] =
		"INSERT INTO passage_fts(rowid, title, text) "
		"SELECT id, title, text FROM passage "
		"WHERE id > ?1 AND text IS NOT NULL";
	static const char sql_q[] =
		"INSERT INTO query_fts(rowid, text) "
		"SELECT id, text FROM query WHERE id > ?1 AND text IS NOT NULL";
	sqlite3_stmt *s;
	enum ns_rc rc;

	if (!(s = db_prep(db, sql_p, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, pmin);
	if ((rc = db_step_done(db, s, "indexing passages", err)))
		return rc;
	if (!(s = db_prep(db, sql_q, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, qmin);
	return db_step_done(db, s, "indexing queries", err);
}

/*
 * Both indexes again from nothing, inside the caller's transaction.  Not
 * FTS5's 'rebuild', which indexes every row of the content table: the
 * passages without text (ids a qrels or run file named) would count as
 * empty documents in bm25()'s document count and average length, and
 * the scores would differ from those of a project imported with the
 * indexes on.  'delete-all' and the import's own INSERTs give the same
 * index as that project has.
 */
static enum ns_rc
store_fts_rebuild(struct db *db, struct ns_err *err)
{
	enum ns_rc rc;

	if ((rc = db_exec(db, "INSERT INTO passage_fts(passage_fts) "
			  "VALUES ('delete-all');"
			  "INSERT INTO query_fts(query_fts) "
			  "VALUES ('delete-all')", err)) ||
	    (rc = store_fts_rows(db, 0, 0, err)))
		return rc;
	return db_exec(db, "DELETE FROM meta WHERE key = 'fts_stale'", err);
}

bool
store_fts_stale(struct db *db)
{
	char *v = db_meta_get(db, "fts_stale");
	bool stale = v && !strcmp(v, "1");

	free(v);
	return stale;
}

/* Did the session add text the indexes do not hold (it ran with
 * st->fts false)?  Into *@behind. */
static enum ns_rc
store_fts_behind(struct store *st, bool *behind, struct ns_err *err)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM passage "
		"WHERE id > ?1 AND text IS NOT NULL) OR "
		"EXISTS (SELECT 1 FROM query WHERE id > ?2 AND text IS NOT NULL)";
	sqlite3_stmt *s;
	int64_t n = 0;
	enum ns_rc rc;

	*behind = st->filled_passages + st->filled_queries > 0;
	if (*behind)
		return NS_OK;
	if (!(s = db_prep(st->db, sql, err)))
		return NS_EDB;
	sqlite3_bind_int64(s, 1, st->pmax0);
	sqlite3_bind_int64(s, 2, st->qmax0);
	if ((rc = db_step_int(st->db, s, &n, "reading the new rows", err)))
		return rc;
	*behind = n != 0;
	return NS_OK;
}

enum ns_rc
store_fts(struct store *st, struct ns_err *err)
{
	enum ns_rc rc;

	if ((rc = store_flush(st, err)))
		return rc;
	if (!st->fts) {
		bool behind;

		if ((rc = store_fts_behind(st, &behind, err)) || !behind)
			return rc;
		return db_meta_set(st->db, "fts_stale", "1", err);
	}
	/* an earlier import left rows out: index them all */
	if (store_fts_stale(st->db)) {
		st->fts_rebuilt = true;
		return store_fts_rebuild(st->db, err);
	}
	return store_fts_rows(st->db, st->pmax0, st->qmax0, err);
}

enum ns_rc
store_fts_refresh(struct db *db, bool *rebuilt, int64_t *passages,
		  int64_t *queries, struct ns_err *err)
{
	enum ns_rc rc;

	*rebuilt = false;
	*passages = *queries = 0;
	if (!store_fts_stale(db))
		return NS_OK;
	if ((rc = db_begin(db, err)))
		return rc;
	/* another process may have rebuilt them while this one waited */
	if (!store_fts_stale(db)) {
		db_rollback(db);
		return NS_OK;
	}
	if ((rc = store_fts_rebuild(db, err)) == NS_OK)
		rc = db_commit(db, err);
	if (rc != NS_OK) {
		db_rollback(db);
		return rc;
	}
	*rebuilt = true;
	*passages = db_scalar(db, "SELECT count(*) FROM passage "
			      "WHERE text IS NOT NULL");
	*queries = db_scalar(db, "SELECT count(*) FROM query "
			     "WHERE text IS NOT NULL");
	return NS_OK;
}

/* Free what store_begin() allocated. */
static void
store_free(struct store *st)
{
	store_hmap_free(st->hmap);
	st->hmap = NULL;
	store_hmap_free(st->xset);
	st->xset = NULL;
	store_hmap_free(st->seen);
	st->seen = NULL;
	st->nxpend = 0;
	if (st->pend) {
		strbuf_fini(&st->pend->bytes);
		strbuf_fini(&st->pend->xbytes);
		free(st->pend);
		st->pend = NULL;
	}
	st->npend = 0;
	for (size_t i = 0; st->deferred[i]; i++) {
		free(st->deferred[i]);
		st->deferred[i] = NULL;
	}
}

static void
store_end(struct store *st)
{
	db_exec(st->db, "PRAGMA foreign_keys = ON", NULL);
	store_free(st);
}

enum ns_rc
store_load_done(struct store *st, struct ns_err *err)
{
	enum ns_rc rc = store_flush(st, err);

	for (size_t i = 0; st->deferred[i]; i++) {
		if (rc == NS_OK)
			rc = db_exec(st->db, st->deferred[i], err);
		free(st->deferred[i]);
		st->deferred[i] = NULL;
	}
	return rc;
}

/*
 * Imported candidates (negatives of BGE/Tevatron rows, TREC run entries)
 * that are positives of their query -- a run usually retrieves the
 * relevant documents, and qrels may come in a later import -- are marked
 * with the filter "positive", as mining does, so they never wait in the
 * review queue as if they were negatives.
 */
static enum ns_rc
store_mark_positives(struct store *st, struct ns_err *err)
{
	static const char sql[] =
		"UPDATE candidate SET filter = 'positive'"
		" WHERE filter IS NULL"
		"   AND run_id IN (SELECT id FROM run"
		"                  WHERE method IN ('import', 'trec'))"
		"   AND EXISTS (SELECT 1 FROM qrel q"
		"               WHERE q.query_id = candidate.query_id"
		"                 AND q.passage_id = candidate.passage_id"
		"                 AND q.grade > 0)";
	sqlite3_stmt *s;

	if (st->qrels == 0 && st->candidates == 0 && st->qrels_merged_pos == 0)
		return NS_OK;
	s = db_prep(st->db, sql, err);
	if (!s)
		return NS_EDB;
	return db_step_done(st->db, s, "marking imported positives", err);
}

enum ns_rc
store_commit(struct store *st, struct ns_err *err)
{
	enum ns_rc rc = store_load_done(st, err);

	if (rc == NS_OK)
		rc = store_mark_positives(st, err);

	if (rc == NS_OK)
		rc = db_commit(st->db, err);
	if (rc != NS_OK)
		db_rollback(st->db);
	store_end(st);
	return rc;
}

void
store_abort(struct store *st)
{
	db_rollback(st->db);
	store_end(st);
}
