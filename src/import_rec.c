/*
 * import_rec.c - the record readers of each import format (see
 * import_int.h; the formats are described in negsieve(1)).
 *
 * Every reader checks a whole record before it writes anything, except
 * for facts only the database knows (a conflicting id); under --skip-bad
 * the driver wraps each record in a savepoint for those.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "src/import_int.h"

/* Largest number of positives or negatives in one training row. */
#define IMP_MAX_LIST 100000

enum ns_rc
imp_bad(struct imp *im, const char *base, size_t off, struct ns_err *err,
	const char *fmt, ...)
{
	long line = im->rec_line ? im->rec_line : im->lr.lineno;
	long col = im->rec_col > 0 ? im->rec_col : 1;
	va_list ap;

	/* Count code points by hand: the line may have been split in place,
	 * with NULs where separators were. */
	for (size_t i = 0; i < off; i++) {
		if (base[i] == '\n')
			line++, col = 1;
		else if (((unsigned char)base[i] & 0xC0) != 0x80)
			col++;
	}
	va_start(ap, fmt);
	err_vsetpos(err, NS_EINPUT, im->path, line, col, fmt, ap);
	va_end(ap);
	return NS_EINPUT;
}

bool
imp_parse_int(const char *s, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (!*s || *end || errno)
		return false;
	*v = x;
	return true;
}

bool
imp_parse_num(const char *s, double *v, bool *finite)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (!*s || *end || end == s)
		return false;
	*finite = isfinite(x) && errno != ERANGE;
	if (errno == ERANGE && x == 0)
		*finite = true;		/* underflow to 0 is fine */
	*v = x;
	return true;
}

int
imp_ws_split(char *s, char **f, size_t *start, int max)
{
	char *p = s;
	int n = 0;

	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		f[n] = p;
		start[n] = (size_t)(p - s);
		n++;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

int
imp_csv_split(const char *s, size_t len, char sep, struct strbuf *out,
	      size_t off[IMP_MAX_FIELDS], size_t src[IMP_MAX_FIELDS],
	      size_t *bad, const char **why)
{
	size_t i = 0;
	int n = 0;

	strbuf_reset(out);
	for (;;) {
		if (n == IMP_MAX_FIELDS) {
			*bad = i;
			*why = "too many fields";
			return -1;
		}
		off[n] = out->len;
		src[n] = i;
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return -2;
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						strbuf_addch(out, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				strbuf_addch(out, s[i]);
				i++;
			}
			if (i < len && s[i] != sep) {
				*bad = i;
				*why = "unexpected character after a closing "
				       "quote";
				return -1;
			}
		} else {
			size_t j = i;

			while (j < len && s[j] != sep)
				j++;
			strbuf_add(out, s + i, j - i);
			i = j;
		}
		strbuf_addch(out, '\0');
		n++;
		if (i >= len)
			return n;
		i++;	/* the separator */
	}
}

/* --- JSON helpers --------------------------------------------------- */

/* The byte offset of "key" in @line, for positions of field errors. */
size_t
imp_key_off(const char *line, const char *key)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(line, pat);
	return p ? (size_t)(p - line) : 0;
}

size_t
imp_key_off_nth(const char *line, size_t from, const char *key, size_t nth)
{
	char pat[80];
	const char *p = line + from;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	for (size_t i = 0; (p = strstr(p, pat)); i++, p++)
		if (i == nth)
			return (size_t)(p - line);
	return imp_key_off(line, key);
}

/* Parse @line as one JSON value; NULL and @err set when it is not. */
static json_t *
imp_json(struct imp *im, const char *line, size_t len, struct ns_err *err)
{
	json_error_t je;
	const char *why;
	json_t *v;
	long bad;

	v = json_loadb(line, len, 0, &je);
	if (v)
		return v;
	bad = utf8_check(line, len, &why);
	if (bad >= 0) {
		imp_bad(im, line, (size_t)bad, err, "%s", why);
		return NULL;
	}
	if (strstr(je.text, "near 'NaN'") || strstr(je.text, "Infinity'") ||
	    strstr(je.text, "real number overflow")) {
		size_t off = je.position > 0 ? (size_t)je.position : 0;

		/* point at the start of the token, not after it */
		while (off > 0 && !strchr(",:[ ", line[off - 1]))
			off--;
		imp_bad(im, line, off, err, "score is not a finite number");
		return NULL;
	}
	if (strstr(je.text, "\\u0000"))
		imp_bad(im, line, je.position > 6 ? (size_t)je.position - 6
			: 0, err, "NUL character (\\u0000) in a string");
	else
		err_setpos(err, NS_EINPUT, im->path, im->lr.lineno +
			   (je.line > 1 ? je.line - 1 : 0),
			   (je.line > 1 ? 0 : im->rec_col - 1) +
			   (je.column > 0 ? je.column : 1), "invalid JSON: %s",
			   je.text);
	return NULL;
}

/* An id field: a non-empty string or an integer, formatted into @buf. */
const char *
imp_jid(struct imp *im, const char *line, json_t *o, const char *key,
	bool required, char *buf, size_t size, struct ns_err *err,
	enum ns_rc *rc)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			*rc = imp_bad(im, line, 0, err, "missing \"%s\"", key);
		return NULL;
	}
	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return buf;
	}
	if (!json_is_string(v)) {
		*rc = imp_bad(im, line, imp_key_off(line, key), err,
			      "\"%s\" is not a string or an integer", key);
		return NULL;
	}
	if (json_string_length(v) == 0) {
		*rc = imp_bad(im, line, imp_key_off(line, key), err,
			      "\"%s\" is empty", key);
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		*rc = imp_bad(im, line, imp_key_off(line, key), err,
			      "NUL character in \"%s\"", key);
		return NULL;
	}
	return json_string_value(v);
}

/* A text field: a string (NULL, no error, when absent and optional). */
const char *
imp_jstr(struct imp *im, const char *line, json_t *o, const char *key,
	 bool required, size_t *len, struct ns_err *err, enum ns_rc *rc)
{
	json_t *v = json_object_get(o, key);

	if (!v || (json_is_null(v) && !required)) {
		if (required)
			*rc = imp_bad(im, line, 0, err, "missing \"%s\"", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		*rc = imp_bad(im, line, imp_key_off(line, key), err,
			      "\"%s\" is not a string", key);
		return NULL;
	}
	*len = json_string_length(v);
	return json_string_value(v);
}

/* The message for an id known with another text. */
static long imp_first_line(struct imp *im, const char *xid);

enum ns_rc
imp_conflict(struct imp *im, const char *line, size_t off, const char *what,
	     const char *xid, struct ns_err *err)
{
	long first;
	char *path = NULL;

	if (im->st.conflict_source == im->st.source) {
		first = imp_first_line(im, xid);
		if (first > 0)
			return imp_bad(im, line, off, err, "duplicate %s id "
				       "'%s' with a different text (first at "
				       "line %ld)", what, xid, first);
		return imp_bad(im, line, off, err, "duplicate %s id '%s' "
			       "with a different text", what, xid);
	}
	path = store_source_path(im->st.db, im->st.conflict_source);
	imp_bad(im, line, off, err, "%s id '%s' was imported from %s with a "
		"different text", what, xid, path ? path : "?");
	free(path);
	return NS_EINPUT;
}

/* The id a line of the current file carries, for imp_first_line(). */
static const char *
imp_line_id(struct imp *im, const char *line, size_t len, char *buf,
	    size_t size)
{
	if (im->kind == KIND_ID_TEXT || im->kind == KIND_TOPICS) {
		const char *tab = memchr(line, '\t', len);
		size_t n = tab ? (size_t)(tab - line) : len;

		if (n >= size)
			return NULL;
		memcpy(buf, line, n);
		buf[n] = '\0';
		return buf;
	} else {
		json_t *o = json_loadb(line, len, 0, NULL);
		json_t *v = o ? json_object_get(o, "_id") : NULL;
		const char *r = NULL;

		if (json_is_string(v) && json_string_length(v) < size) {
			snprintf(buf, size, "%s", json_string_value(v));
			r = buf;
		} else if (json_is_integer(v)) {
			snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			r = buf;
		}
		json_decref(o);
		return r;
	}
}

/* The first line of the current file holding @xid (an error path: the
 * file is read again rather than every id remembered). */
static long
imp_first_line(struct imp *im, const char *xid)
{
	struct linereader lr;
	struct ns_err e;
	const char *line;
	size_t len;
	char buf[4096];
	long found = 0;

	if ((im->kind != KIND_CORPUS && im->kind != KIND_QUERIES &&
	     im->kind != KIND_ID_TEXT && im->kind != KIND_TOPICS) ||
	    !im->regular || im->lr.array || im->lr.lineno == 0)
		return 0;	/* a pipe cannot be read again */
	if (linereader_open(&lr, im->open_path, im->o->max_record, &e) !=
	    NS_OK)
		return 0;
	for (;;) {
		enum ns_rc rc = linereader_next(&lr, &line, &len, &e);
		const char *id;

		if (rc == NS_EINPUT)
			continue;
		if (rc != NS_OK || lr.lineno >= im->lr.lineno)
			break;
		id = imp_line_id(im, line, len, buf, sizeof(buf));
		if (id && strcmp(id, xid) == 0) {
			found = lr.lineno;
			break;
		}
	}
	linereader_close(&lr);
	return found;
}

/* --- BEIR corpus and queries ---------------------------------------- */

static enum ns_rc
imp_corpus(struct imp *im, const char *line, size_t len, struct ns_err *err)
{
	enum ns_rc rc = NS_OK;
	const char *id, *title = "", *text;
	size_t tlen = 0, xlen = 0;
	char idbuf[32];
	json_t *o;

	if (!(o = imp_json(im, line, len, err)))
		return NS_EINPUT;
	if (!json_is_object(o)) {
		rc = imp_bad(im, line, 0, err, "expected a JSON object");
		goto out;
	}
	id = imp_jid(im, line, o, "_id", true, idbuf, sizeof(idbuf), err, &rc);
	if (!id)
		goto out;
	if (im->kind == KIND_CORPUS) {
		title = imp_jstr(im, line, o, "title", false, &tlen, err, &rc);
		if (rc)
			goto out;
		if (!title)
			title = "";
	}
	text = imp_jstr(im, line, o, "text", true, &xlen, err, &rc);
	if (!text)
		goto out;
	rc = imp_corpus_fields(im, line, id, title, tlen, text, xlen, err);
out:
	json_decref(o);
	return rc;
}

enum ns_rc
imp_corpus_fields(struct imp *im, const char *line, const char *id,
		  const char *title, size_t tlen, const char *text,
		  size_t len, struct ns_err *err)
{
	enum store_hit hit;
	int64_t pid;
	enum ns_rc rc;

	if (im->kind == KIND_CORPUS) {
		rc = store_passage(&im->st, id, title, tlen, text, len, &pid,
				   &hit, err);
		if (rc == NS_OK && hit == STORE_CONFLICT)
			rc = imp_conflict(im, line, imp_key_off(line, "_id"),
					  "passage", id, err);
	} else {
		rc = store_query(&im->st, id, text, len, NULL, NULL, &pid,
				 &hit, err);
		if (rc == NS_OK && hit == STORE_CONFLICT)
			rc = imp_conflict(im, line, imp_key_off(line, "_id"),
					  "query", id, err);
	}
	return rc;
}

/* --- TSV kinds: BEIR qrels, TREC run and qrels, id<TAB>text ---------- */

enum ns_rc
imp_check_utf8(struct imp *im, const char *line, size_t len,
	       struct ns_err *err)
{
	const char *why;
	long bad = utf8_check(line, len, &why);

	if (bad >= 0)
		return imp_bad(im, line, (size_t)bad, err, "%s", why);
	return NS_OK;
}

/* A qrels judgment; @create makes id-only queries/passages for unknown
 * ids (TREC), otherwise unknown ids are errors (BEIR). */
static enum ns_rc
imp_judgment(struct imp *im, const char *line, const char *qx, size_t qoff,
	     const char *px, size_t poff, long grade, bool create,
	     struct ns_err *err)
{
	struct store_judgment j;
	enum store_hit hit;
	int64_t q, p;
	enum ns_rc rc;

	if (im->judgment)	/* import_qrels(): no project */
		return im->judgment(im->judgment_ctx, qx, px, grade, err);
	if (create) {
		if ((rc = store_query(&im->st, qx, NULL, 0, NULL, NULL, &q,
				      &hit, err)) ||
		    (rc = store_passage(&im->st, px, NULL, 0, NULL, 0, &p,
					&hit, err)))
			return rc;
	} else {
		if (!(q = store_query_find(&im->st, qx)))
			return imp_bad(im, line, qoff, err, "unknown query id "
				       "'%s' (not in the queries nor the "
				       "project)", qx);
		if (!(p = store_passage_find(&im->st, px)))
			return imp_bad(im, line, poff, err, "unknown passage "
				       "id '%s' (not in the corpus nor the "
				       "project)", px);
	}
	memset(&j, 0, sizeof(j));
	j.qid = q;
	j.pid = p;
	j.grade = grade;
	j.positive_grade = im->o->positive_grade;
	j.qxid = qx;
	j.pxid = px;
	return store_qrel(&im->st, &j, NULL, err);
}

static enum ns_rc
imp_beir_qrels(struct imp *im, char *line, size_t len, struct ns_err *err)
{
	size_t off[IMP_MAX_FIELDS], src[IMP_MAX_FIELDS], bad;
	const char *why, *f[4];
	long grade;
	double d;
	bool fin, first = !im->header_done;
	enum ns_rc rc;
	int n;

	im->header_done = true;
	if ((rc = imp_check_utf8(im, line, len, err)))
		return rc;
	n = imp_csv_split(line, len, '\t', &im->fields, off, src, &bad, &why);
	if (n < 0)
		return imp_bad(im, line, n == -1 ? bad : len, err, "%s",
			       n == -1 ? why : "unterminated quoted field");
	for (int i = 0; i < n && i < 4; i++)
		f[i] = im->fields.buf + off[i];
	if (n != 3 && n != 4)
		return imp_bad(im, line, 0, err, "expected 3 tab-separated "
			       "fields (query-id, corpus-id, score), got %d",
			       n);
	/* query-id corpus-id [iteration] score */
	if (!imp_parse_int(f[n - 1], &grade)) {
		if (!imp_parse_num(f[n - 1], &d, &fin) || !fin ||
		    d != floor(d) || fabs(d) > 1e9) {
			if (first) {
				im->records--;
				return NS_OK;	/* a header line */
			}
			return imp_bad(im, line, src[n - 1], err, "score is "
				       "not an integer grade: '%s'", f[n - 1]);
		}
		grade = (long)d;
	}
	if (!*f[0] || !*f[1])
		return imp_bad(im, line, !*f[0] ? 0 : src[1], err, "empty id");
	return imp_judgment(im, line, f[0], src[0], f[1], src[1], grade,
			    false, err);
}

/*
 * Start a whitespace-separated TREC line: check its UTF-8 and split it into
 * at most @max fields (imp_ws_split()), *@n of them.  A comment ('#' as
 * the first field) is no record: *@n = -1.
 */
static enum ns_rc
imp_trec_fields(struct imp *im, char *line, size_t len, char **f,
		size_t *st, int max, int *n, struct ns_err *err)
{
	enum ns_rc rc = imp_check_utf8(im, line, len, err);

	if (rc)
		return rc;
	*n = imp_ws_split(line, f, st, max);
	if (*n > 0 && strcmp(f[0], "#") == 0) {
		im->records--;
		*n = -1;
	}
	return NS_OK;
}

static enum ns_rc
imp_trec_qrels(struct imp *im, char *line, size_t len, struct ns_err *err)
{
	char *f[6];
	size_t st[6];
	bool first = !im->header_done;
	long grade;
	enum ns_rc rc;
	int n;

	if ((rc = imp_trec_fields(im, line, len, f, st, 5, &n, err)))
		return rc;
	if (n < 0)
		return NS_OK;	/* a comment */
	im->header_done = true;
	if (n != 4)
		return imp_bad(im, line, n > 4 ? st[4] : 0, err, "expected 4 "
			       "fields (query iteration docid grade), got %s%d",
			       n > 4 ? "more than " : "", n > 4 ? 4 : n);
	if (!imp_parse_int(f[3], &grade)) {
		if (first) {
			im->records--;
			return NS_OK;	/* a header line */
		}
		return imp_bad(im, line, st[3], err, "grade is not an "
			       "integer: '%s'", f[3]);
	}
	return imp_judgment(im, line, f[0], st[0], f[2], st[2], grade, true,
			    err);
}

static enum ns_rc
imp_trec_run(struct imp *im, char *line, size_t len, struct ns_err *err)
{
	char *f[6];
	size_t st[6];
	enum store_hit hit;
	int64_t q, p;
	long first;
	double score;
	bool fin;
	enum ns_rc rc;
	int n;

	if ((rc = imp_trec_fields(im, line, len, f, st, 6, &n, err)))
		return rc;
	if (n < 0)
		return NS_OK;	/* a comment */
	if (n < 6)
		return imp_bad(im, line, 0, err, "expected 6 fields (query Q0 "
			       "docid rank score tag), got %d", n);
	if (!imp_parse_num(f[4], &score, &fin))
		return imp_bad(im, line, st[4], err, "score is not a number: "
			       "'%s'", f[4]);
	if (!fin)
		return imp_bad(im, line, st[4], err, "score is not a finite "
			       "number: '%s'", f[4]);
	if (!im->run) {
		if ((rc = store_run(&im->st, "trec", NULL, &im->run, err)) ||
		    (rc = store_trec_start(&im->st, err)))
			return rc;
	}
	if ((rc = store_query(&im->st, f[0], NULL, 0, NULL, NULL, &q, &hit,
			      err)) ||
	    (rc = store_passage(&im->st, f[2], NULL, 0, NULL, 0, &p, &hit,
				err)) ||
	    (rc = store_trec_row(&im->st, q, p, f[0], f[2], score,
				 im->lr.lineno, &first, err)))
		return rc;
	if (first)
		return imp_bad(im, line, st[2], err, "document '%s' is listed "
			       "twice for query '%s' (first at line %ld)",
			       f[2], f[0], first);
	return NS_OK;
}

static enum ns_rc
imp_id_text(struct imp *im, char *line, size_t len, struct ns_err *err)
{
	char *tab = memchr(line, '\t', len);
	enum store_hit hit;
	int64_t pid;
	enum ns_rc rc;

	if ((rc = imp_check_utf8(im, line, len, err)))
		return rc;
	if (!tab)
		return imp_bad(im, line, len, err, "expected id<TAB>text");
	if (tab == line)
		return imp_bad(im, line, 0, err, "empty id");
	*tab = '\0';
	rc = store_passage(&im->st, line, "", 0, tab + 1,
			   len - (size_t)(tab + 1 - line), &pid, &hit, err);
	if (rc == NS_OK && hit == STORE_CONFLICT)
		rc = imp_conflict(im, line, 0, "passage", line, err);
	*tab = '\t';
	return rc;
}

/* --- training rows: BGE, Tevatron, sentence-transformers ------------ */

static struct imp_psg *imp_psgs;
static size_t imp_psgs_cap;

struct imp_psg *
imp_psgs_need(size_t n)
{
	/* allocated even for a row without passages: imp_psgs + 0 on NULL
	 * is undefined (found by fuzz/fuzz-import, bge and tevatron) */
	if (n > imp_psgs_cap || !imp_psgs) {
		imp_psgs_cap = n + 64;
		imp_psgs = xrealloc(imp_psgs, imp_psgs_cap *
				    sizeof(*imp_psgs));
	}
	return imp_psgs;
}

static int
imp_by_score(const void *a, const void *b)
{
	const struct imp_psg *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Write passage @ps of a row (*@p gets its id); another text under its
 * id is a conflict reported at @line. */
static enum ns_rc
imp_psg_store(struct imp *im, const char *line, const struct imp_psg *ps,
	      int64_t *p, struct ns_err *err)
{
	enum store_hit hit;
	enum ns_rc rc;

	if ((rc = store_passage(&im->st, ps->xid, ps->title, ps->tlen,
				ps->text, ps->len, p, &hit, err)))
		return rc;
	if (hit == STORE_CONFLICT)
		return imp_conflict(im, line, 0, "passage", ps->xid, err);
	return NS_OK;
}

enum ns_rc
imp_row_store(struct imp *im, const char *line, struct imp_row *r,
	      struct ns_err *err)
{
	char xid[32];
	enum store_hit hit;
	int64_t q, p;
	enum ns_rc rc;
	bool scored = r->nneg > 0, derived = !r->qxid;

	if (!r->qxid) {
		snprintf(xid, sizeof(xid), "h:%016" PRIx64,
			 hash64(r->qtext, r->qlen));
		r->qxid = xid;
	}
	if ((rc = store_query(&im->st, r->qxid, r->qtext, r->qlen, r->prompt,
			      r->type, &q, &hit, err)))
		return rc;
	if (hit == STORE_CONFLICT)
		return imp_conflict(im, line, imp_key_off(line, "query_id"),
				    "query", r->qxid, err);
	/* A row of a format with one row per query but no query id (bge,
	 * rank_llm without qid) is its query by the text: two rows with
	 * one text become one query with both rows' passages.  Often two
	 * queries of the data set that share a text (an export of them
	 * does not import back as it was): the summary counts them.  A
	 * sentence-transformers file repeats its anchor on every row by
	 * design, and a query of an earlier input is the point of
	 * importing more rows for it. */
	if (derived && (im->kind == KIND_BGE || im->kind == KIND_RANKLLM) &&
	    store_query_again(&im->st, q)) {
		if (!im->st.queries_repeated++) {
			size_t n = r->qlen < 60 ? r->qlen : 60;

			/* cut on a character boundary */
			while (n < r->qlen && n > 0 &&
			       ((unsigned char)r->qtext[n] & 0xC0) == 0x80)
				n--;
			snprintf(im->st.repeated_example,
				 sizeof(im->st.repeated_example), "'%.*s%s'",
				 (int)n, r->qtext, n < r->qlen ? "..." : "");
		}
	}
	for (size_t i = 0; i < r->npos; i++) {
		struct imp_psg *ps = &r->pos[i];
		struct store_judgment j;

		if ((rc = imp_psg_store(im, line, ps, &p, err)))
			return rc;
		memset(&j, 0, sizeof(j));
		j.qid = q;
		j.pid = p;
		j.grade = 1;
		j.score = ps->has_score ? &ps->score : NULL;
		j.qxid = r->qxid;
		j.pxid = ps->xid;
		if ((rc = store_qrel(&im->st, &j, NULL, err)))
			return rc;
	}
	if (r->nneg == 0)
		return NS_OK;
	if (!im->run && (rc = store_run(&im->st, "import", NULL, &im->run,
					err)))
		return rc;
	for (size_t i = 0; i < r->nneg; i++)
		scored = scored && r->neg[i].has_score;
	if (scored)
		qsort(r->neg, r->nneg, sizeof(*r->neg), imp_by_score);
	for (size_t i = 0; i < r->nneg; i++) {
		struct imp_psg *ps = &r->neg[i];

		if ((rc = imp_psg_store(im, line, ps, &p, err)))
			return rc;
		if ((rc = store_candidate(&im->st, im->run, q, p, (long)i + 1,
					  ps->has_score ? &ps->score : NULL,
					  r->qxid, ps->xid, NULL, err)))
			return rc;
	}
	return NS_OK;
}

/* BGE "pos"/"neg" with "pos_scores"/"neg_scores" into @out. */
static enum ns_rc
imp_bge_list(struct imp *im, const char *line, json_t *o, const char *key,
	     const char *skey, struct imp_psg *out, size_t *n,
	     struct ns_err *err)
{
	json_t *a = json_object_get(o, key), *s = json_object_get(o, skey);
	size_t koff = imp_key_off(line, key), soff = imp_key_off(line, skey);

	*n = 0;
	if (!a || json_is_null(a)) {
		/* scores without their list: most likely the list under a
		 * key of another spelling, whose passages would be lost */
		if (s && !json_is_null(s) && !json_is_array(s))
			return imp_bad(im, line, soff, err, "\"%s\" is not a "
				       "list of numbers", skey);
		if (json_array_size(s) > 0)
			return imp_bad(im, line, soff, err, "\"%s\" has %zu "
				       "entries but there is no \"%s\"", skey,
				       json_array_size(s), key);
		return NS_OK;
	}
	if (!json_is_array(a))
		return imp_bad(im, line, koff, err, "\"%s\" is not a list of "
			       "strings", key);
	if (s && !json_is_null(s)) {
		if (!json_is_array(s))
			return imp_bad(im, line, soff, err, "\"%s\" is not a "
				       "list of numbers", skey);
		if (json_array_size(s) != json_array_size(a))
			return imp_bad(im, line, soff, err, "\"%s\" has %zu "
				       "entries but \"%s\" has %zu", skey,
				       json_array_size(s), key,
				       json_array_size(a));
	} else {
		s = NULL;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		struct imp_psg *ps = &out[i];

		if (!json_is_string(v))
			return imp_bad(im, line, koff, err, "%s[%zu] is not a "
				       "string", key, i);
		memset(ps, 0, sizeof(*ps));
		ps->title = "";
		ps->text = json_string_value(v);
		ps->len = json_string_length(v);
		ps->pos = (long)i;
		if (s) {
			json_t *x = json_array_get(s, i);

			if (!json_is_number(x))
				return imp_bad(im, line, soff, err, "%s[%zu] "
					       "is not a number", skey, i);
			ps->score = json_number_value(x);
			ps->has_score = true;
		}
	}
	*n = json_array_size(a);
	return NS_OK;
}

/* Note the keys of record @o that are not in @known (NULL-ended) for
 * the warning at the end of the file (see struct imp); @what is the
 * format's keys as the warning names them. */
static void
imp_keys_note(struct imp *im, json_t *o, const char *const *known,
	      const char *what)
{
	const char *k;
	json_t *v;
	int i;

	im->known_keys = what;
	json_object_foreach(o, k, v) {
		for (i = 0; known[i] && strcmp(k, known[i]) != 0; i++)
			;
		if (known[i])
			continue;
		for (i = 0; i < im->nunknown; i++)
			if (strncmp(im->unknown[i].key, k,
				    sizeof(im->unknown[i].key) - 1) == 0)
				break;
		if (i == im->nunknown) {
			if (i == (int)NS_ARRAY_SIZE(im->unknown)) {
				im->unknown_more++;
				continue;
			}
			snprintf(im->unknown[i].key,
				 sizeof(im->unknown[i].key), "%s", k);
			im->unknown[i].line = im->rec_line ? im->rec_line
					      : im->lr.lineno;
			im->unknown[i].n = 0;
			im->nunknown++;
		}
		im->unknown[i].n++;
	}
}

static size_t
imp_list_len(json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	return json_is_array(a) ? json_array_size(a) : 0;
}

static enum ns_rc
imp_bge(struct imp *im, const char *line, json_t *o, struct ns_err *err)
{
	struct imp_row r;
	enum ns_rc rc = NS_OK;
	size_t np = imp_list_len(o, "pos"), nn = imp_list_len(o, "neg");

	memset(&r, 0, sizeof(r));
	r.qtext = imp_jstr(im, line, o, "query", true, &r.qlen, err, &rc);
	if (!r.qtext)
		return rc;
	r.prompt = imp_jstr(im, line, o, "prompt", false, &(size_t){0}, err,
			    &rc);
	if (rc)
		return rc;
	r.type = imp_jstr(im, line, o, "type", false, &(size_t){0}, err, &rc);
	if (rc)
		return rc;
	if (np + nn > IMP_MAX_LIST)
		return imp_bad(im, line, 0, err, "more than %d passages in "
			       "one row", IMP_MAX_LIST);
	imp_psgs_need(np + nn);
	r.pos = imp_psgs;
	r.neg = imp_psgs + np;
	if ((rc = imp_bge_list(im, line, o, "pos", "pos_scores", r.pos,
			       &r.npos, err)) ||
	    (rc = imp_bge_list(im, line, o, "neg", "neg_scores", r.neg,
			       &r.nneg, err)) ||
	    (rc = imp_row_store(im, line, &r, err)))
		return rc;
	imp_keys_note(im, o, (const char *const[]){ "query", "pos", "neg",
		      "pos_scores", "neg_scores", "prompt", "type", NULL },
		      "BGE keys: query, pos, neg, pos_scores, neg_scores, "
		      "prompt, type");
	return NS_OK;
}

/* Tevatron "positive_passages"/"negative_passages" into @out. */
static enum ns_rc
imp_tev_list(struct imp *im, const char *line, json_t *o, const char *key,
	     struct imp_psg *out, size_t *n, char (*ids)[32],
	     struct ns_err *err)
{
	json_t *a = json_object_get(o, key);
	size_t koff = imp_key_off(line, key);
	enum ns_rc rc = NS_OK;

	*n = 0;
	if (!a || json_is_null(a))
		return NS_OK;
	if (!json_is_array(a))
		return imp_bad(im, line, koff, err, "\"%s\" is not a list",
			       key);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		struct imp_psg *ps = &out[i];

		if (!json_is_object(v))
			return imp_bad(im, line, koff, err, "%s[%zu] is not "
				       "an object", key, i);
		memset(ps, 0, sizeof(*ps));
		ps->pos = (long)i;
		ps->xid = imp_jid(im, line, v, "docid", false, ids[i],
				  sizeof(ids[i]), err, &rc);
		if (rc)
			return rc;
		ps->title = imp_jstr(im, line, v, "title", false, &ps->tlen,
				     err, &rc);
		if (rc)
			return rc;
		if (!ps->title)
			ps->title = "";
		ps->text = imp_jstr(im, line, v, "text", true, &ps->len, err,
				    &rc);
		if (!ps->text)
			return imp_bad(im, line, koff, err, "%s[%zu] has no "
				       "\"text\"", key, i);
	}
	*n = json_array_size(a);
	return NS_OK;
}

static enum ns_rc
imp_tevatron(struct imp *im, const char *line, json_t *o, struct ns_err *err)
{
	struct imp_row r;
	enum ns_rc rc = NS_OK;
	char qbuf[32];
	size_t np = imp_list_len(o, "positive_passages");
	size_t nn = imp_list_len(o, "negative_passages");
	char (*ids)[32];

	memset(&r, 0, sizeof(r));
	r.qxid = imp_jid(im, line, o, "query_id", false, qbuf, sizeof(qbuf),
			 err, &rc);
	if (rc)
		return rc;
	r.qtext = imp_jstr(im, line, o, "query", true, &r.qlen, err, &rc);
	if (!r.qtext)
		return rc;
	if (np + nn > IMP_MAX_LIST)
		return imp_bad(im, line, 0, err, "more than %d passages in "
			       "one row", IMP_MAX_LIST);
	imp_psgs_need(np + nn);
	ids = xmalloc((np + nn + 1) * sizeof(*ids));
	r.pos = imp_psgs;
	r.neg = imp_psgs + np;
	if ((rc = imp_tev_list(im, line, o, "positive_passages", r.pos,
			       &r.npos, ids, err)) == NS_OK &&
	    (rc = imp_tev_list(im, line, o, "negative_passages", r.neg,
			       &r.nneg, ids + np, err)) == NS_OK &&
	    (rc = imp_row_store(im, line, &r, err)) == NS_OK)
		imp_keys_note(im, o, (const char *const[]){ "query_id",
			      "query", "positive_passages",
			      "negative_passages", NULL }, "Tevatron keys: "
			      "query_id, query, positive_passages, "
			      "negative_passages");
	free(ids);
	return rc;
}

/* A sentence-transformers row from its columns: anchor, positive,
 * negatives...; or, for a labeled pair (@label 0 or 1; -1: not one),
 * anchor and a passage that is a positive (1) or a negative (0). */
static enum ns_rc
imp_st_cols(struct imp *im, const char *line, const char **col,
	    size_t *len, size_t *off, int n, int label, struct ns_err *err)
{
	struct imp_row r;

	if (label >= 0 && n != 2)
		return imp_bad(im, line, 0, err, "expected 3 columns (anchor, "
			       "passage, label), got %d", n + 1);
	if (n < 2)
		return imp_bad(im, line, 0, err, "expected at least 2 columns "
			       "(anchor, positive), got %d", n);
	memset(&r, 0, sizeof(r));
	imp_psgs_need((size_t)n);
	r.qtext = col[0];
	r.qlen = len[0];
	r.pos = imp_psgs;
	r.npos = label == 0 ? 0 : 1;
	r.neg = imp_psgs + r.npos;
	r.nneg = (size_t)n - 1 - r.npos;
	for (int i = 1; i < n; i++) {
		struct imp_psg *ps = &imp_psgs[i - 1];

		memset(ps, 0, sizeof(*ps));
		ps->title = "";
		ps->text = col[i];
		ps->len = len[i];
		ps->pos = i;
		if (strlen(col[i]) != len[i])
			return imp_bad(im, line, off[i], err, "NUL character "
				       "in column %d", i + 1);
	}
	if (strlen(col[0]) != len[0])
		return imp_bad(im, line, off[0], err, "NUL character in "
			       "column 1");
	return imp_row_store(im, line, &r, err);
}

static enum ns_rc
imp_st_json(struct imp *im, const char *line, json_t *o, struct ns_err *err)
{
	const char *col[IMP_MAX_FIELDS];
	size_t len[IMP_MAX_FIELDS], off[IMP_MAX_FIELDS];
	int n = 0, label = -1;

	if (json_is_array(o)) {
		size_t i;
		json_t *v;

		json_array_foreach(o, i, v) {
			if (n == IMP_MAX_FIELDS)
				return imp_bad(im, line, 0, err, "too many "
					       "columns");
			if (!json_is_string(v))
				return imp_bad(im, line, 0, err, "column %zu "
					       "is not a string", i + 1);
			col[n] = json_string_value(v);
			len[n] = json_string_length(v);
			off[n++] = 0;
		}
	} else {
		const char *k;
		json_t *v;

		json_object_foreach(o, k, v) {
			if (n == IMP_MAX_FIELDS)
				return imp_bad(im, line, 0, err, "too many "
					       "columns");
			if (strcmp(k, "label") == 0 && !json_is_string(v)) {
				/* a labeled pair: 1 positive, 0 negative */
				if (!json_is_boolean(v) &&
				    !(json_is_integer(v) &&
				      (json_integer_value(v) == 0 ||
				       json_integer_value(v) == 1)))
					return imp_bad(im, line,
						       imp_key_off(line, k),
						       err, "\"label\" is not "
						       "0 or 1");
				label = json_is_boolean(v) ? json_is_true(v)
					: (int)json_integer_value(v);
				continue;
			}
			if (!json_is_string(v))
				return imp_bad(im, line, imp_key_off(line, k),
					       err, "column \"%s\" is not a "
					       "string", k);
			col[n] = json_string_value(v);
			len[n] = json_string_length(v);
			off[n++] = imp_key_off(line, k);
		}
	}
	return imp_st_cols(im, line, col, len, off, n, label, err);
}

/* Is @s a column name of a sentence-transformers data set? */
static bool
imp_colname(const char *s)
{
	static const char *const names[] = {
		"anchor", "positive", "negative", "query", "question",
		"answer", "pos", "neg", "sentence", "text", "passage",
		"document", "hard_negative", "label", NULL
	};
	size_t n;

	for (int i = 0; names[i]; i++) {
		n = strlen(names[i]);
		if (strncmp(s, names[i], n) != 0)
			continue;
		s += n;
		if (*s == '_' || *s == '-')
			s++;
		while (isdigit((unsigned char)*s))
			s++;
		return *s == '\0';
	}
	return false;
}

static enum ns_rc
imp_st_sep(struct imp *im, const char *line, size_t len, struct ns_err *err)
{
	size_t off[IMP_MAX_FIELDS], src[IMP_MAX_FIELDS], flen[IMP_MAX_FIELDS];
	const char *col[IMP_MAX_FIELDS], *why, *rec = line;
	size_t rlen = len, bad;
	char sep = im->kind == KIND_ST_CSV ? ',' : '\t';
	bool first = !im->header_done;
	enum ns_rc rc;
	int n, i;

	im->header_done = true;
	strbuf_reset(&im->rec);
	for (;;) {
		n = imp_csv_split(rec, rlen, sep, &im->fields, off, src, &bad,
				  &why);
		if (n != -2)
			break;
		/* a quoted field goes on over the next line; inside quotes
		 * every byte is text, the '\r' of a "\r\n" too (only the
		 * line end of a record is CRLF-tolerant), as Python's
		 * csv.reader reads what csv.writer and negsieve export
		 * write */
		if (rec == line)
			strbuf_add(&im->rec, line, len);
		if (im->lr.had_cr)
			strbuf_addch(&im->rec, '\r');
		rc = linereader_next(&im->lr, &line, &len, err);
		if (rc == NS_ENOTFOUND || rc == NS_EINPUT)
			return imp_bad(im, im->rec.buf, 0, err, "unterminated "
				       "quoted field");
		if (rc != NS_OK)
			return rc;
		strbuf_addch(&im->rec, '\n');
		strbuf_add(&im->rec, line, len);
		if (im->rec.len > im->o->max_record)
			return imp_bad(im, im->rec.buf, 0, err, "record longer "
				       "than %zu bytes (import.max_record_"
				       "bytes)", im->o->max_record);
		rec = im->rec.buf;
		rlen = im->rec.len;
	}
	if ((rc = imp_check_utf8(im, rec, rlen, err)))
		return rc;
	if (n < 0)
		return imp_bad(im, rec, bad, err, "%s", why);
	for (i = 0; i < n; i++) {
		col[i] = im->fields.buf + off[i];
		flen[i] = (i + 1 < n ? off[i + 1] - 1 : im->fields.len - 1) -
			  off[i];
	}
	if (first) {
		im->label_col = 0;
		for (i = 0; i < n && imp_colname(col[i]); i++)
			;
		if (i == n) {
			size_t hl = 0;

			/* a "label" column makes the rows labeled pairs */
			im->header[0] = '\0';
			for (i = 0; i < n; i++) {
				if (strcmp(col[i], "label") == 0)
					im->label_col = i + 1;
				if (hl < sizeof(im->header))
					hl += (size_t)snprintf(im->header + hl,
						sizeof(im->header) - hl,
						"%s%s", i ? ", " : "", col[i]);
			}
			im->header_cols = n;
			im->records--;
			return NS_OK;	/* a header row */
		}
	}
	if (im->label_col) {
		int lc = im->label_col - 1, label;

		if (n != 3 || lc >= n)
			return imp_bad(im, rec, 0, err, "expected 3 columns "
				       "(anchor, passage, label), got %d", n);
		if (strcmp(col[lc], "0") && strcmp(col[lc], "1"))
			return imp_bad(im, rec, src[lc], err, "label '%s' is "
				       "not 0 or 1", col[lc]);
		label = col[lc][0] == '1';
		for (i = lc; i + 1 < n; i++) {
			col[i] = col[i + 1];
			flen[i] = flen[i + 1];
			src[i] = src[i + 1];
		}
		return imp_st_cols(im, rec, col, flen, src, n - 1, label, err);
	}
	/* Columns go by position: a row shorter than the header would lose
	 * its last columns (its negatives) without a word, a longer one
	 * would make more negatives than the header names. */
	if (im->header_cols && n != im->header_cols)
		return imp_bad(im, rec, n < im->header_cols ? rlen
			       : src[im->header_cols], err, "expected %d "
			       "columns as in the header (%s), got %d",
			       im->header_cols, im->header, n);
	return imp_st_cols(im, rec, col, flen, src, n, -1, err);
}

/* --- dispatch -------------------------------------------------------- */

static enum ns_rc
imp_train_json(struct imp *im, const char *line, size_t len,
	       struct ns_err *err)
{
	enum ns_rc rc;
	json_t *o;

	if (!(o = imp_json(im, line, len, err)))
		return NS_EINPUT;
	if (im->kind == KIND_ST_JSONL && json_is_array(o))
		rc = imp_st_json(im, line, o, err);
	else if (!json_is_object(o))
		rc = imp_bad(im, line, 0, err, "expected a JSON object");
	else if (im->kind == KIND_BGE)
		rc = imp_bge(im, line, o, err);
	else if (im->kind == KIND_TEVATRON)
		rc = imp_tevatron(im, line, o, err);
	else if (im->kind == KIND_RANKLLM)
		rc = imp_rankllm(im, line, o, err);
	else if (im->kind == KIND_POOL)
		rc = imp_pool(im, line, o, err);
	else
		rc = imp_st_json(im, line, o, err);
	json_decref(o);
	return rc;
}

enum ns_rc
imp_record(struct imp *im, const char *line, size_t len, struct ns_err *err)
{
	char *l = (char *)line;	/* the reader's buffer, ours to change */

	im->rec_line = im->lr.lineno;
	im->rec_col = im->lr.col > 0 ? im->lr.col : 1;
	switch (im->kind) {
	case KIND_CORPUS:
	case KIND_QUERIES:
		return imp_corpus(im, line, len, err);
	case KIND_BEIR_QRELS:
		return imp_beir_qrels(im, l, len, err);
	case KIND_BGE:
	case KIND_TEVATRON:
	case KIND_ST_JSONL:
	case KIND_RANKLLM:
	case KIND_POOL:
		return imp_train_json(im, line, len, err);
	case KIND_ST_CSV:
	case KIND_ST_TSV:
		return imp_st_sep(im, line, len, err);
	case KIND_TREC_RUN:
		return imp_trec_run(im, l, len, err);
	case KIND_TREC_QRELS:
		return imp_trec_qrels(im, l, len, err);
	case KIND_ID_TEXT:
		return imp_id_text(im, l, len, err);
	case KIND_TOPICS:
		return imp_topics(im, l, len, err);
	case KIND_TOPICS_TOP:
		return imp_topics_top(im, l, len, err);
	}
	return err_set(err, NS_EINTERNAL, "unknown input kind");
}

enum ns_rc
imp_file_done(struct imp *im, struct ns_err *err)
{
	if (im->kind == KIND_TREC_RUN && im->run)
		return store_trec_finish(&im->st, im->run, err);
	if (im->kind == KIND_TOPICS_TOP && im->top_line)
		return err_setpos(err, NS_EINPUT, im->path, im->top_line, 1,
				  "<top> without </top> before the end of the "
				  "file");
	return NS_OK;
}
