/*
 * team.h - several annotators on one project: named queues (who works
 * what), overlap (how many annotators an item needs) and who adjudicates,
 * from the review.* keys of the config (see negsieve.yaml(5)).
 */
#ifndef NS_TEAM_H
#define NS_TEAM_H

#include <stdbool.h>
#include <stdint.h>

#include "db/queue.h"
#include "src/config.h"
#include "src/err.h"
#include "src/project.h"

/* The built-in queues, before those of review.queues. */
#define TEAM_BUILTIN_QUEUES "all, conflicts, uncertain, audit"

/*
 * The queue named @name (NULL: "all") for @annotator: *@f its filter,
 * *@adjudicating whether decisions there settle conflicts (the
 * "conflicts" queue), *@run its run (0 unless the queue names one).
 * NS_EUSAGE when there is no such queue (naming the queues there are) or
 * @annotator may not work it (naming who may).
 */
enum ns_rc team_queue(const struct config *cfg, const char *name,
		      const char *annotator, struct queue_filter *f,
		      bool *adjudicating, int64_t *run, struct ns_err *err);

/* The same without asking who may work it (listing queues). */
enum ns_rc team_queue_filter(const struct config *cfg, const char *name,
			     struct queue_filter *f, bool *adjudicating,
			     int64_t *run, struct ns_err *err);

/* Is @name in the comma-separated list @list? */
bool team_listed(const char *list, const char *name);

/* Every queue's name, built-in ones first, into @names (at most @max);
 * returns how many. */
int team_queue_names(const struct config *cfg, const char **names, int max);

/*
 * Make the project's overlap (the items that need several annotators)
 * match review.overlap and review.overlap_share: items are drawn by a
 * hash of the item, so the same ones at every call; items once drawn keep
 * needing their annotators.  Cheap when nothing changed since the last
 * call (no new candidates, same settings).
 */
enum ns_rc team_overlap(struct project *pj, struct ns_err *err);

/* One annotator in the team's numbers. */
struct team_annotator {
	char name[64];
	int64_t id;
	int64_t labelled;	/* items they labelled (stats_labels()) */
	int64_t adj_n, adj_agree;	/* of those adjudicated: agreeing */
	int64_t auto_n, auto_agree;	/* of those the cascade had kept or
					 * flagged when decided: agreeing */
	int64_t events;		/* labelling events */
	double hours;		/* in review sessions */
	double per_hour;	/* events / hours; 0 when unknown */
	double median_ms;	/* time on item; -1 unknown */
};

/* Two annotators' agreement. */
struct team_pair {
	int a, b;		/* indexes into team_stats.a */
	int64_t items;		/* both labelled */
	double kappa;		/* Cohen's; NAN when undefined */
};

struct team_stats {
	struct team_annotator *a;
	size_t na;
	struct team_pair *p;
	size_t np;
	double alpha;		/* Krippendorff's, nominal; NAN undefined */
	int64_t alpha_units;	/* items labelled by two or more */
};

/* The team's agreement and pace (stats, the review screen's stats);
 * free with team_stats_fini(). */
enum ns_rc team_stats(struct db *db, struct team_stats *ts,
		      struct ns_err *err);
void team_stats_fini(struct team_stats *ts);

#endif
