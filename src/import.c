/*
 * import.c - the import driver: format detection, the record loop, the
 * --skip-bad file and the one transaction around it all (see import.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/import_int.h"
#include "src/progress.h"

/* Bytes of an input whose hash is its head_hash. */
#define IMP_HEAD_BYTES 65536

static const char *const import_names[] = {
#define IMPORT_FMT_NAME(e, name) name,
	IMPORT_FORMAT_LIST(IMPORT_FMT_NAME)
#undef IMPORT_FMT_NAME
};

const char *
import_format_name(enum import_format f)
{
	return (unsigned)f < IMPORT_NFORMATS ? import_names[f] : "?";
}

int
import_format_parse(const char *name)
{
	for (int i = 0; i < IMPORT_NFORMATS; i++)
		if (strcmp(name, import_names[i]) == 0)
			return i;
	return -1;
}

bool
imp_is_dir(const char *path)
{
	struct stat sb;

	return strcmp(path, "-") != 0 && stat(path, &sb) == 0 &&
	       S_ISDIR(sb.st_mode);
}

char *
imp_beir_file(const char *dir, const char *name)
{
	static const char *const ext[] = { "", ".gz", ".zst", ".zstd" };
	struct stat sb;

	for (size_t i = 0; i < NS_ARRAY_SIZE(ext); i++) {
		char *p = xasprintf("%s/%s%s", dir, name, ext[i]);

		if (stat(p, &sb) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static bool
imp_has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);

	return n > m && strcasecmp(path + n - m, ext) == 0;
}

static bool
imp_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

/* Write a bad record to the --skip-bad file: a "# file:line:col: why"
 * line, then the record as it was.  The file is made at the first bad
 * record, so an import without one leaves none behind (import_run()
 * empties one that was there). */
static enum ns_rc
imp_skip_write(struct imp *im, const struct ns_err *e, const char *rec,
	       size_t len, struct ns_err *err)
{
	char buf[NS_ERR_MSG_MAX + 600];

	if (!im->skip && !(im->skip = fopen(im->o->skip_bad, "w")))
		return err_setpos(err, NS_EIO, im->o->skip_bad, 0, 0, "cannot "
				  "create: %s", strerror(errno));
	fprintf(im->skip, "# %s\n", err_format(e, buf, sizeof(buf)));
	if (rec) {
		fwrite(rec, 1, len, im->skip);
		fputc('\n', im->skip);
	}
	return NS_OK;
}

/* Before an import with --skip-bad: empty the file if it is there (it
 * is made only at the first bad record), else check that it can be made
 * in its directory. */
static enum ns_rc
imp_skip_prepare(struct imp *im, struct ns_err *err)
{
	const char *path = im->o->skip_bad, *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	bool can;

	if (stat(path, &st) == 0) {
		if (!(im->skip = fopen(path, "w")))
			return err_setpos(err, NS_EIO, path, 0, 0, "cannot "
					  "write: %s", strerror(errno));
		return NS_OK;
	}
	dir = slash == path ? xstrdup("/")
	      : slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	can = access(dir, W_OK | X_OK) == 0;
	free(dir);
	if (!can)
		return err_setpos(err, NS_EIO, path, 0, 0, "cannot create: %s",
				  strerror(errno));
	return NS_OK;
}

/* A warning on o->warn: "negsieve: warning: ...". */
static void imp_warn(struct imp *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
imp_warn(struct imp *im, const char *fmt, ...)
{
	va_list ap;

	if (!im->o->warn)
		return;
	fputs("negsieve: warning: ", im->o->warn);
	va_start(ap, fmt);
	vfprintf(im->o->warn, fmt, ap);
	va_end(ap);
	fputc('\n', im->o->warn);
}

/* Warn about the unknown keys of the file just read (see struct imp). */
static void
imp_unknown_warn(struct imp *im)
{
	for (int i = 0; i < im->nunknown; i++) {
		char key[sizeof(im->unknown[i].key)];

		/* the key as text on a terminal: no control characters */
		snprintf(key, sizeof(key), "%s", im->unknown[i].key);
		for (char *p = key; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		if (im->unknown[i].n == 1)
			imp_warn(im, "%s:%ld: unknown key \"%s\" ignored (%s)",
				 im->path, im->unknown[i].line, key,
				 im->known_keys);
		else
			imp_warn(im, "%s:%ld: unknown key \"%s\" ignored in "
				 "%lld records, the first at this line (%s)",
				 im->path, im->unknown[i].line, key,
				 (long long)im->unknown[i].n, im->known_keys);
	}
	if (im->unknown_more)
		imp_warn(im, "%s: other unknown keys ignored too (%lld "
			 "times)", im->path, (long long)im->unknown_more);
}

/* Kinds read line by line without JSON, whose last record cannot tell
 * whether it is whole. */
static bool
imp_kind_lines(enum imp_kind k)
{
	return k == KIND_BEIR_QRELS || k == KIND_ST_CSV || k == KIND_ST_TSV ||
	       k == KIND_TREC_RUN || k == KIND_TREC_QRELS ||
	       k == KIND_ID_TEXT || k == KIND_TOPICS || k == KIND_TOPICS_TOP;
}

/*
 * Read the records of the file open in im->lr, which holds @kind, to the
 * end; @digest gets the content hash of the file.  im->lr is closed.
 */
static enum ns_rc
imp_file(struct imp *im, enum imp_kind kind, struct progress *pr,
	 char digest[33], struct ns_err *err)
{
	const char *line;
	size_t len;
	enum ns_rc rc = NS_OK;
	long last_line = 0;
	bool last_nl = true;

	struct imp_pipe *pipe = NULL;
	const struct imp_prec *pr_rec = NULL;

	im->kind = kind;
	im->run = 0;
	im->header_done = false;
	im->header_cols = 0;
	im->top_line = 0;
	im->nunknown = 0;
	im->unknown_more = 0;
	if (kind == KIND_CORPUS || kind == KIND_QUERIES) {
		/* JSON parsed on worker threads; im->lr only carries the
		 * position of the current record for the readers. */
		rc = imp_pipe_start(&pipe, &im->lr, kind, err);
		im->lr.path = im->path;
	}
	if (rc)
		return rc;
	for (;;) {
		struct ns_err e;
		bool sp = false;

		err_clear(&e);
		im->rec_line = 0;
		im->rec_col = 1;
		strbuf_reset(&im->rec);
		if (pipe) {
			rc = imp_pipe_next(pipe, &pr_rec, &e);
			if (rc == NS_OK) {
				im->lr.lineno = pr_rec->lineno;
				im->lr.col = pr_rec->col;
				line = pr_rec->line;
				len = pr_rec->len;
				if (pr_rec->blank)
					continue;
			}
		} else {
			rc = linereader_next(&im->lr, &line, &len, &e);
			if (rc == NS_OK && imp_blank(line))
				continue;
			if (rc == NS_OK) {
				last_nl = im->lr.had_newline;
				last_line = im->lr.lineno;
			}
		}
		if (rc == NS_ENOTFOUND) {
			rc = NS_OK;
			break;
		}
		im->records++;
		if (rc == NS_OK) {
			im->rec_col = im->lr.col > 0 ? im->lr.col : 1;
			if (im->o->skip_bad) {
				/* the readers may split the line in place */
				strbuf_reset(&im->scratch);
				strbuf_add(&im->scratch, line, len);
				if ((rc = store_savepoint(&im->st, err)))
					break;
				sp = true;
			}
			if (pipe && pr_rec->parsed) {
				im->rec_line = pr_rec->lineno;
				rc = imp_corpus_fields(im, line, pr_rec->id,
						       pr_rec->title,
						       pr_rec->tlen,
						       pr_rec->text,
						       pr_rec->xlen, &e);
			} else {
				rc = imp_record(im, line, len, &e);
			}
		}
		if (rc == NS_EINPUT && im->o->skip_bad) {
			if (sp)
				store_rollback_to(&im->st);
			if (!sp)
				rc = imp_skip_write(im, &e, NULL, 0, err);
			else if (im->rec.len)
				rc = imp_skip_write(im, &e, im->rec.buf,
						    im->rec.len, err);
			else
				rc = imp_skip_write(im, &e, im->scratch.buf,
						    im->scratch.len, err);
			if (rc != NS_OK)
				break;
			im->skipped++;
			continue;
		}
		if (rc != NS_OK) {
			im->bad_record = rc == NS_EINPUT;
			*err = e;
			if (rc == NS_EINPUT && im->hint && im->hint[0]) {
				size_t n = strlen(err->msg);

				snprintf(err->msg + n, sizeof(err->msg) - n,
					 " (%s)", im->hint);
			}
			break;
		}
		if (sp && (rc = store_release(&im->st, err)))
			break;
		if ((im->records & 1023) == 0)
			progress_update(pr, im->st.passages + im->st.queries +
					im->st.qrels + im->st.candidates);
	}
	imp_pipe_stop(pipe, pipe ? &im->lr : NULL);
	if (rc == NS_OK)
		rc = imp_file_done(im, err);
	if (rc == NS_OK)
		imp_unknown_warn(im);
	if (rc == NS_OK && !last_nl && imp_kind_lines(kind))
		imp_warn(im, "%s:%ld: no newline at the end of the file: if "
			 "the file was cut short, this last record may be "
			 "incomplete", im->path, last_line);
	if (im->lr.in)
		instream_digest(im->lr.in, digest);
	linereader_close(&im->lr);
	return rc;
}

/* Open @path as the current file of @im. */
static enum ns_rc
imp_open(struct imp *im, const char *path, struct ns_err *err)
{
	enum ns_rc rc;

	if ((rc = linereader_open(&im->lr, path, im->o->max_record, err)))
		return rc;
	free(im->open_path);
	im->open_path = xstrdup(path);
	free(im->disp);
	im->disp = xstrdup(im->lr.path);
	im->path = im->lr.path = im->disp;
	im->regular = instream_regular(im->lr.in);
	return NS_OK;
}

static int
imp_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in directory @dir (and its qrels/, as "qrels/NAME"),
 * for the messages about a BEIR directory without (some of) its files. */
static char *
imp_dir_listing(const char *dir)
{
	struct strbuf sb;
	char **names = NULL, *q = xasprintf("%s/qrels", dir);
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	strbuf_init(&sb);
	for (int pass = 0; pass < 2; pass++) {
		if (!(d = opendir(pass ? q : dir)))
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    (!pass && strcmp(de->d_name, "qrels") == 0))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				names = xrealloc(names, cap * sizeof(*names));
			}
			names[n++] = xasprintf("%s%s", pass ? "qrels/" : "",
					       de->d_name);
		}
		closedir(d);
	}
	if (n > 1)	/* (qsort() may not be given a null array) */
		qsort(names, n, sizeof(*names), imp_cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i < 12)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", names[i]);
		free(names[i]);
	}
	if (n > 12)
		strbuf_addf(&sb, " and %zu more", n - 12);
	if (n == 0)
		strbuf_addstr(&sb, "nothing");
	free(names);
	free(q);
	return strbuf_detach(&sb, NULL);
}

/* The files of a BEIR directory, in import order. */
struct imp_beir {
	size_t n;
	struct {
		char *path, *rel;	/* owned */
		enum imp_kind kind;
	} f[64];
	size_t more;		/* qrels files beyond the table */
	bool corpus, queries;
};

static void
imp_beir_add(struct imp_beir *b, char *path, char *rel, enum imp_kind kind)
{
	if (b->n == NS_ARRAY_SIZE(b->f)) {
		b->more++;
		free(path);
		free(rel);
		return;
	}
	b->f[b->n].path = path;
	b->f[b->n].rel = rel;
	b->f[b->n].kind = kind;
	b->n++;
}

static void
imp_beir_free(struct imp_beir *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->f[i].path);
		free(b->f[i].rel);
	}
}

/* The files of the BEIR directory @dir: corpus, queries, then the .tsv
 * files of qrels/ by name. */
static void
imp_beir_list(const char *dir, struct imp_beir *b)
{
	char *qdir = xasprintf("%s/qrels", dir), **names = NULL, *p;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	memset(b, 0, sizeof(*b));
	if ((p = imp_beir_file(dir, "corpus.jsonl"))) {
		b->corpus = true;
		imp_beir_add(b, p, xstrdup("corpus.jsonl"), KIND_CORPUS);
	}
	if ((p = imp_beir_file(dir, "queries.jsonl"))) {
		b->queries = true;
		imp_beir_add(b, p, xstrdup("queries.jsonl"), KIND_QUERIES);
	}
	if ((d = opendir(qdir))) {
		while ((de = readdir(d))) {
			if (!imp_has_ext(de->d_name, ".tsv") &&
			    !imp_has_ext(de->d_name, ".tsv.gz") &&
			    !imp_has_ext(de->d_name, ".tsv.zst"))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				names = xrealloc(names, cap * sizeof(*names));
			}
			names[n++] = xstrdup(de->d_name);
		}
		closedir(d);
		if (n > 1)
			qsort(names, n, sizeof(*names), imp_cmp_str);
	}
	for (size_t i = 0; i < n; i++) {
		imp_beir_add(b, xasprintf("%s/%s", qdir, names[i]),
			     xasprintf("qrels/%s", names[i]), KIND_BEIR_QRELS);
		free(names[i]);
	}
	free(names);
	free(qdir);
}

enum ns_rc
imp_beir_check(const char *dir, struct ns_err *err)
{
	struct imp_beir b;
	enum ns_rc rc = NS_OK;

	/* A directory the user named that would import nothing (no BEIR
	 * file in it, or a qrels/ without a .tsv) is most likely the wrong
	 * directory: an error, with what is there to help find the right
	 * one, rather than a warning and a successful import of nothing. */
	imp_beir_list(dir, &b);
	if (b.n == 0) {
		char *found = imp_dir_listing(dir);

		rc = err_setpos(err, NS_EINPUT, dir, 0, 0, "not a BEIR "
				"directory: no corpus.jsonl, queries.jsonl or "
				"qrels/*.tsv in it (found: %s)", found);
		free(found);
	}
	imp_beir_free(&b);
	return rc;
}

/* The hash of the first bytes of the input open in @lr ("" when they
 * cannot be read: an error the import reports). */
static void
imp_head(struct linereader *lr, char out[20])
{
	const char *p;
	size_t n;
	struct ns_err e;

	out[0] = '\0';
	if (linereader_peek(lr, IMP_HEAD_BYTES, &p, &n, &e) == NS_OK)
		snprintf(out, 20, "%016llx", (unsigned long long)
			 hash64(p, n < IMP_HEAD_BYTES ? n : IMP_HEAD_BYTES));
}

/* The head hash of a BEIR directory: of its files' names and heads. */
static void
imp_beir_head(const struct imp_beir *b, char out[20])
{
	struct strbuf sb;
	char h[20];

	strbuf_init(&sb);
	for (size_t i = 0; i < b->n; i++) {
		struct linereader lr;
		struct ns_err e;

		h[0] = '\0';
		if (linereader_open(&lr, b->f[i].path, 0, &e) == NS_OK)
			imp_head(&lr, h);
		linereader_close(&lr);
		strbuf_addf(&sb, "%s\t%s\n", b->f[i].rel, h);
	}
	snprintf(out, 20, "d%015llx", (unsigned long long)
		 (hash64(sb.buf ? sb.buf : "", sb.len) >> 4));
	strbuf_fini(&sb);
}

/* Read the files of the BEIR directory @dir (listed in @b); @digest
 * gets the directory's content hash. */
static enum ns_rc
imp_beir_dir(struct imp *im, const char *dir, const struct imp_beir *b,
	     struct progress *pr, char digest[33], struct ns_err *err)
{
	enum ns_rc rc = NS_OK;
	struct strbuf dh;

	strbuf_init(&dh);
	if (!b->corpus || !b->queries || b->n == (size_t)b->corpus +
					 (size_t)b->queries) {
		char *found = imp_dir_listing(dir);
		bool qrels = b->n > (size_t)b->corpus + (size_t)b->queries;

		imp_warn(im, "%s: a BEIR directory without %s%s%s: only its "
			 "%s%s%s are imported (found: %s)", dir,
			 !b->corpus ? "corpus.jsonl" : "",
			 !b->corpus && (!b->queries || !qrels) ? " or " : "",
			 !b->queries ? "queries.jsonl" : !qrels ?
			 "qrels/*.tsv" : "",
			 b->corpus ? "passages" : "",
			 b->corpus && (b->queries || qrels) ? " and " : "",
			 b->queries && qrels ? "queries and judgments" :
			 b->queries ? "queries" : qrels ? "judgments" : "",
			 found);
		free(found);
	}
	if (b->more)
		imp_warn(im, "%s: more than %zu files in qrels/: %zu not "
			 "imported", dir, NS_ARRAY_SIZE(b->f), b->more);
	for (size_t i = 0; i < b->n && rc == NS_OK; i++) {
		char d[33] = "";

		if ((rc = imp_open(im, b->f[i].path, err)) ||
		    (rc = imp_check_text(&im->lr, err))) {
			linereader_close(&im->lr);
			break;
		}
		if ((rc = imp_file(im, b->f[i].kind, pr, d, err)))
			break;
		strbuf_addf(&dh, "%s\t%s\n", b->f[i].rel, d);
	}
	snprintf(digest, 33, "dir:%016llx",
		 (unsigned long long)hash64(dh.buf ? dh.buf : "", dh.len));
	strbuf_fini(&dh);
	return rc;
}

const char *
import_filled_text(char *buf, size_t size, int64_t passages, int64_t queries)
{
	char p[48] = "", q[48] = "";

	if (passages)
		snprintf(p, sizeof(p), "%lld passage%s", (long long)passages,
			 passages > 1 ? "s" : "");
	if (queries)
		snprintf(q, sizeof(q), "%lld quer%s", (long long)queries,
			 queries > 1 ? "ies" : "y");
	if (passages || queries)
		snprintf(buf, size, "filled in the text of %s%s%s known by "
			 "id only", p, passages && queries ? " and " : "", q);
	else if (size)
		buf[0] = '\0';
	return buf;
}

/* The report line of an input: what it was read as and what it added. */
static void
imp_report(struct imp *im, const char *input, const char *what,
	   const struct store *before)
{
	const struct store *s = &im->st;
	FILE *f = im->o->report;
	char filled[160];

	if (!f)
		return;
	fprintf(f, "%s (%s): %lld records: %lld passages, %lld queries, "
		"%lld judgments, %lld candidates", input, what,
		(long long)im->records,
		(long long)(s->passages - before->passages),
		(long long)(s->queries - before->queries),
		(long long)(s->qrels - before->qrels),
		(long long)(s->candidates - before->candidates));
	if (s->qrels_dup > before->qrels_dup)
		fprintf(f, "; %lld repeated judgments merged (highest grade "
			"kept)", (long long)(s->qrels_dup - before->qrels_dup));
	if (s->qrels_shared > before->qrels_shared)
		fprintf(f, "; %lld judgments merged because two ids have one "
			"text (%s%s; highest grade kept)",
			(long long)(s->qrels_shared - before->qrels_shared),
			s->qrels_shared - before->qrels_shared > 1 ? "e.g. "
			: "", s->shared_example);
	if (s->qrels_known > before->qrels_known)
		fprintf(f, "; %lld judgments were already in the project "
			"(%s; highest grade kept)",
			(long long)(s->qrels_known - before->qrels_known),
			s->known_example);
	if (s->queries_repeated > before->queries_repeated) {
		int64_t n = s->queries_repeated - before->queries_repeated;

		fprintf(f, "; %lld record%s the query text of an earlier "
			"record and %s merged with it (no query ids: one "
			"text, one query; %s%s)", (long long)n,
			n > 1 ? "s repeat" : " repeats", n > 1 ? "were" : "was",
			n > 1 ? "e.g. " : "", s->repeated_example);
	}
	if (s->candidates_dup > before->candidates_dup)
		fprintf(f, "; %lld repeated negatives ignored",
			(long long)(s->candidates_dup -
				    before->candidates_dup));
	if (s->candidates_shared > before->candidates_shared)
		fprintf(f, "; %lld candidates merged because two ids have one "
			"text (%s%s)", (long long)(s->candidates_shared -
						   before->candidates_shared),
			s->candidates_shared - before->candidates_shared > 1 ?
			"e.g. " : "", s->cand_example);
	/* not new passages or queries, so not in the counts above: an
	 * input that only fills in texts would seem to do nothing */
	if (s->filled_passages > before->filled_passages ||
	    s->filled_queries > before->filled_queries)
		fprintf(f, "; %s", import_filled_text(filled, sizeof(filled),
			s->filled_passages - before->filled_passages,
			s->filled_queries - before->filled_queries));
	if (s->passages_blank > before->passages_blank ||
	    s->queries_blank > before->queries_blank) {
		int64_t np = s->passages_blank - before->passages_blank;
		int64_t nq = s->queries_blank - before->queries_blank;

		/* imported as they are (a BEIR corpus may have them), but a
		 * negative "" in a training file is worth a look */
		fprintf(f, "; ");
		if (np)
			fprintf(f, "%lld passage%s", (long long)np,
				np > 1 ? "s" : "");
		if (np && nq)
			fprintf(f, " and ");
		if (nq)
			fprintf(f, "%lld quer%s", (long long)nq,
				nq > 1 ? "ies" : "y");
		fprintf(f, " with an empty or blank text");
	}
	if (s->qrels_demoted > before->qrels_demoted)
		fprintf(f, "; %lld judgments below grade %ld stored as judged "
			"non-relevant", (long long)(s->qrels_demoted -
						    before->qrels_demoted),
			im->o->positive_grade);
	if (im->skipped)
		fprintf(f, "; %lld bad records skipped",
			(long long)im->skipped);
	fputc('\n', f);
}

/* Can the directory input @in be imported with format @fmt?  Checked
 * for every directory before anything is read (see import_run()), and
 * again when it is read. */
static enum ns_rc
imp_dir_check(const struct import_input *in, enum import_format fmt,
	      struct ns_err *err)
{
	if (fmt != IMPORT_AUTO && fmt != IMPORT_BEIR)
		return err_setpos(err, NS_EUSAGE, in->path, 0, 0, "a "
				  "directory can only be imported as beir, "
				  "not %s", import_format_name(fmt));
	if (in->role != IMPORT_ROLE_ANY)
		return err_setpos(err, NS_EUSAGE, in->path, 0, 0, "a "
				  "directory is a whole BEIR data set; give "
				  "its files to --queries, --corpus or --qrels");
	return imp_beir_check(in->path, err);
}

/* The format input @in is read with: its own, else the default format
 * (which is for the inputs without a role only). */
static enum import_format
imp_format(const struct imp *im, const struct import_input *in)
{
	return in->format != IMPORT_AUTO ? in->format
	       : in->role == IMPORT_ROLE_ANY ? im->o->format : IMPORT_AUTO;
}

/* Import one input as one source.  Only an input whose first bytes are
 * those of a source imported before can be one imported before: that
 * one alone is read inside a savepoint, to be taken back if its whole
 * content turns out the same. */
static enum ns_rc
imp_input(struct imp *im, const struct import_input *in, struct progress *pr,
	  struct ns_err *err)
{
	enum import_format fmt = imp_format(im, in);
	struct store before = im->st;
	struct imp_found found;
	struct imp_beir beir;
	struct strbuf what;
	char digest[33] = "", head[20] = "", *prev_path = NULL;
	char *prev_at = NULL;
	const char *codec = NULL, *name = in->path;
	bool dir = imp_is_dir(in->path), guard = false;
	int64_t prev = 0;
	enum ns_rc rc;

	im->records = im->skipped = 0;
	strbuf_init(&what);
	memset(&beir, 0, sizeof(beir));
	memset(&found, 0, sizeof(found));
	if (dir) {
		if ((rc = imp_dir_check(in, fmt, err)))
			goto out;
		imp_beir_list(in->path, &beir);
		imp_beir_head(&beir, head);
		strbuf_addstr(&what, "beir directory");
	} else {
		if ((rc = imp_open(im, in->path, err)))
			goto out;
		name = im->path;
		if ((rc = imp_detect(im, &im->lr, in->path, fmt, in->role,
				     &found, err))) {
			linereader_close(&im->lr);
			goto out;
		}
		im->hint = found.hint;
		imp_head(&im->lr, head);
		if (found.array && (rc = linereader_array(&im->lr, err))) {
			linereader_close(&im->lr);
			goto out;
		}
		codec = instream_codec_name(instream_codec(im->lr.in));
		strbuf_addf(&what, "%s: %s", import_format_name(found.fmt),
			    imp_kind_what(found.kind));
		if (found.array)
			strbuf_addstr(&what, ", JSON array");
		if (codec)
			strbuf_addf(&what, ", %s", codec);
		if (found.why[0])
			strbuf_addf(&what, "; %s", found.why);
	}
	guard = !im->o->again && store_source_head_seen(&im->st, head);
	if ((guard && (rc = store_input_begin(&im->st, err))) ||
	    (rc = store_source(&im->st, name, dir ? "beir" :
			       import_format_name(found.fmt), head, err))) {
		if (!dir)
			linereader_close(&im->lr);
		goto fail;
	}
	rc = dir ? imp_beir_dir(im, in->path, &beir, pr, digest, err)
		 : imp_file(im, found.kind, pr, digest, err);
	if (rc)
		goto fail;
	if (guard && (rc = store_source_same(&im->st, digest, &prev,
					     &prev_path, &prev_at, err)))
		goto fail;
	if (prev) {
		store_input_end(&im->st, false);
		im->st.inputs_skipped++;
		im->records = im->skipped = 0;
		if (im->o->report)
			fprintf(im->o->report, "%s: already imported, with the "
				"same content, as source %lld (%s, %s); "
				"skipped (--again imports it again)\n", name,
				(long long)prev, prev_path, prev_at);
		goto out;
	}
	if ((rc = store_source_done(&im->st, im->records, im->skipped,
				    digest, err)))
		goto fail;
	if (guard && (rc = store_input_end(&im->st, true)))
		goto out;
	imp_report(im, name, what.buf, &before);
	goto out;
fail:
	if (guard)
		store_input_end(&im->st, false);
out:
	im->hint = NULL;	/* (in @found, on this stack) */
	imp_beir_free(&beir);
	free(prev_path);
	free(prev_at);
	strbuf_fini(&what);
	return rc;
}

/* Where input @in goes in the import order (see import_run()). */
static int
imp_order(const struct import_input *in)
{
	switch (in->role) {
	case IMPORT_ROLE_CORPUS: return 0;
	case IMPORT_ROLE_QUERIES: return 1;
	case IMPORT_ROLE_ANY: return 2;
	case IMPORT_ROLE_QRELS: return 3;
	case IMPORT_ROLE_RUN: return 4;
	}
	return 2;
}

enum ns_rc
import_run(struct db *db, const struct import_opts *o,
	   const struct import_input *in, int n, struct import_result *res,
	   struct ns_err *err)
{
	struct imp im;
	struct progress pr;
	enum ns_rc rc = NS_OK;
	int64_t records = 0, skipped = 0;
	double t0 = now_seconds(), t1;

	memset(&im, 0, sizeof(im));
	memset(res, 0, sizeof(*res));
	im.o = o;
	strbuf_init(&im.rec);
	strbuf_init(&im.fields);
	strbuf_init(&im.scratch);
	strbuf_init(&im.top_id);
	strbuf_init(&im.top_title);
	/* the file is made at the first bad record; one already there is
	 * emptied now, so that it never shows an earlier import's records,
	 * and its directory checked, so that a file that cannot be made
	 * stops the import before it reads anything */
	if (o->skip_bad && (rc = imp_skip_prepare(&im, err)))
		return rc;
	/* A directory that cannot be imported fails the import before any
	 * input is read, not after a large corpus given before it. */
	for (int i = 0; i < n && rc == NS_OK; i++)
		if (imp_is_dir(in[i].path))
			rc = imp_dir_check(&in[i], imp_format(&im, &in[i]),
					   err);
	if (rc || (rc = store_begin(&im.st, db, o->fts, err)))
		goto out;
	progress_start(&pr, "import", "rows", 0);
	for (int pass = 0; pass <= 4 && rc == NS_OK; pass++)
		for (int i = 0; i < n && rc == NS_OK; i++) {
			if (imp_order(&in[i]) != pass)
				continue;
			rc = imp_input(&im, &in[i], &pr, err);
			records += im.records;
			skipped += im.skipped;
		}
	progress_finish(&pr);
	res->bad_record = rc == NS_EINPUT && im.bad_record;
	if (rc == NS_OK)
		rc = store_load_done(&im.st, err);
	t1 = now_seconds();
	if (rc == NS_OK)
		rc = store_fts(&im.st, err);
	if (rc == NS_OK)
		rc = store_commit(&im.st, err);
	else
		store_abort(&im.st);
	if (rc == NS_OK) {
		res->records = records;
		res->skipped = skipped;
		res->passages = im.st.passages;
		res->passage_ids = im.st.passage_ids;
		res->queries = im.st.queries;
		res->qrels = im.st.qrels;
		res->qrels_dup = im.st.qrels_dup;
		res->candidates = im.st.candidates;
		res->candidates_dup = im.st.candidates_dup;
		res->filled_passages = im.st.filled_passages;
		res->filled_queries = im.st.filled_queries;
		res->inputs_skipped = im.st.inputs_skipped;
		res->seconds = t1 - t0;
		res->fts_seconds = now_seconds() - t1;
		res->fts_rebuilt = im.st.fts_rebuilt;
	}
out:
	if (im.skip && fclose(im.skip) != 0 && rc == NS_OK)
		rc = err_setpos(err, NS_EIO, o->skip_bad, 0, 0, "write error: "
				"%s", strerror(errno));
	strbuf_fini(&im.rec);
	strbuf_fini(&im.fields);
	strbuf_fini(&im.scratch);
	strbuf_fini(&im.top_id);
	strbuf_fini(&im.top_title);
	free(im.open_path);
	free(im.disp);
	return rc;
}

enum ns_rc
import_qrels(const char *path, import_judgment_fn *fn, void *ctx,
	     struct ns_err *err)
{
	struct import_opts o;
	struct imp im;
	struct imp_found found;
	struct progress pr;
	char digest[33];
	enum ns_rc rc;

	if (imp_is_dir(path))
		return err_setpos(err, NS_EINPUT, path, 0, 0, "a directory, "
				  "not a qrels file");
	memset(&o, 0, sizeof(o));
	o.format = IMPORT_AUTO;
	o.max_record = 1u << 20;	/* a qrels line is short */
	memset(&im, 0, sizeof(im));
	im.o = &o;
	im.judgment = fn;
	im.judgment_ctx = ctx;
	strbuf_init(&im.rec);
	strbuf_init(&im.fields);
	strbuf_init(&im.scratch);
	strbuf_init(&im.top_id);
	strbuf_init(&im.top_title);
	if ((rc = imp_open(&im, path, err)))
		goto out;
	if ((rc = imp_detect(NULL, &im.lr, path, IMPORT_AUTO,
			     IMPORT_ROLE_ANY, &found, err))) {
		linereader_close(&im.lr);
		goto out;
	}
	if (found.kind != KIND_TREC_QRELS && found.kind != KIND_BEIR_QRELS) {
		rc = err_setpos(err, NS_EINPUT, im.path, 0, 0, "not a qrels "
				"file (it reads as %s): expected TREC qrels "
				"(query iteration docid grade) or BEIR qrels "
				"(query-id corpus-id score)",
				import_format_name(found.fmt));
		linereader_close(&im.lr);
		goto out;
	}
	progress_start(&pr, "qrels", "rows", 0);
	rc = imp_file(&im, found.kind, &pr, digest, err);
	progress_finish(&pr);
out:
	strbuf_fini(&im.rec);
	strbuf_fini(&im.fields);
	strbuf_fini(&im.scratch);
	strbuf_fini(&im.top_id);
	strbuf_fini(&im.top_title);
	free(im.open_path);
	free(im.disp);
	return rc;
}
