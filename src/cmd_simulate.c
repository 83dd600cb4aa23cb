/*
 * cmd_simulate.c - negsieve simulate PROJECT --oracle QRELS [--budget
 * B[,B...]] [--judge-accuracy P] [--seed S] [--csv] ...: the policy x
 * budget table of a replay (src/simulate.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/project.h"
#include "src/simulate.h"

struct simulate_cmd_settings {
	struct simulate_settings sim;
	const char *config;	/* --config FILE, or NULL: the project's */
	bool csv;
};

#define SC struct simulate_cmd_settings
static const struct opt simulate_rows[] = {
	OPT_INCLUDE(simulate_opts, SC, sim),
	OPT_VAL(0, "config", "FILE", CONFIG_STRING, NULL, NULL, SC, config,
		"replay under the cascade and export settings of this YAML "
		"file instead of the project's (checked as by config)"),
	OPT_FLAG(0, "csv", SC, csv,
		 "write one CSV row per policy and budget instead of the "
		 "table"),
	OPT_END
};
#undef SC

static const struct opt_cmd simulate_cmd = {
	"simulate",
	"usage: negsieve simulate [OPTIONS] --oracle QRELS PROJECT\n",
	"Replay review, the cascade and its refits on the project's kept\n"
	"candidates with an oracle (graded qrels hidden from everything\n"
	"else) answering in place of people, until each budget of human\n"
	"decisions is spent, and compare what export would write with fixed\n"
	"mining rules on the same candidates.  Candidates the oracle has not\n"
	"judged are left out.  Import the corpus and queries without the\n"
	"oracle's qrels (at most a positive per query from them): a project\n"
	"holding most of them has no false negative left to find, and a\n"
	"warning says so.  Nothing is written to the project.  Options\n"
	"override the config keys cascade.seed, export.undecided and\n"
	"export.max_pfn (of --config FILE, else the project's); the\n"
	"defaults shown are those keys' defaults.\n",
	simulate_rows,
};

/* "12.3%", or "-" for NAN. */
static const char *
pct(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", 100.0 * v);
	return buf;
}

/* ", 12 of them left out as likely false negatives", or "". */
static const char *
left_out(const struct simulate_row *w, char *buf, size_t size)
{
	if (w->left_out == 0)
		return "";
	snprintf(buf, size, ", %lld of them left out (P(FN) above "
		 "--max-pfn)", (long long)w->left_out);
	return buf;
}

static void
csv_num(double v)
{
	if (isnan(v))
		fputs(",", stdout);
	else
		printf(",%.6g", v);
}

static void
print_csv(const struct simulate_result *r)
{
	printf("policy,budget,decisions,fn_found,contamination,tn_kept,"
	       "estimate,estimate_lo,estimate_hi,estimate_is_bound\n");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct simulate_row *w = &r->rows[i];
		bool est = w->policy == SIMULATE_CASCADE && w->estimate_known;

		printf("%s,%.6g,%lld", simulate_policy_name(w->policy),
		       w->budget, (long long)w->decisions);
		csv_num(w->fn_share);
		csv_num(w->contamination);
		csv_num(w->tn_share);
		csv_num(est ? w->estimate : NAN);
		csv_num(est ? w->estimate_lo : NAN);
		csv_num(est ? w->estimate_hi : NAN);
		csv_num(est ? (double)w->estimate_bound : NAN);
		putchar('\n');
	}
}

static void
print_table(const struct simulate_settings *s, const struct simulate_result *r,
	    const char *oracle)
{
	char lo[96], a[32], b[32], c[32], d[32];

	printf("oracle      %s: %lld judgments; a false negative is graded "
	       ">= %d\n", oracle, (long long)r->oracle_judgments,
	       s->relevant_grade);
	printf("candidates  %lld kept, %lld judged by the oracle (%lld false "
	       "negatives, %s; %lld true negatives), %lld not judged: left "
	       "out\n", (long long)r->candidates, (long long)r->judged,
	       (long long)r->fn, pct(r->judged ? (double)r->fn /
				     (double)r->judged : NAN, a, sizeof(a)),
	       (long long)r->tn, (long long)r->unjudged);
	printf("cascade     %s; refit every %d decisions (%lld refits); audit "
	       "slice %s (%lld candidates, seed %lld)",
	       r->stages, r->refit_every, (long long)r->refits,
	       pct(r->audit_share, b, sizeof(b)), (long long)r->audit,
	       (long long)s->seed);
	if (!isnan(r->sigma))
		printf("; simulated judge of accuracy %.3g (noise sd %.3f)",
		       s->judge_accuracy, r->sigma);
	printf("\nexport      undecided candidates %s",
	       s->undecided == SIMULATE_UNDECIDED_DROP ? "left out"
						       : "kept as negatives");
	if (s->undecided != SIMULATE_UNDECIDED_DROP && s->max_pfn < 1.0)
		printf(", but those whose P(FN) is above %.3g left out",
		       s->max_pfn);
	/* the estimate reads as a guess at the contamination beside it:
	 * say that it is one, of the same negatives, and why a seed's
	 * point can sit far from it */
	printf("\nestimate    what stats prints: the contamination (false "
	       "negatives among the\n            negatives export would "
	       "write) estimated from the audit labels,\n            kept "
	       "between 0 and the share of undecided negatives; a single\n"
	       "            seed's figure is noisy, so compare its interval "
	       "with the\n            contamination");
	/* under the cut the audit labels left are no uniform sample of
	 * what it keeps: the figure is of the false negatives left
	 * without it (cascadejob.h), above the contamination only in
	 * expectation, so "at most" is said of its interval's top alone
	 * (a seed's figure read 0.0% against 8% on DBpedia) */
	if (s->undecided != SIMULATE_UNDECIDED_DROP && s->max_pfn < 1.0)
		printf("; with --max-pfn it is of the false negatives\n"
		       "            left without the cut, over the "
		       "negatives written after it,\n            and can "
		       "still read below the contamination: only its "
		       "interval's\n            top is a bound (\"at "
		       "most\")");
	printf("\n\n");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct simulate_row *w = &r->rows[i];
		char found[48];

		if (w->policy == SIMULATE_CASCADE) {
			printf("budget %s of the judged candidates (%lld "
			       "decisions)\n", pct(w->budget, a, sizeof(a)),
			       (long long)llround(w->budget *
						  (double)r->judged));
			printf("  %-21s %9s %17s %13s %8s  %s\n", "policy",
			       "decisions", "FN found", "contamination",
			       "TN kept", "estimate [interval]");
		}
		snprintf(found, sizeof(found), "%lld %s",
			 (long long)(w->fn_people + w->fn_auto),
			 pct(w->fn_share, a, sizeof(a)));
		printf("  %-21s %9lld %17s %13s %8s", simulate_policy_name(
			       w->policy), (long long)w->decisions, found,
		       pct(w->contamination, b, sizeof(b)),
		       pct(w->tn_share, c, sizeof(c)));
		if (w->policy == SIMULATE_CASCADE) {
			if (w->estimate_known) {
				/* the bound first, then the estimate as
				 * without the cut */
				fputs("  ", stdout);
				if (w->estimate_bound)
					printf("at most %s; estimate ",
					       pct(w->estimate_hi, a,
						   sizeof(a)));
				printf("%s [%s, %s] from %lld audit labels "
				       "(%lld FN)",
				       pct(w->estimate, a, sizeof(a)),
				       pct(w->estimate_lo, b, sizeof(b)),
				       pct(w->estimate_hi, d, sizeof(d)),
				       (long long)w->audit_n,
				       (long long)w->audit_fn);
				if (fabs(w->estimate_raw - w->estimate) > 5e-4)
					printf(", unclipped %s",
					       pct(w->estimate_raw, a,
						   sizeof(a)));
			} else
				printf("  no audit label yet");
		}
		putchar('\n');
		if (w->policy == SIMULATE_CASCADE)
			printf("  %-21s %9s people found %lld, the cascade "
			       "flagged %lld (%lld right), kept %lld, left "
			       "%lld undecided%s; %lld negatives written\n", "",
			       "", (long long)w->fn_people,
			       (long long)w->auto_fn, (long long)w->fn_auto,
			       (long long)w->auto_tn, (long long)w->undecided,
			       left_out(w, lo, sizeof(lo)),
			       (long long)w->negatives);
		if (i + 1 == r->nrows ||
		    r->rows[i + 1].policy == SIMULATE_CASCADE)
			putchar('\n');
	}
}

int
cmd_simulate(int argc, char **argv)
{
	struct simulate_cmd_settings s;
	struct simulate_result res;
	struct opt_state st;
	struct project pj;
	struct config *cfg = NULL;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&simulate_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("simulate",
				       "expected one PROJECT argument");
	if (!s.sim.oracle)
		return cmd_usage_error("simulate", "--oracle QRELS is "
				       "required: the graded qrels that "
				       "answer for people");
	/* checked as config and init check it: a file they refuse is not
	 * replayed either */
	if (s.config && project_config_load(s.config, &cfg, &err) != NS_OK)
		return cmd_fail(&err);
	if (project_open_readonly(&pj, argv[st.first], &err) != NS_OK) {
		config_free(cfg);
		return cmd_fail(&err);
	}
	opt_resolve(simulate_cmd.rows, cfg ? cfg : pj.cfg, &s, &st);
	s.sim.report = s.csv ? stderr : NULL;
	rc = simulate_run(&pj, cfg ? cfg : pj.cfg, &s.sim, &res, &err);
	if (rc == NS_OK) {
		if (s.csv)
			print_csv(&res);
		else
			print_table(&s.sim, &res, s.sim.oracle);
		/* after the figures, where it is seen: they measure nothing */
		if (simulate_oracle_held(&res)) {
			fflush(stdout);
			fprintf(stderr, "negsieve: warning: %s already holds "
				"%lld of the %lld judgments of the oracle %s "
				"(imported with the corpus?): the pairs it "
				"grades relevant are positives and the others "
				"known negatives, so no false negative is left "
				"to find and these figures measure nothing; "
				"import the corpus and queries without those "
				"qrels (one positive per query taken from "
				"them, as bench/simulate-dbpedia.sh does) and "
				"simulate on that project\n", argv[st.first],
				(long long)res.oracle_held,
				(long long)res.oracle_judgments, s.sim.oracle);
		}
		simulate_result_fini(&res);
	}
	project_close(&pj);
	config_free(cfg);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}
