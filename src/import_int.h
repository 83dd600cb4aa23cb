/*
 * import_int.h - internals shared by import.c (the driver),
 * import_detect.c (what an input holds), import_rec.c and import_extra.c
 * (the record readers of each format) and import_pipe.c.  Not for other
 * modules except the unit tests.
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
	KIND_ID_TEXT,	/* id<TAB>text: passages */
	KIND_TOPICS,	/* id<TAB>text: queries (TREC topics) */
	KIND_TOPICS_TOP,/* TREC topics in <top> ... </top> blocks */
	KIND_RANKLLM,	/* rank_llm / pyserini: query with hits */
	KIND_POOL,	/* FlagEmbedding candidate pool: {"text": ...} */
};

/* What detection found in one input file. */
struct imp_found {
	enum imp_kind kind;
	enum import_format fmt;	/* its format name */
	bool array;		/* one JSON array of records */
	char why[200];		/* how queries/passages were told apart from
				 * the content, or "" */
	char hint[300];		/* the content read as another format too:
				 * what to say with an error, or "" */
};

#define IMP_MAX_FIELDS 64

/* The state of an import. */
struct imp {
	struct store st;		/* the session */
	const struct import_opts *o;
	FILE *skip;			/* the --skip-bad file, NULL until its
					 * first bad record (imp_skip_write()) */
	bool bad_record;		/* stopped at a bad record, which
					 * --skip-bad would have skipped */
	struct linereader lr;		/* the current file */
	const char *path;		/* the current file (its display name) */
	char *open_path;		/* the path it was opened by */
	char *disp;			/* its display name (@path) */
	bool regular;			/* a regular file (may be read again) */
	const char *hint;		/* imp_found.hint of the current file:
					 * added to an error in it */
	enum imp_kind kind;		/* what it holds */
	int64_t run;			/* run of its candidates, 0 = none yet */
	int64_t records, skipped;	/* of the current input */
	long rec_line;			/* first line of the current record */
	long rec_col;			/* its column on that line */
	bool header_done;		/* header line checked (tsv kinds) */
	/* <top> topics: the block being read */
	struct strbuf top_id, top_title;
	long top_line;			/* line of its <top>, 0 = outside */
	int top_field;			/* 't' in <title>, 0 elsewhere */
	int label_col;			/* CSV/TSV labeled pairs: 1-based
					 * column named "label" in the
					 * header; 0: none */
	int header_cols;		/* CSV/TSV training rows: columns of
					 * the header row, 0: none; every
					 * row must have as many */
	char header[160];		/* their names, for the message */
	struct strbuf rec;		/* a record spanning lines (CSV) */
	struct strbuf fields;		/* decoded CSV fields */
	struct strbuf scratch;		/* ids, messages */
	/* Keys of the current file's JSON records that its format does not
	 * know (a misspelled "neg" would lose every negative without a
	 * word): each is named once, with its first line and its count, in
	 * a warning when the file is read (imp_unknown_warn()). */
	struct {
		char key[64];		/* cut to fit */
		long line;		/* of its first record */
		int64_t n;		/* records with it */
	} unknown[8];
	int nunknown;
	int64_t unknown_more;		/* keys beyond the table, times seen */
	const char *known_keys;		/* "BGE keys: query, ..." */
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

/* Called once a file is read to the end (flushes a staged TREC run; an
 * unclosed <top> block is an error). */
enum ns_rc imp_file_done(struct imp *im, struct ns_err *err);

/* The record readers of import_extra.c (imp_record() dispatches). */
enum ns_rc imp_topics(struct imp *im, char *line, size_t len,
		      struct ns_err *err);
enum ns_rc imp_topics_top(struct imp *im, char *line, size_t len,
			  struct ns_err *err);
enum ns_rc imp_rankllm(struct imp *im, const char *rec, json_t *o,
		       struct ns_err *err);
enum ns_rc imp_pool(struct imp *im, const char *rec, json_t *o,
		    struct ns_err *err);

/* Shared by the record readers. */
enum ns_rc imp_check_utf8(struct imp *im, const char *line, size_t len,
			  struct ns_err *err);
size_t imp_key_off(const char *line, const char *key);
/* The offset of the @nth (from 0) "key" at or after byte @from of @line,
 * or imp_key_off() when there are fewer. */
size_t imp_key_off_nth(const char *line, size_t from, const char *key,
		       size_t nth);
const char *imp_jid(struct imp *im, const char *line, json_t *o,
		    const char *key, bool required, char *buf, size_t size,
		    struct ns_err *err, enum ns_rc *rc);
const char *imp_jstr(struct imp *im, const char *line, json_t *o,
		     const char *key, bool required, size_t *len,
		     struct ns_err *err, enum ns_rc *rc);
enum ns_rc imp_conflict(struct imp *im, const char *line, size_t off,
			const char *what, const char *xid,
			struct ns_err *err);

/* One passage of a training row or a run. */
struct imp_psg {
	const char *xid;	/* NULL: none */
	const char *title;
	size_t tlen;
	const char *text;	/* NULL: known by id only */
	size_t len;
	double score;
	bool has_score;
	long pos;		/* index in its list, for stable ranks */
};

/* One training row: a query with positives and negatives. */
struct imp_row {
	const char *qxid;	/* NULL: derived from the text */
	const char *qtext;
	size_t qlen;
	const char *prompt, *type;
	struct imp_psg *pos, *neg;
	size_t npos, nneg;
};

/* Room for @n passages in the shared row buffer; returns it. */
struct imp_psg *imp_psgs_need(size_t n);

/* Write a checked row: the query, its positives as grade-1 judgments and
 * its negatives as candidates of the file's run (ranked by score when
 * every one has a score). */
enum ns_rc imp_row_store(struct imp *im, const char *line, struct imp_row *r,
			 struct ns_err *err);

/*
 * What the input open in @lr holds (@name is the path it was opened by,
 * for the BEIR names; @f a format the user gave or IMPORT_AUTO; @role a
 * role the user gave).  Looks at the first bytes only, without consuming
 * them.  @im (may be NULL) gives the project, whose ids help tell
 * queries from passages.  On failure @err says why (NS_EINPUT).
 */
enum ns_rc imp_detect(struct imp *im, struct linereader *lr,
		      const char *name, enum import_format f,
		      enum import_role role, struct imp_found *out,
		      struct ns_err *err);

/* Is @path a directory? */
bool imp_is_dir(const char *path);

/* The path of @name in the BEIR directory @dir, also compressed
 * (NAME.gz, NAME.zst), or NULL when there is none; caller frees. */
char *imp_beir_file(const char *dir, const char *name);

/* Check that the directory @dir has files a BEIR import reads (corpus,
 * queries or .tsv files in qrels/, also compressed); NS_EINPUT naming
 * @dir, what was looked for and what is there when it has none. */
enum ns_rc imp_beir_check(const char *dir, struct ns_err *err);

/* Is the input open in @lr text negsieve reads (not UTF-16, not xz...)?
 * Looks at its first bytes without consuming them. */
enum ns_rc imp_check_text(struct linereader *lr, struct ns_err *err);

/* "beir corpus (passages)", ...: what a kind holds, for the report. */
const char *imp_kind_what(enum imp_kind kind);

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

/* One record of a file read by an imp_pipe. */
struct imp_prec {
	long lineno;		/* its line number */
	long col;		/* its column (1 for lines) */
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
 * Go on reading the BEIR corpus or queries file open in @lr (@kind) on
 * worker threads, which also parse each record's JSON.  The pipe takes
 * the reader over (@lr is left closed); on failure (no thread starts) it
 * is closed and @err says why.  End with imp_pipe_stop().
 */
enum ns_rc imp_pipe_start(struct imp_pipe **p, struct linereader *lr,
			  enum imp_kind kind, struct ns_err *err);

/*
 * The next line of the file, in order: NS_OK with *@rec (valid until the
 * next call), NS_ENOTFOUND at the end, or the line reader's error in @err
 * (NS_EINPUT for a line over the limit: reading may go on; anything else
 * ends the file).  A line that is not a valid record in the simple shape
 * comes back with rec->parsed false, for the full reader to report.
 */
enum ns_rc imp_pipe_next(struct imp_pipe *p, const struct imp_prec **rec,
			 struct ns_err *err);

/* Stop the workers and free @p (may be NULL); the reader goes back to
 * @lr (the caller closes it), or is closed when @lr is NULL. */
void imp_pipe_stop(struct imp_pipe *p, struct linereader *lr);

#endif
