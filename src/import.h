/*
 * import.h - reading training data into a project.
 *
 * Formats (negsieve(1), "import"): a BEIR directory (or one of its files),
 * BGE JSONL, Tevatron/RLHN JSONL, sentence-transformers rows (CSV, TSV,
 * JSONL), TREC runs, qrels and topics, id<TAB>text files, rank_llm /
 * pyserini retrieval JSON and FlagEmbedding candidate pools; JSON lines or
 * one JSON array; plain, gzip or zstd; from files, pipes or standard
 * input.  Every input is read once, as a stream; all inputs of one call
 * are one transaction, so a bad record leaves the project as it was,
 * unless bad records go to a --skip-bad file.
 */
#ifndef NS_IMPORT_H
#define NS_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "src/err.h"

/* X(enum name, format name) - names as in the import.format config key. */
#define IMPORT_FORMAT_LIST(X) \
	X(IMPORT_AUTO,       "auto") \
	X(IMPORT_BEIR,       "beir") \
	X(IMPORT_BGE,        "bge") \
	X(IMPORT_TEVATRON,   "tevatron") \
	X(IMPORT_ST_CSV,     "st-csv") \
	X(IMPORT_ST_TSV,     "st-tsv") \
	X(IMPORT_ST_JSONL,   "st-jsonl") \
	X(IMPORT_TREC_RUN,   "trec-run") \
	X(IMPORT_TREC_QRELS, "trec-qrels") \
	X(IMPORT_ID_TEXT,    "id-text") \
	X(IMPORT_TREC_TOPICS, "trec-topics") \
	X(IMPORT_RANK_LLM,   "rank-llm") \
	X(IMPORT_POOL,       "pool")

enum import_format {
#define IMPORT_FMT_ENUM(e, name) e,
	IMPORT_FORMAT_LIST(IMPORT_FMT_ENUM)
#undef IMPORT_FMT_ENUM
	IMPORT_NFORMATS
};

/* The name of @f ("bge"). */
const char *import_format_name(enum import_format f);

/* The format called @name, or -1 when there is none. */
int import_format_parse(const char *name);

/* What an input holds, when the user says so (--queries FILE, ...). */
enum import_role {
	IMPORT_ROLE_ANY,	/* decided from the content */
	IMPORT_ROLE_QUERIES,	/* BEIR queries, TREC topics, id<TAB>text */
	IMPORT_ROLE_CORPUS,	/* BEIR corpus, id<TAB>text, candidate pool */
	IMPORT_ROLE_QRELS,	/* BEIR or TREC qrels */
	IMPORT_ROLE_RUN,	/* TREC run, rank_llm JSON */
};

/*
 * Detect the format of @path (a directory, a file, "-" for standard
 * input) from its content (and the BEIR names).  Reads the start of a
 * file only.  On failure @err names the file and says why (NS_EINPUT when
 * undetectable, NS_ENOTFOUND / NS_EIO when unreadable).
 */
enum ns_rc import_detect(const char *path, enum import_format *out,
			 struct ns_err *err);

/* One input of an import. */
struct import_input {
	const char *path;		/* file, BEIR directory, "-" = stdin */
	enum import_format format;	/* IMPORT_AUTO: import_opts.format */
	enum import_role role;
};

struct import_opts {
	enum import_format format;	/* IMPORT_AUTO: detect per input */
	const char *skip_bad;		/* write bad records here, or NULL */
	bool fts;			/* update the FTS indexes */
	bool again;			/* import inputs imported before */
	long positive_grade;		/* qrels grade from which on a judgment
					 * is a positive (1 = grade > 0) */
	size_t max_record;		/* longest record in bytes */
	FILE *report;			/* one summary line per input, or NULL */
	FILE *warn;			/* warnings, or NULL */
};

struct import_result {
	int64_t records;	/* records read, all inputs */
	int64_t skipped;	/* records written to the skip file */
	bool bad_record;	/* on failure: it stopped at a bad record,
				 * which --skip-bad would skip (not at a
				 * file it cannot read as a whole) */
	int64_t passages;	/* new passages (distinct texts) */
	int64_t passage_ids;	/* new external passage ids */
	int64_t queries;	/* new queries */
	int64_t qrels;		/* new judgments */
	int64_t qrels_dup;	/* repeated judgments merged */
	int64_t candidates;	/* new candidates */
	int64_t candidates_dup;	/* repeated candidates ignored */
	int64_t filled_passages; /* id-only passages given their text */
	int64_t filled_queries;	/* id-only queries given their text */
	int64_t inputs_skipped;	/* inputs imported before (not --again) */
	double seconds;		/* reading and storing, without FTS */
	double fts_seconds;	/* FTS indexing */
	bool fts_rebuilt;	/* the FTS indexes were stale and were built
				 * again over every row */
};

/*
 * Import the @n inputs @in into @db as one transaction, in this order:
 * the IMPORT_ROLE_CORPUS ones, the IMPORT_ROLE_QUERIES ones, the others
 * as given, the IMPORT_ROLE_QRELS ones, the IMPORT_ROLE_RUN ones.  An
 * input whose content was imported before is skipped with a line on
 * o->report, unless o->again.  On success everything is committed and
 * @res filled; on failure nothing is (the project is unchanged) and @err
 * says what was wrong and where.
 */
enum ns_rc import_run(struct db *db, const struct import_opts *o,
		      const struct import_input *in, int n,
		      struct import_result *res, struct ns_err *err);

/*
 * "filled in the text of 2 passages and 1 query known by id only" into
 * @buf (@size bytes), or "" when both counts are 0: the ids given their
 * text, which the counts of new passages and queries leave out.
 * Returns @buf.
 */
const char *import_filled_text(char *buf, size_t size, int64_t passages,
			       int64_t queries);

/*
 * A judgment read by import_qrels(): the query's and the passage's
 * external ids (valid during the call) and the grade.  Returns NS_OK to
 * go on; any other code (with @err set) stops the read.
 */
typedef enum ns_rc import_judgment_fn(void *ctx, const char *qxid,
				      const char *pxid, long grade,
				      struct ns_err *err);

/*
 * Read the qrels file @path without a project: TREC qrels ("query
 * iteration docid grade") or a BEIR qrels TSV ("query-id corpus-id
 * score", header optional), detected and parsed as import reads them,
 * with the same messages for bad lines.  Every judgment goes to
 * @fn(@ctx, ...), in file order (a repeated one again: the caller
 * merges).  NS_EINPUT naming the file when it holds another format.
 */
enum ns_rc import_qrels(const char *path, import_judgment_fn *fn, void *ctx,
			struct ns_err *err);

#endif
