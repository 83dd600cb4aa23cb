/*
 * judge.c - the judge's prompt template and verdict parser (see judge.h).
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/judge.h"

/*
 * The built-in prompt.  The judge is asked the question the cascade needs
 * answered (would this "negative" serve as well as a positive?), told
 * that sharing the topic is not enough, and asked for a one-line JSON
 * verdict with its confidence, which judge_verdict() turns into
 * P(relevant).
 */
static const char judge_default[] =
	"You are checking training data for a search engine. For the query "
	"below, the positive passages are known to answer it. The candidate "
	"passage was retrieved for the same query and is about to be used as "
	"a negative example, that is, as a passage that does NOT answer the "
	"query. Your task is to catch the mistakes: candidates that answer "
	"the query as well as a positive does.\n"
	"\n"
	"Query:\n"
	"{{query}}\n"
	"\n"
	"Positive passage(s):\n"
	"{{positives}}\n"
	"\n"
	"Candidate passage:\n"
	"{{candidate}}\n"
	"\n"
	"Decide whether the candidate contains what the query asks for, as "
	"completely and as directly as a positive passage. Being on the same "
	"topic, mentioning the same names, or answering a related question is "
	"not enough. A candidate that gives the answer in other words, or "
	"gives a different answer that is also correct, counts as relevant.\n"
	"\n"
	"Reply with one line of JSON and nothing else:\n"
	"{\"relevant\": true or false, \"confidence\": a number from 0 to 1 "
	"saying how sure you are}\n";

const char *
judge_prompt_default(void)
{
	return judge_default;
}

enum judge_slot {
	SLOT_TEXT,		/* literal text */
	SLOT_QUERY,
	SLOT_POSITIVES,
	SLOT_CANDIDATE,
	SLOT_TITLE,
	SLOT_CTEXT,
};

static const char *const judge_slot_names[] = {
	[SLOT_QUERY] = "query",
	[SLOT_POSITIVES] = "positives",
	[SLOT_CANDIDATE] = "candidate",
	[SLOT_TITLE] = "title",
	[SLOT_CTEXT] = "text",
};

struct judge_part {
	enum judge_slot slot;
	char *text;		/* SLOT_TEXT: owned */
	size_t len;
};

struct judge_prompt {
	struct judge_part *parts;
	size_t n;
};

static void
judge_add_part(struct judge_prompt *p, enum judge_slot slot, const char *s,
	       size_t len)
{
	if (slot == SLOT_TEXT && len == 0)
		return;
	p->parts = xrealloc(p->parts, (p->n + 1) * sizeof(*p->parts));
	p->parts[p->n].slot = slot;
	p->parts[p->n].text = slot == SLOT_TEXT ? xstrndup(s, len) : NULL;
	p->parts[p->n].len = len;
	p->n++;
}

void
judge_prompt_free(struct judge_prompt *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->parts[i].text);
	free(p->parts);
	free(p);
}

/* 1-based line and column (in characters) of @at in @text. */
static void
judge_pos(const char *text, const char *at, long *line, long *col)
{
	const char *bol = text;

	*line = 1;
	for (const char *c = text; c < at; c++)
		if (*c == '\n')
			(*line)++, bol = c + 1;
	*col = utf8_column(bol, (size_t)(at - bol));
}

enum ns_rc
judge_prompt_parse(const char *text, const char *name,
		   struct judge_prompt **out, struct ns_err *err)
{
	struct judge_prompt *p = xcalloc(1, sizeof(*p));
	const char *s = text, *open;
	bool has_query = false, has_cand = false;
	long line, col;

	while ((open = strstr(s, "{{")) != NULL) {
		const char *close = strstr(open + 2, "}}");
		const char *a = open + 2, *b;
		enum judge_slot slot = SLOT_TEXT;

		judge_pos(text, open, &line, &col);
		if (!close) {
			judge_prompt_free(p);
			return err_setpos(err, NS_ECONFIG, name, line, col,
					  "'{{' without a closing '}}'");
		}
		b = close;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		for (size_t k = SLOT_QUERY; k < NS_ARRAY_SIZE(judge_slot_names);
		     k++)
			if (strlen(judge_slot_names[k]) == (size_t)(b - a) &&
			    strncmp(judge_slot_names[k], a, (size_t)(b - a)) ==
			    0)
				slot = (enum judge_slot)k;
		if (slot == SLOT_TEXT) {
			enum ns_rc rc = err_setpos(
				err, NS_ECONFIG, name, line, col,
				"unknown placeholder '%.*s' (known: {{query}}, "
				"{{positives}}, {{candidate}}, {{title}}, "
				"{{text}})", (int)(close + 2 - open) > 60 ? 60 :
				(int)(close + 2 - open), open);

			judge_prompt_free(p);
			return rc;
		}
		has_query |= slot == SLOT_QUERY;
		has_cand |= slot == SLOT_CANDIDATE || slot == SLOT_CTEXT;
		judge_add_part(p, SLOT_TEXT, s, (size_t)(open - s));
		judge_add_part(p, slot, NULL, 0);
		s = close + 2;
	}
	judge_add_part(p, SLOT_TEXT, s, strlen(s));
	if (!has_query || !has_cand) {
		judge_prompt_free(p);
		return err_setpos(err, NS_ECONFIG, name, 0, 0, "the prompt "
				  "never shows the %s (%s)", has_query ?
				  "candidate" : "query", has_query ?
				  "{{candidate}} or {{text}}" : "{{query}}");
	}
	*out = p;
	return NS_OK;
}

/* Append @s, cut to @max characters when @max > 0. */
static void
judge_add_text(struct strbuf *out, const char *s, long max)
{
	size_t n = strlen(s), i = 0;
	long chars = 0;

	if (max <= 0 || (long)n <= max) {	/* bytes >= characters */
		strbuf_add(out, s, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
			break;
	strbuf_add(out, s, i);
	if (i < n)
		strbuf_addstr(out, " [...]");
}

void
judge_prompt_render(const struct judge_prompt *p,
		    const struct scorer_req *req, long max_chars,
		    struct strbuf *out)
{
	strbuf_addstr(out, "");
	for (size_t i = 0; i < p->n; i++) {
		const struct judge_part *part = &p->parts[i];

		switch (part->slot) {
		case SLOT_TEXT:
			strbuf_add(out, part->text, part->len);
			break;
		case SLOT_QUERY:
			judge_add_text(out, req->query, max_chars);
			break;
		case SLOT_POSITIVES:
			if (req->npos == 0)
				strbuf_addstr(out, "(none given)");
			for (size_t k = 0; k < req->npos; k++) {
				if (req->npos > 1)
					strbuf_addf(out, "%s[%zu] ", k ? "\n\n"
						    : "", k + 1);
				judge_add_text(out, req->pos[k], max_chars);
			}
			break;
		case SLOT_CANDIDATE:
			if (req->title && *req->title) {
				judge_add_text(out, req->title, max_chars);
				strbuf_addch(out, '\n');
			}
			judge_add_text(out, req->text, max_chars);
			break;
		case SLOT_TITLE:
			judge_add_text(out, req->title ? req->title : "",
				       max_chars);
			break;
		case SLOT_CTEXT:
			judge_add_text(out, req->text, max_chars);
			break;
		}
	}
}

/* --- verdicts ------------------------------------------------------------ */

/* 1 yes, 0 no, -1 neither, for a word at @s of @n bytes. */
static int
judge_word(const char *s, size_t n)
{
	static const char *const yes[] = { "yes", "true", "relevant" };
	static const char *const no[] = { "no", "false", "irrelevant",
					  "not relevant" };

	for (size_t i = 0; i < NS_ARRAY_SIZE(yes); i++)
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
			return 1;
	for (size_t i = 0; i < NS_ARRAY_SIZE(no); i++)
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
			return 0;
	return -1;
}

/* The "relevant" member: 1, 0, or -1 when unreadable. */
static int
judge_relevant(json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v) && (json_integer_value(v) == 0 ||
				   json_integer_value(v) == 1))
		return (int)json_integer_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = strlen(s);

		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		while (n && isspace((unsigned char)*s))
			s++, n--;
		return judge_word(s, n);
	}
	return -1;
}

/* The "confidence" member into *@c; false when unreadable. */
static bool
judge_confidence(json_t *v, double *c)
{
	double x;

	if (!v || json_is_null(v)) {
		*c = 1;
		return true;
	}
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		x = strtod(s, &end);
		if (end == s)
			return false;
		while (isspace((unsigned char)*end))
			end++;
		if (*end == '%')
			x /= 100, end++;
		while (isspace((unsigned char)*end))
			end++;
		if (*end)
			return false;
	} else {
		return false;
	}
	if (x > 1 && x <= 100)
		x /= 100;
	if (!(x >= 0 && x <= 1))
		return false;
	*c = x;
	return true;
}

bool
judge_verdict(const char *answer, double *score, char *why, size_t whysize)
{
	struct strbuf t;
	const char *s, *o;
	bool found = false, bad_json = false;
	int tries = 0;

	/* drop <think>...</think> blocks */
	strbuf_init(&t);
	strbuf_addstr(&t, "");
	for (s = answer; *s;) {
		const char *th = strstr(s, "<think>"), *end;

		if (!th) {
			strbuf_addstr(&t, s);
			break;
		}
		strbuf_add(&t, s, (size_t)(th - s));
		end = strstr(th, "</think>");
		if (!end) {
			snprintf(why, whysize, "unfinished reasoning (<think> "
				 "without </think>)");
			strbuf_fini(&t);
			return false;
		}
		s = end + 8;
	}

	/* a JSON object with "relevant" */
	for (o = strchr(t.buf, '{'); o && tries < 64 && !found;
	     o = strchr(o + 1, '{'), tries++) {
		json_t *j = json_loadb(o, t.len - (size_t)(o - t.buf),
				       JSON_DISABLE_EOF_CHECK, NULL);
		json_t *rel = json_is_object(j) ? json_object_get(j,
								  "relevant") :
			      NULL;
		double c;
		int r;

		if (rel) {
			r = judge_relevant(rel);
			if (r < 0) {
				snprintf(why, whysize, "\"relevant\" is "
					 "neither true nor false");
				bad_json = true;
			} else if (!judge_confidence(json_object_get(j,
					"confidence"), &c)) {
				snprintf(why, whysize, "\"confidence\" is not "
					 "a number from 0 to 1");
				bad_json = true;
			} else {
				*score = r ? c : 1 - c;
				found = true;
			}
		}
		json_decref(j);
		if (bad_json)
			break;
	}

	/* else a first word */
	if (!found && !bad_json) {
		const char *w = t.buf;
		size_t n = 0;
		int r = -1;

		while (*w && (isspace((unsigned char)*w) || strchr("*_\"'`#>:",
								   *w)))
			w++;
		while (isalpha((unsigned char)w[n]))
			n++;
		if (n == 3 && strncasecmp(w, "not", 3) == 0 &&
		    strncasecmp(w + 3, " relevant", 9) == 0 &&
		    !isalnum((unsigned char)w[12]))
			r = 0;
		else if (n > 0 && !isalnum((unsigned char)w[n]))
			r = judge_word(w, n);
		if (r >= 0) {
			*score = r;
			found = true;
		} else {
			snprintf(why, whysize, "no verdict (expected "
				 "{\"relevant\": true|false, ...} or an "
				 "answer starting with yes or no)");
		}
	}
	strbuf_fini(&t);
	return found;
}
