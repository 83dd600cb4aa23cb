/* t-import.c - the import readers: line reader, CSV/TSV splitting, number
 * parsing, format names and detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "src/config.h"
#include "src/import_int.h"
#include "tests/tap.h"

static const char *
write_file(const char *name, const char *data, size_t len)
{
	static char path[4][600];
	static int k;
	char *p = path[k++ % 4];
	FILE *fp;

	snprintf(p, sizeof(path[0]), "%s/%s", tap_tmpdir(), name);
	fp = fopen(p, "wb");
	fwrite(data, 1, len, fp);
	fclose(fp);
	return p;
}

static void
test_linereader(void)
{
	static const char data[] = "\xEF\xBB\xBF" "one\r\ntwo \xC2\x85 three\n"
				   "\n0123456789abcdefgh\nlast";
	const char *path = write_file("lines.txt", data, sizeof(data) - 1);
	struct linereader lr;
	struct ns_err err;
	const char *line;
	size_t len;

	err_clear(&err);
	ok(linereader_open(&lr, path, 14, &err) == NS_OK, "open");
	ok(linereader_next(&lr, &line, &len, &err) == NS_OK, "line 1");
	is_str(line, "one", "BOM skipped, CR removed");
	ok(linereader_next(&lr, &line, &len, &err) == NS_OK, "line 2");
	is_str(line, "two \xC2\x85 three", "U+0085 does not end a line");
	ok(linereader_next(&lr, &line, &len, &err) == NS_OK && len == 0,
	   "empty line");
	is_int(linereader_next(&lr, &line, &len, &err), NS_EINPUT,
	       "line above the limit");
	is_int(err.line, 4, "its line number");
	is_str(err.msg, "record longer than 14 bytes "
	       "(import.max_record_bytes)", "its message");
	ok(linereader_next(&lr, &line, &len, &err) == NS_OK, "goes on after");
	is_str(line, "last", "last line without newline");
	is_int(lr.lineno, 5, "line count");
	ok(!lr.had_newline, "knows the newline was missing");
	is_int(linereader_next(&lr, &line, &len, &err), NS_ENOTFOUND, "EOF");
	ok(linereader_rewind(&lr, &err) == NS_OK &&
	   linereader_next(&lr, &line, &len, &err) == NS_OK &&
	   strcmp(line, "one") == 0, "rewind");
	linereader_close(&lr);
	ok(lr.fp == NULL && lr.buf == NULL,
	   "close clears what it freed, so a second close frees nothing");
	linereader_close(&lr);
	ok(lr.fp == NULL && lr.buf == NULL,
	   "close twice leaves it closed (a double free fails under ASan)");
	is_int(linereader_open(&lr, "/nonexistent/x", 0, &err), NS_ENOTFOUND,
	       "missing file");
	linereader_close(&lr);

	/* lines longer than the 1 MB read chunk */
	{
		size_t n = 3u << 20;
		char *big = malloc(n + 4);

		memset(big, 'x', n);
		memcpy(big + n, "\ny\n", 3);
		path = write_file("big.txt", big, n + 3);
		free(big);
		ok(linereader_open(&lr, path, 0, &err) == NS_OK &&
		   linereader_next(&lr, &line, &len, &err) == NS_OK &&
		   len == n, "3 MB line read whole");
		ok(linereader_next(&lr, &line, &len, &err) == NS_OK &&
		   strcmp(line, "y") == 0, "then the next line");
		linereader_close(&lr);
	}
}

static void
test_csv(void)
{
	size_t off[IMP_MAX_FIELDS], src[IMP_MAX_FIELDS], bad = 0;
	const char *why = NULL;
	struct strbuf out;
	const char *s;
	int n;

	strbuf_init(&out);
	s = "a,\"b,c\",\"d \"\"e\"\"\",";
	n = imp_csv_split(s, strlen(s), ',', &out, off, src, &bad, &why);
	is_int(n, 4, "CSV: 4 fields (last empty)");
	is_str(out.buf + off[1], "b,c", "quoted separator");
	is_str(out.buf + off[2], "d \"e\"", "doubled quotes");
	is_str(out.buf + off[3], "", "empty last field");
	is_int((long long)src[2], 8, "source offset of field 3");
	s = "x\t\"multi";
	is_int(imp_csv_split(s, strlen(s), '\t', &out, off, src, &bad, &why),
	       -2, "open quote continues on the next line");
	s = "\"a\"b,c";
	is_int(imp_csv_split(s, strlen(s), ',', &out, off, src, &bad, &why),
	       -1, "junk after a closing quote");
	is_int((long long)bad, 3, "at its offset");
	s = "no quotes here";
	is_int(imp_csv_split(s, strlen(s), ',', &out, off, src, &bad, &why),
	       1, "one field");
	strbuf_fini(&out);
}

static void
test_split_and_numbers(void)
{
	char line[] = "  301\tQ0  CR#93E-1860 \t 7  2.5 run extra";
	char *f[6];
	size_t st[6];
	long v;
	double d;
	bool fin;

	is_int(imp_ws_split(line, f, st, 6), 6, "whitespace split, 6 fields");
	is_str(f[2], "CR#93E-1860", "# inside an id kept");
	is_str(f[5], "run", "extra columns beyond the limit ignored");
	is_int((long long)st[0], 2, "offset of the first field");
	ok(imp_parse_int("-1", &v) && v == -1, "negative grade");
	ok(!imp_parse_int("1.0", &v), "1.0 is not an integer");
	ok(!imp_parse_int("", &v), "empty is not an integer");
	ok(imp_parse_num("  2.129133", &d, &fin) && fin, "leading blanks");
	ok(imp_parse_num("inf", &d, &fin) && !fin, "inf is not finite");
	ok(imp_parse_num("NaN", &d, &fin) && !fin, "NaN is not finite");
	ok(imp_parse_num("1e999", &d, &fin) && !fin, "overflow is not finite");
	ok(imp_parse_num("1e-999", &d, &fin) && fin, "underflow is fine");
	ok(!imp_parse_num("2.5x", &d, &fin), "junk after a number");
}

static void
test_formats(void)
{
	const struct config_key *k;
	char choices[512], *tok, *save;
	int nchoices = 0;

	for (k = config_keys; k->name; k++)
		if (strcmp(k->name, "import.format") == 0)
			break;
	ok(k->name != NULL, "import.format is a config key");
	snprintf(choices, sizeof(choices), "%s", k->choices ? k->choices : "");
	for (tok = strtok_r(choices, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		int f = import_format_parse(tok);

		ok(f >= 0 && strcmp(import_format_name(f), tok) == 0,
		   "config format '%s' is known to the importer", tok);
		nchoices++;
	}
	is_int(nchoices, IMPORT_NFORMATS, "same number of formats");
	is_int(import_format_parse("csv"), -1, "unknown format");
}

static void
detect(const char *name, const char *data, const char *want)
{
	enum import_format f = IMPORT_AUTO;
	struct ns_err err;
	enum ns_rc rc;

	err_clear(&err);
	rc = import_detect(write_file(name, data, strlen(data)), &f, &err);
	if (want)
		is_str(rc == NS_OK ? import_format_name(f) : err.msg, want,
		       name);
	else
		ok(rc == NS_EINPUT, "%s: undetectable (%s)", name, err.msg);
}

static void
test_detect(void)
{
	detect("corpus.jsonl", "{\"_id\": \"d\", \"text\": \"t\"}\n", "beir");
	detect("train.jsonl", "{\"query\": \"q\", \"pos\": [\"p\"]}\n", "bge");
	detect("rlhn.jsonl", "{\"query_id\": \"1\", \"query\": \"q\", "
	       "\"positive_passages\": []}\n", "tevatron");
	detect("st.jsonl", "{\"anchor\": \"a\", \"positive\": \"p\"}\n",
	       "st-jsonl");
	detect("arr.jsonl", "[\"a\", \"p\", \"n\"]\n", "st-jsonl");
	detect("rows.csv", "anchor,positive\n", "st-csv");
	detect("rows.tsv", "a b\tp q\tn r\n", "st-tsv");
	detect("run.txt", "301\tQ0\tD1\t1\t  2.1\tSTD\n", "trec-run");
	detect("qrels.txt", "# comment\n301 0 D#1 1\n", "trec-qrels");
	detect("test.tsv", "query-id\tcorpus-id\tscore\n", "beir");
	detect("noheader.tsv", "q1\td1\t2\n", "beir");
	detect("collection.tsv", "0\tsome passage text\n", "id-text");
	detect("broken.jsonl", "{\"query\": \"q\", \"pos\": [NaN\n", "bge");
	detect("prose.txt", "just some words\n", NULL);
	detect("empty.txt", "", NULL);
	detect("blank.txt", "\n\n  \n", NULL);
}

static int64_t
put(struct store *st, const char *xid, const char *text, enum store_hit want,
    const char *name)
{
	struct ns_err err;
	enum store_hit hit = STORE_CONFLICT;
	int64_t pid = 0;

	err_clear(&err);
	ok(store_passage(st, xid, "", 0, text, strlen(text), &pid, &hit,
			 &err) == NS_OK && hit == want, "%s (%s)", name,
	   err.msg);
	return pid;
}

/* Content dedup in a new project (the session's hash map, the
 * passage_hash index set aside) across a record rolled back to its
 * savepoint, then again in the next import (through the index). */
static void
test_store_dedup(void)
{
	char dir[600];
	struct store st;
	struct ns_err err;
	struct db *db = NULL;

	snprintf(dir, sizeof(dir), "%s/dedup", tap_tmpdir());
	err_clear(&err);
	if (!ok(db_open(dir, DB_OPEN_CREATE, &db, &err) == NS_OK, "project "
		"(%s)", err.msg))
		return;
	ok(store_begin(&st, db, false, &err) == NS_OK &&
	   store_source(&st, "a", "beir", &err) == NS_OK, "begin");
	ok(st.hmap != NULL, "new project: contents looked up in memory");
	ok(store_savepoint(&st, &err) == NS_OK, "savepoint");
	is_int(put(&st, "a", "text X", STORE_NEW, "X"), 1, "X is passage 1");
	store_rollback_to(&st);
	is_int(put(&st, "b", "text Y", STORE_NEW, "Y"), 1,
	       "after the rollback Y is passage 1");
	is_int(put(&st, "c", "text X", STORE_NEW, "X again"), 2,
	       "X is new again (the stale entry is not trusted)");
	is_int(put(&st, "d", "text Y", STORE_NEW, "Y under a new id"), 1,
	       "same text, same passage");
	is_int(put(&st, "b", "text Y", STORE_SAME, "b again"), 1, "b known");
	put(&st, "b", "text Z", STORE_CONFLICT, "b with another text");
	ok(store_load_done(&st, &err) == NS_OK &&
	   store_commit(&st, &err) == NS_OK, "commit (%s)", err.msg);
	is_int(db_scalar(db, "SELECT count(*) FROM sqlite_schema WHERE "
			 "name = 'passage_hash'"), 1, "passage_hash rebuilt");
	is_int(db_scalar(db, "SELECT count(*) FROM sqlite_schema WHERE "
			 "name = 'passage_xid_passage'"), 1,
	       "passage_xid_passage rebuilt");
	is_int(db_scalar(db, "SELECT count(*) FROM passage_xid INDEXED BY "
			 "passage_xid_passage WHERE passage_id = 1"), 2,
	       "ids of passage 1 through the rebuilt index");
	is_int(db_scalar(db, "SELECT count(*) FROM passage"), 2, "2 passages");
	is_int(db_scalar(db, "SELECT count(*) FROM passage_xid"), 3, "3 ids");

	ok(store_begin(&st, db, false, &err) == NS_OK &&
	   store_source(&st, "b", "beir", &err) == NS_OK, "second import");
	ok(st.hmap == NULL, "texts known: contents looked up by the index");
	is_int(put(&st, "e", "text X", STORE_NEW, "X under e"), 2,
	       "X found through the index");
	is_int(put(&st, "f", "text W", STORE_NEW, "W"), 3, "W is new");
	store_abort(&st);
	is_int(db_scalar(db, "SELECT count(*) FROM passage"), 2,
	       "aborted: still 2 passages");
	ok(store_begin(&st, db, false, &err) == NS_OK, "third import");
	store_abort(&st);
	db_close(db);
}

/* The corpus reader threads hand back every line, in order, across many
 * batches; bad lines come back unparsed, at their line. */
static void
test_pipe(void)
{
	struct strbuf sb;
	struct imp_pipe *p = NULL;
	const struct imp_prec *r;
	struct ns_err err;
	enum ns_rc rc;
	long n = 0, parsed = 0, bad_at = 0, order_ok = 1;
	const char *path;

	strbuf_init(&sb);
	for (int i = 1; i <= 5000; i++) {
		if (i == 4321)
			strbuf_addstr(&sb, "{\"_id\": \"x\", \"text\": 7}\n");
		else if (i == 77)
			strbuf_addstr(&sb, "   \n");
		else
			strbuf_addf(&sb, "{\"_id\": %d, \"title\": \"T%d\", "
				    "\"text\": \"t\\u00e9xt %d\"}\n", i, i, i);
	}
	path = write_file("pipe.jsonl", sb.buf, sb.len);
	err_clear(&err);
	if (!ok(imp_pipe_start(&p, path, KIND_CORPUS, 0, &err) == NS_OK,
		"pipe started"))
		return;
	while ((rc = imp_pipe_next(p, &r, &err)) == NS_OK) {
		char want[64];

		n++;
		if (r->lineno != n)
			order_ok = 0;
		if (!r->parsed) {
			if (!r->blank)
				bad_at = r->lineno;
			continue;
		}
		parsed++;
		snprintf(want, sizeof(want), "t\xc3\xa9xt %ld", n);
		if (strcmp(r->text, want) != 0 || r->xlen != strlen(want) ||
		    atol(r->id) != n || r->tlen != strlen(r->title))
			order_ok = 0;
	}
	is_int(rc, NS_ENOTFOUND, "read to the end");
	is_int(n, 5000, "every line");
	is_int(parsed, 4998, "every good record parsed");
	is_int(bad_at, 4321, "the bad record left to the full reader");
	ok(order_ok, "in file order, with their fields");
	imp_pipe_stop(p);
	strbuf_fini(&sb);
}

/* What import_qrels() hands over, as one string "q p g;..." */
static enum ns_rc
collect_judgment(void *ctx, const char *q, const char *p, long grade,
		 struct ns_err *err)
{
	struct strbuf *sb = ctx;

	(void)err;
	strbuf_addf(sb, "%s %s %ld;", q, p, grade);
	return NS_OK;
}

static enum ns_rc
refuse_judgment(void *ctx, const char *q, const char *p, long grade,
		struct ns_err *err)
{
	(void)ctx;
	(void)q;
	(void)p;
	(void)grade;
	return err_set(err, NS_EIO, "the caller stops");
}

/* import_qrels(): the qrels readers without a project. */
static void
test_qrels(void)
{
	static const char beir[] = "query-id\tcorpus-id\tscore\n"
				   "q1\t<dbpedia:A>\t2\nq1\td2\t0\nq1\td2\t1\n";
	static const char beir_nohead[] = "q1\td1\t1\nq2\td3\t0\n";
	static const char trec[] = "q1 0 d1 3\n# a comment\nq2 0 d#2 -1\n";
	static const char bad[] = "q1 0 d1 1\nq1 0 d2 x\n";
	static const char corpus[] = "{\"_id\": \"d1\", \"text\": \"a\"}\n";
	struct strbuf sb;
	struct ns_err err;

	strbuf_init(&sb);
	err_clear(&err);
	ok(import_qrels(write_file("o.tsv", beir, sizeof(beir) - 1),
			collect_judgment, &sb, &err) == NS_OK, "BEIR qrels");
	is_str(sb.buf, "q1 <dbpedia:A> 2;q1 d2 0;q1 d2 1;",
	       "header skipped, every judgment in order (repeats too)");
	strbuf_reset(&sb);
	ok(import_qrels(write_file("o2.tsv", beir_nohead,
				   sizeof(beir_nohead) - 1),
			collect_judgment, &sb, &err) == NS_OK,
	   "BEIR qrels without a header");
	is_str(sb.buf, "q1 d1 1;q2 d3 0;", "no judgment lost");
	strbuf_reset(&sb);
	ok(import_qrels(write_file("o.qrels", trec, sizeof(trec) - 1),
			collect_judgment, &sb, &err) == NS_OK, "TREC qrels");
	is_str(sb.buf, "q1 d1 3;q2 d#2 -1;", "comments skipped, # inside ids");
	strbuf_reset(&sb);
	ok(import_qrels(write_file("bad.qrels", bad, sizeof(bad) - 1),
			collect_judgment, &sb, &err) == NS_EINPUT,
	   "a bad grade: bad input");
	ok(err.line == 2 && err.col == 9 &&
	   strstr(err.msg, "grade is not an integer: 'x'"),
	   "at its line and column, as import reports it (%ld:%ld %s)",
	   err.line, err.col, err.msg);
	err_clear(&err);
	ok(import_qrels(write_file("corpus.jsonl", corpus, sizeof(corpus) - 1),
			collect_judgment, &sb, &err) == NS_EINPUT,
	   "a corpus is not qrels");
	ok(strstr(err.msg, "not a qrels file (it reads as beir)") != NULL,
	   "and says what it read: %s", err.msg);
	err_clear(&err);
	ok(import_qrels(tap_tmpdir(), collect_judgment, &sb, &err) ==
	   NS_EINPUT, "a directory is refused");
	err_clear(&err);
	ok(import_qrels(write_file("o3.tsv", beir, sizeof(beir) - 1),
			refuse_judgment, NULL, &err) == NS_EIO,
	   "the caller's error stops the read");
	is_str(err.msg, "the caller stops", "with the caller's message");
	strbuf_fini(&sb);
}

int
main(void)
{
	test_store_dedup();
	test_pipe();
	test_linereader();
	test_csv();
	test_split_and_numbers();
	test_formats();
	test_detect();
	test_qrels();
	return tap_done();
}
