/*
 * t-team.c - a team on one project: overlap items final only when their
 * annotators agree, blind to each other; conflicts for adjudicators only
 * and settled by them; named queues and who may work them; agreement.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "db/queue.h"
#include "src/config.h"
#include "src/review.h"
#include "src/team.h"
#include "src/util.h"
#include "tests/tap.h"

static struct db *
open_fixture(const char *name, const char *dir)
{
	char path[700];
	const char *top = getenv("top_srcdir");
	struct ns_err err;
	struct db *db = NULL;
	FILE *fp;
	char *sql;
	long len;

	if (db_open(dir, DB_OPEN_CREATE, &db, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/tests/%s", top ? top : ".", name);
	if (!(fp = fopen(path, "r")))
		exit(1);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	sql = xmalloc((size_t)len + 1);
	sql[fread(sql, 1, (size_t)len, fp)] = '\0';
	fclose(fp);
	if (db_exec(db, sql, &err) != NS_OK) {
		diag("%s", err.msg);
		exit(1);
	}
	free(sql);
	return db;
}

static void
select_xid(struct review *r, const char *xid)
{
	review_act(r, REQ_MOVE_FIRST, NULL, 5);
	while (r->q->n && strcmp(r->q->c[r->cur].xid, xid) &&
	       r->cur + 1 < r->q->n)
		review_act(r, REQ_MOVE_DOWN, NULL, 5);
}

static const struct queue_cand *
cand(const struct review *r, const char *xid)
{
	for (size_t i = 0; r->q && i < r->q->n; i++)
		if (!strcmp(r->q->c[i].xid, xid))
			return &r->q->c[i];
	return NULL;
}

int
main(void)
{
	char dir[600];
	struct db *db, *db2, *db3;
	struct review *a = NULL, *b = NULL, *c = NULL;
	struct queue_filter f;
	struct queue_counts qc;
	struct team_stats ts;
	struct config *cfg = NULL;
	struct ns_err err;
	bool adj;
	int64_t run;
	static const char yaml[] =
		"review:\n"
		"  adjudicators: carol, dave\n"
		"  queues:\n"
		"    - name: high\n"
		"      min_score: 0.7\n"
		"      annotators: alice\n";

	err_clear(&err);
	snprintf(dir, sizeof(dir), "%s/team", tap_tmpdir());
	db = open_fixture("review-fixture.sql", dir);
	ok(db_open(dir, DB_OPEN_EXISTING, &db2, &err) == NS_OK &&
	   db_open(dir, DB_OPEN_EXISTING, &db3, &err) == NS_OK,
	   "three connections");
	/* every item needs two annotators */
	ok(queue_need_sync(db, 2, 1.0, 0, &err) == NS_OK, "overlap: all");
	is_int(db_scalar(db, "SELECT count(*) FROM item_need WHERE k = 2"), 8,
	       "8 items need two annotators");
	ok(queue_need_sync(db, 2, 1.0, 0, &err) == NS_OK &&
	   db_scalar(db, "SELECT count(*) FROM item_need") == 8,
	   "a second sync changes nothing");

	/* alice labels p2 FN: hers, not final */
	ok(review_open(db, "alice", 0, &a, &err) == NS_OK, "alice opens");
	is_str(a->q->xid, "q1", "alice on q1");
	select_xid(a, "p2");
	review_act(a, REQ_FN, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 2"), 0,
	       "one annotator of two: no final label");
	ok(cand(a, "p2")->label == LABEL_FN &&
	   cand(a, "p2")->pending_agreement,
	   "alice sees her own FN, pending agreement");
	select_xid(a, "p3");
	review_act(a, REQ_TN, NULL, 5);
	review_close(a);
	a = NULL;

	/* bob, blind to alice: p2 and p3 undecided for him */
	ok(review_open(db2, "bob", 0, &b, &err) == NS_OK, "bob opens");
	is_str(b->q->xid, "q1", "bob gets q1: its items need a second "
	       "annotator");
	ok(cand(b, "p2")->label == LABEL_NONE &&
	   cand(b, "p3")->label == LABEL_NONE,
	   "bob does not see alice's labels");
	select_xid(b, "p2");
	review_act(b, REQ_FN, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 2 AND label = 'fn'"), 1,
	       "two agreeing FN: final");
	select_xid(b, "p3");
	review_act(b, REQ_FN, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 3"), 0, "TN and FN: no final label");
	is_int(db_scalar(db, "SELECT count(*) FROM item_conflict WHERE"
			 " passage_id = 3"), 1, "but a conflict");
	review_close(b);
	b = NULL;

	/* a third annotator does not get the conflict */
	ok(review_open(db3, "erin", 0, &c, &err) == NS_OK, "erin opens");
	ok(c->q && !strcmp(c->q->xid, "q1") &&
	   !strcmp(c->q->c[c->cur].xid, "p4"),
	   "erin is sent to q1's p4, which needs her, not to the conflict "
	   "(p3)");
	review_act(c, REQ_NEXT_OPEN, NULL, 5);
	ok(strcmp(c->q->c[c->cur].xid, "p3") != 0, "Tab skips the conflict");
	review_close(c);
	c = NULL;

	/* who may work which queue */
	ok(config_parse(yaml, strlen(yaml), "team.yaml", &cfg, &err) == NS_OK,
	   "a team config");
	is_int(team_queue(cfg, "conflicts", "bob", &f, &adj, &run, &err),
	       NS_EUSAGE, "bob may not adjudicate");
	is_str(err.msg, "only the adjudicators (carol, dave) may work the "
	       "conflicts queue", "and is told who may");
	ok(team_queue(cfg, "conflicts", "carol", &f, &adj, &run, &err) ==
	   NS_OK && adj && f.conflicts, "carol may");
	is_int(team_queue(cfg, "high", "bob", &f, &adj, &run, &err),
	       NS_EUSAGE, "a named queue for alice only");
	is_str(err.msg, "queue high is for alice", "says so");
	is_int(team_queue(cfg, "nope", "bob", &f, &adj, &run, &err),
	       NS_EUSAGE, "an unknown queue");
	is_str(err.msg, "no queue 'nope' (queues: all, conflicts, uncertain, "
	       "audit, high)", "names the queues there are");
	ok(team_queue(cfg, "high", "alice", &f, &adj, &run, &err) == NS_OK &&
	   f.min_score == 0.7, "alice's queue: a score band");
	ok(queue_count(db, 0, &f, &qc, &err) == NS_OK, "count it");
	is_int(qc.items, 3, "3 items score 0.7 or more");
	queue_counts_fini(&qc);

	/* carol adjudicates */
	team_queue(cfg, "conflicts", "carol", &f, &adj, &run, &err);
	ok(queue_count(db, 0, &f, &qc, &err) == NS_OK && qc.items == 1 &&
	   qc.waiting == 1, "the conflicts queue holds one item");
	queue_counts_fini(&qc);
	ok(review_open_queue(db3, "carol", 0, "conflicts", &f, adj, &c,
			     &err) == NS_OK, "carol opens the conflicts");
	ok(c->q && !strcmp(c->q->xid, "q1") && !strcmp(c->q->c[c->cur].xid,
						       "p3"),
	   "on the disputed item");
	ok(strstr(cand(c, "p3")->others, "alice tn") &&
	   strstr(cand(c, "p3")->others, "bob fn"),
	   "with both labels shown: %s", cand(c, "p3")->others);
	review_act(c, REQ_FN, NULL, 5);
	is_int(db_scalar(db, "SELECT count(*) FROM item_label WHERE"
			 " passage_id = 3 AND label = 'fn'"), 1,
	       "the adjudication is final");
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE"
			 " passage_id = 3 AND role = 'adjudicator'"), 1,
	       "recorded as such");
	is_int(db_scalar(db, "SELECT count(*) FROM decision WHERE"
			 " passage_id = 3 AND role IS NULL"), 2,
	       "everyone's original decision stays in the log");
	is_int(db_scalar(db, "SELECT count(*) FROM item_conflict"), 0,
	       "no conflict left");
	review_close(c);

	ok(team_stats(db, &ts, &err) == NS_OK, "team stats");
	is_int(ts.alpha_units, 2, "two items labelled twice");
	is_int((long long)ts.np, 1, "one pair");
	is_int(ts.p[0].items, 2, "alice and bob share two items");
	/* p2: fn fn, p3: tn fn over fn/tn marginals: p_o 0.5, p_e 0.5 */
	is_dbl(ts.p[0].kappa, 0.0, 1e-12, "kappa 0 (half agree, as chance)");
	for (size_t i = 0; i < ts.na; i++)
		if (!strcmp(ts.a[i].name, "alice"))
			ok(ts.a[i].adj_n == 1 && ts.a[i].adj_agree == 0,
			   "alice disagrees with the adjudication");
	team_stats_fini(&ts);
	config_free(cfg);
	db_close(db);
	db_close(db2);
	db_close(db3);
	return tap_done();
}
