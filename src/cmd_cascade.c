/*
 * cmd_cascade.c - negsieve cascade [--run ID] PROJECT, and
 * negsieve fit [--run ID] [--quiet] PROJECT.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cascadejob.h"
#include "src/cmd.h"
#include "src/project.h"

static const char cascade_usage[] =
	"usage: negsieve cascade [--run ID] PROJECT\n"
	"\n"
	"Run the cascade's stages (cascade.stages in the config) over the\n"
	"kept candidates: score what each stage needs (external commands and\n"
	"judges only for what the stages before them left uncertain), then\n"
	"keep, flag or route each candidate to people under the current\n"
	"thresholds, and print the funnel.  Re-running scores only new or\n"
	"changed candidates.\n"
	"\n"
	"  -r, --run ID   only the kept candidates of run ID\n"
	"  -h, --help     show this help\n";

static const char fit_usage[] =
	"usage: negsieve fit [--run ID] [--quiet] PROJECT\n"
	"\n"
	"Refit the cascade's thresholds and P(FN) from the decisions made so\n"
	"far, store them as a new version with the evidence behind each\n"
	"threshold, and update the automatic verdicts.  Only labels of the\n"
	"random audit slice certify a threshold; review refits by itself\n"
	"every cascade.refit_every decisions.\n"
	"\n"
	"  -r, --run ID        only the kept candidates of run ID\n"
	"  -q, --quiet         print nothing (review's background refit)\n"
	"      --verdicts-only update changed verdicts only, not every P(FN)\n"
	"  -h, --help          show this help\n";

/* The options both commands share; returns the PROJECT index or -1
 * after printing help (*@rc NS_OK) or a usage error (*@rc). */
static int
cascade_opts(const char *cmd, const char *usage, int argc, char **argv,
	     struct cascadejob_settings *s, bool *quiet, int *rc)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verdicts-only", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			errno = 0;
			s->run = strtoll(optarg, &end, 10);
			if (!*optarg || *end || errno || s->run <= 0) {
				*rc = cmd_usage_error(cmd, "--run: '%s' is not "
						      "a run id (a positive "
						      "integer)", optarg);
				return -1;
			}
			break;
		case 'q':
			if (quiet) {
				*quiet = true;
				break;
			}
			*rc = cmd_usage_error(cmd, "bad option");
			return -1;
		case 'V':
			if (quiet) {
				s->verdicts_only = true;
				break;
			}
			*rc = cmd_usage_error(cmd, "bad option");
			return -1;
		case 'h':
			fputs(usage, stdout);
			*rc = NS_OK;
			return -1;
		default:
			*rc = cmd_usage_error(cmd, "bad option");
			return -1;
		}
	}
	if (optind != argc - 1) {
		*rc = cmd_usage_error(cmd, "expected one PROJECT argument");
		return -1;
	}
	return optind;
}

int
cmd_cascade(int argc, char **argv)
{
	struct cascadejob_settings s = { 0 };
	struct cascadejob_result res;
	struct project pj;
	struct ns_err err;
	int rc, i;

	err_clear(&err);
	if ((i = cascade_opts("cascade", cascade_usage, argc, argv, &s, NULL,
			      &rc)) < 0)
		return rc;
	if (project_open(&pj, argv[i], &err) != NS_OK)
		return cmd_fail(&err);
	s.origin = "cascade";
	s.report = stdout;
	rc = cascadejob_run(&pj, &s, &res, &err);
	if (rc == NS_OK)
		printf("cascade version %lld: %lld candidates routed\n",
		       (long long)res.fit_id, (long long)res.items);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}

int
cmd_fit(int argc, char **argv)
{
	struct cascadejob_settings s = { 0 };
	struct cascadejob_result res;
	struct project pj;
	struct ns_err err;
	bool quiet = false;
	int rc, i;

	err_clear(&err);
	if ((i = cascade_opts("fit", fit_usage, argc, argv, &s, &quiet,
			      &rc)) < 0)
		return rc;
	if (project_open(&pj, argv[i], &err) != NS_OK)
		return cmd_fail(&err);
	s.origin = quiet ? "review" : "fit";
	s.report = quiet ? NULL : stdout;
	rc = cascadejob_fit(&pj, &s, &res, &err);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
