/* t-export.c - the export job called as a library, over the project of
 * tests/export-fixture.sql: what each item becomes (people's labels over
 * judgments over the cascade's verdicts, undone and relabelled decisions,
 * dropped passages and queries), the actions for false negatives, the run
 * chosen, each format's records, the export log, and the error paths
 * (nothing written, nothing recorded). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/cascade.h"
#include "db/db.h"
#include "db/export.h"
#include "src/cascade.h"
#include "src/exportjob.h"
#include "src/jsonw.h"
#include "src/util.h"
#include "tests/tap.h"

static struct db *db;
static char out[700];

static struct db *
fixture(void)
{
	char dir[600], path[700];
	const char *top = getenv("top_srcdir");
	struct ns_err err;
	struct db *d = NULL;
	FILE *fp;
	char *sql;
	long len;

	snprintf(dir, sizeof(dir), "%s/proj", tap_tmpdir());
	if (db_open(dir, DB_OPEN_CREATE, &d, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/tests/export-fixture.sql",
		 top ? top : ".");
	if (!(fp = fopen(path, "r"))) {
		diag("cannot read %s", path);
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	sql = xmalloc((size_t)len + 1);
	sql[fread(sql, 1, (size_t)len, fp)] = '\0';
	fclose(fp);
	if (db_exec(d, sql, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	free(sql);
	return d;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf sb;
	char buf[4096];
	size_t n;

	if (!fp)
		return NULL;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(fp);
	return strbuf_detach(&sb, NULL);
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int64_t
exports(void)
{
	return db_scalar(db, "SELECT count(*) FROM export");
}

/* Run export @s into out (a fresh name per @tag); the records as JSON
 * lines into *@lines (NULL for non-JSON formats). */
static enum ns_rc
run(struct exportjob_settings *s, const char *tag,
    struct exportjob_counts *c, json_t **lines, struct ns_err *err)
{
	char *txt;
	enum ns_rc rc;

	snprintf(out, sizeof(out), "%s/%s", tap_tmpdir(), tag);
	s->output = out;
	err_clear(err);
	rc = exportjob_run(db, s, c, err);
	if (rc != NS_OK)
		diag("%s: %s", tag, err->msg);
	if (!lines)
		return rc;
	*lines = json_array();
	if (rc != NS_OK || !(txt = slurp(out)))
		return rc;
	for (char *l = strtok(txt, "\n"); l; l = strtok(NULL, "\n")) {
		json_t *o = json_loads(l, 0, NULL);

		if (!o)
			diag("not JSON: %s", l);
		json_array_append_new(*lines, o ? o : json_null());
	}
	free(txt);
	return rc;
}

/* The strings of list @key of record @i, joined with "|"; "" if none. */
static const char *
list(json_t *lines, size_t i, const char *key)
{
	static char buf[2048];
	json_t *a = json_object_get(json_array_get(lines, i), key), *v;
	size_t k, o = 0;

	buf[0] = '\0';
	json_array_foreach(a, k, v) {
		if (json_is_string(v))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
					      k ? "|" : "",
					      json_string_value(v));
		else if (json_is_object(v))	/* tevatron: docid */
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
				k ? "|" : "",
				json_is_string(json_object_get(v, "docid"))
				? json_string_value(json_object_get(v,
								    "docid"))
				: "null");
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "%s%g", k ? "|" : "",
					      json_number_value(v));
		if (o >= sizeof(buf))
			break;
	}
	return buf;
}

static const char *
field(json_t *lines, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(lines, i), key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
test_default(void)
{
	struct exportjob_settings s;
	struct exportjob_counts c;
	struct ns_err err;
	json_t *l;

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	if (!ok(run(&s, "default.jsonl", &c, &l, &err) == NS_OK,
		"bge export runs")) {
		json_decref(l);
		return;
	}
	is_int((long long)json_array_size(l), 4, "4 queries written");
	is_str(field(l, 0, "query"), "alpha query", "q1 first");
	is_str(list(l, 0, "pos"), "p1 the alpha positive|n2 alpha, \"quoted\", "
	       "relabelled|n1 alpha from run one",
	       "q1: the judged positive, then the false negatives (a "
	       "relabelled decision; the cascade's, from another run)");
	is_str(list(l, 0, "neg"), "n3 alpha negative",
	       "q1: a person's tn beats the cascade's fn; a dropped passage, "
	       "an undone label's item outside the run and a filtered one "
	       "are not there");
	is_str(field(l, 0, "prompt"), "Represent this: ", "prompt kept");
	is_str(field(l, 0, "type"), "normal", "type kept");
	ok(!json_object_get(json_array_get(l, 0), "pos_scores"),
	   "q1: no scores (n1 has none under run 2)");
	is_str(list(l, 1, "pos"), "Beta p2 the beta positive|n7 beta flagged "
	       "by the cascade", "q2: title joined; the cascade's fn "
	       "relabelled");
	is_str(list(l, 1, "neg"), "n8 beta \"kept\",\ttab\nline two|n9 beta "
	       "for review|n10 beta undecided|n11 beta judged non-relevant",
	       "q2: tn, review, no verdict, judged 0 over the cascade's fn; "
	       "best first");
	is_str(list(l, 1, "pos_scores"), "0.95|0.9", "q2: positive scores "
	       "under run 2 (run_positive, candidate)");
	is_str(list(l, 1, "neg_scores"), "0.8|0.7|0.6|0.5", "q2: negative "
	       "scores");
	ok(!json_object_get(json_array_get(l, 1), "prompt"),
	   "q2: no prompt key when there is none");
	is_str(field(l, 2, "query"), "delta query", "q3 (dropped) is not "
	       "there");
	is_str(list(l, 2, "pos_scores"), "0.7", "q4: newest run is the "
	       "import: the teacher score");
	is_str(list(l, 3, "pos"), "الطقس في القاهرة حار", "q5: a query with "
	       "no judged positive gets one by relabelling");
	is_int(c.queries, 6, "counts: queries");
	is_int(c.written, 4, "counts: written");
	is_int(c.rows, 4, "counts: rows");
	is_int(c.q_people, 1, "counts: dropped by people");
	is_int(c.q_no_text, 1, "counts: a query without text");
	is_int(c.fn_human, 2, "counts: false negatives by people");
	is_int(c.fn_auto, 2, "counts: false negatives by the cascade");
	is_int(c.positives, 3, "counts: judged positives");
	is_int(c.relabelled, 4, "counts: relabelled");
	is_int(c.negatives, 8, "counts: negatives");
	is_int(c.undecided_kept, 5, "counts: undecided negatives");
	is_int(c.near_dup_kept, 1, "counts: near-duplicate negatives");
	is_int(c.drop_passage, 1, "counts: dropped passages");
	is_int(c.fit, 2, "the cascade version is the latest fit");
	is_int(c.id, 1, "export 1");
	json_decref(l);
}

static void
test_actions(void)
{
	struct exportjob_settings s;
	struct exportjob_counts c;
	struct ns_err err;
	json_t *l;

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.action = EXPORTJOB_DROP_NEGATIVE;
	run(&s, "dropneg.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 3, "drop-negative: q5 has no "
	       "positive left");
	is_str(list(l, 0, "pos"), "p1 the alpha positive",
	       "drop-negative: false negatives are not positives");
	is_str(list(l, 0, "neg"), "n3 alpha negative",
	       "drop-negative: ... nor negatives");
	/* q5's false negative is dropped too, though q5 is then left
	 * out without a positive: every one the rule removed counts */
	is_int(c.drop_fn, 3, "drop-negative: three candidates dropped, "
	       "q5's too");
	is_int(c.drop_left_out, 1, "... one of them in a query left out");
	is_int(c.q_no_positive, 1, "drop-negative: one query without a "
	       "positive");
	is_int(c.relabelled, 0, "drop-negative: nothing relabelled");
	json_decref(l);

	s.action = EXPORTJOB_DROP_QUERY;
	run(&s, "dropq.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 1, "drop-query: one query left");
	is_str(field(l, 0, "query"), "delta query", "drop-query: the one "
	       "without false negatives");
	is_int(c.q_action, 3, "drop-query: three queries dropped");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.max_flagged = 1;
	run(&s, "maxflag.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 3, "max-flagged 1: q1 (2 "
	       "false negatives) left out");
	is_str(field(l, 0, "query"), "beta query", "max-flagged 1: q2 kept");
	is_int(c.q_max_flagged, 1, "max-flagged: counted");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.undecided = EXPORTJOB_DROP;
	run(&s, "undecided.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 2, "undecided drop: q4, q5 "
	       "have no decided negative");
	is_str(list(l, 1, "neg"), "n8 beta \"kept\",\ttab\nline two|n11 "
	       "beta judged non-relevant", "undecided drop: the cascade's "
	       "tn and the judged one stay");
	/* q4 and q5 lose their negatives to the rule and are left out
	 * with too few: the rule removed theirs too */
	is_int(c.drop_undecided, 5, "undecided drop: counted, in q4 and q5 "
	       "too");
	is_int(c.drop_left_out, 3, "... three of them in the queries left "
	       "out");
	is_int(c.q_few_negatives, 2, "undecided drop: two queries without "
	       "negatives");
	json_decref(l);

	s.min_negatives = 0;
	run(&s, "minneg0.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 4, "min-negatives 0: queries "
	       "without negatives are written");
	is_str(list(l, 2, "neg"), "", "... with an empty list");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.negatives = 1;
	run(&s, "neg1.jsonl", &c, &l, &err);
	is_str(list(l, 1, "neg"), "n8 beta \"kept\",\ttab\nline two",
	       "negatives 1: the best one");
	is_int(c.drop_cut, 4, "negatives 1: the rest counted");
	json_decref(l);
}

static void
test_runs(void)
{
	struct exportjob_settings s;
	struct exportjob_counts c;
	struct ns_err err;
	json_t *l;

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.run = 1;
	run(&s, "run1.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 2, "run 1: q1 and q4 have its "
	       "candidates");
	is_str(list(l, 0, "pos"), "p1 the alpha positive|n1 alpha from run "
	       "one|n2 alpha, \"quoted\", relabelled", "run 1: q1's false "
	       "negatives in run 1's order");
	is_str(list(l, 0, "neg"), "n3 alpha negative|n4 alpha undone",
	       "run 1: an undone label leaves a negative");
	is_str(list(l, 0, "pos_scores"), "0.9|0.8|0.7", "run 1: the teacher "
	       "score, then the candidates' scores");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.all_runs = true;
	run(&s, "allruns.jsonl", &c, &l, &err);
	is_str(list(l, 0, "neg"), "n3 alpha negative|n4 alpha undone",
	       "all runs: the union, the dropped passage left out");
	is_str(list(l, 0, "pos"), "p1 the alpha positive|n2 alpha, "
	       "\"quoted\", relabelled|n1 alpha from run one",
	       "all runs: scored by the newest run first");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	s.run = 99;
	is_int(run(&s, "run99.jsonl", &c, NULL, &err), NS_ENOTFOUND,
	       "run 99: not found");
	is_str(err.msg, "no run with id 99", "run 99: message");
	ok(!exists(out), "run 99: no file");
}

static void
test_formats(void)
{
	struct exportjob_settings s;
	struct exportjob_counts c;
	struct ns_err err;
	json_t *l;
	char *txt;

	exportjob_defaults(&s, EXPORTFMT_TEVATRON, NULL);
	run(&s, "tev.jsonl", &c, &l, &err);
	is_str(field(l, 0, "query_id"), "q1", "tevatron: query id");
	is_str(list(l, 0, "positive_passages"), "p1|n2|n1", "tevatron: "
	       "positive docids");
	is_str(list(l, 3, "negative_passages"), "null", "tevatron: a passage "
	       "without an id has docid null");
	is_str(json_string_value(json_object_get(json_array_get(
	       json_object_get(json_array_get(l, 1), "positive_passages"), 0),
	       "title")), "Beta", "tevatron: the title apart");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_TRIPLET, NULL);
	run(&s, "triplet.jsonl", &c, &l, &err);
	is_int(c.rows, 14, "triplet: a record per positive and negative");
	is_int((long long)json_array_size(l), 14, "triplet: 14 lines");
	is_str(field(l, 1, "positive"), "n2 alpha, \"quoted\", relabelled",
	       "triplet: relabelled positive");
	is_str(field(l, 1, "negative"), "n3 alpha negative",
	       "triplet: its negative");
	json_decref(l);

	run(&s, "triplet.csv", &c, NULL, &err);
	txt = slurp(out);
	ok(txt && !strncmp(txt, "anchor,positive,negative\nalpha query,p1 "
			   "the alpha positive,n3 alpha negative\nalpha "
			   "query,\"n2 alpha, \"\"quoted\"\", relabelled\",n3 "
			   "alpha negative\n", 139),
	   "triplet CSV: header, Python csv quoting");
	free(txt);

	exportjob_defaults(&s, EXPORTFMT_PAIR, NULL);
	s.file_type = EXPORTFMT_TSV;
	run(&s, "pair.txt", &c, NULL, &err);
	txt = slurp(out);
	ok(txt && strstr(txt, "\nbeta query\t\"n8 beta \"\"kept\"\",\ttab\n"
			 "line two\"\t0\n"), "labeled-pair TSV: tab and line "
	   "break quoted, label 0");
	ok(txt && !strncmp(txt, "anchor\tpositive\tlabel\nalpha query\tp1 the "
			   "alpha positive\t1\n", 54), "labeled-pair TSV: "
	   "header, a positive labelled 1");
	is_int(c.rows, 15, "labeled-pair: one record per passage");
	free(txt);

	exportjob_defaults(&s, EXPORTFMT_NTUPLE, NULL);
	s.negatives = 2;
	run(&s, "ntuple.jsonl", &c, &l, &err);
	is_int((long long)json_array_size(l), 3, "n-tuple 2: q2 (two "
	       "positives) and q4");
	is_str(field(l, 0, "negative_2"), "n9 beta for review",
	       "n-tuple: negative_2");
	is_int(c.q_few_negatives, 2, "n-tuple: queries with fewer "
	       "negatives left out");
	json_decref(l);

	exportjob_defaults(&s, EXPORTFMT_BEIR_QRELS, NULL);
	run(&s, "fn.tsv", &c, NULL, &err);
	txt = slurp(out);
	is_str(txt, "query-id\tcorpus-id\tscore\nq1\tn2\t1\nq1\tn1\t1\n"
	       "q2\tn7\t1\nq5\tn14\t1\n", "beir-qrels: the false negatives");
	free(txt);
	exportjob_defaults(&s, EXPORTFMT_TREC_QRELS, NULL);
	s.fn_grade = 2;
	run(&s, "fn.qrels", &c, NULL, &err);
	txt = slurp(out);
	is_str(txt, "q1 0 n2 2\nq1 0 n1 2\nq2 0 n7 2\nq5 0 n14 2\n",
	       "trec-qrels with --fn-grade 2");
	free(txt);
}

static void
test_gzip(void)
{
	struct exportjob_settings s;
	struct exportjob_counts c;
	struct ns_err err;
	char plain[700], buf[8192];
	char *want;
	gzFile gz;
	int n;

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	run(&s, "plain.jsonl", &c, NULL, &err);
	snprintf(plain, sizeof(plain), "%s", out);
	run(&s, "packed.jsonl.gz", &c, NULL, &err);
	want = slurp(plain);
	gz = gzopen(out, "rb");
	n = gz ? gzread(gz, buf, sizeof(buf) - 1) : -1;
	if (gz)
		gzclose(gz);
	buf[n > 0 ? n : 0] = '\0';
	ok(n > 0 && want && strcmp(buf, want) == 0, ".gz: the same records, "
	   "gzip-compressed");
	free(want);
}

static void
test_log(void)
{
	struct export_record *v = NULL;
	struct ns_err err;
	size_t n = 0;

	err_clear(&err);
	ok(export_records(db, &v, &n, &err) == NS_OK, "export log read");
	is_int((long long)n, exports(), "one record per export written");
	if (n) {
		is_str(v[0].format, "bge", "log: format");
		ok(strstr(v[0].params, "\"action\":\"relabel\"") &&
		   strstr(v[0].params, "\"run\":\"newest\""), "log: params");
		is_int(v[0].fit_id, 2, "log: cascade version");
		is_int(v[0].decisions_upto, 9, "log: last decision seen");
		is_int(v[0].relabelled, 4, "log: relabelled");
		is_int(v[0].queries, 4, "log: queries written");
		ok(strstr(v[0].counts, "\"fn_by_cascade\":2") != NULL,
		   "log: every count as JSON");
	}
	export_records_free(v, n);
}

static void
test_errors(void)
{
	struct exportjob_settings s;
	struct exportjob_counts c;
	struct ns_err err;
	int64_t before = exports();
	char *txt;
	FILE *fp;

	exportjob_defaults(&s, EXPORTFMT_BGE, "x");
	s.file_type = EXPORTFMT_CSV;
	is_int(exportjob_check(&s, &err), NS_EUSAGE, "bge as CSV refused");
	is_str(err.msg, "--file-type csv: bge is written as JSONL only",
	       "... with its reason");
	exportjob_defaults(&s, EXPORTFMT_NTUPLE, "x");
	exportjob_check(&s, &err);
	is_str(err.msg, "n-tuple needs --negatives N (export.negatives), its "
	       "number of negative columns", "n-tuple without --negatives refused");
	exportjob_defaults(&s, EXPORTFMT_BEIR_QRELS, "x");
	s.fn_grade = 0;
	exportjob_check(&s, &err);
	is_str(err.msg, "--fn-grade 0: the grade of a false negative must be "
	       "at least 1", "--fn-grade 0 refused");
	exportjob_defaults(&s, EXPORTFMT_BGE, "x");
	s.run = 1;
	s.all_runs = true;
	exportjob_check(&s, &err);
	is_str(err.msg, "--run and --all-runs exclude each other",
	       "--run with --all-runs refused");
	exportjob_defaults(&s, EXPORTFMT_BEIR_QRELS, "x");
	s.file_type = EXPORTFMT_JSONL;
	exportjob_check(&s, &err);
	is_str(err.msg, "--file-type jsonl: beir-qrels is written as a qrels "
	       "file only", "qrels with a file type refused");

	exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
	is_int(run(&s, "no/such/dir.jsonl", &c, NULL, &err), NS_EIO,
	       "a missing directory: I/O error");
	ok(strstr(err.msg, "cannot create: No such file or directory") &&
	   strstr(err.file, "no/such/dir.jsonl"), "... naming the file");

	/* an id TREC cannot hold: the file already there is left alone */
	snprintf(out, sizeof(out), "%s/keep.qrels", tap_tmpdir());
	fp = fopen(out, "w");
	fputs("old\n", fp);
	fclose(fp);
	db_exec(db, "INSERT INTO query(id, xid, text, source_id) VALUES "
		"(7, 'q 7', 'a query with a blank in its id', 1);"
		"INSERT INTO candidate(run_id, query_id, passage_id, rank, score)"
		" VALUES (2, 7, 20, 1, 0.5), (2, 7, 25, 2, 0.4);"
		"INSERT INTO decision(id, query_id, passage_id, annotator_id, "
		"action, at) VALUES (10, 7, 20, 1, 'fn', '2026-01-06'),"
		" (11, 7, 25, 1, 'fn', '2026-01-06')", &err);
	exportjob_defaults(&s, EXPORTFMT_TREC_QRELS, NULL);
	is_int(run(&s, "keep.qrels", &c, NULL, &err), NS_EINPUT,
	       "a blank in a TREC id: bad input");
	is_str(err.msg, "query id 'q 7' cannot be written in TREC qrels (no "
	       "blanks)", "... naming the id");
	txt = slurp(out);
	is_str(txt, "old\n", "the file there is untouched");
	free(txt);
	is_int(exports(), before, "failed exports are not recorded");
	{
		char tmp[800];
		int leftovers = 0;

		snprintf(tmp, sizeof(tmp), "ls %s | grep -c tmp- >/dev/null",
			 tap_tmpdir());
		leftovers = system(tmp) == 0;
		ok(!leftovers, "no temporary file left behind");
	}

	/* BEIR holds the blank; a passage without an id is counted */
	exportjob_defaults(&s, EXPORTFMT_BEIR_QRELS, NULL);
	is_int(run(&s, "blank.tsv", &c, NULL, &err), NS_OK,
	       "BEIR qrels hold a blank in an id");
	txt = slurp(out);
	ok(txt && strstr(txt, "q 7\tn10\t1\n"), "... written");
	is_int(c.qrels_no_id, 1, "a passage without an id is left out and "
	       "counted");
	free(txt);
}

/* jsonw writes what jansson reads back as the same string and number */
static void
test_jsonw(void)
{
	static const char *const strs[] = {
		"plain", "quote \" and backslash \\", "tab\tnew\nline\rcr",
		"\x01\x1f control", "\u00e9t\u00e9 \u6771\u4eac \U0001F600",
		"\u2028 line separator", "/slash/", "",
	};
	static const double reals[] = { 0.95, 1, -0.5, 1e-05, 0.1 + 0.2,
					 123456789.125, 0.8123456239700317,
					 -1e300 };
	struct strbuf sb;
	bool all = true;

	strbuf_init(&sb);
	for (size_t i = 0; i < NS_ARRAY_SIZE(strs); i++) {
		json_t *v;

		strbuf_reset(&sb);
		jsonw_str(&sb, strs[i], strlen(strs[i]));
		v = json_loadb(sb.buf, sb.len, JSON_DECODE_ANY, NULL);
		if (!v || !json_is_string(v) ||
		    strcmp(json_string_value(v), strs[i])) {
			diag("string %zu: %s", i, sb.buf);
			all = false;
		}
		json_decref(v);
	}
	ok(all, "jsonw: strings read back the same");
	strbuf_reset(&sb);
	jsonw_str(&sb, "a\x01", 2);
	is_str(sb.buf, "\"a\\u0001\"", "jsonw: a control character as \\u");
	strbuf_reset(&sb);
	ok(!jsonw_str(&sb, "bad \xff", 5) && sb.len == 0,
	   "jsonw: invalid UTF-8 refused, nothing written");
	all = true;
	for (size_t i = 0; i < NS_ARRAY_SIZE(reals); i++) {
		json_t *v;

		strbuf_reset(&sb);
		jsonw_real(&sb, reals[i]);
		v = json_loadb(sb.buf, sb.len, JSON_DECODE_ANY, NULL);
		if (!v || !json_is_real(v) || json_real_value(v) != reals[i]) {
			diag("real %zu: %s", i, sb.buf);
			all = false;
		}
		json_decref(v);
	}
	ok(all, "jsonw: reals read back as the same doubles (and as reals)");
	strbuf_reset(&sb);
	jsonw_real(&sb, 0.95);
	jsonw_real(&sb, 1);
	strbuf_addch(&sb, ' ');
	jsonw_real(&sb, 0.1 + 0.2);
	is_str(sb.buf, "0.951.0 0.30000000000000004",
	       "jsonw: the fewest digits that read back");
	strbuf_fini(&sb);
}

/* The label of one query's items is looked up by item, whoever made how
 * many decisions: no plan of item_label walks an annotator's decisions. */
static void
test_label_plan(void)
{
	sqlite3_stmt *st;
	bool walks = false, prepared;

	prepared = sqlite3_prepare_v2(db_handle(db), "EXPLAIN QUERY PLAN "
				      "SELECT passage_id, label FROM item_label"
				      " WHERE query_id = ?1", -1, &st, NULL)
		   == SQLITE_OK;
	while (prepared && sqlite3_step(st) == SQLITE_ROW)
		walks |= strstr((const char *)sqlite3_column_text(st, 3),
				"decision_annotator") != NULL;
	sqlite3_finalize(st);
	ok(prepared && !walks, "item_label of a query: no walk over an "
	   "annotator's decisions");
}

/* The row of @sql's query plan (EXPLAIN QUERY PLAN, in the order SQLite
 * codes the loops and subqueries) where @what first appears at or after
 * row @from; -1 when it does not. */
static int
plan_find(const char *sql, const char *what, int from)
{
	char *eqp = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;
	int row = 0, at = -1;

	if (sqlite3_prepare_v2(db_handle(db), eqp, -1, &st, NULL) == SQLITE_OK) {
		while (at < 0 && sqlite3_step(st) == SQLITE_ROW) {
			if (row >= from && strstr((const char *)
						  sqlite3_column_text(st, 3),
						  what))
				at = row;
			row++;
		}
	}
	sqlite3_finalize(st);
	free(eqp);
	return at;
}

/* What loading one query reads does not grow with the project (migration
 * 14): its labels look for a drop of each passage before they look up
 * the item's first run in candidate_passage (an index ordered by
 * passage, one read per candidate at 1M candidates), and the cascade's
 * raw answers of an item are looked up, not scanned. */
static void
test_query_plans(void)
{
	static const char labels[] =
		"SELECT passage_id, label FROM item_label WHERE query_id = ?1";
	int k = plan_find(labels, "SEARCH k ", 0);
	int drop = k < 0 ? -1 : plan_find(labels, "decision_passage_drop", k);
	int first = k < 0 ? -1 : plan_find(labels, "candidate_passage", k);

	ok(k >= 0 && drop > k && (first < 0 || first > drop), "item_label "
	   "of a query: an item's first run is looked up only after a drop "
	   "of its passage is found (plan rows %d, %d, %d)", k, drop, first);
	ok(plan_find("SELECT raw FROM stage_score WHERE query_id = ?1"
		     " AND passage_id = ?2", "stage_score_item", 0) >= 0,
	   "stage_score of an item: looked up by stage_score_item");
}

/* What exportjob_plan() gives: "query:passage:fate" of each candidate,
 * and the negatives. */
struct plan_log {
	struct strbuf sb;
	int64_t neg;
};

static void
plan_add(void *ctx, int64_t qid, int64_t pid, int fate)
{
	struct plan_log *l = ctx;

	strbuf_addf(&l->sb, "%lld:%lld:%d ", (long long)qid, (long long)pid,
		    fate);
	l->neg += fate == EXPORTJOB_FATE_NEGATIVE;
}

/*
 * stats' plan of the export reads the whole project in scans (item_label
 * and the pending fns once, whether a passage has a text from a bitmap)
 * or takes the candidates and labels read for the cascade's items: the
 * same fates either way, and the negatives export writes.
 */
static void
test_plan(void)
{
	static const char *const what[] = {
		"default", "undecided drop", "drop-negative", "negatives 1",
		"all runs", "run 1",
	};
	struct cascade c;
	struct ns_err err;

	if (!ok(cascade_from_config(&c, NULL, &err) == NS_OK, "cascade"))
		return;
	for (size_t k = 0; k < sizeof(what) / sizeof(what[0]); k++) {
		struct exportjob_settings s;
		struct exportjob_counts cnt;
		struct plan_log a = { 0 }, b = { 0 };
		struct export_rows rows;
		struct cascade_item *items = NULL;
		size_t n = 0;
		char tag[64], name[128];
		enum ns_rc rc;

		exportjob_defaults(&s, EXPORTFMT_BGE, NULL);
		s.undecided = k == 1 ? EXPORTJOB_DROP : s.undecided;
		s.action = k == 2 ? EXPORTJOB_DROP_NEGATIVE : s.action;
		s.negatives = k == 3 ? 1 : s.negatives;
		s.all_runs = k == 4;
		s.run = k == 5 ? 1 : 0;
		strbuf_init(&a.sb);
		strbuf_init(&b.sb);
		strbuf_addstr(&a.sb, "");
		strbuf_addstr(&b.sb, "");
		snprintf(tag, sizeof(tag), "plan%zu.jsonl", k);
		rc = run(&s, tag, &cnt, NULL, &err);
		if (rc == NS_OK)
			rc = exportjob_plan(db, &s, NULL, plan_add, &a, &err);
		if (rc == NS_OK && (rc = db_read_begin(db, &err)) == NS_OK) {
			rc = cascade_db_items_rows(db, &c, &items, &n, &rows,
						   &err);
			if (rc == NS_OK) {
				rc = exportjob_plan(db, &s, &rows, plan_add,
						    &b, &err);
				export_rows_free(&rows);
			}
			db_read_end(db);
		}
		free(items);
		if (!ok(rc == NS_OK, "plan, %s: runs", what[k]))
			diag("%s", err.msg);
		ok(a.sb.len > 0, "plan, %s: candidates given", what[k]);
		snprintf(name, sizeof(name), "plan, %s: the negatives export "
			 "writes (%lld)", what[k], (long long)cnt.negatives);
		is_int(a.neg, cnt.negatives, name);
		snprintf(name, sizeof(name), "plan, %s: the same with the "
			 "items' rows handed over", what[k]);
		is_str(b.sb.buf, a.sb.buf, name);
		strbuf_fini(&a.sb);
		strbuf_fini(&b.sb);
	}
	cascade_fini(&c);
}

int
main(void)
{
	test_jsonw();
	db = fixture();
	test_label_plan();
	test_query_plans();
	test_default();
	test_actions();
	test_runs();
	test_formats();
	test_gzip();
	test_log();
	test_errors();
	test_plan();
	db_close(db);
	return tap_done();
}
