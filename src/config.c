/*
 * config.c - negsieve.yaml: the key table and a libyaml event parser that
 * checks every key and value against it (see config.h).
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "src/config.h"
#include "src/util.h"

/*
 * Every configuration key: its one default, its range or choices, its help.
 * Keep man/negsieve.yaml.5 and negsieve.yaml.example in step:
 * tests/cli-docs.sh checks that each name here appears in the man page and
 * that the example is what config_write_example() prints.
 */
const struct config_key config_keys[] = {
	{ "project.name", CONFIG_STRING, NULL, NULL,
	  "A name for the project, shown in the review header and reports." },
	{ "project.description", CONFIG_STRING, NULL, NULL,
	  "Free text describing the data set." },
	{ "import.format", CONFIG_ENUM, "auto",
	  "auto|beir|bge|tevatron|st-csv|st-tsv|st-jsonl|trec-run|trec-qrels|"
	  "id-text|trec-topics|rank-llm|pool",
	  "Input format; auto detects it from the contents." },
	{ "import.positive_grade", CONFIG_INT, "1", "1..",
	  "Qrels grade from which on a judgment is a positive (TREC DL: 2); "
	  "lower grades are judged non-relevant." },
	{ "import.fts", CONFIG_BOOL, "true", NULL,
	  "Update the full-text (FTS5) indexes after each import." },
	{ "import.max_record_bytes", CONFIG_INT, "268435456", "1..",
	  "Largest accepted input record (one line or one field), in bytes." },
	{ "embed.model", CONFIG_STRING, "builtin", NULL,
	  "Embedder: builtin, or a model name sent to embed.endpoint." },
	{ "embed.endpoint", CONFIG_STRING, NULL, NULL,
	  "OpenAI-compatible embeddings URL; unset: the built-in embedder." },
	{ "embed.dim", CONFIG_INT, "384", "1..65536",
	  "Dimension of the built-in embedder (an endpoint's is checked "
	  "when set explicitly)." },
	{ "embed.batch", CONFIG_INT, "64", "1..100000",
	  "Texts per endpoint request." },
	{ "embed.timeout", CONFIG_FLOAT, "60", "(0..",
	  "Seconds before an endpoint request is abandoned." },
	{ "embed.retries", CONFIG_INT, "5", "0..100",
	  "Further attempts after a timeout, HTTP 429 or 5xx." },
	{ "embed.backoff", CONFIG_FLOAT, "1", "0..",
	  "Seconds before the first retry; doubles each time." },
	{ "embed.prompt", CONFIG_BOOL, "true", NULL,
	  "Embed each query with the prompt of its training row in front "
	  "(FlagEmbedding's \"prompt\"); false: the query alone." },
	{ "embed.api_key_env", CONFIG_STRING, NULL, NULL,
	  "Environment variable holding the API key; unset: NEGSIEVE_API_KEY, "
	  "then OPENAI_API_KEY." },
	{ "mine.method", CONFIG_ENUM, "dense", "dense|bm25",
	  "How candidates are found: dense (faiss) or bm25 (SQLite FTS5)." },
	{ "mine.index", CONFIG_STRING, "auto", NULL,
	  "faiss index: auto (Flat when small, IVF when large), Flat, or any index_factory string." },
	{ "mine.model", CONFIG_STRING, NULL, NULL,
	  "Embedding model whose vectors dense mining uses; unset: the "
	  "project's only vectors (embed.model's among several), made "
	  "first with the embed.* settings when there are none." },
	{ "mine.recall_target", CONFIG_FLOAT, "0.95", "0..1",
	  "For IVF indexes, raise nprobe (HNSW: efSearch) until recall@k on a sample reaches this." },
	{ "mine.range_min", CONFIG_INT, "0", "0..10000000",
	  "Drop candidates ranked at or above this rank (skip the top N)." },
	{ "mine.range_max", CONFIG_INT, "100", "1..10000000",
	  "Search depth k; candidates ranked below it are dropped." },
	{ "mine.max_score", CONFIG_FLOAT, NULL, NULL,
	  "Drop candidates scoring above this." },
	{ "mine.min_score", CONFIG_FLOAT, NULL, NULL,
	  "Drop candidates scoring below this." },
	{ "mine.absolute_margin", CONFIG_FLOAT, NULL, NULL,
	  "Drop candidates with score > anchor - margin." },
	{ "mine.relative_margin", CONFIG_FLOAT, NULL, NULL,
	  "Drop candidates with score > anchor - |anchor| * margin." },
	{ "mine.anchor", CONFIG_ENUM, "min", "min|mean|max",
	  "Which positive score the margins are measured from." },
	{ "mine.near_duplicate", CONFIG_FLOAT, "0.98", "-1..1",
	  "Flag candidates whose cosine similarity to a positive reaches this." },
	{ "mine.sampling", CONFIG_ENUM, "top", "top|random|simans",
	  "How the kept negatives are chosen among those the filters leave." },
	{ "mine.simans_a", CONFIG_FLOAT, "0.5", NULL,
	  "SimANS a in p ~ exp(-a (s - s_pos - b)^2)." },
	{ "mine.simans_b", CONFIG_FLOAT, "0", NULL,
	  "SimANS b in p ~ exp(-a (s - s_pos - b)^2)." },
	{ "mine.num_negatives", CONFIG_INT, "3", "0..10000000",
	  "Negatives to keep per query; 0 keeps all the filters leave." },
	{ "mine.seed", CONFIG_INT, "0", "0..",
	  "Seed of random and SimANS sampling." },
	{ "mine.rank_of", CONFIG_ENUM, "retrieval", "retrieval|negatives",
	  "What range_min/range_max count: retrieval ranks with the positives "
	  "(FlagEmbedding), or ranks among the negatives the other filters "
	  "leave (sentence-transformers)." },
	{ "mine.precision", CONFIG_ENUM, "auto", "f32|bf16|int8|auto",
	  "Exact search: screen in f32, or in bf16 or int8 and rescore the "
	  "best k + margin in f32; auto: bf16 where its product is 1.25x "
	  "f32's or more (its top k proved equal to f32's), else f32." },
	{ "mine.gemm", CONFIG_ENUM, "auto", "auto|openblas|onednn|faiss|avx512",
	  "Exact search engine: auto (the fastest GEMM, measured once "
	  "per machine), openblas, onednn, faiss's own, or our AVX-512 "
	  "kernel." },
	{ "cascade.target_fn_rate", CONFIG_FLOAT, "0.02", "0..1",
	  "Refit: the upper 95% bound of the false-negative rate among what a stage keeps must stay at or below this." },
	{ "cascade.target_precision", CONFIG_FLOAT, "0.90", "0..1",
	  "Refit: the lower 95% bound of the precision among what a stage flags must stay at or above this." },
	{ "cascade.confidence", CONFIG_FLOAT, "0.95", "0.5..0.9999",
	  "Confidence of the bounds behind every threshold and estimate." },
	{ "cascade.audit_share", CONFIG_FLOAT, "0.05", "0..1",
	  "Share of the candidates in the random audit slice, mixed into the review queue; only its labels certify thresholds and estimates." },
	{ "cascade.refit_every", CONFIG_INT, "20", "1..1000000",
	  "Review refits the cascade in the background after this many decisions." },
	{ "cascade.queue_order", CONFIG_ENUM, "likely_fn", "likely_fn|uncertain",
	  "Review's order of the items left to people: the likeliest false negatives first (each one a person confirms leaves the negatives), or the ones P(FN) is least sure of first." },
	{ "cascade.queue_window", CONFIG_INT, "50", "0..1000000000",
	  "Review offers people this many of the queue's first items at once (at least twice refit_every), across queries; the rest wait for the next refit to order them again. 0 offers every item waiting for people, whole queries at a time." },
	{ "cascade.seed", CONFIG_INT, "0", "0..",
	  "Seed of the audit slice (which candidates it holds)." },
	{ "cascade.grid", CONFIG_INT, "200", "2..100000",
	  "Candidate thresholds per stage: quantiles of the stage's scores." },
	{ "cascade.query_effects", CONFIG_BOOL, "true", NULL,
	  "P(FN) learns each query's own tendency from people's labels on its other candidates (a random intercept per query)." },
	{ "cascade.stages[].name", CONFIG_STRING, NULL, NULL,
	  "A stage's name (default: its scorer); stage scores are stored by it." },
	{ "cascade.stages[].scorer", CONFIG_ENUM, NULL,
	  "score|gap|gap_relative|rank|near_duplicate|agreement|command|judge",
	  "What the stage scores a candidate with (see negsieve(7))." },
	{ "cascade.stages[].lo", CONFIG_FLOAT, NULL, NULL,
	  "Keep candidates scoring below this as true negatives (until a fit certifies another)." },
	{ "cascade.stages[].hi", CONFIG_FLOAT, NULL, NULL,
	  "Flag candidates scoring above this as false negatives (until a fit certifies another)." },
	{ "cascade.stages[].fit", CONFIG_BOOL, "true", NULL,
	  "Refit this stage's thresholds from labels; false keeps lo and hi fixed." },
	{ "cascade.stages[].method", CONFIG_ENUM, "bm25", "dense|bm25|import|trec",
	  "agreement: the newest run of this method is the other run." },
	{ "cascade.stages[].run", CONFIG_INT, NULL, "1..",
	  "agreement: the other run's id (instead of method)." },
	/* the external scorers (src/scorer.h) */
	{ "cascade.stages[].command[]", CONFIG_STRING, NULL, NULL,
	  "Command stage: the program and its arguments, a list run without "
	  "a shell." },
	{ "cascade.stages[].timeout", CONFIG_FLOAT, "60", "(0..",
	  "Seconds: a command's wait for each answer; a judge's per request." },
	{ "cascade.stages[].start_timeout", CONFIG_FLOAT, "120", "(0..",
	  "Command stage: seconds to give the first answer after starting "
	  "(loading a model), when longer than timeout." },
	{ "cascade.stages[].restarts", CONFIG_INT, "3", "0..1000",
	  "Command stage: restarts in a row after a crash or a timeout before "
	  "the rest of the batch is given up." },
	{ "cascade.stages[].endpoint", CONFIG_STRING, NULL, NULL,
	  "Judge stage: OpenAI-compatible chat completions URL." },
	{ "cascade.stages[].model", CONFIG_STRING, NULL, NULL,
	  "Judge stage: the model name sent to the endpoint." },
	{ "cascade.stages[].prompt", CONFIG_STRING, NULL, NULL,
	  "Judge stage: the prompt template (replaces the built-in one)." },
	{ "cascade.stages[].prompt_file", CONFIG_STRING, NULL, NULL,
	  "Judge stage: a file holding the prompt template." },
	{ "cascade.stages[].concurrency", CONFIG_INT, "8", "1..1024",
	  "Judge stage: requests in flight." },
	{ "cascade.stages[].retries", CONFIG_INT, "5", "0..100",
	  "Judge stage: further attempts after a timeout, HTTP 408, 429 or "
	  "5xx." },
	{ "cascade.stages[].backoff", CONFIG_FLOAT, "1", "0..3600",
	  "Judge stage: seconds before the first retry; doubles each time." },
	{ "cascade.stages[].api_key_env", CONFIG_STRING, NULL, NULL,
	  "Judge stage: environment variable holding the API key." },
	{ "cascade.stages[].max_tokens", CONFIG_INT, "256", "1..10000000",
	  "Judge stage: the longest answer asked for, in tokens." },
	{ "cascade.stages[].temperature", CONFIG_FLOAT, "0", "0..2",
	  "Judge stage: sampling temperature." },
	{ "cascade.stages[].max_chars", CONFIG_INT, "0", "0..1000000000",
	  "Judge stage: cut each text to this many characters; 0: no limit." },
	{ "cascade.stages[].price_prompt", CONFIG_FLOAT, "0", "0..",
	  "Judge stage: price per 1000 prompt tokens." },
	{ "cascade.stages[].price_completion", CONFIG_FLOAT, "0", "0..",
	  "Judge stage: price per 1000 completion tokens." },
	{ "export.format", CONFIG_ENUM, "bge",
	  "bge|tevatron|triplet|n-tuple|labeled-pair|beir-qrels|trec-qrels",
	  "Output format of negsieve export." },
	{ "export.file_type", CONFIG_ENUM, "auto", "auto|jsonl|csv|tsv",
	  "How triplet, n-tuple and labeled-pair rows are written; auto goes "
	  "by the output's name (.csv, .tsv), else JSONL." },
	{ "export.action", CONFIG_ENUM, "relabel",
	  "relabel|drop-negative|drop-query",
	  "What export does with false negatives: write them as positives, "
	  "leave them out, or leave their queries out." },
	{ "export.max_flagged", CONFIG_INT, "-1", "-1..",
	  "Leave out queries with more false negatives than this; -1: no "
	  "limit." },
	{ "export.undecided", CONFIG_ENUM, "keep", "keep|drop",
	  "Candidates that neither people nor the cascade decided: keep as "
	  "negatives, or drop." },
	{ "export.pending_fn", CONFIG_ENUM, "keep", "keep|drop",
	  "Candidates an annotator flagged as false negatives while their "
	  "label is not final (review.overlap: the others have not labelled "
	  "them or disagree): keep as negatives, or drop." },
	{ "export.max_pfn", CONFIG_FLOAT, "1", "0..1",
	  "Undecided candidates whose P(FN) (the cascade's model) is above "
	  "this are left out rather than kept as negatives; 1 keeps them "
	  "all." },
	{ "export.negatives", CONFIG_INT, "0", "0..10000",
	  "At most this many negatives per query, people's true negatives "
	  "first, then the best; 0 writes all (n-tuple: exactly this many)." },
	{ "export.min_negatives", CONFIG_INT, "1", "0..10000",
	  "Leave out queries with fewer negatives than this." },
	{ "export.fn_grade", CONFIG_INT, "1", "1..1000",
	  "The grade of the qrels lines of the false negatives." },
	{ "review.overlap", CONFIG_INT, "1", "1..10",
	  "Annotators per item on the overlap share (agreement is measured there); 1: no overlap." },
	{ "review.overlap_share", CONFIG_FLOAT, "0.1", "0..1",
	  "Share of the candidates (drawn at random) that need review.overlap annotators." },
	{ "review.adjudicators", CONFIG_STRING, NULL, NULL,
	  "Who may work the conflicts queue and settle disagreements: OS user names, comma-separated." },
	{ "review.queues[].name", CONFIG_STRING, NULL, NULL,
	  "A named queue (review --queue NAME); all, conflicts, uncertain and audit are built in." },
	{ "review.queues[].verdict", CONFIG_ENUM, NULL, "review|tn|fn",
	  "Only candidates with this verdict of the cascade." },
	{ "review.queues[].audit", CONFIG_ENUM, "any", "any|only|none",
	  "Only the audit slice, none of it, or either." },
	{ "review.queues[].stage", CONFIG_STRING, NULL, NULL,
	  "Only candidates this cascade stage decided or holds." },
	{ "review.queues[].source", CONFIG_INT, NULL, "1..",
	  "Only candidates of runs of this source (an import; see negsieve stats)." },
	{ "review.queues[].run", CONFIG_INT, NULL, "1..",
	  "Only candidates of this run." },
	{ "review.queues[].min_score", CONFIG_FLOAT, NULL, NULL,
	  "Only candidates scoring at least this." },
	{ "review.queues[].max_score", CONFIG_FLOAT, NULL, NULL,
	  "Only candidates scoring at most this." },
	{ "review.queues[].annotators", CONFIG_STRING, NULL, NULL,
	  "Who may work the queue: OS user names, comma-separated; unset: everyone." },
	{ "review.keys", CONFIG_STRMAP, NULL, NULL,
	  "Key bindings of the review TUI: key name to action name." },
	{ "review.guideline", CONFIG_STRING, NULL, NULL,
	  "A text file with this project's labelling guideline, shown under ? in review (relative to the project directory); without it a built-in one on what counts as a false negative." },
	{ "review.allow_annotator_override", CONFIG_BOOL, "false", NULL,
	  "Let 'review --annotator NAME' record decisions under a name other "
	  "than the login name." },
	{ NULL, 0, NULL, NULL, NULL }
};

struct config_entry {
	char *path;	/* actual dotted path, e.g. cascade.stages.0.scorer */
	char *value;	/* scalar text */
	/* where the key and the value start in the file (1-based), for
	 * checks made after parsing (config_error()); a list element's
	 * "key" is the element itself */
	long key_line, key_col, line, col;
};

struct config {
	struct config_entry *v;
	size_t n, cap;
	/* the mappings and lists below the top (a cascade stage, its
	 * command), value NULL: where they are, for config_error() on a
	 * check of a whole stage, and so that a stage with nothing set
	 * still counts (config_seq_len()) */
	struct config_entry *node;
	size_t n_node, cap_node;
	char *source;	/* YAML text */
	char *file;	/* the name config_parse() was given, or NULL */
};

struct config *
config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->source = xstrdup("");
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->v[i].path);
		free(cfg->v[i].value);
	}
	free(cfg->v);
	for (size_t i = 0; i < cfg->n_node; i++)
		free(cfg->node[i].path);
	free(cfg->node);
	free(cfg->source);
	free(cfg->file);
	free(cfg);
}

const char *
config_source(const struct config *cfg)
{
	return cfg->source;
}

const struct config_key *
config_key(const char *norm)
{
	for (const struct config_key *k = config_keys; k->name; k++)
		if (strcmp(k->name, norm) == 0)
			return k;
	return NULL;
}

/* Is @norm a proper prefix (a mapping or sequence) of some key? */
static bool
config_is_branch(const char *norm)
{
	size_t n = strlen(norm);

	for (const struct config_key *k = config_keys; k->name; k++)
		if (strncmp(k->name, norm, n) == 0 &&
		    (k->name[n] == '.' || k->name[n] == '['))
			return true;
	return false;
}

static bool
config_is_seq(const char *norm)
{
	size_t n = strlen(norm);

	for (const struct config_key *k = config_keys; k->name; k++)
		if (strncmp(k->name, norm, n) == 0 && k->name[n] == '[')
			return true;
	return false;
}

static const char *
config_lookup(const struct config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->v[i].path, path) == 0)
			return cfg->v[i].value;
	return NULL;
}

int
config_choice(const char *choices, const char *value)
{
	size_t n = strlen(value);
	const char *c = choices;

	for (int i = 0; c && *c; i++) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);

		if (len == n && strncmp(c, value, n) == 0)
			return i;
		c = bar ? bar + 1 : NULL;
	}
	return -1;
}

/* Is @d inside the range @r ("LO..HI", "(LO..", "..HI")?  When not, the
 * reason goes to @buf: "expected an integer in 0..100". */
static const char *
config_check_range(const char *r, double d, bool integer, char *buf,
		   size_t size)
{
	const char *dots = strstr(r, "..");
	const char *what = integer ? "an integer" : "a number";
	bool excl = *r == '(';
	const char *lo = r + excl, *hi = dots ? dots + 2 : "";
	int lolen = dots ? (int)(dots - lo) : 0;
	bool has_lo = lolen > 0, has_hi = *hi != '\0';

	if (!isnan(d) &&
	    (!has_lo || (excl ? d > strtod(lo, NULL) : d >= strtod(lo, NULL)))
	    && (!has_hi || d <= strtod(hi, NULL)))
		return NULL;
	if (has_lo && has_hi && excl)
		snprintf(buf, size, "expected %s > %.*s and <= %s", what, lolen,
			 lo, hi);
	else if (has_lo && has_hi)
		snprintf(buf, size, "expected %s in %.*s..%s", what, lolen, lo,
			 hi);
	else if (has_lo)
		snprintf(buf, size, "expected %s %s %.*s", what,
			 excl ? ">" : ">=", lolen, lo);
	else
		snprintf(buf, size, "expected %s <= %s", what, hi);
	return buf;
}

const char *
config_check(enum config_type type, const char *choices, const char *value,
	     char *buf, size_t size)
{
	char *end;
	double d;

	switch (type) {
	case CONFIG_STRING:
	case CONFIG_STRMAP:
		return NULL;
	case CONFIG_INT:
		errno = 0;
		d = (double)strtol(value, &end, 10);
		if (!*value || *end || errno)
			/* NAN is in no range: the message names the range */
			return choices ? config_check_range(choices, NAN, true,
							    buf, size) :
					 "expected an integer";
		return choices ? config_check_range(choices, d, true, buf,
						    size) : NULL;
	case CONFIG_FLOAT:
		errno = 0;
		d = strtod(value, &end);
		if (!*value || *end || errno || !isfinite(d))
			return choices ? config_check_range(choices, NAN, false,
							    buf, size) :
					 "expected a finite number";
		return choices ? config_check_range(choices, d, false, buf,
						    size) : NULL;
	case CONFIG_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "false") ||
		    !strcmp(value, "yes") || !strcmp(value, "no") ||
		    !strcmp(value, "on") || !strcmp(value, "off"))
			return NULL;
		return "expected true or false";
	case CONFIG_ENUM:
		if (config_choice(choices, value) >= 0)
			return NULL;
		snprintf(buf, size, "expected one of %s", choices);
		for (char *p = buf; *p; p++)
			if (*p == '|')
				*p = ',';
		return buf;
	}
	return "unknown type";
}

#define CONFIG_MAX_DEPTH 16

struct config_frame {
	bool is_seq;		/* sequence (else mapping) */
	bool want_value;	/* mapping: next node is a value */
	int index;		/* sequence: next element index */
	size_t path_len;	/* length of path/norm when the frame opened */
	size_t norm_len;
	bool free_map;		/* a CONFIG_STRMAP: any key allowed */
};

struct config_parser {
	struct config *cfg;
	const char *file;
	struct ns_err *err;
	struct strbuf path;	/* actual path */
	struct strbuf norm;	/* path with sequence indexes as [] */
	struct config_frame st[CONFIG_MAX_DEPTH];
	int depth;
	yaml_mark_t key_mark;	/* where the last mapping key started */
};

static enum ns_rc
config_fail(struct config_parser *p, const yaml_mark_t *m, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

static enum ns_rc
config_fail(struct config_parser *p, const yaml_mark_t *m, const char *fmt,
	    ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vsetpos(p->err, NS_ECONFIG, p->file, (long)m->line + 1,
		    (long)m->column + 1, fmt, ap);
	va_end(ap);
	return NS_ECONFIG;
}

/* Fill @e with the current path and where the node @ev starts and its
 * key (the last mapping key read, or the list element itself). */
static void
config_place(const struct config_parser *p, const yaml_event_t *ev,
	     struct config_entry *e)
{
	const struct config_frame *f = &p->st[p->depth - 1];
	const yaml_mark_t *km = f->is_seq ? &ev->start_mark : &p->key_mark;

	e->path = xstrdup(p->path.buf);
	e->key_line = (long)km->line + 1;
	e->key_col = (long)km->column + 1;
	e->line = (long)ev->start_mark.line + 1;
	e->col = (long)ev->start_mark.column + 1;
}

/* Store @ev's value at the current path, with where it and its key are
 * in the file. */
static void
config_add(struct config_parser *p, const yaml_event_t *ev)
{
	struct config *cfg = p->cfg;
	struct config_entry *e;

	if (cfg->n == cfg->cap) {
		cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
		cfg->v = xrealloc(cfg->v, cfg->cap * sizeof(*cfg->v));
	}
	e = &cfg->v[cfg->n++];
	config_place(p, ev, e);
	e->value = xstrdup((const char *)ev->data.scalar.value);
}

/* Note where the mapping or list @ev, not at the top, starts. */
static void
config_add_node(struct config_parser *p, const yaml_event_t *ev)
{
	struct config *cfg = p->cfg;
	struct config_entry *e;

	if (cfg->n_node == cfg->cap_node) {
		cfg->cap_node = cfg->cap_node ? cfg->cap_node * 2 : 8;
		cfg->node = xrealloc(cfg->node, cfg->cap_node *
				     sizeof(*cfg->node));
	}
	e = &cfg->node[cfg->n_node++];
	config_place(p, ev, e);
	e->value = NULL;
}

/* Is @ev a YAML null: an empty plain scalar ("mine:" with nothing under
 * it), ~ or null?  A quoted "" is a string, not null. */
static bool
config_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null") ||
		!strcmp(v, "Null") || !strcmp(v, "NULL"));
}

/* A node is about to start at the current position: extend the paths for
 * a sequence element.  Mapping keys extend the paths when read. */
static void
config_enter_node(struct config_parser *p)
{
	struct config_frame *f;

	if (p->depth == 0)
		return;
	f = &p->st[p->depth - 1];
	if (f->is_seq) {
		strbuf_addf(&p->path, ".%d", f->index);
		strbuf_addstr(&p->norm, "[]");
		f->index++;
	}
}

/* A node (scalar or collection) ended: drop what config_enter_node or the
 * mapping key added. */
static void
config_leave_node(struct config_parser *p)
{
	struct config_frame *f;

	if (p->depth == 0)
		return;
	f = &p->st[p->depth - 1];
	p->path.len = f->path_len;
	p->path.buf[p->path.len] = '\0';
	p->norm.len = f->norm_len;
	p->norm.buf[p->norm.len] = '\0';
	if (!f->is_seq)
		f->want_value = false;
}

static enum ns_rc
config_scalar(struct config_parser *p, yaml_event_t *ev)
{
	const char *val = (const char *)ev->data.scalar.value;
	struct config_frame *f = p->depth ? &p->st[p->depth - 1] : NULL;
	const struct config_key *k;
	const char *why;
	char buf[256];

	if (!f) {
		/* a document that is null ("~") sets nothing, as an empty
		 * file does */
		if (config_is_null(ev))
			return NS_OK;
		return config_fail(p, &ev->start_mark, "expected a mapping of "
				   "settings at the top level");
	}
	if (!f->is_seq && !f->want_value) {
		/* a mapping key */
		if (!*val)
			return config_fail(p, &ev->start_mark, "empty key");
		if (p->path.len)
			strbuf_addch(&p->path, '.');
		strbuf_addstr(&p->path, val);
		if (!f->free_map) {
			if (p->norm.len)
				strbuf_addch(&p->norm, '.');
			strbuf_addstr(&p->norm, val);
			if (!config_key(p->norm.buf) &&
			    !config_is_branch(p->norm.buf))
				return config_fail(p, &ev->start_mark,
						   "unknown key '%s'",
						   p->path.buf);
		}
		if (config_lookup(p->cfg, p->path.buf))
			return config_fail(p, &ev->start_mark,
					   "duplicate key '%s'", p->path.buf);
		f->want_value = true;
		p->key_mark = ev->start_mark;
		return NS_OK;
	}
	/* a value */
	config_enter_node(p);
	if (f->free_map) {
		config_add(p, ev);
		config_leave_node(p);
		return NS_OK;
	}
	k = config_key(p->norm.buf);
	if ((!k || k->type == CONFIG_STRMAP) && config_is_null(ev)) {
		/* a section (or review.keys) with nothing under it, "mine:"
		 * alone on its line, is null in YAML: it sets no key, as
		 * "mine: {}" or leaving it out does */
		config_leave_node(p);
		return NS_OK;
	}
	if (!k)
		return config_fail(p, &ev->start_mark, "'%s' is a section, "
				   "not a value: expected a %s", p->path.buf,
				   config_is_seq(p->norm.buf) ? "list"
							      : "mapping");
	if (k->type == CONFIG_STRMAP)
		return config_fail(p, &ev->start_mark, "'%s' expects a "
				   "mapping", p->path.buf);
	why = config_check(k->type, k->choices, val, buf, sizeof(buf));
	if (why)
		return config_fail(p, &ev->start_mark, "%s: %s, got '%s'",
				   p->path.buf, why, val);
	config_add(p, ev);
	config_leave_node(p);
	return NS_OK;
}

static enum ns_rc
config_open(struct config_parser *p, yaml_event_t *ev, bool is_seq)
{
	struct config_frame *f;
	bool free_map = false;

	if (p->depth > 0) {
		struct config_frame *up = &p->st[p->depth - 1];
		const struct config_key *k;

		if (!up->is_seq && !up->want_value)
			return config_fail(p, &ev->start_mark,
					   "complex keys are not supported");
		config_enter_node(p);
		if (up->free_map)
			return config_fail(p, &ev->start_mark, "'%s' expects "
					   "a string", p->path.buf);
		k = config_key(p->norm.buf);
		if (k && k->type == CONFIG_STRMAP && !is_seq) {
			free_map = true;
		} else if (k) {
			return config_fail(p, &ev->start_mark, "%s: expected "
					   "a single value, not a %s",
					   p->path.buf,
					   is_seq ? "list" : "mapping");
		} else if (is_seq != config_is_seq(p->norm.buf)) {
			return config_fail(p, &ev->start_mark, "%s: expected "
					   "a %s", p->path.buf,
					   is_seq ? "mapping" : "list");
		}
	} else if (is_seq) {
		return config_fail(p, &ev->start_mark, "expected a mapping of "
				   "settings at the top level");
	}
	if (p->depth == CONFIG_MAX_DEPTH)
		return config_fail(p, &ev->start_mark, "nested too deeply");
	if (p->depth > 0)
		config_add_node(p, ev);
	f = &p->st[p->depth++];
	memset(f, 0, sizeof(*f));
	f->is_seq = is_seq;
	f->path_len = p->path.len;
	f->norm_len = p->norm.len;
	f->free_map = free_map;
	return NS_OK;
}

enum ns_rc
config_parse(const char *text, size_t len, const char *file,
	     struct config **out, struct ns_err *err)
{
	struct config_parser p;
	yaml_parser_t yp;
	yaml_event_t ev;
	enum ns_rc rc = NS_OK;
	bool done = false;
	const char *why;
	long bad;

	memset(&p, 0, sizeof(p));
	bad = utf8_check(text, len, &why);
	if (bad >= 0) {
		long line = 1;
		size_t bol = 0;

		for (long i = 0; i < bad; i++)
			if (text[i] == '\n')
				line++, bol = (size_t)i + 1;
		return err_setpos(err, NS_ECONFIG, file, line,
				  utf8_column(text + bol, (size_t)bad - bol),
				  "%s", why);
	}
	p.cfg = config_new();
	free(p.cfg->source);
	p.cfg->source = xstrndup(text, len);
	p.cfg->file = xstrdup(file);
	p.file = file;
	p.err = err;
	strbuf_init(&p.path);
	strbuf_init(&p.norm);
	strbuf_addstr(&p.path, "");
	strbuf_addstr(&p.norm, "");
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);

	while (!done) {
		if (!yaml_parser_parse(&yp, &ev)) {
			char where[96] = "";

			/* an unclosed '[' or quote is found at the end of
			 * the file: say where it was opened */
			if (yp.context && (yp.context_mark.line !=
					   yp.problem_mark.line ||
					   yp.context_mark.column !=
					   yp.problem_mark.column))
				snprintf(where, sizeof(where), " started at "
					 "line %ld, column %ld",
					 (long)yp.context_mark.line + 1,
					 (long)yp.context_mark.column + 1);
			rc = err_setpos(err, NS_ECONFIG, file,
					(long)yp.problem_mark.line + 1,
					(long)yp.problem_mark.column + 1,
					"%s%s%s%s", yp.problem ? yp.problem
							       : "YAML error",
					yp.context ? " " : "",
					yp.context ? yp.context : "", where);
			break;
		}
		if (rc != NS_OK) {
			/* a file that is not YAML is told so first: libyaml
			 * reports some syntax errors only events after the
			 * node that fails our checks ("seed: [1" starts a
			 * list, the missing ']' comes at the end), so read on
			 * to the end, and a syntax error found on the way
			 * replaces the first error */
			done = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
			continue;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (!ev.data.document_start.implicit &&
			    p.cfg->n > 0)
				rc = config_fail(&p, &ev.start_mark,
						 "only one YAML document is "
						 "allowed");
			break;
		case YAML_ALIAS_EVENT:
			rc = config_fail(&p, &ev.start_mark,
					 "aliases are not supported");
			break;
		case YAML_SCALAR_EVENT:
			rc = config_scalar(&p, &ev);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = config_open(&p, &ev, false);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = config_open(&p, &ev, true);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			p.depth--;
			config_leave_node(&p);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp);
	strbuf_fini(&p.path);
	strbuf_fini(&p.norm);
	if (rc != NS_OK) {
		config_free(p.cfg);
		return rc;
	}
	*out = p.cfg;
	return NS_OK;
}

enum ns_rc
config_load(const char *path, struct config **out, struct ns_err *err)
{
	struct strbuf sb;
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");
	enum ns_rc rc;

	if (!fp)
		return err_setpos(err, errno == ENOENT ? NS_ENOTFOUND :
				  NS_EIO, path, 0, 0, "%s", strerror(errno));
	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(fp)) {
		rc = err_setpos(err, NS_EIO, path, 0, 0, "read error: %s",
				strerror(errno));
		fclose(fp);
		strbuf_fini(&sb);
		return rc;
	}
	fclose(fp);
	rc = config_parse(sb.buf, sb.len, path, out, err);
	strbuf_fini(&sb);
	return rc;
}

enum ns_rc
config_error(const struct config *cfg, const char *name, bool at_key,
	     struct ns_err *err, const char *fmt, ...)
{
	const struct config_entry *e = NULL;
	va_list ap;

	for (size_t i = 0; cfg && i < cfg->n && !e; i++)
		if (!strcmp(cfg->v[i].path, name))
			e = &cfg->v[i];
	for (size_t i = 0; cfg && i < cfg->n_node && !e; i++)
		if (!strcmp(cfg->node[i].path, name))
			e = &cfg->node[i];
	va_start(ap, fmt);
	if (e && cfg->file)
		err_vsetpos(err, NS_ECONFIG, cfg->file,
			    at_key ? e->key_line : e->line,
			    at_key ? e->key_col : e->col, fmt, ap);
	else
		err_vsetpos(err, NS_ECONFIG, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return NS_ECONFIG;
}

/* Normalise an actual path (with numeric sequence indexes) to the table
 * spelling, e.g. cascade.stages.0.scorer -> cascade.stages[].scorer. */
static const struct config_key *
config_key_for(const char *name)
{
	char norm[256];
	size_t o = 0;
	const char *s = name;

	while (*s && o + 3 < sizeof(norm)) {
		if (*s == '.' && s[1] >= '0' && s[1] <= '9') {
			s++;
			while (*s >= '0' && *s <= '9')
				s++;
			norm[o++] = '[';
			norm[o++] = ']';
			continue;
		}
		norm[o++] = *s++;
	}
	norm[o] = '\0';
	return config_key(norm);
}

const char *
config_str(const struct config *cfg, const char *name, const char *def)
{
	const struct config_key *k = config_key_for(name);
	const char *v;

	assert(k && "config key missing from config_keys[]");
	v = cfg ? config_lookup(cfg, name) : NULL;
	if (v)
		return v;
	if (k && k->def)
		return k->def;
	return def;
}

long
config_int(const struct config *cfg, const char *name, long def)
{
	const char *v = config_str(cfg, name, NULL);

	return v ? strtol(v, NULL, 10) : def;
}

double
config_float(const struct config *cfg, const char *name, double def)
{
	const char *v = config_str(cfg, name, NULL);

	return v ? strtod(v, NULL) : def;
}

bool
config_bool(const struct config *cfg, const char *name, bool def)
{
	const char *v = config_str(cfg, name, NULL);

	if (!v)
		return def;
	return !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on");
}

bool
config_isset(const struct config *cfg, const char *name)
{
	return cfg && config_lookup(cfg, name) != NULL;
}

int
config_map_each(const struct config *cfg, const char *name,
		int (*fn)(const char *key, const char *value, void *arg),
		void *arg)
{
	size_t n = strlen(name);
	int r;

	if (!cfg)
		return 0;
	for (size_t i = 0; i < cfg->n; i++) {
		const char *p = cfg->v[i].path;

		if (strncmp(p, name, n) == 0 && p[n] == '.') {
			r = fn(p + n + 1, cfg->v[i].value, arg);
			if (r)
				return r;
		}
	}
	return 0;
}

int
config_seq_len(const struct config *cfg, const char *name)
{
	size_t n = strlen(name);
	int max = -1;

	if (!cfg)
		return 0;
	/* the values, and the mappings and lists, so that an element
	 * with nothing set in it ("- {}") counts too */
	for (size_t i = 0; i < cfg->n + cfg->n_node; i++) {
		const char *p = i < cfg->n ? cfg->v[i].path
					   : cfg->node[i - cfg->n].path;

		if (strncmp(p, name, n) == 0 && p[n] == '.' &&
		    p[n + 1] >= '0' && p[n + 1] <= '9') {
			int idx = atoi(p + n + 1);

			if (idx > max)
				max = idx;
		}
	}
	return max + 1;
}

/* The YAML spelling of a default: strings that YAML would read as
 * something else are quoted. */
static void
config_example_value(FILE *fp, const struct config_key *k)
{
	if (k->type == CONFIG_STRING && strpbrk(k->def, ":#{}[],&*!|>'\"%@`"))
		fprintf(fp, "\"%s\"", k->def);
	else
		fputs(k->def, fp);
}

/* @text as "  # " comment lines of at most 78 columns. */
static void
config_example_comment(FILE *fp, const char *text)
{
	int at = 0;

	while (*text) {
		const char *sp = strchr(text, ' ');
		int len = sp ? (int)(sp - text) : (int)strlen(text);

		if (at == 0 || at + 1 + len > 78) {
			fprintf(fp, "%s  #", at ? "\n" : "");
			at = 3;
		}
		fprintf(fp, " %.*s", len, text);
		at += 1 + len;
		text += len;
		while (*text == ' ')
			text++;
	}
	fputc('\n', fp);
}

/* The help of @k with its choices or range, as one sentence more. */
static void
config_example_help(FILE *fp, const struct config_key *k)
{
	struct strbuf sb;
	const char *r = k->choices, *dots;

	strbuf_init(&sb);
	strbuf_addstr(&sb, k->help);
	if (k->type == CONFIG_ENUM) {
		strbuf_addstr(&sb, " One of: ");
		for (const char *c = r; *c; c++)
			if (*c == '|')
				strbuf_addstr(&sb, ", ");
			else
				strbuf_addch(&sb, *c);
		strbuf_addch(&sb, '.');
	} else if (r && (dots = strstr(r, ".."))) {
		bool excl = *r == '(';
		int lolen = (int)(dots - r) - excl;

		if (lolen > 0 && dots[2])
			strbuf_addf(&sb, " From %.*s to %s.", lolen, r + excl,
				    dots + 2);
		else if (lolen > 0)
			strbuf_addf(&sb, " %s %.*s.", excl ? "Above" :
				    "At least", lolen, r + excl);
		else
			strbuf_addf(&sb, " At most %s.", dots + 2);
	}
	config_example_comment(fp, sb.buf);
	strbuf_fini(&sb);
}

void
config_write_example(FILE *fp)
{
	const char *section = "";
	size_t slen = 0;

	fputs("# negsieve.yaml - every key negsieve knows, with its default.\n"
	      "# Keys without a default are commented out.  Give the file to\n"
	      "# 'negsieve init --config FILE PROJECT'; see negsieve.yaml(5).\n"
	      "# Made by 'negsieve init --example-config'.\n", fp);
	for (const struct config_key *k = config_keys; k->name; k++) {
		const char *dot = strchr(k->name, '.');
		size_t len = (size_t)(dot - k->name);
		bool any = false;

		if (strchr(k->name, '[')) {
			/* a list of mappings: one commented element, each
			 * key with its default or its choices */
			const char *br = strchr(k->name, '[');

			if (k == config_keys || strncmp(k[-1].name, k->name,
						       (size_t)(br - k->name) +
						       1))
				fprintf(fp, "  # %.*s: (a list; each element "
					"has these keys)\n  #   -\n",
					(int)(br - dot - 1), dot + 1);
			if (!strcmp(br + 3 + strlen(br + 3) - 2, "[]"))
				/* a list of strings in the element */
				fprintf(fp, "  #     %.*s: [..., ...]\n",
					(int)strlen(br + 3) - 2, br + 3);
			else
				fprintf(fp, "  #     %s: %s\n", br + 3,
					k->def ? k->def : k->choices ?
					k->choices : "...");
			continue;
		}
		if (len != slen || strncmp(section, k->name, len) != 0) {
			/* a section with no default at all stays a comment:
			 * left empty (null) it would set nothing anyway */
			for (const struct config_key *o = k; o->name; o++)
				if (!strncmp(o->name, k->name, len + 1) &&
				    o->def)
					any = true;
			fprintf(fp, "\n%s%.*s:\n", any ? "" : "# ", (int)len,
				k->name);
			section = k->name;
			slen = len;
		}
		config_example_help(fp, k);
		if (k->type == CONFIG_STRMAP) {
			fprintf(fp, "  # %s:\n  #   KEY: ACTION\n", dot + 1);
		} else if (!k->def) {
			fprintf(fp, "  # %s:\n", dot + 1);
		} else {
			fprintf(fp, "  %s: ", dot + 1);
			config_example_value(fp, k);
			fputc('\n', fp);
		}
	}
}
