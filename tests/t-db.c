/* t-db.c - project database: creation, migrations, refusal of newer
 * schemas, append-only decision log. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "db/schema.h"
#include "tests/tap.h"
#include "src/util.h"

/* Every row of @table as text, columns @cols (comma-separated) quoted and
 * joined by '|', ordered by @order; caller frees. */
static char *
dump(sqlite3 *h, const char *table, const char *cols, const char *order)
{
	struct strbuf sb;
	sqlite3_stmt *st;
	char *sql;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	sql = xasprintf("SELECT %s FROM %s ORDER BY %s", cols, table, order);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(h));
		free(sql);
		return strbuf_detach(&sb, NULL);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			strbuf_addf(&sb, "%s%s", i ? "|" : "",
				    t ? (const char *)t : "NULL");
		}
		strbuf_addch(&sb, '\n');
	}
	sqlite3_finalize(st);
	free(sql);
	return strbuf_detach(&sb, NULL);
}

/* The columns of @table, comma-separated; caller frees. */
static char *
columns(sqlite3 *h, const char *table)
{
	struct strbuf sb;
	sqlite3_stmt *st;
	char *sql = xasprintf("SELECT group_concat(name, ',') FROM "
			      "pragma_table_info('%s')", table);

	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		strbuf_addstr(&sb, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	free(sql);
	return strbuf_detach(&sb, NULL);
}

/* Data as negsieve 0.1 with schema 1 wrote it: an import of passages with
 * shared texts and two ids, queries, graded qrels, a run of scored
 * candidates with filters, and a decision log with an undo. */
static const char v1_data[] =
	"INSERT INTO meta VALUES ('created_by', 'negsieve 0.1.0');"
	"INSERT INTO source VALUES (1, 'train.jsonl', 'bge', '{\"x\":1}',"
	"  '2026-11-01T10:00:00Z', 4, 1);"
	"INSERT INTO passage VALUES (1, 111, '', 'apt installs packages', 1),"
	"  (2, 222, 'Vim', 'vim is an editor', 1),"
	"  (3, NULL, '', NULL, 1),"
	"  (4, 444, '', 'caf\xc3\xa9 cr\xc3\xa8me', 1);"
	"INSERT INTO passage_xid VALUES ('p1', 1), ('p1b', 1), ('p2', 2),"
	"  ('p3', 3), ('p4', 4);"
	"INSERT INTO query VALUES (1, 'q1', 'how to install', NULL, NULL, 1),"
	"  (2, 'q2', 'editor', 'Represent this', 'retrieval', 1);"
	"INSERT INTO qrel VALUES (1, 1, 2, 0.9, 1), (2, 2, 1, NULL, 1),"
	"  (2, 4, 0, NULL, 1);"
	"INSERT INTO run VALUES (1, 1, 'import', NULL, '2026-11-01T10:00:01Z');"
	"INSERT INTO candidate VALUES (1, 1, 1, 2, 1, 0.5, NULL),"
	"  (2, 1, 1, 4, 2, 0.25, 'min_score'), (3, 1, 2, 1, NULL, NULL, NULL),"
	"  (4, 1, 2, 3, 2, -1.5, 'positive');"
	"INSERT INTO annotator VALUES (1, 'ann', '2026-11-02T09:00:00Z'),"
	"  (2, 'bob', '2026-11-02T09:05:00Z');"
	"INSERT INTO decision (id, query_id, passage_id, annotator_id, action,"
	"  undoes, note, at, ms_on_item) VALUES"
	"  (1, 1, 2, 1, 'fn', NULL, NULL, '2026-11-02T09:00:01Z', 1200),"
	"  (2, 1, 4, 1, 'tn', NULL, NULL, '2026-11-02T09:00:02Z', 800),"
	"  (3, 1, 4, 1, 'undo', 2, NULL, '2026-11-02T09:00:03Z', NULL),"
	"  (4, 2, 1, 2, 'tn', NULL, 'clearly off', '2026-11-02T09:05:01Z', 3),"
	"  (5, 2, 3, 2, 'drop_passage', NULL, NULL, '2026-11-02T09:05:02Z', 4),"
	"  (6, 1, 4, 1, 'fn', NULL, NULL, '2026-11-02T09:00:04Z', 500),"
	"  (7, 1, 4, 2, 'tn', NULL, NULL, '2026-11-02T09:06:00Z', 700);"
	"INSERT INTO passage_fts(passage_fts) VALUES ('rebuild');"
	"INSERT INTO query_fts(query_fts) VALUES ('rebuild');";

/*
 * A project written by schema version 1 (the first migration, as shipped)
 * with data in every table is opened by this binary: it is migrated to
 * the current version and every row of every version-1 table is there,
 * unchanged, column by column; the columns and tables added later are
 * empty; the views of later versions read the old decisions.
 */
static void
test_migration(void)
{
	static const char *const tables[][2] = {
		{ "meta", "key" }, { "source", "id" }, { "passage", "id" },
		{ "passage_xid", "xid" }, { "query", "id" },
		{ "qrel", "query_id, passage_id" }, { "run", "id" },
		{ "candidate", "id" }, { "annotator", "id" },
		{ "decision", "id" },
	};
	enum { NT = sizeof(tables) / sizeof(tables[0]) };
	char *before[NT], *cols[NT], dir[512], path[600];
	struct ns_err err;
	struct db *db = NULL;
	sqlite3 *h;
	int same = 0;

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/v1", tap_tmpdir());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, DB_FILENAME);
	ok(sqlite3_open(path, &h) == SQLITE_OK, "v1: raw create");
	is_int(schema_migrations[0].version, 1, "v1: the first migration");
	ok(sqlite3_exec(h, schema_migrations[0].sql, NULL, NULL, NULL) ==
	   SQLITE_OK && sqlite3_exec(h, "PRAGMA user_version = 1", NULL,
				     NULL, NULL) == SQLITE_OK,
	   "v1: schema 1 written");
	if (!ok(sqlite3_exec(h, v1_data, NULL, NULL, NULL) == SQLITE_OK,
		"v1: data written"))
		diag("%s", sqlite3_errmsg(h));
	for (int i = 0; i < NT; i++) {
		cols[i] = columns(h, tables[i][0]);
		before[i] = dump(h, tables[i][0], cols[i], tables[i][1]);
	}
	sqlite3_close(h);
	ok(strstr(before[7], "min_score") && strstr(before[9], "clearly off"),
	   "v1: the dump holds the data");

	if (!ok(db_open(dir, DB_OPEN_EXISTING, &db, &err) == NS_OK,
		"v1 project opens"))
		diag("%s", err.msg);
	if (!db)
		goto out;
	is_int(db_scalar(db, "PRAGMA user_version"), db_schema_version(),
	       "migrated to the current version");
	ok(sqlite3_open(path, &h) == SQLITE_OK, "raw open after migration");
	for (int i = 0; i < NT; i++) {
		char *after = dump(h, tables[i][0], cols[i], tables[i][1]);

		if (!is_str(after, before[i], tables[i][0]))
			diag("columns %s", cols[i]);
		same += !strcmp(after, before[i]);
		free(after);
	}
	is_int(same, NT, "every row of every version-1 table unchanged");
	is_int(db_scalar(db, "SELECT count(*) FROM candidate WHERE dup_sim "
			 "IS NOT NULL OR flag IS NOT NULL"), 0,
	       "columns added later are NULL in old rows");
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE batch IS "
			 "NOT NULL"), 0, "old decisions have no batch");
	is_int(db_scalar(db, "SELECT (SELECT count(*) FROM vecset) + (SELECT "
			 "count(*) FROM run_positive) + (SELECT count(*) FROM "
			 "review_session) + (SELECT count(*) FROM "
			 "review_lease)"), 0, "tables added later are empty");
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live"), 5,
	       "live decisions: the undone one is not");
	{
		char *labels = dump(h, "item_label",
				    "query_id, passage_id, label, annotator_id",
				    "query_id, passage_id");

		is_str(labels, "1|2|fn|1\n1|4|tn|2\n2|1|tn|2\n"
		       "2|3|drop_passage|2\n",
		       "item_label reads the old log: latest event in force");
		free(labels);
	}
	is_int(db_scalar(db, "SELECT rowid FROM passage_fts WHERE "
			 "passage_fts MATCH 'editor'"), 2,
	       "the old FTS index still answers");
	{
		sqlite3_stmt *st = NULL;
		char *ic = NULL;

		if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st,
				       NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			ic = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		is_str(ic, "ok", "integrity_check after the migration");
		free(ic);
	}
	/* the migrated project takes new rows of the new shape */
	ok(db_exec(db, "INSERT INTO decision(query_id, passage_id, "
		   "annotator_id, action, at, batch) VALUES (2, 1, 1, 'fn', "
		   "'now', 8)", &err) == NS_OK, "a decision with a batch");
	is_int(db_scalar(db, "SELECT count(*) FROM item_label WHERE "
			 "query_id = 2 AND passage_id = 1 AND label = 'fn'"), 1,
	       "the new decision is the current label");
	sqlite3_close(h);
	db_close(db);
out:
	for (int i = 0; i < NT; i++) {
		free(before[i]);
		free(cols[i]);
	}
}

int
main(void)
{
	struct db *db = NULL, *db2 = NULL;
	struct ns_err err;
	char dir[512], path[600];
	struct stat st;
	sqlite3 *h;
	char *v;

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/proj", tap_tmpdir());
	ok(db_open(dir, DB_OPEN_EXISTING, &db, &err) == NS_ENOTFOUND,
	   "opening a missing project fails");
	ok(strstr(err.msg, "not a negsieve project") != NULL,
	   "message says so");
	ok(db == NULL, "out untouched on failure");

	ok(db_open(dir, DB_OPEN_CREATE, &db, &err) == NS_OK, "create");
	is_int(db_scalar(db, "PRAGMA user_version"), db_schema_version(),
	       "schema at current version");
	v = NULL;
	{
		sqlite3_stmt *s = db_prep(db, "PRAGMA journal_mode", &err);

		if (s && sqlite3_step(s) == SQLITE_ROW)
			v = xstrdup((const char *)sqlite3_column_text(s, 0));
		if (s)	/* an active statement would hold every later
			 * write in one implicit transaction */
			sqlite3_reset(s);
	}
	is_str(v, "wal", "WAL mode");
	free(v);
	is_int(db_scalar(db, "PRAGMA foreign_keys"), 1, "foreign keys on");
	ok(db_meta_set(db, "k", "v1", &err) == NS_OK, "meta set");
	ok(db_meta_set(db, "k", "v2", &err) == NS_OK, "meta overwrite");
	v = db_meta_get(db, "k");
	is_str(v, "v2", "meta get");
	free(v);

	/* decisions are append-only */
	ok(db_exec(db, "INSERT INTO source(path, format, created_at) "
		   "VALUES ('x', 'test', 'now');"
		   "INSERT INTO query(xid, text, source_id) VALUES ('q', 't', 1);"
		   "INSERT INTO annotator(name, created_at) VALUES ('a', 'now');"
		   "INSERT INTO decision(query_id, annotator_id, action, at) "
		   "VALUES (1, 1, 'drop_query', 'now');", &err) == NS_OK,
	   "insert a decision");
	ok(db_exec(db, "UPDATE decision SET action = 'tn'", &err) == NS_EDB,
	   "UPDATE on the log is refused");
	ok(strstr(err.msg, "append-only") != NULL, "message: append-only");
	ok(db_exec(db, "DELETE FROM decision", &err) == NS_EDB,
	   "DELETE on the log is refused");
	ok(db_exec(db, "INSERT INTO decision(query_id, annotator_id, action, "
		   "at) VALUES (1, 1, 'maybe', 'now')", &err) == NS_EDB,
	   "unknown action refused");
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live"), 1,
	       "live decision counted");
	ok(db_exec(db, "INSERT INTO decision(query_id, annotator_id, action, "
		   "undoes, at) VALUES (1, 1, 'undo', 1, 'now')", &err) ==
	   NS_OK, "undo appended");
	is_int(db_scalar(db, "SELECT count(*) FROM decision_live"), 0,
	       "undone decision no longer live");
	is_int(db_scalar(db, "SELECT count(*) FROM decision"), 2,
	       "both events kept");
	ok(db_exec(db, "INSERT INTO query(xid, text, source_id) VALUES "
		   "('q2', 't', 42)", &err) == NS_EDB,
	   "foreign keys enforced");

	/* A transaction SQLite rolled back by itself (here INSERT OR
	 * ROLLBACK; in life out of memory, I/O error, full disk) stops every
	 * later statement instead of letting them commit one by one. */
	ok(db_begin(db, &err) == NS_OK, "begin");
	ok(db_exec(db, "INSERT INTO annotator(name, created_at) VALUES "
		   "('b', 'now')", &err) == NS_OK, "a write in the transaction");
	ok(db_exec(db, "INSERT OR ROLLBACK INTO annotator(name, created_at) "
		   "VALUES ('a', 'now')", &err) == NS_EDB,
	   "a statement that makes SQLite roll back");
	err_clear(&err);
	ok(db_exec(db, "INSERT INTO annotator(name, created_at) VALUES "
		   "('c', 'now')", &err) == NS_EDB,
	   "the next statement is refused");
	is_str(err.msg, "the transaction was rolled back after an earlier "
	       "error (out of memory, I/O error or a full disk); nothing of "
	       "it was written", "message: rolled back");
	ok(db_prep(db, "SELECT 1", &err) == NULL,
	   "prepared statements too");
	ok(db_commit(db, &err) == NS_EDB, "and the commit");
	is_int(db_scalar(db, "SELECT count(*) FROM annotator"), 1,
	       "nothing of the transaction written; usable again after it");
	db_close(db);
	db = NULL;

	ok(db_open(dir, DB_OPEN_CREATE, &db, &err) == NS_EUSAGE,
	   "create refuses an existing project");

	snprintf(path, sizeof(path), "%s/%s", dir, DB_FILENAME);
	ok(stat(path, &st) == 0 && !(st.st_mode & S_IWOTH),
	   "database not world-writable");
	{
		struct stat dst;

		ok(stat(path, &st) == 0 && stat(dir, &dst) == 0 &&
		   (st.st_mode & 07777) == (dst.st_mode & 0664),
		   "database mode = project directory's & 0664 (src/perm.h)");
	}

	/* a newer schema is refused */
	ok(sqlite3_open(path, &h) == SQLITE_OK, "raw open");
	sqlite3_exec(h, "PRAGMA user_version = 9999", NULL, NULL, NULL);
	sqlite3_close(h);
	ok(db_open(dir, DB_OPEN_EXISTING, &db2, &err) == NS_EVERSION,
	   "newer schema refused");
	ok(strstr(err.msg, "newer than this negsieve understands") != NULL,
	   "message names the problem");
	ok(db2 == NULL, "no handle on refusal");

	test_migration();

	/* not a database at all */
	snprintf(dir, sizeof(dir), "%s/junk", tap_tmpdir());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, DB_FILENAME);
	{
		FILE *fp = fopen(path, "w");

		fputs("this is not sqlite, not at all, really not.......", fp);
		fclose(fp);
	}
	is_int(db_open(dir, DB_OPEN_EXISTING, &db2, &err), NS_EDB,
	       "junk file refused");
	is_str(err.msg, "database: file is not a database", "... saying so");
	ok(db2 == NULL, "no handle for a junk file");
	return tap_done();
}
