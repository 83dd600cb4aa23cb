/*
 * cmd_import.c - negsieve import [options] PROJECT INPUT...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cmd.h"
#include "src/import.h"
#include "src/project.h"
#include "src/util.h"

static const char import_usage[] =
	"usage: negsieve import [options] PROJECT [INPUT...]\n"
	"\n"
	"Read training data into the project.  Each INPUT is a BEIR directory,\n"
	"a file, or - for standard input; gzip and zstd are decompressed.  What\n"
	"an input holds is detected from its content; each input says what it\n"
	"was read as.  All inputs are one transaction: a bad record stops the\n"
	"import and leaves the project unchanged, unless --skip-bad is given.\n"
	"An input imported before (same content) is skipped unless --again.\n"
	"\n"
	"  -f, --format FORMAT  auto (default), beir, bge, tevatron, st-csv,\n"
	"                       st-tsv, st-jsonl, trec-run, trec-qrels, id-text,\n"
	"                       trec-topics, rank-llm, pool; FORMAT:FILE reads\n"
	"                       FILE so and adds it to the inputs\n"
	"  -q, --queries FILE   FILE holds queries (BEIR queries, TREC topics)\n"
	"  -c, --corpus FILE    FILE holds passages (BEIR corpus, id<TAB>text,\n"
	"                       a candidate pool)\n"
	"      --qrels FILE     FILE holds judgments (BEIR or TREC qrels)\n"
	"      --run FILE       FILE holds candidates (TREC run, rank_llm JSON)\n"
	"  -g, --positive-grade G  qrels grades of G and above are positives\n"
	"                       (default 1; TREC DL: 2)\n"
	"      --again          import inputs that were imported before\n"
	"  -s, --skip-bad FILE  write bad records with their reasons to FILE\n"
	"                       and import the rest\n"
	"      --no-fts         do not update the full-text indexes\n"
	"  -h, --help           show this help\n";

/* Add @path to the inputs. */
static void
cmd_import_add(struct import_input **in, int *n, const char *path,
	       enum import_format f, enum import_role role)
{
	*in = xrealloc(*in, (size_t)(*n + 1) * sizeof(**in));
	(*in)[*n].path = path;
	(*in)[*n].format = f;
	(*in)[*n].role = role;
	(*n)++;
}

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
	enum { OPT_NO_FTS = 256, OPT_QRELS, OPT_RUN, OPT_AGAIN };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "queries", required_argument, NULL, 'q' },
		{ "corpus", required_argument, NULL, 'c' },
		{ "qrels", required_argument, NULL, OPT_QRELS },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "positive-grade", required_argument, NULL, 'g' },
		{ "again", no_argument, NULL, OPT_AGAIN },
		{ "skip-bad", required_argument, NULL, 's' },
		{ "no-fts", no_argument, NULL, OPT_NO_FTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct import_opts o;
	struct import_result res;
	struct import_input *in = NULL;
	const char *format = NULL, *grade = NULL;
	bool no_fts = false;
	struct project p;
	struct ns_err err;
	char rate[32], *end;
	int c, f, n = 0, rc = NS_OK;

	memset(&o, 0, sizeof(o));
	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:q:c:g:s:h", opts, NULL)) !=
	       -1) {
		const char *colon;

		switch (c) {
		case 'f':
			colon = strchr(optarg, ':');
			if (colon) {
				char *name = xstrndup(optarg, (size_t)
						      (colon - optarg));

				f = import_format_parse(name);
				free(name);
				if (f >= 0) {
					cmd_import_add(&in, &n, colon + 1, f,
						       IMPORT_ROLE_ANY);
					break;
				}
			}
			format = optarg;
			break;
		case 'q':
			cmd_import_add(&in, &n, optarg, IMPORT_AUTO,
				       IMPORT_ROLE_QUERIES);
			break;
		case 'c':
			cmd_import_add(&in, &n, optarg, IMPORT_AUTO,
				       IMPORT_ROLE_CORPUS);
			break;
		case OPT_QRELS:
			cmd_import_add(&in, &n, optarg, IMPORT_AUTO,
				       IMPORT_ROLE_QRELS);
			break;
		case OPT_RUN:
			cmd_import_add(&in, &n, optarg, IMPORT_AUTO,
				       IMPORT_ROLE_RUN);
			break;
		case 'g':
			grade = optarg;
			break;
		case OPT_AGAIN:
			o.again = true;
			break;
		case 's':
			o.skip_bad = optarg;
			break;
		case OPT_NO_FTS:
			no_fts = true;
			break;
		case 'h':
			fputs(import_usage, stdout);
			free(in);
			return NS_OK;
		default:
			free(in);
			return cmd_usage_error("import", "bad option");
		}
	}
	if (format && import_format_parse(format) < 0) {
		free(in);
		return cmd_usage_error("import", "unknown format '%s'", format);
	}
	if (grade && (strtol(grade, &end, 10) < 1 || *end || !*grade)) {
		free(in);
		return cmd_usage_error("import", "--positive-grade wants an "
				       "integer of 1 or more, not '%s'", grade);
	}
	for (int i = optind + 1; i < argc; i++)
		cmd_import_add(&in, &n, argv[i], IMPORT_AUTO, IMPORT_ROLE_ANY);
	if (argc - optind < 1 || n == 0) {
		free(in);
		return cmd_usage_error("import", "expected PROJECT and at "
				       "least one INPUT");
	}
	for (int i = 0, stdin_uses = 0; i < n; i++)
		if (strcmp(in[i].path, "-") == 0 && ++stdin_uses > 1) {
			free(in);
			return cmd_usage_error("import", "standard input (-) "
					       "can be read only once");
		}
	if (project_open(&p, argv[optind], &err) != NS_OK) {
		free(in);
		return cmd_fail(&err);
	}
	if (!format)
		format = config_str(p.cfg, "import.format", "auto");
	f = import_format_parse(format);
	o.format = f < 0 ? IMPORT_AUTO : (enum import_format)f;
	o.fts = !no_fts && config_bool(p.cfg, "import.fts", true);
	o.max_record = (size_t)config_int(p.cfg, "import.max_record_bytes",
					  268435456);
	o.positive_grade = grade ? strtol(grade, NULL, 10)
			   : config_int(p.cfg, "import.positive_grade", 1);
	o.report = stdout;
	o.warn = stderr;
	if (import_run(p.db, &o, in, n, &res, &err) != NS_OK) {
		rc = cmd_fail(&err);
		project_close(&p);
		free(in);
		if (err.rc == NS_EINPUT && !o.skip_bad)
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
	if (o.fts)
		printf("; FTS index %.2f s\n", res.fts_seconds);
	else
		printf("; FTS index not updated (--no-fts)\n");
	if (res.inputs_skipped)
		printf("%lld input%s imported before skipped (--again imports "
		       "them again)\n", (long long)res.inputs_skipped,
		       res.inputs_skipped > 1 ? "s" : "");
	if (res.skipped)
		printf("%lld bad records written to %s\n",
		       (long long)res.skipped, o.skip_bad);
	project_close(&p);
	free(in);
	return NS_OK;
}
