/*
 * cmd_cascade.c - negsieve cascade [--run ID] PROJECT, and
 * negsieve fit [--run ID] [--quiet] [--verdicts-only] PROJECT.
 */
#include <stdio.h>
#include <string.h>

#include "src/cascadejob.h"
#include "src/cmd.h"
#include "src/project.h"

#define CS struct cascadejob_settings
static const struct opt cascade_rows[] = {
	OPT_VAL('r', "run", "ID", CONFIG_INT, "1..", NULL, CS, run,
		"only the kept candidates of run ID"),
	OPT_END
};

static const struct opt_cmd cascade_cmd = {
	"cascade",
	"usage: negsieve cascade [OPTIONS] PROJECT\n",
	"Run the cascade's stages (cascade.stages in the config) over the\n"
	"kept candidates: score what each stage needs (external commands and\n"
	"judges only for what the stages before them left uncertain), then\n"
	"keep, flag or route each candidate to people under the current\n"
	"thresholds, and print the funnel.  Re-running scores only new\n"
	"candidates and those whose inputs (texts, model, prompt, command)\n"
	"changed.  A cascade version is a set of thresholds, which a fit,\n"
	"or other stages, stage settings (a judge's model or prompt, a\n"
	"command) or targets, make anew;\n"
	"an endpoint or command that stops answering is declared down once\n"
	"(exit status 10) and its candidates wait.\n",
	cascade_rows,
};

/* fit's settings: the job's, and whether to print. */
struct fit_settings {
	struct cascadejob_settings job;
	bool quiet;
};

#define FS struct fit_settings
static const struct opt fit_rows[] = {
	OPT_VAL('r', "run", "ID", CONFIG_INT, "1..", NULL, FS, job.run,
		"only the kept candidates of run ID"),
	OPT_FLAG('q', "quiet", FS, quiet,
		 "print nothing (review's background refit)"),
	OPT_FLAG(0, "verdicts-only", FS, job.verdicts_only,
		 "write only changed verdicts and the queue's order"),
	OPT_END
};
#undef FS
#undef CS

static const struct opt_cmd fit_cmd = {
	"fit",
	"usage: negsieve fit [OPTIONS] PROJECT\n",
	"Refit the cascade's thresholds and P(FN) from the decisions made so\n"
	"far, store them as a new version with the evidence behind each\n"
	"threshold, and update the automatic verdicts; with no decision\n"
	"since the newest version and the same result, say 'unchanged:\n"
	"cascade version N' and add none.  Only labels of the random audit\n"
	"slice certify a threshold; review refits by itself every\n"
	"cascade.refit_every decisions.\n",
	fit_rows,
};

/* Who made a version: its origin (cascade_fit.origin) said in words. */
static const char *
cmd_cascade_origin(const char *origin)
{
	if (!strcmp(origin, "fit"))
		return "fitted by negsieve fit on";
	if (!strcmp(origin, "review"))
		return "fitted by review's background refit on";
	if (!strcmp(origin, "simulate"))
		return "fitted by simulate on";
	return "set by the cascade of";
}

int
cmd_cascade(int argc, char **argv)
{
	struct cascadejob_settings s;
	struct cascadejob_result res;
	struct opt_state st;
	struct project pj;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&cascade_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("cascade",
				       "expected one PROJECT argument");
	if (project_open(&pj, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	s.origin = "cascade";
	s.report = stdout;
	rc = cascadejob_run(&pj, &s, &res, &err);
	if (rc == NS_OK) {
		/* what the number counts: sets of thresholds (a fit, or
		 * other stages, stage settings or targets) */
		printf("cascade version %lld ", (long long)res.fit_id);
		if (res.new_version && res.prev_fit_id)
			printf("(new: the stages, their settings, thresholds "
			       "or targets differ from version %lld's)",
			       (long long)res.prev_fit_id);
		else if (res.new_version)
			printf("(new: the first cascade of the project)");
		else	/* fit_at: 2026-01-02T03:04:05.678Z */
			printf("(the thresholds %s %.10s %.8s; a fit, or other "
			       "stages, stage settings, thresholds or targets, "
			       "make a new version)", cmd_cascade_origin(res.fit_origin),
			       res.fit_at, strlen(res.fit_at) > 11 ?
			       res.fit_at + 11 : "");
		printf(": %lld candidates routed; %lld verdicts written (new "
		       "or changed)", (long long)res.items,
		       (long long)res.written);
		if (res.removed)
			printf(", %lld removed", (long long)res.removed);
		printf("\n");
		/* an external stage that answered nothing (an endpoint or
		 * a command down): the verdicts stand, but say so in the
		 * exit status */
		if (res.score_failed > 0 && res.scored == 0) {
			project_close(&pj);
			fprintf(stderr, "negsieve: cascade: every one of the "
				"%lld external scores failed (see above); "
				"those items are held, not offered for review, "
				"until a later cascade scores them\n",
				(long long)res.score_failed);
			return NS_ENET;
		}
		/* a stage that went down midway: what it scored stands,
		 * the rest waits; a script must be able to tell */
		if (res.stages_down > 0) {
			project_close(&pj);
			fprintf(stderr, "negsieve: cascade: %lld external "
				"stage%s went down (see above); the %lld items "
				"without a score are held, not offered for "
				"review, until a later cascade scores them\n",
				(long long)res.stages_down,
				res.stages_down > 1 ? "s" : "",
				(long long)res.score_failed);
			return NS_ENET;
		}
	}
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}

int
cmd_fit(int argc, char **argv)
{
	struct fit_settings s;
	struct cascadejob_result res;
	struct opt_state st;
	struct project pj;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&fit_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("fit", "expected one PROJECT argument");
	if (project_open(&pj, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	s.job.origin = s.quiet ? "review" : "fit";
	s.job.report = s.quiet ? NULL : stdout;
	rc = cascadejob_fit(&pj, &s.job, &res, &err);
	project_close(&pj);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
