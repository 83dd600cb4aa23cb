/*
 * cmd_import.c - negsieve import [options] PROJECT INPUT...
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cmd.h"
#include "src/import.h"
#include "src/project.h"
#include "src/util.h"

/* The settings of the command: the library's, and the inputs. */
struct import_cli {
	struct import_opts o;
	struct import_input *in;	/* of the role options and of
					 * --format FORMAT:FILE (owned) */
	int n;
	bool format_given;		/* --format FORMAT (for all inputs) */
	enum import_format format;
};

/* Add @path to the inputs of @c. */
static void
cmd_import_add(struct import_cli *c, const char *path, enum import_format f,
	       enum import_role role)
{
	c->in = xrealloc(c->in, (size_t)(c->n + 1) * sizeof(*c->in));
	c->in[c->n].path = path;
	c->in[c->n].format = f;
	c->in[c->n].role = role;
	c->n++;
}

/* --format FORMAT, or FORMAT:FILE for FILE alone (added to the inputs). */
static const char *
cmd_import_format(const char *arg, void *settings, char *buf, size_t size)
{
	struct import_cli *c = settings;
	const char *colon = strchr(arg, ':');
	int f;

	if (colon) {
		char *name = xstrndup(arg, (size_t)(colon - arg));

		f = import_format_parse(name);
		free(name);
		if (f >= 0 && colon[1]) {
			cmd_import_add(c, colon + 1, (enum import_format)f,
				       IMPORT_ROLE_ANY);
			return NULL;
		}
	}
	if ((f = import_format_parse(arg)) < 0) {
		size_t n = (size_t)snprintf(buf, size, "expected one of ");

		for (int i = 0; i < IMPORT_NFORMATS && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      i ? "," : "",
					      import_format_name(i));
		if (n < size)
			snprintf(buf + n, size - n, " (or FORMAT:FILE)");
		return buf;
	}
	c->format_given = true;
	c->format = (enum import_format)f;
	return NULL;
}

#define CMD_IMPORT_ROLE(FN, ROLE) \
static const char * \
FN(const char *arg, void *settings, char *buf, size_t size) \
{ \
	(void)buf; \
	(void)size; \
	cmd_import_add(settings, arg, IMPORT_AUTO, ROLE); \
	return NULL; \
}
CMD_IMPORT_ROLE(cmd_import_queries, IMPORT_ROLE_QUERIES)
CMD_IMPORT_ROLE(cmd_import_corpus, IMPORT_ROLE_CORPUS)
CMD_IMPORT_ROLE(cmd_import_qrels, IMPORT_ROLE_QRELS)
CMD_IMPORT_ROLE(cmd_import_run, IMPORT_ROLE_RUN)
#undef CMD_IMPORT_ROLE

#define IC struct import_cli
static const struct opt import_rows[] = {
	OPT_FN('f', "format", "FORMAT", cmd_import_format,
	       "auto, beir, bge, tevatron, st-csv, st-tsv, st-jsonl, "
	       "trec-run, trec-qrels, id-text, trec-topics, rank-llm, pool; "
	       "FORMAT:FILE reads FILE so and adds it to the inputs"),
	OPT_CONFIG("import.format", CONFIG_ENUM, IC, o.format),
	OPT_FN('q', "queries", "FILE", cmd_import_queries,
	       "FILE holds queries (BEIR queries, TREC topics)"),
	OPT_FN('c', "corpus", "FILE", cmd_import_corpus,
	       "FILE holds passages (BEIR corpus, id<TAB>text, a candidate "
	       "pool)"),
	OPT_FN(0, "qrels", "FILE", cmd_import_qrels,
	       "FILE holds judgments (BEIR or TREC qrels)"),
	OPT_FN(0, "run", "FILE", cmd_import_run,
	       "FILE holds candidates (TREC run, rank_llm JSON)"),
	OPT_KEY('g', "positive-grade", "G", "import.positive_grade",
		CONFIG_INT, IC, o.positive_grade,
		"qrels grades of G and above are positives (TREC DL: 2)"),
	OPT_FLAG(0, "again", IC, o.again,
		 "import inputs that were imported before"),
	OPT_VAL('s', "skip-bad", "FILE", CONFIG_STRING, NULL, NULL, IC,
		o.skip_bad, "write bad records with their reasons to FILE "
		"(made at the first one) and import the rest"),
	OPT_KEY_SET(0, "no-fts", "import.fts", CONFIG_BOOL, "false", IC,
		    o.fts, "do not update the full-text indexes"),
	OPT_CONFIG("import.max_record_bytes", CONFIG_INT, IC, o.max_record),
	OPT_END
};
#undef IC

static const struct opt_cmd import_cmd = {
	"import",
	"usage: negsieve import [OPTIONS] PROJECT [INPUT...]\n",
	"Read training data into the project.  Each INPUT is a BEIR directory,\n"
	"a file, or - for standard input; gzip and zstd are decompressed.  What\n"
	"an input holds is detected from its content; each input says what it\n"
	"was read as.  All inputs are one transaction: a bad record stops the\n"
	"import and leaves the project unchanged, unless --skip-bad is given.\n"
	"An input imported before (same content) is skipped unless --again.\n"
	"A directory without corpus.jsonl, queries.jsonl or qrels/*.tsv is an\n"
	"error; one with only some of them, a warning.\n",
	import_rows,
};

/* 1234567 -> "1,234,567" */
static const char *
cmd_import_grouped(char *buf, size_t size, double v)
{
	char tmp[32];
	size_t n, j = 0;

	snprintf(tmp, sizeof(tmp), "%.0f", v);
	n = strlen(tmp);
	for (size_t i = 0; i < n && j + 2 < size; i++) {
		buf[j++] = tmp[i];
		if ((n - i - 1) % 3 == 0 && i + 1 < n)
			buf[j++] = ',';
	}
	buf[j] = '\0';
	return buf;
}

int
cmd_import(int argc, char **argv)
{
	struct import_cli c;
	struct import_opts *o = &c.o;
	struct import_result res;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	char rate[32], filled[160];
	int rc;

	memset(&c, 0, sizeof(c));
	err_clear(&err);
	if ((rc = cmd_options(&import_cmd, argc, argv, &c, &st)) || st.help) {
		free(c.in);
		return rc;
	}
	for (int i = st.first + 1; i < argc; i++)
		cmd_import_add(&c, argv[i], IMPORT_AUTO, IMPORT_ROLE_ANY);
	if (argc - st.first < 1 || c.n == 0) {
		free(c.in);
		return cmd_usage_error("import", "expected PROJECT and at "
				       "least one INPUT");
	}
	for (int i = 0, stdin_uses = 0; i < c.n; i++)
		if (strcmp(c.in[i].path, "-") == 0 && ++stdin_uses > 1) {
			free(c.in);
			return cmd_usage_error("import", "standard input (-) "
					       "can be read only once");
		}
	if (project_open(&p, argv[st.first], &err) != NS_OK) {
		free(c.in);
		return cmd_fail(&err);
	}
	opt_resolve(import_cmd.rows, p.cfg, &c, &st);
	if (c.format_given)
		o->format = c.format;
	o->report = stdout;
	o->warn = stderr;
	if (import_run(p.db, o, c.in, c.n, &res, &err) != NS_OK) {
		rc = cmd_fail(&err);

		project_close(&p);
		free(c.in);
		/* --skip-bad helps past bad records only, not past a file
		 * that cannot be read at all (UTF-16, another format) */
		if (res.bad_record && !o->skip_bad)
			fprintf(stderr, "negsieve: nothing was imported "
				"(--skip-bad FILE imports the rest and writes "
				"the bad records to FILE)\n");
		else
			fprintf(stderr, "negsieve: nothing was imported\n");
		return rc;
	}
	printf("imported %lld passages, %lld queries, %lld judgments, "
	       "%lld candidates from %lld records in %.2f s (%s passages/s)",
	       (long long)res.passages, (long long)res.queries,
	       (long long)res.qrels, (long long)res.candidates,
	       (long long)res.records, res.seconds,
	       cmd_import_grouped(rate, sizeof(rate), res.seconds > 0
				  ? (double)res.passages / res.seconds : 0));
	/* texts given to ids known before are no new passages or queries:
	 * without this an import of only those says it imported nothing */
	if (res.filled_passages || res.filled_queries)
		printf("; %s", import_filled_text(filled, sizeof(filled),
						  res.filled_passages,
						  res.filled_queries));
	if (o->fts && res.fts_rebuilt)
		printf("; FTS index rebuilt in %.2f s (an earlier import "
		       "left it stale)\n", res.fts_seconds);
	else if (o->fts)
		printf("; FTS index %.2f s\n", res.fts_seconds);
	else	/* name the setting where the user set it */
		printf("; FTS index not updated (%s)\n",
		       opt_from(import_cmd.rows, &st, "import.fts") ==
		       OPT_FROM_ARGV ? "--no-fts" : "import.fts: false");
	if (res.inputs_skipped)
		printf("%lld input%s imported before skipped (--again imports "
		       "them again)\n", (long long)res.inputs_skipped,
		       res.inputs_skipped > 1 ? "s" : "");
	if (res.skipped)
		printf("%lld bad records written to %s\n",
		       (long long)res.skipped, o->skip_bad);
	project_close(&p);
	free(c.in);
	return NS_OK;
}
