/*
 * fuzz-import.c - the importers: one input file read into a fresh project
 * with the format $NS_FUZZ_FORMAT (an import.format name; default auto,
 * which also exercises detection).  NS_FUZZ_LIST=1 prints the format
 * names and exits (fuzz/run.sh makes one target per format from it).
 *
 * Each input goes to a file whose name depends on the input's size (BEIR
 * reads corpus, queries and qrels by name), is imported with FTS on, and
 * the project is thrown away: a fresh copy of an empty project's database
 * per input.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"
#include "db/db.h"
#include "src/import.h"

static int fuzz_format = IMPORT_AUTO;
static uint8_t *fuzz_template;		/* an empty project's database */
static size_t fuzz_template_len;
static char *fuzz_proj, *fuzz_db;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *f = getenv("NS_FUZZ_FORMAT");
	struct ns_err err;
	struct db *db = NULL;
	char *tmpl;
	FILE *fp;
	long n;

	(void)argc;
	(void)argv;
	if (getenv("NS_FUZZ_LIST")) {
		for (int i = 0; i < IMPORT_NFORMATS; i++)
			printf("%s\n", import_format_name(i));
		exit(0);
	}
	if (f && (fuzz_format = import_format_parse(f)) < 0) {
		fprintf(stderr, "NS_FUZZ_FORMAT=%s: no such format\n", f);
		exit(2);
	}
	setenv("NEGSIEVE_PROGRESS", "0", 1);
	err_clear(&err);
	tmpl = xasprintf("%s/template", fuzz_dir());
	if (db_open(tmpl, DB_OPEN_CREATE, &db, &err) != NS_OK) {
		fprintf(stderr, "template: %s\n", err.msg);
		abort();
	}
	db_close(db);
	free(tmpl);
	tmpl = xasprintf("%s/template/%s", fuzz_dir(), DB_FILENAME);
	fp = fopen(tmpl, "rb");
	if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0)
		abort();
	rewind(fp);
	fuzz_template = xmalloc((size_t)n);
	fuzz_template_len = fread(fuzz_template, 1, (size_t)n, fp);
	fclose(fp);
	free(tmpl);
	fuzz_proj = xasprintf("%s/p", fuzz_dir());
	fuzz_db = xasprintf("%s/%s", fuzz_proj, DB_FILENAME);
	mkdir(fuzz_proj, 0700);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const beir[] = {
		"corpus.jsonl", "queries.jsonl", "test.tsv"
	};
	static const char *const any[] = {
		"train.jsonl", "queries.jsonl", "corpus.jsonl", "pairs.tsv",
		"triplets.csv", "collection.txt", "run.trec", "qrels.txt",
		"topics.tsv", "retrieve.json", "data.jsonl.gz", "data.zst"
	};
	static const char *const one[] = {
		[IMPORT_BGE] = "train.jsonl", [IMPORT_TEVATRON] = "train.jsonl",
		[IMPORT_ST_CSV] = "rows.csv", [IMPORT_ST_TSV] = "rows.tsv",
		[IMPORT_ST_JSONL] = "rows.jsonl", [IMPORT_TREC_RUN] = "run.txt",
		[IMPORT_TREC_QRELS] = "qrels.txt",
		[IMPORT_ID_TEXT] = "collection.tsv",
		[IMPORT_TREC_TOPICS] = "topics.txt",
		[IMPORT_RANK_LLM] = "retrieve.json",
		[IMPORT_POOL] = "pool.jsonl",
	};
	struct import_opts o;
	struct import_result res;
	struct ns_err err;
	struct db *db = NULL;
	const char *name;
	struct import_input input;
	char *in;
	char buf[NS_ERR_MSG_MAX + 600];

	if (fuzz_format == IMPORT_BEIR)
		name = fuzz_pick(beir, 3, size);
	else if (fuzz_format == IMPORT_AUTO ||
		 (size_t)fuzz_format >= NS_ARRAY_SIZE(one) ||
		 !one[fuzz_format])
		name = fuzz_pick(any, NS_ARRAY_SIZE(any), size);
	else
		name = one[fuzz_format];
	in = xasprintf("%s/%s", fuzz_dir(), name);
	fuzz_write(in, data, size);
	fuzz_write(fuzz_db, fuzz_template, fuzz_template_len);
	err_clear(&err);
	if (db_open(fuzz_proj, DB_OPEN_EXISTING, &db, &err) != NS_OK) {
		fprintf(stderr, "project: %s\n", err.msg);
		abort();
	}
	memset(&o, 0, sizeof(o));
	o.format = (enum import_format)fuzz_format;
	o.fts = true;
	o.max_record = 1 << 20;
	/* the format in the options, as `import --format F FILE` */
	memset(&input, 0, sizeof(input));
	input.path = in;
	input.format = IMPORT_AUTO;
	input.role = IMPORT_ROLE_ANY;
	if (import_run(db, &o, &input, 1, &res, &err) != NS_OK)
		err_format(&err, buf, sizeof(buf));	/* the message too */
	db_close(db);
	unlink(in);
	free(in);
	return 0;
}
