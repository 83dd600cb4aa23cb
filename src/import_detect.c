/*
 * import_detect.c - what an input holds, from its first bytes (see
 * imp_detect() in import_int.h and "import" in negsieve(1)).
 *
 * Detection looks at a window of the input's first bytes without
 * consuming them (a pipe is read once), and decides by content and
 * structure: the keys of the first JSON record, the fields of the first
 * line.  File names count only where they are a convention of a format
 * (BEIR's corpus.jsonl and queries.jsonl, .csv).  Records of an id and a
 * text may be queries or passages: titles, the project's ids and the
 * texts' lengths decide, and when they do not, the user is asked for
 * --queries or --corpus rather than guessed for.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/import_int.h"

/* Bytes looked at (at most import.max_record_bytes). */
#define DETECT_WINDOW (4u << 20)
/* Records sampled to tell queries from passages. */
#define DETECT_SAMPLE 1000
/* Ids of them looked up in the project. */
#define DETECT_LOOKUP 50
/* Records it takes to judge by the texts' lengths. */
#define DETECT_MIN_TEXTS 10

static const char *const kind_what[] = {
	[KIND_CORPUS] = "passages",
	[KIND_QUERIES] = "queries",
	[KIND_BEIR_QRELS] = "judgments",
	[KIND_BGE] = "training rows",
	[KIND_TEVATRON] = "training rows",
	[KIND_ST_CSV] = "training rows",
	[KIND_ST_TSV] = "training rows",
	[KIND_ST_JSONL] = "training rows",
	[KIND_TREC_RUN] = "candidates",
	[KIND_TREC_QRELS] = "judgments",
	[KIND_ID_TEXT] = "passages",
	[KIND_TOPICS] = "queries",
	[KIND_TOPICS_TOP] = "queries, <top> blocks",
	[KIND_RANKLLM] = "queries, candidates and passages",
	[KIND_POOL] = "passages without ids",
};

const char *
imp_kind_what(enum imp_kind kind)
{
	return (unsigned)kind < NS_ARRAY_SIZE(kind_what) ? kind_what[kind]
	       : "?";
}

static enum import_format
kind_format(enum imp_kind k)
{
	switch (k) {
	case KIND_CORPUS:
	case KIND_QUERIES:
	case KIND_BEIR_QRELS:
		return IMPORT_BEIR;
	case KIND_BGE: return IMPORT_BGE;
	case KIND_TEVATRON: return IMPORT_TEVATRON;
	case KIND_ST_CSV: return IMPORT_ST_CSV;
	case KIND_ST_TSV: return IMPORT_ST_TSV;
	case KIND_ST_JSONL: return IMPORT_ST_JSONL;
	case KIND_TREC_RUN: return IMPORT_TREC_RUN;
	case KIND_TREC_QRELS: return IMPORT_TREC_QRELS;
	case KIND_ID_TEXT: return IMPORT_ID_TEXT;
	case KIND_TOPICS:
	case KIND_TOPICS_TOP:
		return IMPORT_TREC_TOPICS;
	case KIND_RANKLLM: return IMPORT_RANK_LLM;
	case KIND_POOL: return IMPORT_POOL;
	}
	return IMPORT_AUTO;
}

/* The base name of @path without .gz / .zst / .zstd. */
static void
detect_base(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	size_t n;

	snprintf(out, size, "%s", b ? b + 1 : path);
	n = strlen(out);
	for (const char *const *e = (const char *const[]){ ".gz", ".zst",
							    ".zstd", NULL };
	     *e; e++) {
		size_t m = strlen(*e);

		if (n > m && strcasecmp(out + n - m, *e) == 0) {
			out[n - m] = '\0';
			break;
		}
	}
}

static bool
ends_with(const char *s, const char *ext)
{
	size_t n = strlen(s), m = strlen(ext);

	return n > m && strcasecmp(s + n - m, ext) == 0;
}

/* The window's lines, one after another: a line (not NUL-terminated, no
 * '\n' or trailing '\r'); false after the last complete one. */
struct win {
	const char *p;
	size_t n, at;
	bool eof;		/* the window is the whole input */
	long lineno;
};

static bool
win_line(struct win *w, const char **line, size_t *len, bool *complete)
{
	const char *nl;
	size_t n;

	if (w->at >= w->n)
		return false;
	nl = memchr(w->p + w->at, '\n', w->n - w->at);
	n = nl ? (size_t)(nl - (w->p + w->at)) : w->n - w->at;
	*line = w->p + w->at;
	*complete = nl || w->eof;
	w->at += n + (nl ? 1 : 0);
	w->lineno++;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return true;
}

static bool
blank_or_comment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return true;
	return s[0] == '#' && (n == 1 || s[1] == ' ' || s[1] == '\t');
}

/* The encodings negsieve does not read, by their first bytes. */
static enum ns_rc
detect_encoding(const char *name, const unsigned char *p, size_t n,
		struct ns_err *err)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *what;
	} bad[] = {
		{ "\xFF\xFE\x00\x00", 4, "UTF-32 (little-endian; byte order "
		  "mark FF FE 00 00)" },
		{ "\x00\x00\xFE\xFF", 4, "UTF-32 (big-endian; byte order mark "
		  "00 00 FE FF)" },
		{ "\xFF\xFE", 2, "UTF-16 (little-endian; byte order mark "
		  "FF FE)" },
		{ "\xFE\xFF", 2, "UTF-16 (big-endian; byte order mark FE FF)" },
	};
	static const struct {
		const char *magic;
		size_t len;
		const char *what;
	} packed[] = {
		{ "\xFD" "7zXZ\x00", 6, "xz" },
		{ "BZh", 3, "bzip2" },
		{ "PK\x03\x04", 4, "zip" },
		{ "\x04\x22\x4D\x18", 4, "lz4" },
	};
	size_t nul = 0, m = n < 4096 ? n : 4096;

	for (size_t i = 0; i < NS_ARRAY_SIZE(bad); i++)
		if (n >= bad[i].len && memcmp(p, bad[i].magic, bad[i].len) == 0)
			return err_setpos(err, NS_EINPUT, name, 0, 0, "the "
					  "file is %s, not UTF-8; convert it "
					  "first, e.g. iconv -f %.6s -t UTF-8",
					  bad[i].what, bad[i].what);
	for (size_t i = 0; i < NS_ARRAY_SIZE(packed); i++)
		if (n >= packed[i].len &&
		    memcmp(p, packed[i].magic, packed[i].len) == 0)
			return err_setpos(err, NS_EINPUT, name, 0, 0, "the "
					  "file is compressed with %s, which "
					  "negsieve does not read (gzip and "
					  "zstd it does); decompress it first",
					  packed[i].what);
	for (size_t i = 0; i < m; i++)
		nul += p[i] == 0;
	if (m >= 4 && nul * 4 >= m)
		return err_setpos(err, NS_EINPUT, name, 0, 0, "the file is "
				  "not UTF-8 text (%zu of its first %zu bytes "
				  "are NUL): UTF-16 or UTF-32 without a byte "
				  "order mark, or binary; convert text with "
				  "iconv -t UTF-8", nul, m);
	return NS_OK;
}

enum ns_rc
imp_check_text(struct linereader *lr, struct ns_err *err)
{
	const char *p;
	size_t n;
	enum ns_rc rc;

	if ((rc = linereader_peek(lr, 4096, &p, &n, err)))
		return rc;
	return detect_encoding(lr->path, (const unsigned char *)p, n, err);
}

/* What a JSON record looks like, by its keys; false when nothing fits. */
static bool
detect_json_keys(json_t *o, enum imp_kind *k)
{
	if (json_is_array(o)) {
		*k = KIND_ST_JSONL;
		return true;
	}
	if (!json_is_object(o))
		return false;
	if (json_object_get(o, "positive_passages") ||
	    json_object_get(o, "negative_passages") ||
	    json_object_get(o, "query_id"))
		*k = KIND_TEVATRON;
	else if (json_object_get(o, "query") &&
		 (json_object_get(o, "pos") || json_object_get(o, "neg")))
		*k = KIND_BGE;
	else if (json_object_get(o, "query") &&
		 (json_object_get(o, "hits") ||
		  json_object_get(o, "candidates")))
		*k = KIND_RANKLLM;
	else if (json_object_get(o, "_id"))
		*k = KIND_CORPUS;
	else if (json_object_get(o, "anchor"))
		*k = KIND_ST_JSONL;
	else if (json_is_string(json_object_get(o, "text")) &&
		 !json_object_get(o, "query"))
		*k = KIND_POOL;
	else
		return false;
	return true;
}

/* The same for a record that is not valid JSON (cut by the window, or
 * broken): its keys as text, so that the import reports what is wrong
 * with it and where. */
static bool
detect_text_keys(const char *s, enum imp_kind *k)
{
	if (strstr(s, "\"positive_passages\"") || strstr(s, "\"query_id\""))
		*k = KIND_TEVATRON;
	else if (strstr(s, "\"query\"") && (strstr(s, "\"pos\"") ||
					    strstr(s, "\"neg\"")))
		*k = KIND_BGE;
	else if (strstr(s, "\"query\"") && (strstr(s, "\"hits\"") ||
					    strstr(s, "\"candidates\"")))
		*k = KIND_RANKLLM;
	else if (strstr(s, "\"_id\""))
		*k = KIND_CORPUS;
	else if (strstr(s, "\"anchor\""))
		*k = KIND_ST_JSONL;
	else
		return false;
	return true;
}

/* Statistics of the records of an id and a text, to tell queries from
 * passages. */
struct idtext {
	long n;			/* records sampled */
	double bytes;		/* their text bytes */
	size_t max;		/* longest text */
	bool title;		/* some record has a "title" key */
	long nq, np;		/* ids known to the project as queries /
				 * as passages */
	long looked;		/* ids looked up */
};

static void
idtext_add(struct imp *im, struct idtext *t, const char *id, size_t tlen)
{
	t->n++;
	t->bytes += (double)tlen;
	if (tlen > t->max)
		t->max = tlen;
	if (!im || !id || !*id || t->looked >= DETECT_LOOKUP)
		return;
	t->looked++;
	if (store_query_find(&im->st, id))
		t->nq++;
	if (store_passage_find(&im->st, id))
		t->np++;
}

/* Sample the window's JSON lines with "_id" and "text". */
static void
sample_json(struct imp *im, struct win w, struct idtext *t)
{
	const char *line;
	size_t len;
	bool complete;
	char num[32];

	while (t->n < DETECT_SAMPLE && win_line(&w, &line, &len, &complete)) {
		json_t *o, *id, *text;
		const char *ids = NULL;

		if (!complete)
			break;
		if (blank_or_comment(line, len))
			continue;
		if (!(o = json_loadb(line, len, 0, NULL)))
			continue;
		id = json_object_get(o, "_id");
		text = json_object_get(o, "text");
		if (json_object_get(o, "title"))
			t->title = true;
		if (json_is_string(id)) {
			ids = json_string_value(id);
		} else if (json_is_integer(id)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(id));
			ids = num;
		}
		if (json_is_string(text))
			idtext_add(im, t, ids, json_string_length(text));
		json_decref(o);
	}
}

/* Sample the window's id<TAB>text lines. */
static void
sample_tsv(struct imp *im, struct win w, struct idtext *t)
{
	const char *line;
	size_t len;
	bool complete;
	char id[256];

	while (t->n < DETECT_SAMPLE && win_line(&w, &line, &len, &complete)) {
		const char *tab;
		size_t n;

		if (!complete)
			break;
		if (blank_or_comment(line, len) ||
		    !(tab = memchr(line, '\t', len)))
			continue;
		n = (size_t)(tab - line);
		snprintf(id, sizeof(id), "%.*s", (int)(n < 255 ? n : 255),
			 line);
		idtext_add(im, t, id, len - n - 1);
	}
}

/*
 * Queries or passages?  Titles mean passages; then the project's ids
 * (the ids of a run or qrels imported before); then the BEIR names; then
 * the texts: short ones (like the queries of MS MARCO, TREC or BEIR) or
 * long ones (passages).  Anything else is not guessed.
 */
static enum ns_rc
detect_role(const struct idtext *t, const char *base, const char *name,
	    bool jsonl, bool *queries, char *why, size_t wsize,
	    struct ns_err *err)
{
	double mean = t->n ? t->bytes / (double)t->n : 0;

	if (t->title) {
		*queries = false;
		snprintf(why, wsize, "records with titles");
		return NS_OK;
	}
	if (t->nq > 0 && t->np == 0) {
		*queries = true;
		snprintf(why, wsize, "%ld of its first ids are queries of the "
			 "project", t->nq);
		return NS_OK;
	}
	if (t->np > 0 && t->nq == 0) {
		*queries = false;
		snprintf(why, wsize, "%ld of its first ids are passages of the "
			 "project", t->np);
		return NS_OK;
	}
	if (jsonl && (strcmp(base, "queries.jsonl") == 0 ||
		      strcmp(base, "corpus.jsonl") == 0)) {
		*queries = base[0] == 'q';
		why[0] = '\0';	/* the BEIR convention, nothing to explain */
		return NS_OK;
	}
	if (t->n >= DETECT_MIN_TEXTS && t->max <= 250 && mean <= 100) {
		*queries = true;
		snprintf(why, wsize, "short texts: %.0f bytes on average",
			 mean);
		return NS_OK;
	}
	if (t->n >= DETECT_MIN_TEXTS && mean >= 150) {
		*queries = false;
		snprintf(why, wsize, "long texts: %.0f bytes on average", mean);
		return NS_OK;
	}
	if (t->n < DETECT_MIN_TEXTS)
		return err_setpos(err, NS_EINPUT, name, 0, 0, "cannot tell "
				  "whether these records of an id and a text "
				  "are queries or passages (no titles, too few "
				  "records to judge by their lengths); say "
				  "which with --queries %s or --corpus %s",
				  name, name);
	return err_setpos(err, NS_EINPUT, name, 0, 0, "cannot tell whether "
			  "these records of an id and a text are queries or "
			  "passages (no titles, texts of %.0f bytes on "
			  "average); say which with --queries %s or --corpus "
			  "%s", mean, name, name);
}

/* The first element of the JSON array starting at @s (after '['): its
 * text in @out; false when the window ends inside it. */
static bool
first_element(const char *s, size_t n, struct strbuf *out)
{
	size_t i = 0, b;
	int depth = 0;
	bool str = false, esc = false;

	while (i < n && strchr(" \t\r\n", s[i]))
		i++;
	b = i;
	for (; i < n; i++) {
		char c = s[i];

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0) {
			strbuf_add(out, s + b, i + 1 - b);
			return true;
		}
	}
	strbuf_add(out, s + b, n - b);
	return false;
}

/* Does the user's role fit what the content is?  Adjusts the kind where
 * the role decides (id<TAB>text as queries, ...). */
static enum ns_rc
detect_fit_role(enum import_role role, enum imp_kind *k, const char *name,
		struct ns_err *err)
{
	static const char *const role_name[] = {
		"", "--queries", "--corpus", "--qrels", "--run"
	};
	static const char *const role_wants[] = {
		"", "queries (BEIR queries JSONL, TREC topics, id<TAB>text)",
		"passages (BEIR corpus JSONL, id<TAB>text, a candidate pool)",
		"judgments (BEIR or TREC qrels)",
		"candidates (a TREC run, rank_llm JSON)",
	};
	bool fits = false;

	switch (role) {
	case IMPORT_ROLE_ANY:
		return NS_OK;
	case IMPORT_ROLE_QUERIES:
		if (*k == KIND_CORPUS || *k == KIND_QUERIES)
			*k = KIND_QUERIES, fits = true;
		else if (*k == KIND_ID_TEXT || *k == KIND_TOPICS)
			*k = KIND_TOPICS, fits = true;
		else
			fits = *k == KIND_TOPICS_TOP;
		break;
	case IMPORT_ROLE_CORPUS:
		if (*k == KIND_CORPUS || *k == KIND_QUERIES)
			*k = KIND_CORPUS, fits = true;
		else if (*k == KIND_ID_TEXT || *k == KIND_TOPICS)
			*k = KIND_ID_TEXT, fits = true;
		else
			fits = *k == KIND_POOL;
		break;
	case IMPORT_ROLE_QRELS:
		fits = *k == KIND_BEIR_QRELS || *k == KIND_TREC_QRELS;
		break;
	case IMPORT_ROLE_RUN:
		fits = *k == KIND_TREC_RUN || *k == KIND_RANKLLM;
		break;
	}
	if (fits)
		return NS_OK;
	return err_setpos(err, NS_EINPUT, name, 0, 0, "%s wants %s, but this "
			  "holds %s (%s)", role_name[role], role_wants[role],
			  imp_kind_what(*k), import_format_name(kind_format(*k)));
}

/* The kind that a format the user gave means (before the role and the
 * corpus/queries choice). */
static enum imp_kind
format_kind(enum import_format f)
{
	switch (f) {
	case IMPORT_BGE: return KIND_BGE;
	case IMPORT_TEVATRON: return KIND_TEVATRON;
	case IMPORT_ST_CSV: return KIND_ST_CSV;
	case IMPORT_ST_TSV: return KIND_ST_TSV;
	case IMPORT_ST_JSONL: return KIND_ST_JSONL;
	case IMPORT_TREC_RUN: return KIND_TREC_RUN;
	case IMPORT_TREC_QRELS: return KIND_TREC_QRELS;
	case IMPORT_ID_TEXT: return KIND_ID_TEXT;
	case IMPORT_TREC_TOPICS: return KIND_TOPICS;
	case IMPORT_RANK_LLM: return KIND_RANKLLM;
	case IMPORT_POOL: return KIND_POOL;
	case IMPORT_BEIR:
	case IMPORT_AUTO:
	case IMPORT_NFORMATS:
		break;
	}
	return KIND_CORPUS;
}

/* Does line @s (@n bytes) read as TREC qrels: four blank-separated
 * fields, the last an integer? */
static bool
line_qrels(const char *s, size_t n)
{
	char *copy = xstrndup(s, n), *tok[6];
	size_t st[6];
	long v;
	bool r;

	r = imp_ws_split(copy, tok, st, 5) == 4 && imp_parse_int(tok[3], &v);
	free(copy);
	return r;
}

/* Does line @s (@n bytes) read as id<TAB>text (one tab)? */
static bool
line_idtext(const char *s, size_t n)
{
	const char *tab = memchr(s, '\t', n);

	return tab && tab > s && !memchr(tab + 1, '\t', n - (size_t)(tab - s) - 1);
}

/*
 * A first line that reads as TREC qrels and as id<TAB>text too
 * ("1001<TAB>population of 1990": four blank-separated fields ending in a
 * number): the lines after it in the window @w decide.  The first that
 * reads as one and not the other does; when every line reads as both,
 * qrels stay (the documented rule) and @out says so, with how to read
 * the file the other way.  Returns the kind.
 */
static enum imp_kind
detect_qrels_or_idtext(struct win w, const char *name, struct imp_found *out)
{
	const char *line;
	size_t len;
	bool complete;

	while (win_line(&w, &line, &len, &complete)) {
		bool q, t;

		if (!complete)
			break;
		if (blank_or_comment(line, len))
			continue;
		q = line_qrels(line, len);
		t = line_idtext(line, len);
		if (t != q)
			return t ? KIND_ID_TEXT : KIND_TREC_QRELS;
		if (!t)
			break;	/* neither: the reader says what is wrong */
	}
	snprintf(out->why, sizeof(out->why), "its lines read as id<TAB>text "
		 "too: --queries %s or --corpus %s reads them so", name, name);
	snprintf(out->hint, sizeof(out->hint), "read as trec-qrels from its "
		 "first line, which reads as id<TAB>text too: --queries %s "
		 "or --format trec-topics:%s reads it as queries, --corpus %s "
		 "as passages", name, name, name);
	return KIND_TREC_QRELS;
}

/* The kind of a line-based first record @line (NUL-terminated copy);
 * @role, when the user gave one, leaves out the formats it cannot
 * hold. */
static enum ns_rc
detect_line(const char *name, const char *base, char *line, size_t len,
	    bool complete, long lineno, enum import_role role,
	    enum imp_kind *k, struct ns_err *err)
{
	char *tok[8];
	size_t st[8];
	int ntab = 0, n;
	long iv;
	double dv;
	bool fin;
	const char *why;
	/* a line cut by the window may end inside a character: the record
	 * reader checks it whole */
	long bad = complete ? utf8_check(line, len, &why) : -1;

	if (bad >= 0)
		return err_setpos(err, NS_EINPUT, name, lineno,
				  utf8_column(line, (size_t)bad), "%s", why);
	if (strncasecmp(line + strspn(line, " \t"), "<top>", 5) == 0) {
		*k = KIND_TOPICS_TOP;
		return NS_OK;
	}
	if (ends_with(base, ".csv")) {
		*k = KIND_ST_CSV;
		return NS_OK;
	}
	for (char *p = line; *p; p++)
		ntab += *p == '\t';
	/* queries and passages come as id<TAB>text, never as qrels or a
	 * run, whatever the text looks like */
	if ((role == IMPORT_ROLE_QUERIES || role == IMPORT_ROLE_CORPUS) &&
	    ntab == 1) {
		*k = KIND_ID_TEXT;
		return NS_OK;
	}
	{
		char *copy = xstrdup(line);
		char *last = strrchr(line, '\t');

		n = imp_ws_split(copy, tok, st, 7);
		if (n >= 6 && (strcasecmp(tok[1], "Q0") == 0 ||
			       imp_parse_int(tok[1], &iv)) &&
		    imp_parse_int(tok[3], &iv) &&
		    imp_parse_num(tok[4], &dv, &fin))
			*k = KIND_TREC_RUN;
		else if (n == 4 && imp_parse_int(tok[3], &iv) && ntab != 2)
			*k = KIND_TREC_QRELS;
		else if (ntab == 2 && last &&
			 (imp_parse_int(last + 1, &iv) ||
			  strncmp(line, "query-id\t", 9) == 0))
			*k = KIND_BEIR_QRELS;
		else if (ntab == 1)
			*k = KIND_ID_TEXT;
		else if (ntab >= 2)
			*k = KIND_ST_TSV;
		else
			n = -1;
		free(copy);
	}
	if (n < 0)
		return err_setpos(err, NS_EINPUT, name, 0, 0, "cannot detect "
				  "the format; use --format");
	return NS_OK;
}

enum ns_rc
imp_detect(struct imp *im, struct linereader *lr, const char *name,
	   enum import_format f, enum import_role role, struct imp_found *out,
	   struct ns_err *err)
{
	const char *p, *line = NULL;
	size_t n, len = 0, window;
	char base[256];
	struct strbuf sb, el;
	struct win w;
	bool complete = false, queries;
	enum imp_kind k = KIND_CORPUS;
	enum ns_rc rc;
	json_t *o = NULL;
	char c;

	memset(out, 0, sizeof(*out));
	window = lr->max < DETECT_WINDOW ? lr->max + 1 : DETECT_WINDOW;
	if ((rc = linereader_peek(lr, window, &p, &n, err)))
		return rc;
	name = lr->path;
	detect_base(name, base, sizeof(base));
	if ((rc = detect_encoding(name, (const unsigned char *)p, n, err)))
		return rc;
	w.p = p;
	w.n = n;
	w.at = 0;
	w.eof = lr->eof;
	w.lineno = 0;
	while (win_line(&w, &line, &len, &complete))
		if (!blank_or_comment(line, len))
			break;
	if (w.at >= w.n && (!line || blank_or_comment(line, len))) {
		if (n == 0 || lr->eof)
			return err_setpos(err, NS_EINPUT, name, 0, 0,
					  "the file is empty");
	}
	strbuf_init(&sb);
	strbuf_init(&el);
	strbuf_add(&sb, line, len);
	c = sb.buf[strspn(sb.buf, " \t")];

	if (c == '[') {
		/* A JSON line that is an array (st-jsonl), or one JSON
		 * document that is an array of records? */
		const char *s = memchr(p, '[', n);
		size_t at = (size_t)(s - p) + 1;

		while (at < n && strchr(" \t\r\n", p[at]))
			at++;
		if (at < n && p[at] == '{') {
			out->array = true;
			complete = first_element(p + at, n - at, &el);
			o = complete ? json_loadb(el.buf, el.len, 0, NULL)
				     : NULL;
			if ((o ? !detect_json_keys(o, &k)
			       : !detect_text_keys(el.buf, &k)) &&
			    f == IMPORT_AUTO) {
				rc = err_setpos(err, NS_EINPUT, name, 0, 0,
						"cannot detect the format: a "
						"JSON array of records without "
						"the keys of a known format; "
						"use --format");
				goto out;
			}
		} else if (at < n && p[at] == ']') {
			rc = err_setpos(err, NS_EINPUT, name, 0, 0, "the JSON "
					"array is empty");
			goto out;
		} else if (complete &&
			   (o = json_loadb(sb.buf, sb.len, 0, NULL))) {
			k = KIND_ST_JSONL;
		} else if (at < n && p[at] != '"') {
			rc = err_setpos(err, NS_EINPUT, name, 0, 0, "cannot "
					"detect the format: a JSON array, but "
					"not of records (objects) nor a line "
					"of strings; use --format");
			goto out;
		} else {
			k = KIND_ST_JSONL;	/* broken: the reader says */
		}
	} else if (c == '{') {
		o = complete ? json_loadb(sb.buf, sb.len, 0, NULL) : NULL;
		if (!o && strspn(sb.buf, " \t{") == sb.len) {
			rc = err_setpos(err, NS_EINPUT, name, 0, 0, "a JSON "
					"object over several lines: negsieve "
					"reads JSON lines (one record a line) "
					"or one JSON array of records");
			goto out;
		}
		if ((o ? !detect_json_keys(o, &k)
		       : !detect_text_keys(sb.buf, &k)) && f == IMPORT_AUTO) {
			rc = err_setpos(err, NS_EINPUT, name, 0, 0, o ?
					"cannot detect the format: a JSON "
					"record without the keys of a known "
					"format; use --format" : "cannot "
					"detect the format: the first record "
					"is not valid JSON; use --format");
			goto out;
		}
	} else if (f == IMPORT_AUTO || f == IMPORT_BEIR) {
		if ((rc = detect_line(name, base, sb.buf, sb.len, complete,
				      w.lineno, role, &k, err)))
			goto out;
		if (k == KIND_TREC_QRELS && role == IMPORT_ROLE_ANY &&
		    f == IMPORT_AUTO && line_idtext(sb.buf, sb.len))
			k = detect_qrels_or_idtext(w, name, out);
	}

	/* A format the user gave wins over the content. */
	if (f != IMPORT_AUTO && f != IMPORT_BEIR)
		k = format_kind(f);
	else if (f == IMPORT_BEIR && k != KIND_CORPUS &&
		 k != KIND_BEIR_QRELS)
		k = ends_with(base, ".tsv") || ends_with(base, ".txt")
		    ? KIND_BEIR_QRELS : KIND_CORPUS;
	if ((rc = detect_fit_role(role, &k, name, err)))
		goto out;
	/* Queries or passages, when neither the user nor a key said. */
	if (role == IMPORT_ROLE_ANY &&
	    ((k == KIND_CORPUS && (f == IMPORT_AUTO || f == IMPORT_BEIR)) ||
	     (k == KIND_ID_TEXT && f == IMPORT_AUTO))) {
		struct idtext t;

		memset(&t, 0, sizeof(t));
		w.at = 0;
		w.lineno = 0;
		if (out->array)
			t.title = o && json_object_get(o, "title");
		if (out->array && !t.title) {
			json_t *v = o ? json_object_get(o, "text") : NULL;
			json_t *id = o ? json_object_get(o, "_id") : NULL;

			if (json_is_string(v))
				idtext_add(im, &t, json_is_string(id) ?
					   json_string_value(id) : NULL,
					   json_string_length(v));
		} else if (k == KIND_CORPUS) {
			sample_json(im, w, &t);
		} else {
			sample_tsv(im, w, &t);
		}
		if ((rc = detect_role(&t, base, name, k == KIND_CORPUS,
				      &queries, out->why, sizeof(out->why),
				      err)))
			goto out;
		if (queries)
			k = k == KIND_CORPUS ? KIND_QUERIES : KIND_TOPICS;
	}
	out->kind = k;
	out->fmt = kind_format(k);
out:
	json_decref(o);
	strbuf_fini(&sb);
	strbuf_fini(&el);
	return rc;
}

enum ns_rc
import_detect(const char *path, enum import_format *out, struct ns_err *err)
{
	struct linereader lr;
	struct imp_found found;
	enum ns_rc rc;

	if (imp_is_dir(path)) {
		if ((rc = imp_beir_check(path, err)))
			return rc;
		*out = IMPORT_BEIR;
		return NS_OK;
	}
	if ((rc = linereader_open(&lr, path, 1u << 28, err)))
		return rc;
	rc = imp_detect(NULL, &lr, path, IMPORT_AUTO, IMPORT_ROLE_ANY, &found,
			err);
	linereader_close(&lr);
	if (rc == NS_OK)
		*out = found.fmt;
	return rc;
}
