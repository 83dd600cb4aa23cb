/*
 * import_int.h - internals shared by import.c (driver, detection) and
 * import_rec.c (the record readers of each format).  Not for other modules
 * except the unit tests.
 */
#ifndef NS_IMPORT_INT_H
#define NS_IMPORT_INT_H

#include <jansson.h>

#include "import.h"
#include "linereader.h"
#include "store.h"
#include "util.h"

/* What one input file holds, after detection. */
enum imp_kind {
	KIND_CORPUS,	/* BEIR corpus.jsonl: _id, title, text */
	KIND_QUERIES,	/* BEIR queries.jsonl: _id, text */
	KIND_BEIR_QRELS,/* BEIR qrels tsv: query-id, corpus-id, score */
	KIND_BGE,
	KIND_TEVATRON,
	KIND_ST_CSV,
	KIND_ST_TSV,
	KIND_ST_JSONL,
	KIND_TREC_RUN,
	KIND_TREC_QRELS,
	KIND_ID_TEXT,
};

#define IMP_MAX_FIELDS 64

/* The state of an import. */
struct imp {
	struct store st;		/* the session */
	const struct import_opts *o;
	FILE *skip;			/* the --skip-bad file, or NULL */
	struct linereader lr;		/* the current file */
	const char *path;		/* the current file */
	enum imp_kind kind;		/* what it holds */
	int64_t run;			/* run of its candidates, 0 = none yet */
	int64_t records, skipped;	/* of the current input */
	long rec_line;			/* first line of the current record */
	bool header_done;		/* header line checked (tsv kinds) */
	struct strbuf rec;		/* a record spanning lines (CSV) */
	struct strbuf fields;		/* decoded CSV fields */
	struct strbuf scratch;		/* ids, messages */
};

/*
 * Process one record @line (@len bytes, NUL-terminated) of the current
 * file.  NS_EINPUT = a bad record (err has file:line:col); other codes are
 * fatal.  May read further lines (a quoted CSV field over several lines).
 */
enum ns_rc imp_record(struct imp *im, const char *line, size_t len,
		      struct ns_err *err);

/* Called once a file is read to the end (flushes a staged TREC run). */
enum ns_rc imp_file_done(struct imp *im, struct ns_err *err);

/*
 * Split one CSV/TSV record @s (@len bytes) on @sep.  A field starting with
 * '"' is quoted ("" is a quote inside it; it may hold @sep and newlines).
 * The decoded fields go to @out, NUL-separated; @off[i] is field i's offset
 * in @out, @src[i] its byte offset in @s.  Returns the field count, -1 on a
 * bad record (*@bad = byte offset in @s, *@why = reason), or -2 when a
 * quoted field is still open at the end (the record continues on the next
 * line).  At most IMP_MAX_FIELDS fields.
 */
int imp_csv_split(const char *s, size_t len, char sep, struct strbuf *out,
		  size_t off[IMP_MAX_FIELDS], size_t src[IMP_MAX_FIELDS],
		  size_t *bad, const char **why);

/*
 * Split @s on runs of blanks (space, tab) into at most @max fields,
 * NUL-terminating each in place; @start[i] is field i's byte offset.
 * Returns the number of fields (the rest of the line beyond @max is
 * ignored).
 */
int imp_ws_split(char *s, char **f, size_t *start, int max);

/* Is @s a whole integer / a finite number?  (strtol / strtod, no junk.) */
bool imp_parse_int(const char *s, long *v);
bool imp_parse_num(const char *s, double *v, bool *finite);

/* Report a bad record at byte offset @off of the current line. */
enum ns_rc imp_bad(struct imp *im, const char *line, size_t off,
		   struct ns_err *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* What a JSON line's first record looks like, for detection. */
enum imp_kind imp_detect_json(json_t *o, const char *base, bool *ok);

#endif
