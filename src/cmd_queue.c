/*
 * cmd_queue.c - negsieve queue list PROJECT: the review queues (built-in
 * and named in review.queues) with their sizes and each annotator's
 * progress.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd.h"
#include "src/project.h"
#include "src/team.h"

struct queue_settings {
	bool json;		/* one JSON object instead of the table */
};

static const struct opt queue_rows[] = {
	OPT_FLAG('j', "json", struct queue_settings, json,
		 "print one JSON object: queues with their counts"),
	OPT_END
};

static const struct opt_cmd queue_cmd = {
	"queue",
	"usage: negsieve queue [OPTIONS] list PROJECT\n",
	"List the review queues (all, conflicts, uncertain, audit and those\n"
	"of review.queues) with their items, how many have a final label,\n"
	"how many wait for people, and how many each annotator labelled.\n",
	queue_rows,
};

int
cmd_queue(int argc, char **argv)
{
	struct queue_settings s;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	const char *names[64];
	json_t *all = NULL;
	int rc, n;

	err_clear(&err);
	memset(&s, 0, sizeof(s));
	if ((rc = cmd_options(&queue_cmd, argc, argv, &s, &st)) || st.help)
		return rc;
	if (st.first != argc - 2 || strcmp(argv[st.first], "list"))
		return cmd_usage_error("queue", "expected 'list PROJECT'");
	/* a reading command: it works on a read-only project */
	if (project_open_read(&p, argv[st.first + 1], &err) != NS_OK)
		return cmd_fail(&err);
	n = team_queue_names(p.cfg, names, 64);
	if (s.json)
		all = json_array();
	else
		printf("%-16s %9s %9s %9s  %s\n", "queue", "items", "final",
		       "waiting", "labelled by");
	for (int i = 0; i < n; i++) {
		struct queue_filter f;
		struct queue_counts c;
		int64_t run = 0;
		bool adj;
		enum ns_rc qrc;

		/* the list is for everyone: no one's permission asked */
		if ((qrc = team_queue_filter(p.cfg, names[i], &f, &adj, &run,
					     &err)) != NS_OK ||
		    queue_count(p.db, run, &f, &c, &err) != NS_OK) {
			if (all)
				json_decref(all);
			project_close(&p);
			return cmd_fail(&err);
		}
		if (all) {
			json_t *o = json_object(), *by = json_object();

			json_object_set_new(o, "name", json_string(names[i]));
			json_object_set_new(o, "items", json_integer(c.items));
			json_object_set_new(o, "final", json_integer(c.final));
			json_object_set_new(o, "waiting",
					    json_integer(c.waiting));
			for (size_t k = 0; k < c.n; k++)
				json_object_set_new(by, c.names[k],
						    json_integer(c.labelled[k]));
			json_object_set_new(o, "labelled_by", by);
			json_array_append_new(all, o);
		} else {
			printf("%-16s %9lld %9lld %9lld  ", names[i],
			       (long long)c.items, (long long)c.final,
			       (long long)c.waiting);
			for (size_t k = 0; k < c.n; k++)
				printf("%s%s %lld", k ? ", " : "", c.names[k],
				       (long long)c.labelled[k]);
			printf("%s\n", c.n ? "" : "-");
		}
		queue_counts_fini(&c);
	}
	if (all) {
		json_t *o = json_object();

		json_object_set_new(o, "queues", all);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	}
	project_close(&p);
	return NS_OK;
}
