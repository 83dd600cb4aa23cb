/*
 * cmd_export.c - negsieve export [OPTIONS] PROJECT: write the cleaned
 * training data (or the qrels of the false negatives found) in a format
 * training code reads.  The job itself is src/exportjob.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cmd.h"
#include "src/exportjob.h"
#include "src/project.h"

static const char export_usage[] =
	"usage: negsieve export [OPTIONS] -o FILE PROJECT\n"
	"\n"
	"Write the queries with their positives and their negatives, the\n"
	"false negatives found by people (and the cascade) relabelled as\n"
	"positives or left out, in a format training code reads; or the\n"
	"qrels of those false negatives.  The export is recorded in the\n"
	"project (see stats).  Options override the export.* config keys.\n"
	"\n"
	"  -f, --format F         bge (default), tevatron, triplet, n-tuple,\n"
	"                         labeled-pair, beir-qrels or trec-qrels\n"
	"  -o, --output FILE      the file to write (- for standard output;\n"
	"                         gzip when it ends in .gz)\n"
	"      --file-type T      triplet, n-tuple, labeled-pair: jsonl, csv or\n"
	"                         tsv (default: from FILE's name, else jsonl)\n"
	"  -a, --action A         false negatives: relabel (as positives,\n"
	"                         default), drop-negative or drop-query\n"
	"      --max-flagged K    leave out queries with more than K false\n"
	"                         negatives\n"
	"      --undecided U      candidates nobody decided: keep (as\n"
	"                         negatives, default) or drop\n"
	"  -n, --negatives N      at most N negatives per query, best first\n"
	"                         (0 = all, default; n-tuple: exactly N)\n"
	"      --min-negatives N  leave out queries with fewer negatives (1)\n"
	"      --fn-grade G       the grade of qrels lines (1)\n"
	"      --run ID           the negatives are run ID's kept candidates\n"
	"                         (default: each query's newest run)\n"
	"      --all-runs         the kept candidates of every run\n"
	"  -h, --help             show this help\n";

/* The index of @v in the '|'-separated @choices, or -1. */
static int
pick(const char *v, const char *choices)
{
	size_t n = strlen(v);
	int i = 0;

	for (const char *p = choices; *p; i++) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return i;
		if (!e)
			break;
		p = e + 1;
	}
	return -1;
}

/* "a|b|c" as "a, b or c" for messages. */
static const char *
choice_words(const char *choices, char *buf, size_t size)
{
	size_t o = 0;
	const char *last = strrchr(choices, '|');

	for (const char *p = choices; *p && o + 8 < size; p++) {
		if (*p != '|') {
			buf[o++] = *p;
			continue;
		}
		o += (size_t)snprintf(buf + o, size - o, "%s",
				      p == last ? " or " : ", ");
	}
	buf[o < size ? o : size - 1] = '\0';
	return buf;
}

static const char choices_format[] =
	"bge|tevatron|triplet|n-tuple|labeled-pair|beir-qrels|trec-qrels";
static const char choices_file_type[] = "auto|jsonl|csv|tsv";
static const char choices_action[] = "relabel|drop-negative|drop-query";
static const char choices_undecided[] = "keep|drop";

/* Parse an enum option; NS_EUSAGE with the message printed when bad. */
static bool
enum_arg(const char *opt, const char *v, const char *choices, int *out)
{
	char words[160];
	int i = pick(v, choices);

	if (i < 0) {
		cmd_usage_error("export", "--%s: '%s' is not %s", opt, v,
				choice_words(choices, words, sizeof(words)));
		return false;
	}
	*out = i;
	return true;
}

/* Parse a non-negative integer option. */
static bool
int_arg(const char *opt, const char *v, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < 0) {
		cmd_usage_error("export", "--%s: '%s' is not a non-negative "
				"integer", opt, v);
		return false;
	}
	*out = n;
	return true;
}

/* The settings from the project's config (or the defaults). */
static void
settings_from_config(struct exportjob_settings *s, const struct config *cfg)
{
	int i;

	exportjob_defaults(s, EXPORTFMT_BGE, NULL);
	if ((i = pick(config_str(cfg, "export.format", "bge"),
		      choices_format)) >= 0)
		s->format = i;
	if ((i = pick(config_str(cfg, "export.file_type", "auto"),
		      choices_file_type)) >= 0)
		s->file_type = i;
	if ((i = pick(config_str(cfg, "export.action", "relabel"),
		      choices_action)) >= 0)
		s->action = i;
	if ((i = pick(config_str(cfg, "export.undecided", "keep"),
		      choices_undecided)) >= 0)
		s->undecided = i;
	s->max_flagged = config_int(cfg, "export.max_flagged", -1);
	s->negatives = config_int(cfg, "export.negatives", 0);
	s->min_negatives = config_int(cfg, "export.min_negatives", 1);
	s->fn_grade = config_int(cfg, "export.fn_grade", 1);
}

int
cmd_export(int argc, char **argv)
{
	enum {
		OPT_FILE_TYPE = 256, OPT_MAX_FLAGGED, OPT_UNDECIDED,
		OPT_MIN_NEG, OPT_FN_GRADE, OPT_RUN, OPT_ALL_RUNS,
	};
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "file-type", required_argument, NULL, OPT_FILE_TYPE },
		{ "action", required_argument, NULL, 'a' },
		{ "max-flagged", required_argument, NULL, OPT_MAX_FLAGGED },
		{ "undecided", required_argument, NULL, OPT_UNDECIDED },
		{ "negatives", required_argument, NULL, 'n' },
		{ "min-negatives", required_argument, NULL, OPT_MIN_NEG },
		{ "fn-grade", required_argument, NULL, OPT_FN_GRADE },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "all-runs", no_argument, NULL, OPT_ALL_RUNS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	/* the options as given, applied over the config once it is read */
	const char *given[OPT_ALL_RUNS + 1] = { NULL };
	struct exportjob_settings s;
	struct exportjob_counts counts;
	struct project p;
	struct ns_err err;
	int c;

	err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:a:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(export_usage, stdout);
			return NS_OK;
		case 'f':
		case 'o':
		case 'a':
		case 'n':
		case OPT_FILE_TYPE:
		case OPT_MAX_FLAGGED:
		case OPT_UNDECIDED:
		case OPT_MIN_NEG:
		case OPT_FN_GRADE:
		case OPT_RUN:
			given[c] = optarg;
			break;
		case OPT_ALL_RUNS:
			given[c] = "true";
			break;
		default:
			return cmd_usage_error("export", "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("export", "expected one PROJECT argument");
	if (project_open(&p, argv[optind], &err) != NS_OK)
		return cmd_fail(&err);
	settings_from_config(&s, p.cfg);
	s.output = given['o'];
	if ((given['f'] && !enum_arg("format", given['f'], choices_format,
				     &s.format)) ||
	    (given[OPT_FILE_TYPE] && !enum_arg("file-type",
					       given[OPT_FILE_TYPE],
					       choices_file_type,
					       &s.file_type)) ||
	    (given['a'] && !enum_arg("action", given['a'], choices_action,
				     &s.action)) ||
	    (given[OPT_UNDECIDED] && !enum_arg("undecided",
					       given[OPT_UNDECIDED],
					       choices_undecided,
					       &s.undecided)) ||
	    (given[OPT_MAX_FLAGGED] && !int_arg("max-flagged",
						given[OPT_MAX_FLAGGED],
						&s.max_flagged)) ||
	    (given['n'] && !int_arg("negatives", given['n'],
				    &s.negatives)) ||
	    (given[OPT_MIN_NEG] && !int_arg("min-negatives",
					    given[OPT_MIN_NEG],
					    &s.min_negatives)) ||
	    (given[OPT_FN_GRADE] && !int_arg("fn-grade", given[OPT_FN_GRADE],
					     &s.fn_grade)) ||
	    (given[OPT_RUN] && !int_arg("run", given[OPT_RUN], &s.run)))
		goto usage;
	s.all_runs = given[OPT_ALL_RUNS] != NULL;
	if (exportjob_check(&s, &err) != NS_OK) {
		cmd_usage_error("export", "%s", err.msg);
		goto usage;
	}
	if (exportjob_run(p.db, &s, &counts, &err) != NS_OK) {
		int rc = cmd_fail(&err);

		fprintf(stderr, "negsieve: nothing was exported\n");
		project_close(&p);
		return rc;
	}
	/* the data may be on standard output: the summary goes apart */
	exportjob_print(&s, &counts, strcmp(s.output, "-") ? stdout : stderr);
	project_close(&p);
	return NS_OK;
usage:
	project_close(&p);
	return NS_EUSAGE;
}
