/*
 * import_int.h - internals shared by import.c (driver, detection) and
 * import_rec.c (the record readers of each format).  Not for other modules
 * except the unit tests.
 */
#ifndef NS_IMPORT_INT_H
#define NS_IMPORT_INT_H

#include <jansson.h>

#include "src/import.h"
#include "src/linereader.h"
#include "db/store.h"
#include "src/util.h"

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
	import_judgment_fn *judgment;	/* import_qrels(): judgments go
					 * here, not into the project */
	void *judgment_ctx;
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

/*
 * Store one BEIR corpus/queries record (im->kind) whose fields are already
 * read: @id, @title (@tlen bytes; "" for queries) and @text (@len bytes).
 * @line is the record, for the positions of errors.
 */
enum ns_rc imp_corpus_fields(struct imp *im, const char *line, const char *id,
			     const char *title, size_t tlen, const char *text,
			     size_t len, struct ns_err *err);

/* One line of a file read by an imp_pipe. */
struct imp_prec {
	long lineno;		/* its line number */
	enum ns_rc rc;		/* NS_OK, or the line reader's error */
	const char *line;	/* the line, NUL-terminated ("" on error) */
	size_t len;
	bool blank;		/* only blanks */
	bool parsed;		/* a valid record; the fields below are set */
	const char *id, *title, *text;	/* NUL-terminated */
	size_t tlen, xlen;	/* bytes of title and text */
};

struct imp_pipe;

/*
 * Start reading the BEIR corpus or queries file @path (@kind) on worker
 * threads, which also parse each line's JSON.  On failure (the file cannot
 * be opened, no thread starts) @err says why.  End with imp_pipe_stop().
 */
enum ns_rc imp_pipe_start(struct imp_pipe **p, const char *path,
			  enum imp_kind kind, size_t max_record,
			  struct ns_err *err);

/*
 * The next line of the file, in order: NS_OK with *@rec (valid until the
 * next call), NS_ENOTFOUND at the end, or the line reader's error in @err
 * (NS_EINPUT for a line over the limit: reading may go on; anything else
 * ends the file).  A line that is not a valid record in the simple shape
 * comes back with rec->parsed false, for the full reader to report.
 */
enum ns_rc imp_pipe_next(struct imp_pipe *p, const struct imp_prec **rec,
			 struct ns_err *err);

/* Stop the workers and free @p (may be NULL). */
void imp_pipe_stop(struct imp_pipe *p);

/* What a JSON line's first record looks like, for detection. */
enum imp_kind imp_detect_json(json_t *o, const char *base, bool *ok);

#endif
