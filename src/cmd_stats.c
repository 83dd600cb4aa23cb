/*
 * cmd_stats.c - negsieve stats [--json] PROJECT
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/project.h"
#include "db/stats.h"
#include "src/label.h"

struct stats_settings {
	bool json;		/* one JSON object instead of the table */
};

static const struct opt stats_rows[] = {
	OPT_FLAG('j', "json", struct stats_settings, json,
		 "print one JSON object (keys: queries, passages, positives, "
		 "candidates, decisions, ..., sources)"),
	OPT_END
};

static const struct opt_cmd stats_cmd = {
	"stats",
	"usage: negsieve stats [OPTIONS] PROJECT\n",
	"Print counts of queries, passages, positives, candidates and\n"
	"decisions, overall and per source; the current labels of the\n"
	"reviewed items, per label and per annotator.\n",
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

/* "FN 3, TN 7, drop passage 1, drop query 0" into @buf. */
static const char *
stats_labels_text(const int64_t *v, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT && o < size; l++)
		if (label_decides((enum label)l))
			o += (size_t)snprintf(buf + o, size - o, "%s%s %lld",
					      o ? ", " : "",
					      label_words((enum label)l),
					      (long long)v[l]);
	return buf;
}

int
cmd_stats(int argc, char **argv)
{
	struct stats_settings opts;
	struct opt_state st;
	struct stats_counts tot;
	struct stats_source *src = NULL;
	struct stats_annotator *ann = NULL;
	int64_t labels[LABEL_COUNT], labelled = 0;
	size_t nsrc = 0, nann = 0;
	char buf[256];
	struct project p;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&opts, 0, sizeof(opts));
	if ((rc = cmd_options(&stats_cmd, argc, argv, &opts, &st)) ||
	    st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("stats", "expected one PROJECT argument");
	if (project_open_read(&p, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	if (stats_totals(p.db, &tot, &err) != NS_OK ||
	    stats_sources(p.db, &src, &nsrc, &err) != NS_OK ||
	    stats_labels(p.db, labels, &ann, &nann, &err) != NS_OK) {
		stats_sources_free(src, nsrc);
		project_close(&p);
		return cmd_fail(&err);
	}
	for (int l = LABEL_NONE + 1; l < LABEL_COUNT; l++)
		labelled += labels[l];
	if (opts.json) {
		json_t *o = stats_counts_json(&tot, true);
		json_t *arr = json_array();

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
			json_object_set_new(a, "events",
					    json_integer(ann[i].events));
			json_object_set_new(a, "labels",
					    stats_labels_json(ann[i].labels));
			json_array_append_new(arr, a);
		}
		json_object_set_new(o, "annotators", arr);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("project     %s\n", p.dir);
		printf("queries     %lld\n", (long long)tot.queries);
		printf("passages    %lld (%lld external ids)\n",
		       (long long)tot.passages, (long long)tot.passage_ids);
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
	}
	stats_sources_free(src, nsrc);
	stats_annotators_free(ann, nann);
	project_close(&p);
	return NS_OK;
}
