/*
 * import.c - the import driver: format detection, the record loop, the
 * --skip-bad file and the one transaction around it all (see import.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "src/import_int.h"
#include "src/progress.h"

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

static const char *
imp_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool
imp_has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);

	return n > m && strcasecmp(path + n - m, ext) == 0;
}

static bool
imp_is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool
imp_exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat sb;
	bool r = stat(p, &sb) == 0;

	free(p);
	return r;
}

static bool
imp_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

/* The first record of @path that is not blank or a "#" comment, copied
 * into @sb.  NS_EINPUT when the file has none. */
static enum ns_rc
imp_first_record(const char *path, struct strbuf *sb, struct ns_err *err)
{
	struct linereader lr;
	const char *line;
	size_t len;
	enum ns_rc rc;

	if ((rc = linereader_open(&lr, path, 1u << 28, err)))
		return rc;
	while ((rc = linereader_next(&lr, &line, &len, err)) == NS_OK) {
		if (imp_blank(line) || (line[0] == '#' &&
					(line[1] == ' ' || line[1] == '\t' ||
					 line[1] == '\0')))
			continue;
		strbuf_add(sb, line, len);
		break;
	}
	linereader_close(&lr);
	if (rc == NS_ENOTFOUND)
		return err_setpos(err, NS_EINPUT, path, 0, 0,
				  "the file is empty");
	return rc;
}

/* What the file @path holds under format @f (IMPORT_AUTO: detect). */
static enum ns_rc
imp_detect_file(const char *path, enum import_format f, enum imp_kind *kind,
		enum import_format *fmt, struct ns_err *err)
{
	const char *base = imp_basename(path);
	struct strbuf sb;
	enum ns_rc rc;
	char *tok[8];
	size_t st[8];
	int ntab = 0, n;
	long iv;
	double dv;
	bool fin, ok;

	strbuf_init(&sb);
	if ((rc = imp_first_record(path, &sb, err))) {
		strbuf_fini(&sb);
		return rc;
	}
	*fmt = f;
	rc = NS_OK;
	switch (f) {
	case IMPORT_BEIR:
		*kind = imp_has_ext(path, ".tsv") || imp_has_ext(path, ".txt")
			? KIND_BEIR_QRELS : strstr(base, "quer") ? KIND_QUERIES
			: KIND_CORPUS;
		goto out;
	case IMPORT_BGE: *kind = KIND_BGE; goto out;
	case IMPORT_TEVATRON: *kind = KIND_TEVATRON; goto out;
	case IMPORT_ST_CSV: *kind = KIND_ST_CSV; goto out;
	case IMPORT_ST_TSV: *kind = KIND_ST_TSV; goto out;
	case IMPORT_ST_JSONL: *kind = KIND_ST_JSONL; goto out;
	case IMPORT_TREC_RUN: *kind = KIND_TREC_RUN; goto out;
	case IMPORT_TREC_QRELS: *kind = KIND_TREC_QRELS; goto out;
	case IMPORT_ID_TEXT: *kind = KIND_ID_TEXT; goto out;
	case IMPORT_AUTO:
	case IMPORT_NFORMATS:
		break;
	}
	if (sb.buf[strspn(sb.buf, " \t")] == '{' ||
	    sb.buf[strspn(sb.buf, " \t")] == '[') {
		json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);

		*kind = imp_detect_json(o, base, &ok);
		json_decref(o);
		if (!o) {
			/* A broken first record: go by its keys, so that the
			 * import reports what is wrong with it and where. */
			ok = true;
			if (strstr(sb.buf, "\"positive_passages\"") ||
			    strstr(sb.buf, "\"query_id\""))
				*kind = KIND_TEVATRON;
			else if (strstr(sb.buf, "\"query\"") &&
				 (strstr(sb.buf, "\"pos\"") ||
				  strstr(sb.buf, "\"neg\"")))
				*kind = KIND_BGE;
			else if (strstr(sb.buf, "\"_id\""))
				*kind = strstr(base, "quer") ? KIND_QUERIES
				       : KIND_CORPUS;
			else if (strstr(sb.buf, "\"anchor\""))
				*kind = KIND_ST_JSONL;
			else
				ok = false;
			if (ok)
				o = json_true();	/* any non-NULL */
		}
		if (!o) {
			rc = err_setpos(err, NS_EINPUT, path, 0, 0, "cannot "
					"detect the format: the first record "
					"is not valid JSON; use --format");
			goto out;
		}
		if (!ok) {
			rc = err_setpos(err, NS_EINPUT, path, 0, 0, "cannot "
					"detect the format: a JSON record "
					"without the keys of a known format; "
					"use --format");
			goto out;
		}
		*fmt = *kind == KIND_TEVATRON ? IMPORT_TEVATRON
		       : *kind == KIND_BGE ? IMPORT_BGE
		       : *kind == KIND_ST_JSONL ? IMPORT_ST_JSONL : IMPORT_BEIR;
		goto out;
	}
	if (imp_has_ext(path, ".csv")) {
		*kind = KIND_ST_CSV;
		*fmt = IMPORT_ST_CSV;
		goto out;
	}
	for (size_t i = 0; i < sb.len; i++)
		ntab += sb.buf[i] == '\t';
	{
		char *copy = xstrndup(sb.buf, sb.len);

		n = imp_ws_split(copy, tok, st, 7);
		if (n >= 6 && (strcasecmp(tok[1], "Q0") == 0 ||
			       imp_parse_int(tok[1], &iv)) &&
		    imp_parse_int(tok[3], &iv) &&
		    imp_parse_num(tok[4], &dv, &fin)) {
			*kind = KIND_TREC_RUN;
			*fmt = IMPORT_TREC_RUN;
		} else if (n == 4 && imp_parse_int(tok[3], &iv) &&
			   ntab != 2) {
			*kind = KIND_TREC_QRELS;
			*fmt = IMPORT_TREC_QRELS;
		} else if (ntab == 2 && (imp_parse_int(strrchr(sb.buf, '\t') + 1,
						       &iv) ||
					 strncmp(sb.buf, "query-id\t", 9) == 0)) {
			*kind = KIND_BEIR_QRELS;
			*fmt = IMPORT_BEIR;
		} else if (ntab == 1) {
			*kind = KIND_ID_TEXT;
			*fmt = IMPORT_ID_TEXT;
		} else if (ntab >= 2) {
			*kind = KIND_ST_TSV;
			*fmt = IMPORT_ST_TSV;
		} else {
			rc = err_setpos(err, NS_EINPUT, path, 0, 0, "cannot "
					"detect the format; use --format");
		}
		free(copy);
	}
out:
	strbuf_fini(&sb);
	return rc;
}

enum ns_rc
import_detect(const char *path, enum import_format *out, struct ns_err *err)
{
	enum imp_kind kind;
	struct stat sb;

	if (stat(path, &sb) != 0)
		return err_setpos(err, errno == ENOENT ? NS_ENOTFOUND : NS_EIO,
				  path, 0, 0, "cannot open: %s",
				  strerror(errno));
	if (S_ISDIR(sb.st_mode)) {
		if (imp_exists(path, "corpus.jsonl") ||
		    imp_exists(path, "queries.jsonl") ||
		    imp_exists(path, "qrels")) {
			*out = IMPORT_BEIR;
			return NS_OK;
		}
		return err_setpos(err, NS_EINPUT, path, 0, 0, "not a BEIR "
				  "directory (no corpus.jsonl, queries.jsonl "
				  "or qrels/)");
	}
	return imp_detect_file(path, IMPORT_AUTO, &kind, out, err);
}

/* Write a bad record to the --skip-bad file: a "# file:line:col: why"
 * line, then the record as it was. */
static void
imp_skip_write(struct imp *im, const struct ns_err *e, const char *rec,
	       size_t len)
{
	char buf[NS_ERR_MSG_MAX + 600];

	fprintf(im->skip, "# %s\n", err_format(e, buf, sizeof(buf)));
	if (rec) {
		fwrite(rec, 1, len, im->skip);
		fputc('\n', im->skip);
	}
}

/* Read the file @path holding @kind. */
static enum ns_rc
imp_file(struct imp *im, const char *path, enum imp_kind kind,
	 struct progress *pr, struct ns_err *err)
{
	const char *line;
	size_t len;
	enum ns_rc rc;

	struct imp_pipe *pipe = NULL;
	const struct imp_prec *pr_rec = NULL;

	im->path = path;
	im->kind = kind;
	im->run = 0;
	im->header_done = false;
	if (kind == KIND_CORPUS || kind == KIND_QUERIES) {
		/* JSON parsed on worker threads; im->lr only carries the
		 * line number of the current record for the readers. */
		memset(&im->lr, 0, sizeof(im->lr));
		im->lr.path = path;
		rc = imp_pipe_start(&pipe, path, kind, im->o->max_record, err);
	} else {
		rc = linereader_open(&im->lr, path, im->o->max_record, err);
	}
	if (rc)
		return rc;
	for (;;) {
		struct ns_err e;
		bool sp = false;

		err_clear(&e);
		im->rec_line = 0;
		strbuf_reset(&im->rec);
		if (pipe) {
			rc = imp_pipe_next(pipe, &pr_rec, &e);
			if (rc == NS_OK) {
				im->lr.lineno = pr_rec->lineno;
				line = pr_rec->line;
				len = pr_rec->len;
				if (pr_rec->blank)
					continue;
			}
		} else {
			rc = linereader_next(&im->lr, &line, &len, &e);
			if (rc == NS_OK && imp_blank(line))
				continue;
		}
		if (rc == NS_ENOTFOUND) {
			rc = NS_OK;
			break;
		}
		im->records++;
		if (rc == NS_OK) {
			if (im->skip) {
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
		if (rc == NS_EINPUT && im->skip) {
			if (sp)
				store_rollback_to(&im->st);
			if (!sp)
				imp_skip_write(im, &e, NULL, 0);
			else if (im->rec.len)
				imp_skip_write(im, &e, im->rec.buf,
					       im->rec.len);
			else
				imp_skip_write(im, &e, im->scratch.buf,
					       im->scratch.len);
			im->skipped++;
			continue;
		}
		if (rc != NS_OK) {
			*err = e;
			break;
		}
		if (sp && (rc = store_release(&im->st, err)))
			break;
		if ((im->records & 1023) == 0)
			progress_update(pr, im->st.passages + im->st.queries +
					im->st.qrels + im->st.candidates);
	}
	imp_pipe_stop(pipe);
	if (rc == NS_OK)
		rc = imp_file_done(im, err);
	linereader_close(&im->lr);
	return rc;
}

static int
imp_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of the BEIR directory @dir, in import order: corpus, queries,
 * then the .tsv files of qrels/ by name. */
static enum ns_rc
imp_beir_dir(struct imp *im, const char *dir, struct progress *pr,
	     struct ns_err *err)
{
	char *qdir = xasprintf("%s/qrels", dir), **names = NULL;
	size_t n = 0, cap = 0;
	enum ns_rc rc = NS_OK;
	struct dirent *de;
	DIR *d;

	if (imp_exists(dir, "corpus.jsonl")) {
		char *p = xasprintf("%s/corpus.jsonl", dir);

		rc = imp_file(im, p, KIND_CORPUS, pr, err);
		free(p);	/* err->file is a copy */
	}
	if (rc == NS_OK && imp_exists(dir, "queries.jsonl")) {
		char *p = xasprintf("%s/queries.jsonl", dir);

		rc = imp_file(im, p, KIND_QUERIES, pr, err);
		free(p);
	}
	if (rc == NS_OK && (d = opendir(qdir))) {
		while ((de = readdir(d))) {
			if (!imp_has_ext(de->d_name, ".tsv"))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				names = xrealloc(names, cap * sizeof(*names));
			}
			names[n++] = xasprintf("%s/%s", qdir, de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), imp_cmp_str);
		for (size_t i = 0; i < n && rc == NS_OK; i++)
			rc = imp_file(im, names[i], KIND_BEIR_QRELS, pr, err);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	free(qdir);
	return rc;
}

static void
imp_report(struct imp *im, const char *input, const char *fmt,
	   const struct store *before)
{
	const struct store *s = &im->st;

	if (!im->o->report)
		return;
	fprintf(im->o->report, "%s (%s): %lld records: %lld passages, "
		"%lld queries, %lld judgments, %lld candidates",
		input, fmt, (long long)im->records,
		(long long)(s->passages - before->passages),
		(long long)(s->queries - before->queries),
		(long long)(s->qrels - before->qrels),
		(long long)(s->candidates - before->candidates));
	if (s->qrels_dup > before->qrels_dup)
		fprintf(im->o->report, "; %lld repeated judgments merged "
			"(highest grade kept)",
			(long long)(s->qrels_dup - before->qrels_dup));
	if (s->candidates_dup > before->candidates_dup)
		fprintf(im->o->report, "; %lld repeated negatives ignored",
			(long long)(s->candidates_dup -
				    before->candidates_dup));
	if (im->skipped)
		fprintf(im->o->report, "; %lld bad records skipped",
			(long long)im->skipped);
	fputc('\n', im->o->report);
}

/* Import one INPUT argument as one source. */
static enum ns_rc
imp_input(struct imp *im, const char *input, struct progress *pr,
	  struct ns_err *err)
{
	enum import_format fmt = im->o->format;
	struct store before = im->st;
	enum imp_kind kind = KIND_CORPUS;
	enum ns_rc rc;

	im->records = im->skipped = 0;
	if (imp_is_dir(input)) {
		if (fmt != IMPORT_AUTO && fmt != IMPORT_BEIR)
			return err_setpos(err, NS_EUSAGE, input, 0, 0, "a "
					  "directory can only be imported as "
					  "beir, not %s",
					  import_format_name(fmt));
		if ((rc = import_detect(input, &fmt, err)))
			return rc;
		if ((rc = store_source(&im->st, input, "beir", err)) ||
		    (rc = imp_beir_dir(im, input, pr, err)))
			return rc;
	} else {
		if ((rc = imp_detect_file(input, fmt, &kind, &fmt, err)) ||
		    (rc = store_source(&im->st, input, import_format_name(fmt),
				       err)) ||
		    (rc = imp_file(im, input, kind, pr, err)))
			return rc;
	}
	if ((rc = store_source_done(&im->st, im->records, im->skipped, err)))
		return rc;
	imp_report(im, input, import_format_name(fmt), &before);
	return NS_OK;
}

enum ns_rc
import_run(struct db *db, const struct import_opts *o, char *const *inputs,
	   int n, struct import_result *res, struct ns_err *err)
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
	if (o->skip_bad && !(im.skip = fopen(o->skip_bad, "w")))
		return err_setpos(err, NS_EIO, o->skip_bad, 0, 0, "cannot "
				  "create: %s", strerror(errno));
	if ((rc = store_begin(&im.st, db, o->fts, err)))
		goto out;
	progress_start(&pr, "import", "rows", 0);
	for (int i = 0; i < n && rc == NS_OK; i++) {
		rc = imp_input(&im, inputs[i], &pr, err);
		records += im.records;
		skipped += im.skipped;
	}
	progress_finish(&pr);
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
		res->filled = im.st.filled;
		res->seconds = t1 - t0;
		res->fts_seconds = now_seconds() - t1;
	}
out:
	if (im.skip && fclose(im.skip) != 0 && rc == NS_OK)
		rc = err_setpos(err, NS_EIO, o->skip_bad, 0, 0, "write error: "
				"%s", strerror(errno));
	strbuf_fini(&im.rec);
	strbuf_fini(&im.fields);
	strbuf_fini(&im.scratch);
	return rc;
}

enum ns_rc
import_qrels(const char *path, import_judgment_fn *fn, void *ctx,
	     struct ns_err *err)
{
	struct import_opts o;
	struct imp im;
	struct progress pr;
	enum import_format fmt;
	enum imp_kind kind;
	enum ns_rc rc;

	if (imp_is_dir(path))
		return err_setpos(err, NS_EINPUT, path, 0, 0, "a directory, "
				  "not a qrels file");
	if ((rc = imp_detect_file(path, IMPORT_AUTO, &kind, &fmt, err)))
		return rc;
	if (kind != KIND_TREC_QRELS && kind != KIND_BEIR_QRELS)
		return err_setpos(err, NS_EINPUT, path, 0, 0, "not a qrels "
				  "file (it reads as %s): expected TREC qrels "
				  "(query iteration docid grade) or BEIR qrels "
				  "(query-id corpus-id score)",
				  import_format_name(fmt));
	memset(&o, 0, sizeof(o));
	o.format = fmt;
	o.max_record = 1u << 20;	/* a qrels line is short */
	memset(&im, 0, sizeof(im));
	im.o = &o;
	im.judgment = fn;
	im.judgment_ctx = ctx;
	strbuf_init(&im.rec);
	strbuf_init(&im.fields);
	strbuf_init(&im.scratch);
	progress_start(&pr, "qrels", "rows", 0);
	rc = imp_file(&im, path, kind, &pr, err);
	progress_finish(&pr);
	strbuf_fini(&im.rec);
	strbuf_fini(&im.fields);
	strbuf_fini(&im.scratch);
	return rc;
}
