/*
 * exportfmt.c - the output formats of `negsieve export` (see exportfmt.h).
 * A record is built in one buffer and written whole: JSON through jsonw.h
 * (reals with as many significant digits as it takes for every score to
 * read back as the same double), CSV/TSV quoted as Python's csv module
 * writes it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/exportfmt.h"
#include "src/jsonw.h"
#include "src/util.h"

struct exportfmt {
	int format, file_type, ntuple;
	char sep;			/* CSV/TSV separator */
	struct outstream *out;		/* borrowed */
	struct strbuf line;		/* the record being built */
	struct strbuf text;		/* "title text" of a passage */
};

static const char *const fmt_names[] = {
#define EXPORTFMT_NAME(e, name) name,
	EXPORTFMT_LIST(EXPORTFMT_NAME)
#undef EXPORTFMT_NAME
};

static const char *const file_type_names[] = { "auto", "jsonl", "csv",
					       "tsv" };

const char *
exportfmt_name(int f)
{
	return f >= 0 && f < EXPORTFMT_COUNT ? fmt_names[f] : "?";
}

const char *
exportfmt_file_type_name(int t)
{
	return t >= 0 && t < (int)NS_ARRAY_SIZE(file_type_names)
	       ? file_type_names[t] : "?";
}

bool
exportfmt_is_qrels(int f)
{
	return f == EXPORTFMT_BEIR_QRELS || f == EXPORTFMT_TREC_QRELS;
}

bool
exportfmt_is_st(int f)
{
	return f == EXPORTFMT_TRIPLET || f == EXPORTFMT_NTUPLE ||
	       f == EXPORTFMT_PAIR;
}

int
exportfmt_file_type_for(const char *path)
{
	size_t n;

	/* after the compression's suffix, in any case (t.CSV.zst) */
	outstream_codec(path, &n);
	if (n > 4 && !strncasecmp(path + n - 4, ".csv", 4))
		return EXPORTFMT_CSV;
	if (n > 4 && !strncasecmp(path + n - 4, ".tsv", 4))
		return EXPORTFMT_TSV;
	return EXPORTFMT_JSONL;
}

int
exportfmt_file_type_named(const char *path)
{
	static const char *const json[] = { ".jsonl", ".json", ".ndjson" };
	size_t n;

	if (exportfmt_file_type_for(path) != EXPORTFMT_JSONL)
		return exportfmt_file_type_for(path);
	outstream_codec(path, &n);
	for (size_t i = 0; i < sizeof(json) / sizeof(*json); i++) {
		size_t l = strlen(json[i]);

		if (n > l && !strncasecmp(path + n - l, json[i], l))
			return EXPORTFMT_JSONL;
	}
	return -1;
}

/* --- CSV / TSV --------------------------------------------------------- */

/* Append field @s (@len bytes) quoted as Python's csv.writer does with
 * QUOTE_MINIMAL: in quotes, with inner quotes doubled, when it holds the
 * separator, a quote, CR or LF. */
static void
csv_field(struct exportfmt *f, const char *s, size_t len, bool first)
{
	bool quote = false;

	if (!first)
		strbuf_addch(&f->line, f->sep);
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == f->sep || s[i] == '"' || s[i] == '\r' ||
			s[i] == '\n';
	if (!quote) {
		strbuf_add(&f->line, s, len);
		return;
	}
	strbuf_addch(&f->line, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			strbuf_addch(&f->line, '"');
		strbuf_addch(&f->line, s[i]);
	}
	strbuf_addch(&f->line, '"');
}

/* --- records ----------------------------------------------------------- */

/* A passage as one string: its text, after its title and a space when it
 * has one (as BEIR joins them for sentence embedders). */
static const char *
psg_text(struct exportfmt *f, const struct export_item *it, size_t *len)
{
	if (!*it->title) {
		*len = strlen(it->text);
		return it->text;
	}
	strbuf_reset(&f->text);
	strbuf_addstr(&f->text, it->title);
	strbuf_addch(&f->text, ' ');
	strbuf_addstr(&f->text, it->text);
	*len = f->text.len;
	return f->text.buf;
}

/* Name of passage @it for messages: its id, else its number. */
static const char *
psg_name(const struct export_item *it, char *buf, size_t size)
{
	if (it->xid)
		snprintf(buf, size, "passage '%s'", it->xid);
	else
		snprintf(buf, size, "passage #%lld",
			 (long long)it->passage_id);
	return buf;
}

/* Append "key": to the record. */
static void
jkey(struct exportfmt *f, const char *key, bool first)
{
	if (!first)
		strbuf_add(&f->line, ", ", 2);
	jsonw_str(&f->line, key, strlen(key));
	strbuf_add(&f->line, ": ", 2);
}

/* Append string @s as a JSON string; NS_EINPUT naming @what when it is
 * not valid UTF-8. */
static enum ns_rc
jstr(struct exportfmt *f, const char *s, size_t len, const char *what,
     struct ns_err *err)
{
	if (!jsonw_str(&f->line, s, len))
		return err_set(err, NS_EINPUT, "%s is not valid UTF-8", what);
	return NS_OK;
}

/* Append "key": "@s" (after a comma unless @first); NS_EINPUT naming
 * @what when @s is not valid UTF-8. */
static enum ns_rc
jfield(struct exportfmt *f, const char *key, bool first, const char *s,
       const char *what, struct ns_err *err)
{
	jkey(f, key, first);
	return jstr(f, s, strlen(s), what, err);
}

static enum ns_rc
jpsg(struct exportfmt *f, const struct export_item *it, struct ns_err *err)
{
	char name[160];
	size_t len;
	const char *s = psg_text(f, it, &len);

	if (!jsonw_str(&f->line, s, len))
		return err_set(err, NS_EINPUT, "%s is not valid UTF-8",
			       psg_name(it, name, sizeof(name)));
	return NS_OK;
}

/* End the record and write it. */
static enum ns_rc
jend(struct exportfmt *f, struct ns_err *err)
{
	strbuf_add(&f->line, "}\n", 2);
	return outstream_write(f->out, f->line.buf, f->line.len, err);
}

/* Append the texts of the @n passages @v as a list. */
static enum ns_rc
bge_list(struct exportfmt *f, const struct export_item *const *v, size_t n,
	 struct ns_err *err)
{
	enum ns_rc rc;

	strbuf_addch(&f->line, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_add(&f->line, ", ", 2);
		if ((rc = jpsg(f, v[i], err)))
			return rc;
	}
	strbuf_addch(&f->line, ']');
	return NS_OK;
}

static void
bge_scores(struct exportfmt *f, const struct export_item *const *v,
	   size_t n)
{
	strbuf_addch(&f->line, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_add(&f->line, ", ", 2);
		jsonw_real(&f->line, v[i]->score);
	}
	strbuf_addch(&f->line, ']');
}

static bool
all_scored(const struct export_item *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!v[i]->has_score || !isfinite(v[i]->score))
			return false;
	return true;
}

static enum ns_rc
write_bge(struct exportfmt *f, const struct export_query *q,
	  const struct export_item *const *pos, size_t npos,
	  const struct export_item *const *neg, size_t nneg,
	  struct ns_err *err)
{
	enum ns_rc rc;

	strbuf_reset(&f->line);
	strbuf_addch(&f->line, '{');
	if ((rc = jfield(f, "query", true, q->text, "query text", err)))
		return rc;
	jkey(f, "pos", false);
	if ((rc = bge_list(f, pos, npos, err)))
		return rc;
	jkey(f, "neg", false);
	if ((rc = bge_list(f, neg, nneg, err)))
		return rc;
	if (all_scored(pos, npos) && all_scored(neg, nneg)) {
		jkey(f, "pos_scores", false);
		bge_scores(f, pos, npos);
		jkey(f, "neg_scores", false);
		bge_scores(f, neg, nneg);
	}
	if (q->prompt &&
	    (rc = jfield(f, "prompt", false, q->prompt, "prompt", err)))
		return rc;
	if (q->type && (rc = jfield(f, "type", false, q->type, "type", err)))
		return rc;
	return jend(f, err);
}

/* Tevatron's {"docid", "title", "text"} of each passage. */
static enum ns_rc
tev_list(struct exportfmt *f, const struct export_item *const *v, size_t n,
	 struct ns_err *err)
{
	char name[160];
	enum ns_rc rc;

	strbuf_addch(&f->line, '[');
	for (size_t i = 0; i < n; i++) {
		strbuf_add(&f->line, i ? ", {" : "{", i ? 3 : 1);
		psg_name(v[i], name, sizeof(name));
		jkey(f, "docid", true);
		if (!v[i]->xid)
			strbuf_add(&f->line, "null", 4);
		else if ((rc = jstr(f, v[i]->xid, strlen(v[i]->xid), name,
				    err)))
			return rc;
		if ((rc = jfield(f, "title", false, v[i]->title, name, err)) ||
		    (rc = jfield(f, "text", false, v[i]->text, name, err)))
			return rc;
		strbuf_addch(&f->line, '}');
	}
	strbuf_addch(&f->line, ']');
	return NS_OK;
}

static enum ns_rc
write_tevatron(struct exportfmt *f, const struct export_query *q,
	       const struct export_item *const *pos, size_t npos,
	       const struct export_item *const *neg, size_t nneg,
	       struct ns_err *err)
{
	enum ns_rc rc;

	strbuf_reset(&f->line);
	strbuf_addch(&f->line, '{');
	if ((rc = jfield(f, "query_id", true, q->xid, "query id", err)) ||
	    (rc = jfield(f, "query", false, q->text, "query text", err)))
		return rc;
	jkey(f, "positive_passages", false);
	if ((rc = tev_list(f, pos, npos, err)))
		return rc;
	jkey(f, "negative_passages", false);
	if ((rc = tev_list(f, neg, nneg, err)))
		return rc;
	return jend(f, err);
}

/* One sentence-transformers record: @n columns named @names (NULL: name
 * "negative_I" for columns from 2 on) with the strings @col (@len bytes),
 * or, with @label >= 0, a last column "label" holding it. */
static enum ns_rc
st_record(struct exportfmt *f, const char *const *names, int n,
	  const char *const *col, const size_t *len, int label,
	  struct ns_err *err)
{
	char name[32];
	enum ns_rc rc;

	strbuf_reset(&f->line);
	if (f->file_type == EXPORTFMT_JSONL) {
		strbuf_addch(&f->line, '{');
		for (int i = 0; i < n; i++) {
			if (!names)
				snprintf(name, sizeof(name), "negative_%d",
					 i - 1);
			jkey(f, names && names[i] ? names[i] : i == 0 ?
			     "anchor" : i == 1 ? "positive" : name, i == 0);
			if ((rc = jstr(f, col[i], len[i], i ? "passage text" :
				       "query text", err)))
				return rc;
		}
		if (label >= 0) {
			jkey(f, "label", false);
			strbuf_addch(&f->line, label ? '1' : '0');
		}
		return jend(f, err);
	}
	for (int i = 0; i < n; i++) {
		if (utf8_check(col[i], len[i], NULL) >= 0)
			return err_set(err, NS_EINPUT, "%s is not valid UTF-8",
				       i ? "passage text" : "query text");
		csv_field(f, col[i], len[i], i == 0);
	}
	if (label >= 0) {
		strbuf_addch(&f->line, f->sep);
		strbuf_addch(&f->line, label ? '1' : '0');
	}
	strbuf_addch(&f->line, '\n');
	return outstream_write(f->out, f->line.buf, f->line.len, err);
}

/* The texts of a record: the query, then passages; titles joined. */
struct st_cols {
	const char **col;
	size_t *len;
	char **own;		/* joined "title text" copies to free */
	int n;
};

static void
st_cols_set(struct exportfmt *f, struct st_cols *c, int i,
	    const struct export_item *it)
{
	size_t len;
	const char *s = psg_text(f, it, &len);

	if (s == f->text.buf) {
		c->own[i] = xstrndup(s, len);
		s = c->own[i];
	}
	c->col[i] = s;
	c->len[i] = len;
}

static void
st_cols_clear(struct st_cols *c, int from, int to)
{
	for (int i = from; i < to; i++) {
		free(c->own[i]);
		c->own[i] = NULL;
	}
}

static enum ns_rc
write_st(struct exportfmt *f, const struct export_query *q,
	 const struct export_item *const *pos, size_t npos,
	 const struct export_item *const *neg, size_t nneg, int64_t *rows,
	 struct ns_err *err)
{
	static const char *const triplet[] = { "anchor", "positive",
					       "negative" };
	static const char *const pair[] = { "anchor", "positive" };
	int ncol = f->format == EXPORTFMT_NTUPLE ? 2 + f->ntuple : 3;
	const char *colv[3 + 64];
	size_t lenv[3 + 64];
	char *ownv[3 + 64] = { NULL };
	struct st_cols c = { colv, lenv, ownv, ncol };
	enum ns_rc rc = NS_OK;

	if (ncol > (int)NS_ARRAY_SIZE(colv)) {
		c.col = xcalloc((size_t)ncol, sizeof(*c.col));
		c.len = xcalloc((size_t)ncol, sizeof(*c.len));
		c.own = xcalloc((size_t)ncol, sizeof(*c.own));
	}
	c.col[0] = q->text;
	c.len[0] = strlen(q->text);
	switch (f->format) {
	case EXPORTFMT_TRIPLET:
		for (size_t p = 0; p < npos && !rc; p++) {
			st_cols_set(f, &c, 1, pos[p]);
			for (size_t i = 0; i < nneg && !rc; i++) {
				st_cols_set(f, &c, 2, neg[i]);
				rc = st_record(f, triplet, 3, c.col, c.len, -1,
					       err);
				st_cols_clear(&c, 2, 3);
				(*rows)++;
			}
			st_cols_clear(&c, 1, 2);
		}
		break;
	case EXPORTFMT_NTUPLE:
		for (size_t i = 0; i < (size_t)f->ntuple; i++)
			st_cols_set(f, &c, 2 + (int)i, neg[i]);
		for (size_t p = 0; p < npos && !rc; p++) {
			st_cols_set(f, &c, 1, pos[p]);
			rc = st_record(f, NULL, ncol, c.col, c.len, -1, err);
			st_cols_clear(&c, 1, 2);
			(*rows)++;
		}
		break;
	case EXPORTFMT_PAIR:
		for (size_t i = 0; i < npos + nneg && !rc; i++) {
			st_cols_set(f, &c, 1, i < npos ? pos[i]
						       : neg[i - npos]);
			rc = st_record(f, pair, 2, c.col, c.len, i < npos,
				       err);
			st_cols_clear(&c, 1, 2);
			(*rows)++;
		}
		break;
	}
	st_cols_clear(&c, 0, ncol);
	if (c.col != colv) {
		free(c.col);
		free(c.len);
		free(c.own);
	}
	return rc;
}

enum ns_rc
exportfmt_query(struct exportfmt *f, const struct export_query *q,
		const struct export_item *const *pos, size_t npos,
		const struct export_item *const *neg, size_t nneg,
		int64_t *rows, struct ns_err *err)
{
	enum ns_rc rc;

	switch (f->format) {
	case EXPORTFMT_BGE:
		rc = write_bge(f, q, pos, npos, neg, nneg, err);
		*rows += rc == NS_OK;
		return rc;
	case EXPORTFMT_TEVATRON:
		rc = write_tevatron(f, q, pos, npos, neg, nneg, err);
		*rows += rc == NS_OK;
		return rc;
	case EXPORTFMT_TRIPLET:
	case EXPORTFMT_NTUPLE:
	case EXPORTFMT_PAIR:
		return write_st(f, q, pos, npos, neg, nneg, rows, err);
	}
	return err_set(err, NS_EINTERNAL, "format %s has no training records",
		       exportfmt_name(f->format));
}

/* Can @id be written as a field of qrels format @format? */
static bool
qrels_id_ok(int format, const char *id)
{
	if (format == EXPORTFMT_TREC_QRELS)
		return *id && !strpbrk(id, " \t\r\n\v\f");
	return *id && *id != '"' && !strpbrk(id, "\t\r\n");
}

enum ns_rc
exportfmt_qrels(struct exportfmt *f, const struct export_query *q,
		const struct export_item *const *fn, size_t n, int64_t grade,
		int64_t *rows, int64_t *no_id, struct ns_err *err)
{
	const char *what = f->format == EXPORTFMT_TREC_QRELS
			   ? "TREC qrels (no blanks)"
			   : "BEIR qrels (no tab, line break or leading quote)";
	enum ns_rc rc;

	if (!qrels_id_ok(f->format, q->xid))
		return err_set(err, NS_EINPUT, "query id '%s' cannot be "
			       "written in %s", q->xid, what);
	for (size_t i = 0; i < n; i++) {
		if (!fn[i]->xid) {
			(*no_id)++;
			continue;
		}
		if (!qrels_id_ok(f->format, fn[i]->xid))
			return err_set(err, NS_EINPUT, "passage id '%s' cannot "
				       "be written in %s", fn[i]->xid, what);
		strbuf_reset(&f->line);
		if (f->format == EXPORTFMT_TREC_QRELS)
			strbuf_addf(&f->line, "%s 0 %s %lld\n", q->xid,
				    fn[i]->xid, (long long)grade);
		else
			strbuf_addf(&f->line, "%s\t%s\t%lld\n", q->xid,
				    fn[i]->xid, (long long)grade);
		if ((rc = outstream_write(f->out, f->line.buf, f->line.len,
					  err)))
			return rc;
		(*rows)++;
	}
	return NS_OK;
}

enum ns_rc
exportfmt_begin(int format, int file_type, int ntuple, struct outstream *out,
		struct exportfmt **fp, struct ns_err *err)
{
	struct exportfmt *f = xcalloc(1, sizeof(*f));
	enum ns_rc rc = NS_OK;

	f->format = format;
	f->file_type = file_type;
	f->ntuple = ntuple;
	f->sep = file_type == EXPORTFMT_CSV ? ',' : '\t';
	f->out = out;
	strbuf_init(&f->line);
	strbuf_init(&f->text);
	if (format == EXPORTFMT_BEIR_QRELS) {
		rc = outstream_puts(out, "query-id\tcorpus-id\tscore\n", err);
	} else if (exportfmt_is_st(format) && file_type != EXPORTFMT_JSONL) {
		static const char *const head[] = { "anchor", "positive" };

		strbuf_reset(&f->line);
		for (int i = 0; i < 2; i++)
			csv_field(f, head[i], strlen(head[i]), i == 0);
		if (format == EXPORTFMT_TRIPLET)
			strbuf_addf(&f->line, "%cnegative", f->sep);
		else if (format == EXPORTFMT_PAIR)
			strbuf_addf(&f->line, "%clabel", f->sep);
		else
			for (int i = 1; i <= ntuple; i++)
				strbuf_addf(&f->line, "%cnegative_%d", f->sep,
					    i);
		strbuf_addch(&f->line, '\n');
		rc = outstream_write(out, f->line.buf, f->line.len, err);
	}
	if (rc) {
		exportfmt_free(f);
		return rc;
	}
	*fp = f;
	return NS_OK;
}

void
exportfmt_free(struct exportfmt *f)
{
	if (!f)
		return;
	strbuf_fini(&f->line);
	strbuf_fini(&f->text);
	free(f);
}
