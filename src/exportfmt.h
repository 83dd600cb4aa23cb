/*
 * exportfmt.h - the output formats of `negsieve export`: one call per
 * query writes its records, already decided (which positives, which
 * negatives) by src/exportjob.c.
 *
 *   bge           {"query", "pos", "neg", "pos_scores", "neg_scores",
 *                  "prompt", "type"} per line (FlagEmbedding)
 *   tevatron      {"query_id", "query", "positive_passages",
 *                  "negative_passages"} of {"docid", "title", "text"}
 *   triplet       anchor, positive, negative: one record per positive
 *                 and negative (sentence-transformers)
 *   n-tuple       anchor, positive, negative_1 .. negative_N: one record
 *                 per positive
 *   labeled-pair  anchor, positive, label: 1 for each positive, 0 for
 *                 each negative
 *   beir-qrels    query-id<TAB>corpus-id<TAB>score, with that header
 *   trec-qrels    qid 0 docid grade
 *
 * The sentence-transformers formats are JSONL objects, or CSV / TSV with
 * a header row and Python's csv quoting (QUOTE_MINIMAL, doubled quotes,
 * "\n" line ends), which csv.reader and pandas.read_csv read back exactly
 * (pandas: with dtype=str and keep_default_na=False).
 */
#ifndef NS_EXPORTFMT_H
#define NS_EXPORTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/export.h"
#include "src/err.h"
#include "src/outstream.h"

/* X(enum, name) - in the order of the export.format key's choices. */
#define EXPORTFMT_LIST(X) \
	X(EXPORTFMT_BGE,        "bge") \
	X(EXPORTFMT_TEVATRON,   "tevatron") \
	X(EXPORTFMT_TRIPLET,    "triplet") \
	X(EXPORTFMT_NTUPLE,     "n-tuple") \
	X(EXPORTFMT_PAIR,       "labeled-pair") \
	X(EXPORTFMT_BEIR_QRELS, "beir-qrels") \
	X(EXPORTFMT_TREC_QRELS, "trec-qrels")

enum exportfmt_format {
#define EXPORTFMT_ENUM(e, name) e,
	EXPORTFMT_LIST(EXPORTFMT_ENUM)
#undef EXPORTFMT_ENUM
	EXPORTFMT_COUNT
};

/* How sentence-transformers rows are written; in the order of the
 * export.file_type key's choices. */
enum exportfmt_file_type {
	EXPORTFMT_AUTO,		/* from the output's name, else JSONL */
	EXPORTFMT_JSONL,
	EXPORTFMT_CSV,
	EXPORTFMT_TSV,
};

/* The name of format @f ("bge"); "?" when out of range. */
const char *exportfmt_name(int f);

/* The name of file type @t ("jsonl"). */
const char *exportfmt_file_type_name(int t);

/* Is @f a qrels format (ids and grades of the false negatives)? */
bool exportfmt_is_qrels(int f);

/* Is @f a sentence-transformers format (JSONL, CSV or TSV)? */
bool exportfmt_is_st(int f);

/* The file type EXPORTFMT_AUTO stands for with output @path: CSV for a
 * name ending in .csv (or .csv.gz, .csv.zst), TSV for .tsv (.tsv.gz,
 * .tsv.zst), in any case, else JSONL. */
int exportfmt_file_type_for(const char *path);

/* The file type @path's suffix names (.csv, .tsv, or .jsonl, .json,
 * .ndjson; after a compression's suffix), or -1 when it names none. */
int exportfmt_file_type_named(const char *path);

struct exportfmt;

/*
 * Start writing format @format (file type @file_type, not AUTO) to @out
 * (borrowed): writes the header row where the format has one.
 * @ntuple is the number of negative columns of n-tuple.  On success
 * *@f is a new writer (exportfmt_free()).
 */
enum ns_rc exportfmt_begin(int format, int file_type, int ntuple,
			   struct outstream *out, struct exportfmt **f,
			   struct ns_err *err);

/*
 * Write the records of query @q for a training format: positives @pos
 * (@npos) and negatives @neg (@nneg), in order; passages have text.
 * Scores are written (BGE) only when every one of them is known.
 * *@rows (added to) counts the records written.  A string that is not
 * valid UTF-8 is NS_EINPUT naming the query or passage.
 */
enum ns_rc exportfmt_query(struct exportfmt *f, const struct export_query *q,
			   const struct export_item *const *pos, size_t npos,
			   const struct export_item *const *neg, size_t nneg,
			   int64_t *rows, struct ns_err *err);

/*
 * Write judgments of grade @grade of query @q for the @n passages @fn (a
 * qrels format).  A passage without an external id is not written (it is
 * counted in *@no_id); an id the format cannot hold (blanks in TREC; a
 * tab, a line break or a leading quote in BEIR) is NS_EINPUT naming it.
 */
enum ns_rc exportfmt_qrels(struct exportfmt *f, const struct export_query *q,
			   const struct export_item *const *fn, size_t n,
			   int64_t grade, int64_t *rows, int64_t *no_id,
			   struct ns_err *err);

void exportfmt_free(struct exportfmt *f);

#endif
