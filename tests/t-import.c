/* t-import.c - the import readers: line reader, CSV/TSV splitting, number
 * parsing, format names and detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "src/config.h"
#include <zlib.h>
#include <zstd.h>

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

/* instream_file_digest(): the bytes on disk in instream_digest()'s form
 * (@d0 is the digest of @plain read through a stream), never
 * decompressed (@gz); a missing file and a directory are errors. */
static void
test_file_digest(const char *d0, const char *plain, size_t nplain,
		 const unsigned char *gz, size_t ngz)
{
	char d[33], d1[33] = "untouched";
	uint64_t bytes = 0, b1 = 7;
	struct instream *in;
	struct ns_err err;
	unsigned char buf[256];
	size_t got;
	const char *path;

	err_clear(&err);
	path = write_file("plain.txt", plain, nplain);
	is_int(instream_file_digest(path, d, &bytes, &err), NS_OK,
	       "file digest of a plain file");
	is_str(d, d0, "... is its stream digest");
	is_int((long long)bytes, (long long)nplain, "... over all its bytes");
	path = write_file("packed", (const char *)gz, ngz);
	is_int(instream_file_digest(path, d, &bytes, &err), NS_OK,
	       "file digest of a gzip file");
	instream_open(&in, path, &err);
	while (instream_read(in, buf, sizeof(buf), &got, &err) == NS_OK &&
	       got)
		;
	instream_digest(in, d1);
	instream_close(in);
	ok(strcmp(d, d0) != 0 && strcmp(d, d1) != 0,
	   "... is of the compressed bytes, not the content");
	is_int((long long)bytes, (long long)ngz, "... all of them");
	strcpy(d1, "untouched");
	is_int(instream_file_digest("/nonexistent/x", d1, &b1, &err),
	       NS_ENOTFOUND, "a missing file: not found");
	ok(strstr(err.msg, "cannot open") && !strcmp(d1, "untouched") &&
	   b1 == 7, "... saying so, the results untouched: %s", err.msg);
	is_int(instream_file_digest(tap_tmpdir(), d1, &b1, &err), NS_EIO,
	       "a directory: I/O error");
	ok(strstr(err.msg, "read error") && !strcmp(d1, "untouched") &&
	   b1 == 7, "... saying so, the results untouched: %s", err.msg);
}

/* gzip (one member, or two one after the other) and zstd read back as the
 * plain bytes, with the same content hash; cut-short data is an error. */
static void
test_instream(void)
{
	static const char plain[] = "line one\nline two\n{\"k\": \"v\"}\n";
	unsigned char gz[512], zs[512], two[1024];
	size_t ngz, nzs, n1;
	char d0[33], d1[33], buf[256];
	struct instream *in;
	struct ns_err err;
	z_stream z;
	size_t got, total;
	const char *path;
	enum ns_rc rc;

	/* gzip: deflate with a gzip header (15 + 16) */
	for (int member = 0; member < 2; member++) {
		const char *part = member ? plain + 9 : plain;
		size_t len = member ? sizeof(plain) - 1 - 9 : 9;

		memset(&z, 0, sizeof(z));
		deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
			     Z_DEFAULT_STRATEGY);
		z.next_in = (unsigned char *)part;
		z.avail_in = (uInt)len;
		z.next_out = member ? two + n1 : two;
		z.avail_out = (uInt)(sizeof(two) - (member ? n1 : 0));
		deflate(&z, Z_FINISH);
		if (!member)
			n1 = z.total_out;
		else
			n1 += z.total_out;
		deflateEnd(&z);
	}
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)plain;
	z.avail_in = sizeof(plain) - 1;
	z.next_out = gz;
	z.avail_out = sizeof(gz);
	deflate(&z, Z_FINISH);
	ngz = z.total_out;
	deflateEnd(&z);
	nzs = ZSTD_compress(zs, sizeof(zs), plain, sizeof(plain) - 1, 3);

	err_clear(&err);
	path = write_file("plain.txt", plain, sizeof(plain) - 1);
	instream_open(&in, path, &err);
	while (instream_read(in, buf, 7, &got, &err) == NS_OK && got)
		;
	instream_digest(in, d0);
	is_int(instream_codec(in), INSTREAM_PLAIN, "plain: no codec");
	instream_close(in);
	for (int k = 0; k < 3; k++) {
		const char *name = k == 0 ? "gzip" : k == 1 ? "two gzip members"
				   : "zstd";
		const void *data = k == 0 ? (const void *)gz : k == 1 ?
				   (const void *)two : (const void *)zs;
		size_t len = k == 0 ? ngz : k == 1 ? n1 : nzs;

		path = write_file("packed", data, len);
		if (!ok(instream_open(&in, path, &err) == NS_OK, "%s: open",
			name))
			continue;
		total = 0;
		while ((rc = instream_read(in, buf + total, 5, &got, &err)) ==
		       NS_OK && got)
			total += got;
		ok(rc == NS_OK, "%s: read to the end", name);
		ok(total == sizeof(plain) - 1 &&
		   memcmp(buf, plain, total) == 0, "%s: the plain bytes", name);
		instream_digest(in, d1);
		ok(strcmp(d1, d0) == 0, "%s: same content hash as plain", name);
		ok(instream_codec(in) == (k == 2 ? INSTREAM_ZSTD :
					  INSTREAM_GZIP), "%s: codec", name);
		instream_close(in);
		/* the same, cut short */
		path = write_file("cut", data, len - 6);
		instream_open(&in, path, &err);
		while ((rc = instream_read(in, buf, sizeof(buf), &got,
					   &err)) == NS_OK && got)
			;
		ok(rc == NS_EINPUT, "%s cut short: bad input", name);
		ok(strstr(err.msg, k == 2 ? "zstd data" : "gzip data") != NULL,
		   "%s cut short: %s", name, err.msg);
		instream_close(in);
	}
	test_file_digest(d0, plain, sizeof(plain) - 1, gz, ngz);
}

/* A JSON array read element by element: positions, brackets and commas
 * inside strings, errors between elements. */
static void
test_array(void)
{
	static const char data[] = "  [ {\"a\": \"x]\", \"b\": [1, {\"c\": 2}]},"
				   "\n  {\"d\": \"\\\"}\"} ,7, \"s\" ]\n";
	struct linereader lr;
	struct ns_err err;
	const char *rec;
	size_t len;
	const char *path = write_file("arr.json", data, sizeof(data) - 1);

	err_clear(&err);
	ok(linereader_open(&lr, path, 0, &err) == NS_OK &&
	   linereader_array(&lr, &err) == NS_OK, "array: open");
	ok(linereader_next(&lr, &rec, &len, &err) == NS_OK, "element 1");
	is_str(rec, "{\"a\": \"x]\", \"b\": [1, {\"c\": 2}]}", "element 1: "
	       "a ] in a string, nested brackets");
	ok(lr.lineno == 1 && lr.col == 5, "element 1 at 1:5");
	ok(linereader_next(&lr, &rec, &len, &err) == NS_OK, "element 2");
	is_str(rec, "{\"d\": \"\\\"}\"}", "element 2: an escaped quote");
	ok(lr.lineno == 2 && lr.col == 3, "element 2 at 2:3");
	ok(linereader_next(&lr, &rec, &len, &err) == NS_OK &&
	   strcmp(rec, "7") == 0, "a number");
	ok(linereader_next(&lr, &rec, &len, &err) == NS_OK &&
	   strcmp(rec, "\"s\"") == 0, "a string");
	is_int(linereader_next(&lr, &rec, &len, &err), NS_ENOTFOUND, "end");
	linereader_close(&lr);

	path = write_file("arr2.json", "[1 2]", 5);
	linereader_open(&lr, path, 0, &err);
	linereader_array(&lr, &err);
	linereader_next(&lr, &rec, &len, &err);
	is_int(linereader_next(&lr, &rec, &len, &err), NS_EINPUT,
	       "missing comma");
	ok(err.line == 1 && err.col == 4 && strstr(err.msg, "expected ','"),
	   "missing comma: at 1:4 (%s)", err.msg);
	is_int(linereader_next(&lr, &rec, &len, &err), NS_ENOTFOUND,
	       "the array ends after an error");
	linereader_close(&lr);

	path = write_file("arr3.json", "[{\"a\": 1},", 10);
	linereader_open(&lr, path, 0, &err);
	linereader_array(&lr, &err);
	linereader_next(&lr, &rec, &len, &err);
	is_int(linereader_next(&lr, &rec, &len, &err), NS_EINPUT,
	       "not closed");
	ok(strstr(err.msg, "not closed") != NULL, "not closed: %s", err.msg);
	linereader_close(&lr);

	path = write_file("arr4.json", "{\"a\": 1}", 8);
	linereader_open(&lr, path, 0, &err);
	is_int(linereader_array(&lr, &err), NS_EINPUT, "not an array");
	linereader_close(&lr);
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
	ok(linereader_peek(&lr, 5, &line, &len, &err) == NS_OK && len >= 5 &&
	   memcmp(line, "one\r\n", 5) == 0, "peek: BOM skipped, nothing "
	   "consumed");
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
	linereader_close(&lr);
	ok(lr.in == NULL && lr.buf == NULL,
	   "close clears what it freed, so a second close frees nothing");
	linereader_close(&lr);
	ok(lr.in == NULL && lr.buf == NULL,
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
detect_n(const char *name, const char *data, size_t len, const char *want)
{
	enum import_format f = IMPORT_AUTO;
	struct ns_err err;
	enum ns_rc rc;

	err_clear(&err);
	rc = import_detect(write_file(name, data, len), &f, &err);
	if (want && want[0] == '~')	/* an error containing want + 1 */
		ok(rc == NS_EINPUT && strstr(err.msg, want + 1), "%s: %s",
		   name, err.msg);
	else if (want)
		is_str(rc == NS_OK ? import_format_name(f) : err.msg, want,
		       name);
	else
		ok(rc == NS_EINPUT, "%s: undetectable (%s)", name, err.msg);
}

static void
detect(const char *name, const char *data, const char *want)
{
	detect_n(name, data, strlen(data), want);
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
	{
		struct strbuf sb;

		strbuf_init(&sb);
		for (int i = 0; i < 10; i++)
			strbuf_addf(&sb, "%d\tThe presence of communication "
				    "amid scientific minds was equally "
				    "important to the success of the Manhattan "
				    "Project as scientific intellect was; "
				    "the only cloud was what happened after.\n",
				    i);
		detect("collection.tsv", sb.buf, "id-text");
		strbuf_reset(&sb);
		for (int i = 0; i < 10; i++)
			strbuf_addf(&sb, "%d\twhat is the daily life of a "
				    "manhattan project scientist\n", 1000 + i);
		detect("topics.tsv", sb.buf, "trec-topics");
		strbuf_fini(&sb);
	}
	detect("short.tsv", "0\tsome passage text\n",
	       "~cannot tell whether these records of an id and a text are "
	       "queries or passages (no titles, too few records to judge by "
	       "their lengths); say which with --queries ");
	detect("broken.jsonl", "{\"query\": \"q\", \"pos\": [NaN\n", "bge");
	detect("rankllm.json", "[\n  {\n    \"query\": \"q\",\n    \"hits\": "
	       "[{\"qid\": 1, \"docid\": \"d\", \"score\": 1.5, "
	       "\"content\": \"t\"}]\n  }\n]\n", "rank-llm");
	detect("pool.jsonl", "{\"text\": \"a passage\"}\n", "pool");
	detect("topics.txt", "<top>\n<num> Number: 301\n", "trec-topics");
	detect("bgearr.json", "[{\"query\": \"q\", \"pos\": [\"p\"]}]", "bge");
	detect_n("u16.tsv", "\xff\xfe" "a\0\t\0b\0\n\0", 10,
		 "~the file is UTF-16");
	detect_n("nul.tsv", "a\0\tb\t1\n", 7, "~NUL byte");
	detect_n("x.xz", "\xfd" "7zXZ\0\0", 7, "~compressed with xz");
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
	   store_source(&st, "a", "beir", NULL, &err) == NS_OK, "begin");
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
	   store_source(&st, "b", "beir", NULL, &err) == NS_OK, "second import");
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
	{
		struct linereader lr;

		if (!ok(linereader_open(&lr, path, 0, &err) == NS_OK &&
			imp_pipe_start(&p, &lr, KIND_CORPUS, &err) == NS_OK,
			"pipe started"))
			return;
	}
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
	imp_pipe_stop(p, NULL);
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
	test_instream();
	test_array();
	test_csv();
	test_split_and_numbers();
	test_formats();
	test_detect();
	test_qrels();
	return tap_done();
}
