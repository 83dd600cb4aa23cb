/*
 * t-mining.c - the SQL side of mining runs: the pool blob (round trip,
 * damaged blobs refused), and a run's life (unfinished runs resumed,
 * replaced, refused while their owner runs, invisible until done).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/mining.h"
#include "src/util.h"
#include "tests/tap.h"

static void
test_pool_blob(void)
{
	struct filter_cand c[4], *d;
	int64_t pos[2] = { 9000000000LL, 3 }, *dp;
	double ps[2] = { 0.25, NAN }, *dps;
	size_t len, n, np;
	unsigned char *b;

	memset(c, 0, sizeof(c));
	c[0].passage_id = 5;
	c[0].score = 0.5;
	c[0].dup_sim = NAN;
	c[0].is_positive = true;
	c[0].reason = FILTER_POSITIVE;
	c[1].passage_id = 9000000000LL;
	c[1].score = -0.125;
	c[1].dup_sim = 0.99f;
	c[1].near_dup = true;
	c[2].passage_id = 4;		/* ids go down too */
	c[2].score = 0.1f;
	c[2].dup_sim = 0.5f;
	c[2].same_text = true;
	c[2].reason = FILTER_SAME_TEXT;
	c[3].passage_id = 6;
	c[3].score = 0.0625;
	c[3].dup_sim = NAN;
	c[3].reason = FILTER_UNSAMPLED;
	b = db_mine_pool_pack(c, 4, pos, ps, 2, &len);
	ok(len < 4 * 22 + 2 * 16, "pool: float scores packed small (%zu bytes)",
	   len);
	ok(db_mine_pool_unpack(b, len, &d, &n, &dp, &dps, &np),
	   "pool: unpacks");
	is_int((long long)n, 4, "pool: 4 candidates");
	is_int((long long)np, 2, "pool: 2 positives");
	ok(d[0].passage_id == 5 && d[1].passage_id == 9000000000LL &&
	   d[2].passage_id == 4 && d[3].passage_id == 6,
	   "pool: ids (deltas both ways, 64-bit)");
	ok(d[0].score == 0.5 && d[1].score == -0.125 &&
	   d[2].score == (double)0.1f, "pool: scores exact");
	ok(isnan(d[0].dup_sim) && d[1].dup_sim == (double)0.99f,
	   "pool: near-duplicate similarity, NaN kept");
	ok(d[0].is_positive && d[1].near_dup && d[2].same_text &&
	   !d[3].is_positive, "pool: marks");
	ok(d[0].reason == FILTER_POSITIVE && d[1].reason == FILTER_KEPT &&
	   d[2].reason == FILTER_SAME_TEXT && d[3].reason == FILTER_UNSAMPLED,
	   "pool: reasons");
	ok(d[3].rank == 4, "pool: rank = position");
	ok(dp[0] == 9000000000LL && dp[1] == 3 && dps[0] == 0.25 &&
	   isnan(dps[1]), "pool: positives and their scores");
	free(d);
	/* every truncation, and a stray byte, is refused */
	{
		int bad = 0;

		for (size_t l = 0; l < len; l++)
			bad += db_mine_pool_unpack(b, l, &d, &n, &dp, &dps,
						   &np);
		is_int(bad, 0, "pool: every truncated blob refused");
	}
	b = xrealloc(b, len + 1);
	b[len] = 0;
	ok(!db_mine_pool_unpack(b, len + 1, &d, &n, &dp, &dps, &np),
	   "pool: trailing byte refused");
	b[12] = 0;			/* scores as float64 now: lengths off */
	ok(!db_mine_pool_unpack(b, len, &d, &n, &dp, &dps, &np),
	   "pool: damaged header refused");
	memcpy(b, "NSP9", 4);
	ok(!db_mine_pool_unpack(b, len, &d, &n, &dp, &dps, &np),
	   "pool: unknown format refused");
	free(b);
	/* BM25 scores keep their double precision */
	c[0].score = 1.0 / 3;
	b = db_mine_pool_pack(c, 4, pos, ps, 2, &len);
	ok(db_mine_pool_unpack(b, len, &d, &n, &dp, &dps, &np) &&
	   d[0].score == 1.0 / 3, "pool: double scores stay double");
	free(d);
	free(b);
}

static int64_t
scalar(struct db *db, const char *sql)
{
	return db_scalar(db, sql);
}

static void
test_lifecycle(void)
{
	const char *dir = tap_tmpdir();
	struct db *db = NULL;
	struct ns_err err;
	struct filter_cand c;
	int64_t id = 0, id2 = 0, replaced = 0, *done = NULL, ndone = 0;
	double ps = 0.5;
	int64_t pos = 1;
	bool resumed = false;
	char me[300], alive[300], *m = NULL, *p = NULL;

	err_clear(&err);
	if (!ok(db_open(dir, DB_OPEN_CREATE, &db, &err) == NS_OK, "open"))
		return;
	db_exec(db, "INSERT INTO source(id,path,format,created_at) VALUES"
		"(1,'t','t','now');"
		"INSERT INTO query(id,xid,text,source_id) VALUES(1,'q1','a',1),"
		"(2,'q2','b',1);"
		"INSERT INTO passage(id,text,source_id) VALUES(1,'x',1),"
		"(2,'y',1)", &err);
	db_mine_owner(me, sizeof(me));
	is_int(db_mine_run_begin(db, "dense", "{}", "key-a", me, &id,
				 &resumed, &replaced, &err), NS_OK, "begin");
	ok(!resumed && !replaced, "a new run");
	is_int(scalar(db, "SELECT count(*) FROM run WHERE state = 'mining'"),
	       1, "the run is unfinished");
	memset(&c, 0, sizeof(c));
	c.passage_id = 2;
	c.rank = 1;
	c.score = 0.25;
	c.dup_sim = NAN;
	db_begin(db, &err);
	is_int(db_mine_pool_store(db, id, 1, &c, 1, &pos, &ps, 1, &err),
	       NS_OK, "pool one query");
	db_commit(db, &err);
	is_int(scalar(db, "SELECT ns_pool_rank(data, 2) FROM run_pool"), 1,
	       "ns_pool_rank: passage 2 is the pool's first candidate");
	is_int(scalar(db, "SELECT ns_pool_rank(data, 1) IS NULL FROM run_pool"),
	       1, "ns_pool_rank: NULL for a passage it does not hold");
	is_int(scalar(db, "SELECT ns_pool_rank(x'00', 1) IS NULL"), 1,
	       "ns_pool_rank: NULL for a damaged blob");
	is_int(db_mine_run_last(db), 0, "an unfinished run is not refiltered");
	is_int(db_mine_run_get(db, id, &m, &p, &err), NS_ENOTFOUND,
	       "run_get refuses an unfinished run");
	ok(strstr(err.msg, "unfinished (its mining was interrupted)") != NULL,
	   "message: %s", err.msg);
	/* a live owner (our parent, on this host) blocks a second mine */
	snprintf(alive, sizeof(alive), "%.*s:%ld",
		 (int)(strrchr(me, ':') - me), me, (long)getppid());
	{
		char sql[512];

		snprintf(sql, sizeof(sql), "UPDATE run SET params = json_set("
			 "params, '$.owner', '%s')", alive);
		db_exec(db, sql, &err);
	}
	is_int(db_mine_run_begin(db, "dense", "{}", "key-a", me, &id2,
				 &resumed, &replaced, &err), NS_EDB,
	       "a run whose owner still runs is not taken");
	{
		char want[400];

		snprintf(want, sizeof(want), "run %lld is being mined by "
			 "process %s; wait for it to finish (or stop it) "
			 "before mining again", (long long)id, alive);
		is_str(err.msg, want, "message names the run and the process");
	}
	/* an owner on another host cannot be checked: taken for alive */
	db_exec(db, "UPDATE run SET params = json_set(params, '$.owner', "
		"'otherhost-x:1')", &err);
	is_int(db_mine_run_begin(db, "dense", "{}", "key-a", me, &id2,
				 &resumed, &replaced, &err), NS_EDB,
	       "an owner on another host is taken for alive");
	is_int(db_mine_busy(db, &err), NS_EDB, "db_mine_busy() says so too");
	/* the owner is gone: the same key resumes */
	{
		char sql[512];

		snprintf(sql, sizeof(sql), "UPDATE run SET params = json_set("
			 "params, '$.owner', '%.*s:999999999')",
			 (int)(strrchr(me, ':') - me), me);
		db_exec(db, sql, &err);
	}
	err_clear(&err);
	is_int(db_mine_busy(db, &err), NS_OK, "a gone owner is not busy");
	is_int(db_mine_run_begin(db, "dense", "{}", "key-a", me, &id2,
				 &resumed, &replaced, &err), NS_OK,
	       "begin again");
	ok(resumed && id2 == id && !replaced, "the same search resumes");
	is_int(db_mine_pool_queries(db, id, &done, &ndone, &err), NS_OK,
	       "pooled queries");
	ok(ndone == 1 && done[0] == 1, "query 1 was mined before");
	free(done);
	/* another key replaces it (its owner, this process, counts as
	 * gone: it is not mining that run any more) */
	is_int(db_mine_run_begin(db, "dense", "{}", "key-b", me, &id2,
				 &resumed, &replaced, &err), NS_OK,
	       "begin with other settings");
	ok(!resumed && replaced == 1, "the other run is replaced");
	is_int(scalar(db, "SELECT count(*) FROM run_pool"), 0,
	       "its pool is gone");
	db_begin(db, &err);
	is_int(db_mine_run_finish(db, id2, "{\"k\":1}", &err), NS_OK,
	       "finish");
	db_commit(db, &err);
	is_int(db_mine_run_last(db), id2, "a done run is the newest");
	free(m);
	free(p);
	db_close(db);
}

int
main(void)
{
	test_pool_blob();
	test_lifecycle();
	return tap_done();
}
