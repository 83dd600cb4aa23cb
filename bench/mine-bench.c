/*
 * mine-bench.c - exact dense mining against the machine's best f32 GEMM
 * rate, and what storing costs, measured in the same run.
 *
 *   bench/mine-bench NQ NB DIM K DIR [now]
 *
 * Writes NQ query and NB passage vectors (random, normalised) to DIR,
 * creates a project there with matching rows and one positive per query,
 * then times, each right after measuring the best f32 GEMM rate at the
 * mining shape (gemm_probe_measure(): OpenBLAS and oneDNN), (1) the exact
 * search engine alone, (2) mining with nothing stored, (3) mining storing
 * every candidate in the candidate table (how runs were stored before
 * pools), (4) mining as negsieve mine stores now (the pool, committed
 * every 1024 queries, then the kept candidates).  Prints the times, rates,
 * ratios and the cost of storing per 100k candidates ((3) or (4) minus
 * (2)).  "now" runs (4) alone (for its peak RSS).
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define NS_DB_INTERNAL
#include "db/dbint.h"
#include "db/db.h"
#include "src/dense.h"
#include "src/faiss_extra.h"
#include "src/gemm.h"
#include "src/filter.h"
#include "src/mine.h"
#include "db/mining.h"
#include "src/summary.h"
#include "src/util.h"


static void
write_vectors(const char *path, int64_t n, int d, uint64_t seed)
{
	FILE *fp = fopen(path, "wb");
	float *row = xmalloc((size_t)d * sizeof(float));
	uint64_t st = seed;

	for (int64_t i = 0; i < n; i++) {
		double norm = 0;

		for (int t = 0; t < d; t++) {
			row[t] = (float)(filter_rng_uniform(&st) - 0.5);
			norm += row[t] * row[t];
		}
		for (int t = 0; t < d; t++)
			row[t] /= (float)sqrt(norm);
		fwrite(row, sizeof(float), (size_t)d, fp);
	}
	free(row);
	fclose(fp);
}

static const float *
map(const char *path, size_t bytes)
{
	int fd = open(path, O_RDONLY);
	void *p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);

	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

struct sink {
	struct db *db;
	int64_t run;
	int mode;		/* 1 every candidate, 2 pool + kept */
	int64_t pending;
	/* kept candidates, stored after the search as publishing does */
	struct filter_cand *kept;
	int64_t *kqid;
	size_t nkept, capk;
};

static enum ns_rc
sink_none(void *arg, int64_t qid, const struct filter_cand *c, size_t n,
	  const int64_t *pos, const double *ps, size_t npos,
	  struct ns_err *err)
{
	(void)arg, (void)qid, (void)c, (void)n, (void)pos, (void)ps;
	(void)npos, (void)err;
	return NS_OK;
}

static enum ns_rc
sink(void *arg, int64_t qid, const struct filter_cand *c, size_t n,
     const int64_t *pos, const double *ps, size_t npos, struct ns_err *err)
{
	struct sink *s = arg;
	enum ns_rc rc;

	if (s->mode == 1)
		return db_mine_store(s->db, s->run, qid, c, n, pos, ps, npos,
				     err);
	for (size_t i = 0; i < n; i++)
		if (c[i].reason == FILTER_KEPT) {
			if (s->nkept == s->capk) {
				s->capk = s->capk ? 2 * s->capk : 4096;
				s->kept = xrealloc(s->kept, s->capk *
						   sizeof(*s->kept));
				s->kqid = xrealloc(s->kqid, s->capk *
						   sizeof(*s->kqid));
			}
			s->kqid[s->nkept] = qid;
			s->kept[s->nkept++] = c[i];
		}
	rc = db_mine_pool_store(s->db, s->run, qid, c, n, pos, ps, npos, err);
	if (rc == NS_OK && ++s->pending >= 1024) {
		if ((rc = db_commit(s->db, err)) == NS_OK)
			rc = db_begin(s->db, err);
		s->pending = 0;
	}
	return rc;
}

/* The kept candidates into the candidate table (positives' scores left
 * out: the same for both ways of storing). */
static enum ns_rc
publish(struct sink *s, struct ns_err *err)
{
	enum ns_rc rc = NS_OK;

	for (size_t i = 0; i < s->nkept && rc == NS_OK; i++)
		rc = db_mine_kept_store(s->db, s->run, s->kqid[i], &s->kept[i],
					1, NULL, NULL, 0, err);
	free(s->kept);
	free(s->kqid);
	return rc;
}

int
main(int argc, char **argv)
{
	int64_t nq, nb, *qids, *pids, *off, *pp;
	int d, k;
	char qpath[1024], ppath[1024];
	struct db *db = NULL;
	struct ns_err err;
	struct rusage ru;
	double t0, t_mine, flops;
	size_t v0;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: mine-bench NQ NB DIM K DIR [now]\n");
		return 2;
	}
	v0 = argc == 7 ? 3 : 0;
	nq = atoll(argv[1]);
	nb = atoll(argv[2]);
	d = atoi(argv[3]);
	k = atoi(argv[4]);
	err_clear(&err);
	snprintf(qpath, sizeof(qpath), "%s/q.f32", argv[5]);
	snprintf(ppath, sizeof(ppath), "%s/p.f32", argv[5]);
	if (db_open(argv[5], DB_OPEN_CREATE, &db, &err) ||
	    db_exec(db, "INSERT INTO source(id,path,format,created_at) "
		    "VALUES(1,'bench','bench','now')", &err) ||
	    0) {
		err_print(&err);
		return 1;
	}
	{
		char sql[512];

		snprintf(sql, sizeof(sql), "BEGIN; WITH RECURSIVE n(i) AS "
			 "(SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %lld) "
			 "INSERT INTO query(id,xid,text,source_id) SELECT i, "
			 "'q'||i, NULL, 1 FROM n; WITH RECURSIVE n(i) AS "
			 "(SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %lld) "
			 "INSERT INTO passage(id,text,source_id) SELECT i, NULL,"
			 " 1 FROM n; INSERT INTO qrel SELECT id, id, 1, NULL, 1 "
			 "FROM query; COMMIT", (long long)nq, (long long)nb);
		if (db_exec(db, sql, &err)) {
			err_print(&err);
			return 1;
		}
	}

	write_vectors(qpath, nq, d, 1);
	write_vectors(ppath, nb, d, 2);

	/* search alone, then mining with each way of storing */
	qids = xmalloc((size_t)nq * sizeof(*qids));
	pids = xmalloc((size_t)nb * sizeof(*pids));
	off = xmalloc((size_t)(nq + 1) * sizeof(*off));
	pp = xmalloc((size_t)nq * sizeof(*pp));
	for (int64_t i = 0; i < nq; i++) {
		qids[i] = i + 1;
		off[i] = i;
		pp[i] = i + 1;
	}
	off[nq] = nq;
	for (int64_t i = 0; i < nb; i++)
		pids[i] = i + 1;
	flops = 2.0 * (double)nq * (double)nb * d;
	printf("nq=%lld nb=%lld d=%d k=%d; each line: the variant, then the "
	       "best f32 GEMM rate at the mining shape measured right before "
	       "it (OpenBLAS and oneDNN)\n", (long long)nq, (long long)nb, d,
	       k);
	{
		const float *xq = map(qpath, (size_t)nq * d * 4);
		const float *xb = map(ppath, (size_t)nb * d * 4);
		/* store: 0 nothing, 1 every candidate in the candidate table
		 * (as mining stored before pools), 2 the pool and then the
		 * kept candidates (as negsieve mine does now) */
		static const struct variant {
			const char *name;
			int search_only, store;
		} v[] = {
			{ "engine search only", 1, 0 },
			{ "mine, store nothing", 0, 0 },
			{ "mine, every candidate in the table (before)", 0, 1 },
			{ "mine, pool + kept candidates (now)", 0, 2 },
		};
		double t_none = NAN;

		for (size_t vi = v0; vi < sizeof(v) / sizeof(v[0]); vi++) {
			struct gemm_probe pb;
			struct mine_screen sc;
			struct filter_params fp;
			struct summary sum;
			struct mine_in in;
			struct sink s;
			char desc[600];
			double best;

			if (gemm_probe_measure(4096, 16384, d, &pb, &err)) {
				err_print(&err);
				return 1;
			}
			best = pb.rate[pb.best];
			if (mine_screen_init(&sc, gemm_lib_name(pb.best),
					     GEMM_F32, xb, nb, d, k, false, desc,
					     sizeof(desc), &err)) {
				err_print(&err);
				return 1;
			}
			t0 = now_seconds();
			if (v[vi].search_only) {
				int kd = k + sc.margin;
				float *dist = xmalloc((size_t)4096 * kd * 4);
				int64_t *lab = xmalloc((size_t)4096 * kd * 8);

				for (int64_t q0 = 0; q0 < nq; q0 += 4096)
					if (topk_search(sc.engine,
							xq + (size_t)q0 * d,
							nq - q0 < 4096 ? nq - q0 :
							4096, kd, dist, lab,
							&err)) {
						err_print(&err);
						return 1;
					}
				free(dist);
				free(lab);
			} else {
				memset(&in, 0, sizeof(in));
				in.dim = d;
				in.nq = nq;
				in.qv = xq;
				in.qids = qids;
				in.np = nb;
				in.pv = xb;
				in.pids = pids;
				in.pos_off = off;
				in.pos_pid = pp;
				in.screen = &sc;
				filter_params_default(&fp);
				fp.range_max = k;
				fp.num_negatives = 5;
				summary_init(&sum);
				memset(&s, 0, sizeof(s));
				s.db = db;
				s.mode = v[vi].store;
				db_mine_fk(db, false, &err);
				if (db_begin(db, &err) ||
				    db_mine_run_new(db, "dense", "{}", &s.run,
						    &err) ||
				    mine_dense(&in, NULL, k, 4096, &fp, &sum,
					       v[vi].store ? sink : sink_none,
					       &s, NULL, &err) ||
				    publish(&s, &err) || db_commit(db, &err)) {
					err_print(&err);
					return 1;
				}
				summary_fini(&sum);
			}
			t_mine = now_seconds() - t0;
			mine_screen_fini(&sc);
			printf("%-44s %7.3f s %6.1f GFLOP/s | best GEMM %6.1f "
			       "GFLOP/s (%s) | %3.0f%%", v[vi].name, t_mine,
			       flops / t_mine / 1e9, best,
			       gemm_lib_name(pb.best),
			       100 * flops / t_mine / 1e9 / best);
			if (!v[vi].search_only && v[vi].store == 0)
				t_none = t_mine;
			else if (!v[vi].search_only)
				printf(" | storing %.3f s per 100k candidates",
				       (t_mine - t_none) /
				       ((double)nq * k / 1e5));
			printf("\n");
			fflush(stdout);
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.0f MB (vectors %.0f MB)\n", ru.ru_maxrss / 1024.0,
	       (double)(nq + nb) * d * 4 / 1048576);
	db_close(db);
	return 0;
}
