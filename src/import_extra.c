/*
 * import_extra.c - the record readers of the formats users hold besides
 * the training sets: TREC topics (id<TAB>text and <top> blocks), rank_llm
 * / pyserini retrieval JSON and FlagEmbedding candidate pools (see
 * import_int.h; the formats are described in negsieve(1)).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/import_int.h"

/* Largest number of hits of one query. */
#define IMP_MAX_HITS 100000

/* --- TREC topics ---------------------------------------------------- */

enum ns_rc
imp_topics(struct imp *im, char *line, size_t len, struct ns_err *err)
{
	char *tab = memchr(line, '\t', len);
	enum store_hit hit;
	int64_t qid;
	enum ns_rc rc;

	if ((rc = imp_check_utf8(im, line, len, err)))
		return rc;
	if (!tab)
		return imp_bad(im, line, len, err, "expected id<TAB>text");
	if (tab == line)
		return imp_bad(im, line, 0, err, "empty id");
	*tab = '\0';
	rc = store_query(&im->st, line, tab + 1,
			 len - (size_t)(tab + 1 - line), NULL, NULL, &qid, &hit,
			 err);
	if (rc == NS_OK && hit == STORE_CONFLICT)
		rc = imp_conflict(im, line, 0, "query", line, err);
	*tab = '\t';
	return rc;
}

/* @s without leading and trailing blanks (in place). */
static char *
top_trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* If @s starts with the tag @tag (case-insensitive), the text after it. */
static char *
top_tag(char *s, const char *tag)
{
	size_t n = strlen(tag);

	s += strspn(s, " \t");
	return strncasecmp(s, tag, n) == 0 ? s + n : NULL;
}

/* Drop a closing tag </...> at the end of @s and a label such as
 * "Number:" at its start. */
static char *
top_value(char *s, const char *label)
{
	char *close = strstr(s, "</");
	size_t n = strlen(label);

	if (close)
		*close = '\0';
	s = top_trim(s);
	if (strncasecmp(s, label, n) == 0)
		s = top_trim(s + n);
	return s;
}

enum ns_rc
imp_topics_top(struct imp *im, char *line, size_t len, struct ns_err *err)
{
	enum store_hit hit;
	int64_t qid;
	enum ns_rc rc;
	char *v;

	if ((rc = imp_check_utf8(im, line, len, err)))
		return rc;
	if (top_tag(line, "</top>")) {
		const char *title;

		if (!im->top_line)
			return imp_bad(im, line, 0, err, "</top> without "
				       "<top>");
		im->top_line = 0;
		title = top_trim(im->top_title.buf ? im->top_title.buf : "");
		if (!im->top_id.len)
			return imp_bad(im, line, 0, err, "a topic without "
				       "<num>");
		if (!*title)
			return imp_bad(im, line, 0, err, "topic '%s' has no "
				       "<title>", im->top_id.buf);
		rc = store_query(&im->st, im->top_id.buf, title, strlen(title),
				 NULL, NULL, &qid, &hit, err);
		if (rc == NS_OK && hit == STORE_CONFLICT)
			rc = imp_conflict(im, line, 0, "query", im->top_id.buf,
					  err);
		return rc;
	}
	im->records--;	/* a topic is one record: its </top> line */
	if (top_tag(line, "<top>")) {
		if (im->top_line)
			return imp_bad(im, line, 0, err, "<top> inside the "
				       "topic that starts at line %ld",
				       im->top_line);
		im->top_line = im->lr.lineno;
		im->top_field = 0;
		strbuf_reset(&im->top_id);
		strbuf_reset(&im->top_title);
		return NS_OK;
	}
	if (!im->top_line)
		return imp_bad(im, line, 0, err, "expected <top>");
	if ((v = top_tag(line, "<num>"))) {
		v = top_value(v, "Number:");
		if (!*v)
			return imp_bad(im, line, 0, err, "empty <num>");
		strbuf_reset(&im->top_id);
		strbuf_addstr(&im->top_id, v);
		im->top_field = 0;
	} else if ((v = top_tag(line, "<title>"))) {
		v = top_value(v, "Topic:");
		strbuf_reset(&im->top_title);
		strbuf_addstr(&im->top_title, v);
		im->top_field = 't';
	} else if (line[strspn(line, " \t")] == '<') {
		im->top_field = 0;	/* <desc>, <narr>, ...: not used */
	} else if (im->top_field == 't') {
		v = top_value(line, "");
		if (*v) {
			if (im->top_title.len)
				strbuf_addch(&im->top_title, ' ');
			strbuf_addstr(&im->top_title, v);
		}
	}
	return NS_OK;
}

/* --- rank_llm / pyserini -------------------------------------------- */

/* The text of a rank_llm hit: "content", or the "doc" object's
 * "contents", "text", "segment" or "body" with its "title".  NULL (no
 * error) when the hit has none. */
static const char *
rank_hit_text(struct imp *im, const char *rec, json_t *h, size_t i,
	      const char **title, size_t *tlen, size_t *len,
	      struct ns_err *err, enum ns_rc *rc)
{
	static const char *const keys[] = { "contents", "text", "segment",
					    "body" };
	json_t *v = json_object_get(h, "content"), *doc;

	*title = "";
	*tlen = 0;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v)) {
			*rc = imp_bad(im, rec, imp_key_off(rec, "content"),
				      err, "hits[%zu].content is not a string",
				      i);
			return NULL;
		}
		*len = json_string_length(v);
		return json_string_value(v);
	}
	doc = json_object_get(h, "doc");
	if (!json_is_object(doc))
		return NULL;
	for (size_t k = 0; k < NS_ARRAY_SIZE(keys); k++) {
		v = json_object_get(doc, keys[k]);
		if (!json_is_string(v))
			continue;
		*len = json_string_length(v);
		if (json_is_string(json_object_get(doc, "title"))) {
			*title = json_string_value(json_object_get(doc,
								   "title"));
			*tlen = json_string_length(json_object_get(doc,
								   "title"));
		}
		return json_string_value(v);
	}
	return NULL;
}

/* An id that is a string or an integer, into @buf; NULL when absent. */
static const char *
rank_id(json_t *v, char *buf, size_t size)
{
	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return buf;
	}
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    strlen(json_string_value(v)) == json_string_length(v))
		return json_string_value(v);
	return NULL;
}

enum ns_rc
imp_rankllm(struct imp *im, const char *rec, json_t *o, struct ns_err *err)
{
	json_t *q = json_object_get(o, "query"), *hits, *v;
	const char *hkey = json_object_get(o, "hits") ? "hits" : "candidates";
	struct imp_row r;
	enum ns_rc rc = NS_OK;
	char qbuf[32], hq[32], (*ids)[32] = NULL;
	long nqid = -1;		/* hits with a qid so far, less one */
	size_t n;

	memset(&r, 0, sizeof(r));
	if (json_is_object(q)) {
		r.qxid = rank_id(json_object_get(q, "qid"), qbuf, sizeof(qbuf));
		q = json_object_get(q, "text");
	}
	if (!json_is_string(q))
		return imp_bad(im, rec, imp_key_off(rec, "query"), err,
			       "\"query\" is not a string (nor an object with "
			       "a \"text\")");
	r.qtext = json_string_value(q);
	r.qlen = json_string_length(q);
	if (!r.qxid)
		r.qxid = rank_id(json_object_get(o, "qid"), qbuf, sizeof(qbuf));
	hits = json_object_get(o, hkey);
	if (!json_is_array(hits))
		return imp_bad(im, rec, imp_key_off(rec, hkey), err, "\"%s\" "
			       "is not a list", hkey);
	n = json_array_size(hits);
	if (n > IMP_MAX_HITS)
		return imp_bad(im, rec, imp_key_off(rec, hkey), err, "more "
			       "than %d hits for one query", IMP_MAX_HITS);
	r.neg = imp_psgs_need(n);
	ids = xmalloc((n + 1) * sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(hits, i);
		struct imp_psg *ps = &r.neg[i];
		const char *hqid;

		if (!json_is_object(h)) {
			rc = imp_bad(im, rec, imp_key_off(rec, hkey), err,
				     "%s[%zu] is not an object", hkey, i);
			goto out;
		}
		memset(ps, 0, sizeof(*ps));
		ps->pos = (long)i;
		/* the query id: in each hit of the older form */
		hqid = rank_id(json_object_get(h, "qid"), hq, sizeof(hq));
		nqid += hqid != NULL;
		if (hqid && !r.qxid) {
			snprintf(qbuf, sizeof(qbuf), "%s", hqid);
			r.qxid = qbuf;
		} else if (hqid && strcmp(hqid, r.qxid) != 0) {
			size_t h0 = imp_key_off(rec, hkey);

			rc = imp_bad(im, rec, imp_key_off_nth(rec, h0, "qid",
							      (size_t)nqid),
				     err,
				     "%s[%zu].qid '%s' is not the query's id "
				     "'%s'", hkey, i, hqid, r.qxid);
			goto out;
		}
		ps->xid = rank_id(json_object_get(h, "docid"), ids[i],
				  sizeof(ids[i]));
		if (!ps->xid) {
			rc = imp_bad(im, rec, imp_key_off(rec, "docid"), err,
				     "%s[%zu] has no \"docid\" (a non-empty "
				     "string or an integer)", hkey, i);
			goto out;
		}
		v = json_object_get(h, "score");
		if (v && !json_is_null(v)) {
			if (!json_is_number(v)) {
				rc = imp_bad(im, rec, imp_key_off(rec, "score"),
					     err, "%s[%zu].score is not a "
					     "number", hkey, i);
				goto out;
			}
			ps->score = json_number_value(v);
			ps->has_score = true;
		}
		ps->text = rank_hit_text(im, rec, h, i, &ps->title, &ps->tlen,
					 &ps->len, err, &rc);
		if (rc)
			goto out;
		if (ps->text && strlen(ps->text) != ps->len) {
			rc = imp_bad(im, rec, imp_key_off(rec, "content"), err,
				     "NUL character in %s[%zu]'s text", hkey,
				     i);
			goto out;
		}
	}
	r.nneg = n;
	if (strlen(r.qtext) != r.qlen) {
		rc = imp_bad(im, rec, imp_key_off(rec, "query"), err, "NUL "
			     "character in \"query\"");
		goto out;
	}
	rc = imp_row_store(im, rec, &r, err);
out:
	free(ids);
	return rc;
}

/* --- FlagEmbedding candidate pool ----------------------------------- */

enum ns_rc
imp_pool(struct imp *im, const char *rec, json_t *o, struct ns_err *err)
{
	enum store_hit hit;
	enum ns_rc rc = NS_OK;
	const char *text;
	size_t len = 0;
	char xid[32];
	int64_t pid;

	text = imp_jstr(im, rec, o, "text", true, &len, err, &rc);
	if (!text)
		return rc;
	if (strlen(text) != len)
		return imp_bad(im, rec, imp_key_off(rec, "text"), err, "NUL "
			       "character in \"text\"");
	/* no id in the file: the content's hash is the id, the same in
	 * every import of the same text */
	snprintf(xid, sizeof(xid), "h:%016" PRIx64, hash64(text, len));
	rc = store_passage(&im->st, xid, "", 0, text, len, &pid, &hit, err);
	if (rc == NS_OK && hit == STORE_CONFLICT)
		rc = imp_conflict(im, rec, 0, "passage", xid, err);
	return rc;
}
