/*
 * team.c - named queues, overlap, adjudicators (see team.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "db/stats.h"
#include "src/agreement.h"
#include "src/team.h"
#include "src/util.h"

bool
team_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (list && *list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		while (len && (*list == ' ' || *list == '\t'))
			list++, len--;
		while (len && (list[len - 1] == ' ' || list[len - 1] == '\t'))
			len--;
		if (len == n && !strncmp(list, name, n))
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

int
team_queue_names(const struct config *cfg, const char **names, int max)
{
	static const char *const builtin[] = {
		"all", "conflicts", "uncertain", "audit"
	};
	int n = 0, nq = config_seq_len(cfg, "review.queues");
	char key[96];

	for (int i = 0; i < 4 && n < max; i++)
		names[n++] = builtin[i];
	for (int i = 0; i < nq && n < max; i++) {
		snprintf(key, sizeof(key), "review.queues.%d.name", i);
		if (config_str(cfg, key, NULL))
			names[n++] = config_str(cfg, key, NULL);
	}
	return n;
}

/* The names there are, for a message. */
static void
team_names_text(const struct config *cfg, char *buf, size_t size)
{
	const char *names[64];
	int n = team_queue_names(cfg, names, 64);
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
				      names[i]);
}

/* The index of queue @name in review.queues, or -1. */
static int
team_find(const struct config *cfg, const char *name)
{
	int nq = config_seq_len(cfg, "review.queues");
	char key[96];

	for (int i = 0; i < nq; i++) {
		const char *v;

		snprintf(key, sizeof(key), "review.queues.%d.name", i);
		v = config_str(cfg, key, NULL);
		if (v && !strcmp(v, name))
			return i;
	}
	return -1;
}

enum ns_rc
team_queue_filter(const struct config *cfg, const char *name,
		  struct queue_filter *f, bool *adjudicating, int64_t *run,
		  struct ns_err *err)
{
	char key[96], names[512];
	const char *v;
	int i;

	queue_filter_all(f);
	*adjudicating = false;
	*run = 0;
	if (!name || !strcmp(name, "all"))
		return NS_OK;
	if (!strcmp(name, "conflicts")) {
		f->conflicts = true;
		*adjudicating = true;
		return NS_OK;
	}
	if (!strcmp(name, "uncertain")) {
		f->verdict = "review";
		return NS_OK;
	}
	if (!strcmp(name, "audit")) {
		f->audit = 1;
		return NS_OK;
	}
	if ((i = team_find(cfg, name)) < 0) {
		team_names_text(cfg, names, sizeof(names));
		return err_set(err, NS_EUSAGE, "no queue '%s' (queues: %s)",
			       name, names);
	}
	snprintf(key, sizeof(key), "review.queues.%d.verdict", i);
	f->verdict = config_str(cfg, key, NULL);
	snprintf(key, sizeof(key), "review.queues.%d.audit", i);
	v = config_str(cfg, key, "any");
	f->audit = !strcmp(v, "only") ? 1 : !strcmp(v, "none") ? 0 : -1;
	snprintf(key, sizeof(key), "review.queues.%d.stage", i);
	f->stage = config_str(cfg, key, NULL);
	snprintf(key, sizeof(key), "review.queues.%d.source", i);
	f->source = config_int(cfg, key, 0);
	snprintf(key, sizeof(key), "review.queues.%d.run", i);
	*run = config_int(cfg, key, 0);
	snprintf(key, sizeof(key), "review.queues.%d.min_score", i);
	f->min_score = config_float(cfg, key, NAN);
	snprintf(key, sizeof(key), "review.queues.%d.max_score", i);
	f->max_score = config_float(cfg, key, NAN);
	return NS_OK;
}

enum ns_rc
team_queue(const struct config *cfg, const char *name, const char *annotator,
	   struct queue_filter *f, bool *adjudicating, int64_t *run,
	   struct ns_err *err)
{
	enum ns_rc rc = team_queue_filter(cfg, name, f, adjudicating, run,
					  err);
	char key[96];
	const char *who;
	int i;

	if (rc != NS_OK || !name)
		return rc;
	if (!strcmp(name, "conflicts")) {
		who = config_str(cfg, "review.adjudicators", NULL);
		if (!who || !team_listed(who, annotator))
			return err_set(err, NS_EUSAGE, "only the adjudicators "
				       "(%s) may work the conflicts queue",
				       who ? who : "none are named: set "
				       "review.adjudicators");
		return NS_OK;
	}
	if ((i = team_find(cfg, name)) < 0)
		return NS_OK;
	snprintf(key, sizeof(key), "review.queues.%d.annotators", i);
	who = config_str(cfg, key, NULL);
	if (who && !team_listed(who, annotator))
		return err_set(err, NS_EUSAGE, "queue %s is for %s", name,
			       who);
	return NS_OK;
}

enum ns_rc
team_overlap(struct project *pj, struct ns_err *err)
{
	long k = config_int(pj->cfg, "review.overlap", 1);
	double share = config_float(pj->cfg, "review.overlap_share", 0.1);

	if (k <= 1 || share <= 0)
		return NS_OK;
	return queue_need_sync(pj->db, (int)k, share,
			       config_int(pj->cfg, "cascade.seed", 0), err);
}

enum ns_rc
team_stats(struct db *db, struct team_stats *ts, struct ns_err *err)
{
	struct stats_rating *r = NULL;
	struct stats_pace *pace = NULL;
	struct agreement_rating *ar = NULL;
	struct stats_annotator *ann = NULL;
	int64_t tot[LABEL_COUNT];
	size_t nr = 0, npace = 0, nann = 0;
	int64_t item = 0;
	enum ns_rc rc;

	memset(ts, 0, sizeof(*ts));
	ts->alpha = NAN;
	if ((rc = stats_ratings(db, &r, &nr, err)) ||
	    (rc = stats_paces(db, &pace, &npace, err)))
		goto out;
	ts->a = xcalloc(npace ? npace : 1, sizeof(*ts->a));
	ts->na = npace;
	for (size_t i = 0; i < npace; i++) {
		struct team_annotator *a = &ts->a[i];

		snprintf(a->name, sizeof(a->name), "%s", pace[i].name);
		a->id = pace[i].annotator;
		a->events = pace[i].events;
		a->hours = pace[i].hours;
		a->per_hour = a->hours > 0 ? (double)a->events / a->hours : 0;
		a->median_ms = pace[i].median_ms;
	}
	/* the items each labelled, as stats and queue list count them
	 * (with their adjudications and drops, which are not ratings) */
	if ((rc = stats_labels(db, tot, &ann, &nann, err)))
		goto out;
	for (size_t i = 0; i < nann; i++)
		for (size_t k = 0; k < ts->na; k++)
			if (!strcmp(ts->a[k].name, ann[i].name))
				for (int l = LABEL_NONE + 1; l < LABEL_COUNT;
				     l++)
					ts->a[k].labelled += ann[i].labels[l];
	ar = xcalloc(nr ? nr : 1, sizeof(*ar));
	for (size_t i = 0; i < nr; i++) {
		int ai = -1;

		if (i > 0 && (r[i].qid != r[i - 1].qid ||
			      r[i].pid != r[i - 1].pid))
			item++;
		for (size_t k = 0; k < ts->na; k++)
			if (ts->a[k].id == r[i].annotator)
				ai = (int)k;
		ar[i] = (struct agreement_rating){ item, ai, (int)r[i].label };
		if (ai < 0)
			continue;
		if (r[i].adjudicated != LABEL_NONE) {
			ts->a[ai].adj_n++;
			ts->a[ai].adj_agree += r[i].adjudicated == r[i].label;
		}
		if (r[i].autov != LABEL_NONE &&
		    (r[i].label == LABEL_FN || r[i].label == LABEL_TN)) {
			ts->a[ai].auto_n++;
			ts->a[ai].auto_agree += r[i].autov == r[i].label;
		}
	}
	ts->alpha = agreement_alpha(ar, nr, &ts->alpha_units);
	for (size_t a = 0; a < ts->na; a++)
		for (size_t b = a + 1; b < ts->na; b++) {
			struct team_pair p = { (int)a, (int)b, 0, NAN };

			p.kappa = agreement_kappa(ar, nr, (int)a, (int)b,
						  &p.items);
			if (p.items == 0)
				continue;
			ts->p = xrealloc(ts->p, (ts->np + 1) * sizeof(*ts->p));
			ts->p[ts->np++] = p;
		}
out:
	free(r);
	free(ar);
	stats_annotators_free(ann, nann);
	stats_paces_free(pace, npace);
	return rc;
}

void
team_stats_fini(struct team_stats *ts)
{
	free(ts->a);
	free(ts->p);
	memset(ts, 0, sizeof(*ts));
}
