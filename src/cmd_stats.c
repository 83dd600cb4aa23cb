/*
 * cmd_stats.c - negsieve stats [--json] PROJECT
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/project.h"
#include "db/export.h"
#include "db/stats.h"
#include "db/store.h"
#include "db/cascade.h"
#include "src/cascade.h"
#include "src/cascadejob.h"
#include "src/label.h"
#include "src/team.h"

struct stats_settings {
	bool json;		/* one JSON object instead of the table */
};

static const struct opt stats_rows[] = {
	OPT_FLAG('j', "json", struct stats_settings, json,
		 "print one JSON object (keys: queries, passages, positives, "
		 "candidates, decisions, ..., sources, exports)"),
	OPT_END
};

static const struct opt_cmd stats_cmd = {
	"stats",
	"usage: negsieve stats [OPTIONS] PROJECT\n",
	"Print counts of queries, passages, positives, candidates and\n"
	"decisions, overall and per source; the current labels of the\n"
	"reviewed items, per label and per annotator; the exports made.\n",
	stats_rows,
};

static json_t *
stats_counts_json(const struct stats_counts *c, bool totals)
{
	json_t *o = json_object();

	json_object_set_new(o, "queries", json_integer(c->queries));
	json_object_set_new(o, "passages", json_integer(c->passages));
	json_object_set_new(o, "positives", json_integer(c->positives));
	json_object_set_new(o, "judged_negatives",
			    json_integer(c->judged_negatives));
	json_object_set_new(o, "candidates", json_integer(c->candidates));
	if (totals) {
		json_object_set_new(o, "passage_ids",
				    json_integer(c->passage_ids));
		json_object_set_new(o, "candidates_kept",
				    json_integer(c->candidates_kept));
		json_object_set_new(o, "decisions",
				    json_integer(c->decisions));
		json_object_set_new(o, "decisions_live",
				    json_integer(c->decisions_live));
		json_object_set_new(o, "queries_not_in_run",
				    json_integer(c->not_in_run));
		json_object_set_new(o, "queries_without_text",
				    json_integer(c->no_text));
	}
	return o;
}

/* {"fn": n, "tn": n, ...} of the labels (not skips) in @v. */
static json_t *
stats_labels_json(const int64_t *v)
{
	json_t *o = json_object();

	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
		if (label_decides((enum label)l))
			json_object_set_new(o, label_action((enum label)l),
					    json_integer(v[l]));
	return o;
}

/* "FN 3, TN 7, drop passage 1, in dropped queries 4" into @buf.  Every
 * count is of items: dropping a query labels each of its items, so
 * "drop query 4" would read as four queries where one was dropped. */
static const char *
stats_labels_text(const int64_t *v, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT && o < size; l++)
		if (label_decides((enum label)l))
			o += (size_t)snprintf(buf + o, size - o, "%s%s %lld",
					      o ? ", " : "",
					      l == LABEL_DROP_QUERY ?
					      "in dropped queries" :
					      label_words((enum label)l),
					      (long long)v[l]);
	return buf;
}

/* The cascade's versions, newest first, as JSON. */
static json_t *
stats_fits_json(const struct cascade_db_fit *f, size_t n)
{
	json_t *a = json_array();
	json_error_t je;

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "version", json_integer(f[i].id));
		json_object_set_new(o, "created_at",
				    json_string(f[i].created_at));
		json_object_set_new(o, "origin", json_string(f[i].origin));
		json_object_set_new(o, "decisions_upto",
				    json_integer(f[i].decisions_upto));
		json_object_set_new(o, "thresholds",
				    json_loads(f[i].thresholds, 0, &je));
		if (f[i].model)
			json_object_set_new(o, "model",
					    json_loads(f[i].model, 0, &je));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
stats_estimate_json(const struct cascadejob_estimate *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "negatives", json_integer(e->negatives));
	json_object_set_new(o, "unlabelled", json_integer(e->unlabelled));
	json_object_set_new(o, "audit_labels", json_integer(e->audit_n));
	json_object_set_new(o, "audit_fn", json_integer(e->audit_fn));
	if (e->known) {
		json_object_set_new(o, "fn_rate", json_real(e->rate));
		json_object_set_new(o, "fn_rate_lo", json_real(e->lo));
		json_object_set_new(o, "fn_rate_hi", json_real(e->hi));
		/* under export.max_pfn < 1: fn_rate_hi is a bound, fn_rate
		 * only above the truth in expectation */
		json_object_set_new(o, "fn_rate_is_bound",
				    json_boolean(e->bound));
		json_object_set_new(o, "more_labels_for_2_points",
				    json_integer(e->more_labels));
	}
	if (e->skipped_q[0])
		json_object_set_new(o, "waits_on_skipped",
				    json_pack("{s:s, s:s, s:s}", "query",
					      e->skipped_q, "passage",
					      e->skipped_p, "skipped_by",
					      e->skipped_by));
	return o;
}

static json_t *
stats_team_json(const struct team_stats *ts)
{
	json_t *o = json_object(), *a = json_array(), *p = json_array();

	json_object_set_new(o, "alpha", isnan(ts->alpha) ? json_null()
				     : json_real(ts->alpha));
	json_object_set_new(o, "alpha_items", json_integer(ts->alpha_units));
	for (size_t i = 0; i < ts->na; i++) {
		const struct team_annotator *x = &ts->a[i];
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(x->name));
		json_object_set_new(e, "labelled", json_integer(x->labelled));
		json_object_set_new(e, "decisions", json_integer(x->events));
		json_object_set_new(e, "hours", json_real(x->hours));
		json_object_set_new(e, "decisions_per_hour",
				    json_real(x->per_hour));
		json_object_set_new(e, "median_ms_on_item", x->median_ms < 0
				    ? json_null() : json_real(x->median_ms));
		json_object_set_new(e, "adjudicated", json_integer(x->adj_n));
		json_object_set_new(e, "agrees_with_adjudication",
				    json_integer(x->adj_agree));
		json_object_set_new(e, "cascade_verdicts",
				    json_integer(x->auto_n));
		json_object_set_new(e, "agrees_with_cascade",
				    json_integer(x->auto_agree));
		json_array_append_new(a, e);
	}
	for (size_t i = 0; i < ts->np; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "a", json_string(ts->a[ts->p[i].a].name));
		json_object_set_new(e, "b", json_string(ts->a[ts->p[i].b].name));
		json_object_set_new(e, "items", json_integer(ts->p[i].items));
		json_object_set_new(e, "kappa", isnan(ts->p[i].kappa)
				    ? json_null() : json_real(ts->p[i].kappa));
		json_array_append_new(p, e);
	}
	json_object_set_new(o, "annotators", a);
	json_object_set_new(o, "pairs", p);
	return o;
}

static void
stats_print_team(const struct team_stats *ts)
{
	if (ts->na == 0)
		return;
	if (ts->alpha_units)
		printf("agreement   Krippendorff's alpha %.3f over %lld items "
		       "labelled by two or more\n", ts->alpha,
		       (long long)ts->alpha_units);
	else
		printf("agreement   no item labelled by two annotators yet "
		       "(review.overlap)\n");
	for (size_t i = 0; i < ts->np; i++)
		printf("  kappa     %s, %s: %.3f over %lld items\n",
		       ts->a[ts->p[i].a].name, ts->a[ts->p[i].b].name,
		       ts->p[i].kappa, (long long)ts->p[i].items);
	for (size_t i = 0; i < ts->na; i++) {
		const struct team_annotator *x = &ts->a[i];

		printf("  %-9s ", x->name);
		if (x->per_hour > 0)
			printf("%.0f decisions/h", x->per_hour);
		else
			printf("decisions/h unknown (no review session)");
		if (x->median_ms >= 0)
			printf(", median %.1f s on an item",
			       x->median_ms / 1000.0);
		if (x->adj_n)
			printf("; agrees with adjudication %lld/%lld",
			       (long long)x->adj_agree, (long long)x->adj_n);
		if (x->auto_n)
			printf("; with the cascade %lld/%lld",
			       (long long)x->auto_agree, (long long)x->auto_n);
		putchar('\n');
	}
}

/* The audit item the estimate waits on, when someone skipped it. */
static void
stats_audit_wait(const struct cascadejob_estimate *e)
{
	if (e->skipped_q[0])
		printf("            waiting on the audit item %s / %s, which "
		       "%s skipped: the audit is a random sample, labelled "
		       "in order, and none of it may be left out; review "
		       "offers it to the others in its turn, and again to "
		       "whoever skipped it once when nothing else is left "
		       "for them\n", e->skipped_q, e->skipped_p,
		       e->skipped_by);
}

static void
stats_print_cascade(const struct cascade_db_fit *f, size_t n,
		    const struct cascadejob_estimate *e, double conf)
{
	char line[512];

	if (n == 0) {
		printf("cascade     not run yet (negsieve cascade)\n");
		return;
	}
	printf("cascade     %zu versions, newest first:\n", n);
	for (size_t i = 0; i < n && i < 10; i++) {
		cascade_thr_summary(f[i].thresholds, f[i].id, line,
				    sizeof(line));
		printf("  %.19s %-7s decisions <= %-6lld %s\n",
		       f[i].created_at, f[i].origin,
		       (long long)f[i].decisions_upto, line);
	}
	if (n > 10)
		printf("  ... %zu older (stats --json lists them all)\n",
		       n - 10);
	if (!e->known) {
		printf("estimate    no audit label yet: review to estimate "
		       "the false negatives left among the %lld negatives "
		       "export would write\n", (long long)e->negatives);
		stats_audit_wait(e);
		return;
	}
	/* under a cut only the interval's top is a bound: the point is
	 * of the false negatives left without the cut, above the truth in
	 * expectation but not on every sample (cascadejob.h) */
	if (e->bound)
		printf("estimate    at most %.1f%% false negatives left among "
		       "the %lld negatives export would write (the top of "
		       "the %.0f%% interval [%.1f%%, %.1f%%]; estimate "
		       "%.1f%%), from %lld audit labels (%lld FN)\n",
		       100 * e->hi, (long long)e->negatives, 100 * conf,
		       100 * e->lo, 100 * e->hi, 100 * e->rate,
		       (long long)e->audit_n, (long long)e->audit_fn);
	else
		printf("estimate    %.1f%% false negatives left among the "
		       "%lld negatives export would write, %.0f%% interval "
		       "[%.1f%%, %.1f%%], from %lld audit labels (%lld "
		       "FN)\n", 100 * e->rate, (long long)e->negatives,
		       100 * conf, 100 * e->lo, 100 * e->hi,
		       (long long)e->audit_n, (long long)e->audit_fn);
	if (e->bound)
		printf("            export.max_pfn (or export.pending_fn "
		       "drop) leaves out likely false negatives,\n"
		       "            and the audit labels it keeps are no "
		       "uniform sample of what it keeps:\n            the "
		       "estimate is of those left without the cut and can "
		       "still read\n            below the truth; only the "
		       "interval's top is a bound\n");
	if (e->more_labels > 0)
		printf("            about %ld more audit labels would narrow "
		       "it to +-2 points\n", e->more_labels);
	else if (e->more_labels == 0)
		printf("            within +-2 points\n");
	stats_audit_wait(e);
}

/* The exports as a JSON array (their params and counts as objects). */
static json_t *
stats_exports_json(const struct export_record *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "id", json_integer(v[i].id));
		json_object_set_new(e, "created_at",
				    json_string(v[i].created_at));
		json_object_set_new(e, "format", json_string(v[i].format));
		json_object_set_new(e, "path", json_string(v[i].path));
		json_object_set_new(e, "params", json_loads(v[i].params, 0,
							     NULL));
		json_object_set_new(e, "fit_id", v[i].fit_id ?
				    json_integer(v[i].fit_id) : json_null());
		json_object_set_new(e, "decisions_upto",
				    json_integer(v[i].decisions_upto));
		json_object_set_new(e, "queries", json_integer(v[i].queries));
		json_object_set_new(e, "rows", json_integer(v[i].rows));
		json_object_set_new(e, "positives",
				    json_integer(v[i].positives));
		json_object_set_new(e, "relabelled",
				    json_integer(v[i].relabelled));
		json_object_set_new(e, "negatives",
				    json_integer(v[i].negatives));
		json_object_set_new(e, "negatives_dropped",
				    json_integer(v[i].negatives_dropped));
		json_object_set_new(e, "queries_dropped",
				    json_integer(v[i].queries_dropped));
		json_object_set_new(e, "counts", json_loads(v[i].counts, 0,
							     NULL));
		json_array_append_new(arr, e);
	}
	return arr;
}

/* The exports as a table, after a count line. */
static void
stats_exports_text(const struct export_record *v, size_t n)
{
	if (!n)
		return;
	printf("\nexports     %zu (latest %s)\n", n, v[n - 1].created_at);
	printf("%-4s %-12s %8s %9s %10s %9s %9s  %s\n", "id", "format",
	       "queries", "positives", "relabelled", "negatives", "q-dropped",
	       "path (cascade fit)");
	for (size_t i = 0; i < n; i++) {
		printf("%-4lld %-12s %8lld %9lld %10lld %9lld %9lld  %s",
		       (long long)v[i].id, v[i].format,
		       (long long)v[i].queries, (long long)v[i].positives,
		       (long long)v[i].relabelled, (long long)v[i].negatives,
		       (long long)v[i].queries_dropped, v[i].path);
		if (v[i].fit_id)
			printf(" (fit %lld)", (long long)v[i].fit_id);
		putchar('\n');
	}
}

int
cmd_stats(int argc, char **argv)
{
	struct stats_settings opts;
	struct opt_state st;
	struct stats_counts tot;
	struct stats_source *src = NULL;
	struct stats_annotator *ann = NULL;
	struct export_record *exp = NULL;
	int64_t labels[LABEL_COUNT], labelled = 0;
	size_t nsrc = 0, nann = 0, nfit = 0, nexp = 0;
	struct cascade_db_fit *fits = NULL;
	struct cascadejob_estimate est;
	struct team_stats ts;
	double conf;
	bool fts_stale;
	char buf[256];
	struct project p;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&opts, 0, sizeof(opts));
	memset(&ts, 0, sizeof(ts));
	if ((rc = cmd_options(&stats_cmd, argc, argv, &opts, &st)) ||
	    st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("stats", "expected one PROJECT argument");
	if (project_open_read(&p, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	if (stats_totals(p.db, &tot, &err) != NS_OK ||
	    stats_sources(p.db, &src, &nsrc, &err) != NS_OK ||
	    stats_labels(p.db, labels, &ann, &nann, &err) != NS_OK ||
	    cascade_db_fits(p.db, &fits, &nfit, &err) != NS_OK ||
	    cascadejob_estimate(&p, &est, &err) != NS_OK ||
	    export_records(p.db, &exp, &nexp, &err) != NS_OK ||
	    team_stats(p.db, &ts, &err) != NS_OK) {
		stats_sources_free(src, nsrc);
		stats_annotators_free(ann, nann);
		cascade_db_fits_free(fits, nfit);
		export_records_free(exp, nexp);
		team_stats_fini(&ts);
		project_close(&p);
		return cmd_fail(&err);
	}
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
		labelled += labels[l];
	conf = config_float(p.cfg, "cascade.confidence", 0.95);
	fts_stale = store_fts_stale(p.db);
	if (opts.json) {
		json_t *o = stats_counts_json(&tot, true);
		json_t *arr = json_array();

		json_object_set_new(o, "fts_stale", json_boolean(fts_stale));

		for (size_t i = 0; i < nsrc; i++) {
			json_t *s = stats_counts_json(&src[i].c, false);

			json_object_set_new(s, "id", json_integer(src[i].id));
			json_object_set_new(s, "path",
					    json_string(src[i].path));
			json_object_set_new(s, "format",
					    json_string(src[i].format));
			json_object_set_new(s, "records",
					    json_integer(src[i].records));
			json_object_set_new(s, "skipped",
					    json_integer(src[i].skipped));
			json_array_append_new(arr, s);
		}
		json_object_set_new(o, "sources", arr);
		json_object_set_new(o, "labelled", json_integer(labelled));
		json_object_set_new(o, "labels", stats_labels_json(labels));
		arr = json_array();
		for (size_t i = 0; i < nann; i++) {
			json_t *a = json_object();

			json_object_set_new(a, "name",
					    json_string(ann[i].name));
			int64_t mine = 0;

			for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
				mine += ann[i].labels[l];
			json_object_set_new(a, "events",
					    json_integer(ann[i].events));
			json_object_set_new(a, "labelled", json_integer(mine));
			json_object_set_new(a, "labels",
					    stats_labels_json(ann[i].labels));
			json_array_append_new(arr, a);
		}
		json_object_set_new(o, "annotators", arr);
		json_object_set_new(o, "cascade", stats_fits_json(fits, nfit));
		json_object_set_new(o, "estimate", stats_estimate_json(&est));
		json_object_set_new(o, "team", stats_team_json(&ts));
		json_object_set_new(o, "exports", stats_exports_json(exp,
								     nexp));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("project     %s\n", p.dir);
		printf("queries     %lld", (long long)tot.queries);
		/* export leaves them out, and not for "too few negatives".
		 * A dense mine leaves out the queries without a vector
		 * too (it notes them), imported before it or not */
		if (tot.not_in_run)
			printf(" (%lld not in the run: imported after it was "
			       "mined, or without a vector when it was; "
			       "negsieve embed (dense), then negsieve mine)",
			       (long long)tot.not_in_run);
		/* which no embed or mine can help: apart */
		if (tot.no_text)
			printf(" (%lld without text: known by id only, or "
			       "empty or blank; no mine searches them and "
			       "export leaves them out: fix the text in the "
			       "data imported)", (long long)tot.no_text);
		putchar('\n');
		printf("passages    %lld (%lld external ids)\n",
		       (long long)tot.passages, (long long)tot.passage_ids);
		/* BM25 and review's search find nothing in text the index
		 * lacks: say so before someone wonders why */
		if (fts_stale)
			printf("full-text   index stale: an import with "
			       "--no-fts or import.fts false added text it "
			       "lacks (mine "
			       "--method bm25, or an import with import.fts "
			       "true, rebuilds it)\n");
		printf("positives   %lld (and %lld judged non-relevant)\n",
		       (long long)tot.positives,
		       (long long)tot.judged_negatives);
		printf("candidates  %lld (%lld kept by the filters)\n",
		       (long long)tot.candidates,
		       (long long)tot.candidates_kept);
		printf("decisions   %lld events in the log\n",
		       (long long)tot.decisions);
		printf("labelled    %lld items (%s)\n", (long long)labelled,
		       stats_labels_text(labels, buf, sizeof(buf)));
		/* the lines below need not sum to the one above: say so
		 * where they may not */
		if (nann > 1)
			printf("  (per annotator: the items each labelled, "
			       "final or not; shared ones count for each)\n");
		for (size_t i = 0; i < nann; i++) {
			int64_t mine = 0;

			for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
				mine += ann[i].labels[l];
			printf("  %-9s %lld items (%s); %lld events\n",
			       ann[i].name, (long long)mine,
			       stats_labels_text(ann[i].labels, buf,
						 sizeof(buf)),
			       (long long)ann[i].events);
		}
		stats_print_team(&ts);
		stats_print_cascade(fits, nfit, &est, conf);
		if (nsrc)
			printf("\nper source: what each import added (mined "
			       "candidates are not counted here)\n"
			       "%-4s %-10s %8s %8s %9s %9s %10s  %s\n", "id",
			       "format", "records", "queries", "passages",
			       "positives", "imported", "path");
		for (size_t i = 0; i < nsrc; i++)
			printf("%-4lld %-10s %8lld %8lld %9lld %9lld %10lld  "
			       "%s\n", (long long)src[i].id, src[i].format,
			       (long long)src[i].records,
			       (long long)src[i].c.queries,
			       (long long)src[i].c.passages,
			       (long long)src[i].c.positives,
			       (long long)src[i].c.candidates, src[i].path);
		stats_exports_text(exp, nexp);
	}
	stats_sources_free(src, nsrc);
	export_records_free(exp, nexp);
	stats_annotators_free(ann, nann);
	cascade_db_fits_free(fits, nfit);
	team_stats_fini(&ts);
	project_close(&p);
	return NS_OK;
}
